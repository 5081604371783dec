import numpy as np
import pytest
import shapely
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtWidgets import QApplication
from shapely import Point, Polygon

from sahelgis.model import crs
from sahelgis.model import drawings as dr
from sahelgis.model.selection import Selection
from sahelgis.ui.canvas.drawing_tools import (
    TOOL_DRAW_LINE,
    TOOL_DRAW_POINT,
    TOOL_DRAW_POLYGON,
    TOOL_EDIT,
    TOOL_MEASURE,
    DrawingController,
    drawing_layer_items,
)
from sahelgis.ui.canvas.items import LabelsItem, PathsItem, PointsItem
from sahelgis.ui.canvas.map_canvas import MapCanvas

BAMAKO = (-8.0, 12.65)
KATI = (-8.07183, 12.74409)
KATI_GEONAMES = (-8.07257, 12.74409)  # the district capital in the base data
VIEW = (-8.15, 12.6, -7.9, 12.8)  # about 27 km across: ~40 m per pixel


def widget_point(canvas, lon, lat) -> QPoint:
    x, y = crs.to_display().transform(lon, lat)
    p = QPointF(canvas.mapFromScene(canvas.view_box.mapViewToScene(QPointF(x, y))))
    return QPoint(round(p.x()), round(p.y()))


def click(qtbot, canvas, pos, button=Qt.MouseButton.LeftButton):
    qtbot.mouseClick(canvas.viewport(), button, pos=pos)


def drag(qtbot, canvas, a: QPoint, b: QPoint, steps=5):
    viewport = canvas.viewport()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=a)
    for i in range(1, steps + 1):
        qtbot.mouseMove(viewport, a + (b - a) * (i / steps))
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=b)


def display(lon, lat):
    return np.array(crs.to_display().transform(lon, lat))


@pytest.fixture(autouse=True)
def _canvas_draws_drawing_layers(monkeypatch):
    """The one-line MapCanvas change asked of the lead: drawing layers (mixed
    points, lines and polygons, a colour per drawing) are drawn by
    ``drawing_layer_items``. Harmless once the canvas does it itself."""
    original = MapCanvas._vector_items

    def vector_items(self, layer):
        if layer.role == dr.ROLE_DRAWING:
            return drawing_layer_items(layer)
        return original(self, layer)

    monkeypatch.setattr(MapCanvas, "_vector_items", vector_items)


@pytest.fixture
def setup(make_main_window, demo_like_project, qtbot):
    window = make_main_window(demo_like_project)
    canvas = window.canvas
    canvas.set_extent(crs.lonlat_box_to_display(VIEW))
    controller = DrawingController(canvas, window.project)
    controller.snapping = False
    # keys reach window shortcuts only in the active window with the map focused
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    canvas.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is canvas, timeout=2000)
    return window, canvas, controller


def test_draw_polygon_with_clicks_and_undo(setup, qtbot):
    window, canvas, controller = setup
    project = window.project
    controller.set_tool(TOOL_DRAW_POLYGON)
    corners = [(-8.05, 12.65), (-7.95, 12.66), (-8.0, 12.75)]
    for i, corner in enumerate(corners):
        click(qtbot, canvas, widget_point(canvas, *corner))
        if i == 1:  # the live segment has a length label
            qtbot.mouseMove(canvas.viewport(), widget_point(canvas, *corners[2]))
            assert len(controller.segment_label_texts()) >= 2
    assert controller.rubber.isVisible()
    qtbot.keyClick(canvas, Qt.Key.Key_Return)
    layer = project.layer(controller.active_layer_id)
    assert layer.role == dr.ROLE_DRAWING
    assert layer.name == "Drawings"
    assert layer.feature_count == 1
    polygon = layer.data.geometry.iloc[0]
    assert polygon.geom_type == "Polygon"
    pixel = canvas.metres_per_pixel()
    got = np.array(crs.to_display().transform(*dr.vertices(polygon).T)).T
    want = np.array([display(*c) for c in corners])
    assert np.abs(got - want).max() <= pixel
    assert not controller.rubber.isVisible()
    assert project.undo_stack.undo_text() == "Add polygon"
    project.undo_stack.undo()  # what Ctrl+Z does
    assert layer.feature_count == 0


