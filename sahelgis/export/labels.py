"""Feature labels on exported maps.

Candidates come from a vector layer's label field (anchored on points, mid-line
or inside polygons, towns only on maps narrower than
``TOWN_LABEL_MAX_WIDTH_M``) and their greedy placement, higher layers and
bigger places first, never overlapping each other or the boxes kept free for
the map furniture.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely

from sahelgis.export.symbols import PX_TO_PT
from sahelgis.export.text import figure_text
from sahelgis.model.figures import TOWN_LABEL_MAX_WIDTH_M

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from sahelgis.export.layout import Rect
    from sahelgis.model.layers import VectorLayer


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
        Placement order, highest first (layer rank, then population).
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
                priority=rank * 1e12 + w,
                offset_pt=style.size * PX_TO_PT * 0.6 + 2 if kind == "point" else 0,
            )
        )
    return out


def place_labels(
    ax: Axes,
    labels: list[MapLabel],
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
