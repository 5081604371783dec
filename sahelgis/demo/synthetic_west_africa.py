"""SYNTHETIC events in ACLED's format over West Africa, 1997–2024, at any scale.

Every event made here is invented (ACLED's data may not be redistributed), like
the Mali demo of :mod:`sahelgis.demo.synthetic_events`, whose markers it reuses:
``source`` is :data:`SOURCE_TEXT`, ``notes`` start with ``"[SYNTHETIC] "`` and
``event_id_cnty`` with :data:`ID_PREFIX` (``"SYNWA"`` + a 10-digit row number).
It exists so that scale work (Dask, 10 million events) has realistic-looking
input: a growing time trend, clustered space, ACLED's taxonomy and plausible
actors per country, and "control indicators" that
:func:`sahelgis.analysis.zones.support_zones` finds.

Shape of the data
-----------------
- **Time**: the yearly totals follow :data:`YEAR_WEIGHTS`, a rough copy of the
  rise of ACLED's West Africa/Sahel series (few events in the late 1990s, growth
  after 2012, the most in 2019–2024); each country's share moves with its own
  history (Sierra Leone and Liberia early, Burkina Faso after 2015, Benin and
  Togo after 2021...). Days are uniform within a year.
- **Space**: most events are Gaussian scatter (tens of km) around a handful of
  real towns per country, some uniform inside the country's bounding box. The
  boxes and town coordinates are **approximate and hand-typed**: there are no
  polygons for countries other than Mali, so a point can be in the box but over
  the border. Mali gets extra density around Bamako and along an approximate
  Bamako–Kati–Kolokani–Mourdiah–Nara axis (:data:`MALI_RN4_AXIS`, "RN4-ish",
  not surveyed). ``geo_precision`` 3 events sit exactly on their town, as
  ACLED codes events known only to a region (the buffer-inflating trap).
- **Names**: ``admin1``/``admin2`` are ``"<town> region (synthetic)"`` and
  ``"<town> area (synthetic)"``, ``admin3`` is empty and ``location`` is the
  town or ``"<town>, 10-25 km NE (synthetic)"``: nothing pretends to be a real
  administrative unit.
- **Control indicators**: 0.6–1.8 % (:data:`CONTROL_SHARE`) of the events of
  Mali and Burkina Faso from 2018 are JNIM zakat, school closures, Sharia
  agreements..., clustered at a few hotspots (east of Nara, Mourdiah,
  Djibo...), which the default zone rules count; generic phrases avoid the
  rules' keywords.

Output
------
Each chunk is typed as :func:`sahelgis.io.acled.read_acled` types an import
(categoricals, small ints, ``event_date`` as ``datetime64[s]``, ``notes`` and
``event_id_cnty`` as Arrow-backed ``str``, ``timestamp`` int64), sorted by date,
so ``EventTable(chunk, synthetic=True)`` takes it as is. Categoricals use the
same fixed, sorted categories in every chunk (all values the generator can
produce), so chunks concatenate without falling back to object columns and a
Dask frame built from them has known categories.

Chunk ``k`` draws from ``numpy.random.default_rng([seed, k])`` only, so any chunk
can be produced alone (on another worker) and the same ``(n, seed,
chunk_rows)`` always gives the same data. Everything is vectorised with numpy
and pyarrow; Python loops run only over countries, templates and days of the
calendar (once, cached). One 1,000,000-row chunk takes about a second.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sahelgis.demo.synthetic_events import ID_PREFIX as MALI_ID_PREFIX
from sahelgis.demo.synthetic_events import NOTE_PREFIX, SOURCE_SCALES
from sahelgis.model import acled_schema as acled

__all__ = [
    "BOKO_HARAM",
    "CONTROL_SHARE",
    "DEFAULT_CHUNK_ROWS",
    "DEFAULT_SEED",
    "FIRST_YEAR",
    "ID_PREFIX",
    "ISWAP",
    "JNIM",
    "LAST_YEAR",
    "MALI_RN4_AXIS",
    "NOTE_PREFIX",
    "SOURCE_TEXT",
    "WEST_AFRICA_COUNTRIES",
    "YEAR_WEIGHTS",
    "Country",
    "generate_west_africa",
    "iter_west_africa",
]

DEFAULT_SEED = 20241124
DEFAULT_CHUNK_ROWS = 1_000_000
FIRST_YEAR = 1997
LAST_YEAR = 2024

SOURCE_TEXT = "SYNTHETIC demo data (SahelGIS West Africa generator, not ACLED)"
ID_PREFIX = MALI_ID_PREFIX + "WA"
ID_DIGITS = 10

#: Share of the events of Mali and Burkina Faso that are control indicators
#: (JNIM zakat, school closures, ...), by year, rising as JNIM's hold grew: about
#: 1.5 % over 2018–2024 (plus ~0.2 % bases/overruns the rules also count).
CONTROL_SHARE: dict[int, float] = {
    2018: 0.006,
    2019: 0.008,
    2020: 0.010,
    2021: 0.012,
    2022: 0.015,
    2023: 0.018,
    2024: 0.018,
}
CONTROL_FROM = min(CONTROL_SHARE)

#: Relative number of events per year, shaped like ACLED's West Africa series.
YEAR_WEIGHTS: dict[int, float] = {
    1997: 7, 1998: 8, 1999: 9, 2000: 9, 2001: 8, 2002: 7, 2003: 7, 2004: 6,
    2005: 5, 2006: 6, 2007: 7, 2008: 8, 2009: 10, 2010: 12, 2011: 18, 2012: 25,
    2013: 28, 2014: 40, 2015: 38, 2016: 36, 2017: 45, 2018: 65, 2019: 85,
    2020: 110, 2021: 125, 2022: 150, 2023: 155, 2024: 145,
}  # fmt: skip

#: Approximate Bamako–Nara axis (lon, lat), south to north: Bamako, Kati,
#: Kolokani, the RN4 south of Mourdiah, Mourdiah, Nara. Not a surveyed road.
MALI_RN4_AXIS: tuple[tuple[float, float], ...] = (
    (-7.9752, 12.6092),
    (-8.0730, 12.7440),
    (-8.0330, 13.5740),
    (-7.7530, 13.8050),
    (-7.4690, 14.4740),
    (-7.2900, 15.1690),
)

_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December",
)  # fmt: skip
_YEARS = np.arange(FIRST_YEAR, LAST_YEAR + 1)
_N_YEARS = len(_YEARS)
_KM_PER_DEG_LAT = 110.574
_KM_PER_DEG_LON = 111.320
#: Scatter around towns: tens of km, less in small countries (see _sigma_km).
_TOWN_SIGMA_KM = 25.0
_URBAN_SIGMA_KM = 5.0
_UNIFORM_SHARE = 0.12
_GEO_PRECISION_P = (0.72, 0.20, 0.08)
_TIME_PRECISION_P = (0.78, 0.15, 0.07)
#: Location name bands around a town, km; the first band is the town itself.
_BANDS_KM = (3.0, 10.0, 25.0, 50.0)
_BAND_TEXT = ("3-10 km", "10-25 km", "25-50 km", "over 50 km")
_SECTORS = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")
_LOC_PER_TOWN = 1 + len(_BAND_TEXT) * len(_SECTORS)
_CROWD_TAGS = (
    ("crowd size=no report", 0.7),
    ("crowd size=dozens", 0.15),
    ("crowd size=hundreds", 0.15),
)


# --------------------------------------------------------------- countries ---
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


WEST_AFRICA_COUNTRIES: tuple[Country, ...] = (
    Country("Nigeria", 566, (2.69, 4.27, 14.68, 13.89), (
        ("Maiduguri", 13.1571, 11.8464), ("Bama", 13.6856, 11.5221),
        ("Kaduna", 7.4382, 10.5105), ("Gusau", 6.6641, 12.1628),
        ("Katsina", 7.6006, 12.9908), ("Jos", 8.8921, 9.8965),
        ("Lagos", 3.3792, 6.5244), ("Abuja", 7.4951, 9.0579),
        ("Port Harcourt", 7.0134, 4.8156), ("Kano", 8.5167, 12.0000),
        ("Sokoto", 5.2476, 13.0059), ("Makurdi", 8.5391, 7.7337),
    ), 0.30),
    Country("Burkina Faso", 854, (-5.52, 9.40, 2.41, 15.08), (
        ("Ouagadougou", -1.5197, 12.3714), ("Djibo", -1.6306, 14.1022),
        ("Dori", -0.0345, 14.0354), ("Kaya", -1.0844, 13.0917),
        ("Arbinda", -0.8667, 14.2333), ("Fada N'Gourma", 0.3544, 12.0616),
        ("Ouahigouya", -2.4219, 13.5828), ("Bobo-Dioulasso", -4.2979, 11.1771),
        ("Gorom-Gorom", -0.2353, 14.4439), ("Diapaga", 1.7886, 12.0708),
    ), 0.14),
    Country("Mali", 466, (-12.24, 10.16, 4.24, 25.00), (
        ("Bamako", -7.9752, 12.6092), ("Mopti", -4.1830, 14.4840),
        ("Ségou", -6.2590, 13.4400), ("Gao", -0.0440, 16.2720),
        ("Timbuktu", -3.0080, 16.7730), ("Ménaka", 2.4000, 15.9200),
        ("Nara", -7.2900, 15.1690), ("Niono", -5.9870, 14.2510),
        ("Douentza", -2.9500, 15.0000), ("Djenné", -4.5530, 13.9060),
        ("Ténenkou", -4.9170, 14.4570), ("Kidal", 1.4100, 18.4400),
        ("Banamba", -7.4480, 13.5480), ("Mourdiah", -7.4690, 14.4740),
        ("Kolokani", -8.0330, 13.5740), ("Kati", -8.0730, 12.7440),
        ("Koulikoro", -7.5600, 12.8630), ("Sikasso", -5.6670, 11.3180),
        ("Kayes", -11.4440, 14.4480),
    ), 0.13),
    Country("Cameroon", 120, (8.49, 1.65, 16.19, 13.08), (
        ("Maroua", 14.3159, 10.5956), ("Mora", 14.1403, 11.0461),
        ("Kousséri", 15.0306, 12.0769), ("Bamenda", 10.1591, 5.9631),
        ("Buea", 9.2415, 4.1527), ("Yaoundé", 11.5021, 3.8480),
        ("Douala", 9.7679, 4.0511),
    ), 0.10),
    Country("Niger", 562, (0.17, 11.70, 15.99, 23.52), (
        ("Niamey", 2.1098, 13.5116), ("Tillabéri", 1.4531, 14.2117),
        ("Diffa", 12.6113, 13.3154), ("Ouallam", 2.0864, 14.3189),
        ("Téra", 0.7533, 14.0078), ("Tahoua", 5.2676, 14.8888),
        ("Maradi", 7.1017, 13.5000), ("Zinder", 8.9881, 13.8053),
        ("Agadez", 7.9911, 16.9742),
    ), 0.07),
    Country("Cote d'Ivoire", 384, (-8.60, 4.36, -2.49, 10.74), (
        ("Abidjan", -4.0083, 5.3600), ("Bouaké", -5.0306, 7.6906),
        ("Man", -7.5540, 7.4125), ("Korhogo", -5.6292, 9.4580),
        ("Daloa", -6.4502, 6.8774), ("Yamoussoukro", -5.2767, 6.8276),
    ), 0.035),
    Country("Guinea", 324, (-15.08, 7.19, -7.64, 12.68), (
        ("Conakry", -13.7122, 9.5370), ("Nzérékoré", -8.8179, 7.7562),
        ("Kankan", -9.3056, 10.3854), ("Labé", -12.2833, 11.3167),
        ("Kindia", -12.8642, 10.0569),
    ), 0.03),
    Country("Ghana", 288, (-3.26, 4.74, 1.19, 11.17), (
        ("Accra", -0.1870, 5.6037), ("Kumasi", -1.6244, 6.6885),
        ("Tamale", -0.8393, 9.4008), ("Bawku", -0.2417, 11.0616),
        ("Bolgatanga", -0.8513, 10.7856),
    ), 0.03),
    Country("Chad", 148, (13.47, 7.44, 24.00, 23.45), (
        ("N'Djamena", 15.0557, 12.1348), ("Bol", 14.7147, 13.4586),
        ("Abéché", 20.8324, 13.8292), ("Moundou", 16.0833, 8.5667),
        ("Mongo", 18.6935, 12.1837),
    ), 0.03),
    Country("Sierra Leone", 694, (-13.30, 6.93, -10.27, 10.00), (
        ("Freetown", -13.2317, 8.4657), ("Kenema", -11.1903, 7.8767),
        ("Bo", -11.7383, 7.9647), ("Makeni", -12.0442, 8.8817),
        ("Koidu", -10.9714, 8.6439),
    ), 0.025),
    Country("Liberia", 430, (-11.49, 4.35, -7.37, 8.55), (
        ("Monrovia", -10.8047, 6.3156), ("Gbarnga", -9.4722, 6.9956),
        ("Buchanan", -10.0467, 5.8808), ("Zwedru", -8.1281, 6.0669),
    ), 0.02),
    Country("Senegal", 686, (-17.54, 12.31, -11.35, 16.69), (
        ("Dakar", -17.4677, 14.7167), ("Ziguinchor", -16.2719, 12.5681),
        ("Thiès", -16.9359, 14.7886), ("Kolda", -14.9506, 12.8939),
        ("Saint-Louis", -16.4896, 16.0326), ("Touba", -15.8833, 14.8500),
    ), 0.02),
    Country("Benin", 204, (0.77, 6.23, 3.85, 12.42), (
        ("Cotonou", 2.4183, 6.3654), ("Kandi", 2.9386, 11.1342),
        ("Natitingou", 1.3795, 10.3042), ("Parakou", 2.6286, 9.3372),
        ("Malanville", 3.3862, 11.8619), ("Porto-Novo", 2.6289, 6.4969),
    ), 0.015),
    Country("Togo", 768, (-0.15, 6.10, 1.81, 11.14), (
        ("Lomé", 1.2228, 6.1375), ("Dapaong", 0.2078, 10.8622),
        ("Kara", 1.1861, 9.5511), ("Mango", 0.4706, 10.3591),
        ("Sokodé", 1.1333, 8.9833),
    ), 0.012),
    Country("Mauritania", 478, (-17.07, 14.72, -4.83, 27.30), (
        ("Nouakchott", -15.9785, 18.0735), ("Nouadhibou", -17.0347, 20.9310),
        ("Néma", -7.2526, 16.6170), ("Kiffa", -11.4045, 16.6166),
        ("Bassikounou", -5.9500, 15.8700), ("Rosso", -15.8050, 16.5138),
    ), 0.008),
    Country("Gambia", 270, (-16.82, 13.06, -13.80, 13.83), (
        ("Banjul", -16.5775, 13.4531), ("Serekunda", -16.6781, 13.4383),
        ("Brikama", -16.6494, 13.2711), ("Farafenni", -15.6000, 13.5667),
        ("Basse Santa Su", -14.2137, 13.3099),
    ), 0.005),
)  # fmt: skip


# ------------------------------------------------------- country profiles ---
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


JNIM = "JNIM: Group for Support of Islam and Muslims"
ISS = "Islamic State (Sahel)"
ISWAP = "ISWAP: Islamic State West Africa Province"
BOKO_HARAM = "Boko Haram - Jamaatu Ahli is-Sunnah lid-Dawati wal-Jihad"


def _jnim(first: int = 2017, last: int = LAST_YEAR, weight: float = 1.0) -> _Armed:
    return _Armed(JNIM, "JNIM militants", "JNIM", first, last, weight)


def _iss(first: int, weight: float) -> _Armed:
    return _Armed(
        ISS, "Islamic State (Sahel) fighters", "IS Sahel", first, weight=weight
    )


def _iswap(first: int, weight: float) -> _Armed:
    return _Armed(ISWAP, "ISWAP fighters", "ISWAP", first, weight=weight)


def _boko_haram(first: int, weight: float) -> _Armed:
    return _Armed(
        BOKO_HARAM, "Boko Haram (JAS) fighters", "Boko Haram", first, weight=weight
    )


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


_PROFILES: dict[str, _Profile] = {
    "Nigeria": _Profile(
        "Nigerian",
        (1993, 1999, 2007, 2010, 2015, 2023),
        (
            _boko_haram(2009, 1.0),
            _iswap(2016, 0.8),
            _Armed(
                "MEND: Movement for the Emancipation of the Niger Delta",
                "MEND militants",
                "MEND",
                2006,
                2016,
                0.5,
            ),
            _Armed(
                "IPOB: Indigenous People of Biafra",
                "IPOB militants",
                "IPOB",
                2017,
                weight=0.3,
                inter="Political militia",
            ),
        ),
        (0.40, 0.10, 0.15, 0.35),
        uag_weight=1.0,
        militia=("Fulani Ethnic Militia (Nigeria)", "Fulani militiamen", FIRST_YEAR),
        partner=((2013, LAST_YEAR, "CJTF: Civilian Joint Task Force"),),
    ),
    "Burkina Faso": _Profile(
        "Burkinabe",
        (1987, 2014, 2015, 2022),
        (
            _jnim(),
            _Armed(
                "Ansaroul Islam",
                "Ansaroul Islam militants",
                "Ansaroul Islam",
                2016,
                weight=0.5,
            ),
            _iss(2017, 0.4),
        ),
        (0.65, 0.10, 0.07, 0.18),
        uag_weight=0.4,
        militia=(
            "Koglweogo Communal Militia (Burkina Faso)",
            "Koglweogo militiamen",
            2016,
        ),
        partner=((2020, LAST_YEAR, "VDP: Volunteers for the Defense of the Homeland"),),
        factors=((FIRST_YEAR, 2014, 0.15), (2015, 2015, 0.4)),
        hotspots=(
            ("Djibo", 0.0, 0.0, 5.0, 0.40),
            ("Arbinda", 0.0, 0.0, 5.0, 0.25),
            ("Diapaga", 0.0, 0.0, 6.0, 0.20),
            ("Kaya", 0.2, 0.2, 6.0, 0.15),
        ),
    ),
    "Mali": _Profile(
        "Malian",
        (1992, 2002, 2012, 2020, 2021),
        (
            _jnim(),
            _iss(2015, 0.35),
            _Armed("Ansar Dine", "Ansar Dine fighters", "Ansar Dine", 2012, 2016, 0.8),
            _Armed(
                "AQIM: Al Qaeda in the Islamic Maghreb",
                "AQIM militants",
                "AQIM",
                2003,
                2016,
                0.4,
            ),
            _Armed(
                "MNLA: National Movement for the Liberation of Azawad",
                "MNLA rebels",
                "MNLA",
                2012,
                2014,
                0.6,
            ),
        ),
        (0.60, 0.10, 0.10, 0.20),
        uag_weight=0.3,
        militia=("Dozo Communal Militia (Mali)", "Dozo hunters", 2015),
        partner=(
            (2013, 2021, "Military Forces of France"),
            (2022, LAST_YEAR, "Wagner Group"),
        ),
        factors=((FIRST_YEAR, 2011, 0.35),),
        hotspots=(
            ("Nara", 0.35, -0.12, 5.0, 0.45),
            ("Mourdiah", 0.0, 0.0, 5.0, 0.20),
            ("Banamba", 0.0, 0.0, 5.0, 0.10),
            ("Ténenkou", 0.0, 0.0, 6.0, 0.15),
            ("Douentza", 0.0, 0.0, 6.0, 0.10),
        ),
    ),
    "Cameroon": _Profile(
        "Cameroonian",
        (1982,),
        (
            _boko_haram(2014, 1.0),
            _iswap(2016, 0.3),
            _Armed(
                "Ambazonian Separatists",
                "Ambazonian separatists",
                "separatists",
                2017,
                weight=1.2,
            ),
        ),
        (0.55, 0.12, 0.06, 0.27),
        uag_weight=0.4,
        militia=("Mbororo Ethnic Militia (Cameroon)", "Mbororo militiamen", 2018),
        partner=((2015, LAST_YEAR, "MNJTF: Multinational Joint Task Force"),),
        factors=((FIRST_YEAR, 2013, 0.25), (2014, 2016, 0.7)),
        region="Middle Africa",
    ),
    "Niger": _Profile(
        "Nigerien",
        (1996, 1999, 2010, 2011, 2021, 2023),
        (
            _iss(2015, 0.9),
            _jnim(2018, weight=0.4),
            _iswap(2016, 0.5),
            _boko_haram(2015, 0.4),
            _Armed(
                "MNJ: Niger Movement for Justice", "MNJ rebels", "MNJ", 2007, 2009, 0.6
            ),
        ),
        (0.55, 0.08, 0.07, 0.30),
        uag_weight=0.4,
        militia=("Fulani Ethnic Militia (Niger)", "Fulani militiamen", 2010),
        partner=((2015, LAST_YEAR, "MNJTF: Multinational Joint Task Force"),),
        factors=((FIRST_YEAR, 2014, 0.45),),
    ),
    "Cote d'Ivoire": _Profile(
        "Ivorian",
        (1995, 1999, 2000, 2011),
        (
            _Armed("FN: New Forces", "New Forces (FN) rebels", "FN", 2002, 2011),
            _jnim(2020, 2022, 0.3),
        ),
        (0.30, 0.10, 0.10, 0.50),
        uag_weight=0.6,
        militia=("Dozo Communal Militia (Cote d'Ivoire)", "Dozo hunters", FIRST_YEAR),
        factors=((2002, 2004, 3.0), (2010, 2011, 4.0), (2015, LAST_YEAR, 0.5)),
    ),
    "Guinea": _Profile(
        "Guinean",
        (1984, 2008, 2010, 2021),
        (
            _Armed(
                "RFDG: Rally of Democratic Forces of Guinea",
                "RFDG rebels",
                "RFDG",
                2000,
                2001,
                0.8,
            ),
        ),
        (0.15, 0.10, 0.05, 0.70),
        uag_weight=1.0,
        factors=((2000, 2001, 2.5), (2019, 2021, 1.6)),
    ),
    "Ghana": _Profile(
        "Ghanaian",
        (1993, 2001, 2009, 2012, 2017),
        (),
        (0.12, 0.05, 0.13, 0.70),
        uag_weight=1.0,
    ),
    "Chad": _Profile(
        "Chadian",
        (1990, 2021),
        (
            _boko_haram(2014, 0.8),
            _iswap(2016, 0.3),
            _Armed(
                "FACT: Front for Change and Concord in Chad",
                "FACT rebels",
                "FACT",
                2016,
                weight=0.3,
            ),
            _Armed(
                "UFR: Union of Resistance Forces", "UFR rebels", "UFR", 2009, 2019, 0.3
            ),
        ),
        (0.40, 0.10, 0.15, 0.35),
        militia=("Arab Ethnic Militia (Chad)", "Arab militiamen", FIRST_YEAR),
        partner=((2015, LAST_YEAR, "MNJTF: Multinational Joint Task Force"),),
        factors=((2005, 2010, 1.8),),
        region="Middle Africa",
    ),
    "Sierra Leone": _Profile(
        "Sierra Leonean",
        (1996, 1997, 1998, 2007, 2018),
        (
            _Armed(
                "RUF: Revolutionary United Front", "RUF rebels", "RUF", FIRST_YEAR, 2002
            ),
            _Armed(
                "AFRC: Armed Forces Revolutionary Council",
                "AFRC soldiers",
                "AFRC",
                FIRST_YEAR,
                1999,
                0.5,
            ),
        ),
        (0.35, 0.10, 0.10, 0.45),
        uag_weight=0.3,
        factors=((FIRST_YEAR, 2001, 8.0), (2002, LAST_YEAR, 0.4)),
    ),
    "Liberia": _Profile(
        "Liberian",
        (1997, 2003, 2006, 2018, 2024),
        (
            _Armed(
                "LURD: Liberians United for Reconciliation and Democracy",
                "LURD rebels",
                "LURD",
                1999,
                2003,
            ),
            _Armed(
                "MODEL: Movement for Democracy in Liberia",
                "MODEL rebels",
                "MODEL",
                2003,
                2003,
                0.4,
            ),
        ),
        (0.30, 0.10, 0.10, 0.50),
        uag_weight=0.4,
        factors=((1999, 2003, 6.0), (2004, LAST_YEAR, 0.5)),
    ),
    "Senegal": _Profile(
        "Senegalese",
        (1981, 2000, 2012, 2024),
        (
            _Armed(
                "MFDC: Movement of Democratic Forces of Casamance",
                "MFDC rebels",
                "MFDC",
                FIRST_YEAR,
                2022,
            ),
        ),
        (0.08, 0.05, 0.02, 0.85),
        factors=((FIRST_YEAR, 2012, 1.5), (2021, LAST_YEAR, 1.8)),
    ),
    "Benin": _Profile(
        "Beninese",
        (1996, 2006, 2016),
        (_jnim(2021), _iss(2022, 0.2)),
        (0.20, 0.05, 0.05, 0.70),
        factors=((2021, LAST_YEAR, 2.0),),
    ),
    "Togo": _Profile(
        "Togolese",
        (1967, 2005),
        (_jnim(2021),),
        (0.15, 0.05, 0.05, 0.75),
        factors=((2021, LAST_YEAR, 1.8),),
    ),
    "Mauritania": _Profile(
        "Mauritanian",
        (1984, 2005, 2008, 2009, 2019),
        (
            _Armed(
                "AQIM: Al Qaeda in the Islamic Maghreb",
                "AQIM militants",
                "AQIM",
                2005,
                2011,
                0.6,
            ),
        ),
        (0.08, 0.05, 0.02, 0.85),
        uag_weight=1.0,
    ),
    "Gambia": _Profile(
        "Gambian",
        (1994, 2017),
        (),
        (0.05, 0.05, 0.02, 0.88),
        uag_weight=1.0,
        factors=((2016, 2017, 2.0),),
    ),
}


# --------------------------------------------------------------- templates ---
#: Fatalities: (p_zero, mu, sigma, cap) of a rounded log-normal, zero with p_zero.
Fatal = tuple[float, float, float, int]
F_NONE: Fatal = (1.0, 0.0, 0.0, 0)
F_CLASH: Fatal = (0.35, 1.0, 1.0, 150)
F_IED: Fatal = (0.5, 0.7, 0.8, 60)
F_STRIKE: Fatal = (0.3, 1.2, 1.0, 100)
F_OVERTAKE: Fatal = (0.15, 1.8, 0.8, 150)
F_KILLING: Fatal = (0.1, 0.6, 0.9, 120)
F_FORCE: Fatal = (0.5, 0.2, 0.5, 30)
F_MOB: Fatal = (0.3, 0.0, 0.3, 5)


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


_TEMPLATES: tuple[_Template, ...] = (
    _Template(
        "armed",
        "Battles",
        "Armed clash",
        "armed",
        "mil",
        0.30,
        (
            "{a1} attacked an army position near {loc}.",
            "{a1} ambushed {a2} on patrol near {loc}; heavy exchange of fire.",
        ),
        F_CLASH,
        assoc2=0.3,
    ),
    _Template(
        "armed",
        "Battles",
        "Armed clash",
        "mil",
        "armed",
        0.14,
        ("{a1} clashed with {a2} during a sweep operation near {loc}.",),
        F_CLASH,
        assoc1=0.4,
    ),
    _Template(
        "armed",
        "Battles",
        "Non-state actor overtakes territory",
        "armed",
        "mil",
        0.006,
        ("{a1} overran an army post near {loc} and seized weapons.",),
        F_OVERTAKE,
        organised=True,
    ),
    _Template(
        "armed",
        "Battles",
        "Government regains territory",
        "mil",
        "armed",
        0.01,
        ("{a1} retook villages near {loc} from {a2}.",),
        F_CLASH,
        assoc1=0.4,
        organised=True,
    ),
    _Template(
        "armed",
        "Explosions/Remote violence",
        "Remote explosive/landmine/IED",
        "armed",
        "mil",
        0.10,
        (
            "an army vehicle struck an improvised explosive device near {loc}; {t1} "
            "suspected.",
            "an IED exploded as {a2} passed on the road near {loc}.",
        ),
        F_IED,
    ),
    _Template(
        "armed",
        "Explosions/Remote violence",
        "Remote explosive/landmine/IED",
        "armed",
        "civ",
        0.04,
        ("a passenger vehicle hit an IED on the road near {loc}; {t1} suspected.",),
        F_IED,
    ),
    _Template(
        "armed",
        "Explosions/Remote violence",
        "Air/drone strike",
        "mil",
        "armed",
        0.06,
        ("an air strike hit a suspected {t2} position near {loc}.",),
        F_STRIKE,
        organised=True,
        first=2013,
    ),
    _Template(
        "armed",
        "Explosions/Remote violence",
        "Suicide bomb",
        "armed",
        "mil",
        0.006,
        ("a {t1} suicide bomber struck a military camp near {loc}.",),
        F_OVERTAKE,
        organised=True,
        first=2011,
    ),
    _Template(
        "armed",
        "Violence against civilians",
        "Attack",
        "armed",
        "civ",
        0.18,
        (
            "{a1} attacked a village near {loc}, killing civilians.",
            "{a1} killed a trader on the road near {loc}.",
        ),
        F_KILLING,
    ),
    _Template(
        "armed",
        "Violence against civilians",
        "Abduction/forced disappearance",
        "armed",
        "civ",
        0.08,
        ("{a1} abducted several civilians near {loc}.",),
    ),
    _Template(
        "armed",
        "Strategic developments",
        "Looting/property destruction",
        "armed",
        "civ",
        0.05,
        ("{a1} looted shops and stole cattle near {loc}.",),
    ),
    _Template(
        "armed",
        "Strategic developments",
        "Change to group/activity",
        "armed",
        "",
        0.01,
        ("{a1} were seen moving in large numbers near {loc}.",),
        organised=True,
    ),
    _Template(
        "armed",
        "Strategic developments",
        "Headquarters or base established",
        "armed",
        "",
        0.002,
        ("{a1} set up a camp in the bush near {loc}.",),
        organised=True,
    ),
    _Template(
        "state",
        "Violence against civilians",
        "Attack",
        "mil",
        "civ",
        0.5,
        ("{a1} killed civilians accused of helping armed groups near {loc}.",),
        F_KILLING,
        assoc1=0.3,
    ),
    _Template(
        "state",
        "Strategic developments",
        "Arrests",
        "pol",
        "civ",
        0.3,
        ("{a1} arrested people suspected of helping armed groups near {loc}.",),
    ),
    _Template(
        "state",
        "Strategic developments",
        "Disrupted weapons use",
        "mil",
        "",
        0.2,
        ("{a1} defused an explosive device found on the road near {loc}.",),
    ),
    _Template(
        "militia",
        "Battles",
        "Armed clash",
        "armed",
        "militia",
        0.4,
        ("{a1} clashed with {a2} near {loc}.",),
        F_CLASH,
    ),
    _Template(
        "militia",
        "Violence against civilians",
        "Attack",
        "militia",
        "civ",
        0.6,
        ("{a1} attacked a hamlet near {loc}, killing civilians.",),
        F_KILLING,
    ),
    _Template(
        "demo",
        "Protests",
        "Peaceful protest",
        "pro",
        "",
        0.70,
        (
            "residents of {loc} demonstrated against power cuts and rising prices.",
            "traders in {loc} protested against insecurity on the roads.",
            "students marched in {loc} demanding the payment of grants.",
        ),
        tags=True,
    ),
    _Template(
        "demo",
        "Protests",
        "Protest with intervention",
        "pro",
        "pol",
        0.08,
        ("police dispersed protesters in {loc} with tear gas.",),
        tags=True,
    ),
    _Template(
        "demo",
        "Protests",
        "Excessive force against protesters",
        "pol",
        "pro",
        0.01,
        ("security forces fired on protesters in {loc}.",),
        F_FORCE,
        tags=True,
    ),
    _Template(
        "demo",
        "Riots",
        "Violent demonstration",
        "rio",
        "",
        0.12,
        ("youths in {loc} burnt tyres and fought police over a land dispute.",),
        tags=True,
    ),
    _Template(
        "demo",
        "Riots",
        "Mob violence",
        "rio",
        "civ",
        0.07,
        ("a mob in {loc} beat a suspected thief.",),
        F_MOB,
    ),
    _Template(
        "demo",
        "Strategic developments",
        "Arrests",
        "pol",
        "pro",
        0.02,
        ("police arrested protest organisers in {loc}.",),
    ),
    # Control indicators: each phrase holds a keyword of zones.DEFAULT_RULES.
    _Template(
        "control",
        "Strategic developments",
        "Change to group/activity",
        "armed",
        "",
        0.35,
        (
            "{a1} ordered the closure of schools in villages near {loc} and "
            "threatened teachers.",
            "{a1} imposed a dress code and banned music at weddings near {loc}.",
        ),
        jnim_only=True,
        first=CONTROL_FROM,
    ),
    _Template(
        "control",
        "Strategic developments",
        "Agreement",
        "armed",
        "civ",
        0.25,
        (
            "village leaders near {loc} concluded a local agreement with JNIM to apply "
            "Sharia and pay zakat in return for free movement.",
        ),
        jnim_only=True,
        first=CONTROL_FROM,
    ),
    _Template(
        "control",
        "Strategic developments",
        "Other",
        "armed",
        "civ",
        0.40,
        (
            "{a1} collected zakat on livestock and harvests from civilians near {loc}.",
            "{a1} disrupted local elections near {loc}: polling stations stayed shut.",
            "{a1} levied a tax on travellers at a checkpoint near {loc}.",
        ),
        jnim_only=True,
        first=CONTROL_FROM,
    ),
)

_GROUPS = ("armed", "state", "militia", "demo")
#: An actor slot's key, and a role: (slot, how notes call it, tag, active years).
_Key = tuple[str, ...]
_Role = tuple[_Key, str, str, tuple[int, int]]
_SITE_CONFLICT, _SITE_URBAN, _SITE_CONTROL = 0, 1, 2
_N_SITES = 3
_GAUSS, _UNIFORM, _AXIS = 0, 1, 2


# ------------------------------------------------------------------ tables ---
class _Vocab:
    """Values of one categorical column; codes are positions in sorted order."""

    def __init__(self, values: Sequence[str] = ()) -> None:
        self._seen: dict[str, None] = dict.fromkeys(values)
        self._code: dict[str, int] | None = None

    def add(self, value: str) -> str:
        if self._code is not None:
            raise RuntimeError("vocabulary already frozen")
        self._seen[value] = None
        return value

    def freeze(self) -> None:
        self.categories = sorted(self._seen)
        if len(self.categories) >= np.iinfo(np.int16).max:
            raise ValueError("too many categories for int16 codes")
        self._code = {v: i for i, v in enumerate(self.categories)}
        self.dtype = pd.CategoricalDtype(pd.Index(self.categories, dtype="str"))
        self.arrow = pa.array(self.categories, type=pa.large_string())

    def code(self, value: str) -> int:
        assert self._code is not None
        return self._code[value]

    def codes(self, values: Sequence[str]) -> np.ndarray:
        return np.array([self.code(v) for v in values], dtype=np.int16)


def _years_between(first: int, last: int) -> np.ndarray:
    """Mask of :data:`_YEARS` from ``first`` to ``last`` inclusive."""
    return np.asarray((_YEARS >= first) & (_YEARS <= last))  # noqa: SIM300


def _interaction(inter1: str, inter2: str) -> str:
    """ACLED's text interaction: the two labels in code order, or "X only"."""
    if not inter1:
        return ""
    if not inter2:
        return f"{inter1} only"
    order = {label: int(c) for c, label in acled.INTER_CODES.items() if label}
    first, second = sorted((inter1, inter2), key=lambda s: order[s])
    return f"{first}-{second}"


