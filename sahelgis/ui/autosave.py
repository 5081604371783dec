"""Autosave to a recovery file, and the offer to recover after a crash.

``Autosaver`` writes a recovery copy of the window's project every few minutes
(QSettings ``autosave/minutes``, default 2; 0 turns the timer off) while it has
unsaved changes that are not in the last copy. The copy is written by the app's
worker pool (``sahelgis.ui.workers``, lane ``"autosave"``: one write at a time)
from a snapshot taken on the GUI thread, so the UI does not wait. The
crash handler calls ``autosave_all`` to write copies synchronously before its
dialog. A clean save (the project becomes unmodified), switching project, or a
clean close deletes the copies.

At start-up ``offer_recovery`` asks, for each copy left by a SahelGIS that did not
close cleanly, whether to recover it.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import threading
import weakref
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, QTimer, Signal
from PySide6.QtWidgets import QWidget

from sahelgis.errors import SahelGISError
from sahelgis.io import recovery
from sahelgis.io.recovery import Recovery
from sahelgis.model.project import Project
from sahelgis.ui import settings as app_settings

# the question quotes the project's name: plain text
from sahelgis.ui.plain_text import MessageBox as QMessageBox
from sahelgis.ui.workers import AUTOSAVE_LANE, Job, JobGroup

log = logging.getLogger(__name__)

AUTOSAVE_MINUTES = "autosave/minutes"
DEFAULT_MINUTES = 2.0
#: Longest wait for a background write before a synchronous one or a close.
JOIN_TIMEOUT_S = 30.0

_autosavers: weakref.WeakSet[Autosaver] = weakref.WeakSet()
_generations = itertools.count()


def recovery_base() -> Path:
    """The user's app data folder; recovery files go in its ``recovery`` folder."""
    base = QStandardPaths.writableLocation(
        QStandardPaths.StandardLocation.AppLocalDataLocation
    )
    return Path(base or Path.home() / ".sahelgis")


def autosave_minutes() -> float:
    """Minutes between autosaves (QSettings ``autosave/minutes``); 0 means off."""
    value = app_settings.settings().value(AUTOSAVE_MINUTES, DEFAULT_MINUTES)
    if not isinstance(value, (str, int, float)):
        return DEFAULT_MINUTES
    try:
        return max(float(value), 0.0)
    except (TypeError, ValueError):
        return DEFAULT_MINUTES


