"""Every number a figure shows comes from one query, in every format.

For each saved figure of the demo project, n is read back from what each format
actually holds (PNG: the texts of the matplotlib figure saved; SVG: its <text>;
PDF: its text operators; PPTX: the slide's source-line box and the notes; GIF:
the frame labels) and compared with the chart bars, the per-panel counts of
the notes and an independent brute-force count (pandas, pyproj, geopandas).
A hypothesis test does the same on random specs over a small synthetic project.
"""

from __future__ import annotations

import dataclasses
import re
import zlib
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import Transformer
from test_render import _pdf_strings, svg_texts

from sahelgis.export.layout import plan_figure
from sahelgis.model import crs
from sahelgis.model.figure_notes import figure_notes
from sahelgis.model.figure_plan import requested_extent
from sahelgis.model.figures import FigureSpec, saved_figures
from sahelgis.model.layers import EventLayer

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo_southern_mali.gpkg"
FORMATS = ("png", "svg", "pdf", "pptx", "gif")
N_RE = re.compile(r"n = ([\d,]+) (in [^,.]+?|of all loaded events)[,.]")
ACTORS = ("actor1", "actor2", "assoc_actor_1", "assoc_actor_2")
CHECKED: set[tuple[str, str]] = set()


def pdf_text(data: bytes) -> str:
    """Text of a matplotlib PDF (as ``test_render.pdf_text``), tolerant of
    ToUnicode entries beyond one UTF-16 unit (Figure 4's country names).
    """
    streams = []
    for raw in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            streams.append(zlib.decompress(raw))
        except zlib.error:
            continue
    codes: dict[int, str] = {}
    for s in streams:
        for a, _, dst in re.findall(
            rb"<([0-9a-fA-F]{4})>\s*<([0-9a-fA-F]{4})>\s*\[([^\]]*)\]", s
        ):
            for k, t in enumerate(re.findall(rb"<([0-9a-fA-F]+)>", dst)):
                raw = bytes.fromhex(t.decode())
                codes.setdefault(
                    int(a, 16) + k, raw.decode("utf-16-be", errors="replace")
                )
    out = []
    for s in streams:
        for block in re.findall(rb"BT(.*?)ET", s, re.S):
            raw = b"".join(_pdf_strings(block))
            out.append(
                "".join(
                    codes.get(int.from_bytes(raw[i : i + 2], "big"), "?")
                    for i in range(0, len(raw) - 1, 2)
                )
            )
    return "\n".join(out)


def flat(text: str) -> str:
    return " ".join(text.split())


def source_n(text: str) -> tuple[int, str]:
    """n and scope words of the (only) source line in ``text``."""
    found = N_RE.findall(flat(text))
    assert len(found) == 1, f"one 'n = ...' expected in {flat(text)[-300:]!r}"
    count, scope = found[0]
    return int(count.replace(",", "")), scope


def notes_panel_counts(notes: str) -> list[int]:
    lines = notes.splitlines()
    start = lines.index("Counts behind the panels:")
    counts = []
    for line in lines[start + 1 :]:
        if not line.startswith("  "):
            break
        counts.append(int(re.search(r": n = ([\d,]+)", line).group(1).replace(",", "")))
    return counts


def notes_chart_total(notes: str) -> int | None:
    lines = notes.splitlines()
    heads = [i for i, line in enumerate(lines) if line.startswith("Chart counts by")]
    if not heads:
        return None
    total = 0
    for line in lines[heads[0] + 1 :]:
        if not line.startswith("  "):
            break
        total += sum(int(v) for v in re.findall(r" (\d+)(?:,|$)", line))
    return total


