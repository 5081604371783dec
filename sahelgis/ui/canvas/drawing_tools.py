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
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
import shapely
import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QKeyEvent, QMouseEvent, QPainterPath
from PySide6.QtWidgets import QDialog, QGraphicsPathItem

from sahelgis.model import crs, drawings
from sahelgis.model.drawings import (
    COL_CATEGORY,
    COL_COLOR,
    COL_FID,
    ROLE_DRAWING,
)
from sahelgis.model.layers import VectorLayer
from sahelgis.ui.canvas.geometry_paths import lines_path, polygons_path
from sahelgis.ui.canvas.items import LabelsItem, PathsItem, PointsItem, cosmetic_pen
from sahelgis.ui.canvas.tools import TOOL_PAN

if TYPE_CHECKING:
    from sahelgis.model.project import Project
    from sahelgis.ui.canvas.map_canvas import MapCanvas

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

OVERLAY_Z = 1e6
SKETCH_COLOR = "#D62828"
MEASURE_COLOR = "#0057B8"
SELECT_COLOR = "#00B4D8"
SNAP_COLOR = "#FF00FF"
#: Pixels a press must travel before it counts as a drag (not a click).
DRAG_THRESHOLD_PX = 3.0
FILL_ALPHA = 70


def _qcolor(hex_rgb: str, alpha: int = 255) -> QColor:
    color = QColor(hex_rgb[:7] if hex_rgb else SKETCH_COLOR)
    if not color.isValid():
        color = QColor(SKETCH_COLOR)
    color.setAlpha(alpha)
    return color


# -- how drawing layers look on the canvas ------------------------------------------
def drawing_layer_items(layer: VectorLayer) -> list[pg.GraphicsObject]:
    """Items drawing a drawing layer: mixed kinds, each drawing in its own colour.

    Polygons are filled translucently and outlined, lines stroked, points drawn
    as dots; names are labels. Coordinates come from the layer's display cache.
    """
    style = layer.style
    geoms = layer.display_geometry().to_numpy()
    if len(geoms) == 0:
        return []
    if COL_COLOR in layer.data:
        colors = layer.data[COL_COLOR].fillna("").astype(str).to_numpy()
    else:
        colors = np.full(len(geoms), style.color)
    colors = np.where(colors == "", style.color[:7], colors)
    type_ids = shapely.get_type_id(geoms)
    is_polygon = np.isin(type_ids, (3, 6))
    is_line = np.isin(type_ids, (1, 2, 5))
    is_point = np.isin(type_ids, (0, 4))
    items: list[pg.GraphicsObject] = []
    groups = []
    for color in sorted(set(colors[is_polygon])):
        mask = is_polygon & (colors == color)
        groups.append(
            (
                polygons_path(geoms[mask]),
                cosmetic_pen(color, style.line_width, style.line_style),
                QBrush(_qcolor(color, FILL_ALPHA)),
            )
        )
    for color in sorted(set(colors[is_line])):
        mask = is_line & (colors == color)
        groups.append(
            (
                lines_path(geoms[mask]),
                cosmetic_pen(color, style.line_width, style.line_style),
                None,
            )
        )
    if groups:
        items.append(PathsItem(groups))
    if is_point.any():
        parts, owner = shapely.get_parts(geoms[is_point], return_index=True)
        point_colors = colors[is_point][owner]
        palette = sorted(set(point_colors))
        codes = np.searchsorted(palette, point_colors)
        points = PointsItem()
        points.set_points(
            shapely.get_x(parts),
            shapely.get_y(parts),
            codes,
            palette,
            style.size,
            style.symbol if style.symbol in ("o", "s") else "o",
        )
        items.append(points)
    field = style.label_field
    if field and field in layer.data:
        texts = layer.data[field].fillna("").astype(str).to_numpy()
        anchors = geoms.copy()
        if is_line.any():
            anchors[is_line] = shapely.line_interpolate_point(
                shapely.line_merge(geoms[is_line]), 0.5, normalized=True
            )
        if is_polygon.any():
            anchors[is_polygon] = shapely.point_on_surface(geoms[is_polygon])
        multipoint = type_ids == 4
        if multipoint.any():
            anchors[multipoint] = shapely.point_on_surface(geoms[multipoint])
        keep = (texts != "") & (type_ids >= 0)
        if keep.any():
            items.append(
                LabelsItem(
                    shapely.get_x(anchors[keep]),
                    shapely.get_y(anchors[keep]),
                    texts[keep],
                    color=style.label_color,
                    size=style.label_size,
                    bold=True,
                )
            )
    return items