class Autosaver(QObject):
    """Keeps a recovery copy of one project (the window's current one)."""

    sig_written = Signal(object)  # Path of the recovery file
    sig_failed = Signal(str)
    # on the GUI thread, when a background write ended: project, written path
    # or None, error or None
    _sig_done = Signal(object, object, object)

    def __init__(
        self,
        project: Project,
        parent: QObject | None = None,
        *,
        base: Path | None = None,
    ) -> None:
        super().__init__(parent)
        self.base = Path(base) if base is not None else recovery_base()
        self._project = project
        self._files: set[Path] = set()  # recovery files of the current project
        # every change gets a new number; the last complete copy remembers its own
        self._generation = next(_generations)
        self._copied: tuple[int, Path] | None = None
        self._closed = False
        self._jobs = JobGroup(self)
        self._job: Job | None = None  # the last background write
        self._lock = threading.Lock()  # one write at a time, with autosave_now
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._sig_done.connect(self._on_write_done)
        self._connect(project)
        self.reload_settings()
        _autosavers.add(self)

    # -- public ---------------------------------------------------------------
    @property
    def project(self) -> Project:
        """The project being protected."""
        return self._project

    @property
    def busy(self) -> bool:
        """True while a background write is queued or runs."""
        return self._job is not None and not self._job.ended

    def reload_settings(self) -> None:
        """Apply the interval from QSettings (restarts the timer)."""
        minutes = autosave_minutes()
        self._timer.stop()
        if minutes > 0 and not self._closed:
            self._timer.start(max(1, round(minutes * 60_000)))

    def interval_ms(self) -> int:
        """The timer's interval, 0 when autosave by timer is off."""
        return self._timer.interval() if self._timer.isActive() else 0

    def set_project(self, project: Project) -> None:
        """Follow the window to another project; the old one's copies go."""
        if project is self._project:
            return
        self._disconnect(self._project)
        self.discard()
        self._project = project
        self._connect(project)

    def autosave_now(self) -> Path | None:
        """Write the copy now, on this thread; None if nothing is unsaved.

        Used by the crash handler and tests. Waits for a running background
        write first. Raises ``SahelGISError`` or ``OSError`` when writing fails.
        """
        if self._closed or not self._project.modified:
            return None
        self._join()
        if self._up_to_date():
            assert self._copied is not None
            return self._copied[1]
        generation = self._generation
        with self._lock:
            path = recovery.write_recovery(self._project, self.base)
        self._copied = (generation, path)
        self._files.add(path)
        self.sig_written.emit(path)
        return path

    def autosave_in_background(self) -> bool:
        """Start a background write if there are changes since the last copy."""
        if self._closed or not self._project.modified or self.busy:
            return False
        if self._up_to_date():
            return False
        copied = recovery.snapshot(self._project)  # on the GUI thread: consistent
        project = self._project
        self._job = self._jobs.submit(
            self._write_in_background,
            project,
            copied,
            self._generation,
            lane=AUTOSAVE_LANE,
            on_done=lambda path: self._write_ended(project, path, None),
            on_error=lambda exc: self._write_ended(project, None, exc),
        )
        return True

    def discard(self) -> None:
        """Delete the current project's recovery copies (clean save or close)."""
        for path in self._files:
            try:
                recovery.discard(path)
            except OSError as exc:
                log.warning("cannot delete recovery file %s: %s", path, exc)
        self._files.clear()
        self._copied = None

    def close(self) -> None:
        """Clean close: stop, wait for a running write, delete the copies."""
        self._closed = True
        _autosavers.discard(self)
        self._timer.stop()
        self._join()
        self.discard()

    # -- internals --------------------------------------------------------------
    def _connect(self, project: Project) -> None:
        self._generation = next(_generations)
        self._copied = None
        if project.modified:
            # e.g. a recovered project: its copy is ours to replace or delete
            self._files.add(recovery.recovery_path_for(project.path, self.base))
        project.modified_changed.connect(self._on_project_modified_changed)
        project.undo_stack.changed.connect(self._on_project_changed)
        project.filter_changed.connect(self._on_project_changed)
        project.selection_changed.connect(self._on_project_changed)
        project.time_window.changed.connect(self._on_project_changed)
        project.time_window.settings_changed.connect(self._on_project_changed)

    def _disconnect(self, project: Project) -> None:
        project.modified_changed.disconnect(self._on_project_modified_changed)
        project.undo_stack.changed.disconnect(self._on_project_changed)
        project.filter_changed.disconnect(self._on_project_changed)
        project.selection_changed.disconnect(self._on_project_changed)
        project.time_window.changed.disconnect(self._on_project_changed)
        project.time_window.settings_changed.disconnect(self._on_project_changed)

    def _up_to_date(self) -> bool:
        """True when the last complete copy holds the current state."""
        copied = self._copied
        return (
            copied is not None and copied[0] == self._generation and copied[1].exists()
        )

    def _on_project_changed(self, *args: object) -> None:
        self._generation = next(_generations)

    def _on_project_modified_changed(self, modified: bool) -> None:
        if modified:
            self._generation = next(_generations)
        else:  # saved (or undone back to the saved state): the file has it all
            self.discard()

    def _on_timer_timeout(self) -> None:
        self.autosave_in_background()

    def _write_in_background(
        self, project: Project, copied: Project, generation: int
    ) -> Path:
        """On a pool worker: write the snapshot (the outcome reaches the GUI
        thread through the pool, then ``_sig_done``)."""
        with self._lock:
            path = recovery.write_recovery(copied, self.base)
        if project is self._project:  # seen by autosave_now after _join
            self._copied = (generation, path)
        return path

    def _write_ended(
        self, project: Project, path: Path | None, error: BaseException | None
    ) -> None:
        # RuntimeError: the autosaver was deleted with its window meanwhile
        with contextlib.suppress(RuntimeError):
            self._sig_done.emit(project, path, error)

    def _on_write_done(
        self, project: Project, path: Path | None, error: BaseException | None
    ) -> None:
        if error is not None:  # the next tick tries again
            log.error("autosave failed: %s", error, exc_info=error)
            self.sig_failed.emit(str(error))
            return
        assert path is not None
        if self._closed or project is not self._project or not project.modified:
            # saved, switched or closed while writing: the copy is not needed
            recovery.discard(path)
            if self._copied is not None and self._copied[1] == path:
                self._copied = None
            return
        self._files.add(path)
        self.sig_written.emit(path)

    def _join(self) -> None:
        """Wait for a background write to end (its callbacks run later)."""
        job = self._job
        if job is not None:
            job.wait(JOIN_TIMEOUT_S)


