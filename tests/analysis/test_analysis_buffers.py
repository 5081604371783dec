"""Buffers count exactly by geodesic distance (WGS84), whatever the longitude."""

import numpy as np
import pandas as pd
import pytest
import shapely
from analysis_helpers import BAMAKO, GAO, KAYES, MOURDIAH, NARA, make_events

from sahelgis.analysis import buffers
from sahelgis.analysis.buffers import (
    CELL_BAND,
    PLANE_BAND,
    PLANE_MAX_LAT,
    PLANE_MAX_RADIUS_M,
    EventIndex,
    buffer_counts,
    geodesic_circle,
    geodesic_ring,
    local_plane_m,
)
from sahelgis.analysis.results import select_rows
from sahelgis.analysis.units import parse_distance
from sahelgis.model.crs import GEOD

AZIMUTHS = np.arange(0.0, 360.0, 7.5)


def ring_points(lon, lat, distances):
    """Points at each distance on every azimuth (Geod.fwd: exact)."""
    az = np.repeat(AZIMUTHS[None, :], len(distances), axis=0).ravel()
    dist = np.repeat(np.asarray(distances, float)[:, None], len(AZIMUTHS), 1).ravel()
    x, y, _ = GEOD.fwd(np.full(len(az), lon), np.full(len(az), lat), az, dist)
    return np.asarray(x), np.asarray(y)


@pytest.mark.parametrize("centre", [BAMAKO, KAYES, GAO], ids=["Bamako", "Kayes", "Gao"])
@pytest.mark.parametrize("radius", [10_000.0, 50_000.0, 112_654.08, 300_000.0])
@pytest.mark.parametrize("rel", [1e-3, 1e-6])
def test_just_inside_and_just_outside(centre, radius, rel):
    lon, lat = centre
    inside_x, inside_y = ring_points(lon, lat, [radius * (1 - rel)])
    outside_x, outside_y = ring_points(lon, lat, [radius * (1 + rel)])
    events = make_events(
        np.concatenate([inside_x, outside_x]), np.concatenate([inside_y, outside_y])
    )
    result = buffer_counts(events, lon, lat, [radius], by=None)
    assert result.total == len(AZIMUTHS)
    assert set(result.rows.tolist()) == set(range(len(AZIMUTHS)))


def test_gao_buffer_spans_utm_zones_30_and_31():
    lon, lat = GAO
    x, y = ring_points(lon, lat, [299_900.0, 300_100.0])
    assert x.min() < -2.0
    assert x.max() > 2.0
    events = make_events(x, y)
    assert buffer_counts(events, lon, lat, 300_000.0, by=None).total == len(AZIMUTHS)


def test_rings_are_annuli_and_boundaries_inclusive():
    lon, lat = KAYES
    radii = [10_000.0, 50_000.0, 112_654.08]
    distances = [5_000, 9_999.9, 10_000.1, 49_999.9, 50_000.1, 112_654.0, 112_654.2]
    x, y = ring_points(lon, lat, distances)
    events = make_events(x, y)
    result = buffer_counts(events, lon, lat, radii, by=None, unit="km")
    per = len(AZIMUTHS)
    assert result.labels == ("0–10 km", "10–50 km", "50–112.654 km")
    assert result.totals.tolist() == [2 * per, 2 * per, 2 * per]
    assert result.total == 6 * per


def test_matches_brute_force_geodesic(rng):
    lon0, lat0 = NARA
    n = 20_000
    lon = lon0 + rng.uniform(-1.5, 1.5, n)
    lat = lat0 + rng.uniform(-1.5, 1.5, n)
    events = make_events(lon, lat)
    _, _, dist = GEOD.inv(np.full(n, lon0), np.full(n, lat0), lon, lat)
    radii = [25_000.0, 80_000.0, 150_000.0]
    result = buffer_counts(events, lon0, lat0, radii, by=None)
    expected = np.flatnonzero(dist <= radii[-1])
    assert np.array_equal(result.rows, expected)
    expected_ring = np.searchsorted(radii, dist[expected], side="left")
    assert np.array_equal(result.ring, expected_ring)
    assert np.allclose(result.distances_m(), dist[expected], atol=1e-6)


