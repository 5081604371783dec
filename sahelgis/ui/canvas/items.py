"""pyqtgraph items that draw whole layers: paths, many points, and labels.

One item per layer (not per feature): tech_notes §2 measured one QPainterPath per
layer and one ``drawPoints`` per colour as the fast way to draw maps in pyqtgraph.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pyqtgraph as pg
from pyqtgraph.Qt.internals import PrimitiveArray
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
    QTransform,
)

from sahelgis.model.label_placement import (
    OTHER,
    Frame,
    LabelCandidate,
    place_labels,
)

#: Width of the white halo stroked around label text, pixels.
HALO_PX = 3.0

LINE_STYLES = {
    "solid": Qt.PenStyle.SolidLine,
    "dash": Qt.PenStyle.DashLine,
    "dot": Qt.PenStyle.DotLine,
}


def qcolor(text: str) -> QColor:
    """A QColor from our ``#RRGGBB`` or ``#RRGGBBAA`` strings (Qt reads 8 hex
    digits as ``#AARRGGBB``, so the alpha is moved first)."""
    if isinstance(text, str) and len(text) == 9 and text.startswith("#"):
        return QColor(f"#{text[7:9]}{text[1:7]}")
    return QColor(text)


def cosmetic_pen(color: str, width: float, style: str = "solid") -> QPen:
    """A pen whose width is in screen pixels whatever the zoom."""
    pen = QPen(qcolor(color))
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
    """Many points drawn as sprites with one ``QPainter.drawPixmapFragments``.

    Each colour is pre-rendered once into a small atlas; painting maps the
    coordinates to the device with numpy and hands Qt one array of fragments.
    Measured here: 200k points in about 25 ms, where ``drawPoints`` with a 5 px
    antialiased pen took 850 ms. Sizes are screen pixels at every zoom.
    """

    def __init__(self) -> None:
        super().__init__()
        self._x = np.empty(0)
        self._y = np.empty(0)
        self._codes = np.empty(0, dtype=np.int32)
        self._colors: list[str] = []
        self._size = 4.0
        self._symbol = "o"
        self._atlas: QPixmap | None = None
        self._atlas_dpr = 0.0
        self._fragments = PrimitiveArray(QPainter.PixmapFragment, 10)
        self._rect = QRectF()
        self._events = 0

    def set_points(
        self,
        x: np.ndarray,
        y: np.ndarray,
        codes: np.ndarray | None,
        colors: Sequence[str],
        size: float,
        symbol: str = "o",
        events: int | None = None,
    ) -> None:
        """Set the points; ``codes`` index into ``colors`` (None: all ``colors[0]``).

        ``events`` is how many events the marks stand for when each mark is a
        cell of several events (default: one event per mark).
        """
        self.prepareGeometryChange()
        self._events = len(x) if events is None else int(events)
        self._x = np.asarray(x, dtype=np.float64)
        self._y = np.asarray(y, dtype=np.float64)
        self._codes = (
            np.zeros(len(self._x), dtype=np.int32)
            if codes is None
            else np.asarray(codes, dtype=np.int32)
        )
        if (list(colors), size, symbol) != (self._colors, self._size, self._symbol):
            self._atlas = None
        self._colors, self._size, self._symbol = list(colors), size, symbol
        if len(self._x):
            xmin, xmax = float(np.nanmin(self._x)), float(np.nanmax(self._x))
            ymin, ymax = float(np.nanmin(self._y)), float(np.nanmax(self._y))
            self._rect = QRectF(xmin, ymin, (xmax - xmin) or 1.0, (ymax - ymin) or 1.0)
        else:
            self._rect = QRectF()
        self.update()

    @property
    def count(self) -> int:
        """Number of events drawn (a cell mark counts its events)."""
        return self._events

    @property
    def marks(self) -> int:
        """Number of marks drawn."""
        return len(self._x)

    @property
    def colors(self) -> list[str]:
        """The colour of each code."""
        return list(self._colors)

    def boundingRect(self) -> QRectF:  # Qt override
        if self._rect.isNull():
            return self._rect
        # points extend a few pixels beyond their centres
        pad = max(self._rect.width(), self._rect.height()) * 0.01
        return self._rect.adjusted(-pad, -pad, pad, pad)

    def _cell(self) -> int:
        return int(np.ceil(self._size)) + 2

    def _ensure_atlas(self, dpr: float) -> QPixmap:
        if self._atlas is not None and self._atlas_dpr == dpr:
            return self._atlas
        cell = self._cell()
        atlas = QPixmap(round(cell * len(self._colors) * dpr), round(cell * dpr))
        atlas.setDevicePixelRatio(dpr)
        atlas.fill(Qt.GlobalColor.transparent)
        painter = QPainter(atlas)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        outline = QPen(QColor(255, 255, 255, 170), 0.6)
        for i, color in enumerate(self._colors):
            painter.setPen(outline if self._size >= 4 else Qt.PenStyle.NoPen)
            painter.setBrush(qcolor(color))
            box = QRectF(i * cell + 1, 1, self._size, self._size)
            if self._symbol == "s":
                painter.drawRect(box)
            else:
                painter.drawEllipse(box)
        painter.end()
        self._atlas, self._atlas_dpr = atlas, dpr
        return atlas

    def paint(self, painter: QPainter, *args: object) -> None:
        if not len(self._x) or not self._colors:
            return
        device = painter.device()
        dpr = float(device.devicePixelRatioF()) if device is not None else 1.0
        atlas = self._ensure_atlas(dpr)
        t = painter.transform()
        px = t.m11() * self._x + t.m21() * self._y + t.dx()
        py = t.m12() * self._x + t.m22() * self._y + t.dy()
        cell = self._cell()
        if device is not None:
            w, h = device.width() / dpr, device.height() / dpr
            inside = (px > -cell) & (px < w + cell) & (py > -cell) & (py < h + cell)
            if not inside.all():
                px, py, codes = px[inside], py[inside], self._codes[inside]
            else:
                codes = self._codes
        else:
            codes = self._codes
        if not len(px):
            return
        self._fragments.resize(len(px))
        frags = self._fragments.ndarray()
        frags[:, 0] = px
        frags[:, 1] = py
        frags[:, 2] = codes * cell * dpr
        frags[:, 3] = 0.0
        frags[:, 4] = cell * dpr
        frags[:, 5] = cell * dpr
        frags[:, 6:10] = (1.0 / dpr, 1.0 / dpr, 0.0, 1.0)
        painter.save()
        painter.resetTransform()
        # pyqtgraph's drawargs() is (pointer, count) here; mypy reads its other
        # branch (a 1-tuple of instances) too and miscounts the arguments
        painter.drawPixmapFragments(*self._fragments.drawargs(), atlas)  # type: ignore[call-arg]
        painter.restore()


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
        rank: int = OTHER,
        weights: Sequence[float] | np.ndarray | None = None,
        symbol: float = 0.0,
    ) -> None:
        super().__init__()
        self._x = np.asarray(x, dtype=float)
        self._y = np.asarray(y, dtype=float)
        self._texts = [str(t) for t in texts]
        self._color = qcolor(color)
        self._font = QFont()
        self._font.setPointSizeF(size)
        self._font.setBold(bold)
        self._font.setItalic(italic)
        self._boxed_fill = qcolor(boxed_fill) if boxed_fill else None
        self._offset = offset
        self.max_view_width: float | None = None
        #: Priority class and per-label weight for the shared placement pass
        #: (``sahelgis.model.label_placement``).
        self.rank = rank
        self.weights = (
            np.asarray(weights, dtype=float)
            if weights is not None
            else np.zeros(len(self._texts))
        )
        #: Size of the point symbol under each anchor, pixels (0: centred
        #: line or area labels).
        self.symbol = symbol
        #: Boxes (device pixels) and text indices chosen by the last pass of
        #: ``place_label_items``; None to place this item on its own.
        self.placed: list[tuple[int, QRectF]] | None = None
        self._sizes: np.ndarray | None = None
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
        halo = QPen(QColor(255, 255, 255, 230), HALO_PX)
        halo.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        if self.placed is not None:
            for index, rect in self.placed:
                self._draw(painter, metrics, halo, rect, self._texts[index])
            painter.restore()
            return
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
            self._draw(painter, metrics, halo, rect, text)
        painter.restore()

    def _draw(
        self,
        painter: QPainter,
        metrics: QFontMetricsF,
        halo: QPen,
        rect: QRectF,
        text: str,
    ) -> None:
        """One label in its box (device pixels): a shield or haloed text."""
        if self._boxed_fill is not None:
            painter.setPen(QPen(QColor("white"), 1.0))
            painter.setBrush(QBrush(self._boxed_fill))
            painter.drawRoundedRect(rect, 3, 3)
            painter.setPen(QPen(self._color))
            painter.setFont(self._font)
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
            return
        # the box carries the halo's width on every side
        path = QPainterPath()
        path.addText(
            QPointF(rect.left() + HALO_PX / 2, rect.top() + metrics.ascent()),
            self._font,
            text,
        )
        painter.strokePath(path, halo)
        painter.fillPath(path, QBrush(self._color))

    def candidates(self, frame: Frame) -> list[LabelCandidate]:
        """This item's labels inside ``frame`` as placement candidates.

        Text boxes come from the font's metrics (pixels, halo included);
        ``key`` is the text's index in this item.
        """
        if self._sizes is None:
            metrics = QFontMetricsF(self._font)
            if self._boxed_fill is not None:
                sizes = [
                    (metrics.horizontalAdvance(t) + 8, metrics.height() + 2)
                    for t in self._texts
                ]
            else:
                sizes = [
                    (metrics.horizontalAdvance(t) + HALO_PX, metrics.height())
                    for t in self._texts
                ]
            self._sizes = np.asarray(sizes, dtype=float).reshape(-1, 2)
        u = self._x * frame.scale_x + frame.offset_x
        v = self._y * frame.scale_y + frame.offset_y
        inside = np.flatnonzero(
            (u >= 0) & (u <= frame.width) & (v >= 0) & (v <= frame.height)
        )
        boxed = self._boxed_fill is not None
        return [
            LabelCandidate(
                x=float(self._x[i]),
                y=float(self._y[i]),
                width=float(self._sizes[i, 0]),
                height=float(self._sizes[i, 1]),
                rank=self.rank,
                weight=float(self.weights[i]),
                point=not boxed and self.symbol > 0,
                offset=max(self._offset[0] - HALO_PX / 2, 1.0),
                symbol=self.symbol,
                key=int(i),
            )
            for i in inside
            if self._texts[i]
        ]


