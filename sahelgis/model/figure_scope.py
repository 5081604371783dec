"""Which events a figure counts: one query over (events, window, filter, scope).

A figure's *scope* says where its events are counted (and drawn):

``{"kind": "frame"}`` (the default)
    Events inside the extent the figure asks for (``FigureSpec.extent``, or the
    project's view), tested in the display CRS (metres,
    ``sahelgis.model.crs.DISPLAY_CRS``). Not the extent fitted to the page's
    aspect, so a 16:9 PNG and a slide's picture area count the same events.
``{"kind": "area", "layer_id": ID, "field": NAME, "value": VALUE}``
    Events strictly inside the polygon features of a vector layer whose
    ``field`` equals ``value`` (a region or cercle of an admin layer, a buffer
    ring, a drawn polygon). Tested on lon/lat (EPSG:4326) with
    ``shapely.contains_xy`` per feature, as ``sahelgis counts --by region``
    does (a point exactly on a boundary is in no area). ``label`` optionally
    names the area on the figure ("Koulikoro region").
``{"kind": "all"}``
    Every loaded event in the window and filter.

:func:`counted_rows` is the one query: every number a figure shows (source
line, legend, chart bars, panel counts, slide notes, animation frames) derives
from its rows and their *assigned days*.

Imprecise dates
---------------
With the time window's ``expand_imprecise`` on, an event of week or month
precision counts when its week or month overlaps the window, even when its
coded ``event_date`` falls outside. Such an event is *assigned* the window's
first (or last) day: its coded date clamped into the window. Chart bars, small
multiple panels and animation frames split the counted events by assigned day,
so each event is in exactly one bar, one panel and one step, and the bars add
up to ``n``. With ``expand_imprecise`` off only coded dates inside the window
count, as in ``sahelgis counts``.

No Qt here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from sahelgis.errors import SahelGISError
from sahelgis.model.event_query import query_for
from sahelgis.model.layers import (
    ROLE_CERCLES,
    ROLE_COUNTRIES,
    ROLE_LAKES,
    ROLE_REGIONS,
    EventLayer,
    VectorLayer,
)
from sahelgis.model.time_window import as_day

if TYPE_CHECKING:
    from sahelgis.model.filters import EventFilter
    from sahelgis.model.project import Project

SCOPE_FRAME = "frame"
SCOPE_AREA = "area"
SCOPE_ALL = "all"
SCOPE_KINDS: tuple[str, ...] = (SCOPE_FRAME, SCOPE_AREA, SCOPE_ALL)
#: What an admin layer's feature is called in a scope's label.
AREA_NOUNS: dict[str, str] = {
    ROLE_REGIONS: "region",
    ROLE_CERCLES: "cercle",
    ROLE_COUNTRIES: "",
}
#: Name columns of other polygon layers, in order of preference.
NAME_FIELDS: tuple[str, ...] = (
    "name",
    "NAME",
    "label",
    "ring",
    "feature_id",
)
#: The name column of each admin layer, as ``sahelgis counts --by`` uses it.
ADMIN_NAME_FIELDS: dict[str, str] = {ROLE_REGIONS: "adm1_name", ROLE_CERCLES: "name_fr"}
MAX_LABEL_CHARS = 120

Box = tuple[float, float, float, float]


class ScopeError(SahelGISError, ValueError):
    """A figure scope that cannot be used (bad value, missing layer or area)."""


@dataclass(frozen=True)
class FigureScope:
    """Where a figure counts and draws its events (see the module docstring).

    Parameters
    ----------
    kind
        "frame", "area" or "all".
    layer_id, field, value
        For "area": the vector layer and the features whose ``field`` (a
        column of the layer) equals ``value`` (compared as text).
    label
        For "area": the area's name on the figure; "" derives it from the
        value and the layer's role ("Koulikoro region").
    """

    kind: str = SCOPE_FRAME
    layer_id: str = ""
    field: str = ""
    value: str = ""
    label: str = ""

    def __post_init__(self) -> None:
        if self.kind not in SCOPE_KINDS:
            raise ScopeError(
                f"unknown figure scope {self.kind!r}; use one of {SCOPE_KINDS}"
            )
        if self.kind == SCOPE_AREA and not (self.layer_id and self.field):
            raise ScopeError(
                "an area scope needs 'layer_id' and 'field' (the vector layer and "
                "the column naming the area) and a 'value'"
            )
        if len(self.label) > MAX_LABEL_CHARS:
            raise ScopeError(f"scope label longer than {MAX_LABEL_CHARS} characters")

    @classmethod
    def from_dict(cls, data: dict[str, Any] | FigureScope | None) -> FigureScope:
        """Read a saved scope; None (figures saved before scopes) is "frame".

        Raises ``ScopeError`` (a ``ValueError``) for unknown kinds or keys.
        """
        if data is None:
            return cls()
        if isinstance(data, FigureScope):
            return data
        if not isinstance(data, dict):
            raise ScopeError(f"a figure scope is a JSON object, got {data!r:.60}")
        unknown = set(data) - {"kind", "layer_id", "field", "value", "label"}
        if unknown:
            raise ScopeError(f"unknown figure scope keys: {sorted(unknown)}")
        kind = str(data.get("kind", SCOPE_FRAME))
        if kind != SCOPE_AREA:
            return cls(kind=kind)
        return cls(
            kind=kind,
            layer_id=str(data.get("layer_id") or ""),
            field=str(data.get("field") or ""),
            value=str(data.get("value") if data.get("value") is not None else ""),
            label=str(data.get("label") or ""),
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (only the keys the kind uses)."""
        if self.kind != SCOPE_AREA:
            return {"kind": self.kind}
        out = {
            "kind": self.kind,
            "layer_id": self.layer_id,
            "field": self.field,
            "value": self.value,
        }
        if self.label:
            out["label"] = self.label
        return out


