"""Map tools: pan (default), rectangle and lasso selection, pick a polygon feature.

The view box routes drags to the active tool; tools report finished shapes in
display-CRS coordinates and the canvas turns them into model selections.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsPathItem

TOOL_PAN = "pan"
TOOL_RECT = "select_rectangle"
TOOL_LASSO = "select_lasso"
TOOL_FEATURE = "select_feature"
TOOL_BUFFER = "buffer"
TOOLS = (TOOL_PAN, TOOL_RECT, TOOL_LASSO, TOOL_FEATURE, TOOL_BUFFER)


class MapViewBox(pg.ViewBox):
    """A ViewBox whose left drags draw a selection when a selection tool is on."""

    sig_shape_drawn = Signal(str, object, object)  # tool, xs, ys (display CRS)

    def __init__(self) -> None:
        super().__init__(lockAspect=True)
        self.tool = TOOL_PAN
        self._points: list[QPointF] = []
        self.rubber = QGraphicsPathItem()
        pen = QPen(QColor("#0057B8"), 1.5)
        pen.setCosmetic(True)
        pen.setStyle(Qt.PenStyle.DashLine)
        self.rubber.setPen(pen)
        self.rubber.setBrush(QBrush(QColor(0, 87, 184, 40)))
        self.rubber.setZValue(1e6)
        self.rubber.hide()
        self.addItem(self.rubber, ignoreBounds=True)

    def set_tool(self, tool: str) -> None:
        """Switch the active tool."""
        if tool not in TOOLS:
            raise ValueError(f"unknown tool {tool!r}")
        self.tool = tool
        self.rubber.hide()

    def mouseDragEvent(self, ev, axis=None) -> None:
        if self.tool not in (TOOL_RECT, TOOL_LASSO) or (
            ev.button() != Qt.MouseButton.LeftButton
        ):
            super().mouseDragEvent(ev, axis)
            return
        ev.accept()
        point = self.mapSceneToView(ev.scenePos())
        if ev.isStart():
            start = self.mapSceneToView(ev.buttonDownScenePos())
            self._points = [start]
        if self.tool == TOOL_RECT:
            self._points = [self._points[0], point]
        else:
            self._points.append(point)
        xs, ys = self._shape()
        path = QPainterPath()
        path.moveTo(xs[0], ys[0])
        for x, y in zip(xs[1:], ys[1:], strict=True):
            path.lineTo(x, y)
        path.closeSubpath()
        self.rubber.setPath(path)
        self.rubber.show()
        if ev.isFinish():
            self.rubber.hide()
            if len(xs) >= 3 and np.ptp(xs) > 0 and np.ptp(ys) > 0:
                self.sig_shape_drawn.emit(self.tool, xs, ys)

    def _shape(self) -> tuple[np.ndarray, np.ndarray]:
        if self.tool == TOOL_RECT and len(self._points) == 2:
            a, b = self._points
            xs = np.array([a.x(), b.x(), b.x(), a.x()])
            ys = np.array([a.y(), a.y(), b.y(), b.y()])
            return xs, ys
        xs = np.array([p.x() for p in self._points])
        ys = np.array([p.y() for p in self._points])
        return xs, ys
