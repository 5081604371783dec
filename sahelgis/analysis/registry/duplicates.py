"""Likely duplicates across sources: ACLED × UCDP GED pairs, listed, never merged.

With ACLED and UCDP GED events in one project (two event layers, a project
file holding both, or ``--with`` on the command line) the pairs
that may record the same event are listed by
:func:`sahelgis.analysis.cross_source.likely_duplicates`: same actor side,
within ``km`` kilometres (great circle on the mean sphere) and ``days`` days.
The table lists each pair (both ids, dates, distance, days apart, actors,
fatalities); the headline states the rule; two layers mark the paired events
(by source) and link each pair. Neither source is changed or merged.

Batch: pairs can span partitions, so a partition returns its events (only the
columns the rule reads) and the pairs are found once, in :meth:`finish`;
:meth:`run_whole` finds them directly on the scope's events, with the same
table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from typing_extensions import override

from sahelgis.analysis.registry.base import (
    BASE_COLUMNS,
    Analysis,
    Context,
    Result,
    ResultLayer,
    Tables,
)
from sahelgis.analysis.registry.params import Param, ParamError
from sahelgis.model import acled_schema as acled
from sahelgis.model import ucdp_schema as ucdp
from sahelgis.model.event_query import ACLED_DATASET, SYNTHETIC_DATASET
from sahelgis.model.styles import Style
from sahelgis.progress import NULL_PROGRESS, Progress

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from sahelgis.analysis.cross_source import DuplicateCandidates
    from sahelgis.model.events import EventTable

#: Greatest distance and gap a pair may have (beyond these "the same event"
#: means nothing).
MAX_KM = 100.0
MAX_DAYS = 60
#: Event columns the rule reads (besides :data:`BASE_COLUMNS`).
RULE_COLUMNS: tuple[str, ...] = (
    acled.SOURCE,
    acled.ACTOR1,
    acled.ACTOR2,
    acled.FATALITIES,
    ucdp.DATE_END,
)
EVENTS = "events"
#: Column of :func:`rule_frame`: the row comes from made-up (synthetic) data.
SYNTHETIC = "_synthetic"
ACLED_COLOR = "#1F78B4"
UCDP_COLOR = "#D01C8B"
MARK_STYLE = Style(
    color="#202020",
    size=9.0,
    symbol="s",
    category_field="source",
    categories={
        ACLED_DATASET: ACLED_COLOR,
        ucdp.UCDP_SOURCE: UCDP_COLOR,
        SYNTHETIC_DATASET: "#6A6A6A",
    },
)
LINK_STYLE = Style(color="#7B3294", line_width=2.5)


class Duplicates(Analysis):
    """Likely ACLED × UCDP GED duplicate pairs: a table with its rule."""

    id = "duplicates"
    label = "Likely duplicates across sources"
    summary = (
        "List ACLED × UCDP GED event pairs that may be the same event "
        "(same actor side, within N km and N days); never merged."
    )
    description = (
        "Both sources are needed: in the app, an ACLED and a UCDP GED event "
        "layer, both shown; on the command line, a project holding both or an "
        "ACLED export with --with GED.csv."
    )
    params = (
        Param(
            "km",
            "Within",
            "float",
            10,
            help=f"greatest distance between the two events (0–{MAX_KM:g})",
            unit="km",
            low=0.0,
            high=MAX_KM,
            allow_zero=True,
            aliases=("max_km",),
        ),
        Param(
            "days",
            "Days apart",
            "int",
            2,
            help="greatest gap between the ACLED date and the GED date span",
            unit="days",
            low=0,
            high=MAX_DAYS,
            aliases=("max_days",),
        ),
        Param(
            "any_actor",
            "Any actors",
            "flag",
            False,
            help="also pair events that share no actor side (looser)",
        ),
        Param(
            "with_events",
            "With events",
            "path",
            help="a second event file analysed with EVENTS (e.g. the UCDP GED "
            "export beside an ACLED one)",
            cli_flag="--with",
            gui=False,
            recipe=False,
        ),
    )

    every_event_layer = True
    more_events_param = "with_events"

    @override
    def combine(self, tables: Sequence[EventTable]) -> EventTable:
        return combined_events(tables)

    @override
    def resolve(self, values: dict[str, Any], context: Context) -> dict[str, Any]:
        km = float(values["km"])
        if km > MAX_KM:
            raise ParamError(f"km = {km:g}: at most {MAX_KM:g} km")
        return {
            "km": km,
            "days": int(values["days"]),
            "any_actor": bool(values.get("any_actor", False)),
        }

    @override
    def restore(self, saved: Mapping[str, Any]) -> dict[str, Any]:
        spec = {"km": 10.0, "days": 2, "any_actor": False}
        spec |= {k: v for k, v in saved.items() if k != "kind"}
        return {"kind": self.id, **spec}

    @override
    def recipe_items(self, spec: Mapping[str, Any], context: Context) -> list[dict]:
        spec = self.restore(spec)
        return [
            {
                "kind": self.id,
                "km": spec["km"],
                "days": spec["days"],
                "any_actor": spec["any_actor"],
            }
        ]

    @override
    def layer_name(self, spec: Mapping[str, Any]) -> str:
        spec = self.restore(spec)
        return f"Likely duplicates ≤ {spec['km']:g} km, ≤ {_days(spec['days'])}"

    # -- run ----------------------------------------------------------------------
    @override
    def run(
        self,
        events: EventTable,
        rows: np.ndarray | None,
        spec: Mapping[str, Any],
        context: Context,
        progress: Progress = NULL_PROGRESS,
    ) -> Result:
        from sahelgis.analysis.results import as_rows

        frame = rule_frame(events.frame, synthetic=events.synthetic)
        if rows is not None:
            frame = frame.iloc[as_rows(rows, len(frame))]
        return self._result(spec, frame, progress)

    def _result(
        self,
        spec: Mapping[str, Any],
        frame: pd.DataFrame,
        progress: Progress = NULL_PROGRESS,
    ) -> Result:
        from sahelgis.analysis.cross_source import likely_duplicates
        from sahelgis.model.events import EventTable

        spec = self.restore(spec)
        frame = frame.reset_index(drop=True)
        is_ged = _is_ged(frame)
        made_up = frame[SYNTHETIC].to_numpy(dtype=bool)
        acled_part = EventTable(frame[~is_ged].reset_index(drop=True))
        ged_part = EventTable(frame[is_ged].reset_index(drop=True))
        found = likely_duplicates(
            acled_part,
            ged_part,
            max_km=float(spec["km"]),
            max_days=int(spec["days"]),
            require_actor=not spec["any_actor"],
            progress=progress,
        )
        # one order whatever the row order of the input (batch partitions)
        table = found.pairs.sort_values(
            ["ucdp_date_start", "ucdp_event_id", "acled_date", "acled_event_id"],
            kind="stable",
            ignore_index=True,
        )
        for column in ("acled_date", "ucdp_date_start", "ucdp_date_end"):
            table[column] = pd.to_datetime(table[column]).dt.strftime("%Y-%m-%d")
        n_acled, n_ged = len(acled_part), len(ged_part)
        result = Result(
            headline=("SYNTHETIC data — " if made_up.any() else "") + headline(found),
            table=table,
            total=n_acled + n_ged,
            tables={"pairs": table},
            layers=_layers(
                self.layer_name(spec), found, acled_part, ged_part, made_up[~is_ged]
            ),
            total_line=f"total: {len(table)} pairs among {n_acled} ACLED and "
            f"{n_ged} UCDP GED events",
            native=found,
            panel=_described(table),
        )
        if n_acled == 0 or n_ged == 0:
            missing = "UCDP GED" if n_ged == 0 else "ACLED"
            result.warnings.append(
                f"no {missing} events among those analysed: add both sources "
                "(a second event layer, or --with FILE) to find pairs"
            )
        return result

    # -- batch --------------------------------------------------------------------
    @override
    def columns(self, spec: Mapping[str, Any]) -> tuple[str, ...]:
        return (*BASE_COLUMNS, *RULE_COLUMNS)

    @override
    def partial(self, spec: Mapping[str, Any], events: EventTable) -> Tables:
        """The partition's events, only the columns the rule reads.

        Pairs can span partitions, so pairing runs once in :meth:`finish`.
        """
        return {EVENTS: rule_frame(events.frame, synthetic=events.synthetic)}

    @override
    def merge(self, spec: Mapping[str, Any], partials: Sequence[Tables]) -> Tables:
        frames = [p[EVENTS] for p in partials]
        return {EVENTS: pd.concat(frames, ignore_index=True)}

    @override
    def finish(self, spec: Mapping[str, Any], merged: Tables) -> Result:
        frame = merged[EVENTS]
        order = np.argsort(frame[acled.EVENT_DATE].to_numpy(), kind="stable")
        return self._result(spec, frame.iloc[order])

    @override
    def run_whole(self, spec: Mapping[str, Any], events: EventTable) -> Result:
        return self._result(spec, rule_frame(events.frame, synthetic=events.synthetic))


def _is_ged(frame: pd.DataFrame) -> np.ndarray:
    if acled.SOURCE not in frame.columns:
        return np.zeros(len(frame), dtype=bool)
    return (frame[acled.SOURCE].astype(str) == ucdp.UCDP_SOURCE).to_numpy()


def rule_frame(frame: pd.DataFrame, *, synthetic: bool = False) -> pd.DataFrame:
    """The columns the pairing reads, plain (text as object, missing filled).

    Parameters
    ----------
    frame
        Event rows of either source (lon/lat in EPSG:4326 degrees).
    synthetic
        The rows are made-up demo data (kept in :data:`SYNTHETIC` unless the
        frame already has that column).

    Returns
    -------
    pandas.DataFrame
        :data:`BASE_COLUMNS`, :data:`RULE_COLUMNS` and :data:`SYNTHETIC`; a
        column the events lack is empty text (dates: NaT; fatalities: 0).
    """
    out: dict[str, Any] = {}
    n = len(frame)
    for name in (*BASE_COLUMNS, *RULE_COLUMNS):
        if name in frame.columns:
            column = frame[name]
            if isinstance(column.dtype, pd.CategoricalDtype):
                column = column.astype(object).where(column.notna(), "")
            out[name] = column.to_numpy()
        elif name == ucdp.DATE_END:
            out[name] = np.full(n, np.datetime64("NaT"), dtype="datetime64[s]")
        elif name in (acled.FATALITIES, acled.GEO_PRECISION):
            out[name] = np.zeros(n, dtype=np.int64)
        else:
            out[name] = np.full(n, "", dtype=object)
    out[SYNTHETIC] = (
        frame[SYNTHETIC].to_numpy(dtype=bool)
        if SYNTHETIC in frame.columns
        else np.full(n, bool(synthetic))
    )
    result = pd.DataFrame(out)
    result[ucdp.DATE_END] = result[ucdp.DATE_END].astype("datetime64[s]")
    result[acled.EVENT_DATE] = result[acled.EVENT_DATE].astype("datetime64[s]")
    result[acled.FATALITIES] = (
        pd.to_numeric(result[acled.FATALITIES], errors="coerce")
        .fillna(0)
        .astype(np.int64)
    )
    return result


def combined_events(tables: Sequence[EventTable]) -> EventTable:
    """Several event tables (an ACLED layer and a GED layer) as one.

    Parameters
    ----------
    tables
        Event tables of either source (lon/lat in EPSG:4326 degrees).

    Returns
    -------
    EventTable
        Their rows with the columns the pairing reads (:func:`rule_frame`),
        by date; synthetic when any input is.
    """
    from sahelgis.model.events import EventTable

    frames = [rule_frame(t.frame, synthetic=t.synthetic) for t in tables]
    frame = (
        pd.concat(frames, ignore_index=True)
        if frames
        else rule_frame(pd.DataFrame(columns=list(acled.REQUIRED_COLUMNS)))
    )
    return EventTable(frame, synthetic=any(t.synthetic for t in tables))


def headline(found: DuplicateCandidates) -> str:
    """The result's sentence, with the rule's parameters.

    E.g. "12 likely duplicate pairs between ACLED and UCDP GED (≤ 10 km,
    ≤ 2 days, same actor side) — not merged".
    """
    n = len(found.pairs)
    actor = ", same actor side" if found.require_actor else ", any actors"
    pairs = "pair" if n == 1 else "pairs"
    return (
        f"{n:,} likely duplicate {pairs} between ACLED and UCDP GED "
        f"(≤ {found.max_km:g} km, ≤ {_days(found.max_days)}{actor}) — not merged"
    )


def _days(n: int) -> str:
    return "1 day" if int(n) == 1 else f"{int(n)} days"


def _layers(
    name: str,
    found: DuplicateCandidates,
    acled_part: EventTable,
    ged_part: EventTable,
    acled_made_up: np.ndarray,
) -> list[ResultLayer]:
    """Paired events marked by source (made-up ones said so), and pair links."""
    import geopandas as gpd
    import shapely

    pairs = found.pairs
    a_xy = _coordinates(acled_part)
    g_xy = _coordinates(ged_part)
    a = np.array([a_xy[i] for i in pairs["acled_event_id"]]).reshape(-1, 2)
    g = np.array([g_xy[i] for i in pairs["ucdp_event_id"]]).reshape(-1, 2)
    lines: Any = shapely.linestrings(np.stack([a, g], axis=1)) if len(pairs) else []
    links = gpd.GeoDataFrame(
        {
            "pair": np.arange(1, len(pairs) + 1, dtype=np.int64),
            "acled_event_id": pairs["acled_event_id"].astype(str).to_numpy(),
            "ucdp_event_id": pairs["ucdp_event_id"].astype(str).to_numpy(),
            "distance_km": pairs["distance_km"].to_numpy(dtype="float64"),
            "days_apart": pairs["days_apart"].to_numpy(dtype="int64"),
        },
        geometry=gpd.GeoSeries(lines, crs="EPSG:4326"),
        crs="EPSG:4326",
    )
    ids_a = list(dict.fromkeys(pairs["acled_event_id"].astype(str)))
    labels = dict(
        zip(
            acled_part.frame[acled.EVENT_ID].astype(str),
            np.where(acled_made_up, SYNTHETIC_DATASET, ACLED_DATASET),
            strict=True,
        )
    )
    ids_g = list(dict.fromkeys(pairs["ucdp_event_id"].astype(str)))
    xy = np.array([a_xy[i] for i in ids_a] + [g_xy[i] for i in ids_g]).reshape(-1, 2)
    marks = gpd.GeoDataFrame(
        {
            "event_id": ids_a + ids_g,
            "source": [labels[i] for i in ids_a] + [ucdp.UCDP_SOURCE] * len(ids_g),
        },
        geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1], crs="EPSG:4326"),
        crs="EPSG:4326",
    )
    return [
        ResultLayer("marks", f"{name} — paired events", marks, MARK_STYLE),
        ResultLayer("links", name, links, LINK_STYLE),
    ]


def _coordinates(events: EventTable) -> dict[str, tuple[float, float]]:
    frame = events.frame
    ids = frame[acled.EVENT_ID].astype(str).to_numpy()
    lon = frame[acled.LONGITUDE].to_numpy(dtype="float64")
    lat = frame[acled.LATITUDE].to_numpy(dtype="float64")
    return {i: (x, y) for i, x, y in zip(ids, lon, lat, strict=True)}


def _described(table: pd.DataFrame) -> pd.DataFrame:
    """Distances and gaps are descriptions, not counts to chart."""
    out = table.copy()
    for column in ("distance_km", "days_apart", "acled_fatalities", "ucdp_fatalities"):
        if column in out:
            out[column] = out[column].map(str)
    return out


ANALYSIS = Duplicates()
