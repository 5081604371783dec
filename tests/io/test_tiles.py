"""Tile maths, the disk cache and the fetcher, against servers on 127.0.0.1 only."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from sahelgis.errors import Cancelled
from sahelgis.io import tile_providers, tiles
from sahelgis.io.tile_providers import custom_provider
from sahelgis.io.tiles import (
    BulkDownloadForbidden,
    TileCache,
    TileUnavailable,
    download_region,
    estimate_download,
    fetch_tile,
)
from tests.tile_servers import BlackHole, TileServer, closed_port_url
from tests.tile_servers import png as png_bytes

BAMAKO = (-7.97522, 12.60915)
#: A small box around Bamako (lon/lat).
BOX = (-8.1, 12.5, -7.9, 12.7)


@pytest.fixture
def server():
    srv = TileServer()
    yield srv
    srv.stop()


@pytest.fixture
def cache(tmp_path):
    return TileCache(tmp_path / "tiles", limit_mb=10)


# -- tile maths ---------------------------------------------------------------
def test_lonlat_to_tile_known_values():
    x, y = tiles.lonlat_to_tile(0.0, 0.0, 1)
    assert (float(x), float(y)) == (1.0, 1.0)
    x, y = tiles.lonlat_to_tile(*BAMAKO, 7)
    assert (int(x), int(y)) == (61, 59)


def test_tile_roundtrip_and_bounds():
    lon, lat = tiles.tile_to_lonlat(*tiles.lonlat_to_tile(*BAMAKO, 12), 12)
    assert float(lon) == pytest.approx(BAMAKO[0])
    assert float(lat) == pytest.approx(BAMAKO[1])
    west, south, east, north = tiles.tile_bounds_lonlat(7, 61, 59)
    assert west < BAMAKO[0] < east
    assert south < BAMAKO[1] < north


def test_zoom_for_resolution_matches_ground_resolution():
    for z in (4, 9, 14):
        mpp = tiles.ground_resolution(z, 13.0)
        assert tiles.zoom_for_resolution(mpp, 13.0) == z
    assert tiles.zoom_for_resolution(0.01, 13.0, max_zoom=17) == 17


def test_tiles_for_display_extent_cover_the_view_centre_first():
    from sahelgis.model import crs

    extent = crs.lonlat_box_to_display(BOX)
    keys = tiles.tiles_for_extent(extent, 11)
    assert keys
    x, y = tiles.lonlat_to_tile(-8.0, 12.6, 11)
    assert (11, int(x), int(y)) in keys
    cx = sum(k[1] for k in keys) / len(keys)
    assert abs(keys[0][1] - cx) <= 1


def test_view_zoom_caps_tile_count():
    from sahelgis.model import crs

    extent = crs.lonlat_box_to_display((-12.5, 10.0, 4.5, 25.2))
    osm = tile_providers.provider("osm")
    z = tiles.view_zoom(extent, 10.0, osm, max_tiles=60)
    assert len(tiles.tiles_for_extent(extent, z)) <= 60


def test_estimate_download_counts_and_sizes():
    one = estimate_download(BOX, [10], tile_bytes=10_000)
    two = estimate_download(BOX, [10, 11], tile_bytes=10_000)
    assert one.tiles >= 1
    assert two.tiles > one.tiles
    assert two.bytes == two.tiles * 10_000
    count, size = two  # unpacks as (count, bytes)
    assert (count, size) == tuple(two)


# -- providers ----------------------------------------------------------------
def test_providers_carry_attribution_and_bulk_terms():
    assert tile_providers.provider("OpenStreetMap").attribution.startswith(
        "(C) OpenStreetMap"
    )
    assert not tile_providers.provider("osm").allows_bulk
    assert not tile_providers.provider("carto_positron").disk_cache
    assert not tile_providers.provider("esri_imagery").allows_bulk
    assert "Esri" in tile_providers.provider("Esri World Imagery").attribution
    with pytest.raises(KeyError, match="unknown tile provider"):
        tile_providers.provider("Google")


def test_provider_urls():
    url = tile_providers.provider("carto_positron").build_url(5, 1, 2)
    assert url == "https://a.basemaps.cartocdn.com/light_all/5/1/2.png"  # xyzservices
    esri = tile_providers.provider("esri_imagery").build_url(5, 1, 2)
    assert esri.endswith("/tile/5/2/1")


def test_custom_provider_validation_and_state_roundtrip():
    with pytest.raises(ValueError, match=r"\{y\}"):
        custom_provider("https://x.org/{z}/{x}.png", "")
    with pytest.raises(ValueError, match="http"):
        custom_provider("ftp://x.org/{z}/{x}/{y}.png", "")
    p = custom_provider("https://x.org/{z}/{x}/{y}.png", "Our tiles", allows_bulk=True)
    assert p.key.startswith("custom-")
    state = tile_providers.provider_state(p)
    assert tile_providers.provider_from_state(state) == p
    assert tile_providers.provider_from_state(
        tile_providers.provider_state(tile_providers.provider("osm"))
    ) == (tile_providers.provider("osm"))
    assert tile_providers.provider_state(None) is None
    assert tile_providers.provider_from_state(None) is None
    assert tile_providers.provider_from_state({"provider": "gone"}) is None


# -- cache --------------------------------------------------------------------
def test_cache_is_lazy(tmp_path):
    c = TileCache(tmp_path / "never")
    assert c.stats().tiles == 0
    assert c.clear() == 0
    assert not (tmp_path / "never").exists()


P = custom_provider("https://tiles.example.org/{z}/{x}/{y}.png", "P")
Q = custom_provider("https://other.example.org/{z}/{x}/{y}.png", "Q")


def red(z, x, y):
    return png_bytes(color=(200, 30, 30))


def test_cache_put_contains_and_stats(cache):
    cache.put(P, 7, 61, 59, png_bytes())
    assert cache.contains(P, 7, 61, 59)
    assert not cache.contains(P, 7, 61, 60)
    assert not cache.contains(Q, 7, 61, 59)
    # contextily's joblib cache, in our folder
    assert list(cache.root.glob("contextily/tile/_fetch_tile/*/output.pkl"))
    stats = cache.stats()
    assert stats.tiles == 1
    assert 0 < stats.bytes < 50_000  # compressed: a plain tile is small
    assert cache.mean_tile_bytes(P) == stats.bytes
    # what is cached is what contextily decoded, served without a request
    result = fetch_tile(P, 7, 61, 59, cache, offline=True)
    assert result.source == "cache"
    assert result.image.shape == (256, 256, 4)


def test_cache_survives_reopen(tmp_path):
    TileCache(tmp_path / "c").put(P, 1, 0, 0, png_bytes())
    assert TileCache(tmp_path / "c").contains(P, 1, 0, 0)


def noisy_png(seed):
    import numpy as np
    from PIL import Image

    buf = __import__("io").BytesIO()
    rng = np.random.default_rng(seed)
    noise = rng.integers(0, 255, (256, 256, 3), dtype=np.uint8)
    Image.fromarray(noise).save(buf, "PNG")
    return buf.getvalue()


def test_cache_prunes_least_recently_used_and_offline_tiles_last(tmp_path):
    c = TileCache(tmp_path / "c", limit_mb=100)
    c.put(P, 1, 0, 0, noisy_png(0), pinned=True)
    c.put(P, 1, 1, 0, noisy_png(1))
    c.put(P, 1, 0, 1, noisy_png(2))
    one = c.stats().bytes / 3
    time.sleep(0.02)  # joblib keeps access times: order them
    fetch_tile(P, 1, 1, 0, c, offline=True)  # used recently
    c.set_limit_mb(2.5 * one / 1024 / 1024)  # room for two: prune down to 90%
    assert c.stats().bytes <= c.limit_bytes
    assert c.contains(P, 1, 0, 0)  # kept for offline use: stays
    assert not c.contains(P, 1, 0, 1)  # least recently used went
    assert c.stats().offline_tiles == 1
    c.set_limit_mb(0.5 * one / 1024 / 1024)
    assert c.stats().tiles == 0
    assert c.stats().offline_tiles == 0


def test_fetching_prunes_every_few_tiles_and_old_tiles_go(
    tmp_path, server, monkeypatch
):
    monkeypatch.setattr(tiles, "PRUNE_EVERY", 3)
    c = TileCache(tmp_path / "c")
    p = custom_provider(server.url, "")
    fetch_tile(p, 2, 0, 0, c, (1.0, 1.0))
    one = c.stats().bytes
    c.limit_bytes = int(2.5 * one)  # room for two tiles, checked every 3 new ones
    fetch_tile(p, 2, 0, 1, c, (1.0, 1.0))
    fetch_tile(p, 2, 1, 0, c, (1.0, 1.0))  # the third new tile: pruned to 90%
    assert c.stats().tiles == 2
    assert c.stats().bytes <= c.limit_bytes
    c.limit_bytes = 100 * one
    download_region(
        replace(p, allows_bulk=True), tiles.tile_bounds_lonlat(2, 1, 1), [2], c
    )
    assert c.prune(max_age_days=0.0) == 2  # unused tiles go, the downloaded stays
    assert c.stats().tiles == c.stats().offline_tiles == 1


def test_cache_clear_per_provider(cache):
    cache.put(P, 1, 0, 0, png_bytes())
    cache.put(Q, 1, 0, 0, png_bytes())
    assert cache.clear(P) == 1
    assert cache.stats(P).tiles == 0
    assert cache.stats(Q).tiles == 1
    assert cache.clear() == 1
    assert cache.stats().bytes == 0


def test_cache_forgets_tiles_deleted_on_disk(cache):
    import shutil

    cache.put(P, 1, 0, 0, png_bytes())
    for item in cache.root.glob("contextily/tile/_fetch_tile/*/"):
        shutil.rmtree(item)
    assert not cache.contains(P, 1, 0, 0)
    assert cache.stats().tiles == 0


def test_a_damaged_offline_list_is_ignored(tmp_path):
    root = tmp_path / "c"
    root.mkdir()
    (root / tiles.OFFLINE_LIST).write_bytes(b"not json at all" * 100)
    c = TileCache(root)
    c.put(P, 1, 0, 0, png_bytes(), pinned=True)
    assert c.stats().offline_tiles == 1


# -- fetching -----------------------------------------------------------------
def test_fetch_caches_then_serves_from_cache_after_server_stops(server, cache):
    p = custom_provider(server.url, "test")
    first = fetch_tile(p, 10, 500, 470, cache, (1.0, 1.0))
    assert first.source == "network"
    assert server.requests == ["/10/500/470.png"]
    second = fetch_tile(p, 10, 500, 470, cache, (1.0, 1.0))
    assert second.source == "cache"
    assert len(server.requests) == 1
    server.stop()
    third = fetch_tile(p, 10, 500, 470, cache, (1.0, 1.0))
    assert third.source == "cache"
    assert (third.image == first.image).all()


def test_fetch_sends_user_agent(cache):
    seen = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen["ua"] = self.headers.get("User-Agent")
            body = png_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/{{z}}/{{x}}/{{y}}"
        fetch_tile(custom_provider(url, ""), 1, 0, 0, None, (1.0, 1.0))
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert seen["ua"].startswith("SahelGIS/")


def test_no_network_raises_tile_unavailable_at_once(cache):
    p = custom_provider(closed_port_url(), "")
    t0 = time.monotonic()
    with pytest.raises(TileUnavailable) as info:
        fetch_tile(p, 3, 1, 1, cache, (1.0, 1.0))
    assert info.value.kind == "network"
    assert time.monotonic() - t0 < 0.5
    with pytest.raises(TileUnavailable) as info:
        fetch_tile(p, 3, 1, 1, cache, offline=True)
    assert info.value.kind == "offline"


def test_black_hole_server_times_out_quickly(cache):
    hole = BlackHole()
    try:
        t0 = time.monotonic()
        with pytest.raises(TileUnavailable, match="timed out"):
            fetch_tile(custom_provider(hole.url, ""), 3, 1, 1, cache, (0.3, 0.3))
        assert time.monotonic() - t0 < 1.0
    finally:
        hole.stop()


def test_http_errors_and_non_images_are_reported(cache):
    missing = TileServer(status=404)
    html = TileServer(body=b"<html>rate limited</html>")
    try:
        with pytest.raises(TileUnavailable) as info:
            fetch_tile(custom_provider(missing.url, ""), 3, 1, 1, cache, (1.0, 1.0))
        assert info.value.kind == "http"
        assert "404" in str(info.value)
        with pytest.raises(TileUnavailable) as info:
            fetch_tile(custom_provider(html.url, ""), 3, 1, 1, cache, (1.0, 1.0))
        assert info.value.kind == "invalid"
        assert cache.stats().tiles == 0
    finally:
        missing.stop()
        html.stop()


def test_providers_that_forbid_storing_never_touch_the_disk(server, tmp_path):

    cache = TileCache(tmp_path / "c")
    p = replace(custom_provider(server.url, ""), disk_cache=False)
    assert fetch_tile(p, 2, 1, 1, cache, (1.0, 1.0)).source == "network"
    assert cache.stats().tiles == 0


def test_file_url_provider_inside_the_tile_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SAHELGIS_TILE_CACHE", str(tmp_path))
    folder = tmp_path / "xyz" / "4" / "7"
    folder.mkdir(parents=True)
    (folder / "7.png").write_bytes(png_bytes())
    p = custom_provider((tmp_path / "xyz").as_uri() + "/{z}/{x}/{y}.png", "mine")
    assert not p.uses_network
    assert fetch_tile(p, 4, 7, 7, None).image.shape == (256, 256, 4)
    with pytest.raises(TileUnavailable):
        fetch_tile(p, 4, 7, 8, None)


# -- make available offline -----------------------------------------------------
def test_download_region_refuses_osm(cache):
    with pytest.raises(BulkDownloadForbidden, match="OpenStreetMap"):
        download_region(tile_providers.provider("osm"), BOX, [10], cache)
    with pytest.raises(BulkDownloadForbidden):
        download_region(tile_providers.provider("esri_imagery"), BOX, [10], cache)


def test_download_region_fills_and_pins(server, cache):
    p = custom_provider(server.url, "", allows_bulk=True)
    expected = estimate_download(BOX, [9, 10]).tiles
    report = download_region(p, BOX, [9, 10], cache, timeout=(1.0, 1.0))
    assert report.fetched == expected
    assert cache.stats().offline_tiles == expected
    again = download_region(p, BOX, [9, 10], cache, timeout=(1.0, 1.0))
    assert again.already_cached == expected
    assert len(server.requests) == expected


class CancelAfter:
    def __init__(self, n: int) -> None:
        self.n = n
        self.calls = 0

    def set(self, fraction: float, text: str = "") -> None:
        self.calls += 1

    def cancelled(self) -> bool:
        return self.calls > self.n

    def check(self) -> None:
        if self.cancelled():
            raise Cancelled()


def test_download_region_honours_cancel(server, cache):
    p = custom_provider(server.url, "", allows_bulk=True)
    with pytest.raises(Cancelled):
        download_region(p, BOX, [10, 11, 12], cache, CancelAfter(2), timeout=(1, 1))
    assert 1 <= len(server.requests) <= 3


def test_download_region_limits(server, cache):
    p = custom_provider(server.url, "", allows_bulk=True)
    with pytest.raises(ValueError, match="more than"):
        download_region(p, BOX, [14], cache, max_tiles=3)
    offline = custom_provider(closed_port_url(), "", allows_bulk=True)
    with pytest.raises(TileUnavailable):
        download_region(offline, BOX, [12], cache, timeout=(0.5, 0.5))


# -- hostile tile URLs and answers ------------------------------------------------
@pytest.mark.parametrize(
    "url",
    [
        "file:///dev/zero?{z}/{x}/{y}",
        "file:///etc/passwd#{z}{x}{y}",
        "file://fileserver/share/{z}/{x}/{y}.png",
    ],
)
def test_file_urls_outside_the_tile_cache_are_refused(url, tmp_path, monkeypatch):
    monkeypatch.setenv("SAHELGIS_TILE_CACHE", str(tmp_path / "tiles"))
    with pytest.raises(ValueError, match="only inside the tile cache folder"):
        custom_provider(url, "")


def test_file_urls_climbing_out_of_the_cache_are_refused(tmp_path, monkeypatch):
    root = tmp_path / "tiles"
    (root / "mine").mkdir(parents=True)
    monkeypatch.setenv("SAHELGIS_TILE_CACHE", str(root))
    with pytest.raises(ValueError, match="tile cache"):
        custom_provider(root.as_uri() + "/mine/../../../etc/{z}/{x}/{y}", "")
    (root / "link").symlink_to("/", target_is_directory=True)
    with pytest.raises(ValueError, match="tile cache"):
        custom_provider(root.as_uri() + "/link/dev/{z}{x}{y}", "")


def test_a_tile_symlinked_out_of_the_cache_is_not_read(tmp_path, monkeypatch):
    root = tmp_path / "tiles"
    (root / "xyz" / "1" / "0").mkdir(parents=True)
    (root / "xyz" / "1" / "0" / "0.png").symlink_to("/dev/zero")
    monkeypatch.setenv("SAHELGIS_TILE_CACHE", str(root))
    p = custom_provider(root.as_uri() + "/xyz/{z}/{x}/{y}.png", "")
    with pytest.raises(TileUnavailable, match="only inside the tile cache"):
        fetch_tile(p, 1, 0, 0, None)


@pytest.mark.parametrize(
    ("url", "match"),
    [
        ("ftp://x.org/{z}/{x}/{y}.png", "http:// or https://"),
        ("gopher://x.org/{z}/{x}/{y}", "http:// or https://"),
        ("data:image/png;base64,{z}{x}{y}", "http:// or https://"),
        ("javascript:alert({z}{x}{y})", "http:// or https://"),
        ("http://{s}.x.org/{z}/{x}/{y}.png", "plain host name"),
        ("http://{z}.x.org/{x}/{y}.png", "plain host name"),
        ("http://<b>x</b>/{z}/{x}/{y}.png", "plain host name"),
        ("http:///{z}/{x}/{y}.png", "plain host name"),
        ("http://x.org:99999/{z}/{x}/{y}.png", "malformed"),
        ("http://x.org/{z}/{x}/{y}.png\nSet-Cookie: a", "control characters"),
    ],
)
def test_custom_urls_other_than_plain_http_are_refused(url, match):
    with pytest.raises(ValueError, match=match):
        custom_provider(url, "")


def test_credentials_in_a_tile_url_are_refused_and_not_repeated():
    url = "http://analyst:s3cret@127.0.0.1:9/{z}/{x}/{y}.png"
    with pytest.raises(ValueError, match="user name or password") as info:
        custom_provider(url, "")
    assert "s3cret" not in str(info.value)


def test_an_over_long_url_is_refused_in_one_short_line():
    url = "https://x.org/{z}/{x}/{y}.png?" + "a" * 100_000
    with pytest.raises(ValueError, match="at most 2,048") as info:
        custom_provider(url, "")
    assert len(str(info.value)) < 200


class _Endless(BaseHTTPRequestHandler):
    """Answers 200 with an endless body (bounded: stops after 64 MB)."""

    sent = 0

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()
        chunk = b"\x89PNG\r\n\x1a\n" + b"\0" * (1 << 16)
        try:
            for _ in range(1024):
                self.wfile.write(chunk)
                type(self).sent += len(chunk)
        except OSError:
            pass  # the client hung up, as it should

    def log_message(self, *args: object) -> None:
        pass


def _serve(handler):
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    return httpd


def test_an_endless_answer_is_cut_at_the_size_limit(cache):
    import tracemalloc

    httpd = _serve(_Endless)
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/{{z}}/{{x}}/{{y}}"
        tracemalloc.start()
        with pytest.raises(TileUnavailable, match="larger than 4,194,304") as info:
            fetch_tile(custom_provider(url, ""), 1, 0, 0, cache, (1.0, 2.0))
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert info.value.kind == "invalid"
    assert peak < 3 * tiles.MAX_TILE_BYTES
    assert cache.stats().tiles == 0


def test_an_announced_oversize_answer_is_not_read(cache):
    class Huge(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", str(10 * tiles.MAX_TILE_BYTES))
            self.end_headers()
            self.wfile.write(b"\x89PNG\r\n\x1a\n")

        def log_message(self, *args: object) -> None:
            pass

    httpd = _serve(Huge)
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/{{z}}/{{x}}/{{y}}"
        with pytest.raises(TileUnavailable, match="announces 41,943,040 bytes"):
            fetch_tile(custom_provider(url, ""), 1, 0, 0, cache, (1.0, 1.0))
    finally:
        httpd.shutdown()
        httpd.server_close()


def _redirecting(location_for):
    class Redirect(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.startswith("/ok/"):
                body = png_bytes()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            self.send_response(302)
            self.send_header("Location", location_for(self.server.server_address[1]))
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    return _serve(Redirect)


@pytest.mark.parametrize(
    "location",
    [
        "http://localhost:{port}/ok/1/0/0",  # another host name (still loopback)
        "file:///etc/passwd",
        "ftp://127.0.0.1/ok/1/0/0",
    ],
)
def test_redirects_leave_neither_the_host_nor_http(location, cache):
    httpd = _redirecting(lambda port: location.format(port=port))
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/{{z}}/{{x}}/{{y}}"
        with pytest.raises(TileUnavailable, match="redirect to another host"):
            fetch_tile(custom_provider(url, ""), 1, 0, 0, cache, (1.0, 1.0))
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_a_redirect_on_the_same_host_is_followed(cache):
    httpd = _redirecting(lambda port: "/ok/1/0/0")
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/{{z}}/{{x}}/{{y}}"
        result = fetch_tile(custom_provider(url, ""), 1, 0, 0, cache, (1.0, 1.0))
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert result.source == "network"


# -- basemap state read from a project -------------------------------------------
def test_a_basemap_from_a_file_is_marked_and_needs_consent():
    osm = tile_providers.read_basemap_state({"provider": "osm"}, "p.gpkg")
    assert osm.problem == ""
    assert osm.provider == tile_providers.provider("osm")
    assert osm.provider.from_file
    assert not tile_providers.provider("osm").from_file
    state = tile_providers.provider_state(
        custom_provider("https://x.org/{z}/{x}/{y}", "X")
    )
    custom = tile_providers.read_basemap_state(state, "p.gpkg").provider
    assert custom.from_file
    assert custom.url == "https://x.org/{z}/{x}/{y}"
    assert tile_providers.read_basemap_state(None) == (None, "")
    assert tile_providers.read_basemap_state({"provider": ""}) == (None, "")


@pytest.mark.parametrize(
    ("state", "key"),
    [
        (
            {"provider": "custom-1", "url": "file:///dev/zero?{z}/{x}/{y}"},
            "basemap.url",
        ),
        ({"provider": "custom-1", "url": "https://x.org/{x}/{y}"}, "basemap.url"),
        ({"provider": "custom-1", "url": 7}, "basemap.url"),
        (
            {"provider": "custom-1", "url": "https://x.org/" + "a" * 100_000},
            "basemap.url",
        ),
        ({"provider": "osm", "max_zoom": "19"}, "basemap.max_zoom"),
        ({"provider": "osm", "max_zoom": 1e9}, "basemap.max_zoom"),
        ({"provider": "osm", "allows_bulk": 1}, "basemap.allows_bulk"),
        ({"provider": "osm", "attribution": ["x"]}, "basemap.attribution"),
        ({"provider": 5}, "basemap.provider"),
        ({"provider": "google"}, "basemap.provider"),
        (["osm"], "basemap"),
    ],
)
def test_a_wrong_basemap_state_gives_one_line_naming_file_and_key(state, key):
    provider, problem = tile_providers.read_basemap_state(state, "survey.gpkg")
    assert provider is None
    assert problem.startswith(f"survey.gpkg: {key}:")
    assert "\n" not in problem
    assert len(problem) < 400
    assert tile_providers.provider_from_state(state) is None


def test_a_server_dripping_bytes_is_cut_at_the_overall_deadline(cache):
    class Drip(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.end_headers()
            try:
                for _ in range(40):  # bounded: 4 s at most
                    self.wfile.write(b"\0" * 16)
                    self.wfile.flush()
                    time.sleep(0.1)  # each byte well within the read timeout
            except OSError:
                pass  # the client hung up, as it should

        def log_message(self, *args: object) -> None:
            pass

    httpd = _serve(Drip)
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/{{z}}/{{x}}/{{y}}"
        t0 = time.monotonic()
        with pytest.raises(TileUnavailable, match="too slow") as info:
            fetch_tile(custom_provider(url, ""), 1, 0, 0, cache, (0.2, 0.3))
        elapsed = time.monotonic() - t0
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert info.value.kind == "network"
    assert 1.0 < elapsed < 1.8  # connect + 3 × read = 1.1 s, not the 4 s of drip
