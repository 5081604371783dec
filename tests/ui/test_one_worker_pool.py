"""One way to run background work: ``sahelgis.ui.workers``.

No other module of ``sahelgis`` creates a thread, and the pool keeps its
promises: latest request wins per kind, lanes, cancel, progress and errors
relayed to the GUI thread, thread-locals kept across jobs.
"""

from __future__ import annotations

import ast
import threading
from pathlib import Path

import pytest

from sahelgis.errors import Cancelled
from sahelgis.ui.workers import JobGroup, WorkerPool

PACKAGE = Path(__file__).resolve().parents[2] / "sahelgis"
POOL_MODULE = PACKAGE / "ui" / "workers.py"

#: Names that create threads (or processes running Python work).
THREAD_MAKERS = {
    "Thread",
    "Timer",
    "start_new_thread",
    "start_joinable_thread",
    "QThread",
    "QThreadPool",
    "QRunnable",
    "QtConcurrent",
    "ThreadPoolExecutor",
    "ProcessPoolExecutor",
    "Pool",
}
#: Modules whose import alone means a thread or process of one's own.
THREAD_MODULES = ("_thread", "concurrent.futures", "multiprocessing")


def thread_creation(path: Path) -> list[str]:
    """Where ``path`` makes threads: imports and uses of ``THREAD_MAKERS``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        where = f"{path.name}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Import):
            found += [
                f"{where} import {alias.name}"
                for alias in node.names
                if alias.name.startswith(THREAD_MODULES)
            ]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if module.startswith(THREAD_MODULES):
                found.append(f"{where} from {module} import ...")
            found += [
                f"{where} from {module} import {alias.name}"
                for alias in node.names
                if alias.name in THREAD_MAKERS
            ]
        elif isinstance(node, ast.Attribute) and node.attr in THREAD_MAKERS:
            found.append(f"{where} .{node.attr}")
        elif isinstance(node, ast.Name) and node.id in THREAD_MAKERS:
            found.append(f"{where} {node.id}")
    return found


def test_only_the_workers_module_creates_threads():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path != POOL_MODULE:
            offenders += [
                f"{path.relative_to(PACKAGE)}: {hit}" for hit in thread_creation(path)
            ]
    assert offenders == []


def test_the_check_sees_thread_creation(tmp_path):
    """The scan finds the usual spellings (so an empty list above means it)."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import threading\nfrom concurrent.futures import ThreadPoolExecutor\n"
        "from PySide6.QtCore import QThreadPool\nimport _thread\n"
        "threading.Thread(target=print).start()\n",
        encoding="utf-8",
    )
    found = thread_creation(sample)
    assert len(found) == 5, found
    assert thread_creation(POOL_MODULE)  # the pool itself does create them


# -- the pool's promises ---------------------------------------------------------
@pytest.fixture
def pool(qapp):
    p = WorkerPool(max_threads=4)
    yield p
    release.set()
    p.close()


release = threading.Event()


@pytest.fixture(autouse=True)
def _release():
    release.clear()
    yield
    release.set()


def blocked(value=None, *, progress=None):
    """Waits until the test releases it (or is cancelled)."""
    while not release.wait(0.01):
        if progress is not None:
            progress.check()
    return value


def test_results_and_errors_reach_the_gui_thread(qtbot, pool):
    seen = []

    def where(value):
        seen.append((value, threading.current_thread() is threading.main_thread()))

    with qtbot.waitSignal(pool.sig_job_finished, timeout=5000):
        job = pool.submit(lambda: threading.current_thread().name, on_done=where)
    assert seen == [(seen[0][0], True)]
    assert seen[0][0].startswith("sahelgis-worker")
    assert job.state == "done"
    assert job.finished

    errors = []
    with qtbot.waitSignal(pool.sig_job_finished, timeout=5000):
        pool.submit(lambda: 1 / 0, on_error=errors.append, on_done=seen.append)
    assert isinstance(errors[0], ZeroDivisionError)
    assert len(seen) == 1


