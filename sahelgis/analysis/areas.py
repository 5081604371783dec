"""Counts per area and period: admin areas, hexagon grids, and map classes.

Point in polygon
----------------
Areas are polygons in EPSG:4326 (what GeoPackages and QGIS exchange), and an
event is in an area when the polygon strictly contains its lon/lat point, as a
``geopandas.sjoin(predicate="within")`` would decide (a point exactly on a
boundary is in neither area). For each area the lon/lat grid index returns
the events in its bounding box, and ``shapely.contains_xy`` on the prepared
polygon tests them: no Point objects are created, so 1M events per 50 cercles
take tens of milliseconds. Overlapping areas each count the event.

Hexagon grids
-------------
:func:`hex_grid` tiles a box with regular hexagons in a Lambert azimuthal
equal-area projection (LAEA, WGS84) centred on the box, so every cell covers
the same ground area, ``(√3/2)·size²`` where ``size`` is the distance between
the centres of neighbouring cells (the flat-to-flat width). The cells are
pointy-topped, ``q``/``r`` are axial coordinates. :func:`counts_per_hex`
assigns events by hexagon rounding in that projection (exact, no polygon
test), with coordinates projected once per table and cached.

Classes
-------
:func:`classify` implements quantiles, equal intervals, fixed breaks and
natural breaks (Fisher–Jenks, the exact optimum of the within-class sum of
squares, computed in numpy on the distinct values with their weights).
mapclassify would add scipy and scikit-learn to the offline bundle for this
alone, so it is not used.

Size: point in polygon, hexagon grids and map classes; the classes are used
only by the choropleths built here.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import shapely
from pyproj import CRS, Transformer

from sahelgis.analysis.buffers import EventIndex, event_index
from sahelgis.analysis.results import (
    COUNT,
    as_row_mask,
    as_rows,
    group_codes,
    key_arrays,
    normalise_by,
    tidy_counts,
)
from sahelgis.errors import SahelGISError
from sahelgis.model.crs import WGS84
from sahelgis.progress import NULL_PROGRESS, Progress

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd
    from shapely.geometry.base import BaseGeometry

    from sahelgis.model.events import EventTable

__all__ = [
    "CLASS_METHODS",
    "area_membership",
    "choropleth_layer",
    "classify",
    "counts_per_area",
    "counts_per_hex",
    "hex_crs",
    "hex_grid",
    "rows_within",
]

CLASS_METHODS: tuple[str, ...] = (
    "quantiles",
    "natural_breaks",
    "equal_interval",
    "fixed",
)
#: Largest number of distinct values Fisher–Jenks runs on exactly; above it the
#: breaks are computed on that many evenly spaced quantiles.
JENKS_MAX_VALUES = 3000
_SQRT3 = math.sqrt(3.0)


# -------------------------------------------------------- point in area ---
def _lonlat_geometries(areas: gpd.GeoDataFrame) -> np.ndarray:
    if areas.crs is not None and not areas.crs.equals(WGS84):
        areas = areas.to_crs(WGS84)
    geoms = np.asarray(areas.geometry.values, dtype=object)
    return geoms


#: Cells of the grid index are widened by this (degrees) before the interior
#: test, so float rounding at a cell edge can never put a point outside.
_CELL_PAD_DEG = 1e-9


def _events_in_polygon(
    index: EventIndex, geom: BaseGeometry, mask: np.ndarray | None
) -> np.ndarray:
    """Rows (grid order, not sorted) of the events strictly inside a polygon.

    ``geom`` is a prepared polygon in EPSG:4326 lon/lat degrees.

    Grid cells wholly inside the polygon are taken without a test; only the
    events of cells crossed by the boundary go through ``contains_xy``.
    """
    keys, boxes = index.cells_in_box(*geom.bounds)
    if len(keys) == 0:
        return np.zeros(0, dtype=np.int64)
    cells = shapely.box(
        boxes[:, 0] - _CELL_PAD_DEG,
        boxes[:, 1] - _CELL_PAD_DEG,
        boxes[:, 2] + _CELL_PAD_DEG,
        boxes[:, 3] + _CELL_PAD_DEG,
    )
    interior = shapely.contains_properly(geom, cells)
    edge = ~interior & shapely.intersects(geom, cells)
    rows_in, _, _ = index.gather(keys[interior])
    rows_edge, lon, lat = index.gather(keys[edge])
    if len(rows_edge):
        rows_edge = rows_edge[shapely.contains_xy(geom, lon, lat)]
    found = np.concatenate([rows_in, rows_edge])
    if mask is not None:
        found = found[mask[found]]
    return found


def area_membership(
    events: EventTable,
    areas: gpd.GeoDataFrame,
    rows: np.ndarray | None = None,
    progress: Progress = NULL_PROGRESS,
) -> tuple[np.ndarray, np.ndarray]:
    """Which events lie in which area.

    Returns ``(event_rows, area_index)``: one pair per event and containing
    area (positional index into ``areas``); within an area the rows are in no
    particular order.
    """
    geoms = _lonlat_geometries(areas)
    index = event_index(events)
    mask = as_row_mask(rows, len(events))
    out_rows: list[np.ndarray] = []
    out_area: list[np.ndarray] = []
    for i, geom in enumerate(geoms):
        if i % 8 == 0:
            progress.check()
            progress.set(i / max(len(geoms), 1), "Counting events per area")
        if geom is None or geom.is_empty:
            continue
        shapely.prepare(geom)
        found = _events_in_polygon(index, geom, mask)
        if len(found):
            out_rows.append(found)
            out_area.append(np.full(len(found), i, dtype=np.int64))
    progress.set(1.0, "Counted")
    if not out_rows:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(out_rows), np.concatenate(out_area)


def rows_within(
    events: EventTable, polygon: BaseGeometry, rows: np.ndarray | None = None
) -> np.ndarray:
    """Row positions (sorted) of the events inside a lon/lat polygon.

    Useful to restrict an analysis to a region: "share of Koulikoro events
    within 10 km of the RN4" passes ``rows_within(events, koulikoro)`` as the
    corridor's ``rows``.

    Parameters
    ----------
    events
        The event table.
    polygon
        A (Multi)Polygon in EPSG:4326 lon/lat degrees.
    rows
        Rows to consider (positions or a mask); None for every event.

    Returns
    -------
    numpy.ndarray
        Sorted int64 row positions of the considered events inside.
    """
    import geopandas as gpd

    frame = gpd.GeoDataFrame(geometry=[polygon], crs="EPSG:4326")
    found, _ = area_membership(events, frame, rows)
    return np.sort(found)


def _present_codes(
    events: EventTable, keys: tuple[str, ...], rows: np.ndarray | None
) -> list[np.ndarray]:
    considered = as_rows(rows, len(events))
    out = []
    for key in keys:
        codes, _ = group_codes(events, key)
        out.append(np.unique(codes[considered]))
    return out


def counts_per_area(
    events: EventTable,
    areas: gpd.GeoDataFrame,
    name_field: str,
    rows: np.ndarray | None = None,
    by: str | tuple[str, ...] | list[str] | None = "year",
    *,
    keep_zeros: bool = True,
    progress: Progress = NULL_PROGRESS,
) -> pd.DataFrame:
    """Events per area and period, as a tidy table.

    Parameters
    ----------
    events
        The events (WGS84 lon/lat).
    areas
        Polygons (any CRS; tested in EPSG:4326) with a name column.
    name_field
        The column naming each area (``name_fr`` for cercles, ``adm1_name``
        for regions, ``hex_id`` for a hex grid).
    rows
        Events to consider (positions or boolean mask); ``None`` for all.
    by
        Grouping keys besides the area (``"year"``, ``("year",
        "event_type")``, ``None``).
    keep_zeros
        List every area × period combination, zeros included (periods: those
        present among the considered events).
    progress
        Progress and cancel (checked every few areas).

    Returns
    -------
    pandas.DataFrame
        Columns ``name_field``, the ``by`` keys, ``count``.
    """
    if name_field not in areas.columns:
        raise SahelGISError(
            f"the areas have no {name_field!r} field; fields: "
            + ", ".join(c for c in areas.columns if c != areas.geometry.name)
        )
    keys = normalise_by(by)
    found, area = area_membership(events, areas, rows, progress)
    names = np.asarray(areas[name_field].astype(str).to_numpy(), dtype=object)
    table = tidy_counts(
        [(name_field, area.astype(np.int32), names), *key_arrays(events, keys, found)],
        keep_zeros=keep_zeros,
    )
    if keep_zeros and keys:
        present = _present_codes(events, keys, rows)
        keep = np.ones(len(table), dtype=bool)
        for key, codes in zip(keys, present, strict=True):
            _, labels = group_codes(events, key)
            wanted = set(labels[codes].tolist())
            keep &= table[key].isin(wanted).to_numpy()
        table = table[keep].reset_index(drop=True)
    return table


# ------------------------------------------------------------------ hexes ---
def hex_crs(lon0: float, lat0: float) -> CRS:
    """The equal-area CRS (LAEA, WGS84, metres) hexagons are drawn in.

    Parameters
    ----------
    lon0, lat0
        The projection's centre, EPSG:4326 degrees.

    Returns
    -------
    pyproj.CRS
        Lambert azimuthal equal-area on WGS84, units metres.
    """
    return CRS.from_proj4(
        f"+proj=laea +lat_0={lat0:.6f} +lon_0={lon0:.6f} +x_0=0 +y_0=0 "
        "+datum=WGS84 +units=m +no_defs"
    )


def _hex_polygon_xy(cx: float, cy: float, side: float) -> np.ndarray:
    angles = np.deg2rad(np.arange(6) * 60.0 + 30.0)  # pointy-topped
    return np.column_stack([cx + side * np.cos(angles), cy + side * np.sin(angles)])


def _axial_round(q: np.ndarray, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, z = q, r
    y = -x - z
    rx, ry, rz = np.rint(x), np.rint(y), np.rint(z)
    dx, dy, dz = np.abs(rx - x), np.abs(ry - y), np.abs(rz - z)
    fix_x = (dx > dy) & (dx > dz)
    fix_z = ~fix_x & (dz >= dy)
    rx = np.where(fix_x, -ry - rz, rx)
    rz = np.where(fix_z, -rx - ry, rz)
    return rx.astype(np.int64), rz.astype(np.int64)


def _xy_to_axial(
    x: np.ndarray, y: np.ndarray, size_m: float
) -> tuple[np.ndarray, np.ndarray]:
    side = size_m / _SQRT3
    q = (_SQRT3 / 3.0 * x - y / 3.0) / side
    r = (2.0 / 3.0 * y) / side
    return _axial_round(q, r)


def _axial_to_xy(
    q: np.ndarray, r: np.ndarray, size_m: float
) -> tuple[np.ndarray, np.ndarray]:
    side = size_m / _SQRT3
    return side * _SQRT3 * (q + r / 2.0), side * 1.5 * r


def _hex_frame(
    q: np.ndarray, r: np.ndarray, size_m: float, crs: CRS
) -> gpd.GeoDataFrame:
    import geopandas as gpd

    side = size_m / _SQRT3
    cx, cy = _axial_to_xy(q, r, size_m)
    polys = [
        shapely.Polygon(_hex_polygon_xy(a, b, side))
        for a, b in zip(cx, cy, strict=True)
    ]
    dense = shapely.segmentize(np.array(polys, dtype=object), max(size_m / 25.0, 200.0))
    local = gpd.GeoSeries(dense, crs=crs)
    return gpd.GeoDataFrame(
        {
            "hex_id": [f"{a}_{b}" for a, b in zip(q, r, strict=True)],
            "q": q.astype(np.int64),
            "r": r.astype(np.int64),
            "area_km2": np.full(len(q), _SQRT3 / 2.0 * size_m**2 / 1e6),
        },
        geometry=local.to_crs(WGS84).values,
        crs="EPSG:4326",
    )


def hex_grid(
    bounds_lonlat: tuple[float, float, float, float],
    size_m: float,
    *,
    centre: tuple[float, float] | None = None,
) -> gpd.GeoDataFrame:
    """Hexagons covering a lon/lat box, equal ground area each.

    Parameters
    ----------
    bounds_lonlat
        ``(west, south, east, north)`` in degrees.
    size_m
        Distance between neighbouring cell centres (flat-to-flat width),
        metres; each cell covers ``(√3/2)·size_m²``.
    centre
        Centre ``(lon, lat)`` of the LAEA projection; default the box centre.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326 cells with ``hex_id`` ("q_r"), ``q``, ``r``, ``area_km2``;
        edges densified so the lon/lat polygons follow the projected hexagons.
    """
    if not size_m > 0:
        raise ValueError(f"hexagon size must be > 0 m, got {size_m}")
    west, south, east, north = bounds_lonlat
    if centre is None:
        centre = ((west + east) / 2.0, (south + north) / 2.0)
    crs = hex_crs(*centre)
    fwd = Transformer.from_crs(WGS84, crs, always_xy=True)
    t = np.linspace(0.0, 1.0, 41)
    edge_lon = np.concatenate(
        [
            west + (east - west) * t,
            np.full(41, east),
            west + (east - west) * t,
            np.full(41, west),
        ]
    )
    edge_lat = np.concatenate(
        [
            np.full(41, south),
            south + (north - south) * t,
            np.full(41, north),
            south + (north - south) * t,
        ]
    )
    x, y = fwd.transform(edge_lon, edge_lat)
    x0, x1 = float(np.min(x)) - size_m, float(np.max(x)) + size_m
    y0, y1 = float(np.min(y)) - size_m, float(np.max(y)) + size_m
    n_cells = (x1 - x0) * (y1 - y0) / (_SQRT3 / 2.0 * size_m**2)
    if n_cells > 500_000:
        raise SahelGISError(
            f"a {size_m / 1000:g} km hexagon grid over this area has about "
            f"{n_cells:,.0f} cells; choose a larger size"
        )
    side = size_m / _SQRT3
    r0 = math.floor(y0 / (1.5 * side)) - 1
    r1 = math.ceil(y1 / (1.5 * side)) + 1
    qs, rs = [], []
    for r in range(r0, r1 + 1):
        q0 = math.floor(x0 / size_m - r / 2.0) - 1
        q1 = math.ceil(x1 / size_m - r / 2.0) + 1
        q = np.arange(q0, q1 + 1)
        qs.append(q)
        rs.append(np.full(len(q), r))
    q_all, r_all = np.concatenate(qs), np.concatenate(rs)
    cx, cy = _axial_to_xy(q_all, r_all, size_m)
    # keep cells that touch the (projected) box
    keep = (cx >= x0 - size_m) & (cx <= x1 + size_m) & (cy >= y0) & (cy <= y1)
    return _hex_frame(q_all[keep], r_all[keep], size_m, crs)


def _hex_centre_for(events: EventTable) -> tuple[float, float]:
    """A stable LAEA centre for a table: its extent's centre, rounded to 0.5°."""
    lon, lat = events.lon, events.lat
    if len(lon) == 0:
        return 0.0, 0.0
    c_lon = (float(np.nanmin(lon)) + float(np.nanmax(lon))) / 2.0
    c_lat = (float(np.nanmin(lat)) + float(np.nanmax(lat))) / 2.0
    return round(c_lon * 2) / 2, round(c_lat * 2) / 2


