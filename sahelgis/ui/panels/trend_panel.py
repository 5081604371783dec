"""Trend panel: a clicked place's monthly series, its trend and change since a date.

The numbers come from :mod:`sahelgis.analysis.trend` (one query per click:
:func:`~sahelgis.analysis.trend.monthly_series`); the "since" date only
re-splits that series. "Export trend as slide…" writes the same numbers as a
native PowerPoint chart (:mod:`sahelgis.export.trend_slide`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QDate, QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from sahelgis.analysis.trend import PlaceTrend, place_trend, trend_summary
from sahelgis.errors import SahelGISError
from sahelgis.ui.plain_text import MessageBox as QMessageBox
from sahelgis.ui.plain_text import plain_label, set_plain

if TYPE_CHECKING:
    import pandas as pd

COUNT_PEN = "#B2182B"
TREND_PEN = "#202020"


class TrendPanel(QWidget):
    """The series of one place with its Theil–Sen line and a "since" date."""

    sig_trend_changed = Signal(object)  # PlaceTrend

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = plain_label(
            "Click an area, buffer ring or corridor segment of an analysis "
            "result (Pan tool) to see its monthly trend."
        )
        self.title.setWordWrap(True)
        self.title.setStyleSheet("font-weight: bold;")
        self.chart = pg.PlotWidget(background="w")
        self.chart.setMinimumHeight(120)
        self.chart.setMouseEnabled(False, False)
        self.chart.hideButtons()
        self.chart.setLabel("left", "Events per month")
        self.summary = plain_label("")
        self.summary.setWordWrap(True)
        self.since_edit = QDateEdit()
        self.since_edit.setDisplayFormat("yyyy-MM")
        self.since_edit.setCalendarPopup(True)
        self.since_edit.dateChanged.connect(self._on_since_changed)
        self.export_button = QPushButton("Export trend as slide…")
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(self._on_export_clicked)
        row = QHBoxLayout()
        row.addWidget(QLabel("Change since"))
        row.addWidget(self.since_edit)
        row.addStretch(1)
        row.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.title)
        layout.addWidget(self.chart, 1)
        layout.addWidget(self.summary)
        layout.addLayout(row)
        self.series: pd.Series | None = None
        self.trend: PlaceTrend | None = None
        self._place = ""
        self._filter_text = "all events"
        self._source = ""

    def show_series(
        self,
        series: pd.Series,
        place: str,
        *,
        filter_text: str = "all events",
        source: str = "",
    ) -> None:
        """Show a place's monthly series (``YYYY-MM`` index, events per month).

        The "since" date starts at the middle month of the series.
        """
        self.series = series
        self._place, self._filter_text, self._source = place, filter_text, source
        months = [str(m) for m in series.index]
        if months:
            mid = months[len(months) // 2]
            with QSignalBlocker(self.since_edit):
                self.since_edit.setDateRange(
                    QDate.fromString(months[0] + "-01", "yyyy-MM-dd"),
                    QDate.fromString(months[-1] + "-01", "yyyy-MM-dd"),
                )
                self.since_edit.setDate(QDate.fromString(mid + "-01", "yyyy-MM-dd"))
        self._refit()

    def since(self) -> str:
        """The "since" month as ``YYYY-MM``."""
        return str(self.since_edit.date().toString("yyyy-MM"))

    def _on_since_changed(self, *args: object) -> None:
        self._refit()

    def _refit(self) -> None:
        series = self.series
        if series is None or not len(series):
            self.trend = None
            set_plain(self.summary, "No month to show.")
            self.chart.clear()
            self.export_button.setEnabled(False)
            return
        self.trend = place_trend(
            series,
            self._place,
            self.since(),
            filter_text=self._filter_text,
            source=self._source,
        )
        set_plain(self.title, f"Events per month – {self._place}")
        set_plain(self.summary, trend_summary(self.trend))
        self._draw(self.trend)
        self.export_button.setEnabled(True)
        self.sig_trend_changed.emit(self.trend)

    def _draw(self, trend: PlaceTrend) -> None:
        self.chart.clear()
        x = np.arange(len(trend.months), dtype="float64")
        self.chart.plot(
            x,
            trend.counts.astype("float64"),
            pen=pg.mkPen(COUNT_PEN, width=1.5),
            symbol="s",
            symbolSize=5,
            symbolBrush=COUNT_PEN,
            symbolPen=None,
            name="events",
        )
        self.chart.plot(x, trend.fitted, pen=pg.mkPen(TREND_PEN, width=2), name="trend")
        if trend.since in trend.months:
            at = trend.months.index(trend.since) - 0.5
            self.chart.addItem(
                pg.InfiniteLine(
                    at, angle=90, pen=pg.mkPen("#777777", style=Qt.PenStyle.DashLine)
                )
            )
        step = max(1, -(-len(x) // 5))  # at most 5 month labels
        ticks = [(float(i), trend.months[i]) for i in range(0, len(x), step)]
        self.chart.getAxis("bottom").setTicks([ticks])

    def _on_export_clicked(self) -> None:
        if self.trend is None:
            return
        path, _ = QFileDialog.getSaveFileName(
            self, "Export trend as slide", "trend.pptx", "PowerPoint (*.pptx)"
        )
        if path:
            self.export(path)

    def export(self, path: str) -> None:
        """Write the shown trend as a one-slide deck; a message on failure."""
        from sahelgis.export.trend_slide import write_trend_pptx

        if self.trend is None:
            return
        try:
            write_trend_pptx(self.trend, path)
        except SahelGISError as exc:
            QMessageBox.warning(self, "Export trend", str(exc))
