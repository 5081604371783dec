"""Engines that run a recipe: ``local`` (in this process) and ``dask``.

- **local** reads the scope's events from the store (only the partitions and
  row groups the scope's box and dates touch, only the columns the analyses
  read) into one table and runs each analysis on it: the code the GUI runs.
- **dask** hands the same files to ``dask_geopandas.read_parquet`` (row groups
  pruned by the same box and dates; ``country`` and ``year``, when an analysis
  reads them, from the Hive folder names) on a Dask distributed cluster: each worker
  reads its partitions, filters them exactly as the local engine does and runs
  every analysis on them (:func:`sahelgis.scale.tasks.compute`); the client
  gathers the small partial tables as they finish and adds them up. The
  cluster is Dask's own: a ``LocalCluster`` of worker processes, or a
  scheduler started with ``dask scheduler`` and workers with ``dask worker``.

Both engines return the same tables (tests compare them cell by cell).
"""

from __future__ import annotations

import resource
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sahelgis.errors import SahelGISError
from sahelgis.model import acled_schema as acled
from sahelgis.model.events import EventTable, optimise_dtypes
from sahelgis.progress import NULL_PROGRESS, Progress
from sahelgis.scale import tasks as T
from sahelgis.scale.recipe import Recipe, Scope
from sahelgis.scale.store import KEY_COLUMNS, EventStore, Selection, exact_mask

if TYPE_CHECKING:
    from distributed import Client

ENGINES = ("local", "dask")
#: Partial results merged on the client after this many partitions arrive,
#: so the client's memory stays bounded too.
MERGE_EVERY = 32


class EngineError(SahelGISError):
    """An engine that cannot run (no cluster, no store), with what to do."""


@dataclass
class RunInfo:
    """How a run went: for the summary and the benchmark."""

    engine: str
    workers: int
    scheduler: str
    seconds: float
    events: int
    selection: Selection | None
    read_seconds: float = 0.0
    task_seconds: dict[str, float] = field(default_factory=dict)
    peak_rss_mb: float = 0.0
    worker_peak_rss_mb: list[float] = field(default_factory=list)
    partitions: int = 0
    #: Rows and analysis seconds of each partition (Dask): what a bigger
    #: cluster divides among its workers.
    partition_rows: list[int] = field(default_factory=list)
    partition_seconds: list[float] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "engine": self.engine,
            "workers": self.workers,
            "scheduler": self.scheduler,
            "seconds": round(self.seconds, 3),
            "read_seconds": round(self.read_seconds, 3),
            "events": self.events,
            "partitions": self.partitions,
            "task_seconds": {k: round(v, 3) for k, v in self.task_seconds.items()},
            "peak_rss_mb": round(self.peak_rss_mb, 1),
            "worker_peak_rss_mb": [round(v, 1) for v in self.worker_peak_rss_mb],
            "read": self.selection.to_json() if self.selection else None,
            "partition_rows_max": max(self.partition_rows, default=0),
            "partition_seconds_sum": round(sum(self.partition_seconds), 3),
            "partition_seconds_max": round(max(self.partition_seconds, default=0), 3),
        }


def reset_peak() -> None:
    """Start this process's peak-memory mark afresh (Linux), so a run reports
    its own peak, not one inherited from a parent at fork time or an earlier
    run."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as handle:
            handle.write("5")
    except OSError:
        pass


def peak_rss_mb() -> float:
    """This process's peak resident memory since :func:`reset_peak`, MB."""
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


# ------------------------------------------------------------------- local ---
def run_local(
    recipe: Recipe,
    source: EventStore | EventTable,
    progress: Progress = NULL_PROGRESS,
) -> tuple[list[T.Output], RunInfo]:
    """Run the recipe in this process on the scope's events."""
    reset_peak()
    start = time.perf_counter()
    scope = recipe.read_scope()
    selection = None
    progress.set(0.0, "Reading events")
    if isinstance(source, EventStore):
        selection = source.select(scope.bbox, scope.start, scope.end, scope.countries)
        events = _filtered(source.read(selection, _columns(recipe)), scope)
    else:
        events = _filtered(_scoped(source, scope), scope)
    read_s = time.perf_counter() - start
    outputs = []
    seconds: dict[str, float] = {}
    for i, task in enumerate(recipe.tasks):
        progress.check()
        progress.set(0.1 + 0.9 * i / len(recipe.tasks), f"Running {task.id}")
        t0 = time.perf_counter()
        outputs.append(T.run_whole(task, events))
        seconds[task.id] = time.perf_counter() - t0
    progress.set(1.0, "Done")
    info = RunInfo(
        engine="local",
        workers=1,
        scheduler="in-process",
        seconds=time.perf_counter() - start,
        events=len(events),
        selection=selection,
        read_seconds=read_s,
        task_seconds=seconds,
        peak_rss_mb=peak_rss_mb(),
        partitions=1,
    )
    return outputs, info


