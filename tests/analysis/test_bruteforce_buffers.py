"""Buffer rings against a brute-force geodesic count (issue 15, point 4).

Events and centres are EPSG:4326 lon/lat degrees in southern Mali; radii and
distances are metres on the WGS84 ellipsoid. The reference distance is
``pyproj.Geod.inv`` from the centre to each event, and the ring of each event
is decided by a plain loop (``inner < d <= outer``, ring 0 ``d <= r0``).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from analysis_helpers import make_events
from bruteforce import (
    geodesic_m,
    in_window,
    lonlat_near,
    near_boundary,
    ring_of,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from sahelgis.analysis.buffers import buffer_counts
from sahelgis.analysis.results import select_rows

#: Edge tolerance of a ring boundary, metres. Measured with
#: measure_edge_tolerance.py on 100,000 events (half within 50 m of a ring):
#: 0 ring disagreements, i.e. a discrepancy of 0 m — SahelGIS decides every
#: event near a ring with the same ``Geod.inv`` distance. 1 mm covers the
#: float rounding of two independent ``Geod.inv`` calls with a wide margin.
BUFFER_EDGE_TOL_M = 1e-3

SETTINGS = settings(max_examples=30, deadline=None, derandomize=True, database=None)

centres = st.tuples(st.floats(-11.0, -5.0), st.floats(10.5, 16.0))
radii_lists = st.lists(
    st.floats(1_000.0, 200_000.0, allow_nan=False), min_size=1, max_size=3
).filter(lambda r: len({round(x, 3) for x in r}) == len(r))


@st.composite
def buffer_cases(draw: st.DrawFn) -> dict:
    """A centre, rings and events around it (some exactly on a ring)."""
    lon0, lat0 = draw(centres)
    radii = sorted(draw(radii_lists))
    n = draw(st.integers(0, 60))
    points = draw(st.lists(lonlat_near(lon0, lat0, radii[-1] * 1.3), min_size=n,
                           max_size=n))  # fmt: skip
    on_ring = draw(st.lists(st.tuples(st.sampled_from(radii), st.floats(0, 360)),
                            max_size=5))  # fmt: skip
    from bruteforce import GEOD

    for r, az in on_ring:
        x, y, _ = GEOD.fwd(lon0, lat0, az, r)
        points.append((float(x), float(y)))
    days = draw(st.lists(st.dates(dt.date(2020, 1, 1), dt.date(2024, 12, 31)),
                         min_size=len(points), max_size=len(points)))  # fmt: skip
    precision = draw(st.lists(st.sampled_from([1, 2, 3]), min_size=len(points),
                              max_size=len(points)))  # fmt: skip
    # window ends are often an event's own day: the inclusive ends get tested
    day = st.dates(dt.date(2020, 1, 1), dt.date(2024, 12, 31))
    if days:
        day = day | st.sampled_from(days)
    window = draw(st.none() | st.tuples(st.none() | day, st.none() | day))
    return {
        "centre": (lon0, lat0),
        "radii": radii,
        "lon": [p[0] for p in points],
        "lat": [p[1] for p in points],
        "days": days,
        "precision": precision,
        "window": window,
        "max_precision": draw(st.sampled_from([3, 2])),
    }


def _events(case: dict):
    return make_events(
        np.array(case["lon"], dtype="float64"),
        np.array(case["lat"], dtype="float64"),
        dates=[str(d) for d in case["days"]] or "2023-01-01",
        geo_precision=case["precision"] or 1,
    )


@SETTINGS
@given(buffer_cases())
def test_buffer_rings_match_brute_force(case: dict) -> None:
    """Each event not within BUFFER_EDGE_TOL_M of a ring is in the same ring
    (or outside) in SahelGIS and brute force; per-ring and per-year counts
    differ by at most the number of edge events."""
    events = _events(case)
    lon0, lat0 = case["centre"]
    radii = case["radii"]
    start, end = case["window"] or (None, None)
    rows = None if case["window"] is None else select_rows(events, start=start, end=end)
    result = buffer_counts(
        events, lon0, lat0, radii, rows=rows, by="year",
        max_geo_precision=case["max_precision"], with_rings=True,
    )  # fmt: skip

    # brute force: date window, precision switch, geodesic distance, ring loop
    considered = in_window(events.dates, start, end)
    considered &= events.frame["geo_precision"].to_numpy() <= case["max_precision"]
    d = geodesic_m(lon0, lat0, events.lon, events.lat)
    ring = ring_of(d, radii)
    ring[~considered] = len(radii)
    edge = near_boundary(d, radii, BUFFER_EDGE_TOL_M) & considered

    got = np.full(len(events), len(radii))
    got[result.rows] = result.ring
    clear = ~edge
    assert np.array_equal(got[clear], ring[clear]), (
        np.flatnonzero(got[clear] != ring[clear]),
        d[clear][got[clear] != ring[clear]],
    )
    n_edge = int(edge.sum())
    brute_total = int((ring < len(radii)).sum())
    assert abs(result.total - brute_total) <= n_edge
    # per ring, from the tidy table and from the ring layer
    per_ring = result.counts.groupby("ring", sort=False)["count"].sum()
    for k, label in enumerate(result.labels):
        want = int((ring == k).sum())
        assert abs(int(per_ring.get(label, 0)) - want) <= n_edge
        assert abs(int(result.rings["count"].iloc[k]) - want) <= n_edge
        assert list(result.rings["inner_m"])[k] == (0.0 if k == 0 else radii[k - 1])
    # per ring and year
    years = events.frame["year"].to_numpy()
    for (label, year), count in result.counts.set_index(["ring", "year"])[
        "count"
    ].items():
        k = result.labels.index(label)
        want = int(((ring == k) & (years == int(year))).sum())
        assert abs(int(count) - want) <= n_edge
    assert int(result.counts["count"].sum()) == result.total


@SETTINGS
@given(buffer_cases())
def test_select_rows_window_matches_brute_force(case: dict) -> None:
    """``select_rows(start=, end=, max_geo_precision=)`` keeps exactly the
    events of the inclusive date window and precision (no edge tolerance)."""
    events = _events(case)
    start, end = case["window"] or (None, None)
    rows = select_rows(
        events, start=start, end=end, max_geo_precision=case["max_precision"]
    )
    want = in_window(events.dates, start, end)
    want &= events.frame["geo_precision"].to_numpy() <= case["max_precision"]
    assert np.array_equal(np.sort(rows), np.flatnonzero(want))
