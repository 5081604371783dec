"""Surge and threat alerts per area, at every week or month of the data.

ACLED's rules, from its Subnational Threat & Surge Trackers page
(https://acleddata.com/early-warning-research-hub/subnational-threat-surge-tracker/,
read from the stored copy of the page):

    "The Subnational Surge Tracker flags cases in which a first-order
    administrative division saw an increase of 100% or more in violent events
    last week relative to the average number of events per week over the past
    month. [...] The Subnational Threat Tracker notes when a first-order
    administrative division saw an increase of 100% or more in violence last
    month relative to the average number of events per month over the past
    year [...] The dashboard is limited to those first-order administrative
    divisions where the four-week average number of events is at least one."

What is implemented (:func:`sahelgis.analysis.change.alerts`):

- preset ``acled_surge``: window a week (7 days, the weeks ending on the
  data's last day), baseline the 4 weeks before, alert at ≥ 100% more than
  their average, and the baseline average at least 1 event per week (ACLED's
  "four-week average ... at least one");
- preset ``acled_threat``: window a calendar month, baseline the 12 months
  before, ≥ 100% more than their average, baseline average at least 1 event
  per month (ACLED states its floor for the four-week average only; the
  monthly floor is ours);
- both: at least ``min_count`` events (default 3) in the window, so a single
  event after a quiet spell (1 against an average of 0.25) raises nothing.

Every value of a preset can be changed (``--window``, ``--baseline``,
``--increase``, ``--min-count``, ``--min-baseline``; the GUI dialog asks the
preset, the increase and both minimums, the window and baseline coming from
the preset). Unlike ACLED, which
evaluates only the latest week or month, every window with a full baseline
before it is evaluated, across the data's span. ACLED counts only violent
events (battles, explosions/remote violence, violence against civilians,
riots, excessive force against protesters); here the events counted are those
of the filter (``--event-type``, ``--actor``), all by default. Areas are
cercles, regions, countries or hexagons, not only first-order divisions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from typing_extensions import override

from sahelgis.analysis.registry.base import Context, Result, ResultLayer
from sahelgis.analysis.registry.compare import AreaDays
from sahelgis.analysis.registry.counts import HEXAGON
from sahelgis.analysis.registry.params import Param
from sahelgis.model.styles import Style

if TYPE_CHECKING:
    from collections.abc import Mapping

    import geopandas as gpd
    import pandas as pd


#: The presets: window and baseline windows (both: increase 100%, smallest
#: baseline average 1 event per window, the parameters' defaults).
PRESETS: dict[str, dict[str, Any]] = {
    "acled_surge": {"window": "week", "baseline": 4},
    "acled_threat": {"window": "month", "baseline": 12},
}
RULE_KEYS = ("window", "baseline", "increase", "min_count", "min_baseline")
#: Map categories of the alert layer.
NOW, EARLIER, NONE = "alert in the latest window", "alert earlier", "no alert"


class Alerts(AreaDays):
    """Surge and threat alerts per area."""

    id = "alerts"
    label = "Surge and threat alerts"
    summary = "Surge or threat alerts per area at every week or month (ACLED rules)."
    description = (
        "Presets: acled_surge (latest week vs the 4 weeks before, >= 100% "
        "more) and acled_threat (latest month vs the 12 months before, >= 100% "
        "more); every value can be changed. Evaluated at every window of the "
        "data, not only the last."
    )
    own_dates = True
    params = (
        *AreaDays.area_params,
        Param(
            "preset",
            "Rule",
            "choice",
            "acled_surge",
            help="the rule: acled_surge (weekly) or acled_threat (monthly)",
            choices=tuple(PRESETS),
            synonyms={"acled_surge": ("surge",), "acled_threat": ("threat",)},
        ),
        Param(
            "window",
            "Window",
            "choice",
            help="window length (default from the preset)",
            choices=("week", "month"),
            gui=False,
            synonyms={"week": ("weeks", "weekly"), "month": ("months", "monthly")},
        ),
        Param(
            "baseline",
            "Baseline windows",
            "int",
            help="windows before the latest averaged as the baseline "
            "(default from the preset)",
            low=1,
            high=120,
            gui=False,
        ),
        Param(
            "increase",
            "Increase",
            "float",
            100.0,
            help="percent more than the baseline average that raises an alert "
            "(both presets: 100)",
            unit="percent",
            low=0,
            high=100_000,
        ),
        Param(
            "min_count",
            "Fewest events",
            "int",
            3,
            help="fewest events in the window for an alert (1 against 0 is no alert)",
            low=1,
        ),
        Param(
            "min_baseline",
            "Smallest baseline",
            "float",
            1.0,
            help="smallest baseline average, events per window (both presets: 1)",
            low=0,
            high=1_000_000,
        ),
    )

    @override
    def resolve(self, values: dict[str, Any], context: Context) -> dict[str, Any]:
        spec = self.resolve_areas(values, context)
        preset = PRESETS[values["preset"]]
        spec["preset"] = values["preset"]
        spec["window"] = values.get("window") or preset["window"]
        spec["baseline"] = int(values.get("baseline") or preset["baseline"])
        spec["increase"] = float(values["increase"])
        spec["min_count"] = int(values["min_count"])
        spec["min_baseline"] = float(values["min_baseline"])
        return spec

    @override
    def restore(self, saved: Mapping[str, Any]) -> dict[str, Any]:
        spec = {k: v for k, v in saved.items() if k != "kind"}
        spec.setdefault("areas", "cercle")
        spec.setdefault("preset", "acled_surge")
        for key, value in PRESETS[spec["preset"]].items():
            spec.setdefault(key, value)
        spec.setdefault("increase", 100.0)
        spec.setdefault("min_count", 3)
        spec.setdefault("min_baseline", 1.0)
        return {"kind": self.id, **spec}

    @override
    def recipe_items(self, spec: Mapping[str, Any], context: Context) -> list[dict]:
        spec = self.restore(spec)
        return [
            {"kind": self.id, **self.area_item(spec), "preset": spec["preset"]}
            | {k: spec[k] for k in RULE_KEYS}
        ]

    @override
    def layer_name(self, spec: Mapping[str, Any]) -> str:
        spec = self.restore(spec)
        return (
            f"Alerts per {self.area_text(spec)} ({spec['preset']}: "
            f"{spec['window']} vs {spec['baseline']} before, "
            f"+{spec['increase']:g}%)"
        )

    # -- run ----------------------------------------------------------------------

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
        from sahelgis.analysis.change import AlertRule, alerts
        from sahelgis.model.crs import WGS84

        rule = AlertRule(**{k: spec[k] for k in RULE_KEYS})
        names = areas[field].astype(str).tolist()
        table, per_area = alerts(days, names, field, rule, span)
        layer = areas[[field, areas.geometry.name]].copy()
        if layer.crs is not None and not layer.crs.equals(WGS84):
            layer = layer.to_crs(WGS84)
        layer[field] = layer[field].astype(str)
        layer = layer.merge(per_area, on=field, how="left")
        layer["status"] = [
            NOW if now else EARLIER if n else NONE
            for now, n in zip(layer["alert_now"], layer["alerts"], strict=True)
        ]
        if spec["areas"] == HEXAGON:
            layer = layer[layer["alerts"] > 0]
        now = int(per_area["alert_now"].sum())
        flagged = int((per_area["alerts"] > 0).sum())
        plural = "hexagons" if spec["areas"] == HEXAGON else f"{spec['areas']}s"
        notes = []
        if span is not None:
            notes.append(f"evaluated every {spec['window']} of {span[0]} to {span[1]}")
            if spec["window"] == "month":
                notes.append("the latest month may be partial (to the data's last day)")
        headline = (
            f"{len(table):,} {spec['preset']} alerts in {flagged} {plural}; "
            f"{now} with an alert in the latest {spec['window']}"
        )
        style = Style(
            color="#7A7A7A",
            fill="#FFFFFF",
            line_width=0.6,
            category_field="status",
            categories={NOW: "#B2182B", EARLIER: "#F4A582", NONE: "#F7F7F7"},
            label_field=None,
        )
        panel = table.copy()
        # the result panel charts each alert's count beside its baseline
        panel.attrs["chart"] = ["count", "baseline"]
        panel.attrs["chart_labels"] = ["window_end"]
        panel.attrs["chart_colors"] = ["#B2182B", "#7A7A7A"]
        return Result(
            headline=headline,
            table=table,
            panel=panel,
            marks=_marks(table, field),
            total=int(table["count"].sum()) if len(table) else 0,
            total_line=f"total: {len(table)} alerts",
            tables={"alerts": table, "areas": per_area},
            layers=[ResultLayer("areas", self.layer_name(spec), layer, style)],
            notes=notes,
        )


def _marks(table: pd.DataFrame, field: str) -> pd.DataFrame:
    """One timeline mark per window with alerts: its last day and the areas."""
    import pandas as pd

    if not len(table):
        return pd.DataFrame({"date": [], "label": []})
    grouped = table.groupby("window_end", sort=True)
    return pd.DataFrame(
        {
            "date": list(grouped.groups),
            "label": [
                ", ".join(
                    f"{a} ({c})" for a, c in zip(g[field], g["count"], strict=True)
                )
                for _, g in grouped
            ],
        }
    )


ANALYSIS = Alerts()
