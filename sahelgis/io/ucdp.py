"""Read UCDP GED (and GED candidate events) CSVs into the ACLED-shaped event table.

UCDP's Georeferenced Event Dataset (GED) and its monthly *candidate events*
release publish the same 49 columns (``id``, ``relid``, ``year``,
``active_year``, ``code_status``, ``type_of_violence``, ``conflict_dset_id``,
``conflict_new_id``, ``conflict_name``, ``dyad_dset_id``, ``dyad_new_id``,
``dyad_name``, ``side_a_dset_id``, ``side_a_new_id``, ``side_a``,
``side_b_dset_id``, ``side_b_new_id``, ``side_b``, ``number_of_sources``,
``source_article``, ``source_office``, ``source_date``, ``source_headline``,
``source_original``, ``where_prec``, ``where_coordinates``,
``where_description``, ``adm_1``, ``adm_2``, ``latitude``, ``longitude``,
``geom_wkt``, ``priogrid_gid``, ``country``, ``country_id``, ``region``,
``event_clarity``, ``date_prec``, ``date_start``, ``date_end``,
``deaths_a``, ``deaths_b``, ``deaths_civilians``, ``deaths_unknown``,
``best``, ``high``, ``low``, ``gwnoa``, ``gwnob``). Only
:data:`REQUIRED_COLUMNS` must be present; the others may be missing.

The mapping below follows the UCDP GED Codebook (Uppsala Conflict Data
Program, versions 23.1/24.1: sections on ``type_of_violence``,
``where_prec``, ``date_prec`` and the fatality estimates). It is a
*translation* for showing GED beside ACLED, not an equivalence: ACLED and
UCDP code different things (UCDP only events with at least one death in an
organised conflict), so the original GED codes are kept as columns.

Event type (``type_of_violence``)
---------------------------------
===  ==================  ===========================  ===============
GED  codebook meaning    event_type                   sub_event_type
===  ==================  ===========================  ===============
1    state-based         Battles                      Armed clash
2    non-state           Battles                      Armed clash
3    one-sided           Violence against civilians   Attack
===  ==================  ===========================  ===============

``disorder_type`` is "Political violence"; ``civilian_targeting`` is
"Civilian targeting" for one-sided violence. ``type_of_violence`` is kept.

Location precision (``where_prec`` 1–7 → ``geo_precision`` 1–3)
---------------------------------------------------------------
=========  ====================================================  =============
where_prec codebook meaning                                      geo_precision
=========  ====================================================  =============
1          exact location (village, town)                        1
2          within about 25 km of a known point                   2
3          second-order administrative division (district)       2
4          first-order administrative division (region)          3
5          part of a country larger than a first-order division, 3
           a point between two named places, an island, or a
           place known only vaguely or relative to another
6          country only                                          3
7          international waters or airspace                      3
=========  ====================================================  =============

Time precision (``date_prec`` 1–5 → ``time_precision`` 1–3)
-----------------------------------------------------------
=========  ==========================================  ==============
date_prec  codebook meaning                            time_precision
=========  ==========================================  ==============
1          exact day                                   1
2          a span of 2–6 days                          2
3          the week is known                           2
4          the month is known                          3
5          only the year is known                      3
=========  ==========================================  ==============

``where_prec`` and ``date_prec`` are kept. ACLED's coarsest time precision is
the month, so a GED event known only to the year (``date_prec`` 5) is coarser
than ``time_precision`` 3 says: its span is kept in ``date_end``.

Sources: Uppsala Conflict Data Program, "UCDP Georeferenced Event Dataset
(GED) Codebook" (S. Högbladh, Department of Peace and Conflict Research,
Uppsala University; versions 19.1–24.1, https://ucdp.uu.se/downloads/). The
codebook text itself could not be read here; ``type_of_violence`` 1–3 and the
``where_prec`` 1–7 and ``date_prec`` 1–5 meanings above were checked against
its restatement in mapme.biodiversity (``R/calc_fatalities_ucdp.R``,
https://github.com/mapme-initiative/mapme.biodiversity), which corrected the
meanings of ``where_prec`` 5 and ``date_prec`` 4–5 (earlier written here as
"a linear feature" and "8–30 days" / "a longer span"); the "about 25 km" of
``where_prec`` 2 is not in that restatement. The 49 names are the GED 23.1
header as other readers record it (uncertainUCDP's sample has 49 columns).
``geo_precision`` and ``time_precision`` are SahelGIS's translation onto
ACLED's scales (no published crosswalk was found), so that the precision
switches treat a GED event like an ACLED event known as well.

Other fields
------------
========================  ============================================
GED                       event table
========================  ============================================
``id``                    ``event_id_cnty`` = "UCDP-" + id; ``ucdp_id``
``date_start``            ``event_date`` (and ``year``)
``date_end``              ``date_end`` (the span's last day)
``side_a`` / ``side_b``   ``actor1`` / ``actor2``
``best``                  ``fatalities``
``low`` / ``high``        ``fatalities_low`` / ``fatalities_high``
``country``, ``region``   ``country``, ``region``
``adm_1`` / ``adm_2``     ``admin1`` / ``admin2``
``where_coordinates``     ``location``
``source_headline``       ``notes``
``conflict_name``         ``conflict_name``
``dyad_name``             ``dyad_name``
(constant)                ``source`` = "UCDP GED"
========================  ============================================

Dates may be ``YYYY-MM-DD`` or UCDP's older ``YYYY-MM-DD hh:mm:ss.fff``; only
the day is used. Layers of GED events are credited "UCDP GED, CC BY 4.0"
(:data:`sahelgis.model.ucdp_schema.UCDP_ATTRIBUTION`), which figure source
lines carry.

Rows with a missing or impossible value are not imported but reported in
:attr:`ImportReport.rejects` with their record number (first record after the
header is row 1) and field; a file that is not a GED CSV raises a one-line
:class:`~sahelgis.errors.InputError`.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sahelgis.errors import InputError
from sahelgis.io.acled_sniff import read_head
from sahelgis.io.acled_validate import REJECT_COLUMNS, ImportReport
from sahelgis.model import acled_schema as acled
from sahelgis.model import ucdp_schema as ucdp
from sahelgis.model.events import EventTable, optimise_dtypes
from sahelgis.progress import NULL_PROGRESS

if TYPE_CHECKING:
    from collections.abc import Iterable

    from sahelgis.progress import Progress

__all__ = [
    "DATE_PREC_TO_TIME_PRECISION",
    "GED_COLUMNS",
    "REQUIRED_COLUMNS",
    "SIGNATURE_COLUMNS",
    "TYPE_OF_VIOLENCE",
    "WHERE_PREC_TO_GEO_PRECISION",
    "is_ged_header",
    "read_ucdp",
]

#: The columns of a GED (or candidate events) CSV, in UCDP's order.
GED_COLUMNS: tuple[str, ...] = (
    "id",
    "relid",
    "year",
    "active_year",
    "code_status",
    "type_of_violence",
    "conflict_dset_id",
    "conflict_new_id",
    "conflict_name",
    "dyad_dset_id",
    "dyad_new_id",
    "dyad_name",
    "side_a_dset_id",
    "side_a_new_id",
    "side_a",
    "side_b_dset_id",
    "side_b_new_id",
    "side_b",
    "number_of_sources",
    "source_article",
    "source_office",
    "source_date",
    "source_headline",
    "source_original",
    "where_prec",
    "where_coordinates",
    "where_description",
    "adm_1",
    "adm_2",
    "latitude",
    "longitude",
    "geom_wkt",
    "priogrid_gid",
    "country",
    "country_id",
    "region",
    "event_clarity",
    "date_prec",
    "date_start",
    "date_end",
    "deaths_a",
    "deaths_b",
    "deaths_civilians",
    "deaths_unknown",
    "best",
    "high",
    "low",
    "gwnoa",
    "gwnob",
)

#: A header holding all of these is a GED file (ACLED has none of them).
SIGNATURE_COLUMNS: tuple[str, ...] = ("id", "relid", "type_of_violence", "side_a")

#: Without these a GED row cannot be placed, dated, typed or counted.
REQUIRED_COLUMNS: tuple[str, ...] = (
    "id",
    "type_of_violence",
    "side_a",
    "side_b",
    "latitude",
    "longitude",
    "where_prec",
    "date_prec",
    "date_start",
    "best",
)

#: type_of_violence -> (event_type, sub_event_type), after the codebook.
TYPE_OF_VIOLENCE: dict[int, tuple[str, str]] = {
    1: ("Battles", "Armed clash"),  # state-based conflict
    2: ("Battles", "Armed clash"),  # non-state conflict
    3: ("Violence against civilians", "Attack"),  # one-sided violence
}

#: GED where_prec (1–7) -> ACLED geo_precision (1–3).
WHERE_PREC_TO_GEO_PRECISION: dict[int, int] = {1: 1, 2: 2, 3: 2, 4: 3, 5: 3, 6: 3, 7: 3}

#: GED date_prec (1–5) -> ACLED time_precision (1–3).
DATE_PREC_TO_TIME_PRECISION: dict[int, int] = {1: 1, 2: 2, 3: 2, 4: 3, 5: 3}

_HEAD_BYTES = 64 * 1024


def _header_names(line: str) -> list[str]:
    """Column names of a CSV header line, stripped and lowercased."""
    try:
        row = next(csv.reader([line]))
    except (csv.Error, StopIteration):
        return []
    return [name.strip().strip('"').strip().lower() for name in row]


def is_ged_header(names: Iterable[str]) -> bool:
    """True when column names are those of a UCDP GED (or candidate) CSV.

    Parameters
    ----------
    names
        Column names as found in the header (any case, any order).

    Returns
    -------
    bool
        Whether every one of :data:`SIGNATURE_COLUMNS` is present.
    """
    found = {str(name).strip().lower() for name in names}
    return all(name in found for name in SIGNATURE_COLUMNS)


def sniff_ged(path: str | Path) -> bool:
    """True when the file's first line is a GED header (False if unreadable).

    Parameters
    ----------
    path
        A file that may be a CSV.

    Returns
    -------
    bool
        Whether :func:`read_ucdp` should read it.
    """
    try:
        with Path(path).open("rb") as handle:
            head = handle.read(_HEAD_BYTES)
    except OSError:
        return False
    text = head.decode("utf-8-sig", errors="replace")
    first = text.splitlines()[0] if text.strip() else ""
    return is_ged_header(_header_names(first))


class _Rejects:
    """Rejects gathered per check, as (positions, field, values, reason)."""

    def __init__(self, n_rows: int) -> None:
        self.bad = np.zeros(n_rows, dtype=bool)
        self.parts: list[tuple[np.ndarray, str, np.ndarray, str]] = []

    def add(self, mask: np.ndarray, field: str, values: pd.Series, reason: str) -> None:
        rows = np.flatnonzero(mask)
        if len(rows) == 0:
            return
        self.bad[rows] = True
        texts = values.to_numpy(dtype=object)[rows]
        self.parts.append((rows, field, texts, reason))

    def frame(self, ids: np.ndarray) -> pd.DataFrame:
        if not self.parts:
            rows = np.zeros(0, dtype=np.int64)
            fields: list[str] = []
            values: list[str] = []
            reasons: list[str] = []
        else:
            rank = {name: i for i, name in enumerate(GED_COLUMNS)}
            entries = sorted(
                (
                    (int(row), rank.get(field, len(rank)), field, str(value), reason)
                    for rows_, field, texts, reason in self.parts
                    for row, value in zip(rows_, texts, strict=True)
                ),
                key=lambda entry: (entry[0], entry[1]),
            )
            rows = np.array([e[0] for e in entries], dtype=np.int64)
            fields = [e[2] for e in entries]
            values = [e[3] for e in entries]
            reasons = [e[4] for e in entries]
        return pd.DataFrame(
            {
                "row": rows + 1,
                "event_id_cnty": pd.array(ids[rows].tolist(), dtype="str"),
                "field": pd.array(fields, dtype="str"),
                "value": pd.array(values, dtype="str"),
                "reason": pd.array(reasons, dtype="str"),
            },
            columns=list(REJECT_COLUMNS),
        )


def _read_text(path: Path) -> pd.DataFrame:
    """The CSV as text columns with normalised names; one-line errors."""
    head = read_head(path)  # one-line errors: missing, not a file, empty
    if head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise InputError(path, "is a zip or workbook; unzip the GED CSV and read that")
    try:
        frame = pd.read_csv(
            path,
            dtype=str,
            keep_default_na=False,
            encoding="utf-8-sig",
            skip_blank_lines=True,
        )
    except UnicodeDecodeError as exc:
        raise InputError(path, "is not UTF-8 text (UCDP publishes UTF-8)") from exc
    except pd.errors.EmptyDataError as exc:
        raise InputError(path, "the file is empty") from exc
    except pd.errors.ParserError as exc:
        first = str(exc).splitlines()[0] if str(exc) else "malformed CSV"
        raise InputError(path, f"cannot be read as CSV: {first}") from exc
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    if not is_ged_header(frame.columns):
        raise InputError(
            path,
            "is not a UCDP GED CSV (its header lacks "
            f"{', '.join(c for c in SIGNATURE_COLUMNS if c not in frame.columns)})",
        )
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(path, f"UCDP GED CSV lacks columns: {', '.join(missing)}")
    if len(frame) == 0:
        raise InputError(path, "has a header but no data rows")
    return frame


def _integers(
    text: pd.Series,
    rejects: _Rejects,
    field: str,
    allowed: Iterable[int] | None = None,
    *,
    required: bool = True,
) -> np.ndarray:
    """Whole numbers of a text column (-1 where empty and optional)."""
    stripped = text.str.strip()
    numbers = pd.to_numeric(stripped, errors="coerce")
    empty = (stripped == "").to_numpy()
    values = numbers.to_numpy(dtype="float64", na_value=np.nan)
    whole = np.isfinite(values) & (np.mod(values, 1) == 0)
    if required:
        rejects.add(empty, field, text, "missing")
    bad = ~empty & ~whole
    rejects.add(bad, field, text, "not a whole number")
    ok = whole & ~empty
    if allowed is not None:
        outside = ok & ~np.isin(values, np.array(list(allowed), dtype="float64"))
        rejects.add(outside, field, text, "not a code of the GED codebook")
        ok &= ~outside
    else:
        negative = ok & (values < 0)
        rejects.add(negative, field, text, "negative")
        ok &= ~negative
        huge = ok & (values > 2**31 - 1)
        rejects.add(huge, field, text, "too large")
        ok &= ~huge
    return np.where(ok, values, -1).astype(np.int64)


def _dates(
    text: pd.Series, rejects: _Rejects, field: str, *, required: bool
) -> np.ndarray:
    """Days of a GED date column (``NaT`` where empty and optional)."""
    stripped = text.str.strip()
    empty = (stripped == "").to_numpy()
    parsed = pd.to_datetime(stripped.str[:10], format="%Y-%m-%d", errors="coerce")
    dates = parsed.to_numpy(dtype="datetime64[s]")
    if required:
        rejects.add(empty, field, text, "missing")
    rejects.add(~empty & np.isnat(dates), field, text, "not a date (YYYY-MM-DD)")
    return dates


def _coordinates(
    frame: pd.DataFrame, rejects: _Rejects
) -> tuple[np.ndarray, np.ndarray]:
    """Latitude and longitude in degrees, out-of-range and 0/0 rejected."""
    out = []
    for name, limit in ((acled.LATITUDE, 90.0), (acled.LONGITUDE, 180.0)):
        text = frame[name]
        stripped = text.str.strip()
        empty = (stripped == "").to_numpy()
        values = pd.to_numeric(stripped, errors="coerce").to_numpy(
            dtype="float64", na_value=np.nan
        )
        rejects.add(empty, name, text, "missing")
        rejects.add(~empty & ~np.isfinite(values), name, text, "not a number")
        rejects.add(
            np.isfinite(values) & (np.abs(values) > limit),
            name,
            text,
            f"outside ±{limit:g} degrees",
        )
        out.append(values)
    lat, lon = out
    zero = (lat == 0) & (lon == 0)
    both = frame[acled.LATITUDE] + "/" + frame[acled.LONGITUDE]
    rejects.add(zero, "latitude/longitude", both, "0/0 is not a place")
    return lat, lon


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame.columns:
        return frame[name].str.strip()
    return pd.Series([""] * len(frame), index=frame.index, dtype=object)


def read_ucdp(
    path: str | Path, progress: Progress = NULL_PROGRESS
) -> tuple[EventTable, ImportReport]:
    """Read a UCDP GED or candidate events CSV into an event table and a report.

    The fields are mapped as the module docstring's tables state. Bad rows do
    not stop the import: each failing field is a row of ``report.rejects``
    (``row`` is the 1-based data record number) and the row is left out.

    Parameters
    ----------
    path
        A GED CSV as UCDP publishes it (UTF-8, comma separated, header row).
    progress
        Receives ``set(fraction, text)``; ``check()`` may raise ``Cancelled``.

    Returns
    -------
    tuple[EventTable, ImportReport]
        Events sorted by ``date_start``, the ACLED columns plus
        :data:`sahelgis.model.ucdp_schema.KEPT_COLUMNS`, and the report.

    Raises
    ------
    InputError
        The file is missing, empty, not UTF-8 CSV, not a GED file, lacks
        required columns or has no data rows (a single-line message).
    """
    path = Path(path)
    progress.set(0.0, "Reading UCDP GED file")
    progress.check()
    frame = _read_text(path)
    n = len(frame)
    warnings: list[str] = []
    missing = [c for c in GED_COLUMNS if c not in frame.columns]
    if missing:
        warnings.append(f"GED columns missing, left empty: {', '.join(missing)}")
    extra = [c for c in frame.columns if c not in GED_COLUMNS]
    if extra:
        warnings.append(f"columns not in the GED codebook, ignored: {', '.join(extra)}")

    progress.set(0.4, "Checking rows")
    progress.check()
    rejects = _Rejects(n)
    raw_ids = frame["id"].str.strip()
    event_ids = ("UCDP-" + raw_ids).where(raw_ids != "", "").to_numpy(dtype=object)
    rejects.add((raw_ids == "").to_numpy(), "id", frame["id"], "missing")
    repeated = (raw_ids != "") & raw_ids.duplicated(keep="first")
    rejects.add(repeated.to_numpy(), "id", frame["id"], "repeated id")
    violence = _integers(
        frame["type_of_violence"], rejects, "type_of_violence", TYPE_OF_VIOLENCE
    )
    where_prec = _integers(
        frame["where_prec"], rejects, "where_prec", WHERE_PREC_TO_GEO_PRECISION
    )
    date_prec = _integers(
        frame["date_prec"], rejects, "date_prec", DATE_PREC_TO_TIME_PRECISION
    )
    best = _integers(frame["best"], rejects, "best")
    low = _integers(_column(frame, "low"), rejects, "low", required=False)
    high = _integers(_column(frame, "high"), rejects, "high", required=False)
    start = _dates(frame["date_start"], rejects, "date_start", required=True)
    end = _dates(_column(frame, "date_end"), rejects, "date_end", required=False)
    before = ~np.isnat(start) & ~np.isnat(end) & (end < start)
    rejects.add(before, "date_end", _column(frame, "date_end"), "before date_start")
    lat, lon = _coordinates(frame, rejects)
    for name in ("side_a", "side_b"):
        rejects.add(
            (frame[name].str.strip() == "").to_numpy(), name, frame[name], "missing"
        )

    progress.set(0.7, "Building table")
    progress.check()
    keep = np.flatnonzero(~rejects.bad)
    keep = keep[np.argsort(start[keep], kind="stable")]
    kept_start = start[keep]
    kept_end = np.where(np.isnat(end[keep]), kept_start, end[keep])
    if count := int(np.isnat(end[keep]).sum()):
        warnings.append(f"date_end empty in {count} rows; taken as date_start")
    kinds = violence[keep]
    event_type = np.array([TYPE_OF_VIOLENCE[int(k)][0] for k in kinds], dtype=object)
    sub_type = np.array([TYPE_OF_VIOLENCE[int(k)][1] for k in kinds], dtype=object)

    def text(name: str) -> np.ndarray:
        return _column(frame, name).to_numpy(dtype=object)[keep]

    def blank() -> np.ndarray:
        return np.full(len(keep), "", dtype=object)

    columns: dict[str, object] = {
        acled.EVENT_ID: event_ids[keep],
        acled.EVENT_DATE: kept_start,
        acled.YEAR: kept_start.astype("datetime64[Y]").astype(np.int64) + 1970,
        acled.TIME_PRECISION: np.array(
            [DATE_PREC_TO_TIME_PRECISION[int(p)] for p in date_prec[keep]],
            dtype=np.int64,
        ),
        acled.DISORDER_TYPE: np.full(len(keep), "Political violence", dtype=object),
        acled.EVENT_TYPE: event_type,
        acled.SUB_EVENT_TYPE: sub_type,
        acled.ACTOR1: text("side_a"),
        acled.ASSOC_ACTOR_1: blank(),
        acled.INTER1: blank(),
        acled.ACTOR2: text("side_b"),
        acled.ASSOC_ACTOR_2: blank(),
        acled.INTER2: blank(),
        acled.INTERACTION: blank(),
        acled.CIVILIAN_TARGETING: np.where(kinds == 3, "Civilian targeting", ""),
        acled.ISO: blank(),
        acled.REGION: text("region"),
        acled.COUNTRY: text("country"),
        acled.ADMIN1: text("adm_1"),
        acled.ADMIN2: text("adm_2"),
        acled.ADMIN3: blank(),
        acled.LOCATION: text("where_coordinates"),
        acled.LATITUDE: lat[keep],
        acled.LONGITUDE: lon[keep],
        acled.GEO_PRECISION: np.array(
            [WHERE_PREC_TO_GEO_PRECISION[int(p)] for p in where_prec[keep]],
            dtype=np.int64,
        ),
        acled.SOURCE: np.full(len(keep), ucdp.UCDP_SOURCE, dtype=object),
        acled.SOURCE_SCALE: blank(),
        acled.NOTES: pd.Series(text("source_headline"), dtype="str"),
        acled.FATALITIES: best[keep],
        acled.TAGS: blank(),
        acled.TIMESTAMP: pd.Series(blank(), dtype="str"),
        ucdp.UCDP_ID: pd.Series(raw_ids.to_numpy(dtype=object)[keep], dtype="str"),
        ucdp.TYPE_OF_VIOLENCE: kinds.astype(np.int8),
        ucdp.DATE_END: kept_end,
        # -1 stands for "not given" in the optional estimates
        ucdp.FATALITIES_LOW: low[keep].astype(np.int32),
        ucdp.FATALITIES_HIGH: high[keep].astype(np.int32),
        ucdp.WHERE_PREC: where_prec[keep].astype(np.int8),
        ucdp.DATE_PREC: date_prec[keep].astype(np.int8),
        ucdp.CONFLICT_NAME: pd.Categorical(text("conflict_name")),
        ucdp.DYAD_NAME: pd.Categorical(text("dyad_name")),
    }
    table_frame = optimise_dtypes(
        pd.DataFrame(
            {k: pd.Series(v).reset_index(drop=True) for k, v in columns.items()}
        )
    )
    table = EventTable(table_frame, synthetic=False)
    report = ImportReport(
        path=path,
        rows_total=n,
        rows_read=len(table),
        rejects=rejects.frame(event_ids),
        warnings=warnings,
        encoding="utf-8",
    )
    progress.set(1.0, report.summary())
    return table, report
