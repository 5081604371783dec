import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import Geod
from shapely import LineString, Point, Polygon

from sahelgis.io.project_file import load_project, save_project
from sahelgis.model import crs
from sahelgis.model import drawings as dr
from sahelgis.model.layers import VectorLayer
from sahelgis.model.project import Project
from sahelgis.model.styles import Style

BAMAKO = (-8.0, 12.65)
KATI = (-8.07183, 12.74409)
TRIANGLE = Polygon([(-8.0, 12.6), (-7.9, 12.6), (-7.95, 12.7)])
ROAD = LineString([(-8.0, 12.65), (-7.8, 12.9), (-7.6, 13.0)])


def data_state(layer):
    frame = layer.data
    return (
        list(frame.columns),
        [str(t) for t in frame.dtypes],
        frame.drop(columns="geometry").to_dict("records"),
        [bytes(b) for b in shapely.to_wkb(frame.geometry.to_numpy())],
    )


def project_state(project):
    out = []
    for layer in project.layers:
        meta = layer.metadata()
        if isinstance(layer, VectorLayer):
            meta["data"] = data_state(layer)
        out.append(meta)
    return out


def drawing_project():
    project = Project()
    layer = dr.add_drawing_layer(project, "Sketch")
    project.undo_stack.clear()
    project.mark_saved()
    return project, layer


def test_new_layer_has_schema_role_and_labels():
    layer = dr.new_drawing_layer("Patrol notes")
    assert layer.role == dr.ROLE_DRAWING
    assert list(layer.data.columns) == list(dr.COLUMNS)
    assert layer.data.crs.equals(crs.WGS84)
    assert layer.style.label_field == dr.COL_NAME
    assert layer.feature_count == 0


def test_edits_undo_to_identical_data_and_redo_to_final():
    project, layer = drawing_project()
    changed = []
    for name in ("visible", "opacity", "style", "name", "data"):
        getattr(layer.signals, name).connect(lambda *a, what=name: changed.append(what))
    start = data_state(layer)
    a = dr.add_feature(project, layer.id, TRIANGLE, name="Zone A", category="camp")
    b = dr.add_feature(project, layer.id, ROAD, name="Route", color="#0072B2")
    c = dr.add_feature(project, layer.id, Point(*BAMAKO), note="checkpoint")
    assert (a, b, c) == (1, 2, 3)
    assert changed == ["data"] * 3
    dr.move_features(project, layer.id, [a, c], 1000.0, -500.0)
    dr.update_attributes(project, layer.id, b, name="RN3 detour", note="seen 3 May")
    token = dr.new_merge_token()
    before_drag = project.undo_stack.index
    for step in range(5):  # one vertex drag = one undo entry
        dr.move_vertex(project, layer.id, b, 1, -7.8 + 0.01 * step, 12.9, merge=token)
    assert project.undo_stack.index == before_drag + 1
    dr.insert_vertex(project, layer.id, a, 3, -7.98, 12.66)
    dr.remove_vertex(project, layer.id, a, 0)
    dr.update_geometry(project, layer.id, c, Point(-7.5, 13.5))
    dr.remove_features(project, layer.id, [b])
    final = data_state(layer)
    assert layer.feature_count == 2
    assert len(dr.vertices(dr.feature_geometry(layer, a))) == 3
    assert dr.feature(layer, c)["note"] == "checkpoint"
    assert not layer.has_display_cache or len(layer.display_geometry()) == 2
    while project.undo_stack.undo():
        pass
    assert data_state(layer) == start
    while project.undo_stack.redo():
        pass
    assert data_state(layer) == final


def test_vertex_drag_merges_only_within_one_drag():
    project, layer = drawing_project()
    fid = dr.add_feature(project, layer.id, ROAD)
    original = dr.feature_geometry(layer, fid)
    first, second = dr.new_merge_token(), dr.new_merge_token()
    dr.move_vertex(project, layer.id, fid, 0, -8.1, 12.6, merge=first)
    dr.move_vertex(project, layer.id, fid, 0, -8.2, 12.6, merge=first)
    dr.move_vertex(project, layer.id, fid, 0, -8.3, 12.6, merge=second)
    assert project.undo_stack.texts()[-2:] == ["Move vertex of line"] * 2
    project.undo_stack.undo()
    assert dr.vertices(dr.feature_geometry(layer, fid))[0].tolist() == [-8.2, 12.6]
    project.undo_stack.undo()
    assert dr.feature_geometry(layer, fid).equals_exact(original, 0.0)


