"""What every analysis declares, and what it gives back.

An :class:`Analysis` (in the spirit of a QGIS processing algorithm) has a
stable ``id``, a label, typed :class:`~.params.Param` declarations, and:

- :meth:`Analysis.spec_from` — raw values (command line, recipe, dialog) →
  a checked *spec*, a JSON-ready dict saved with the result layer and in
  recipes (towns resolved to lon/lat, distances in metres);
- :meth:`Analysis.restore` — a saved spec (also of older versions) → spec;
- :meth:`Analysis.run` — ``(events, rows, spec, context, progress)`` →
  :class:`Result` (headline, table, layers, total);
- for batch engines: :meth:`~Analysis.extent`, :meth:`~Analysis.columns`,
  :meth:`~Analysis.partial` (one partition), :meth:`~Analysis.merge` and
  :meth:`~Analysis.finish`.

A :class:`Context` supplies the layers an analysis needs (places, roads,
admin areas, drawn lines): the project's, else the bundled base data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sahelgis.analysis.registry.params import Param, ParamError, read_params
from sahelgis.errors import SahelGISError
from sahelgis.model import acled_schema as acled
from sahelgis.progress import NULL_PROGRESS, Progress

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    import geopandas as gpd

    from sahelgis.model.events import EventTable
    from sahelgis.model.project import Project
    from sahelgis.model.styles import Style

Tables = dict[str, pd.DataFrame]
Box = tuple[float, float, float, float]

#: Columns every analysis reads.
BASE_COLUMNS: tuple[str, ...] = (
    acled.EVENT_ID,
    acled.EVENT_DATE,
    acled.EVENT_TYPE,
    acled.LATITUDE,
    acled.LONGITUDE,
    acled.GEO_PRECISION,
)

#: Which events count, shared by every analysis on the command line (the GUI
#: takes them from the time window and the filter panel, a recipe from its
#: ``[scope]``).
#: ACLED's geo_precision switch (3 keeps every event).
MAX_GEO_PRECISION = Param(
    "max_geo_precision",
    "Largest geo precision",
    "int",
    3,
    low=1,
    high=3,
    help="drop events with a larger ACLED geo_precision (2 drops "
    "region-level events coded to a capital; 3 keeps all)",
)
SELECTION_PARAMS: tuple[Param, ...] = (
    Param("from", "From", "date", help="first day, YYYY-MM-DD", cli_flag="--from"),
    Param("to", "To", "date", help="last day, YYYY-MM-DD", cli_flag="--to"),
    Param(
        "actor",
        "Actor",
        "text",
        help="only events whose actors contain this text (case ignored), e.g. JNIM",
    ),
    Param(
        "event_type",
        "Event types",
        "texts",
        help="only these ACLED event types (repeat the option for several)",
        aliases=("event_types",),
    ),
    MAX_GEO_PRECISION,
)


#: Layer roles whose points are named places (searched by town name).
PLACE_ROLES = ("places", "towns")


# ----------------------------------------------------------------- context ---
class Context:
    """The layers analyses use, by role: the project's, else the bundled ones.

    Parameters
    ----------
    layers
        GeoDataFrames by role ("roads", "places", "towns", "cercles",
        "regions", "countries").
    caveats
        A caveat per role (e.g. "approximate national roads").
    drawn
        Lines and polygons the analyst drew, by name (EPSG:4326).
    """

    def __init__(
        self,
        layers: Mapping[str, gpd.GeoDataFrame] | None = None,
        caveats: Mapping[str, str] | None = None,
        drawn: Mapping[str, Any] | None = None,
    ) -> None:
        self.layers: dict[str, gpd.GeoDataFrame] = dict(layers or {})
        self.caveats: dict[str, str] = dict(caveats or {})
        self.drawn: dict[str, Any] = dict(drawn or {})
        self._bundled_loaded = False

    @classmethod
    def from_project(cls, project: Project) -> Context:
        """The project's base layers and drawn shapes."""
        from sahelgis.model.layers import VectorLayer

        layers: dict[str, Any] = {}
        caveats: dict[str, str] = {}
        drawn: dict[str, Any] = {}
        places: list[Any] = []
        for layer in project.layers:
            if not isinstance(layer, VectorLayer) or not layer.role:
                continue
            if layer.role == "drawing":
                data = layer.data
                names = data["name"].fillna("") if "name" in data else None
                for i, geom in enumerate(data.geometry):
                    if geom is None or geom.is_empty:
                        continue
                    label = str(names.iloc[i]) if names is not None else ""
                    drawn.setdefault(label or f"{layer.name} #{i + 1}", geom)
            elif layer.role in PLACE_ROLES:
                # every places layer is searched (bundled GeoNames towns and
                # the places of an OpenStreetMap import alike)
                data = layer.data
                places.append(data.to_crs("EPSG:4326") if data.crs else data)
            elif layer.role not in layers:
                layers[layer.role] = layer.data
                if layer.caveat:
                    caveats[layer.role] = layer.caveat
        if places:
            import geopandas as gpd

            layers["places"] = gpd.GeoDataFrame(
                pd.concat(places, ignore_index=True), crs="EPSG:4326"
            )
        return cls(layers, caveats, drawn)

    def _load_bundled(self) -> None:
        if self._bundled_loaded:
            return
        self._bundled_loaded = True
        from sahelgis.io.basedata import base_layers

        for layer in base_layers():
            data = getattr(layer, "data", None)
            if data is not None and layer.role and layer.role not in self.layers:
                self.layers[layer.role] = data
                if layer.caveat:
                    self.caveats.setdefault(layer.role, layer.caveat)

    def layer(self, role: str) -> gpd.GeoDataFrame:
        """The layer with this role (EPSG:4326 or with its CRS set)."""
        if role not in self.layers:
            self._load_bundled()
        if role not in self.layers:
            raise SahelGISError(f"no {role} layer in the project or the bundled data")
        return self.layers[role]

    def caveat(self, role: str) -> str:
        """The caveat of a layer ("" when none)."""
        if role not in self.layers:
            self._load_bundled()
        return self.caveats.get(role, "")

    def places(self) -> gpd.GeoDataFrame:
        """Named places: the project's places and towns, else the bundled ones."""
        import geopandas as gpd

        from sahelgis.analysis.places import bundled_places

        own = [self.layers[r] for r in ("places", "towns") if r in self.layers]
        if own:
            return gpd.GeoDataFrame(pd.concat(own, ignore_index=True), crs=own[0].crs)
        return bundled_places()

    def drawn_lines(self) -> dict[str, Any]:
        """Drawn lines by name."""
        return {
            name: geom
            for name, geom in self.drawn.items()
            if geom.geom_type in ("LineString", "MultiLineString")
        }


