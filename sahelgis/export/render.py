"""Render a ``FigureSpec`` with matplotlib (Agg, no pyplot, no Qt).

The slide figure is rebuilt from the model (tech_notes §3): layers are drawn in
the display CRS (``crs.DISPLAY_CRS``, metres, azimuthal equidistant) with their
styles, events as rasterized markers per category colour, then the title,
legend, scale bar, north arrow, inset locator map, source line and, whenever a
synthetic layer is shown, the "SYNTHETIC DATA — not ACLED" mark.

Fonts are fixed (DejaVu Sans, which matplotlib ships) and metadata stripped so
the same spec gives the same bytes on every machine.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sahelgis.export import ExportError
from sahelgis.export.basemap import draw_tile_underlay
from sahelgis.export.labels import artist_box, place_labels
from sahelgis.export.layout import PagePlan, plan_figure
from sahelgis.export.legend import draw_legend
from sahelgis.export.map_panel import (
    draw_empty_note,
    draw_inset,
    draw_panel,
    draw_panel_title,
    draw_scope_outline,
    draw_synthetic_mark,
    has_events,
    map_axes,
)
from sahelgis.export.page import draw_chart, draw_footer, draw_header
from sahelgis.export.scale_bar import ScaleBarInfo, draw_north_arrow, draw_scale_bars
from sahelgis.export.symbols import MARK_COLOR
from sahelgis.export.text import figure_text

if TYPE_CHECKING:
    from collections.abc import Iterator

    import numpy.typing as npt
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.typing import RcKeyType

    from sahelgis.model.figures import FigureSpec
    from sahelgis.model.project import Project


FORMATS: tuple[str, ...] = (".png", ".svg", ".pdf")
RC: dict[RcKeyType, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "pdf.fonttype": 42,
    "svg.fonttype": "none",
    "svg.hashsalt": "sahelgis",
    # text from data is drawn as written: "$...$" is not mathtext (a hostile
    # \sqrt nest was slow or raised), and text.usetex stays off
    "text.parse_math": False,
    "text.usetex": False,
    "axes.unicode_minus": False,
    "path.simplify": True,
    "agg.path.chunksize": 20000,
}
METADATA: dict[str, dict[str, Any]] = {
    ".png": {"Software": None},
    ".pdf": {"Creator": None, "Producer": None, "CreationDate": None},
    ".svg": {"Date": None, "Creator": None},
}


@dataclass
class RenderInfo:
    """What was drawn, for tests and callers (attached as ``fig.sahelgis``)."""

    plan: PagePlan
    map_axes: list[Axes] = field(default_factory=list)
    scale_bars: list[ScaleBarInfo] = field(default_factory=list)
    legend_labels: list[str] = field(default_factory=list)
    north_angle_deg: float | None = None


#: One render at a time: matplotlib's rcParams and the shared pyproj
#: transformers of ``sahelgis.model.crs`` are not thread-safe (two concurrent
#: renders, e.g. a preview and an export, crashed in pyproj).
RENDER_LOCK = threading.RLock()


@contextmanager
def rc() -> Iterator[None]:
    """Matplotlib settings every export uses, holding ``RENDER_LOCK``.

    Fonts, vector text and no metadata (``RC``).
    """
    import matplotlib

    with RENDER_LOCK, matplotlib.rc_context(RC):
        yield


# -- entry points -------------------------------------------------------------
def figure_for(
    project: Project,
    spec: FigureSpec,
    *,
    with_title: bool = True,
    with_source: bool = True,
    window: tuple[np.datetime64, np.datetime64] | None = None,
    page: tuple[float, float] | None = None,
    plan: PagePlan | None = None,
) -> Figure:
    """The figure as a matplotlib ``Figure`` (Agg canvas attached).

    ``with_title``/``with_source`` leave out the title and source line (a slide
    carries them as editable text); ``window`` overrides the dates (animation
    frames); ``page`` overrides the page size in inches. Save it inside
    ``rc()`` for the same fonts (``render_figure`` does).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with rc():
        if plan is None:
            plan = plan_figure(
                project,
                spec,
                with_title=with_title,
                with_source=with_source,
                window=window,
                page=page,
            )
        layout = plan.layout
        fig = Figure(figsize=layout.page, dpi=spec.dpi, facecolor="white")
        FigureCanvasAgg(fig)
        info = RenderInfo(plan=plan)
        fig.sahelgis = info  # type: ignore[attr-defined]
        scale = layout.font_scale
        many = len(plan.panels) > 1
        for i, (panel, rect) in enumerate(zip(plan.panels, layout.maps, strict=False)):
            ax = map_axes(fig, rect, layout.page, plan.extent)
            info.map_axes.append(ax)
            underlay = draw_tile_underlay(
                ax, project, plan, rect, layout.page, spec.dpi
            )
            labels = draw_panel(ax, panel, plan, rect, underlay)
            draw_scope_outline(ax, plan)
            before = set(ax.get_children())
            if plan.synthetic:
                draw_synthetic_mark(ax, scale * (0.75 if many else 1.0))
            if many:
                title_rect = layout.panel_titles[i]
                draw_panel_title(fig, title_rect, layout.page, panel, scale)
                draw_empty_note(ax, panel, scale)
            elif spec.show_window and plan.window_label and has_events(plan):
                ax.text(
                    0.988,
                    0.985,
                    figure_text(plan.window_label),
                    transform=ax.transAxes,
                    ha="right",
                    va="top",
                    fontsize=12 * scale,
                    fontweight="bold",
                    color="#202020",
                    zorder=300,
                    bbox={"fc": "white", "ec": "none", "alpha": 0.85, "pad": 3},
                )
            if i == 0:
                info.scale_bars.extend(
                    draw_scale_bars(ax, plan.extent, spec.scale_units, scale, rect.w)
                )
                if spec.north_arrow:
                    info.north_angle_deg = draw_north_arrow(ax, plan.extent, scale)
            # one label pass per map, kept off the furniture just drawn on it
            # (measured) and the legend, chart and inset beside it
            renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
            furniture = [
                box
                for artist in ax.get_children()
                if artist not in before
                and (box := artist_box(artist, ax, renderer)) is not None
            ]
            furniture += [
                (r.x - rect.x, r.y - rect.y, r.x - rect.x + r.w, r.y - rect.y + r.h)
                for r in (layout.legend, layout.chart, layout.inset)
                if r is not None
            ]
            place_labels(
                ax, labels, plan.extent, rect, 0.85 if many else 1.0, furniture
            )
        info.legend_labels = draw_legend(fig, plan, scale)
        if layout.chart is not None and plan.chart:
            draw_chart(fig, layout.chart, layout.page, plan.chart, scale)
        if layout.inset is not None:
            draw_inset(fig, layout.inset, layout.page, project, plan)
        draw_header(fig, plan, scale)
        draw_footer(fig, plan, scale)
        if plan.synthetic:
            # one faint watermark per map, clipped to it: never over the
            # legend, the chart or the titles
            for ax, rect in zip(info.map_axes, layout.maps, strict=False):
                share = min(1.0, 1.6 * rect.w / layout.page[0])
                ax.text(
                    0.5,
                    0.5,
                    "SYNTHETIC",
                    transform=ax.transAxes,
                    ha="center",
                    va="center",
                    rotation=22,
                    fontsize=110 * scale * share,
                    fontweight="bold",
                    color=MARK_COLOR,
                    alpha=0.06,
                    zorder=1000,
                    clip_on=True,
                )
    return fig