def test_move_is_in_display_metres():
    project, layer = drawing_project()
    fid = dr.add_feature(project, layer.id, Point(*KATI))
    x0, y0 = crs.to_display().transform(*KATI)
    dr.move_features(project, layer.id, [fid], 2500.0, -1200.0)
    moved = dr.feature_geometry(layer, fid)
    x1, y1 = crs.to_display().transform(moved.x, moved.y)
    assert x1 - x0 == pytest.approx(2500.0, abs=1e-6)
    assert y1 - y0 == pytest.approx(-1200.0, abs=1e-6)


def test_vertex_limits_and_bad_input():
    project, layer = drawing_project()
    tri = dr.add_feature(project, layer.id, TRIANGLE)
    line = dr.add_feature(project, layer.id, LineString([(-8, 12), (-7.9, 12.1)]))
    with pytest.raises(ValueError, match="at least 3"):
        dr.remove_vertex(project, layer.id, tri, 0)
    with pytest.raises(ValueError, match="at least 2"):
        dr.remove_vertex(project, layer.id, line, 0)
    with pytest.raises(ValueError, match="unknown drawing attributes"):
        dr.update_attributes(project, layer.id, tri, colour="#FF0000")
    with pytest.raises(ValueError, match="#RRGGBB"):
        dr.update_attributes(project, layer.id, tri, color="red")
    with pytest.raises(ValueError, match="empty"):
        dr.add_feature(project, layer.id, Polygon())
    with pytest.raises(KeyError):
        dr.update_geometry(project, layer.id, 99, Point(0, 0))
    # polygon vertex 0 also moves the closing vertex
    dr.move_vertex(project, layer.id, tri, 0, -8.05, 12.6)
    ring = dr.feature_geometry(layer, tri).exterior.coords
    assert ring[0] == ring[-1] == (-8.05, 12.6)


def test_geodesic_length_and_area_match_pyproj():
    geod = Geod(ellps="WGS84")
    _, _, expected = geod.inv(*BAMAKO, *KATI)
    assert dr.geodesic_length_m([BAMAKO, KATI]) == pytest.approx(expected, rel=0.005)
    assert dr.geodesic_length_m(LineString([BAMAKO, KATI])) == pytest.approx(
        expected, rel=1e-9
    )
    lon, lat = zip(*TRIANGLE.exterior.coords[:-1], strict=True)
    area, perimeter = geod.polygon_area_perimeter(lon, lat)
    assert dr.geodesic_area_m2(TRIANGLE) == pytest.approx(abs(area), rel=1e-9)
    assert dr.geodesic_area_m2(list(zip(lon, lat, strict=True))) == pytest.approx(
        abs(area), rel=1e-9
    )
    assert dr.geodesic_length_m(TRIANGLE) == pytest.approx(perimeter, rel=1e-9)
    segments = dr.segment_lengths_m([BAMAKO, KATI, BAMAKO])
    assert segments.tolist() == pytest.approx([expected, expected])
    text = dr.measure_text(np.array([BAMAKO, KATI]), closed=False)
    assert text.startswith("Length 13.01 km (8.08 mi)")
    assert "km²" in dr.measure_text(np.array(TRIANGLE.exterior.coords[:-1]), True)


def test_snap_to_towns_roads_and_drawings():
    towns = VectorLayer(
        name="Towns",
        role="towns",
        data=gpd.GeoDataFrame(geometry=[Point(*KATI)], crs="EPSG:4326"),
    )
    project = Project([towns])
    layer = dr.add_drawing_layer(project)
    fid = dr.add_feature(project, layer.id, ROAD)
    candidates = dr.snap_candidates(project)
    assert len(candidates[0]) == 1 + 3
    kx, ky = crs.to_display().transform(*KATI)
    assert dr.snap(kx + 30, ky - 40, candidates, 100.0) == (kx, ky, True)
    assert dr.snap(kx + 300, ky, candidates, 100.0) == (kx + 300, ky, False)
    assert len(dr.snap_candidates(project, exclude=(layer.id, fid))[0]) == 1
    project.set_visible(towns.id, False)
    assert len(dr.snap_candidates(project)[0]) == 3


