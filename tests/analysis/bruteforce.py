"""Independent brute-force references for the analysis tests (issue 15, point 4).

Nothing here calls SahelGIS's analysis code: every count is recomputed from
the event coordinates with plain loops and numpy over ``pyproj.Geod`` (WGS84
ellipsoid, Karney's algorithm) or with shapely predicates, so a test compares
two computations that share no code.

Conventions
-----------
* Coordinates are EPSG:4326 lon/lat in degrees; distances are metres on the
  ground (geodesics of the WGS84 ellipsoid).
* A road is the chain of *geodesic* segments between its vertices (what a
  road drawn as straight segments between towns means on the ground).
* :func:`distance_to_polyline_m` finds the foot of the perpendicular on each
  geodesic segment by Newton-like iteration along the geodesic and stops when
  the along-track residual is below 1 mm: the reported distance is the true
  geodesic point-to-segment distance within :data:`BRUTE_ERROR_M` (the error of
  a distance is second order in the residual, far below 1 mm; 1 mm is the bound
  we state). :func:`distance_to_vertices_m` is the cruder reference the issue
  suggests (minimum over vertices densified with ``Geod.npts``); it is used to
  cross-check the iteration (see :func:`densified_bound_m`).
* Edge tolerances: events whose reference value lies within a stated tolerance
  of a boundary are "edge" events and are left out of the exact comparison;
  the totals must then differ by at most the number of edge events.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import shapely
from hypothesis import strategies as st
from pyproj import CRS, Geod, Transformer

#: The reference ellipsoid (a separate instance from sahelgis.model.crs.GEOD).
GEOD = Geod(ellps="WGS84")
#: Error bound of :func:`distance_to_polyline_m`, metres.
BRUTE_ERROR_M = 1e-3

#: Southern Mali, the study area of the generated events (degrees).
LON_RANGE = (-12.0, -4.0)
LAT_RANGE = (10.0, 16.5)


# ----------------------------------------------------------- distances ---
def geodesic_m(
    lon0: float, lat0: float, lon: np.ndarray, lat: np.ndarray
) -> np.ndarray:
    """WGS84 geodesic distance (metres) from one point to many (degrees)."""
    lon = np.asarray(lon, dtype="float64")
    lat = np.asarray(lat, dtype="float64")
    if len(lon) == 0:
        return np.zeros(0)
    _, _, d = GEOD.inv(np.full(len(lon), lon0), np.full(len(lon), lat0), lon, lat)
    return np.asarray(d, dtype="float64")


def _distance_to_segment_m(
    a: tuple[float, float],
    b: tuple[float, float],
    lon: np.ndarray,
    lat: np.ndarray,
    t_range: tuple[float, float] | None = None,
) -> np.ndarray:
    """Geodesic distance (metres) from points to the geodesic segment a–b.

    Iterates the foot point ``t`` (metres from ``a`` along the geodesic): from
    the foot ``P(t)`` with forward azimuth ``α``, the point lies at distance
    ``s`` and azimuth ``β``; the along-track correction is ``s·cos(β - α)``.
    ``t`` is clamped to ``[0, L]`` (round ends), or to ``t_range`` (metres
    from ``a``) for a piece of the segment. Stops when every correction of an
    unclamped foot is below 1 mm.
    """
    n = len(lon)
    if n == 0:
        return np.zeros(0)
    az_ab, _, length = GEOD.inv(a[0], a[1], b[0], b[1])
    if length == 0.0:
        return geodesic_m(a[0], a[1], lon, lat)
    lo, hi = (0.0, length) if t_range is None else t_range
    t = np.full(n, lo)
    a_lon, a_lat = np.full(n, a[0]), np.full(n, a[1])
    for _ in range(60):
        plon, plat, back = GEOD.fwd(a_lon, a_lat, np.full(n, az_ab), t)
        alpha = np.asarray(back) + 180.0  # forward azimuth at the foot
        beta, _, s = GEOD.inv(plon, plat, lon, lat)
        step = np.asarray(s) * np.cos(np.radians(np.asarray(beta) - alpha))
        new_t = np.clip(t + step, lo, hi)
        moved = np.abs(new_t - t)
        t = new_t
        if float(moved.max()) < 1e-4:
            break
    else:  # pragma: no cover - the iteration converges in a few steps
        raise AssertionError("foot-point iteration did not converge")
    plon, plat, _ = GEOD.fwd(a_lon, a_lat, np.full(n, az_ab), t)
    _, _, d = GEOD.inv(plon, plat, lon, lat)
    return np.asarray(d, dtype="float64")


def polyline_vertices(line: shapely.Geometry) -> list[np.ndarray]:
    """The ``(k, 2)`` lon/lat vertex arrays of a LineString or its parts."""
    if line.geom_type == "LineString":
        return [shapely.get_coordinates(line)]
    return [shapely.get_coordinates(g) for g in line.geoms]


def distance_to_polyline_m(
    line: shapely.Geometry, lon: np.ndarray, lat: np.ndarray
) -> np.ndarray:
    """Geodesic distance (metres, within :data:`BRUTE_ERROR_M`) from each point
    to a road made of geodesic segments between its lon/lat vertices."""
    lon = np.asarray(lon, dtype="float64")
    lat = np.asarray(lat, dtype="float64")
    best = np.full(len(lon), np.inf)
    for coords in polyline_vertices(line):
        for k in range(len(coords) - 1):
            d = _distance_to_segment_m(tuple(coords[k]), tuple(coords[k + 1]), lon, lat)
            best = np.minimum(best, d)
    return best


def _within_interval(
    a: tuple[float, float],
    b: tuple[float, float],
    centre: tuple[float, float],
    radius_m: float,
) -> tuple[float, float] | None:
    """The stretch ``(t0, t1)`` (metres from ``a``) of the geodesic segment a–b
    within ``radius_m`` of ``centre``, or ``None``. The distance from a point
    along a geodesic shorter than half the Earth has a single minimum, so the
    stretch is one interval; samples every 250 m locate it and bisection finds
    its ends to 1 mm."""
    az, _, length = GEOD.inv(a[0], a[1], b[0], b[1])
    k = max(int(np.ceil(length / 250.0)), 1)
    t = np.linspace(0.0, length, k + 1)

    def dist(tt: np.ndarray) -> np.ndarray:
        x, y, _ = GEOD.fwd(np.full(len(tt), a[0]), np.full(len(tt), a[1]),
                           np.full(len(tt), az), tt)  # fmt: skip
        return geodesic_m(centre[0], centre[1], np.asarray(x), np.asarray(y))

    d = dist(t)
    inside = np.flatnonzero(d <= radius_m)
    if len(inside) == 0:
        # the closest approach may fall between two samples
        j = int(np.argmin(d))
        lo_t, hi_t = t[max(j - 1, 0)], t[min(j + 1, k)]
        for _ in range(60):  # ternary search of the minimum
            m1, m2 = lo_t + (hi_t - lo_t) / 3, hi_t - (hi_t - lo_t) / 3
            d1, d2 = dist(np.array([m1, m2]))
            lo_t, hi_t = (lo_t, m2) if d1 < d2 else (m1, hi_t)
        tm = (lo_t + hi_t) / 2
        if dist(np.array([tm]))[0] > radius_m:
            return None
        inside = np.array([j])
        t = t.copy()
        t[j] = tm

    def edge(t_in: float, t_out: float) -> float:
        for _ in range(60):
            mid = (t_in + t_out) / 2
            if dist(np.array([mid]))[0] <= radius_m:
                t_in = mid
            else:
                t_out = mid
            if abs(t_out - t_in) < 1e-3:
                break
        return t_in

    i0, i1 = int(inside[0]), int(inside[-1])
    t0 = t[i0] if i0 == 0 else edge(t[i0], t[i0 - 1])
    t1 = t[i1] if i1 == k else edge(t[i1], t[i1 + 1])
    return float(t0), float(t1)


def distance_to_road_in_disc_m(
    line: shapely.Geometry,
    centre: tuple[float, float],
    radius_m: float,
    lon: np.ndarray,
    lat: np.ndarray,
) -> np.ndarray:
    """Geodesic distance (metres) from each point to the part of a geodesic
    road lying within ``radius_m`` of ``centre`` (``inf`` when none does)."""
    lon = np.asarray(lon, dtype="float64")
    lat = np.asarray(lat, dtype="float64")
    best = np.full(len(lon), np.inf)
    for coords in polyline_vertices(line):
        for k in range(len(coords) - 1):
            a, b = tuple(coords[k]), tuple(coords[k + 1])
            span = _within_interval(a, b, centre, radius_m)
            if span is not None:
                d = _distance_to_segment_m(a, b, lon, lat, t_range=span)
                best = np.minimum(best, d)
    return best


def densify_geodesic(line: shapely.Geometry, spacing_m: float) -> np.ndarray:
    """Vertices ``(k, 2)`` along the geodesic segments at most ``spacing_m``
    metres apart (``Geod.npts``), the original vertices included."""
    out = []
    for coords in polyline_vertices(line):
        for k in range(len(coords) - 1):
            (x0, y0), (x1, y1) = coords[k], coords[k + 1]
            _, _, length = GEOD.inv(x0, y0, x1, y1)
            npts = max(int(np.ceil(length / spacing_m)) - 1, 0)
            out.append([(x0, y0)])
            if npts:
                out.append(GEOD.npts(x0, y0, x1, y1, npts))
        out.append([tuple(coords[-1])])
    return np.array([p for part in out for p in part], dtype="float64")


def distance_to_vertices_m(
    vertices: np.ndarray, lon: np.ndarray, lat: np.ndarray
) -> np.ndarray:
    """Minimum geodesic distance (metres) from each point to any vertex."""
    best = np.full(len(lon), np.inf)
    for vx, vy in vertices:
        best = np.minimum(best, geodesic_m(float(vx), float(vy), lon, lat))
    return best


def densified_bound_m(spacing_m: float, distance_m: float) -> float:
    """How much the vertex minimum can exceed the true distance ``d`` when
    vertices are ``spacing_m`` apart: ``sqrt(d² + (s/2)²) - d``."""
    return float(np.hypot(distance_m, spacing_m / 2.0) - distance_m)


# --------------------------------------------------------------- counts ---
def ring_of(distance_m: np.ndarray, radii_m: Sequence[float]) -> np.ndarray:
    """Ring index of each distance (``inner < d <= outer``), by plain loops;
    ``len(radii_m)`` = outside every ring."""
    radii = sorted(float(r) for r in radii_m)
    out = np.full(len(distance_m), len(radii), dtype=np.int64)
    for i, d in enumerate(distance_m):
        inner = 0.0
        for k, r in enumerate(radii):
            if (k == 0 and d <= r) or inner < d <= r:
                out[i] = k
                break
            inner = r
    return out


def near_boundary(
    value: np.ndarray, boundaries: Iterable[float], tolerance: float | np.ndarray
) -> np.ndarray:
    """True where ``value`` lies within ``tolerance`` of any boundary."""
    value = np.asarray(value, dtype="float64")
    edge = np.zeros(len(value), dtype=bool)
    for b in boundaries:
        tol = tolerance(b) if callable(tolerance) else tolerance
        edge |= np.abs(value - b) <= tol
    return edge


def in_window(dates: np.ndarray, start: object, end: object) -> np.ndarray:
    """Boolean mask of the days ``start <= day <= end`` (inclusive; ``None``
    open), one event at a time."""
    days = np.asarray(dates).astype("datetime64[D]")
    s = None if start is None else np.datetime64(start, "D")
    e = None if end is None else np.datetime64(end, "D")
    out = np.zeros(len(days), dtype=bool)
    for i, day in enumerate(days):
        out[i] = (s is None or day >= s) and (e is None or day <= e)
    return out


def points_in_polygons(
    polygons: Sequence[shapely.Geometry], lon: np.ndarray, lat: np.ndarray
) -> np.ndarray:
    """Boolean ``(areas, events)``: polygon strictly contains the lon/lat point
    (shapely ``contains`` on a Point, one pair at a time)."""
    points = [shapely.Point(x, y) for x, y in zip(lon, lat, strict=True)]
    out = np.zeros((len(polygons), len(points)), dtype=bool)
    for i, poly in enumerate(polygons):
        if poly is None or poly.is_empty:
            continue
        for j, p in enumerate(points):
            out[i, j] = poly.contains(p)
    return out


def boundary_distance_deg(
    polygons: Sequence[shapely.Geometry], lon: np.ndarray, lat: np.ndarray
) -> np.ndarray:
    """Smallest distance (degrees, planar lon/lat) from each point to any
    polygon boundary."""
    points = shapely.points(lon, lat)
    best = np.full(len(points), np.inf)
    for poly in polygons:
        if poly is None or poly.is_empty:
            continue
        best = np.minimum(best, shapely.distance(poly.boundary, points))
    return best


def laea(lon0: float, lat0: float) -> Transformer:
    """WGS84 lon/lat → Lambert azimuthal equal-area (metres) centred on a point."""
    crs = CRS.from_proj4(
        f"+proj=laea +lat_0={lat0} +lon_0={lon0} +datum=WGS84 +units=m +no_defs"
    )
    return Transformer.from_crs("EPSG:4326", crs, always_xy=True)


def nearest_hex_centre(
    x: np.ndarray, y: np.ndarray, size_m: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The pointy-topped hexagon of each projected point, by brute force.

    Cell centres form the lattice ``size·(q + r/2, r·√3/2)`` (neighbours
    ``size_m`` apart); a hexagon is the set of points nearest its centre. For
    each point every centre of a 7×7 block of lattice indices around a rough
    guess is measured. Returns ``(q, r, margin_m)`` where ``margin_m`` is the
    gap between the second-nearest and nearest centre distances (0 on an
    edge between two cells).
    """
    r_guess = np.floor(y / (size_m * np.sqrt(3) / 2)).astype(np.int64)
    q_guess = np.floor(x / size_m - r_guess / 2).astype(np.int64)
    out_q = np.zeros(len(x), dtype=np.int64)
    out_r = np.zeros(len(x), dtype=np.int64)
    margin = np.zeros(len(x))
    for i in range(len(x)):
        best: list[tuple[float, int, int]] = []
        for dr in range(-3, 4):
            for dq in range(-3, 4):
                q, r = q_guess[i] + dq, r_guess[i] + dr
                cx = size_m * (q + r / 2.0)
                cy = size_m * r * np.sqrt(3) / 2.0
                best.append((float(np.hypot(x[i] - cx, y[i] - cy)), int(q), int(r)))
        best.sort()
        out_q[i], out_r[i] = best[0][1], best[0][2]
        margin[i] = best[1][0] - best[0][0]
    return out_q, out_r, margin


