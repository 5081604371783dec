"""The project file: one GeoPackage that QGIS can open, plus our state as JSON.

Layout
------
- every layer is a feature table (EPSG:4326) QGIS can open;
- ``sahelgis_project`` (a GeoPackage attributes table) holds the JSON state:
  layer order, styles, view extent, time window;
- ``sahelgis_event_cache`` holds each event table as an Arrow IPC blob, so
  reopening 1M events takes well under a second instead of re-reading the
  feature table (or the CSV).

Saving is atomic (``sahelgis.io.atomic``): the file is written beside the real
target (symlinks are followed), flushed, given the old file's mode, the previous
version is kept as ``<name>.bak.gpkg``, then the new file replaces the old in one
``os.replace``, all under the file's lock. A crash at any point leaves a
readable project behind; a read-only file is refused before any work.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyarrow as pa
import pyogrio
from pyogrio.errors import DataLayerError, DataSourceError

from sahelgis import __version__
from sahelgis.analysis.progress import NULL_PROGRESS, Progress
from sahelgis.errors import ProjectFileError
from sahelgis.io.atomic import atomic_target
from sahelgis.model import crs
from sahelgis.model.events import EventTable
from sahelgis.model.filters import EventFilter
from sahelgis.model.layers import EventLayer, Layer, VectorLayer
from sahelgis.model.project import Project
from sahelgis.model.selection import Selection
from sahelgis.model.styles import Style

FORMAT_NAME = "sahelgis-project"
FORMAT_VERSION = 1
STATE_TABLE = "sahelgis_project"
CACHE_TABLE = "sahelgis_event_cache"
PROJECT_SUFFIX = ".gpkg"


@dataclass
class ProjectInfo:
    """What ``sahelgis info`` prints about a project without loading it."""

    path: Path
    layers: list[dict[str, Any]] = field(default_factory=list)


def save_project(
    project: Project, path: str | Path, progress: Progress = NULL_PROGRESS
) -> Path:
    """Write the project to ``path`` atomically and keep the last version as .bak.

    Returns the path written. The project's path is set and it is marked saved.
    """
    path = Path(path)
    if path.suffix.lower() != PROJECT_SUFFIX:
        path = path.with_name(path.name + PROJECT_SUFFIX)
    write_copy(project, path, progress, keep_backup=True)
    project.set_path(path)
    project.mark_saved()
    return path


def write_copy(
    project: Project,
    path: str | Path,
    progress: Progress = NULL_PROGRESS,
    *,
    keep_backup: bool = False,
    lock: bool = True,
) -> Path:
    """Write the project to ``path`` atomically without changing the project.

    The project is written to a hidden temporary file beside the real target
    (a symlink is written through, the link stays), flushed, given the mode of
    the file it replaces, then moved over the target in one ``os.replace``
    (``sahelgis.io.atomic.atomic_target``); with ``keep_backup`` the previous
    file is kept as ``NAME.bak.gpkg`` first. A read-only file or folder is
    refused before any work; the write holds the file's lock unless ``lock``
    is false (recovery copies, which belong to one process). Autosave uses
    this directly.

    Raises
    ------
    ReadOnlyError
        The file or its folder is read-only.
    FileBusyError
        Another SahelGIS is writing the same file.
    """
    path = Path(path)
    with atomic_target(
        path, before_replace=_keep_backup if keep_backup else None, lock=lock
    ) as tmp:
        _write(project, tmp, progress)
    return path


def load_project(path: str | Path, progress: Progress = NULL_PROGRESS) -> Project:
    """Open a project file written by ``save_project``.

    Raises ``ProjectFileError`` naming the file when it is missing, not a
    GeoPackage, not a SahelGIS project, from a newer version, or damaged.
    """
    path = Path(path)
    state = read_state(path)
    try:
        project = _project_from_state(path, state, progress)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        # a hand-edited or damaged state: say so, never a traceback
        reason = f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
        raise ProjectFileError(
            path, f"the project state is damaged ({reason})"
        ) from exc
    project.set_path(path)
    project.mark_saved()
    progress.set(1.0, "Loaded")
    return project


def _project_from_state(
    path: Path, state: dict[str, Any], progress: Progress
) -> Project:
    layers: list[Layer] = []
    entries = state.get("layers", [])
    blobs = _read_event_blobs(path)
    for i, entry in enumerate(entries):
        progress.check()
        progress.set(i / max(len(entries), 1), f"Loading {entry.get('name', '')}")
        layers.append(_load_layer(path, entry, blobs))
    project = Project(layers)
    extent = state.get("view_extent")
    if extent:
        extent = tuple(float(v) for v in extent)
        if len(extent) != 4:
            raise ValueError(f"view_extent has {len(extent)} numbers, not 4")
    project.view_extent = extent or None  # type: ignore[assignment]
    if state.get("event_filter"):
        project.event_filter = EventFilter.from_dict(state["event_filter"])
    if state.get("selection"):
        project.selection = Selection.from_dict(state["selection"])
    window = state.get("time_window")
    if isinstance(window, dict):
        project.time_window.update_from_dict(window)
    project.extra_state = dict(state.get("extra", {}))
    return project


def read_state(path: str | Path) -> dict[str, Any]:
    """The project's JSON state, checked for format and version."""
    path = Path(path)
    if not path.exists():
        raise ProjectFileError(path, "file not found")
    try:
        with _connect(path) as con:
            tables = {
                r[0]
                for r in con.execute(
                    "SELECT name FROM sqlite_master WHERE type='table'"
                )
            }
            if STATE_TABLE not in tables:
                raise ProjectFileError(
                    path,
                    "not a SahelGIS project (a GeoPackage without the "
                    f"'{STATE_TABLE}' table); use File > Import layer for "
                    "plain GeoPackages",
                )
            row = con.execute(
                f"SELECT value FROM {STATE_TABLE} WHERE key='state'"
            ).fetchone()
    except sqlite3.DatabaseError as exc:
        raise ProjectFileError(path, f"not a GeoPackage project file ({exc})") from exc
    if row is None:
        raise ProjectFileError(path, "the project state is missing (damaged file)")
    try:
        state = json.loads(row[0])
    except json.JSONDecodeError as exc:
        raise ProjectFileError(path, f"the project state is damaged ({exc})") from exc
    if not isinstance(state, dict):
        raise ProjectFileError(
            path, f"the project state is damaged (a JSON {type(state).__name__})"
        )
    if state.get("format") != FORMAT_NAME:
        raise ProjectFileError(path, "not a SahelGIS project state")
    try:
        version = int(state.get("version", 0))
    except (TypeError, ValueError) as exc:
        raise ProjectFileError(
            path, f"the project state is damaged (version {state.get('version')!r})"
        ) from exc
    if version > FORMAT_VERSION:
        raise ProjectFileError(
            path,
            f"made by a newer SahelGIS (project format {version}); this "
            f"version reads format {FORMAT_VERSION}: please update SahelGIS",
        )
    return state


