"""One answer: an analysis gives the same numbers in the GUI's run, on the
command line and in a recipe on the local batch engine (the Dask engine's
tables equal the local engine's cell by cell: tests/scale/test_engines.py).

Hypothesis draws analysis specs (buffer, corridor, counts; towns, roads, areas,
radii in km and miles, windows) over the 3,000 SYNTHETIC demo events; each is
run through the registry as the GUI runs it, through ``sahelgis.cli.main`` on
the demo CSV and through a recipe on the local batch engine, and the totals and
count tables must agree exactly. The brute-force geodesic checks of the same
analyses are in ``test_bruteforce_*.py``.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sahelgis.__main__ import main
from sahelgis.analysis.registry import Context, get, selection_rows
from sahelgis.io.acled import read_acled
from sahelgis.scale.engines import run_local
from sahelgis.scale.recipe import recipe_from_dict

CSV = Path(__file__).resolve().parents[2] / "data" / "demo_events_SYNTHETIC.csv"
TOTAL = re.compile(r"^total: (\d+) events")
TOWNS = ("Bamako", "Nara", "Banamba", "Kolokani", "Ségou", "Kati", "Mourdiah")
ROADS = ("RN3", "RN4", "RN6")
AREAS = ("cercle", "region", "country")

EVENTS, _ = read_acled(CSV)
CONTEXT = Context()


def _distance(km: int, unit: str) -> str:
    return f"{km} {unit}"


filters = st.sampled_from(
    [
        {},
        {"actor": "JNIM"},
        {"event_type": ["Battles", "Violence against civilians"]},
        {"actor": "JNIM", "event_type": ["Strategic developments"]},
    ]
)
windows = st.tuples(st.integers(2018, 2024), st.integers(0, 6)).map(
    lambda t: (f"{t[0]}-01-01", f"{min(t[0] + t[1], 2024)}-12-31")
)

buffers = st.fixed_dictionaries(
    {
        "kind": st.just("buffer"),
        "town": st.sampled_from(TOWNS),
        "radii": st.lists(st.integers(5, 150), min_size=1, max_size=3, unique=True),
        "unit": st.sampled_from(("km", "mi")),
        "by": st.sampled_from(("year", "event_type", "geo_precision")),
        "max_geo_precision": st.sampled_from((2, 3)),
    }
)
corridors = st.fixed_dictionaries(
    {
        "kind": st.just("corridor"),
        "road": st.sampled_from(ROADS),
        "within": st.integers(1, 30),
        "segment": st.sampled_from((None, 25, 60)),
    }
)
counts = st.fixed_dictionaries(
    {"kind": st.just("counts"), "areas": st.sampled_from(AREAS)}
)


def as_raw(item: dict) -> dict:
    """The recipe/registry form of a drawn spec."""
    kind = item["kind"]
    if kind == "buffer":
        return {
            "town": item["town"],
            "radii": [_distance(r, item["unit"]) for r in sorted(item["radii"])],
            "by": [item["by"]],
            "max_geo_precision": item["max_geo_precision"],
        }
    if kind == "corridor":
        raw = {"roads": [item["road"]], "within": f"{item['within']} km"}
        if item["segment"]:
            raw["segment"] = f"{item['segment']} km"
        return raw
    return {"areas": item["areas"], "by": ["year"]}


def as_argv(item: dict, window: tuple[str, str], flt: dict) -> list[str]:
    kind = item["kind"]
    argv = [kind, str(CSV), "--from", window[0], "--to", window[1]]
    if flt.get("actor"):
        argv += ["--actor", flt["actor"]]
    for event_type in flt.get("event_type", ()):
        argv += ["--event-type", event_type]
    if kind == "buffer":
        radii = ",".join(str(r) for r in sorted(item["radii"])) + item["unit"]
        argv += ["--town", item["town"], "--radius", radii, "--by", item["by"]]
        argv += ["--max-geo-precision", str(item["max_geo_precision"])]
    elif kind == "corridor":
        argv += ["--road", item["road"], "--within", f"{item['within']}km"]
        if item["segment"]:
            argv += ["--segment", f"{item['segment']}km"]
    else:
        argv += ["--areas", item["areas"], "--by", "year"]
    return argv


def cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list]:
    assert main(argv) == 0
    out = capsys.readouterr().out.rstrip("\n").split("\n")
    match = TOTAL.match(out[-1])
    assert match, out[-1]
    rows = list(csv.DictReader(io.StringIO("\n".join(out[:-1]))))
    return int(match.group(1)), rows


def registry_total(item: dict, window: tuple[str, str], flt: dict) -> tuple[int, int]:
    """Total and table sum as the GUI gets them (registry run on rows)."""
    analysis = get(item["kind"])
    spec = analysis.spec_from(as_raw(item), CONTEXT)
    selection = {"from": window[0], "to": window[1], **flt}
    rows = selection_rows(EVENTS, selection, precision=False)
    result = analysis.run(EVENTS, rows, spec, CONTEXT)
    return result.total, int(result.table["count"].sum())


def recipe_total(item: dict, window: tuple[str, str], flt: dict) -> int:
    data = {
        "scope": {"from": window[0], "to": window[1], **flt},
        "analysis": [{"kind": item["kind"], **as_raw(item)}],
    }
    recipe = recipe_from_dict(data, Path("test.toml"))
    (output,), _ = run_local(recipe, EVENTS)
    return output.events


@settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(item=st.one_of(buffers, corridors, counts), window=windows, flt=filters)
def test_gui_cli_and_recipe_give_one_answer(item, window, flt, capsys):
    total, table_sum = registry_total(item, window, flt)
    cli_total, rows = cli(as_argv(item, window, flt), capsys)
    assert cli_total == total == table_sum
    assert sum(int(r["count"]) for r in rows) == total
    assert recipe_total(item, window, flt) == total