def _disorder(event_type: str, sub_event_type: str) -> str:
    if event_type == "Strategic developments":
        return "Strategic developments"
    if sub_event_type == "Excessive force against protesters":
        return "Political violence; Demonstrations"
    if event_type in ("Protests", "Riots"):
        return "Demonstrations"
    return "Political violence"


def _era_names(base: str, eras: tuple[int, ...]) -> list[tuple[int, int, str]]:
    """``(first, last, name)`` of each regime's state-force name.

    The first era must start by :data:`FIRST_YEAR`, so no year lacks a name.
    """
    if eras[0] > FIRST_YEAR:
        raise ValueError(f"{base}: first era {eras[0]} starts after {FIRST_YEAR}")
    out = []
    for i, start in enumerate(eras):
        end = eras[i + 1] if i + 1 < len(eras) else None
        label = f"{start}-{end}" if end is not None else f"{start}-"
        last = end - 1 if end is not None else LAST_YEAR
        out.append((max(start, FIRST_YEAR), last, f"{base} ({label})"))
    return out


def _sigma_km(bbox: tuple[float, float, float, float], cap: float) -> float:
    """Scatter around towns: ``cap`` km, less in a narrow country (The Gambia)."""
    west, south, east, north = bbox
    mid = np.radians((south + north) / 2)
    width = (east - west) * _KM_PER_DEG_LON * np.cos(mid)
    height = (north - south) * _KM_PER_DEG_LAT
    return float(min(cap, 0.12 * min(width, height)))


