import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor

from sahelgis.model import crs
from sahelgis.model.layers import EventLayer


def widget_pixel(canvas, lon, lat):
    """Where a lon/lat point is drawn in the canvas widget."""
    x, y = crs.to_display().transform(lon, lat)
    scene = canvas.view_box.mapViewToScene(QPointF(x, y))
    point = canvas.mapFromScene(scene)
    return point.x(), point.y()


def widget_point_xy(canvas, lon, lat):
    """Alias of widget_pixel for other test modules."""
    return widget_pixel(canvas, lon, lat)


def colour_near(image, px, py, target, radius=4, tol=40):
    """True if a pixel within ``radius`` has roughly the ``target`` colour."""
    want = QColor(target)
    for dx in range(-radius, radius + 1):
        for dy in range(-radius, radius + 1):
            c = image.pixelColor(int(px) + dx, int(py) + dy)
            if (
                abs(c.red() - want.red())
                + abs(c.green() - want.green())
                + abs(c.blue() - want.blue())
            ) <= tol:
                return True
    return False


def zoom_to_lonlat(window, qtbot, box):
    window.canvas.set_extent(crs.lonlat_box_to_display(box))
    qtbot.wait(10)


def test_window_opens_on_base_layers_with_panels(make_main_window, demo_like_project):
    window = make_main_window(demo_like_project)
    names = [
        window.layer_panel.tree.topLevelItem(i).text(0)
        for i in range(window.layer_panel.tree.topLevelItemCount())
    ]
    assert names == [layer.name for layer in demo_like_project.layers]
    assert any("APPROXIMATE" in name for name in names)
    assert "SahelGIS" in window.windowTitle()
    assert window.scale_label.text().startswith("Scale 1:")


def test_map_has_road_pixels_on_rn4_and_event_pixels_near_nara(
    make_main_window, demo_like_project, qtbot
):
    window = make_main_window(demo_like_project)
    zoom_to_lonlat(window, qtbot, (-8.6, 13.8, -6.4, 15.6))
    image = window.canvas.grab().toImage()
    # midpoint of the drawn RN4 segment Mourdiah -> Nara
    mourdiah, nara = (-7.46944, 14.47361), (-7.28571, 15.16846)
    mid = ((mourdiah[0] + nara[0]) / 2, (mourdiah[1] + nara[1]) / 2)
    px, py = widget_pixel(window.canvas, *mid)
    road = demo_like_project.layers_with_role("roads")[0].style.color
    assert colour_near(image, px, py, road)
    # away from the road: no road colour
    fx, fy = widget_pixel(window.canvas, -8.3, 14.0)
    assert not colour_near(image, fx, fy, road, radius=2)
    # Nara's events (overlapping at this zoom) show in an event-type colour
    events = next(
        layer for layer in demo_like_project.layers if isinstance(layer, EventLayer)
    )
    frame = events.events.frame
    at_nara = frame[frame["location"] == "Nara"]
    colours = {events.style.color_for(t) for t in at_nara["event_type"]}
    ex, ey = widget_pixel(
        window.canvas, at_nara["longitude"].iloc[0], at_nara["latitude"].iloc[0]
    )
    assert any(colour_near(image, ex, ey, c, radius=3, tol=30) for c in colours)
    # and not at Mourdiah, where there is no event
    mx, my = widget_pixel(window.canvas, *mourdiah)
    assert not any(colour_near(image, mx, my, c, radius=3, tol=30) for c in colours)


