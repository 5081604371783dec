"""Compare periods and surge/threat alerts (issue 21) against brute force.

The synthetic areas are four lon/lat squares (EPSG:4326) with seeded random
SYNTHETIC events; the references loop over events and days in plain Python
(shapely ``contains`` on each point, ``datetime`` arithmetic) and share no
code with :mod:`sahelgis.analysis.change`.
"""

from __future__ import annotations

import datetime as dt
import io
from contextlib import redirect_stdout

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from analysis_helpers import make_events
from shapely.geometry import Point, box

from sahelgis import paths
from sahelgis.__main__ import main
from sahelgis.analysis.registry import Context, ParamError, get, selection_rows
from sahelgis.io.acled import read_acled

#: Four squares, 1° a side, in southern Mali (EPSG:4326).
SQUARES = gpd.GeoDataFrame(
    {"name_fr": ["NW", "NE", "SW", "SE"]},
    geometry=[box(-8, 13, -7, 14), box(-7, 13, -6, 14),
              box(-8, 12, -7, 13), box(-7, 12, -6, 13)],
    crs="EPSG:4326",
)  # fmt: skip
CONTEXT = Context({"cercles": SQUARES})
FIRST = dt.date(2021, 1, 1)
LAST = dt.date(2023, 12, 31)


def _synthetic(seed: int, n: int = 600, plant: bool = True):
    """Seeded SYNTHETIC events over the squares (a few outside), with a surge
    planted in NE: 12 events in the 7 days ending 2023-10-01 (a week of the
    weeks ending on the last day, 2023-12-31, when an event falls on it)."""
    rng = np.random.default_rng(seed)
    lon = rng.uniform(-8.2, -5.8, n)
    lat = rng.uniform(11.8, 14.2, n)
    span = (LAST - FIRST).days
    days = [FIRST + dt.timedelta(days=int(d)) for d in rng.integers(0, span + 1, n)]
    if plant:
        lon = np.append(lon, np.full(12, -6.5))
        lat = np.append(lat, np.full(12, 13.5))
        days += [dt.date(2023, 9, 25) + dt.timedelta(days=k % 7) for k in range(12)]
        lon, lat = np.append(lon, -7.5), np.append(lat, 12.5)
        days.append(LAST)
    order = np.argsort(np.array(days, dtype="datetime64[D]"), kind="stable")
    days = [days[i] for i in order]
    return make_events(lon[order], lat[order], dates=[str(d) for d in days]), days


def _where(events) -> list[str | None]:
    """The square holding each event (brute force, one point at a time)."""
    out = []
    for x, y in zip(events.lon, events.lat, strict=True):
        hit = [
            str(name)
            for name, geom in zip(SQUARES["name_fr"], SQUARES.geometry, strict=True)
            if geom.contains(Point(x, y))
        ]
        out.append(hit[0] if hit else None)
    return out


def test_compare_matches_brute_force() -> None:
    events, days = _synthetic(7)
    periods = ("2021-03-01", "2021-12-31", "2023-01-15", "2023-11-30")
    spec = get("compare").spec_from(
        dict(zip(("a_from", "a_to", "b_from", "b_to"), periods, strict=True)), CONTEXT
    )
    table = get("compare").run(events, None, spec, CONTEXT).table.set_index("name_fr")
    where = _where(events)
    for name in SQUARES["name_fr"]:
        a = sum(
            1 for w, d in zip(where, days, strict=True)
            if w == name and periods[0] <= str(d) <= periods[1]
        )  # fmt: skip
        b = sum(
            1 for w, d in zip(where, days, strict=True)
            if w == name and periods[2] <= str(d) <= periods[3]
        )  # fmt: skip
        row = table.loc[name]
        assert (row["count_a"], row["count_b"], row["change"]) == (a, b, b - a)
        assert row["ratio"] == pytest.approx(b / a, abs=5e-4)  # to 0.001


def test_default_periods_and_new_and_gone() -> None:
    # NW only in 2022 (A), SE only in 2023 (B), NE in both
    lon = [-7.5, -7.5, -6.5, -6.5, -6.5, -6.5]
    lat = [13.5, 13.5, 12.5, 13.5, 13.5, 13.5]
    dates = ["2022-02-01", "2022-03-01", "2023-05-01", "2022-06-01", "2023-01-01",
             "2023-12-31"]  # fmt: skip
    order = np.argsort(np.array(dates, dtype="datetime64[D]"))
    events = make_events(np.array(lon)[order], np.array(lat)[order],
                         dates=[dates[i] for i in order])  # fmt: skip
    result = get("compare").run(events, None, get("compare").spec_from({}, CONTEXT),
                                CONTEXT)  # fmt: skip
    table = result.table.set_index("name_fr")
    assert table.loc["NW", "status"] == "gone"
    assert table.loc["SE", "status"] == "new"
    assert np.isnan(table.loc["SE", "ratio"])
    assert (table.loc["NE", "count_a"], table.loc["NE", "count_b"]) == (1, 2)
    assert table.loc["SW", "status"] == "none"
    assert "2023-01-01 to 2023-12-31" in result.notes[0]
    assert result.headline.startswith("3 → 3 events (+0%), 2022-01-01–2022-12-31 vs")
    assert "1 cercle new, 1 gone" in result.headline
    layer = result.layers[0]
    labels = dict(zip(layer.data["name_fr"], layer.data["class_label"], strict=True))
    assert labels == {"NW": "gone (none in B)", "SE": "new (none in A)",
                      "NE": "+100% or more", "SW": "no events"}  # fmt: skip
    assert layer.style.color_for("+100% or more") == "#B2182B"  # red: increase
    assert layer.style.color_for("−10% to +10%") == "#F7F7F7"  # white near zero


