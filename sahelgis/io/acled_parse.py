"""Parsing ACLED text columns into typed values: codes, dates, numbers, labels.

Part of the ACLED reader (:func:`sahelgis.io.acled.read_acled`). Each helper
works on a column's unique values and maps the result back by integer codes:
dictionary codes of a text column, dates in ISO (a time, ``Z`` or an offset
ignored), day-month-year, English month-name (``01-January-2015``) and Excel
serial-number forms (with a status per value), integers, floats with an
optional decimal comma, categoricals with their inter-code labels, Arrow-backed text
series, the ``timestamp`` column, and the test for our SYNTHETIC demo data.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sahelgis.model import acled_schema as acled
from sahelgis.model.events import DATE_DTYPE

if TYPE_CHECKING:
    from collections.abc import Sequence

_NUMBER_RE = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"


_INT_RE = re.compile(r"\+?(\d+)(?:\.0*)?")


# English month names, hard-coded: ``%B`` in strptime follows the process locale,
# which Qt sets from the user's desktop (a French laptop expects "février").
_MONTH_NAMES = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)


_MONTHS: dict[str, int] = {
    **{name: i for i, name in enumerate(_MONTH_NAMES, start=1)},
    **{name[:3]: i for i, name in enumerate(_MONTH_NAMES, start=1)},
    "sept": 9,
}


_ISO_DATE_RE = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d*)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
)


# An Excel serial day number (a date cell saved as General, or a CSV re-saved
# from such a sheet): days since 1899-12-30, accepted for 1954-2119 only, so a
# stray number is not read as a date.
_EXCEL_SERIAL_RE = re.compile(r"([2-7]\d{4})(?:\.\d+)?")


_EXCEL_EPOCH_ORDINAL = dt.date(1899, 12, 30).toordinal()


_DMY_DATE_RE = re.compile(r"(\d{1,2})([-/.])(\d{1,2})\2(\d{4})")


_TEXT_DATE_RE = re.compile(r"(\d{1,2})[\s-]+([A-Za-z]+)\.?,?[\s-]+(\d{4})")


_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()


_DATE_OK, _DATE_MISSING, _DATE_UNPARSEABLE, _DATE_IMPOSSIBLE = 0, 1, 2, 3


def _codes(array: pa.ChunkedArray) -> np.ndarray:
    """Integer codes of a text column (equal text, equal code)."""
    encoded = array.dictionary_encode()
    if encoded.num_chunks == 0:
        return np.zeros(0, dtype=np.int32)
    combined = encoded.combine_chunks() if encoded.num_chunks > 1 else encoded.chunk(0)
    return np.asarray(combined.indices.to_numpy(zero_copy_only=False), dtype=np.int64)


def _codes_and_values(array: pa.ChunkedArray) -> tuple[np.ndarray, list[str]]:
    """Split a text column into integer codes and its unique values."""
    if not pa.types.is_dictionary(array.type):
        array = array.dictionary_encode()
    if array.num_chunks == 0:
        return np.zeros(0, dtype=np.int32), []
    combined = array.combine_chunks() if array.num_chunks > 1 else array.chunk(0)
    indices = combined.indices
    if indices.null_count:
        values = [*combined.dictionary.to_pylist(), ""]
        indices = pc.fill_null(indices, len(values) - 1)
    else:
        values = combined.dictionary.to_pylist()
    codes = indices.to_numpy(zero_copy_only=False)
    if codes.dtype not in (np.int8, np.int16):  # int16 codes stay: 2 bytes a row
        codes = codes.astype(np.int32, copy=False)
    return codes, [v if v is not None else "" for v in values]


def _parse_date(text: str) -> tuple[int, int]:
    """Return (status, days since 1970-01-01) for one date string."""
    text = text.strip()
    if not text:
        return _DATE_MISSING, 0
    if m := _ISO_DATE_RE.fullmatch(text):
        year, month, day = int(m[1]), int(m[2]), int(m[3])
    elif m := _DMY_DATE_RE.fullmatch(text):
        day, month, year = int(m[1]), int(m[3]), int(m[4])
    elif (m := _TEXT_DATE_RE.fullmatch(text)) and m[2].lower() in _MONTHS:
        day, month, year = int(m[1]), _MONTHS[m[2].lower()], int(m[3])
    elif m := _EXCEL_SERIAL_RE.fullmatch(text):
        return _DATE_OK, _EXCEL_EPOCH_ORDINAL + int(m[1]) - _EPOCH_ORDINAL
    else:
        return _DATE_UNPARSEABLE, 0
    try:
        return _DATE_OK, dt.date(year, month, day).toordinal() - _EPOCH_ORDINAL
    except ValueError:
        return _DATE_IMPOSSIBLE, 0


def _parse_dates(values: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Parse unique date strings: (status per value, datetime64[s] per value)."""
    parsed = [_parse_date(v) for v in values]
    status = np.fromiter((p[0] for p in parsed), dtype=np.int8, count=len(parsed))
    days = np.fromiter((p[1] for p in parsed), dtype=np.int64, count=len(parsed))
    return status, days.astype("datetime64[D]").astype(DATE_DTYPE)