# ------------------------------------------------------------ hypothesis ---
def lonlat_near(
    lon0: float, lat0: float, max_m: float
) -> st.SearchStrategy[tuple[float, float]]:
    """A point within ``max_m`` metres of a centre, in southern Mali: drawn as
    a bearing and a distance (``Geod.fwd``), so rings get hit everywhere."""

    def place(bearing_dist: tuple[float, float]) -> tuple[float, float]:
        lon, lat, _ = GEOD.fwd(lon0, lat0, bearing_dist[0], bearing_dist[1])
        return float(lon), float(lat)

    return st.tuples(
        st.floats(0.0, 360.0, allow_nan=False),
        st.floats(0.0, max_m, allow_nan=False),
    ).map(place)


dates = st.dates(
    min_value=__import__("datetime").date(2019, 1, 1),
    max_value=__import__("datetime").date(2024, 12, 31),
)
event_types = st.sampled_from(
    ["Battles", "Explosions/Remote violence", "Violence against civilians", "Riots"]
)


# ------------------------------------------------------------------- csv ---
ACLED_HEADER = (
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "event_type",
    "sub_event_type",
    "actor1",
    "country",
    "admin1",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "notes",
    "fatalities",
)


def write_acled_csv(
    path: Path,
    lon: Sequence[float],
    lat: Sequence[float],
    days: Sequence[object],
    event_type: Sequence[str] | None = None,
    geo_precision: Sequence[int] | None = None,
) -> Path:
    """An ACLED-like export (the columns of a real one, a subset) of the
    generated events; coordinates written with full float precision."""
    n = len(lon)
    event_type = event_type or ["Battles"] * n
    geo_precision = geo_precision or [1] * n
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(ACLED_HEADER)
        for k in range(n):
            day = np.datetime64(days[k], "D")
            w.writerow(
                [
                    f"BF{k:06d}",
                    str(day),
                    str(day)[:4],
                    1,
                    event_type[k],
                    "Armed clash",
                    "JNIM",
                    "Mali",
                    "Koulikoro",
                    f"place {k}",
                    repr(float(lat[k])),
                    repr(float(lon[k])),
                    int(geo_precision[k]),
                    "brute-force test",
                    "",
                    0,
                ]
            )
    return path


