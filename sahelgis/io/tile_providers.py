"""Tile providers, their terms, and basemap settings read from files (no Qt).

The built-in providers come from the xyzservices catalogue (URLs,
attributions, zooms) with what their terms allow: ``allows_bulk`` for "make
available offline", ``disk_cache`` for storing tiles at all. A custom provider
is a URL template the user types.

Project files name their basemap, and projects are traded between analysts, so
a basemap state read from a file is validated with a typed schema
(``BasemapStateModel``), custom URLs must be ``http``/``https`` with a plain
host (``check_tile_url``; ``file:`` only inside the tile cache), and a
provider that came from a file is marked ``from_file``: the network is used
for it only with the user's consent for its host
(``sahelgis.io.tile_consent``), never because the file said so.

Fetching and caching tiles is ``sahelgis.io.tiles``.
"""

from __future__ import annotations

import hashlib
import os
import re
import urllib.parse
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Any, NamedTuple

import xyzservices
import xyzservices.providers
from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError

from sahelgis import paths

#: "Make available offline" downloads at most this many tiles at once.
MAX_BULK_TILES = 20_000
CUSTOM_KEY = "custom"
#: The longest custom tile URL template accepted (characters).
MAX_URL_CHARS = 2048
#: URL schemes a custom provider may use (``file`` only inside the tile cache).
NETWORK_SCHEMES = ("http", "https")

def default_cache_dir() -> Path:
    """The tile cache folder: ``$SAHELGIS_TILE_CACHE``, else ``cache_dir()/tiles``."""
    override = os.environ.get("SAHELGIS_TILE_CACHE")
    return Path(override) if override else paths.cache_dir() / "tiles"


# -- providers ----------------------------------------------------------------
@dataclass(frozen=True)
class TileProvider:
    """An XYZ tile source and what its terms allow.

    ``url`` is a template with ``{z}``, ``{x}``, ``{y}`` and optionally ``{s}``
    (one of ``subdomains``), ``{r}`` (retina suffix, always empty here) and
    ``{apikey}``; built-in providers take it, their attribution and zooms from
    the xyzservices catalogue (``xyz_name``). ``attribution`` is the plain-text
    credit that must appear on the map and in every figure's source line.
    ``terms`` is one sentence for the UI about what the provider allows.
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
    #: The provider's name in xyzservices ("" for custom providers).
    xyz_name: str = ""
    #: True when a file (a project) named this provider rather than the user
    #: in this app: the network is then used only with consent for its host.
    from_file: bool = field(default=False, compare=False)

    @property
    def uses_network(self) -> bool:
        """True for ``http``/``https`` providers (``file:`` tiles are local)."""
        return urllib.parse.urlsplit(self.url).scheme.lower() in NETWORK_SCHEMES

    @property
    def xyz(self) -> xyzservices.TileProvider:
        """The provider as contextily takes it (an ``xyzservices.TileProvider``)."""
        url = self.url
        if "{apikey}" in url and not self.api_key:  # drop an optional key query
            url = url.replace("?key={apikey}", "").replace("&key={apikey}", "")
        extra = {"apikey": urllib.parse.quote(self.api_key)} if self.api_key else {}
        return xyzservices.TileProvider(
            name=self.key,
            url=url,
            attribution=self.attribution,
            max_zoom=self.max_zoom,
            min_zoom=self.min_zoom,
            subdomains=self.subdomains or "a",
            **extra,
        )

    def build_url(self, z: int, x: int, y: int) -> str:
        """The URL of one tile, as contextily requests it."""
        return str(self.xyz.build_url(x=x, y=y, z=z))

    def url_pattern(self) -> re.Pattern[str]:
        """A regular expression matching this provider's tile URLs."""
        pattern = re.escape(self.xyz.build_url(fill_subdomain=False))
        for part in ("x", "y", "z", "s"):
            pattern = pattern.replace(re.escape("{" + part + "}"), "[^/?&]*")
        return re.compile(pattern)


def _catalogued(
    key: str, xyz_name: str, *, max_zoom: int | None = None, **terms: Any
) -> TileProvider:
    """A built-in provider: URL, attribution and zooms from xyzservices."""
    entry = xyzservices.providers.query_name(xyz_name)
    subdomains = entry.get("subdomains", "")
    return TileProvider(
        key=key,
        name=str(terms.pop("name", entry.name)),
        url=str(entry.build_url(fill_subdomain=False, apikey="{apikey}")),
        attribution=str(entry.attribution),
        max_zoom=int(max_zoom if max_zoom is not None else entry.get("max_zoom", 19)),
        min_zoom=int(entry.get("min_zoom", 0)),
        subdomains="".join(subdomains) if subdomains else "",
        xyz_name=xyz_name,
        **terms,
    )


OSM_BULK_NOTE = (
    "OpenStreetMap's tile policy forbids downloading tiles for offline use; "
    "tiles you view are cached."
)
PROVIDERS: dict[str, TileProvider] = {
    provider.key: provider
    for provider in (
        _catalogued(
            "osm",
            "OpenStreetMap.Mapnik",
            name="OpenStreetMap",
            allows_bulk=False,
            terms=OSM_BULK_NOTE,
        ),
        _catalogued(
            "carto_positron",
            "CartoDB.Positron",
            name="CartoDB Positron",
            allows_bulk=False,
            disk_cache=False,
            terms=(
                "CARTO's basemap terms forbid storing its tiles: they are shown "
                "online only, never cached on disk."
            ),
        ),
        _catalogued(
            "esri_imagery",
            "Esri.WorldImagery",
            name="Esri World Imagery",
            max_zoom=18,
            allows_bulk=False,
            disk_cache=False,
            terms=(
                "Esri allows offline basemaps only through ArcGIS: imagery is "
                "shown online only, never cached on disk."
            ),
        ),
        # Not in xyzservices' catalogue (its OpenTopoMap is another server
        # with other terms): the openmaps.fr mirror, whose terms allow downloads.
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


def inside_folder(path: Path, folder: Path) -> bool:
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
        if parts.netloc not in ("", "localhost") or not inside_folder(sample, root):
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
