"""The QApplication, its settings names, and the hook that shows unexpected errors."""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QStandardPaths, QTimer
from PySide6.QtWidgets import QApplication

from sahelgis import __version__
from sahelgis.ui import settings as app_settings
from sahelgis.ui.autosave import autosave_all
from sahelgis.ui.workers import collect_garbage_on_gui_thread

log = logging.getLogger("sahelgis")


def log_dir() -> Path:
    """Where the rotating log file lives (the user's app data folder)."""
    base = QStandardPaths.writableLocation(
        QStandardPaths.StandardLocation.AppLocalDataLocation
    )
    folder = Path(base or Path.home() / ".sahelgis") / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def setup_logging() -> Path:
    """Log to a rotating file; return its path (shown in error dialogs)."""
    path = log_dir() / "sahelgis.log"
    if not any(isinstance(h, RotatingFileHandler) for h in log.handlers):
        handler = RotatingFileHandler(
            path, maxBytes=1_000_000, backupCount=3, encoding="utf-8"
        )
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
        )
        log.addHandler(handler)
        log.setLevel(logging.INFO)
    return path


def install_excepthook(log_path: Path) -> None:
    """Unexpected errors go to the log and to a dialog with copyable details."""

    def show(
        kind: type[BaseException], value: BaseException, tb: TracebackType | None
    ) -> None:
        details = "".join(traceback.format_exception(kind, value, tb))
        log.error("Unhandled error\n%s", details)
        app = QApplication.instance()
        if app is None or threading.current_thread() is not threading.main_thread():
            sys.__excepthook__(kind, value, tb)
            return
        rescued = autosave_all()
        note = (
            "Your unsaved changes were copied to a recovery file"
            if rescued
            else "Your project is not lost"
        )
        from sahelgis.ui.error_dialog import ErrorDialog

        ErrorDialog(
            f"Something went wrong: {value}\n\n{note}; details are in {log_path}.",
            details,
        ).exec()

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None:
            return
        value = args.exc_value
        QTimer.singleShot(0, lambda: show(type(value), value, value.__traceback__))

    sys.excepthook = show
    threading.excepthook = thread_hook


def create_app(argv: list[str] | None = None) -> QApplication:
    """The QApplication with our organisation/application names for QSettings."""
    app = QApplication.instance()
    if app is None:
        app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setOrganizationName(app_settings.ORGANISATION)
    app.setApplicationName(app_settings.APPLICATION)
    app.setApplicationVersion(__version__)
    collect_garbage_on_gui_thread(app)
    return app  # type: ignore[return-value]