def test_compare_equals_counts_for_the_same_window_and_filter() -> None:
    events, _ = read_acled(paths.demo_events_csv())
    context = Context()
    a, b = ("2021-01-01", "2021-12-31"), ("2023-01-01", "2023-12-31")
    compare = get("compare")
    spec = compare.spec_from(
        {"a_from": a[0], "a_to": a[1], "b_from": b[0], "b_to": b[1]}, context
    )
    flt = {"actor": "JNIM", "event_type": ("Battles",)}
    rows = selection_rows(events, flt)
    table = compare.run(events, rows, spec, context).table.set_index("name_fr")
    counts = get("counts")
    cspec = counts.spec_from({"areas": "cercle", "by": "none"}, context)
    for (start, end), column in ((a, "count_a"), (b, "count_b")):
        window = selection_rows(events, {**flt, "from": start, "to": end})
        got = counts.run(events, window, cspec, context).table.set_index("name_fr")
        assert got["count"].sum() > 0
        assert (table[column] == got["count"].reindex(table.index)).all()


def _brute_alerts(where, days, window: str, n_base: int, increase: float,
                  min_count: int, min_base: float) -> set[tuple]:  # fmt: skip
    """Every alert by plain loops over windows (ends on the last day or
    calendar months)."""
    last = max(days)
    first = min(days)
    if window == "week":
        spans = []
        end = last
        while end >= first:
            spans.append((end - dt.timedelta(days=6), end))
            end -= dt.timedelta(days=7)
        spans.reverse()
    else:
        spans = []
        month = dt.date(first.year, first.month, 1)
        while month <= last:
            nxt = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
            spans.append((month, min(nxt - dt.timedelta(days=1), last)))
            month = nxt
    out = set()
    for name in SQUARES["name_fr"]:
        mine = [d for w, d in zip(where, days, strict=True) if w == name]
        counts = [sum(1 for d in mine if s <= d <= e) for s, e in spans]
        for i in range(n_base, len(spans)):
            base = sum(counts[i - n_base : i]) / n_base
            c = counts[i]
            if c >= min_count and base >= min_base and c >= base * (1 + increase / 100):
                out.add((name, str(spans[i][0]), str(spans[i][1]), c))
    return out


@pytest.mark.parametrize(
    ("raw", "rule"),
    [
        ({"preset": "acled_surge"}, ("week", 4, 100.0, 3, 1.0)),
        ({"preset": "threat"}, ("month", 12, 100.0, 3, 1.0)),
        (
            {
                "preset": "surge",
                "increase": 50,
                "min_count": 2,
                "baseline": 2,
                "min_baseline": 0.5,
            },
            ("week", 2, 50.0, 2, 0.5),
        ),
    ],
)
def test_alerts_match_brute_force_and_find_the_planted_surge(raw, rule) -> None:
    events, days = _synthetic(11, n=1800)
    alerts = get("alerts")
    spec = alerts.spec_from(raw, CONTEXT)
    result = alerts.run(events, None, spec, CONTEXT)
    table = result.table
    got = {
        (r.name_fr, r.window_start, r.window_end, int(r.count))
        for r in table.itertuples()
    }
    want = _brute_alerts(_where(events), days, *rule)
    assert got == want
    if rule[0] == "week" and rule[1] == 4:
        planted = ("NE", "2023-09-25", "2023-10-01", 12 + _background(events, days))
        assert planted in got
        row = table[table["window_end"] == "2023-10-01"].iloc[0]
        assert row["change_pct"] == pytest.approx(
            100 * (row["count"] - row["baseline"]) / row["baseline"], abs=0.1
        )
    per_area = result.tables["areas"].set_index("name_fr")
    assert per_area["alerts"].sum() == len(table)


def _background(events, days) -> int:
    """Unplanted events in NE in the planted week."""
    where = _where(events)
    return sum(
        1 for w, d in zip(where, days, strict=True)
        if w == "NE" and dt.date(2023, 9, 25) <= d <= dt.date(2023, 10, 1)
    ) - 12  # fmt: skip


def test_one_event_after_a_quiet_spell_is_no_alert() -> None:
    # one event a month for a year, then 1 and then 4 in one week: the minimum
    # count keeps the single event from alerting, the four alert
    dates = [f"2023-{m:02d}-01" for m in range(1, 13)] + ["2024-01-10"]
    dates += ["2024-03-04"] * 4
    events = make_events(np.full(len(dates), -6.5), np.full(len(dates), 13.5),
                         dates=dates)  # fmt: skip
    alerts = get("alerts")
    spec = alerts.spec_from({"preset": "surge", "min_baseline": 0}, CONTEXT)
    table = alerts.run(events, None, spec, CONTEXT).table
    assert list(table["window_end"]) == ["2024-03-04"]
    assert list(table["count"]) == [4]