def test_counts_by_year_and_event_type_follow_rows():
    lon, lat = MOURDIAH
    x, y = ring_points(lon, lat, [20_000.0])
    n = len(x)
    dates = np.where(np.arange(n) % 2 == 0, "2022-03-01", "2023-03-01")
    types = np.where(np.arange(n) % 3 == 0, "Battles", "Violence against civilians")
    events = make_events(x, y, dates=dates, event_type=types)
    result = buffer_counts(events, lon, lat, [50_000.0], by=("year", "event_type"))
    assert result.counts["count"].sum() == n
    table = result.counts.set_index(["year", "event_type"])["count"]
    assert table[(2022, "Battles")] == sum(
        1 for k in range(n) if k % 2 == 0 and k % 3 == 0
    )
    rows = select_rows(events, start="2023-01-01")
    only_2023 = buffer_counts(events, lon, lat, [50_000.0], rows=rows, by="year")
    assert only_2023.counts["year"].tolist() == [2023]
    assert only_2023.total == n // 2
    mask = np.zeros(n, dtype=bool)
    mask[:5] = True
    assert buffer_counts(events, lon, lat, 50_000.0, rows=mask).total == 5


def test_precision_split_exclusion_and_warning_for_cercle_capital():
    lon, lat = NARA
    x, y = ring_points(lon, lat, [30_000.0])  # 48 precise events around Nara
    # 10 region-level events coded on Nara itself (ACLED's fallback point)
    lons = np.concatenate([x, np.full(10, lon)])
    lats = np.concatenate([y, np.full(10, lat)])
    precision = np.concatenate([np.full(len(x), 1), np.full(10, 3)])
    events = make_events(lons, lats, geo_precision=precision)
    result = buffer_counts(
        events, lon, lat, [50_000.0], name="Nara", centre_is_capital=True
    )
    assert result.total == len(x) + 10
    assert result.by_precision.loc["0–50 km", 3] == 10
    assert result.by_precision.loc["0–50 km", 1] == len(x)
    assert result.precision_warning is not None
    assert "Nara" in result.precision_warning
    assert "geo_precision 3" in result.precision_warning
    strict = buffer_counts(
        events,
        lon,
        lat,
        [50_000.0],
        name="Nara",
        centre_is_capital=True,
        max_geo_precision=2,
    )
    assert strict.total == len(x)
    assert strict.excluded_imprecise == 10
    assert "excluded" in strict.precision_warning


def test_no_warning_for_mourdiah_a_plain_town():
    lon, lat = MOURDIAH
    x, y = ring_points(lon, lat, [30_000.0])
    events = make_events(x, y, geo_precision=np.where(np.arange(len(x)) % 4, 2, 3))
    result = buffer_counts(events, lon, lat, [50_000.0], name="Mourdiah")
    assert result.precision_warning is None


def test_warning_when_precision3_events_sit_on_a_plain_point():
    lon, lat = MOURDIAH
    events = make_events(np.full(3, lon), np.full(3, lat), geo_precision=3)
    result = buffer_counts(events, lon, lat, [50_000.0], name="Mourdiah")
    assert result.precision_warning is not None
    assert "within 1 km of Mourdiah" in result.precision_warning


def test_geodesic_circle_vertices_are_at_the_radius():
    lon, lat = KAYES
    radius = parse_distance("70mi")
    circle = geodesic_circle(lon, lat, radius, n=128)
    xy = shapely.get_coordinates(circle)[:-1]
    assert len(xy) == 128
    _, _, dist = GEOD.inv(
        np.full(len(xy), lon), np.full(len(xy), lat), xy[:, 0], xy[:, 1]
    )
    assert np.allclose(dist, radius, rtol=1e-9)
    ring = geodesic_ring(lon, lat, 10_000.0, radius)
    assert len(ring.interiors) == 1
    assert ring.area < circle.area


def test_ring_layer_labels_and_counts():
    lon, lat = NARA
    x, y = ring_points(lon, lat, [5_000.0, 40_000.0])
    events = make_events(x, y)
    result = buffer_counts(events, lon, lat, [10_000.0, 50_000.0], name="Nara")
    assert result.rings.crs.to_epsg() == 4326
    assert result.rings["label"].tolist() == ["Nara — 0–10 km", "Nara — 10–50 km"]
    assert result.rings["count"].tolist() == [48, 48]
    assert result.layer_name == "Nara — 10, 50 km"
    mi = buffer_counts(
        events, lon, lat, [parse_distance("70mi")], name="Nara", unit="mi"
    )
    assert mi.layer_name == "Nara — 70 mi"


