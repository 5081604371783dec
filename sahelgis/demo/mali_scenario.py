"""The southern Mali demo scenario: its model and its data file.

The scenario itself is data, ``sahelgis/demo/scenarios/southern_mali.toml``:
actors and their regime names, fatality models, kinds of event with their note
phrases, fixed anchor events and the patterns that share the rows. This module
holds the frozen dataclasses it is read into (:class:`Kind`, :class:`Around`,
:class:`Along`, :class:`Pattern`, :class:`Anchor`, :class:`Fatal`) and
:func:`mali_scenario`, which reads it; the engine that samples from it is
:mod:`sahelgis.demo.synthetic_events` with :mod:`sahelgis.demo.mali_places`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from sahelgis.demo.engine import load_scenario

Choice = tuple[tuple[str, float], ...]
NOBODY: Choice = (("", 1.0),)


@dataclass(frozen=True)
class Fatal:
    """Fatalities: zero with ``p_zero``, else a rounded log-normal (heavy tail)."""

    p_zero: float = 1.0
    mu: float = 0.0
    sigma: float = 0.0
    cap: int = 150


F_NONE = Fatal()


@dataclass(frozen=True)
class Kind:
    """One kind of event: its types, actors, fatality model and note phrases.

    Each phrase holds ``{loc}`` once; the event's location name goes there.
    """

    event_type: str
    sub_event_type: str
    actor1: Choice
    actor2: Choice = NOBODY
    phrases: tuple[str, ...] = ()
    weight: float = 1.0
    assoc1: Choice = NOBODY
    assoc2: Choice = NOBODY
    fatal: Fatal = F_NONE
    tags: Choice = NOBODY


@dataclass(frozen=True)
class Around:
    """Events scattered (Gaussian, ``sigma_km``) around a town or a lon/lat point."""

    where: str | tuple[float, float]
    sigma_km: float
    weight: float = 1.0


@dataclass(frozen=True)
class Along:
    """Events strung along a road, within ``max_km`` of it (Gaussian ``sd_km``).

    ``road`` is "RN3", "RN6" (from ``roads_national``), "RN4" (the approximate RN4
    with its southern extension) or "Banamba-Nara" (a straight link). Only the
    part from ``start_km`` to ``end_km`` along the road is used.
    """

    road: str
    sd_km: float
    max_km: float
    weight: float = 1.0
    start_km: float = 0.0
    end_km: float | None = None


Site = Around | Along


@dataclass(frozen=True)
class Pattern:
    """a group of events: share of rows, time window and growth, places, kinds.

    Dates follow a density growing by ``exp(growth)`` per year between ``start``
    and ``end``. ``p_geo3`` of the events are coded to their cercle's capital
    (geo_precision 3). ``min_count`` keeps a pattern visible in small samples.
    """

    name: str
    weight: float
    start: date
    end: date
    growth: float
    sites: tuple[Site, ...]
    kinds: tuple[Kind, ...]
    p_geo3: float = 0.0
    min_count: int = 0


@dataclass(frozen=True)
class Anchor:
    """One fixed event of the report (the suicide bombs, the RN4 base overrun).

    Placed at a town (``place`` + ``offset_km`` east/north), or on the RN4
    ``rn4_km`` from Mourdiah (negative: south), or on the RN4 extension at
    ``rn4_from_bamako_km`` from Bamako.
    """

    day: date
    kind: Kind
    fatalities: int
    place: str | None = None
    offset_km: tuple[float, float] = (0.0, 0.0)
    rn4_km: float | None = None
    rn4_from_bamako_km: float | None = None


@dataclass(frozen=True)
class MaliScenario:
    """The scenario file read into the model (see the file for the meanings)."""

    first_day: date
    last_day: date
    wagner_from: date
    rn4_south_azimuth_deg: float
    rn4_south_length_km: float
    bamako_radius_km: float
    actors: dict[str, str]  # key -> ACLED actor name
    actor_inter: dict[str, str]
    actor_eras: dict[str, tuple[tuple[date, str], ...]]
    anchors: tuple[Anchor, ...]
    patterns: tuple[Pattern, ...]


def _choice(value: str | list[list[Any]], names: dict[str, str]) -> Choice:
    """A key (weight 1), "" (nobody) or ``[[key, weight], ...]`` as a Choice."""
    if isinstance(value, str):
        return ((names[value] if value else "", 1.0),)
    return tuple((names[k] if k else "", w) for k, w in value)


def _kind(raw: dict[str, Any], names: dict[str, str], fatal: dict[str, Fatal]) -> Kind:
    actors: dict[str, Any] = {
        f: _choice(raw[f], names)
        for f in ("actor1", "actor2", "assoc1", "assoc2")
        if f in raw
    }
    extra: dict[str, Any] = {}
    if "weight" in raw:
        extra["weight"] = raw["weight"]
    if "fatal" in raw:
        extra["fatal"] = fatal[raw["fatal"]]
    if "tags" in raw:
        extra["tags"] = tuple((t, w) for t, w in raw["tags"])
    return Kind(
        raw["event_type"],
        raw["sub_event_type"],
        phrases=tuple(raw.get("phrases", ())),
        **actors,
        **extra,
    )


def _site(raw: dict[str, Any]) -> Site:
    raw = dict(raw)
    if "around" in raw:
        where = raw.pop("around")
        return Around(where if isinstance(where, str) else tuple(where), **raw)
    return Along(raw.pop("along"), **raw)


@cache
def mali_scenario() -> MaliScenario:
    """Read ``scenarios/southern_mali.toml`` (once)."""
    data = load_scenario("southern_mali")
    names = data["actors"]
    fatal = {k: Fatal(**v) for k, v in data["fatal"].items()}
    kinds = {
        group: tuple(_kind(k, names, fatal) for k in raws)
        for group, raws in data["kinds"].items()
    }
    site_groups = {
        group: tuple(_site(s) for s in raws) for group, raws in data["sites"].items()
    }
    anchors = tuple(
        Anchor(
            a["day"],
            kinds[a["kind"]][0],
            a["fatalities"],
            place=a.get("place"),
            offset_km=tuple(a.get("offset_km", (0.0, 0.0))),
            rn4_km=a.get("rn4_km"),
            rn4_from_bamako_km=a.get("rn4_from_bamako_km"),
        )
        for a in data["anchors"]
    )
    patterns = tuple(
        Pattern(
            p["name"],
            p["weight"],
            p["start"],
            p["end"],
            p["growth"],
            site_groups[p["sites"]]
            if isinstance(p["sites"], str)
            else tuple(_site(s) for s in p["sites"]),
            kinds[p["kinds"]],
            p_geo3=p.get("p_geo3", 0.0),
            min_count=p.get("min_count", 0),
        )
        for p in data["patterns"]
    )
    s = data["scenario"]
    return MaliScenario(
        first_day=s["first_day"],
        last_day=s["last_day"],
        wagner_from=s["wagner_from"],
        rn4_south_azimuth_deg=s["rn4_south_azimuth_deg"],
        rn4_south_length_km=s["rn4_south_length_km"],
        bamako_radius_km=s["bamako_radius_km"],
        actors=dict(names),
        actor_inter=dict(data["actor_inter"]),
        actor_eras={
            names[k]: tuple((d, n) for d, n in steps)
            for k, steps in data["actor_eras"].items()
        },
        anchors=anchors,
        patterns=patterns,
    )
