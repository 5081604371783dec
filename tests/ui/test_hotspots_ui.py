"""Emerging hot spots from the Analysis menu (issue 21): the dialog built
from the declarations, the categorised layer with its one-line legend labels,
the result table as the command line gives it."""

from __future__ import annotations

import pytest

from sahelgis import paths
from sahelgis.analysis.hotspots import category_colors
from sahelgis.io.project_file import load_project
from tests.ui.test_change_ui import _answer, _menu_action


@pytest.fixture
def demo_window(make_main_window):
    return make_main_window(load_project(paths.demo_project()))


def test_hotspots_from_the_analysis_menu(demo_window, monkeypatch, qtbot):
    _answer(monkeypatch, size="10 km", step="month")
    _menu_action(demo_window, "Emerging hot spots…").trigger()
    qtbot.waitUntil(
        lambda: demo_window.project.layers[0].name.startswith("Emerging hot spots")
    )
    layer = demo_window.project.layers[0]
    assert layer.name == "Emerging hot spots (10 km hexagons, monthly steps)"
    assert layer.style.category_field == "legend"
    assert set(layer.data["legend"]) <= set(category_colors())
    table = demo_window.result_panel.model.frame
    assert list(table.columns[:3]) == ["hex_id", "category", "trend_tau"]
    title = demo_window.result_panel.title.text()
    assert "10 km hexagons, monthly 2018-01…2024-06" in title
    # as `sahelgis hotspots data/demo_southern_mali.gpkg --size 10km` gives
    assert len(table) == 856
    assert "89 consecutive hot spots, 13 new hot spots, 2 sporadic" in title


def test_choosing_a_row_charts_that_hexagons_monthly_events(
    demo_window, monkeypatch, qtbot
):
    import numpy as np
    import pyqtgraph as pg

    _answer(monkeypatch, size="10 km", step="month")
    _menu_action(demo_window, "Emerging hot spots…").trigger()
    qtbot.waitUntil(
        lambda: demo_window.project.layers[0].name.startswith("Emerging hot spots")
    )
    panel = demo_window.result_panel

    def bars():
        items = [
            i for i in panel.chart.getPlotItem().items if isinstance(i, pg.BarGraphItem)
        ]
        return items[0].opts["height"]

    series = panel.model.frame.attrs["row_series"]
    assert len(bars()) == 78
    np.testing.assert_array_equal(bars(), series.sum(axis=1).to_numpy())  # all
    panel.table.selectRow(2)
    hex_id = panel.model.frame["hex_id"].iloc[2]
    np.testing.assert_array_equal(bars(), series[hex_id].to_numpy())
    assert bars().sum() == panel.model.frame["events"].iloc[2]
