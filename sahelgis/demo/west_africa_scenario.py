"""The West Africa scenario: its model and its data file.

The scenario itself is data, ``sahelgis/demo/scenarios/west_africa.toml``: the
yearly shape of the series, the share of control indicators, the countries
(approximate boxes and towns) with their profiles (regimes, armed groups, mix
of events, partners, hotspots), the fatality models and the event templates
expanded per country. This module holds the frozen dataclasses it is read into
(:class:`Country`, :class:`_Profile`, :class:`_Armed`, :class:`_Template`) and
the module-level values the engine uses (:data:`WEST_AFRICA_COUNTRIES`,
:data:`YEAR_WEIGHTS`, :data:`CONTROL_SHARE`, ...); the engine is
:mod:`sahelgis.demo.west_africa_tables` and
:mod:`sahelgis.demo.synthetic_west_africa`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sahelgis.demo.engine import load_scenario

_DATA = load_scenario("west_africa")

FIRST_YEAR: int = _DATA["scenario"]["first_year"]
LAST_YEAR: int = _DATA["scenario"]["last_year"]

SOURCE_TEXT = "SYNTHETIC demo data (SahelGIS West Africa generator, not ACLED)"

JNIM = "JNIM: Group for Support of Islam and Muslims"
ISS = "Islamic State (Sahel)"
ISWAP = "ISWAP: Islamic State West Africa Province"
BOKO_HARAM = "Boko Haram - Jamaatu Ahli is-Sunnah lid-Dawati wal-Jihad"

#: Share of the events of Mali and Burkina Faso that are control indicators
#: (JNIM zakat, school closures, ...), by year, rising as JNIM's hold grew: about
#: 1.5 % over 2018–2024 (plus ~0.2 % bases/overruns the rules also count).
CONTROL_SHARE: dict[int, float] = {
    int(year): share for year, share in _DATA["control_share"].items()
}
CONTROL_FROM = min(CONTROL_SHARE)

#: Relative number of events per year, shaped like ACLED's West Africa series.
YEAR_WEIGHTS: dict[int, float] = {
    int(year): weight for year, weight in _DATA["year_weights"].items()
}

#: Approximate Bamako–Nara axis (lon, lat), south to north: Bamako, Kati,
#: Kolokani, the RN4 south of Mourdiah, Mourdiah, Nara. Not a surveyed road.
MALI_RN4_AXIS: tuple[tuple[float, float], ...] = tuple(
    (lon, lat) for lon, lat in _DATA["scenario"]["mali_rn4_axis"]
)
_CROWD_TAGS: tuple[tuple[str, float], ...] = tuple(
    (tag, p) for tag, p in _DATA["scenario"]["crowd_tags"]
)

#: Fatalities: (p_zero, mu, sigma, cap) of a rounded log-normal, zero with p_zero.
Fatal = tuple[float, float, float, int]
_FATAL: dict[str, Fatal] = {k: tuple(v) for k, v in _DATA["fatal"].items()}
F_NONE: Fatal = _FATAL["none"]


@dataclass(frozen=True)
class Country:
    """One country: ACLED name and numeric iso, approximate bbox and towns.

    Attributes
    ----------
    name
        ACLED's spelling ("Cote d'Ivoire").
    iso
        ACLED's numeric iso code (ISO 3166-1 numeric), e.g. 466 for Mali.
    bbox
        ``(west, south, east, north)``, WGS84 degrees, approximate.
    towns
        ``(name, lon, lat)`` of a few real towns, approximate, most active first.
    weight
        Relative share of the events (before the per-year history).
    """

    name: str
    iso: int
    bbox: tuple[float, float, float, float]
    towns: tuple[tuple[str, float, float], ...]
    weight: float


@dataclass(frozen=True)
class _Armed:
    """A non-state armed actor of a country and how notes call it."""

    name: str
    who: str  # "JNIM militants"
    tag: str  # "JNIM" (in "...; JNIM suspected")
    first: int = FIRST_YEAR
    last: int = LAST_YEAR
    weight: float = 1.0
    inter: str = "Rebel group"
    organised: bool = True  # False: unidentified gunmen (no bases, no airstrikes)


@dataclass(frozen=True)
class _Profile:
    """What shapes a country's events beyond :class:`Country`.

    ``eras`` are the first years of the regimes that ACLED's state-force names
    carry ("Military Forces of Mali (2012-2020)"), approximate. ``mix`` is the
    share of armed-group, state, communal-militia and demonstration events.
    ``factors`` multiply the country's weight over ``(first, last)`` years.
    ``hotspots`` place control indicators: ``(town, dlon, dlat, sigma_km,
    weight)``.
    """

    demonym: str
    eras: tuple[int, ...]
    armed: tuple[_Armed, ...]
    mix: tuple[float, float, float, float]
    uag_weight: float = 0.5
    militia: tuple[str, str, int] | None = None  # name, who, first year
    partner: tuple[tuple[int, int, str], ...] = ()  # (first, last, name)
    factors: tuple[tuple[int, int, float], ...] = ()
    hotspots: tuple[tuple[str, float, float, float, float], ...] = ()
    region: str = "Western Africa"


@dataclass(frozen=True)
class _Template:
    """A kind of event, its roles and note phrases, expanded per country.

    Roles: ``armed`` (each armed actor of the country), ``mil``, ``pol``,
    ``civ``, ``pro``, ``rio``, ``militia`` or ``""``. Phrases use ``{a1}``/``{a2}``
    (how notes call the actors), ``{t1}``/``{t2}`` (short tags) and ``{loc}``
    once. ``group`` picks the country's ``mix`` share (``control``: hotspots).
    """

    group: str
    event_type: str
    sub_event_type: str
    actor1: str
    actor2: str
    weight: float
    phrases: tuple[str, ...]
    fatal: Fatal = F_NONE
    assoc1: float = 0.0  # probability that the country's partner is assoc_actor_1
    assoc2: float = 0.0
    tags: bool = False
    organised: bool = False  # armed role: only named groups, not gunmen
    jnim_only: bool = False
    first: int = FIRST_YEAR


def _tuples(items: list[list[Any]]) -> tuple[tuple[Any, ...], ...]:
    return tuple(tuple(item) for item in items)


def _profile(raw: dict[str, Any]) -> _Profile:
    extra: dict[str, Any] = {k: raw[k] for k in ("uag_weight", "region") if k in raw}
    if "militia" in raw:
        extra["militia"] = tuple(raw["militia"])
    for k in ("partner", "factors", "hotspots"):
        if k in raw:
            extra[k] = _tuples(raw[k])
    return _Profile(
        raw["demonym"],
        tuple(raw["eras"]),
        tuple(_Armed(**a) for a in raw["armed"]),
        tuple(raw["mix"]),
        **extra,
    )


def _template(raw: dict[str, Any]) -> _Template:
    raw = dict(raw)
    raw["phrases"] = tuple(raw["phrases"])
    if "fatal" in raw:
        raw["fatal"] = _FATAL[raw["fatal"]]
    return _Template(**raw)


WEST_AFRICA_COUNTRIES: tuple[Country, ...] = tuple(
    Country(c["name"], c["iso"], tuple(c["bbox"]), _tuples(c["towns"]), c["weight"])
    for c in _DATA["countries"]
)
_PROFILES: dict[str, _Profile] = {c["name"]: _profile(c) for c in _DATA["countries"]}
_TEMPLATES: tuple[_Template, ...] = tuple(_template(t) for t in _DATA["templates"])
