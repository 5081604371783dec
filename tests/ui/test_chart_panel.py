"""Chart panel: counts match a plain groupby, band and clicks drive the window."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pyqtgraph as pg
import pytest
import shapely
import shiboken6
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtWidgets import QWidget

from sahelgis.model.acled_schema import EVENT_TYPE_COLORS
from sahelgis.model.event_query import StepCounts
from sahelgis.model.filters import EventFilter
from sahelgis.model.project import Project
from sahelgis.model.selection import Selection
from sahelgis.ui.panels.chart_panel import (
    FATALITIES_COLOR,
    ChartPanel,
    day_seconds,
    seconds_day,
)

NARA_BOX = shapely.box(-7.4, 15.0, -7.2, 15.3)


@pytest.fixture
def panel(qtbot, demo_like_project):
    widget = ChartPanel(demo_like_project)
    qtbot.addWidget(widget)
    widget.resize(420, 520)
    return widget


def event_layer_id(project: Project) -> str:
    return project.event_layers()[0].id


def bar_table(panel: ChartPanel) -> pd.DataFrame:
    """(period start, type) -> (y0, height) read back from the bar items."""
    rows = []
    for name, item in panel.bar_items.items():
        for x0, y0, height in zip(
            item.opts["x0"], item.opts["y0"], item.opts["height"], strict=True
        ):
            rows.append(
                (str(seconds_day(x0).astype("datetime64[M]")), name, y0, height)
            )
    return pd.DataFrame(rows, columns=["month", "type", "y0", "height"])


def expected_by_month(frame: pd.DataFrame) -> pd.Series:
    month = frame["event_date"].dt.strftime("%Y-%m")
    return frame.groupby([month, "event_type"]).size().rename_axis(["month", "type"])


def test_bars_equal_plain_groupby(panel, tiny_frame):
    table = bar_table(panel)
    drawn = table.set_index(["month", "type"])["height"].astype(int)
    expected = expected_by_month(tiny_frame)
    pd.testing.assert_series_equal(
        drawn.sort_index(), expected.sort_index(), check_names=False
    )
    # stacked: each segment starts on top of the types drawn below it
    order = list(panel.bar_items)
    for month, group in table.groupby("month"):
        group = group.assign(rank=group["type"].map(order.index)).sort_values("rank")
        tops = np.cumsum(group["height"].to_numpy())
        np.testing.assert_array_equal(group["y0"].to_numpy()[1:], tops[:-1], month)
    assert panel.counts is not None
    assert panel.counts.totals.sum() == len(tiny_frame)
    # colours are the map legend's
    for name, item in panel.bar_items.items():
        assert item.opts["brush"] == EVENT_TYPE_COLORS[name]
        assert name in panel.legend.text()
    month = tiny_frame["event_date"].dt.strftime("%Y-%m")
    fatalities = tiny_frame.groupby(month)["fatalities"].sum()
    item = panel.fatality_item
    assert item.opts["brush"] == FATALITIES_COLOR
    drawn_fat = {
        str(seconds_day(x0).astype("datetime64[M]")): h
        for x0, h in zip(item.opts["x0"], item.opts["height"], strict=True)
    }
    assert drawn_fat == fatalities[fatalities > 0].to_dict()
    assert panel.title.text() == "Events per month — all events"
    assert not panel.empty_label.isVisible()


def test_filter_restricts_to_battles(panel, demo_like_project, tiny_frame):
    demo_like_project.set_filter(EventFilter(event_types=frozenset({"Battles"})))
    assert list(panel.bar_items) == ["Battles"]
    battles = tiny_frame[tiny_frame["event_type"] == "Battles"]
    assert panel.counts.totals.sum() == len(battles)
    assert panel.bar_items["Battles"].opts["height"].sum() == len(battles)
    assert panel.title.text() == "Events per month — types: Battles"


def test_selection_restricts_and_clears(panel, demo_like_project, tiny_frame):
    demo_like_project.set_selection(Selection(NARA_BOX, "Cercle: Nara"))
    assert panel.counts.totals.sum() == 7
    nara = tiny_frame[tiny_frame["location"] == "Nara"]
    assert sum(i.opts["height"].sum() for i in panel.bar_items.values()) == len(nara)
    assert "Cercle: Nara" in panel.title.text()
    demo_like_project.set_selection(None)
    assert panel.counts.totals.sum() == 21
    assert "Nara" not in panel.title.text()


def test_model_window_moves_band_without_rebuilding(panel, demo_like_project):
    items = dict(panel.bar_items)
    counts = panel.counts
    window = demo_like_project.time_window
    window.set_window(np.datetime64("2020-01-01"), np.datetime64("2021-06-30"))
    expected = (
        day_seconds(np.datetime64("2020-01-01")),
        day_seconds(np.datetime64("2021-07-01")),
    )
    for band in panel.bands:
        assert band.getRegion() == pytest.approx(expected)
    assert panel.counts is counts
    assert all(panel.bar_items[name] is item for name, item in items.items())


def test_dragging_band_sets_snapped_window(panel, demo_like_project):
    window = demo_like_project.time_window
    assert window.mode == "cumulative"
    top, bottom = panel.bands
    start, _ = top.getRegion()
    # drag the end to 3 Jun 2021: snaps to the nearest month boundary (1 Jun)
    top.setRegion((start, day_seconds(np.datetime64("2021-06-03"))))
    top.sigRegionChangeFinished.emit(top)
    assert window.window() == (np.datetime64("2018-01-01"), np.datetime64("2021-05-31"))
    snapped = (day_seconds(np.datetime64("2018-01-01")), day_seconds("2021-06-01"))
    assert top.getRegion() == pytest.approx(snapped)
    assert bottom.getRegion() == pytest.approx(snapped)


def test_dragging_band_in_rolling_mode_keeps_length(panel, demo_like_project):
    window = demo_like_project.time_window
    window.set_mode("rolling")
    window.set_option("length", 6)
    window.set_window(np.datetime64("2020-01-01"), np.datetime64("2020-06-30"))
    band = panel.bands[1]
    shift = 40 * 86_400.0  # about a month and a bit later: snaps to one month
    lo, hi = band.getRegion()
    band.setRegion((lo + shift, hi + shift))
    band.sigRegionChangeFinished.emit(band)
    assert window.window() == (np.datetime64("2020-02-01"), np.datetime64("2020-07-31"))
    # only the start edge moved: the window follows it and keeps 6 months
    lo, hi = band.getRegion()
    band.setRegion((lo - 62 * 86_400.0, hi))
    band.sigRegionChangeFinished.emit(band)
    assert window.window() == (np.datetime64("2019-12-01"), np.datetime64("2020-05-31"))


def test_jump_to_sets_window_end(panel, demo_like_project):
    window = demo_like_project.time_window
    panel.jump_to(np.datetime64("2021-02-14"))
    assert window.window() == (np.datetime64("2018-01-01"), np.datetime64("2021-02-28"))
    window.set_mode("rolling")
    window.set_option("length", 12)
    panel.jump_to("2022-03-11")
    assert window.window() == (np.datetime64("2021-04-01"), np.datetime64("2022-03-31"))


def test_click_on_bar_jumps_there(qtbot, panel, demo_like_project):
    panel.show()
    qtbot.waitExposed(panel)
    plot = panel.top_plot
    vb = plot.getPlotItem().getViewBox()
    x = day_seconds(np.datetime64("2019-02-15"))
    scene = vb.mapViewToScene(QPointF(x, 0.5))
    pos = plot.mapFromScene(scene)
    qtbot.mouseClick(plot.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(pos))
    assert demo_like_project.time_window.window() == (
        np.datetime64("2018-01-01"),
        np.datetime64("2019-02-28"),
    )


def test_hover_text_lists_exact_counts(panel, tiny_frame):
    assert panel.hover_text("2019-03-01") == (
        "Mar 2019: 1 event — Battles 1; 1 fatality"
    )
    jan = tiny_frame[tiny_frame["event_date"].dt.strftime("%Y-%m") == "2020-01"]
    (row,) = jan.itertuples()
    assert panel.hover_text(np.datetime64("2020-01-20")) == (
        f"Jan 2020: 1 event — {row.event_type} 1; {row.fatalities} fatalities"
    )
    assert panel.hover_text("2019-05-05") == "May 2019: 0 events; 0 fatalities"
    assert panel.hover_text("2030-01-01") == ""


def test_mouse_over_bar_shows_counts(qtbot, panel):
    panel.show()
    qtbot.waitExposed(panel)
    vb = panel.top_plot.getPlotItem().getViewBox()
    scene_pos = vb.mapViewToScene(QPointF(day_seconds("2019-03-20"), 0.5))
    panel.top_plot.scene().sigMouseMoved.emit(scene_pos)
    assert panel.hover_label.text() == panel.hover_text("2019-03-20")
    panel.top_plot.scene().sigMouseMoved.emit(QPointF(-500, -500))
    assert "Hover a bar" in panel.hover_label.text()


def test_year_step_gives_seven_bars(panel, demo_like_project, tiny_frame):
    demo_like_project.time_window.set_step("year")
    assert len(panel.counts.counts) == 7
    np.testing.assert_array_equal(panel.counts.totals, [3] * 7)
    assert panel.title.text().startswith("Events per year")
    assert panel.hover_text("2020-06-01").startswith("2020: 3 events")


def test_hidden_and_missing_event_layers(qtbot, panel, demo_like_project):
    layer_id = event_layer_id(demo_like_project)
    demo_like_project.set_visible(layer_id, False)
    assert panel.counts is None
    assert panel.bar_items == {}
    assert panel.empty_label.text() == "No visible event layer"
    demo_like_project.set_visible(layer_id, True)
    assert panel.counts.totals.sum() == 21
    demo_like_project.remove_layer(layer_id)
    assert panel.counts is None
    assert panel.empty_label.text() == "No event layer"
    assert panel.hover_text("2020-01-01") == ""
    panel.jump_to("2020-01-01")  # no data: nothing to do, no crash


def test_set_project_follows_new_project(qtbot, demo_like_project):
    empty = Project()
    widget = ChartPanel(empty)
    qtbot.addWidget(widget)
    assert widget.counts is None
    assert not widget.empty_label.isHidden()
    widget.set_project(demo_like_project)
    assert widget.counts.totals.sum() == 21
    assert widget.empty_label.isHidden()
    widget.set_project(empty)
    # the old project no longer drives the panel
    demo_like_project.time_window.set_step("year")
    assert widget.counts is None
    assert widget.title.text() == "Events per month — all events"


def test_live_drag_of_start_edge_follows_start(panel, demo_like_project):
    window = demo_like_project.time_window
    window.set_mode("rolling")
    window.set_option("length", 6)
    window.set_window(np.datetime64("2020-01-01"), np.datetime64("2020-06-30"))
    top, bottom = panel.bands
    left = top.lines[0]
    # what a mouse drag of the left edge does: several live moves, then finish
    for day in ("2020-02-10", "2020-03-02", "2020-03-28"):
        left.setValue(day_seconds(np.datetime64(day)))
        assert bottom.getRegion()[0] == pytest.approx(day_seconds(np.datetime64(day)))
    assert window.window() == (np.datetime64("2020-04-01"), np.datetime64("2020-09-30"))
    assert top.getRegion()[1] == pytest.approx(day_seconds("2020-07-01"))  # not yet
    left.sigPositionChangeFinished.emit(left)
    snapped = (day_seconds("2020-04-01"), day_seconds("2020-10-01"))
    assert top.getRegion() == pytest.approx(snapped)
    assert bottom.getRegion() == pytest.approx(snapped)


def test_real_mouse_drag_of_band(qtbot, monkeypatch, panel, demo_like_project):
    # pyqtgraph drops mouse moves closer than 1/rate s; QTest sends them at once
    monkeypatch.setitem(pg.CONFIG_OPTIONS, "mouseRateLimit", 0)
    panel.show()
    qtbot.waitExposed(panel)
    window = demo_like_project.time_window
    window.set_window(np.datetime64("2018-01-01"), np.datetime64("2020-12-31"))
    plot = panel.bottom_plot
    vb = plot.getPlotItem().getViewBox()

    def widget_pos(day: str) -> QPoint:
        scene = vb.mapViewToScene(QPointF(day_seconds(np.datetime64(day)), 1.0))
        return plot.mapFromScene(scene)

    viewport = plot.viewport()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=widget_pos("2021-01-01"))
    for day in ("2021-03-01", "2021-06-01", "2021-09-10"):
        qtbot.mouseMove(viewport, widget_pos(day))
    qtbot.mouseRelease(
        viewport, Qt.MouseButton.LeftButton, pos=widget_pos("2021-09-10")
    )
    start, end = window.window()
    assert start == np.datetime64("2018-01-01")
    assert end + np.timedelta64(1, "D") == np.datetime64(str(end)[:7], "M") + 1
    assert np.datetime64("2021-07-31") <= end <= np.datetime64("2021-10-31")


def test_building_bars_is_fast(panel):
    periods, types = 400, 6
    bins = np.datetime64("2016-01-05") + 7 * np.arange(periods + 1)
    counts = StepCounts(
        bins.astype("datetime64[D]"),
        tuple(EVENT_TYPE_COLORS),
        np.random.default_rng(7).integers(0, 50, (periods, types)),
        np.arange(periods, dtype=np.int64),
    )
    timings = []
    for _ in range(3):
        start = time.perf_counter()
        panel._draw(counts, "")
        timings.append(time.perf_counter() - start)
    assert min(timings) < 0.020
    assert len(panel.bar_items) == types


def test_deleted_panel_ignores_model_signals(qtbot, demo_like_project):
    parent = QWidget()
    widget = ChartPanel(demo_like_project, parent)
    shiboken6.delete(parent)  # C++ gone, Python wrapper still referenced
    assert not shiboken6.isValid(widget)
    demo_like_project.set_filter(EventFilter(actor="JNIM"))
    demo_like_project.time_window.set_step("year")
    assert len(demo_like_project.filter_changed) == 0


def test_bars_split_by_source_for_acled_and_ged_layers(qtbot, tmp_path, tiny_frame):
    """An ACLED layer and a UCDP GED layer (made-up rows): one bar segment per
    source, equal to a plain groupby of each file."""
    from sahelgis.io.ucdp import read_ucdp
    from sahelgis.model.events import EventTable, optimise_dtypes
    from sahelgis.model.layer_factory import event_layer
    from tests.io.test_ucdp import ged_rows, write_ged

    ged, _ = read_ucdp(write_ged(tmp_path / "ged_test.csv", ged_rows(30)))
    acled = EventTable(optimise_dtypes(tiny_frame.copy()))
    project = Project()
    project.add_layer(event_layer(acled, "tiny.csv"))
    project.add_layer(event_layer(ged, "ged_test.csv"))
    widget = ChartPanel(project)
    qtbot.addWidget(widget)
    assert set(widget.bar_items) <= set(EVENT_TYPE_COLORS)  # by type at first
    widget.split_box.setCurrentIndex(widget.split_box.findData("source"))
    assert widget.split == "source"
    assert set(widget.bar_items) == {"ACLED", "UCDP GED"}
    drawn = bar_table(widget).set_index(["month", "type"])["height"].astype(int)
    expected = pd.concat(
        [
            tiny_frame["event_date"].dt.strftime("%Y-%m").to_frame("month")
            .assign(type="ACLED"),
            ged.frame["event_date"].dt.strftime("%Y-%m").to_frame("month")
            .assign(type="UCDP GED"),
        ]
    ).groupby(["month", "type"]).size()  # fmt: skip
    pd.testing.assert_series_equal(
        drawn.sort_index(), expected.sort_index(), check_names=False
    )
    assert widget.title.text() == "Events per month by source — all events"
    assert "UCDP GED" in widget.legend.text()
    assert "UCDP GED 30" in widget.hover_text("2023-03-15")
    widget.set_split("event_type")
    assert widget.split_box.currentData() == "event_type"
    assert set(widget.bar_items) <= set(EVENT_TYPE_COLORS)
