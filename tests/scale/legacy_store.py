"""A store in format 1 (before issue 18): made by today's code with the old
layout switched back on, for the read-compatibility and upgrade tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from sahelgis.model.events import EventTable
from sahelgis.scale import store as store_mod
from sahelgis.scale.store import LEGACY_MANIFEST, EventStore


def write_format_1(root: Path, events: EventTable) -> None:
    """A store as SahelGIS wrote it before format 2: ``country`` and ``year``
    repeated in every file, the manifest at ``sahelgis_store.json`` (version 1).
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(store_mod, "KEY_COLUMNS", ())
        patch.setattr(store_mod, "MANIFEST", LEGACY_MANIFEST)
        patch.setattr(store_mod, "FORMAT_VERSION", 1)
        old = EventStore.create(root, synthetic=events.synthetic)
        old.manifest.version = 1
        old._write_manifest()
        old.append(events)
