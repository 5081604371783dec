"""Shared test setup: headless Qt and tiny data (about 20 events, 3 towns)."""

from __future__ import annotations

import gc
import os

import numpy as np
import pandas as pd
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# Three real towns (GeoNames coordinates, as in data/sahelgis_base.gpkg).
TOWNS = {
    "Nara": (-7.28571, 15.16846),
    "Banamba": (-7.44889, 13.54935),
    "Kati": (-8.07183, 12.74409),
}


def tiny_events_frame() -> pd.DataFrame:
    """21 events: 7 per town, one per year 2018–2024, ACLED column names."""
    rows = []
    types = ["Battles", "Violence against civilians", "Explosions/Remote violence"]
    for t, (town, (lon, lat)) in enumerate(TOWNS.items()):
        for k, year in enumerate(range(2018, 2025)):
            rows.append(
                {
                    "event_id_cnty": f"TST{t}{k:02d}",
                    "event_date": f"{year}-0{1 + t}-1{k}",
                    "year": year,
                    "time_precision": 1,
                    "event_type": types[(t + k) % 3],
                    "sub_event_type": "Armed clash",
                    "actor1": "JNIM: Group for Support of Islam and Muslims",
                    "actor2": "Military Forces of Mali (2021-)",
                    "location": town,
                    "latitude": lat + 0.001 * k,
                    "longitude": lon + 0.001 * k,
                    "geo_precision": 1,
                    "fatalities": k,
                    "notes": f"[TEST] event {k} at {town}",
                    "source": "TEST fixture",
                }
            )
    frame = pd.DataFrame(rows)
    frame["event_date"] = pd.to_datetime(frame["event_date"])
    return frame


@pytest.fixture(scope="session")
def tiny_frame() -> pd.DataFrame:
    return tiny_events_frame()


@pytest.fixture
def tiny_table(tiny_frame):
    from sahelgis.model.events import EventTable, optimise_dtypes

    return EventTable(optimise_dtypes(tiny_frame.copy()))


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(7)


@pytest.fixture(autouse=True)
def _gc_on_gui_thread(request):
    """Qt tests collect garbage on the GUI thread only, as the app does
    (``sahelgis.ui.workers.collect_garbage_on_gui_thread``): a collection on a
    worker thread would destroy Qt objects of closed windows there."""
    if "qapp" in request.fixturenames:
        from sahelgis.ui.workers import collect_garbage_on_gui_thread

        collect_garbage_on_gui_thread(request.getfixturevalue("qapp"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    yield
    if not gc.isenabled():  # automatic collection is off since the first Qt test
        from sahelgis.ui.workers import collect_due_garbage

        collect_due_garbage()
