"""GUI fixtures: isolated settings and a main-window factory that cleans up."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings


@pytest.fixture(autouse=True)
def _fresh_settings(tmp_path, qapp, monkeypatch):
    """Never read or write the developer's real QSettings or recovery files."""
    monkeypatch.setattr(
        "sahelgis.ui.autosave.recovery_base", lambda: tmp_path / "appdata"
    )
    monkeypatch.setenv("SAHELGIS_TILE_CACHE", str(tmp_path / "tiles"))
    qapp.setOrganizationName("SahelGIS-tests")
    qapp.setApplicationName("SahelGIS-tests")
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(tmp_path / "settings"))


@pytest.fixture
def demo_like_project(tiny_table):
    from sahelgis.model.layer_factory import event_layer
    from sahelgis.ui.project_files import new_project

    project = new_project()
    project.add_layer(event_layer(tiny_table, "tiny.csv"))
    project.undo_stack.clear()  # as if opened from a file
    project.mark_saved()
    return project


@pytest.fixture
def make_main_window(qtbot):
    from sahelgis.ui.main_window import MainWindow

    windows = []

    def factory(project=None, size=(1200, 800)):
        window = MainWindow(project)
        # no "unsaved changes" question when pytest-qt closes the window
        qtbot.addWidget(window, before_close_func=lambda w: w.project.mark_saved())
        window.resize(*size)
        window.show()
        qtbot.waitExposed(window)
        windows.append(window)
        return window

    yield factory
    for window in windows:
        window.runner.wait(5000)
        window.project.mark_saved()  # no "unsaved changes" question at teardown
        window.close()
