"""Chart panel: events per step by type and fatalities, with the time window band.

Bars are stacked by ACLED event type, or by source ("Stack by: source"): ACLED
and UCDP GED events of a project told apart.

The counts come from the model (``query_for(layer).step_counts``) and depend on
the step, filter, selection and visible event layers, never on the window, so a
window move (30 a second while playing) only moves the band.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pyqtgraph as pg
import shiboken6
from PySide6.QtCore import QPointF, QSignalBlocker, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QGraphicsItem,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from sahelgis.model import acled_schema as acled
from sahelgis.model import ucdp_schema as ucdp
from sahelgis.model.event_query import (
    ACLED_DATASET,
    SYNTHETIC_DATASET,
    StepCounts,
    combine_counts,
    query_for,
)
from sahelgis.model.layers import EventLayer, LayerSubscriptions
from sahelgis.model.project import Project
from sahelgis.model.time_window import (
    DAY,
    add_steps,
    as_day,
    floor_to_step,
    format_window,
    step_bins,
)
from sahelgis.ui.panels.timeline_marks import MARK_COLOR, TimelineMarks
from sahelgis.ui.plain_text import markup, plain_label

if TYPE_CHECKING:
    import pandas as pd

OTHER_TYPE_COLOR = "#9E9E9E"
FATALITIES_COLOR = "#8B0000"
BAND_BRUSH = (30, 110, 200, 45)
BAND_HOVER_BRUSH = (30, 110, 200, 70)
BAND_PEN = (20, 80, 160, 220)
SECONDS_PER_DAY = 86_400.0
#: Share of a period's width left empty between bars.
BAR_GAP = 0.12
AXIS_WIDTH = 44
HINT = "Hover a bar for exact counts; click it to end the window there."
#: The "Stack by" choices: label and split.
SPLIT_CHOICES = (("event type", "event_type"), ("source", "source"))
SOURCE_COLORS = {
    ACLED_DATASET: "#1F78B4",
    ucdp.UCDP_SOURCE: "#D01C8B",
    SYNTHETIC_DATASET: "#6A6A6A",
}


def day_seconds(days: np.ndarray | np.datetime64) -> np.ndarray:
    """Days (datetime64[D]) as seconds since the epoch, for ``DateAxisItem``."""
    return np.asarray(days, dtype="datetime64[D]").astype(np.int64) * SECONDS_PER_DAY


def seconds_day(seconds: float) -> np.datetime64:
    """The day holding a time in seconds since the epoch."""
    return np.datetime64(int(np.floor(seconds / SECONDS_PER_DAY)), "D")


def type_color(name: str) -> str:
    """The map legend's colour of an event type (grey for other types)."""
    return acled.EVENT_TYPE_COLORS.get(name, OTHER_TYPE_COLOR)


def bar_color(name: str, split: str) -> str:
    """A bar's colour: its event type's, or its source's."""
    if split == "source":
        return SOURCE_COLORS.get(name, OTHER_TYPE_COLOR)
    return type_color(name)


