"""Benchmark: draw the bundled offline basemap at 1920×1080.

Ours: a ``MapCanvas`` holding only the bundled base layers (countries, regions,
cercles, lakes, rivers, approximate national roads, towns, district capitals,
with their labels), rendered offscreen with ``QWidget.render`` into a
1920×1080 QImage. Each timed render first invalidates the canvas's two layer
caches, so it is a *cold* redraw, as after every pan or zoom (``cold``); the
*cached* redraw (view unchanged, e.g. the time window moved) is timed too.

Competent baseline, in the same process, the same number of frames as ours
(median): geopandas + matplotlib (Agg) drawing the same
layers, already projected to the display CRS, with the same colours, line
widths, point sizes and labels, into a 19.2×10.8 in figure at 100 dpi
(1920×1080 px). The figure is built once (not timed), as a competent script
would; each timed frame sets the view's limits and calls ``canvas.draw()``.

A second pass times our cold render with the tile layer on too (local
``file://`` tiles, already loaded, warped into the display CRS under the
layers), to show what online tiles add. Its baseline adds to each frame what
a matplotlib script does for tiles: ``contextily.bounds2img`` (from its warm
cache) and ``contextily.warp_tiles`` into the display CRS, then one
``imshow`` artist updated (``set_data``, ``set_extent``).

Naive baseline (kept for history, ``--naive-n`` frames, no tiles): the same
figure built anew for every frame, then drawn.

Both run at three scales: the whole of Mali, a region (Koulikoro–Ségou) and a
district capital (Kati–Bamako, about 30 km across).

Target (issue #8): the bundled basemap renders in under 100 ms at 1920×1080.

Usage::

    python benchmarks/basemap_bench.py [--n 20] [--baseline-n N] [--naive-n 2]
        [--png DIR]

The last line printed is one JSON object: ``ours``, ``competent``, ``naive``
and ``ratio_vs_competent`` (headline: whole Mali), every scale under
``tasks``, ``units`` and peak memory.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before anything imports Qt

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import shapely
from _common import comparison, print_table, result_line
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication, QWidget

from sahelgis.io import tile_providers, tiles
from sahelgis.io.basedata import base_layers
from sahelgis.io.tiles import TileCache
from sahelgis.model import crs
from sahelgis.model.layers import ROLE_COUNTRIES, ROLE_REGIONS, VectorLayer
from sahelgis.model.project import Project
from sahelgis.ui.canvas.map_canvas import MapCanvas
from sahelgis.ui.canvas.tile_layer import TileManager

WIDTH, HEIGHT = 1920, 1080
TARGET_MS = 100.0
SCALES = {
    "country": (-12.5, 10.0, 4.5, 25.2),
    "region": (-8.5, 12.0, -5.5, 14.5),
    "district": (-8.25, 12.50, -7.85, 12.80),
}
LINE_STYLES = {"solid": "-", "dash": "--", "dot": ":", "dashdot": "-."}


def ms(seconds: float) -> float:
    return seconds * 1000.0


def summary(values: list[float]) -> dict[str, float]:
    arr = np.asarray(values, dtype=float)
    return {
        "median": round(float(np.median(arr)), 2),
        "min": round(float(arr.min()), 2),
        "max": round(float(arr.max()), 2),
        "n": len(values),
    }


class Renderer:
    """Renders the canvas widget (with its overlays) into one reused QImage."""

    def __init__(self, widget: QWidget) -> None:
        self.widget = widget
        self.image = QImage(WIDTH, HEIGHT, QImage.Format.Format_ARGB32_Premultiplied)

    def __call__(self) -> None:
        self.image.fill(QColor("white"))
        QWidget.render(self.widget, self.image)


def bench_ours(
    canvas: MapCanvas,
    app: QApplication,
    box: tuple,
    n: int,
    tiles_on: TileManager | None = None,
) -> dict[str, Any]:
    canvas.set_extent(crs.lonlat_box_to_display(box))
    app.processEvents()
    if tiles_on is not None:
        tiles_on.refresh()
        deadline = time.monotonic() + 30
        while tiles_on.loaded_tiles() != tiles_on.wanted_tiles():
            if time.monotonic() > deadline:
                loaded = len(tiles_on.loaded_tiles())
                wanted = len(tiles_on.wanted_tiles())
                raise RuntimeError(f"{loaded} of {wanted} local tiles loaded in 30 s")
            app.processEvents()
            time.sleep(0.005)
    render = Renderer(canvas)
    render()  # warm-up (first paint builds fonts, atlases)
    cold, cached = [], []
    for _ in range(n):
        canvas.base_cache.invalidate()
        canvas.label_cache.invalidate()
        if tiles_on is not None:
            tiles_on.item.invalidate()
        t0 = time.perf_counter()
        render()
        cold.append(ms(time.perf_counter() - t0))
        t0 = time.perf_counter()
        render()
        cached.append(ms(time.perf_counter() - t0))
    return {"cold": summary(cold), "cached": summary(cached), "image": render.image}


def make_local_tiles(folder: Path, box_lonlat: tuple) -> None:
    """Plain PNG tiles over a lon/lat box at every zoom that needs ≤ 400 tiles."""
    for z in range(0, 15):
        x0, y0, x1, y1 = tiles.tile_range(box_lonlat, z)
        if (x1 - x0 + 1) * (y1 - y0 + 1) > 400:
            continue
        for x in range(x0, x1 + 1):
            for y in range(y0, y1 + 1):
                path = folder / str(z) / str(x) / f"{y}.png"
                if path.exists():
                    continue
                path.parent.mkdir(parents=True, exist_ok=True)
                image = QImage(256, 256, QImage.Format.Format_RGB32)
                image.fill(QColor(215 + (x + y) % 2 * 20, 225, 205))
                image.save(str(path))


def prepare_baseline(layers: list[VectorLayer]) -> list[dict[str, Any]]:
    """Each layer's projected frame and style, bottom first (setup, not timed)."""
    prepared = []
    for layer in reversed(layers):
        frame = layer.data.copy()
        frame = frame.set_geometry(layer.display_geometry())
        prepared.append({"layer": layer, "frame": frame, "kind": layer.geometry_kind})
    return prepared


