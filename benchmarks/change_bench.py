"""Benchmark: emerging hot spots on N synthetic events, 10 km hexagons, monthly.

N SYNTHETIC events (default 1,000,000; ``write_demo_csv``, Mali, 2018-01 …
2024-06, 78 monthly steps) are imported once (not timed). Then, for the same
cube definition (10 km LAEA hexagons holding at least one event, months, the
hexagon and its 6 neighbours in the same and the previous month, FDR 0.05):

- *ours*: the registry's ``hotspots`` analysis (``HOT.run``): cube, Gi*,
  Benjamini–Hochberg, Mann–Kendall on z-scores and counts, categories, the
  result table and the map layer;
- *competent* baseline, plain geopandas + esda: the events as a GeoDataFrame
  projected to the same LAEA CRS, ``sjoin`` onto the hexagon polygons of
  ``hex_grid`` over the events' box, ``groupby`` (hexagon, month), the
  space-time weights as a sparse matrix (``libpysal`` Rook contiguity of the
  occupied hexagons, Kronecker product with the time window) given to
  ``esda.G_Local(star=True, transform="B", permutations=0)``, SciPy's
  ``false_discovery_control``, ``pymannkendall.original_test`` per hexagon,
  and the same category rules (:func:`sahelgis.analysis.hotspots.classify`).

Both sides' categories are compared (agreement is printed and in the JSON).
Times: best of ``--repeats`` for ours, one run of the baseline. Peak memory:
a second run of each side under ``tracemalloc`` (numpy and Python
allocations), plus the process's peak RSS at the end.

Usage::

    python benchmarks/change_bench.py [--n 1000000] [--repeats 3] [--csv FILE]

The last line printed is one JSON object (seconds, MB).
"""

from __future__ import annotations

import argparse
import sys
import tracemalloc
import warnings
from pathlib import Path
from typing import Any

import _common
import numpy as np
import pandas as pd
from _common import best_of, comparison, log, print_table, r4, result_line

from sahelgis.analysis.areas import _hex_centre_for, hex_crs, hex_grid
from sahelgis.analysis.hotspots import classify, two_sided_p
from sahelgis.analysis.registry import ANALYSES, Context
from sahelgis.model.events import EventTable

SIZE_M = 10_000.0
ALPHA = 0.05



def load_events(n: int, csv: Path | None) -> EventTable:
    return _common.load_events(n, csv, "sahelgis-change-bench-")


def ours(events: EventTable) -> pd.DataFrame:
    hot = ANALYSES["hotspots"]
    spec = hot.spec_from({"size": "10 km", "step": "month"}, Context())
    return hot.run(events, None, spec, Context()).table


def baseline(events: EventTable) -> pd.DataFrame:
    import geopandas as gpd
    import pymannkendall as mk
    import scipy.sparse as sp
    from esda.getisord import G_Local
    from libpysal.weights import WSP, Rook
    from scipy.stats import false_discovery_control

    centre = _hex_centre_for(events)
    crs = hex_crs(*centre)
    frame = events.frame
    points = gpd.GeoDataFrame(
        {"month": frame["event_date"].dt.to_period("M")},
        geometry=gpd.points_from_xy(frame["longitude"], frame["latitude"]),
        crs="EPSG:4326",
    ).to_crs(crs)
    box = tuple(
        float(v) for v in gpd.GeoSeries(points.geometry).to_crs(4326).total_bounds
    )
    grid = hex_grid(box, SIZE_M, centre=centre)[["hex_id", "geometry"]].to_crs(crs)
    joined = gpd.sjoin(points, grid, how="inner", predicate="within")
    months = pd.period_range(points["month"].min(), points["month"].max(), freq="M")
    cube = (
        joined.groupby(["hex_id", "month"]).size().unstack(fill_value=0)
        .reindex(columns=months, fill_value=0)
    )  # fmt: skip
    cells = grid.set_index("hex_id").loc[cube.index].reset_index()
    space = Rook.from_dataframe(cells, use_index=False, silence_warnings=True)
    a = space.sparse.tocsr()
    a = ((a + sp.identity(a.shape[0], format="csr")) > 0).astype(float)
    n_t = len(months)
    time_window = sp.identity(n_t, format="csr") + sp.eye(n_t, k=-1, format="csr")
    st = sp.kron(a, time_window, format="csr")  # bin = location * n_t + step
    st = st - sp.identity(st.shape[0], format="csr")  # G_Local(star) adds the bin
    st.eliminate_zeros()
    w = WSP(st).to_W(silence_warnings=True)
    y = cube.to_numpy(dtype=float).ravel()
    g = G_Local(y, w, transform="B", star=True, permutations=0)
    z = np.asarray(g.Zs).reshape(cube.shape)
    p = two_sided_p(z)
    significant = (false_discovery_control(p.ravel(), method="bh") <= ALPHA).reshape(
        z.shape
    )
    trend_z = np.empty(len(z))
    trend_p = np.empty(len(z))
    for i, row in enumerate(z):
        res = mk.original_test(row)
        trend_z[i], trend_p[i] = res.z, res.p
    categories = classify(z, significant, trend_z, trend_p, ALPHA)
    return pd.DataFrame({"hex_id": cube.index, "category": categories})


def traced_peak_mb(func: Any, events: EventTable) -> float:
    tracemalloc.start()
    func(events)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="events")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--csv", type=Path, default=None)
    args = parser.parse_args(argv)
    # libpysal warns that the occupied hexagons are not all connected (true)
    warnings.filterwarnings("ignore", message="The weights matrix is not fully")
    events = load_events(args.n, args.csv)

    t_ours, table = best_of(args.repeats, lambda: ours(events))
    log(f"ours: {t_ours:.2f} s, {len(table):,} hexagons")
    t_base, base = best_of(1, lambda: baseline(events))
    log(f"baseline (geopandas + esda + pymannkendall): {t_base:.2f} s")
    both = table[["hex_id", "category"]].merge(
        base, on="hex_id", how="outer", suffixes=("_ours", "_base")
    )
    agree = float((both["category_ours"] == both["category_base"]).mean())
    mem_ours = traced_peak_mb(ours, events)
    mem_base = traced_peak_mb(baseline, events)
    tasks = {"emerging hot spots, 10 km, monthly": comparison(t_ours, t_base)}
    print_table(tasks, "s")
    counts = table["category"].value_counts().to_dict()
    print(f"categories (ours): {counts}")
    print(
        f"hexagons: ours {len(table):,}, baseline {len(base):,}; same category "
        f"for {agree:.2%}; traced peak memory ours {mem_ours:.0f} MB, "
        f"baseline {mem_base:.0f} MB"
    )
    print(
        result_line(
            "change_bench",
            args.n,
            tasks,
            {"time": "s", "memory": "MB"},
            peak_traced_mb={"ours": r4(mem_ours), "baseline": r4(mem_base)},
            hexagons={"ours": len(table), "baseline": len(base)},
            steps=78,
            category_agreement=r4(agree),
            categories=counts,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
