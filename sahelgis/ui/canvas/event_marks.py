"""What the map draws for an event layer: each event, or one mark per screen cell.

While the window holds at most :data:`~sahelgis.model.window_grid.POINTS_LIMIT`
events the map draws them one by one, as it always did. Past that, drawing
every event costs time in proportion to N and adds nothing the eye can see
(symbols of 4–6 px overlap), so the map draws one mark per cell of the symbol's
size instead: at the mean position of the cell's events in the window, in the
colour of the category with most events there. Colours, legend and symbol are
the same; the event count the status bar shows is the same exact number.

The cells' counts come from :class:`~sahelgis.model.window_grid.WindowGrid`
(prefix sums over time), so a time step costs the same at 10M events as at
1M. A grid covers the view and one view's margin around it; it is rebuilt
(O(N), once) when the view zooms or leaves the margin, or the filter changes.
After a zoom or pan the canvas builds it on a worker thread while the previous
grid stands in (0.8 s at 10M events on this machine, which would otherwise
freeze the window); a new filter or layer builds it at once.

No Qt here: the canvas passes the view in display coordinates and pixels.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sahelgis.model.event_query import query_for, shown_rows, trail_rows
from sahelgis.model.filters import EventFilter
from sahelgis.model.layers import EventLayer
from sahelgis.model.time_window import TimeWindow
from sahelgis.model.window_grid import (
    POINTS_LIMIT,
    WindowGrid,
    WindowTotals,
    grid_for_view,
)

#: Grids kept per layer: the view's window and faded trail, and one stand-in
#: while a zoom's grid is built. Each holds 12 bytes an event (120 MB at 10M)
#: plus at most 48 MB of checkpoints.
GRIDS_KEPT = 3
#: Window totals kept per layer (one per filter and precision mode; 4 bytes an
#: event each).
TOTALS_KEPT = 4


@dataclass(frozen=True)
class Drawn:
    """Marks for one points item: positions, colour codes and what they stand for.

    ``events`` is the number of events in the window (exact, both modes);
    ``cells`` says whether each mark is a cell of several events.
    """

    x: np.ndarray
    y: np.ndarray
    codes: np.ndarray | None
    events: int
    cells: bool
    #: a grid to build off the GUI thread (then :meth:`EventMarks.add`), while
    #: these marks come from the previous one
    pending: GridRequest | None = None


@dataclass(frozen=True)
class GridRequest:
    """A grid to build: ``build()`` is pure numpy and may run on a worker."""

    key: tuple
    covered: tuple[float, float, float, float]
    build: Callable[[], WindowGrid]


@dataclass
class _Entry:
    key: tuple
    covered: tuple[float, float, float, float]
    grid: WindowGrid


class EventMarks:
    """Chooses points or cells for one event layer and keeps its grids."""

    def __init__(self, limit: int = POINTS_LIMIT) -> None:
        self.limit = limit
        self._grids: list[_Entry] = []
        self._totals: dict[tuple, WindowTotals] = {}
        self._kept_cache: tuple[np.ndarray | None, int] = (None, 0)
        #: build grids off the GUI thread when an older one can stand in
        self.background = False
        self._pending: set[tuple] = set()

    def _kept(self, keep: np.ndarray) -> int:
        """Events passing the filter (cached per mask: O(N) once)."""
        if self._kept_cache[0] is not keep:
            self._kept_cache = (keep, int(np.count_nonzero(keep)))
        return self._kept_cache[1]

    def clear(self) -> None:
        """Forget every grid (the layer's data or style changed)."""
        self._grids.clear()
        self._totals.clear()
        self._pending.clear()

    def drawn(
        self,
        layer: EventLayer,
        window: TimeWindow,
        flt: EventFilter,
        codes: np.ndarray | None,
        ncat: int,
        view: tuple[float, float, float, float],
        pixels: tuple[int, int],
        cell_px: float,
        trail: bool = False,
    ) -> Drawn:
        """The marks for the window (or its trail) in the given view.

        Parameters
        ----------
        view : tuple of float
            ``(xmin, ymin, xmax, ymax)`` shown, display CRS (metres).
        pixels : tuple of int
            The view's size on screen (pixels).
        cell_px : float
            The event symbol's size (pixels), the cell edge.
        """
        query = query_for(layer)
        x, y = layer.display_xy()
        bounds = window.trail_window() if trail else window.window()
        if trail and bounds is None:
            empty = np.empty(0)
            return Drawn(empty, empty, None, 0, False)
        expand = False if trail else window.expand_imprecise
        keep = query.filter_mask(flt)
        warm = None
        if self._kept(keep) > self.limit:
            start, end = self._bounds(query.days, bounds)
            total = self._totals_for(layer, flt, keep, expand).total(start, end)
            request = self._request(
                layer, flt, keep, expand, codes, ncat, view, pixels, cell_px
            )
            if total > self.limit:
                grid, pending = self._grid(request, view)
                marks = grid.marks(start, end)
                return Drawn(marks.x, marks.y, marks.codes, total, True, pending)
            # a small window is drawn event by event while the grid is built
            # in the background (or now), so that playing into a busy period
            # does not stop to build it
            warm = self._warm(request, view)
        rows = (
            trail_rows(layer, window, flt) if trail else shown_rows(layer, window, flt)
        )
        codes_shown = None if codes is None else codes[rows]
        return Drawn(x[rows], y[rows], codes_shown, len(rows), False, warm)

    @staticmethod
    def _bounds(
        days: np.ndarray, bounds: tuple[np.datetime64, np.datetime64] | None
    ) -> tuple[np.datetime64, np.datetime64]:
        if bounds is not None:
            return bounds
        # no window: every event (a month's margin takes in imprecise periods)
        margin = np.timedelta64(62, "D")
        return days[0] - margin, days[-1] + margin

    def _totals_for(
        self, layer: EventLayer, flt: EventFilter, keep: np.ndarray, expand: bool
    ) -> WindowTotals:
        """The window's exact event count in O(log N)."""
        key = (id(layer.events), flt, expand)
        totals = self._totals.get(key)
        if totals is None:
            query = query_for(layer)
            totals = WindowTotals(query.days, query.time_precision, keep, expand)
            if len(self._totals) >= TOTALS_KEPT:
                self._totals.clear()
            self._totals[key] = totals
        return totals

    def _request(
        self,
        layer: EventLayer,
        flt: EventFilter,
        keep: np.ndarray,
        expand: bool,
        codes: np.ndarray | None,
        ncat: int,
        view: tuple[float, float, float, float],
        pixels: tuple[int, int],
        cell_px: float,
    ) -> GridRequest:
        """The grid the view needs: its key, reach and how to build it."""
        spec = grid_for_view(view, pixels, cell_px, layer.bounds_display())
        query = query_for(layer)
        x, y = layer.display_xy()
        cat = np.zeros(len(x), dtype=np.int32) if codes is None else codes

        def build() -> WindowGrid:
            return WindowGrid(
                query.days, query.time_precision, x, y, cat, ncat, keep, spec, expand
            )

        key = (id(layer.events), flt, expand, id(codes), ncat, spec.cell)
        return GridRequest(key, _covered(view), build)

    def _kept_grid(
        self, view: tuple[float, float, float, float], same: tuple, exact: bool
    ) -> _Entry | None:
        """A kept grid reaching over the view: with the same key (``exact``),
        or only the same data, filter and colours (any cell size)."""
        for entry in self._grids:
            key = entry.key if exact else entry.key[:-1]
            if key == same and _inside(view, entry.covered):
                return entry
        return None

    def _grid(
        self, request: GridRequest, view: tuple[float, float, float, float]
    ) -> tuple[WindowGrid, GridRequest | None]:
        """The grid for the view, or a stand-in and the request to build it."""
        found = self._kept_grid(view, request.key, exact=True)
        if found is not None:
            return found.grid, None
        # a stand-in must reach over the whole view (a zoom in, a short pan)
        stand_in = self._kept_grid(view, request.key[:-1], exact=False)
        if self.background and stand_in is not None:
            if request.key in self._pending:
                return stand_in.grid, None  # already being built
            self._pending.add(request.key)
            return stand_in.grid, request
        grid = request.build()
        self.add(request, grid)
        return grid, None

    def _warm(
        self, request: GridRequest, view: tuple[float, float, float, float]
    ) -> GridRequest | None:
        """Have the view's grid ready before a window needs it: a request to
        build it in the background, or built now when not in the background."""
        if request.key in self._pending or self._kept_grid(view, request.key, True):
            return None
        if not self.background:
            self.add(request, request.build())
            return None
        self._pending.add(request.key)
        return request

    def add(self, request: GridRequest, grid: WindowGrid) -> None:
        """Keep a grid built for ``request`` (newest first)."""
        self._pending.discard(request.key)
        self._grids.insert(0, _Entry(request.key, request.covered, grid))
        del self._grids[GRIDS_KEPT:]

    def dropped(self, request: GridRequest) -> None:
        """A background build was cancelled or failed: ask again next time."""
        self._pending.discard(request.key)

    def needs_rebuild(
        self,
        view: tuple[float, float, float, float],
        pixels: tuple[int, int],
        cell_px: float,
        layer: EventLayer,
    ) -> bool:
        """Whether the newest grid no longer fits the view (zoom, or a pan
        past its margin); False when no grid is in use."""
        if not self._grids:
            return False
        entry = self._grids[0]
        spec = grid_for_view(view, pixels, cell_px, layer.bounds_display())
        return spec.cell != entry.grid.spec.cell or not _inside(view, entry.covered)


def _covered(
    view: tuple[float, float, float, float],
) -> tuple[float, float, float, float]:
    """The view and one view's margin around it (a grid's reach)."""
    width, height = view[2] - view[0], view[3] - view[1]
    return (view[0] - width, view[1] - height, view[2] + width, view[3] + height)


def _inside(
    view: tuple[float, float, float, float], box: tuple[float, float, float, float]
) -> bool:
    inside_x = view[0] >= box[0] and view[2] <= box[2]
    return inside_x and view[1] >= box[1] and view[3] <= box[3]
