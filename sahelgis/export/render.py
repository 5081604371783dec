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

import math
import textwrap
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely

from sahelgis.export import ExportError
from sahelgis.export.text import figure_text
from sahelgis.model import crs
from sahelgis.model.figures import (
    OTHER_KEY,
    SYNTHETIC_MARK,
    TOWN_LABEL_MAX_WIDTH_M,
    FigurePlan,
    FigureSpec,
    LegendEntry,
    Panel,
    Rect,
    category_values,
    plan_figure,
)
from sahelgis.model.layers import ROLE_COUNTRIES, EventLayer, VectorLayer
from sahelgis.model.styles import OTHER_CATEGORY_COLOR

if TYPE_CHECKING:
    import numpy.typing as npt
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from sahelgis.model.project import Project
    from sahelgis.model.styles import Style

FORMATS: tuple[str, ...] = (".png", ".svg", ".pdf")
RC: dict[str, Any] = {
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
PX_TO_PT = 0.75  # style sizes are screen pixels at 96 dpi
MARKERS = {"o": "o", "s": "s", "t": "^", "d": "D", "+": "P"}
LINE_STYLES: dict[str, Any] = {"solid": "-", "dash": (0, (4, 2)), "dot": (0, (1, 1.5))}
MAP_BACKGROUND = "#DCE6EE"
MARK_COLOR = "#B00020"
MILE_M = 1609.344


@dataclass
class ScaleBarInfo:
    """A drawn scale bar: nominal length, its unit and its ends in map metres."""

    unit: str
    nominal: float  # in ``unit``
    x0: float
    x1: float
    y: float
    axes: Axes

    @property
    def ground_m(self) -> float:
        """The nominal length in metres."""
        return self.nominal * (1000.0 if self.unit == "km" else MILE_M)


@dataclass
class RenderInfo:
    """What was drawn, for tests and callers (attached as ``fig.sahelgis``)."""

    plan: FigurePlan
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
    """matplotlib settings every export uses (fonts, vector text, no metadata),
    holding ``RENDER_LOCK``.
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
    plan: FigurePlan | None = None,
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
            ax = _map_axes(fig, rect, layout.page, plan.extent)
            info.map_axes.append(ax)
            underlay = _tile_underlay(ax, project, plan, rect, layout.page, spec.dpi)
            _draw_panel(ax, panel, plan, rect, underlay)
            _scope_outline(ax, plan)
            if plan.synthetic:
                _synthetic_mark(ax, scale * (0.75 if many else 1.0))
            if many:
                title_rect = layout.panel_titles[i]
                _panel_title(fig, title_rect, layout.page, panel, scale)
            elif spec.show_window and plan.window_label and _has_events(plan):
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
                    _scale_bars(ax, plan.extent, spec.scale_units, scale, rect.w)
                )
                if spec.north_arrow:
                    info.north_angle_deg = _north_arrow(ax, plan.extent, scale)
        info.legend_labels = _legend(fig, plan, scale)
        if layout.chart is not None and plan.chart:
            _chart(fig, layout.chart, layout.page, plan.chart, scale)
        if layout.inset is not None:
            _inset(fig, layout.inset, layout.page, project, plan)
        _header(fig, plan, scale)
        _footer(fig, plan, scale)
        if plan.synthetic:
            fig.text(
                0.5,
                0.5,
                "SYNTHETIC",
                ha="center",
                va="center",
                rotation=22,
                fontsize=110 * scale,
                fontweight="bold",
                color=MARK_COLOR,
                alpha=0.06,
                zorder=1000,
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


# -- map panels ---------------------------------------------------------------
def _map_axes(
    fig: Figure, rect: Rect, page: tuple[float, float], extent: tuple[float, ...]
) -> Axes:
    ax = fig.add_axes(rect.fraction(page))
    ax.set_facecolor(MAP_BACKGROUND)
    ax.set_xlim(extent[0], extent[2])
    ax.set_ylim(extent[1], extent[3])
    ax.set_aspect("equal", adjustable="box", anchor="C")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_edgecolor("#555555")
        spine.set_linewidth(0.8)
    return ax


def _tile_underlay(
    ax: Axes,
    project: Project,
    plan: FigurePlan,
    rect: Rect,
    page: tuple[float, float],
    dpi: int,
) -> bool:
    """Draw the project's online basemap from cached tiles; True if drawn."""
    from sahelgis.io.tiles import TileCache, mosaic_for_extent, provider_from_state

    tile_provider = provider_from_state(project.extra_state.get("basemap"))
    if tile_provider is None:
        return False
    width_in, height_in = rect.w * page[0], rect.h * page[1]
    scale = min(1.0, 1600 / max(width_in * dpi, 1.0))  # enough for slides
    width = max(int(width_in * dpi * scale), 16)
    height = max(int(height_in * dpi * scale), 16)
    image = mosaic_for_extent(tile_provider, plan.extent, width, height, TileCache())
    if image is None:
        return False
    xmin, ymin, xmax, ymax = plan.extent
    ax.imshow(
        image,
        extent=(xmin, xmax, ymin, ymax),
        origin="upper",
        zorder=1,
        interpolation="bilinear",
    )
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    return True


def _draw_panel(
    ax: Axes, panel: Panel, plan: FigurePlan, rect: Rect, underlay: bool = False
) -> None:
    many = len(plan.panels) > 1
    labels: list[_Label] = []
    for i, lp in enumerate(reversed(panel.layers)):
        z = 10 + 2 * i
        layer = lp.layer
        if (
            underlay
            and layer.role in ("countries", "regions")
            and isinstance(layer, VectorLayer)
        ):
            # opaque land fills would hide the tiles: keep outlines only
            layer = replace(
                layer, style=layer.style.with_(fill=None, category_field=None)
            )
        if not len(lp.rows):
            continue
        if isinstance(layer, EventLayer):
            _draw_events(ax, layer, lp.rows, z, 0.8 if many else 1.0)
        elif isinstance(layer, VectorLayer):
            _draw_vector(ax, layer, lp.rows, plan.extent, z, 0.8 if many else 1.0)
            labels.extend(_label_candidates(layer, lp.rows, plan.extent, i + 1))
    _place_labels(
        ax, labels, plan.extent, rect, 0.85 if many else 1.0, _reserved(plan, rect)
    )


def _scope_outline(ax: Axes, plan: FigurePlan) -> None:
    """Outline the area a figure counts its events in (area scopes): events
    outside it are not drawn, so the reader sees where the clip runs.
    """
    from matplotlib.collections import PathCollection

    if not plan.scope_outline:
        return
    clipped = shapely.clip_by_rect(
        np.asarray(plan.scope_outline, dtype=object), *_pad_box(plan.extent)
    )
    paths, _ = _polygon_paths(clipped)
    if not paths:
        return
    scale = plan.layout.font_scale
    # above the base layers, just below the events (as _draw_panel stacks them)
    order = list(reversed(plan.panels[0].layers))
    z = min(
        (10 + 2 * i for i, lp in enumerate(order) if isinstance(lp.layer, EventLayer)),
        default=95,
    )
    for width, color in ((3.2, "white"), (1.4, "#202020")):
        ax.add_collection(
            PathCollection(
                paths,
                facecolors="none",
                edgecolors=color,
                linewidths=width * scale,
                linestyles="-" if color == "white" else (0, (4, 2)),
                zorder=z - 1,
            ),
            autolim=False,
        )


def _reserved(plan: FigurePlan, rect: Rect) -> list[tuple[float, float, float, float]]:
    """Boxes (inches from the map's lower left) kept free of labels: the
    synthetic mark, the window label, the scale bar and the north arrow.
    """
    scale = plan.layout.font_scale
    many = len(plan.panels) > 1
    boxes = []
    if plan.synthetic:
        size = 11 * scale * (0.75 if many else 1.0)
        w = 0.62 * size * len(SYNTHETIC_MARK) / 72 + 0.15
        boxes.append((0.0, rect.h - 1.6 * size / 72 - 0.1, w, rect.h))
    if not many and plan.spec.show_window and plan.window_label:
        size = 12 * scale
        w = 0.65 * size * len(plan.window_label) / 72 + 0.15
        boxes.append((rect.w - w, rect.h - 1.6 * size / 72 - 0.1, rect.w, rect.h))
    if plan.spec.scale_units != "none":
        rows = 2 if plan.spec.scale_units == "both" else 1
        boxes.append((0.0, 0.0, min(2.3, 0.3 * rect.w + 0.8), 0.1 + 0.4 * rows * scale))
    if plan.spec.north_arrow:
        boxes.append((rect.w - 0.4, 0.0, rect.w, 0.15 + 0.11 * rect.h + 0.3))
    return boxes


def _draw_events(
    ax: Axes, layer: EventLayer, rows: np.ndarray, z: int, shrink: float
) -> None:
    x, y = layer.display_xy()
    style = layer.style
    values = category_values(layer, rows)
    order = [*style.categories, OTHER_KEY] if style.category_field else [""]
    present = pd.unique(values)
    # the biggest groups first so that rare categories stay visible on top
    groups = sorted(
        (v for v in order if v in set(present)),
        key=lambda v: -int(np.count_nonzero(values == v)),
    )
    for value in groups:
        sel = rows[values == value]
        color = (
            style.categories.get(value, OTHER_CATEGORY_COLOR)
            if style.category_field
            else style.color
        )
        _plot_points(
            ax,
            x[sel],
            y[sel],
            color,
            style,
            shrink,
            0.35,
            layer.opacity,
            z,
            rasterized=True,
        )


def _plot_points(
    ax: Axes,
    x: np.ndarray,
    y: np.ndarray,
    color: str,
    style: Style,
    shrink: float,
    edge: float,
    opacity: float,
    z: float,
    *,
    rasterized: bool = False,
) -> None:
    """Point markers in one colour, sized like the canvas (pixels → points)."""
    ax.plot(
        x,
        y,
        linestyle="none",
        marker=MARKERS.get(style.symbol, "o"),
        markersize=max(style.size * PX_TO_PT * 1.1 * shrink, 1.5),
        markerfacecolor=color,
        markeredgecolor="white",
        markeredgewidth=edge * shrink,
        alpha=opacity,
        rasterized=rasterized,
        zorder=z,
    )


def _pad_box(extent: tuple[float, ...], frac: float = 0.05) -> tuple[float, ...]:
    xmin, ymin, xmax, ymax = extent
    dx, dy = (xmax - xmin) * frac, (ymax - ymin) * frac
    return xmin - dx, ymin - dy, xmax + dx, ymax + dy


def _feature_colors(layer: VectorLayer, rows: np.ndarray) -> list[str] | None:
    style = layer.style
    if not style.category_field or style.category_field not in layer.data:
        return None
    values = category_values(layer, rows)
    return [style.categories.get(v, OTHER_CATEGORY_COLOR) for v in values]


def _draw_vector(
    ax: Axes,
    layer: VectorLayer,
    rows: np.ndarray,
    extent: tuple[float, ...],
    z: int,
    shrink: float,
) -> None:
    from matplotlib.collections import LineCollection, PathCollection

    style = layer.style
    kind = layer.geometry_kind
    geoms = layer.display_geometry().to_numpy()[rows]
    colors = _feature_colors(layer, rows)
    lw = style.line_width * PX_TO_PT * shrink
    ls = LINE_STYLES.get(style.line_style, "-")
    if kind == "polygon":
        clipped = shapely.clip_by_rect(geoms, *_pad_box(extent))
        paths, index = _polygon_paths(clipped)
        if not paths:
            return
        if colors is not None:
            faces: Any = [colors[i] for i in index]
        elif style.fill:
            faces = style.fill
        else:
            faces = "none"
        ax.add_collection(
            PathCollection(
                paths,
                facecolors=faces,
                edgecolors=style.color,
                linewidths=lw,
                linestyles=ls,
                alpha=layer.opacity,
                zorder=z,
            ),
            autolim=False,
        )
    elif kind == "line":
        clipped = shapely.clip_by_rect(geoms, *_pad_box(extent))
        segments, index = _line_segments(clipped)
        if not segments:
            return
        line_colors: Any = (
            [colors[i] for i in index] if colors is not None else style.color
        )
        ax.add_collection(
            LineCollection(
                segments,
                colors=line_colors,
                linewidths=lw,
                linestyles=ls,
                alpha=layer.opacity,
                capstyle="round",
                joinstyle="round",
                zorder=z,
            ),
            autolim=False,
        )
    else:
        x, y = shapely.get_x(geoms), shapely.get_y(geoms)
        point_colors = colors or [style.color] * len(geoms)
        for color in dict.fromkeys(point_colors):
            sel = np.array([c == color for c in point_colors])
            _plot_points(
                ax, x[sel], y[sel], color, style, shrink, 0.6, layer.opacity, z
            )


def _polygon_paths(geoms: np.ndarray) -> tuple[list[Any], list[int]]:
    """One matplotlib Path per feature (all rings, holes included)."""
    from matplotlib.path import Path as MplPath

    parts, feature = shapely.get_parts(geoms, return_index=True)
    keep = shapely.get_type_id(parts) == 3
    parts, feature = parts[keep], feature[keep]
    if not len(parts):
        return [], []
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
    if not len(coords):
        return [], []
    codes = np.full(len(coords), MplPath.LINETO, dtype=np.uint8)
    starts = np.r_[0, np.flatnonzero(np.diff(coord_ring)) + 1]
    ends = np.r_[starts[1:] - 1, len(coords) - 1]
    codes[starts] = MplPath.MOVETO
    codes[ends] = MplPath.CLOSEPOLY
    owner = feature[ring_part[coord_ring]]
    cuts = np.flatnonzero(np.diff(owner)) + 1
    paths = [
        MplPath(c, k)
        for c, k in zip(np.split(coords, cuts), np.split(codes, cuts), strict=True)
    ]
    return paths, [int(o) for o in owner[np.r_[0, cuts]]]


def _line_segments(geoms: np.ndarray) -> tuple[list[np.ndarray], list[int]]:
    parts, feature = shapely.get_parts(geoms, return_index=True)
    types = shapely.get_type_id(parts)
    keep = (types == 1) | (types == 2)
    parts, feature = parts[keep], feature[keep]
    if not len(parts):
        return [], []
    coords, owner = shapely.get_coordinates(parts, return_index=True)
    cuts = np.flatnonzero(np.diff(owner)) + 1
    return list(np.split(coords, cuts)), [
        int(feature[i]) for i in owner[np.r_[0, cuts]]
    ]


# -- labels -------------------------------------------------------------------
@dataclass
class _Label:
    x: float
    y: float
    text: str
    size: float
    color: str
    kind: str
    box: str | None
    bold: bool
    italic: bool
    priority: float
    offset_pt: float


def _label_candidates(
    layer: VectorLayer, rows: np.ndarray, extent: tuple[float, ...], rank: int
) -> list[_Label]:
    style = layer.style
    if not style.label_field or style.label_field not in layer.data:
        return []
    if layer.role == "towns" and (extent[2] - extent[0]) > TOWN_LABEL_MAX_WIDTH_M:
        return []
    kind = layer.geometry_kind
    geoms = layer.display_geometry().to_numpy()[rows]
    texts = [
        figure_text(t)
        for t in layer.data[style.label_field].iloc[rows].fillna("").astype(str)
    ]
    inner = shapely.box(*extent)
    if kind == "line":
        clipped = shapely.intersection(geoms, inner)
        anchors = shapely.line_interpolate_point(
            shapely.line_merge(clipped), 0.5, normalized=True
        )
    elif kind == "polygon":
        anchors = shapely.point_on_surface(shapely.intersection(geoms, inner))
    else:
        anchors = geoms
    x, y = shapely.get_x(anchors), shapely.get_y(anchors)
    weight = np.zeros(len(rows))
    if "population" in layer.data:
        pop = pd.to_numeric(layer.data["population"].iloc[rows], errors="coerce")
        weight = pop.fillna(0).to_numpy(dtype=float)
    out = []
    for xi, yi, text, w in zip(x, y, texts, weight, strict=True):
        if not text or not math.isfinite(xi) or not math.isfinite(yi):
            continue
        out.append(
            _Label(
                x=float(xi),
                y=float(yi),
                text=text,
                size=style.label_size,
                color="#FFFFFF" if kind == "line" else style.label_color,
                kind=kind,
                box=style.color if kind == "line" else None,
                bold=kind == "point" and style.size >= 6,
                italic=kind == "polygon",
                priority=rank * 1e12 + w,
                offset_pt=style.size * PX_TO_PT * 0.6 + 2 if kind == "point" else 0,
            )
        )
    return out


def _place_labels(
    ax: Axes,
    labels: list[_Label],
    extent: tuple[float, ...],
    rect: Rect,
    shrink: float,
    reserved: list[tuple[float, float, float, float]] | None = None,
) -> None:
    """Greedy placement: higher layers and bigger places first, no overlaps."""
    import matplotlib.patheffects as pe

    xmin, ymin, xmax, _ = extent
    sx = rect.w / (xmax - xmin)  # inches per metre (aspect equal)
    placed: list[tuple[float, float, float, float]] = list(reserved or [])
    for label in sorted(labels, key=lambda lb: -lb.priority):
        size = label.size * shrink
        w = 0.6 * size * len(label.text) / 72 + (0.08 if label.box else 0.03)
        h = 1.25 * size / 72 + (0.06 if label.box else 0.0)
        cx = (label.x - xmin) * sx
        cy = (label.y - ymin) * sx
        if label.kind == "point":
            x0 = cx + label.offset_pt / 72
            box = (x0, cy - h / 2, x0 + w, cy + h / 2)
        else:
            box = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
        if box[0] < 0 or box[1] < 0 or box[2] > rect.w or box[3] > rect.h:
            continue
        if any(
            box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3]
            for b in placed
        ):
            continue
        placed.append(box)
        kw: dict[str, Any] = {
            "fontsize": size,
            "color": label.color,
            "fontweight": "bold" if label.bold or label.box else "normal",
            "fontstyle": "italic" if label.italic else "normal",
            "zorder": 150,
            "clip_on": True,
            "va": "center",
        }
        if label.box:
            kw["bbox"] = {"fc": label.box, "ec": "white", "lw": 0.6, "pad": 1.5}
        else:
            kw["path_effects"] = [pe.withStroke(linewidth=2.2, foreground="white")]
        if label.kind == "point":
            ax.annotate(
                label.text,
                (label.x, label.y),
                xytext=(label.offset_pt, 0),
                textcoords="offset points",
                ha="left",
                **kw,
            )
        else:
            ax.text(label.x, label.y, label.text, ha="center", **kw)


