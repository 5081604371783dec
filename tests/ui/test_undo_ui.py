import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from sahelgis.io import recovery
from sahelgis.model.project import Project
from sahelgis.ui.plain_text import MessageBox


def test_undo_redo_actions_and_history_panel(make_main_window, demo_like_project):
    window = make_main_window(demo_like_project)
    roads = demo_like_project.layers_with_role("roads")[0]
    assert not window.undo_action.isEnabled()
    demo_like_project.set_visible(roads.id, False)
    demo_like_project.set_opacity(roads.id, 0.5)
    assert window.isWindowModified()
    assert window.undo_action.text() == f"&Undo Change opacity of “{roads.name}”"
    history = window.history_panel.list
    assert [history.item(i).text() for i in range(history.count())][1:] == [
        f"Hide “{roads.name}”",
        f"Change opacity of “{roads.name}”",
    ]
    window.undo_action.trigger()
    window.undo_action.trigger()
    assert roads.visible
    assert roads.opacity == 1.0
    assert not window.isWindowModified()
    item = window.layer_panel._top_item(roads.id)
    assert item.checkState(0) == Qt.CheckState.Checked
    window.redo_action.trigger()
    assert not roads.visible
    # clicking the first history row goes back to the saved state
    history.itemClicked.emit(history.item(0))
    assert roads.visible
    assert window.redo_action.isEnabled()


def test_undo_shortcuts_are_standard(make_main_window, demo_like_project):
    window = make_main_window(demo_like_project)
    assert window.undo_action.shortcut().toString() == "Ctrl+Z"
    assert window.redo_action.shortcut().toString() == "Ctrl+Shift+Z"


# -- issue 14: grouped edits are unsaved work like any other edit ----------------
@pytest.fixture
def road_file(tmp_path):
    import geopandas as gpd
    from shapely import LineString

    path = tmp_path / "osm_roads.gpkg"
    gpd.GeoDataFrame(
        {"ref": ["RN4"]},
        geometry=[LineString([(-7.9, 13.5), (-7.47, 14.47), (-7.29, 15.17)])],
        crs="EPSG:4326",
    ).to_file(path)
    return path


@pytest.fixture
def small_project(demo_like_project):
    """Events and the approximate roads only: quick to save."""
    project = Project(
        [
            *demo_like_project.event_layers(),
            *demo_like_project.layers_with_role("roads"),
        ]
    )
    project.mark_saved()
    return project


@pytest.fixture
def questions(monkeypatch):
    """Record "unsaved changes" questions and answer Cancel."""
    asked = []

    def question(parent, title, text, *args, **kwargs):
        asked.append(title)
        return QMessageBox.StandardButton.Cancel

    # the window's message boxes are the plain-text ones (sahelgis.ui.plain_text)
    monkeypatch.setattr(MessageBox, "question", question)
    return asked


def test_save_undo_import_roads_is_unsaved_work(
    make_main_window, small_project, road_file, tmp_path, questions, qtbot
):
    window = make_main_window(small_project)
    events = small_project.event_layers()[0]
    small_project.rename_layer(events.id, "Mali events")
    assert window._save_to(tmp_path / "work.gpkg")
    assert not window.isWindowModified()
    window.undo_action.trigger()
    assert window.isWindowModified()

    window.import_roads(road_file)

    assert small_project.modified
    assert window.isWindowModified()
    assert window.windowTitle().startswith("work.gpkg[*]")
    assert window.undo_action.text() == (
        f"&Undo Replace roads with “National roads ({road_file.name})”"
    )
    # closing asks (Cancel keeps the window open)
    assert not window.close()
    assert questions == ["Unsaved changes"]
    assert window.isVisible()
    # autosave writes a recovery copy instead of skipping it
    with qtbot.waitSignal(window.autosaver.sig_written, timeout=10_000) as written:
        assert window.autosaver.autosave_in_background()
    assert written.args[0].exists()
    copy = recovery.load_recovery(recovery.read_recovery(written.args[0]))
    assert [x.name for x in copy.layers_with_role("roads")] == [
        f"National roads ({road_file.name})"
    ]


def test_grouped_import_at_the_saved_state_undoes_back_to_clean(
    make_main_window, small_project, road_file, tmp_path, questions
):
    window = make_main_window(small_project)
    assert window._save_to(tmp_path / "work.gpkg")
    window.import_roads(road_file)
    assert window.isWindowModified()
    window.undo_action.trigger()
    assert not window.isWindowModified()
    assert window.autosaver.autosave_now() is None  # nothing unsaved
    assert window.close()
    assert questions == []


def test_grouped_edits_obey_the_history_limit_in_the_panel(
    make_main_window, small_project, road_file, tmp_path
):
    # a short history, as after 500 edits
    project = Project(list(small_project.layers), undo_limit=2)
    window = make_main_window(project)
    assert window._save_to(tmp_path / "work.gpkg")
    for _ in range(3):
        window.import_roads(road_file)
    history = window.history_panel.list
    assert history.count() == 1 + 2  # start row + the two newest imports
    history.itemClicked.emit(history.item(0))  # back as far as the history goes
    assert window.isWindowModified()  # the saved state fell off the history


def test_corridor_analysis_after_save_and_undo_is_unsaved_work(
    make_main_window, monkeypatch
):
    from sahelgis import paths
    from sahelgis.io.project_file import load_project
    from sahelgis.ui.analysis_dialogs import FormDialog

    def fill_and_accept(dialog):
        dialog.fields["road"].setCurrentText("RN4")
        dialog.fields["within"].setText("10 km")
        return True

    monkeypatch.setattr(FormDialog, "exec", fill_and_accept)
    project = load_project(paths.demo_project())
    window = make_main_window(project)
    shown = next(layer for layer in project.layers if layer.visible)
    project.set_visible(shown.id, False)
    project.mark_saved()  # as after File > Save
    window.undo_action.trigger()
    assert project.undo_stack.can_redo
    window.run_analysis(window.analysis.corridor_dialog)
    assert project.undo_stack.undo_text().startswith("Road corridor")
    assert not project.undo_stack.is_clean  # the group moved off the saved mark
    assert window.isWindowModified()
