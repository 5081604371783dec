"""Batch recipes: an analyst's saved questions as a TOML file.

A research desk runs the same buffers, corridors, counts and zones nightly over
every country and year; a recipe writes them down once. Example::

    name = "Southern Mali nightly"
    dataset = "events_store"          # optional, relative to this file

    [scope]                           # optional: which events count
    from = "2018-01-01"
    to = "2024-12-31"
    countries = ["Mali"]
    bbox = [-12.5, 10.0, 4.5, 25.0]   # west, south, east, north (degrees)

    [[analysis]]
    kind = "buffer"
    towns = ["Bamako", "Nara"]        # or town = "Nara", or at = [lon, lat]
    radii = ["25 km", "50 km", "70 mi"]
    by = ["year", "event_type"]

    [[analysis]]
    kind = "corridor"
    roads = ["RN4"]                   # "all" = every bundled road
    within = "10 km"
    segment = "25 km"

    [[analysis]]
    kind = "counts"
    areas = "cercle"                  # cercle | region | country
    by = ["year"]

    [[analysis]]
    kind = "zones"
    by = "year"
    [analysis.rules]                  # as in a rules file (zones.py)
    actors = ["JNIM"]

Without a ``bbox`` the scope is the union of the analyses' extents (a buffer's
circle, a corridor's road plus its width, the areas' outline), unless a zones
analysis needs every event. Corridor shares are relative to the events of the
scope. Towns, roads and areas come from the bundled base data.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sahelgis.analysis.units import (
    check_count,
    check_distance_km,
    check_lonlat,
    check_number,
)
from sahelgis.errors import InputError, SahelGISError
from sahelgis.scale.tasks import (
    BufferTask,
    Centre,
    CorridorTask,
    CountsTask,
    RoadLine,
    Task,
    ZonesTask,
)

if TYPE_CHECKING:
    from sahelgis.model.project import Project

KINDS = ("buffer", "corridor", "counts", "zones")
#: Most analyses one recipe may list (each writes files into the output folder).
MAX_ANALYSES = 1000
AREAS: dict[str, tuple[str, str]] = {
    "cercle": ("cercles", "name_fr"),
    "region": ("regions", "adm1_name"),
    "country": ("countries", "name"),
}


@dataclass(frozen=True)
class Scope:
    """Which events a recipe considers."""

    start: np.datetime64 | None = None
    end: np.datetime64 | None = None
    countries: tuple[str, ...] | None = None
    bbox: tuple[float, float, float, float] | None = None

    def describe(self) -> str:
        parts = []
        if self.start is not None or self.end is not None:
            parts.append(f"{self.start or '…'} to {self.end or '…'}")
        if self.countries:
            parts.append(", ".join(self.countries))
        if self.bbox:
            parts.append("box " + ", ".join(f"{v:.2f}" for v in self.bbox))
        return "; ".join(parts) or "every event"


@dataclass(frozen=True)
class Recipe:
    """A named list of analyses over a dataset and scope."""

    name: str
    tasks: tuple[Task, ...]
    scope: Scope
    dataset: Path | None = None
    source: Path | None = None

    def read_scope(self) -> Scope:
        """The scope with its box: the given one, else the union of the
        analyses' extents (``None`` when an analysis needs every event)."""
        if self.scope.bbox is not None:
            return self.scope
        boxes = [t.extent() for t in self.tasks]
        if any(b is None for b in boxes) or not boxes:
            return self.scope
        real = [b for b in boxes if b is not None]
        bbox = (
            min(b[0] for b in real),
            min(b[1] for b in real),
            max(b[2] for b in real),
            max(b[3] for b in real),
        )
        return Scope(self.scope.start, self.scope.end, self.scope.countries, bbox)