def _parse_int(text: str) -> int | None:
    m = _INT_RE.fullmatch(text.strip())
    return int(m[1]) if m else None


def _parse_float_column(
    array: pa.ChunkedArray, decimal_comma: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """Parse text to float64: (values, empty mask, not-a-number mask, had commas)."""
    if pa.types.is_dictionary(array.type):
        array = array.cast(pa.string())
    text = pc.utf8_trim_whitespace(array)
    had_commas = False
    if decimal_comma:
        has_comma = pc.match_substring(text, ",")
        had_commas = bool(pc.any(has_comma).as_py() or False)
        if had_commas:
            text = pc.replace_substring(text, ",", ".")
    empty = pc.equal(text, "").to_numpy(zero_copy_only=False)
    valid = pc.match_substring_regex(text, _NUMBER_RE)
    numbers = pc.cast(pc.if_else(valid, text, pa.scalar(None, pa.string())), "float64")
    values = np.asarray(numbers.to_numpy(zero_copy_only=False), dtype=np.float64)
    not_number = ~np.isfinite(values) & ~empty
    return values, empty, not_number, had_commas


def _categorical(codes: np.ndarray, labels: Sequence[str]) -> pd.Categorical:
    """Build a categorical with sorted, unique, used categories only."""
    label_array = np.asarray(list(labels), dtype=object)
    if len(label_array) == 0:
        label_array = np.array([""], dtype=object)
    categories, inverse = np.unique(label_array.astype(str), return_inverse=True)
    small = np.int16 if len(categories) <= 1 << 15 else np.int32
    codes = inverse.astype(small)[codes] if len(codes) else codes.astype(small)
    used = np.bincount(codes, minlength=len(categories)) > 0
    if not used.all():
        remap = (np.cumsum(used) - 1).astype(small)
        codes = remap[codes]
        categories = categories[used]
    return pd.Categorical.from_codes(
        codes, categories=pd.Index(categories.astype(object), dtype="str")
    )


def _str_series(array: pa.ChunkedArray) -> pd.Series:
    if pa.types.is_dictionary(array.type):
        array = array.cast(pa.string())
    return pa.table({"v": array}).to_pandas()["v"]


def _categoricals(
    arrays: dict[str, pa.ChunkedArray], warnings: list[str]
) -> dict[str, tuple[np.ndarray, list[str]]]:
    """Codes and stripped labels of the categorical columns (inter codes named)."""
    categorical: dict[str, tuple[np.ndarray, list[str]]] = {}
    inter_numeric = False
    for name in acled.CATEGORICAL_COLUMNS:
        if name not in arrays:
            continue
        codes, values = _codes_and_values(arrays[name])
        labels = [v.strip() for v in values]
        if name in (acled.INTER1, acled.INTER2):
            used = np.bincount(codes, minlength=len(labels)) > 0
            inter_numeric |= any(
                used[i] and label in acled.INTER_CODES for i, label in enumerate(labels)
            )
            labels = [acled.INTER_CODES.get(label, label) for label in labels]
        categorical[name] = (codes, labels)
    if inter_numeric:
        warnings.append("inter1/inter2 given as numeric codes; converted to labels")
    return categorical


def _take_text(array: pa.ChunkedArray, rows: np.ndarray) -> list[str]:
    """The text of a few rows (for reject values), whatever the array's type."""
    if len(rows) == 0:
        return []
    taken = pc.take(array, pa.array(rows, type=pa.int64()))
    return ["" if v is None else str(v) for v in taken.to_pylist()]


def _timestamp_column(
    array: pa.ChunkedArray, take: pa.Array, warnings: list[str]
) -> np.ndarray | pd.Series:
    """Unix seconds as int64 when every value is a whole number, else text."""
    taken = pc.take(array, take)
    if pa.types.is_dictionary(taken.type):
        taken = taken.cast(pa.string())
    trimmed = pc.utf8_trim_whitespace(taken)
    if len(trimmed) == 0:
        return np.zeros(0, dtype=np.int64)
    if bool(pc.all(pc.match_substring_regex(trimmed, r"^\d{1,18}$")).as_py()):
        return np.asarray(
            pc.cast(trimmed, pa.int64()).to_numpy(zero_copy_only=False),
            dtype=np.int64,
        )
    warnings.append("timestamp kept as text: not every value is a whole number")
    return _str_series(taken)


def _looks_synthetic(source: tuple[np.ndarray, list[str]] | None) -> bool:
    """True when every non-empty source value says SYNTHETIC (our demo data)."""
    if source is None:
        return False
    codes, labels = source
    used = np.bincount(codes, minlength=len(labels)) > 0
    non_empty = [label for i, label in enumerate(labels) if used[i] and label]
    return bool(non_empty) and all("synthetic" in s.lower() for s in non_empty)


#: Rows per block when a text column is put in date order.
_TAKE_BLOCK = 1 << 18


def _take_releasing(column: pa.ChunkedArray, order: np.ndarray) -> pa.ChunkedArray:
    """``column`` at the rows ``order``, each source chunk freed after its last use.

    A plain ``take`` holds the whole source and the whole result at once: for
    10M notes, 2 GB. Here the result is built in blocks of :data:`_TAKE_BLOCK`
    rows and a source chunk is dropped as soon as no later row needs it, so for
    a file in (or near, or reverse) date order the peak stays near one copy.
    The caller must hold no other reference to ``column`` for this to free
    anything; the result is the same either way.
    """
    kind = column.type
    chunks: list[pa.Array | None] = list(column.chunks)
    del column
    if len(order) == 0:
        return pa.chunked_array([], kind)
    starts = np.zeros(len(chunks) + 1, dtype=np.int64)
    np.cumsum([len(c) for c in chunks if c is not None], out=starts[1:])
    chunk_of = (np.searchsorted(starts, order, side="right") - 1).astype(np.int32)
    last_use = np.full(len(chunks), -1, dtype=np.int64)
    used, first_from_end = np.unique(chunk_of[::-1], return_index=True)
    last_use[used] = len(order) - 1 - first_from_end
    for c in np.flatnonzero(last_use < 0):
        chunks[c] = None  # rows of rejected records only
    out: list[pa.Array] = []
    for a in range(0, len(order), _TAKE_BLOCK):
        b = min(a + _TAKE_BLOCK, len(order))
        ids, rows = chunk_of[a:b], order[a:b]
        by_chunk = np.argsort(ids, kind="stable")
        groups = np.split(by_chunk, np.flatnonzero(np.diff(ids[by_chunk])) + 1)
        parts = []
        for group in groups:
            k = int(ids[group[0]])
            source = chunks[k]
            assert source is not None  # freed only after its last use
            parts.append(pc.take(source, pa.array(rows[group] - starts[k])))
        back = np.empty_like(by_chunk)
        back[by_chunk] = np.arange(len(by_chunk))
        out.append(pc.take(pa.concat_arrays(parts), pa.array(back)))
        for c in np.unique(ids):
            if last_use[c] < b:
                chunks[c] = None
    return pa.chunked_array(out, kind)
