"""Corridor distances agree with geodesic distances and the exact projection."""

import itertools

import geopandas as gpd
import numpy as np
import pytest
import shapely
from analysis_helpers import BAMAKO, GAO, KAYES, MOURDIAH, NARA, make_events
from pyproj import Transformer
from shapely.geometry import LineString, MultiLineString

from sahelgis.analysis.corridors import (
    CORRIDOR_STEP_M,
    LocalProjector,
    corridor,
    densify_geodesic,
    road_by_ref,
)
from sahelgis.errors import SahelGISError
from sahelgis.model.crs import GEOD

SEGOU = (-6.25947, 13.44032)
MOPTI = (-4.19, 14.49)


def geodesic_line(vertices, spacing_m):
    """A lon/lat line following geodesics between vertices, a point every
    ``spacing_m`` metres."""
    coords = [vertices[0]]
    for a, b in itertools.pairwise(vertices):
        _, _, length = GEOD.inv(*a, *b)
        n = max(int(length // spacing_m), 1)
        if n > 1:
            coords += GEOD.npts(*a, *b, n - 1)
        coords.append(b)
    return LineString(coords)


def reference_distance(lon, lat, dense):
    """Geodesic distance from each point to a densely sampled road, metres."""
    out = np.empty(len(lon))
    for k in range(len(lon)):
        near = (np.abs(dense[:, 0] - lon[k]) < 0.6) & (
            np.abs(dense[:, 1] - lat[k]) < 0.6
        )
        pts = dense[near]
        _, _, d = GEOD.inv(
            np.full(len(pts), lon[k]), np.full(len(pts), lat[k]), pts[:, 0], pts[:, 1]
        )
        out[k] = d.min()
    return out


def points_near(line, rng, n, lo_m, hi_m):
    xy = shapely.get_coordinates(line)
    pick = xy[rng.integers(0, len(xy), n)]
    lon, lat, _ = GEOD.fwd(
        pick[:, 0], pick[:, 1], rng.uniform(0, 360, n), rng.uniform(lo_m, hi_m, n)
    )
    return np.asarray(lon), np.asarray(lat)


@pytest.mark.parametrize(
    "vertices",
    [
        [MOURDIAH, NARA],
        [KAYES, BAMAKO, SEGOU, MOPTI, GAO],  # 1,400 km, across UTM 29/30/31
    ],
    ids=["RN4-like", "Kayes-Gao"],
)
def test_distances_match_geodesic_reference(vertices, rng):
    road = geodesic_line(vertices, 20_000.0)
    lon, lat = points_near(road, rng, 150, 1_000.0, 20_000.0)
    events = make_events(lon, lat)
    result = corridor(road, 30_000.0, 25_000.0, events, by=None, name="test")
    dense = shapely.get_coordinates(geodesic_line(vertices, 50.0))
    ref = reference_distance(lon, lat, dense)
    assert np.array_equal(result.rows, np.flatnonzero(ref <= 30_000.0))
    # beyond 1 km the 50 m sampling of the reference errs by < 0.03 %
    far = ref[result.rows] > 1_000.0
    got = result.distance_m[far]
    rel = np.abs(got - ref[result.rows][far]) / ref[result.rows][far]
    assert far.sum() > 100
    assert rel.max() < 0.005


def test_membership_near_the_edge_is_that_of_the_geodesic(rng):
    road = geodesic_line([BAMAKO, SEGOU], 10_000.0)
    lon, lat = points_near(road, rng, 300, 9_000.0, 11_000.0)
    dense = shapely.get_coordinates(geodesic_line([BAMAKO, SEGOU], 50.0))
    ref = reference_distance(lon, lat, dense)
    clear = np.abs(ref - 10_000.0) > 50.0  # 0.5 %: AEQD vs ellipsoid
    events = make_events(lon[clear], lat[clear])
    result = corridor(road, 10_000.0, None, events, by=None)
    assert np.array_equal(result.rows, np.flatnonzero(ref[clear] <= 10_000.0))


def test_fast_path_equals_exact_projection(rng):
    """Away from the corridor's edge (where the geodesic decides) membership,
    distances and positions along the road are those of PROJ's exact local
    projection, within the fitted polynomial's error bound."""
    road = LineString([KAYES, BAMAKO, SEGOU])
    n = 20_000
    lon = rng.uniform(-12.0, -5.5, n)
    lat = rng.uniform(12.0, 15.0, n)
    events = make_events(lon, lat)
    result = corridor(road, 10_000.0, 25_000.0, events, by=None)
    fwd = Transformer.from_crs("EPSG:4326", result.crs, always_xy=True)
    x, y = fwd.transform(lon, lat)
    # the road's legs follow their geodesic (a vertex every 20 km) before
    # they are projected
    line_xy = shapely.transform(
        densify_geodesic(road, CORRIDOR_STEP_M),
        lambda c: np.column_stack(fwd.transform(c[:, 0], c[:, 1])),
    )
    dist = shapely.distance(line_xy, shapely.points(x, y))
    clear = np.abs(dist - 10_000.0) > 20.0
    got = np.zeros(n, dtype=bool)
    got[result.rows] = True
    assert np.array_equal(got[clear], (dist <= 10_000.0)[clear])
    assert clear.sum() > 0.99 * n
    bound = 0.2  # the polynomial's error over this 700 km box: ~0.1 m
    keep = clear[result.rows]
    assert np.allclose(result.distance_m[keep], dist[result.rows][keep], atol=bound)
    along = shapely.line_locate_point(
        line_xy, shapely.points(x[result.rows], y[result.rows])
    )
    assert np.allclose(result.along_m[keep], along[keep], atol=bound)


def test_local_projector_error_bound_holds(rng):
    box = (-12.5, 11.0, -3.0, 17.0)
    proj = LocalProjector(-7.5, 14.0, box)
    lon = rng.uniform(box[0], box[2], 5000)
    lat = rng.uniform(box[1], box[3], 5000)
    fx, fy = proj.fast(lon, lat)
    ex, ey = proj.exact(lon, lat)
    assert np.hypot(fx - ex, fy - ey).max() <= proj.error_m
    assert proj.error_m < 1.0


def test_segments_heat_strip_and_share():
    road = geodesic_line([MOURDIAH, NARA], 5_000.0)
    az, _, length = GEOD.inv(*MOURDIAH, *NARA)
    along = np.array([10_000.0, 30_000.0, 30_500.0, 60_000.0, length - 100.0])
    on_lon, on_lat, _ = GEOD.fwd(
        np.full(5, MOURDIAH[0]), np.full(5, MOURDIAH[1]), np.full(5, az), along
    )
    far_lon, far_lat, _ = GEOD.fwd(
        np.full(3, MOURDIAH[0]),
        np.full(3, MOURDIAH[1]),
        np.full(3, az + 90.0),
        np.full(3, 40_000.0),
    )
    lon = np.concatenate([on_lon, far_lon])
    lat = np.concatenate([on_lat, far_lat])
    dates = ["2023-05-01"] * 3 + ["2024-02-01"] * 2 + ["2024-03-01"] * 3
    events = make_events(lon, lat, dates=dates)
    result = corridor(road, 10_000.0, 25_000.0, events, by="year", name="RN4")
    assert result.total == 5
    assert result.segment.tolist() == [0, 1, 1, 2, 3]
    assert len(result.segments) == 4
    assert result.segments["count"].tolist() == [1, 2, 1, 1]
    assert result.segments["km_from"].tolist() == [0.0, 25.0, 50.0, 75.0]
    assert result.segments.crs.to_epsg() == 4326
    assert result.length_m == pytest.approx(length, rel=1e-4)
    share = result.share.set_index("year")
    assert share.loc[2023, "in_corridor"] == 3
    assert share.loc[2023, "share"] == 1.0
    assert share.loc[2024, "in_corridor"] == 2
    assert share.loc[2024, "total"] == 5
    assert share.loc["all", "share"] == pytest.approx(5 / 8)
    assert result.share_text(2024) == (
        "40% of 2024 events (2 of 5) lie within 10 km of RN4"
    )
    counts = result.counts.set_index(["segment", "year"])["count"]
    assert counts[(1, 2023)] == 2
    assert counts[(3, 2024)] == 1
    # the corridor polygon holds the events inside and not the others
    assert shapely.contains_xy(result.polygon, on_lon, on_lat).all()
    assert not shapely.contains_xy(result.polygon, far_lon, far_lat).any()


def test_rows_restrict_events_and_share_denominator():
    road = LineString([MOURDIAH, NARA])
    lon = np.array([MOURDIAH[0], NARA[0], BAMAKO[0]])
    lat = np.array([MOURDIAH[1], NARA[1], BAMAKO[1]])
    events = make_events(lon, lat, dates=["2023-01-01", "2024-01-01", "2024-01-02"])
    result = corridor(road, 5_000.0, None, events, rows=np.array([1, 2]), by=None)
    assert result.rows.tolist() == [1]
    assert result.share.set_index("year").loc["all", "total"] == 2


def test_multilinestring_parts_are_measured_in_order():
    a = LineString([MOURDIAH, NARA])
    b = LineString([BAMAKO, SEGOU])
    events = make_events([SEGOU[0]], [SEGOU[1]])
    result = corridor(MultiLineString([a, b]), 1_000.0, 50_000.0, events, by=None)
    _, _, la = GEOD.inv(*MOURDIAH, *NARA)
    _, _, lb = GEOD.inv(*BAMAKO, *SEGOU)
    assert result.length_m == pytest.approx(la + lb, rel=1e-3)
    assert result.along_m[0] == pytest.approx(la + lb, rel=1e-3)


def test_road_by_ref():
    roads = gpd.GeoDataFrame(
        {"ref": ["RN4", "RN6", "RN6"]},
        geometry=[
            LineString([MOURDIAH, NARA]),
            LineString([BAMAKO, SEGOU]),
            LineString([SEGOU, MOPTI]),
        ],
        crs="EPSG:4326",
    )
    assert road_by_ref("rn 4", roads).equals(LineString([MOURDIAH, NARA]))
    merged = road_by_ref("RN6", roads)
    assert merged.geom_type == "LineString"
    assert len(shapely.get_coordinates(merged)) == 3
    with pytest.raises(SahelGISError, match="available: RN4, RN6"):
        road_by_ref("RN9", roads)


def test_bad_inputs():
    events = make_events([0.0], [0.0])
    with pytest.raises(ValueError, match="must be > 0"):
        corridor(LineString([MOURDIAH, NARA]), 0.0, None, events)
    with pytest.raises(SahelGISError, match="needs a line"):
        corridor(shapely.Point(MOURDIAH), 1000.0, None, events)


@pytest.mark.parametrize("segment_m", [1e-297, 0.5])
def test_a_segment_too_short_for_the_road_is_refused(segment_m):
    # a recipe's segment = "1e-300 km" overflowed numpy before it was bounded
    road = geodesic_line([MOURDIAH, NARA], 5_000.0)
    events = make_events([MOURDIAH[0]], [MOURDIAH[1]], dates=["2023-05-01"])
    with pytest.raises(ValueError, match="more than 100,000 segments"):
        corridor(road, 10_000.0, segment_m, events, name="RN4")


def test_strips_are_cut_like_shapely_substring():
    """The heat strip's cutter gives shapely.ops.substring's lines: ends
    interpolated, vertices strictly between kept (cuts on vertices too)."""
    from shapely.ops import substring

    from sahelgis.analysis.corridors import _measured, _stretch

    rng = np.random.default_rng(7)
    line = LineString(np.cumsum(rng.normal(0.0, 20_000.0, (30, 2)), axis=0))
    xy, cum = _measured(line)
    cuts = [sorted(rng.uniform(0.0, line.length, 2)) for _ in range(300)]
    cuts += [[0.0, cum[5]], [cum[3], cum[9]], [cum[12], line.length]]
    for lo, hi in cuts:
        want = substring(line, lo, hi)
        got = _stretch(xy, cum, float(lo), float(hi))
        assert shapely.equals_exact(got, want, 1e-6), (lo, hi)