def test_line_finishes_on_double_click_and_point_tool_adds_points(setup, qtbot):
    window, canvas, controller = setup
    controller.set_tool(TOOL_DRAW_LINE)
    click(qtbot, canvas, widget_point(canvas, -8.05, 12.65))
    click(qtbot, canvas, widget_point(canvas, -8.0, 12.7))
    qtbot.mouseDClick(
        canvas.viewport(),
        Qt.MouseButton.LeftButton,
        pos=widget_point(canvas, -7.95, 12.7),
    )
    layer = window.project.layer(controller.active_layer_id)
    line = layer.data.geometry.iloc[-1]
    assert line.geom_type == "LineString"
    assert len(line.coords) == 3
    controller.set_tool(TOOL_DRAW_POINT)
    click(qtbot, canvas, widget_point(canvas, -8.1, 12.7))
    assert list(layer.data.geometry.geom_type) == ["LineString", "Point"]


def test_measure_bamako_to_kati(setup, qtbot):
    window, canvas, controller = setup
    readouts = []
    controller.sig_measure.connect(readouts.append)
    before = window.project.undo_stack.index
    controller.set_tool(TOOL_MEASURE)
    click(qtbot, canvas, widget_point(canvas, *BAMAKO))
    click(qtbot, canvas, widget_point(canvas, *KATI))
    qtbot.keyClick(canvas, Qt.Key.Key_Return)
    _, _, expected = crs.GEOD.inv(*BAMAKO, *KATI)
    assert controller.measured_length_m == pytest.approx(expected, rel=0.005)
    assert readouts[-1].startswith("Length 13.0")
    assert "mi)" in readouts[-1]
    assert controller.segment_label_texts()[0].startswith("13.0")
    assert window.project.undo_stack.index == before  # measuring changes nothing
    # a click on the first vertex closes the measure into an area
    corners = [(-8.1, 12.65), (-8.0, 12.65), (-8.05, 12.74)]
    for corner in [*corners, corners[0]]:
        click(qtbot, canvas, widget_point(canvas, *corner))
    assert len(controller.sketch_display()) == 3
    area = dr.geodesic_area_m2(Polygon(corners))
    assert controller.measured_area_m2 == pytest.approx(area, rel=0.02)
    assert readouts[-1].startswith("Area ")
    assert "km²" in readouts[-1]
    assert len(controller.segment_label_texts()) == 3


def test_snapping_to_a_town_within_tolerance(setup, qtbot):
    window, canvas, controller = setup
    controller.set_tool(TOOL_DRAW_POINT)
    controller.snapping = True
    controller.snap_tolerance_px = 10
    near = widget_point(canvas, *KATI_GEONAMES) + QPoint(5, -4)
    click(qtbot, canvas, near)
    layer = window.project.layer(controller.active_layer_id)
    snapped = layer.data.geometry.iloc[0]
    assert (snapped.x, snapped.y) == pytest.approx(KATI_GEONAMES, abs=1e-9)
    controller.snap_tolerance_px = 3  # now 6.4 px is too far
    click(qtbot, canvas, near)
    free = layer.data.geometry.iloc[1]
    assert free.distance(Point(KATI_GEONAMES)) > 1e-4


def test_escape_cancels_the_sketch_before_window_shortcuts(setup, qtbot):
    window, canvas, controller = setup
    window.project.set_selection(Selection(Polygon([(0, 0), (1, 0), (1, 1)]), "x"))
    before = window.project.undo_stack.index
    controller.set_tool(TOOL_DRAW_POLYGON)
    click(qtbot, canvas, widget_point(canvas, -8.05, 12.65))
    click(qtbot, canvas, widget_point(canvas, -7.95, 12.66))
    qtbot.keyClick(canvas, Qt.Key.Key_Backspace)
    assert len(controller.sketch_display()) == 1
    qtbot.keyClick(canvas, Qt.Key.Key_Escape)
    assert len(controller.sketch_display()) == 0
    assert not controller.rubber.isVisible()
    assert window.project.undo_stack.index == before
    assert window.project.selection is not None  # "Clear selection" did not fire
    qtbot.keyClick(canvas, Qt.Key.Key_Return)  # nothing to finish
    assert controller.active_layer_id is None
    qtbot.keyClick(canvas, Qt.Key.Key_Escape)  # no sketch: the window's Esc acts
    assert window.project.selection is None


def test_edit_drag_moves_a_drawing_and_undo_moves_it_back(setup, qtbot):
    window, canvas, controller = setup
    project = window.project
    layer = dr.add_drawing_layer(project, "Notes")
    fid = dr.add_feature(project, layer.id, Point(-8.02, 12.7), name="Camp")
    original = layer.data
    controller.set_tool(TOOL_EDIT)
    start = widget_point(canvas, -8.02, 12.7)
    before = project.undo_stack.index
    drag(qtbot, canvas, start, start + QPoint(40, 20))
    assert controller.selection == (layer.id, [fid])
    assert project.undo_stack.index == before + 1  # one entry for the whole drag
    moved = dr.feature_geometry(layer, fid)
    shift = display(moved.x, moved.y) - display(-8.02, 12.7)
    pixel = canvas.metres_per_pixel()
    assert shift == pytest.approx([40 * pixel, -20 * pixel], abs=pixel)
    project.undo_stack.undo()
    assert layer.data is original
    # Delete removes the selection; undo brings it back
    qtbot.keyClick(canvas, Qt.Key.Key_Delete)
    assert layer.feature_count == 0
    project.undo_stack.undo()
    assert layer.feature_count == 1


