"""Read ACLED exports (CSV or .xlsx) into an :class:`EventTable` plus a per-row report.

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
with each bad byte as ``\\xNN`` and the reason ``"invalid UTF-8 byte"``.
Only a file that is not mostly UTF-8 is decoded as a single-byte encoding,
chosen by charset-normalizer among :data:`LEGACY_ENCODINGS` (cp1252, Latin-1).

Workbooks
---------
The first sheet of an .xlsx is streamed with its declared dimension ignored, up
to :data:`XLSX_MAX_ROWS` rows and :data:`XLSX_MAX_COLUMNS` columns; a part that
would unpack to absurd sizes, or more than 1,000 sheets, is refused.

Columns
-------
Column names are stripped and lowercased, so order and case do not matter. The
31 current ACLED columns always exist in the result: optional ones missing from
the file are created with empty values (``""`` text/category, ``fatalities`` 0,
``time_precision``/``geo_precision`` 3, ``year`` from ``event_date``, ``timestamp``
empty text) and named in a warning. Legacy columns (``event_id_no_cnty``,
``data_id``, ``iso3``) are kept when present, never created. Extra columns are kept
as text and named in a warning. Empty text stays ``""`` (no NA conversion).

Speed
-----
CSV is parsed by ``pyarrow.csv`` with every column as text (repeated text straight
into dictionary arrays), dates are parsed once per *unique* string and mapped back
by code, and every check is a vectorised mask; there is no Python loop over rows.
1M rows take about 2-3 s and end up near 190 MB (the notes dominate). Only when
some records have the wrong number of fields does the ``csv`` module walk the file
once to locate them (about 3 s more per 1M rows).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import itertools
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, TextIO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from sahelgis.errors import InputError
from sahelgis.io.csv_safe import write_csv
from sahelgis.model import acled_schema as acled
from sahelgis.model.events import DATE_DTYPE, EventTable, optimise_dtypes
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

#: Columns of :attr:`ImportReport.rejects`, one row per problem found.
REJECT_COLUMNS: tuple[str, ...] = ("row", "event_id_cnty", "field", "value", "reason")

_HEAD_BYTES = 1 << 16
_CHUNK_BYTES = 1 << 24
_FALLBACK_BATCH = 50_000
_MAX_INT32 = 2**31 - 1
_DICT_TYPE = pa.dictionary(pa.int32(), pa.string())
_NUMBER_RE = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
_INT_RE = re.compile(r"\+?(\d+)(?:\.0*)?")
_EXCEL_SUFFIXES = frozenset({".xlsx", ".xlsm"})
_KNOWN_COLUMNS: tuple[str, ...] = acled.CURRENT_COLUMNS + acled.LEGACY_COLUMNS
_PRECISION_COLUMNS: tuple[str, ...] = (acled.TIME_PRECISION, acled.GEO_PRECISION)
#: Repeated text read straight into dictionary arrays: categoricals, dates, ints.
_DICT_COLUMNS = frozenset(acled.CATEGORICAL_COLUMNS) | {
    acled.EVENT_DATE,
    acled.YEAR,
    acled.TIME_PRECISION,
    acled.GEO_PRECISION,
    acled.FATALITIES,
}
_UNICODE_WIDE = ("utf-16", "utf-16-le", "utf-16-be", "utf-32")

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
    r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d*)?)?)?"
)
_DMY_DATE_RE = re.compile(r"(\d{1,2})([-/.])(\d{1,2})\2(\d{4})")
_TEXT_DATE_RE = re.compile(r"(\d{1,2})[\s-]+([A-Za-z]+)\.?,?[\s-]+(\d{4})")
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()

_DATE_OK, _DATE_MISSING, _DATE_UNPARSEABLE, _DATE_IMPOSSIBLE = 0, 1, 2, 3


def _empty_rejects() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "row": pd.Series([], dtype="int64"),
            **{name: pd.Series([], dtype="str") for name in REJECT_COLUMNS[1:]},
        }
    )


@dataclass
class ImportReport:
    """What happened to each row of an imported ACLED file.

    Parameters
    ----------
    path
        The file that was read.
    rows_total
        Data records found in the file (blank lines and blank spreadsheet rows
        are not records).
    rows_read
        Records imported into the event table.
    rejects
        One row per problem, columns :data:`REJECT_COLUMNS`. ``row`` is the
        1-based *data record* number: the first record after the header is row 1.
        It is not the physical line, since ACLED ``notes`` contain quoted
        newlines; for .xlsx it is the spreadsheet row minus the header row.
        ``field`` is the column at fault (``"latitude/longitude"`` for 0/0
        coordinates, ``"row"`` for a record with the wrong number of fields);
        ``value`` is the text as found (invalid UTF-8 bytes shown as ``\\xNN``).
        A row with several problems appears several times.
    warnings
        File-level remarks the analyst should see (encoding, extra or missing
        columns, converted inter codes, defaulted precisions, ...).
    encoding
        The text encoding the file was decoded with (``"xlsx"`` for workbooks).
    """

    path: Path
    rows_total: int
    rows_read: int
    rejects: pd.DataFrame = field(default_factory=_empty_rejects)
    warnings: list[str] = field(default_factory=list)
    encoding: str = "utf-8"

    @property
    def rows_rejected(self) -> int:
        """Number of distinct records that were not imported."""
        if self.rejects.empty:
            return 0
        return int(self.rejects["row"].nunique())

    def summary(self) -> str:
        """One line for a status bar or the CLI: ``"read N rows, rejected M"``."""
        return f"read {self.rows_read} rows, rejected {self.rows_rejected}"

    def reasons(self) -> pd.Series:
        """Count rejected records by reason, most frequent first.

        Returns
        -------
        pandas.Series
            Index: reason text; values: number of distinct records rejected for
            it (a record rejected for two reasons counts under both).
        """
        if self.rejects.empty:
            return pd.Series([], dtype="int64", name="rows")
        counts = self.rejects.groupby("reason", sort=True)["row"].nunique()
        return counts.sort_values(ascending=False, kind="stable").rename("rows")

    def save_rejects(self, path: str | Path) -> None:
        """Write the rejects as a UTF-8 CSV, so the analyst can fix the source file.

        Cells that a spreadsheet would run as formulas get a leading ``'``
        (:mod:`sahelgis.io.csv_safe`).

        Parameters
        ----------
        path
            Destination file; overwritten.
        """
        write_csv(self.rejects, Path(path))


# ----------------------------------------------------------------------------
# Reading the file into text columns
# ----------------------------------------------------------------------------


@dataclass
class _TextColumns:
    """The file as text columns (string or dictionary arrays), before checks."""

    arrays: dict[str, pa.ChunkedArray]
    n_rows: int
    encoding: str
    delimiter: str = ","
    record_numbers: np.ndarray | None = None  # None: 1..n_rows
    ragged: list[tuple[int, int, str]] = field(default_factory=list)
    n_fields: int = 0
    invalid_utf8: _InvalidUtf8 | None = None
    notes: list[str] = field(default_factory=list)  # file-level warnings


def _normalise_name(name: str) -> str:
    name = name.replace("\ufeff", "")
    if name.startswith("ï»¿"):  # a UTF-8 BOM read as cp1252
        name = name[3:]
    return name.strip().lower()


def _describe(names: Iterable[str], limit: int = 12, width: int = 40) -> str:
    shown = [_clip(" ".join(n.split()), width) or "(unnamed)" for n in names]
    more = len(shown) - limit
    text = ", ".join(shown[:limit])
    return f"{text}, … (+{more} more)" if more > 0 else text


def _clip(text: str, width: int) -> str:
    """A name cut to ``width`` characters (a 3 KB "header" is not a column name)."""
    return text if len(text) <= width else text[: width - 1] + "…"


def _check_columns(path: Path, names: Sequence[str]) -> None:
    """Raise when the header lacks required ACLED columns, naming what it has."""
    present = set(names)
    missing = [c for c in acled.REQUIRED_COLUMNS if c not in present]
    if not missing:
        return
    found = _describe([n for n in names if n]) or "none"
    if len(missing) == len(acled.REQUIRED_COLUMNS):
        raise InputError(
            path,
            "not an ACLED export: none of the required columns "
            f"({', '.join(acled.REQUIRED_COLUMNS)}) found; columns found: {found}",
        )
    raise InputError(
        path,
        f"missing required ACLED columns: {', '.join(missing)}; columns found: {found}",
    )


def _detect_wide_or_binary(path: Path, head: bytes) -> str | None:
    """Return a BOM/NUL-based encoding, or None; raise on binary content."""
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if b"\x00" in head:
        # UTF-16 without a BOM: every other byte of ASCII text is NUL.
        even, odd = head[0::2], head[1::2]
        if len(head) >= 4:
            if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
                return "utf-16-le"
            if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
                return "utf-16-be"
    # A stray control byte inside a note is survivable; a header line full of
    # them, or many NULs, means this is not a text file at all.
    first_line = head.split(b"\n", 1)[0][:4096]
    controls = sum(first_line.count(c) for c in range(32) if c not in (9, 13))
    if controls > 0.05 * len(first_line) or head.count(0) > 0.01 * len(head):
        raise InputError(path, "not a CSV or Excel file (binary content)")
    return None


def _is_utf8_prefix(head: bytes, final: bool) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head, final=final)
    except UnicodeDecodeError:
        return False
    return True


def _transcode(path: Path, encoding: str) -> bytes:
    """Decode the whole file with ``encoding`` and return it as UTF-8 bytes.

    Works in chunks so a large file is never held twice as Python text.
    """
    decoder = codecs.getincrementaldecoder(encoding)()
    out = io.BytesIO()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK_BYTES):
            out.write(decoder.decode(chunk).encode("utf-8"))
        out.write(decoder.decode(b"", final=True).encode("utf-8"))
    return out.getvalue()


def _choose_delimiter(header_text: str) -> tuple[str, list[str]]:
    """Pick the delimiter whose header split yields the most ACLED columns."""
    best: tuple[tuple[int, int, int], str, list[str]] | None = None
    for delimiter in (",", ";", "\t"):
        reader = csv.reader(io.StringIO(header_text, newline=""), delimiter=delimiter)
        try:
            fields = next(reader)
        except (StopIteration, csv.Error):
            continue
        names = [_normalise_name(f) for f in fields]
        score = (
            sum(n in acled.REQUIRED_COLUMNS for n in names),
            sum(n in _KNOWN_COLUMNS for n in names),
            len(fields),
        )
        if best is None or score > best[0]:
            best = (score, delimiter, fields)
    if best is None:
        return ",", []
    return best[1], best[2]


def _arrow_read(
    source: str | bytes,
    delimiter: str,
    raw_names: Sequence[str],
    *,
    skip_invalid: bool = False,
) -> pa.Table:
    """Parse CSV bytes (UTF-8) or a UTF-8 file with every column as text."""
    types = {
        name: _DICT_TYPE if _normalise_name(name) in _DICT_COLUMNS else pa.string()
        for name in raw_names
    }
    stream: str | pa.BufferReader = (
        source if isinstance(source, str) else pa.BufferReader(source)
    )
    return pcsv.read_csv(
        stream,
        read_options=pcsv.ReadOptions(block_size=1 << 22),
        parse_options=pcsv.ParseOptions(
            delimiter=delimiter,
            newlines_in_values=True,
            invalid_row_handler=_skip_row if skip_invalid else None,
        ),
        convert_options=pcsv.ConvertOptions(
            column_types=types,
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )


def _skip_row(row: object) -> str:
    """pyarrow ``invalid_row_handler``: drop it (the csv-module scan reports it)."""
    return "skip"


def _text_from_table(table: pa.Table, encoding: str, delimiter: str) -> _TextColumns:
    arrays: dict[str, pa.ChunkedArray] = {}
    for i, (name, column) in enumerate(
        zip(table.column_names, table.columns, strict=True)
    ):
        if not (pa.types.is_string(column.type) or pa.types.is_dictionary(column.type)):
            column = pc.cast(column, pa.string())
        arrays[_unique_key(arrays, name, i)] = column
    return _TextColumns(
        arrays=arrays,
        n_rows=table.num_rows,
        encoding=encoding,
        delimiter=delimiter,
        n_fields=table.num_columns,
    )


def _unique_key(arrays: dict[str, pa.ChunkedArray], name: str, position: int) -> str:
    """Keep repeated raw header names apart until :func:`_normalise_columns`."""
    return f"{name}\x00{position}" if name in arrays else name


class _NotThisEncoding(Exception):
    """The bytes do not decode with the encoding being tried."""


@dataclass
class _CsvPass:
    """What one pass of the ``csv`` module found."""

    header: list[str]
    n_records: int
    ragged: list[tuple[int, int, str]]
    chunks: list[list[pa.Array]]


def _csv_module_pass(
    stream: TextIO,
    delimiter: str,
    path: Path,
    progress: Progress,
    *,
    keep_rows: bool,
) -> _CsvPass:
    """Walk the records with the ``csv`` module, noting those of the wrong width.

    Slow (pure C parsing, but Python objects per field), so it only runs when
    pyarrow found rows of the wrong width: with ``keep_rows=False`` it just
    locates them, so their record numbers and ids can be reported.
    """
    reader = csv.reader(stream, delimiter=delimiter)
    # ACLED notes can exceed the csv module's default 128 KiB field limit.
    limit = csv.field_size_limit()
    csv.field_size_limit(2**31 - 1)
    try:
        header = [h.replace("\ufeff", "") for h in next(reader)]
        width = len(header)
        id_position = next(
            (i for i, h in enumerate(header) if _normalise_name(h) == acled.EVENT_ID),
            0,
        )
        chunks: list[list[pa.Array]] = [[] for _ in range(width)]
        ragged: list[tuple[int, int, str]] = []
        batch: list[list[str]] = []
        n_records = 0
        for fields in reader:
            if not fields or (len(fields) == 1 and not fields[0].strip()):
                continue  # a blank line is not a record (as in pyarrow)
            n_records += 1
            if len(fields) != width:
                record_id = fields[id_position] if id_position < len(fields) else ""
                ragged.append((n_records, len(fields), record_id.strip()))
            elif keep_rows:
                batch.append(fields)
            if n_records % _FALLBACK_BATCH == 0:
                _flush(batch, chunks)
                progress.check()
        _flush(batch, chunks)
    except StopIteration as exc:
        raise InputError(path, "the file is empty") from exc
    except csv.Error as exc:
        raise InputError(path, f"malformed CSV: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise _NotThisEncoding from exc
    finally:
        csv.field_size_limit(limit)
    return _CsvPass(header, n_records, ragged, chunks)


def _flush(batch: list[list[str]], chunks: list[list[pa.Array]]) -> None:
    """Move a batch of rows into per-column Arrow chunks."""
    if batch:
        for i, values in enumerate(zip(*batch, strict=True)):
            chunks[i].append(pa.array(values, type=pa.string()))
        batch.clear()


def _open_text(path: Path, data: bytes | None, encoding: str) -> TextIO:
    """A text stream over the file (or its UTF-8 transcoding), newlines untouched."""
    raw: BinaryIO = path.open("rb") if data is None else io.BytesIO(data)
    return io.TextIOWrapper(
        raw, encoding=encoding if data is None else "utf-8", newline=""
    )


def _read_ragged_csv(
    path: Path,
    data: bytes | None,
    encoding: str,
    delimiter: str,
    raw_names: Sequence[str],
    progress: Progress,
) -> _TextColumns:
    """Read a file in which some records have the wrong number of fields.

    Those records are located with the ``csv`` module (record numbers, ids),
    pyarrow reads the rest skipping them. Should the two parsers disagree on the
    record count, the ``csv`` module reads everything itself.
    """
    progress.set(0.3, "Locating malformed rows")
    with _open_text(path, data, encoding) as stream:
        scan = _csv_module_pass(stream, delimiter, path, progress, keep_rows=False)
    progress.check()
    source: str | bytes = str(path) if data is None else data
    table: pa.Table | None = None
    try:
        table = _arrow_read(source, delimiter, raw_names, skip_invalid=True)
    except pa.ArrowInvalid:
        table = None
    if table is not None and table.num_rows + len(scan.ragged) == scan.n_records:
        text = _text_from_table(table, encoding, delimiter)
    else:
        progress.set(0.4, "Parsing CSV (slow path)")
        with _open_text(path, data, encoding) as stream:
            scan = _csv_module_pass(stream, delimiter, path, progress, keep_rows=True)
        arrays: dict[str, pa.ChunkedArray] = {}
        for i, (name, parts) in enumerate(zip(scan.header, scan.chunks, strict=True)):
            arrays[_unique_key(arrays, name, i)] = pa.chunked_array(parts, pa.string())
        text = _TextColumns(
            arrays=arrays,
            n_rows=scan.n_records - len(scan.ragged),
            encoding=encoding,
            delimiter=delimiter,
        )
    good = np.ones(scan.n_records, dtype=bool)
    good[[r[0] - 1 for r in scan.ragged]] = False
    text.record_numbers = np.flatnonzero(good).astype(np.int64) + 1
    text.ragged = scan.ragged
    text.n_fields = len(scan.header)
    return text


def _parse_text(
    path: Path,
    head: bytes,
    data: bytes | None,
    encoding: str,
    progress: Progress,
    invalid: _InvalidUtf8 | None = None,
) -> _TextColumns:
    """Parse UTF-8 CSV bytes (``data``), or the UTF-8 file itself when ``data`` is
    None, into text columns; raise :class:`_NotThisEncoding` on invalid UTF-8.

    ``invalid`` names the marked invalid bytes of ``data``: in the header they
    are shown as ``\\xNN`` in the column names (and messages)."""
    progress.set(0.05, f"Decoding ({encoding})")
    progress.check()
    if data is None:
        header_text = head.decode(encoding, errors="ignore")
    else:
        header_text = data[:_HEAD_BYTES].decode("utf-8", errors="ignore")
    if not header_text.strip():
        raise InputError(path, "the file is empty")
    delimiter, raw_names = _choose_delimiter(header_text.lstrip("\ufeff"))
    shown = (lambda n: invalid.show(n, width=1 << 20)) if invalid else str
    _check_columns(path, [_normalise_name(shown(n)) for n in raw_names])

    progress.set(0.1, "Parsing CSV")
    progress.check()
    try:
        table = _arrow_read(str(path) if data is None else data, delimiter, raw_names)
    except pa.ArrowInvalid as exc:
        message = str(exc)
        if "UTF8" in message or "UTF-8" in message:
            raise _NotThisEncoding from exc
        if "CSV parse error" not in message:
            raise InputError(
                path, f"cannot be read as CSV: {message.splitlines()[0]}"
            ) from exc
        return _read_ragged_csv(path, data, encoding, delimiter, raw_names, progress)
    except (pa.ArrowException, OSError) as exc:
        raise InputError(
            path, f"cannot be read as CSV: {str(exc).splitlines()[0]}"
        ) from exc
    return _text_from_table(table, encoding, delimiter)


def _read_csv(path: Path, head: bytes, progress: Progress) -> _TextColumns:
    """Decode and parse a delimited text file into text columns.

    UTF-16/32 (BOM or NUL pattern) is decoded as such. Anything else is read as
    UTF-8 when it is valid UTF-8, or *mostly* UTF-8 (more valid multi-byte
    characters than invalid bytes): the records with invalid bytes are then
    rejected, see :func:`_mark_invalid_utf8`. Otherwise charset-normalizer picks
    the single-byte encoding (:data:`LEGACY_ENCODINGS`).
    """
    wide = _detect_wide_or_binary(path, head)
    if wide in _UNICODE_WIDE:
        try:
            data = _transcode(path, wide)
        except UnicodeDecodeError as exc:
            raise InputError(
                path, f"cannot be decoded as {wide.upper()} ({exc.reason})"
            ) from exc
        try:
            return _parse_text(path, head, data, wide, progress)
        except _NotThisEncoding as exc:  # cannot happen: data is our own UTF-8
            raise InputError(path, f"cannot be decoded as {wide.upper()}") from exc
    utf8 = "utf-8-sig" if wide == "utf-8-sig" else "utf-8"
    if _is_utf8_prefix(head, final=len(head) < _HEAD_BYTES):
        try:
            return _parse_text(path, head, None, utf8, progress)  # the fast path
        except _NotThisEncoding:
            pass
    progress.set(0.05, "Checking the text encoding")
    progress.check()
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(path, f"cannot be read ({exc.strerror or exc})") from exc
    marked = _mark_invalid_utf8(raw)
    if marked is not None:
        del raw  # the marked copy is all that is needed now
        data, bad = marked
        text = _parse_text(path, head, data, utf8, progress, bad)
        text.invalid_utf8 = bad
        names = [k for k in text.arrays if bad.mark_open in k]
        if names:
            text.arrays = {
                (bad.show(k, width=1 << 20) if k in names else k): v
                for k, v in text.arrays.items()
            }
            text.notes.append(
                "the header has bytes that are not UTF-8, shown as \\xNN in the "
                f"column names: {_describe([bad.show(n) for n in names])}"
            )
        return text
    tried: list[str] = []
    for encoding in _legacy_candidates(raw):
        tried.append(encoding)
        try:
            data = raw.decode(encoding).encode("utf-8")
        except UnicodeDecodeError:
            continue
        del raw
        return _parse_text(path, head, data, encoding, progress)
    raise InputError(path, f"cannot be decoded as text (tried {', '.join(tried)})")


#: Single-byte encodings charset-normalizer chooses from for a file that is not
#: (mostly) UTF-8: what spreadsheets on Western-locale Windows save ACLED exports
#: as. Wider lists let it guess cp1250 or Mac Roman for French text ("prčs").
LEGACY_ENCODINGS: tuple[str, ...] = ("cp1252", "latin-1")
_LEGACY_SAMPLE_BYTES = 1 << 18
_NON_ASCII_LINES = re.compile(rb"[^\n]*[\x80-\xff][^\n]*\n?")


def _legacy_candidates(raw: bytes) -> list[str]:
    """Encodings to try, charset-normalizer's choice first.

    It judges the lines that hold non-ASCII bytes (up to 256 KiB of them), so a
    long ASCII start does not hide the accents further down.
    """
    import charset_normalizer

    sample = bytearray()
    for match in _NON_ASCII_LINES.finditer(raw):
        sample += match.group()
        if len(sample) >= _LEGACY_SAMPLE_BYTES:
            break
    isolation = [codecs.lookup(e).name for e in LEGACY_ENCODINGS]
    best = charset_normalizer.from_bytes(bytes(sample), cp_isolation=isolation).best()
    order = list(LEGACY_ENCODINGS)
    if best is not None:
        chosen = codecs.lookup(best.encoding).name
        order.sort(key=lambda e: codecs.lookup(e).name != chosen)
    return order


# Invalid UTF-8 bytes are replaced by ``_MARK_OPEN + index + _MARK_CLOSE`` (two
# private-use characters absent from the file), so every cell that held them
# says which bytes it held, whatever the parser drops or reorders.
_MARK_CANDIDATES = tuple(chr(c) for c in range(0xE000, 0xE100))
_BAD_RUN = re.compile("[\udc80-\udcff]+")
_DECODE_CHUNK = 1 << 24
_UTF8_LEADS = bytes(range(0xC2, 0xF5))  # first bytes of multi-byte characters


@dataclass
class _InvalidUtf8:
    """The invalid byte runs of a mostly-UTF-8 file and the marks naming them."""

    runs: list[bytes]
    mark_open: str
    mark_close: str

    def pattern(self) -> re.Pattern[str]:
        return re.compile(f"{self.mark_open}(\\d+){self.mark_close}")

    def show(self, text: str, width: int = 120) -> str:
        """``text`` with each mark as its bytes in ``\\xNN`` form, clipped to
        ``width`` characters around the first one."""
        first = text.find(self.mark_open)
        shown = self.pattern().sub(
            lambda m: "".join(f"\\x{b:02x}" for b in self.runs[int(m[1])]), text
        )
        if len(shown) <= width:
            return shown
        start = max(0, first - width // 3)
        clipped = shown[start : start + width]
        return ("…" if start else "") + clipped + "…"


def _mark_invalid_utf8(raw: bytes) -> tuple[bytes, _InvalidUtf8] | None:
    """UTF-8 bytes with each invalid byte run replaced by a numbered mark.

    Returns None when the file is not *mostly* UTF-8: it has no more valid
    multi-byte UTF-8 characters than invalid bytes (a cp1252 file with a stray
    UTF-8 "é" is cp1252; a UTF-8 file with a stray cp1252 byte is UTF-8).
    """
    absent = (c for c in _MARK_CANDIDATES if c.encode("utf-8") not in raw)
    marks = list(itertools.islice(absent, 2))  # usually the first two
    if len(marks) < 2:
        return None
    runs: list[bytes] = []

    def mark(match: re.Match[str]) -> str:
        runs.append(bytes(ord(c) - 0xDC00 for c in match.group()))
        return f"{marks[0]}{len(runs) - 1}{marks[1]}"

    out = io.BytesIO()
    pos = 0
    while pos < len(raw):
        end = min(pos + _DECODE_CHUNK, len(raw))
        if end < len(raw):  # cut after a newline: never inside a character
            newline = raw.find(b"\n", end)
            end = len(raw) if newline < 0 else newline + 1
        chunk = raw[pos:end]
        try:
            chunk.decode("utf-8")
            out.write(chunk)  # the usual case: nothing to mark here
        except UnicodeDecodeError:
            text = chunk.decode("utf-8", errors="surrogateescape")
            out.write(_BAD_RUN.sub(mark, text).encode("utf-8"))
        pos = end
    if not runs:  # valid after all: read it as UTF-8
        return out.getvalue(), _InvalidUtf8([], marks[0], marks[1])
    bad_bytes = sum(len(r) for r in runs)
    leads = len(raw) - len(raw.translate(None, _UTF8_LEADS))  # one C pass
    bad_leads = sum(1 for r in runs for b in r if 0xC2 <= b <= 0xF4)
    if leads - bad_leads <= bad_bytes:
        return None
    return out.getvalue(), _InvalidUtf8(runs, marks[0], marks[1])


#: The part of a workbook's first sheet that is read: Excel's own row limit and
#: far more columns than ACLED's 31. Cells right of the last column are ignored
#: (with a warning); a sheet with more rows is refused. The sheet's declared
#: ``<dimension>`` is not trusted: one cell at XFD1048576 must not make us build
#: a 16,384 × 1,048,576 grid.
XLSX_MAX_ROWS = 1_048_576
XLSX_MAX_COLUMNS = 200
#: Largest uncompressed part of a workbook (2 GiB), and the largest
#: uncompressed/compressed ratio accepted for a part over 64 MiB: real sheets and
#: shared strings compress 5-20×, a decompression bomb 1,000×.
XLSX_MAX_PART_BYTES = 2 << 30
XLSX_MAX_RATIO = 100
_XLSX_RATIO_FROM_BYTES = 64 << 20
_XLSX_MAX_SHEETS = 1_000


def _check_xlsx_parts(path: Path) -> None:
    """Refuse a workbook whose parts would decompress to absurd sizes."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            names = {i.filename for i in infos}
            sheets = sum(
                n.startswith("xl/worksheets/") and n.endswith(".xml") for n in names
            )
            workbook = next((i for i in infos if i.filename == "xl/workbook.xml"), None)
            declared = 0
            if workbook is not None and workbook.file_size <= 64 << 20:
                declared = archive.read(workbook).count(b"<sheet ")
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(path, f"not a readable .xlsx workbook ({reason})") from exc
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        too_big = info.file_size > XLSX_MAX_PART_BYTES
        if too_big or (
            info.file_size > _XLSX_RATIO_FROM_BYTES and ratio > XLSX_MAX_RATIO
        ):
            raise InputError(
                path,
                f"refused: part {_clip(info.filename, 40)} would unpack to "
                f"{info.file_size / 2**20:,.0f} MiB from "
                f"{info.compress_size / 2**20:,.1f} MiB (a decompression bomb?)",
            )
    if max(sheets, declared) > _XLSX_MAX_SHEETS:
        raise InputError(
            path,
            f"refused: {max(sheets, declared):,} sheets (at most "
            f"{_XLSX_MAX_SHEETS:,}); ACLED exports have one",
        )