# -- map furniture ------------------------------------------------------------
def nice_length(value: float) -> float:
    """The largest 1, 2 or 5 × 10ⁿ not above ``value`` (a round bar length)."""
    if value <= 0 or not math.isfinite(value):
        return 0.0
    exp = 10 ** math.floor(math.log10(value))
    for m in (5, 2, 1):
        if m * exp <= value * (1 + 1e-9):
            return float(m * exp)
    return float(exp)


def ground_per_map_metre(x: float, y: float, dx: float) -> float:
    """Ground metres per display-CRS metre along x at ``(x, y)`` (geodesic)."""
    lon, lat = crs.to_lonlat().transform([x, x + dx], [y, y])
    return crs.geodesic_distance_m(lon[0], lat[0], lon[1], lat[1]) / dx


def scale_bar_length(
    extent: tuple[float, ...], unit: str, x: float, y: float, fraction: float = 0.2
) -> tuple[float, float]:
    """A round bar length (in ``unit``) near ``fraction`` of the map width and
    its length in display-CRS metres, true on the ground where it is drawn.
    """
    unit_m = 1000.0 if unit == "km" else MILE_M
    width = extent[2] - extent[0]
    k = ground_per_map_metre(x, y, width * fraction)
    nominal = nice_length(width * fraction * k / unit_m)
    length = nominal * unit_m / k
    # second pass: the factor over the bar's exact length
    k = ground_per_map_metre(x, y, length)
    return nominal, nominal * unit_m / k


