"""Undo history: every project change, newest last; click a row to go back to it."""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from sahelgis.model.undo import UndoStack

START_TEXT = "<opened or saved project>"


class HistoryPanel(QWidget):
    """Shows an ``UndoStack``; selecting a row undoes/redoes up to it."""

    def __init__(self, stack: UndoStack, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.list = QListWidget()
        self.list.itemClicked.connect(self._on_list_item_clicked)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.list)
        self.stack = stack
        stack.changed.connect(self.refresh)
        self.refresh()

    def set_stack(self, stack: UndoStack) -> None:
        """Follow another project's stack."""
        self.stack.changed.disconnect(self.refresh)
        self.stack = stack
        stack.changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        """Rebuild the rows (cheap: at most a few hundred)."""
        with QSignalBlocker(self.list):
            self.list.clear()
            for index, text in enumerate([START_TEXT, *self.stack.texts()]):
                item = QListWidgetItem(text)
                if index > self.stack.index:
                    font = QFont()
                    font.setItalic(True)
                    item.setFont(font)
                    item.setForeground(self.palette().placeholderText())
                self.list.addItem(item)
            self.list.setCurrentRow(self.stack.index)

    def _on_list_item_clicked(self, item: QListWidgetItem) -> None:
        self.stack.set_index(self.list.row(item))
