"""Figure specs: what a finished slide figure shows, saved with the project.

A ``FigureSpec`` holds only plain values (title, size, extent, layers, legend
labels, source line, small multiples ...); it is saved in
``project.extra_state["figures"]`` as a list of dicts and rendered by
``sahelgis.export`` (matplotlib) the same way from the CLI and the GUI. This
module holds the spec, its validation and the saved figures (find, save,
delete, undoable).

What a figure draws is decided in ``sahelgis.model.figure_plan``, its legend
rows in ``figure_legend`` and its source line and notes in ``figure_notes``;
where things go on the page (inches) is ``sahelgis.export.layout``.

Units: page sizes in inches; extents given by users in WGS84 lon/lat degrees
(west, south, east, north); planned extents in the display CRS (metres,
``sahelgis.model.crs.DISPLAY_CRS``).
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any

from sahelgis.model.figure_scope import FigureScope
from sahelgis.model.filters import EventFilter
from sahelgis.model.time_window import as_day
from sahelgis.model.undo import Command

if TYPE_CHECKING:
    import numpy as np

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
    """A figure name as ``--figure`` compares it.

    Case-folded, any dash (- – —) as one "-", runs of spaces as one.
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


__all__ = [
    "CUSTOM_SIZE",
    "FIGURES_KEY",
    "SIZE_PRESETS",
    "SYNTHETIC_MARK",
    "FigureSpec",
    "default_spec",
    "delete_figure",
    "figure_key",
    "find_figure",
    "save_figure",
    "saved_figures",
]
