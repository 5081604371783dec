"""The headless CLI: import, info, and --snapshot in a real subprocess."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sahelgis import paths
from sahelgis.__main__ import main
from sahelgis.model import acled_schema as acled

GOOD_ROW = {
    "event_id_cnty": "MLI1",
    "event_date": "28 February 2024",
    "year": "2024",
    "time_precision": "1",
    "event_type": "Battles",
    "sub_event_type": "Armed clash",
    "actor1": "JNIM: Group for Support of Islam and Muslims",
    "country": "Mali",
    "location": "Nara",
    "latitude": "15.1685",
    "longitude": "-7.2857",
    "geo_precision": "1",
    "source": "test",
    "fatalities": "3",
}


def write_csv(path: Path, rows: list[dict]) -> Path:
    import csv

    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(acled.CURRENT_COLUMNS))
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in acled.CURRENT_COLUMNS})
    return path


def test_import_reports_and_writes_project(tmp_path, capsys):
    rows = [
        GOOD_ROW,
        GOOD_ROW | {"event_id_cnty": "MLI2", "latitude": "95"},
        GOOD_ROW | {"event_id_cnty": "MLI3", "event_date": "31 February 2024"},
    ]
    csv_path = write_csv(tmp_path / "export.csv", rows)
    out = tmp_path / "p.gpkg"
    report = tmp_path / "rejects.csv"
    code = main(["import", str(csv_path), "-o", str(out), "--report", str(report)])
    printed = capsys.readouterr().out.splitlines()
    assert code == 0
    assert printed[0] == "read 1 rows, rejected 2"
    assert any("latitude" in line for line in printed[1:])
    assert out.exists()
    assert "MLI2" in report.read_text()
    # importing again adds a second event layer to the same project
    assert main(["import", str(csv_path), "-o", str(out)]) == 0
    capsys.readouterr()
    assert main(["info", str(out)]) == 0
    info = capsys.readouterr().out
    assert info.count("export (1 events)") == 2
    assert "2024-02-28 to 2024-02-28" in info


def test_import_with_no_readable_row_fails_with_one_line(tmp_path, capsys):
    csv_path = write_csv(tmp_path / "bad.csv", [GOOD_ROW | {"latitude": "x"}])
    code = main(["import", str(csv_path), "-o", str(tmp_path / "p.gpkg")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code != 0
    assert err == ["sahelgis: bad.csv: no row could be read"]
    assert not (tmp_path / "p.gpkg").exists()


def test_import_of_a_wrong_file_fails_with_one_line(tmp_path, capsys):
    path = tmp_path / "photo.csv"
    path.write_bytes(bytes(range(256)) * 20)
    code = main(["import", str(path), "-o", str(tmp_path / "p.gpkg")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code != 0
    assert len(err) == 1
    assert err[0].startswith("sahelgis: photo.csv")


def test_info_on_the_bundled_demo_and_base_data(capsys):
    assert main(["info", str(paths.demo_project())]) == 0
    out = capsys.readouterr().out
    assert "SYNTHETIC" in out
    assert "3,000 features" in out
    assert main(["info", str(paths.base_gpkg())]) == 0
    out = capsys.readouterr().out
    assert "roads_national: LineString, 3 features, EPSG:4326" in out
    assert main(["info", str(paths.demo_events_csv())]) == 0
    assert "read 3000 rows, rejected 0" in capsys.readouterr().out


def test_info_on_missing_file(tmp_path, capsys):
    assert main(["info", str(tmp_path / "none.gpkg")]) != 0
    assert "none.gpkg: file not found" in capsys.readouterr().err


def test_snapshot_renders_demo_project_in_a_subprocess(tmp_path):
    out = tmp_path / "snap.png"
    env = os.environ | {
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sahelgis",
            "--snapshot",
            str(out),
            "--size",
            "1200x800",
            str(paths.demo_project()),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    from PIL import Image

    with Image.open(out) as image:
        assert image.size == (1200, 800)
        colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
    assert len(colours) > 50  # a drawn map, not a blank window


def test_snapshot_of_a_bad_project_fails_with_one_line(tmp_path):
    bad = tmp_path / "bad.gpkg"
    bad.write_text("nope")
    env = os.environ | {"QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sahelgis",
            "--snapshot",
            str(tmp_path / "s.png"),
            str(bad),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[-1].startswith("sahelgis: bad.gpkg")


@pytest.mark.parametrize("argv", [["import"], ["info"]])
def test_usage_errors_exit_2(argv):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2


# -- outputs never destroy what they were not asked to replace ----------------
def tiny_project(tmp_path, name="P.gpkg"):
    """A one-event project without the base layers (fast to write)."""
    from sahelgis.io.acled import read_acled
    from sahelgis.io.project_file import save_project
    from sahelgis.model.layer_factory import event_layer
    from sahelgis.model.project import Project

    csv_path = write_csv(tmp_path / f"{name}.csv", [GOOD_ROW])
    table, _ = read_acled(csv_path)
    return save_project(Project([event_layer(table, csv_path)]), tmp_path / name)


def run_main(argv):
    sys.stdout = sys.stderr = open(os.devnull, "w")  # noqa: SIM115
    os._exit(main(argv))


def test_two_imports_into_one_project_at_once_keep_both_layers(tmp_path):
    import multiprocessing

    exports = [
        write_csv(tmp_path / f"{name}.csv", [GOOD_ROW | {"event_id_cnty": name}])
        for name in ("first", "second")
    ]
    project = tiny_project(tmp_path)  # small: no base layers to rewrite
    context = multiprocessing.get_context("fork")  # inherits the imports: fast
    procs = [
        context.Process(target=run_main, args=(["import", str(p), "-o", str(project)],))
        for p in exports
    ]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(60)
    assert [proc.exitcode for proc in procs] == [0, 0]
    from sahelgis.io.project_file import load_project

    names = sorted(layer.name for layer in load_project(project).event_layers())
    assert names == ["P.gpkg (1 events)", "first (1 events)", "second (1 events)"]


def test_import_report_never_replaces_the_export_or_a_project(tmp_path, capsys):
    project = tiny_project(tmp_path)
    capsys.readouterr()
    csv_path = write_csv(tmp_path / "export.csv", [GOOD_ROW])
    before = csv_path.read_bytes(), project.read_bytes()
    out = str(tmp_path / "new.gpkg")
    code = main(["import", str(csv_path), "-o", out, "--report", str(csv_path)])
    assert code == 2
    assert capsys.readouterr().err == (
        "sahelgis: export.csv: is the input file (given to --report); "
        "choose another output file\n"
    )
    code = main(["import", str(csv_path), "-o", out, "--report", str(project)])
    assert code == 2
    assert "P.gpkg: is a SahelGIS project (given to --report)" in (
        capsys.readouterr().err
    )
    assert (csv_path.read_bytes(), project.read_bytes()) == before
    assert not (tmp_path / "new.gpkg").exists()


def test_recipe_never_replaces_a_project(tmp_path, capsys):
    project = tiny_project(tmp_path)
    other = tiny_project(tmp_path, "Q.gpkg")
    capsys.readouterr()
    before = project.read_bytes(), other.read_bytes()
    assert main(["recipe", str(project), "-o", str(project)]) == 2
    assert capsys.readouterr().err == (
        "sahelgis: P.gpkg: is the input project; choose another output file\n"
    )
    assert main(["recipe", str(project), "-o", str(other)]) == 2
    assert (project.read_bytes(), other.read_bytes()) == before


def test_export_never_replaces_a_project(tmp_path, capsys):
    project = tiny_project(tmp_path)
    capsys.readouterr()
    before = project.read_bytes()
    assert main(["export", str(project), "-o", str(project)]) == 2
    err = capsys.readouterr().err
    assert err.endswith("P.gpkg: is the input project; choose another output file\n")
    assert project.read_bytes() == before


def test_import_into_a_read_only_project_is_refused_before_reading(tmp_path, capsys):
    project = tiny_project(tmp_path)
    project.chmod(0o444)
    before = project.read_bytes()
    capsys.readouterr()
    missing = tmp_path / "not-read-yet.csv"
    assert main(["import", str(missing), "-o", str(project)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "sahelgis: P.gpkg: is read-only; make it writable or save under another name"
    ]
    assert project.read_bytes() == before
