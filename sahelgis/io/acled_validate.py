"""Row checks of an ACLED import and the report of what was rejected.

Part of the ACLED reader (:func:`sahelgis.io.acled.read_acled`). It holds
:class:`ImportReport` (rows read, rejects, warnings) with its reject table
(:data:`REJECT_COLUMNS`), the vectorised accumulator of rejects
(:class:`_Rejects`), and every per-row check: invalid UTF-8 bytes, missing and
repeated event ids, dates, event types, coordinates, precisions and
fatalities, plus the file-level warnings about ``year`` and unknown event
types.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sahelgis.io.acled_parse import (
    _DATE_IMPOSSIBLE,
    _DATE_MISSING,
    _DATE_UNPARSEABLE,
    _codes,
    _codes_and_values,
    _parse_dates,
    _parse_float_column,
    _parse_int,
    _take_text,
)
from sahelgis.io.acled_sniff import _describe, _InvalidUtf8
from sahelgis.io.csv_safe import write_csv
from sahelgis.model import acled_schema as acled

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sahelgis.io.acled_read import _TextColumns

#: Columns of :attr:`ImportReport.rejects`, one row per problem found.
REJECT_COLUMNS: tuple[str, ...] = ("row", "event_id_cnty", "field", "value", "reason")


_MAX_INT32 = 2**31 - 1


_PRECISION_COLUMNS: tuple[str, ...] = (acled.TIME_PRECISION, acled.GEO_PRECISION)


def _empty_rejects() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "row": pd.Series([], dtype="int64"),
            **{name: pd.Series([], dtype="str") for name in REJECT_COLUMNS[1:]},
        }
    )


@dataclass
class ImportReport:
    r"""What happened to each row of an imported ACLED file.

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
        ``value`` is the text as found (invalid UTF-8 bytes shown as ``\xNN``).
        A row with several problems appears several times.
    warnings
        File-level remarks the analyst should see (encoding, extra or missing
        columns, converted inter codes, defaulted precisions, ...).
    encoding
        The text encoding the file was decoded with (``"xlsx"`` for workbooks).
    legacy_mapped
        Imported events whose pre-2019 event type was mapped onto today's
        taxonomy (:mod:`sahelgis.io.acled_legacy`).
    legacy_unresolved
        Of those, Riots/Protests events with no actor type or interaction to
        tell riots from protests (imported as Protests, flagged "unresolved").
    """

    path: Path
    rows_total: int
    rows_read: int
    rejects: pd.DataFrame = field(default_factory=_empty_rejects)
    warnings: list[str] = field(default_factory=list)
    encoding: str = "utf-8"
    legacy_mapped: int = 0
    legacy_unresolved: int = 0

    @property
    def rows_rejected(self) -> int:
        """Number of distinct records that were not imported."""
        if self.rejects.empty:
            return 0
        return int(self.rejects["row"].nunique())

    def summary(self) -> str:
        """One line for a status bar or the CLI: ``"read N rows, rejected M"``.

        When pre-2019 types were mapped it adds e.g. ``"; 393 events with
        pre-2019 types mapped (12 Riots/Protests unresolved)"``.
        """
        line = f"read {self.rows_read} rows, rejected {self.rows_rejected}"
        if self.legacy_mapped:
            line += f"; {self.legacy_mapped} events with pre-2019 types mapped"
            if self.legacy_unresolved:
                line += f" ({self.legacy_unresolved} Riots/Protests unresolved)"
        return line

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


class _Rejects:
    """Accumulates reject parts (vectorised) and builds the report table once."""

    def __init__(self, n_rows: int) -> None:
        self.bad = np.zeros(n_rows, dtype=bool)
        self._rows: list[np.ndarray] = []
        self._fields: list[str] = []
        self._values: list[Sequence[str] | np.ndarray] = []
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
    r"""Reject every record holding an invalid byte (marked while decoding).

    Such a record is not imported rather than imported with a replacement
    character: "S?gou" would not match "Ségou" in filters, counts or joins. The
    reject report shows each bad byte as ``\xNN`` in the field's text.
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
    if pc.count_distinct(ids).as_py() == n:
        return ids  # every id unique (the usual case): no codes, no sort
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
