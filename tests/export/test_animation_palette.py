"""One palette for every animation frame: legend swatches keep their colours.

The demo project's report figures are animated year by year; the legend
swatches are found where the page drew them (``legend_swatch_points``) and
their pixels in the first, middle and last GIF frames are compared with the
style colours.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sahelgis.export.animation import (
    animation_palette,
    apply_palette,
    frame_plans,
    palette_indices,
    plan_colors,
    write_gif,
)
from sahelgis.export.legend import legend_swatch_points
from sahelgis.export.render import figure_for, render_rgb

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo_southern_mali.gpkg"
DPI = 60


def rgb(color: str) -> tuple[int, int, int]:
    return tuple(int(color[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


@pytest.fixture(scope="module")
def demo():
    from sahelgis.io.project_file import load_project

    return load_project(DEMO)


def _figure(project, prefix: str):
    from sahelgis.model.figures import saved_figures

    return next(s for s in saved_figures(project) if s.name.startswith(prefix))


def check_swatches(project, spec, tmp_path, dpi: int = DPI, layer_id=None) -> list:
    """Animate ``spec`` per year; assert its swatch colours in 3 GIF frames.

    Point swatches and opaque polygon fills are compared (of ``layer_id``
    only when given: small markers at a low resolution have no pixel of
    pure colour); returns the point entries of the first frame checked.
    """
    from PIL import Image

    plans = frame_plans(project, spec, step="year")
    assert len(plans) >= 3
    frames, swatches = [], []
    for plan in plans:
        fig = figure_for(project, plan.spec, plan=plan)
        frames.append(render_rgb(fig, dpi))
        swatches.append(legend_swatch_points(fig, plan))
    palette = animation_palette(frames, plan_colors(project, plans))
    out = tmp_path / "a.gif"
    write_gif(frames, out, 2.0, palette=palette)
    picked = sorted({0, len(plans) // 2, len(plans) - 1})
    checked = 0
    with Image.open(out) as gif:
        assert gif.n_frames == len(plans)
        for i in picked:
            gif.seek(i)
            shown = np.asarray(gif.convert("RGB"))
            assert shown.shape == frames[i].shape
            for entry, (row, col) in swatches[i]:
                if layer_id is not None and entry.layer_id != layer_id:
                    continue
                if entry.kind == "point":
                    want = entry.color
                elif entry.kind == "polygon" and entry.fill and len(entry.fill) == 7:
                    want = entry.fill
                else:  # thin or dashed lines and outlines are antialiased
                    continue
                got = tuple(int(v) for v in shown[row, col])
                assert got == rgb(want), (i, entry.label, got, want)
                checked += 1
    points = [
        e
        for e, _ in swatches[0]
        if e.kind == "point" and layer_id in (None, e.layer_id)
    ]
    assert checked >= len(picked) * len(points)
    return points


def test_swatches_keep_colours_in_first_middle_last_frame(
    fig_project, small_spec, tmp_path
):
    from sahelgis.model.layers import EventLayer
    from sahelgis.model.styles import Style

    events = next(x for x in fig_project.layers if isinstance(x, EventLayer))
    events.style = Style(
        color="#444444",
        size=10,
        category_field="event_type",
        categories={
            "Battles": "#D55E00",
            "Violence against civilians": "#E69F00",
            "Explosions/Remote violence": "#8B1A89",
        },
    )
    spec = small_spec.with_(time_window=("2019-01-01", "2021-12-31"))
    points = check_swatches(fig_project, spec, tmp_path, dpi=40, layer_id=events.id)
    assert {e.color for e in points} == {"#D55E00", "#E69F00", "#8B1A89"}


@pytest.mark.slow
@pytest.mark.parametrize("prefix", ["Report Figure 1", "Report Figure 2"])
def test_demo_legend_swatches_keep_style_colours(demo, prefix, tmp_path):
    demo.time_window.set_mode("cumulative")
    points = check_swatches(demo, _figure(demo, prefix), tmp_path, dpi=90)
    assert len(points) >= 3
    if prefix == "Report Figure 1":  # the colour: Battles #D55E00
        assert any(e.label.startswith("Battles") for e in points)


def test_palette_keeps_exact_colours_and_maps_the_rest_to_the_nearest():
    frame = np.zeros((2, 3, 3), dtype=np.uint8)
    frame[0, 0] = rgb("#D55E00")
    frame[0, 1] = (0xD4, 0x5F, 0x01)  # one level off
    frame[0, 2] = rgb("#C4242F")
    frame[1, :] = 255
    palette = animation_palette([frame], ["#D55E00", "#C4242F", "#FFFFFF"])
    assert [tuple(c) for c in palette[:3]] == [
        rgb("#D55E00"),
        rgb("#C4242F"),
        (255, 255, 255),
    ]
    index = palette_indices(frame, palette)
    assert index[0].tolist() == [0, 0, 1]
    assert (apply_palette(frame, palette)[1] == 255).all()
    assert len(palette) <= 256
