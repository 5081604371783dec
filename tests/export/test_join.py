"""Joining a country table to polygons by name or ISO code."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from sahelgis import paths
from sahelgis.errors import InputError
from sahelgis.export.join import join_table, normalise, read_table

REPORT = Path("/work/shared/reference/analyst_report.txt")


@pytest.fixture
def polygons():
    return gpd.GeoDataFrame(
        {
            "name": ["Côte d'Ivoire", "Central African Rep.", "Mali", "Niger"],
            "iso_a3": ["CIV", "CAF", "MLI", "NER"],
            "iso_a2": ["CI", "CF", "ML", "NE"],
        },
        geometry=[shapely.box(i, 0, i + 1, 1) for i in range(4)],
        crs="EPSG:4326",
    )


def test_normalise_drops_case_accents_and_punctuation():
    assert normalise("  CÔTE d’Ivoire ") == "cote d ivoire"
    assert normalise("Central African Rep.") == "central african rep"


def test_join_by_name_iso3_iso2_and_alias(polygons):
    table = pd.DataFrame(
        {
            "country": ["cote d'ivoire", "Central African Republic", "mli", "NE"],
            "category": ["a", "b", "c", "d"],
        }
    )
    result = join_table(polygons, table, "country")
    assert result.unmatched == []
    assert result.matched_by == {
        "cote d'ivoire": "name",
        "Central African Republic": "name",
        "mli": "iso_a3",
        "NE": "iso_a2",
    }
    assert list(result.frame["category"]) == ["a", "b", "c", "d"]
    assert result.frame.crs == polygons.crs


def test_unmatched_rows_are_reported_and_polygons_kept(polygons):
    table = pd.DataFrame({"country": ["Mali", "Atlantis", "CAR"], "v": [1, 2, 3]})
    result = join_table(polygons, table, "country")
    assert result.unmatched == ["Atlantis"]
    assert len(result.frame) == 4
    assert result.frame["v"].isna().sum() == 2
    assert "not on the map: Atlantis" in result.report()
    only = join_table(polygons, table, "country", keep_unmatched_polygons=False)
    assert sorted(only.frame["name"]) == ["Central African Rep.", "Mali"]


def test_iso_column_wins_and_clashing_columns_are_renamed(polygons):
    table = pd.DataFrame({"name": ["Wrong name"], "iso_a3": ["NER"], "category": ["x"]})
    result = join_table(polygons, table, "name", iso_column="iso_a3")
    assert result.unmatched == []
    row = result.frame[result.frame["category"] == "x"].iloc[0]
    assert row["name"] == "Niger"
    assert row["name_table"] == "Wrong name"


def test_bad_key_and_duplicates_are_input_errors(polygons):
    with pytest.raises(InputError, match="no column 'pays'"):
        join_table(polygons, pd.DataFrame({"country": []}), "pays")
    with pytest.raises(InputError, match="both name the same polygon"):
        join_table(polygons, pd.DataFrame({"country": ["Mali", "MLI"]}), "country")


def test_shipped_fig4_table_joins_and_cites_the_report():
    table = read_table(paths.data_dir() / "report_fig4_countries.csv")
    assert {"country", "iso_a3", "category", "source_sentence"} <= set(table)
    assert all(table["source_sentence"].str.len() > 20)
    polygons = gpd.read_file(paths.base_gpkg(), layer="admin0_africa")
    result = join_table(polygons, table, "country", iso_column="iso_a3")
    assert result.unmatched == ["Russia"]  # not an African polygon
    mali = result.frame[result.frame["iso_a3"] == "MLI"].iloc[0]
    assert "junta" in mali["category"].lower()
    if REPORT.exists():  # each row quotes the report word for word
        text = REPORT.read_text(encoding="utf-8")
        for column in ("source_sentence", "also_sentence"):
            for sentence in table[column]:
                assert not sentence or sentence in text, sentence


def test_read_table_errors(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        read_table(tmp_path / "none.csv")