def apply_random_op(project, op):
    kind, a, b, c = op
    layers = dr.drawing_layers(project)
    if kind == "new_layer" or not layers:
        dr.add_drawing_layer(project, f"L{a}")
        return
    layer = layers[a % len(layers)]
    fids = layer.data[dr.COL_FID].tolist()
    lon, lat = -8.0 + b / 100, 12.5 + c / 100
    if kind == "add_point":
        dr.add_feature(project, layer.id, Point(lon, lat), name=f"p{a}")
    elif kind == "add_line":
        dr.add_feature(project, layer.id, LineString([(lon, lat), (lon + 0.1, lat)]))
    elif kind == "add_polygon":
        poly = Polygon([(lon, lat), (lon + 0.1, lat), (lon, lat + 0.1)])
        dr.add_feature(project, layer.id, poly, category="zone")
    elif kind == "style":
        project.set_style(
            layer.id, Style(color=f"#{a % 256:02X}2030", label_field="name")
        )
    elif kind == "rename":
        project.rename_layer(layer.id, f"renamed {b}")
    elif not fids:
        return
    else:
        fid = fids[b % len(fids)]
        geometry = dr.feature_geometry(layer, fid)
        n = len(dr.vertices(geometry))
        if kind == "move":
            dr.move_features(project, layer.id, [fid], 100.0 * a, -50.0 * c)
        elif kind == "attrs":
            dr.update_attributes(project, layer.id, fid, note=f"n{c}", color="#00AA00")
        elif kind == "vertex":
            dr.move_vertex(project, layer.id, fid, c % n, lon, lat, merge=a % 2 == 0)
        elif kind == "insert" and geometry.geom_type != "Point":
            dr.insert_vertex(project, layer.id, fid, c % (n + 1), lon, lat)
        elif kind == "remove_vertex" and dr.can_remove_vertex(geometry):
            dr.remove_vertex(project, layer.id, fid, c % n)
        elif kind == "delete":
            dr.remove_features(project, layer.id, [fid])


OPS = st.tuples(
    st.sampled_from(
        [
            "new_layer",
            "add_point",
            "add_line",
            "add_polygon",
            "style",
            "rename",
            "move",
            "attrs",
            "vertex",
            "insert",
            "remove_vertex",
            "delete",
        ]
    ),
    st.integers(0, 9),
    st.integers(0, 40),
    st.integers(0, 40),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(OPS, min_size=1, max_size=12))
def test_random_edits_undo_to_start_and_redo_to_end(ops):
    project, _ = drawing_project()
    start = project_state(project)
    for op in ops:
        apply_random_op(project, op)
    end = project_state(project)
    project.undo_stack.set_index(0)
    assert project_state(project) == start
    project.undo_stack.set_index(len(project.undo_stack.texts()))
    assert project_state(project) == end


def test_save_and_reopen_keeps_drawings_exactly(tmp_path):
    project, layer = drawing_project()
    empty = dr.add_drawing_layer(project, "Empty")
    dr.add_feature(project, layer.id, TRIANGLE, name="Zone é", note="a\nb")
    dr.add_feature(project, layer.id, ROAD, category="route", color="#0072B2")
    dr.add_feature(project, layer.id, Point(-7.123456789012345, 13.987654321098765))
    dr.remove_features(project, layer.id, [1])  # ids need not be contiguous
    dr.add_feature(project, layer.id, Point(*KATI), name="Kati")
    path = save_project(project, tmp_path / "drawings.gpkg")
    reopened = load_project(path)
    again = reopened.layer(layer.id)
    assert again.role == dr.ROLE_DRAWING
    assert again.style == layer.style
    assert data_state(again) == data_state(layer)
    assert data_state(reopened.layer(empty.id)) == data_state(empty)
    # the reopened layer stays editable and undoable
    dr.update_attributes(reopened, layer.id, 4, name="Kati town")
    reopened.undo_stack.undo()
    assert data_state(again) == data_state(layer)
