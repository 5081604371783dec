"""Road corridor: events within a distance of roads, per road segment.

The report's "all but two attacks in 2024 occurred along the RN4": events
within ``within`` of a road (a bundled or imported road by ref, or a line the
analyst drew), counted per segment along it and per period, with the share of
all selected events that lie inside. Distances are measured in a metric CRS
centred on the road (:func:`sahelgis.analysis.corridors.corridor`).

The headline describes the whole selection ("12.3% — 41 of 333 events lie
within 10 km of RN4"); the table has one row per period below it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from typing_extensions import override

from sahelgis.analysis.corridors import DRAWN_PREFIX
from sahelgis.analysis.registry.base import (
    Analysis,
    Box,
    Context,
    Result,
    ResultLayer,
    Tables,
    bounds_of,
    distance_text,
    meets,
    union,
)
from sahelgis.analysis.registry.params import Param, ParamError
from sahelgis.analysis.results import COUNT
from sahelgis.analysis.tables import share_percent
from sahelgis.analysis.units import format_distance
from sahelgis.model.styles import Style
from sahelgis.progress import NULL_PROGRESS, Progress

if TYPE_CHECKING:
    from collections.abc import Mapping

    from shapely.geometry.base import BaseGeometry

    from sahelgis.model.events import EventTable

POLYGON_STYLE = Style(color="#C1121F", fill="#C1121F22", line_width=1.5)


class Corridor(Analysis):
    """Events within a distance of roads."""

    id = "corridor"
    label = "Road corridor"
    summary = "Count events within a distance of a road, per road segment."
    description = (
        "Shares are of all selected events per period, shown as "
        "'3.3% — 2 of 60'. The bundled national roads are approximate."
    )
    params = (
        Param(
            "road",
            "Road",
            "texts",
            help='road reference, e.g. RN4 (several, or "all"); a drawn line '
            'as "Drawn line: NAME"',
            aliases=("roads",),
            group="line",
            required=True,
        ),
        Param(
            "line",
            "Line (WKT)",
            "text",
            help="a line as WKT in lon/lat degrees",
            group="line",
            required=True,
            gui=False,
        ),
        Param("name", "Name", "text", help="name of the line given as WKT", gui=False),
        Param(
            "within",
            "Within",
            "distance",
            "10 km",
            help="distance from the road, with its unit, e.g. 10km",
            required=True,
        ),
        Param(
            "segment",
            "Segment length",
            "distance",
            help="segment length along the road, e.g. 25km (default: whole road)",
        ),
        Param(
            "by", "Count by", "keys", "year", help="group by year, month, event_type"
        ),
        Param(
            "share",
            "Share table",
            "flag",
            False,
            help="print the share of all events in the corridor per period instead "
            "of the counts per segment",
            gui=False,
            recipe=False,
        ),
    )

    # -- spec ---------------------------------------------------------------------
    @override
    def resolve(self, values: dict[str, Any], context: Context) -> dict[str, Any]:
        from sahelgis.analysis.corridors import road_by_ref, road_refs

        lines: list[dict[str, str]] = []
        refs = list(values.get("road", ()))
        if refs:
            drawn = context.drawn_lines()
            if [r.lower() for r in refs] == ["all"]:
                refs = road_refs(context.layer("roads"))
            for ref in refs:
                if ref.startswith(DRAWN_PREFIX):
                    geom = drawn.get(ref[len(DRAWN_PREFIX) :])
                    if geom is None:
                        raise ParamError(f"road: no drawn line named {ref!r}")
                    lines.append({"name": ref, "wkt": geom.wkt})
                    continue
                geom = road_by_ref(ref, context.layer("roads"))
                lines.append(
                    {"name": ref.strip().upper().replace(" ", ""), "wkt": geom.wkt}
                )
        if "line" in values:
            import shapely

            try:
                geom = shapely.from_wkt(values["line"])
            except shapely.errors.GEOSException as exc:
                raise ParamError(f"line is not WKT: {exc}") from None
            if geom.geom_type not in ("LineString", "MultiLineString"):
                raise ParamError(f"line is a {geom.geom_type}, not a line")
            lines.append({"name": values.get("name") or "drawn line", "wkt": geom.wkt})
        caveat = context.caveat("roads") if refs else ""
        return {
            "roads": lines,
            "within_m": float(values["within"]),
            "segment_m": float(values["segment"]) if "segment" in values else None,
            "unit": values["_unit:within"],
            "by": list(values["by"]),
            "share": bool(values.get("share", False)),
            "caveat": caveat,
        }

    @override
    def restore(self, saved: Mapping[str, Any]) -> dict[str, Any]:
        spec = dict(saved)
        spec.setdefault("unit", "km")
        spec.setdefault("by", ["year"])
        spec.setdefault("segment_m", None)
        spec["kind"] = self.id
        return spec

    def lines(
        self, spec: Mapping[str, Any], context: Context
    ) -> list[tuple[str, BaseGeometry]]:
        """``(name, line)`` per road, the line in EPSG:4326 lon/lat.

        Specs saved before roads were stored as WKT name one ``road``, looked
        up in the context.
        """
        import shapely

        from sahelgis.analysis.corridors import road_by_ref

        if "roads" in spec:
            return [(r["name"], shapely.from_wkt(r["wkt"])) for r in spec["roads"]]
        road = str(spec["road"])
        if road.startswith(DRAWN_PREFIX):
            geom = context.drawn_lines().get(road[len(DRAWN_PREFIX) :])
            if geom is None:
                raise ParamError(f"the drawn line {road!r} is gone")
            return [(road, geom)]
        return [(road, road_by_ref(road, context.layer("roads")))]

    @override
    def recipe_items(self, spec: Mapping[str, Any], context: Context) -> list[dict]:
        spec = self.restore(spec)
        unit = spec["unit"]
        items = []
        for name, line in self.lines(spec, context):
            item: dict[str, Any] = {"kind": "corridor"}
            if name.startswith(DRAWN_PREFIX) or name == "drawn line":
                item |= {"name": name.removeprefix(DRAWN_PREFIX), "line": line.wkt}
            else:
                item["roads"] = [name]
            item["within"] = distance_text(spec["within_m"], unit)
            if spec.get("segment_m"):
                item["segment"] = distance_text(spec["segment_m"], unit)
            items.append(item)
        return items

    @override
    def layer_name(self, spec: Mapping[str, Any]) -> str:
        names = ", ".join(r["name"] for r in spec.get("roads", ())) or spec.get("road")
        within = format_distance(spec["within_m"], spec.get("unit", "km"))
        return f"{names} — within {within}"

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
        from sahelgis.analysis.corridors import corridor

        spec = self.restore(spec)
        lines = self.lines(spec, context)
        results = []
        for i, (name, line) in enumerate(lines):
            progress.set(i / len(lines), f"Corridor of {name}")
            progress.check()
            results.append(
                corridor(
                    line,
                    spec["within_m"],
                    spec["segment_m"],
                    events,
                    rows=rows,
                    by=tuple(spec["by"]),
                    name=name,
                    unit=spec["unit"],
                )
            )
        many = len(results) > 1
        counts = pd.concat(
            [r.counts.assign(road=r.name) if many else r.counts for r in results],
            ignore_index=True,
        )
        share = pd.concat(
            [share_table(r.share, r.share_by).assign(road=r.name) for r in results]
            if many
            else [share_table(results[0].share, results[0].share_by)],
            ignore_index=True,
        )
        within = format_distance(spec["within_m"], spec["unit"])
        headline = "; ".join(
            f"{_all_share(r.share, r.share_by)} events lie within {within} of {r.name}"
            for r in results
        )
        layers = []
        for r in results:
            strip = r.segments.copy()
            strip, style = classed_by_count(strip, COUNT, line=True)
            layers.append(
                ResultLayer(
                    "segments", f"{r.layer_name} — events per segment", strip, style
                )
            )
            layers.append(
                ResultLayer("corridor", r.layer_name, r.corridor_frame(), POLYGON_STYLE)
            )
        total = sum(r.total for r in results)
        result = Result(
            headline=headline,
            table=share if spec.get("share") else counts,
            total=total,
            tables={"counts": counts, "share": share},
            layers=layers,
            native=results[0] if not many else results,
            # the headline holds the whole window; the panel one row per period
            panel=share[share[share.columns[0]] != "all"].reset_index(drop=True)
            if not many
            else share,
        )
        if spec.get("caveat"):
            result.caveats.append(f"roads layer: {spec['caveat']}")
        for r in results:
            result.notes.append(f"{r.name} is {r.length_m / 1000:.1f} km long")
        return result

    # -- batch --------------------------------------------------------------------
    @override
    def extent(self, spec: Mapping[str, Any]) -> Box:
        import shapely

        from sahelgis.analysis.buffers import lonlat_box_around

        boxes = []
        for road in spec["roads"]:
            w, s, e, n = shapely.from_wkt(road["wkt"]).bounds
            a = lonlat_box_around(w, s, spec["within_m"] * 1.05 + 2_000)
            b = lonlat_box_around(e, n, spec["within_m"] * 1.05 + 2_000)
            boxes.append((a[0], a[1], b[2], b[3]))
        return union(boxes)

    @override
    def partial(self, spec: Mapping[str, Any], events: EventTable) -> Tables:
        """Counts per road segment, and the events per period of the partition.

        The latter (the share's denominator) are counted even where no road
        passes.
        """
        import shapely

        from sahelgis.analysis.corridors import corridor
        from sahelgis.analysis.results import group_codes
        from sahelgis.analysis.tables import concat

        share_by = "year"
        counts, share = [], []
        if not meets(bounds_of(events), self.extent(spec)):
            codes, labels = group_codes(events, share_by)
            total = np.bincount(codes, minlength=len(labels))
            present = np.flatnonzero(total)
            for road in spec["roads"]:
                share.append(
                    pd.DataFrame({
                        share_by: labels[present],
                        "in_corridor": np.zeros(len(present), dtype=np.int64),
                        "total": total[present].astype(np.int64),
                        "road": road["name"],
                    })
                )  # fmt: skip
            return {"counts": pd.DataFrame(), "share": concat(share)}
        for road in spec["roads"]:
            result = corridor(
                shapely.from_wkt(road["wkt"]),
                spec["within_m"],
                spec["segment_m"],
                events,
                by=tuple(spec["by"]),
                name=road["name"],
                unit=spec["unit"],
                share_by=share_by,
            )
            counts.append(result.counts.assign(road=road["name"]))
            part = result.share
            part = part[part[result.share_by].astype(str) != "all"]
            share.append(
                part[[result.share_by, "in_corridor", "total"]].assign(
                    road=road["name"]
                )
            )
        return {"counts": concat(counts), "share": concat(share)}

    @override
    def finish(self, spec: Mapping[str, Any], merged: Tables) -> Result:
        import geopandas as gpd
        import shapely

        from sahelgis.analysis.corridors import corridor
        from sahelgis.analysis.tables import columns, normalise
        from sahelgis.model.events import empty_event_table

        keys = ["road", "segment", "km_from", "km_to", *spec["by"]]
        counts = normalise(columns(merged["counts"], [*keys, COUNT]), keys)
        share = columns(merged["share"], ["road", "year", "in_corridor", "total"])
        period = [c for c in share.columns if c not in ("road", "in_corridor", "total")]
        share = normalise(
            share[["road", *period, "in_corridor", "total"]], ["road", *period]
        )
        share["share"] = np.where(
            share["total"] > 0, share["in_corridor"] / share["total"].clip(lower=1), 0.0
        ).round(6)
        # the segment geometries: the corridor function on no events
        empty = empty_event_table()
        polys = []
        for road in spec["roads"]:
            shape = corridor(
                shapely.from_wkt(road["wkt"]),
                spec["within_m"],
                spec["segment_m"],
                empty,
                by=None,
                name=road["name"],
            )
            per = counts[counts["road"] == road["name"]].groupby("segment")[COUNT].sum()
            seg = shape.segments.copy()
            seg[COUNT] = seg["segment"].astype(str).map(per).fillna(0).astype(np.int64)
            seg.insert(0, "road", road["name"])
            polys.append(seg)
        segments = gpd.GeoDataFrame(
            pd.concat(polys, ignore_index=True), crs="EPSG:4326"
        )
        total = int(counts[COUNT].sum())
        within = format_distance(spec["within_m"], spec["unit"])
        return Result(
            headline=f"{len(spec['roads'])} roads: {total:,} events within {within}",
            table=counts,
            total=total,
            tables={"counts": counts, "share": share},
            layers=[ResultLayer("segments", self.layer_name(spec), segments)],
        )


def share_table(share: pd.DataFrame, share_by: str) -> pd.DataFrame:
    """The share per period as an analyst reads it: counts and "3.3% — 2 of 60"."""
    out = share[[share_by, "in_corridor", "total"]].copy()
    out[share_by] = out[share_by].astype(str)
    out["share"] = [
        share_percent(int(a), int(b))
        for a, b in zip(out["in_corridor"], out["total"], strict=True)
    ]
    return out.reset_index(drop=True)


def _all_share(share: pd.DataFrame, share_by: str) -> str:
    row = share[share[share_by].astype(str) == "all"]
    if row.empty:
        return share_percent(0, 0)
    return share_percent(int(row["in_corridor"].iloc[0]), int(row["total"].iloc[0]))


def classed_by_count(frame: Any, column: str, *, line: bool) -> tuple[Any, Style]:
    """Whole-number quantile classes of a count column and a ramp style."""
    from sahelgis.analysis.areas import count_classes

    values = frame[column].to_numpy()
    classes, labels = count_classes(values, "quantiles", min(5, max(len(values), 1)))
    frame["class"] = classes
    frame["class_label"] = [labels[c] if c >= 0 else "" for c in classes]
    style = Style(
        color="#7A7A7A",
        line_width=6.0 if line else 1.0,
        category_field="class_label",
        categories=ramp_categories(frame),
        label_field=None,
    )
    return frame, style


#: Sequential ramp of count classes (ColorBrewer YlOrRd, 5 classes).
RAMP = ("#FFFFB2", "#FECC5C", "#FD8D3C", "#F03B20", "#BD0026")


def ramp_categories(frame: pd.DataFrame) -> dict[str, str]:
    """Class label → ramp colour, in class order."""
    labels = frame[["class", "class_label"]].drop_duplicates().sort_values("class")
    labels = labels[labels["class"] >= 0]
    n = len(labels)
    return {
        str(label): RAMP[min(round(i * (len(RAMP) - 1) / max(n - 1, 1)), len(RAMP) - 1)]
        for i, label in enumerate(labels["class_label"])
    }


ANALYSIS = Corridor()
