"""Benchmark: export a 16:9 slide figure at 200 DPI with N events (default 100k).

Ours: ``sahelgis.export.render.render_figure`` on a project holding the bundled
base layers and N synthetic events (a fresh project, so projecting the events
to the display CRS is included), with title, legend, scale bar, north arrow,
inset, source line and the synthetic mark, written as PNG.

Competent baseline, in the same process, best of the same ``--repeats``:
matplotlib with the base layers projected once (kept by the script, as ours
keeps its bundled layers), event coordinates through a pyproj ``Transformer``
on the arrays, one ``scatter`` coloured from the category codes, a legend from
proxy handles, a title, ``savefig`` at the same size and DPI. Like the naive
one it draws no scale bar, inset, north arrow or labels (less than ours).

Naive baseline (kept for history): the geopandas route a script would take —
``GeoDataFrame(points_from_xy)`` of the events, ``to_crs`` to the same display
CRS, ``GeoDataFrame.plot(column="event_type", categorical=True, legend=True)``
over the base layers plotted with ``GeoDataFrame.plot``, a title, then
``savefig`` at the same size and DPI. It has no scale bar, inset or labels, so
it does less than ours.

Target (issue #7): ours under 3 s for 100k events.

Usage::

    python benchmarks/export_bench.py [--n 100000] [--repeats 1] [--keep DIR]

The last line printed is one JSON object (seconds).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from _common import comparison, result_line

os.environ.setdefault("MPLBACKEND", "Agg")

TOWNS = {  # lon, lat (GeoNames)
    "Nara": (-7.2857, 15.1685),
    "Banamba": (-7.4489, 13.5494),
    "Kati": (-8.0718, 12.7441),
    "Ségou": (-6.2667, 13.4317),
    "Kolokani": (-8.0333, 13.5667),
    "Mopti": (-4.1967, 14.4843),
}
TYPES = {
    "Battles": 0.3,
    "Violence against civilians": 0.27,
    "Explosions/Remote violence": 0.17,
    "Strategic developments": 0.15,
    "Protests": 0.09,
    "Riots": 0.02,
}


def synthetic_events(n: int, seed: int = 7) -> pd.DataFrame:
    """N made-up events clustered around towns, ACLED column names."""
    rng = np.random.default_rng(seed)
    centres = np.array(list(TOWNS.values()))
    which = rng.integers(0, len(centres), n)
    spread = rng.choice([0.05, 0.25, 0.8], n, p=[0.4, 0.4, 0.2])
    lon = centres[which, 0] + rng.normal(0, 1, n) * spread
    lat = centres[which, 1] + rng.normal(0, 1, n) * spread
    days = rng.integers(0, 365 * 6, n)
    dates = np.datetime64("2018-01-01") + days.astype("timedelta64[D]")
    types = rng.choice(list(TYPES), n, p=list(TYPES.values()))
    return pd.DataFrame(
        {
            "event_id_cnty": [f"BEN{i}" for i in range(n)],
            "event_date": dates.astype("datetime64[s]"),
            "event_type": pd.Categorical(types),
            "actor1": pd.Categorical(["Synthetic actor"] * n),
            "latitude": lat,
            "longitude": lon,
            "time_precision": np.ones(n, dtype=np.int8),
            "fatalities": rng.integers(0, 5, n).astype(np.int32),
        }
    )


def ours(frame: pd.DataFrame, out: Path) -> float:
    from sahelgis.export.render import render_figure
    from sahelgis.io.basedata import base_layers
    from sahelgis.model.events import EventTable
    from sahelgis.model.figures import FigureSpec
    from sahelgis.model.layer_factory import event_layer
    from sahelgis.model.project import Project

    table = EventTable(frame.copy(), synthetic=True)
    project = Project(base_layers())
    project.add_layer(event_layer(table, "bench.csv"))
    spec = FigureSpec(
        name="bench",
        title="Export benchmark: synthetic events in southern Mali",
        subtitle=f"{len(frame):,} synthetic events",
        extent=(-12.5, 10.0, -3.5, 16.5),
        dpi=200,
    )
    t0 = time.perf_counter()
    render_figure(project, spec, out)
    return time.perf_counter() - t0


def baseline(frame: pd.DataFrame, out: Path) -> float:
    import geopandas as gpd
    import matplotlib.pyplot as plt

    from sahelgis.io.basedata import base_layers
    from sahelgis.model import crs

    bases = [layer.data for layer in base_layers()]
    t0 = time.perf_counter()
    events = gpd.GeoDataFrame(
        frame,
        geometry=gpd.points_from_xy(frame["longitude"], frame["latitude"]),
        crs="EPSG:4326",
    ).to_crs(crs.DISPLAY_CRS)
    fig, ax = plt.subplots(figsize=(13.333, 7.5))
    for data in reversed(bases):
        data.to_crs(crs.DISPLAY_CRS).plot(
            ax=ax, facecolor="none", edgecolor="#888888", linewidth=0.6, markersize=4
        )
    events.plot(ax=ax, column="event_type", categorical=True, legend=True, markersize=4)
    box = crs.lonlat_box_to_display((-12.5, 10.0, -3.5, 16.5))
    ax.set_xlim(box[0], box[2])
    ax.set_ylim(box[1], box[3])
    ax.set_title("Export benchmark (baseline)")
    fig.savefig(out, dpi=200)
    plt.close(fig)
    return time.perf_counter() - t0


def competent(frame: pd.DataFrame, out: Path) -> float:
    """Matplotlib as a competent script: base layers projected once (a script
    keeps them, as ours keeps its bundled layers), event coordinates through a
    pyproj ``Transformer`` on the arrays, one ``scatter`` with a colour array
    from the category codes, a legend from proxy handles, ``savefig``."""
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from pyproj import Transformer

    from sahelgis.io.basedata import base_layers
    from sahelgis.model import acled_schema as acled
    from sahelgis.model import crs

    bases = _projected_bases(base_layers, crs.DISPLAY_CRS)
    t0 = time.perf_counter()
    fwd = Transformer.from_crs("EPSG:4326", crs.DISPLAY_CRS, always_xy=True)
    x, y = fwd.transform(frame["longitude"].to_numpy(), frame["latitude"].to_numpy())
    types = frame["event_type"].cat
    palette = [acled.EVENT_TYPE_COLORS.get(str(c), "#888888") for c in types.categories]
    colours = np.asarray(palette)[types.codes.to_numpy()]
    fig, ax = plt.subplots(figsize=(13.333, 7.5))
    for data in reversed(bases):
        data.plot(
            ax=ax, facecolor="none", edgecolor="#888888", linewidth=0.6, markersize=4
        )
    ax.scatter(x, y, c=colours, s=4, linewidths=0)
    handles = [
        Line2D([], [], marker="o", linestyle="", color=c, label=str(name))
        for name, c in zip(types.categories, palette, strict=True)
    ]
    ax.legend(handles=handles)
    box = crs.lonlat_box_to_display((-12.5, 10.0, -3.5, 16.5))
    ax.set_xlim(box[0], box[2])
    ax.set_ylim(box[1], box[3])
    ax.set_title("Export benchmark (competent)")
    fig.savefig(out, dpi=200)
    plt.close(fig)
    return time.perf_counter() - t0


_BASES: dict[str, list[Any]] = {}


def _projected_bases(loader: Any, target: str) -> list[Any]:
    if target not in _BASES:
        _BASES[target] = [layer.data.to_crs(target) for layer in loader()]
    return _BASES[target]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="synthetic events")
    parser.add_argument("--repeats", type=int, default=1, help="best of R runs")
    parser.add_argument("--keep", type=Path, help="keep the PNGs in this folder")
    args = parser.parse_args(argv)
    frame = synthetic_events(args.n)
    folder = args.keep or Path(tempfile.mkdtemp(prefix="sahelgis-export-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    # warm up imports and font caches on a tiny run (not timed)
    ours(frame.head(50), folder / "warm.png")
    baseline(frame.head(50), folder / "warm_baseline.png")
    competent(frame.head(50), folder / "warm_competent.png")
    ours_s = min(ours(frame, folder / "ours.png") for _ in range(args.repeats))
    comp_s = min(
        competent(frame, folder / "competent.png") for _ in range(args.repeats)
    )
    base_s = min(baseline(frame, folder / "baseline.png") for _ in range(args.repeats))
    cpus = os.cpu_count()
    print(f"events            {args.n:,}")
    print(f"ours (16:9, 200 dpi PNG, full layout)   {ours_s:7.3f} s  (target < 3 s)")
    print(f"competent (arrays, one scatter)         {comp_s:7.3f} s")
    print(f"naive (geopandas .plot + savefig)       {base_s:7.3f} s")
    print(f"ratio competent / ours                  {comp_s / ours_s:7.2f}x")
    print(f"ratio naive / ours                      {base_s / ours_s:7.2f}x")
    print(f"PNGs in {folder} ({cpus} CPUs)")
    if args.keep is None:
        for name in (
            "warm.png", "warm_baseline.png", "warm_competent.png",
            "ours.png", "baseline.png", "competent.png",
        ):  # fmt: skip
            (folder / name).unlink(missing_ok=True)
        folder.rmdir()
    tasks = {"16:9 slide PNG, 200 dpi": comparison(ours_s, comp_s, base_s)}
    print(
        result_line(
            "export_figure",
            args.n,
            tasks,
            {"time": "s", "peak_memory": "MB"},
            size_in=[13.333, 7.5],
            dpi=200,
            repeats=args.repeats,
            target_ours=3.0,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