# -- the controller ------------------------------------------------------------------
class DrawingController(QObject):
    """Draw, edit and measure drawings on a ``MapCanvas`` through undoable commands."""

    sig_measure = Signal(str)  # readout for the status bar ("" clears it)
    sig_message = Signal(str)  # short notices ("a polygon needs 3 vertices")
    sig_tool_changed = Signal(object)  # tool id or None
    sig_feature_added = Signal(str, int)  # layer id, feature id
    sig_selection_changed = Signal(object)  # (layer id, [fids]) or None

    def __init__(
        self, canvas: MapCanvas, project: Project, parent: QObject | None = None
    ) -> None:
        super().__init__(parent if parent is not None else canvas)
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
        self._build_overlays()
        canvas.viewport().installEventFilter(self)
        canvas.installEventFilter(self)
        project.layer_added.connect(self._on_project_layers_changed)
        project.layer_removed.connect(self._on_project_layer_removed)
        project.layer_changed.connect(self._on_project_layer_changed)

    # -- overlays -----------------------------------------------------------------
    def _build_overlays(self) -> None:
        box = self.canvas.view_box
        self.rubber = QGraphicsPathItem()
        self.rubber.setZValue(OVERLAY_Z)
        box.addItem(self.rubber, ignoreBounds=True)
        self.highlight = QGraphicsPathItem()
        pen = cosmetic_pen(SELECT_COLOR, 4.0)
        self.highlight.setPen(pen)
        self.highlight.setBrush(QBrush(_qcolor(SELECT_COLOR, 50)))
        self.highlight.setZValue(OVERLAY_Z - 2)
        box.addItem(self.highlight, ignoreBounds=True)
        self.handles = pg.ScatterPlotItem(
            size=9,
            symbol="s",
            pen=pg.mkPen("#003049", width=1.2),
            brush=pg.mkBrush("#FFFFFF"),
            pxMode=True,
        )
        self.handles.setZValue(OVERLAY_Z + 1)
        box.addItem(self.handles, ignoreBounds=True)
        self.sketch_vertices = pg.ScatterPlotItem(
            size=7,
            symbol="o",
            pen=pg.mkPen("#FFFFFF", width=1.2),
            brush=pg.mkBrush(SKETCH_COLOR),
            pxMode=True,
        )
        self.sketch_vertices.setZValue(OVERLAY_Z + 1)
        box.addItem(self.sketch_vertices, ignoreBounds=True)
        self.snap_marker = pg.ScatterPlotItem(
            size=16,
            symbol="o",
            pen=pg.mkPen(SNAP_COLOR, width=2.5),
            brush=pg.mkBrush(None),
            pxMode=True,
        )
        self.snap_marker.setZValue(OVERLAY_Z + 2)
        box.addItem(self.snap_marker, ignoreBounds=True)
        self.segment_labels: list[pg.TextItem] = []

    def _segment_label(self, i: int) -> pg.TextItem:
        while len(self.segment_labels) <= i:
            label = pg.TextItem(
                "",
                color="#FFFFFF",
                fill=pg.mkBrush(QColor(20, 20, 20, 190)),
                anchor=(0.5, 1.15),
            )
            label.setZValue(OVERLAY_Z + 3)
            self.canvas.view_box.addItem(label, ignoreBounds=True)
            self.segment_labels.append(label)
        return self.segment_labels[i]

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
        project.layer_changed.disconnect(
            self._on_project_layer_changed, missing_ok=True
        )
        if not shiboken6.isValid(self.canvas):
            return
        self.canvas.viewport().removeEventFilter(self)
        self.canvas.removeEventFilter(self)
        for item in [
            self.rubber,
            self.highlight,
            self.handles,
            self.sketch_vertices,
            self.snap_marker,
            *self.segment_labels,
        ]:
            self.canvas.view_box.removeItem(item)
        self.segment_labels = []

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
        self.snap_marker.setData([], [])
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

    def _add(self, geometry: object) -> int:
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
        color = MEASURE_COLOR if self.tool == TOOL_MEASURE else SKETCH_COLOR
        path = QPainterPath()
        if points:
            path.moveTo(*points[0])
            for p in points[1:]:
                path.lineTo(*p)
            if closed and len(points) >= 3:
                path.closeSubpath()
        pen = cosmetic_pen(color, 2.0, "solid" if self.tool != TOOL_MEASURE else "dash")
        self.rubber.setPen(pen)
        self.rubber.setBrush(
            QBrush(_qcolor(color, 45)) if closed else Qt.BrushStyle.NoBrush
        )
        self.rubber.setPath(path)
        self.rubber.setVisible(bool(points))
        self.sketch_vertices.setData(
            x=[p[0] for p in self._sketch], y=[p[1] for p in self._sketch]
        )
        self._update_segment_labels(points, closed)
        if self.tool in SKETCH_TOOLS and points:
            xy = np.array(points, dtype=float)
            lon, lat = crs.to_lonlat().transform(xy[:, 0], xy[:, 1])
            text = drawings.measure_text(np.column_stack([lon, lat]), closed)
            self.sig_measure.emit(text)

    def _update_segment_labels(
        self, points: list[tuple[float, float]], closed: bool
    ) -> None:
        count = 0
        if len(points) >= 2:
            xy = np.array(points, dtype=float)
            if closed and len(points) >= 3:
                xy = np.vstack([xy, xy[:1]])
            lon, lat = crs.to_lonlat().transform(xy[:, 0], xy[:, 1])
            lengths = drawings.segment_lengths_m(np.column_stack([lon, lat]))
            mid = (xy[:-1] + xy[1:]) / 2
            for i, (m, length) in enumerate(zip(mid, lengths, strict=True)):
                label = self._segment_label(i)
                label.setText(drawings.format_length_short(float(length)))
                label.setPos(float(m[0]), float(m[1]))
                label.setVisible(True)
            count = len(lengths)
        for label in self.segment_labels[count:]:
            label.setVisible(False)

    def segment_label_texts(self) -> list[str]:
        """Texts of the visible segment-length labels (for tests and tooltips)."""
        return [
            label.textItem.toPlainText()
            for label in self.segment_labels
            if label.isVisible()
        ]

    # -- snapping -------------------------------------------------------------------
    def _snap(
        self, x: float, y: float, exclude: tuple[str, int] | None = None
    ) -> tuple[float, float]:
        if not self.snapping:
            self.snap_marker.setData([], [])
            return x, y
        candidates = self._snap_cache.get(exclude)
        if candidates is None:
            candidates = drawings.snap_candidates(self.project, exclude)
            self._snap_cache[exclude] = candidates
        tolerance = self.snap_tolerance_px * self.canvas.metres_per_pixel()
        sx, sy, hit = drawings.snap(x, y, candidates, tolerance)
        self.snap_marker.setData([sx] if hit else [], [sy] if hit else [])
        return sx, sy

    # -- edit selection -----------------------------------------------------------
    @property
    def selection(self) -> tuple[str, list[int]] | None:
        """The selected drawings: (layer id, feature ids), or None."""
        return self._selection

    def select(self, layer_id: str, fids: list[int]) -> None:
        """Select drawings of one layer (highlight and vertex handles)."""
        self._selection = (layer_id, sorted({int(f) for f in fids})) if fids else None
        self._active_vertex = None
        self._refresh_selection()
        self.sig_selection_changed.emit(self._selection)

    def clear_selection(self) -> None:
        """Select nothing."""
        if self._selection is not None:
            self.select("", [])
        else:
            self._refresh_selection()

    def _selected_layer(self) -> VectorLayer | None:
        if self._selection is None:
            return None
        try:
            layer = self.project.layer(self._selection[0])
        except KeyError:
            return None
        return layer if isinstance(layer, VectorLayer) else None

    def _single_selected(self) -> tuple[VectorLayer, int] | None:
        layer = self._selected_layer()
        if layer is None or len(self._selection[1]) != 1:  # type: ignore[index]
            return None
        return layer, self._selection[1][0]  # type: ignore[index]

    def _refresh_selection(self) -> None:
        layer = self._selected_layer()
        if layer is None or self._selection is None:
            self.highlight.setPath(QPainterPath())
            self.highlight.hide()
            self.handles.setData([], [])
            return
        mask = layer.data[COL_FID].isin(self._selection[1]).to_numpy()
        geoms = layer.display_geometry().to_numpy()[mask]
        path = lines_path(geoms)
        polygons = polygons_path(geoms)
        path.addPath(polygons)
        self.highlight.setPath(path)
        self.highlight.setVisible(True)
        xy = self._selected_vertices_display()
        if xy is None:
            pts = shapely.get_coordinates(geoms)
            self.handles.setData(x=pts[:, 0], y=pts[:, 1])
        else:
            self.handles.setData(x=xy[:, 0], y=xy[:, 1])
        if len(geoms) == 1:
            self.sig_measure.emit(
                drawings.describe_geometry(layer.data.geometry.to_numpy()[mask][0])
            )
        else:
            self.sig_measure.emit(f"{len(geoms)} drawings selected")

    def _selected_vertices_display(self) -> np.ndarray | None:
        single = self._single_selected()
        if single is None:
            return None
        layer, fid = single
        try:
            lonlat = drawings.vertices(drawings.feature_geometry(layer, fid))
        except (ValueError, KeyError):
            return None
        x, y = crs.to_display().transform(lonlat[:, 0], lonlat[:, 1])
        return np.column_stack([x, y])

    def feature_at(self, x: float, y: float) -> tuple[str, int] | None:
        """The drawing under a display-CRS point: points before lines before areas."""
        tolerance = self.pick_tolerance_px * self.canvas.metres_per_pixel()
        here = shapely.Point(x, y)
        best: tuple[tuple[int, float, int], str, int] | None = None
        for order, layer in enumerate(drawings.drawing_layers(self.project)):
            if not layer.visible or layer.data.empty:
                continue
            geoms = layer.display_geometry().to_numpy()
            dist = shapely.distance(geoms, here)
            rank = np.select(
                [
                    np.isin(shapely.get_type_id(geoms), (0, 4)),
                    np.isin(shapely.get_type_id(geoms), (1, 2, 5)),
                ],
                [0, 1],
                2,
            )
            for i in np.flatnonzero(dist <= tolerance):
                key = (int(rank[i]), float(dist[i]), order)
                if best is None or key < best[0]:
                    best = (key, layer.id, int(layer.data[COL_FID].iloc[i]))
        return None if best is None else (best[1], best[2])

    def _vertex_at(self, x: float, y: float) -> int | None:
        xy = self._selected_vertices_display()
        if xy is None or not len(xy):
            return None
        d = np.hypot(xy[:, 0] - x, xy[:, 1] - y)
        i = int(np.argmin(d))
        tolerance = self.pick_tolerance_px * self.canvas.metres_per_pixel()
        return i if d[i] <= tolerance else None

    def _segment_at(self, x: float, y: float) -> tuple[int, float, float] | None:
        """Insert position and display point on the selected drawing's nearest edge."""
        single = self._single_selected()
        xy = self._selected_vertices_display()
        if single is None or xy is None or len(xy) < 2:
            return None
        kind = drawings.feature_geometry(*single).geom_type
        if kind not in ("LineString", "Polygon"):
            return None
        ends = np.vstack([xy, xy[:1]]) if kind == "Polygon" else xy
        a, b = ends[:-1], ends[1:]
        ab = b - a
        length2 = np.maximum((ab**2).sum(axis=1), 1e-12)
        t = np.clip(((np.array([x, y]) - a) * ab).sum(axis=1) / length2, 0.0, 1.0)
        foot = a + ab * t[:, None]
        d = np.hypot(foot[:, 0] - x, foot[:, 1] - y)
        i = int(np.argmin(d))
        tolerance = self.pick_tolerance_px * self.canvas.metres_per_pixel()
        if d[i] > tolerance:
            return None
        return i + 1, float(foot[i, 0]), float(foot[i, 1])

    def delete_selected(self) -> None:
        """Remove the selected drawings (one undo entry)."""
        layer = self._selected_layer()
        if layer is None or self._selection is None:
            return
        drawings.remove_features(self.project, layer.id, self._selection[1])
        self.clear_selection()

    def remove_vertex_at(self, index: int) -> bool:
        """Remove a vertex of the selected drawing if it keeps enough; done?"""
        single = self._single_selected()
        if single is None:
            return False
        layer, fid = single
        geometry = drawings.feature_geometry(layer, fid)
        if not drawings.can_remove_vertex(geometry):
            kind = drawings.KIND_NAMES.get(geometry.geom_type, "drawing")
            self.sig_message.emit(f"Cannot remove: a {kind} keeps its vertices")
            return False
        drawings.remove_vertex(self.project, layer.id, fid, index)
        self._active_vertex = None
        return True

    def edit_attributes(self, layer_id: str, fid: int) -> QDialog:
        """Open the attributes dialog of a drawing; OK stores the changes (undoable)."""
        from sahelgis.ui.panels.drawing_dialogs import FeatureAttributesDialog

        layer = self.project.layer(layer_id)
        assert isinstance(layer, VectorLayer)
        current = drawings.feature(layer, fid)
        categories = layer.data[COL_CATEGORY].astype(str).tolist()
        dialog = FeatureAttributesDialog(current, categories, self.canvas.window())

        def apply() -> None:
            try:
                drawings.update_attributes(
                    self.project, layer_id, fid, **dialog.attributes()
                )
            except KeyError:
                self.sig_message.emit("The drawing was deleted meanwhile")

        dialog.accepted.connect(apply)
        dialog.finished.connect(dialog.deleteLater)
        self.attributes_dialog = dialog
        dialog.open()
        return dialog

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

    def _on_project_layer_removed(self, layer_id: str) -> None:
        self._snap_cache.clear()
        if not self._alive():
            return
        if self._selection is not None and self._selection[0] == layer_id:
            self.clear_selection()
        if self._active_layer_id == layer_id:
            self._active_layer_id = None

    def _on_project_layer_changed(self, layer_id: str, what: str) -> None:
        if what not in ("data", "visible") or not self._alive():
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
            self.snap_marker.setData([], [])
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
            self.snap_marker.setData([], [])

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

    # -- edit tool ----------------------------------------------------------------
    def _edit_press(self, event: QMouseEvent, x: float, y: float) -> bool:
        button = event.button()
        vertex = self._vertex_at(x, y)
        if button == Qt.MouseButton.RightButton:
            if vertex is not None:
                self.remove_vertex_at(vertex)
                return True
            return False
        if button != Qt.MouseButton.LeftButton:
            return False
        self._was_selected = self._selection
        if vertex is not None:
            self._active_vertex = vertex
            self._drag = {
                "kind": "vertex",
                "index": vertex,
                "token": drawings.new_merge_token(),
                "start": event.position(),
                "moved": False,
            }
            return True
        hit = self.feature_at(x, y)
        if hit is None:
            self.clear_selection()
            return False  # pyqtgraph pans
        layer_id, fid = hit
        shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        if shift and self._selection is not None and self._selection[0] == layer_id:
            fids = set(self._selection[1]) ^ {fid}
            self.select(layer_id, sorted(fids))
        elif (
            self._selection is None
            or fid not in self._selection[1]
            or (self._selection[0] != layer_id)
        ):
            self.select(layer_id, [fid])
        self._active_vertex = None
        self._drag = {
            "kind": "move",
            "token": drawings.new_merge_token(),
            "start": event.position(),
            "last": (x, y),
            "moved": False,
        }
        return True

    def _edit_drag(self, event: QMouseEvent, x: float, y: float) -> None:
        drag = self._drag
        if drag is None:
            return
        if not drag["moved"]:
            travelled = (event.position() - drag["start"]).manhattanLength()
            if travelled < DRAG_THRESHOLD_PX:
                return
            drag["moved"] = True
        single = self._single_selected()
        if drag["kind"] == "vertex" and single is not None:
            layer, fid = single
            sx, sy = self._snap(x, y, exclude=(layer.id, fid))
            lon, lat = drawings.display_to_lonlat(sx, sy)
            drawings.move_vertex(
                self.project,
                layer.id,
                fid,
                drag["index"],
                lon,
                lat,
                merge=drag["token"],
            )
        elif drag["kind"] == "move" and self._selection is not None:
            lx, ly = drag["last"]
            drag["last"] = (x, y)
            drawings.move_features(
                self.project,
                self._selection[0],
                self._selection[1],
                x - lx,
                y - ly,
                merge=drag["token"],
            )

    def _edit_double_click(self, x: float, y: float) -> bool:
        was = self._was_selected
        single = self._single_selected()
        if single is not None and was == self._selection:
            segment = self._segment_at(x, y)
            if segment is not None and self._vertex_at(x, y) is None:
                index, fx, fy = segment
                lon, lat = drawings.display_to_lonlat(fx, fy)
                drawings.insert_vertex(
                    self.project, single[0].id, single[1], index, lon, lat
                )
                self._active_vertex = index
                return True
        hit = self.feature_at(x, y)
        if hit is None:
            return False
        if self.open_attributes_on_double_click:
            self.select(hit[0], [hit[1]])
            self.edit_attributes(*hit)
        return True


__all__ = [
    "DRAWING_TOOLS",
    "TOOL_DRAW_LINE",
    "TOOL_DRAW_POINT",
    "TOOL_DRAW_POLYGON",
    "TOOL_EDIT",
    "TOOL_MEASURE",
    "DrawingController",
    "drawing_layer_items",
]
