"""Benchmark: support zones (``sahelgis zones``) on N events, ours vs scikit-learn.

N SYNTHETIC ACLED events (default 1,000,000; ``write_demo_csv`` then
``read_acled``, not timed), the bundled rules (JNIM / IS Sahel control
indicators: actors AND (sub-event types OR keywords in notes)), zones per year
(eps 15 km, 5 events, 5 km margin).

- **Ours**: :func:`sahelgis.analysis.zones.support_zones` (indicator rules,
  projection, per-year exact grid DBSCAN, hulls, scores, the result frame),
  best of ``--repeats``.
- **Competent**: what a skilled pandas / scikit-learn user writes for the same
  method: ``Series.str.contains`` with one escaped alternation per actor column
  (``case=False``), ``isin`` on the sub-event type, ``str.contains`` on the
  notes of the actor rows; pyproj to the same azimuthal equidistant CRS; per
  year ``np.unique`` of the coordinates and ``sklearn.cluster.DBSCAN(eps,
  min_samples).fit(points, sample_weight=counts)`` (KD tree, ``<= eps``, one
  job like ours); per cluster a shapely convex hull buffered by the margin,
  months, last date and score. Best of ``--repeats``.
- **Checked**: the indicator masks are equal; per year, the clusters of core
  points are the same partition (scikit-learn's ``core_sample_indices_``);
  every point is noise in both or in neither; the share of points whose
  cluster matches after pairing the clusters (border points within eps of two
  clusters may join either, in both libraries); the zones' event counts;
  the years where the plane alone surely gives the clusters of ground
  distances (same labels at eps × (1 ± the projection's scale error)).

Usage::

    python benchmarks/zones_bench.py [--n 1000000] [--csv EVENTS.csv] [--repeats 3]

The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from _common import (
    best_of,
    comparison,
    load_average,
    load_events,
    log,
    peak_rss_mb,
    print_table,
    r4,
    result_line,
)
from pyproj import Transformer

from sahelgis.analysis.dbscan import dbscan
from sahelgis.analysis.zones import ACTOR_COLUMNS, DEFAULT_RULES, support_zones
from sahelgis.model import acled_schema as acled
from sahelgis.model.crs import WGS84, local_aeqd

#: Issue 20's target for support zones at 1M events, seconds.
TARGET_S = 5.0


def competent_mask(frame: pd.DataFrame) -> np.ndarray:
    """The bundled rules with pandas' vectorised string methods."""
    rules = DEFAULT_RULES

    def alternation(words: tuple[str, ...]) -> str:
        return "|".join(re.escape(w) for w in words)

    actors = alternation(rules.actors)
    actor = np.zeros(len(frame), dtype=bool)
    for name in ACTOR_COLUMNS:
        actor |= (
            frame[name]
            .str.contains(actors, case=False, regex=True, na=False)
            .to_numpy(bool)
        )
    kind = np.array(frame[acled.SUB_EVENT_TYPE].isin(rules.sub_event_types), dtype=bool)
    todo = actor & ~kind
    notes = frame.loc[todo, acled.NOTES].str.contains(
        alternation(rules.notes_keywords), case=False, regex=True, na=False
    )
    kind[todo] |= notes.to_numpy(bool)
    return actor & kind


