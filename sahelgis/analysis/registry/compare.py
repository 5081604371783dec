"""Compare two periods: events per area in period A and B, change and ratio.

Areas are cercles, regions, countries or hexagons, or the rings of a buffer
around a town (``areas = ring``) or the segments of a road corridor
(``areas = segment``); the map layer is a diverging choropleth of the percent
change. Rings and segments are counted by the buffer and corridor analyses
themselves (per day), so their counts per period equal ``sahelgis buffer`` and
``sahelgis corridor`` for the same dates. Recipes compare all of them: per
hexagon each partition counts its events per location and day and the grid is
laid in ``finish`` (centred on every event, as the direct run centres it); per
ring or segment each partition runs the buffer's or corridor's own partial by
day and ``finish`` theirs.

The counting is that of :mod:`~sahelgis.analysis.registry.counts` (one pass
of :func:`~sahelgis.analysis.areas.counts_per_area` per area and day), so a
period's count per area equals ``sahelgis counts`` for the same dates and
filter. Without dates, B is the last 12 months to the data's last day (the
last day with an event in an area) and A the 12 months before. The method and
class breaks are in :mod:`sahelgis.analysis.change`.

Size: over 600 lines because the change analyses (compare, and alerts and
trend through :class:`AreaDays`) share their per-area, per-day counting and
batch steps here, for admin areas, hexagons, rings and segments alike.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from typing_extensions import override

from sahelgis.analysis.registry.base import (
    Analysis,
    Box,
    Context,
    Result,
    ResultLayer,
    Tables,
)
from sahelgis.analysis.registry.counts import ANALYSIS as COUNTS
from sahelgis.analysis.registry.counts import AREAS, HEXAGON
from sahelgis.analysis.registry.params import Param, ParamError
from sahelgis.analysis.results import COUNT
from sahelgis.analysis.units import format_distance
from sahelgis.model.styles import Style
from sahelgis.progress import NULL_PROGRESS, Progress

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    import geopandas as gpd
    import pandas as pd

    from sahelgis.model.events import EventTable

PERIOD_KEYS = ("a_from", "a_to", "b_from", "b_to")
#: Areas made by another analysis: the rings of a buffer, the segments of a
#: corridor (run with ``by = day``, their label column as the area name).
BY_PLACE: dict[str, str] = {"ring": "buffer", "segment": "corridor"}
#: Prefix of the buffer's or corridor's own tables in a batch's partials.
INNER = "inner."


class AreaDays(Analysis):
    """An analysis of events per area and day (compare, alerts)."""

    area_params: tuple[Param, ...] = (COUNTS.param("areas"), COUNTS.param("size"))

    def resolve_areas(self, values: dict[str, Any], context: Context) -> dict[str, Any]:
        """The areas part of the spec (refused early when the layer is missing)."""
        spec: dict[str, Any] = {"areas": values["areas"]}
        if values["areas"] == HEXAGON:
            spec["size_m"] = float(values["size"])
        else:
            context.layer(AREAS[values["areas"]][0])
        return spec

    def area_item(self, spec: Mapping[str, Any]) -> dict[str, Any]:
        """The areas as recipe keys: ``areas`` (and ``size`` for hexagons)."""
        item: dict[str, Any] = {"areas": spec["areas"]}
        if spec["areas"] == HEXAGON:
            item["size"] = f"{float(spec.get('size_m', 25_000)):g} m"
        return item

    def area_text(self, spec: Mapping[str, Any]) -> str:
        """The areas as text: cercle, hexagon of 25 km."""
        if spec["areas"] == HEXAGON:
            return f"hexagon of {format_distance(spec.get('size_m', 25_000))}"
        inner = spec.get("inner") or {}
        if spec["areas"] == "ring" and inner.get("centres"):
            return f"ring around {inner['centres'][0]['name']}"
        roads = inner.get("roads") or []
        if spec["areas"] == "segment" and roads and roads[0].get("name"):
            return f"segment of {roads[0]['name']}"
        return str(spec["areas"])

    def day_table(
        self,
        events: EventTable,
        rows: np.ndarray | None,
        spec: Mapping[str, Any],
        context: Context,
        progress: Progress = NULL_PROGRESS,
    ) -> tuple[gpd.GeoDataFrame, str, pd.DataFrame, tuple[str, str] | None]:
        """The areas, their name field, events per area and day, and the span.

        Returns
        -------
        (areas, field, days, span)
            ``areas`` (EPSG:4326 or its own CRS; for hexagons the cells
            holding an event), the name field, the tidy table ``field``,
            ``day`` (ISO), ``count`` (non-zero rows only), and the first and
            last day of the considered events (in an area or not; None when
            there are none).
        """
        from sahelgis.analysis.areas import counts_per_area, counts_per_hex

        span = _span(_all_days(events, rows))
        if spec["areas"] == HEXAGON:
            cells, table = counts_per_hex(events, spec["size_m"], rows=rows, by="day")
            cells = cells.drop(columns=[COUNT])
            return cells, "hex_id", table[table[COUNT] > 0], span
        areas, field = COUNTS.areas_of(spec, context)
        table = counts_per_area(
            events, areas, field, rows=rows, by="day", keep_zeros=False,
            progress=progress,
        )  # fmt: skip
        return areas, field, table, span

    # -- batch --------------------------------------------------------------------
    @override
    def columns(self, spec: Mapping[str, Any]) -> tuple[str, ...]:
        from sahelgis.analysis.registry.base import BASE_COLUMNS

        return BASE_COLUMNS

    # the areas are those of counts, shipped to the engines the same way
    @override
    def extent(self, spec: Mapping[str, Any]) -> Box | None:
        if spec["areas"] not in AREAS:  # the data's span needs every event
            return None
        return COUNTS.extent(spec)

    @override
    def read_box(self, spec: Mapping[str, Any], context: Context) -> Box | None:
        if spec["areas"] not in AREAS:  # hexagons, rings, segments: read all
            return None
        return COUNTS.read_box(spec, context)

    @override
    def prepare_batch(self, spec: dict[str, Any], context: Context) -> dict[str, Any]:
        return COUNTS.prepare_batch(spec, context)

    @override
    def partial(self, spec: Mapping[str, Any], events: EventTable) -> Tables:
        from sahelgis.analysis.areas import counts_per_area, located_counts

        if spec["areas"] == HEXAGON:  # per location; the grid in finish
            table = located_counts(events, "day")
        else:
            table = counts_per_area(
                events, spec["_areas"], spec["_field"], by="day", keep_zeros=False
            )
        return {"days": table, "all_days": _all_days(events, None)}

    @override
    def run(
        self,
        events: EventTable,
        rows: np.ndarray | None,
        spec: Mapping[str, Any],
        context: Context,
        progress: Progress = NULL_PROGRESS,
    ) -> Result:
        spec = self.restore(spec)
        areas, field, days, span = self.day_table(events, rows, spec, context, progress)
        return self._result(spec, areas, field, days, span)

    @override
    def finish(self, spec: Mapping[str, Any], merged: Tables) -> Result:
        if spec["areas"] == HEXAGON:
            from sahelgis.analysis.areas import hex_counts_of

            located = merged.get("days")
            if located is not None and len(located):
                cells, days = hex_counts_of(located, spec["size_m"], "day")
            else:
                cells, days = hex_counts_of(_no_locations(), spec["size_m"], "day")
            merged = {**merged, "days": days}
            areas = cells.drop(columns=[COUNT])
        else:
            areas = spec["_areas"]
        days, span = self.merged_days(spec, merged)
        return self._result(self.restore(spec), areas, spec["_field"], days, span)

    def _result(
        self,
        spec: Mapping[str, Any],
        areas: gpd.GeoDataFrame,
        field: str,
        days: pd.DataFrame,
        span: tuple[str, str] | None,
        notes: list[str] | None = None,
    ) -> Result:
        """The result from the per-area, per-day counts (each analysis's own)."""
        raise NotImplementedError

    def merged_days(
        self, spec: Mapping[str, Any], merged: Tables
    ) -> tuple[pd.DataFrame, tuple[str, str] | None]:
        """The merged per-area, per-day table and the scope's span.

        The table is sorted and possibly empty; the span is the first and last
        day of every event of the scope (None when there are none).
        """
        import pandas as pd

        from sahelgis.analysis.change import DAY

        field = spec["_field"]
        span = _span(merged.get("all_days", pd.DataFrame()))
        days = merged.get("days", pd.DataFrame())
        if not len(days):
            return pd.DataFrame({field: [], DAY: [], COUNT: []}), span
        days = days[[field, DAY, COUNT]].copy()
        days[COUNT] = days[COUNT].astype(np.int64)
        days = days[days[COUNT] > 0]
        return days.sort_values([DAY, field]).reset_index(drop=True), span


def _place_days(
    spec: Mapping[str, Any], counted: Result
) -> tuple[gpd.GeoDataFrame, str, pd.DataFrame]:
    """The rings or segments, their name field and events per area and day.

    ``counted`` is the buffer's or corridor's result by day (run directly or
    finished from a batch's merged partitions); areas are named by the
    layer's labels ("Bamako — 0–25 km", "RN4 km 0–20").
    """
    import pandas as pd

    from sahelgis.analysis.change import DAY

    field = str(spec["areas"])
    layer = counted.layers[0].data
    if "label" not in layer.columns:  # a buffer's batch layer: centre, ring
        label = layer["centre"].astype(str) + " — " + layer["ring"].astype(str)
        layer = layer.assign(label=label)
    if field == "ring":
        key = layer["label"].astype(str).str.split(" — ", n=1).str[-1]
    else:
        key = layer["segment"].astype(str)
    label_of = dict(zip(key, layer["label"].astype(str), strict=True))
    days = counted.tables["counts"]
    days = days[days[COUNT].astype(np.int64) > 0]
    days = pd.DataFrame(
        {
            field: days[field].astype(str).map(label_of).to_numpy(),
            DAY: days[DAY].astype(str).to_numpy(),
            COUNT: days[COUNT].astype(np.int64).to_numpy(),
        }
    )
    areas = layer[[layer.geometry.name]].assign(
        **{field: layer["label"].astype(str).to_numpy()}
    )
    return areas, field, days


def _place_item(inner: Mapping[str, Any]) -> dict[str, Any]:
    """The recipe keys of a ring's town and radii or a segment's road.

    ``{}`` when the rings or segments are not around one named town or road.
    """
    if inner.get("kind") == "buffer":
        centres = inner.get("centres") or []
        if len(centres) != 1 or not centres[0].get("name"):
            return {}
        radii = [f"{float(r):g} m" for r in inner["radii_m"]]
        return {"town": str(centres[0]["name"]), "radii": radii}
    roads = inner.get("roads") or []
    if inner.get("kind") == "corridor" and len(roads) == 1 and roads[0].get("name"):
        return {
            "road": str(roads[0]["name"]),
            "within": f"{float(inner['within_m']):g} m",
            "segment": f"{float(inner['segment_m']):g} m",
        }
    return {}


def _no_locations() -> pd.DataFrame:
    """An empty :func:`~sahelgis.analysis.areas.located_counts` table."""
    import pandas as pd

    from sahelgis.analysis.areas import AT
    from sahelgis.analysis.change import DAY

    return pd.DataFrame({AT: pd.Series(dtype=object), DAY: [], COUNT: []})


def _readable(table: pd.DataFrame) -> pd.DataFrame:
    """The compare table for reading (the result panel).

    Change as "+150%", ratio as "2.5×", "new" or "gone"; the command line's
    table, batch tables and the layer keep the numbers.
    """
    out = table.reset_index(drop=True)  # no row numbers in the panel
    pct, ratio, status = out["change_pct"], out["ratio"], out["status"]
    out["change_pct"] = [
        "" if p != p else f"{p:+,.1f}%".replace(".0%", "%") for p in pct
    ]
    out["ratio"] = [
        "new" if st == "new" else "gone" if st == "gone" else f"{r:,.3g}×"
        for r, st in zip(ratio, status, strict=True)
    ]
    return out


def _inner_spec(values: Mapping[str, Any], context: Context) -> dict[str, Any]:
    """The buffer or corridor spec counting per ring or segment and day."""
    from sahelgis.analysis.registry import get

    if values["areas"] == "ring":
        if not values.get("town") or not values.get("radii"):
            raise ParamError("areas = ring needs town and radii (e.g. 25,50km)")
        raw: dict[str, Any] = {
            "town": [values["town"]],
            "radii_m": list(values["radii"]),
            "by": "day",
        }
        return get("buffer").spec_from(raw, context)
    if not values.get("road"):
        raise ParamError("areas = segment needs road (e.g. RN4)")
    raw = {
        "road": [values["road"]],
        "within": f"{values['within']!r} m",
        "segment": f"{values['segment']!r} m",
        "by": "day",
    }
    return get("corridor").spec_from(raw, context)


def _all_days(events: EventTable, rows: np.ndarray | None) -> pd.DataFrame:
    """Events per day (ISO), whatever their area: the data's span."""
    import pandas as pd

    from sahelgis.analysis.change import DAY
    from sahelgis.analysis.results import as_rows, group_codes

    codes, labels = group_codes(events, DAY)
    found = codes[as_rows(rows, len(events))]
    present = np.unique(found)
    return pd.DataFrame(
        {DAY: labels[present].astype(str), COUNT: np.bincount(found)[present]}
    )


def _span(all_days: pd.DataFrame) -> tuple[str, str] | None:
    """First and last day of a per-day table (None when empty)."""
    from sahelgis.analysis.change import DAY

    if not len(all_days):
        return None
    day = all_days[DAY].astype(str)
    return str(day.min()), str(day.max())


class Compare(AreaDays):
    """Events per area in two periods, with change and ratio."""

    id = "compare"
    label = "Compare periods"
    summary = (
        "Compare two periods per cercle, region, hexagon, ring or road segment: "
        "change and ratio."
    )
    description = (
        "Without dates: the last 12 months to the data's last day (B) against "
        "the 12 months before (A). Status 'new': none in A, some in B; 'gone': "
        "some in A, none in B. Map classes of percent change: -50% or less, "
        "-50 to -10%, -10 to +10% (white), +10 to +50%, +50 to +100%, "
        "+100% or more, new, gone."
    )
    params = (
        Param(
            "areas",
            "Areas",
            "choice",
            "cercle",
            help="the areas compared (ring: around --town; segment: along --road)",
            choices=("cercle", "region", "country", HEXAGON, *BY_PLACE),
            synonyms={
                **COUNTS.param("areas").synonyms,
                "ring": ("rings",),
                "segment": ("segments",),
            },
        ),
        COUNTS.param("size"),
        Param(
            "town",
            "Ring centre (areas = ring)",
            "text",
            help="town the rings are around (areas = ring)",
        ),
        Param(
            "radii",
            "Radii (areas = ring)",
            "distances",
            help="ring radii with their unit, e.g. 25,50km (areas = ring)",
            cli_flag="--radius",
        ),
        Param(
            "road",
            "Road (areas = segment)",
            "text",
            help="road reference, e.g. RN4 (areas = segment)",
        ),
        Param(
            "within",
            "Within (areas = segment)",
            "distance",
            "10 km",
            help="distance from the road, with its unit (areas = segment)",
        ),
        Param(
            "segment",
            "Segment length (areas = segment)",
            "distance",
            "25 km",
            help="segment length along the road (areas = segment)",
        ),
        Param("a_from", "Period A from", "date", help="first day of period A"),
        Param("a_to", "Period A to", "date", help="last day of period A"),
        Param("b_from", "Period B from", "date", help="first day of period B"),
        Param("b_to", "Period B to", "date", help="last day of period B"),
    )
    own_dates = True

    @override
    def resolve(self, values: dict[str, Any], context: Context) -> dict[str, Any]:
        if values["areas"] in BY_PLACE:
            spec = {"areas": values["areas"], "inner": _inner_spec(values, context)}
        else:
            spec = self.resolve_areas(values, context)
        given = [k for k in PERIOD_KEYS if values.get(k)]
        if given and len(given) < 4:
            raise ParamError(
                "give a_from, a_to, b_from and b_to together, or none (the last "
                "12 months against the 12 before)"
            )
        if given:
            a_from, a_to, b_from, b_to = (str(values[k]) for k in PERIOD_KEYS)
            if a_to < a_from:
                raise ParamError(f"a_to {a_to} is before a_from {a_from}")
            if b_to < b_from:
                raise ParamError(f"b_to {b_to} is before b_from {b_from}")
        spec["periods"] = [str(values[k]) for k in PERIOD_KEYS] if given else None
        return spec

    @override
    def restore(self, saved: Mapping[str, Any]) -> dict[str, Any]:
        spec = {k: v for k, v in saved.items() if k != "kind"}
        spec.setdefault("areas", "cercle")
        spec.setdefault("periods", None)
        return {"kind": self.id, **spec}

    @override
    def recipe_items(self, spec: Mapping[str, Any], context: Context) -> list[dict]:
        spec = self.restore(spec)
        item: dict[str, Any] = {"kind": self.id, **self.area_item(spec)}
        if spec["areas"] in BY_PLACE:
            place = _place_item(spec.get("inner") or {})
            if not place:
                return []
            item.update(place)
        if spec["periods"]:
            item.update(zip(PERIOD_KEYS, spec["periods"], strict=True))
        return [item]

    # -- batch: rings and segments by the buffer's and corridor's own batch ---
    @override
    def prepare_batch(self, spec: dict[str, Any], context: Context) -> dict[str, Any]:
        if spec["areas"] not in BY_PLACE:
            return super().prepare_batch(spec, context)
        from sahelgis.analysis.registry import get

        inner = get(spec["inner"]["kind"]).prepare_batch(dict(spec["inner"]), context)
        return {**spec, "inner": inner, "_field": spec["areas"]}

    @override
    def partial(self, spec: Mapping[str, Any], events: EventTable) -> Tables:
        if spec["areas"] not in BY_PLACE:
            return super().partial(spec, events)
        from sahelgis.analysis.registry import get

        inner = get(spec["inner"]["kind"]).partial(spec["inner"], events)
        tables = {INNER + name: table for name, table in inner.items()}
        return {**tables, "all_days": _all_days(events, None)}

    @override
    def merge(self, spec: Mapping[str, Any], partials: Sequence[Tables]) -> Tables:
        if spec["areas"] not in BY_PLACE:
            return super().merge(spec, partials)
        from sahelgis.analysis.registry import get

        inner = get(spec["inner"]["kind"]).merge(
            spec["inner"],
            [
                {k[len(INNER) :]: t for k, t in p.items() if k.startswith(INNER)}
                for p in partials
            ],
        )
        days = super().merge(spec, [{"all_days": p["all_days"]} for p in partials])
        return {**{INNER + k: t for k, t in inner.items()}, **days}

    @override
    def finish(self, spec: Mapping[str, Any], merged: Tables) -> Result:
        if spec["areas"] not in BY_PLACE:
            return super().finish(spec, merged)
        import pandas as pd

        from sahelgis.analysis.registry import get

        inner = {k[len(INNER) :]: t for k, t in merged.items() if k.startswith(INNER)}
        counted = get(spec["inner"]["kind"]).finish(spec["inner"], inner)
        areas, field, days = _place_days(spec, counted)
        span = _span(merged.get("all_days", pd.DataFrame()))
        result = self._result(self.restore(spec), areas, field, days, span)
        result.notes += counted.notes
        result.warnings += counted.warnings
        result.caveats += counted.caveats
        return result

    @override
    def layer_name(self, spec: Mapping[str, Any]) -> str:
        spec = self.restore(spec)
        periods = spec.get("periods")
        when = (
            f"{periods[0]}–{periods[1]} vs {periods[2]}–{periods[3]}"
            if periods
            else "last 12 months vs the 12 before"
        )
        return f"Change per {self.area_text(spec)} ({when})"

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

        spec = self.restore(spec)
        if spec["areas"] in BY_PLACE:
            return self._run_by_place(events, rows, spec, context, progress)
        areas, field, days, span = self.day_table(events, rows, spec, context, progress)
        considered = len(as_rows(rows, len(events)))
        outside = considered - int(days[COUNT].sum())
        notes = []
        if outside > 0 and spec["areas"] != HEXAGON:
            notes.append(f"{outside} events fall outside every {spec['areas']}")
        return self._result(spec, areas, field, days, span, notes)

    def _run_by_place(
        self,
        events: EventTable,
        rows: np.ndarray | None,
        spec: Mapping[str, Any],
        context: Context,
        progress: Progress,
    ) -> Result:
        """Per ring or road segment: the buffer or corridor counted per day."""
        from sahelgis.analysis.registry import get

        inner = spec["inner"]
        counted = get(inner["kind"]).run(events, rows, inner, context, progress)
        areas, field, days = _place_days(spec, counted)
        span = _span(_all_days(events, rows))
        result = self._result(spec, areas, field, days, span, list(counted.notes))
        result.warnings += counted.warnings
        result.caveats += counted.caveats
        return result

    @override
    def _result(
        self,
        spec: Mapping[str, Any],
        areas: gpd.GeoDataFrame,
        field: str,
        days: pd.DataFrame,
        span: tuple[str, str] | None,
        notes: list[str] | None = None,
    ) -> Result:
        from sahelgis.analysis.change import (
            CHANGE_CLASSES,
            compare_periods,
            default_periods,
        )
        from sahelgis.model.crs import WGS84

        notes = list(notes or [])

        periods = spec.get("periods")
        if not periods:
            if span is None:
                raise ParamError("no events: no period to compare")
            periods = default_periods(span[1])
            notes.append(
                f"period A {periods[0]} to {periods[1]}, period B {periods[2]} "
                f"to {periods[3]} (the last 12 months to the data's last day)"
            )
        a_from, a_to, b_from, b_to = periods
        names = areas[field].astype(str).tolist()
        table = compare_periods(days, names, field, tuple(periods))
        layer = areas[[field, areas.geometry.name]].copy()
        if layer.crs is not None and not layer.crs.equals(WGS84):
            layer = layer.to_crs(WGS84)
        layer[field] = layer[field].astype(str)
        layer = layer.merge(table, on=field, how="left")
        if spec["areas"] == HEXAGON:
            layer = layer[(layer["count_a"] > 0) | (layer["count_b"] > 0)]
        a, b = int(table["count_a"].sum()), int(table["count_b"].sum())
        pct = f" ({100.0 * (b - a) / a:+,.0f}%)" if a else ""
        kind = "hexagon" if spec["areas"] == HEXAGON else str(spec["areas"])
        new = int((table["status"] == "new").sum())
        gone = int((table["status"] == "gone").sum())
        headline = (
            f"{a:,} → {b:,} events{pct}, {a_from}–{a_to} vs {b_from}–{b_to}; "
            f"{new} {kind}{'' if new == 1 else 's'} new, {gone} gone"
        )
        lines = spec["areas"] == "segment"  # road segments are lines
        style = Style(
            color="#7A7A7A",
            fill="#FFFFFF",
            line_width=6.0 if lines else 0.6,
            category_field="class_label",
            categories=dict(CHANGE_CLASSES),
            label_field=None,
        )
        shown = table[(table["count_a"] > 0) | (table["count_b"] > 0)]
        panel = _readable(
            shown.drop(columns=["class_label"]).sort_values(
                "change", ascending=False, kind="stable"
            )
        )
        # the result panel charts A and B side by side, named by area
        panel.attrs["chart"] = ["count_a", "count_b"]
        panel.attrs["chart_labels"] = [field]
        panel.attrs["chart_colors"] = ["#7A7A7A", "#B2182B"]  # A grey, B red
        return Result(
            headline=headline,
            table=table.drop(columns=["class_label"]),
            total=a + b,
            total_line=f"total: {a} events in A, {b} events in B",
            tables={"compare": table.drop(columns=["class_label"])},
            layers=[ResultLayer("areas", self.layer_name(spec), layer, style)],
            notes=notes,
            panel=panel,
        )


ANALYSIS = Compare()
