"""What the drawing tools show over the map while they work (no tool logic).

``DrawingOverlays`` owns the overlay items of one view box: the rubber band of
the sketch being drawn or measured, its vertices and segment-length labels, the
highlight and vertex handles of the selected drawings and the snap marker. The
``DrawingController`` decides what to show; this module only draws it, in view
coordinates (display CRS, metres).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
import shapely
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QPainterPath
from PySide6.QtWidgets import QGraphicsPathItem

from sahelgis.model import crs, drawings
from sahelgis.ui.canvas.drawing_items import SKETCH_COLOR, qcolor_alpha
from sahelgis.ui.canvas.geometry_paths import lines_path, polygons_path
from sahelgis.ui.canvas.items import cosmetic_pen

OVERLAY_Z = 1e6
MEASURE_COLOR = "#0057B8"
SELECT_COLOR = "#00B4D8"
SNAP_COLOR = "#FF00FF"


class DrawingOverlays:
    """The sketch, selection and snap overlays of one ``pg.ViewBox``."""

    def __init__(self, view_box: pg.ViewBox) -> None:
        self.view_box = view_box
        self.rubber = QGraphicsPathItem()
        self.rubber.setZValue(OVERLAY_Z)
        view_box.addItem(self.rubber, ignoreBounds=True)
        self.highlight = QGraphicsPathItem()
        pen = cosmetic_pen(SELECT_COLOR, 4.0)
        self.highlight.setPen(pen)
        self.highlight.setBrush(QBrush(qcolor_alpha(SELECT_COLOR, 50)))
        self.highlight.setZValue(OVERLAY_Z - 2)
        view_box.addItem(self.highlight, ignoreBounds=True)
        self.handles = pg.ScatterPlotItem(
            size=9,
            symbol="s",
            pen=pg.mkPen("#003049", width=1.2),
            brush=pg.mkBrush("#FFFFFF"),
            pxMode=True,
        )
        self.handles.setZValue(OVERLAY_Z + 1)
        view_box.addItem(self.handles, ignoreBounds=True)
        self.sketch_vertices = pg.ScatterPlotItem(
            size=7,
            symbol="o",
            pen=pg.mkPen("#FFFFFF", width=1.2),
            brush=pg.mkBrush(SKETCH_COLOR),
            pxMode=True,
        )
        self.sketch_vertices.setZValue(OVERLAY_Z + 1)
        view_box.addItem(self.sketch_vertices, ignoreBounds=True)
        self.snap_marker = pg.ScatterPlotItem(
            size=16,
            symbol="o",
            pen=pg.mkPen(SNAP_COLOR, width=2.5),
            brush=pg.mkBrush(None),
            pxMode=True,
        )
        self.snap_marker.setZValue(OVERLAY_Z + 2)
        view_box.addItem(self.snap_marker, ignoreBounds=True)
        self.segment_labels: list[pg.TextItem] = []

    def remove(self) -> None:
        """Take every overlay item off the view box."""
        for item in [
            self.rubber,
            self.highlight,
            self.handles,
            self.sketch_vertices,
            self.snap_marker,
            *self.segment_labels,
        ]:
            self.view_box.removeItem(item)
        self.segment_labels = []

    # -- sketch ---------------------------------------------------------------------
    def show_sketch(
        self,
        points: Sequence[tuple[float, float]],
        vertices: Sequence[tuple[float, float]],
        *,
        measuring: bool,
        closed: bool,
    ) -> None:
        """Draw the rubber band through ``points`` (the vertices plus, while
        drawing, the cursor), dots on ``vertices`` and each segment's length."""
        color = MEASURE_COLOR if measuring else SKETCH_COLOR
        path = QPainterPath()
        if points:
            path.moveTo(*points[0])
            for p in points[1:]:
                path.lineTo(*p)
            if closed and len(points) >= 3:
                path.closeSubpath()
        pen = cosmetic_pen(color, 2.0, "dash" if measuring else "solid")
        self.rubber.setPen(pen)
        self.rubber.setBrush(
            QBrush(qcolor_alpha(color, 45)) if closed else Qt.BrushStyle.NoBrush
        )
        self.rubber.setPath(path)
        self.rubber.setVisible(bool(points))
        self.sketch_vertices.setData(
            x=[p[0] for p in vertices], y=[p[1] for p in vertices]
        )
        self._show_segment_labels(points, closed)

    def _segment_label(self, i: int) -> pg.TextItem:
        while len(self.segment_labels) <= i:
            label = pg.TextItem(
                "",
                color="#FFFFFF",
                fill=pg.mkBrush(QColor(20, 20, 20, 190)),
                anchor=(0.5, 1.15),
            )
            label.setZValue(OVERLAY_Z + 3)
            self.view_box.addItem(label, ignoreBounds=True)
            self.segment_labels.append(label)
        return self.segment_labels[i]

    def _show_segment_labels(
        self, points: Sequence[tuple[float, float]], closed: bool
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
        """Texts of the visible segment-length labels."""
        return [
            label.textItem.toPlainText()
            for label in self.segment_labels
            if label.isVisible()
        ]

    # -- selection and snapping ----------------------------------------------------
    def show_selection(self, geoms: np.ndarray, handles_xy: np.ndarray | None) -> None:
        """Highlight display-CRS geometries; handles on ``handles_xy`` (``(n, 2)``)
        or, if None, on every vertex of the geometries."""
        path = lines_path(geoms)
        path.addPath(polygons_path(geoms))
        self.highlight.setPath(path)
        self.highlight.setVisible(True)
        if handles_xy is None:
            handles_xy = shapely.get_coordinates(geoms)
        self.handles.setData(x=handles_xy[:, 0], y=handles_xy[:, 1])

    def clear_selection(self) -> None:
        """No highlight, no handles."""
        self.highlight.setPath(QPainterPath())
        self.highlight.hide()
        self.handles.setData([], [])

    def show_snap(self, x: float, y: float, hit: bool) -> None:
        """Mark the snapped position, or nothing if the cursor did not snap."""
        self.snap_marker.setData([x] if hit else [], [y] if hit else [])

    def hide_snap(self) -> None:
        """No snap marker."""
        self.snap_marker.setData([], [])


__all__ = [
    "MEASURE_COLOR",
    "OVERLAY_Z",
    "SELECT_COLOR",
    "SNAP_COLOR",
    "DrawingOverlays",
]