def counts_per_hex(
    events: EventTable,
    size_m: float,
    rows: np.ndarray | None = None,
    by: str | tuple[str, ...] | list[str] | None = "year",
    *,
    centre: tuple[float, float] | None = None,
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Events per hexagon (equal-area grid) and period.

    Parameters
    ----------
    events
        The events.
    size_m
        Hexagon size (distance between neighbouring centres), metres.
    rows
        Events to consider; ``None`` for all.
    by
        Grouping keys besides the cell.
    centre
        LAEA centre; default the centre of the table's extent (rounded to
        0.5°, so grids of the same table line up).

    Returns
    -------
    (cells, table)
        ``cells``: the hexagons holding at least one event (EPSG:4326) with
        ``hex_id``, ``q``, ``r``, ``area_km2`` and ``count``; ``table``: tidy
        ``hex_id``, the ``by`` keys, ``count``.
    """
    if not size_m > 0:
        raise ValueError(f"hexagon size must be > 0 m, got {size_m}")
    keys = normalise_by(by)
    centre = centre or _hex_centre_for(events)
    crs = hex_crs(*centre)
    transformer = Transformer.from_crs(WGS84, crs, always_xy=True)
    x, y = events.projected_xy(crs.srs, transformer)
    considered = as_rows(rows, len(events))
    q, r = _xy_to_axial(x[considered], y[considered], size_m)
    cell_key = (q << 32) ^ (r & 0xFFFFFFFF)
    unique, inverse = np.unique(cell_key, return_inverse=True)
    uq = unique >> 32
    ur = (unique & 0xFFFFFFFF).astype(np.int64)
    ur = np.where(ur >= 2**31, ur - 2**32, ur)
    cells = _hex_frame(uq, ur, size_m, crs)
    cells[COUNT] = np.bincount(inverse, minlength=len(unique)).astype(np.int64)
    names = cells["hex_id"].to_numpy(dtype=object)
    table = tidy_counts(
        [
            ("hex_id", inverse.astype(np.int32), names),
            *key_arrays(events, keys, considered),
        ]
    )
    return cells, table


#: Key column of :func:`located_counts`: an event's exact ``"lon lat"``.
AT = "at_lonlat"


def located_counts(
    events: EventTable, by: str | tuple[str, ...] | list[str] | None
) -> pd.DataFrame:
    """Events per exact location and key: what batch hexagon counts add up.

    A hexagon depends on the grid's centre, which is only known once every
    partition has been read (the centre of the whole table's extent, as
    :func:`counts_per_hex` takes it); counts per location add up across
    partitions and :func:`hex_counts_of` turns them into counts per hexagon.

    Returns
    -------
    pandas.DataFrame
        Tidy ``at_lonlat`` (``"lon lat"``, EPSG:4326 degrees as exact
        ``repr``), the ``by`` keys, ``count``.
    """
    keys = normalise_by(by)
    pairs = np.column_stack([events.lon, events.lat]).astype("float64")
    if len(pairs):
        unique, inverse = np.unique(pairs, axis=0, return_inverse=True)
    else:
        unique, inverse = np.zeros((0, 2)), np.zeros(0, dtype=np.int64)
    labels = np.array([f"{float(a)!r} {float(b)!r}" for a, b in unique], dtype=object)
    everything = np.arange(len(events))
    return tidy_counts(
        [
            (AT, inverse.ravel().astype(np.int32), labels),
            *key_arrays(events, keys, everything),
        ]
    )


def hex_counts_of(
    located: pd.DataFrame, size_m: float, by: str | tuple[str, ...] | list[str] | None
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Counts per hexagon from :func:`located_counts` (of one or many partitions).

    The grid is that of :func:`counts_per_hex` on the same events: centred on
    their extent's centre rounded to 0.5°, ``size_m`` metres centre to centre.

    Returns
    -------
    (cells, table)
        As :func:`counts_per_hex`: the hexagons holding an event (EPSG:4326)
        with ``hex_id``, ``q``, ``r``, ``area_km2``, ``count``; the tidy
        table ``hex_id``, the ``by`` keys, ``count``.
    """
    import pandas as pd

    keys = list(normalise_by(by))
    at = located[AT].astype(str).str.split(" ", expand=True)
    lon = at[0].astype("float64").to_numpy() if len(located) else np.zeros(0)
    lat = at[1].astype("float64").to_numpy() if len(located) else np.zeros(0)
    if len(lon):
        c_lon = (float(np.nanmin(lon)) + float(np.nanmax(lon))) / 2.0
        c_lat = (float(np.nanmin(lat)) + float(np.nanmax(lat))) / 2.0
        centre = round(c_lon * 2) / 2, round(c_lat * 2) / 2
    else:
        centre = (0.0, 0.0)
    crs = hex_crs(*centre)
    x, y = Transformer.from_crs(WGS84, crs, always_xy=True).transform(lon, lat)
    q, r = _xy_to_axial(np.asarray(x), np.asarray(y), size_m)
    cell_key = (q << 32) ^ (r & 0xFFFFFFFF)
    unique, inverse = np.unique(cell_key, return_inverse=True)
    uq = unique >> 32
    ur = (unique & 0xFFFFFFFF).astype(np.int64)
    ur = np.where(ur >= 2**31, ur - 2**32, ur)
    cells = _hex_frame(uq, ur, size_m, crs)
    counts = located[COUNT].to_numpy(dtype=np.int64)
    cells[COUNT] = np.bincount(inverse, weights=counts, minlength=len(unique)).astype(
        np.int64
    )
    frame = pd.DataFrame({"hex_id": cells["hex_id"].to_numpy()[inverse]})
    for key in keys:
        frame[key] = located[key].to_numpy()
    frame[COUNT] = counts
    table = (
        frame.groupby(["hex_id", *keys], sort=False)[COUNT].sum().reset_index()
        if len(frame)
        else frame
    )
    return cells, table


