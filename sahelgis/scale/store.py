"""The partitioned event store: ACLED events in one folder of GeoParquet files.

Why
---
A research desk keeps every country and every year of several event datasets;
that does not fit in one project file, nor in one laptop's memory. The store
keeps them on disk so that a view or an analysis reads only what it needs.

Layout
------
::

    STORE/
      _sahelgis_store.json                   the manifest (the only truth)
      .sahelgis_store.json.lock              the store's lock
      country=Mali/year=2023/part-<id>.parquet
      country=Burkina%20Faso/year=2024/part-<id>.parquet

- Partitions are one country and one year, in Hive-style folder names (the
  country percent-encoded); a big partition is split into files of at most
  :data:`MAX_FILE_ROWS` rows.
- The folder is a plain GeoParquet dataset: ``geopandas.read_parquet(STORE)``,
  ``pyarrow.dataset.dataset(STORE, partitioning="hive")`` and DuckDB's
  ``read_parquet('STORE/**/*.parquet', hive_partitioning=true)`` read it whole.
  For that, ``country`` and ``year`` (:data:`KEY_COLUMNS`) are in the folder
  names only, never columns of the files: each reader types a Hive key its own
  way (pyarrow string and int32, geopandas dictionaries, DuckDB VARCHAR and
  BIGINT), and a file column of another type breaks the dataset's schema. The
  manifest's leading ``_`` and the lock's and temporary files' leading ``.``
  make pyarrow (so geopandas) skip them; DuckDB's glob matches ``*.parquet``
  only. Our reader gives every row its partition's ``country`` (categorical)
  and ``year`` (int16), as the importer types them (rows imported without a
  country read back as ``unknown``, the partition they are kept in).
- Each file is GeoParquet 1.1 (WKB points, EPSG:4326, a ``bbox`` covering
  column) plus every other ACLED column; ``event_date`` is a timestamp.
  Rows are sorted along a Hilbert curve, in row groups of
  :data:`ROW_GROUP_ROWS`, so each row group covers a small box.
- The manifest lists every file with its rows, bytes and, per row group, the
  lon/lat box and date span. A read picks files and row groups from the
  manifest alone (no file opened), then filters the rows exactly.

Older stores
------------
Format 1 (SahelGIS before issue 18) kept the manifest in ``sahelgis_store.json``
and repeated ``country`` and ``year`` in every file. Such a store opens and
reads as before, and opening never rewrites it. Appending to it or compacting
it first rewrites its files without the key columns (:meth:`EventStore.upgrade`,
also ``sahelgis store upgrade STORE``), under the same lock; the new manifest
is published first, then ``sahelgis_store.json`` and the old files are
removed. If both manifests are found (a crash in between), the new one wins.

Safety
------
Files are immutable. An append writes new files, then replaces the manifest in
one ``os.replace``; only then are superseded files deleted. A crash at any
point leaves the last manifest and every file it names intact (files that no
manifest names are ignored and removed by :meth:`EventStore.vacuum`).

Appends, compactions, upgrades and vacuums hold the store's lock (``filelock``
on ``.sahelgis_store.json.lock``, the same file in both formats, so an older
SahelGIS waits too) and re-read the manifest under it, so two
imports into one store at once both land. The manifest is validated on open
(pydantic): types, finite numbers, at most :data:`MAX_STORE_FILES` files, and
every file path must stay inside the store (no absolute path, no ``..``, no
symlink out of the folder); SahelGIS never reads nor deletes a file outside it.

Appending the same ACLED event twice (an ``event_id_cnty`` already in the
store, in any partition of the same country) replaces the stored version: ACLED
revises events, and the newer export wins.

Size: one file because the manifest, selection, reading, appending, compaction
and the format-1 upgrade share the manifest's invariants (every path checked,
swapped atomically under the store's lock); splitting them would spread that
check over several modules.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Annotated, Any, Literal, cast
from urllib.parse import quote, unquote

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from sahelgis.errors import SahelGISError
from sahelgis.io.atomic import atomic_target, write_lock
from sahelgis.model import acled_schema as acled
from sahelgis.model.events import EventTable, concat_frames, optimise_dtypes
from sahelgis.model.time_window import as_datetime64, as_day
from sahelgis.progress import NULL_PROGRESS, Progress
from sahelgis.scale.hilbert import hilbert_key

FORMAT_NAME = "sahelgis-event-store"
#: 2: the partition keys live only in the folder names and the manifest is
#: ``_sahelgis_store.json``; 1 (and 0): the keys repeated as columns of every
#: file and the manifest at ``sahelgis_store.json`` (read, upgraded on write).
FORMAT_VERSION = 2
#: The manifest: a leading "_" so pyarrow (and geopandas) skip it, and not
#: ``*.parquet`` so a DuckDB glob does not match it.
MANIFEST = "_sahelgis_store.json"
#: Where format 1 kept its manifest (still opened; replaced on the next write).
LEGACY_MANIFEST = "sahelgis_store.json"
#: The store's lock is ``.sahelgis_store.json.lock`` in both formats (a leading
#: "." hides it from the readers), so an older SahelGIS appending to a store
#: waits while this one upgrades it, and the reverse.
LOCK_TARGET = LEGACY_MANIFEST
#: Partition keys: folder names only (``country=…/year=…``), never file columns
#: (a reader's Hive partitioning and the files' columns would disagree on type).
KEY_COLUMNS: tuple[str, ...] = (acled.COUNTRY, acled.YEAR)
#: Rows per Parquet row group: the unit a bounding-box read skips.
ROW_GROUP_ROWS = 16_384
#: Rows per file: bounds the memory one Dask task needs, however big a
#: country-year grows.
MAX_FILE_ROWS = 262_144
#: An append that leaves more files than this in a partition rewrites it.
MAX_FILES_PER_PARTITION = 8
UNKNOWN_COUNTRY = "unknown"
#: Most files a manifest may list (a real store holds a few thousand).
MAX_STORE_FILES = 100_000
#: Largest manifest read (bytes); a bigger one is refused unread.
MAX_MANIFEST_BYTES = 256 * 1024 * 1024

BBox = tuple[float, float, float, float]


class StoreError(SahelGISError):
    """A store that cannot be opened or written, named in the message."""


# ------------------------------------------------------------- manifest ---
@dataclass(frozen=True)
class RowGroup:
    """What the manifest knows of one row group."""

    rows: int
    bytes: int
    west: float
    east: float
    south: float
    north: float
    first_day: int
    last_day: int

    def hits(
        self, bbox: BBox | None, first_day: int | None, last_day: int | None
    ) -> bool:
        if bbox is not None:
            w, s, e, n = bbox
            if self.east < w or self.west > e or self.north < s or self.south > n:
                return False
        if first_day is not None and self.last_day < first_day:
            return False
        return not (last_day is not None and self.first_day > last_day)


def _group_json(g: RowGroup) -> list[float]:
    return [g.rows, g.bytes, g.west, g.east, g.south, g.north, g.first_day, g.last_day]


@dataclass(frozen=True)
class StoredFile:
    """One immutable Parquet file of a partition."""

    path: str  # relative to the store root, with "/" separators
    country: str
    year: int
    rows: int
    bytes: int
    row_groups: tuple[RowGroup, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "country": self.country,
            "year": self.year,
            "rows": self.rows,
            "bytes": self.bytes,
            "row_groups": [_group_json(g) for g in self.row_groups],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StoredFile:
        groups = tuple(
            RowGroup(
                int(g[0]),
                int(g[1]),
                float(g[2]),
                float(g[3]),
                float(g[4]),
                float(g[5]),
                int(g[6]),
                int(g[7]),
            )
            for g in data["row_groups"]
        )
        return cls(
            str(data["path"]),
            str(data["country"]),
            int(data["year"]),
            int(data["rows"]),
            int(data["bytes"]),
            groups,
        )


@dataclass
class Manifest:
    """The store's table of contents."""

    files: list[StoredFile] = field(default_factory=list)
    synthetic: bool = False
    sources: list[str] = field(default_factory=list)
    created: str = ""
    updated: str = ""
    #: The format the files were written in (:data:`FORMAT_VERSION` once
    #: written by this SahelGIS; below 2 the files repeat the partition keys).
    version: int = FORMAT_VERSION

    @property
    def keys_in_files(self) -> bool:
        """Whether the files hold ``country`` and ``year`` columns (format 1)."""
        return self.version < 2

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT_NAME,
            "version": self.version,
            "synthetic": self.synthetic,
            "sources": self.sources,
            "created": self.created,
            "updated": self.updated,
            "files": [f.to_json() for f in self.files],
        }


