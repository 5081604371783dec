import datetime as dt

import numpy as np
import pytest

from sahelgis.analysis.units import (
    MAX_DISTANCE_M,
    check_bbox,
    check_count,
    check_distance_km,
    check_lonlat,
    check_number,
    format_distance,
    parse_day,
    parse_distance,
    parse_distances,
    unit_of,
)


@pytest.mark.parametrize(
    ("text", "metres"),
    [
        ("70mi", 112_654.08),
        ("70 mi", 112_654.08),
        ("70 miles", 112_654.08),
        ("10km", 10_000.0),
        ("25 km", 25_000.0),
        ("500m", 500.0),
        ("1.5 km", 1_500.0),
        ("1,5 km", 1_500.0),
        ("2 KM", 2_000.0),
        ("1 nmi", 1_852.0),
        ("50", 50_000.0),
        (50, 50_000.0),
    ],
)
def test_parse_distance(text, metres):
    assert parse_distance(text) == pytest.approx(metres, abs=1e-6)


def test_seventy_miles_is_exact():
    assert parse_distance("70mi") == 112_654.08


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ten km", "cannot read distance"),
        ("10 furlongs", "unknown distance unit"),
        ("0 km", "greater than zero"),
        ("-5km", "greater than zero"),
        ("", "cannot read distance"),
    ],
)
def test_parse_distance_errors(text, message):
    with pytest.raises(ValueError, match=message):
        parse_distance(text)


def test_bare_number_needs_unit_when_no_default():
    with pytest.raises(ValueError, match="has no unit"):
        parse_distance("50", default_unit=None)


def test_parse_distances_lists():
    assert parse_distances("10, 25, 50 km") == [10_000.0, 25_000.0, 50_000.0]
    assert parse_distances("10km;70mi") == pytest.approx([10_000.0, 112_654.08])
    assert parse_distances("10,25km,1mi") == pytest.approx(
        [10_000.0, 25_000.0, 1_609.344]
    )
    with pytest.raises(ValueError, match="no distance"):
        parse_distances(" , ")


def test_format_distance_round_trips():
    assert format_distance(50_000) == "50 km"
    assert format_distance(112_654.08, "mi") == "70 mi"
    assert format_distance(112_654.08, "km") == "112.654 km"
    assert format_distance(500, "m") == "500 m"
    assert parse_distance(format_distance(123_456.0)) == pytest.approx(123_456.0)


def test_unit_of():
    assert unit_of("70mi") == "mi"
    assert unit_of("10, 25 km") == "km"
    assert unit_of("500 metres") == "m"
    assert unit_of("50") == "km"


# ----------------------------------------------------------------- bounds ---
@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1e9 km", "larger than the 2,000 km limit"),
        ("2000.001 km", "2,000 km limit"),
        (float("nan"), "not a finite number"),
        (float("inf"), "not a finite number"),
        ("1e400 km", "not a finite number"),
        (1e9, "2,000 km limit"),
    ],
)
def test_distances_are_bounded(value, message):
    with pytest.raises(ValueError, match=message):
        parse_distance(value)


def test_the_largest_distance_passes():
    assert parse_distance("2000 km") == MAX_DISTANCE_M
    assert parse_distance("1242 mi") < MAX_DISTANCE_M


def test_distance_lists_are_bounded():
    with pytest.raises(ValueError, match="2,000 km limit"):
        parse_distances("10, 25, 1e9 km")


@pytest.mark.parametrize(
    ("value", "allow_zero", "message"),
    [
        (float("nan"), False, "eps_km = nan: expected a finite number"),
        (-1.0, True, "must be at least 0"),
        (0, False, "must be greater than 0"),
        (1e9, False, "larger than the 2,000 km limit"),
        ("5", False, "expected a number"),
        (True, False, "expected a number"),
    ],
)
def test_km_parameters_are_bounded(value, allow_zero, message):
    with pytest.raises(ValueError, match=message):
        check_distance_km(value, "eps_km", allow_zero=allow_zero)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (-1, "min_fatalities = -1: expected 0 to 1,000,000"),
        (1_000_001, "expected 0 to 1,000,000"),
        (2.5, "expected a whole number"),
        (float("nan"), "expected a finite number"),
        ("3", "expected a number"),
    ],
)
def test_counts_are_bounded(value, message):
    with pytest.raises(ValueError, match=message):
        check_count(value, "min_fatalities")


def test_counts_and_numbers_within_bounds_pass():
    assert check_count(3.0, "n") == 3
    assert check_count(1_000_000, "n") == 1_000_000
    assert check_number(-2.5, "x", -3, 3) == -2.5


@pytest.mark.parametrize(
    "box",
    [
        [-1e308, -1e308, 1e308, 1e308],
        [-500, 10, 500, 20],
        [0, -91, 1, 0],
        [float("nan"), 0, 1, 1],
        [5, 0, 1, 1],
        [0, 0, 1],
        "0,0,1,1",
    ],
)
def test_bad_boxes_are_refused(box):
    with pytest.raises(ValueError, match="bbox"):
        check_bbox(box)


def test_a_world_box_passes():
    assert check_bbox([-180, -90, 180, 90]) == (-180.0, -90.0, 180.0, 90.0)


def test_positions_are_checked():
    assert check_lonlat(-7.5, 15, "at") == (-7.5, 15.0)
    with pytest.raises(ValueError, match="at = "):
        check_lonlat(200, 0, "at")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("99999-01-01", "write the date as YYYY-MM-DD"),
        ("1899-12-31", "the year must be 1900 to 2100"),
        ("2101-01-01", "the year must be 1900 to 2100"),
        (dt.date(1850, 1, 1), "the year must be 1900 to 2100"),
        ("2024-02-30", "no such day"),
        ("yesterday", "write the date as YYYY-MM-DD"),
        (20240101, "write the date as YYYY-MM-DD"),
    ],
)
def test_days_are_bounded(value, message):
    with pytest.raises(ValueError, match=message):
        parse_day(value, "--from")


def test_days_within_bounds_pass():
    assert parse_day(" 2024-02-29 ", "--from") == np.datetime64("2024-02-29")
    assert parse_day(dt.date(1900, 1, 1), "from") == np.datetime64("1900-01-01")
    assert parse_day(dt.datetime(2100, 12, 31, 5), "to") == np.datetime64("2100-12-31")
