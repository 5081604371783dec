"""Animations of the time window: PNG frames, GIF (Pillow) and MP4 (optional).

Frames are the figure rendered for successive windows (tech_notes §4): the
figure's window is cut at the time window's step (month, quarter, year...),
cumulative or rolling as the project's time window is set, and every frame
shows its dates. Every frame is drawn with one palette built from the
legend, chart and style colours (``animation_palette``): a colour of the
legend is the same in every frame (a per-frame adaptive palette gave
"Battles" another red in the first frames). GIF needs only Pillow. MP4
needs the optional packages ``imageio`` and ``imageio-ffmpeg``, whose bundled
ffmpeg is GPL: SahelGIS does not depend on them.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from sahelgis.export import ExportError
from sahelgis.export.layout import plan_figure
from sahelgis.export.render import figure_for, render_rgb
from sahelgis.export.symbols import MARK_COLOR
from sahelgis.model.styles import OTHER_CATEGORY_COLOR
from sahelgis.model.time_window import DAY, STEPS, add_steps, as_day, step_bins
from sahelgis.progress import NULL_PROGRESS, Progress

if TYPE_CHECKING:
    import numpy.typing as npt

    from sahelgis.export.layout import PagePlan
    from sahelgis.model.figures import FigureSpec
    from sahelgis.model.project import Project

ANIMATION_FORMATS: tuple[str, ...] = (".gif", ".mp4")
DEFAULT_FPS = 1.5
DEFAULT_DPI = 90
MAX_FRAMES = 400


def animation_windows(
    project: Project,
    spec: FigureSpec,
    step: str | None = None,
    mode: str | None = None,
) -> list[tuple[np.datetime64, np.datetime64]]:
    """The inclusive window of every frame.

    ``step`` defaults to the project's time-window step and ``mode``
    ("cumulative" or "rolling", ``length`` steps long) to its mode.
    """
    step = step or project.time_window.step
    if step not in STEPS:
        raise ExportError(f"unknown animation step {step!r}; use one of {STEPS}")
    mode = mode or project.time_window.mode
    window = spec.window_for(project)
    if window is None:
        span = project.event_span()
        if span is None:
            raise ExportError(
                "nothing to animate: the project has no events (import an ACLED "
                "export first)"
            )
        window = as_day(span[0]), as_day(span[1])
    start, end = window
    bins = step_bins(start, end, step)
    frames = []
    for _, stop in itertools.pairwise(bins):
        last = min(stop - DAY, end)
        if mode == "rolling":
            first = max(start, add_steps(stop, step, -project.time_window.length))
        else:
            first = start
        frames.append((first, last))
    return frames


def frame_plans(
    project: Project,
    spec: FigureSpec,
    *,
    step: str | None = None,
) -> list[PagePlan]:
    """The plan of every frame.

    Each frame holds the figure's counted events (one query over its window,
    filter and scope) whose assigned day falls in the frame's window; the
    frame's label on the map ends with its ``n``.
    """
    windows = animation_windows(project, spec, step)
    if len(windows) > MAX_FRAMES:
        raise ExportError(
            f"{len(windows)} frames at a {step or project.time_window.step} step "
            f"is too many (at most {MAX_FRAMES}); use a longer step"
        )
    single = spec.with_(small_multiples=None, show_window=True)
    plans = []
    for window in windows:
        plan = plan_figure(project, single, window=window)
        if plan.counted:
            plan.window_label = f"{plan.window_label} · n = {plan.event_count:,}"
        plans.append(plan)
    return plans


def render_frames(
    project: Project,
    spec: FigureSpec,
    *,
    step: str | None = None,
    dpi: int | None = None,
    plans: list[PagePlan] | None = None,
    progress: Progress = NULL_PROGRESS,
) -> list[npt.NDArray[np.uint8]]:
    """RGB frames (height × width × 3), one per window (``frame_plans``).

    ``plans`` are the frames' plans when the caller already has them.
    """
    if plans is None:
        plans = frame_plans(project, spec, step=step)
    frames = []
    for i, plan in enumerate(plans):
        progress.check()
        progress.set(i / len(plans), f"Frame {i + 1}/{len(plans)}")
        fig = figure_for(project, plan.spec, plan=plan)
        frames.append(render_rgb(fig, dpi or min(spec.dpi, DEFAULT_DPI)))
    return frames


def export_animation(
    project: Project,
    spec: FigureSpec,
    path: str | Path,
    *,
    step: str | None = None,
    fps: float = DEFAULT_FPS,
    dpi: int | None = None,
    progress: Progress = NULL_PROGRESS,
) -> Path:
    """Write the animation: ``.gif``, ``.mp4``, or PNG frames into a folder.

    A path without a suffix (or an existing folder) receives
    ``frame_0001.png`` …; returns the path written.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix and suffix not in ANIMATION_FORMATS:
        raise ExportError(
            f"{path.name}: animations are written as .gif, .mp4 or PNG frames in "
            "a folder (a path without a suffix)"
        )
    if fps <= 0:
        raise ExportError(f"frames per second must be positive, got {fps}")
    if suffix == ".mp4":
        _check_mp4()
    plans = frame_plans(project, spec, step=step)
    frames = render_frames(project, spec, dpi=dpi, plans=plans, progress=progress)
    progress.set(0.95, "Writing")
    palette = animation_palette(frames, plan_colors(project, plans))
    try:
        if suffix == ".gif":
            write_gif(frames, path, fps, palette=palette)
        elif suffix == ".mp4":
            write_mp4(frames, path, fps, palette=palette)
        else:
            write_png_frames(frames, path)
    except OSError as exc:
        raise ExportError(f"{path}: cannot write ({exc.strerror or exc})") from exc
    progress.set(1.0, "Animation written")
    return path


