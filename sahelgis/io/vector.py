"""Reading vector files (GeoPackage, Shapefile, GeoJSON, KML) into layers."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pyogrio
from pyogrio.errors import DataLayerError, DataSourceError

from sahelgis.errors import InputError
from sahelgis.model.layers import ROLE_ROADS, VectorLayer
from sahelgis.model.styles import Style

VECTOR_SUFFIXES = (".gpkg", ".shp", ".geojson", ".json", ".kml", ".fgb", ".zip")
ROAD_STYLE = Style(color="#C1121F", line_width=2.5, label_field="ref", label_size=9)


def list_vector_layers(path: str | Path) -> list[tuple[str, str]]:
    """Names and geometry types of the layers in a vector file."""
    path = Path(path)
    if not path.exists():
        raise InputError(path, "file not found")
    try:
        return [(str(n), str(g)) for n, g in pyogrio.list_layers(path)]
    except (DataSourceError, DataLayerError, OSError) as exc:
        raise InputError(
            path, f"not a readable vector file ({_first_line(exc)})"
        ) from exc


def read_vector(path: str | Path, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read one layer of a vector file into EPSG:4326.

    Raises ``InputError`` naming the file when it cannot be read, has no CRS,
    holds no geometry or no features.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(path, "file not found")
    try:
        frame = pyogrio.read_dataframe(path, layer=layer)
    except (DataSourceError, DataLayerError, OSError, ValueError) as exc:
        raise InputError(
            path, f"cannot read layer {layer or '(first)'}: {_first_line(exc)}"
        ) from exc
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry.isna().all():
        raise InputError(path, "the layer has no geometry column")
    if frame.empty:
        raise InputError(path, "the layer has no features")
    if frame.crs is None:
        raise InputError(
            path,
            "the layer has no coordinate reference system; "
            "set one in QGIS (Layer > Set CRS) and save again",
        )
    return frame.to_crs("EPSG:4326")


def read_road_layer(path: str | Path, layer: str | None = None) -> VectorLayer:
    """Read real road geometry to replace the approximate national roads.

    The layer must hold lines and a ``ref`` field naming the road (RN3, RN4 ...),
    as OpenStreetMap extracts do.
    """
    path = Path(path)
    frame = read_vector(path, layer)
    kinds = set(frame.geometry.geom_type.dropna())
    if not kinds <= {"LineString", "MultiLineString"}:
        raise InputError(path, f"roads must be lines; found {sorted(kinds)}")
    columns = {c.lower(): c for c in frame.columns}
    if "ref" not in columns:
        raise InputError(
            path,
            "no 'ref' field naming the roads (e.g. RN4); found "
            f"fields {[c for c in frame.columns if c != 'geometry']}",
        )
    if columns["ref"] != "ref":
        frame = frame.rename(columns={columns["ref"]: "ref"})
    return VectorLayer(
        name=f"National roads ({path.name})",
        data=frame,
        role=ROLE_ROADS,
        style=ROAD_STYLE,
        source_path=str(path),
        attribution=f"Roads: {path.name}",
    )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