# ---------------------------------------------------------------- classes ---
def _fisher_jenks(values: np.ndarray, weights: np.ndarray, k: int) -> np.ndarray:
    """Upper bounds of the optimal ``k`` classes of sorted distinct values."""
    m = len(values)
    if k >= m:
        return values.copy()
    w = np.concatenate([[0.0], np.cumsum(weights)])
    s1 = np.concatenate([[0.0], np.cumsum(weights * values)])
    s2 = np.concatenate([[0.0], np.cumsum(weights * values * values)])

    def ssd(i: np.ndarray, j: int) -> np.ndarray:
        """Weighted sum of squares of values[i..j] (inclusive), i an array."""
        ww = w[j + 1] - w[i]
        s = s1[j + 1] - s1[i]
        return (s2[j + 1] - s2[i]) - s * s / ww

    idx = np.arange(m)
    cost = s2[1:] - s1[1:] ** 2 / w[1:]  # one class holding values[0..j]
    back = np.zeros((k, m), dtype=np.int64)
    for c in range(1, k):
        new = np.full(m, np.inf)
        for j in range(c, m):
            starts = idx[c : j + 1]  # first value of the last class
            total = cost[starts - 1] + ssd(starts, j)
            best = int(np.argmin(total))
            new[j] = total[best]
            back[c, j] = starts[best]
        cost = new
    bounds = []
    j = m - 1
    for c in range(k - 1, -1, -1):
        bounds.append(values[j])
        if c > 0:
            j = int(back[c, j]) - 1
    return np.array(bounds[::-1])