def test_bad_radii_raise():
    events = make_events([0.0], [0.0])
    with pytest.raises(ValueError, match="positive"):
        buffer_counts(events, 0.0, 0.0, [0.0])
    with pytest.raises(ValueError, match="differ"):
        buffer_counts(events, 0.0, 0.0, [1000.0, 1000.0])


def test_event_index_box_query_matches_scan(rng):
    lon = rng.uniform(-12, 4, 5000)
    lat = rng.uniform(10, 25, 5000)
    index = EventIndex(lon, lat, cell_deg=0.5)
    box = (-8.3, 12.1, -5.05, 16.77)
    rows, qlon, qlat = index.query_box(*box)
    expected = np.flatnonzero(
        (lon >= box[0]) & (lon <= box[2]) & (lat >= box[1]) & (lat <= box[3])
    )
    assert np.array_equal(np.sort(rows), expected)
    assert np.array_equal(qlon, lon[rows])
    assert np.array_equal(qlat, lat[rows])


@pytest.mark.parametrize("lat0", [-60.0, -20.0, 0.0, 10.0, 14.0, 25.0, 40.0, 60.0])
def test_local_plane_prefilter_within_its_bound(lat0, rng):
    """The local-plane prefilter's error stays 5x inside the exact band."""
    n = 20_000
    az = rng.uniform(0.0, 360.0, n)
    dist = rng.uniform(100.0, PLANE_MAX_RADIUS_M, n)
    lon, lat, _ = GEOD.fwd(np.full(n, -5.0), np.full(n, lat0), az, dist)
    plane = local_plane_m(-5.0, lat0, np.asarray(lon), np.asarray(lat))
    assert np.abs(plane / dist - 1).max() <= PLANE_BAND / 5


@pytest.mark.parametrize("centre", [(-5.0, 59.0), (-5.0, -59.0), (2.0, 14.0)])
@pytest.mark.parametrize("radius", [1_000.0, 112_654.08, 199_000.0, 250_000.0])
def test_counts_exact_across_the_prefilter_band(centre, radius):
    """Points at 0.01 %, 0.05 % and 0.15 % either side of the radius (inside and
    outside the plane's band), near 60° and beyond 200 km (haversine
    fallback): the exact geodesic decides."""
    lon, lat = centre
    rels = [1e-4, 5e-4, 1.5e-3]
    inside = ring_points(lon, lat, [radius * (1 - r) for r in rels])
    outside = ring_points(lon, lat, [radius * (1 + r) for r in rels])
    x = np.concatenate([inside[0], outside[0]])
    events = make_events(x, np.concatenate([inside[1], outside[1]]))
    result = buffer_counts(events, lon, lat, [radius], by=None)
    assert set(result.rows.tolist()) == set(range(len(inside[0])))


@pytest.mark.parametrize("lon", [179.95, -179.95])
def test_a_buffer_across_the_antimeridian_finds_both_sides(lon):
    # the grid index box and the plane prefilter wrap at ±180°
    x, y = ring_points(lon, 10.0, [112_000.0 * (1 - 1e-6), 112_000.0 * (1 + 1e-6)])
    x = (np.asarray(x) + 180.0) % 360.0 - 180.0  # as ACLED writes longitudes
    assert (x > 0).any()
    assert (x < 0).any()
    events = make_events(x, y)
    result = buffer_counts(events, lon, 10.0, [112_000.0], by=None)
    assert result.total == len(AZIMUTHS)
    assert set(result.rows.tolist()) == set(range(len(AZIMUTHS)))


@pytest.mark.parametrize("lat0", [-60.0, 0.0, 14.0, 40.0, 60.0])
def test_local_plane_within_the_cell_band_out_to_the_cells_reach(lat0, rng):
    """Whole cells are put in a ring on the plane's distance: its error out to
    √2·1.01·200 km + a cell diagonal (305 km) stays 2x inside CELL_BAND."""
    n = 20_000
    az = rng.uniform(0.0, 360.0, n)
    dist = rng.uniform(100.0, 305_000.0, n)
    lon, lat, _ = GEOD.fwd(np.full(n, 7.0), np.full(n, lat0), az, dist)
    lon, lat = np.asarray(lon), np.asarray(lat)
    keep = np.abs(lat) <= PLANE_MAX_LAT
    plane = local_plane_m(7.0, lat0, lon[keep], lat[keep])
    assert np.abs(plane / dist[keep] - 1).max() <= CELL_BAND / 2


