"""PowerPoint decks of saved figures (python-pptx), one 16:9 slide per figure.

Each slide has the title in the slide's title placeholder, the subtitle and the
source line as editable text boxes, the map as a picture rendered from the
model (``render.figure_for`` without title and source line, sized to the
slide's picture area) and the parameters (window, filter, extent, layers,
per-panel counts, chart counts, notes) in the slide notes. A figure's chart
is not part of the picture: it is a native, editable chart holding the plan's
own counts (``sahelgis.export.pptx_chart``), placed where the figure draws
it.

python-pptx's default template is 4:3 (10 × 7.5 in); we set 13.333 × 7.5 in
(tech_notes §3) and place every shape explicitly.
"""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path
from typing import TYPE_CHECKING

from sahelgis.export import ExportError
from sahelgis.export.layout import PagePlan, plan_figure
from sahelgis.export.pptx_chart import add_chart
from sahelgis.export.render import figure_for, rc, render_png_bytes
from sahelgis.export.text import figure_text
from sahelgis.model.figure_notes import figure_notes
from sahelgis.model.figures import SYNTHETIC_MARK, FigureSpec
from sahelgis.progress import NULL_PROGRESS, Progress

if TYPE_CHECKING:
    from sahelgis.model.project import Project

SLIDE_W_IN = 13.333
SLIDE_H_IN = 7.5
MARGIN_IN = 0.4
TITLE_TOP_IN = 0.2
TITLE_H_IN = 0.75
SUBTITLE_H_IN = 0.4
SOURCE_H_IN = 0.5
TITLE_ONLY_LAYOUT = 5


def picture_area(spec: FigureSpec) -> tuple[float, float, float, float]:
    """Left, top, width, height (inches) of the map picture on a slide."""
    top = TITLE_TOP_IN + TITLE_H_IN + (SUBTITLE_H_IN if spec.subtitle else 0.0)
    bottom = SLIDE_H_IN - SOURCE_H_IN - 0.1
    return MARGIN_IN, top + 0.05, SLIDE_W_IN - 2 * MARGIN_IN, bottom - top - 0.05


def chart_box(
    plan: PagePlan, area: tuple[float, float, float, float]
) -> tuple[float, float, float, float] | None:
    """Where the figure's chart goes on the slide.

    Parameters
    ----------
    plan
        The figure laid out on the picture area (``plan_figure`` with
        ``page`` = the area's width and height).
    area
        Left, top, width, height of the picture on the slide, in inches.

    Returns
    -------
    tuple of float or None
        Left, top, width, height on the slide, in inches (the layout's chart
        box, whose origin is the page's bottom left); None without a chart.
    """
    rect = plan.layout.chart
    if rect is None:
        return None
    left, top, _, _ = area
    page_h = plan.layout.page[1]
    return left + rect.x, top + page_h - rect.y - rect.h, rect.w, rect.h


def slide_plan(project: Project, spec: FigureSpec) -> PagePlan:
    """The plan a figure's slide is drawn from (its picture's page size)."""
    _, _, width, height = picture_area(spec)
    return plan_figure(
        project, spec, with_title=False, with_source=False, page=(width, height)
    )


def slide_notes(project: Project, spec: FigureSpec) -> str:
    """A figure's slide notes as the deck writes them (``sahelgis export --notes``)."""
    with rc():
        return figure_text(figure_notes(project, slide_plan(project, spec)))