class _Where:
    """Error context: the file and the analysis being read."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.where = ""

    def fail(self, message: str) -> InputError:
        return InputError(self.path, f"{self.where}{message}")


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_").lower() or "analysis"


def _distance(value: Any, field: str, ctx: _Where, default_unit: str = "km") -> float:
    from sahelgis.analysis.units import parse_distance

    try:
        return parse_distance(value, default_unit)
    except (ValueError, TypeError) as exc:
        raise ctx.fail(f"{field} = {value!r}: {exc}") from None


def _checked(check: Callable[..., Any], ctx: _Where, *args: Any, **kw: Any) -> Any:
    """Run a bounds check from :mod:`sahelgis.analysis.units`; its one-line
    message (naming the parameter) gains the file and the analysis."""
    try:
        return check(*args, **kw)
    except ValueError as exc:
        raise ctx.fail(str(exc)) from None


def _unit(values: Sequence[Any]) -> str:
    text = " ".join(str(v) for v in values)
    return "mi" if re.search(r"\dmi|\smi|mile", text) else "km"


def _strings(value: Any, field: str, ctx: _Where) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise ctx.fail(f"{field} must be text or a list of text, got {value!r}")


def _by(value: Any, default: Sequence[str], ctx: _Where) -> tuple[str, ...]:
    if value is None:
        return tuple(default)
    return tuple(_strings(value, "by", ctx))


def load_recipe(path: str | Path) -> Recipe:
    """Read and check a recipe; errors name the file, the analysis and the field."""
    from sahelgis.analysis.zones import read_toml

    path = Path(path)
    return recipe_from_dict(read_toml(path, "recipe"), path)


def recipe_from_dict(data: dict[str, Any], path: Path) -> Recipe:
    """A recipe from parsed TOML (``path`` for messages and relative paths)."""
    ctx = _Where(path)
    unknown = set(data) - {"name", "dataset", "scope", "analysis"}
    if unknown:
        raise ctx.fail(f"unknown top-level keys: {', '.join(sorted(unknown))}")
    analyses = data.get("analysis")
    if not isinstance(analyses, list) or not analyses:
        raise ctx.fail("no [[analysis]] tables: a recipe lists at least one analysis")
    if len(analyses) > MAX_ANALYSES:
        raise ctx.fail(f"{len(analyses):,} analyses; at most {MAX_ANALYSES:,}")
    scope = _scope(data.get("scope", {}), ctx)
    tasks: list[Task] = []
    used: set[str] = set()
    for i, item in enumerate(analyses, 1):
        if not isinstance(item, dict):
            raise ctx.fail(f"analysis {i} is not a table")
        kind = item.get("kind")
        ctx.where = f"analysis {i} ({kind}): "
        if kind not in KINDS:
            ctx.where = f"analysis {i}: "
            raise ctx.fail(f"kind = {kind!r}; use one of {', '.join(KINDS)}")
        task_id = _slug(str(item.get("id") or f"{kind}_{i}"))
        if task_id in used:
            raise ctx.fail(f"id {task_id!r} is used twice")
        used.add(task_id)
        tasks.append(_TASKS[kind](task_id, item, ctx))
    dataset = data.get("dataset")
    return Recipe(
        name=str(data.get("name") or path.stem),
        tasks=tuple(tasks),
        scope=scope,
        dataset=(path.parent / str(dataset)) if dataset else None,
        source=path,
    )


def _scope(data: Any, ctx: _Where) -> Scope:
    ctx.where = "[scope]: "
    if not isinstance(data, dict):
        raise ctx.fail("must be a table")
    unknown = set(data) - {"from", "to", "countries", "bbox"}
    if unknown:
        raise ctx.fail(f"unknown keys: {', '.join(sorted(unknown))}")

    def day(key: str) -> np.datetime64 | None:
        from sahelgis.analysis.units import parse_day

        value = data.get(key)
        if value is None:
            return None
        try:
            return parse_day(value, key)
        except ValueError as exc:
            raise ctx.fail(str(exc)) from None

    start, end = day("from"), day("to")
    if start is not None and end is not None and end < start:
        raise ctx.fail(f"to {end} is before from {start}")
    countries = data.get("countries")
    bbox = data.get("bbox")
    if bbox is not None:
        from sahelgis.analysis.units import check_bbox

        try:
            bbox = check_bbox(bbox, "bbox")
        except ValueError as exc:
            raise ctx.fail(str(exc)) from None
    return Scope(
        start,
        end,
        tuple(_strings(countries, "countries", ctx)) if countries else None,
        bbox,
    )


def _check_keys(item: dict[str, Any], allowed: set[str], ctx: _Where) -> None:
    unknown = set(item) - allowed - {"kind", "id"}
    if unknown:
        raise ctx.fail(f"unknown keys: {', '.join(sorted(unknown))}")


def _buffer(task_id: str, item: dict[str, Any], ctx: _Where) -> BufferTask:
    from sahelgis.analysis.places import (
        TownNotFoundError,
        bundled_places,
        is_admin_capital,
        resolve_town,
    )

    _check_keys(
        item,
        {"town", "towns", "at", "name", "radii", "radii_m", "by", "max_geo_precision"},
        ctx,
    )
    centres: list[Centre] = []
    names = _strings(item.get("towns", item.get("town", [])), "towns", ctx)
    if names:
        places = bundled_places()
        for name in names:
            try:
                lon, lat, row = resolve_town(name, places)
            except TownNotFoundError as exc:
                raise ctx.fail(str(exc)) from None
            centres.append(
                Centre(str(row["name"]), float(lon), float(lat), is_admin_capital(row))
            )
    if "at" in item:
        at = item["at"]
        if not (isinstance(at, list) and len(at) == 2):
            raise ctx.fail(f"at = {at!r}: give [lon, lat]")
        lon, lat = _checked(check_lonlat, ctx, at[0], at[1], "at")
        centres.append(
            Centre(str(item.get("name") or f"{lat:.4f}, {lon:.4f}"), lon, lat)
        )
    if not centres:
        raise ctx.fail('give town = "Nara", towns = [...] or at = [lon, lat]')
    if "radii_m" in item:
        raw_m = item["radii_m"] if isinstance(item["radii_m"], list) else []
        radii = [_distance(_checked(check_number, ctx, v, "radii_m",
                                    -math.inf, math.inf), "radii_m", ctx, "m")
                 for v in raw_m]  # fmt: skip
        unit = str(item.get("unit", "km"))
    elif "radii" in item:
        raw = item["radii"] if isinstance(item["radii"], list) else [item["radii"]]
        radii = [_distance(v, "radii", ctx) for v in raw]
        unit = _unit(raw)
    else:
        raise ctx.fail('give radii = ["25 km", "50 km"]')
    if not radii or min(radii) <= 0 or len(set(radii)) != len(radii):
        raise ctx.fail(f"radii must be different positive distances, got {radii}")
    precision = item.get("max_geo_precision", 3)
    if isinstance(precision, bool) or precision not in (1, 2, 3):
        raise ctx.fail(f"max_geo_precision = {precision}: use 1, 2 or 3")
    return BufferTask(
        task_id,
        tuple(centres),
        tuple(sorted(radii)),
        unit,
        _by(item.get("by"), ("year", "event_type"), ctx),
        int(precision),
    )


def _roads() -> Any:
    from sahelgis.io.basedata import base_layers
    from sahelgis.model.layers import ROLE_ROADS

    for layer in base_layers():
        if layer.role == ROLE_ROADS:
            return layer.data
    raise InputError(Path("data/sahelgis_base.gpkg"), "has no roads layer")


def _corridor(task_id: str, item: dict[str, Any], ctx: _Where) -> CorridorTask:
    from sahelgis.analysis.corridors import road_by_ref, road_refs

    _check_keys(item, {"road", "roads", "line", "name", "within", "segment", "by"}, ctx)
    lines: list[RoadLine] = []
    refs = _strings(item.get("roads", item.get("road", [])), "roads", ctx)
    if refs:
        roads = _roads()
        if refs == ["all"]:
            refs = road_refs(roads)
        for ref in refs:
            try:
                geometry = road_by_ref(ref, roads)
            except SahelGISError as exc:
                raise ctx.fail(str(exc)) from None
            lines.append(RoadLine(ref, geometry.wkt))
    if "line" in item:
        import shapely

        try:
            geometry = shapely.from_wkt(str(item["line"]))
        except shapely.errors.GEOSException as exc:
            raise ctx.fail(f"line is not WKT: {exc}") from None
        if geometry.geom_type not in ("LineString", "MultiLineString"):
            raise ctx.fail(f"line is a {geometry.geom_type}, not a line")
        lines.append(RoadLine(str(item.get("name") or "drawn line"), geometry.wkt))
    if not lines:
        raise ctx.fail(
            'give roads = ["RN4"], roads = "all" or line = "LINESTRING (...)"'
        )
    if "within" not in item:
        raise ctx.fail('give within = "10 km"')
    within = _distance(item["within"], "within", ctx)
    segment = _distance(item["segment"], "segment", ctx) if "segment" in item else None
    return CorridorTask(
        task_id,
        tuple(lines),
        within,
        segment,
        _unit([item["within"]]),
        _by(item.get("by"), ("year",), ctx),
    )


def _counts(task_id: str, item: dict[str, Any], ctx: _Where) -> CountsTask:
    from sahelgis.analysis.areas import CLASS_METHODS
    from sahelgis.io.basedata import base_layers

    _check_keys(item, {"areas", "by", "classes"}, ctx)
    areas = str(item.get("areas", "cercle"))
    if areas not in AREAS:
        raise ctx.fail(f"areas = {areas!r}; use one of {', '.join(AREAS)}")
    role, field = AREAS[areas]
    frame = next((layer.data for layer in base_layers() if layer.role == role), None)
    if frame is None:
        raise ctx.fail(f"no {role} layer in the bundled data")
    classes = str(item.get("classes", "quantiles"))
    if classes not in CLASS_METHODS:
        raise ctx.fail(f"classes = {classes!r}; use one of {', '.join(CLASS_METHODS)}")
    frame = frame[[field, frame.geometry.name]].reset_index(drop=True)
    return CountsTask(
        task_id, areas, field, frame, _by(item.get("by"), ("year",), ctx), classes
    )


def _zones(task_id: str, item: dict[str, Any], ctx: _Where) -> ZonesTask:
    from sahelgis.analysis.zones import DEFAULT_RULES, ZoneRules, load_rules

    _check_keys(item, {"rules", "rules_file", "by"}, ctx)
    if "rules_file" in item:
        rules = load_rules(ctx.path.parent / str(item["rules_file"]))
    elif "rules" in item:
        if not isinstance(item["rules"], dict):
            raise ctx.fail("rules must be a table")
        given = dict(item["rules"])
        if "eps_km" in given:
            _checked(check_distance_km, ctx, given["eps_km"], "rules.eps_km")
        if "margin_km" in given:
            _checked(
                check_distance_km,
                ctx,
                given["margin_km"],
                "rules.margin_km",
                allow_zero=True,
            )
        if "min_events" in given:
            _checked(check_count, ctx, given["min_events"], "rules.min_events", 1)
        try:
            rules = ZoneRules.from_dict(DEFAULT_RULES.to_dict() | given)
        except (ValueError, TypeError) as exc:
            raise ctx.fail(f"rules: {exc}") from None
    else:
        rules = DEFAULT_RULES
    by = str(item.get("by", "year"))
    if by not in ("year", "quarter", "month", "all"):
        raise ctx.fail(f"by = {by!r}; use year, quarter, month or all")
    return ZonesTask(task_id, rules.to_dict(), by)


_TASKS = {"buffer": _buffer, "corridor": _corridor, "counts": _counts, "zones": _zones}


# -------------------------------------------------------------- writing ---
def _toml(value: Any) -> str:
    from sahelgis.analysis.zones import _toml_value

    if isinstance(value, (list, tuple)) and all(
        isinstance(v, (int, float, str)) for v in value
    ):
        inline = "[" + ", ".join(_toml_value(v) for v in value) + "]"
        if len(inline) < 70:
            return inline
    return _toml_value(value)


def dump_recipe(
    name: str, analyses: Sequence[dict[str, Any]], notes: Sequence[str] = ()
) -> str:
    """A recipe TOML document from analysis tables (as :func:`load_recipe` reads)."""
    lines = [
        "# SahelGIS batch recipe: run with",
        "#   sahelgis batch THIS.toml --dataset STORE -o OUTDIR [--engine dask ...]",
        f"name = {_toml(name)}",
    ]
    lines += [f"# {note}" for note in notes]
    for item in analyses:
        lines += ["", "[[analysis]]"]
        rules = None
        for key, value in item.items():
            if key == "rules":
                rules = value
                continue
            lines.append(f"{key} = {_toml(value)}")
        if rules is not None:
            lines.append("[analysis.rules]")
            lines += [f"{k} = {_toml(v)}" for k, v in rules.items()]
    return "\n".join(lines) + "\n"


def _km(metres: float, unit: str) -> str:
    from sahelgis.analysis.units import format_distance

    return format_distance(float(metres), unit).replace(",", "")


def recipe_from_project(project: Project) -> str:
    """The project's saved analyses as a recipe (TOML text).

    Buffers keep their centre and radii, corridors their road (drawn lines as
    WKT), counts their areas, zones their rules. Analyses a recipe cannot run
    (town isolation, hexagon counts) are listed in a comment.
    """
    analyses: list[dict[str, Any]] = []
    notes: list[str] = []
    seen: set[str] = set()
    for layer in reversed(project.layers):  # oldest first, as they were made
        spec = getattr(layer, "analysis", None) or {}
        kind = spec.get("kind")
        if not kind:
            continue
        key = repr(sorted((k, repr(v)) for k, v in spec.items()))
        if key in seen:  # a corridor adds two layers with one spec
            continue
        seen.add(key)
        item = _from_spec(spec, project)
        if item is None:
            notes.append(f"not exported: {layer.name} ({kind})")
        else:
            item = {"id": _slug(layer.name)[:40], **item}
            analyses.append(item)
    if not analyses:
        raise SahelGISError(
            "the project has no saved analysis a recipe can run (buffers, "
            "corridors, counts per cercle or region, support zones)"
        )
    ids: dict[str, int] = {}
    for item in analyses:
        base = item["id"]
        ids[base] = ids.get(base, 0) + 1
        if ids[base] > 1:
            item["id"] = f"{base}_{ids[base]}"
    name = Path(project.path).stem if getattr(project, "path", None) else "project"
    return dump_recipe(f"{name} analyses", analyses, notes)


def _from_spec(spec: dict[str, Any], project: Project) -> dict[str, Any] | None:
    from sahelgis.analysis.corridors import DRAWN_PREFIX

    kind = spec["kind"]
    if kind == "buffer":
        unit = str(spec.get("unit", "km"))
        return {
            "kind": "buffer",
            "name": str(spec.get("name", "")),
            "at": [round(float(spec["lon"]), 6), round(float(spec["lat"]), 6)],
            "radii": [_km(r, unit) for r in spec["radii_m"]],
            "by": list(spec.get("by", ["year", "event_type"])),
            "max_geo_precision": int(spec.get("max_geo_precision", 3)),
        }
    if kind == "corridor":
        unit = str(spec.get("unit", "km"))
        item: dict[str, Any] = {"kind": "corridor"}
        road = str(spec["road"])
        if road.startswith(DRAWN_PREFIX):
            name = road[len(DRAWN_PREFIX) :]
            line = _drawn_line(project, name)
            if line is None:
                return None
            item |= {"name": name, "line": line}
        else:
            item["roads"] = [road]
        item["within"] = _km(spec["within_m"], unit)
        if spec.get("segment_m"):
            item["segment"] = _km(spec["segment_m"], unit)
        return item
    if kind == "counts" and spec.get("by") in AREAS:
        return {"kind": "counts", "areas": spec["by"], "by": ["year"],
                "classes": str(spec.get("method", "quantiles"))}  # fmt: skip
    if kind == "zones":
        return {"kind": "zones", "by": "year", "rules": dict(spec["rules"])}
    return None


def _drawn_line(project: Project, name: str) -> str | None:
    for layer in project.layers_with_role("drawing"):
        data = getattr(layer, "data", None)
        if data is None or "name" not in data:
            continue
        for label, geom in zip(data["name"].fillna(""), data.geometry, strict=True):
            if str(label) == name and geom is not None and "Line" in geom.geom_type:
                return str(geom.wkt)
    return None