def competent_zones(events: Any) -> dict[str, Any]:
    """Support zones per year with pandas, pyproj, scikit-learn and shapely."""
    from sklearn.cluster import DBSCAN

    rules = DEFAULT_RULES
    frame = events.frame
    mask = competent_mask(frame)
    ind = np.flatnonzero(mask)
    lon, lat = events.lon[ind], events.lat[ind]
    crs = local_aeqd(float(np.median(lon)), float(np.median(lat)))
    x, y = Transformer.from_crs(WGS84, crs, always_xy=True).transform(lon, lat)
    xy = np.column_stack([x, y])
    dates = events.dates[ind].astype("datetime64[D]")
    years = dates.astype("datetime64[Y]").astype(np.int64) + 1970
    all_dates = events.dates.astype("datetime64[D]")
    first, last = all_dates.min(), all_dates.max()
    clusters: dict[int, Any] = {}
    zones = []
    for year in np.unique(years):
        sel = np.flatnonzero(years == year)
        uniq, inverse, counts = np.unique(
            xy[sel], axis=0, return_inverse=True, return_counts=True
        )
        model = DBSCAN(eps=rules.eps_km * 1000.0, min_samples=rules.min_events)
        model.fit(uniq, sample_weight=counts)
        labels = model.labels_
        clusters[int(year)] = (uniq, counts, labels, model.core_sample_indices_)
        event_labels = labels[inverse.ravel()]
        p_first = max(np.datetime64(f"{year}-01-01"), first)
        p_last = min(np.datetime64(f"{year}-12-31"), last)
        months_total = (
            int(
                p_last.astype("datetime64[M]").astype(int)
                - p_first.astype("datetime64[M]").astype(int)
            )
            + 1
        )
        length = int((p_last - p_first).astype(int)) + 1
        for cluster in range(labels.max() + 1):
            members = event_labels == cluster
            hull = shapely.MultiPoint(uniq[labels == cluster]).convex_hull
            poly = hull.buffer(rules.margin_km * 1000.0, quad_segs=16)
            d = dates[sel][members]
            months = len(np.unique(d.astype("datetime64[M]")))
            gap = int((p_last - d.max()).astype(int))
            score = 100.0 * (
                0.4 * min(1.0, members.sum() / (5.0 * rules.min_events))
                + 0.4 * min(1.0, months / months_total)
                + 0.2 * min(1.0, max(0.0, 1.0 - gap / length))
            )
            zones.append((int(year), int(members.sum()), round(score, 1), poly))
    return {
        "mask": mask,
        "clusters": clusters,
        "zones": zones,
        "crs": crs,
        "lonlat": (lon, lat),
    }


def agreement(clusters: dict[int, Any]) -> dict[str, Any]:
    """Ours vs scikit-learn on the same points, year by year."""
    eps = DEFAULT_RULES.eps_km * 1000.0
    points = same_core = same_noise = matched = 0
    for uniq, counts, sk, core_idx in clusters.values():
        ours = dbscan(
            uniq[:, 0], uniq[:, 1], eps, DEFAULT_RULES.min_events, counts.astype(float)
        )
        points += len(uniq)
        # core points: the same partition (pair each sklearn cluster with ours)
        pair = pd.crosstab(sk[core_idx], ours[core_idx])
        one_to_one = (pair.gt(0).sum(axis=0) == 1).all() and (
            pair.gt(0).sum(axis=1) == 1
        ).all()
        same_core += int(one_to_one)
        same_noise += int(np.array_equal(sk < 0, ours < 0))
        mapping = pair.idxmax(axis=1).to_dict()
        mapped = np.array([mapping.get(v, -2) if v >= 0 else -1 for v in sk])
        matched += int((mapped == ours).sum())
    return {
        "years": len(clusters),
        "years_same_core_partition": same_core,
        "years_same_noise": same_noise,
        "points": points,
        "points_same": matched,
        "points_same_cluster_share": r4(matched / max(points, 1)),
    }


def geodesic_certificate(comp: dict[str, Any]) -> dict[str, Any]:
    """Years where the plane alone surely gives the ground's clusters.

    The competent baseline clusters on the plane; ours decides the doubtful
    pairs with ``Geod.inv`` (ground, geodesic distances).

    The projection stretches a distance by a factor between the smallest and
    largest Tissot scale over the points, within ``1 ± delta``; so every
    pair within eps on the ground is within eps × (1 + delta) on the plane and
    every pair within eps × (1 - delta) on the plane is within eps on the
    ground. Neighbourhoods, core sets and the core graph grow with the radius:
    when DBSCAN gives the same labels at both radii, the geodesic DBSCAN has
    the same core points, clusters and noise as ours.
    """
    from pyproj import Proj

    lon, lat = comp["lonlat"]
    factors = Proj(comp["crs"]).get_factors(lon, lat)
    delta = float(
        max(
            np.max(factors.tissot_semimajor) - 1.0,
            1.0 - np.min(factors.tissot_semiminor),
        )
    )
    delta += 1e-4  # a 15 km segment's scale varies a little along it
    eps = DEFAULT_RULES.eps_km * 1000.0
    same = 0
    for uniq, counts, _, _ in comp["clusters"].values():
        w = counts.astype(float)
        args = (DEFAULT_RULES.min_events, w)
        low = dbscan(uniq[:, 0], uniq[:, 1], eps * (1 - delta), *args)
        high = dbscan(uniq[:, 0], uniq[:, 1], eps * (1 + delta), *args)
        same += int(np.array_equal(low, high))
    return {"projection_delta": r4(delta), "years_certified_geodesic": same}