# -- the independent count ----------------------------------------------------
def brute_force(project, spec: FigureSpec, window=None) -> pd.DataFrame:
    """The counted events, computed without the model's query code: one row
    per event with its assigned day (coded date clamped into the window) and
    its event type.
    """
    ids = spec.layer_ids
    layers = [
        ly
        for ly in project.layers
        if isinstance(ly, EventLayer) and (ly.id in ids if ids else ly.visible)
    ]
    if window is None:
        window = spec.window_for(project)
    out = []
    for layer in layers:
        frame = layer.events.frame
        keep = pd.Series(True, index=frame.index)
        flt = spec.event_filter or {}
        if flt.get("event_types") is not None:
            keep &= frame["event_type"].astype(str).isin(flt["event_types"])
        actor = (flt.get("actor") or "").strip().lower()
        if actor:
            hit = pd.Series(False, index=frame.index)
            for name in ACTORS:
                if name in frame:
                    hit |= (
                        frame[name]
                        .astype(str)
                        .str.lower()
                        .str.contains(actor, regex=False)
                    )
            keep &= hit
        day = pd.to_datetime(frame["event_date"]).dt.normalize()
        if window is not None:
            start, end = pd.Timestamp(str(window[0])), pd.Timestamp(str(window[1]))
            inside = (day >= start) & (day <= end)
            if project.time_window.expand_imprecise:
                precision = frame["time_precision"].astype(int)
                week_lo = day - pd.to_timedelta(day.dt.day_of_week, unit="D")
                month_lo = day.dt.to_period("M").dt.start_time
                month_hi = day.dt.to_period("M").dt.end_time.dt.normalize()
                lo = day.where(precision == 1, week_lo.where(precision == 2, month_lo))
                hi = day.where(
                    precision == 1,
                    (week_lo + pd.Timedelta(days=6)).where(precision == 2, month_hi),
                )
                inside |= (lo <= end) & (hi >= start)
            keep &= inside
            day = day.clip(start, end)
        lon = frame["longitude"].to_numpy(float)
        lat = frame["latitude"].to_numpy(float)
        scope = spec.scope or {"kind": "frame"}
        if scope["kind"] == "frame":
            xmin, ymin, xmax, ymax = requested_extent(project, spec)
            to_display = Transformer.from_crs(
                "EPSG:4326", crs.DISPLAY_CRS, always_xy=True
            )
            x, y = to_display.transform(lon, lat)
            keep &= (x >= xmin) & (x <= xmax) & (y >= ymin) & (y <= ymax)
        elif scope["kind"] == "area":
            areas = project.layer(scope["layer_id"]).data
            areas = areas[areas[scope["field"]].astype(str) == scope["value"]]
            points = gpd.GeoDataFrame(
                geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326"
            )
            joined = gpd.sjoin(points, areas[["geometry"]], predicate="within")
            keep &= pd.Series(frame.index.isin(frame.index[joined.index.unique()]))
        out.append(
            pd.DataFrame(
                {"day": day[keep.to_numpy()], "type": frame["event_type"][keep]}
            )
        )
    if not out:
        return pd.DataFrame({"day": [], "type": []})
    return pd.concat(out, ignore_index=True)


def check_plan(project, spec, plan) -> int:
    """n of the plan equals the chart bars, the panels, the notes and the
    brute force; returns n.
    """
    truth = brute_force(project, spec)
    n = plan.event_count
    assert n == len(truth)
    assert sum(p.event_count for p in plan.panels) == n
    if plan.chart and plan.chart["periods"]:
        zero = np.zeros(len(plan.chart["periods"]), dtype=int)
        bars = np.sum([zero, *plan.chart["series"].values()], axis=0)
        assert int(bars.sum()) == n
        if plan.chart["by"] == "year":
            years = truth["day"].dt.year.value_counts()
            expect = [int(years.get(int(p), 0)) for p in plan.chart["periods"]]
            assert bars.tolist() == expect
    if len(plan.panels) > 1:
        for panel in plan.panels:
            a, b = (pd.Timestamp(str(d)) for d in panel.window)
            assert panel.event_count == int(truth["day"].between(a, b).sum())
    notes = figure_notes(project, plan)
    if plan.counted:
        assert sum(notes_panel_counts(notes)) == n
        chart_total = notes_chart_total(notes)
        if plan.chart and plan.chart["periods"]:
            assert chart_total == n
    return n


# -- demo figures in every format ---------------------------------------------
@pytest.fixture(scope="module")
def demo():
    from sahelgis.io.project_file import load_project

    return load_project(DEMO)


@pytest.fixture(scope="module")
def demo_truth(demo):
    specs = saved_figures(demo)
    assert len(specs) == 4
    return {
        spec.name: check_plan(demo, spec, plan_figure(demo, spec)) for spec in specs
    }


def _has_events(project, spec) -> bool:
    return bool(plan_figure(project, spec).counted)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("index", range(4))
