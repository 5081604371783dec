"""FigureSpec, saved figures and the figure plan: model only (no Qt, no matplotlib)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sahelgis.export.layout import figure_layout, plan_figure
from sahelgis.model.figure_notes import figure_notes
from sahelgis.model.figure_plan import auto_source_line, period_window
from sahelgis.model.figures import (
    FIGURES_KEY,
    FigureSpec,
    delete_figure,
    find_figure,
    save_figure,
    saved_figures,
)
from sahelgis.model.filters import EventFilter

NARA_BOX = (-7.6, 14.9, -7.0, 15.4)  # only the Nara test events


def test_spec_round_trips_through_json():
    spec = FigureSpec(
        name="a",
        title="T",
        extent=(-9.0, 12.0, -6.0, 15.0),
        layer_ids=["x", "y"],
        legend_labels={"x": "Events"},
        legend_hidden=["y:Other"],
        source_line="Source: me.",
        scale_units="both",
        small_multiples={"by": "year", "periods": ["2020", "2021"], "cols": 2},
        time_window=("2020-01-01", "2021-12-31"),
        event_filter=EventFilter(actor="JNIM").to_dict(),
        chart={"by": "year"},
        size="custom",
        width_in=8.0,
        height_in=5.0,
    )
    data = json.loads(json.dumps(spec.to_dict()))
    assert FigureSpec.from_dict(data) == spec
    assert FigureSpec.from_dict({**data, "from_the_future": 1}) == spec
    assert spec.page_size == (8.0, 5.0)
    assert spec.pixel_size(100) == (800, 500)


@pytest.mark.parametrize(
    "bad",
    [
        {"size": "letter"},
        {"scale_units": "furlong"},
        {"extent": (1.0, 0.0, 0.0, 1.0)},
        {"dpi": 0},
        {"small_multiples": {"by": "decade"}},
    ],
)
def test_spec_rejects_bad_values(bad):
    with pytest.raises(ValueError, match=r"."):
        FigureSpec(**bad)


def test_time_window_is_ordered_and_normalised():
    spec = FigureSpec(time_window=("2021-03-05", "2020-01-01T12:00"))
    assert spec.time_window == ("2020-01-01", "2021-03-05")


def test_save_figure_replaces_by_name_marks_modified_and_undoes(fig_project):
    project = fig_project
    assert not project.modified
    save_figure(project, FigureSpec(name="one", title="first"))
    save_figure(project, FigureSpec(name="two"))
    assert project.modified
    save_figure(project, FigureSpec(name="one", title="second"))
    specs = saved_figures(project)
    assert [s.name for s in specs] == ["one", "two"]
    assert find_figure(project, "one").title == "second"
    project.undo_stack.undo()
    assert find_figure(project, "one").title == "first"
    delete_figure(project, "two")
    assert [s.name for s in saved_figures(project)] == ["one"]
    with pytest.raises(KeyError, match="saved figures: one"):
        find_figure(project, "missing")
    json.dumps(project.extra_state)  # what the project file writes


def test_saved_figures_skips_unreadable_entries(fig_project):
    fig_project.extra_state[FIGURES_KEY] = [
        {"name": "ok"},
        {"name": "bad", "size": "nonsense"},
        {"name": "bad2", "dpi": "many"},
    ]
    assert [s.name for s in saved_figures(fig_project)] == ["ok"]


def test_auto_source_line_counts_what_is_drawn(fig_project):
    spec = FigureSpec(
        extent=NARA_BOX,
        time_window=("2020-01-01", "2020-12-31"),
        event_filter=EventFilter(actor="JNIM").to_dict(),
    )
    line = auto_source_line(fig_project, spec)
    # one Nara event per year: 2020 only
    assert line.startswith("Source: SYNTHETIC demo events")
    assert "Natural Earth (public domain)" in line
    assert "Events 1 Jan 2020 – 31 Dec 2020, n = 1 in the map frame, JNIM only." in line
    plan = plan_figure(fig_project, spec)
    assert plan.event_count == 1
    assert plan.synthetic
    assert plan.source_line == line
    override = plan_figure(fig_project, spec.with_(source_line="Source: my own."))
    assert override.source_line == "Source: my own."


def test_real_acled_layer_credits_acled(fig_project):
    events = fig_project.event_layers()[0]
    events.synthetic = False
    events.attribution = "Armed Conflict Location & Event Data (ACLED), acleddata.com"
    line = auto_source_line(fig_project, FigureSpec(extent=NARA_BOX))
    assert line.startswith("Source: Armed Conflict Location & Event Data (ACLED)")
    assert "SYNTHETIC" not in line


def test_legend_shows_only_what_is_on_the_map(fig_project):
    events = fig_project.event_layers()[0]
    roads = fig_project.layers_with_role("roads")[0]
    spec = FigureSpec(
        extent=NARA_BOX,
        layer_ids=[events.id, roads.id],
        time_window=("2018-01-01", "2018-12-31"),
        legend_labels={events.id: "JNIM events"},
    )
    plan = plan_figure(fig_project, spec)
    keys = [e.key for e in plan.legend]
    # Nara's 2018 event is a Battle (types rotate by town and year)
    nara_2018 = fig_project.event_layers()[0].events.frame.iloc[
        plan.panels[0].layers[0].rows
    ]
    assert list(nara_2018["event_type"]) == ["Battles"]
    assert keys == [events.id, f"{events.id}:Battles", roads.id]
    assert plan.legend[0].label == "JNIM events"
    assert plan.legend[0].kind == "header"
    hidden = plan_figure(fig_project, spec.with_(legend_hidden=[roads.id]))
    assert roads.id not in [e.key for e in hidden.legend]


def test_collapsed_categorical_layer_has_one_legend_row(fig_project):
    capitals = fig_project.layers_with_role("places")[0]
    spec = FigureSpec(extent=(-9.5, 11.8, -5.8, 15.8), layer_ids=[capitals.id])
    plan = plan_figure(fig_project, spec)
    assert len(plan.legend) > 2  # header + capital classes
    collapsed = plan_figure(fig_project, spec.with_(legend_collapsed=[capitals.id]))
    assert [e.kind for e in collapsed.legend] == ["point"]


def test_small_multiples_share_extent_and_count_per_panel(fig_project):
    spec = FigureSpec(
        extent=(-9.5, 11.8, -5.8, 15.8),
        small_multiples={"by": "year", "periods": ["2019", "2020", "2021"]},
        time_window=("2019-01-01", "2021-12-31"),
    )
    plan = plan_figure(fig_project, spec)
    assert [p.label for p in plan.panels] == ["2019", "2020", "2021"]
    assert [p.event_count for p in plan.panels] == [3, 3, 3]
    assert len(plan.layout.maps) == 3
    sizes = {(round(r.w, 6), round(r.h, 6)) for r in plan.layout.maps}
    assert len(sizes) == 1
    notes = figure_notes(fig_project, plan)
    assert "2020: n = 3" in notes
    assert "(one panel per year)" in plan.source_line


def test_small_multiples_without_periods_follow_the_window(fig_project):
    spec = FigureSpec(
        small_multiples={"by": "year"}, time_window=("2022-03-01", "2024-06-30")
    )
    labels = [p.label for p in plan_figure(fig_project, spec).panels]
    assert labels == ["2022", "2023", "2024"]


def test_chart_counts_per_year(fig_project):
    spec = FigureSpec(
        extent=(-9.5, 11.8, -5.8, 15.8),
        time_window=("2018-01-01", "2020-12-31"),
        chart={"by": "year"},
    )
    chart = plan_figure(fig_project, spec).chart
    assert chart["periods"] == ["2018", "2019", "2020"]
    totals = np.sum(list(chart["series"].values()), axis=0)
    assert list(totals) == [3, 3, 3]


@pytest.mark.parametrize(
    ("step", "text", "start", "end"),
    [
        ("year", "2020", "2020-01-01", "2020-12-31"),
        ("quarter", "2020-Q3", "2020-07-01", "2020-09-30"),
        ("month", "2024-02", "2024-02-01", "2024-02-29"),
        ("week", "2024-02-28", "2024-02-26", "2024-03-03"),
    ],
)
def test_period_window(step, text, start, end):
    a, b = period_window(step, text)
    assert (str(a), str(b)) == (start, end)


def test_period_window_rejects_nonsense():
    with pytest.raises(ValueError, match="not a quarter"):
        period_window("quarter", "soon")


@pytest.mark.parametrize("size", ["16:9", "4:3", "A4", "A4 portrait"])
def test_layout_parts_stay_on_the_page_and_apart(size):
    spec = FigureSpec(title="T", subtitle="S", size=size, chart={"by": "year"})
    layout = figure_layout(spec)
    pw, ph = layout.page
    rects = [layout.header, layout.footer, *layout.maps, layout.legend]
    rects += [layout.chart, layout.inset]
    for r in rects:
        assert r is not None
        assert r.x >= 0
        assert r.y >= 0
        assert r.x + r.w <= pw + 1e-9
        assert r.y + r.h <= ph + 1e-9
    map_rect = layout.maps[0]
    assert map_rect.x + map_rect.w <= layout.legend.x
    assert layout.footer.y + layout.footer.h <= map_rect.y
    assert map_rect.y + map_rect.h <= layout.header.y


def test_scope_is_validated_and_old_figures_load_as_frame(fig_project):
    from sahelgis.model.figure_scope import ScopeError

    old = FigureSpec().to_dict()
    del old["scope"]
    assert FigureSpec.from_dict(old).scope == {"kind": "frame"}
    assert FigureSpec(scope={"kind": "all"}).to_dict()["scope"] == {"kind": "all"}
    with pytest.raises(ValueError, match="unknown figure scope 'box'"):
        FigureSpec(scope={"kind": "box"})
    with pytest.raises(ValueError, match="needs 'layer_id' and 'field'"):
        FigureSpec(scope={"kind": "area", "value": "Koulikoro"})
    with pytest.raises(ValueError, match="unknown figure scope keys"):
        FigureSpec(scope={"kind": "frame", "radius": 3})
    gone = FigureSpec(
        extent=NARA_BOX,
        scope={"kind": "area", "layer_id": "gone", "field": "x", "value": "Nara"},
    )
    with pytest.raises(ScopeError, match="'Nara', but its layer"):
        plan_figure(fig_project, gone)


def test_all_scope_counts_events_outside_the_frame(fig_project):
    spec = FigureSpec(extent=NARA_BOX, time_window=("2018-01-01", "2024-12-31"))
    frame = plan_figure(fig_project, spec)
    every = plan_figure(fig_project, spec.with_(scope={"kind": "all"}))
    assert frame.event_count < every.event_count == 21
    assert "n = 21 of all loaded events" in every.source_line