def _scale_bars(
    ax: Axes, extent: tuple[float, ...], units: str, scale: float, width_in: float
) -> list[ScaleBarInfo]:
    from matplotlib.patches import Rectangle

    if units == "none":
        return []
    xmin, ymin, xmax, _ = extent
    w = xmax - xmin
    per_in = w / width_in  # map metres per inch on the page (aspect equal)
    wanted = ["km", "mi"] if units == "both" else [units]
    bars = []
    x0 = xmin + 0.18 * per_in
    bar_h = 0.06 * per_in
    step = 0.36 * scale * per_in
    y = ymin + 0.16 * per_in
    fraction = min(1.6 / width_in, 0.3)
    for unit in wanted:
        nominal, length = scale_bar_length(extent, unit, x0, y, fraction)
        bars.append(ScaleBarInfo(unit, nominal, x0, x0 + length, y, ax))
        y += step
    longest = max(bar.x1 - bar.x0 for bar in bars)
    ax.add_patch(
        Rectangle(
            (x0 - 0.1 * per_in, ymin + 0.06 * per_in),
            longest + 0.5 * per_in,
            step * len(bars) + 0.02 * per_in,
            facecolor="white",
            edgecolor="none",
            alpha=0.8,
            zorder=290,
        )
    )
    fs = 8.5 * scale
    for bar in bars:
        length = bar.x1 - bar.x0
        halves = length / per_in >= 0.9
        parts = 4 if halves else 2
        for k in range(parts):
            ax.add_patch(
                Rectangle(
                    (bar.x0 + k * length / parts, bar.y),
                    length / parts,
                    bar_h,
                    facecolor="#222222" if k % 2 == 0 else "white",
                    edgecolor="#222222",
                    linewidth=0.6,
                    zorder=300,
                )
            )
        ticks = [(0.0, "0"), (1.0, f"{bar.nominal:g}")]
        if halves:
            ticks.insert(1, (0.5, f"{bar.nominal / 2:g}"))
        for frac, text in ticks:
            ax.text(
                bar.x0 + frac * length,
                bar.y + bar_h * 1.6,
                text,
                ha="center",
                va="bottom",
                fontsize=fs,
                color="#222222",
                zorder=301,
            )
        ax.text(
            bar.x1 + 0.1 * per_in,
            bar.y + bar_h / 2,
            bar.unit,
            ha="left",
            va="center",
            fontsize=fs,
            color="#222222",
            zorder=301,
        )
    return bars


