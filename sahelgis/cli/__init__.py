"""The ``sahelgis`` subcommands (the GUI starts from ``sahelgis.__main__``).

sahelgis import EVENTS.csv|.xlsx -o OUT.gpkg [--report REJECTS.csv]
sahelgis import EVENTS.csv|.xlsx --store FOLDER   (append to a partitioned store)
sahelgis import-osm EXTRACT.osm.pbf|.osm -o PROJECT.gpkg [--tertiary]
sahelgis info PROJECT_OR_FILE_OR_STORE
sahelgis batch RECIPE.toml -o OUTDIR [--dataset STORE] [--engine local|dask]
sahelgis recipe PROJECT.gpkg -o RECIPE.toml
sahelgis buffer EVENTS --town NAME | --at LON,LAT --radius 70mi [...]
sahelgis corridor EVENTS --road RN4 --within 10km [--segment 25km]
sahelgis counts EVENTS --by cercle|region|hex:25km
sahelgis zones EVENTS [--rules RULES.toml] [--by year] -o ZONES.gpkg
sahelgis export PROJECT [--figure NAME | --all | --list] -o OUT.png|svg|pdf|pptx|gif
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from sahelgis import __version__

if TYPE_CHECKING:
    from sahelgis.errors import SahelGISError

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "import":
        return cmd_import(argv[1:])
    if argv and argv[0] == "import-osm":
        return cmd_import_osm(argv[1:])
    if argv and argv[0] == "info":
        return cmd_info(argv[1:])
    if argv and argv[0] in ("batch", "recipe"):
        from sahelgis.scale.batch import cmd_batch, cmd_recipe

        return (cmd_batch if argv[0] == "batch" else cmd_recipe)(argv[1:])
    if argv and argv[0] == "export":
        from sahelgis.export.cli import cmd_export

        return cmd_export(argv[1:])
    from sahelgis.analysis.registry import ANALYSES

    if argv and argv[0] in ANALYSES:
        from sahelgis.cli.analyses import run_analysis_command

        return run_analysis_command(argv[0], argv[1:])
    return cmd_help(argv)


#: The subcommands ``main`` runs (anything else opens the GUI, see
#: ``sahelgis.__main__``).
SUBCOMMAND_HELP: dict[str, tuple[str, str]] = {
    "import": (
        "EVENTS -o PROJECT.gpkg | --store FOLDER",
        "Import an ACLED export or a UCDP GED CSV into a project or a store.",
    ),
    "import-osm": (
        "EXTRACT.osm.pbf|.osm -o PROJECT.gpkg",
        "Import roads and places from an OpenStreetMap extract.",
    ),
    "info": (
        "PROJECT_OR_FILE_OR_STORE",
        "Describe a project, an events file or a store without changing it.",
    ),
    "export": (
        "PROJECT [--figure NAME | --all | --list] -o OUT",
        "Export saved figures to PNG, SVG, PDF, PPTX or GIF.",
    ),
    "batch": (
        "RECIPE.toml -o OUTDIR [--dataset STORE]",
        "Run a recipe's analyses on a project or a store (local or Dask).",
    ),
    "recipe": (
        "PROJECT.gpkg -o RECIPE.toml",
        "Write a project's analyses as a recipe for batch runs.",
    ),
}
SUBCOMMANDS = tuple(SUBCOMMAND_HELP)


def is_subcommand(argv: list[str]) -> bool:
    """Whether ``argv`` names a command-line subcommand (not the GUI)."""
    from sahelgis.analysis.registry import ANALYSES

    return bool(argv) and (argv[0] in SUBCOMMANDS or argv[0] in ANALYSES)


def unknown_subcommand(argv: list[str]) -> str | None:
    """The one-line error for a first word that is neither a subcommand, an
    option nor a project file (``sahelgis exprot``), else None.

    A word with a file suffix or a path separator, or naming an existing
    file, is a project for the GUI to open (or to report as not found).
    """
    from sahelgis.analysis.registry import ANALYSES

    if not argv or argv[0].startswith("-") or is_subcommand(argv):
        return None
    word = argv[0]
    if Path(word).suffix or "/" in word or "\\" in word or Path(word).exists():
        return None
    import difflib

    names = [*SUBCOMMANDS, *ANALYSES]
    close = difflib.get_close_matches(word, names, n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    return (
        f"unknown subcommand '{word}' ({hint}`sahelgis --help` lists them; "
        "a project to open is a .gpkg file)"
    )


def help_parser() -> argparse.ArgumentParser:
    """``sahelgis --help``: the GUI's options and every subcommand."""
    from sahelgis.cli.analyses import usage_lines

    parser = argparse.ArgumentParser(
        prog="sahelgis",
        description="SahelGIS desktop GIS. Without a subcommand: open the GUI.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="subcommands (sahelgis SUBCOMMAND --help tells more):\n  "
        + "\n  ".join(
            [
                f"{name:12} {summary}" for name, (_, summary) in SUBCOMMAND_HELP.items()
            ]
            + usage_lines()
        )
        + "\n\nWithout a display, render the window to a file with\n"
        "  QT_QPA_PLATFORM=offscreen sahelgis --snapshot OUT.png [PROJECT]",
    )
    parser.add_argument("project", nargs="?", type=Path, help="project to open")
    parser.add_argument(
        "--snapshot", type=Path, help="render the main window to this PNG and exit"
    )
    parser.add_argument(
        "--size", default="1600x1000", help="window size for --snapshot, WIDTHxHEIGHT"
    )
    parser.add_argument("--version", action="version", version=__version__)
    return parser


