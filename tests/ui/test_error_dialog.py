import sys
import threading

from PySide6.QtGui import QGuiApplication

from sahelgis import app as app_module
from sahelgis.ui.error_dialog import ErrorDialog


def test_copy_details_puts_message_and_traceback_on_clipboard(qtbot):
    dialog = ErrorDialog("Something went wrong: boom", "Traceback ...\nValueError")
    qtbot.addWidget(dialog)
    dialog.copy_button.click()
    text = QGuiApplication.clipboard().text()
    assert text.startswith("Something went wrong: boom")
    assert "ValueError" in text


def test_excepthook_logs_autosaves_and_shows_the_dialog(qtbot, tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr(ErrorDialog, "exec", lambda self: shown.append(self) or 0)
    monkeypatch.setattr(app_module, "autosave_all", lambda: True)
    old, old_thread = sys.excepthook, threading.excepthook
    try:
        app_module.install_excepthook(tmp_path / "sahelgis.log")
        try:
            raise ValueError("boom")
        except ValueError as exc:
            sys.excepthook(type(exc), exc, exc.__traceback__)
    finally:
        sys.excepthook, threading.excepthook = old, old_thread
    assert len(shown) == 1
    assert "boom" in shown[0].message.text()
    assert "recovery file" in shown[0].message.text()
    assert "ValueError: boom" in shown[0].details.toPlainText()
