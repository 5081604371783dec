"""Trend per place in the window: a real click on a result polygon (issue 21).

SYNTHETIC events over two lon/lat squares (EPSG:4326); the result layer is a
choropleth-like analysis layer of the squares. The shown series must equal a
brute-force count of the events inside the clicked square per month.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from pptx import Presentation
from PySide6.QtCore import QPoint, Qt
from shapely.geometry import Point, box
from test_main_window import widget_pixel

from sahelgis.model import crs
from sahelgis.model.events import EventTable, optimise_dtypes
from sahelgis.model.layer_factory import event_layer
from sahelgis.model.layers import VectorLayer
from sahelgis.ui.project_files import new_project

SQUARES = gpd.GeoDataFrame(
    {"name_fr": ["West", "East"]},
    geometry=[box(-8, 13, -7, 14), box(-7, 13, -6, 14)],
    crs="EPSG:4326",
)


def _project(tiny_frame):
    rng = np.random.default_rng(3)
    n = 240
    frame = pd.concat([tiny_frame.iloc[[0]]] * n, ignore_index=True)
    frame["longitude"] = rng.uniform(-8.2, -5.8, n)
    frame["latitude"] = rng.uniform(12.9, 14.1, n)
    frame["event_date"] = pd.Timestamp("2022-01-01") + pd.to_timedelta(
        np.sort(rng.integers(0, 730, n)), unit="D"
    )
    frame["event_id_cnty"] = [f"SYN{k}" for k in range(n)]
    frame["year"] = frame["event_date"].dt.year
    project = new_project()
    project.add_layer(event_layer(EventTable(optimise_dtypes(frame)), "synthetic.csv"))
    result = VectorLayer(
        name="Events per cercle (SYNTHETIC)",
        data=SQUARES,
        role="analysis",
        analysis={"kind": "counts"},
        synthetic=True,
    )
    project.add_layer(result)
    project.undo_stack.clear()
    project.mark_saved()
    return project, frame


def test_click_on_a_polygon_shows_its_series(
    make_main_window, tiny_frame, qtbot, tmp_path
):
    project, frame = _project(tiny_frame)
    window = make_main_window(project)
    canvas = window.canvas
    x0, y0 = crs.to_display().transform(-8.2, 12.8)
    x1, y1 = crs.to_display().transform(-5.8, 14.2)
    canvas.set_extent((x0, y0, x1, y1))
    px, py = widget_pixel(canvas, -6.5, 13.5)  # inside "East"
    with qtbot.waitSignal(window.trend_panel.sig_trend_changed, timeout=3000):
        qtbot.mouseClick(
            canvas.viewport(),
            Qt.MouseButton.LeftButton,
            pos=QPoint(round(px), round(py)),
        )
    trend = window.trend_panel.trend
    assert trend is not None
    assert trend.place.startswith("East")
    east = box(-7, 13, -6, 14)
    inside = [
        str(d)[:7]
        for d, x, y in zip(frame["event_date"], frame["longitude"], frame["latitude"],
                           strict=True)
        if east.contains(Point(x, y))
    ]  # fmt: skip
    for month, count in zip(trend.months, trend.counts, strict=True):
        assert count == inside.count(month)
    assert trend.total == len(inside)
    assert "East" in window.trend_panel.title.text()
    out = tmp_path / "trend.pptx"
    window.trend_panel.export(str(out))
    chart = next(s for s in Presentation(str(out)).slides[0].shapes if s.has_chart)
    values = list(chart.chart.plots[0].series[0].values)
    assert values == [int(c) for c in trend.counts]
    window.trend_dock.raise_()
    window.grab().save(str(tmp_path / "window.png"))


def test_click_on_a_buffer_ring_and_a_corridor_segment_agrees_with_their_counts(
    make_main_window, tiny_frame, qtbot
):
    """A ring's and a road segment's months add up to the count the buffer and
    corridor analyses give that ring and segment (one answer)."""
    from sahelgis.analysis.registry import get

    project, _ = _project(tiny_frame)
    window = make_main_window(project)
    canvas = window.canvas
    x0, y0 = crs.to_display().transform(-8.2, 12.8)
    x1, y1 = crs.to_display().transform(-5.8, 14.2)
    canvas.set_extent((x0, y0, x1, y1))
    context = window.analysis.context()
    rings = window.analysis.add(
        get("buffer").spec_from({"town": "Ségou", "radii": "25,50km"}, context)
    )
    assert rings is not None
    segou = rings[0].data
    inner = segou[segou["label"].str.endswith("0–25 km")].iloc[0]
    lon, lat = inner.geometry.centroid.x, inner.geometry.centroid.y
    px, py = widget_pixel(canvas, lon, lat)
    with qtbot.waitSignal(window.trend_panel.sig_trend_changed, timeout=3000):
        qtbot.mouseClick(
            canvas.viewport(),
            Qt.MouseButton.LeftButton,
            pos=QPoint(round(px), round(py)),
        )
    trend = window.trend_panel.trend
    assert "0–25 km" in trend.place
    assert trend.total == int(inner["count"]) > 0
    window.project.remove_layer(rings[0].id)
    road = window.analysis.add(
        get("corridor").spec_from(
            {"road": "RN6", "within": "10km", "segment": "25km"}, context
        )
    )
    assert road is not None
    segments = next(ly for ly in road if "segment" in ly.data.columns).data
    busiest = segments.sort_values("count").iloc[-1]
    mid = busiest.geometry.interpolate(0.5, normalized=True)
    px, py = widget_pixel(canvas, mid.x, mid.y)
    with qtbot.waitSignal(window.trend_panel.sig_trend_changed, timeout=3000):
        qtbot.mouseClick(
            canvas.viewport(),
            Qt.MouseButton.LeftButton,
            pos=QPoint(round(px), round(py)),
        )
    trend = window.trend_panel.trend
    assert str(busiest["label"]) in trend.place
    assert trend.total == int(busiest["count"]) > 0


def test_click_on_a_compare_segment_splits_its_a_and_b_counts(
    make_main_window, tiny_frame, qtbot
):
    """Compare per road segment: the clicked segment's months in A and in B add
    up to its count_a and count_b."""
    from sahelgis.analysis.registry import get

    project, _ = _project(tiny_frame)
    window = make_main_window(project)
    canvas = window.canvas
    x0, y0 = crs.to_display().transform(-8.2, 12.8)
    x1, y1 = crs.to_display().transform(-5.8, 14.2)
    canvas.set_extent((x0, y0, x1, y1))
    spec = get("compare").spec_from(
        {"areas": "segment", "road": "RN6", "a_from": "2022-01-01",
         "a_to": "2022-12-31", "b_from": "2023-01-01", "b_to": "2023-12-31"},
        window.analysis.context(),
    )  # fmt: skip
    layers = window.analysis.add(spec)
    assert layers is not None
    data = layers[0].data
    busiest = data.sort_values("count_b").iloc[-1]
    mid = busiest.geometry.interpolate(0.5, normalized=True)
    px, py = widget_pixel(canvas, mid.x, mid.y)
    with qtbot.waitSignal(window.trend_panel.sig_trend_changed, timeout=3000):
        qtbot.mouseClick(
            canvas.viewport(),
            Qt.MouseButton.LeftButton,
            pos=QPoint(round(px), round(py)),
        )
    trend = window.trend_panel.trend
    assert str(busiest["segment"]) in trend.place
    months = dict(zip(trend.months, trend.counts.tolist(), strict=True))
    a = sum(c for m, c in months.items() if m.startswith("2022"))
    b = sum(c for m, c in months.items() if m.startswith("2023"))
    assert (a, b) == (int(busiest["count_a"]), int(busiest["count_b"]))
    assert b > 0
