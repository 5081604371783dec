"""Past the points limit the map draws cells: same count, same colours, same place."""

import numpy as np
import pandas as pd
import pytest
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QWidget

from sahelgis.model.event_query import shown_rows
from sahelgis.model.events import EventTable, optimise_dtypes
from sahelgis.model.layer_factory import event_layer
from sahelgis.model.project import Project

TYPES = ["Battles", "Violence against civilians", "Explosions/Remote violence"]


def synthetic_layer(n: int = 6000, seed: int = 3):
    """SYNTHETIC events at 12 made-up spots around Bamako, 2021–2023."""
    rng = np.random.default_rng(seed)
    spots = np.column_stack(
        [rng.uniform(-9.0, -6.0, 12), rng.uniform(12.0, 14.5, 12)]
    )
    pick = rng.integers(0, 12, n)
    jitter = rng.random(n) < 0.4
    lon = spots[pick, 0] + np.where(jitter, rng.normal(0, 0.05, n), 0.0)
    lat = spots[pick, 1] + np.where(jitter, rng.normal(0, 0.05, n), 0.0)
    days = np.datetime64("2021-01-01") + rng.integers(0, 1000, n).astype(
        "timedelta64[D]"
    )
    frame = pd.DataFrame(
        {
            "event_id_cnty": [f"SYN{i}" for i in range(n)],
            "event_date": pd.to_datetime(days),
            "time_precision": rng.choice([1, 1, 1, 2, 3], n),
            "event_type": [TYPES[i] for i in pick % 3],
            "latitude": lat,
            "longitude": lon,
            "fatalities": rng.integers(0, 4, n),
            "source": "SYNTHETIC test events",
        }
    )
    table = EventTable(optimise_dtypes(frame), synthetic=True)
    return event_layer(table, "synthetic_cells.csv")


@pytest.fixture
def canvas(qtbot):
    from sahelgis.ui.canvas.map_canvas import MapCanvas

    layer = synthetic_layer()
    project = Project([layer])
    window = project.time_window
    window.set_step("month")
    window.set_mode("rolling")
    window.set_window("2021-06-01", "2022-05-31")
    canvas = MapCanvas(project)
    qtbot.addWidget(canvas)
    canvas.resize(800, 600)
    canvas.show()
    qtbot.waitExposed(canvas)
    canvas.zoom_full()
    return canvas


def _render(canvas) -> QImage:
    image = QImage(canvas.size(), QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    QWidget.render(canvas, image)
    return image


def _colour_share(image: QImage, colour: str) -> float:
    """Share of the image's pixels within 40 levels of ``colour``."""
    ptr = image.constBits()
    arr = np.frombuffer(ptr, np.uint8).reshape(image.height(), image.width(), 4)
    target = QColor(colour)
    bgr = np.array([target.blue(), target.green(), target.red()])
    close = np.abs(arr[:, :, :3].astype(int) - bgr).max(axis=2) < 40
    return float(close.mean())


def test_cells_show_the_same_count_colours_and_places(canvas, qtbot):
    layer = canvas.project.event_layers()[0]
    main = canvas._items[layer.id][0]
    points_count = canvas.shown_event_count()
    expected = len(
        shown_rows(layer, canvas.project.time_window, canvas.project.event_filter)
    )
    assert points_count == expected
    assert main.marks == expected
    before = _render(canvas)

    canvas.points_limit = 500
    canvas.redraw_layer(layer.id)
    main = canvas._items[layer.id][0]
    assert canvas.shown_event_count() == expected
    assert main.marks < expected / 2  # cells, not events
    after = _render(canvas)
    colours = main.colors
    for colour in colours[:3]:
        share_points = _colour_share(before, colour)
        share_cells = _colour_share(after, colour)
        assert share_points > 0
        assert share_cells == pytest.approx(share_points, rel=0.6)

    # stepping keeps the two paths' counts equal
    window = canvas.project.time_window
    for _ in range(5):
        window.step_forward()
        rows = shown_rows(layer, window, canvas.project.event_filter)
        assert canvas.shown_event_count() == len(rows)


def test_zooming_in_rebuilds_finer_cells(canvas, qtbot):
    layer = canvas.project.event_layers()[0]
    canvas.points_limit = 500
    canvas.redraw_layer(layer.id)
    marks = canvas._marks[layer.id]
    cell = marks._grids[0].grid.spec.cell
    xmin, ymin, xmax, ymax = canvas.extent()
    cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
    w, h = (xmax - xmin) / 4, (ymax - ymin) / 4
    canvas.set_extent((cx - w, cy - h, cx + w, cy + h))
    qtbot.waitUntil(lambda: marks._grids[0].grid.spec.cell < cell, timeout=3000)
    assert canvas.shown_event_count() == len(
        shown_rows(layer, canvas.project.time_window, canvas.project.event_filter)
    )


def test_trail_as_cells_counts_its_events(canvas):
    from sahelgis.model.event_query import trail_rows

    layer = canvas.project.event_layers()[0]
    window = canvas.project.time_window
    window.set_option("trail", 3)
    canvas.points_limit = 100
    canvas.redraw_layer(layer.id)
    trail = canvas._items[layer.id][1]
    expected = len(trail_rows(layer, window, canvas.project.event_filter))
    assert expected > 100
    assert trail.count == expected
    assert trail.marks < expected


def test_grid_is_built_in_the_background_while_the_window_is_small(canvas, qtbot):
    layer = canvas.project.event_layers()[0]
    window = canvas.project.time_window
    window.set_window("2021-06-01", "2021-06-30")
    canvas.points_limit = 500
    canvas.redraw_layer(layer.id)
    main = canvas._items[layer.id][0]
    assert canvas.shown_event_count() < 500
    assert main.marks == canvas.shown_event_count()  # points
    marks = canvas._marks[layer.id]
    qtbot.waitUntil(lambda: len(marks._grids) == 1, timeout=3000)
    grid = marks._grids[0].grid
    window.set_window("2021-06-01", "2022-05-31")
    assert canvas.shown_event_count() > 500
    assert main.marks < canvas.shown_event_count()  # cells, from that grid
    assert marks._grids[0].grid is grid
