"""Result panel: an analysis result as a table and a chart, with its warnings."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from sahelgis.model import acled_schema as acled
from sahelgis.ui.plain_text import MessageBox as QMessageBox
from sahelgis.ui.plain_text import plain_label, set_plain, tooltip

#: The result table always has room for its header and this many rows.
MIN_TABLE_ROWS = 4
#: The chart above it never shrinks below this (pixels).
MIN_CHART_PX = 70
#: No column is made narrower than this to avoid a sideways scroll bar.
MIN_COLUMN_PX = 56
#: Its height to begin with (the table takes the rest).
CHART_PX = 110


class DataFrameModel(QAbstractTableModel):
    """A read-only Qt model over a DataFrame (results are small)."""

    def __init__(self, frame: pd.DataFrame | None = None) -> None:
        super().__init__()
        self.frame = frame if frame is not None else pd.DataFrame()

    def set_frame(self, frame: pd.DataFrame) -> None:
        self.beginResetModel()
        self.frame = frame
        self.endResetModel()

    def rowCount(
        self,
        parent: QModelIndex | QPersistentModelIndex = QModelIndex(),  # noqa: B008
    ) -> int:
        return 0 if parent.isValid() else len(self.frame)

    def columnCount(
        self,
        parent: QModelIndex | QPersistentModelIndex = QModelIndex(),  # noqa: B008
    ) -> int:
        return 0 if parent.isValid() else len(self.frame.columns)

    def data(
        self,
        index: QModelIndex | QPersistentModelIndex,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> object:
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        value = self.frame.iat[index.row(), index.column()]
        if isinstance(value, float | np.floating):
            text = f"{value:,.1f}" if not float(value).is_integer() else f"{value:,.0f}"
        else:
            text = str(value)
        # cells are plain; a tooltip is read as HTML when it looks like HTML
        return tooltip(text) if role == Qt.ItemDataRole.ToolTipRole else text

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> object:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return str(self.frame.columns[section])
        return str(self.frame.index[section])


class ResultPanel(QWidget):
    """Title, warning, table and a stacked bar chart of a result's counts."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = plain_label("Run an analysis (Analysis menu or the Buffer tool).")
        self.title.setWordWrap(True)
        self.title.setStyleSheet("font-weight: bold;")
        self.warning = plain_label("")
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet("color: #B00020;")
        self.warning.hide()
        self.model = DataFrameModel()
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        header.setMinimumSectionSize(40)
        self.table.setHorizontalScrollMode(QTableView.ScrollMode.ScrollPerPixel)
        self.table.selectionModel().currentRowChanged.connect(self._row_chosen)
        self.chart = pg.PlotWidget(background="w")
        self.chart.setMinimumHeight(MIN_CHART_PX)
        self.chart.setMaximumHeight(170)
        self.chart.setMouseEnabled(False, False)
        self.chart.hideButtons()
        # chart over table, the boundary draggable; the table always shows
        # its header and MIN_TABLE_ROWS rows
        rows = self.table.fontMetrics().height() + 8
        self.table.verticalHeader().setDefaultSectionSize(rows)
        self.table.verticalHeader().setMinimumSectionSize(rows)
        self.table.setMinimumHeight(3 * rows)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.chart)
        self.splitter.addWidget(self.table)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([CHART_PX, 4 * CHART_PX])
        self.save_button = QPushButton("Save table as CSV…")
        self.save_button.clicked.connect(self._save_csv)
        self.save_button.setEnabled(False)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.title)
        layout.addWidget(self.warning)
        layout.addWidget(self.splitter, 1)
        layout.addLayout(buttons)

    def show_result(
        self,
        title: str,
        table: pd.DataFrame,
        warning: str | None = None,
        *,
        data: pd.DataFrame | None = None,
    ) -> None:
        """Show a wide table (rows e.g. years, columns e.g. event types).

        ``data`` is what *Save table as CSV…* writes when the shown table is a
        reading aid ("+150%", "2.5×"): the analysis's own numbers, the same
        as the command line's CSV. Without it the shown table is written.
        """
        self._csv_frame = table if data is None else data
        # titles quote place, road and layer names; warnings quote caveats
        set_plain(self.title, title)
        set_plain(self.warning, warning or "")
        self.warning.setVisible(bool(warning))
        self.model.set_frame(table)
        # a plain 0..n-1 row index says nothing: no row numbers then
        self.table.verticalHeader().setVisible(
            not isinstance(table.index, pd.RangeIndex)
        )
        self.table.resizeColumnsToContents()
        self._fit_columns()
        self.save_button.setEnabled(not table.empty)
        self._draw_chart(table)

    def table_deficit(self) -> int:
        """Pixels the table lacks to show its header and MIN_TABLE_ROWS rows
        (or all its rows when fewer); 0 when it has room."""
        rows = min(MIN_TABLE_ROWS, max(self.model.rowCount(), 1))
        want = rows * self.table.verticalHeader().defaultSectionSize()
        return max(0, want - self.table.viewport().height())

    def make_room(self) -> int:
        """Shrink the chart (not below MIN_CHART_PX) for the table's rows;
        returns the pixels still lacking."""
        deficit = self.table_deficit()
        chart, table = self.splitter.sizes()
        give = min(deficit, max(0, chart - MIN_CHART_PX))
        if give:
            self.splitter.setSizes([chart - give, table + give])
        return deficit - give

    def _fit_columns(self) -> None:
        """Shrink the widest columns until the table fits its width.

        A column never shrinks below its header's text (nor below
        ``MIN_COLUMN_PX``), so a wide table (a dozen columns) scrolls
        sideways rather than showing "co…" in every cell.
        """
        header = self.table.horizontalHeader()
        count = header.count()
        if count == 0:
            return
        room = self.table.viewport().width()
        widths = [header.sectionSize(i) for i in range(count)]
        metrics = header.fontMetrics()
        floors = [
            min(
                widths[i],
                max(
                    MIN_COLUMN_PX,
                    metrics.horizontalAdvance(
                        str(self.model.headerData(i, Qt.Orientation.Horizontal))
                    )
                    + 16,
                ),
            )
            for i in range(count)
        ]
        while sum(widths) > room:
            slack = [w - f for w, f in zip(widths, floors, strict=True)]
            widest = max(range(count), key=lambda i: slack[i])
            if slack[widest] <= 0:
                break
            cut = min(slack[widest], max(1, sum(widths) - room))
            widths[widest] -= cut
        for i, width in enumerate(widths):
            header.resizeSection(i, width)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Keep the columns within the panel's width."""
        super().resizeEvent(event)
        if self.model.rowCount() or self.model.columnCount():
            self.table.resizeColumnsToContents()
            self._fit_columns()

    def _draw_chart(self, table: pd.DataFrame) -> None:
        """Stacked bars of the numeric columns.

        A table naming columns in ``table.attrs["chart"]`` (periods A and B)
        gets those side by side instead, labelled by its
        ``attrs["chart_labels"]`` columns and coloured by
        ``attrs["chart_colors"]``.
        """
        self.chart.clear()
        series = table.attrs.get("row_series")
        if isinstance(series, pd.DataFrame):  # every row's series, summed
            self._draw_series(series.sum(axis=1), table.attrs.get("chart_colors", ()))
            return
        chosen = [c for c in table.attrs.get("chart", ()) if c in table.columns]
        if chosen:
            numeric = table[chosen]
        else:
            numeric = table.select_dtypes("number")
            numeric = numeric.drop(
                columns=[c for c in numeric.columns if str(c).lower() == "total"]
            )
        # a table of descriptions only (pairs of events ...) leaves the room
        # to the table rather than an empty chart
        self.chart.setVisible(not numeric.empty)
        if numeric.empty:
            return
        # bars are named by their keys (ring, year ...), not by a share
        # written as text, which would crowd the axis
        if chosen:
            named = [c for c in table.attrs.get("chart_labels", ()) if c in table]
            labels = table[named]
        else:
            labels = table.select_dtypes(exclude="number").drop(
                columns=[c for c in table.columns if str(c) == "share"],
                errors="ignore",
            )
        if labels.empty:
            tick_text = [str(i) for i in numeric.index]
        else:
            tick_text = list(labels.astype(str).agg(" ".join, axis=1))
        x = np.arange(len(numeric))
        base = np.zeros(len(numeric))
        palette = pg.colormap.get("CET-C6").getLookupTable(
            nPts=max(len(numeric.columns), 2)
        )
        width = 0.8 / len(numeric.columns) if chosen else 0.8
        colors = list(table.attrs.get("chart_colors", ())) if chosen else []
        for i, column in enumerate(numeric.columns):
            values = numeric[column].to_numpy(dtype=float)
            color = colors[i] if i < len(colors) else None
            color = color or acled.EVENT_TYPE_COLORS.get(str(column))
            brush = pg.mkBrush(color) if color else pg.mkBrush(*palette[i][:3])
            if chosen:  # side by side
                left = x - 0.4 + width * (i + 0.5)
                item = pg.BarGraphItem(
                    x=left, height=values, width=width, brush=brush, pen=None
                )
            else:
                item = pg.BarGraphItem(
                    x=x, height=values, y0=base, width=0.8, brush=brush, pen=None
                )
            self.chart.addItem(item)
            base = base + values
        axis = self.chart.getAxis("bottom")
        axis.setTicks([[(float(i), str(label)) for i, label in enumerate(tick_text)]])

    def _row_chosen(self, current: QModelIndex, previous: QModelIndex) -> None:
        """Chart the chosen row's own series when the table carries them.

        ``attrs["row_series"]`` is a DataFrame (index: periods, columns: the
        values of the ``attrs["row_series_key"]`` column), e.g. each hexagon's
        events per month.
        """
        frame = self.model.frame
        series = frame.attrs.get("row_series")
        key = frame.attrs.get("row_series_key")
        if not isinstance(series, pd.DataFrame) or key not in frame.columns:
            return
        if not current.isValid() or current.row() >= len(frame):
            return
        name = frame[key].iloc[current.row()]
        if name not in series.columns:
            return
        self.chart.clear()
        self._draw_series(series[name], frame.attrs.get("chart_colors", ()))

    def _draw_series(self, values: pd.Series, colors: object) -> None:
        """Bars of one series over its periods (the index), a tick a year."""
        self.chart.setVisible(True)
        color = next(iter(colors), None) if isinstance(colors, list | tuple) else None
        heights = values.to_numpy(dtype=float)
        x = np.arange(len(heights))
        self.chart.addItem(
            pg.BarGraphItem(
                x=x, height=heights, width=0.8, brush=pg.mkBrush(color or "#7A7A7A"),
                pen=None,
            )
        )  # fmt: skip
        labels = [str(v) for v in values.index]
        every = max(1, len(labels) // 7)
        ticks = [(float(i), labels[i]) for i in range(0, len(labels), every)]
        self.chart.getAxis("bottom").setTicks([ticks])

    def _save_csv(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Save table", "result.csv", "CSV (*.csv)"
        )
        if not path:
            return
        from sahelgis.io.csv_safe import write_csv

        try:
            frame = getattr(self, "_csv_frame", self.model.frame)
            index = not isinstance(frame.index, pd.RangeIndex)
            write_csv(frame, Path(path), index=index)  # formulas escaped
        except OSError as exc:
            QMessageBox.warning(self, "Save table", f"{path}: {exc.strerror}")
