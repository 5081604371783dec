"""Shows the rows an import rejected, with reasons, and saves them as CSV."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from sahelgis.io.acled import ImportReport
from sahelgis.ui.plain_text import MessageBox as QMessageBox
from sahelgis.ui.plain_text import markup, plain_label, window_title

MAX_ROWS_SHOWN = 5000


class ImportReportDialog(QDialog):
    """Summary line, warnings and a table of rejected rows."""

    def __init__(self, report: ImportReport, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.report = report
        self.setWindowTitle(window_title(f"Import report — {report.path.name}"))
        self.resize(820, 480)
        layout = QVBoxLayout(self)
        # the file name and the summary may quote the file's own values
        summary = QLabel()
        summary.setTextFormat(Qt.TextFormat.RichText)
        summary.setText(markup("<b>{}</b>: {}", report.path.name, report.summary()))
        self.summary = summary
        layout.addWidget(summary)
        if report.warnings:
            warnings = plain_label("\n".join(f"• {w}" for w in report.warnings))
            warnings.setWordWrap(True)
            layout.addWidget(warnings)
        rejects = report.rejects
        self.table = QTableWidget(
            min(len(rejects), MAX_ROWS_SHOWN), len(rejects.columns)
        )
        self.table.setHorizontalHeaderLabels([str(c) for c in rejects.columns])
        for r, row in enumerate(rejects.head(MAX_ROWS_SHOWN).itertuples(index=False)):
            for c, value in enumerate(row):
                self.table.setItem(r, c, QTableWidgetItem(str(value)))
        self.table.resizeColumnsToContents()
        layout.addWidget(self.table)
        if len(rejects) > MAX_ROWS_SHOWN:
            layout.addWidget(
                QLabel(
                    f"First {MAX_ROWS_SHOWN:,} of {len(rejects):,} "
                    "problems shown; Save as CSV keeps them all."
                )
            )
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        save = QPushButton("Save as CSV…")
        save.clicked.connect(self._save)
        buttons.addButton(save, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _save(self) -> None:
        default = str(
            self.report.path.with_name(self.report.path.stem + "_rejects.csv")
        )
        path, _ = QFileDialog.getSaveFileName(
            self, "Save rejected rows", default, "CSV (*.csv)"
        )
        if not path:
            return
        try:
            self.report.save_rejects(path)
        except OSError as exc:
            QMessageBox.warning(self, "Save rejected rows", f"{path}: {exc.strerror}")
