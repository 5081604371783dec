"""File ▸ Open event store…: what a store holds, what to read, and the read.

A store may hold every country and year of a research desk's events; loading it
all would not fit in memory. The dialog shows how much a choice of area,
countries and years prunes (files, row groups, megabytes) before anything is
read, then the read runs off the GUI thread and adds an ordinary event layer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from sahelgis.model import crs
from sahelgis.model.events import EventTable
from sahelgis.model.layer_factory import event_layer
from sahelgis.model.layers import EventLayer
from sahelgis.model.project import Project
from sahelgis.scale.store import BBox, EventStore, Selection
from sahelgis.ui.basemap_dialog import lonlat_box_text
from sahelgis.ui.plain_text import plain_label, tooltip, window_title
from sahelgis.ui.workers import TaskRunner

TASK_KIND = "store"
SYNTHETIC_MARK = "SYNTHETIC, not ACLED"
#: Countries listed by name in a layer name; more are counted instead.
MAX_NAMED_COUNTRIES = 3


def view_box_lonlat(extent: tuple[float, float, float, float]) -> BBox | None:
    """The lon/lat box around a display-CRS view; None when the view is off the
    globe or wider than a hemisphere (no useful box to prune by)."""
    box = crs.display_box_to_lonlat(extent)
    if box is None or box[2] - box[0] >= 180.0:
        return None
    return box


def size_text(n_bytes: float) -> str:
    """Bytes as MB, or GB once large."""
    if n_bytes >= 1e9:
        return f"{n_bytes / 1e9:,.1f} GB"
    return f"{n_bytes / 1e6:,.1f} MB"


def years_text(first: int | None, last: int | None) -> str:
    """2018–2024, or one year."""
    if first is None or last is None:
        return ""
    return str(first) if first == last else f"{first}–{last}"


@dataclass(frozen=True)
class StoreRequest:
    """What to read from a store: area, years and countries (None: all)."""

    store: EventStore
    bbox: BBox | None = None
    first_year: int | None = None
    last_year: int | None = None
    countries: tuple[str, ...] | None = None

    def selection(self) -> Selection:
        """The files and row groups this request reads (manifest only)."""
        start = None if self.first_year is None else f"{self.first_year:04d}-01-01"
        end = None if self.last_year is None else f"{self.last_year:04d}-12-31"
        return self.store.select(self.bbox, start, end, self.countries)

    def countries_text(self) -> str:
        """The countries read, named when few."""
        names = list(self.countries or self.store.countries())
        if len(names) <= MAX_NAMED_COUNTRIES:
            return ", ".join(names)
        return f"{len(names)} countries"

    def layer_name(self, events: int) -> str:
        """e.g. "acled_store — Mali 2018–2024, map view (store, 1,234 events)";
        a synthetic store's layers say so right after the folder name."""
        scope = f"{self.countries_text()} {years_text(self.first_year, self.last_year)}"
        if self.bbox is not None:
            scope += ", map view"
        if self.store.synthetic:  # first, where a narrow layer list shows it
            return (
                f"{self.store.root.name} — {SYNTHETIC_MARK} — {scope.strip()} "
                f"(store, {events:,})"
            )
        return f"{self.store.root.name} — {scope.strip()} (store, {events:,} events)"

    def provenance(self, selection: Selection, events: int) -> dict[str, Any]:
        """Where a layer's events came from, saved with the project."""
        return {
            "kind": "event_store",
            "store": str(self.store.root),
            "store_updated": self.store.manifest.updated,
            "bbox": None if self.bbox is None else [round(v, 5) for v in self.bbox],
            "first_year": self.first_year,
            "last_year": self.last_year,
            "countries": None if self.countries is None else list(self.countries),
            "events": events,
            "read": selection.describe(),
        }


def store_layer(
    request: StoreRequest, selection: Selection, table: EventTable
) -> EventLayer:
    """An event layer like an imported export's, named and traced to the store."""
    layer = event_layer(table, request.store.root)
    layer.name = request.layer_name(len(table))
    layer.source_query = request.provenance(selection, len(table))
    return layer


