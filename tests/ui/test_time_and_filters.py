import numpy as np
from PySide6.QtCore import QPoint, QPointF, Qt

from sahelgis.model import crs
from sahelgis.model.filters import EventFilter
from sahelgis.ui.canvas.tools import TOOL_FEATURE, TOOL_RECT


def test_slider_release_moves_window_and_map_count(
    make_main_window, demo_like_project, qtbot
):
    window = make_main_window(demo_like_project)
    canvas, controls = window.canvas, window.time_controls
    assert canvas.shown_event_count() == 21
    first = demo_like_project.time_window.slider_span()[0]
    # drag-release the slider to 2020-01-01 .. 2021-12-31
    low = int((np.datetime64("2020-01-01") - first) / np.timedelta64(1, "D"))
    high = int((np.datetime64("2021-12-31") - first) / np.timedelta64(1, "D"))
    controls.slider.sig_range_released.emit(low, high)
    assert demo_like_project.time_window.label() == "2020 – 2021"
    assert canvas.shown_event_count() == 6
    assert canvas.window_label.text().startswith("2020 – 2021")
    assert controls.start_edit.date().toString("yyyy-MM-dd") == "2020-01-01"


def test_date_edits_write_the_model(make_main_window, demo_like_project):
    window = make_main_window(demo_like_project)
    controls = window.time_controls
    controls.end_edit.setDate(controls.end_edit.date().addYears(-3))
    controls.end_edit.editingFinished.emit()
    assert str(demo_like_project.time_window.end)[:4] == "2021"
    assert window.canvas.shown_event_count() < 21


def test_play_advances_and_stops_at_the_end(make_main_window, demo_like_project, qtbot):
    window = make_main_window(demo_like_project)
    tw = demo_like_project.time_window
    window.time_controls.step_combo.setCurrentText("year")
    window.time_controls.mode_combo.setCurrentText("rolling")
    window.time_controls.length_spin.setValue(1)
    tw.set_window("2018-01-01", "2018-12-31")
    tw.set_option("speed", 30.0)
    assert window.canvas.shown_event_count() == 3
    seen = []
    tw.changed.connect(lambda s, e: seen.append(str(s)[:4]))
    window.play_action.trigger()
    assert window.time_controls.playing
    qtbot.waitUntil(lambda: not window.time_controls.playing, timeout=5000)
    assert seen == ["2019", "2020", "2021", "2022", "2023", "2024"]
    assert window.canvas.shown_event_count() == 3


def test_arrow_actions_step(make_main_window, demo_like_project):
    window = make_main_window(demo_like_project)
    tw = demo_like_project.time_window
    tw.set_step("year")
    tw.set_window("2018-01-01", "2020-12-31")
    window.forward_action.trigger()
    assert str(tw.end) == "2021-12-31"
    window.back_action.trigger()
    window.back_action.trigger()
    assert str(tw.end) == "2019-12-31"


def test_filter_panel_drives_map_and_reflects_model(
    make_main_window, demo_like_project, qtbot
):
    window = make_main_window(demo_like_project)
    panel = window.filter_panel
    battles = panel.types.topLevelItem(0)
    assert battles.text(0) == "Battles"
    # untick every type but Battles
    for i in range(1, panel.types.topLevelItemCount()):
        panel.types.topLevelItem(i).setCheckState(0, Qt.CheckState.Unchecked)
    assert demo_like_project.event_filter.event_types == frozenset({"Battles"})
    assert window.canvas.shown_event_count() == 7
    panel.fatalities.setValue(4)
    assert window.canvas.shown_event_count() == 3
    demo_like_project.set_filter(EventFilter(actor="nobody"))
    assert panel.actor.text() == "nobody"
    assert panel.types.topLevelItem(3).checkState(0) == Qt.CheckState.Checked
    assert window.canvas.shown_event_count() == 0
    panel.actor.setText("JNIM")
    panel._actor_timer.timeout.emit()
    assert window.canvas.shown_event_count() == 21


def drag(qtbot, widget, a: QPointF, b: QPointF, steps=6):
    qtbot.mousePress(widget, Qt.MouseButton.LeftButton, pos=a.toPoint())
    for i in range(1, steps + 1):
        p = a + (b - a) * (i / steps)
        qtbot.mouseMove(widget, p.toPoint())
    qtbot.mouseRelease(widget, Qt.MouseButton.LeftButton, pos=b.toPoint())


def widget_point(canvas, lon, lat) -> QPointF:
    x, y = crs.to_display().transform(lon, lat)
    return QPointF(canvas.mapFromScene(canvas.view_box.mapViewToScene(QPointF(x, y))))


def test_rectangle_selection_is_drawn_and_stored(
    make_main_window, demo_like_project, qtbot
):
    window = make_main_window(demo_like_project)
    window.canvas.set_extent(crs.lonlat_box_to_display((-8.5, 12.0, -6.5, 16.0)))
    window.set_tool(TOOL_RECT)
    drag(
        qtbot,
        window.canvas.viewport(),
        widget_point(window.canvas, -7.6, 14.9),
        widget_point(window.canvas, -7.0, 15.4),
    )
    selection = demo_like_project.selection
    assert selection is not None
    assert selection.label == "Rectangle"
    assert selection.contains(np.array([-7.2857]), np.array([15.1685]))[0]
    assert window.canvas.selection_item is not None
    window.clear_selection()
    assert demo_like_project.selection is None
    assert window.canvas.selection_item is None


def test_pick_a_cercle_selects_it(make_main_window, demo_like_project, qtbot):
    window = make_main_window(demo_like_project)
    window.canvas.set_extent(crs.lonlat_box_to_display((-8.5, 12.0, -6.5, 16.0)))
    window.set_tool(TOOL_FEATURE)
    p = widget_point(window.canvas, -7.2857, 15.1685)  # Nara town
    qtbot.mouseClick(
        window.canvas.viewport(),
        Qt.MouseButton.LeftButton,
        pos=QPoint(round(p.x()), round(p.y())),
    )
    assert demo_like_project.selection.label == "Cercle: Nara"


def test_dragging_only_the_end_handle_keeps_the_start(
    make_main_window, demo_like_project, qtbot
):
    window = make_main_window(demo_like_project)
    tw = demo_like_project.time_window
    start = tw.start
    slider = window.time_controls.slider
    low, high = slider.range()
    y = slider.height() // 2
    grab = QPoint(round(slider._x(high)), y)
    drop = QPoint(round(slider._x((low + high) // 2)), y)
    qtbot.mousePress(slider, Qt.MouseButton.LeftButton, pos=grab)
    qtbot.mouseMove(slider, drop)
    qtbot.mouseRelease(slider, Qt.MouseButton.LeftButton, pos=drop)
    assert tw.start == start
    assert tw.end < demo_like_project.time_window.span[1]
    # the end snaps to the last day of a month (the step)
    assert (tw.end + np.timedelta64(1, "D")).astype("datetime64[M]") != tw.end.astype(
        "datetime64[M]"
    )
