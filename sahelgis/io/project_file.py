"""The project file: one GeoPackage that QGIS can open, plus our state as JSON.

Layout
------
- every layer is a feature table (EPSG:4326) QGIS can open;
- ``sahelgis_project`` (a GeoPackage attributes table) holds the JSON state:
  layer order, styles, view extent, time window;
- ``sahelgis_event_cache`` holds each event table as an Arrow IPC blob, so
  reopening 1M events takes well under a second instead of re-reading the
  feature table (or the CSV).

Event layers are written in batches (:mod:`~sahelgis.io.events_gpkg`): their
feature table as one Arrow stream, their cache streamed to a scratch file and
copied into the blob, so saving 10M events needs a few batches of memory on top
of the table.

Saving is atomic (``sahelgis.io.atomic``): the file is written beside the real
target (symlinks are followed), flushed, given the old file's mode, the previous
version is kept as ``<name>.bak.gpkg``, then the new file replaces the old in one
``os.replace``, all under the file's lock. A crash at any point leaves a
readable project behind; a read-only file is refused before any work.

Size: saving and loading one file format, each the inverse of the other; kept
side by side so a change to one is seen beside the other.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import sqlite3
import struct
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pyarrow as pa
import pyogrio
from pyogrio.errors import DataLayerError, DataSourceError

from sahelgis import __version__
from sahelgis.errors import ProjectFileError
from sahelgis.io import events_gpkg, gpkg_columns, limits
from sahelgis.io.atomic import atomic_target
from sahelgis.io.cache_seal import is_sealed
from sahelgis.io.project_probe import STATE_TABLE, has_project_state
from sahelgis.io.project_schema import CheckedState, check_state
from sahelgis.io.qgis_project import (
    PROJECTS_TABLE,
    STYLES_TABLE,
    LayerTable,
    write_qgis_tables,
)
from sahelgis.model import crs
from sahelgis.model.events import EventTable
from sahelgis.model.filters import EventFilter
from sahelgis.model.layers import EventLayer, Layer, VectorLayer
from sahelgis.model.packed_column import PackedTextArray
from sahelgis.model.packed_text import PackedText
from sahelgis.model.project import Project
from sahelgis.model.selection import Selection
from sahelgis.model.styles import Style
from sahelgis.progress import NULL_PROGRESS, Progress

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

FORMAT_NAME = "sahelgis-project"
FORMAT_VERSION = 1
CACHE_TABLE = "sahelgis_event_cache"
PROJECT_SUFFIX = ".gpkg"

log = logging.getLogger(__name__)


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
        _write(project, tmp, progress, path.name)
    return path


def load_project(path: str | Path, progress: Progress = NULL_PROGRESS) -> Project:
    """Open a project file written by ``save_project``.

    The state is checked against ``project_schema`` first: bad optional values
    are reset with a warning (kept in ``project.load_warnings`` and logged),
    and only the file's own tables are read, within ``sahelgis.io.limits``.

    Raises ``ProjectFileError`` naming the file when it is missing, not a
    GeoPackage, not a SahelGIS project, from a newer version, damaged, over a
    limit, or holds a view or unknown object where a table of ours belongs.
    """
    path = Path(path)
    checked = read_checked_state(path)
    warnings = list(checked.warnings)
    try:
        with _Reader(path) as reader:
            project = _project_from_state(reader, checked.state, progress, warnings)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        # a damaged file the schema cannot see (a cache with wrong columns)
        reason = f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
        raise ProjectFileError(
            path, f"the project state is damaged ({reason})"
        ) from exc
    except sqlite3.Error as exc:  # a damaged page in a layer or cache table
        reason = str(exc).splitlines()[0][:200]
        raise ProjectFileError(path, f"the project file is damaged ({reason})") from exc
    project.set_path(path)
    project.mark_saved()
    project.load_warnings = warnings
    for line in warnings:
        log.warning("%s", line)
    progress.set(1.0, "Loaded")
    return project


def _project_from_state(
    reader: _Reader, state: dict[str, Any], progress: Progress, warnings: list[str]
) -> Project:
    layers: list[Layer] = []
    entries = state["layers"]
    reader.check_objects(entries)
    for i, entry in enumerate(entries):
        progress.check()
        progress.set(i / max(len(entries), 1), f"Loading {entry['name']}")
        layers.append(_load_layer(reader, i, entry, warnings))
    project = Project(layers)
    extent = state["view_extent"]
    project.view_extent = tuple(extent) if extent else None
    project.event_filter = EventFilter.from_dict(state["event_filter"])
    if state["selection"]:
        project.selection = Selection.from_dict(state["selection"])
    project.time_window.update_from_dict(state["time_window"])
    extra = dict(state["extra"])
    for key in ("basemap", "sahelgis_recovery", "acled_update"):
        if extra.get(key) is None:
            extra.pop(key, None)
    if not extra.get("figures"):
        extra.pop("figures", None)
    project.extra_state = extra
    return project


def read_state(path: str | Path) -> dict[str, Any]:
    """The project's JSON state, checked against the schema (values fixed).

    See ``read_checked_state`` for the warnings about what was fixed.
    """
    return read_checked_state(path).present


def read_checked_state(path: str | Path) -> CheckedState:
    """The project's state checked for format, version, size and schema.

    Returns the cleaned state and one warning line per value reset, cut or left
    out; raises ``ProjectFileError`` (one line naming the file) otherwise.
    """
    path = Path(path)
    if not path.exists():
        raise ProjectFileError(path, "file not found")
    try:
        with _Reader(path) as reader:
            text = reader.state_text()
    except sqlite3.DatabaseError as exc:
        raise ProjectFileError(path, f"not a GeoPackage project file ({exc})") from exc
    try:
        state = json.loads(text)
    except RecursionError:
        raise ProjectFileError(
            path,
            f"the project state nests deeper than {limits.MAX_JSON_DEPTH} levels "
            "(damaged or hostile file)",
        ) from None
    except ValueError as exc:  # JSONDecodeError, or an integer of 5,000 digits
        reason = str(exc).splitlines()[0][:200]
        raise ProjectFileError(
            path, f"the project state is damaged ({reason})"
        ) from exc
    return check_state(path, state)


def project_info(path: str | Path) -> ProjectInfo:
    """Layer names, kinds, feature counts and date ranges, from the state only."""
    state = read_state(path)
    return ProjectInfo(path=Path(path), layers=list(state.get("layers", [])))


def is_project_file(path: str | Path) -> bool:
    """True when the file is a SahelGIS project (cheap check)."""
    try:
        read_state(path)
    except ProjectFileError:
        return False
    return True


# -- writing ------------------------------------------------------------------
def _write(project: Project, target: Path, progress: Progress, gpkg_name: str) -> None:
    caches: list[tuple[str, int, Path]] = []
    try:
        _write_layers(project, target, progress, gpkg_name, caches)
    finally:
        for _table, _rows, scratch in caches:
            scratch.unlink(missing_ok=True)


def _write_layers(
    project: Project,
    target: Path,
    progress: Progress,
    gpkg_name: str,
    caches: list[tuple[str, int, Path]],
) -> None:
    entries: list[dict[str, Any]] = []
    written: list[LayerTable] = []
    used: set[str] = set()
    count = len(project.layers)
    for i, layer in enumerate(project.layers):
        progress.check()
        progress.set(i / max(count, 1), f"Saving {layer.name}")
        table = _table_name(layer, used)
        entry = layer.metadata()
        entry["table"] = table
        entry["feature_count"] = layer.feature_count
        stored: gpd.GeoDataFrame | pa.RecordBatchReader
        if isinstance(layer, EventLayer):
            # in batches: no shapely point per event, no whole-table copies
            stored, columns, types = events_gpkg.feature_batches(layer.events)
            xy = layer.events.cached_xy(crs.DISPLAY_CRS_PROJ4)
            scratch = events_gpkg.write_cache_file(
                layer.events.frame,
                target,
                len(caches),
                None if xy is None else (crs.DISPLAY_CRS_PROJ4, *xy),
            )
            caches.append((table, len(layer.events), scratch))
            for column, text in events_gpkg.packed_columns(layer.events.frame).items():
                packed = events_gpkg.write_packed_file(text, target, len(caches))
                name = events_gpkg.packed_cache_name(table, column)
                caches.append((name, len(layer.events), packed))
            dr = layer.events.date_range()
            entry["date_range"] = [str(d)[:10] for d in dr] if dr else None
            kind = "point"
        elif isinstance(layer, VectorLayer):
            kind = layer.geometry_kind
            entry["geometry_kind"] = kind
            stored, columns, types = gpkg_columns.encode(layer.data)
        else:  # pragma: no cover - every layer kind is handled above
            raise TypeError(f"cannot save layer kind {layer.kind}")
        _write_table(stored, target, table)
        if columns:
            entry["columns"] = columns
        if types:
            entry["column_types"] = types
        entries.append(entry)
        written.append(LayerTable(layer, table, kind, columns))
    if not entries:
        # A GeoPackage needs its core tables; an empty project still gets them.
        _write_table(
            gpd.GeoDataFrame({"id": []}, geometry=[], crs="EPSG:4326"),
            target,
            "empty",
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
        # an attributes table (integer key, listed in gpkg_contents): QGIS and
        # GDAL's validator accept it; it is not a map layer
        con.execute(
            f"CREATE TABLE {CACHE_TABLE} (id INTEGER PRIMARY KEY AUTOINCREMENT, "
            "table_name TEXT UNIQUE, rows INTEGER, arrow BLOB)"
        )
        for table, rows, scratch in caches:
            events_gpkg.insert_cache_blob(con, CACHE_TABLE, table, rows, scratch)
        con.execute(
            "INSERT INTO gpkg_contents(table_name, data_type, identifier, description)"
            " VALUES (?, 'attributes', ?, ?)",
            (CACHE_TABLE, CACHE_TABLE, "SahelGIS event cache (Arrow IPC, not a layer)"),
        )
        write_qgis_tables(con, project, written, gpkg_name)
        con.commit()
    progress.set(1.0, "Saved")


def _write_table(
    frame: gpd.GeoDataFrame | pa.RecordBatchReader, target: Path, table: str
) -> None:
    # GeoPackage 1.3: what GDAL 3.6 (QGIS 3.22 on Debian 12) reads without a
    # warning and its validator accepts; options apply when the file is made
    new = not target.exists() or target.stat().st_size == 0
    options = {"VERSION": "1.3"} if new else None
    if isinstance(frame, pa.RecordBatchReader):  # events: WKB points, EPSG:4326
        pyogrio.write_arrow(
            frame,
            target,
            layer=table,
            driver="GPKG",
            geometry_name="geometry",
            geometry_type="Point",
            crs="EPSG:4326",
            append=not new,
            dataset_options=options,
        )
        return
    pyogrio.write_dataframe(
        frame,
        target,
        layer=table,
        driver="GPKG",
        use_arrow=True,
        dataset_options=options,
    )


#: Table names a layer never takes: GeoPackage, QGIS and SahelGIS tables.
_TAKEN_TABLES = frozenset({STYLES_TABLE, PROJECTS_TABLE, "empty"})


def _table_name(layer: Layer, used: set[str]) -> str:
    """A readable table name from the layer's name: lower case, ``_``, unique.

    The same names in the same order give the same tables at every save.
    """
    slug = re.sub(r"[^a-z0-9]+", "_", layer.name.lower()).strip("_")[:48]
    slug = slug.strip("_") or "layer"
    if slug[0].isdigit() or slug.startswith(_RESERVED_PREFIXES):
        slug = f"l_{slug}"
    name, n = slug, 1
    while name in used or name in _TAKEN_TABLES:
        n += 1
        name = f"{slug}_{n}"
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


#: GDAL reads these (and each layer's rtree_ tables) when it opens a layer.
_GDAL_PREFIXES = ("gpkg_", "rtree_")
#: Names our own layer tables never take (``_table_name``).
_RESERVED_PREFIXES = ("gpkg_", "rtree_", "sahelgis_", "sqlite_")


class _Reader:
    """A read-only SQLite connection to a project with a time budget per query.

    Every query runs under ``limits.SQLITE_QUERY_SECONDS`` (a progress handler
    interrupts it), so no view, however recursive, can make opening hang. Only
    objects whose ``sqlite_master.type`` is ``table`` are read.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        uri = f"{path.resolve().as_uri()}?mode=ro"
        self.con = sqlite3.connect(uri, uri=True)
        self._deadline = 0.0
        self.con.set_progress_handler(self._over_budget, limits.SQLITE_PROGRESS_STEPS)
        self._objects: dict[str, str] | None = None

    def __enter__(self) -> _Reader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.con.close()

    def _over_budget(self) -> int:
        return int(time.monotonic() > self._deadline)

    def query(self, what: str, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        """All rows of one query, interrupted past the time budget."""
        self._deadline = time.monotonic() + limits.SQLITE_QUERY_SECONDS
        try:
            return self.con.execute(sql, params).fetchall()
        except sqlite3.OperationalError as exc:
            if "interrupt" in str(exc):
                raise ProjectFileError(
                    self.path,
                    f"reading {what} took longer than "
                    f"{limits.SQLITE_QUERY_SECONDS:g} s and was stopped "
                    "(damaged or hostile file)",
                ) from None
            raise

    def objects(self) -> dict[str, str]:
        """Every schema object's name and type (table, view, index, trigger)."""
        if self._objects is None:
            rows = self.query(
                "the list of tables", "SELECT name, type FROM sqlite_master"
            )
            self._objects = {str(name): str(kind) for name, kind in rows}
        return self._objects

    def is_table(self, name: str) -> bool:
        """True when ``name`` is a real table (not a view or anything else)."""
        return self.objects().get(name) == "table"

    def state_text(self) -> str:
        """The JSON text of the state row, refused past its size limit."""
        if not self.is_table(STATE_TABLE):
            if STATE_TABLE in self.objects():
                raise ProjectFileError(
                    self.path,
                    f"'{STATE_TABLE}' is a {self.objects()[STATE_TABLE]}, not a "
                    "table: not a SahelGIS project (hostile or damaged file)",
                )
            raise ProjectFileError(
                self.path,
                "not a SahelGIS project (a GeoPackage without the "
                f"'{STATE_TABLE}' table); use File > Import layer for "
                "plain GeoPackages",
            )
        rows = self.query(
            "the project state",
            f"SELECT typeof(value), length(value) FROM {STATE_TABLE} "
            "WHERE key='state' LIMIT 1",
        )
        if not rows:
            raise ProjectFileError(
                self.path, "the project state is missing (damaged file)"
            )
        kind, size = rows[0]
        if kind not in ("text", "blob"):
            raise ProjectFileError(
                self.path, f"the project state is damaged (an SQL {kind})"
            )
        if size > limits.MAX_STATE_CHARS:
            raise ProjectFileError(
                self.path,
                f"the project state is {size:,} characters, more than the limit "
                f"of {limits.MAX_STATE_CHARS:,}",
            )
        (value,) = self.query(
            "the project state",
            f"SELECT value FROM {STATE_TABLE} WHERE key='state' LIMIT 1",
        )[0]
        if isinstance(value, bytes):
            try:
                value = value.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise ProjectFileError(
                    self.path, "the project state is damaged (not UTF-8 text)"
                ) from exc
        return str(value)

    def check_objects(self, entries: list[dict[str, Any]]) -> None:
        """Refuse views where GDAL or we expect tables, and foreign layer tables.

        GDAL reads the ``gpkg_*`` tables and each layer's ``rtree_*`` tables when
        it opens a layer; a view there could run forever inside GDAL, where no
        time budget reaches, so the file is refused before GDAL sees it.
        """
        for name, object_kind in self.objects().items():
            if name.startswith(_GDAL_PREFIXES) and object_kind not in (
                "table",
                "index",
                "trigger",
            ):
                raise ProjectFileError(
                    self.path,
                    f"'{name}' is a {object_kind}, not a table: SahelGIS reads only "
                    "tables (hostile or damaged file)",
                )
        listed = (
            {
                str(row[0])
                for row in self.query(
                    "gpkg_contents", "SELECT table_name FROM gpkg_contents"
                )
            }
            if self.is_table("gpkg_contents")
            else set()
        )
        for i, entry in enumerate(entries):
            table = entry["table"]
            where = f"layers[{i}].table"
            kind = self.objects().get(table)
            if kind is None or table not in listed:
                raise ProjectFileError(
                    self.path,
                    f"layer table {table!r} is missing or damaged ({where}: not "
                    "a table of the file's gpkg_contents)",
                )
            if kind != "table" or table.lower().startswith(_RESERVED_PREFIXES):
                raise ProjectFileError(
                    self.path,
                    f"{where} {table!r} is a {kind}, not a layer table; SahelGIS reads "
                    "layers only from tables of its own (hostile or damaged file)",
                )

    def row_count(self, table: str) -> int:
        """Rows of a table checked by ``check_objects``."""
        quoted = '"' + table.replace('"', '""') + '"'
        return int(
            self.query(f"table {table!r}", f"SELECT count(*) FROM {quoted}")[0][0]
        )

    def cache_blob(self, table: str, warnings: list[str]) -> bytes | None:
        """The Arrow cache blob of one layer table, None when absent or too big."""
        kind = self.objects().get(CACHE_TABLE)
        if kind is None:
            return None
        if kind != "table":
            message = (
                f"{self.path.name}: '{CACHE_TABLE}' is a {kind}, not a table; "
                "ignored, events read from their layer tables"
            )
            if message not in warnings:
                warnings.append(message)
            return None
        try:
            rows = self.query(
                "the event cache",
                f"SELECT length(arrow) FROM {CACHE_TABLE} WHERE table_name=? LIMIT 1",
                (table,),
            )
        except sqlite3.DatabaseError:
            return None
        if not rows or rows[0][0] is None:
            return None
        if rows[0][0] > limits.MAX_CACHE_BLOB_BYTES:
            warnings.append(
                f"{self.path.name}: event cache of {table!r} is {rows[0][0]:,} bytes, "
                f"more than {limits.MAX_CACHE_BLOB_BYTES:,}; ignored, events read "
                "from the layer table"
            )
            return None
        blob = self.query(
            "the event cache",
            f"SELECT arrow FROM {CACHE_TABLE} WHERE table_name=? LIMIT 1",
            (table,),
        )[0][0]
        return blob if isinstance(blob, bytes) else None


def _load_layer(
    reader: _Reader, index: int, entry: dict[str, Any], warnings: list[str]
) -> Layer:
    common = {
        "name": entry["name"],
        "id": entry["id"],
        "visible": entry["visible"],
        "opacity": entry["opacity"],
        "role": entry["role"],
        "attribution": entry["attribution"],
        "caveat": entry["caveat"],
        "synthetic": entry["synthetic"],
        "source_path": entry["source_path"],
        "analysis": dict(entry["analysis"]),
        "source_query": dict(entry["source_query"]),
        "style": Style.from_dict(entry["style"]),
    }
    table = entry["table"]
    columns, types = entry["columns"], entry["column_types"]
    if entry["kind"] == "events":
        cached = _cached_events(reader, table, warnings)
        display = None
        if cached is None:  # no cache, or a damaged one: the feature table
            frame = _read_table(reader, index, table).drop(columns="geometry")
            frame = gpkg_columns.decode(frame, columns, types)
        else:
            frame, display = cached
        events = EventTable(frame, synthetic=common["synthetic"])
        # checked against a sample; refused coordinates are computed again
        if (
            display is not None
            and display[0] == crs.DISPLAY_CRS_PROJ4
            and not events.prime_xy(*display, crs.to_display())
        ):
            warnings.append(
                f"{reader.path.name}: map coordinates in the event cache of "
                f"{table!r} do not match the events; computed again"
            )
        return EventLayer(events=events, **common)
    data = gpkg_columns.decode(_read_table(reader, index, table), columns, types)
    return VectorLayer(data=data, **common)


def _cached_events(
    reader: _Reader, table: str, warnings: list[str]
) -> tuple[pd.DataFrame, tuple[str, np.ndarray, np.ndarray] | None] | None:
    """The event table from its Arrow cache, with its display coordinates.

    The coordinates (CRS, x, y) are None when the cache holds none. The whole
    result is None when absent, damaged or over a limit (checked before anything is
    unpacked).
    """
    blob = reader.cache_blob(table, warnings)
    if blob is None:
        return None
    name = reader.path.name
    try:
        size = ipc_stream_size(blob)
    except (pa.ArrowException, OSError, ValueError, struct.error):
        warnings.append(
            f"{name}: event cache of {table!r} is damaged; events read from the "
            "layer table"
        )
        return None
    allowed = min(
        limits.MAX_CACHE_UNPACKED_BYTES,
        max(
            limits.MAX_CACHE_UNPACKED_FLOOR,
            size.rows * limits.MAX_CACHE_BYTES_PER_ROW,
        ),
    )
    if size.rows > limits.MAX_EVENT_ROWS or size.pandas_bytes > allowed:
        warnings.append(
            f"{name}: event cache of {table!r} would unpack to {size.rows:,} rows "
            f"and {size.pandas_bytes / 1e6:,.0f} MB, more than the limits "
            f"({limits.MAX_EVENT_ROWS:,} rows, {allowed / 1e6:,.0f} MB for as "
            "many rows); ignored, events read from the layer table"
        )
        return None
    try:
        stream = pa.ipc.open_stream(blob).read_all()
        del blob  # the compressed copy, before the frame is built
        stream, display = events_gpkg.split_display(stream)
        packed = _packed_text(reader, table, stream, warnings)
        if packed is None:
            return None
        frame = stream.to_pandas(split_blocks=True, self_destruct=True)
        for column, (position, text) in sorted(packed.items(), key=lambda x: x[1][0]):
            frame.insert(min(position, len(frame.columns)), column, text)
        return frame, display
    except (pa.ArrowException, OSError, ValueError):
        warnings.append(
            f"{name}: event cache of {table!r} is damaged; events read from the "
            "layer table"
        )
        return None


def _packed_text(
    reader: _Reader, table: str, stream: pa.Table, warnings: list[str]
) -> dict[str, tuple[int, PackedTextArray]] | None:
    """The packed text columns the cache stream names, read and checked.

    Every block is decompressed and checked (sizes, offsets, UTF-8) here, so a
    damaged or forged one refuses the cache now, not when a row is shown;
    unless this installation sealed them (:mod:`sahelgis.io.cache_seal`).
    None (with a warning) when one is missing or damaged.
    """
    raw = (stream.schema.metadata or {}).get(events_gpkg.PACKED_KEY)
    if raw is None:
        return {}
    found: dict[str, tuple[int, PackedTextArray]] = {}
    problem = None
    try:
        positions = json.loads(raw)
        if not isinstance(positions, dict) or not all(
            isinstance(k, str) and type(v) is int and 0 <= v <= 10_000
            for k, v in positions.items()
        ):
            raise ValueError("bad packed text metadata")
        for column, position in positions.items():
            blob = reader.cache_blob(
                events_gpkg.packed_cache_name(table, column), warnings
            )
            if blob is None:
                problem = f"its packed {column!r} text is missing"
                break
            # stored uncompressed: Arrow may allocate no more than the blob
            if ipc_stream_size(blob).unpacked_bytes > 2 * len(blob) + (1 << 20):
                raise ValueError("its blocks declare more bytes than they hold")
            blocks = pa.ipc.open_stream(blob).read_all()
            text = PackedText.from_arrow_table(blocks, stream.num_rows)
            mark = (blocks.schema.metadata or {}).get(events_gpkg.SEAL_KEY)
            if is_sealed(text.seal_parts(), mark):
                text.mark_checked()  # written and checked by this installation
            else:
                text.check_all()
            found[column] = (position, PackedTextArray(text))
    except (pa.ArrowException, OSError, ValueError, struct.error) as exc:
        problem = f"its packed text is damaged ({str(exc).splitlines()[0][:120]})"
    if problem is None:
        return found
    warnings.append(
        f"{reader.path.name}: event cache of {table!r}: {problem}; events read "
        "from the layer table"
    )
    return None


@dataclass(frozen=True)
class IpcSize:
    """What an Arrow IPC stream holds, read from its message headers only.

    Attributes
    ----------
    rows
        Rows of all record batches.
    columns
        Top-level columns of the schema.
    unpacked_bytes
        Bytes of all buffers once decompressed (as each buffer declares).
    """

    rows: int
    columns: int
    unpacked_bytes: int

    @property
    def pandas_bytes(self) -> int:
        """A floor of the memory (bytes) the table takes as pandas.

        Buffers plus one 8-byte slot per cell (object columns, nulls).
        """
        return self.unpacked_bytes + 8 * self.rows * max(self.columns, 1)


def ipc_stream_size(blob: bytes) -> IpcSize:
    """Rows, columns and unpacked bytes of an Arrow IPC stream, without unpacking.

    Reads each message's flatbuffer header (``RecordBatch.length``, its buffer
    list) and, for compressed bodies, the 8-byte uncompressed length that
    prefixes each buffer (Arrow's IPC format). Arrow allocates what a buffer
    declares before it decompresses, so these sizes bound what reading takes.

    Raises ``ValueError``, ``struct.error`` or ``pyarrow.ArrowException`` on a
    damaged stream.
    """
    reader = pa.ipc.MessageReader.open_stream(pa.BufferReader(blob))
    rows = unpacked = columns = 0
    while True:
        try:
            message = reader.read_next_message()
        except StopIteration:
            break
        header = _Flatbuffer(message.metadata.to_pybytes())
        root = header.root()
        kind = header.scalar(root, 1, "<B", 0)  # MessageHeader union type
        table = header.table(root, 2)
        if table is None:
            continue
        if kind == 1:  # Schema: fields are its 2nd member
            columns = header.vector_length(table, 1)
            continue
        batch = header.table(table, 1) if kind == 2 else table
        if kind not in (2, 3) or batch is None:
            continue
        length = header.scalar(batch, 0, "<q", 0)
        if length < 0:
            raise ValueError("negative row count")
        if kind == 3:
            rows += length
        compressed = header.table(batch, 3) is not None
        start, count = header.vector(batch, 2)
        body = message.body
        for i in range(count):
            offset, size = struct.unpack_from("<qq", header.buf, start + 16 * i)
            if offset < 0 or size < 0 or offset + size > body.size:
                raise ValueError("buffer outside the message body")
            if compressed and size >= 8:
                (declared,) = struct.unpack_from("<q", body, offset)
                unpacked += size - 8 if declared < 0 else declared
            else:
                unpacked += size
    return IpcSize(rows=rows, columns=columns, unpacked_bytes=unpacked)


class _Flatbuffer:
    """Reads tables, scalars and vectors of one flatbuffer.

    Every read is bounds-checked by ``struct``; see flatbuffers' binary format.
    """

    def __init__(self, buf: bytes) -> None:
        self.buf = buf

    def root(self) -> int:
        return int(struct.unpack_from("<I", self.buf, 0)[0])

    def _slot(self, table: int, index: int) -> int | None:
        vtable = table - struct.unpack_from("<i", self.buf, table)[0]
        (vtable_size,) = struct.unpack_from("<H", self.buf, vtable)
        slot = 4 + 2 * index
        if slot + 2 > vtable_size:
            return None
        (offset,) = struct.unpack_from("<H", self.buf, vtable + slot)
        return table + offset if offset else None

    def scalar(self, table: int, index: int, fmt: str, default: int) -> int:
        at = self._slot(table, index)
        return default if at is None else int(struct.unpack_from(fmt, self.buf, at)[0])

    def table(self, table: int, index: int) -> int | None:
        at = self._slot(table, index)
        return None if at is None else at + struct.unpack_from("<I", self.buf, at)[0]

    def vector(self, table: int, index: int) -> tuple[int, int]:
        at = self.table(table, index)  # a vector is referenced like a table
        if at is None:
            return 0, 0
        return at + 4, int(struct.unpack_from("<I", self.buf, at)[0])

    def vector_length(self, table: int, index: int) -> int:
        return self.vector(table, index)[1]


def _read_table(reader: _Reader, index: int, table: str) -> gpd.GeoDataFrame:
    """A layer table checked by ``_Reader.check_objects``, within the row limit."""
    path = reader.path
    rows = reader.row_count(table)
    if rows > limits.MAX_LAYER_ROWS:
        raise ProjectFileError(
            path,
            f"layers[{index}].table {table!r}: {rows:,} rows, more than the limit "
            f"of {limits.MAX_LAYER_ROWS:,}",
        )
    try:
        return pyogrio.read_dataframe(path, layer=table, use_arrow=True)
    except (DataSourceError, DataLayerError, OSError) as exc:
        reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise ProjectFileError(
            path, f"layer table {table!r} is missing or damaged ({reason})"
        ) from exc


__all__ = [
    "FORMAT_VERSION",
    "IpcSize",
    "ProjectInfo",
    "has_project_state",
    "ipc_stream_size",
    "is_project_file",
    "load_project",
    "project_info",
    "read_checked_state",
    "read_state",
    "save_project",
    "write_copy",
]