def _columns(recipe: Recipe) -> list[str]:
    """The tasks' columns, and those the scope's event filter reads."""
    columns = T.columns_for(recipe.tasks)
    if recipe.scope.is_filtered:
        from sahelgis.model.filters import ACTOR_COLUMNS

        columns = list(dict.fromkeys([*columns, acled.EVENT_TYPE, *ACTOR_COLUMNS]))
    return columns


def _filtered(events: EventTable, scope: Scope) -> EventTable:
    """The events the scope's actor and event types keep."""
    if not scope.is_filtered:
        return events
    mask = scope.event_filter().mask(events.frame)
    return EventTable(events.frame[mask].reset_index(drop=True), events.synthetic)


def _scoped(events: EventTable, scope: Scope) -> EventTable:
    mask = exact_mask(events.frame, scope.bbox, scope.start, scope.end, scope.countries)
    if mask is None:
        return events
    return EventTable(events.frame[mask].reset_index(drop=True), events.synthetic)


# -------------------------------------------------------------------- dask ---
def partition_partials(
    part: pd.DataFrame, tasks: Sequence[T.Task], scope: Scope
) -> dict[str, T.Tables]:
    """What one Dask task does with one partition: filter it exactly like the
    local engine, then run every analysis on it."""
    frame = pd.DataFrame(part)
    drop = [c for c in ("geometry", "bbox") if c in frame.columns]
    frame = frame.drop(columns=drop).reset_index(drop=True)
    if len(frame):
        frame[acled.EVENT_DATE] = frame[acled.EVENT_DATE].astype("datetime64[s]")
    mask = exact_mask(frame, scope.bbox, scope.start, scope.end, scope.countries)
    if mask is not None:
        frame = frame[mask].reset_index(drop=True)
    if scope.is_filtered:
        frame = frame[scope.event_filter().mask(frame)].reset_index(drop=True)
    events = EventTable(optimise_dtypes(_plain_text(frame)))
    return {task.id: T.compute(task, events) for task in tasks}


PART_STATS = "_partition"


def _plain_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Arrow-backed strings from dask's reader as the importer's text columns."""
    for name in frame.columns:
        if name in acled.CATEGORICAL_COLUMNS:
            continue
        if (
            pd.api.types.is_string_dtype(frame[name].dtype)
            and frame[name].dtype != object
        ):
            frame[name] = frame[name].astype(object)
    return frame


def warm_up() -> None:
    """Import the analysis stack in a worker before the first partition (run
    with ``client.run``), so a run's first tasks do not pay for it."""
    import sahelgis.analysis.areas
    import sahelgis.analysis.buffers
    import sahelgis.analysis.corridors
    import sahelgis.analysis.zones  # noqa: F401


def connect(
    scheduler: str | None, workers: int, timeout: str = "10s"
) -> tuple[Client, Any]:
    """A client of the given scheduler, or of a new LocalCluster of processes."""
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover - dask is a dependency
        raise EngineError(
            "the dask engine needs dask[distributed] and dask-geopandas; "
            "install them with `pip install 'sahelgis[scale]'`"
        ) from exc
    if scheduler:
        try:
            client = Client(scheduler, timeout=timeout)
        except OSError as exc:
            raise EngineError(
                f"cannot reach the Dask scheduler at {scheduler} ({exc}); start it "
                "with `dask scheduler` and workers with `dask worker ADDRESS`"
            ) from None
        return client, None
    cluster = LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        host="127.0.0.1",
    )
    return Client(cluster), cluster


