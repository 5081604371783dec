"""Reading vector files (GeoPackage, Shapefile, GeoJSON, KML) into layers."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pyogrio
from pyogrio.errors import DataLayerError, DataSourceError

from sahelgis.errors import InputError
from sahelgis.io.csv_safe import write_csv
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
        layers = [(str(n), str(g)) for n, g in pyogrio.list_layers(path)]
    except (DataSourceError, DataLayerError, OSError) as exc:
        raise InputError(
            path, f"not a readable vector file ({_first_line(exc)})"
        ) from exc
    if not layers:
        raise InputError(
            path,
            "holds no vector layer (a Shapefile needs its .shp, .shx and .dbf "
            "files side by side or in the same zip)",
        )
    return layers


def read_vector(path: str | Path, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read one layer of a vector file into EPSG:4326.

    Raises ``InputError`` naming the file when it cannot be read, has no CRS,
    holds no geometry or no features.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(path, "file not found")
    if layer is None:
        list_vector_layers(path)  # raises when there is no layer to read
    try:
        # a geometry GEOS cannot build (a 2-point ring) becomes None, not an error
        frame = pyogrio.read_dataframe(path, layer=layer, on_invalid="ignore")
    except (DataSourceError, DataLayerError, OSError, ValueError) as exc:
        raise InputError(
            path, f"cannot read layer {layer or '(first)'}: {_first_line(exc)}"
        ) from exc
    if not isinstance(frame, gpd.GeoDataFrame):
        raise InputError(path, "the layer has no geometry column")
    if frame.empty:
        raise InputError(path, "the layer has no features")
    if frame.geometry.isna().all():
        raise InputError(
            path, "the layer has no geometry: every feature's geometry is empty"
        )
    if frame.crs is None:
        raise InputError(
            path,
            "the layer has no coordinate reference system; "
            "set one in QGIS (Layer > Set CRS) and save again",
        )
    frame = frame.to_crs("EPSG:4326")
    check_lonlat(path, frame)
    return frame


def check_lonlat(path: Path, frame: gpd.GeoDataFrame) -> None:
    """Raise when features in EPSG:4326 lie outside ±180° / ±90°.

    That is a CRS label that does not match the numbers (metres called
    degrees), not a place: say which feature and what to do.
    """
    bounds = frame.geometry.bounds
    outside = (
        (bounds["minx"] < -180)
        | (bounds["maxx"] > 180)
        | (bounds["miny"] < -90)
        | (bounds["maxy"] > 90)
    ).to_numpy()
    if not outside.any():
        return
    first = int(outside.argmax())
    b = bounds.iloc[first]
    raise InputError(
        path,
        f"{int(outside.sum())} of {len(frame)} features are outside "
        f"longitude/latitude range (feature {first + 1}: x {b['minx']:.6g} to "
        f"{b['maxx']:.6g}, y {b['miny']:.6g} to {b['maxy']:.6g}); the layer's "
        "coordinate reference system is probably wrong: set the right one in "
        "QGIS and save again",
    )


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


EXPORT_SUFFIXES = (".gpkg", ".geojson", ".shp", ".csv")


def export_frame(frame: gpd.GeoDataFrame, path: str | Path, layer: str = "") -> Path:
    """Write a layer's features in the format of the file suffix.

    GeoPackage, GeoJSON, Shapefile, or CSV (geometry as WKT, for
    spreadsheets).

    Parameters
    ----------
    frame
        The features, in their own CRS (written as they are).
    path
        Target file; ``.gpkg``, ``.geojson``, ``.shp`` or ``.csv``.
    layer
        Layer name inside a GeoPackage.

    Returns
    -------
    Path
        The path written.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in EXPORT_SUFFIXES:
        raise InputError(
            path,
            f"cannot write {suffix or 'files without a suffix'}; "
            f"use one of {', '.join(EXPORT_SUFFIXES)}",
        )
    frame = frame.copy()
    for column in frame.columns:  # categoricals and datetimes as plain values
        if column != frame.geometry.name and str(frame[column].dtype) == "category":
            frame[column] = frame[column].astype(str)
    if suffix == ".csv":
        table = frame.drop(columns=frame.geometry.name)
        table["wkt"] = frame.geometry.to_wkt()
        write_csv(table, path)
        return path
    driver = {".gpkg": "GPKG", ".geojson": "GeoJSON", ".shp": "ESRI Shapefile"}[suffix]
    pyogrio.write_dataframe(frame, path, layer=layer or path.stem, driver=driver)
    return path
