"""Trend per place (issue 21 part 4) against brute force and scipy.

SYNTHETIC seeded events over four lon/lat squares (EPSG:4326); the references
loop over events in plain Python (shapely ``contains``) and call scipy
directly, sharing no code with :mod:`sahelgis.analysis.trend`.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pymannkendall
import pytest
from scipy.stats import theilslopes
from shapely.geometry import Point
from test_change import CONTEXT, SQUARES, _synthetic

from sahelgis.analysis.registry import get, selection_rows
from sahelgis.analysis.trend import (
    METHOD,
    month_range,
    monthly_series,
    place_trend,
    trend_notes,
)
from sahelgis.model.events import EventTable


def _brute_months(events, polygon, rows, months):
    out = dict.fromkeys(months, 0)
    dates = events.dates.astype("datetime64[D]").astype(str)
    for i in rows:
        if polygon.contains(Point(events.lon[i], events.lat[i])):
            out[dates[i][:7]] += 1
    return [out[m] for m in months]


@pytest.mark.parametrize("event_type", [None, ["Battles"]])
def test_series_equals_counts_and_brute_force(event_type) -> None:
    events, _ = _synthetic(11)
    types = np.where(np.arange(len(events)) % 3 == 0, "Riots", "Battles")
    events.frame["event_type"] = types
    values = {"from": "2021-04-10", "to": "2023-08-20", "event_type": event_type}
    rows = selection_rows(events, values)
    for name, polygon in zip(SQUARES["name_fr"], SQUARES.geometry, strict=True):
        series = monthly_series(events, polygon, rows, ("2021-04-10", "2023-08-20"))
        assert list(series.index) == month_range("2021-04", "2023-08")
        assert series.tolist() == _brute_months(
            events, polygon, rows, list(series.index)
        )
        # one answer: the months add up to `counts` for the same window/filter
        spec = get("counts").spec_from({"areas": "cercle", "by": "none"}, CONTEXT)
        table = get("counts").run(events, rows, spec, CONTEXT).table
        total = int(table.loc[table["name_fr"] == name, "count"].sum())
        assert int(series.sum()) == total


def test_trend_equals_scipy_and_change_since() -> None:
    events, _ = _synthetic(5)
    polygon = SQUARES.geometry[1]
    series = monthly_series(events, polygon, None, ("2021-01-01", "2023-12-31"))
    trend = place_trend(series, "NE", "2023-02-17", filter_text="all events")
    y = series.to_numpy(dtype=float)
    x = np.arange(len(y), dtype=float)
    ref = theilslopes(y, x, alpha=0.95)
    assert trend.slope == pytest.approx(ref.slope)
    assert trend.intercept == pytest.approx(ref.intercept)
    assert (trend.slope_low, trend.slope_high) == pytest.approx(
        (ref.low_slope, ref.high_slope)
    )
    mk = pymannkendall.original_test(y)
    assert (trend.tau, trend.p) == pytest.approx((mk.Tau, mk.p))
    before = [c for m, c in series.items() if m < "2023-02"]
    after = [c for m, c in series.items() if m >= "2023-02"]
    assert trend.since == "2023-02"
    assert trend.mean_before == pytest.approx(sum(before) / len(before))
    assert trend.mean_after == pytest.approx(sum(after) / len(after))
    expected = 100 * (trend.mean_after - trend.mean_before) / trend.mean_before
    assert trend.change_pct == pytest.approx(expected, abs=0.05)
    notes = trend_notes(trend)
    assert METHOD in notes
    assert "Place: NE" in notes
    assert f"{series.index[0]} {series.iloc[0]}" in notes


def test_short_or_flat_series() -> None:
    flat = place_trend(
        pd.Series([2, 2, 2], index=["2023-01", "2023-02", "2023-03"]), "x"
    )
    assert flat.slope == 0
    assert math.isnan(flat.p)
    none_before = place_trend(
        pd.Series([0, 0, 4], index=["2023-01", "2023-02", "2023-03"]), "x", "2023-03"
    )
    assert math.isnan(none_before.change_pct)  # before is 0: no percent


def test_registered_trend_equals_the_series_on_both_batch_paths() -> None:
    """`sahelgis trend` (run), and a recipe split in two partitions
    (partial → merge → finish, as the Dask engine runs it), give the series of
    monthly_series for the same window and filter."""
    events, _ = _synthetic(9)
    trend = get("trend")
    spec = trend.spec_from({"areas": "cercle", "place": "sw", "since": "2022-06-15"},
                           CONTEXT)  # fmt: skip
    rows = selection_rows(events, {"from": "2021-02-01", "to": "2023-10-31"})
    result = trend.run(events, rows, spec, CONTEXT)
    expected = monthly_series(events, SQUARES.geometry[2], rows,
                              ("2021-02-01", "2023-10-31"))  # fmt: skip
    table = result.table
    assert table["month"].tolist() == list(expected.index)
    assert table["count"].tolist() == expected.tolist()
    assert result.native.place == "SW"
    assert result.native.since == "2022-06"
    ref = theilslopes(expected.to_numpy(float), np.arange(len(expected), dtype=float))
    assert result.native.slope == pytest.approx(ref.slope)
    # batch: two partitions of the whole table, merged
    prepared = trend.prepare_batch(spec, CONTEXT)
    half = len(events) // 2
    parts = [
        EventTable(events.frame.iloc[a:b].reset_index(drop=True))
        for a, b in ((0, half), (half, len(events)))
    ]
    merged = trend.merge(prepared, [trend.partial(prepared, p) for p in parts])
    batch = trend.finish(prepared, merged).table
    whole = trend.run(events, None, spec, CONTEXT).table
    pd.testing.assert_frame_equal(batch, whole)
    assert batch["count"].sum() == monthly_series(events, SQUARES.geometry[2]).sum()


def test_theil_sen_equals_scipy_on_series_with_ties_and_zeros() -> None:
    from sahelgis.analysis.trend import theil_sen

    rng = np.random.default_rng(7)
    for n in (2, 3, 12, 41, 78):
        for _ in range(5):
            y = rng.poisson(rng.uniform(0.2, 6.0), n).astype(float)
            x = np.arange(n, dtype=float)
            ref = theilslopes(y, x, alpha=0.95)
            got = theil_sen(y, x)
            assert got == pytest.approx(
                (ref.slope, ref.intercept, ref.low_slope, ref.high_slope),
                nan_ok=True,
            ), (n, y)
