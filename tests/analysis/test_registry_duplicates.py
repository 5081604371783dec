"""Likely ACLED × UCDP GED duplicates as a registered analysis: the registry run,
the batch split and the command line against an independent brute-force search
on seeded SYNTHETIC events (made-up rows, never real data)."""

from __future__ import annotations

import csv
import io
import math
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sahelgis.__main__ import main
from sahelgis.analysis.registry import ANALYSES, Context, ParamError
from sahelgis.analysis.registry.duplicates import combined_events
from sahelgis.io.acled import read_acled
from sahelgis.io.ucdp import read_ucdp
from sahelgis.model.events import EventTable
from tests.io.test_acled import BASE_ROW, write_csv
from tests.io.test_ucdp import ged_rows, write_ged

DUP = ANALYSES["duplicates"]
#: Each actor side as ACLED and UCDP GED spell it (the rule's documented
#: spellings); the brute force compares the side, not the words.
SIDES = {
    "mali": ("Military Forces of Mali (2021-)", "Government of Mali"),
    "jnim": ("JNIM: Group for Support of Islam and Muslims", "JNIM"),
    "dozo": ("Dozo Militia", "Dozo Militia"),
    "wagner": ("Wagner Group", "Wagner Group"),
}
ACLED_ONLY = "Unidentified Armed Group (Mali)"  # no GED spelling shares a word
EARTH_KM = 6371.0088
DAY0 = date(2023, 3, 1)


def synthetic_sources(tmp_path: Path, seed: int, n_acled: int, n_ged: int):
    """SYNTHETIC ACLED and GED files in a 1.5° box over 30 days, and their rows."""
    rng = np.random.default_rng(seed)
    names = list(SIDES)
    acled_rows, acled_sides = [], []
    for i in range(n_acled):
        pick = [names[k] for k in rng.choice(len(names), 2, replace=False)]
        actor1 = SIDES[pick[0]][0] if rng.random() < 0.8 else ACLED_ONLY
        actor2 = SIDES[pick[1]][0]
        day = DAY0 + timedelta(days=int(rng.integers(0, 30)))
        acled_rows.append(
            BASE_ROW
            | {
                "event_id_cnty": f"SYN{i}",
                "event_date": day.isoformat(),
                "year": str(day.year),
                "actor1": actor1,
                "actor2": actor2,
                "latitude": f"{14.0 + 1.5 * rng.random():.4f}",
                "longitude": f"{-4.0 + 1.5 * rng.random():.4f}",
                "source": "SYNTHETIC test rows",
                "fatalities": str(int(rng.integers(0, 9))),
            }
        )
        acled_sides.append(
            {p for p, name in zip(pick, (actor1, actor2), strict=True)
             if name != ACLED_ONLY}
        )  # fmt: skip
    ged = ged_rows(n_ged, seed=seed)
    ged_sides = []
    for i, row in enumerate(ged):
        pick = [names[k] for k in rng.choice(len(names), 2, replace=False)]
        start = DAY0 + timedelta(days=int(rng.integers(0, 30)))
        end = start + timedelta(days=int(rng.choice([0, 0, 1, 6])))
        row |= {
            "id": str(5000 + i),
            "side_a": SIDES[pick[0]][1],
            "side_b": SIDES[pick[1]][1],
            "date_start": start.isoformat(),
            "date_end": end.isoformat(),
            "latitude": f"{14.0 + 1.5 * rng.random():.4f}",
            "longitude": f"{-4.0 + 1.5 * rng.random():.4f}",
        }
        ged_sides.append(set(pick))
    a_path = write_csv(tmp_path / "acled_SYNTHETIC.csv", acled_rows)
    g_path = write_ged(tmp_path / "ged_SYNTHETIC.csv", ged)
    return a_path, g_path, (acled_rows, acled_sides), (ged, ged_sides)


