"""Towns by name and by position: name lookup, capitals, snapping.

Names match case- and accent-insensitively and ignore punctuation ("Ségou" =
"segou" = "SEGOU", "Ké-Macina" = "ke macina"): both sides are NFKD-decomposed,
stripped of combining marks, case-folded, and every run of non-alphanumeric
characters becomes one space. When several places share a name, Malian places
win, then capitals over towns, then the larger population.
"""

from __future__ import annotations

import difflib
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sahelgis.errors import SahelGISError
from sahelgis.model.crs import GEOD

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "CAPITAL_FLAGS",
    "TownNotFoundError",
    "bundled_places",
    "is_admin_capital",
    "nearest_town",
    "normalise_name",
    "resolve_town",
]

#: Boolean columns of the bundled places that mark an administrative seat.
CAPITAL_FLAGS: tuple[str, ...] = (
    "is_national_capital",
    "is_region_capital",
    "is_cercle_capital",
)
_CAPITAL_LEVELS = frozenset({"national_capital", "region_capital", "cercle_capital"})
_LEVEL_RANK = {
    "national_capital": 0,
    "region_capital": 1,
    "cercle_capital": 2,
    "town": 3,
}


class TownNotFoundError(SahelGISError):
    """A town name that matches no place; ``suggestions`` holds close names."""

    def __init__(self, name: str, suggestions: list[str]) -> None:
        self.name = name
        self.suggestions = suggestions
        hint = (
            "did you mean " + ", ".join(suggestions) + "?"
            if suggestions
            else "check the spelling, or give the position with --at LON,LAT"
        )
        super().__init__(f"unknown town {name!r} in the bundled places; {hint}")


def normalise_name(name: object) -> str:
    """Fold a place name for matching: no accents, case or punctuation."""
    text = unicodedata.normalize("NFKD", str(name))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    out = []
    space = False
    for char in text:
        if char.isalnum():
            out.append(char)
            space = False
        elif not space and out:
            out.append(" ")
            space = True
    return "".join(out).strip()


@lru_cache(maxsize=4)
def _read_places(path: str) -> gpd.GeoDataFrame:
    import pyogrio

    return pyogrio.read_dataframe(path, layer="places")


def bundled_places(path: str | Path | None = None) -> gpd.GeoDataFrame:
    """Every point of the bundled ``places`` layer (capitals and towns, EPSG:4326).

    Columns include ``name``, ``country_iso2``, ``admin_level``,
    ``is_cercle_capital``, ``is_region_capital``, ``is_national_capital``,
    ``cercle`` and ``population``. Read once per path, then cached; callers get
    a copy.
    """
    from sahelgis import paths
    from sahelgis.errors import InputError

    gpkg = Path(path) if path is not None else paths.base_gpkg()
    if not gpkg.exists():
        raise InputError(gpkg, "bundled base data is missing; reinstall SahelGIS")
    return _read_places(str(gpkg.resolve())).copy()


def _flag(row: pd.Series | dict[str, Any], name: str) -> bool:
    value = row.get(name) if hasattr(row, "get") else None
    if value is None:
        return False
    try:
        if pd.isna(value):
            return False
    except (TypeError, ValueError):
        return False
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "y", "t")
    return bool(value)


def is_admin_capital(row: pd.Series | dict[str, Any]) -> bool:
    """True for a cercle, region or national capital (ACLED's fallback points).

    ACLED codes an event known only to a cercle or region (``geo_precision``
    3) to its capital, so buffers around these towns need a warning. Reads the
    ``is_*_capital`` flags or ``admin_level`` of a bundled place row.
    """
    if any(_flag(row, name) for name in CAPITAL_FLAGS):
        return True
    level = row.get("admin_level") if hasattr(row, "get") else None
    return isinstance(level, str) and level in _CAPITAL_LEVELS


