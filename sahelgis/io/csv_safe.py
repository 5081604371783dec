"""Every CSV SahelGIS writes, with spreadsheet formulas neutralised.

ACLED notes, actor names and locations are text typed by other people; an
analysis table or reject report that carries them to a spreadsheet must not
run them. A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return is a formula to Excel and LibreOffice (``=HYPERLINK(...)``
leaks data, ``@SUM(A1)``, ``-2+3``), so such a cell is written with a leading
apostrophe (``'=HYPERLINK(...)``), as OWASP's "CSV Injection" page advises; the
spreadsheet then shows it as text. Quotes and delimiters inside cells are
quoted by the CSV writer as usual.

A cell that is just a number (``-3``, ``-12.5``, ``+4``, ``-1e-3``) is left as
it is, so negative longitudes and differences stay numbers. Numeric columns
are never touched; column names and index labels are escaped like cells.

Every CSV writer in ``sahelgis/`` goes through :func:`write_csv` (a test greps
for other ``to_csv`` or ``csv.writer`` calls).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import IO, Any, Literal

import pandas as pd

__all__ = ["FORMULA_PREFIXES", "escape_cell", "escape_frame", "write_csv"]

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")

_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def escape_cell(value: Any) -> Any:
    """One cell made safe for a spreadsheet.

    Parameters
    ----------
    value
        Any cell value. Only text is changed.

    Returns
    -------
    Any
        ``"'" + value`` when ``value`` is text starting with one of
        :data:`FORMULA_PREFIXES` and is not a plain number; else ``value``
        unchanged.
    """
    if (
        isinstance(value, str)
        and value.startswith(FORMULA_PREFIXES)
        and not _PLAIN_NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


def _escape_column(column: pd.Series) -> pd.Series:
    if isinstance(column.dtype, pd.CategoricalDtype):
        column = column.astype(object)
    elif not (
        pd.api.types.is_object_dtype(column.dtype)
        or pd.api.types.is_string_dtype(column.dtype)
    ):
        return column  # numbers, booleans, dates: never formulas
    text = column.astype(object)
    risky = text.map(lambda v: escape_cell(v) is not v)
    if not bool(risky.any()):
        return column
    return text.map(escape_cell)


def escape_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text escaped by :func:`escape_cell`.

    Text cells, column names and index labels are escaped; the input is not
    modified.
    """
    out = frame.copy()
    out.columns = _escape_index(frame.columns)
    for position in range(out.shape[1]):
        column = out.iloc[:, position]
        escaped = _escape_column(column)
        if escaped is not column:
            # pandas-stubs omit Series from isetitem's values, which pandas takes
            out.isetitem(position, escaped)  # type: ignore[arg-type]
    out.index = _escape_index(out.index)
    return out


def _escape_index(index: pd.Index) -> pd.Index:
    """Labels and names of an index (or of each level of a MultiIndex)."""
    if isinstance(index, pd.MultiIndex):
        levels = [_escape_index(level) for level in index.levels]
        # pandas-stubs want sequences of labels; pandas takes Index levels too
        relabelled = index.set_levels(levels, verify_integrity=False)  # type: ignore[arg-type]
        return relabelled.set_names([escape_cell(n) for n in index.names])
    name = escape_cell(index.name)
    if not (
        pd.api.types.is_object_dtype(index.dtype)
        or pd.api.types.is_string_dtype(index.dtype)
    ):
        return index.rename(name)
    return pd.Index([escape_cell(v) for v in index], name=name, dtype=object)


def write_csv(
    frame: pd.DataFrame,
    target: str | Path | IO[str],
    *,
    index: bool = False,
    encoding: str = "utf-8",
    lineterminator: str = "\n",
) -> None:
    """Write ``frame`` as CSV with every text cell escaped (:func:`escape_frame`).

    Parameters
    ----------
    frame
        The table; a GeoDataFrame's geometry should be dropped or turned into
        WKT first.
    target
        A path (overwritten) or an open text stream such as ``sys.stdout``.
    index
        Write the index as the first column.
    encoding
        Text encoding of a path target.
    lineterminator
        Record separator.
    """
    safe = escape_frame(pd.DataFrame(frame))
    # The csv module quotes a cell holding a delimiter, a quote or a character
    # of the line terminator, so with "\n" a bare CR inside a cell would go out
    # unquoted and split the record for the next reader: quote all text then.
    quoting: Literal[0, 1, 2, 3] = (
        csv.QUOTE_NONNUMERIC if _has_bare_cr(safe) else csv.QUOTE_MINIMAL
    )
    if isinstance(target, (str, Path)):
        safe.to_csv(
            Path(target),
            index=index,
            encoding=encoding,
            lineterminator=lineterminator,
            quoting=quoting,
        )
    else:
        safe.to_csv(target, index=index, lineterminator=lineterminator, quoting=quoting)


def _has_bare_cr(frame: pd.DataFrame) -> bool:
    """True when a text cell, a column name or an index label holds a CR."""
    labels = [*map(str, frame.columns), *map(str, frame.index.names)]
    if any("\r" in label for label in labels):
        return True
    if frame.index.dtype == object and any(
        isinstance(v, str) and "\r" in v for v in frame.index
    ):
        return True
    for position in range(frame.shape[1]):
        column = frame.iloc[:, position]
        text = column.dtype == object or pd.api.types.is_string_dtype(column.dtype)
        if text and any(isinstance(v, str) and "\r" in v for v in column):
            return True
    return False
