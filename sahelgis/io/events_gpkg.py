"""Writing an event table to a project file in batches: feature table and cache.

Part of the project file (:mod:`sahelgis.io.project_file`). At 10M events a
whole-table write would hold, besides the table, one shapely point per event
(about 1 GB), their WKB, an Arrow copy of every column and the compressed cache
as one Python ``bytes`` (several GB in all). Here both go out in batches of
:data:`BATCH_ROWS` rows, so the extra memory is a few batches whatever the size:

- the feature table QGIS opens: an Arrow record batch stream (WKB points built
  with numpy, repeated text as plain strings) written by GDAL in one session
  (``pyogrio.write_arrow``), so its R-tree is built once at the end;
- the Arrow IPC cache: streamed to a scratch file beside the target, then
  copied into its SQLite blob in chunks (``zeroblob`` + incremental blob I/O),
  byte for byte what one ``write_table`` of the whole frame gives to a reader.
"""

from __future__ import annotations

import json
import os
import sqlite3
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from sahelgis.io import gpkg_columns
from sahelgis.io.cache_seal import seal
from sahelgis.model.packed_column import PackedTextArray

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    import pandas as pd

    from sahelgis.model.events import EventTable

#: Rows per record batch (memory per batch: a few tens of MB).
BATCH_ROWS = 262_144
#: Bytes copied into the SQLite blob per write.
_BLOB_CHUNK = 16 << 20

#: A little-endian ISO WKB point: byte order, type 1, x, y (21 bytes).
_WKB_POINT = np.dtype([("order", "u1"), ("kind", "<u4"), ("x", "<f8"), ("y", "<f8")])


def wkb_points(lon: np.ndarray, lat: np.ndarray) -> pa.Array:
    """WKB points (EPSG:4326, x = longitude) as an Arrow binary array.

    Parameters
    ----------
    lon, lat
        WGS84 degrees, same length.

    Returns
    -------
    pyarrow.Array
        ``binary`` values of 21 bytes each, built without shapely objects.
    """
    n = len(lon)
    points = np.empty(n, dtype=_WKB_POINT)
    points["order"] = 1
    points["kind"] = 1
    points["x"] = lon
    points["y"] = lat
    offsets = np.arange(0, 21 * (n + 1), 21, dtype=np.int32)
    return pa.Array.from_buffers(
        pa.binary(),
        n,
        [None, pa.py_buffer(offsets), pa.py_buffer(points.view(np.uint8))],
    )


