import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import geopandas as gpd
import pandas as pd
import pytest

from sahelgis.errors import ProjectFileError
from sahelgis.io import project_file, recovery
from sahelgis.io.project_file import load_project, save_project
from sahelgis.model.layer_factory import event_layer
from sahelgis.model.layers import VectorLayer
from sahelgis.model.project import Project


@pytest.fixture
def project(tiny_table):
    towns = gpd.GeoDataFrame(
        {"name": ["Nara", "Banamba", "Kati"]},
        geometry=gpd.points_from_xy([-7.29, -7.45, -8.07], [15.17, 13.55, 12.74]),
        crs="EPSG:4326",
    )
    project = Project([VectorLayer(name="towns", data=towns)])
    project.add_layer(event_layer(tiny_table, "tiny.csv"))
    project.undo_stack.clear()
    project.mark_saved()
    return project


@pytest.fixture
def saved(project, tmp_path):
    """The project saved to disk, then changed (a rename) and not saved."""
    save_project(project, tmp_path / "work" / "p.gpkg")
    project.rename_layer(project.layers[0].id, "changed")
    assert project.modified
    return project


@pytest.fixture
def dead_pid():
    """The id of a process that has exited (and been reaped)."""
    done = subprocess.Popen([sys.executable, "-c", "pass"])
    done.wait()
    return done.pid


def visible_files(folder):
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))


def test_recovery_names(tmp_path):
    base = tmp_path / "data"
    one = recovery.recovery_path_for(tmp_path / "a" / "analysis.gpkg", base)
    two = recovery.recovery_path_for(tmp_path / "b" / "analysis.gpkg", base)
    assert one.parent == base / "recovery"
    assert one.name.startswith("analysis-")
    assert one.name.endswith(".recovery.gpkg")
    assert one != two
    assert one == recovery.recovery_path_for(tmp_path / "a" / "analysis.gpkg", base)
    untitled = recovery.recovery_path_for(None, base)
    assert untitled.name == f"untitled-{os.getpid()}.recovery.gpkg"


def test_write_recovery_leaves_project_and_its_file_alone(saved, tmp_path):
    path = saved.path
    before = path.read_bytes()
    undo_index = saved.undo_stack.index
    written = recovery.write_recovery(saved, tmp_path / "data")
    assert written == recovery.recovery_path_for(path, tmp_path / "data")
    assert saved.path == path
    assert saved.modified
    assert saved.undo_stack.index == undo_index
    assert recovery.INFO_KEY not in saved.extra_state
    assert path.read_bytes() == before
    assert visible_files(path.parent) == ["p.gpkg"]
    assert os.listdir(written.parent) == [written.name]  # no temp file left


def test_find_and_load_recovery(saved, tmp_path):
    base = tmp_path / "data"
    saved.set_filter(saved.event_filter.__class__(actor="JNIM"))
    saved.extra_state["note"] = "kept"
    start = datetime.now(UTC) - timedelta(seconds=1)
    recovery.write_recovery(saved, base)
    (found,) = recovery.find_recoveries(base)
    assert found.project_path == saved.path
    assert found.pid == os.getpid()
    assert start <= found.saved_at <= datetime.now(UTC)
    assert found.project_name == "p.gpkg"
    assert not found.stale
    recovered = recovery.load_recovery(found)
    assert recovered.path == saved.path
    assert recovered.modified
    assert recovered.layers[0].name == "changed"
    assert recovered.event_filter == saved.event_filter
    assert recovered.extra_state == {"note": "kept"}
    assert recovered.time_window.to_dict() == saved.time_window.to_dict()
    pd.testing.assert_frame_equal(
        recovered.layers[0].events.frame, saved.layers[0].events.frame
    )
    recovery.discard(found)
    assert recovery.find_recoveries(base) == []


def test_untitled_project_recovers_untitled(project, tmp_path, monkeypatch, dead_pid):
    base = tmp_path / "data"
    project.rename_layer(project.layers[0].id, "draft")
    monkeypatch.setattr(recovery.os, "getpid", lambda: dead_pid)
    written = recovery.write_recovery(project, base)
    monkeypatch.undo()
    assert written.name == f"untitled-{dead_pid}.recovery.gpkg"
    (found,) = recovery.find_recoveries(base)
    assert found.project_path is None
    assert found.project_name == "an untitled project"
    assert not found.stale
    recovered = recovery.load_recovery(found)
    assert recovered.path is None
    assert recovered.modified
    assert recovered.layers[0].name == "draft"
    # the copy now carries this process's untitled name: its autosave replaces it
    adopted = recovery.adopt(found, base)
    assert adopted == recovery.recovery_path_for(None, base)
    assert visible_files(adopted.parent) == [adopted.name]


