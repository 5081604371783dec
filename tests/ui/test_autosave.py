import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from sahelgis.io import recovery
from sahelgis.io.project_file import save_project
from sahelgis.ui import autosave
from sahelgis.ui import settings as app_settings
from sahelgis.ui.autosave import Autosaver, autosave_all, offer_recovery


@pytest.fixture
def base(tmp_path):
    return tmp_path / "appdata"


@pytest.fixture
def saved_project(demo_like_project, tmp_path):
    save_project(demo_like_project, tmp_path / "work" / "p.gpkg")
    return demo_like_project


@pytest.fixture
def make_saver(qtbot, base):
    savers = []

    def factory(project, **kwargs):
        saver = Autosaver(project, base=base, **kwargs)
        savers.append(saver)
        return saver

    yield factory
    for saver in savers:
        saver.close()


def rename_events(project, name="changed"):
    layer = project.event_layers()[0]
    project.rename_layer(layer.id, name)
    return layer


def test_autosave_now_writes_a_copy_and_leaves_the_project_alone(
    saved_project, make_saver, base
):
    path = saved_project.path
    saver = make_saver(saved_project)
    assert saver.autosave_now() is None  # nothing unsaved, nothing written
    assert recovery.find_recoveries(base) == []
    rename_events(saved_project)
    written = saver.autosave_now()
    assert written == recovery.recovery_path_for(path, base)
    assert written.exists()
    assert saved_project.modified
    assert saved_project.path == path
    (found,) = recovery.find_recoveries(base)
    assert found.project_path == path


def test_clean_save_deletes_the_copy(saved_project, make_saver):
    saver = make_saver(saved_project)
    rename_events(saved_project)
    written = saver.autosave_now()
    save_project(saved_project, saved_project.path)
    assert not written.exists()


def test_undo_back_to_saved_state_deletes_the_copy(saved_project, make_saver):
    saver = make_saver(saved_project)
    rename_events(saved_project)
    written = saver.autosave_now()
    saved_project.undo_stack.undo()
    assert not saved_project.modified
    assert not written.exists()


def test_timer_writes_in_background_only_when_changed(
    qtbot, saved_project, make_saver, base
):
    app_settings.settings().setValue(autosave.AUTOSAVE_MINUTES, 0.001)  # 60 ms
    saver = make_saver(saved_project)
    assert 0 < saver.interval_ms() <= 100
    rename_events(saved_project)
    with qtbot.waitSignal(saver.sig_written, timeout=5000) as blocker:
        pass
    assert blocker.args[0] == recovery.recovery_path_for(saved_project.path, base)
    assert saved_project.modified
    assert not saver.autosave_in_background()  # no change since the copy
    rename_events(saved_project, "changed again")
    with qtbot.waitSignal(saver.sig_written, timeout=5000):
        pass
    (found,) = recovery.find_recoveries(base)
    assert recovery.load_recovery(found).event_layers()[0].name == "changed again"


def test_setting_zero_turns_the_timer_off(saved_project, make_saver):
    app_settings.settings().setValue(autosave.AUTOSAVE_MINUTES, 0)
    saver = make_saver(saved_project)
    assert saver.interval_ms() == 0
    app_settings.settings().setValue(autosave.AUTOSAVE_MINUTES, 2)
    saver.reload_settings()
    assert saver.interval_ms() == 120_000


def test_default_interval_is_two_minutes(saved_project, make_saver):
    assert make_saver(saved_project).interval_ms() == 120_000


def test_save_during_background_write_leaves_no_copy(
    qtbot, saved_project, make_saver, base
):
    saver = make_saver(saved_project)
    rename_events(saved_project)
    with qtbot.waitSignal(saver._sig_done, timeout=5000):
        assert saver.autosave_in_background()
        save_project(saved_project, saved_project.path)  # while it writes
    assert recovery.find_recoveries(base) == []


