"""The QApplication, the hook that shows unexpected errors, and the GUI start.

``sahelgis [PROJECT]`` opens the last project (else the bundled demo);
``sahelgis --snapshot OUT.png [PROJECT]`` renders the main window and exits.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import traceback
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QStandardPaths, QTimer
from PySide6.QtWidgets import QApplication

from sahelgis import __version__
from sahelgis.cli import EXIT_OK, fail, refused
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


def display_problem(
    environ: dict[str, str] | os._Environ[str] | None = None,
    platform: str | None = None,
    x11_sockets: Path = Path("/tmp/.X11-unix"),
) -> str | None:
    """Why Qt could not open a window here, in one line, else None.

    Without a display Qt ends the process with its own abort ("could not
    connect to display", exit 134) before SahelGIS can say anything, so the
    start checks first: on Linux, with no ``QT_QPA_PLATFORM`` chosen, a
    Wayland display or an X display whose local socket exists is needed.
    Remote X displays (``host:10.0``) are not checked.
    """
    env = os.environ if environ is None else environ
    if (platform or sys.platform) != "linux" or env.get("QT_QPA_PLATFORM"):
        return None
    if env.get("WAYLAND_DISPLAY"):
        return None
    display = env.get("DISPLAY", "")
    how = (
        "run `QT_QPA_PLATFORM=offscreen sahelgis --snapshot OUT.png [PROJECT]` "
        "to render the window to a PNG, or a subcommand (`sahelgis --help`)"
    )
    if not display:
        return f"no display to open the window on (DISPLAY is not set): {how}"
    host, _, number = display.partition(":")
    number = number.split(".")[0]
    local = host in ("", "unix") and number.isdigit()
    if local and not (x11_sockets / f"X{number}").exists():
        return f"no X server answers on DISPLAY={display}: {how}"
    return None


#: The last project is remembered again once it has been shown this long.
REMEMBER_AFTER_MS = 3000


def start_gui(argv: list[str]) -> int:
    """Open the main window (or render it to PNG with --snapshot)."""
    from sahelgis.cli import help_parser

    parser = help_parser()
    args = parser.parse_args(argv)
    from sahelgis import paths
    from sahelgis.errors import SahelGISError
    from sahelgis.io.project_file import load_project
    from sahelgis.ui import settings as app_settings
    from sahelgis.ui.main_window import MainWindow
    from sahelgis.ui.project_files import new_project

    if args.project is not None and not args.project.exists():
        return fail(f"{args.project}: file not found")
    if display_problem() is not None:
        if args.snapshot is None:
            return fail(str(display_problem()))
        # a snapshot needs no screen: render offscreen rather than abort
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    if args.snapshot is not None:
        from sahelgis.io.atomic import check_writable, guard_output

        shown = args.project or paths.demo_project()
        try:  # before any work: the PNG never replaces a project
            guard_output(args.snapshot, [shown], option="--snapshot")
            check_writable(args.snapshot)
        except SahelGISError as exc:
            return refused(exc)
    app = create_app()
    log_path = setup_logging()
    recovered = None
    if args.snapshot is None:
        from sahelgis.ui.autosave import offer_recovery

        recovered = offer_recovery(None)
    path = args.project
    remembered = None
    startup_error = ""
    if path is None and args.snapshot is None:
        path = remembered = app_settings.last_project()
        # reopened by the next start only once it has opened and shown
        app_settings.forget_last_project(remembered)
    if path is None:
        path = paths.demo_project()
    if recovered is not None:
        project = recovered
    else:
        try:
            project = load_project(path) if path.exists() else new_project()
        except SahelGISError as exc:
            if args.snapshot is not None or args.project is not None:
                return fail(str(exc))
            print(f"sahelgis: {exc}", file=sys.stderr)
            startup_error = str(exc)
            project = new_project()
        if args.project is not None and not path.exists():
            return fail(f"{path}: file not found")
    for line in project.load_warnings:
        print(f"sahelgis: warning: {line}", file=sys.stderr)
    # a snapshot neither reads nor writes the user's remembered layout
    window = MainWindow(project, remember_layout=args.snapshot is None)
    if args.snapshot is not None:
        width, _, height = args.size.partition("x")
        window.resize(int(width), int(height))
        window.show()
        app.processEvents()
        window.canvas.rebuild()
        app.processEvents()
        image = window.grab()
        from sahelgis.errors import InputError
        from sahelgis.io.atomic import atomic_target
        from sahelgis.io.tile_consent import headless_report

        try:
            with atomic_target(args.snapshot) as tmp:
                if not image.save(str(tmp), "PNG"):  # a partial file is removed
                    raise InputError(args.snapshot, "cannot write the PNG")
        except SahelGISError as exc:
            return fail(str(exc))
        state = project.extra_state.get("basemap")
        problem, note = headless_report(state, path.name, window.tiles.consent)
        if problem:
            print(f"sahelgis: warning: {problem}", file=sys.stderr)
        print(f"wrote {args.snapshot}" + (f" ({note})" if note else ""))
        window.project.mark_saved()
        window.close()
        return EXIT_OK
    install_excepthook(log_path)
    window.show()
    window.show_load_warnings(project.load_warnings)
    if startup_error:
        window.statusBar().showMessage(f"Not reopened: {startup_error}", 30_000)
    if remembered is not None and project.path == remembered:
        from PySide6.QtCore import QTimer

        # remembered again once shown for a while: a crash before that does
        # not make every later start open the same project
        QTimer.singleShot(
            REMEMBER_AFTER_MS, lambda: app_settings.remember_project(remembered)
        )
    return app.exec()
