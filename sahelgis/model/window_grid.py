"""Events per map cell and category for any time window, at a cost flat in N.

The map draws every event of the window one by one while they are few; past
:data:`POINTS_LIMIT` it draws one mark per screen cell instead, from the counts
this module gives. Those counts come from prefix sums over time (the idea of
Falcon and imMens): events are sorted by day, and for checkpoints every
``n / K`` rows the cumulative count of each (cell, category) group is stored, so
the events of any window are two checkpoint rows subtracted plus the few rows
between a window edge and its nearest checkpoint.

Counts are exact and equal to :meth:`EventQuery.window_rows` (tested against it
and against brute force): an event of day precision is in the window when its
day is; with ``expand_imprecise`` an event of week or month precision is in it
when its period ``[lo, hi]`` overlaps the window, i.e. the number of such
events is ``#(lo <= end) - #(hi < start)``, two more prefix queries.

Why our own code: datashader aggregates all rows of a window per frame, O(N);
no library here keeps per-cell cumulative counts over time. Measured on this
machine at 10M events, 12-month windows, 1920×1080: see
``benchmarks/scale_gui_bench.py`` (README there).

Memory: 12 bytes per event in the grid (day, group, row; int32), plus ``K × G``
int32 counts and two float32 offset sums, where ``G`` is the number of occupied
(cell, category) groups; ``K`` is chosen so the three stay under
``budget_bytes`` (default 48 MB).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sahelgis.model.time_window import as_day, period_bounds

if TYPE_CHECKING:
    from collections.abc import Callable

#: Above this many events in the window the map draws cells, not events.
POINTS_LIMIT = 100_000
#: Default memory for one grid's checkpoints (bytes).
BUDGET_BYTES = 48 * 1024 * 1024
#: Longest edge slice (rows) a query may aggregate before checkpoints are
#: considered too sparse; only used to choose ``K``.
MAX_CHECKPOINTS = 4096


@dataclass(frozen=True)
class GridSpec:
    """A regular grid in display coordinates (the layer's display CRS, metres).

    Cell ``(ix, iy)`` covers ``[x0 + ix·cell, x0 + (ix+1)·cell)`` and the same
    in y; there are ``nx × ny`` cells.
    """

    x0: float
    y0: float
    cell: float
    nx: int
    ny: int

    def contains(self, xmin: float, ymin: float, xmax: float, ymax: float) -> bool:
        """Whether the box (display coordinates) lies inside the grid."""
        return (
            xmin >= self.x0
            and ymin >= self.y0
            and xmax <= self.x0 + self.nx * self.cell
            and ymax <= self.y0 + self.ny * self.cell
        )


@dataclass(frozen=True)
class CellMarks:
    """One mark per occupied cell for a window.

    ``x``/``y`` are the mean display coordinates of the cell's events in the
    window (so events at one town stay exactly on the town), ``codes`` the
    category with most events there (ties: the first in legend order),
    ``counts`` the events per cell; ``total`` is every event of the window in
    the grid.
    """

    x: np.ndarray
    y: np.ndarray
    codes: np.ndarray
    counts: np.ndarray
    total: int


class _PrefixStream:
    """Rows sorted by an integer day key, each in one group, with checkpoints.

    ``before(d)`` gives, per group, how many rows have key < d, and the sums of
    their offsets inside their cells, from the nearest checkpoint and at most
    ``n / (2K)`` rows. Per row it holds 12 bytes: the key, the group and the
    event's row (offsets are recomputed from the layer's coordinates).
    """

    def __init__(
        self,
        keys: np.ndarray,
        groups: np.ndarray,
        rows: np.ndarray,
        ngroups: int,
        offsets: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]],
        checkpoints: int,
    ) -> None:
        self.keys = keys.astype(np.int32)
        self.groups = groups
        self.rows = rows.astype(np.int32)
        self.offsets = offsets
        self.ngroups = ngroups
        n = len(keys)
        k = max(1, min(checkpoints, n))
        self.marks = np.linspace(0, n, k + 1).astype(np.int64)
        self.counts = np.zeros((k + 1, ngroups), dtype=np.int32)
        self.sx = np.zeros((k + 1, ngroups), dtype=np.float32)
        self.sy = np.zeros((k + 1, ngroups), dtype=np.float32)
        for i in range(k):
            c, sx, sy = self._sums(int(self.marks[i]), int(self.marks[i + 1]))
            self.counts[i + 1] = self.counts[i] + c
            self.sx[i + 1] = self.sx[i] + sx
            self.sy[i + 1] = self.sy[i] + sy

    @property
    def nbytes(self) -> int:
        """Memory held (bytes)."""
        arrays = (self.keys, self.groups, self.rows, self.counts, self.sx, self.sy)
        return sum(a.nbytes for a in arrays)

    def _sums(self, a: int, b: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        g = self.groups[a:b]
        ox, oy = self.offsets(self.rows[a:b])
        return (
            np.bincount(g, minlength=self.ngroups),
            np.bincount(g, ox, minlength=self.ngroups),
            np.bincount(g, oy, minlength=self.ngroups),
        )

    def before(self, key: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per group: rows with key < ``key``, and their summed x and y offsets."""
        # the same dtype as the keys, or numpy converts the whole array per call
        i = int(np.searchsorted(self.keys, np.int32(key), "left"))
        k = int(np.searchsorted(self.marks, i, "right")) - 1
        if k + 1 < len(self.marks) and self.marks[k + 1] - i < i - self.marks[k]:
            k += 1
        a, b = sorted((int(self.marks[k]), i))
        sign = 1 if i >= self.marks[k] else -1
        counts = self.counts[k].astype(np.int64)
        sx = self.sx[k].astype(np.float64)
        sy = self.sy[k].astype(np.float64)
        if b > a:
            c, ox, oy = self._sums(a, b)
            counts += sign * c
            sx += sign * ox
            sy += sign * oy
        return counts, sx, sy


