"""ACLED column names, dtypes and taxonomy shared by the importer, model and demo.

Source: ../shared/reference/acled_format.md (the 2023 column set plus older columns).
"""

from __future__ import annotations

from typing import Literal

# Column names as constants, so code never spells them twice.
EVENT_ID = "event_id_cnty"
EVENT_DATE = "event_date"
YEAR = "year"
TIME_PRECISION = "time_precision"
DISORDER_TYPE = "disorder_type"
EVENT_TYPE = "event_type"
SUB_EVENT_TYPE = "sub_event_type"
ACTOR1 = "actor1"
ASSOC_ACTOR_1 = "assoc_actor_1"
INTER1 = "inter1"
ACTOR2 = "actor2"
ASSOC_ACTOR_2 = "assoc_actor_2"
INTER2 = "inter2"
INTERACTION = "interaction"
CIVILIAN_TARGETING = "civilian_targeting"
ISO = "iso"
REGION = "region"
COUNTRY = "country"
ADMIN1 = "admin1"
ADMIN2 = "admin2"
ADMIN3 = "admin3"
LOCATION = "location"
LATITUDE = "latitude"
LONGITUDE = "longitude"
GEO_PRECISION = "geo_precision"
SOURCE = "source"
SOURCE_SCALE = "source_scale"
NOTES = "notes"
FATALITIES = "fatalities"
TAGS = "tags"
TIMESTAMP = "timestamp"

#: The 31 columns of a current (post March 2023) export, in ACLED's order.
CURRENT_COLUMNS: tuple[str, ...] = (
    EVENT_ID,
    EVENT_DATE,
    YEAR,
    TIME_PRECISION,
    DISORDER_TYPE,
    EVENT_TYPE,
    SUB_EVENT_TYPE,
    ACTOR1,
    ASSOC_ACTOR_1,
    INTER1,
    ACTOR2,
    ASSOC_ACTOR_2,
    INTER2,
    INTERACTION,
    CIVILIAN_TARGETING,
    ISO,
    REGION,
    COUNTRY,
    ADMIN1,
    ADMIN2,
    ADMIN3,
    LOCATION,
    LATITUDE,
    LONGITUDE,
    GEO_PRECISION,
    SOURCE,
    SOURCE_SCALE,
    NOTES,
    FATALITIES,
    TAGS,
    TIMESTAMP,
)

#: Columns only older (pre 2023) exports carry; accepted and kept when present.
LEGACY_COLUMNS: tuple[str, ...] = ("event_id_no_cnty", "data_id", "iso3")

#: Old column names and today's: pre-2019 exports call the associated actors
#: ``ally_actor_1/2``.
COLUMN_ALIASES: dict[str, str] = {
    "ally_actor_1": ASSOC_ACTOR_1,
    "ally_actor_2": ASSOC_ACTOR_2,
}

#: Without these a row cannot be placed on the map or in time.
REQUIRED_COLUMNS: tuple[str, ...] = (
    EVENT_ID,
    EVENT_DATE,
    EVENT_TYPE,
    LATITUDE,
    LONGITUDE,
)

#: Repeated text kept as pandas categoricals (a large memory saving on 1M rows).
CATEGORICAL_COLUMNS: tuple[str, ...] = (
    DISORDER_TYPE,
    EVENT_TYPE,
    SUB_EVENT_TYPE,
    ACTOR1,
    ASSOC_ACTOR_1,
    INTER1,
    ACTOR2,
    ASSOC_ACTOR_2,
    INTER2,
    INTERACTION,
    CIVILIAN_TARGETING,
    ISO,
    REGION,
    COUNTRY,
    ADMIN1,
    ADMIN2,
    ADMIN3,
    LOCATION,
    SOURCE,
    SOURCE_SCALE,
    TAGS,
    "iso3",
)

#: Small integer columns and their dtypes.
INTEGER_COLUMNS: dict[str, Literal["int8", "int16", "int32"]] = {
    YEAR: "int16",
    TIME_PRECISION: "int8",
    GEO_PRECISION: "int8",
    FATALITIES: "int32",
}

#: ACLED's inter codes, for files that carry numbers instead of labels.
INTER_CODES: dict[str, str] = {
    "0": "",
    "1": "State forces",
    "2": "Rebel group",
    "3": "Political militia",
    "4": "Identity militia",
    "5": "Rioters",
    "6": "Protesters",
    "7": "Civilians",
    "8": "External/Other forces",
}

#: event_type -> its sub_event_types.
TAXONOMY: dict[str, tuple[str, ...]] = {
    "Battles": (
        "Armed clash",
        "Government regains territory",
        "Non-state actor overtakes territory",
    ),
    "Explosions/Remote violence": (
        "Chemical weapon",
        "Air/drone strike",
        "Suicide bomb",
        "Shelling/artillery/missile attack",
        "Remote explosive/landmine/IED",
        "Grenade",
    ),
    "Violence against civilians": (
        "Sexual violence",
        "Attack",
        "Abduction/forced disappearance",
    ),
    "Protests": (
        "Peaceful protest",
        "Protest with intervention",
        "Excessive force against protesters",
    ),
    "Riots": ("Violent demonstration", "Mob violence"),
    "Strategic developments": (
        "Agreement",
        "Arrests",
        "Change to group/activity",
        "Disrupted weapons use",
        "Headquarters or base established",
        "Looting/property destruction",
        "Non-violent transfer of territory",
        "Other",
    ),
}

EVENT_TYPES: tuple[str, ...] = tuple(TAXONOMY)

#: Map colours per event_type, shared by the map legend, the charts, the
#: figure export and the QGIS styles. Chosen (from Okabe–Ito and Paul Tol's
#: schemes) so that every pair stays apart under normal vision, deuteranopia
#: and protanopia: the smallest CAM02-UCS difference over the three is 22.5
#: (tests/model/test_palette_cvd.py, colorspacious); the earlier Okabe–Ito
#: set had 9.2, and Battles #D55E00 beside Violence against civilians #E69F00
#: were hard to tell apart on the map.
EVENT_TYPE_COLORS: dict[str, str] = {
    "Battles": "#CC3311",
    "Explosions/Remote violence": "#332288",
    "Violence against civilians": "#E69F00",
    "Protests": "#0077BB",
    "Riots": "#33BBEE",
    "Strategic developments": "#009988",
}

ACLED_ATTRIBUTION = "Armed Conflict Location & Event Data (ACLED), acleddata.com"
