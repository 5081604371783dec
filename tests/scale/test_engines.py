"""Same answers on both engines: the local in-process run against Dask, on a
LocalCluster and on a scheduler and two workers started as separate processes
with Dask's own command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from sahelgis.model.events import EventTable
from sahelgis.scale import store as store_mod
from sahelgis.scale.engines import run_dask, run_local, warm_up
from sahelgis.scale.recipe import load_recipe
from sahelgis.scale.store import EventStore
from tests.scale.legacy_store import write_format_1

distributed = pytest.importorskip("distributed")

RECIPE = """
name = "parity"
{scope}
[[analysis]]
id = "rings"
kind = "buffer"
towns = ["Bamako", "Nara", "Kati", "Banamba", "Kolokani"]
radii = ["25 km", "50 km", "70 mi"]
by = ["year", "event_type", "geo_precision"]

[[analysis]]
id = "imprecise_out"
kind = "buffer"
at = [-7.28571, 15.16846]
name = "Nara (precise)"
radii = ["100 km"]
max_geo_precision = 2

[[analysis]]
id = "roads"
kind = "corridor"
roads = "all"
within = "10 km"
segment = "25 km"

[[analysis]]
id = "cercles"
kind = "counts"
areas = "cercle"
by = ["year", "event_type"]

[[analysis]]
id = "regions"
kind = "counts"
areas = "region"

[[analysis]]
id = "change"
kind = "compare"
areas = "cercle"

[[analysis]]
id = "change_dated"
kind = "compare"
areas = "region"
a_from = "2021-01-01"
a_to = "2021-12-31"
b_from = "2023-01-01"
b_to = "2023-12-31"

[[analysis]]
id = "surge"
kind = "alerts"
areas = "region"