# ------------------------------------------------------------------ result ---
@dataclass
class ResultLayer:
    """A layer an analysis adds: name, features (EPSG:4326) and a style."""

    key: str
    name: str
    data: gpd.GeoDataFrame
    style: Style | None = None


@dataclass
class Result:
    """What an analysis gives back, the same for the GUI, CLI and batch.

    Attributes
    ----------
    headline
        One sentence about the whole selection ("12.3% — 41 of 333 events
        lie within 10 km of RN4").
    table
        The main table: printed by the CLI, shown in the result panel.
    total
        Events counted (the CLI's last line ``total: N events``).
    tables
        Every table by name (batch writes ``ID.<name>.csv``).
    layers
        Result layers, in the order they are drawn (top first).
    notes, warnings
        Lines for the analyst (the CLI writes them to stderr).
    caveats
        Caveats of the layers used (approximate roads ...).
    total_line
        The CLI's last line.
    native
        The analysis function's own result object (for GUI extras).
    panel
        The table the result panel shows when it differs from ``table``
        (pivoted for reading and charting).
    marks
        Days to mark on the timeline (alerts): ``date`` (ISO day) and
        ``label``; None when there are none.
    """

    headline: str
    table: pd.DataFrame
    total: int
    tables: Tables = field(default_factory=dict)
    layers: list[ResultLayer] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    caveats: list[str] = field(default_factory=list)
    total_line: str = ""
    native: Any = None
    panel: pd.DataFrame | None = None
    marks: pd.DataFrame | None = None

    def __post_init__(self) -> None:
        if not self.total_line:
            self.total_line = f"total: {self.total} events"

    @property
    def view(self) -> pd.DataFrame:
        """The table the GUI's result panel shows (and charts)."""
        return self.table if self.panel is None else self.panel


