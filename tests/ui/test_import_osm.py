"""File > Import OpenStreetMap extract…: background read, roads replaced, places
added, one undo entry, one-line errors."""

from __future__ import annotations

from sahelgis.io.osm import OSM_ATTRIBUTION
from sahelgis.model.layers import ROLE_PLACES, ROLE_ROADS
from tests.osm_extract import write_extract


def test_menu_has_the_osm_import(make_main_window, demo_like_project):
    window = make_main_window(demo_like_project)
    texts = [a.text() for a in window.findChildren(type(window.undo_action))]
    assert "Import &OpenStreetMap extract…" in texts


def test_import_osm_replaces_roads_and_adds_places(
    make_main_window, demo_like_project, tmp_path, qtbot
):
    extract = write_extract(tmp_path / "mali-test.osm")
    window = make_main_window(demo_like_project)
    old_roads = demo_like_project.layers_with_role(ROLE_ROADS)
    places_before = demo_like_project.layers_with_role(ROLE_PLACES)
    window.import_osm(extract.path)

    def imported() -> bool:
        roads = demo_like_project.layers_with_role(ROLE_ROADS)
        return bool(roads) and roads[0].attribution == OSM_ATTRIBUTION

    qtbot.waitUntil(imported, timeout=10_000)
    roads = demo_like_project.layers_with_role(ROLE_ROADS)
    assert len(roads) == 1
    assert sorted(roads[0].data["ref"]) == ["RN3", "RN4"]
    places = demo_like_project.layers_with_role(ROLE_PLACES)
    assert len(places) == len(places_before) + 1
    assert places[-1].attribution == OSM_ATTRIBUTION
    message = window.statusBar().currentMessage()
    assert message.startswith("mali-test.osm: 2 roads from 6 ways, 4 places")
    # one undo entry brings the approximate roads back and drops the places
    window.undo_action.trigger()
    assert demo_like_project.layers_with_role(ROLE_ROADS) == old_roads
    assert demo_like_project.layers_with_role(ROLE_PLACES) == places_before


def test_corrupt_extract_shows_one_line(
    make_main_window, demo_like_project, tmp_path, qtbot, monkeypatch
):
    shown = []
    monkeypatch.setattr(
        "sahelgis.ui.main_window.QMessageBox.warning",
        lambda parent, title, text: shown.append((title, text)),
    )
    path = tmp_path / "broken.osm.pbf"
    path.write_bytes(b"\x00\x01 not a pbf")
    window = make_main_window(demo_like_project)
    before = list(demo_like_project.layers)
    window.import_osm(path)
    qtbot.waitUntil(lambda: bool(shown), timeout=5000)
    title, text = shown[0]
    assert title == "Import OpenStreetMap extract"
    assert text.startswith("broken.osm.pbf: not a readable OpenStreetMap extract")
    assert "\n" not in text
    assert list(demo_like_project.layers) == before
