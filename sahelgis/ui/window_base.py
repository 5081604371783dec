"""What the ``MainWindow`` mixins (``WindowActionsMixin``, ``ProjectFilesMixin``,
``ImportsMixin``) may use of the window they are mixed into.

At run time ``MainWindowBase`` is an empty class and ``MainWindow`` gets its Qt
side from ``QMainWindow`` as usual. For the type checker it is a
``QMainWindow`` that declares the widgets ``MainWindow.__init__`` builds and
the methods of ``MainWindow`` and of the other mixins that a mixin calls, so
each mixin's methods are checked against a typed ``self`` without naming
``MainWindow`` (which would be a circular import, and a self type that is not
a supertype of the mixin). ``MainWindow`` defines all of them; keep the
signatures here in step with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from PySide6.QtWidgets import QDockWidget, QMainWindow, QMenu

    from sahelgis.model.project import Project
    from sahelgis.ui.analysis_controller import AnalysisController
    from sahelgis.ui.canvas.drawing_tools import DrawingController
    from sahelgis.ui.canvas.map_canvas import MapCanvas
    from sahelgis.ui.panels.layer_panel import LayerPanel
    from sahelgis.ui.panels.time_controls import TimeControls
    from sahelgis.ui.workers import TaskRunner

    _WindowBase = QMainWindow
else:
    _WindowBase = object


class MainWindowBase(_WindowBase):
    """Common base of the ``MainWindow`` mixins (see the module)."""

    if TYPE_CHECKING:
        # -- built by MainWindow.__init__ / set_project ----------------------
        project: Project
        runner: TaskRunner
        canvas: MapCanvas
        drawing: DrawingController
        analysis: AnalysisController
        layer_panel: LayerPanel
        time_controls: TimeControls
        chart_dock: QDockWidget
        identify_dock: QDockWidget
        layers_dock: QDockWidget
        time_dock: QDockWidget
        filter_dock: QDockWidget
        result_dock: QDockWidget
        history_dock: QDockWidget
        # -- built by WindowActionsMixin._build_menus -------------------------
        recent_menu: QMenu

        # -- MainWindow ------------------------------------------------------
        def set_project(self, project: Project) -> None: ...
        def show_error(self, title: str, exc: BaseException) -> None: ...
        def run_analysis(self, method: object) -> None: ...
        def new_drawing_layer(self) -> None: ...
        def import_drawings_dialog(self) -> None: ...
        def export_drawings_dialog(self) -> None: ...
        def snapshot_dialog(self) -> None: ...
        def basemap_dialog(self) -> None: ...
        def export_figure_dialog(self) -> None: ...
        def show_about(self) -> None: ...

        # -- ProjectFilesMixin -----------------------------------------------
        def new_project(self) -> None: ...
        def open_project_dialog(self) -> None: ...
        def save(self) -> bool: ...
        def save_as(self) -> bool: ...
        def _fill_recent_menu(self) -> None: ...

        # -- ImportsMixin ----------------------------------------------------
        def import_events_dialog(self) -> None: ...
        def import_layer_dialog(self) -> None: ...
        def import_roads_dialog(self) -> None: ...
        def import_osm_dialog(self) -> None: ...
        def update_from_acled_dialog(self) -> object: ...
        def open_store_dialog(self, folder: str | Path | None = None) -> None: ...
        def export_recipe_dialog(self, path: str | Path | None = None) -> None: ...
