"""The analysis subcommands of ``sahelgis``: buffer, corridor, counts, zones.

sahelgis buffer EVENTS --town NAME | --at LON,LAT --radius 70mi [--radius ...]
    [--from DATE] [--to DATE] [--by year|event_type|geo_precision ...]
    [--max-geo-precision 2] [-o OUT.csv|OUT.gpkg]
sahelgis corridor EVENTS --road RN4 --within 10km [--segment 25km] [--share]
    [--from DATE] [--to DATE] [--by year] [-o OUT.csv|OUT.gpkg]
sahelgis counts EVENTS --by cercle|region|hex:25km [--per year] [--wide]
    [--classify quantiles|natural_breaks|equal_interval|fixed] [-o OUT.csv|OUT.gpkg]
sahelgis zones EVENTS [--rules RULES.toml] [--by year] [--print-rules]
    [-o ZONES.gpkg|ZONES.csv]

EVENTS is an ACLED export (.csv, .txt, .xlsx), a SahelGIS project / GeoPackage
(.gpkg: its event layers are analysed together, and its roads, places and admin
layers are used when present; otherwise the bundled base data), or a partitioned
event store folder (only the partitions and row groups of the analysis's box and
dates are read). Each command
prints its table as CSV on stdout (or writes it with -o) and, last, a line
``total: N events``. Warnings go to stderr as ``warning: ...``; errors as one
line ``sahelgis: ...`` with exit code 1 (2 for bad usage).

``-o`` never replaces the command's input nor any SahelGIS project (exit code 2,
``sahelgis: P.gpkg: is the input project; choose another output file``), nor a
read-only file; the output is written beside the target and replaces it only
once the result exists (``sahelgis.io.atomic``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sahelgis.errors import SahelGISError

if TYPE_CHECKING:
    import geopandas as gpd

    from sahelgis.model.events import EventTable

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2

EVENT_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm")
PROJECT_SUFFIXES = (".gpkg",)


class CliError(SahelGISError):
    """A user error the CLI reports on one line."""


def _out(line: str) -> None:
    sys.stdout.write(line + "\n")


def _err(line: str) -> None:
    sys.stderr.write(line + "\n")


def _fail(message: str) -> int:
    _err(f"sahelgis: {message}")
    return EXIT_ERROR


def _warn(message: str) -> None:
    _err(f"warning: {message}")


def _note(message: str) -> None:
    _err(f"note: {message}")


# ----------------------------------------------------------------- inputs ---
@dataclass
class Inputs:
    """Events plus the layers the analyses need (from the project or bundled)."""

    events: EventTable
    source: Path
    layers: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    caveats: dict[str, str] = field(default_factory=dict)
    #: A partitioned event store: ``events`` is read by :meth:`need`.
    store: Any = None

    def need(
        self,
        bbox: tuple[float, float, float, float] | None = None,
        start: np.datetime64 | None = None,
        end: np.datetime64 | None = None,
    ) -> EventTable:
        """The events, read from a store only where and when the analysis looks
        (its box and dates), so it skips most of the partitions."""
        if self.store is not None and self.events is None:
            selection = self.store.select(bbox, start, end)
            _note(f"{self.source.name}: {selection.describe()}")
            self.events = self.store.read(selection)
        return self.events

    def layer(self, role: str) -> gpd.GeoDataFrame:
        """The layer with this role: the project's, else the bundled one."""
        if role not in self.layers:
            from sahelgis.io.basedata import base_layers

            for layer in base_layers():
                data = getattr(layer, "data", None)
                if data is not None and layer.role not in self.layers:
                    self.layers[layer.role] = data
                    self.caveats[layer.role] = layer.caveat
        if role not in self.layers:
            raise CliError(f"no {role} layer in the project or the bundled data")
        return self.layers[role]

    def places(self) -> gpd.GeoDataFrame:
        """All named places: the project's capitals and towns, or the bundled
        places layer."""
        import geopandas as gpd

        from sahelgis.analysis.places import bundled_places

        own = [self.layers[r] for r in ("places", "towns") if r in self.layers]
        if own:
            return gpd.GeoDataFrame(pd.concat(own, ignore_index=True), crs=own[0].crs)
        return bundled_places()


