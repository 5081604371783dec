"""A state machine over a real Project: single and grouped edits, undo, save.

The machine keeps its own model of the history (one snapshot of the layers per
undo entry, the position and the saved position) and checks after every step
that the project is in the state its history says and that ``modified`` is
true exactly when the state differs from the saved one. The only difference
allowed is the safe one: a new edit that happens to recreate the saved state
(hide then show) still counts as unsaved, as in ``QUndoStack``, because the
saved state is tied to a place in the history.

The history limit is 5, so the limit path runs, including the saved state
falling off the history.
"""

import geopandas as gpd
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)
from shapely import Point

from sahelgis.model.layers import VectorLayer
from sahelgis.model.project import Project
from sahelgis.model.undo import Command

LIMIT = 5
OPACITIES = st.sampled_from([0.1, 0.3, 0.5, 0.7, 1.0])
FRAME = gpd.GeoDataFrame({"name": ["x"]}, geometry=[Point(-7.5, 13.5)], crs=4326)
EDITS = st.sampled_from(["rename", "style", "visible", "opacity", "add", "remove"])


class Boom(Exception):
    """Raised by a part of a grouped edit on purpose."""


def snapshot(project):
    """Everything an edit can change, as plain comparable data."""
    return tuple(
        (layer.id, layer.name, layer.visible, layer.opacity, layer.style)
        for layer in project.layers
    )


class UndoMachine(RuleBasedStateMachine):
    @initialize()
    def start(self):
        self.project = Project(
            [VectorLayer(name=f"layer {i}", data=FRAME) for i in range(3)],
            undo_limit=LIMIT,
        )
        self.project.mark_saved()
        self.counter = 0
        self.history = [snapshot(self.project)]  # state after each entry
        self.keys = [None]  # merge key of each entry
        self.position = 0
        self.saved_position = 0
        self.saved = snapshot(self.project)
        self.emitted = []
        self.project.modified_changed.connect(self.emitted.append)

    # -- the machine's own model of the history ---------------------------------
    def record(self, key=None):
        """What the stack must do with one recorded entry (or a merge)."""
        del self.history[self.position + 1 :]
        del self.keys[self.position + 1 :]
        if self.saved_position is not None and self.saved_position > self.position:
            self.saved_position = None
        state = snapshot(self.project)
        if (
            key is not None
            and self.position > 0
            and self.keys[self.position] == key
            and self.saved_position != self.position
        ):
            if state == self.history[self.position - 1]:  # merged into a no-op
                self.history.pop()
                self.keys.pop()
                self.position -= 1
            else:
                self.history[self.position] = state
            return
        self.history.append(state)
        self.keys.append(key)
        self.position += 1
        drop = len(self.history) - 1 - LIMIT
        if drop > 0:
            del self.history[:drop]
            del self.keys[:drop]
            self.keys[0] = None
            self.position -= drop
            if self.saved_position is not None:
                self.saved_position -= drop
                if self.saved_position < 0:
                    self.saved_position = None

    def fresh(self):
        self.counter += 1
        return self.counter

    def pick(self, k):
        layers = self.project.layers
        return layers[k % len(layers)] if layers else None

    def edit(self, kind, k, opacity, record=True):
        """Make one edit through the Project API; True if it changed something."""
        project, target = self.project, self.pick(k)
        key = None
        if kind == "add" or target is None:
            layer = VectorLayer(name=f"new {self.fresh()}", data=FRAME)
            project.add_layer(layer, k % (len(project.layers) + 1))
        elif kind == "remove":
            project.remove_layer(target.id)
        elif kind == "rename":
            project.rename_layer(target.id, f"name {self.fresh()}")
        elif kind == "style":
            project.set_style(target.id, target.style.with_(size=100 + self.fresh()))
        elif kind == "visible":
            project.set_visible(target.id, not target.visible)
        else:
            if target.opacity == opacity:
                return False  # no change, no entry
            project.set_opacity(target.id, opacity)
            key = (target.id, "opacity")
        if record:
            self.record(key)
        return True

    # -- single edits -------------------------------------------------------
    @rule(kind=EDITS, k=st.integers(0, 20), opacity=OPACITIES)
    def single_edit(self, kind, k, opacity):
        self.edit(kind, k, opacity)

    @precondition(lambda self: self.project.layers)
    @rule(
        k=st.integers(0, 20),
        values=st.lists(OPACITIES, min_size=1, max_size=3),
        back=st.booleans(),
    )
    def opacity_drag(self, k, values, back):
        target = self.pick(k)
        start = target.opacity
        for value in [*values, start] if back else values:
            self.edit("opacity", k, value)
        if back:
            assert target.opacity == start

    @precondition(lambda self: self.project.layers)
    @rule(k=st.integers(0, 20))
    def single_command_that_raises(self, k):
        target = self.pick(k)
        before = snapshot(self.project)

        def redo():
            raise Boom("redo failed")

        command = Command("bad", redo, lambda: None)
        with pytest.raises(Boom):
            self.project.undo_stack.push(command)
        assert snapshot(self.project) == before
        assert target in self.project.layers

    # -- grouped edits ------------------------------------------------------
    @rule(
        parts=st.lists(
            st.tuples(EDITS, st.integers(0, 20), OPACITIES), min_size=1, max_size=3
        ),
        fail_at=st.none() | st.integers(0, 3),
        fail_in_redo=st.booleans(),
    )
    def grouped_edit(self, parts, fail_at, fail_in_redo):
        before = snapshot(self.project)
        stack = self.project.undo_stack
        changed = False

        def group():
            nonlocal changed
            with stack.macro("group"):
                for i, (kind, k, opacity) in enumerate(parts):
                    if i == fail_at:
                        break
                    changed |= self.edit(kind, k, opacity, record=False)
                if fail_at is None:
                    return
                if fail_in_redo:
                    stack.push(Command("bad part", _raise_boom, lambda: None))
                raise Boom("a part failed")

        if fail_at is None:
            group()
            if changed:
                self.record()
            return
        with pytest.raises(Boom):
            group()
        assert snapshot(self.project) == before
        assert not stack.in_macro

    # -- moving and saving --------------------------------------------------
    @rule()
    def undo(self):
        moved = self.project.undo_stack.undo()
        assert moved == (self.position > 0)
        self.position -= moved

    @rule()
    def redo(self):
        moved = self.project.undo_stack.redo()
        assert moved == (self.position < len(self.history) - 1)
        self.position += moved

    @rule(index=st.integers(0, LIMIT + 1))
    def set_index(self, index):
        self.project.undo_stack.set_index(index)
        self.position = max(0, min(index, len(self.history) - 1))

    @rule()
    def save(self):
        self.project.mark_saved()
        self.saved_position = self.position
        self.saved = snapshot(self.project)

    # -- what must hold after every step ------------------------------------
    @invariant()
    def state_follows_the_history(self):
        stack = self.project.undo_stack
        assert snapshot(self.project) == self.history[self.position]
        assert stack.index == self.position
        assert len(stack.texts()) == len(self.history) - 1 <= LIMIT

    @invariant()
    def modified_iff_state_differs_from_saved(self):
        state = snapshot(self.project)
        modified = self.project.modified
        assert modified == (self.saved_position != self.position)
        if modified != (state != self.saved):
            # only allowed: a new edit recreated the saved state (still unsaved)
            assert modified
            assert state == self.saved
            assert self.saved_position != self.position
        if self.emitted:
            assert self.emitted[-1] == modified


def _raise_boom():
    raise Boom("redo of a part failed")


UndoMachine.TestCase.settings = settings(
    max_examples=60,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestUndoMachine = UndoMachine.TestCase
