import geopandas as gpd
import pytest
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


# -- one recording path: grouped edits behave as single commands -----------------
def counter_command(values, value, text=None):
    return Command(
        text or f"add {value}", lambda: values.append(value), lambda: values.pop()
    )


def test_grouped_edit_after_undo_from_saved_state_is_modified():
    # issue 14: save, undo, import a road layer -> the project must be modified
    roads = layer("approx")
    roads.role = "roads"
    project = Project([layer("towns"), roads])
    project.set_visible(roads.id, False)
    project.mark_saved()
    project.undo_stack.undo()
    assert project.modified
    project.replace_role("roads", layer("osm"))
    assert project.modified
    assert project.undo_stack.texts() == ["Replace roads with “osm”"]
    assert not project.undo_stack.can_redo


def test_grouped_edit_at_saved_state_is_modified_and_undo_returns_to_it():
    project = Project([layer("towns")])
    project.mark_saved()
    changes = []
    project.modified_changed.connect(changes.append)
    project.replace_role("roads", layer("osm"))
    assert project.modified
    project.undo_stack.undo()
    assert not project.modified
    assert changes == [True, False]


def test_grouped_edits_obey_the_history_limit():
    stack = UndoStack(limit=3)
    values = []
    for i in range(5):
        with stack.macro(f"group {i}"):
            stack.push(counter_command(values, i))
            stack.push(counter_command(values, 10 + i))
    assert stack.texts() == ["group 2", "group 3", "group 4"]
    assert stack.index == 3
    while stack.undo():
        pass
    assert values == [0, 10, 1, 11]  # the forgotten groups stay applied


def test_saved_state_falling_off_the_history_stays_modified():
    stack = UndoStack(limit=2)
    values = []
    stack.set_clean()
    with stack.macro("group"):
        stack.push(counter_command(values, 1))
    stack.push(counter_command(values, 2))
    assert not stack.is_clean
    stack.push(counter_command(values, 3))  # the saved (empty) state is forgotten
    while stack.undo():
        pass
    assert values == [1]
    assert not stack.is_clean


def test_a_failing_part_rolls_the_group_back_and_records_nothing():
    project = Project([layer("a"), layer("b")])
    a, b = project.layers
    project.mark_saved()
    before = state(project)
    seen = []
    project.undo_stack.changed.connect(lambda: seen.append("changed"))

    def edit():
        with project.undo_stack.macro("two edits"):
            project.rename_layer(a.id, "renamed")
            project.set_visible(b.id, False)
            project.remove_layer("no-such-layer")

    with pytest.raises(KeyError, match="no-such-layer"):
        edit()
    assert state(project) == before
    assert project.undo_stack.texts() == []
    assert not project.modified
    assert seen == []
    assert not project.undo_stack.in_macro


def test_a_command_that_raises_in_redo_changes_nothing():
    stack = UndoStack()
    values = []
    stack.push(counter_command(values, 1))
    stack.set_clean()

    def fail():
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError, match="disk on fire"):
        stack.push(Command("bad", fail, values.pop))
    assert values == [1]
    assert stack.texts() == ["add 1"]
    assert stack.is_clean

    def group():
        with stack.macro("group"):
            stack.push(counter_command(values, 2))
            stack.push(Command("bad", fail, values.pop))

    with pytest.raises(RuntimeError, match="disk on fire"):
        group()
    assert values == [1]
    assert stack.texts() == ["add 1"]


def test_undo_or_redo_that_raises_does_not_move_the_index():
    stack = UndoStack()
    calls = []

    def fail():
        calls.append("fail")
        raise RuntimeError("cannot")

    stack.push(Command("one", lambda: calls.append("redo"), fail))
    with pytest.raises(RuntimeError):
        stack.undo()
    assert stack.index == 1
    assert stack.can_undo


def test_a_group_whose_undo_fails_midway_is_put_back():
    stack = UndoStack()
    values = []
    fail_undo = {"on": False}

    def undo_second():
        if fail_undo["on"]:
            raise RuntimeError("cannot")
        values.pop()

    with stack.macro("group"):
        stack.push(counter_command(values, 1))
        stack.push(Command("two", lambda: values.append(2), undo_second))
        stack.push(counter_command(values, 3))
    fail_undo["on"] = True
    with pytest.raises(RuntimeError):
        stack.undo()
    assert values == [1, 2, 3]  # the part undone before the failure is redone
    assert stack.index == 1


