"""Layer styles: plain values the canvas, legend and figure export all read."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

SYMBOLS: dict[str, str] = {
    "o": "circle",
    "s": "square",
    "t": "triangle",
    "d": "diamond",
    "+": "cross",
}
LINE_STYLES: tuple[str, ...] = ("solid", "dash", "dot")
OTHER_CATEGORY_COLOR = "#9E9E9E"
#: Bounds of point size and label size, screen pixels (the style dialog offers
#: 1–40); also listed in ``sahelgis.io.limits`` with every other limit.
MIN_SYMBOL_SIZE = 0.5
MAX_SYMBOL_SIZE = 200.0
#: Largest line width, screen pixels (the style dialog offers 0.1–20).
MAX_LINE_WIDTH = 50.0
#: Sizes kept within bounds before they reach the canvas (a NaN or 1e9 size
#: crashes the renderer): name -> (lowest, highest).
_SIZE_BOUNDS: dict[str, tuple[float, float]] = {
    "size": (MIN_SYMBOL_SIZE, MAX_SYMBOL_SIZE),
    "label_size": (MIN_SYMBOL_SIZE, MAX_SYMBOL_SIZE),
    "line_width": (0.0, MAX_LINE_WIDTH),
}


def rgba(color: str, opacity: float = 1.0) -> tuple[float, float, float, float]:
    """A style colour as the RGBA the map and every figure paint with.

    The one rule both renderers follow: the colour's own alpha (``#RRGGBBAA``;
    a buffer's translucent fill) times the layer's opacity. The canvas gets it
    from ``QColor`` alpha times the item's opacity; the figure renderer calls
    this, so an exported slide shows what the map shows through a fill.

    Parameters
    ----------
    color
        ``#RRGGBB`` or ``#RRGGBBAA``.
    opacity
        The layer's opacity, 0–1.

    Returns
    -------
    (r, g, b, a)
        Floats in 0–1.
    """
    text = color.strip().lstrip("#")
    if len(text) not in (6, 8) or any(c not in "0123456789abcdefABCDEF" for c in text):
        raise ValueError(f"colour {color!r} is not #RRGGBB or #RRGGBBAA")
    r, g, b = (int(text[i : i + 2], 16) / 255 for i in (0, 2, 4))
    a = int(text[6:8], 16) / 255 if len(text) == 8 else 1.0
    return r, g, b, a * min(max(float(opacity), 0.0), 1.0)


@dataclass(frozen=True)
class Style:
    """How one layer is drawn.

    Colours are ``#RRGGBB`` or ``#RRGGBBAA`` strings; sizes are screen pixels
    (point diameter, line width). ``category_field`` switches to a categorical
    style: each value in ``categories`` gets its own colour, others are grey.
    Sizes outside ``MIN_SYMBOL_SIZE``–``MAX_SYMBOL_SIZE`` (line width
    0–``MAX_LINE_WIDTH``) are brought to the nearest bound; a size that is not
    a finite number becomes the default.
    """

    color: str = "#444444"
    fill: str | None = None
    size: float = 4.0
    line_width: float = 1.0
    line_style: str = "solid"
    symbol: str = "o"
    category_field: str | None = None
    categories: dict[str, str] = field(default_factory=dict)
    label_field: str | None = None
    label_size: float = 9.0
    label_color: str = "#202020"

    def __post_init__(self) -> None:
        for name, (low, high) in _SIZE_BOUNDS.items():
            value = getattr(self, name)
            try:
                number = float(value)
            except (TypeError, ValueError):
                raise ValueError(f"style {name} {value!r} is not a number") from None
            if not math.isfinite(number):
                number = float(_DEFAULTS[name])
            object.__setattr__(self, name, min(max(number, low), high))
        if self.symbol not in SYMBOLS:
            raise ValueError(
                f"unknown symbol {self.symbol!r}; use one of {list(SYMBOLS)}"
            )
        if self.line_style not in LINE_STYLES:
            raise ValueError(
                f"unknown line style {self.line_style!r}; use one of {LINE_STYLES}"
            )

    def with_(self, **changes: Any) -> Style:
        """A copy with some values changed (styles are immutable values)."""
        return replace(self, **changes)

    def color_for(self, value: object) -> str:
        """Colour of one category value (the plain colour when not categorical)."""
        if self.category_field is None:
            return self.color
        return self.categories.get(str(value), OTHER_CATEGORY_COLOR)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (saved in the project file)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Style:
        """Build from ``to_dict`` output, ignoring keys from newer versions."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


_DEFAULTS: dict[str, Any] = {f.name: f.default for f in fields(Style)}
