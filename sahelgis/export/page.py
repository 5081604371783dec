"""Page furniture around the maps of an exported figure.

The header (title and subtitle), the footer (source line, credit and logo), the
bar chart of events per period in the side column, and the text wrapping they
share.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sahelgis.export import ExportError
from sahelgis.export.layout import PagePlan, Rect
from sahelgis.export.text import figure_text
from sahelgis.model.styles import OTHER_CATEGORY_COLOR

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def wrap(text: str, width_in: float, size_pt: float) -> str:
    """Break text into lines that fit a width on the page.

    Parameters
    ----------
    text
        The text.
    width_in
        Available width in inches.
    size_pt
        Font size in points (a character is taken as 0.56 em wide).

    Returns
    -------
    str
        The lines joined by newlines (at least 10 characters a line).
    """
    chars = max(int(width_in * 72 / (0.56 * size_pt)), 10)
    return "\n".join(textwrap.wrap(text, chars)) or text


def draw_chart(
    fig: Figure,
    rect: Rect,
    page: tuple[float, float],
    chart: dict[str, Any],
    scale: float,
) -> None:
    """Draw the stacked bar chart of events per period.

    Parameters
    ----------
    fig
        The page.
    rect
        The chart box, in inches on the page.
    page
        Page size ``(width, height)`` in inches.
    chart
        ``periods`` (labels), ``series`` (name to counts per period, stacked
        in order), ``colors`` (name to colour) and ``by`` (the period step);
        nothing is drawn without periods.
    scale
        Text size factor of the page.
    """
    periods = chart["periods"]
    if not periods:
        return
    pad_l, pad_b, pad_t = 0.42, 0.3, 0.28
    inner = Rect(
        rect.x + pad_l, rect.y + pad_b, rect.w - pad_l - 0.05, rect.h - pad_b - pad_t
    )
    ax = fig.add_axes(inner.fraction(page))
    bottom = np.zeros(len(periods))
    x = np.arange(len(periods))
    for name, counts in chart["series"].items():
        values = np.asarray(counts, dtype=float)
        ax.bar(
            x,
            values,
            bottom=bottom,
            color=chart["colors"].get(name, OTHER_CATEGORY_COLOR),
            width=0.7,
            edgecolor="white",
            linewidth=0.4,
            label=figure_text(name),
        )
        bottom += values
    ax.set_xticks(
        x,
        [figure_text(p) for p in periods],
        fontsize=7.5 * scale,
        rotation=0 if len(periods) <= 6 else 45,
    )
    ax.tick_params(axis="y", labelsize=7.5 * scale)
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_title(
        f"Events per {chart['by']}", fontsize=9.5 * scale, loc="left", fontweight="bold"
    )
    for xi, total in zip(x, bottom, strict=True):
        ax.text(
            float(xi),
            float(total),
            f"{int(total)}",
            ha="center",
            va="bottom",
            fontsize=7 * scale,
        )
    ax.set_ylim(0, max(float(bottom.max()), 1.0) * 1.18)


# -- header and footer --------------------------------------------------------
def draw_header(fig: Figure, plan: PagePlan, scale: float) -> None:
    """Write the title and subtitle in the page's header box (if it has one).

    Parameters
    ----------
    fig
        The page.
    plan
        The laid-out plan (its spec's title and subtitle, the header box).
    scale
        Text size factor of the page.
    """
    rect = plan.layout.header
    spec = plan.spec
    if rect is None:
        return
    pw, ph = plan.layout.page
    top = (rect.y + rect.h) / ph
    left = rect.x / pw
    if spec.title:
        fig.text(
            left,
            top,
            figure_text(spec.title),
            ha="left",
            va="top",
            fontsize=20 * scale,
            fontweight="bold",
            color="#111111",
        )
    if spec.subtitle:
        y = top - (0.5 * scale / ph if spec.title else 0)
        fig.text(
            left,
            y,
            figure_text(spec.subtitle),
            ha="left",
            va="top",
            fontsize=12.5 * scale,
            color="#444444",
        )


def draw_footer(fig: Figure, plan: PagePlan, scale: float) -> None:
    """Draw the footer: source line, credit and logo.

    The logo goes at the right of the footer (of the header when there is no
    footer), the credit left of it and the source line in the remaining width.

    Parameters
    ----------
    fig
        The page.
    plan
        The laid-out plan (its spec's source, credit and logo path).
    scale
        Text size factor of the page.
    """
    rect = plan.layout.footer
    spec = plan.spec
    pw, ph = plan.layout.page
    logo_w = 0.0
    if spec.logo_path:
        target = rect or plan.layout.header
        if target is not None:
            logo_w = _logo(fig, spec.logo_path, target, plan.layout.page)
    if rect is None:
        return
    size = 8.5 * scale
    credit_w = 0.0
    if spec.credit:
        credit_w = min(0.6 * size * len(spec.credit) / 72 + 0.2, rect.w * 0.35)
        fig.text(
            (rect.x + rect.w - logo_w) / pw,
            (rect.y + rect.h / 2) / ph,
            wrap(figure_text(spec.credit), credit_w, size),
            ha="right",
            va="center",
            fontsize=size,
            color="#555555",
        )
    text = wrap(figure_text(plan.source_line), rect.w - credit_w - logo_w - 0.2, size)
    fig.text(
        rect.x / pw,
        (rect.y + rect.h / 2) / ph,
        text,
        ha="left",
        va="center",
        fontsize=size,
        color="#333333",
        linespacing=1.3,
    )


def _logo(fig: Figure, path: str, rect: Rect, page: tuple[float, float]) -> float:
    from matplotlib.image import imread

    logo = Path(path)
    if not logo.is_file():
        raise ExportError(f"{logo}: logo file not found; pick a PNG or clear the logo")
    try:
        image = imread(str(logo))
    except (OSError, ValueError) as exc:
        raise ExportError(
            f"{logo.name}: cannot read the logo ({exc}); use a PNG"
        ) from exc
    h = rect.h
    w = h * image.shape[1] / max(image.shape[0], 1)
    ax = fig.add_axes(Rect(rect.x + rect.w - w, rect.y, w, h).fraction(page))
    ax.imshow(image)
    ax.set_axis_off()
    return w + 0.1
