"""The machinery both SYNTHETIC event generators share.

The southern Mali demo (:mod:`sahelgis.demo.synthetic_events`) and the West
Africa scale input (:mod:`sahelgis.demo.synthetic_west_africa`) are each an
engine driven by a scenario written as data (TOML files in
``sahelgis/demo/scenarios/``, read by :func:`load_scenario`). What they have in
common lives here: the markers that label every row as synthetic
(:data:`NOTE_PREFIX`, :data:`ID_PREFIX`, the ``source`` text check), the
source-scale mix, ACLED's derived fields (:func:`disorder_type`,
:func:`interaction_text`), the Arrow text scalar used to join note text, and
:func:`write_events_csv`, which writes a frame only when every row says it is
SYNTHETIC.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from sahelgis.model import acled_schema as acled

#: Every note starts with this, every ``event_id_cnty`` with :data:`ID_PREFIX`.
NOTE_PREFIX = "[SYNTHETIC] "
ID_PREFIX = "SYN"
#: Word that every ``source`` value holds (the reader detects demo data by it).
SYNTHETIC_WORD = "SYNTHETIC"

SOURCE_SCALES: tuple[tuple[str, float], ...] = (
    ("National", 0.34),
    ("Subnational", 0.16),
    ("Local partner-National", 0.16),
    ("National-International", 0.10),
    ("Local partner-Other", 0.08),
    ("New media", 0.06),
    ("International", 0.05),
    ("Other-National", 0.05),
)


@cache
def load_scenario(name: str) -> dict[str, Any]:
    """The scenario ``sahelgis/demo/scenarios/<name>.toml`` as a dict (cached).

    Callers must not modify it: every call returns the same object.
    """
    path = resources.files("sahelgis.demo").joinpath("scenarios", f"{name}.toml")
    return tomllib.loads(path.read_text(encoding="utf-8"))


def disorder_type(event_type: str, sub_event_type: str) -> str:
    """ACLED's ``disorder_type`` of an event type and sub-event type."""
    if event_type == "Strategic developments":
        return "Strategic developments"
    if sub_event_type == "Excessive force against protesters":
        return "Political violence; Demonstrations"
    if event_type in ("Protests", "Riots"):
        return "Demonstrations"
    return "Political violence"


def interaction_text(inter1: str, inter2: str) -> str:
    """ACLED's text interaction: the two labels in code order, or "X only"."""
    if not inter1:
        return ""
    if not inter2:
        return f"{inter1} only"
    order = {label: int(c) for c, label in acled.INTER_CODES.items() if label}
    first, second = sorted((inter1, inter2), key=lambda s: order[s])
    return f"{first}-{second}"


def large_text(value: str) -> pa.Scalar:
    """A large_string scalar (the join kernels do not mix string types)."""
    return pa.scalar(value, type=pa.large_string())


def write_events_csv(frame: pd.DataFrame, path: Path) -> Path:
    """Write generated events to a UTF-8 CSV (folders made); return its path.

    Refuses a frame in which some ``source`` does not say SYNTHETIC: what this
    package writes must never pass for ACLED data.
    """
    source = frame[acled.SOURCE].astype(str)
    if not source.str.contains(SYNTHETIC_WORD, regex=False).all():
        raise ValueError("every generated row must be labelled SYNTHETIC")
    from sahelgis.io.csv_safe import write_csv

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_csv(frame, path)
    return path
