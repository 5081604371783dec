"""Text kept compressed in memory: the ``notes`` column of an event table.

ACLED notes are the one column of an event table that neither repeats (so a
dictionary does not help) nor is small. As an Arrow string column they were
102 MB of the 182 MB a million synthetic events took (issue 20 wants <= 150).
Here they are held zstd-compressed (``pyarrow.Codec``, level 1) in blocks of
:data:`BLOCK_ROWS` rows and decompressed when read:

- a block holds the Arrow string buffers of its rows (validity bitmap when it
  has nulls, int32 offsets from 0, UTF-8 bytes), compressed as one zstd frame;
  its row count and byte sizes are kept beside it, so a block read back from a
  file is decompressed to exactly the size declared, and checked;
- :class:`PackedTextArray` is a pandas ``ExtensionArray`` over the blocks: a
  filter, sort or concatenation keeps row numbers (4 bytes a row), never a
  copy of the text, so every ``frame[mask]`` and ``sort_values`` still works;
- reading a row decompresses its block (a few recent blocks are kept); reading
  many rows decompresses each block they fall in once.

Measured (2026-12-03, this 2-core machine, 200k rows): synthetic notes of ~95
characters 20.6 MB -> 2.1 MB (9.6x), compressed at 850 MB/s; English prose
with little repetition compresses about 3x (see benchmarks/README,
``import_scale_bench.py``). Home-made because neither pandas nor pyarrow has
an in-memory compressed string column (Arrow compresses IPC buffers on disk
only), and a memory-mapped scratch file would outlive crashes and need a
writable disk beside every table.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd
import pyarrow as pa
from pandas.api.extensions import (
    ExtensionArray,
    ExtensionDtype,
    register_extension_dtype,
)
from pandas.api.types import is_integer, is_string_dtype

if TYPE_CHECKING:
    from numpy.typing import NDArray

#: Rows per compressed block (about 400 KB of notes; one block per read).
BLOCK_ROWS: Final = 4096
#: Rows gathered at a time when a whole column is rebuilt or written out.
WINDOW_ROWS: Final = 262_144
#: Most rows one block read from a file may declare.
MAX_BLOCK_ROWS: Final = 65_536
#: Most text bytes one block read from a file may declare.
MAX_BLOCK_BYTES: Final = 256 << 20
#: Decompressed blocks kept for repeated reads (identify, a table's rows).
_KEPT_BLOCKS: Final = 8

_CODEC: Final = pa.Codec("zstd", compression_level=1)
_INT32_MAX: Final = (1 << 31) - 1


class PackedText:
    """Immutable text in zstd-compressed blocks (see the module docstring).

    Parameters
    ----------
    blocks
        Compressed payloads, one per block.
    starts
        ``int64`` row number where each block starts, plus the total (length
        ``len(blocks) + 1``, ``starts[0] == 0``, non-decreasing).
    data_bytes
        UTF-8 bytes of each block's text.
    nulls
        Whether each block carries a validity bitmap.
    checked
        False for blocks read from a file: each is checked the first time it is
        decompressed (:meth:`check_all` checks them all at once).
    """

    __slots__ = ("_cache", "_checked", "_lock", "blocks", "data_bytes", "nulls", "starts")

    def __init__(
        self,
        blocks: Sequence[bytes],
        starts: np.ndarray,
        data_bytes: np.ndarray,
        nulls: np.ndarray,
        *,
        checked: bool = True,
    ) -> None:
        self.blocks = tuple(blocks)
        self.starts = np.asarray(starts, dtype=np.int64)
        self.data_bytes = np.asarray(data_bytes, dtype=np.int64)
        self.nulls = np.asarray(nulls, dtype=bool)
        self._checked = np.full(len(self.blocks), checked, dtype=bool)
        self._cache: OrderedDict[int, pa.StringArray] = OrderedDict()
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        return {
            "blocks": self.blocks,
            "starts": self.starts,
            "data_bytes": self.data_bytes,
            "nulls": self.nulls,
            "checked": self._checked,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.blocks = state["blocks"]
        self.starts = state["starts"]
        self.data_bytes = state["data_bytes"]
        self.nulls = state["nulls"]
        self._checked = state["checked"]
        self._cache = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return int(self.starts[-1])

    @property
    def nbytes(self) -> int:
        """Bytes held: compressed blocks plus the per-block arrays."""
        arrays = self.starts.nbytes + self.data_bytes.nbytes + self.nulls.nbytes
        return sum(len(b) for b in self.blocks) + arrays

    @property
    def text_bytes(self) -> int:
        """UTF-8 bytes of all the text once decompressed."""
        return int(self.data_bytes.sum())

    # -- building ---------------------------------------------------------------
    @classmethod
    def from_arrow(cls, array: pa.Array | pa.ChunkedArray) -> PackedText:
        """Pack a string (or dictionary/large string/null) Arrow array."""
        builder = PackedTextBuilder()
        builder.add(array)
        return builder.finish()

    @classmethod
    def concat(cls, parts: Sequence[PackedText]) -> PackedText:
        """One text after another; the compressed blocks are shared, not copied."""
        starts = [np.zeros(1, dtype=np.int64)]
        offset = 0
        for part in parts:
            starts.append(part.starts[1:] + offset)
            offset += len(part)
        packed = cls(
            [b for p in parts for b in p.blocks],
            np.concatenate(starts),
            np.concatenate([p.data_bytes for p in parts] or [np.zeros(0, np.int64)]),
            np.concatenate([p.nulls for p in parts] or [np.zeros(0, bool)]),
        )
        packed._checked = np.concatenate(
            [p._checked for p in parts] or [np.zeros(0, bool)]
        )
        return packed

    # -- reading ----------------------------------------------------------------
    def block(self, k: int) -> pa.StringArray:
        """Block ``k`` decompressed (kept among the last few read).

        Raises
        ------
        ValueError
            A block read from a file is damaged (sizes, offsets or UTF-8).
        """
        with self._lock:
            found = self._cache.get(k)
            if found is not None:
                self._cache.move_to_end(k)
                return found
        array = self._decode(k)
        with self._lock:
            self._cache[k] = array
            while len(self._cache) > _KEPT_BLOCKS:
                self._cache.popitem(last=False)
        return array

    def _decode(self, k: int) -> pa.StringArray:
        n = int(self.starts[k + 1] - self.starts[k])
        data_len = int(self.data_bytes[k])
        bitmap = (n + 7) // 8 if self.nulls[k] else 0
        size = bitmap + 4 * (n + 1) + data_len
        try:
            raw = _CODEC.decompress(self.blocks[k], decompressed_size=size)
        except (pa.ArrowException, OSError) as exc:
            raise ValueError(f"packed text block {k} is damaged ({exc})") from exc
        offsets = np.frombuffer(raw, dtype=np.int32, count=n + 1, offset=bitmap)
        if not self._checked[k]:
            if (
                offsets[0] != 0
                or offsets[-1] != data_len
                or bool(np.any(np.diff(offsets) < 0))
            ):
                raise ValueError(f"packed text block {k} has damaged offsets")
        start = bitmap + 4 * (n + 1)
        array = pa.StringArray.from_buffers(
            n,
            raw.slice(bitmap, 4 * (n + 1)),
            raw.slice(start, data_len),
            raw.slice(0, bitmap) if bitmap else None,
        )
        if not self._checked[k]:
            try:
                array.validate(full=True)
            except pa.ArrowInvalid as exc:
                raise ValueError(f"packed text block {k} is not valid UTF-8") from exc
            self._checked[k] = True
        return array

    def check_all(self) -> None:
        """Decompress and check every block not yet checked (ValueError if damaged)."""
        for k in np.flatnonzero(~self._checked):
            self._decode(int(k))

    def gather(self, rows: np.ndarray) -> pa.StringArray:
        """The text of ``rows`` (row numbers; -1 gives null), in that order."""
        rows = np.asarray(rows, dtype=np.int64)
        valid = rows >= 0
        all_valid = bool(valid.all())
        wanted = rows if all_valid else rows[valid]
        if len(wanted) == 0:
            got = pa.array([], pa.string())
        else:
            got = self._gather_valid(wanted)
        if all_valid:
            return got
        index = np.full(len(rows), 0, dtype=np.int64)
        index[valid] = np.arange(len(wanted))
        return got.take(pa.array(index, mask=~valid))  # type: ignore[no-any-return]

    def _gather_valid(self, rows: np.ndarray) -> pa.StringArray:
        if rows.min() < 0 or rows.max() >= len(self):
            raise IndexError("row number outside the packed text")
        bid = np.searchsorted(self.starts, rows, side="right") - 1
        ordered = bool(np.all(bid[1:] >= bid[:-1]))
        order = None if ordered else np.argsort(bid, kind="stable")
        sorted_bid = bid if order is None else bid[order]
        sorted_rows = rows if order is None else rows[order]
        cuts = np.flatnonzero(np.diff(sorted_bid)) + 1
        pieces: list[pa.Array] = []
        for seg_rows, seg_bid in zip(
            np.split(sorted_rows, cuts), np.split(sorted_bid, cuts), strict=True
        ):
            k = int(seg_bid[0])
            local = seg_rows - self.starts[k]
            block = self.block(k)
            n = len(block)
            if len(local) == n and local[0] == 0 and bool(np.all(np.diff(local) == 1)):
                pieces.append(block)
            elif bool(np.all(np.diff(local) == 1)):
                pieces.append(block.slice(int(local[0]), len(local)))
            else:
                pieces.append(block.take(pa.array(local)))
        joined = pa.concat_arrays(pieces) if len(pieces) > 1 else pieces[0]
        if order is None:
            return joined  # type: ignore[no-any-return]
        back = np.empty_like(order)
        back[order] = np.arange(len(order))
        return joined.take(pa.array(back))  # type: ignore[no-any-return]

    def rows_with_nulls(self, rows: np.ndarray) -> np.ndarray:
        """Boolean mask: which of ``rows`` (valid row numbers) hold null."""
        out = np.zeros(len(rows), dtype=bool)
        if not bool(self.nulls.any()) or len(rows) == 0:
            return out
        bid = np.searchsorted(self.starts, rows, side="right") - 1
        for k in np.flatnonzero(self.nulls):
            hit = bid == k
            if hit.any():
                block = self.block(int(k))
                local = rows[hit] - self.starts[k]
                out[hit] = ~block.is_valid().to_numpy(zero_copy_only=False)[local]
        return out

    # -- storage in a file ------------------------------------------------------
    def to_arrow_table(self) -> pa.Table:
        """The blocks as an Arrow table (one row a block) for a cache file."""
        return pa.table(
            {
                "rows": pa.array(np.diff(self.starts).astype(np.int32)),
                "data_bytes": pa.array(self.data_bytes),
                "nulls": pa.array(self.nulls),
                "block": pa.array(self.blocks, type=pa.binary()),
            }
        )

    @classmethod
    def from_arrow_table(cls, table: pa.Table, rows: int) -> PackedText:
        """Blocks read back from :meth:`to_arrow_table`, checked lazily.

        Raises
        ------
        ValueError
            The columns are missing or of the wrong type, a block declares more
            than :data:`MAX_BLOCK_ROWS` rows or :data:`MAX_BLOCK_BYTES` bytes, or
            the blocks do not add up to ``rows``.
        """
        want = {
            "rows": pa.int32(),
            "data_bytes": pa.int64(),
            "nulls": pa.bool_(),
            "block": pa.binary(),
        }
        for name, kind in want.items():
            if name not in table.column_names or table.schema.field(name).type != kind:
                raise ValueError(f"packed text: column {name!r} missing or not {kind}")
        if any(table.column(n).null_count for n in want):
            raise ValueError("packed text: null block entries")
        counts = table.column("rows").to_numpy().astype(np.int64)
        data_bytes = table.column("data_bytes").to_numpy()
        if len(counts) and (
            counts.min() < 0
            or counts.max() > MAX_BLOCK_ROWS
            or data_bytes.min() < 0
            or data_bytes.max() > MAX_BLOCK_BYTES
        ):
            raise ValueError("packed text: a block declares too many rows or bytes")
        if int(counts.sum()) != rows:
            raise ValueError(
                f"packed text holds {int(counts.sum()):,} rows, not {rows:,}"
            )
        starts = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        blocks = table.column("block").to_pylist()
        return cls(
            blocks,
            starts,
            data_bytes,
            table.column("nulls").to_numpy(zero_copy_only=False),
            checked=False,
        )


class PackedTextBuilder:
    """Packs text arriving in pieces (e.g. one per parsed piece of a CSV)."""

    def __init__(self) -> None:
        self._pending: list[pa.Array] = []
        self._pending_rows = 0
        self._blocks: list[bytes] = []
        self._counts: list[int] = []
        self._bytes: list[int] = []
        self._nulls: list[bool] = []

    def add(self, array: pa.Array | pa.ChunkedArray) -> None:
        """Append ``array``'s rows (string, large string, dictionary or null)."""
        chunks = array.chunks if isinstance(array, pa.ChunkedArray) else [array]
        for chunk in chunks:
            if not pa.types.is_string(chunk.type):
                chunk = chunk.cast(pa.string())
            self._pending.append(chunk)
            self._pending_rows += len(chunk)
            if self._pending_rows >= BLOCK_ROWS:
                self._flush(final=False)

    def finish(self) -> PackedText:
        """The packed text of everything added."""
        self._flush(final=True)
        return PackedText(
            self._blocks,
            np.concatenate([[0], np.cumsum(self._counts, dtype=np.int64)]),
            np.asarray(self._bytes, dtype=np.int64),
            np.asarray(self._nulls, dtype=bool),
        )

    def _flush(self, *, final: bool) -> None:
        if not self._pending:
            return
        joined = (
            pa.concat_arrays(self._pending)
            if len(self._pending) > 1
            else self._pending[0]
        )
        self._pending = []
        self._pending_rows = 0
        start = 0
        n = len(joined)
        while n - start >= BLOCK_ROWS or (final and start < n):
            count = min(BLOCK_ROWS, n - start)
            self._pack(joined.slice(start, count))
            start += count
        if start < n:
            rest = joined.slice(start)
            self._pending = [rest]
            self._pending_rows = len(rest)

    def _pack(self, chunk: pa.StringArray) -> None:
        n = len(chunk)
        offsets_buffer, data_buffer = chunk.buffers()[1], chunk.buffers()[2]
        offsets = np.frombuffer(
            offsets_buffer, dtype=np.int32, count=n + 1, offset=4 * chunk.offset
        )
        first, last = int(offsets[0]), int(offsets[-1])
        parts = []
        has_nulls = chunk.null_count > 0
        if has_nulls:
            valid = chunk.is_valid().to_numpy(zero_copy_only=False)
            parts.append(np.packbits(valid, bitorder="little").tobytes())
        parts.append((offsets - first).astype(np.int32).tobytes())
        if data_buffer is not None and last > first:
            parts.append(memoryview(data_buffer)[first:last])
        self._blocks.append(_CODEC.compress(b"".join(parts), asbytes=True))
        self._counts.append(n)
        self._bytes.append(last - first)
        self._nulls.append(has_nulls)