def load_inputs(path: Path) -> Inputs:
    """Read EVENTS: an ACLED export or a project/GeoPackage with event layers."""
    from sahelgis.io.acled import read_acled

    if not path.exists():
        raise CliError(f"{path}: file not found")
    if path.is_dir():
        from sahelgis.scale.store import EventStore

        return Inputs(None, path, store=EventStore.open(path))  # type: ignore[arg-type]
    suffix = path.suffix.lower()
    if suffix in EVENT_SUFFIXES:
        table, report = read_acled(path)
        if len(table) == 0:
            raise CliError(f"{path.name}: no event could be read")
        if report.rows_rejected:
            _note(f"{path.name}: {report.summary()}")
        return Inputs(table, path)
    if suffix in PROJECT_SUFFIXES:
        return _load_gpkg(path)
    raise CliError(
        f"{path.name}: cannot read events from a {suffix or 'suffix-less'} file; "
        "give an ACLED export (.csv, .xlsx) or a SahelGIS project (.gpkg)"
    )


def _load_gpkg(path: Path) -> Inputs:
    from sahelgis.errors import ProjectFileError
    from sahelgis.io.project_file import load_project
    from sahelgis.model.events import EventTable
    from sahelgis.model.layers import VectorLayer

    try:
        project = load_project(path)
    except ProjectFileError as exc:
        if "not a SahelGIS project" not in str(exc):
            raise
        return Inputs(_events_from_plain_gpkg(path), path)
    tables = [layer.events for layer in project.event_layers()]
    if not tables:
        raise CliError(f"{path.name}: the project has no event layer")
    if len(tables) == 1:
        events = tables[0]
    else:
        events = EventTable(
            pd.concat([t.frame for t in tables], ignore_index=True),
            synthetic=any(t.synthetic for t in tables),
        )
    layers = {}
    caveats = {}
    for layer in project.layers:
        if isinstance(layer, VectorLayer) and layer.role and layer.role not in layers:
            layers[layer.role] = layer.data
            caveats[layer.role] = layer.caveat
    return Inputs(events, path, layers, caveats)


def _events_from_plain_gpkg(path: Path) -> EventTable:
    """Events from a GeoPackage that is not a project: its first point layer
    with ACLED columns."""
    import pyogrio

    from sahelgis.model import acled_schema as acled
    from sahelgis.model.events import EventTable, optimise_dtypes

    for name, kind in pyogrio.list_layers(path):
        if kind and "point" not in str(kind).lower():
            continue
        frame = pyogrio.read_dataframe(path, layer=name)
        missing = [c for c in acled.REQUIRED_COLUMNS if c not in frame.columns]
        if missing and acled.LATITUDE in missing and frame.geometry is not None:
            frame[acled.LONGITUDE] = frame.geometry.x
            frame[acled.LATITUDE] = frame.geometry.y
            missing = [c for c in acled.REQUIRED_COLUMNS if c not in frame.columns]
        if missing:
            continue
        frame = pd.DataFrame(frame.drop(columns=frame.geometry.name))
        frame[acled.EVENT_DATE] = pd.to_datetime(frame[acled.EVENT_DATE])
        return EventTable(optimise_dtypes(frame))
    raise CliError(
        f"{path.name}: not a SahelGIS project and no point layer with ACLED "
        "columns (event_id_cnty, event_date, event_type, latitude, longitude)"
    )


# ---------------------------------------------------------------- helpers ---
def _date(text: str | None, option: str) -> np.datetime64 | None:
    from sahelgis.analysis.units import parse_day

    if text is None:
        return None
    try:
        return parse_day(text, option)
    except ValueError as exc:
        raise CliError(str(exc)) from None


def _checked(check: Any, *args: Any, **kw: Any) -> Any:
    """A bounds check from :mod:`sahelgis.analysis.units` as a one-line CLI error."""
    try:
        return check(*args, **kw)
    except ValueError as exc:
        raise CliError(str(exc)) from None


def _window(
    args: argparse.Namespace,
) -> tuple[np.datetime64 | None, np.datetime64 | None]:
    return _date(args.date_from, "--from"), _date(args.date_to, "--to")


def _rows(inputs: Inputs, args: argparse.Namespace) -> np.ndarray:
    from sahelgis.analysis.results import select_rows

    start = _date(args.date_from, "--from")
    end = _date(args.date_to, "--to")
    if start is not None and end is not None and end < start:
        raise CliError(f"--to {end} is before --from {start}")
    return select_rows(inputs.events, start=start, end=end)


def _by(values: Sequence[str] | None, default: tuple[str, ...]) -> tuple[str, ...]:
    from sahelgis.analysis.results import normalise_by

    if not values:
        return default
    out: list[str] = []
    for value in values:
        out += list(normalise_by(value))
    return tuple(dict.fromkeys(out))


