"""Drawing, editing and measuring on the map canvas.

``DrawingController`` watches the canvas viewport through an event filter and
acts only while one of its tools is on; otherwise every event goes on to
pyqtgraph (pan, identify, selection tools). Finished shapes and edits become
undoable commands of ``sahelgis.model.drawings``; the controller keeps no copy of
the data and redraws its overlays (selection, vertex handles) when the model
says a drawing layer changed. Sketches, rubber bands and segment labels are
overlay items in view coordinates (display CRS, metres).

Mouse: left click adds a vertex (point tool: adds the point), double-click,
right click or Enter finishes, Esc cancels, Backspace drops the last vertex;
middle drag and the wheel keep panning and zooming. Edit tool: click selects,
drag moves, drag a square handle to move a vertex, double-click on an edge of
the selected drawing adds a vertex, right click on a handle (or Delete after
clicking it) removes it, Delete removes the selected drawings, double-click a
drawing (or Enter) edits its name, note, category and colour.


The controller is split by concern: this module has the tools, sketches,
snapping and the event filter; ``drawing_edit`` the edit tool and the selection;
``drawing_overlays`` draws the overlays; ``drawing_items`` draws drawing layers
for the canvas. The canvas is only known through the ``MapView`` protocol.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import numpy as np
import pyqtgraph as pg
import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QDialog, QGraphicsPathItem

from sahelgis.model import crs, drawings
from sahelgis.model.drawings import COL_FID, ROLE_DRAWING
from sahelgis.model.layers import LayerSubscriptions
from sahelgis.ui.canvas.drawing_edit import DRAG_THRESHOLD_PX, EditToolMixin
from sahelgis.ui.canvas.drawing_items import SKETCH_COLOR, drawing_layer_items
from sahelgis.ui.canvas.drawing_overlays import (
    MEASURE_COLOR,
    OVERLAY_Z,
    SELECT_COLOR,
    SNAP_COLOR,
    DrawingOverlays,
)
from sahelgis.ui.canvas.tools import TOOL_PAN

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

    from sahelgis.model.project import Project
    from sahelgis.ui.canvas.view_protocol import MapView

TOOL_DRAW_POINT = "draw_point"
TOOL_DRAW_LINE = "draw_line"
TOOL_DRAW_POLYGON = "draw_polygon"
TOOL_MEASURE = "measure"
TOOL_EDIT = "edit_drawings"
DRAWING_TOOLS = (
    TOOL_DRAW_POINT,
    TOOL_DRAW_LINE,
    TOOL_DRAW_POLYGON,
    TOOL_MEASURE,
    TOOL_EDIT,
)
SKETCH_TOOLS = (TOOL_DRAW_LINE, TOOL_DRAW_POLYGON, TOOL_MEASURE)


# -- the controller ------------------------------------------------------------------
class DrawingController(EditToolMixin, QObject):
    """Draw, edit and measure drawings on a map through undoable commands."""

    sig_measure = Signal(str)  # readout for the status bar ("" clears it)
    sig_message = Signal(str)  # short notices ("a polygon needs 3 vertices")
    sig_tool_changed = Signal(object)  # tool id or None
    sig_feature_added = Signal(str, int)  # layer id, feature id
    sig_selection_changed = Signal(object)  # (layer id, [fids]) or None

    def __init__(
        self, canvas: MapView, project: Project, parent: QObject | None = None
    ) -> None:
        # owned by the canvas (a QObject) unless told otherwise
        super().__init__(parent if parent is not None else cast(QObject, canvas))
        self.canvas = canvas
        self.project = project
        self.tool: str | None = None
        self.snapping = True
        self.snap_tolerance_px = 10.0
        self.pick_tolerance_px = 6.0
        self.new_layer_name = "Drawings"
        self.open_attributes_on_double_click = True
        self.attributes_dialog: QDialog | None = None
        self._active_layer_id: str | None = None
        self._sketch: list[tuple[float, float]] = []
        self._cursor: tuple[float, float] | None = None
        self._sketch_done = False
        self._measure_closed = False
        self._selection: tuple[str, list[int]] | None = None
        self._active_vertex: int | None = None
        self._drag: dict | None = None
        self._was_selected: tuple[str, list[int]] | None = None
        # buttons whose press we took: their moves and release are ours too
        self._grabbed: set[Qt.MouseButton] = set()
        self._snap_cache: dict[object, tuple[np.ndarray, np.ndarray]] = {}
        self._attached = True
        self.overlays = DrawingOverlays(canvas.view_box)
        canvas.viewport().installEventFilter(self)
        canvas.installEventFilter(self)
        project.layer_added.connect(self._on_project_layers_changed)
        project.layer_removed.connect(self._on_project_layer_removed)
        # snapping and the selection follow the layers' data and visibility
        self._layer_subscriptions = LayerSubscriptions(
            self, data="_on_layer_data", visible="_on_layer_visible"
        )
        self._layer_subscriptions.follow(project.layers)

    # -- overlays (drawn by ``self.overlays``) ------------------------------------
    @property
    def rubber(self) -> QGraphicsPathItem:
        """The rubber band of the sketch."""
        return self.overlays.rubber

    @property
    def handles(self) -> pg.ScatterPlotItem:
        """The vertex handles of the selected drawing."""
        return self.overlays.handles

    @property
    def snap_marker(self) -> pg.ScatterPlotItem:
        """The mark on the snapped position."""
        return self.overlays.snap_marker

    def detach(self) -> None:
        """Stop watching the canvas and project (before either is replaced)."""
        if not self._attached:
            return
        self._attached = False
        project = self.project
        project.layer_added.disconnect(self._on_project_layers_changed, missing_ok=True)
        project.layer_removed.disconnect(
            self._on_project_layer_removed, missing_ok=True
        )
        self._layer_subscriptions.clear()
        if not shiboken6.isValid(self.canvas):
            return
        self.canvas.viewport().removeEventFilter(self)
        self.canvas.removeEventFilter(self)
        self.overlays.remove()

    # -- public state -------------------------------------------------------------
    def set_tool(self, tool: str | None) -> None:
        """Switch to a drawing tool, or pass None (or any other tool) to stand aside."""
        tool = tool if tool in DRAWING_TOOLS else None
        if tool == self.tool:
            return
        self.cancel_sketch()
        self._drag = None
        self._grabbed.clear()
        if tool != TOOL_EDIT:
            self.clear_selection()
        self.tool = tool
        viewport = self.canvas.viewport()
        if tool is None:
            viewport.unsetCursor()
        else:
            self.canvas.set_tool(TOOL_PAN)  # left drags outside our shapes pan
            viewport.setCursor(
                Qt.CursorShape.ArrowCursor
                if tool == TOOL_EDIT
                else Qt.CursorShape.CrossCursor
            )
        self.sig_measure.emit(self._hint())
        self.sig_tool_changed.emit(tool)

    @property
    def active(self) -> bool:
        """True while one of the drawing tools is on."""
        return self.tool is not None

    @property
    def active_layer_id(self) -> str | None:
        """The drawing layer new drawings go to (None until one exists)."""
        if self._active_layer_id is not None:
            try:
                layer = self.project.layer(self._active_layer_id)
            except KeyError:
                self._active_layer_id = None
            else:
                if layer.role == ROLE_DRAWING:
                    return self._active_layer_id
                self._active_layer_id = None
        layers = drawings.drawing_layers(self.project)
        return layers[0].id if layers else None

    @active_layer_id.setter
    def active_layer_id(self, layer_id: str | None) -> None:
        if layer_id is not None and self.project.layer(layer_id).role != ROLE_DRAWING:
            raise ValueError("new drawings go to a drawing layer only")
        self._active_layer_id = layer_id

    def ensure_active_layer(self) -> str:
        """The active drawing layer, created ("Drawings") if the project has none."""
        layer_id = self.active_layer_id
        if layer_id is None:
            layer = drawings.add_drawing_layer(self.project, self.new_layer_name)
            layer_id = layer.id
        self._active_layer_id = layer_id
        return layer_id

    def sketch_display(self) -> np.ndarray:
        """The vertices of the current sketch, display CRS ``(n, 2)``."""
        return np.array(self._sketch, dtype=float).reshape(-1, 2)

    def sketch_lonlat(self) -> np.ndarray:
        """The vertices of the current sketch (or last measure) as lon/lat."""
        xy = self.sketch_display()
        if not len(xy):
            return xy
        lon, lat = crs.to_lonlat().transform(xy[:, 0], xy[:, 1])
        return np.column_stack([lon, lat])

    @property
    def measured_length_m(self) -> float:
        """Geodesic length of the sketch (or the last finished measure)."""
        return drawings.geodesic_length_m(self.sketch_lonlat())

    @property
    def measured_area_m2(self) -> float:
        """Geodesic area of the sketch closed into a polygon (0 under 3 vertices)."""
        return drawings.geodesic_area_m2(self.sketch_lonlat())

    # -- sketches -----------------------------------------------------------------
    def cancel_sketch(self) -> None:
        """Drop the sketch being drawn (Esc)."""
        had = bool(self._sketch)
        self._sketch = []
        self._sketch_done = False
        self._measure_closed = False
        self._update_sketch()
        self.overlays.hide_snap()
        if had:
            self.sig_measure.emit(self._hint())

    def remove_last_vertex(self) -> None:
        """Drop the last vertex of the sketch (Backspace)."""
        if self._sketch and not self._sketch_done:
            self._sketch.pop()
            self._update_sketch()

    def add_sketch_vertex(self, x: float, y: float) -> None:
        """Add a display-CRS vertex to the sketch (what a click does)."""
        if self._sketch_done:
            self._sketch = []
            self._sketch_done = False
            self._measure_closed = False
        if self._sketch:
            lx, ly = self._sketch[-1]
            if np.hypot(x - lx, y - ly) < 0.5 * self.canvas.metres_per_pixel():
                return
        self._sketch.append((x, y))
        self._update_sketch()

    def finish_sketch(self) -> int | None:
        """Turn the sketch into a drawing (or freeze a measure); the new fid."""
        if self.tool == TOOL_MEASURE:
            if self._sketch:
                self._sketch_done = True
                self._cursor = None
                self._update_sketch()
            return None
        kind = {TOOL_DRAW_LINE: "line", TOOL_DRAW_POLYGON: "polygon"}.get(
            self.tool or ""
        )
        if kind is None or not self._sketch:
            return None
        needed = 2 if kind == "line" else 3
        if len(self._sketch) < needed:
            self.sig_message.emit(f"A {kind} needs at least {needed} vertices")
            return None
        geometry = drawings.geometry_from_display(kind, self.sketch_display())
        self._sketch = []
        self._update_sketch()
        return self._add(geometry)

    def add_point(self, x: float, y: float) -> int:
        """Add a point drawing at a display-CRS position; its fid."""
        return self._add(drawings.geometry_from_display("point", np.array([[x, y]])))

    def _add(self, geometry: BaseGeometry) -> int:
        layer_id = self.ensure_active_layer()
        fid = drawings.add_feature(self.project, layer_id, geometry)
        self.sig_feature_added.emit(layer_id, fid)
        self.sig_measure.emit(drawings.describe_geometry(geometry))
        return fid

    def _hint(self) -> str:
        return {
            TOOL_DRAW_POINT: "Click to add a point",
            TOOL_DRAW_LINE: "Click to add vertices; double-click or Enter to finish",
            TOOL_DRAW_POLYGON: "Click to add vertices; double-click or Enter to close",
            TOOL_MEASURE: "Click to start measuring; double-click or Enter to finish",
            TOOL_EDIT: "Click a drawing to select it; drag to move; Delete removes",
        }.get(self.tool or "", "")

    def _update_sketch(self) -> None:
        points = list(self._sketch)
        live = (
            self._cursor is not None
            and not self._sketch_done
            and self.tool in SKETCH_TOOLS
            and bool(points)
        )
        if live:
            points.append(self._cursor)  # type: ignore[arg-type]
        closed = self.tool == TOOL_DRAW_POLYGON or self._measure_closed
        self.overlays.show_sketch(
            points, self._sketch, measuring=self.tool == TOOL_MEASURE, closed=closed
        )
        if self.tool in SKETCH_TOOLS and points:
            xy = np.array(points, dtype=float)
            lon, lat = crs.to_lonlat().transform(xy[:, 0], xy[:, 1])
            text = drawings.measure_text(np.column_stack([lon, lat]), closed)
            self.sig_measure.emit(text)

    def segment_label_texts(self) -> list[str]:
        """Texts of the visible segment-length labels (for tests and tooltips)."""
        return self.overlays.segment_label_texts()

    # -- snapping -------------------------------------------------------------------
    def _snap(
        self, x: float, y: float, exclude: tuple[str, int] | None = None
    ) -> tuple[float, float]:
        if not self.snapping:
            self.overlays.hide_snap()
            return x, y
        candidates = self._snap_cache.get(exclude)
        if candidates is None:
            candidates = drawings.snap_candidates(self.project, exclude)
            self._snap_cache[exclude] = candidates
        tolerance = self.snap_tolerance_px * self.canvas.metres_per_pixel()
        sx, sy, hit = drawings.snap(x, y, candidates, tolerance)
        self.overlays.show_snap(sx, sy, hit)
        return sx, sy

    # -- model events -------------------------------------------------------------
    def _alive(self) -> bool:
        # psygnal holds weak references: our wrapper may outlive the C++ canvas
        if (
            self._attached
            and shiboken6.isValid(self)
            and shiboken6.isValid(self.canvas)
        ):
            return True
        self.detach()
        return False

    def _on_project_layers_changed(self, *args: object) -> None:
        self._snap_cache.clear()
        self._layer_subscriptions.follow(self.project.layers)

    def _on_project_layer_removed(self, layer_id: str) -> None:
        self._snap_cache.clear()
        self._layer_subscriptions.remove(layer_id)
        if not self._alive():
            return
        if self._selection is not None and self._selection[0] == layer_id:
            self.clear_selection()
        if self._active_layer_id == layer_id:
            self._active_layer_id = None

    def _on_layer_visible(self, layer_id: str, visible: bool) -> None:
        self._on_layer_data(layer_id)

    def _on_layer_data(self, layer_id: str) -> None:
        if not self._alive():
            return
        self._snap_cache.clear()
        if self._selection is None or self._selection[0] != layer_id:
            return
        layer = self._selected_layer()
        if layer is None:
            self.clear_selection()
            return
        present = set(layer.data[COL_FID].tolist())
        kept = [f for f in self._selection[1] if f in present]
        if kept != self._selection[1]:
            self.select(layer_id, kept)
        else:
            self._refresh_selection()

    # -- events ---------------------------------------------------------------------
    def _map_point(self, event: QMouseEvent) -> tuple[float, float]:
        scene = self.canvas.mapToScene(event.position().toPoint())
        point = self.canvas.view_box.mapSceneToView(scene)
        return float(point.x()), float(point.y())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt override
        if self.tool is None or not self._attached:
            return False
        if not shiboken6.isValid(self.canvas):  # events sent while it is destroyed
            return False
        kind = event.type()
        if kind == QEvent.Type.ShortcutOverride:
            return self._on_shortcut_override(event)  # type: ignore[arg-type]
        if kind == QEvent.Type.KeyPress:
            return self._on_key_press(event)  # type: ignore[arg-type]
        if watched is not self.canvas.viewport():
            return False
        if kind in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonDblClick):
            mouse: QMouseEvent = event  # type: ignore[assignment]
            if kind == QEvent.Type.MouseButtonPress:
                taken = self._on_mouse_press(mouse)
            else:
                taken = self._on_mouse_double_click(mouse)
            if taken:
                self._grabbed.add(mouse.button())
            return taken
        if kind == QEvent.Type.MouseMove:
            mouse = event  # type: ignore[assignment]
            if self._grabbed:
                self._on_mouse_drag(mouse)
                return True
            self._on_mouse_hover(mouse)
            return False  # the canvas still shows the cursor's coordinates
        if kind == QEvent.Type.MouseButtonRelease:
            mouse = event  # type: ignore[assignment]
            if mouse.button() not in self._grabbed:
                return False
            self._grabbed.discard(mouse.button())
            self._on_mouse_release(mouse)
            return True
        if kind == QEvent.Type.Leave:
            self.overlays.hide_snap()
        return False

    def _wants_key(self, key: int) -> bool:
        if key == Qt.Key.Key_Escape:
            return bool(self._sketch) or self._selection is not None
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            return bool(self._sketch) or (
                self.tool == TOOL_EDIT and self._single_selected() is not None
            )
        if key == Qt.Key.Key_Backspace:
            return bool(self._sketch) or (
                self.tool == TOOL_EDIT and self._selection is not None
            )
        if key == Qt.Key.Key_Delete:
            return self.tool == TOOL_EDIT and self._selection is not None
        return False

    def _on_shortcut_override(self, event: QKeyEvent) -> bool:
        # Claim keys we act on so window shortcuts (Esc = clear selection) wait.
        modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if modifiers == Qt.KeyboardModifier.NoModifier and self._wants_key(event.key()):
            event.accept()
            return True
        return False

    def _on_key_press(self, event: QKeyEvent) -> bool:
        key = event.key()
        if not self._wants_key(key):
            return False
        if key == Qt.Key.Key_Escape:
            if self._sketch:
                self.cancel_sketch()
            else:
                self.clear_selection()
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if self._sketch:
                self.finish_sketch()
            else:
                single = self._single_selected()
                if single is not None:
                    self.edit_attributes(single[0].id, single[1])
        elif key == Qt.Key.Key_Backspace and self._sketch:
            self.remove_last_vertex()
        elif key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            if self._active_vertex is not None:
                self.remove_vertex_at(self._active_vertex)
            else:
                self.delete_selected()
        event.accept()
        return True

    def _on_mouse_press(self, event: QMouseEvent) -> bool:
        button = event.button()
        x, y = self._map_point(event)
        self.canvas.setFocus(Qt.FocusReason.MouseFocusReason)
        if self.tool == TOOL_EDIT:
            return self._edit_press(event, x, y)
        if button == Qt.MouseButton.RightButton:
            if self._sketch and not self._sketch_done:
                self.finish_sketch()
                return True
            return False
        if button != Qt.MouseButton.LeftButton:
            return False
        x, y = self._snap(x, y)
        if self.tool == TOOL_DRAW_POINT:
            self.add_point(x, y)
            return True
        if self._closes_sketch(x, y):
            if self.tool == TOOL_MEASURE:
                self._measure_closed = True
            self.finish_sketch()
            return True
        self.add_sketch_vertex(x, y)
        return True

    def _closes_sketch(self, x: float, y: float) -> bool:
        """A click on the first vertex closes a polygon or an area measure."""
        if self.tool not in (TOOL_DRAW_POLYGON, TOOL_MEASURE) or self._sketch_done:
            return False
        if len(self._sketch) < 3:
            return False
        fx, fy = self._sketch[0]
        tolerance = self.pick_tolerance_px * self.canvas.metres_per_pixel()
        return bool(np.hypot(x - fx, y - fy) <= tolerance)

    def _on_mouse_hover(self, event: QMouseEvent) -> None:
        x, y = self._map_point(event)
        if self.tool == TOOL_EDIT:
            if self._vertex_at(x, y) is not None:
                shape = Qt.CursorShape.CrossCursor
            elif self.feature_at(x, y) is not None:
                shape = Qt.CursorShape.SizeAllCursor
            else:
                shape = Qt.CursorShape.ArrowCursor
            self.canvas.viewport().setCursor(shape)
            return
        x, y = self._snap(x, y)
        self._cursor = (x, y)
        if self._sketch and not self._sketch_done:
            self._update_sketch()

    def _on_mouse_drag(self, event: QMouseEvent) -> None:
        x, y = self._map_point(event)
        if self.tool == TOOL_EDIT:
            self._edit_drag(event, x, y)
            return
        x, y = self._snap(x, y)
        self._cursor = (x, y)
        if self._sketch and not self._sketch_done:
            self._update_sketch()

    def _on_mouse_release(self, event: QMouseEvent) -> None:
        if self._drag is not None and event.button() == Qt.MouseButton.LeftButton:
            self._drag = None
            self.overlays.hide_snap()

    def _on_mouse_double_click(self, event: QMouseEvent) -> bool:
        if event.button() != Qt.MouseButton.LeftButton:
            return False
        x, y = self._map_point(event)
        if self.tool == TOOL_EDIT:
            return self._edit_double_click(x, y)
        if self.tool == TOOL_DRAW_POINT:
            return True
        x, y = self._snap(x, y)
        if not self._sketch_done:
            self.add_sketch_vertex(x, y)  # ignored when on the last vertex
        self.finish_sketch()
        return True


__all__ = [
    "DRAG_THRESHOLD_PX",
    "DRAWING_TOOLS",
    "MEASURE_COLOR",
    "OVERLAY_Z",
    "SELECT_COLOR",
    "SKETCH_COLOR",
    "SNAP_COLOR",
    "TOOL_DRAW_LINE",
    "TOOL_DRAW_POINT",
    "TOOL_DRAW_POLYGON",
    "TOOL_EDIT",
    "TOOL_MEASURE",
    "DrawingController",
    "drawing_layer_items",
]
