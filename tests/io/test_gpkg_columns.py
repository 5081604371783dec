"""Readable table names, DATE columns and y2018 names in the project file."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from sahelgis.io import gpkg_columns, project_file
from sahelgis.io.project_file import load_project, read_state, save_project
from sahelgis.model.events import EventTable
from sahelgis.model.layers import EventLayer, VectorLayer
from sahelgis.model.project import Project

BAD = Path(__file__).resolve().parents[1] / "data" / "bad"


def _wide_layer(name: str) -> VectorLayer:
    frame = gpd.GeoDataFrame(
        {
            "name": ["Ségou", "Mopti"],
            "2018": [1, 2],
            "2019": [3, 4],
            "2023-01": [5, 6],
            "first_seen": ["2020-01-31", None],
            "day": pd.to_datetime(["2021-03-04", "2022-05-06"]),
            "moment": pd.to_datetime(["2021-03-04 10:00", "2022-05-06 00:00"]),
        },
        geometry=[Point(-6, 13), Point(-4, 14)],
        crs="EPSG:4326",
    )
    return VectorLayer(data=frame, name=name)


def test_encode_renames_year_columns_and_writes_days_as_dates():
    source = _wide_layer("x").data
    frame, columns, types = gpkg_columns.encode(source)
    assert columns == {"y2018": "2018", "y2019": "2019", "c_2023_01": "2023-01"}
    assert types == {"first_seen": "text", "day": str(source["day"].dtype)}
    assert list(frame.columns[:4]) == ["name", "y2018", "y2019", "c_2023_01"]
    assert list(source.columns[:2]) == ["name", "2018"]  # the model's frame kept
    assert "moment" not in types  # a time of day stays a DATETIME


def test_round_trip_restores_the_model_columns(tmp_path):
    layer = _wide_layer("Counts per cercle (SYNTHETIC)")
    path = save_project(Project([layer]), tmp_path / "p.gpkg")
    with sqlite3.connect(path) as con:
        info = {
            row[1]: row[2]
            for row in con.execute(
                "PRAGMA table_info(counts_per_cercle_synthetic)"
            ).fetchall()
        }
    assert info["y2018"] == "MEDIUMINT" or info["y2018"].startswith("INT")
    assert info["first_seen"] == "DATE"
    assert info["day"] == "DATE"
    assert info["moment"] == "DATETIME"
    back = load_project(path).layers[0].data
    original = layer.data
    assert list(back.columns) == list(original.columns)
    assert back["first_seen"].tolist()[0] == "2020-01-31"
    assert pd.isna(back["first_seen"].tolist()[1])
    assert back["day"].dtype == original["day"].dtype
    assert (back["day"] == original["day"]).all()
    assert back["2019"].tolist() == [3, 4]


def test_table_names_are_readable_unique_and_stable(tmp_path):
    layers = [
        _wide_layer("Counts per cercle"),
        _wide_layer("Counts per cercle"),
        _wide_layer("2024 events"),
        _wide_layer("layer_styles"),
    ]
    first = save_project(Project(layers), tmp_path / "a.gpkg")
    tables = [entry["table"] for entry in read_state(first)["layers"]]
    assert tables == [
        "counts_per_cercle",
        "counts_per_cercle_2",
        "l_2024_events",
        "layer_styles_2",
    ]
    again = save_project(load_project(first), tmp_path / "b.gpkg")
    assert [entry["table"] for entry in read_state(again)["layers"]] == tables
    used: set[str] = set()
    assert project_file._table_name(_wide_layer("???"), used) == "layer"
    assert project_file._table_name(_wide_layer("sahelgis_x"), used) == "l_sahelgis_x"


def test_project_with_hashed_table_names_still_opens(tmp_path):
    """A project saved before readable names (hashed tables, DATETIME dates)."""
    old = tmp_path / "old.gpkg"
    shutil.copy(BAD / "project_unsafe_paths.gpkg", old)
    tables = [entry["table"] for entry in read_state(old)["layers"]]
    assert tables == ["events_4_events_event1", "places_place1"]
    project = load_project(old)
    assert [layer.feature_count for layer in project.layers] == [4, 3]
    events = project.layers[0]
    assert isinstance(events, EventLayer)
    assert str(events.events.frame["event_date"].dtype).startswith("datetime64")
    resaved = save_project(project, tmp_path / "new.gpkg")
    # both layers are named "x" in that file: readable and unique
    assert [e["table"] for e in read_state(resaved)["layers"]] == ["x", "x_2"]


def test_events_read_back_from_the_feature_table_keep_their_dates(tmp_path):
    frame = pd.DataFrame(
        {
            "event_id_cnty": ["MLI1", "MLI2"],
            "event_date": pd.to_datetime(["2020-01-02", "2021-02-03"]),
            "event_type": ["Battles", "Riots"],
            "latitude": [13.0, 14.0],
            "longitude": [-6.0, -5.0],
            "fatalities": [0, 1],
        }
    )
    layer = EventLayer(events=EventTable(frame, synthetic=True), name="E SYNTHETIC")
    path = save_project(Project([layer]), tmp_path / "e.gpkg")
    with sqlite3.connect(path) as con:
        con.execute("DELETE FROM sahelgis_event_cache")
    back = load_project(path).layers[0]
    assert isinstance(back, EventLayer)
    dates = back.events.frame["event_date"]
    assert dates.dtype == layer.events.frame["event_date"].dtype
    assert (dates.to_numpy() == layer.events.frame["event_date"].to_numpy()).all()


@pytest.mark.parametrize(
    ("name", "stored"),
    [("2018", "y2018"), ("total", "total"), ("1st", "c_1st"), ("2023-Q1", "c_2023_Q1")],
)
def test_stored_names(name, stored):
    assert gpkg_columns.stored_name(name, set()) == stored
