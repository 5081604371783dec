"""Benchmark: a batch recipe over N synthetic West African events, local vs Dask.

The dataset: N SYNTHETIC ACLED-format events over 16 West African countries,
1997–2024 (``sahelgis.demo.synthetic_west_africa``, seeded), appended chunk by
chunk into a partitioned GeoParquet store (country × year, Hilbert-sorted row
groups) and compacted once. Building it is reported, not compared; it is kept
in ``--cache`` and reused by later runs with the same N and seed.

The recipe (the issue's): buffers of 25 km, 50 km and 70 mi around the 50 most
populous Malian places of the bundled data, corridors of 10 km (25 km
segments) along the bundled roads (RN3, RN4, RN6), counts per cercle per year.
Its scope box is the union of those extents (Mali), so the store's manifest
prunes the partitions and row groups outside it.

Engines, each in its own child process so that peak memory is its own:

- ``local``: ``run_local`` (reads the pruned scope into one table);
- ``dask:1`` and ``dask:2``: ``run_dask`` on a ``LocalCluster`` of 1 or 2 worker
  processes (cluster start-up timed separately from the run).

Every engine's tables are hashed; the benchmark fails unless all hashes agree.

Baselines, in this process after the children, each doing one of the recipe's
analyses (counts per cercle per year, checked against ours) while ours runs the
whole recipe, so their ratios flatter the baselines:

- competent: one ``geopandas.read_parquet`` of the store folder with the
  recipe's scope box (``bbox=``, the files' GeoParquet 1.1 covering prunes row
  groups and rows) and only ``event_date`` and ``geometry``; per cercle a box
  mask and ``shapely.contains_xy`` of the prepared polygon;
- naive (kept for history): ``geopandas.read_parquet`` of every file, every
  column (no pruning), ``sjoin`` and ``groupby``.

On this 2-core machine no speed-up is expected from Dask; the point is that a
worker's memory stays bounded as N grows (compare ``--n 1000000`` with the
default). Per-partition costs are reported so that a cluster's time can be
estimated from measurement.

Usage::

    python benchmarks/scale_bench.py [--n 10000000] [--seed 20241124]
        [--cache benchmarks/.cache] [--engines local,dask:1,dask:2]
        [--no-baseline]

The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _common import comparison, print_table, result_line  # noqa: E402

N_TOWNS = 50
RADII = ["25 km", "50 km", "70 mi"]


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- dataset ---
def build_store(folder: Path, n: int, seed: int) -> dict[str, Any]:
    """The partitioned store of N synthetic events (reused when complete)."""
    from sahelgis.demo.synthetic_west_africa import iter_west_africa
    from sahelgis.model.events import EventTable
    from sahelgis.scale.store import EventStore

    if EventStore.is_store(folder):
        store = EventStore.open(folder)
        current = not store.manifest.keys_in_files  # not an older format
        if store.rows == n and current and (folder / "COMPLETE").exists():
            log(f"reusing {folder} ({store.rows:,} events)")
            return {"reused": True}
        import shutil

        shutil.rmtree(folder)
    store = EventStore.create(folder, synthetic=True)
    t_gen = t_write = 0.0
    t0 = time.perf_counter()
    chunks = iter_west_africa(n, seed)
    while True:
        a = time.perf_counter()
        chunk = next(chunks, None)
        t_gen += time.perf_counter() - a
        if chunk is None:
            break
        a = time.perf_counter()
        store.append(
            EventTable(chunk, synthetic=True),
            source=f"synthetic_west_africa n={n} seed={seed}",
            check_ids=False,
            compact=False,
        )
        t_write += time.perf_counter() - a
        log(f"  stored {store.rows:,} events ({time.perf_counter() - t0:.0f} s)")
        del chunk
        gc.collect()
    a = time.perf_counter()
    store.compact()
    t_compact = time.perf_counter() - a
    (folder / "COMPLETE").write_text("built by scale_bench.py\n", encoding="utf-8")
    return {
        "reused": False,
        "generate_s": round(t_gen, 1),
        "append_s": round(t_write, 1),
        "compact_s": round(t_compact, 1),
    }


def write_recipe(path: Path) -> Path:
    import pandas as pd

    from sahelgis.analysis.places import bundled_places

    places = bundled_places()
    mali = places[places["country_iso2"] == "ML"].copy()
    mali["pop"] = pd.to_numeric(mali["population"], errors="coerce").fillna(0)
    mali = mali.sort_values(["pop", "name"], ascending=[False, True]).head(N_TOWNS)
    names = [str(v) for v in mali["name"]]
    lines = [
        'name = "scale benchmark"',
        "",
        "[[analysis]]",
        'id = "towns"',
        'kind = "buffer"',
        f"towns = {json.dumps(names, ensure_ascii=False)}",
        f"radii = {json.dumps(RADII, ensure_ascii=False)}",
        'by = ["year"]',
        "",
    ]
    lines += [
        "[[analysis]]",
        'id = "roads"',
        'kind = "corridor"',
        'roads = "all"',
        'within = "10 km"',
        'segment = "25 km"',
        "",
        "[[analysis]]",
        'id = "cercles"',
        'kind = "counts"',
        'areas = "cercle"',
        'by = ["year"]',
        "",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


# ----------------------------------------------------------------- engines ---
def table_hashes(outputs: list[Any]) -> dict[str, str]:
    out = {}
    for o in outputs:
        for name, table in o.tables.items():
            text = table.to_csv(index=False, lineterminator="\n")
            out[f"{o.task.id}.{name}"] = hashlib.sha256(text.encode()).hexdigest()[:16]
    return out


def child(engine: str, store_dir: Path, recipe_path: Path, counts_csv: Path) -> None:
    """Run one engine; print its figures as JSON (last line)."""
    from sahelgis.scale.engines import (
        connect,
        peak_rss_mb,
        run_dask,
        run_local,
        warm_up,
    )
    from sahelgis.scale.recipe import load_recipe
    from sahelgis.scale.store import EventStore

    store = EventStore.open(store_dir)
    recipe = load_recipe(recipe_path)
    startup = 0.0
    # the engines reset the peak-memory mark of this process and of the workers
    # as they start, so the figures are the run's own
    if engine == "local":
        outputs, info = run_local(recipe, store)
    else:
        workers = int(engine.split(":")[1])
        t0 = time.perf_counter()
        client, cluster = connect(None, workers)
        client.run(warm_up)
        startup = time.perf_counter() - t0
        outputs, info = run_dask(recipe, store, client=client)
        client.close()
        cluster.close()
    cercles = next(o for o in outputs if o.task.id == "cercles")
    cercles.tables["counts"].to_csv(counts_csv, index=False)
    result = info.to_json()
    result["cluster_startup_s"] = round(startup, 2)
    result["process_peak_rss_mb"] = round(peak_rss_mb(), 1)
    result["hashes"] = table_hashes(outputs)
    result["events_counted"] = {o.task.id: o.events for o in outputs}
    print(json.dumps(result))


def run_child(engine: str, store_dir: Path, recipe: Path, work: Path) -> dict[str, Any]:
    counts = work / f"counts_{engine.replace(':', '_')}.csv"
    cmd = [sys.executable, __file__, "--child", engine, "--store", str(store_dir)]
    cmd += ["--recipe", str(recipe), "--counts-csv", str(counts)]
    t0 = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    if done.returncode != 0:
        log(done.stderr[-4000:])
        raise SystemExit(f"engine {engine} failed")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["process_wall_s"] = round(wall, 2)
    return result


# ---------------------------------------------------------------- baseline ---
def baseline(store_dir: Path, ours_counts: Path) -> dict[str, Any]:
    """Plain geopandas: read every file, sjoin with the cercles, count."""
    import geopandas as gpd
    import pandas as pd

    from sahelgis.io.basedata import base_layers
    from sahelgis.scale.engines import peak_rss_mb, reset_peak
    from sahelgis.scale.store import EventStore

    store = EventStore.open(store_dir)
    files = [str(store_dir / f.path) for f in store.manifest.files]
    cercles = next(layer.data for layer in base_layers() if layer.role == "cercles")
    gc.collect()
    reset_peak()
    base_rss = peak_rss_mb()
    t0 = time.perf_counter()
    events = pd.concat([gpd.read_parquet(f) for f in files], ignore_index=True)
    events = gpd.GeoDataFrame(events, geometry="geometry", crs="EPSG:4326")
    t_read = time.perf_counter() - t0
    joined = gpd.sjoin(
        events[["event_date", "geometry"]],
        cercles[["name_fr", "geometry"]],
        predicate="within",
    )
    joined["year"] = pd.to_datetime(joined["event_date"]).dt.year
    counts = joined.groupby(["name_fr", "year"]).size()
    t_total = time.perf_counter() - t0
    peak = peak_rss_mb() - base_rss
    ours = pd.read_csv(ours_counts).set_index(["name_fr", "year"])["count"]
    theirs = counts.reindex(ours.index, fill_value=0)
    same = bool((ours == theirs).all()) and int(ours.sum()) == int(counts.sum())
    rows = len(events)
    del events, joined
    gc.collect()
    return {
        "rows_read": rows,
        "read_s": round(t_read, 2),
        "total_s": round(t_total, 2),
        "peak_rss_growth_mb": round(peak, 1),
        "cercle_counts_identical": same,
        "events_in_cercles": int(counts.sum()),
    }


def competent(
    store_dir: Path, ours_counts: Path, bbox: tuple[float, float, float, float]
) -> dict[str, Any]:
    """Competent geopandas: one ``read_parquet`` of the store's files with the
    recipe's scope box (``bbox=``, GeoParquet 1.1 covering: row groups and rows
    outside are skipped) and only the two columns needed, then per cercle a
    box mask and ``shapely.contains_xy`` of the prepared polygon, counts per
    year by ``np.unique``."""
    import geopandas as gpd
    import numpy as np
    import pandas as pd
    import shapely

    from sahelgis.io.basedata import base_layers
    from sahelgis.scale.engines import peak_rss_mb, reset_peak

    cercles = next(layer.data for layer in base_layers() if layer.role == "cercles")
    gc.collect()
    reset_peak()
    base_rss = peak_rss_mb()
    t0 = time.perf_counter()
    files = [str(f) for f in sorted(store_dir.rglob("*.parquet"))]
    events = gpd.read_parquet(files, bbox=bbox, columns=["event_date", "geometry"])
    t_read = time.perf_counter() - t0
    lon = shapely.get_x(events.geometry.to_numpy())
    lat = shapely.get_y(events.geometry.to_numpy())
    year = pd.to_datetime(events["event_date"]).dt.year.to_numpy()
    found: dict[tuple[str, int], int] = {}
    for name, geom in zip(cercles["name_fr"], cercles.geometry, strict=True):
        shapely.prepare(geom)
        w, s, e, n = geom.bounds
        cand = np.flatnonzero((lon >= w) & (lon <= e) & (lat >= s) & (lat <= n))
        inside = shapely.contains_xy(geom, lon[cand], lat[cand])
        for y, v in zip(
            *np.unique(year[cand][inside], return_counts=True), strict=True
        ):
            found[(name, int(y))] = found.get((name, int(y)), 0) + int(v)
    t_total = time.perf_counter() - t0
    peak = peak_rss_mb() - base_rss
    counts = pd.Series(found, dtype="int64")
    counts.index = counts.index.set_names(["name_fr", "year"])
    ours = pd.read_csv(ours_counts).set_index(["name_fr", "year"])["count"]
    theirs = counts.reindex(ours.index, fill_value=0)
    same = bool((ours == theirs).all()) and int(ours.sum()) == int(counts.sum())
    rows = len(events)
    del events
    gc.collect()
    return {
        "rows_read": rows,
        "read_s": round(t_read, 2),
        "total_s": round(t_total, 2),
        "peak_rss_growth_mb": round(peak, 1),
        "cercle_counts_identical": same,
        "events_in_cercles": int(counts.sum()),
    }


# -------------------------------------------------------------------- main ---
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=20241124)
    parser.add_argument("--cache", type=Path, default=ROOT / "benchmarks" / ".cache")
    parser.add_argument("--engines", default="local,dask:1,dask:2")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--store", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--recipe", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--counts-csv", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.store, args.recipe, args.counts_csv)
        return

    from sahelgis.scale.store import EventStore

    work = args.cache / f"scale_{args.n}_{args.seed}"
    work.mkdir(parents=True, exist_ok=True)
    store_dir = work / "store"
    log(f"store {store_dir}")
    build = build_store(store_dir, args.n, args.seed)
    store = EventStore.open(store_dir)
    recipe = write_recipe(work / "recipe.toml")
    from sahelgis.scale.recipe import load_recipe

    scope = load_recipe(recipe).read_scope()
    selection = store.select(scope.bbox, scope.start, scope.end, scope.countries)
    log(f"scope {scope.describe()}: {selection.describe()}")

    # an analyst's map view: one degree around Bamako, every year
    view = (-8.5, 12.1, -7.5, 13.1)
    view_sel = store.select(view)
    t0 = time.perf_counter()
    view_events = store.read(view_sel)
    view_s = time.perf_counter() - t0
    view_read = {
        **view_sel.to_json(),
        "bbox": view,
        "events": len(view_events),
        "read_s": round(view_s, 3),
        "bytes_share_read": round(view_sel.bytes / view_sel.total_bytes, 4),
    }
    log(f"Bamako view {view}: {view_sel.describe()}, {len(view_events):,} events")
    del view_events

    engines: dict[str, Any] = {}
    for engine in args.engines.split(","):
        log(f"running {engine} ...")
        engines[engine] = run_child(engine, store_dir, recipe, work)
        e = engines[engine]
        log(
            f"  {engine}: run {e['seconds']:.1f} s (start-up "
            f"{e['cluster_startup_s']:.1f} s), client peak "
            f"{e['process_peak_rss_mb']:.0f} MB, workers {e['worker_peak_rss_mb']} MB"
        )
    hashes = {json.dumps(e["hashes"], sort_keys=True) for e in engines.values()}
    identical = len(hashes) == 1

    base = comp = None
    if not args.no_baseline:
        log("competent: read_parquet(bbox=, columns=) + contains_xy ...")
        first = next(iter(engines))
        comp = competent(
            store_dir, work / f"counts_{first.replace(':', '_')}.csv", scope.bbox
        )
        log(f"  competent {comp}")
        log("naive: geopandas.read_parquet of every file + sjoin ...")
        first = next(iter(engines))
        base = baseline(store_dir, work / f"counts_{first.replace(':', '_')}.csv")
        log(f"  baseline {base}")

    local = engines.get("local")
    result: dict[str, Any] = {
        "benchmark": "scale_bench",
        "n": args.n,
        "platform": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "units": {"time": "s", "memory": "MB", "bytes": "bytes"},
        "store": {
            **build,
            "events": store.rows,
            "files": len(store.manifest.files),
            "partitions": len(store.partitions()),
            "bytes": store.bytes,
        },
        "pruning": {
            **selection.to_json(),
            "bytes_share_read": round(selection.bytes / selection.total_bytes, 4),
            "rows_share_read": round(selection.rows / selection.total_rows, 4),
        },
        "view_read": view_read,
        "engines": engines,
        "identical_tables": identical,
        "competent_detail": comp,
        "naive_detail": base,
    }
    if local and base and comp:
        tasks = {
            "ours local (whole recipe) vs read + cercle counts": comparison(
                local["seconds"], comp["total_s"], base["total_s"]
            ),
            "peak RSS (MB; ours: whole child process, others: growth)": comparison(
                local["process_peak_rss_mb"],
                comp["peak_rss_growth_mb"],
                base["peak_rss_growth_mb"],
            ),
        }
        print_table(tasks, "s (memory row: MB)")
        if not identical:
            log("ENGINES DISAGREE: " + " | ".join(sorted(hashes)))
        units = {"time": "s", "memory": "MB", "bytes": "bytes", "peak_memory": "MB"}
        result.pop("n")
        result.pop("benchmark")
        result.pop("units")
        print(result_line("scale", args.n, tasks, units, **result))
    else:
        print(json.dumps(result))
    if not identical or (base and not base["cercle_counts_identical"]):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
