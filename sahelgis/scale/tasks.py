"""The analyses a batch recipe runs, dispatched through the analysis registry
so that an engine can run them on one table or on many partitions and get the
same answer.

A :class:`Task` is a recipe entry: an id, the analysis's kind and its checked
spec (:meth:`sahelgis.analysis.registry.Analysis.spec_from`). Each analysis
defines its own batch split in its registry module:

- the **local** engine runs :meth:`~sahelgis.analysis.registry.Analysis.run_whole`
  once, on all the events of the recipe's scope;
- the **Dask** engine runs :meth:`~sahelgis.analysis.registry.Analysis.partial`
  on each partition, where the partition lives, and adds the partial tables up
  (:meth:`~sahelgis.analysis.registry.Analysis.merge`): counts of events are
  sums over any split of the events. Support zones are not sums (a cluster can
  span partitions): partitions return their indicator events and the
  clustering runs once in ``finish``.

Tables come out normalised (:func:`sahelgis.analysis.tables.normalise`: sorted
keys, int64 counts) so that the two engines' outputs compare cell by cell.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sahelgis.analysis.registry import Analysis, Result, get
from sahelgis.analysis.tables import normalise

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from sahelgis.model.events import EventTable

Tables = dict[str, "pd.DataFrame"]

__all__ = [
    "Output",
    "Task",
    "columns_for",
    "compute",
    "finish",
    "merge",
    "normalise",
    "run_whole",
]


@dataclass(frozen=True)
class Task:
    """One analysis of a recipe: id, kind and checked spec."""

    id: str
    kind: str
    spec: dict[str, Any] = field(compare=False)

    @property
    def analysis(self) -> Analysis:
        """The registered analysis."""
        return get(self.kind)

    def extent(self) -> tuple[float, float, float, float] | None:
        """Lon/lat box of the events the task can count (None: every event)."""
        return self.analysis.extent(self.spec)

    def columns(self) -> tuple[str, ...]:
        """Event columns the task reads."""
        return self.analysis.columns(self.spec)


def columns_for(tasks: Sequence[Task]) -> list[str]:
    """Event columns the tasks read (so a store read skips the others)."""
    out: list[str] = []
    for task in tasks:
        out += list(task.columns())
    return list(dict.fromkeys(out))


def compute(task: Task, events: EventTable) -> Tables:
    """The task's tables for these events (all of them, or one partition)."""
    return task.analysis.partial(task.spec, events)


def merge(task: Task, partials: Sequence[Tables]) -> Tables:
    """Add up the tables of several partitions."""
    return task.analysis.merge(task.spec, partials)


@dataclass
class Output:
    """What a task writes: tables (CSV) and layers (GeoPackage)."""

    task: Task
    tables: Tables
    layers: dict[str, gpd.GeoDataFrame]
    events: int
    summary: str


def _output(task: Task, result: Result) -> Output:
    return Output(
        task,
        result.tables,
        {layer.key: layer.data for layer in result.layers},
        result.total,
        result.headline,
    )


def finish(task: Task, merged: Tables) -> Output:
    """Final tables and layers from the merged partial tables."""
    return _output(task, task.analysis.finish(task.spec, merged))


def run_whole(task: Task, events: EventTable) -> Output:
    """The local engine: the task on all the scope's events at once."""
    return _output(task, task.analysis.run_whole(task.spec, events))
