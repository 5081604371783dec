"""Figures draw the online basemap from cached tiles and credit it."""

from io import BytesIO

import numpy as np
from PIL import Image

from sahelgis.export.layout import plan_figure
from sahelgis.export.render import render_figure
from sahelgis.io import tiles
from sahelgis.model import crs
from sahelgis.model.figures import FigureSpec


def solid_png(rgb):
    buffer = BytesIO()
    Image.new("RGB", (256, 256), rgb).save(buffer, format="PNG")
    return buffer.getvalue()


def fill_cache(cache, provider, extent, width):
    z = tiles.view_zoom(extent, (extent[2] - extent[0]) / width, provider)
    for _, x, y in tiles.tiles_for_extent(extent, z):
        cache.put(provider.key, z, x, y, solid_png((200, 30, 30)))


def test_mosaic_covers_the_extent_from_cache_only(tmp_path):
    provider = tiles.provider("opentopomap")
    cache = tiles.TileCache(tmp_path / "tiles")
    extent = crs.lonlat_box_to_display((-8.5, 12.2, -7.5, 13.2))
    assert tiles.mosaic_for_extent(provider, extent, 80, 60, cache) is None
    fill_cache(cache, provider, extent, 80)
    image = tiles.mosaic_for_extent(provider, extent, 80, 60, cache)
    assert image.shape == (60, 80, 4)
    assert (image[..., 0] == 200).all()
    assert (image[..., 3] == 255).all()


def test_figure_draws_tiles_and_credits_them(tmp_path, monkeypatch, fig_project):
    monkeypatch.setenv("SAHELGIS_TILE_CACHE", str(tmp_path / "tiles"))
    provider = tiles.provider("opentopomap")
    fig_project.extra_state["basemap"] = tiles.provider_state(provider)
    spec = FigureSpec(name="t", title="Tiles", dpi=40, inset=False, north_arrow=False)
    plan = plan_figure(fig_project, spec)
    assert provider.attribution in plan.source_line
    fill_cache(tiles.TileCache(), provider, plan.extent, 400)
    out = render_figure(fig_project, spec, tmp_path / "f.png")
    pixels = np.asarray(Image.open(out).convert("RGB"))
    reddish = (pixels[..., 0] > 180) & (pixels[..., 1] < 80) & (pixels[..., 2] < 80)
    assert reddish.mean() > 0.05  # the tile colour shows through the land