def rss_growth_mb(func: Any) -> float:
    """Peak resident memory added by one run of ``func``, MB.

    The run happens in a forked child (numpy, scikit-learn's C++ and Arrow
    allocations all count, which ``tracemalloc`` would miss); the child's high
    water mark starts at its resident size when forked (Linux).
    """
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()

    def child() -> None:
        with open("/proc/self/statm", encoding="ascii") as f:
            before = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
        func()
        queue.put(peak_rss_mb() - before)

    proc = ctx.Process(target=child)
    proc.start()
    value = float(queue.get())
    proc.join()
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="synthetic events")
    parser.add_argument("--csv", type=Path, help="an ACLED CSV instead")
    parser.add_argument("--repeats", type=int, default=3, help="best of")
    args = parser.parse_args(argv)
    events = load_events(args.n, args.csv, "zones_bench_")
    n = len(events)

    log("ours ...")
    ours_s, zones = best_of(args.repeats, lambda: support_zones(events, DEFAULT_RULES))
    log(f"ours {ours_s:.2f} s, {len(zones)} zones")
    log("competent (pandas + scikit-learn) ...")
    comp_s, comp = best_of(args.repeats, lambda: competent_zones(events))
    log(f"competent {comp_s:.2f} s")

    from sahelgis.analysis.zones import indicator_mask

    ours_mask = indicator_mask(events.frame, DEFAULT_RULES)
    t0 = time.perf_counter()
    competent_mask(events.frame)
    mask_comp_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    indicator_mask(events.frame, DEFAULT_RULES)
    mask_ours_s = time.perf_counter() - t0
    agree = agreement(comp["clusters"])
    ours_counts = sorted(
        zip(zones["period"].astype(int), zones["events"].astype(int), strict=True)
    )
    comp_counts = sorted((year, count) for year, count, _, _ in comp["zones"])
    checks = {
        "same_indicator_mask": bool(np.array_equal(ours_mask, comp["mask"])),
        "indicator_events": int(ours_mask.sum()),
        "zones_ours": len(zones),
        "zones_competent": len(comp["zones"]),
        # border points within eps of two clusters may join either one
        "zones_with_other_event_count": sum(
            (Counter(ours_counts) - Counter(comp_counts)).values()
        ),
        "border_points_in_other_cluster": agree["points"] - agree["points_same"],
        **agree,
        **geodesic_certificate(comp),
    }
    log("peak memory of one run (forked child) ...")
    peak = {
        "ours": r4(rss_growth_mb(lambda: support_zones(events, DEFAULT_RULES))),
        "competent": r4(rss_growth_mb(lambda: competent_zones(events))),
    }
    tasks = {
        "support zones by year": comparison(ours_s, comp_s),
        "indicator rules only": comparison(mask_ours_s, mask_comp_s),
    }
    targets = {
        "under_5s": ours_s <= TARGET_S,
        "not_slower_than_competent": ours_s <= comp_s,
        "same_core_partition": agree["years_same_core_partition"] == agree["years"],
        "same_indicators": checks["same_indicator_mask"],
    }

    print(f"support zones benchmark: {n:,} events, {checks['indicator_events']:,} "
          f"indicators, {len(zones)} zones; load average {load_average():.2f}; "
          f"best of {args.repeats}")  # fmt: skip
    print_table(tasks, "s")
    print("checks: " + ", ".join(f"{k} {v}" for k, v in checks.items()))
    print(f"peak memory added by one run (MB): ours {peak['ours']:.0f}, "
          f"competent {peak['competent']:.0f}")  # fmt: skip
    missed = [name for name, ok in targets.items() if not ok]
    print("targets missed: " + (", ".join(missed) if missed else "none"))
    print(
        result_line(
            "zones",
            n,
            tasks,
            {"time": "s", "peak_memory": "MB", "run_peak_memory": "MB"},
            repeats=args.repeats,
            checks=checks,
            run_peak_memory_mb=peak,
            targets_met={key: bool(v) for key, v in targets.items()},
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
