"""Python's cyclic garbage collector runs on the GUI thread only (see
``sahelgis.ui.workers.collect_garbage_on_gui_thread``)."""

from __future__ import annotations

import gc
import threading
import weakref

from sahelgis.app import create_app


class Node:
    """A reference cycle's member whose end is observed through a weakref."""

    def __init__(self) -> None:
        self.me = self


def test_cycles_are_collected_on_the_gui_thread_never_on_a_worker(qtbot):
    app = create_app([])
    assert not gc.isenabled()
    freed_on: list[str] = []

    def thread() -> str:
        return threading.current_thread().name

    def cycles(n: int) -> list[weakref.ref]:
        refs = []
        for _ in range(n):
            node = Node()
            refs.append(
                weakref.ref(
                    node, lambda _r: freed_on.append(threading.current_thread().name)
                )
            )
        return refs

    refs = cycles(50)

    kept: list[list[list[int]]] = []

    def allocate() -> None:  # far past gen-0's threshold, on a worker thread
        # kept alive: freeing it would lower the count the collector looks at
        kept.append([[i] for i in range(20 * gc.get_threshold()[0])])
        refs.extend(cycles(50))

    worker = threading.Thread(target=allocate, name="worker")
    worker.start()
    worker.join()
    assert freed_on == []  # nothing was collected on the worker
    qtbot.waitUntil(lambda: len(freed_on) == 100, timeout=5000)
    assert set(freed_on) == {threading.main_thread().name}
    assert app is not None


def test_the_app_turns_it_on(qapp, monkeypatch):
    called = []
    monkeypatch.setattr("sahelgis.app.collect_garbage_on_gui_thread", called.append)
    app = create_app([])
    assert called == [app]
