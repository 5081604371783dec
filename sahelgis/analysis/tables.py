"""Tidy count tables that add up.

Partial tables of partitions are summed, and tables normalised so two engines'
outputs compare cell by cell.

Counts of events are sums over any split of the events (each event's ring,
corridor segment or area depends on that event alone), so a batch engine runs
an analysis per partition and adds the tables up here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sahelgis.analysis.results import COUNT

if TYPE_CHECKING:
    from collections.abc import Sequence

Tables = dict[str, pd.DataFrame]

#: Columns holding values (summed); every other column is a key.
VALUE_COLUMNS = frozenset({"in_corridor", "total", COUNT})


def keys_of(frame: pd.DataFrame) -> list[str]:
    """The key columns of a tidy table (all but the value columns)."""
    return [c for c in frame.columns if c not in VALUE_COLUMNS]


def sum_tables(partials: Sequence[Tables]) -> Tables:
    """Add up the tables of several partitions, table by table."""
    out: Tables = {}
    for name in partials[0]:
        frames = [p[name] for p in partials if len(p[name])]
        if not frames:
            out[name] = pd.DataFrame()
            continue
        frame = pd.concat(frames, ignore_index=True)
        keys = keys_of(frame)
        values = [c for c in frame.columns if c not in keys]
        for key in keys:
            frame[key] = frame[key].astype(str)
        out[name] = (
            frame.groupby(keys, sort=False, observed=True, dropna=False)[values]
            .sum()
            .reset_index()
        )
    return out


def concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The frames one under the other (an empty frame when none)."""
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def columns(frame: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """``frame[names]``, or an empty table with those columns."""
    if frame.empty and not set(names) <= set(frame.columns):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in names})
    return frame[names]


def natural_order(values: pd.Series) -> list[str]:
    """Distinct values in a human order: numbers numerically, then text."""
    uniq = pd.unique(values.astype(str))

    def key(v: str) -> tuple[int, float, str]:
        head = v.split("–")[0].split(" ")[0].replace(",", "")
        try:
            return (0, float(head), v)
        except ValueError:
            return (1, 0.0, v)

    return sorted(uniq, key=key)


def normalise(
    frame: pd.DataFrame, keys: Sequence[str], *, complete: bool = False
) -> pd.DataFrame:
    """Keys as text in a stable order, values as int64.

    ``complete`` adds the zero rows of every combination of the keys' values.
    """
    frame = frame.copy()
    for key in keys:
        frame[key] = frame[key].astype(str)
    values = [c for c in frame.columns if c not in keys]
    if complete and keys:
        index = pd.MultiIndex.from_product(
            [natural_order(frame[k]) for k in keys], names=list(keys)
        )
        frame = frame.set_index(list(keys))[values].reindex(index, fill_value=0)
        frame = frame.reset_index()
    orders = {k: {v: i for i, v in enumerate(natural_order(frame[k]))} for k in keys}
    if keys:
        rank = pd.DataFrame({k: frame[k].map(orders[k]) for k in keys})
        frame = frame.iloc[np.lexsort([rank[k].to_numpy() for k in reversed(keys)])]
    for value in values:
        if value != "share":
            frame[value] = frame[value].astype(np.int64)
    return frame.reset_index(drop=True)


def share_percent(inside: int, total: int) -> str:
    """A share as an analyst reads it: "3.3% — 2 of 60" (one decimal)."""
    if total <= 0:
        return "— (no events)"
    return f"{100.0 * inside / total:.1f}% — {inside:,} of {total:,}"