def test_nested_groups_form_one_entry():
    stack = UndoStack()
    values = []
    with stack.macro("outer"):
        stack.push(counter_command(values, 1))
        with stack.macro("inner"):
            stack.push(counter_command(values, 2))
            stack.push(counter_command(values, 3))
    assert stack.texts() == ["outer"]
    assert [c.text for c in stack._commands[0].children] == ["add 1", "inner"]
    stack.undo()
    assert values == []
    stack.redo()
    assert values == [1, 2, 3]


def test_a_failing_inner_group_rolls_back_the_outer_one():
    stack = UndoStack()
    values = []

    def groups():
        with stack.macro("outer"):
            stack.push(counter_command(values, 1))
            with stack.macro("inner"):
                stack.push(counter_command(values, 2))
                raise ValueError("stop")

    with pytest.raises(ValueError, match="stop"):
        groups()
    assert values == []
    assert stack.texts() == []
    assert stack.is_clean


def test_an_empty_group_records_nothing():
    stack = UndoStack()
    seen = []
    stack.changed.connect(lambda: seen.append(1))
    with stack.macro("nothing"):
        pass
    assert stack.texts() == []
    assert seen == []


def test_an_open_group_is_not_clean_and_refuses_undo_and_save():
    stack = UndoStack()
    values = []
    stack.begin_macro("left open")
    assert stack.is_clean  # nothing applied yet
    stack.push(counter_command(values, 1))
    assert not stack.is_clean
    with pytest.raises(RuntimeError, match="left open"):
        stack.undo()
    with pytest.raises(RuntimeError, match="left open"):
        stack.set_clean()
    stack.end_macro()
    assert stack.texts() == ["left open"]
    with pytest.raises(RuntimeError):
        stack.end_macro()


def test_a_group_after_undo_drops_the_redo_tail():
    stack = UndoStack()
    values = []
    stack.push(counter_command(values, 1))
    stack.push(counter_command(values, 2))
    stack.undo()
    with stack.macro("group"):
        stack.push(counter_command(values, 3))
    assert stack.texts() == ["add 1", "group"]
    assert not stack.can_redo
    assert values == [1, 3]


def test_opacity_drag_back_to_its_start_leaves_no_entry():
    a = layer("a")
    project = Project([a])
    project.mark_saved()
    for value in (0.7, 0.4, 1.0):
        project.set_opacity(a.id, value)
    assert project.undo_stack.texts() == []
    assert not project.modified


def test_a_drag_never_merges_into_the_saved_entry():
    a = layer("a")
    project = Project([a])
    project.set_opacity(a.id, 0.5)
    project.mark_saved()
    project.set_opacity(a.id, 0.2)
    assert project.undo_stack.texts() == ["Change opacity of “a”"] * 2
    assert project.modified
    project.undo_stack.undo()
    assert a.opacity == 0.5
    assert not project.modified


def test_replace_role_rolls_back_when_the_new_layer_cannot_be_added():
    roads = layer("approx")
    roads.role = "roads"
    towns = layer("towns")
    project = Project([towns, roads])
    project.mark_saved()
    with pytest.raises(ValueError, match="already in the project"):
        project.replace_role("roads", towns)  # same id as a layer kept
    assert [x.name for x in project.layers] == ["towns", "approx"]
    assert project.undo_stack.texts() == []
    assert not project.modified


def test_undo_limit_must_be_positive():
    with pytest.raises(ValueError, match="at least 1"):
        UndoStack(limit=0)


def test_a_group_that_cannot_be_rolled_back_is_recorded_as_applied():
    stack = UndoStack()
    values = []

    def stuck():
        raise OSError("cannot undo")

    def group():
        with stack.macro("group"):
            stack.push(counter_command(values, 1))
            stack.push(Command("stuck", lambda: values.append(2), stuck))
            raise ValueError("a later part failed")

    with pytest.raises(OSError, match="cannot undo") as caught:
        group()
    assert isinstance(caught.value.__context__, ValueError)
    assert values == [1, 2]  # still applied, so it must be in the history
    assert stack.texts() == ["group"]
    assert not stack.is_clean
    assert not stack.in_macro
