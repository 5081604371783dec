"""``sahelgis acled-update`` against a local server answering like ACLED's API."""

from __future__ import annotations

import pytest

from sahelgis.cli import main
from sahelgis.io.acled_credentials import ENV_EMAIL, ENV_PASSWORD
from sahelgis.io.acled_update import STATE_KEY
from sahelgis.io.project_file import load_project, save_project
from sahelgis.model.project import Project
from tests.acled_server import EMAIL, PASSWORD, FakeAcled, fake_acled, synthetic_rows


@pytest.fixture
def project_path(tmp_path, monkeypatch):
    monkeypatch.delenv(ENV_EMAIL, raising=False)
    monkeypatch.setenv(ENV_PASSWORD, PASSWORD)
    return save_project(Project(), tmp_path / "p.gpkg")


def test_update_writes_the_project_and_prints_the_summary(project_path, capsys):
    with fake_acled(FakeAcled(events=synthetic_rows(12))) as api:
        code = main(
            [
                "acled-update",
                str(project_path),
                "--email",
                EMAIL,
                "--country",
                "Mali",
                "--start",
                "2023-01-01",
                "--api-url",
                api.url,
                "--timeout",
                "5",
            ]
        )
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "asking ACLED for Mali; 2023-01-01 to " in out.out
    assert (
        "p.gpkg: ACLED update: 12 added, 0 changed, 0 deleted, 0 unchanged" in out.out
    )
    project = load_project(project_path)
    (layer,) = project.event_layers()
    assert len(layer.events) == 12
    assert project.extra_state[STATE_KEY]["countries"] == ["Mali"]
    assert PASSWORD.encode() not in project_path.read_bytes()


def test_wrong_password_is_one_line_and_the_project_is_unchanged(
    project_path, capsys, monkeypatch
):
    monkeypatch.setenv(ENV_PASSWORD, "wrong")
    before = project_path.read_bytes()
    with fake_acled() as api:
        code = main(
            [
                "acled-update",
                str(project_path),
                "--email",
                EMAIL,
                "--country",
                "Mali",
                "--api-url",
                api.url,
            ]
        )
    err = capsys.readouterr().err
    assert code == 1
    assert err == (
        "sahelgis: ACLED sign-in refused (401): check the e-mail and password\n"
    )
    assert project_path.read_bytes() == before


def test_offline_is_one_line(project_path, capsys):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    code = main(
        [
            "acled-update",
            str(project_path),
            "--email",
            EMAIL,
            "--country",
            "Mali",
            "--api-url",
            f"http://127.0.0.1:{port}",
        ]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("sahelgis: no network: could not reach 127.0.0.1")
    assert err.count("\n") == 1


def test_missing_email_and_countries_are_one_line(project_path, capsys):
    assert main(["acled-update", str(project_path)]) == 1
    assert "no ACLED e-mail: give --email" in capsys.readouterr().err
    assert main(["acled-update", str(project_path), "--email", EMAIL]) == 1
    assert "which countries?" in capsys.readouterr().err
