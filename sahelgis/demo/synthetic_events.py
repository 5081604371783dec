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

The scenario is data, ``sahelgis/demo/scenarios/southern_mali.toml`` (read by
:mod:`sahelgis.demo.mali_scenario`); this module is its engine (allocation,
dates, actors, the ACLED columns and notes), with the base layers and samplers
in :mod:`sahelgis.demo.mali_places` and what both generators share in
:mod:`sahelgis.demo.engine`.
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
from shapely import LineString

from sahelgis.demo.engine import (
    ID_PREFIX,
    NOTE_PREFIX,
    SOURCE_SCALES,
    disorder_type,
    interaction_text,
    large_text,
    write_events_csv,
)
from sahelgis.demo.mali_places import (
    _anchor_lonlat,
    _Base,
    _load_base,
    _locate,
    _nearest_place,
    _points,
    _to_xy,
)
from sahelgis.demo.mali_scenario import (
    Anchor,
    Choice,
    Fatal,
    Kind,
    Pattern,
    mali_scenario,
)
from sahelgis.model import acled_schema as acled

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
DEFAULT_BASE_GPKG = DATA_DIR / "sahelgis_base.gpkg"
DEFAULT_OUTPUT = DATA_DIR / "demo_events_SYNTHETIC.csv"
DEFAULT_N = 3000
DEFAULT_SEED = 20240228

SOURCE_TEXT = "SYNTHETIC demo data (SahelGIS generator, not ACLED)"

# The scenario (sahelgis/demo/scenarios/southern_mali.toml) under the names the
# engine and its users know.
_SCENARIO = mali_scenario()
FIRST_DAY = _SCENARIO.first_day
LAST_DAY = _SCENARIO.last_day
BAMAKO_RADIUS_KM = _SCENARIO.bamako_radius_km  # 70 miles, the report's "around Bamako"
JNIM = _SCENARIO.actors["JNIM"]
ISS = _SCENARIO.actors["ISS"]
FAMA = _SCENARIO.actors["FAMA"]
POLICE = _SCENARIO.actors["POLICE"]
WAGNER = _SCENARIO.actors["WAGNER"]
DOZO = _SCENARIO.actors["DOZO"]
UAG = _SCENARIO.actors["UAG"]
CIV = _SCENARIO.actors["CIV"]
PROTESTERS = _SCENARIO.actors["PROTESTERS"]
RIOTERS = _SCENARIO.actors["RIOTERS"]
#: inter1/inter2 labels of every actor (the text labels of newer exports).
ACTOR_INTER: dict[str, str] = _SCENARIO.actor_inter
#: ACLED names state forces by regime: (first day of the name, name), oldest first.
ACTOR_ERAS: dict[str, tuple[tuple[date, str], ...]] = _SCENARIO.actor_eras
WAGNER_FROM = _SCENARIO.wagner_from  # no Wagner Group before its deployment
ANCHORS: tuple[Anchor, ...] = _SCENARIO.anchors
PATTERNS: tuple[Pattern, ...] = _SCENARIO.patterns


def approximate_rn4(base_gpkg: Path | None = None) -> LineString:
    """The RN4 as the generator uses it: a lon/lat LineString, south to north.

    ``roads_national`` draws the RN4 only from Mourdiah to Nara (Kwala is not in
    the base data). The generator extends it from Mourdiah as a straight line
    heading SSW (:data:`RN4_SOUTH_AZIMUTH_DEG`) for :data:`RN4_SOUTH_LENGTH_KM`
    km, towards Kwala and Kolokani: the "approximate RN4 south of Mourdiah". It is
    not surveyed; tests use it to check the corridor pattern.
    """
    return _load_base(str(Path(base_gpkg or DEFAULT_BASE_GPKG).resolve())).rn4_lonlat


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


def _take(values: pa.Array, codes: np.ndarray) -> pa.Array:
    return values.take(pa.array(codes))


def _fixed4(v: np.ndarray) -> pa.Array:
    """Degrees with exactly 4 decimals, as ACLED writes them (vectorised)."""
    i = np.rint(v * 1e4).astype(np.int64)
    a = np.abs(i)
    whole = pa.array(a // 10000).cast(pa.large_string())
    frac = pc.utf8_lpad(pa.array(a % 10000).cast(pa.large_string()), 4, "0")
    sign = _take(pa.array(["", "-"], type=pa.large_string()), (i < 0).astype(np.int64))
    return pc.binary_join_element_wise(
        sign, whole, large_text("."), frac, large_text("")
    )


def _int_str(v: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(v, dtype=np.int64)).cast(pa.large_string())


def _const(value: str, n: int) -> pa.Array:
    return pa.repeat(large_text(value), n)


def _interaction_table(
    inter: list[str],
) -> tuple[list[str], dict[tuple[int, int], int]]:
    """ACLED's text interaction: the two inter labels by code order, or "X only"."""
    labels: list[str] = []
    index: dict[tuple[int, int], int] = {}
    for i, a in enumerate(inter):
        for j, b in enumerate(inter):
            index[(i, j)] = len(labels)
            labels.append(interaction_text(a, b))
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
        [disorder_type(k.event_type, k.sub_event_type) for k in kinds], dtype=object
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
        pc.binary_join_element_wise(
            large_text("In "), _take(month_text, day), large_text("")
        ),
        pc.binary_join_element_wise(
            _take(on_around, (time_precision == 2).astype(np.int64)),
            _take(day_text, day),
            large_text(""),
        ),
    )
    notes = pc.binary_join_element_wise(
        _const(NOTE_PREFIX, m),
        date_part,
        _const(", ", m),
        _take(pa.array(reg.phrases_before, type=pa.large_string()), cols["phrase"]),
        location,
        _take(pa.array(reg.phrases_after, type=pa.large_string()), cols["phrase"]),
        large_text(""),
    )
    width = max(7, len(str(m)))
    ids = pc.binary_join_element_wise(
        _const(ID_PREFIX, m),
        pc.utf8_lpad(_int_str(np.arange(1, m + 1)), width, "0"),
        large_text(""),
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
    return write_events_csv(generate_events(n, seed), Path(path))


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
