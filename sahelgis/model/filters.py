"""Event filters: which events count, for the map and the charts alike."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sahelgis.model import acled_schema as acled

ALL_PRECISIONS: frozenset[int] = frozenset({1, 2, 3})
ACTOR_COLUMNS: tuple[str, ...] = (
    acled.ACTOR1,
    acled.ASSOC_ACTOR_1,
    acled.ACTOR2,
    acled.ASSOC_ACTOR_2,
)


@dataclass(frozen=True)
class EventFilter:
    """A filter on ACLED fields; the default lets every event through.

    ``event_types``/``sub_event_types`` None means all. ``actor`` is a
    case-insensitive text searched in actor1, actor2 and the associated actors.
    ``civilian_targeting`` None means either, True only civilian targeting,
    False none.
    """

    event_types: frozenset[str] | None = None
    sub_event_types: frozenset[str] | None = None
    actor: str = ""
    civilian_targeting: bool | None = None
    min_fatalities: int = 0
    geo_precision: frozenset[int] = field(default=ALL_PRECISIONS)
    time_precision: frozenset[int] = field(default=ALL_PRECISIONS)

    @property
    def is_active(self) -> bool:
        """True when the filter removes anything."""
        return self != EventFilter()

    def describe(self) -> str:
        """Short text for charts and figure source lines ("JNIM only; ...")."""
        parts: list[str] = []
        if self.actor.strip():
            parts.append(f"actor “{self.actor.strip()}”")
        if self.event_types is not None:
            parts.append("types: " + ", ".join(sorted(self.event_types)))
        if self.sub_event_types is not None:
            parts.append(f"{len(self.sub_event_types)} sub-event types")
        if self.civilian_targeting is True:
            parts.append("civilian targeting only")
        elif self.civilian_targeting is False:
            parts.append("no civilian targeting")
        if self.min_fatalities > 0:
            parts.append(f"fatalities ≥ {self.min_fatalities}")
        if self.geo_precision != ALL_PRECISIONS:
            parts.append(
                "geo precision " + "/".join(map(str, sorted(self.geo_precision)))
            )
        if self.time_precision != ALL_PRECISIONS:
            parts.append(
                "time precision " + "/".join(map(str, sorted(self.time_precision)))
            )
        return "; ".join(parts) if parts else "all events"

    def mask(self, frame: pd.DataFrame) -> np.ndarray:
        """Boolean mask of the rows that pass.

        Vectorised; categoricals compare their few categories, not every row.
        """
        keep = np.ones(len(frame), dtype=bool)
        if self.event_types is not None:
            keep &= _isin(frame, acled.EVENT_TYPE, self.event_types)
        if self.sub_event_types is not None:
            keep &= _isin(frame, acled.SUB_EVENT_TYPE, self.sub_event_types)
        text = self.actor.strip().lower()
        if text:
            hit = np.zeros(len(frame), dtype=bool)
            for name in ACTOR_COLUMNS:
                if name in frame:
                    hit |= _contains(frame[name], text)
            keep &= hit
        if self.civilian_targeting is not None and acled.CIVILIAN_TARGETING in frame:
            targeted = _contains(frame[acled.CIVILIAN_TARGETING], "civilian")
            keep &= targeted if self.civilian_targeting else ~targeted
        if self.min_fatalities > 0 and acled.FATALITIES in frame:
            keep &= frame[acled.FATALITIES].to_numpy() >= self.min_fatalities
        if self.geo_precision != ALL_PRECISIONS and acled.GEO_PRECISION in frame:
            keep &= np.isin(
                frame[acled.GEO_PRECISION].to_numpy(), list(self.geo_precision)
            )
        if self.time_precision != ALL_PRECISIONS and acled.TIME_PRECISION in frame:
            keep &= np.isin(
                frame[acled.TIME_PRECISION].to_numpy(), list(self.time_precision)
            )
        return keep

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form for the project file."""
        return {
            "event_types": None
            if self.event_types is None
            else sorted(self.event_types),
            "sub_event_types": None
            if self.sub_event_types is None
            else sorted(self.sub_event_types),
            "actor": self.actor,
            "civilian_targeting": self.civilian_targeting,
            "min_fatalities": self.min_fatalities,
            "geo_precision": sorted(self.geo_precision),
            "time_precision": sorted(self.time_precision),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EventFilter:
        """Rebuild from ``to_dict`` output."""

        def opt(key: str) -> frozenset[str] | None:
            value = data.get(key)
            return None if value is None else frozenset(map(str, value))

        return cls(
            event_types=opt("event_types"),
            sub_event_types=opt("sub_event_types"),
            actor=str(data.get("actor", "")),
            civilian_targeting=data.get("civilian_targeting"),
            min_fatalities=int(data.get("min_fatalities", 0)),
            geo_precision=frozenset(
                int(v) for v in data.get("geo_precision", ALL_PRECISIONS)
            ),
            time_precision=frozenset(
                int(v) for v in data.get("time_precision", ALL_PRECISIONS)
            ),
        )


def _isin(frame: pd.DataFrame, name: str, values: frozenset[str]) -> np.ndarray:
    if name not in frame:
        return np.zeros(len(frame), dtype=bool)
    column = frame[name]
    if isinstance(column.dtype, pd.CategoricalDtype):
        wanted = np.array([str(c) in values for c in column.cat.categories] + [False])
        return wanted[column.cat.codes.to_numpy()]
    return column.astype(str).isin(values).to_numpy()


def _contains(column: pd.Series, text: str) -> np.ndarray:
    """Case-insensitive substring test; on categoricals only the categories."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        cats = column.cat.categories.astype(str).str.lower()
        hit = np.append(
            np.asarray(cats.str.contains(text, regex=False), dtype=bool), False
        )
        return hit[column.cat.codes.to_numpy()]
    return (
        column.astype(str)
        .str.lower()
        .str.contains(text, regex=False)
        .to_numpy(dtype=bool)
    )
