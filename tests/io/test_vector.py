import geopandas as gpd
import pytest
from shapely import LineString, Point

from sahelgis.errors import InputError
from sahelgis.io.basedata import ROADS_CAVEAT, base_layers
from sahelgis.io.vector import read_road_layer, read_vector


def test_base_layers_carry_credits_and_the_road_caveat():
    layers = {layer.role: layer for layer in base_layers()}
    roads = layers["roads"]
    assert "APPROXIMATE" in roads.name
    assert roads.caveat == ROADS_CAVEAT
    assert set(roads.data["ref"]) == {"RN3", "RN4", "RN6"}
    names = set(layers["places"].data["name"]) | set(layers["towns"].data["name"])
    for town in (
        "Bamako",
        "Kati",
        "Koulikoro",
        "Kolokani",
        "Banamba",
        "Nara",
        "Mourdiah",
        "Dioïla",
        "Kangaba",
    ):
        assert town in names
    assert all(layer.attribution for layer in layers.values())


def test_road_layer_from_shapefile_in_another_crs(tmp_path):
    roads = gpd.GeoDataFrame(
        {"REF": ["RN4"], "name": ["Route Nationale 4"]},
        geometry=[LineString([(-7.47, 14.47), (-7.29, 15.17)])],
        crs="EPSG:4326",
    ).to_crs("EPSG:32629")
    path = tmp_path / "osm_roads.shp"
    roads.to_file(path)
    layer = read_road_layer(path)
    assert layer.role == "roads"
    assert layer.data.crs.to_epsg() == 4326
    assert list(layer.data["ref"]) == ["RN4"]
    assert layer.data.geometry.iloc[0].coords[0] == pytest.approx((-7.47, 14.47))


def test_road_layer_needs_ref_and_lines(tmp_path):
    path = tmp_path / "pts.gpkg"
    gpd.GeoDataFrame({"ref": ["x"]}, geometry=[Point(0, 0)], crs="EPSG:4326").to_file(
        path
    )
    with pytest.raises(InputError, match=r"pts\.gpkg: roads must be lines"):
        read_road_layer(path)
    path2 = tmp_path / "noref.geojson"
    gpd.GeoDataFrame(
        {"name": ["x"]}, geometry=[LineString([(0, 0), (1, 1)])], crs="EPSG:4326"
    ).to_file(path2)
    with pytest.raises(InputError, match="no 'ref' field"):
        read_road_layer(path2)


def test_unreadable_vector_names_the_file(tmp_path):
    path = tmp_path / "junk.gpkg"
    path.write_bytes(b"not a geopackage at all")
    with pytest.raises(InputError, match=r"junk\.gpkg"):
        read_vector(path)
