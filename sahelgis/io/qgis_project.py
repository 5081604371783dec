"""QGIS styles and a QGIS project written into a project GeoPackage.

QGIS (3.22 and later) reads two tables of a GeoPackage besides its layers:

- ``layer_styles``: one QML document per layer table, the default style QGIS
  applies when the table is added with Layer > Add Vector Layer (the table and
  its columns are the ones QGIS and GDAL create themselves);
- ``qgis_projects``: a QGIS project stored inside the file (``name``,
  ``metadata`` JSON, ``content`` = the hex text of a ``.qgz``, a zip holding one
  ``.qgs``), listed under the GeoPackage in QGIS's browser. Its layer sources are
  ``./FILE.gpkg|layername=TABLE``, relative to the GeoPackage itself, as QGIS
  writes them.

Both are generated here as XML from the model's styles (``Style``): the
categorised event colours, point symbols and sizes (screen pixels), line widths
and dashes, fills with their alpha, layer opacity and simple labels. The XML is
built with ``xml.etree.ElementTree``, so layer names and category values taken
from data are escaped. Nothing here imports QGIS or Qt.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pyproj import CRS

from sahelgis.model import crs
from sahelgis.model.styles import OTHER_CATEGORY_COLOR

if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Sequence

    from sahelgis.model.layers import Layer
    from sahelgis.model.project import Project
    from sahelgis.model.styles import Style

STYLES_TABLE = "layer_styles"
PROJECTS_TABLE = "qgis_projects"
#: The name of the QGIS project stored in every SahelGIS project file.
QGIS_PROJECT_NAME = "SahelGIS map"
QGIS_VERSION = "3.22.0-Białowieża"
#: The title QGIS draws on a map with made-up layers.
SYNTHETIC_MARK = "SYNTHETIC DEMO DATA — events are made up, not ACLED"

#: Our point symbols as QGIS ``SimpleMarker`` shape names.
_MARKERS = {"o": "circle", "s": "square", "t": "triangle", "d": "diamond", "+": "cross"}
#: QgsPalLayerSettings placement: around point, horizontal (lines), over point.
_PLACEMENT = {"point": "6", "line": "4", "polygon": "1"}
_QGIS_GEOMETRY = {"point": "Point", "line": "Line", "polygon": "Polygon"}
_SYMBOL_TYPE = {"point": "marker", "line": "line", "polygon": "fill"}


@dataclass(frozen=True)
class LayerTable:
    """One layer as written to the GeoPackage.

    Attributes
    ----------
    layer
        The model layer.
    table
        Its feature table.
    geometry_kind
        ``point``, ``line`` or ``polygon``.
    columns
        Stored column name -> the model's column name, for renamed columns.
    """

    layer: Layer
    table: str
    geometry_kind: str
    columns: dict[str, str]

    def stored(self, field: str | None) -> str | None:
        """The stored name of one of the model's columns."""
        if field is None:
            return None
        for stored, original in self.columns.items():
            if original == field:
                return stored
        return field


def qgis_colour(colour: str) -> str:
    """``#RRGGBB`` or ``#RRGGBBAA`` as QGIS's ``r,g,b,a`` text (0–255 each)."""
    text = colour.lstrip("#")
    alpha = int(text[6:8], 16) if len(text) == 8 else 255
    r, g, b = (int(text[i : i + 2], 16) for i in (0, 2, 4))
    return f"{r},{g},{b},{alpha}"


def _options(parent: ET.Element, values: dict[str, str]) -> None:
    """A symbol layer's properties, in both forms QGIS 3.x reads."""
    holder = ET.SubElement(parent, "Option", type="Map")
    for key, value in values.items():
        ET.SubElement(holder, "Option", name=key, type="QString", value=value)
    for key, value in values.items():
        ET.SubElement(parent, "prop", k=key, v=value)


