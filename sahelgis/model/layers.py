"""Layers: a named source of features plus how it is shown.

Vector layers hold a GeoDataFrame in EPSG:4326 (what files and QGIS exchange);
event layers hold an ``EventTable``. Projection to the display CRS is cached here
so views never reproject on redraw.

Each layer tells who listens what changed through typed psygnal signals,
``layer.signals`` (a ``LayerSignals`` group): ``name``, ``visible``,
``opacity``, ``style`` and ``data``. Assigning one of those fields emits its
signal once, after the value is stored and only if it changed; inside
``with layer.batch():`` the signals wait until the block ends and each changed
field then emits once, with the final value. Views connect to the signals of the
layers they draw (``LayerSubscriptions`` follows a project's layers for them).
"""

from __future__ import annotations

import uuid
import weakref
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from functools import partial
from typing import TYPE_CHECKING, Any

from psygnal import Signal, SignalGroup

from sahelgis.model import crs
from sahelgis.model.styles import Style

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

    import geopandas as gpd
    import numpy as np

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


class LayerSignals(SignalGroup):
    """What can change on a layer once it exists, one typed signal each.

    ``data`` means the features were replaced (a vector layer's frame); the
    signal carries nothing, read the layer. Every signal is emitted after the
    layer's state is consistent, so a slot may read any field.
    """

    name = Signal(str)
    visible = Signal(bool)
    opacity = Signal(float)
    style = Signal(Style)
    data = Signal()


#: The layer fields that emit a ``LayerSignals`` signal when assigned.
SIGNAL_FIELDS: tuple[str, ...] = ("name", "visible", "opacity", "style", "data")
_EMITTERS = frozenset(SIGNAL_FIELDS)
# per-instance bookkeeping kept out of copies and pickles (see __getstate__)
_PRIVATE = ("_signals", "_batch_depth", "_pending")
_UNSET = object()