# -- the pandas column -----------------------------------------------------------


@register_extension_dtype
class PackedTextDtype(ExtensionDtype):
    """pandas dtype of :class:`PackedTextArray` (text, kept compressed)."""

    name = "packed_text"
    type = str
    kind = "O"
    na_value = np.nan

    @classmethod
    def construct_array_type(cls) -> type[PackedTextArray]:
        return PackedTextArray

    def __from_arrow__(self, array: pa.Array | pa.ChunkedArray) -> PackedTextArray:
        return PackedTextArray(PackedText.from_arrow(array))

    def _get_common_dtype(self, dtypes: list[Any]) -> Any:
        if all(
            isinstance(d, PackedTextDtype)
            or (isinstance(d, np.dtype) and d == object)
            or is_string_dtype(d)
            for d in dtypes
        ):
            return self
        return None


class PackedTextArray(ExtensionArray):
    """A pandas column of text held as :class:`PackedText` (a view of its rows).

    Parameters
    ----------
    text
        The packed text.
    rows
        Row numbers into ``text`` (-1 for a missing value), or None for all of
        its rows in order.
    """

    _dtype = PackedTextDtype()

    def __init__(self, text: PackedText, rows: np.ndarray | None = None) -> None:
        self.text = text
        if rows is not None:
            kind = np.int32 if len(text) <= _INT32_MAX else np.int64
            rows = np.asarray(rows, dtype=kind)
        self.rows = rows

    # -- construction ------------------------------------------------------------
    @classmethod
    def _from_sequence(
        cls, scalars: Any, *, dtype: Any = None, copy: bool = False
    ) -> PackedTextArray:
        if isinstance(scalars, PackedTextArray):
            return scalars.copy() if copy else scalars
        return cls(PackedText.from_arrow(_as_arrow_text(scalars)))

    @classmethod
    def _from_factorized(cls, values: Any, original: Any) -> PackedTextArray:
        return cls._from_sequence(values)

    @classmethod
    def _concat_same_type(cls, to_concat: Sequence[PackedTextArray]) -> PackedTextArray:
        texts: list[PackedText] = []
        for array in to_concat:
            if not any(t is array.text for t in texts):
                texts.append(array.text)
        if len(texts) == 1 and all(a.rows is None for a in to_concat) and len(to_concat) == 1:
            return to_concat[0]
        offsets = {}
        total = 0
        for t in texts:
            offsets[id(t)] = total
            total += len(t)
        parts = []
        for array in to_concat:
            rows = array.row_numbers().astype(np.int64)
            shift = offsets[id(array.text)]
            parts.append(np.where(rows >= 0, rows + shift, -1) if shift else rows)
        text = texts[0] if len(texts) == 1 else PackedText.concat(texts)
        return cls(text, np.concatenate(parts) if parts else np.zeros(0, np.int64))

    # -- the basics pandas needs -------------------------------------------------
    @property
    def dtype(self) -> PackedTextDtype:
        return self._dtype

    def __len__(self) -> int:
        return len(self.text) if self.rows is None else len(self.rows)

    @property
    def nbytes(self) -> int:
        """Bytes held: the compressed text plus this view's row numbers."""
        return self.text.nbytes + (0 if self.rows is None else self.rows.nbytes)

    def row_numbers(self) -> np.ndarray:
        """Row numbers into :attr:`text` (-1 for missing)."""
        if self.rows is None:
            return np.arange(len(self.text), dtype=np.int64)
        return self.rows

    def __getitem__(self, item: Any) -> Any:
        if is_integer(item):
            i = int(item)
            if i < 0:
                i += len(self)
            if not 0 <= i < len(self):
                raise IndexError(f"index {item} out of range for {len(self)} rows")
            row = i if self.rows is None else int(self.rows[i])
            if row < 0:
                return self.dtype.na_value
            value = self.text.gather(np.array([row]))[0].as_py()
            return self.dtype.na_value if value is None else value
        if isinstance(item, slice) and self.rows is None:
            start, stop, step = item.indices(len(self))
            return PackedTextArray(self.text, np.arange(start, stop, step))
        if isinstance(item, slice):
            return PackedTextArray(self.text, self.rows[item])
        item = pd.api.indexers.check_array_indexer(self, item)
        return PackedTextArray(self.text, self.row_numbers()[item])

    def isna(self) -> np.ndarray:
        rows = self.row_numbers()
        missing = rows < 0
        if bool(self.text.nulls.any()):
            ok = ~missing
            missing[ok] = self.text.rows_with_nulls(rows[ok].astype(np.int64))
        return missing

    def take(
        self, indices: Any, *, allow_fill: bool = False, fill_value: Any = None
    ) -> PackedTextArray:
        from pandas.api.extensions import take

        if allow_fill and fill_value is not None and not pd.isna(fill_value):
            values = self.to_arrow().to_numpy(zero_copy_only=False)
            filled = take(values, indices, allow_fill=True, fill_value=fill_value)
            return PackedTextArray._from_sequence(filled)
        rows = take(
            self.row_numbers().astype(np.int64),
            indices,
            allow_fill=allow_fill,
            fill_value=-1,
        )
        return PackedTextArray(self.text, rows)

    def copy(self) -> PackedTextArray:
        return PackedTextArray(self.text, None if self.rows is None else self.rows.copy())

    def __eq__(self, other: Any) -> Any:  # type: ignore[override]
        if isinstance(other, pd.Series | pd.Index | pd.DataFrame):
            return NotImplemented
        values = np.asarray(self, dtype=object)
        if isinstance(other, ExtensionArray | np.ndarray | list):
            other = np.asarray(other, dtype=object)
        return values == other

    def __getattr__(self, name: str) -> Any:
        # the ``.str`` accessor's methods (``_str_contains``...): on the text
        # decompressed as an Arrow-backed pandas string array
        if name.startswith("_str_"):
            plain = pd.arrays.ArrowStringArray(pa.chunked_array([self.to_arrow()]))
            return getattr(plain, name)
        raise AttributeError(name)

    # -- conversions ---------------------------------------------------------------
    def to_arrow(self) -> pa.StringArray:
        """The text as one Arrow string array (decompressed)."""
        if self.rows is None:
            return self.text.gather(np.arange(len(self.text), dtype=np.int64))
        return self.text.gather(self.rows)

    def __arrow_array__(self, type: Any = None) -> pa.Array:  # noqa: A002
        array = self.to_arrow()
        return array if type is None or type == array.type else array.cast(type)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        values = self.to_arrow().to_numpy(zero_copy_only=False)
        if self.isna().any():
            values = values.astype(object)
            values[pd.isna(values)] = np.nan
        if dtype is not None and np.dtype(dtype) != object:
            return values.astype(dtype)
        return values

    def __iter__(self) -> Iterator[Any]:
        rows = self.row_numbers()
        for start in range(0, len(rows), WINDOW_ROWS):
            window = PackedTextArray(self.text, rows[start : start + WINDOW_ROWS])
            yield from np.asarray(window, dtype=object)

    def astype(self, dtype: Any, copy: bool = True) -> Any:
        dtype = pd.api.types.pandas_dtype(dtype)
        if isinstance(dtype, PackedTextDtype):
            return self.copy() if copy else self
        values = np.asarray(self, dtype=object)
        if isinstance(dtype, np.dtype):
            return values.astype(dtype)
        return pd.array(values, dtype=dtype)

    def _values_for_factorize(self) -> tuple[np.ndarray, Any]:
        return np.asarray(self, dtype=object), None

    def _values_for_argsort(self) -> np.ndarray:
        return np.asarray(self, dtype=object)

    def fillna(self, value: Any = None, limit: Any = None, copy: bool = True) -> Any:
        missing = self.isna()
        if not missing.any():
            return self.copy() if copy else self
        values = np.asarray(self, dtype=object)
        values[missing] = value
        return PackedTextArray._from_sequence(values)

    def compacted(self) -> PackedTextArray:
        """The same rows packed afresh in their order (no view, no unused text).

        Rebuilt :data:`WINDOW_ROWS` rows at a time, so the text is never whole
        in memory; rows in (or against) the packed order read each block once.
        """
        if self.rows is None:
            return self
        builder = PackedTextBuilder()
        rows = self.rows
        for start in range(0, len(rows), WINDOW_ROWS):
            builder.add(self.text.gather(rows[start : start + WINDOW_ROWS]))
        return PackedTextArray(builder.finish())

    def contains(self, pattern: str, *, ignore_case: bool = True) -> np.ndarray:
        """Rows whose text matches the regular expression ``pattern`` (RE2).

        Searched a window at a time (pyarrow ``match_substring_regex``);
        missing text does not match.
        """
        import pyarrow.compute as pc

        parts = [
            pc.match_substring_regex(batch, pattern, ignore_case=ignore_case)
            .fill_null(False)
            .to_numpy(zero_copy_only=False)
            for batch in self.batches()
        ]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=bool)

    def batches(self, size: int = WINDOW_ROWS) -> Iterator[pa.StringArray]:
        """The text, ``size`` rows at a time, as Arrow arrays."""
        rows = self.row_numbers()
        for start in range(0, len(rows), size):
            yield self.text.gather(rows[start : start + size])


