"""Text from data in figures and slides is drawn as written (issue 14).

matplotlib used to read ``$...$`` in titles, legends and map labels as
mathtext (a ``\\sqrt`` nest was slow or raised), and lone surrogates or
control characters from a project made the render or the slide raise.
"""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from pathlib import Path

import geopandas as gpd
import pytest

from sahelgis.export.render import figure_for, render_figure
from sahelgis.export.text import REPLACEMENT, figure_text
from sahelgis.model.layers import VectorLayer
from sahelgis.model.styles import Style

MARKUP = '<img src="/dev/zero"><a href="http://example.invalid/">x</a> <b>B</b>'
MATH = r"$\sqrt{x}$ &lt;i&gt;"
HOSTILE = f"{MARKUP} {MATH}"
#: A mathtext nest: old renders spent seconds in the parser or raised.
NEST = "$" + r"\sqrt{" * 200 + "x" + "}" * 200 + "$"


def svg_texts(path: Path) -> str:
    root = ET.parse(path).getroot()
    return "\n".join(
        "".join(el.itertext())
        for el in root.iter()
        if el.tag.endswith("}text") or el.tag == "text"
    )


@pytest.fixture
def hostile_spec(fig_project, small_spec):
    towns = gpd.GeoDataFrame(
        {"name": [f"{MATH} town", "<b>Nara</b>"]},
        geometry=gpd.points_from_xy([-8.6, -7.0], [13.9, 13.2]),
        crs="EPSG:4326",
    )
    labelled = VectorLayer(
        name="labelled",
        data=towns,
        style=Style(color="#333333", size=6, label_field="name", label_size=9),
    )
    fig_project.add_layer(labelled)
    events = fig_project.event_layers()[0]
    return small_spec.with_(
        title=HOSTILE,
        subtitle=f"{MATH} subtitle",
        source_line=f"Source: {MATH}",
        credit="$x$ credit",
        legend_labels={events.id: f"{MATH} legend"},
    )


def test_svg_shows_hostile_text_literally(fig_project, hostile_spec, tmp_path):
    out = render_figure(fig_project, hostile_spec, tmp_path / "figure.svg")
    text = svg_texts(out)
    assert HOSTILE in text  # the title, markup and dollars as written
    assert f"{MATH} subtitle" in text
    assert f"Source: {MATH}" in text
    assert "$x$ credit" in text
    assert f"{MATH} legend" in text
    raw = out.read_text(encoding="utf-8")
    assert "&lt;img src=" in raw  # escaped in the SVG, not an element
    assert "<img" not in raw


def test_map_labels_and_every_other_text_are_not_mathtext(fig_project, hostile_spec):
    from matplotlib.text import Text

    fig = figure_for(fig_project, hostile_spec)
    texts = fig.findobj(Text)
    # map labels are drawn with a halo, as paths in SVG: check the artists
    assert f"{MATH} town" in [t.get_text() for t in texts]
    # (tick labels made later, by this very walk, are empty until drawn in rc())
    assert not [t.get_text() for t in texts if t.get_text() and t.get_parse_math()]


def test_mathtext_nest_in_a_title_renders_literally_and_fast(
    fig_project, small_spec, tmp_path
):
    spec = small_spec.with_(title=NEST, subtitle="", source_line=NEST[:60])
    start = time.perf_counter()
    out = render_figure(fig_project, spec, tmp_path / "nest.svg")
    elapsed = time.perf_counter() - start
    assert NEST in svg_texts(out)
    assert elapsed < 2.0


@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf"])
def test_unprintable_characters_do_not_stop_a_render(
    fig_project, small_spec, tmp_path, suffix
):
    spec = small_spec.with_(
        title="Koulikoro \ud800 \x00\x1b\x7f end", subtitle="line\rbreak"
    )
    out = render_figure(fig_project, spec, tmp_path / f"f{suffix}")
    assert out.stat().st_size > 0
    if suffix == ".svg":
        text = svg_texts(out)
        assert f"Koulikoro {REPLACEMENT} {REPLACEMENT * 3} end" in text


def test_figure_text_replaces_only_what_cannot_be_drawn():
    assert figure_text(HOSTILE) == HOSTILE
    assert figure_text(None) == ""
    assert figure_text("a\tb\nc\r\nd\re") == "a\tb\nc\nd\ne"
    assert figure_text("\ud800x\x00\x9f") == f"{REPLACEMENT}x{REPLACEMENT * 2}"
    assert figure_text("Ségou 🇲🇱") == "Ségou 🇲🇱"


def test_slide_text_is_literal_whatever_its_breaks(fig_project, small_spec, tmp_path):
    pptx = pytest.importorskip("pptx")
    from sahelgis.export.pptx import write_deck

    spec = small_spec.with_(
        name="",
        title=f"\n{HOSTILE}\x00",
        subtitle=f"\n{MATH}\ud800",
        source_line=f"{MATH}\n\nsecond line",
        notes="\x1b note",
    )
    out = write_deck(fig_project, [spec], tmp_path / "deck.pptx")
    slide = pptx.Presentation(str(out)).slides[0]
    assert HOSTILE in slide.shapes.title.text
    shapes = {s.name: s for s in slide.shapes}
    assert MATH in shapes["Subtitle"].text_frame.text
    assert "second line" in shapes["Source line"].text_frame.text
    untitled = small_spec.with_(name="", title="")
    deck = write_deck(fig_project, [untitled], tmp_path / "untitled.pptx")
    assert pptx.Presentation(str(deck)).slides[0].shapes.title.text == "Figure"
