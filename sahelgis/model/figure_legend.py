"""Legend rows of a figure, decided from the model.

``LegendEntry`` (a layer header or a symbol with its label), the category of
every drawn row (``category_values``, ``OTHER_KEY`` for values without a
colour), and the legend labels of layers and categories with the user's
overrides and hidden keys. ``sahelgis.export.legend`` draws them.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import numpy as np

from sahelgis.model.figure_parts import (
    OTHER_KEY,
    LegendEntry,
    category_values,
)
from sahelgis.model.layers import EventLayer, Layer, VectorLayer
from sahelgis.model.styles import OTHER_CATEGORY_COLOR

if TYPE_CHECKING:
    from sahelgis.model.figure_parts import Panel
    from sahelgis.model.figures import FigureSpec


_COUNT_SUFFIX = re.compile(r"\s*\((?:[\d,.\s]+)(?:\s*events)?\)\s*$")


def layer_label(layer: Layer) -> str:
    """A layer's name for a legend (without the feature count some names carry)."""
    return _COUNT_SUFFIX.sub("", layer.name).strip() or layer.name


def category_label(value: str) -> str:
    """A category value as a legend label ("region_capital" → "Region capital")."""
    if value == OTHER_KEY:
        return "Other"
    if "_" in value and value == value.lower():
        value = value.replace("_", " ")
        return value[:1].upper() + value[1:]
    return value


def legend_entries(
    layers: list[Layer], panels: list[Panel], spec: FigureSpec
) -> list[LegendEntry]:
    """Legend rows for what is drawn: layers top first, categories in style order.

    Only layers with something in the figure appear, and of a categorical layer
    only the categories present. Labels take ``spec.legend_labels`` overrides;
    keys in ``spec.legend_hidden`` are left out.
    """
    entries: list[LegendEntry] = []
    hidden = set(spec.legend_hidden)
    for layer in layers:
        rows_list = [lp.rows for p in panels for lp in p.layers if lp.layer is layer]
        rows = np.unique(np.concatenate(rows_list)) if rows_list else np.empty(0, int)
        if not len(rows):
            continue
        style = layer.style
        kind = (
            "point"
            if isinstance(layer, EventLayer)
            else getattr(layer, "geometry_kind", "point")
        )
        categorical = (
            layer.id not in spec.legend_collapsed
            and bool(style.category_field)
            and (
                (
                    isinstance(layer, EventLayer)
                    and style.category_field in layer.events.frame
                )
                or (
                    isinstance(layer, VectorLayer)
                    and style.category_field in layer.data
                )
            )
        )

        def entry(
            key: str, default: str, kind: str, layer: Layer = layer, **kw: Any
        ) -> None:
            if key in hidden:
                return
            label = spec.legend_labels.get(key, default)
            entries.append(
                LegendEntry(
                    key=key,
                    label=label,
                    default_label=default,
                    kind=kind,
                    layer_id=layer.id,
                    **kw,
                )
            )

        common: dict[str, Any] = {
            "size": style.size,
            "line_width": style.line_width,
            "line_style": style.line_style,
            "symbol": style.symbol,
        }
        if not categorical:
            fill = style.fill if kind == "polygon" else None
            entry(
                layer.id,
                layer_label(layer),
                kind,
                color=style.color,
                fill=fill,
                **common,
            )
            continue
        entry(layer.id, layer_label(layer), "header")
        present = set(category_values(layer, rows).tolist())
        values = [v for v in style.categories if v in present]
        if OTHER_KEY in present:
            values.append(OTHER_KEY)
        for value in values:
            color = style.categories.get(value, OTHER_CATEGORY_COLOR)
            if kind == "polygon":
                entry(
                    f"{layer.id}:{value}",
                    category_label(value),
                    kind,
                    color=style.color,
                    fill=color,
                    **common,
                )
            else:
                entry(
                    f"{layer.id}:{value}",
                    category_label(value),
                    kind,
                    color=color,
                    **common,
                )
    return entries


__all__ = [
    "category_label",
    "layer_label",
    "legend_entries",
]
