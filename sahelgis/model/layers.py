"""Layers: a named source of features plus how it is shown.

Vector layers hold a GeoDataFrame in EPSG:4326 (what files and QGIS exchange);
event layers hold an ``EventTable``. Projection to the display CRS is cached here
so views never reproject on redraw.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from sahelgis.model import crs
from sahelgis.model.styles import Style

if TYPE_CHECKING:
    import geopandas as gpd

    from sahelgis.model.events import EventTable

# Roles tell the app what a layer is for (e.g. which layer holds the national
# roads a user may replace), independent of the user-editable name.
ROLE_COUNTRIES = "countries"
ROLE_REGIONS = "regions"
ROLE_CERCLES = "cercles"
ROLE_RIVERS = "rivers"
ROLE_LAKES = "lakes"
ROLE_ROADS = "roads"
ROLE_PLACES = "places"
ROLE_EVENTS = "events"


def new_layer_id() -> str:
    """A short unique id, stable for the life of the project."""
    return uuid.uuid4().hex[:12]


@dataclass(kw_only=True)
class Layer:
    """What every layer has: identity, visibility, opacity, style and provenance.

    ``attribution`` is the credit a figure's source line must carry;
    ``caveat`` is a warning shown with the layer's name and legend (e.g. that
    roads are approximate); ``synthetic`` marks made-up data; ``analysis``
    records the parameters of an analysis result.
    """

    name: str
    style: Style = field(default_factory=Style)
    id: str = field(default_factory=new_layer_id)
    visible: bool = True
    opacity: float = 1.0
    role: str = ""
    attribution: str = ""
    caveat: str = ""
    synthetic: bool = False
    source_path: str = ""
    #: For analysis results: what made the layer (kind and parameters), so the
    #: result can be recomputed when the time window or filters change.
    analysis: dict[str, Any] = field(default_factory=dict)
    #: For layers read from an event store: the store and what was read (box,
    #: dates, countries), so the analyst can tell and repeat where events came
    #: from after the project is reopened.
    source_query: dict[str, Any] = field(default_factory=dict)

    kind = "layer"

    @property
    def feature_count(self) -> int:
        """Number of features."""
        raise NotImplementedError

    def bounds_display(self) -> tuple[float, float, float, float] | None:
        """Extent ``(xmin, ymin, xmax, ymax)`` in the display CRS, None if empty."""
        raise NotImplementedError

    def fields(self) -> list[str]:
        """Attribute names (for categorical styles and labels)."""
        raise NotImplementedError

    def metadata(self) -> dict[str, Any]:
        """JSON-ready description saved in the project (not the data)."""
        return {
            "id": self.id,
            "kind": self.kind,
            "name": self.name,
            "visible": self.visible,
            "opacity": self.opacity,
            "role": self.role,
            "attribution": self.attribution,
            "caveat": self.caveat,
            "synthetic": self.synthetic,
            "source_path": self.source_path,
            "analysis": self.analysis,
            "source_query": self.source_query,
            "style": self.style.to_dict(),
        }


@dataclass(kw_only=True)
class VectorLayer(Layer):
    """Points, lines or polygons from a vector file, stored in EPSG:4326."""

    data: gpd.GeoDataFrame
    _display: Any = field(default=None, repr=False, compare=False)

    kind = "vector"

    def __post_init__(self) -> None:
        if self.data.crs is None:
            raise ValueError(f"layer {self.name!r} has no CRS")
        if not self.data.crs.equals(crs.WGS84):
            self.data = self.data.to_crs(crs.WGS84)

    @property
    def feature_count(self) -> int:
        """Number of features."""
        return len(self.data)

    @property
    def geometry_kind(self) -> str:
        """'point', 'line' or 'polygon' (the dominant type of the layer)."""
        types = self.data.geometry.geom_type.dropna()
        if types.empty:
            return "point"
        top = str(types.mode().iloc[0])
        if "Polygon" in top:
            return "polygon"
        if "Line" in top:
            return "line"
        return "point"

    def display_geometry(self) -> gpd.GeoSeries:
        """Geometries in the display CRS (projected once, then cached)."""
        if self._display is None:
            self._display = self.data.geometry.to_crs(crs.DISPLAY_CRS)
        return self._display

    def bounds_display(self) -> tuple[float, float, float, float] | None:
        """Extent in the display CRS."""
        if self.data.empty:
            return None
        xmin, ymin, xmax, ymax = self.display_geometry().total_bounds
        return float(xmin), float(ymin), float(xmax), float(ymax)

    def fields(self) -> list[str]:
        """Attribute names."""
        return [c for c in self.data.columns if c != self.data.geometry.name]


@dataclass(kw_only=True)
class EventLayer(Layer):
    """ACLED-style events, kept columnar (see ``EventTable``)."""

    events: EventTable

    kind = "events"

    @property
    def feature_count(self) -> int:
        """Number of events."""
        return len(self.events)

    @property
    def geometry_kind(self) -> str:
        """Events are points."""
        return "point"

    def display_xy(self) -> tuple[np.ndarray, np.ndarray]:
        """Event coordinates in the display CRS (cached on the table)."""
        return self.events.projected_xy(crs.DISPLAY_CRS_PROJ4, crs.to_display())

    def bounds_display(self) -> tuple[float, float, float, float] | None:
        """Extent in the display CRS."""
        if len(self.events) == 0:
            return None
        x, y = self.display_xy()
        return float(x.min()), float(y.min()), float(x.max()), float(y.max())

    def fields(self) -> list[str]:
        """ACLED column names."""
        return list(self.events.frame.columns)