def north_direction(x: float, y: float) -> tuple[float, float]:
    """Unit vector pointing to true north at ``(x, y)`` in the display CRS."""
    lon, lat = crs.to_lonlat().transform(x, y)
    nx, ny = crs.to_display().transform(lon, min(lat + 0.1, 89.9))
    dx, dy = nx - x, ny - y
    norm = math.hypot(dx, dy) or 1.0
    return dx / norm, dy / norm


def _north_arrow(ax: Axes, extent: tuple[float, ...], scale: float) -> float:
    xmin, ymin, xmax, ymax = extent
    w, h = xmax - xmin, ymax - ymin
    x, y = xmax - 0.045 * w, ymin + 0.06 * h
    ux, uy = north_direction(x, y)
    length = 0.09 * h
    tip = (x + ux * length, y + uy * length)
    ax.annotate(
        "",
        xy=tip,
        xytext=(x, y),
        arrowprops={
            "arrowstyle": "-|>,head_length=0.8,head_width=0.45",
            "color": "#222222",
            "lw": 1.6 * scale,
            "shrinkA": 0,
            "shrinkB": 0,
        },
        zorder=300,
    )
    ax.text(
        tip[0] + ux * 0.035 * h,
        tip[1] + uy * 0.035 * h,
        "N",
        ha="center",
        va="center",
        fontsize=11 * scale,
        fontweight="bold",
        color="#222222",
        zorder=301,
        path_effects=_halo(),
    )
    return math.degrees(math.atan2(ux, uy))


