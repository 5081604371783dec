r"""Read ACLED exports (CSV or .xlsx) into an :class:`EventTable` plus a per-row report.

Analysts bring their own ACLED files (the data may not be redistributed), saved by
the export tool, the API or re-saved by a spreadsheet. So the reader is lenient
about the *file* (encoding, delimiter, column order, extra and legacy columns) and
strict about each *row*: a row with a missing or impossible required value is not
imported but reported, with its record number and event id, in
:attr:`ImportReport.rejects`. Only a file that cannot be read at all raises
:class:`~sahelgis.errors.InputError`.

Encodings
---------
UTF-16/32 are recognised by their BOM or NUL pattern. Anything else is read as
UTF-8 when it is UTF-8, or *mostly* UTF-8 (more valid multi-byte characters than
invalid bytes): the records holding invalid bytes are then **rejected**, not
imported with a replacement character, and reported with their field, the text
with each bad byte as ``\xNN`` and the reason ``"invalid UTF-8 byte"``.
Only a file that is not mostly UTF-8 is decoded as a single-byte encoding,
chosen by charset-normalizer among :data:`LEGACY_ENCODINGS` (cp1252, Latin-1).

Compressed files
----------------
A .csv.gz, or a .zip as ACLED downloads come, is unpacked to a scratch folder
(its first CSV, else its first .xlsx) within the limits of
:mod:`sahelgis.io.limits`, see :mod:`~sahelgis.io.acled_packed`.

Workbooks
---------
The sheet holding the ACLED header (the first such sheet, title rows above the
header skipped; else the first sheet) is streamed with its declared dimension
ignored, up to :data:`XLSX_MAX_ROWS` rows and :data:`XLSX_MAX_COLUMNS` columns;
a part that would unpack to absurd sizes, or more than 1,000 sheets, is refused.

Columns
-------
Column names are stripped and lowercased, so order and case do not matter
("Event Date" and "EVENT-DATE" are ``event_date``); the pre-2019
``ally_actor_1/2`` are read as ``assoc_actor_1/2``. The
31 current ACLED columns always exist in the result: optional ones missing from
the file are created with empty values (``""`` text/category, ``fatalities`` 0,
``time_precision``/``geo_precision`` 3, ``year`` from ``event_date``, ``timestamp``
empty text) and named in a warning. Legacy columns (``event_id_no_cnty``,
``data_id``, ``iso3``) are kept when present, never created. Extra columns are kept
as text and named in a warning. Empty text stays ``""`` (no NA conversion).

Pre-2019 event types
--------------------
Old event types ("Battle-No change of territory", "Riots/Protests", "Remote
violence", ...) are mapped onto today's event and sub-event types by
:mod:`~sahelgis.io.acled_legacy`, keeping the file's values in
``event_type_original``/``sub_event_type_original``; the report counts them.

Speed
-----
CSV is read in 16 MB pieces cut at record boundaries and each parsed by
``pyarrow.csv`` with every column as text; repeated text goes into one dictionary
per column with 2-byte codes (:mod:`~sahelgis.io.acled_read`), so neither the
file nor a whole-file text table is ever held. Dates are parsed once per *unique*
string and mapped back by code, and every check is a vectorised mask; there is no
Python loop over rows. Each column's text is freed once parsed. 1M rows take about
4-6 s and end up near 180 MB (the notes, about 100 MB, dominate); 10M rows about
60 s. Only when some records have the wrong number of fields does the ``csv``
module walk the file once to locate them (about 3 s more per 1M rows).

Modules
-------
This module holds the entry point and the assembly of the table; the steps live
beside it: :mod:`~sahelgis.io.acled_sniff` (format, encoding, delimiter,
header), :mod:`~sahelgis.io.acled_read` (CSV into text columns),
:mod:`~sahelgis.io.acled_xlsx` (the ACLED sheet of a workbook),
:mod:`~sahelgis.io.acled_parse` (dates, numbers, categoricals) and
:mod:`~sahelgis.io.acled_validate` (row checks and :class:`ImportReport`).
"""

from __future__ import annotations