def _distance(text: str, option: str) -> float:
    from sahelgis.analysis.units import parse_distance

    try:
        return parse_distance(text)
    except ValueError as exc:
        raise CliError(f"{option}: {exc}") from None


def _emit(
    table: pd.DataFrame,
    output: Path | None,
    total_line: str,
    layers: dict[str, Any] | None = None,
) -> None:
    """Print the table as CSV (or write it), then the total line."""
    from sahelgis.analysis.results import write_layer, write_table

    if output is None:
        from sahelgis.io.csv_safe import write_csv

        write_csv(table, sys.stdout)  # spreadsheet formulas escaped
        _out(total_line)
        return
    from sahelgis.io.atomic import atomic_target

    # written beside the target, which is replaced only once the result exists
    with atomic_target(output) as tmp:
        if output.suffix.lower() == ".gpkg":
            import pyogrio

            for name, frame in (layers or {}).items():
                write_layer(frame, tmp, layer=name)
            pyogrio.write_dataframe(table, tmp, layer="counts", driver="GPKG")
        else:
            write_table(table, tmp)
    _out(f"wrote {output}")
    _out(total_line)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "events",
        type=Path,
        help="ACLED export (.csv/.xlsx) or SahelGIS project (.gpkg)",
    )
    parser.add_argument("--from", dest="date_from", help="first day, YYYY-MM-DD")
    parser.add_argument("--to", dest="date_to", help="last day, YYYY-MM-DD")
    parser.add_argument(
        "--max-geo-precision",
        type=int,
        choices=(1, 2, 3),
        default=3,
        help="drop events with a larger ACLED geo_precision (2 drops region-level "
        "events coded to a capital); default 3 keeps all",
    )
    parser.add_argument(
        "-o", "--output", type=Path, help="write the table here (.csv or .gpkg)"
    )


def _parse(parser: argparse.ArgumentParser, argv: Sequence[str]) -> Any:
    try:
        return parser.parse_args(list(argv))
    except SystemExit as exc:  # argparse: usage error (2) or --help (0)
        code = exc.code
        return EXIT_USAGE if code is None else int(code) if isinstance(code, int) else 2


def _join_negative_values(argv: Sequence[str], options: tuple[str, ...]) -> list[str]:
    """``--at -7.3,15.2`` → ``--at=-7.3,15.2`` (argparse would take the value
    for an option because it starts with a dash)."""
    out: list[str] = []
    items = list(argv)
    k = 0
    while k < len(items):
        item = items[k]
        if item in options and k + 1 < len(items) and items[k + 1][:1] == "-":
            nxt = items[k + 1]
            if len(nxt) > 1 and (nxt[1].isdigit() or nxt[1] == "."):
                out.append(f"{item}={nxt}")
                k += 2
                continue
        out.append(item)
        k += 1
    return out


def _run(body: Any, args: argparse.Namespace) -> int:
    from sahelgis.errors import SahelGISError
    from sahelgis.io.atomic import OutputRefused, check_writable, guard_output

    try:
        if args.output is not None:
            # before any work: never the input, never a project, never read-only
            guard_output(args.output, [args.events])
            check_writable(args.output)
        return int(body(args))
    except OutputRefused as exc:
        _err(f"sahelgis: {exc}")
        return EXIT_USAGE
    except SahelGISError as exc:
        return _fail(str(exc))
    except ValueError as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": "))


# ----------------------------------------------------------------- buffer ---
def cmd_buffer(argv: Sequence[str]) -> int:
    """``sahelgis buffer``: events within rings around a town or a point."""
    parser = argparse.ArgumentParser(
        prog="sahelgis buffer",
        description="Count events within geodesic distances of a town or a point.",
    )
    _common(parser)
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--town", help="town name (accents and case ignored)")
    where.add_argument("--at", help="centre as LON,LAT in WGS84 degrees")
    parser.add_argument(
        "--radius",
        action="append",
        required=True,
        help="radius with unit: 50km, 70mi, 500m; several (or 10,25,50km) = rings",
    )
    parser.add_argument(
        "--by",
        action="append",
        help="group by year (default), month, event_type, geo_precision, none; "
        "repeat or comma-separate for several",
    )
    args = _parse(parser, _join_negative_values(argv, ("--at",)))
    if isinstance(args, int):
        return args
    return _run(_buffer, args)


