"""The analysis subcommands of ``sahelgis``, built from the analysis registry.

``sahelgis ANALYSIS EVENTS [options] [-o OUT.csv|OUT.gpkg]`` for every analysis
in :data:`sahelgis.analysis.registry.ANALYSES` (buffer, corridor, counts,
zones, isolation): the options, their help and their checks come from the
analysis's declared parameters, plus the selection options every analysis
shares (``--from``, ``--to``, ``--actor``, ``--event-type``,
``--max-geo-precision``).

EVENTS is an ACLED export (.csv, .txt, .xlsx), a SahelGIS project / GeoPackage
(its event layers analysed together; its roads, places and admin layers used
when present, otherwise the bundled base data) or a partitioned event store
folder (only the partitions and row groups of the analysis's box and dates are
read). Each command prints its table as CSV on stdout (or writes it with -o)
and, last, a line ``total: N events``. Warnings go to stderr as
``warning: ...``, notes as ``note: ...``; errors as one line
``sahelgis: ...`` with exit code 1 (2 for bad usage).

``-o`` never replaces the command's input nor any SahelGIS project (exit code 2,
``sahelgis: P.gpkg: is the input project; choose another output file``), nor a
read-only file; the output is written beside the target and replaces it only
once the result exists (``sahelgis.io.atomic``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sahelgis.analysis.registry import (
    ANALYSES,
    SELECTION_PARAMS,
    Analysis,
    Param,
    Result,
    selection_rows,
)
from sahelgis.analysis.registry.params import read_params
from sahelgis.errors import SahelGISError

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
#: Parameter kinds given by repeating the option (or comma-separated).
REPEATED = ("texts", "distances", "keys")
EVENTS_HELP = "ACLED export (.csv/.xlsx), SahelGIS project (.gpkg) or event store"
UNITS_EPILOG = (
    "Distances need their unit: 50km, 70mi (statute miles), 500m, 10nmi. "
    "Dates are YYYY-MM-DD, inclusive."
)


def _out(line: str) -> None:
    sys.stdout.write(line + "\n")


def _err(line: str) -> None:
    sys.stderr.write(line + "\n")


def cli_params(analysis: Analysis) -> list[Param]:
    """The options of an analysis's subcommand: selection, then its own."""
    own = [p for p in analysis.params if p.cli]
    names = {p.name for p in own}
    return [p for p in SELECTION_PARAMS if p.name not in names] + own


def option_names(param: Param) -> list[str]:
    """``--radius`` and the option spellings of the aliases (``--radii``)."""
    names = [param.flag]
    for alias in (param.name, *param.aliases):
        flag = "--" + alias.replace("_", "-")
        if flag not in names:
            names.append(flag)
    return names


def build_parser(analysis: Analysis) -> argparse.ArgumentParser:
    """The argparse parser of ``sahelgis ANALYSIS`` (from the declarations)."""
    parser = argparse.ArgumentParser(
        prog=f"sahelgis {analysis.id}",
        description=" ".join(s for s in (analysis.summary, analysis.description) if s),
        epilog=UNITS_EPILOG,
    )
    parser.add_argument("events", type=Path, help=EVENTS_HELP)
    groups: dict[str, Any] = {}
    for param in cli_params(analysis):
        target: Any = parser
        if param.group:
            if param.group not in groups:
                groups[param.group] = parser.add_mutually_exclusive_group(
                    required=param.required
                    and all(
                        p.cli or not p.required
                        for p in analysis.params
                        if p.group == param.group
                    )
                )
            target = groups[param.group]
        kw: dict[str, Any] = {"dest": param.name, "help": param.describe()}
        if param.kind == "flag":
            kw["action"] = "store_true"
            kw["default"] = None
        elif param.kind in REPEATED:
            kw["action"] = "append"
        if param.required and not param.group and param.default is None:
            kw["required"] = True
        target.add_argument(*option_names(param), **kw)
    parser.add_argument(
        "-o", "--output", type=Path, help="write the table here (.csv or .gpkg)"
    )
    return parser


def _join_negative_values(argv: Sequence[str]) -> list[str]:
    """``--at -7.3,15.2`` → ``--at=-7.3,15.2`` (argparse would take the value
    for an option because it starts with a dash)."""
    out: list[str] = []
    items = list(argv)
    k = 0
    while k < len(items):
        item = items[k]
        nxt = items[k + 1] if k + 1 < len(items) else ""
        if (
            item.startswith("--")
            and "=" not in item
            and len(nxt) > 1
            and nxt[0] == "-"
            and (nxt[1].isdigit() or nxt[1] == ".")
        ):
            out.append(f"{item}={nxt}")
            k += 2
            continue
        out.append(item)
        k += 1
    return out


