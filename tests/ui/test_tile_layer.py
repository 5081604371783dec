"""Online tiles on the map, with servers on 127.0.0.1 only (no real tile server).

The servers are threads that stop themselves: a tile server (Pillow PNGs), and a
"black hole" that accepts TCP connections and never answers.
"""

from __future__ import annotations

import contextlib
import sys
import time

import numpy as np
import pytest
from PySide6.QtCore import QPointF, QTimer

from sahelgis.io import tile_providers, tiles
from sahelgis.io.tile_providers import custom_provider
from sahelgis.io.tiles import TileCache
from sahelgis.model import crs
from sahelgis.model.project import Project
from sahelgis.ui.canvas.map_canvas import MapCanvas
from sahelgis.ui.canvas.tile_layer import OFFLINE_MESSAGE, TILE_Z, TileManager
from tests.tile_servers import BlackHole, TileServer, closed_port_url
from tests.tile_servers import png as tile_png

BAMAKO = (-7.97522, 12.60915)
BOX = (-8.10, 12.52, -7.85, 12.70)  # Bamako and Kati, lon/lat
TILE_RGB = (30, 140, 90)


def png(draw=None, color=TILE_RGB) -> bytes:
    return tile_png(draw, color)


@pytest.fixture
def server():
    srv = TileServer(body=png())
    yield srv
    srv.stop()


@pytest.fixture
def cache(tmp_path):
    return TileCache(tmp_path / "tiles", limit_mb=20)


@pytest.fixture
def canvas(qtbot):
    widget = MapCanvas(Project())
    qtbot.addWidget(widget)
    widget.resize(400, 300)
    widget.show()
    qtbot.waitExposed(widget)
    widget.set_extent(crs.lonlat_box_to_display(BOX))
    return widget


@pytest.fixture
def make_manager(canvas, cache):
    managers = []

    def factory(**kwargs):
        kwargs.setdefault("timeout", (1.0, 1.0))
        kwargs.setdefault("debounce_ms", 10)
        manager = TileManager(kwargs.pop("canvas", canvas), cache, **kwargs)
        managers.append(manager)
        return manager

    yield factory
    for manager in managers:
        manager.shutdown()


def all_loaded(manager: TileManager) -> bool:
    wanted = manager.wanted_tiles()
    return bool(wanted) and manager.loaded_tiles() == wanted


def render(widget) -> np.ndarray:
    image = (
        widget.grab()
        .toImage()
        .convertToFormat(widget.grab().toImage().Format.Format_RGB888)
    )
    w, h = image.width(), image.height()
    arr = np.frombuffer(image.constBits(), np.uint8, image.bytesPerLine() * h)
    return arr.reshape(h, image.bytesPerLine())[:, : w * 3].reshape(h, w, 3).copy()


# -- the layer ----------------------------------------------------------------
def test_tiles_are_off_by_default(make_manager, server, qtbot):
    manager = make_manager()
    qtbot.wait(30)
    assert manager.provider is None
    assert manager.attribution == ""
    assert not manager.item.isVisible()
    assert manager.item.zValue() == TILE_Z
    assert server.requests == []