def _symbol(name: str, kind: str, style: Style, colour: str) -> ET.Element:
    symbol = ET.Element(
        "symbol",
        name=name,
        type=_SYMBOL_TYPE[kind],
        alpha="1",
        clip_to_extent="1",
        force_rhr="0",
    )
    if kind == "point":
        layer = ET.SubElement(
            symbol, "layer", {"class": "SimpleMarker", "pass": "0", "locked": "0"}
        )
        layer.set("enabled", "1")
        outlined = style.size >= 4
        _options(
            layer,
            {
                "name": _MARKERS.get(style.symbol, "circle"),
                "color": qgis_colour(colour),
                "size": f"{style.size:g}",
                "size_unit": "Pixel",
                "outline_color": "255,255,255,170",
                "outline_style": "solid" if outlined else "no",
                "outline_width": "0.6",
                "outline_width_unit": "Pixel",
                "scale_method": "diameter",
                "angle": "0",
                "offset": "0,0",
                "joinstyle": "bevel",
            },
        )
    elif kind == "line":
        layer = ET.SubElement(
            symbol, "layer", {"class": "SimpleLine", "pass": "0", "locked": "0"}
        )
        layer.set("enabled", "1")
        _options(
            layer,
            {
                "line_color": qgis_colour(colour),
                "line_width": f"{style.line_width:g}",
                "line_width_unit": "Pixel",
                "line_style": style.line_style,
                "capstyle": "round",
                "joinstyle": "round",
                "offset": "0",
            },
        )
    else:
        layer = ET.SubElement(
            symbol, "layer", {"class": "SimpleFill", "pass": "0", "locked": "0"}
        )
        layer.set("enabled", "1")
        categorised = style.category_field is not None
        fill = colour if categorised else style.fill
        _options(
            layer,
            {
                "color": qgis_colour(fill) if fill else "0,0,0,0",
                "style": "solid" if fill else "no",
                "outline_color": qgis_colour(style.color),
                "outline_width": f"{style.line_width:g}",
                "outline_width_unit": "Pixel",
                "outline_style": style.line_style if style.line_width > 0 else "no",
                "joinstyle": "round",
                "offset": "0,0",
            },
        )
    return symbol


#: Our drawing layers: role, colour column, fill alpha (as the map draws them).
DRAWING_ROLE = "drawing"
DRAWING_COLOUR_FIELD = "color"
DRAWING_FILL_ALPHA = 70
#: Symbol-layer properties a drawing's colour drives, per symbol type.
_COLOUR_PROPERTIES = {
    "point": ("fillColor",),
    "line": ("outlineColor",),
    "polygon": ("fillColor", "outlineColor"),
}
#: QgsSymbolLayer::Property keys (QGIS 3.22: fillColor 3, outlineColor 4).
_PROPERTY_KEYS = {"fillColor": "3", "outlineColor": "4"}


def _colour_from_field(symbol: ET.Element, kind: str, style: Style) -> None:
    """Make a symbol's colours follow each drawing's ``color`` column."""
    layer = symbol.find("layer")
    assert layer is not None
    fallback = style.color[:7]
    holder = ET.SubElement(layer, "data_defined_properties")
    collection = ET.SubElement(holder, "Option", type="Map")
    ET.SubElement(collection, "Option", name="name", type="QString", value="")
    properties = ET.SubElement(collection, "Option", name="properties", type="Map")
    for prop in _COLOUR_PROPERTIES[kind]:
        colour = f"coalesce(nullif(\"{DRAWING_COLOUR_FIELD}\", ''), '{fallback}')"
        if kind == "polygon" and prop == "fillColor":
            colour = f"set_color_part({colour}, 'alpha', {DRAWING_FILL_ALPHA})"
        item = ET.SubElement(properties, "Option", name=prop, type="Map")
        ET.SubElement(item, "Option", name="active", type="bool", value="true")
        ET.SubElement(item, "Option", name="expression", type="QString", value=colour)
        ET.SubElement(item, "Option", name="type", type="int", value="3")
    ET.SubElement(collection, "Option", name="type", type="QString", value="collection")


def _drawing_renderer(entry: LayerTable) -> ET.Element:
    """Drawings mix points, lines and polygons: one rule per kind, own colours."""
    style = entry.layer.style
    element = ET.Element(
        "renderer-v2", type="RuleRenderer", symbollevels="0", forceraster="0"
    )
    rules = ET.SubElement(element, "rules", key="root")
    symbols = ET.SubElement(element, "symbols")
    for i, (kind, geometry) in enumerate(
        (("polygon", "Polygon"), ("line", "Line"), ("point", "Point"))
    ):
        ET.SubElement(
            rules,
            "rule",
            key=f"drawings_{kind}",
            symbol=str(i),
            label=f"{geometry}s",
            filter=f"geometry_type($geometry) = '{geometry}'",
        )
        symbol = _symbol(str(i), kind, style.with_(fill=style.color), style.color)
        _colour_from_field(symbol, kind, style)
        symbols.append(symbol)
    return element