def run_analysis_command(kind: str, argv: Sequence[str]) -> int:
    """``sahelgis KIND EVENTS ...``: parse, check, run, print; the exit code."""
    analysis = ANALYSES[kind]
    parser = build_parser(analysis)
    try:
        args = parser.parse_args(_join_negative_values(argv))
    except SystemExit as exc:  # argparse: usage error (2) or --help (0)
        code = exc.code
        return EXIT_USAGE if code is None else code if isinstance(code, int) else 2
    from sahelgis.io.atomic import OutputRefused, check_writable, guard_output

    try:
        if args.output is not None:
            # before any work: never the input, never a project, never read-only
            guard_output(args.output, [args.events, *_more_paths(analysis, args)])
            check_writable(args.output)
        return _run(analysis, args)
    except OutputRefused as exc:
        _err(f"sahelgis: {exc}")
        return EXIT_USAGE
    except (SahelGISError, ValueError) as exc:
        _err(f"sahelgis: {exc}")
        return EXIT_ERROR
    except OSError as exc:
        _err(
            f"sahelgis: {exc.filename or ''}: {exc.strerror or exc}".replace(
                ": : ", ": "
            )
        )
        return EXIT_ERROR


def _spell(param: Param, key: str) -> str:
    return param.flag if key == param.name else "--" + key.replace("_", "-")


def _run(analysis: Analysis, args: argparse.Namespace) -> int:
    from sahelgis.scale.inputs import load_inputs

    values = vars(args)
    own = {p.name for p in analysis.params if p.cli}
    raw = {n: values[n] for n in own if values.get(n) is not None}
    selection_params = [p for p in SELECTION_PARAMS if p.name not in own]
    selection = read_params(
        selection_params,
        {
            p.name: values[p.name]
            for p in selection_params
            if values.get(p.name) is not None
        },
        spell=_spell,
    )
    if (
        selection.get("from")
        and selection.get("to")
        and selection["to"] < selection["from"]
    ):
        raise SahelGISError(
            f"--to {selection['to']} is before --from {selection['from']}"
        )
    if analysis.id == "zones" and raw.get("print_rules"):
        from sahelgis.analysis.registry import Context
        from sahelgis.analysis.rules_toml import dump_rules
        from sahelgis.analysis.zones import ZoneRules

        spec = analysis.spec_from(raw, Context(), spell=_spell)
        sys.stdout.write(dump_rules(ZoneRules.from_dict(spec["rules"])))
        return EXIT_OK
    inputs = load_inputs(args.events)
    spec = analysis.spec_from(raw, inputs.context, spell=_spell)
    if inputs.store is not None and inputs.events is None and analysis.id == "corridor":
        _err("note: share of events relative to those in the road's box")
    events = inputs.need(
        analysis.read_box(spec, inputs.context),
        selection.get("from"),
        selection.get("to"),
    )
    more = _more_paths(analysis, args)
    if more:
        # more event files (e.g. --with GED.csv): read whole and analysed with
        # EVENTS, as one table
        tables = [events] + [
            load_inputs(path).need(None, selection.get("from"), selection.get("to"))
            for path in more
        ]
        events = analysis.combine(tables)
    rows = selection_rows(events, selection, precision=not analysis.own_precision)
    result = analysis.run(events, rows, spec, inputs.context)
    for line in result.warnings:
        _err(f"warning: {line}")
    for line in result.caveats:
        _err(f"warning: {line}")
    for line in result.notes:
        _err(f"note: {line}")
    _err(f"note: {result.headline}{_filter_text(selection)}")
    _emit(result, args.output)
    return EXIT_OK


def _filter_text(selection: dict[str, Any]) -> str:
    """The filter as a headline suffix (' — actor “JNIM”'); '' when none."""
    if not selection.get("actor") and not selection.get("event_type"):
        return ""
    from sahelgis.model.filters import EventFilter

    types = selection.get("event_type")
    flt = EventFilter(
        event_types=frozenset(types) if types else None,
        actor=str(selection.get("actor") or ""),
    )
    return f" — {flt.describe()}"


def _more_paths(analysis: Analysis, args: argparse.Namespace) -> list[Path]:
    """The event files given with EVENTS (``--with``), if the analysis reads any."""
    if not analysis.more_events_param:
        return []
    value = getattr(args, analysis.more_events_param, None)
    return [Path(value)] if value else []


