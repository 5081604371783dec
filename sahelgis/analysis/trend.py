"""Trend per place: a place's monthly event series, its fitted trend and change.

A place is one polygon in EPSG:4326 lon/lat degrees: an area of a layer
(cercle, region, hexagon), a ring of a town buffer or a segment of a road
corridor. Its monthly series is counted by
:func:`sahelgis.analysis.areas.counts_per_area` with ``by = "month"`` on the
events already selected by the filter (``rows``), so the months add up to what
``sahelgis counts`` gives for that polygon, window and filter (one answer).
Months with no event are zeros; the series runs over every calendar month
from the window's first to its last (or the considered events' first and
last when no window is given).

Method
------
Trend: the Theil–Sen slope (median of the pairwise slopes, events per month,
with its 95% confidence interval; :func:`theil_sen`, equal to
``scipy.stats.theilslopes``) and the Mann–Kendall test of a monotonic trend
(S, tie-corrected variance, continuity-corrected z, two-sided p and tau =
S/(n(n-1)/2); :func:`sahelgis.analysis.hotspots.mann_kendall`, equal to
pymannkendall's ``original_test``). Both in numpy: scipy would add about
100 MB to the offline bundle for two formulas (tests check both against
scipy and pymannkendall). Chosen over
ordinary least squares because monthly conflict counts are skewed and carry
outlier months (one mass-casualty week can double a month): Theil–Sen ignores
up to 29% of outlying points and Mann–Kendall assumes no normal distribution.
Neither corrects for autocorrelation between months, so p is optimistic when
months follow each other closely; the notes say so.

Change since a date: the date is taken at the start of its month; the mean
monthly count of the months from it on ("after") is compared with that of the
months before it ("before"); change % = 100·(after − before)/before, NaN when
before is 0 or a side has no month.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sahelgis.analysis.areas import counts_per_area
from sahelgis.analysis.results import COUNT
from sahelgis.errors import SahelGISError

if TYPE_CHECKING:
    import geopandas as gpd
    from shapely.geometry.base import BaseGeometry

    from sahelgis.model.events import EventTable

__all__ = [
    "METHOD",
    "PlaceTrend",
    "month_range",
    "monthly_series",
    "place_at",
    "place_trend",
    "series_over",
    "trend_notes",
    "trend_summary",
]

#: The method in one line, as slide notes and the panel state it.
METHOD = (
    "Theil–Sen slope (median of pairwise slopes, 95% CI, Sen 1968) with the "
    "Mann–Kendall test (tie-corrected variance, continuity-corrected z, "
    "two-sided p; tau = S/(n(n-1)/2))"
)
_PLACE = "place"


def month_range(first: str, last: str) -> list[str]:
    """Every calendar month from ``first`` to ``last``, both included.

    Parameters
    ----------
    first, last
        ISO days or months (``YYYY-MM-DD`` or ``YYYY-MM``).

    Returns
    -------
    list of str
        ``YYYY-MM`` labels.
    """
    a = np.datetime64(str(first)[:7], "M")
    b = np.datetime64(str(last)[:7], "M")
    if b < a:
        raise SahelGISError(f"trend: window end {last} is before its start {first}")
    return [str(m) for m in np.arange(a, b + 1)]


def monthly_series(
    events: EventTable,
    polygon: BaseGeometry,
    rows: np.ndarray | None = None,
    window: tuple[str, str] | None = None,
) -> pd.Series:
    """Events per calendar month inside a polygon.

    Parameters
    ----------
    events
        The events (WGS84 lon/lat).
    polygon
        The place, a (Multi)Polygon in EPSG:4326 lon/lat degrees.
    rows
        Events selected by the filter and window (positions or a mask);
        None for all.
    window
        ``(first_day, last_day)`` ISO days: the months the series covers.
        None: the months of the first and last considered event.

    Returns
    -------
    pandas.Series
        int64 counts (events per month) indexed by ``YYYY-MM``, zeros included.
    """
    import geopandas as gpd

    frame = gpd.GeoDataFrame({_PLACE: ["place"]}, geometry=[polygon], crs="EPSG:4326")
    table = counts_per_area(events, frame, _PLACE, rows, by="month", keep_zeros=False)
    return series_over(table, events, rows, window)


def series_over(
    table: pd.DataFrame,
    events: EventTable,
    rows: np.ndarray | None = None,
    window: tuple[str, str] | None = None,
) -> pd.Series:
    """Monthly counts of a tidy table over every month of the window.

    Parameters
    ----------
    table
        Rows with ``month`` (``YYYY-MM``) and ``count`` (summed per month).
    events, rows
        The considered events: their first and last day are the months'
        span when ``window`` is None.
    window
        ``(first_day, last_day)`` ISO days, or None.

    Returns
    -------
    pandas.Series
        int64 events per month indexed by ``YYYY-MM``, zeros included (empty
        when there is no window and no considered event).
    """
    counts = table.groupby(table["month"].astype(str))[COUNT].sum()
    if window is None:
        considered = events.dates if rows is None else events.dates[rows]
        if len(considered) == 0:
            return pd.Series(dtype="int64")
        window = (str(considered.min())[:10], str(considered.max())[:10])
    months = month_range(*window)
    return counts.reindex(months, fill_value=0).astype(np.int64)


@dataclass(frozen=True)
class PlaceTrend:
    """A place's monthly series with its Theil–Sen trend and change since a date.

    Attributes
    ----------
    place
        The place's name as shown ("Gao cercle", "ring 0–10 km", ...).
    months
        ``YYYY-MM`` labels.
    counts
        Events per month (int64), same length as ``months``.
    slope
        Theil–Sen slope, events per month per month.
    intercept
        Fitted count at the first month (events per month).
    slope_low, slope_high
        95% confidence interval of the slope.
    tau, p
        Kendall's tau-b of month index vs count and its two-sided p
        (Mann–Kendall); NaN for fewer than 3 months or a constant series.
    since
        First month of "after" (``YYYY-MM``), or None.
    mean_before, mean_after
        Mean monthly counts before and from ``since`` (NaN for no month).
    change_pct
        ``100·(after − before)/before`` (NaN when before is 0).
    filter_text
        The event filter in words.
    """

    place: str
    months: list[str]
    counts: np.ndarray
    slope: float
    intercept: float
    slope_low: float
    slope_high: float
    tau: float
    p: float
    since: str | None = None
    mean_before: float = math.nan
    mean_after: float = math.nan
    change_pct: float = math.nan
    filter_text: str = "all events"
    source: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def fitted(self) -> np.ndarray:
        """The trend line at every month (events per month)."""
        x = np.arange(len(self.months), dtype="float64")
        return self.intercept + self.slope * x

    @property
    def total(self) -> int:
        """Events in the series."""
        return int(self.counts.sum())


#: Standard normal quantile of a two-sided 95 % interval.
_Z95 = 1.959963984540054


def _tie_term(values: np.ndarray) -> float:
    """Sum of t(t-1)(2t+5) over groups of equal values (Kendall's variance)."""
    _, counts = np.unique(values, return_counts=True)
    t = counts[counts > 1].astype("float64")
    return float(np.sum(t * (t - 1) * (2 * t + 5)))


def theil_sen(
    y: np.ndarray, x: np.ndarray
) -> tuple[float, float, float, float]:
    """Theil–Sen slope, intercept and 95 % slope interval (Sen 1968, eq. 2.6).

    The same numbers as ``scipy.stats.theilslopes(y, x, alpha=0.95)`` (its
    "separate" intercept: median(y) − slope·median(x)), in plain numpy so the
    bundle needs no scipy (tests check the equality with scipy).

    Parameters
    ----------
    y, x
        Values and their positions (here: counts per month, month index).

    Returns
    -------
    slope, intercept, low, high
        Units of y per unit of x.
    """
    i, j = np.triu_indices(len(x), k=1)
    dx = x[j] - x[i]
    keep = dx > 0
    slopes = np.sort((y[j] - y[i])[keep] / dx[keep])
    slope = float(np.median(slopes))
    intercept = float(np.median(y) - slope * np.median(x))
    n = len(y)
    sigsq = (n * (n - 1) * (2 * n + 5) - _tie_term(x) - _tie_term(y)) / 18.0
    nt = len(slopes)
    sigma = math.sqrt(sigsq) if sigsq >= 0 else math.nan
    if not nt or math.isnan(sigma):
        return slope, intercept, math.nan, math.nan
    upper = min(int(np.round((nt + _Z95 * sigma) / 2.0)), nt - 1)
    lower = max(int(np.round((nt - _Z95 * sigma) / 2.0)) - 1, 0)
    return slope, intercept, float(slopes[lower]), float(slopes[upper])


def _fit(counts: np.ndarray) -> tuple[float, float, float, float, float, float]:
    from sahelgis.analysis.hotspots import mann_kendall

    nan = math.nan
    if len(counts) < 2:
        level = float(counts[0]) if len(counts) else nan
        return 0.0, level, nan, nan, nan, nan
    x = np.arange(len(counts), dtype="float64")
    y = counts.astype("float64")
    slope, intercept, low, high = theil_sen(y, x)
    if len(counts) >= 3 and np.ptp(y) > 0:
        mk = mann_kendall(y[None, :])
        tau, p = float(mk.tau[0]), float(mk.p[0])
    else:
        tau = p = nan
    return slope, intercept, low, high, tau, p


def place_trend(
    series: pd.Series,
    place: str,
    since: str | None = None,
    *,
    filter_text: str = "all events",
    source: str = "",
) -> PlaceTrend:
    """Fit the trend of a monthly series and its change since a date.

    Parameters
    ----------
    series
        Events per month indexed by ``YYYY-MM`` (:func:`monthly_series`).
    place
        The place's name.
    since
        ISO day or month; taken at the start of its month. None: no change.
    filter_text
        The event filter in words (for the notes).
    source
        Data credit (for the notes).

    Returns
    -------
    PlaceTrend
    """
    months = [str(m) for m in series.index]
    counts = series.to_numpy(dtype=np.int64)
    slope, intercept, low, high, tau, p = _fit(counts)
    before = after = pct = math.nan
    since_month = None
    if since:
        since_month = str(np.datetime64(str(since)[:7], "M"))
        idx = np.array(months, dtype=object)
        b = counts[idx < since_month]
        a = counts[idx >= since_month]
        before = float(b.mean()) if len(b) else math.nan
        after = float(a.mean()) if len(a) else math.nan
        if len(b) and len(a) and before > 0:
            pct = round(100.0 * (after - before) / before, 1)
    return PlaceTrend(
        place=place,
        months=months,
        counts=counts,
        slope=slope,
        intercept=intercept,
        slope_low=low,
        slope_high=high,
        tau=tau,
        p=p,
        since=since_month,
        mean_before=before,
        mean_after=after,
        change_pct=pct,
        filter_text=filter_text,
        source=source,
    )


def _num(value: float, digits: int = 2) -> str:
    return "n/a" if math.isnan(value) else f"{value:.{digits}f}"


def _p(value: float) -> str:
    if math.isnan(value):
        return "n/a"
    return "< 0.001" if value < 0.001 else f"= {value:.3f}"


def trend_summary(trend: PlaceTrend) -> str:
    """One line for the panel: slope, p and the change since the date."""
    text = (
        f"{trend.place}: {trend.total:,} events in {len(trend.months)} months; "
        f"trend {trend.slope:+.2f} events/month per month "
        f"(95% CI {_num(trend.slope_low)} to {_num(trend.slope_high)}), "
        f"Mann–Kendall p {_p(trend.p)}"
    )
    if trend.since:
        pct = "n/a" if math.isnan(trend.change_pct) else f"{trend.change_pct:+.1f}%"
        text += (
            f"; since {trend.since}: {_num(trend.mean_after)}/month vs "
            f"{_num(trend.mean_before)}/month before ({pct})"
        )
    return text


def trend_notes(trend: PlaceTrend) -> str:
    """Slide notes: place, filter, months, method, fit, change and the series."""
    lines = []
    if trend.source:
        lines.append(f"Source: {trend.source}")
    lines += [
        f"Place: {trend.place}",
        f"Event filter: {trend.filter_text}",
        f"Months: {trend.months[0]} to {trend.months[-1]} ({len(trend.months)})"
        if trend.months
        else "Months: none",
        "Counting: events inside the place's polygon (lon/lat point in polygon, "
        "EPSG:4326) per calendar month of their coded date, as sahelgis counts",
        f"Method: {METHOD}. Autocorrelation between months is not corrected, "
        "so p is optimistic.",
        f"Slope: {trend.slope:+.3f} events/month per month (95% CI "
        f"{_num(trend.slope_low, 3)} to {_num(trend.slope_high, 3)}); "
        f"intercept {trend.intercept:.2f} at "
        f"{trend.months[0] if trend.months else '-'}",
        f"Mann–Kendall: tau = {_num(trend.tau, 3)}, p = {_num(trend.p, 4)}",
    ]
    if trend.since:
        pct = "n/a" if math.isnan(trend.change_pct) else f"{trend.change_pct:+.1f}%"
        lines.append(
            f"Change since {trend.since} (start of month): mean "
            f"{_num(trend.mean_after, 2)} events/month from it vs "
            f"{_num(trend.mean_before, 2)} before ({pct})"
        )
    lines.append(
        "Series: "
        + ", ".join(
            f"{m} {int(c)}" for m, c in zip(trend.months, trend.counts, strict=True)
        )
    )
    lines.extend(f"{k}: {v}" for k, v in trend.extra.items())
    return "\n".join(lines)


def place_at(
    frame: gpd.GeoDataFrame, lon: float, lat: float, tolerance: float = 0.0
) -> tuple[int, str] | None:
    """The polygon of a result layer under a point, and its name.

    Parameters
    ----------
    frame
        Polygons in EPSG:4326 (areas, buffer rings, corridor segments).
    lon, lat
        The point, degrees.
    tolerance
        How near a line (a corridor segment) the point may be, degrees.

    Returns
    -------
    (int, str) or None
        Row position and name (the first text column, e.g. ``name_fr``,
        ``hex_id``, a ring or segment label) of the last polygon drawn there
        (drawn on top), or None when no polygon holds the point and no
        line passes within ``tolerance``.
    """
    from shapely.geometry import Point

    point = Point(lon, lat)
    hits = [
        i
        for i, geom in enumerate(frame.geometry)
        if geom is not None
        and (
            geom.covers(point)
            if geom.geom_type in ("Polygon", "MultiPolygon")
            else geom.geom_type in ("LineString", "MultiLineString")
            and geom.distance(point) <= tolerance
        )
    ]
    if not hits:
        return None
    i = hits[-1]
    names = [
        c
        for c in frame.columns
        if c != frame.geometry.name
        and (
            pd.api.types.is_string_dtype(frame[c])
            or isinstance(frame[c].dtype, pd.CategoricalDtype)
        )
    ]
    name = str(frame[names[0]].iloc[i]) if names else f"feature {i + 1}"
    return i, name
