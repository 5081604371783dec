"""Feature labels on exported maps.

Candidates come from a vector layer's label field (anchored on points, mid-line
or inside polygons, towns only on maps narrower than
``TOWN_LABEL_MAX_WIDTH_M``); they are placed by the same pass as the canvas
labels (``sahelgis.model.label_placement``): capitals, towns, road shields,
then area names, each measured with matplotlib's own text extents, never over
each other or the furniture already drawn on the map (scale bar, north arrow,
window label, SYNTHETIC mark) or the legend and inset.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import shapely

from sahelgis.export.symbols import PX_TO_PT
from sahelgis.export.text import figure_text
from sahelgis.model import label_placement as lp
from sahelgis.model.figures import TOWN_LABEL_MAX_WIDTH_M

if TYPE_CHECKING:
    import numpy as np
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.backend_bases import RendererBase

    from sahelgis.export.layout import Rect
    from sahelgis.model.layers import VectorLayer

#: ``gid`` of the text artists of map labels (tests find them by it).
LABEL_GID = "sahelgis-map-label"
#: Halo stroke around label text, points (drawn with a path effect).
HALO_PT = 2.2
#: Padding of a road shield's box around its text, points.
SHIELD_PAD_PT = 1.5


@dataclass
class MapLabel:
    """A label that may be placed on an exported map.

    Attributes
    ----------
    x, y
        Anchor in the display CRS (metres): the point, the middle of the
        clipped line or a point inside the clipped polygon.
    text
        The label text, as figures show it.
    size
        Font size in points.
    color
        Text colour (``#RRGGBB``).
    kind
        Geometry kind of the layer: ``"point"``, ``"line"`` or ``"polygon"``.
    box
        Colour of the box drawn behind line labels (road shields); None for no
        box.
    bold, italic
        Font weight and style.
    priority
        Order within the class, highest first (national capital, then
        population, then layer rank).
    rank
        Priority class (``sahelgis.model.label_placement``: capital, town,
        road shield, area name, other).
    alternates
        Further anchors (display CRS, metres) a road shield may move to when
        the middle of its road is taken.
    symbol_pt
        Size of the point symbol (points) other labels keep off.
    offset_pt
        Distance from a point anchor to the text in points (0 for lines and
        polygons, which are centred on their anchor).
    """

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
    rank: int = lp.OTHER
    symbol_pt: float = 0.0
    alternates: tuple[tuple[float, float], ...] = ()


def label_candidates(
    layer: VectorLayer, rows: np.ndarray, extent: tuple[float, ...], rank: int
) -> list[MapLabel]:
    """Label candidates of a vector layer's drawn rows.

    Parameters
    ----------
    layer
        The layer; without a label field (in its style and data) it has none.
        Towns are left out on maps wider than ``TOWN_LABEL_MAX_WIDTH_M``.
    rows
        Positions of the drawn features in ``layer.data``.
    extent
        The map's ``(xmin, ymin, xmax, ymax)`` in the display CRS (metres);
        lines and polygons are anchored on their part inside it.
    rank
        The layer's rank on the map, higher for layers drawn above; labels of
        higher layers are placed first, then bigger places (``population``).

    Returns
    -------
    list of MapLabel
        One per feature with a non-empty label and a finite anchor.
    """
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
    xmin, ymin, xmax, ymax = extent
    inner = shapely.box(xmin, ymin, xmax, ymax)
    alternates: list[tuple[tuple[float, float], ...]] = [()] * len(geoms)
    if kind == "line":
        merged = shapely.line_merge(shapely.intersection(geoms, inner))
        anchors = shapely.line_interpolate_point(merged, 0.5, normalized=True)
        # a shield crowded out of the middle of its road tries further along
        others = [
            shapely.line_interpolate_point(merged, f, normalized=True)
            for f in (0.3, 0.7, 0.15, 0.85)
        ]
        alternates = [
            tuple(
                (float(shapely.get_x(o[k])), float(shapely.get_y(o[k])))
                for o in others
                if not shapely.is_empty(o[k])
            )
            for k in range(len(geoms))
        ]
    elif kind == "polygon":
        anchors = shapely.point_on_surface(shapely.intersection(geoms, inner))
    else:
        anchors = geoms
    x, y = shapely.get_x(anchors), shapely.get_y(anchors)
    weight = lp.label_weights(layer.data.iloc[rows])
    rank_class = lp.label_rank(layer.role, kind)
    out = []
    for xi, yi, text, w, alt in zip(x, y, texts, weight, alternates, strict=True):
        if not text or not math.isfinite(xi) or not math.isfinite(yi):
            continue
        out.append(
            MapLabel(
                x=float(xi),
                y=float(yi),
                text=text,
                size=style.label_size,
                color="#FFFFFF" if kind == "line" else style.label_color,
                kind=kind,
                box=style.color if kind == "line" else None,
                bold=kind == "point" and style.size >= 6,
                italic=kind == "polygon",
                priority=w * 100 + rank,
                offset_pt=style.size * PX_TO_PT * 0.6 + 2 if kind == "point" else 0,
                rank=rank_class,
                alternates=alt,
                symbol_pt=style.size * PX_TO_PT * 1.1 if kind == "point" else 0,
            )
        )
    return out


def text_box(
    renderer: RendererBase, label: MapLabel, size: float, dpi: float
) -> tuple[float, float]:
    """Width and height of a label's drawn box in inches.

    Measured with the renderer's own text metrics (as matplotlib lays the
    text out: at least the height of "lp"), plus the halo or the shield box.
    """
    from matplotlib.font_manager import FontProperties

    prop = FontProperties(
        size=size,
        weight="bold" if label.bold or label.box else "normal",
        style="italic" if label.italic else "normal",
    )
    w, h, _ = renderer.get_text_width_height_descent(label.text, prop, ismath=False)
    _, h_lp, _ = renderer.get_text_width_height_descent("lp", prop, ismath=False)
    w, h = w / dpi, max(h, h_lp) / dpi
    pad = (SHIELD_PAD_PT + 0.6) if label.box else HALO_PT / 2
    return w + 2 * pad / 72, h + 2 * pad / 72


def artist_box(
    artist: Artist, ax: Axes, renderer: RendererBase
) -> tuple[float, float, float, float] | None:
    """An artist's drawn box in inches from the map's lower left.

    A text's background box is included; None when it draws nothing.
    """
    from matplotlib.text import Text

    if not artist.get_visible():
        return None
    bbox = artist.get_window_extent(renderer)
    if isinstance(artist, Text) and artist.get_bbox_patch() is not None:
        artist.update_bbox_position_size(renderer)
        patch = artist.get_bbox_patch()
        if patch is not None:
            bbox = bbox.union([bbox, patch.get_window_extent(renderer)])
    if bbox.width <= 0 and bbox.height <= 0:
        return None
    origin = ax.get_window_extent(renderer)
    dpi = ax.figure.dpi
    return (
        (bbox.x0 - origin.x0) / dpi,
        (bbox.y0 - origin.y0) / dpi,
        (bbox.x1 - origin.x0) / dpi,
        (bbox.y1 - origin.y0) / dpi,
    )


def place_labels(
    ax: Axes,
    labels: list[MapLabel],
    extent: tuple[float, ...],
    rect: Rect,
    shrink: float,
    reserved: list[tuple[float, float, float, float]] | None = None,
) -> lp.Placement:
    """Place and draw a map's labels in one pass (``label_placement``).

    Parameters
    ----------
    ax
        The map axes (display CRS, metres; aspect equal).
    labels
        The candidates of all the map's layers.
    extent
        The map's ``(xmin, ymin, xmax, ymax)``, display CRS (metres).
    rect
        The map on the page, inches.
    shrink
        Font size factor (small multiples are smaller).
    reserved
        Boxes kept free, inches from the map's lower left (furniture).

    Returns
    -------
    Placement
        The placed boxes (inches from the map's lower left) and the dropped
        candidates.
    """
    import matplotlib.patheffects as pe

    fig = ax.figure
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    dpi = fig.dpi
    candidates = []
    for i, label in enumerate(labels):
        w, h = text_box(renderer, label, label.size * shrink, dpi)
        candidates.append(
            lp.LabelCandidate(
                x=label.x,
                y=label.y,
                width=w,
                height=h,
                rank=label.rank,
                weight=label.priority,
                point=label.kind == "point",
                offset=label.offset_pt * shrink / 72,
                symbol=label.symbol_pt * shrink / 72,
                key=i,
                alternates=label.alternates,
            )
        )
    frame = lp.Frame.from_extent(extent, rect.w, rect.h)
    placement = lp.place_labels(candidates, frame, reserved or [], margin=0.02)
    for placed in placement.placed:
        label = labels[placed.index]
        size = label.size * shrink
        kw: dict[str, Any] = {
            "fontsize": size,
            "color": label.color,
            "fontweight": "bold" if label.bold or label.box else "normal",
            "fontstyle": "italic" if label.italic else "normal",
            "zorder": 150,
            "clip_on": True,
            "va": "center",
            "ha": "center",
            "gid": LABEL_GID,
        }
        if label.box:
            kw["bbox"] = {
                "fc": label.box,
                "ec": "white",
                "lw": 0.6,
                "pad": SHIELD_PAD_PT,
            }
        else:
            kw["path_effects"] = [pe.withStroke(linewidth=HALO_PT, foreground="white")]
        x, y = label.x, label.y
        if placed.position == "along":  # centred on another point of its line
            x0, y0, x1, y1 = placed.box
            x = ((x0 + x1) / 2 - frame.offset_x) / frame.scale_x
            y = ((y0 + y1) / 2 - frame.offset_y) / frame.scale_y
        u, v = frame.to_frame(x, y)
        x0, y0, x1, y1 = placed.box
        ax.annotate(
            label.text,
            (x, y),
            xytext=(((x0 + x1) / 2 - u) * 72, ((y0 + y1) / 2 - v) * 72),
            textcoords="offset points",
            **kw,
        )
    return placement
