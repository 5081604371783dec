"""Drawings: points, lines and polygons an analyst adds to a map, and measuring.

A drawing layer is a ``VectorLayer`` with role ``"drawing"`` whose GeoDataFrame
(EPSG:4326) has a fixed schema: ``feature_id`` (stable per layer), ``name``,
``note``, ``category``, ``color`` and ``geometry``. Every edit is one undoable
entry on the project's stack, made by ``Project.replace_data``: it swaps the
layer's whole frame (frames are never changed in place, so undo restores the very
same object) and the layer emits ``layer.signals.data``. Nothing here imports Qt, so
scripts and tests edit and undo exactly as the GUI does.

Coordinates: geometries and vertex positions are lon/lat (EPSG:4326); moves and
snapping work in the display CRS (metres, ``crs.DISPLAY_CRS``) because that is
what the analyst sees and drags. Lengths and areas are geodesic on WGS84.

Size: the drawing layers' schema and every undoable edit on them; they share
the schema checks.
"""

from __future__ import annotations

import itertools
import re
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from sahelgis.model import crs
from sahelgis.model.layers import ROLE_PLACES, ROLE_ROADS, VectorLayer
from sahelgis.model.styles import Style

if TYPE_CHECKING:
    from collections.abc import Hashable, Iterable, Sequence

    from sahelgis.model.project import Project

ROLE_DRAWING = "drawing"
ROLE_TOWNS = "towns"

# Column names. The id is not called "fid": GeoPackage drivers take a column of
# that name as the table's own FID and drop it on reading, so it would not survive
# a project save. "feature_id" also fits a Shapefile's 10-character field names.
COL_FID = "feature_id"
COL_NAME = "name"
COL_NOTE = "note"
COL_CATEGORY = "category"
COL_COLOR = "color"
COL_GEOMETRY = "geometry"
TEXT_COLUMNS = (COL_NAME, COL_NOTE, COL_CATEGORY, COL_COLOR)
COLUMNS = (COL_FID, *TEXT_COLUMNS, COL_GEOMETRY)
ATTRIBUTES = TEXT_COLUMNS  # what ``update_attributes`` accepts

DEFAULT_COLOR = "#D62828"
DRAWING_STYLE = Style(
    color=DEFAULT_COLOR,
    size=8.0,
    line_width=2.0,
    label_field=COL_NAME,
    label_size=9.0,
    label_color="#7A0C0C",
)
#: Geometry types a drawing layer accepts (vertex editing needs the first three).
GEOMETRY_TYPES = (
    "Point",
    "LineString",
    "Polygon",
    "MultiPoint",
    "MultiLineString",
    "MultiPolygon",
)
MIN_VERTICES = {"Point": 1, "LineString": 2, "Polygon": 3}
KIND_NAMES = {
    "Point": "point",
    "LineString": "line",
    "Polygon": "polygon",
    "MultiPoint": "points",
    "MultiLineString": "lines",
    "MultiPolygon": "polygons",
}
_COLOR_RE = re.compile(r"^#[0-9A-Fa-f]{6}$")
_merge_tokens = itertools.count(1)

METRES_PER_MILE = 1609.344
M2_PER_SQ_MILE = METRES_PER_MILE**2


# -- layers -----------------------------------------------------------------
def empty_frame() -> gpd.GeoDataFrame:
    """An empty drawing table with the drawing schema, EPSG:4326."""
    data: dict[str, Any] = {COL_FID: pd.Series([], dtype="int64")}
    for column in TEXT_COLUMNS:
        data[column] = pd.Series([], dtype=str)
    return gpd.GeoDataFrame(
        data, geometry=gpd.GeoSeries([], crs=crs.WGS84), crs=crs.WGS84
    )


def new_drawing_layer(name: str = "Drawings") -> VectorLayer:
    """A new, empty drawing layer (role ``"drawing"``, labels from ``name``)."""
    return VectorLayer(
        name=name,
        data=empty_frame(),
        role=ROLE_DRAWING,
        style=DRAWING_STYLE,
        attribution="Drawn by the analyst",
    )