def _xlsx_text(value: object) -> str:
    """A cell value as pandas' ``read_excel(dtype=str)`` gave it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, str):
        return "" if value in _XLSX_ERRORS else value
    return str(value)


_XLSX_ERRORS = frozenset(
    ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A")
)


class _SheetColumns:
    """Non-empty sheet rows gathered into per-column Arrow chunks, a batch at a
    time (1M rows × 31 cells as Python strings would take gigabytes)."""

    def __init__(self) -> None:
        self.header: list[str] | None = None
        self.header_row = 0
        self.record_numbers: list[int] = []
        self.chunks: list[list[pa.Array]] = []
        self.n_rows = 0
        self.batch: list[list[str]] = []

    def add(self, sheet_row: int, texts: list[str]) -> None:
        """One non-empty row (the first one is the header)."""
        if self.header is None:
            self.header, self.header_row = texts, sheet_row
            return
        self.record_numbers.append(sheet_row - self.header_row)
        self.batch.append(texts)
        if len(self.batch) >= _FALLBACK_BATCH:
            self.flush()

    def flush(self) -> None:
        """Move the batch into the column chunks (new columns padded with "")."""
        if not self.batch:
            return
        width = max(len(self.chunks), *(len(t) for t in self.batch))
        while len(self.chunks) < width:
            padding = pa.array([""] * self.n_rows, type=pa.string())
            self.chunks.append([padding] if self.n_rows else [])
        for i, parts in enumerate(self.chunks):
            values = [t[i] if i < len(t) else "" for t in self.batch]
            parts.append(pa.array(values, type=pa.string()))
        self.n_rows += len(self.batch)
        self.batch.clear()

    def text(self) -> _TextColumns:
        """The gathered columns, named by the header row."""
        self.flush()
        header = list(self.header or [])
        width = max(len(header), len(self.chunks))
        header += [""] * (width - len(header))
        arrays: dict[str, pa.ChunkedArray] = {}
        for i, name in enumerate(header):
            parts = self.chunks[i] if i < len(self.chunks) else []
            if not parts and self.n_rows:
                parts = [pa.array([""] * self.n_rows, type=pa.string())]
            arrays[_unique_key(arrays, name, i)] = pa.chunked_array(parts, pa.string())
        return _TextColumns(
            arrays=arrays,
            n_rows=self.n_rows,
            encoding="xlsx",
            record_numbers=np.array(self.record_numbers, dtype=np.int64),
            n_fields=width,
        )


def _read_xlsx(path: Path, progress: Progress) -> _TextColumns:
    """Read the first sheet of a workbook as text (dates come as ISO text).

    Rows are streamed (openpyxl read-only mode, declared dimension reset) up to
    :data:`XLSX_MAX_ROWS` rows and :data:`XLSX_MAX_COLUMNS` columns.
    """
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    progress.set(0.1, "Reading workbook")
    progress.check()
    _check_xlsx_parts(path)
    sheet_columns = _SheetColumns()
    cut_columns = False
    try:
        book = openpyxl.load_workbook(
            path, read_only=True, data_only=True, keep_links=False
        )
        try:
            if not book.worksheets:
                raise InputError(path, "the workbook has no worksheet")
            sheet = book.worksheets[0]
            sheet.reset_dimensions()  # the declared <dimension> may lie
            gap: object = None  # openpyxl yields one shared tuple for missing rows
            for number, values in enumerate(
                sheet.iter_rows(max_col=XLSX_MAX_COLUMNS + 1, values_only=True), 1
            ):
                if number > XLSX_MAX_ROWS:
                    raise InputError(
                        path,
                        f"the first sheet has more than {XLSX_MAX_ROWS:,} rows",
                    )
                if values is gap:
                    continue
                if not any(v is not None and v != "" for v in values):
                    gap = values
                    continue
                if len(values) > XLSX_MAX_COLUMNS:
                    cut_columns |= values[XLSX_MAX_COLUMNS] is not None
                    values = values[:XLSX_MAX_COLUMNS]
                texts = [_xlsx_text(v) for v in values]
                while texts and texts[-1] == "":
                    texts.pop()
                if not texts:
                    continue
                if sheet_columns.header is None:  # refuse a non-ACLED sheet early
                    _check_columns(path, [_normalise_name(n) for n in texts])
                sheet_columns.add(number, texts)
                if number % _FALLBACK_BATCH == 0:
                    progress.check()
        finally:
            book.close()
    except InputError:
        raise
    except (
        zipfile.BadZipFile,
        InvalidFileException,
        KeyError,
        ValueError,
        TypeError,
        OSError,
        SyntaxError,  # xml.etree ParseError
        EOFError,
    ) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(path, f"not a readable .xlsx workbook ({reason})") from exc
    if sheet_columns.header is None:
        raise InputError(path, "the workbook's first sheet is empty")
    text = sheet_columns.text()
    if cut_columns:
        text.notes.append(
            f"cells right of column {XLSX_MAX_COLUMNS} ignored (ACLED has "
            f"{len(acled.CURRENT_COLUMNS)} columns)"
        )
    return text


def _refuse_plain_zip(path: Path) -> None:
    """A ZIP that is not an Office file: say so (ACLED downloads come zipped)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return  # _read_xlsx reports the damaged archive
    if names and "[Content_Types].xml" not in names:
        inside = _describe(names, limit=3)
        raise InputError(
            path,
            f"a ZIP archive ({inside}), not a CSV or .xlsx file: unzip it and "
            "import the file inside",
        )