def _day_numbers(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[D]").astype(np.int64)


class WindowGrid:
    """Counts per (cell, category) of a layer's filtered events for any window.

    Parameters
    ----------
    days : numpy.ndarray
        ``datetime64[D]`` per event, sorted ascending (the event table's order).
    precision : numpy.ndarray
        ACLED ``time_precision`` per event (1 day, 2 week, 3 month).
    x, y : numpy.ndarray
        Display coordinates per event (metres, the display CRS).
    codes : numpy.ndarray
        Category (colour) index per event, ``0 <= code < ncat``.
    ncat : int
        Number of categories.
    keep : numpy.ndarray
        Boolean mask of events passing the filter.
    spec : GridSpec
        The cells; events outside are not counted.
    expand_imprecise : bool
        Week/month-precision events count where their period overlaps the window.
    budget_bytes : int
        Memory for the checkpoints.
    """

    def __init__(
        self,
        days: np.ndarray,
        precision: np.ndarray,
        x: np.ndarray,
        y: np.ndarray,
        codes: np.ndarray,
        ncat: int,
        keep: np.ndarray,
        spec: GridSpec,
        expand_imprecise: bool,
        budget_bytes: int = BUDGET_BYTES,
    ) -> None:
        self.spec = spec
        self.ncat = max(1, int(ncat))
        self.expand_imprecise = expand_imprecise
        self._x = np.asarray(x, dtype=np.float64)
        self._y = np.asarray(y, dtype=np.float64)
        fx = (self._x - spec.x0) / spec.cell
        fy = (self._y - spec.y0) / spec.cell
        with np.errstate(invalid="ignore"):
            inside = keep & (fx >= 0) & (fx < spec.nx) & (fy >= 0) & (fy < spec.ny)
        rows = np.flatnonzero(inside)
        ix = fx[rows].astype(np.int64)
        iy = fy[rows].astype(np.int64)
        del fx, fy
        dense = (iy * spec.nx + ix) * self.ncat + np.asarray(codes)[rows]
        del ix, iy
        # compact ids: only occupied (cell, category) groups get a column
        # (a bincount and a cumulative sum: O(n + cells), no sort)
        used = np.bincount(dense, minlength=spec.nx * spec.ny * self.ncat) > 0
        occupied = np.flatnonzero(used)
        remap = np.cumsum(used, dtype=np.int64) - 1
        groups = remap[dense].astype(np.int32)
        del used, remap, dense
        self.group_cell = occupied // self.ncat
        self.group_code = (occupied % self.ncat).astype(np.int32)
        first = np.ones(len(self.group_cell), dtype=bool)
        first[1:] = self.group_cell[1:] != self.group_cell[:-1]
        self.cells = self.group_cell[first]
        self.cell_of_group = np.cumsum(first) - 1
        ngroups = len(occupied)
        per_checkpoint = max(1, ngroups) * 12
        day = _day_numbers(np.asarray(days)[rows])
        prec = np.asarray(precision)[rows]
        loose = (prec == 2) | (prec == 3)
        if expand_imprecise and loose.any():
            # the day stream gets 60 % of the memory, the two period streams 20 %
            budget_bytes = budget_bytes // 5
            main_checkpoints = int(
                min(MAX_CHECKPOINTS, max(1, 3 * budget_bytes // per_checkpoint))
            )
        else:
            main_checkpoints = int(
                min(MAX_CHECKPOINTS, max(1, budget_bytes // per_checkpoint))
            )
        checkpoints = int(min(MAX_CHECKPOINTS, max(1, budget_bytes // per_checkpoint)))
        self.streams: list[tuple[str, _PrefixStream]] = []
        if expand_imprecise:
            exact = ~loose
            if exact.any():
                self._add(
                    "day",
                    day[exact],
                    groups[exact],
                    rows[exact],
                    ngroups,
                    main_checkpoints,
                )
            if loose.any():
                lo_d, hi_d = _period_days(day[loose], prec[loose])
                g, r = groups[loose], rows[loose]
                order = np.argsort(lo_d, kind="stable")
                self._add("lo", lo_d[order], g[order], r[order], ngroups, checkpoints)
                order = np.argsort(hi_d, kind="stable")
                self._add("hi", hi_d[order], g[order], r[order], ngroups, checkpoints)
        elif len(rows):
            self._add("day", day, groups, rows, ngroups, main_checkpoints)
        self.ngroups = ngroups

    def _add(
        self,
        kind: str,
        keys: np.ndarray,
        groups: np.ndarray,
        rows: np.ndarray,
        ngroups: int,
        checkpoints: int,
    ) -> None:
        self.streams.append(
            (
                kind,
                _PrefixStream(keys, groups, rows, ngroups, self._offsets, checkpoints),
            )
        )

    def _offsets(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Where events sit inside their cells (0–1 of a cell)."""
        spec = self.spec
        fx = (self._x[rows] - spec.x0) / spec.cell
        fy = (self._y[rows] - spec.y0) / spec.cell
        return fx - np.floor(fx), fy - np.floor(fy)

    @property
    def nbytes(self) -> int:
        """Memory held by the grid (bytes; the layer's coordinates not counted)."""
        return sum(stream.nbytes for _, stream in self.streams)

    def group_counts(
        self, start: np.datetime64, end: np.datetime64
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Events, summed x and y offsets per group in the inclusive window."""
        s = int(as_day(start).astype(np.int64))
        e = int(as_day(end).astype(np.int64))
        counts = np.zeros(self.ngroups, dtype=np.int64)
        sx = np.zeros(self.ngroups, dtype=np.float64)
        sy = np.zeros(self.ngroups, dtype=np.float64)
        if e < s:
            return counts, sx, sy
        for kind, stream in self.streams:
            if kind == "day":
                parts = [(+1, stream.before(e + 1)), (-1, stream.before(s))]
            elif kind == "lo":  # lo <= end
                parts = [(+1, stream.before(e + 1))]
            else:  # hi < start, subtracted
                parts = [(-1, stream.before(s))]
            for part_sign, (c, x, y) in parts:
                counts += part_sign * c
                sx += part_sign * x
                sy += part_sign * y
        return counts, sx, sy

    def marks(self, start: np.datetime64, end: np.datetime64) -> CellMarks:
        """One mark per occupied cell for the inclusive window ``[start, end]``."""
        counts, sx, sy = self.group_counts(start, end)
        ncells = len(self.cells)
        per_cell = np.bincount(self.cell_of_group, counts, minlength=ncells)
        cx = np.bincount(self.cell_of_group, sx, minlength=ncells)
        cy = np.bincount(self.cell_of_group, sy, minlength=ncells)
        table = np.zeros((ncells, self.ncat), dtype=np.int64)
        table[self.cell_of_group, self.group_code] = counts
        shown = np.flatnonzero(per_cell > 0)
        n = per_cell[shown]
        cell = self.cells[shown]
        ix = cell % self.spec.nx
        iy = cell // self.spec.nx
        spec = self.spec
        x = spec.x0 + (ix + cx[shown] / n) * spec.cell
        y = spec.y0 + (iy + cy[shown] / n) * spec.cell
        codes = table[shown].argmax(axis=1).astype(np.int32)
        return CellMarks(
            x=x,
            y=y,
            codes=codes,
            counts=n.astype(np.int64),
            total=int(n.sum()),
        )


class WindowTotals:
    """How many filtered events a window holds, in O(log N) per window.

    Prefix counts over the date-sorted rows (4 bytes per event) give the
    day-precision events; with ``expand_imprecise`` the week/month-precision
    ones are ``#(lo <= end) - #(hi < start)`` over their sorted periods.
    Equal to ``len(EventQuery.window_rows(...))`` (tested).

    Parameters
    ----------
    days : numpy.ndarray
        ``datetime64[D]`` per event, sorted ascending.
    precision : numpy.ndarray
        ACLED ``time_precision`` per event.
    keep : numpy.ndarray
        Boolean mask of events passing the filter.
    expand_imprecise : bool
        Week/month-precision events count where their period overlaps.
    """

    def __init__(
        self,
        days: np.ndarray,
        precision: np.ndarray,
        keep: np.ndarray,
        expand_imprecise: bool,
    ) -> None:
        self.days = days
        loose = (
            ((precision == 2) | (precision == 3))
            if expand_imprecise
            else np.zeros(len(days), dtype=bool)
        )
        exact = keep & ~loose
        self.cum = np.zeros(len(days) + 1, dtype=np.int32)
        np.cumsum(exact, out=self.cum[1:])
        chosen = keep & loose
        lo, hi = period_bounds(days[chosen], precision[chosen])
        self.lo = np.sort(lo)
        self.hi = np.sort(hi)

    def total(self, start: np.datetime64, end: np.datetime64) -> int:
        """Filtered events in the inclusive window ``[start, end]``."""
        start, end = as_day(start), as_day(end)
        i0 = int(np.searchsorted(self.days, start, "left"))
        i1 = max(i0, int(np.searchsorted(self.days, end, "right")))
        n = int(self.cum[i1]) - int(self.cum[i0])
        if len(self.lo):
            n += int(np.searchsorted(self.lo, end, "right"))
            n -= int(np.searchsorted(self.hi, start, "left"))
        return n


def _period_days(
    day: np.ndarray, precision: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """First and last day number of each event's week or month (ACLED precision)."""
    lo, hi = period_bounds(day.astype("datetime64[D]"), precision)
    return _day_numbers(lo), _day_numbers(hi)


def grid_for_view(
    view: tuple[float, float, float, float],
    pixels: tuple[int, int],
    cell_px: float,
    data: tuple[float, float, float, float] | None,
) -> GridSpec:
    """A grid of ``cell_px``-pixel cells covering the view and a view's margin.

    Parameters
    ----------
    view : tuple of float
        ``(xmin, ymin, xmax, ymax)`` shown, display coordinates (metres).
    pixels : tuple of int
        Width and height of the view on screen (device pixels).
    cell_px : float
        Cell edge on screen (pixels); the event symbol's size.
    data : tuple of float or None
        The events' extent; the grid is clipped to it.

    The origin is a multiple of the cell size, so panning inside the margin
    keeps the same cells.
    """
    xmin, ymin, xmax, ymax = view
    width = max(xmax - xmin, 1e-9)
    height = max(ymax - ymin, 1e-9)
    per_px = max(width / max(pixels[0], 1), height / max(pixels[1], 1))
    cell = max(per_px * cell_px, 1e-9)
    # snap the cell size to a power of √2 metres so small zooms keep it
    # (rounded down: a cell is never wider than a symbol, so dense areas stay
    # a carpet of overlapping symbols, as when each event is drawn)
    cell = float(2.0 ** (np.floor(2.0 * np.log2(cell)) / 2.0))
    gx0, gy0, gx1, gy1 = xmin - width, ymin - height, xmax + width, ymax + height
    if data is not None:
        gx0, gy0 = max(gx0, data[0]), max(gy0, data[1])
        gx1, gy1 = min(gx1, data[2]), min(gy1, data[3])
        if gx1 <= gx0 or gy1 <= gy0:
            gx0, gy0, gx1, gy1 = xmin, ymin, xmax, ymax
    x0 = np.floor(gx0 / cell) * cell
    y0 = np.floor(gy0 / cell) * cell
    nx = int(np.floor((gx1 - x0) / cell)) + 1
    ny = int(np.floor((gy1 - y0) / cell)) + 1
    return GridSpec(float(x0), float(y0), cell, nx, ny)
