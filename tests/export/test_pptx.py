"""PowerPoint decks reopened with python-pptx: slides, title, picture, notes."""

from __future__ import annotations

import pytest

pptx = pytest.importorskip("pptx")

from pptx.enum.shapes import MSO_SHAPE_TYPE  # noqa: E402
from pptx.util import Inches  # noqa: E402

from sahelgis.export import ExportError  # noqa: E402
from sahelgis.export.layout import plan_figure  # noqa: E402
from sahelgis.export.pptx import write_deck  # noqa: E402
from sahelgis.model.figures import SYNTHETIC_MARK  # noqa: E402


def test_deck_has_one_16x9_slide_per_figure(fig_project, small_spec, tmp_path):
    multiples = small_spec.with_(
        name="per year",
        title="Per Year Panels",
        subtitle="",
        small_multiples={"by": "year", "periods": ["2019", "2020"]},
    )
    out = write_deck(fig_project, [small_spec, multiples], tmp_path / "deck.pptx")
    deck = pptx.Presentation(str(out))
    assert deck.slide_width == Inches(13.333)
    assert deck.slide_height == Inches(7.5)
    assert len(deck.slides) == 2
    first, second = deck.slides
    assert first.shapes.title.text == small_spec.title
    assert second.shapes.title.text == "Per Year Panels"
    for slide in deck.slides:
        pictures = [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
        assert len(pictures) == 1
        picture = pictures[0]
        assert picture.left + picture.width <= deck.slide_width
        assert picture.top + picture.height <= deck.slide_height
        names = {s.name: s for s in slide.shapes}
        assert names["Synthetic data mark"].text_frame.text == SYNTHETIC_MARK
    source = {s.name: s for s in first.shapes}["Source line"]
    expected = plan_figure(fig_project, small_spec).source_line
    assert source.text_frame.text == expected
    assert {s.name: s for s in first.shapes}["Subtitle"].text_frame.text == (
        "Tiny events"
    )
    notes = first.notes_slide.notes_text_frame.text
    assert "Time window: 1 Jan 2018 – 31 Dec 2024" in notes
    assert "Event filter: all events" in notes
    assert expected in notes
    assert "SYNTHETIC" in notes
    notes2 = second.notes_slide.notes_text_frame.text
    assert "Counts behind the panels:" in notes2
    assert "2019: n = 3" in notes2
    assert "2020: n = 3" in notes2


def test_empty_deck_and_wrong_suffix_are_errors(fig_project, small_spec, tmp_path):
    with pytest.raises(ExportError, match="no figure"):
        write_deck(fig_project, [], tmp_path / "deck.pptx")
    with pytest.raises(ExportError, match=r"must be a \.pptx"):
        write_deck(fig_project, [small_spec], tmp_path / "deck.ppt")
