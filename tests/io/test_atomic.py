"""Atomic writes: symlinks written through, modes kept, read-only refused, locks."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from sahelgis.errors import InputError
from sahelgis.io import atomic
from sahelgis.io.atomic import (
    FileBusyError,
    OutputRefused,
    ReadOnlyError,
    atomic_target,
    guard_output,
    write_lock,
)
from sahelgis.io.project_file import load_project, save_project
from sahelgis.model.project import Project


def enter(context, ran=None):
    with context as value:
        if ran is not None:
            ran.append(value)


def write_then_fail(path):
    with atomic_target(path) as tmp:
        tmp.write_text("half")
        raise RuntimeError("disk full")


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_writes_through_a_symlink_and_the_link_stays(tmp_path):
    real = tmp_path / "real.txt"
    real.write_text("old")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    with atomic_target(link) as tmp:
        assert tmp.parent == real.parent
        tmp.write_text("new")
    assert link.is_symlink()
    assert real.read_text() == "new"


def test_keeps_the_mode_of_the_file_it_replaces(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_text("old")
    path.chmod(0o600)
    with atomic_target(path) as tmp:
        tmp.write_text("new")
        tmp.chmod(0o644)  # whatever the writer did
    assert mode_of(path) == 0o600
    assert path.read_text() == "new"


def test_a_new_file_gets_the_umask_mode(tmp_path):
    old = os.umask(0o077)
    try:
        with atomic_target(tmp_path / "new.txt") as tmp:
            tmp.write_text("x")
            tmp.chmod(0o666)
    finally:
        os.umask(old)
    assert mode_of(tmp_path / "new.txt") == 0o600


def test_read_only_file_is_refused_before_any_work(tmp_path):
    path = tmp_path / "ro.txt"
    path.write_text("keep")
    path.chmod(0o444)
    ran = []
    with pytest.raises(ReadOnlyError, match=r"^ro\.txt: is read-only") as info:
        enter(atomic_target(path), ran)
    assert "\n" not in str(info.value)
    assert ran == []
    assert path.read_text() == "keep"


def test_read_only_folder_is_refused(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(ReadOnlyError, match="read-only"):
            enter(atomic_target(folder / "x.txt"))
    finally:
        folder.chmod(0o755)


def test_nothing_written_leaves_the_target(tmp_path):
    path = tmp_path / "keep.txt"
    path.write_text("keep")
    with atomic_target(path):
        pass
    assert path.read_text() == "keep"


def test_a_failed_writer_leaves_the_target_and_no_temp(tmp_path):
    path = tmp_path / "keep.txt"
    path.write_text("keep")
    with pytest.raises(RuntimeError):
        write_then_fail(path)
    assert path.read_text() == "keep"
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == [".keep.txt.lock", "keep.txt"]


def test_lock_held_by_another_writer_gives_one_line(tmp_path):
    path = tmp_path / "P.gpkg"
    held, release = threading.Event(), threading.Event()

    def holder():
        with write_lock(path):
            held.set()
            release.wait(5)

    thread = threading.Thread(target=holder)
    thread.start()
    try:
        assert held.wait(5)
        with pytest.raises(FileBusyError) as info:
            enter(write_lock(path, timeout=0.1))
    finally:
        release.set()
        thread.join()
    assert str(info.value) == (
        "P.gpkg is being written by another SahelGIS (lock held); try again"
    )
    with write_lock(path, timeout=0.1):  # free again
        pass


def test_the_lock_is_reentrant_in_one_thread(tmp_path):
    path = tmp_path / "P.gpkg"
    with write_lock(path), write_lock(path, timeout=0.1), atomic_target(path) as tmp:
        tmp.write_text("x")
    assert path.read_text() == "x"


def test_symlink_and_target_share_one_lock(tmp_path):
    real = tmp_path / "real.gpkg"
    link = tmp_path / "link.gpkg"
    link.symlink_to(real)
    assert atomic.lock_file_for(link) == atomic.lock_file_for(real)


# -- projects ------------------------------------------------------------------
def test_save_through_a_symlink_updates_the_target(tmp_path):
    real = tmp_path / "store" / "real.gpkg"
    save_project(Project([]), real)
    link = tmp_path / "link.gpkg"
    link.symlink_to(real)
    project = load_project(link)
    project.extra_state["note"] = "second"
    save_project(project, link)
    assert link.is_symlink()
    assert load_project(real).extra_state["note"] == "second"
    assert (real.parent / "real.bak.gpkg").exists()  # backup beside the target
    assert not (tmp_path / "link.bak.gpkg").exists()


def test_save_keeps_a_private_project_private(tmp_path):
    path = save_project(Project([]), tmp_path / "p.gpkg")
    path.chmod(0o600)
    save_project(Project([]), path)
    assert mode_of(path) == 0o600


def test_save_refuses_a_read_only_project(tmp_path):
    path = save_project(Project([]), tmp_path / "p.gpkg")
    path.chmod(0o444)
    before = path.read_bytes()
    with pytest.raises(ReadOnlyError, match=r"^p\.gpkg: is read-only"):
        save_project(Project([]), path)
    assert path.read_bytes() == before


# -- outputs -------------------------------------------------------------------
def test_guard_refuses_the_input_and_any_project(tmp_path):
    project = save_project(Project([]), tmp_path / "P.gpkg")
    other = save_project(Project([]), tmp_path / "Q.gpkg")
    with pytest.raises(OutputRefused) as info:
        guard_output(project, [project])
    assert str(info.value) == "P.gpkg: is the input project; choose another output file"
    link = tmp_path / "L.gpkg"
    link.symlink_to(project)
    with pytest.raises(OutputRefused, match="is the input project"):
        guard_output(link, [project])
    with pytest.raises(OutputRefused, match=r"Q\.gpkg: is a SahelGIS project"):
        guard_output(other, [project])
    csv = tmp_path / "e.csv"
    csv.write_text("x")
    with pytest.raises(OutputRefused, match="is the input file"):
        guard_output(tmp_path / "." / "e.csv", [csv])
    guard_output(tmp_path / "out.csv", [project])  # a new file is fine


# -- drawings ------------------------------------------------------------------
@pytest.fixture
def drawing_layer():
    from shapely import Point

    from sahelgis.model import drawings as dr

    project = Project()
    layer = dr.add_drawing_layer(project, "Sketch")
    dr.add_feature(project, layer.id, Point(-8.07, 12.74), name="Kati")
    return layer


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson", ".kml", ".shp"])
def test_drawings_export_through_a_symlink_keeps_mode(tmp_path, drawing_layer, suffix):
    from sahelgis.io.drawings_io import export_drawings, import_drawings

    real = tmp_path / "real" / f"sketch{suffix}"
    export_drawings(drawing_layer, real)
    real.chmod(0o600)
    link = tmp_path / f"link{suffix}"
    link.symlink_to(real)
    if suffix == ".shp":  # several files: written beside the name given
        link = tmp_path / "real" / f"sketch{suffix}"
    export_drawings(drawing_layer, link)
    assert mode_of(real) == 0o600
    assert len(import_drawings(real).data) == 1
    hidden = [p.name for p in real.parent.iterdir() if ".tmp-" in p.name]
    assert hidden == []


def test_drawings_export_refuses_a_read_only_file(tmp_path, drawing_layer):
    from sahelgis.io.drawings_io import export_drawings

    path = tmp_path / "sketch.geojson"
    path.write_text("{}")
    path.chmod(0o444)
    with pytest.raises(ReadOnlyError, match="is read-only"):
        export_drawings(drawing_layer, path)
    assert path.read_text() == "{}"


def test_a_device_is_never_replaced_by_a_file(tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="is not a regular file"):
        enter(atomic_target(fifo))
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    with pytest.raises(InputError, match="null: is not a regular file"):
        enter(atomic_target("/dev/null"))
