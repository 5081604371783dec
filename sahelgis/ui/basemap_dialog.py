"""View > Basemap…: online tiles under the bundled basemap, cache, offline copies,
and the tile hosts allowed or refused for projects that name them."""

from __future__ import annotations

from typing import Any, cast

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from sahelgis.errors import SahelGISError
from sahelgis.io import tile_consent, tile_providers, tiles
from sahelgis.io.tile_providers import TileProvider
from sahelgis.io.tiles import Extent
from sahelgis.ui import settings as app_settings
from sahelgis.ui.canvas.tile_layer import TileManager
from sahelgis.ui.plain_text import plain_label
from sahelgis.ui.signal_blocking import signals_blocked
from sahelgis.ui.workers import TaskRunner

#: QSettings key of the tile cache's size limit (MB).
CACHE_LIMIT_KEY = "basemap/cache_limit_mb"
NONE_LABEL = "None: bundled basemap only (works offline)"
CUSTOM_LABEL = "Custom XYZ URL…"
DOWNLOAD_KIND = "basemap-download"


def saved_cache_limit_mb() -> float:
    """The cache size limit the user chose (MB), or the default."""
    value = app_settings.settings().value(CACHE_LIMIT_KEY, tiles.DEFAULT_CACHE_LIMIT_MB)
    try:
        return max(float(cast("str | float", value)), 10.0)
    except (TypeError, ValueError):
        return tiles.DEFAULT_CACHE_LIMIT_MB


def megabytes(n: float) -> str:
    """Bytes as a short MB figure."""
    return f"{n / 1024 / 1024:,.1f} MB"


def lonlat_box_text(box: Extent) -> str:
    """A lon/lat box in words, e.g. 12.50–12.70°N, 8.10–7.90°W."""
    west, south, east, north = box

    def lat(v: float) -> str:
        return f"{abs(v):.2f}°{'N' if v >= 0 else 'S'}"

    def lon(v: float) -> str:
        return f"{abs(v):.2f}°{'E' if v >= 0 else 'W'}"

    return f"{lat(south)}–{lat(north)}, {lon(west)}–{lon(east)}"


