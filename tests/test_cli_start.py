"""Starting ``sahelgis``: --help lists every subcommand, unknown ones are
errors, and a start without a display says how to run instead of aborting."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sahelgis.__main__ import main
from sahelgis.analysis.registry import ANALYSES
from sahelgis.app import display_problem
from sahelgis.cli import SUBCOMMAND_HELP, SUBCOMMANDS, unknown_subcommand

REPO = Path(__file__).resolve().parents[1]


def test_help_lists_every_subcommand_with_a_one_line_description(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    listed = {}
    for line in out.split("subcommands", 1)[1].splitlines():
        words = line.split(maxsplit=1)
        if len(words) == 2 and line.startswith("  ") and not line.startswith("   "):
            listed[words[0]] = words[1]
    for name in [*SUBCOMMANDS, *ANALYSES]:
        assert name in listed, name
        assert len(listed[name]) > 20, (name, listed[name])


@pytest.mark.parametrize("name", SUBCOMMANDS)
def test_every_listed_subcommand_runs_its_own_help(name, capsys):
    assert SUBCOMMAND_HELP[name][1].endswith(".")
    try:
        code = main([name, "--help"])
    except SystemExit as stop:  # argparse's own exit
        code = stop.code
    assert code == 0
    assert f"sahelgis {name}" in capsys.readouterr().out


def test_an_unknown_subcommand_is_an_error_with_a_suggestion(capsys):
    assert main(["exprot", "demo.gpkg"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "unknown subcommand 'exprot'" in err[0]
    assert "did you mean 'export'?" in err[0]


def test_paths_and_options_are_not_taken_for_subcommands(tmp_path):
    existing = tmp_path / "project"
    existing.write_text("x")
    assert unknown_subcommand(["nara.gpkg"]) is None
    assert unknown_subcommand(["./nara"]) is None
    assert unknown_subcommand([str(existing)]) is None
    assert unknown_subcommand(["--snapshot", "x.png"]) is None
    assert unknown_subcommand([]) is None
    assert unknown_subcommand(["corridor"]) is None
    assert unknown_subcommand(["frobnicate"]) is not None


def test_a_missing_project_is_reported_before_qt_starts(tmp_path, capsys):
    assert main([str(tmp_path / "gone.gpkg")]) == 1
    assert "gone.gpkg: file not found" in capsys.readouterr().err


def test_display_problem_without_and_with_a_display(tmp_path):
    sockets = tmp_path / "x11"
    sockets.mkdir()
    (sockets / "X0").touch()
    linux = {"platform": "linux", "x11_sockets": sockets}
    assert "DISPLAY is not set" in str(display_problem({}, **linux))
    assert "offscreen" in str(display_problem({}, **linux))
    assert display_problem({"DISPLAY": ":0"}, **linux) is None
    assert display_problem({"DISPLAY": ":0.0"}, **linux) is None
    assert "DISPLAY=:7" in str(display_problem({"DISPLAY": ":7"}, **linux))
    assert display_problem({"DISPLAY": "localhost:10.0"}, **linux) is None
    assert display_problem({"WAYLAND_DISPLAY": "wayland-0"}, **linux) is None
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}, **linux) is None
    assert display_problem({}, platform="win32") is None
    assert display_problem({}, platform="darwin") is None


def _headless_env() -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    env["PYTHONPATH"] = str(REPO)
    return env


@pytest.mark.skipif(sys.platform != "linux", reason="the X11 check is Linux's")
def test_start_without_a_display_prints_one_line_not_a_qt_abort():
    run = subprocess.run(
        [sys.executable, "-m", "sahelgis"],
        env=_headless_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 1, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith("sahelgis: no display")
    assert "QT_QPA_PLATFORM=offscreen" in lines[0]
    assert "qt.qpa" not in run.stderr
