"""The lookup tables the West Africa engine draws from, built once per process.

:func:`_tables` expands the scenario (:mod:`sahelgis.demo.west_africa_scenario`)
into numpy and pyarrow arrays: the sorted categories of every categorical column
(:class:`_Vocab`), actor slots with their name per year (regime-named state
forces, groups active only some years), one row per event kind and country with
its codes, fatality model and note phrases, the per-country, per-year CDFs that
choose a kind (:func:`_flat_cdf`, :func:`_choose`), the site components
(scatter around towns, uniform in the box, the Bamako–Nara axis, control
hotspots), town and location names, and the calendar texts of the notes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from sahelgis.demo.engine import (
    SOURCE_SCALES,
    disorder_type,
    interaction_text,
)
from sahelgis.demo.west_africa_scenario import (
    _CROWD_TAGS,
    _PROFILES,
    _TEMPLATES,
    CONTROL_SHARE,
    FIRST_YEAR,
    JNIM,
    LAST_YEAR,
    MALI_RN4_AXIS,
    SOURCE_TEXT,
    WEST_AFRICA_COUNTRIES,
    _Armed,
)
from sahelgis.model import acled_schema as acled

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


#: Location name bands around a town, km; the first band is the town itself.
_BANDS_KM = (3.0, 10.0, 25.0, 50.0)


_BAND_TEXT = ("3-10 km", "10-25 km", "25-50 km", "over 50 km")


_SECTORS = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")


_LOC_PER_TOWN = 1 + len(_BAND_TEXT) * len(_SECTORS)


_GROUPS = ("armed", "state", "militia", "demo")


#: An actor slot's key, and a role: (slot, how notes call it, tag, active years).
_Key = tuple[str, ...]


_Role = tuple[_Key, str, str, tuple[int, int]]


_SITE_CONFLICT, _SITE_URBAN, _SITE_CONTROL = 0, 1, 2


_N_SITES = 3


_GAUSS, _UNIFORM, _AXIS = 0, 1, 2


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
                            disorder_type(t.event_type, t.sub_event_type)
                        ),
                        "inter1": vocab["inter"].add(inter1),
                        "inter2": vocab["inter"].add(inter2),
                        "interaction": vocab["interaction"].add(
                            interaction_text(inter1, inter2)
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
        for j, q in zip(towns, tw / tw.sum(), strict=True):
            comp_rows.append(
                (g, _GAUSS, j, c, town_lon[j], town_lat[j], sigma, -1, base_share * q)
            )
        comp_rows.append((g, _UNIFORM, -1, c, 0.0, 0.0, 0.0, -1, _UNIFORM_SHARE))
        for kind, j, lon, lat, s, axis, q in extra:
            comp_rows.append((g, kind, j, c, lon, lat, s, axis, q))
        g = c * _N_SITES + _SITE_URBAN
        uw = tw**2 / (tw**2).sum()
        for j, q in zip(towns, uw, strict=True):
            comp_rows.append(
                (g, _GAUSS, j, c, town_lon[j], town_lat[j], urban_sigma, -1, q)
            )
        g = c * _N_SITES + _SITE_CONTROL
        for name, dlon, dlat, s, q in prof.hotspots:
            j = town_index[(c, name)]
            comp_rows.append(
                (g, _GAUSS, j, c, town_lon[j] + dlon, town_lat[j] + dlat, s, -1, q)
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
