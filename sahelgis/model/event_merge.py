"""Upsert of ACLED events by ``event_id_cnty``: what an update from the API does.

:func:`upsert_events` takes the events a layer holds, the events the API sent
(new or changed since the last update) and the ids ACLED deleted, and returns
the layer's new table plus counts. Nothing else is touched: an event that is
neither sent nor deleted keeps its very row; an id that was deleted but is
also sent (ACLED serves it again) is kept in the sent version. Deleted ids the
layer does not hold (other countries) are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sahelgis.model import acled_schema as acled
from sahelgis.model.events import EventTable, concat_frames

if TYPE_CHECKING:
    from collections.abc import Iterable


@dataclass(frozen=True)
class MergeSummary:
    """What an upsert changed, in events.

    Attributes
    ----------
    added
        Sent events whose id the layer did not hold.
    changed
        Sent events whose id the layer held with different values.
    deleted
        Events of the layer removed because ACLED deleted them.
    unchanged
        Events of the layer kept as they were (sent again identical, or not sent).
    """

    added: int = 0
    changed: int = 0
    deleted: int = 0
    unchanged: int = 0

    @property
    def any_change(self) -> bool:
        """True when the layer's events differ after the upsert."""
        return bool(self.added or self.changed or self.deleted)

    def describe(self) -> str:
        """One line: ``"12 added, 3 changed, 1 deleted, 4,980 unchanged"``."""
        return (
            f"{self.added:,} added, {self.changed:,} changed, "
            f"{self.deleted:,} deleted, {self.unchanged:,} unchanged"
        )


def _ids(frame: pd.DataFrame) -> np.ndarray:
    return frame[acled.EVENT_ID].astype(str).str.strip().to_numpy(dtype=object)


def _text(column: pd.Series) -> np.ndarray:
    """A column as comparable text (NaN and NA as ``""``)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        column = column.astype(object)
    return column.astype(object).where(column.notna(), "").astype(str).to_numpy()


def _rows_differ(old: pd.DataFrame, new: pd.DataFrame) -> np.ndarray:
    """Per row pair (aligned), True when any column's value differs as text."""
    differ = np.zeros(len(old), dtype=bool)
    for name in sorted(set(old.columns) | set(new.columns)):
        if name not in old.columns or name not in new.columns:
            present = old if name in old.columns else new
            differ |= _text(present[name]) != ""
            continue
        differ |= _text(old[name]) != _text(new[name])
    return differ


def _align(frames: list[pd.DataFrame]) -> list[pd.DataFrame]:
    """Give every frame the same columns, with types that concatenate.

    A column some frames lack is added to them as empty text; a column whose
    types differ (e.g. ``timestamp`` as numbers in one, text in the other) is
    made text in all, so the project file can store it.
    """
    names: list[str] = []
    for frame in frames:
        names += [c for c in frame.columns if c not in names]
    out = []
    for frame in frames:
        missing = {
            name: pd.Series([""] * len(frame), dtype=object, index=frame.index)
            for name in names
            if name not in frame.columns
        }
        out.append(frame.assign(**missing)[names] if missing else frame[names])
    for name in names:
        dtypes = {str(f[name].dtype) for f in out}
        if len(dtypes) == 1:
            continue
        if all(isinstance(f[name].dtype, pd.CategoricalDtype) for f in out):
            continue  # concat_frames unions the categories
        if all(pd.api.types.is_numeric_dtype(f[name].dtype) for f in out):
            continue
        categorical = any(isinstance(f[name].dtype, pd.CategoricalDtype) for f in out)
        for i, f in enumerate(out):
            text = pd.Series(_text(f[name]), index=f.index, dtype=object)
            out[i] = f.assign(
                **{name: text.astype("category") if categorical else text}
            )
    return out


def upsert_events(
    old: EventTable, sent: EventTable | None, deleted_ids: Iterable[str] = ()
) -> tuple[EventTable, MergeSummary]:
    """Apply sent and deleted events to a layer's table, by ``event_id_cnty``.

    Parameters
    ----------
    old
        The layer's events (WGS84 degrees; never changed in place).
    sent
        Events added or changed at ACLED since the last update (as the API
        sends them, read like a CSV export); None or empty when none. When an
        id is sent twice the last row wins.
    deleted_ids
        ``event_id_cnty`` values ACLED deleted.

    Returns
    -------
    tuple[EventTable, MergeSummary]
        The new table (sorted by date, stable; ``synthetic`` kept from ``old``)
        and the counts. When nothing changed the table is ``old`` itself.
    """
    old_frame = old.frame
    old_ids = _ids(old_frame)
    sent_frame = sent.frame if sent is not None else old_frame.iloc[:0]
    if len(sent_frame):
        sent_ids = _ids(sent_frame)
        last = ~pd.Series(sent_ids).duplicated(keep="last").to_numpy()
        sent_frame = sent_frame.loc[last]
        sent_ids = sent_ids[last]
    else:
        sent_ids = np.zeros(0, dtype=object)
    deleted = set(map(str, deleted_ids)) - set(sent_ids.tolist())

    position = pd.Index(old_ids)
    if not position.is_unique:  # a layer with repeated ids: match the last
        position = pd.Index(old_ids[::-1])
        where = position.get_indexer(sent_ids)
        where = np.where(where >= 0, len(old_ids) - 1 - where, -1)
    else:
        where = position.get_indexer(sent_ids)
    matched = where >= 0
    differ = np.zeros(len(sent_ids), dtype=bool)
    if matched.any():
        pairs_old = old_frame.iloc[where[matched]].reset_index(drop=True)
        pairs_new = sent_frame.iloc[np.flatnonzero(matched)].reset_index(drop=True)
        differ[matched] = _rows_differ(pairs_old, pairs_new)
    changed_ids = set(sent_ids[matched & differ].tolist())
    added_mask = ~matched
    is_deleted = (
        np.isin(old_ids, list(deleted)) if deleted else np.zeros(len(old_ids), bool)
    )
    is_replaced = (
        np.isin(old_ids, list(changed_ids))
        if changed_ids
        else np.zeros(len(old_ids), bool)
    )
    summary = MergeSummary(
        added=int(added_mask.sum()),
        changed=int((matched & differ).sum()),
        deleted=int(is_deleted.sum()),
        unchanged=int((~is_deleted & ~is_replaced).sum()),
    )
    if not summary.any_change:
        return old, summary
    keep = old_frame.loc[~is_deleted & ~is_replaced]
    incoming = sent_frame.iloc[np.flatnonzero(added_mask | (matched & differ))]
    frame = concat_frames(_align([keep, incoming]))
    return EventTable(frame, synthetic=old.synthetic), summary


__all__ = ["MergeSummary", "upsert_events"]
