"""File ▸ Open event store… and File ▸ Export analyses as recipe…"""

from __future__ import annotations

import pandas as pd
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence

from sahelgis import paths
from sahelgis.io.acled import read_acled
from sahelgis.io.project_file import load_project, save_project
from sahelgis.model import crs
from sahelgis.model.events import EventTable
from sahelgis.model.layers import EventLayer
from sahelgis.scale import store as store_module
from sahelgis.scale.recipe import load_recipe
from sahelgis.scale.store import EventStore
from sahelgis.ui import settings as app_settings
from sahelgis.ui.store_dialog import StoreOpenDialog, view_box_lonlat

#: West, south, east, north around Bamako (degrees).
BAMAKO_BOX = (-8.3, 12.4, -7.7, 12.9)


@pytest.fixture(scope="module")
def demo_events() -> EventTable:
    events, _ = read_acled(paths.data_dir() / "demo_events_SYNTHETIC.csv")
    return events


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory, demo_events) -> EventStore:
    """The 3,000 synthetic Mali events, as `sahelgis import --store` makes them."""
    store = EventStore.create(tmp_path_factory.mktemp("demo") / "demo_store")
    store.append(demo_events)
    return store


@pytest.fixture(scope="module")
def wide_store(tmp_path_factory, demo_events) -> EventStore:
    """Mali plus 500 'Burkina Faso' copies, in row groups of 64 rows, so that a
    box prunes row groups as a real store's 16,384-row groups do."""
    burkina = demo_events.frame.iloc[::6].copy()
    burkina["event_id_cnty"] = [f"BFA{i}" for i in range(len(burkina))]
    burkina["country"] = "Burkina Faso"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(store_module, "ROW_GROUP_ROWS", 64)
        store = EventStore.create(tmp_path_factory.mktemp("wide") / "sahel_store")
        store.append(demo_events)
        store.append(EventTable(burkina, synthetic=True))
    return store


def full_years(store: EventStore) -> dict[str, str]:
    years = store.years()
    return {"start": f"{years[0]}-01-01", "end": f"{years[-1]}-12-31"}


def test_dialog_shows_store_summary(qtbot, demo_store):
    dialog = StoreOpenDialog(demo_store, view_bbox=None)
    qtbot.addWidget(dialog)
    assert dialog.events_label.text() == "3,000 in 7 partitions (7 files)"
    assert "SYNTHETIC" in dialog.data_label.text()
    assert (dialog.first_year.minimum(), dialog.last_year.maximum()) == (2018, 2024)
    assert (dialog.first_year.value(), dialog.last_year.value()) == (2018, 2024)
    assert dialog.checked_countries() == ["Mali"]
    # no map view given: the whole store, and the count is exact
    assert not dialog.view_radio.isEnabled()
    assert dialog.whole_radio.isChecked()
    assert dialog.count_label.text() == "3,000 of 3,000 events"
    assert dialog.read_label.text().startswith("reads 7 of 7 files, 7 of 7 row groups")
    assert dialog.ok_button.isEnabled()


def test_narrowing_area_countries_and_years_prunes(qtbot, wide_store):
    dialog = StoreOpenDialog(wide_store, view_bbox=BAMAKO_BOX)
    qtbot.addWidget(dialog)
    assert dialog.view_radio.isChecked()  # the map view is the default
    around_bamako = dialog.selection()
    assert around_bamako.bbox == BAMAKO_BOX
    dialog.whole_radio.setChecked(True)
    whole = dialog.selection()
    assert whole == wide_store.select(None, **full_years(wide_store))
    assert (whole.files, whole.rows, whole.total_rows) == (14, 3500, 3500)
    assert dialog.count_label.text() == "3,500 of 3,500 events"
    assert dialog.read_label.text() == whole.describe()
    assert around_bamako.row_groups < whole.row_groups / 2
    assert around_bamako.rows < whole.rows / 2

    dialog.view_radio.setChecked(True)
    assert dialog.count_label.text() == f"Up to {around_bamako.rows:,} of 3,500 events"
    assert dialog.read_label.text() == around_bamako.describe()

    dialog.whole_radio.setChecked(True)
    dialog.set_countries(["Mali"])
    mali = dialog.selection()
    assert (mali.files, mali.rows, mali.countries) == (7, 3000, ("Mali",))
    assert dialog.count_label.text() == "3,000 of 3,500 events"

    dialog.first_year.setValue(2020)
    dialog.last_year.setValue(2021)
    two_years = dialog.selection()
    assert two_years.files == 2
    assert two_years == wide_store.select(None, "2020-01-01", "2021-12-31", ["Mali"])
    assert dialog.read_label.text().startswith("reads 2 of 14 files")
    dialog.first_year.setValue(2023)  # past the end year: the end follows
    assert dialog.last_year.value() == 2023

    dialog.check_all(Qt.CheckState.Unchecked)
    assert dialog.count_label.text() == "No country chosen: nothing to read"
    assert not dialog.ok_button.isEnabled()


def test_view_box_lonlat_contains_the_displayed_box():
    west, south, east, north = view_box_lonlat(crs.lonlat_box_to_display(BAMAKO_BOX))
    assert west <= BAMAKO_BOX[0] < BAMAKO_BOX[2] <= east
    assert south <= BAMAKO_BOX[1] < BAMAKO_BOX[3] <= north
    assert east - west < 1.0
    assert view_box_lonlat((-1e9, -1e9, 1e9, 1e9)) is None  # off the globe