def _has_events(plan: FigurePlan) -> bool:
    return any(isinstance(layer, EventLayer) for layer in plan.layers)


def _halo() -> list[Any]:
    import matplotlib.patheffects as pe

    return [pe.withStroke(linewidth=2.5, foreground="white")]


def _synthetic_mark(ax: Axes, scale: float) -> None:
    ax.text(
        0.012,
        0.985,
        SYNTHETIC_MARK,
        transform=ax.transAxes,
        ha="left",
        va="top",
        fontsize=11 * scale,
        fontweight="bold",
        color=MARK_COLOR,
        zorder=400,
        bbox={"fc": "white", "ec": MARK_COLOR, "lw": 1.2, "alpha": 0.92, "pad": 3},
    )


def _panel_title(
    fig: Figure, rect: Rect, page: tuple[float, float], panel: Panel, scale: float
) -> None:
    left, bottom, width, height = rect.fraction(page)
    fig.text(
        left,
        bottom + height * 0.2,
        figure_text(panel.label),
        ha="left",
        va="bottom",
        fontsize=12 * scale,
        fontweight="bold",
        color="#202020",
    )
    fig.text(
        left + width,
        bottom + height * 0.2,
        f"n = {panel.event_count:,}",
        ha="right",
        va="bottom",
        fontsize=9.5 * scale,
        color="#444444",
    )


