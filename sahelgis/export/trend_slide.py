"""A place's trend as a slide: a native PowerPoint line chart and the method.

The chart holds the monthly counts (:attr:`PlaceTrend.counts`, the series of
:func:`sahelgis.analysis.trend.monthly_series`) and the Theil–Sen line at each
month as two editable line series, so the numbers on the slide are those of
the panel; the notes are :func:`sahelgis.analysis.trend.trend_notes` (place,
filter, method, slope and p, change since the date, the series).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from sahelgis.analysis.trend import trend_notes, trend_summary
from sahelgis.export import ExportError
from sahelgis.export.pptx import MARGIN_IN, SLIDE_H_IN, SLIDE_W_IN, TITLE_ONLY_LAYOUT
from sahelgis.export.text import figure_text
from sahelgis.io.atomic import atomic_target

if TYPE_CHECKING:
    from pptx.shapes.graphfrm import GraphicFrame

    from sahelgis.analysis.trend import PlaceTrend

__all__ = ["COUNT_SERIES", "TREND_SERIES", "write_trend_pptx"]

COUNT_SERIES = "Events per month"
TREND_SERIES = "Theil–Sen trend"
_COUNT_RGB = "B2182B"
_TREND_RGB = "202020"


def write_trend_pptx(trend: PlaceTrend, path: str | Path, title: str = "") -> Path:
    """Write a one-slide deck with the place's monthly series and trend.

    Parameters
    ----------
    trend
        The place's trend (:func:`sahelgis.analysis.trend.place_trend`).
    path
        The ``.pptx`` file to write (atomically).
    title
        Slide title; default "Events per month – <place>".

    Returns
    -------
    pathlib.Path
        The file written.
    """
    try:
        from pptx import Presentation
        from pptx.chart.data import CategoryChartData
        from pptx.dml.color import RGBColor
        from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION
        from pptx.util import Inches, Pt
    except ImportError as exc:
        raise ExportError(
            "PowerPoint export needs the python-pptx package; install it with "
            "'pip install python-pptx'"
        ) from exc
    path = Path(path)
    if path.suffix.lower() != ".pptx":
        raise ExportError(f"{path.name}: a slide deck must be a .pptx file")
    if not trend.months:
        raise ExportError(f"{trend.place}: no month to chart")
    prs = Presentation()
    prs.slide_width = Inches(SLIDE_W_IN)
    prs.slide_height = Inches(SLIDE_H_IN)
    prs.core_properties.author = "SahelGIS"
    slide = prs.slides.add_slide(prs.slide_layouts[TITLE_ONLY_LAYOUT])
    head = slide.shapes.title
    head.left, head.top = Inches(MARGIN_IN), Inches(0.2)
    head.width, head.height = Inches(SLIDE_W_IN - 2 * MARGIN_IN), Inches(0.75)
    head.text = figure_text(title or f"Events per month – {trend.place}")
    for run in head.text_frame.paragraphs[0].runs:
        run.font.size = Pt(26)
        run.font.bold = True
    data = CategoryChartData(number_format="0.0")
    data.categories = list(trend.months)
    data.add_series(COUNT_SERIES, [int(c) for c in trend.counts], number_format="0")
    data.add_series(TREND_SERIES, [round(float(v), 3) for v in trend.fitted])
    frame = cast(
        "GraphicFrame",
        slide.shapes.add_chart(
            XL_CHART_TYPE.LINE_MARKERS,
            Inches(MARGIN_IN),
            Inches(1.05),
            Inches(SLIDE_W_IN - 2 * MARGIN_IN),
            Inches(SLIDE_H_IN - 1.05 - 0.9),
            cast("Any", data),
        ),
    )
    frame.name = "Chart: events per month with trend"
    chart = frame.chart
    chart.font.size = Pt(10)
    chart.has_title = False
    chart.has_legend = True
    chart.legend.position = XL_LEGEND_POSITION.TOP
    chart.legend.include_in_layout = False
    counts, fitted = chart.plots[0].series
    for series, rgb, width, marker in (
        (counts, _COUNT_RGB, 1.5, True),
        (fitted, _TREND_RGB, 2.25, False),
    ):
        series.format.line.color.rgb = RGBColor.from_string(rgb)
        series.format.line.width = Pt(width)
        series.smooth = False
        if marker:
            series.marker.format.fill.solid()
            series.marker.format.fill.fore_color.rgb = RGBColor.from_string(rgb)
            series.marker.size = 4
        else:
            from pptx.enum.chart import XL_MARKER_STYLE

            series.marker.style = XL_MARKER_STYLE.NONE
    value = chart.value_axis
    value.has_title = True
    value.axis_title.text_frame.text = "Events per month"
    # counts start at 0; a falling trend line may end below it, and shows so
    value.minimum_scale = min(0.0, float(np.floor(min(trend.fitted))))
    value.has_major_gridlines = True
    category = chart.category_axis
    category.has_title = True
    category.axis_title.text_frame.text = "Month"
    box = slide.shapes.add_textbox(
        Inches(MARGIN_IN),
        Inches(SLIDE_H_IN - 0.8),
        Inches(SLIDE_W_IN - 2 * MARGIN_IN),
        Inches(0.6),
    )
    box.name = "Trend summary"
    box.text_frame.word_wrap = True
    source = f" Source: {trend.source}." if trend.source else ""
    box.text_frame.text = figure_text(
        trend_summary(trend) + f". Filter: {trend.filter_text}." + source
    )
    for run in box.text_frame.paragraphs[0].runs:
        run.font.size = Pt(11)
    slide.notes_slide.notes_text_frame.text = figure_text(trend_notes(trend))
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with atomic_target(path) as tmp:
            prs.save(str(tmp))
    except OSError as exc:
        raise ExportError(f"{path}: cannot write ({exc.strerror or exc})") from exc
    return path