def _as_arrow_text(values: Any) -> pa.Array:
    """Any sequence of str/None/NaN (or a pandas/Arrow text array) as Arrow text."""
    if isinstance(values, pa.Array | pa.ChunkedArray):
        return values
    if isinstance(values, pd.Series | pd.Index):
        values = values.array
    if isinstance(values, ExtensionArray) and hasattr(values, "__arrow_array__"):
        return pa.array(values)
    objects = np.asarray(values, dtype=object)
    return pa.array(objects, type=pa.string(), from_pandas=True)


def pack_text(values: Any) -> PackedTextArray:
    """Pack a column of text (Series, array, list or Arrow array).

    Parameters
    ----------
    values
        Strings; None and NaN become missing.

    Returns
    -------
    PackedTextArray
        The text compressed in blocks (see the module docstring).
    """
    return PackedTextArray._from_sequence(values)


def text_values(series: pd.Series, fill: str = "") -> NDArray[np.object_]:
    """A text column as a numpy array of ``str`` (missing as ``fill``).

    Works the same for packed, Arrow-backed, categorical and object columns.
    """
    values = np.asarray(series.array, dtype=object)
    missing = pd.isna(values)
    if missing.any():
        values = values.copy()
        values[missing] = fill
    return values


__all__ = [
    "BLOCK_ROWS",
    "PackedText",
    "PackedTextArray",
    "PackedTextBuilder",
    "PackedTextDtype",
    "pack_text",
    "text_values",
]