[[analysis]]
id = "threat"
kind = "alerts"
areas = "cercle"
preset = "acled_threat"
increase = 50
{zones}
"""
# zones and hot spots read events anywhere (no extent: a pruned scope leaves
# them out)
ZONES = (
    '[[analysis]]\nid = "zones"\nkind = "zones"\nby = "year"\n\n'
    '[[analysis]]\nid = "hotspots"\nkind = "hotspots"\nsize = "10 km"\n'
    'step = "month"\n\n'
    # hexagons: counted per location in each partition, the grid in finish
    '[[analysis]]\nid = "hex_counts"\nkind = "counts"\nareas = "hexagon"\n'
    'size = "25 km"\nby = ["year", "event_type"]\n\n'
    '[[analysis]]\nid = "hex_change"\nkind = "compare"\nareas = "hexagon"\n'
    'size = "25 km"\n\n'
    '[[analysis]]\nid = "hex_alerts"\nkind = "alerts"\nareas = "hexagon"\n'
    'size = "25 km"\n\n'
    '[[analysis]]\nid = "hex_trend"\nkind = "trend"\nareas = "hexagon"\n'
    'size = "25 km"\nplace = "-3_8"\n\n'
    # rings and segments: the buffer's and corridor's own partials, by day
    '[[analysis]]\nid = "ring_change"\nkind = "compare"\nareas = "ring"\n'
    'town = "Bamako"\nradii = ["25 km", "50 km"]\n\n'
    '[[analysis]]\nid = "road_change"\nkind = "compare"\nareas = "segment"\n'
    'road = "RN6"\nwithin = "10 km"\nsegment = "25 km"\n'
)


def _recipe(tmp_path: Path, scope: str = "", zones: bool = True):  # type: ignore[no-untyped-def]
    path = tmp_path / "recipe.toml"
    path.write_text(
        RECIPE.format(scope=scope, zones=ZONES if zones else ""), encoding="utf-8"
    )
    return load_recipe(path)


@pytest.fixture(scope="module")
def split_store(
    tmp_path_factory: pytest.TempPathFactory, demo_events: EventTable
) -> EventStore:
    """The demo events in many small files (about 20), as many Dask partitions."""
    root = tmp_path_factory.mktemp("split") / "store"
    saved = store_mod.MAX_FILE_ROWS, store_mod.ROW_GROUP_ROWS
    store_mod.MAX_FILE_ROWS, store_mod.ROW_GROUP_ROWS = 200, 64
    try:
        EventStore.create(root).append(demo_events)
    finally:
        store_mod.MAX_FILE_ROWS, store_mod.ROW_GROUP_ROWS = saved
    return EventStore.open(root)


@pytest.fixture(scope="module")
def local_cluster() -> Iterator[distributed.Client]:
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        host="127.0.0.1",
    )
    client = distributed.Client(cluster)
    client.run(warm_up)
    yield client
    client.close()
    cluster.close()


def _assert_same(local, other) -> None:  # type: ignore[no-untyped-def]
    assert [o.task.id for o in local] == [o.task.id for o in other]
    for a, b in zip(local, other, strict=True):
        assert a.tables.keys() == b.tables.keys()
        for name in a.tables:
            pd.testing.assert_frame_equal(
                a.tables[name], b.tables[name], obj=f"{a.task.id}.{name}"
            )
        for name in a.layers:
            x = a.layers[name].drop(columns="geometry").reset_index(drop=True)
            y = b.layers[name].drop(columns="geometry").reset_index(drop=True)
            pd.testing.assert_frame_equal(x, y, obj=f"{a.task.id} layer {name}")
            assert (
                a.layers[name]
                .geometry.geom_equals_exact(b.layers[name].geometry, 1e-9)
                .all()
            )


def test_local_and_local_cluster_give_identical_tables(
    tmp_path: Path, split_store: EventStore, local_cluster: distributed.Client
) -> None:
    recipe = _recipe(tmp_path)
    local, _ = run_local(recipe, split_store)
    dask_out, dinfo = run_dask(recipe, split_store, client=local_cluster)
    assert dinfo.partitions >= 15  # really split, not one partition
    assert dinfo.workers == 2
    _assert_same(local, dask_out)
    counted = {o.task.id: o.events for o in local}
    assert counted["cercles"] == 3000
    assert counted["rings"] > 0
    assert counted["roads"] > 0
    zones = {o.task.id: o for o in local}["zones"]
    assert len(zones.tables["zones"]) > 0  # zones found, and equal
    tables = {o.task.id: o.tables for o in local}
    assert tables["change"]["compare"]["count_b"].sum() > 0
    assert len(tables["surge"]["alerts"]) > 0  # alerts found, and equal
    spots = tables["hotspots"]["hotspots"]  # as `sahelgis hotspots` on the demo
    assert len(spots) == 856
    assert (spots["category"] == "consecutive hot spot").sum() == 89


def test_parity_holds_with_a_pruned_scope(
    tmp_path: Path, split_store: EventStore, local_cluster: distributed.Client
) -> None:
    scope = '[scope]\nfrom = "2022-03-01"\nto = "2023-10-31"\ncountries = ["Mali"]'
    recipe = _recipe(tmp_path, scope, zones=False)
    assert recipe.read_scope().bbox is not None  # from the analyses' extents
    local, info = run_local(recipe, split_store)
    dask_out, _ = run_dask(recipe, split_store, client=local_cluster)
    _assert_same(local, dask_out)
    assert info.selection is not None
    assert info.selection.rows < split_store.rows  # partitions were skipped
    assert info.selection.files < info.selection.total_files


def test_parity_holds_with_the_scopes_actor_and_event_types(
    tmp_path: Path, split_store: EventStore, local_cluster: distributed.Client
) -> None:
    """The recipe's [scope] takes the command line's --actor/--event-type."""
    scope = (
        '[scope]\nactor = "JNIM"\n'
        'event_type = ["Battles", "Violence against civilians"]'
    )
    recipe = _recipe(tmp_path, scope, zones=False)
    local, _ = run_local(recipe, split_store)
    dask_out, _ = run_dask(recipe, split_store, client=local_cluster)
    _assert_same(local, dask_out)
    unfiltered, _ = run_local(_recipe(tmp_path, zones=False), split_store)
    every = {o.task.id: o.events for o in unfiltered}
    counted = {o.task.id: o.events for o in local}
    assert 0 < counted["cercles"] < every["cercles"] == 3000


KEYS_RECIPE = """
name = "keys"
[scope]
from = "2024-01-01"

