"""Figures draw the online basemap with contextily.add_basemap, from the tile
cache only, and credit it."""

import numpy as np
from PIL import Image

from sahelgis.export.layout import plan_figure
from sahelgis.export.render import render_figure
from sahelgis.io import tile_providers, tiles
from sahelgis.model.figures import FigureSpec
from tests.tile_servers import TileServer, png

RED = (200, 30, 30)


def reddish_share(path):
    pixels = np.asarray(Image.open(path).convert("RGB"))
    red = (pixels[..., 0] > 180) & (pixels[..., 1] < 80) & (pixels[..., 2] < 80)
    return red.mean()


def figure_zoom(plan, provider, width_px=400):
    extent = plan.extent
    return tiles.view_zoom(extent, (extent[2] - extent[0]) / width_px, provider)


def test_figure_draws_cached_tiles_and_credits_them(tmp_path, monkeypatch, fig_project):
    monkeypatch.setenv("SAHELGIS_TILE_CACHE", str(tmp_path / "tiles"))
    provider = tile_providers.provider("opentopomap")
    fig_project.extra_state["basemap"] = tile_providers.provider_state(provider)
    spec = FigureSpec(name="t", title="Tiles", dpi=40, inset=False, north_arrow=False)
    plan = plan_figure(fig_project, spec)
    assert provider.attribution in plan.source_line
    # nothing cached: no basemap, and no request to the provider's host
    render_figure(fig_project, spec, tmp_path / "none.png")
    assert reddish_share(tmp_path / "none.png") < 0.01
    cache = tiles.TileCache()
    z = figure_zoom(plan, provider) - 1  # a coarser zoom: the export falls back to it
    for _, x, y in tiles.tiles_for_extent(plan.extent, z):
        cache.put(provider, z, x, y, png(color=RED))
    out = render_figure(fig_project, spec, tmp_path / "f.png")
    assert reddish_share(out) > 0.05  # the tile colour shows through the land


def test_export_draws_what_the_canvas_fetched_from_a_tile_server(
    tmp_path, monkeypatch, fig_project
):
    monkeypatch.setenv("SAHELGIS_TILE_CACHE", str(tmp_path / "tiles"))
    server = TileServer(body=png(color=RED))
    try:
        provider = tile_providers.custom_provider(server.url, "Local test tiles")
        fig_project.extra_state["basemap"] = tile_providers.provider_state(provider)
        spec = FigureSpec(name="t", dpi=40, inset=False, north_arrow=False)
        plan = plan_figure(fig_project, spec)
        assert "Local test tiles" in plan.source_line
        cache = tiles.TileCache()
        z = figure_zoom(plan, provider)
        for _, x, y in tiles.tiles_for_extent(plan.extent, z):
            tiles.fetch_tile(provider, z, x, y, cache, (1.0, 1.0))
        fetched = len(server.requests)
        assert fetched > 0
        out = render_figure(fig_project, spec, tmp_path / "served.png")
        assert len(server.requests) == fetched  # the export made no request
        assert reddish_share(out) > 0.05
    finally:
        server.stop()
