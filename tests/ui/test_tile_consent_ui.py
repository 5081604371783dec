"""A project naming a tile server: asked once, nothing fetched before yes, and
headless runs (--snapshot, export) fetch nothing. Servers on 127.0.0.1 only."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from sahelgis.io import tile_providers
from sahelgis.io.project_file import load_project, save_project
from sahelgis.model import crs
from sahelgis.model.project import Project
from sahelgis.ui.settings import SettingsTileConsent
from tests.tile_servers import TileServer


@pytest.fixture
def server():
    srv = TileServer()
    yield srv
    srv.stop()


@pytest.fixture
def tiled_project(tmp_path, server):
    """A saved project whose basemap is the local tile server."""
    project = small_project()
    provider = tile_providers.custom_provider(server.url, "Local tiles")
    project.extra_state["basemap"] = tile_providers.provider_state(provider)
    return save_project(project, tmp_path / "tiled.gpkg")


def small_project() -> Project:
    """No layers (fast to save, open and export), viewing Bamako."""
    project = Project()
    project.view_extent = crs.lonlat_box_to_display((-8.1, 12.5, -7.9, 12.7))
    return project


def host(server) -> str:
    return f"127.0.0.1:{server.port}"


def consent_box(window) -> QMessageBox | None:
    box = getattr(window.tiles, "consent_box", None)
    return box if box is not None and box.isVisible() else None


def button(box: QMessageBox, text: str):
    return next(b for b in box.buttons() if b.text() == text)


def test_opening_asks_in_plain_text_and_fetches_only_after_yes(
    make_main_window, tiled_project, server, qtbot
):
    window = make_main_window(load_project(tiled_project))
    qtbot.waitUntil(lambda: consent_box(window) is not None, timeout=2000)
    box = consent_box(window)
    assert box.textFormat() == Qt.TextFormat.PlainText
    assert box.text().startswith(
        f"This project shows map tiles from {host(server)}. Load them?"
    )
    assert server.requests == []
    assert window.tiles.provider is not None
    button(box, "Load tiles").click()
    qtbot.waitUntil(lambda: len(server.requests) > 0, timeout=3000)
    assert SettingsTileConsent().decision(host(server)) is True


def test_a_refusal_is_remembered_and_not_asked_again(
    make_main_window, tiled_project, server, qtbot
):
    window = make_main_window(load_project(tiled_project))
    qtbot.waitUntil(lambda: consent_box(window) is not None, timeout=2000)
    button(consent_box(window), "Don't load").click()
    assert SettingsTileConsent().decision(host(server)) is False
    asked = []
    window.tiles.sig_consent_needed.connect(asked.append)
    window.set_project(load_project(tiled_project))
    qtbot.wait(200)  # time enough for a (wrong) request or question to appear
    assert asked == []
    assert consent_box(window) is None
    assert server.requests == []


def test_snapshot_fetches_nothing_and_says_so(tiled_project, server, tmp_path, capsys):
    from sahelgis.__main__ import main

    out = tmp_path / "snap.png"
    assert main(["--snapshot", str(out), "--size", "600x400", str(tiled_project)]) == 0
    from PySide6.QtTest import QTest

    QTest.qWait(300)  # time enough for a (wrong) background request to land
    assert server.requests == []
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert line == (
        f"wrote {out} (online tiles from {host(server)} were not fetched (this "
        "host is not allowed yet; allow it in View > Basemap…))"
    )
    assert SettingsTileConsent().decisions() == {}  # a snapshot asks nothing


def test_export_fetches_nothing_and_says_so(tiled_project, server, tmp_path, capsys):
    from sahelgis.__main__ import main

    out = tmp_path / "fig.png"
    assert main(["export", str(tiled_project), "-o", str(out), "--dpi", "30"]) == 0
    assert out.exists()
    assert server.requests == []
    assert (
        f"online tiles from {host(server)} were not fetched" in capsys.readouterr().out
    )


def test_a_refused_basemap_url_is_named_in_the_status_bar(
    make_main_window, tmp_path, qtbot
):
    project = small_project()
    project.extra_state["basemap"] = {
        "provider": "custom-x",
        "url": "file:///dev/zero?{z}/{x}/{y}",
    }
    path = save_project(project, tmp_path / "zero.gpkg")
    window = make_main_window(load_project(path))
    assert window.tiles.provider is None
    message = window.statusBar().currentMessage()
    assert message.startswith("zero.gpkg: basemap.url: file: tile URLs are accepted")
