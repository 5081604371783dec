"""SYNTHETIC demo events in ACLED's export format, for southern Mali.

Every event made here is invented. ACLED's terms do not allow its data to be
redistributed, so SahelGIS ships this generator instead: it lets the app, its tests
and its benchmarks run offline on something that looks like an ACLED export, and
users import their own licensed ACLED data for real work. Every row says it is
synthetic: ``source`` is :data:`SOURCE_TEXT`, ``notes`` start with
:data:`NOTE_PREFIX` and ``event_id_cnty`` starts with :data:`ID_PREFIX`.

The events follow, loosely, the patterns that the analyst report
(``shared/reference/analyst_report.txt``) describes for JNIM around Nara and
Bamako, so that the analyses have something to find:

- a rising trend from 2018 (few events) to 2023 (the largest full year);
- ambushes and IEDs strung along the RN4 from Nara through Mourdiah and south
  towards Kwala, concentrated from October 2023 on, and in 2024 nearly all
  attacks in Koulikoro region along the RN4;
- coercion of civilians around Nara and Banamba from 2022, and "control
  indicators" (school closures, zakat, Sharia agreements, disrupted elections)
  from 2023, only to be found in ``notes``;
- suicide bombs at Kati (July 2022), south of Mourdiah (December 2023) and at
  Kwala (28 February 2024);
- a January–July 2023 offensive on the roads within 70 miles (113 km) of Bamako;
- support-zone activity east of Nara in 2018–2021;
- background: protests in Bamako, army/Wagner operations and militia violence in
  Ségou and Mopti regions, scattered events in Kayes and Sikasso.

A share of events has ``geo_precision`` 3 and sits exactly on a cercle capital,
as ACLED codes events known only to a cercle: the trap that inflates buffers
drawn around such towns.

Everything is vectorised (numpy and pyarrow, loops only over patterns, kinds and
cercles) because a benchmark generates 1,000,000 rows with it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyogrio
import shapely
from shapely import LineString

from sahelgis.model import acled_schema as acled
from sahelgis.model.crs import GEOD, to_display, to_lonlat

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
DEFAULT_BASE_GPKG = DATA_DIR / "sahelgis_base.gpkg"
DEFAULT_OUTPUT = DATA_DIR / "demo_events_SYNTHETIC.csv"
DEFAULT_N = 3000
DEFAULT_SEED = 20240228

SOURCE_TEXT = "SYNTHETIC demo data (SahelGIS generator, not ACLED)"
NOTE_PREFIX = "[SYNTHETIC] "
ID_PREFIX = "SYN"

FIRST_DAY = date(2018, 1, 1)
LAST_DAY = date(2024, 6, 30)

#: The southern extension drawn from Mourdiah: heading and length (see
#: :func:`approximate_rn4`).
RN4_SOUTH_AZIMUTH_DEG = 202.5
RN4_SOUTH_LENGTH_KM = 80.0

BAMAKO_RADIUS_KM = 113.0  # 70 miles, the report's "around Bamako"

# ---------------------------------------------------------------- actors ---
JNIM = "JNIM: Group for Support of Islam and Muslims"
ISS = "Islamic State (Sahel)"
FAMA = "Military Forces of Mali (2021-)"
POLICE = "Police Forces of Mali (2021-)"
WAGNER = "Wagner Group"
DOZO = "Dozo Communal Militia (Mali)"
UAG = "Unidentified Armed Group (Mali)"
CIV = "Civilians (Mali)"
PROTESTERS = "Protesters (Mali)"
RIOTERS = "Rioters (Mali)"

#: inter1/inter2 labels of every actor (the text labels of newer exports).
ACTOR_INTER: dict[str, str] = {
    JNIM: "Rebel group",
    ISS: "Rebel group",
    FAMA: "State forces",
    "Military Forces of Mali (2012-2020)": "State forces",
    "Military Forces of Mali (2020-2021)": "State forces",
    POLICE: "State forces",
    "Police Forces of Mali (2012-2020)": "State forces",
    "Police Forces of Mali (2020-2021)": "State forces",
    WAGNER: "External/Other forces",
    DOZO: "Identity militia",
    UAG: "Political militia",
    CIV: "Civilians",
    PROTESTERS: "Protesters",
    RIOTERS: "Rioters",
}

#: ACLED names state forces by regime: (first day of the name, name), oldest first.
ACTOR_ERAS: dict[str, tuple[tuple[date, str], ...]] = {
    FAMA: (
        (FIRST_DAY, "Military Forces of Mali (2012-2020)"),
        (date(2020, 8, 18), "Military Forces of Mali (2020-2021)"),
        (date(2021, 5, 24), FAMA),
    ),
    POLICE: (
        (FIRST_DAY, "Police Forces of Mali (2012-2020)"),
        (date(2020, 8, 18), "Police Forces of Mali (2020-2021)"),
        (date(2021, 5, 24), POLICE),
    ),
}
WAGNER_FROM = date(2021, 12, 1)  # no Wagner Group before its deployment

SOURCE_SCALES: tuple[tuple[str, float], ...] = (
    ("National", 0.34),
    ("Subnational", 0.16),
    ("Local partner-National", 0.16),
    ("National-International", 0.10),
    ("Local partner-Other", 0.08),
    ("New media", 0.06),
    ("International", 0.05),
    ("Other-National", 0.05),
)

Choice = tuple[tuple[str, float], ...]
NOBODY: Choice = (("", 1.0),)


def _one(name: str) -> Choice:
    return ((name, 1.0),)


WITH_WAGNER: Choice = ((WAGNER, 0.4), ("", 0.6))


# ---------------------------------------------------------------- models ---
@dataclass(frozen=True)
class Fatal:
    """Fatalities: zero with ``p_zero``, else a rounded log-normal (heavy tail)."""

    p_zero: float = 1.0
    mu: float = 0.0
    sigma: float = 0.0
    cap: int = 150


F_NONE = Fatal()
F_CLASH = Fatal(0.35, 1.0, 1.0)
F_IED = Fatal(0.5, 0.7, 0.8)
F_STRIKE = Fatal(0.3, 1.2, 1.0)
F_OVERTAKE = Fatal(0.15, 1.8, 0.8)
F_KILLING = Fatal(0.1, 0.6, 0.9)
F_FORCE = Fatal(0.5, 0.2, 0.5)
F_MOB = Fatal(0.3, 0.0, 0.3)


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


# ------------------------------------------------------------------ kinds ---
RN4_KINDS: tuple[Kind, ...] = (
    Kind(
        "Battles",
        "Armed clash",
        _one(JNIM),
        _one(FAMA),
        (
            "JNIM militants ambushed a Malian army (FAMa) convoy on the RN4 near "
            "{loc}.",
            "suspected JNIM fighters attacked FAMa escorting supply trucks on the RN4 "
            "near {loc}; heavy exchange of fire.",
            "JNIM militants attacked a FAMa checkpoint on the RN4 axis near {loc}.",
        ),
        0.50,
        assoc2=WITH_WAGNER,
        fatal=F_CLASH,
    ),
    Kind(
        "Explosions/Remote violence",
        "Remote explosive/landmine/IED",
        _one(JNIM),
        _one(FAMA),
        (
            "a FAMa vehicle struck an improvised explosive device on the RN4 near "
            "{loc}; JNIM suspected.",
            "an IED exploded as a FAMa patrol passed on the RN4 near {loc}.",
        ),
        0.32,
        fatal=F_IED,
    ),
    Kind(
        "Explosions/Remote violence",
        "Remote explosive/landmine/IED",
        _one(JNIM),
        _one(CIV),
        (
            "a passenger bus hit an IED on the RN4 near {loc}; JNIM suspected.",
            "a civilian truck struck a landmine on the RN4 near {loc}.",
        ),
        0.10,
        fatal=F_IED,
    ),
    Kind(
        "Battles",
        "Non-state actor overtakes territory",
        _one(JNIM),
        _one(FAMA),
        (
            "JNIM militants overran a FAMa post on the RN4 near {loc} and seized "
            "weapons and vehicles.",
        ),
        0.04,
        fatal=F_OVERTAKE,
    ),
    Kind(
        "Battles",
        "Armed clash",
        _one(FAMA),
        _one(JNIM),
        ("FAMa and allies clashed with JNIM while clearing the RN4 near {loc}.",),
        0.04,
        assoc1=WITH_WAGNER,
        fatal=F_CLASH,
    ),
)

COERCION_KINDS: tuple[Kind, ...] = (
    Kind(
        "Violence against civilians",
        "Attack",
        ((JNIM, 0.85), (UAG, 0.15)),
        _one(CIV),
        (
            "gunmen believed to be JNIM killed villagers accused of informing the army "
            "near {loc}.",
            "JNIM militants beat and robbed traders on the road near {loc}.",
            "armed men on motorbikes attacked a village near {loc}, killing civilians.",
        ),
        0.55,
        fatal=F_KILLING,
    ),
    Kind(
        "Violence against civilians",
        "Abduction/forced disappearance",
        ((JNIM, 0.85), (UAG, 0.15)),
        _one(CIV),
        (
            "JNIM militants abducted a village chief near {loc}.",
            "suspected JNIM militants kidnapped several travellers near {loc}.",
        ),
        0.45,
    ),
)

CONTROL_KINDS: tuple[Kind, ...] = (
    Kind(
        "Strategic developments",
        "Change to group/activity",
        _one(JNIM),
        NOBODY,
        (
            "JNIM militants ordered the closure of schools in villages near {loc} and "
            "threatened teachers.",
            "JNIM forced a school near {loc} to close, adding to school closures in "
            "the area.",
            "JNIM imposed a dress code and banned music at weddings in villages near "
            "{loc}.",
        ),
        0.40,
    ),
    Kind(
        "Strategic developments",
        "Agreement",
        _one(JNIM),
        _one(CIV),
        (
            "village leaders near {loc} concluded a local agreement with JNIM to apply "
            "Sharia and pay zakat in return for free movement.",
            "communities near {loc} accepted a Sharia agreement with JNIM and its "
            "courts.",
        ),
        0.30,
    ),
    Kind(
        "Strategic developments",
        "Other",
        _one(JNIM),
        _one(CIV),
        (
            "JNIM militants collected zakat (taxation of livestock and harvests) from "
            "civilians near {loc}.",
            "JNIM disrupted local elections near {loc}: polling stations kept closed.",
            "JNIM levied zakat on herders near {loc} (taxation of civilians).",
        ),
        0.30,
    ),
)

SUPPORT_ZONE_KINDS: tuple[Kind, ...] = (
    Kind(
        "Strategic developments",
        "Headquarters or base established",
        _one(JNIM),
        NOBODY,
        ("JNIM fighters set up a camp in the bush east of Nara, near {loc}.",),
        0.30,
    ),
    Kind(
        "Strategic developments",
        "Change to group/activity",
        _one(JNIM),
        NOBODY,
        (
            "JNIM militants preached in villages near {loc} and warned residents not "
            "to cooperate with the army.",
        ),
        0.30,
    ),
    Kind(
        "Violence against civilians",
        "Abduction/forced disappearance",
        _one(JNIM),
        _one(CIV),
        ("JNIM militants abducted a herder near {loc}.",),
        0.20,
    ),
    Kind(
        "Violence against civilians",
        "Attack",
        _one(JNIM),
        _one(CIV),
        ("JNIM militants killed a civilian accused of informing the army near {loc}.",),
        0.20,
        fatal=F_KILLING,
    ),
)

EARLY_KOULIKORO_KINDS: tuple[Kind, ...] = (
    Kind(
        "Battles",
        "Armed clash",
        _one(JNIM),
        _one(FAMA),
        ("JNIM militants attacked a FAMa post near {loc}.",),
        0.7,
        fatal=F_CLASH,
    ),
    Kind(
        "Explosions/Remote violence",
        "Remote explosive/landmine/IED",
        _one(JNIM),
        _one(FAMA),
        ("a FAMa vehicle hit an IED near {loc}.",),
        0.3,
        fatal=F_IED,
    ),
)

BAMAKO_ROAD_KINDS: tuple[Kind, ...] = (
    Kind(
        "Battles",
        "Armed clash",
        _one(JNIM),
        _one(FAMA),
        (
            "JNIM militants attacked a FAMa checkpoint on the road near {loc}.",
            "suspected JNIM fighters ambushed gendarmes on the road near {loc}.",
        ),
        0.55,
        fatal=F_CLASH,
    ),
    Kind(
        "Explosions/Remote violence",
        "Remote explosive/landmine/IED",
        _one(JNIM),
        _one(FAMA),
        ("an IED struck a FAMa vehicle on the road near {loc}; JNIM suspected.",),
        0.45,
        fatal=F_IED,
    ),
)

PROTEST_TAGS: Choice = (
    ("crowd size=no report", 0.7),
    ("crowd size=dozens", 0.15),
    ("crowd size=hundreds", 0.15),
)

PROTEST_KINDS: tuple[Kind, ...] = (
    Kind(
        "Protests",
        "Peaceful protest",
        _one(PROTESTERS),
        NOBODY,
        (
            "residents of {loc} demonstrated against power cuts and rising prices.",
            "supporters of the transition rallied in {loc}.",
            "traders demonstrated in {loc} against insecurity on the roads to Nara.",
        ),
        0.70,
        tags=PROTEST_TAGS,
    ),
    Kind(
        "Protests",
        "Protest with intervention",
        _one(PROTESTERS),
        _one(POLICE),
        ("police dispersed protesters with tear gas in {loc}.",),
        0.14,
        tags=PROTEST_TAGS,
    ),
    Kind(
        "Protests",
        "Excessive force against protesters",
        _one(POLICE),
        _one(PROTESTERS),
        ("security forces fired live rounds at protesters in {loc}.",),
        0.03,
        fatal=F_FORCE,
        tags=PROTEST_TAGS,
    ),
    Kind(
        "Riots",
        "Violent demonstration",
        _one(RIOTERS),
        NOBODY,
        ("youths in {loc} burnt tyres and blocked roads after a power cut.",),
        0.10,
        tags=PROTEST_TAGS,
    ),
    Kind(
        "Riots",
        "Mob violence",
        _one(RIOTERS),
        _one(CIV),
        ("a mob in {loc} beat a suspected thief.",),
        0.03,
        fatal=F_MOB,
    ),
)

PROTEST_2020_KINDS: tuple[Kind, ...] = (
    Kind(
        "Protests",
        "Peaceful protest",
        _one(PROTESTERS),
        NOBODY,
        ("M5-RFP supporters marched in {loc} demanding the president's resignation.",),
        0.75,
        tags=PROTEST_TAGS,
    ),
    Kind(
        "Riots",
        "Violent demonstration",
        _one(RIOTERS),
        NOBODY,
        ("M5-RFP protesters in {loc} ransacked public buildings and blocked bridges.",),
        0.15,
        tags=PROTEST_TAGS,
    ),
    Kind(
        "Protests",
        "Excessive force against protesters",
        _one(POLICE),
        _one(PROTESTERS),
        ("security forces fired on M5-RFP protesters in {loc}.",),
        0.10,
        fatal=F_FORCE,
        tags=PROTEST_TAGS,
    ),
)

STATE_OPS_KINDS: tuple[Kind, ...] = (
    Kind(
        "Battles",
        "Armed clash",
        _one(FAMA),
        ((JNIM, 0.8), (ISS, 0.2)),
        (
            "FAMa conducted a sweep operation near {loc} and clashed with militants.",
            "Malian armed forces attacked a militant camp near {loc}.",
        ),
        0.55,
        assoc1=WITH_WAGNER,
        fatal=F_CLASH,
    ),
    Kind(
        "Explosions/Remote violence",
        "Air/drone strike",
        _one(FAMA),
        _one(JNIM),
        ("a Malian army air strike hit a suspected JNIM position near {loc}.",),
        0.25,
        fatal=F_STRIKE,
    ),
    Kind(
        "Violence against civilians",
        "Attack",
        _one(FAMA),
        _one(CIV),
        ("soldiers executed civilians accused of supporting militants near {loc}.",),
        0.12,
        assoc1=WITH_WAGNER,
        fatal=F_KILLING,
    ),
    Kind(
        "Battles",
        "Government regains territory",
        _one(FAMA),
        _one(JNIM),
        ("FAMa retook a village near {loc} held by militants.",),
        0.08,
        assoc1=WITH_WAGNER,
        fatal=F_CLASH,
    ),
)

CENTRAL_KINDS: tuple[Kind, ...] = (
    Kind(
        "Battles",
        "Armed clash",
        _one(JNIM),
        _one(DOZO),
        ("JNIM militants clashed with Dozo hunters near {loc}.",),
        0.18,
        fatal=F_CLASH,
    ),
    Kind(
        "Battles",
        "Armed clash",
        _one(JNIM),
        _one(FAMA),
        ("JNIM militants attacked a FAMa position near {loc}.",),
        0.18,
        assoc2=WITH_WAGNER,
        fatal=F_CLASH,
    ),
    Kind(
        "Battles",
        "Armed clash",
        _one(JNIM),
        _one(ISS),
        ("JNIM and Islamic State (Sahel) fighters clashed near {loc}.",),
        0.05,
        fatal=F_CLASH,
    ),
    Kind(
        "Explosions/Remote violence",
        "Remote explosive/landmine/IED",
        _one(JNIM),
        ((FAMA, 0.6), (CIV, 0.4)),
        ("a vehicle struck an IED on the road near {loc}.",),
        0.14,
        fatal=F_IED,
    ),
    Kind(
        "Violence against civilians",
        "Attack",
        ((JNIM, 0.7), (ISS, 0.1), (UAG, 0.2)),
        _one(CIV),
        ("gunmen attacked a village near {loc}, killing civilians.",),
        0.15,
        fatal=F_KILLING,
    ),
    Kind(
        "Violence against civilians",
        "Abduction/forced disappearance",
        ((JNIM, 0.8), (UAG, 0.2)),
        _one(CIV),
        ("armed men abducted civilians near {loc}.",),
        0.10,
    ),
    Kind(
        "Violence against civilians",
        "Attack",
        _one(DOZO),
        _one(CIV),
        ("Dozo militiamen attacked a Fulani hamlet near {loc}.",),
        0.07,
        fatal=F_KILLING,
    ),
    Kind(
        "Strategic developments",
        "Looting/property destruction",
        _one(JNIM),
        _one(CIV),
        ("JNIM militants burnt granaries and seized cattle near {loc}.",),
        0.08,
    ),
    Kind(
        "Strategic developments",
        "Agreement",
        _one(JNIM),
        _one(CIV),
        ("villages near {loc} made a local agreement with JNIM.",),
        0.05,
    ),
)

KOULIKORO_BACKGROUND_KINDS: tuple[Kind, ...] = (
    Kind(
        "Violence against civilians",
        "Attack",
        _one(UAG),
        _one(CIV),
        ("unidentified gunmen killed a trader near {loc}.",),
        0.35,
        fatal=F_KILLING,
    ),
    Kind(
        "Violence against civilians",
        "Abduction/forced disappearance",
        _one(UAG),
        _one(CIV),
        ("unidentified gunmen abducted a civilian near {loc}.",),
        0.20,
    ),
    Kind(
        "Battles",
        "Armed clash",
        _one(JNIM),
        _one(DOZO),
        ("JNIM militants clashed with Dozo hunters near {loc}.",),
        0.20,
        fatal=F_CLASH,
    ),
    Kind(
        "Strategic developments",
        "Arrests",
        _one(FAMA),
        _one(CIV),
        ("security forces arrested suspected JNIM collaborators near {loc}.",),
        0.25,
    ),
)

# 2024 off the RN4: mostly not attacks ("all but two attacks in 2024 ... RN4").
KOULIKORO_2024_KINDS: tuple[Kind, ...] = (
    KOULIKORO_BACKGROUND_KINDS[0],
    KOULIKORO_BACKGROUND_KINDS[1],
    KOULIKORO_BACKGROUND_KINDS[3],
    Kind(
        "Battles",
        "Armed clash",
        _one(JNIM),
        _one(DOZO),
        ("JNIM militants clashed with Dozo hunters near {loc}.",),
        0.12,
        fatal=F_CLASH,
    ),
)

SOUTHWEST_KINDS: tuple[Kind, ...] = (
    Kind(
        "Battles",
        "Armed clash",
        _one(JNIM),
        _one(FAMA),
        ("JNIM militants attacked a FAMa post near {loc}.",),
        0.25,
        fatal=F_CLASH,
    ),
    Kind(
        "Violence against civilians",
        "Attack",
        _one(UAG),
        _one(CIV),
        ("unidentified gunmen killed a gold miner near {loc}.",),
        0.25,
        fatal=F_KILLING,
    ),
    Kind(
        "Protests",
        "Peaceful protest",
        _one(PROTESTERS),
        NOBODY,
        ("residents of {loc} protested against the state of the roads.",),
        0.35,
        tags=PROTEST_TAGS,
    ),
    Kind(
        "Riots",
        "Violent demonstration",
        _one(RIOTERS),
        NOBODY,
        ("youths in {loc} clashed with gendarmes over a land dispute.",),
        0.15,
        tags=PROTEST_TAGS,
    ),
)

SUICIDE_KATI = Kind(
    "Explosions/Remote violence",
    "Suicide bomb",
    _one(JNIM),
    _one(FAMA),
    (
        "JNIM suicide VBIEDs struck the military camp at {loc}, followed "
        "by a complex attack on the base.",
    ),
)
SUICIDE_MOURDIAH = Kind(
    "Explosions/Remote violence",
    "Suicide bomb",
    _one(JNIM),
    _one(FAMA),
    (
        "JNIM ambushed a FAMa convoy on the RN4 between Kwala and Mourdiah, "
        "south of Mourdiah ({loc} area), with a suicide motorcycle-borne IED.",
    ),
)
SUICIDE_KWALA = Kind(
    "Explosions/Remote violence",
    "Suicide bomb",
    _one(JNIM),
    _one(FAMA),
    (
        "a JNIM suicide VBIED opened a complex attack by about 100 "
        "fighters on the FAMa base at Kwala on the RN4, about 100 miles north of "
        "Bamako (nearest mapped town {loc}).",
    ),
)
OVERRUN_RN4_BASE = Kind(
    "Battles",
    "Non-state actor overtakes territory",
    _one(JNIM),
    _one(FAMA),
    ("JNIM claimed to seize a FAMa and Wagner Group base on the RN4 north of {loc}.",),
    assoc2=_one(WAGNER),
)

ANCHORS: tuple[Anchor, ...] = (
    Anchor(date(2022, 7, 22), SUICIDE_KATI, 11, place="Kati", offset_km=(1.5, 1.0)),
    Anchor(date(2022, 7, 22), SUICIDE_KATI, 13, place="Kati", offset_km=(-1.0, 2.0)),
    Anchor(date(2023, 10, 2), OVERRUN_RN4_BASE, 22, rn4_km=25.0),
    Anchor(date(2023, 12, 12), SUICIDE_MOURDIAH, 16, rn4_km=-40.0),
    Anchor(date(2024, 2, 28), SUICIDE_KWALA, 34, rn4_from_bamako_km=161.0),
)

# --------------------------------------------------------------- patterns ---
# Towns of Ségou and Mopti regions for the background (all in ``places``).
CENTRAL_SITES: tuple[Site, ...] = (
    Around("Niono", 20),
    Around("Ké-Macina", 20),
    Around("Ténenkou", 20),
    Around("Djenné", 18),
    Around("Mopti", 20),
    Around("Sokolo", 20),
    Around("Diourou", 15),
    Around("Youwarou", 18),
    Around("Tominian", 15),
    Around("San", 15),
    Around("Markala", 12),
)
# Roads within 113 km of Bamako: the first 95 km of the RN3 and RN6, and Kati.
BAMAKO_ROAD_SITES: tuple[Site, ...] = (
    Along("RN3", 2.0, 6.0, 0.4, start_km=12.0, end_km=95.0),
    Along("RN6", 2.0, 6.0, 0.35, start_km=12.0, end_km=95.0),
    Around("Kati", 5.0, 0.25),
)

PATTERNS: tuple[Pattern, ...] = (
    Pattern(
        "rn4_campaign",
        0.13,
        date(2023, 10, 1),
        LAST_DAY,
        0.0,
        (Along("RN4", 3.0, 10.0),),
        RN4_KINDS,
    ),
    Pattern(
        "rn4_early",
        0.035,
        date(2022, 1, 1),
        date(2023, 9, 30),
        0.8,
        (Along("RN4", 3.0, 10.0),),
        RN4_KINDS,
    ),
    Pattern(
        "nara_banamba_coercion",
        0.11,
        date(2022, 1, 1),
        date(2024, 6, 30),
        0.7,
        (
            Around("Nara", 15, 0.45),
            Around("Banamba", 15, 0.35),
            Around("Mourdiah", 12, 0.2),
        ),
        COERCION_KINDS,
        p_geo3=0.15,
    ),
    Pattern(
        "control_indicators",
        0.07,
        date(2023, 1, 1),
        LAST_DAY,
        0.3,
        (
            Around("Nara", 12, 0.3),
            Around("Banamba", 12, 0.3),
            Along("Banamba-Nara", 4.0, 10.0, 0.4),
        ),
        CONTROL_KINDS,
        p_geo3=0.2,
    ),
    Pattern(
        "support_zone_east_nara",
        0.04,
        FIRST_DAY,
        date(2021, 12, 31),
        0.2,
        # Bush east of Nara town, inside Nara cercle (no town in ``places``).
        (Around((-6.75, 15.0), 18, 0.6), Around((-6.6, 14.7), 18, 0.4)),
        SUPPORT_ZONE_KINDS,
        p_geo3=0.1,
    ),
    Pattern(
        "early_koulikoro_attacks",
        0.015,
        FIRST_DAY,
        date(2021, 12, 31),
        0.3,
        (Around("Nara", 25), Around("Mourdiah", 25), Around("Banamba", 25)),
        EARLY_KOULIKORO_KINDS,
        p_geo3=0.1,
    ),
    Pattern(
        "bamako_offensive_2023",
        0.012,
        date(2023, 1, 1),
        date(2023, 7, 31),
        0.0,
        BAMAKO_ROAD_SITES,
        BAMAKO_ROAD_KINDS,
        min_count=20,
    ),
    Pattern(
        "bamako_roads",
        0.015,
        date(2022, 1, 1),
        date(2023, 12, 31),
        0.5,
        BAMAKO_ROAD_SITES,
        BAMAKO_ROAD_KINDS,
    ),
    Pattern(
        "bamako_protests",
        0.05,
        FIRST_DAY,
        LAST_DAY,
        0.0,
        (Around("Bamako", 4),),
        PROTEST_KINDS,
    ),
    Pattern(
        "bamako_protests_2020",
        0.012,
        date(2020, 6, 5),
        date(2020, 8, 18),
        0.0,
        (Around("Bamako", 4),),
        PROTEST_2020_KINDS,
    ),
    Pattern(
        "state_operations",
        0.08,
        date(2019, 1, 1),
        LAST_DAY,
        0.4,
        CENTRAL_SITES,
        STATE_OPS_KINDS,
        p_geo3=0.1,
    ),
    Pattern(
        "central_mali",
        0.14,
        FIRST_DAY,
        LAST_DAY,
        0.35,
        CENTRAL_SITES,
        CENTRAL_KINDS,
        p_geo3=0.1,
    ),
    Pattern(
        "koulikoro_background",
        0.04,
        FIRST_DAY,
        date(2023, 12, 31),
        0.4,
        (
            Around("Dioïla", 20),
            Around("Koulikoro", 15),
            Around("Kangaba", 15),
            Around("Kolokani", 20),
            Around("Fana", 15),
        ),
        KOULIKORO_BACKGROUND_KINDS,
        p_geo3=0.15,
    ),
    Pattern(
        "koulikoro_background_2024",
        0.01,
        date(2024, 1, 1),
        LAST_DAY,
        0.0,
        (Around("Dioïla", 20), Around("Koulikoro", 15), Around("Kolokani", 20)),
        KOULIKORO_2024_KINDS,
        p_geo3=0.15,
    ),
    Pattern(
        "southwest_background",
        0.04,
        FIRST_DAY,
        LAST_DAY,
        0.3,
        (
            Around("Sikasso", 12),
            Around("Koutiala", 12),
            Around("Bougouni", 15),
            Around("Kita", 15),
            Around("Kayes", 12),
            Around("Diéma", 15),
            Around("Nioro", 15),
            Around("Yanfolila", 12),
        ),
        SOUTHWEST_KINDS,
        p_geo3=0.1,
    ),
)


# ------------------------------------------------------------- base data ---
@dataclass(frozen=True)
class _Base:
    """Base layers reduced to the arrays the generator needs (cached per file)."""

    cercle_names: tuple[str, ...]
    cercle_adm1: tuple[str, ...]
    cercle_geoms: np.ndarray  # prepared shapely (Multi)Polygons, lon/lat
    cercle_bounds: np.ndarray  # (n, 4)
    mali: shapely.Geometry  # prepared union of admin1_regions
    place_names: tuple[str, ...]
    place_lonlat: np.ndarray  # (n, 2)
    place_xy: np.ndarray  # (n, 2) metres, display CRS
    cercle_capital: np.ndarray  # place index of each cercle's capital, -1 if none
    roads_xy: dict[str, LineString]  # metres, display CRS
    rn4_lonlat: LineString

    def place(self, name: str) -> tuple[float, float]:
        lon, lat = self.place_lonlat[self.place_names.index(name)]
        return float(lon), float(lat)


def approximate_rn4(base_gpkg: Path | None = None) -> LineString:
    """The RN4 as the generator uses it: a lon/lat LineString, south to north.

    ``roads_national`` draws the RN4 only from Mourdiah to Nara (Kwala is not in
    the base data). The generator extends it from Mourdiah as a straight line
    heading SSW (:data:`RN4_SOUTH_AZIMUTH_DEG`) for :data:`RN4_SOUTH_LENGTH_KM`
    km, towards Kwala and Kolokani: the "approximate RN4 south of Mourdiah". It is
    not surveyed; tests use it to check the corridor pattern.
    """
    return _load_base(str(Path(base_gpkg or DEFAULT_BASE_GPKG).resolve())).rn4_lonlat


def _rn4_from_layer(roads: pd.DataFrame) -> LineString:
    row = roads.loc[roads["ref"] == "RN4"]
    if row.empty:
        raise ValueError("roads_national has no RN4")
    coords = shapely.get_coordinates(row.geometry.iloc[0])
    if coords[0, 1] > coords[-1, 1]:
        coords = coords[::-1]  # start at the southern end (Mourdiah)
    lon, lat, _ = GEOD.fwd(
        coords[0, 0], coords[0, 1], RN4_SOUTH_AZIMUTH_DEG, RN4_SOUTH_LENGTH_KM * 1e3
    )
    # approximate RN4 south of Mourdiah: straight, SSW, towards Kwala/Kolokani.
    return LineString(np.vstack([[lon, lat], coords]))


def _to_xy(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, y = to_display().transform(lon, lat)
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


def _line_xy(line: LineString) -> LineString:
    c = shapely.get_coordinates(line)
    x, y = _to_xy(c[:, 0], c[:, 1])
    return LineString(np.column_stack([x, y]))


@lru_cache(maxsize=4)
def _load_base(path: str) -> _Base:
    cercles = pyogrio.read_dataframe(path, layer="admin2_cercles")
    regions = pyogrio.read_dataframe(path, layer="admin1_regions")
    places = pyogrio.read_dataframe(path, layer="places")
    roads = pyogrio.read_dataframe(path, layer="roads_national")
    places = places.loc[places["country_iso2"] == "ML"].reset_index(drop=True)

    geoms = np.asarray(cercles.geometry.values, dtype=object)
    shapely.prepare(geoms)
    mali = shapely.union_all(np.asarray(regions.geometry.values, dtype=object))
    shapely.prepare(mali)

    lonlat = places[["longitude", "latitude"]].to_numpy(dtype=float)
    px, py = _to_xy(lonlat[:, 0], lonlat[:, 1])

    # Each cercle's capital: the capital place that lies inside it.
    is_capital = (places["is_cercle_capital"].astype(bool)) | (
        places["admin_level"] == "national_capital"
    )
    capital = np.full(len(cercles), -1, dtype=np.int64)
    for i, g in enumerate(geoms):
        for j in np.flatnonzero(is_capital.to_numpy()):
            if shapely.contains_xy(g, lonlat[j, 0], lonlat[j, 1]):
                capital[i] = j
                break

    rn4 = _rn4_from_layer(roads)
    roads_xy = {
        ref: _line_xy(geom)
        for ref, geom in zip(roads["ref"], roads.geometry, strict=True)
        if ref != "RN4"
    }
    roads_xy["RN4"] = _line_xy(rn4)
    names = list(places["name"])
    # Approximate link Banamba-Nara (the report's RN7 is not in the base data).
    roads_xy["Banamba-Nara"] = _line_xy(
        LineString([lonlat[names.index("Banamba")], lonlat[names.index("Nara")]])
    )
    return _Base(
        cercle_names=tuple(cercles["name_fr"]),
        cercle_adm1=tuple(cercles["adm1_name"]),
        cercle_geoms=geoms,
        cercle_bounds=shapely.bounds(geoms),
        mali=mali,
        place_names=tuple(names),
        place_lonlat=lonlat,
        place_xy=np.column_stack([px, py]),
        cercle_capital=capital,
        roads_xy=roads_xy,
        rn4_lonlat=rn4,
    )


def _locate(base: _Base, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Cercle index of each point, -1 outside Mali (a vectorised point-in-polygon).

    A bounding-box filter then ``contains_xy`` per cercle: ~10x faster than an
    STRtree ``sjoin`` on 1M points, which must first build 1M Point objects.
    """
    out = np.full(len(lon), -1, dtype=np.int64)
    for i, (g, (x0, y0, x1, y1)) in enumerate(
        zip(base.cercle_geoms, base.cercle_bounds, strict=True)
    ):
        cand = np.flatnonzero((lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1))
        cand = cand[out[cand] < 0]
        if cand.size:
            out[cand[shapely.contains_xy(g, lon[cand], lat[cand])]] = i
    found = np.flatnonzero(out >= 0)
    inside = shapely.contains_xy(base.mali, lon[found], lat[found])
    out[found[~inside]] = -1  # admin2 and admin1 outlines differ a little
    return out