def write_deck(
    project: Project,
    specs: list[FigureSpec],
    path: str | Path,
    *,
    dpi: int | None = None,
    progress: Progress = NULL_PROGRESS,
) -> Path:
    """Write a deck with one slide per figure to ``path`` (.pptx).

    ``dpi`` overrides every figure's resolution (e.g. a small deck for mail).
    Raises ``ExportError`` when python-pptx is missing, no figure is given or
    the file cannot be written.
    """
    try:
        from pptx import Presentation
        from pptx.dml.color import RGBColor
        from pptx.enum.text import PP_ALIGN
        from pptx.util import Inches, Pt
    except ImportError as exc:
        raise ExportError(
            "PowerPoint export needs the python-pptx package; install it with "
            "'pip install python-pptx' (or export PNG/PDF instead)"
        ) from exc
    path = Path(path)
    if path.suffix.lower() != ".pptx":
        raise ExportError(f"{path.name}: a slide deck must be a .pptx file")
    if not specs:
        raise ExportError(
            "no figure to put in the deck; save a figure first (File > Export "
            "figure… > Save figure to project)"
        )
    prs = Presentation()
    prs.slide_width = Inches(SLIDE_W_IN)
    prs.slide_height = Inches(SLIDE_H_IN)
    prs.core_properties.author = "SahelGIS"
    prs.core_properties.title = figure_text(specs[0].title or specs[0].name)
    layout = prs.slide_layouts[TITLE_ONLY_LAYOUT]
    for i, spec in enumerate(specs):
        progress.check()
        progress.set(i / len(specs), f"Slide {i + 1}/{len(specs)}: {spec.name}")
        left, top, width, height = picture_area(spec)
        with rc():
            plan = slide_plan(project, spec)
            # the chart goes on the slide as a native chart: the picture
            # keeps its place empty
            fig = figure_for(project, spec, plan=dataclasses.replace(plan, chart=None))
            png = render_png_bytes(fig, dpi or spec.dpi)
        slide = prs.slides.add_slide(layout)
        title = slide.shapes.title
        title.left, title.top = Inches(MARGIN_IN), Inches(TITLE_TOP_IN)
        title.width = Inches(SLIDE_W_IN - 2 * MARGIN_IN)
        title.height = Inches(TITLE_H_IN)
        # a title or name may hold line breaks (one paragraph each, some empty)
        title.text = figure_text(spec.title or spec.name) or "Figure"
        for paragraph in title.text_frame.paragraphs:
            paragraph.alignment = PP_ALIGN.LEFT
            for run in paragraph.runs:
                run.font.size = Pt(26)
                run.font.bold = True
        if spec.subtitle:
            box = slide.shapes.add_textbox(
                Inches(MARGIN_IN),
                Inches(TITLE_TOP_IN + TITLE_H_IN),
                Inches(SLIDE_W_IN - 2 * MARGIN_IN),
                Inches(SUBTITLE_H_IN),
            )
            box.name = "Subtitle"
            box.text_frame.text = figure_text(spec.subtitle)
            for paragraph in box.text_frame.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(15)
                    run.font.color.rgb = RGBColor(0x44, 0x44, 0x44)
        picture = slide.shapes.add_picture(
            io.BytesIO(png), Inches(left), Inches(top), width=Inches(width)
        )
        picture.name = "Map"
        box = chart_box(plan, (left, top, width, height))
        if box is not None and plan.chart and plan.chart.get("periods"):
            add_chart(slide, plan.chart, box)
        source = slide.shapes.add_textbox(
            Inches(MARGIN_IN),
            Inches(SLIDE_H_IN - SOURCE_H_IN - 0.05),
            Inches(SLIDE_W_IN - 2 * MARGIN_IN),
            Inches(SOURCE_H_IN),
        )
        source.name = "Source line"
        frame = source.text_frame
        frame.word_wrap = True
        frame.text = figure_text(plan.source_line)
        for paragraph in frame.paragraphs:
            for run in paragraph.runs:
                run.font.size = Pt(10)
                run.font.color.rgb = RGBColor(0x33, 0x33, 0x33)
        if plan.synthetic:
            mark = slide.shapes.add_textbox(
                Inches(SLIDE_W_IN - MARGIN_IN - 3.6),
                Inches(0.02),
                Inches(3.6),
                Inches(0.3),
            )
            mark.name = "Synthetic data mark"
            mark.text_frame.text = SYNTHETIC_MARK
            p = mark.text_frame.paragraphs[0]
            p.alignment = PP_ALIGN.RIGHT
            p.runs[0].font.size = Pt(12)
            p.runs[0].font.bold = True
            p.runs[0].font.color.rgb = RGBColor(0xB0, 0x00, 0x20)
        slide.notes_slide.notes_text_frame.text = figure_text(
            figure_notes(project, plan)
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        prs.save(str(path))
    except OSError as exc:
        raise ExportError(f"{path}: cannot write ({exc.strerror or exc})") from exc
    progress.set(1.0, "Deck written")
    return path


__all__ = ["chart_box", "picture_area", "slide_notes", "slide_plan", "write_deck"]
