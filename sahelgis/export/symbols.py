"""How model styles become matplotlib marks in exported figures.

The pixel to point factor (style sizes are screen pixels at 96 dpi), marker and
dash tables, the map background and synthetic-mark colours, and the white halo
behind text on maps. Shared by the map panels, labels, legend and scale bar
modules.
"""

from __future__ import annotations

from typing import Any

PX_TO_PT = 0.75  # style sizes are screen pixels at 96 dpi
MARKERS = {"o": "o", "s": "s", "t": "^", "d": "D", "+": "P"}
LINE_STYLES: dict[str, Any] = {"solid": "-", "dash": (0, (4, 2)), "dot": (0, (1, 1.5))}
MAP_BACKGROUND = "#DCE6EE"
MARK_COLOR = "#B00020"


def halo() -> list[Any]:
    """Path effects drawing a white outline (2.5 pt) behind text on maps."""
    import matplotlib.patheffects as pe

    return [pe.withStroke(linewidth=2.5, foreground="white")]