def _lonlat(places: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    geometry = getattr(places, "geometry", None)
    if geometry is not None and len(places) and hasattr(geometry, "x"):
        return (
            np.asarray(geometry.x, dtype="float64"),
            np.asarray(geometry.y, dtype="float64"),
        )
    return (
        places["longitude"].to_numpy(dtype="float64"),
        places["latitude"].to_numpy(dtype="float64"),
    )


def _preference(places: pd.DataFrame) -> np.ndarray:
    """Sort key per row: Mali first, then capitals, then the larger population."""
    n = len(places)
    country = places.get("country_iso2")
    foreign = (
        np.zeros(n)
        if country is None
        else (country.astype(str).to_numpy() != "ML").astype(float)
    )
    level = places.get("admin_level")
    rank = (
        np.full(n, 3.0)
        if level is None
        else level.map(_LEVEL_RANK).fillna(3).to_numpy(dtype=float)
    )
    population = places.get("population")
    pop = (
        np.zeros(n)
        if population is None
        else pd.to_numeric(population, errors="coerce").fillna(0).to_numpy(float)
    )
    return foreign * 1e12 + rank * 1e10 - np.minimum(pop, 9e9)


def resolve_town(
    name: str, places: pd.DataFrame, *, field: str = "name", max_suggestions: int = 5
) -> tuple[float, float, pd.Series]:
    """Find a town by name: ``(lon, lat, row)`` in WGS84 degrees.

    Parameters
    ----------
    name
        The name as typed ("Ségou", "segou", "SEGOU" all match).
    places
        Points with a ``name`` column (e.g. :func:`bundled_places`); lon/lat
        from the geometry, or from ``longitude``/``latitude`` columns.
    field
        The name column.
    max_suggestions
        How many close names an error lists.

    Raises
    ------
    TownNotFoundError
        When no place matches; the message lists the closest names (difflib).
    """
    if field not in places.columns:
        raise SahelGISError(f"the places have no {field!r} column to search")
    wanted = normalise_name(name)
    if not wanted:
        raise TownNotFoundError(str(name), [])
    names = places[field].astype(str)
    keys = names.map(normalise_name).to_numpy()
    hits = np.flatnonzero(keys == wanted)
    if len(hits) == 0:
        unique: dict[str, str] = {}
        for key, label in zip(keys, names, strict=True):
            unique.setdefault(key, label)
        close = difflib.get_close_matches(
            wanted, list(unique), n=max_suggestions, cutoff=0.6
        )
        if not close:  # prefixes help with very short or truncated names
            close = [k for k in unique if k.startswith(wanted[:3])][:max_suggestions]
        raise TownNotFoundError(str(name), [unique[k] for k in close])
    if len(hits) > 1:
        hits = hits[np.argsort(_preference(places.iloc[hits]), kind="stable")]
    row = places.iloc[int(hits[0])]
    lon, lat = _lonlat(places.iloc[[int(hits[0])]])
    return float(lon[0]), float(lat[0]), row


def nearest_town(
    lon: float, lat: float, places: pd.DataFrame, max_m: float = 2_000.0
) -> tuple[pd.Series, float] | None:
    """The place nearest to a point, with its geodesic distance in metres.

    Used to snap a click to a town and to decide whether a buffer centre sits
    on a capital.

    Parameters
    ----------
    lon, lat
        The point, EPSG:4326 degrees.
    places
        Place rows: point geometries, else ``longitude`` and ``latitude``
        columns, in EPSG:4326 degrees.
    max_m
        Farthest a place may be, metres on the ground.

    Returns
    -------
    tuple of (pandas.Series, float) or None
        The place's row and its distance in metres on the WGS84 ellipsoid
        (pyproj ``Geod.inv``); None when no place lies within ``max_m``.
    """
    if len(places) == 0:
        return None
    plon, plat = _lonlat(places)
    ok = np.isfinite(plon) & np.isfinite(plat)
    if not ok.any():
        return None
    idx = np.flatnonzero(ok)
    _, _, dist = GEOD.inv(
        np.full(len(idx), float(lon)),
        np.full(len(idx), float(lat)),
        plon[idx],
        plat[idx],
    )
    best = int(np.argmin(dist))
    if dist[best] > max_m:
        return None
    return places.iloc[int(idx[best])], float(dist[best])
