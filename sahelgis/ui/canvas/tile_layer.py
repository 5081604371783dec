"""Online map tiles under every layer, fetched off the GUI thread.

``TileLayerItem`` draws Web Mercator tiles warped into the display CRS: each
tile is cut into a few pieces and each piece drawn with the projective
transform that maps its corners exactly (``QTransform.quadToQuad``); the
mapping is smooth, so the error inside a piece is far below a pixel. The
result is cached in one image per view, like ``LayerCacheItem``, so moving the
time window never redraws the tiles.

``TileManager`` watches the canvas view (debounced), asks the app's worker
pool (``sahelgis.ui.workers``, lane ``"tiles"``: a few at a time) for the
missing tiles (disk cache first, then the network with a short timeout),
places them as they arrive and falls back at once to the cache and the bundled
basemap when there is no network, saying so once in the status bar. The tile
layer is not a project layer: only the provider's name is saved, in
``project.extra_state["basemap"]``.

A provider named by a project file is used online only once the user allowed
its host (``sahelgis.io.tile_consent``): until then the manager shows cached
tiles only, emits ``sig_consent_needed`` once with the host for the window to
ask, and says in the status bar that online tiles were not loaded.

The pool's workers are daemon threads, so a request to a server that never
answers holds neither the app's exit nor the other background jobs (the tiles
lane has its own few threads). A job reads only plain data (``_Shared``), never
the manager, whose last reference must not be dropped off the GUI thread.

Size: the tile item and its manager share the tile geometry and the arrival
batching.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import math
import time
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QPainter, QPixmap, QPolygonF, QTransform
from PySide6.QtWidgets import QWidget

from sahelgis.io import tile_consent, tile_providers, tiles
from sahelgis.io.tile_consent import HostConsent, MemoryConsent
from sahelgis.io.tile_providers import TileProvider
from sahelgis.io.tiles import (
    TileCache,
    TileKey,
    TileUnavailable,
)
from sahelgis.model import crs
from sahelgis.ui.workers import TILES_LANE, Job, JobGroup, WorkerPool

log = logging.getLogger(__name__)

#: Below every layer, the base-layer cache included.
TILE_Z = -1_000_000
OFFLINE_MESSAGE = "Tiles unavailable (offline): showing the bundled basemap"
NOT_ALLOWED_MESSAGE = (
    "Online tiles from {host} not loaded (not allowed for this host): showing "
    "cached tiles only. Change this in View > Basemap…"
)
#: Tiles kept decoded in memory (about 256 KiB each).
MEMORY_TILES = 256
#: How far up the pyramid a missing tile borrows a coarser one meanwhile.
FALLBACK_LEVELS = 5
#: Arrived tiles are placed together, at most this often (ms).
PLACE_INTERVAL_MS = 25


def pieces_per_side(z: int) -> int:
    """How finely a tile is cut for warping: big tiles bend more."""
    if z <= 5:
        return 8
    if z <= 9:
        return 4
    return 2


@dataclass
class WarpedTile:
    """A decoded tile and the pieces that draw it in the display CRS."""

    image: QImage
    pieces: list[tuple[QTransform, QRectF]]
    rect: QRectF


def warp_tile(key: TileKey, image: QImage) -> WarpedTile:
    """Cut a tile into pieces, each with the transform image px → display CRS."""
    z, x, y = key
    n = pieces_per_side(z)
    w, h = float(image.width()), float(image.height())
    u = np.linspace(0.0, 1.0, n + 1)
    gx, gy = np.meshgrid(x + u, y + u)  # rows go south, as image rows do
    lon, lat = tiles.tile_to_lonlat(gx, gy, z)
    dx, dy = crs.to_display().transform(lon, lat)
    dx, dy = np.asarray(dx), np.asarray(dy)
    pieces = []
    for j in range(n):
        for i in range(n):
            src = QRectF(i * w / n, j * h / n, w / n, h / n)
            dst = QPolygonF(
                [
                    QPointF(dx[j, i], dy[j, i]),
                    QPointF(dx[j, i + 1], dy[j, i + 1]),
                    QPointF(dx[j + 1, i + 1], dy[j + 1, i + 1]),
                    QPointF(dx[j + 1, i], dy[j + 1, i]),
                ]
            )
            transform = QTransform()
            if QTransform.quadToQuad(QPolygonF(src), dst, transform):
                pieces.append((transform, src))
    rect = QRectF(
        float(dx.min()),
        float(dy.min()),
        float(dx.max() - dx.min()),
        float(dy.max() - dy.min()),
    )
    return WarpedTile(image, pieces, rect)


class TileLayerItem(pg.GraphicsObject):
    """Map tiles warped into the display CRS, drawn under all layers."""

    def __init__(self) -> None:
        super().__init__()
        self.attribution = ""
        self._tiles: dict[TileKey, WarpedTile] = {}
        self._order: list[TileKey] = []
        self._rect = QRectF()
        self._image: QImage | None = None
        self._key: tuple | None = None
        self._generation = 0
        self.setZValue(TILE_Z)

    def set_tiles(self, tiles_bottom_first: list[tuple[TileKey, QImage]]) -> None:
        """The tiles to draw, bottom first (coarser stand-ins before real ones)."""
        old = self._tiles
        new: dict[TileKey, WarpedTile] = {}
        for key, image in tiles_bottom_first:
            warped = old.get(key)
            if warped is None or warped.image is not image:
                warped = warp_tile(key, image)
            new[key] = warped
        order = [key for key, _ in tiles_bottom_first]
        if order == self._order and all(new[k] is old.get(k) for k in order):
            return
        self.prepareGeometryChange()
        self._tiles, self._order = new, order
        rect = QRectF()
        for warped in new.values():
            rect = rect.united(warped.rect)
        self._rect = rect
        self._generation += 1
        self.update()

    def invalidate(self) -> None:
        """Forget the cached image (redrawn on the next paint)."""
        self._key = None
        self.update()

    def tile_keys(self) -> list[TileKey]:
        """The tiles drawn, bottom first."""
        return list(self._order)

    def boundingRect(self) -> QRectF:  # Qt override
        return self._rect

    def paint(
        self, painter: QPainter, option: object = None, widget: object = None
    ) -> None:
        device = painter.device()
        if device is None or not self._order:
            return
        width, height = device.width(), device.height()
        t = painter.transform()
        if not isinstance(device, (QWidget, QPixmap, QImage)):
            # a printer, PDF or SVG: draw the tiles themselves, no screen cache
            self._draw(painter, t, width, height)
            return
        dpr = float(device.devicePixelRatioF())
        key = (
            t.m11(),
            t.m12(),
            t.m21(),
            t.m22(),
            t.dx(),
            t.dy(),
            width,
            height,
            dpr,
            self._generation,
        )
        if key != self._key or self._image is None:
            image = QImage(
                round(width * dpr),
                round(height * dpr),
                QImage.Format.Format_ARGB32_Premultiplied,
            )
            image.setDevicePixelRatio(dpr)
            image.fill(Qt.GlobalColor.transparent)
            inner = QPainter(image)
            self._draw(inner, t, width, height)
            inner.end()
            self._image, self._key = image, key
        painter.save()
        painter.resetTransform()
        painter.drawImage(0, 0, self._image)
        painter.restore()

    def _draw(self, painter: QPainter, t: QTransform, width: int, height: int) -> None:
        """Draw the visible tiles piece by piece; ``t`` maps the view to the device."""
        inverse, ok = t.inverted()
        visible = inverse.mapRect(QRectF(0, 0, width, height)) if ok else self._rect
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        for key in self._order:
            warped = self._tiles[key]
            if not warped.rect.intersects(visible):
                continue
            for piece, src in warped.pieces:
                painter.setTransform(piece * t)
                painter.drawImage(src, warped.image, src)
        painter.restore()


@dataclass
class _Result:
    generation: int
    key: TileKey
    image: QImage | None
    source: str = ""
    kind: str = ""
    message: str = ""


@dataclass
class _Shared:
    """State the fetch jobs read (plain Python, thread-safe enough: each field
    is replaced whole)."""

    cache: TileCache
    timeout: tuple[float, float]
    generation: int = 0
    wanted: frozenset[TileKey] = frozenset()
    offline_until: float = 0.0
    #: False: the provider's host is not allowed, only the cache is read.
    network: bool = True

    def offline(self) -> bool:
        return time.monotonic() < self.offline_until


def _fetch(
    shared: _Shared, provider: TileProvider, key: TileKey, generation: int
) -> _Result:
    """A worker's job: one tile from the cache or the network, decoded."""
    if generation != shared.generation or key not in shared.wanted:
        return _Result(generation, key, None, kind="dropped")
    offline = shared.offline() or not shared.network
    try:
        result = tiles.fetch_tile(
            provider, *key, shared.cache, shared.timeout, offline=offline
        )
    except TileUnavailable as exc:
        return _Result(generation, key, None, kind=exc.kind, message=str(exc))
    rgba = np.ascontiguousarray(result.image[..., :4], dtype=np.uint8)
    height, width = rgba.shape[:2]
    image = QImage(
        rgba.data, width, height, 4 * width, QImage.Format.Format_RGBA8888
    ).convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)  # a copy
    return _Result(generation, key, image, result.source)


