"""Which events lie under a click: a pure search on projected coordinates."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sahelgis.model.layers import EventLayer


def events_near(
    layer: EventLayer,
    x: float,
    y: float,
    radius: float,
    rows: np.ndarray | None = None,
) -> np.ndarray:
    """Row positions of events within ``radius`` display-CRS metres of (x, y).

    Sorted nearest first; only ``rows`` (e.g. the events shown in the current
    window and filter) are considered when given.

    Parameters
    ----------
    layer
        The event layer.
    x, y
        The point, display-CRS metres.
    radius
        Search radius, display-CRS metres.
    rows
        Rows to consider (positions); None for every event.

    Returns
    -------
    numpy.ndarray
        Row positions of the events within ``radius``, nearest first.
    """
    ex, ey = layer.display_xy()
    if rows is not None:
        ex, ey = ex[rows], ey[rows]
    # cheap box test first, exact distance on the few candidates
    box = np.flatnonzero((np.abs(ex - x) <= radius) & (np.abs(ey - y) <= radius))
    if box.size == 0:
        return box
    d2 = (ex[box] - x) ** 2 + (ey[box] - y) ** 2
    keep = d2 <= radius * radius
    hits = box[keep][np.argsort(d2[keep], kind="stable")]
    return hits if rows is None else rows[hits]