def project_info(path: str | Path) -> ProjectInfo:
    """Layer names, kinds, feature counts and date ranges, from the state only."""
    state = read_state(path)
    return ProjectInfo(path=Path(path), layers=list(state.get("layers", [])))


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


def is_project_file(path: str | Path) -> bool:
    """True when the file is a SahelGIS project (cheap check)."""
    try:
        read_state(path)
    except ProjectFileError:
        return False
    return True


# -- writing ------------------------------------------------------------------
def _write(project: Project, target: Path, progress: Progress) -> None:
    entries: list[dict[str, Any]] = []
    blobs: list[tuple[str, int, bytes]] = []
    used: set[str] = set()
    count = len(project.layers)
    for i, layer in enumerate(project.layers):
        progress.check()
        progress.set(i / max(count, 1), f"Saving {layer.name}")
        table = _table_name(layer, used)
        entry = layer.metadata()
        entry["table"] = table
        entry["feature_count"] = layer.feature_count
        if isinstance(layer, EventLayer):
            frame = layer.events.to_geodataframe()
            _write_table(frame, target, table)
            blobs.append((table, len(layer.events), _arrow_blob(layer.events.frame)))
            dr = layer.events.date_range()
            entry["date_range"] = [str(d)[:10] for d in dr] if dr else None
        elif isinstance(layer, VectorLayer):
            _write_table(layer.data, target, table)
            entry["geometry_kind"] = layer.geometry_kind
        else:  # pragma: no cover - every layer kind is handled above
            raise TypeError(f"cannot save layer kind {layer.kind}")
        entries.append(entry)
    if not entries:
        # A GeoPackage needs its core tables; an empty project still gets them.
        _write_table(
            gpd.GeoDataFrame({"id": []}, geometry=[], crs="EPSG:4326"), target, "empty"
        )
    state = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "app_version": __version__,
        "display_crs": crs.DISPLAY_CRS_PROJ4,
        "layers": entries,
        "view_extent": list(project.view_extent) if project.view_extent else None,
        "time_window": project.time_window.to_dict(),
        "event_filter": project.event_filter.to_dict(),
        "selection": project.selection.to_dict() if project.selection else None,
        "extra": project.extra_state,
    }
    with _connect(target) as con:
        con.execute(
            f"CREATE TABLE {STATE_TABLE} "
            "(id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT UNIQUE, value TEXT)"
        )
        con.execute(
            f"INSERT INTO {STATE_TABLE}(key, value) VALUES ('state', ?)",
            (json.dumps(state, ensure_ascii=False, indent=1),),
        )
        con.execute(
            "INSERT INTO gpkg_contents(table_name, data_type, identifier, description)"
            " VALUES (?, 'attributes', ?, ?)",
            (STATE_TABLE, STATE_TABLE, "SahelGIS project state (JSON)"),
        )
        con.execute(
            f"CREATE TABLE {CACHE_TABLE} "
            "(table_name TEXT PRIMARY KEY, rows INTEGER, arrow BLOB)"
        )
        con.executemany(f"INSERT INTO {CACHE_TABLE} VALUES (?, ?, ?)", blobs)
        con.commit()
    progress.set(1.0, "Saved")


