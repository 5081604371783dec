"""Plan, fetch and apply an ACLED update; credentials from a test keyring."""

from __future__ import annotations

import csv

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import null

from sahelgis.io.acled import read_acled
from sahelgis.io.acled_api import AcledApiError
from sahelgis.io.acled_credentials import (
    ENV_PASSWORD,
    SERVICE,
    forget_password,
    keyring_password,
    password_for,
    remember_password,
)
from sahelgis.io.acled_update import (
    STATE_KEY,
    UNDO_TEXT,
    apply_update,
    fetch_update,
    plan_update,
)
from sahelgis.io.project_file import load_project, save_project
from sahelgis.model.layer_factory import event_layer
from sahelgis.model.project import Project
from tests.acled_server import (
    BASE_TIMESTAMP,
    EMAIL,
    PASSWORD,
    FakeAcled,
    fake_acled,
    synthetic_rows,
)


class MemoryKeyring(KeyringBackend):
    """A keyring in a dict: tests never touch the user's real keyring."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)


@pytest.fixture
def memory_keyring(monkeypatch):
    previous = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    monkeypatch.delenv(ENV_PASSWORD, raising=False)
    yield ring
    keyring.set_keyring(previous)


def write_csv(rows, path):
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def scenario(tmp_path):
    """A project holding 15 SYNTHETIC events imported from a CSV, and a server
    where 2 of them changed, 5 were added and 1 was deleted since."""
    rows = synthetic_rows(20)
    table, _ = read_acled(write_csv(rows[:15], tmp_path / "first.csv"))
    layer = event_layer(table, tmp_path / "first.csv")
    project = Project([layer])
    served = [dict(r) for r in rows]
    for i in (2, 3):
        served[i]["notes"] = f"[SYNTHETIC] test event {i} revised"
        served[i]["timestamp"] = str(BASE_TIMESTAMP + 100 + i)
    for i in range(15, 20):
        served[i]["timestamp"] = str(BASE_TIMESTAMP + 100 + i)
        served[i]["event_date"] = f"2024-12-1{i - 15}"  # within the layer's dates
        served[i]["year"] = "2024"
    served.append(dict(rows[0], event_id_cnty="SYN90000", country="Niger"))
    deleted = [{"event_id_cnty": "SYN00004", "deleted_timestamp": BASE_TIMESTAMP + 300}]
    return project, layer, FakeAcled(events=served, deleted=deleted)


def test_plan_takes_countries_dates_and_timestamp_from_the_layer(tmp_path):
    project, layer, _ = scenario(tmp_path)
    plan = plan_update(project)
    assert plan.layer_id == layer.id
    assert plan.query.countries == ("Mali",)
    assert plan.query.start == str(layer.events.date_range()[0])[:10]
    assert plan.query.since == BASE_TIMESTAMP + 14
    assert plan.deleted_since == BASE_TIMESTAMP + 14


def test_update_upserts_deletes_and_is_one_undo_entry(tmp_path):
    project, layer, api = scenario(tmp_path)
    old_events = layer.events
    with fake_acled(api):
        result = fetch_update(plan_update(project), EMAIL, PASSWORD, base_url=api.url)
    assert result.summary.describe() == "5 added, 2 changed, 1 deleted, 12 unchanged"
    line = apply_update(project, result)
    assert line.startswith("ACLED update: 5 added")
    updated = project.layer(layer.id)
    assert layer.name.endswith("(15)")
    assert updated.name == layer.name.replace("(15)", "(19)")
    ids = set(updated.events.frame["event_id_cnty"])
    assert len(ids) == 19
    assert "SYN00004" not in ids
    assert "SYN90000" not in ids  # Niger was not asked for
    notes = dict(
        zip(
            updated.events.frame["event_id_cnty"],
            updated.events.frame["notes"].astype(str),
            strict=True,
        )
    )
    assert notes["SYN00002"].endswith("revised")
    assert project.modified
    assert project.undo_stack.undo_text() == UNDO_TEXT
    assert project.extra_state[STATE_KEY]["timestamp"] == BASE_TIMESTAMP + 119
    assert project.extra_state[STATE_KEY]["deleted_timestamp"] == BASE_TIMESTAMP + 300
    project.undo_stack.undo()
    assert project.layer(layer.id).events is old_events
    assert STATE_KEY not in project.extra_state
    project.undo_stack.redo()
    assert len(project.layer(layer.id).events) == 19


def test_the_saved_state_makes_the_next_update_ask_only_for_changes(tmp_path):
    project, _layer, api = scenario(tmp_path)
    with fake_acled(api):
        apply_update(
            project,
            fetch_update(plan_update(project), EMAIL, PASSWORD, base_url=api.url),
        )
        path = save_project(project, tmp_path / "p.gpkg")
        reopened = load_project(path)
        assert not reopened.load_warnings
        plan = plan_update(reopened)
        assert plan.query.since == BASE_TIMESTAMP + 119
        assert plan.deleted_since == BASE_TIMESTAMP + 300
        again = fetch_update(plan, EMAIL, PASSWORD, base_url=api.url)
    # the newest event is sent again (>=) and found identical
    assert again.summary.describe() == "0 added, 0 changed, 0 deleted, 19 unchanged"
    reads = [r[2] for r in api.requests if r[1] == "/api/acled/read"]
    assert reads[-1]["timestamp"] == str(BASE_TIMESTAMP + 119)
    assert PASSWORD not in path.read_bytes().decode("latin-1")


def test_a_layer_changed_during_the_update_is_not_overwritten(tmp_path):
    project, layer, api = scenario(tmp_path)
    with fake_acled(api):
        result = fetch_update(plan_update(project), EMAIL, PASSWORD, base_url=api.url)
    project.remove_layer(layer.id)
    with pytest.raises(AcledApiError, match="changed while the update ran"):
        apply_update(project, result)


def test_a_project_without_acled_layer_gets_a_new_one(tmp_path):
    project = Project()
    with pytest.raises(AcledApiError, match="which countries"):
        plan_update(project)
    with fake_acled(FakeAcled(events=synthetic_rows(7))) as api:
        plan = plan_update(project, countries=["Mali"], start="2023-01-01")
        result = fetch_update(plan, EMAIL, PASSWORD, base_url=api.url)
    apply_update(project, result)
    (layer,) = project.event_layers()
    assert len(layer.events) == 7
    assert layer.synthetic  # the fake server's rows say SYNTHETIC
    assert "SYNTHETIC" in layer.name
    assert project.extra_state[STATE_KEY]["layer_id"] == layer.id


def test_password_from_environment_keyring_or_ask(memory_keyring, monkeypatch):
    with pytest.raises(AcledApiError, match=r"no ACLED password for a@b\.org"):
        password_for("a@b.org")
    assert password_for("a@b.org", lambda: "typed") == "typed"
    assert remember_password("a@b.org", "stored") is None
    assert memory_keyring.store[(SERVICE, "a@b.org")] == "stored"
    assert keyring_password("a@b.org") == "stored"
    assert password_for("a@b.org") == "stored"
    monkeypatch.setenv(ENV_PASSWORD, "from-env")
    assert password_for("a@b.org") == "from-env"
    forget_password("a@b.org")
    assert keyring_password("a@b.org") is None


def test_a_missing_keyring_is_no_stored_password(monkeypatch):
    previous = keyring.get_keyring()
    keyring.set_keyring(null.Keyring())
    monkeypatch.delenv(ENV_PASSWORD, raising=False)
    try:
        assert keyring_password("a@b.org") is None
        assert remember_password("a@b.org", "x") == "the system keyring did not keep it"
        with pytest.raises(AcledApiError):
            password_for("a@b.org")
    finally:
        keyring.set_keyring(previous)


def test_real_events_never_go_into_a_synthetic_layer(tmp_path):
    project, layer, api = scenario(tmp_path)
    for row in api.events:
        row["source"] = "Local partner"  # a real-looking row: not SYNTHETIC
        row["notes"] = row["notes"].replace("[SYNTHETIC] ", "")
    with fake_acled(api):
        result = fetch_update(plan_update(project), EMAIL, PASSWORD, base_url=api.url)
    apply_update(project, result)
    assert project.layer(layer.id).events is layer.events
    assert len(project.event_layers()) == 2
    # the new layer has every event of the period, not only the recent changes
    new = next(x for x in project.event_layers() if x.id != layer.id)
    assert len(new.events) == 20
    assert not new.synthetic
    reads = [r[2] for r in api.requests if r[1] == "/api/acled/read"]
    assert "timestamp" in reads[0]
    assert "timestamp" not in reads[-1]


def test_a_damaged_update_state_is_reset_with_one_line(tmp_path):
    from sahelgis.io.project_file import read_state
    from sahelgis.io.project_schema import check_state

    path = save_project(Project(), tmp_path / "p.gpkg")
    raw = read_state(path)
    raw["extra"][STATE_KEY] = {"timestamp": "yesterday", "countries": ["Mali"]}
    result = check_state(path, raw)
    assert result.state["extra"][STATE_KEY] is None
    (line,) = result.warnings
    assert line.startswith("p.gpkg: extra.acled_update"), line
    good = {"timestamp": 1_700_000_000, "countries": ["Mali"], "start": "2024-01-01"}
    raw["extra"][STATE_KEY] = good
    assert (
        check_state(path, raw).state["extra"][STATE_KEY]["timestamp"] == 1_700_000_000
    )
