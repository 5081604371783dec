"""``sahelgis export``: re-export saved figures of a project without the GUI.

sahelgis export PROJECT -o OUT.png|.svg|.pdf|.pptx   the only (or --figure) figure
sahelgis export PROJECT --figure NAME -o OUT.gif     an animation of its window
sahelgis export PROJECT --all -o DECK.pptx|.pdf      every saved figure
sahelgis export PROJECT --list                       names, titles and counts
sahelgis export PROJECT --notes                      each figure's slide notes

``--figure`` takes the exact name, or the name with any case and any dash
(-, –, —), or a unique start of it ("report figure 1"). ``--list`` prints one
line per figure, tab separated: name, title, "n = N in <scope>, <window>"
(the count every format of the figure shows; "" for figures without events).
``--notes`` prints the slide notes a deck gets (source, filter, window, the
method and counts of compare and alerts layers), from the same function.

A project without saved figures exports its current view (visible layers, time
window and filter). ``-o`` never names the project itself nor any other SahelGIS
project (refused, exit code 2); files are written beside the target and replace
it only once whole (``sahelgis.io.atomic``). Errors are one line on stderr;
exit codes: 0 written, 1 error (file, figure, write), 2 usage.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sahelgis.model.figures import FigureSpec
    from sahelgis.model.project import Project

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2

FIGURE_SUFFIXES = (".png", ".svg", ".pdf")
DECK_SUFFIXES = (".pptx", ".pdf")
ANIMATION_SUFFIXES = (".gif", ".mp4")


def _fail(message: str, code: int = EXIT_ERROR) -> int:
    print(f"sahelgis export: {message}", file=sys.stderr)  # noqa: T201
    return code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sahelgis export",
        description="Export saved figures of a SahelGIS project.",
    )
    parser.add_argument("project", type=Path, help="project file (.gpkg)")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--figure", help="name of the saved figure to export")
    which.add_argument(
        "--all", action="store_true", help="every saved figure (.pptx or .pdf)"
    )
    which.add_argument(
        "--list", action="store_true", help="list the saved figures and exit"
    )
    which.add_argument(
        "--notes",
        action="store_true",
        help="print each saved figure's slide notes (method, counts) and exit",
    )
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        help="file to write: .png .svg .pdf .pptx, .gif/.mp4 (animation) or a "
        "folder for PNG frames (with --frames)",
    )
    parser.add_argument("--dpi", type=int, help="resolution (default: the figure's)")
    parser.add_argument(
        "--frames", action="store_true", help="write PNG frames into the -o folder"
    )
    parser.add_argument("--step", help="animation step: day week month quarter year")
    parser.add_argument("--fps", type=float, default=1.5, help="animation speed")
    return parser


def cmd_export(argv: list[str]) -> int:
    """Run ``sahelgis export``; returns the exit code."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse printed the usage line
        return int(exc.code or 0) and EXIT_USAGE
    if not (args.list or args.notes) and args.output is None:
        return _fail("give the file to write with -o OUT", EXIT_USAGE)
    if args.dpi is not None and not 10 <= args.dpi <= 1200:
        return _fail(f"--dpi {args.dpi} is out of range (10–1200)", EXIT_USAGE)

    from sahelgis.errors import SahelGISError
    from sahelgis.io.atomic import OutputRefused, check_writable, guard_output
    from sahelgis.io.project_file import load_project
    from sahelgis.model.figure_plan import count_line
    from sahelgis.model.figures import default_spec, find_figure, saved_figures

    try:
        if args.output is not None and not (args.list or args.notes):
            # before any work: never the project itself nor another project
            guard_output(args.output, [args.project])
            if not args.frames:
                check_writable(args.output)
    except OutputRefused as exc:
        return _fail(str(exc), EXIT_USAGE)
    except SahelGISError as exc:
        return _fail(str(exc))
    try:
        project = load_project(args.project)
        specs = saved_figures(project)
        if args.notes:
            from sahelgis.export.pptx import slide_notes

            for spec in specs or [default_spec(project)]:
                print(f"== {spec.name}\n{slide_notes(project, spec)}\n")  # noqa: T201
            return EXIT_OK
        if args.list:
            for spec in specs:
                print(f"{spec.name}\t{spec.title}\t{count_line(project, spec)}")  # noqa: T201
            if not specs:
                print("(no saved figures; the current view is exported)")  # noqa: T201
            return EXIT_OK
        out: Path = args.output
        suffix = out.suffix.lower()
        if args.all:
            if suffix not in DECK_SUFFIXES:
                return _fail(
                    f"{out.name}: --all writes a deck: use a .pptx or .pdf file",
                    EXIT_USAGE,
                )
            chosen = specs or [default_spec(project)]
        elif args.figure is not None:
            try:
                chosen = [find_figure(project, args.figure)]
            except KeyError as exc:
                return _fail(f"{args.project.name}: {exc.args[0]}")
        elif len(specs) > 1:
            names = ", ".join(s.name for s in specs)
            return _fail(
                f"{args.project.name} has {len(specs)} saved figures ({names}); "
                "pick one with --figure NAME or use --all",
                EXIT_USAGE,
            )
        else:
            chosen = specs or [default_spec(project)]
        written = _write(project, chosen, out, args)
    except SahelGISError as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"{exc.filename or args.output}: {exc.strerror or exc}")
    if written is None:
        return EXIT_USAGE
    from sahelgis.io.tile_consent import MemoryConsent, headless_report

    state = project.extra_state.get("basemap")
    problem, note = headless_report(
        state, args.project.name, MemoryConsent(), fetches=False
    )
    if problem:
        print(f"sahelgis export: warning: {problem}", file=sys.stderr)  # noqa: T201
    print(f"wrote {written}" + (f" ({note})" if note else ""))  # noqa: T201
    return EXIT_OK


def _write(
    project: Project, specs: list[FigureSpec], out: Path, args: argparse.Namespace
) -> Path | None:
    from sahelgis.export.animation import export_animation
    from sahelgis.export.pptx import write_deck
    from sahelgis.export.render import render_figure, render_pages

    suffix = out.suffix.lower()
    if args.frames or suffix in ANIMATION_SUFFIXES:
        if len(specs) != 1:
            _fail("animate one figure at a time (--figure NAME)")
            return None
        if args.frames and suffix:
            _fail(
                f"{out.name}: --frames writes PNG files into a folder; give a "
                "folder path without a suffix"
            )
            return None
        if args.frames:
            return export_animation(
                project, specs[0], out, step=args.step, fps=args.fps, dpi=args.dpi
            )
        from sahelgis.io.atomic import atomic_target

        with atomic_target(out) as tmp:
            export_animation(
                project, specs[0], tmp, step=args.step, fps=args.fps, dpi=args.dpi
            )
        return out
    if suffix == ".pptx" or suffix in FIGURE_SUFFIXES:
        from sahelgis.io.atomic import atomic_target

        # drawn beside the target, which is replaced only by a whole figure
        with atomic_target(out) as tmp:
            if suffix == ".pptx":
                write_deck(project, specs, tmp, dpi=args.dpi)
            elif suffix == ".pdf" and len(specs) > 1:
                render_pages(project, specs, tmp, dpi=args.dpi)
            else:
                render_figure(project, specs[0], tmp, dpi=args.dpi)
        return out
    _fail(
        f"{out.name}: unknown output type {suffix or '(no suffix)'}; use .png .svg "
        ".pdf .pptx .gif .mp4, or --frames with a folder"
    )
    return None


__all__ = ["cmd_export"]
