"""Road corridors against a brute-force geodesic distance (issue 15, point 4).

Roads, events and centres are EPSG:4326 lon/lat degrees in southern Mali;
distances are metres on the WGS84 ellipsoid. The reference road is the chain
of geodesic segments between the road's vertices and the reference distance is
the geodesic distance from an event to the nearest point of that chain
(``bruteforce.distance_to_polyline_m``, exact within 1 mm; cross-checked here
against ``Geod.npts`` vertices 100 m apart).

SahelGIS measures in an azimuthal equidistant CRS centred on the road's box
and takes the road as straight lines in that CRS, so its distance differs from
the geodesic one by the projection's scale error (≈ within·D²/6R² at D from the
centre) plus the gap between a projected straight segment and the geodesic
(grows with the square of the segment length). The tolerances below come from
measure_edge_tolerance.py; long segments are a known disagreement (see
``test_long_segments_follow_the_geodesic``).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
import shapely
from analysis_helpers import make_events
from bruteforce import (
    BRUTE_ERROR_M,
    GEOD,
    densified_bound_m,
    densify_geodesic,
    distance_to_polyline_m,
    distance_to_vertices_m,
    in_window,
    point_near_road,
    road_from,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from sahelgis.analysis.corridors import corridor
from sahelgis.analysis.results import select_rows
from sahelgis.io.basedata import base_layers

#: Corridor edge tolerance (metres) for roads whose legs are at most 100 km:
#: ``CORRIDOR_TOL_M + CORRIDOR_TOL_REL * within_m``. Measured on 60 random
#: roads of 1–5 legs ≤ 100 km (2,000 events each, within 0.5–30 km): largest
#: ``|distance_m - geodesic|`` 1.11 m (0.54 m with legs ≤ 50 km); the relative
#: term covers the projection's scale error on wide corridors far from the
#: centre (44 m at 50 km, 470 km from the centre, on a 940 km drawn line).
CORRIDOR_TOL_M = 3.0
CORRIDOR_TOL_REL = 1e-3
#: Tolerance (metres) for the bundled national roads (straight segments up to
#: 243 km between towns): measured 12.7 m (RN3 within 1 km, at -10.318,
#: 14.504, on the Kita–Kayes leg) to 13.7 m (RN3 within 50 km); 6.1 m on RN6,
#: 0.3 m on RN4.
BUNDLED_ROAD_TOL_M = 20.0
#: Longest leg of a generated road, metres (see CORRIDOR_TOL_M).
MAX_LEG_M = 100_000.0

SETTINGS = settings(max_examples=20, deadline=None, derandomize=True, database=None)


def _tolerance(within_m: float) -> float:
    return CORRIDOR_TOL_M + CORRIDOR_TOL_REL * within_m


@st.composite
def corridor_cases(draw: st.DrawFn) -> dict:
    """A road of 1–4 geodesic legs in southern Mali, a corridor width, a
    segment length, and events near the road (some exactly at the edge)."""
    start = (draw(st.floats(-10.5, -5.5)), draw(st.floats(11.0, 15.5)))
    legs = draw(
        st.lists(
            st.tuples(st.floats(0.0, 360.0), st.floats(2_000.0, MAX_LEG_M)),
            min_size=1,
            max_size=4,
        )
    )
    line = road_from(start, legs)
    within = draw(st.sampled_from([500.0, 2_000.0, 5_000.0, 10_000.0, 25_000.0]))
    n = draw(st.integers(0, 60))
    spots = draw(
        st.lists(
            st.tuples(
                st.integers(0, len(legs) - 1),
                st.floats(0.0, 1.0),
                st.floats(0.0, 360.0),
                st.floats(0.0, 1.5 * within),
            ),
            min_size=n,
            max_size=n,
        )
    )
    points = [point_near_road(line, *s) for s in spots]
    days = draw(st.lists(st.dates(dt.date(2021, 1, 1), dt.date(2024, 12, 31)),
                         min_size=len(points), max_size=len(points)))  # fmt: skip
    window = draw(st.none() | st.tuples(st.just(dt.date(2022, 1, 1)),
                                        st.dates(dt.date(2022, 1, 1),
                                                 dt.date(2024, 12, 31))))  # fmt: skip
    segment = draw(st.none() | st.sampled_from([5_000.0, 20_000.0, 50_000.0]))
    return {
        "line": line,
        "within": within,
        "segment": segment,
        "lon": [p[0] for p in points],
        "lat": [p[1] for p in points],
        "days": days,
        "window": window,
    }


def _check_against_brute(
    line: shapely.Geometry,
    within: float,
    segment: float | None,
    events,
    window: tuple | None,
    tolerance: float,
) -> int:
    """Compare one corridor with brute force; returns the number of edge
    events (for the tests' statistics)."""
    start, end = window or (None, None)
    rows = None if window is None else select_rows(events, start=start, end=end)
    result = corridor(line, within, segment, events, rows=rows, by="year")

    considered = in_window(events.dates, start, end)
    d = distance_to_polyline_m(line, events.lon, events.lat)
    inside = (d <= within) & considered
    edge = (np.abs(d - within) <= tolerance) & considered
    got = np.zeros(len(events), dtype=bool)
    got[result.rows] = True
    clear = ~edge
    assert np.array_equal(got[clear], inside[clear]), (
        d[clear][got[clear] != inside[clear]] - within
    )
    n_edge = int(edge.sum())
    assert abs(result.total - int(inside.sum())) <= n_edge
    # reported distances agree with the geodesic ones within the tolerance
    assert np.all(np.abs(result.distance_m - d[result.rows]) <= tolerance)
    # segments partition the corridor's events
    assert int(result.counts["count"].sum()) == result.total
    assert int(result.segments["count"].sum()) == result.total
    # share per year: in_corridor and total
    years = events.frame["year"].to_numpy()
    share = result.share.set_index(result.share_by)
    for year in np.unique(years[considered]):
        row = share.loc[str(year)] if str(year) in share.index else share.loc[year]
        want_in = int((inside & (years == year)).sum())
        want_edge = int((edge & (years == year)).sum())
        assert int(row["total"]) == int((considered & (years == year)).sum())
        assert abs(int(row["in_corridor"]) - want_in) <= want_edge
    assert int(share.loc["all", "total"]) == int(considered.sum())
    assert int(share.loc["all", "in_corridor"]) == result.total
    return n_edge


@SETTINGS
@given(corridor_cases())
def test_corridor_matches_brute_force(case: dict) -> None:
    """Membership, total, per-year share and segment sums of a corridor on a
    generated road agree with the geodesic brute force outside the edge band
    ``CORRIDOR_TOL_M + CORRIDOR_TOL_REL·within`` (metres)."""
    events = make_events(
        np.array(case["lon"], dtype="float64"),
        np.array(case["lat"], dtype="float64"),
        dates=[str(d) for d in case["days"]] or "2023-01-01",
    )
    _check_against_brute(
        case["line"], case["within"], case["segment"], events, case["window"],
        _tolerance(case["within"]),
    )  # fmt: skip


def _bundled_road(ref: str) -> shapely.Geometry:
    roads = next(layer.data for layer in base_layers() if layer.role == "roads")
    return roads[roads["ref"] == ref].geometry.iloc[0]


@settings(max_examples=15, deadline=None, derandomize=True, database=None)
@given(
    ref=st.sampled_from(["RN3", "RN4", "RN6"]),
    within=st.sampled_from([1_000.0, 10_000.0, 30_000.0]),
    spots=st.lists(
        st.tuples(
            st.integers(0, 3), st.floats(0, 1), st.floats(0, 360), st.floats(0, 1.5)
        ),
        max_size=80,
    ),
)
def test_bundled_roads_match_brute_force(
    ref: str, within: float, spots: list[tuple[int, float, float, float]]
) -> None:
    """The bundled national roads, within BUNDLED_ROAD_TOL_M (+ the relative
    term) of the geodesic road."""
    line = _bundled_road(ref)
    points = [point_near_road(line, k, f, b, o * within) for k, f, b, o in spots]
    events = make_events(
        np.array([p[0] for p in points], dtype="float64"),
        np.array([p[1] for p in points], dtype="float64"),
    )
    _check_against_brute(
        line, within, 25_000.0, events, None,
        BUNDLED_ROAD_TOL_M + CORRIDOR_TOL_REL * within,
    )  # fmt: skip


def test_reference_distance_agrees_with_densified_vertices() -> None:
    """The foot-point reference is never above the minimum over vertices 100 m
    apart, and below it by no more than that sampling's bound."""
    line = _bundled_road("RN3")
    rng = np.random.default_rng(15)
    west, south, east, north = line.bounds
    lon = rng.uniform(west - 0.1, east + 0.1, 60)
    lat = rng.uniform(south - 0.1, north + 0.1, 60)
    d = distance_to_polyline_m(line, lon, lat)
    dv = distance_to_vertices_m(densify_geodesic(line, 100.0), lon, lat)
    assert np.all(dv >= d - 1e-6)
    bound = np.array([densified_bound_m(100.0, x) for x in d])
    assert np.all(dv - d <= bound + 1e-3)


def test_long_segments_follow_the_geodesic() -> None:
    """A road with long legs far from the AEQD centre (drawn with few clicks):
    events 0.8 km from the geodesic road must be in a 1 km corridor."""
    line = shapely.LineString([(-12.0, 10.0), (-4.0, 10.0), (-4.0, 16.5)])
    lon, lat = [], []
    for f in np.linspace(0.05, 0.95, 19):
        for bearing in (0.0, 180.0):
            x, y = point_near_road(line, 0, float(f), bearing, 800.0)
            lon.append(x)
            lat.append(y)
    events = make_events(np.array(lon), np.array(lat))
    d = distance_to_polyline_m(line, events.lon, events.lat)
    assert np.all(np.abs(d - 800.0) < 1.0)
    result = corridor(line, 1_000.0, None, events, by=None)
    assert result.total == len(events)


def _edge_events(
    line: shapely.Geometry, within: float, rng: np.random.Generator, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points at ``within`` ± 2 cm, 0.5 m, 5 m or 40 m from a random
    point of a random leg, across the leg (the geodesic perpendicular)."""
    coords = shapely.get_coordinates(line)
    legs = rng.integers(0, len(coords) - 1, n)
    a, b = coords[legs], coords[legs + 1]
    az, _, length = GEOD.inv(a[:, 0], a[:, 1], b[:, 0], b[:, 1])
    foot_lon, foot_lat, back = GEOD.fwd(
        a[:, 0], a[:, 1], az, rng.uniform(0.05, 0.95, n) * np.asarray(length)
    )
    side = rng.choice([-90.0, 90.0], n)
    offset = within + rng.choice([-1.0, 1.0], n) * rng.choice([0.02, 0.5, 5.0, 40.0], n)
    lon, lat, _ = GEOD.fwd(foot_lon, foot_lat, np.asarray(back) + 180.0 + side, offset)
    return np.asarray(lon), np.asarray(lat)


@pytest.mark.parametrize(
    ("road", "within"),
    [
        ("RN3", 10_000.0),
        ("RN6", 10_000.0),
        ("RN4", 1_000.0),
        ("RN3", 30_000.0),
        ("drawn", 10_000.0),
    ],
)
def test_membership_is_that_of_the_geodesic_road(road: str, within: float) -> None:
    """Events a few centimetres to 40 m either side of the corridor's edge
    (RN3's legs reach 243 km; the drawn line runs 1,400 km, far from the
    local CRS's centre): membership is that of the geodesic brute force,
    events within 1 mm of the edge aside."""
    line = (
        shapely.LineString(
            [(-11.44, 14.45), (-8.0, 12.65), (-4.2, 14.5), (-0.04, 16.27)]
        )
        if road == "drawn"
        else _bundled_road(road)
    )
    rng = np.random.default_rng(20)
    lon, lat = _edge_events(line, within, rng, 400)
    events = make_events(lon, lat)
    result = corridor(line, within, None, events, by=None)
    d = distance_to_polyline_m(line, events.lon, events.lat)
    edge = np.abs(d - within) <= BRUTE_ERROR_M
    got = np.zeros(len(events), dtype=bool)
    got[result.rows] = True
    assert (np.abs(d - within) < 1.0).sum() > 100  # the cases that matter
    assert np.array_equal(got[~edge], (d <= within)[~edge]), d[got != (d <= within)]
    # reported distances: geodesic in the band, else the local CRS's, which
    # falls short of the geodesic by at most the chords' and the polynomial's
    # error (well under 1 m) and overstates it by < 0.5 %
    ref = d[result.rows]
    assert np.all(result.distance_m >= ref - 1.0)
    assert np.all(result.distance_m <= ref * 1.005 + 1.0)
