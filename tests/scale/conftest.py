"""Shared fixtures of the scale-out tests: the demo events and a store of them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sahelgis.io.acled import read_acled
from sahelgis.model.events import EventTable
from sahelgis.scale.store import EventStore

DEMO_CSV = Path(__file__).resolve().parents[2] / "data" / "demo_events_SYNTHETIC.csv"


@pytest.fixture(scope="session")
def demo_events() -> EventTable:
    """The 3,000 SYNTHETIC demo events (southern Mali, 2018–2024)."""
    events, _ = read_acled(DEMO_CSV)
    return events


@pytest.fixture(scope="session")
def demo_store_master(
    tmp_path_factory: pytest.TempPathFactory, demo_events: EventTable
) -> Path:
    root = tmp_path_factory.mktemp("stores") / "demo"
    EventStore.create(root).append(demo_events, source=DEMO_CSV.name)
    return root


@pytest.fixture
def demo_store(demo_store_master: Path, tmp_path: Path) -> EventStore:
    """A private copy of a store of the demo events (7 partitions)."""
    root = tmp_path / "store"
    shutil.copytree(demo_store_master, root)
    return EventStore.open(root)
