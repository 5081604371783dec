"""Reading a delimited ACLED file into text columns, whatever its encoding.

Part of the ACLED reader (:func:`sahelgis.io.acled.read_acled`). It turns a
file into :class:`_TextColumns` (every column as Arrow text or dictionary
arrays, nothing parsed yet): the fast ``pyarrow.csv`` path, the ``csv``-module
pass that locates records of the wrong width, the decoding fallbacks of
:func:`_read_csv`, and the renaming of columns to normalised, unique names
(workbooks are read by :mod:`sahelgis.io.acled_xlsx` into the same columns).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, BinaryIO, TextIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from sahelgis.errors import InputError
from sahelgis.io.acled_sniff import (
    _HEAD_BYTES,
    _UNICODE_WIDE,
    _check_columns,
    _choose_delimiter,
    _describe,
    _detect_wide_or_binary,
    _InvalidUtf8,
    _is_utf8_prefix,
    _legacy_candidates,
    _mark_invalid_utf8,
    _normalise_name,
    _NotThisEncoding,
    _transcode,
)
from sahelgis.model import acled_schema as acled
from sahelgis.model.packed_text import PackedText, PackedTextBuilder

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from pathlib import Path

    from sahelgis.progress import Progress

_FALLBACK_BATCH = 50_000
#: Bytes of CSV read and parsed per piece (about 35,000 ACLED rows).
_BLOCK_BYTES = 16 << 20
#: pyarrow's block size within a piece (blocks are parsed on all cores).
_PARSE_BLOCK_BYTES = 4 << 20
_DICT_TYPE, _KEPT_POOL = pa.dictionary(pa.int32(), pa.string()), pa.system_memory_pool()


#: Repeated text read straight into dictionary arrays: categoricals, dates, ints.
_DICT_COLUMNS = (
    frozenset(acled.CATEGORICAL_COLUMNS)
    | set(acled.COLUMN_ALIASES)
    | {
        acled.EVENT_DATE,
        acled.YEAR,
        acled.TIME_PRECISION,
        acled.GEO_PRECISION,
        acled.FATALITIES,
    }
)


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
    #: columns packed while parsing (their ``arrays`` entry is a null stand-in)
    packed: dict[str, PackedText] = field(default_factory=dict)
    old_column_names: bool = False  # ally_actor_1/2: a pre-2019 export


def _arrow_read(
    source: str | bytes,
    delimiter: str,
    raw_names: Sequence[str],
    *,
    skip_invalid: bool = False,
    pack: str | None = None,
) -> tuple[pa.Table, dict[int, PackedText]]:
    """Parse CSV bytes (UTF-8) or a UTF-8 file with every column as text.

    The file is read in pieces of about :data:`_BLOCK_BYTES` cut at record
    boundaries (:func:`_record_pieces`), each parsed by ``pyarrow.csv``:
    repeated-text columns are folded piece by piece into one dictionary per
    column with the smallest codes that fit (:class:`_DictionaryBuilder`),
    other columns stay Arrow text, chunk by chunk. So the whole file is never
    in memory as bytes nor as a text table. (``pyarrow.csv.open_csv`` is not
    used: it reads ahead of its consumer, up to the whole file.)
    The first column named ``pack`` (the notes) is packed piece by piece (a
    ``PackedText`` by column position, second value) and is null in the table.
    """
    types = {
        name: _DICT_TYPE if _normalise_name(name) in _DICT_COLUMNS else pa.string()
        for name in raw_names
    }
    parse_options = pcsv.ParseOptions(
        delimiter=delimiter,
        newlines_in_values=True,
        invalid_row_handler=_skip_row if skip_invalid else None,
    )
    convert_options = pcsv.ConvertOptions(
        column_types=types,
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    names: list[str] | None = None
    schema: pa.Schema | None = None
    builders: list[_DictionaryBuilder | None] = []
    chunks: list[list[pa.Array]] = []
    packers: dict[int, PackedTextBuilder] = {}
    with (
        open(source, "rb") if isinstance(source, str) else io.BytesIO(source)
    ) as stream:
        for piece in _record_pieces(stream):
            read_options = pcsv.ReadOptions(block_size=_PARSE_BLOCK_BYTES)
            if names is not None:
                read_options.column_names = names
            table = pcsv.read_csv(
                pa.py_buffer(piece),
                read_options=read_options,
                parse_options=parse_options,
                convert_options=convert_options,
            )
            del piece
            if schema is None:
                schema = table.schema
                names = table.column_names
                builders = [
                    _DictionaryBuilder() if pa.types.is_dictionary(f.type) else None
                    for f in schema
                ]
                chunks = [[] for _ in names]
                normalised = [_normalise_name(n) for n in names]
                if pack is not None and pack in normalised:
                    packers[normalised.index(pack)] = PackedTextBuilder()
            for i, column in enumerate(table.columns):
                builder = builders[i]
                if i in packers:
                    packers[i].add(column)
                    chunks[i].append(pa.nulls(len(column)))
                elif builder is None:
                    # kept text leaves the parse's pool, which is then all free
                    chunks[i].append(pa.concat_arrays(column.chunks, _KEPT_POOL))
                else:
                    for chunk in column.chunks:
                        builder.add(chunk)
            del table
    if schema is None or names is None:  # an empty file
        empty = pcsv.read_csv(
            pa.py_buffer(b""),
            parse_options=parse_options,
            convert_options=convert_options,
        )
        return empty, {}
    columns = [
        pa.chunked_array(parts, pa.null() if i in packers else schema.field(i).type)
        if builders[i] is None
        else builders[i].finish()  # type: ignore[union-attr]
        for i, parts in enumerate(chunks)
    ]
    packed = {i: packer.finish() for i, packer in packers.items()}
    return pa.Table.from_arrays(columns, names=names), packed


def _record_pieces(stream: BinaryIO) -> Iterator[bytes]:
    """Yield the stream in pieces that each end at a record boundary.

    Pieces are at least :data:`_BLOCK_BYTES` long (the last may be shorter)
    and end just after a newline outside quotes: one with an even number of
    ``"`` before it (doubled quotes inside a field count twice). Every piece
    starts at a boundary, so counting within it is enough; a record longer than
    a block is read on without counting its bytes again (linear time).
    """
    carry = b""
    carry_quotes = 0  # quotes in carry, which holds no boundary
    while True:
        chunk = stream.read(_BLOCK_BYTES)
        if not chunk:
            if carry:
                yield carry
            return
        data = carry + chunk if carry else chunk
        cut, quotes = _last_boundary(data, len(carry), carry_quotes)
        if cut == 0:
            carry, carry_quotes = data, quotes
            continue
        carry = data[cut:]
        carry_quotes = carry.count(b'"')
        yield data[:cut]


def _last_boundary(data: bytes, start: int, quotes_before: int) -> tuple[int, int]:
    """Offset just past the last newline outside quotes at or after ``start``.

    Returns ``(offset, quotes in data)``; offset 0 when there is none.
    """
    total = quotes_before + data.count(b'"', start)
    quotes = total  # quotes in data[:end]
    end = len(data)
    while (pos := data.rfind(b"\n", start, end)) >= 0:
        quotes -= data.count(b'"', pos, end)
        if quotes % 2 == 0:
            return pos + 1, total
        end = pos
    return 0, total


class _DictionaryBuilder:
    """One dictionary for a repeated-text column read in batches.

    Each batch's own dictionary is mapped onto the column's (new values
    appended), and its codes kept as ``uint16`` while fewer than 65,536
    distinct values have been seen, ``int32`` after: 10M rows of a column
    take 20 MB, not the 40 MB of Arrow's ``int32`` indices per batch.
    """

    def __init__(self) -> None:
        self.codes: dict[str, int] = {}
        self.parts: list[np.ndarray] = []

    def add(self, column: pa.Array) -> None:
        """Fold one batch (a dictionary array without nulls) in."""
        if not pa.types.is_dictionary(column.type):
            column = column.dictionary_encode()
        values = column.dictionary.to_pylist()
        codes = self.codes
        remap = np.fromiter(
            (codes.setdefault(v, len(codes)) for v in values),
            dtype=np.int64,
            count=len(values),
        )
        indices = column.indices
        if indices.null_count:
            empty = codes.setdefault("", len(codes))
            indices = pc.fill_null(indices, len(values))
            remap = np.append(remap, empty)
        local = indices.to_numpy(zero_copy_only=False)
        dtype = np.uint16 if len(codes) <= 1 << 16 else np.int32
        self.parts.append(
            remap.astype(dtype)[local] if len(remap) else local.astype(dtype)
        )

    def finish(self) -> pa.ChunkedArray:
        """The column as one dictionary array (codes of the smallest type)."""
        dictionary = pa.array(list(self.codes), type=pa.string())
        dtype = np.int16 if len(self.codes) <= 1 << 15 else np.int32
        if self.parts:
            codes = np.concatenate(self.parts, dtype=dtype, casting="unsafe")
        else:
            codes = np.zeros(0, dtype=dtype)
        self.parts.clear()
        array = pa.DictionaryArray.from_arrays(pa.array(codes), dictionary)
        return pa.chunked_array([array])


def _skip_row(row: object) -> str:
    """Drop a malformed row (pyarrow ``invalid_row_handler``).

    The csv-module scan reports it.
    """
    return "skip"


def _text_from_table(
    table: pa.Table,
    encoding: str,
    delimiter: str,
    packed: dict[int, PackedText] | None = None,
) -> _TextColumns:
    arrays: dict[str, pa.ChunkedArray] = {}
    by_key: dict[str, PackedText] = {}
    for i, (name, column) in enumerate(
        zip(table.column_names, table.columns, strict=True)
    ):
        key = _unique_key(arrays, name, i)
        if packed and i in packed:
            by_key[key] = packed[i]  # the null stand-in stays as is
        elif not (
            pa.types.is_string(column.type) or pa.types.is_dictionary(column.type)
        ):
            column = pc.cast(column, pa.string())
        arrays[key] = column
    return _TextColumns(
        arrays=arrays,
        n_rows=table.num_rows,
        encoding=encoding,
        delimiter=delimiter,
        n_fields=table.num_columns,
        packed=by_key,
    )


def _unique_key(arrays: dict[str, pa.ChunkedArray], name: str, position: int) -> str:
    """Keep repeated raw header names apart until :func:`_normalise_columns`."""
    return f"{name}\x00{position}" if name in arrays else name


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
        table, _ = _arrow_read(source, delimiter, raw_names, skip_invalid=True)
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
    r"""Parse UTF-8 CSV into text columns.

    Reads the bytes ``data``, or the UTF-8 file itself when ``data`` is None;
    raises :class:`_NotThisEncoding` on invalid UTF-8. ``invalid`` names the
    marked invalid bytes of ``data``: in the header they are shown as
    ``\xNN`` in the column names (and messages).
    """
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
        # notes packed as read, unless invalid bytes are to be found in them
        table, packed = _arrow_read(
            str(path) if data is None else data,
            delimiter,
            raw_names,
            pack=acled.NOTES if invalid is None else None,
        )
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
    return _text_from_table(table, encoding, delimiter, packed)


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


def _normalise_columns(text: _TextColumns) -> list[str]:
    """Rename columns to normalised names; return the file-level warnings."""
    warnings: list[str] = []
    renamed: dict[str, pa.ChunkedArray] = {}
    duplicates: list[str] = []
    names = [_normalise_name(raw.split("\x00")[0]) for raw in text.arrays]
    aliased: list[str] = []
    packed: dict[str, PackedText] = {}
    for position, (key, array) in enumerate(text.arrays.items(), start=1):
        name = names[position - 1]
        if name in acled.COLUMN_ALIASES and acled.COLUMN_ALIASES[name] not in names:
            aliased.append(f"{name} as {acled.COLUMN_ALIASES[name]}")
            name = acled.COLUMN_ALIASES[name]
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
        if key in text.packed:
            packed[name] = text.packed[key]
    text.arrays = renamed
    text.packed = packed
    if aliased:
        text.old_column_names = True
        warnings.append(f"pre-2019 column names read: {', '.join(aliased)}")
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
