"""The analyses a batch recipe runs, split so that an engine can run them on
one table or on many partitions and get the same answer.

Every analysis here calls the in-process function of :mod:`sahelgis.analysis`
(``buffer_counts``, ``corridor``, ``counts_per_area``, ``support_zones``) on an
:class:`~sahelgis.model.events.EventTable`:

- the **local** engine calls it once, on all the events of the recipe's scope;
- the **Dask** engine calls it on each partition, where the partition lives,
  and adds the partial tables up (:func:`merge`): counts of events are sums
  over any split of the events, because each event's ring, corridor segment or
  area depends on that event alone.

Support zones are not sums (a cluster can span partitions): each partition
returns its control-indicator events (1–2 % of the rows), and the clustering
runs once on them all, with the dates span of every considered event.

Tables come out normalised (:func:`normalise`: sorted keys, int64 counts) so
that the two engines' outputs can be compared cell by cell.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely

from sahelgis.analysis.results import COUNT
from sahelgis.model import acled_schema as acled

if TYPE_CHECKING:
    import geopandas as gpd

    from sahelgis.model.events import EventTable

Tables = dict[str, pd.DataFrame]

#: Columns every analysis reads.
BASE_COLUMNS: tuple[str, ...] = (
    acled.EVENT_ID,
    acled.EVENT_DATE,
    acled.EVENT_TYPE,
    acled.LATITUDE,
    acled.LONGITUDE,
    acled.GEO_PRECISION,
)
SPAN = "_span"


# ------------------------------------------------------------------ specs ---
@dataclass(frozen=True)
class Centre:
    name: str
    lon: float
    lat: float
    capital: bool = False


@dataclass(frozen=True)
class BufferTask:
    """Rings around one or more centres (the report's "within 70 miles")."""

    id: str
    centres: tuple[Centre, ...]
    radii_m: tuple[float, ...]
    unit: str = "km"
    by: tuple[str, ...] = ("year", "event_type")
    max_geo_precision: int = 3
    kind: str = "buffer"

    def extent(self) -> tuple[float, float, float, float]:
        from sahelgis.analysis.buffers import lonlat_box_around

        boxes = [
            lonlat_box_around(c.lon, c.lat, max(self.radii_m)) for c in self.centres
        ]
        return _union(boxes)

    def columns(self) -> tuple[str, ...]:
        return (*BASE_COLUMNS, *_key_columns(self.by))


@dataclass(frozen=True)
class RoadLine:
    name: str
    wkt: str

    @property
    def geometry(self) -> shapely.Geometry:
        return shapely.from_wkt(self.wkt)


@dataclass(frozen=True)
class CorridorTask:
    """Events within a distance of roads, per segment and year."""

    id: str
    roads: tuple[RoadLine, ...]
    within_m: float
    segment_m: float | None
    unit: str = "km"
    by: tuple[str, ...] = ("year",)
    kind: str = "corridor"
    share_by: str = "year"

    def extent(self) -> tuple[float, float, float, float]:
        from sahelgis.analysis.buffers import lonlat_box_around

        boxes = []
        for road in self.roads:
            w, s, e, n = road.geometry.bounds
            a = lonlat_box_around(w, s, self.within_m * 1.05 + 2_000)
            b = lonlat_box_around(e, n, self.within_m * 1.05 + 2_000)
            boxes.append((a[0], a[1], b[2], b[3]))
        return _union(boxes)

    def columns(self) -> tuple[str, ...]:
        return (*BASE_COLUMNS, *_key_columns(self.by))


@dataclass(frozen=True)
class CountsTask:
    """Events per area (cercle, region, country) and period."""

    id: str
    areas_name: str
    name_field: str
    areas: Any = field(repr=False, compare=False)  # GeoDataFrame, EPSG:4326
    by: tuple[str, ...] = ("year",)
    classes: str = "quantiles"
    kind: str = "counts"

    def extent(self) -> tuple[float, float, float, float]:
        w, s, e, n = (float(v) for v in self.areas.total_bounds)
        return (w, s, e, n)

    def columns(self) -> tuple[str, ...]:
        return (*BASE_COLUMNS, *_key_columns(self.by))


@dataclass(frozen=True)
class ZonesTask:
    """Support zones per period from control-indicator events."""

    id: str
    rules: dict[str, Any]
    by: str = "year"
    kind: str = "zones"

    def extent(self) -> None:
        return None  # wherever indicators are

    def columns(self) -> tuple[str, ...]:
        from sahelgis.analysis.zones import ACTOR_COLUMNS

        return (
            *BASE_COLUMNS,
            *ACTOR_COLUMNS,
            acled.SUB_EVENT_TYPE,
            acled.NOTES,
        )


Task = BufferTask | CorridorTask | CountsTask | ZonesTask


def _union(
    boxes: Sequence[tuple[float, float, float, float]],
) -> tuple[float, float, float, float]:
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def _key_columns(by: Sequence[str]) -> tuple[str, ...]:
    from sahelgis.analysis.results import PERIOD_KEYS

    return tuple(k for k in by if k not in PERIOD_KEYS)


def columns_for(tasks: Sequence[Task]) -> list[str]:
    """Event columns the tasks read (so a store read skips the others)."""
    out: list[str] = []
    for task in tasks:
        out += list(task.columns())
    return list(dict.fromkeys(out))


# ----------------------------------------------------------------- compute ---
def compute(task: Task, events: EventTable) -> Tables:
    """The task's tables for these events (all of them, or one partition)."""
    if isinstance(task, BufferTask):
        return _buffers(task, events, _bounds(events))
    if isinstance(task, CorridorTask):
        return _corridors(task, events, _bounds(events))
    if isinstance(task, CountsTask):
        return _counts(task, events)
    return _indicators(task, events)


def _span(events: EventTable) -> pd.DataFrame:
    span = events.date_range()
    if span is None:
        return pd.DataFrame({"first": [], "last": [], "events": []})
    return pd.DataFrame(
        {"first": [span[0]], "last": [span[1]], "events": [np.int64(len(events))]}
    )


def _bounds(events: EventTable) -> tuple[float, float, float, float] | None:
    """The events' lon/lat box (None when there are none)."""
    if len(events) == 0:
        return None
    lon, lat = events.lon, events.lat
    return (
        float(np.nanmin(lon)),
        float(np.nanmin(lat)),
        float(np.nanmax(lon)),
        float(np.nanmax(lat)),
    )


def _meets(
    a: tuple[float, float, float, float] | None, b: tuple[float, float, float, float]
) -> bool:
    return a is not None and not (
        a[2] < b[0] or a[0] > b[2] or a[3] < b[1] or a[1] > b[3]
    )


def _buffers(task: BufferTask, events: EventTable, bounds: Any) -> Tables:
    """Counts per centre; centres whose circle misses the partition's box are
    skipped (a partition of a far country costs nothing)."""
    from sahelgis.analysis.buffers import buffer_counts, lonlat_box_around

    counts, precision = [], []
    far = max(task.radii_m)
    for c in task.centres:
        if not _meets(bounds, lonlat_box_around(c.lon, c.lat, far)):
            continue
        result = buffer_counts(
            events,
            c.lon,
            c.lat,
            list(task.radii_m),
            by=task.by,
            max_geo_precision=task.max_geo_precision,
            name=c.name,
            centre_is_capital=c.capital,
            unit=task.unit,
            with_rings=False,
        )
        counts.append(result.counts.assign(centre=c.name))
        split = result.by_precision.drop(columns="total").reset_index()
        split = split.melt(
            id_vars="ring", var_name=acled.GEO_PRECISION, value_name=COUNT
        )
        precision.append(split.assign(centre=c.name))
    return {
        "counts": _concat(counts),
        "precision": _concat(precision),
    }


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _corridors(task: CorridorTask, events: EventTable, bounds: Any) -> Tables:
    """Counts per road segment, and the events per year of the partition (the
    share's denominator) even where no road passes."""
    from sahelgis.analysis.corridors import corridor
    from sahelgis.analysis.results import group_codes

    counts, share = [], []
    if not _meets(bounds, task.extent()):
        codes, labels = group_codes(events, task.share_by)
        total = np.bincount(codes, minlength=len(labels))
        present = np.flatnonzero(total)
        for road in task.roads:
            share.append(
                pd.DataFrame(
                    {
                        task.share_by: labels[present],
                        "in_corridor": np.zeros(len(present), dtype=np.int64),
                        "total": total[present].astype(np.int64),
                        "road": road.name,
                    }
                )
            )
        return {"counts": pd.DataFrame(), "share": _concat(share)}
    for road in task.roads:
        result = corridor(
            road.geometry,
            task.within_m,
            task.segment_m,
            events,
            by=task.by,
            name=road.name,
            unit=task.unit,
            share_by=task.share_by,
        )
        counts.append(result.counts.assign(road=road.name))
        part = result.share
        part = part[part[result.share_by].astype(str) != "all"]
        share.append(
            part[[result.share_by, "in_corridor", "total"]].assign(road=road.name)
        )
    return {"counts": _concat(counts), "share": _concat(share)}


def _counts(task: CountsTask, events: EventTable) -> Tables:
    from sahelgis.analysis.areas import counts_per_area

    table = counts_per_area(
        events, task.areas, task.name_field, by=task.by, keep_zeros=True
    )
    return {"counts": table}


def _indicators(task: ZonesTask, events: EventTable) -> Tables:
    from sahelgis.analysis.zones import ZoneRules, indicator_mask

    rules = ZoneRules.from_dict(task.rules)
    columns = [c for c in task.columns() if c in events.frame]
    mask = indicator_mask(events.frame[columns], rules)
    rows = events.frame.loc[mask, columns].reset_index(drop=True)
    return {"indicators": rows, SPAN: _span(events)}


# ------------------------------------------------------------------- merge ---
def _keys_of(frame: pd.DataFrame) -> list[str]:
    values = {"in_corridor", "total", COUNT}
    return [c for c in frame.columns if c not in values]


def merge(task: Task, partials: Sequence[Tables]) -> Tables:
    """Add up the tables of several partitions (or normalise one)."""
    if isinstance(task, ZonesTask):
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
            from sahelgis.scale.store import concat_frames

            rows = concat_frames(indicators)
        else:
            rows = partials[0]["indicators"].iloc[:0]
        return {"indicators": rows, SPAN: span}
    out: Tables = {}
    for name in partials[0]:
        frames = [p[name] for p in partials if len(p[name])]
        if not frames:
            out[name] = pd.DataFrame()
            continue
        frame = pd.concat(frames, ignore_index=True)
        keys = _keys_of(frame)
        values = [c for c in frame.columns if c not in keys]
        for key in keys:
            frame[key] = frame[key].astype(str)
        out[name] = (
            frame.groupby(keys, sort=False, observed=True, dropna=False)[values]
            .sum()
            .reset_index()
        )
    return out


def _natural(values: pd.Series) -> list[str]:
    """Distinct values in a human order: numbers numerically, then text."""
    uniq = pd.unique(values.astype(str))

    def key(v: str) -> tuple[int, float, str]:
        head = v.split("–")[0].split(" ")[0].replace(",", "")
        try:
            return (0, float(head), v)
        except ValueError:
            return (1, 0.0, v)

    return sorted(uniq, key=key)


def normalise(
    frame: pd.DataFrame, keys: Sequence[str], *, complete: bool = False
) -> pd.DataFrame:
    """Keys as text in a stable order, values as int64; ``complete`` adds the
    zero rows of every combination of the keys' values."""
    frame = frame.copy()
    for key in keys:
        frame[key] = frame[key].astype(str)
    values = [c for c in frame.columns if c not in keys]
    if complete and keys:
        index = pd.MultiIndex.from_product(
            [_natural(frame[k]) for k in keys], names=list(keys)
        )
        frame = frame.set_index(list(keys))[values].reindex(index, fill_value=0)
        frame = frame.reset_index()
    orders = {k: {v: i for i, v in enumerate(_natural(frame[k]))} for k in keys}
    if keys:
        rank = pd.DataFrame({k: frame[k].map(orders[k]) for k in keys})
        frame = frame.iloc[np.lexsort([rank[k].to_numpy() for k in reversed(keys)])]
    for value in values:
        if value != "share":
            frame[value] = frame[value].astype(np.int64)
    return frame.reset_index(drop=True)


# ------------------------------------------------------------------ finish ---
@dataclass
class Output:
    """What a task writes: tables (CSV) and layers (GeoPackage)."""

    task: Task
    tables: Tables
    layers: dict[str, gpd.GeoDataFrame]
    events: int
    summary: str


def finish(task: Task, merged: Tables) -> Output:
    """Final tables and layers from the merged partial tables."""
    if isinstance(task, BufferTask):
        return _finish_buffers(task, merged)
    if isinstance(task, CorridorTask):
        return _finish_corridors(task, merged)
    if isinstance(task, CountsTask):
        return _finish_counts(task, merged)
    return _finish_zones(task, merged)


def _finish_buffers(task: BufferTask, merged: Tables) -> Output:
    import geopandas as gpd

    from sahelgis.analysis.buffers import _ring_labels, geodesic_ring

    keys = ["centre", "ring", *task.by]
    counts = normalise(_columns(merged["counts"], [*keys, COUNT]), keys)
    labels = _ring_labels(np.asarray(task.radii_m), task.unit)
    # every centre × ring × precision, zeros included, whichever partitions
    # the events came from
    split = ["centre", "ring", acled.GEO_PRECISION]
    precision = _columns(merged["precision"], [*split, COUNT])
    for key in split:
        precision[key] = precision[key].astype(str)
    grid = pd.MultiIndex.from_product(
        [[c.name for c in task.centres], list(labels), ["1", "2", "3"]], names=split
    )
    precision = precision.groupby(split)[COUNT].sum().reindex(grid, fill_value=0)
    precision = normalise(precision.reset_index(), split)
    totals = counts.groupby(["centre", "ring"])[COUNT].sum()
    inner = (0.0, *task.radii_m[:-1])
    records, geoms = [], []
    for c in task.centres:
        for i, label in enumerate(labels):
            records.append(
                {
                    "centre": c.name,
                    "ring": label,
                    "inner_m": inner[i],
                    "outer_m": task.radii_m[i],
                    COUNT: int(totals.get((c.name, label), 0)),
                }
            )
            geoms.append(geodesic_ring(c.lon, c.lat, inner[i], task.radii_m[i]))
    rings = gpd.GeoDataFrame(records, geometry=geoms, crs="EPSG:4326")
    total = int(counts[COUNT].sum())
    return Output(
        task,
        {"counts": counts, "precision": precision},
        {"rings": rings},
        total,
        f"{len(task.centres)} centres × {len(task.radii_m)} radii: {total:,} "
        "events counted in rings",
    )


def _columns(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """``frame[columns]``, or an empty table with those columns."""
    if frame.empty and not set(columns) <= set(frame.columns):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    return frame[columns]


def _finish_corridors(task: CorridorTask, merged: Tables) -> Output:
    import geopandas as gpd

    keys = ["road", "segment", "km_from", "km_to", *task.by]
    counts = normalise(_columns(merged["counts"], [*keys, COUNT]), keys)
    share = _columns(merged["share"], ["road", task.share_by, "in_corridor", "total"])
    period = [c for c in share.columns if c not in ("road", "in_corridor", "total")]
    share = normalise(
        share[["road", *period, "in_corridor", "total"]], ["road", *period]
    )
    share["share"] = np.where(
        share["total"] > 0, share["in_corridor"] / share["total"].clip(lower=1), 0.0
    ).round(6)
    from sahelgis.analysis.corridors import corridor
    from sahelgis.model.events import EventTable

    # the segment geometries: the corridor function on no events
    empty = EventTable(
        pd.DataFrame(
            {
                acled.EVENT_ID: pd.Series(dtype=object),
                acled.EVENT_DATE: pd.Series(dtype="datetime64[s]"),
                acled.EVENT_TYPE: pd.Series(dtype=object),
                acled.LATITUDE: pd.Series(dtype="float64"),
                acled.LONGITUDE: pd.Series(dtype="float64"),
            }
        )
    )
    polys = []
    for road in task.roads:
        shape = corridor(
            road.geometry, task.within_m, task.segment_m, empty, by=None, name=road.name
        )
        per = counts[counts["road"] == road.name].groupby("segment")[COUNT].sum()
        seg = shape.segments.copy()
        seg[COUNT] = seg["segment"].astype(str).map(per).fillna(0).astype(np.int64)
        seg.insert(0, "road", road.name)
        polys.append(seg)
    segments = gpd.GeoDataFrame(pd.concat(polys, ignore_index=True), crs="EPSG:4326")
    total = int(counts[COUNT].sum())
    return Output(
        task,
        {"counts": counts, "share": share},
        {"segments": segments},
        total,
        f"{len(task.roads)} roads: {total:,} events within {task.within_m / 1000:g} km",
    )


def _finish_counts(task: CountsTask, merged: Tables) -> Output:
    from sahelgis.analysis.areas import choropleth_layer

    keys = [task.name_field, *task.by]
    table = normalise(merged["counts"][[*keys, COUNT]], keys, complete=True)
    period = task.by[0] if task.by else None
    layer = choropleth_layer(
        task.areas, table, task.name_field, period=period, method=task.classes, k=5
    )
    total = int(table[COUNT].sum())
    return Output(
        task,
        {"counts": table},
        {"areas": layer},
        total,
        f"{total:,} events in {task.areas[task.name_field].nunique()} "
        f"{task.areas_name} areas",
    )


def _finish_zones(task: ZonesTask, merged: Tables) -> Output:
    from sahelgis.analysis.zones import ZoneRules, support_zones
    from sahelgis.model.events import EventTable, optimise_dtypes

    span = merged[SPAN]
    rows = merged["indicators"]
    if len(rows) == 0 or span["events"].sum() == 0:
        from sahelgis.analysis.zones import _empty_zones

        return zones_output(task, _empty_zones(), 0)
    events = EventTable(optimise_dtypes(rows))
    first = np.datetime64(span["first"].iloc[0], "D")
    last = np.datetime64(span["last"].iloc[0], "D")
    rules = ZoneRules.from_dict(task.rules)
    zones = support_zones(events, rules, by=task.by, span=(first, last))
    return zones_output(task, zones, len(rows))


def zones_local(task: ZonesTask, events: EventTable) -> Output:
    """The local engine's zones: :func:`support_zones` on the whole table."""
    from sahelgis.analysis.zones import ZoneRules, support_zones

    rules = ZoneRules.from_dict(task.rules)
    zones = support_zones(events, rules, by=task.by)
    from sahelgis.analysis.zones import indicator_mask

    columns = [c for c in task.columns() if c in events.frame]
    indicators = int(indicator_mask(events.frame[columns], rules).sum())
    return zones_output(task, zones, indicators)


def zones_output(task: ZonesTask, zones: gpd.GeoDataFrame, indicators: int) -> Output:
    """Zones as a layer and a table (zone ids, counts, scores)."""
    zones = zones.copy()
    zones.attrs = {}
    table = pd.DataFrame(zones.drop(columns=zones.geometry.name))
    in_zones = int(pd.to_numeric(table["events"]).sum()) if len(table) else 0
    return Output(
        task,
        {"zones": table.reset_index(drop=True)},
        {"zones": zones},
        in_zones,
        f"{len(zones)} support zones holding {in_zones:,} of {indicators:,} "
        "indicator events",
    )