# ------------------------------------------------------- manifest schema ---
_Count = Annotated[int, Field(ge=0, le=2**53)]
_Coord = Annotated[float, Field(ge=-1e3, le=1e3, allow_inf_nan=False)]
_Day = Annotated[int, Field(ge=-(10**6), le=10**6)]


def check_relative_path(text: str) -> str:
    """A manifest file path: relative, "/"-separated, no ``..``, a .parquet file.

    Raises ``ValueError`` (with the reason) for anything that could name a
    file outside the store.
    """
    if not text or "\\" in text or "\x00" in text or ":" in text.split("/", 1)[0]:
        raise ValueError("is not a relative path with '/' separators")
    pure = PurePosixPath(text)
    if pure.is_absolute():
        raise ValueError("is an absolute path; store paths are relative")
    if any(part in ("", ".", "..") for part in text.split("/")):
        raise ValueError("uses '..' or '.'; store paths stay inside the store")
    if pure.suffix != ".parquet":
        raise ValueError("is not a .parquet file")
    return text


class _FileEntry(BaseModel):
    model_config = ConfigDict(extra="ignore")

    path: Annotated[str, Field(max_length=1024)]
    country: Annotated[str, Field(max_length=200)]
    year: Annotated[int, Field(ge=1, le=9999)]
    rows: _Count
    bytes: _Count
    row_groups: Annotated[
        list[tuple[_Count, _Count, _Coord, _Coord, _Coord, _Coord, _Day, _Day]],
        Field(max_length=100_000),
    ]

    @field_validator("path")
    @classmethod
    def _relative(cls, value: str) -> str:
        return check_relative_path(value)


class _ManifestFile(BaseModel):
    model_config = ConfigDict(extra="ignore")

    format: Literal["sahelgis-event-store"]
    version: Annotated[int, Field(ge=0)] = 0
    synthetic: bool = False
    sources: Annotated[
        list[Annotated[str, Field(max_length=1000)]], Field(max_length=10_000)
    ] = []
    created: Annotated[str, Field(max_length=100)] = ""
    updated: Annotated[str, Field(max_length=100)] = ""
    files: list[_FileEntry] = []


def _first_problem(exc: ValidationError) -> str:
    """ "files[3].path: is an absolute path ... (got '/etc/x.parquet')"."""
    error = exc.errors(include_url=False)[0]
    where = ""
    for part in error["loc"]:
        where += f"[{part}]" if isinstance(part, int) else f".{part}"
    message = str(error["msg"]).removeprefix("Value error, ")
    got = repr(error.get("input"))
    got = got if len(got) <= 60 else got[:57] + "..."
    return f"{where.lstrip('.')}: {message} (got {got})"


