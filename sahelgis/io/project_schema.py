"""The typed schema of a project's JSON state, and how a state is checked on open.

A project file holds its state (layers, styles, view, time window, filter,
selection, figures, basemap) as JSON in the ``sahelgis_project`` table; see
``sahelgis.io.project_file``. Before any of it reaches the model or Qt the state
is checked against the pydantic models below: types, ranges, finite numbers,
text lengths, list sizes and nesting depth, with every limit taken from
``sahelgis.io.limits``.

What is wrong gets one line naming the file and the key, e.g.::

    P.gpkg: layers[2].opacity: nan is not a finite number in 0–1; reset to 1.0

- a bad *optional* value (a style, an opacity, the view extent, a figure ...) is
  reset to its default, cut to its length limit, or left out, with a warning;
- a bad *structural* value (the format, the version, a layer's id, kind or
  table, the list of layers itself) refuses the file with ``ProjectFileError``.

``check_state(path, raw)`` returns the cleaned state (plain JSON values the
model's ``from_dict`` methods read) and the warnings.

Size: one schema, one pydantic model per part of the state; reading it in one
place is the point of having it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, get_args

import numpy as np
import shapely
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
    field_validator,
    model_validator,
)
from shapely.errors import ShapelyError

from sahelgis.errors import ProjectFileError
from sahelgis.io import limits
from sahelgis.io.gpkg_columns import COLUMN_TYPES
from sahelgis.model.figures import (
    CUSTOM_SIZE,
    MULTIPLE_KEYS,
    SCALE_UNITS,
    SIZE_PRESETS,
)
from sahelgis.model.styles import LINE_STYLES, SYMBOLS, Style
from sahelgis.model.time_window import MODES, STEPS

if TYPE_CHECKING:
    from collections.abc import Callable

    from pydantic.fields import FieldInfo

FORMAT_NAME = "sahelgis-project"
FORMAT_VERSION = 1

_COLOUR = re.compile(r"#[0-9A-Fa-f]{6}(?:[0-9A-Fa-f]{2})?")
_LAYER_ID = re.compile(r"[A-Za-z0-9_.-]+")
_DEFAULT_STYLE = Style()
#: Keys whose bad value refuses the file instead of being reset.
STRUCTURAL = "structural"
#: Values reset whole when anything inside them is wrong: a tile source is
#: never repaired into another one (a URL cut to its length limit, or a kept URL
#: with a reset zoom, would be a source nobody wrote).
WHOLE = "whole"


# -- value types ------------------------------------------------------------------
def _finite(low: float, high: float) -> Callable[[float], float]:
    def check(value: float) -> float:
        if not (math.isfinite(value) and low <= value <= high):
            raise ValueError(f"is not a finite number in {low:g}–{high:g}")
        return value

    return check


def _int_in(low: int, high: int) -> Callable[[int], int]:
    def check(value: int) -> int:
        if not low <= value <= high:
            raise ValueError(f"is not a whole number in {low:,}–{high:,}")
        return value

    return check


def _colour(value: str) -> str:
    if not _COLOUR.fullmatch(value):
        raise ValueError("is not a colour like #RRGGBB or #RRGGBBAA")
    return value


def _day(value: str) -> str:
    try:
        day = np.datetime64(value, "D")
    except (ValueError, OverflowError):
        raise ValueError("is not a date like 2024-06-30") from None
    if np.isnat(day):
        raise ValueError("is not a date like 2024-06-30")
    year = int(day.astype("datetime64[Y]").astype("int64")) + 1970
    if not limits.MIN_YEAR <= year <= limits.MAX_YEAR:
        raise ValueError(
            f"is not a date in the years {limits.MIN_YEAR}–{limits.MAX_YEAR}"
        )
    return str(day)


Name = Annotated[StrictStr, Field(max_length=limits.MAX_NAME_CHARS)]
Text = Annotated[StrictStr, Field(max_length=limits.MAX_TEXT_CHARS)]
Colour = Annotated[StrictStr, Field(max_length=9), AfterValidator(_colour)]
Day = Annotated[StrictStr, Field(max_length=40), AfterValidator(_day)]
Names = Annotated[list[Name], Field(max_length=limits.MAX_LIST_ITEMS)]
Precisions = Annotated[
    list[Literal[1, 2, 3]], Field(max_length=3), AfterValidator(sorted)
]
Opacity = Annotated[float, AfterValidator(_finite(0.0, 1.0))]


def _all_precisions() -> list[Literal[1, 2, 3]]:
    return [1, 2, 3]


SymbolSize = Annotated[
    float, AfterValidator(_finite(limits.MIN_SYMBOL_SIZE, limits.MAX_SYMBOL_SIZE))
]
LineWidth = Annotated[float, AfterValidator(_finite(0.0, limits.MAX_LINE_WIDTH))]
Inches = Annotated[
    float, AfterValidator(_finite(limits.MIN_PAGE_INCHES, limits.MAX_PAGE_INCHES))
]
Degrees = Annotated[float, AfterValidator(_finite(-360.0, 360.0))]
Metres = Annotated[
    float,
    AfterValidator(_finite(-limits.MAX_EXTENT_METRES, limits.MAX_EXTENT_METRES)),
]
Speed = Annotated[float, AfterValidator(_finite(limits.MIN_SPEED, limits.MAX_SPEED))]
Dpi = Annotated[StrictInt, AfterValidator(_int_in(limits.MIN_DPI, limits.MAX_DPI))]
Steps = Annotated[StrictInt, AfterValidator(_int_in(1, limits.MAX_WINDOW_LENGTH))]
Trail = Annotated[StrictInt, AfterValidator(_int_in(0, limits.MAX_TRAIL))]
Fatalities = Annotated[StrictInt, AfterValidator(_int_in(0, limits.MAX_FATALITIES))]
Rows = Annotated[StrictInt, AfterValidator(_int_in(0, limits.MAX_LAYER_ROWS))]
Zoom = Annotated[StrictInt, AfterValidator(_int_in(0, limits.MAX_ZOOM))]
ProcessId = Annotated[StrictInt, AfterValidator(_int_in(0, 2**31))]
UnixSeconds = Annotated[StrictInt, AfterValidator(_int_in(0, 2**40))]
Version = Annotated[StrictInt, AfterValidator(_int_in(0, FORMAT_VERSION))]
Box4 = Annotated[list[Degrees], Field(min_length=4, max_length=4)]
ViewBox = Annotated[list[Metres], Field(min_length=4, max_length=4)]
DayPair = Annotated[list[Day], Field(min_length=2, max_length=2)]


def _structural(**kwargs: Any) -> Any:
    return Field(json_schema_extra={STRUCTURAL: True}, **kwargs)


def _whole(**kwargs: Any) -> Any:
    return Field(json_schema_extra={WHOLE: True}, **kwargs)


class _Model(BaseModel):
    # unknown keys (from newer versions) are ignored; types are never coerced
    model_config = ConfigDict(extra="ignore", strict=True)


# -- the models -------------------------------------------------------------------
class StyleState(_Model):
    """``Style.to_dict()``: colours, sizes (screen pixels), symbols, labels."""

    color: Colour = _DEFAULT_STYLE.color
    fill: Colour | None = None
    size: SymbolSize = _DEFAULT_STYLE.size
    line_width: LineWidth = _DEFAULT_STYLE.line_width
    line_style: Literal[LINE_STYLES] = _DEFAULT_STYLE.line_style  # type: ignore[valid-type]
    symbol: Literal[tuple(SYMBOLS)] = _DEFAULT_STYLE.symbol  # type: ignore[valid-type]
    category_field: Name | None = None
    categories: Annotated[
        dict[Name, Colour], Field(max_length=limits.MAX_CATEGORIES)
    ] = Field(default_factory=dict)
    label_field: Name | None = None
    label_size: SymbolSize = _DEFAULT_STYLE.label_size
    label_color: Colour = _DEFAULT_STYLE.label_color


class LayerState(_Model):
    """One entry of ``layers``: a layer's metadata and the table holding it."""

    id: Annotated[StrictStr, Field(min_length=1, max_length=64)] = _structural()
    kind: Literal["events", "vector"] = _structural(default="vector")
    table: Annotated[StrictStr, Field(min_length=1, max_length=200)] = _structural()
    name: Name = "layer"
    visible: StrictBool = True
    opacity: Opacity = 1.0
    role: Name = ""
    attribution: Text = ""
    caveat: Text = ""
    synthetic: StrictBool = False
    source_path: Text = ""
    analysis: dict[Name, Any] = Field(default_factory=dict)
    source_query: dict[Name, Any] = Field(default_factory=dict)
    style: StyleState = Field(default_factory=StyleState)
    feature_count: Rows | None = None
    date_range: DayPair | None = None
    geometry_kind: Literal["point", "line", "polygon"] | None = None
    #: stored column name -> the model's name (``sahelgis.io.gpkg_columns``)
    columns: Annotated[dict[Name, Name], Field(max_length=limits.MAX_LIST_ITEMS)] = (
        Field(default_factory=dict)
    )
    #: the model's column name -> its type before it was written as a DATE
    column_types: Annotated[
        dict[Name, Literal[COLUMN_TYPES]],  # type: ignore[valid-type]
        Field(max_length=limits.MAX_LIST_ITEMS),
    ] = Field(default_factory=dict)

    @field_validator("id")
    @classmethod
    def _plain_id(cls, value: str) -> str:
        if not _LAYER_ID.fullmatch(value):
            raise ValueError("is not a layer id (letters, digits, _ . -)")
        return value


