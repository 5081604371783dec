"""Compare periods and alerts from the Analysis menu (issue 21): the menu
entry opens the dialog built from the declarations, the result table shows."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMenu

from sahelgis import paths
from sahelgis.io.project_file import load_project
from sahelgis.ui.analysis_dialogs import FormDialog


@pytest.fixture
def demo_window(make_main_window):
    return make_main_window(load_project(paths.demo_project()))


def _answer(monkeypatch, **values):
    def fake_exec(dialog):
        for key, value in values.items():
            widget = dialog.fields[key]
            if hasattr(widget, "setCurrentText"):
                widget.setCurrentText(value)
            elif hasattr(widget, "setValue"):
                widget.setValue(value)
            else:
                widget.setText(value)
        return True

    monkeypatch.setattr(FormDialog, "exec", fake_exec)


def _menu_action(window, text):
    for action in window.menuBar().actions():
        if action.text().replace("&", "") == "Analysis":
            menu = action.menu()
            assert isinstance(menu, QMenu)
            for item in menu.actions():
                if item.text() == text:
                    return item
    raise AssertionError(f"no Analysis > {text}")


def test_compare_periods_from_the_analysis_menu(demo_window, monkeypatch, qtbot):
    # the time window shows one year: compare still counts both periods
    _answer(monkeypatch, areas="cercle", a_from="2021-01-01", a_to="2021-12-31",
            b_from="2023-01-01", b_to="2023-12-31")  # fmt: skip
    before = len(demo_window.project.layers)
    _menu_action(demo_window, "Compare periods…").trigger()
    qtbot.waitUntil(lambda: len(demo_window.project.layers) == before + 1)
    layer = demo_window.project.layers[0]
    assert (
        layer.name
        == "Change per cercle (2021-01-01–2021-12-31 vs 2023-01-01–2023-12-31)"
    )
    assert layer.style.category_field == "class_label"
    table = demo_window.result_panel.model.frame
    assert list(table.columns[:4]) == ["name_fr", "count_a", "count_b", "change"]
    assert (table["change"] == table["count_b"] - table["count_a"]).all()
    assert int(table["count_a"].sum()) == 292  # as `sahelgis compare` gives
    assert int(table["count_b"].sum()) == 1067
    title = demo_window.result_panel.title.text()
    assert "292 → 1,067 events (+265%), 2021-01-01–2021-12-31 vs" in title
    assert "every date (its own periods)" in title


def test_alerts_from_the_analysis_menu(demo_window, monkeypatch, qtbot):
    _answer(monkeypatch, areas="region", preset="acled_surge")
    _menu_action(demo_window, "Surge and threat alerts…").trigger()
    qtbot.waitUntil(
        lambda: demo_window.project.layers[0].name.startswith("Alerts per region")
    )
    table = demo_window.result_panel.model.frame
    assert len(table) == 78  # as `sahelgis alerts --areas region` gives
    assert "acled_surge alerts in 4 regions" in demo_window.result_panel.title.text()


def test_alerts_are_marked_on_the_timeline(demo_window, monkeypatch, qtbot):
    _answer(monkeypatch, areas="region", preset="acled_threat")
    _menu_action(demo_window, "Surge and threat alerts…").trigger()
    qtbot.waitUntil(lambda: demo_window.chart_panel.marks.item is not None)
    table = demo_window.result_panel.model.frame
    marks = demo_window.chart_panel.marks.item
    assert len(marks.data) == table["window_end"].nunique() > 0
    first = table.iloc[0]
    hover = demo_window.chart_panel.hover_text(first["window_end"])
    assert f"alerts: {first['adm1_name']} ({first['count']})" in hover
    assert "▼</span>&nbsp;alerts" in demo_window.chart_panel.legend.text()
    demo_window.project.undo_stack.undo()  # the layer goes, and its marks
    assert demo_window.chart_panel.marks.item is None