def test_copy_older_than_its_saved_project_is_stale(saved, tmp_path):
    recovery.write_recovery(saved, tmp_path / "data")
    later = datetime.now().timestamp() + 60
    os.utime(saved.path, (later, later))
    (found,) = recovery.find_recoveries(tmp_path / "data")
    assert found.stale


def test_missing_project_file_is_not_stale(saved, tmp_path):
    recovery.write_recovery(saved, tmp_path / "data")
    saved.path.unlink()
    (found,) = recovery.find_recoveries(tmp_path / "data")
    assert not found.stale


def test_copies_of_running_sessions_are_not_offered(saved, tmp_path, monkeypatch):
    base = tmp_path / "data"
    monkeypatch.setattr(recovery.os, "getpid", os.getppid)  # a live process
    recovery.write_recovery(saved, base)
    monkeypatch.undo()
    assert recovery.find_recoveries(base) == []
    (found,) = recovery.find_recoveries(base, include_live=True)
    assert found.pid == os.getppid()


def test_process_alive(dead_pid):
    assert recovery.process_alive(os.getpid())
    assert recovery.process_alive(os.getppid())
    assert not recovery.process_alive(dead_pid)
    assert not recovery.process_alive(0)


def test_damaged_and_temporary_files_are_not_offered(saved, tmp_path):
    base = tmp_path / "data"
    folder = recovery.recovery_dir(base)
    folder.mkdir(parents=True)
    (folder / "junk-0123.recovery.gpkg").write_bytes(b"\x00junk" * 50)
    # a complete copy under a temporary name, as a kill before os.replace leaves
    recovery.write_project_copy(saved, folder / ".p-1.recovery.tmp-1-abcdef.gpkg")
    # a plain project (no recovery information) in the folder
    save_project(Project(), folder / "plain.recovery.gpkg")
    assert recovery.find_recoveries(base) == []
    with pytest.raises(ProjectFileError, match="not a SahelGIS recovery file"):
        recovery.read_recovery(folder / "plain.recovery.gpkg")


def test_remove_stale_temp_files(tmp_path, dead_pid):
    base = tmp_path / "data"
    folder = recovery.recovery_dir(base)
    folder.mkdir(parents=True)
    dead = folder / f".p-1.recovery.tmp-{dead_pid}-abc123.gpkg"
    dead_journal = folder / f".p-1.recovery.tmp-{dead_pid}-abc123.gpkg-journal"
    mine = folder / f".p-1.recovery.tmp-{os.getpid()}-abc123.gpkg"
    keep = folder / "p-1.recovery.gpkg"
    for path in (dead, dead_journal, mine, keep):
        path.write_bytes(b"x")
    assert sorted(recovery.remove_stale_temp_files(base)) == sorted(
        [dead, dead_journal]
    )
    assert sorted(p.name for p in folder.iterdir()) == sorted([mine.name, keep.name])


def test_failed_write_keeps_previous_copy(saved, tmp_path, monkeypatch):
    base = tmp_path / "data"
    written = recovery.write_recovery(saved, base)
    before = written.read_bytes()
    saved.rename_layer(saved.layers[0].id, "second change")
    real = project_file._write_table
    calls = {"n": 0}

    def failing(frame, target, table):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(28, "No space left on device")
        real(frame, target, table)

    monkeypatch.setattr(project_file, "_write_table", failing)
    with pytest.raises(OSError, match="No space"):
        recovery.write_recovery(saved, base)
    assert written.read_bytes() == before
    assert os.listdir(written.parent) == [written.name]
    (found,) = recovery.find_recoveries(base)
    assert recovery.load_recovery(found).layers[0].name == "changed"


def test_snapshot_is_detached(saved):
    copy = recovery.snapshot(saved)
    saved.rename_layer(saved.layers[0].id, "after")
    saved.remove_layer(saved.layers[1].id)
    assert copy.layers[0].name == "changed"
    assert len(copy.layers) == 2
    assert copy.path == saved.path
    assert copy.time_window.to_dict() == saved.time_window.to_dict()


def test_write_project_copy_reloads_equal(saved, tmp_path):
    target = recovery.write_project_copy(saved, tmp_path / "copy.gpkg")
    again = load_project(target)
    assert [layer.name for layer in again.layers] == [
        layer.name for layer in saved.layers
    ]
    assert saved.modified
    assert saved.path != target
