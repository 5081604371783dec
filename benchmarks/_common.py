"""Shared helpers for the benchmark scripts: timing, peak memory, the JSON line.

Every ``*_bench.py`` compares three figures for the same work, in one process:
*ours* (SahelGIS), *competent* (what a skilled user would write with the same
libraries: a spatial index, one projection, vectorised numpy, DuckDB spatial
where it fits, the same warm/cold state and the same repetitions as ours) and
*naive* (the benchmark's earlier baseline, kept for history). The ratio that
counts is ``competent / ours`` (above 1 means ours is faster).

This module is not a benchmark (its name does not end in ``_bench.py``).
"""

from __future__ import annotations

import gc
import json
import os
import platform
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def best_of(repeats: int, func: Callable[[], Any]) -> tuple[float, Any]:
    """Run ``func`` ``repeats`` times (at least once); return the best wall
    time in seconds and the last result. The machine is shared, so the
    fastest run is the least disturbed one."""
    best = float("inf")
    out: Any = None
    for _ in range(max(1, repeats)):
        gc.collect()
        t0 = time.perf_counter()
        out = func()
        best = min(best, time.perf_counter() - t0)
    return best, out


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, MB (``ru_maxrss``)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def load_average() -> float:
    """One-minute load average (other jobs on the shared machine), or NaN."""
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


def r4(value: float) -> float:
    """Four significant digits, for the JSON line."""
    return float(f"{value:.4g}")


def ratio(slower: float, faster: float) -> float:
    """``slower / faster``, NaN when ``faster`` is not positive."""
    return r4(slower / faster) if faster > 0 else float("nan")


def comparison(
    ours: float, competent: float, naive: float | None = None
) -> dict[str, float | None]:
    """The three figures of one task and their ratios against ours."""
    return {
        "ours": r4(ours),
        "competent": r4(competent),
        "naive": None if naive is None else r4(naive),
        "ratio_vs_competent": ratio(competent, ours),
        "ratio_vs_naive": None if naive is None else ratio(naive, ours),
    }


def result_line(
    benchmark: str,
    n: int,
    tasks: dict[str, dict[str, float | None]],
    units: dict[str, str],
    **extra: Any,
) -> str:
    """The JSON object every benchmark prints as its last line.

    ``tasks`` maps a task name to :func:`comparison` output; the top-level
    ``ours``/``competent``/``naive``/``ratio_vs_competent`` come from the
    first task (the headline one)."""
    head = next(iter(tasks.values()))
    record: dict[str, Any] = {
        "benchmark": benchmark,
        "n": n,
        "ours": head["ours"],
        "competent": head["competent"],
        "naive": head["naive"],
        "ratio_vs_competent": head["ratio_vs_competent"],
        "ratio_vs_naive": head["ratio_vs_naive"],
        "units": units,
        "peak_memory_mb": r4(peak_rss_mb()),
        "tasks": tasks,
        "machine": {
            "cpus": os.cpu_count(),
            "load_average": r4(load_average()),
            "python": platform.python_version(),
        },
    }
    record.update(extra)
    return json.dumps(record, default=str)


def print_table(tasks: dict[str, dict[str, float | None]], unit: str) -> None:
    """A human-readable table of ours / competent / naive and the ratios."""
    print(f"{'task':<36}{'ours':>11}{'competent':>11}{'naive':>11}"
          f"{'÷ours (comp.)':>15}{'÷ours (naive)':>15}")  # fmt: skip
    for name, t in tasks.items():
        naive = "-" if t["naive"] is None else f"{t['naive']:.4g}"
        rn = "-" if t["ratio_vs_naive"] is None else f"{t['ratio_vs_naive']:.3g}"
        print(f"{name:<36}{t['ours']:>11.4g}{t['competent']:>11.4g}{naive:>11}"
              f"{t['ratio_vs_competent']:>15.3g}{rn:>15}")  # fmt: skip
    print(f"(times in {unit}; ratio = baseline time / our time, >1 means ours is "
          "faster)")  # fmt: skip


def duckdb_spatial() -> Any | None:
    """A DuckDB connection with the spatial extension loaded from the
    ``duckdb-extension-spatial`` wheel (no network), or None when either
    package is missing or the versions do not match."""
    try:
        import duckdb
        import duckdb_extension_spatial
    except ImportError:
        return None
    ext = (
        Path(duckdb_extension_spatial.__file__).parent
        / "extensions"
        / f"v{duckdb.__version__}"
        / "spatial.duckdb_extension"
    )
    if not ext.exists():
        return None
    con = duckdb.connect()
    con.execute(f"LOAD '{ext}'")
    return con


def log(text: str) -> None:
    """A progress line on stderr (stdout ends with the JSON line)."""
    print(text, file=sys.stderr, flush=True)


def load_events(n: int, csv: Path | None, prefix: str) -> Any:
    """``n`` SYNTHETIC demo events written to a temporary CSV and imported
    (neither timed), or the given ACLED CSV imported; the temporary file is
    removed again."""
    from sahelgis.demo.synthetic_events import write_demo_csv
    from sahelgis.io.acled import read_acled

    made = csv is None
    if csv is None:
        csv = Path(tempfile.mkdtemp(prefix=prefix)) / "events_SYNTHETIC.csv"
        t0 = time.perf_counter()
        write_demo_csv(csv, n)
        log(f"generated {n:,} events in {time.perf_counter() - t0:.1f} s (not timed)")
    t0 = time.perf_counter()
    table, _ = read_acled(csv)
    log(f"imported {len(table):,} events in {time.perf_counter() - t0:.1f} s")
    if made:
        csv.unlink()
        csv.parent.rmdir()
    return table