def write_png_frames(frames: list[npt.NDArray[np.uint8]], folder: Path) -> list[Path]:
    """Save frames as ``frame_0001.png`` … in ``folder``."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for i, frame in enumerate(frames, 1):
        target = folder / f"frame_{i:04d}.png"
        Image.fromarray(frame).save(target)
        written.append(target)
    return written


#: Colours every figure page uses besides its styles: white page and halo,
#: black, the text greys of the header, footer, labels and scale bar, the
#: SYNTHETIC mark.
PAGE_COLORS: tuple[str, ...] = (
    "#FFFFFF",
    "#000000",
    "#111111",
    "#202020",
    "#333333",
    "#444444",
    "#555555",
    MARK_COLOR,
)


def plan_colors(project: Project, plans: list[PagePlan]) -> list[str]:
    """The exact colours an animation must keep, first the legend's.

    Parameters
    ----------
    project
        The project (style colours of every category of the frames' event
        layers, also those absent from a frame's legend).
    plans
        The frames' plans: legend swatch colours and fills, chart colours.

    Returns
    -------
    list of str
        Distinct ``#RRGGBB`` colours: legend, chart, styles, then
        ``PAGE_COLORS``; translucent fills are left out (they are drawn
        blended with what lies below).
    """
    colors: list[str] = []
    for plan in plans:
        for entry in plan.legend:
            colors += [entry.color, entry.fill or ""]
        if plan.chart:
            colors += list(plan.chart.get("colors", {}).values())
        for layer in plan.layers:
            style = layer.style
            colors += [style.color, style.fill or "", style.label_color]
            colors += list(style.categories.values())
    colors += [*PAGE_COLORS, OTHER_CATEGORY_COLOR]
    out: dict[str, None] = {}
    for color in colors:
        text = str(color or "").strip().upper()
        if len(text) == 9 and text.endswith("FF"):
            text = text[:7]
        if len(text) == 7 and text.startswith("#"):
            try:
                int(text[1:], 16)
            except ValueError:
                continue
            out[text] = None
    return list(out)


def animation_palette(
    frames: list[npt.NDArray[np.uint8]], fixed: list[str]
) -> npt.NDArray[np.uint8]:
    """One palette of at most 256 colours for every frame of an animation.

    Parameters
    ----------
    frames
        RGB frames (height × width × 3).
    fixed
        ``#RRGGBB`` colours kept exactly (``plan_colors``); at most 192 are
        used.

    Returns
    -------
    numpy.ndarray
        ``(k, 3)`` uint8 RGB, the fixed colours first, then the colours of a
        median-cut quantisation (Pillow) of all frames together (a sample of
        every fourth pixel) for antialiasing, blends and underlays.
    """
    from PIL import Image

    keep = [tuple(int(c[i : i + 2], 16) for i in (1, 3, 5)) for c in fixed[:192]]
    room = 256 - len(keep)
    extra: list[tuple[int, ...]] = []
    if frames and room > 0:
        sample = np.concatenate([f[::4, ::4].reshape(-1, 3) for f in frames])
        strip = Image.fromarray(np.ascontiguousarray(sample[np.newaxis]))
        quant = strip.quantize(colors=room, method=Image.Quantize.MEDIANCUT)
        used = sorted({int(i) for i in np.unique(np.asarray(quant))})
        flat = quant.getpalette() or []
        extra = [tuple(flat[3 * i : 3 * i + 3]) for i in used]
    colors = list(dict.fromkeys(keep + extra))[:256]
    return np.asarray(colors, dtype=np.uint8).reshape(-1, 3)


def palette_indices(
    frame: npt.NDArray[np.uint8], palette: npt.NDArray[np.uint8]
) -> npt.NDArray[np.uint8]:
    """Each pixel's nearest palette entry (RGB distance, no dithering).

    A pixel of a palette colour gets exactly that entry. Pillow's
    ``quantize(palette=...)`` looks colours up in a 6-bit-per-channel cache,
    so an exact legend colour could go to a neighbouring entry; here each
    distinct colour of the frame is matched once.

    Parameters
    ----------
    frame
        RGB frame (height × width × 3).
    palette
        ``(k, 3)`` RGB palette, ``k`` ≤ 256.

    Returns
    -------
    numpy.ndarray
        uint8 indices, height × width.
    """
    packed = (
        frame[..., 0].astype(np.uint32) << 16
        | frame[..., 1].astype(np.uint32) << 8
        | frame[..., 2].astype(np.uint32)
    )
    values, inverse = np.unique(packed.ravel(), return_inverse=True)
    rgb = np.column_stack(
        [(values >> 16) & 255, (values >> 8) & 255, values & 255]
    ).astype(np.int32)
    pal = palette.astype(np.int32)
    nearest = np.empty(len(values), dtype=np.uint8)
    for start in range(0, len(values), 8192):
        part = rgb[start : start + 8192]
        d = ((part[:, None, :] - pal[None, :, :]) ** 2).sum(axis=2)
        nearest[start : start + 8192] = d.argmin(axis=1)
    return nearest[inverse].reshape(frame.shape[:2])


def apply_palette(
    frame: npt.NDArray[np.uint8], palette: npt.NDArray[np.uint8]
) -> npt.NDArray[np.uint8]:
    """The frame in palette colours (RGB), as the GIF shows it."""
    return palette[palette_indices(frame, palette)]


def write_gif(
    frames: list[npt.NDArray[np.uint8]],
    path: Path,
    fps: float,
    *,
    palette: npt.NDArray[np.uint8] | None = None,
) -> None:
    """An endlessly looping GIF (Pillow) with one palette for every frame.

    ``palette`` defaults to ``animation_palette(frames, list(PAGE_COLORS))``.
    """
    from PIL import Image

    if not frames:
        raise ExportError("no frame to write")
    if palette is None:
        palette = animation_palette(frames, list(PAGE_COLORS))
    flat = palette.ravel().tolist()
    images = []
    for frame in frames:
        image = Image.fromarray(palette_indices(frame, palette), mode="P")
        image.putpalette(flat)
        images.append(image)
    path.parent.mkdir(parents=True, exist_ok=True)
    images[0].save(
        path,
        save_all=True,
        append_images=images[1:],
        duration=round(1000 / fps),
        loop=0,
        optimize=False,
    )


def _check_mp4() -> None:
    try:
        import imageio.v2  # noqa: F401
        import imageio_ffmpeg  # noqa: F401
    except ImportError as exc:
        raise ExportError(
            "MP4 needs the optional packages imageio and imageio-ffmpeg "
            "(pip install 'sahelgis[video]'; its ffmpeg is GPL); GIF and PNG "
            "frames work without them"
        ) from exc


def pad_to_multiple(
    frame: npt.NDArray[np.uint8], block: int = 16
) -> npt.NDArray[np.uint8]:
    """Pad a frame with white to a multiple of ``block`` pixels (video codecs)."""
    h, w = frame.shape[:2]
    ph, pw = (-h) % block, (-w) % block
    if not ph and not pw:
        return frame
    return np.pad(frame, ((0, ph), (0, pw), (0, 0)), constant_values=255)


def write_mp4(
    frames: list[npt.NDArray[np.uint8]],
    path: Path,
    fps: float,
    *,
    palette: npt.NDArray[np.uint8] | None = None,
) -> None:
    """An H.264 MP4 via imageio-ffmpeg (optional dependency).

    With ``palette`` the frames are first put in its colours, like the GIF.
    """
    _check_mp4()
    if palette is not None:
        frames = [apply_palette(f, palette) for f in frames]
    import imageio.v2 as imageio

    path.parent.mkdir(parents=True, exist_ok=True)
    writer = imageio.get_writer(
        str(path), fps=fps, codec="libx264", quality=8, macro_block_size=16
    )
    try:
        for frame in frames:
            writer.append_data(pad_to_multiple(frame))
    finally:
        writer.close()


__all__ = [
    "ANIMATION_FORMATS",
    "PAGE_COLORS",
    "animation_palette",
    "animation_windows",
    "apply_palette",
    "export_animation",
    "frame_plans",
    "pad_to_multiple",
    "palette_indices",
    "plan_colors",
    "render_frames",
    "write_gif",
    "write_mp4",
    "write_png_frames",
]