# -- legend, chart, inset -----------------------------------------------------
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


def _wrap(text: str, width_in: float, size_pt: float) -> str:
    chars = max(int(width_in * 72 / (0.56 * size_pt)), 10)
    return "\n".join(textwrap.wrap(text, chars)) or text


def _legend(fig: Figure, plan: FigurePlan, scale: float) -> list[str]:
    rect = plan.layout.legend
    entries = plan.legend
    if not entries or rect.h <= 0.2:
        return []
    ax = fig.add_axes(rect.fraction(plan.layout.page))
    ax.set_axis_off()
    size = 9.5 * scale
    handles = [_legend_handle(e, scale) for e in entries]
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    avail_w, avail_h = rect.w * fig.dpi, rect.h * fig.dpi
    while True:
        labels = [
            _wrap(figure_text(e.label), rect.w - 0.45 * size / 9.5, size)
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


def _chart(
    fig: Figure,
    rect: Rect,
    page: tuple[float, float],
    chart: dict[str, Any],
    scale: float,
) -> None:
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
            xi, total, f"{int(total)}", ha="center", va="bottom", fontsize=7 * scale
        )
    ax.set_ylim(0, max(float(bottom.max()), 1.0) * 1.18)


def countries_layer(project: Project) -> VectorLayer | None:
    """The country outlines for the inset (visible or not)."""
    for layer in project.layers:
        if layer.role == ROLE_COUNTRIES and isinstance(layer, VectorLayer):
            return layer
    return None


