"""A figure's chart on its slide: a native chart holding the plan's counts.

Two tests reopen the deck with python-pptx; the third converts the analyst
report's Figure 2 with LibreOffice (scripts/check_pptx_libreoffice.py)
and measures the rendered columns.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import sys
from pathlib import Path

import pytest

pptx = pytest.importorskip("pptx")

from pptx.enum.chart import XL_CHART_TYPE, XL_LABEL_POSITION  # noqa: E402
from pptx.enum.shapes import MSO_SHAPE_TYPE  # noqa: E402
from pptx.util import Inches  # noqa: E402

from sahelgis.export.layout import plan_figure  # noqa: E402
from sahelgis.export.pptx import chart_box, picture_area, write_deck  # noqa: E402
from sahelgis.export.pptx_chart import TOTAL_SERIES, chart_table  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "data" / "demo_southern_mali.gpkg"


def load_check():
    spec = importlib.util.spec_from_file_location(
        "check_pptx_libreoffice", ROOT / "scripts" / "check_pptx_libreoffice.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks itself up there
    spec.loader.exec_module(module)
    return module


def test_chart_is_native_with_the_plans_counts_colours_and_place(
    fig_project, small_spec, tmp_path
):
    spec = small_spec.with_(chart={"by": "year", "field": "event_type"})
    plain = small_spec.with_(name="no chart", title="No chart")
    out = write_deck(fig_project, [spec, plain], tmp_path / "deck.pptx", dpi=20)
    deck = pptx.Presentation(str(out))
    first, second = deck.slides
    charts = [s for s in first.shapes if s.has_chart]
    assert len(charts) == 1
    assert not any(s.has_chart for s in second.shapes)
    shape = charts[0]
    assert shape.name == "Chart: events per year"
    chart = shape.chart
    # the one answer: the numbers are the plan's, as they are
    area = picture_area(spec)
    plan = plan_figure(
        fig_project, spec, with_title=False, with_source=False, page=area[2:]
    )
    assert plan.chart == plan_figure(fig_project, spec).chart
    periods, table = chart_table(plan.chart)
    bars, line = chart.plots
    assert chart.chart_type == XL_CHART_TYPE.COLUMN_STACKED
    assert (
        list(bars.categories)
        == periods
        == ["2018", "2019", "2020"] + [str(y) for y in range(2021, 2025)]
    )
    assert {s.name: list(s.values) for s in bars.series} == {
        k: v for k, v in table.items() if k != TOTAL_SERIES
    }
    assert list(plan.chart["series"]) == [s.name for s in bars.series]
    (total,) = line.series
    assert total.name == TOTAL_SERIES
    assert list(total.values) == [3] * 7  # 21 events, 3 a year
    assert sum(sum(s.values) for s in bars.series) == plan.event_count == 21
    for series in bars.series:
        want = plan.chart["colors"][series.name].lstrip("#")[:6].upper()
        assert str(series.format.fill.fore_color.rgb) == want
    assert total.data_labels.show_value is True
    assert total.data_labels.position == XL_LABEL_POSITION.ABOVE
    assert chart.value_axis.axis_title.text_frame.text == "Events"
    assert chart.category_axis.axis_title.text_frame.text == "Year"
    assert chart.chart_title.text_frame.text == "Events per year"
    # where the figure draws its chart, inside the map picture's area
    left, top, width, height = chart_box(plan, area)
    assert (shape.left, shape.top) == (Inches(left), Inches(top))
    assert (shape.width, shape.height) == (Inches(width), Inches(height))
    picture = next(s for s in first.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE)
    assert picture.left <= shape.left
    assert shape.left + shape.width <= picture.left + picture.width + Inches(0.01)
    assert picture.top <= shape.top
    assert shape.top + shape.height <= picture.top + picture.height + Inches(0.01)
    notes = first.notes_slide.notes_text_frame.text
    assert "Chart counts by year:" in notes


def test_map_picture_leaves_the_chart_out(fig_project, small_spec):
    from sahelgis.export.render import figure_for

    spec = small_spec.with_(chart={"by": "year"})
    plan = plan_figure(fig_project, spec)
    drawn = figure_for(fig_project, spec, plan=plan)
    left_out = figure_for(fig_project, spec, plan=dataclasses.replace(plan, chart=None))
    assert len(left_out.axes) == len(drawn.axes) - 1
    assert plan.chart["periods"]


# in CI (scripts/setup.sh --test installs LibreOffice in about 10 s): the one
# test over the 2 s guide (about 4 s), because soffice itself starts that slowly
def test_demo_figure_2_chart_as_libreoffice_renders_it(tmp_path):
    check = load_check()
    if missing := check.missing_tools():
        pytest.skip(
            f"{', '.join(missing)} not installed (libreoffice-impress, poppler-utils)"
        )
    from sahelgis.io.project_file import load_project
    from sahelgis.model.figures import saved_figures

    demo = load_project(DEMO)
    spec = next(s for s in saved_figures(demo) if s.name.startswith("Report Figure 2"))
    deck = write_deck(demo, [spec], tmp_path / "fig2.pptx", dpi=100)
    plan_chart = plan_figure(demo, spec).chart
    assert check.check_deck(deck, tmp_path, {1: plan_chart}) == []
    # the check fails when the render does not show the counts
    (chart,) = check.slide_charts(deck)
    import numpy as np
    from PIL import Image

    image = np.asarray(Image.open(tmp_path / "slide_1.png").convert("RGB"))
    words = check.box_text(tmp_path / "fig2.pdf", chart)
    assert check.check_render(image, words, chart) == []
    name = next(iter(chart.series))
    wrong = dataclasses.replace(
        chart,
        series={**chart.series, name: [c + 40 for c in chart.series[name]]},
        totals=[t + 40 for t in chart.totals],
    )
    problems = check.check_render(image, words, wrong)
    assert any("px" in p for p in problems)
    assert any("is not written" in p for p in problems)
    assert check.check_plan_counts(wrong, plan_chart)