def classify(
    values: np.ndarray | pd.Series | list[float],
    method: str = "quantiles",
    k: int = 5,
    breaks: list[float] | np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Map classes for a choropleth.

    Parameters
    ----------
    values
        The values (e.g. counts per area); NaN gets class -1.
    method
        ``"quantiles"``, ``"natural_breaks"`` (Fisher–Jenks), ``"equal_interval"``
        or ``"fixed"`` (``breaks`` as upper bounds).
    k
        Number of classes (fewer when there are fewer distinct values).
    breaks
        Upper bounds for ``"fixed"``; the maximum is appended when values
        exceed the last bound.

    Returns
    -------
    (bins, classes)
        ``bins``: upper bound of each class, ascending (class ``i`` holds
        ``bins[i-1] < v <= bins[i]``); ``classes``: class index per value.
    """
    data = np.asarray(values, dtype="float64")
    valid = np.isfinite(data)
    classes = np.full(len(data), -1, dtype=np.int64)
    if not valid.any():
        return np.zeros(0), classes
    x = data[valid]
    if method == "fixed":
        if breaks is None or len(breaks) == 0:
            raise ValueError("fixed classes need breaks, e.g. 0,10,50,100")
        bins = np.unique(np.asarray(breaks, dtype="float64"))
        if x.max() > bins[-1]:
            bins = np.append(bins, x.max())
    elif method == "quantiles":
        if k < 1:
            raise ValueError(f"k must be >= 1, got {k}")
        bins = np.unique(np.quantile(x, np.linspace(0, 1, k + 1)[1:]))
    elif method == "equal_interval":
        lo, hi = float(x.min()), float(x.max())
        bins = (
            np.unique(lo + (hi - lo) * np.arange(1, k + 1) / k)
            if hi > lo
            else (np.array([hi]))
        )
    elif method == "natural_breaks":
        if k < 1:
            raise ValueError(f"k must be >= 1, got {k}")
        distinct, counts = np.unique(x, return_counts=True)
        if len(distinct) > JENKS_MAX_VALUES:
            q = np.linspace(0, 1, JENKS_MAX_VALUES)
            distinct, counts = np.unique(np.quantile(x, q), return_counts=True)
        bins = _fisher_jenks(distinct, counts.astype("float64"), int(k))
        bins[-1] = x.max()
    else:
        raise ValueError(
            f"unknown classification {method!r}; use one of {CLASS_METHODS}"
        )
    classes[valid] = np.minimum(np.searchsorted(bins, x, side="left"), len(bins) - 1)
    return bins, classes


def choropleth_layer(
    areas: gpd.GeoDataFrame,
    table: pd.DataFrame,
    name_field: str,
    *,
    period: str | None = "year",
    method: str = "quantiles",
    k: int = 5,
    breaks: list[float] | None = None,
) -> gpd.GeoDataFrame:
    """Areas with their counts as columns, ready to style as a choropleth.

    Columns: ``name_field``, one count column per period (named after it,
    e.g. "2023") when ``period`` is given, ``count`` (all periods), ``class``
    (index of the ``count`` class) and ``class_label`` ("12–40"); EPSG:4326.
    """
    layer = areas[[name_field, areas.geometry.name]].copy()
    if layer.crs is not None and not layer.crs.equals(WGS84):
        layer = layer.to_crs(WGS84)
    layer[name_field] = layer[name_field].astype(str)
    if period is not None and period in table.columns:
        wide = table.pivot_table(
            index=name_field, columns=period, values=COUNT, aggfunc="sum", fill_value=0
        )
        wide.columns = [str(c) for c in wide.columns]
        layer = layer.merge(wide, left_on=name_field, right_index=True, how="left")
    totals = table.groupby(name_field)[COUNT].sum()
    layer[COUNT] = layer[name_field].map(totals).fillna(0).astype(np.int64)
    for column in layer.columns:
        if column not in (name_field, layer.geometry.name):
            layer[column] = layer[column].fillna(0).astype(np.int64)
    classes, labels = count_classes(layer[COUNT].to_numpy(), method, k, breaks)
    layer["class"] = classes
    layer["class_label"] = [labels[c] if c >= 0 else "" for c in classes]
    return layer


def count_classes(
    counts: np.ndarray,
    method: str = "quantiles",
    k: int = 5,
    breaks: list[float] | np.ndarray | None = None,
) -> tuple[np.ndarray, list[str]]:
    """Classes of event counts with whole-number bounds ("0", "1–3", "4–12").

    Counts are whole numbers, so a class boundary between them is rounded down
    to a whole number and each class is labelled with the first and last count
    it can hold; no two classes overlap and none is fractional (quantiles of
    0, 0, 1, 3 would otherwise read "0–0.75, 0.75–2").

    Returns
    -------
    (classes, labels)
        Class index per count (-1 for NaN) and one label per class.
    """
    values = np.asarray(counts, dtype="float64")
    classes = np.full(len(values), -1, dtype=np.int64)
    valid = np.isfinite(values)
    if not valid.any():
        return classes, []
    bins, _ = classify(values, method, k, breaks)
    uppers = np.unique(np.floor(bins).astype(np.int64))
    top = int(np.floor(values[valid].max()))
    uppers = uppers[uppers < top]
    uppers = np.append(uppers, top)
    x = np.floor(values[valid]).astype(np.int64)
    classes[valid] = np.searchsorted(uppers, x, side="left")
    lowest = int(x.min())
    labels = []
    for i, hi in enumerate(uppers):
        lo = lowest if i == 0 else int(uppers[i - 1]) + 1
        lo = min(lo, int(hi))
        labels.append(f"{lo:,}" if lo == hi else f"{lo:,}–{int(hi):,}")
    return classes, labels