def _load_text(path: Path, progress: Progress) -> _TextColumns:
    if not path.exists():
        raise InputError(path, "file not found")
    if not path.is_file():
        raise InputError(path, "not a file")
    try:
        with path.open("rb") as handle:
            head = handle.read(_HEAD_BYTES)
    except OSError as exc:
        raise InputError(path, f"cannot be opened ({exc.strerror or exc})") from exc
    if not head.strip():
        raise InputError(path, "the file is empty")
    if head.startswith(b"\xd0\xcf\x11\xe0") or path.suffix.lower() == ".xls":
        raise InputError(
            path, "old Excel .xls workbooks are not supported; save as .xlsx or CSV"
        )
    if head.startswith(b"PK\x03\x04"):
        _refuse_plain_zip(path)
        return _read_xlsx(path, progress)
    if path.suffix.lower() in _EXCEL_SUFFIXES:
        raise InputError(path, "named like an Excel workbook but is not one")
    return _read_csv(path, head, progress)


def _normalise_columns(text: _TextColumns) -> list[str]:
    """Rename columns to normalised names; return the file-level warnings."""
    warnings: list[str] = []
    renamed: dict[str, pa.ChunkedArray] = {}
    duplicates: list[str] = []
    for position, (raw, array) in enumerate(text.arrays.items(), start=1):
        name = _normalise_name(raw.split("\x00")[0])
        if not name:
            if _all_empty(array):
                continue  # e.g. a trailing delimiter on every line
            name = f"unnamed_{position}"
        if name in renamed:
            duplicates.append(name)
            k = 2
            while f"{name}_{k}" in renamed:
                k += 1
            name = f"{name}_{k}"
        renamed[name] = array
    text.arrays = renamed
    if duplicates:
        warnings.append(
            f"columns appearing more than once (first kept as is, others renamed "
            f"with _2, _3…): {_describe(sorted(set(duplicates)))}"
        )
    return warnings


