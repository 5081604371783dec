"""How drawing layers look on the map canvas (no tool logic).

A drawing layer mixes points, lines and polygons, each drawing in its own colour
(the ``color`` column); ``drawing_layer_items`` turns one into the canvas's
per-layer items. The map canvas imports this module; the drawing tools do not
import the canvas, so the two do not import each other.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import shapely
from PySide6.QtGui import QBrush, QColor, QPainterPath, QPen

from sahelgis.model.drawings import COL_COLOR
from sahelgis.model.layers import VectorLayer
from sahelgis.ui.canvas.geometry_paths import lines_path, polygons_path
from sahelgis.ui.canvas.items import LabelsItem, PathsItem, PointsItem, cosmetic_pen

SKETCH_COLOR = "#D62828"
FILL_ALPHA = 70


def qcolor_alpha(hex_rgb: str, alpha: int = 255) -> QColor:
    """A colour from ``#RRGGBB`` (the sketch red if invalid) with an alpha."""
    color = QColor(hex_rgb[:7] if hex_rgb else SKETCH_COLOR)
    if not color.isValid():
        color = QColor(SKETCH_COLOR)
    color.setAlpha(alpha)
    return color


def drawing_layer_items(layer: VectorLayer) -> list[pg.GraphicsObject]:
    """Items drawing a drawing layer: mixed kinds, each drawing in its own colour.

    Polygons are filled translucently and outlined, lines stroked, points drawn
    as dots; names are labels. Coordinates come from the layer's display cache.
    """
    style = layer.style
    geoms = layer.display_geometry().to_numpy()
    if len(geoms) == 0:
        return []
    if COL_COLOR in layer.data:
        colors = layer.data[COL_COLOR].fillna("").astype(str).to_numpy()
    else:
        colors = np.full(len(geoms), style.color)
    colors = np.where(colors == "", style.color[:7], colors)
    type_ids = shapely.get_type_id(geoms)
    is_polygon = np.isin(type_ids, (3, 6))
    is_line = np.isin(type_ids, (1, 2, 5))
    is_point = np.isin(type_ids, (0, 4))
    items: list[pg.GraphicsObject] = []
    groups: list[tuple[QPainterPath, QPen, QBrush | None]] = []
    for color in sorted(set(colors[is_polygon])):
        mask = is_polygon & (colors == color)
        groups.append(
            (
                polygons_path(geoms[mask]),
                cosmetic_pen(color, style.line_width, style.line_style),
                QBrush(qcolor_alpha(color, FILL_ALPHA)),
            )
        )
    for color in sorted(set(colors[is_line])):
        mask = is_line & (colors == color)
        groups.append(
            (
                lines_path(geoms[mask]),
                cosmetic_pen(color, style.line_width, style.line_style),
                None,
            )
        )
    if groups:
        items.append(PathsItem(groups))
    if is_point.any():
        parts, owner = shapely.get_parts(geoms[is_point], return_index=True)
        point_colors = colors[is_point][owner]
        palette = sorted(set(point_colors))
        codes = np.searchsorted(palette, point_colors)
        points = PointsItem()
        points.set_points(
            shapely.get_x(parts),
            shapely.get_y(parts),
            codes,
            palette,
            style.size,
            style.symbol if style.symbol in ("o", "s") else "o",
        )
        items.append(points)
    field = style.label_field
    if field and field in layer.data:
        texts = layer.data[field].fillna("").astype(str).to_numpy()
        anchors = geoms.copy()
        if is_line.any():
            anchors[is_line] = shapely.line_interpolate_point(
                shapely.line_merge(geoms[is_line]), 0.5, normalized=True
            )
        if is_polygon.any():
            anchors[is_polygon] = shapely.point_on_surface(geoms[is_polygon])
        multipoint = type_ids == 4
        if multipoint.any():
            anchors[multipoint] = shapely.point_on_surface(geoms[multipoint])
        keep = (texts != "") & (type_ids >= 0)
        if keep.any():
            items.append(
                LabelsItem(
                    shapely.get_x(anchors[keep]),
                    shapely.get_y(anchors[keep]),
                    texts[keep],
                    color=style.label_color,
                    size=style.label_size,
                    bold=True,
                )
            )
    return items


__all__ = ["FILL_ALPHA", "SKETCH_COLOR", "drawing_layer_items", "qcolor_alpha"]