def test_switching_project_deletes_the_old_copy(
    saved_project, make_saver, base, tiny_table
):
    from sahelgis.ui.project_files import new_project

    saver = make_saver(saved_project)
    rename_events(saved_project)
    written = saver.autosave_now()
    other = new_project()
    saver.set_project(other)  # the user chose Discard in "Unsaved changes"
    assert not written.exists()
    rename_events(saved_project, "old project, no longer followed")
    assert saver.autosave_now() is None
    assert saver.project is other


def test_clean_close_deletes_the_copy_and_stops(saved_project, make_saver):
    saver = make_saver(saved_project)
    rename_events(saved_project)
    written = saver.autosave_now()
    saver.close()
    assert not written.exists()
    assert saver.interval_ms() == 0
    assert saved_project.modified  # closing did not touch the project


def test_autosave_all_for_the_crash_handler(saved_project, make_saver, monkeypatch):
    saver = make_saver(saved_project)
    rename_events(saved_project)
    assert autosave_all() == [
        recovery.recovery_path_for(saved_project.path, saver.base)
    ]

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(recovery, "write_recovery", broken)
    rename_events(saved_project, "changed again")
    assert autosave_all() == []  # logged, never raised


def test_offer_recovery_recovers_the_change(saved_project, make_saver, base):
    path = saved_project.path
    saver = make_saver(saved_project)
    rename_events(saved_project, "recover me")
    saver.autosave_now()  # then the app "crashes": no clean close
    asked = []

    def ask(item):
        asked.append(item)
        return True

    project = offer_recovery(None, base, ask=ask)
    assert [item.project_path for item in asked] == [path]
    assert project is not None
    assert project.event_layers()[0].name == "recover me"
    assert project.modified
    assert project.path == path
    assert recovery.INFO_KEY not in project.extra_state
    # the copy stays until the recovered project is saved or closed cleanly
    copy = recovery.recovery_path_for(path, base)
    assert copy.exists()
    again = make_saver(project)
    save_project(project, path)
    assert not copy.exists()
    assert not again.project.modified


def test_offer_recovery_discard_and_later(saved_project, make_saver, base):
    saver = make_saver(saved_project)
    rename_events(saved_project)
    written = saver.autosave_now()
    assert offer_recovery(None, base, ask=lambda item: None) is None
    assert written.exists()  # "Not now" keeps it
    assert offer_recovery(None, base, ask=lambda item: False) is None
    assert not written.exists()


def test_stale_copy_is_deleted_without_asking(saved_project, make_saver, base):
    import os
    import time

    saver = make_saver(saved_project)
    rename_events(saved_project)
    written = saver.autosave_now()
    later = time.time() + 60
    os.utime(saved_project.path, (later, later))  # saved after the copy

    def ask(item):
        raise AssertionError("a stale copy must not be offered")

    assert offer_recovery(None, base, ask=ask) is None
    assert not written.exists()


def test_recover_dialog_asks_and_returns_the_answer(qtbot, saved_project, make_saver):
    saver = make_saver(saved_project)
    rename_events(saved_project)
    saver.autosave_now()
    (found,) = recovery.find_recoveries(saver.base)
    seen = {}

    def answer(label):
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        seen["text"] = box.text()
        (button,) = (b for b in box.buttons() if b.text() == label)
        button.click()

    expected = f"{found.saved_at.astimezone():%H:%M}"
    QTimer.singleShot(0, lambda: answer("Recover"))
    assert autosave.ask_recover(found) is True
    assert seen["text"] == (
        "SahelGIS closed unexpectedly. Recover the unsaved changes to p.gpkg "
        f"from {expected}?"
    )
    QTimer.singleShot(0, lambda: answer("Discard"))
    assert autosave.ask_recover(found) is False
    QTimer.singleShot(0, lambda: answer("Not now"))
    assert autosave.ask_recover(found) is None


def test_repeated_crash_autosaves_write_once(saved_project, make_saver, monkeypatch):
    make_saver(saved_project)
    rename_events(saved_project)
    real = recovery.write_recovery
    calls = []

    def counting(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(recovery, "write_recovery", counting)
    first = autosave_all()
    assert autosave_all() == first  # an error in every repaint: no rewrite
    assert len(calls) == 1
    rename_events(saved_project, "changed again")
    assert autosave_all() == first
    assert len(calls) == 2