def place_label_items(
    items: Sequence[LabelsItem],
    transform: QTransform,
    width: float,
    height: float,
    obstacles: Sequence[QRectF] = (),
) -> list[QRectF]:
    """One placement pass over the labels of all visible layers.

    Parameters
    ----------
    items
        The label items to place together (each layer's labels).
    transform
        Map (display CRS, metres) to device pixels; no rotation.
    width, height
        The device (viewport) size, pixels.
    obstacles
        Boxes kept free of labels (overlay widgets), device pixels.

    Returns
    -------
    list of QRectF
        The placed label boxes, device pixels; each item's ``placed`` holds
        its own.
    """
    frame = Frame(
        width,
        height,
        transform.m11(),
        transform.dx(),
        -transform.m22(),
        height - transform.dy(),
    )
    candidates: list[LabelCandidate] = []
    lists: list[list[tuple[int, QRectF]]] = []
    owners: list[tuple[int, int]] = []  # (item position, text index)
    for k, item in enumerate(items):
        mine: list[tuple[int, QRectF]] = []
        item.placed = mine
        lists.append(mine)
        own = item.candidates(frame)
        candidates.extend(own)
        owners.extend((k, int(c.key)) for c in own)  # type: ignore[call-overload]
    boxes = [
        (r.left(), height - r.bottom(), r.right(), height - r.top()) for r in obstacles
    ]
    result = place_labels(candidates, frame, boxes, margin=1.0)
    out = []
    for placed in result.placed:
        k, index = owners[placed.index]
        x0, y0, x1, y1 = placed.box
        rect = QRectF(x0, height - y1, x1 - x0, y1 - y0)
        lists[k].append((index, rect))
        out.append(rect)
    return out


