"""Dialogs that collect an analysis's parameters (the model computes)."""

from __future__ import annotations

from typing import Any

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

from sahelgis.analysis.registry import Analysis, Param
from sahelgis.analysis.units import format_distance
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

    def radii_text(self) -> str:
        """The radii as the analyst wrote them, with units ("50 km, 25, 100 mi")."""
        unit = self.unit.currentText()
        first = f"{self.radius.value():g} {unit}"
        more = self.more.text().strip()
        if not more:
            return first
        # numbers without a unit take the dialog's unit
        return f"{first}, {more}" if more[-1:].isalpha() else f"{first}, {more} {unit}"

    def options(self) -> dict[str, object]:
        """The chosen parameters, as the buffer analysis reads them."""
        return {
            "radii": self.radii_text(),
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
            elif isinstance(widget, QCheckBox):
                out[key] = widget.isChecked()
        return out


def _text_of(param: Param, value: Any) -> str:
    """A default or remembered value as the dialog shows it."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    if param.kind == "distance" and isinstance(value, float):
        return format_distance(value)
    return str(value)


def analysis_form(
    analysis: Analysis,
    values: dict[str, Any],
    choices: dict[str, list[str]],
    note: str = "",
    parent: QWidget | None = None,
) -> FormDialog:
    """A dialog asking an analysis's GUI parameters (from its declarations).

    ``values`` are the initial values (remembered or computed defaults) and
    ``choices`` the items of parameters picked from a list (roads ...). Of a
    group of alternatives (town or point) the first is asked.
    """
    dialog = FormDialog(analysis.label, note or analysis.description, parent=parent)
    groups: set[str] = set()
    for param in analysis.params:
        if not param.gui or (param.group and param.group in groups):
            continue
        if param.group:
            groups.add(param.group)
        value = values.get(param.name, param.default)
        widget: Any
        if param.name in choices or param.kind == "choice":
            items = choices.get(param.name) or list(param.choices)
            widget = dialog.add_choice(
                param.name, param.label, items, _text_of(param, value)
            )
        elif param.kind in ("int", "float"):
            low = param.low if param.low is not None else 0.0
            high = param.high if param.high is not None else 1e6
            if param.unit == "km":
                high = min(high, 2_000.0)
            widget = dialog.add_number(
                param.name,
                f"{param.label} ({param.unit})" if param.unit else param.label,
                float(value if value is not None else low),
                float(low),
                float(high),
                0 if param.kind == "int" else 1,
            )
        elif param.kind == "flag":
            widget = QCheckBox(param.label)
            widget.setChecked(bool(value))
            dialog.fields[param.name] = widget
            dialog.form.addRow(widget)
        else:
            widget = dialog.add_text(
                param.name, param.label, _text_of(param, value), param.help
            )
        widget.setToolTip(param.describe())
    return dialog


def form_values(analysis: Analysis, dialog: FormDialog) -> dict[str, Any]:
    """The dialog's answers as raw parameter values (empty fields left out)."""
    raw: dict[str, Any] = {}
    kinds = {p.name: p for p in analysis.params}
    for key, value in dialog.values().items():
        param = kinds[key]
        if isinstance(value, str):
            if not value:
                continue
            if param.kind == "texts":
                raw[key] = [v.strip() for v in value.split(",") if v.strip()]
                continue
        if param.kind == "int" and isinstance(value, float):
            value = round(value)
        raw[key] = value
    return raw
