"""Hilbert-curve keys for lon/lat points.

Rows of a stored partition are sorted by this key, so that events close on the
ground sit in the same Parquet row group; a row group then covers a small box
and its min/max statistics let a bounding-box read skip most row groups.
"""

from __future__ import annotations

import numpy as np

#: Bits per axis: 2**16 cells over 360° is about 600 m at the equator.
ORDER = 16


def hilbert_key(lon: np.ndarray, lat: np.ndarray, order: int = ORDER) -> np.ndarray:
    """Position of each point along a Hilbert curve over the whole globe (uint64).

    Non-finite coordinates get the largest key (sorted last).
    """
    lon = np.asarray(lon, dtype="float64")
    lat = np.asarray(lat, dtype="float64")
    n = np.int64(1) << order
    finite = np.isfinite(lon) & np.isfinite(lat)
    fx = np.where(finite, (lon + 180.0) / 360.0, 1.0)
    fy = np.where(finite, (lat + 90.0) / 180.0, 1.0)
    x = np.clip((fx * n).astype(np.int64), 0, n - 1)
    y = np.clip((fy * n).astype(np.int64), 0, n - 1)
    d = np.zeros(len(x), dtype=np.int64)
    s = n >> 1
    while s > 0:
        rx = (x & s) > 0
        ry = (y & s) > 0
        d += s * s * ((3 * rx.astype(np.int64)) ^ ry.astype(np.int64))
        # rotate the quadrant so the curve stays continuous
        flip = ~ry & rx
        x = np.where(flip, n - 1 - x, x)
        y = np.where(flip, n - 1 - y, y)
        swap = ~ry
        x, y = np.where(swap, y, x), np.where(swap, x, y)
        s >>= 1
    key = d.astype(np.uint64)
    key[~finite] = np.iinfo(np.uint64).max
    return key
