"""The analyst report's four figures as saved figures."""

from __future__ import annotations

import pytest

from sahelgis.export.layout import plan_figure
from sahelgis.export.render import figure_for, render_figure
from sahelgis.export.report_figures import (
    NOT_DISCUSSED,
    ROLE_FIG4,
    ROLE_ZONES,
    add_report_figures,
)
from sahelgis.model.figures import SYNTHETIC_MARK, saved_figures

CAPTIONS = [
    "JNIM Targets Nara and the RN4 in the Koulikoro Region, Southern Mali",
    "JNIM Increases Grip on Civilians in the Koulikoro Region",
    "JNIM Strengthens in Southern Mali: In the Koulikoro Region, 2020–2023",
    "Russia-Backed Engagement in Africa",
]


def test_adds_four_figures_with_the_report_captions(fig_project):
    names = add_report_figures(fig_project)
    specs = saved_figures(fig_project)
    assert [s.name for s in specs] == names
    assert [s.title for s in specs] == CAPTIONS
    assert fig_project.modified
    # again: replaced, not duplicated, and helper layers reused
    count = len(fig_project.layers)
    assert add_report_figures(fig_project) == names
    assert len(saved_figures(fig_project)) == 4
    assert len(fig_project.layers) == count
    helpers = [ly for ly in fig_project.layers if ly.role in (ROLE_FIG4, ROLE_ZONES)]
    assert helpers
    assert not any(ly.visible for ly in helpers)  # the main map is unchanged


def test_event_figures_are_marked_synthetic(fig_project):
    add_report_figures(fig_project)
    for spec in saved_figures(fig_project)[:3]:
        plan = plan_figure(fig_project, spec)
        assert plan.synthetic
        assert plan.source_line.startswith("Source: SYNTHETIC")
        assert "JNIM only" in plan.source_line
        assert "SYNTHETIC" in spec.notes


def test_figure3_is_four_yearly_panels(fig_project):
    add_report_figures(fig_project)
    plan = plan_figure(fig_project, saved_figures(fig_project)[2])
    assert [p.label for p in plan.panels] == ["2020", "2021", "2022", "2023"]
    assert len({p.window for p in plan.panels}) == 4


def test_figure4_colours_countries_by_the_report(fig_project, tmp_path):
    add_report_figures(fig_project)
    spec = saved_figures(fig_project)[3]
    layer = fig_project.layers_with_role(ROLE_FIG4)[0]
    categories = dict(zip(layer.data["iso_a3"], layer.data["category"], strict=True))
    assert categories["MLI"] == categories["BFA"] == categories["NER"]
    assert "Russian arms" in categories["NGA"]
    assert categories["SEN"] == NOT_DISCUSSED
    assert "Not on the map (no polygon): Russia" in layer.caveat
    assert "Russia" in spec.notes
    plan = plan_figure(fig_project, spec)
    assert not plan.synthetic
    labels = [e.label for e in plan.legend]
    assert labels[0] == "What the report says"
    assert NOT_DISCUSSED in labels
    fig = figure_for(fig_project, spec.with_(dpi=30))
    texts = [t.get_text() for ax in fig.axes for t in ax.texts] + [
        t.get_text() for t in fig.texts
    ]
    assert SYNTHETIC_MARK not in texts
    assert "Nigeria" in texts
    render_figure(fig_project, spec.with_(dpi=30), tmp_path / "fig4.png")


@pytest.mark.parametrize("index", [0, 1])
def test_event_figures_render(fig_project, tmp_path, index):
    add_report_figures(fig_project)
    spec = saved_figures(fig_project)[index].with_(dpi=30)
    fig = figure_for(fig_project, spec)
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert SYNTHETIC_MARK in texts
    if spec.chart:
        assert any(ax.get_title(loc="left") == "Events per year" for ax in fig.axes)


def test_a_year_without_a_support_zone_says_so(fig_project):
    add_report_figures(fig_project)
    spec = saved_figures(fig_project)[2]
    plan = plan_figure(fig_project, spec)
    for panel in plan.panels:
        zones = [lp for lp in panel.layers if lp.layer.role == ROLE_ZONES]
        assert zones
        assert (panel.empty_note == "no support zone found") == (
            not len(zones[0].rows)
        ), panel.label
    # a panel emptied on purpose says so on the page too
    layer = next(ly for ly in fig_project.layers if ly.role == ROLE_ZONES)
    layer.data = layer.data[layer.data["period"].astype(str) != "2021"]
    plan = plan_figure(fig_project, spec)
    assert [p.empty_note for p in plan.panels][1] == "no support zone found"
    fig = figure_for(fig_project, spec)
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert "no support zone found" in texts


def test_figure4_title_agrees_with_its_extent(fig_project):
    add_report_figures(fig_project)
    spec = saved_figures(fig_project)[3]
    assert "Northwest" not in spec.title
    assert "Northwest Africa" in spec.subtitle  # the report's caption, quoted
    assert "Russia" in spec.subtitle
    assert "off the map" in spec.subtitle
