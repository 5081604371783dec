"""The result panel's "Save table as CSV" escapes spreadsheet formulas."""

import csv

import pandas as pd
from PySide6.QtCore import Qt

from sahelgis.ui.panels import result_panel
from sahelgis.ui.panels.result_panel import ResultPanel


def test_saved_table_escapes_formula_cells(qtbot, tmp_path, monkeypatch):
    panel = ResultPanel()
    qtbot.addWidget(panel)
    table = pd.DataFrame(
        {'=HYPERLINK("http://x","y")': [1, 2], "@SUM(A1)": [-3, 4]},
        index=pd.Index(["-2+3", "2024"], name="year"),
    )
    panel.show_result("Events per year", table)
    target = tmp_path / "result.csv"
    monkeypatch.setattr(
        result_panel.QFileDialog,
        "getSaveFileName",
        staticmethod(lambda *args, **kw: (str(target), "CSV (*.csv)")),
    )
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    with target.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows == [
        ["year", '\'=HYPERLINK("http://x","y")', "'@SUM(A1)"],
        ["'-2+3", "1", "-3"],
        ["2024", "2", "4"],
    ]


def test_saved_table_is_the_analysis_numbers_not_the_reading_aid(
    qtbot, tmp_path, monkeypatch
):
    panel = ResultPanel()
    qtbot.addWidget(panel)
    numbers = pd.DataFrame(
        {"area": ["Nara", "Kati"], "count_a": [66, 0], "ratio": [6.39, None]}
    )
    shown = pd.DataFrame(
        {"area": ["Nara", "Kati"], "count_a": [66, 0], "ratio": ["6.39×", "new"]}
    )
    panel.show_result("Compare", shown, data=numbers)
    assert panel.model.frame["ratio"].tolist() == ["6.39×", "new"]
    target = tmp_path / "result.csv"
    monkeypatch.setattr(
        result_panel.QFileDialog,
        "getSaveFileName",
        staticmethod(lambda *args, **kw: (str(target), "CSV (*.csv)")),
    )
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    with target.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    # no 0..n row numbers, and the ratio as a number (empty where undefined)
    assert rows == [
        ["area", "count_a", "ratio"],
        ["Nara", "66", "6.39"],
        ["Kati", "0", ""],
    ]
