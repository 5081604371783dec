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
    actor = "JNIM"                    # as --actor / --event-type of the CLI
    event_type = ["Battles"]

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

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sahelgis.analysis.registry import (
    ANALYSES,
    SELECTION_PARAMS,
    Context,
    ParamError,
    get,
)
from sahelgis.analysis.registry.params import read_params
from sahelgis.errors import InputError, SahelGISError
from sahelgis.model.filters import EventFilter
from sahelgis.scale.tasks import Task

if TYPE_CHECKING:
    from sahelgis.model.project import Project

#: Analyses a recipe can run (every registered analysis with a batch split).
KINDS = tuple(kind for kind, analysis in ANALYSES.items() if analysis.batch)
#: Most analyses one recipe may list (each writes files into the output folder).
MAX_ANALYSES = 1000


@dataclass(frozen=True)
class Scope:
    """Which events a recipe considers."""

    start: np.datetime64 | None = None
    end: np.datetime64 | None = None
    countries: tuple[str, ...] | None = None
    bbox: tuple[float, float, float, float] | None = None
    #: The same event filter as the command line's --actor and --event-type.
    actor: str = ""
    event_types: tuple[str, ...] | None = None

    def describe(self) -> str:
        parts = []
        if self.start is not None or self.end is not None:
            parts.append(f"{self.start or '…'} to {self.end or '…'}")
        if self.countries:
            parts.append(", ".join(self.countries))
        if self.bbox:
            parts.append("box " + ", ".join(f"{v:.2f}" for v in self.bbox))
        if self.is_filtered:
            parts.append(self.event_filter().describe())
        return "; ".join(parts) or "every event"

    @property
    def is_filtered(self) -> bool:
        """Whether an actor or event types narrow the events."""
        return bool(self.actor) or self.event_types is not None

    def event_filter(self) -> EventFilter:
        """The scope's actor and event types as an event filter."""
        return EventFilter(
            event_types=frozenset(self.event_types) if self.event_types else None,
            actor=self.actor,
        )


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
        return replace(self.scope, bbox=bbox)


class _Where:
    """Error context: the file and the analysis being read."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.where = ""

    def fail(self, message: str) -> InputError:
        return InputError(self.path, f"{self.where}{message}")


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_").lower() or "analysis"


def _strings(value: Any, field: str, ctx: _Where) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise ctx.fail(f"{field} must be text or a list of text, got {value!r}")


def load_recipe(path: str | Path) -> Recipe:
    """Read and check a recipe; errors name the file, the analysis and the field."""
    from sahelgis.io.rules_file import read_toml

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
    context = Context()  # towns, roads and areas: the bundled base data
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
        analysis = get(kind)
        raw = {k: v for k, v in item.items() if k not in ("kind", "id")}
        allowed = {key for p in analysis.params if p.recipe for key in p.keys}
        unknown_keys = sorted(k for k in raw if k not in allowed)
        if unknown_keys:
            raise ctx.fail(f"unknown keys: {', '.join(unknown_keys)}")
        try:
            spec = analysis.spec_from(raw, context, where=ctx.where)
            spec = analysis.prepare_batch(spec, context)
        except ParamError as exc:
            raise InputError(path, str(exc)) from None
        tasks.append(Task(task_id, kind, spec))
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
    selection = {
        p.name: p for p in SELECTION_PARAMS if p.name in ("actor", "event_type")
    }
    keys = {k for p in selection.values() for k in p.keys}
    unknown = set(data) - {"from", "to", "countries", "bbox"} - keys
    if unknown:
        raise ctx.fail(f"unknown keys: {', '.join(sorted(unknown))}")
    try:
        chosen = read_params(
            list(selection.values()), {k: v for k, v in data.items() if k in keys}
        )
    except ParamError as exc:
        raise ctx.fail(str(exc)) from None

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
        str(chosen.get("actor") or ""),
        tuple(chosen["event_type"]) if chosen.get("event_type") else None,
    )


# -------------------------------------------------------------- writing ---
def _toml(value: Any) -> str:
    from sahelgis.io.rules_file import toml_value

    if isinstance(value, (list, tuple)) and all(
        isinstance(v, (int, float, str)) for v in value
    ):
        inline = "[" + ", ".join(toml_value(v) for v in value) + "]"
        if len(inline) < 70:
            return inline
    return toml_value(value)


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


def recipe_from_project(project: Project) -> str:
    """The project's saved analyses as a recipe (TOML text).

    Each analysis writes its own recipe tables (buffers their centre and radii,
    corridors their road or drawn line as WKT, counts their areas, zones their
    rules); analyses a recipe cannot run (town isolation) are
    listed in a comment.
    """
    analyses: list[dict[str, Any]] = []
    notes: list[str] = []
    seen: set[str] = set()
    context = Context.from_project(project)
    for layer in reversed(project.layers):  # oldest first, as they were made
        spec = getattr(layer, "analysis", None) or {}
        kind = spec.get("kind")
        if not kind:
            continue
        key = repr(sorted((k, repr(v)) for k, v in spec.items()))
        if key in seen:  # a corridor adds two layers with one spec
            continue
        seen.add(key)
        analysis = ANALYSES.get(str(kind))
        try:
            items = analysis.recipe_items(spec, context) if analysis else []
        except SahelGISError:
            items = []
        if not items:
            notes.append(f"not exported: {layer.name} ({kind})")
        for item in items:
            analyses.append({"id": _slug(layer.name)[:40], **item})
    if not analyses:
        raise SahelGISError(
            "the project has no saved analysis a recipe can run (buffers, "
            "corridors, counts per cercle, region or country, support zones)"
        )
    ids: dict[str, int] = {}
    for item in analyses:
        base = item["id"]
        ids[base] = ids.get(base, 0) + 1
        if ids[base] > 1:
            item["id"] = f"{base}_{ids[base]}"
    path = getattr(project, "path", None)
    name = Path(path).stem if path else "project"
    return dump_recipe(f"{name} analyses", analyses, notes)
