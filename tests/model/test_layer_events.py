"""Typed per-layer change signals: what emits, how often, and batching."""

import copy
import gc

import geopandas as gpd
import pytest
from shapely import Point

from sahelgis.model import drawings as dr
from sahelgis.model.layers import SIGNAL_FIELDS, LayerSubscriptions, VectorLayer
from sahelgis.model.project import Project
from sahelgis.model.styles import Style


def point_layer(name: str = "towns") -> VectorLayer:
    data = gpd.GeoDataFrame(
        {"name": [name]}, geometry=[Point(-7.5, 13.5)], crs="EPSG:4326"
    )
    return VectorLayer(name=name, data=data)


def record(layer):
    """Every signal of the layer as (field, args), in emission order."""
    calls = []
    for name in SIGNAL_FIELDS:
        getattr(layer.signals, name).connect(
            lambda *args, what=name: calls.append((what, args))
        )
    return calls


def test_a_style_change_emits_only_the_style_signal_once():
    layer = point_layer()
    project = Project([layer])
    calls = record(layer)
    red = Style(color="#FF0000")
    project.set_style(layer.id, red)
    assert calls == [("style", (red,))]
    project.set_style(layer.id, Style(color="#FF0000"))  # equal: nothing
    assert calls == [("style", (red,))]


def test_each_project_setter_emits_its_own_typed_signal():
    layer = point_layer()
    project = Project([layer])
    calls = record(layer)
    project.set_visible(layer.id, False)
    project.set_opacity(layer.id, 0.25)
    project.rename_layer(layer.id, "  Towns  ")
    assert calls == [("visible", (False,)), ("opacity", (0.25,)), ("name", ("Towns",))]
    calls.clear()
    project.undo_stack.undo()
    assert calls == [("name", ("towns",))]


def test_a_batch_emits_once_per_field_after_the_block_with_final_values():
    layer = point_layer()
    calls = record(layer)
    seen_inside = []
    with layer.batch():
        layer.style = Style(color="#111111")
        layer.opacity = 0.5
        layer.style = Style(color="#222222")
        with layer.batch():  # nested: the outer block emits
            layer.name = "renamed"
        seen_inside.extend(calls)
    assert seen_inside == []
    assert calls == [
        ("style", (Style(color="#222222"),)),
        ("opacity", (0.5,)),
        ("name", ("renamed",)),
    ]


def test_a_batch_that_ends_where_it_started_emits_nothing():
    layer = point_layer()
    calls = record(layer)
    with layer.batch():
        layer.opacity = 0.2
        layer.opacity = 1.0
    assert calls == []
    with pytest.raises(AttributeError, match="no field 'signals'"):
        layer.update(signals=None)


def test_a_slot_sees_a_consistent_layer_after_a_batch():
    layer = point_layer()
    seen = []
    layer.signals.style.connect(lambda style: seen.append((style, layer.opacity)))
    layer.update(style=Style(color="#123456"), opacity=0.3)
    assert seen == [(Style(color="#123456"), 0.3)]


def test_update_layer_is_one_undo_entry_and_undo_emits_once_per_field():
    layer = point_layer()
    project = Project([layer])
    calls = record(layer)
    project.update_layer(layer.id, "Restyle", style=Style(size=9.0), opacity=0.4)
    assert [what for what, _ in calls] == ["style", "opacity"]
    assert project.undo_stack.texts() == ["Restyle"]
    calls.clear()
    project.undo_stack.undo()
    assert sorted(what for what, _ in calls) == ["opacity", "style"]
    assert layer.opacity == 1.0
    assert layer.style == Style()


def test_drawing_edits_emit_data_once_and_drop_the_projected_cache():
    project = Project()
    layer = dr.add_drawing_layer(project)
    calls = record(layer)
    layer.display_geometry()
    assert layer.has_display_cache
    before = layer.data
    dr.add_feature(project, layer.id, Point(-8.0, 12.6), name="Kati")
    assert calls == [("data", ())]
    assert not layer.has_display_cache
    assert len(layer.display_geometry()) == 1
    project.undo_stack.undo()
    assert layer.data is before  # the very same frame comes back
    assert calls == [("data", ()), ("data", ())]


def test_replace_data_refuses_non_vector_layers_and_other_crs(tiny_table):
    from sahelgis.model.layers import EventLayer

    events = EventLayer(name="events", events=tiny_table)
    towns = point_layer()
    project = Project([events, towns])
    with pytest.raises(TypeError):
        project.replace_data(events.id, towns.data, "x")
    with pytest.raises(ValueError, match="EPSG:4326"):
        towns.replace_data(towns.data.to_crs("EPSG:3857"))


def test_copies_do_not_share_the_listeners_of_the_original():
    layer = point_layer()
    calls = record(layer)
    clone = copy.copy(layer)
    clone.name = "clone"
    deep = copy.deepcopy(layer)
    deep.opacity = 0.1
    assert calls == []
    assert clone.signals is not layer.signals


class View:
    def __init__(self):
        self.calls = []

    def on_style(self, layer_id, style):
        self.calls.append((layer_id, style))


def test_subscriptions_follow_the_layers_and_hold_the_view_weakly():
    a, b = point_layer("a"), point_layer("b")
    view = View()
    subs = LayerSubscriptions(view, style="on_style")
    subs.follow([a, b])
    a.style = Style(size=3.0)
    subs.follow([b])
    a.style = Style(size=4.0)  # no longer followed
    b.style = Style(size=5.0)
    assert view.calls == [(a.id, Style(size=3.0)), (b.id, Style(size=5.0))]
    del view
    gc.collect()
    b.style = Style(size=6.0)  # the view is gone: no error
    with pytest.raises(ValueError, match="no signal"):
        LayerSubscriptions(View(), colour="on_style")
