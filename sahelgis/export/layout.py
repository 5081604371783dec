"""The page of an exported figure, in inches.

Where the header, the map panels (and small-multiple panel titles), the legend,
the chart, the inset and the footer go (``figure_layout``), the text size
factor of a page (``font_scale``), and ``plan_figure``: the model's plan
(``sahelgis.model.figure_plan.plan_content``) with its map extent fitted to the
panels of this layout, returned as a ``PagePlan`` that carries the layout for
the renderers. No matplotlib and no Qt here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING

from sahelgis.model.figure_parts import FigurePlan
from sahelgis.model.figure_plan import plan_content

if TYPE_CHECKING:
    import numpy as np

    from sahelgis.model.figure_parts import LegendEntry
    from sahelgis.model.figures import FigureSpec
    from sahelgis.model.project import Project


@dataclass(frozen=True)
class Rect:
    """A rectangle on the page in inches, origin at the bottom left."""

    x: float
    y: float
    w: float
    h: float

    def fraction(self, page: tuple[float, float]) -> tuple[float, float, float, float]:
        """The rectangle as figure fractions (left, bottom, width, height)."""
        pw, ph = page
        return self.x / pw, self.y / ph, self.w / pw, self.h / ph


@dataclass(frozen=True)
class Layout:
    """Where the parts of a figure go (inches)."""

    page: tuple[float, float]
    header: Rect | None
    footer: Rect | None
    maps: tuple[Rect, ...]
    panel_titles: tuple[Rect, ...]
    legend: Rect
    chart: Rect | None
    inset: Rect | None
    font_scale: float


MARGIN_IN = 0.2
GAP_IN = 0.15
TITLE_H_IN = 0.5
SUBTITLE_H_IN = 0.3
FOOTER_H_IN = 0.45
PANEL_TITLE_H_IN = 0.3
PANEL_GAP_IN = 0.12


def font_scale(page: tuple[float, float]) -> float:
    """Text size factor of a page.

    1 on a 16:9 slide (or a slide's picture area, about 12.5 × 5.5 in),
    smaller on smaller pages.
    """
    w, h = page
    return float(min(max(min(w / 13.333, h / 5.5), 0.55), 1.3))


def figure_layout(
    spec: FigureSpec,
    *,
    with_title: bool = True,
    with_source: bool = True,
    panels: int = 1,
    cols: int | None = None,
    extent_aspect: float = 1.0,
    page: tuple[float, float] | None = None,
) -> Layout:
    """Place header, map panels, legend, chart, inset and footer on the page.

    ``extent_aspect`` (width / height of the requested map extent) chooses the
    number of columns of small multiples when ``cols`` is None.
    """
    pw, ph = page or spec.page_size
    scale = font_scale((pw, ph))
    header_h = 0.0
    if with_title and (spec.title or spec.subtitle):
        header_h = (TITLE_H_IN if spec.title else 0.0) + (
            SUBTITLE_H_IN if spec.subtitle else 0.0
        )
        header_h *= scale
    footer_h = FOOTER_H_IN * scale if with_source else 0.0
    side_w = min(max(0.22 * pw, 2.3), 3.4)
    body_y = MARGIN_IN + footer_h
    body_h = ph - 2 * MARGIN_IN - header_h - footer_h - (GAP_IN if header_h else 0)
    body_w = pw - 2 * MARGIN_IN - side_w - GAP_IN
    header = (
        Rect(MARGIN_IN, ph - MARGIN_IN - header_h, pw - 2 * MARGIN_IN, header_h)
        if header_h
        else None
    )
    footer = (
        Rect(MARGIN_IN, MARGIN_IN, pw - 2 * MARGIN_IN, footer_h) if footer_h else None
    )
    side_x = MARGIN_IN + body_w + GAP_IN
    maps, titles = _panel_rects(
        Rect(MARGIN_IN, body_y, body_w, body_h), panels, cols, extent_aspect, scale
    )
    # side column: legend on top, then the chart, then the inset locator
    inset_h = min(body_h * 0.34, side_w * 0.9) if spec.inset else 0.0
    chart_h = body_h * 0.32 if spec.chart else 0.0
    legend_h = body_h - inset_h - chart_h - GAP_IN * (bool(inset_h) + bool(chart_h))
    inset = Rect(side_x, body_y, side_w, inset_h) if inset_h else None
    chart = (
        Rect(side_x, body_y + inset_h + (GAP_IN if inset_h else 0), side_w, chart_h)
        if chart_h
        else None
    )
    legend = Rect(side_x, body_y + body_h - legend_h, side_w, legend_h)
    return Layout(
        page=(pw, ph),
        header=header,
        footer=footer,
        maps=maps,
        panel_titles=titles,
        legend=legend,
        chart=chart,
        inset=inset,
        font_scale=scale,
    )


def _panel_rects(
    body: Rect, panels: int, cols: int | None, aspect: float, scale: float
) -> tuple[tuple[Rect, ...], tuple[Rect, ...]]:
    if panels <= 1:
        return (body,), ()
    title_h = PANEL_TITLE_H_IN * scale

    def grid(c: int) -> tuple[int, float, float]:
        r = math.ceil(panels / c)
        w = (body.w - (c - 1) * PANEL_GAP_IN) / c
        h = (body.h - r * title_h - (r - 1) * PANEL_GAP_IN) / r
        return r, w, h

    if cols is None:
        # the column count that shows the extent largest
        def shown_area(c: int) -> float:
            _, w, h = grid(c)
            if w <= 0 or h <= 0:
                return 0.0
            fit_w = min(w, h * aspect)
            return fit_w * fit_w / aspect

        cols = max(range(1, panels + 1), key=shown_area)
    cols = max(1, min(int(cols), panels))
    _, w, h = grid(cols)
    maps = []
    titles = []
    for i in range(panels):
        r, c = divmod(i, cols)
        x = body.x + c * (w + PANEL_GAP_IN)
        top = body.y + body.h - r * (h + title_h + PANEL_GAP_IN)
        titles.append(Rect(x, top - title_h, w, title_h))
        maps.append(Rect(x, top - title_h - h, w, h))
    return tuple(maps), tuple(titles)


@dataclass
class PagePlan(FigurePlan):
    """A ``FigurePlan`` laid out on a page.

    Its extent is fitted to the map panels of ``layout``, which says where
    every part of the figure goes.
    """

    layout: Layout = field(kw_only=True)


def plan_figure(
    project: Project,
    spec: FigureSpec,
    *,
    with_title: bool = True,
    with_source: bool = True,
    window: tuple[np.datetime64, np.datetime64] | None = None,
    page: tuple[float, float] | None = None,
) -> PagePlan:
    """Decide what the figure shows and where.

    This is ``plan_content`` with the map extent fitted to the panels of
    ``figure_layout``.

    ``with_title``/``with_source`` leave room for the title and source line or
    not (a slide carries them as editable text); ``window`` overrides the
    figure's window (animation frames); ``page`` overrides its page size (a
    slide's picture area).
    """
    cols = (spec.small_multiples or {}).get("cols")
    layouts: list[Layout] = []

    def panel_aspect(panels: int, extent_aspect: float) -> float:
        layout = figure_layout(
            spec,
            with_title=with_title,
            with_source=with_source,
            panels=panels,
            cols=cols if panels > 1 else None,
            extent_aspect=extent_aspect,
            page=page,
        )
        layouts.append(layout)
        panel_rect = layout.maps[0]
        return panel_rect.w / max(panel_rect.h, 1e-6)

    plan = plan_content(project, spec, window=window, panel_aspect=panel_aspect)
    values = {f.name: getattr(plan, f.name) for f in fields(plan)}
    return PagePlan(**values, layout=layouts[-1])


def legend_keys(project: Project, spec: FigureSpec) -> list[LegendEntry]:
    """The legend the figure would have now (for editing labels in a dialog)."""
    return plan_figure(project, spec).legend


__all__ = [
    "Layout",
    "PagePlan",
    "Rect",
    "figure_layout",
    "font_scale",
    "legend_keys",
    "plan_figure",
]
