"""Identify panel: the ACLED fields of every event under the last click."""

from __future__ import annotations

import numpy as np
import pandas as pd
from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from sahelgis.model import acled_schema as acled
from sahelgis.model.layers import EventLayer
from sahelgis.ui.plain_text import plain_label, tooltip

IDENTIFY_FIELDS: tuple[str, ...] = (
    acled.EVENT_DATE,
    acled.EVENT_TYPE,
    acled.SUB_EVENT_TYPE,
    acled.ACTOR1,
    acled.ASSOC_ACTOR_1,
    acled.ACTOR2,
    acled.ASSOC_ACTOR_2,
    acled.FATALITIES,
    acled.LOCATION,
    acled.ADMIN1,
    acled.ADMIN2,
    acled.LATITUDE,
    acled.LONGITUDE,
    acled.GEO_PRECISION,
    acled.TIME_PRECISION,
    acled.CIVILIAN_TARGETING,
    acled.NOTES,
    acled.SOURCE,
    acled.EVENT_ID,
)
MAX_LISTED = 200


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, pd.Timestamp | np.datetime64):
        return str(value)[:10]
    return str(value)


class IdentifyPanel(QWidget):
    """Lists the events found under the cursor, nearest first, all fields."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.header = plain_label("Click an event on the map to see its ACLED fields.")
        self.header.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels(["Field", "Value"])
        self.tree.setWordWrap(True)
        self.tree.setAlternatingRowColors(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.header)
        layout.addWidget(self.tree)

    def show_events(self, found: list[tuple[EventLayer, np.ndarray]]) -> None:
        """Show the events returned by ``MapCanvas.identify``."""
        self.tree.clear()
        total = sum(len(rows) for _, rows in found)
        if total == 0:
            self.header.setText("No event under the cursor.")
            return
        shown = 0
        for layer, rows in found:
            frame = layer.events.frame
            for row in rows[: MAX_LISTED - shown]:
                record = frame.iloc[int(row)]
                title = " · ".join(
                    _text(record.get(c))
                    for c in (acled.EVENT_DATE, acled.EVENT_TYPE, acled.LOCATION)
                )
                top = QTreeWidgetItem([title, _text(record.get(acled.ACTOR1))])
                top.setToolTip(0, tooltip(f"Layer: {layer.name}"))
                for name in IDENTIFY_FIELDS:
                    if name in frame.columns:
                        child = QTreeWidgetItem([name, _text(record[name])])
                        child.setToolTip(1, tooltip(_text(record[name])))
                        top.addChild(child)
                self.tree.addTopLevelItem(top)
                shown += 1
        more = f" (first {shown} listed)" if total > shown else ""
        self.header.setText(
            f"{total} event{'s' if total != 1 else ''} under the "
            f"cursor{more}, nearest first."
        )
        first = self.tree.topLevelItem(0)
        if first is not None:
            first.setExpanded(True)
        self.tree.resizeColumnToContents(0)

    def event_titles(self) -> list[str]:
        """Titles of the listed events (for tests)."""
        return [
            item.text(0)
            for i in range(self.tree.topLevelItemCount())
            if (item := self.tree.topLevelItem(i)) is not None
        ]