def road_from(
    start: tuple[float, float], legs: Sequence[tuple[float, float]]
) -> shapely.LineString:
    """A road from ``start`` (lon, lat) by legs of ``(bearing°, metres)``, each
    leg a geodesic (``Geod.fwd``); the vertices are kept as given."""
    coords = [start]
    for bearing, length in legs:
        lon, lat, _ = GEOD.fwd(coords[-1][0], coords[-1][1], bearing, length)
        coords.append((float(lon), float(lat)))
    return shapely.LineString(coords)


def point_near_road(
    line: shapely.Geometry, leg: int, fraction: float, bearing: float, offset_m: float
) -> tuple[float, float]:
    """A point ``offset_m`` metres at ``bearing`` from the point ``fraction``
    of the way along geodesic leg ``leg`` of ``line``."""
    coords = shapely.get_coordinates(line)
    leg = leg % (len(coords) - 1)
    (x0, y0), (x1, y1) = coords[leg], coords[leg + 1]
    az, _, length = GEOD.inv(x0, y0, x1, y1)
    px, py, _ = GEOD.fwd(x0, y0, az, fraction * length)
    lon, lat, _ = GEOD.fwd(px, py, bearing, offset_m)
    return float(lon), float(lat)


# --------------------------------------------------------------- zones ---
def indicator_flags(
    rows: Sequence[dict[str, object]],
    actors: Sequence[str],
    event_types: Sequence[str],
    sub_event_types: Sequence[str],
    notes_keywords: Sequence[str],
) -> list[bool]:
    """The support-zone indicator rule, one plain Python loop per row.

    A row (a dict of ACLED fields, missing values ``None``) is an indicator
    when an actor column contains one of ``actors`` (any actor when empty)
    AND its event type or sub-event type is listed or its notes contain a
    keyword (case-insensitive literal substrings); with no types and no
    keywords, every row of the actors counts.
    """

    def has(text: object, words: Sequence[str]) -> bool:
        if not isinstance(text, str):
            return False
        low = text.lower()
        return any(w.lower() in low for w in words)

    out = []
    for row in rows:
        actor = not actors or any(
            has(row.get(c), actors)
            for c in ("actor1", "assoc_actor_1", "actor2", "assoc_actor_2")
        )
        if not (event_types or sub_event_types or notes_keywords):
            out.append(actor)
            continue
        kind = (
            row.get("event_type") in event_types
            or row.get("sub_event_type") in sub_event_types
            or has(row.get("notes"), notes_keywords)
        )
        out.append(bool(actor and kind))
    return out


