"""The parts of a figure plan: panels, legend rows and the plan itself.

Plain data shared by the planner (``figure_plan``), the legend
(``figure_legend``) and the source line and notes (``figure_notes``), so that
none of those imports another back. No Qt, no matplotlib.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from sahelgis.model.figure_scope import CountedRows, FigureScope
from sahelgis.model.layers import EventLayer, Layer, VectorLayer

if TYPE_CHECKING:
    from sahelgis.model.figures import Box, FigureSpec
    from sahelgis.model.filters import EventFilter

OTHER_KEY = "__other__"
#: Legend key of an area scope's outline.
SCOPE_LEGEND_KEY = "__scope__"


@dataclass(frozen=True)
class LegendEntry:
    """One legend row: a header (layer name) or a symbol with a label."""

    key: str
    label: str
    default_label: str
    kind: str  # "header" | "point" | "line" | "polygon"
    layer_id: str
    color: str = "#444444"
    fill: str | None = None
    size: float = 4.0
    line_width: float = 1.0
    line_style: str = "solid"
    symbol: str = "o"


def category_values(layer: Layer, rows: np.ndarray) -> np.ndarray:
    """Category value (as text) of each row.

    ``OTHER_KEY`` for values without a colour in the layer's style, "" when
    the style is not categorical.
    """
    style = layer.style
    if isinstance(layer, EventLayer):
        frame = layer.events.frame
    elif isinstance(layer, VectorLayer):
        frame = layer.data
    else:
        return np.full(len(rows), "", dtype=object)
    if not style.category_field or style.category_field not in frame:
        return np.full(len(rows), "", dtype=object)
    column = frame[style.category_field].iloc[rows]
    values = column.astype(str).to_numpy(dtype=object)
    known = np.array(list(style.categories), dtype=object)
    ok = column.notna().to_numpy() & np.isin(values, known)
    return np.where(ok, values, OTHER_KEY).astype(object)


@dataclass
class LayerPanel:
    """What one layer shows in one panel: event rows or feature positions."""

    layer: Layer
    rows: np.ndarray  # event rows, or positions of features in layer.data


@dataclass
class Panel:
    """One map panel: its period, window and what each layer shows in it."""

    label: str
    window: tuple[np.datetime64, np.datetime64] | None
    layers: list[LayerPanel]
    #: Said in the panel's title strip when a layer split by period (support
    #: zones per year) has nothing in this panel, e.g. "no support zone found";
    #: an empty panel is then not mistaken for a missing one.
    empty_note: str = ""

    @property
    def event_count(self) -> int:
        """Events shown in the panel (all event layers)."""
        return sum(
            len(lp.rows) for lp in self.layers if isinstance(lp.layer, EventLayer)
        )

    def category_counts(self) -> dict[str, int]:
        """Events per category (of each event layer's style) in the panel."""
        counts: dict[str, int] = {}
        for lp in self.layers:
            if not isinstance(lp.layer, EventLayer) or not len(lp.rows):
                continue
            values = category_values(lp.layer, lp.rows)
            uniq, n = np.unique(values, return_counts=True)
            for value, k in zip(uniq, n, strict=True):
                counts[str(value)] = counts.get(str(value), 0) + int(k)
        return counts


@dataclass
class FigurePlan:
    """Everything a renderer needs, decided from the model only.

    The page layout is added by ``sahelgis.export.layout.PagePlan``.
    """

    spec: FigureSpec
    extent: Box  # display CRS, metres, aspect of the map panels
    layers: list[Layer]  # drawn, top first
    panels: list[Panel]
    legend: list[LegendEntry]
    source_line: str
    window_label: str
    synthetic: bool
    filter: EventFilter
    window: tuple[np.datetime64, np.datetime64] | None
    chart: dict[str, Any] | None = None  # {"periods": [...], "series": {...}}
    basemap_credit: str = ""  # online tiles drawn under the layers
    scope: FigureScope = field(default_factory=FigureScope)
    scope_text: str = ""  # "in Koulikoro region", "in the map frame" ...
    #: per event layer id: the rows shown over all panels, with assigned days
    counted: dict[str, CountedRows] = field(default_factory=dict)
    expand_imprecise: bool = True
    #: an area scope's polygons in the display CRS (outlined on the map)
    scope_outline: list[Any] = field(default_factory=list)

    @property
    def event_count(self) -> int:
        """Events shown over all panels."""
        return sum(panel.event_count for panel in self.panels)


#: Width / height of one map panel on the page, from the number of panels and
#: the requested extent's width / height (answered by the page layout, which
#: lives in ``sahelgis.export.layout``: the model knows no page).
PanelAspect = Callable[[int, float], float]
