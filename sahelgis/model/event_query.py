"""Fast answers about one event layer: filter masks, rows in a window, step counts.

Events are sorted by date, so a window is two binary searches; masks and counts
are cached per filter, selection and step, so moving the window costs a slice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sahelgis.model import acled_schema as acled
from sahelgis.model.time_window import (
    DAY,
    TimeWindow,
    as_day,
    period_bounds,
    step_bins,
)

if TYPE_CHECKING:
    from sahelgis.model.filters import EventFilter
    from sahelgis.model.layers import EventLayer
    from sahelgis.model.selection import Selection

#: What the chart's bars are stacked by: ACLED event type, or the dataset an
#: event comes from (ACLED or UCDP GED).
SPLITS: tuple[str, ...] = ("event_type", "source")
#: Names of the datasets when bars are stacked by source.
ACLED_DATASET = "ACLED"
SYNTHETIC_DATASET = "SYNTHETIC demo (not ACLED)"

#: The widest ACLED imprecision (a month) bounds how far outside the window an
#: event's date can be while its period still overlaps the window.
MAX_IMPRECISION = 31 * DAY
OTHER_TYPE = "Other"


@dataclass(frozen=True)
class StepCounts:
    """Events and fatalities per step period and event type (or dataset).

    ``bins`` holds ``len(counts) + 1`` period boundaries (datetime64[D]); counts
    use each event's ``event_date`` (where ACLED places it).
    """

    bins: np.ndarray
    types: tuple[str, ...]
    counts: np.ndarray  # int64 [periods, types]
    fatalities: np.ndarray  # int64 [periods]

    @property
    def totals(self) -> np.ndarray:
        """Events per period, all types."""
        return self.counts.sum(axis=1)

    def period_of(self, day: np.datetime64) -> int:
        """Index of the period holding ``day`` (clamped to the range)."""
        index = int(np.searchsorted(self.bins, as_day(day), "right")) - 1
        return min(max(index, 0), len(self.counts) - 1)


class EventQuery:
    """Cached queries over one ``EventLayer`` (build with ``query_for``)."""

    def __init__(self, layer: EventLayer) -> None:
        self.layer = layer
        frame = layer.events.frame
        self.days = layer.events.dates.astype("datetime64[D]")
        precision = frame.get(acled.TIME_PRECISION)
        self.time_precision = (
            np.ones(len(frame), dtype=np.int8)
            if precision is None
            else precision.to_numpy(dtype=np.int8)
        )
        types = frame[acled.EVENT_TYPE]
        if not isinstance(types.dtype, pd.CategoricalDtype):
            types = types.astype(str).astype("category")
        known = list(acled.EVENT_TYPES)
        extra = [str(c) for c in types.cat.categories if str(c) not in known]
        self.type_names: tuple[str, ...] = (*known, *extra)
        lookup = np.array(
            [self.type_names.index(str(c)) for c in types.cat.categories] + [0],
            dtype=np.int64,
        )
        self.type_codes = lookup[types.cat.codes.to_numpy()]
        fat = frame.get(acled.FATALITIES)
        self.fatalities = (
            np.zeros(len(frame), dtype=np.int64)
            if fat is None
            else fat.to_numpy(dtype=np.int64)
        )
        self._datasets: tuple[tuple[str, ...], np.ndarray] | None = None
        self._filter_cache: tuple[EventFilter, np.ndarray] | None = None
        self._selection_cache: tuple[Selection, np.ndarray] | None = None
        self._counts_cache: dict[tuple, StepCounts] = {}

    def datasets(self) -> tuple[tuple[str, ...], np.ndarray]:
        """The dataset of each row: names, and a code per row into them.

        Rows whose ``source`` is "UCDP GED" (read from a GED file) are UCDP
        GED; the others are ACLED, or synthetic demo events in a synthetic
        layer (said so, never passed off as ACLED).
        """
        if self._datasets is None:
            from sahelgis.model import ucdp_schema as ucdp

            frame = self.layer.events.frame
            other = SYNTHETIC_DATASET if self.layer.events.synthetic else ACLED_DATASET
            names = (other, ucdp.UCDP_SOURCE)
            if acled.SOURCE in frame.columns:
                is_ged = (
                    frame[acled.SOURCE].astype(str) == ucdp.UCDP_SOURCE
                ).to_numpy()
            else:
                is_ged = np.zeros(len(frame), dtype=bool)
            self._datasets = (names, is_ged.astype(np.int64))
        return self._datasets

    def filter_mask(self, flt: EventFilter) -> np.ndarray:
        """Rows passing the filter (cached for the last filter)."""
        if self._filter_cache is None or self._filter_cache[0] != flt:
            self._filter_cache = (flt, flt.mask(self.layer.events.frame))
        return self._filter_cache[1]

    def selection_mask(self, selection: Selection | None) -> np.ndarray | None:
        """Rows inside the selection, or None when nothing is selected."""
        if selection is None:
            return None
        if self._selection_cache is None or self._selection_cache[0] is not selection:
            events = self.layer.events
            self._selection_cache = (
                selection,
                selection.contains(events.lon, events.lat),
            )
        return self._selection_cache[1]

    def window_rows(
        self,
        start: np.datetime64,
        end: np.datetime64,
        flt: EventFilter,
        expand_imprecise: bool = True,
    ) -> np.ndarray:
        """Row positions of filtered events in the inclusive window, date order.

        With ``expand_imprecise`` an event of week or month precision is in the
        window when its week or month overlaps it.
        """
        start, end = as_day(start), as_day(end)
        days = self.days
        mask = self.filter_mask(flt)
        i0 = int(np.searchsorted(days, start, "left"))
        i1 = int(np.searchsorted(days, end, "right"))
        core = np.flatnonzero(mask[i0:i1]) + i0
        if not expand_imprecise:
            return core
        j0 = int(np.searchsorted(days, start - MAX_IMPRECISION, "left"))
        j1 = int(np.searchsorted(days, end + MAX_IMPRECISION, "right"))
        parts = [
            self._overlapping(j0, i0, start, end, mask),
            core,
            self._overlapping(i1, j1, start, end, mask),
        ]
        return np.concatenate(parts)

    def _overlapping(
        self, a: int, b: int, start: np.datetime64, end: np.datetime64, mask: np.ndarray
    ) -> np.ndarray:
        if b <= a:
            return np.empty(0, dtype=np.int64)
        precision = self.time_precision[a:b]
        candidates = np.flatnonzero(mask[a:b] & (precision > 1))
        if candidates.size == 0:
            return np.empty(0, dtype=np.int64)
        lo, hi = period_bounds(self.days[a:b][candidates], precision[candidates])
        keep = (lo <= end) & (hi >= start)
        return candidates[keep] + a

    def step_counts(
        self,
        step: str,
        flt: EventFilter,
        selection: Selection | None,
        span: tuple[np.datetime64, np.datetime64],
        split: str = "event_type",
    ) -> StepCounts:
        """Events per step period and fatalities over ``span``.

        Events are counted by event type, or by dataset with
        ``split="source"`` (:meth:`datasets`).
        """
        if split not in SPLITS:
            raise ValueError(f"split {split!r}; use one of {', '.join(SPLITS)}")
        key = (step, flt, id(selection), str(span[0]), str(span[1]), split)
        cached = self._counts_cache.get(key)
        if cached is not None:
            return cached
        bins = step_bins(span[0], span[1], step)
        periods = len(bins) - 1
        keep = self.filter_mask(flt)
        inside = self.selection_mask(selection)
        if inside is not None:
            keep = keep & inside
        rows = np.flatnonzero(keep)
        index = np.searchsorted(bins, self.days[rows], "right") - 1
        ok = (index >= 0) & (index < periods)
        index, rows = index[ok], rows[ok]
        names, codes = (
            (self.type_names, self.type_codes)
            if split == "event_type"
            else self.datasets()
        )
        ntypes = len(names)
        counts = np.bincount(
            index * ntypes + codes[rows], minlength=periods * ntypes
        ).reshape(periods, ntypes)
        fatalities = np.bincount(
            index, weights=self.fatalities[rows], minlength=periods
        ).astype(np.int64)
        result = StepCounts(bins, names, counts.astype(np.int64), fatalities)
        if len(self._counts_cache) > 16:
            self._counts_cache.clear()
        self._counts_cache[key] = result
        return result


def query_for(layer: EventLayer) -> EventQuery:
    """The layer's query object, built once per event table."""
    query = layer.__dict__.get("_query")
    if query is None or query.layer.events is not layer.events:
        query = EventQuery(layer)
        layer.__dict__["_query"] = query
    return query


