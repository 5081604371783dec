"""Whether a file is a SahelGIS project: a read-only look for its state table.

Kept apart from ``project_file`` so that ``atomic`` (which refuses to replace a
project by another output) and ``project_file`` (which writes through
``atomic``) do not import each other.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

#: The GeoPackage attributes table holding a project's JSON state.
STATE_TABLE = "sahelgis_project"


def has_project_state(path: str | Path) -> bool:
    """True when the file has SahelGIS's state table, even a damaged or newer one.

    Tells a damaged project (report it) from a plain GeoPackage (list its
    layers); reads the file only.
    """
    uri = f"{Path(path).resolve().as_uri()}?mode=ro"
    try:
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as con:
            row = con.execute(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?",
                (STATE_TABLE,),
            ).fetchone()
    except sqlite3.DatabaseError:
        return False
    return row is not None
