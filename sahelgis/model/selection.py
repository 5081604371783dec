"""The map selection that restricts the charts: a polygon in lon/lat with a label."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from shapely.errors import ShapelyError

from sahelgis.model import crs

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry


@dataclass(frozen=True)
class Selection:
    """An area (EPSG:4326) and what it is, e.g. "Cercle: Nara" or "Rectangle"."""

    geometry: BaseGeometry
    label: str

    def contains(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Which points fall inside (boundary included)."""
        geom = self.geometry
        shapely.prepare(geom)
        inside = shapely.contains_xy(geom, lon, lat)
        return np.asarray(inside, dtype=bool)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (WKT) for the project file."""
        return {"wkt": self.geometry.wkt, "label": self.label}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Selection:
        """Rebuild from ``to_dict`` output (``ValueError`` if the WKT is bad)."""
        try:
            geometry = shapely.from_wkt(data["wkt"])
        except (ShapelyError, TypeError) as exc:
            raise ValueError(f"selection WKT is not a geometry ({exc})") from None
        if geometry is None or geometry.is_empty:
            raise ValueError("selection WKT is empty")
        return cls(geometry, str(data.get("label", "Selection")))


def selection_from_display_polygon(
    xs: np.ndarray, ys: np.ndarray, label: str
) -> Selection:
    """A selection from a polygon drawn on the map (display-CRS metres).

    Edges are densified before unprojecting, so a rectangle on the map stays the
    same area on the ground.

    Parameters
    ----------
    xs, ys
        The polygon's vertices, display-CRS metres.
    label
        Name of the selection.

    Returns
    -------
    Selection
        The polygon in EPSG:4326 lon/lat degrees (made valid when it was not).
    """
    ring: BaseGeometry = shapely.Polygon(np.column_stack([xs, ys]))
    if not ring.is_valid:
        ring = shapely.make_valid(ring)
    ring = shapely.segmentize(ring, 5_000.0)
    lonlat = shapely.transform(
        ring, lambda xy: np.column_stack(crs.to_lonlat().transform(xy[:, 0], xy[:, 1]))
    )
    return Selection(lonlat, label)
