"""The main window: map canvas, docks (layers, filters, history, charts,
identify, analysis result, time), status bar, drawings, basemap and figure
output. Its menus and tool bar are in ``sahelgis.ui.actions``, project files
(new, open, save, recent) in ``sahelgis.ui.project_files`` and imports of
events, layers, roads and event stores in ``sahelgis.ui.imports``: mixins of
``MainWindow``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QWidget,
)

from sahelgis import __version__
from sahelgis.errors import SahelGISError
from sahelgis.io.basedata import credits_text
from sahelgis.io.drawings_io import export_drawings, import_drawings
from sahelgis.io.safety import safe_child
from sahelgis.io.tile_providers import (
    provider_state,
    read_basemap_state,
)
from sahelgis.io.tiles import TileCache
from sahelgis.model import acled_schema as acled
from sahelgis.model import crs, drawings
from sahelgis.model.layers import VectorLayer
from sahelgis.model.project import Project
from sahelgis.ui import settings as app_settings
from sahelgis.ui.actions import WindowActionsMixin
from sahelgis.ui.analysis_controller import AnalysisController
from sahelgis.ui.autosave import Autosaver
from sahelgis.ui.basemap_dialog import (
    BasemapDialog,
    ask_tile_consent,
    saved_cache_limit_mb,
)
from sahelgis.ui.canvas.drawing_tools import DrawingController
from sahelgis.ui.canvas.map_canvas import MapCanvas
from sahelgis.ui.canvas.tile_layer import TileManager
from sahelgis.ui.canvas.tools import TOOL_PAN
from sahelgis.ui.imports import ImportsMixin
from sahelgis.ui.panels.chart_panel import ChartPanel
from sahelgis.ui.panels.filter_panel import FilterPanel
from sahelgis.ui.panels.history_panel import HistoryPanel
from sahelgis.ui.panels.identify_panel import IdentifyPanel
from sahelgis.ui.panels.layer_panel import LayerPanel
from sahelgis.ui.panels.result_panel import ResultPanel
from sahelgis.ui.panels.time_controls import TimeControls
from sahelgis.ui.panels.trend_panel import TrendPanel
from sahelgis.ui.plain_text import MessageBox as QMessageBox
from sahelgis.ui.plain_text import markup, plain_label, window_title
from sahelgis.ui.project_files import ProjectFilesMixin, new_project
from sahelgis.ui.trend_controller import TrendController
from sahelgis.ui.workers import TaskRunner

#: The Charts dock keeps at least this height when a result makes room.
MIN_CHART_DOCK_PX = 150

if TYPE_CHECKING:
    import numpy as np

    from sahelgis.model.layers import EventLayer

DRAWINGS_FILTER = (
    "GeoPackage (*.gpkg);;GeoJSON (*.geojson *.json);;Shapefile (*.shp);;KML (*.kml)"
)


class MainWindow(WindowActionsMixin, ProjectFilesMixin, ImportsMixin, QMainWindow):
    """SahelGIS's main window over one ``Project``."""

    def __init__(
        self, project: Project | None = None, *, remember_layout: bool = True
    ) -> None:
        super().__init__()
        self.remember_layout = remember_layout
        self.project = project if project is not None else new_project()
        self.runner = TaskRunner(self)
        self.canvas = MapCanvas(self.project)
        self.setCentralWidget(self.canvas)
        self.drawing = DrawingController(self.canvas, self.project)
        self.layer_panel = LayerPanel(self.project)
        self.identify_panel = IdentifyPanel()
        self.result_panel = ResultPanel()
        self.chart_panel = ChartPanel(self.project)
        self.chart_panel.setMinimumWidth(400)
        self.chart_dock = self._dock(
            "Charts",
            "chart_dock",
            self.chart_panel,
            Qt.DockWidgetArea.RightDockWidgetArea,
        )
        self.identify_dock = self._dock(
            "Identify",
            "identify_dock",
            self.identify_panel,
            Qt.DockWidgetArea.RightDockWidgetArea,
        )
        self.layers_dock = self._dock(
            "Layers",
            "layers_dock",
            self.layer_panel,
            Qt.DockWidgetArea.LeftDockWidgetArea,
        )
        self.time_controls = TimeControls(self.project)
        self.time_dock = self._dock(
            "Time",
            "time_dock",
            self.time_controls,
            Qt.DockWidgetArea.BottomDockWidgetArea,
        )
        self.filter_panel = FilterPanel(self.project)
        self.filter_dock = self._dock(
            "Filters",
            "filter_dock",
            self.filter_panel,
            Qt.DockWidgetArea.LeftDockWidgetArea,
        )
        self.result_dock = self._dock(
            "Analysis result",
            "result_dock",
            self.result_panel,
            Qt.DockWidgetArea.RightDockWidgetArea,
        )
        self.analysis = AnalysisController(
            self.project, self.canvas, self.result_panel, self, runner=self.runner
        )
        self.analysis.sig_failed.connect(self._on_analysis_failed)
        self.analysis.sig_marks.connect(self.chart_panel.set_marks)
        self.trend_panel = TrendPanel()
        self.trend_dock = self._dock(
            "Trend",
            "trend_dock",
            self.trend_panel,
            Qt.DockWidgetArea.RightDockWidgetArea,
        )
        self.trend = TrendController(self.analysis, self.trend_panel)
        self.trend_panel.sig_trend_changed.connect(self._on_trend_shown)
        self.history_panel = HistoryPanel(self.project.undo_stack)
        self.history_dock = self._dock(
            "Undo history",
            "history_dock",
            self.history_panel,
            Qt.DockWidgetArea.LeftDockWidgetArea,
        )
        self.cursor_label = QLabel("")
        self.scale_label = QLabel("")
        self.crs_label = QLabel("CRS: AEQD 13.5°N 7.5°W (m)")
        self.crs_label.setToolTip(crs.DISPLAY_CRS_NAME + "\n" + crs.DISPLAY_CRS_PROJ4)
        for label in (self.cursor_label, self.scale_label, self.crs_label):
            self.statusBar().addPermanentWidget(label)
        # the attribution comes from the project's basemap settings
        self.basemap_label = plain_label("")
        self.statusBar().addPermanentWidget(self.basemap_label)
        self.tiles = TileManager(
            self.canvas,
            TileCache(limit_mb=saved_cache_limit_mb()),
            consent=app_settings.SettingsTileConsent(),
            parent=self,
        )
        self.tiles.sig_consent_needed.connect(self._on_tiles_consent_needed)
        self.tiles.sig_status.connect(
            lambda text: self.statusBar().showMessage(text, 10_000)
        )
        self.tiles.sig_attribution_changed.connect(self._on_tiles_attribution_changed)
        self.tiles.sig_active_changed.connect(
            lambda on: self.canvas.set_basemap_underlay(on)
        )
        self._show_basemap(self.project)
        self._build_menus()
        self._build_tools()
        self._connect_canvas()
        self._connect_project()
        self.autosaver = Autosaver(self.project, self)
        self.resize(1400, 880)
        # a saved layout is restored onto the docks as added; arranging them
        # first and then restoring left stray tab bars drawn over the window
        if not (remember_layout and self._restore_layout()):
            self._arrange_docks()
        self._update_title()

    # -- construction ---------------------------------------------------------
    def _dock(
        self, title: str, name: str, widget: QWidget, area: Qt.DockWidgetArea
    ) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def run_analysis(self, method: object) -> None:
        """Run an analysis dialog; explain bad input instead of raising."""
        try:
            result = method()  # type: ignore[operator]
        except (SahelGISError, ValueError) as exc:
            QMessageBox.warning(self, "Analysis", str(exc))
            return
        if result is not None:
            self.show_result_dock()

    def show_result_dock(self) -> None:
        """Bring the Analysis result tab forward with room for its table."""
        self.result_dock.show()
        self.result_dock.raise_()
        # measured once the panel has laid out its new title and warning
        QTimer.singleShot(0, self._make_room_for_result)

    def _make_room_for_result(self) -> None:
        deficit = self.result_panel.make_room()
        chart, result = self.chart_dock.height(), self.result_dock.height()
        if deficit > 0 and chart - deficit >= MIN_CHART_DOCK_PX:
            self.resizeDocks(
                [self.chart_dock, self.result_dock],
                [chart - deficit, result + deficit],
                Qt.Orientation.Vertical,
            )

    def _on_analysis_failed(self, exc: BaseException) -> None:
        if isinstance(exc, ValueError):
            QMessageBox.warning(self, "Analysis", str(exc))
        else:
            self.show_error("Analysis", exc)

    def _on_canvas_buffer_requested(self, x: float, y: float) -> None:
        if self.analysis.buffer_at(x, y) is not None:
            self.show_result_dock()

    def _on_events_identified(self, found: list[tuple[EventLayer, np.ndarray]]) -> None:
        """A click on events brings the Identify tab forward (over the result)."""
        self.identify_panel.show_events(found)
        if any(len(rows) for _, rows in found):
            self.identify_dock.show()
            self.identify_dock.raise_()

    def _on_trend_shown(self, trend: object) -> None:
        self.trend_dock.show()
        self.trend_dock.raise_()

    def _on_layer_panel_current_changed(self, *args: object) -> None:
        layer_id = self.layer_panel.current_layer_id()
        self.canvas.pick_layer_id = layer_id
        if layer_id and self.project.layer(layer_id).role == drawings.ROLE_DRAWING:
            self.drawing.active_layer_id = layer_id
        if layer_id and getattr(self.project.layer(layer_id), "analysis", None):
            self.analysis.show(layer_id)

    def _connect_canvas(self) -> None:
        self.canvas.sig_cursor_moved.connect(self._on_canvas_cursor_moved)
        self.canvas.sig_scale_changed.connect(self._on_canvas_scale_changed)
        self.canvas.sig_events_identified.connect(self._on_events_identified)
        self.canvas.sig_buffer_requested.connect(self._on_canvas_buffer_requested)
        self.trend.attach(self.canvas)
        self.drawing.sig_measure.connect(self.statusBar().showMessage)
        self.drawing.sig_message.connect(
            lambda text: self.statusBar().showMessage(text, 5000)
        )
        self.layer_panel.sig_zoom_to_layer.connect(self.canvas.zoom_to_layer)
        self.layer_panel.tree.currentItemChanged.connect(
            self._on_layer_panel_current_changed
        )
        self._on_canvas_scale_changed(self.canvas.scale_denominator())

    def _connect_project(self) -> None:
        self.project.modified_changed.connect(self._on_project_modified_changed)
        self.project.path_changed.connect(self._on_project_path_changed)
        self.project.undo_stack.changed.connect(self._update_undo_actions)
        self._update_undo_actions()

    def set_project(self, project: Project) -> None:
        """Show another project (after New or Open)."""
        self.autosaver.set_project(project)
        self.project = project
        self.drawing.detach()
        self.canvas.deleteLater()
        self.canvas = MapCanvas(project)
        self.setCentralWidget(self.canvas)
        self.tiles.set_canvas(self.canvas)
        self._show_basemap(project)
        self.canvas.set_basemap_underlay(self.tiles.provider is not None)
        self.drawing = DrawingController(self.canvas, project)
        self.drawing.snapping = self.snap_action.isChecked()
        self.tool_actions[TOOL_PAN].setChecked(True)
        self.layer_panel.set_project(project)
        self.time_controls.set_project(project)
        self.chart_panel.set_project(project)
        self.analysis.set_project(project, self.canvas)
        self.history_panel.set_stack(project.undo_stack)
        self.filter_panel.set_project(project)
        self.identify_panel.show_events([])
        self._connect_canvas()
        self._connect_project()
        self._update_title()

    # -- status ---------------------------------------------------------------
    def _on_canvas_cursor_moved(self, lon: float, lat: float) -> None:
        ns = "N" if lat >= 0 else "S"
        ew = "E" if lon >= 0 else "W"
        self.cursor_label.setText(f"{abs(lat):.4f}°{ns} {abs(lon):.4f}°{ew}")

    def _on_canvas_scale_changed(self, denominator: float) -> None:
        self.scale_label.setText(f"Scale 1:{denominator:,.0f}")

    def _on_project_modified_changed(self, modified: bool) -> None:
        self.setWindowModified(modified)

    def _on_project_path_changed(self, path: object) -> None:
        self._update_title()

    def _update_title(self) -> None:
        name = self.project.path.name if self.project.path else "Untitled project"
        # a "[*]" in the file name must not take the place of the unsaved mark
        self.setWindowTitle(f"{window_title(name)}[*] — SahelGIS {__version__}")
        self.setWindowModified(self.project.modified)

    # -- errors ---------------------------------------------------------------
    def show_error(self, title: str, exc: BaseException) -> None:
        """Known errors get their one-line message; others go to the crash hook."""
        if isinstance(exc, SahelGISError | OSError):
            text = (
                str(exc)
                if isinstance(exc, SahelGISError)
                else (
                    f"{exc.filename}: {exc.strerror or exc}"
                    if getattr(exc, "filename", None)
                    else str(exc.strerror or exc)
                )
            )
            self.statusBar().showMessage(text, 10_000)
            QMessageBox.warning(self, title, text)
            return
        raise exc

    # -- drawings -------------------------------------------------------------
    def new_drawing_layer(self) -> None:
        """Add an empty drawing layer and draw into it."""
        count = len(drawings.drawing_layers(self.project)) + 1
        layer = drawings.add_drawing_layer(self.project, f"Drawings {count}")
        self.drawing.active_layer_id = layer.id

    def import_drawings_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Import drawings", app_settings.last_dir(), DRAWINGS_FILTER
        )
        if not path:
            return
        try:
            self.project.add_layer(import_drawings(Path(path)))
        except SahelGISError as exc:
            self.show_error("Import drawings", exc)

    def export_drawings_dialog(self) -> None:
        layer_id = self.layer_panel.current_layer_id()
        if not layer_id or self.project.layer(layer_id).role != drawings.ROLE_DRAWING:
            layer_id = self.drawing.active_layer_id
        if not layer_id:
            self.statusBar().showMessage("No drawing layer to export", 5000)
            return
        layer = self.project.layer(layer_id)
        if not isinstance(layer, VectorLayer):
            return
        path, _ = QFileDialog.getSaveFileName(
            self,
            "Export drawings",
            str(safe_child(app_settings.last_dir(), f"{layer.name}.gpkg")),
            DRAWINGS_FILTER,
        )
        if not path:
            return
        try:
            written = export_drawings(layer, Path(path))
        except (SahelGISError, OSError) as exc:
            self.show_error("Export drawings", exc)
            return
        self.statusBar().showMessage(
            "Exported " + ", ".join(p.name for p in written), 10_000
        )

    # -- output ---------------------------------------------------------------
    def snapshot_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self,
            "Save map snapshot",
            str(Path(app_settings.last_dir()) / "map.png"),
            "PNG (*.png)",
        )
        if path:
            self.canvas.grab().save(path, "PNG")

    def basemap_dialog(self) -> None:
        """Choose online tiles, manage the tile cache and offline areas."""
        dialog = BasemapDialog(self.tiles, self.canvas.extent(), parent=self)
        if dialog.exec():
            state = provider_state(self.tiles.provider)
            if state is None:
                self.project.extra_state.pop("basemap", None)
            else:
                self.project.extra_state["basemap"] = state

    def _show_basemap(self, project: Project) -> None:
        """Show the project's online basemap (its host asked about first)."""
        name = project.path.name if project.path else "project"
        basemap = read_basemap_state(project.extra_state.get("basemap"), name)
        self.tiles.set_provider(basemap.provider)
        if basemap.problem:
            self.statusBar().showMessage(basemap.problem, 15_000)

    def _on_tiles_consent_needed(self, host: str) -> None:
        if self.remember_layout:  # a snapshot asks nothing
            QTimer.singleShot(0, self, lambda: ask_tile_consent(self.tiles, host, self))

    def _on_tiles_attribution_changed(self, text: str) -> None:
        self.basemap_label.setText(f"Basemap: {text}" if text else "")

    def export_figure_dialog(self) -> None:
        """Open the figure composer on the current project and view."""
        from sahelgis.ui.figure_composer import FigureComposer

        dialog = FigureComposer(self.project, self.project.view_extent, parent=self)
        dialog.exec()

    def show_about(self) -> None:
        QMessageBox.about(
            self,
            "About SahelGIS",
            markup(
                "<b>SahelGIS {}</b><br>Offline GIS for conflict analysts."
                "<p>Map projection: {}.</p><p>{}</p>"
                "<p>ACLED data, when imported, must be credited: “{}”.</p>",
                __version__,
                crs.DISPLAY_CRS_NAME,
                credits_text(),
                acled.ACLED_ATTRIBUTION,
            ),
        )

    # -- layout ---------------------------------------------------------------
    def _arrange_docks(self) -> None:
        """The first-start layout: charts over Identify and Analysis result (two
        tabs) on the right; Layers, Filters and Undo history as tabs on the left.

        A dock joins a tab group hidden: a shown one left its old, empty tab
        bar drawn over the status bar.
        """
        self.splitDockWidget(
            self.chart_dock, self.identify_dock, Qt.Orientation.Vertical
        )
        for group in (
            (self.layers_dock, self.filter_dock, self.history_dock),
            (self.identify_dock, self.result_dock, self.trend_dock),
        ):
            for dock in group[1:]:
                dock.hide()
                self.tabifyDockWidget(group[0], dock)
                dock.show()
            group[0].raise_()
        self.resizeDocks(
            [self.layers_dock, self.identify_dock],
            [300, 320],
            Qt.Orientation.Horizontal,
        )
        self.resizeDocks(
            [self.chart_dock, self.identify_dock], [360, 520], Qt.Orientation.Vertical
        )

    def _restore_layout(self) -> bool:
        """The window's saved size and dock layout; False when none was saved
        or Qt refused it."""
        store = app_settings.settings()
        geometry = store.value(app_settings.WINDOW_GEOMETRY)
        state = store.value(app_settings.WINDOW_STATE)
        if geometry is not None:
            self.restoreGeometry(geometry)
        return state is not None and bool(self.restoreState(state))

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.maybe_save():
            event.ignore()
            return
        if self.remember_layout:
            store = app_settings.settings()
            store.setValue(app_settings.WINDOW_GEOMETRY, self.saveGeometry())
            store.setValue(app_settings.WINDOW_STATE, self.saveState())
            if self.project.path is not None:
                store.setValue(app_settings.LAST_PROJECT, str(self.project.path))
        self.time_controls.stop()
        self.runner.wait(5000)
        self.autosaver.close()
        self.tiles.shutdown()
        event.accept()