def test_progress_is_relayed_and_coalesced(qtbot, pool):
    reports = []

    def job(progress):
        for i in range(1, 501):
            progress.set(i / 500, f"step {i}")
        return "ok"

    done = []
    with qtbot.waitSignal(pool.sig_job_finished, timeout=5000):
        pool.submit(
            job,
            with_progress=True,
            on_progress=lambda f, t: reports.append((f, t)),
            on_done=done.append,
        )
    qtbot.waitUntil(lambda: bool(reports) and reports[-1] == (1.0, "step 500"))
    assert done == ["ok"]
    assert len(reports) < 500  # at most one report waits in the event queue


def test_the_latest_request_of_a_kind_wins(qtbot, pool):
    done, cancelled = [], []
    first = pool.submit(
        blocked,
        "first",
        kind="k",
        with_progress=True,
        on_done=done.append,
        on_cancelled=lambda: cancelled.append("first"),
    )
    qtbot.waitUntil(lambda: first.state == "running", timeout=5000)
    second = pool.submit(blocked, "second", kind="k", on_done=done.append)
    assert cancelled == ["first"]  # at once
    assert first.progress.cancelled()  # asked to stop
    assert pool.current("k") is second
    release.set()
    qtbot.waitUntil(lambda: done == ["second"], timeout=5000)
    assert first.wait(5)
    qtbot.waitUntil(lambda: first.finished, timeout=5000)
    assert done == ["second"]


def test_a_queued_job_cancelled_never_runs(qtbot, pool):
    ran = []
    front = pool.submit(blocked, lane="one", lane_limit=1)
    queued = pool.submit(ran.append, "ran", lane="one", lane_limit=1)
    assert queued.state == "queued"
    assert queued.cancel() is True
    assert queued.ended
    assert queued.finished
    assert queued.state == "cancelled"
    release.set()
    assert pool.wait([front], 5000)
    assert ran == []


def test_a_lane_runs_its_jobs_one_at_a_time_in_order(qtbot, pool):
    order, active, most = [], [0], [0]
    lock = threading.Lock()

    def job(i):
        with lock:
            active[0] += 1
            most[0] = max(most[0], active[0])
        blocked()
        with lock:
            active[0] -= 1
        order.append(i)

    jobs = [pool.submit(job, i, lane="render", lane_limit=1) for i in range(4)]
    other = pool.submit(lambda: "free")  # another lane is not held up
    assert pool.wait([other], 5000)
    release.set()
    assert pool.wait(jobs, 5000)
    assert order == [0, 1, 2, 3]
    assert most[0] == 1


def test_a_cooperative_cancel_reports_cancelled(qtbot, pool):
    cancelled = []
    job = pool.submit(
        blocked,
        with_progress=True,
        on_cancelled=lambda: cancelled.append(True),
        on_error=cancelled.append,
    )
    qtbot.waitUntil(lambda: job.state == "running", timeout=5000)
    with qtbot.waitSignal(pool.sig_job_finished, timeout=5000):
        job.progress.cancel()  # the job raises Cancelled at its next check
    assert cancelled == [True]
    assert not isinstance(cancelled[0], Cancelled)


def test_a_worker_keeps_its_thread_locals_across_jobs(qtbot, qapp):
    """pyproj's contexts live in thread-locals: a worker is one Python thread
    for its whole life (a QThreadPool task got a fresh thread state)."""
    pool = WorkerPool(max_threads=1)
    local = threading.local()

    def mark():
        seen = getattr(local, "mark", None)
        local.mark = "set"
        return seen

    seen = []
    try:
        first = pool.submit(mark, on_done=seen.append)
        second = pool.submit(mark, on_done=seen.append)
        assert pool.wait([first, second], 5000)
        qtbot.waitUntil(lambda: second.finished, timeout=5000)
        assert seen == [None, "set"]
        assert pool.thread_count() == 1
    finally:
        pool.close()


def test_callbacks_of_a_deleted_owner_are_dropped(qtbot, pool):
    from PySide6.QtCore import QObject

    owner = QObject()
    group = JobGroup(owner, pool)
    called = []
    job = group.submit(blocked, on_done=called.append)
    owner.deleteLater()
    qtbot.waitUntil(lambda: not _valid(owner), timeout=5000)
    release.set()
    qtbot.waitUntil(lambda: job.finished, timeout=5000)
    assert called == []


def _valid(obj) -> bool:
    from shiboken6 import isValid

    return isValid(obj)
