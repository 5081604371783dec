"""Dialogs that collect an analysis's parameters (the model computes)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLineEdit,
    QWidget,
)

from sahelgis.analysis.units import parse_distances
from sahelgis.ui.plain_text import plain_label

GROUPINGS = {
    "year × event type": ("year", "event_type"),
    "year × geo precision": ("year", "geo_precision"),
    "event type × geo precision": ("event_type", "geo_precision"),
    "month × event type": ("month", "event_type"),
}


class BufferDialog(QDialog):
    """Radius (or several radii for rings), unit, grouping and precision switch."""

    def __init__(
        self, centre_text: str, warning: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Buffer around a point")
        form = QFormLayout(self)
        # the centre is a town name from the data
        form.addRow("Centre", plain_label(centre_text))
        if warning:
            note = plain_label(warning)
            note.setWordWrap(True)
            note.setStyleSheet("color: #B00020;")
            form.addRow(note)
        self.radius = QDoubleSpinBox(minimum=0.1, maximum=5000.0, decimals=1)
        self.radius.setValue(50.0)
        form.addRow("Radius", self.radius)
        self.unit = QComboBox()
        self.unit.addItems(["km", "mi"])
        form.addRow("Unit", self.unit)
        self.more = QLineEdit()
        self.more.setPlaceholderText("optional: more radii for rings, e.g. 25, 100")
        form.addRow("Rings", self.more)
        self.by = QComboBox()
        self.by.addItems(list(GROUPINGS))
        form.addRow("Count by", self.by)
        self.exclude_imprecise = QCheckBox(
            "Exclude region-level events (geo_precision 3)"
        )
        form.addRow(self.exclude_imprecise)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def radii_m(self) -> list[float]:
        """All radii in metres, ascending and distinct."""
        unit = self.unit.currentText()
        radii = [self.radius.value() * (1609.344 if unit == "mi" else 1000.0)]
        if self.more.text().strip():
            radii += parse_distances(self.more.text(), default_unit=unit)
        return sorted({round(r, 3) for r in radii})

    def options(self) -> dict[str, object]:
        """The chosen parameters, JSON-ready (saved with the result layer)."""
        return {
            "radii_m": self.radii_m(),
            "unit": self.unit.currentText(),
            "by": list(GROUPINGS[self.by.currentText()]),
            "max_geo_precision": 2 if self.exclude_imprecise.isChecked() else 3,
        }


class FormDialog(QDialog):
    """A small form: each row a label and a widget; ``values()`` reads them."""

    def __init__(
        self, title: str, note: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.form = QFormLayout(self)
        if note:
            label = plain_label(note)  # e.g. a layer's caveat
            label.setWordWrap(True)
            self.form.addRow(label)
        self.fields: dict[str, QWidget] = {}
        self._buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self._buttons.accepted.connect(self.accept)
        self._buttons.rejected.connect(self.reject)

    def add_text(
        self, key: str, label: str, value: str = "", placeholder: str = ""
    ) -> QLineEdit:
        widget = QLineEdit(value)
        widget.setPlaceholderText(placeholder)
        self.fields[key] = widget
        self.form.addRow(label, widget)
        return widget

    def add_choice(
        self, key: str, label: str, items: list[str], current: str = ""
    ) -> QComboBox:
        widget = QComboBox()
        widget.addItems(items)
        if current:
            widget.setCurrentText(current)
        self.fields[key] = widget
        self.form.addRow(label, widget)
        return widget

    def add_number(
        self,
        key: str,
        label: str,
        value: float,
        minimum: float,
        maximum: float,
        decimals: int = 1,
    ) -> QDoubleSpinBox:
        widget = QDoubleSpinBox(minimum=minimum, maximum=maximum, decimals=decimals)
        widget.setValue(value)
        self.fields[key] = widget
        self.form.addRow(label, widget)
        return widget

    def finish(self) -> None:
        """Add the OK/Cancel buttons (call after the fields)."""
        self.form.addRow(self._buttons)

    def values(self) -> dict[str, object]:
        """Field values by key (text, choice text or number)."""
        out: dict[str, object] = {}
        for key, widget in self.fields.items():
            if isinstance(widget, QLineEdit):
                out[key] = widget.text().strip()
            elif isinstance(widget, QComboBox):
                out[key] = widget.currentText()
            elif isinstance(widget, QDoubleSpinBox):
                out[key] = widget.value()
        return out