def _inset(
    fig: Figure,
    rect: Rect,
    page: tuple[float, float],
    project: Project,
    plan: FigurePlan,
) -> None:
    from matplotlib.collections import PathCollection
    from matplotlib.patches import Rectangle

    layer = countries_layer(project)
    if layer is None or layer.data.empty:
        return
    geoms = layer.display_geometry().to_numpy()
    xmin, ymin, xmax, ymax = plan.extent
    centre = shapely.Point((xmin + xmax) / 2, (ymin + ymax) / 2)
    inside = np.flatnonzero(shapely.contains(geoms, centre))
    home = (
        int(inside[0])
        if len(inside)
        else int(np.argmin(shapely.distance(geoms, centre)))
    )
    hb = shapely.bounds(geoms[home])
    box = (min(hb[0], xmin), min(hb[1], ymin), max(hb[2], xmax), max(hb[3], ymax))
    box = tuple(_pad_box(box, 0.08))
    from sahelgis.model.figures import fit_extent

    box = fit_extent(box, rect.w / rect.h)  # type: ignore[arg-type]
    ax = fig.add_axes(rect.fraction(page))
    ax.set_facecolor(MAP_BACKGROUND)
    clipped = shapely.clip_by_rect(geoms, *box)
    paths, index = _polygon_paths(clipped)
    faces = ["#D4CCBA" if i == home else "#F4F1EA" for i in index]
    ax.add_collection(
        PathCollection(paths, facecolors=faces, edgecolors="#8A857A", linewidths=0.4),
        autolim=False,
    )
    ax.add_patch(
        Rectangle(
            (xmin, ymin),
            xmax - xmin,
            ymax - ymin,
            facecolor=(0.78, 0.07, 0.12, 0.12),
            edgecolor="#C1121F",
            linewidth=1.4,
            zorder=10,
        )
    )
    name_field = next((f for f in ("name", "NAME", "admin") if f in layer.data), None)
    if name_field:
        anchor = shapely.point_on_surface(geoms[home])
        ax.text(
            anchor.x,
            anchor.y,
            figure_text(layer.data[name_field].iloc[home]),
            ha="center",
            va="center",
            fontsize=8 * plan.layout.font_scale,
            fontstyle="italic",
            color="#5A5548",
            zorder=11,
            path_effects=_halo(),
        )
    ax.set_xlim(box[0], box[2])
    ax.set_ylim(box[1], box[3])
    ax.set_aspect("equal", adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_edgecolor("#777777")
        spine.set_linewidth(0.6)


# -- header and footer --------------------------------------------------------
def _header(fig: Figure, plan: FigurePlan, scale: float) -> None:
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


def _footer(fig: Figure, plan: FigurePlan, scale: float) -> None:
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
            _wrap(figure_text(spec.credit), credit_w, size),
            ha="right",
            va="center",
            fontsize=size,
            color="#555555",
        )
    text = _wrap(figure_text(plan.source_line), rect.w - credit_w - logo_w - 0.2, size)
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


__all__ = [
    "FORMATS",
    "RenderInfo",
    "ScaleBarInfo",
    "figure_for",
    "nice_length",
    "north_direction",
    "render_figure",
    "render_pages",
    "render_png_bytes",
    "save",
    "scale_bar_length",
]