class BasemapDialog(QDialog):
    """Choose the tile provider, manage the tile cache, download an area."""

    sig_download_finished = Signal(object)  # tiles.DownloadReport

    def __init__(
        self,
        manager: TileManager,
        view_extent_display: Extent,
        runner: TaskRunner | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Basemap")
        self.setMinimumWidth(540)
        self.manager = manager
        self.cache = manager.cache
        self.runner = runner if runner is not None else TaskRunner(self)
        self.view_box = tiles.display_extent_to_lonlat(view_extent_display)
        self.view_extent_display = view_extent_display

        self.provider_combo = QComboBox()
        self.provider_combo.addItem(NONE_LABEL, None)
        for key, provider in tile_providers.PROVIDERS.items():
            self.provider_combo.addItem(provider.name, key)
        self.provider_combo.addItem(CUSTOM_LABEL, tile_providers.CUSTOM_KEY)
        self.terms_label = plain_label()  # quotes a project's tile URL
        self.terms_label.setWordWrap(True)
        self.attribution_label = plain_label()  # a project's credit text
        self.attribution_label.setWordWrap(True)
        self.custom_url = QLineEdit()
        self.custom_url.setPlaceholderText("https://tiles.example.org/{z}/{x}/{y}.png")
        self.custom_attribution = QLineEdit()
        self.custom_attribution.setPlaceholderText("Credit, e.g. © Our GIS unit")
        self.custom_max_zoom = QSpinBox()
        self.custom_max_zoom.setRange(0, 22)
        self.custom_max_zoom.setValue(19)
        self.custom_bulk = QCheckBox(
            "This server's terms allow downloading its tiles for offline use"
        )
        self.custom_box = QGroupBox("Custom tiles")
        custom_form = QFormLayout(self.custom_box)
        custom_form.addRow("URL", self.custom_url)
        custom_form.addRow("Credit", self.custom_attribution)
        custom_form.addRow("Max zoom", self.custom_max_zoom)
        custom_form.addRow(self.custom_bulk)

        source_box = QGroupBox("Online tiles under the bundled layers")
        source_layout = QVBoxLayout(source_box)
        source_layout.addWidget(self.provider_combo)
        source_layout.addWidget(self.custom_box)
        source_layout.addWidget(self.terms_label)
        source_layout.addWidget(self.attribution_label)
        note = QLabel(
            "The bundled basemap (countries, regions, cercles, rivers, lakes, roads, "
            "places) is always drawn and needs no network. Tiles are fetched in the "
            "background; with no network the cached tiles are shown."
        )
        note.setWordWrap(True)
        source_layout.addWidget(note)

        self.cache_label = QLabel()
        self.limit_spin = QDoubleSpinBox()
        self.limit_spin.setRange(10, 100_000)
        self.limit_spin.setDecimals(0)
        self.limit_spin.setSuffix(" MB")
        self.limit_spin.setValue(self.cache.limit_bytes / 1024 / 1024)
        self.clear_button = QPushButton("Clear cache")
        self.clear_button.clicked.connect(self.clear_cache)
        cache_box = QGroupBox("Tile cache on this computer")
        cache_form = QFormLayout(cache_box)
        cache_form.addRow(self.cache_label)
        limit_row = QHBoxLayout()
        limit_row.addWidget(self.limit_spin)
        limit_row.addWidget(self.clear_button)
        cache_form.addRow("Size limit", limit_row)
        cache_form.addRow(QLabel(f"Folder: {self.cache.root}"))

        self.zoom_from = QSpinBox()
        self.zoom_to = QSpinBox()
        for spin in (self.zoom_from, self.zoom_to):
            spin.setRange(0, 22)
            spin.valueChanged.connect(self.update_estimate)
        self.estimate_label = QLabel()
        self.estimate_label.setWordWrap(True)
        self.download_button = QPushButton("Make available offline")
        self.download_button.clicked.connect(self.start_download)
        self.download_status = QLabel()
        self.download_status.setWordWrap(True)
        offline_box = QGroupBox("Make the current view available offline")
        offline_form = QFormLayout(offline_box)
        offline_form.addRow(QLabel(f"Area: {lonlat_box_text(self.view_box)}"))
        zoom_row = QHBoxLayout()
        zoom_row.addWidget(self.zoom_from)
        zoom_row.addWidget(QLabel("to"))
        zoom_row.addWidget(self.zoom_to)
        offline_form.addRow("Zoom levels", zoom_row)
        offline_form.addRow(self.estimate_label)
        offline_form.addRow(self.download_button)
        offline_form.addRow(self.download_status)

        self.hosts_list = QListWidget()
        self.hosts_list.setMaximumHeight(110)
        self.allow_host_button = QPushButton("Allow")
        self.allow_host_button.clicked.connect(lambda: self._set_host_answer(True))
        self.refuse_host_button = QPushButton("Refuse")
        self.refuse_host_button.clicked.connect(lambda: self._set_host_answer(False))
        self.forget_host_button = QPushButton("Forget")
        self.forget_host_button.clicked.connect(self.forget_selected_host)
        hosts_box = QGroupBox("Tile servers named by projects")
        hosts_layout = QVBoxLayout(hosts_box)
        hosts_note = QLabel(
            "Projects may name a tile server; its tiles are loaded only from "
            "servers allowed here (choosing a provider above allows it)."
        )
        hosts_note.setWordWrap(True)
        hosts_layout.addWidget(hosts_note)
        hosts_layout.addWidget(self.hosts_list)
        hosts_row = QHBoxLayout()
        for button in (
            self.allow_host_button,
            self.refuse_host_button,
            self.forget_host_button,
        ):
            hosts_row.addWidget(button)
        hosts_row.addStretch(1)
        hosts_layout.addLayout(hosts_row)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(source_box)
        layout.addWidget(cache_box)
        layout.addWidget(offline_box)
        layout.addWidget(hosts_box)
        layout.addWidget(buttons)
        self.update_hosts_list()

        self._select_current()
        self.provider_combo.currentIndexChanged.connect(self._on_provider_changed)
        for widget in (self.custom_url, self.custom_attribution):
            widget.textChanged.connect(self._on_provider_changed)
        self.custom_max_zoom.valueChanged.connect(self._on_provider_changed)
        self.custom_bulk.toggled.connect(self._on_provider_changed)
        self._on_provider_changed()
        self.update_cache_label()

    # -- provider -------------------------------------------------------------
    def _select_current(self) -> None:
        current = self.manager.provider
        if current is None:
            self.provider_combo.setCurrentIndex(0)
        elif current.key.startswith(tile_providers.CUSTOM_KEY):
            self.provider_combo.setCurrentIndex(self.provider_combo.count() - 1)
            self.custom_url.setText(current.url)
            self.custom_attribution.setText(current.attribution)
            self.custom_max_zoom.setValue(current.max_zoom)
            self.custom_bulk.setChecked(current.allows_bulk)
        else:
            self.provider_combo.setCurrentIndex(
                max(self.provider_combo.findData(current.key), 0)
            )

    def selected_provider(self) -> TileProvider | None:
        """The provider chosen in the dialog (None: tiles off).

        Raises ``ValueError`` for an unusable custom URL.
        """
        key = self.provider_combo.currentData()
        if key is None:
            return None
        if key == tile_providers.CUSTOM_KEY:
            return tile_providers.custom_provider(
                self.custom_url.text(),
                self.custom_attribution.text(),
                max_zoom=self.custom_max_zoom.value(),
                allows_bulk=self.custom_bulk.isChecked(),
            )
        return tile_providers.PROVIDERS[key]

    def _on_provider_changed(self, *args: object) -> None:
        self.custom_box.setVisible(
            self.provider_combo.currentData() == tile_providers.CUSTOM_KEY
        )
        try:
            provider = self.selected_provider()
        except ValueError as exc:
            self.terms_label.setText(f"Custom URL: {exc}")
            self.attribution_label.setText("")
            self._set_download_allowed(None)
            return
        if provider is None:
            self.terms_label.setText("No tiles: nothing is fetched from the network.")
            self.attribution_label.setText("")
        else:
            self.terms_label.setText(provider.terms)
            self.attribution_label.setText(
                f"Credit shown on maps: {provider.attribution}"
            )
            self._set_zoom_defaults(provider)
        self._set_download_allowed(provider)
        self.update_estimate()

    def _set_zoom_defaults(self, provider: TileProvider) -> None:
        canvas = self.manager.canvas
        mpp = canvas.metres_per_pixel() if canvas is not None else 1000.0
        z = tiles.view_zoom(self.view_extent_display, mpp, provider)
        with signals_blocked(self.zoom_from, self.zoom_to):
            for spin in (self.zoom_from, self.zoom_to):
                spin.setRange(provider.min_zoom, provider.max_zoom)
            self.zoom_from.setValue(z)
            self.zoom_to.setValue(min(z + 2, provider.max_zoom))

    def _set_download_allowed(self, provider: TileProvider | None) -> None:
        allowed = provider is not None and provider.allows_bulk and provider.disk_cache
        self.download_button.setEnabled(allowed)
        self.zoom_from.setEnabled(allowed)
        self.zoom_to.setEnabled(allowed)
        if provider is None:
            self.download_button.setToolTip("Choose a tile provider first")
        elif not allowed:
            self.download_button.setToolTip(
                f"Not available: {provider.name}'s terms do not allow downloading "
                "tiles for offline use. Tiles you view are still cached where "
                "allowed."
            )
        else:
            self.download_button.setToolTip("")

    # -- cache ----------------------------------------------------------------
    def update_cache_label(self) -> None:
        """Show how full the cache is."""
        stats = self.cache.stats()
        self.cache_label.setText(
            f"{stats.tiles:,} tiles, {megabytes(stats.bytes)} of "
            f"{megabytes(stats.limit_bytes)} "
            f"({stats.offline_tiles:,} kept for offline use)"
        )

    def clear_cache(self) -> None:
        """Delete every cached tile, after asking."""
        answer = QMessageBox.question(
            self,
            "Clear tile cache",
            "Delete every cached tile, including the areas made available offline?",
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.clear_cache_now()

    def clear_cache_now(self) -> int:
        """Delete every cached tile without asking; returns how many."""
        removed = self.cache.clear()
        self.update_cache_label()
        self.download_status.setText(f"Deleted {removed:,} cached tiles.")
        return removed

    # -- offline download -----------------------------------------------------
    def zooms(self) -> list[int]:
        """The zoom levels chosen for the download."""
        low, high = sorted((self.zoom_from.value(), self.zoom_to.value()))
        return list(range(low, high + 1))

    def estimate(self) -> tiles.DownloadEstimate | None:
        """Tile count and size of the download as set up (None if not allowed)."""
        try:
            provider = self.selected_provider()
        except ValueError:
            return None
        if provider is None:
            return None
        mean = self.cache.mean_tile_bytes(provider)
        return tiles.estimate_download(self.view_box, self.zooms(), mean)

    def update_estimate(self, *args: object) -> None:
        """Show the download's tile count and size before it starts."""
        if not self.download_button.isEnabled():
            self.estimate_label.setText(
                self.download_button.toolTip() or "Choose a provider that allows it."
            )
            return
        estimate = self.estimate()
        if estimate is None:
            self.estimate_label.setText("")
            return
        text = f"About {estimate.tiles:,} tiles, ~{megabytes(estimate.bytes)}."
        if estimate.tiles > tile_providers.MAX_BULK_TILES:
            limit = tile_providers.MAX_BULK_TILES
            text += f" Over the {limit:,}-tile limit: zoom in or use fewer levels."
            self.download_button.setEnabled(False)
        elif estimate.bytes > self.limit_spin.value() * 1024 * 1024:
            text += " More than the cache size limit: raise the limit first."
        self.estimate_label.setText(text)

    def start_download(self) -> None:
        """Download the view's tiles at the chosen zooms (progress and cancel)."""
        try:
            provider = self.selected_provider()
        except ValueError as exc:
            self.download_status.setText(str(exc))
            return
        if provider is None:
            return
        if provider.uses_network:  # the user asked for it here: allows its host
            self.manager.consent.remember(tile_consent.tile_host(provider), True)
        self.cache.set_limit_mb(self.limit_spin.value())
        self.download_button.setEnabled(False)
        self.download_status.setText("Downloading…")
        self.runner.start(
            DOWNLOAD_KIND,
            f"Downloading {provider.name} tiles",
            tiles.download_region,
            provider,
            self.view_box,
            self.zooms(),
            self.cache,
            on_done=self._on_download_done,
            on_error=self._on_download_failed,
            dialog=True,
        )

    def _on_download_done(self, report: Any) -> None:
        self.download_button.setEnabled(True)
        self.download_status.setText(
            f"Done: {report.fetched:,} tiles downloaded, "
            f"{report.already_cached:,} already cached, {report.missing:,} missing."
        )
        self.update_cache_label()
        self.sig_download_finished.emit(report)

    def _on_download_failed(self, exc: BaseException) -> None:
        self.download_button.setEnabled(True)
        if isinstance(exc, (SahelGISError, ValueError)):
            self.download_status.setText(f"Download stopped: {exc}")
        else:
            raise exc
        self.update_cache_label()

    # -- apply ----------------------------------------------------------------
    def apply(self) -> bool:
        """Use the chosen provider and cache limit; False if the URL is unusable."""
        try:
            provider = self.selected_provider()
        except ValueError as exc:
            self.terms_label.setText(f"Custom URL: {exc}")
            return False
        limit = float(self.limit_spin.value())
        self.cache.set_limit_mb(limit)
        app_settings.settings().setValue(CACHE_LIMIT_KEY, limit)
        current = self.manager.provider
        if provider is not None and provider == current and current.from_file:
            # unchanged: pressing OK is no answer to the project's tile host
            self.manager.consent_changed()
            return True
        if provider is not None and provider.uses_network:
            # the user chose this provider here: that allows its host
            self.manager.consent.remember(tile_consent.tile_host(provider), True)
        self.manager.set_provider(provider)
        return True

    # -- tile hosts -------------------------------------------------------------
    def update_hosts_list(self) -> None:
        """List the remembered tile hosts and the answer for each."""
        self.hosts_list.clear()
        for host, allowed in sorted(self.manager.consent.decisions().items()):
            item = QListWidgetItem(f"{host} — {'allowed' if allowed else 'refused'}")
            item.setData(Qt.ItemDataRole.UserRole, host)
            self.hosts_list.addItem(item)
        has = self.hosts_list.count() > 0
        for button in (
            self.allow_host_button,
            self.refuse_host_button,
            self.forget_host_button,
        ):
            button.setEnabled(has)

    def selected_host(self) -> str | None:
        """The host selected in the list, or None."""
        item = self.hosts_list.currentItem()
        return None if item is None else str(item.data(Qt.ItemDataRole.UserRole))

    def _set_host_answer(self, allowed: bool) -> None:
        host = self.selected_host()
        if host is None:
            return
        self.manager.consent.remember(host, allowed)
        self.manager.consent_changed()
        self.update_hosts_list()

    def forget_selected_host(self) -> None:
        """Forget the answer for the selected host (asked again next time)."""
        host = self.selected_host()
        if host is None:
            return
        self.manager.consent.forget(host)
        self.manager.consent_changed()
        self.update_hosts_list()

    def accept(self) -> None:  # Qt override
        if self.apply():
            super().accept()

    def done(self, result: int) -> None:  # Qt override
        if self.runner.is_running(DOWNLOAD_KIND):
            self.download_status.setText("A download is running: cancel it first.")
            return
        super().done(result)


def ask_tile_consent(
    manager: TileManager, host: str, parent: QWidget | None = None
) -> QMessageBox:
    """Ask whether to load tiles from ``host`` (named by a project), without
    blocking: the answer is remembered for the host and applied when given.

    The text is plain (the host comes from a file). "Load tiles" allows the
    host, "Don't load" (and Escape) refuses it; either is remembered, so the
    question is not asked again for that host. Returns the open message box
    (one per manager: asking again while it is open returns it).
    """
    box: QMessageBox | None = getattr(manager, "consent_box", None)
    if box is not None and box.isVisible():
        return box
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Online map tiles")
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(
        tile_consent.QUESTION.format(host=host)
        + "\n\n"
        + tile_consent.DETAIL.format(host=host)
    )
    load = box.addButton("Load tiles", QMessageBox.ButtonRole.AcceptRole)
    refuse = box.addButton("Don't load", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(refuse)
    box.setEscapeButton(refuse)

    def on_finished(_result: int) -> None:
        manager.consent_box = None  # type: ignore[attr-defined]
        clicked = box.clickedButton()
        if clicked in (load, refuse):
            manager.consent.remember(host, clicked is load)
            manager.consent_changed()

    box.finished.connect(on_finished)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    manager.consent_box = box  # type: ignore[attr-defined]
    box.open()
    return box


__all__ = [
    "CACHE_LIMIT_KEY",
    "BasemapDialog",
    "ask_tile_consent",
    "saved_cache_limit_mb",
]
