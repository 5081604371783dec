"""Project files from the main window (``ProjectFilesMixin``): a new project
on the bundled base layers, open (in the background, with the warnings of what
was reset), save and save as (never over the bundled demo), the unsaved-changes
question and the recent-projects menu.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from sahelgis import paths
from sahelgis.errors import SahelGISError
from sahelgis.io.basedata import HOME_BOUNDS_LONLAT, base_layers
from sahelgis.io.project_file import load_project, save_project
from sahelgis.model import crs
from sahelgis.model.project import Project
from sahelgis.ui import settings as app_settings
from sahelgis.ui.plain_text import MessageBox as QMessageBox
from sahelgis.ui.plain_text import menu_text
from sahelgis.ui.window_base import MainWindowBase

PROJECT_FILTER = "SahelGIS project (*.gpkg)"
#: Lines of "opened with changes" warnings shown at once.
MAX_WARNING_LINES = 20


def new_project() -> Project:
    """A project with the bundled base layers only, opening on southern Mali."""
    project = Project(base_layers())
    project.view_extent = crs.lonlat_box_to_display(HOME_BOUNDS_LONLAT)
    return project


class ProjectFilesMixin(MainWindowBase):
    """New, open, save and recent projects of ``MainWindow``."""

    def maybe_save(self) -> bool:
        """Ask to save unsaved changes; False if the user cancels."""
        if not self.project.modified:
            return True
        answer = QMessageBox.question(
            self,
            "Unsaved changes",
            "The project has unsaved changes. Save them first?",
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
        )
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def new_project(self) -> None:
        """Start a project with the base layers only."""
        if self.maybe_save():
            self.set_project(new_project())

    def open_project_dialog(self) -> None:
        if not self.maybe_save():
            return
        path, _ = QFileDialog.getOpenFileName(
            self, "Open project", app_settings.last_dir(), PROJECT_FILTER
        )
        if path:
            self.open_project(Path(path))

    def open_project(self, path: Path) -> None:
        """Load a project in the background and show it."""

        def done(project: Project) -> None:
            self.set_project(project)
            app_settings.remember_project(path)
            self.statusBar().showMessage(f"Opened {path.name}", 5000)
            self.show_load_warnings(project.load_warnings)

        def failed(exc: BaseException) -> None:
            app_settings.forget_last_project(path)  # not reopened at next start
            self.show_error("Open project", exc)

        self.runner.start(
            "project",
            f"Opening {path.name}",
            load_project,
            path,
            on_done=done,
            on_error=failed,
        )

    def show_load_warnings(self, lines: list[str]) -> None:
        """What opening a project reset or left out, as one plain-text message."""
        if not lines:
            return
        shown = lines[:MAX_WARNING_LINES]
        if len(lines) > len(shown):
            shown.append(f"… and {len(lines) - len(shown)} more (see the log file)")
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Project opened with changes",
            "Some values in the project file were wrong and were reset or left "
            "out; saving keeps these changes.\n\n" + "\n".join(shown),
            QMessageBox.StandardButton.Ok,
            self,
        )
        box.setTextFormat(Qt.TextFormat.PlainText)  # the lines come from a file
        box.setObjectName("load_warnings")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.statusBar().showMessage(shown[0], 10_000)

    def save(self) -> bool:
        """Save to the project's file (asks for one if new)."""
        if self.project.path is None or self._is_bundled(self.project.path):
            return self.save_as()
        return self._save_to(self.project.path)

    def save_as(self) -> bool:
        start = self.project.path.name if self.project.path else "project.gpkg"
        path, _ = QFileDialog.getSaveFileName(
            self,
            "Save project as",
            str(Path(app_settings.last_dir()) / start),
            PROJECT_FILTER,
        )
        return bool(path) and self._save_to(Path(path))

    def _save_to(self, path: Path) -> bool:
        try:
            written = save_project(self.project, path)
        except (SahelGISError, OSError) as exc:
            self.show_error("Save project", exc)
            return False
        app_settings.remember_project(written)
        self.statusBar().showMessage(f"Saved {written}", 5000)
        return True

    @staticmethod
    def _is_bundled(path: Path) -> bool:
        return path.resolve().parent == paths.data_dir().resolve()

    def _open_recent(self, path: Path) -> None:
        if self.maybe_save():
            self.open_project(path)

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        for item in app_settings.recent_projects():
            self.recent_menu.addAction(
                menu_text(item),
                partial(self._open_recent, Path(item)),
            )
        if self.recent_menu.isEmpty():
            self.recent_menu.addAction("(none)").setEnabled(False)