class TimeWindowState(_Model):
    """``TimeWindow.to_dict()``: window days, step, mode and play settings."""

    start: Day | None = None
    end: Day | None = None
    step: Literal[STEPS] = "month"  # type: ignore[valid-type]
    mode: Literal[MODES] = "cumulative"  # type: ignore[valid-type]
    length: Steps = 12
    trail: Trail = 0
    expand_imprecise: StrictBool = True
    loop: StrictBool = False
    speed: Speed = 2.0


class FilterState(_Model):
    """``EventFilter.to_dict()``."""

    event_types: Names | None = None
    sub_event_types: Names | None = None
    actor: Name = ""
    civilian_targeting: StrictBool | None = None
    min_fatalities: Fatalities = 0
    geo_precision: Precisions = Field(default_factory=_all_precisions)
    time_precision: Precisions = Field(default_factory=_all_precisions)


class SelectionState(_Model):
    """``Selection.to_dict()``: a lon/lat polygon as WKT and its label."""

    wkt: Annotated[StrictStr, Field(max_length=limits.MAX_WKT_CHARS)]
    label: Name = "Selection"

    @field_validator("wkt")
    @classmethod
    def _polygon(cls, value: str) -> str:
        try:
            with np.errstate(invalid="ignore"):
                geometry = shapely.from_wkt(value)
        except (ShapelyError, ValueError, TypeError):
            raise ValueError("is not a WKT polygon") from None
        if geometry is None or geometry.is_empty:
            raise ValueError("is not a WKT polygon (empty)")
        if geometry.geom_type not in ("Polygon", "MultiPolygon"):
            raise ValueError(f"is a {geometry.geom_type}, not a polygon")
        xy = shapely.get_coordinates(geometry)
        if not (
            np.isfinite(xy).all()
            and (np.abs(xy[:, 0]) <= 360).all()
            and (np.abs(xy[:, 1]) <= 90).all()
        ):
            raise ValueError("has coordinates that are not finite lon/lat degrees")
        return value


