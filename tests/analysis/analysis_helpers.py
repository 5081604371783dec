"""Helpers for the analysis tests: events built from coordinate arrays."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sahelgis.model.events import EventTable, optimise_dtypes

# Bundled GeoNames coordinates (data/sahelgis_base.gpkg) and Gao (not bundled).
BAMAKO = (-8.0, 12.65)
KAYES = (-11.44393, 14.44776)
NARA = (-7.28985, 15.16931)
MOURDIAH = (-7.46944, 14.47361)
GAO = (-0.04347, 16.27166)


def make_events(
    lon: np.ndarray,
    lat: np.ndarray,
    *,
    dates: np.ndarray | list | str = "2023-06-15",
    event_type: np.ndarray | list | str = "Battles",
    geo_precision: np.ndarray | list | int = 1,
    **columns: object,
) -> EventTable:
    """An EventTable with the given coordinates and a few ACLED columns."""
    lon = np.asarray(lon, dtype="float64")
    lat = np.asarray(lat, dtype="float64")
    n = len(lon)

    def column(value: object) -> np.ndarray:
        if isinstance(value, (str, int, float)):
            return np.full(n, value, dtype=object)
        return np.asarray(value, dtype=object)

    frame = pd.DataFrame(
        {
            "event_id_cnty": [f"T{k}" for k in range(n)],
            "event_date": pd.to_datetime(column(dates)),
            "event_type": column(event_type),
            "sub_event_type": column(columns.pop("sub_event_type", "Armed clash")),
            "actor1": column(columns.pop("actor1", "JNIM")),
            "latitude": lat,
            "longitude": lon,
            "geo_precision": column(geo_precision).astype(np.int64),
            "notes": column(columns.pop("notes", "")),
        }
    )
    for name, value in columns.items():
        frame[name] = column(value)
    frame["year"] = frame["event_date"].dt.year
    return EventTable(optimise_dtypes(frame))
