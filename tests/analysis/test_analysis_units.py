import pytest

from sahelgis.analysis.units import (
    format_distance,
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