class ScopeState(_Model):
    """``FigureScope.to_dict()``: where a figure counts its events."""

    kind: Literal["frame", "area", "all"] = "frame"
    layer_id: Name = ""
    field: Name = ""
    value: Text = ""
    label: Name = ""


class FigureState(_Model):
    """``FigureSpec.to_dict()``: one saved figure (sizes in inches)."""

    name: Name = "Figure"
    title: Text = ""
    subtitle: Text = ""
    size: Literal[(*SIZE_PRESETS, CUSTOM_SIZE)] = "16:9"  # type: ignore[valid-type]
    width_in: Inches = 13.333
    height_in: Inches = 7.5
    dpi: Dpi = 200
    extent: Box4 | None = None
    layer_ids: Names | None = None
    legend_labels: Annotated[
        dict[Name, Text], Field(max_length=limits.MAX_LIST_ITEMS)
    ] = Field(default_factory=dict)
    legend_hidden: Names = Field(default_factory=list)
    legend_collapsed: Names = Field(default_factory=list)
    source_line: Text | None = None
    scale_units: Literal[SCALE_UNITS] = "km"  # type: ignore[valid-type]
    north_arrow: StrictBool = True
    inset: StrictBool = True
    credit: Text = ""
    logo_path: Text = ""
    small_multiples: dict[Name, Any] | None = None
    time_window: DayPair | None = None
    event_filter: FilterState | None = None
    show_window: StrictBool = True
    chart: dict[Name, Any] | None = None
    notes: Annotated[StrictStr, Field(max_length=limits.MAX_NOTES_CHARS)] = ""
    scope: ScopeState | None = None

    @field_validator("extent")
    @classmethod
    def _box(cls, value: list[float] | None) -> list[float] | None:
        if value is not None:
            west, south, east, north = value
            if not (west < east and south < north):
                raise ValueError("is not (west, south, east, north) degrees")
        return value

    @field_validator("small_multiples")
    @classmethod
    def _multiples(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None and value.get("by", "year") not in MULTIPLE_KEYS:
            raise ValueError(f"is not split by one of {list(MULTIPLE_KEYS)}")
        return value


class BasemapState(_Model):
    """``tiles.provider_state()``: the shape only (tiles check URLs and consent)."""

    model_config = ConfigDict(extra="allow", strict=True)

    provider: Name
    name: Name = ""
    attribution: Text = ""
    url: Annotated[StrictStr, Field(max_length=2_000)] = ""
    max_zoom: Zoom = 19
    allows_bulk: StrictBool = False


class RecoveryState(_Model):
    """What a recovery file records of the project it belongs to."""

    project_path: Text | None = None
    saved_at: Name = ""
    pid: ProcessId | None = None
    app_version: Name = ""


class AcledUpdateState(_Model):
    """What the last update from ACLED's API asked for and got (no credentials)."""

    layer_id: Annotated[StrictStr, Field(max_length=200)] = ""
    countries: Names = Field(default_factory=list)
    start: Day | None = None
    timestamp: UnixSeconds | None = None
    deleted_timestamp: UnixSeconds | None = None
    updated_at: Name = ""
    summary: Text = ""


class ExtraState(_Model):
    """``Project.extra_state``: figures, basemap, recovery; other keys are kept."""

    model_config = ConfigDict(extra="allow", strict=True)

    figures: Annotated[list[FigureState], Field(max_length=limits.MAX_FIGURES)] = Field(
        default_factory=list
    )
    basemap: BasemapState | None = _whole(default=None)
    sahelgis_recovery: RecoveryState | None = None
    acled_update: AcledUpdateState | None = _whole(default=None)


class ProjectState(_Model):
    """The whole state JSON of a project file (format 1)."""

    format: Literal["sahelgis-project"] = _structural()
    version: Version = _structural(default=FORMAT_VERSION)
    app_version: Name = ""
    display_crs: Text = ""
    layers: Annotated[list[LayerState], Field(max_length=limits.MAX_LAYERS)] = (
        _structural(default_factory=list)
    )
    view_extent: ViewBox | None = None
    time_window: TimeWindowState = Field(default_factory=TimeWindowState)
    event_filter: FilterState = Field(default_factory=FilterState)
    selection: SelectionState | None = None
    extra: ExtraState = Field(default_factory=ExtraState)

    @field_validator("view_extent")
    @classmethod
    def _extent(cls, value: list[float] | None) -> list[float] | None:
        if value is not None:
            xmin, ymin, xmax, ymax = value
            if not (xmin < xmax and ymin < ymax):
                raise ValueError("is not (xmin, ymin, xmax, ymax) with min < max")
        return value

    @model_validator(mode="after")
    def _unique_ids(self) -> ProjectState:
        seen: set[str] = set()
        for layer in self.layers:
            if layer.id in seen:
                raise ValueError(f"layer id {layer.id!r} is used twice")
            seen.add(layer.id)
        return self


# -- checking -----------------------------------------------------------------------
@dataclass
class CheckedState:
    """A state that passed the schema, and what was fixed.

    Attributes
    ----------
    state
        Every key of the schema, defaults filled in (what ``load_project``
        reads).
    present
        Only the keys the file has (after fixes), e.g. for ``sahelgis info``
        to print "?" for what is missing.
    warnings
        One line per value reset, cut or left out, naming the file and key.
    """

    state: dict[str, Any]
    present: dict[str, Any]
    warnings: list[str] = field(default_factory=list)


def check_header(path: Path, raw: object) -> None:
    """Refuse what is not a SahelGIS state of a format this version reads."""
    if not isinstance(raw, dict):
        raise ProjectFileError(
            path,
            f"the project state is damaged (a JSON {_json_kind(raw)}, not an object)",
        )
    if raw.get("format") != FORMAT_NAME:
        raise ProjectFileError(
            path,
            f"format: {_show(raw.get('format'))} is not {FORMAT_NAME!r}: not a "
            "SahelGIS project state",
        )
    version = raw.get("version", FORMAT_VERSION)
    if isinstance(version, bool) or not isinstance(version, int):
        raise ProjectFileError(
            path,
            f"the project state is damaged: version: {_show(version)} is not a "
            "whole number",
        )
    if version > FORMAT_VERSION:
        raise ProjectFileError(
            path,
            f"made by a newer SahelGIS (project format {version:.20g}); this "
            f"version reads format {FORMAT_VERSION}: please update SahelGIS",
        )


def check_shape(path: Path, raw: object) -> None:
    """Refuse a state nested deeper or holding more values than the limits.

    Walks the JSON without recursion, so any depth is measured safely.
    """
    layers = raw.get("layers") if isinstance(raw, dict) else None
    if isinstance(layers, list) and len(layers) > limits.MAX_LAYERS:
        raise ProjectFileError(
            path,
            f"layers: {len(layers):,} layers, more than the limit of "
            f"{limits.MAX_LAYERS:,}",
        )
    stack: list[tuple[object, int]] = [(raw, 1)]
    nodes = 0
    while stack:
        value, depth = stack.pop()
        nodes += 1
        if depth > limits.MAX_JSON_DEPTH:
            raise ProjectFileError(
                path,
                f"the project state nests deeper than {limits.MAX_JSON_DEPTH} "
                "levels (damaged or hostile file)",
            )
        if nodes > limits.MAX_JSON_NODES:
            raise ProjectFileError(
                path,
                f"the project state holds more than {limits.MAX_JSON_NODES:,} "
                "values (damaged or hostile file)",
            )
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)


