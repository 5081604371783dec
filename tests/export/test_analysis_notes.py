"""Compare and alerts results in a figure: slide notes state the method and the
counts the analysis table gave (issue 21 part 5). SYNTHETIC tiny events."""

from __future__ import annotations

import pytest

pptx = pytest.importorskip("pptx")

from sahelgis.analysis.registry import Context, get  # noqa: E402
from sahelgis.export.pptx import write_deck  # noqa: E402
from sahelgis.model.figure_notes import ACLED_TRACKER_PAGE  # noqa: E402
from sahelgis.model.layers import VectorLayer  # noqa: E402
from sahelgis.model.styles import Style  # noqa: E402

PERIODS = {"a_from": "2018-01-01", "a_to": "2020-12-31",
           "b_from": "2021-01-01", "b_to": "2024-12-31"}  # fmt: skip


def _add_result(project, kind, raw):
    """Run an analysis as the GUI does and add its layer (one query)."""
    context = Context.from_project(project)
    analysis = get(kind)
    spec = analysis.spec_from(raw, context)
    events = project.event_layers()[0].events
    result = analysis.run(events, None, spec, context)
    out = result.layers[0]
    layer = VectorLayer(name=out.name, data=out.data, role="analysis",
                        analysis=spec, style=out.style or Style())  # fmt: skip
    project.add_layer(layer)
    return result


def _notes(project, spec, tmp_path):
    deck = write_deck(project, [spec], tmp_path / "deck.pptx")
    return pptx.Presentation(str(deck)).slides[0].notes_slide.notes_text_frame.text


def test_compare_notes_state_periods_classes_and_the_table(
    fig_project, small_spec, tmp_path
):
    result = _add_result(fig_project, "compare", {"areas": "cercle", **PERIODS})
    notes = _notes(fig_project, small_spec, tmp_path)
    assert "Periods: A 2018-01-01 to 2020-12-31, B 2021-01-01 to 2024-12-31" in notes
    assert "change % = 100·(B − A)/A" in notes
    assert "Classes: gone (none in B); −50% or less" in notes
    table = result.table
    shown = table[(table["count_a"] > 0) | (table["count_b"] > 0)]
    assert len(shown) > 0
    for row in shown.to_dict("records"):
        a, b = row["count_a"], row["count_b"]
        assert f"  {row['name_fr']}: A {a}, B {b}" in notes


def test_alerts_notes_state_the_rule_and_its_source(fig_project, small_spec, tmp_path):
    _add_result(fig_project, "alerts", {"areas": "cercle", "preset": "acled_threat",
                                        "min_count": 2})  # fmt: skip
    notes = _notes(fig_project, small_spec, tmp_path)
    assert "Rule (acled_threat): window a month, baseline the 12 windows" in notes
    assert "at least 2 events" in notes
    assert ACLED_TRACKER_PAGE in notes


def test_export_notes_equal_the_deck_notes(fig_project, small_spec, tmp_path, capsys):
    """`sahelgis export --notes` prints what the deck's notes say (one function)."""
    from sahelgis.export.cli import EXIT_OK, cmd_export
    from sahelgis.io.project_file import save_project
    from sahelgis.model.figures import save_figure

    _add_result(fig_project, "compare", {"areas": "cercle", **PERIODS})
    save_figure(fig_project, small_spec)
    path = save_project(fig_project, tmp_path / "p.gpkg")
    assert cmd_export([str(path), "--notes"]) == EXIT_OK
    printed = capsys.readouterr().out
    deck = tmp_path / "deck.pptx"
    assert cmd_export([str(path), "--all", "-o", str(deck)]) == EXIT_OK
    notes = pptx.Presentation(str(deck)).slides[0].notes_slide.notes_text_frame.text
    assert "Periods: A 2018-01-01 to 2020-12-31" in notes
    assert printed.startswith(f"== {small_spec.name}\n{notes}\n")


def test_hotspot_notes_state_the_method_and_the_categories_on_the_map(
    fig_project, small_spec, tmp_path
):
    result = _add_result(fig_project, "hotspots", {"size": "20km", "step": "year"})
    notes = _notes(fig_project, small_spec, tmp_path)
    assert "(emerging hot spots) on 20 km hexagons, yearly steps" in notes
    assert "Getis-Ord Gi*" in notes
    assert "Benjamini–Hochberg false discovery rate at 5%" in notes
    tally = result.layers[0].data["category"].astype(str).value_counts()
    for name, n in tally.items():
        assert f"{name} {int(n)}" in notes