def _same(old: object, new: object) -> bool:
    """True when assigning ``new`` over ``old`` changes nothing observable."""
    if old is new:
        return True
    if isinstance(old, (str, bool, int, float, Style)) and type(old) is type(new):
        return bool(old == new)
    return False  # frames and tables: a new object is new data


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

    # -- change signals -------------------------------------------------------------
    @property
    def signals(self) -> LayerSignals:
        """The layer's change signals (created on first use)."""
        signals = self.__dict__.get("_signals")
        if signals is None:
            signals = LayerSignals()
            object.__setattr__(self, "_signals", signals)
        return signals

    def __setattr__(self, key: str, value: Any) -> None:
        if key not in _EMITTERS:
            object.__setattr__(self, key, value)
            return
        old = self.__dict__.get(key, _UNSET)  # unset while __init__ runs
        object.__setattr__(self, key, value)
        self._value_set(key)
        if old is not _UNSET and not _same(old, value):
            self._changed(key, old)

    def _value_set(self, key: str) -> None:
        """Hook run whenever a signalled field is assigned (drops caches)."""

    def _changed(self, key: str, old: object) -> None:
        if self.__dict__.get("_batch_depth", 0):
            self.__dict__["_pending"].setdefault(key, old)  # the value before
            return
        self._emit(key)

    def _emit(self, key: str) -> None:
        signals = self.__dict__.get("_signals")
        if signals is None:
            return  # nobody ever asked for the signals: nobody listens
        if key == "data":
            signals.data.emit()
        else:
            getattr(signals, key).emit(getattr(self, key))

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Hold the change signals until the block ends.

        Then each field that differs from its value before the block emits
        once, with its final value, in the order first changed.

        Batches nest; the outermost one emits. The signals are emitted even if
        the block raises, as the fields it set stay set.
        """
        depth = self.__dict__.get("_batch_depth", 0)
        if depth == 0:
            self.__dict__["_pending"] = {}
        self.__dict__["_batch_depth"] = depth + 1
        try:
            yield
        finally:
            self.__dict__["_batch_depth"] = depth
            if depth == 0:
                pending = self.__dict__.pop("_pending")
                for key, before in pending.items():
                    if not _same(before, getattr(self, key)):
                        self._emit(key)

    def update(self, **values: Any) -> None:
        """Set several fields at once; their signals emit after all are set."""
        names = {f.name for f in fields(self)}
        unknown = [key for key in values if key not in names]
        if unknown:
            raise AttributeError(f"layer has no field {unknown[0]!r}")
        with self.batch():
            for key, value in values.items():
                setattr(self, key, value)

    def __getstate__(self) -> dict[str, Any]:
        # copies (autosave snapshots) and pickles get no listeners of the original
        return {k: v for k, v in self.__dict__.items() if k not in _PRIVATE}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    # -- what every kind of layer answers ----------------------------------------
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
    #: Geometries in the display CRS, projected on first use (``display_geometry``).
    _display: Any = field(default=None, repr=False, compare=False)

    kind = "vector"

    def __post_init__(self) -> None:
        if self.data.crs is None:
            raise ValueError(f"layer {self.name!r} has no CRS")
        if not self.data.crs.equals(crs.WGS84):
            self.data = self.data.to_crs(crs.WGS84)

    def _value_set(self, key: str) -> None:
        if key == "data":
            self.__dict__["_display"] = None  # reprojected on next use

    def replace_data(self, frame: gpd.GeoDataFrame) -> None:
        """Swap in a new frame (EPSG:4326; never changed in place afterwards).

        Drops the projected cache and emits ``signals.data``. Undoable edits go
        through ``Project.replace_data``, which calls this.
        """
        if frame.crs is None or not frame.crs.equals(crs.WGS84):
            raise ValueError(f"new data of layer {self.name!r} must be EPSG:4326")
        self.data = frame

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

    @property
    def has_display_cache(self) -> bool:
        """True when the display-CRS geometries are projected and kept."""
        return self._display is not None

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
        return self.events.projected_bounds(crs.DISPLAY_CRS_PROJ4, crs.to_display())

    def fields(self) -> list[str]:
        """ACLED column names."""
        return list(self.events.frame.columns)


class LayerSubscriptions:
    """One view's connections to the signals of the layers it draws.

    ``slots`` maps a ``LayerSignals`` signal name to the *name* of a method of
    ``owner``; that method is called with the layer id first, then the signal's
    arguments (``style`` -> ``owner.method(layer_id, style)``). The owner is held
    weakly (psygnal holds bound methods weakly too), so a view that keeps its
    subscriptions makes no reference cycle. ``follow`` (re)connects to exactly
    the given layers, ``add``/``remove`` to one, ``clear`` to none.

    Examples
    --------
    >>> subs = LayerSubscriptions(view, style="_on_layer_style")  # doctest: +SKIP
    >>> subs.follow(project.layers)  # doctest: +SKIP
    """

    def __init__(self, owner: object, **slots: str) -> None:
        unknown = set(slots) - _EMITTERS
        if unknown:
            raise ValueError(f"layers have no signal {sorted(unknown)[0]!r}")
        self._owner = weakref.ref(owner)
        self._slots = dict(slots)
        self._layers: dict[str, Layer] = {}

    @property
    def layer_ids(self) -> list[str]:
        """The layers currently connected."""
        return list(self._layers)

    def _callbacks(self, layer: Layer) -> Iterator[tuple[Any, Callable[..., Any]]]:
        owner = self._owner()
        if owner is None:
            return
        for signal, method in self._slots.items():
            yield (
                getattr(layer.signals, signal),
                partial(getattr(owner, method), layer.id),
            )

    def add(self, layer: Layer) -> None:
        """Connect to one layer (again: replaces the earlier connection)."""
        self.remove(layer.id)
        for signal, callback in self._callbacks(layer):
            signal.connect(callback)
        self._layers[layer.id] = layer

    def remove(self, layer_id: str) -> None:
        """Disconnect from one layer (nothing if not connected)."""
        layer = self._layers.pop(layer_id, None)
        if layer is None:
            return
        for signal, callback in self._callbacks(layer):
            signal.disconnect(callback, missing_ok=True)

    def follow(self, layers: Iterable[Layer]) -> None:
        """Be connected to exactly these layers."""
        wanted = {layer.id: layer for layer in layers}
        for layer_id, layer in list(self._layers.items()):
            if wanted.get(layer_id) is not layer:
                self.remove(layer_id)
        for layer_id, layer in wanted.items():
            if layer_id not in self._layers:
                self.add(layer)

    def clear(self) -> None:
        """Disconnect from every layer."""
        for layer_id in list(self._layers):
            self.remove(layer_id)