def test_edit_vertices_drag_add_and_remove(setup, qtbot):
    window, canvas, controller = setup
    project = window.project
    layer = dr.add_drawing_layer(project, "Zones")
    corners = [(-8.06, 12.64), (-7.96, 12.64), (-8.01, 12.74)]
    fid = dr.add_feature(project, layer.id, Polygon(corners))
    controller.set_tool(TOOL_EDIT)
    click(qtbot, canvas, widget_point(canvas, -8.01, 12.67))  # inside: select
    assert controller.selection == (layer.id, [fid])
    before = project.undo_stack.index
    a = widget_point(canvas, *corners[0])
    drag(qtbot, canvas, a, a + QPoint(-30, 0))
    assert project.undo_stack.index == before + 1
    first = dr.vertices(dr.feature_geometry(layer, fid))[0]
    pixel = canvas.metres_per_pixel()
    dx = display(*first)[0] - display(*corners[0])[0]
    assert dx == pytest.approx(-30 * pixel, abs=pixel)
    # double-click on the middle of the bottom edge adds a vertex there
    mid = widget_point(canvas, -8.01, 12.64)
    qtbot.mouseDClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=mid)
    coords = dr.vertices(dr.feature_geometry(layer, fid))
    assert len(coords) == 4
    # right-click on a vertex removes it, but a polygon keeps 3
    click(qtbot, canvas, widget_point(canvas, *corners[2]), Qt.MouseButton.RightButton)
    assert len(dr.vertices(dr.feature_geometry(layer, fid))) == 3
    messages = []
    controller.sig_message.connect(messages.append)
    click(qtbot, canvas, widget_point(canvas, *corners[1]), Qt.MouseButton.RightButton)
    assert len(dr.vertices(dr.feature_geometry(layer, fid))) == 3
    assert messages


def test_double_click_edits_attributes(setup, qtbot):
    window, canvas, controller = setup
    project = window.project
    layer = dr.add_drawing_layer(project, "Notes")
    fid = dr.add_feature(project, layer.id, Point(-8.02, 12.7))
    controller.set_tool(TOOL_EDIT)
    qtbot.mouseDClick(
        canvas.viewport(),
        Qt.MouseButton.LeftButton,
        pos=widget_point(canvas, -8.02, 12.7),
    )
    dialog = controller.attributes_dialog
    assert dialog is not None
    assert dialog.isVisible()
    dialog.name_edit.setText("Checkpoint")
    dialog.note_edit.setPlainText("reported 2024-05-03")
    dialog.color_button.set_color("#0072B2")
    dialog.accept()
    assert dr.feature(layer, fid)["name"] == "Checkpoint"
    assert dr.feature(layer, fid)["color"] == "#0072B2"
    assert project.undo_stack.undo_text().startswith("Edit attributes")


def test_inactive_controller_leaves_clicks_to_the_canvas(setup, qtbot):
    _, canvas, controller = setup
    clicked = []
    canvas.sig_map_clicked.connect(lambda x, y: clicked.append((x, y)))
    controller.set_tool(TOOL_DRAW_POINT)
    controller.set_tool(None)
    click(qtbot, canvas, widget_point(canvas, -8.0, 12.7))
    assert controller.active_layer_id is None
    assert clicked


def test_drawing_layer_items_draw_every_kind_with_labels(demo_like_project):
    layer = dr.add_drawing_layer(demo_like_project)
    dr.add_feature(demo_like_project, layer.id, Point(-8.0, 12.7), name="p")
    dr.add_feature(
        demo_like_project,
        layer.id,
        shapely.LineString([(-8, 12.6), (-7.9, 12.7)]),
        color="#0072B2",
    )
    dr.add_feature(
        demo_like_project,
        layer.id,
        Polygon([(-8, 12), (-7.9, 12), (-7.9, 12.1)]),
        name="zone",
    )
    items = drawing_layer_items(layer)
    assert [type(i) for i in items] == [PathsItem, PointsItem, LabelsItem]
    assert items[2].texts == ["p", "zone"]
    assert drawing_layer_items(dr.new_drawing_layer()) == []
