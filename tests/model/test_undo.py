import geopandas as gpd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely import Point

from sahelgis.model.layers import VectorLayer
from sahelgis.model.project import Project
from sahelgis.model.styles import Style
from sahelgis.model.undo import Command, UndoStack


def layer(name):
    data = gpd.GeoDataFrame(
        {"name": [name]}, geometry=[Point(-7.5, 13.5)], crs="EPSG:4326"
    )
    return VectorLayer(name=name, data=data)


def state(project):
    return [layer.metadata() for layer in project.layers]


def test_every_layer_change_undoes_and_redoes():
    a, b = layer("a"), layer("b")
    project = Project([a, b])
    project.mark_saved()
    start = state(project)
    project.set_visible(a.id, False)
    project.set_style(b.id, Style(color="#FF0000"))
    project.rename_layer(a.id, "renamed")
    project.set_order([b.id, a.id])
    c = layer("c")
    project.add_layer(c)
    project.remove_layer(a.id)
    end = state(project)
    assert project.modified
    assert project.undo_stack.texts() == [
        "Hide “a”",
        "Style “b”",
        "Rename “a”",
        "Reorder layers",
        "Add layer “c”",
        "Remove layer “renamed”",
    ]
    while project.undo_stack.undo():
        pass
    assert state(project) == start
    assert not project.modified  # back at the saved state
    while project.undo_stack.redo():
        pass
    assert state(project) == end


def test_opacity_drag_merges_into_one_entry():
    a = layer("a")
    project = Project([a])
    for value in (0.9, 0.8, 0.5, 0.3):
        project.set_opacity(a.id, value)
    assert project.undo_stack.texts() == ["Change opacity of “a”"]
    project.undo_stack.undo()
    assert a.opacity == 1.0
    project.undo_stack.redo()
    assert a.opacity == 0.3


def test_replace_role_is_one_undo_entry():
    roads = layer("approx")
    roads.role = "roads"
    project = Project([layer("towns"), roads])
    new = layer("osm")
    project.replace_role("roads", new)
    assert project.undo_stack.texts() == ["Replace roads with “osm”"]
    project.undo_stack.undo()
    assert [x.name for x in project.layers] == ["towns", "approx"]


def test_new_push_after_undo_drops_redo_and_clean_mark():
    stack = UndoStack()
    values = []
    stack.push(Command("one", lambda: values.append(1), lambda: values.pop()))
    stack.set_clean()
    stack.undo()
    assert not stack.is_clean
    stack.push(Command("two", lambda: values.append(2), lambda: values.pop()))
    assert stack.texts() == ["two"]
    assert not stack.is_clean
    assert not stack.can_redo


def test_set_index_walks_history():
    stack = UndoStack()
    values = []
    for i in range(4):
        stack.push(Command(str(i), lambda i=i: values.append(i), values.pop))
    stack.set_index(1)
    assert values == [0]
    stack.set_index(4)
    assert values == [0, 1, 2, 3]


OPS = st.lists(
    st.tuples(
        st.sampled_from(
            ["add", "remove", "order", "visible", "opacity", "style", "rename"]
        ),
        st.integers(min_value=0, max_value=50),
        st.floats(min_value=0, max_value=1, allow_nan=False),
    ),
    max_size=25,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(OPS)
def test_random_commands_undo_to_initial_and_redo_to_final(ops):
    project = Project([layer("a"), layer("b"), layer("c")])
    project.mark_saved()
    initial = state(project)
    for op, k, x in ops:
        layers = project.layers
        target = layers[k % len(layers)] if layers else None
        if op == "add" or target is None:
            project.add_layer(layer(f"n{k}"), k % (len(layers) + 1))
        elif op == "remove":
            project.remove_layer(target.id)
        elif op == "order":
            ids = [x.id for x in layers]
            ids.append(ids.pop(k % len(ids)))
            project.set_order(ids)
        elif op == "visible":
            project.set_visible(target.id, not target.visible)
        elif op == "opacity":
            project.set_opacity(target.id, x)
        elif op == "style":
            project.set_style(target.id, target.style.with_(size=1 + k % 9))
        else:
            project.rename_layer(target.id, f"name {k}")
    final = state(project)
    while project.undo_stack.undo():
        pass
    assert state(project) == initial
    assert not project.modified
    while project.undo_stack.redo():
        pass
    assert state(project) == final
