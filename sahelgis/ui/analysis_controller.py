"""Runs analyses from the GUI: collects parameters, adds result layers through
the project (undoable) and keeps the result panel live with the time window
and filters.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd
from PySide6.QtCore import QObject, QTimer, Signal

from sahelgis.analysis.areas import (
    choropleth_layer,
    classify,
    counts_per_area,
    counts_per_hex,
)
from sahelgis.analysis.buffers import BufferResult, buffer_counts
from sahelgis.analysis.corridors import (
    DRAWN_PREFIX,
    corridor,
    road_by_ref,
    road_refs,
)
from sahelgis.analysis.isolation import town_isolation
from sahelgis.analysis.places import is_admin_capital, nearest_town, resolve_town
from sahelgis.analysis.units import format_distance, parse_distance, parse_distances
from sahelgis.analysis.zones import DEFAULT_RULES, ZoneRules, support_zones
from sahelgis.errors import SahelGISError
from sahelgis.model import crs
from sahelgis.model.event_query import shown_rows
from sahelgis.model.layers import EventLayer, VectorLayer
from sahelgis.model.project import Project
from sahelgis.model.styles import Style
from sahelgis.ui.analysis_dialogs import BufferDialog, FormDialog
from sahelgis.ui.panels.result_panel import ResultPanel
from sahelgis.ui.workers import TaskRunner

if TYPE_CHECKING:
    from sahelgis.ui.canvas.map_canvas import MapCanvas

ROLE_ANALYSIS = "analysis"
REFRESH_MS = 200
SNAP_PX = 8.0
RAMP = ("#FFFFB2", "#FECC5C", "#FD8D3C", "#F03B20", "#BD0026")
PERIOD_PALETTE = (
    "#1B9E77",
    "#D95F02",
    "#7570B3",
    "#E7298A",
    "#66A61E",
    "#E6AB02",
    "#A6761D",
    "#666666",
)
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

    sig_failed = Signal(object)  # an exception from a background analysis

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
        self.last_result: BufferResult | None = None
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
        return self._add_result(result.layer_name, result.rings, BUFFER_STYLE, spec)

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

    # -- other analyses (Analysis menu) --------------------------------------------
    def _rows(self, events: EventLayer) -> Any:
        return shown_rows(events, self.project.time_window, self.project.event_filter)

    def _base(self, role: str) -> VectorLayer | None:
        for layer in self.project.layers_with_role(role):
            if isinstance(layer, VectorLayer):
                return layer
        return None

    def _ask(self, dialog: FormDialog) -> dict[str, object] | None:
        dialog.finish()
        return dialog.values() if dialog.exec() else None

    def rings_dialog(self) -> VectorLayer | None:
        """Distance rings around a town typed by name."""
        dialog = FormDialog("Distance rings", parent=self.canvas)
        dialog.add_text("town", "Town", "Bamako")
        dialog.add_text("radii", "Radii", "25, 50, 100 km")
        values = self._ask(dialog)
        if values is None:
            return None
        return self.add_rings(str(values["town"]), str(values["radii"]))

    def add_rings(self, town: str, radii_text: str) -> VectorLayer | None:
        """Rings around a named town: counts per ring and year."""
        lon, lat, row = resolve_town(town, self.places())
        radii = parse_distances(radii_text)
        unit = "mi" if "mi" in radii_text else "km"
        spec = {
            "kind": "buffer",
            "name": str(row["name"]),
            "lon": lon,
            "lat": lat,
            "capital": bool(is_admin_capital(row)),
            "radii_m": radii,
            "unit": unit,
            "by": ["year", "event_type"],
            "max_geo_precision": 3,
        }
        return self.add_buffer(spec)

    def corridor_dialog(self) -> list[VectorLayer] | None:
        """Road corridor: pick a road and distances."""
        roads = self._base("roads")
        choices = road_refs(roads.data) if roads is not None else []
        choices += [DRAWN_PREFIX + name for name in self._drawn_lines()]
        if not choices:
            raise SahelGISError("no road layer or drawn line in the project")
        note = roads.caveat if roads is not None else ""
        dialog = FormDialog("Road corridor", note, parent=self.canvas)
        dialog.add_choice("road", "Road or drawn line", choices)
        dialog.add_text("within", "Within", "10 km")
        dialog.add_text("segment", "Segment length", "25 km")
        values = self._ask(dialog)
        if values is None:
            return None
        spec = {
            "kind": "corridor",
            "road": values["road"],
            "within_m": parse_distance(str(values["within"])),
            "segment_m": parse_distance(str(values["segment"])),
            "unit": "mi" if "mi" in str(values["within"]) else "km",
        }
        return self.add_corridor(spec)

    def compute_corridor(self, spec: dict[str, Any]) -> Any:
        events, roads = self.event_layer(), self._base("roads")
        if events is None:
            return None
        if str(spec["road"]).startswith(DRAWN_PREFIX):
            line = self._drawn_lines().get(str(spec["road"])[len(DRAWN_PREFIX) :])
            if line is None:
                raise SahelGISError(f"the drawn line {spec['road']!r} is gone")
        elif roads is None:
            return None
        else:
            line = road_by_ref(spec["road"], roads.data)
        return corridor(
            line,
            spec["within_m"],
            spec["segment_m"],
            events.events,
            rows=self._rows(events),
            by="year",
            name=spec["road"],
            unit=spec.get("unit", "km"),
        )

    def _drawn_lines(self) -> dict[str, Any]:
        """Lines the analyst drew, by name (for corridors along them)."""
        lines: dict[str, Any] = {}
        for layer in self.project.layers_with_role("drawing"):
            if not isinstance(layer, VectorLayer):
                continue
            data = layer.data
            is_line = data.geometry.geom_type.isin(["LineString", "MultiLineString"])
            for i, (name, geom) in enumerate(
                zip(data["name"].fillna(""), data.geometry, strict=True)
            ):
                if is_line.iloc[i]:
                    lines[str(name) or f"{layer.name} #{i + 1}"] = geom
        return lines

    def add_corridor(self, spec: dict[str, Any]) -> list[VectorLayer] | None:
        """Corridor polygon and a heat strip of events per segment (one undo)."""
        result = self.compute_corridor(spec)
        if result is None:
            return None
        strip = result.segments.copy()
        strip, style = _classed(strip, "count", "line")
        layers = [
            VectorLayer(
                name=f"{result.layer_name} — events per segment",
                data=strip,
                role=ROLE_ANALYSIS,
                style=style,
                analysis=spec,
            ),
            VectorLayer(
                name=result.layer_name,
                data=result.corridor_frame(),
                role=ROLE_ANALYSIS,
                analysis=spec,
                style=Style(color="#C1121F", fill="#C1121F22", line_width=1.5),
            ),
        ]
        self._add_layers(layers, f"Corridor {result.layer_name}")
        self.show(layers[0].id)
        return layers

    def counts_dialog(self) -> VectorLayer | None:
        """Counts per cercle, region or hexagon as a choropleth."""
        dialog = FormDialog("Counts per area", parent=self.canvas)
        dialog.add_choice("by", "Areas", ["cercle", "region", "hexagon"])
        dialog.add_text("size", "Hexagon size", "25 km")
        dialog.add_choice(
            "method", "Classes", ["quantiles", "natural_breaks", "equal_interval"]
        )
        values = self._ask(dialog)
        if values is None:
            return None
        spec = {
            "kind": "counts",
            "by": values["by"],
            "method": values["method"],
            "size_m": parse_distance(str(values["size"] or "25 km")),
        }
        return self.add_counts(spec)

    def compute_counts(self, spec: dict[str, Any]) -> Any:
        events = self.event_layer()
        if events is None:
            return None
        rows = self._rows(events)
        if spec["by"] == "hexagon":
            cells, table = counts_per_hex(
                events.events, spec["size_m"], rows=rows, by="year"
            )
            areas, name_field = cells, "hex_id"
        else:
            role, name_field = (
                ("cercles", "name_fr")
                if spec["by"] == "cercle"
                else ("regions", "adm1_name")
            )
            base = self._base(role)
            if base is None:
                return None
            areas = base.data
            table = counts_per_area(
                events.events, areas, name_field, rows=rows, by="year"
            )
        layer = choropleth_layer(
            areas, table, name_field, period="year", method=spec["method"], k=5
        )
        return layer, table, name_field

    def add_counts(self, spec: dict[str, Any]) -> VectorLayer | None:
        """Add a choropleth layer of counts per area."""
        computed = self.compute_counts(spec)
        if computed is None:
            return None
        frame, _, _ = computed
        frame = frame[frame["count"] > 0] if spec["by"] == "hexagon" else frame
        categories = _ramp_categories(frame)
        style = Style(
            color="#7A7A7A",
            fill="#FFFFFF",
            line_width=0.6,
            category_field="class_label",
            categories=categories,
            label_field=None,
        )
        return self._add_result(
            f"Events per {spec['by']} ({spec['method']})", frame, style, spec
        )

    def zones_dialog(self) -> VectorLayer | None:
        """Support zones from control-indicator events."""
        rules = DEFAULT_RULES
        dialog = FormDialog(
            "Support zones",
            "Events matching the rules (actors AND (sub-event types OR keywords in "
            "notes)) are clustered per year with DBSCAN in metres; each cluster's "
            "hull, buffered by the margin, is a zone.",
            parent=self.canvas,
        )
        dialog.add_text("actors", "Actors", ", ".join(rules.actors))
        dialog.add_text(
            "keywords", "Keywords in notes", ", ".join(rules.notes_keywords)
        )
        dialog.add_number("eps_km", "Cluster distance (km)", rules.eps_km, 1, 200)
        dialog.add_number("min_events", "Minimum events", rules.min_events, 2, 500, 0)
        dialog.add_number("margin_km", "Margin (km)", rules.margin_km, 0, 100)
        values = self._ask(dialog)
        if values is None:
            return None
        data = rules.to_dict() | {
            "actors": [
                a.strip() for a in str(values["actors"]).split(",") if a.strip()
            ],
            "notes_keywords": [
                k.strip() for k in str(values["keywords"]).split(",") if k.strip()
            ],
            "eps_km": float(values["eps_km"]),  # type: ignore[arg-type]
            "min_events": int(values["min_events"]),  # type: ignore[call-overload]
            "margin_km": float(values["margin_km"]),  # type: ignore[arg-type]
        }
        spec = {"kind": "zones", "rules": data}
        if self.runner is None:
            return self.add_zones(spec)
        events = self.event_layer()
        if events is None:
            return None
        rules_obj, rows = ZoneRules.from_dict(data), self._rows(events)

        def job(progress: Any) -> Any:
            return support_zones(
                events.events, rules_obj, rows=rows, by="year", progress=progress
            )

        # clustering a million events takes tens of seconds: off the GUI thread,
        # with progress and Cancel
        self.runner.start(
            "zones",
            "Deriving support zones",
            job,
            on_done=lambda zones: self.add_zones(spec, zones),
            on_error=self.sig_failed.emit,
        )
        return None

    def add_zones(self, spec: dict[str, Any], zones: Any = None) -> VectorLayer | None:
        """Add support zones per year as one layer coloured by year (computed
        here unless given)."""
        rules = ZoneRules.from_dict(spec["rules"])
        if zones is None:
            events = self.event_layer()
            if events is None:
                return None
            zones = support_zones(
                events.events, rules, rows=self._rows(events), by="year"
            )
        zones = zones.copy()
        zones.attrs = {}
        periods = sorted(zones["period"].astype(str).unique())
        style = Style(
            color="#5A189A",
            fill="#5A189A33",
            line_width=1.5,
            category_field="period",
            categories={
                p: PERIOD_PALETTE[i % len(PERIOD_PALETTE)] + "55"
                for i, p in enumerate(periods)
            },
            label_field="label",
        )
        layer = VectorLayer(
            name=f"Support zones by year ({len(zones)} zones)",
            data=zones,
            role=ROLE_ANALYSIS,
            style=style,
            analysis=spec,
        )
        self.project.add_layer(layer)
        table = zones.drop(columns="geometry").copy()
        # only the event count is charted; the other numbers are descriptions
        for column in ("distinct_months", "score", "area_km2"):
            if column in table:
                table[column] = table[column].map(lambda v: f"{v:,.0f}")
        self.panel.show_result(
            f"Support zones: {len(zones)} zones, rules “{rules.name}”", table
        )
        return layer

    def isolation_dialog(self) -> VectorLayer | None:
        """Access roads of a town: attacks per road and month, days since last."""
        dialog = FormDialog("Town isolation", parent=self.canvas)
        dialog.add_text("town", "Town", "Nara")
        dialog.add_text("radius", "Roads within", "100 km")
        dialog.add_text("within", "Events within of a road", "5 km")
        values = self._ask(dialog)
        if values is None:
            return None
        lon, lat, row = resolve_town(str(values["town"]), self.places())
        spec = {
            "kind": "isolation",
            "name": str(row["name"]),
            "lon": lon,
            "lat": lat,
            "radius_m": parse_distance(str(values["radius"])),
            "within_m": parse_distance(str(values["within"])),
        }
        return self.add_isolation(spec)

    def compute_isolation(self, spec: dict[str, Any]) -> Any:
        events, roads = self.event_layer(), self._base("roads")
        if events is None or roads is None:
            return None
        return town_isolation(
            events.events,
            spec["lon"],
            spec["lat"],
            roads.data,
            spec["radius_m"],
            spec["within_m"],
            rows=self._rows(events),
            name=spec["name"],
        )

    def add_isolation(self, spec: dict[str, Any]) -> VectorLayer | None:
        """Add the access roads of a town, classed by events."""
        result = self.compute_isolation(spec)
        if result is None:
            return None
        frame, style = _classed(result.roads.copy(), "events", "line")
        return self._add_result(f"{spec['name']} — access roads", frame, style, spec)

    def _add_result(
        self, name: str, data: Any, style: Style, spec: dict[str, Any]
    ) -> VectorLayer:
        """Add one result layer (undoable) and show its table."""
        layer = VectorLayer(
            name=name, data=data, role=ROLE_ANALYSIS, style=style, analysis=spec
        )
        self.project.add_layer(layer)
        self.show(layer.id)
        return layer

    def _add_layers(self, layers: list[VectorLayer], text: str) -> None:
        with self.project.undo_stack.macro(text):
            for layer in reversed(layers):
                self.project.add_layer(layer)

    # -- showing --------------------------------------------------------------
    def show(self, layer_id: str) -> None:
        """Show an analysis layer's result, recomputed for the current state."""
        layer = self.project.layer(layer_id)
        spec = getattr(layer, "analysis", {})
        kind = spec.get("kind")
        window = self.project.time_window.label() or "all dates"
        state = f"{window}; {self.project.event_filter.describe()}"
        if kind == "buffer":
            result = self.compute_buffer(spec)
            if result is None:
                return
            self.last_result = result
            radius = format_distance(result.radii_m[-1], result.unit)
            title = f"{result.name}: {result.total:,} events within {radius} — {state}"
            table = result.wide().reset_index()
            keys = [c for c in table.columns if c in ("ring", *result.by[:-1])]
            table[keys] = table[keys].astype(str)  # labels, not quantities
            table.columns = [str(c) for c in table.columns]
            self.panel.show_result(title, table, result.precision_warning)
        elif kind == "corridor":
            result = self.compute_corridor(spec)
            if result is None:
                return
            share = result.share.copy()
            share[result.share_by] = share[result.share_by].astype(str)
            last = share[result.share_by].iloc[-2] if len(share) > 1 else "all"
            title = f"{result.share_text(last)} — {state}"
            self.panel.show_result(title, share, _caveat(self._base("roads")))
        elif kind == "counts":
            computed = self.compute_counts(spec)
            if computed is None:
                return
            _, table, name_field = computed
            wide = table.pivot_table(
                index=name_field,
                columns="year",
                values="count",
                aggfunc="sum",
                fill_value=0,
            )
            wide = wide[wide.sum(axis=1) > 0].reset_index()
            wide.columns = [str(c) for c in wide.columns]
            self.panel.show_result(f"Events per {spec['by']} and year — {state}", wide)
        elif kind == "isolation":
            result = self.compute_isolation(spec)
            if result is None:
                return
            # per road: events, days since the last one, trend; per month the
            # counts (charted, stacked by road)
            summary = "; ".join(
                f"{row.label}: {int(row.events)} events, last {_days(row)} days "
                f"ago, trend {row.trend_per_month:+.2f}/month"
                for row in result.roads.itertuples()
            )
            monthly = result.monthly.pivot_table(
                index="month",
                columns="label",
                values="count",
                aggfunc="sum",
                fill_value=0,
            ).reset_index()
            monthly.columns = [str(c) for c in monthly.columns]
            monthly["month"] = monthly["month"].astype(str)
            caveat = _caveat(self._base("roads"))
            self.panel.show_result(
                f"{spec['name']}: access roads within "
                f"{format_distance(spec['radius_m'])} — {state}. {summary or 'none'}",
                monthly,
                caveat,
            )
        else:
            return
        self.current = layer_id

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


