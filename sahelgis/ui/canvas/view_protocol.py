"""What the drawing tools need of the map they work on.

``MapCanvas`` satisfies ``MapView``; the drawing tools are typed against this
protocol instead of importing the canvas, which imports how drawing layers are
drawn (``drawing_items``): no module of the canvas package imports another back.
"""

from __future__ import annotations

from typing import Protocol

import pyqtgraph as pg
from PySide6.QtCore import QObject, QPoint, QPointF
from PySide6.QtWidgets import QWidget


class MapView(Protocol):
    """A map widget in the display CRS with a pyqtgraph view box."""

    @property
    def view_box(self) -> pg.ViewBox:
        """The view box holding the layers (view coordinates: display CRS)."""
        ...

    def viewport(self) -> QWidget: ...

    def installEventFilter(self, watcher: QObject) -> None: ...

    def removeEventFilter(self, watcher: QObject) -> None: ...

    def mapToScene(self, point: QPoint) -> QPointF: ...

    def setFocus(self, *args: object) -> None: ...

    def window(self) -> QWidget: ...

    def metres_per_pixel(self) -> float:
        """Ground metres per screen pixel."""
        ...

    def set_tool(self, tool: str) -> None:
        """Activate one of the canvas's own tools (pan, selection)."""
        ...


__all__ = ["MapView"]