import ctypes
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from sahelgis.errors import InputError
from sahelgis.io.acled_legacy import map_legacy_types
from sahelgis.io.acled_packed import GZIP_MAGIC, ZIP_MAGIC, unpack
from sahelgis.io.acled_parse import (
    _categorical,
    _categoricals,
    _looks_synthetic,
    _str_series,
    _take_releasing,
    _timestamp_column,
)
from sahelgis.io.acled_read import (
    _normalise_columns,
    _read_csv,
    _TextColumns,
)
from sahelgis.io.acled_sniff import (
    _KNOWN_COLUMNS,
    LEGACY_ENCODINGS,
    _check_columns,
    _describe,
    _refuse_plain_zip,
    read_head,
)
from sahelgis.io.acled_validate import (
    INVALID_UTF8,
    REJECT_COLUMNS,
    ImportReport,
    _check_coordinates,
    _check_dates,
    _check_event_type,
    _check_ids,
    _check_integers,
    _check_invalid_utf8,
    _Rejects,
    _warn_on_event_types,
    _warn_on_year,
    _with_ragged,
)
from sahelgis.io.acled_xlsx import XLSX_MAX_COLUMNS, XLSX_MAX_ROWS, _read_xlsx
from sahelgis.model import acled_schema as acled
from sahelgis.model.events import EventTable, optimise_dtypes
from sahelgis.model.packed_column import PackedTextArray
from sahelgis.model.packed_text import PackedText
from sahelgis.progress import NULL_PROGRESS, Progress

__all__ = [
    "INVALID_UTF8",
    "LEGACY_ENCODINGS",
    "REJECT_COLUMNS",
    "XLSX_MAX_COLUMNS",
    "XLSX_MAX_ROWS",
    "ImportReport",
    "read_acled",
]

_EXCEL_SUFFIXES = frozenset({".xlsx", ".xlsm"})


def _load_text(path: Path, progress: Progress, *, packed: bool = True) -> _TextColumns:
    head = read_head(path)  # one-line errors: missing, not a file, empty
    if head.startswith(b"\xd0\xcf\x11\xe0") or path.suffix.lower() == ".xls":
        raise InputError(
            path, "old Excel .xls workbooks are not supported; save as .xlsx or CSV"
        )
    if packed and head.startswith((GZIP_MAGIC, ZIP_MAGIC)):
        with tempfile.TemporaryDirectory(prefix="sahelgis-acled-") as folder:
            inner = unpack(path, head, Path(folder), progress)
            if inner is not None:
                try:
                    text = _load_text(inner, progress, packed=False)
                except InputError as exc:
                    raise InputError(path, f"{inner.name}: {exc.reason}") from exc
                text.notes.insert(0, f"read {inner.name} from the compressed file")
                return text
    if head.startswith(ZIP_MAGIC):
        _refuse_plain_zip(path)
        return _read_xlsx(path, progress)
    if path.suffix.lower() in _EXCEL_SUFFIXES:
        raise InputError(path, "named like an Excel workbook but is not one")
    return _read_csv(path, head, progress)


