"""Figure specs: what a finished slide figure shows, saved with the project.

A ``FigureSpec`` holds only plain values (title, size, extent, layers, legend
labels, source line, small multiples ...); it is saved in
``project.extra_state["figures"]`` as a list of dicts and rendered by
``sahelgis.export`` (matplotlib) the same way from the CLI and the GUI.

``plan_figure`` decides *what* is drawn — the map extent in the display CRS,
the event rows and features of every panel, the legend entries and the counts —
without drawing anything, so renderers, slide notes and the source line all
agree on ``n``. No Qt and no matplotlib here.

Units: page sizes in inches; extents given by users in WGS84 lon/lat degrees
(west, south, east, north); planned extents in the display CRS (metres,
``sahelgis.model.crs.DISPLAY_CRS``).
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import asdict, dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from sahelgis.model import acled_schema as acled
from sahelgis.model import crs
from sahelgis.model.figure_scope import (
    CountedRows,
    FigureScope,
    area_geometries,
    area_name,
    counted_rows,
    scope_label,
)
from sahelgis.model.filters import EventFilter
from sahelgis.model.layers import EventLayer, Layer, VectorLayer
from sahelgis.model.styles import OTHER_CATEGORY_COLOR
from sahelgis.model.time_window import (
    DAY,
    STEPS,
    add_steps,
    as_day,
    day_label,
    floor_to_step,
    format_window,
    month_label,
    step_bins,
)
from sahelgis.model.undo import Command

if TYPE_CHECKING:
    from sahelgis.model.project import Project

#: Key of the saved figures in ``Project.extra_state``.
FIGURES_KEY = "figures"
#: Page sizes in inches (width, height). A4 is landscape, as maps on slides are.
SIZE_PRESETS: dict[str, tuple[float, float]] = {
    "16:9": (13.333, 7.5),
    "4:3": (10.0, 7.5),
    "A4": (11.693, 8.268),
    "A4 portrait": (8.268, 11.693),
}
CUSTOM_SIZE = "custom"
#: Bounds of a figure's resolution (dots per inch) and page side (inches); a
#: figure of 1e9 dpi would allocate more pixels than any machine has.
MIN_DPI = 10
MAX_DPI = 2_400
MAX_PAGE_INCHES = 200.0
SCALE_UNITS: tuple[str, ...] = ("km", "mi", "both", "none")
#: How small multiples split time: calendar periods, or the time window's step.
MULTIPLE_KEYS: tuple[str, ...] = ("year", "quarter", "month", "step")
#: Written on every figure that shows a synthetic layer.
SYNTHETIC_MARK = "SYNTHETIC DATA — not ACLED"
OTHER_KEY = "__other__"
#: Legend key of an area scope's outline.
SCOPE_LEGEND_KEY = "__scope__"
#: Town labels only on maps narrower than this (metres), as on the canvas.
TOWN_LABEL_MAX_WIDTH_M = 900_000.0


Box = tuple[float, float, float, float]


@dataclass
class FigureSpec:
    """Settings of one figure (plain JSON-ready values).

    Parameters
    ----------
    name
        Unique name within the project (used by ``sahelgis export --figure``).
    title, subtitle
        Text above the map. On slides the title goes in the title placeholder.
    size
        A key of ``SIZE_PRESETS`` or ``"custom"`` (then ``width_in`` and
        ``height_in``, inches, are used).
    dpi
        Raster resolution of PNG output and of rasterized events in PDF/SVG.
    extent
        WGS84 box ``(west, south, east, north)`` in degrees; None uses the
        project's current view.
    layer_ids
        Layers drawn (in project order); None draws the visible layers.
    legend_labels
        Label overrides by legend key (``layer_id`` or ``layer_id:category``).
    legend_hidden
        Legend keys left out of the legend (the features are still drawn).
    legend_collapsed
        Ids of categorical layers shown as one legend row (e.g. place classes
        drawn in nearly the same colour).
    source_line
        The source line; None builds it from provenance (``auto_source_line``).
    scale_units
        "km", "mi", "both" or "none".
    small_multiples
        None, or ``{"by": "year"|"quarter"|"month"|"step", "periods": [...],
        "cols": n, "period_field": "period"}``: one panel per period, same
        extent and colours. Vector layers holding ``period_field`` show only
        the features of each panel's period.
    time_window
        ``(start, end)`` ISO dates, inclusive; None uses the project's window.
    event_filter
        ``EventFilter.to_dict()`` output; None uses the project's filter.
    chart
        None, or ``{"by": "year"|"quarter"|"month", "field": "event_type"}``: a
        bar chart of the figure's events per period beside the map.
    scope
        Where events are counted and drawn (``FigureScope.to_dict()``):
        ``{"kind": "frame"}`` (default: inside the requested ``extent``),
        ``{"kind": "area", "layer_id", "field", "value"}`` (inside the named
        polygons of a vector layer) or ``{"kind": "all"}``. Figures saved
        without a scope load as "frame". See ``sahelgis.model.figure_scope``.
    notes
        Analysis settings and remarks copied into the slide notes.
    """

    name: str = "Figure"
    title: str = ""
    subtitle: str = ""
    size: str = "16:9"
    width_in: float = 13.333
    height_in: float = 7.5
    dpi: int = 200
    extent: tuple[float, float, float, float] | None = None
    layer_ids: list[str] | None = None
    legend_labels: dict[str, str] = field(default_factory=dict)
    legend_hidden: list[str] = field(default_factory=list)
    legend_collapsed: list[str] = field(default_factory=list)
    source_line: str | None = None
    scale_units: str = "km"
    north_arrow: bool = True
    inset: bool = True
    credit: str = ""
    logo_path: str = ""
    small_multiples: dict[str, Any] | None = None
    time_window: tuple[str, str] | None = None
    event_filter: dict[str, Any] | None = None
    show_window: bool = True
    chart: dict[str, Any] | None = None
    notes: str = ""
    scope: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        # validated and normalised; None (figures saved before scopes) = frame
        self.scope = FigureScope.from_dict(self.scope).to_dict()
        if self.size != CUSTOM_SIZE and self.size not in SIZE_PRESETS:
            raise ValueError(
                f"unknown figure size {self.size!r}; use one of "
                f"{[*SIZE_PRESETS, CUSTOM_SIZE]}"
            )
        if self.scale_units not in SCALE_UNITS:
            raise ValueError(
                f"unknown scale units {self.scale_units!r}; use one of {SCALE_UNITS}"
            )
        if self.small_multiples is not None:
            by = self.small_multiples.get("by", "year")
            if by not in MULTIPLE_KEYS:
                raise ValueError(
                    f"small multiples by {by!r}: use one of {MULTIPLE_KEYS}"
                )
        if self.extent is not None:
            west, south, east, north = (float(v) for v in self.extent)
            if not (west < east and south < north):
                raise ValueError(
                    f"figure extent {self.extent} must be (west, south, east, "
                    "north) with west < east and south < north"
                )
            self.extent = (west, south, east, north)
        if self.time_window is not None:
            start, end = (str(as_day(v)) for v in self.time_window)
            self.time_window = (min(start, end), max(start, end))
        if not MIN_DPI <= self.dpi <= MAX_DPI:
            raise ValueError(f"dpi must be {MIN_DPI}–{MAX_DPI}, got {self.dpi}")
        for name in ("width_in", "height_in"):
            inches = float(getattr(self, name))
            if not (math.isfinite(inches) and 0 < inches <= MAX_PAGE_INCHES):
                raise ValueError(
                    f"{name} must be a page size in inches (0–{MAX_PAGE_INCHES:g}), "
                    f"got {inches}"
                )

    # -- sizes ----------------------------------------------------------------
    @property
    def page_size(self) -> tuple[float, float]:
        """Width and height of the page in inches."""
        if self.size == CUSTOM_SIZE:
            return float(self.width_in), float(self.height_in)
        return SIZE_PRESETS[self.size]

    def pixel_size(self, dpi: int | None = None) -> tuple[int, int]:
        """Width and height of a PNG export in pixels (rounded down, as Agg)."""
        w, h = self.page_size
        d = dpi or self.dpi
        return math.floor(w * d + 1e-6), math.floor(h * d + 1e-6)

    # -- state ----------------------------------------------------------------
    def filter_for(self, project: Project) -> EventFilter:
        """The event filter this figure uses."""
        if self.event_filter is None:
            return project.event_filter
        return EventFilter.from_dict(self.event_filter)

    def window_for(
        self, project: Project
    ) -> tuple[np.datetime64, np.datetime64] | None:
        """The inclusive date window this figure uses (None: all dates)."""
        if self.time_window is not None:
            return as_day(self.time_window[0]), as_day(self.time_window[1])
        window = project.time_window.window()
        if window is None:
            return None
        return as_day(window[0]), as_day(window[1])

    @property
    def figure_scope(self) -> FigureScope:
        """The scope as a ``FigureScope``."""
        return FigureScope.from_dict(self.scope)

    def with_(self, **changes: Any) -> FigureSpec:
        """A copy with some values changed."""
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (saved in the project file)."""
        data = asdict(self)
        for key in ("extent", "time_window"):
            if data[key] is not None:
                data[key] = list(data[key])
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FigureSpec:
        """Build from ``to_dict`` output, ignoring keys from newer versions."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        for key in ("extent", "time_window"):
            if values.get(key) is not None:
                values[key] = tuple(values[key])
        return cls(**values)


# -- saved figures ------------------------------------------------------------
def saved_figures(project: Project) -> list[FigureSpec]:
    """The figures saved in the project, in their saved order.

    Entries that cannot be read (from a newer version, hand-edited) are skipped.
    """
    specs = []
    for entry in project.extra_state.get(FIGURES_KEY, []) or []:
        try:
            specs.append(FigureSpec.from_dict(entry))
        except (TypeError, ValueError):
            continue
    return specs


_DASHES = re.compile(r"\s*[-\u2010-\u2015\u2212]+\s*")


def figure_key(name: str) -> str:
    """A figure name as ``--figure`` compares it: case-folded, any dash (- – —)
    as one "-", runs of spaces as one.
    """
    text = _DASHES.sub(" - ", name.strip())
    return " ".join(text.split()).casefold()


def find_figure(project: Project, name: str) -> FigureSpec:
    """The saved figure called ``name``.

    The exact name wins; else the name compared case-insensitively with any
    dash (-, –, —); else the one figure whose name starts so. Raises KeyError
    listing the names when none matches, or the candidates when several do.
    """
    specs = saved_figures(project)
    for spec in specs:
        if spec.name == name:
            return spec
    key = figure_key(name)
    same = [s for s in specs if figure_key(s.name) == key]
    if not same and key:
        same = [s for s in specs if figure_key(s.name).startswith(key)]
    if len(same) == 1:
        return same[0]
    if same:
        names = "; ".join(s.name for s in same)
        raise KeyError(f"{name!r} matches {len(same)} saved figures: {names}")
    names = "; ".join(s.name for s in specs) or "none"
    raise KeyError(f"no saved figure named {name!r} (saved figures: {names})")


def save_figure(project: Project, spec: FigureSpec) -> None:
    """Save a figure in the project, replacing one of the same name. Undoable.

    Goes through the project's undo stack, which marks the project modified.
    """
    old = list(project.extra_state.get(FIGURES_KEY, []) or [])
    new = [entry for entry in old if entry.get("name") != spec.name]
    position = next(
        (i for i, entry in enumerate(old) if entry.get("name") == spec.name),
        len(new),
    )
    new.insert(position, spec.to_dict())

    def put(value: list[dict[str, Any]]) -> None:
        project.extra_state[FIGURES_KEY] = value

    project.undo_stack.push(
        Command(f"Save figure “{spec.name}”", lambda: put(new), lambda: put(old))
    )


def delete_figure(project: Project, name: str) -> None:
    """Remove a saved figure by name (no error if absent). Undoable."""
    old = list(project.extra_state.get(FIGURES_KEY, []) or [])
    new = [entry for entry in old if entry.get("name") != name]
    if len(new) == len(old):
        return

    def put(value: list[dict[str, Any]]) -> None:
        project.extra_state[FIGURES_KEY] = value

    project.undo_stack.push(
        Command(f"Delete figure “{name}”", lambda: put(new), lambda: put(old))
    )


def default_spec(project: Project, name: str = "Map") -> FigureSpec:
    """A figure of the current view, visible layers, window and filter."""
    return FigureSpec(name=name)


# -- layout (inches) ----------------------------------------------------------
@dataclass(frozen=True)
class Rect:
    """A rectangle on the page in inches, origin at the bottom left."""

    x: float
    y: float
    w: float
    h: float

    def fraction(self, page: tuple[float, float]) -> tuple[float, float, float, float]:
        """The rectangle as figure fractions (left, bottom, width, height)."""
        pw, ph = page
        return self.x / pw, self.y / ph, self.w / pw, self.h / ph


@dataclass(frozen=True)
class Layout:
    """Where the parts of a figure go (inches)."""

    page: tuple[float, float]
    header: Rect | None
    footer: Rect | None
    maps: tuple[Rect, ...]
    panel_titles: tuple[Rect, ...]
    legend: Rect
    chart: Rect | None
    inset: Rect | None
    font_scale: float


MARGIN_IN = 0.2
GAP_IN = 0.15
TITLE_H_IN = 0.5
SUBTITLE_H_IN = 0.3
FOOTER_H_IN = 0.45
PANEL_TITLE_H_IN = 0.3
PANEL_GAP_IN = 0.12


def font_scale(page: tuple[float, float]) -> float:
    """Text size factor: 1 on a 16:9 slide (or a slide's picture area, about
    12.5 × 5.5 in), smaller on smaller pages.
    """
    w, h = page
    return float(min(max(min(w / 13.333, h / 5.5), 0.55), 1.3))


def figure_layout(
    spec: FigureSpec,
    *,
    with_title: bool = True,
    with_source: bool = True,
    panels: int = 1,
    cols: int | None = None,
    extent_aspect: float = 1.0,
    page: tuple[float, float] | None = None,
) -> Layout:
    """Place header, map panels, legend, chart, inset and footer on the page.

    ``extent_aspect`` (width / height of the requested map extent) chooses the
    number of columns of small multiples when ``cols`` is None.
    """
    pw, ph = page or spec.page_size
    scale = font_scale((pw, ph))
    header_h = 0.0
    if with_title and (spec.title or spec.subtitle):
        header_h = (TITLE_H_IN if spec.title else 0.0) + (
            SUBTITLE_H_IN if spec.subtitle else 0.0
        )
        header_h *= scale
    footer_h = FOOTER_H_IN * scale if with_source else 0.0
    side_w = min(max(0.22 * pw, 2.3), 3.4)
    body_y = MARGIN_IN + footer_h
    body_h = ph - 2 * MARGIN_IN - header_h - footer_h - (GAP_IN if header_h else 0)
    body_w = pw - 2 * MARGIN_IN - side_w - GAP_IN
    header = (
        Rect(MARGIN_IN, ph - MARGIN_IN - header_h, pw - 2 * MARGIN_IN, header_h)
        if header_h
        else None
    )
    footer = (
        Rect(MARGIN_IN, MARGIN_IN, pw - 2 * MARGIN_IN, footer_h) if footer_h else None
    )
    side_x = MARGIN_IN + body_w + GAP_IN
    maps, titles = _panel_rects(
        Rect(MARGIN_IN, body_y, body_w, body_h), panels, cols, extent_aspect, scale
    )
    # side column: legend on top, then the chart, then the inset locator
    inset_h = min(body_h * 0.34, side_w * 0.9) if spec.inset else 0.0
    chart_h = body_h * 0.32 if spec.chart else 0.0
    legend_h = body_h - inset_h - chart_h - GAP_IN * (bool(inset_h) + bool(chart_h))
    inset = Rect(side_x, body_y, side_w, inset_h) if inset_h else None
    chart = (
        Rect(side_x, body_y + inset_h + (GAP_IN if inset_h else 0), side_w, chart_h)
        if chart_h
        else None
    )
    legend = Rect(side_x, body_y + body_h - legend_h, side_w, legend_h)
    return Layout(
        page=(pw, ph),
        header=header,
        footer=footer,
        maps=maps,
        panel_titles=titles,
        legend=legend,
        chart=chart,
        inset=inset,
        font_scale=scale,
    )


def _panel_rects(
    body: Rect, panels: int, cols: int | None, aspect: float, scale: float
) -> tuple[tuple[Rect, ...], tuple[Rect, ...]]:
    if panels <= 1:
        return (body,), ()
    title_h = PANEL_TITLE_H_IN * scale

    def grid(c: int) -> tuple[int, float, float]:
        r = math.ceil(panels / c)
        w = (body.w - (c - 1) * PANEL_GAP_IN) / c
        h = (body.h - r * title_h - (r - 1) * PANEL_GAP_IN) / r
        return r, w, h

    if cols is None:
        # the column count that shows the extent largest
        def shown_area(c: int) -> float:
            _, w, h = grid(c)
            if w <= 0 or h <= 0:
                return 0.0
            fit_w = min(w, h * aspect)
            return fit_w * fit_w / aspect

        cols = max(range(1, panels + 1), key=shown_area)
    cols = max(1, min(int(cols), panels))
    _, w, h = grid(cols)
    maps = []
    titles = []
    for i in range(panels):
        r, c = divmod(i, cols)
        x = body.x + c * (w + PANEL_GAP_IN)
        top = body.y + body.h - r * (h + title_h + PANEL_GAP_IN)
        titles.append(Rect(x, top - title_h, w, title_h))
        maps.append(Rect(x, top - title_h - h, w, h))
    return tuple(maps), tuple(titles)


# -- planning -----------------------------------------------------------------
@dataclass(frozen=True)
class LegendEntry:
    """One legend row: a header (layer name) or a symbol with a label."""

    key: str
    label: str
    default_label: str
    kind: str  # "header" | "point" | "line" | "polygon"
    layer_id: str
    color: str = "#444444"
    fill: str | None = None
    size: float = 4.0
    line_width: float = 1.0
    line_style: str = "solid"
    symbol: str = "o"


@dataclass
class LayerPanel:
    """What one layer shows in one panel: event rows or feature positions."""

    layer: Layer
    rows: np.ndarray  # event rows, or positions of features in layer.data


@dataclass
class Panel:
    """One map panel: its period, window and what each layer shows in it."""

    label: str
    window: tuple[np.datetime64, np.datetime64] | None
    layers: list[LayerPanel]

    @property
    def event_count(self) -> int:
        """Events shown in the panel (all event layers)."""
        return sum(
            len(lp.rows) for lp in self.layers if isinstance(lp.layer, EventLayer)
        )

    def category_counts(self) -> dict[str, int]:
        """Events per category (of each event layer's style) in the panel."""
        counts: dict[str, int] = {}
        for lp in self.layers:
            if not isinstance(lp.layer, EventLayer) or not len(lp.rows):
                continue
            values = category_values(lp.layer, lp.rows)
            uniq, n = np.unique(values, return_counts=True)
            for value, k in zip(uniq, n, strict=True):
                counts[str(value)] = counts.get(str(value), 0) + int(k)
        return counts


@dataclass
class FigurePlan:
    """Everything a renderer needs, decided from the model only."""

    spec: FigureSpec
    layout: Layout
    extent: Box  # display CRS, metres, aspect of the map panels
    layers: list[Layer]  # drawn, top first
    panels: list[Panel]
    legend: list[LegendEntry]
    source_line: str
    window_label: str
    synthetic: bool
    filter: EventFilter
    window: tuple[np.datetime64, np.datetime64] | None
    chart: dict[str, Any] | None = None  # {"periods": [...], "series": {...}}
    basemap_credit: str = ""  # online tiles drawn under the layers
    scope: FigureScope = field(default_factory=FigureScope)
    scope_text: str = ""  # "in Koulikoro region", "in the map frame" ...
    #: per event layer id: the rows shown over all panels, with assigned days
    counted: dict[str, CountedRows] = field(default_factory=dict)
    expand_imprecise: bool = True
    #: an area scope's polygons in the display CRS (outlined on the map)
    scope_outline: list[Any] = field(default_factory=list)

    @property
    def event_count(self) -> int:
        """Events shown over all panels."""
        return sum(panel.event_count for panel in self.panels)


def figure_layers(project: Project, spec: FigureSpec) -> list[Layer]:
    """Layers the figure draws, top first (missing ids are skipped)."""
    if spec.layer_ids is None:
        return [layer for layer in project.layers if layer.visible]
    wanted = set(spec.layer_ids)
    return [layer for layer in project.layers if layer.id in wanted]


def requested_extent(project: Project, spec: FigureSpec) -> Box:
    """The extent asked for, in the display CRS, before fitting to the panel."""
    if spec.extent is not None:
        return crs.lonlat_box_to_display(spec.extent)
    if project.view_extent is not None:
        return tuple(float(v) for v in project.view_extent)  # type: ignore[return-value]
    boxes = [
        b for layer in figure_layers(project, spec) if (b := layer.bounds_display())
    ]
    if not boxes:
        return crs.lonlat_box_to_display((-12.5, 10.0, -4.0, 16.5))
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def fit_extent(box: Box, aspect: float) -> Box:
    """Grow ``box`` about its centre to width / height = ``aspect``."""
    xmin, ymin, xmax, ymax = box
    w, h = max(xmax - xmin, 1.0), max(ymax - ymin, 1.0)
    cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
    if w / h < aspect:
        w = h * aspect
    else:
        h = w / aspect
    return cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2


def multiple_periods(
    project: Project, spec: FigureSpec
) -> list[tuple[str, tuple[np.datetime64, np.datetime64]]]:
    """Label and inclusive window of every small-multiple panel."""
    sm = spec.small_multiples or {}
    by = sm.get("by", "year")
    step = project.time_window.step if by == "step" else by
    periods = sm.get("periods") or []
    out = []
    if periods:
        for period in periods:
            window = period_window(step, str(period))
            out.append((period_label(step, window), window))
        return out
    window = spec.window_for(project)
    if window is None:
        span = project.event_span()
        if span is None:
            return []
        window = as_day(span[0]), as_day(span[1])
    bins = step_bins(window[0], window[1], step)
    for start, stop in itertools.pairwise(bins):
        w = (max(start, window[0]), min(stop - DAY, window[1]))
        out.append((period_label(step, (start, stop - DAY)), w))
    return out


def period_window(step: str, period: str) -> tuple[np.datetime64, np.datetime64]:
    """Inclusive window of a period name: "2020", "2020-Q3", "2020-03", or a
    start date "2020-03-02" for day and week steps.
    """
    if step not in STEPS:
        raise ValueError(f"unknown period step {step!r}; use one of {STEPS}")
    text = period.strip()
    try:
        if step == "year":
            start = as_day(f"{int(text[:4]):04d}-01-01")
        elif step == "quarter":
            match = re.fullmatch(r"(\d{4})-?Q([1-4])", text, re.IGNORECASE)
            if match:
                month = 3 * (int(match.group(2)) - 1) + 1
                start = as_day(f"{match.group(1)}-{month:02d}-01")
            else:
                start = floor_to_step(as_day(text), "quarter")
        elif step == "month":
            start = as_day(text[:7] + "-01")
        else:
            start = floor_to_step(as_day(text), step)
    except ValueError as exc:
        raise ValueError(
            f"period {period!r} is not a {step} (expected e.g. 2020, 2020-Q3, "
            "2020-03 or 2020-03-02)"
        ) from exc
    return start, add_steps(start, step, 1) - DAY


def period_label(step: str, window: tuple[np.datetime64, np.datetime64]) -> str:
    """Short label of a period window ("2021", "Q3 2021", "Mar 2021", "2 Mar 2021")."""
    start = as_day(window[0])
    text = str(start)
    if step == "year":
        return text[:4]
    if step == "quarter":
        return f"Q{(int(text[5:7]) - 1) // 3 + 1} {text[:4]}"
    if step == "month":
        return month_label(start)
    return format_window(window[0], window[1])


def window_text(window: tuple[np.datetime64, np.datetime64] | None) -> str:
    """ "1 Jan 2023 – 31 Jul 2023" (days, as source lines need), "" for None."""
    if window is None:
        return "all dates"
    a, b = day_label(window[0]), day_label(window[1])
    return a if a == b else f"{a} – {b}"


def plan_figure(
    project: Project,
    spec: FigureSpec,
    *,
    with_title: bool = True,
    with_source: bool = True,
    window: tuple[np.datetime64, np.datetime64] | None = None,
    page: tuple[float, float] | None = None,
) -> FigurePlan:
    """Decide what the figure shows: extent, rows per panel, legend, source line.

    ``window`` overrides the figure's window (animation frames); ``page``
    overrides its page size (a slide's picture area).
    """
    layers = figure_layers(project, spec)
    flt = spec.filter_for(project)
    base_window = window if window is not None else spec.window_for(project)
    box = requested_extent(project, spec)
    aspect = (box[2] - box[0]) / max(box[3] - box[1], 1.0)
    periods: list[tuple[str, tuple[np.datetime64, np.datetime64] | None]]
    if spec.small_multiples is not None and window is None:
        periods = list(multiple_periods(project, spec))
        if not periods:
            periods = [("", base_window)]
    else:
        periods = [("", base_window)]
    sm = spec.small_multiples or {}
    layout = figure_layout(
        spec,
        with_title=with_title,
        with_source=with_source,
        panels=len(periods),
        cols=sm.get("cols") if len(periods) > 1 else None,
        extent_aspect=aspect,
        page=page,
    )
    panel_rect = layout.maps[0]
    extent = fit_extent(box, panel_rect.w / max(panel_rect.h, 1e-6))
    period_field = sm.get("period_field", "period")
    scope = spec.figure_scope
    expand = project.time_window.expand_imprecise
    # the one query: events counted over the figure's window (the span of the
    # panels for small multiples), filter and scope; panels and animation
    # frames split them by assigned day
    if len(periods) > 1:
        spans = [w for _, w in periods if w is not None]
        count_window = (
            (min(w[0] for w in spans), max(w[1] for w in spans)) if spans else None
        )
    elif window is not None:
        count_window = spec.window_for(project)
    else:
        count_window = base_window
    counted = {
        layer.id: counted_rows(project, layer, flt, count_window, scope, box, expand)
        for layer in layers
        if isinstance(layer, EventLayer)
    }
    panels = []
    for label, pwin in periods:
        many = len(periods) > 1
        layer_panels = []
        for layer in layers:
            if isinstance(layer, EventLayer):
                part = counted[layer.id]
                rows = part.within(pwin) if many or window is not None else part.rows
            else:
                rows = _shown(layer, extent, label if many else None, period_field)
            layer_panels.append(LayerPanel(layer, rows))
        panels.append(Panel(label=label, window=pwin, layers=layer_panels))
    shown = {}
    for layer_id, part in counted.items():
        rows = np.concatenate(
            [lp.rows for p in panels for lp in p.layers if lp.layer.id == layer_id]
        )
        keep = np.isin(part.rows, rows)
        shown[layer_id] = CountedRows(part.rows[keep], part.days[keep])
    legend = legend_entries(layers, panels, spec)
    outline = _scope_outline(project, scope) if counted else []
    if outline and SCOPE_LEGEND_KEY not in spec.legend_hidden:
        default = f"Events counted {scope_label(project, scope)}"
        legend.append(
            LegendEntry(
                key=SCOPE_LEGEND_KEY,
                label=spec.legend_labels.get(SCOPE_LEGEND_KEY, default),
                default_label=default,
                kind="polygon",
                layer_id=scope.layer_id,
                color="#202020",
                line_width=1.4 / 0.75,
                line_style="dash",
            )
        )
    synthetic = any(layer.synthetic for layer in layers)
    plan = FigurePlan(
        spec=spec,
        layout=layout,
        extent=extent,
        layers=layers,
        panels=panels,
        legend=legend,
        source_line="",
        window_label=_window_label(base_window, periods),
        synthetic=synthetic,
        filter=flt,
        window=base_window if len(periods) <= 1 else count_window,
        scope=scope,
        scope_text=scope_label(project, scope) if counted else "",
        counted=shown,
        expand_imprecise=expand,
        scope_outline=outline,
    )
    if spec.chart:
        plan.chart = chart_series(project, plan)
    plan.basemap_credit = basemap_credit(project)
    plan.source_line = (
        spec.source_line if spec.source_line is not None else _auto_source(plan)
    )
    return plan


def _scope_outline(project: Project, scope: FigureScope) -> list[Any]:
    """An area scope's polygons in the display CRS (metres); [] otherwise."""
    if scope.kind != "area":
        return []
    to_display = crs.to_display()

    def project_xy(xy: np.ndarray) -> np.ndarray:
        x, y = to_display.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return [shapely.transform(g, project_xy) for g in area_geometries(project, scope)]


def _window_label(
    window: tuple[np.datetime64, np.datetime64] | None,
    periods: list[tuple[str, Any]],
) -> str:
    if len(periods) > 1:
        first, last = periods[0][1], periods[-1][1]
        if first is not None and last is not None:
            return format_window(first[0], last[1])
        return ""
    if window is None:
        return ""
    return format_window(window[0], window[1])


def _shown(
    layer: Layer, extent: Box, period: str | None, period_field: str
) -> np.ndarray:
    """Features of a vector layer drawn in a panel: crossing the drawn extent
    (display CRS) and, in small multiples, of the panel's period.
    """
    if isinstance(layer, VectorLayer):
        xmin, ymin, xmax, ymax = extent
        geoms = layer.display_geometry().to_numpy()
        hit = shapely.intersects(geoms, shapely.box(xmin, ymin, xmax, ymax))
        if period is not None and period_field in layer.data:
            values = layer.data[period_field].astype(str).to_numpy()
            hit &= values == str(period)
        return np.flatnonzero(hit)
    return np.empty(0, dtype=np.int64)


def category_values(layer: Layer, rows: np.ndarray) -> np.ndarray:
    """Category value (as text) of each row, ``OTHER_KEY`` for values without a
    colour in the layer's style, "" when the style is not categorical.
    """
    style = layer.style
    if isinstance(layer, EventLayer):
        frame = layer.events.frame
    elif isinstance(layer, VectorLayer):
        frame = layer.data
    else:
        return np.full(len(rows), "", dtype=object)
    if not style.category_field or style.category_field not in frame:
        return np.full(len(rows), "", dtype=object)
    column = frame[style.category_field].iloc[rows]
    values = column.astype(str).to_numpy(dtype=object)
    known = np.array(list(style.categories), dtype=object)
    ok = column.notna().to_numpy() & np.isin(values, known)
    return np.where(ok, values, OTHER_KEY).astype(object)


_COUNT_SUFFIX = re.compile(r"\s*\((?:[\d,.\s]+)(?:\s*events)?\)\s*$")


def layer_label(layer: Layer) -> str:
    """A layer's name for a legend (without the feature count some names carry)."""
    return _COUNT_SUFFIX.sub("", layer.name).strip() or layer.name


def category_label(value: str) -> str:
    """A category value as a legend label ("region_capital" → "Region capital")."""
    if value == OTHER_KEY:
        return "Other"
    if "_" in value and value == value.lower():
        value = value.replace("_", " ")
        return value[:1].upper() + value[1:]
    return value


def legend_entries(
    layers: list[Layer], panels: list[Panel], spec: FigureSpec
) -> list[LegendEntry]:
    """Legend rows for what is drawn: layers top first, categories in style order.

    Only layers with something in the figure appear, and of a categorical layer
    only the categories present. Labels take ``spec.legend_labels`` overrides;
    keys in ``spec.legend_hidden`` are left out.
    """
    entries: list[LegendEntry] = []
    hidden = set(spec.legend_hidden)
    for layer in layers:
        rows_list = [lp.rows for p in panels for lp in p.layers if lp.layer is layer]
        rows = np.unique(np.concatenate(rows_list)) if rows_list else np.empty(0, int)
        if not len(rows):
            continue
        style = layer.style
        kind = (
            "point"
            if isinstance(layer, EventLayer)
            else getattr(layer, "geometry_kind", "point")
        )
        categorical = (
            layer.id not in spec.legend_collapsed
            and bool(style.category_field)
            and (
                (
                    isinstance(layer, EventLayer)
                    and style.category_field in layer.events.frame
                )
                or (
                    isinstance(layer, VectorLayer)
                    and style.category_field in layer.data
                )
            )
        )

        def entry(
            key: str, default: str, kind: str, layer: Layer = layer, **kw: Any
        ) -> None:
            if key in hidden:
                return
            label = spec.legend_labels.get(key, default)
            entries.append(
                LegendEntry(
                    key=key,
                    label=label,
                    default_label=default,
                    kind=kind,
                    layer_id=layer.id,
                    **kw,
                )
            )

        common = {
            "size": style.size,
            "line_width": style.line_width,
            "line_style": style.line_style,
            "symbol": style.symbol,
        }
        if not categorical:
            fill = style.fill if kind == "polygon" else None
            entry(
                layer.id,
                layer_label(layer),
                kind,
                color=style.color,
                fill=fill,
                **common,
            )
            continue
        entry(layer.id, layer_label(layer), "header")
        present = set(category_values(layer, rows).tolist())
        values = [v for v in style.categories if v in present]
        if OTHER_KEY in present:
            values.append(OTHER_KEY)
        for value in values:
            color = style.categories.get(value, OTHER_CATEGORY_COLOR)
            if kind == "polygon":
                entry(
                    f"{layer.id}:{value}",
                    category_label(value),
                    kind,
                    color=style.color,
                    fill=color,
                    **common,
                )
            else:
                entry(
                    f"{layer.id}:{value}",
                    category_label(value),
                    kind,
                    color=color,
                    **common,
                )
    return entries


def legend_keys(project: Project, spec: FigureSpec) -> list[LegendEntry]:
    """The legend the figure would have now (for editing labels in a dialog)."""
    return plan_figure(project, spec).legend


def chart_series(project: Project, plan: FigurePlan) -> dict[str, Any]:
    """Counts for the figure's bar chart: events per period and category.

    Returns ``{"periods": [labels], "series": {category: [counts]}, "by": step,
    "colors": {category: colour}}``, from the events the figure counts (all
    panels), binned by their assigned day (``figure_scope.CountedRows``: the
    coded date clamped into the window), so the bars add up to ``n``.
    """
    spec = plan.spec
    cfg = spec.chart or {}
    by = cfg.get("by", "year")
    step = project.time_window.step if by == "step" else by
    window = plan.window
    if window is None:
        days = [part.days for part in plan.counted.values() if len(part.days)]
        if not days:
            return {"periods": [], "series": {}, "by": step, "colors": {}}
        every = np.concatenate(days)
        window = every.min(), every.max()
    bins = step_bins(window[0], window[1], step)
    labels = [period_label(step, (a, b - DAY)) for a, b in itertools.pairwise(bins)]
    series: dict[str, np.ndarray] = {}
    colors: dict[str, str] = {}
    for layer in plan.layers:
        part = plan.counted.get(layer.id)
        if not isinstance(layer, EventLayer) or part is None or not len(part.rows):
            continue
        rows = part.rows
        index = np.searchsorted(bins, part.days, "right") - 1
        field_name = cfg.get("field", layer.style.category_field or acled.EVENT_TYPE)
        if field_name in layer.events.frame:
            values = layer.events.frame[field_name].iloc[rows].astype(str).to_numpy()
        else:
            values = np.full(len(rows), "Events", dtype=object)
        ok = (index >= 0) & (index < len(labels))
        if not ok.all():  # cannot happen: assigned days lie inside the bins
            raise AssertionError("an event's assigned day is outside the chart")
        for value in dict.fromkeys(values.tolist()):
            sel = values == value
            counts = np.bincount(index[sel], minlength=len(labels))[: len(labels)]
            series[value] = series.get(value, np.zeros(len(labels), int)) + counts
            colors.setdefault(value, layer.style.color_for(value))
    ordered = sorted(series, key=lambda v: (-int(series[v].sum()), v))
    return {
        "periods": labels,
        "series": {k: [int(c) for c in series[k]] for k in ordered},
        "by": step,
        "colors": colors,
    }


# -- source line --------------------------------------------------------------
def _filter_text(flt: EventFilter) -> str:
    text = flt.describe()
    if text == "all events":
        return ""
    actor = flt.actor.strip()
    if actor:
        text = text.replace(f"actor “{actor}”", f"{actor} only")
    return text


def basemap_credit(project: Project) -> str:
    """Credit of the online tile basemap the project shows under its layers."""
    state = project.extra_state.get("basemap")
    return str(state.get("attribution") or "") if isinstance(state, dict) else ""


def _auto_source(plan: FigurePlan) -> str:
    layers = plan.layers
    credits: list[str] = []
    events_first = [ly for ly in layers if isinstance(ly, EventLayer)] + [
        ly for ly in reversed(layers) if not isinstance(ly, EventLayer)
    ]
    for layer in events_first:
        if layer.attribution and layer.attribution not in credits:
            credits.append(layer.attribution)
    if plan.basemap_credit and plan.basemap_credit not in credits:
        credits.append(plan.basemap_credit)
    if plan.synthetic and not any("synthetic" in c.lower() for c in credits):
        credits.insert(0, "SYNTHETIC data made by SahelGIS (not ACLED)")
    text = "Source: " + "; ".join(credits) + "." if credits else ""
    if any(isinstance(ly, EventLayer) for ly in layers):
        parts = [f"Events {window_text(plan.window)}"]
        if len(plan.panels) > 1:
            by = (plan.spec.small_multiples or {}).get("by", "year")
            parts[0] += f" (one panel per {by})"
        parts.append(f"n = {plan.event_count:,} {plan.scope_text}".rstrip())
        flt = _filter_text(plan.filter)
        if flt:
            parts.append(flt)
        text = (text + " " if text else "") + ", ".join(parts) + "."
    return text


def auto_source_line(project: Project, spec: FigureSpec) -> str:
    """The source line built from provenance and state.

    E.g. "Source: Armed Conflict Location & Event Data (ACLED), acleddata.com;
    Natural Earth (public domain). Events 1 Jan 2023 – 31 Jul 2023, n = 412,
    JNIM only." Synthetic layers put their "SYNTHETIC" credit first; ``n`` is
    the number of events counted (window, filter and scope) and is followed by
    the scope: "n = 412 in Koulikoro region".
    """
    return _auto_source(plan_figure(project, spec.with_(source_line=None)))


def scope_notes(project: Project, plan: FigurePlan) -> str:
    """The scope in words for slide notes and listings."""
    scope = plan.scope
    if scope.kind == "all":
        return "all loaded events in the window and filter, wherever they are"
    if scope.kind == "frame":
        return (
            "events inside the map extent asked for (not the page's wider "
            "frame); the map shows only those"
        )
    layer = next((ly for ly in project.layers if ly.id == scope.layer_id), None)
    where = layer_label(layer) if layer is not None else scope.layer_id
    return (
        f"events inside {area_name(project, scope)} (features of layer "
        f"“{where}” with {scope.field} = {scope.value}; lon/lat point in "
        "polygon, EPSG:4326); events outside it are neither counted nor drawn"
    )


def count_line(project: Project, spec: FigureSpec) -> str:
    """ "n = 475 in Koulikoro region, 1 Jan 2020 – 31 Dec 2023": the figure's
    count, scope and window in one line ("" when it draws no event layer).
    """
    plan = plan_figure(project, spec)
    if not plan.counted:
        return ""
    return f"n = {plan.event_count:,} {plan.scope_text}, {window_text(plan.window)}"


def figure_notes(project: Project, plan: FigurePlan) -> str:
    """Slide notes: source, filters, window, extent, layers and panel counts."""
    spec = plan.spec
    lines = []
    if plan.synthetic:
        lines.append(f"WARNING: {SYNTHETIC_MARK}. Events are made up for the demo.")
    lines.append(f"Figure: {spec.name}")
    if spec.title:
        lines.append(f"Title: {spec.title}")
    lines.append(plan.source_line)
    if any(isinstance(ly, EventLayer) for ly in plan.layers):
        lines.append(f"Time window: {window_text(plan.window)}")
        lines.append(f"Event filter: {plan.filter.describe()}")
        lines.append("Events counted: " + scope_notes(project, plan))
        lines.append(
            "Imprecise dates: "
            + (
                "week/month-precision events count where their week or month "
                "overlaps the window; one whose coded date falls outside the "
                "window is put in the window's first or last period (chart bars, "
                "panels and animation steps add up to n)"
                if plan.expand_imprecise
                else "events counted on their coded date only (as sahelgis counts)"
            )
        )
    lon0, lat0 = crs.to_lonlat().transform(plan.extent[0], plan.extent[1])
    lon1, lat1 = crs.to_lonlat().transform(plan.extent[2], plan.extent[3])
    lines.append(
        f"Extent (lon/lat, approx.): {lon0:.2f}, {lat0:.2f} to {lon1:.2f}, {lat1:.2f}"
    )
    lines.append(f"Map projection: {crs.DISPLAY_CRS_NAME}")
    lines.append("Layers: " + "; ".join(layer_label(ly) for ly in plan.layers))
    caveats = [ly.caveat for ly in plan.layers if ly.caveat]
    lines.extend(f"Caveat: {c}" for c in dict.fromkeys(caveats))
    if any(isinstance(ly, EventLayer) for ly in plan.layers):
        lines.append("Counts behind the panels:")
        for panel in plan.panels:
            cats = panel.category_counts()
            detail = ", ".join(
                f"{category_label(k)} {v}" for k, v in sorted(cats.items()) if k
            )
            lines.append(
                f"  {panel.label or window_text(panel.window)}: n = "
                f"{panel.event_count:,}" + (f" ({detail})" if detail else "")
            )
    if plan.chart and plan.chart.get("periods"):
        lines.append("Chart counts by " + str(plan.chart["by"]) + ":")
        for name, counts in plan.chart["series"].items():
            pairs = ", ".join(
                f"{p} {c}" for p, c in zip(plan.chart["periods"], counts, strict=True)
            )
            lines.append(f"  {name}: {pairs}")
    if spec.notes:
        lines.append(f"Notes: {spec.notes}")
    return "\n".join(line for line in lines if line)


__all__ = [
    "FIGURES_KEY",
    "SIZE_PRESETS",
    "SYNTHETIC_MARK",
    "FigurePlan",
    "FigureSpec",
    "LegendEntry",
    "auto_source_line",
    "count_line",
    "default_spec",
    "delete_figure",
    "figure_key",
    "figure_layout",
    "figure_notes",
    "find_figure",
    "plan_figure",
    "save_figure",
    "saved_figures",
    "scope_notes",
]
