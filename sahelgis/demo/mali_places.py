"""Where the southern Mali demo puts its events: base layers and samplers.

Reads the SahelGIS base GeoPackage once (cercles, regions, Mali's places, the
national roads) into arrays (:class:`_Base`), with the approximate RN4 south of
Mourdiah and a straight Banamba–Nara link added. It holds the vectorised
point-in-cercle test, the nearest-place search, the samplers of the scenario's
sites (Gaussian scatter :class:`~sahelgis.demo.mali_scenario.Around` a town,
or strung :class:`~sahelgis.demo.mali_scenario.Along` a road) with redraws
outside Mali, and the placing of the fixed anchor events.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
import pyogrio
import shapely
from shapely import LineString

from sahelgis.demo.mali_scenario import Anchor, Around, Site, mali_scenario
from sahelgis.model.crs import GEOD, to_display, to_lonlat

#: The southern extension of the RN4 drawn from Mourdiah: heading and length
#: (see :func:`sahelgis.demo.synthetic_events.approximate_rn4`).
RN4_SOUTH_AZIMUTH_DEG = mali_scenario().rn4_south_azimuth_deg
RN4_SOUTH_LENGTH_KM = mali_scenario().rn4_south_length_km


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
        if a.rn4_from_bamako_km is None:
            raise ValueError(f"anchor {a} needs a place, rn4_km or rn4_from_bamako_km")
        pos = np.linspace(0.0, south, 801)
        pts = shapely.line_interpolate_point(line, pos)
        lons, lats = _to_lonlat4(shapely.get_x(pts), shapely.get_y(pts))
        bx, by = base.place("Bamako")
        _, _, d = GEOD.inv(np.full_like(lons, bx), np.full_like(lats, by), lons, lats)
        at = float(pos[np.argmin(np.abs(d - a.rn4_from_bamako_km * 1e3))])
    pt = shapely.line_interpolate_point(line, at)
    lons, lats = _to_lonlat4(np.array([pt.x]), np.array([pt.y]))
    return float(lons[0]), float(lats[0])