def area_scope(
    layer: VectorLayer, field: str, value: object, label: str = ""
) -> FigureScope:
    """The scope of the features of ``layer`` whose ``field`` equals ``value``."""
    return FigureScope(
        kind=SCOPE_AREA,
        layer_id=layer.id,
        field=field,
        value=str(value),
        label=label,
    )


def _area_layer(project: Project, scope: FigureScope) -> VectorLayer:
    for layer in project.layers:
        if layer.id == scope.layer_id:
            if not isinstance(layer, VectorLayer):
                break
            return layer
    raise ScopeError(
        f"the figure counts events in {scope.value!r}, but its layer "
        f"({scope.layer_id}) is not a vector layer of this project; choose "
        "another scope (Export figure > Events counted)"
    )


def area_geometries(project: Project, scope: FigureScope) -> np.ndarray:
    """Polygon features of an area scope, lon/lat (EPSG:4326), as an array.

    Raises ``ScopeError`` when the layer is missing, lacks ``field``, or no
    polygon feature has ``value``.
    """
    layer = _area_layer(project, scope)
    data = layer.data
    if scope.field not in data:
        raise ScopeError(
            f"layer {layer.name!r} has no column {scope.field!r} to find "
            f"{scope.value!r}; choose another scope"
        )
    hit = data[scope.field].astype(str).to_numpy() == scope.value
    geoms = data.geometry.to_numpy()[hit]
    kinds = shapely.get_type_id(geoms)
    polygons = geoms[(kinds == 3) | (kinds == 6)]  # Polygon, MultiPolygon
    polygons = polygons[~shapely.is_empty(polygons)]
    if not len(polygons):
        raise ScopeError(
            f"no polygon with {scope.field} = {scope.value!r} in layer "
            f"{layer.name!r}; choose another scope"
        )
    return polygons


def scope_label(project: Project, scope: FigureScope) -> str:
    """The scope in words after "n = 474".

    "in Koulikoro region", "in the map frame", "of all loaded events".
    """
    if scope.kind == SCOPE_ALL:
        return "of all loaded events"
    if scope.kind == SCOPE_FRAME:
        return "in the map frame"
    return f"in {area_name(project, scope)}"


def area_name(project: Project, scope: FigureScope) -> str:
    """An area scope's name.

    Its label, else "Koulikoro region" (value and the layer's role), else the
    value and the layer's name.
    """
    if scope.label:
        return scope.label
    layer = next((ly for ly in project.layers if ly.id == scope.layer_id), None)
    if layer is None:
        return scope.value
    noun = AREA_NOUNS.get(layer.role)
    if noun is None:
        return f"{scope.value} ({layer.name})"
    return f"{scope.value} {noun}".strip()


def in_scope(
    project: Project,
    layer: EventLayer,
    rows: np.ndarray,
    scope: FigureScope,
    frame: Box,
) -> np.ndarray:
    """Which of ``rows`` lie in the scope (a boolean array like ``rows``).

    Parameters
    ----------
    project
        The project (holds the area layers).
    layer
        The event layer the rows index.
    rows
        Row positions into the layer's event table.
    scope
        The figure's scope.
    frame
        The requested map extent in the display CRS (metres), used by "frame".
    """
    if scope.kind == SCOPE_ALL or not len(rows):
        return np.ones(len(rows), dtype=bool)
    if scope.kind == SCOPE_FRAME:
        x, y = layer.display_xy()
        xs, ys = x[rows], y[rows]
        xmin, ymin, xmax, ymax = frame
        return (xs >= xmin) & (xs <= xmax) & (ys >= ymin) & (ys <= ymax)
    lon = np.asarray(layer.events.lon, dtype=float)[rows]
    lat = np.asarray(layer.events.lat, dtype=float)[rows]
    inside = np.zeros(len(rows), dtype=bool)
    for geom in area_geometries(project, scope):
        shapely.prepare(geom)
        inside |= shapely.contains_xy(geom, lon, lat)
    return inside