def run_dask(
    recipe: Recipe,
    store: EventStore,
    *,
    scheduler: str | None = None,
    workers: int = 2,
    progress: Progress = NULL_PROGRESS,
    client: Client | None = None,
    connect_timeout: str = "10s",
) -> tuple[list[T.Output], RunInfo]:
    """Run the recipe on a Dask cluster (see the module docstring)."""
    import dask
    import dask_geopandas
    from distributed import as_completed

    start = time.perf_counter()
    scope = recipe.read_scope()
    selection = store.select(scope.bbox, scope.start, scope.end, scope.countries)
    own = client is None
    cluster = None
    if client is None:
        progress.set(0.0, "Connecting to Dask")
        client, cluster = connect(scheduler, workers, connect_timeout)
    try:
        n_workers = len(client.scheduler_info().get("workers", {}))
        if n_workers == 0:
            client.wait_for_workers(1, timeout=30)
            n_workers = len(client.scheduler_info().get("workers", {}))
        address = str(client.scheduler.address)
        reset_peak()
        client.run(reset_peak)
        partials: dict[str, list[T.Tables]] = {t.id: [] for t in recipe.tasks}
        n_parts = 0
        part_stats: list[tuple[int, float]] = []
        if selection.parts:
            columns = [*_columns(recipe), "geometry"]
            filters = _filters(scope)
            ddf = dask_geopandas.read_parquet(
                [str(p.path) for p in selection.parts],
                columns=columns,
                filters=filters or None,
                dataset=_dataset_options(store, columns),
            )
            parts = ddf.to_delayed()
            n_parts = len(parts)
            [payload] = client.scatter([(tuple(recipe.tasks), scope)], broadcast=True)
            job = dask.delayed(_run_partition, pure=True)
            futures = client.compute([job(p, payload) for p in parts])
            done = 0
            try:
                for future in as_completed(futures):
                    progress.check()
                    result = future.result()
                    future.release()
                    done += 1
                    progress.set(
                        done / max(n_parts, 1), f"{done} of {n_parts} partitions done"
                    )
                    part_stats.append(result[PART_STATS])
                    for task in recipe.tasks:
                        partials[task.id].append(result[task.id])
                        if len(partials[task.id]) >= MERGE_EVERY:
                            partials[task.id] = [T.merge(task, partials[task.id])]
            except BaseException:
                client.cancel(futures)
                raise
        read_s = time.perf_counter() - start
        outputs = []
        seconds: dict[str, float] = {}
        for task in recipe.tasks:
            t0 = time.perf_counter()
            pieces = partials[task.id] or [
                partition_partials(_empty_part(), [task], scope)[task.id]
            ]
            outputs.append(T.finish(task, T.merge(task, pieces)))
            seconds[task.id] = time.perf_counter() - t0
        rss = client.run(peak_rss_mb)
        events = selection.rows  # rows read (before the exact filter)
        info = RunInfo(
            engine="dask",
            workers=n_workers,
            scheduler=address,
            seconds=time.perf_counter() - start,
            events=events,
            selection=selection,
            read_seconds=read_s,
            task_seconds=seconds,
            peak_rss_mb=peak_rss_mb(),
            worker_peak_rss_mb=sorted(float(v) for v in rss.values()),
            partitions=n_parts,
            partition_rows=[r for r, _ in part_stats],
            partition_seconds=[t for _, t in part_stats],
        )
        progress.set(1.0, "Done")
        return outputs, info
    finally:
        if own:
            client.close()
            if cluster is not None:
                cluster.close()


def _run_partition(part: pd.DataFrame, payload: tuple[Any, Scope]) -> dict[str, Any]:
    tasks, scope = payload
    t0 = time.perf_counter()
    out: dict[str, Any] = dict(partition_partials(part, tasks, scope))
    # rows read and analysis seconds: the per-partition cost a cluster divides
    out[PART_STATS] = (len(part), time.perf_counter() - t0)
    return out


def _empty_part() -> pd.DataFrame:
    return pd.DataFrame(
        {
            acled.EVENT_ID: pd.Series(dtype=object),
            acled.EVENT_DATE: pd.Series(dtype="datetime64[s]"),
            acled.EVENT_TYPE: pd.Series(dtype=object),
            acled.LATITUDE: pd.Series(dtype="float64"),
            acled.LONGITUDE: pd.Series(dtype="float64"),
            acled.GEO_PRECISION: pd.Series(dtype="int8"),
        }
    )


def _dataset_options(store: EventStore, columns: Sequence[str]) -> dict[str, Any]:
    """How dask's reader finds ``country`` and ``year`` when the analyses read
    them: in the files (format 1), else from the ``country=…/year=…`` folder
    names, typed as the local engine types them (year int16; country becomes
    categorical downstream). Without them no partitioning is parsed."""
    keys = set(KEY_COLUMNS) & set(columns)
    if store.manifest.keys_in_files or not keys:
        return {"partitioning": None}
    import pyarrow as pa
    import pyarrow.dataset as ds

    schema = pa.schema([(acled.COUNTRY, pa.string()), (acled.YEAR, pa.int16())])
    return {
        "partitioning": ds.partitioning(schema, flavor="hive"),
        "partition_base_dir": str(store.root),
    }


def _filters(scope: Scope) -> list[tuple[str, str, Any]]:
    """pyarrow filters that skip row groups outside the box and dates."""
    out: list[tuple[str, str, Any]] = []
    if scope.bbox is not None:
        w, s, e, n = scope.bbox
        out += [
            (acled.LONGITUDE, ">=", w),
            (acled.LONGITUDE, "<=", e),
            (acled.LATITUDE, ">=", s),
            (acled.LATITUDE, "<=", n),
        ]
    if scope.start is not None:
        out.append((acled.EVENT_DATE, ">=", pd.Timestamp(scope.start)))
    if scope.end is not None:
        end = pd.Timestamp(scope.end + np.timedelta64(1, "D")) - pd.Timedelta(seconds=1)
        out.append((acled.EVENT_DATE, "<=", end))
    return out