def _buffer(args: argparse.Namespace) -> int:
    from sahelgis.analysis.buffers import buffer_counts
    from sahelgis.analysis.places import is_admin_capital, nearest_town, resolve_town
    from sahelgis.analysis.units import parse_distances, unit_of

    radii: list[float] = []
    for text in args.radius:
        try:
            radii += parse_distances(text)
        except ValueError as exc:
            raise CliError(f"--radius: {exc}") from None
    unit = unit_of(args.radius[-1])
    inputs = load_inputs(args.events)
    places = inputs.places()
    if args.town is not None:
        lon, lat, row = resolve_town(args.town, places)
        name, capital = str(row["name"]), is_admin_capital(row)
    else:
        lon, lat = _lonlat(args.at)
        snapped = nearest_town(lon, lat, places, max_m=1_000.0)
        if snapped is not None:
            name, capital = str(snapped[0]["name"]), is_admin_capital(snapped[0])
            _note(f"--at is {snapped[1]:.0f} m from {name}")
        else:
            name, capital = f"{lon:.5f}, {lat:.5f}", False
    from sahelgis.analysis.buffers import lonlat_box_around

    inputs.need(lonlat_box_around(lon, lat, max(radii)), *_window(args))
    rows = _rows(inputs, args)
    result = buffer_counts(
        inputs.events,
        lon,
        lat,
        sorted(set(radii)),
        rows=rows,
        by=_by(args.by, ("year",)),
        max_geo_precision=args.max_geo_precision,
        name=name,
        centre_is_capital=capital,
        unit=unit,
    )
    if result.precision_warning:
        _warn(result.precision_warning)
    if result.excluded_imprecise:
        _note(
            f"{result.excluded_imprecise} events with geo_precision above "
            f"{args.max_geo_precision} excluded"
        )
    _emit(
        result.counts,
        args.output,
        f"total: {result.total} events",
        {"buffer": result.rings},
    )
    return EXIT_OK


def _lonlat(text: str) -> tuple[float, float]:
    parts = [p for p in text.replace(";", ",").replace(" ", ",").split(",") if p]
    try:
        lon, lat = (float(p) for p in parts)
    except ValueError:
        raise CliError(
            f"--at {text!r}: write the centre as LON,LAT, e.g. --at=-7.29,15.17"
        ) from None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise CliError(f"--at {text!r}: not a WGS84 LON,LAT (lon first)")
    return lon, lat


# --------------------------------------------------------------- corridor ---
def cmd_corridor(argv: Sequence[str]) -> int:
    """``sahelgis corridor``: events within a distance of a road, per segment."""
    parser = argparse.ArgumentParser(
        prog="sahelgis corridor",
        description="Count events within a distance of a road, per road segment.",
    )
    _common(parser)
    parser.add_argument("--road", required=True, help="road reference, e.g. RN4")
    parser.add_argument(
        "--within", required=True, help="distance from the road, e.g. 10km"
    )
    parser.add_argument(
        "--segment", help="segment length along the road, e.g. 25km (default: whole)"
    )
    parser.add_argument(
        "--by", action="append", help="group by year (default), month, event_type"
    )
    parser.add_argument(
        "--share",
        action="store_true",
        help="print the share of all events in the corridor per year instead",
    )
    args = _parse(parser, argv)
    if isinstance(args, int):
        return args
    return _run(_corridor, args)


def _corridor(args: argparse.Namespace) -> int:
    from sahelgis.analysis.corridors import corridor, road_by_ref
    from sahelgis.analysis.units import unit_of

    within = _distance(args.within, "--within")
    segment = _distance(args.segment, "--segment") if args.segment else None
    inputs = load_inputs(args.events)
    roads = inputs.layer("roads")
    line = road_by_ref(args.road, roads)
    from sahelgis.analysis.results import select_rows

    if inputs.store is not None and inputs.events is None:
        from sahelgis.scale.tasks import CorridorTask, RoadLine

        box = CorridorTask("c", (RoadLine(args.road, line.wkt),), within, None).extent()
        _note(
            "share of events relative to those in the road's box "
            + ", ".join(f"{v:.2f}" for v in box)
        )
        inputs.need(box, *_window(args))

    rows = select_rows(
        inputs.events,
        start=_date(args.date_from, "--from"),
        end=_date(args.date_to, "--to"),
        max_geo_precision=args.max_geo_precision,
    )
    name = args.road.strip().upper().replace(" ", "")
    result = corridor(
        line,
        within,
        segment,
        inputs.events,
        rows=rows,
        by=_by(args.by, ("year",)),
        name=name,
        unit=unit_of(args.within),
    )
    _note(f"{name} is {result.length_m / 1000:.1f} km long")
    if inputs.caveats.get("roads"):
        _warn(f"roads layer: {inputs.caveats['roads']}")
    for _, row in result.share.iterrows():
        if row[result.share_by] != "all":
            _note(result.share_text(row[result.share_by]))
    table = result.share if args.share else result.counts
    _emit(
        table,
        args.output,
        f"total: {result.total} events",
        {"corridor": result.corridor_frame(), "segments": result.segments},
    )
    return EXIT_OK


