"""The benchmarks' shared JSON line carries ours, competent, naive and ratios."""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _common():
    spec = importlib.util.spec_from_file_location(
        "bench_common", ROOT / "benchmarks" / "_common.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_comparison_ratios_are_baseline_over_ours():
    c = _common().comparison(2.0, 3.0, 10.0)
    assert c == {
        "ours": 2.0,
        "competent": 3.0,
        "naive": 10.0,
        "ratio_vs_competent": 1.5,
        "ratio_vs_naive": 5.0,
    }
    no_naive = _common().comparison(4.0, 1.0)
    assert no_naive["naive"] is None
    assert no_naive["ratio_vs_naive"] is None
    assert no_naive["ratio_vs_competent"] == 0.25
    assert math.isnan(_common().ratio(1.0, 0.0))


def test_result_line_headline_is_the_first_task():
    common = _common()
    tasks = {
        "first": common.comparison(1.0, 2.0, 8.0),
        "second": common.comparison(5.0, 1.0),
    }
    record = json.loads(common.result_line("x", 10, tasks, {"time": "s"}, extra=1))
    assert record["benchmark"] == "x"
    assert record["n"] == 10
    assert (record["ours"], record["competent"], record["naive"]) == (1.0, 2.0, 8.0)
    assert record["ratio_vs_competent"] == 2.0
    assert record["units"] == {"time": "s"}
    assert record["peak_memory_mb"] > 0
    assert record["tasks"]["second"]["ratio_vs_competent"] == 0.2
    assert record["extra"] == 1


def test_every_benchmark_prints_the_shared_line():
    for script in sorted((ROOT / "benchmarks").glob("*_bench.py")):
        text = script.read_text(encoding="utf-8")
        assert "result_line(" in text, script.name
        assert "comparison(" in text, script.name
