"""A SahelGIS project opened in real QGIS (PyQGIS in a subprocess).

QGIS runs under Debian's /usr/bin/python3 (python3-qgis, installed by
``scripts/setup.sh --test``); these tests skip, saying so, only where that
Python cannot import ``qgis.core``.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point, Polygon

from sahelgis import paths
from sahelgis.__main__ import main
from sahelgis.demo.synthetic_events import generate_events
from sahelgis.io.project_file import load_project, read_state, save_project
from sahelgis.model import drawings
from sahelgis.model.layers import VectorLayer
from sahelgis.model.styles import Style

SYSTEM_PYTHON = "/usr/bin/python3"
SCRIPT = Path(__file__).with_name("qgis_open.py")
SHOTS = Path("/tmp/qgis_shots")


def _has_qgis() -> bool:
    try:
        done = subprocess.run(
            [SYSTEM_PYTHON, "-c", "import qgis.core"],
            capture_output=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


pytestmark = pytest.mark.skipif(
    not _has_qgis(),
    reason=f"{SYSTEM_PYTHON} cannot import qgis.core (apt-get install python3-qgis)",
)


def _open_in_qgis(png: Path, *projects: Path) -> list[dict]:
    done = subprocess.run(
        [SYSTEM_PYTHON, str(SCRIPT), str(png), *map(str, projects)],
        capture_output=True,
        text=True,
        timeout=120,
        env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def opened(tmp_path_factory) -> tuple[list[dict], list[Path]]:
    """The demo project and an imported one, saved now and opened in QGIS."""
    folder = tmp_path_factory.mktemp("qgis")
    demo = save_project(load_project(paths.demo_project()), folder / "demo.gpkg")
    csv_path = folder / "events_SYNTHETIC.csv"
    generate_events(n=400, seed=11).to_csv(csv_path, index=False)
    imported = folder / "imported_SYNTHETIC.gpkg"
    assert main(["import", str(csv_path), "-o", str(imported)]) == 0
    # a counts layer with one column per year, as the counts analysis makes
    project = load_project(imported)
    cercles = gpd.read_file(paths.base_gpkg(), layer="admin2_cercles").head(5)
    wide = cercles[["name", "geometry"]].copy()
    wide["2018"] = range(5)
    wide["2019"] = [3, 1, 4, 1, 5]
    project.add_layer(
        VectorLayer(
            data=wide,
            name="Events per cercle and year (SYNTHETIC)",
            style=Style(color="#333333", fill="#FDAE6B"),
            synthetic=True,
        )
    )
    drawn = drawings.add_drawing_layer(project, "Analyst drawings")
    drawings.add_feature(
        project,
        drawn.id,
        Polygon([(-8, 12.5), (-7, 12.5), (-7, 13.2)]),
        name="<b>Area</b> & co",
        color="#00AA00",
    )
    drawings.add_feature(project, drawn.id, LineString([(-8, 14), (-6, 13)]))
    drawings.add_feature(project, drawn.id, Point(-6.5, 14.5), name="Spot")
    save_project(project, imported)
    SHOTS.mkdir(parents=True, exist_ok=True)
    report = _open_in_qgis(SHOTS / "demo_in_qgis.png", demo, imported)
    return report, [demo, imported]


def test_every_table_opens_in_qgis_with_our_counts(opened):
    report, files = opened
    for entry, path in zip(report, files, strict=True):
        state = read_state(path)
        for layer in state["layers"]:
            table = entry["tables"][layer["table"]]
            assert table["valid"], layer["table"]
            assert table["features"] == layer["feature_count"]
        assert all(t["valid"] for t in entry["tables"].values()), entry["tables"]
        # readable names from the layer names, no hash
        assert "sahelgis_event_cache" in entry["tables"]
        assert all(name.isidentifier() for name in entry["tables"])


def test_fields_are_dates_and_year_columns_have_names_qgis_can_use(opened):
    report, _ = opened
    demo, imported = report
    events = demo["tables"]["demo_events_synthetic_not_acled_3_000"]
    assert events["fields"]["event_date"] == "Date"
    assert events["event_date_python"] == "QDate"
    zones = next(t for n, t in demo["tables"].items() if n.startswith("jnim_support"))
    assert zones["fields"]["first_seen"] == "Date"
    assert zones["fields"]["last_seen"] == "Date"
    counts = imported["tables"]["events_per_cercle_and_year_synthetic"]
    assert {"y2018", "y2019"} <= set(counts["fields"])


def test_styles_come_from_layer_styles(opened):
    report, files = opened
    state = read_state(files[0])
    events_entry = state["layers"][0]
    events = report[0]["tables"][events_entry["table"]]
    assert events["renderer"] == "categorizedSymbol"
    expected = {k: v.upper() for k, v in events_entry["style"]["categories"].items()}
    assert {k: v for k, v in events["categories"].items() if k} == expected
    roads = report[0]["tables"]["national_roads_approximate_straight_segments"]
    assert roads["renderer"] == "singleSymbol"
    assert roads["colour"] == "#C1121F"
    assert roads["line_style"] == "dash"
    assert roads["labels"]
    drawn = report[1]["tables"]["analyst_drawings"]
    assert drawn["valid"]
    assert drawn["features"] == 3
    assert drawn["renderer"] == "RuleRenderer"  # one rule per geometry kind


def test_stored_qgis_project_has_our_order_visibility_and_crs(opened):
    report, files = opened
    for entry, path in zip(report, files, strict=True):
        state = read_state(path)
        assert entry["project_read"]
        assert "+proj=aeqd" in entry["project_crs"]
        layers = entry["project_layers"]
        assert [lay["name"] for lay in layers] == [
            lay["name"] for lay in state["layers"]
        ]
        assert [lay["visible"] for lay in layers] == [
            lay["visible"] for lay in state["layers"]
        ]
        assert all(lay["valid"] for lay in layers)
        assert all(lay["source"].startswith(str(path)) for lay in layers)


def test_synthetic_data_is_marked_in_the_qgis_project(opened):
    report, _ = opened
    for entry in report:  # both hold synthetic events
        assert "SYNTHETIC" in entry["title"]
        assert entry["title_label_on"]
        assert entry["title_label"].startswith("SYNTHETIC DEMO DATA")


def test_render_is_not_blank(opened):
    report, _ = opened
    assert report[0]["png_distinct_colours"] > 20
    assert 0.05 < report[0]["png_non_background_share"] < 0.95
