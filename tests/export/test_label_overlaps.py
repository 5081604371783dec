"""No label of a demo report figure overlaps another label or the furniture.

The boxes are the drawn artists' own extents (matplotlib's renderer), not the
placement's estimates: labels (by their gid, shield box included), the map
furniture drawn on the map (scale bar, north arrow, window label, SYNTHETIC
mark: zorder 290 and up, the faint watermark left out) and the legend, chart
and inset beside the map.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sahelgis.export.labels import LABEL_GID, artist_box
from sahelgis.model.label_placement import count_overlaps

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo_southern_mali.gpkg"


@pytest.fixture(scope="module")
def demo():
    from sahelgis.io.project_file import load_project

    return load_project(DEMO)


def figure_boxes(fig):
    """Label boxes and furniture boxes of every map of a figure, in inches
    from the page's lower left."""
    renderer = fig.canvas.get_renderer()
    info = fig.sahelgis
    labels, furniture = [], []
    for ax, rect in zip(info.map_axes, info.plan.layout.maps, strict=False):

        def page(box, rect=rect):
            return (box[0] + rect.x, box[1] + rect.y, box[2] + rect.x, box[3] + rect.y)

        for artist in ax.get_children():
            if artist.get_gid() == LABEL_GID:
                labels.append(page(artist_box(artist, ax, renderer)))
            elif artist.get_zorder() >= 290 and (artist.get_alpha() or 1) > 0.5:
                box = artist_box(artist, ax, renderer)
                if box is not None:
                    furniture.append(page(box))
    layout = info.plan.layout
    for r in (layout.legend, layout.chart, layout.inset):
        if r is not None:
            furniture.append((r.x, r.y, r.x + r.w, r.y + r.h))
    return labels, furniture


@pytest.mark.parametrize("index", range(4))
def test_report_figure_labels_do_not_overlap(demo, index):
    from sahelgis.export.render import figure_for, rc
    from sahelgis.model.figures import saved_figures

    specs = saved_figures(demo)
    assert len(specs) >= 4
    spec = specs[index]
    with rc():
        fig = figure_for(demo, spec)
        fig.canvas.draw()
        labels, furniture = figure_boxes(fig)
    if index < 3:  # the Mali maps carry place, road and cercle names
        assert len(labels) >= 10, spec.name
    assert count_overlaps(labels, furniture) == 0, spec.name
