import geopandas as gpd
import pyogrio
import pytest
import shapely
from shapely import LineString, Point, Polygon

from sahelgis.errors import InputError, SahelGISError
from sahelgis.io.drawings_io import export_drawings, import_drawings
from sahelgis.model import drawings as dr
from sahelgis.model.project import Project

ATTRS = ["feature_id", "name", "note", "category", "color"]


@pytest.fixture
def layer():
    project = Project()
    layer = dr.add_drawing_layer(project, "Patrol sketch")
    poly = Polygon(
        [(-8.0, 12.6), (-7.9, 12.6), (-7.95, 12.7)],
        [[(-7.96, 12.62), (-7.94, 12.62), (-7.95, 12.64)]],
    )
    dr.add_feature(project, layer.id, poly, name="Zone <A> & B", note="é\nline 2")
    dr.add_feature(
        project,
        layer.id,
        LineString([(-8.0, 12.65), (-7.812345678901234, 12.987654321098765)]),
        name="Route",
        category="road",
        color="#0072B2",
    )
    dr.add_feature(project, layer.id, Point(-8.07183, 12.74409), name="Kati")
    return layer


def same_geometries(a, b, exact):
    a, b = a.geometry.to_numpy(), b.geometry.to_numpy()
    if exact:
        return list(shapely.to_wkb(a)) == list(shapely.to_wkb(b))
    return bool(shapely.equals(shapely.normalize(a), shapely.normalize(b)).all())


@pytest.mark.parametrize(
    ("suffix", "exact"),
    [(".gpkg", True), (".geojson", True), (".kml", True), (".shp", False)],
)
def test_round_trip(layer, tmp_path, suffix, exact):
    written = export_drawings(layer, tmp_path / f"out{suffix}")
    if suffix == ".shp":  # one file per geometry type
        assert [p.name for p in written] == [
            "out_points.shp",
            "out_lines.shp",
            "out_polygons.shp",
        ]
        frames = [import_drawings(p).data for p in written]
        back = gpd.GeoDataFrame(
            gpd.pd.concat(frames, ignore_index=True), crs="EPSG:4326"
        )
        back = back.sort_values("feature_id").reset_index(drop=True)
    else:
        assert written == [tmp_path / f"out{suffix}"]
        imported = import_drawings(written[0])
        assert imported.role == dr.ROLE_DRAWING
        assert imported.name == "out"
        back = imported.data
    assert list(back.columns) == list(dr.COLUMNS)
    assert back[ATTRS].to_dict("records") == layer.data[ATTRS].to_dict("records")
    assert same_geometries(back, layer.data, exact)
    # export again over the same file: replaced, not appended
    export_drawings(layer, tmp_path / f"out{suffix}")


def test_kml_has_names_descriptions_and_colours(layer, tmp_path):
    path = export_drawings(layer, tmp_path / "sketch.kml")[0]
    text = path.read_text(encoding="utf-8")
    assert "<name>Zone &lt;A&gt; &amp; B</name>" in text
    assert "<description>é\nline 2</description>" in text
    assert "<color>ffb27200</color>" in text  # #0072B2 as aabbggrr
    # other tools' KML: Name/Description map onto name/note, extra fields drop
    frame = gpd.GeoDataFrame(
        {"Name": ["Well"], "Description": ["dry"], "altitude": [3]},
        geometry=[Point(-7.5, 13.5)],
        crs="EPSG:4326",
    )
    other = tmp_path / "other.kml"
    pyogrio.write_dataframe(frame, other, driver="KML")
    imported = import_drawings(other)
    record = imported.data.drop(columns="geometry").to_dict("records")
    assert record == [
        {"feature_id": 1, "name": "Well", "note": "dry", "category": "", "color": ""}
    ]


def test_shapefile_of_one_kind_is_one_file(tmp_path):
    project = Project()
    layer = dr.add_drawing_layer(project)
    dr.add_feature(project, layer.id, Point(-7.5, 13.5), name="a")
    assert export_drawings(layer, tmp_path / "pts.shp") == [tmp_path / "pts.shp"]


def test_bad_input_names_the_file(tmp_path, layer):
    with pytest.raises(InputError, match=r"missing\.kml: file not found"):
        import_drawings(tmp_path / "missing.kml")
    junk = tmp_path / "junk.geojson"
    junk.write_text("{ not json", encoding="utf-8")
    with pytest.raises(InputError, match=r"junk\.geojson: not a readable"):
        import_drawings(junk)
    csv = tmp_path / "table.csv"
    csv.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"table\.csv: cannot import drawings"):
        import_drawings(csv)
    with pytest.raises(SahelGISError, match=r"cannot export drawings as '\.txt'"):
        export_drawings(layer, tmp_path / "x.txt")
    with pytest.raises(SahelGISError, match="no drawings to export"):
        export_drawings(dr.new_drawing_layer("Empty"), tmp_path / "e.gpkg")
    nocrs = tmp_path / "nocrs.shp"
    with pytest.warns(UserWarning, match="'crs' was not provided"):
        pyogrio.write_dataframe(
            gpd.GeoDataFrame({"name": ["x"]}, geometry=[Point(1, 2)]), nocrs
        )
    with pytest.raises(InputError, match=r"nocrs\.shp: .*no coordinate reference"):
        import_drawings(nocrs)
