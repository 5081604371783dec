"""Online XYZ map tiles through contextily and xyzservices (no Qt).

The bundled vector layers are the offline basemap; tiles are an optional extra
under them when a network exists. Tiles come in Web Mercator (EPSG:3857) in the
usual XYZ scheme (x east, y south, 256 px); the canvas warps them into the
display CRS (``sahelgis.model.crs``), figures draw them with
``contextily.add_basemap`` in the figure's CRS.

What contextily and xyzservices do here: the provider catalogue (URLs,
attributions, zooms: ``xyzservices``), fetching and decoding a tile
(``contextily.bounds2img`` with its timeout, retries and joblib cache) and the
cache that lasts between sessions (``contextily.set_cache_dir`` in
``sahelgis.paths.cache_dir()/tiles``). Tile maths for ranges comes from
mercantile (contextily's own); the vectorised lon/lat <-> tile formulas stay for
warping whole pixel grids.

What this module adds, thin, because contextily does not do it:

- the providers' terms: ``download_region`` ("make available offline") refuses
  providers whose terms forbid bulk download (``TileProvider.allows_bulk``);
  tiles of providers whose terms forbid storing them (``disk_cache=False``)
  are fetched with ``use_cache=False`` and never reach the disk cache;
- a size limit on the cache with tiles downloaded for offline use kept last
  (``TileCache.prune``; joblib's ``reduce_size`` knows no such tiles);
- the requests contextily makes go through ``_guarded_get`` (installed as
  ``contextily.tile.requests``): an identifying ``User-Agent``, the caller's
  connect/read timeout and an overall deadline, bodies refused past
  ``MAX_TILE_BYTES``, redirects only to the same host (consent for one host is
  never used for another), ``file:`` tiles only inside the tile cache, and no
  request at all when a fetch is offline (cache only);
- hostile files: the providers, their terms and the checks of a basemap
  named by a project file are ``sahelgis.io.tile_providers``.

The worker that keeps the GUI responsive (deadline, cancel) is
``sahelgis.ui.canvas.tile_layer``.

Size: over 600 lines (about 950) because the terms, the request guard and the
offline-aware size limit are what contextily leaves to us and change together
with how tiles are fetched; the HTTP client, SQLite cache and figure warping
contextily replaced are gone (1,271 lines before contextily, 1,348 with it in
one module, 946 here plus 440 in ``tile_providers``).
"""

from __future__ import annotations

import contextlib
import json
import math
import re
import shutil
import threading
import time
import urllib.parse
from functools import partial
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, NamedTuple

import mercantile
import numpy as np

from sahelgis import __version__
from sahelgis.errors import SahelGISError
from sahelgis.io.tile_providers import (
    MAX_BULK_TILES,
    NETWORK_SCHEMES,
    TileProvider,
    default_cache_dir,
    file_url_path,
    inside_folder,
    short_text,
)
from sahelgis.model import crs
from sahelgis.progress import NULL_PROGRESS, Progress

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    import requests

#: Connect and read timeouts of one tile request, in seconds.
TIMEOUT: tuple[float, float] = (3.0, 10.0)
TILE_SIZE = 256
#: Latitude limit of Web Mercator tiles (degrees).
MAX_LAT = 85.0511287798066
#: Earth circumference at the equator in Web Mercator metres.
EARTH_CIRCUMFERENCE = 2 * math.pi * 6_378_137.0
USER_AGENT = f"SahelGIS/{__version__} (offline desktop GIS for conflict analysts)"
#: Headers of every tile request (part of contextily's cache key: keep fixed).
HEADERS = {"user-agent": USER_AGENT}
#: contextily's retries after an HTTP error or an undecodable answer (its
#: default, which ``add_basemap`` uses: part of the cache key). Timeouts and
#: refused connections are not retried.
RETRIES = 2
#: Unused cached tiles are pruned after this many days (downloaded ones kept).
DEFAULT_MAX_AGE_DAYS = 30.0
DEFAULT_CACHE_LIMIT_MB = 500.0
#: A typical cached tile (a compressed RGBA array), when the cache has no sample.
TYPICAL_TILE_BYTES = 20_000
#: Give up a bulk download after this many network failures in a row.
MAX_CONSECUTIVE_FAILURES = 5
#: The largest tile answer read (bytes); a longer body is refused, not read.
MAX_TILE_BYTES = 4 * 1024 * 1024
#: Bytes read at a time from the network or a file.
READ_CHUNK_BYTES = 64 * 1024

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


