"""A horizontal slider with two handles, for a date window over the data's span."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

HANDLE = 7.0


def _pen(color: str, width: float) -> QPen:
    pen = QPen(QColor(color), width)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    return pen


class RangeSlider(QWidget):
    """Two handles (low, high) over integer values; drag a handle or the band."""

    sig_range_changed = Signal(int, int)  # while dragging
    sig_range_released = Signal(int, int)  # on release

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._min, self._max = 0, 100
        self._low, self._high = 0, 100
        self._drag: str | None = None
        self._drag_origin = (0.0, 0, 0)
        self.setMinimumHeight(26)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMouseTracking(True)

    def set_bounds(self, minimum: int, maximum: int) -> None:
        """Set the slider's full range."""
        self._min, self._max = minimum, max(maximum, minimum + 1)
        self.update()

    def set_range(self, low: int, high: int) -> None:
        """Place the handles (no signal)."""
        self._low = min(max(low, self._min), self._max)
        self._high = min(max(high, self._low), self._max)
        self.update()

    def range(self) -> tuple[int, int]:
        """Current (low, high)."""
        return self._low, self._high

    def _x(self, value: int) -> float:
        span = self._max - self._min
        return HANDLE + (value - self._min) / span * (self.width() - 2 * HANDLE)

    def _value(self, x: float) -> int:
        span = self._max - self._min
        frac = (x - HANDLE) / max(self.width() - 2 * HANDLE, 1.0)
        return round(self._min + min(max(frac, 0.0), 1.0) * span)

    def paintEvent(self, event: object) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        mid = self.height() / 2
        painter.setPen(_pen("#B0B0B0", 4))
        painter.drawLine(QPointF(HANDLE, mid), QPointF(self.width() - HANDLE, mid))
        x0, x1 = self._x(self._low), self._x(self._high)
        painter.setPen(_pen("#C1121F", 6))
        painter.drawLine(QPointF(x0, mid), QPointF(x1, mid))
        painter.setPen(QPen(QColor("#444444"), 1))
        painter.setBrush(QColor("white"))
        for x in (x0, x1):
            painter.drawEllipse(
                QRectF(x - HANDLE, mid - HANDLE, 2 * HANDLE, 2 * HANDLE)
            )
        painter.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        x = event.position().x()
        x0, x1 = self._x(self._low), self._x(self._high)
        if abs(x - x0) <= HANDLE + 2 and abs(x - x0) <= abs(x - x1):
            self._drag = "low"
        elif abs(x - x1) <= HANDLE + 2:
            self._drag = "high"
        elif x0 < x < x1:
            self._drag = "band"
        else:
            self._drag = "low" if x < x0 else "high"
            self._move_handle(x)
        self._drag_origin = (x, self._low, self._high)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag is None:
            return
        x = event.position().x()
        if self._drag == "band":
            x_start, low, high = self._drag_origin
            shift = self._value(x) - self._value(x_start)
            shift = min(max(shift, self._min - low), self._max - high)
            self._low, self._high = low + shift, high + shift
            self.update()
            self.sig_range_changed.emit(self._low, self._high)
        else:
            self._move_handle(x)

    @property
    def dragging(self) -> str | None:
        """What the pointer holds: "low", "high", "band", or None."""
        return self._drag

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._drag is not None:
            # receivers read ``dragging`` to know which handle moved
            self.sig_range_released.emit(self._low, self._high)
            self._drag = None

    def _move_handle(self, x: float) -> None:
        value = self._value(x)
        if self._drag == "low":
            self._low = min(value, self._high)
        else:
            self._high = max(value, self._low)
        self.update()
        self.sig_range_changed.emit(self._low, self._high)
