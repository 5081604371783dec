"""The demo window's map: one label pass across all layers, no overlaps.

The boxes are those the label cache painted in its last pass (Qt font
metrics, device pixels) and the overlays they keep off (SYNTHETIC banner,
time label, scale bar), at a laptop's and a desktop's window size.
"""

from __future__ import annotations

import pytest

from sahelgis import paths
from sahelgis.io.project_file import load_project
from sahelgis.model.label_placement import count_overlaps
from sahelgis.ui.canvas.items import LabelsItem


def _box(rect):
    return (rect.left(), rect.top(), rect.right(), rect.bottom())


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)])
def test_demo_window_labels_do_not_overlap(make_main_window, size):
    window = make_main_window(load_project(paths.demo_project()), size=size)
    canvas = window.canvas
    window.grab()  # paints the label cache: one placement pass
    cache = canvas.label_cache
    labels = [_box(r) for r in cache.label_boxes]
    overlays = [_box(r) for r in cache.obstacle_boxes]
    assert len(labels) >= 15
    assert len(overlays) >= 2  # the SYNTHETIC banner, the time label, …
    assert count_overlaps(labels, overlays) == 0
    # every box inside the map
    view = canvas.viewport().rect()
    assert all(min(b[0], b[1]) >= 0 for b in labels)
    assert all(b[2] <= view.width() and b[3] <= view.height() for b in labels)
    # the capital city is named, the town under it is not printed over it
    placed = {
        item.texts[i]
        for item in cache.members
        if isinstance(item, LabelsItem)
        for i, _ in (item.placed or [])
    }
    assert "Bamako" in placed


def test_zooming_re_places_the_labels(make_main_window):
    window = make_main_window(load_project(paths.demo_project()), size=(1366, 768))
    canvas = window.canvas
    window.grab()
    before = len(canvas.label_cache.label_boxes)
    xmin, ymin, xmax, ymax = canvas.extent()
    cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
    canvas.set_extent((cx - 60_000, cy - 40_000, cx + 60_000, cy + 40_000))
    window.grab()
    after = [_box(r) for r in canvas.label_cache.label_boxes]
    assert after
    assert len(after) != before
    overlays = [_box(r) for r in canvas.label_cache.obstacle_boxes]
    assert count_overlaps(after, overlays) == 0
