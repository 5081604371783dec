"""The right-hand panels at a laptop's window size: a result's table shows
several rows without a horizontal scroll bar, and a click on events brings the
Identify tab forward over the result."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt

from sahelgis import paths
from sahelgis.io.project_file import load_project
from sahelgis.model.layers import EventLayer
from sahelgis.ui.analysis_dialogs import FormDialog
from tests.ui.test_main_window import widget_point_xy, zoom_to_lonlat


@pytest.fixture
def laptop(make_main_window, monkeypatch, qtbot):
    """The demo at 1366×768 with the RN4 corridor's result showing."""
    window = make_main_window(load_project(paths.demo_project()), size=(1366, 768))

    def pick_rn4(dialog):
        dialog.fields["road"].setCurrentText("RN4")
        return True

    monkeypatch.setattr(FormDialog, "exec", pick_rn4)
    window.run_analysis(lambda: window.analysis.analysis_dialog("corridor"))
    qtbot.waitUntil(lambda: window.result_panel.table_deficit() == 0, timeout=2000)
    return window


def test_the_result_table_shows_rows_not_a_scroll_bar(laptop):
    table = laptop.result_panel.table
    rows = table.viewport().height() / table.rowHeight(0)
    assert rows >= 4, rows
    assert not table.horizontalScrollBar().isVisible()
    assert not table.verticalHeader().isVisible()  # no 0, 1, 2 … row numbers


def test_clicking_events_brings_identify_forward(laptop, qtbot):
    assert laptop.identify_dock.visibleRegion().isEmpty()  # behind the result
    events = next(
        layer for layer in laptop.project.layers if isinstance(layer, EventLayer)
    )
    frame = events.events.frame
    lon, lat = frame["longitude"].iloc[0], frame["latitude"].iloc[0]
    zoom_to_lonlat(laptop, qtbot, (lon - 0.3, lat - 0.3, lon + 0.3, lat + 0.3))
    px, py = widget_point_xy(laptop.canvas, lon, lat)
    with qtbot.waitSignal(laptop.canvas.sig_events_identified):
        qtbot.mouseClick(
            laptop.canvas.viewport(),
            Qt.MouseButton.LeftButton,
            pos=QPoint(round(px), round(py)),
        )
    qtbot.waitUntil(lambda: not laptop.identify_dock.visibleRegion().isEmpty())
    assert laptop.result_dock.visibleRegion().isEmpty()


def test_the_time_label_never_covers_the_synthetic_banner(laptop, qtbot):
    canvas = laptop.canvas
    banner, label = canvas.synthetic_label, canvas.window_label
    assert banner.isVisible()
    assert label.isVisible()
    assert not banner.geometry().intersects(label.geometry())
    laptop.resize(900, 700)  # narrower still: the label moves below the banner
    qtbot.waitUntil(lambda: canvas.width() < 600)
    assert not banner.geometry().intersects(label.geometry())


def test_layer_names_and_caveats_are_never_cut(laptop):
    tree = laptop.layer_panel.tree
    width = tree.header().sectionSize(0)
    metrics = tree.fontMetrics()
    items = []
    for i in range(tree.topLevelItemCount()):
        top = tree.topLevelItem(i)
        items.append(top)
        items.extend(top.child(j) for j in range(top.childCount()))
    shown = [item for item in items if not tree.visualItemRect(item).isEmpty()]
    assert len(shown) > 20
    for item in shown:
        text_end = tree.visualItemRect(item).left() + metrics.horizontalAdvance(
            item.text(0)
        )
        assert text_end <= width, item.text(0)


def test_no_stray_tab_bar_is_drawn(laptop):
    from PySide6.QtWidgets import QTabBar

    inside = [
        tuple(bar.tabText(i) for i in range(bar.count()))
        for bar in laptop.findChildren(QTabBar)
        if bar.isVisible() and laptop.rect().intersects(bar.geometry())
    ]
    assert len(inside) == len(set(inside)), inside
    status = laptop.statusBar().geometry()
    for bar in laptop.findChildren(QTabBar):
        if bar.isVisible():
            assert not bar.geometry().intersects(status), bar.geometry()


def test_a_restored_layout_draws_no_stray_tab_bar(qtbot):
    from PySide6.QtWidgets import QTabBar

    from sahelgis.ui.main_window import MainWindow

    def open_window():
        window = MainWindow(load_project(paths.demo_project()), remember_layout=True)
        qtbot.addWidget(window, before_close_func=lambda w: w.project.mark_saved())
        window.resize(1366, 768)
        window.show()
        qtbot.waitExposed(window)
        return window

    first = open_window()
    first.project.mark_saved()
    first.close()  # saves its layout
    second = open_window()
    drawn = [
        tuple(bar.tabText(i) for i in range(bar.count()))
        for bar in second.findChildren(QTabBar)
        if bar.isVisible() and second.rect().intersects(bar.geometry())
    ]
    assert sorted(drawn) == [
        ("Identify", "Analysis result", "Trend"),
        ("Layers", "Filters", "Undo history"),
    ]
    second.project.mark_saved()