class TileManager(QObject):
    """Keeps the canvas's tile layer filled for the current view and provider."""

    sig_status = Signal(str)  # a one-off message for the status bar
    sig_attribution_changed = Signal(str)
    sig_active_changed = Signal(bool)
    sig_tiles_changed = Signal()  # the drawn tiles changed
    sig_consent_needed = Signal(str)  # a file named tiles from this host: ask

    def __init__(
        self,
        canvas: pg.PlotWidget,
        cache: TileCache | None = None,
        *,
        timeout: tuple[float, float] = tiles.TIMEOUT,
        workers: int = 4,
        debounce_ms: int = 150,
        retry_s: float = 60.0,
        consent: HostConsent | None = None,
        parent: QObject | None = None,
        pool: WorkerPool | None = None,
    ) -> None:
        super().__init__(parent)
        #: The user's answers per host, for providers named by a file.
        self.consent: HostConsent = consent if consent is not None else MemoryConsent()
        # what fetch jobs read: never the QObject itself, whose last reference
        # must not be dropped (and the object destroyed) off the GUI thread
        self._shared = _Shared(
            cache=cache if cache is not None else TileCache(),
            timeout=timeout,
        )
        self.retry_s = retry_s
        self._provider: TileProvider | None = None
        self._images: collections.OrderedDict[TileKey, QImage] = (
            collections.OrderedDict()
        )
        self._wanted_order: list[TileKey] = []
        self._in_flight: dict[TileKey, Job] = {}
        self._missing: set[TileKey] = set()
        self._status_said = False
        self.workers = workers
        self._jobs = JobGroup(self, pool)
        self._arrived: list[_Result] = []
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(debounce_ms)
        self._debounce.timeout.connect(self.refresh)
        self._place = QTimer(self)
        self._place.setSingleShot(True)
        self._place.setInterval(PLACE_INTERVAL_MS)
        self._place.timeout.connect(self._drain_results)
        self._retry = QTimer(self)
        self._retry.setSingleShot(True)
        self._retry.timeout.connect(self.refresh)
        self.canvas: pg.PlotWidget | None = None
        self.item = TileLayerItem()
        self.set_canvas(canvas)

    # -- public API -----------------------------------------------------------
    @property
    def provider(self) -> TileProvider | None:
        """The tile provider shown, or None (tiles off, the default)."""
        return self._provider

    @property
    def attribution(self) -> str:
        """The provider's credit for the status bar and source lines ('' if off)."""
        return self._provider.attribution if self._provider else ""

    @property
    def offline(self) -> bool:
        """True while the network is taken to be down (cache only)."""
        return self._shared.offline()

    @property
    def cache(self) -> TileCache:
        """The disk cache tiles are read from and stored in."""
        return self._shared.cache

    @property
    def timeout(self) -> tuple[float, float]:
        """Connect and read timeouts of one request (s)."""
        return self._shared.timeout

    @timeout.setter
    def timeout(self, value: tuple[float, float]) -> None:
        self._shared.timeout = value

    @property
    def network_allowed(self) -> bool:
        """True when tiles of the current provider may come from the network."""
        return tile_consent.network_allowed(self._provider, self.consent)

    @property
    def host(self) -> str:
        """The host the current provider's tiles come from ('' if none/local)."""
        return tile_consent.tile_host(self._provider) if self._provider else ""

    def consent_changed(self) -> None:
        """Re-read the consent for the current provider's host (after the user
        answered): when now allowed, missing tiles are requested again."""
        allowed = self.network_allowed
        if allowed == self._shared.network:
            return
        self._shared.network = allowed
        self._shared.generation += 1
        self._forget_requests()
        self._missing.clear()
        self._status_said = False
        if self._provider is not None:
            self.refresh()

    def set_provider(self, provider: str | TileProvider | None) -> None:
        """Show tiles from a provider (a key, name or object); None turns them off.

        A provider named by a file (``from_file``) is fetched from the network
        only when the user allowed its host (``consent``); otherwise the cache
        alone is read and ``sig_consent_needed`` asks for an answer when there
        is none yet.
        """
        if isinstance(provider, str):
            provider = tile_providers.provider(provider)
        if provider == self._provider and (
            provider is None
            or (
                self._provider is not None
                and provider.from_file == self._provider.from_file
            )
        ):
            self.consent_changed()
            return
        self._shared.generation += 1
        self._forget_requests()
        self._images.clear()
        self._missing.clear()
        self._shared.offline_until = 0.0
        self._status_said = False
        self._retry.stop()
        self._provider = provider
        self._shared.network = self.network_allowed
        self.item.attribution = self.attribution
        self.item.setVisible(provider is not None)
        self.item.set_tiles([])
        self.sig_attribution_changed.emit(self.attribution)
        self.sig_active_changed.emit(provider is not None)
        if provider is not None:
            self.refresh()
        if tile_consent.needs_question(provider, self.consent):
            self.sig_consent_needed.emit(self.host)

    def set_canvas(self, canvas: pg.PlotWidget) -> None:
        """Draw on another canvas (e.g. after a project was opened)."""
        if self.canvas is not None:
            # the old canvas may already be gone
            with contextlib.suppress(RuntimeError, TypeError):
                self.canvas.view_box.sigRangeChanged.disconnect(
                    self._on_view_box_range_changed
                )
        self.canvas = canvas
        self.item = TileLayerItem()  # the old one dies with its canvas
        self.item.attribution = self.attribution
        self.item.setVisible(self._provider is not None)
        canvas.view_box.addItem(self.item, ignoreBounds=True)
        self.item.setZValue(TILE_Z)  # addItem lifts it to the view box's z
        canvas.view_box.sigRangeChanged.connect(self._on_view_box_range_changed)
        if self._provider is not None:
            self._update_item()
            self._debounce.start()

    def refresh(self) -> None:
        """Request the tiles of the current view now (normally debounced)."""
        provider, canvas = self._provider, self.canvas
        if provider is None or canvas is None:
            return
        extent = canvas.extent()
        if not all(math.isfinite(v) for v in extent):
            return
        dpr = max(float(canvas.devicePixelRatioF()), 1.0)
        z = tiles.view_zoom(extent, canvas.metres_per_pixel() / dpr, provider)
        keys = tiles.tiles_for_extent(extent, z)
        self._wanted_order = keys
        self._shared.wanted = frozenset(keys)
        for key, job in list(self._in_flight.items()):
            if job.cancel(running=False):  # queued for an older view: dropped
                del self._in_flight[key]
        for key in keys:
            if key in self._images:
                self._images.move_to_end(key)
            elif key not in self._in_flight and key not in self._missing:
                self._submit(key)
        self._update_item()

    def wanted_tiles(self) -> list[TileKey]:
        """The tiles of the current view, centre first."""
        return list(self._wanted_order)

    def loaded_tiles(self) -> list[TileKey]:
        """The tiles of the current view that are drawn."""
        return [key for key in self._wanted_order if key in self._images]

    def pending(self) -> int:
        """Tiles requested and not yet answered."""
        return len(self._in_flight)

    def shutdown(self) -> None:
        """Stop requesting tiles (running requests end by their timeout, their
        results dropped)."""
        self._shared.generation += 1
        self._forget_requests()
        self._place.stop()
        self._debounce.stop()
        self._retry.stop()

    # -- workers --------------------------------------------------------------
    def _submit(self, key: TileKey) -> None:
        provider = self._provider
        assert provider is not None
        generation = self._shared.generation
        self._in_flight[key] = self._jobs.submit(
            _fetch,
            self._shared,
            provider,
            key,
            generation,
            lane=TILES_LANE,
            lane_limit=self.workers,
            on_done=self._on_fetched,
            on_error=lambda exc: self._on_fetch_failed(key, generation, exc),
        )

    def _forget_requests(self) -> None:
        """Cancel every request: queued ones never run, running ones' results
        are dropped."""
        self._jobs.cancel()
        self._in_flight.clear()
        self._arrived.clear()

    def _on_fetched(self, result: _Result) -> None:
        """A tile arrived (GUI thread): placed with the others arriving now."""
        self._arrived.append(result)
        if not self._place.isActive():
            self._place.start()

    def _on_fetch_failed(
        self, key: TileKey, generation: int, exc: BaseException
    ) -> None:
        log.error("fetching tile %s failed", key, exc_info=exc)
        self._on_fetched(_Result(generation, key, None, kind="invalid"))

    def _drain_results(self) -> None:
        changed = False
        arrived, self._arrived = self._arrived, []
        for result in arrived:
            if result.generation != self._shared.generation:
                continue
            self._in_flight.pop(result.key, None)
            if result.image is not None:
                self._images[result.key] = result.image
                changed = True
                if result.source == "network":
                    self._shared.offline_until = 0.0
                    self._status_said = False
            elif result.kind == "network":
                self._went_offline()
            elif result.kind in ("http", "invalid"):
                self._missing.add(result.key)
            elif result.kind == "offline" and not self._shared.network:
                self._missing.add(result.key)  # asked again after consent
                self._not_allowed()
        if changed:
            self._trim_memory()
            self._update_item()

    def _went_offline(self) -> None:
        if not self.offline:
            self._shared.offline_until = time.monotonic() + self.retry_s
            self._retry.start(int(self.retry_s * 1000))
        if not self._status_said:
            self._status_said = True
            self.sig_status.emit(OFFLINE_MESSAGE)

    def _not_allowed(self) -> None:
        if not self._status_said:
            self._status_said = True
            self.sig_status.emit(NOT_ALLOWED_MESSAGE.format(host=self.host))

    def _trim_memory(self) -> None:
        excess = len(self._images) - MEMORY_TILES
        if excess <= 0:
            return
        for key in list(self._images):
            if excess <= 0:
                break
            if key not in self._shared.wanted:
                del self._images[key]
                excess -= 1

    def _update_item(self) -> None:
        if self._provider is None:
            self.item.set_tiles([])
            return
        have = [key for key in self._wanted_order if key in self._images]
        stand_ins: set[TileKey] = set()
        for z, x, y in self._wanted_order:
            if (z, x, y) in self._images:
                continue
            for dz in range(1, min(z, FALLBACK_LEVELS) + 1):
                parent = (z - dz, x >> dz, y >> dz)
                if parent in self._images:
                    stand_ins.add(parent)
                    break
        order = sorted(stand_ins) + have
        before = self.item.tile_keys()
        self.item.set_tiles([(key, self._images[key]) for key in order])
        if self.item.tile_keys() != before:
            self.sig_tiles_changed.emit()

    def _on_view_box_range_changed(self, *args: object) -> None:
        if self._provider is not None:
            self._debounce.start()