def _cloud(rng, lon0, lat0, n, spread_m):
    """``n`` points around a centre, half uniform in distance, half within
    5 m of 25 km, 50 km or the outer radius (every ring's edge is crossed by
    many grid cells), wrapped into [-180, 180)."""
    az = rng.uniform(0.0, 360.0, n)
    dist = rng.uniform(0.0, spread_m, n)
    edge = rng.random(n) < 0.5
    dist[edge] = rng.choice([25_000.0, 50_000.0, 150_000.0], int(edge.sum()))
    dist[edge] += rng.uniform(-5.0, 5.0, int(edge.sum()))
    lon, lat, _ = GEOD.fwd(np.full(n, lon0), np.full(n, lat0), az, np.abs(dist))
    lon = (np.asarray(lon) + 180.0) % 360.0 - 180.0
    return lon, np.asarray(lat)


@pytest.mark.parametrize(
    "centre",
    [NARA, (-5.0, 59.5), (20.0, 70.0), (179.9, -65.0), (-179.95, 10.0), (0.0, 89.5)],
    ids=["Nara", "59.5N", "70N", "179.9E-65S", "179.95W", "89.5N"],
)
def test_whole_cells_and_fallback_match_brute_force(centre, rng):
    """Dense events around Sahel, high-latitude, antimeridian and polar
    centres: rows and rings equal the exact geodesic ones (whole grid cells
    where the plane applies, every event measured elsewhere)."""
    lon0, lat0 = centre
    radii = [25_000.0, 50_000.0, 150_000.0]
    lon, lat = _cloud(rng, lon0, lat0, 30_000, 240_000.0)
    events = make_events(lon, lat)
    _, _, dist = GEOD.inv(np.full(len(lon), lon0), np.full(len(lon), lat0), lon, lat)
    result = buffer_counts(events, lon0, lat0, radii, by=None, with_rings=False)
    expected = np.flatnonzero(dist <= radii[-1])
    assert np.array_equal(result.rows, expected)
    assert np.array_equal(result.ring, np.searchsorted(radii, dist[expected]))
    assert (
        result.totals.tolist()
        == np.bincount(np.searchsorted(radii, dist[expected]), minlength=3).tolist()
    )


@pytest.mark.parametrize("max_precision", [3, 2, 1])
def test_dense_tally_equals_the_per_event_path(max_precision, rng, monkeypatch):
    """The whole-cell search with one dense bincount gives the same result as
    measuring every event and counting through tidy_counts."""
    lon0, lat0 = NARA
    n = 12_000
    lon, lat = _cloud(rng, lon0, lat0, n, 130_000.0)
    lon[:300], lat[:300] = lon0, lat0  # coded on the town itself
    years = rng.choice(["2021-05-01", "2022-05-01", "2024-05-01"], n)
    types = rng.choice(["Battles", "Riots", "Protests"], n)
    events = make_events(
        lon, lat, dates=years, event_type=types, geo_precision=rng.integers(1, 4, n)
    )
    window = select_rows(events, start="2022-01-01")
    args = (events, lon0, lat0, [25_000.0, 50_000.0, 112_654.08])
    kwargs = {
        "rows": window,
        "by": ("year", "event_type"),
        "max_geo_precision": max_precision,
        "name": "Nara",
        "centre_is_capital": True,
        "with_rings": False,
    }
    fast = buffer_counts(*args, **kwargs)
    monkeypatch.setattr(buffers, "DENSE_MAX", 0)
    monkeypatch.setattr(buffers, "_cell_rings", lambda *a: None)
    slow = buffer_counts(*args, **kwargs)
    assert fast.total > 1000
    assert np.array_equal(fast.rows, slow.rows)
    assert np.array_equal(fast.ring, slow.ring)
    pd.testing.assert_frame_equal(fast.counts, slow.counts)
    pd.testing.assert_frame_equal(fast.by_precision, slow.by_precision)
    assert fast.excluded_imprecise == slow.excluded_imprecise
    assert fast.precision_warning == slow.precision_warning
    assert "coded at the town itself" in (fast.precision_warning or "")
    assert fast.rings["count"].tolist() == slow.rings["count"].tolist()