def combine_counts(parts: list[StepCounts]) -> StepCounts | None:
    """Sum the counts of several layers (same bins; types merged by name)."""
    if not parts:
        return None
    types: list[str] = []
    for part in parts:
        types.extend(t for t in part.types if t not in types)
    first = parts[0]
    counts = np.zeros((len(first.counts), len(types)), dtype=np.int64)
    fatalities = np.zeros(len(first.counts), dtype=np.int64)
    for part in parts:
        for j, name in enumerate(part.types):
            counts[:, types.index(name)] += part.counts[:, j]
        fatalities += part.fatalities
    used = counts.sum(axis=0) > 0
    keep = [i for i, name in enumerate(types) if used[i] or name in acled.EVENT_TYPES]
    return StepCounts(
        first.bins, tuple(types[i] for i in keep), counts[:, keep], fatalities
    )


def shown_rows(layer: EventLayer, window: TimeWindow, flt: EventFilter) -> np.ndarray:
    """Rows of a layer drawn on the map: in the time window and passing the filter."""
    query = query_for(layer)
    bounds = window.window()
    if bounds is None:
        return np.flatnonzero(query.filter_mask(flt))
    return query.window_rows(bounds[0], bounds[1], flt, window.expand_imprecise)


def trail_rows(layer: EventLayer, window: TimeWindow, flt: EventFilter) -> np.ndarray:
    """Rows of the faded trail (the steps just before the window), maybe empty."""
    bounds = window.trail_window()
    if bounds is None:
        return np.empty(0, dtype=np.int64)
    return query_for(layer).window_rows(bounds[0], bounds[1], flt, False)
