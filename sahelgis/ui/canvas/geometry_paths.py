"""Turn shapely geometries into QPainterPaths in one vectorised pass per layer."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import shapely
from PySide6.QtGui import QPainterPath


def _path_from_parts(parts: np.ndarray) -> QPainterPath:
    """One path for line-like parts (LineStrings or LinearRings)."""
    if len(parts) == 0:
        return QPainterPath()
    coords, index = shapely.get_coordinates(parts, return_index=True)
    if len(coords) == 0:
        return QPainterPath()
    connect = np.ones(len(coords), dtype=bool)
    # break the pen between parts: the last vertex of each part connects to nothing
    last = np.r_[index[1:] != index[:-1], True]
    connect[last] = False
    return pg.functions.arrayToQPath(coords[:, 0], coords[:, 1], connect=connect)


def lines_path(geoms: np.ndarray) -> QPainterPath:
    """A path through every line (and polygon outline) in ``geoms``."""
    geoms = np.asarray(geoms)
    geoms = geoms[~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)]
    parts = shapely.get_parts(geoms)
    is_poly = shapely.get_type_id(parts) == 3
    rings = shapely.get_rings(parts[is_poly]) if is_poly.any() else np.array([])
    lines = parts[~is_poly]
    return _path_from_parts(np.concatenate([lines, rings]) if len(rings) else lines)


def polygons_path(geoms: np.ndarray) -> QPainterPath:
    """A fillable path of polygons: each ring a closed subpath, holes by odd-even."""
    geoms = np.asarray(geoms)
    geoms = geoms[~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)]
    parts = shapely.get_parts(geoms)
    parts = parts[shapely.get_type_id(parts) == 3]
    path = _path_from_parts(shapely.get_rings(parts))
    path.setFillRule(pg.QtCore.Qt.FillRule.OddEvenFill)
    return path
