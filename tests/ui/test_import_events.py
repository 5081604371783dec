import itertools
import time

import pytest
from PySide6.QtWidgets import QApplication

from sahelgis.errors import Cancelled
from sahelgis.model.layers import EventLayer
from sahelgis.ui.import_report_dialog import ImportReportDialog
from sahelgis.ui.workers import TaskRunner
from tests.test_cli import GOOD_ROW, write_csv


def open_report_dialogs():
    return [
        w
        for w in QApplication.topLevelWidgets()
        if isinstance(w, ImportReportDialog) and w.isVisible()
    ]


def test_import_adds_layer_and_reports_rejected_rows(
    make_main_window, demo_like_project, tmp_path, qtbot
):
    rows = [GOOD_ROW | {"event_id_cnty": f"MLI{i}"} for i in range(5)]
    rows.append(GOOD_ROW | {"event_id_cnty": "MLI2"})  # duplicate id
    rows.append(GOOD_ROW | {"event_id_cnty": "MLI9", "longitude": "0", "latitude": "0"})
    path = write_csv(tmp_path / "koulikoro.csv", rows)
    window = make_main_window(demo_like_project)
    before = len(demo_like_project.layers)
    window.import_events(path)
    qtbot.waitUntil(lambda: len(demo_like_project.layers) == before + 1, timeout=10_000)
    layer = demo_like_project.layers[0]
    assert isinstance(layer, EventLayer)
    assert layer.name == "koulikoro (5 events)"
    assert layer.attribution.startswith("Armed Conflict Location")
    qtbot.waitUntil(lambda: bool(open_report_dialogs()), timeout=5000)
    dialog = open_report_dialogs()[0]
    assert dialog.table.rowCount() >= 2
    cells = {dialog.table.item(r, 0).text() for r in range(dialog.table.rowCount())}
    assert cells >= {"6", "7"}  # data rows 6 and 7 were rejected
    saved = tmp_path / "rejects.csv"
    dialog.report.save_rejects(saved)
    assert "MLI9" in saved.read_text()
    dialog.close()
    assert "read 5 rows, rejected 2" in window.statusBar().currentMessage()


def test_wrong_file_shows_one_line_message_not_traceback(
    make_main_window, demo_like_project, tmp_path, qtbot, monkeypatch
):
    shown = []
    monkeypatch.setattr(
        "sahelgis.ui.main_window.QMessageBox.warning",
        lambda parent, title, text: shown.append((title, text)),
    )
    path = tmp_path / "empty.csv"
    path.write_text("")
    window = make_main_window(demo_like_project)
    window.import_events(path)
    qtbot.waitUntil(lambda: bool(shown), timeout=5000)
    title, text = shown[0]
    assert title == "Import events"
    assert text.startswith("empty.csv: ")
    assert "\n" not in text
    assert "Traceback" not in text


def slow_job(progress):
    for i in range(400):
        progress.set(i / 400, f"step {i}")
        progress.check()
        time.sleep(0.005)
    return "finished"


def test_task_can_be_cancelled(qtbot):
    from PySide6.QtWidgets import QWidget

    parent = QWidget()
    qtbot.addWidget(parent)
    runner = TaskRunner(parent)
    results = []
    task = runner.start(
        "job",
        "Slow job",
        slow_job,
        on_done=results.append,
        on_error=results.append,
        dialog=True,
    )
    qtbot.waitUntil(lambda: task.progress.fraction > 0.05, timeout=5000)
    with qtbot.waitSignal(runner.sig_cancelled, timeout=5000):
        task.progress.cancel()
    assert results == []
    assert not runner.is_running("job")


def test_a_new_task_of_the_same_kind_cancels_the_previous(qtbot):
    from PySide6.QtWidgets import QWidget

    parent = QWidget()
    qtbot.addWidget(parent)
    runner = TaskRunner(parent)
    done = []
    first = runner.start(
        "job",
        "first",
        slow_job,
        on_done=done.append,
        on_error=done.append,
        dialog=False,
    )
    with qtbot.waitSignal(runner.sig_cancelled, timeout=5000) as superseded:
        second = runner.start(
            "job",
            "second",
            lambda progress: "quick",
            on_done=done.append,
            on_error=done.append,
            dialog=False,
        )
    assert superseded.args == [first]
    qtbot.waitUntil(lambda: done == ["quick"], timeout=5000)
    assert second.progress.fraction == 0.0
    assert first.wait(5)  # asked to stop: it stops at its next check


def test_cancelled_is_not_an_error():
    from sahelgis.progress import TaskProgress

    progress = TaskProgress()
    progress.cancel()
    with pytest.raises(Cancelled):
        slow_job(progress)


def test_window_stays_responsive_while_importing(
    make_main_window, demo_like_project, tmp_path, qtbot
):
    from PySide6.QtCore import QTimer

    from sahelgis.demo.synthetic_events import write_demo_csv

    path = write_demo_csv(tmp_path / "big_SYNTHETIC.csv", n=60_000, seed=1)
    window = make_main_window(demo_like_project)
    ticks = []
    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    before = len(demo_like_project.layers)
    window.import_events(path)
    # the call returns at once: parsing happens in a worker thread
    assert len(demo_like_project.layers) == before
    assert window.runner.is_running("import")
    qtbot.waitUntil(lambda: len(demo_like_project.layers) == before + 1, timeout=20_000)
    timer.stop()
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    assert ticks  # the event loop turned while the worker parsed
    # the event loop kept turning while the file was parsed in a worker
    # generous: a loaded 2-core CI machine; the benchmark measures the real figure
    assert max(gaps, default=0.0) < 1.0, f"longest stall {max(gaps):.3f} s"
    assert demo_like_project.layers[0].feature_count == 60_000


def test_import_recognises_a_ucdp_ged_file(
    make_main_window, demo_like_project, tmp_path, qtbot
):
    from tests.io.test_ucdp import ged_rows, write_ged

    path = write_ged(tmp_path / "ged_mali.csv", ged_rows(6))
    window = make_main_window(demo_like_project)
    before = len(demo_like_project.layers)
    window.import_events(path)
    qtbot.waitUntil(lambda: len(demo_like_project.layers) == before + 1, timeout=10_000)
    layer = demo_like_project.layers[0]
    assert isinstance(layer, EventLayer)
    assert layer.attribution == "UCDP GED, CC BY 4.0"
    assert layer.events.frame["event_id_cnty"].str.startswith("UCDP-").all()