def brute_pairs(acled, ged, km: float, days: int, same_side: bool) -> set:
    """Every (ACLED id, GED id) pair by the stated rule, one pair at a time."""
    out = set()
    for a, a_sides in zip(*acled, strict=True):
        a_day = date.fromisoformat(a["event_date"])
        lat1, lon1 = math.radians(float(a["latitude"])), float(a["longitude"])
        for g, g_sides in zip(*ged, strict=True):
            start = date.fromisoformat(g["date_start"])
            end = date.fromisoformat(g["date_end"])
            if not (start - timedelta(days) <= a_day <= end + timedelta(days)):
                continue
            lat2 = math.radians(float(g["latitude"]))
            dlon = math.radians(float(g["longitude"]) - lon1)
            h = (
                math.sin((lat2 - lat1) / 2) ** 2
                + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
            )
            if 2 * EARTH_KM * math.asin(math.sqrt(h)) > km:
                continue
            if same_side and not (a_sides & g_sides):
                continue
            out.add((a["event_id_cnty"], f"UCDP-{g['id']}"))
    return out


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("dup")
    a_path, g_path, acled_rows, ged = synthetic_sources(tmp, 11, 240, 120)
    a_table, a_report = read_acled(a_path)
    g_table, g_report = read_ucdp(g_path)
    assert a_report.rows_rejected == 0
    assert g_report.rows_rejected == 0
    return a_path, g_path, acled_rows, ged, combined_events([a_table, g_table])


def as_pairs(table: pd.DataFrame) -> set:
    return set(zip(table["acled_event_id"], table["ucdp_event_id"], strict=True))


@pytest.mark.parametrize(
    ("km", "days", "any_actor"), [(10, 2, False), (25, 0, False), (5, 3, True)]
)
def test_registry_pairs_match_a_brute_force_search(sources, km, days, any_actor):
    _, _, acled_rows, ged, events = sources
    spec = DUP.spec_from({"km": km, "days": days, "any_actor": any_actor}, Context())
    result = DUP.run(events, None, spec, Context())
    expected = brute_pairs(acled_rows, ged, km, days, not any_actor)
    assert len(expected) > 5  # the seeded events do pair
    assert as_pairs(result.table) == expected
    assert len(result.table) == len(expected)  # each pair once
    table = result.table
    assert (table["distance_km"] <= km).all()
    assert (table["days_apart"] <= days).all()
    side = "any actors" if any_actor else "same actor side"
    # the ACLED file is SYNTHETIC (made-up rows): the headline and marks say so
    assert result.headline == (
        f"SYNTHETIC data — {len(expected):,} likely duplicate pairs between "
        "ACLED and UCDP GED "
        f"(≤ {km:g} km, ≤ {days} days, {side}) — not merged"
    )
    # one line per pair, linking its two events; the paired events marked
    links = next(ly for ly in result.layers if ly.key == "links").data
    assert len(links) == len(expected)
    assert links.crs.to_epsg() == 4326
    marks = next(ly for ly in result.layers if ly.key == "marks").data
    assert set(marks["source"]) == {"SYNTHETIC demo (not ACLED)", "UCDP GED"}
    assert (
        len(marks)
        == table["acled_event_id"].nunique() + table["ucdp_event_id"].nunique()
    )


def test_rows_select_and_no_events_are_changed(sources):
    *_, events = sources
    before = events.frame.copy()
    spec = DUP.spec_from({}, Context())
    assert (spec["km"], spec["days"], spec["any_actor"]) == (10.0, 2, False)
    whole = DUP.run(events, None, spec, Context())
    ged_rows_only = np.flatnonzero(events.frame["source"] == "UCDP GED")
    only_ged = DUP.run(events, ged_rows_only, spec, Context())
    assert len(only_ged.table) == 0
    assert "no ACLED events" in only_ged.warnings[0]
    assert len(whole.table) > 0
    pd.testing.assert_frame_equal(events.frame, before)


def test_batch_split_gives_the_same_table_as_the_whole(sources):
    from sahelgis.scale.engines import partition_partials
    from sahelgis.scale.recipe import Scope
    from sahelgis.scale.tasks import Task

    *_, events = sources
    spec = DUP.spec_from({"km": 15, "days": 3}, Context())
    whole = DUP.run_whole(spec, events)
    # three partitions by longitude (pairs cross their borders), as Dask splits
    frame = events.frame
    cuts = np.digitize(frame["longitude"], [-3.5, -3.0])
    task = Task("dup", "duplicates", spec)
    partials = [
        partition_partials(frame[cuts == k], [task], Scope())["dup"] for k in range(3)
    ]
    split = DUP.finish(spec, DUP.merge(spec, partials))
    pd.testing.assert_frame_equal(whole.table, split.table)
    assert whole.headline == split.headline
    assert len(whole.table) > 0


