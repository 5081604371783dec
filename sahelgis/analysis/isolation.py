"""Town isolation: attacks on the roads that lead into a town.

Method
------
1. **Access roads**: every road of the roads layer is clipped to the geodesic
   circle of ``radius_m`` around the town (128-vertex ground circle). A clipped
   piece that passes within ``max(within_m, 1 km)`` of the town is cut at its
   point nearest the town, so a road through the town gives one access road
   per direction. Each access road is named by its ``ref`` and the compass
   direction from the town to its far end ("RN4 N", "RN4 SSW").
2. **Events on each access road**: the events within ``within_m`` of a piece
   (distance in an azimuthal equidistant CRS centred on the town: exact for
   distances from the town, < 0.1 % error within 500 km) belong to the
   nearest piece. Events within ``town_m`` of the town itself can be left out
   (``town_m=0`` keeps them), since they hit the town rather than a road.
3. **Per access road**: counts per calendar month over the period (zeros
   included), days since the last event (relative to ``as_of``: the window's
   end when given, else the last considered event's date), and a least-squares
   trend (``numpy.polyfit`` of monthly counts, events per month per month).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString, Point
from shapely.ops import substring

from sahelgis.analysis.buffers import geodesic_circle, lonlat_box_around
from sahelgis.analysis.corridors import (
    Segments,
    densify_geodesic,
    events_near_segments,
    local_projector,
)
from sahelgis.analysis.results import COUNT, as_rows
from sahelgis.errors import SahelGISError
from sahelgis.model.crs import GEOD
from sahelgis.model.time_window import as_day

if TYPE_CHECKING:
    import geopandas as gpd
    from shapely.geometry.base import BaseGeometry

    from sahelgis.model.events import EventTable

__all__ = ["IsolationResult", "compass", "town_isolation"]

_COMPASS = (
    "N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE",
    "S", "SSW", "SW", "WSW", "W", "WNW", "NW", "NNW",
)  # fmt: skip


def compass(bearing_deg: float) -> str:
    """The 16-point compass name of a bearing in degrees from north."""
    return _COMPASS[int(((bearing_deg % 360.0) + 11.25) // 22.5) % 16]


@dataclass
class IsolationResult:
    """Access roads of a town and the attacks on each.

    Attributes
    ----------
    name
        The town's name.
    lon, lat
        The town, WGS84 degrees.
    radius_m, within_m
        Access-road radius and road-distance threshold, metres.
    as_of
        Reference day for "days since the last event" (datetime64[D]).
    roads
        GeoDataFrame (EPSG:4326), one row per access road: ``road_id``,
        ``ref``, ``label`` ("RN4 N"), ``bearing_deg``, ``length_km``,
        ``events``, ``last_event`` (ISO date or ""), ``days_since_last``
        (NaN without events), ``trend_per_month`` (slope of monthly counts),
        ``mean_per_month``, and the clipped road line.
    monthly
        Tidy: ``road_id``, ``label``, ``month`` ("YYYY-MM"), ``count``,
        ``trend`` (fitted value of the linear trend).
    rows
        Row positions (sorted) of the events on any access road.
    road_of
        Access road (``road_id``) of each of ``rows``.
    distance_m
        Distance of each of ``rows`` to its access road, metres.
    """

    name: str
    lon: float
    lat: float
    radius_m: float
    within_m: float
    as_of: np.datetime64 | None
    roads: gpd.GeoDataFrame
    monthly: pd.DataFrame
    rows: np.ndarray
    road_of: np.ndarray
    distance_m: np.ndarray

    @property
    def total(self) -> int:
        """Events on the access roads."""
        return len(self.rows)

    def table(self) -> pd.DataFrame:
        """Per-road summary without geometry."""
        return pd.DataFrame(self.roads.drop(columns=self.roads.geometry.name))


def _lines(geom: BaseGeometry | None) -> list[LineString]:
    if geom is None or geom.is_empty:
        return []
    if geom.geom_type == "LineString":
        return [cast("LineString", geom)]
    if hasattr(geom, "geoms"):
        out: list[LineString] = []
        for g in geom.geoms:
            out += _lines(g)
        return out
    return []


def _split_at_nearest(line_xy: LineString, reach: float) -> list[LineString]:
    """Cut a local-CRS line at its point nearest the origin (the town).

    Only when that point is within ``reach`` metres and not at an end.
    """
    origin = Point(0.0, 0.0)
    if line_xy.distance(origin) > reach:
        return [line_xy]
    at = line_xy.project(origin)
    if at <= 1.0 or at >= line_xy.length - 1.0:
        return [line_xy]
    # 1 m < at < length - 1 m, so both pieces are lines, never points
    return [
        cast("LineString", substring(line_xy, 0.0, at)),
        cast("LineString", substring(line_xy, at, line_xy.length)),
    ]


def town_isolation(
    events: EventTable,
    lon: float,
    lat: float,
    roads: gpd.GeoDataFrame,
    radius_m: float,
    within_m: float = 5_000.0,
    rows: np.ndarray | None = None,
    *,
    name: str = "",
    ref_field: str = "ref",
    town_m: float = 0.0,
    start: object = None,
    end: object = None,
) -> IsolationResult:
    """Access roads of a town and the events on each, per month.

    Parameters
    ----------
    events
        The events.
    lon, lat
        The town, WGS84 degrees.
    roads
        Road lines (any CRS; EPSG:4326 used) with a ``ref_field`` column.
    radius_m
        Roads within this ground distance of the town are its access roads.
    within_m
        Events within this distance of an access road count for it, metres.
    rows
        Events to consider (time window and filter); ``None`` for all.
    name
        Town name for labels.
    ref_field
        Road reference column.
    town_m
        Leave out events within this distance of the town (0 keeps all).
    start, end
        Months to report (inclusive days); default the considered events' span.
        ``end`` is also the reference day for "days since the last event".

    Returns
    -------
    IsolationResult
    """
    import geopandas as gpd

    if not radius_m > 0 or not within_m > 0:
        raise ValueError("radius and road distance must be > 0 m")
    data = roads.to_crs("EPSG:4326") if roads.crs is not None else roads
    circle = geodesic_circle(lon, lat, radius_m, 128)
    box = lonlat_box_around(lon, lat, radius_m + within_m + 5_000.0)
    projector = local_projector(lon, lat, box)
    split_reach = max(within_m, 1_000.0)
    pieces_xy: list[LineString] = []
    refs: list[str] = []
    for geom, ref in zip(
        data.geometry,
        data[ref_field].astype(str) if ref_field in data else [""] * len(data),
        strict=True,
    ):
        if geom is None or geom.is_empty:
            continue
        # long legs follow their geodesic before the road is cut at the circle
        dense = shapely.MultiLineString([densify_geodesic(g) for g in _lines(geom)])
        for clipped in _lines(shapely.intersection(dense, circle)):
            local = projector.to_local(clipped)
            for part in _split_at_nearest(local, split_reach):
                if part.length > 1.0:
                    pieces_xy.append(part)
                    refs.append(ref)
    if not pieces_xy:
        raise SahelGISError(
            f"no road within {radius_m / 1000:g} km of {name or 'this point'}; "
            "choose a larger radius or import a road layer"
        )
    # measure each piece from the town outwards
    oriented = []
    for piece in pieces_xy:
        xy = shapely.get_coordinates(piece)
        if np.hypot(*xy[0]) > np.hypot(*xy[-1]):
            piece = LineString(xy[::-1])
        oriented.append(piece)
    segs = Segments.from_lines(oriented, continuous=False)
    near, _ = events_near_segments(
        events, segs, oriented, projector, within_m, rows=rows
    )
    road_of = segs.piece[near.segment]
    if town_m > 0 and len(near.rows):
        ev_lon = events.lon[near.rows]
        ev_lat = events.lat[near.rows]
        _, _, d_town = GEOD.inv(
            np.full(len(ev_lon), float(lon)),
            np.full(len(ev_lon), float(lat)),
            ev_lon,
            ev_lat,
        )
        keep = np.asarray(d_town) > town_m
        near.rows, near.distance_m = near.rows[keep], near.distance_m[keep]
        road_of = road_of[keep]

    considered = as_rows(rows, len(events))
    days = events.dates.astype("datetime64[D]")
    if start is not None:
        first = as_day(start)
    elif len(considered):
        first = days[considered].min()
    else:
        first = None
    if end is not None:
        as_of = as_day(end)
    elif len(considered):
        as_of = days[considered].max()
    else:
        as_of = None

    if first is not None and as_of is not None and as_of >= first:
        months = np.arange(
            first.astype("datetime64[M]"), as_of.astype("datetime64[M]") + 1
        )
    else:
        months = np.array([], dtype="datetime64[M]")
    ev_month = days[near.rows].astype("datetime64[M]")
    labels = [_label(refs[k], oriented[k]) for k in range(len(oriented))]
    labels = _unique_labels(labels)

    records = []
    monthly_parts = []
    for k, piece in enumerate(oriented):
        mine = road_of == k
        count_k = int(mine.sum())
        if len(months):
            pos = (ev_month[mine] - months[0]).astype(np.int64)
            pos = pos[(pos >= 0) & (pos < len(months))]
            per_month = np.bincount(pos, minlength=len(months))
        else:
            per_month = np.zeros(0, dtype=np.int64)
        if len(per_month) >= 2:
            slope, intercept = np.polyfit(np.arange(len(per_month)), per_month, 1)
        else:
            slope, intercept = 0.0, float(per_month.mean()) if len(per_month) else 0.0
        last = days[near.rows[mine]].max() if count_k else None
        since = (
            float((as_of - last).astype(np.int64))
            if last is not None and as_of is not None
            else np.nan
        )
        end_xy = shapely.get_coordinates(piece)[-1]
        bearing = float(np.degrees(np.arctan2(end_xy[0], end_xy[1])) % 360.0)
        records.append(
            {
                "road_id": k,
                "ref": refs[k],
                "label": labels[k],
                "bearing_deg": round(bearing, 1),
                "length_km": round(piece.length / 1000.0, 2),
                "events": count_k,
                "last_event": "" if last is None else str(last),
                "days_since_last": since,
                "trend_per_month": float(slope),
                "mean_per_month": float(per_month.mean()) if len(per_month) else 0.0,
            }
        )
        monthly_parts.append(
            pd.DataFrame(
                {
                    "road_id": k,
                    "label": labels[k],
                    "month": months.astype(str),
                    COUNT: per_month.astype(np.int64),
                    "trend": intercept + slope * np.arange(len(per_month)),
                }
            )
        )
    geoms = [projector.to_lonlat(shapely.segmentize(p, 1_000.0)) for p in oriented]
    roads_frame = gpd.GeoDataFrame(
        pd.DataFrame.from_records(records), geometry=geoms, crs="EPSG:4326"
    )
    order = np.argsort(near.rows, kind="stable")
    return IsolationResult(
        name=name or f"{lon:.4f}, {lat:.4f}",
        lon=float(lon),
        lat=float(lat),
        radius_m=float(radius_m),
        within_m=float(within_m),
        as_of=as_of,
        roads=roads_frame,
        monthly=pd.concat(monthly_parts, ignore_index=True),
        rows=near.rows[order],
        road_of=road_of[order],
        distance_m=near.distance_m[order],
    )


def _label(ref: str, piece_xy: LineString) -> str:
    end = shapely.get_coordinates(piece_xy)[-1]
    bearing = float(np.degrees(np.arctan2(end[0], end[1])) % 360.0)
    return f"{ref or 'road'} {compass(bearing)}"


def _unique_labels(labels: list[str]) -> list[str]:
    """Number repeated labels: "RN4 N (1)", "RN4 N (2)"."""
    totals: dict[str, int] = {}
    for label in labels:
        totals[label] = totals.get(label, 0) + 1
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        out.append(f"{label} ({seen[label]})" if totals[label] > 1 else label)
    return out
