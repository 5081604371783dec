"""matplotlib renders: golden PNG, SVG/PDF structure and text, scale bar truth."""

from __future__ import annotations

import math
import os
import re
import shutil
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

import numpy as np
import pytest

from sahelgis.export import ExportError
from sahelgis.export.layout import plan_figure
from sahelgis.export.render import figure_for, render_figure, render_pages
from sahelgis.export.scale_bar import nice_length, north_direction
from sahelgis.model import crs
from sahelgis.model.figures import SYNTHETIC_MARK

BASELINE_DIR = Path(__file__).resolve().parent.parent / "baseline"
#: A pixel differs when a channel differs by more than this (0-255) ...
PX_THRESHOLD = 48
#: ... and the image fails when more than this fraction of pixels differ.
PX_FRACTION = 0.004


def assert_matches_baseline(actual_png: Path, name: str, out_dir: Path) -> None:
    """Compare with tests/baseline/<name>; SAHELGIS_AUDIT=1 approves the actual.

    On failure the actual image and a diff image are written to ``out_dir``.
    """
    from PIL import Image

    reference = BASELINE_DIR / name
    if os.environ.get("SAHELGIS_AUDIT") == "1":
        BASELINE_DIR.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(actual_png, reference)
        return
    if not reference.exists():
        pytest.fail(f"no baseline {reference}; run with SAHELGIS_AUDIT=1 to approve")
    got = np.asarray(Image.open(actual_png).convert("RGB"), dtype=np.int16)
    want = np.asarray(Image.open(reference).convert("RGB"), dtype=np.int16)
    keep = out_dir / f"actual_{name}"
    if got.shape != want.shape:
        shutil.copyfile(actual_png, keep)
        pytest.fail(f"size {got.shape} != baseline {want.shape}; actual: {keep}")
    diff = np.abs(got - want).max(axis=2)
    bad = int((diff > PX_THRESHOLD).sum())
    allowed = int(PX_FRACTION * diff.size)
    if bad > allowed:
        shutil.copyfile(actual_png, keep)
        image = np.where(diff > PX_THRESHOLD, 255, diff).astype(np.uint8)
        Image.fromarray(image).save(out_dir / f"diff_{name}")
        pytest.fail(
            f"{bad} pixels differ by more than {PX_THRESHOLD} (allowed {allowed}); "
            f"actual and diff in {out_dir}"
        )


def test_png_matches_golden_image(fig_project, small_spec, tmp_path):
    out = render_figure(fig_project, small_spec, tmp_path / "figure.png")
    from PIL import Image

    with Image.open(out) as image:
        assert image.size == small_spec.pixel_size()  # 533 x 300
        assert "Software" not in image.info
    assert_matches_baseline(out, "export_figure_16x9.png", tmp_path)


def test_same_spec_gives_same_png_bytes(fig_project, small_spec, tmp_path):
    a = render_figure(fig_project, small_spec, tmp_path / "a.png").read_bytes()
    b = render_figure(fig_project, small_spec, tmp_path / "b.png").read_bytes()
    assert a == b


def svg_texts(path: Path) -> str:
    root = ET.parse(path).getroot()
    return "\n".join(
        "".join(el.itertext())
        for el in root.iter()
        if el.tag.endswith("}text") or el.tag == "text"
    )


def test_svg_has_title_legend_source_and_raster_events(
    fig_project, small_spec, tmp_path
):
    out = render_figure(fig_project, small_spec, tmp_path / "figure.svg")
    text = svg_texts(out)
    plan = plan_figure(fig_project, small_spec)
    assert small_spec.title in text
    for entry in plan.legend:
        assert entry.label.split()[0] in text
    assert "Battles" in text
    assert "Source: SYNTHETIC" in text
    assert SYNTHETIC_MARK in text
    assert "Map: tests" in text
    root = ET.parse(out).getroot()
    assert root.get("width") == "959.976pt"
    assert root.get("height") == "540pt"
    images = [el for el in root.iter() if el.tag.endswith("}image")]
    assert images, "events must be rasterized inside the SVG"
    assert "<dc:date>" not in out.read_text(encoding="utf-8")