def _all_empty(array: pa.ChunkedArray) -> bool:
    if len(array) == 0:
        return True
    if pa.types.is_dictionary(array.type):
        array = array.cast(pa.string())
    return bool(pc.all(pc.equal(array, "")).as_py())


# ----------------------------------------------------------------------------
# Column parsing helpers (each works on unique values, mapped back by codes)
# ----------------------------------------------------------------------------


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
    codes = indices.to_numpy(zero_copy_only=False).astype(np.int32, copy=False)
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


class _Rejects:
    """Accumulates reject parts (vectorised) and builds the report table once."""

    def __init__(self, n_rows: int) -> None:
        self.bad = np.zeros(n_rows, dtype=bool)
        self._rows: list[np.ndarray] = []
        self._fields: list[str] = []
        self._values: list[Sequence[str]] = []
        self._reasons: list[str | Sequence[str]] = []

    def add(
        self,
        mask_or_rows: np.ndarray,
        field_name: str,
        values: Sequence[str] | np.ndarray,
        reason: str | Sequence[str],
    ) -> None:
        """Record rows (a boolean mask or positions) failing one check.

        ``values`` and a per-row ``reason`` sequence are aligned with the rows.
        """
        rows = (
            np.flatnonzero(mask_or_rows)
            if mask_or_rows.dtype == bool
            else np.asarray(mask_or_rows, dtype=np.int64)
        )
        if len(rows) == 0:
            return
        self.bad[rows] = True
        self._rows.append(rows)
        self._fields.append(field_name)
        self._values.append(values)
        self._reasons.append(reason)

    def frame(self, record_numbers: np.ndarray, ids: pa.ChunkedArray) -> pd.DataFrame:
        """The rejects sorted by record, then by field in ACLED column order."""
        if not self._rows:
            return _empty_rejects()
        rows = np.concatenate(self._rows)
        fields = np.repeat(
            np.array(self._fields, dtype=object), [len(r) for r in self._rows]
        )
        values = np.concatenate([np.asarray(v, dtype=object) for v in self._values])
        reasons = np.concatenate(
            [
                np.full(len(r), reason, dtype=object)
                if isinstance(reason, str)
                else np.asarray(reason, dtype=object)
                for r, reason in zip(self._rows, self._reasons, strict=True)
            ]
        )
        # By record, then by the field's place in ACLED's column order.
        rank = np.repeat(
            np.array([_field_rank(f) for f in self._fields], dtype=np.int64),
            [len(r) for r in self._rows],
        )
        order = np.lexsort((rank, rows))
        rows = rows[order]
        return pd.DataFrame(
            {
                "row": record_numbers[rows].astype(np.int64),
                "event_id_cnty": pd.array(_take_text(ids, rows), dtype="str"),
                "field": pd.array(fields[order], dtype="str"),
                "value": pd.array(values[order], dtype="str"),
                "reason": pd.array(reasons[order], dtype="str"),
            }
        )


