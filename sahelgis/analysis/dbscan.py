"""Exact DBSCAN in a metric plane, vectorised, without scipy.

Used by :func:`sahelgis.analysis.zones.support_zones` to cluster control
indicators. Points are binned in ``eps``-sized grid cells;
:func:`_neighbour_pairs` yields every pair within ``eps`` from the 3 x 3
neighbouring cells in bounded chunks, and clusters are joined with a
vectorised union-find (:func:`_find`, :func:`_union`). Points may carry
weights (events merged at one coordinate).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sahelgis.progress import NULL_PROGRESS, Progress

if TYPE_CHECKING:
    from collections.abc import Iterator


def _find(parent: np.ndarray, nodes: np.ndarray) -> np.ndarray:
    roots = parent[nodes]
    while True:
        nxt = parent[roots]
        if np.array_equal(nxt, roots):
            return roots
        roots = nxt


def _union(parent: np.ndarray, a: np.ndarray, b: np.ndarray) -> None:
    """Merge the sets of each pair ``(a[k], b[k])`` (vectorised union–find)."""
    while len(a):
        ra, rb = _find(parent, a), _find(parent, b)
        differ = ra != rb
        if not differ.any():
            return
        ra, rb = ra[differ], rb[differ]
        lo, hi = np.minimum(ra, rb), np.maximum(ra, rb)
        np.minimum.at(parent, hi, lo)
        # compress paths so the next round's finds are short
        parent[:] = parent[parent]
        a, b = lo, hi


def _neighbour_pairs(
    x: np.ndarray, y: np.ndarray, eps: float, chunk: int = 1_000_000
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield ``(i, j)`` arrays of all point pairs within ``eps`` (i != j).

    The pairs come in chunks of bounded size.
    """
    cx = np.floor((x - x.min()) / eps).astype(np.int64)
    cy = np.floor((y - y.min()) / eps).astype(np.int64)
    ny = int(cy.max()) + 3
    key = cx * ny + cy
    order = np.argsort(key, kind="stable")
    skey = key[order]
    uniq, first = np.unique(skey, return_index=True)
    last = np.append(first[1:], len(skey))
    eps2 = eps * eps
    for dx in (-1, 0, 1):
        for dy in (-1, 0, 1):
            target = key + dx * ny + dy
            pos = np.searchsorted(uniq, target)
            pos = np.minimum(pos, len(uniq) - 1)
            ok = uniq[pos] == target
            src = np.flatnonzero(ok)
            a = first[pos[src]]
            b = last[pos[src]]
            lengths = b - a
            # process sources in batches whose pair count stays bounded
            csum = np.cumsum(lengths)
            start = 0
            while start < len(src):
                base = csum[start - 1] if start else 0
                stop = int(np.searchsorted(csum, base + chunk, side="right"))
                stop = max(stop, start + 1)
                s_idx = src[start:stop]
                s_len = lengths[start:stop]
                total = int(s_len.sum())
                if total:
                    i = np.repeat(s_idx, s_len)
                    offs = np.repeat(a[start:stop] - np.cumsum(s_len) + s_len, s_len)
                    j = order[offs + np.arange(total)]
                    dxs = x[i] - x[j]
                    dys = y[i] - y[j]
                    close = (dxs * dxs + dys * dys <= eps2) & (i != j)
                    yield i[close], j[close]
                start = stop


def dbscan(
    x: np.ndarray,
    y: np.ndarray,
    eps: float,
    min_samples: float,
    weights: np.ndarray | None = None,
    progress: Progress = NULL_PROGRESS,
) -> np.ndarray:
    """DBSCAN cluster labels (``-1`` noise) of points in a metric plane.

    Parameters
    ----------
    x, y
        Coordinates, metres.
    eps
        Neighbourhood radius, metres (``<=`` counts).
    min_samples
        Total weight within ``eps`` (the point included) of a core point.
    weights
        Weight per point (e.g. events merged at one coordinate); default 1.

    Returns
    -------
    numpy.ndarray
        int64 labels 0..k-1 in order of first appearance, -1 for noise. Border
        points reachable from two clusters join the one found first.
    """
    x = np.asarray(x, dtype="float64")
    y = np.asarray(y, dtype="float64")
    n = len(x)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    w = np.ones(n) if weights is None else np.asarray(weights, dtype="float64")
    density = w.copy()
    for i, j in _neighbour_pairs(x, y, eps):
        progress.check()
        density += np.bincount(i, weights=w[j], minlength=n)
    core = density >= min_samples - 1e-9
    parent = np.arange(n)
    border_of = np.full(n, -1, dtype=np.int64)
    for i, j in _neighbour_pairs(x, y, eps):
        progress.check()
        both = core[i] & core[j]
        if both.any():
            _union(parent, i[both], j[both])
        border = ~core[i] & core[j]
        if border.any():
            border_of[i[border]] = j[border]
    labels = np.full(n, -1, dtype=np.int64)
    core_idx = np.flatnonzero(core)
    if len(core_idx) == 0:
        return labels
    roots = _find(parent, core_idx)
    _, compact = np.unique(roots, return_inverse=True)
    # renumber clusters in order of first appearance
    first_seen = np.full(compact.max() + 1, n, dtype=np.int64)
    np.minimum.at(first_seen, compact, core_idx)
    rank = np.argsort(np.argsort(first_seen))
    labels[core_idx] = rank[compact]
    has_border = border_of >= 0
    labels[has_border] = labels[border_of[has_border]]
    return labels