def pdf_text(data: bytes) -> str:
    """Text of a matplotlib PDF (Type 42 fonts): decode the text operators with
    the ToUnicode maps. A light reader, enough for our own files.
    """
    streams = []
    for raw in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            streams.append(zlib.decompress(raw))
        except zlib.error:
            continue
    codes: dict[int, str] = {}
    for s in streams:
        for a, _, dst in re.findall(
            rb"<([0-9a-fA-F]{4})>\s*<([0-9a-fA-F]{4})>\s*\[([^\]]*)\]", s
        ):
            targets = re.findall(rb"<([0-9a-fA-F]+)>", dst)
            for k, t in enumerate(targets):
                codes.setdefault(int(a, 16) + k, chr(int(t, 16)))
    out = []
    for s in streams:
        for block in re.findall(rb"BT(.*?)ET", s, re.S):
            raw = b"".join(_pdf_strings(block))
            out.append(
                "".join(
                    codes.get(int.from_bytes(raw[i : i + 2], "big"), "?")
                    for i in range(0, len(raw) - 1, 2)
                )
            )
    return "\n".join(out)


def _pdf_strings(block: bytes) -> list[bytes]:
    strings = []
    i = 0
    while i < len(block):
        if block[i : i + 1] != b"(":
            i += 1
            continue
        i += 1
        depth, buf = 1, bytearray()
        while i < len(block):
            c = block[i : i + 1]
            if c == b"\\":
                nxt = block[i + 1 : i + 2]
                if nxt.isdigit():
                    octal = re.match(rb"[0-7]{1,3}", block[i + 1 : i + 4]).group(0)
                    buf.append(int(octal, 8))
                    i += 1 + len(octal)
                    continue
                buf += {b"n": b"\n", b"r": b"\r", b"t": b"\t"}.get(nxt, nxt)
                i += 2
                continue
            if c == b"(":
                depth += 1
            elif c == b")":
                depth -= 1
                if depth == 0:
                    i += 1
                    break
            buf += c
            i += 1
        strings.append(bytes(buf))
    return strings


def test_pdf_is_vector_with_text_and_page_size(fig_project, small_spec, tmp_path):
    out = render_figure(fig_project, small_spec, tmp_path / "figure.pdf")
    data = out.read_bytes()
    assert data.startswith(b"%PDF")
    assert re.search(rb"/MediaBox \[ 0 0 959\.976 540 \]", data)
    assert b"/Subtype /Image" in data  # the rasterized events
    assert b"/CreationDate" not in data
    text = pdf_text(data)
    assert small_spec.title in text
    assert "Battles" in text
    assert "Source: SYNTHETIC" in text
    assert "SYNTHETIC DATA" in text


def test_pdf_pages_for_several_figures(fig_project, small_spec, tmp_path):
    out = render_pages(
        fig_project,
        [small_spec, small_spec.with_(name="b", size="4:3")],
        tmp_path / "deck.pdf",
    )
    data = out.read_bytes()
    assert len(re.findall(rb"/Type /Page\b", data)) == 2
    assert re.search(rb"/MediaBox \[ 0 0 720 540 \]", data)


def test_unknown_suffix_is_a_clear_error(fig_project, small_spec, tmp_path):
    with pytest.raises(ExportError, match=r"figure\.jpg: .*use \.png, \.svg, \.pdf"):
        render_figure(fig_project, small_spec, tmp_path / "figure.jpg")


def test_missing_logo_is_a_clear_error(fig_project, small_spec, tmp_path):
    spec = small_spec.with_(logo_path=str(tmp_path / "nope.png"))
    with pytest.raises(ExportError, match="logo file not found"):
        render_figure(fig_project, spec, tmp_path / "figure.png")


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0.9, 0.5), (1, 1), (3.7, 2), (7.2, 5), (49, 20), (50, 50), (149, 100)],
)
def test_nice_length_rounds_down_to_1_2_5(value, expected):
    assert nice_length(value) == pytest.approx(expected)


