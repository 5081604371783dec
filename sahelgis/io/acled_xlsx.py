"""Reading the ACLED table of an .xlsx workbook as text, within limits.

Part of the ACLED reader (:func:`sahelgis.io.acled.read_acled`). A workbook is
checked before it is opened (no part may unpack to absurd sizes, no more than
1,000 sheets), then the sheet holding the ACLED header (the first one with
it, below any title rows; else the first sheet) is streamed with its declared
dimension ignored, up to :data:`XLSX_MAX_ROWS` rows and
:data:`XLSX_MAX_COLUMNS` columns, into the same text columns a CSV gives.
"""

from __future__ import annotations

import zipfile
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from sahelgis.errors import InputError
from sahelgis.io.acled_read import _FALLBACK_BATCH, _TextColumns, _unique_key
from sahelgis.io.acled_sniff import (
    _check_columns,
    _clip,
    _normalise_name,
)
from sahelgis.model import acled_schema as acled

if TYPE_CHECKING:
    from pathlib import Path

    from sahelgis.progress import Progress

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
    """Non-empty sheet rows gathered into per-column Arrow chunks.

    A batch at a time: 1M rows × 31 cells as Python strings would take
    gigabytes.
    """

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


#: Rows of each sheet searched for the ACLED header (titles may sit above it).
_HEADER_SEARCH_ROWS = 50


def _find_header(sheet: Any) -> tuple[int, bool] | None:
    """Find the row holding the required ACLED columns in a sheet's first rows.

    Returns its 1-based number and whether rows above it hold anything (a
    title), or None when no such row is found.
    """
    above = False
    rows = sheet.iter_rows(
        max_row=_HEADER_SEARCH_ROWS, max_col=XLSX_MAX_COLUMNS, values_only=True
    )
    for number, values in enumerate(rows, 1):
        names = {_normalise_name(_xlsx_text(v)) for v in values if v is not None}
        if all(c in names for c in acled.REQUIRED_COLUMNS):
            return number, above
        above |= any(n for n in names)
    return None


def _read_xlsx(path: Path, progress: Progress) -> _TextColumns:
    """Read a workbook's ACLED table as text (dates come as ISO text).

    The table is the first sheet whose first :data:`_HEADER_SEARCH_ROWS` rows
    hold a row with the required ACLED columns, from that row on (title rows
    above it skipped); with no such sheet, the first sheet (which then fails
    the column check with the columns it has).

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
    notes: list[str] = []
    try:
        book = openpyxl.load_workbook(
            path, read_only=True, data_only=True, keep_links=False
        )
        try:
            if not book.worksheets:
                raise InputError(path, "the workbook has no worksheet")
            sheet, header_row, above = book.worksheets[0], 0, False
            for position, candidate in enumerate(book.worksheets):
                candidate.reset_dimensions()  # the declared <dimension> may lie
                found = _find_header(candidate)
                if found is not None:
                    sheet, (header_row, above) = candidate, found
                    if position:
                        notes.append(f"ACLED table read from sheet '{sheet.title}'")
                    if above:
                        notes.append(
                            f"rows above the header (row {header_row}) skipped"
                        )
                    break
                progress.check()
            gap: object = None  # openpyxl yields one shared tuple for missing rows
            for number, values in enumerate(
                sheet.iter_rows(max_col=XLSX_MAX_COLUMNS + 1, values_only=True), 1
            ):
                if number < header_row:
                    continue  # a title above the table
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
    text.notes.extend(notes)
    if cut_columns:
        text.notes.append(
            f"cells right of column {XLSX_MAX_COLUMNS} ignored (ACLED has "
            f"{len(acled.CURRENT_COLUMNS)} columns)"
        )
    return text
