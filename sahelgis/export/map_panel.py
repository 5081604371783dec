"""Map panels of an exported figure (matplotlib, no Qt).

The map axes in the display CRS, every layer of a
panel (events as rasterized markers per category colour, vector features
clipped to the frame), the outline of an area scope, the "SYNTHETIC DATA" mark,
small-multiple panel titles and the inset locator map. Labels are placed by
``sahelgis.export.labels``; ``sahelgis.export.render`` assembles the page.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely

from sahelgis.export.labels import MapLabel, label_candidates
from sahelgis.export.symbols import (
    LINE_STYLES,
    MAP_BACKGROUND,
    MARK_COLOR,
    MARKERS,
    PX_TO_PT,
    halo,
)
from sahelgis.export.text import figure_text
from sahelgis.model.figure_parts import OTHER_KEY, Panel, category_values
from sahelgis.model.figure_plan import fit_extent
from sahelgis.model.figures import SYNTHETIC_MARK
from sahelgis.model.layers import (
    ROLE_COUNTRIES,
    ROLE_ROADS,
    EventLayer,
    VectorLayer,
)
from sahelgis.model.styles import OTHER_CATEGORY_COLOR, rgba

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from sahelgis.export.layout import PagePlan, Rect
    from sahelgis.model.figures import Box
    from sahelgis.model.project import Project
    from sahelgis.model.styles import Style


# -- map panels ---------------------------------------------------------------
def map_axes(
    fig: Figure, rect: Rect, page: tuple[float, float], extent: tuple[float, ...]
) -> Axes:
    """Add a framed map axes showing ``extent`` at equal aspect.

    Parameters
    ----------
    fig
        The page.
    rect
        The map panel, in inches on the page.
    page
        Page size ``(width, height)`` in inches.
    extent
        ``(xmin, ymin, xmax, ymax)`` shown, in the display CRS (metres).

    Returns
    -------
    Axes
        The axes, in display-CRS metres, without ticks.
    """
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


def draw_panel(
    ax: Axes, panel: Panel, plan: PagePlan, rect: Rect, underlay: bool = False
) -> list[MapLabel]:
    """Draw a panel's layers, bottom first, and return their label candidates.

    The labels of all its layers are placed in one pass once the map furniture
    is drawn (``sahelgis.export.labels.place_labels``).

    Parameters
    ----------
    ax
        The panel's map axes (display CRS, metres).
    panel
        The panel: its layers and the rows of each drawn in it.
    plan
        The laid-out plan (extent, number of panels, reserved boxes).
    rect
        The panel, in inches on the page (for label sizes and free boxes).
    underlay
        Whether tiles are drawn underneath: country and region fills are
        then left out (outlines only) so the tiles show.
    """
    many = len(plan.panels) > 1
    labels: list[MapLabel] = []
    # roads stay readable through dense events: above the top event layer,
    # with a thin white casing (place symbols stay under the events: events
    # located at a town must not hide under its symbol)
    order = [p.layer for p in reversed(panel.layers)]
    roads_z = 11 + 2 * max(
        (i for i, ly in enumerate(order) if isinstance(ly, EventLayer)), default=-5
    )
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
            z_layer = max(z, roads_z) if layer.role == ROLE_ROADS else z
            _draw_vector(ax, layer, lp.rows, plan.extent, z_layer, 0.8 if many else 1.0)
            labels.extend(label_candidates(layer, lp.rows, plan.extent, i + 1))
    return labels


def draw_scope_outline(ax: Axes, plan: PagePlan) -> None:
    """Outline the area a figure counts its events in (area scopes).

    Events outside it are not drawn, so the reader sees where the clip runs.
    """
    from matplotlib.collections import PathCollection

    if not plan.scope_outline:
        return
    clipped = shapely.clip_by_rect(
        np.asarray(plan.scope_outline, dtype=object), *pad_box(plan.extent)
    )
    paths, _ = polygon_paths(clipped)
    if not paths:
        return
    scale = plan.layout.font_scale
    # above the base layers, just below the events (as draw_panel stacks them)
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


def pad_box(extent: tuple[float, ...], frac: float = 0.05) -> Box:
    """A box grown on every side by ``frac`` of its width and height.

    Parameters
    ----------
    extent
        ``(xmin, ymin, xmax, ymax)`` in any projected units (here display-CRS
        metres).
    frac
        Fraction of the width (and height) added on each side.

    Returns
    -------
    Box
        The grown ``(xmin, ymin, xmax, ymax)``, in the units of ``extent``.
    """
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
        clipped = shapely.clip_by_rect(geoms, *pad_box(extent))
        paths, index = polygon_paths(clipped)
        if not paths:
            return
        # colour alpha x layer opacity, as the canvas paints them
        # (styles.rgba); a collection-wide alpha would make a translucent
        # buffer fill opaque
        opacity = layer.opacity
        if colors is not None:
            faces: Any = [rgba(colors[i], opacity) for i in index]
        elif style.fill:
            faces = [rgba(style.fill, opacity)]
        else:
            faces = "none"
        ax.add_collection(
            PathCollection(
                paths,
                facecolors=faces,
                edgecolors=[rgba(style.color, opacity)],
                linewidths=lw,
                linestyles=ls,
                zorder=z,
            ),
            autolim=False,
        )
    elif kind == "line":
        clipped = shapely.clip_by_rect(geoms, *pad_box(extent))
        segments, index = _line_segments(clipped)
        if not segments:
            return
        line_colors: Any = (
            [rgba(colors[i], layer.opacity) for i in index]
            if colors is not None
            else [rgba(style.color, layer.opacity)]
        )
        if layer.role == ROLE_ROADS:
            # a white casing keeps roads readable over the events under them
            ax.add_collection(
                LineCollection(
                    segments,
                    colors="white",
                    linewidths=lw + 1.6,
                    capstyle="round",
                    joinstyle="round",
                    zorder=z - 0.5,
                ),
                autolim=False,
            )
        ax.add_collection(
            LineCollection(
                segments,
                colors=line_colors,
                linewidths=lw,
                linestyles=ls,
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


def polygon_paths(geoms: np.ndarray) -> tuple[list[Any], list[int]]:
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


def has_events(plan: PagePlan) -> bool:
    """Whether the figure draws an event layer."""
    return any(isinstance(layer, EventLayer) for layer in plan.layers)


def draw_synthetic_mark(ax: Axes, scale: float) -> None:
    """Write the "SYNTHETIC DATA" mark in the top left corner of a map.

    Parameters
    ----------
    ax
        The map axes.
    scale
        Text size factor (11 pt × ``scale``).
    """
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


def draw_empty_note(ax: Axes, panel: Panel, scale: float) -> None:
    """Say on a small-multiple map that its period is empty ("no support zone found").

    Drawn at the bottom centre of the map when a layer split by period has
    nothing in this panel.

    Parameters
    ----------
    ax
        The panel's map axes (display CRS).
    panel
        The panel; nothing is drawn when its ``empty_note`` is empty.
    scale
        Text size factor of the page.
    """
    if not panel.empty_note:
        return
    ax.text(
        0.5,
        0.025,
        figure_text(panel.empty_note),
        transform=ax.transAxes,
        ha="center",
        va="bottom",
        fontsize=10 * scale,
        fontstyle="italic",
        color="#B00020",
        bbox={"facecolor": "white", "edgecolor": "#B00020", "pad": 3.0},
        zorder=30,
    )


def draw_panel_title(
    fig: Figure, rect: Rect, page: tuple[float, float], panel: Panel, scale: float
) -> None:
    """Write a small-multiple panel's title (left) and event count (right).

    Parameters
    ----------
    fig
        The page.
    rect
        The title strip above the panel, in inches on the page.
    page
        Page size ``(width, height)`` in inches.
    panel
        The panel: its period label and ``event_count``.
    scale
        Text size factor of the page.
    """
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


def countries_layer(project: Project) -> VectorLayer | None:
    """The country outlines for the inset (visible or not)."""
    for layer in project.layers:
        if layer.role == ROLE_COUNTRIES and isinstance(layer, VectorLayer):
            return layer
    return None


def draw_inset(
    fig: Figure,
    rect: Rect,
    page: tuple[float, float],
    project: Project,
    plan: PagePlan,
) -> None:
    """Draw the inset locator map: the country holding the map, the map's frame.

    The inset shows the country under the map's centre (or the nearest one)
    with its neighbours, and the main map's extent as a red box. Nothing is
    drawn without a countries layer.

    Parameters
    ----------
    fig
        The page.
    rect
        The inset box, in inches on the page.
    page
        Page size ``(width, height)`` in inches.
    project
        The project (its countries layer).
    plan
        The laid-out plan (its map extent, display CRS metres).
    """
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
    box = fit_extent(pad_box(box, 0.08), rect.w / rect.h)
    ax = fig.add_axes(rect.fraction(page))
    ax.set_facecolor(MAP_BACKGROUND)
    clipped = shapely.clip_by_rect(geoms, *box)
    paths, index = polygon_paths(clipped)
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
            path_effects=halo(),
        )
    ax.set_xlim(box[0], box[2])
    ax.set_ylim(box[1], box[3])
    ax.set_aspect("equal", adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_edgecolor("#777777")
        spine.set_linewidth(0.6)
