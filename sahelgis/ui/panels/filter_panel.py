"""Filter panel: event and sub-event types, actor text, civilian targeting,
fatalities and precision codes; it writes the project's ``EventFilter``.
"""

from __future__ import annotations

from collections.abc import Iterator

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from sahelgis.model import acled_schema as acled
from sahelgis.model.filters import ALL_PRECISIONS, EventFilter
from sahelgis.model.project import Project

CIVILIAN_CHOICES = (
    ("any", None),
    ("only civilian targeting", True),
    ("exclude civilian targeting", False),
)


class FilterPanel(QWidget):
    """Edits the project's event filter; shows it back when the model changes."""

    def __init__(self, project: Project, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self.types = QTreeWidget()
        self.types.setHeaderHidden(True)
        for event_type, subs in acled.TAXONOMY.items():
            top = QTreeWidgetItem([event_type])
            top.setFlags(
                top.flags()
                | Qt.ItemFlag.ItemIsUserCheckable
                | Qt.ItemFlag.ItemIsAutoTristate
            )
            top.setCheckState(0, Qt.CheckState.Checked)
            for sub in subs:
                child = QTreeWidgetItem([sub])
                child.setFlags(child.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                child.setCheckState(0, Qt.CheckState.Checked)
                top.addChild(child)
            self.types.addTopLevelItem(top)
        self.types.itemChanged.connect(self._on_widgets_changed)
        self.actor = QLineEdit()
        self.actor.setPlaceholderText("e.g. JNIM (actor1, actor2, associated)")
        self.actor.setClearButtonEnabled(True)
        self._actor_timer = QTimer(self, singleShot=True, interval=300)
        self._actor_timer.timeout.connect(self._on_widgets_changed)
        self.actor.textEdited.connect(lambda _: self._actor_timer.start())
        self.civilian = QComboBox()
        for label, _ in CIVILIAN_CHOICES:
            self.civilian.addItem(label)
        self.civilian.currentIndexChanged.connect(self._on_widgets_changed)
        self.fatalities = QSpinBox(minimum=0, maximum=100_000)
        self.fatalities.setPrefix("≥ ")
        self.fatalities.valueChanged.connect(self._on_widgets_changed)
        self.geo = self._precision_boxes("geo_precision: 1 town, 2 near, 3 region")
        self.time = self._precision_boxes("time_precision: 1 day, 2 week, 3 month")
        reset = QPushButton("Reset filters")
        reset.clicked.connect(lambda: self.project.set_filter(EventFilter()))
        form = QFormLayout()
        form.addRow("Actor", self.actor)
        form.addRow("Civilians", self.civilian)
        form.addRow("Fatalities", self.fatalities)
        form.addRow("Geo precision", self._row(self.geo))
        form.addRow("Time precision", self._row(self.time))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.types, 1)
        layout.addLayout(form)
        layout.addWidget(reset)
        self._updating = False
        project.filter_changed.connect(self._on_project_filter_changed)
        self.show_filter(project.event_filter)

    def _precision_boxes(self, tip: str) -> list[QCheckBox]:
        boxes = []
        for code in (1, 2, 3):
            box = QCheckBox(str(code))
            box.setToolTip(tip)
            box.setChecked(True)
            box.toggled.connect(self._on_widgets_changed)
            boxes.append(box)
        return boxes

    @staticmethod
    def _row(boxes: list[QCheckBox]) -> QWidget:
        widget = QWidget()
        row = QHBoxLayout(widget)
        row.setContentsMargins(0, 0, 0, 0)
        for box in boxes:
            row.addWidget(box)
        row.addStretch(1)
        return widget

    def set_project(self, project: Project) -> None:
        """Follow another project."""
        self.project.filter_changed.disconnect(self._on_project_filter_changed)
        self.project = project
        project.filter_changed.connect(self._on_project_filter_changed)
        self.show_filter(project.event_filter)

    # -- widgets -> model -------------------------------------------------------
    def current_filter(self) -> EventFilter:
        """The filter the widgets describe."""
        types: set[str] = set()
        subs: set[str] = set()
        all_subs = True
        for top in _top_items(self.types):
            for child in _children(top):
                if child.checkState(0) == Qt.CheckState.Checked:
                    subs.add(child.text(0))
                    types.add(top.text(0))
                else:
                    all_subs = False
        every_type = types == set(acled.TAXONOMY)
        return EventFilter(
            event_types=None if every_type and all_subs else frozenset(types),
            sub_event_types=None if all_subs else frozenset(subs),
            actor=self.actor.text().strip(),
            civilian_targeting=CIVILIAN_CHOICES[self.civilian.currentIndex()][1],
            min_fatalities=self.fatalities.value(),
            geo_precision=frozenset(
                i + 1 for i, b in enumerate(self.geo) if b.isChecked()
            ),
            time_precision=frozenset(
                i + 1 for i, b in enumerate(self.time) if b.isChecked()
            ),
        )

    def _on_widgets_changed(self, *args: object) -> None:
        if not self._updating:
            self.project.set_filter(self.current_filter())

    # -- model -> widgets -------------------------------------------------------
    def _on_project_filter_changed(self, event_filter: EventFilter) -> None:
        if event_filter != self.current_filter():
            self.show_filter(event_filter)

    def show_filter(self, flt: EventFilter) -> None:
        """Set every widget from a filter without writing back."""
        self._updating = True
        try:
            for top in _top_items(self.types):
                for child in _children(top):
                    on = (
                        flt.event_types is None or top.text(0) in flt.event_types
                    ) and (
                        flt.sub_event_types is None
                        or child.text(0) in flt.sub_event_types
                    )
                    child.setCheckState(
                        0, Qt.CheckState.Checked if on else Qt.CheckState.Unchecked
                    )
            if self.actor.text().strip() != flt.actor:
                self.actor.setText(flt.actor)
            index = [c[1] for c in CIVILIAN_CHOICES].index(flt.civilian_targeting)
            self.civilian.setCurrentIndex(index)
            self.fatalities.setValue(flt.min_fatalities)
            for boxes, codes in (
                (self.geo, flt.geo_precision),
                (self.time, flt.time_precision),
            ):
                for code, box in enumerate(boxes, start=1):
                    box.setChecked(code in codes)
        finally:
            self._updating = False


__all__ = ["ALL_PRECISIONS", "FilterPanel"]


def _top_items(tree: QTreeWidget) -> Iterator[QTreeWidgetItem]:
    """The top-level items of ``tree``, in order."""
    for i in range(tree.topLevelItemCount()):
        if (item := tree.topLevelItem(i)) is not None:
            yield item


def _children(item: QTreeWidgetItem) -> Iterator[QTreeWidgetItem]:
    """The child items of ``item``, in order."""
    for j in range(item.childCount()):
        if (child := item.child(j)) is not None:
            yield child