def add_drawing_layer(
    project: Project, name: str = "Drawings", index: int = 0
) -> VectorLayer:
    """Create a drawing layer and add it to the project (undoable); returns it."""
    layer = new_drawing_layer(name)
    project.add_layer(layer, index)
    return layer


def drawing_layers(project: Project) -> list[VectorLayer]:
    """The project's drawing layers, top first."""
    return [
        layer
        for layer in project.layers
        if isinstance(layer, VectorLayer) and layer.role == ROLE_DRAWING
    ]


def normalise_frame(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A copy in the drawing schema: columns in order, dtypes fixed, RangeIndex.

    Missing text columns become empty strings, missing ids are numbered from 1,
    other columns are dropped. The frame must be in EPSG:4326.
    """
    out: dict[str, Any] = {}
    n = len(frame)
    if COL_FID in frame:
        ids = pd.to_numeric(frame[COL_FID], errors="coerce")
        if ids.isna().any() or ids.duplicated().any():
            ids = pd.Series(np.arange(1, n + 1))
        out[COL_FID] = np.asarray(ids, dtype="int64")
    else:
        out[COL_FID] = np.arange(1, n + 1, dtype="int64")
    for column in TEXT_COLUMNS:
        if column in frame:
            values = frame[column].astype(object).where(frame[column].notna(), "")
            out[column] = pd.Series([str(v) for v in values], dtype=str, index=range(n))
        else:
            out[column] = pd.Series([""] * n, dtype=str)
    geoms = gpd.GeoSeries(
        np.asarray(frame.geometry.to_numpy(), dtype=object), crs=crs.WGS84
    )
    return gpd.GeoDataFrame(out, geometry=geoms, crs=crs.WGS84)


# -- the data-replacing primitive -------------------------------------------
def _layer(project: Project, layer_id: str) -> VectorLayer:
    layer = project.layer(layer_id)
    if not isinstance(layer, VectorLayer):
        raise TypeError(f"layer {layer.name!r} holds no vector data to edit")
    return layer


def _merge_key(op: str, layer_id: str, what: object, merge: bool | Hashable) -> Any:
    if merge is False or merge is None:
        return None
    token = None if merge is True else merge
    return ("drawing", op, layer_id, what, token)


def new_merge_token() -> int:
    """A fresh token for ``merge=``: edits with the same token form one undo entry.

    A vertex drag takes one token at the press and passes it with every move.
    """
    return next(_merge_tokens)


def _replace(
    project: Project,
    layer_id: str,
    new: gpd.GeoDataFrame,
    text: str,
    merge_key: Any = None,
) -> None:
    _layer(project, layer_id)  # a vector layer, or TypeError
    project.replace_data(layer_id, new, text, merge_key)


def _row(layer: VectorLayer, fid: int) -> int:
    hits = np.flatnonzero(layer.data[COL_FID].to_numpy() == int(fid))
    if hits.size == 0:
        raise KeyError(f"no feature {fid} in layer {layer.name!r}")
    return int(hits[0])


def _with_geometry(
    frame: gpd.GeoDataFrame, row: int, geometry: BaseGeometry
) -> gpd.GeoDataFrame:
    geoms = frame.geometry.to_numpy().copy()
    geoms[row] = geometry
    out = frame.copy()
    out[frame.geometry.name] = gpd.GeoSeries(geoms, index=frame.index, crs=crs.WGS84)
    return out


def _check_geometry(geometry: object) -> BaseGeometry:
    if not isinstance(geometry, BaseGeometry):
        raise TypeError(f"expected a shapely geometry, got {type(geometry).__name__}")
    if geometry.is_empty:
        raise ValueError("cannot store an empty geometry")
    if geometry.geom_type not in GEOMETRY_TYPES:
        raise ValueError(
            f"drawings hold points, lines and polygons, not {geometry.geom_type}"
        )
    if shapely.has_z(geometry):
        geometry = shapely.force_2d(geometry)
    return geometry


def _check_attrs(attrs: dict[str, object]) -> dict[str, str]:
    unknown = set(attrs) - set(ATTRIBUTES)
    if unknown:
        raise ValueError(
            f"unknown drawing attributes {sorted(unknown)}; use {list(ATTRIBUTES)}"
        )
    out = {k: "" if v is None else str(v) for k, v in attrs.items()}
    color = out.get(COL_COLOR)
    if color and not _COLOR_RE.match(color):
        raise ValueError(f"colour {color!r} is not #RRGGBB")
    return out


def _label(layer: VectorLayer, row: int) -> str:
    kind = KIND_NAMES.get(layer.data.geometry.iloc[row].geom_type, "feature")
    name = layer.data[COL_NAME].iloc[row]
    return f"{kind} “{name}”" if name else kind


# -- feature operations -----------------------------------------------------
def feature(layer: VectorLayer, fid: int) -> dict[str, Any]:
    """One feature as a dict (attributes and ``geometry``)."""
    return layer.data.iloc[_row(layer, fid)].to_dict()


def feature_geometry(layer: VectorLayer, fid: int) -> BaseGeometry:
    """A feature's lon/lat geometry."""
    return layer.data.geometry.iloc[_row(layer, fid)]


def next_fid(layer: VectorLayer) -> int:
    """The id the next added feature gets (one more than the largest)."""
    ids = layer.data[COL_FID].to_numpy() if COL_FID in layer.data else []
    return int(np.max(ids)) + 1 if len(ids) else 1


def add_feature(
    project: Project, layer_id: str, geometry_lonlat: BaseGeometry, **attrs: object
) -> int:
    """Add a feature (lon/lat geometry) to a drawing layer; returns its id. Undoable.

    ``attrs`` may set ``name``, ``note``, ``category`` and ``color`` (``#RRGGBB``,
    defaults to the layer's style colour).
    """
    layer = _layer(project, layer_id)
    geometry = _check_geometry(geometry_lonlat)
    values = _check_attrs(attrs)
    fid = next_fid(layer)
    base = (
        normalise_frame(layer.data)
        if list(layer.data.columns) != list(COLUMNS)
        else layer.data
    )
    record: dict[str, Any] = {COL_FID: np.array([fid], dtype="int64")}
    for column in TEXT_COLUMNS:
        record[column] = pd.Series([values.get(column, "")], dtype=str)
    if not record[COL_COLOR].iloc[0]:
        record[COL_COLOR] = pd.Series([layer.style.color[:7]], dtype=str)
    row = gpd.GeoDataFrame(
        record, geometry=gpd.GeoSeries([geometry], crs=crs.WGS84), crs=crs.WGS84
    )
    new = row if base.empty else pd.concat([base, row], ignore_index=True)
    new = gpd.GeoDataFrame(new, geometry=COL_GEOMETRY, crs=crs.WGS84)
    kind = KIND_NAMES[geometry.geom_type]
    name = values.get(COL_NAME, "")
    _replace(project, layer_id, new, f"Add {kind}" + (f" “{name}”" if name else ""))
    return fid


def remove_features(
    project: Project, layer_id: str, fids: Iterable[int]
) -> gpd.GeoDataFrame:
    """Delete features by id; returns the removed rows. Undoable (one entry)."""
    layer = _layer(project, layer_id)
    wanted = {int(f) for f in fids}
    mask = layer.data[COL_FID].isin(wanted).to_numpy()
    if not mask.any():
        return layer.data.iloc[0:0].copy()
    removed = layer.data[mask].copy()
    new = layer.data[~mask].reset_index(drop=True)
    count = int(mask.sum())
    text = (
        f"Delete {_label(layer, int(np.flatnonzero(mask)[0]))}"
        if count == 1
        else f"Delete {count} drawings"
    )
    _replace(project, layer_id, new, text)
    return removed


def update_geometry(
    project: Project,
    layer_id: str,
    fid: int,
    geometry: BaseGeometry,
    merge: bool | Hashable = False,
) -> None:
    """Replace a feature's lon/lat geometry. Undoable.

    ``merge``: True merges with the previous edit of this feature's geometry; a
    token (``new_merge_token()``) merges only edits carrying the same token.
    """
    layer = _layer(project, layer_id)
    row = _row(layer, fid)
    geometry = _check_geometry(geometry)
    if layer.data.geometry.iloc[row].equals_exact(geometry, 0.0) and not merge:
        return
    new = _with_geometry(layer.data, row, geometry)
    _replace(
        project,
        layer_id,
        new,
        f"Edit {_label(layer, row)}",
        _merge_key("geometry", layer_id, int(fid), merge),
    )


def update_attributes(
    project: Project, layer_id: str, fid: int, **attrs: object
) -> None:
    """Set name, note, category and/or colour of a feature. Undoable; no-op if same."""
    layer = _layer(project, layer_id)
    row = _row(layer, fid)
    values = _check_attrs(attrs)
    changes = {k: v for k, v in values.items() if layer.data[k].iloc[row] != v}
    if not changes:
        return
    new = layer.data.copy()
    for column, value in changes.items():
        series = new[column].copy()
        series.iloc[row] = value
        new[column] = series
    _replace(project, layer_id, new, f"Edit attributes of {_label(layer, row)}")


def translate_display(geometry: BaseGeometry, dx_m: float, dy_m: float) -> BaseGeometry:
    """A lon/lat geometry shifted by ``(dx_m, dy_m)`` metres in the display CRS."""
    forward, back = crs.to_display(), crs.to_lonlat()

    def shift(xy: np.ndarray) -> np.ndarray:
        x, y = forward.transform(xy[:, 0], xy[:, 1])
        lon, lat = back.transform(np.asarray(x) + dx_m, np.asarray(y) + dy_m)
        return np.column_stack([lon, lat])

    return shapely.transform(geometry, shift)


def move_features(
    project: Project,
    layer_id: str,
    fids: Iterable[int],
    dx_m: float,
    dy_m: float,
    merge: bool | Hashable = False,
) -> None:
    """Shift features by ``(dx_m, dy_m)`` metres in the display CRS. Undoable.

    ``merge`` as in ``update_geometry`` (a feature drag passes one token).
    """
    layer = _layer(project, layer_id)
    fids = sorted({int(f) for f in fids})
    rows = [_row(layer, f) for f in fids]
    if not rows or (dx_m == 0 and dy_m == 0 and not merge):
        return
    geoms = layer.data.geometry.to_numpy().copy()
    geoms[rows] = [translate_display(geoms[r], dx_m, dy_m) for r in rows]
    new = layer.data.copy()
    new[layer.data.geometry.name] = gpd.GeoSeries(
        geoms, index=layer.data.index, crs=crs.WGS84
    )
    text = (
        f"Move {_label(layer, rows[0])}"
        if len(rows) == 1
        else f"Move {len(rows)} drawings"
    )
    _replace(
        project, layer_id, new, text, _merge_key("move", layer_id, tuple(fids), merge)
    )


# -- vertices ---------------------------------------------------------------
def vertices(geometry: BaseGeometry) -> np.ndarray:
    """Editable vertices ``(n, 2)`` of a Point, LineString or Polygon exterior.

    A polygon's closing vertex is left out (it follows the first one).
    """
    kind = geometry.geom_type
    if isinstance(geometry, shapely.Point):
        return np.array([[geometry.x, geometry.y]])
    if kind == "LineString":
        return shapely.get_coordinates(geometry)
    if isinstance(geometry, shapely.Polygon):
        return shapely.get_coordinates(geometry.exterior)[:-1]
    raise ValueError(
        f"vertex editing works on single points, lines and polygons, not {kind}"
    )


def with_vertices(geometry: BaseGeometry, coords: np.ndarray) -> BaseGeometry:
    """The same kind of geometry through new vertices (polygon holes are kept)."""
    coords = np.asarray(coords, dtype=float)
    kind = geometry.geom_type
    if kind == "Point":
        return shapely.Point(coords[0])
    if kind == "LineString":
        return shapely.LineString(coords)
    if isinstance(geometry, shapely.Polygon):
        return shapely.Polygon(coords, [ring.coords for ring in geometry.interiors])
    raise ValueError(f"vertex editing works on simple geometries, not {kind}")


def can_remove_vertex(geometry: BaseGeometry) -> bool:
    """False when removing one more vertex would leave too few (line 2, polygon 3)."""
    minimum = MIN_VERTICES.get(geometry.geom_type)
    return minimum is not None and len(vertices(geometry)) > minimum


def _vertex_edit(
    project: Project,
    layer_id: str,
    fid: int,
    coords_fn: Any,
    verb: str,
    merge_key: Any = None,
) -> None:
    layer = _layer(project, layer_id)
    row = _row(layer, fid)
    geometry = layer.data.geometry.iloc[row]
    new_geometry = with_vertices(geometry, coords_fn(vertices(geometry)))
    new = _with_geometry(layer.data, row, new_geometry)
    _replace(project, layer_id, new, f"{verb} {_label(layer, row)}", merge_key)


def move_vertex(
    project: Project,
    layer_id: str,
    fid: int,
    index: int,
    lon: float,
    lat: float,
    merge: bool | Hashable = False,
) -> None:
    """Put vertex ``index`` at ``(lon, lat)``. Undoable; drags merge via ``merge``."""

    def edit(coords: np.ndarray) -> np.ndarray:
        coords = coords.copy()
        coords[index] = (lon, lat)
        return coords

    _vertex_edit(
        project,
        layer_id,
        fid,
        edit,
        "Move vertex of",
        _merge_key("vertex", layer_id, (int(fid), int(index)), merge),
    )


def insert_vertex(
    project: Project, layer_id: str, fid: int, index: int, lon: float, lat: float
) -> None:
    """Insert a vertex at ``(lon, lat)`` before position ``index``. Undoable."""
    layer = _layer(project, layer_id)
    geometry = feature_geometry(layer, fid)
    if geometry.geom_type not in ("LineString", "Polygon"):
        raise ValueError(f"cannot add a vertex to a {geometry.geom_type}")
    n = len(vertices(geometry))
    if not 0 <= index <= n:
        raise IndexError(f"vertex position {index} outside 0..{n}")
    _vertex_edit(
        project,
        layer_id,
        fid,
        lambda coords: np.insert(coords, index, (lon, lat), axis=0),
        "Add vertex to",
    )


def remove_vertex(project: Project, layer_id: str, fid: int, index: int) -> None:
    """Remove vertex ``index``. Undoable.

    Raises ``ValueError`` when a line would keep fewer than 2 vertices or a
    polygon fewer than 3 (delete the feature instead).
    """
    layer = _layer(project, layer_id)
    geometry = feature_geometry(layer, fid)
    if not can_remove_vertex(geometry):
        raise ValueError(
            f"a {KIND_NAMES.get(geometry.geom_type, 'feature')} needs at least "
            f"{MIN_VERTICES.get(geometry.geom_type, 1)} vertices"
        )
    n = len(vertices(geometry))
    if not 0 <= index < n:
        raise IndexError(f"vertex {index} outside 0..{n - 1}")
    _vertex_edit(
        project,
        layer_id,
        fid,
        lambda coords: np.delete(coords, index, axis=0),
        "Remove vertex from",
    )


# -- measuring --------------------------------------------------------------
def _coords(value: BaseGeometry | Sequence[Sequence[float]] | np.ndarray) -> np.ndarray:
    if isinstance(value, BaseGeometry):
        return shapely.get_coordinates(value)
    coords = np.asarray(value, dtype=float)
    return coords.reshape(-1, 2) if coords.size else np.empty((0, 2))


def segment_lengths_m(
    coords_lonlat: Sequence[Sequence[float]] | np.ndarray,
) -> np.ndarray:
    """Geodesic length (WGS84, metres) of each segment of a lon/lat vertex list."""
    coords = _coords(coords_lonlat)
    if len(coords) < 2:
        return np.empty(0)
    _, _, dist = crs.GEOD.inv(
        coords[:-1, 0], coords[:-1, 1], coords[1:, 0], coords[1:, 1]
    )
    return np.asarray(dist, dtype=float)


def geodesic_length_m(
    line_lonlat: BaseGeometry | Sequence[Sequence[float]] | np.ndarray,
) -> float:
    """Ground length in metres of a lon/lat path (LineString or vertex list).

    For polygons this is the perimeter.
    """
    if isinstance(line_lonlat, BaseGeometry):
        return float(crs.GEOD.geometry_length(line_lonlat))
    return float(segment_lengths_m(line_lonlat).sum())


def geodesic_area_m2(
    polygon_lonlat: BaseGeometry | Sequence[Sequence[float]] | np.ndarray,
) -> float:
    """Ground area in square metres of a lon/lat polygon (or ring vertex list)."""
    if not isinstance(polygon_lonlat, BaseGeometry):
        coords = _coords(polygon_lonlat)
        if len(coords) < 3:
            return 0.0
        polygon_lonlat = shapely.Polygon(coords)
    area, _ = crs.GEOD.geometry_area_perimeter(polygon_lonlat)
    return abs(float(area))


def format_length(metres: float) -> str:
    """``"12.35 km (7.67 mi)"``; under a kilometre in metres."""
    miles = metres / METRES_PER_MILE
    if metres < 1000:
        return f"{metres:,.0f} m ({miles:.2f} mi)"
    return f"{metres / 1000:,.2f} km ({miles:,.2f} mi)"


def format_length_short(metres: float) -> str:
    """``"12.3 km"`` or ``"850 m"`` for labels on the map."""
    if metres < 1000:
        return f"{metres:,.0f} m"
    if metres < 100_000:
        return f"{metres / 1000:.2f} km"
    return f"{metres / 1000:,.1f} km"


def format_area(m2: float) -> str:
    """``"3.10 km² (1.20 mi²)"``; under 0.01 km² in hectares."""
    sq_mi = m2 / M2_PER_SQ_MILE
    if m2 < 10_000:
        return f"{m2 / 10_000:.2f} ha ({sq_mi:.4f} mi²)"
    return f"{m2 / 1e6:,.2f} km² ({sq_mi:,.2f} mi²)"


def measure_text(
    coords_lonlat: np.ndarray | Sequence[Sequence[float]], closed: bool
) -> str:
    """The measure readout of a path: total, last segment and (closed) area."""
    coords = _coords(coords_lonlat)
    segments = segment_lengths_m(coords)
    if closed and len(coords) >= 3:
        ring = np.vstack([coords, coords[:1]])
        perimeter = geodesic_length_m(ring)
        area = geodesic_area_m2(coords)
        return f"Area {format_area(area)} · perimeter {format_length(perimeter)}"
    if not len(segments):
        return "Click to start measuring"
    text = f"Length {format_length(float(segments.sum()))}"
    if len(segments) > 1:
        text += f" · last segment {format_length(float(segments[-1]))}"
        if len(coords) >= 3:
            text += f" · area if closed {format_area(geodesic_area_m2(coords))}"
    return text


def describe_geometry(geometry: BaseGeometry) -> str:
    """A one-line size of a feature: length of lines, area of polygons."""
    kind = geometry.geom_type
    if "Polygon" in kind:
        return (
            f"Area {format_area(geodesic_area_m2(geometry))} · perimeter "
            f"{format_length(geodesic_length_m(geometry))}"
        )
    if "Line" in kind:
        return f"Length {format_length(geodesic_length_m(geometry))}"
    lon, lat = geometry.centroid.x, geometry.centroid.y
    return f"Point {abs(lat):.5f}°{'N' if lat >= 0 else 'S'} {abs(lon):.5f}°" + (
        "E" if lon >= 0 else "W"
    )


# -- snapping ---------------------------------------------------------------
SNAP_POINT_ROLES = (ROLE_PLACES, ROLE_TOWNS)
SNAP_VERTEX_ROLES = (ROLE_ROADS, ROLE_DRAWING)


def snap_candidates(
    project: Project, exclude: tuple[str, int] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Display-CRS points one may snap to: towns, road vertices, drawing vertices.

    Only visible layers count. ``exclude=(layer_id, fid)`` leaves out a feature
    (the one whose vertex is being dragged).
    """
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    for layer in project.layers:
        if not isinstance(layer, VectorLayer) or not layer.visible:
            continue
        if layer.role not in SNAP_POINT_ROLES + SNAP_VERTEX_ROLES or layer.data.empty:
            continue
        geoms = layer.display_geometry().to_numpy()
        if exclude is not None and layer.id == exclude[0] and COL_FID in layer.data:
            geoms = geoms[layer.data[COL_FID].to_numpy() != exclude[1]]
        coords = shapely.get_coordinates(geoms)
        xs.append(coords[:, 0])
        ys.append(coords[:, 1])
    if not xs:
        return np.empty(0), np.empty(0)
    return np.concatenate(xs), np.concatenate(ys)


def snap(
    x: float,
    y: float,
    candidates: tuple[np.ndarray, np.ndarray],
    tolerance_m: float,
) -> tuple[float, float, bool]:
    """The nearest candidate within ``tolerance_m`` (display CRS), else ``(x, y)``.

    Returns ``(x, y, snapped)``.
    """
    cx, cy = candidates
    if len(cx) == 0 or tolerance_m <= 0:
        return x, y, False
    d2 = (cx - x) ** 2 + (cy - y) ** 2
    i = int(np.argmin(d2))
    if d2[i] <= tolerance_m**2:
        return float(cx[i]), float(cy[i]), True
    return x, y, False


def display_to_lonlat(x: float, y: float) -> tuple[float, float]:
    """A display-CRS point as lon/lat."""
    lon, lat = crs.to_lonlat().transform(x, y)
    return float(lon), float(lat)


def lonlat_to_display(lon: float, lat: float) -> tuple[float, float]:
    """A lon/lat point in the display CRS."""
    x, y = crs.to_display().transform(lon, lat)
    return float(x), float(y)


def geometry_from_display(kind: str, coords_xy: np.ndarray) -> BaseGeometry:
    """A lon/lat Point, LineString or Polygon from display-CRS vertices.

    ``kind`` is ``"point"``, ``"line"`` or ``"polygon"``.
    """
    coords_xy = np.asarray(coords_xy, dtype=float).reshape(-1, 2)
    lon, lat = crs.to_lonlat().transform(coords_xy[:, 0], coords_xy[:, 1])
    coords = np.column_stack([lon, lat])
    if kind == "point":
        return shapely.Point(coords[0])
    if kind == "line":
        if len(coords) < 2:
            raise ValueError("a line needs at least 2 vertices")
        return shapely.LineString(coords)
    if kind == "polygon":
        if len(coords) < 3:
            raise ValueError("a polygon needs at least 3 vertices")
        return shapely.Polygon(coords)
    raise ValueError(f"unknown drawing kind {kind!r}")


__all__ = [
    "COLUMNS",
    "COL_CATEGORY",
    "COL_COLOR",
    "COL_FID",
    "COL_GEOMETRY",
    "COL_NAME",
    "COL_NOTE",
    "DRAWING_STYLE",
    "ROLE_DRAWING",
    "add_drawing_layer",
    "add_feature",
    "can_remove_vertex",
    "drawing_layers",
    "geodesic_area_m2",
    "geodesic_length_m",
    "insert_vertex",
    "move_features",
    "move_vertex",
    "new_drawing_layer",
    "remove_features",
    "remove_vertex",
    "segment_lengths_m",
    "snap",
    "snap_candidates",
    "update_attributes",
    "update_geometry",
]
