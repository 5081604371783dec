"""Online XYZ map tiles: providers, tile maths, a disk cache and a fetcher (no Qt).

The bundled vector layers are the offline basemap; tiles are an optional extra
under them when a network exists. Tiles come in Web Mercator (EPSG:3857) in the
usual XYZ scheme (x east, y south, 256 px); the canvas warps them into the
display CRS (``sahelgis.model.crs``).

Rules the code enforces, from the providers' terms:

- every request sends an identifying ``User-Agent`` and has a connect and a read
  timeout (``TIMEOUT``): nothing waits forever;
- ``download_region`` ("make available offline") refuses providers whose terms
  forbid bulk download (``TileProvider.allows_bulk``): the OpenStreetMap tile
  policy forbids it, CARTO's basemap terms forbid storing tiles, Esri allows
  offline use only through ArcGIS;
- tiles of providers whose terms forbid storing them (``disk_cache=False``)
  never reach the disk cache.

Rules against hostile files (a project names its basemap, and projects are
traded between analysts):

- a basemap state read from a file is validated with a typed schema
  (``BasemapStateModel``); what is wrong gives one line naming the file and the
  key (``read_basemap_state``), and the project opens without online tiles;
- custom URLs must be ``http``/``https`` with a plain host name (no
  credentials, no placeholders in the host, at most ``MAX_URL_CHARS``); a
  ``file:`` URL is accepted only inside the tile cache folder;
- a provider that came from a file is marked ``from_file``: whether the network
  may be used for it is decided by the user's consent for its host
  (``sahelgis.io.tile_consent``), never by the file;
- one tile answer is read in chunks and refused past ``MAX_TILE_BYTES``;
  redirects are followed only to the same host over http(s).

The disk cache is a folder ``<root>/<provider>/<z>/<x>/<y>.<ext>`` with a small
SQLite index (``index.sqlite``) for its size limit (least recently used tiles go
first; tiles downloaded for offline use go last) and its statistics. It lives
across sessions (unlike contextily's default cache, deleted at exit).

Size: one file because providers, tile maths, cache and fetcher change
together; issue 18 replaces it with contextily and xyzservices, so it is not
split now.
"""

from __future__ import annotations

import hashlib
import http.client
import math
import os
import re
import sqlite3
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NamedTuple

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError

from sahelgis import __version__
from sahelgis.errors import SahelGISError
from sahelgis.model import crs
from sahelgis.progress import NULL_PROGRESS, Progress

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

#: Connect and read timeouts of one tile request, in seconds.
TIMEOUT: tuple[float, float] = (3.0, 10.0)
TILE_SIZE = 256
#: Latitude limit of Web Mercator tiles (degrees).
MAX_LAT = 85.0511287798066
#: Earth circumference at the equator in Web Mercator metres.
EARTH_CIRCUMFERENCE = 2 * math.pi * 6_378_137.0
USER_AGENT = f"SahelGIS/{__version__} (offline desktop GIS for conflict analysts)"
#: Cached tiles younger than this are used without asking the server again.
DEFAULT_MAX_AGE_DAYS = 30.0
DEFAULT_CACHE_LIMIT_MB = 500.0
#: A typical tile of the Sahel (sparse map content), when the cache has no sample.
TYPICAL_TILE_BYTES = 12_000
#: "Make available offline" downloads at most this many tiles at once.
MAX_BULK_TILES = 20_000
#: Give up a bulk download after this many network failures in a row.
MAX_CONSECUTIVE_FAILURES = 5
CUSTOM_KEY = "custom"
#: The largest tile answer read (bytes); a longer body is refused, not read.
MAX_TILE_BYTES = 4 * 1024 * 1024
#: Bytes read at a time from the network or a file.
READ_CHUNK_BYTES = 64 * 1024
#: The longest custom tile URL template accepted (characters).
MAX_URL_CHARS = 2048
#: URL schemes a custom provider may use (``file`` only inside the tile cache).
NETWORK_SCHEMES = ("http", "https")
#: Placeholders a URL template may contain.
PLACEHOLDERS = ("{z}", "{x}", "{y}", "{s}", "{r}", "{apikey}")
IMAGE_MAGIC = {
    b"\x89PNG\r\n\x1a\n": "png",
    b"\xff\xd8\xff": "jpg",
    b"GIF8": "gif",
    b"RIFF": "webp",
}

_WHERE_KEY = "provider=? AND z=? AND x=? AND y=?"

Extent = tuple[float, float, float, float]
TileKey = tuple[int, int, int]  # z, x, y


# -- errors -------------------------------------------------------------------
class TileUnavailable(SahelGISError):
    """A tile could not be had from the network or the cache.

    ``kind`` says why: ``"network"`` (no connection, timeout, DNS, refused),
    ``"http"`` (the server answered with an error status), ``"invalid"`` (the
    answer is not an image) or ``"offline"`` (network not tried, tile not cached).
    """

    def __init__(self, url: str, reason: str, kind: str = "network") -> None:
        self.url = url
        self.reason = reason
        self.kind = kind
        super().__init__(f"Tile unavailable ({kind}): {reason} [{url}]")


class BulkDownloadForbidden(SahelGISError):
    """The provider's terms do not allow downloading tiles for offline use."""


