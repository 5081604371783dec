import json
import sqlite3

import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from sahelgis.errors import ProjectFileError
from sahelgis.io import project_file
from sahelgis.io.basedata import base_layers
from sahelgis.io.project_file import load_project, project_info, save_project
from sahelgis.model.filters import EventFilter
from sahelgis.model.layer_factory import event_layer
from sahelgis.model.project import Project
from sahelgis.model.selection import Selection


@pytest.fixture
def project(tiny_table):
    project = Project(base_layers())
    project.add_layer(event_layer(tiny_table, "tiny.csv"))
    roads = project.layers_with_role("roads")[0]
    project.set_opacity(roads.id, 0.5)
    project.set_visible(project.layers_with_role("towns")[0].id, False)
    project.set_view_extent((-1e5, -2e5, 3e5, 4e5))
    project.time_window.set_mode("rolling")
    project.time_window.set_step("quarter")
    project.time_window.set_window("2020-01-01", "2022-12-31")
    project.set_filter(EventFilter(actor="JNIM", min_fatalities=1))
    project.set_selection(Selection(shapely.box(-8, 14, -7, 16), "Rectangle"))
    return project


def test_save_and_reopen_is_equal(project, tmp_path):
    path = save_project(project, tmp_path / "p.gpkg")
    assert not project.modified
    again = load_project(path)
    assert [layer.name for layer in again.layers] == [
        layer.name for layer in project.layers
    ]
    for old, new in zip(project.layers, again.layers, strict=True):
        assert new.metadata() == old.metadata()
        assert new.feature_count == old.feature_count
    old_events = project.layers[0].events.frame
    new_events = again.layers[0].events.frame
    pd.testing.assert_frame_equal(new_events, old_events)
    assert again.view_extent == project.view_extent
    assert again.time_window.to_dict() == project.time_window.to_dict()
    assert again.time_window.label() == "2020 – 2022"
    assert again.event_filter == project.event_filter
    assert again.selection.label == "Rectangle"
    assert again.selection.geometry.equals(project.selection.geometry)
    assert not again.modified


def test_layers_are_tables_qgis_can_open(project, tmp_path):
    path = save_project(project, tmp_path / "p.gpkg")
    tables = dict(pyogrio.list_layers(path))
    state = project_file.read_state(path)
    for entry in state["layers"]:
        assert entry["table"] in tables
    events_table = state["layers"][0]["table"]
    gdf = pyogrio.read_dataframe(path, layer=events_table)
    assert len(gdf) == 21
    assert gdf.crs.to_epsg() == 4326
    with sqlite3.connect(path) as con:
        kinds = dict(con.execute("SELECT table_name, data_type FROM gpkg_contents"))
    assert kinds["sahelgis_project"] == "attributes"


def test_suffix_is_added(project, tmp_path):
    assert save_project(project, tmp_path / "analysis").name == "analysis.gpkg"


def test_failed_save_leaves_previous_version_readable(project, tmp_path, monkeypatch):
    path = save_project(project, tmp_path / "p.gpkg")
    before = path.read_bytes()
    project.rename_layer(project.layers[0].id, "renamed")

    real_write_table = project_file._write_table
    calls = {"n": 0}

    def failing(frame, target, table):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(28, "No space left on device")
        real_write_table(frame, target, table)

    monkeypatch.setattr(project_file, "_write_table", failing)
    with pytest.raises(OSError, match="No space"):
        save_project(project, path)
    assert path.read_bytes() == before
    assert load_project(path).layers[0].name != "renamed"
    left = [p.name for p in tmp_path.iterdir() if p.name != ".p.gpkg.lock"]
    assert left == ["p.gpkg"]  # no temp left (the lock file stays)


def test_second_save_keeps_backup(project, tmp_path):
    path = save_project(project, tmp_path / "p.gpkg")
    project.rename_layer(project.layers[0].id, "second")
    save_project(project, path)
    backup = tmp_path / "p.bak.gpkg"
    assert backup.exists()
    assert load_project(backup).layers[0].name != "second"
    assert load_project(path).layers[0].name == "second"


def test_reopen_without_cache_reads_feature_table(project, tmp_path):
    path = save_project(project, tmp_path / "p.gpkg")
    with sqlite3.connect(path) as con:
        con.execute("DELETE FROM sahelgis_event_cache")
    again = load_project(path)
    events = again.layers[0].events
    assert len(events) == 21
    assert np.all(events.dates[1:] >= events.dates[:-1])


def test_newer_format_is_refused_with_a_clear_message(project, tmp_path):
    path = save_project(project, tmp_path / "p.gpkg")
    with sqlite3.connect(path) as con:
        state = json.loads(
            con.execute(
                "SELECT value FROM sahelgis_project WHERE key='state'"
            ).fetchone()[0]
        )
        state["version"] = 99
        con.execute(
            "UPDATE sahelgis_project SET value=? WHERE key='state'",
            (json.dumps(state),),
        )
    with pytest.raises(ProjectFileError, match=r"p\.gpkg: made by a newer SahelGIS"):
        load_project(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "not a SahelGIS project"), (b"\x00\x01junk" * 100, "not a GeoPackage")],
)
def test_wrong_files_name_the_file(tmp_path, content, message):
    path = tmp_path / "bad.gpkg"
    path.write_bytes(content)
    with pytest.raises(ProjectFileError, match=f"bad.gpkg: {message}"):
        load_project(path)


def test_plain_geopackage_is_not_a_project(tmp_path):
    path = tmp_path / "plain.gpkg"
    base = base_layers()[0]
    pyogrio.write_dataframe(base.data, path, layer="places")
    with pytest.raises(ProjectFileError, match="Import layer"):
        load_project(path)


def test_missing_file(tmp_path):
    with pytest.raises(ProjectFileError, match=r"nope\.gpkg: file not found"):
        load_project(tmp_path / "nope.gpkg")


def test_info_lists_layers_counts_and_dates(project, tmp_path):
    path = save_project(project, tmp_path / "p.gpkg")
    info = project_info(path)
    first = info.layers[0]
    assert first["feature_count"] == 21
    assert first["date_range"] == ["2018-01-10", "2024-03-16"]
