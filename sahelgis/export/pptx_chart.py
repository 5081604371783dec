"""A figure's chart as a native, editable PowerPoint chart (python-pptx).

The figure's bar chart of events per period (``FigurePlan.chart``, counted by
``sahelgis.model.figure_plan.chart_series`` in the figure's one query) goes on
the slide as a stacked column chart holding its data: one series per category
in the figure's stacking order, each with an explicit RGB fill from the same
style colours (LibreOffice ignores theme colours), axis titles, and the totals
above the columns as the figure writes them. The totals are a "Total" line
series without line or marker, whose data labels sit above each column (a
stacked column chart cannot label its stack); python-pptx has no combined
charts, so that series is moved into a ``c:lineChart`` of the same plot area.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any, cast

from sahelgis.export.text import figure_text
from sahelgis.model.styles import OTHER_CATEGORY_COLOR

if TYPE_CHECKING:
    from pptx.chart.chart import Chart
    from pptx.shapes.graphfrm import GraphicFrame
    from pptx.slide import Slide

#: Name of the series that carries the column totals (data labels only).
TOTAL_SERIES = "Total"
FONT_PT = 9


def chart_table(chart: dict[str, Any]) -> tuple[list[str], dict[str, list[int]]]:
    """Categories and series of a plan's chart, as the slide chart holds them.

    Parameters
    ----------
    chart
        ``FigurePlan.chart``: ``periods``, ``series`` (name to counts per
        period, stacked in order), ``colors``, ``by``.

    Returns
    -------
    (list of str, dict of str to list of int)
        Period labels, and the counts of every series (events per period)
        followed by ``TOTAL_SERIES``, their sum per period.
    """
    periods = [figure_text(p) for p in chart["periods"]]
    series = {figure_text(k): [int(c) for c in v] for k, v in chart["series"].items()}
    totals = [sum(col) for col in zip(*series.values(), strict=True)] or [
        0 for _ in periods
    ]
    return periods, {**series, TOTAL_SERIES: totals}


def add_chart(
    slide: Slide,
    chart: dict[str, Any],
    box: tuple[float, float, float, float],
) -> GraphicFrame:
    """Put a plan's chart on a slide as a native stacked column chart.

    Parameters
    ----------
    slide
        The slide.
    chart
        ``FigurePlan.chart`` (``periods``, ``series``, ``colors``, ``by``);
        its numbers are used as they are, never recounted.
    box
        Left, top, width, height on the slide, in inches.

    Returns
    -------
    GraphicFrame
        The chart's shape, named "Chart: events per <period>".
    """
    from pptx.chart.data import CategoryChartData
    from pptx.dml.color import RGBColor
    from pptx.enum.chart import XL_CHART_TYPE, XL_TICK_LABEL_POSITION
    from pptx.util import Inches, Pt

    periods, table = chart_table(chart)
    data = CategoryChartData(number_format="0")
    data.categories = periods
    for name, counts in table.items():
        data.add_series(name, counts)
    left, top, width, height = box
    # python-pptx 1.0 annotates add_chart as taking ChartData and returning
    # a Chart; it takes any chart data and returns the GraphicFrame
    frame = cast(
        "GraphicFrame",
        slide.shapes.add_chart(
            XL_CHART_TYPE.COLUMN_STACKED,
            Inches(left),
            Inches(top),
            Inches(width),
            Inches(height),
            cast("Any", data),
        ),
    )
    by = str(chart.get("by", "period"))
    frame.name = f"Chart: events per {by}"
    native = frame.chart
    native.font.size = Pt(FONT_PT)
    native.has_legend = False
    native.has_title = True
    title = native.chart_title.text_frame
    title.text = f"Events per {by}"
    title.paragraphs[0].runs[0].font.size = Pt(FONT_PT + 1.5)
    title.paragraphs[0].runs[0].font.bold = True
    plot = native.plots[0]
    plot.gap_width = 43  # columns 0.7 of their slot, as the figure draws them
    plot.overlap = 100
    colors = chart.get("colors", {})
    for series, name in zip(plot.series, chart["series"], strict=False):
        fill = series.format.fill
        fill.solid()
        fill.fore_color.rgb = RGBColor.from_string(
            _hex(colors.get(name, OTHER_CATEGORY_COLOR))
        )
        series.format.line.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
        series.format.line.width = Pt(0.4)
        series.invert_if_negative = False
    category = native.category_axis
    category.has_title = True
    category.axis_title.text_frame.text = by.capitalize()
    category.tick_label_position = XL_TICK_LABEL_POSITION.LOW
    value = native.value_axis
    value.has_title = True
    value.axis_title.text_frame.text = "Events"
    value.has_major_gridlines = False
    value.minimum_scale = 0
    largest = max(table[TOTAL_SERIES], default=0)
    value.maximum_scale = max(largest, 1) * 1.18
    for axis in (category, value):
        for paragraph in axis.axis_title.text_frame.paragraphs:
            for run in paragraph.runs:
                run.font.size = Pt(FONT_PT)
                run.font.bold = False
    _totals_as_labels(native)
    return frame


def _hex(color: str) -> str:
    text = str(color).lstrip("#")
    return text[:6].upper() if len(text) >= 6 else "888888"


def _totals_as_labels(native: Chart) -> None:
    """Move the last series (the totals) into an invisible, labelled line."""
    from lxml import etree
    from pptx.oxml.ns import qn

    plot_area = native._chartSpace.chart.plotArea
    bar = plot_area.find(qn("c:barChart"))
    total = bar.findall(qn("c:ser"))[-1]
    bar.remove(total)
    for child in total.findall(qn("c:invertIfNegative")):
        total.remove(child)
    for child in total.findall(qn("c:spPr")):
        total.remove(child)
    sppr = etree.fromstring(
        '<c:spPr xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart" '
        'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
        "<a:ln><a:noFill/></a:ln></c:spPr>"
    )
    marker = etree.fromstring(
        '<c:marker xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart">'
        '<c:symbol val="none"/></c:marker>'
    )
    labels = etree.fromstring(
        '<c:dLbls xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart" '
        'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
        '<c:numFmt formatCode="0" sourceLinked="0"/>'
        "<c:spPr><a:noFill/><a:ln><a:noFill/></a:ln></c:spPr>"
        "<c:txPr><a:bodyPr/><a:lstStyle/><a:p><a:pPr>"
        f'<a:defRPr sz="{FONT_PT * 100 - 100}" b="0"><a:solidFill>'
        '<a:srgbClr val="202020"/></a:solidFill></a:defRPr>'
        '</a:pPr><a:endParaRPr lang="en-US"/></a:p></c:txPr>'
        '<c:dLblPos val="t"/><c:showLegendKey val="0"/><c:showVal val="1"/>'
        '<c:showCatName val="0"/><c:showSerName val="0"/><c:showPercent val="0"/>'
        '<c:showBubbleSize val="0"/></c:dLbls>'
    )
    tx = total.find(qn("c:tx"))
    tx.addnext(sppr)
    sppr.addnext(marker)
    marker.addnext(labels)
    smooth = etree.SubElement(total, qn("c:smooth"))
    smooth.set("val", "0")
    line = etree.Element(qn("c:lineChart"))
    etree.SubElement(line, qn("c:grouping")).set("val", "standard")
    etree.SubElement(line, qn("c:varyColors")).set("val", "0")
    line.append(total)
    etree.SubElement(line, qn("c:marker")).set("val", "1")
    for ax_id in bar.findall(qn("c:axId")):
        line.append(copy.deepcopy(ax_id))
    bar.addnext(line)


__all__ = ["TOTAL_SERIES", "add_chart", "chart_table"]
