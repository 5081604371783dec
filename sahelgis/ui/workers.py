"""The app's one way to run work off the GUI thread: a pool of worker threads.

Every background job of the GUI goes through ``worker_pool()``: imports,
project and store reads and analyses (through ``TaskRunner``, which adds a
progress dialog), map tiles, the figure preview and export, and autosave. No
other module of ``sahelgis`` creates a thread (``tests/ui/test_one_worker_pool``).

``WorkerPool.submit(fn, *args, ...)`` queues a ``Job`` and returns it:

* **kinds, latest request wins**: a job submitted with a ``kind`` cancels the
  queued or running job of the same kind. A superseded job's result and error
  are never delivered.
* **lanes**: jobs of one ``lane`` run at most ``lane_limit`` at a time, first
  in, first out: ``"render"`` is 1 (matplotlib is not thread-safe: previews
  and exports run one after another, in order), ``"tiles"`` a few (a server
  that never answers holds only those threads), ``"autosave"`` 1.
* **cancel**: ``Job.cancel()`` drops a queued job at once; a running one is
  asked to stop (``progress.check()`` raises ``Cancelled``) and its outcome is
  dropped. Either way ``on_cancelled`` runs at once.
* **relay**: ``on_progress``, ``on_done``, ``on_error`` and ``on_cancelled``
  run on the GUI thread (not at all once the job's ``owner``, a QObject, was
  deleted); workers reach it through queued signals of the pool
  (a QObject living on the GUI thread). Progress is coalesced: at most one
  report per job waits in the event queue. An error without ``on_error`` goes
  to ``sys.excepthook`` (the error dialog).

The workers are long-lived daemon Python threads, not a ``QThreadPool``:

* a Python thread keeps one thread state for its life, so the per-thread
  pyproj contexts and transformers (``sahelgis.model.crs``) are made once per
  worker. A ``QThreadPool`` worker gets a new Python thread state per task,
  and with it a figure preview crashed inside pyproj about once in ten runs;
* a daemon thread never holds the app's exit: a tile request to a server that
  never answers would otherwise keep the process alive for its read timeout
  (``QCoreApplication`` waits for the global ``QThreadPool``).

What a worker must never do is drop the last reference to a Qt object (its
C++ side would be destroyed off the GUI thread). So a worker only reads a
job's function and arguments and writes its outcome; the pool strips the
callbacks, function, arguments and outcome from the job on the GUI thread,
when the outcome is delivered (or at once when a queued job is cancelled).

Python's cyclic garbage collector runs on the GUI thread only
(``collect_garbage_on_gui_thread``), for the same reason.

Size: the pool, its lanes, latest-request-wins, cancel and the GUI-thread relay
are one mechanism (the only thread creation in sahelgis).
"""

from __future__ import annotations

import collections
import contextlib
import functools
import gc
import itertools
import sys
import threading
import time
import weakref
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget
from shiboken6 import isValid

from sahelgis.errors import Cancelled
from sahelgis.progress import TaskProgress
from sahelgis.ui.plain_text import plain_progress_label, window_title

#: Seconds between the GUI thread's garbage collections.
GC_INTERVAL_S = 0.5
#: Most worker threads the pool starts (they live as long as the app).
MAX_THREADS = 12
#: Lanes of the app's jobs and how many of each may run at once.
RENDER_LANE = "render"  # matplotlib figures: one at a time, in order
TILES_LANE = "tiles"
AUTOSAVE_LANE = "autosave"

QUEUED = "queued"
RUNNING = "running"
DONE = "done"
FAILED = "failed"
CANCELLED = "cancelled"