class LayerCacheItem(pg.GraphicsObject):
    """Draws static layers from one cached image while the view stands still.

    Moving the time window redraws only the events; the base layers below them
    (and all labels above) are painted once per view change into an image and
    then blitted. The member items stay in the scene, hidden, and are painted
    here in order with their own opacity.
    """

    def __init__(self) -> None:
        super().__init__()
        self._members: list[pg.GraphicsObject] = []
        self._image: QImage | None = None
        self._key: tuple | None = None
        self._rect = QRectF()
        #: Boxes (device pixels) the label members keep off: overlay widgets.
        self.obstacles: Callable[[], list[QRectF]] = list
        #: Label boxes and obstacles of the last label pass (device pixels).
        self.label_boxes: list[QRectF] = []
        self.obstacle_boxes: list[QRectF] = []

    def set_members(self, items: list[pg.GraphicsObject]) -> None:
        """The items to draw, bottom first."""
        self.prepareGeometryChange()
        self._members = list(items)
        rect = QRectF()
        for item in self._members:
            rect = rect.united(item.boundingRect())
        self._rect = rect
        self.invalidate()

    @property
    def members(self) -> list[pg.GraphicsObject]:
        """The items drawn from the cache, bottom first."""
        return list(self._members)

    def invalidate(self) -> None:
        """Forget the image (a member's look changed)."""
        self._key = None
        self.update()

    def boundingRect(self) -> QRectF:  # Qt override
        return self._rect

    def paint(
        self, painter: QPainter, option: object = None, widget: object = None
    ) -> None:
        device = painter.device()
        if device is None or not self._members:
            return
        dpr = float(device.devicePixelRatioF())
        width, height = device.width(), device.height()
        t = painter.transform()
        key = (t.m11(), t.m12(), t.m21(), t.m22(), t.dx(), t.dy(), width, height, dpr)
        if key != self._key or self._image is None:
            image = QImage(
                round(width * dpr),
                round(height * dpr),
                QImage.Format.Format_ARGB32_Premultiplied,
            )
            image.setDevicePixelRatio(dpr)
            image.fill(Qt.GlobalColor.transparent)
            inner = QPainter(image)
            inner.setTransform(t)
            labels = [
                item
                for item in self._members
                if isinstance(item, LabelsItem) and getattr(item, "shown", True)
            ]
            if labels:
                # one pass across the labels of every layer
                self.obstacle_boxes = self.obstacles()
                self.label_boxes = place_label_items(
                    labels, t, width, height, self.obstacle_boxes
                )
            for item in self._members:
                if getattr(item, "shown", True):
                    inner.setOpacity(item.opacity())
                    item.paint(inner, option, widget)
            inner.end()
            self._image, self._key = image, key
        painter.save()
        painter.resetTransform()
        painter.drawImage(0, 0, self._image)
        painter.restore()