# -- tile maths ---------------------------------------------------------------
def lonlat_to_tile(lon: Any, lat: Any, z: int) -> tuple[np.ndarray, np.ndarray]:
    """Fractional XYZ tile coordinates (x east, y south) of lon/lat at zoom z.

    Vectorised (mercantile's ``tile`` takes one point): the canvas warps whole
    pixel grids with it.

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
    """Lon/lat (EPSG:4326 degrees) of fractional tile coordinates (vectorised)."""
    n = 2.0**z
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    lon = x / n * 360.0 - 180.0
    lat = np.degrees(np.arctan(np.sinh(math.pi * (1.0 - 2.0 * y / n))))
    return lon, lat


def tile_bounds_lonlat(z: int, x: int, y: int) -> Extent:
    """A tile's (west, south, east, north) in EPSG:4326 degrees (mercantile)."""
    b = mercantile.bounds(x, y, z)
    return float(b.west), float(b.south), float(b.east), float(b.north)


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
    """The zoom whose tile pixels are closest in size to the screen's pixels.

    ``metres_per_pixel`` is ground metres per screen pixel at ``lat`` (degrees).
    """
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
        ``(x0, y0, x1, y1)``, clamped to the zoom's tiles (mercantile's tiles).
    """
    west, south, east, north = box_lonlat
    south, north = max(south, -MAX_LAT), min(north, MAX_LAT)
    first = mercantile.tile(west, north, z)
    last = mercantile.tile(
        max(east - mercantile.LL_EPSILON, west),
        min(south + mercantile.LL_EPSILON, north),
        z,
    )
    top = 2**z - 1
    x0, y0 = min(max(first.x, 0), top), min(max(first.y, 0), top)
    return x0, y0, min(max(last.x, x0), top), min(max(last.y, y0), top)


def tiles_for_lonlat_box(box_lonlat: Extent, z: int) -> list[TileKey]:
    """The tiles covering a lon/lat box (degrees) at zoom z, centre first."""
    x0, y0, x1, y1 = tile_range(box_lonlat, z)
    cx, cy = (x0 + x1) / 2.0, (y0 + y1) / 2.0
    keys = [(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]
    keys.sort(key=lambda k: (k[1] - cx) ** 2 + (k[2] - cy) ** 2)
    return keys


def tiles_for_extent(extent: Extent, z: int) -> list[TileKey]:
    """The tiles covering a display-CRS box (metres) at zoom z, centre first."""
    return tiles_for_lonlat_box(display_extent_to_lonlat(extent), z)


def view_zoom(
    extent: Extent,
    metres_per_pixel: float,
    tile_provider: TileProvider,
    max_tiles: int = 120,
) -> int:
    """The zoom to show a display-CRS view (metres) at, with at most ``max_tiles``."""
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
    """Tile count and size estimate for a lon/lat box (degrees) over some zooms.

    ``tile_bytes`` is the average cached tile size; pass
    ``TileCache.mean_tile_bytes`` for the provider when the cache has a sample.
    """
    count = 0
    for z in zooms:
        x0, y0, x1, y1 = tile_range(extent_lonlat, z)
        count += (x1 - x0 + 1) * (y1 - y0 + 1)
    return DownloadEstimate(count, round(count * tile_bytes))


# -- requests, as contextily makes them ---------------------------------------
class _Request(threading.local):
    """How the current thread's tile requests run (set by ``_requesting``)."""

    timeout: tuple[float, float] = TIMEOUT
    network: bool = True
    #: ``TileCache.put``: this body answers instead of a request.
    canned: bytes | None = None
    cache_root: Path | None = None


_request = _Request()


@contextlib.contextmanager
def _requesting(
    timeout: tuple[float, float] = TIMEOUT,
    *,
    network: bool = True,
    canned: bytes | None = None,
    cache_root: Path | None = None,
) -> Iterator[None]:
    saved = (_request.timeout, _request.network, _request.canned, _request.cache_root)
    _request.timeout, _request.network = timeout, network
    _request.canned, _request.cache_root = canned, cache_root
    try:
        yield
    finally:
        (_request.timeout, _request.network, _request.canned, _request.cache_root) = (
            saved
        )


def cache_only() -> contextlib.AbstractContextManager[None]:
    """Within it, this thread's tile requests fail as ``offline``: cache only."""
    return _requesting(network=False)