def start_store_read(
    runner: TaskRunner,
    project: Project,
    request: StoreRequest,
    *,
    on_added: Callable[[EventLayer | None, Selection], None],
    on_error: Callable[[BaseException], None],
) -> None:
    """Read the request in the background (progress, cancel), then add the
    layer undoably; ``on_added`` gets None when nothing matched."""
    selection = request.selection()

    def done(table: EventTable) -> None:
        if not len(table):
            on_added(None, selection)
            return
        layer = store_layer(request, selection, table)
        project.add_layer(layer)
        on_added(layer, selection)

    runner.start(
        TASK_KIND,
        f"Reading {request.store.root.name}",
        request.store.read,
        selection,
        on_done=done,
        on_error=on_error,
    )


class StoreOpenDialog(QDialog):
    """The store's summary, the read choices and a live pruning line."""

    def __init__(
        self,
        store: EventStore,
        view_bbox: BBox | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.view_bbox = view_bbox
        self.setWindowTitle(window_title(f"Open event store — {store.root.name}"))
        layout = QVBoxLayout(self)
        layout.addWidget(self._summary_box())
        layout.addWidget(self._choice_box())
        self.count_label = plain_label("")
        self.count_label.setStyleSheet("font-weight: bold")
        self.count_label.setToolTip(
            "Events in the parts of the store this read opens. With the map "
            "view, events of those parts outside the view are dropped after "
            "reading, so the layer may hold fewer."
        )
        self.read_label = plain_label("")
        self.read_label.setStyleSheet("color: #555555")
        self.read_label.setWordWrap(True)
        layout.addWidget(self.count_label)
        layout.addWidget(self.read_label)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Load")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(520)
        self._update()

    # -- construction ---------------------------------------------------------
    def _summary_box(self) -> QGroupBox:
        info = self.store.summary()
        box = QGroupBox("Store")
        form = QFormLayout(box)
        # everything below comes from the store's manifest: plain text
        folder = plain_label(
            QFontMetrics(self.font()).elidedText(
                info["store"], Qt.TextElideMode.ElideMiddle, 400
            )
        )
        folder.setToolTip(tooltip(info["store"]))
        folder.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow("Folder:", folder)
        self.events_label = plain_label(
            f"{info['events']:,} in {info['partitions']:,} partitions "
            f"({info['files']:,} files)"
        )
        form.addRow("Events:", self.events_label)
        countries = plain_label(", ".join(info["countries"]) or "none")
        countries.setWordWrap(True)
        form.addRow("Countries:", countries)
        years = info["years"]
        if info["first_date"]:
            years += f"  ({info['first_date']} to {info['last_date']})"
        form.addRow("Years:", plain_label(years or "none"))
        form.addRow("Size on disk:", plain_label(size_text(info["bytes"])))
        if info["synthetic"]:
            data = QLabel("SYNTHETIC demo events, made up: not ACLED data")
            data.setStyleSheet("color: #B00020; font-weight: bold")
        else:
            sources = ", ".join(info["sources"][-3:])
            data = plain_label("ACLED events" + (f" from {sources}" if sources else ""))
            data.setWordWrap(True)
        self.data_label = data
        form.addRow("Data:", data)
        return box

    def _choice_box(self) -> QGroupBox:
        box = QGroupBox("Read")
        form = QFormLayout(box)
        area = QVBoxLayout()
        view_text = "Current map view"
        if self.view_bbox is not None:
            view_text += f"  ({lonlat_box_text(self.view_bbox)})"
        self.view_radio = QRadioButton(view_text)
        self.whole_radio = QRadioButton("Whole store")
        self.area_group = QButtonGroup(self)
        for radio in (self.view_radio, self.whole_radio):
            self.area_group.addButton(radio)
            area.addWidget(radio)
        if self.view_bbox is None:
            self.view_radio.setEnabled(False)
            self.view_radio.setToolTip("No map view to read (zoomed out too far)")
            self.whole_radio.setChecked(True)
        else:
            self.view_radio.setChecked(True)
        self.area_group.buttonToggled.connect(lambda *_: self._update())
        form.addRow("Area:", area)

        self.country_list = QListWidget()
        self.country_list.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        for name in self.store.countries():
            item = QListWidgetItem(name)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.country_list.addItem(item)
        rows = max(min(self.country_list.count(), 6), 2)
        self.country_list.setFixedHeight(
            rows * self.country_list.sizeHintForRow(0)
            + 2 * self.country_list.frameWidth()
            + 2
        )
        self.country_list.itemChanged.connect(lambda *_: self._update())
        countries = QHBoxLayout()
        countries.addWidget(self.country_list, 1)
        toggles = QVBoxLayout()
        for text, state in (
            ("All", Qt.CheckState.Checked),
            ("None", Qt.CheckState.Unchecked),
        ):
            button = QPushButton(text)
            button.setAutoDefault(False)
            button.clicked.connect(lambda _=False, s=state: self.check_all(s))
            toggles.addWidget(button)
        toggles.addStretch(1)
        countries.addLayout(toggles)
        form.addRow("Countries:", countries)

        years = self.store.years()
        low, high = (years[0], years[-1]) if years else (0, 0)
        self.first_year = QSpinBox()
        self.last_year = QSpinBox()
        for spin, value in ((self.first_year, low), (self.last_year, high)):
            spin.setRange(low, high)
            spin.setValue(value)
            spin.setEnabled(bool(years))
            spin.valueChanged.connect(self._on_year_changed)
        span = QHBoxLayout()
        span.addWidget(QLabel("from"))
        span.addWidget(self.first_year)
        span.addWidget(QLabel("to"))
        span.addWidget(self.last_year)
        span.addStretch(1)
        form.addRow("Years:", span)
        return box

    # -- state ----------------------------------------------------------------
    def check_all(self, state: Qt.CheckState) -> None:
        """Check or uncheck every country (one update)."""
        with QSignalBlocker(self.country_list):
            for i in range(self.country_list.count()):
                self.country_list.item(i).setCheckState(state)
        self._update()

    def set_countries(self, names: list[str]) -> None:
        """Check exactly these countries."""
        with QSignalBlocker(self.country_list):
            for i in range(self.country_list.count()):
                item = self.country_list.item(i)
                on = item.text() in names
                state = Qt.CheckState.Checked if on else Qt.CheckState.Unchecked
                item.setCheckState(state)
        self._update()

    def checked_countries(self) -> list[str]:
        return [
            self.country_list.item(i).text()
            for i in range(self.country_list.count())
            if self.country_list.item(i).checkState() == Qt.CheckState.Checked
        ]

    def _on_year_changed(self, value: int) -> None:
        # keep from <= to by moving the other end
        if self.sender() is self.first_year and value > self.last_year.value():
            self.last_year.setValue(value)
        elif self.sender() is self.last_year and value < self.first_year.value():
            self.first_year.setValue(value)
        self._update()

    def request(self) -> StoreRequest:
        """The read the dialog describes."""
        checked = self.checked_countries()
        every = len(checked) == self.country_list.count()
        years = self.store.years()
        return StoreRequest(
            store=self.store,
            bbox=self.view_bbox if self.view_radio.isChecked() else None,
            first_year=self.first_year.value() if years else None,
            last_year=self.last_year.value() if years else None,
            countries=None if every else tuple(checked),
        )

    def selection(self) -> Selection:
        return self.request().selection()

    def _update(self) -> None:
        """Recompute the pruning from the manifest (no file is opened)."""
        if not hasattr(self, "ok_button"):
            return
        selection = self.selection()
        if not self.checked_countries():
            text = "No country chosen: nothing to read"
        elif selection.bbox is None:
            # partitions are whole countries and years: the count is exact
            text = f"{selection.rows:,} of {selection.total_rows:,} events"
        else:
            # row groups overlapping the view are read whole, then filtered
            text = f"Up to {selection.rows:,} of {selection.total_rows:,} events"
        self.count_label.setText(text)
        self.read_label.setText(selection.describe())
        self.ok_button.setEnabled(selection.files > 0)