def _days(row: Any) -> str:
    value = row.days_since_last
    return "—" if value != value else str(int(value))  # NaN: no event yet


def _caveat(layer: VectorLayer | None) -> str | None:
    return layer.caveat if layer is not None and layer.caveat else None


def _ramp_categories(frame: pd.DataFrame) -> dict[str, str]:
    """Class label -> ramp colour, in class order."""
    labels = frame[["class", "class_label"]].drop_duplicates().sort_values("class")
    labels = labels[labels["class"] >= 0]
    return {
        str(label): RAMP[min(i, len(RAMP) - 1)]
        for i, label in enumerate(labels["class_label"])
    }


def _classed(frame: Any, column: str, kind: str) -> tuple[Any, Style]:
    """Add quantile classes of ``column`` and a ramp style (heat strips)."""
    values = frame[column].to_numpy()
    bins, classes = classify(values, "quantiles", min(5, max(len(values), 1)))
    lower = [values.min() if len(values) else 0, *bins[:-1]]
    labels = [f"{lo:g}–{hi:g}" for lo, hi in zip(lower, bins, strict=True)]
    frame["class"] = classes
    frame["class_label"] = [labels[c] if c >= 0 else "" for c in classes]
    style = Style(
        color="#7A7A7A",
        line_width=6.0 if kind == "line" else 1.0,
        category_field="class_label",
        categories=_ramp_categories(frame),
        label_field=None,
    )
    return frame, style