def check_state(path: str | Path, raw: object) -> CheckedState:
    """Check a parsed state against the schema; fix what is optional.

    Parameters
    ----------
    path
        The project file (named in every message).
    raw
        The state as parsed from JSON (not changed).

    Returns
    -------
    CheckedState
        The cleaned state (every value passes ``ProjectState``) and one warning
        line per value that was reset, cut or left out.

    Raises
    ------
    ProjectFileError
        When the state is not a SahelGIS state, is too large or too deep, or a
        structural value (format, version, a layer's id/kind/table, the layer
        list) is wrong.
    """
    path = Path(path)
    check_header(path, raw)
    check_shape(path, raw)
    data = _copy_json(raw)
    warnings: list[str] = []
    for _ in range(8):  # each pass fixes every error it finds
        try:
            model = ProjectState.model_validate(data)
        except ValidationError as exc:
            fixes = [_fix_for(path, error, data) for error in exc.errors()]
            for fix in fixes:
                if fix.refuse:
                    raise ProjectFileError(
                        path, f"the project state is damaged: {fix.message}"
                    ) from None
            for fix in fixes:
                fix.apply()
                warnings.append(f"{path.name}: {fix.message}")
            _remove_dropped(data)
            continue
        return CheckedState(
            model.model_dump(mode="json"),
            model.model_dump(mode="json", exclude_unset=True),
            _unique(warnings),
        )
    raise ProjectFileError(path, "the project state is damaged beyond repair")