def _response(url: str, body: bytes, status: int = 200) -> requests.Response:
    import requests

    response = requests.Response()
    response.status_code, response.url, response.reason = status, url, "OK"
    response._content = body
    return response


def _read_limited(chunks: Iterable[bytes], url: str, deadline: float) -> bytes:
    """Join chunks; refuse past ``MAX_TILE_BYTES`` or after ``deadline``."""
    parts: list[bytes] = []
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > MAX_TILE_BYTES:
            raise TileUnavailable(
                url, f"the answer is larger than {MAX_TILE_BYTES:,} bytes", "invalid"
            )
        if time.monotonic() > deadline:
            raise TileUnavailable(url, "timed out (the answer is too slow)", "network")
        parts.append(chunk)
    return b"".join(parts)


def _file_tile(url: str) -> requests.Response:
    """A ``file:`` tile, only from a regular file inside the tile cache folder."""
    root = _request.cache_root or default_cache_dir()
    path = file_url_path(url)
    if not inside_folder(path, root):
        raise TileUnavailable(
            url, f"file: tiles are read only inside the tile cache {root}", "invalid"
        )
    if not path.resolve().is_file():
        return _response(url, b"", 404)
    try:
        with path.open("rb") as handle:
            body = _read_limited(
                iter(lambda: handle.read(READ_CHUNK_BYTES), b""), url, math.inf
            )
    except OSError as exc:
        raise TileUnavailable(url, str(exc), "network") from exc
    return _response(url, body)


def _same_host_only(response: requests.Response, **kwargs: Any) -> None:
    """A response hook: a redirect may lead only to the same host over http(s)."""
    location = response.headers.get("location")
    if not response.is_redirect or location is None:
        return
    here = urllib.parse.urlsplit(response.url)
    there = urllib.parse.urlsplit(urllib.parse.urljoin(response.url, location))
    if (
        there.scheme not in NETWORK_SCHEMES
        or (there.hostname or "").lower() != (here.hostname or "").lower()
    ):
        response.close()
        raise TileUnavailable(
            response.url,
            f"redirect to another host refused ({short_text(there.geturl(), 60)})",
            "http",
        )


def _guarded_get(
    url: str, headers: dict[str, str] | None = None, timeout: object = None
) -> requests.Response:
    """``requests.get`` as contextily calls it, with our rules (module docstring).

    ``timeout`` from contextily is ignored: the thread's ``_requesting``
    timeout applies (so it is no part of the cache key), plus an overall
    deadline of connect + 3 × read timeout for the whole answer (a server
    dripping bytes cannot hold a worker for ever; a slow link still gets a
    large tile through).
    """
    import requests

    if _request.canned is not None:
        return _response(url, _request.canned)
    if not _request.network:
        raise TileUnavailable(url, "offline and not cached", "offline")
    if urllib.parse.urlsplit(url).scheme == "file":
        return _file_tile(url)
    connect, read = _request.timeout
    deadline = time.monotonic() + connect + 3 * read
    with requests.Session() as session:
        for _ in range(4):  # the request and at most 3 redirects
            response = session.get(
                url,
                headers={**(headers or {}), "accept": "image/*"},
                timeout=(connect, read),
                stream=True,
                allow_redirects=False,
                hooks={"response": [_same_host_only]},
            )
            with response:
                if response.is_redirect and "location" in response.headers:
                    url = urllib.parse.urljoin(url, response.headers["location"])
                    continue
                length = response.headers.get("content-length", "").strip()
                if length.isdigit() and int(length) > MAX_TILE_BYTES:
                    raise TileUnavailable(
                        url,
                        f"the answer announces {int(length):,} bytes; at most "
                        f"{MAX_TILE_BYTES:,} are read",
                        "invalid",
                    )
                body = b""
                if response.status_code == 200:
                    body = _read_limited(
                        # read1: what arrived, not a full chunk (the deadline holds)
                        iter(partial(response.raw.read1, READ_CHUNK_BYTES, True), b""),
                        url,
                        deadline,
                    )
                response._content = body
                return response
    raise TileUnavailable(url, "too many redirects", "http")


class _GuardedRequests(ModuleType):
    """What ``contextily.tile`` sees as its ``requests`` module."""

    def __init__(self, real: ModuleType) -> None:
        super().__init__("requests")
        self.__dict__.update(real.__dict__)
        del self.__dict__["get"]  # the method below answers

    def get(self, url: str, **kwargs: Any) -> requests.Response:
        """``_guarded_get``, looked up at each call."""
        return _guarded_get(url, **kwargs)