def _plain(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Dictionary columns as plain text: GDAL writes them faster that way."""
    arrays, fields = [], []
    for field, column in zip(batch.schema, batch.columns, strict=True):
        if pa.types.is_dictionary(field.type):
            column = column.cast(field.type.value_type)
            field = field.with_type(field.type.value_type)
        elif pa.types.is_null(field.type):
            column = column.cast(pa.string())
            field = field.with_type(pa.string())
        arrays.append(column)
        fields.append(field.remove_metadata())
    return pa.RecordBatch.from_arrays(arrays, schema=pa.schema(fields))


def _arrow_slice(frame: pd.DataFrame) -> pa.RecordBatch:
    """One slice of a frame as a record batch (odd object columns as text)."""
    try:
        table = pa.Table.from_pandas(frame, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        frame = frame.copy(deep=False)
        for name in frame.columns:
            if frame[name].dtype == object:
                frame[name] = frame[name].astype("string")
        table = pa.Table.from_pandas(frame, preserve_index=False)
    return (
        table.combine_chunks().to_batches()[0]
        if len(table)
        else (pa.RecordBatch.from_pylist([], schema=table.schema))
    )


def feature_batches(
    events: EventTable,
) -> tuple[pa.RecordBatchReader, dict[str, str], dict[str, str]]:
    """The events as a stream of feature record batches for GDAL.

    Returns
    -------
    reader
        Record batches of :data:`BATCH_ROWS` rows: the table's columns as
        :func:`~sahelgis.io.gpkg_columns.encode` stores them (day columns as
        ``date32``, digit-leading names replaced), plus ``geometry`` (WKB
        points, EPSG:4326).
    columns, types
        What ``encode`` changed (stored name -> model name; model name -> type
        before), for the project state.
    """
    stored, columns, types = gpkg_columns.encode(events.frame)
    lon, lat = events.lon, events.lat
    n = len(stored)
    head = _plain(_arrow_slice(stored.iloc[:0]))
    schema = head.schema.append(pa.field("geometry", pa.binary()))

    def batches() -> Iterator[pa.RecordBatch]:
        for start in range(0, n, BATCH_ROWS):
            end = min(start + BATCH_ROWS, n)
            part = _plain(_arrow_slice(stored.iloc[start:end]))
            yield pa.RecordBatch.from_arrays(
                [*part.columns, wkb_points(lon[start:end], lat[start:end])],
                schema=schema,
            )

    return pa.RecordBatchReader.from_batches(schema, batches()), columns, types


#: Cache columns holding the events' display-CRS coordinates (metres), with
#: the CRS in the schema's metadata under :data:`DISPLAY_CRS_KEY`.
DISPLAY_X, DISPLAY_Y = "_sahelgis_display_x", "_sahelgis_display_y"
DISPLAY_CRS_KEY = b"sahelgis_display_crs"


#: Schema metadata naming the packed text columns left out of a cache stream
#: (JSON: column name -> position); each is its own cache row,
#: :func:`packed_cache_name`.
PACKED_KEY = b"sahelgis_packed_text"
#: Metadata of a packed text's stream: this installation's seal (hex).
SEAL_KEY = b"sahelgis_seal"


def packed_cache_name(table: str, column: str) -> str:
    """The cache row holding the packed text ``column`` of layer ``table``."""
    return f"{table}/packed/{column}"


def packed_columns(frame: pd.DataFrame) -> dict[str, PackedTextArray]:
    """The frame's columns held as packed text (e.g. the notes), by name."""
    return {
        str(name): frame[name].array
        for name in frame.columns
        if isinstance(frame[name].array, PackedTextArray)
    }


def write_packed_file(array: PackedTextArray, beside: Path, number: int) -> Path:
    """Write packed text's blocks, as they are (no second compression), to a file.

    Named ``<beside's name>-arrowcache<number>`` like :func:`write_cache_file`'s
    file (``number`` unique among the save's cache files); the caller copies it
    into a cache blob and deletes it.
    """
    path = beside.with_name(f"{beside.name}-arrowcache{number}")
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        text = array.compacted().text
        table = text.to_arrow_table()
        mark = seal(text.seal_parts())
        if mark is not None:  # written and checked here: reopening trusts it
            table = table.replace_schema_metadata({SEAL_KEY: mark.hex().encode()})
        with (
            pa.OSFile(str(path), "wb") as sink,
            pa.ipc.new_stream(sink, table.schema) as writer,
        ):
            writer.write_table(table, max_chunksize=4096)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def write_cache_file(
    frame: pd.DataFrame,
    beside: Path,
    number: int = 0,
    display: tuple[str, np.ndarray, np.ndarray] | None = None,
) -> Path:
    """Write ``frame`` as an LZ4-compressed Arrow IPC stream to a scratch file.

    Packed text columns (:func:`packed_columns`) are left out and named in the
    schema's metadata under :data:`PACKED_KEY`; :func:`write_packed_file`
    writes each.

    ``display`` (CRS, x, y), when the events were already projected for the
    map, is stored too (16 bytes per event), so that reopening a 10M-event
    project does not project them again (5.7 s here); the reader checks it
    (:func:`split_display`).

    The file is made beside ``beside`` (the project's temporary file, so on
    the same disk) as ``<its name>-arrowcache<number>`` (``number``: one per
    event layer of the project), the way SQLite names its
    ``-journal``: a save killed midway leaves it with the atomic write's other
    ``.tmp-`` files, and the stale-file sweep of :mod:`sahelgis.io.recovery`
    removes it with them. The caller copies it into the cache blob and deletes
    it. Batches of :data:`BATCH_ROWS` rows; reading the stream back gives the
    whole frame.
    """
    path = beside.with_name(f"{beside.name}-arrowcache{number}")
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        packed = packed_columns(frame)
        positions = {name: list(frame.columns).index(name) for name in packed}
        frame = frame.drop(columns=list(packed))
        schema = pa.Schema.from_pandas(frame.iloc[:0], preserve_index=False)
        if packed:
            metadata = dict(schema.metadata or {})
            metadata[PACKED_KEY] = json.dumps(positions).encode()
            schema = schema.with_metadata(metadata)
        if display is not None:
            schema = schema.append(pa.field(DISPLAY_X, pa.float64()))
            schema = schema.append(pa.field(DISPLAY_Y, pa.float64()))
            metadata = dict(schema.metadata or {})
            metadata[DISPLAY_CRS_KEY] = display[0].encode()
            schema = schema.with_metadata(metadata)
        options = pa.ipc.IpcWriteOptions(compression="lz4")
        with (
            pa.OSFile(str(path), "wb") as sink,
            pa.ipc.new_stream(sink, schema, options=options) as writer,
        ):
            for start in range(0, max(len(frame), 1), BATCH_ROWS):
                part = frame.iloc[start : start + BATCH_ROWS]
                if display is not None:
                    end = start + len(part)
                    part = part.assign(
                        **{
                            DISPLAY_X: display[1][start:end],
                            DISPLAY_Y: display[2][start:end],
                        }
                    )
                writer.write_table(
                    pa.Table.from_pandas(part, schema=schema, preserve_index=False)
                )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def insert_cache_blob(
    con: sqlite3.Connection, cache_table: str, table: str, rows: int, source: Path
) -> None:
    """Insert one cache row whose blob is the file ``source``, copied in chunks."""
    size = source.stat().st_size
    cursor = con.execute(
        f"INSERT INTO {cache_table}(table_name, rows, arrow) "
        "VALUES (?, ?, zeroblob(?))",
        (table, rows, size),
    )
    rowid = cursor.lastrowid
    if rowid is None:  # pragma: no cover - an INSERT always sets it
        raise sqlite3.DatabaseError("no row id after inserting the event cache")
    with con.blobopen(cache_table, "arrow", rowid) as blob, source.open("rb") as src:
        while chunk := src.read(_BLOB_CHUNK):
            blob.write(chunk)


__all__ = [
    "BATCH_ROWS",
    "PACKED_KEY",
    "feature_batches",
    "insert_cache_blob",
    "packed_cache_name",
    "packed_columns",
    "wkb_points",
    "write_cache_file",
    "write_packed_file",
]


def split_display(
    table: pa.Table,
) -> tuple[pa.Table, tuple[str, np.ndarray, np.ndarray] | None]:
    """Take the display coordinates out of a cache table read back.

    Returns the table without them, and (CRS, x, y) when both columns are
    float64 and the CRS is named; anything else is dropped (None), so the map
    projects the events itself.
    """
    names = table.column_names
    if DISPLAY_X not in names and DISPLAY_Y not in names:
        return table, None
    found = None
    crs_name = (table.schema.metadata or {}).get(DISPLAY_CRS_KEY)
    if (
        DISPLAY_X in names
        and DISPLAY_Y in names
        and crs_name
        and table.schema.field(DISPLAY_X).type == pa.float64()
        and table.schema.field(DISPLAY_Y).type == pa.float64()
    ):
        x = table.column(DISPLAY_X).to_numpy()
        y = table.column(DISPLAY_Y).to_numpy()
        found = (crs_name.decode("utf-8", "replace"), x, y)
    drop = [n for n in (DISPLAY_X, DISPLAY_Y) if n in names]
    return table.drop_columns(drop), found
