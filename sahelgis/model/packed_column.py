"""The pandas column of packed text: :class:`PackedTextArray` and its dtype.

A ``pandas`` ``ExtensionArray`` over :class:`~sahelgis.model.packed_text.PackedText`
(the notes of an event table, kept zstd-compressed in blocks). It is a view:
row numbers into the packed text, so ``take``, boolean masks, slices and
``concat`` (what ``sort_values``, ``frame[mask]`` and ``pd.concat`` do) copy
row numbers, never text. Anything that needs the values (``np.asarray``,
``astype``, the ``.str`` accessor, Arrow conversion) decompresses just the
rows asked for. Text from elsewhere concatenated onto a packed column is packed.
"""

from __future__ import annotations

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

from sahelgis.model.packed_text import (
    BLOCK_ROWS,
    WINDOW_ROWS,
    PackedText,
    PackedTextBuilder,
)

if TYPE_CHECKING:
    import builtins
    from collections.abc import Iterator, Sequence


_INT32_MAX: Final = (1 << 31) - 1
#: Text (bytes) gathered per window when :meth:`PackedTextArray.compacted`
#: meets scattered rows.
SCATTERED_WINDOW_BYTES: Final = 128 << 20


@register_extension_dtype
class PackedTextDtype(ExtensionDtype):
    """pandas dtype of :class:`PackedTextArray` (text, kept compressed)."""

    name = "packed_text"
    type = str
    kind = "O"
    na_value = np.nan

    def __str__(self) -> str:
        # what Arrow's pandas metadata records (``numpy_type``): plain text, so
        # a file written from a packed column reads back anywhere as ``str``
        return "str"

    def __repr__(self) -> str:
        return "PackedTextDtype()"

    @classmethod
    def construct_array_type(cls) -> builtins.type[PackedTextArray]:
        """The array class of this dtype."""
        return PackedTextArray

    def __from_arrow__(self, array: pa.Array | pa.ChunkedArray) -> PackedTextArray:
        return PackedTextArray(PackedText.from_arrow(array))

    def _get_common_dtype(self, dtypes: list[Any]) -> Any:
        if all(
            isinstance(d, PackedTextDtype)
            or (isinstance(d, np.dtype) and d.kind == "O")
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
        if (
            len(texts) == 1
            and all(a.rows is None for a in to_concat)
            and len(to_concat) == 1
        ):
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
        rows = np.concatenate(parts) if parts else np.zeros(0, np.int64)
        if len(rows) == len(text) and bool(np.all(rows == np.arange(len(rows)))):
            return cls(text)  # whole texts one after another: no row numbers
        return cls(text, rows)

    # -- the basics pandas needs -------------------------------------------------
    @property
    def dtype(self) -> PackedTextDtype:
        """The column's dtype (:class:`PackedTextDtype`)."""
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
            if (start, stop, step) == (0, len(self), 1):
                return PackedTextArray(self.text)  # all of it: no row numbers
            return PackedTextArray(self.text, np.arange(start, stop, step))
        if isinstance(item, slice):
            return PackedTextArray(self.text, self.row_numbers()[item])
        item = pd.api.indexers.check_array_indexer(self, item)
        return PackedTextArray(self.text, self.row_numbers()[item])

    def isna(self) -> np.ndarray:
        """Boolean mask of missing rows."""
        if self.rows is None and not bool(self.text.nulls.any()):
            return np.zeros(len(self), dtype=bool)
        rows = self.row_numbers()
        missing = rows < 0
        if bool(self.text.nulls.any()):
            ok = ~missing
            missing[ok] = self.text.rows_with_nulls(rows[ok].astype(np.int64))
        return missing

    def take(
        self, indices: Any, *, allow_fill: bool = False, fill_value: Any = None
    ) -> PackedTextArray:
        """Rows at ``indices`` (-1 is missing when ``allow_fill``); a view."""
        from pandas.api.extensions import take

        if allow_fill and fill_value is not None and not pd.isna(fill_value):
            # a text filler: only the rows taken are decompressed, then packed
            picked = np.asarray(
                take(self.row_numbers(), indices, allow_fill=True, fill_value=-1)
            )
            values = PackedTextArray(self.text, picked).astype(object)
            values[picked < 0] = fill_value
            return PackedTextArray._from_sequence(values)
        rows = take(
            self.row_numbers().astype(np.int64),
            indices,
            allow_fill=allow_fill,
            fill_value=-1,
        )
        return PackedTextArray(self.text, np.asarray(rows))

    def view(self, dtype: Any = None) -> Any:
        """The same rows of the same text (pandas' shallow copies call this)."""
        if dtype is not None:
            return super().view(dtype)
        return PackedTextArray(self.text, self.rows)

    def copy(self) -> PackedTextArray:
        """A new view of the same (immutable) text."""
        return PackedTextArray(
            self.text, None if self.rows is None else self.rows.copy()
        )

    def __eq__(self, other: Any) -> Any:
        if isinstance(other, pd.Series | pd.Index | pd.DataFrame):
            return NotImplemented
        values = np.asarray(self, dtype=object)
        if isinstance(other, ExtensionArray | np.ndarray | list):
            other = np.asarray(other, dtype=object)
        return values == other

    def __getattr__(self, name: str) -> Any:
        # the ``.str`` accessor's methods (``_str_contains``...): run on the
        # text as Arrow-backed pandas strings, a window at a time, so the
        # whole column is never decompressed at once
        if not name.startswith("_str_"):
            raise AttributeError(name)

        def on_windows(*args: Any, **kwargs: Any) -> Any:
            parts = [
                getattr(_plain_text(batch), name)(*args, **kwargs)
                for batch in self.batches()
            ]
            if len(parts) == 1:
                return parts[0]
            if parts and all(isinstance(p, np.ndarray) for p in parts):
                return np.concatenate(parts)
            first = parts[0] if parts else None
            if isinstance(first, ExtensionArray) and all(
                type(p) is type(first) for p in parts
            ):
                return type(first)._concat_same_type(parts)  # type: ignore[attr-defined]
            # no rows, or a result that is not one value per row
            return getattr(_plain_text(self.to_arrow()), name)(*args, **kwargs)

        return on_windows

    # -- conversions ---------------------------------------------------------------
    def to_arrow(self) -> pa.StringArray:
        """The text as one Arrow string array (decompressed)."""
        if self.rows is None:
            return self.text.gather(np.arange(len(self.text), dtype=np.int64))
        return self.text.gather(self.rows)

    def __arrow_array__(self, type: Any = None) -> pa.Array:
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
        """The text as ``dtype`` (decompressed unless it is packed text)."""
        dtype = pd.api.types.pandas_dtype(dtype)
        if isinstance(dtype, PackedTextDtype):
            return self.copy() if copy else self
        if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
            # Arrow text straight from the blocks: no Python string per row
            return pd.array(self.to_arrow(), dtype=dtype)
        values = np.asarray(self, dtype=object)
        if isinstance(dtype, np.dtype):
            return values.astype(dtype)
        return pd.array(values, dtype=dtype)

    def _values_for_factorize(self) -> tuple[np.ndarray, Any]:
        return np.asarray(self, dtype=object), None

    def _values_for_argsort(self) -> np.ndarray:
        return np.asarray(self, dtype=object)

    def fillna(self, value: Any = None, limit: Any = None, copy: bool = True) -> Any:
        """Missing rows replaced by ``value`` (packed again when there are any)."""
        missing = self.isna()
        if not missing.any():
            return self.copy() if copy else self
        values = np.asarray(self, dtype=object)
        values[missing] = value
        return PackedTextArray._from_sequence(values)

    def compacted(self) -> PackedTextArray:
        """The same rows packed afresh in their order (no view, no unused text).

        Rebuilt a window of rows at a time, so the text is never whole in
        memory: rows in (or against) the packed order read each block once in
        windows of :data:`WINDOW_ROWS`. Scattered rows (a shuffled file) read
        most blocks for every window, so their windows grow to
        :data:`SCATTERED_WINDOW_BYTES` of text: fewer passes over the blocks
        (a random order of 3M rows: 2.7 s with fixed windows).
        """
        if self.rows is None:
            return self
        builder = PackedTextBuilder()
        rows = self.rows
        text = self.text
        window = WINDOW_ROWS
        head = rows[:window]
        head = head[head >= 0]
        touched = len(np.unique(np.searchsorted(text.starts, head, side="right")))
        if touched > 4 * (len(head) // BLOCK_ROWS + 2):
            row_bytes = text.text_bytes / max(len(text), 1) + 4
            window = max(window, int(SCATTERED_WINDOW_BYTES / row_bytes))
        for start in range(0, len(rows), window):
            builder.add(text.gather(rows[start : start + window]))
        return PackedTextArray(builder.finish())

    def batches(self, size: int | None = None) -> Iterator[pa.StringArray]:
        """The text, ``size`` rows (default :data:`WINDOW_ROWS`) at a time, as Arrow."""
        size = size or WINDOW_ROWS
        rows = self.row_numbers()
        for start in range(0, len(rows), size):
            yield self.text.gather(rows[start : start + size])


def _plain_text(array: pa.Array) -> ExtensionArray:
    """Arrow text as the pandas string array the ``.str`` methods run on."""
    return pd.arrays.ArrowStringArray(pa.chunked_array([array]))


def _as_arrow_text(values: Any) -> pa.Array:
    """Any sequence of str/None/NaN (or a pandas/Arrow text array) as Arrow text."""
    if isinstance(values, pa.Array | pa.ChunkedArray):
        return values
    if isinstance(values, pd.Series | pd.Index):
        values = values.array
    if isinstance(values, ExtensionArray) and hasattr(values, "__arrow_array__"):
        return pa.array(values)
    objects = np.asarray(values, dtype=object)
    try:
        return pa.array(objects, type=pa.string(), from_pandas=True)
    except (pa.ArrowTypeError, pa.ArrowInvalid):  # numbers, bytes...: as text
        text = [None if v is None or v is pd.NA or v != v else str(v) for v in objects]
        return pa.array(text, type=pa.string())


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


__all__ = ["PackedTextArray", "PackedTextDtype", "pack_text"]