def read_manifest(root: Path) -> Manifest:
    """The validated manifest of the store in ``root``.

    Raises
    ------
    StoreError
        One line naming the manifest and the entry: not a store, unreadable,
        newer format, wrong types, too many files, or a file path leaving the
        store (absolute, ``..``, or a symlink pointing outside).
    """
    path = manifest_path(root)
    if path is None:
        raise StoreError(
            f"{root}: not a SahelGIS event store (no {MANIFEST}); create one "
            "with `sahelgis import EXPORT.csv --store FOLDER`"
        )
    try:
        size = path.stat().st_size
        if size > MAX_MANIFEST_BYTES:
            raise StoreError(
                f"{path}: unreadable store manifest ({size:,} bytes; at most "
                f"{MAX_MANIFEST_BYTES:,})"
            )
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as exc:
        reason = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
        raise StoreError(f"{path}: unreadable store manifest ({reason})") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT_NAME:
        raise StoreError(f"{path}: not a SahelGIS event store manifest")
    version = data.get("version", 0)
    if isinstance(version, int) and version > FORMAT_VERSION:
        raise StoreError(
            f"{path}: store format {version} is newer than this "
            f"SahelGIS reads ({FORMAT_VERSION}); update SahelGIS"
        )
    files = data.get("files")
    if isinstance(files, list) and len(files) > MAX_STORE_FILES:
        raise StoreError(
            f"{path}: files: lists {len(files):,} files; a store holds at most "
            f"{MAX_STORE_FILES:,}"
        )
    try:
        model = _ManifestFile.model_validate(data)
    except ValidationError as exc:
        raise StoreError(f"{path}: damaged manifest, {_first_problem(exc)}") from None
    if model.version > FORMAT_VERSION:
        raise StoreError(
            f"{path}: store format {model.version} is newer than this "
            f"SahelGIS reads ({FORMAT_VERSION}); update SahelGIS"
        )
    real_root = os.path.realpath(root)
    for i, entry in enumerate(model.files):
        if not _inside(real_root, root / entry.path):
            raise StoreError(
                f"{path}: files[{i}].path {entry.path!r} leads outside the store "
                "(a symlink); refused"
            )
    return Manifest(
        files=[
            StoredFile(
                f.path,
                f.country,
                f.year,
                f.rows,
                f.bytes,
                tuple(RowGroup(*g) for g in f.row_groups),
            )
            for f in model.files
        ],
        synthetic=model.synthetic,
        sources=list(model.sources),
        created=model.created,
        updated=model.updated,
        version=model.version,
    )


def manifest_path(root: Path) -> Path | None:
    """The manifest of the store in ``root``: ``_sahelgis_store.json``, else a
    format-1 store's ``sahelgis_store.json``; None when neither is a file.

    Both exist only after a crash between publishing the new manifest and
    removing the old one; the new one is then the truth.
    """
    for name in (MANIFEST, LEGACY_MANIFEST):
        if (root / name).is_file():
            return root / name
    return None


def _inside(real_root: str, path: Path) -> bool:
    """True when ``path``, symlinks resolved, lies inside the store folder."""
    real = os.path.realpath(path)
    return real.startswith(real_root.rstrip(os.sep) + os.sep)


# ------------------------------------------------------------ selection ---
@dataclass(frozen=True)
class FilePart:
    """The row groups to read of one file."""

    path: Path
    row_groups: tuple[int, ...]
    rows: int
    bytes: int
    #: (country, year) to give every row when the file does not hold them
    #: (format 2); None when its rows carry them as columns (format 1).
    keys: tuple[str, int] | None = None


@dataclass(frozen=True)
class Selection:
    """What a read will touch, and what it skips (the pruning saving)."""

    parts: tuple[FilePart, ...]
    bbox: BBox | None
    start: np.datetime64 | None
    end: np.datetime64 | None
    countries: tuple[str, ...] | None
    total_files: int
    total_row_groups: int
    total_rows: int
    total_bytes: int

    @property
    def rows(self) -> int:
        return sum(p.rows for p in self.parts)

    @property
    def bytes(self) -> int:
        return sum(p.bytes for p in self.parts)

    @property
    def row_groups(self) -> int:
        return sum(len(p.row_groups) for p in self.parts)

    @property
    def files(self) -> int:
        return len(self.parts)

    def describe(self) -> str:
        """ "reads 3 of 450 files, 12 of 900 row groups, 4.1 of 380.2 MB (1.1%)"."""
        share = 100.0 * self.bytes / self.total_bytes if self.total_bytes else 0.0
        return (
            f"reads {self.files:,} of {self.total_files:,} files, "
            f"{self.row_groups:,} of {self.total_row_groups:,} row groups, "
            f"{self.bytes / 1e6:,.1f} of {self.total_bytes / 1e6:,.1f} MB "
            f"({share:.1f}%)"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "total_files": self.total_files,
            "row_groups": self.row_groups,
            "total_row_groups": self.total_row_groups,
            "rows": self.rows,
            "total_rows": self.total_rows,
            "bytes": self.bytes,
            "total_bytes": self.total_bytes,
        }


@dataclass(frozen=True)
class AppendReport:
    """What an append did."""

    added: int
    replaced: int
    duplicates_in_input: int
    partitions: tuple[tuple[str, int], ...]
    files_written: int
    compacted: int
    #: Files of a format-1 store rewritten first (see :meth:`EventStore.upgrade`).
    upgraded: int = 0

    def describe(self) -> str:
        text = (
            f"{self.added:,} events added to {len(self.partitions):,} partitions "
            f"({self.files_written:,} files written"
        )
        if self.compacted:
            text += f", {self.compacted} partitions compacted"
        text += ")"
        if self.replaced:
            text += f"; {self.replaced:,} stored events replaced by newer versions"
        if self.duplicates_in_input:
            text += (
                f"; {self.duplicates_in_input:,} repeated event ids in the input "
                "(the last one kept)"
            )
        if self.upgraded:
            text += (
                f"; the store was upgraded to format {FORMAT_VERSION} first "
                f"({self.upgraded:,} files rewritten)"
            )
        return text


# --------------------------------------------------------------- helpers ---
def _days(values: np.ndarray) -> np.ndarray:
    return values.astype("datetime64[D]").astype(np.int64)


