"""Reading OpenStreetMap extracts: roads merged per ref, places, credits, errors."""

from __future__ import annotations

import math

import pytest
import shapely

from sahelgis.errors import Cancelled, InputError
from sahelgis.io.basedata import base_layers
from sahelgis.io.osm import (
    OSM_ATTRIBUTION,
    add_to_project,
    parse_hstore,
    read_osm,
    split_refs,
)
from sahelgis.model.layers import ROLE_PLACES, ROLE_ROADS
from sahelgis.model.project import Project
from tests.osm_extract import write_extract


@pytest.fixture
def extract(tmp_path):
    return write_extract(tmp_path / "mali-test.osm")


def test_hstore_and_refs():
    tags = parse_hstore(r'"ref"=>"RN4;RN3","name:fr"=>"Dioumara \"K\"","x"=>NULL')
    assert tags == {"ref": "RN4;RN3", "name:fr": 'Dioumara "K"'}
    assert parse_hstore(None) == {}
    assert split_refs("RN4;RN3") == ["RN4", "RN3"]
    assert split_refs(" RN 4 ; RN4;N1") == ["RN4", "N1"]
    assert split_refs(float("nan")) == []


def test_roads_are_merged_per_ref_with_refs_split(extract):
    result = read_osm(extract.path)
    roads = result.roads
    assert roads is not None
    assert roads.role == ROLE_ROADS
    frame = roads.data
    assert frame.crs.to_epsg() == 4326
    assert list(frame.columns) == ["ref", "name", "highway", "source", "geometry"]
    assert sorted(frame["ref"]) == ["RN3", "RN4"]  # no residential RN99
    rn4 = frame.set_index("ref").loc["RN4"]
    # four ways (one tagged "RN 4", one "RN4;RN3") make one line, in order
    assert rn4.geometry.geom_type == "LineString"
    expected = shapely.LineString(extract.routes["RN4"])
    assert rn4.geometry.equals_exact(expected, 1e-6)
    assert rn4["highway"] == "trunk"
    assert rn4["name"] == "Route de Nara"
    rn3 = frame.set_index("ref").loc["RN3"]
    assert rn3.geometry.equals_exact(shapely.LineString(extract.routes["RN3"]), 1e-6)
    assert rn3["highway"] == "primary"  # its best piece is the shared primary
    assert result.ways == 6
    assert result.ways_without_ref == 1
    assert "2 roads from 6 ways, 4 places" in result.summary()


def test_tertiary_only_when_asked(tmp_path):
    path = tmp_path / "t.osm"
    path.write_text(
        '<?xml version="1.0"?><osm version="0.6">'
        '<node id="1" lat="14" lon="-7"/><node id="2" lat="14.1" lon="-7"/>'
        '<way id="5"><nd ref="1"/><nd ref="2"/><tag k="highway" v="tertiary"/>'
        '<tag k="ref" v="RR12"/></way></osm>',
        encoding="utf-8",
    )
    with pytest.raises(InputError, match="holds no trunk"):
        read_osm(path)
    roads = read_osm(path, tertiary=True).roads
    assert roads is not None
    assert list(roads.data["ref"]) == ["RR12"]


def test_places_with_names_and_population(extract):
    places = read_osm(extract.path).places
    assert places is not None
    assert places.role == ROLE_PLACES
    frame = places.data.set_index("name")
    assert sorted(frame.index) == sorted(extract.places)  # not the fuel station
    assert frame.loc["Nara", "place"] == "town"
    assert frame.loc["Nara", "name_fr"] == "Nara"
    assert frame.loc["Nara", "population"] == 24000
    assert frame.loc["Banamba", "population"] == 16000  # "16 000"
    assert math.isnan(frame.loc["Sirakorola", "population"])
    assert frame.loc["Dioumara Koura", "name_en"] == 'Dioumara "K"'
    assert frame.loc["Nara"].geometry.equals(shapely.Point(-7.2857, 15.1685))