def test_menu_entries_and_cancelled_folder_choice(make_main_window, monkeypatch):
    window = make_main_window()
    actions = {
        a.text(): a for a in window.menuBar().actions()[0].menu().actions() if a.text()
    }
    store_action = actions["Open event s&tore…"]
    assert store_action.shortcut() == QKeySequence("Ctrl+Shift+O")
    assert "Export analyses as re&cipe…" in actions
    monkeypatch.setattr(
        "sahelgis.ui.imports.QFileDialog.getExistingDirectory",
        lambda *args: "",
    )
    before = len(window.project.layers)
    store_action.trigger()  # the folder dialog is cancelled: nothing happens
    assert len(window.project.layers) == before


def test_accepting_loads_what_the_selection_promised(
    make_main_window, demo_like_project, wide_store, monkeypatch, qtbot, tmp_path
):
    window = make_main_window(demo_like_project)
    window.canvas.set_extent(crs.lonlat_box_to_display(BAMAKO_BOX))
    chosen = []

    def fake_exec(dialog):
        dialog.set_countries(["Mali"])
        dialog.first_year.setValue(2019)
        dialog.last_year.setValue(2022)
        chosen.append(dialog.selection())
        return True

    monkeypatch.setattr(StoreOpenDialog, "exec", fake_exec)
    before = len(window.project.layers)
    window.open_store_dialog(wide_store.root)
    qtbot.waitUntil(lambda: len(window.project.layers) == before + 1, timeout=5000)
    selection = chosen[0]
    assert selection.bbox is not None
    assert selection.rows < 3000
    expected = wide_store.read(selection)
    layer = window.project.layers[0]
    assert isinstance(layer, EventLayer)
    assert 0 < layer.feature_count == len(expected) <= selection.rows
    pd.testing.assert_series_equal(
        layer.events.frame["event_id_cnty"].astype(str),
        expected.frame["event_id_cnty"].astype(str),
    )
    assert layer.synthetic
    assert "SYNTHETIC" in layer.attribution
    assert layer.name == (
        "sahel_store — SYNTHETIC, not ACLED — Mali 2019–2022, map view "
        f"(store, {len(expected):,})"
    )
    query = layer.source_query
    assert query["store"] == str(wide_store.root)
    assert (query["first_year"], query["last_year"]) == (2019, 2022)
    assert query["countries"] == ["Mali"]
    assert query["bbox"] == [round(v, 5) for v in selection.bbox]
    assert query["read"] == selection.describe()
    assert layer.source_path == str(wide_store.root)
    assert layer.name in window.statusBar().currentMessage()
    assert app_settings.last_store_dir() == str(wide_store.root)

    path = save_project(window.project, tmp_path / "with_store.gpkg")
    again = load_project(path).layer(layer.id)
    assert again.source_query == query
    assert again.feature_count == layer.feature_count

    window.project.undo_stack.undo()  # the add is undoable like an import
    assert len(window.project.layers) == before


def test_not_a_store_or_damaged_gives_a_message(
    make_main_window, demo_events, monkeypatch, qtbot, tmp_path
):
    shown = []
    monkeypatch.setattr(
        "sahelgis.ui.main_window.QMessageBox.warning",
        lambda parent, title, text: shown.append((title, text)),
    )
    window = make_main_window()
    plain = tmp_path / "plain"
    plain.mkdir()
    window.open_store_dialog(plain)
    assert shown[-1][0] == "Open event store"
    assert "not a SahelGIS event store" in shown[-1][1]

    damaged = tmp_path / "damaged"
    damaged.mkdir()
    (damaged / store_module.MANIFEST).write_text("{ not json")
    window.open_store_dialog(damaged)
    assert "unreadable store manifest" in shown[-1][1]

    # a file the manifest names has gone: the read fails with a message
    store = EventStore.create(tmp_path / "gone")
    store.append(demo_events.frame.head(50))
    (store.root / store.manifest.files[0].path).unlink()
    monkeypatch.setattr(StoreOpenDialog, "exec", lambda dialog: True)
    window.open_store_dialog(store.root)
    qtbot.waitUntil(lambda: len(shown) == 3, timeout=5000)
    assert "cannot read this store file" in shown[-1][1]
    assert all("Traceback" not in text for _, text in shown)


def test_recipe_export_round_trips(make_main_window, demo_like_project, tmp_path):
    window = make_main_window(demo_like_project)
    assert window.analysis.add_rings("Kati", "10, 20 km") is not None
    window.export_recipe_dialog(tmp_path / "nightly")
    written = tmp_path / "nightly.toml"
    recipe = load_recipe(written)
    (task,) = recipe.tasks
    assert task.kind == "buffer"
    assert window.statusBar().currentMessage() == "1 analysis written to nightly.toml"
    assert app_settings.last_dir() == str(tmp_path)


def test_recipe_export_without_analyses_says_so(
    make_main_window, monkeypatch, tmp_path
):
    shown = []
    monkeypatch.setattr(
        "sahelgis.ui.main_window.QMessageBox.warning",
        lambda parent, title, text: shown.append((title, text)),
    )
    asked = []
    monkeypatch.setattr(
        "sahelgis.ui.imports.QFileDialog.getSaveFileName",
        lambda *args: asked.append(args) or ("", ""),
    )
    window = make_main_window()
    window.export_recipe_dialog()
    assert not asked  # no file dialog for nothing to write
    ((title, text),) = shown
    assert title == "Export analyses as recipe"
    assert "no saved analysis" in text
    assert list(tmp_path.glob("*.toml")) == []
