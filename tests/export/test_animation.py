"""Animation frames, GIF and (optional) MP4."""

from __future__ import annotations

import numpy as np
import pytest

from sahelgis.export import ExportError
from sahelgis.export.animation import (
    animation_windows,
    export_animation,
    pad_to_multiple,
)


def test_windows_cumulative_and_rolling(fig_project, small_spec):
    spec = small_spec.with_(time_window=("2020-01-01", "2020-06-30"))
    cumulative = animation_windows(fig_project, spec, "quarter", "cumulative")
    assert [(str(a), str(b)) for a, b in cumulative] == [
        ("2020-01-01", "2020-03-31"),
        ("2020-01-01", "2020-06-30"),
    ]
    fig_project.time_window.set_option("length", 1)
    rolling = animation_windows(fig_project, spec, "quarter", "rolling")
    assert [(str(a), str(b)) for a, b in rolling] == [
        ("2020-01-01", "2020-03-31"),
        ("2020-04-01", "2020-06-30"),
    ]


def test_gif_has_one_frame_per_step_with_dates(fig_project, small_spec, tmp_path):
    from PIL import Image

    spec = small_spec.with_(time_window=("2019-01-01", "2021-12-31"))
    out = export_animation(
        fig_project, spec, tmp_path / "a.gif", step="year", dpi=20, fps=2
    )
    with Image.open(out) as image:
        assert image.n_frames == 3
        assert image.info["duration"] == 500
        assert image.info["loop"] == 0


def test_png_frames_in_a_folder(fig_project, small_spec, tmp_path):
    spec = small_spec.with_(time_window=("2019-01-01", "2020-12-31"))
    folder = export_animation(
        fig_project, spec, tmp_path / "frames", step="year", dpi=20
    )
    assert sorted(p.name for p in folder.iterdir()) == [
        "frame_0001.png",
        "frame_0002.png",
    ]


def test_bad_requests_are_clear_errors(fig_project, small_spec, tmp_path):
    with pytest.raises(ExportError, match=r"\.gif, \.mp4 or PNG frames"):
        export_animation(fig_project, small_spec, tmp_path / "a.avi")
    with pytest.raises(ExportError, match="too many"):
        export_animation(fig_project, small_spec, tmp_path / "a.gif", step="day")


def test_mp4_is_optional(fig_project, small_spec, tmp_path):
    try:
        import imageio_ffmpeg  # noqa: F401
    except ImportError:
        with pytest.raises(ExportError, match="optional packages imageio"):
            export_animation(fig_project, small_spec, tmp_path / "a.mp4")
        return
    spec = small_spec.with_(time_window=("2019-01-01", "2020-12-31"))
    out = export_animation(fig_project, spec, tmp_path / "a.mp4", step="year", dpi=20)
    assert out.stat().st_size > 1000


def test_pad_to_multiple_of_16():
    frame = np.zeros((300, 533, 3), dtype=np.uint8)
    padded = pad_to_multiple(frame)
    assert padded.shape == (304, 544, 3)
    assert padded[-1, -1, 0] == 255
