"""Counts per admin area and per hexagon against brute force (issue 15, point 4).

Events and polygons are EPSG:4326 lon/lat degrees. Admin areas: the reference
tests every (polygon, event) pair with shapely ``Polygon.contains(Point)`` in
lon/lat, one pair at a time. Hexagons: the reference projects each event to
the Lambert azimuthal equal-area CRS (WGS84, metres) with its own
``pyproj.Transformer`` and takes the nearest cell centre among a 7×7 block of
the lattice (a hexagon is the set of points nearest its centre).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import numpy as np
import pytest
from analysis_helpers import make_events
from bruteforce import (
    boundary_distance_deg,
    in_window,
    laea,
    nearest_hex_centre,
    points_in_polygons,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from sahelgis.analysis.areas import counts_per_area, counts_per_hex
from sahelgis.analysis.results import select_rows
from sahelgis.io.basedata import base_layers

#: Edge tolerance of an admin boundary, degrees (planar lon/lat distance; 1e-9°
#: is about 0.1 mm). Measured on 20,000 random events over the cercles: 0
#: disagreements (discrepancy 0) — both sides use the same predicate on the
#: same lon/lat polygons; the tolerance only absorbs float rounding of a point
#: generated on a boundary.
AREA_EDGE_TOL_DEG = 1e-9
#: Edge tolerance of a hexagon edge, metres in the LAEA CRS: events whose two
#: nearest cell centres are closer than this to equidistant are "edge".
#: Measured on 20,000 events (25 km cells): 0 disagreements (discrepancy 0 m).
HEX_EDGE_TOL_M = 1e-3

SETTINGS = settings(max_examples=25, deadline=None, derandomize=True, database=None)

_LAYERS = {layer.role: layer.data for layer in base_layers()}


@st.composite
def area_events(draw: st.DrawFn) -> dict:
    """Events over southern Mali (lon -12..-4, lat 10..16.5), some on the
    vertices of a cercle boundary, with dates and an optional window."""
    n = draw(st.integers(0, 60))
    lon = draw(st.lists(st.floats(-12.0, -4.0), min_size=n, max_size=n))
    lat = draw(st.lists(st.floats(10.0, 16.5), min_size=n, max_size=n))
    cercles = _LAYERS["cercles"]
    for k, v in draw(
        st.lists(
            st.tuples(st.integers(0, len(cercles) - 1), st.integers(0, 10_000)),
            max_size=4,
        )
    ):
        coords = (
            np.asarray(cercles.geometry.iloc[k].exterior.coords)
            if (cercles.geometry.iloc[k].geom_type == "Polygon")
            else np.asarray(cercles.geometry.iloc[k].geoms[0].exterior.coords)
        )
        lon.append(float(coords[v % len(coords), 0]))
        lat.append(float(coords[v % len(coords), 1]))
    days = draw(st.lists(st.dates(dt.date(2020, 1, 1), dt.date(2024, 12, 31)),
                         min_size=len(lon), max_size=len(lon)))  # fmt: skip
    window = draw(st.none() | st.tuples(st.dates(dt.date(2020, 1, 1),
                                                 dt.date(2022, 12, 31)),
                                        st.none()))  # fmt: skip
    return {"lon": lon, "lat": lat, "days": days, "window": window}


def _events(case: dict):
    return make_events(
        np.array(case["lon"], dtype="float64"),
        np.array(case["lat"], dtype="float64"),
        dates=[str(d) for d in case["days"]] or "2023-01-01",
    )


@SETTINGS
@given(
    area_events(), st.sampled_from([("cercles", "name_fr"), ("regions", "adm1_name")])
)
def test_counts_per_area_match_brute_force(case: dict, kind: tuple[str, str]) -> None:
    """Per area and year, SahelGIS's count equals the number of considered
    events the polygon contains, exactly when no event is within
    AREA_EDGE_TOL_DEG of a boundary, else within the number of edge events."""
    role, field = kind
    areas = _LAYERS[role]
    events = _events(case)
    start, end = case["window"] or (None, None)
    rows = None if case["window"] is None else select_rows(events, start=start, end=end)
    table = counts_per_area(events, areas, field, rows=rows, by="year")

    considered = in_window(events.dates, start, end)
    geoms = list(areas.geometry)
    inside = points_in_polygons(geoms, events.lon, events.lat) & considered
    edge = boundary_distance_deg(geoms, events.lon, events.lat) <= AREA_EDGE_TOL_DEG
    edge &= considered
    n_edge = int(edge.sum())
    years = events.frame["year"].to_numpy()
    got = {
        (str(a), int(y)): int(c)
        for a, y, c in table[[field, "year", "count"]].itertuples(index=False)
    }
    names = areas[field].astype(str).to_numpy()
    want: Counter = Counter()
    for i in range(len(geoms)):
        for j in np.flatnonzero(inside[i]):
            want[(names[i], int(years[j]))] += 1
    for key in set(got) | set(want):
        assert abs(got.get(key, 0) - want.get(key, 0)) <= n_edge, key
    assert abs(int(table["count"].sum()) - int(inside.sum())) <= n_edge
    if n_edge == 0:
        assert {k: v for k, v in got.items() if v} == dict(want)
    # zeros are listed for every area and every considered year (none when no
    # event is considered: the periods are those of the considered events)
    if considered.any():
        assert set(table[field].astype(str)) == set(names)
    assert set(table["year"].astype(int)) == set(years[considered].tolist())


@SETTINGS
@given(
    area_events(),
    st.sampled_from([5_000.0, 10_000.0, 25_000.0, 100_000.0]),
    st.booleans(),
)
def test_counts_per_hex_match_brute_force(
    case: dict, size_m: float, default_centre: bool
) -> None:
    """Each considered event is in exactly one hexagon, the counts sum to the
    considered events, and each cell holds the events nearest its centre."""
    events = _events(case)
    start, end = case["window"] or (None, None)
    rows = None if case["window"] is None else select_rows(events, start=start, end=end)
    if default_centre:
        # documented default: the table extent's centre rounded to 0.5°
        lon, lat = events.lon, events.lat
        centre = (
            (
                round((lon.min() + lon.max()) / 2 * 2) / 2,
                round((lat.min() + lat.max()) / 2 * 2) / 2,
            )
            if len(lon)
            else (0.0, 0.0)
        )
        cells, table = counts_per_hex(events, size_m, rows=rows, by="year")
    else:
        centre = (-8.0, 13.0)
        cells, table = counts_per_hex(events, size_m, rows=rows, by="year",
                                      centre=centre)  # fmt: skip

    considered = in_window(events.dates, start, end)
    x, y = laea(*centre).transform(events.lon[considered], events.lat[considered])
    q, r, margin = nearest_hex_centre(np.asarray(x), np.asarray(y), size_m)
    n_edge = int((margin <= HEX_EDGE_TOL_M).sum())
    years = events.frame["year"].to_numpy()[considered]
    want = Counter((f"{a}_{b}", int(yr)) for a, b, yr in zip(q, r, years, strict=True))
    got = {
        (str(h), int(yr)): int(c)
        for h, yr, c in table[["hex_id", "year", "count"]].itertuples(index=False)
    }
    diff = sum(abs(got.get(k, 0) - want.get(k, 0)) for k in set(got) | set(want))
    assert diff <= 2 * n_edge
    assert int(table["count"].sum()) == int(considered.sum())
    assert int(cells["count"].sum()) == int(considered.sum())
    assert cells["hex_id"].is_unique
    assert (cells["count"] > 0).all()


@pytest.mark.parametrize("role", ["cercles", "regions"])
def test_area_layers_are_lonlat(role: str) -> None:
    """The brute force tests the polygons as read: they must be EPSG:4326."""
    assert _LAYERS[role].crs.to_epsg() == 4326