def _day(value: object | None) -> int | None:
    if value is None:
        return None
    return int(as_day(value).astype(np.int64))


def partition_dir(country: str, year: int) -> str:
    """Hive-style folder of a partition ("country=Burkina%20Faso/year=2023")."""
    return f"country={quote(country, safe='')}/year={int(year)}"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _row_group_stats(path: Path) -> tuple[int, tuple[RowGroup, ...]]:
    """Row-group boxes and spans from the Parquet footer's statistics."""
    meta = pq.ParquetFile(path).metadata
    names = [meta.schema.column(i).name for i in range(meta.num_columns)]
    lon_i, lat_i = names.index(acled.LONGITUDE), names.index(acled.LATITUDE)
    date_i = names.index(acled.EVENT_DATE)
    groups = []
    for g in range(meta.num_row_groups):
        rg = meta.row_group(g)
        lon, lat, day = (rg.column(i).statistics for i in (lon_i, lat_i, date_i))
        groups.append(
            RowGroup(
                rows=rg.num_rows,
                bytes=rg.total_compressed_size
                if hasattr(rg, "total_compressed_size")
                else sum(rg.column(i).total_compressed_size for i in range(len(names))),
                west=float(lon.min),
                east=float(lon.max),
                south=float(lat.min),
                north=float(lat.max),
                first_day=_day(np.datetime64(day.min, "s")) or 0,
                last_day=_day(np.datetime64(day.max, "s")) or 0,
            )
        )
    return os.path.getsize(path), tuple(groups)