@dataclass
class _Tables:
    """Everything a chunk needs, as numpy/pyarrow lookup arrays (built once)."""

    vocab: dict[str, _Vocab]
    country_code: np.ndarray  # (C,) country -> country category code
    iso_code: np.ndarray
    region_code: np.ndarray
    bbox: np.ndarray  # (C, 4)
    # kinds
    kind_cols: dict[str, np.ndarray]  # per kind row: category codes, fatal...
    kind_cdf: np.ndarray  # per cell c*Y+y, concatenated, offset by the cell
    kind_entry: np.ndarray
    kind_share: np.ndarray  # (C, Y) relative weight (before year weights)
    slot_year: np.ndarray  # (slots, Y) actor category codes
    phrase_before: pa.Array
    phrase_after: pa.Array
    # sites
    comp_cdf: np.ndarray  # per site group c*3+s, concatenated, offset
    comp_entry: np.ndarray
    comp: dict[str, np.ndarray]  # type, town, lon, lat, sig_lon, sig_lat, axis, sd
    axes: list[np.ndarray]  # polylines (k, 2), lon/lat
    # towns
    town_lon: np.ndarray
    town_lat: np.ndarray
    town_country: np.ndarray
    loc_code: np.ndarray  # (T, _LOC_PER_TOWN) location category codes
    admin1_code: np.ndarray
    admin2_code: np.ndarray
    # calendar
    day_text: pa.Array  # 3 * days: "On d M Y", "Around d M Y", "In M Y"
    first_day: int  # days since 1970 of FIRST_YEAR-01-01
    year_start: np.ndarray  # (Y,) days since 1970
    year_len: np.ndarray