# ----------------------------------------------------------------- counts ---
def cmd_counts(argv: Sequence[str]) -> int:
    """``sahelgis counts``: events per admin area or hexagon and per year."""
    parser = argparse.ArgumentParser(
        prog="sahelgis counts",
        description="Count events per cercle, region or hexagon, and per year.",
    )
    _common(parser)
    parser.add_argument(
        "--by", required=True, help="cercle, region, or hex:SIZE (e.g. hex:25km)"
    )
    parser.add_argument(
        "--per",
        default="year",
        help="period or key besides the area: year (default), month, event_type, none",
    )
    parser.add_argument(
        "--wide", action="store_true", help="one row per area, one column per period"
    )
    parser.add_argument(
        "--classify",
        default="quantiles",
        choices=("quantiles", "natural_breaks", "equal_interval", "fixed"),
        help="map classes of the .gpkg choropleth layer",
    )
    parser.add_argument("--classes", type=int, default=5, help="number of classes")
    parser.add_argument("--breaks", help="upper bounds for --classify fixed: 10,50,100")
    args = _parse(parser, argv)
    if isinstance(args, int):
        return args
    return _run(_counts, args)


_AREA_KINDS = {
    "cercle": ("cercles", "name_fr"),
    "cercles": ("cercles", "name_fr"),
    "admin2": ("cercles", "name_fr"),
    "region": ("regions", "adm1_name"),
    "regions": ("regions", "adm1_name"),
    "admin1": ("regions", "adm1_name"),
}


def _counts(args: argparse.Namespace) -> int:
    from sahelgis.analysis.areas import (
        choropleth_layer,
        counts_per_area,
        counts_per_hex,
    )
    from sahelgis.analysis.results import COUNT, normalise_by, select_rows
    from sahelgis.analysis.units import check_count, check_numbers

    kind = args.by.strip().lower()
    inputs = load_inputs(args.events)
    box = None
    if not kind.startswith("hex") and inputs.store is not None:
        role = "regions" if kind.startswith("region") else "cercles"
        box = tuple(float(v) for v in inputs.layer(role).total_bounds)
    inputs.need(box, *_window(args))  # type: ignore[arg-type]
    rows = select_rows(
        inputs.events,
        start=_date(args.date_from, "--from"),
        end=_date(args.date_to, "--to"),
        max_geo_precision=args.max_geo_precision,
    )
    per = normalise_by(args.per)
    breaks = None
    if args.breaks:
        try:
            breaks = [float(v) for v in args.breaks.split(",") if v.strip()]
            check_numbers(breaks, "--breaks")
        except ValueError:
            raise CliError(
                f"--breaks {args.breaks!r}: finite numbers separated by commas"
            ) from None
    _checked(check_count, args.classes, "--classes", 1, 100)
    if kind.startswith("hex"):
        _, _, size_text = kind.partition(":")
        if not size_text:
            raise CliError("--by hex needs a size, e.g. hex:25km")
        size = _distance(size_text, "--by hex")
        cells, table = counts_per_hex(inputs.events, size, rows=rows, by=per)
        name_field, areas = "hex_id", cells.drop(columns=[COUNT])
        counted = int(cells[COUNT].sum())
    elif kind in _AREA_KINDS:
        role, name_field = _AREA_KINDS[kind]
        areas = inputs.layer(role)
        if name_field not in areas.columns:
            name_field = next(
                c for c in ("name_fr", "adm1_name", "name") if c in areas.columns
            )
        table = counts_per_area(inputs.events, areas, name_field, rows=rows, by=per)
        counted = int(table[COUNT].sum())
    else:
        raise CliError(
            f"--by {args.by!r}: use cercle, region or hex:SIZE (e.g. hex:25km)"
        )
    outside = len(rows) - counted
    if outside > 0 and not kind.startswith("hex"):
        _note(f"{outside} events fall outside every {kind}")
    shown = table
    period = per[0] if len(per) == 1 else None
    if args.wide and period is not None:
        shown = table.pivot_table(
            index=name_field, columns=period, values=COUNT, aggfunc="sum", fill_value=0
        )
        shown.columns = [str(c) for c in shown.columns]
        shown["total"] = shown.sum(axis=1)
        shown = shown.reset_index()
    layer = choropleth_layer(
        areas,
        table,
        name_field,
        period=period,
        method=args.classify,
        k=args.classes,
        breaks=breaks,
    )
    _emit(shown, args.output, f"total: {counted} events", {"areas": layer})
    return EXIT_OK