def build_baseline(prepared: list[dict[str, Any]]) -> tuple[plt.Figure, Any, list]:
    """The baseline figure with every layer and label, built once (not timed);
    also the land fills that tiles replace (countries, regions)."""
    fills = []
    fig, ax = plt.subplots(figsize=(WIDTH / 100, HEIGHT / 100), dpi=100)
    fig.subplots_adjust(0, 0, 1, 1)
    ax.set_facecolor("#DCE6EE")
    for entry in prepared:
        layer, frame, kind = entry["layer"], entry["frame"], entry["kind"]
        style = layer.style
        if kind == "polygon":
            frame.plot(
                ax=ax,
                facecolor=style.fill or "none",
                edgecolor=style.color,
                linewidth=style.line_width,
                zorder=2,
            )
            if layer.role in (ROLE_COUNTRIES, ROLE_REGIONS):
                fills.append(ax.collections[-1])
        elif kind == "line":
            frame.plot(
                ax=ax,
                color=style.color,
                linewidth=style.line_width,
                linestyle=LINE_STYLES.get(style.line_style, "-"),
                zorder=2,
            )
        else:
            colors = style.color
            if style.category_field and style.category_field in frame:
                colors = [
                    style.categories.get(str(v), "#999999")
                    for v in frame[style.category_field]
                ]
            frame.plot(
                ax=ax,
                color=colors,
                markersize=(style.size * 0.75) ** 2,  # points², as scatter
                marker="s" if style.symbol == "s" else "o",
                zorder=3,
            )
        if style.label_field and style.label_field in frame:
            if kind == "polygon":
                anchors = shapely.point_on_surface(frame.geometry.to_numpy())
            elif kind == "line":
                anchors = shapely.line_interpolate_point(
                    frame.geometry.to_numpy(), 0.5, normalized=True
                )
            else:
                anchors = frame.geometry.to_numpy()
            x, y = shapely.get_x(anchors), shapely.get_y(anchors)
            texts = frame[style.label_field].fillna("").astype(str).to_numpy()
            for tx, ty, text in zip(x, y, texts, strict=True):
                # annotations whose point is outside the axes are not drawn
                ax.annotate(
                    text,
                    (tx, ty),
                    fontsize=style.label_size * 0.75,
                    color=style.label_color,
                    xytext=(4, 2),
                    textcoords="offset points",
                    zorder=4,
                )
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_axis_off()
    return fig, ax, fills


