"""Change over time per area: two periods compared, and surge/threat alerts.

Both start from one table, events per area and day (``area``, ``day``,
``count``), computed by the same point-in-area machinery as the counts per
area (:func:`sahelgis.analysis.areas.counts_per_area` with ``by="day"``), so
a period's count per area is exactly what ``sahelgis counts`` gives for the
same dates and filter. Days are ISO text (``"2023-04-01"``), which sort and
compare as dates.

Compare
-------
:func:`compare_periods` sums the days of period A and of period B (both ends
included) per area: ``count_a``, ``count_b``, ``change = B − A``,
``change_pct = 100·(B − A)/A`` (to 0.1) and ``ratio = B/A`` (to 0.001; NaN
when A = 0), and a
``status``: ``new`` (A = 0 < B), ``gone`` (B = 0 < A), ``up``, ``down``,
``same`` or ``none`` (no event in either). :func:`change_class` puts each area
in a diverging class of its percent change, with fixed breaks
(:data:`CHANGE_CLASSES`): −50% or less, over −50 to under −10%, −10 to +10%
(white, both ends included), over +10 to under +50%, +50 to under +100%,
+100% or more, plus "new" and "gone".

Alerts
------
:func:`alerts` bins the days into windows — weeks ending on the data's last
day (so the latest week is a full one) or calendar months (the latest may be
partial) — and at every window that has ``baseline`` full windows before it
compares the window's count with the average of those windows. An alert is
raised when::

    count >= min_count  and  average >= min_baseline
    and  count >= average · (1 + increase/100)

``min_count`` (events in the latest window) and ``min_baseline`` (average
events per window) keep one event after a quiet spell from raising an alert
(1 against 0 is an infinite increase).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sahelgis.analysis.results import COUNT

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "CHANGE_CLASSES",
    "DAY",
    "AlertRule",
    "alerts",
    "change_class",
    "compare_periods",
    "default_periods",
]

#: The day column of the per-area, per-day table.
DAY = "day"

#: Diverging classes of percent change (label, colour): ColorBrewer RdBu,
#: blue for a decrease, red for an increase, white near zero; "new" and
#: "gone" in the darkest shades, areas with no event in either period grey.
CHANGE_CLASSES: tuple[tuple[str, str], ...] = (
    ("gone (none in B)", "#053061"),
    ("−50% or less", "#2166AC"),
    ("−50% to −10%", "#92C5DE"),
    ("−10% to +10%", "#F7F7F7"),
    ("+10% to +50%", "#F4A582"),
    ("+50% to +100%", "#D6604D"),
    ("+100% or more", "#B2182B"),
    ("new (none in A)", "#67001F"),
    ("no events", "#D9D9D9"),
)


def default_periods(last_day: str) -> tuple[str, str, str, str]:
    """The last 12 months to ``last_day`` (B) and the 12 months before (A).

    Parameters
    ----------
    last_day
        The data's last day, ``YYYY-MM-DD``.

    Returns
    -------
    (a_from, a_to, b_from, b_to)
        ISO days, both ends included.
    """
    end = pd.Timestamp(last_day)
    b_from = end - pd.DateOffset(months=12) + pd.Timedelta(days=1)
    a_to = b_from - pd.Timedelta(days=1)
    a_from = end - pd.DateOffset(months=24) + pd.Timedelta(days=1)
    return tuple(  # type: ignore[return-value]
        d.strftime("%Y-%m-%d") for d in (a_from, a_to, b_from, end)
    )


def _period_sum(days: pd.DataFrame, field: str, start: str, end: str) -> pd.Series:
    inside = days[(days[DAY] >= start) & (days[DAY] <= end)]
    return inside.groupby(field)[COUNT].sum()


def compare_periods(
    days: pd.DataFrame,
    names: Sequence[str],
    field: str,
    periods: tuple[str, str, str, str],
) -> pd.DataFrame:
    """Counts per area in periods A and B, their change and ratio.

    Parameters
    ----------
    days
        Events per area and day: ``field``, ``day`` (ISO text), ``count``.
    names
        Every area (listed even with no event), in table order.
    field
        The area name column.
    periods
        ``(a_from, a_to, b_from, b_to)``, ISO days, both ends included.

    Returns
    -------
    pandas.DataFrame
        ``field``, ``count_a``, ``count_b``, ``change``, ``change_pct``,
        ``ratio`` (B/A; NaN when A = 0), ``status`` and ``class_label``.
    """
    a_from, a_to, b_from, b_to = periods
    names = list(dict.fromkeys(str(n) for n in names))
    if len(days):
        days = days.assign(
            **{field: days[field].astype(str), DAY: days[DAY].astype(str)}
        )
        a = _period_sum(days, field, a_from, a_to)
        b = _period_sum(days, field, b_from, b_to)
    else:
        a = b = pd.Series(dtype="int64")
    table = pd.DataFrame({field: names})
    table["count_a"] = table[field].map(a).fillna(0).astype(np.int64)
    table["count_b"] = table[field].map(b).fillna(0).astype(np.int64)
    ca = table["count_a"].to_numpy(dtype="float64")
    cb = table["count_b"].to_numpy(dtype="float64")
    table["change"] = table["count_b"] - table["count_a"]
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(ca > 0, 100.0 * (cb - ca) / ca, np.nan)
        table["change_pct"] = np.round(pct, 1)
        table["ratio"] = np.round(np.where(ca > 0, cb / ca, np.nan), 3)
    table["status"] = _status(ca, cb)
    table["class_label"] = change_class(ca, cb)
    return table


def _status(a: np.ndarray, b: np.ndarray) -> list[str]:
    out = []
    for x, y in zip(a, b, strict=True):
        if x == 0 and y == 0:
            out.append("none")
        elif x == 0:
            out.append("new")
        elif y == 0:
            out.append("gone")
        else:
            out.append("up" if y > x else "down" if y < x else "same")
    return out


def change_class(a: np.ndarray, b: np.ndarray) -> list[str]:
    """The diverging class label of each area (see :data:`CHANGE_CLASSES`).

    Parameters
    ----------
    a, b
        Counts in period A and B.

    Returns
    -------
    list of str
        One label of :data:`CHANGE_CLASSES` per area.
    """
    labels = [label for label, _ in CHANGE_CLASSES]
    gone, new, none = labels[0], labels[7], labels[8]
    middle = labels[1:7]
    out = []
    for x, y in zip(a, b, strict=True):
        if x == 0:
            out.append(none if y == 0 else new)
        elif y == 0:
            out.append(gone)
        else:
            pct = 100.0 * (y - x) / x
            i = _class_of(pct)
            out.append(middle[i])
    return out


def _class_of(pct: float) -> int:
    """Class index of a percent change.

    ≤−50 | (−50, −10) | [−10, +10] | (+10, +50) | [+50, +100) | ≥+100.
    """
    if pct <= -50.0:
        return 0
    if pct < -10.0:
        return 1
    if pct <= 10.0:
        return 2
    if pct < 50.0:
        return 3
    return 4 if pct < 100.0 else 5


# ------------------------------------------------------------------ alerts ---
@dataclass(frozen=True)
class AlertRule:
    """A surge or threat rule.

    Attributes
    ----------
    window
        ``"week"`` (7 days, ending on the data's last day) or ``"month"``
        (calendar month).
    baseline
        Number of windows before the latest whose average is the baseline.
    increase
        Percent more than the baseline average that raises an alert (100
        means at least twice the average).
    min_count
        Fewest events in the latest window for an alert.
    min_baseline
        Smallest baseline average (events per window) for an alert.
    """

    window: str = "week"
    baseline: int = 4
    increase: float = 100.0
    min_count: int = 3
    min_baseline: float = 1.0


def _windows(
    days: np.ndarray, first: str, last: str, window: str
) -> tuple[np.ndarray, list[str], list[str]]:
    """Window index of each day, and each window's first and last day."""
    d = days.astype("datetime64[D]").astype(np.int64)
    lo = int(np.datetime64(first, "D").astype(np.int64))
    hi = int(np.datetime64(last, "D").astype(np.int64))
    if window == "week":
        n = (hi - lo) // 7 + 1
        index = n - 1 - (hi - d) // 7
        ends = [hi - 7 * (n - 1 - i) for i in range(n)]
        starts = [e - 6 for e in ends]
    else:
        m0 = int(np.datetime64(first, "M").astype(np.int64))
        m1 = int(np.datetime64(last, "M").astype(np.int64))
        n = m1 - m0 + 1
        index = days.astype("datetime64[M]").astype(np.int64) - m0
        month = np.arange(m0, m1 + 1).astype("datetime64[M]")
        starts = month.astype("datetime64[D]").astype(np.int64).tolist()
        ends = ((month + 1).astype("datetime64[D]").astype(np.int64) - 1).tolist()
        ends[-1] = min(ends[-1], hi)
    iso = [str(np.datetime64(int(v), "D")) for v in starts]
    iso_end = [str(np.datetime64(int(v), "D")) for v in ends]
    return np.asarray(index, dtype=np.int64), iso, iso_end


def alerts(
    days: pd.DataFrame,
    names: Sequence[str],
    field: str,
    rule: AlertRule,
    span: tuple[str, str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Alerts at every window across the data's span.

    Parameters
    ----------
    days
        Events per area and day: ``field``, ``day`` (ISO text), ``count``.
    names
        Every area, in table order.
    field
        The area name column.
    rule
        The rule (see :class:`AlertRule`).
    span
        First and last day of the data (ISO); default those of ``days``.

    Returns
    -------
    (alerts, per_area)
        ``alerts``: one row per alert — ``field``, ``window_start``,
        ``window_end``, ``count``, ``baseline`` (average per window),
        ``change_pct`` — by date then area. ``per_area``: ``field``,
        ``alerts`` (how many), ``last_alert`` (window end, "" when none) and
        ``alert_now`` (an alert in the latest window).
    """
    names = list(dict.fromkeys(str(n) for n in names))
    columns = [field, "window_start", "window_end", COUNT, "baseline", "change_pct"]
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    per_area = pd.DataFrame(
        {field: names, "alerts": 0, "last_alert": "", "alert_now": False}
    )
    if not len(days):
        return empty, per_area
    day_text = days[DAY].astype(str).to_numpy()
    first, last = span or (min(day_text), max(day_text))
    index, starts, ends = _windows(
        day_text.astype("datetime64[D]"), first, last, rule.window
    )
    position = {n: i for i, n in enumerate(names)}
    area = days[field].astype(str).map(position).to_numpy()
    keep = ~pd.isna(area)
    matrix = np.zeros((len(names), len(starts)), dtype=np.int64)
    np.add.at(
        matrix,
        (area[keep].astype(np.int64), index[keep]),
        days[COUNT].to_numpy(dtype=np.int64)[keep],
    )
    n_base = int(rule.baseline)
    if matrix.shape[1] <= n_base:
        return empty, per_area
    cum = np.concatenate(
        [np.zeros((len(names), 1), dtype=np.int64), np.cumsum(matrix, axis=1)], axis=1
    )
    steps = np.arange(n_base, matrix.shape[1])
    base_sum = cum[:, steps] - cum[:, steps - n_base]  # windows i-N .. i-1
    latest = matrix[:, steps]
    # count >= average·(1 + increase/100), in whole numbers where possible
    raised = (
        (latest >= rule.min_count)
        & (base_sum >= rule.min_baseline * n_base)
        & (latest * n_base * 100.0 >= base_sum * (100.0 + rule.increase))
    )
    a_idx, s_idx = np.nonzero(raised)
    order = np.lexsort((a_idx, s_idx))
    a_idx, s_idx = a_idx[order], s_idx[order]
    step = steps[s_idx]
    base = base_sum[a_idx, s_idx] / n_base
    count = latest[a_idx, s_idx]
    table = pd.DataFrame(
        {
            field: [names[i] for i in a_idx],
            "window_start": [starts[i] for i in step],
            "window_end": [ends[i] for i in step],
            COUNT: count.astype(np.int64),
            "baseline": np.round(base, 3),
            "change_pct": np.round(
                np.divide(
                    100.0 * (count - base),
                    base,
                    out=np.full(len(base), np.nan),
                    where=base > 0,
                ),
                1,
            ),
        }
    )
    if len(table):
        grouped = table.groupby(field)
        per_area["alerts"] = per_area[field].map(grouped.size()).fillna(0).astype(int)
        per_area["last_alert"] = (
            per_area[field].map(grouped["window_end"].max()).fillna("")
        )
        now = set(table.loc[table["window_end"] == ends[-1], field])
        per_area["alert_now"] = per_area[field].isin(now)
    return (table if len(table) else empty), per_area
