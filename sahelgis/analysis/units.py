"""Ground distances typed by analysts: "70mi", "10km", "500 m", "25 km" → metres.

Miles are international statute miles (1 mi = 1,609.344 m, so 70 mi =
112,654.08 m); nautical miles are ``nmi``. A bare number takes
``default_unit`` (km unless told otherwise). A single comma between digits is a
decimal comma in a single distance ("1,5 km"); in a list of distances commas
and semicolons separate the items, and numbers without a unit share the next
unit written ("10, 25, 50 km"; use dots for decimals there).

Every numeric parameter an analyst, a recipe or a command line gives is checked
here against stated bounds, so a radius of 1e9 km or a box of ±1e308 degrees is
refused with one line naming the parameter instead of silently counting
everything:

- ground distances (radius, corridor width, segment, hull margin, hexagon
  size, DBSCAN radius): finite, greater than zero (or zero where allowed) and at
  most :data:`MAX_DISTANCE_M` (2,000 km);
- boxes: four finite numbers, longitudes in -180..180, latitudes in -90..90,
  west < east and south < north;
- days: ``YYYY-MM-DD`` with the year in :data:`FIRST_YEAR`..:data:`LAST_YEAR`;
- counts (minimum events, fatalities, classes): whole numbers from their lower
  bound to :data:`MAX_COUNT` (1,000,000).

NaN and infinities never pass.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "FIRST_YEAR",
    "KM",
    "LAST_YEAR",
    "MAX_COUNT",
    "MAX_DISTANCE_M",
    "MILE",
    "UNITS",
    "check_bbox",
    "check_count",
    "check_distance_km",
    "check_lonlat",
    "check_number",
    "check_numbers",
    "format_distance",
    "parse_day",
    "parse_distance",
    "parse_distances",
    "unit_of",
]

KM = 1000.0
MILE = 1609.344
NAUTICAL_MILE = 1852.0

#: Largest ground distance accepted for any parameter, metres (2,000 km: wider
#: than Mali, far below the ~20,000 km beyond which a radius means "everywhere").
MAX_DISTANCE_M = 2_000_000.0
#: Largest count accepted for a count parameter (min events, fatalities, ...).
MAX_COUNT = 1_000_000
#: Years a date parameter may fall in (ACLED starts in 1997).
FIRST_YEAR, LAST_YEAR = 1900, 2100

#: Accepted unit spellings (lowercase) and their length in metres.
UNITS: dict[str, float] = {
    "m": 1.0,
    "metre": 1.0,
    "metres": 1.0,
    "meter": 1.0,
    "meters": 1.0,
    "km": KM,
    "kms": KM,
    "kilometre": KM,
    "kilometres": KM,
    "kilometer": KM,
    "kilometers": KM,
    "mi": MILE,
    "mile": MILE,
    "miles": MILE,
    "nmi": NAUTICAL_MILE,
    "nm": NAUTICAL_MILE,
}
#: The canonical short name of each unit, for formatting.
_CANONICAL = {1.0: "m", KM: "km", MILE: "mi", NAUTICAL_MILE: "nmi"}

_NUMBER = r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?"
_DISTANCE_RE = re.compile(rf"^\s*({_NUMBER})\s*([a-zA-Z]*)\s*$")
_LIST_ITEM_RE = re.compile(rf"\s*({_NUMBER})\s*([a-zA-Z]*)\s*")


def _unit_metres(unit: str, text: str) -> float:
    key = unit.strip().lower()
    if key not in UNITS:
        known = "m, km, mi (miles), nmi"
        raise ValueError(f"unknown distance unit {unit!r} in {text!r}; use {known}")
    return UNITS[key]


def _number(value: str, text: str) -> float:
    try:
        number = float(value.replace(",", "."))
    except ValueError:
        raise ValueError(f"cannot read a number in {text!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"distance {text!r} is not a finite number")
    return number


def parse_distance(
    text: str | float,
    default_unit: str | None = "km",
    *,
    allow_zero: bool = False,
    max_m: float = MAX_DISTANCE_M,
) -> float:
    """A typed distance in metres, at most ``max_m``.

    Parameters
    ----------
    text
        "70mi", "70 miles", "10km", "500 m", "1.5 km", "1,5 km"; a plain number
        (or a bare numeric string) is in ``default_unit``.
    default_unit
        Unit of bare numbers; ``None`` makes a unit mandatory.
    allow_zero
        Accept 0 (e.g. for an exclusion radius); negative values never pass.
    max_m
        Largest distance accepted, metres (default :data:`MAX_DISTANCE_M`).

    Raises
    ------
    ValueError
        With a message naming the text and what is accepted.
    """
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        number, unit, source = float(text), "", str(text)
        if not math.isfinite(number):
            raise ValueError(f"distance {source!r} is not a finite number")
    else:
        source = str(text)
        match = _DISTANCE_RE.match(source)
        if match is None:
            raise ValueError(
                f"cannot read distance {source!r}; write a number and a unit, "
                "e.g. 50km, 70mi, 500m"
            )
        number, unit = _number(match.group(1), source), match.group(2)
    if unit:
        factor = _unit_metres(unit, source)
    elif default_unit is None:
        raise ValueError(
            f"distance {source!r} has no unit; write e.g. {source}km or {source}mi"
        )
    else:
        factor = _unit_metres(default_unit, source)
    metres = number * factor
    if not math.isfinite(metres) or metres < 0 or (metres == 0 and not allow_zero):
        raise ValueError(f"distance {source!r} must be greater than zero")
    if metres > max_m:
        raise ValueError(
            f"distance {source!r} is larger than the {_km_text(max_m)} limit"
        )
    return metres


def _km_text(metres: float) -> str:
    return f"{metres / KM:,.0f} km"


def parse_distances(text: str, default_unit: str | None = "km") -> list[float]:
    """Several distances in metres, e.g. "10, 25, 50 km" or "10km; 70mi".

    Items are separated by commas or semicolons. Numbers without a unit take the
    next unit written ("10, 25, 50 km" → 10, 25 and 50 km), else
    ``default_unit``.
    """
    source = str(text)
    items: list[tuple[str, str]] = []
    for part in re.split(r"[;,]", source):
        if not part.strip():
            continue
        match = _DISTANCE_RE.match(part)
        if match is None:
            raise ValueError(
                f"cannot read distance {part.strip()!r} in {source!r}; write "
                "e.g. 10km, 25km or 10, 25, 50 km"
            )
        items.append((match.group(1), match.group(2)))
    if not items:
        raise ValueError(f"no distance in {source!r}")
    out: list[float] = []
    pending: list[str] = []
    for number, unit in items:
        pending.append(number)
        if unit:
            out += [parse_distance(f"{v}{unit}", None) for v in pending]
            pending = []
    out += [parse_distance(v, default_unit) for v in pending]
    return out


def unit_of(text: str, default: str = "km") -> str:
    """The canonical unit ("m", "km", "mi", "nmi") written in a distance text."""
    match = _LIST_ITEM_RE.findall(str(text))
    for _, unit in reversed(match):
        if unit:
            return _CANONICAL.get(_unit_metres(unit, str(text)), default)
    return default


def format_distance(metres: float, unit: str = "km", digits: int = 3) -> str:
    """A distance for labels: ``format_distance(50_000)`` → "50 km".

    Parameters
    ----------
    metres
        The distance in metres.
    unit
        "m", "km", "mi" or "nmi" (any spelling :data:`UNITS` knows).
    digits
        Maximum decimals; trailing zeros are dropped (112,654.08 m in miles is
        "70 mi", in km "112.654 km").
    """
    factor = _unit_metres(unit, unit)
    name = _CANONICAL.get(factor, unit)
    value = metres / factor
    text = f"{value:.{digits}f}".rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return f"{text} {name}"


# ----------------------------------------------------------------- bounds ---
def _finite(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
        raise ValueError(f"{name} = {value!r}: expected a number")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{name} = {value!r}: expected a finite number")
    return number


def check_number(value: Any, name: str, low: float, high: float) -> float:
    """A finite number within ``low``..``high`` (inclusive).

    Parameters
    ----------
    value
        The number given (text is refused: parse it first).
    name
        The parameter, for the message (``"breaks"``).
    low, high
        Inclusive bounds, in the parameter's own unit.

    Raises
    ------
    ValueError
        One line naming the parameter, the value and the bounds.
    """
    number = _finite(value, name)
    if not low <= number <= high:
        raise ValueError(f"{name} = {value!r}: expected {low:g} to {high:g}")
    return number


def check_distance_km(value: Any, name: str, *, allow_zero: bool = False) -> float:
    """A ground distance given as a number of kilometres, checked; in km.

    Parameters
    ----------
    value
        Kilometres (e.g. a rules file's ``eps_km``).
    name
        The parameter, for the message.
    allow_zero
        Accept 0 (a hull margin may be 0); negative values never pass.

    Raises
    ------
    ValueError
        Not a finite number, below zero (or zero) or above
        :data:`MAX_DISTANCE_M`.
    """
    km = _finite(value, name)
    limit = MAX_DISTANCE_M / KM
    if km < 0 or (km == 0 and not allow_zero):
        relation = "at least 0" if allow_zero else "greater than 0"
        raise ValueError(f"{name} = {value!r} km: must be {relation}")
    if km > limit:
        raise ValueError(
            f"{name} = {value!r} km: larger than the {limit:,.0f} km limit"
        )
    return km


def check_count(value: Any, name: str, low: int = 0, high: int = MAX_COUNT) -> int:
    """A whole number within ``low``..``high`` (inclusive).

    ``3.0`` passes as 3; ``2.5``, text, booleans, NaN and infinities do not.

    Raises
    ------
    ValueError
        One line naming the parameter, the value and the bounds.
    """
    number = _finite(value, name)
    if number != int(number):
        raise ValueError(f"{name} = {value!r}: expected a whole number")
    if not low <= number <= high:
        raise ValueError(f"{name} = {value!r}: expected {low:,} to {high:,}")
    return int(number)


def check_lonlat(lon: Any, lat: Any, name: str) -> tuple[float, float]:
    """A WGS84 position in degrees: finite, lon in -180..180, lat in -90..90."""
    lon_f, lat_f = _finite(lon, name), _finite(lat, name)
    if not (-180 <= lon_f <= 180 and -90 <= lat_f <= 90):
        raise ValueError(
            f"{name} = [{lon!r}, {lat!r}]: expected [lon, lat] with lon in "
            "-180..180 and lat in -90..90 degrees"
        )
    return lon_f, lat_f


def check_bbox(values: Any, name: str = "bbox") -> tuple[float, float, float, float]:
    """A lon/lat box ``[west, south, east, north]`` in WGS84 degrees.

    Raises
    ------
    ValueError
        Not four finite numbers, outside -180..180 / -90..90, or empty
        (west >= east or south >= north).
    """
    shape = "give [west, south, east, north] in degrees"
    if not isinstance(values, (list, tuple)) or len(values) != 4:
        raise ValueError(f"{name} = {values!r}: {shape}")
    west, south, east, north = (_finite(v, name) for v in values)
    if not all(-180 <= v <= 180 for v in (west, east)) or not all(
        -90 <= v <= 90 for v in (south, north)
    ):
        raise ValueError(
            f"{name} = {list(values)!r}: longitudes must be in -180..180 and "
            "latitudes in -90..90 degrees"
        )
    if not (west < east and south < north):
        raise ValueError(f"{name} = {list(values)!r}: empty box; {shape}")
    return west, south, east, north


_DAY_RE = re.compile(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*")


def parse_day(value: Any, name: str) -> np.datetime64:
    """A day written ``YYYY-MM-DD`` (or a TOML date) as ``datetime64[D]``.

    The year must lie within :data:`FIRST_YEAR`..:data:`LAST_YEAR`.

    Raises
    ------
    ValueError
        One line naming the parameter and the value.
    """
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        year, month, day = value.year, value.month, value.day
    else:
        match = _DAY_RE.fullmatch(str(value)) if isinstance(value, str) else None
        if match is None:
            raise ValueError(f"{name} = {value!r}: write the date as YYYY-MM-DD")
        year, month, day = (int(g) for g in match.groups())
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(
            f"{name} = {value!r}: the year must be {FIRST_YEAR} to {LAST_YEAR}"
        )
    try:
        return np.datetime64(dt.date(year, month, day), "D")
    except ValueError:
        raise ValueError(f"{name} = {value!r}: no such day") from None


def check_numbers(values: Sequence[Any], name: str) -> list[float]:
    """Finite numbers (e.g. class breaks); NaN and infinities are refused."""
    return [_finite(v, name) for v in values]
