"""Emerging hot spots: space-time Getis-Ord Gi*, Mann–Kendall and categories.

The method follows ArcGIS's Emerging Hot Spot Analysis. Read from the stored
copy of its tool reference (https://pro.arcgis.com/en/pro-app/latest/
tool-reference/space-time-pattern-mining/emerginghotspots.htm): the eight
categories by name, a space-time Gi* with a "Neighborhood Distance" and a
"Neighborhood Time Step", fixed-distance weights of one, and the locations
analysed. The category rules below are those of its companion page "How
Emerging Hot Spot Analysis works" (learnmoreemerging.htm in the same folder),
which was not in the stored copies: they are written from ArcGIS's published
definitions as recalled, not checked word for word here.

- the cube: events counted per hexagon (equal-area LAEA grid, see
  :func:`sahelgis.analysis.areas.counts_per_hex`) and time step (month,
  quarter or year); as in ArcGIS, "the locations analyzed will be those with
  at least one point for at least one time-step interval";
- Gi* per bin (:func:`gi_star`): binary space-time weights — the bin itself,
  the hexagons within ``k`` rings (``k=1``: the 6 touching cells) in the same
  step, and the same cells in the ``lag`` steps before (ArcGIS's
  "neighborhood time step"); the mean and standard deviation are those of
  every bin of the cube (Getis & Ord 1992/1995, Gi* with the bin counted);
- significance: two-sided normal p-values, Benjamini–Hochberg false discovery
  rate over every bin of the cube (:func:`fdr_significant`), level ``alpha``;
- Mann–Kendall trend (:func:`mann_kendall`, the original test with the tie
  correction and continuity correction, as pymannkendall computes it) on each
  location's Gi* z-score series (what ArcGIS classifies by) and on its count
  series (shown in the table);
- categories (:func:`classify`), ArcGIS's definitions, "hot" meaning a bin
  significant with z > 0 and "cold" with z < 0 (cold spots mirror them):

  new: hot in the final step only, never hot before;
  consecutive: a single uninterrupted run of ≥ 2 hot steps ending at the
  final step, never hot before the run, fewer than 90% of steps hot;
  intensifying: hot in ≥ 90% of the steps including the final one, and the
  z-scores rise (significant Mann–Kendall trend up);
  persistent: hot in ≥ 90% of the steps including the final one, no
  significant trend;
  diminishing: hot in ≥ 90% of the steps including the final one, the
  z-scores fall significantly;
  sporadic: hot in the final step, on and off before, fewer than 90% of
  steps hot, never cold;
  oscillating: hot in the final step, cold in some earlier step, fewer than
  90% of steps hot;
  historical: not hot in the final step, hot in ≥ 90% of the steps;
  no pattern: none of these.

Caveat: with earlier steps in the neighbourhood (``lag`` ≥ 1) neighbouring
z-scores of a series share counts, so Mann–Kendall (which assumes independent
values) finds a trend more often than ``alpha``: measured on 30 seeded steady
clusters, 5 were called intensifying or diminishing at lag 1, 2 at lag 0.

Implementation choice, measured here (pip, Python 3.11, Linux x86-64):
installing ``esda`` and ``pymannkendall`` adds libpysal, scipy, scikit-learn,
threadpoolctl, beautifulsoup4 and more — well over the 30 MB budget of the
bundle: the venv's site-packages grew from 1309 MB to 1523 MB (+214 MB,
``du -sm``) when ``pip install esda pymannkendall`` added esda 2.9.0,
libpysal 4.14.1, scipy 1.17.1, scikit-learn 1.9.1 and five small packages,
while the two statistics are a few dozen lines of numpy.
So Gi* and Mann–Kendall are computed here in numpy; esda.G_Local and
pymannkendall are the test references (``test`` extra) and
benchmarks/change_bench.py's baseline.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sahelgis.errors import SahelGISError

if TYPE_CHECKING:
    import geopandas as gpd

    from sahelgis.model.events import EventTable

#: Category names (hot; the cold ones replace "hot" by "cold").
KINDS = (
    "new",
    "consecutive",
    "intensifying",
    "persistent",
    "diminishing",
    "sporadic",
    "oscillating",
    "historical",
)
NO_PATTERN = "no pattern"
#: One legend line per category (the map's category values).
EXPLAIN: dict[str, str] = {
    "new": "hot only in the last step, never before",
    "consecutive": "hot in an unbroken run of recent steps, never before",
    "intensifying": "hot ≥ 90% of steps, rising",
    "persistent": "hot ≥ 90% of steps, no trend",
    "diminishing": "hot ≥ 90% of steps, falling",
    "sporadic": "hot in the last step, on and off before",
    "oscillating": "hot in the last step, cold before",
    "historical": "hot ≥ 90% of steps, but not the last",
}
#: Colours: hot categories reds/oranges, cold categories blues, no pattern grey.
HOT_COLORS: dict[str, str] = {
    "new": "#67000D",
    "consecutive": "#A50F15",
    "intensifying": "#EF3B2C",
    "persistent": "#FB6A4A",
    "diminishing": "#FC9272",
    "sporadic": "#FEB24C",
    "oscillating": "#D94801",
    "historical": "#FDD0A2",
}
COLD_COLORS: dict[str, str] = {
    "new": "#08306B",
    "consecutive": "#08519C",
    "intensifying": "#2171B5",
    "persistent": "#4292C6",
    "diminishing": "#6BAED6",
    "sporadic": "#9ECAE1",
    "oscillating": "#3F007D",
    "historical": "#C6DBEF",
}
NO_PATTERN_COLOR = "#E0E0E0"
STEPS = ("month", "quarter", "year")
#: Most bins (hexagons × steps) a cube may hold (about 1 GB of working arrays).
MAX_BINS = 20_000_000


def legend_label(category: str) -> str:
    """The one-line legend text of a category ("new hot spot: hot only ...")."""
    if category == NO_PATTERN:
        return "no pattern: none of the categories"
    kind, side = category.rsplit(" ", 2)[0], category.split(" ")[-2]
    text = EXPLAIN[kind]
    if side == "cold":
        text = text.replace("hot", "cold").replace("rising", "colder")
        text = text.replace("falling", "less cold").replace("cold before", "hot before")
    return f"{category}: {text}"


def category_colors() -> dict[str, str]:
    """Legend label → colour for every category."""
    out = {legend_label(f"{k} hot spot"): c for k, c in HOT_COLORS.items()}
    out |= {legend_label(f"{k} cold spot"): c for k, c in COLD_COLORS.items()}
    out[legend_label(NO_PATTERN)] = NO_PATTERN_COLOR
    return out


# -------------------------------------------------------------------- cube ---
@dataclass
class Cube:
    """Events per hexagon and time step.

    Attributes
    ----------
    q, r
        Axial coordinates of the hexagons (int64, one per location).
    steps
        Step labels ("2023-01", "2023Q1", "2023").
    counts
        Events, shape ``(locations, steps)``, int64.
    size_m
        Hexagon size (centre to centre), metres.
    centre
        LAEA centre of the grid (lon, lat degrees).
    """

    q: np.ndarray
    r: np.ndarray
    steps: list[str]
    counts: np.ndarray
    size_m: float
    centre: tuple[float, float]

    @property
    def ids(self) -> list[str]:
        """Hexagon ids "q_r" (as :func:`counts_per_hex` names them)."""
        return [f"{a}_{b}" for a, b in zip(self.q, self.r, strict=True)]

    def cells(self) -> gpd.GeoDataFrame:
        """The hexagons as polygons, EPSG:4326."""
        from sahelgis.analysis.areas import _hex_frame, hex_crs

        return _hex_frame(self.q, self.r, self.size_m, hex_crs(*self.centre))


def step_codes(dates: np.ndarray, step: str) -> tuple[np.ndarray, list[str]]:
    """Step index of each date (0 = first step of the span) and every label.

    Every step between the first and the last date is listed, empty or not.
    """
    months = dates.astype("datetime64[M]").astype(np.int64)  # months since 1970
    if step == "month":
        unit = months
    elif step == "quarter":
        unit = months // 3
    elif step == "year":
        unit = months // 12
    else:
        raise ValueError(f"step {step!r}: use one of {', '.join(STEPS)}")
    if len(unit) == 0:
        return unit, []
    first, last = int(unit.min()), int(unit.max())
    labels = []
    for u in range(first, last + 1):
        if step == "month":
            labels.append(f"{1970 + u // 12}-{u % 12 + 1:02d}")
        elif step == "quarter":
            labels.append(f"{1970 + u // 4}Q{u % 4 + 1}")
        else:
            labels.append(str(1970 + u))
    return unit - first, labels


def build_cube(
    events: EventTable,
    size_m: float,
    step: str,
    rows: np.ndarray | None = None,
    *,
    centre: tuple[float, float] | None = None,
) -> Cube:
    """Count events per hexagon and time step.

    Parameters
    ----------
    events
        The events (EPSG:4326 lon/lat).
    size_m
        Hexagon size, centre to centre, metres.
    step
        "month", "quarter" or "year".
    rows
        Events to count (positions or mask); None for all.
    centre
        LAEA centre (lon, lat degrees); default as :func:`counts_per_hex`.

    Returns
    -------
    Cube
        Locations holding at least one event, every step of the span.
    """
    from pyproj import Transformer

    from sahelgis.analysis.areas import _hex_centre_for, _xy_to_axial, hex_crs
    from sahelgis.analysis.results import as_rows
    from sahelgis.model.crs import WGS84

    if not size_m > 0:
        raise ValueError(f"hexagon size must be > 0 m, got {size_m}")
    centre = centre or _hex_centre_for(events)
    crs = hex_crs(*centre)
    x, y = events.projected_xy(
        crs.srs, Transformer.from_crs(WGS84, crs, always_xy=True)
    )
    keep = as_rows(rows, len(events))
    q, r = _xy_to_axial(x[keep], y[keep], size_m)
    t, labels = step_codes(events.dates[keep], step)
    key = (q << 32) ^ (r & 0xFFFFFFFF)
    unique, loc = np.unique(key, return_inverse=True)
    uq = unique >> 32
    ur = (unique & 0xFFFFFFFF).astype(np.int64)
    ur = np.where(ur >= 2**31, ur - 2**32, ur)
    n_t = len(labels)
    if len(unique) * n_t > MAX_BINS:
        raise SahelGISError(
            f"{len(unique):,} hexagons × {n_t:,} steps is more than "
            f"{MAX_BINS:,} bins; choose a larger hexagon size or a longer step"
        )
    counts = np.bincount(loc.ravel() * n_t + t, minlength=len(unique) * n_t).reshape(
        len(unique), n_t
    )
    return Cube(uq, ur, labels, counts.astype(np.int64), float(size_m), centre)


# --------------------------------------------------------------- neighbours ---
def ring_offsets(k: int) -> list[tuple[int, int]]:
    """Axial offsets of the hexagons within ``k`` rings (the cell included)."""
    return [
        (dq, dr)
        for dq in range(-k, k + 1)
        for dr in range(max(-k, -dq - k), min(k, -dq + k) + 1)
    ]


def neighbour_index(q: np.ndarray, r: np.ndarray, k: int) -> np.ndarray:
    """For each location and ring offset, the neighbour's row (-1: not a location).

    Returns
    -------
    numpy.ndarray
        Shape ``(locations, offsets)``, int64.
    """
    key = (q << 32) ^ (r & 0xFFFFFFFF)
    order = np.argsort(key)
    sorted_key = key[order]
    out = np.full((len(q), len(ring_offsets(k))), -1, dtype=np.int64)
    for j, (dq, dr) in enumerate(ring_offsets(k)):
        want = ((q + dq) << 32) ^ ((r + dr) & 0xFFFFFFFF)
        pos = np.searchsorted(sorted_key, want)
        pos = np.minimum(pos, len(sorted_key) - 1)
        found = sorted_key[pos] == want if len(sorted_key) else np.zeros(0, bool)
        out[:, j] = np.where(found, order[pos], -1)
    return out


# ---------------------------------------------------------------------- Gi* ---
def gi_star(counts: np.ndarray, neighbours: np.ndarray, lag: int = 1) -> np.ndarray:
    """Space-time Gi* z-scores of every bin.

    Parameters
    ----------
    counts
        Values, shape ``(locations, steps)``.
    neighbours
        From :func:`neighbour_index`: the spatial neighbours (the cell
        included) of each location; -1 for none.
    lag
        Earlier steps in the neighbourhood (0: the same step only).

    Returns
    -------
    numpy.ndarray
        Gi* z-scores, shape ``(locations, steps)``; 0 where the cube has no
        variance.
    """
    x = counts.astype(np.float64)
    n_loc, n_t = x.shape
    n = n_loc * n_t
    # sum over the space neighbourhood, then over the time window
    padded = np.vstack([x, np.zeros((1, n_t))])
    idx = np.where(neighbours < 0, n_loc, neighbours)
    space = np.zeros_like(x)  # (locations, steps), one offset at a time
    for j in range(idx.shape[1]):
        space += padded[idx[:, j]]
    n_space = (neighbours >= 0).sum(axis=1).astype(np.float64)[:, None]
    csum = np.concatenate([np.zeros((n_loc, 1)), np.cumsum(space, axis=1)], axis=1)
    t = np.arange(n_t)
    lo = np.maximum(t - lag, 0)
    total = csum[:, t + 1] - csum[:, lo]
    w_sum = n_space * (t - lo + 1)[None, :]  # binary weights: Σw = Σw²
    mean = x.mean()
    s = math.sqrt(max(float((x * x).mean() - mean * mean), 0.0))
    if s == 0 or n < 2:
        return np.zeros_like(x)
    denom = s * np.sqrt((n * w_sum - w_sum * w_sum) / (n - 1))
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (total - mean * w_sum) / denom
    return np.where(denom > 0, z, 0.0)


def two_sided_p(z: np.ndarray) -> np.ndarray:
    """Two-sided p-values of standard normal z-scores (``erfc(|z|/√2)``)."""
    flat = np.abs(np.asarray(z, dtype=np.float64)).ravel() / math.sqrt(2.0)
    return np.fromiter((math.erfc(v) for v in flat), np.float64, len(flat)).reshape(
        np.shape(z)
    )


def fdr_significant(p: np.ndarray, alpha: float) -> np.ndarray:
    """Benjamini–Hochberg: which p-values pass at false discovery rate ``alpha``."""
    flat = np.asarray(p, dtype=np.float64).ravel()
    m = len(flat)
    if m == 0:
        return np.zeros(np.shape(p), dtype=bool)
    order = np.argsort(flat, kind="stable")
    ranked = flat[order]
    passing = ranked <= alpha * np.arange(1, m + 1) / m
    out = np.zeros(m, dtype=bool)
    if passing.any():
        last = int(np.nonzero(passing)[0][-1])
        out[order[: last + 1]] = True
    return out.reshape(np.shape(p))


# ------------------------------------------------------------- Mann–Kendall ---
@dataclass
class Trend:
    """Mann–Kendall test results per series (arrays, one value per row)."""

    s: np.ndarray
    var_s: np.ndarray
    z: np.ndarray
    p: np.ndarray
    tau: np.ndarray


def mann_kendall(series: np.ndarray) -> Trend:
    """The original Mann–Kendall test of each row (as pymannkendall's original_test).

    Parameters
    ----------
    series
        Shape ``(rows, n)``: one time series per row, in time order.

    Returns
    -------
    Trend
        S, its variance (tie-corrected), z (continuity-corrected), two-sided
        p and Kendall's tau = S / (n(n-1)/2).
    """
    x = np.asarray(series, dtype=np.float64)
    rows, n = x.shape
    s = np.zeros(rows, dtype=np.float64)
    for i in range(n - 1):  # n steps of vector work over every row
        s += np.sign(x[:, i + 1 :] - x[:, i : i + 1]).sum(axis=1)
    var = np.full(rows, n * (n - 1) * (2 * n + 5), dtype=np.float64)
    srt = np.sort(x, axis=1)
    # tie groups: runs of equal sorted values
    starts = np.ones((rows, n), dtype=bool)
    starts[:, 1:] = srt[:, 1:] != srt[:, :-1]
    for row in np.nonzero(~starts.all(axis=1))[0]:
        bounds = np.append(np.nonzero(starts[row])[0], n)
        tp = np.diff(bounds).astype(np.float64)
        var[row] -= float(np.sum(tp * (tp - 1) * (2 * tp + 5)))
    var /= 18.0
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(
            s > 0, (s - 1) / np.sqrt(var), np.where(s < 0, (s + 1) / np.sqrt(var), 0.0)
        )
    z = np.where(var > 0, z, 0.0)
    tau = s / (0.5 * n * (n - 1)) if n > 1 else np.zeros(rows)
    return Trend(s, var, z, two_sided_p(z), tau)


# --------------------------------------------------------------- categories ---
def classify(z: np.ndarray, significant: np.ndarray, trend_z: np.ndarray,
             trend_p: np.ndarray, alpha: float) -> list[str]:  # fmt: skip
    """ArcGIS's emerging hot spot category of each location.

    Parameters
    ----------
    z
        Gi* z-scores, shape ``(locations, steps)``.
    significant
        Which bins are significant (after the FDR correction).
    trend_z, trend_p
        Mann–Kendall z and p of each location's z-score series.
    alpha
        Level of the trend test.

    Returns
    -------
    list of str
        "new hot spot", "persistent cold spot", ..., or "no pattern".
    """
    out = []
    n_t = z.shape[1]
    hot_all = significant & (z > 0)
    cold_all = significant & (z < 0)
    for i in range(z.shape[0]):
        label = NO_PATTERN
        for side, hot, other in (
            ("hot", hot_all[i], cold_all[i]),
            ("cold", cold_all[i], hot_all[i]),
        ):
            kind = _kind(hot, other, trend_z[i], trend_p[i], alpha, n_t, side)
            if kind:
                label = f"{kind} {side} spot"
                break
        out.append(label)
    return out


def _kind(hot: np.ndarray, other: np.ndarray, tz: float, tp: float,
          alpha: float, n_t: int, side: str) -> str:  # fmt: skip
    if n_t == 0 or not hot.any():
        return ""
    share = hot.sum() / n_t
    last = bool(hot[-1])
    if share >= 0.9:
        if not last:
            return "historical"
        rising = tz > 0 if side == "hot" else tz < 0  # colder z means more intense
        if tp < alpha and tz != 0:
            return "intensifying" if rising else "diminishing"
        return "persistent"
    if not last:
        return ""
    before = hot[:-1]
    if not before.any():
        return "new"
    run = n_t - int(np.argmin(hot[::-1])) if not hot.all() else n_t
    if not hot[: n_t - run].any() and run >= 2:
        return "consecutive"
    if other.any():
        return "oscillating"
    return "sporadic"


# ------------------------------------------------------------------- result ---
def emerging_hot_spots(
    cube: Cube, *, k: int = 1, lag: int = 1, alpha: float = 0.05
) -> tuple[pd.DataFrame, np.ndarray]:
    """The emerging hot spot table of a cube.

    Parameters
    ----------
    cube
        Events per hexagon and step.
    k
        Hexagon rings in the neighbourhood (1: the 6 touching cells).
    lag
        Earlier steps in the neighbourhood.
    alpha
        False discovery rate of the Gi* bins and level of the trend tests.

    Returns
    -------
    (table, z)
        ``table``: ``hex_id``, ``category``, ``trend_tau``, ``trend_p`` (of
        the Gi* z series), ``count_tau``, ``count_p`` (of the counts),
        ``last_z``, ``hot_steps``, ``cold_steps``, ``events``, ``last_count``;
        ``z``: the Gi* z-scores, shape ``(locations, steps)``.
    """
    neighbours = neighbour_index(cube.q, cube.r, k)
    z = gi_star(cube.counts, neighbours, lag)
    significant = fdr_significant(two_sided_p(z), alpha)
    trend = mann_kendall(z)
    count_trend = mann_kendall(cube.counts)
    categories = classify(z, significant, trend.z, trend.p, alpha)
    n_t = z.shape[1]
    table = pd.DataFrame(
        {
            "hex_id": cube.ids,
            "category": categories,
            "trend_tau": trend.tau,
            "trend_p": trend.p,
            "count_tau": count_trend.tau,
            "count_p": count_trend.p,
            "last_z": z[:, -1] if n_t else np.zeros(len(cube.q)),
            "hot_steps": (significant & (z > 0)).sum(axis=1),
            "cold_steps": (significant & (z < 0)).sum(axis=1),
            "events": cube.counts.sum(axis=1),
            "last_count": cube.counts[:, -1] if n_t else np.zeros(len(cube.q), int),
        }
    )
    return table, z
