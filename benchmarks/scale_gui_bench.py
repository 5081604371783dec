"""Benchmark: a time-window step at 1M, 3M and 10M events (frames flat in N).

For each N, SYNTHETIC events (the 1M demo generator's events, repeated with
each copy moved by up to ±0.03° so copies do not stack; dates kept) are shown on
the real base map at 1920×1080 with the chart panel at 560×420, a 12-month
rolling window stepping by month over one whole loop of the span (78 steps).

Per step we time what the app does when playing: ``step_forward`` (its signal
refills the map's event marks and moves the chart's band), the chart's step
counts (cached), ``QWidget.render`` of the map and of the chart. Then the app
plays at 10 steps/s for 3 s with a 5 ms heartbeat timer; the longest gap is the
longest stall of the event loop.

The competent baseline is what a skilled numpy + pyqtgraph user writes for a
map of millions of points (datashader's way, in plain numpy so it runs here):
each event's screen pixel computed once (untimed, like our cached projection),
events sorted by date; per step two ``searchsorted`` give the window's rows,
one ``np.bincount`` of ``pixel × types + type`` counts each pixel's types, the
most frequent type's colour fills an RGBA image shown by one ``pg.ImageItem``
over the same base map, rendered the same way. Its cost grows with the window's
rows; ours does not (``WindowGrid`` prefix sums, see
``sahelgis/model/window_grid.py``). The baseline counts an event on its day
only (it skips ACLED's week/month-precision expansion, which ours does).

Targets (issue 20): per step p95 ≤ 33 ms and median ≤ 16 ms at every N, and no
stall over 50 ms while playing.

Usage::

    python benchmarks/scale_gui_bench.py [--n 1000000,3000000,10000000]
        [--steps 78] [--png-dir DIR]

The last line printed is one JSON object (times in ms) for the largest N, with
every N's figures under ``by_n``.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from pathlib import Path
from typing import Any

os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before anything imports Qt

import numpy as np
import pandas as pd
import pyqtgraph as pg
from _common import comparison, load_events, log, peak_rss_mb, print_table, result_line
from PySide6.QtCore import QRectF, qInstallMessageHandler
from PySide6.QtWidgets import QApplication
from time_window_bench import (
    CHART_SIZE,
    HEIGHT,
    WIDTH,
    Renderer,
    bench_play,
    guard_none_refcount,
    make_canvas,
    make_chart,
    ms,
    quiet_qt_messages,
    setup_window,
    summary,
)

from sahelgis.io.basedata import base_layers
from sahelgis.model import acled_schema as acled
from sahelgis.model.event_query import query_for
from sahelgis.model.events import EventTable
from sahelgis.model.layer_factory import event_layer
from sahelgis.model.project import Project
from sahelgis.ui.canvas.map_canvas import MapCanvas

TARGET_MEDIAN_MS = 16.0
TARGET_P95_MS = 33.0
TARGET_STALL_MS = 50.0


def scaled_table(base: EventTable, n: int, seed: int = 11) -> EventTable:
    """``n`` SYNTHETIC events: ``base`` repeated, each copy moved a little."""
    if n <= len(base):
        frame = base.frame.iloc[:n].copy()
    else:
        rng = np.random.default_rng(seed)
        rows = np.arange(n) % len(base)
        frame = base.frame.iloc[rows].reset_index(drop=True)
        copy = np.arange(n) // len(base)
        moved = copy > 0
        for column in (acled.LATITUDE, acled.LONGITUDE):
            values = frame[column].to_numpy(dtype=np.float64).copy()
            values[moved] += rng.uniform(-0.03, 0.03, int(moved.sum()))
            frame[column] = values
        frame[acled.EVENT_ID] = pd.Categorical(
            [f"SYN{i}" for i in range(n)] if n <= 2_000_000 else np.arange(n)
        )
    return EventTable(frame, synthetic=True)


def bench_ours(app: QApplication, table: EventTable, steps: int) -> dict[str, Any]:
    layer = event_layer(table, "scale_gui_SYNTHETIC.csv")
    project = Project([layer, *base_layers()])
    setup_window(project.time_window, project.time_window.span)
    t0 = time.perf_counter()
    layer.display_xy()
    query = query_for(layer)
    query.filter_mask(project.event_filter)
    prepare_ms = ms(time.perf_counter() - t0)
    t0 = time.perf_counter()
    canvas = make_canvas(project, app)  # builds the first grid
    first_ms = ms(time.perf_counter() - t0)
    chart = make_chart(project, app)
    render_map, render_chart = Renderer(canvas), Renderer(chart, CHART_SIZE)
    window = project.time_window
    full, refill, marks, shown = [], [], [], []
    for i in range(steps + 3):
        # as between steps in the app: queued events, a grid built on a worker
        app.processEvents()
        gc.collect()
        t0 = time.perf_counter()
        window.step_forward()
        t1 = time.perf_counter()
        query.step_counts(
            window.step, project.event_filter, project.selection, window.span
        )
        render_map()
        render_chart()
        t2 = time.perf_counter()
        if i >= 3:
            full.append(ms(t2 - t0))
            refill.append(ms(t1 - t0))
            marks.append(canvas._items[layer.id][0].marks)
            shown.append(canvas.shown_event_count())
    play = bench_play(app, project, canvas)
    grids = canvas._marks[layer.id]._grids
    result = {
        "full_step": summary(full),
        "step_forward_and_refill": summary(refill),
        "prepare_ms": round(prepare_ms, 1),
        "first_frame_with_grid_build_ms": round(first_ms, 1),
        "grid_mb": round(sum(e.grid.nbytes for e in grids) / 1e6, 1),
        "marks_median": int(np.median(marks)),
        "events_shown_median": int(np.median(shown)),
        "events_shown_max": int(np.max(shown)),
        "play": play,
        "image": render_map.image,
    }
    canvas.close()
    chart.close()
    return result


class RasterBaseline:
    """Per step: window rows → bincount per pixel and type → RGBA ImageItem."""

    def __init__(self, app: QApplication, table: EventTable) -> None:
        layer = event_layer(table, "scale_gui_SYNTHETIC.csv")
        self.query = query_for(layer)
        # the same layers and extent as ours (zoom_full over the base layers)
        self.canvas: MapCanvas = make_canvas(Project(base_layers()), app)
        (xmin, xmax), (ymin, ymax) = self.canvas.view_box.viewRange()
        self.rect = (xmin, ymin, xmax - xmin, ymax - ymin)
        x, y = layer.display_xy()
        col = ((x - xmin) / (xmax - xmin) * WIDTH).astype(np.int64)
        row = ((ymax - y) / (ymax - ymin) * HEIGHT).astype(np.int64)
        ok = (col >= 0) & (col < WIDTH) & (row >= 0) & (row < HEIGHT)
        self.pixel = np.where(ok, row * WIDTH + col, -1)
        self.days = self.query.days
        self.types = self.query.type_codes
        self.ntypes = len(self.query.type_names)
        palette = layer.style.categories or {}
        self.palette = np.zeros((self.ntypes, 4), dtype=np.uint8)
        for i, name in enumerate(self.query.type_names):
            colour = pg.mkColor(palette.get(name, layer.style.color))
            self.palette[i] = (colour.red(), colour.green(), colour.blue(), 255)
        self.item = pg.ImageItem(axisOrder="row-major")
        self.item.setZValue(5_000)  # above the base layers, below the labels
        self.canvas.addItem(self.item)
        self.render = Renderer(self.canvas)

    def step(self, start: np.datetime64, end: np.datetime64) -> None:
        i0 = int(np.searchsorted(self.days, start, "left"))
        i1 = int(np.searchsorted(self.days, end, "right"))
        pixel = self.pixel[i0:i1]
        keep = pixel >= 0
        counts = np.bincount(
            pixel[keep] * self.ntypes + self.types[i0:i1][keep],
            minlength=WIDTH * HEIGHT * self.ntypes,
        ).reshape(WIDTH * HEIGHT, self.ntypes)
        top = counts.argmax(axis=1)
        rgba = self.palette[top]
        rgba[counts.sum(axis=1) == 0] = 0
        # rows run top to bottom on screen; the image's y axis runs up
        self.item.setImage(rgba.reshape(HEIGHT, WIDTH, 4)[::-1], autoLevels=False)
        self.item.setRect(QRectF(*self.rect))  # after setImage: scales to its size
        self.render()


def bench_baseline(app: QApplication, table: EventTable, steps: int) -> dict[str, Any]:
    base = RasterBaseline(app, table)
    window = Project([]).time_window
    span = (base.days[0], base.days[-1])
    setup_window(window, span)
    times = []
    for i in range(steps + 3):
        window.step_forward()
        start, end = window.window()  # type: ignore[misc]
        gc.collect()
        t0 = time.perf_counter()
        base.step(start, end)
        if i >= 3:
            times.append(ms(time.perf_counter() - t0))
    image = base.render.image
    base.canvas.close()
    return {"full_step": summary(times), "image": image}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--n",
        default="1000000,3000000,10000000",
        help="event counts, comma-separated (one number is fine)",
    )
    parser.add_argument("--steps", type=int, default=78)
    parser.add_argument("--baseline-steps", type=int, default=20)
    parser.add_argument("--csv", type=Path, help="an ACLED CSV to scale up")
    parser.add_argument("--png-dir", type=Path, help="save each N's last frames")
    args = parser.parse_args(argv)
    sizes = [int(float(v)) for v in str(args.n).split(",") if v.strip()]
    qInstallMessageHandler(quiet_qt_messages)
    app = QApplication.instance() or QApplication([])
    guard_none_refcount()
    base = load_events(min(max(sizes), 1_000_000), args.csv, "sahelgis_scalegui_")
    by_n: dict[str, Any] = {}
    for n in sizes:
        table = scaled_table(base, n)
        log(f"{n:,} events: ours …")
        ours = bench_ours(app, table, args.steps)
        log(f"{n:,} events: competent raster baseline …")
        comp = bench_baseline(app, table, args.baseline_steps)
        if args.png_dir:
            args.png_dir.mkdir(parents=True, exist_ok=True)
            ours["image"].save(str(args.png_dir / f"ours_{n}.png"))
            comp["image"].save(str(args.png_dir / f"competent_{n}.png"))
        del ours["image"], comp["image"]
        by_n[str(n)] = {
            "ours": ours,
            "competent": comp,
            "table_mb": round(table.memory_bytes() / 1e6, 1),
            "peak_rss_mb": round(peak_rss_mb(), 1),
        }
        del table
        gc.collect()
    tasks = {}
    for n, fig in by_n.items():
        tasks[f"step median, {int(n):,} events"] = comparison(
            fig["ours"]["full_step"]["median"],
            fig["competent"]["full_step"]["median"],
            None,
        )
        tasks[f"step p95, {int(n):,} events"] = comparison(
            fig["ours"]["full_step"]["p95"], fig["competent"]["full_step"]["p95"], None
        )
    print(
        f"SahelGIS scale GUI benchmark: map {WIDTH}×{HEIGHT} + chart "
        f"{CHART_SIZE[0]}×{CHART_SIZE[1]}, 12-month window stepping by month, "
        f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs"
    )
    print_table(tasks, "ms")
    met = {
        n: {
            "median_le_16ms": fig["ours"]["full_step"]["median"] <= TARGET_MEDIAN_MS,
            "p95_le_33ms": fig["ours"]["full_step"]["p95"] <= TARGET_P95_MS,
            "stall_le_50ms": fig["ours"]["play"]["max_gap_ms"] <= TARGET_STALL_MS,
        }
        for n, fig in by_n.items()
    }
    # the headline task first: the largest N's median
    ordered = dict(sorted(tasks.items(), key=lambda kv: "median" not in kv[0]))
    last = list(ordered)[len(by_n) - 1]
    headline = {last: ordered.pop(last), **ordered}
    print(
        result_line(
            "scale_gui",
            max(sizes),
            headline,
            {"time": "ms", "peak_memory": "MB"},
            by_n=by_n,
            met=met,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
