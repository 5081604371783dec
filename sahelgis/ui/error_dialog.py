"""The dialog for unexpected errors: what happened, where the log is, and the
details with a button that copies them for a bug report."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from sahelgis.ui.plain_text import plain_label


class ErrorDialog(QDialog):
    """Message, copyable details and the log file's path."""

    def __init__(
        self, message: str, details: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("SahelGIS — unexpected error")
        self.resize(640, 420)
        # the message quotes the error, which may quote a file's values
        self.message = plain_label(message)
        self.message.setWordWrap(True)
        self.details = QPlainTextEdit(details)
        self.details.setReadOnly(True)
        self.copy_button = QPushButton("Copy details")
        self.copy_button.clicked.connect(self.copy_details)
        close = QPushButton("Close")
        close.setDefault(True)
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addWidget(self.copy_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.details, 1)
        layout.addLayout(buttons)

    def copy_details(self) -> None:
        """Put the message and the traceback on the clipboard."""
        QGuiApplication.clipboard().setText(
            f"{self.message.text()}\n\n{self.details.toPlainText()}"
        )
        self.copy_button.setText("Copied")