def test_bad_periods_get_one_line() -> None:
    compare = get("compare")
    with pytest.raises(ParamError, match="give a_from, a_to, b_from and b_to"):
        compare.spec_from({"a_from": "2021-01-01"}, CONTEXT)
    raw = {"a_from": "2021-01-01", "a_to": "2020-01-01", "b_from": "2022-01-01",
           "b_to": "2022-02-01"}  # fmt: skip
    with pytest.raises(ParamError, match="a_to 2020-01-01 is before a_from"):
        compare.spec_from(raw, CONTEXT)
    with pytest.raises(ParamError, match="preset"):
        get("alerts").spec_from({"preset": "storm"}, CONTEXT)


def _cli(args: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(args)
    return code, out.getvalue()


def test_cli_compare_and_alerts(capsys) -> None:
    csv = str(paths.demo_events_csv())
    code, out = _cli(["compare", csv, "--a-from", "2021-01-01", "--a-to",
                      "2021-12-31", "--b-from", "2023-01-01", "--b-to",
                      "2023-12-31", "--actor", "JNIM"])  # fmt: skip
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0] == "name_fr,count_a,count_b,change,change_pct,ratio,status"
    assert lines[-1].startswith("total: ")
    assert lines[-1].endswith(" events in B")
    table = pd.read_csv(io.StringIO("\n".join(lines[:-1])))
    assert (table["change"] == table["count_b"] - table["count_a"]).all()
    assert "→" in (err := capsys.readouterr().err)
    assert err.rstrip().endswith("; 4 cercles new, 4 gone — actor “JNIM”")
    code, out = _cli(["alerts", csv, "--preset", "threat", "--areas", "region"])
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0] == "adm1_name,window_start,window_end,count,baseline,change_pct"
    assert lines[-1] == f"total: {len(lines) - 2} alerts"
    assert "acled_threat alerts" in capsys.readouterr().err


def test_hexagon_compare_equals_hexagon_counts() -> None:
    events, _ = _synthetic(3, n=300, plant=False)
    compare, counts = get("compare"), get("counts")
    a, b = ("2021-01-01", "2021-12-31"), ("2023-01-01", "2023-12-31")
    raw = {"areas": "hexagon", "size": "40 km", "a_from": a[0], "a_to": a[1],
           "b_from": b[0], "b_to": b[1]}  # fmt: skip
    spec = compare.spec_from(raw, CONTEXT)
    table = compare.run(events, None, spec, CONTEXT).table.set_index("hex_id")
    cspec = counts.spec_from(
        {"areas": "hexagon", "size": "40 km", "by": "none"}, CONTEXT
    )
    for (start, end), column in ((a, "count_a"), (b, "count_b")):
        rows = selection_rows(events, {"from": start, "to": end})
        got = counts.run(events, rows, cspec, CONTEXT).table.set_index("hex_id")
        got = got.loc[got["count"] > 0, "count"]
        mine = table[column][table[column] > 0]
        assert mine.sort_index().to_dict() == got.sort_index().to_dict()
        assert mine.sum() == len(rows)  # every event is in a hexagon


@pytest.mark.parametrize(
    ("raw", "inner", "field"),
    [
        ({"areas": "ring", "town": "Bamako", "radii": "25,50,100km"},
         ("buffer", {"town": "Bamako", "radii": "25,50,100km", "by": "all"}), "ring"),
        ({"areas": "segment", "road": "RN4", "within": "10km", "segment": "20km"},
         ("corridor", {"road": "RN4", "within": "10km", "segment": "20km",
                       "by": "all"}), "segment"),
    ],
)  # fmt: skip
def test_rings_and_segments_compare_equals_buffer_and_corridor(raw, inner, field):
    events, _ = read_acled(paths.demo_events_csv())
    context = Context()
    a, b = ("2021-01-01", "2021-12-31"), ("2023-01-01", "2023-12-31")
    raw = {**raw, "a_from": a[0], "a_to": a[1], "b_from": b[0], "b_to": b[1]}
    result = get("compare").run(events, None, get("compare").spec_from(raw, context),
                                context)  # fmt: skip
    table = result.table
    kind, inner_raw = inner
    ispec = get(kind).spec_from(inner_raw, context)
    for (start, end), column in ((a, "count_a"), (b, "count_b")):
        rows = selection_rows(events, {"from": start, "to": end})
        got = get(kind).run(events, rows, ispec, context).table
        if kind == "corridor":  # segments 0..n, those with no event left out
            counted = dict(zip(got["segment"], got["count"], strict=True))
            want = [counted.get(i, 0) for i in range(len(table))]
        else:  # every ring, inner first
            want = list(got["count"])
        assert list(table[column]) == want
        assert table[column].sum() > 0
    assert len(result.layers[0].data) == len(table)
    assert table[field].iloc[0] in ("Bamako — 0–25 km", "RN4 km 0–20")
