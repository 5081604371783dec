"""Drawings to and from GeoPackage, GeoJSON, Shapefile and KML (no Qt).

GeoPackage, GeoJSON and Shapefile go through pyogrio. KML is written by a small
writer here rather than GDAL's KML/LIBKML drivers (both can write in our GDAL
3.12 build): it gives each placemark its drawing colour as a KML style, which
Google Earth shows, keeps full coordinate precision and does not depend on how
GDAL was built. KML is read back with GDAL.

A Shapefile holds one geometry type, so a layer mixing points, lines and
polygons is written as ``<stem>_points.shp``, ``<stem>_lines.shp`` and
``<stem>_polygons.shp``.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TYPE_CHECKING, cast

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely
from pyogrio.errors import DataLayerError, DataSourceError

from sahelgis.errors import InputError, SahelGISError
from sahelgis.io.atomic import atomic_target, check_writable, write_lock
from sahelgis.io.vector import check_lonlat
from sahelgis.model import crs
from sahelgis.model.drawings import (
    COL_CATEGORY,
    COL_COLOR,
    COL_FID,
    COL_NAME,
    COL_NOTE,
    DRAWING_STYLE,
    ROLE_DRAWING,
    normalise_frame,
)
from sahelgis.model.layers import VectorLayer

if TYPE_CHECKING:
    import numpy as np
    from shapely.geometry import Polygon
    from shapely.geometry.base import BaseGeometry

DRAWING_SUFFIXES = (".gpkg", ".geojson", ".json", ".shp", ".kml")
DRIVERS = {
    ".gpkg": "GPKG",
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".shp": "ESRI Shapefile",
}
#: Column names other tools use for our attributes (compared in lower case).
COLUMN_ALIASES = {
    COL_FID: ("feature_id", "fid", "id"),
    COL_NAME: ("name", "title", "label"),
    COL_NOTE: ("note", "notes", "description", "desc", "comment"),
    COL_CATEGORY: ("category", "type", "class"),
    COL_COLOR: ("color", "colour"),
}
SHAPEFILE_GROUPS = {
    "points": ("Point", "MultiPoint"),
    "lines": ("LineString", "MultiLineString"),
    "polygons": ("Polygon", "MultiPolygon"),
}
KML_NS = "http://www.opengis.net/kml/2.2"
_COLOR_RE = re.compile(r"^#[0-9A-Fa-f]{6}$")


# -- export ------------------------------------------------------------------------
def export_drawings(layer: VectorLayer, path: str | Path) -> list[Path]:
    """Write a drawing layer to ``path``; the format follows the suffix.

    ``.gpkg``, ``.geojson``/``.json``, ``.shp`` or ``.kml``; coordinates in
    EPSG:4326. Returns the files written (several for a Shapefile of mixed
    geometry types). Raises ``SahelGISError`` for an unknown suffix or an empty
    layer.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in DRAWING_SUFFIXES:
        raise SahelGISError(
            f"{path.name}: cannot export drawings as '{suffix or 'no suffix'}'; "
            f"use one of {', '.join(DRAWING_SUFFIXES)}"
        )
    frame = normalise_frame(layer.data)
    frame = frame[~(frame.geometry.isna() | frame.geometry.is_empty)]
    if frame.empty:
        raise SahelGISError(f"“{layer.name}” has no drawings to export")
    frame = frame.reset_index(drop=True)
    if suffix == ".shp":
        return _write_shapefiles(frame, path)
    # a fresh file beside the target replaces it whole (symlink followed, mode
    # kept, read-only refused): never a layer appended to an old export
    with atomic_target(path) as tmp:
        if suffix == ".kml":
            write_kml(frame, tmp, layer.name)
        else:
            pyogrio.write_dataframe(
                frame,
                tmp,
                layer=_layer_name(layer.name) if suffix == ".gpkg" else None,
                driver=DRIVERS[suffix],
            )
    return [path]


def _layer_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]+", "_", name).strip("_") or "drawings"


_SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")


def _replace_shapefile(staged: Path, target: Path) -> None:
    """Move a Shapefile's parts written as ``staged`` over ``target``'s parts.

    Parts of the previous export that the new one lacks are removed; other
    files sharing the name (``roads.txt``) are left alone.
    """
    new = {p.suffix.lower(): p for p in staged.parent.iterdir()}
    for suffix, part in new.items():
        old = target.with_suffix(suffix)
        if old.exists():  # keep the permissions of the file replaced
            os.chmod(part, old.stat().st_mode & 0o7777)
        os.replace(part, old)
    for sibling in target.parent.iterdir():
        suffix = sibling.suffix.lower()
        ours = sibling.stem == target.stem and suffix in _SHAPEFILE_PARTS
        if ours and suffix not in new and not sibling.is_symlink():
            sibling.unlink()


