import numpy as np
import pytest

from sahelgis.model.time_window import (
    TimeWindow,
    add_steps,
    floor_to_step,
    format_window,
    period_bounds,
    step_bins,
)

D = np.datetime64


@pytest.mark.parametrize(
    ("day", "step", "expected"),
    [
        ("2024-02-29", "day", "2024-02-29"),
        ("2024-02-29", "week", "2024-02-26"),  # a Thursday -> Monday
        ("2024-03-03", "week", "2024-02-26"),  # a Sunday -> Monday before
        ("2024-02-29", "month", "2024-02-01"),
        ("2024-11-30", "quarter", "2024-10-01"),
        ("2024-02-29", "year", "2024-01-01"),
    ],
)
def test_floor_to_step(day, step, expected):
    assert floor_to_step(D(day), step) == D(expected)


@pytest.mark.parametrize(
    ("day", "step", "count", "expected"),
    [
        ("2024-01-31", "month", 1, "2024-02-29"),  # leap year clamps
        ("2023-01-31", "month", 1, "2023-02-28"),
        ("2024-03-01", "month", -1, "2024-02-01"),
        ("2024-02-29", "year", 1, "2025-02-28"),
        ("2023-11-01", "quarter", 1, "2024-02-01"),
        ("2024-02-26", "week", 1, "2024-03-04"),
        ("2024-02-28", "day", 2, "2024-03-01"),
    ],
)
def test_add_steps(day, step, count, expected):
    assert add_steps(D(day), step, count) == D(expected)


def test_step_bins_cover_span_with_closing_boundary():
    bins = step_bins(D("2023-02-15"), D("2023-05-02"), "month")
    assert [str(b) for b in bins] == [
        "2023-02-01",
        "2023-03-01",
        "2023-04-01",
        "2023-05-01",
        "2023-06-01",
    ]
    weeks = step_bins(D("2024-02-28"), D("2024-03-04"), "week")
    assert [str(b) for b in weeks] == ["2024-02-26", "2024-03-04", "2024-03-11"]


def test_labels():
    assert format_window(D("2023-03-01"), D("2024-02-29")) == "Mar 2023 – Feb 2024"
    assert format_window(D("2023-03-01"), D("2023-03-31")) == "Mar 2023"
    assert format_window(D("2020-01-01"), D("2023-12-31")) == "2020 – 2023"
    assert format_window(D("2024-02-28"), D("2024-03-05")) == (
        "28 Feb 2024 – 5 Mar 2024"
    )


def test_period_bounds_follow_acled_precision():
    dates = np.array(["2024-02-28", "2024-02-28", "2024-02-28"], dtype="datetime64[s]")
    lo, hi = period_bounds(dates, np.array([1, 2, 3]))
    assert [str(v) for v in lo] == ["2024-02-28", "2024-02-26", "2024-02-01"]
    assert [str(v) for v in hi] == ["2024-02-28", "2024-03-03", "2024-02-29"]


def rolling(start="2023-03-01", end="2024-02-29", step="month"):
    window = TimeWindow()
    window.set_span("2018-01-05", "2024-06-30")
    window.set_step(step)
    window.set_mode("rolling")
    window.set_window(start, end)
    return window


def test_rolling_window_moves_by_calendar_months_across_leap_day():
    window = rolling()
    moves = []
    window.changed.connect(lambda s, e: moves.append((str(s), str(e))))
    assert window.step_forward()
    assert window.label() == "Apr 2023 – Mar 2024"
    assert window.step_back()
    assert window.step_back()
    assert window.label() == "Feb 2023 – Jan 2024"
    assert moves == [
        ("2023-04-01", "2024-03-31"),
        ("2023-03-01", "2024-02-29"),
        ("2023-02-01", "2024-01-31"),
    ]


def test_rolling_stops_at_span_end_unless_looping():
    window = rolling("2024-06-01", "2024-06-30")
    window.length = 1
    assert window.step_forward() is False
    assert window.label() == "Jun 2024"
    window.set_option("loop", True)
    assert window.step_forward()
    assert window.label() == "Jan 2018"


def test_cumulative_grows_from_span_start_and_loops():
    window = TimeWindow()
    window.set_span("2018-01-05", "2019-12-20")
    window.set_step("year")
    assert window.window() == (D("2018-01-01"), D("2019-12-20"))
    window.set_window("2018-01-01", "2018-12-31")
    assert window.step_forward()
    assert window.window() == (D("2018-01-01"), D("2019-12-31"))
    assert window.step_forward() is False
    window.set_option("loop", True)
    assert window.step_forward()
    assert window.window() == (D("2018-01-01"), D("2018-12-31"))
    assert window.step_back() is False


def test_switching_to_rolling_keeps_end_and_uses_length():
    window = TimeWindow()
    window.set_span("2018-01-05", "2024-06-30")
    window.length = 3
    window.set_mode("rolling")
    assert window.window() == (D("2024-04-01"), D("2024-06-30"))


def test_trail_is_the_steps_before_the_window():
    window = rolling("2023-03-01", "2023-05-31")
    window.set_option("trail", 2)
    assert window.trail_window() == (D("2023-01-01"), D("2023-02-28"))


def test_round_trip_dict():
    window = rolling()
    window.set_option("trail", 3)
    again = TimeWindow()
    again.set_span(*window.span)
    again.update_from_dict(window.to_dict())
    assert again.to_dict() == window.to_dict()


def test_rewind_goes_to_the_first_step_in_both_modes():
    from sahelgis.model.time_window import TimeWindow

    tw = TimeWindow()
    tw.set_span("2018-01-03", "2024-06-30")
    assert tw.at_end()
    assert tw.rewind()
    assert (str(tw.start), str(tw.end)) == ("2018-01-01", "2018-01-31")
    assert not tw.at_end()
    tw.set_mode("rolling")
    tw.set_option("length", 3)
    tw.set_window("2024-01-01", "2024-06-30")
    assert tw.at_end()
    tw.rewind()
    assert (str(tw.start), str(tw.end)) == ("2018-01-01", "2018-03-31")
    assert not TimeWindow().rewind()  # no data, no window


def test_a_slider_drag_moves_only_the_dragged_end_snapped_to_the_step():
    from sahelgis.model.time_window import TimeWindow

    tw = TimeWindow()
    tw.set_span("2018-01-03", "2024-06-30")
    assert (str(tw.start), str(tw.end)) == ("2018-01-01", "2024-06-30")
    # the slider covers whole steps, so the window's start (1 Jan) is on it
    assert [str(d) for d in tw.slider_span()] == ["2018-01-01", "2024-06-30"]
    # the end handle released mid-March 2021: the start stays 1 Jan 2018
    start, end = tw.dragged("high", "2018-01-08", "2021-03-17")
    assert (str(start), str(end)) == ("2018-01-01", "2021-03-31")
    # the start handle released on 12 Feb 2020: the end stays
    start, end = tw.dragged("low", "2020-02-12", "2024-06-29")
    assert (str(start), str(end)) == ("2020-02-01", "2024-06-30")
    # the band: both ends snap
    start, end = tw.dragged("band", "2019-05-20", "2020-05-20")
    assert (str(start), str(end)) == ("2019-05-01", "2020-05-31")
    tw.set_step("year")
    start, end = tw.dragged("high", "2018-01-01", "2021-03-17")
    assert str(end) == "2021-12-31"