def dbscan_reference(
    dist2: np.ndarray, eps: float, min_samples: float, w: np.ndarray, place: np.ndarray
) -> np.ndarray:
    """DBSCAN labels from a full matrix of squared distances (O(n²)).

    ``dist2[i, j]`` is the squared distance, m²; a pair is close when
    ``dist2 <= eps²``. Core: close weight (itself included) at least
    ``min_samples``. Clusters are numbered by their lowest core index. A border
    point joins the cluster of its close core point with the highest
    ``place[i, j] * n + j`` (SahelGIS's documented tie rule).
    """
    n = len(w)
    close = dist2 <= eps * eps
    core = (close * w[None, :]).sum(axis=1) >= min_samples - 1e-9
    comp = np.full(n, -1)
    count = 0
    for start in range(n):  # ascending: cluster k holds the k-th lowest core
        if not core[start] or comp[start] >= 0:
            continue
        comp[start] = count
        stack = [start]
        while stack:
            k = stack.pop()
            for j in np.flatnonzero(close[k] & core):
                if comp[j] < 0:
                    comp[j] = count
                    stack.append(j)
        count += 1
    labels = comp.copy()
    for i in np.flatnonzero(~core):
        best = -1
        for j in np.flatnonzero(close[i] & core):
            if j != i:
                best = max(best, int(place[i, j]) * n + int(j))
        if best >= 0:
            labels[i] = comp[best % n]
    return labels


def eps_cell_place(x: np.ndarray, y: np.ndarray, eps: float) -> np.ndarray:
    """``place[i, j]``: the rank (0–8) of j's cell among the 3 x 3 cells of
    side ``eps`` (from the minimum x and y) around i's cell, columns left to
    right, each bottom to top."""
    cx = np.floor((x - x.min()) / eps).astype(np.int64)
    cy = np.floor((y - y.min()) / eps).astype(np.int64)
    return (cx[None, :] - cx[:, None] + 1) * 3 + (cy[None, :] - cy[:, None] + 1)