def renderer(entry: LayerTable) -> ET.Element:
    """The ``renderer-v2`` element of one layer: single symbol or categorised.

    A categorised style gets one category per colour of the style, in its
    order, plus QGIS's "all other values" category (an empty value) in
    ``OTHER_CATEGORY_COLOR``, as SahelGIS draws values it has no colour for.
    """
    if entry.layer.role == DRAWING_ROLE:
        return _drawing_renderer(entry)
    style = entry.layer.style
    kind = entry.geometry_kind
    field = entry.stored(style.category_field)
    if field is None:
        element = ET.Element(
            "renderer-v2", type="singleSymbol", symbollevels="0", forceraster="0"
        )
        symbols = ET.SubElement(element, "symbols")
        colour = style.color
        symbols.append(_symbol("0", kind, style, colour))
        return element
    element = ET.Element(
        "renderer-v2",
        type="categorizedSymbol",
        attr=field,
        symbollevels="0",
        forceraster="0",
        enableorderby="0",
    )
    categories = ET.SubElement(element, "categories")
    symbols = ET.SubElement(element, "symbols")
    items = [*style.categories.items(), ("", OTHER_CATEGORY_COLOR)]
    for i, (value, colour) in enumerate(items):
        ET.SubElement(
            categories,
            "category",
            render="true",
            value=value,
            symbol=str(i),
            label=value or "Other",
        )
        symbols.append(_symbol(str(i), kind, style, colour))
    return element


def labeling(entry: LayerTable) -> ET.Element | None:
    """Simple labels on the style's label field, or None without one.

    Text size in points (the SahelGIS map sets its label font in points); a
    white halo on points and polygons, and on lines white text on a box of the
    line's colour, as the SahelGIS map draws them.
    """
    style = entry.layer.style
    field = entry.stored(style.label_field)
    if field is None:
        return None
    kind = entry.geometry_kind
    element = ET.Element("labeling", type="simple")
    settings = ET.SubElement(element, "settings", calloutType="simple")
    boxed = kind == "line"
    text = ET.SubElement(
        settings,
        "text-style",
        fieldName=field,
        isExpression="0",
        fontFamily="DejaVu Sans",
        fontSize=f"{style.label_size:g}",
        fontSizeUnit="Point",
        fontWeight="75" if kind == "point" and style.size >= 6 else "50",
        fontItalic="1" if kind == "polygon" else "0",
        textColor="255,255,255,255" if boxed else qgis_colour(style.label_color),
        textOpacity="1",
        multilineHeight="1",
    )
    ET.SubElement(
        text,
        "text-buffer",
        bufferDraw="0" if boxed else "1",
        bufferSize="1.5",
        bufferSizeUnits="Pixel",
        bufferColor="255,255,255,255",
        bufferOpacity="0.8",
        bufferJoinStyle="128",
    )
    ET.SubElement(
        text,
        "background",
        shapeDraw="1" if boxed else "0",
        shapeType="0",
        shapeSizeType="0",
        shapeSizeX="3",
        shapeSizeY="1",
        shapeSizeUnit="Pixel",
        shapeFillColor=qgis_colour(style.color),
        shapeStrokeWidth="0",
        shapeOpacity="1",
    )
    ET.SubElement(
        settings,
        "placement",
        placement=_PLACEMENT[kind],
        dist="2",
        distUnits="Pixel",
        placementFlags="10",
        centroidInside="1",
    )
    # a polygon as an obstacle hides every label inside it (a country covers
    # the whole map), so only points and lines keep labels off themselves
    ET.SubElement(
        settings,
        "rendering",
        obstacle="0" if kind == "polygon" else "1",
        displayAll="0",
        upsidedownLabels="0",
    )
    return element


def _style_parts(entry: LayerTable) -> list[ET.Element]:
    """What a QML style and a project's ``maplayer`` share."""
    parts = [renderer(entry)]
    labels = labeling(entry)
    if labels is not None:
        parts.append(labels)
    opacity = ET.Element("layerOpacity")
    opacity.text = f"{entry.layer.opacity:g}"
    parts.append(opacity)
    blend = ET.Element("blendMode")
    blend.text = "0"
    parts.append(blend)
    return parts


