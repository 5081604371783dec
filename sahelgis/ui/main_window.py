"""The main window: map, layer panel, identify panel, menus and status bar."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QWidget,
)

from sahelgis import __version__, paths
from sahelgis.analysis.registry import ANALYSES
from sahelgis.errors import SahelGISError
from sahelgis.io.acled import ImportReport, read_acled
from sahelgis.io.basedata import HOME_BOUNDS_LONLAT, base_layers, credits_text
from sahelgis.io.drawings_io import export_drawings, import_drawings
from sahelgis.io.project_file import load_project, save_project
from sahelgis.io.safety import safe_child
from sahelgis.io.tiles import TileCache, provider_state, read_basemap_state
from sahelgis.io.vector import list_vector_layers, read_road_layer, read_vector
from sahelgis.model import acled_schema as acled
from sahelgis.model import crs, drawings
from sahelgis.model.events import EventTable
from sahelgis.model.layer_factory import event_layer
from sahelgis.model.layers import ROLE_ROADS, EventLayer, VectorLayer
from sahelgis.model.project import Project
from sahelgis.scale.recipe import recipe_from_project
from sahelgis.scale.store import EventStore, Selection
from sahelgis.ui import settings as app_settings
from sahelgis.ui.analysis_controller import AnalysisController
from sahelgis.ui.autosave import Autosaver
from sahelgis.ui.basemap_dialog import (
    BasemapDialog,
    ask_tile_consent,
    saved_cache_limit_mb,
)
from sahelgis.ui.canvas.drawing_tools import (
    DRAWING_TOOLS,
    TOOL_DRAW_LINE,
    TOOL_DRAW_POINT,
    TOOL_DRAW_POLYGON,
    TOOL_EDIT,
    TOOL_MEASURE,
    DrawingController,
)
from sahelgis.ui.canvas.map_canvas import MapCanvas
from sahelgis.ui.canvas.tile_layer import TileManager
from sahelgis.ui.canvas.tools import (
    TOOL_BUFFER,
    TOOL_FEATURE,
    TOOL_LASSO,
    TOOL_PAN,
    TOOL_RECT,
)
from sahelgis.ui.import_report_dialog import ImportReportDialog
from sahelgis.ui.panels.chart_panel import ChartPanel
from sahelgis.ui.panels.filter_panel import FilterPanel
from sahelgis.ui.panels.history_panel import HistoryPanel
from sahelgis.ui.panels.identify_panel import IdentifyPanel
from sahelgis.ui.panels.layer_panel import LayerPanel
from sahelgis.ui.panels.result_panel import ResultPanel
from sahelgis.ui.panels.time_controls import TimeControls
from sahelgis.ui.plain_text import MessageBox as QMessageBox
from sahelgis.ui.plain_text import (
    markup,
    menu_text,
    plain_label,
    tooltip,
    window_title,
)
from sahelgis.ui.store_dialog import (
    StoreOpenDialog,
    StoreRequest,
    start_store_read,
    view_box_lonlat,
)
from sahelgis.ui.workers import TaskRunner

EVENT_FILTER = "ACLED export (*.csv *.xlsx *.txt);;All files (*)"
PROJECT_FILTER = "SahelGIS project (*.gpkg)"
DRAWINGS_FILTER = (
    "GeoPackage (*.gpkg);;GeoJSON (*.geojson *.json);;Shapefile (*.shp);;KML (*.kml)"
)
VECTOR_FILTER = (
    "Vector data (*.gpkg *.shp *.geojson *.json *.kml *.fgb *.zip);;All files (*)"
)
RECIPE_FILTER = "Batch recipe (*.toml)"
#: Lines of "opened with changes" warnings shown at once.
MAX_WARNING_LINES = 20


def new_project() -> Project:
    """A project with the bundled base layers only, opening on southern Mali."""
    project = Project(base_layers())
    project.view_extent = crs.lonlat_box_to_display(HOME_BOUNDS_LONLAT)
    return project


class MainWindow(QMainWindow):
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
        self.tabifyDockWidget(self.layers_dock, self.filter_dock)
        self.layers_dock.raise_()
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
        self.history_panel = HistoryPanel(self.project.undo_stack)
        self.history_dock = self._dock(
            "Undo history",
            "history_dock",
            self.history_panel,
            Qt.DockWidgetArea.LeftDockWidgetArea,
        )
        self.tabifyDockWidget(self.filter_dock, self.history_dock)
        self.layers_dock.raise_()
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
        self.resizeDocks(
            [self.layers_dock, self.identify_dock],
            [300, 320],
            Qt.Orientation.Horizontal,
        )
        self.splitDockWidget(
            self.chart_dock, self.identify_dock, Qt.Orientation.Vertical
        )
        self.tabifyDockWidget(self.identify_dock, self.result_dock)
        self.identify_dock.raise_()
        self.resizeDocks(
            [self.chart_dock, self.identify_dock], [360, 520], Qt.Orientation.Vertical
        )
        if remember_layout:
            self._restore_layout()
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

    def _action(
        self, text: str, slot: object, shortcut: object = None, tip: str = ""
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(slot)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(
            self._action("&New project", self.new_project, QKeySequence.StandardKey.New)
        )
        file_menu.addAction(
            self._action(
                "&Open project…",
                self.open_project_dialog,
                QKeySequence.StandardKey.Open,
            )
        )
        self.recent_menu = file_menu.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addAction(
            self._action("&Save project", self.save, QKeySequence.StandardKey.Save)
        )
        file_menu.addAction(
            self._action(
                "Save project &as…", self.save_as, QKeySequence.StandardKey.SaveAs
            )
        )
        file_menu.addSeparator()
        file_menu.addAction(
            self._action(
                "&Import events (ACLED CSV/XLSX)…",
                self.import_events_dialog,
                "Ctrl+I",
                "Import an ACLED export; unreadable rows are reported",
            )
        )
        file_menu.addAction(
            self._action(
                "Open event s&tore…",
                lambda: self.open_store_dialog(),
                "Ctrl+Shift+O",
                "Read part of a partitioned event store (a folder of GeoParquet "
                "files): only the map view, countries and years chosen",
            )
        )
        file_menu.addAction(
            self._action("Import &layer…", self.import_layer_dialog, "Ctrl+L")
        )
        file_menu.addAction(
            self._action(
                "Import &road layer (replaces approximate roads)…",
                self.import_roads_dialog,
                None,
                "Lines with a 'ref' field (RN3, RN4…), e.g. an OpenStreetMap extract",
            )
        )
        file_menu.addSeparator()
        file_menu.addAction(
            self._action(
                "Save map &snapshot (PNG)…", self.snapshot_dialog, "Ctrl+Shift+P"
            )
        )
        file_menu.addAction(
            self._action(
                "Export &figure…",
                self.export_figure_dialog,
                "Ctrl+E",
                "Compose a slide figure (PNG, SVG, PDF, PPTX, GIF) from the map",
            )
        )
        file_menu.addAction(
            self._action(
                "Export analyses as re&cipe…",
                lambda: self.export_recipe_dialog(),
                None,
                "Write the project's analyses as a TOML recipe for `sahelgis batch`",
            )
        )
        file_menu.addSeparator()
        file_menu.addAction(
            self._action("&Quit", self.close, QKeySequence.StandardKey.Quit)
        )
        edit_menu = bar.addMenu("&Edit")
        self.undo_action = self._action(
            "&Undo", self.project_undo, QKeySequence.StandardKey.Undo
        )
        self.redo_action = self._action(
            "&Redo", self.project_redo, QKeySequence("Ctrl+Shift+Z")
        )
        edit_menu.addAction(self.undo_action)
        edit_menu.addAction(self.redo_action)
        analysis_menu = bar.addMenu("&Analysis")
        analysis_menu.addAction(
            self._action(
                "&Buffer tool (click a town)",
                lambda _=False: self.run_analysis(lambda: self.set_tool(TOOL_BUFFER)),
            )
        )
        # one entry per registered analysis (its dialog is built from its
        # parameter declarations)
        for kind, analysis in ANALYSES.items():
            analysis_menu.addAction(
                self._action(
                    f"{analysis.label}…",
                    lambda _=False, k=kind: self.run_analysis(
                        lambda: self.analysis.analysis_dialog(k)
                    ),
                )
            )
        drawings_menu = bar.addMenu("&Drawings")
        drawings_menu.addAction(
            self._action("&New drawing layer", self.new_drawing_layer, "Ctrl+Shift+N")
        )
        drawings_menu.addAction(
            self._action("&Import drawings…", self.import_drawings_dialog)
        )
        drawings_menu.addAction(
            self._action("&Export drawings…", self.export_drawings_dialog)
        )
        view_menu = bar.addMenu("&View")
        view_menu.addAction(
            self._action("Zoom to &full extent", self.canvas.zoom_full, "Ctrl+0")
        )
        view_menu.addAction(
            self._action(
                "Zoom to &selected layer", self._zoom_to_current_layer, "Ctrl+Shift+0"
            )
        )
        view_menu.addAction(
            self._action(
                "Zoom &in", lambda: self._zoom(0.5), QKeySequence.StandardKey.ZoomIn
            )
        )
        view_menu.addAction(
            self._action(
                "Zoom &out", lambda: self._zoom(2.0), QKeySequence.StandardKey.ZoomOut
            )
        )
        view_menu.addAction(
            self._action(
                "&Basemap…",
                self.basemap_dialog,
                None,
                "Online tiles under the bundled basemap, tile cache, offline areas",
            )
        )
        view_menu.addSeparator()
        for dock in (
            self.layers_dock,
            self.filter_dock,
            self.history_dock,
            self.chart_dock,
            self.identify_dock,
            self.result_dock,
            self.time_dock,
        ):
            view_menu.addAction(dock.toggleViewAction())
        self.time_menu = bar.addMenu("&Time")
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(
            self._action("&About SahelGIS and data credits", self.show_about)
        )

    def _build_tools(self) -> None:
        bar = self.addToolBar("Map tools")
        bar.setObjectName("map_tools")
        group = QActionGroup(self)
        self.tool_actions: dict[str, QAction] = {}
        for tool, text, key, tip in (
            (
                TOOL_PAN,
                "Pan / identify",
                "P",
                "Drag to pan; click an event to identify it",
            ),
            (
                TOOL_RECT,
                "Select rectangle",
                "R",
                "Drag a rectangle: charts count only the events inside",
            ),
            (TOOL_LASSO, "Select lasso", "L", "Draw a freehand area"),
            (
                TOOL_FEATURE,
                "Select feature",
                "F",
                "Click a polygon (the selected polygon layer, else a cercle)",
            ),
            (TOOL_DRAW_POINT, "Draw point", "D", "Click to add a point"),
            (
                TOOL_DRAW_LINE,
                "Draw line",
                "Shift+L",
                "Click vertices; double-click "
                "or Enter finishes, Esc cancels, Backspace undoes a vertex",
            ),
            (
                TOOL_DRAW_POLYGON,
                "Draw polygon",
                "G",
                "Click vertices; double-click, "
                "Enter or clicking the first vertex closes it",
            ),
            (
                TOOL_MEASURE,
                "Measure",
                "M",
                "Ground length per segment and in total "
                "(km, mi); click the first vertex for the area",
            ),
            (
                TOOL_EDIT,
                "Edit drawings",
                "E",
                "Click to select, drag to move, Delete "
                "removes; drag a handle, double-click an edge to add a vertex, "
                "right-click a handle to remove it; double-click a drawing to edit "
                "its name and note",
            ),
            (
                TOOL_BUFFER,
                "Buffer",
                "B",
                "Click a town (or any point) and type a radius: the events inside "
                "by type and year, live with the time window and filters",
            ),
        ):
            action = QAction(text, self, checkable=True)
            action.setShortcut(QKeySequence(key))
            action.setToolTip(f"{tip} ({key})")
            action.triggered.connect(lambda _=False, t=tool: self.set_tool(t))
            group.addAction(action)
            bar.addAction(action)
            self.tool_actions[tool] = action
        self.tool_actions[TOOL_PAN].setChecked(True)
        self.snap_action = QAction("Snap", self, checkable=True, checked=True)
        self.snap_action.setToolTip(
            "Snap drawing to towns, road vertices and drawings within 10 pixels"
        )
        self.snap_action.toggled.connect(
            lambda on: setattr(self.drawing, "snapping", on)
        )
        bar.addAction(self.snap_action)
        clear = self._action("Clear selection", self.clear_selection, "Esc")
        bar.addAction(clear)
        bar.addSeparator()
        self.play_action = self._action(
            "Play / pause", self.time_controls.toggle_play, "Space"
        )
        self.back_action = self._action(
            "Step back", self.time_controls.step_back, "Left"
        )
        self.forward_action = self._action(
            "Step forward", self.time_controls.step_forward, "Right"
        )
        for action in (self.play_action, self.back_action, self.forward_action):
            self.addAction(action)
        self.time_menu.addActions(
            [self.play_action, self.back_action, self.forward_action]
        )

    def run_analysis(self, method: object) -> None:
        """Run an analysis dialog; explain bad input instead of raising."""
        try:
            result = method()  # type: ignore[operator]
        except (SahelGISError, ValueError) as exc:
            QMessageBox.warning(self, "Analysis", str(exc))
            return
        if result is not None:
            self.result_dock.show()
            self.result_dock.raise_()

    def _on_analysis_failed(self, exc: BaseException) -> None:
        if isinstance(exc, ValueError):
            QMessageBox.warning(self, "Analysis", str(exc))
        else:
            self.show_error("Analysis", exc)

    def _on_canvas_buffer_requested(self, x: float, y: float) -> None:
        if self.analysis.buffer_at(x, y) is not None:
            self.result_dock.show()
            self.result_dock.raise_()

    def set_tool(self, tool: str) -> None:
        """Activate a map tool."""
        if tool in DRAWING_TOOLS:
            self.drawing.set_tool(tool)  # also puts the canvas in pan mode
        else:
            self.drawing.set_tool(None)
            self.canvas.set_tool(tool)
        self.tool_actions[tool].setChecked(True)

    def clear_selection(self) -> None:
        """Drop the map selection and go back to panning."""
        self.project.set_selection(None)
        self.set_tool(TOOL_PAN)

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
        self.canvas.sig_events_identified.connect(self.identify_panel.show_events)
        self.canvas.sig_buffer_requested.connect(self._on_canvas_buffer_requested)
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

    def project_undo(self) -> None:
        """Undo the last project change."""
        self.project.undo_stack.undo()

    def project_redo(self) -> None:
        """Redo the next project change."""
        self.project.undo_stack.redo()

    def _update_undo_actions(self) -> None:
        stack = self.project.undo_stack
        self.undo_action.setEnabled(stack.can_undo)
        self.redo_action.setEnabled(stack.can_redo)
        # undo texts quote layer names: an "&" in them is not a mnemonic
        self.undo_action.setText(f"&Undo {menu_text(stack.undo_text())}".strip())
        self.redo_action.setText(f"&Redo {menu_text(stack.redo_text())}".strip())
        self.undo_action.setToolTip(tooltip(f"Undo {stack.undo_text()}".strip()))
        self.redo_action.setToolTip(tooltip(f"Redo {stack.redo_text()}".strip()))

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

    def _zoom(self, factor: float) -> None:
        self.canvas.view_box.scaleBy((factor, factor))

    def _zoom_to_current_layer(self) -> None:
        layer_id = self.layer_panel.current_layer_id()
        if layer_id:
            self.canvas.zoom_to_layer(layer_id)

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

    # -- project files --------------------------------------------------------
    def maybe_save(self) -> bool:
        """Ask to save unsaved changes; False if the user cancels."""
        if not self.project.modified:
            return True
        answer = QMessageBox.question(
            self,
            "Unsaved changes",
            "The project has unsaved changes. Save them first?",
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
        )
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def new_project(self) -> None:
        """Start a project with the base layers only."""
        if self.maybe_save():
            self.set_project(new_project())

    def open_project_dialog(self) -> None:
        if not self.maybe_save():
            return
        path, _ = QFileDialog.getOpenFileName(
            self, "Open project", app_settings.last_dir(), PROJECT_FILTER
        )
        if path:
            self.open_project(Path(path))

    def open_project(self, path: Path) -> None:
        """Load a project in the background and show it."""

        def done(project: Project) -> None:
            self.set_project(project)
            app_settings.remember_project(path)
            self.statusBar().showMessage(f"Opened {path.name}", 5000)
            self.show_load_warnings(project.load_warnings)

        def failed(exc: BaseException) -> None:
            app_settings.forget_last_project(path)  # not reopened at next start
            self.show_error("Open project", exc)

        self.runner.start(
            "project",
            f"Opening {path.name}",
            load_project,
            path,
            on_done=done,
            on_error=failed,
        )

    def show_load_warnings(self, lines: list[str]) -> None:
        """What opening a project reset or left out, as one plain-text message."""
        if not lines:
            return
        shown = lines[:MAX_WARNING_LINES]
        if len(lines) > len(shown):
            shown.append(f"… and {len(lines) - len(shown)} more (see the log file)")
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Project opened with changes",
            "Some values in the project file were wrong and were reset or left "
            "out; saving keeps these changes.\n\n" + "\n".join(shown),
            QMessageBox.StandardButton.Ok,
            self,
        )
        box.setTextFormat(Qt.TextFormat.PlainText)  # the lines come from a file
        box.setObjectName("load_warnings")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.statusBar().showMessage(shown[0], 10_000)

    def save(self) -> bool:
        """Save to the project's file (asks for one if new)."""
        if self.project.path is None or self._is_bundled(self.project.path):
            return self.save_as()
        return self._save_to(self.project.path)

    def save_as(self) -> bool:
        start = self.project.path.name if self.project.path else "project.gpkg"
        path, _ = QFileDialog.getSaveFileName(
            self,
            "Save project as",
            str(Path(app_settings.last_dir()) / start),
            PROJECT_FILTER,
        )
        return bool(path) and self._save_to(Path(path))

    def _save_to(self, path: Path) -> bool:
        try:
            written = save_project(self.project, path)
        except (SahelGISError, OSError) as exc:
            self.show_error("Save project", exc)
            return False
        app_settings.remember_project(written)
        self.statusBar().showMessage(f"Saved {written}", 5000)
        return True

    @staticmethod
    def _is_bundled(path: Path) -> bool:
        return path.resolve().parent == paths.data_dir().resolve()

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        for item in app_settings.recent_projects():
            self.recent_menu.addAction(
                menu_text(item),
                lambda p=item: self.maybe_save() and self.open_project(Path(p)),
            )
        if self.recent_menu.isEmpty():
            self.recent_menu.addAction("(none)").setEnabled(False)

    # -- imports --------------------------------------------------------------
    def import_events_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Import events", app_settings.last_dir(), EVENT_FILTER
        )
        if path:
            self.import_events(Path(path))

    def import_events(self, path: Path) -> None:
        """Read an ACLED export in the background, add it, report rejected rows."""

        def done(result: tuple[EventTable, ImportReport]) -> None:
            table, report = result
            if len(table):
                layer = event_layer(table, report.path)
                self.project.add_layer(layer)
            self.statusBar().showMessage(f"{path.name}: {report.summary()}", 10_000)
            if len(report.rejects) or len(table) == 0:
                ImportReportDialog(report, self).open()

        self.runner.start(
            "import",
            f"Importing {path.name}",
            read_acled,
            path,
            on_done=done,
            on_error=lambda exc: self.show_error("Import events", exc),
        )

    def import_layer_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Import layer", app_settings.last_dir(), VECTOR_FILTER
        )
        if path:
            self.import_layer(Path(path))

    def import_layer(self, path: Path, layer_name: str | None = None) -> None:
        """Add a vector layer from a file (first layer unless one is named)."""
        try:
            if layer_name is None:
                names = list_vector_layers(path)
                layer_name = names[0][0] if names else None
            frame = read_vector(path, layer_name)
        except SahelGISError as exc:
            self.show_error("Import layer", exc)
            return
        self.project.add_layer(
            VectorLayer(
                name=f"{path.stem}" + (f" — {layer_name}" if layer_name else ""),
                data=frame,
                source_path=str(path),
                attribution=path.name,
            )
        )

    def import_roads_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Import road layer", app_settings.last_dir(), VECTOR_FILTER
        )
        if path:
            self.import_roads(Path(path))

    def import_roads(self, path: Path, layer_name: str | None = None) -> None:
        """Replace the approximate national roads with real road geometry."""
        try:
            layer = read_road_layer(path, layer_name)
        except SahelGISError as exc:
            self.show_error("Import road layer", exc)
            return
        replaced = self.project.replace_role(ROLE_ROADS, layer)
        names = ", ".join(old.name for old in replaced) or "nothing"
        self.statusBar().showMessage(f"Roads from {path.name} replace {names}", 10_000)

    # -- event stores and recipes --------------------------------------------
    def open_store_dialog(self, folder: str | Path | None = None) -> None:
        """Pick a store folder (unless given), choose what to read, read it."""
        if not folder:
            folder = QFileDialog.getExistingDirectory(
                self, "Open event store", app_settings.last_store_dir()
            )
            if not folder:
                return
        path = Path(folder)
        try:
            store = EventStore.open(path)
        except (SahelGISError, OSError) as exc:
            self.show_error("Open event store", exc)
            return
        app_settings.remember_store_dir(path)
        dialog = StoreOpenDialog(
            store, view_box_lonlat(self.canvas.extent()), parent=self
        )
        if dialog.exec():
            self.read_store(dialog.request())

    def read_store(self, request: StoreRequest) -> None:
        """Read a store's chosen part in the background and add it as a layer."""

        def added(layer: EventLayer | None, selection: Selection) -> None:
            if layer is None:
                text = f"{request.store.root.name}: no events in that area and years"
            else:
                text = f"{layer.name} — {selection.describe()}"
            self.statusBar().showMessage(text, 10_000)

        start_store_read(
            self.runner,
            self.project,
            request,
            on_added=added,
            on_error=lambda exc: self.show_error("Open event store", exc),
        )

    def export_recipe_dialog(self, path: str | Path | None = None) -> None:
        """Write the project's analyses as a batch recipe (asks where unless given)."""
        title = "Export analyses as recipe"
        try:
            text = recipe_from_project(self.project)
        except SahelGISError as exc:
            self.show_error(title, exc)
            return
        if not path:
            stem = self.project.path.stem if self.project.path else "project"
            path, _ = QFileDialog.getSaveFileName(
                self,
                title,
                str(safe_child(app_settings.last_dir(), f"{stem}_recipe.toml")),
                RECIPE_FILTER,
            )
            if not path:
                return
        target = Path(path)
        if target.suffix.lower() != ".toml":
            target = target.with_name(target.name + ".toml")
        try:
            target.write_text(text, encoding="utf-8")
        except OSError as exc:
            self.show_error(title, exc)
            return
        app_settings.remember_dir(target.parent)
        count = text.count("\n[[analysis]]\n")
        skipped = text.count("\n# not exported: ")
        noun = "analysis" if count == 1 else "analyses"
        message = f"{count} {noun} written to {target.name}"
        if skipped:
            message += f" ({skipped} not exportable: see the file's comments)"
        self.statusBar().showMessage(message, 10_000)

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
    def _restore_layout(self) -> None:
        store = app_settings.settings()
        geometry = store.value(app_settings.WINDOW_GEOMETRY)
        state = store.value(app_settings.WINDOW_STATE)
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state)

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
