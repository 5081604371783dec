"""Run long model jobs on a thread pool with progress, cancel and error relay."""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from sahelgis.errors import Cancelled
from sahelgis.progress import TaskProgress
from sahelgis.ui.plain_text import plain_progress_label, window_title

#: Seconds between the GUI thread's garbage collections.
GC_INTERVAL_S = 0.5


def collect_garbage_on_gui_thread(app: QObject) -> None:
    """Run Python's cyclic garbage collector on the GUI thread only.

    Automatic collection runs on whichever thread allocates when a threshold
    is passed: a pool worker building a DataFrame, a tile or figure thread. It
    then destroys there the Qt objects of wrappers left in reference cycles
    (pyqtgraph's plot menus, item models and pixmaps of closed windows) while
    the GUI thread uses Qt, a rare segmentation fault. Counted over the test
    suite, 306 collections ran off the GUI thread, one of them freeing 90,575
    objects. pyqtgraph's ``GarbageCollector`` switches automatic collection
    off and collects the due generations on a GUI-thread timer instead.
    Calling this again is harmless.
    """
    if getattr(app, "_sahelgis_gc", None) is None:
        from pyqtgraph.util.garbage_collector import GarbageCollector

        app._sahelgis_gc = GarbageCollector(interval=GC_INTERVAL_S)  # type: ignore[attr-defined]


def collect_due_garbage() -> None:
    """Collect the generations Python's automatic GC would collect now."""
    counts, limits = gc.get_count(), gc.get_threshold()
    due = [g for g in range(3) if counts[g] > limits[g]]
    if due:
        gc.collect(due[-1])


class TaskSignals(QObject):
    """Signals a task emits; they cross to the GUI thread queued."""

    sig_progress = Signal(float, str)
    sig_finished = Signal(object)
    sig_failed = Signal(object)
    sig_cancelled = Signal()


class Task(QRunnable):
    """Calls ``fn(*args, progress=...)`` off the GUI thread."""

    def __init__(self, fn: Callable[..., Any], *args: Any) -> None:
        super().__init__()
        self.fn = fn
        self.args = args
        self.progress = TaskProgress()
        self.signals = TaskSignals()
        self.progress.callbacks.append(self.signals.sig_progress.emit)
        self.setAutoDelete(False)

    def run(self) -> None:
        try:
            result = self.fn(*self.args, progress=self.progress)
        except Cancelled:
            self.signals.sig_cancelled.emit()
        except BaseException as exc:  # noqa: BLE001 - relayed to the GUI thread
            self.signals.sig_failed.emit(exc)
        else:
            self.signals.sig_finished.emit(result)


class TaskRunner(QObject):
    """Starts tasks with a cancellable progress dialog; keeps them alive."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self._parent = parent
        self.pool = QThreadPool.globalInstance()
        self._running: dict[str, Task] = {}

    def start(
        self,
        kind: str,
        title: str,
        fn: Callable[..., Any],
        *args: Any,
        on_done: Callable[[Any], None],
        on_error: Callable[[BaseException], None],
        dialog: bool = True,
    ) -> Task:
        """Run ``fn`` in the background; a task of the same kind is cancelled first."""
        previous = self._running.get(kind)
        if previous is not None:
            previous.progress.cancel()
        task = Task(fn, *args)
        self._running[kind] = task
        progress_dialog: QProgressDialog | None = None
        if dialog:
            progress_dialog = QProgressDialog(self._parent)
            # titles and progress texts quote file names: plain text
            progress_dialog.setLabel(plain_progress_label())
            progress_dialog.setLabelText(title)
            progress_dialog.setCancelButtonText("Cancel")
            progress_dialog.setRange(0, 1000)
            progress_dialog.setWindowTitle(window_title(title))
            progress_dialog.setWindowModality(Qt.WindowModality.WindowModal)
            progress_dialog.setMinimumDuration(400)
            progress_dialog.setAutoClose(False)
            progress_dialog.setAutoReset(False)
            progress_dialog.canceled.connect(task.progress.cancel)

            def show_progress(fraction: float, text: str) -> None:
                progress_dialog.setValue(int(fraction * 1000))
                if text:
                    progress_dialog.setLabelText(f"{title}\n{text}")

            task.signals.sig_progress.connect(show_progress)

        def finish() -> None:
            if self._running.get(kind) is task:
                del self._running[kind]
            if progress_dialog is not None:
                progress_dialog.close()
                progress_dialog.deleteLater()

        def done(result: object) -> None:
            finish()
            on_done(result)

        def failed(exc: BaseException) -> None:
            finish()
            on_error(exc)

        task.signals.sig_finished.connect(done)
        task.signals.sig_failed.connect(failed)
        task.signals.sig_cancelled.connect(finish)
        self.pool.start(task)
        return task

    def is_running(self, kind: str) -> bool:
        """True while a task of this kind runs."""
        return kind in self._running

    def wait(self, msecs: int = 30_000) -> bool:
        """Block until all tasks end (tests and shutdown)."""
        return self.pool.waitForDone(msecs)
