"""Data brought into the main window's project (``ImportsMixin``): ACLED
exports read in the background with a report of rejected rows, vector layers,
a road layer replacing the approximate roads, an OpenStreetMap extract's roads
and places, and part of a partitioned event
store; with the store, the batch side's other end: the project's analyses
written out as a recipe for ``sahelgis batch``.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox, QProgressDialog

from sahelgis.errors import SahelGISError
from sahelgis.io.acled import ImportReport
from sahelgis.io.acled_api import DEFAULT_BASE_URL, AcledApiError
from sahelgis.io.acled_update import (
    UpdatePlan,
    UpdateResult,
    apply_update,
    fetch_with_keyring,
    plan_update,
)
from sahelgis.io.events_file import read_events
from sahelgis.io.osm import OsmImport, add_to_project, read_osm
from sahelgis.io.safety import safe_child
from sahelgis.io.vector import list_vector_layers, read_road_layer, read_vector
from sahelgis.model.events import EventTable
from sahelgis.model.layer_factory import event_layer
from sahelgis.model.layers import ROLE_ROADS, EventLayer, VectorLayer
from sahelgis.scale.recipe import recipe_from_project
from sahelgis.scale.store import EventStore, Selection
from sahelgis.ui import settings as app_settings
from sahelgis.ui.acled_update_dialog import AcledRequest, AcledUpdateDialog
from sahelgis.ui.import_report_dialog import ImportReportDialog
from sahelgis.ui.plain_text import plain_progress_label
from sahelgis.ui.store_dialog import (
    StoreOpenDialog,
    StoreRequest,
    start_store_read,
    view_box_lonlat,
)
from sahelgis.ui.window_base import MainWindowBase

EVENT_FILTER = "ACLED export or UCDP GED CSV (*.csv *.xlsx *.txt);;All files (*)"
VECTOR_FILTER = (
    "Vector data (*.gpkg *.shp *.geojson *.json *.kml *.fgb *.zip);;All files (*)"
)
RECIPE_FILTER = "Batch recipe (*.toml)"
#: Where File > Update from ACLED… signs in (tests point it at a local server).
API_URL = DEFAULT_BASE_URL
OSM_FILTER = "OpenStreetMap extract (*.osm.pbf *.pbf *.osm);;All files (*)"


class ImportsMixin(MainWindowBase):
    """Imports (events, layers, roads, event stores) and recipe export of
    ``MainWindow``."""

    # -- imports --------------------------------------------------------------
    def import_events_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Import events", app_settings.last_dir(), EVENT_FILTER
        )
        if path:
            self.import_events(Path(path))

    def import_events(self, path: Path) -> None:
        """Read an ACLED export or UCDP GED CSV in the background (told apart by
        header), add it, report rejected rows."""

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
            read_events,
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

    def import_osm_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Import OpenStreetMap extract", app_settings.last_dir(), OSM_FILTER
        )
        if path:
            self.import_osm(Path(path))

    def import_osm(self, path: Path, *, tertiary: bool = False) -> None:
        """Read an OSM extract in the background; its roads replace the
        approximate ones and its places are added (one undo entry)."""
        title = "Import OpenStreetMap extract"

        def done(result: OsmImport) -> None:
            lines = add_to_project(self.project, result)
            app_settings.remember_dir(path.parent)
            self.statusBar().showMessage(
                f"{path.name}: {result.summary()}; " + "; ".join(lines), 10_000
            )

        self.runner.start(
            "import-osm",
            f"Importing {path.name}",
            partial(read_osm, tertiary=tertiary),
            path,
            on_done=done,
            on_error=lambda exc: self.show_error(title, exc),
        )

    # -- ACLED API ------------------------------------------------------------
    def update_from_acled_dialog(self) -> AcledUpdateDialog:
        """Ask for the account, countries and dates; update when accepted."""
        try:
            plan: UpdatePlan | None = plan_update(self.project)
        except AcledApiError:
            plan = None  # no ACLED layer yet: the dialog asks for countries
        dialog = AcledUpdateDialog(plan, self)
        dialog.accepted.connect(lambda: self.update_from_acled(dialog.request()))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def update_from_acled(
        self,
        request: AcledRequest,
        *,
        base_url: str | None = None,
        timeout: float = 60.0,
    ) -> None:
        """Fetch the changes on the worker pool; apply them here (one undo entry)."""
        base_url = base_url or API_URL
        title = "Update from ACLED"
        try:
            plan = plan_update(
                self.project,
                countries=request.countries,
                start=request.start,
                end=request.end,
            )
        except AcledApiError as exc:
            self.show_error(title, exc)
            return

        def done(outcome: tuple[UpdateResult, str]) -> None:
            result, note = outcome
            try:
                line = apply_update(self.project, result)
            except AcledApiError as exc:
                self.show_error(title, exc)
                return
            self.statusBar().showMessage(f"{line}; {note}" if note else line, 15_000)
            lines = [line, *(f"not imported: {r}" for r in result.rejected)]
            if note:
                lines.append(note)
            box = QMessageBox(QMessageBox.Icon.Information, title, "", parent=self)
            box.setTextFormat(Qt.TextFormat.PlainText)
            box.setText("\n".join(lines))
            box.setObjectName("acled_update_summary")
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.open()

        # Cancel drops the job at once (its outcome is never applied): a
        # request may wait for the server up to ``timeout`` before it notices.
        progress = QProgressDialog(self)
        progress.setLabel(plain_progress_label())
        progress.setLabelText(title)
        progress.setCancelButtonText("Cancel")
        progress.setRange(0, 1000)
        progress.setWindowTitle(title)
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(400)
        progress.setAutoClose(False)
        progress.setAutoReset(False)

        def finish() -> None:
            progress.close()
            progress.deleteLater()

        def show_progress(fraction: float, text: str) -> None:
            progress.setValue(int(fraction * 1000))
            if text:
                progress.setLabelText(f"{title}\n{text}")

        def finished(outcome: tuple[UpdateResult, str]) -> None:
            finish()
            done(outcome)

        def failed(exc: BaseException) -> None:
            finish()
            self.show_error(title, exc)

        def cancelled() -> None:
            finish()
            self.statusBar().showMessage(
                "ACLED update cancelled — the project is unchanged", 10_000
            )

        job = self.runner.jobs.submit(
            partial(
                fetch_with_keyring,
                remember=request.remember,
                base_url=base_url,
                timeout=timeout,
            ),
            plan,
            request.email,
            request.password,
            kind="acled-update",
            with_progress=True,
            on_done=finished,
            on_error=failed,
            on_progress=show_progress,
            on_cancelled=cancelled,
        )
        progress.canceled.connect(job.cancel)

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
