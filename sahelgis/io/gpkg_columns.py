"""Column names and date types of layer tables as QGIS and GDAL expect them.

A layer's frame is written to its GeoPackage table with:

- column names that QGIS expressions can use: a name that starts with a digit
  (the year columns "2018" … "2024" of counts) becomes ``y2018`` (other names
  that start with a digit get a ``c_`` prefix and ``_`` for other characters);
- days as GeoPackage ``DATE``: a datetime column whose values are all
  midnight (``event_date``), and a text column whose values are all ISO days
  (``first_seen``), are written as dates.

``encode`` returns the frame to write and what it changed (stored name -> the
model's name; the model's name -> its type before), kept in the project state;
``decode`` turns a table read back into the model's frame. Files without the
record are read as they are.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa

if TYPE_CHECKING:
    import geopandas as gpd

#: A GeoDataFrame (a layer) or a plain DataFrame (an event table's columns).
FrameT = TypeVar("FrameT", "gpd.GeoDataFrame", pd.DataFrame)

#: The type a date column had in the model: ISO text, or a datetime dtype.
TEXT = "text"
DATETIME_TYPES = (
    "datetime64[ns]",
    "datetime64[us]",
    "datetime64[ms]",
    "datetime64[s]",
)
COLUMN_TYPES = (TEXT, *DATETIME_TYPES)
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_YEAR = re.compile(r"\d{4}")


def stored_name(name: str, taken: set[str]) -> str:
    """The column name written for ``name`` (changed if it starts with a digit)."""
    if not name[:1].isdigit():
        return name
    base = f"y{name}" if _YEAR.fullmatch(name) else "c_" + re.sub(r"\W", "_", name)
    candidate = base
    while candidate.lower() in taken:
        candidate += "_"
    return candidate


def _is_day_text(column: pd.Series) -> bool:
    values = column.dropna()
    if values.empty or pd.api.types.infer_dtype(values, skipna=True) != "string":
        return False
    if not _ISO_DAY.fullmatch(values.iloc[0]):  # most text columns stop here
        return False
    if not values.str.fullmatch(_ISO_DAY.pattern).all():
        return False
    parsed = pd.to_datetime(values, format="%Y-%m-%d", errors="coerce")
    return bool(parsed.notna().all())


def _as_dates(days: pd.Series) -> pd.Series:
    """Days as an Arrow ``date32`` column (GDAL writes it as ``DATE``)."""
    array = pa.array(days.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]"))
    return pd.Series(pd.arrays.ArrowExtensionArray(array), index=days.index)


def _is_midnight(column: pd.Series) -> bool:
    values = column.dropna()
    if values.empty:
        return False
    return bool((values == values.dt.normalize()).all())


def encode(
    frame: FrameT,
) -> tuple[FrameT, dict[str, str], dict[str, str]]:
    """The frame to write, the renamed columns and the columns written as dates.

    Returns
    -------
    frame
        A shallow copy with day columns as ``datetime.date`` objects (written
        as GeoPackage ``DATE``) and digit-leading names replaced.
    columns
        Stored name -> the model's name, for each renamed column.
    types
        The model's column name -> ``"text"`` or its datetime dtype, for each
        column written as ``DATE``.
    """
    # a plain DataFrame (an event table written in batches) has no geometry
    geometry = getattr(frame, "_geometry_column_name", None)
    out = frame.copy(deep=False)
    types: dict[str, str] = {}
    for name in frame.columns:
        if name == geometry:
            continue
        column = frame[name]
        dtype = str(column.dtype)
        if dtype in DATETIME_TYPES and _is_midnight(column):
            out[name] = _as_dates(column)
            types[str(name)] = dtype
        elif pd.api.types.is_string_dtype(column.dtype) and _is_day_text(column):
            days = pd.to_datetime(column, format="%Y-%m-%d", errors="coerce")
            out[name] = _as_dates(days)
            types[str(name)] = TEXT
    taken = {str(c).lower() for c in frame.columns}
    columns: dict[str, str] = {}
    renames: dict[str, str] = {}
    for name in frame.columns:
        if name == geometry:
            continue
        stored = stored_name(str(name), taken)
        if stored != name:
            taken.add(stored.lower())
            columns[stored] = str(name)
            renames[name] = stored
    if renames:
        out = out.rename(columns=renames)
    return out, columns, types


def decode(
    frame: pd.DataFrame, columns: dict[str, str], types: dict[str, str]
) -> pd.DataFrame:
    """The model's frame from a table written by ``encode``.

    Columns absent from the table, or whose model name is taken, are left
    as they are (a file edited elsewhere still opens).
    """
    renames = {
        stored: original
        for stored, original in columns.items()
        if stored in frame.columns and original not in frame.columns
    }
    if renames:
        frame = frame.rename(columns=renames)
    for name, kind in types.items():
        if name not in frame.columns:
            continue
        days = pd.to_datetime(frame[name], errors="coerce")
        if kind == TEXT:
            frame[name] = days.dt.strftime("%Y-%m-%d")
        elif kind in DATETIME_TYPES:
            frame[name] = days.astype(np.dtype(kind))
    return frame


__all__ = ["COLUMN_TYPES", "TEXT", "decode", "encode", "stored_name"]
