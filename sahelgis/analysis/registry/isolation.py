"""Town isolation: the access roads of a town and the attacks on each.

The report's siege of Nara: the roads that reach a town within ``radius``,
split at the town, and the events within ``within`` of each, per month, with
days since the last event and a linear trend
(:func:`sahelgis.analysis.isolation.town_isolation`). Runs in the GUI and on
the command line; recipes do not hold it yet.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from typing_extensions import override

from sahelgis.analysis.registry.base import (
    Analysis,
    Box,
    Context,
    Result,
    ResultLayer,
)
from sahelgis.analysis.registry.corridor import classed_by_count
from sahelgis.analysis.registry.params import Param
from sahelgis.analysis.results import COUNT
from sahelgis.analysis.units import format_distance
from sahelgis.progress import NULL_PROGRESS, Progress

if TYPE_CHECKING:
    from collections.abc import Mapping

    import numpy as np

    from sahelgis.model.events import EventTable


class Isolation(Analysis):
    """Access roads of a town, classed by events."""

    id = "isolation"
    label = "Town isolation"
    summary = "Access roads of a town: events per road and month, days since last."
    batch = False
    params = (
        Param(
            "town",
            "Town",
            "text",
            help="town name (accents and case ignored)",
            required=True,
        ),
        Param(
            "radius",
            "Roads within",
            "distance",
            "100 km",
            help="access roads reaching this far from the town, with its unit",
        ),
        Param(
            "within",
            "Events within of a road",
            "distance",
            "5 km",
            help="events this close to an access road count for it",
        ),
    )

    @override
    def resolve(self, values: dict[str, Any], context: Context) -> dict[str, Any]:
        from sahelgis.analysis.places import resolve_town

        lon, lat, row = resolve_town(values["town"], context.places())
        context.layer("roads")  # refuse early when there is none
        return {
            "name": str(row["name"]),
            "lon": float(lon),
            "lat": float(lat),
            "radius_m": float(values["radius"]),
            "within_m": float(values["within"]),
            "caveat": context.caveat("roads"),
        }

    @override
    def layer_name(self, spec: Mapping[str, Any]) -> str:
        return f"{spec['name']} — access roads"

    @override
    def read_box(self, spec: Mapping[str, Any], context: Context) -> Box | None:
        from sahelgis.analysis.buffers import lonlat_box_around

        reach = spec["radius_m"] + spec["within_m"] + 2_000.0
        return lonlat_box_around(spec["lon"], spec["lat"], reach)

    @override
    def run(
        self,
        events: EventTable,
        rows: np.ndarray | None,
        spec: Mapping[str, Any],
        context: Context,
        progress: Progress = NULL_PROGRESS,
    ) -> Result:
        from sahelgis.analysis.isolation import town_isolation

        result = town_isolation(
            events,
            spec["lon"],
            spec["lat"],
            context.layer("roads"),
            spec["radius_m"],
            spec["within_m"],
            rows=rows,
            name=spec["name"],
        )
        frame, style = classed_by_count(result.roads.copy(), "events", line=True)
        summary = "; ".join(
            f"{row.label}: {int(row.events)} events, last {_days(row)} days ago, "
            f"trend {row.trend_per_month:+.2f}/month"
            for row in result.roads.itertuples()
        )
        monthly = result.monthly.pivot_table(
            index="month", columns="label", values=COUNT, aggfunc="sum", fill_value=0
        ).reset_index()
        monthly.columns = [str(c) for c in monthly.columns]
        monthly["month"] = monthly["month"].astype(str)
        table = result.roads.drop(columns=result.roads.geometry.name)
        out = Result(
            headline=f"{spec['name']}: {result.total:,} events on access roads "
            f"within {format_distance(spec['radius_m'])}. {summary or 'none'}",
            table=table,
            total=result.total,
            tables={"roads": table, "monthly": monthly},
            layers=[ResultLayer("roads", self.layer_name(spec), frame, style)],
            native=result,
            panel=monthly,
        )
        if spec.get("caveat"):
            out.caveats.append(f"roads layer: {spec['caveat']}")
        return out


def _days(row: Any) -> str:
    value = row.days_since_last
    return "—" if value != value else str(int(value))  # NaN: no event yet


ANALYSIS = Isolation()
