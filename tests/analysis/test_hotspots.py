"""Emerging hot spots: Gi* and Mann-Kendall against esda and pymannkendall,
FDR against scipy, and seeded SYNTHETIC scenarios (made-up events, never real
data) with a planted answer, through the registry, the batch split and the
command line."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sahelgis.__main__ import main
from sahelgis.analysis import hotspots as hs
from sahelgis.analysis.registry import ANALYSES, Context
from sahelgis.model.events import EventTable
from tests.analysis.analysis_helpers import make_events

HOT = ANALYSES["hotspots"]
MONTHS = pd.date_range("2018-01-01", "2024-06-01", freq="MS")  # 78 steps


def _grid(n: int) -> tuple[np.ndarray, np.ndarray]:
    q, r = np.meshgrid(np.arange(n), np.arange(n))
    return q.ravel().astype(np.int64), r.ravel().astype(np.int64)


def test_gi_star_matches_esda_g_local_star_on_the_same_space_time_weights():
    esda = pytest.importorskip("esda")
    from libpysal.weights import W

    rng = np.random.default_rng(7)
    q, r = _grid(6)
    counts = rng.poisson(2.0, (len(q), 9))
    counts[14, 5:] += 9  # a planted cluster, so the tail is exercised
    for k, lag in ((1, 1), (2, 0)):
        nb = hs.neighbour_index(q, r, k)
        ours = hs.gi_star(counts, nb, lag)
        n_t = counts.shape[1]
        neigh = {}
        for i in range(len(q)):
            for t in range(n_t):
                neigh[i * n_t + t] = [
                    j * n_t + u
                    for j in nb[i] if j >= 0
                    for u in range(max(0, t - lag), t + 1)
                    if (j, u) != (i, t)
                ]  # fmt: skip
        w = W(neigh, silence_warnings=True)
        g = esda.G_Local(
            counts.ravel().astype(float), w, transform="B", star=True, permutations=0
        )
        np.testing.assert_allclose(ours.ravel(), g.Zs, atol=1e-6, rtol=0)


def test_ring_offsets_are_the_hexagons_within_k_rings():
    assert len(hs.ring_offsets(1)) == 7
    assert len(hs.ring_offsets(2)) == 19
    for dq, dr in hs.ring_offsets(2):
        assert max(abs(dq), abs(dr), abs(dq + dr)) <= 2


def test_mann_kendall_matches_pymannkendall_and_scipy_kendalltau():
    mk = pytest.importorskip("pymannkendall")
    from scipy.stats import kendalltau

    rng = np.random.default_rng(3)
    ties = rng.poisson(1.5, (5, 40)).astype(float)  # many ties
    smooth = rng.normal(0, 1, (5, 30)) + np.linspace(0, 1.5, 30)
    for block in (ties, smooth):
        ours = hs.mann_kendall(block)
        for i, row in enumerate(block):
            ref = mk.original_test(row)
            assert ours.s[i] == ref.s
            assert ours.var_s[i] == pytest.approx(ref.var_s, rel=1e-12)
            assert ours.z[i] == pytest.approx(ref.z, rel=1e-12, abs=1e-12)
            assert ours.p[i] == pytest.approx(ref.p, rel=1e-9, abs=1e-12)
            assert ours.tau[i] == pytest.approx(ref.Tau, rel=1e-12)
    # without ties Kendall's tau-b against time is the Mann-Kendall tau
    ours = hs.mann_kendall(smooth)
    for i, row in enumerate(smooth):
        assert ours.tau[i] == pytest.approx(
            kendalltau(np.arange(30), row)[0], abs=1e-12
        )


def test_fdr_matches_scipy_benjamini_hochberg():
    from scipy.stats import false_discovery_control

    rng = np.random.default_rng(5)
    p = np.concatenate([rng.uniform(0, 1, 300), rng.uniform(0, 0.002, 30)])
    adjusted = false_discovery_control(p, method="bh")
    np.testing.assert_array_equal(hs.fdr_significant(p, 0.05), adjusted <= 0.05)


def _cube_with(plant: dict[int, np.ndarray], seed: int = 11) -> hs.Cube:
    rng = np.random.default_rng(seed)
    q, r = _grid(12)
    counts = rng.poisson(1.0, (len(q), len(MONTHS)))
    nb = hs.neighbour_index(q, r, 1)
    for cell, extra in plant.items():  # a cluster: the cell and its 6 neighbours
        for j in nb[cell]:
            counts[j] += extra
    steps = [d.strftime("%Y-%m") for d in MONTHS]
    return hs.Cube(q, r, steps, counts, 10_000.0, (-6.0, 12.5))


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_planted_scenarios_get_arcgis_categories(seed):
    n = len(MONTHS)
    from_2023 = np.where(MONTHS >= "2023-01-01", 12, 0)
    fading = np.linspace(30, 8, n).round().astype(int)
    last_only = np.zeros(n, int)
    last_only[-1] = 40
    past = np.full(n, 15)
    past[-3:] = 0
    cube = _cube_with({26: from_2023, 32: fading, 98: last_only, 104: past}, seed)
    table, _ = hs.emerging_hot_spots(cube, k=1, lag=1, alpha=0.05)
    cat = dict(zip(table["hex_id"], table["category"], strict=True))
    ids = cube.ids
    # planted from 2023: an unbroken run of hot months ending in the last one,
    # never hot before -> ArcGIS's "consecutive" ("new" is the last step only)
    assert cat[ids[26]] == "consecutive hot spot"
    assert cat[ids[32]] == "diminishing hot spot"
    assert cat[ids[98]] == "new hot spot"
    assert cat[ids[104]] == "historical hot spot"
    background = [cat[ids[i]] for i in (0, 5, 60, 143)]
    assert background.count("no pattern") >= 3


def test_a_steady_cluster_is_persistent_and_a_rising_one_intensifying():
    # lag 0: with earlier steps in the neighbourhood the z series is
    # autocorrelated and Mann-Kendall finds a trend more often than alpha
    # (measured: 5 of 30 steady clusters at lag 1, 2 of 30 at lag 0)
    n = len(MONTHS)
    steady, rising = [], []
    for seed in range(10):
        cube = _cube_with(
            {26: np.full(n, 20), 104: np.linspace(10, 60, n).astype(int)}, seed
        )
        table, _ = hs.emerging_hot_spots(cube, lag=0)
        cat = dict(zip(table["hex_id"], table["category"], strict=True))
        steady.append(cat[cube.ids[26]])
        rising.append(cat[cube.ids[104]])
    assert steady.count("persistent hot spot") >= 8
    assert rising == ["intensifying hot spot"] * 10


def test_legend_has_one_line_per_category_hot_reds_cold_blues():
    colours = hs.category_colors()
    assert len(colours) == 17
    assert all("\n" not in label for label in colours)
    assert colours[hs.legend_label("new hot spot")] == "#67000D"
    assert hs.legend_label("new cold spot").startswith("new cold spot: cold only")


def _planted_events(seed: int = 1):
    """SYNTHETIC events: 40 quiet places plus one planted from 2023 on."""
    rng = np.random.default_rng(seed)
    lon, lat, day = [], [], []
    places = rng.uniform([-7.0, 12.0], [-5.0, 14.0], (40, 2))
    for month in MONTHS:
        for x, y in places:
            for _ in range(rng.poisson(0.6)):
                lon.append(x)
                lat.append(y)
                day.append(month + pd.Timedelta(days=int(rng.integers(0, 28))))
        if month >= pd.Timestamp("2023-01-01"):
            for _ in range(15):
                lon.append(-6.0)
                lat.append(13.0)
                day.append(month + pd.Timedelta(days=int(rng.integers(0, 28))))
    order = np.argsort(np.array(day, dtype="datetime64[ns]"), kind="stable")
    return make_events(
        np.array(lon)[order], np.array(lat)[order],
        dates=np.array(day, dtype=object)[order],
    )  # fmt: skip


def test_registry_run_batch_split_and_layer():
    events = _planted_events()
    spec = HOT.spec_from({"size": "10 km", "step": "month"}, Context())
    result = HOT.run(events, None, spec, Context())
    planted = np.asarray(events.lat == 13.0)
    cube = hs.build_cube(events, 10_000.0, "month", planted)
    assert len(cube.ids) == 1
    row = result.table.set_index("hex_id").loc[cube.ids[0]]
    assert row["category"] == "consecutive hot spot"
    assert row["events"] == 18 * 15
    assert "consecutive hot spot" in result.headline
    assert "10 km hexagons, monthly 2018-01…2024-06" in result.headline
    layer = result.layers[0]
    assert set(layer.data["legend"]) <= set(layer.style.categories)
    # batch: partitions merged give the same table as the whole run
    half = len(events) // 2
    parts = [
        HOT.partial(spec, EventTable(events.frame.iloc[sl].reset_index(drop=True)))
        for sl in (slice(0, half), slice(half, None))
    ]
    merged = HOT.finish(spec, HOT.merge(spec, parts))
    pd.testing.assert_frame_equal(merged.table, HOT.run_whole(spec, events).table)
    pd.testing.assert_frame_equal(merged.table, result.table)


def test_cli_hotspots(tmp_path, capsys):
    events = _planted_events(2)
    path = tmp_path / "synthetic_events.csv"
    frame = events.frame.copy()
    frame["event_date"] = frame["event_date"].dt.strftime("%Y-%m-%d")
    frame.to_csv(path, index=False)
    code = main(["hotspots", str(path), "--size", "10km", "--step", "month"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert out.splitlines()[0].startswith("hex_id,category,trend_tau")
    assert "consecutive hot spot" in out
    assert out.strip().splitlines()[-1].startswith("total:")
    code = main(["hotspots", str(path), "--step", "fortnight"])
    assert code != 0
    assert "fortnight" in capsys.readouterr().err


def test_bad_sizes_and_oversized_cubes_are_one_line_errors(
    tmp_path, capsys, monkeypatch
):
    events = _planted_events(3)
    path = tmp_path / "synthetic_events.csv"
    frame = events.frame.copy()
    frame["event_date"] = frame["event_date"].dt.strftime("%Y-%m-%d")
    frame.to_csv(path, index=False)
    assert main(["hotspots", str(path), "--size", "200m"]) != 0
    err = capsys.readouterr().err
    assert "size = 200 m: hexagons of at least 1 km" in err
    assert len(err.strip().splitlines()) == 1
    monkeypatch.setattr(hs, "MAX_BINS", 1000)
    assert main(["hotspots", str(path), "--size", "10km"]) != 0
    err = capsys.readouterr().err
    assert "more than 1,000 bins; choose a larger hexagon size" in err
    assert "Traceback" not in err
