"""Support zones: areas where a group's control indicators cluster, per period.

Events matching the rules (actors AND (sub-event types OR keywords in notes))
are clustered per period with DBSCAN in metres; each cluster's hull, buffered
by the margin, is a zone (:func:`sahelgis.analysis.zones.support_zones`).
Rules come from the bundled defaults, a rules file (TOML) or a recipe's
``[analysis.rules]`` table, with ``eps_km``, ``min_events`` and ``margin_km``
overridable.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from typing_extensions import override

from sahelgis.analysis.registry.base import (
    Analysis,
    Context,
    Result,
    ResultLayer,
    Tables,
)
from sahelgis.analysis.registry.params import Param, ParamError
from sahelgis.model import acled_schema as acled
from sahelgis.model.styles import Style
from sahelgis.progress import NULL_PROGRESS, Progress

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    import geopandas as gpd

    from sahelgis.model.events import EventTable

SPAN = "_span"
PERIOD_PALETTE = (
    "#1B9E77", "#D95F02", "#7570B3", "#E7298A",
    "#66A61E", "#E6AB02", "#A6761D", "#666666",
)  # fmt: skip


class Zones(Analysis):
    """Support-zone polygons from control-indicator events."""

    id = "zones"
    label = "Support zones"
    summary = "Cluster control-indicator events into support-zone polygons."
    description = (
        "Events matching the rules (actors AND (sub-event types OR keywords in "
        "notes)) are clustered per period with DBSCAN in metres; each cluster's "
        "hull, buffered by the margin, is a zone."
    )
    params = (
        Param(
            "rules",
            "Rules file",
            "path",
            help="indicator rules (TOML); default: the bundled rules",
            aliases=("rules_file",),
            gui=False,
        ),
        Param(
            "by",
            "Period",
            "choice",
            "year",
            help="one set of zones per period",
            choices=("year", "quarter", "month", "all"),
            synonyms={"all": ("none",)},
        ),
        Param("actors", "Actors", "texts", help="actor name parts (any matches)"),
        Param(
            "keywords",
            "Keywords in notes",
            "texts",
            help="words searched in the notes (any matches)",
            aliases=("notes_keywords",),
        ),
        Param(
            "eps_km",
            "Cluster distance",
            "float",
            help="DBSCAN neighbourhood radius",
            unit="km",
        ),
        Param(
            "min_events",
            "Minimum events",
            "int",
            help="indicator events within the cluster distance that make a core",
            unit="events",
            low=1,
        ),
        Param(
            "margin_km",
            "Margin",
            "float",
            help="buffer around each cluster's hull",
            unit="km",
            allow_zero=True,
        ),
        Param(
            "print_rules",
            "Print rules",
            "flag",
            False,
            help="print the rules in force as TOML and exit (a template to edit)",
            gui=False,
            recipe=False,
        ),
    )

    @override
    def prepare(self, raw: dict[str, Any], where: str) -> dict[str, Any]:
        # a recipe's [analysis.rules] table: read whole in resolve
        if isinstance(raw.get("rules"), dict):
            raw["_rules_table"] = _rules_from_table(raw.pop("rules"), where)
        elif "rules" in raw and not isinstance(raw["rules"], str):
            raise ParamError(f"{where}rules must be a table")
        return raw

    @override
    def resolve(self, values: dict[str, Any], context: Context) -> dict[str, Any]:
        from sahelgis.analysis.rules_toml import load_rules
        from sahelgis.analysis.zones import DEFAULT_RULES, ZoneRules

        if "_rules_table" in values:
            data = dict(values["_rules_table"])
        else:
            path = values.get("rules")
            data = (load_rules(Path(path)) if path else DEFAULT_RULES).to_dict()
        for key, name in (
            ("actors", "actors"),
            ("keywords", "notes_keywords"),
            ("eps_km", "eps_km"),
            ("min_events", "min_events"),
            ("margin_km", "margin_km"),
        ):
            if key in values:
                value = values[key]
                data[name] = list(value) if isinstance(value, tuple) else value
        ZoneRules.from_dict(data)  # checked once more as a whole
        return {
            "rules": data,
            "by": values["by"],
            "print_rules": bool(values.get("print_rules", False)),
        }

    @override
    def restore(self, saved: Mapping[str, Any]) -> dict[str, Any]:
        spec = dict(saved)
        spec.setdefault("by", "year")
        spec["kind"] = self.id
        return spec

    @override
    def recipe_items(self, spec: Mapping[str, Any], context: Context) -> list[dict]:
        spec = self.restore(spec)
        return [{"kind": "zones", "by": spec["by"], "rules": dict(spec["rules"])}]

    @override
    def layer_name(self, spec: Mapping[str, Any]) -> str:
        return f"Support zones by {self.restore(spec)['by']}"

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
        from sahelgis.analysis.zones import ZoneRules, support_zones

        spec = self.restore(spec)
        rules = ZoneRules.from_dict(spec["rules"])
        zones = support_zones(
            events, rules, rows=rows, by=_by(spec["by"]), progress=progress
        )
        return zones_result(self, spec, zones, None)

    # -- batch --------------------------------------------------------------------
    @override
    def columns(self, spec: Mapping[str, Any]) -> tuple[str, ...]:
        from sahelgis.analysis.registry.base import BASE_COLUMNS
        from sahelgis.analysis.zones import ACTOR_COLUMNS

        return (*BASE_COLUMNS, *ACTOR_COLUMNS, acled.SUB_EVENT_TYPE, acled.NOTES)

    @override
    def partial(self, spec: Mapping[str, Any], events: EventTable) -> Tables:
        """The partition's indicator events (1–2 % of the rows) and date span.

        Clusters can span partitions, so clustering runs once in
        :meth:`finish`.
        """
        from sahelgis.analysis.zones import ZoneRules, indicator_mask

        rules = ZoneRules.from_dict(spec["rules"])
        columns = [c for c in self.columns(spec) if c in events.frame]
        mask = indicator_mask(events.frame[columns], rules)
        rows = events.frame.loc[mask, columns].reset_index(drop=True)
        span = events.date_range()
        if span is None:
            frame = pd.DataFrame({"first": [], "last": [], "events": []})
        else:
            frame = pd.DataFrame(
                {
                    "first": [span[0]],
                    "last": [span[1]],
                    "events": [np.int64(len(events))],
                }
            )
        return {"indicators": rows, SPAN: frame}

    @override
    def merge(self, spec: Mapping[str, Any], partials: Sequence[Tables]) -> Tables:
        indicators = [p["indicators"] for p in partials if len(p["indicators"])]
        spans = pd.concat([p[SPAN] for p in partials], ignore_index=True)
        span = pd.DataFrame(
            {
                "first": [spans["first"].min()],
                "last": [spans["last"].max()],
                "events": [np.int64(spans["events"].sum())],
            }
        )
        if indicators:
            from sahelgis.model.events import concat_frames

            rows = concat_frames(indicators)
        else:
            rows = partials[0]["indicators"].iloc[:0]
        return {"indicators": rows, SPAN: span}

    @override
    def finish(self, spec: Mapping[str, Any], merged: Tables) -> Result:
        from sahelgis.analysis.zones import ZoneRules, empty_zones, support_zones
        from sahelgis.model.events import EventTable, optimise_dtypes

        span = merged[SPAN]
        rows = merged["indicators"]
        if len(rows) == 0 or span["events"].sum() == 0:
            return zones_result(self, spec, empty_zones(), 0)
        events = EventTable(optimise_dtypes(rows))
        first = np.datetime64(span["first"].iloc[0], "D")
        last = np.datetime64(span["last"].iloc[0], "D")
        rules = ZoneRules.from_dict(spec["rules"])
        zones = support_zones(events, rules, by=_by(spec["by"]), span=(first, last))
        return zones_result(self, spec, zones, len(rows))

    @override
    def run_whole(self, spec: Mapping[str, Any], events: EventTable) -> Result:
        from sahelgis.analysis.zones import ZoneRules, indicator_mask, support_zones

        rules = ZoneRules.from_dict(spec["rules"])
        zones = support_zones(events, rules, by=_by(spec["by"]))
        columns = [c for c in self.columns(spec) if c in events.frame]
        indicators = int(indicator_mask(events.frame[columns], rules).sum())
        return zones_result(self, spec, zones, indicators)


def _by(by: str) -> str | None:
    return None if by == "all" else by


def _rules_from_table(table: dict[str, Any], where: str) -> dict[str, Any]:
    from sahelgis.analysis.units import check_count, check_distance_km
    from sahelgis.analysis.zones import DEFAULT_RULES, ZoneRules

    try:
        if "eps_km" in table:
            check_distance_km(table["eps_km"], "rules.eps_km")
        if "margin_km" in table:
            check_distance_km(table["margin_km"], "rules.margin_km", allow_zero=True)
        if "min_events" in table:
            check_count(table["min_events"], "rules.min_events", 1)
        return ZoneRules.from_dict(DEFAULT_RULES.to_dict() | table).to_dict()
    except (ValueError, TypeError) as exc:
        text = str(exc)
        raise ParamError(
            f"{where}{text if text.startswith('rules.') else 'rules: ' + text}"
        ) from None


def zones_result(
    analysis: Analysis,
    spec: Mapping[str, Any],
    zones: gpd.GeoDataFrame,
    indicators: int | None,
) -> Result:
    """Zones as a layer coloured by period and a table."""
    from sahelgis.analysis.zones import ZoneRules

    zones = zones.copy()
    zones.attrs = {}
    table = pd.DataFrame(zones.drop(columns=zones.geometry.name)).reset_index(drop=True)
    in_zones = int(pd.to_numeric(table["events"]).sum()) if len(table) else 0
    periods = sorted(zones["period"].astype(str).unique()) if len(zones) else []
    style = Style(
        color="#5A189A",
        fill="#5A189A33",
        line_width=1.5,
        category_field="period",
        categories={
            p: PERIOD_PALETTE[i % len(PERIOD_PALETTE)] + "55"
            for i, p in enumerate(periods)
        },
        label_field="label",
    )
    rules = ZoneRules.from_dict(spec["rules"])
    of = f" of {indicators:,} indicator events" if indicators is not None else ""
    headline = (
        f"{len(zones)} support zones holding {in_zones:,}{of} (rules “{rules.name}”)"
    )
    return Result(
        headline=headline,
        table=table,
        total=in_zones,
        tables={"zones": table},
        layers=[
            ResultLayer(
                "zones",
                f"{analysis.layer_name(spec)} ({len(zones)} zones)",
                zones,
                style,
            )
        ],
        total_line=f"total: {in_zones} events in {len(table)} zones",
        panel=_described(table),
    )


def _described(table: pd.DataFrame) -> pd.DataFrame:
    """Only the event count is charted; the other numbers are descriptions."""
    out = table.copy()
    for column in ("distinct_months", "score", "area_km2"):
        if column in out:
            out[column] = out[column].map(lambda v: f"{v:,.0f}")
    return out


ANALYSIS = Zones()