def collect_garbage_on_gui_thread(app: QObject) -> None:
    """Run Python's cyclic garbage collector on the GUI thread only.

    Automatic collection runs on whichever thread allocates when a threshold
    is passed: a pool worker building a DataFrame, fetching a tile or drawing
    a figure. It then destroys there the Qt objects of wrappers left in
    reference cycles (pyqtgraph's plot menus, item models and pixmaps of
    closed windows) while the GUI thread uses Qt, a rare segmentation fault.
    Counted over the test suite, 306 collections ran off the GUI thread, one
    of them freeing 90,575 objects. pyqtgraph's ``GarbageCollector`` switches
    automatic collection off and collects the due generations on a GUI-thread
    timer instead. Calling this again is harmless.
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


@dataclass
class _Callbacks:
    on_done: Callable[[Any], None] | None
    on_error: Callable[[BaseException], None] | None
    on_progress: Callable[[float, str], None] | None
    on_cancelled: Callable[[], None] | None
    #: Callbacks are dropped once this Qt object is deleted (a closed dialog).
    owner: QObject | None = None

    def live(self) -> bool:
        return self.owner is None or isValid(self.owner)


class Job:
    """One piece of work submitted to a ``WorkerPool``.

    ``state`` goes queued → running → done, failed or cancelled (or queued →
    cancelled). ``ended`` is True once the function returned or raised, or the
    job was dropped before it started; ``finished`` once the GUI thread was
    told (its callbacks ran, or it was cancelled).
    """

    def __init__(
        self,
        pool: WorkerPool,
        fn: Callable[..., Any],
        args: tuple[Any, ...],
        *,
        kind: Hashable | None,
        lane: str | None,
        with_progress: bool,
        callbacks: _Callbacks,
    ) -> None:
        self.kind = kind
        self.lane = lane
        self.progress = TaskProgress()
        self.state = QUEUED  # written under the pool's lock
        self.cancelled = False  # cancel() was called
        self.finished = False
        self._pool = pool
        self._fn: Callable[..., Any] | None = fn
        self._args: tuple[Any, ...] = args
        self._with_progress = with_progress
        self._callbacks: _Callbacks | None = callbacks
        self._value: Any = None
        self._ended = threading.Event()
        self._progress_pending = False

    @property
    def ended(self) -> bool:
        """True once the work is over (it ran, or it was dropped unstarted)."""
        return self._ended.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the work is over; False on timeout."""
        return self._ended.wait(timeout)

    def cancel(self, *, running: bool = True) -> bool:
        """Drop the job (GUI thread); True if it had not started. With
        ``running=False`` a job that started is left alone."""
        return self._pool.cancel(self, running=running)

    def _strip(self) -> tuple[_Callbacks | None, Any]:
        """Take what may hold Qt objects off the job (on the GUI thread)."""
        callbacks, value = self._callbacks, self._value
        self._callbacks = None
        self._value = None
        self._fn = None
        self._args = ()
        self.progress.callbacks.clear()
        return callbacks, value

    def __repr__(self) -> str:
        return f"<Job {self.kind!r} {self.state}>"


