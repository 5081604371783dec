"""The map canvas: a pyqtgraph plot in the display CRS that mirrors the project.

Size: the canvas mirrors the project (layers, time window, selection, view);
its handlers share the item tables.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pyqtgraph as pg
import shapely
from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QLabel, QWidget

from sahelgis.model import crs
from sahelgis.model.drawings import ROLE_DRAWING
from sahelgis.model.event_query import shown_rows
from sahelgis.model.identify import events_near
from sahelgis.model.label_placement import label_rank, label_weights
from sahelgis.model.layers import (
    ROLE_COUNTRIES,
    ROLE_PLACES,
    ROLE_REGIONS,
    ROLE_ROADS,
    EventLayer,
    Layer,
    LayerSubscriptions,
    VectorLayer,
)
from sahelgis.model.project import Project
from sahelgis.model.selection import Selection, selection_from_display_polygon
from sahelgis.model.styles import OTHER_CATEGORY_COLOR, Style
from sahelgis.model.window_grid import POINTS_LIMIT, WindowGrid
from sahelgis.ui.canvas.drawing_items import drawing_layer_items
from sahelgis.ui.canvas.event_marks import EventMarks, GridRequest
from sahelgis.ui.canvas.geometry_paths import lines_path, polygons_path
from sahelgis.ui.canvas.items import (
    LabelsItem,
    LayerCacheItem,
    PathsItem,
    PointsItem,
    cosmetic_pen,
    qcolor,
)
from sahelgis.ui.canvas.tools import TOOL_BUFFER, TOOL_FEATURE, TOOL_RECT, MapViewBox
from sahelgis.ui.plain_text import plain_label
from sahelgis.ui.workers import worker_pool

LABEL_Z = 10_000
SCATTER_SYMBOLS = {"t": "t", "d": "d", "+": "+", "o": "o", "s": "s"}
IDENTIFY_TOLERANCE_PX = 6.0
PICK_KINDS = {"cercles": "Cercle", "regions": "Region", "countries": "Country"}
#: Labels of towns only appear once the view is narrower than this (metres).
TOWN_LABEL_MAX_VIEW = 900_000.0
#: Quiet time after a zoom or pan before cells are rebuilt (ms).
CELLS_REBUILD_MS = 150


def category_codes(values: pd.Series, style: Style) -> tuple[np.ndarray, list[str]]:
    """Colour index per feature and the colour list for a categorical style."""
    colors = [*style.categories.values(), OTHER_CATEGORY_COLOR]
    lookup = {value: i for i, value in enumerate(style.categories)}
    cat = (
        values
        if isinstance(values.dtype, pd.CategoricalDtype)
        else (values.astype(str).astype("category"))
    )
    per_category = np.array(
        [lookup.get(str(c), len(colors) - 1) for c in cat.cat.categories],
        dtype=np.int32,
    )
    codes = cat.cat.codes.to_numpy()
    out = np.full(len(codes), len(colors) - 1, dtype=np.int32)
    valid = codes >= 0
    out[valid] = per_category[codes[valid]]
    return out, colors


class ScaleBar(QWidget):
    """A scale bar in the map's corner, with a round ground length."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.metres_per_pixel = 1.0
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.resize(220, 34)

    def set_metres_per_pixel(self, value: float) -> None:
        self.metres_per_pixel = value
        self.update()

    def bar(self) -> tuple[float, float, str]:
        """Bar length in pixels, in metres, and its label."""
        target = self.metres_per_pixel * 150
        if target <= 0 or not math.isfinite(target):
            return 0.0, 0.0, ""
        exp = 10 ** math.floor(math.log10(target))
        length = max(m * exp for m in (1, 2, 5) if m * exp <= target)
        label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
        return length / self.metres_per_pixel, length, label

    def paintEvent(self, event: object) -> None:
        px, _, label = self.bar()
        if px <= 0:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(QRectF(0, 0, px + 70, 30), QColor(255, 255, 255, 190))
        pen = QPen(QColor("#222222"), 2)
        painter.setPen(pen)
        y = 22
        painter.drawLine(QPointF(8, y), QPointF(8 + px, y))
        painter.drawLine(QPointF(8, y - 5), QPointF(8, y + 3))
        painter.drawLine(QPointF(8 + px, y - 5), QPointF(8 + px, y + 3))
        font = QFont()
        font.setPointSizeF(8.5)
        painter.setFont(font)
        painter.drawText(QPointF(12 + px, y + 4), label)
        painter.drawText(QPointF(8, 12), "0")
        painter.end()


