"""Runs analyses from the GUI: collects parameters, adds result layers through
the project (undoable) and keeps the result panel live with the time window
and filters.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd
from PySide6.QtCore import QObject

from sahelgis.analysis.buffers import BufferResult, buffer_counts
from sahelgis.analysis.places import is_admin_capital, nearest_town
from sahelgis.analysis.units import format_distance
from sahelgis.model import crs
from sahelgis.model.event_query import shown_rows
from sahelgis.model.layers import EventLayer, VectorLayer
from sahelgis.model.project import Project
from sahelgis.model.styles import Style
from sahelgis.ui.analysis_dialogs import BufferDialog
from sahelgis.ui.panels.result_panel import ResultPanel

if TYPE_CHECKING:
    from sahelgis.ui.canvas.map_canvas import MapCanvas

ROLE_ANALYSIS = "analysis"
SNAP_PX = 8.0
BUFFER_STYLE = Style(
    color="#0057B8",
    fill="#0057B81F",
    line_width=2.0,
    label_field="label",
    label_size=9,
    label_color="#0057B8",
)


class AnalysisController(QObject):
    """Glue between map gestures, analysis functions and the result panel."""

    def __init__(
        self,
        project: Project,
        canvas: MapCanvas,
        panel: ResultPanel,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.project = project
        self.canvas = canvas
        self.panel = panel
        self.current: str | None = None
        self.last_result: BufferResult | None = None
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

    # -- buffer ---------------------------------------------------------------
    def buffer_at(
        self, x: float, y: float, options: dict[str, Any] | None = None
    ) -> VectorLayer | None:
        """Buffer around a clicked map point, snapped to a town within a few
        pixels; asks for the radius unless ``options`` are given."""
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
        spec = {
            "kind": "buffer",
            "name": name,
            "lon": float(lon),
            "lat": float(lat),
            "capital": bool(capital),
            **options,
        }
        return self.add_buffer(spec)

    def add_buffer(self, spec: dict[str, Any]) -> VectorLayer | None:
        """Compute a buffer, add its rings as an undoable layer, show its counts."""
        result = self.compute_buffer(spec)
        if result is None:
            self.panel.show_result("No visible event layer to count.", pd.DataFrame())
            return None
        layer = VectorLayer(
            name=result.layer_name,
            data=result.rings,
            role=ROLE_ANALYSIS,
            style=BUFFER_STYLE,
            analysis=spec,
            attribution="",
        )
        self.project.add_layer(layer)
        self.show(layer.id)
        return layer

    def compute_buffer(self, spec: dict[str, Any]) -> BufferResult | None:
        """The buffer counts for the current window and filters."""
        events = self.event_layer()
        if events is None:
            return None
        rows = shown_rows(events, self.project.time_window, self.project.event_filter)
        return buffer_counts(
            events.events,
            spec["lon"],
            spec["lat"],
            spec["radii_m"],
            rows=rows,
            by=tuple(spec.get("by", ("year", "event_type"))),
            max_geo_precision=int(spec.get("max_geo_precision", 3)),
            name=spec.get("name", ""),
            centre_is_capital=bool(spec.get("capital")),
            unit=spec.get("unit", "km"),
        )

    # -- showing --------------------------------------------------------------
    def show(self, layer_id: str) -> None:
        """Show an analysis layer's result, recomputed for the current state."""
        layer = self.project.layer(layer_id)
        spec = getattr(layer, "analysis", {})
        if spec.get("kind") != "buffer":
            return
        result = self.compute_buffer(spec)
        if result is None:
            return
        self.current = layer_id
        self.last_result = result
        window = self.project.time_window.label() or "all dates"
        radius = format_distance(result.radii_m[-1], result.unit)
        title = (
            f"{result.name}: {result.total:,} events within {radius} — "
            f"{window}; {self.project.event_filter.describe()}"
        )
        table = result.wide().reset_index()
        keys = [c for c in table.columns if c in ("ring", *result.by[:-1])]
        table[keys] = table[keys].astype(str)  # labels, not quantities
        table.columns = [str(c) for c in table.columns]
        self.panel.show_result(title, table, result.precision_warning)

    def _on_state_changed(self, *args: object) -> None:
        if self.current is not None:
            self.show(self.current)

    def _on_project_layer_removed(self, layer_id: str) -> None:
        if layer_id == self.current:
            self.current = None
            self.last_result = None
            self.panel.show_result("The result's layer was removed.", pd.DataFrame())