def _write_shapefiles(frame: gpd.GeoDataFrame, path: Path) -> list[Path]:
    types = frame.geometry.geom_type
    groups = {
        key: frame[types.isin(kinds).to_numpy()]
        for key, kinds in SHAPEFILE_GROUPS.items()
    }
    groups = {key: group for key, group in groups.items() if not group.empty}
    written = []
    for key, group in groups.items():
        target = path if len(groups) == 1 else path.with_name(f"{path.stem}_{key}.shp")
        check_writable(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        group_types = set(group.geometry.geom_type)
        with write_lock(target):
            # every part is written in a private folder first, then moved
            staging = Path(
                tempfile.mkdtemp(prefix=f".{target.stem}.tmp-", dir=target.parent)
            )
            try:
                staged = staging / target.name
                pyogrio.write_dataframe(
                    group.reset_index(drop=True),
                    staged,
                    driver="ESRI Shapefile",
                    encoding="UTF-8",
                    promote_to_multi=len(group_types) > 1,
                )
                _replace_shapefile(staged, target)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
        written.append(target)
    return written


def _kml_color(hex_rgb: str, alpha: int = 255) -> str:
    """``#RRGGBB`` as KML's ``aabbggrr``."""
    if not _COLOR_RE.match(hex_rgb or ""):
        hex_rgb = DRAWING_STYLE.color
    r, g, b = hex_rgb[1:3], hex_rgb[3:5], hex_rgb[5:7]
    return f"{alpha:02x}{b}{g}{r}".lower()


def _kml_coords(coords: np.ndarray) -> str:
    # repr of a Python float is the shortest text that reads back identically
    return " ".join(f"{float(x)!r},{float(y)!r}" for x, y in coords[:, :2])


def _kml_geometry(parent: ET.Element, geometry: BaseGeometry) -> None:
    kind = geometry.geom_type
    if kind == "Point":
        point = ET.SubElement(parent, "Point")
        ET.SubElement(point, "coordinates").text = _kml_coords(
            shapely.get_coordinates(geometry)
        )
    elif kind == "LineString":
        line = ET.SubElement(parent, "LineString")
        ET.SubElement(line, "tessellate").text = "1"
        ET.SubElement(line, "coordinates").text = _kml_coords(
            shapely.get_coordinates(geometry)
        )
    elif kind == "Polygon":
        shape = cast("Polygon", geometry)
        polygon = ET.SubElement(parent, "Polygon")
        rings = [("outerBoundaryIs", shape.exterior)] + [
            ("innerBoundaryIs", ring) for ring in shape.interiors
        ]
        for tag, ring in rings:
            boundary = ET.SubElement(polygon, tag)
            linear = ET.SubElement(boundary, "LinearRing")
            ET.SubElement(linear, "coordinates").text = _kml_coords(
                shapely.get_coordinates(ring)
            )
    elif kind.startswith("Multi") or kind == "GeometryCollection":
        multi = ET.SubElement(parent, "MultiGeometry")
        for part in shapely.get_parts(geometry):
            _kml_geometry(multi, part)
    else:  # pragma: no cover - drawings hold only the types above
        raise ValueError(f"cannot write a {kind} to KML")


def write_kml(frame: gpd.GeoDataFrame, path: Path, title: str) -> None:
    """A KML document: one placemark per drawing with name, description and style.

    ``frame`` is in the drawing schema (see ``normalise_frame``); feature id,
    category and colour go into ``ExtendedData`` so they read back.
    """
    ET.register_namespace("", KML_NS)
    kml = ET.Element("kml", xmlns=KML_NS)
    document = ET.SubElement(kml, "Document", id="drawings")
    ET.SubElement(document, "name").text = title
    schema = ET.SubElement(document, "Schema", name="drawings", id="drawings_schema")
    for column, kind in (
        (COL_FID, "int"),
        (COL_CATEGORY, "string"),
        (COL_COLOR, "string"),
    ):
        ET.SubElement(schema, "SimpleField", name=column, type=kind)
    folder = ET.SubElement(document, "Folder")
    ET.SubElement(folder, "name").text = title
    for row in frame.itertuples(index=False):
        record = row._asdict()
        placemark = ET.SubElement(folder, "Placemark", id=f"f{record[COL_FID]}")
        ET.SubElement(placemark, "name").text = record[COL_NAME]
        ET.SubElement(placemark, "description").text = record[COL_NOTE]
        color = record[COL_COLOR] or DRAWING_STYLE.color
        style = ET.SubElement(placemark, "Style")
        icon = ET.SubElement(style, "IconStyle")
        ET.SubElement(icon, "color").text = _kml_color(color)
        line = ET.SubElement(style, "LineStyle")
        ET.SubElement(line, "color").text = _kml_color(color)
        ET.SubElement(line, "width").text = f"{DRAWING_STYLE.line_width:g}"
        poly = ET.SubElement(style, "PolyStyle")
        ET.SubElement(poly, "color").text = _kml_color(color, 0x55)
        extended = ET.SubElement(placemark, "ExtendedData")
        data = ET.SubElement(extended, "SchemaData", schemaUrl="#drawings_schema")
        for column in (COL_FID, COL_CATEGORY, COL_COLOR):
            ET.SubElement(data, "SimpleData", name=column).text = str(record[column])
        _kml_geometry(placemark, record["geometry"])
    ET.indent(kml, space=" ")
    tree = ET.ElementTree(kml)
    tree.write(path, encoding="UTF-8", xml_declaration=True)


# -- import ------------------------------------------------------------------------
def import_drawings(path: str | Path, name: str | None = None) -> VectorLayer:
    """Read drawings from a vector file into a new drawing layer.

    Every layer of the file is read (KML folders, GeoPackage tables). Columns
    map onto the drawing schema case-insensitively: ``name``/``title``,
    ``note``/``description``, ``category``, ``color``/``colour``, ``feature_id``;
    other columns are dropped. Multi-geometries are kept whole, geometry
    collections split into parts, Z values dropped.

    Raises ``InputError`` naming the file when it is missing, unreadable, has
    no coordinate reference system or holds no points, lines or polygons.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(path, "file not found")
    suffix = path.suffix.lower()
    if suffix not in DRAWING_SUFFIXES:
        raise InputError(
            path,
            f"cannot import drawings from '{suffix or 'no suffix'}' files; "
            f"use one of {', '.join(DRAWING_SUFFIXES)}",
        )
    frames = [_read_layer(path, layer) for layer in _spatial_layers(path)]
    frames = [f for f in frames if not f.empty]
    if not frames:
        raise InputError(path, "the file holds no points, lines or polygons")
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    frame = gpd.GeoDataFrame(frame, geometry="geometry", crs=crs.WGS84)
    layer_name = name or path.stem
    return VectorLayer(
        name=layer_name,
        data=normalise_frame(frame),
        role=ROLE_DRAWING,
        style=DRAWING_STYLE,
        source_path=str(path),
        attribution=path.name,
    )


def _spatial_layers(path: Path) -> list[str]:
    try:
        layers = pyogrio.list_layers(path)
    except (DataSourceError, DataLayerError, OSError) as exc:
        raise InputError(
            path, f"not a readable vector file ({_first_line(exc)})"
        ) from exc
    names = [str(n) for n, geometry_type in layers if geometry_type is not None]
    if not names:
        raise InputError(path, "the file has no layer with geometry")
    return names


def _read_layer(path: Path, layer: str) -> gpd.GeoDataFrame:
    try:
        frame = pyogrio.read_dataframe(path, layer=layer, on_invalid="ignore")
    except (DataSourceError, DataLayerError, OSError, ValueError) as exc:
        raise InputError(
            path, f"cannot read layer {layer!r}: {_first_line(exc)}"
        ) from exc
    if not isinstance(frame, gpd.GeoDataFrame):
        return gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs=crs.WGS84))
    if frame.crs is None:
        if path.suffix.lower() not in (".kml", ".geojson", ".json"):
            raise InputError(
                path,
                "the layer has no coordinate reference system (a Shapefile "
                "without its .prj?); set one in QGIS and save again",
            )
        frame = frame.set_crs(crs.WGS84)
    frame = frame.to_crs(crs.WGS84)
    check_lonlat(path, frame)
    geoms = frame.geometry
    frame = frame[~(geoms.isna() | geoms.is_empty).to_numpy()]
    if frame.empty:
        return frame
    frame = (
        frame.explode(index_parts=False)
        if (frame.geometry.geom_type == "GeometryCollection").any()
        else frame
    )
    frame = frame.set_geometry(
        shapely.force_2d(frame.geometry.to_numpy()), crs=crs.WGS84
    )
    keep = frame.geometry.geom_type.isin(
        [
            "Point",
            "LineString",
            "Polygon",
            "MultiPoint",
            "MultiLineString",
            "MultiPolygon",
        ]
    )
    return _map_columns(frame[keep.to_numpy()].reset_index(drop=True))


def _map_columns(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    lower: dict[str, str] = {}
    for column in frame.columns:
        if column != frame.geometry.name:
            lower.setdefault(str(column).lower(), column)
    out: dict[str, object] = {}
    for target, aliases in COLUMN_ALIASES.items():
        source = next((lower[a] for a in aliases if a in lower), None)
        if source is None:
            continue
        values = frame[source]
        if target == COL_COLOR:
            values = values.where(values.astype(str).str.match(_COLOR_RE.pattern), "")
        out[target] = values.to_numpy()
    return gpd.GeoDataFrame(out, geometry=frame.geometry.to_numpy(), crs=crs.WGS84)


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


__all__ = ["DRAWING_SUFFIXES", "export_drawings", "import_drawings", "write_kml"]
