"""Runs registered analyses from the GUI: asks their parameters in a dialog
built from their declarations, adds their result layers through the project
(one undo step) and keeps the result panel live with the time window and
filters.

Every analysis goes through :mod:`sahelgis.analysis.registry`: the same spec,
checks and run as the command line and recipes, on the rows the map shows
(time window and filter panel).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from PySide6.QtCore import QObject, QTimer, Signal

from sahelgis.analysis.registry import ANALYSES, Analysis, Context, Result, get
from sahelgis.errors import SahelGISError
from sahelgis.model import crs
from sahelgis.model.event_query import query_for, shown_rows
from sahelgis.model.events import EventTable
from sahelgis.model.layers import EventLayer, VectorLayer
from sahelgis.model.project import Project
from sahelgis.model.styles import Style
from sahelgis.ui import settings as app_settings
from sahelgis.ui.analysis_dialogs import (
    BufferDialog,
    FormDialog,
    analysis_form,
    form_values,
)
from sahelgis.ui.panels.result_panel import ResultPanel
from sahelgis.ui.workers import TaskRunner

if TYPE_CHECKING:
    from sahelgis.ui.canvas.map_canvas import MapCanvas

ROLE_ANALYSIS = "analysis"
REFRESH_MS = 200
SNAP_PX = 8.0
#: Analyses run off the GUI thread, with progress and Cancel (clustering a
#: million events takes tens of seconds).
BACKGROUND = frozenset({"zones", "duplicates"})


class AnalysisController(QObject):
    """Glue between map gestures, the analysis registry and the result panel."""

    sig_failed = Signal(object)  # an exception from a background analysis
    #: Days to mark on the timeline (``date``, ``label`` frame) or None.
    sig_marks = Signal(object)

    def __init__(
        self,
        project: Project,
        canvas: MapCanvas,
        panel: ResultPanel,
        parent: QObject | None = None,
        runner: TaskRunner | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.project = project
        self.canvas = canvas
        self.panel = panel
        self.current: str | None = None
        self.last_result: Any = None
        # recompute the shown result once the window stops moving: while the time
        # slider plays, a corridor recount (~100 ms at 1M events) must not run on
        # every step
        self._refresh_timer = QTimer(self, singleShot=True, interval=REFRESH_MS)
        self._refresh_timer.timeout.connect(self._on_refresh_timer_timeout)
        self._connect(project)

    def _connect(self, project: Project) -> None:
        project.time_window.changed.connect(self._on_state_changed)
        project.time_window.settings_changed.connect(self._on_state_changed)
        project.filter_changed.connect(self._on_state_changed)
        project.layer_removed.connect(self._on_project_layer_removed)

    def set_project(self, project: Project, canvas: MapCanvas) -> None:
        """Follow another project (after New/Open)."""
        old = self.project
        old.time_window.changed.disconnect(self._on_state_changed)
        old.time_window.settings_changed.disconnect(self._on_state_changed)
        old.filter_changed.disconnect(self._on_state_changed)
        old.layer_removed.disconnect(self._on_project_layer_removed)
        self.project, self.canvas, self.current = project, canvas, None
        self._connect(project)

    # -- inputs ---------------------------------------------------------------
    def event_layer(self) -> EventLayer | None:
        """The events analysed: the top visible event layer."""
        for layer in self.project.event_layers():
            if layer.visible:
                return layer
        return None

    def context(self) -> Context:
        """The project's roads, places, admin areas and drawn shapes."""
        return Context.from_project(self.project)

    def places(self) -> pd.DataFrame:
        """Towns and capitals the gestures snap to (lon/lat columns)."""
        frames = [
            layer.data
            for layer in self.project.layers
            if isinstance(layer, VectorLayer) and layer.role in ("places", "towns")
        ]
        if not frames:
            return pd.DataFrame(columns=["name", "geometry"])
        return pd.concat(frames, ignore_index=True)

    def rows(self, events: EventLayer, every_date: bool = False) -> np.ndarray:
        """The rows the map shows: time window and filter panel (only the filter
        with ``every_date``, for analyses that set their own periods)."""
        if every_date:
            mask = query_for(events).filter_mask(self.project.event_filter)
            return np.flatnonzero(mask)
        return shown_rows(events, self.project.time_window, self.project.event_filter)

    # -- dialogs ----------------------------------------------------------------
    def analysis_dialog(self, kind: str) -> list[VectorLayer] | None:
        """Ask an analysis's parameters, run it and add its layers."""
        analysis = get(kind)
        context = self.context()
        choices = self._choices(kind, context)
        remembered = {
            key: value
            for key, value in self._remembered(kind).items()
            if key not in choices or value in choices[key]  # a road still there
        }
        values = {**self._defaults(kind, context, choices), **remembered}
        note = ""
        if kind in ("corridor", "isolation"):
            note = context.caveat("roads")
        dialog = analysis_form(analysis, values, choices, note, parent=self.canvas)
        dialog.finish()
        if not dialog.exec():
            return None
        raw = form_values(analysis, dialog)
        spec = analysis.spec_from(raw, context)
        self._remember(kind, raw)
        return self.add(spec)

    def rings_dialog(self) -> list[VectorLayer] | None:
        """Distance rings around a town typed by name."""
        return self.analysis_dialog("buffer")

    def corridor_dialog(self) -> list[VectorLayer] | None:
        """Road corridor: pick a road and distances."""
        return self.analysis_dialog("corridor")

    def counts_dialog(self) -> list[VectorLayer] | None:
        """Counts per cercle, region, country or hexagon as a choropleth."""
        return self.analysis_dialog("counts")

    def zones_dialog(self) -> list[VectorLayer] | None:
        """Support zones from control-indicator events."""
        return self.analysis_dialog("zones")

    def isolation_dialog(self) -> list[VectorLayer] | None:
        """Access roads of a town: attacks per road and month, days since last."""
        return self.analysis_dialog("isolation")

    def _choices(self, kind: str, context: Context) -> dict[str, list[str]]:
        if kind != "corridor":
            return {}
        from sahelgis.analysis.corridors import DRAWN_PREFIX, road_refs

        roads = context.layers.get("roads")
        refs = road_refs(roads) if roads is not None else []
        refs += [DRAWN_PREFIX + name for name in context.drawn_lines()]
        if not refs:
            raise SahelGISError("no road layer or drawn line in the project")
        return {"road": refs}

    def _defaults(
        self, kind: str, context: Context, choices: dict[str, list[str]]
    ) -> dict[str, Any]:
        """Defaults that depend on the data: the road with the most events in
        the window; the bundled support-zone rules."""
        if kind == "zones":
            from sahelgis.analysis.zones import DEFAULT_RULES

            rules = DEFAULT_RULES
            return {
                "actors": list(rules.actors),
                "keywords": list(rules.notes_keywords),
                "eps_km": rules.eps_km,
                "min_events": rules.min_events,
                "margin_km": rules.margin_km,
            }
        if kind == "corridor" and choices.get("road"):
            road = self._busiest_road(choices["road"], context)
            return {"road": road, "segment": "25 km"}  # a heat strip per 25 km
        if kind == "buffer":
            return {"town": "Bamako", "radii": "25, 50, 100 km"}
        if kind == "isolation":
            return {"town": "Nara"}
        return {}

    def _busiest_road(self, refs: list[str], context: Context) -> str:
        """The road (of ``refs``) with the most shown events within 10 km."""
        events = self.event_layer()
        if events is None or len(refs) == 1:
            return refs[0]
        from sahelgis.analysis.corridors import DRAWN_PREFIX, corridor, road_by_ref

        roads = context.layers.get("roads")
        rows = self.rows(events)
        best, most = refs[0], -1
        for ref in refs:
            if roads is None or ref.startswith(DRAWN_PREFIX):
                continue
            try:
                line = road_by_ref(ref, roads)
            except SahelGISError:
                continue
            n = corridor(line, 10_000.0, None, events.events, rows=rows, by=None).total
            if n > most:
                best, most = ref, n
        return best

    def _remembered(self, kind: str) -> dict[str, Any]:
        store = app_settings.settings()
        out: dict[str, Any] = {}
        for param in get(kind).params:
            value = store.value(f"analysis/{kind}/{param.name}")
            if value not in (None, ""):
                out[param.name] = value
        return out

    def _remember(self, kind: str, raw: dict[str, Any]) -> None:
        store = app_settings.settings()
        for key, value in raw.items():
            text = ", ".join(map(str, value)) if isinstance(value, list) else value
            store.setValue(f"analysis/{kind}/{key}", text)

    # -- buffer gesture ---------------------------------------------------------
    def buffer_at(
        self, x: float, y: float, options: dict[str, Any] | None = None
    ) -> list[VectorLayer] | None:
        """Buffer around a clicked map point, snapped to a town within a few
        pixels; asks for the radius unless ``options`` are given."""
        from sahelgis.analysis.places import is_admin_capital, nearest_town

        lon, lat = crs.to_lonlat().transform(x, y)
        tolerance = SNAP_PX * self.canvas.metres_per_pixel()
        snapped = nearest_town(float(lon), float(lat), self.places(), tolerance)
        if snapped is not None:
            row, _ = snapped
            name = str(row["name"])
            lon, lat = float(row.geometry.x), float(row.geometry.y)
            capital = is_admin_capital(row)
        else:
            name, capital = f"{lat:.4f}°N {abs(lon):.4f}°W", False
        if options is None:
            text = f"{name} ({lat:.4f}, {lon:.4f})"
            hint = (
                "This is a cercle or region capital: events ACLED knows only "
                "at cercle or region level (geo_precision 3) are coded here."
                if capital
                else ""
            )
            dialog = BufferDialog(text, hint, self.canvas)
            if not dialog.exec():
                return None
            options = dialog.options()
        raw = {"at": [float(lon), float(lat)], "name": name, **options}
        spec = get("buffer").spec_from(raw, self.context())
        return self.add(spec)

    def add_rings(self, town: str, radii: str) -> list[VectorLayer] | None:
        """Rings around a named town ("10, 20 km"), counted per year and type."""
        raw = {"town": town, "radii": radii, "by": "year, event_type"}
        return self.add(get("buffer").spec_from(raw, self.context()))

    def add_buffer(self, spec: dict[str, Any]) -> list[VectorLayer] | None:
        """Add a buffer from a spec (saved, or made by code)."""
        return self.add(spec)

    # -- running ----------------------------------------------------------------
    def compute(self, spec: dict[str, Any], progress: Any = None) -> Result | None:
        """The analysis's result for the current window and filters."""
        events = self.event_layer()
        if events is None:
            return None
        analysis = get(spec.get("kind"))
        spec = analysis.restore(spec)
        args = self._run_args(analysis, events, spec)
        if progress is None:
            return analysis.run(*args)
        return analysis.run(*args, progress)

    def _run_args(
        self, analysis: Analysis, events: EventLayer, spec: dict[str, Any]
    ) -> tuple[EventTable, np.ndarray | None, dict[str, Any], Context]:
        """What ``analysis.run`` gets: the shown rows of the top event layer, or
        of every shown event layer together (ACLED and UCDP GED paired)."""
        if not analysis.every_event_layer:
            rows = self.rows(events, every_date=analysis.own_dates)
            return events.events, rows, spec, self.context()
        shown = [ly for ly in self.project.event_layers() if ly.visible]
        table = analysis.combine(
            [_subset(layer.events, self.rows(layer)) for layer in shown]
        )
        return table, None, spec, self.context()

    def add(
        self, spec: dict[str, Any], result: Result | None = None
    ) -> list[VectorLayer] | None:
        """Run an analysis (unless ``result`` is given) and add its layers as
        one undo step; show its result."""
        kind = str(spec.get("kind"))
        if result is None and kind in BACKGROUND and self.runner is not None:
            self._start_background(spec)
            return None
        result = result or self.compute(spec)
        if result is None:
            self.panel.show_result("No visible event layer to count.", pd.DataFrame())
            return None
        layers = [
            VectorLayer(
                name=layer.name,
                data=layer.data,
                role=ROLE_ANALYSIS,
                analysis=spec,
                # a result without a style of its own takes the layer default
                style=layer.style if layer.style is not None else Style(),
            )
            for layer in result.layers
        ]
        with self.project.undo_stack.macro(f"{get(kind).label}: {layers[0].name}"):
            for layer in reversed(layers):
                self.project.add_layer(layer)
        self._show_result(layers[0].id, result)
        return layers

    def _start_background(self, spec: dict[str, Any]) -> None:
        events = self.event_layer()
        if events is None or self.runner is None:
            return
        analysis = get(spec["kind"])
        args = self._run_args(analysis, events, analysis.restore(spec))

        def job(progress: Any) -> Result:
            return analysis.run(*args, progress)

        def done(result: Result) -> None:
            self.add(spec, result)

        self.runner.start(
            spec["kind"],
            f"{analysis.label}…",
            job,
            on_done=done,
            on_error=self.sig_failed.emit,
        )

    # -- showing --------------------------------------------------------------
    def show(self, layer_id: str) -> None:
        """Show an analysis layer's result, recomputed for the current state."""
        layer = self.project.layer(layer_id)
        spec = getattr(layer, "analysis", None) or {}
        if spec.get("kind") not in ANALYSES:
            return
        if spec["kind"] in BACKGROUND and self.runner is not None:
            self._refresh_background(layer_id, spec)
            return
        result = self.compute(spec)
        if result is not None:
            self._show_result(layer_id, result)

    def _refresh_background(self, layer_id: str, spec: dict[str, Any]) -> None:
        """Recompute a slow result off the GUI thread (no dialog); a newer
        refresh of the same kind cancels this one."""
        events = self.event_layer()
        if events is None or self.runner is None:
            return
        analysis = get(spec["kind"])
        args = self._run_args(analysis, events, analysis.restore(spec))

        def job(progress: Any) -> Result:
            return analysis.run(*args, progress)

        def done(result: Result) -> None:
            if self.current == layer_id:  # still the result asked for
                self._show_result(layer_id, result)

        self.runner.start(
            spec["kind"],
            f"{analysis.label}…",
            job,
            on_done=done,
            on_error=self.sig_failed.emit,
            dialog=False,
        )

    def _show_result(self, layer_id: str, result: Result) -> None:
        window = self.project.time_window.label() or "all dates"
        spec = getattr(self.project.layer(layer_id), "analysis", None) or {}
        if spec.get("kind") in ANALYSES and get(spec["kind"]).own_dates:
            window = "every date (its own periods)"
        state = f"{window}; {self.project.event_filter.describe()}"
        self.last_result = result.native
        warning = "\n".join([*result.warnings, *result.caveats]) or None
        self.panel.show_result(
            f"{result.headline} — {state}",
            result.view,
            warning,
            data=result.table if result.panel is not None else None,
        )
        self.current = layer_id
        self.sig_marks.emit(result.marks)

    def _on_state_changed(self, *args: object) -> None:
        if self.current is not None:
            self._refresh_timer.start()

    def _on_refresh_timer_timeout(self) -> None:
        if self.current is not None:
            self.show(self.current)

    def _on_project_layer_removed(self, layer_id: str) -> None:
        if layer_id == self.current:
            self.current = None
            self.last_result = None
            self.panel.show_result("The result's layer was removed.", pd.DataFrame())
            self.sig_marks.emit(None)


def _subset(events: EventTable, rows: np.ndarray) -> EventTable:
    """The rows of an event table (positions, in date order) as a table."""
    frame = events.frame.iloc[rows].reset_index(drop=True)
    return EventTable(frame, synthetic=events.synthetic)


__all__ = ["ROLE_ANALYSIS", "AnalysisController", "FormDialog"]
