"""Event layers saved in batches: the feature table QGIS opens and the cache."""

from __future__ import annotations

import sqlite3

import numpy as np
import pandas as pd
import pyarrow as pa
import pyogrio
import pytest
import shapely

from sahelgis.io import events_gpkg, project_file
from sahelgis.io.project_file import load_project, save_project
from sahelgis.model.layer_factory import event_layer
from sahelgis.model.layers import EventLayer
from sahelgis.model.project import Project


@pytest.fixture
def project(tiny_table):
    return Project([event_layer(tiny_table, "tiny.csv")])


def test_wkb_points_are_what_shapely_writes():
    lon = np.array([-6.2157, 0.0, 179.999999, -180.0])
    lat = np.array([13.4317, -0.5, 89.9, -89.9])
    ours = events_gpkg.wkb_points(lon, lat)
    theirs = shapely.to_wkb(shapely.points(lon, lat), byte_order=1)
    assert ours.to_pylist() == list(theirs)
    assert events_gpkg.wkb_points(np.zeros(0), np.zeros(0)).to_pylist() == []


def test_many_batches_write_every_feature_and_the_cache(project, tmp_path, monkeypatch):
    monkeypatch.setattr(events_gpkg, "BATCH_ROWS", 4)  # 21 events: 6 batches
    events = project.layers[0].events
    path = save_project(project, tmp_path / "p.gpkg")
    table = project_file.read_state(path)["layers"][0]["table"]
    features = pyogrio.read_dataframe(path, layer=table)
    assert len(features) == len(events)
    assert features.crs.to_epsg() == 4326
    np.testing.assert_array_equal(features.geometry.x, events.lon)
    np.testing.assert_array_equal(features.geometry.y, events.lat)
    assert features["event_id_cnty"].tolist() == events.frame["event_id_cnty"].tolist()
    assert features["notes"].tolist() == events.frame["notes"].tolist()
    stored = pd.to_datetime(features["event_date"]).to_numpy("datetime64[s]")
    np.testing.assert_array_equal(stored, events.dates)
    again = load_project(path).layers[0]
    assert isinstance(again, EventLayer)
    assert not again.events.frame.empty
    pd.testing.assert_frame_equal(again.events.frame, events.frame)
    with sqlite3.connect(path) as con:
        ((rows, size),) = con.execute(
            "SELECT rows, length(arrow) FROM sahelgis_event_cache "
            "WHERE table_name NOT LIKE '%/packed/%'"
        ).fetchall()
        ((packed_rows, name),) = con.execute(
            "SELECT rows, table_name FROM sahelgis_event_cache "
            "WHERE table_name LIKE '%/packed/%'"
        ).fetchall()
    assert name.endswith("/packed/notes")  # the notes' zstd blocks, as they are
    assert packed_rows == len(events)
    assert rows == len(events)
    assert size > 0
    stream = events_gpkg.write_cache_file(events.frame, tmp_path / "x.gpkg")
    assert stream.stat().st_size == size  # the blob is the streamed file
    assert len(pa.ipc.open_stream(stream.read_bytes()).read_all()) == len(events)


def test_a_failed_cache_copy_leaves_no_scratch_file(project, tmp_path, monkeypatch):
    path = save_project(project, tmp_path / "p.gpkg")
    before = path.read_bytes()

    def failing(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(events_gpkg, "insert_cache_blob", failing)
    with pytest.raises(OSError, match="No space"):
        save_project(project, path)
    assert path.read_bytes() == before
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == [".p.gpkg.lock", "p.gpkg"]


def test_empty_event_table_saves_and_reopens(tiny_table, tmp_path):
    from sahelgis.model.events import EventTable

    empty = EventTable(tiny_table.frame.iloc[:0])
    path = save_project(Project([event_layer(empty, "none.csv")]), tmp_path / "e")
    again = load_project(path).layers[0]
    assert isinstance(again, EventLayer)
    assert len(again.events) == 0
    assert project_file.read_state(path)["layers"][0]["feature_count"] == 0


def test_two_event_layers_get_a_cache_each(tiny_table, tmp_path):
    project = Project(
        [event_layer(tiny_table, "a.csv"), event_layer(tiny_table, "b.csv")]
    )
    path = save_project(project, tmp_path / "two.gpkg")
    with sqlite3.connect(path) as con:
        rows = con.execute(
            "SELECT table_name, rows FROM sahelgis_event_cache ORDER BY id"
        ).fetchall()
    n = len(tiny_table)
    # each layer: its Arrow stream, then its packed notes
    assert [r for _, r in rows] == [n] * 4
    assert [t.endswith("/packed/notes") for t, _ in rows] == [False, True] * 2
    again = load_project(path)
    assert [len(layer.events) for layer in again.event_layers()] == [21, 21]
    assert not again.load_warnings
    assert sorted(p.name for p in tmp_path.iterdir()) == [".two.gpkg.lock", "two.gpkg"]


def test_display_coordinates_are_kept_and_checked(project, tmp_path, monkeypatch):
    """Map coordinates projected once are stored in the cache and reused on
    reopen; forged ones are refused with a one-line warning and recomputed."""
    from sahelgis.model import crs

    events = project.layers[0].events
    x, y = project.layers[0].display_xy()
    path = save_project(project, tmp_path / "p.gpkg")
    again = load_project(path).layers[0].events
    cached = again.cached_xy(crs.DISPLAY_CRS_PROJ4)
    assert cached is not None
    np.testing.assert_array_equal(cached[0], x)
    np.testing.assert_array_equal(cached[1], y)
    assert list(again.frame.columns) == list(events.frame.columns)

    # a cache whose coordinates were moved 5 m east is refused
    real = events_gpkg.write_cache_file

    def forged(frame, beside, number=0, display=None):
        assert display is not None
        return real(frame, beside, number, (display[0], display[1] + 5.0, display[2]))

    monkeypatch.setattr(events_gpkg, "write_cache_file", forged)
    path = save_project(project, tmp_path / "forged.gpkg")
    loaded = load_project(path)
    layer = loaded.layers[0]
    assert layer.events.cached_xy(crs.DISPLAY_CRS_PROJ4) is None
    assert any("do not match" in w for w in loaded.load_warnings)
    np.testing.assert_allclose(layer.display_xy()[0], x)


def test_a_cache_without_display_coordinates_still_opens(project, tmp_path):
    from sahelgis.model import crs

    path = save_project(project, tmp_path / "p.gpkg")  # never drawn: no x/y
    again = load_project(path).layers[0].events
    assert again.cached_xy(crs.DISPLAY_CRS_PROJ4) is None
    assert len(again) == len(project.layers[0].events)