def _field_rank(name: str) -> int:
    """Sort key of a reject's field: whole-row problems first, then column order."""
    if name == "row":
        return -1
    if name == "latitude/longitude":
        return acled.CURRENT_COLUMNS.index(acled.LONGITUDE) * 2 + 1
    if name in acled.CURRENT_COLUMNS:
        return acled.CURRENT_COLUMNS.index(name) * 2
    return 2 * len(acled.CURRENT_COLUMNS)


def _categorical(codes: np.ndarray, labels: Sequence[str]) -> pd.Categorical:
    """Build a categorical with sorted, unique, used categories only."""
    label_array = np.asarray(list(labels), dtype=object)
    if len(label_array) == 0:
        label_array = np.array([""], dtype=object)
    categories, inverse = np.unique(label_array.astype(str), return_inverse=True)
    codes = inverse[codes] if len(codes) else codes.astype(np.int64)
    used = np.bincount(codes, minlength=len(categories)) > 0
    if not used.all():
        remap = np.cumsum(used) - 1
        codes = remap[codes]
        categories = categories[used]
    return pd.Categorical.from_codes(
        codes, categories=pd.Index(categories.astype(object), dtype="str")
    )


def _str_series(array: pa.ChunkedArray) -> pd.Series:
    if pa.types.is_dictionary(array.type):
        array = array.cast(pa.string())
    return pa.table({"v": array}).to_pandas()["v"]


