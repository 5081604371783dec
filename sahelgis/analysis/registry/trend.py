"""Trend per place: one area's monthly events, Theil–Sen trend, change since.

The area is a cercle, region or country named by ``place`` (or a hexagon by
its id). Events are counted per area and day by the machinery of the compare
and alerts analyses (:class:`~sahelgis.analysis.registry.compare.AreaDays`,
so a recipe runs it on both batch engines), then summed per calendar month of
the place: the months add up to ``sahelgis counts`` for that area, window and
filter. The method (Theil–Sen slope, Mann–Kendall p, change since a month) is
that of :mod:`sahelgis.analysis.trend`; the GUI shows the same for any result
polygon clicked on the map.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from typing_extensions import override

from sahelgis.analysis.registry.base import Context, Result, ResultLayer
from sahelgis.analysis.registry.compare import AreaDays
from sahelgis.analysis.registry.params import Param, ParamError
from sahelgis.analysis.results import COUNT
from sahelgis.model.styles import Style

if TYPE_CHECKING:
    from collections.abc import Mapping

    import geopandas as gpd
    import pandas as pd


class Trend(AreaDays):
    """One area's monthly series with its fitted trend and change since a date."""

    id = "trend"
    label = "Trend per place"
    summary = (
        "Monthly events of one cercle, region or hexagon, with a Theil–Sen "
        "trend, Mann–Kendall p and the change since a date."
    )
    description = (
        "The series runs over every month of the selection (--from/--to, or the "
        "data's first and last event). Slope in events per month per month, "
        "with its 95% CI. --since: mean monthly count from that month on "
        "against the months before, and the change in percent."
    )
    params = (
        *AreaDays.area_params,
        Param("place", "Place", "text", help="the area's name, e.g. Gao"),
        Param(
            "since",
            "Change since",
            "date",
            help="first day of the 'after' months (taken at its month's start)",
        ),
    )

    @override
    def resolve(self, values: dict[str, Any], context: Context) -> dict[str, Any]:
        spec = self.resolve_areas(values, context)
        if not values.get("place"):
            raise ParamError("place: name the area, e.g. place = Gao")
        spec["place"] = str(values["place"])
        spec["since"] = str(values["since"]) if values.get("since") else None
        return spec

    @override
    def restore(self, saved: Mapping[str, Any]) -> dict[str, Any]:
        spec = {k: v for k, v in saved.items() if k != "kind"}
        spec.setdefault("areas", "cercle")
        spec.setdefault("since", None)
        return {"kind": self.id, **spec}

    @override
    def recipe_items(self, spec: Mapping[str, Any], context: Context) -> list[dict]:
        spec = self.restore(spec)
        item = {"kind": self.id, **self.area_item(spec), "place": spec["place"]}
        return [item | ({"since": spec["since"]} if spec["since"] else {})]

    @override
    def layer_name(self, spec: Mapping[str, Any]) -> str:
        spec = self.restore(spec)
        return f"Trend of {spec['place']} ({self.area_text(spec)})"

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
        import pandas as pd

        from sahelgis.analysis.change import DAY
        from sahelgis.analysis.trend import (
            METHOD,
            month_range,
            place_trend,
            trend_summary,
        )
        from sahelgis.model.crs import WGS84

        names = areas[field].astype(str)
        wanted = str(spec["place"])
        match = names[names.str.casefold() == wanted.casefold()]
        if match.empty:
            near = ", ".join(sorted(names.tolist())[:8])
            raise ParamError(
                f"place = {wanted!r}: no such {spec['areas']}; e.g. {near}"
            )
        place = str(match.iloc[0])
        if span is None:
            raise ParamError("no events: no month to chart")
        mine = days[days[field].astype(str) == place]
        per_month = mine.groupby(mine[DAY].astype(str).str[:7])[COUNT].sum()
        series = per_month.reindex(month_range(*span), fill_value=0).astype(np.int64)
        trend = place_trend(series, place, spec.get("since"))
        table = pd.DataFrame(
            {
                "month": trend.months,
                COUNT: trend.counts,
                "fitted": np.round(trend.fitted, 3),
            }
        )
        layer = areas[names == place][[field, areas.geometry.name]].copy()
        if layer.crs is not None and not layer.crs.equals(WGS84):
            layer = layer.to_crs(WGS84)
        style = Style(color="#B2182B", fill="#F4A582", line_width=1.2)
        panel = table.copy()
        # the result panel charts each month's count beside the fitted line
        panel.attrs["chart"] = ["count", "fitted"]
        panel.attrs["chart_labels"] = ["month"]
        panel.attrs["chart_colors"] = ["#B2182B", "#202020"]
        return Result(
            headline=trend_summary(trend),
            panel=panel,
            table=table,
            total=trend.total,
            tables={"trend": table},
            layers=[ResultLayer("place", self.layer_name(spec), layer, style)],
            notes=[f"method: {METHOD}"],
            native=trend,
        )


ANALYSIS = Trend()
