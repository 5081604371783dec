from PySide6.QtCore import QPoint, Qt

from sahelgis.analysis.buffers import buffer_counts
from sahelgis.model.event_query import shown_rows
from sahelgis.ui.analysis_dialogs import BufferDialog
from sahelgis.ui.canvas.tools import TOOL_BUFFER
from tests.ui.test_main_window import widget_point_xy, zoom_to_lonlat

NARA = (-7.28571, 15.16846)


def test_buffer_gesture_on_nara_adds_layer_and_table(
    make_main_window, demo_like_project, qtbot, monkeypatch
):
    def fake_exec(dialog):
        dialog.radius.setValue(50)
        dialog.unit.setCurrentText("km")
        return True

    monkeypatch.setattr(BufferDialog, "exec", fake_exec)
    window = make_main_window(demo_like_project)
    zoom_to_lonlat(window, qtbot, (-8.6, 13.8, -6.4, 15.6))
    window.set_tool(TOOL_BUFFER)
    # click a few pixels off the town: the centre snaps to Nara
    px, py = widget_point_xy(window.canvas, NARA[0] + 0.01, NARA[1] + 0.01)
    qtbot.mouseClick(
        window.canvas.viewport(),
        Qt.MouseButton.LeftButton,
        pos=QPoint(round(px), round(py)),
    )
    layer = demo_like_project.layers[0]
    assert layer.name == "Nara — 50 km"
    assert layer.analysis["kind"] == "buffer"
    places = demo_like_project.layers_with_role("places")[0].data
    nara = places[places["name"] == "Nara"].geometry.iloc[0]
    centre = layer.analysis["centres"][0]
    assert (centre["lon"], centre["lat"]) == (nara.x, nara.y)
    events = demo_like_project.event_layers()[0]
    rows = shown_rows(
        events, demo_like_project.time_window, demo_like_project.event_filter
    )
    expected = buffer_counts(events.events, nara.x, nara.y, 50_000, rows=rows).total
    assert expected == 7
    table = window.result_panel.model.frame
    numeric = table.select_dtypes("number")
    assert int(numeric.to_numpy().sum()) == expected
    assert "Nara: 7 events within 50 km" in window.result_panel.title.text()
    # Nara is a cercle capital: the panel warns about region-level events
    assert "capital" in window.result_panel.warning.text()
    # the result follows the time window live
    demo_like_project.time_window.set_window("2018-01-01", "2020-12-31")
    qtbot.waitUntil(
        lambda: "Nara: 3 events" in window.result_panel.title.text(), timeout=3000
    )
    # creating the result is undoable
    demo_like_project.undo_stack.undo()
    assert layer not in demo_like_project.layers