# ----------------------------------------------------------------------------
# The reader
# ----------------------------------------------------------------------------


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
        CSV (comma, semicolon or tab; UTF-8 with or without BOM, UTF-16 with or
        without BOM, cp1252 or Latin-1; a UTF-8 file with a few invalid bytes
        stays UTF-8 and the records holding them are rejected) or .xlsx (first
        sheet).
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

    progress.set(0.55, "Checking event ids")
    progress.check()
    ids = _check_ids(arrays[acled.EVENT_ID], rejects, record_numbers)

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
    keep = np.flatnonzero(~rejects.bad)
    order = keep[np.argsort(dates[keep], kind="stable")]
    take = pa.array(order)
    kept_dates = dates[order]
    years = kept_dates.astype("datetime64[Y]").astype(np.int64) + 1970
    for name, empty_mask in empty_precision.items():
        if count := int(empty_mask[order].sum()):
            warnings.append(
                f"{name} empty in {count} rows; treated as 3 (least precise)"
            )
    if acled.YEAR in arrays:
        _warn_on_year(arrays[acled.YEAR], order, years, warnings)

    columns: dict[str, object] = {}
    for name in acled.CURRENT_COLUMNS + acled.LEGACY_COLUMNS:
        if name == acled.EVENT_ID:
            columns[name] = _str_series(pc.take(ids, take))
        elif name == acled.EVENT_DATE:
            columns[name] = kept_dates
        elif name == acled.YEAR:
            columns[name] = years.astype(np.int16)
        elif name in coords:
            columns[name] = coords[name][order]
        elif name in integers:
            columns[name] = integers[name][order]
        elif name in categorical:
            codes, labels = categorical[name]
            columns[name] = _categorical(codes[order], labels)
        elif name == acled.TIMESTAMP and name in arrays:
            columns[name] = _timestamp_column(arrays[name], take, warnings)
        elif name in arrays:
            columns[name] = _str_series(pc.take(arrays[name], take))
        elif name in acled.CATEGORICAL_COLUMNS and name not in acled.LEGACY_COLUMNS:
            columns[name] = _categorical(np.zeros(len(order), np.int64), [""])
        elif name not in acled.LEGACY_COLUMNS:  # notes, timestamp: empty text
            columns[name] = pd.Series([""] * len(order), dtype="str")
    for name in extra:
        columns[name] = _str_series(pc.take(arrays[name], take))
    frame = optimise_dtypes(pd.DataFrame(columns))
    _warn_on_event_types(frame, warnings)
    if synthetic is None:
        synthetic = _looks_synthetic(categorical.get(acled.SOURCE))

    progress.set(0.95, "Finishing")
    progress.check()
    table = EventTable(frame, synthetic=synthetic)
    reject_frame = _with_ragged(rejects.frame(record_numbers, ids), text)
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
    )
    progress.set(1.0, report.summary())
    return table, report


