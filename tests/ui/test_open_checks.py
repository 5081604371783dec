"""Opening a damaged project in the GUI: what was reset is shown once, as plain
text; a project that fails to open is not the one the next start opens.
"""

from __future__ import annotations

import json
import random

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from sahelgis.ui import settings as app_settings
from sahelgis.ui.plain_text import MessageBox
from tests.hardening.hostile.projects import (
    isolated_gui,
    read_raw_state,
    small_project,
    write_raw_state,
)


@pytest.fixture
def damaged(tmp_path):
    path = small_project(tmp_path, random.Random(4))
    state = read_raw_state(path)
    state["layers"][0]["style"]["size"] = float("nan")
    state["layers"][1]["name"] = "<img src=/dev/zero>" + "x" * 2_000
    write_raw_state(path, json.dumps(state))
    return path


@pytest.fixture
def refused(tmp_path):
    path = small_project(tmp_path, random.Random(5))
    state = read_raw_state(path)
    state["layers"][0]["kind"] = "script"
    write_raw_state(path, json.dumps(state))
    return path


def _load_warnings_box():
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, QMessageBox) and widget.objectName() == "load_warnings":
            return widget
    return None


def test_open_shows_what_was_reset_once_as_plain_text(make_main_window, qtbot, damaged):
    window = make_main_window()
    window.open_project(damaged)
    qtbot.waitUntil(lambda: _load_warnings_box() is not None, timeout=5000)
    box = _load_warnings_box()
    assert box.textFormat() == Qt.TextFormat.PlainText
    text = box.text()
    assert "P.gpkg: layers[0].style.size: nan" in text
    assert "P.gpkg: layers[1].name:" in text
    assert window.project.path == damaged
    assert window.project.layers[0].style.size == 4.0
    assert app_settings.last_project() == damaged
    box.close()


def test_a_project_that_fails_to_open_is_forgotten(
    make_main_window, qtbot, refused, monkeypatch
):
    shown = []
    monkeypatch.setattr(
        MessageBox, "warning", lambda parent, title, text, *a: shown.append(text)
    )
    app_settings.remember_project(refused)
    window = make_main_window()
    window.open_project(refused)
    qtbot.waitUntil(lambda: bool(shown), timeout=5000)
    assert shown[0].startswith("P.gpkg: ")
    assert "layers[0].kind" in shown[0]
    assert app_settings.last_project() is None


def test_start_forgets_the_last_project_until_it_has_shown(
    qtbot, tmp_path, monkeypatch
):
    from sahelgis import app as start
    from sahelgis.__main__ import main

    path = small_project(tmp_path, random.Random(6))
    monkeypatch.setattr(start, "REMEMBER_AFTER_MS", 50)
    with isolated_gui(tmp_path / "gui"):
        app_settings.remember_project(path)
        assert main([]) == 0  # the event loop is not run here
        assert app_settings.last_project() is None  # a crash now: not reopened
        qtbot.waitUntil(lambda: app_settings.last_project() == path, timeout=3000)