@pytest.mark.parametrize("units", ["km", "mi", "both"])
def test_scale_bar_matches_the_ground_scale(fig_project, small_spec, units):
    spec = small_spec.with_(scale_units=units)
    fig = figure_for(fig_project, spec)
    fig.canvas.draw()
    info = fig.sahelgis
    assert [b.unit for b in info.scale_bars] == (
        ["km", "mi"] if units == "both" else [units]
    )
    ax = info.map_axes[0]
    for bar in info.scale_bars:
        assert nice_length(bar.nominal) == pytest.approx(bar.nominal)
        # ground length of the drawn bar (geodesic between its ends) ...
        lon, lat = crs.to_lonlat().transform([bar.x0, bar.x1], [bar.y, bar.y])
        ground = crs.geodesic_distance_m(lon[0], lat[0], lon[1], lat[1])
        assert ground == pytest.approx(bar.ground_m, rel=0.01)
        # ... and its length in pixels against the map's scale at the bar
        (px0, _), (px1, _) = ax.transData.transform([(bar.x0, bar.y), (bar.x1, bar.y)])
        (q0, _), (q1, _) = ax.transData.transform(
            [(bar.x0, bar.y), (bar.x0 + 10_000.0, bar.y)]
        )
        lon, lat = crs.to_lonlat().transform([bar.x0, bar.x0 + 10_000.0], [bar.y] * 2)
        metres_per_px = crs.geodesic_distance_m(lon[0], lat[0], lon[1], lat[1]) / (
            q1 - q0
        )
        assert (px1 - px0) * metres_per_px == pytest.approx(bar.ground_m, rel=0.01)


def test_north_arrow_points_to_true_north(fig_project, small_spec):
    fig = figure_for(fig_project, small_spec)
    assert fig.sahelgis.north_angle_deg is not None
    assert abs(fig.sahelgis.north_angle_deg) < 5  # near the projection centre
    # 10.5° east of the centre meridians converge: north leans west by about
    # Δλ·sin φ (the azimuthal projections' meridian convergence)
    x, y = crs.to_display().transform(3.0, 13.5)
    ux, uy = north_direction(x, y)
    lean = math.degrees(math.asin(-ux))
    assert lean == pytest.approx(10.5 * math.sin(math.radians(13.5)), abs=0.3)
    assert uy > 0.99


def test_synthetic_mark_only_with_synthetic_layers(fig_project, small_spec, tmp_path):
    events = fig_project.event_layers()[0]
    others = [ly.id for ly in fig_project.layers if ly is not events]
    plain = small_spec.with_(layer_ids=others)
    text = svg_texts(render_figure(fig_project, plain, tmp_path / "plain.svg"))
    assert SYNTHETIC_MARK not in text
    assert "SYNTHETIC" not in text


def test_small_multiples_draw_one_axes_per_panel(fig_project, small_spec, tmp_path):
    spec = small_spec.with_(
        small_multiples={"by": "year", "periods": ["2019", "2020", "2021", "2022"]}
    )
    fig = figure_for(fig_project, spec)
    info = fig.sahelgis
    assert len(info.map_axes) == 4
    limits = {(ax.get_xlim(), ax.get_ylim()) for ax in info.map_axes}
    assert len(limits) == 1  # same extent everywhere
    assert len(info.scale_bars) == 1  # one shared scale bar
    texts = [t.get_text() for t in fig.texts]
    assert {"2019", "2020", "2021", "2022"} <= set(texts)
    assert texts.count("n = 3") == 4


def test_chart_and_legend_fit_in_the_side_column(fig_project, small_spec):
    fig = figure_for(fig_project, small_spec.with_(chart={"by": "year"}))
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    legend_axes = [ax for ax in fig.axes if ax.get_legend() is not None]
    assert len(legend_axes) == 1
    legend_box = legend_axes[0].get_legend().get_window_extent(renderer)
    chart_axes = [ax for ax in fig.axes if ax.get_title(loc="left")]
    assert chart_axes
    chart_box = chart_axes[0].get_tightbbox(renderer)
    assert legend_box.y0 >= chart_box.y1 - 1


def test_layer_opacity_keeps_a_fill_colour_own_alpha():
    from sahelgis.model.styles import rgba

    # a corridor's translucent fill stays translucent at full layer opacity
    assert rgba("#C1121F22", 1.0)[3] == pytest.approx(0x22 / 255)
    assert rgba("#000000", 0.5)[3] == pytest.approx(0.5)
    assert rgba("#FFFFFF80", 0.5)[3] == pytest.approx(0.5 * 0x80 / 255)
    with pytest.raises(ValueError, match="not #RRGGBB"):
        rgba("none")