class TileBaseline:
    """What a matplotlib script does for tiles each frame: contextily's
    ``bounds2img`` (warm cache) and ``warp_tiles``, one imshow updated."""

    def __init__(
        self, ax: Any, provider: tile_providers.TileProvider, cache: TileCache
    ):
        self.ax = ax
        self.provider = provider
        self.ctx = cache.activate()
        self.artist = ax.imshow(np.zeros((2, 2, 4), np.uint8), zorder=1)

    def update(self, extent: tuple) -> None:
        west, south, east, north = tiles.display_extent_to_lonlat(extent)
        z = tiles.view_zoom(extent, (extent[2] - extent[0]) / WIDTH, self.provider)
        image, box = self.ctx.bounds2img(
            west,
            south,
            east,
            north,
            zoom=z,
            source=self.provider.xyz,
            headers=tiles.HEADERS,
            ll=True,
        )
        image, box = self.ctx.warp_tiles(image, box, t_crs=crs.DISPLAY_CRS.to_wkt())
        self.artist.set_data(image)
        self.artist.set_extent(box)


def bench_baseline(
    fig: plt.Figure,
    ax: Any,
    extent: tuple,
    n: int,
    png: Path | None,
    tile_layer: TileBaseline | None = None,
) -> dict[str, Any]:
    xmin, ymin, xmax, ymax = extent
    times = []
    for _ in range(n + 1):  # the first frame is a warm-up
        t0 = time.perf_counter()
        if tile_layer is not None:
            tile_layer.update(extent)
        ax.set_xlim(xmin, xmax)
        ax.set_ylim(ymin, ymax)
        fig.canvas.draw()
        times.append(ms(time.perf_counter() - t0))
    if png is not None:
        fig.savefig(png)
    return summary(times[1:])