def _emit(result: Result, output: Path | None) -> None:
    """Print the table as CSV (or write it), then the total line."""
    if output is None:
        from sahelgis.io.csv_safe import write_csv

        write_csv(result.table, sys.stdout)  # spreadsheet formulas escaped
        _out(result.total_line)
        return
    from sahelgis.analysis.results import write_layer, write_table
    from sahelgis.io.atomic import atomic_target

    gpkg = output.suffix.lower() == ".gpkg"
    if gpkg and not len(result.table) and not any(len(ly.data) for ly in result.layers):
        # an existing file is replaced only by a result: with nothing found a
        # GeoPackage is not written at all and the old file stays as it was
        _err(f"note: nothing found ({result.headline}); nothing written")
        _out(result.total_line)
        return
    # written beside the target, which is replaced only once the result exists
    with atomic_target(output) as tmp:
        if gpkg:
            import pyogrio

            for layer in result.layers:
                if len(layer.data):
                    write_layer(layer.data, tmp, layer=layer.key)
            table = result.table
            if len(table.columns) and not _is_layer_table(result):
                pyogrio.write_dataframe(table, tmp, layer="counts", driver="GPKG")
        else:
            write_table(result.table, tmp)
    _out(f"wrote {output}")
    _out(result.total_line)


def _is_layer_table(result: Result) -> bool:
    """Whether the table is a layer's attributes (zones): not written twice."""
    columns = set(result.table.columns)
    return any(
        len(ly.data) == len(result.table) and columns <= set(ly.data.columns)
        for ly in result.layers
    )


def usage_lines() -> list[str]:
    """One line per analysis subcommand: its name and what it does (for
    ``sahelgis --help``)."""
    return [f"{a.id:13} {a.summary}" for a in ANALYSES.values()]


def _usage(analysis: Analysis) -> str:
    parts = [f"sahelgis {analysis.id} EVENTS"]
    groups: dict[str, list[Param]] = {}
    for param in analysis.params:
        if param.cli and param.group:
            groups.setdefault(param.group, []).append(param)
    done: set[str] = set()
    for param in analysis.params:
        if not param.cli or param.name in done:
            continue
        if param.group:
            members = [p for p in groups[param.group] if p.cli]
            done.update(p.name for p in members)
            alt = " | ".join(f"{p.flag} {_metavar(p)}" for p in members)
            parts.append(alt if param.required else f"[{alt}]")
            continue
        done.add(param.name)
        text = param.flag if param.kind == "flag" else f"{param.flag} {_metavar(param)}"
        parts.append(text if param.required and param.default is None else f"[{text}]")
    parts.append("[-o OUT.csv|OUT.gpkg]")
    return " ".join(parts)


def _metavar(param: Param) -> str:
    return {
        "distance": "DIST",
        "distances": "DIST[,DIST]",
        "texts": "NAME",
        "text": "TEXT",
        "keys": "KEY[,KEY]",
        "choice": "|".join(param.choices),
        "int": "N",
        "float": "N",
        "lonlat": "LON,LAT",
        "date": "YYYY-MM-DD",
        "path": "FILE",
    }.get(param.kind, "VALUE")


def reference_markdown() -> str:
    """README's analysis reference: usage, options and recipe keys, written
    from the registry (``python scripts/update_readme_cli.py`` puts it in)."""
    lines = [
        "Every analysis is one module of `sahelgis/analysis/registry/`; its "
        "subcommand, GUI dialog and recipe keys are built from the same "
        "declarations. Options common to all: "
        + ", ".join(f"`{p.flag}` ({p.describe()})" for p in SELECTION_PARAMS)
        + ". "
        + UNITS_EPILOG,
        "",
    ]
    for analysis in ANALYSES.values():
        lines += [
            f"#### `sahelgis {analysis.id}`: {analysis.label.lower()}",
            "",
            analysis.summary
            + (" " + analysis.description if analysis.description else ""),
            "",
            "```text",
            _usage(analysis),
            "```",
            "",
            "| option | recipe key | meaning |",
            "|---|---|---|",
        ]
        for param in analysis.params:
            flags = (
                ", ".join(f"`{f}`" for f in option_names(param)) if param.cli else "—"
            )
            recipe = analysis.batch and param.recipe
            keys = ", ".join(f"`{k}`" for k in param.keys) if recipe else "—"
            meaning = param.describe().replace("|", "\\|")
            lines.append(f"| {flags} | {keys} | {meaning} |")
        if not analysis.batch:
            lines.append("")
            lines.append("Recipes do not hold this analysis yet.")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
