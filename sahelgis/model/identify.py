"""Which events lie under a click: a pure search on projected coordinates."""

from __future__ import annotations

import numpy as np

from sahelgis.model.layers import EventLayer


def time_window_rows(
    layer: EventLayer, window: tuple[str, str] | None
) -> tuple[int, int]:
    """Row range ``[i0, i1)`` of a layer's events inside an inclusive ISO window."""
    if window is None:
        return 0, len(layer.events)
    start, end = (np.datetime64(d, "s") if d else None for d in window)
    return layer.events.index_range(start, end)


def events_near(
    layer: EventLayer,
    x: float,
    y: float,
    radius: float,
    window: tuple[str, str] | None = None,
) -> np.ndarray:
    """Row positions of events within ``radius`` display-CRS metres of (x, y).

    Sorted nearest first; only events inside the time window are considered.
    """
    i0, i1 = time_window_rows(layer, window)
    ex, ey = layer.display_xy()
    ex, ey = ex[i0:i1], ey[i0:i1]
    # cheap box test first, exact distance on the few candidates
    box = np.flatnonzero((np.abs(ex - x) <= radius) & (np.abs(ey - y) <= radius))
    if box.size == 0:
        return box
    d2 = (ex[box] - x) ** 2 + (ey[box] - y) ** 2
    keep = d2 <= radius * radius
    hits = box[keep]
    return hits[np.argsort(d2[keep], kind="stable")] + i0