_ctx_lock = threading.Lock()


def _contextily() -> ModuleType:
    """contextily, imported on first use (rasterio takes ~1 s) with our guard."""
    import contextily
    import contextily.tile
    import requests

    with _ctx_lock:
        if not isinstance(contextily.tile.requests, _GuardedRequests):
            contextily.tile.requests = _GuardedRequests(requests)
            # cache compressed arrays (a sparse Sahel tile: ~20 kB, not 256 kB)
            contextily.tile.memory.store_backend.compress = 3
    return contextily


# -- the cache ----------------------------------------------------------------


class CacheStats(NamedTuple):
    """Tiles and bytes in the cache (all providers or one) and its limit."""

    tiles: int
    bytes: int
    limit_bytes: int
    offline_tiles: int


class _Entry(NamedTuple):
    path: Path
    bytes: int
    last_access: float
    url: str


OFFLINE_LIST = "offline_tiles.json"
#: The cache is pruned after this many newly cached tiles (and on a new limit).
PRUNE_EVERY = 200


class TileCache:
    """contextily's tile cache in a folder kept between sessions, with a limit.

    contextily caches decoded tiles with joblib ``Memory`` in one folder per
    process (``contextily.set_cache_dir``); this object points it at ``root``
    before each use, so one ``TileCache`` at a time is in use (the app has one).
    On top: a size limit (least recently used first; tiles downloaded for
    offline use, listed in ``offline_tiles.json``, go only after every other
    tile) and statistics. Safe to share between threads.
    """

    def __init__(
        self, root: Path | str | None = None, limit_mb: float = DEFAULT_CACHE_LIMIT_MB
    ) -> None:
        self.root = Path(root) if root is not None else default_cache_dir()
        self.limit_bytes = int(limit_mb * 1024 * 1024)
        self._lock = threading.RLock()
        self._added = 0  # tiles cached since the last prune
        self._urls: dict[str, str] = {}  # entry folder -> tile URL

    def activate(self) -> ModuleType:
        """Point contextily's cache here; returns contextily."""
        ctx = _contextily()
        if Path(ctx.tile.memory.store_backend.location) != self.root:
            ctx.set_cache_dir(str(self.root))
        return ctx

    def _memorized(self) -> Any:
        ctx = self.activate()
        return ctx.tile.memory.cache(ctx.tile._fetch_tile)

    def contains_url(self, url: str) -> bool:
        """True when contextily has the tile at ``url`` in this cache."""
        if not self.root.is_dir():
            return False
        return bool(
            self._memorized().check_call_in_cache(
                url, 0, RETRIES, HEADERS, timeout=None
            )
        )

    def contains(self, tile_provider: TileProvider, z: int, x: int, y: int) -> bool:
        """True when the provider's tile z/x/y is cached."""
        return self.contains_url(tile_provider.build_url(z, x, y))

    def put(
        self,
        tile_provider: TileProvider,
        z: int,
        x: int,
        y: int,
        data: bytes,
        *,
        pinned: bool = False,
    ) -> None:
        """Cache tile bytes as if contextily had fetched them (no request)."""
        url = tile_provider.build_url(z, x, y)
        with self._lock, _requesting(canned=data):
            memorized = self._memorized()
            # the check first: it records the function's code, without which
            # joblib holds the entry stored by ``call`` invalid
            memorized.check_call_in_cache(url, 0, RETRIES, HEADERS, timeout=None)
            memorized.call(url, 0, RETRIES, HEADERS, timeout=None)
            if pinned:
                self._pin_url(url)
            self.tile_added()

    # -- tiles kept for offline use -------------------------------------------
    def _offline_urls(self) -> set[str]:
        try:
            urls = json.loads((self.root / OFFLINE_LIST).read_text("utf-8"))
        except (OSError, ValueError):
            return set()
        return (
            {u for u in urls if isinstance(u, str)} if isinstance(urls, list) else set()
        )

    def _write_offline(self, urls: set[str]) -> None:
        from sahelgis.io.atomic import atomic_target

        self.root.mkdir(parents=True, exist_ok=True)
        with atomic_target(self.root / OFFLINE_LIST) as tmp:
            tmp.write_text(json.dumps(sorted(urls)), "utf-8")

    def _pin_url(self, url: str) -> None:
        urls = self._offline_urls()
        if url not in urls:
            self._write_offline(urls | {url})

    def pin(self, tile_provider: TileProvider, z: int, x: int, y: int) -> bool:
        """Keep a cached tile for offline use (pruned last); False if not cached."""
        url = tile_provider.build_url(z, x, y)
        with self._lock:
            if not self.contains_url(url):
                return False
            self._pin_url(url)
            return True

    # -- size, statistics, clearing --------------------------------------------
    def _entries(self) -> list[_Entry]:
        """Every cached tile: joblib's items with the URL from their metadata."""
        if not self.root.is_dir():
            return []
        entries = []
        for item in self.activate().tile.memory.store_backend.get_items():
            url = self._urls.get(item.path)
            if url is None:  # an entry's folder is the hash of its URL: read once
                try:
                    meta = json.loads(
                        (Path(item.path) / "metadata.json").read_text("utf-8")
                    )
                    url = str(meta["input_args"]["tile_url"]).strip("'\"")
                except (OSError, ValueError, KeyError, TypeError):
                    url = ""
                self._urls[item.path] = url
            entries.append(
                _Entry(
                    Path(item.path), int(item.size), item.last_access.timestamp(), url
                )
            )
        return entries

    def prune(self, max_age_days: float | None = None) -> int:
        """Keep the cache under its limit; returns how many tiles were deleted.

        Past the limit, least recently used tiles go until the cache is under
        90% of it, tiles kept for offline use last. With ``max_age_days``,
        tiles not used for that long go first (offline ones stay).
        """
        with self._lock:
            entries = self._entries()
            total = sum(e.bytes for e in entries)
            offline = self._offline_urls()
            now = time.time()
            doomed = [
                e
                for e in entries
                if max_age_days is not None
                and e.url not in offline
                and now - e.last_access > max_age_days * 86400
            ]
            total -= sum(e.bytes for e in doomed)
            if total > self.limit_bytes:
                target = int(self.limit_bytes * 0.9)
                rest = sorted(
                    (e for e in entries if e not in doomed),
                    key=lambda e: (e.url in offline, e.last_access),
                )
                for entry in rest:
                    if total <= target:
                        break
                    doomed.append(entry)
                    total -= entry.bytes
            for entry in doomed:
                shutil.rmtree(entry.path, ignore_errors=True)
            gone = {e.url for e in doomed}
            if offline & gone:
                self._write_offline(offline - gone)
            return len(doomed)

    def tile_added(self) -> None:
        """Count a newly cached tile; prune every ``PRUNE_EVERY`` tiles.

        Pruning reads every entry's metadata, so it is not done per tile; unused
        tiles older than ``DEFAULT_MAX_AGE_DAYS`` go then too.
        """
        with self._lock:
            self._added += 1
            if self._added >= PRUNE_EVERY:
                self._added = 0
                self.prune(DEFAULT_MAX_AGE_DAYS)

    def set_limit_mb(self, limit_mb: float) -> None:
        """Change the size limit (MB); prunes at once if the cache is over it."""
        with self._lock:
            self.limit_bytes = int(limit_mb * 1024 * 1024)
            self.prune()

    def _selected(self, tile_provider: TileProvider | None) -> list[_Entry]:
        entries = self._entries()
        if tile_provider is None:
            return entries
        pattern = tile_provider.url_pattern()
        return [e for e in entries if pattern.fullmatch(e.url)]

    def clear(self, tile_provider: TileProvider | None = None) -> int:
        """Delete every cached tile (of one provider); returns how many."""
        with self._lock:
            entries = self._selected(tile_provider)
            for entry in entries:
                shutil.rmtree(entry.path, ignore_errors=True)
            offline = self._offline_urls()
            gone = {e.url for e in entries}
            if offline & gone:
                self._write_offline(offline - gone)
            return len(entries)

    def stats(self, tile_provider: TileProvider | None = None) -> CacheStats:
        """Tiles and bytes cached (of one provider, or all)."""
        with self._lock:
            entries = self._selected(tile_provider)
            offline = self._offline_urls()
            return CacheStats(
                len(entries),
                sum(e.bytes for e in entries),
                self.limit_bytes,
                sum(e.url in offline for e in entries),
            )

    def mean_tile_bytes(
        self, tile_provider: TileProvider, default: float = TYPICAL_TILE_BYTES
    ) -> float:
        """Average size (bytes) of the provider's cached tiles (``default`` if none)."""
        stats = self.stats(tile_provider)
        return stats.bytes / stats.tiles if stats.tiles else default


