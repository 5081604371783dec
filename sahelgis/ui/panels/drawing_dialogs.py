"""A small dialog to edit a drawing's name, note, category and colour."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from PySide6.QtCore import QSize
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QWidget,
)

from sahelgis.model.drawings import (
    COL_CATEGORY,
    COL_COLOR,
    COL_NAME,
    COL_NOTE,
    DEFAULT_COLOR,
)
from sahelgis.ui.panels.style_dialog import ColorButton

#: Quick colours: distinct on the light base map and for colour-blind readers.
QUICK_COLORS = (
    "#D62828",
    "#F77F00",
    "#FCBF49",
    "#2A9D8F",
    "#0072B2",
    "#7B2CBF",
    "#111111",
)


class FeatureAttributesDialog(QDialog):
    """Edit one drawing's attributes; ``attributes()`` returns what to store."""

    def __init__(
        self,
        attrs: Mapping[str, object] | None = None,
        categories: Iterable[str] = (),
        parent: QWidget | None = None,
        title: str = "Drawing attributes",
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        attrs = dict(attrs or {})
        self.name_edit = QLineEdit(str(attrs.get(COL_NAME, "") or ""))
        self.name_edit.setPlaceholderText("Shown as the label on the map")
        self.note_edit = QPlainTextEdit(str(attrs.get(COL_NOTE, "") or ""))
        self.note_edit.setPlaceholderText("Source, date, confidence…")
        self.note_edit.setFixedHeight(80)
        self.category_combo = QComboBox()
        self.category_combo.setEditable(True)
        known = sorted({c for c in categories if c})
        self.category_combo.addItems(known)
        self.category_combo.setCurrentText(str(attrs.get(COL_CATEGORY, "") or ""))
        self.color_button = ColorButton(str(attrs.get(COL_COLOR) or DEFAULT_COLOR))
        swatches = QHBoxLayout()
        swatches.setSpacing(3)
        for color in QUICK_COLORS:
            swatch = QPushButton()
            swatch.setFixedSize(QSize(20, 20))
            swatch.setToolTip(color)
            swatch.setStyleSheet(f"background: {color}; border: 1px solid #666;")
            swatch.clicked.connect(
                lambda _=False, c=color: self.color_button.set_color(c)
            )
            swatches.addWidget(swatch)
        swatches.addWidget(self.color_button)
        swatches.addStretch(1)
        form = QFormLayout(self)
        form.addRow("Name", self.name_edit)
        form.addRow("Note", self.note_edit)
        form.addRow("Category", self.category_combo)
        form.addRow("Colour", swatches)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.name_edit.setFocus()

    def attributes(self) -> dict[str, str]:
        """Name, note, category and colour (``#rrggbb``) as entered."""
        return {
            COL_NAME: self.name_edit.text().strip(),
            COL_NOTE: self.note_edit.toPlainText().strip(),
            COL_CATEGORY: self.category_combo.currentText().strip(),
            COL_COLOR: QColor(self.color_button.color).name().upper(),
        }

    @classmethod
    def ask(
        cls,
        attrs: Mapping[str, object] | None = None,
        categories: Iterable[str] = (),
        parent: QWidget | None = None,
    ) -> dict[str, str] | None:
        """Show the dialog modally; the attributes, or None if cancelled."""
        dialog = cls(attrs, categories, parent)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            return dialog.attributes()
        return None