# -- fixing one error ----------------------------------------------------------------
_DROP = object()


@dataclass
class _Fix:
    message: str
    refuse: bool = False
    container: Any = None
    key: Any = None
    action: str = "reset"  # reset | cut | drop
    limit: int = 0

    def apply(self) -> None:
        if self.container is None:
            return
        if self.action == "cut":
            value = self.container[self.key]
            if isinstance(value, str):
                self.container[self.key] = value[: self.limit]
        elif self.action == "drop":
            self.container[self.key] = _DROP
        elif isinstance(self.container, dict):
            self.container.pop(self.key, None)


def _fix_for(path: Path, error: Any, data: Any) -> _Fix:
    """What to do about one pydantic error: which value to reset, and the line."""
    loc: tuple[Any, ...] = tuple(error["loc"])
    if not loc:
        return _Fix(_problem(error), refuse=True)
    where = _loc_text(loc)
    problem = f"{_show(error.get('input'))} {_problem(error)}"
    target = _resettable(loc, data)
    if target is None:
        return _Fix(f"{where}: {problem}", refuse=True)
    container, key, info, depth = target
    if error["type"] == "string_too_long" and depth == len(loc):
        limit = int(error["ctx"]["max_length"])
        return _Fix(
            f"{where}: {problem}; cut to {limit:,}",
            container=container,
            key=key,
            action="cut",
            limit=limit,
        )
    if isinstance(key, int):
        return _Fix(
            f"{where}: {problem}; left out",
            container=container,
            key=key,
            action="drop",
        )
    assert info is not None
    default = info.get_default(call_default_factory=True)
    shown = "its defaults" if isinstance(default, BaseModel) else _show(default)
    if depth < len(loc):  # a part of the value is wrong: the whole value goes
        return _Fix(
            f"{where}: {problem}; {_loc_text(loc[:depth])} reset to {shown}",
            container=container,
            key=key,
        )
    return _Fix(f"{where}: {problem}; reset to {shown}", container=container, key=key)