def _with_ragged(rejects: pd.DataFrame, text: _TextColumns) -> pd.DataFrame:
    """Add the records that had the wrong number of fields (never parsed)."""
    if not text.ragged:
        return rejects
    ragged = pd.DataFrame(
        {
            "row": pd.array([r for r, _, _ in text.ragged], dtype="int64"),
            "event_id_cnty": pd.array([i for _, _, i in text.ragged], dtype="str"),
            "field": pd.array(["row"] * len(text.ragged), dtype="str"),
            "value": pd.array([f"{k} fields" for _, k, _ in text.ragged], dtype="str"),
            "reason": pd.array(
                [
                    f"expected {text.n_fields} fields, found {k}"
                    for _, k, _ in text.ragged
                ],
                dtype="str",
            ),
        }
    )
    if rejects.empty:
        return ragged
    merged = pd.concat([ragged, rejects], ignore_index=True)
    return merged.sort_values("row", kind="stable").reset_index(drop=True)


#: Reject reason of a record with bytes that are not UTF-8 in a UTF-8 file.
INVALID_UTF8 = "invalid UTF-8 byte"


def _check_invalid_utf8(
    arrays: dict[str, pa.ChunkedArray],
    rejects: _Rejects,
    invalid: _InvalidUtf8,
    warnings: list[str],
) -> None:
    """Reject every record holding an invalid byte (marked while decoding).

    Such a record is not imported rather than imported with a replacement
    character: "S?gou" would not match "Ségou" in filters, counts or joins. The
    reject report shows each bad byte as ``\\xNN`` in the field's text.
    """
    for name, array in arrays.items():
        if pa.types.is_dictionary(array.type):
            array = array.cast(pa.string())
        hit = pc.match_substring(array, invalid.mark_open)
        mask = np.asarray(hit.to_numpy(zero_copy_only=False), dtype=bool)
        if mask.any():
            rows = np.flatnonzero(mask)
            rejects.add(rows, name, _take_text(array, rows), INVALID_UTF8)
    count = int(rejects.bad.sum())
    n_bytes = sum(len(r) for r in invalid.runs)
    records = "1 record holds" if count == 1 else f"{count} records hold"
    warnings.append(
        f"{records} bytes that are not UTF-8 ({n_bytes} "
        f"byte{'s' if n_bytes != 1 else ''}): not imported, listed in the reject "
        "report; the rest of the file was read as UTF-8"
    )