# -- fetching -----------------------------------------------------------------
class TileResult(NamedTuple):
    """A decoded tile and where it came from (``network`` or ``cache``).

    ``image`` is RGBA uint8, 256×256×4, row 0 north (Web Mercator).
    """

    image: np.ndarray
    source: str


def _inner_box(z: int, x: int, y: int) -> Extent:
    """A lon/lat box just inside tile z/x/y: contextily fetches exactly it."""
    west, south, east, north = tile_bounds_lonlat(z, x, y)
    dx, dy = (east - west) * 1e-6, (north - south) * 1e-6
    return west + dx, south + dy, east - dx, north - dy


def _unavailable(url: str, exc: BaseException) -> TileUnavailable:
    """What contextily raised, as our ``TileUnavailable``."""
    import requests
    from PIL import Image

    if isinstance(exc, TileUnavailable):
        return exc
    if isinstance(exc, Image.DecompressionBombError):
        return TileUnavailable(url, "the image is too large", "invalid")
    if isinstance(exc, requests.HTTPError):
        text = str(exc)
        if "Last message was: 200" in text:  # answered, but not an image
            return TileUnavailable(url, "the answer is not an image", "invalid")
        match = re.search(r"\b(\d{3})\b", text)
        return TileUnavailable(url, f"HTTP {match[1] if match else '?'}", "http")
    if isinstance(exc, requests.Timeout):
        return TileUnavailable(url, "timed out", "network")
    if isinstance(exc, requests.RequestException | OSError):
        return TileUnavailable(url, str(exc) or type(exc).__name__, "network")
    if isinstance(exc, ValueError):  # contextily: zoom not valid for the provider
        return TileUnavailable(url, str(exc), "http")
    raise exc