def test_tiles_arrive_are_cached_then_served_after_server_stops(
    make_manager, server, cache, canvas, qtbot
):
    manager = make_manager()
    provider = custom_provider(server.url, "Test tiles (C) us")
    with qtbot.waitSignal(manager.sig_attribution_changed) as blocker:
        manager.set_provider(provider)
    assert blocker.args == ["Test tiles (C) us"]
    assert manager.item.attribution == "Test tiles (C) us"
    qtbot.waitUntil(lambda: all_loaded(manager), timeout=3000)
    wanted = manager.wanted_tiles()
    assert sorted(manager.item.tile_keys()) == sorted(wanted)
    assert len(server.requests) == len(wanted)
    assert cache.stats().tiles == len(wanted)
    # the mosaic covers the view with no seams between tiles or pieces
    pixels = render(canvas)
    h, w, _ = pixels.shape
    middle = pixels[h // 10 : h * 3 // 4, w // 10 : w * 9 // 10].reshape(-1, 3)
    assert np.abs(middle.astype(int) - TILE_RGB).max() <= 3

    server.stop()
    statuses = []
    manager.sig_status.connect(statuses.append)
    manager.set_provider(None)
    assert not manager.item.isVisible()
    manager.set_provider(provider)  # memory cleared: from the disk cache now
    qtbot.waitUntil(lambda: all_loaded(manager), timeout=2000)
    assert statuses == []  # fresh cached tiles need no network

    cache.clear()  # no tile cached and no server: the request fails
    manager.set_provider(None)
    manager.set_provider(provider)
    qtbot.waitUntil(lambda: bool(statuses) and manager.pending() == 0, timeout=2000)
    assert manager.loaded_tiles() == []
    assert statuses == [OFFLINE_MESSAGE]


def test_no_network_falls_back_at_once_and_says_so_once(
    make_manager, cache, canvas, qtbot
):
    provider = custom_provider(closed_port_url(), "")
    manager = make_manager()
    statuses = []
    manager.sig_status.connect(statuses.append)
    manager.set_provider(provider)
    first = manager.wanted_tiles()[0]
    cache.put(provider, *first, png())  # one tile seen on an earlier day
    manager.set_provider(None)
    manager.set_provider(provider)
    qtbot.waitUntil(lambda: bool(statuses) and manager.pending() == 0, timeout=1000)
    assert manager.offline
    assert manager.loaded_tiles() == [first]  # from the cache
    for dx in (2000.0, -4000.0):  # more views while offline: no more messages
        xmin, ymin, xmax, ymax = canvas.extent()
        canvas.set_extent((xmin + dx, ymin, xmax + dx, ymax))
        manager.refresh()
        qtbot.waitUntil(lambda: manager.pending() == 0, timeout=1000)
    assert statuses == [OFFLINE_MESSAGE]


def test_black_hole_server_never_stalls_the_event_loop(
    make_manager, qtbot, record_property, tmp_path
):
    from sahelgis.ui.project_files import new_project

    # contextily's first import (rasterio: GDAL registers its drivers in C,
    # holding the GIL) is a one-off stall of ~0.3 s wherever it happens: done
    # before measuring, as the app does once before its first tile
    with contextlib.suppress(tiles.TileUnavailable):
        tiles.fetch_tile(
            custom_provider(closed_port_url(), ""), 1, 0, 0, TileCache(tmp_path)
        )
    canvas = MapCanvas(new_project())  # the real base layers, drawn on each pan
    qtbot.addWidget(canvas)
    canvas.resize(640, 480)
    canvas.show()
    qtbot.waitExposed(canvas)
    canvas.set_extent(crs.lonlat_box_to_display(BOX))
    hole = BlackHole()
    try:
        manager = make_manager(canvas=canvas, timeout=(0.5, 0.6))
        statuses = []
        manager.sig_status.connect(statuses.append)
        gaps = []
        last = [time.perf_counter()]

        def beat() -> None:
            now = time.perf_counter()
            gaps.append(now - last[0])
            last[0] = now

        heartbeat = QTimer()
        heartbeat.setInterval(5)
        heartbeat.timeout.connect(beat)
        heartbeat.start()
        manager.set_provider(custom_provider(hole.url, ""))
        assert manager.pending() > 0
        for step in range(8):  # pan while requests hang
            xmin, ymin, xmax, ymax = canvas.extent()
            dx = 3000.0 * (1 if step % 2 else -1)
            canvas.set_extent((xmin + dx, ymin, xmax + dx, ymax))
            qtbot.wait(60)
        qtbot.waitUntil(lambda: bool(statuses), timeout=2000)
        heartbeat.stop()
        stall_ms = max(gaps) * 1000
        record_property("max_stall_ms", round(stall_ms, 1))
        sys.stderr.write(
            f"\nlongest event-loop stall, black-hole server: {stall_ms:.1f} ms\n"
        )
        assert stall_ms < 100, f"the event loop stalled {stall_ms:.0f} ms"
        assert statuses == [OFFLINE_MESSAGE]
        assert manager.loaded_tiles() == []
    finally:
        hole.stop()


def test_tiles_are_georeferenced_north_up(make_manager, cache, canvas, qtbot):
    """A red dot drawn at a known lon/lat in every tile lands where the canvas
    puts that lon/lat (a tile flipped upside down would put it elsewhere)."""
    dpr = max(canvas.devicePixelRatioF(), 1.0)
    probe = custom_provider("http://127.0.0.1:1/{z}/{x}/{y}.png", "")
    z = tiles.view_zoom(canvas.extent(), canvas.metres_per_pixel() / dpr, probe)
    fx, fy = tiles.lonlat_to_tile(*BAMAKO, z)
    lon, lat = tiles.tile_to_lonlat(int(fx) + 0.3, int(fy) + 0.2, z)  # not centred

    def tile(tz: int, tx: int, ty: int) -> bytes:
        px, py = tiles.lonlat_to_tile(lon, lat, tz)
        cx, cy = (float(px) - tx) * 256, (float(py) - ty) * 256

        def draw(d):
            d.ellipse([cx - 4, cy - 4, cx + 4, cy + 4], fill=(255, 0, 0))

        return png(draw, color=(255, 255, 255))

    server = TileServer(tile)
    try:
        manager = make_manager()
        manager.set_provider(custom_provider(server.url, ""))
        qtbot.waitUntil(lambda: all_loaded(manager), timeout=3000)
        assert manager.wanted_tiles()[0][0] == z
        pixels = render(canvas).astype(int)
        red = (pixels[..., 0] > 200) & (pixels[..., 1] < 80) & (pixels[..., 2] < 80)
        ys, xs = np.nonzero(red)
        assert xs.size > 10
        x, y = crs.to_display().transform(float(lon), float(lat))
        scene = canvas.view_box.mapViewToScene(QPointF(x, y))
        expected = canvas.mapFromScene(scene)
        assert xs.mean() == pytest.approx(expected.x(), abs=2.0)
        assert ys.mean() == pytest.approx(expected.y(), abs=2.0)
    finally:
        server.stop()


def test_set_canvas_moves_the_layer(make_manager, server, qtbot):
    manager = make_manager()
    manager.set_provider(custom_provider(server.url, ""))
    other = MapCanvas(Project())
    qtbot.addWidget(other)
    other.resize(300, 200)
    other.show()
    other.set_extent(crs.lonlat_box_to_display(BOX))
    manager.set_canvas(other)
    assert manager.item.parentItem() is other.view_box.childGroup
    assert manager.item.zValue() == TILE_Z
    qtbot.waitUntil(lambda: all_loaded(manager), timeout=3000)
    assert manager.item.isVisible()


# -- the dialog -----------------------------------------------------------------
def test_dialog_offers_offline_download_only_where_terms_allow(
    make_manager, canvas, qtbot
):
    from sahelgis.ui.basemap_dialog import BasemapDialog

    manager = make_manager()
    dialog = BasemapDialog(manager, canvas.extent())
    qtbot.addWidget(dialog)
    combo = dialog.provider_combo
    combo.setCurrentIndex(combo.findData("osm"))
    assert not dialog.download_button.isEnabled()
    assert "forbids" in dialog.terms_label.text()
    assert "OpenStreetMap" in dialog.attribution_label.text()
    combo.setCurrentIndex(combo.findData("opentopomap"))
    assert dialog.download_button.isEnabled()
    assert dialog.estimate_label.text().startswith("About ")
    combo.setCurrentIndex(combo.findData(tile_providers.CUSTOM_KEY))
    dialog.custom_url.setText("https://tiles.example.org/{z}/{x}")
    assert "{y}" in dialog.terms_label.text()
    assert not dialog.download_button.isEnabled()
    dialog.custom_url.setText("https://tiles.example.org/{z}/{x}/{y}.png")
    assert not dialog.download_button.isEnabled()  # terms not stated
    dialog.custom_bulk.setChecked(True)
    assert dialog.download_button.isEnabled()
    assert manager.provider is None  # nothing applied, nothing fetched


def test_dialog_downloads_area_then_it_works_offline(
    make_manager, server, cache, canvas, qtbot
):
    from sahelgis.ui.basemap_dialog import BasemapDialog

    manager = make_manager()
    dialog = BasemapDialog(manager, canvas.extent())
    qtbot.addWidget(dialog)
    combo = dialog.provider_combo
    combo.setCurrentIndex(combo.findData(tile_providers.CUSTOM_KEY))
    dialog.custom_url.setText(server.url)
    dialog.custom_attribution.setText("Our tiles")
    dialog.custom_bulk.setChecked(True)
    estimate = dialog.estimate()
    assert estimate is not None
    assert f"{estimate.tiles:,} tiles" in dialog.estimate_label.text()
    with qtbot.waitSignal(dialog.sig_download_finished, timeout=5000) as blocker:
        dialog.download_button.click()
    assert blocker.args[0].fetched == estimate.tiles
    assert cache.stats().offline_tiles == estimate.tiles
    assert "Done" in dialog.download_status.text()
    server.stop()
    statuses = []
    manager.sig_status.connect(statuses.append)
    assert dialog.apply()
    assert manager.attribution == "Our tiles"
    qtbot.waitUntil(lambda: all_loaded(manager), timeout=2000)
    assert statuses == []  # all from the cache
    assert dialog.clear_cache_now() == estimate.tiles
    assert cache.stats().tiles == 0


def test_pdf_output_gets_the_tiles_themselves(
    make_manager, server, canvas, tmp_path, qtbot
):
    from PySide6.QtGui import QPainter, QPdfWriter

    def pdf_size(name: str) -> int:
        path = tmp_path / name
        writer = QPdfWriter(str(path))
        painter = QPainter(writer)
        canvas.scene().render(painter)
        painter.end()
        return path.stat().st_size

    without = pdf_size("without.pdf")
    manager = make_manager()
    manager.set_provider(custom_provider(server.url, ""))
    qtbot.waitUntil(lambda: all_loaded(manager), timeout=3000)
    assert pdf_size("with.pdf") > without + 1000


def test_dropping_the_manager_while_requests_hang_is_safe(cache, qtbot):
    """Workers hold no reference to Qt objects: a manager (and its canvas)
    dropped while requests hang is never destroyed on a worker thread."""
    import gc

    canvas = MapCanvas(Project())
    canvas.resize(200, 150)
    canvas.set_extent(crs.lonlat_box_to_display(BOX))
    hole = BlackHole()
    try:
        manager = TileManager(canvas, cache, timeout=(0.5, 0.5), debounce_ms=10)
        manager.set_provider(custom_provider(hole.url, ""))
        assert manager.pending() > 0
        manager.shutdown()
        del manager, canvas
        gc.collect()
    finally:
        hole.stop()  # the hanging requests end now, on their threads
    qtbot.wait(150)


# -- consent for providers named by a file ---------------------------------------
def test_a_file_named_provider_fetches_nothing_until_its_host_is_allowed(
    make_manager, server, qtbot
):
    from dataclasses import replace

    from sahelgis.io.tile_consent import MemoryConsent

    consent = MemoryConsent()
    manager = make_manager(consent=consent)
    statuses = []
    manager.sig_status.connect(statuses.append)
    provider = replace(custom_provider(server.url, "t"), from_file=True)
    with qtbot.waitSignal(manager.sig_consent_needed, timeout=1000) as asked:
        manager.set_provider(provider)
    assert asked.args == [f"127.0.0.1:{server.port}"]
    assert not manager.network_allowed
    qtbot.waitUntil(lambda: manager.pending() == 0, timeout=2000)
    qtbot.waitUntil(lambda: bool(statuses), timeout=2000)
    assert statuses == [
        f"Online tiles from 127.0.0.1:{server.port} not loaded (not allowed for "
        "this host): showing cached tiles only. Change this in View > Basemap…"
    ]
    assert server.requests == []
    consent.remember(manager.host, True)
    manager.consent_changed()
    qtbot.waitUntil(lambda: all_loaded(manager), timeout=3000)
    assert len(server.requests) > 0


def test_a_refused_host_is_not_asked_again_and_cached_tiles_still_show(
    make_manager, server, cache, qtbot
):
    from dataclasses import replace

    from sahelgis.io.tile_consent import MemoryConsent

    user_choice = custom_provider(server.url, "t")
    warm = make_manager()
    warm.set_provider(user_choice)  # chosen in the app: fetched and cached
    qtbot.waitUntil(lambda: all_loaded(warm), timeout=3000)
    fetched = len(server.requests)
    warm.shutdown()

    consent = MemoryConsent(refused={f"127.0.0.1:{server.port}"})
    manager = make_manager(consent=consent)
    asked = []
    manager.sig_consent_needed.connect(asked.append)
    manager.set_provider(replace(user_choice, from_file=True))
    qtbot.waitUntil(lambda: all_loaded(manager), timeout=3000)
    assert asked == []
    assert len(server.requests) == fetched  # from the cache only


def test_dialog_choice_allows_the_host_and_lists_it(
    make_manager, server, canvas, qtbot
):
    from dataclasses import replace

    from sahelgis.io.tile_consent import MemoryConsent
    from sahelgis.ui.basemap_dialog import BasemapDialog

    consent = MemoryConsent()
    manager = make_manager(consent=consent)
    manager.set_provider(replace(custom_provider(server.url, "t"), from_file=True))
    dialog = BasemapDialog(manager, canvas.extent())
    qtbot.addWidget(dialog)
    assert dialog.hosts_list.count() == 0
    assert dialog.apply()  # OK on the project's own choice is no consent
    assert consent.decisions() == {}
    assert not manager.network_allowed
    combo = dialog.provider_combo
    combo.setCurrentIndex(combo.findData("osm"))
    combo.setCurrentIndex(combo.findData(tile_providers.CUSTOM_KEY))
    dialog.custom_url.setText(server.url + "?v=2")
    assert dialog.apply()  # a URL typed by the user: its host is allowed
    host = f"127.0.0.1:{server.port}"
    assert consent.decisions() == {host: True}
    dialog.update_hosts_list()
    assert dialog.hosts_list.item(0).text() == f"{host} — allowed"
    dialog.hosts_list.setCurrentRow(0)
    dialog.refuse_host_button.click()
    assert consent.decisions() == {host: False}
    dialog.hosts_list.setCurrentRow(0)
    dialog.forget_host_button.click()
    assert consent.decisions() == {}
    assert dialog.hosts_list.count() == 0


def test_dialog_shows_a_hostile_url_as_plain_text(make_manager, canvas, qtbot):
    from PySide6.QtCore import Qt

    from sahelgis.ui.basemap_dialog import BasemapDialog

    dialog = BasemapDialog(make_manager(), canvas.extent())
    qtbot.addWidget(dialog)
    combo = dialog.provider_combo
    combo.setCurrentIndex(combo.findData(tile_providers.CUSTOM_KEY))
    dialog.custom_url.setText('<img src="/dev/zero">{z}')
    assert dialog.terms_label.textFormat() == Qt.TextFormat.PlainText
    assert "<img" in dialog.terms_label.text()
    assert dialog.attribution_label.textFormat() == Qt.TextFormat.PlainText