# ------------------------------------------------------------------ zones ---
def cmd_zones(argv: Sequence[str]) -> int:
    """``sahelgis zones``: support-zone polygons from control indicators."""
    parser = argparse.ArgumentParser(
        prog="sahelgis zones",
        description="Cluster control-indicator events into support-zone polygons.",
    )
    _common(parser)
    parser.add_argument("--rules", type=Path, help="indicator rules (TOML)")
    parser.add_argument(
        "--by", default="year", help="period: year (default), quarter, month, all"
    )
    parser.add_argument("--eps-km", type=float, help="override the DBSCAN radius")
    parser.add_argument("--min-events", type=int, help="override the core minimum")
    parser.add_argument("--margin-km", type=float, help="override the hull margin")
    parser.add_argument(
        "--print-rules",
        action="store_true",
        help="print the rules in force as TOML and exit (a template to edit)",
    )
    args = _parse(parser, argv)
    if isinstance(args, int):
        return args
    return _run(_zones, args)


def _zones(args: argparse.Namespace) -> int:
    import dataclasses

    from sahelgis.analysis.results import select_rows
    from sahelgis.analysis.units import check_count, check_distance_km
    from sahelgis.analysis.zones import (
        DEFAULT_RULES,
        dump_rules,
        load_rules,
        support_zones,
    )

    for value, option, check, extra in (
        (args.eps_km, "--eps-km", check_distance_km, {}),
        (args.margin_km, "--margin-km", check_distance_km, {"allow_zero": True}),
        (args.min_events, "--min-events", check_count, {"low": 1}),
    ):
        if value is not None:
            _checked(check, value, option, **extra)
    rules = load_rules(args.rules) if args.rules else DEFAULT_RULES
    overrides = {
        k: v
        for k, v in (
            ("eps_km", args.eps_km),
            ("min_events", args.min_events),
            ("margin_km", args.margin_km),
        )
        if v is not None
    }
    if overrides:
        rules = dataclasses.replace(rules, **overrides)
    if args.print_rules:
        sys.stdout.write(dump_rules(rules))
        return EXIT_OK
    inputs = load_inputs(args.events)
    inputs.need(None, *_window(args))
    rows = select_rows(
        inputs.events,
        start=_date(args.date_from, "--from"),
        end=_date(args.date_to, "--to"),
        max_geo_precision=args.max_geo_precision,
    )
    by = None if args.by.strip().lower() in ("all", "none") else args.by.strip()
    zones = support_zones(inputs.events, rules, rows=rows, by=by)
    table = pd.DataFrame(zones.drop(columns=zones.geometry.name))
    events_in = int(table["events"].sum()) if len(table) else 0
    total_line = f"total: {events_in} events in {len(table)} zones"
    if args.output is not None:
        from sahelgis.analysis.results import write_layer
        from sahelgis.io.atomic import atomic_target

        # an existing file is replaced only by a result: with no zone a
        # GeoPackage is not written at all and the old file stays as it was
        gpkg = args.output.suffix.lower() == ".gpkg"
        with atomic_target(args.output) as tmp:
            if gpkg and len(zones):
                write_layer(zones, tmp, layer="zones")
            elif not gpkg:
                write_layer(zones, tmp)
        if gpkg and not len(zones):
            _note("no zone found; nothing written")
        else:
            _out(f"wrote {args.output}")
        _out(total_line)
        return EXIT_OK
    _emit(table, None, total_line)
    return EXIT_OK


#: Subcommand name → function, for ``sahelgis.cli.main``.
COMMANDS = {
    "buffer": cmd_buffer,
    "corridor": cmd_corridor,
    "counts": cmd_counts,
    "zones": cmd_zones,
}