def _check_ids(
    column: pa.ChunkedArray, rejects: _Rejects, record_numbers: np.ndarray
) -> pa.ChunkedArray:
    """Reject missing and repeated ids (the first occurrence is kept).

    Ids stay in Arrow: 1M unique strings as Python objects would cost ~60 MB.
    """
    if pa.types.is_dictionary(column.type):
        column = column.cast(pa.string())
    ids = pc.utf8_trim_whitespace(column)
    n = len(ids)
    missing = np.asarray(pc.equal(ids, "").to_numpy(zero_copy_only=False), dtype=bool)
    rejects.add(missing, acled.EVENT_ID, [""] * int(missing.sum()), "missing value")
    if n == 0:
        return ids
    codes = _codes(ids)
    _, first_index = np.unique(codes, return_index=True)
    first_by_code = np.empty(int(codes.max()) + 1, dtype=np.int64)
    first_by_code[codes[first_index]] = first_index
    first_of_row = first_by_code[codes]
    duplicate = (first_of_row != np.arange(n)) & ~missing
    if duplicate.any():
        rows = np.flatnonzero(duplicate)
        first_numbers = record_numbers[first_of_row[rows]]
        rejects.add(
            rows,
            acled.EVENT_ID,
            _take_text(ids, rows),
            [
                f"duplicate event_id_cnty (first seen in row {k})"
                for k in first_numbers.tolist()
            ],
        )
    return ids


def _check_dates(column: pa.ChunkedArray, rejects: _Rejects) -> np.ndarray:
    """Parse each unique date string once; reject missing/unparseable/impossible."""
    codes, values = _codes_and_values(column)
    status_u, dates_u = _parse_dates(values)
    status = status_u[codes]
    text = np.asarray(values, dtype=object)
    for code, reason in (
        (_DATE_MISSING, "missing value"),
        (_DATE_UNPARSEABLE, "unparseable date"),
        (_DATE_IMPOSSIBLE, "impossible date"),
    ):
        mask = status == code
        rejects.add(mask, acled.EVENT_DATE, text[codes[mask]], reason)
    return dates_u[codes]


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


def _check_event_type(
    event_type: tuple[np.ndarray, list[str]], rejects: _Rejects
) -> None:
    codes, labels = event_type
    missing = np.array([v == "" for v in labels], dtype=bool)[codes]
    rejects.add(missing, acled.EVENT_TYPE, [""] * int(missing.sum()), "missing value")


def _check_coordinates(
    arrays: dict[str, pa.ChunkedArray],
    rejects: _Rejects,
    warnings: list[str],
    decimal_comma: bool,
) -> dict[str, np.ndarray]:
    """Parse latitude/longitude; reject missing, non-numeric, out of range, 0/0."""
    coords: dict[str, np.ndarray] = {}
    bad = np.zeros(len(arrays[acled.LATITUDE]), dtype=bool)
    any_commas = False
    for name, limit in ((acled.LATITUDE, 90.0), (acled.LONGITUDE, 180.0)):
        raw = arrays[name]
        values, empty, not_number, had_commas = _parse_float_column(raw, decimal_comma)
        any_commas |= had_commas
        out_of_range = np.isfinite(values) & (np.abs(values) > limit)
        for mask, reason in (
            (empty, "missing value"),
            (not_number, "not a number"),
            (out_of_range, f"{name} out of range [{-limit:g}, {limit:g}]"),
        ):
            rows = np.flatnonzero(mask)
            rejects.add(rows, name, _take_text(raw, rows), reason)
        bad |= empty | not_number | out_of_range
        coords[name] = values
    if any_commas:
        warnings.append("decimal commas in latitude/longitude read as points")
    zero = ~bad & (coords[acled.LATITUDE] == 0.0) & (coords[acled.LONGITUDE] == 0.0)
    rejects.add(
        zero, "latitude/longitude", ["0/0"] * int(zero.sum()), "0/0 coordinates"
    )
    return coords


def _check_integers(
    arrays: dict[str, pa.ChunkedArray], rejects: _Rejects, n: int
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Precisions (1-3, empty -> 3) and fatalities (>= 0, empty -> 0).

    Returns the parsed columns and, per precision column, a mask of empty values.
    """
    integers: dict[str, np.ndarray] = {}
    empty_precision: dict[str, np.ndarray] = {}
    for name in _PRECISION_COLUMNS:
        if name not in arrays:
            integers[name] = np.full(n, 3, dtype=np.int8)
            continue
        codes, values = _codes_and_values(arrays[name])
        parsed = [_parse_int(v) for v in values]
        empty_u = np.array([v.strip() == "" for v in values], dtype=bool)
        valid_u = np.array([p in (1, 2, 3) for p in parsed], dtype=bool) | empty_u
        number_u = np.array([p if p in (1, 2, 3) else 3 for p in parsed], np.int8)
        invalid = ~valid_u[codes]
        rejects.add(
            invalid,
            name,
            np.asarray(values, dtype=object)[codes[invalid]],
            f"{name} must be 1, 2 or 3",
        )
        integers[name] = number_u[codes]
        empty_precision[name] = empty_u[codes]

    if acled.FATALITIES not in arrays:
        integers[acled.FATALITIES] = np.zeros(n, dtype=np.int32)
        return integers, empty_precision
    codes, values = _codes_and_values(arrays[acled.FATALITIES])
    parsed = [0 if v.strip() == "" else _parse_int(v) for v in values]
    good = [p if p is not None and p <= _MAX_INT32 else None for p in parsed]
    valid_u = np.array([p is not None for p in good], dtype=bool)
    number_u = np.array([p or 0 for p in good], dtype=np.int32)
    invalid = ~valid_u[codes]
    rejects.add(
        invalid,
        acled.FATALITIES,
        np.asarray(values, dtype=object)[codes[invalid]],
        "fatalities must be a non-negative integer",
    )
    integers[acled.FATALITIES] = number_u[codes]
    return integers, empty_precision


def _warn_on_year(
    column: pa.ChunkedArray, order: np.ndarray, years: np.ndarray, warnings: list[str]
) -> None:
    """``year`` is always derived from ``event_date``; say when the file disagreed."""
    codes, values = _codes_and_values(column)
    if not values:
        return
    given = np.array(
        [p if (p := _parse_int(v)) is not None else -1 for v in values], np.int64
    )
    if wrong := int((given[codes[order]] != years).sum()):
        warnings.append(
            f"year missing or different from event_date in {wrong} rows; "
            "taken from event_date"
        )


def _warn_on_event_types(frame: pd.DataFrame, warnings: list[str]) -> None:
    """Name event types outside ACLED's taxonomy (kept: analysts may add some)."""
    column = frame[acled.EVENT_TYPE]
    unknown = sorted(set(column.cat.categories) - set(acled.EVENT_TYPES) - {""})
    if unknown:
        count = int(column.isin(unknown).sum())
        warnings.append(
            f"{count} rows have an event_type outside the ACLED list: "
            f"{_describe(unknown, limit=5)}"
        )


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
