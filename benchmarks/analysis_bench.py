"""Benchmark: buffer, corridor and per-cercle counts on N events vs naive geopandas.

N synthetic ACLED events (default 1,000,000; ``write_demo_csv`` then
``read_acled``, not timed). Three analyses, each run by SahelGIS and by a naive
geopandas baseline in the same process, with the counts compared:

(a) buffers: the 50 most populous Malian places of the bundled data, rings at
    25 km, 50 km and 70 mi, counts per year. Ours: ``buffer_counts``. Baseline
    per town: ``to_crs`` to an azimuthal equidistant CRS centred on the town
    (where distance from the centre is the exact geodesic distance),
    ``buffer`` the centre by each radius, ``sjoin(predicate="within")``,
    ``groupby`` radius and year.
(b) corridors: events within 10 km of each national road of the base data
    (RN3, RN4, RN6), per year (ours also per 25 km segment). Ours:
    ``corridor``. Baseline: ``to_crs`` to the same local CRS ours reports,
    ``buffer`` the road by 10 km, ``sjoin``, ``groupby`` year.
(c) cercles: events per cercle per year. Ours: ``counts_per_area``. Baseline:
    ``sjoin(points, cercles, predicate="within")``, ``groupby`` cercle and year.

Fairness and caveats
--------------------
- Not timed: CSV generation and import, the baseline's GeoDataFrame of events
  (``points_from_xy``; a geopandas user has it loaded) and our lon/lat grid
  index, which the app builds once per event table (timed and reported as
  ``index_build``; ``ours_total_with_index`` adds it).
- Our corridor timings are cold: the first call per road, which fits the
  road's local projection (later calls on the same road reuse it).
- Buffers in the baseline use ``quad_segs=4096`` (16,384 vertices per circle):
  the default 16 puts the polygon's edges up to 0.12 % (135 m at 70 mi)
  inside the true circle, and even 256 (a 0.5 m sliver) missed 40 of 1M
  events. What is left (2 mm at 70 mi) could still differ for an event in that
  sliver; such events are listed and counted as explained when their exact
  geodesic distance lies within it. Corridor buffers use the same
  ``quad_segs`` for their round caps and joins.
- The machine has 2 cores and other jobs may run (see the load average), so
  ours and the corridor/cercle baselines run ``--repeats`` times (default 3)
  and each timing keeps its best run; the buffer baseline (~1.5 min) runs
  once.

Targets (issue #5): identical counts, >= 10x faster than the baseline, each
single interactive analysis under 200 ms.

Usage::

    python benchmarks/analysis_bench.py [--n 1000000] [--csv EVENTS.csv]
        [--baseline-towns 50] [--repeats 3]

The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from sahelgis import paths
from sahelgis.analysis.areas import counts_per_area
from sahelgis.analysis.buffers import buffer_counts, event_index
from sahelgis.analysis.corridors import _cached_projector, corridor, road_by_ref
from sahelgis.analysis.places import bundled_places
from sahelgis.demo.synthetic_events import write_demo_csv
from sahelgis.io.acled import read_acled
from sahelgis.model.crs import GEOD, local_aeqd
from sahelgis.model.events import EventTable

RADII_M = (25_000.0, 50_000.0, 112_654.08)  # 25 km, 50 km, 70 mi
CORRIDOR_M = 10_000.0
SEGMENT_M = 25_000.0
N_TOWNS = 50
QUAD_SEGS = 4096
TARGET_SINGLE_MS = 200.0
TARGET_RATIO = 10.0


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def load_events(n: int, csv: Path | None) -> EventTable:
    if csv is None:
        work = Path(tempfile.mkdtemp(prefix="sahelgis-analysis-bench-"))
        csv = work / "events.csv"
        t0 = time.perf_counter()
        write_demo_csv(csv, n)
        log(f"generated {n:,} events in {time.perf_counter() - t0:.1f} s (not timed)")
    t0 = time.perf_counter()
    table, _ = read_acled(csv)
    log(f"imported {len(table):,} events in {time.perf_counter() - t0:.1f} s")
    if csv.parent.name.startswith("sahelgis-analysis-bench-"):
        csv.unlink()
        csv.parent.rmdir()
    return table


def pick_towns(events: EventTable) -> gpd.GeoDataFrame:
    places = bundled_places()
    mali = places[places["country_iso2"] == "ML"].copy()
    mali["pop"] = pd.to_numeric(mali["population"], errors="coerce").fillna(0)
    mali = mali.sort_values(["pop", "name"], ascending=[False, True])
    return mali.head(N_TOWNS).reset_index(drop=True)


def timed(func: Any, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    t0 = time.perf_counter()
    out = func(*args, **kwargs)
    return out, time.perf_counter() - t0


# ------------------------------------------------------------------ ours ---
def ours_buffers(events: EventTable, towns: gpd.GeoDataFrame) -> dict[str, Any]:
    times, counts, rows = [], {}, {}
    for _, town in towns.iterrows():
        lon, lat = town.geometry.x, town.geometry.y
        result, dt = timed(buffer_counts, events, lon, lat, list(RADII_M), by="year")
        times.append(dt)
        for k, radius in enumerate(RADII_M):
            rows[(town["name"], radius)] = result.rows[result.ring <= k]
        table = result.counts.pivot_table(
            index="year", columns="ring", values="count", aggfunc="sum", fill_value=0
        ).reindex(columns=list(result.labels), fill_value=0)
        cumulative = table.cumsum(axis=1)
        for k, radius in enumerate(RADII_M):
            for year, value in cumulative.iloc[:, k].items():
                if value:
                    counts[(town["name"], radius, int(year))] = int(value)
    return {"times": times, "counts": counts, "rows": rows}


def ours_corridors(events: EventTable, roads: gpd.GeoDataFrame) -> dict[str, Any]:
    _cached_projector.cache_clear()  # cold: fit each road's projection again
    cold, warm, counts, crs = [], [], {}, {}
    for ref in sorted(roads["ref"].unique()):
        line = road_by_ref(ref, roads)
        result, dt = timed(
            corridor, line, CORRIDOR_M, SEGMENT_M, events, by="year", name=ref
        )
        cold.append(dt)
        _, dt2 = timed(corridor, line, CORRIDOR_M, SEGMENT_M, events, by="year")
        warm.append(dt2)
        per_year = result.counts.groupby("year")["count"].sum()
        for year, value in per_year.items():
            counts[(ref, int(year))] = int(value)
        crs[ref] = result.crs
    return {"cold": cold, "warm": warm, "counts": counts, "crs": crs}


def ours_cercles(events: EventTable, cercles: gpd.GeoDataFrame) -> dict[str, Any]:
    table, dt = timed(counts_per_area, events, cercles, "name_fr", by="year")
    table = table[table["count"] > 0]
    counts = {
        (row.name_fr, int(row.year)): int(row.count)
        for row in table.itertuples(index=False)
    }
    return {"time": dt, "counts": counts}


# -------------------------------------------------------------- baseline ---
def base_buffers(gdf: gpd.GeoDataFrame, towns: gpd.GeoDataFrame) -> dict[str, Any]:
    times, counts, rows = [], {}, {}
    for _, town in towns.iterrows():
        t0 = time.perf_counter()
        crs = local_aeqd(town.geometry.x, town.geometry.y)
        local = gdf.to_crs(crs)
        centre = gpd.GeoSeries([shapely.Point(0.0, 0.0)], crs=crs)
        discs = gpd.GeoDataFrame(
            {"radius": list(RADII_M)},
            geometry=[centre.buffer(r, quad_segs=QUAD_SEGS).iloc[0] for r in RADII_M],
            crs=crs,
        )
        joined = gpd.sjoin(local, discs, predicate="within")
        grouped = joined.groupby(["radius", "year"]).size()
        times.append(time.perf_counter() - t0)
        for (radius, year), value in grouped.items():
            counts[(town["name"], float(radius), int(year))] = int(value)
        for radius, found in joined.groupby("radius").groups.items():
            rows[(town["name"], float(radius))] = np.asarray(found, dtype=np.int64)
    return {"times": times, "counts": counts, "rows": rows}


def base_corridors(
    gdf: gpd.GeoDataFrame, roads: gpd.GeoDataFrame, crs_of: dict[str, str]
) -> dict[str, Any]:
    times, counts = [], {}
    for ref in sorted(roads["ref"].unique()):
        t0 = time.perf_counter()
        crs = crs_of[ref]
        local = gdf.to_crs(crs)
        road = roads[roads["ref"] == ref].to_crs(crs)
        band = road.buffer(CORRIDOR_M, quad_segs=QUAD_SEGS).union_all()
        zone = gpd.GeoDataFrame(geometry=[band], crs=crs)
        joined = gpd.sjoin(local, zone, predicate="within")
        grouped = joined.groupby("year").size()
        times.append(time.perf_counter() - t0)
        for year, value in grouped.items():
            counts[(ref, int(year))] = int(value)
    return {"times": times, "counts": counts}


def base_cercles(gdf: gpd.GeoDataFrame, cercles: gpd.GeoDataFrame) -> dict[str, Any]:
    t0 = time.perf_counter()
    joined = gpd.sjoin(gdf, cercles[["name_fr", "geometry"]], predicate="within")
    grouped = joined.groupby(["name_fr", "year"]).size()
    dt = time.perf_counter() - t0
    return {
        "time": dt,
        "counts": {(k[0], int(k[1])): int(v) for k, v in grouped.items()},
    }


def best_of(repeats: int, func: Any, *args: Any) -> dict[str, Any]:
    """Run ``func`` ``repeats`` times; keep each timing's minimum (the
    machine is shared, so the best run is the least disturbed one)."""
    best: dict[str, Any] | None = None
    for _ in range(max(repeats, 1)):
        gc.collect()
        out = func(*args)
        if best is None:
            best = out
            continue
        for key in ("times", "cold", "warm"):
            if key in out:
                best[key] = list(np.minimum(best[key], out[key]))
        if "time" in out:
            best["time"] = min(best["time"], out["time"])
    assert best is not None
    return best


# ------------------------------------------------------------ comparison ---
def compare(ours: dict, base: dict) -> list[tuple[Any, int, int]]:
    keys = set(ours) | set(base)
    return [
        (k, ours.get(k, 0), base.get(k, 0))
        for k in sorted(keys, key=str)
        if ours.get(k, 0) != base.get(k, 0)
    ]


def buffer_event_differences(
    events: EventTable, towns: gpd.GeoDataFrame, ours: dict, base: dict
) -> tuple[int, int]:
    """Events counted by one side only, and how many of them lie in the sliver
    between the baseline's polygon and the true circle (exact distance
    ``<= r`` but beyond the polygon's inscribed edge), i.e. where the baseline
    is wrong by construction."""
    sliver = 1.0 - math.cos(math.pi / (4 * QUAD_SEGS))
    differ = explained = 0
    for key in base:
        a = ours.get(key, np.zeros(0, dtype=np.int64))
        b = base[key]
        only = np.setxor1d(a, b)
        if len(only) == 0:
            continue
        differ += len(only)
        name, radius = key
        town = towns[towns["name"] == name].iloc[0]
        _, _, d = GEOD.inv(
            np.full(len(only), town.geometry.x), np.full(len(only), town.geometry.y),
            events.lon[only], events.lat[only],
        )  # fmt: skip
        in_ours = np.isin(only, a)
        ok = in_ours & (d <= radius) & (d > radius * (1 - sliver))
        explained += int(ok.sum())
    return differ, explained


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="events")
    parser.add_argument("--csv", type=Path, help="use this ACLED CSV instead")
    parser.add_argument(
        "--baseline-towns",
        type=int,
        default=N_TOWNS,
        help="run the (slow) buffer baseline on the first K towns only",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=3,
        help="runs of ours and of the corridor/cercle baselines (best kept); "
        "the buffer baseline runs once",
    )
    args = parser.parse_args(argv)

    events = load_events(args.n, args.csv)
    n = len(events)
    towns = pick_towns(events)
    roads = pyogrio.read_dataframe(paths.base_gpkg(), layer="roads_national")
    cercles = pyogrio.read_dataframe(paths.base_gpkg(), layer="admin2_cercles")

    gc.collect()
    _, index_s = timed(event_index, events)
    log(f"grid index built in {index_s * 1000:.0f} ms (once per table)")
    log(f"ours: buffers, corridors, cercles (best of {args.repeats}) ...")
    ob = best_of(args.repeats, ours_buffers, events, towns)
    oc = best_of(args.repeats, ours_corridors, events, roads)
    oa = best_of(args.repeats, ours_cercles, events, cercles)

    t0 = time.perf_counter()
    gdf = gpd.GeoDataFrame(
        {"year": events.frame["year"].to_numpy()},
        geometry=gpd.points_from_xy(events.lon, events.lat),
        crs="EPSG:4326",
    )
    log(f"baseline GeoDataFrame built in {time.perf_counter() - t0:.1f} s (not timed)")
    gc.collect()
    k = max(1, min(args.baseline_towns, len(towns)))
    log(f"baseline: buffers for {k} towns ...")
    bb = base_buffers(gdf, towns.head(k))
    log(f"baseline: corridors, cercles (best of {args.repeats}) ...")
    bc = best_of(args.repeats, base_corridors, gdf, roads, oc["crs"])
    ba = best_of(args.repeats, base_cercles, gdf, cercles)

    towns_k = set(towns.head(k)["name"])
    ours_b_counts = {key: v for key, v in ob["counts"].items() if key[0] in towns_k}
    d_buf = compare(ours_b_counts, bb["counts"])
    d_cor = compare(oc["counts"], bc["counts"])
    d_cer = compare(oa["counts"], ba["counts"])
    towns_run = towns.head(k)
    ours_rows = {key: v for key, v in ob["rows"].items() if key[0] in towns_k}
    differ, explained = buffer_event_differences(
        events, towns_run, ours_rows, bb["rows"]
    )

    ours_buffers_s = float(np.sum(ob["times"]))
    ours_buffers_k = float(np.sum(ob["times"][:k]))
    base_buffers_k = float(np.sum(bb["times"]))
    base_buffers_s = base_buffers_k * len(towns) / k
    ours_cor_s = float(np.sum(oc["cold"]))
    base_cor_s = float(np.sum(bc["times"]))
    ours_total = ours_buffers_s + ours_cor_s + oa["time"]
    base_total = base_buffers_s + base_cor_s + ba["time"]
    single_ms = {
        "buffer_max": 1000 * max(ob["times"]),
        "buffer_median": 1000 * float(np.median(ob["times"])),
        "corridor_cold_max": 1000 * max(oc["cold"]),
        "corridor_warm_max": 1000 * max(oc["warm"]),
        "cercles_per_year": 1000 * oa["time"],
        "index_build": 1000 * index_s,
    }
    ratio = {
        "buffers": base_buffers_k / ours_buffers_k,
        "corridors": base_cor_s / ours_cor_s,
        "cercles": ba["time"] / oa["time"],
        "total": base_total / ours_total,
        "total_with_index": base_total / (ours_total + index_s),
    }
    identical = {
        "buffers": not d_buf,
        "corridors": not d_cor,
        "cercles": not d_cer,
    }
    worst_single = max(
        single_ms["buffer_max"], single_ms["corridor_cold_max"],
        single_ms["cercles_per_year"],
    )  # fmt: skip
    targets = {
        "identical_counts": all(identical.values())
        or (not d_cor and not d_cer and explained == differ),
        "ten_times_faster": min(ratio["buffers"], ratio["corridors"], ratio["cercles"])
        >= TARGET_RATIO,
        "single_under_200ms": worst_single < TARGET_SINGLE_MS,
    }

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"analysis benchmark: {n:,} events, {len(towns)} towns x 3 radii, "
          f"{roads['ref'].nunique()} roads, {len(cercles)} cercles; "
          f"load average {load:.2f}")  # fmt: skip
    print(f"{'task':<34}{'ours':>12}{'baseline':>12}{'ratio':>9}  identical")
    rows = [
        (f"buffers ({len(towns)} towns, 3 radii)", ours_buffers_s, base_buffers_s,
         ratio["buffers"], identical["buffers"]),
        ("corridors (3 roads, 10 km)", ours_cor_s, base_cor_s, ratio["corridors"],
         identical["corridors"]),
        ("counts per cercle per year", oa["time"], ba["time"], ratio["cercles"],
         identical["cercles"]),
        ("total", ours_total, base_total, ratio["total"], all(identical.values())),
    ]  # fmt: skip
    for name, ours_s, base_s, r, same in rows:
        print(f"{name:<34}{ours_s:>10.3f} s{base_s:>10.2f} s{r:>8.0f}x  {same}")
    if k < len(towns):
        print(f"(buffer baseline run on {k} towns, scaled to {len(towns)}; the "
              f"ratio compares the same {k} towns)")  # fmt: skip
    print(
        "single analysis (ms): "
        + ", ".join(f"{key} {value:.0f}" for key, value in single_ms.items())
    )
    for label, diffs in (("buffer", d_buf), ("corridor", d_cor), ("cercle", d_cer)):
        for key, a, b in diffs[:10]:
            print(f"  {label} count differs at {key}: ours {a}, baseline {b}")
    if differ:
        print(f"  {differ} events counted differently in buffers; {explained} of "
              "them lie in the baseline polygon's sliver inside the true circle "
              "(exact geodesic distance <= radius)")  # fmt: skip
    targets = {key: bool(value) for key, value in targets.items()}
    missed = [name for name, ok in targets.items() if not ok]
    print("targets missed: " + (", ".join(missed) if missed else "none"))

    def r3(value: float) -> float:
        return float(f"{value:.4g}")

    result = {
        "benchmark": "analysis",
        "n": n,
        "units": {"time": "s", "single": "ms"},
        "machine": {
            "cpus": os.cpu_count(),
            "load_average": r3(load),
            "python": platform.python_version(),
            "geopandas": gpd.__version__,
            "shapely": shapely.__version__,
        },
        "ours": {
            "buffers_s": r3(ours_buffers_s),
            "corridors_s": r3(ours_cor_s),
            "cercles_s": r3(oa["time"]),
            "total_s": r3(ours_total),
            "index_build_s": r3(index_s),
            "total_with_index_s": r3(ours_total + index_s),
        },
        "baseline": {
            "buffers_s": r3(base_buffers_s),
            "buffers_towns_run": k,
            "corridors_s": r3(base_cor_s),
            "cercles_s": r3(ba["time"]),
            "total_s": r3(base_total),
        },
        "ratio": {key: r3(value) for key, value in ratio.items()},
        "single_ms": {key: r3(value) for key, value in single_ms.items()},
        "identical": identical,
        "mismatches": {
            "buffers": len(d_buf),
            "buffer_events_differing": differ,
            "buffer_events_in_polygon_sliver": explained,
            "corridors": len(d_cor),
            "cercles": len(d_cer),
        },
        "targets_met": targets,
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
