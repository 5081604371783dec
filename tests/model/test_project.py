import geopandas as gpd
import pytest
from shapely import Point

from sahelgis.model.layers import EventLayer, VectorLayer
from sahelgis.model.project import Project
from sahelgis.model.styles import Style


def point_layer(name: str, role: str = "") -> VectorLayer:
    data = gpd.GeoDataFrame(
        {"name": [name]}, geometry=[Point(-7.5, 13.5)], crs="EPSG:4326"
    )
    return VectorLayer(name=name, data=data, role=role, attribution=f"{name} credit")


def recorder(signal):
    calls = []
    signal.connect(lambda *args: calls.append(args))
    return calls


def test_add_remove_emit_once_and_remove_returns_what_undo_needs():
    project = Project()
    added = recorder(project.layer_added)
    removed = recorder(project.layer_removed)
    a, b = point_layer("a"), point_layer("b")
    project.add_layer(a)
    project.add_layer(b)  # on top
    assert [layer.name for layer in project.layers] == ["b", "a"]
    assert added == [(a.id,), (b.id,)]
    layer, index = project.remove_layer(a.id)
    assert (layer, index) == (a, 1)
    assert removed == [(a.id,)]


def test_order_visibility_opacity_style_changes_emit_and_mark_modified():
    a, b, c = point_layer("a"), point_layer("b"), point_layer("c")
    project = Project([a, b, c])
    changed = []
    for layer in (a, b, c):
        for name in ("visible", "opacity", "style", "name", "data"):
            getattr(layer.signals, name).connect(
                lambda *args, lid=layer.id, what=name: changed.append((lid, what))
            )
    reordered = recorder(project.layers_reordered)
    assert not project.modified
    project.set_order([c.id, a.id, b.id])
    assert [layer.name for layer in project.layers] == ["c", "a", "b"]
    project.set_visible(a.id, False)
    project.set_visible(a.id, False)  # no change, no signal
    project.set_opacity(b.id, 1.7)
    project.set_style(c.id, Style(color="#FF0000"))
    assert b.opacity == 1.0
    assert changed == [(a.id, "visible"), (c.id, "style")]
    assert len(reordered) == 1
    assert project.modified


def test_set_order_must_name_every_layer():
    a, b = point_layer("a"), point_layer("b")
    project = Project([a, b])
    with pytest.raises(ValueError, match="every layer"):
        project.set_order([a.id])


def test_replace_role_puts_new_roads_where_old_ones_were():
    roads = point_layer("approx roads", role="roads")
    towns, rivers = point_layer("towns"), point_layer("rivers")
    project = Project([towns, roads, rivers])
    real = point_layer("osm roads")
    old = project.replace_role("roads", real)
    assert old == [roads]
    assert [layer.name for layer in project.layers] == ["towns", "osm roads", "rivers"]
    assert real.role == "roads"


def test_attributions_follow_visibility_and_synthetic_flag(tiny_table):
    towns = point_layer("towns")
    events = EventLayer(
        name="demo", events=tiny_table, synthetic=True, attribution="synthetic"
    )
    project = Project([events, towns])
    assert project.attributions() == ["towns credit", "synthetic"]
    assert project.has_synthetic_visible()
    project.set_visible(events.id, False)
    assert project.attributions() == ["towns credit"]
    assert not project.has_synthetic_visible()


def test_style_round_trip_and_validation():
    style = Style(
        color="#112233",
        category_field="event_type",
        categories={"Battles": "#FF0000"},
        symbol="s",
    )
    assert Style.from_dict(style.to_dict() | {"future_key": 1}) == style
    assert style.color_for("Battles") == "#FF0000"
    assert style.color_for("Riots") == "#9E9E9E"
    with pytest.raises(ValueError, match="symbol"):
        Style(symbol="*")


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf")])
def test_opacity_that_is_not_a_number_becomes_opaque(value):
    # max(nan, 0.0) is nan: the clamp alone let NaN through to Qt
    a = point_layer("a")
    project = Project([a])
    project.set_opacity(a.id, 0.3)
    project.set_opacity(a.id, value)
    assert a.opacity == 1.0