def fetch_tile(
    tile_provider: TileProvider,
    z: int,
    x: int,
    y: int,
    cache: TileCache | None = None,
    timeout: tuple[float, float] = TIMEOUT,
    *,
    offline: bool = False,
    pinned: bool = False,
) -> TileResult:
    """One decoded tile through ``contextily.bounds2img``: cache, else network.

    Parameters
    ----------
    tile_provider
        The provider (its terms decide whether the cache may hold the tile).
    z, x, y
        The XYZ tile (Web Mercator, EPSG:3857).
    cache
        The disk cache, or None for none.
    timeout
        Connect and read timeouts in seconds; the whole answer also has to
        arrive within connect + 3 × read.
    offline
        Make no network request: the tile comes from the cache (or a local
        ``file:`` provider) or not at all.
    pinned
        Keep the tile for offline use (``download_region``).

    Raises
    ------
    TileUnavailable
        When neither the network nor the cache has the tile (``kind`` says why).
    """
    url = tile_provider.build_url(z, x, y)
    offline = offline and tile_provider.uses_network  # file: tiles are local
    use_cache = cache is not None and tile_provider.disk_cache
    cached = False
    if use_cache and cache is not None:
        with cache._lock:
            cached = cache.contains_url(url)
        ctx = cache.activate()
    else:
        ctx = _contextily()
    if offline and not cached:
        raise TileUnavailable(url, "offline and not cached", "offline")
    root = cache.root if cache is not None else None
    try:
        with _requesting(timeout, network=not offline, cache_root=root):
            image, _ = ctx.bounds2img(
                *_inner_box(z, x, y),
                zoom=z,
                source=tile_provider.xyz,
                headers=HEADERS,
                ll=True,
                wait=0,
                max_retries=RETRIES,
                n_connections=1,
                use_cache=use_cache,
            )
    except Exception as exc:
        raise _unavailable(url, exc) from exc
    if use_cache and cache is not None:
        if pinned:
            cache._pin_url(url)
        if not cached:
            cache.tile_added()
    return TileResult(np.asarray(image), "cache" if cached else "network")


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
    """Every tile of a lon/lat box (degrees) over some zooms, low zooms first."""
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
        if cache.pin(tile_provider, z, x, y):
            already += 1
            progress.set(done / total, f"{done:,} of {total:,} tiles")
            continue
        try:
            fetch_tile(tile_provider, z, x, y, cache, timeout, pinned=True)
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
