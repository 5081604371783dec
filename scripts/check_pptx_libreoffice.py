"""Check a project's slide deck as LibreOffice renders it: native charts.

    python scripts/check_pptx_libreoffice.py [PROJECT] [-o DIR]

Writes the deck of every saved figure of PROJECT (default: the bundled demo
project), and for every slide with a chart:

1. reads the native chart back from the PPTX (python-pptx) and compares its
   categories and series with the figure plan's own chart counts
   (``plan_figure(...).chart``, the one query the figure draws);
2. converts the deck with ``soffice --headless --convert-to pdf``, renders the
   slide with ``pdftoppm`` and measures the columns inside the chart's box:
   every series colour (exact RGB) must stand as tall as its count (within
   ``TOLERANCE_PX``, one scale for all columns), bars in the category order;
3. reads the chart box's text with ``pdftotext`` and finds every category
   label and every column total.

Prints one line per chart and exits 1 on any mismatch, 2 when soffice,
pdftoppm or pdftotext is missing. Needs the apt packages libreoffice-impress
and poppler-utils (``scripts/setup.sh --test`` installs them). The rendered
pages are kept in DIR (default: a temporary folder).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

TOLERANCE_PX = 3
DPI = 100
TOOLS = ("soffice", "pdftoppm", "pdftotext")
EMU_PER_IN = 914400


@dataclass
class SlideChart:
    """A native chart read back from a deck."""

    slide: int  # 1-based page of the PDF
    box: tuple[float, float, float, float]  # left, top, width, height, inches
    categories: list[str]
    series: dict[str, list[int]]  # stacked columns, in order
    colors: dict[str, tuple[int, int, int]]
    totals: list[int]


def missing_tools() -> list[str]:
    """The command-line tools of the check that are not on PATH."""
    return [tool for tool in TOOLS if shutil.which(tool) is None]


def slide_charts(deck: Path) -> list[SlideChart]:
    """Every native chart of a deck, with its data and fills (python-pptx)."""
    from pptx import Presentation

    from sahelgis.export.pptx_chart import TOTAL_SERIES

    out = []
    prs = Presentation(str(deck))
    for number, slide in enumerate(prs.slides, 1):
        for shape in slide.shapes:
            if not shape.has_chart:
                continue
            chart = shape.chart
            bars = chart.plots[0]
            series = {s.name: [int(v) for v in s.values] for s in bars.series}
            colors = {
                s.name: tuple(bytes.fromhex(str(s.format.fill.fore_color.rgb)))
                for s in bars.series
            }
            totals = [
                [int(v) for v in s.values]
                for plot in chart.plots[1:]
                for s in plot.series
                if s.name == TOTAL_SERIES
            ]
            out.append(
                SlideChart(
                    slide=number,
                    box=tuple(  # type: ignore[arg-type]
                        v / EMU_PER_IN
                        for v in (shape.left, shape.top, shape.width, shape.height)
                    ),
                    categories=[str(c) for c in bars.categories],
                    series=series,
                    colors=colors,  # type: ignore[arg-type]
                    totals=totals[0] if totals else [],
                )
            )
    return out


def convert_to_pdf(deck: Path, folder: Path, timeout: float = 180) -> Path:
    """The deck as PDF, converted by LibreOffice (own profile, headless)."""
    profile = folder / "lo_profile"
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile.resolve().as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            str(deck),
        ],
        check=True,
        capture_output=True,
        timeout=timeout,
    )
    pdf = folder / (deck.stem + ".pdf")
    if not pdf.is_file():
        raise RuntimeError(f"{deck.name}: LibreOffice wrote no PDF")
    return pdf


def render_page(pdf: Path, page: int, prefix: Path, dpi: int = DPI) -> Path:
    """One page of the PDF as PNG (pdftoppm)."""
    subprocess.run(
        [
            *("pdftoppm", "-f", str(page), "-l", str(page), "-r", str(dpi)),
            *("-png", "-singlefile", str(pdf), str(prefix)),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return prefix.with_suffix(".png")


def box_text(pdf: Path, chart: SlideChart, dpi: int = DPI) -> list[str]:
    """The words LibreOffice wrote inside the chart's box (pdftotext)."""
    x, y, w, h = (round(v * dpi) for v in chart.box)
    done = subprocess.run(
        [
            *("pdftotext", "-f", str(chart.slide), "-l", str(chart.slide)),
            *("-r", str(dpi), "-x", str(x), "-y", str(y), "-W", str(w), "-H", str(h)),
            *(str(pdf), "-"),
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.stdout.split()


def column_heights(
    image: np.ndarray, chart: SlideChart, dpi: int = DPI
) -> list[dict[str, int]]:
    """Pixel height of every series in every drawn column, left to right."""
    x, y, w, h = (round(v * dpi) for v in chart.box)
    crop = image[y : y + h, x : x + w]
    masks = {
        name: (crop == np.asarray(rgb, dtype=crop.dtype)).all(axis=2)
        for name, rgb in chart.colors.items()
    }
    anywhere = np.logical_or.reduce(list(masks.values()))
    cols = np.flatnonzero(anywhere.sum(axis=0) > 0)
    if not len(cols):
        return []
    runs = np.split(cols, np.flatnonzero(np.diff(cols) > 1) + 1)
    heights = []
    for run in runs:
        if len(run) < 3:  # an antialiased sliver, not a column
            continue
        centre = int(run[len(run) // 2])
        heights.append({name: int(m[:, centre].sum()) for name, m in masks.items()})
    return heights


def check_render(image: np.ndarray, words: list[str], chart: SlideChart) -> list[str]:
    """Problems of one rendered chart against its own data (empty when fine)."""
    problems = []
    label = f"slide {chart.slide}"
    drawn = column_heights(image, chart)
    totals = chart.totals or [sum(c) for c in zip(*chart.series.values(), strict=True)]
    wanted = [i for i, t in enumerate(totals) if t > 0]
    if len(drawn) != len(wanted):
        return [f"{label}: {len(drawn)} columns drawn, {len(wanted)} expected"]
    scale = sum(sum(d.values()) for d in drawn) / max(sum(totals), 1)
    for column, i in zip(drawn, wanted, strict=True):
        for name, counts in chart.series.items():
            expect = counts[i] * scale
            if abs(column[name] - expect) > TOLERANCE_PX:
                problems.append(
                    f"{label}: {chart.categories[i]} {name!r} is {column[name]} px "
                    f"high, {expect:.1f} px expected for {counts[i]} events"
                )
    for text in [*chart.categories, *(str(t) for t in chart.totals)]:
        if text not in words:
            problems.append(f"{label}: {text!r} is not written in the chart")
    return problems


def check_plan_counts(chart: SlideChart, plan_chart: dict) -> list[str]:
    """The slide chart must hold the figure plan's counts, as they are."""
    from sahelgis.export.pptx_chart import TOTAL_SERIES, chart_table

    periods, table = chart_table(plan_chart)
    totals = table.pop(TOTAL_SERIES)
    problems = []
    if chart.categories != periods:
        problems.append(f"slide {chart.slide}: categories {chart.categories} != plan")
    if chart.series != table:
        problems.append(f"slide {chart.slide}: series {chart.series} != plan {table}")
    if chart.totals != totals:
        problems.append(f"slide {chart.slide}: totals {chart.totals} != {totals}")
    return problems


def check_deck(deck: Path, folder: Path, plan_charts: dict[int, dict]) -> list[str]:
    """Check every chart of a written deck; ``plan_charts`` by slide number."""
    charts = slide_charts(deck)
    problems = []
    if set(plan_charts) != {c.slide for c in charts}:
        problems.append(
            f"charts on slides {sorted(c.slide for c in charts)}, figures with a "
            f"chart: {sorted(plan_charts)}"
        )
    pdf = convert_to_pdf(deck, folder)
    from PIL import Image

    for chart in charts:
        if chart.slide in plan_charts:
            problems += check_plan_counts(chart, plan_charts[chart.slide])
        png = render_page(pdf, chart.slide, folder / f"slide_{chart.slide}")
        image = np.asarray(Image.open(png).convert("RGB"))
        problems += check_render(image, box_text(pdf, chart), chart)
        print(  # noqa: T201
            f"slide {chart.slide}: {len(chart.categories)} categories, "
            f"{len(chart.series)} series, totals {chart.totals} -> {png}"
        )
    return problems


def check_project(project_path: Path, folder: Path) -> list[str]:
    """Write the deck of every saved figure and check its charts."""
    from sahelgis.export.layout import plan_figure
    from sahelgis.export.pptx import write_deck
    from sahelgis.io.project_file import load_project
    from sahelgis.model.figures import saved_figures

    project = load_project(project_path)
    specs = saved_figures(project)
    deck = write_deck(project, specs, folder / "deck.pptx", dpi=100)
    plan_charts = {}
    for number, spec in enumerate(specs, 1):
        chart = plan_figure(project, spec).chart
        if spec.chart and chart and chart.get("periods"):
            plan_charts[number] = chart
    return check_deck(deck, folder, plan_charts)


def main(argv: list[str] | None = None) -> int:
    """Run the check; 0 when every chart matches."""
    from sahelgis import paths

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("project", nargs="?", type=Path, default=None)
    parser.add_argument("-o", "--output", type=Path, default=None)
    args = parser.parse_args(argv)
    if missing := missing_tools():
        print(  # noqa: T201
            f"cannot check: {', '.join(missing)} not found (apt-get install "
            "libreoffice-impress poppler-utils)",
            file=sys.stderr,
        )
        return 2
    project = args.project or paths.demo_project()
    if args.output is None:
        with tempfile.TemporaryDirectory() as tmp:
            problems = check_project(project, Path(tmp))
    else:
        args.output.mkdir(parents=True, exist_ok=True)
        problems = check_project(project, args.output)
    for problem in problems:
        print(problem)  # noqa: T201
    print("ok" if not problems else f"{len(problems)} problem(s)")  # noqa: T201
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
