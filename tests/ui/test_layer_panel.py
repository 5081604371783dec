from PySide6.QtCore import Qt

from sahelgis.model.layers import EventLayer
from sahelgis.model.styles import Style


def top_items(panel):
    return [panel.tree.topLevelItem(i) for i in range(panel.tree.topLevelItemCount())]


def test_unchecking_hides_layer_in_model_and_canvas(
    make_main_window, demo_like_project, qtbot
):
    from tests.ui.test_main_window import colour_near, widget_pixel, zoom_to_lonlat

    window = make_main_window(demo_like_project, size=(1400, 900))
    zoom_to_lonlat(window, qtbot, (-8.6, 13.8, -6.4, 15.6))
    roads = demo_like_project.layers_with_role("roads")[0]
    item = window.layer_panel._top_item(roads.id)
    px, py = widget_pixel(window.canvas, -7.378, 14.821)  # on the RN4 line
    assert colour_near(window.canvas.grab().toImage(), px, py, roads.style.color)
    item.setCheckState(0, Qt.CheckState.Unchecked)
    assert not roads.visible
    assert not window.canvas.is_drawn(roads.id)
    image = window.canvas.grab().toImage()
    assert not colour_near(image, px, py, roads.style.color)
    demo_like_project.set_visible(roads.id, True)
    assert window.layer_panel._top_item(roads.id).checkState(0) == (
        Qt.CheckState.Checked
    )
    assert colour_near(window.canvas.grab().toImage(), px, py, roads.style.color)


def test_drag_order_goes_to_model_and_restacks_canvas(
    make_main_window, demo_like_project
):
    window = make_main_window(demo_like_project)
    ids = window.layer_panel.tree.layer_ids()
    new = [ids[-1], *ids[:-1]]  # countries to the top
    window.layer_panel.tree.sig_order_requested.emit(new)
    assert [layer.id for layer in demo_like_project.layers] == new
    assert window.layer_panel.tree.layer_ids() == new
    z_top = window.canvas.layer_items(new[0])[0].zValue()
    z_next = window.canvas.layer_items(new[1])[0].zValue()
    assert z_top > z_next


def test_opacity_slider_sets_layer_opacity(make_main_window, demo_like_project):
    window = make_main_window(demo_like_project)
    layer = demo_like_project.layers[2]
    window.layer_panel.select_layer(layer.id)
    window.layer_panel.opacity.setValue(40)
    assert layer.opacity == 0.4
    assert window.canvas.layer_items(layer.id)[0].opacity() == 0.4


def test_event_legend_lists_event_types(make_main_window, demo_like_project):
    window = make_main_window(demo_like_project)
    events = next(
        layer for layer in demo_like_project.layers if isinstance(layer, EventLayer)
    )
    legend = window.layer_panel.legend_entries(events.id)
    assert legend[:3] == [
        "Battles",
        "Explosions/Remote violence",
        "Violence against civilians",
    ]
    demo_like_project.set_style(events.id, Style(color="#000000", size=3))
    assert window.layer_panel.legend_entries(events.id) == []


def test_style_change_redraws_layer(make_main_window, demo_like_project):
    window = make_main_window(demo_like_project)
    roads = demo_like_project.layers_with_role("roads")[0]
    before = window.canvas.layer_items(roads.id)
    demo_like_project.set_style(roads.id, roads.style.with_(color="#00FF00"))
    after = window.canvas.layer_items(roads.id)
    assert before[0] is not after[0]
    assert len(after) == len(before)


def test_style_dialog_categorises_by_a_field(make_main_window, demo_like_project):
    from sahelgis.ui.panels.style_dialog import StyleDialog

    window = make_main_window(demo_like_project)
    events = demo_like_project.layers[0]
    dialog = StyleDialog(events, window)
    dialog.category_field.setCurrentText("location")
    dialog.size_box.setValue(8)
    style = dialog.style()
    assert style.category_field == "location"
    assert set(style.categories) == {"Nara", "Banamba", "Kati"}
    assert style.size == 8


def test_import_real_roads_replaces_the_approximate_layer(
    make_main_window, demo_like_project, tmp_path
):
    import geopandas as gpd
    from shapely import LineString

    path = tmp_path / "osm_mali_roads.gpkg"
    gpd.GeoDataFrame(
        {"ref": ["RN4"]},
        geometry=[LineString([(-7.9, 13.5), (-7.47, 14.47), (-7.29, 15.17)])],
        crs="EPSG:4326",
    ).to_file(path)
    window = make_main_window(demo_like_project)
    old = demo_like_project.layers_with_role("roads")[0]
    window.import_roads(path)
    roads = demo_like_project.layers_with_role("roads")
    assert len(roads) == 1
    assert roads[0] is not old
    assert "osm_mali_roads" in roads[0].name
    assert "APPROXIMATE" not in "".join(
        window.layer_panel.tree.topLevelItem(i).text(0)
        for i in range(window.layer_panel.tree.topLevelItemCount())
    )