def _flat_cdf(weights: list[np.ndarray]) -> np.ndarray:
    """Concatenated CDFs of groups 0..G-1, group ``g`` shifted by ``g``.

    ``searchsorted(cdf, g + u, "right")`` then draws from group ``g``: a
    vectorised choice where every row has its own distribution.
    """
    parts = []
    for g, w in enumerate(weights):
        w = np.asarray(w, dtype=float)
        total = w.sum()
        c = np.cumsum(w) / total if total > 0 else np.linspace(0, 1, len(w) + 1)[1:]
        c = np.minimum(c, 1.0)
        c[-1] = 1.0
        parts.append(g + c)
    return np.concatenate(parts)


def _choose(cdf: np.ndarray, group: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Entry index drawn, for each row, from its group's distribution."""
    idx = np.searchsorted(cdf, group + u, side="right")
    return np.minimum(idx, len(cdf) - 1)


@lru_cache(maxsize=1)
def _tables() -> _Tables:
    countries = WEST_AFRICA_COUNTRIES
    # Categories per column; "" only where the generator writes empty values.
    vocab = {
        name: _Vocab()
        for name in (
            "disorder_type",
            "event_type",
            "sub_event_type",
            "iso",
            "region",
            "country",
            "admin1",
            "admin2",
            "location",
        )
    }
    for name in ("actor", "inter", "interaction", "admin3", "tags"):
        vocab[name] = _Vocab(("",))
    vocab["civilian_targeting"] = _Vocab(("", "Civilian targeting"))
    vocab["source"] = _Vocab((SOURCE_TEXT,))
    vocab["source_scale"] = _Vocab([s for s, _ in SOURCE_SCALES])
    for tag, _ in _CROWD_TAGS:
        vocab["tags"].add(tag)

    # Towns and their names.
    town_name: list[str] = []
    town_lon: list[float] = []
    town_lat: list[float] = []
    town_country: list[int] = []
    loc_names: list[list[str]] = []
    for c, country in enumerate(countries):
        west, south, east, north = country.bbox
        for name, lon, lat in country.towns:
            if not (west <= lon <= east and south <= lat <= north):
                raise ValueError(f"{name} is outside the bbox of {country.name}")
            town_name.append(name)
            town_lon.append(lon)
            town_lat.append(lat)
            town_country.append(c)
            locs = [name] + [
                f"{name}, {band} {sector} (synthetic)"
                for band in _BAND_TEXT
                for sector in _SECTORS
            ]
            loc_names.append([vocab["location"].add(v) for v in locs])
            vocab["admin1"].add(f"{name} region (synthetic)")
            vocab["admin2"].add(f"{name} area (synthetic)")
        vocab["country"].add(country.name)
        vocab["iso"].add(str(country.iso))
        vocab["region"].add(_PROFILES[country.name].region)
    town_index = {(town_country[i], n): i for i, n in enumerate(town_name)}

    # Actor slots: a name per year ("" when the actor does not exist yet).
    slots: dict[_Key, list[tuple[int, int, str]]] = {("",): []}
    inter_of: dict[_Key, str] = {("",): ""}

    def slot(key: _Key, periods: list[tuple[int, int, str]], inter: str) -> _Key:
        """Register an actor slot: its name per period of years, its inter."""
        slots.setdefault(key, periods)
        inter_of.setdefault(key, inter)
        for _, _, name in periods:
            vocab["actor"].add(name)
        vocab["inter"].add(inter)
        return key

    def fixed(name: str, inter: str) -> _Key:
        """A slot with one name in every year (kinds say when it is active)."""
        return slot((name,), [(FIRST_YEAR, LAST_YEAR, name)], inter)

    # Kind rows.
    rows: list[dict[str, Any]] = []
    before: list[str] = []
    after: list[str] = []
    all_years = (FIRST_YEAR, LAST_YEAR)
    for c, country in enumerate(countries):
        prof = _PROFILES[country.name]
        cn = country.name
        uag = _Armed(
            f"Unidentified Armed Group ({cn})",
            "unidentified gunmen",
            "gunmen",
            weight=prof.uag_weight,
            inter="Political militia",
            organised=False,
        )
        armed = (*prof.armed, uag)
        mil = _era_names(f"Military Forces of {cn}", prof.eras)
        pol = _era_names(f"Police Forces of {cn}", prof.eras)
        roles: dict[str, _Role] = {
            "mil": (
                slot(("mil", cn), mil, "State forces"),
                f"{prof.demonym} soldiers",
                "the army",
                all_years,
            ),
            "pol": (
                slot(("pol", cn), pol, "State forces"),
                f"{prof.demonym} police",
                "the police",
                all_years,
            ),
            "civ": (
                fixed(f"Civilians ({cn})", "Civilians"),
                "civilians",
                "civilians",
                all_years,
            ),
            "pro": (
                fixed(f"Protesters ({cn})", "Protesters"),
                "protesters",
                "protesters",
                all_years,
            ),
            "rio": (
                fixed(f"Rioters ({cn})", "Rioters"),
                "rioters",
                "rioters",
                all_years,
            ),
            "": (("",), "", "", all_years),
        }
        if prof.militia is not None:
            m_name, m_who, m_first = prof.militia
            militia = fixed(m_name, "Identity militia")
            roles["militia"] = (militia, m_who, m_who, (m_first, LAST_YEAR))
        partner = slot(("partner", cn), list(prof.partner), "")
        for t in _TEMPLATES:
            if t.group == "control" and not prof.hotspots:
                continue
            if "militia" in (t.actor1, t.actor2) and "militia" not in roles:
                continue
            options: list[_Armed | None] = [None]
            if "armed" in (t.actor1, t.actor2):
                options = [
                    a
                    for a in armed
                    if (a.organised or not t.organised)
                    and (a.name == JNIM or not t.jnim_only)
                ]
            for a in options:
                role_of = dict(roles)
                if a is not None:
                    key = fixed(a.name, a.inter)
                    role_of["armed"] = (key, a.who, a.tag, (a.first, a.last))
                r1, r2 = role_of[t.actor1], role_of[t.actor2]
                first = max(t.first, r1[3][0], r2[3][0])
                last = min(r1[3][1], r2[3][1])
                active = _years_between(first, last)
                if not active.any():
                    continue
                if t.sub_event_type not in acled.TAXONOMY[t.event_type]:
                    raise ValueError(f"not ACLED: {t.event_type}/{t.sub_event_type}")
                phrase_start = len(before)
                for phrase in t.phrases:
                    text = phrase.format(
                        a1=r1[1], a2=r2[1], t1=r1[2], t2=r2[2], loc="\0"
                    )
                    b, _, e = text.partition("\0")
                    before.append(b)
                    after.append(e)
                inter1, inter2 = inter_of[r1[0]], inter_of[r2[0]]
                vac = t.event_type == "Violence against civilians"
                expl_civ = t.event_type.startswith("Explosions") and t.actor2 == "civ"
                rows.append(
                    {
                        "country": c,
                        "group": t.group,
                        "weight": t.weight * (a.weight if a is not None else 1.0),
                        "active": active,
                        "event_type": vocab["event_type"].add(t.event_type),
                        "sub_event_type": vocab["sub_event_type"].add(t.sub_event_type),
                        "disorder_type": vocab["disorder_type"].add(
                            _disorder(t.event_type, t.sub_event_type)
                        ),
                        "inter1": vocab["inter"].add(inter1),
                        "inter2": vocab["inter"].add(inter2),
                        "interaction": vocab["interaction"].add(
                            _interaction(inter1, inter2)
                        ),
                        "civilian_targeting": "Civilian targeting"
                        if vac or expl_civ
                        else "",
                        "a1": r1[0],
                        "a2": r2[0],
                        "as1": partner if t.assoc1 else ("",),
                        "as2": partner if t.assoc2 else ("",),
                        "p_as1": t.assoc1,
                        "p_as2": t.assoc2,
                        "fatal": t.fatal,
                        "tags": t.tags,
                        "site": {"demo": _SITE_URBAN, "control": _SITE_CONTROL}.get(
                            t.group, _SITE_CONFLICT
                        ),
                        "phrase_start": phrase_start,
                        "phrase_count": len(t.phrases),
                    }
                )
    for v in vocab.values():
        v.freeze()

    # Slot-by-year actor codes.
    slot_keys = list(slots)
    slot_id = {k: i for i, k in enumerate(slot_keys)}
    empty_actor = vocab["actor"].code("")
    slot_year = np.full((len(slot_keys), _N_YEARS), empty_actor, dtype=np.int16)
    for i, key in enumerate(slot_keys):
        for first, last, name in slots[key]:
            slot_year[i, _years_between(first, last)] = vocab["actor"].code(name)

    # Kind rows as arrays, and their weights per country and year.
    n_rows = len(rows)
    kc: dict[str, np.ndarray] = {}
    for col in (
        "event_type",
        "sub_event_type",
        "disorder_type",
        "interaction",
        "civilian_targeting",
    ):
        kc[col] = vocab[col].codes([r[col] for r in rows])
    kc["inter1"] = vocab["inter"].codes([r["inter1"] for r in rows])
    kc["inter2"] = vocab["inter"].codes([r["inter2"] for r in rows])
    for col in ("a1", "a2", "as1", "as2"):
        kc[col] = np.array([slot_id[r[col]] for r in rows], dtype=np.int32)
    for col in ("p_as1", "p_as2"):
        kc[col] = np.array([r[col] for r in rows], dtype=float)
    fatal = np.array([r["fatal"] for r in rows], dtype=float).reshape(n_rows, 4)
    kc["p_zero"], kc["mu"], kc["sigma"], kc["cap"] = fatal.T
    kc["tags"] = np.array([r["tags"] for r in rows], dtype=bool)
    kc["site"] = np.array([r["site"] for r in rows], dtype=np.int32)
    kc["phrase_start"] = np.array([r["phrase_start"] for r in rows], dtype=np.int32)
    kc["phrase_count"] = np.array([r["phrase_count"] for r in rows], dtype=np.int64)

    row_country = np.array([r["country"] for r in rows])
    active = np.array([r["active"] for r in rows], dtype=bool).reshape(n_rows, -1)
    weight = np.array([r["weight"] for r in rows])[:, None] * active
    group = np.array([r["group"] for r in rows])
    cell_weights: list[np.ndarray] = []
    entries: list[np.ndarray] = []
    share = np.zeros((len(countries), _N_YEARS))
    for c, country in enumerate(countries):
        prof = _PROFILES[country.name]
        mine = np.flatnonzero(row_country == c)
        w = np.zeros((len(mine), _N_YEARS))
        for g, name in enumerate(_GROUPS):
            sel = group[mine] == name
            total = weight[mine[sel]].sum(axis=0)
            w[sel] = prof.mix[g] * weight[mine[sel]] / np.where(total > 0, total, 1)
        w /= w.sum(axis=0)
        control = group[mine] == "control"
        if control.any():
            total = weight[mine[control]].sum(axis=0)
            by_year = np.array([CONTROL_SHARE.get(int(y), 0.0) for y in _YEARS])
            p = np.where(total > 0, by_year, 0.0)
            w[control] = p * weight[mine[control]] / np.where(total > 0, total, 1)
            w[~control] *= 1 - p
        for y in range(_N_YEARS):
            cell_weights.append(w[:, y])
            entries.append(mine)
        factor = np.ones(_N_YEARS)
        for first, last, f in prof.factors:
            factor[_years_between(first, last)] *= f
        share[c] = country.weight * factor
    share /= share.sum(axis=0)

    # Site components per country and site kind.
    comp_rows: list[tuple[int, int, int, int, float, float, float, int, float]] = []
    # (group, type, town, country, lon, lat, sigma_km, axis, weight)
    axes = [np.array(MALI_RN4_AXIS)]
    for c, country in enumerate(countries):
        prof = _PROFILES[country.name]
        sigma = _sigma_km(country.bbox, _TOWN_SIGMA_KM)
        urban_sigma = _sigma_km(country.bbox, _URBAN_SIGMA_KM)
        towns = [town_index[(c, name)] for name, _, _ in country.towns]
        tw = 1.0 / (1.0 + 0.35 * np.arange(len(towns)))
        extra: list[tuple[int, int, float, float, float, int, float]] = []
        if country.name == "Mali":
            # Bamako and the Bamako-Nara axis: (type, town, lon, lat, sigma, axis, w)
            extra = [
                (
                    _GAUSS,
                    towns[0],
                    town_lon[towns[0]],
                    town_lat[towns[0]],
                    12.0,
                    -1,
                    0.10,
                ),
                (_AXIS, -1, 0.0, 0.0, 4.0, 0, 0.18),
            ]
        base_share = 1.0 - _UNIFORM_SHARE - sum(e[-1] for e in extra)
        g = c * _N_SITES + _SITE_CONFLICT
        for t, w in zip(towns, tw / tw.sum(), strict=True):
            comp_rows.append(
                (g, _GAUSS, t, c, town_lon[t], town_lat[t], sigma, -1, base_share * w)
            )
        comp_rows.append((g, _UNIFORM, -1, c, 0.0, 0.0, 0.0, -1, _UNIFORM_SHARE))
        for kind, t, lon, lat, s, axis, w in extra:
            comp_rows.append((g, kind, t, c, lon, lat, s, axis, w))
        g = c * _N_SITES + _SITE_URBAN
        uw = tw**2 / (tw**2).sum()
        for t, w in zip(towns, uw, strict=True):
            comp_rows.append(
                (g, _GAUSS, t, c, town_lon[t], town_lat[t], urban_sigma, -1, w)
            )
        g = c * _N_SITES + _SITE_CONTROL
        for name, dlon, dlat, s, w in prof.hotspots:
            t = town_index[(c, name)]
            comp_rows.append(
                (g, _GAUSS, t, c, town_lon[t] + dlon, town_lat[t] + dlat, s, -1, w)
            )
    comp_group = np.array([r[0] for r in comp_rows])
    site_weights: list[np.ndarray] = []
    site_entries: list[np.ndarray] = []
    for g in range(len(countries) * _N_SITES):
        sel = np.flatnonzero(comp_group == g)
        if len(sel) == 0:  # no hotspots: never drawn, keep the CDF well formed
            sel = np.flatnonzero(comp_group == g - g % _N_SITES)
        site_entries.append(sel)
        site_weights.append(np.array([comp_rows[i][8] for i in sel]))
    comp_lat = np.array([r[5] for r in comp_rows])
    sigma_km = np.array([r[6] for r in comp_rows])
    comp = {
        "type": np.array([r[1] for r in comp_rows], dtype=np.int64),
        "town": np.array([r[2] for r in comp_rows], dtype=np.int32),
        "country": np.array([r[3] for r in comp_rows], dtype=np.int64),
        "lon": np.array([r[4] for r in comp_rows]),
        "lat": comp_lat,
        "sig_lon": sigma_km / (_KM_PER_DEG_LON * np.cos(np.radians(comp_lat))),
        "sig_lat": sigma_km / _KM_PER_DEG_LAT,
        "sd_km": sigma_km,
        "axis": np.array([r[7] for r in comp_rows], dtype=np.int64),
    }

    # Calendar: "On 5 March 2021", "Around 5 March 2021", "In March 2021".
    days = np.arange(
        np.datetime64(f"{FIRST_YEAR}-01-01"), np.datetime64(f"{LAST_YEAR + 1}-01-01")
    )
    ymd = [(int(s[:4]), int(s[5:7]), int(s[8:10])) for s in days.astype(str)]
    on = [f"On {d} {_MONTHS[m - 1]} {y}" for y, m, d in ymd]
    around = [f"Around {d} {_MONTHS[m - 1]} {y}" for y, m, d in ymd]
    month = [f"In {_MONTHS[m - 1]} {y}" for y, m, _ in ymd]
    starts = np.array([np.datetime64(f"{y}-01-01") for y in _YEARS])
    ends = np.array([np.datetime64(f"{y + 1}-01-01") for y in _YEARS])

    return _Tables(
        vocab=vocab,
        country_code=vocab["country"].codes([c.name for c in countries]),
        iso_code=vocab["iso"].codes([str(c.iso) for c in countries]),
        region_code=vocab["region"].codes(
            [_PROFILES[c.name].region for c in countries]
        ),
        bbox=np.array([c.bbox for c in countries], dtype=float),
        kind_cols=kc,
        kind_cdf=_flat_cdf(cell_weights),
        kind_entry=np.concatenate(entries).astype(np.int32),
        kind_share=share,
        slot_year=slot_year,
        phrase_before=pa.array(before, type=pa.large_string()),
        phrase_after=pa.array(after, type=pa.large_string()),
        comp_cdf=_flat_cdf(site_weights),
        comp_entry=np.concatenate(site_entries).astype(np.int32),
        comp=comp,
        axes=axes,
        town_lon=np.array(town_lon),
        town_lat=np.array(town_lat),
        town_country=np.array(town_country),
        loc_code=np.array([vocab["location"].codes(n) for n in loc_names]),
        admin1_code=vocab["admin1"].codes(
            [f"{n} region (synthetic)" for n in town_name]
        ),
        admin2_code=vocab["admin2"].codes([f"{n} area (synthetic)" for n in town_name]),
        day_text=pa.array(on + around + month, type=pa.large_string()),
        first_day=int(days[0].astype(np.int64)),
        year_start=starts.astype("datetime64[D]").astype(np.int64),
        year_len=(ends - starts).astype(np.int64),
    )


# ------------------------------------------------------------------ places ---
def _axis_points(
    line: np.ndarray, sd_km: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Points along a lon/lat polyline, Gaussian ``sd_km`` off it (sideways)."""
    k = len(sd_km)
    mid = np.radians(line[:, 1].mean())
    xy = line * [_KM_PER_DEG_LON * np.cos(mid), _KM_PER_DEG_LAT]
    seg = np.diff(xy, axis=0)
    seg_len = np.hypot(seg[:, 0], seg[:, 1])
    cum = np.concatenate([[0.0], np.cumsum(seg_len)])
    pos = rng.random(k) * cum[-1]
    i = np.clip(np.searchsorted(cum, pos, side="right") - 1, 0, len(seg) - 1)
    t = (pos - cum[i]) / seg_len[i]
    off = rng.standard_normal(k) * sd_km
    ux, uy = seg[i, 0] / seg_len[i], seg[i, 1] / seg_len[i]
    x = xy[i, 0] + t * seg[i, 0] - uy * off
    y = xy[i, 1] + t * seg[i, 1] + ux * off
    return x / (_KM_PER_DEG_LON * np.cos(mid)), y / _KM_PER_DEG_LAT


def _draw_points(
    tab: _Tables, comp: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """A lon/lat point for each row from its site component."""
    cp = tab.comp
    lon = cp["lon"][comp] + rng.standard_normal(len(comp)) * cp["sig_lon"][comp]
    lat = cp["lat"][comp] + rng.standard_normal(len(comp)) * cp["sig_lat"][comp]
    kind = cp["type"][comp]
    uni = np.flatnonzero(kind == _UNIFORM)
    if len(uni):
        box = tab.bbox[cp["country"][comp[uni]]]
        u = rng.random((2, len(uni)))
        lon[uni] = box[:, 0] + u[0] * (box[:, 2] - box[:, 0])
        lat[uni] = box[:, 1] + u[1] * (box[:, 3] - box[:, 1])
    on_axis = np.flatnonzero(kind == _AXIS)
    for a, line in enumerate(tab.axes):
        rows = on_axis[cp["axis"][comp[on_axis]] == a]
        if len(rows):
            lon[rows], lat[rows] = _axis_points(line, cp["sd_km"][comp[rows]], rng)
    return lon, lat


def _outside(
    tab: _Tables, country: np.ndarray, lon: np.ndarray, lat: np.ndarray
) -> np.ndarray:
    """Rows whose point is outside their country's bbox (one bound at a time)."""
    bbox = tab.bbox
    out = lon < bbox[country, 0]
    out |= lon > bbox[country, 2]
    out |= lat < bbox[country, 1]
    out |= lat > bbox[country, 3]
    return np.flatnonzero(out)


def _nearest_town(
    tab: _Tables, country: np.ndarray, lon: np.ndarray, lat: np.ndarray
) -> np.ndarray:
    """Index of the nearest town of the same country (equirectangular)."""
    town = np.empty(len(lon), dtype=np.int32)
    for c in np.unique(country):
        rows = np.flatnonzero(country == c)
        cand = np.flatnonzero(tab.town_country == c)
        coslat = np.cos(np.radians(tab.town_lat[cand]))
        dx = (lon[rows, None] - tab.town_lon[cand]) * coslat
        dy = lat[rows, None] - tab.town_lat[cand]
        town[rows] = cand[np.argmin(dx * dx + dy * dy, axis=1)]
    return town


def _place(
    tab: _Tables,
    country: np.ndarray,
    site: np.ndarray,
    rng: np.random.Generator,
    columns: dict[str, Any],
) -> np.ndarray:
    """Fill the place columns; return each row's location code (for the notes).

    Points outside their country's bbox are redrawn a few times, then clipped.
    ``geo_precision`` 3 rows are moved onto their town.
    """
    m = len(country)
    group = country * _N_SITES + site
    comp = tab.comp_entry[_choose(tab.comp_cdf, group, rng.random(m))]
    del group
    lon, lat = _draw_points(tab, comp, rng)
    for _ in range(8):
        bad = _outside(tab, country, lon, lat)
        if len(bad) == 0:
            break
        lon[bad], lat[bad] = _draw_points(tab, comp[bad], rng)
    np.clip(lon, tab.bbox[country, 0], tab.bbox[country, 2], out=lon)
    np.clip(lat, tab.bbox[country, 1], tab.bbox[country, 3], out=lat)

    # Name each point after its component's town, or the nearest town.
    town = tab.comp["town"][comp]
    need = np.flatnonzero(town < 0)
    town[need] = _nearest_town(tab, country[need], lon[need], lat[need])
    del comp, need

    geo = rng.choice(np.array([1, 2, 3], dtype=np.int8), size=m, p=_GEO_PRECISION_P)
    exact = geo == 3  # "somewhere in the region": coded on the town itself
    lon[exact] = tab.town_lon[town[exact]]
    lat[exact] = tab.town_lat[town[exact]]
    del exact
    lon, lat = np.round(lon, 4), np.round(lat, 4)

    tlat = tab.town_lat[town]
    dx = (lon - tab.town_lon[town]) * (_KM_PER_DEG_LON * np.cos(np.radians(tlat)))
    dy = (lat - tlat) * _KM_PER_DEG_LAT
    del tlat
    band = np.searchsorted(np.array(_BANDS_KM), np.hypot(dx, dy), side="right")
    sector = np.rint(np.degrees(np.arctan2(dx, dy)) / 45.0).astype(np.int64) % 8
    del dx, dy
    slot = np.where(band == 0, 0, 1 + (band - 1) * len(_SECTORS) + sector)
    del band, sector
    location = tab.loc_code[town, slot]

    cat = _categorical
    columns[acled.ISO] = cat(tab, "iso", tab.iso_code[country])
    columns[acled.REGION] = cat(tab, "region", tab.region_code[country])
    columns[acled.COUNTRY] = cat(tab, "country", tab.country_code[country])
    columns[acled.ADMIN1] = cat(tab, "admin1", tab.admin1_code[town])
    columns[acled.ADMIN2] = cat(tab, "admin2", tab.admin2_code[town])
    columns[acled.ADMIN3] = cat(tab, "admin3", np.zeros(m, dtype=np.int8))
    columns[acled.LOCATION] = cat(tab, "location", location)
    columns[acled.LATITUDE] = lat
    columns[acled.LONGITUDE] = lon
    columns[acled.GEO_PRECISION] = geo
    return location


# ---------------------------------------------------------------- columns ---
def _fatalities(tab: _Tables, kind: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    kc = tab.kind_cols
    z = rng.standard_normal(len(kind))
    value = np.rint(np.exp(kc["mu"][kind] + kc["sigma"][kind] * z))
    value = np.clip(value, 1, np.maximum(kc["cap"][kind], 1))
    zero = rng.random(len(kind)) < kc["p_zero"][kind]
    return np.where(zero, 0, value).astype(np.int32)


def _categorical(tab: _Tables, column: str, codes: np.ndarray) -> pd.Categorical:
    return pd.Categorical.from_codes(
        codes, dtype=tab.vocab[column].dtype, validate=False
    )


def _text(value: str) -> pa.Scalar:
    """A large_string scalar (the join kernels want one string type)."""
    return pa.scalar(value, type=pa.large_string())


def _str_series(array: pa.Array | pa.ChunkedArray, index: pd.Index) -> pd.Series:
    """Arrow-backed ``str`` column, as the ACLED reader makes them."""
    series = pa.table({"v": array}).to_pandas()["v"]
    series.index = index
    return series


def _when(
    tab: _Tables, m: int, rng: np.random.Generator, first_year: int, last_year: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Day (since 1970), country and year index of ``m`` events, sorted by day.

    Country and year are drawn together (each country has its own history);
    every chosen year gets at least one event when ``m`` allows.
    """
    years = np.flatnonzero(_years_between(first_year, last_year))
    weights = np.array([YEAR_WEIGHTS[int(_YEARS[y])] for y in years])
    cell_p = (tab.kind_share[:, years] * weights).ravel()
    cell = rng.choice(cell_p.size, size=m, p=cell_p / cell_p.sum())
    country = (cell // len(years)).astype(np.int32)
    yi = years[cell % len(years)].astype(np.int32)
    del cell
    k = min(m, len(years))
    yi[:k] = years[:k]
    day = tab.year_start[yi] + (rng.random(m) * tab.year_len[yi]).astype(np.int64)
    order = np.argsort(day, kind="stable")
    return day[order], country[order], yi[order]


def _what(
    tab: _Tables,
    country: np.ndarray,
    yi: np.ndarray,
    rng: np.random.Generator,
    columns: dict[str, Any],
) -> tuple[np.ndarray, np.ndarray]:
    """Fill the kind columns (types, actors, fatalities, tags).

    Returns each row's note phrase and site kind.
    """
    m = len(country)
    kc = tab.kind_cols
    cat = _categorical
    group = country * _N_YEARS + yi
    kind = tab.kind_entry[_choose(tab.kind_cdf, group, rng.random(m))]
    del group
    for name in (
        acled.DISORDER_TYPE,
        acled.EVENT_TYPE,
        acled.SUB_EVENT_TYPE,
        acled.INTERACTION,
        acled.CIVILIAN_TARGETING,
    ):
        columns[name] = cat(tab, name, kc[name][kind])
    columns[acled.INTER1] = cat(tab, "inter", kc["inter1"][kind])
    columns[acled.INTER2] = cat(tab, "inter", kc["inter2"][kind])
    columns[acled.ACTOR1] = cat(tab, "actor", tab.slot_year[kc["a1"][kind], yi])
    columns[acled.ACTOR2] = cat(tab, "actor", tab.slot_year[kc["a2"][kind], yi])
    empty = tab.vocab["actor"].code("")
    for name, slot, p in (
        (acled.ASSOC_ACTOR_1, "as1", "p_as1"),
        (acled.ASSOC_ACTOR_2, "as2", "p_as2"),
    ):
        codes = tab.slot_year[kc[slot][kind], yi]
        codes[rng.random(m) >= kc[p][kind]] = empty
        columns[name] = cat(tab, "actor", codes)
    columns[acled.FATALITIES] = _fatalities(tab, kind, rng)
    tag_p = np.array([p for _, p in _CROWD_TAGS])
    tag_codes = tab.vocab["tags"].codes([t for t, _ in _CROWD_TAGS])
    tags = tag_codes[rng.choice(len(tag_codes), size=m, p=tag_p)]
    tags[~kc["tags"][kind]] = tab.vocab["tags"].code("")
    columns[acled.TAGS] = cat(tab, "tags", tags)
    draw = (rng.random(m) * kc["phrase_count"][kind]).astype(np.int32)
    phrase = kc["phrase_start"][kind] + draw
    return phrase, kc["site"][kind]


def _join_text(
    m: int, parts: Sequence[pa.Scalar | tuple[pa.Array, np.ndarray]]
) -> pa.ChunkedArray:
    """Row-wise concatenation of constants and ``(table, row codes)`` lookups.

    Built in slices, so the looked-up pieces of only one slice are in memory.
    """
    step = 1 << 18
    chunks = []
    for s in range(0, m, step):
        pieces = [
            p
            if isinstance(p, pa.Scalar)
            else pc.take(p[0], pa.array(p[1][s : s + step]))
            for p in parts
        ]
        chunks.append(pc.binary_join_element_wise(*pieces, _text("")))
    return pa.chunked_array(chunks, type=pa.large_string())


def _chunk(
    tab: _Tables,
    m: int,
    start: int,
    rng: np.random.Generator,
    first_year: int,
    last_year: int,
) -> pd.DataFrame:
    """``m`` events with global row numbers ``start..start+m-1``, sorted by date."""
    columns: dict[str, Any] = {}
    day, country, yi = _when(tab, m, rng, first_year, last_year)
    phrase, site = _what(tab, country, yi, rng, columns)
    location = _place(tab, country, site, rng, columns)
    del country, site

    time_precision = rng.choice(
        np.array([1, 2, 3], dtype=np.int8), size=m, p=_TIME_PRECISION_P
    )
    scale_p = np.array([p for _, p in SOURCE_SCALES])
    scale_codes = tab.vocab["source_scale"].codes([s for s, _ in SOURCE_SCALES])
    scale = scale_codes[rng.choice(len(scale_codes), size=m, p=scale_p / scale_p.sum())]
    published = rng.integers(1, 46, m) * 86400 + rng.integers(0, 86400, m)

    # "[SYNTHETIC] On 5 March 2021, <phrase before>location<phrase after>".
    n_days = len(tab.day_text) // 3
    day_row = (time_precision - 1).astype(np.int64) * n_days + (day - tab.first_day)
    notes = _join_text(
        m,
        (
            _text(NOTE_PREFIX),
            (tab.day_text, day_row),
            _text(", "),
            (tab.phrase_before, phrase),
            (tab.vocab["location"].arrow, location),
            (tab.phrase_after, phrase),
        ),
    )
    del day_row, phrase, location
    numbers = pc.cast(pa.array(np.arange(start + 1, start + m + 1)), pa.large_string())
    ids = pc.binary_join_element_wise(
        _text(ID_PREFIX), pc.utf8_lpad(numbers, ID_DIGITS, "0"), _text("")
    )
    del numbers

    index = pd.RangeIndex(start, start + m)
    columns[acled.EVENT_ID] = _str_series(ids, index)
    columns[acled.EVENT_DATE] = day.astype("datetime64[D]").astype("datetime64[s]")
    columns[acled.YEAR] = _YEARS[yi].astype(np.int16)
    columns[acled.TIME_PRECISION] = time_precision
    columns[acled.SOURCE] = _categorical(tab, "source", np.zeros(m, dtype=np.int8))
    columns[acled.SOURCE_SCALE] = _categorical(tab, "source_scale", scale)
    columns[acled.NOTES] = _str_series(notes, index)
    columns[acled.TIMESTAMP] = day * 86400 + published
    return pd.DataFrame({c: columns[c] for c in acled.CURRENT_COLUMNS}, index=index)


# --------------------------------------------------------------------- API ---
def iter_west_africa(
    n: int,
    seed: int = DEFAULT_SEED,
    *,
    first_year: int = FIRST_YEAR,
    last_year: int = LAST_YEAR,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
) -> Iterator[pd.DataFrame]:
    """Yield ``n`` SYNTHETIC West African events in chunks of ``chunk_rows``.

    Parameters
    ----------
    n
        Total number of events over all chunks.
    seed
        Chunk ``k`` draws from ``numpy.random.default_rng([seed, k])`` alone, so
        chunks can be made independently and in any order.
    first_year, last_year
        Years covered (inclusive), within 1997–2024; each chunk holds every
        year at least once when it has that many rows.
    chunk_rows
        Rows per chunk (the last one may be shorter). About 1 s and 0.4 GB
        of peak memory per 1,000,000 rows.

    Yields
    ------
    pandas.DataFrame
        ``acled.CURRENT_COLUMNS`` in order, typed like an ACLED import, sorted
        by ``event_date``, indexed by global row number; ``event_id_cnty`` is
        ``"SYNWA"`` + the 10-digit row number (1-based), unique over chunks.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    if chunk_rows < 1:
        raise ValueError(f"chunk_rows must be >= 1, got {chunk_rows}")
    if not FIRST_YEAR <= first_year <= last_year <= LAST_YEAR:
        raise ValueError(
            f"years must satisfy {FIRST_YEAR} <= first_year <= last_year <= "
            f"{LAST_YEAR}, got {first_year}..{last_year}"
        )
    tab = _tables()
    for k, start in enumerate(range(0, n, chunk_rows)):
        rng = np.random.default_rng([seed, k])
        m = min(chunk_rows, n - start)
        yield _chunk(tab, m, start, rng, first_year, last_year)


def generate_west_africa(n: int, seed: int = DEFAULT_SEED, **kw: Any) -> pd.DataFrame:
    """All chunks of :func:`iter_west_africa` in one frame (chunk by chunk sorted).

    Parameters
    ----------
    n, seed, **kw
        As for :func:`iter_west_africa` (``first_year``, ``last_year``,
        ``chunk_rows``).

    Returns
    -------
    pandas.DataFrame
        ``n`` rows, index 0..n-1; categoricals kept (every chunk has the same
        categories). Sorted by date only when it is a single chunk: wrap it in
        an ``EventTable``, which sorts once.
    """
    chunks = list(iter_west_africa(n, seed, **kw))
    if not chunks:
        rng = np.random.default_rng([seed, 0])
        first = kw.get("first_year", FIRST_YEAR)
        return _chunk(_tables(), 0, 0, rng, first, kw.get("last_year", LAST_YEAR))
    if len(chunks) == 1:
        return chunks[0]
    return pd.concat(chunks)
