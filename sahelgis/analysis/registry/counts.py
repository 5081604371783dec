"""Counts per area: events per cercle, region, country or hexagon and period.

Admin areas come from the project (or the bundled base data); hexagons are an
equal-area grid of a given size (centre to centre) in a metric CRS centred on
the events. The map layer is a choropleth with whole-number classes.
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
from sahelgis.analysis.registry.corridor import ramp_categories
from sahelgis.analysis.registry.params import Param, ParamError
from sahelgis.analysis.results import COUNT
from sahelgis.analysis.units import format_distance
from sahelgis.model.styles import Style
from sahelgis.progress import NULL_PROGRESS, Progress

if TYPE_CHECKING:
    from collections.abc import Mapping

    import geopandas as gpd
    import pandas as pd

    from sahelgis.model.events import EventTable

#: Admin areas: role of the layer and its name field.
AREAS: dict[str, tuple[str, str]] = {
    "cercle": ("cercles", "name_fr"),
    "region": ("regions", "adm1_name"),
    "country": ("countries", "name"),
}
HEXAGON = "hexagon"
METHODS = ("quantiles", "natural_breaks", "equal_interval", "fixed")


class Counts(Analysis):
    """Events per admin area or hexagon."""

    id = "counts"
    label = "Counts per area"
    summary = "Count events per cercle, region, country or hexagon, and per period."
    description = (
        "Areas: cercle (admin2), region (admin1), country (admin0) or hexagon "
        "(give --size). The older spelling --by cercle|region|hex:25km still works."
    )
    params = (
        Param(
            "areas",
            "Areas",
            "choice",
            "cercle",
            help="the areas counted",
            choices=("cercle", "region", "country", HEXAGON),
            synonyms={
                "cercle": ("cercles", "admin2"),
                "region": ("regions", "admin1"),
                "country": ("countries", "admin0"),
                HEXAGON: ("hexagons", "hex"),
            },
        ),
        Param(
            "size",
            "Hexagon size",
            "distance",
            "25 km",
            help="hexagon size, centre to centre, with its unit (areas = hexagon)",
        ),
        Param(
            "by",
            "Count by",
            "keys",
            "year",
            help="period or key besides the area: year, quarter, month, "
            "event_type, none",
            aliases=("per",),
        ),
        Param(
            "method",
            "Classes",
            "choice",
            "quantiles",
            help="map classes of the choropleth",
            choices=METHODS,
            aliases=("classify",),
        ),
        Param(
            "classes",
            "Number of classes",
            "int",
            5,
            help="number of map classes (fewer when there are fewer distinct counts)",
            low=1,
            high=100,
            gui=False,
        ),
        Param(
            "breaks",
            "Class breaks",
            "text",
            help="upper bounds for method fixed, e.g. 10,50,100",
            gui=False,
        ),
        Param(
            "wide",
            "Wide table",
            "flag",
            False,
            help="one row per area, one column per period",
            gui=False,
            recipe=False,
        ),
    )

    @override
    def prepare(self, raw: dict[str, Any], where: str) -> dict[str, Any]:
        # earlier spellings: ``--by cercle|hex:25km --per year`` on the command
        # line, ``classes = "quantiles"`` in recipes
        by = raw.get("by")
        items = [by] if isinstance(by, str) else list(by or ())
        areas = [i for i in items if isinstance(i, str) and self._is_area(i)]
        if areas and "areas" not in raw:
            area, _, size = areas[0].partition(":")
            raw["areas"] = area
            if size:
                raw["size"] = size
            rest = [i for i in items if i is not areas[0]]
            per = raw.pop("per", None)
            raw["by"] = rest or per
        if isinstance(raw.get("classes"), str) and not raw["classes"].isdigit():
            raw["method"] = raw.pop("classes")
        return raw

    def _is_area(self, text: str) -> bool:
        """Whether ``text`` (``hex:25km``) names areas, by the declaration."""
        areas = self.param("areas")
        head = text.strip().lower().partition(":")[0]
        spellings = set(areas.choices)
        spellings |= {s for names in areas.synonyms.values() for s in names}
        return head in spellings

    @override
    def resolve(self, values: dict[str, Any], context: Context) -> dict[str, Any]:
        breaks = None
        if values.get("breaks"):
            try:
                breaks = [float(v) for v in values["breaks"].split(",") if v.strip()]
                if not all(np.isfinite(breaks)):
                    raise ValueError
            except ValueError:
                raise ParamError(
                    f"breaks = {values['breaks']!r}: finite numbers separated by commas"
                ) from None
        if values["method"] == "fixed" and not breaks:
            raise ParamError("method fixed needs breaks, e.g. 10,50,100")
        spec: dict[str, Any] = {
            "areas": values["areas"],
            "by": [k for k in values["by"] if k != "none"],
            "method": values["method"],
            "classes": int(values["classes"]),
            "breaks": breaks,
            "wide": bool(values.get("wide", False)),
        }
        if values["areas"] == HEXAGON:
            spec["size_m"] = float(values["size"])
        else:
            context.layer(AREAS[values["areas"]][0])  # refuse early when missing
        return spec

    @override
    def restore(self, saved: Mapping[str, Any]) -> dict[str, Any]:
        spec = dict(saved)
        if "areas" not in spec:  # saved before the registry: by = area kind
            spec["areas"] = str(spec.pop("by", "cercle"))
            spec["by"] = ["year"]
        spec.setdefault("by", ["year"])
        spec.setdefault("method", "quantiles")
        spec.setdefault("classes", 5)
        spec.setdefault("breaks", None)
        spec["kind"] = self.id
        return spec

    @override
    def recipe_items(self, spec: Mapping[str, Any], context: Context) -> list[dict]:
        spec = self.restore(spec)
        item = {"kind": "counts", "areas": spec["areas"], "by": list(spec["by"]),
                "method": spec["method"]}  # fmt: skip
        if spec["areas"] == HEXAGON:
            item["size"] = f"{float(spec.get('size_m', 25_000)):g} m"
        return [item]

    @override
    def layer_name(self, spec: Mapping[str, Any]) -> str:
        spec = self.restore(spec)
        area = spec["areas"]
        if area == HEXAGON:
            area = f"hexagon of {format_distance(spec.get('size_m', 25_000))}"
        return f"Events per {area} ({spec['method']})"

    def areas_of(
        self, spec: Mapping[str, Any], context: Context
    ) -> tuple[gpd.GeoDataFrame, str]:
        """The admin areas and their name field."""
        role, field = AREAS[spec["areas"]]
        areas = context.layer(role)
        if field not in areas.columns:
            field = next(
                c for c in ("name_fr", "adm1_name", "name") if c in areas.columns
            )
        return areas, field

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
        from sahelgis.analysis.areas import (
            choropleth_layer,
            counts_per_area,
            counts_per_hex,
        )
        from sahelgis.analysis.results import as_rows

        spec = self.restore(spec)
        by = tuple(spec["by"])
        considered = len(as_rows(rows, len(events)))
        notes = []
        if spec["areas"] == HEXAGON:
            cells, table = counts_per_hex(events, spec["size_m"], rows=rows, by=by)
            field, areas = "hex_id", cells.drop(columns=[COUNT])
        else:
            areas, field = self.areas_of(spec, context)
            table = counts_per_area(
                events, areas, field, rows=rows, by=by, progress=progress
            )
        counted = int(table[COUNT].sum())
        outside = considered - counted
        if outside > 0 and spec["areas"] != HEXAGON:
            notes.append(f"{outside} events fall outside every {spec['areas']}")
        period = by[0] if len(by) == 1 else None
        layer = choropleth_layer(
            areas,
            table,
            field,
            period=period,
            method=spec["method"],
            k=int(spec["classes"]),
            breaks=spec.get("breaks"),
        )
        wide = _wide(table, field, period) if period is not None else table
        if spec["areas"] == HEXAGON:
            layer = layer[layer[COUNT] > 0]
        style = Style(
            color="#7A7A7A",
            fill="#FFFFFF",
            line_width=0.6,
            category_field="class_label",
            categories=ramp_categories(layer),
            label_field=None,
        )
        return Result(
            headline=f"{counted:,} events in {spec['areas']} areas"
            + (f" ({outside:,} outside every {spec['areas']})" if outside > 0 else ""),
            table=wide if spec.get("wide") else table,
            total=counted,
            tables={"counts": table, "wide": wide},
            layers=[ResultLayer("areas", self.layer_name(spec), layer, style)],
            notes=notes,
            panel=wide[wide["total"] > 0] if period is not None else table,
        )

    # -- batch --------------------------------------------------------------------
    @override
    def extent(self, spec: Mapping[str, Any]) -> Box | None:
        if spec["areas"] == HEXAGON:  # the grid covers every event
            return None
        w, s, e, n = (float(v) for v in spec["_areas"].total_bounds)
        return (w, s, e, n)

    @override
    def read_box(self, spec: Mapping[str, Any], context: Context) -> Box | None:
        if spec["areas"] == HEXAGON:
            return None
        areas, _ = self.areas_of(spec, context)
        w, s, e, n = (float(v) for v in areas.to_crs("EPSG:4326").total_bounds)
        return (w, s, e, n)

    @override
    def prepare_batch(self, spec: dict[str, Any], context: Context) -> dict[str, Any]:
        """The spec with its areas attached (the batch engines ship them).

        Hexagons are counted per event location in each partition and put on
        the grid in :meth:`finish` (its centre is that of every event).
        """
        if spec["areas"] == HEXAGON:
            return {**spec, "_field": "hex_id"}
        if spec["areas"] not in AREAS:
            raise ParamError(
                f"areas = {spec['areas']!r}: a recipe counts per "
                + ", ".join((*AREAS, HEXAGON))
            )
        areas, field = self.areas_of(spec, context)
        frame = areas[[field, areas.geometry.name]].reset_index(drop=True)
        return {**spec, "_areas": frame, "_field": field}

    @override
    def partial(self, spec: Mapping[str, Any], events: EventTable) -> Tables:
        from sahelgis.analysis.areas import counts_per_area, located_counts

        if spec["areas"] == HEXAGON:
            return {"counts": located_counts(events, tuple(spec["by"]))}
        table = counts_per_area(
            events,
            spec["_areas"],
            spec["_field"],
            by=tuple(spec["by"]),
            keep_zeros=True,
        )
        return {"counts": table}

    @override
    def finish(self, spec: Mapping[str, Any], merged: Tables) -> Result:
        from sahelgis.analysis.areas import choropleth_layer
        from sahelgis.analysis.tables import normalise

        field = spec["_field"]
        keys = [field, *spec["by"]]
        if spec["areas"] == HEXAGON:
            from sahelgis.analysis.areas import hex_counts_of

            cells, counted = hex_counts_of(
                merged["counts"], spec["size_m"], tuple(spec["by"])
            )
            areas = cells.drop(columns=[COUNT])
            table = normalise(counted[[*keys, COUNT]], keys)
        else:
            areas = spec["_areas"]
            table = normalise(merged["counts"][[*keys, COUNT]], keys, complete=True)
        period = spec["by"][0] if spec["by"] else None
        layer = choropleth_layer(
            areas, table, field, period=period, method=spec["method"], k=5
        )
        if spec["areas"] == HEXAGON:
            layer = layer[layer[COUNT] > 0]
        total = int(table[COUNT].sum())
        n_areas = areas[field].nunique()
        return Result(
            headline=f"{total:,} events in {n_areas} {spec['areas']} areas",
            table=table,
            total=total,
            tables={"counts": table},
            layers=[ResultLayer("areas", self.layer_name(spec), layer)],
        )


def _wide(table: pd.DataFrame, field: str, period: str) -> pd.DataFrame:
    wide = table.pivot_table(
        index=field, columns=period, values=COUNT, aggfunc="sum", fill_value=0
    )
    wide.columns = [str(c) for c in wide.columns]
    wide["total"] = wide.sum(axis=1)
    return wide.reset_index()


ANALYSIS = Counts()