# ---------------------------------------------------------------- analysis ---
class Analysis:
    """Base class of the registered analyses (see module docstring)."""

    id: str = ""
    label: str = ""
    summary: str = ""
    #: Extra lines for ``--help`` (the description).
    description: str = ""
    params: tuple[Param, ...] = ()
    #: The analysis reads ``max_geo_precision`` itself (not as a row selection).
    own_precision: bool = False
    #: Can run from a recipe / batch engine.
    batch: bool = True
    #: Reads every shown event layer together (the GUI), not only the top one.
    every_event_layer: bool = False
    #: Sets its own periods: the GUI gives it the filtered events of every date,
    #: not only those of the time window.
    own_dates: bool = False
    #: A parameter naming more event files read with EVENTS (command line).
    more_events_param: str = ""

    # -- parameters -------------------------------------------------------------
    def param(self, name: str) -> Param:
        """The declared parameter ``name``."""
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)

    def spec_from(
        self,
        raw: Mapping[str, Any],
        context: Context,
        *,
        spell: Any = None,
        where: str = "",
    ) -> dict[str, Any]:
        """A checked spec from raw values (by parameter name or alias).

        Raises
        ------
        ParamError
            One line naming the parameter (as ``spell`` writes it).
        """
        given = self.prepare(dict(raw), where)
        extras = {k: given.pop(k) for k in list(given) if k.startswith("_")}
        values = read_params(self.params, given, spell=spell, where=where)
        try:
            spec = self.resolve(values | extras, context)
        except ParamError as exc:
            raise ParamError(f"{where}{exc}") from None
        except SahelGISError as exc:
            raise ParamError(f"{where}{exc}") from None
        return {"kind": self.id, **spec}

    def prepare(self, raw: dict[str, Any], where: str) -> dict[str, Any]:
        """Raw values before they are read.

        Earlier spellings are mapped to today's; values no declaration reads
        are set aside under ``_keys``.

        Parameters
        ----------
        raw
            Values by parameter name or alias, as given.
        where
            Prefix of error messages (e.g. ``"[[analysis]] 2: "``).

        Returns
        -------
        dict
            The values to read.
        """
        return raw

    def resolve(self, values: dict[str, Any], context: Context) -> dict[str, Any]:
        """Read values → the spec's fields (look up towns, roads, areas).

        Parameters
        ----------
        values
            Values read and checked by the parameter declarations (distances
            in metres, points as EPSG:4326 lon/lat degrees).
        context
            The project's layers, for names to look up.

        Returns
        -------
        dict
            The spec's fields, plain JSON-ready values.
        """
        return {k: _plain(v) for k, v in values.items() if not k.startswith("_")}

    def restore(self, saved: Mapping[str, Any]) -> dict[str, Any]:
        """A spec saved by this or an earlier version, in today's form.

        Parameters
        ----------
        saved
            The spec as saved in a project or recipe.

        Returns
        -------
        dict
            The spec with today's keys and defaults.
        """
        return {"kind": self.id, **{k: v for k, v in saved.items() if k != "kind"}}

    def recipe_items(self, spec: Mapping[str, Any], context: Context) -> list[dict]:
        """The spec as recipe ``[[analysis]]`` tables.

        An empty list when a recipe cannot hold it.
        """
        return []

    # -- running ------------------------------------------------------------------
    def run(
        self,
        events: EventTable,
        rows: np.ndarray | None,
        spec: Mapping[str, Any],
        context: Context,
        progress: Progress = NULL_PROGRESS,
    ) -> Result:
        """The result for ``events[rows]``.

        Parameters
        ----------
        events
            The event table (locations in EPSG:4326 lon/lat degrees).
        rows
            Row positions, a boolean mask of the table's length, or None for
            every event.
        spec
            A checked spec (from :meth:`spec_from` or :meth:`restore`).
        context
            The project's layers.
        progress
            Reports progress and checks for cancellation.

        Returns
        -------
        Result
            Tables, headline and result layers (EPSG:4326).
        """
        raise NotImplementedError

    def layer_name(self, spec: Mapping[str, Any]) -> str:
        """Name of the analysis's main result layer."""
        return self.label

    def combine(self, tables: Sequence[EventTable]) -> EventTable:
        """Event tables (layers, files; EPSG:4326 lon/lat) as one table, by date."""
        from sahelgis.model.events import EventTable, concat_frames

        if len(tables) == 1:
            return tables[0]
        frame = concat_frames([t.frame for t in tables])
        return EventTable(frame, synthetic=any(t.synthetic for t in tables))

    # -- batch --------------------------------------------------------------------
    def extent(self, spec: Mapping[str, Any]) -> Box | None:
        """The box of the events the analysis can count.

        Parameters
        ----------
        spec
            A checked spec.

        Returns
        -------
        Box or None
            ``(west, south, east, north)`` in EPSG:4326 degrees; None when
            events anywhere can count.
        """
        return None

    def columns(self, spec: Mapping[str, Any]) -> tuple[str, ...]:
        """Event columns the analysis reads."""
        from sahelgis.analysis.results import PERIOD_KEYS

        by = [k for k in spec.get("by", ()) or () if k not in PERIOD_KEYS]
        return (*BASE_COLUMNS, *by)

    def partial(self, spec: Mapping[str, Any], events: EventTable) -> Tables:
        """Tables of one partition (sums over partitions are the answer).

        Parameters
        ----------
        spec
            A checked spec (from :meth:`prepare_batch`).
        events
            The partition's events.

        Returns
        -------
        Tables
            Count tables by name; :meth:`merge` adds them up.
        """
        raise NotImplementedError

    def merge(self, spec: Mapping[str, Any], partials: Sequence[Tables]) -> Tables:
        """Add up the tables of several partitions."""
        from sahelgis.analysis.tables import sum_tables

        return sum_tables(partials)

    def finish(self, spec: Mapping[str, Any], merged: Tables) -> Result:
        """The result from the merged tables.

        Parameters
        ----------
        spec
            A checked spec (from :meth:`prepare_batch`).
        merged
            The tables of every partition, added up by :meth:`merge`.

        Returns
        -------
        Result
            As :meth:`run` gives it for the same events.
        """
        raise NotImplementedError

    def prepare_batch(self, spec: dict[str, Any], context: Context) -> dict[str, Any]:
        """The spec with what the batch engines ship to workers (areas ...)."""
        return spec

    def read_box(self, spec: Mapping[str, Any], context: Context) -> Box | None:
        """The lon/lat box of events to read from a store (None: all)."""
        return self.extent(spec)

    def run_whole(self, spec: Mapping[str, Any], events: EventTable) -> Result:
        """What the local batch engine runs on all the scope's events."""
        return self.finish(spec, self.merge(spec, [self.partial(spec, events)]))


