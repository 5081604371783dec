"""Days an analysis marks on the timeline (alerts): red triangles along the
top of the events plot, with the areas for the hover text."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg

if TYPE_CHECKING:
    import pandas as pd

#: Colour of the marked days.
MARK_COLOR = "#B2182B"
SECONDS_PER_DAY = 86_400.0


class TimelineMarks:
    """The marks of one plot (x: seconds since the epoch, as ``DateAxisItem``)."""

    def __init__(self, plot: pg.PlotWidget) -> None:
        self.plot = plot
        #: The triangles (None when nothing is marked).
        self.item: pg.ScatterPlotItem | None = None
        self.days = np.zeros(0, dtype="datetime64[D]")
        self.labels: list[str] = []

    def set(self, marks: pd.DataFrame | None) -> None:
        """Mark these days.

        Parameters
        ----------
        marks
            ``date`` (ISO day) and ``label`` columns; None or empty clears.
        """
        top = self.plot.getPlotItem()
        if self.item is not None:
            top.removeItem(self.item)
            self.item = None
        self.days, self.labels = np.zeros(0, dtype="datetime64[D]"), []
        if marks is None or not len(marks):
            return
        self.days = np.asarray(marks["date"].astype(str), dtype="datetime64[D]")
        self.labels = list(marks["label"].astype(str))
        self.item = pg.ScatterPlotItem()
        self.item.setZValue(3)
        top.addItem(self.item)
        self.place()

    def place(self) -> None:
        """Put the marks along the top of the plot's current y range."""
        if self.item is None:
            return
        top = float(self.plot.getPlotItem().viewRange()[1][1])
        # the middle of the marked day
        x = self.days.astype(np.int64) * SECONDS_PER_DAY + SECONDS_PER_DAY / 2
        self.item.setData(
            x=x.astype(np.float64),
            y=np.full(len(x), top * 0.97),
            symbol="t",
            size=9,
            brush=pg.mkBrush(MARK_COLOR),
            pen=pg.mkPen("#FFFFFF", width=0.5),
            data=self.labels,
        )

    def text(self, start: np.datetime64, end: np.datetime64) -> str:
        """The labels of the marks in ``[start, end)`` ("" when none)."""
        inside = (self.days >= start) & (self.days < end)
        return "; ".join(self.labels[i] for i in np.flatnonzero(inside))