# -- providers ----------------------------------------------------------------
@dataclass(frozen=True)
class TileProvider:
    """An XYZ tile source and what its terms allow.

    ``url`` is a template with ``{z}``, ``{x}``, ``{y}`` and optionally ``{s}``
    (one of ``subdomains``), ``{r}`` (retina suffix, always empty here) and
    ``{apikey}``. ``attribution`` is the plain-text credit that must appear on
    the map and in every figure's source line. ``terms`` is one sentence for the
    UI about what the provider allows.
    """

    key: str
    name: str
    url: str
    attribution: str
    max_zoom: int = 19
    min_zoom: int = 0
    subdomains: str = ""
    allows_bulk: bool = False
    disk_cache: bool = True
    terms: str = ""
    api_key: str = ""
    #: True when a file (a project) named this provider rather than the user
    #: in this app: the network is then used only with consent for its host.
    from_file: bool = field(default=False, compare=False)

    @property
    def uses_network(self) -> bool:
        """True for ``http``/``https`` providers (``file:`` tiles are local)."""
        return urllib.parse.urlsplit(self.url).scheme.lower() in NETWORK_SCHEMES

    def build_url(self, z: int, x: int, y: int) -> str:
        """The URL of one tile."""
        sub = self.subdomains[(x + y) % len(self.subdomains)] if self.subdomains else ""
        url = (
            self.url.replace("{z}", str(z))
            .replace("{x}", str(x))
            .replace("{y}", str(y))
            .replace("{s}", sub)
            .replace("{r}", "")
        )
        if "{apikey}" in url:
            if self.api_key:
                url = url.replace("{apikey}", urllib.parse.quote(self.api_key))
            else:  # drop an optional ``key={apikey}`` query
                url = url.replace("?key={apikey}", "").replace("&key={apikey}", "")
        return url


# Attributions as in xyzservices 2026.9.1 (providers.json).
OSM_BULK_NOTE = (
    "OpenStreetMap's tile policy forbids downloading tiles for offline use; "
    "tiles you view are cached."
)
PROVIDERS: dict[str, TileProvider] = {
    provider.key: provider
    for provider in (
        TileProvider(
            key="osm",
            name="OpenStreetMap",
            url="https://tile.openstreetmap.org/{z}/{x}/{y}.png",
            attribution="(C) OpenStreetMap contributors",
            max_zoom=19,
            allows_bulk=False,
            terms=OSM_BULK_NOTE,
        ),
        TileProvider(
            key="carto_positron",
            name="CartoDB Positron",
            url="https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}{r}.png"
            "?key={apikey}",
            attribution="(C) OpenStreetMap contributors (C) CARTO",
            max_zoom=20,
            subdomains="abcd",
            allows_bulk=False,
            disk_cache=False,
            terms=(
                "CARTO's basemap terms forbid storing its tiles: they are shown "
                "online only, never cached on disk."
            ),
        ),
        TileProvider(
            key="esri_imagery",
            name="Esri World Imagery",
            url="https://server.arcgisonline.com/ArcGIS/rest/services/World_Imagery/"
            "MapServer/tile/{z}/{y}/{x}",
            attribution=(
                "Tiles (C) Esri -- Source: Esri, i-cubed, USDA, USGS, AEX, GeoEye, "
                "Getmapping, Aerogrid, IGN, IGP, UPR-EGP, and the GIS User Community"
            ),
            max_zoom=18,
            allows_bulk=False,
            disk_cache=False,
            terms=(
                "Esri allows offline basemaps only through ArcGIS: imagery is "
                "shown online only, never cached on disk."
            ),
        ),
        TileProvider(
            key="opentopomap",
            name="OpenTopoMap (openmaps.fr)",
            url="https://tile.openmaps.fr/opentopomap/{z}/{x}/{y}.png",
            attribution=(
                "Map style: (C) OpenTopoMap-R (openmaps.fr); "
                "map data: (C) OpenStreetMap contributors, SRTM"
            ),
            max_zoom=17,
            allows_bulk=True,
            terms=(
                "openmaps.fr allows low-volume use (under 400,000 tiles a month) "
                "by non-commercial projects; downloads are capped at "
                f"{MAX_BULK_TILES:,} tiles."
            ),
        ),
    )
}


def provider(name: str) -> TileProvider:
    """A built-in provider by key (``"osm"``) or display name (``"OpenStreetMap"``)."""
    if name in PROVIDERS:
        return PROVIDERS[name]
    for candidate in PROVIDERS.values():
        if candidate.name.lower() == name.lower():
            return candidate
    known = ", ".join(p.name for p in PROVIDERS.values())
    raise KeyError(f"unknown tile provider {name!r}; expected one of: {known}")