def _write_file(frame: pd.DataFrame, path: Path) -> None:
    """One GeoParquet file (WKB points + bbox covering), written then renamed."""
    import geopandas as gpd

    geometry = gpd.points_from_xy(
        frame[acled.LONGITUDE].to_numpy(), frame[acled.LATITUDE].to_numpy()
    )
    # categoricals are stored as plain strings (Parquet dictionary-encodes them
    # anyway) so that every file has the same schema whatever its categories
    plain = {
        name: frame[name].astype(object).where(frame[name].notna(), None)
        for name in frame.columns
        if isinstance(frame[name].dtype, pd.CategoricalDtype)
    }
    # the partition keys are in the folder names only (see KEY_COLUMNS)
    data = frame.assign(**plain).drop(columns=list(KEY_COLUMNS), errors="ignore")
    gdf = gpd.GeoDataFrame(data, geometry=geometry, crs="EPSG:4326")
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    path.parent.mkdir(parents=True, exist_ok=True)
    gdf.to_parquet(
        tmp,
        index=False,
        compression="zstd",
        write_covering_bbox=True,
        row_group_size=ROW_GROUP_ROWS,
    )
    with open(tmp, "rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def _uniform_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """One Arrow type per column when files of two sources meet in a partition.

    ACLED's ``timestamp`` is a number and a UCDP GED import leaves it empty
    text, so a partition holding both had a column pyarrow refused to write
    (a traceback on append). A text column whose non-empty values are all
    numbers becomes numeric (empty → missing); any other column mixing types
    becomes text.
    """
    out = frame
    for name in frame.columns:
        column = frame[name]
        if column.dtype != object:
            continue
        values = column.dropna()
        kinds = {type(v) for v in values}
        if len(kinds) <= 1:
            continue
        blank = column.map(lambda v: isinstance(v, str) and not v.strip())
        numbers = pd.to_numeric(column.mask(blank), errors="coerce")
        if numbers.notna().sum() == (column.notna() & ~blank).sum():
            whole = numbers.dropna()
            integral = bool((whole == whole.round()).all())
            converted: pd.Series = numbers.astype("Int64") if integral else numbers
        else:
            converted = column.map(lambda v: v if v is None or v != v else str(v))
        if out is frame:
            out = frame.copy()
        out[name] = converted
    return out


def _sorted_for_storage(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows along the Hilbert curve (then by date), so row groups are compact."""
    frame = _uniform_columns(frame)
    key = hilbert_key(
        frame[acled.LONGITUDE].to_numpy(), frame[acled.LATITUDE].to_numpy()
    )
    days = _days(frame[acled.EVENT_DATE].to_numpy())
    order = np.lexsort((days, key))
    return frame.iloc[order].reset_index(drop=True)


def _as_frame(table: pa.Table) -> pd.DataFrame:
    drop = [n for n in ("geometry", "bbox") if n in table.column_names]
    frame = table.drop_columns(drop).to_pandas()
    if acled.EVENT_DATE in frame:
        frame[acled.EVENT_DATE] = frame[acled.EVENT_DATE].astype("datetime64[s]")
    return frame


def exact_mask(
    frame: pd.DataFrame,
    bbox: BBox | None,
    start: np.datetime64 | None,
    end: np.datetime64 | None,
    countries: Sequence[str] | None,
) -> np.ndarray | None:
    """Rows inside the box, the dates and the countries (None: all rows)."""
    mask = np.ones(len(frame), dtype=bool)
    if bbox is not None:
        w, s, e, n = bbox
        lon = frame[acled.LONGITUDE].to_numpy(dtype="float64")
        lat = frame[acled.LATITUDE].to_numpy(dtype="float64")
        mask &= (lon >= w) & (lon <= e) & (lat >= s) & (lat <= n)
    if start is not None or end is not None:
        days = _days(frame[acled.EVENT_DATE].to_numpy())
        if start is not None:
            mask &= days >= _day(start)
        if end is not None:
            mask &= days <= _day(end)
    if countries is not None and acled.COUNTRY in frame:
        mask &= frame[acled.COUNTRY].astype(str).isin(list(countries)).to_numpy()
    return None if bool(mask.all()) else mask


def _dictionary_columns(path: Path) -> list[str]:
    """Repeated-text columns to read straight into categoricals."""
    names = set(pq.read_schema(path).names)
    return [c for c in acled.CATEGORICAL_COLUMNS if c in names]


def _key_position(names: Sequence[str], key: str) -> int:
    """Where partition key ``key`` goes among ``names``: after the columns that
    come before it in ACLED's order (where a format-1 file held it)."""
    order = [*acled.CURRENT_COLUMNS, *acled.LEGACY_COLUMNS]
    earlier = set(order[: order.index(key)]) if key in order else set(order)
    before = [i for i, n in enumerate(names) if n in earlier]
    return before[-1] + 1 if before else 0


def with_keys(
    frame: pd.DataFrame,
    country: str,
    year: int,
    columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """``frame`` with its partition's ``country`` (categorical) and ``year``
    (int16) columns, as the importer types them, where ``columns`` asks for
    them (None: both) and the frame lacks them."""
    values: dict[str, pd.Series] = {
        acled.COUNTRY: pd.Series(
            pd.Categorical.from_codes(
                np.zeros(len(frame), dtype=np.int8),
                dtype=pd.CategoricalDtype([country]),
            ),
            index=frame.index,
        ),
        acled.YEAR: pd.Series(
            np.full(len(frame), year, dtype=np.int16), index=frame.index
        ),
    }
    for key in KEY_COLUMNS:
        if key in frame.columns or (columns is not None and key not in columns):
            continue
        frame.insert(_key_position(list(frame.columns), key), key, values[key])
    return frame


def read_part(
    part: FilePart,
    columns: Sequence[str] | None = None,
    *,
    bbox: BBox | None = None,
    start: np.datetime64 | None = None,
    end: np.datetime64 | None = None,
    countries: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The rows of one file's selected row groups that pass the exact filter."""
    names = list(columns) if columns else None
    if names is not None and part.keys is not None:
        names = [c for c in names if c not in KEY_COLUMNS]
    try:
        handle = pq.ParquetFile(
            part.path, read_dictionary=_dictionary_columns(part.path)
        )
        table = handle.read_row_groups(list(part.row_groups), columns=names)
    except (OSError, pa.ArrowException) as exc:
        raise StoreError(f"{part.path}: cannot read this store file ({exc})") from exc
    frame = _as_frame(table)
    if part.keys is not None:
        frame = with_keys(frame, *part.keys, columns=columns or None)
    mask = exact_mask(frame, bbox, start, end, countries)
    if mask is not None:
        frame = frame[mask].reset_index(drop=True)
    return frame


# ----------------------------------------------------------------- store ---
class EventStore:
    """A partitioned GeoParquet event dataset (see the module docstring)."""

    def __init__(self, root: Path, manifest: Manifest) -> None:
        self.root = root
        self.manifest = manifest
        self._written: set[str] = set()  # files made by the running operation
        self._retired: set[str] = set()  # format-1 files an upgrade replaced

    # -- opening ----------------------------------------------------------
    @staticmethod
    def is_store(path: str | Path) -> bool:
        """True when ``path`` is a store folder (has a manifest, either format)."""
        return manifest_path(Path(path)) is not None

    @classmethod
    def create(cls, root: str | Path, *, synthetic: bool = False) -> EventStore:
        """A new empty store in ``root`` (created; must be empty or absent)."""
        root = Path(root)
        if cls.is_store(root):
            raise StoreError(f"{root}: a SahelGIS event store already exists here")
        cls._check_empty(root)
        root.mkdir(parents=True, exist_ok=True)
        now = _now()
        store = cls(root, Manifest(synthetic=synthetic, created=now, updated=now))
        store._write_manifest()
        return store

    @classmethod
    def open(cls, root: str | Path) -> EventStore:
        """Open a store folder; a one-line ``StoreError`` when it is not one or
        its manifest is damaged or hostile (see :func:`read_manifest`)."""
        root = Path(root)
        return cls(root, read_manifest(root))

    @classmethod
    def open_or_create(cls, root: str | Path, *, synthetic: bool = False) -> EventStore:
        """Open the store in ``root``, or create it there (under its lock, so
        two imports creating one store at once share it)."""
        root = Path(root)
        if cls.is_store(root):
            return cls.open(root)
        try:
            cls._check_empty(root)
        except StoreError:
            # another import may be creating the store right now (its lock and
            # temporary manifest are there): wait for it, then look again
            if not (root / f".{LOCK_TARGET}.lock").is_file():
                raise
            with write_lock(root / LOCK_TARGET):
                if cls.is_store(root):
                    return cls.open(root)
            raise
        root.mkdir(parents=True, exist_ok=True)
        with write_lock(root / LOCK_TARGET):
            if cls.is_store(root):
                return cls.open(root)
            return cls.create(root, synthetic=synthetic)

    @staticmethod
    def _check_empty(root: Path) -> None:
        if root.is_symlink() or (root.exists() and not root.is_dir()):
            raise StoreError(
                f"{root}: not an empty folder; give a new folder for the store"
            )
        lock = f".{LOCK_TARGET}.lock"
        if root.is_dir() and any(p.name != lock for p in root.iterdir()):
            raise StoreError(
                f"{root}: not an empty folder; give a new folder for the store"
            )

    def _locked(self) -> contextlib.AbstractContextManager[Path]:
        """The store's write lock; the caller re-reads the manifest under it."""
        return write_lock(self.root / LOCK_TARGET)

    # -- facts --------------------------------------------------------------
    @property
    def rows(self) -> int:
        return sum(f.rows for f in self.manifest.files)

    @property
    def bytes(self) -> int:
        return sum(f.bytes for f in self.manifest.files)

    @property
    def synthetic(self) -> bool:
        return self.manifest.synthetic

    def partitions(self) -> dict[tuple[str, int], list[StoredFile]]:
        """Files per (country, year)."""
        out: dict[tuple[str, int], list[StoredFile]] = {}
        for f in self.manifest.files:
            out.setdefault((f.country, f.year), []).append(f)
        return out

    def countries(self) -> list[str]:
        return sorted({f.country for f in self.manifest.files})

    def years(self) -> list[int]:
        return sorted({f.year for f in self.manifest.files})

    def bounds(self) -> BBox | None:
        """Lon/lat box of every stored event."""
        groups = [g for f in self.manifest.files for g in f.row_groups]
        if not groups:
            return None
        return (
            min(g.west for g in groups),
            min(g.south for g in groups),
            max(g.east for g in groups),
            max(g.north for g in groups),
        )

    def date_range(self) -> tuple[np.datetime64, np.datetime64] | None:
        groups = [g for f in self.manifest.files for g in f.row_groups]
        if not groups:
            return None
        first = min(g.first_day for g in groups)
        last = max(g.last_day for g in groups)
        return np.datetime64(first, "D"), np.datetime64(last, "D")

    def summary(self) -> dict[str, Any]:
        """What ``sahelgis info STORE`` prints."""
        span = self.date_range()
        return {
            "store": str(self.root),
            "events": self.rows,
            "files": len(self.manifest.files),
            "partitions": len(self.partitions()),
            "countries": self.countries(),
            "years": f"{self.years()[0]}–{self.years()[-1]}" if span else "",
            "first_date": str(span[0]) if span else "",
            "last_date": str(span[1]) if span else "",
            "bytes": self.bytes,
            "synthetic": self.synthetic,
            "sources": self.manifest.sources,
        }

    def columns(self) -> list[str]:
        """Event columns stored (from the first file's schema)."""
        if not self.manifest.files:
            return []
        schema = pq.read_schema(self.root / self.manifest.files[0].path)
        names = [n for n in schema.names if n not in ("geometry", "bbox")]
        for key in () if self.manifest.keys_in_files else KEY_COLUMNS:
            if key not in names:
                names.insert(_key_position(names, key), key)
        return names

    # -- reading ------------------------------------------------------------
    def select(
        self,
        bbox: BBox | None = None,
        start: object | None = None,
        end: object | None = None,
        countries: Iterable[str] | None = None,
    ) -> Selection:
        """Files and row groups a read of this box, dates and countries needs."""
        first, last = _day(start), _day(end)
        wanted = None if countries is None else tuple(sorted(set(countries)))
        y0 = None if start is None else int(str(as_datetime64(start, "Y")))
        y1 = None if end is None else int(str(as_datetime64(end, "Y")))
        parts = []
        for f in self.manifest.files:
            if wanted is not None and f.country not in wanted:
                continue
            if (y0 is not None and f.year < y0) or (y1 is not None and f.year > y1):
                continue
            groups = [
                i for i, g in enumerate(f.row_groups) if g.hits(bbox, first, last)
            ]
            if groups:
                parts.append(self._part(f, tuple(groups)))
        return Selection(
            parts=tuple(parts),
            bbox=bbox,
            start=None if start is None else as_day(start),
            end=None if end is None else as_day(end),
            countries=wanted,
            total_files=len(self.manifest.files),
            total_row_groups=sum(len(f.row_groups) for f in self.manifest.files),
            total_rows=self.rows,
            total_bytes=sum(g.bytes for f in self.manifest.files for g in f.row_groups),
        )

    def _part(self, f: StoredFile, groups: tuple[int, ...] | None = None) -> FilePart:
        """What to read of stored file ``f``: ``groups`` (default: all)."""
        groups = tuple(range(len(f.row_groups))) if groups is None else groups
        return FilePart(
            self.root / f.path,
            groups,
            sum(f.row_groups[i].rows for i in groups),
            sum(f.row_groups[i].bytes for i in groups),
            None if self.manifest.keys_in_files else (f.country, f.year),
        )

    def iter_frames(
        self,
        selection: Selection,
        columns: Sequence[str] | None = None,
        progress: Progress = NULL_PROGRESS,
    ) -> Iterator[pd.DataFrame]:
        """The selected rows, one file at a time (bounded memory)."""
        for i, part in enumerate(selection.parts):
            progress.check()
            progress.set(i / max(len(selection.parts), 1), f"Reading {part.path.name}")
            yield read_part(
                part,
                columns,
                bbox=selection.bbox,
                start=selection.start,
                end=selection.end,
                countries=selection.countries,
            )

    def read(
        self,
        selection: Selection | None = None,
        columns: Sequence[str] | None = None,
        progress: Progress = NULL_PROGRESS,
    ) -> EventTable:
        """The selected events as one in-memory table (sorted by date)."""
        selection = selection or self.select()
        wanted = None
        if columns is not None:
            wanted = list(dict.fromkeys([*acled.REQUIRED_COLUMNS, *columns]))
        frames = list(self.iter_frames(selection, wanted, progress))
        frame = concat_frames(frames) if frames else self._empty_frame(wanted)
        progress.set(1.0, f"{len(frame):,} events read")
        return EventTable(optimise_dtypes(frame), synthetic=self.synthetic)

    def _empty_frame(self, columns: Sequence[str] | None) -> pd.DataFrame:
        names = list(columns or self.columns() or acled.REQUIRED_COLUMNS)
        frame = pd.DataFrame({c: pd.Series(dtype=object) for c in names})
        frame[acled.EVENT_DATE] = pd.Series(dtype="datetime64[s]")
        for c in (acled.LATITUDE, acled.LONGITUDE):
            if c in frame:
                frame[c] = pd.Series(dtype="float64")
        return frame

    # -- writing ------------------------------------------------------------
    def append(
        self,
        events: EventTable | pd.DataFrame,
        *,
        source: str = "",
        progress: Progress = NULL_PROGRESS,
        check_ids: bool = True,
        compact: bool = True,
    ) -> AppendReport:
        """Add events (typed as the ACLED importer makes them); newer versions of
        stored event ids replace the old ones.

        A bulk load of events known to be new (a generator's chunks) may skip
        the id check (``check_ids=False``) and the compaction of partitions
        (``compact=False``), then call :meth:`compact` once at the end.

        Holds the store's lock and starts from the manifest on disk, so an
        append by another process meanwhile is kept, not overwritten.

        Raises
        ------
        FileBusyError
            Another SahelGIS held the store's lock too long.
        """
        with self._locked(), self._restored_on_failure():
            self.manifest = read_manifest(self.root)
            upgraded = len(self._upgrade_files(progress))
            report = self._append(events, source, progress, check_ids, compact)
            return replace(report, upgraded=upgraded)

    @contextlib.contextmanager
    def _restored_on_failure(self) -> Iterator[None]:
        """A write that fails leaves this object on the published manifest
        (not on files an unfinished upgrade wrote), and forgets what it meant
        to delete."""
        try:
            yield
        except BaseException:
            self._retired = set()
            self._written = set()
            with contextlib.suppress(StoreError):
                self.manifest = read_manifest(self.root)
            raise

    def _append(
        self,
        events: EventTable | pd.DataFrame,
        source: str,
        progress: Progress,
        check_ids: bool,
        compact: bool,
    ) -> AppendReport:
        frame = events.frame if isinstance(events, EventTable) else events
        if isinstance(events, EventTable) and events.synthetic and not self.synthetic:
            if self.rows:
                raise StoreError(
                    f"{self.root}: will not mix SYNTHETIC events into a store of "
                    "real events"
                )
            self.manifest.synthetic = True
        elif (
            isinstance(events, EventTable)
            and not events.synthetic
            and self.synthetic
            and self.rows
        ):
            raise StoreError(
                f"{self.root}: this store holds SYNTHETIC events; import real "
                "events into a new store"
            )
        missing = [c for c in acled.REQUIRED_COLUMNS if c not in frame]
        if missing:
            raise StoreError(f"events lack required columns: {', '.join(missing)}")
        frame = frame.reset_index(drop=True)
        if frame[acled.EVENT_DATE].dtype != "datetime64[s]":
            frame = frame.assign(
                **{acled.EVENT_DATE: frame[acled.EVENT_DATE].astype("datetime64[s]")}
            )
        ids = frame[acled.EVENT_ID].astype(str)
        repeated = ids.duplicated(keep="last").to_numpy()
        n_repeated = int(repeated.sum())
        if n_repeated:
            frame = frame[~repeated].reset_index(drop=True)
            ids = ids[~repeated].reset_index(drop=True)
        if acled.COUNTRY in frame:
            country = frame[acled.COUNTRY].astype(str).fillna(UNKNOWN_COUNTRY)
            country = country.replace({"": UNKNOWN_COUNTRY, "nan": UNKNOWN_COUNTRY})
        else:
            country = pd.Series(UNKNOWN_COUNTRY, index=frame.index)
        year = frame[acled.EVENT_DATE].dt.year.to_numpy()

        # newer versions replace stored events of the same country
        progress.set(0.0, "Checking event ids against the store")
        replaced = 0
        keep_files: list[StoredFile] = []
        rewrite: list[tuple[StoredFile, np.ndarray]] = []
        incoming_by_country = (
            {c: set(ids[country == c]) for c in pd.unique(country.to_numpy())}
            if check_ids and self.manifest.files
            else {}
        )
        for f in self.manifest.files:
            incoming = incoming_by_country.get(f.country) if check_ids else None
            if not incoming:
                keep_files.append(f)
                continue
            stored = (
                pq.read_table(self.root / f.path, columns=[acled.EVENT_ID])
                .column(0)
                .to_pandas()
                .astype(str)
            )
            hit = stored.isin(incoming).to_numpy()
            if hit.any():
                replaced += int(hit.sum())
                rewrite.append((f, ~hit))
            else:
                keep_files.append(f)

        before = {f.path for f in self.manifest.files}
        self._written = set()
        new_files: list[StoredFile] = []
        touched: set[tuple[str, int]] = set()
        for f, keep in rewrite:
            progress.check()
            if keep.any():
                old = read_part(self._part(f))
                new_files += self._write_partition(old[keep], f.country, f.year)
            touched.add((f.country, f.year))

        groups = pd.DataFrame({"c": country.to_numpy(), "y": year}).groupby(
            ["c", "y"], sort=True
        )
        n_groups = groups.ngroups
        partitions = []
        for i, (key, index) in enumerate(groups.indices.items()):
            c, y = cast("tuple[str, int]", key)  # grouped by two columns
            progress.check()
            progress.set(0.1 + 0.8 * i / max(n_groups, 1), f"Writing {c} {y}")
            part = frame.iloc[index]
            new_files += self._write_partition(part, str(c), int(y))
            partitions.append((str(c), int(y)))
            touched.add((str(c), int(y)))

        files = keep_files + new_files
        compacted = 0
        by_partition: dict[tuple[str, int], list[StoredFile]] = {}
        for f in files:
            by_partition.setdefault((f.country, f.year), []).append(f)
        for key in sorted(touched) if compact else []:
            pfiles = by_partition.get(key, [])
            small = sum(f.rows for f in pfiles) <= MAX_FILE_ROWS * len(pfiles) // 2
            if len(pfiles) > MAX_FILES_PER_PARTITION or (len(pfiles) > 1 and small):
                progress.check()
                by_partition[key] = self._compact(pfiles)
                compacted += 1
        self.manifest.files = [
            f for key in sorted(by_partition) for f in by_partition[key]
        ]
        if source and source not in self.manifest.sources:
            self.manifest.sources.append(source)
        self.manifest.updated = _now()
        self._commit(before)
        progress.set(1.0, "Stored")
        return AppendReport(
            added=len(frame),
            replaced=replaced,
            duplicates_in_input=n_repeated,
            partitions=tuple(partitions),
            files_written=len(new_files),
            compacted=compacted,
        )

    def _write_partition(
        self, frame: pd.DataFrame, country: str, year: int
    ) -> list[StoredFile]:
        frame = _sorted_for_storage(frame)
        out = []
        folder = partition_dir(country, year)
        for a in range(0, len(frame), MAX_FILE_ROWS):
            chunk = frame.iloc[a : a + MAX_FILE_ROWS]
            rel = f"{folder}/part-{secrets.token_hex(6)}.parquet"
            path = self.root / rel
            _write_file(chunk, path)
            self._written.add(rel)
            size, groups = _row_group_stats(path)
            out.append(StoredFile(rel, country, int(year), len(chunk), size, groups))
        return out

    def _compact(self, files: list[StoredFile]) -> list[StoredFile]:
        """Rewrite a partition's files as few, Hilbert-sorted files."""
        frames = [read_part(self._part(f)) for f in files]
        merged = concat_frames(frames)
        return self._write_partition(merged, files[0].country, files[0].year)

    def compact(self, progress: Progress = NULL_PROGRESS) -> int:
        """Rewrite every partition held in several files; returns how many."""
        with self._locked(), self._restored_on_failure():
            self.manifest = read_manifest(self.root)
            self._upgrade_files(progress)
            return self._compact_all(progress)

    def upgrade(self, progress: Progress = NULL_PROGRESS) -> int:
        """Rewrite a format-1 store in today's format; returns files rewritten.

        Every file is rewritten without its ``country`` and ``year`` columns
        (their values are the folder names'), the manifest is published as
        ``_sahelgis_store.json`` and only then are ``sahelgis_store.json`` and
        the old files removed. Opening a store never does this; appending to
        or compacting a format-1 store does it first.

        Raises
        ------
        FileBusyError
            Another SahelGIS held the store's lock too long.
        """
        with self._locked(), self._restored_on_failure():
            self.manifest = read_manifest(self.root)
            if not self.manifest.keys_in_files:
                return 0
            self._written = set()
            old = self._upgrade_files(progress)
            self.manifest.updated = _now()
            self._commit(old)
            return len(self.manifest.files)

    def _upgrade_files(self, progress: Progress) -> set[str]:
        """Under the lock: rewrite a format-1 store's files without the key
        columns (the manifest is not yet published); the old paths, which the
        next :meth:`_commit` deletes."""
        self._retired = set()
        if not self.manifest.keys_in_files:
            return set()
        old = list(self.manifest.files)
        files: list[StoredFile] = []
        for i, f in enumerate(old):
            progress.check()
            progress.set(i / max(len(old), 1), "Upgrading the store's files")
            frame = read_part(self._part(f))
            files += self._write_partition(frame, f.country, f.year)
        self.manifest.files = files
        self.manifest.version = FORMAT_VERSION
        self._retired = {f.path for f in old}
        return self._retired

    def _compact_all(self, progress: Progress) -> int:
        done = 0
        self._written = set()
        parts = self.partitions()
        old = {f.path for f in self.manifest.files}
        files: list[StoredFile] = []
        for i, (_key, pfiles) in enumerate(sorted(parts.items())):
            progress.check()
            progress.set(i / max(len(parts), 1), "Compacting")
            if len(pfiles) > 1 and sum(f.rows for f in pfiles) > 0:
                files += self._compact(pfiles)
                done += 1
            else:
                files += pfiles
        self.manifest.files = files
        self.manifest.updated = _now()
        self._commit(old - {f.path for f in files})
        return done

    def _commit(self, superseded: set[str]) -> None:
        """Publish the manifest, then delete the files of ``superseded`` that it
        no longer names."""
        self._write_manifest()
        legacy = self.root / LEGACY_MANIFEST
        published_v2 = not self.manifest.keys_in_files
        if published_v2 and legacy.is_file() and not legacy.is_symlink():
            # the new manifest is published: the format-1 one goes first, so an
            # older SahelGIS finds no store rather than a store missing files
            with contextlib.suppress(OSError):
                legacy.unlink()
        live = {f.path for f in self.manifest.files}
        real_root = os.path.realpath(self.root)
        retired, self._retired = self._retired, set()
        for rel in (superseded | retired | self._written) - live:
            target = self.root / rel
            # never a file outside the store, whatever a manifest said
            if target.is_symlink() or not _inside(real_root, target):
                continue
            # a file left behind is never read; vacuum() removes it later
            with contextlib.suppress(OSError):
                target.unlink()

    def _write_manifest(self) -> None:
        # the caller holds the store's lock (lock=False: no second lock file)
        text = json.dumps(self.manifest.to_json(), indent=1)
        with atomic_target(self.root / MANIFEST, lock=False) as tmp:
            tmp.write_text(text, encoding="utf-8")

    def vacuum(self) -> int:
        """Delete files no manifest names (left by a crash); returns how many.

        Only regular ``.parquet`` and ``.tmp`` files inside the store folder
        are removed; symlinks and folders linked from elsewhere are skipped.
        """
        with self._locked():
            self.manifest = read_manifest(self.root)
            live = {f.path for f in self.manifest.files}
            real_root = os.path.realpath(self.root)
            removed = 0
            for folder, _dirs, names in os.walk(self.root):  # no symlinked folders
                for name in names:
                    path = Path(folder) / name
                    if path.is_symlink() or not path.is_file():
                        continue
                    if name == MANIFEST or path.suffix not in (".parquet", ".tmp"):
                        continue
                    rel = path.relative_to(self.root).as_posix()
                    if rel not in live and _inside(real_root, path):
                        path.unlink()
                        removed += 1
            return removed


def country_of(path: str) -> str:
    """The country of a partition path (``country=Burkina%20Faso/...``)."""
    head = path.split("/", 1)[0]
    return unquote(head.split("=", 1)[1]) if "=" in head else head
