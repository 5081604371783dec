"""The legend of an exported figure.

One matplotlib handle per ``LegendEntry`` (header, point, line or polygon,
sized like the canvas) and the legend drawn in the page's legend box, shrunk
until it fits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sahelgis.export.page import wrap
from sahelgis.export.symbols import (
    LINE_STYLES,
    MARKERS,
    PX_TO_PT,
)
from sahelgis.export.text import figure_text

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.legend import Legend

    from sahelgis.export.layout import PagePlan
    from sahelgis.model.figure_parts import LegendEntry


#: The legend's axes are drawn above everything else on the page.
LEGEND_ZORDER = 1001


def _legend_handle(entry: LegendEntry, scale: float) -> Any:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    if entry.kind == "header":
        return Line2D([], [], linestyle="none", marker="none")
    if entry.kind == "polygon":
        return Patch(
            facecolor=entry.fill or "none",
            edgecolor=entry.color,
            linewidth=max(entry.line_width * PX_TO_PT, 0.6),
            linestyle=LINE_STYLES.get(entry.line_style, "-"),
        )
    if entry.kind == "line":
        return Line2D(
            [],
            [],
            color=entry.color,
            linewidth=max(entry.line_width * PX_TO_PT, 0.8),
            linestyle=LINE_STYLES.get(entry.line_style, "-"),
        )
    return Line2D(
        [],
        [],
        linestyle="none",
        marker=MARKERS.get(entry.symbol, "o"),
        markersize=max(entry.size * PX_TO_PT * 1.4, 4) * min(scale, 1.0),
        markerfacecolor=entry.color,
        markeredgecolor="white",
        markeredgewidth=0.4,
    )


def draw_legend(fig: Figure, plan: PagePlan, scale: float) -> list[str]:
    """Draw the plan's legend entries in the page's legend box.

    The font starts at 9.5 pt × ``scale`` and shrinks by 10 % until the legend
    fits the box (or reaches 5.5 pt); layer headers are bold.

    Parameters
    ----------
    fig
        The page.
    plan
        The laid-out plan; nothing is drawn without legend entries or when
        the legend box is at most 0.2 in high.
    scale
        Text size factor of the page (``font_scale``).

    Returns
    -------
    list of str
        The labels drawn, top to bottom (empty when none).
    """
    rect = plan.layout.legend
    entries = plan.legend
    if not entries or rect.h <= 0.2:
        return []
    ax = fig.add_axes(rect.fraction(plan.layout.page))
    ax.set_axis_off()
    # above the page's SYNTHETIC watermark (zorder 1000): the swatches keep the
    # exact style colours (animation palettes and tests rely on it)
    ax.set_zorder(LEGEND_ZORDER)
    size = 9.5 * scale
    handles = [_legend_handle(e, scale) for e in entries]
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    avail_w, avail_h = rect.w * fig.dpi, rect.h * fig.dpi
    while True:
        labels = [
            wrap(figure_text(e.label), rect.w - 0.45 * size / 9.5, size)
            for e in entries
        ]
        legend = ax.legend(
            handles,
            labels,
            loc="upper left",
            frameon=False,
            fontsize=size,
            handlelength=1.6,
            handletextpad=0.5,
            labelspacing=0.35,
            borderaxespad=0.0,
            borderpad=0.0,
        )
        box = legend.get_window_extent(renderer)
        if (box.height <= avail_h and box.width <= avail_w * 1.02) or size < 5.5:
            break
        legend.remove()
        size *= 0.9
    for entry, text in zip(entries, legend.get_texts(), strict=True):
        if entry.kind == "header":
            text.set_fontweight("bold")
    return [e.label for e in entries]


def legend_swatch_points(
    fig: Figure, plan: PagePlan
) -> list[tuple[LegendEntry, tuple[int, int]]]:
    """Where each legend swatch is drawn, in pixels of the drawn page.

    Parameters
    ----------
    fig
        A page from ``render.figure_for`` whose canvas has been drawn (at the
        resolution of the pixels asked for, e.g. by ``render.render_rgb``).
    plan
        The plan the page was drawn from (its legend entries, in order).

    Returns
    -------
    list of (LegendEntry, (row, column))
        The centre pixel of every swatch (row 0 at the top); headers, which
        have no swatch, are left out. Empty when the page has no legend.
    """
    legend = _page_legend(fig)
    if legend is None:
        return []
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    height = fig.canvas.get_width_height()[1]
    out = []
    for entry, handle in zip(plan.legend, legend.legend_handles, strict=True):
        if entry.kind == "header" or handle is None:
            continue
        box = handle.get_window_extent(renderer)
        row = int(height - (box.y0 + box.y1) / 2)
        col = int((box.x0 + box.x1) / 2)
        out.append((entry, (row, col)))
    return out


def _page_legend(fig: Figure) -> Legend | None:
    for ax in fig.axes:
        if ax.get_zorder() == LEGEND_ZORDER and ax.get_legend() is not None:
            return ax.get_legend()
    return None