def bench_naive(prepared: list[dict[str, Any]], extent: tuple, n: int) -> dict:
    """The earlier baseline (kept for history): a whole figure built per frame."""
    xmin, ymin, xmax, ymax = extent
    times = []
    for _ in range(n + 1):  # the first frame is a warm-up
        t0 = time.perf_counter()
        fig, ax, _fills = build_baseline(prepared)
        ax.set_xlim(xmin, xmax)
        ax.set_ylim(ymin, ymax)
        fig.canvas.draw()
        plt.close(fig)
        times.append(ms(time.perf_counter() - t0))
    return summary(times[1:])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20, help="timed renders per scale")
    parser.add_argument(
        "--baseline-n",
        type=int,
        default=None,
        help="timed competent renders per scale (default: --n, as ours)",
    )
    parser.add_argument(
        "--naive-n", type=int, default=2, help="timed naive renders per scale"
    )
    parser.add_argument("--png", type=Path, help="save both renders in this folder")
    args = parser.parse_args(argv)
    if args.baseline_n is None:
        args.baseline_n = args.n

    app = QApplication.instance() or QApplication([])
    t0 = time.perf_counter()
    layers = base_layers()
    project = Project(layers)
    canvas = MapCanvas(project)
    canvas.resize(WIDTH, HEIGHT)
    canvas.show()
    app.processEvents()
    prepared = prepare_baseline(layers)
    fig, ax, fills = build_baseline(prepared)
    setup_s = time.perf_counter() - t0
    print(
        f"SahelGIS bundled-basemap benchmark: {len(layers)} base layers "
        f"({sum(len(layer.data) for layer in layers):,} features), "
        f"{WIDTH}×{HEIGHT} offscreen, {args.n} renders per scale "
        f"(baseline {args.baseline_n}); setup {setup_s:.1f} s; "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs"
    )
    ours: dict[str, Any] = {}
    baseline: dict[str, Any] = {}
    naive: dict[str, Any] = {}
    ratio: dict[str, float] = {}
    header = f"{'scale':10} {'ours cold':>10} {'ours cached':>12} {'baseline':>10}"
    print(header + f" {'ratio':>7}  (median ms)")
    for name, box in SCALES.items():
        result = bench_ours(canvas, app, box, args.n)
        extent = canvas.extent()  # the box the canvas shows (aspect locked)
        png = None
        if args.png:
            args.png.mkdir(parents=True, exist_ok=True)
            result["image"].save(str(args.png / f"ours_{name}.png"))
            png = args.png / f"baseline_{name}.png"
        base = bench_baseline(fig, ax, extent, args.baseline_n, png)
        ours[name] = {"cold": result["cold"], "cached": result["cached"]}
        baseline[name] = base
        naive[name] = bench_naive(prepared, extent, args.naive_n)
        ratio[name] = round(base["median"] / result["cold"]["median"], 1)
        print(
            f"{name:10} {result['cold']['median']:10.1f} "
            f"{result['cached']['median']:12.1f} {base['median']:10.1f} "
            f"{ratio[name]:6.1f}×"
        )
    with tempfile.TemporaryDirectory(prefix="sahelgis_basemap_bench_") as tmp:
        cache = TileCache(Path(tmp) / "cache")
        manager = TileManager(canvas, cache, debounce_ms=0)
        folder = cache.root / "xyz"  # file: tiles are read inside the tile cache
        for box in SCALES.values():  # tiles first: a missing file is never retried
            canvas.set_extent(crs.lonlat_box_to_display(box))
            app.processEvents()
            make_local_tiles(folder, tiles.display_extent_to_lonlat(canvas.extent()))
        provider = tile_providers.custom_provider(
            folder.as_uri() + "/{z}/{x}/{y}.png", "bench", cache_root=cache.root
        )
        manager.set_provider(provider)
        canvas.set_basemap_underlay(True)  # as the app: land fills give way to tiles
        for fill in fills:
            fill.set_facecolor("none")
        tile_baseline = TileBaseline(ax, provider, cache)
        for name, box in SCALES.items():
            result = bench_ours(canvas, app, box, args.n, tiles_on=manager)
            extent = canvas.extent()
            png = args.png / f"baseline_{name}_tiles.png" if args.png else None
            base = bench_baseline(fig, ax, extent, args.baseline_n, png, tile_baseline)
            ours[name]["cold_with_tiles"] = result["cold"]
            baseline[name + "_with_tiles"] = base
            ratio[name + "_with_tiles"] = round(
                base["median"] / result["cold"]["median"], 1
            )
            print(
                f"{name:10} {result['cold']['median']:10.1f} "
                f"{result['cached']['median']:12.1f} {base['median']:10.1f} "
                f"{ratio[name + '_with_tiles']:6.1f}×  (tile layer on: "
                f"{len(manager.loaded_tiles())} local tiles, warped)"
            )
            if args.png:
                result["image"].save(str(args.png / f"ours_{name}_tiles.png"))
        manager.shutdown()
    worst = max(v["cold"]["median"] for v in ours.values())
    ok = worst < TARGET_MS
    print(
        f"target: cold render < {TARGET_MS:.0f} ms at every scale: "
        f"{'met' if ok else 'NOT met'} (worst median {worst:.1f} ms)"
    )
    tasks = {}
    for key, base in baseline.items():
        scale, _, tiles_on = key.partition("_with_")
        mine = ours[scale]["cold_with_tiles" if tiles_on else "cold"]["median"]
        old = naive[key]["median"] if key in naive else None
        tasks[f"{key} cold render (median)"] = comparison(mine, base["median"], old)
    print()
    print_table(tasks, "ms per 1920x1080 render")
    print(
        result_line(
            "basemap",
            args.n,
            tasks,
            {"time": "ms per 1920x1080 render (median)", "peak_memory": "MB"},
            ours_detail=ours,
            competent_detail=baseline,
            naive_detail=naive,
            target_ms=TARGET_MS,
            target_met=ok,
            competent_n=args.baseline_n,
            naive_n=args.naive_n,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
