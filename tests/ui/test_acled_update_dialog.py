"""File > Update from ACLED…: the dialog drives an update against a local server."""

from __future__ import annotations

import csv

import keyring
import pytest
from keyring.backend import KeyringBackend
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox, QProgressDialog

from sahelgis.io.acled import read_acled
from sahelgis.io.acled_credentials import ENV_PASSWORD, SERVICE
from sahelgis.io.acled_update import STATE_KEY
from sahelgis.model.layer_factory import event_layer
from sahelgis.ui import settings as app_settings
from sahelgis.ui.acled_update_dialog import EMAIL_KEY, AcledRequest
from sahelgis.ui.project_files import new_project
from tests.acled_server import (
    BASE_TIMESTAMP,
    EMAIL,
    PASSWORD,
    FakeAcled,
    fake_acled,
    synthetic_rows,
)


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.store.get((service, username))

    def set_password(self, service, username, password):
        self.store[(service, username)] = password

    def delete_password(self, service, username):
        self.store.pop((service, username), None)


@pytest.fixture
def ring(monkeypatch):
    previous = keyring.get_keyring()
    memory = MemoryKeyring()
    keyring.set_keyring(memory)
    monkeypatch.delenv(ENV_PASSWORD, raising=False)
    yield memory
    keyring.set_keyring(previous)


@pytest.fixture
def project_and_api(tmp_path):
    rows = synthetic_rows(15)
    path = tmp_path / "first.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows[:10])
    table, _ = read_acled(path)
    project = new_project()
    layer = event_layer(table, path)
    project.add_layer(layer)
    project.undo_stack.clear()
    project.mark_saved()
    served = [dict(r) for r in rows]
    for i in range(10, 15):
        served[i]["timestamp"] = str(BASE_TIMESTAMP + 100 + i)
        served[i]["event_date"] = "2024-06-15"
        served[i]["year"] = "2024"
    served[1]["notes"] = "[SYNTHETIC] revised"
    served[1]["timestamp"] = str(BASE_TIMESTAMP + 100)
    deleted = [{"event_id_cnty": "SYN00003", "deleted_timestamp": BASE_TIMESTAMP + 9}]
    return project, layer, FakeAcled(events=served, deleted=deleted)


def test_menu_has_update_from_acled(make_main_window):
    window = make_main_window(new_project())
    texts = [a.text() for a in window.findChildren(type(window.undo_action))]
    assert "&Update from ACLED…" in texts


def test_dialog_drives_an_update(
    make_main_window, project_and_api, qtbot, ring, monkeypatch
):
    project, layer, api = project_and_api
    window = make_main_window(project)
    with fake_acled(api):
        monkeypatch.setattr("sahelgis.ui.imports.API_URL", api.url)
        dialog = window.update_from_acled_dialog()
        assert dialog.countries.text() == "Mali"
        assert (
            dialog.start.date().toString("yyyy-MM-dd")
            == str(layer.events.date_range()[0])[:10]
        )
        dialog.email.setText(EMAIL)
        dialog.password.setText(PASSWORD)
        dialog.remember.setChecked(True)
        dialog.findChild(QDialogButtonBox).button(
            QDialogButtonBox.StandardButton.Ok
        ).click()
        qtbot.waitUntil(
            lambda: window.statusBar().currentMessage().startswith("ACLED update"),
            timeout=10_000,
        )
    message = window.statusBar().currentMessage()
    assert message == (
        "ACLED update: 5 added, 1 changed, 1 deleted, 8 unchanged; "
        "password kept in the system keyring"
    )
    assert len(project.layer(layer.id).events) == 14
    assert project.modified
    assert project.undo_stack.undo_text() == "Update from ACLED"
    assert project.extra_state[STATE_KEY]["timestamp"] == BASE_TIMESTAMP + 114
    assert ring.store[(SERVICE, EMAIL)] == PASSWORD
    assert app_settings.settings().value(EMAIL_KEY) == EMAIL
    secret = AcledRequest(EMAIL, PASSWORD, True, ["Mali"], "2024-01-01", "2024-02-01")
    assert PASSWORD not in repr(secret)
    box = window.findChild(QMessageBox, "acled_update_summary")
    assert box is not None
    assert box.text().startswith("ACLED update: 5 added")
    box.close()
    window.undo_action.trigger()
    assert project.layer(layer.id).events is layer.events


def test_a_hung_server_never_blocks_the_window_and_cancel_ends_it(
    make_main_window, project_and_api, qtbot, ring, monkeypatch
):
    shown = []
    monkeypatch.setattr(
        "sahelgis.ui.main_window.QMessageBox.warning",
        lambda parent, title, text: shown.append((title, text)),
    )
    project, layer, api = project_and_api
    window = make_main_window(project)
    api.fail["/api/acled/read"] = "hang"
    request = AcledRequest(EMAIL, PASSWORD, False, ["Mali"], "2023-01-01", "2024-12-31")
    with fake_acled(api):
        window.update_from_acled(request, base_url=api.url, timeout=30)
        qtbot.waitUntil(
            lambda: any(r[1] == "/api/acled/read" for r in api.requests), timeout=5000
        )
        ticks = []
        qtbot.waitUntil(lambda: ticks.append(1) or len(ticks) > 3)  # GUI runs
        (progress,) = window.findChildren(QProgressDialog)
        progress.canceled.emit()  # the Cancel button
        qtbot.waitUntil(
            lambda: (
                window.statusBar().currentMessage()
                == "ACLED update cancelled — the project is unchanged"
            ),
            timeout=1000,
        )
    assert project.layer(layer.id).events is layer.events
    assert not project.modified
    assert shown == []  # a cancelled update says nothing more


def test_offline_is_one_line(
    make_main_window, project_and_api, qtbot, ring, monkeypatch
):
    import socket

    shown = []
    monkeypatch.setattr(
        "sahelgis.ui.main_window.QMessageBox.warning",
        lambda parent, title, text: shown.append((title, text)),
    )
    project, _layer, _ = project_and_api
    window = make_main_window(project)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    request = AcledRequest(EMAIL, PASSWORD, False, ["Mali"], "2023-01-01", "2024-12-31")
    window.update_from_acled(request, base_url=f"http://127.0.0.1:{port}")
    qtbot.waitUntil(lambda: bool(shown), timeout=5000)
    title, text = shown[0]
    assert title == "Update from ACLED"
    assert text.startswith("no network: could not reach 127.0.0.1")
    assert "\n" not in text
    assert not project.modified