def _text(element: ET.Element, *, declaration: str = "") -> str:
    ET.indent(element, space=" ")
    body = ET.tostring(element, encoding="unicode")
    return f"<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n{body}\n"


def layer_qml(entry: LayerTable) -> str:
    """The QML document of one layer's style (what QGIS's "Save style" writes)."""
    root = ET.Element(
        "qgis",
        version=QGIS_VERSION,
        styleCategories="Symbology|Labeling|Rendering",
        labelsEnabled="1" if entry.stored(entry.layer.style.label_field) else "0",
    )
    root.extend(_style_parts(entry))
    return _text(root)


def _srs(parent: ET.Element, proj4: str, authid: str = "") -> None:
    crs_value = CRS.from_user_input(authid or proj4)
    srs = ET.SubElement(parent, "spatialrefsys")
    # QGIS 3.22 (PROJ 9.1) cannot read PROJ 9.4's WKT of an aeqd projection
    # (method EPSG:1125), so a CRS without an authority is given as PROJ text
    for tag, value in (
        ("wkt", crs_value.to_wkt() if authid else ""),
        ("proj4", proj4),
        ("srsid", "0"),
        ("srid", authid.split(":")[-1] if authid else "0"),
        ("authid", authid),
        ("description", crs_value.name),
        ("geographicflag", "true" if crs_value.is_geographic else "false"),
    ):
        ET.SubElement(srs, tag).text = value


def project_qgs(project: Project, entries: Sequence[LayerTable], gpkg_name: str) -> str:
    """A QGIS project (``.qgs`` text) of the layers in their order and visibility.

    Parameters
    ----------
    project
        The model project (view extent in display-CRS metres).
    entries
        The layers as written, first = top of the map (SahelGIS's order).
    gpkg_name
        The GeoPackage's file name; layer sources are ``./NAME|layername=T``.
    """
    root = ET.Element("qgis", version=QGIS_VERSION, projectname=QGIS_PROJECT_NAME)
    title = QGIS_PROJECT_NAME
    if any(entry.layer.synthetic for entry in entries):
        title += " — contains SYNTHETIC data (made up, not real events)"
    ET.SubElement(root, "title").text = title
    map_crs = crs.DISPLAY_CRS_PROJ4
    _srs(ET.SubElement(root, "projectCrs"), map_crs)
    # QGIS reads projectCrs only when this project property says so
    properties = ET.SubElement(root, "properties")
    spatial = ET.SubElement(properties, "SpatialRefSys")
    ET.SubElement(spatial, "ProjectionsEnabled", type="int").text = "1"
    if any(entry.layer.synthetic for entry in entries):
        # QGIS's title decoration (View > Decorations > Title Label) on the map
        # canvas, as SahelGIS marks a map that shows made-up data
        decoration = ET.SubElement(properties, "TitleLabel")
        for tag, kind, value in (
            ("Enabled", "bool", "true"),
            ("Label", "QString", SYNTHETIC_MARK),
            ("Placement", "int", "0"),
            ("BackgroundColor", "QString", "#ffffffff"),
            ("MarginH", "int", "1"),
            ("MarginV", "int", "1"),
        ):
            ET.SubElement(decoration, tag, type=kind).text = value
    tree = ET.SubElement(root, "layer-tree-group")
    layers = ET.SubElement(root, "projectlayers")
    wgs84 = "+proj=longlat +datum=WGS84 +no_defs"
    for entry in entries:
        layer_id = f"sahelgis_{entry.layer.id}"
        source = f"./{gpkg_name}|layername={entry.table}"
        ET.SubElement(
            tree,
            "layer-tree-layer",
            id=layer_id,
            name=entry.layer.name,
            source=source,
            providerKey="ogr",
            checked="Qt::Checked" if entry.layer.visible else "Qt::Unchecked",
            expanded="0",
        )
        labels = entry.stored(entry.layer.style.label_field) is not None
        maplayer = ET.SubElement(
            layers,
            "maplayer",
            type="vector",
            geometry=_QGIS_GEOMETRY[entry.geometry_kind],
            labelsEnabled="1" if labels else "0",
            styleCategories="AllStyleCategories",
        )
        ET.SubElement(maplayer, "id").text = layer_id
        ET.SubElement(maplayer, "datasource").text = source
        ET.SubElement(maplayer, "layername").text = entry.layer.name
        _srs(ET.SubElement(maplayer, "srs"), wgs84, "EPSG:4326")
        ET.SubElement(maplayer, "provider", encoding="UTF-8").text = "ogr"
        maplayer.extend(_style_parts(entry))
    canvas = ET.SubElement(root, "mapcanvas", name="theMapCanvas")
    ET.SubElement(canvas, "units").text = "meters"
    if project.view_extent is not None:
        extent = ET.SubElement(canvas, "extent")
        for tag, bound in zip(
            ("xmin", "ymin", "xmax", "ymax"), project.view_extent, strict=True
        ):
            ET.SubElement(extent, tag).text = repr(float(bound))
    ET.SubElement(canvas, "rotation").text = "0"
    _srs(ET.SubElement(canvas, "destinationsrs"), map_crs)
    view = ET.SubElement(root, "ProjectViewSettings", UseProjectScales="0")
    ET.SubElement(view, "Scales")
    if project.view_extent is not None:
        xmin, ymin, xmax, ymax = (repr(float(v)) for v in project.view_extent)
        default = ET.SubElement(
            view, "DefaultViewExtent", xmin=xmin, ymin=ymin, xmax=xmax, ymax=ymax
        )
        _srs(default, map_crs)
    return _text(root)