def cmd_help(argv: list[str]) -> int:
    """Not a subcommand: parse as the GUI's options (``--help``, ``--version``
    exit here); the GUI itself starts from ``sahelgis.__main__``."""
    help_parser().parse_args(argv)
    return EXIT_USAGE


def fail(message: str) -> int:
    print(f"sahelgis: {message}", file=sys.stderr)
    return EXIT_ERROR


def refused(exc: SahelGISError) -> int:
    """Report an output checked before any work: a usage error (exit 2) when it
    names the input or a project, else an error."""
    from sahelgis.io.atomic import OutputRefused

    if isinstance(exc, OutputRefused):
        print(f"sahelgis: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return fail(str(exc))


def cmd_import(argv: list[str]) -> int:
    """Import an ACLED export or a UCDP GED CSV into a project file (new, or added).

    A GED CSV is recognised by its header (``id``, ``relid``,
    ``type_of_violence``, ``side_a`` ...) and read with ``read_ucdp``.
    """
    parser = argparse.ArgumentParser(
        prog="sahelgis import",
        description=(
            "Import an ACLED export (CSV or XLSX) or a UCDP GED CSV (recognised "
            "by its header) into a SahelGIS project."
        ),
    )
    parser.add_argument("events", type=Path)
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument(
        "-o",
        "--output",
        type=Path,
        help="project file to create, or to add the events to",
    )
    target.add_argument(
        "--store",
        type=Path,
        help="partitioned event store folder to create, or to append the events to",
    )
    parser.add_argument("--report", type=Path, help="write rejected rows to this CSV")
    args = parser.parse_args(argv)
    from sahelgis.errors import SahelGISError
    from sahelgis.io.atomic import (
        atomic_target,
        check_writable,
        guard_output,
        write_lock,
    )
    from sahelgis.io.events_file import read_events

    try:
        # before any work: the report never replaces the export, the project
        # or another project; the project is never the export itself
        if args.report is not None:
            targets = [args.events, args.output or args.store]
            guard_output(args.report, targets, option="--report")
            check_writable(args.report)
        if args.output is not None:
            if args.output.suffix.lower() != ".gpkg":  # as save_project names it
                args.output = args.output.with_name(args.output.name + ".gpkg")
            guard_output(args.output, [args.events], project_ok=True)
            check_writable(args.output)
    except SahelGISError as exc:
        return refused(exc)
    try:
        table, report = read_events(args.events)
        print(report.summary())
        if len(report.rejects):
            for reason, count in report.reasons().items():
                print(f"  rejected {count}: {reason}")
        for warning in report.warnings:
            print(f"  warning: {warning}")
        if args.report:
            with atomic_target(args.report) as tmp:
                report.save_rejects(tmp)
        if len(table) == 0:
            return fail(f"{args.events.name}: no row could be read")
        if args.store is not None:
            return _import_to_store(table, args.events, args.store)
        # the lock is held from reading the project to replacing it, so two
        # imports into one project both land (the second reads the first's)
        with write_lock(args.output):
            written = _import_to_project(table, report.path, args.output)
    except SahelGISError as exc:
        return fail(str(exc))
    except OSError as exc:
        return fail(f"{exc.filename or args.output}: {exc.strerror or exc}")
    print(f"wrote {written}")
    return EXIT_OK


def _import_to_project(table: object, source: Path, output: Path) -> Path:
    from sahelgis.io.basedata import base_layers
    from sahelgis.io.project_file import load_project, save_project
    from sahelgis.model.layer_factory import event_layer
    from sahelgis.model.project import Project

    # never replace a file that is not one of our projects (a newer project, a
    # damaged one, someone's GeoPackage): load_project says why
    project = load_project(output) if output.exists() else Project([*base_layers()])
    project.add_layer(event_layer(table, source))  # type: ignore[arg-type]
    return save_project(project, output)


def cmd_import_osm(argv: list[str]) -> int:
    """Import the roads and places of an OpenStreetMap extract into a project."""
    parser = argparse.ArgumentParser(
        prog="sahelgis import-osm",
        description="Import the national roads (trunk, primary, secondary, merged "
        "per ref) and the places (city, town, village, hamlet) of an OpenStreetMap "
        "extract into a SahelGIS project; the roads replace the approximate ones.",
    )
    parser.add_argument("extract", type=Path, help=".osm.pbf or .osm file")
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        help="project file to create, or to add the roads and places to",
    )
    parser.add_argument(
        "--tertiary", action="store_true", help="also read highway=tertiary ways"
    )
    args = parser.parse_args(argv)
    from sahelgis.errors import SahelGISError
    from sahelgis.io.atomic import check_writable, guard_output, write_lock
    from sahelgis.io.osm import read_osm

    if args.output.suffix.lower() != ".gpkg":  # as save_project names it
        args.output = args.output.with_name(args.output.name + ".gpkg")
    try:
        guard_output(args.output, [args.extract], project_ok=True)
        check_writable(args.output)
    except SahelGISError as exc:
        return refused(exc)
    try:
        result = read_osm(args.extract, tertiary=args.tertiary)
        print(f"{args.extract.name}: {result.summary()}")
        with write_lock(args.output):
            written = _osm_to_project(result, args.output)
    except SahelGISError as exc:
        return fail(str(exc))
    except OSError as exc:
        return fail(f"{exc.filename or args.output}: {exc.strerror or exc}")
    print(f"wrote {written}")
    return EXIT_OK


