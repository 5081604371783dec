"""``sahelgis batch``: run a recipe over a dataset and write its tables and layers.

sahelgis batch RECIPE.toml -o OUTDIR [--dataset STORE|EXPORT.csv|PROJECT.gpkg]
    [--engine local|dask] [--scheduler ADDRESS] [--workers N]
sahelgis recipe PROJECT.gpkg -o RECIPE.toml     (a project's analyses as a recipe)

OUTDIR gets, per analysis ``ID``: ``ID.<table>.csv`` (tidy counts) and
``ID.gpkg`` (its layers), plus ``summary.json`` (the recipe, engine, scope, what
was read and skipped, times, memory), ``summary.txt`` and the marker
``.sahelgis-batch`` (the files this run wrote). OUTDIR is replaced only when the
whole run has succeeded: a failed or cancelled run leaves the previous results
as they were.

OUTDIR must be new, empty, or an earlier batch output (it has the marker and
holds nothing else than what that run wrote); it is never a symlink, never the
current folder, never the dataset, a folder holding the dataset or the recipe,
nor a folder inside the dataset. Anything else is refused with exit code 2
before the run, so a batch never deletes a file it did not write.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from sahelgis.errors import SahelGISError

if TYPE_CHECKING:
    from sahelgis.scale.engines import RunInfo
    from sahelgis.scale.recipe import Recipe
    from sahelgis.scale.tasks import Output

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_CANCELLED = 130

#: The file that marks a folder as written by ``sahelgis batch`` (JSON: the
#: files of that run). Only such a folder is ever replaced.
MARKER = ".sahelgis-batch"
MARKER_FORMAT = "sahelgis-batch-output"


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
    from sahelgis.io.atomic import OutputRefused

    try:
        return _batch(args)
    except OutputRefused as exc:
        sys.stderr.write(f"sahelgis: {exc}\n")
        return EXIT_USAGE
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
    # before any work: the output folder is one batch may replace
    check_output_folder(args.output, protect=(dataset, args.recipe))
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
        from sahelgis.scale.inputs import load_inputs

        events = load_inputs(Path(dataset)).need()
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


def _refuse(folder: Path, reason: str) -> NoReturn:
    from sahelgis.io.atomic import OutputRefused

    raise OutputRefused(folder, reason)


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _marker_files(folder: Path) -> set[str] | None:
    """Names the batch run that made ``folder`` wrote; None: not a batch folder."""
    marker = folder / MARKER
    if marker.is_symlink() or not marker.is_file():
        return None
    try:
        data = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != MARKER_FORMAT:
        return None
    files = data.get("files")
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        return None
    return {f for f in files if f and "/" not in f and f not in (".", "..")}


def check_output_folder(folder: str | Path, protect: Sequence[str | Path] = ()) -> Path:
    """Refuse an output folder a batch run must not replace; returns its real path.

    Parameters
    ----------
    folder
        The ``-o`` folder as given (``.`` and ``..`` are resolved first).
    protect
        Files and folders the run reads (the dataset, the recipe): the output
        folder may neither be, hold, nor lie inside one of them.

    Raises
    ------
    OutputRefused
        One line naming the folder and why; the command exits with code 2.
    """
    from sahelgis.io.atomic import real_path

    given = Path(folder)
    real = real_path(given)
    if given.name in ("", ".", ".."):
        given = real  # name the folder itself in messages, not "."
    if os.path.islink(os.path.normpath(os.path.abspath(given))):
        _refuse(given, "is a symbolic link; give a real folder for the results")
    if real.exists() and not real.is_dir():
        _refuse(given, "exists and is not a folder; give a folder for the results")
    if _inside(Path.cwd().resolve(), real):
        _refuse(given, "is the current folder or holds it; give a new folder")
    for item in protect:
        if item is None:
            continue
        source = real_path(item)
        if _inside(source, real):
            what = "is" if source == real else "holds"
            _refuse(
                given,
                f"{what} {Path(item).name}, which the run reads; give a new folder",
            )
        if _inside(real, source):
            _refuse(
                given,
                f"is inside the dataset {Path(item).name}; give a folder outside it",
            )
    if real.is_dir():
        names = {p.name for p in real.iterdir()}
        if names:
            owned = _marker_files(real)
            if owned is None:
                _refuse(
                    given,
                    f"is not empty and was not written by sahelgis batch (no {MARKER}"
                    "); give a new or empty folder",
                )
            stranger = sorted(names - owned - {MARKER})
            if stranger:
                _refuse(
                    given,
                    f"holds {stranger[0]!r}, which sahelgis batch did not write; "
                    "move it or give a new folder",
                )
    return real


def write_outputs(
    folder: Path,
    recipe: Recipe,
    outputs: Sequence[Output],
    info: RunInfo,
    synthetic: bool,
) -> list[Path]:
    """Write every table and layer into a fresh folder, then swap it in.

    ``folder`` must pass :func:`check_output_folder` (checked again here, under
    the folder's lock); the previous batch output it replaces is removed only
    after the new one is in place.
    """
    from sahelgis.io.atomic import write_lock

    real = check_output_folder(folder)
    real.parent.mkdir(parents=True, exist_ok=True)
    with write_lock(real):
        real = check_output_folder(folder)
        staging = Path(
            tempfile.mkdtemp(prefix=f".{real.name}.writing-", dir=real.parent)
        )
        try:
            names = _write_files(staging, recipe, outputs, info, synthetic)
            mode = real.stat().st_mode if real.is_dir() else 0o777 & ~_umask()
            os.chmod(staging, mode & 0o7777)
            old = None
            if real.exists():
                old = real.with_name(f".{real.name}.previous-{secrets.token_hex(4)}")
                real.rename(old)
            try:
                staging.rename(real)
            except BaseException:
                if old is not None:  # put the previous results back
                    old.rename(real)
                raise
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        if old is not None:
            # only what the earlier run wrote (checked above) is in it
            shutil.rmtree(old, ignore_errors=True)
    return [Path(folder) / name for name in names]


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _write_files(
    staging: Path,
    recipe: Recipe,
    outputs: Sequence[Output],
    info: RunInfo,
    synthetic: bool,
) -> list[str]:
    from sahelgis.analysis.results import write_layer, write_table
    from sahelgis.io.safety import safe_child

    written: list[Path] = []
    for out in outputs:
        for name, table in out.tables.items():
            path = safe_child(staging, f"{out.task.id}.{name}.csv")
            write_table(table, path)
            written.append(path)
        if out.layers:
            path = safe_child(staging, f"{out.task.id}.gpkg")
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
    names = [p.name for p in written]
    marker = {"format": MARKER_FORMAT, "files": sorted(names)}
    (staging / MARKER).write_text(json.dumps(marker, indent=1), encoding="utf-8")
    return names


def cmd_recipe(argv: Sequence[str]) -> int:
    """``sahelgis recipe PROJECT.gpkg -o RECIPE.toml``: export saved analyses."""
    parser = argparse.ArgumentParser(
        prog="sahelgis recipe",
        description="Write a project's saved analyses as a batch recipe.",
    )
    parser.add_argument("project", type=Path)
    parser.add_argument("-o", "--output", type=Path, help="TOML file (default stdout)")
    args = parser.parse_args(list(argv))
    from sahelgis.io.atomic import (
        OutputRefused,
        atomic_target,
        check_writable,
        guard_output,
    )
    from sahelgis.io.project_file import load_project
    from sahelgis.scale.recipe import recipe_from_project

    try:
        if not args.project.exists():
            return _fail(f"{args.project}: file not found")
        if args.output is not None:
            # before any work: never the project itself, nor another project
            guard_output(args.output, [args.project])
            check_writable(args.output)
        text = recipe_from_project(load_project(args.project))
        if args.output is None:
            sys.stdout.write(text)
            return EXIT_OK
        with atomic_target(args.output) as tmp:
            tmp.write_text(text, encoding="utf-8")
    except OutputRefused as exc:
        sys.stderr.write(f"sahelgis: {exc}\n")
        return EXIT_USAGE
    except SahelGISError as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"{exc.filename or args.output}: {exc.strerror or exc}")
    sys.stdout.write(f"wrote {args.output}\n")
    return EXIT_OK