@dataclass(frozen=True)
class CountedRows:
    """The events a figure counts in one event layer.

    ``rows`` are row positions (sorted); ``days`` the assigned day of each
    (datetime64[D]): the coded date clamped into the window (see the module
    docstring), the coded date itself without a window.
    """

    rows: np.ndarray
    days: np.ndarray

    def within(self, window: tuple[np.datetime64, np.datetime64] | None) -> np.ndarray:
        """Rows whose assigned day falls in the inclusive ``window``."""
        if window is None:
            return self.rows
        start, end = as_day(window[0]), as_day(window[1])
        return self.rows[(self.days >= start) & (self.days <= end)]


def counted_rows(
    project: Project,
    layer: EventLayer,
    flt: EventFilter,
    window: tuple[np.datetime64, np.datetime64] | None,
    scope: FigureScope,
    frame: Box,
    expand_imprecise: bool | None = None,
) -> CountedRows:
    """The events of ``layer`` a figure counts, with their assigned days.

    Parameters
    ----------
    project
        The project (area layers; default of ``expand_imprecise``).
    layer
        An event layer.
    flt
        The figure's event filter.
    window
        Inclusive first and last day, or None for all dates.
    scope
        Where events count.
    frame
        Requested map extent, display CRS metres (for the "frame" scope).
    expand_imprecise
        Count week/month-precision events whose period overlaps the window;
        None uses the project's time window setting.

    Returns
    -------
    CountedRows
        Sorted rows and each row's assigned day (coded date clamped into the
        window).
    """
    query = query_for(layer)
    if expand_imprecise is None:
        expand_imprecise = project.time_window.expand_imprecise
    if window is None:
        rows = np.flatnonzero(query.filter_mask(flt))
    else:
        rows = query.window_rows(window[0], window[1], flt, expand_imprecise)
    rows = np.sort(rows[in_scope(project, layer, rows, scope, frame)])
    days = query.days[rows]
    if window is not None:
        days = np.clip(days, as_day(window[0]), as_day(window[1]))
    return CountedRows(rows.astype(np.int64), days)


def scope_choices(project: Project) -> list[tuple[str, FigureScope]]:
    """Scopes a user can pick, as ``(label, scope)`` pairs.

    The map frame, all events, then each named polygon of the admin layers
    (regions, cercles) and of other polygon layers (drawings, buffer rings,
    zones).
    """
    out: list[tuple[str, FigureScope]] = [
        ("Map frame", FigureScope()),
        ("All loaded events", FigureScope(kind=SCOPE_ALL)),
    ]
    admin = [ROLE_REGIONS, ROLE_CERCLES]
    # other polygon layers only when shown (the hidden report-figure layers
    # and lakes are no place to count events in)
    layers = [ly for role in admin for ly in project.layers_with_role(role)] + [
        ly
        for ly in project.layers
        if ly.visible and ly.role not in (*admin, ROLE_COUNTRIES, ROLE_LAKES)
    ]
    for layer in layers:
        if not isinstance(layer, VectorLayer) or not len(layer.data):
            continue
        kinds = shapely.get_type_id(layer.data.geometry.to_numpy())
        if not np.isin(kinds, (3, 6)).any():
            continue
        own = ADMIN_NAME_FIELDS.get(layer.role)
        fields = (own, *NAME_FIELDS) if own else NAME_FIELDS
        field = next((f for f in fields if f in layer.data), None)
        if field is None:
            continue
        values = layer.data[field][np.isin(kinds, (3, 6))].dropna().astype(str)
        for value in dict.fromkeys(values.tolist()):
            if not value:
                continue
            scope = area_scope(layer, field, value)
            out.append((f"{area_name(project, scope)} — {layer.name}", scope))
    return out


__all__ = [
    "SCOPE_ALL",
    "SCOPE_AREA",
    "SCOPE_FRAME",
    "SCOPE_KINDS",
    "CountedRows",
    "FigureScope",
    "ScopeError",
    "area_geometries",
    "area_name",
    "area_scope",
    "counted_rows",
    "in_scope",
    "scope_choices",
    "scope_label",
]
