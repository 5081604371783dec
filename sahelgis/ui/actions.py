"""Menus, tool bar and shortcuts of the main window (``WindowActionsMixin``):
the File, Edit, Analysis, Drawings, View, Time and Help menus, the map tools
(pan, selections, drawing, measure, buffer) with their keys, the undo/redo
actions kept in step with the project's undo stack, and the small commands
they call (zoom, switch tool, clear selection). The slots they connect to live
on ``MainWindow`` and its other mixins.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QActionGroup, QKeySequence

from sahelgis.analysis.registry import ANALYSES
from sahelgis.ui.canvas.drawing_tools import (
    DRAWING_TOOLS,
    TOOL_DRAW_LINE,
    TOOL_DRAW_POINT,
    TOOL_DRAW_POLYGON,
    TOOL_EDIT,
    TOOL_MEASURE,
)
from sahelgis.ui.canvas.tools import (
    TOOL_BUFFER,
    TOOL_FEATURE,
    TOOL_LASSO,
    TOOL_PAN,
    TOOL_RECT,
)
from sahelgis.ui.plain_text import menu_text, tooltip
from sahelgis.ui.window_base import MainWindowBase

if TYPE_CHECKING:
    from collections.abc import Callable


class WindowActionsMixin(MainWindowBase):
    """Menus, tool bar and shortcuts of ``MainWindow`` (see the module)."""

    def _action(
        self,
        text: str,
        slot: Callable[..., object],
        shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
        tip: str = "",
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
        file_menu.addAction(
            self._action(
                "Import &OpenStreetMap extract…",
                self.import_osm_dialog,
                None,
                "An .osm.pbf or .osm file: its national roads replace the "
                "approximate roads; its towns and villages are added",
            )
        )
        file_menu.addAction(
            self._action(
                "&Update from ACLED…",
                self.update_from_acled_dialog,
                None,
                "Sign in to ACLED's API and bring the project's ACLED events up "
                "to date (new, changed and deleted events); needs a network",
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

    def _zoom(self, factor: float) -> None:
        self.canvas.view_box.scaleBy((factor, factor))

    def _zoom_to_current_layer(self) -> None:
        layer_id = self.layer_panel.current_layer_id()
        if layer_id:
            self.canvas.zoom_to_layer(layer_id)
