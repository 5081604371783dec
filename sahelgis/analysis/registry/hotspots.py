"""Emerging hot spots per hexagon and time step (ArcGIS's categories).

The statistics, neighbourhood and categories are those of
:mod:`sahelgis.analysis.hotspots` (space-time Gi* with a stated hexagon-ring
and time-step neighbourhood, Benjamini–Hochberg FDR, Mann–Kendall on each
location's z series, ArcGIS's Emerging Hot Spot Analysis categories).

The analysis sets its own periods (``own_dates``): every step from the first
to the last event of the selection. Batch: the Gi* of a bin reads its
neighbours and the cube's mean, so a partition returns its events' dates and
locations, and the cube is built once in :meth:`finish`; :meth:`run_whole`
builds it directly, with the same table.
"""

from __future__ import annotations

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

    from sahelgis.model.events import EventTable

EVENTS = "events"
#: Smallest hexagon size, metres.
MIN_SIZE_M = 1_000.0


class Hotspots(Analysis):
    """Emerging hot and cold spots on a hexagon grid × time steps."""

    id = "hotspots"
    label = "Emerging hot spots"
    summary = (
        "Emerging hot and cold spots per hexagon (space-time Gi*, FDR, "
        "Mann-Kendall; ArcGIS's categories)."
    )
    description = (
        "Each hexagon-and-step bin gets a Gi* z-score over the hexagons within "
        "--rings rings in the same step and the --lag steps before; bins are "
        "significant at false discovery rate --fdr percent (Benjamini-Hochberg); each "
        "hexagon is classified as new, consecutive, intensifying, persistent, "
        "diminishing, sporadic, oscillating or historical hot/cold spot, or no "
        "pattern, with a Mann-Kendall trend of its z-scores."
    )
    own_dates = True
    params = (
        Param(
            "size",
            "Hexagon size",
            "distance",
            "10 km",
            help="hexagon size, centre to centre, with its unit",
        ),
        Param(
            "step",
            "Time step",
            "choice",
            "month",
            help="time step: month, quarter or year",
            choices=("month", "quarter", "year"),
            synonyms={
                "month": ("monthly",),
                "quarter": ("quarterly",),
                "year": ("yearly",),
            },
        ),
        Param(
            "rings",
            "Hexagon rings",
            "int",
            1,
            help="hexagon rings around each cell in its neighbourhood (1: the 6 "
            "touching cells)",
            low=1,
            high=5,
        ),
        Param(
            "lag",
            "Earlier steps",
            "int",
            1,
            help="earlier time steps in the neighbourhood (0: the same step only)",
            low=0,
            high=12,
        ),
        Param(
            "fdr",
            "False discovery rate",
            "float",
            5.0,
            help="false discovery rate of the hot/cold bins, percent (also the "
            "level of the trend test)",
            unit="percent",
            low=0.1,
            high=20,
        ),
    )

    @override
    def resolve(self, values: dict[str, Any], context: Context) -> dict[str, Any]:
        spec = super().resolve(values, context)
        if float(spec["size"]) < MIN_SIZE_M:
            raise ParamError(
                f"size = {float(spec['size']):g} m: hexagons of at least "
                f"{MIN_SIZE_M / 1000:g} km (a finer grid leaves one event per cell)"
            )
        spec["alpha"] = float(spec.pop("fdr")) / 100.0
        return spec

    @override
    def restore(self, saved: Mapping[str, Any]) -> dict[str, Any]:
        spec = {k: v for k, v in saved.items() if k != "kind"}
        spec.setdefault("size", 10_000.0)
        spec.setdefault("step", "month")
        spec.setdefault("rings", 1)
        spec.setdefault("lag", 1)
        spec.setdefault("alpha", 0.05)
        return {"kind": self.id, **spec}

    @override
    def recipe_items(self, spec: Mapping[str, Any], context: Context) -> list[dict]:
        spec = self.restore(spec)
        return [
            {
                "kind": self.id,
                "size": f"{float(spec['size']):g} m",
                "step": spec["step"],
                "rings": int(spec["rings"]),
                "lag": int(spec["lag"]),
                "fdr": float(spec["alpha"]) * 100.0,
            }
        ]

    @override
    def layer_name(self, spec: Mapping[str, Any]) -> str:
        spec = self.restore(spec)
        return (
            f"Emerging hot spots ({float(spec['size']) / 1000:g} km hexagons, "
            f"{spec['step']}ly steps)"
        )

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
        from sahelgis.analysis.hotspots import build_cube

        spec = self.restore(spec)
        cube = build_cube(events, float(spec["size"]), spec["step"], rows)
        return self._result(spec, cube)

    @override
    def columns(self, spec: Mapping[str, Any]) -> tuple[str, ...]:
        from sahelgis.analysis.registry.base import BASE_COLUMNS

        return BASE_COLUMNS

    @override
    def partial(self, spec: Mapping[str, Any], events: EventTable) -> Tables:
        """The partition's dates and locations; the cube is built in :meth:`finish`."""
        from sahelgis.analysis.registry.base import BASE_COLUMNS

        keep = [c for c in BASE_COLUMNS if c in events.frame.columns]
        return {EVENTS: events.frame[keep].reset_index(drop=True)}

    @override
    def merge(self, spec: Mapping[str, Any], partials: Sequence[Tables]) -> Tables:
        return {EVENTS: pd.concat([p[EVENTS] for p in partials], ignore_index=True)}

    @override
    def finish(self, spec: Mapping[str, Any], merged: Tables) -> Result:
        from sahelgis.model.events import EventTable

        frame = merged[EVENTS]
        order = np.argsort(frame[acled.EVENT_DATE].to_numpy(), kind="stable")
        return self.run_whole(
            spec, EventTable(frame.iloc[order].reset_index(drop=True))
        )

    @override
    def run_whole(self, spec: Mapping[str, Any], events: EventTable) -> Result:
        from sahelgis.analysis.hotspots import build_cube

        spec = self.restore(spec)
        return self._result(spec, build_cube(events, float(spec["size"]), spec["step"]))

    def _result(self, spec: Mapping[str, Any], cube: Any) -> Result:
        from sahelgis.analysis.hotspots import (
            NO_PATTERN,
            category_colors,
            emerging_hot_spots,
            legend_label,
        )

        table, z = emerging_hot_spots(
            cube, k=int(spec["rings"]), lag=int(spec["lag"]), alpha=float(spec["alpha"])
        )
        table = table.sort_values(
            ["category", "events"], ascending=[True, False], kind="stable"
        )
        table = pd.concat(
            [
                table[table["category"] != NO_PATTERN],
                table[table["category"] == NO_PATTERN],
            ]
        ).reset_index(drop=True)
        size_km = float(spec["size"]) / 1000
        span = f"{cube.steps[0]}…{cube.steps[-1]}" if cube.steps else "no events"
        tally = table["category"].value_counts()
        parts = [
            f"{int(n)} {cat}s" if n != 1 else f"1 {cat}"
            for cat, n in tally.items()
            if cat != NO_PATTERN
        ]
        headline = (
            ", ".join(parts) if parts else "no hot or cold spots"
        ) + f" — {size_km:g} km hexagons, {spec['step']}ly {span}"
        cells = cube.cells()[["hex_id", "geometry"]]
        layer = cells.merge(table, on="hex_id", how="left")
        layer["legend"] = [legend_label(c) for c in layer["category"]]
        layer = layer[layer["category"] != NO_PATTERN].reset_index(drop=True)
        shown = set(layer["legend"])
        style = Style(
            color="#7A7A7A",
            fill="#FFFFFF",
            line_width=0.4,
            category_field="legend",
            # the legend lists the categories on the map, in ArcGIS's order
            categories={
                label: colour
                for label, colour in category_colors().items()
                if label in shown
            },
            label_field=None,
        )
        series = pd.DataFrame(
            cube.counts.T, columns=cube.ids, index=pd.Index(cube.steps, name="step")
        )
        zs = pd.DataFrame(z.T, columns=cube.ids, index=series.index)
        notes = [
            f"neighbourhood: the hexagons within {spec['rings']} ring(s) in the same "
            f"{spec['step']} and the {spec['lag']} {spec['step']}(s) before; "
            f"bins significant at false discovery rate {spec['alpha'] * 100:g}% "
            "(Benjamini-Hochberg); categories as ArcGIS's Emerging Hot Spot Analysis",
            f"{len(table)} hexagons with at least one event, {len(cube.steps)} steps",
        ]
        panel = table.copy()
        # the result panel charts every hexagon's events per step, and the
        # chosen row's hexagon alone
        panel.attrs["row_series"] = series
        panel.attrs["row_series_key"] = "hex_id"
        panel.attrs["chart_colors"] = ["#A50F15"]
        return Result(
            headline=headline,
            table=table,
            panel=panel,
            total=int(cube.counts.sum()),
            tables={
                "hotspots": table,
                "counts": series.reset_index(),
                "zscores": zs.reset_index(),
            },
            layers=[ResultLayer("hotspots", self.layer_name(spec), layer, style)],
            notes=notes,
            native=(cube, z),
        )


ANALYSIS = Hotspots()
