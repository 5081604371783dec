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

Modules
-------
The scenario is data, ``sahelgis/demo/scenarios/west_africa.toml`` (read by
:mod:`sahelgis.demo.west_africa_scenario`); :mod:`sahelgis.demo.west_africa_tables`
expands it into lookup tables once, and this module draws chunks from them
(dates, kinds, places, notes). What both generators share is in
:mod:`sahelgis.demo.engine`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sahelgis.demo.engine import ID_PREFIX as MALI_ID_PREFIX
from sahelgis.demo.engine import NOTE_PREFIX, SOURCE_SCALES, large_text
from sahelgis.demo.west_africa_scenario import (
    _CROWD_TAGS,
    BOKO_HARAM,
    CONTROL_SHARE,
    FIRST_YEAR,
    ISWAP,
    JNIM,
    LAST_YEAR,
    MALI_RN4_AXIS,
    SOURCE_TEXT,
    WEST_AFRICA_COUNTRIES,
    YEAR_WEIGHTS,
    Country,
)
from sahelgis.demo.west_africa_tables import (
    _AXIS,
    _BANDS_KM,
    _KM_PER_DEG_LAT,
    _KM_PER_DEG_LON,
    _N_SITES,
    _N_YEARS,
    _SECTORS,
    _UNIFORM,
    _YEARS,
    _choose,
    _Tables,
    _tables,
    _years_between,
)
from sahelgis.model import acled_schema as acled
from sahelgis.model.packed_column import pack_text

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

ID_PREFIX = MALI_ID_PREFIX + "WA"
ID_DIGITS = 10


_GEO_PRECISION_P = (0.72, 0.20, 0.08)
_TIME_PRECISION_P = (0.78, 0.15, 0.07)


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
        chunks.append(pc.binary_join_element_wise(*pieces, large_text("")))
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
            large_text(NOTE_PREFIX),
            (tab.day_text, day_row),
            large_text(", "),
            (tab.phrase_before, phrase),
            (tab.vocab["location"].arrow, location),
            (tab.phrase_after, phrase),
        ),
    )
    del day_row, phrase, location
    numbers = pc.cast(pa.array(np.arange(start + 1, start + m + 1)), pa.large_string())
    ids = pc.binary_join_element_wise(
        large_text(ID_PREFIX), pc.utf8_lpad(numbers, ID_DIGITS, "0"), large_text("")
    )
    del numbers

    index = pd.RangeIndex(start, start + m)
    columns[acled.EVENT_ID] = _str_series(ids, index)
    columns[acled.EVENT_DATE] = day.astype("datetime64[D]").astype("datetime64[s]")
    columns[acled.YEAR] = _YEARS[yi].astype(np.int16)
    columns[acled.TIME_PRECISION] = time_precision
    columns[acled.SOURCE] = _categorical(tab, "source", np.zeros(m, dtype=np.int8))
    columns[acled.SOURCE_SCALE] = _categorical(tab, "source_scale", scale)
    columns[acled.NOTES] = pd.Series(pack_text(notes), index=index)
    columns[acled.TIMESTAMP] = day * 86400 + published
    return pd.DataFrame({c: columns[c] for c in acled.CURRENT_COLUMNS}, index=index)


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
