"""EVENTS as the command line and batch name them.

An ACLED or UCDP GED export, a project (or any GeoPackage with an ACLED point
layer) or a partitioned event store.

A project also brings its roads, places and admin layers (the analyses'
:class:`~sahelgis.analysis.registry.Context`); otherwise the bundled base data
is used. A store is read lazily: only the partitions and row groups of the
analysis's box and dates (:meth:`Inputs.need`).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sahelgis.analysis.registry import Context
from sahelgis.errors import SahelGISError

if TYPE_CHECKING:
    from sahelgis.model.events import EventTable

EVENT_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm")
PROJECT_SUFFIXES = (".gpkg",)


class InputsError(SahelGISError):
    """EVENTS cannot be read (one line naming the file)."""


def _note(message: str) -> None:
    sys.stderr.write(f"note: {message}\n")


@dataclass
class Inputs:
    """Events plus the layers the analyses need (from the project or bundled)."""

    events: EventTable | None
    source: Path
    context: Context = field(default_factory=Context)
    #: A partitioned event store: ``events`` is read by :meth:`need`.
    store: Any = None

    def need(
        self,
        bbox: tuple[float, float, float, float] | None = None,
        start: object = None,
        end: object = None,
    ) -> EventTable:
        """The events, read from a store only where and when the analysis looks
        (its box and dates), so it skips most of the partitions."""
        if self.store is not None and self.events is None:
            s = None if start is None else np.datetime64(str(start), "D")
            e = None if end is None else np.datetime64(str(end), "D")
            selection = self.store.select(bbox, s, e)
            _note(f"{self.source.name}: {selection.describe()}")
            self.events = self.store.read(selection)
        assert self.events is not None
        return self.events


def load_inputs(path: Path) -> Inputs:
    """Read EVENTS: an ACLED export, a project/GeoPackage or an event store."""
    from sahelgis.io.events_file import read_events

    if not path.exists():
        raise InputsError(f"{path}: file not found")
    if path.is_dir():
        from sahelgis.scale.store import EventStore

        return Inputs(None, path, store=EventStore.open(path))
    suffix = path.suffix.lower()
    if suffix in EVENT_SUFFIXES:
        table, report = read_events(path)  # ACLED or UCDP GED, by header
        if len(table) == 0:
            raise InputsError(f"{path.name}: no event could be read")
        if report.rows_rejected:
            _note(f"{path.name}: {report.summary()}")
        return Inputs(table, path)
    if suffix in PROJECT_SUFFIXES:
        return _load_gpkg(path)
    raise InputsError(
        f"{path.name}: cannot read events from a {suffix or 'suffix-less'} file; "
        "give an ACLED export (.csv, .xlsx) or a SahelGIS project (.gpkg)"
    )


def _load_gpkg(path: Path) -> Inputs:
    from sahelgis.errors import ProjectFileError
    from sahelgis.io.project_file import load_project
    from sahelgis.model.events import EventTable

    try:
        project = load_project(path)
    except ProjectFileError as exc:
        if "not a SahelGIS project" not in str(exc):
            raise
        return Inputs(_events_from_plain_gpkg(path), path)
    tables = [layer.events for layer in project.event_layers()]
    if not tables:
        raise InputsError(f"{path.name}: the project has no event layer")
    if len(tables) == 1:
        events = tables[0]
    else:
        events = EventTable(
            pd.concat([t.frame for t in tables], ignore_index=True),
            synthetic=any(t.synthetic for t in tables),
        )
    return Inputs(events, path, Context.from_project(project))


def _events_from_plain_gpkg(path: Path) -> EventTable:
    """Events from a GeoPackage that is not a project: its first point layer
    with ACLED columns."""
    import pyogrio

    from sahelgis.model import acled_schema as acled
    from sahelgis.model.events import EventTable, optimise_dtypes

    for name, kind in pyogrio.list_layers(path):
        if kind and "point" not in str(kind).lower():
            continue
        frame = pyogrio.read_dataframe(path, layer=name)
        missing = [c for c in acled.REQUIRED_COLUMNS if c not in frame.columns]
        if missing and acled.LATITUDE in missing and frame.geometry is not None:
            frame[acled.LONGITUDE] = frame.geometry.x
            frame[acled.LATITUDE] = frame.geometry.y
            missing = [c for c in acled.REQUIRED_COLUMNS if c not in frame.columns]
        if missing:
            continue
        frame = pd.DataFrame(frame.drop(columns=frame.geometry.name))
        frame[acled.EVENT_DATE] = pd.to_datetime(frame[acled.EVENT_DATE])
        return EventTable(optimise_dtypes(frame))
    raise InputsError(
        f"{path.name}: not a SahelGIS project and no point layer with ACLED "
        "columns (event_id_cnty, event_date, event_type, latitude, longitude)"
    )
