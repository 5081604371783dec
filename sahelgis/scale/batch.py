"""``sahelgis batch``: run a recipe over a dataset and write its tables and layers.

sahelgis batch RECIPE.toml -o OUTDIR [--dataset STORE|EXPORT.csv|PROJECT.gpkg]
    [--engine local|dask] [--scheduler ADDRESS] [--workers N]
sahelgis recipe PROJECT.gpkg -o RECIPE.toml     (a project's analyses as a recipe)

OUTDIR gets, per analysis ``ID``: ``ID.<table>.csv`` (tidy counts) and
``ID.gpkg`` (its layers), plus ``summary.json`` (the recipe, engine, scope, what
was read and skipped, times, memory) and ``summary.txt``. OUTDIR is replaced
only when the whole run has succeeded: a failed or cancelled run leaves the
previous results as they were.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sahelgis.errors import SahelGISError

if TYPE_CHECKING:
    from sahelgis.scale.engines import RunInfo
    from sahelgis.scale.recipe import Recipe
    from sahelgis.scale.tasks import Output

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_CANCELLED = 130


class TextProgress:
    """Progress on stderr, one line per step (Ctrl-C cancels)."""

    def __init__(self, stream: Any = None, every: float = 0.5) -> None:
        self.stream = stream or sys.stderr
        self.every = every
        self._last = 0.0
        self._text = ""

    def set(self, fraction: float, text: str = "") -> None:
        now = time.monotonic()
        if text != self._text and (now - self._last >= self.every or fraction >= 1.0):
            self.stream.write(f"[{100 * fraction:5.1f}%] {text}\n")
            self.stream.flush()
            self._last, self._text = now, text

    def cancelled(self) -> bool:
        return False

    def check(self) -> None:
        return None


def _fail(message: str) -> int:
    sys.stderr.write(f"sahelgis: {message}\n")
    return EXIT_ERROR


def cmd_batch(argv: Sequence[str]) -> int:
    """Entry point of ``sahelgis batch``."""
    parser = argparse.ArgumentParser(
        prog="sahelgis batch",
        description="Run a recipe of analyses over an event dataset.",
    )
    parser.add_argument("recipe", type=Path, help="recipe TOML file")
    parser.add_argument("-o", "--output", type=Path, required=True, help="folder")
    parser.add_argument(
        "--dataset",
        type=Path,
        help="event store folder, ACLED export or project (default: the recipe's)",
    )
    parser.add_argument("--engine", choices=("local", "dask"), default="local")
    parser.add_argument(
        "--scheduler", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=2,
        help="worker processes of the local Dask cluster (without --scheduler)",
    )
    args = parser.parse_args(list(argv))
    if args.scheduler and args.engine != "dask":
        parser.error("--scheduler needs --engine dask")
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    try:
        return _batch(args)
    except KeyboardInterrupt:
        sys.stderr.write("sahelgis: cancelled; the output folder was not changed\n")
        return EXIT_CANCELLED
    except SahelGISError as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"{exc.filename or ''}: {exc.strerror or exc}")


def _batch(args: argparse.Namespace) -> int:
    from sahelgis.scale.engines import run_dask, run_local
    from sahelgis.scale.recipe import load_recipe
    from sahelgis.scale.store import EventStore

    recipe = load_recipe(args.recipe)
    dataset = args.dataset or recipe.dataset
    if dataset is None:
        raise SahelGISError(
            f"{args.recipe}: no dataset; give --dataset STORE or set "
            'dataset = "FOLDER" in the recipe'
        )
    progress = TextProgress()
    if EventStore.is_store(dataset):
        store = EventStore.open(dataset)
        if args.engine == "dask":
            outputs, info = run_dask(
                recipe,
                store,
                scheduler=args.scheduler,
                workers=args.workers,
                progress=progress,
            )
        else:
            outputs, info = run_local(recipe, store, progress)
        synthetic = store.synthetic
    else:
        if args.engine == "dask":
            raise SahelGISError(
                f"{dataset}: the dask engine reads a partitioned event store; "
                f"make one with `sahelgis import {dataset} --store FOLDER`"
            )
        from sahelgis.analysis_cli import CliError, load_inputs

        try:
            events = load_inputs(Path(dataset)).events
        except CliError as exc:
            raise SahelGISError(str(exc)) from None
        outputs, info = run_local(recipe, events, progress)
        synthetic = events.synthetic
    written = write_outputs(args.output, recipe, outputs, info, synthetic)
    sys.stdout.write(summary_text(recipe, outputs, info, synthetic))
    sys.stdout.write(f"wrote {len(written)} files to {args.output}\n")
    return EXIT_OK


def summary_text(
    recipe: Recipe, outputs: Sequence[Output], info: RunInfo, synthetic: bool
) -> str:
    """The run summary printed at the end and kept as summary.txt."""
    lines = [
        f"recipe {recipe.name!r}: {len(outputs)} analyses, engine {info.engine}"
        + (
            f" ({info.workers} workers at {info.scheduler})"
            if info.engine == "dask"
            else ""
        ),
        f"scope: {recipe.read_scope().describe()}",
    ]
    if synthetic:
        lines.append("data: SYNTHETIC events (not ACLED)")
    if info.selection is not None:
        lines.append(f"store: {info.selection.describe()}")
    lines.append(f"events read: {info.events:,}; time {info.seconds:.2f} s")
    for out in outputs:
        seconds = info.task_seconds.get(out.task.id, 0.0)
        lines.append(
            f"  {out.task.id} ({out.task.kind}): {out.summary} [{seconds:.2f} s]"
        )
    return "\n".join(lines) + "\n"


def write_outputs(
    folder: Path,
    recipe: Recipe,
    outputs: Sequence[Output],
    info: RunInfo,
    synthetic: bool,
) -> list[Path]:
    """Write every table and layer into a fresh folder, then swap it in."""
    from sahelgis.analysis.results import write_layer

    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise SahelGISError(f"{folder}: exists and is not a folder")
    if (
        folder.is_dir()
        and any(folder.iterdir())
        and not (folder / "summary.json").exists()
    ):
        raise SahelGISError(
            f"{folder}: not empty and not an earlier batch output; give a new folder"
        )
    staging = folder.with_name(f".{folder.name}.writing")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    written: list[Path] = []
    for out in outputs:
        for name, table in out.tables.items():
            path = staging / f"{out.task.id}.{name}.csv"
            from sahelgis.io.csv_safe import write_csv

            write_csv(table, path)  # spreadsheet formulas escaped
            written.append(path)
        if out.layers:
            path = staging / f"{out.task.id}.gpkg"
            for name, layer in out.layers.items():
                if synthetic:
                    layer = layer.assign(data="SYNTHETIC")
                write_layer(layer, path, layer=name)
            written.append(path)
    summary = {
        "recipe": recipe.name,
        "recipe_file": str(recipe.source) if recipe.source else None,
        "synthetic": synthetic,
        "scope": recipe.read_scope().describe(),
        "run": info.to_json(),
        "analyses": [
            {
                "id": out.task.id,
                "kind": out.task.kind,
                "events": out.events,
                "summary": out.summary,
                "files": sorted(
                    p.name for p in written if p.name.startswith(out.task.id + ".")
                ),
            }
            for out in outputs
        ],
    }
    (staging / "summary.json").write_text(
        json.dumps(summary, indent=1), encoding="utf-8"
    )
    (staging / "summary.txt").write_text(
        summary_text(recipe, outputs, info, synthetic), encoding="utf-8"
    )
    written += [staging / "summary.json", staging / "summary.txt"]
    old = folder.with_name(f".{folder.name}.previous")
    if old.exists():
        shutil.rmtree(old)
    if folder.exists():
        folder.rename(old)
    staging.rename(folder)
    if old.exists():
        shutil.rmtree(old)
    return [folder / p.name for p in written]


def cmd_recipe(argv: Sequence[str]) -> int:
    """``sahelgis recipe PROJECT.gpkg -o RECIPE.toml``: export saved analyses."""
    parser = argparse.ArgumentParser(
        prog="sahelgis recipe",
        description="Write a project's saved analyses as a batch recipe.",
    )
    parser.add_argument("project", type=Path)
    parser.add_argument("-o", "--output", type=Path, help="TOML file (default stdout)")
    args = parser.parse_args(list(argv))
    from sahelgis.io.project_file import load_project
    from sahelgis.scale.recipe import recipe_from_project

    try:
        if not args.project.exists():
            return _fail(f"{args.project}: file not found")
        text = recipe_from_project(load_project(args.project))
    except SahelGISError as exc:
        return _fail(str(exc))
    if args.output is None:
        sys.stdout.write(text)
        return EXIT_OK
    args.output.write_text(text, encoding="utf-8")
    sys.stdout.write(f"wrote {args.output}\n")
    return EXIT_OK