#: Lists of a fixed length (boxes, date pairs): reset whole, never shortened.
_FIXED_LISTS = frozenset({"extent", "view_extent", "date_range", "time_window"})


def _is_structural(info: FieldInfo) -> bool:
    extra = info.json_schema_extra
    return isinstance(extra, dict) and bool(extra.get(STRUCTURAL))


def _is_whole(info: FieldInfo) -> bool:
    extra = info.json_schema_extra
    return isinstance(extra, dict) and bool(extra.get(WHOLE))


def _resettable(
    loc: tuple[Any, ...], data: Any
) -> tuple[Any, Any, FieldInfo | None, int] | None:
    """The deepest value along ``loc`` that may be reset or left out.

    Returns its container, its key (a list index: the item is left out), its
    field and its depth; None when the error is in a structural value.
    """
    model: type[BaseModel] | None = ProjectState
    info: FieldInfo | None = None
    found: tuple[Any, Any, FieldInfo | None, int] | None = None
    for depth, part in enumerate(loc, start=1):
        if isinstance(part, int) and not isinstance(part, bool):
            if not isinstance(data, list) or not 0 <= part < len(data):
                return found
            if (
                depth == len(loc)
                and info is not None
                and not _is_structural(info)
                and loc[depth - 2] not in _FIXED_LISTS
            ):
                return (data, part, info, depth)
            data = data[part]
            continue
        if model is None or not isinstance(data, dict):
            return found
        info = model.model_fields.get(part)
        if info is None:
            return found
        if _is_structural(info):
            found = None
        elif not info.is_required():
            found = (data, part, info, depth)
            if _is_whole(info):
                return found
        data = data.get(part)
        model = _model_in(info.annotation)
    return found


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The model class inside ``list[M]``, ``M | None``, ``Annotated[...]``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _remove_dropped(value: Any) -> None:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            item[:] = [v for v in item if v is not _DROP]
            stack.extend(item)


