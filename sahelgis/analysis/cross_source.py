"""Likely duplicates between ACLED and UCDP GED events: listed, never merged.

ACLED and UCDP often code the same clash. When both are in one project an
analyst needs to see which events *may* be the same before counting them
together; this module only lists candidate pairs with the evidence. Neither
event table is changed and nothing is dropped or merged.

Method
------
A pair (ACLED event, GED event) is a likely duplicate when all three hold:

1. **Time**: the ACLED ``event_date`` lies within ``max_days`` days of the GED
   event's span ``[date_start, date_end]`` (``date_end`` taken as
   ``date_start`` when absent), so a GED event dated to a week matches an
   ACLED event in that week.
2. **Place**: the great-circle distance (haversine on the mean sphere, within
   0.56 % of the WGS84 geodesic) is at most ``max_km`` kilometres.
3. **Same actor side** (unless ``require_actor=False``): one of the ACLED
   event's ``actor1``/``actor2`` names the same actor as one of the GED
   event's (GED ``side_a``/``side_b``). Names are compared by a key:
   lowercased, text after ``:`` and in parentheses dropped, punctuation
   removed; "Government of X", "Military Forces of X" and "Police Forces of X"
   all become the state of X. Two keys match when equal or when every word of
   the shorter appears in the longer (so "JNIM" matches
   "JNIM: Group for Support of Islam and Muslims").

The parameters are kept with the result (:meth:`DuplicateCandidates.describe`)
so a table of pairs always says how it was made.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sahelgis.analysis.buffers import haversine_m
from sahelgis.model import acled_schema as acled
from sahelgis.model import ucdp_schema as ucdp
from sahelgis.progress import NULL_PROGRESS, Progress

if TYPE_CHECKING:
    from sahelgis.model.events import EventTable

__all__ = ["PAIR_COLUMNS", "DuplicateCandidates", "actor_key", "likely_duplicates"]

#: Columns of :attr:`DuplicateCandidates.pairs`.
PAIR_COLUMNS: tuple[str, ...] = (
    "acled_event_id",
    "ucdp_event_id",
    "acled_date",
    "ucdp_date_start",
    "ucdp_date_end",
    "days_apart",
    "distance_km",
    "acled_actors",
    "ucdp_actors",
    "shared_actor",
    "acled_fatalities",
    "ucdp_fatalities",
)

_STATE = re.compile(r"^(?:government|military forces|police forces) of (.+)$")
_STOP_WORDS = frozenset({"of", "the", "and", "for", "in", "de", "du", "des", "la"})
_DAY = np.timedelta64(1, "D")


def actor_key(name: str) -> frozenset[str]:
    """The words an actor name is compared by (empty for no actor).

    Parameters
    ----------
    name
        An ACLED actor or a GED side, e.g. "Military Forces of Mali (2021-)".

    Returns
    -------
    frozenset[str]
        E.g. ``{"state", "mali"}`` for any state actor of Mali.
    """
    text = re.sub(r"\([^)]*\)", " ", str(name)).split(":")[0].lower()
    text = re.sub(r"[^\w\s]", " ", text)
    text = " ".join(text.split())
    state = _STATE.match(text)
    if state:
        return frozenset({"state", *state.group(1).split()})
    return frozenset(w for w in text.split() if w not in _STOP_WORDS)


def _same_actor(a: frozenset[str], b: frozenset[str]) -> bool:
    if not a or not b:
        return False
    return a <= b or b <= a


@dataclass(frozen=True)
class DuplicateCandidates:
    """Pairs of ACLED and GED events that may be the same event, with the rule.

    Parameters
    ----------
    pairs
        One row per pair, columns :data:`PAIR_COLUMNS`, by GED date.
    max_km
        Greatest distance of a pair, kilometres.
    max_days
        Greatest gap in days between the ACLED date and the GED span.
    require_actor
        Whether a pair had to share an actor side.
    """

    pairs: pd.DataFrame
    max_km: float
    max_days: int
    require_actor: bool

    def describe(self) -> str:
        """The rule in one line, to show above the table."""
        actor = ", same actor side" if self.require_actor else ""
        return (
            f"{len(self.pairs):,} likely duplicate pairs (ACLED × UCDP GED): within "
            f"{self.max_km:g} km and {self.max_days} days{actor}; listed, not merged"
        )


def likely_duplicates(
    acled_events: EventTable,
    ged_events: EventTable,
    *,
    max_km: float = 10.0,
    max_days: int = 2,
    require_actor: bool = True,
    progress: Progress = NULL_PROGRESS,
) -> DuplicateCandidates:
    """List pairs of ACLED and GED events that may record the same event.

    Parameters
    ----------
    acled_events
        ACLED events (any event table; its GED rows, if any, are skipped).
    ged_events
        Events read by :func:`sahelgis.io.ucdp.read_ucdp`.
    max_km
        Greatest distance between the two points, kilometres (>= 0).
    max_days
        Greatest gap, days, between the ACLED date and the GED span (>= 0).
    require_actor
        Also require a shared actor side (see the module docstring).
    progress
        Told how far the search is; raises ``Cancelled`` when cancelled.

    Returns
    -------
    DuplicateCandidates
        The pairs and the parameters; both tables are left as they were.

    Raises
    ------
    ValueError
        A negative ``max_km`` or ``max_days``.
    """
    if max_km < 0 or max_days < 0:
        raise ValueError("max_km and max_days must not be negative")
    left = acled_events.frame
    if acled.SOURCE in left.columns:
        left = left[left[acled.SOURCE].astype(str) != ucdp.UCDP_SOURCE]
    left = left.reset_index(drop=True)
    right = ged_events.frame
    a_dates = left[acled.EVENT_DATE].to_numpy(dtype="datetime64[s]")
    a_lon = left[acled.LONGITUDE].to_numpy(dtype="float64")
    a_lat = left[acled.LATITUDE].to_numpy(dtype="float64")
    a_ids = left[acled.EVENT_ID].astype(str).to_numpy()
    a_actor1 = _text(left, acled.ACTOR1).to_numpy()
    a_actor2 = _text(left, acled.ACTOR2).to_numpy()
    a_fatalities = _ints(left, acled.FATALITIES)
    a_keys = [
        (actor_key(x), actor_key(y)) for x, y in zip(a_actor1, a_actor2, strict=True)
    ]
    starts = right[acled.EVENT_DATE].to_numpy(dtype="datetime64[s]")
    ends = (
        right[ucdp.DATE_END].to_numpy(dtype="datetime64[s]")
        if ucdp.DATE_END in right.columns
        else starts
    )
    ends = np.where(np.isnat(ends), starts, ends)
    g_lon = right[acled.LONGITUDE].to_numpy(dtype="float64")
    g_lat = right[acled.LATITUDE].to_numpy(dtype="float64")
    g_actor1 = right[acled.ACTOR1].astype(str).to_numpy()
    g_actor2 = _text(right, acled.ACTOR2).to_numpy()
    g_ids = right[acled.EVENT_ID].astype(str).to_numpy()
    g_fatalities = _ints(right, acled.FATALITIES)
    rows: list[dict[str, object]] = []
    gap = max_days * _DAY
    order = np.argsort(a_dates, kind="stable")  # tables are sorted; stay safe
    sorted_dates = a_dates[order]
    for g in range(len(right)):
        if g % 512 == 0:
            progress.check()
            progress.set(g / max(len(right), 1), "Pairing ACLED and UCDP GED events")
        i0 = int(np.searchsorted(sorted_dates, starts[g] - gap, side="left"))
        i1 = int(np.searchsorted(sorted_dates, ends[g] + gap, side="right"))
        if i1 <= i0:
            continue
        near = order[i0:i1]
        dist_km = haversine_m(g_lon[g], g_lat[g], a_lon[near], a_lat[near]) / 1000.0
        g_keys = (actor_key(g_actor1[g]), actor_key(g_actor2[g]))
        for a, km in zip(
            near[dist_km <= max_km], dist_km[dist_km <= max_km], strict=True
        ):
            shared = [
                name
                for name, key in zip((g_actor1[g], g_actor2[g]), g_keys, strict=True)
                if any(_same_actor(key, other) for other in a_keys[a])
            ]
            if require_actor and not shared:
                continue
            date = a_dates[a]
            days = (
                0
                if starts[g] <= date <= ends[g]
                else int(min(abs(date - starts[g]), abs(date - ends[g])) // _DAY)
            )
            rows.append(
                {
                    "acled_event_id": str(a_ids[a]),
                    "ucdp_event_id": str(g_ids[g]),
                    "acled_date": date,
                    "ucdp_date_start": starts[g],
                    "ucdp_date_end": ends[g],
                    "days_apart": days,
                    "distance_km": round(float(km), 2),
                    "acled_actors": " / ".join(
                        s
                        for s in (
                            str(a_actor1[a]),
                            str(a_actor2[a]),
                        )
                        if s
                    ),
                    "ucdp_actors": f"{g_actor1[g]} / {g_actor2[g]}",
                    "shared_actor": "; ".join(shared),
                    "acled_fatalities": int(a_fatalities[a]),
                    "ucdp_fatalities": int(g_fatalities[g]),
                }
            )
    pairs = pd.DataFrame(rows, columns=list(PAIR_COLUMNS))
    return DuplicateCandidates(pairs, float(max_km), int(max_days), require_actor)


def _text(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame.columns:
        return frame[name].astype(str)
    return pd.Series([""] * len(frame), index=frame.index, dtype=str)


def _ints(frame: pd.DataFrame, name: str) -> np.ndarray:
    if name not in frame.columns:
        return np.zeros(len(frame), dtype=np.int64)
    return frame[name].to_numpy(dtype="int64")
