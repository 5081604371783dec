"""The project: the ordered layers and the view state, observed by the views.

Every change goes through a method here that emits one psygnal signal once the
state is consistent; widgets listen and never hold their own copy. The project
signals what happens to the list of layers (added, removed, reordered); what
happens to one layer (name, visibility, opacity, style, data) is signalled by
that layer's own ``layer.signals`` (see ``sahelgis.model.layers``).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from psygnal import Signal

from sahelgis.model.filters import EventFilter
from sahelgis.model.layers import ROLE_ROADS, EventLayer, Layer, VectorLayer
from sahelgis.model.time_window import TimeWindow
from sahelgis.model.undo import DEFAULT_LIMIT, Command, UndoStack

if TYPE_CHECKING:
    from collections.abc import Hashable, Iterable
    from pathlib import Path

    import geopandas as gpd

    from sahelgis.model.selection import Selection
    from sahelgis.model.styles import Style

Extent = tuple[float, float, float, float]


def _equal(a: object, b: object) -> bool:
    """``a == b`` as one bool; False for values that do not compare so (frames)."""
    if a is b:
        return True
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


class Project:
    """Layers (index 0 is drawn on top, as in a layer panel) and view state.

    Parameters
    ----------
    layers
        Initial layers, top first.
    undo_limit
        Most undo entries kept (the oldest are forgotten first).
    """

    layer_added = Signal(str)  # layer id
    layer_removed = Signal(str)  # layer id
    layers_reordered = Signal()
    view_extent_changed = Signal(object)
    filter_changed = Signal(object)  # EventFilter
    selection_changed = Signal(object)  # Selection | None
    modified_changed = Signal(bool)
    path_changed = Signal(object)

    def __init__(
        self, layers: Iterable[Layer] | None = None, *, undo_limit: int = DEFAULT_LIMIT
    ) -> None:
        self._layers: list[Layer] = list(layers or [])
        self._path: Path | None = None
        self._modified = False
        self._state_dirty = False  # non-undoable state (window, filters) changed
        self.undo_stack = UndoStack(undo_limit)
        self.undo_stack.changed.connect(self._refresh_modified)
        self.view_extent: Extent | None = None
        self.time_window = TimeWindow()
        self.event_filter = EventFilter()
        self.selection: Selection | None = None
        self.extra_state: dict[str, Any] = {}
        #: What opening the file reset or left out (one line each), to show once.
        self.load_warnings: list[str] = []
        self.time_window.changed.connect(self._on_time_window_changed)
        self.time_window.settings_changed.connect(self._on_time_window_changed)
        self._update_time_span()

    # -- layers ---------------------------------------------------------------
    @property
    def layers(self) -> tuple[Layer, ...]:
        """Layers, top first."""
        return tuple(self._layers)

    def layer(self, layer_id: str) -> Layer:
        """The layer with this id (KeyError if none)."""
        for layer in self._layers:
            if layer.id == layer_id:
                return layer
        raise KeyError(layer_id)

    def index_of(self, layer_id: str) -> int:
        """Position of a layer, 0 being the top."""
        return self._layers.index(self.layer(layer_id))

    def layers_with_role(self, role: str) -> list[Layer]:
        """Layers that play a role (e.g. the national roads)."""
        return [layer for layer in self._layers if layer.role == role]

    def add_layer(self, layer: Layer, index: int = 0) -> None:
        """Insert a layer (at the top by default). Undoable."""
        if any(existing.id == layer.id for existing in self._layers):
            raise ValueError(f"layer id {layer.id} already in the project")
        index = max(0, min(index, len(self._layers)))
        self.undo_stack.push(
            Command(
                f"Add layer “{layer.name}”",
                lambda: self._insert(layer, index),
                lambda: self._take(layer.id),
            )
        )

    def remove_layer(self, layer_id: str) -> tuple[Layer, int]:
        """Remove a layer; returns it and its position. Undoable."""
        layer = self.layer(layer_id)
        index = self._layers.index(layer)
        self.undo_stack.push(
            Command(
                f"Remove layer “{layer.name}”",
                lambda: self._take(layer_id),
                lambda: self._insert(layer, index),
            )
        )
        return layer, index

    def move_layer(self, layer_id: str, new_index: int) -> int:
        """Move a layer to a new position; returns its old position. Undoable."""
        layer = self.layer(layer_id)
        old = self._layers.index(layer)
        order = [item.id for item in self._layers]
        order.remove(layer_id)
        order.insert(max(0, min(new_index, len(order))), layer_id)
        self.set_order(order)
        return old

    def set_order(self, layer_ids: list[str]) -> None:
        """Set the whole order at once (top first), e.g. after a drag. Undoable."""
        if sorted(layer_ids) != sorted(layer.id for layer in self._layers):
            raise ValueError("new order must name every layer exactly once")
        old = [layer.id for layer in self._layers]
        if layer_ids == old:
            return
        new = list(layer_ids)
        self.undo_stack.push(
            Command(
                "Reorder layers",
                lambda: self._reorder(new),
                lambda: self._reorder(old),
            )
        )

    def set_visible(self, layer_id: str, visible: bool) -> None:
        """Show or hide a layer. Undoable."""
        verb = "Show" if visible else "Hide"
        self._update(layer_id, "visible", bool(visible), verb)

    def set_opacity(self, layer_id: str, opacity: float) -> None:
        """Set a layer's opacity in [0, 1]. Undoable; a slider drag is one entry."""
        self._update(
            layer_id,
            "opacity",
            # NaN compares false both ways and would slip through the clamp
            float(min(max(opacity, 0.0), 1.0)) if math.isfinite(opacity) else 1.0,
            "Change opacity of",
            merge=True,
        )

    def set_style(self, layer_id: str, style: Style) -> None:
        """Replace a layer's style. Undoable."""
        self._update(layer_id, "style", style, "Style")

    def rename_layer(self, layer_id: str, name: str) -> None:
        """Rename a layer (names need not be unique; ids are). Undoable."""
        if not name.strip():
            raise ValueError("a layer name cannot be empty")
        self._update(layer_id, "name", name.strip(), "Rename")

    def update_layer(self, layer_id: str, text: str, **values: object) -> None:
        """Set several fields of a layer as one undo entry named ``text``.

        The layer's signals emit after all fields are set, once per field that
        changed (``Layer.batch``); undo restores them the same way.
        """
        layer = self.layer(layer_id)
        old = {key: getattr(layer, key) for key in values}
        new = {k: v for k, v in values.items() if not _equal(old[k], v)}
        if not new:
            return
        old = {key: old[key] for key in new}
        self.undo_stack.push(
            Command(
                text,
                lambda: self.layer(layer_id).update(**new),
                lambda: self.layer(layer_id).update(**old),
            )
        )

    def replace_data(
        self,
        layer_id: str,
        frame: gpd.GeoDataFrame,
        text: str,
        merge_key: Hashable | None = None,
    ) -> None:
        """Swap a vector layer's features for ``frame`` (EPSG:4326). Undoable.

        Frames are never changed in place, so undo puts back the very same
        object. Consecutive edits with the same ``merge_key`` (a drag) make one
        undo entry.
        """
        layer = self.layer(layer_id)
        if not isinstance(layer, VectorLayer):
            raise TypeError(f"layer {layer.name!r} holds no vector data to edit")
        old = layer.data
        self.undo_stack.push(
            Command(
                text,
                lambda: self._vector(layer_id).replace_data(frame),
                lambda: self._vector(layer_id).replace_data(old),
                merge_key=merge_key,
            )
        )

    def _vector(self, layer_id: str) -> VectorLayer:
        layer = self.layer(layer_id)
        assert isinstance(layer, VectorLayer)
        return layer

    def replace_role(self, role: str, new_layer: Layer) -> list[Layer]:
        """Put ``new_layer`` in place of the layers playing ``role``; returns them.

        Used when an analyst imports real roads to replace the approximate ones.
        One undo entry restores the old layers.
        """
        old = self.layers_with_role(role)
        index = self._layers.index(old[0]) if old else 0
        new_layer.role = role
        with self.undo_stack.macro(f"Replace {role} with “{new_layer.name}”"):
            for layer in old:
                self.remove_layer(layer.id)
            self.add_layer(new_layer, index)
        return old

    # -- primitive changes (run by commands; they emit the signals) -------------
    def _insert(self, layer: Layer, index: int) -> None:
        self._layers.insert(index, layer)
        if isinstance(layer, EventLayer):
            self._update_time_span()
        self.layer_added.emit(layer.id)

    def _take(self, layer_id: str) -> None:
        layer = self.layer(layer_id)
        self._layers.remove(layer)
        if isinstance(layer, EventLayer):
            self._update_time_span()
        self.layer_removed.emit(layer_id)

    def _reorder(self, layer_ids: list[str]) -> None:
        by_id = {layer.id: layer for layer in self._layers}
        self._layers = [by_id[i] for i in layer_ids]
        self.layers_reordered.emit()

    def _set_attr(self, layer_id: str, attr: str, value: object) -> None:
        setattr(self.layer(layer_id), attr, value)  # the layer emits its signal

    def _update(
        self, layer_id: str, attr: str, value: object, verb: str, merge: bool = False
    ) -> None:
        layer = self.layer(layer_id)
        old = getattr(layer, attr)
        if old == value:
            return
        self.undo_stack.push(
            Command(
                f"{verb} “{layer.name}”",
                lambda: self._set_attr(layer_id, attr, value),
                lambda: self._set_attr(layer_id, attr, old),
                merge_key=(layer_id, attr) if merge else None,
                before=old,
                after=value,
            )
        )

    # -- view state -----------------------------------------------------------
    def set_view_extent(self, extent: Extent | None) -> None:
        """Remember the map's extent in the display CRS (saved, not 'modified')."""
        if extent == self.view_extent:
            return
        self.view_extent = extent
        self.view_extent_changed.emit(extent)

    def event_layers(self) -> list[EventLayer]:
        """The event layers, top first."""
        return [layer for layer in self._layers if isinstance(layer, EventLayer)]

    def event_span(self) -> tuple[object, object] | None:
        """First and last event day over all event layers."""
        ranges = [
            r
            for layer in self.event_layers()
            if (r := layer.events.date_range()) is not None
        ]
        if not ranges:
            return None
        return min(r[0] for r in ranges), max(r[1] for r in ranges)

    def _update_time_span(self) -> None:
        span = self.event_span()
        if span is None:
            if self.time_window.span is not None:
                self.time_window.clear()
            return
        self.time_window.set_span(*span)

    def _on_time_window_changed(self, *args: object) -> None:
        self._mark_state_dirty()

    def set_filter(self, event_filter: EventFilter) -> None:
        """Set the event filter (applies to map and charts)."""
        if event_filter == self.event_filter:
            return
        self.event_filter = event_filter
        self.filter_changed.emit(event_filter)
        self._mark_state_dirty()

    def set_selection(self, selection: Selection | None) -> None:
        """Restrict the charts to an area, or clear with None."""
        if selection is self.selection:
            return
        self.selection = selection
        self.selection_changed.emit(selection)
        self._mark_state_dirty()

    # -- file state -----------------------------------------------------------
    @property
    def path(self) -> Path | None:
        """The file this project was last opened from or saved to."""
        return self._path

    def set_path(self, path: Path | None) -> None:
        """Record where the project lives."""
        self._path = path
        self.path_changed.emit(path)

    @property
    def modified(self) -> bool:
        """True when there are unsaved changes."""
        return self._modified

    def mark_saved(self) -> None:
        """Call after a successful save or load."""
        self._state_dirty = False
        self.undo_stack.set_clean()
        self._refresh_modified()

    def mark_modified(self) -> None:
        """Mark unsaved changes outside the undo history (e.g. a recovered copy)."""
        self._mark_state_dirty()

    def _mark_state_dirty(self) -> None:
        self._state_dirty = True
        self._refresh_modified()

    def _refresh_modified(self) -> None:
        value = self._state_dirty or not self.undo_stack.is_clean
        if value != self._modified:
            self._modified = value
            self.modified_changed.emit(value)

    # -- credits --------------------------------------------------------------
    def attributions(self, visible_only: bool = True) -> list[str]:
        """Deduplicated credits of the (visible) layers, for source lines."""
        seen: list[str] = []
        for layer in reversed(self._layers):
            if visible_only and not layer.visible:
                continue
            if layer.attribution and layer.attribution not in seen:
                seen.append(layer.attribution)
        basemap = self.extra_state.get("basemap")
        credit = basemap.get("attribution") if isinstance(basemap, dict) else None
        if credit and credit not in seen:
            seen.append(credit)
        return seen

    def has_synthetic_visible(self) -> bool:
        """True when a visible layer holds made-up data (maps must say so)."""
        return any(layer.synthetic and layer.visible for layer in self._layers)


__all__ = ["ROLE_ROADS", "Extent", "Project"]