def test_demo_figure_shows_one_n_in_every_format(
    demo, demo_truth, index, fmt, tmp_path
):
    from sahelgis.export.render import figure_for, render_figure, render_png_bytes

    spec = saved_figures(demo)[index].with_(dpi=20)
    n = demo_truth[spec.name]
    plan = plan_figure(demo, spec)
    events = bool(plan.counted)
    scope_words = plan.scope_text
    if fmt == "png":
        fig = figure_for(demo, spec)
        assert render_png_bytes(fig, 20).startswith(b"\x89PNG")
        texts = [t.get_text() for t in fig.texts]
        texts += [t.get_text() for ax in fig.axes for t in ax.texts]
        shown = "\n".join(texts)
    elif fmt == "svg":
        shown = svg_texts(render_figure(demo, spec, tmp_path / "f.svg"))
    elif fmt == "pdf":
        shown = pdf_text(render_figure(demo, spec, tmp_path / "f.pdf").read_bytes())
    elif fmt == "pptx":
        from pptx import Presentation

        from sahelgis.export.pptx import write_deck

        deck = Presentation(str(write_deck(demo, [spec], tmp_path / "f.pptx")))
        slide = deck.slides[0]
        box = next(s for s in slide.shapes if s.name == "Source line")
        shown = box.text_frame.text
        notes = slide.notes_slide.notes_text_frame.text
        if events:
            assert source_n(notes) == (n, scope_words)
            assert sum(notes_panel_counts(notes)) == n
            chart_total = notes_chart_total(notes)
            assert chart_total in (None, n)
            assert "Events counted: " in notes
    else:  # gif: frame labels, one step per year, cumulative then rolling
        from sahelgis.export.animation import export_animation, frame_plans

        if not events:
            pytest.skip("an animation needs events (Figure 4 has none)")
        demo.time_window.set_mode("cumulative")
        plans = frame_plans(demo, spec, step="year")
        assert plans[-1].event_count == n
        assert plans[-1].window_label.endswith(f"n = {n:,}")
        counts = [p.event_count for p in plans]
        assert counts == sorted(counts)
        old_length = demo.time_window.length
        demo.time_window.set_mode("rolling")
        demo.time_window.length = 1
        try:
            steps = frame_plans(demo, spec, step="year")
        finally:
            demo.time_window.length = old_length
            demo.time_window.set_mode("cumulative")
        assert sum(p.event_count for p in steps) == n
        for p in steps:
            assert p.window_label.endswith(f"n = {p.event_count:,}")
        # the label is drawn on the frame
        from sahelgis.export.render import figure_for

        fig = figure_for(demo, plans[-1].spec, plan=plans[-1])
        assert any(
            t.get_text().endswith(f"n = {n:,}") for ax in fig.axes for t in ax.texts
        )
        out = export_animation(demo, spec, tmp_path / "f.gif", step="year", dpi=20)
        assert out.stat().st_size > 0
        CHECKED.add((spec.name, fmt))
        return
    if events:
        assert source_n(shown) == (n, scope_words)
    else:
        assert not N_RE.search(flat(shown))
    CHECKED.add((spec.name, fmt))


def test_demo_report_figure_2_counts_koulikoro_only(demo, demo_truth):
    spec = next(s for s in saved_figures(demo) if s.name.startswith("Report Figure 2"))
    assert spec.scope["kind"] == "area"
    assert spec.scope["value"] == "Koulikoro"
    plan = plan_figure(demo, spec)
    assert plan.scope_text == "in Koulikoro region"
    # fitting the page (a slide's picture area) does not change what counts
    wide = plan_figure(demo, spec, with_title=False, with_source=False, page=(12, 4))
    assert wide.event_count == plan.event_count == demo_truth[spec.name]


def test_count_of_formats_checked():
    # runs last in this module: every figure × format above was checked
    print(f"\nfigure consistency: {len(CHECKED)} figure × format checks")  # noqa: T201
    assert len(CHECKED) >= 4 * len(FORMATS) - 1  # Figure 4 has no animation