def render_figure(
    project: Project,
    spec: FigureSpec,
    path: str | Path,
    *,
    dpi: int | None = None,
    with_title: bool = True,
    with_source: bool = True,
    window: tuple[np.datetime64, np.datetime64] | None = None,
    page: tuple[float, float] | None = None,
) -> Path:
    """Write the figure to ``path``: PNG, SVG or PDF by the file's suffix.

    PNG is rendered at ``dpi`` (default ``spec.dpi``); SVG and PDF are vector,
    with events rasterized at that resolution. Returns the path written.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        kind = suffix or "a file without a suffix"
        raise ExportError(
            f"{path.name}: cannot write a figure as {kind}; use .png, .svg, .pdf "
            "(or .pptx for slides, .gif for animations)"
        )
    fig = figure_for(
        project,
        spec,
        with_title=with_title,
        with_source=with_source,
        window=window,
        page=page,
    )
    save(fig, path, dpi=dpi or spec.dpi)
    return path


def render_pages(
    project: Project,
    specs: list[FigureSpec],
    path: str | Path,
    *,
    dpi: int | None = None,
) -> Path:
    """Write several figures as the pages of one PDF (page size per figure)."""
    from matplotlib.backends.backend_pdf import PdfPages

    path = Path(path)
    if path.suffix.lower() != ".pdf":
        raise ExportError(f"{path.name}: several figures go into a .pdf or a .pptx")
    if not specs:
        raise ExportError("no figure to write; save a figure first")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with rc(), PdfPages(path, metadata=METADATA[".pdf"]) as pdf:
            for spec in specs:
                fig = figure_for(project, spec)
                pdf.savefig(fig, dpi=dpi or spec.dpi, facecolor="white")
    except OSError as exc:
        raise ExportError(f"{path}: cannot write ({exc.strerror or exc})") from exc
    return path


def save(fig: Figure, path: str | Path, *, dpi: int) -> None:
    """Save a figure from ``figure_for`` with fixed fonts and no metadata."""
    path = Path(path)
    suffix = path.suffix.lower()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with rc():
            fig.savefig(
                path,
                dpi=dpi,
                facecolor="white",
                metadata=METADATA.get(suffix),
            )
    except OSError as exc:
        raise ExportError(f"{path}: cannot write ({exc.strerror or exc})") from exc


def render_png_bytes(fig: Figure, dpi: int) -> bytes:
    """A figure as PNG bytes (previews, slides)."""
    import io

    buffer = io.BytesIO()
    with rc():
        fig.savefig(
            buffer,
            format="png",
            dpi=dpi,
            facecolor="white",
            metadata={"Software": None},
        )
    return buffer.getvalue()


def render_rgb(fig: Figure, dpi: int) -> npt.NDArray[np.uint8]:
    """A figure as an RGB array (animation frames)."""
    with rc():
        fig.set_dpi(dpi)
        fig.canvas.draw()
        rgba = np.asarray(fig.canvas.buffer_rgba())  # type: ignore[attr-defined]
    return np.ascontiguousarray(rgba[..., :3])


__all__ = [
    "FORMATS",
    "RENDER_LOCK",
    "RenderInfo",
    "figure_for",
    "rc",
    "render_figure",
    "render_pages",
    "render_png_bytes",
    "render_rgb",
    "save",
]
