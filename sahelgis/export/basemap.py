"""The online basemap under an exported figure's map: ``contextily.add_basemap``.

Tiles come from the tile cache only (``sahelgis.io.tiles``), warped into the
figure's CRS; the provider's credit is in the figure's source line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sahelgis.model import crs

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from sahelgis.export.layout import PagePlan, Rect
    from sahelgis.model.project import Project


def draw_tile_underlay(
    ax: Axes,
    project: Project,
    plan: PagePlan,
    rect: Rect,
    page: tuple[float, float],
    dpi: int,
) -> bool:
    """Draw the project's online basemap with ``contextily.add_basemap``.

    The tiles are warped into the figure's CRS (the display CRS, metres) and
    come from the tile cache only: an export never makes a request (the
    requests contextily would make raise ``TileUnavailable`` instead,
    ``tiles.cache_only``). The best zoom for the panel's pixels is tried
    first, then coarser ones, until every tile needed is cached.

    Parameters
    ----------
    ax
        The panel's map axes (display CRS, metres), limits already set.
    project
        Its ``extra_state["basemap"]`` names the provider (None: no tiles).
    plan, rect, page, dpi
        The laid-out plan, the panel in inches, the page size (inches) and dots
        per inch: they give the panel's width in pixels.

    Returns
    -------
    bool
        True when a basemap was drawn; the attribution is in the plan's source line.
    """
    from sahelgis.io import tile_providers, tiles

    tile_provider = tile_providers.provider_from_state(
        project.extra_state.get("basemap")
    )
    if tile_provider is None or not tile_provider.disk_cache:
        return False
    cache = tiles.TileCache()
    if not cache.root.is_dir():
        return False
    ctx = cache.activate()
    width_px = min(rect.w * page[0] * dpi, 1600.0)  # enough for slides
    xmin, ymin, xmax, ymax = plan.extent
    mpp = (xmax - xmin) / max(width_px, 1.0)  # metres per pixel
    best = tiles.view_zoom(plan.extent, mpp, tile_provider)
    for zoom in range(best, max(best - 5, tile_provider.min_zoom - 1), -1):
        try:
            with tiles.cache_only():
                ctx.add_basemap(
                    ax,
                    zoom=zoom,
                    source=tile_provider.xyz,
                    headers=tiles.HEADERS,
                    crs=crs.DISPLAY_CRS.to_wkt(),
                    attribution=False,  # credited in the figure's source line
                    zorder=1,
                    interpolation="bilinear",
                )
        except tiles.TileUnavailable:
            continue  # a tile of this zoom is not cached: try a coarser one
        ax.set_xlim(xmin, xmax)
        ax.set_ylim(ymin, ymax)
        return True
    return False
