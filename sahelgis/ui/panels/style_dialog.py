"""A dialog to edit one layer's style (colour, size, symbol, categories, labels)."""

from __future__ import annotations

import pandas as pd
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QColorDialog,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QPushButton,
    QWidget,
)

from sahelgis.model import acled_schema as acled
from sahelgis.model.layers import EventLayer, Layer, VectorLayer
from sahelgis.model.styles import LINE_STYLES, SYMBOLS, Style
from sahelgis.ui.plain_text import window_title

NO_FIELD = "(none)"
MAX_CATEGORIES = 24
PALETTE = (
    "#E69F00",
    "#56B4E9",
    "#009E73",
    "#F0E442",
    "#0072B2",
    "#D55E00",
    "#CC79A7",
    "#8B1A89",
    "#1B9E77",
    "#7570B3",
    "#E7298A",
    "#66A61E",
    "#A6761D",
    "#666666",
)


def auto_categories(layer: Layer, field: str) -> dict[str, str]:
    """Colours for the most frequent values of a field (ACLED types use ours)."""
    if field == acled.EVENT_TYPE:
        return dict(acled.EVENT_TYPE_COLORS)
    values = _column(layer, field)
    if values is None:
        return {}
    top = values.astype(str).value_counts().index[:MAX_CATEGORIES]
    return {str(v): PALETTE[i % len(PALETTE)] for i, v in enumerate(top)}


def _column(layer: Layer, field: str) -> pd.Series | None:
    if isinstance(layer, EventLayer) and field in layer.events.frame:
        return layer.events.frame[field]
    if isinstance(layer, VectorLayer) and field in layer.data:
        return layer.data[field]
    return None


class ColorButton(QPushButton):
    """A button showing a colour; clicking opens a colour chooser."""

    def __init__(self, color: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.set_color(color)
        self.clicked.connect(self._choose)

    def set_color(self, color: str) -> None:
        self.color = QColor(color).name()
        self.setText(self.color)
        self.setStyleSheet(f"background: {self.color};")

    def _choose(self) -> None:
        chosen = QColorDialog.getColor(QColor(self.color), self, "Choose a colour")
        if chosen.isValid():
            self.set_color(chosen.name())


class StyleDialog(QDialog):
    """Edit a copy of a layer's style; ``style()`` returns the result."""

    def __init__(self, layer: Layer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(window_title(f"Style — {layer.name}"))
        self.layer = layer
        style = layer.style
        form = QFormLayout(self)
        self.color = ColorButton(style.color)
        form.addRow("Colour / outline", self.color)
        self.has_fill = QCheckBox("Fill polygons")
        self.has_fill.setChecked(style.fill is not None)
        self.fill = ColorButton(style.fill or "#FFFFFF")
        form.addRow(self.has_fill, self.fill)
        self.size_box = QDoubleSpinBox()
        self.size_box.setRange(1, 40)
        self.size_box.setValue(style.size)
        self.size_box.setSuffix(" px")
        form.addRow("Point size", self.size_box)
        self.symbol = QComboBox()
        for key, label in SYMBOLS.items():
            self.symbol.addItem(label, key)
        self.symbol.setCurrentIndex(list(SYMBOLS).index(style.symbol))
        form.addRow("Symbol", self.symbol)
        self.line_width = QDoubleSpinBox()
        self.line_width.setRange(0.1, 20)
        self.line_width.setValue(style.line_width)
        self.line_width.setSuffix(" px")
        form.addRow("Line width", self.line_width)
        self.line_style = QComboBox()
        self.line_style.addItems(list(LINE_STYLES))
        self.line_style.setCurrentText(style.line_style)
        form.addRow("Line style", self.line_style)
        fields = [NO_FIELD, *layer.fields()]
        self.category_field = QComboBox()
        self.category_field.addItems(fields)
        self.category_field.setCurrentText(style.category_field or NO_FIELD)
        form.addRow("Categorise by", self.category_field)
        self.label_field = QComboBox()
        self.label_field.addItems(fields)
        self.label_field.setCurrentText(style.label_field or NO_FIELD)
        form.addRow("Label by", self.label_field)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def style(self) -> Style:  # type: ignore[override]
        """The edited style."""
        old = self.layer.style
        field = self.category_field.currentText()
        category_field = None if field == NO_FIELD else field
        if category_field is None:
            categories: dict[str, str] = {}
        elif category_field == old.category_field and old.categories:
            categories = dict(old.categories)
        else:
            categories = auto_categories(self.layer, category_field)
        label = self.label_field.currentText()
        return old.with_(
            color=self.color.color,
            fill=self.fill.color if self.has_fill.isChecked() else None,
            size=self.size_box.value(),
            symbol=self.symbol.currentData(),
            line_width=self.line_width.value(),
            line_style=self.line_style.currentText(),
            category_field=category_field,
            categories=categories,
            label_field=None if label == NO_FIELD else label,
        )
