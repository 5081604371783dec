"""Measure how far SahelGIS's distances and memberships stray from brute force.

Run by hand (not collected by pytest)::

    PYTHONPATH=$PWD python tests/analysis/measure_edge_tolerance.py [N]

For N random events (default 100,000) in southern Mali (EPSG:4326 lon/lat)
it prints, per analysis, the largest discrepancy in metres between
SahelGIS and the independent references of ``bruteforce.py``:

* buffers: the largest ``|d - r|`` (geodesic metres) of an event whose ring
  differs from the brute-force ring (0 when none differs);
* corridors: the largest ``|distance_m - d|`` over events in the corridor,
  where ``d`` is the geodesic distance to the geodesic road, for each bundled
  road and for a long drawn line;
* areas: events whose cercle differs, with their distance to a boundary;
* hexagons: events whose cell differs, with the margin between the two
  nearest cell centres (LAEA metres).

The tolerances of the test modules were set from its output (see their
constants).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bruteforce as bf
from analysis_helpers import make_events

from sahelgis.analysis.areas import counts_per_hex
from sahelgis.analysis.buffers import buffer_counts
from sahelgis.analysis.corridors import corridor
from sahelgis.io.basedata import base_layers


def _say(text: str) -> None:
    sys.stdout.write(text + "\n")


def _layer(role: str):
    return next(layer.data for layer in base_layers() if layer.role == role)


def measure_buffers(n: int, rng: np.random.Generator) -> None:
    centre = (-7.5, 13.5)
    radii = [10_000.0, 50_000.0, 150_000.0]
    # half the points uniformly around, half within 50 m of a ring boundary
    az = rng.uniform(0, 360, n)
    dist = np.where(
        rng.random(n) < 0.5,
        rng.uniform(0, 200_000, n),
        rng.choice(radii, n) + rng.uniform(-50, 50, n),
    )
    lon, lat, _ = bf.GEOD.fwd(np.full(n, centre[0]), np.full(n, centre[1]), az, dist)
    events = make_events(lon, lat)
    t = time.perf_counter()
    result = buffer_counts(events, *centre, radii, by=None, with_rings=False)
    took = time.perf_counter() - t
    d = bf.geodesic_m(*centre, events.lon, events.lat)
    ring = np.full(n, len(radii))
    ring[result.rows] = result.ring
    brute = bf.ring_of(d, radii)
    bad = ring != brute
    gap = np.min(np.abs(d[:, None] - np.array(radii)[None, :]), axis=1)
    worst = float(gap[bad].max()) if bad.any() else 0.0
    _say(
        f"buffers: {n} events ({took:.2f} s), {int(bad.sum())} ring disagreements, "
        f"max |d - r| of a disagreement {worst:.6f} m; closest event to a ring "
        f"{gap.min():.2e} m"
    )


def measure_corridor(
    name: str, line: shapely.Geometry, within_m: float, n: int, rng: np.random.Generator
) -> None:
    west, south, east, north = line.bounds
    pad = within_m / 100_000.0 + 0.05
    lon = rng.uniform(west - pad, east + pad, n)
    lat = rng.uniform(south - pad, north + pad, n)
    events = make_events(lon, lat)
    result = corridor(line, within_m, None, events, by=None, name=name)
    d = bf.distance_to_polyline_m(line, events.lon, events.lat)
    inside = np.zeros(n, dtype=bool)
    inside[result.rows] = True
    err = result.distance_m - d[result.rows]
    brute_in = d <= within_m
    flips = inside != brute_in
    flip_gap = float(np.abs(d[flips] - within_m).max()) if flips.any() else 0.0
    j = int(np.argmax(np.abs(err))) if len(err) else 0
    where = (
        f"at ({events.lon[result.rows][j]:.4f}, {events.lat[result.rows][j]:.4f})"
        if len(err)
        else ""
    )
    _say(
        f"corridor {name} ({result.length_m / 1000:.0f} km, within "
        f"{within_m / 1000:g} km): max |distance_m - geodesic| "
        f"{np.abs(err).max() if len(err) else 0:.3f} m {where}; "
        f"{int(flips.sum())} membership flips of {int(brute_in.sum())}, farthest "
        f"{flip_gap:.3f} m from the edge"
    )


def measure_random_roads(
    trials: int, rng: np.random.Generator, max_leg_m: float
) -> None:
    """Largest ``|distance_m - geodesic|`` of corridors on random roads of 1–5
    geodesic legs of at most ``max_leg_m`` (2,000 events near each road)."""
    worst = 0.0
    for _ in range(trials):
        n_legs = int(rng.integers(1, 6))
        start = (rng.uniform(-11, -5), rng.uniform(11, 15.5))
        legs = [
            (rng.uniform(0, 360), rng.uniform(5e3, max_leg_m)) for _ in range(n_legs)
        ]
        line = bf.road_from(start, legs)
        within = float(rng.choice([500.0, 2e3, 10e3, 30e3]))
        pts = [
            bf.point_near_road(line, rng.integers(0, n_legs), rng.random(),
                               rng.uniform(0, 360), rng.uniform(0, 1.3 * within))
            for _p in range(2000)
        ]  # fmt: skip
        lon, lat = np.array(pts).T
        events = make_events(lon, lat)
        result = corridor(line, within, None, events, by=None)
        d = bf.distance_to_polyline_m(
            line, events.lon[result.rows], events.lat[result.rows]
        )
        if len(d):
            worst = max(worst, float(np.abs(result.distance_m - d).max()))
    _say(
        f"corridor, {trials} random roads with legs <= {max_leg_m / 1000:g} km: "
        f"max |distance_m - geodesic| {worst:.2f} m"
    )


def measure_areas(n: int, rng: np.random.Generator) -> None:
    from sahelgis.analysis.areas import area_membership

    cercles = _layer("cercles")
    west, south, east, north = cercles.total_bounds
    lon = rng.uniform(west, east, n)
    lat = rng.uniform(south, north, n)
    events = make_events(lon, lat)
    found, area = area_membership(events, cercles)
    got = np.zeros((len(cercles), n), dtype=bool)
    got[area, found] = True
    geoms = list(cercles.geometry)
    want = np.stack([shapely.contains_xy(g, events.lon, events.lat) for g in geoms])
    bad = np.flatnonzero((got != want).any(axis=0))
    gap = bf.boundary_distance_deg(geoms, events.lon[bad], events.lat[bad])
    _say(
        f"areas (cercles): {n} events, {len(bad)} disagreements"
        + (f", max boundary distance {gap.max():.2e} deg" if len(bad) else "")
    )


def measure_hex(n: int, rng: np.random.Generator, size_m: float = 25_000.0) -> None:
    lon = rng.uniform(-12, -4, n)
    lat = rng.uniform(10, 16.5, n)
    events = make_events(lon, lat)
    centre = (-8.0, 13.0)
    _, table = counts_per_hex(events, size_m, by=None, centre=centre)
    x, y = bf.laea(*centre).transform(events.lon, events.lat)
    q, r, margin = bf.nearest_hex_centre(np.asarray(x), np.asarray(y), size_m)
    brute = {}
    for a, b in zip(q, r, strict=True):
        brute[f"{a}_{b}"] = brute.get(f"{a}_{b}", 0) + 1
    got = dict(zip(table["hex_id"], table["count"], strict=True))
    keys = set(brute) | set(got)
    diff = sum(abs(brute.get(k, 0) - got.get(k, 0)) for k in keys)
    _say(
        f"hexagons ({size_m / 1000:g} km): {n} events, total |count difference| "
        f"{diff}; smallest centre margin {margin.min():.3e} m"
    )


def measure_isolation(
    trials: int, rng: np.random.Generator, max_leg_m: float, end_rel: float = 2e-3
) -> None:
    """Largest ``|distance_m - geodesic|`` of town_isolation over events whose
    nearest road point stays put when the disc shrinks by ``end_rel``."""
    import geopandas as gpd

    from sahelgis.analysis.isolation import town_isolation

    worst, worst_rel, flips = 0.0, 0.0, 0
    for _ in range(trials):
        town = (rng.uniform(-10, -6), rng.uniform(11.5, 15))
        radius = float(rng.choice([20e3, 50e3, 100e3]))
        within = float(rng.choice([1e3, 5e3, 10e3]))
        lines = []
        for _k in range(rng.integers(1, 4)):
            x, y, _ = bf.GEOD.fwd(
                *town, rng.uniform(0, 360), rng.uniform(0, 0.8 * radius)
            )
            legs = [
                (rng.uniform(0, 360), rng.uniform(2e3, max_leg_m))
                for _leg in range(rng.integers(1, 4))
            ]
            lines.append(bf.road_from((float(x), float(y)), legs))
        roads = gpd.GeoDataFrame(
            {"ref": [f"R{k}" for k in range(len(lines))]},
            geometry=lines,
            crs="EPSG:4326",
        )
        pts = [
            bf.point_near_road(
                line, rng.integers(0, 5), rng.random(), rng.uniform(0, 360),
                rng.uniform(0, 1.5 * within),
            )
            for line in lines
            for _p in range(1000)
        ]  # fmt: skip
        lon, lat = np.array(pts).T
        events = make_events(lon, lat)
        result = town_isolation(events, *town, roads, radius, within)
        d = np.min(
            [
                bf.distance_to_road_in_disc_m(g, town, radius, events.lon, events.lat)
                for g in lines
            ],
            axis=0,
        )
        d_in = np.min([bf.distance_to_road_in_disc_m(g, town, radius * (1 - end_rel),
                                                     events.lon, events.lat)
                       for g in lines], axis=0)  # fmt: skip
        interior = np.abs(d - d_in) < 1e-3
        got = np.full(len(events), np.nan)
        got[result.rows] = result.distance_m
        sel = interior & np.isfinite(got)
        if sel.any():
            err = float(np.abs(got[sel] - d[sel]).max())
            worst = max(worst, err)
            worst_rel = max(worst_rel, err - 1e-3 * within)
        inside = np.zeros(len(events), dtype=bool)
        inside[result.rows] = True
        flips += int(((inside != (d <= within)) & interior).sum())
    _say(
        f"isolation (legs <= {max_leg_m / 1000:g} km, {trials} towns): max "
        f"|distance_m - geodesic| away from road ends {worst:.2f} m "
        f"({worst_rel:.2f} m + 1e-3*within); {flips} membership flips"
    )


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    rng = np.random.default_rng(15)
    measure_buffers(n, rng)
    roads = _layer("roads")
    for ref in ("RN4", "RN6", "RN3"):
        line = roads[roads["ref"] == ref].geometry.iloc[0]
        for within in (1_000.0, 10_000.0, 50_000.0):
            measure_corridor(ref, line, within, n // 3, rng)
    long_line = shapely.LineString([(-11.5, 11.0), (-4.5, 16.0)])  # ~940 km, 1 piece
    for within in (10_000.0, 50_000.0):
        measure_corridor("drawn 940 km", long_line, within, n // 3, rng)
    for max_leg in (50_000.0, 100_000.0, 150_000.0):
        measure_random_roads(60, rng, max_leg)
    # a road drawn with three clicks: an 870 km leg along 10°N, far from the
    # centre of its box (the disagreement reported in issue 15)
    clicks = shapely.LineString([(-12.0, 10.0), (-4.0, 10.0), (-4.0, 16.5)])
    measure_corridor("3 clicks, 1,600 km", clicks, 1_000.0, n // 3, rng)
    measure_areas(min(n, 20_000), rng)
    measure_hex(min(n, 20_000), rng)
    for max_leg in (30_000.0, 100_000.0):
        measure_isolation(30, rng, max_leg)


if __name__ == "__main__":
    main()