def autosave_all() -> list[Path]:
    """Write every open project's recovery copy now (for the crash handler).

    Never raises: a failure is logged, so the crash dialog still shows.
    """
    written: list[Path] = []
    for saver in list(_autosavers):
        try:
            path = saver.autosave_now()
        except Exception:  # the crash dialog must still show
            log.exception("autosave from the crash handler failed")
            continue
        if path is not None:
            written.append(path)
    return written


# -- recovery at start-up -------------------------------------------------------
Ask = Callable[[Recovery], bool | None]


def ask_recover(recovered: Recovery, parent: QWidget | None = None) -> bool | None:
    """Ask whether to recover: True recover, False discard, None decide later."""
    when = recovered.saved_at.astimezone()
    box = QMessageBox(
        QMessageBox.Icon.Question,
        "Recover unsaved changes",
        "SahelGIS closed unexpectedly. Recover the unsaved changes to "
        f"{recovered.project_name} from {when:%H:%M}?",
        QMessageBox.StandardButton.NoButton,
        parent,
    )
    box.setInformativeText(
        f"Saved on {when:%Y-%m-%d at %H:%M}. Discard deletes the recovery copy; "
        "Not now keeps it for the next start."
    )
    recover = box.addButton("Recover", QMessageBox.ButtonRole.AcceptRole)
    drop = box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
    later = box.addButton("Not now", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(recover)
    box.setEscapeButton(later)
    box.exec()
    clicked = box.clickedButton()
    if clicked is recover:
        return True
    if clicked is drop:
        return False
    return None


def offer_recovery(
    parent: QWidget | None = None,
    base: Path | None = None,
    ask: Ask | None = None,
) -> Project | None:
    """Offer the copies left by a crash; return the recovered project, if any.

    Copies are offered newest first until one is recovered. ``ask`` returns True
    (recover: the project opens with its original path, marked modified), False
    (discard: the copy is deleted) or None (keep it for the next start); by
    default a dialog asks. Copies older than their saved project file are
    deleted without asking.
    """
    base = Path(base) if base is not None else recovery_base()
    recovery.remove_stale_temp_files(base)
    for item in recovery.find_recoveries(base):
        if item.stale:
            log.info("deleting stale recovery file %s", item.path)
            recovery.discard(item)
            continue
        answer = ask(item) if ask is not None else ask_recover(item, parent)
        if answer is None:
            continue
        if not answer:
            recovery.discard(item)
            continue
        try:
            project = recovery.load_recovery(item)
            recovery.adopt(item, base)
        except (SahelGISError, OSError) as exc:
            log.error("cannot recover %s: %s", item.path, exc)
            if ask is None:
                QMessageBox.warning(
                    parent,
                    "Recover unsaved changes",
                    f"The recovery copy {item.path} cannot be opened: {exc}",
                )
            continue
        return project
    return None


__all__ = [
    "AUTOSAVE_MINUTES",
    "Autosaver",
    "ask_recover",
    "autosave_all",
    "autosave_minutes",
    "offer_recovery",
    "recovery_base",
]
