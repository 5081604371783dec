"""Per-cell window counts from prefix sums equal the rows the points path draws."""

import numpy as np
import pytest

from sahelgis.model.time_window import period_bounds
from sahelgis.model.window_grid import (
    GridSpec,
    WindowGrid,
    WindowTotals,
    grid_for_view,
)


def _events(rng: np.random.Generator, n: int):
    days = np.sort(
        np.datetime64("2020-01-01") + rng.integers(0, 900, n).astype("timedelta64[D]")
    )
    precision = rng.choice(np.array([1, 1, 1, 2, 3, 4], dtype=np.int8), n)
    # clustered like ACLED: many events share a town's coordinates
    towns = rng.uniform(0, 10_000, (40, 2))
    pick = rng.integers(0, 40, n)
    jitter = rng.random(n) < 0.5
    x = towns[pick, 0] + np.where(jitter, rng.normal(0, 300, n), 0.0)
    y = towns[pick, 1] + np.where(jitter, rng.normal(0, 300, n), 0.0)
    codes = rng.integers(0, 6, n).astype(np.int32)
    keep = rng.random(n) < 0.8
    return days, precision, x, y, codes, keep


def _brute(days, precision, x, y, codes, keep, spec, start, end, expand):
    start, end = np.datetime64(start, "D"), np.datetime64(end, "D")
    if expand:
        lo, hi = period_bounds(days, precision)
        loose = (precision == 2) | (precision == 3)
        lo = np.where(loose, lo, days)
        hi = np.where(loose, hi, days)
        inwin = (lo <= end) & (hi >= start)
    else:
        inwin = (days >= start) & (days <= end)
    ix = np.floor((x - spec.x0) / spec.cell)
    iy = np.floor((y - spec.y0) / spec.cell)
    inside = (ix >= 0) & (ix < spec.nx) & (iy >= 0) & (iy < spec.ny)
    rows = np.flatnonzero(inwin & keep & inside)
    cells = (iy[rows] * spec.nx + ix[rows]).astype(np.int64)
    result = {}
    for cell in np.unique(cells):
        members = rows[cells == cell]
        per_code = np.bincount(codes[members], minlength=6)
        result[int(cell)] = (
            len(members),
            float(x[members].mean()),
            float(y[members].mean()),
            int(per_code.argmax()),
        )
    return result


@pytest.mark.parametrize("expand", [True, False])
@pytest.mark.parametrize("checkpoints_bytes", [10_000, 48 * 1024 * 1024])
def test_marks_equal_brute_force(rng, expand, checkpoints_bytes):
    days, precision, x, y, codes, keep = _events(rng, 20_000)
    spec = GridSpec(x0=-500.0, y0=-500.0, cell=250.0, nx=40, ny=36)
    grid = WindowGrid(
        days,
        precision,
        x,
        y,
        codes,
        6,
        keep,
        spec,
        expand,
        budget_bytes=checkpoints_bytes,
    )
    windows = [
        ("2020-01-01", "2020-12-31"),
        ("2020-03-15", "2020-03-15"),
        ("2025-01-01", "2025-12-31"),  # after the data: empty
        ("2021-02-01", "2021-02-28"),
        ("2019-06-01", "2020-01-03"),
        ("2022-05-01", "2023-01-01"),
    ]
    for start, end in windows:
        marks = grid.marks(np.datetime64(start), np.datetime64(end))
        expected = _brute(days, precision, x, y, codes, keep, spec, start, end, expand)
        cells = (
            np.floor((marks.y - spec.y0) / spec.cell) * spec.nx
            + np.floor((marks.x - spec.x0) / spec.cell)
        ).astype(np.int64)
        assert sorted(cells.tolist()) == sorted(expected)
        assert marks.total == sum(v[0] for v in expected.values())
        for cell, count, mx, my, code in zip(
            cells, marks.counts, marks.x, marks.y, marks.codes, strict=True
        ):
            want = expected[int(cell)]
            assert count == want[0]
            assert mx == pytest.approx(want[1], abs=spec.cell * 1e-4)
            assert my == pytest.approx(want[2], abs=spec.cell * 1e-4)
            assert code == want[3]


def test_counts_equal_the_points_path(tiny_table):
    """Same events as EventQuery.window_rows for the whole-data grid."""
    from sahelgis.model.event_query import query_for
    from sahelgis.model.filters import EventFilter
    from sahelgis.model.layers import EventLayer

    frame = tiny_table.frame
    frame.loc[frame.index[:3], "time_precision"] = np.int8(3)
    frame.loc[frame.index[3:5], "time_precision"] = np.int8(2)
    layer = EventLayer(name="t", events=tiny_table)
    query = query_for(layer)
    x, y = layer.display_xy()
    bounds = layer.bounds_display()
    assert bounds is not None
    spec = grid_for_view(bounds, (400, 300), 5.0, bounds)
    flt = EventFilter()
    keep = query.filter_mask(flt)
    for expand in (True, False):
        grid = WindowGrid(
            query.days,
            query.time_precision,
            x,
            y,
            query.type_codes,
            len(query.type_names),
            keep,
            spec,
            expand,
        )
        first, last = query.days[0], query.days[-1]
        day = first
        while day <= last:
            end = day + np.timedelta64(20, "D")
            rows = query.window_rows(day, end, flt, expand)
            assert grid.marks(day, end).total == len(rows)
            day = day + np.timedelta64(9, "D")


def test_grid_for_view_covers_a_margin_and_snaps():
    spec = grid_for_view((0.0, 0.0, 1920.0, 1080.0), (1920, 1080), 5.0, None)
    assert spec.cell <= 5.0
    assert spec.cell > 5.0 / 1.42
    assert spec.contains(-1900.0, -1000.0, 3800.0, 2100.0)
    # panning a little keeps the same cell size and origin multiple
    moved = grid_for_view((10.0, 0.0, 1930.0, 1080.0), (1920, 1080), 5.0, None)
    assert moved.cell == spec.cell
    assert (moved.x0 / moved.cell) == pytest.approx(round(moved.x0 / moved.cell))


def test_empty_grid_and_no_events_in_it(rng):
    days, precision, x, y, codes, keep = _events(rng, 200)
    far = GridSpec(x0=1e7, y0=1e7, cell=10.0, nx=5, ny=5)
    for expand in (True, False):
        grid = WindowGrid(days, precision, x, y, codes, 6, keep, far, expand)
        marks = grid.marks(np.datetime64("2020-01-01"), np.datetime64("2022-01-01"))
        assert marks.total == 0
        assert len(marks.x) == 0


@pytest.mark.parametrize("expand", [True, False])
def test_totals_equal_window_rows(rng, expand):
    """WindowTotals counts what EventQuery.window_rows returns, any window."""
    from sahelgis.model.event_query import EventQuery

    days, precision, _, _, _, keep = _events(rng, 5000)

    class Query(EventQuery):
        def __init__(self) -> None:  # the arrays only, no layer
            self.days, self.time_precision = days, precision

        def filter_mask(self, flt):
            return keep

    query = Query()
    totals = WindowTotals(days, precision, keep, expand)
    for _ in range(60):
        start = np.datetime64("2019-12-01") + np.timedelta64(
            int(rng.integers(0, 950)), "D"
        )
        end = start + np.timedelta64(int(rng.integers(0, 400)), "D")
        rows = query.window_rows(start, end, None, expand)
        assert totals.total(start, end) == len(rows)