# -- random specs over a small synthetic project -------------------------------
def _synthetic_events(count: int = 240, seed: int = 3) -> pd.DataFrame:
    """Events over southern Mali 2019-11 – 2024-11, a quarter of them of week
    and month precision, so imprecise dates cross window edges.
    """
    rng = np.random.default_rng(seed)
    days = pd.Timestamp("2019-11-15") + pd.to_timedelta(
        rng.integers(0, 5 * 365, count), unit="D"
    )
    types = ["Battles", "Violence against civilians", "Strategic developments"]
    actors = ["JNIM: Group for Support of Islam and Muslims", "Wagner Group", "Dozo"]
    frame = pd.DataFrame(
        {
            "event_id_cnty": [f"SYN{i:04d}" for i in range(count)],
            "event_date": days,
            "year": days.year,
            "time_precision": rng.choice([1, 1, 2, 3], count),
            "event_type": rng.choice(types, count),
            "sub_event_type": "Armed clash",
            "actor1": rng.choice(actors, count),
            "actor2": "Civilians (Mali)",
            "location": "Somewhere",
            "latitude": rng.uniform(11.0, 15.8, count),
            "longitude": rng.uniform(-9.8, -4.5, count),
            "geo_precision": 1,
            "fatalities": rng.integers(0, 5, count),
            "notes": "[TEST] synthetic",
            "source": "TEST",
        }
    )
    return frame.sort_values("event_date", ignore_index=True)


@pytest.fixture(scope="module")
def synthetic_project(base_layer_list):
    from shapely.geometry import Polygon

    from sahelgis.model.drawings import add_drawing_layer, add_feature
    from sahelgis.model.events import EventTable, optimise_dtypes
    from sahelgis.model.layer_factory import event_layer
    from sahelgis.model.project import Project

    project = Project([dataclasses.replace(ly) for ly in base_layer_list])
    table = EventTable(optimise_dtypes(_synthetic_events()), synthetic=True)
    project.add_layer(event_layer(table, "synthetic.csv"))
    drawing = add_drawing_layer(project, "Analyst areas")
    ring = Polygon([(-8.5, 12.0), (-6.0, 12.2), (-6.5, 14.5), (-8.8, 14.0)])
    add_feature(project, drawing.id, ring, name="Study area")
    return project


def _scopes(project) -> list[dict]:
    regions = project.layers_with_role("regions")[0]
    drawing = project.layers_with_role("drawing")[0]
    out = [{"kind": "frame"}, {"kind": "all"}]
    for name in ("Koulikoro", "Ségou", "Sikasso"):
        out.append(
            {
                "kind": "area",
                "layer_id": regions.id,
                "field": "adm1_name",
                "value": name,
            }
        )
    out.append(
        {"kind": "area", "layer_id": drawing.id, "field": "name", "value": "Study area"}
    )
    return out


@st.composite
def specs(draw, project):
    start = pd.Timestamp("2019-10-01") + pd.Timedelta(days=draw(st.integers(0, 1500)))
    end = start + pd.Timedelta(days=draw(st.integers(0, 900)))
    west = draw(st.floats(-10.5, -6.5))
    south = draw(st.floats(10.5, 13.5))
    box = (
        west,
        south,
        west + draw(st.floats(0.5, 5.0)),
        south + draw(st.floats(0.5, 4.0)),
    )
    types = draw(
        st.none()
        | st.sets(
            st.sampled_from(
                ["Battles", "Violence against civilians", "Strategic developments"]
            ),
            min_size=1,
        )
    )
    actor = draw(st.sampled_from(["", "JNIM", "wagner"]))
    multiples = draw(st.booleans())
    return FigureSpec(
        name="random",
        size=draw(st.sampled_from(["16:9", "4:3", "A4 portrait"])),
        dpi=20,
        extent=box,
        time_window=(str(start.date()), str(end.date())),
        event_filter={
            "event_types": None if types is None else sorted(types),
            "actor": actor,
        },
        scope=draw(st.sampled_from(_scopes(project))),
        chart=draw(st.sampled_from([None, {"by": "year"}, {"by": "quarter"}])),
        small_multiples={"by": "year", "periods": [], "cols": None}
        if multiples
        else None,
    )


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data(), expand=st.booleans())
def test_random_specs_count_the_same_everywhere(synthetic_project, data, expand):
    from sahelgis.export.pptx import picture_area

    project = synthetic_project
    project.time_window.expand_imprecise = expand
    spec = data.draw(specs(project))
    plan = plan_figure(project, spec)
    n = check_plan(project, spec, plan)
    if plan.counted:
        assert source_n(plan.source_line) == (n, plan.scope_text)
    # the slide's picture area has another aspect: same events counted
    _, _, w, h = picture_area(spec)
    slide = plan_figure(project, spec, with_title=False, with_source=False, page=(w, h))
    assert slide.event_count == n
    assert source_n(slide.source_line)[0] == n
    # drawn events are the counted events
    drawn = sum(
        len(lp.rows)
        for p in plan.panels
        for lp in p.layers
        if isinstance(lp.layer, EventLayer)
    )
    assert drawn == n