def _osm_to_project(result: object, output: Path) -> Path:
    from sahelgis.io.basedata import base_layers
    from sahelgis.io.osm import OsmImport, add_to_project
    from sahelgis.io.project_file import load_project, save_project
    from sahelgis.model.project import Project

    assert isinstance(result, OsmImport)
    project = load_project(output) if output.exists() else Project([*base_layers()])
    for line in add_to_project(project, result):
        print(line)
    return save_project(project, output)


def _import_to_store(table: object, source: Path, folder: Path) -> int:
    from sahelgis.scale.store import EventStore

    store = EventStore.open_or_create(folder, synthetic=bool(table.synthetic))  # type: ignore[attr-defined]
    report = store.append(table, source=source.name)  # type: ignore[arg-type]
    print(report.describe())
    print(
        f"store {folder}: {store.rows:,} events in {len(store.partitions()):,} "
        f"partitions, {store.bytes / 1e6:,.1f} MB"
    )
    return EXIT_OK


def _info_store(path: Path) -> int:
    from sahelgis.scale.store import EventStore

    store = EventStore.open(path)
    info = store.summary()
    flag = " [SYNTHETIC]" if info["synthetic"] else ""
    print(
        f"{path.name}: SahelGIS event store{flag}, {info['events']:,} events, "
        f"{info['partitions']:,} partitions (country × year) in {info['files']:,} "
        f"GeoParquet files, {info['bytes'] / 1e6:,.1f} MB"
    )
    print(f"  dates: {info['first_date']} to {info['last_date']}")
    print(f"  countries: {', '.join(info['countries'])}")
    if info["sources"]:
        print(f"  imported from: {', '.join(info['sources'])}")
    return EXIT_OK


def cmd_info(argv: list[str]) -> int:
    """Print layers, CRS, feature counts and date ranges of a project or data file."""
    parser = argparse.ArgumentParser(prog="sahelgis info")
    parser.add_argument("path", type=Path)
    args = parser.parse_args(argv)
    from sahelgis.errors import SahelGISError
    from sahelgis.io.project_file import has_project_state, project_info, read_state

    path: Path = args.path
    try:
        if not path.exists():
            return fail(f"{path}: file not found")
        if path.is_dir():
            return _info_store(path)
        if path.suffix.lower() in (".csv", ".xlsx", ".txt"):
            return _info_events(path)
        try:
            state = read_state(path)
        except SahelGISError:
            if has_project_state(path):
                raise  # a damaged or newer project: say so, not its tables
            return _info_vector(path)
        info = project_info(path)
        print(
            f"{path.name}: SahelGIS project (format {state.get('version')}), "
            f"{len(info.layers)} layers, map CRS {state.get('display_crs')}"
        )
        for entry in info.layers:
            dates = entry.get("date_range")
            extra = f", {dates[0]} to {dates[1]}" if dates else ""
            flags = " [SYNTHETIC]" if entry.get("synthetic") else ""
            count = entry.get("feature_count")
            count_text = f"{count:,}" if isinstance(count, int) else "?"
            print(
                f"  {entry.get('name', '?')}{flags}: {entry.get('kind', '?')}, "
                f"{count_text} features, EPSG:4326{extra}"
            )
    except SahelGISError as exc:
        return fail(str(exc))
    return EXIT_OK


def _info_events(path: Path) -> int:
    from sahelgis.io.events_file import event_file_kind, read_events

    table, report = read_events(path)
    dr = table.date_range()
    span = f", {str(dr[0])[:10]} to {str(dr[1])[:10]}" if dr else ""
    kind = " (SYNTHETIC)" if table.synthetic else ""
    dataset = "UCDP GED" if event_file_kind(path) == "ucdp" else "ACLED"
    print(f"{path.name}: {dataset} events{kind}, EPSG:4326, {report.summary()}{span}")
    return EXIT_OK


def _info_vector(path: Path) -> int:
    import pyogrio

    from sahelgis.io.vector import list_vector_layers

    layers = list_vector_layers(path)
    print(f"{path.name}: {len(layers)} layers")
    for name, geometry in layers:
        meta = pyogrio.read_info(path, layer=name)
        crs = meta.get("crs") or "no CRS"
        print(f"  {name}: {geometry}, {meta.get('features', '?'):,} features, {crs}")
    return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
