"""README's "First steps", replayed on the real main window with keys and
clicks: the demo as it opens, Space, the Filters panel, B and a click on Nara,
Analysis > Road corridor… and File > Export figure…

Modal dialogs are answered the way a user does: a timer finds the dialog once
it is open and clicks its OK button.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QDialogButtonBox, QMenu

from sahelgis import paths
from sahelgis.io.project_file import load_project
from tests.ui.test_main_window import widget_point_xy

README = Path(__file__).resolve().parents[2] / "README.md"
NARA = (-7.28571, 15.16846)


def test_readme_first_steps_are_the_ones_replayed_here():
    text = " ".join(README.read_text(encoding="utf-8").split())
    steps = text.split("First steps", 1)[1].split("## ", 1)[0]
    for words in (
        "press Space to play",
        "untick event types in *Filters*",
        "press `B` and click Nara for a 50 km buffer",
        "*Analysis > Road corridor…* for the RN4",
        "*File > Export figure…* for a slide",
    ):
        assert words in steps, words


@pytest.fixture
def demo(make_main_window, qtbot):
    """The demo project as `sahelgis` opens it, active and focused."""
    window = make_main_window(load_project(paths.demo_project()))
    window.activateWindow()
    qtbot.waitActive(window)
    window.canvas.setFocus()
    return window


def answer_next_dialog(qtbot, check=None):
    """Click OK on the next modal dialog once it is shown (``check`` first)."""
    seen = {}

    def click_ok():
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QDialog):
            QTimer.singleShot(20, click_ok)
            return
        seen["dialog"] = dialog
        if check is not None:
            check(dialog)
        box = dialog.findChild(QDialogButtonBox)
        ok = box.button(QDialogButtonBox.StandardButton.Ok)
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, click_ok)
    return seen


def menu_action(window, menu_title, text):
    """The action a user picks from a menu of the menu bar, by its text."""
    for top in window.menuBar().actions():
        if top.text().replace("&", "") == menu_title:
            menu = top.menu()
            assert isinstance(menu, QMenu)
            for action in menu.actions():
                if action.text().replace("&", "") == text:
                    return action
    raise AssertionError(f"no {menu_title} > {text}")


def test_space_plays_from_the_opening_screen(demo, qtbot):
    tw = demo.project.time_window
    assert tw.at_end()  # the demo opens on the whole span
    opening = demo.canvas.shown_event_count()
    ends = []
    tw.changed.connect(lambda start, end: ends.append(end))
    qtbot.keyClick(demo.canvas, Qt.Key.Key_Space)
    assert demo.time_controls.playing
    # play starts again at the first step, then moves on step by step
    qtbot.waitUntil(lambda: len(ends) >= 2, timeout=3000)
    assert ends[0] < ends[1]
    assert demo.canvas.shown_event_count() < opening
    qtbot.keyClick(demo.canvas, Qt.Key.Key_Space)
    assert not demo.time_controls.playing


def test_unticking_an_event_type_in_filters_hides_its_events(demo, qtbot):
    types = demo.filter_panel.types
    shown = demo.canvas.shown_event_count()
    item = types.topLevelItem(0)
    rect = types.visualItemRect(item)
    # the check box sits at the left of the row
    box = QPoint(rect.left() + 10, rect.center().y())
    demo.filter_panel.show()
    qtbot.mouseClick(types.viewport(), Qt.MouseButton.LeftButton, pos=box)
    assert item.checkState(0) == Qt.CheckState.Unchecked
    qtbot.waitUntil(lambda: demo.canvas.shown_event_count() < shown, timeout=2000)


def test_b_and_a_click_on_nara_make_a_50_km_buffer(demo, qtbot):
    qtbot.keyClick(demo.canvas, Qt.Key.Key_B)
    px, py = widget_point_xy(demo.canvas, *NARA)
    answer_next_dialog(qtbot)
    before = len(demo.project.layers)
    qtbot.mouseClick(
        demo.canvas.viewport(),
        Qt.MouseButton.LeftButton,
        pos=QPoint(round(px), round(py)),
    )
    qtbot.waitUntil(lambda: len(demo.project.layers) > before, timeout=3000)
    assert demo.project.layers[0].name == "Nara — 50 km"
    assert re.search(r"Nara: \d+ events within 50 km", demo.result_panel.title.text())


def test_analysis_road_corridor_for_the_rn4(demo, qtbot):
    def pick_rn4(dialog):
        dialog.fields["road"].setCurrentText("RN4")

    answer_next_dialog(qtbot, pick_rn4)
    menu_action(demo, "Analysis", "Road corridor…").trigger()
    qtbot.waitUntil(
        lambda: "RN4" in demo.result_panel.title.text(), timeout=3000
    )
    assert any("RN4" in layer.name for layer in demo.project.layers)


def test_file_export_figure_opens_the_composer_on_the_map(demo, qtbot):
    from sahelgis.ui.figure_composer import FigureComposer

    opened = {}

    def close(dialog):
        opened["composer"] = isinstance(dialog, FigureComposer)

    def look_and_close():
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QDialog):
            QTimer.singleShot(20, look_and_close)
            return
        close(dialog)
        dialog.reject()

    QTimer.singleShot(0, look_and_close)
    menu_action(demo, "File", "Export figure…").trigger()
    assert opened == {"composer": True}