def test_bad_parameters_are_one_line(sources):
    with pytest.raises(ParamError, match="km = 500: at most 100 km"):
        DUP.spec_from({"km": 500}, Context())
    with pytest.raises(ParamError, match="days"):
        DUP.spec_from({"days": -1}, Context())
    with pytest.raises(ParamError, match="days"):
        DUP.spec_from({"days": 61}, Context())


def test_cli_with_a_second_file_prints_the_pairs(sources, capsys, tmp_path):
    a_path, g_path, acled_rows, ged, _ = sources
    argv = ["duplicates", str(a_path), "--with", str(g_path), "--km", "10"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    table = pd.DataFrame(list(csv.DictReader(io.StringIO("\n".join(lines[:-1])))))
    expected = brute_pairs(acled_rows, ged, 10, 2, True)
    assert as_pairs(table) == expected
    assert lines[-1] == (
        f"total: {len(expected)} pairs among 240 ACLED and 120 UCDP GED events"
    )
    assert "— not merged" in captured.err
    # the --with file is an input too: never overwritten by -o
    assert main([*argv, "-o", str(g_path)]) == 2
    assert "input" in capsys.readouterr().err
    missing = tmp_path / "nope.csv"
    assert main(["duplicates", str(a_path), "--with", str(missing)]) == 1
    err = capsys.readouterr().err.strip()
    assert err == f"sahelgis: {missing}: file not found"


def test_one_source_only_warns(sources, capsys):
    a_path, *_ = sources
    assert main(["duplicates", str(a_path)]) == 0
    err = capsys.readouterr().err
    assert "warning: no UCDP GED events among those analysed" in err


def test_combined_events_keep_both_sources(sources):
    *_, events = sources
    assert isinstance(events, EventTable)
    assert events.frame["source"].value_counts().to_dict() == {
        "SYNTHETIC test rows": 240,
        "UCDP GED": 120,
    }


def test_a_recipe_runs_it_on_the_local_engine(sources, tmp_path):
    from sahelgis.scale.engines import run_local
    from sahelgis.scale.recipe import load_recipe

    *_, events = sources
    path = tmp_path / "recipe.toml"
    path.write_text(
        '[[analysis]]\nid = "dups"\nkind = "duplicates"\nkm = 15\ndays = 3\n',
        encoding="utf-8",
    )
    (output,), _ = run_local(load_recipe(path), events)
    spec = DUP.spec_from({"km": 15, "days": 3}, Context())
    direct = DUP.run(events, None, spec, Context())
    pd.testing.assert_frame_equal(output.tables["pairs"], direct.table)
    assert output.summary == direct.headline
    assert set(output.layers) == {"marks", "links"}


def test_progress_is_reported_and_cancel_stops_the_search(sources):
    from sahelgis.errors import Cancelled
    from sahelgis.progress import TaskProgress

    *_, events = sources
    spec = DUP.spec_from({}, Context())
    progress = TaskProgress()
    DUP.run(events, None, spec, Context(), progress)
    assert progress.text == "Pairing ACLED and UCDP GED events"
    progress.cancel()
    with pytest.raises(Cancelled):
        DUP.run(events, None, spec, Context(), progress)


def test_a_project_holding_both_layers_gives_the_same_table(sources, tmp_path):
    from sahelgis.io.project_file import save_project
    from sahelgis.model.layer_factory import event_layer
    from sahelgis.model.project import Project

    a_path, g_path, *_ = sources
    project = Project(
        [
            event_layer(read_acled(a_path)[0], a_path),
            event_layer(read_ucdp(g_path)[0], g_path),
        ]
    )
    gpkg = save_project(project, tmp_path / "both.gpkg")
    by_project, by_files = tmp_path / "p.csv", tmp_path / "f.csv"
    assert main(["duplicates", str(gpkg), "-o", str(by_project)]) == 0
    argv = ["duplicates", str(a_path), "--with", str(g_path), "-o", str(by_files)]
    assert main(argv) == 0
    assert by_project.read_bytes() == by_files.read_bytes()
    assert len(by_project.read_text().splitlines()) > 5


def test_real_acled_rows_are_marked_acled(sources):
    *_, events = sources
    real = EventTable(events.frame.drop(columns="_synthetic"), synthetic=False)
    result = DUP.run(real, None, DUP.spec_from({}, Context()), Context())
    assert not result.headline.startswith("SYNTHETIC")
    marks = next(ly for ly in result.layers if ly.key == "marks").data
    assert set(marks["source"]) == {"ACLED", "UCDP GED"}