def _write_table(frame: gpd.GeoDataFrame, target: Path, table: str) -> None:
    pyogrio.write_dataframe(frame, target, layer=table, driver="GPKG", use_arrow=True)


def _arrow_blob(frame: pd.DataFrame) -> bytes:
    table = pa.Table.from_pandas(frame, preserve_index=False)
    sink = pa.BufferOutputStream()
    options = pa.ipc.IpcWriteOptions(compression="lz4")
    with pa.ipc.new_stream(sink, table.schema, options=options) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def _table_name(layer: Layer, used: set[str]) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", layer.name.lower()).strip("_")[:40] or "layer"
    name = f"{slug}_{layer.id[:6]}"
    while name in used or name.startswith(("gpkg_", "rtree_", "sahelgis_")):
        name = f"l_{name}"
    used.add(name)
    return name


def _keep_backup(path: Path) -> None:
    """Keep ``path`` (the real target) as ``NAME.bak.gpkg`` beside it."""
    backup = path.with_name(path.stem + ".bak" + PROJECT_SUFFIX)
    if backup.is_symlink() or backup.is_dir():
        # never write through a link someone put in place of the backup
        raise ProjectFileError(
            backup, "is a link or a folder, not a backup file; move it away"
        )
    staging = path.with_name(f".{path.name}.bak-{os.getpid()}")
    with contextlib.suppress(FileNotFoundError):
        staging.unlink()
    try:
        os.link(path, staging)  # cheap: the old file's data is not copied
    except OSError:
        import shutil

        shutil.copy2(path, staging)
    os.replace(staging, backup)


# -- reading ------------------------------------------------------------------
def _connect(path: Path) -> sqlite3.Connection:
    con = sqlite3.connect(path)
    return con


def _read_event_blobs(path: Path) -> dict[str, bytes]:
    with _connect(path) as con:
        try:
            rows = con.execute(
                f"SELECT table_name, arrow FROM {CACHE_TABLE}"
            ).fetchall()
        except sqlite3.DatabaseError:
            return {}
    return dict(rows)


def _load_layer(path: Path, entry: dict[str, Any], blobs: dict[str, bytes]) -> Layer:
    common = {
        "name": entry.get("name", "layer"),
        "id": entry["id"],
        "visible": bool(entry.get("visible", True)),
        "opacity": float(entry.get("opacity", 1.0)),
        "role": entry.get("role", ""),
        "attribution": entry.get("attribution", ""),
        "caveat": entry.get("caveat", ""),
        "synthetic": bool(entry.get("synthetic", False)),
        "source_path": entry.get("source_path", ""),
        "analysis": dict(entry.get("analysis") or {}),
        "source_query": dict(entry.get("source_query") or {}),
        "style": Style.from_dict(entry.get("style", {})),
    }
    table = entry.get("table", "")
    if entry.get("kind") == "events":
        frame = _cached_events(blobs.get(table))
        if frame is None:  # no cache, or a damaged one: the feature table
            frame = _read_table(path, table).drop(columns="geometry")
        return EventLayer(
            events=EventTable(frame, synthetic=common["synthetic"]), **common
        )
    return VectorLayer(data=_read_table(path, table), **common)


def _cached_events(blob: bytes | None) -> pd.DataFrame | None:
    """The event table from its Arrow cache; None when absent or damaged."""
    if blob is None:
        return None
    try:
        return pa.ipc.open_stream(blob).read_all().to_pandas()
    except (pa.ArrowException, OSError, ValueError):
        return None


def _read_table(path: Path, table: str) -> gpd.GeoDataFrame:
    try:
        return pyogrio.read_dataframe(path, layer=table, use_arrow=True)
    except (DataSourceError, DataLayerError, OSError) as exc:
        raise ProjectFileError(
            path, f"layer table {table!r} is missing or damaged ({exc})"
        ) from exc


__all__ = [
    "FORMAT_VERSION",
    "ProjectInfo",
    "has_project_state",
    "is_project_file",
    "load_project",
    "project_info",
    "read_state",
    "save_project",
    "write_copy",
]
