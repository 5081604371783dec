"""QML and .qgs text written for QGIS: valid XML whatever the names hold."""

from __future__ import annotations

import io
import sqlite3
import xml.etree.ElementTree as ET
import zipfile

import geopandas as gpd
from shapely.geometry import LineString

from sahelgis.io.project_file import save_project
from sahelgis.io.qgis_project import LayerTable, layer_qml, qgis_colour
from sahelgis.model.layers import VectorLayer
from sahelgis.model.project import Project
from sahelgis.model.styles import Style

HOSTILE = '<b>Roads & "tracks"</b> ]]> \''


def _roads() -> VectorLayer:
    frame = gpd.GeoDataFrame(
        {"kind": [HOSTILE, "track"], "ref": ["RN4", "R&1"]},
        geometry=[LineString([(0, 0), (1, 1)]), LineString([(1, 0), (0, 1)])],
        crs="EPSG:4326",
    )
    style = Style(
        color="#C1121F",
        line_width=2.5,
        line_style="dash",
        category_field="kind",
        categories={HOSTILE: "#112233CC", "track": "#445566"},
        label_field="ref",
    )
    return VectorLayer(data=frame, name=HOSTILE, style=style, opacity=0.7)


def test_qml_escapes_category_values_and_keeps_colours():
    qml = layer_qml(LayerTable(_roads(), "roads", "line", {}))
    root = ET.fromstring(qml.split("\n", 1)[1])
    categories = root.findall("./renderer-v2/categories/category")
    assert [c.get("value") for c in categories] == [HOSTILE, "track", ""]
    colours = [
        o.get("value") for o in root.iter("Option") if o.get("name") == "line_color"
    ]
    assert colours == ["17,34,51,204", "68,85,102,255", "158,158,158,255"]
    assert {
        o.get("value") for o in root.iter("Option") if o.get("name") == "line_style"
    } == {"dash"}
    assert root.find("./labeling/settings/text-style").get("fieldName") == "ref"
    assert root.findtext("layerOpacity") == "0.7"


def test_saved_file_holds_styles_and_a_project_naming_our_tables(tmp_path):
    path = save_project(Project([_roads()]), tmp_path / "r.gpkg")
    with sqlite3.connect(path) as con:
        ((table, qml),) = con.execute(
            "SELECT f_table_name, styleQML FROM layer_styles"
        ).fetchall()
        (content,) = con.execute("SELECT content FROM qgis_projects").fetchone()
    assert table == "b_roads_tracks_b"
    ET.fromstring(qml.split("\n", 1)[1])
    with zipfile.ZipFile(io.BytesIO(bytes.fromhex(content))) as archive:
        (name,) = archive.namelist()
        qgs = archive.read(name).decode("utf-8")
    root = ET.fromstring(qgs.split("\n", 1)[1])
    (node,) = root.findall("./layer-tree-group/layer-tree-layer")
    assert node.get("name") == HOSTILE
    assert node.get("source") == "./r.gpkg|layername=b_roads_tracks_b"


def test_colour_text():
    assert qgis_colour("#FFFFFF") == "255,255,255,255"
    assert qgis_colour("#00000080") == "0,0,0,128"
