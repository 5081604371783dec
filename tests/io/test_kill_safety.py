"""A kill (SIGKILL) during a save or an autosave never damages the last good file.

The test starts this file as a helper process. The helper imports SahelGIS once,
then for each round forks a child that loads the project and saves it in a loop
(state ``n`` = start, start + 1, …; each save changes the project), and kills the
child with SIGKILL at a random moment 0–300 ms after it started saving. After
each kill the test checks, in its own process, that the file loads and holds
either the last state the child reported saved or the next one, and that no
temporary file looks like a project or a recovery file.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path

import geopandas as gpd
import pytest

from sahelgis.io import project_file, recovery
from sahelgis.io.project_file import load_project, save_project
from sahelgis.model.layer_factory import event_layer
from sahelgis.model.layers import VectorLayer
from sahelgis.model.project import Project

ROUNDS = 15
MAX_DELAY_S = 0.3
SEED = 20240506
EVENTS_NAME = "v{n}"
START_STEP = 1000  # round k writes states 1000 * (k + 1), 1000 * (k + 1) + 1, …


# -- what each save writes, and how to check it --------------------------------
def towns_layer():
    """Three towns: the layer a save adds (even states) or removes (odd ones)."""
    towns = gpd.GeoDataFrame(
        {"name": ["Nara", "Banamba", "Kati"]},
        geometry=gpd.points_from_xy([-7.29, -7.45, -8.07], [15.17, 13.55, 12.74]),
        crs="EPSG:4326",
    )
    return VectorLayer(name="towns", data=towns)


def apply_state(project, n, towns_layer):
    """Change the project to state ``n`` (name, layer set, window, extra)."""
    events = project.event_layers()[0]
    project.rename_layer(events.id, EVENTS_NAME.format(n=n))
    has_towns = any(layer.id == towns_layer.id for layer in project.layers)
    if n % 2 == 0 and not has_towns:
        project.add_layer(towns_layer, index=len(project.layers))
    elif n % 2 == 1 and has_towns:
        project.remove_layer(towns_layer.id)
    project.time_window.set_window("2018-01-01", f"{2018 + n % 7}-12-31")
    project.extra_state["n"] = n


def state_of(project, reference_events):
    """The state ``n`` a loaded project holds, checking it is whole."""
    import pandas as pd

    n = project.extra_state["n"]
    events = project.event_layers()[0]
    assert events.name == EVENTS_NAME.format(n=n)
    names = [layer.name for layer in project.layers]
    assert len(names) == (2 if n % 2 == 0 else 1), (n, names)
    towns = [layer for layer in project.layers if layer.name == "towns"]
    assert [layer.feature_count for layer in towns] == ([3] if n % 2 == 0 else [])
    assert project.time_window.to_dict()["end"] == f"{2018 + n % 7}-12-31"
    pd.testing.assert_frame_equal(events.events.frame, reference_events)
    return n


# -- the helper process --------------------------------------------------------
def _child(mode, path, base, start, out_fd):
    project = project_file.load_project(path)
    towns = next(
        (layer for layer in project.layers if layer.name == "towns"), towns_layer()
    )
    os.write(out_fd, b"start\n")
    n = start
    while True:
        apply_state(project, n, towns)
        if mode == "save":
            project_file.save_project(project, path)
        else:
            recovery.write_recovery(project, base)
        os.write(out_fd, f"{n}\n".encode())
        n += 1


def _read_until(fd, marker, timeout):
    data = b""
    deadline = time.monotonic() + timeout
    while marker not in data:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            raise TimeoutError(f"child said {data!r}")
        chunk = os.read(fd, 4096)
        if not chunk:
            raise EOFError(f"child exited, said {data!r}")
        data += chunk
    return data


def _read_all(fd):
    data = b""
    while chunk := os.read(fd, 65536):
        data += chunk
    return data


def helper(mode, path, base, rounds, seed):
    """Fork, let the child save, kill it; report each round as a JSON line."""
    import random

    rng = random.Random(seed)
    for k in range(rounds):
        delay = rng.uniform(0.0, MAX_DELAY_S)
        start = START_STEP * (k + 1)
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: save until killed
            os.close(read_fd)
            try:
                _child(mode, path, base, start, write_fd)
            except BaseException:  # noqa: BLE001 - reported through the exit code
                traceback.print_exc()
            os._exit(3)
        os.close(write_fd)
        try:
            early = _read_until(read_fd, b"start\n", timeout=20)
            time.sleep(delay)
            os.kill(pid, signal.SIGKILL)
        finally:
            _, status = os.waitpid(pid, 0)
        said = (early + _read_all(read_fd)).decode().split()
        os.close(read_fd)
        saved = [int(word) for word in said if word != "start"]
        report = {
            "round": k,
            "delay_ms": round(delay * 1000, 1),
            "start": start,
            "saves": len(saved),
            "last": saved[-1] if saved else None,
            "killed": os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL,
        }
        sys.stdout.write(json.dumps(report) + "\n")
        sys.stdout.flush()
        if sys.stdin.readline().strip() != "next":
            return


# -- the test ------------------------------------------------------------------
pytestmark = pytest.mark.skipif(
    not hasattr(os, "fork"), reason="needs fork and SIGKILL (POSIX)"
)


@pytest.fixture
def first_version(tiny_table, tmp_path):
    """A project in state 0, saved as work/p.gpkg."""
    towns = towns_layer()
    project = Project([towns])
    project.add_layer(event_layer(tiny_table, "tiny.csv"))
    apply_state(project, 0, towns)
    path = save_project(project, tmp_path / "work" / "p.gpkg")
    return project, path


def run_helper(mode, path, base, check):
    """Run the helper; call ``check(report)`` after each kill."""
    args = [mode, str(path), str(base), str(ROUNDS), str(SEED)]
    proc = subprocess.Popen(
        [sys.executable, __file__, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    watchdog = threading.Timer(60, proc.kill)
    watchdog.start()
    reports = []
    try:
        for _ in range(ROUNDS):
            line = proc.stdout.readline()
            assert line, proc.stderr.read()
            report = json.loads(line)
            assert report["killed"], (report, proc.stderr.read())
            check(report)
            reports.append(report)
            proc.stdin.write("next\n")
            proc.stdin.flush()
        proc.stdin.close()
        assert proc.wait(10) == 0, proc.stderr.read()
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    return reports


def allowed(report, previous):
    """States the file may hold after a kill: the last saved or the next."""
    if report["last"] is None:
        return {previous, report["start"]}
    return {report["last"], report["last"] + 1}


def summary(mode, reports, mid_write):
    saves = sum(r["saves"] for r in reports)
    sys.stderr.write(
        f"\n{mode}: {len(reports)} kills, all readable; {saves} completed "
        f"writes; {mid_write} kills left a temporary file (mid-write); delays "
        f"{sorted(r['delay_ms'] for r in reports)} ms\n"
    )


def test_kill_during_save_keeps_a_whole_project(first_version, tmp_path):
    _, path = first_version
    reference = load_project(path).event_layers()[0].events.frame
    folder = path.parent
    state = {"n": 0, "temps": set(), "mid_write": 0}

    def check(report):
        visible = {p.name for p in folder.iterdir() if not p.name.startswith(".")}
        assert visible <= {"p.gpkg", "p.bak.gpkg"}, visible
        temps = {p.name for p in folder.iterdir() if p.name.startswith(".")}
        assert all(".tmp-" in t or ".bak-" in t or t.endswith(".lock") for t in temps)
        state["mid_write"] += bool(temps - state["temps"])
        state["temps"] = temps
        n = state_of(load_project(path), reference)
        assert n in allowed(report, state["n"]), (n, report)
        backup = folder / "p.bak.gpkg"
        if backup.exists():
            assert state_of(load_project(backup), reference) <= n
        state["n"] = n

    reports = run_helper("save", path, tmp_path / "unused", check)
    assert sum(r["saves"] for r in reports) > 0
    summary("save", reports, state["mid_write"])


def test_kill_during_autosave_keeps_a_whole_copy(first_version, tmp_path):
    project, path = first_version
    project_bytes = path.read_bytes()
    reference = load_project(path).event_layers()[0].events.frame
    base = tmp_path / "data"
    recovery.write_recovery(project, base)  # a copy in state 0
    folder = recovery.recovery_dir(base)
    state = {"n": 0, "temps": set(), "mid_write": 0}

    def check(report):
        (found,) = recovery.find_recoveries(base)
        assert found.project_path == path
        visible = [p.name for p in folder.iterdir() if not p.name.startswith(".")]
        assert visible == [found.path.name]
        temps = {p.name for p in folder.iterdir() if p.name.startswith(".")}
        state["mid_write"] += bool(temps - state["temps"])
        state["temps"] = temps
        recovered = recovery.load_recovery(found)
        assert recovered.path == path
        assert recovered.modified
        n = state_of(recovered, reference)
        assert n in allowed(report, state["n"]), (n, report)
        assert path.read_bytes() == project_bytes  # the project file untouched
        state["n"] = n

    reports = run_helper("recovery", path, base, check)
    assert sum(r["saves"] for r in reports) > 0
    summary("recovery", reports, state["mid_write"])
    recovery.remove_stale_temp_files(base)
    assert [p.name for p in folder.iterdir()] == [
        recovery.recovery_path_for(path, base).name
    ]


if __name__ == "__main__":
    helper(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), *map(int, sys.argv[4:]))