def test_clicking_an_event_identifies_it_and_its_neighbours(
    make_main_window, demo_like_project, qtbot
):
    window = make_main_window(demo_like_project)
    zoom_to_lonlat(window, qtbot, (-8.0, 14.6, -6.6, 15.6))
    events = next(
        layer for layer in demo_like_project.layers if isinstance(layer, EventLayer)
    )
    frame = events.events.frame
    row = frame.index[frame["event_id_cnty"] == "TST000"][0]
    px, py = widget_pixel(
        window.canvas, frame.at[row, "longitude"], frame.at[row, "latitude"]
    )
    with qtbot.waitSignal(window.canvas.sig_events_identified) as blocker:
        qtbot.mouseClick(
            window.canvas.viewport(),
            Qt.MouseButton.LeftButton,
            pos=QPoint(round(px), round(py)),
        )
    found = blocker.args[0]
    rows = np.concatenate([r for _, r in found])
    # all 7 Nara events lie within a pixel or two at this zoom; nearest first
    clicked = window.canvas.view_box.mapSceneToView(
        window.canvas.mapToScene(QPoint(round(px), round(py)))
    )
    x, y = events.display_xy()
    nearest = np.argmin((x - clicked.x()) ** 2 + (y - clicked.y()) ** 2)
    assert rows[0] == nearest
    row = int(nearest)
    assert set(frame.loc[rows, "location"]) == {"Nara"}
    assert len(rows) == 7
    titles = window.identify_panel.event_titles()
    assert titles[0].startswith(str(frame.at[row, "event_date"])[:10])
    assert "7 events under the cursor" in window.identify_panel.header.text()
    first = window.identify_panel.tree.topLevelItem(0)
    fields = {
        first.child(i).text(0): first.child(i).text(1)
        for i in range(first.childCount())
    }
    assert fields["notes"] == frame.at[row, "notes"]
    assert fields["fatalities"] == str(frame.at[row, "fatalities"])


def test_click_on_empty_map_says_nothing_found(
    make_main_window, demo_like_project, qtbot
):
    window = make_main_window(demo_like_project)
    zoom_to_lonlat(window, qtbot, (-8.0, 14.6, -6.6, 15.6))
    px, py = widget_pixel(window.canvas, -7.9, 14.7)
    qtbot.mouseClick(
        window.canvas.viewport(),
        Qt.MouseButton.LeftButton,
        pos=QPoint(round(px), round(py)),
    )
    assert window.identify_panel.header.text() == "No event under the cursor."


def test_cursor_position_is_shown_in_lat_lon(
    make_main_window, demo_like_project, qtbot
):
    window = make_main_window(demo_like_project)
    px, py = widget_pixel(window.canvas, -7.5, 13.5)
    qtbot.mouseMove(window.canvas.viewport(), QPoint(round(px), round(py)))
    qtbot.waitUntil(lambda: "°N" in window.cursor_label.text())
    text = window.cursor_label.text()
    lat = float(text.split("°N")[0])
    lon = float(text.split("°N")[1].strip().split("°W")[0])
    assert lat == pytest.approx(13.5, abs=0.05)
    assert lon == pytest.approx(7.5, abs=0.05)


def test_unsaved_changes_show_in_title(make_main_window, demo_like_project):
    window = make_main_window(demo_like_project)
    assert not window.isWindowModified()
    layer = demo_like_project.layers[0]
    demo_like_project.set_visible(layer.id, False)
    assert window.isWindowModified()


def test_synthetic_label_follows_synthetic_layer_visibility(
    make_main_window, demo_like_project
):
    events = demo_like_project.layers[0]
    events.synthetic = True
    window = make_main_window(demo_like_project)
    window.canvas.rebuild()
    assert window.canvas.synthetic_label.isVisibleTo(window.canvas)
    demo_like_project.set_visible(events.id, False)
    assert not window.canvas.synthetic_label.isVisibleTo(window.canvas)


def test_save_and_open_through_the_window(
    make_main_window, demo_like_project, tmp_path, qtbot
):
    window = make_main_window(demo_like_project)
    demo_like_project.rename_layer(demo_like_project.layers[0].id, "My events")
    assert window._save_to(tmp_path / "mine.gpkg")
    assert not window.isWindowModified()
    assert window.windowTitle().startswith("mine.gpkg")
    window.new_project()
    assert window.project is not demo_like_project
    window.open_project(tmp_path / "mine.gpkg")
    qtbot.waitUntil(lambda: window.project.path == tmp_path / "mine.gpkg", timeout=5000)
    assert window.project.layers[0].name == "My events"
    from sahelgis.ui import settings as app_settings

    assert app_settings.recent_projects() == [str(tmp_path / "mine.gpkg")]


def test_synthetic_label_names_made_up_roads(make_main_window, demo_like_project):
    from sahelgis.model.layers import ROLE_ROADS

    roads = next(ly for ly in demo_like_project.layers if ly.role == ROLE_ROADS)
    roads.synthetic = True
    window = make_main_window(demo_like_project)
    window.canvas.rebuild()
    label = window.canvas.synthetic_label
    assert label.isVisibleTo(window.canvas)
    assert "not OpenStreetMap" in label.text()
    assert "not ACLED" not in label.text()  # the events are not the made-up part