def short_text(value: object, limit: int = 80) -> str:
    """A value for a one-line message: its repr, cut to ``limit`` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 5] + "…" + text[-4:]


def _inside(path: Path, folder: Path) -> bool:
    """True when ``path`` (symlinks resolved) lies inside ``folder``."""
    try:
        path.resolve().relative_to(folder.resolve())
    except (ValueError, OSError, RuntimeError):
        return False
    return True


def file_url_path(url: str) -> Path:
    """The local path of a ``file:`` URL (query and fragment ignored)."""
    return Path(urllib.parse.unquote(urllib.parse.urlsplit(url).path))


#: What a host name of a custom URL may contain (letters, digits, . - _ and the
#: colons of an IPv6 address); no placeholders, spaces or markup.
_HOST_CHARS = re.compile(r"[a-z0-9._:-]+")


def check_tile_url(url: str, cache_root: Path | None = None) -> str:
    """Check a custom XYZ URL template; returns it stripped.

    Accepted: ``http``/``https`` URLs with a plain host (no user name or
    password, no placeholder in the host) and ``{z}``, ``{x}``, ``{y}`` in the
    path or query, at most ``MAX_URL_CHARS`` long; ``file:`` URLs only when
    they point inside the tile cache folder ``cache_root`` (default:
    ``default_cache_dir()``). Raises ``ValueError`` saying what was found and
    what is expected.
    """
    if not isinstance(url, str):
        raise ValueError(f"the tile URL must be text; got {short_text(url)}")
    url = url.strip()
    if len(url) > MAX_URL_CHARS:
        raise ValueError(
            f"the tile URL is {len(url):,} characters long; at most "
            f"{MAX_URL_CHARS:,} are accepted"
        )
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise ValueError(f"the tile URL has control characters: {short_text(url)}")
    missing = [part for part in ("{z}", "{x}", "{y}") if part not in url]
    if missing:
        raise ValueError(
            f"the tile URL needs {', '.join(missing)}; got {short_text(url)} "
            "(e.g. https://tiles.example.org/{z}/{x}/{y}.png)"
        )
    try:
        parts = urllib.parse.urlsplit(url)
        _ = parts.port  # a malformed port raises here, not at the first request
    except ValueError as exc:
        raise ValueError(
            f"the tile URL is malformed ({exc}): {short_text(url)}"
        ) from exc
    scheme = parts.scheme.lower()
    if scheme == "file":
        root = Path(cache_root) if cache_root is not None else default_cache_dir()
        sample = file_url_path(url.replace("{", "").replace("}", ""))
        if parts.netloc not in ("", "localhost") or not _inside(sample, root):
            raise ValueError(
                f"file: tile URLs are accepted only inside the tile cache folder "
                f"{root}; got {short_text(url)}"
            )
        return url
    if scheme not in NETWORK_SCHEMES:
        raise ValueError(
            f"the tile URL must start with http:// or https://; got {short_text(url)}"
        )
    if parts.username is not None or parts.password is not None:
        raise ValueError(
            "the tile URL must not carry a user name or password; got "
            f"{short_text(parts._replace(netloc=parts.hostname or '').geturl())}"
        )
    if not parts.hostname or not _HOST_CHARS.fullmatch(parts.hostname):
        raise ValueError(
            "the tile URL needs a plain host name (no placeholders in it); got "
            f"{short_text(url)}"
        )
    return url


def custom_provider(
    url: str,
    attribution: str,
    *,
    name: str = "Custom XYZ tiles",
    max_zoom: int = 19,
    allows_bulk: bool = False,
    from_file: bool = False,
    cache_root: Path | None = None,
) -> TileProvider:
    """A provider for a user's XYZ URL (``http``, ``https``; ``file`` in the cache).

    ``allows_bulk`` is the user's statement that the server's terms allow
    downloading for offline use (e.g. the organisation's own tile server).
    ``from_file`` marks a provider named by a project rather than the user.
    Raises ``ValueError`` with what is wrong when the template is unusable
    (see ``check_tile_url``).
    """
    url = check_tile_url(url, cache_root)
    digest = hashlib.sha1(url.encode("utf-8")).hexdigest()[:10]
    host = urllib.parse.urlsplit(url).hostname or "local files"
    return TileProvider(
        key=f"{CUSTOM_KEY}-{digest}",
        name=name,
        url=url,
        attribution=attribution.strip() or f"Tiles: {host}",
        max_zoom=int(max_zoom),
        allows_bulk=allows_bulk,
        terms=(
            "You stated this server allows downloads for offline use."
            if allows_bulk
            else "Downloads for offline use are off unless you state the server "
            "allows them."
        ),
        from_file=from_file,
    )


def provider_state(tile_provider: TileProvider | None) -> dict[str, Any] | None:
    """What a project saves of its basemap (``project.extra_state["basemap"]``)."""
    if tile_provider is None:
        return None
    state: dict[str, Any] = {
        "provider": tile_provider.key,
        "name": tile_provider.name,
        "attribution": tile_provider.attribution,
    }
    if tile_provider.key.startswith(CUSTOM_KEY):
        state.update(
            url=tile_provider.url,
            max_zoom=tile_provider.max_zoom,
            allows_bulk=tile_provider.allows_bulk,
        )
    return state


#: The project key that holds the basemap state (named in messages).
BASEMAP_KEY = "basemap"
_Text = Annotated[str, Field(max_length=500)]


class BasemapStateModel(BaseModel):
    """The typed schema of a saved basemap (``project.extra_state["basemap"]``).

    Strict types (no coercion of ``"19"`` to 19 or of 1 to True), bounded
    lengths and zooms; unknown keys are ignored.
    """

    model_config = ConfigDict(strict=True, extra="ignore")

    provider: Annotated[str, Field(min_length=1, max_length=64)]
    name: Annotated[str, Field(max_length=200)] = ""
    attribution: _Text = ""
    url: Annotated[str, Field(max_length=MAX_URL_CHARS)] = ""
    max_zoom: Annotated[int, Field(ge=0, le=24)] = 19
    allows_bulk: StrictBool = False


class BasemapRead(NamedTuple):
    """A basemap state read from a file.

    The provider (None: no online tiles) and a one-line problem ('' when the
    state was fine or absent).
    """

    provider: TileProvider | None
    problem: str


def read_basemap_state(
    state: object, source: str = "project", cache_root: Path | None = None
) -> BasemapRead:
    """Validate a basemap state from a file and build its provider.

    ``source`` names the file in messages (e.g. ``"survey.gpkg"``). Never
    raises for bad input: a state that is wrong (types, lengths, unknown
    provider, refused URL) gives ``BasemapRead(None, "survey.gpkg: basemap.url:
    …")``, one line naming the file and the key. The provider is marked
    ``from_file``: it needs the user's consent for its host before any request.
    """
    if state is None:
        return BasemapRead(None, "")
    if not isinstance(state, dict):
        return BasemapRead(
            None,
            f"{source}: {BASEMAP_KEY}: expected an object with a provider; got "
            f"{type(state).__name__} {short_text(state, 40)}; online tiles are off",
        )
    if not state.get("provider"):
        return BasemapRead(None, "")  # tiles off
    try:
        model = BasemapStateModel.model_validate(state)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in (BASEMAP_KEY, *error["loc"]))
        return BasemapRead(
            None,
            f"{source}: {where}: {error['msg']}; got "
            f"{short_text(error.get('input'), 60)}; online tiles are off",
        )
    if model.provider.startswith(CUSTOM_KEY):
        try:
            tile_provider = custom_provider(
                model.url,
                model.attribution,
                name=model.name or "Custom XYZ tiles",
                max_zoom=model.max_zoom,
                allows_bulk=model.allows_bulk,
                from_file=True,
                cache_root=cache_root,
            )
        except ValueError as exc:
            return BasemapRead(
                None, f"{source}: {BASEMAP_KEY}.url: {exc}; online tiles are off"
            )
        return BasemapRead(tile_provider, "")
    known = PROVIDERS.get(model.provider)
    if known is None:
        return BasemapRead(
            None,
            f"{source}: {BASEMAP_KEY}.provider: unknown provider "
            f"{short_text(model.provider, 60)}; expected one of "
            f"{', '.join(PROVIDERS)} or {CUSTOM_KEY}-…; online tiles are off",
        )
    return BasemapRead(replace(known, from_file=True), "")


def provider_from_state(state: object) -> TileProvider | None:
    """The provider a saved basemap state names; None if off, unknown or refused.

    The provider is marked ``from_file`` (see ``read_basemap_state``, which
    also says what is wrong).
    """
    return read_basemap_state(state).provider


# -- tile maths ---------------------------------------------------------------
def lonlat_to_tile(lon: Any, lat: Any, z: int) -> tuple[np.ndarray, np.ndarray]:
    """Fractional XYZ tile coordinates (x east, y south) of lon/lat at zoom z.

    Parameters
    ----------
    lon, lat
        EPSG:4326 degrees (scalars or arrays); latitudes are clipped to Web
        Mercator's ``±MAX_LAT``.
    z
        Zoom level.

    Returns
    -------
    x, y : numpy.ndarray
        Tile coordinates; the integer part is the tile index.
    """
    lon = np.asarray(lon, dtype=float)
    lat = np.clip(np.asarray(lat, dtype=float), -MAX_LAT, MAX_LAT)
    n = 2.0**z
    x = (lon + 180.0) / 360.0 * n
    lat_rad = np.radians(lat)
    y = (1.0 - np.log(np.tan(lat_rad) + 1.0 / np.cos(lat_rad)) / math.pi) / 2.0 * n
    return x, y


def tile_to_lonlat(x: Any, y: Any, z: int) -> tuple[np.ndarray, np.ndarray]:
    """Lon/lat of fractional tile coordinates (a tile's NW corner for integers)."""
    n = 2.0**z
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    lon = x / n * 360.0 - 180.0
    lat = np.degrees(np.arctan(np.sinh(math.pi * (1.0 - 2.0 * y / n))))
    return lon, lat


def tile_bounds_lonlat(z: int, x: int, y: int) -> Extent:
    """A tile's (west, south, east, north) in degrees."""
    lon, lat = tile_to_lonlat([x, x + 1], [y + 1, y], z)
    return float(lon[0]), float(lat[0]), float(lon[1]), float(lat[1])


def ground_resolution(z: int, lat: float) -> float:
    """Ground metres per tile pixel at a latitude and zoom.

    Parameters
    ----------
    z
        Zoom level.
    lat
        Latitude, EPSG:4326 degrees.

    Returns
    -------
    float
        Metres on the ground per pixel of a 256-pixel Web Mercator tile.
    """
    return EARTH_CIRCUMFERENCE * math.cos(math.radians(lat)) / (TILE_SIZE * 2**z)


def zoom_for_resolution(
    metres_per_pixel: float, lat: float, max_zoom: int = 19, min_zoom: int = 0
) -> int:
    """The zoom whose tile pixels are closest in size to the screen's pixels."""
    if not (metres_per_pixel > 0 and math.isfinite(metres_per_pixel)):
        return min_zoom
    ideal = math.log2(
        EARTH_CIRCUMFERENCE
        * math.cos(math.radians(lat))
        / (TILE_SIZE * metres_per_pixel)
    )
    return int(min(max(round(ideal), min_zoom), max_zoom))


def display_extent_to_lonlat(extent: Extent) -> Extent:
    """The lon/lat box containing a display-CRS box.

    Parameters
    ----------
    extent
        ``(xmin, ymin, xmax, ymax)`` in display-CRS metres.

    Returns
    -------
    Extent
        ``(west, south, east, north)`` in degrees, within Web Mercator's
        latitudes (the whole tiled world when the box misses the globe).
    """
    box = crs.display_box_to_lonlat(extent)
    if box is None:
        return (-180.0, -MAX_LAT, 180.0, MAX_LAT)
    west, south, east, north = box
    return (west, max(south, -MAX_LAT), east, min(north, MAX_LAT))


def tile_range(box_lonlat: Extent, z: int) -> tuple[int, int, int, int]:
    """Inclusive (x0, y0, x1, y1) tile indices covering a lon/lat box at zoom z.

    Parameters
    ----------
    box_lonlat
        ``(west, south, east, north)`` in EPSG:4326 degrees.
    z
        Zoom level.

    Returns
    -------
    tuple of int
        ``(x0, y0, x1, y1)``, clamped to the zoom's tiles.
    """
    west, south, east, north = box_lonlat
    fx, fy = lonlat_to_tile([west, east], [north, south], z)
    last = 2**z - 1
    x0 = int(min(max(math.floor(fx[0]), 0), last))
    x1 = int(min(max(math.ceil(fx[1]) - 1, x0), last))
    y0 = int(min(max(math.floor(fy[0]), 0), last))
    y1 = int(min(max(math.ceil(fy[1]) - 1, y0), last))
    return x0, y0, x1, y1


def tiles_for_lonlat_box(box_lonlat: Extent, z: int) -> list[TileKey]:
    """The tiles covering a lon/lat box at zoom z, centre first."""
    x0, y0, x1, y1 = tile_range(box_lonlat, z)
    cx, cy = (x0 + x1) / 2.0, (y0 + y1) / 2.0
    keys = [(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]
    keys.sort(key=lambda k: (k[1] - cx) ** 2 + (k[2] - cy) ** 2)
    return keys


def tiles_for_extent(extent: Extent, z: int) -> list[TileKey]:
    """The tiles covering a display-CRS box at zoom z, centre first."""
    return tiles_for_lonlat_box(display_extent_to_lonlat(extent), z)


def view_zoom(
    extent: Extent,
    metres_per_pixel: float,
    tile_provider: TileProvider,
    max_tiles: int = 120,
) -> int:
    """The zoom to show a display-CRS view at, with at most ``max_tiles`` tiles."""
    xmin, ymin, xmax, ymax = extent
    _, lat = crs.to_lonlat().transform((xmin + xmax) / 2.0, (ymin + ymax) / 2.0)
    lat = float(lat) if math.isfinite(lat) else 0.0
    z = zoom_for_resolution(
        metres_per_pixel, lat, tile_provider.max_zoom, tile_provider.min_zoom
    )
    box = display_extent_to_lonlat(extent)
    while z > tile_provider.min_zoom:
        x0, y0, x1, y1 = tile_range(box, z)
        if (x1 - x0 + 1) * (y1 - y0 + 1) <= max_tiles:
            break
        z -= 1
    return z


class DownloadEstimate(NamedTuple):
    """How many tiles a download fetches and roughly how many bytes."""

    tiles: int
    bytes: int


def estimate_download(
    extent_lonlat: Extent,
    zooms: Iterable[int],
    tile_bytes: float = TYPICAL_TILE_BYTES,
) -> DownloadEstimate:
    """Tile count and size estimate for a lon/lat box over some zooms.

    ``tile_bytes`` is the average tile size; pass ``TileCache.mean_tile_bytes``
    for the provider when the cache has a sample.
    """
    count = 0
    for z in zooms:
        x0, y0, x1, y1 = tile_range(extent_lonlat, z)
        count += (x1 - x0 + 1) * (y1 - y0 + 1)
    return DownloadEstimate(count, round(count * tile_bytes))


def image_format(data: bytes) -> str | None:
    """``png``/``jpg``/``gif``/``webp`` from the first bytes, else None."""
    for magic, ext in IMAGE_MAGIC.items():
        if data.startswith(magic):
            return ext
    return None


# -- disk cache ---------------------------------------------------------------
def default_cache_dir() -> Path:
    """Where tiles are cached: ``$SAHELGIS_TILE_CACHE`` or the user cache folder."""
    override = os.environ.get("SAHELGIS_TILE_CACHE")
    if override:
        return Path(override)
    if sys.platform.startswith("win"):
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
        return base / "SahelGIS" / "tiles"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "SahelGIS" / "tiles"
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return base / "sahelgis" / "tiles"


class CachedTile(NamedTuple):
    """A tile from the disk cache and when it was fetched (Unix time)."""

    data: bytes
    fetched: float


class CacheStats(NamedTuple):
    """Tiles and bytes in the cache (all providers or one) and its limit."""

    tiles: int
    bytes: int
    limit_bytes: int
    offline_tiles: int


class TileCache:
    """Tiles on disk with a size limit; safe to share between threads.

    Nothing is created on disk until the first tile is stored or looked up.
    When the cache grows past ``limit_mb``, the least recently used tiles are
    deleted until it is under 90% of the limit; tiles downloaded for offline
    use (``pinned``) go only after every other tile.
    """

    def __init__(
        self, root: Path | str | None = None, limit_mb: float = DEFAULT_CACHE_LIMIT_MB
    ) -> None:
        self.root = Path(root) if root is not None else default_cache_dir()
        self.limit_bytes = int(limit_mb * 1024 * 1024)
        self._lock = threading.RLock()
        self._db: sqlite3.Connection | None = None
        self._total = 0

    # -- index --------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        if self._db is not None:
            return self._db
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.root / "index.sqlite"
        try:
            db = self._open(path)
        except sqlite3.DatabaseError:  # a damaged index: the tiles are a cache
            path.unlink(missing_ok=True)
            db = self._open(path)
        self._db = db
        self._total = int(
            db.execute("SELECT COALESCE(SUM(bytes), 0) FROM tiles").fetchone()[0]
        )
        return db

    @staticmethod
    def _open(path: Path) -> sqlite3.Connection:
        db = sqlite3.connect(path, check_same_thread=False, timeout=5.0)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute(
            "CREATE TABLE IF NOT EXISTS tiles (provider TEXT, z INTEGER, "
            "x INTEGER, y INTEGER, path TEXT, bytes INTEGER, fetched REAL, "
            "used REAL, pinned INTEGER DEFAULT 0, PRIMARY KEY (provider, z, x, y))"
        )
        db.execute("CREATE INDEX IF NOT EXISTS tiles_used ON tiles (pinned, used)")
        db.commit()
        return db

    def close(self) -> None:
        """Close the index (it reopens on next use)."""
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    # -- tiles --------------------------------------------------------------
    def get(self, provider_key: str, z: int, x: int, y: int) -> CachedTile | None:
        """The cached tile, or None; marks it as recently used."""
        with self._lock:
            db = self._connect()
            row = db.execute(
                "SELECT path, fetched FROM tiles WHERE " + _WHERE_KEY,
                (provider_key, z, x, y),
            ).fetchone()
            if row is None:
                return None
            try:
                data = (self.root / row[0]).read_bytes()
            except OSError:  # deleted behind our back: forget it
                self._forget(db, provider_key, z, x, y)
                db.commit()
                return None
            db.execute(
                "UPDATE tiles SET used=? WHERE provider=? AND z=? AND x=? AND y=?",
                (time.time(), provider_key, z, x, y),
            )
            db.commit()
            return CachedTile(data, float(row[1]))

    def contains(self, provider_key: str, z: int, x: int, y: int) -> bool:
        """True when the tile is in the index."""
        with self._lock:
            row = (
                self._connect()
                .execute(
                    "SELECT 1 FROM tiles WHERE provider=? AND z=? AND x=? AND y=?",
                    (provider_key, z, x, y),
                )
                .fetchone()
            )
            return row is not None

    def pin(self, provider_key: str, z: int, x: int, y: int) -> bool:
        """Keep a cached tile for offline use (evicted last); False if not cached."""
        with self._lock:
            db = self._connect()
            cursor = db.execute(
                "UPDATE tiles SET pinned=1 WHERE provider=? AND z=? AND x=? AND y=?",
                (provider_key, z, x, y),
            )
            db.commit()
            return cursor.rowcount > 0

    def put(
        self,
        provider_key: str,
        z: int,
        x: int,
        y: int,
        data: bytes,
        *,
        pinned: bool = False,
    ) -> None:
        """Store a tile (atomically), then keep the cache under its limit."""
        ext = image_format(data) or "tile"
        rel = Path(provider_key) / str(z) / str(x) / f"{y}.{ext}"
        with self._lock:
            db = self._connect()
            path = self.root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f"{path.name}.{threading.get_ident()}.tmp")
            tmp.write_bytes(data)
            os.replace(tmp, path)
            old = db.execute(
                "SELECT path, bytes, pinned FROM tiles "
                "WHERE provider=? AND z=? AND x=? AND y=?",
                (provider_key, z, x, y),
            ).fetchone()
            if old is not None:
                self._total -= int(old[1])
                if old[0] != rel.as_posix():
                    (self.root / old[0]).unlink(missing_ok=True)
                pinned = pinned or bool(old[2])
            now = time.time()
            db.execute(
                "INSERT OR REPLACE INTO tiles VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    provider_key,
                    z,
                    x,
                    y,
                    rel.as_posix(),
                    len(data),
                    now,
                    now,
                    int(pinned),
                ),
            )
            self._total += len(data)
            self._evict(db)
            db.commit()

    def _forget(
        self, db: sqlite3.Connection, provider_key: str, z: int, x: int, y: int
    ) -> None:
        row = db.execute(
            "SELECT bytes FROM tiles WHERE provider=? AND z=? AND x=? AND y=?",
            (provider_key, z, x, y),
        ).fetchone()
        if row is not None:
            self._total -= int(row[0])
            db.execute(
                "DELETE FROM tiles WHERE provider=? AND z=? AND x=? AND y=?",
                (provider_key, z, x, y),
            )

    def _evict(self, db: sqlite3.Connection) -> None:
        if self._total <= self.limit_bytes:
            return
        target = int(self.limit_bytes * 0.9)
        rows = db.execute(
            "SELECT provider, z, x, y, path, bytes FROM tiles ORDER BY pinned, used"
        )
        doomed = []
        total = self._total
        for row in rows:
            if total <= target:
                break
            doomed.append(row)
            total -= int(row[5])
        for provider_key, z, x, y, rel, size in doomed:
            (self.root / rel).unlink(missing_ok=True)
            db.execute(
                "DELETE FROM tiles WHERE provider=? AND z=? AND x=? AND y=?",
                (provider_key, z, x, y),
            )
            self._total -= int(size)

    def set_limit_mb(self, limit_mb: float) -> None:
        """Change the size limit; evicts at once if the cache is over it."""
        with self._lock:
            self.limit_bytes = int(limit_mb * 1024 * 1024)
            if self._db is not None or (self.root / "index.sqlite").exists():
                db = self._connect()
                self._evict(db)
                db.commit()

    def clear(self, provider_key: str | None = None) -> int:
        """Delete every cached tile (of one provider); returns how many."""
        with self._lock:
            if self._db is None and not (self.root / "index.sqlite").exists():
                return 0
            db = self._connect()
            where, args = (
                ("WHERE provider=?", (provider_key,)) if provider_key else ("", ())
            )
            rows = db.execute(f"SELECT path, bytes FROM tiles {where}", args).fetchall()
            for rel, size in rows:
                (self.root / rel).unlink(missing_ok=True)
                self._total -= int(size)
            db.execute(f"DELETE FROM tiles {where}", args)
            db.commit()
            for folder in sorted(self.root.glob("*/**/"), reverse=True):
                if folder.is_dir() and not any(folder.iterdir()):
                    folder.rmdir()
            return len(rows)

    def stats(self, provider_key: str | None = None) -> CacheStats:
        """Tiles and bytes cached (of one provider, or all)."""
        with self._lock:
            if self._db is None and not (self.root / "index.sqlite").exists():
                return CacheStats(0, 0, self.limit_bytes, 0)
            where, args = (
                ("WHERE provider=?", (provider_key,)) if provider_key else ("", ())
            )
            count, size, pinned = (
                self._connect()
                .execute(
                    "SELECT COUNT(*), COALESCE(SUM(bytes), 0), "
                    "COALESCE(SUM(pinned), 0) "
                    f"FROM tiles {where}",
                    args,
                )
                .fetchone()
            )
            return CacheStats(int(count), int(size), self.limit_bytes, int(pinned))

    def mean_tile_bytes(
        self, provider_key: str, default: float = TYPICAL_TILE_BYTES
    ) -> float:
        """Average size of the provider's cached tiles (``default`` if none)."""
        stats = self.stats(provider_key)
        return stats.bytes / stats.tiles if stats.tiles else default


# -- fetching -----------------------------------------------------------------
class TileResult(NamedTuple):
    """Tile bytes and where they came from: ``network``, ``cache`` or ``stale``."""

    data: bytes
    source: str


def _read_limited(stream: Any, url: str, limit: int = MAX_TILE_BYTES) -> bytes:
    """Read a body in chunks; refuse it (TileUnavailable) past ``limit`` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = stream.read(READ_CHUNK_BYTES)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            raise TileUnavailable(
                url, f"the answer is larger than {limit:,} bytes", "invalid"
            )
        chunks.append(chunk)


def _read_file_tile(url: str, cache_root: Path | None = None) -> bytes:
    """A ``file:`` tile, only from a regular file inside the tile cache folder."""
    root = Path(cache_root) if cache_root is not None else default_cache_dir()
    path = file_url_path(url)
    if not _inside(path, root):
        raise TileUnavailable(
            url, f"file: tiles are read only inside the tile cache {root}", "invalid"
        )
    try:
        if not path.resolve().is_file():
            raise TileUnavailable(url, "no such file", "http")
        with path.open("rb") as handle:
            return _read_limited(handle, url)
    except OSError as exc:
        raise TileUnavailable(url, str(exc), "network") from exc


def _same_host(a: urllib.parse.SplitResult, b: urllib.parse.SplitResult) -> bool:
    return (a.hostname or "").lower() == (b.hostname or "").lower()


def _http_get(url: str, timeout: tuple[float, float], redirects: int = 3) -> bytes:
    """GET with separate connect and read timeouts; raises TileUnavailable.

    The body is read in chunks and refused past ``MAX_TILE_BYTES`` (also when
    ``Content-Length`` announces more); redirects are followed only over
    http(s) to the same host, so consent for a host is never used for another.
    """
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "file":
        return _read_file_tile(url)
    if parts.scheme not in NETWORK_SCHEMES or not parts.hostname:
        raise TileUnavailable(url, "not an http(s) URL", "invalid")
    connect_timeout, read_timeout = timeout
    cls = (
        http.client.HTTPSConnection
        if parts.scheme == "https"
        else http.client.HTTPConnection
    )
    try:
        conn = cls(parts.hostname, parts.port, timeout=connect_timeout)
    except ValueError as exc:  # a malformed port
        raise TileUnavailable(url, str(exc), "invalid") from exc
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    try:
        conn.connect()
        if conn.sock is not None:
            conn.sock.settimeout(read_timeout)
        conn.request(
            "GET", path, headers={"User-Agent": USER_AGENT, "Accept": "image/*"}
        )
        response = conn.getresponse()
        status = response.status
        location = response.getheader("Location")
        length = response.getheader("Content-Length")
        announced = int(length) if length and length.strip().isdigit() else 0
        if announced > MAX_TILE_BYTES:
            raise TileUnavailable(
                url,
                f"the answer announces {announced:,} bytes; at most "
                f"{MAX_TILE_BYTES:,} are read",
                "invalid",
            )
        data = _read_limited(response, url) if status == 200 else b""
    except (OSError, http.client.HTTPException) as exc:
        reason = (
            "timed out"
            if isinstance(exc, TimeoutError)
            else str(exc) or type(exc).__name__
        )
        raise TileUnavailable(url, reason, "network") from exc
    finally:
        conn.close()
    if status in (301, 302, 303, 307, 308) and location and redirects > 0:
        target = urllib.parse.urljoin(url, location)
        target_parts = urllib.parse.urlsplit(target)
        if target_parts.scheme not in NETWORK_SCHEMES or not _same_host(
            parts, target_parts
        ):
            raise TileUnavailable(
                url,
                f"redirect to another host refused ({short_text(target, 60)})",
                "http",
            )
        return _http_get(target, timeout, redirects - 1)
    if status != 200:
        raise TileUnavailable(url, f"HTTP {status}", "http")
    return data


def fetch_tile(
    tile_provider: TileProvider,
    z: int,
    x: int,
    y: int,
    cache: TileCache | None = None,
    timeout: tuple[float, float] = TIMEOUT,
    *,
    max_age_days: float = DEFAULT_MAX_AGE_DAYS,
    offline: bool = False,
    pinned: bool = False,
) -> TileResult:
    """One tile's bytes, from the cache when fresh, else from the network.

    A fresh cached tile is returned without a request. Otherwise the tile is
    fetched (and cached, if the provider's terms allow storing it); when the
    request fails, an older cached copy is returned (``source="stale"``). With
    ``offline=True`` no request is made. Raises ``TileUnavailable`` when neither
    the network nor the cache has the tile. Never waits longer than the
    connect plus read timeouts.
    """
    url = tile_provider.build_url(z, x, y)
    use_cache = cache is not None and tile_provider.disk_cache
    cached = cache.get(tile_provider.key, z, x, y) if use_cache and cache else None
    if cached is not None and time.time() - cached.fetched < max_age_days * 86400:
        return TileResult(cached.data, "cache")
    if offline:
        if cached is not None:
            return TileResult(cached.data, "stale")
        raise TileUnavailable(url, "offline and not cached", "offline")
    try:
        data = _http_get(url, timeout)
        if image_format(data) is None:
            raise TileUnavailable(url, "the answer is not an image", "invalid")
    except TileUnavailable:
        if cached is not None:
            return TileResult(cached.data, "stale")
        raise
    if use_cache and cache is not None:
        cache.put(tile_provider.key, z, x, y, data, pinned=pinned)
    return TileResult(data, "network")


class DownloadReport(NamedTuple):
    """What ``download_region`` did."""

    fetched: int
    already_cached: int
    missing: int


def check_bulk_allowed(tile_provider: TileProvider) -> None:
    """Raise ``BulkDownloadForbidden`` unless the provider's terms allow it."""
    if not tile_provider.allows_bulk:
        raise BulkDownloadForbidden(
            f"{tile_provider.name} does not allow downloading tiles for offline use "
            f"({tile_provider.terms or 'see its terms of use'}). Choose a provider "
            "that does, or your own tile server."
        )
    if not tile_provider.disk_cache:
        raise BulkDownloadForbidden(
            f"{tile_provider.name}'s terms forbid storing its tiles on disk."
        )


def region_tiles(extent_lonlat: Extent, zooms: Iterable[int]) -> Iterator[TileKey]:
    """Every tile of a lon/lat box over some zooms, low zooms first."""
    for z in sorted(set(zooms)):
        x0, y0, x1, y1 = tile_range(extent_lonlat, z)
        for x in range(x0, x1 + 1):
            for y in range(y0, y1 + 1):
                yield (z, x, y)


def download_region(
    tile_provider: TileProvider,
    extent_lonlat: Extent,
    zooms: Iterable[int],
    cache: TileCache,
    progress: Progress = NULL_PROGRESS,
    *,
    timeout: tuple[float, float] = TIMEOUT,
    max_tiles: int = MAX_BULK_TILES,
) -> DownloadReport:
    """Download a lon/lat box's tiles at some zooms into the cache, for offline use.

    Tiles already cached are only marked as kept for offline use. Calls
    ``progress.set`` after each tile and stops with ``Cancelled`` when asked.
    Raises ``BulkDownloadForbidden`` for providers whose terms forbid it,
    ``ValueError`` above ``max_tiles`` tiles and ``TileUnavailable`` after
    ``MAX_CONSECUTIVE_FAILURES`` network failures in a row (offline).
    """
    check_bulk_allowed(tile_provider)
    zooms = [
        z
        for z in sorted(set(zooms))
        if tile_provider.min_zoom <= z <= tile_provider.max_zoom
    ]
    total = estimate_download(extent_lonlat, zooms).tiles
    if total > max_tiles:
        raise ValueError(
            f"{total:,} tiles is more than the {max_tiles:,} one download may fetch; "
            "choose a smaller area or fewer zoom levels"
        )
    fetched = already = missing = failures = 0
    progress.set(0.0, f"0 of {total:,} tiles")
    for done, (z, x, y) in enumerate(region_tiles(extent_lonlat, zooms), start=1):
        progress.check()
        if cache.pin(tile_provider.key, z, x, y):
            already += 1
            progress.set(done / total, f"{done:,} of {total:,} tiles")
            continue
        try:
            fetch_tile(
                tile_provider, z, x, y, cache, timeout, max_age_days=0.0, pinned=True
            )
        except TileUnavailable as exc:
            if exc.kind == "network":
                failures += 1
                if failures >= MAX_CONSECUTIVE_FAILURES:
                    raise
            missing += 1
        else:
            fetched += 1
            failures = 0
        progress.set(done / total, f"{done:,} of {total:,} tiles")
    return DownloadReport(fetched, already, missing)


def replace_api_key(tile_provider: TileProvider, api_key: str) -> TileProvider:
    """The provider with an API key (for providers whose URL takes one)."""
    return replace(tile_provider, api_key=api_key)


def mosaic_for_extent(
    tile_provider: TileProvider,
    extent: Extent,
    width_px: int,
    height_px: int,
    cache: TileCache,
) -> np.ndarray | None:
    """Cached tiles warped onto a display-CRS grid (RGBA, row 0 = north).

    For figures: only tiles already in the cache are used (an export never
    waits on the network); pixels without a tile stay transparent. Nearest
    neighbour sampling of each output pixel's lon/lat in the tile pyramid.
    Returns None when no tile of the extent is cached.
    """
    from io import BytesIO

    from PIL import Image

    xmin, ymin, xmax, ymax = extent
    best = view_zoom(extent, (xmax - xmin) / max(width_px, 1), tile_provider)
    xs = xmin + (np.arange(width_px) + 0.5) * (xmax - xmin) / width_px
    ys = ymax - (np.arange(height_px) + 0.5) * (ymax - ymin) / height_px
    gx, gy = np.meshgrid(xs, ys)
    lon, lat = crs.to_lonlat().transform(gx.ravel(), gy.ravel())
    lat_r = np.radians(np.clip(np.asarray(lat), -85.0511, 85.0511))
    fx = (np.asarray(lon) + 180.0) / 360.0
    fy = (1.0 - np.log(np.tan(lat_r) + 1.0 / np.cos(lat_r)) / math.pi) / 2.0
    out = np.zeros((height_px * width_px, 4), dtype=np.uint8)
    empty = np.ones(len(out), dtype=bool)
    found = False
    # the best zoom first; coarser cached tiles fill what is missing
    for z in range(best, max(best - 5, tile_provider.min_zoom - 1), -1):
        n = 2**z
        tx, ty = fx * n, fy * n
        keys = np.floor(tx).astype(np.int64) * n + np.floor(ty).astype(np.int64)
        for key in np.unique(keys[empty]):
            x, y = int(key // n), int(key % n)
            cached = cache.get(tile_provider.key, z, x, y)
            if cached is None:
                continue
            try:
                tile = np.asarray(Image.open(BytesIO(cached.data)).convert("RGBA"))
            except (OSError, ValueError):
                continue
            found = True
            size = tile.shape[0]
            sel = (keys == key) & empty
            px = np.clip(((tx[sel] - x) * size).astype(np.int64), 0, size - 1)
            py = np.clip(((ty[sel] - y) * size).astype(np.int64), 0, size - 1)
            out[sel] = tile[py, px]
            empty[sel] = False
        if not empty.any():
            break
    return out.reshape(height_px, width_px, 4) if found else None