class ChartPanel(QWidget):
    """Events per step by type and fatalities per step; the window as a band."""

    def __init__(self, project: Project, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project = project
        #: The counts drawn last (None when there is nothing to draw).
        self.counts: StepCounts | None = None
        #: One stacked bar item per event type present, bottom type first.
        self.bar_items: dict[str, pg.BarGraphItem] = {}
        self.fatality_item: pg.BarGraphItem | None = None
        self._drawn_key: tuple[Any, ...] | None = None
        self._drawn_selection: object = None  # keeps id() in the key unique
        self._drag_origin: tuple[float, float] | None = None
        self._from_band = False
        #: What bars are stacked by: "event_type" or "source".
        self.split = "event_type"

        # the title quotes the filter (actor text) and the selection's label
        self.title = plain_label()
        self.title.setWordWrap(True)
        self.title.setStyleSheet("font-weight: bold;")
        self.split_box = QComboBox()
        for label, split in SPLIT_CHOICES:
            self.split_box.addItem(label, split)
        self.split_box.setToolTip(
            "Stack the bars by ACLED event type, or by source (ACLED, UCDP GED)"
        )
        self.split_box.currentIndexChanged.connect(self._on_split_box_changed)
        self.legend = QLabel()
        self.legend.setWordWrap(True)
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.empty_label = QLabel("No event layer")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setStyleSheet("color: #777777; font-style: italic;")
        self.top_plot = self._make_plot("Events", show_dates=False)
        self.bottom_plot = self._make_plot("Fatalities", show_dates=True)
        self.bottom_plot.setXLink(self.top_plot)
        self.bands = (self._make_band(self.top_plot), self._make_band(self.bottom_plot))
        #: Days an analysis marks (alerts), over the bars.
        self.marks = TimelineMarks(self.top_plot)
        # event types come from the data
        self.hover_label = plain_label(HINT)
        self.hover_label.setWordWrap(True)
        self.hover_label.setStyleSheet("color: #333333;")
        self.hover_label.setAlignment(Qt.AlignmentFlag.AlignTop)
        # room for two lines, so hovering seldom makes the plots jump
        lines = self.hover_label.fontMetrics().lineSpacing() * 2
        self.hover_label.setMinimumHeight(lines + 4)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(2)
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(QLabel("Stack by"))
        head.addWidget(self.split_box)
        layout.addLayout(head)
        layout.addWidget(self.legend)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.top_plot, 3)
        layout.addWidget(self.bottom_plot, 2)
        layout.addWidget(self.hover_label)

        self.top_plot.scene().sigMouseClicked.connect(self._on_top_scene_clicked)
        self.bottom_plot.scene().sigMouseClicked.connect(self._on_bottom_scene_clicked)
        self.top_plot.scene().sigMouseMoved.connect(self._on_top_scene_moved)
        self.bottom_plot.scene().sigMouseMoved.connect(self._on_bottom_scene_moved)
        for band in self.bands:
            band.sigRegionChanged.connect(self._on_band_changed)
            band.sigRegionChangeFinished.connect(self._on_band_change_finished)
        # the counts are of the visible event layers: follow their visibility
        self._layer_subscriptions = LayerSubscriptions(
            self, visible="_on_layer_visible"
        )
        self._connect_project()
        self.refresh()

    # -- construction ---------------------------------------------------------
    def _make_plot(self, label: str, show_dates: bool) -> pg.PlotWidget:
        axis = pg.DateAxisItem(orientation="bottom", utcOffset=0)
        plot = pg.PlotWidget(axisItems={"bottom": axis}, background="w")
        item = plot.getPlotItem()
        item.hideButtons()
        item.setMenuEnabled(False)
        item.setMouseEnabled(x=True, y=False)
        item.showGrid(y=True, alpha=0.25)
        item.getAxis("left").setWidth(AXIS_WIDTH)
        item.setLabel("left", label, **{"font-size": "8pt"})
        for name in ("left", "bottom"):
            axis_item = item.getAxis(name)
            axis_item.setPen("#555555")
            axis_item.setTextPen("#333333")
            # axes and bars only change with the counts, not with the window
            # band: caching them took a chart repaint from 7.4 ms to 1.0 ms
            axis_item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        if not show_dates:
            item.getAxis("bottom").setStyle(showValues=False)
            item.getAxis("bottom").setHeight(6)
        plot.setMinimumHeight(64)
        return plot

    def _make_band(self, plot: pg.PlotWidget) -> pg.LinearRegionItem:
        band = pg.LinearRegionItem(
            values=(0.0, 1.0),
            orientation="vertical",
            brush=BAND_BRUSH,
            hoverBrush=BAND_HOVER_BRUSH,
            pen=pg.mkPen(BAND_PEN, width=1.5),
            swapMode="sort",
        )
        # above the ViewBox (so it gets the drags) but below the bars (true colours)
        band.setZValue(0.5)
        band.setVisible(False)
        plot.addItem(band, ignoreBounds=True)
        return band

    # -- project --------------------------------------------------------------
    def set_project(self, project: Project) -> None:
        """Follow another project (after New/Open)."""
        self._disconnect_project()
        self.project = project
        self._drawn_key = None
        self._connect_project()
        self.refresh()

    def _project_slots(self) -> list[tuple[Any, Callable[..., None]]]:
        # built on demand, not stored: a stored list of bound methods would make
        # a reference cycle, and Python's GC may then delete the widget mid-paint
        project = self.project
        return [
            (project.layer_added, self._on_project_layers_changed),
            (project.layer_removed, self._on_project_layers_changed),
            (project.filter_changed, self._on_project_counts_changed),
            (project.selection_changed, self._on_project_counts_changed),
            (project.time_window.settings_changed, self._on_project_counts_changed),
            (project.time_window.changed, self._on_time_window_changed),
        ]

    def _connect_project(self) -> None:
        for signal, slot in self._project_slots():
            signal.connect(slot)
        self._follow_event_layers()

    def _disconnect_project(self) -> None:
        for signal, slot in self._project_slots():
            signal.disconnect(slot, missing_ok=True)
        self._layer_subscriptions.clear()

    def _follow_event_layers(self) -> None:
        self._layer_subscriptions.follow(self.project.event_layers())

    def _alive(self) -> bool:
        # psygnal holds only a weak reference; a wrapper may outlive its C++ widget
        if shiboken6.isValid(self):
            return True
        self._disconnect_project()
        return False

    # -- model handlers -------------------------------------------------------
    def _on_project_layers_changed(self, layer_id: str) -> None:
        if self._alive():
            self._follow_event_layers()
            self.refresh()

    def _on_layer_visible(self, layer_id: str, visible: bool) -> None:
        if self._alive():
            self.refresh()

    def _on_project_counts_changed(self, *args: object) -> None:
        if self._alive():
            self.refresh()

    def _on_time_window_changed(self, start: object, end: object) -> None:
        if self._alive():
            self._sync_band()

    def _on_split_box_changed(self, index: int) -> None:
        self.set_split(str(self.split_box.itemData(index)))

    def set_split(self, split: str) -> None:
        """Stack the bars by "event_type" or by "source" (ACLED, UCDP GED)."""
        if split not in [choice for _, choice in SPLIT_CHOICES]:
            raise ValueError(f"split {split!r}; use event_type or source")
        if split == self.split:
            return
        self.split = split
        with QSignalBlocker(self.split_box):
            self.split_box.setCurrentIndex(self.split_box.findData(split))
        self.refresh()

    # -- drawing --------------------------------------------------------------
    def refresh(self) -> None:
        """Recompute the counts if what they depend on changed; place the band."""
        project = self.project
        window = project.time_window
        visible = [layer for layer in project.event_layers() if layer.visible]
        span = project.event_span()
        key = (
            self.split,
            window.step,
            project.event_filter,
            id(project.selection),
            None if span is None else (str(span[0]), str(span[1])),
            tuple((layer.id, id(layer.events)) for layer in visible),
        )
        self._update_title()
        if key != self._drawn_key:
            self._drawn_key = key
            self._drawn_selection = project.selection
            counts = None
            if visible and span is not None:
                counts = combine_counts(
                    [
                        query_for(layer).step_counts(
                            window.step,
                            project.event_filter,
                            project.selection,
                            # Project.event_span is typed loosely (issue 16 rework)
                            cast("tuple[np.datetime64, np.datetime64]", span),
                            self.split,
                        )
                        for layer in visible
                    ]
                )
            self._draw(counts, self._empty_text(visible))
        self._sync_band()

    def _empty_text(self, visible: list[EventLayer]) -> str:
        if not self.project.event_layers():
            return "No event layer"
        if not visible:
            return "No visible event layer"
        return "No events"

    def _update_title(self) -> None:
        project = self.project
        by = " by source" if self.split == "source" else ""
        text = (
            f"Events per {project.time_window.step}{by} — "
            f"{project.event_filter.describe()}"
        )
        if project.selection is not None:
            text += f"; Selection: {project.selection.label}"
        self.title.setText(text)

    def _draw(self, counts: StepCounts | None, empty_text: str) -> None:
        """Replace the bar items (only when the counts change, never per window)."""
        top = self.top_plot.getPlotItem()
        bottom = self.bottom_plot.getPlotItem()
        for item in self.bar_items.values():
            top.removeItem(item)
        self.bar_items = {}
        if self.fatality_item is not None:
            bottom.removeItem(self.fatality_item)
            self.fatality_item = None
        self.counts = counts
        self.empty_label.setText(empty_text)
        self.empty_label.setVisible(counts is None)
        self.hover_label.setText(HINT if counts is not None else "")
        if counts is None:
            self.legend.setText("")
            top.setYRange(0, 1, padding=0)
            bottom.setYRange(0, 1, padding=0)
            return
        edges = day_seconds(counts.bins)
        width = np.diff(edges)
        x0 = edges[:-1] + width * (BAR_GAP / 2)
        x1 = edges[1:] - width * (BAR_GAP / 2)
        base = np.zeros(len(counts.counts), dtype=np.float64)
        no_pen = pg.mkPen(None)
        for j, name in enumerate(counts.types):
            height = counts.counts[:, j].astype(np.float64)
            drawn = height > 0
            if not drawn.any():
                continue
            item = pg.BarGraphItem(
                x0=x0[drawn],
                x1=x1[drawn],
                y0=base[drawn],
                height=height[drawn],
                brush=bar_color(name, self.split),
                pen=no_pen,
            )
            item.setZValue(1)
            item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
            top.addItem(item)
            self.bar_items[name] = item
            base += height
        fatalities = counts.fatalities.astype(np.float64)
        drawn = fatalities > 0
        self.fatality_item = pg.BarGraphItem(
            x0=x0[drawn],
            x1=x1[drawn],
            y0=np.zeros(int(drawn.sum())),
            height=fatalities[drawn],
            brush=FATALITIES_COLOR,
            pen=no_pen,
        )
        self.fatality_item.setZValue(1)
        self.fatality_item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        bottom.addItem(self.fatality_item)
        top.setXRange(edges[0], edges[-1], padding=0.01)
        top.setLimits(xMin=edges[0] - width[0], xMax=edges[-1] + width[-1])
        bottom.setLimits(xMin=edges[0] - width[0], xMax=edges[-1] + width[-1])
        top.setYRange(0, max(float(base.max(initial=0)), 1.0) * 1.05, padding=0)
        bottom.setYRange(
            0, max(float(fatalities.max(initial=0)), 1.0) * 1.05, padding=0
        )
        self.legend.setText(self._legend_html())
        self.marks.place()

    def set_marks(self, marks: pd.DataFrame | None) -> None:
        """Mark days on the timeline (alerts; ``date``, ``label``; None clears)."""
        self.marks.set(marks)
        if self.counts is not None:
            self.legend.setText(self._legend_html())

    def _legend_html(self) -> str:
        parts = [
            markup(
                '<span style="color:{}">■</span>&nbsp;{}',
                bar_color(name, self.split),
                name,
            )
            for name in self.bar_items
        ]
        parts.append(
            f'<span style="color:{FATALITIES_COLOR}">■</span>&nbsp;fatalities (below)'
        )
        if self.marks.item is not None:
            parts.append(f'<span style="color:{MARK_COLOR}">▼</span>&nbsp;alerts')
        return '<span style="font-size:8pt">' + " &nbsp; ".join(parts) + "</span>"

    # -- band -----------------------------------------------------------------
    def window_region(self) -> tuple[float, float] | None:
        """The model's window as band edges in seconds: start to end + 1 day."""
        bounds = self.project.time_window.window()
        if bounds is None:
            return None
        start, end = bounds
        return float(day_seconds(start)), float(day_seconds(end + DAY))

    def _sync_band(self) -> None:
        region = self.window_region()
        for band in self.bands:
            band.setVisible(region is not None and self.counts is not None)
            if self._from_band or region is None:
                continue  # never move a band under the user's mouse
            with QSignalBlocker(band):
                band.setRegion(region)
        # a cumulative window always starts at the data: only its end drags
        cumulative = self.project.time_window.mode == "cumulative"
        for band in self.bands:
            band.setMovable(not cumulative)
            band.lines[1].setMovable(True)

    def _on_band_changed(self, band: pg.LinearRegionItem) -> None:
        """Live drag: mirror the other band and move the model's window."""
        region = band.getRegion()
        for other in self.bands:
            if other is not band:
                with QSignalBlocker(other):
                    other.setRegion(region)
        if self._drag_origin is None:
            self._drag_origin = self.window_region()
        self._apply_band(region)

    def _on_band_change_finished(self, band: pg.LinearRegionItem) -> None:
        """End of a drag: set the snapped window and snap both bands to it."""
        self._apply_band(band.getRegion())
        self._drag_origin = None
        self._sync_band()

    def _apply_band(self, region: tuple[float, float]) -> None:
        origin = self._drag_origin or self.window_region()
        bounds = self.band_window(region, origin)
        if bounds is None:
            return
        self._from_band = True
        try:
            self.project.time_window.set_window(*bounds)
        finally:
            self._from_band = False

    def band_window(
        self,
        region: tuple[float, float],
        origin: tuple[float, float] | None = None,
    ) -> tuple[np.datetime64, np.datetime64] | None:
        """The step-aligned window for band edges (seconds); None without data.

        Rolling windows keep their length: they follow the start edge when only
        it moved (from ``origin``), else the end edge. Cumulative windows start
        at the span's first step and only their end follows the band.
        """
        window = self.project.time_window
        if window.span is None:
            return None
        step = window.step
        lo, hi = sorted(region)
        start_only = (
            origin is not None
            and abs(lo - origin[0]) > 1.0
            and abs(hi - origin[1]) <= 1.0
        )
        if window.mode == "rolling" and start_only:
            start = self._snap(seconds_day(lo))
            return self._clamped(add_steps(start, step, window.length))
        return self._clamped(self._snap(seconds_day(hi)))

    def _snap(self, day: np.datetime64) -> np.datetime64:
        """The step boundary nearest to ``day``."""
        step = self.project.time_window.step
        before = floor_to_step(day, step)
        after = add_steps(before, step, 1)
        return before if day - before <= after - day else after

    def _clamped(
        self, end_excl: np.datetime64
    ) -> tuple[np.datetime64, np.datetime64] | None:
        """A window ending the day before ``end_excl``, kept inside the data."""
        window = self.project.time_window
        if window.span is None:
            return None
        bins = step_bins(window.span[0], window.span[1], window.step)
        end_excl = min(max(end_excl, bins[1]), bins[-1])
        if window.mode == "rolling":
            start = add_steps(end_excl, window.step, -max(int(window.length), 1))
        else:
            start = bins[0]
        return start, end_excl - DAY

    def jump_to(self, day: object) -> None:
        """Move the window so that it ends with the step period holding ``day``."""
        window = self.project.time_window
        period = floor_to_step(as_day(day), window.step)
        bounds = self._clamped(add_steps(period, window.step, 1))
        if bounds is not None:
            window.set_window(*bounds)

    # -- mouse ----------------------------------------------------------------
    def _on_top_scene_clicked(self, event: Any) -> None:
        self._click(self.top_plot, event)

    def _on_bottom_scene_clicked(self, event: Any) -> None:
        self._click(self.bottom_plot, event)

    def _click(self, plot: pg.PlotWidget, event: Any) -> None:
        # the scene only reports clicks that were not drags (band or pan)
        if event.button() != Qt.MouseButton.LeftButton or self.counts is None:
            return
        vb = plot.getPlotItem().getViewBox()
        if vb.sceneBoundingRect().contains(event.scenePos()):
            self.jump_to(seconds_day(vb.mapSceneToView(event.scenePos()).x()))

    def _on_top_scene_moved(self, pos: QPointF) -> None:
        self._hover(self.top_plot, pos)

    def _on_bottom_scene_moved(self, pos: QPointF) -> None:
        self._hover(self.bottom_plot, pos)

    def _hover(self, plot: pg.PlotWidget, pos: QPointF) -> None:
        if self.counts is None:
            return
        vb = plot.getPlotItem().getViewBox()
        text = ""
        if vb.sceneBoundingRect().contains(pos):
            text = self.hover_text(seconds_day(vb.mapSceneToView(pos).x()))
        self.hover_label.setText(text or HINT)

    def hover_text(self, day: object) -> str:
        """Exact counts of the step period holding ``day`` ("" outside the data)."""
        counts = self.counts
        if counts is None:
            return ""
        day = as_day(day)
        if day < counts.bins[0] or day >= counts.bins[-1]:
            return ""
        index = counts.period_of(day)
        label = format_window(counts.bins[index], counts.bins[index + 1] - DAY)
        row = counts.counts[index]
        total = int(row.sum())
        by_type = ", ".join(
            f"{name} {int(n)}" for name, n in zip(counts.types, row, strict=True) if n
        )
        events = "event" if total == 1 else "events"
        fatalities = int(counts.fatalities[index])
        text = f"{label}: {total} {events}"
        if by_type:
            text += f" — {by_type}"
        text += f"; {fatalities} {'fatality' if fatalities == 1 else 'fatalities'}"
        alerts = self.marks.text(counts.bins[index], counts.bins[index + 1])
        if alerts:
            text += f"; alerts: {alerts}"
        return text