# -- messages ------------------------------------------------------------------------
_KINDS = {
    "int_type": "is not a whole number",
    "int_from_float": "is not a whole number",
    "int_parsing": "is not a whole number",
    "float_type": "is not a number",
    "float_parsing": "is not a number",
    "string_type": "is not a text",
    "bool_type": "is not true or false",
    "dict_type": "is not an object",
    "model_type": "is not an object",
    "model_attributes_type": "is not an object",
    "list_type": "is not a list",
    "missing": "is missing",
}


def _problem(error: Any) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind in _KINDS:
        return _KINDS[kind]
    if kind == "literal_error":
        return f"is not one of {ctx.get('expected', '')}"
    if kind == "string_too_long":
        return f"is more than {ctx.get('max_length', 0):,} characters"
    if kind == "too_long":
        return (
            f"has {ctx.get('actual_length', '?'):,} items, more than "
            f"{ctx.get('max_length', 0):,}"
        )
    if kind == "too_short":
        return f"has {ctx.get('actual_length', '?')} items, not {ctx.get('min_length')}"
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    if kind == "string_too_short":
        return "is empty"
    return str(error["msg"]).splitlines()[0][:120]


def _show(value: Any) -> str:
    """A short, one-line picture of a value found in the file."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        text = repr(value)
        return text if len(text) <= 10 else f"{value:.6g}"
    if isinstance(value, int):
        if abs(value) < 10**30:
            return str(value)
        return f"an integer of {len(str(abs(value))):,} digits"
    if isinstance(value, str):
        if len(value) > 60:
            return f"a text of {len(value):,} characters"
        return repr(value.replace("\n", " ").replace("\r", " "))
    if isinstance(value, dict):
        return "an object" if value else "{}"
    if isinstance(value, list):
        return "a list" if value else "[]"
    return type(value).__name__


def _json_kind(value: object) -> str:
    if isinstance(value, list):
        return "list"
    if isinstance(value, str):
        return "text"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return "null" if value is None else type(value).__name__


def _loc_text(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif isinstance(part, str) and part.isidentifier():
            text += f".{part}" if text else part
        else:
            text += f"[{_show(str(part))}]"
    return text


def _copy_json(value: Any) -> Any:
    """A deep copy of parsed JSON, without recursion."""
    root: list[Any] = [None]
    stack: list[tuple[Any, Any, Any]] = [(value, root, 0)]
    while stack:
        item, parent, key = stack.pop()
        if isinstance(item, dict):
            copy: Any = {}
            stack.extend((v, copy, k) for k, v in item.items())
        elif isinstance(item, list):
            copy = [None] * len(item)
            stack.extend((v, copy, i) for i, v in enumerate(item))
        else:
            copy = item
        parent[key] = copy
    return root[0]


def _unique(lines: list[str]) -> list[str]:
    return list(dict.fromkeys(lines))


__all__ = [
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "CheckedState",
    "FigureState",
    "LayerState",
    "ProjectState",
    "ScopeState",
    "StyleState",
    "check_header",
    "check_shape",
    "check_state",
]
