"""``sahelgis import-osm``: an OpenStreetMap extract's roads and places in a project."""

from __future__ import annotations

import re

import pytest

from sahelgis.__main__ import main
from sahelgis.cli import SUBCOMMANDS, is_subcommand
from tests.osm_extract import write_extract
from tests.test_cli import GOOD_ROW, write_csv


def test_import_osm_writes_a_project_without_the_approximate_roads(tmp_path, capsys):
    extract = write_extract(tmp_path / "mali-test.osm")
    project = tmp_path / "p.gpkg"
    assert main(["import-osm", str(extract.path), "-o", str(project)]) == 0
    out = capsys.readouterr().out
    assert "mali-test.osm: 2 roads from 6 ways, 4 places" in out
    assert "replace “National roads — APPROXIMATE" in out
    assert main(["info", str(project)]) == 0
    info = capsys.readouterr().out
    assert "National roads (OpenStreetMap, mali-test.osm)" in info
    assert "Places (OpenStreetMap, mali-test.osm)" in info
    assert "APPROXIMATE" not in info


def test_corridor_uses_the_osm_road(tmp_path, capsys):
    extract = write_extract(tmp_path / "mali-test.osm")
    events = write_csv(tmp_path / "export.csv", [GOOD_ROW])  # at Nara, on the RN4
    project = tmp_path / "p.gpkg"
    assert main(["import-osm", str(extract.path), "-o", str(project)]) == 0
    assert main(["import", str(events), "-o", str(project)]) == 0
    capsys.readouterr()
    assert main(["corridor", str(project), "--road", "RN4", "--within", "10km"]) == 0
    err = capsys.readouterr().err
    found = re.search(r"RN4 is ([\d.]+) km long", err)
    assert found, err
    assert float(found.group(1)) == pytest.approx(extract.length_km("RN4"), abs=0.1)
    assert "approximate" not in err.lower()


def test_import_osm_is_a_subcommand():
    assert "import-osm" in SUBCOMMANDS
    assert is_subcommand(["import-osm", "x.osm"])


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("missing.osm.pbf", None, "file not found"),
        ("corrupt.osm.pbf", "\x00\x01 not a pbf", "not a readable OpenStreetMap"),
        ("corrupt.osm", "<osm><node id=", "not a readable OpenStreetMap"),
    ],
)
def test_import_osm_bad_file_fails_with_one_line(
    tmp_path, capsys, name, content, reason
):
    path = tmp_path / name
    if content is not None:
        path.write_text(content, encoding="utf-8")
    project = tmp_path / "p.gpkg"
    assert main(["import-osm", str(path), "-o", str(project)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1
    assert err[0].startswith(f"sahelgis: {name}: ")
    assert reason in err[0]
    assert not project.exists()