def project_qgz(
    project: Project, entries: Sequence[LayerTable], gpkg_name: str
) -> bytes:
    """The ``.qgz`` (zip of one ``.qgs``) stored in ``qgis_projects.content``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo("sahelgis_map.qgs", date_time=(2024, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(info, project_qgs(project, entries, gpkg_name))
    return buffer.getvalue()


def write_qgis_tables(
    con: sqlite3.Connection,
    project: Project,
    entries: Sequence[LayerTable],
    gpkg_name: str,
) -> None:
    """Add ``layer_styles`` and ``qgis_projects`` to a GeoPackage being written.

    ``layer_styles`` is registered in ``gpkg_contents`` as an attributes table
    (as QGIS does); ``qgis_projects`` is not (QGIS keeps it out too). The caller
    commits.
    """
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    con.execute(
        f"CREATE TABLE {STYLES_TABLE} ("
        "id INTEGER PRIMARY KEY AUTOINCREMENT, f_table_catalog TEXT(256), "
        "f_table_schema TEXT(256), f_table_name TEXT(256), "
        "f_geometry_column TEXT(256), styleName TEXT(30), styleQML TEXT, "
        "styleSLD TEXT, useAsDefault BOOLEAN, description TEXT, owner TEXT(30), "
        "ui TEXT(30), update_time DATETIME DEFAULT "
        "(strftime('%Y-%m-%dT%H:%M:%fZ','now')))"
    )
    con.execute(
        "INSERT INTO gpkg_contents(table_name, data_type, identifier, description)"
        " VALUES (?, 'attributes', ?, ?)",
        (STYLES_TABLE, STYLES_TABLE, "QGIS layer styles (QML) written by SahelGIS"),
    )
    con.executemany(
        f"INSERT INTO {STYLES_TABLE}(f_table_catalog, f_table_schema, f_table_name, "
        "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, "
        "description, owner, ui, update_time) "
        "VALUES ('', '', ?, 'geom', ?, ?, '', 1, ?, 'SahelGIS', '', ?)",
        [
            (
                entry.table,
                entry.table[:30],
                layer_qml(entry),
                f"SahelGIS style of {entry.layer.name}",
                now,
            )
            for entry in entries
        ],
    )
    con.execute(
        f"CREATE TABLE {PROJECTS_TABLE}"
        "(name TEXT PRIMARY KEY, metadata BLOB, content BLOB)"
    )
    metadata = {"last_modified_time": now[:19], "last_modified_user": "SahelGIS"}
    con.execute(
        f"INSERT INTO {PROJECTS_TABLE}(name, metadata, content) VALUES (?, ?, ?)",
        (
            QGIS_PROJECT_NAME,
            json.dumps(metadata),
            project_qgz(project, entries, gpkg_name).hex(),
        ),
    )


__all__ = [
    "PROJECTS_TABLE",
    "QGIS_PROJECT_NAME",
    "STYLES_TABLE",
    "LayerTable",
    "labeling",
    "layer_qml",
    "project_qgs",
    "project_qgz",
    "qgis_colour",
    "renderer",
    "write_qgis_tables",
]