class WorkerPool(QObject):
    """Long-lived daemon worker threads running jobs; results reach the GUI
    thread through queued signals (see the module's docstring)."""

    #: On the GUI thread, after a job's callbacks ran or it was cancelled.
    sig_job_finished = Signal(object)
    # worker threads -> GUI thread (queued)
    _sig_progress = Signal(object)
    _sig_ended = Signal(object)

    def __init__(
        self, max_threads: int = MAX_THREADS, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.max_threads = max_threads
        lock = threading.Lock()
        self._cond = threading.Condition(lock)  # a job may start: wakes one worker
        self._ended_cond = threading.Condition(lock)  # a job ended: wakes waiters
        self._queue: collections.deque[Job] = collections.deque()
        self._running: set[Job] = set()
        self._lane_running: collections.Counter[str] = collections.Counter()
        self._lane_limits: dict[str, int] = {}
        self._threads: list[threading.Thread] = []
        self._idle = 0
        self._closed = False
        self._latest: dict[Hashable, Job] = {}
        self._numbers = itertools.count(1)
        self._sig_progress.connect(
            self._deliver_progress, Qt.ConnectionType.QueuedConnection
        )
        self._sig_ended.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    # -- GUI thread ---------------------------------------------------------------
    def submit(
        self,
        fn: Callable[..., Any],
        *args: Any,
        kind: Hashable | None = None,
        lane: str | None = None,
        lane_limit: int = 1,
        with_progress: bool = False,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        on_progress: Callable[[float, str], None] | None = None,
        on_cancelled: Callable[[], None] | None = None,
        owner: QObject | None = None,
    ) -> Job:
        """Queue ``fn(*args)`` (``progress=job.progress`` added with
        ``with_progress``); a job of the same ``kind`` is cancelled first."""
        job = Job(
            self,
            fn,
            args,
            kind=kind,
            lane=lane,
            with_progress=with_progress,
            callbacks=_Callbacks(on_done, on_error, on_progress, on_cancelled, owner),
        )
        if on_progress is not None:
            job.progress.callbacks.append(functools.partial(self._report, job))
        if kind is not None:
            previous = self._latest.get(kind)
            if previous is not None:
                previous.cancel()
            self._latest[kind] = job
        with self._cond:
            if self._closed:
                raise RuntimeError("the worker pool is closed")
            if lane is not None:
                self._lane_limits[lane] = max(1, lane_limit)
            self._queue.append(job)
            if (
                len(self._threads) < self.max_threads
                and self._idle < len(self._queue)
                and self._idle < self._startable()
            ):
                thread = threading.Thread(
                    target=self._work,
                    name=f"sahelgis-worker-{next(self._numbers)}",
                    daemon=True,
                )
                self._threads.append(thread)
                thread.start()
            self._cond.notify()
        return job

    def cancel(self, job: Job, *, running: bool = True) -> bool:
        """Drop ``job``: unstarted, it never runs; running, it is asked to stop
        and its outcome is dropped (unless ``running`` is False: then it is
        left alone). ``on_cancelled`` runs now. True if it had not started."""
        if job.finished or job.cancelled:
            return False
        with self._cond:
            queued = job.state == QUEUED
            if not queued and not running:
                return False
            job.cancelled = True
            job.progress.cancel()
            if queued:
                self._queue.remove(job)
                job.state = CANCELLED
                job._ended.set()
                self._ended_cond.notify_all()
        if job.kind is not None and self._latest.get(job.kind) is job:
            del self._latest[job.kind]
        if queued:
            callbacks, _ = job._strip()
            job.finished = True
        else:  # the worker still uses the function: stripped when it ends
            callbacks, job._callbacks = job._callbacks, None
        if (
            callbacks is not None
            and callbacks.on_cancelled is not None
            and callbacks.live()
        ):
            callbacks.on_cancelled()
        if queued:
            self.sig_job_finished.emit(job)
        return queued

    def cancel_kind(self, kind: Hashable) -> None:
        """Cancel the job of this kind, if any."""
        job = self._latest.get(kind)
        if job is not None:
            job.cancel()

    def current(self, kind: Hashable) -> Job | None:
        """The latest job of this kind, until it finishes."""
        return self._latest.get(kind)

    def wait(self, jobs: Iterable[Job] | None = None, msecs: int = 30_000) -> bool:
        """Block until ``jobs`` (default: all) are over; False on timeout.

        Their callbacks run later, when the GUI thread's event loop turns.
        """
        watched = None if jobs is None else list(jobs)
        deadline = time.monotonic() + msecs / 1000
        with self._cond:
            while True:
                if watched is None:
                    pending = bool(self._queue or self._running)
                else:
                    pending = any(not job.ended for job in watched)
                if not pending:
                    return True
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._ended_cond.wait(remaining)

    def thread_count(self) -> int:
        """Worker threads started so far."""
        return len(self._threads)

    def close(self, msecs: int = 5_000) -> None:
        """Drop queued jobs and end the idle threads (tests; the app's pool
        lives as long as the process)."""
        with self._cond:
            self._closed = True
            dropped = list(self._queue)
            self._cond.notify_all()
        for job in dropped:
            job.cancel()
        deadline = time.monotonic() + msecs / 1000
        for thread in self._threads:
            thread.join(max(deadline - time.monotonic(), 0))

    @Slot(object)
    def _deliver(self, job: Job) -> None:
        """A job ended on a worker: run its callbacks here, on the GUI thread."""
        if job.kind is not None and self._latest.get(job.kind) is job:
            del self._latest[job.kind]
        callbacks, value = job._strip()
        job.finished = True
        try:
            if callbacks is None or not callbacks.live():  # cancelled, or gone
                return
            if job.state == DONE:
                if callbacks.on_done is not None:
                    callbacks.on_done(value)
            elif job.state == FAILED:
                if callbacks.on_error is not None:
                    callbacks.on_error(value)
                else:
                    sys.excepthook(type(value), value, value.__traceback__)
            elif callbacks.on_cancelled is not None:
                callbacks.on_cancelled()
        finally:
            self.sig_job_finished.emit(job)

    @Slot(object)
    def _deliver_progress(self, job: Job) -> None:
        job._progress_pending = False  # before reading: no report is lost
        callbacks = job._callbacks
        if (
            callbacks is not None
            and callbacks.on_progress is not None
            and callbacks.live()
        ):
            callbacks.on_progress(job.progress.fraction, job.progress.text)

    # -- under the lock -------------------------------------------------------------
    def _has_room(self, lane: str | None, taken: collections.Counter[str]) -> bool:
        if lane is None:
            return True
        used = self._lane_running[lane] + taken[lane]
        return used < self._lane_limits.get(lane, 1)

    def _startable(self) -> int:
        """Queued jobs that could start now (lane limits allowing)."""
        taken: collections.Counter[str] = collections.Counter()
        count = 0
        for job in self._queue:
            if self._has_room(job.lane, taken):
                count += 1
                if job.lane is not None:
                    taken[job.lane] += 1
        return count

    def _take(self) -> Job | None:
        empty: collections.Counter[str] = collections.Counter()
        for job in self._queue:
            if self._has_room(job.lane, empty):
                self._queue.remove(job)
                job.state = RUNNING
                self._running.add(job)
                if job.lane is not None:
                    self._lane_running[job.lane] += 1
                return job
        return None

    # -- worker threads ---------------------------------------------------------------
    def _work(self) -> None:
        while True:
            with self._cond:
                while True:
                    if self._closed:
                        return
                    job = self._take()
                    if job is not None:
                        break
                    self._idle += 1
                    self._cond.wait()
                    self._idle -= 1
            self._run(job)
            del job  # hold no job between runs

    def _run(self, job: Job) -> None:
        # the function, its arguments and outcome are read and written on the
        # job only, never kept here: the GUI thread drops them (see _strip)
        state = DONE
        try:
            if job._fn is None:
                raise RuntimeError("job without a function")
            if job._with_progress:
                job._value = job._fn(*job._args, progress=job.progress)
            else:
                job._value = job._fn(*job._args)
        except Cancelled:
            state = CANCELLED
        except BaseException as exc:  # noqa: BLE001 - relayed to the GUI thread
            job._value = exc
            state = FAILED
        with self._cond:
            job.state = state
            self._running.discard(job)
            if job.lane is not None:
                self._lane_running[job.lane] -= 1
            job._ended.set()
            self._cond.notify()  # its lane may have room now
            self._ended_cond.notify_all()
        # RuntimeError: the pool's QObject is gone (interpreter exit)
        with contextlib.suppress(RuntimeError):
            self._sig_ended.emit(job)

    def _report(self, job: Job, fraction: float, text: str) -> None:
        """A progress report on the worker: at most one waits in the queue."""
        if not job._progress_pending:
            job._progress_pending = True
            with contextlib.suppress(RuntimeError):
                self._sig_progress.emit(job)


_pool: WorkerPool | None = None


def worker_pool() -> WorkerPool:
    """The app's one worker pool (created on first use, on the GUI thread)."""
    global _pool
    if _pool is None:
        _pool = WorkerPool()
    return _pool


class JobGroup:
    """The jobs one owner submitted: wait for them or cancel them together.

    Kinds are the group's own: two dialogs may both have a "preview" kind.
    The callbacks of an ``owner`` deleted meanwhile are not called.
    """

    def __init__(
        self, owner: QObject | None = None, pool: WorkerPool | None = None
    ) -> None:
        self.pool = pool if pool is not None else worker_pool()
        # the jobs' callbacks are dropped once the owner is deleted
        self._owner = weakref.ref(owner) if owner is not None else None
        self._scope = object()
        self._jobs: list[Job] = []

    def submit(
        self, fn: Callable[..., Any], *args: Any, kind: str | None = None, **kwargs: Any
    ) -> Job:
        """``WorkerPool.submit`` with the kind scoped to this group."""
        scoped = None if kind is None else (self._scope, kind)
        owner = self._owner() if self._owner is not None else None
        job = self.pool.submit(fn, *args, kind=scoped, owner=owner, **kwargs)
        self._jobs = [j for j in self._jobs if not j.finished]
        self._jobs.append(job)
        return job

    def current(self, kind: str) -> Job | None:
        """The latest job of this kind, until it finishes."""
        return self.pool.current((self._scope, kind))

    def active(self) -> list[Job]:
        """Jobs not yet finished (their callbacks not yet run)."""
        self._jobs = [j for j in self._jobs if not j.finished]
        return list(self._jobs)

    def cancel(self, kind: str | None = None) -> None:
        """Cancel this group's jobs (of one kind, or all)."""
        for job in self.active():
            if kind is None or job.kind == (self._scope, kind):
                job.cancel()

    def wait(self, msecs: int = 30_000) -> bool:
        """Block until the group's jobs are over; False on timeout."""
        return self.pool.wait(self.active(), msecs)


class TaskRunner(QObject):
    """Starts tasks with a cancellable progress dialog; one task per kind runs
    (a new one cancels the previous: its result is dropped)."""

    sig_cancelled = Signal(object)  # the Job

    def __init__(self, parent: QWidget, pool: WorkerPool | None = None) -> None:
        super().__init__(parent)
        self._parent = parent
        self.jobs = JobGroup(self, pool)
        self._running: dict[str, Job] = {}

    def start(
        self,
        kind: str,
        title: str,
        fn: Callable[..., Any],
        *args: Any,
        on_done: Callable[[Any], None],
        on_error: Callable[[BaseException], None],
        dialog: bool = True,
    ) -> Job:
        """Run ``fn(*args, progress=...)`` in the background."""
        progress_dialog: QProgressDialog | None = None
        show_progress: Callable[[float, str], None] | None = None
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

            def show_progress(fraction: float, text: str) -> None:
                progress_dialog.setValue(int(fraction * 1000))
                if text:
                    progress_dialog.setLabelText(f"{title}\n{text}")

        started: list[Job] = []

        def finish() -> None:
            if started and self._running.get(kind) is started[0]:
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

        def cancelled() -> None:
            finish()
            if started:
                self.sig_cancelled.emit(started.pop())

        job = self.jobs.submit(
            fn,
            *args,
            kind=kind,
            with_progress=True,
            on_done=done,
            on_error=failed,
            on_progress=show_progress,
            on_cancelled=cancelled,
        )
        started.append(job)
        self._running[kind] = job
        if progress_dialog is not None:
            progress_dialog.canceled.connect(job.progress.cancel)
        return job

    def is_running(self, kind: str) -> bool:
        """True while a task of this kind runs."""
        return kind in self._running

    def wait(self, msecs: int = 30_000) -> bool:
        """Block until this runner's tasks end (tests and shutdown)."""
        return self.jobs.wait(msecs)