def union(boxes: list[Box]) -> Box:
    """The box holding every box."""
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def bounds_of(events: EventTable) -> Box | None:
    """The events' lon/lat box (None when there are none)."""
    if len(events) == 0:
        return None
    lon, lat = events.lon, events.lat
    return (
        float(np.nanmin(lon)),
        float(np.nanmin(lat)),
        float(np.nanmax(lon)),
        float(np.nanmax(lat)),
    )


def meets(a: Box | None, b: Box) -> bool:
    """Whether two boxes overlap (never when ``a`` is None)."""
    return a is not None and not (
        a[2] < b[0] or a[0] > b[2] or a[3] < b[1] or a[1] > b[3]
    )


def distance_text(metres: float, unit: str) -> str:
    """A distance as a recipe writes it: "112.654 km", "70 mi"."""
    from sahelgis.analysis.units import format_distance

    return format_distance(float(metres), unit).replace(",", "")


def _plain(value: Any) -> Any:
    """Tuples as lists (JSON), numpy scalars as Python numbers."""
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def selection_rows(
    events: EventTable,
    values: Mapping[str, Any],
    *,
    precision: bool = True,
) -> np.ndarray:
    """Rows of the events the selection keeps, in date order.

    ``values`` holds the read :data:`SELECTION_PARAMS` (``from``, ``to`` as
    ISO days, ``actor``, ``event_type``, ``max_geo_precision``);
    ``precision=False`` leaves the precision to the analysis.
    """
    from sahelgis.analysis.results import select_rows
    from sahelgis.model.filters import EventFilter

    start, end = values.get("from"), values.get("to")
    if start is not None and end is not None and end < start:
        raise ParamError(f"--to {end} is before --from {start}")
    flt = EventFilter(
        event_types=frozenset(values["event_type"])
        if values.get("event_type")
        else None,
        actor=str(values.get("actor") or ""),
    )
    _check_types(events, flt.event_types or frozenset())
    return select_rows(
        events,
        start=start,
        end=end,
        event_filter=flt,
        max_geo_precision=int(values.get("max_geo_precision", 3)) if precision else 3,
    )


def _check_types(events: EventTable, wanted: frozenset[str]) -> None:
    if not wanted:
        return
    known = set(acled.EVENT_TYPES)
    if acled.EVENT_TYPE in events.frame:
        known |= {str(v) for v in pd.unique(events.frame[acled.EVENT_TYPE])}
    unknown = sorted(t for t in wanted if t not in known)
    if unknown:
        raise ParamError(
            f"--event-type {unknown[0]!r}: not an event type; use one of "
            + ", ".join(sorted(known))
        )
