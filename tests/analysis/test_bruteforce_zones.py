"""Support zones against brute-force references (issue 20, part 3).

- DBSCAN (:func:`sahelgis.analysis.dbscan.dbscan`, the grid algorithm) against
  an all-pairs O(n²) DBSCAN, label for label, on seeded point sets that reach
  every branch: dense cells (core without a distance test), sparse cells,
  dense clusters just more and just less than ``eps`` apart (the point tests
  between uncertain cells), lattices with pairs at exactly ``eps`` (``<=``),
  weights, duplicates.
- The indicator rules (:func:`sahelgis.analysis.zones.indicator_mask`, RE2
  over Arrow strings and categories) against a plain Python loop.
- DBSCAN with a ``slack`` and ``exact`` distances (a plane that distorts the
  true distances by up to 1 ± slack) against the quadratic DBSCAN on the
  true distances.
- Whole support zones against a geodesic reference: pairwise ``Geod.inv``
  distances (WGS84, metres), the quadratic DBSCAN per year, the documented
  score, with events whose geodesic distance to another is within
  ``EDGE_REL`` of ``eps`` kept in (the projection alone would misjudge some).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
import shapely
from analysis_helpers import make_events
from bruteforce import (
    GEOD,
    dbscan_reference,
    eps_cell_place,
    indicator_flags,
)

from sahelgis.analysis.dbscan import dbscan
from sahelgis.analysis.zones import (
    DEFAULT_RULES,
    ZoneRules,
    indicator_mask,
    support_zones,
)

#: Pairs whose geodesic distance is within this share of eps are edge pairs
#: (the projection changes distances by at most ~0.1 % up to 500 km out).
EDGE_REL = 0.001


def check_against_reference(x, y, eps, min_samples, w):
    d2 = (x[:, None] - x[None, :]) ** 2 + (y[:, None] - y[None, :]) ** 2
    ref = dbscan_reference(d2, eps, min_samples, w, eps_cell_place(x, y, eps))
    ours = dbscan(x, y, eps, min_samples, w)
    assert np.array_equal(ours, ref)
    return ours


def test_dbscan_equals_the_quadratic_reference_on_blobs(rng):
    clustered = 0
    for _ in range(12):
        k = int(rng.integers(1, 5))
        n = int(rng.integers(50, 500))
        centres = rng.uniform(-40_000, 40_000, (k, 2))
        spread = rng.uniform(300, 6_000, k)
        pick = rng.integers(0, k, n)
        pts = centres[pick] + rng.normal(0, 1, (n, 2)) * spread[pick, None]
        noise = rng.uniform(-60_000, 60_000, (n // 5, 2))
        x, y = np.concatenate([pts, noise]).T
        w = rng.integers(1, 4, len(x)).astype(float)
        labels = check_against_reference(
            x, y, rng.uniform(800, 8_000), int(rng.integers(2, 30)), w
        )
        clustered += int(labels.max() + 1)
    assert clustered > 12  # the sets did hold clusters


@pytest.mark.parametrize("gap", [0.98, 1.0, 1.02])
def test_dense_clusters_just_within_or_beyond_eps(rng, gap):
    # two dense discs whose nearest points are gap x eps apart: only the
    # point tests between uncertain cells can join or keep them apart
    eps = 5_000.0
    a = rng.normal(0, 1, (300, 2)) * 800.0
    a = a[np.hypot(*a.T) < 2_500.0]
    right = a[:, 0].argmax()
    b = a.copy()
    b[:, 0] = -a[:, 0]
    b[:, 0] += a[right, 0] - b[:, 0].min() + gap * eps
    # put the facing points on one line so the nearest pair is exactly gap x eps
    b[:, 1] += a[right, 1] - b[b[:, 0].argmin(), 1]
    x, y = np.concatenate([a, b]).T
    labels = check_against_reference(x, y, eps, 4, np.ones(len(x)))
    assert labels.max() + 1 == (1 if gap <= 1.0 else 2)


def test_dbscan_on_lattices_with_pairs_at_exactly_eps(rng):
    for _ in range(10):
        n = int(rng.integers(20, 300))
        step = 1_000.0
        x = rng.integers(0, 25, n) * step
        y = rng.integers(0, 25, n) * step
        eps = step * float(rng.choice([1.0, 2.0, 3.0, 5.0]))
        w = rng.integers(1, 3, n).astype(float)
        check_against_reference(
            x.astype(float), y.astype(float), eps, int(rng.integers(1, 12)), w
        )


@pytest.mark.parametrize("slack", [0.001, 0.05, 0.2])
def test_dbscan_with_slack_decides_the_band_by_exact_distances(rng, slack):
    calls: list[int] = []
    plane_differs = 0
    for _ in range(6):
        n = int(rng.integers(50, 400))
        centres = rng.uniform(-20_000, 20_000, (3, 2))
        pts = centres[rng.integers(0, 3, n)] + rng.normal(0, 2_500, (n, 2))
        x, y = pts.T
        # true distances: the plane's, stretched by a symmetric factor in
        # 1 ± slack that varies from pair to pair
        plane = np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :])
        phase = rng.uniform(0, 2 * np.pi, n)
        true = plane * (1 + slack * np.sin(phase[:, None] + phase[None, :]))

        def exact(i, j, true=true, calls=calls):
            calls.append(len(i))
            return true[i, j]

        eps = float(rng.uniform(1_500, 4_000))
        w = rng.integers(1, 3, n).astype(float)
        ms = int(rng.integers(2, 10))
        ours = dbscan(x, y, eps, ms, w, slack=slack, exact=exact)
        ref = dbscan_reference(true**2, eps, ms, w, eps_cell_place(x, y, eps))
        assert np.array_equal(ours, ref)
        plane_differs += not np.array_equal(dbscan(x, y, eps, ms, w), ref)
    assert sum(calls) > 0  # pairs in the band were decided by exact
    if slack >= 0.05:
        assert plane_differs  # where the plane alone gives another answer


def test_dbscan_edge_cases():
    assert len(dbscan(np.zeros(0), np.zeros(0), 1.0, 2)) == 0
    assert dbscan(np.array([5.0]), np.array([5.0]), 1.0, 1).tolist() == [0]
    assert dbscan(np.array([5.0]), np.array([5.0]), 1.0, 2).tolist() == [-1]
    same = dbscan(np.zeros(4), np.zeros(4), 10.0, 4)
    assert same.tolist() == [0, 0, 0, 0]


VOCAB_ACTORS = [
    "JNIM: Group for Support of Islam and Muslims",
    "Islamic State (Sahel)",
    "Katiba Macina",
    "Military Forces of Mali (2021-)",
    "Dozo Militia",
    "Civilians (Mali)",
    None,
]
VOCAB_NOTES = [
    "JNIM militants collected ZAKAT from herders",
    "Des militants ont fermé l'École de Nara",
    "FERMETURE DES ÉCOLES à Diabaly",
    "armed clash with the army",
    "a checkpoint (c.i.a) on the RN4",
    "Tax levied [sic] on traders",
    "market day, no incident",
    "",
    None,
]
SUB_TYPES = [
    "Armed clash",
    "Headquarters or base established",
    "Non-state actor overtakes territory",
    "Abduction/forced disappearance",
]


@pytest.mark.parametrize(
    "rules",
    [
        DEFAULT_RULES,
        ZoneRules(notes_keywords=("école", "(c.i.a)", "[sic]")),
        ZoneRules(actors=("mali",), event_types=("Riots",)),
        ZoneRules(actors=("jnim", "katiba")),
        ZoneRules(sub_event_types=("Armed clash",), notes_keywords=("zakat",)),
    ],
    ids=["default", "regex-characters", "event-type", "actors-only", "mixed"],
)
def test_indicator_mask_equals_a_python_loop(rng, rules):
    n = 400
    fields = {
        "actor1": [VOCAB_ACTORS[k] or "Unknown" for k in rng.integers(0, 6, n)],
        "assoc_actor_1": [VOCAB_ACTORS[k] for k in rng.integers(0, 7, n)],
        "actor2": [VOCAB_ACTORS[k] for k in rng.integers(0, 7, n)],
        "notes": [VOCAB_NOTES[k] for k in rng.integers(0, 9, n)],
        "sub_event_type": [SUB_TYPES[k] for k in rng.integers(0, 4, n)],
        "event_type": [("Battles", "Riots")[k] for k in rng.integers(0, 2, n)],
    }
    events = make_events(np.zeros(n), np.zeros(n), **fields)
    frame = events.frame
    rows = [
        {c: (None if v is None or v != v else v) for c, v in row.items()}
        for row in frame[list(fields)].astype(object).to_dict("records")
    ]
    expected = indicator_flags(
        rows, rules.actors, rules.event_types, rules.sub_event_types,
        rules.notes_keywords,
    )  # fmt: skip
    assert indicator_mask(frame, rules).tolist() == expected
    assert 0 < sum(expected) < n


def geodesic_d2(lon, lat):
    n = len(lon)
    i, j = np.triu_indices(n, 1)
    _, _, d = GEOD.inv(lon[i], lat[i], lon[j], lat[j])
    out = np.zeros((n, n))
    out[i, j] = out[j, i] = np.asarray(d) ** 2
    return out


def score_of(dates, period_first, period_last, min_events):
    months = len({(d.year, d.month) for d in dates})
    months_total = (period_last.year - period_first.year) * 12
    months_total += period_last.month - period_first.month + 1
    length = (period_last - period_first).days + 1
    gap = (period_last - max(dates)).days
    return 100.0 * (
        0.4 * min(1.0, len(dates) / (5.0 * min_events))
        + 0.4 * min(1.0, months / months_total)
        + 0.2 * min(1.0, max(0.0, 1.0 - gap / length))
    )


def test_zones_equal_a_geodesic_reference(rng):
    rules = ZoneRules(notes_keywords=("zakat",), eps_km=15.0, min_events=5)
    lons, lats, notes, dates = [], [], [], []
    centres = [(-7.3, 15.2), (-8.0, 12.7), (-5.9, 13.4), (-10.2, 14.4)]
    for year in (2022, 2023):
        for c, (lon0, lat0) in enumerate(centres):
            k = 60 if (year + c) % 2 else 25
            dist = np.abs(rng.normal(0, 12_000, k))
            lon, lat, _ = GEOD.fwd(
                np.full(k, lon0), np.full(k, lat0), rng.uniform(0, 360, k), dist
            )
            # a few events share their town's exact coordinates
            lon[: k // 5], lat[: k // 5] = lon0, lat0
            lons += list(lon)
            lats += list(lat)
            days = rng.integers(0, 365, k)
            dates += [dt.date(year, 1, 1) + dt.timedelta(int(d)) for d in days]
            notes += ["militants collected zakat"] * k
        k = 80  # scattered indicators and other events
        lons += list(rng.uniform(-11.0, -4.5, k))
        lats += list(rng.uniform(11.0, 16.0, k))
        dates += [dt.date(year, 6, 1)] * k
        notes += [("zakat", "market day")[j % 2] for j in range(k)]
    # ~550 km east of the projection's centre, two towns 14,993 m apart
    # north-south on the ground; the plane stretches that to ~15,008 m
    far = (-2.5, 13.8)
    north = GEOD.fwd(far[0], far[1], 0.0, 0.9995 * rules.eps_km * 1000.0)[:2]
    for town in (far, north):
        lons += [town[0]] * 8
        lats += [town[1]] * 8
        dates += [dt.date(2022, 3, 1)] * 8
        notes += ["zakat"] * 8
    lon, lat = np.array(lons), np.array(lats)
    # edge pairs (geodesic distance within EDGE_REL of eps) are in the data
    eps = rules.eps_km * 1000.0
    d = np.sqrt(geodesic_d2(lon, lat))
    assert (np.abs(d - eps) <= EDGE_REL * eps).sum() > 10
    events = make_events(
        lon, lat, dates=[str(v) for v in dates], notes=np.array(notes, dtype=object)
    )
    zones = support_zones(events, rules, by="year")

    frame = events.frame
    flags = np.array(
        indicator_flags(
            [{"actor1": a, "notes": t} for a, t in zip(
                frame["actor1"].astype(str), frame["notes"].astype(str), strict=True
            )],
            (), (), (), rules.notes_keywords,
        )
    )  # fmt: skip
    day = events.dates.astype("datetime64[D]").astype(object)
    first, last = min(day), max(day)
    expected = {}
    ambiguous = 0
    for year in (2022, 2023):
        rows = np.flatnonzero(flags & (events.frame["year"].to_numpy() == year))
        d2 = geodesic_d2(events.lon[rows], events.lat[rows])
        w = np.ones(len(rows))
        labels = dbscan_reference(d2, eps, rules.min_events, w, np.zeros_like(d2))
        close = d2 <= eps * eps
        core = (close * w).sum(axis=1) >= rules.min_events
        for i in np.flatnonzero(~core):
            ambiguous += len(set(labels[close[i] & core])) > 1
        p_first = max(dt.date(year, 1, 1), first)
        p_last = min(dt.date(year, 12, 31), last)
        for c in range(labels.max() + 1):
            members = rows[labels == c]
            score = score_of(day[members], p_first, p_last, rules.min_events)
            expected[frozenset(members.tolist())] = (str(year), round(score, 1))
    assert ambiguous == 0  # no border event is reachable from two zones
    got = {
        frozenset(zones.attrs["event_rows"][zid].tolist()): (period, score)
        for zid, period, score in zip(
            zones["zone_id"], zones["period"], zones["score"], strict=True
        )
    }
    assert got == expected
    far_zone = [rows for rows in got if np.isclose(events.lon[list(rows)], -2.5).all()]
    assert [len(rows) for rows in far_zone] == [16]  # one zone, both towns
    assert len(expected) >= 6
    for geom, zid in zip(zones.geometry, zones["zone_id"], strict=True):
        rows = zones.attrs["event_rows"][zid]
        pts = shapely.points(events.lon[rows], events.lat[rows])
        assert shapely.contains(geom, pts).all()