def test_layers_carry_the_osm_credit(extract):
    result = read_osm(extract.path)
    for layer in (result.roads, result.places):
        assert layer is not None
        assert layer.attribution == OSM_ATTRIBUTION
        assert not layer.caveat
        assert (layer.data["source"].str.contains("OpenStreetMap contributors")).all()


def test_add_to_project_replaces_the_approximate_roads(extract):
    project = Project([*base_layers()])
    old_roads = project.layers_with_role(ROLE_ROADS)
    assert old_roads
    assert old_roads[0].caveat
    lines = add_to_project(project, read_osm(extract.path))
    roads = project.layers_with_role(ROLE_ROADS)
    assert len(roads) == 1
    assert roads[0].attribution == OSM_ATTRIBUTION
    assert "replace" in lines[0]
    assert "APPROXIMATE" in lines[0]
    places = project.layers_with_role(ROLE_PLACES)
    # the GeoNames places still come first (analyses look towns up there)
    assert places[0].name.startswith("District capitals")
    assert places[-1].attribution == OSM_ATTRIBUTION
    project.undo_stack.undo()  # one entry undoes both
    assert project.layers_with_role(ROLE_PLACES) == places[:-1]
    assert project.layers_with_role(ROLE_ROADS)[0] is old_roads[0]


def test_progress_per_layer_and_cancel(extract):
    seen: list[str] = []

    class Recorder:
        def __init__(self, cancel_after: int | None = None) -> None:
            self.cancel_after = cancel_after

        def set(self, fraction: float, text: str = "") -> None:
            if text:
                seen.append(text)

        def cancelled(self) -> bool:
            return self.cancel_after is not None and len(seen) > self.cancel_after

        def check(self) -> None:
            if self.cancelled():
                raise Cancelled()

    read_osm(extract.path, progress=Recorder())
    assert any("roads" in t for t in seen)
    assert any("places" in t for t in seen)
    seen.clear()
    with pytest.raises(Cancelled):
        read_osm(extract.path, progress=Recorder(cancel_after=0))
    assert len(seen) == 1  # stopped before merging or reading places


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("missing.osm", None, "file not found"),
        ("junk.osm", "this is not xml", "not a readable OpenStreetMap extract"),
        ("junk.osm.pbf", "\x00\x01garbage", "not a readable OpenStreetMap extract"),
        (
            "cut.osm",
            '<?xml version="1.0"?><osm version="0.6"><node id="1" la',
            "not a readable OpenStreetMap extract",
        ),
        ("roads.gpkg", "x", "must end in .osm or .pbf"),
        ("empty.osm", '<?xml version="1.0"?><osm version="0.6"></osm>', "holds no"),
    ],
)
def test_bad_files_fail_with_one_line(tmp_path, name, content, reason):
    path = tmp_path / name
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_osm(path)
    message = str(info.value)
    assert message.startswith(f"{name}: ")
    assert reason in message
    assert "\n" not in message


def test_ref_is_found_only_as_a_key():
    from sahelgis.io.osm import _ref_tag

    assert _ref_tag(r'"highway"=>"x","ref"=>"RN4;RN3"') == "RN4;RN3"
    assert _ref_tag(r'"ref"=>"RN \"4\""') == 'RN "4"'
    # a value that contains the text "ref"=> (escaped) is not a ref
    assert _ref_tag(r'"note"=>"a,\"ref\"=>\"RN9\""') is None
    assert _ref_tag(r'"note"=>"a"') is None
    assert _ref_tag(None) is None


def test_driver_temp_folder_is_not_the_working_directory(monkeypatch):
    import pyogrio

    from sahelgis.io.osm import driver_options

    monkeypatch.setattr(pyogrio, "get_gdal_config_option", lambda name: None)
    seen: dict[str, str] = {}
    monkeypatch.setattr(pyogrio, "set_gdal_config_options", seen.update)
    options = driver_options()
    assert seen["CPL_TMPDIR"]
    assert options["USE_CUSTOM_INDEXING"] == "YES"
    assert int(options["MAX_TMPFILE_SIZE"]) > 0
    assert options.get("CONFIG_FILE", "osmconf.ini").endswith("osmconf.ini")
