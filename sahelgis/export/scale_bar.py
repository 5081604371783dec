"""Scale bar and north arrow of exported maps.

Round bar lengths that are true on the ground where the bar is drawn (geodesic,
in km and/or miles) and the arrow to true north in the display CRS (azimuthal
equidistant, so north turns away from the centre).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sahelgis.export.symbols import halo
from sahelgis.model import crs

if TYPE_CHECKING:
    from matplotlib.axes import Axes


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
    """A round bar length near ``fraction`` of the map width.

    The length is in ``unit`` (and in display-CRS metres), true on the ground
    where the bar is drawn.
    """
    unit_m = 1000.0 if unit == "km" else MILE_M
    width = extent[2] - extent[0]
    k = ground_per_map_metre(x, y, width * fraction)
    nominal = nice_length(width * fraction * k / unit_m)
    length = nominal * unit_m / k
    # second pass: the factor over the bar's exact length
    k = ground_per_map_metre(x, y, length)
    return nominal, nominal * unit_m / k


def draw_scale_bars(
    ax: Axes, extent: tuple[float, ...], units: str, scale: float, width_in: float
) -> list[ScaleBarInfo]:
    """Draw scale bars in the lower left corner of a map.

    Parameters
    ----------
    ax
        The map axes (display CRS, metres, equal aspect).
    extent
        The map's ``(xmin, ymin, xmax, ymax)`` in display-CRS metres.
    units
        ``"km"``, ``"mi"``, ``"both"`` (one bar each) or ``"none"``.
    scale
        Text size factor of the page.
    width_in
        Width of the map on the page in inches.

    Returns
    -------
    list of ScaleBarInfo
        The bars drawn, bottom first (empty for ``"none"``).
    """
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


def draw_north_arrow(ax: Axes, extent: tuple[float, ...], scale: float) -> float:
    """Draw an arrow to true north in the lower right corner of a map.

    Parameters
    ----------
    ax
        The map axes (display CRS, metres).
    extent
        The map's ``(xmin, ymin, xmax, ymax)`` in display-CRS metres.
    scale
        Text size factor of the page.

    Returns
    -------
    float
        The arrow's angle in degrees, clockwise from the map's up.
    """
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
        path_effects=halo(),
    )
    return math.degrees(math.atan2(ux, uy))
