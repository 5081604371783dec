"""pyqtgraph items that draw whole layers: paths, many points, and labels.

One item per layer (not per feature): tech_notes §2 measured one QPainterPath per
layer and one ``drawPoints`` per colour as the fast way to draw maps in pyqtgraph.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPen,
    QPolygonF,
)

LINE_STYLES = {
    "solid": Qt.PenStyle.SolidLine,
    "dash": Qt.PenStyle.DashLine,
    "dot": Qt.PenStyle.DotLine,
}


def cosmetic_pen(color: str, width: float, style: str = "solid") -> QPen:
    """A pen whose width is in screen pixels whatever the zoom."""
    pen = QPen(QColor(color))
    pen.setWidthF(width)
    pen.setCosmetic(True)
    pen.setStyle(LINE_STYLES.get(style, Qt.PenStyle.SolidLine))
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return pen


class PathsItem(pg.GraphicsObject):
    """Draws a layer's lines or polygons as a few (path, pen, brush) groups."""

    def __init__(self, groups: Sequence[tuple[QPainterPath, QPen, QBrush | None]]):
        super().__init__()
        self._groups = list(groups)
        rect = QRectF()
        for path, _, _ in self._groups:
            rect = rect.united(path.boundingRect())
        self._rect = rect

    def boundingRect(self) -> QRectF:
        return self._rect

    def paint(self, painter: QPainter, *args: object) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        for path, pen, brush in self._groups:
            painter.setPen(pen)
            painter.setBrush(brush if brush is not None else Qt.BrushStyle.NoBrush)
            painter.drawPath(path)


class PointsItem(pg.GraphicsObject):
    """Many points drawn with one ``QPainter.drawPoints`` per colour.

    Round caps give circles, flat caps give squares; the pen is cosmetic so the
    point size is in screen pixels at every zoom.
    """

    def __init__(self) -> None:
        super().__init__()
        self._groups: list[tuple[QPolygonF, QPen]] = []
        self._rect = QRectF()
        self._count = 0

    def set_points(
        self,
        x: np.ndarray,
        y: np.ndarray,
        codes: np.ndarray | None,
        colors: Sequence[str],
        size: float,
        symbol: str = "o",
    ) -> None:
        """Set the points; ``codes`` index into ``colors`` (None: all ``colors[0]``)."""
        self.prepareGeometryChange()
        self._groups = []
        self._count = len(x)
        cap = Qt.PenCapStyle.SquareCap if symbol == "s" else Qt.PenCapStyle.RoundCap
        if codes is None:
            codes = np.zeros(len(x), dtype=np.int32)
        for code, color in enumerate(colors):
            mask = codes == code
            if not mask.any():
                continue
            pen = QPen(QColor(color))
            pen.setWidthF(size)
            pen.setCosmetic(True)
            pen.setCapStyle(cap)
            polygon = pg.functions.arrayToQPolygonF(
                np.ascontiguousarray(x[mask], dtype=np.float64),
                np.ascontiguousarray(y[mask], dtype=np.float64),
            )
            self._groups.append((polygon, pen))
        if len(x):
            self._rect = QRectF(
                float(np.nanmin(x)),
                float(np.nanmin(y)),
                float(np.nanmax(x) - np.nanmin(x)) or 1.0,
                float(np.nanmax(y) - np.nanmin(y)) or 1.0,
            )
        else:
            self._rect = QRectF()
        self.update()

    @property
    def count(self) -> int:
        """Number of points drawn."""
        return self._count

    def boundingRect(self) -> QRectF:
        return self._rect

    def paint(self, painter: QPainter, *args: object) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        for polygon, pen in self._groups:
            painter.setPen(pen)
            painter.drawPoints(polygon)


class LabelsItem(pg.GraphicsObject):
    """Text at map points, drawn in screen space with a halo, skipping overlaps.

    Labels come in priority order; a label that would overlap one already drawn
    is skipped, so dense places stay readable at every zoom.
    """

    def __init__(
        self,
        x: np.ndarray,
        y: np.ndarray,
        texts: Sequence[str],
        *,
        color: str = "#202020",
        size: float = 9.0,
        bold: bool = False,
        italic: bool = False,
        boxed_fill: str | None = None,
        offset: tuple[float, float] = (6.0, -6.0),
    ) -> None:
        super().__init__()
        self._x = np.asarray(x, dtype=float)
        self._y = np.asarray(y, dtype=float)
        self._texts = [str(t) for t in texts]
        self._color = QColor(color)
        self._font = QFont()
        self._font.setPointSizeF(size)
        self._font.setBold(bold)
        self._font.setItalic(italic)
        self._boxed_fill = QColor(boxed_fill) if boxed_fill else None
        self._offset = offset
        self.max_view_width: float | None = None
        if len(self._x):
            self._rect = QRectF(
                float(self._x.min()),
                float(self._y.min()),
                float(np.ptp(self._x)) or 1.0,
                float(np.ptp(self._y)) or 1.0,
            )
        else:
            self._rect = QRectF()

    @property
    def texts(self) -> list[str]:
        """The label texts, in priority order."""
        return list(self._texts)

    def boundingRect(self) -> QRectF:
        # Labels extend beyond their anchor points by some pixels; pad generously
        # in map units so edge labels are not culled.
        pad = max(self._rect.width(), self._rect.height(), 1.0) * 0.2
        return self._rect.adjusted(-pad, -pad, pad, pad)

    def paint(self, painter: QPainter, *args: object) -> None:
        transform = painter.transform()
        painter.save()
        painter.resetTransform()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        metrics = QFontMetricsF(self._font)
        taken: list[QRectF] = []
        halo = QPen(QColor(255, 255, 255, 230), 3.0)
        halo.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        for x, y, text in zip(self._x, self._y, self._texts, strict=True):
            if not text or not np.isfinite(x):
                continue
            anchor = transform.map(QPointF(x, y))
            if self._boxed_fill is not None:
                width = metrics.horizontalAdvance(text) + 8
                height = metrics.height() + 2
                rect = QRectF(
                    anchor.x() - width / 2, anchor.y() - height / 2, width, height
                )
            else:
                rect = metrics.boundingRect(text)
                rect.moveTo(
                    anchor.x() + self._offset[0],
                    anchor.y() + self._offset[1] - rect.height() / 2,
                )
            if any(rect.intersects(other) for other in taken):
                continue
            taken.append(rect)
            if self._boxed_fill is not None:
                painter.setPen(QPen(QColor("white"), 1.0))
                painter.setBrush(QBrush(self._boxed_fill))
                painter.drawRoundedRect(rect, 3, 3)
                painter.setPen(QPen(self._color))
                painter.setFont(self._font)
                painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
                continue
            path = QPainterPath()
            path.addText(
                QPointF(rect.left(), rect.top() + metrics.ascent()), self._font, text
            )
            painter.strokePath(path, halo)
            painter.fillPath(path, QBrush(self._color))
        painter.restore()
