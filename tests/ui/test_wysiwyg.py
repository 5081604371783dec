"""The exported figure paints layers as the map does: a translucent buffer
fill lets what lies under it show through on the slide as on the canvas.

Both renders are sampled at the same ground points: inside the buffer, the
colour must be the buffer's fill blended over what each renderer shows just
outside it (the colour alpha times the layer opacity, ``styles.rgba``), within
a few levels; an opaque fill (the old figure bug) fails by more than 100.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from PySide6.QtCore import QPointF

from sahelgis.export.render import figure_for
from sahelgis.model import crs
from sahelgis.model.figures import FigureSpec
from sahelgis.model.layers import VectorLayer
from sahelgis.model.project import Project
from sahelgis.model.styles import Style, rgba

CENTRE = (-7.28571, 15.16846)  # Nara
BOX = (-8.3, 14.4, -6.3, 15.9)
FILL = "#1F77B459"  # a buffer's fill: 35 % alpha


def _buffer_project(opacity: float) -> Project:
    centre = shapely.Point(crs.to_display().transform(*CENTRE))
    disc = gpd.GeoSeries([centre.buffer(50_000)], crs=crs.DISPLAY_CRS).to_crs(4326)
    layer = VectorLayer(
        name="Nara — 50 km",
        data=gpd.GeoDataFrame({"name": ["Nara"]}, geometry=disc, crs=4326),
        style=Style(color="#1F77B4", fill=FILL, line_width=1.5),
    )
    layer.opacity = opacity
    project = Project()
    project.add_layer(layer)
    return project


def _canvas_colour(window, lon, lat):
    canvas = window.canvas
    x, y = crs.to_display().transform(lon, lat)
    point = canvas.mapFromScene(canvas.view_box.mapViewToScene(QPointF(x, y)))
    image = canvas.grab().toImage()
    ratio = image.devicePixelRatio()
    c = image.pixelColor(round(point.x() * ratio), round(point.y() * ratio))
    return np.array([c.red(), c.green(), c.blue()], dtype=float)


def _figure_colour(fig, lon, lat):
    fig.canvas.draw()
    rgba_img = np.asarray(fig.canvas.buffer_rgba())
    ax = fig.axes[0]
    x, y = crs.to_display().transform(lon, lat)
    px, py = ax.transData.transform((x, y))
    row = rgba_img.shape[0] - round(py)
    return rgba_img[row, round(px), :3].astype(float)


def _expected(under, opacity):
    r, g, b, a = rgba(FILL, opacity)
    return a * np.array([r, g, b]) * 255 + (1 - a) * under


@pytest.mark.parametrize("opacity", [1.0, 0.5])
def test_a_translucent_buffer_looks_the_same_on_the_map_and_the_slide(
    make_main_window, qtbot, opacity
):
    project = _buffer_project(opacity)
    inside = (CENTRE[0] + 0.12, CENTRE[1] + 0.1)  # off the outline
    outside = (CENTRE[0] + 0.75, CENTRE[1] + 0.45)  # beyond 50 km
    window = make_main_window(project, size=(900, 700))
    window.canvas.set_extent(crs.lonlat_box_to_display(BOX))
    qtbot.waitUntil(lambda: window.canvas.isVisible())
    map_in = _canvas_colour(window, *inside)
    map_out = _canvas_colour(window, *outside)
    spec = FigureSpec(
        extent=BOX,
        layer_ids=[project.layers[0].id],
        inset=False,
        north_arrow=False,
        dpi=72,
    )
    fig = figure_for(project, spec, with_title=False, with_source=False)
    fig_in = _figure_colour(fig, *inside)
    fig_out = _figure_colour(fig, *outside)
    # each renderer blends the fill over its own background the same way
    assert np.abs(map_in - _expected(map_out, opacity)).max() <= 6, (map_in, map_out)
    assert np.abs(fig_in - _expected(fig_out, opacity)).max() <= 6, (fig_in, fig_out)
    # and the two agree where their backgrounds agree
    assert np.abs((map_in - map_out) - (fig_in - fig_out)).max() <= 8
