"""The canvas and panels follow each layer's own signals: only what changed."""

import geopandas as gpd
import pytest
from shapely import LineString, Point

from sahelgis.model.layers import VectorLayer
from sahelgis.model.project import Project
from sahelgis.model.styles import Style


def towns_and_roads():
    towns = VectorLayer(
        name="towns",
        data=gpd.GeoDataFrame(
            {"name": ["Kati"]}, geometry=[Point(-8.07, 12.74)], crs="EPSG:4326"
        ),
    )
    roads = VectorLayer(
        name="roads",
        data=gpd.GeoDataFrame(
            {"name": ["RN3"]},
            geometry=[LineString([(-8.0, 12.6), (-7.5, 13.5)])],
            crs="EPSG:4326",
        ),
    )
    return towns, roads


@pytest.fixture
def canvas_and_layers(qtbot):
    from sahelgis.ui.canvas.map_canvas import MapCanvas

    towns, roads = towns_and_roads()
    project = Project([towns, roads])
    canvas = MapCanvas(project)
    qtbot.addWidget(canvas)
    built = []
    original = canvas._add_items

    def counting(layer):
        built.append(layer.id)
        original(layer)

    canvas._add_items = counting
    return canvas, project, towns, roads, built


def test_a_style_change_redraws_only_that_layer_once(canvas_and_layers):
    canvas, project, towns, roads, built = canvas_and_layers
    roads_items = canvas.layer_items(roads.id)
    project.set_style(towns.id, Style(color="#FF0000", size=9.0))
    assert built == [towns.id]
    assert canvas.layer_items(roads.id) == roads_items  # untouched


def test_opacity_and_visibility_redraw_nothing(canvas_and_layers):
    canvas, project, towns, roads, built = canvas_and_layers
    project.set_opacity(roads.id, 0.3)
    project.set_visible(towns.id, False)
    project.rename_layer(roads.id, "national roads")  # the map shows no names
    assert built == []
    assert canvas.layer_items(roads.id)[0].opacity() == pytest.approx(0.3)
    assert not canvas.is_drawn(towns.id)
    assert canvas.is_drawn(roads.id)


def test_a_batched_change_of_style_and_opacity_rebuilds_once(canvas_and_layers):
    canvas, project, _towns, roads, built = canvas_and_layers
    project.update_layer(
        roads.id, "Restyle roads", style=Style(color="#00FF00"), opacity=0.5
    )
    assert built == [roads.id]
    assert canvas.layer_items(roads.id)[0].opacity() == pytest.approx(0.5)
    project.undo_stack.undo()
    assert built == [roads.id, roads.id]
    assert canvas.layer_items(roads.id)[0].opacity() == pytest.approx(1.0)


def test_a_removed_layer_is_no_longer_followed(canvas_and_layers):
    _canvas, project, towns, _roads, built = canvas_and_layers
    project.remove_layer(towns.id)
    towns.style = Style(color="#0000FF")  # detached layer: the canvas ignores it
    assert built == []
    project.undo_stack.undo()  # back in: followed again
    assert built == [towns.id]
    project.set_style(towns.id, Style(color="#00FFFF"))
    assert built == [towns.id, towns.id]


def test_layer_panel_follows_names_styles_and_opacity(qtbot):
    from sahelgis.ui.panels.layer_panel import LayerPanel

    towns, roads = towns_and_roads()
    project = Project([towns, roads])
    panel = LayerPanel(project)
    qtbot.addWidget(panel)
    project.rename_layer(roads.id, "RN3 and RN6")
    assert panel._top_item(roads.id).text(0) == "RN3 and RN6"
    panel.select_layer(roads.id)
    project.set_opacity(roads.id, 0.25)
    assert panel.opacity.value() == 25
    assert not panel.opacity.signalsBlocked()
    project.set_visible(towns.id, False)
    assert not panel._top_item(towns.id).checkState(0).value


def test_canvas_modules_do_not_import_each_other_back():
    """Not even under TYPE_CHECKING: the drawing tools know the map as MapView."""
    import ast
    import pathlib

    import sahelgis.ui.canvas as package

    folder = pathlib.Path(package.__file__).parent
    deps = {}
    for path in folder.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        deps[path.stem] = {
            node.module.rsplit(".", 1)[-1]
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
            and (node.module or "").startswith("sahelgis.ui.canvas.")
        }

    def reaches(start, goal, seen=()):
        return any(
            dep == goal or (dep not in seen and reaches(dep, goal, (*seen, dep)))
            for dep in deps.get(start, ())
        )

    assert [name for name in deps if reaches(name, name)] == []
    assert "map_canvas" not in deps["drawing_tools"]