[[analysis]]
id = "bamako"
kind = "buffer"
at = [-8.0, 12.65]
name = "Bamako"
radii = ["60 km"]
by = ["year", "country", "event_type"]
"""


def test_parity_holds_when_an_analysis_reads_the_partition_keys(
    tmp_path: Path,
    split_store: EventStore,
    demo_events: EventTable,
    local_cluster: distributed.Client,
) -> None:
    """``country`` comes from the folder names (format 2) or the files
    (format 1): both engines see it, with the same answer."""
    path = tmp_path / "keys.toml"
    path.write_text(KEYS_RECIPE, encoding="utf-8")
    recipe = load_recipe(path)
    assert "country" in recipe.tasks[0].columns()
    local, _ = run_local(recipe, split_store)
    dask_out, _ = run_dask(recipe, split_store, client=local_cluster)
    _assert_same(local, dask_out)
    counts = local[0].tables["counts"]
    assert set(counts["country"].astype(str)) == {"Mali"}
    recent = demo_events.frame[demo_events.frame["year"] >= 2023]
    write_format_1(tmp_path / "old", EventTable(recent, synthetic=True))
    old = EventStore.open(tmp_path / "old")
    assert old.manifest.keys_in_files
    old_local, _ = run_local(recipe, old)
    old_dask, _ = run_dask(recipe, old, client=local_cluster)
    _assert_same(local, old_local)
    _assert_same(local, old_dask)


def test_store_and_in_memory_table_give_the_same_local_answer(
    tmp_path: Path, split_store: EventStore, demo_events: EventTable
) -> None:
    recipe = _recipe(tmp_path, '[scope]\nfrom = "2021-01-01"', zones=True)
    from_store, _ = run_local(recipe, split_store)
    from_table, _ = run_local(recipe, demo_events)
    _assert_same(from_store, from_table)


@pytest.fixture(scope="module")
def process_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`dask scheduler` and two `dask worker` processes on 127.0.0.1."""
    folder = tmp_path_factory.mktemp("cluster")
    sched_file = folder / "scheduler.json"
    env = {**os.environ, "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}
    common = ["--no-dashboard"]
    procs = [
        subprocess.Popen(
            [
                *(sys.executable, "-m", "dask", "scheduler", "--host", "127.0.0.1"),
                *("--port", "0", "--scheduler-file", str(sched_file), *common),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
    ]
    try:
        deadline = time.monotonic() + 30
        while not sched_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert sched_file.exists(), "the Dask scheduler did not start"
        for _ in range(2):
            procs.append(
                subprocess.Popen(
                    [
                        *(sys.executable, "-m", "dask", "worker", "--scheduler-file"),
                        *(str(sched_file), "--nworkers", "1", "--nthreads", "1"),
                        *("--host", "127.0.0.1", *common),
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    env=env,
                )
            )
        address = json.loads(sched_file.read_text())["address"]
        with distributed.Client(address, timeout="20s") as client:
            client.wait_for_workers(2, timeout=60)
            client.run(warm_up)
        yield address
        with distributed.Client(address, timeout="5s") as client:
            client.shutdown()  # scheduler and workers stop together
    finally:
        for proc in procs:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()


def test_scheduler_and_two_worker_processes_give_identical_tables(
    tmp_path: Path, split_store: EventStore, process_cluster: str
) -> None:
    recipe = _recipe(tmp_path)
    local, _ = run_local(recipe, split_store)
    remote, info = run_dask(recipe, split_store, scheduler=process_cluster)
    assert info.workers == 2
    assert info.scheduler == process_cluster
    assert len(info.worker_peak_rss_mb) == 2
    _assert_same(local, remote)


def test_unreachable_scheduler_is_a_clear_error(
    tmp_path: Path, split_store: EventStore
) -> None:
    from sahelgis.scale.engines import EngineError

    recipe = _recipe(tmp_path, zones=False)
    with pytest.raises(EngineError, match="cannot reach the Dask scheduler"):
        run_dask(
            recipe, split_store, scheduler="tcp://127.0.0.1:9", connect_timeout="1s"
        )