class MapCanvas(pg.PlotWidget):
    """The map: one pyqtgraph item per layer, aspect locked, in metres."""

    sig_cursor_moved = Signal(float, float)  # lon, lat
    sig_map_clicked = Signal(float, float)  # display-CRS x, y
    sig_scale_changed = Signal(float)  # scale denominator (1:N)
    sig_events_identified = Signal(object)  # list[(EventLayer, np.ndarray rows)]
    sig_buffer_requested = Signal(float, float)  # display-CRS x, y

    def __init__(self, project: Project, parent: QWidget | None = None) -> None:
        super().__init__(parent=parent, background="#DCE6EE", viewBox=MapViewBox())
        self.project = project
        self._items: dict[str, list[pg.GraphicsObject]] = {}
        self._color_cache: dict[str, tuple[Style, np.ndarray | None, list[str]]] = {}
        # the time label's widest box for the current step and mode
        self._time_label_kind: tuple = ()
        self._time_label_width = 0
        #: above this many events in the window a layer is drawn as cells
        self.points_limit = POINTS_LIMIT
        #: after a zoom or pan, cells are rebuilt on a worker thread
        self.background_cells = True
        #: per event layer: points or cells, and the cells' grids
        self._marks: dict[str, EventMarks] = {}
        # a grid is rebuilt once the view settles, not on every wheel tick
        self._cells_timer = QTimer(self, singleShot=True, interval=CELLS_REBUILD_MS)
        self._cells_timer.timeout.connect(self._refill_cells_for_view)
        self._cached: set[int] = set()
        self.base_cache = LayerCacheItem()
        self.label_cache = LayerCacheItem()
        self.plotItem.hideAxis("left")
        self.plotItem.hideAxis("bottom")
        self.plotItem.setMenuEnabled(False)
        self.plotItem.hideButtons()
        self.setAspectLocked(True)
        self.view_box: MapViewBox = self.plotItem.getViewBox()
        self.view_box.setMouseMode(pg.ViewBox.PanMode)
        self.view_box.sig_shape_drawn.connect(self._on_view_box_shape_drawn)
        self.addItem(self.base_cache)
        self.addItem(self.label_cache)
        self.label_cache.obstacles = self.label_obstacles
        self._obstacle_key: tuple = ()
        self.pick_layer_id: str | None = None
        self.selection_item: PathsItem | None = None
        self.synthetic_label = QLabel(
            "SYNTHETIC DEMO DATA — events are made up, not ACLED", self
        )
        self.synthetic_label.setStyleSheet(
            "QLabel { background: rgba(255,255,255,215); color: #B00020;"
            " font-weight: bold; padding: 3px 6px; border: 1px solid #B00020; }"
        )
        self.synthetic_label.move(8, 8)
        self.synthetic_label.adjustSize()
        self.window_label = plain_label("", self)
        self.window_label.setStyleSheet(
            "QLabel { background: rgba(255,255,255,215); color: #202020;"
            " font-size: 15px; font-weight: bold; padding: 3px 8px; }"
        )
        self.window_label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.scale_bar = ScaleBar(self)
        self.scene().sigMouseMoved.connect(self._on_scene_mouse_moved)
        self.scene().sigMouseClicked.connect(self._on_scene_mouse_clicked)
        self.view_box.sigRangeChanged.connect(self._on_view_range_changed)
        project.layer_added.connect(self._on_project_layer_added)
        project.layer_removed.connect(self._on_project_layer_removed)
        project.layers_reordered.connect(self._restack)
        # each layer tells what changed on it; the canvas draws visibility,
        # opacity, style and data (not names)
        self._layer_subscriptions = LayerSubscriptions(
            self,
            visible="_on_layer_visible",
            opacity="_on_layer_opacity",
            style="_on_layer_style",
            data="_on_layer_data",
        )
        project.time_window.changed.connect(self._on_project_events_changed)
        project.time_window.settings_changed.connect(self._on_project_events_changed)
        project.filter_changed.connect(self._on_project_events_changed)
        project.selection_changed.connect(self._on_project_selection_changed)
        self.basemap_underlay = False
        self.rebuild()

    # -- building -------------------------------------------------------------
    def rebuild(self) -> None:
        """Drop and rebuild every layer's items (e.g. after opening a project)."""
        for layer_id in list(self._items):
            self._remove_items(layer_id)
        self._layer_subscriptions.follow(self.project.layers)
        for layer in self.project.layers:
            self._add_items(layer)
        self._restack()
        self._update_synthetic_label()
        self._update_window_label()
        self._on_project_selection_changed(self.project.selection)
        if self.project.view_extent:
            self.set_extent(self.project.view_extent)
        else:
            self.zoom_full()

    def _add_items(self, layer: Layer) -> None:
        items: list[pg.GraphicsObject] = []
        if isinstance(layer, EventLayer):
            items.extend(self._event_items(layer))
        elif isinstance(layer, VectorLayer):
            items.extend(self._vector_items(layer))
        for item in items:
            self.addItem(item)
            item.shown = layer.visible
            item.setOpacity(layer.opacity)
        self._items[layer.id] = items

    def _remove_items(self, layer_id: str) -> None:
        for item in self._items.pop(layer_id, []):
            self.removeItem(item)

    def _event_items(self, layer: EventLayer) -> list[pg.GraphicsObject]:
        trail = PointsItem()
        trail.setOpacity(0.25)
        main = PointsItem()
        items: list[pg.GraphicsObject] = [main, trail]
        self._fill_event_items(layer, items)
        return items

    def _event_colors(self, layer: EventLayer) -> tuple[np.ndarray | None, list[str]]:
        """Colour code per event for the layer's style (cached per style)."""
        cached = self._color_cache.get(layer.id)
        if cached is None or cached[0] is not layer.style:
            style = layer.style
            if style.category_field and style.category_field in layer.events.frame:
                codes, colors = category_codes(
                    layer.events.frame[style.category_field], style
                )
            else:
                codes, colors = None, [style.color]
            cached = (style, codes, colors)
            self._color_cache[layer.id] = cached
        return cached[1], cached[2]

    def _fill_event_items(self, layer: EventLayer, items: list) -> None:
        main, trail = items[0], items[1]
        codes, colors = self._event_colors(layer)
        symbol = "s" if layer.style.symbol == "s" else "o"
        marks = self._marks.get(layer.id)
        if marks is None:
            marks = self._marks[layer.id] = EventMarks(self.points_limit)
            marks.background = self.background_cells
        view, pixels = self.extent(), self._view_pixels()
        for item, is_trail in ((main, False), (trail, True)):
            drawn = marks.drawn(
                layer,
                self.project.time_window,
                self.project.event_filter,
                codes,
                len(colors),
                view,
                pixels,
                max(layer.style.size, 1.0),
                trail=is_trail,
            )
            item.set_points(
                drawn.x,
                drawn.y,
                drawn.codes,
                colors,
                layer.style.size,
                symbol,
                events=drawn.events,
            )
            if drawn.pending is not None:
                self._build_cells(layer.id, marks, drawn.pending)
        trail.shown = layer.visible and trail.count > 0
        trail.setVisible(trail.shown)

    def _build_cells(
        self, layer_id: str, marks: EventMarks, request: GridRequest
    ) -> None:
        """Build a layer's grid on a worker; redraw its events when it is ready."""

        def done(grid: WindowGrid) -> None:
            marks.add(request, grid)
            items = self._items.get(layer_id)
            layer = self.project.layer(layer_id)
            if (
                items
                and isinstance(layer, EventLayer)
                and self._marks.get(layer_id) is marks
            ):
                self._fill_event_items(layer, items)

        worker_pool().submit(
            request.build,
            kind=("event cells", id(self), layer_id),
            on_done=done,
            on_error=lambda _error: marks.dropped(request),
            on_cancelled=lambda: marks.dropped(request),
            owner=self,
        )

    def _view_pixels(self) -> tuple[int, int]:
        """The map view's size on screen (pixels, at least 1)."""
        return max(int(self.view_box.width()), 1), max(int(self.view_box.height()), 1)

    def _refill_cells_for_view(self) -> None:
        """Rebuild the cells of event layers drawn as cells once the view has
        zoomed or left the grid's margin (called after the view settles)."""
        view, pixels = self.extent(), self._view_pixels()
        for layer in self.project.event_layers():
            marks = self._marks.get(layer.id)
            items = self._items.get(layer.id)
            if marks is None or not items:
                continue
            if marks.needs_rebuild(view, pixels, max(layer.style.size, 1.0), layer):
                self._fill_event_items(layer, items)

    def shown_event_count(self) -> int:
        """Events drawn in the current window (all event layers)."""
        return sum(
            items[0].count
            for layer in self.project.event_layers()
            if layer.visible and (items := self._items.get(layer.id))
        )

    def _vector_items(self, layer: VectorLayer) -> list[pg.GraphicsObject]:
        if layer.role == ROLE_DRAWING:
            return drawing_layer_items(layer)
        style = layer.style
        geoms = layer.display_geometry().to_numpy()
        kind = layer.geometry_kind
        items: list[pg.GraphicsObject] = []
        if style.category_field and style.category_field in layer.data:
            codes, colors = category_codes(layer.data[style.category_field], style)
        else:
            codes, colors = (
                np.zeros(len(geoms), dtype=np.int32),
                [style.fill if (kind == "polygon" and style.fill) else style.color],
            )
        if kind == "polygon":
            groups = []
            outline = cosmetic_pen(style.color, style.line_width, style.line_style)
            for code, color in enumerate(colors):
                mask = codes == code
                if not mask.any():
                    continue
                fill = (style.fill is not None or style.category_field) and not (
                    self.basemap_underlay
                    and layer.role in (ROLE_COUNTRIES, ROLE_REGIONS)
                )
                brush = QBrush(qcolor(color)) if fill else None
                groups.append((polygons_path(geoms[mask]), outline, brush))
            items.append(PathsItem(groups))
        elif kind == "line":
            casing: list[tuple[QPainterPath, QPen, QBrush | None]] = []
            if layer.role == ROLE_ROADS:
                # roads are drawn over the events: a white casing keeps them
                # readable where events are dense
                pen = cosmetic_pen("#FFFFFF", style.line_width + 2.0, "solid")
                casing.append((lines_path(geoms), pen, None))
            groups = casing + [
                (
                    lines_path(geoms[codes == code]),
                    cosmetic_pen(color, style.line_width, style.line_style),
                    None,
                )
                for code, color in enumerate(colors)
                if (codes == code).any()
            ]
            items.append(PathsItem(groups))
        else:
            x = shapely.get_x(geoms)
            y = shapely.get_y(geoms)
            if style.symbol in ("o", "s"):
                points = PointsItem()
                points.set_points(x, y, codes, colors, style.size, style.symbol)
                items.append(points)
            else:
                brushes = [pg.mkBrush(colors[c]) for c in codes]
                items.append(
                    pg.ScatterPlotItem(
                        x=x,
                        y=y,
                        size=style.size,
                        symbol=SCATTER_SYMBOLS[style.symbol],
                        brush=brushes,
                        pen=pg.mkPen("white", width=0.5),
                    )
                )
        if style.label_field and style.label_field in layer.data:
            items.append(self._label_item(layer, geoms, kind))
        return items

    def _label_item(
        self, layer: VectorLayer, geoms: np.ndarray, kind: str
    ) -> LabelsItem:
        style = layer.style
        texts = layer.data[style.label_field].fillna("").astype(str).to_numpy()
        if kind == "line":
            anchors = shapely.line_interpolate_point(
                shapely.line_merge(geoms), 0.5, normalized=True
            )
        elif kind == "polygon":
            anchors = shapely.point_on_surface(geoms)
        else:
            anchors = geoms
        x, y = shapely.get_x(anchors), shapely.get_y(anchors)
        order = np.arange(len(texts))
        if "population" in layer.data:
            # big places claim their label space first
            pop = pd.to_numeric(layer.data["population"], errors="coerce").fillna(0)
            order = np.argsort(-pop.to_numpy(), kind="stable")
        boxed = style.color if kind == "line" else None
        item = LabelsItem(
            x[order],
            y[order],
            texts[order],
            rank=label_rank(layer.role, kind),
            weights=label_weights(layer.data)[order],
            symbol=float(style.size) if kind == "point" else 0.0,
            color="#FFFFFF" if boxed else style.label_color,
            size=style.label_size,
            bold=kind == "point" and style.size >= 6,
            italic=kind == "polygon",
            boxed_fill=boxed,
        )
        if layer.role == "towns":
            item.max_view_width = TOWN_LABEL_MAX_VIEW
        return item

    # -- project events -------------------------------------------------------
    def _on_project_layer_added(self, layer_id: str) -> None:
        layer = self.project.layer(layer_id)
        self._layer_subscriptions.add(layer)
        self._add_items(layer)
        self._restack()
        self._update_synthetic_label()
        self._update_window_label()

    def _on_project_layer_removed(self, layer_id: str) -> None:
        # a layer put back under the same id (undo, an ACLED update) has other rows
        self._color_cache.pop(layer_id, None)
        self._marks.pop(layer_id, None)
        self._layer_subscriptions.remove(layer_id)
        self._remove_items(layer_id)
        self._restack()
        self._update_synthetic_label()

    # -- layer events (each layer's own signals) -------------------------------
    def _on_layer_visible(self, layer_id: str, visible: bool) -> None:
        layer = self.project.layer(layer_id)
        for item in self._items.get(layer_id, []):
            item.shown = visible
        if isinstance(layer, EventLayer) and visible:
            self._fill_event_items(layer, self._items[layer_id])
        self._update_label_visibility()
        self._update_synthetic_label()
        self._place_items()

    def _on_layer_opacity(self, layer_id: str, opacity: float) -> None:
        for item in self._items.get(layer_id, []):
            item.setOpacity(opacity)
        self._invalidate_caches()

    def _on_layer_style(self, layer_id: str, style: Style) -> None:
        self.redraw_layer(layer_id)

    def _on_layer_data(self, layer_id: str) -> None:
        self.redraw_layer(layer_id)

    def redraw_layer(self, layer_id: str) -> None:
        """Rebuild one layer's items (its style or data changed)."""
        self._marks.pop(layer_id, None)
        self._remove_items(layer_id)
        self._add_items(self.project.layer(layer_id))
        self._restack()

    def _on_project_events_changed(self, *args: object) -> None:
        for layer in self.project.event_layers():
            items = self._items.get(layer.id, [])
            if items:
                self._fill_event_items(layer, items)
        self._update_window_label()

    def _restack(self) -> None:
        """Stack items by layer order; static layers under all events and every
        label go into the two image caches."""
        count = len(self.project.layers)
        event_indices = [
            i
            for i, layer in enumerate(self.project.layers)
            if isinstance(layer, EventLayer)
        ]
        lowest_event = max(event_indices) if event_indices else -1
        base_members: list[pg.GraphicsObject] = []
        label_members: list[pg.GraphicsObject] = []
        road_members: list[pg.GraphicsObject] = []
        for index in reversed(range(count)):  # bottom layer first
            layer = self.project.layers[index]
            for position, item in enumerate(self._items.get(layer.id, [])):
                is_label = isinstance(item, LabelsItem)
                item.setZValue(
                    (LABEL_Z if is_label else 0) + (count - index) * 10 - position
                )
                if is_label:
                    label_members.append(item)
                elif layer.role == ROLE_ROADS and event_indices:
                    road_members.append(item)  # above the events, cased
                elif not isinstance(layer, EventLayer) and index > lowest_event:
                    base_members.append(item)
        label_members = road_members + label_members
        self._cached = {id(item) for item in base_members + label_members}
        self.base_cache.set_members(base_members)
        self.base_cache.setZValue(5 if event_indices else (count + 1) * 10)
        self.label_cache.set_members(label_members)
        self.label_cache.setZValue(LABEL_Z + (count + 1) * 10)
        self._place_items()

    def _place_items(self) -> None:
        """Scene visibility: cached items are drawn by their cache, not the scene."""
        for items in self._items.values():
            for item in items:
                item.setVisible(
                    getattr(item, "shown", True) and id(item) not in self._cached
                )
        self._invalidate_caches()

    def _invalidate_caches(self) -> None:
        self.base_cache.invalidate()
        self.label_cache.invalidate()

    def draw_order(self) -> list[str]:
        """Layer ids in the order they are painted, bottom first."""

        def z(layer_id: str) -> float:
            return max(item.zValue() for item in self._items[layer_id])

        return sorted(self._items, key=z)

    def is_drawn(self, layer_id: str) -> bool:
        """True when some item of the layer is painted (by the scene or a cache)."""
        return any(
            getattr(item, "shown", True) for item in self._items.get(layer_id, [])
        )

    def _update_window_label(self) -> None:
        window = self.project.time_window
        text = window.label() if self.project.event_layers() else ""
        if window.mode == "cumulative" and text:
            text = f"{text} (cumulative)"
        self.window_label.setText(text)
        self.window_label.adjustSize()
        self.window_label.setVisible(bool(text))
        self._place_overlays()

    def _place_overlays(self) -> None:
        """The time label top right, below the SYNTHETIC banner when the two
        would overlap (a narrow map)."""
        label, banner = self.window_label, self.synthetic_label
        x = max(self.width() - label.width() - 10, 10)
        y = 8
        if banner.isVisibleTo(self) and x < banner.geometry().right() + 8:
            y = banner.geometry().bottom() + 6
        label.move(x, y)
        self.scale_bar.move(10, self.height() - self.scale_bar.height() - 8)
        key = tuple(r.getRect() for r in self.label_obstacles())
        if key != self._obstacle_key:
            self._obstacle_key = key
            self.label_cache.invalidate()

    def label_obstacles(self) -> list[QRectF]:
        """Boxes of the overlays labels keep off, viewport pixels.

        The SYNTHETIC banner, the time label (the widest it has been for this
        step and mode, rounded up to 40 px, so a playing animation does not
        re-place the labels every step) and the scale bar.
        """
        out = []
        window = self.project.time_window
        kind = (window.step, window.mode, self.width())
        if kind != self._time_label_kind:
            self._time_label_kind, self._time_label_width = kind, 0
        for widget, step in (
            (self.synthetic_label, 1),
            (self.window_label, 40),
            (self.scale_bar, 1),
        ):
            if not widget.isVisibleTo(self):
                continue
            g = widget.geometry()
            width = math.ceil(g.width() / step) * step
            if widget is self.window_label:
                width = self._time_label_width = max(width, self._time_label_width)
            pos = self.viewport().mapFrom(self, g.topLeft())
            left = pos.x() + g.width() - width
            out.append(QRectF(left - 2, pos.y() - 2, width + 4, g.height() + 4))
        return out

    def _update_synthetic_label(self) -> None:
        text = synthetic_label_text(self.project)
        if text and text != self.synthetic_label.text():
            self.synthetic_label.setText(text)
            self.synthetic_label.adjustSize()
        self.synthetic_label.setVisible(bool(text))
        self._place_overlays()

    # -- view -----------------------------------------------------------------
    def full_extent(self) -> tuple[float, float, float, float] | None:
        """Union of the visible layers' extents (display CRS)."""
        boxes = [
            b
            for layer in self.project.layers
            if layer.visible
            and layer.role != "countries"
            and (b := layer.bounds_display()) is not None
        ]
        if not boxes:
            boxes = [
                b
                for layer in self.project.layers
                if (b := layer.bounds_display()) is not None
            ]
        if not boxes:
            return None
        arr = np.array(boxes)
        return (
            float(arr[:, 0].min()),
            float(arr[:, 1].min()),
            float(arr[:, 2].max()),
            float(arr[:, 3].max()),
        )

    def zoom_full(self) -> None:
        """Show the visible layers entirely."""
        extent = self.full_extent()
        if extent:
            self.set_extent(extent)

    def zoom_to_layer(self, layer_id: str) -> None:
        """Show one layer entirely."""
        extent = self.project.layer(layer_id).bounds_display()
        if extent:
            self.set_extent(extent)

    def set_extent(self, extent: tuple[float, float, float, float]) -> None:
        """Show at least this display-CRS box (aspect stays locked)."""
        xmin, ymin, xmax, ymax = extent
        width = max(xmax - xmin, 1000.0)
        height = max(ymax - ymin, 1000.0)
        self.view_box.setRange(QRectF(xmin, ymin, width, height), padding=0.02)

    def extent(self) -> tuple[float, float, float, float]:
        """The displayed box in the display CRS."""
        (xmin, xmax), (ymin, ymax) = self.view_box.viewRange()
        return float(xmin), float(ymin), float(xmax), float(ymax)

    def metres_per_pixel(self) -> float:
        """Ground metres per screen pixel at the view centre."""
        (xmin, xmax), _ = self.view_box.viewRange()
        width_px = max(self.view_box.width(), 1.0)
        return (xmax - xmin) / width_px

    def scale_denominator(self) -> float:
        """The map scale 1:N on this screen."""
        dpi = self.logicalDpiX() or 96
        return self.metres_per_pixel() * dpi / 0.0254

    def _on_view_range_changed(self, *args: object) -> None:
        self.scale_bar.set_metres_per_pixel(self.metres_per_pixel())
        if self._marks:
            self._cells_timer.start()
        self._update_label_visibility()
        self.project.set_view_extent(self.extent())
        self.sig_scale_changed.emit(self.scale_denominator())

    def _update_label_visibility(self) -> None:
        xmin, _, xmax, _ = self.extent()
        for layer in self.project.layers:
            for item in self._items.get(layer.id, []):
                if isinstance(item, LabelsItem) and item.max_view_width:
                    shown = layer.visible and (xmax - xmin) <= item.max_view_width
                    if shown != getattr(item, "shown", True):
                        item.shown = shown
                        self.label_cache.invalidate()

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)
        if "scale_bar" not in self.__dict__:
            return  # called from pyqtgraph's constructor, before our widgets exist
        self._place_overlays()

    # -- mouse ----------------------------------------------------------------
    def _on_scene_mouse_moved(self, pos: QPointF) -> None:
        point = self.view_box.mapSceneToView(pos)
        lon, lat = crs.to_lonlat().transform(point.x(), point.y())
        self.sig_cursor_moved.emit(float(lon), float(lat))

    def _on_scene_mouse_clicked(self, event: object) -> None:
        if event.button() != Qt.MouseButton.LeftButton:  # type: ignore[attr-defined]
            return
        point = self.view_box.mapSceneToView(event.scenePos())  # type: ignore[attr-defined]
        self.sig_map_clicked.emit(point.x(), point.y())
        if self.view_box.tool == TOOL_FEATURE:
            self.select_feature_at(point.x(), point.y())
        elif self.view_box.tool == TOOL_BUFFER:
            self.sig_buffer_requested.emit(point.x(), point.y())
        else:
            self.identify(point.x(), point.y())

    def identify(self, x: float, y: float) -> list[tuple[EventLayer, np.ndarray]]:
        """Events of visible layers under a map point; also emitted for panels."""
        radius = IDENTIFY_TOLERANCE_PX * self.metres_per_pixel()
        found = []
        for layer in self.project.layers:
            if isinstance(layer, EventLayer) and layer.visible:
                shown = shown_rows(
                    layer, self.project.time_window, self.project.event_filter
                )
                rows = events_near(layer, x, y, radius, shown)
                if rows.size:
                    found.append((layer, rows))
        self.sig_events_identified.emit(found)
        return found

    # -- selection ------------------------------------------------------------
    def set_tool(self, tool: str) -> None:
        """Activate a map tool (pan, rectangle, lasso, feature)."""
        self.view_box.set_tool(tool)

    def _on_view_box_shape_drawn(
        self, tool: str, xs: np.ndarray, ys: np.ndarray
    ) -> None:
        label = "Rectangle" if tool == TOOL_RECT else "Lasso"
        self.project.set_selection(selection_from_display_polygon(xs, ys, label))

    def pick_layer(self) -> VectorLayer | None:
        """The polygon layer features are picked from (chosen, else cercles)."""
        candidates = []
        if self.pick_layer_id:
            try:
                candidates.append(self.project.layer(self.pick_layer_id))
            except KeyError:
                self.pick_layer_id = None
        candidates += self.project.layers_with_role("cercles")
        for layer in candidates:
            if isinstance(layer, VectorLayer) and layer.geometry_kind == "polygon":
                return layer
        return None

    def select_feature_at(self, x: float, y: float) -> Selection | None:
        """Select the polygon under a point (e.g. a cercle); None if none."""
        layer = self.pick_layer()
        if layer is None:
            return None
        geoms = layer.display_geometry().to_numpy()
        hits = np.flatnonzero(shapely.contains_xy(geoms, x, y))
        if hits.size == 0:
            return None
        row = int(hits[0])
        field = layer.style.label_field or next(
            (c for c in ("name_fr", "name", "adm1_name") if c in layer.data), None
        )
        value = str(layer.data.iloc[row][field]) if field else f"#{row + 1}"
        kind = PICK_KINDS.get(layer.role, layer.name)
        selection = Selection(layer.data.geometry.iloc[row], f"{kind}: {value}")
        self.project.set_selection(selection)
        return selection

    def _on_project_selection_changed(self, selection: object) -> None:
        if self.selection_item is not None:
            self.removeItem(self.selection_item)
            self.selection_item = None
        if not isinstance(selection, Selection):
            return
        display = (
            gpd.GeoSeries([selection.geometry], crs="EPSG:4326")
            .to_crs(crs.DISPLAY_CRS)
            .to_numpy()
        )
        pen = cosmetic_pen("#0057B8", 2.0, "dash")
        self.selection_item = PathsItem(
            [(polygons_path(display), pen, QBrush(QColor(0, 87, 184, 35)))]
        )
        self.selection_item.setZValue(LABEL_Z - 1)
        self.addItem(self.selection_item)

    def set_basemap_underlay(self, on: bool) -> None:
        """Drop the opaque land fills while online tiles show under the layers."""
        if on == self.basemap_underlay:
            return
        self.basemap_underlay = on
        for layer in self.project.layers:
            if layer.role in (ROLE_COUNTRIES, ROLE_REGIONS):
                self._remove_items(layer.id)
                self._add_items(layer)
        self._restack()

    def layer_items(self, layer_id: str) -> list[pg.GraphicsObject]:
        """The items drawing a layer (for tests and exports)."""
        return list(self._items.get(layer_id, []))


def synthetic_label_text(project: Project) -> str:
    """The map's warning naming what is made up; "" when nothing visible is.

    Made-up roads and places (e.g. a SYNTHETIC OpenStreetMap-format extract)
    are named apart from made-up events, which may be real.
    """
    shown = [ly for ly in project.layers if ly.synthetic and ly.visible]
    if not shown:
        return ""
    base = [ly for ly in shown if ly.role in (ROLE_ROADS, ROLE_PLACES)]
    parts = []
    if len(base) < len(shown):
        parts.append("events are made up, not ACLED")
    if base:
        parts.append("roads and places are made up, not OpenStreetMap")
    # one line each: the label must not reach the time-window label on the right
    return "SYNTHETIC DEMO DATA — " + "\n".join(parts)