def _nearest_place(base: _Base, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Index of the nearest ``places`` town (brute force in metres, in chunks)."""
    px, py = base.place_xy[:, 0], base.place_xy[:, 1]
    out = np.empty(len(x), dtype=np.int64)
    step = 1 << 16
    for s in range(0, len(x), step):
        dx = x[s : s + step, None] - px[None, :]
        dy = y[s : s + step, None] - py[None, :]
        out[s : s + step] = np.argmin(dx * dx + dy * dy, axis=1)
    return out


# ---------------------------------------------------------------- samplers ---
def _site_xy(
    base: _Base, site: Site, k: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """``k`` points (metres) for one site."""
    if isinstance(site, Around):
        lon, lat = base.place(site.where) if isinstance(site.where, str) else site.where
        cx, cy = _to_xy(np.array([lon]), np.array([lat]))
        s = site.sigma_km * 1e3
        return cx[0] + rng.normal(0, s, k), cy[0] + rng.normal(0, s, k)
    line = base.roads_xy[site.road]
    c = shapely.get_coordinates(line)
    seg = np.diff(c, axis=0)
    seglen = np.hypot(seg[:, 0], seg[:, 1])
    cum = np.concatenate([[0.0], np.cumsum(seglen)])
    end = cum[-1] if site.end_km is None else min(site.end_km * 1e3, cum[-1])
    pos = rng.uniform(site.start_km * 1e3, end, k)
    i = np.clip(np.searchsorted(cum, pos, side="right") - 1, 0, len(seglen) - 1)
    t = (pos - cum[i]) / seglen[i]
    ux, uy = seg[i, 0] / seglen[i], seg[i, 1] / seglen[i]
    off = np.clip(
        rng.normal(0, site.sd_km * 1e3, k), -site.max_km * 1e3, site.max_km * 1e3
    )
    return c[i, 0] + t * seg[i, 0] - uy * off, c[i, 1] + t * seg[i, 1] + ux * off


def _sample_sites(
    base: _Base, sites: Sequence[Site], k: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    w = np.array([s.weight for s in sites], dtype=float)
    which = rng.choice(len(sites), size=k, p=w / w.sum())
    x, y = np.empty(k), np.empty(k)
    for j, site in enumerate(sites):
        rows = np.flatnonzero(which == j)
        if rows.size:
            x[rows], y[rows] = _site_xy(base, site, rows.size, rng)
    return x, y


def _to_lonlat4(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lon, lat = to_lonlat().transform(x, y)
    return np.round(np.asarray(lon), 4), np.round(np.asarray(lat), 4)


def _points(
    base: _Base, sites: Sequence[Site], k: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Sample ``k`` points; redraw those outside Mali's cercles (few, near borders)."""
    x, y = _sample_sites(base, sites, k, rng)
    lon, lat = _to_lonlat4(x, y)
    cercle = _locate(base, lon, lat)
    for _ in range(50):
        bad = np.flatnonzero(cercle < 0)
        if bad.size == 0:
            break
        x[bad], y[bad] = _sample_sites(base, sites, bad.size, rng)
        lon[bad], lat[bad] = _to_lonlat4(x[bad], y[bad])
        cercle[bad] = _locate(base, lon[bad], lat[bad])
    if (cercle < 0).any():
        raise RuntimeError("could not place synthetic events inside Mali's cercles")
    return x, y, lon, lat, cercle


def _dates(p: Pattern, k: int, rng: np.random.Generator) -> np.ndarray:
    """Day numbers (since FIRST_DAY) with density ~ exp(growth * years)."""
    d0 = (p.start - FIRST_DAY).days
    span = (p.end - p.start).days + 1
    u = rng.random(k)
    if p.growth == 0:
        t = u * span
    else:
        g = p.growth / 365.25
        t = np.log1p(u * np.expm1(g * span)) / g
    return d0 + np.minimum(t.astype(np.int64), span - 1)


def _allocate(n: int) -> tuple[int, np.ndarray]:
    """Rows for the anchors and for each pattern (largest remainder, then minimums)."""
    n_anchor = min(n, len(ANCHORS))
    m = n - n_anchor
    w = np.array([p.weight for p in PATTERNS])
    exact = w / w.sum() * m
    counts = np.floor(exact).astype(np.int64)
    rest = m - counts.sum()
    counts[np.argsort(-(exact - counts), kind="stable")[:rest]] += 1
    for i, p in enumerate(PATTERNS):
        deficit = min(p.min_count, m) - counts[i]
        while deficit > 0:
            donor = int(np.argmax(np.where(np.arange(len(counts)) == i, -1, counts)))
            take = min(deficit, counts[donor])
            if take <= 0:
                break
            counts[donor] -= take
            counts[i] += take
            deficit -= take
    return n_anchor, counts


# ---------------------------------------------------------------- registry ---
class _Codes:
    """Strings to small integer codes (columns are built by ``take`` at the end)."""

    def __init__(self, first: Sequence[str] = ()) -> None:
        self.values: list[str] = []
        self.index: dict[str, int] = {}
        for v in first:
            self(v)

    def __call__(self, value: str) -> int:
        if value not in self.index:
            self.index[value] = len(self.values)
            self.values.append(value)
        return self.index[value]

    def arrow(self) -> pa.Array:
        return pa.array(self.values, type=pa.large_string())


def _all_kinds() -> list[Kind]:
    kinds: list[Kind] = []
    for k in [k for p in PATTERNS for k in p.kinds] + [a.kind for a in ANCHORS]:
        if k not in kinds:
            kinds.append(k)
    return kinds


@dataclass
class _Registry:
    kinds: list[Kind]
    actors: _Codes
    phrases_before: list[str]
    phrases_after: list[str]
    phrase_of: dict[tuple[int, int], int]  # (kind, phrase) -> code
    tags: _Codes
    era: list[tuple[int, np.ndarray, np.ndarray]]  # actor, first days, codes
    wagner: int


@lru_cache(maxsize=1)
def _registry() -> _Registry:
    kinds = _all_kinds()
    actors = _Codes([""])
    tags = _Codes([""])
    before: list[str] = []
    after: list[str] = []
    phrase_of: dict[tuple[int, int], int] = {}
    for ki, k in enumerate(kinds):
        if k.sub_event_type not in acled.TAXONOMY[k.event_type]:
            raise ValueError(
                f"not in ACLED taxonomy: {k.event_type}/{k.sub_event_type}"
            )
        for choice in (k.actor1, k.actor2, k.assoc1, k.assoc2):
            for name, _ in choice:
                actors(name)
        for name, _ in k.tags:
            tags(name)
        for pi, phrase in enumerate(k.phrases):
            if phrase.count("{loc}") != 1:
                raise ValueError(f"phrase needs one {{loc}}: {phrase!r}")
            b, a = phrase.split("{loc}")
            phrase_of[(ki, pi)] = len(before)
            before.append(b)
            after.append(a)
    era = []
    for actor, steps in ACTOR_ERAS.items():
        if actor in actors.index:
            first = np.array([(d - FIRST_DAY).days for d, _ in steps])
            era.append(
                (actors.index[actor], first, np.array([actors(n) for _, n in steps]))
            )
    for name in actors.values:
        if name and name not in ACTOR_INTER:
            raise ValueError(f"no inter label for actor {name!r}")
    return _Registry(kinds, actors, before, after, phrase_of, tags, era, actors(WAGNER))


def _pick(
    choice: Choice, codes: _Codes, k: int, rng: np.random.Generator
) -> np.ndarray:
    idx = np.array([codes(name) for name, _ in choice])
    if len(idx) == 1:
        return np.full(k, idx[0], dtype=np.int64)
    p = np.array([w for _, w in choice], dtype=float)
    return idx[rng.choice(len(idx), size=k, p=p / p.sum())]


def _fatalities(f: Fatal, k: int, rng: np.random.Generator) -> np.ndarray:
    if f.p_zero >= 1.0:
        return np.zeros(k, dtype=np.int64)
    val = np.maximum(1, np.rint(np.exp(rng.normal(f.mu, f.sigma, k)))).astype(np.int64)
    return np.where(rng.random(k) < f.p_zero, 0, np.minimum(val, f.cap))


# ---------------------------------------------------------------- generate ---
_COLS = (
    "day", "kind", "actor1", "actor2", "assoc1", "assoc2", "phrase", "tags",
    "fatalities", "x", "y", "lon", "lat", "cercle", "geo3",
)  # fmt: skip


def _block_for_kinds(
    reg: _Registry,
    kinds: Sequence[Kind],
    weights: np.ndarray,
    k: int,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """Kind, actors, phrase, tags and fatalities of ``k`` rows."""
    which = rng.choice(len(kinds), size=k, p=weights / weights.sum())
    out = {c: np.zeros(k, dtype=np.int64) for c in _COLS[1:9]}
    for j, kind in enumerate(kinds):
        rows = np.flatnonzero(which == j)
        m = rows.size
        if m == 0:
            continue
        ki = reg.kinds.index(kind)
        out["kind"][rows] = ki
        out["actor1"][rows] = _pick(kind.actor1, reg.actors, m, rng)
        out["actor2"][rows] = _pick(kind.actor2, reg.actors, m, rng)
        out["assoc1"][rows] = _pick(kind.assoc1, reg.actors, m, rng)
        out["assoc2"][rows] = _pick(kind.assoc2, reg.actors, m, rng)
        out["tags"][rows] = _pick(kind.tags, reg.tags, m, rng)
        codes = np.array([reg.phrase_of[(ki, i)] for i in range(len(kind.phrases))])
        out["phrase"][rows] = codes[rng.integers(0, len(codes), m)]
        out["fatalities"][rows] = _fatalities(kind.fatal, m, rng)
    return out


def _pattern_block(
    base: _Base, reg: _Registry, p: Pattern, k: int, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """All internal columns of ``k`` rows of one pattern."""
    block = _block_for_kinds(
        reg, p.kinds, np.array([q.weight for q in p.kinds]), k, rng
    )
    block["day"] = _dates(p, k, rng)
    x, y, lon, lat, cercle = _points(base, p.sites, k, rng)
    block.update(x=x, y=y, lon=lon, lat=lat, cercle=cercle)
    block["geo3"] = rng.random(k) < p.p_geo3
    return block


def _anchor_lonlat(base: _Base, a: Anchor) -> tuple[float, float]:
    if a.place is not None:
        lon, lat = base.place(a.place)
        dx, dy = a.offset_km
        lon, lat, _ = GEOD.fwd(lon, lat, 90.0, dx * 1e3)
        lon, lat, _ = GEOD.fwd(lon, lat, 0.0, dy * 1e3)
        return lon, lat
    line = base.roads_xy["RN4"]
    south = RN4_SOUTH_LENGTH_KM * 1e3  # Mourdiah's position along the line
    if a.rn4_km is not None:
        at = south + a.rn4_km * 1e3
    else:
        pos = np.linspace(0.0, south, 801)
        pts = shapely.line_interpolate_point(line, pos)
        lon, lat = _to_lonlat4(shapely.get_x(pts), shapely.get_y(pts))
        bx, by = base.place("Bamako")
        _, _, d = GEOD.inv(np.full_like(lon, bx), np.full_like(lat, by), lon, lat)
        at = pos[np.argmin(np.abs(d - a.rn4_from_bamako_km * 1e3))]
    pt = shapely.line_interpolate_point(line, at)
    lon, lat = _to_lonlat4(np.array([pt.x]), np.array([pt.y]))
    return float(lon[0]), float(lat[0])


def _ints(values: Sequence[int]) -> np.ndarray:
    return np.asarray(values, dtype=np.int64)


def _anchor_block(
    base: _Base, reg: _Registry, anchors: Sequence[Anchor]
) -> dict[str, np.ndarray]:
    """All internal columns of the fixed anchor events."""
    k = len(anchors)
    ll = np.array([_anchor_lonlat(base, a) for a in anchors]).reshape(k, 2)
    lon, lat = np.round(ll[:, 0], 4), np.round(ll[:, 1], 4)
    x, y = _to_xy(lon, lat)
    block = {
        "day": _ints([(a.day - FIRST_DAY).days for a in anchors]),
        "kind": _ints([reg.kinds.index(a.kind) for a in anchors]),
        "actor1": _ints([reg.actors(a.kind.actor1[0][0]) for a in anchors]),
        "actor2": _ints([reg.actors(a.kind.actor2[0][0]) for a in anchors]),
        "assoc1": _ints([reg.actors(a.kind.assoc1[0][0]) for a in anchors]),
        "assoc2": _ints([reg.actors(a.kind.assoc2[0][0]) for a in anchors]),
        "phrase": _ints([reg.phrase_of[(reg.kinds.index(a.kind), 0)] for a in anchors]),
        "tags": np.zeros(k, dtype=np.int64),
        "fatalities": _ints([a.fatalities for a in anchors]),
        "x": x,
        "y": y,
        "lon": lon,
        "lat": lat,
        "cercle": _locate(base, lon, lat),
        "geo3": np.zeros(k, dtype=bool),
    }
    if k and (block["cercle"] < 0).any():
        raise ValueError("an anchor event falls outside Mali's cercles")
    return {c: np.asarray(v).reshape(k) for c, v in block.items()}


_STR = pa.large_string()


def _s(text: str) -> pa.Scalar:
    """a large_string scalar (pyarrow does not mix string and large_string)."""
    return pa.scalar(text, type=_STR)


def _take(values: pa.Array, codes: np.ndarray) -> pa.Array:
    return values.take(pa.array(codes))


def _fixed4(v: np.ndarray) -> pa.Array:
    """Degrees with exactly 4 decimals, as ACLED writes them (vectorised)."""
    i = np.rint(v * 1e4).astype(np.int64)
    a = np.abs(i)
    whole = pa.array(a // 10000).cast(pa.large_string())
    frac = pc.utf8_lpad(pa.array(a % 10000).cast(pa.large_string()), 4, "0")
    sign = _take(pa.array(["", "-"], type=pa.large_string()), (i < 0).astype(np.int64))
    return pc.binary_join_element_wise(sign, whole, _s("."), frac, _s(""))


def _int_str(v: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(v, dtype=np.int64)).cast(pa.large_string())


def _const(value: str, n: int) -> pa.Array:
    return pa.repeat(_s(value), n)


def _interaction_table(
    inter: list[str],
) -> tuple[list[str], dict[tuple[int, int], int]]:
    """ACLED's text interaction: the two inter labels by code order, or "X only"."""
    code = {label: int(c) for c, label in acled.INTER_CODES.items() if label}
    labels: list[str] = []
    index: dict[tuple[int, int], int] = {}
    for i, a in enumerate(inter):
        for j, b in enumerate(inter):
            if not a:
                text = ""
            elif not b:
                text = f"{a} only"
            else:
                first, second = sorted((a, b), key=lambda s: code[s])
                text = f"{first}-{second}"
            index[(i, j)] = len(labels)
            labels.append(text)
    return labels, index


def generate_events(
    n: int = DEFAULT_N, seed: int = DEFAULT_SEED, *, base_gpkg: Path | None = None
) -> pd.DataFrame:
    """Generate ``n`` SYNTHETIC events in ACLED's current export format.

    Parameters
    ----------
    n
        Number of rows. Five fixed "anchor" events (suicide bombs, RN4 base
        overrun) are always included (when ``n >= 5``); patterns share the rest.
        1,000,000 rows take a few seconds (benchmarks use that).
    seed
        Seed of the numpy generator; the same seed gives the same frame.
    base_gpkg
        SahelGIS base GeoPackage (cercles, regions, places, roads). Defaults to
        ``data/sahelgis_base.gpkg``.

    Returns
    -------
    pandas.DataFrame
        The 31 :data:`~sahelgis.model.acled_schema.CURRENT_COLUMNS` in ACLED's
        order, all as strings (``event_date`` as ``YYYY-MM-DD``), sorted by date.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    base = _load_base(str(Path(base_gpkg or DEFAULT_BASE_GPKG).resolve()))
    reg = _registry()
    rng = np.random.default_rng(seed)

    n_anchor, counts = _allocate(n)
    blocks = [_anchor_block(base, reg, ANCHORS[:n_anchor])]
    blocks += [
        _pattern_block(base, reg, p, int(k), rng)
        for p, k in zip(PATTERNS, counts, strict=True)
        if k > 0
    ]
    cols = {c: np.concatenate([b[c] for b in blocks]) for c in _COLS}
    order = np.argsort(cols["day"], kind="stable")
    cols = {c: v[order] for c, v in cols.items()}
    day = cols["day"]

    # Regime names of state forces; no Wagner before it deployed.
    for col in ("actor1", "actor2", "assoc1", "assoc2"):
        codes = cols[col]
        for actor, first_days, names in reg.era:
            rows = np.flatnonzero(codes == actor)
            codes[rows] = names[
                np.searchsorted(first_days, day[rows], side="right") - 1
            ]
        codes[(codes == reg.wagner) & (day < (WAGNER_FROM - FIRST_DAY).days)] = 0

    # geo_precision 3: coded to the cercle capital, as ACLED does.
    capital = base.cercle_capital[cols["cercle"]]
    geo3 = cols["geo3"] & (capital >= 0)
    cap = capital[geo3]
    cols["lon"][geo3] = np.round(base.place_lonlat[cap, 0], 4)
    cols["lat"][geo3] = np.round(base.place_lonlat[cap, 1], 4)
    cols["x"][geo3] = base.place_xy[cap, 0]
    cols["y"][geo3] = base.place_xy[cap, 1]
    near = _nearest_place(base, cols["x"], cols["y"])
    dist = np.hypot(
        cols["x"] - base.place_xy[near, 0], cols["y"] - base.place_xy[near, 1]
    )
    # 1: at the named town (within 5 km); 2: near it; 3: only the cercle is known.
    geo_precision = np.where(geo3, 3, np.where(dist <= 5000.0, 1, 2))
    m = len(day)
    time_precision = rng.choice(np.array([1, 2, 3]), size=m, p=[0.8, 0.14, 0.06])
    time_precision[order < n_anchor] = 1
    scale_names = [s for s, _ in SOURCE_SCALES]
    scale_p = np.array([w for _, w in SOURCE_SCALES])
    scale = rng.choice(len(scale_names), size=m, p=scale_p / scale_p.sum())
    publish_days = rng.integers(1, 46, m)
    seconds = rng.integers(0, 86400, m)

    # Lookup tables by day, kind and actor.
    days = np.datetime64(FIRST_DAY, "D") + np.arange((LAST_DAY - FIRST_DAY).days + 1)
    iso = pa.array(np.datetime_as_string(days, unit="D"), type=pa.large_string())
    years = days.astype("datetime64[Y]").astype(np.int64) + 1970
    dd = pd.DatetimeIndex(days)
    day_text = pa.array(
        [f"{d.day} {d.month_name()} {d.year}" for d in dd], type=pa.large_string()
    )
    month_text = pa.array(
        [f"{d.month_name()} {d.year}" for d in dd], type=pa.large_string()
    )
    epoch = (days - np.datetime64("1970-01-01", "D")).astype(np.int64) * 86400

    kinds = reg.kinds
    ev_type = np.array([k.event_type for k in kinds], dtype=object)
    sub_type = np.array([k.sub_event_type for k in kinds], dtype=object)
    disorder = np.array(
        [
            "Strategic developments"
            if k.event_type == "Strategic developments"
            else "Political violence; Demonstrations"
            if k.sub_event_type == "Excessive force against protesters"
            else "Demonstrations"
            if k.event_type in ("Protests", "Riots")
            else "Political violence"
            for k in kinds
        ],
        dtype=object,
    )
    inter_names = _Codes([""])
    actor_inter = np.array(
        [inter_names(ACTOR_INTER.get(a, "")) for a in reg.actors.values]
    )
    inter_labels, inter_index = _interaction_table(inter_names.values)
    pair = np.zeros((len(inter_names.values), len(inter_names.values)), dtype=np.int64)
    for (i, j), v in inter_index.items():
        pair[i, j] = v
    inter1 = actor_inter[cols["actor1"]]
    inter2 = actor_inter[cols["actor2"]]
    actor2_civ = cols["actor2"] == reg.actors.index[CIV]
    kind_vac = np.array([k.event_type == "Violence against civilians" for k in kinds])
    kind_expl = np.array([k.event_type == "Explosions/Remote violence" for k in kinds])
    targeting = kind_vac[cols["kind"]] | (kind_expl[cols["kind"]] & actor2_civ)

    actors = reg.actors.arrow()
    location = _take(pa.array(base.place_names, type=pa.large_string()), near)
    # "On 28 February 2024" (day known), "Around ..." (week), "In February 2024".
    on_around = pa.array(["On ", "Around "], type=pa.large_string())
    date_part = pc.if_else(
        pa.array(time_precision == 3),
        pc.binary_join_element_wise(_s("In "), _take(month_text, day), _s("")),
        pc.binary_join_element_wise(
            _take(on_around, (time_precision == 2).astype(np.int64)),
            _take(day_text, day),
            _s(""),
        ),
    )
    notes = pc.binary_join_element_wise(
        _const(NOTE_PREFIX, m),
        date_part,
        _const(", ", m),
        _take(pa.array(reg.phrases_before, type=pa.large_string()), cols["phrase"]),
        location,
        _take(pa.array(reg.phrases_after, type=pa.large_string()), cols["phrase"]),
        _s(""),
    )
    width = max(7, len(str(m)))
    ids = pc.binary_join_element_wise(
        _const(ID_PREFIX, m),
        pc.utf8_lpad(_int_str(np.arange(1, m + 1)), width, "0"),
        _s(""),
    )
    cercle_names = pa.array(base.cercle_names, type=pa.large_string())
    cercle_adm1 = pa.array(base.cercle_adm1, type=pa.large_string())

    columns: dict[str, pa.Array] = {
        acled.EVENT_ID: ids,
        acled.EVENT_DATE: _take(iso, day),
        acled.YEAR: _int_str(years[day]),
        acled.TIME_PRECISION: _int_str(time_precision),
        acled.DISORDER_TYPE: _take(pa.array(disorder, pa.large_string()), cols["kind"]),
        acled.EVENT_TYPE: _take(pa.array(ev_type, pa.large_string()), cols["kind"]),
        acled.SUB_EVENT_TYPE: _take(
            pa.array(sub_type, pa.large_string()), cols["kind"]
        ),
        acled.ACTOR1: _take(actors, cols["actor1"]),
        acled.ASSOC_ACTOR_1: _take(actors, cols["assoc1"]),
        acled.INTER1: _take(inter_names.arrow(), inter1),
        acled.ACTOR2: _take(actors, cols["actor2"]),
        acled.ASSOC_ACTOR_2: _take(actors, cols["assoc2"]),
        acled.INTER2: _take(inter_names.arrow(), inter2),
        acled.INTERACTION: _take(
            pa.array(inter_labels, pa.large_string()), pair[inter1, inter2]
        ),
        acled.CIVILIAN_TARGETING: _take(
            pa.array(["", "Civilian targeting"], pa.large_string()),
            targeting.astype(np.int64),
        ),
        acled.ISO: _const("466", m),
        acled.REGION: _const("Western Africa", m),
        acled.COUNTRY: _const("Mali", m),
        acled.ADMIN1: _take(cercle_adm1, cols["cercle"]),
        acled.ADMIN2: _take(cercle_names, cols["cercle"]),
        acled.ADMIN3: _const("", m),
        acled.LOCATION: location,
        acled.LATITUDE: _fixed4(cols["lat"]),
        acled.LONGITUDE: _fixed4(cols["lon"]),
        acled.GEO_PRECISION: _int_str(geo_precision),
        acled.SOURCE: _const(SOURCE_TEXT, m),
        acled.SOURCE_SCALE: _take(pa.array(scale_names, pa.large_string()), scale),
        acled.NOTES: notes,
        acled.FATALITIES: _int_str(cols["fatalities"]),
        acled.TAGS: _take(reg.tags.arrow(), cols["tags"]),
        acled.TIMESTAMP: _int_str(epoch[day] + publish_days * 86400 + seconds),
    }
    dtype = pd.StringDtype("pyarrow", na_value=np.nan)
    return pd.DataFrame(
        {
            c: pd.Series(pd.arrays.ArrowStringArray(columns[c]), dtype=dtype)
            for c in acled.CURRENT_COLUMNS
        }
    )


def write_demo_csv(
    path: Path = DEFAULT_OUTPUT, n: int = DEFAULT_N, seed: int = DEFAULT_SEED
) -> Path:
    """Write the synthetic demo events to a UTF-8 CSV; return its path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    from sahelgis.io.csv_safe import write_csv

    write_csv(generate_events(n, seed), path)
    return path


def main(argv: Sequence[str] | None = None) -> int:
    """CLI: ``python -m sahelgis.demo.synthetic_events -o FILE [--n N] [--seed S]``."""
    parser = argparse.ArgumentParser(
        prog="python -m sahelgis.demo.synthetic_events",
        description="Write SYNTHETIC demo events (not ACLED data) in ACLED's format.",
    )
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--n", type=int, default=DEFAULT_N, help="number of events")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    if args.n < 0:
        parser.error("--n must be >= 0")
    path = write_demo_csv(args.output, args.n, args.seed)
    print(f"wrote {args.n} SYNTHETIC events to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