def read_acled(
    path: str | Path,
    progress: Progress = NULL_PROGRESS,
    *,
    synthetic: bool | None = None,
) -> tuple[EventTable, ImportReport]:
    """Read an ACLED export (.csv/.txt or .xlsx) into an event table and a report.

    Bad rows do not stop the import: each failing field becomes a row of
    ``report.rejects`` (``row`` is the 1-based data record number, the first
    record after the header being row 1, *not* the physical line, because notes
    contain quoted newlines) and the row is left out. Only an unreadable file
    raises. Zero surviving rows still return an empty table, so the caller
    decides what that means.

    Parameters
    ----------
    path
        CSV (comma, semicolon or tab, also as .csv.gz or inside a .zip; UTF-8
        with or without BOM, UTF-16 with or without BOM, cp1252 or Latin-1; a
        UTF-8 file with a few invalid bytes stays UTF-8 and the records holding
        them are rejected) or .xlsx (the sheet with the ACLED header).
    progress
        Receives ``set(fraction, text)`` per phase (decode, parse, dates,
        validate, build); ``check()`` between phases may raise ``Cancelled``.
    synthetic
        Mark the table as made-up demo data. ``None`` detects it: True when
        every non-empty ``source`` value contains "SYNTHETIC" (any case), which
        is how our demo data labels itself.

    Returns
    -------
    tuple[EventTable, ImportReport]
        Events sorted by date (stable), WGS84 degrees, compact dtypes
        (categoricals, small ints, ``event_date`` as ``datetime64[s]``, notes as
        Arrow-backed text), and the per-row report.

    Raises
    ------
    InputError
        The file is missing, empty, binary, not decodable, has no data rows, or
        lacks required columns (the message names them and the columns found).
    Cancelled
        ``progress.check()`` reported that the user cancelled.
    """
    path = Path(path)
    progress.set(0.0, "Opening file")
    progress.check()
    try:
        text = _load_text(path, progress)
        if text.n_rows == 0:
            raise InputError(path, "has a header but no data rows")
        return _build(path, text, progress, synthetic)
    except MemoryError as exc:
        raise InputError(path, "too large to load into memory") from exc
    except (pa.ArrowException, ValueError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(path, f"cannot be read: {first}") from exc


def _build(
    path: Path, text: _TextColumns, progress: Progress, synthetic: bool | None
) -> tuple[EventTable, ImportReport]:
    """Check every row, drop the bad ones, sort by date and build the table."""
    warnings = [*text.notes, *_normalise_columns(text)]
    arrays = text.arrays
    _check_columns(path, list(arrays))
    if text.encoding not in ("utf-8", "utf-8-sig", "xlsx"):
        warnings.insert(0, f"file is not UTF-8; decoded as {text.encoding}")
    n = text.n_rows
    record_numbers = (
        text.record_numbers
        if text.record_numbers is not None
        else np.arange(1, n + 1, dtype=np.int64)
    )
    extra = [c for c in arrays if c not in _KNOWN_COLUMNS]
    missing = [c for c in acled.CURRENT_COLUMNS if c not in arrays]
    if extra:
        warnings.append(f"extra columns kept as text: {_describe(extra)}")
    if missing:
        warnings.append(
            "optional ACLED columns missing, filled with empty values: "
            f"{_describe(missing)}"
        )

    rejects = _Rejects(n)
    if text.invalid_utf8 is not None and text.invalid_utf8.runs:
        _check_invalid_utf8(arrays, rejects, text.invalid_utf8, warnings)

    _release_arrow_memory()  # what parsing freed, before numpy allocates
    progress.set(0.55, "Checking event ids")
    progress.check()
    ids = _check_ids(arrays[acled.EVENT_ID], rejects, record_numbers)
    _release_arrow_memory()

    progress.set(0.6, "Parsing dates")
    progress.check()
    dates = _check_dates(arrays[acled.EVENT_DATE], rejects)

    progress.set(0.7, "Validating")
    progress.check()
    categorical = _categoricals(arrays, warnings)
    _check_event_type(categorical[acled.EVENT_TYPE], rejects)
    coords = _check_coordinates(arrays, rejects, warnings, text.delimiter != ",")
    integers, empty_precision = _check_integers(arrays, rejects, n)

    progress.set(0.8, "Building table")
    progress.check()
    reject_frame = _with_ragged(rejects.frame(record_numbers, ids), text)
    # the text of columns now parsed is no longer needed: free it before the
    # table is built (at 10M rows that is most of the file)
    parsed = {acled.EVENT_ID, acled.EVENT_DATE, *categorical, *coords, *integers}
    for name in parsed - {acled.YEAR}:
        arrays.pop(name, None)
    keep = np.flatnonzero(~rejects.bad)
    order = keep[np.argsort(dates[keep], kind="stable")]
    del keep
    in_order = len(order) == n and bool(np.all(order[1:] > order[:-1]))
    take = pa.array(order)

    def taken(array: pa.ChunkedArray) -> pa.ChunkedArray:
        return array if in_order else _take_releasing(array, order)

    kept_dates = dates[order]
    years = kept_dates.astype("datetime64[Y]").astype(np.int64) + 1970
    for name, empty_mask in empty_precision.items():
        if count := int(empty_mask[order].sum()):
            warnings.append(
                f"{name} empty in {count} rows; treated as 3 (least precise)"
            )
    if acled.YEAR in arrays:
        _warn_on_year(arrays.pop(acled.YEAR), order, years, warnings)

    if synthetic is None:
        synthetic = _looks_synthetic(categorical.get(acled.SOURCE))
    columns: dict[str, object] = {}
    for name in acled.CURRENT_COLUMNS + acled.LEGACY_COLUMNS:
        if name == acled.EVENT_ID:
            columns[name] = _str_series(taken(ids))
            del ids
        elif name == acled.EVENT_DATE:
            columns[name] = kept_dates
        elif name == acled.YEAR:
            columns[name] = years.astype(np.int16)
        elif name in coords:
            columns[name] = coords.pop(name)[order]
        elif name in integers:
            columns[name] = integers.pop(name)[order]
        elif name in categorical:
            codes, labels = categorical.pop(name)
            columns[name] = _categorical(codes[order], labels)
        elif name == acled.NOTES:
            columns[name] = _notes_column(
                text.packed.pop(name, None), arrays.pop(name, None), order, in_order
            )
        elif name == acled.TIMESTAMP and name in arrays:
            columns[name] = _timestamp_column(arrays.pop(name), take, warnings)
        elif name in arrays:
            columns[name] = _str_series(taken(arrays.pop(name)))
        elif name in acled.CATEGORICAL_COLUMNS and name not in acled.LEGACY_COLUMNS:
            columns[name] = _categorical(np.zeros(len(order), np.int64), [""])
        elif name not in acled.LEGACY_COLUMNS:  # notes, timestamp: empty text
            columns[name] = pd.Series([""] * len(order), dtype="str")
    for name in extra:
        columns[name] = _str_series(taken(arrays.pop(name)))
    _release_arrow_memory()
    frame = optimise_dtypes(pd.DataFrame(columns, copy=False))
    del columns
    frame, legacy = map_legacy_types(frame, old_file=text.old_column_names)
    if legacy.mapped:
        warnings.append(legacy.describe())
    _warn_on_event_types(frame, warnings)

    progress.set(0.95, "Finishing")
    progress.check()
    table = EventTable(frame, synthetic=synthetic)
    if text.invalid_utf8 is not None and text.invalid_utf8.runs:
        for name in ("event_id_cnty", "value"):
            reject_frame[name] = reject_frame[name].map(text.invalid_utf8.show)
    report = ImportReport(
        path=path,
        rows_total=n + len(text.ragged),
        rows_read=len(table),
        rejects=reject_frame,
        warnings=warnings,
        encoding=text.encoding,
        legacy_mapped=legacy.mapped,
        legacy_unresolved=legacy.unresolved,
    )
    progress.set(1.0, report.summary())
    return table, report


def _notes_column(
    packed: PackedText | None,
    array: pa.ChunkedArray | None,
    order: np.ndarray,
    in_order: bool,
) -> PackedTextArray:
    """The notes of the kept rows in date order, packed (see ``packed_text``).

    Packed while parsing on the fast path; otherwise (workbooks, the csv
    module's pass, invalid UTF-8) packed here. Put in date order a window at
    a time, so the whole text is never in memory at once.
    """
    if packed is None and array is None:  # no notes column: empty text
        n = len(order)
        empty = pa.StringArray.from_buffers(
            n, pa.py_buffer(np.zeros(n + 1, np.int32)), pa.py_buffer(b"")
        )
        return PackedTextArray(PackedText.from_arrow(empty))
    if packed is None:
        packed = PackedText.from_arrow(array)
    if in_order:
        return PackedTextArray(packed)
    return PackedTextArray(packed, order).compacted()


def _malloc_trim() -> Any:
    """The C library's ``malloc_trim`` (glibc), or None elsewhere."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


_MALLOC_TRIM = _malloc_trim()


def _release_arrow_memory() -> None:
    """Hand memory Arrow's allocator keeps after frees back to the system.

    Arrow (mimalloc or jemalloc) and numpy (the C allocator) do not share free
    memory: without this, text freed by Arrow stays resident while numpy
    allocates anew, and at 10M rows the peak grows by a GB or more. The C
    allocator's own free pages (the parse's many small numpy arrays) are
    trimmed too, where it is glibc's: measured at 3M rows, what parsing left
    resident fell from 519 to 362 MB (321 MB of it the columns).
    """
    pa.default_memory_pool().release_unused()
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)
