"""Ground distances typed by analysts: "70mi", "10km", "500 m", "25 km" → metres.

Miles are international statute miles (1 mi = 1,609.344 m, so 70 mi =
112,654.08 m); nautical miles are ``nmi``. A bare number takes
``default_unit`` (km unless told otherwise). A single comma between digits is a
decimal comma in a single distance ("1,5 km"); in a list of distances commas
and semicolons separate the items, and numbers without a unit share the next
unit written ("10, 25, 50 km"; use dots for decimals there).
"""

from __future__ import annotations

import math
import re

__all__ = [
    "KM",
    "MILE",
    "UNITS",
    "format_distance",
    "parse_distance",
    "parse_distances",
    "unit_of",
]

KM = 1000.0
MILE = 1609.344
NAUTICAL_MILE = 1852.0

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
    text: str | float, default_unit: str | None = "km", *, allow_zero: bool = False
) -> float:
    """A typed distance in metres.

    Parameters
    ----------
    text
        "70mi", "70 miles", "10km", "500 m", "1.5 km", "1,5 km"; a plain number
        (or a bare numeric string) is in ``default_unit``.
    default_unit
        Unit of bare numbers; ``None`` makes a unit mandatory.
    allow_zero
        Accept 0 (e.g. for an exclusion radius); negative values never pass.

    Raises
    ------
    ValueError
        With a message naming the text and what is accepted.
    """
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        number, unit, source = float(text), "", str(text)
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
    return metres


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
