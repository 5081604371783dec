"""The figure plan: *what* a figure draws, decided from the model only.

``plan_content`` takes a ``FigureSpec`` and the project and decides the map
extent in the display CRS, the event rows and features of every panel (small
multiples split the figure's window into periods), the legend entries, the
chart counts and the source line — without drawing anything, so renderers,
slide notes and the source line all agree on ``n``. The page (inches, where
the map panels go) is not known here: ``sahelgis.export.layout.plan_figure``
lays the figure out and passes the map panels' shape as ``panel_aspect``.
No Qt and no matplotlib here.
"""

from __future__ import annotations

import itertools
import re
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from sahelgis.model import acled_schema as acled
from sahelgis.model import crs
from sahelgis.model.figure_legend import legend_entries
from sahelgis.model.figure_notes import auto_source, basemap_credit, window_text
from sahelgis.model.figure_parts import (
    SCOPE_LEGEND_KEY,
    FigurePlan,
    LayerPanel,
    LegendEntry,
    Panel,
    PanelAspect,
)
from sahelgis.model.figure_scope import (
    CountedRows,
    FigureScope,
    area_geometries,
    counted_rows,
    scope_label,
)
from sahelgis.model.layers import EventLayer, Layer, VectorLayer
from sahelgis.model.time_window import (
    DAY,
    STEPS,
    add_steps,
    as_day,
    floor_to_step,
    format_window,
    month_label,
    step_bins,
)

if TYPE_CHECKING:
    from sahelgis.model.figures import Box, FigureSpec
    from sahelgis.model.project import Project


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
            period_win = period_window(step, str(period))
            out.append((period_label(step, period_win), period_win))
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
    """Inclusive window of a period name.

    "2020", "2020-Q3", "2020-03", or a start date "2020-03-02" for day and
    week steps.
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


def plan_content(
    project: Project,
    spec: FigureSpec,
    *,
    window: tuple[np.datetime64, np.datetime64] | None = None,
    panel_aspect: PanelAspect | None = None,
) -> FigurePlan:
    """Decide what the figure shows: extent, rows per panel, legend, source line.

    ``window`` overrides the figure's window (animation frames).
    ``panel_aspect`` gives the width / height of a map panel on the page from
    the number of panels and the requested extent's width / height; the
    extent is grown to that shape, and vector features are those crossing it.
    None keeps the requested extent's shape: the counts, the source line and
    the notes are the same, only the frame (and the features in it) may be
    smaller. Renderers plan through ``sahelgis.export.layout.plan_figure``.
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
    shape = panel_aspect(len(periods), aspect) if panel_aspect is not None else aspect
    extent = fit_extent(box, shape)
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
        empty: list[str] = []
        for layer in layers:
            if isinstance(layer, EventLayer):
                part = counted[layer.id]
                rows = part.within(pwin) if many or window is not None else part.rows
            else:
                rows = _shown(layer, extent, label if many else None, period_field)
                split = isinstance(layer, VectorLayer) and period_field in layer.data
                if many and split and not len(rows):
                    empty.append(layer.name)
            layer_panels.append(LayerPanel(layer, rows))
        note = ""
        if empty:
            note = str(sm.get("empty_note") or f"nothing from {', '.join(empty)}")
        panels.append(
            Panel(label=label, window=pwin, layers=layer_panels, empty_note=note)
        )
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
        spec.source_line if spec.source_line is not None else auto_source(plan)
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
    """Features of a vector layer drawn in a panel.

    Those crossing the drawn extent (display CRS) and, in small multiples, of
    the panel's period.
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


def auto_source_line(project: Project, spec: FigureSpec) -> str:
    """The source line built from provenance and state.

    E.g. "Source: Armed Conflict Location & Event Data (ACLED), acleddata.com;
    Natural Earth (public domain). Events 1 Jan 2023 – 31 Jul 2023, n = 412,
    JNIM only." Synthetic layers put their "SYNTHETIC" credit first; ``n`` is
    the number of events counted (window, filter and scope) and is followed by
    the scope: "n = 412 in Koulikoro region".
    """
    return auto_source(plan_content(project, spec.with_(source_line=None)))


def count_line(project: Project, spec: FigureSpec) -> str:
    """The figure's count, scope and window in one line.

    For example "n = 475 in Koulikoro region, 1 Jan 2020 – 31 Dec 2023"; ""
    when it draws no event layer.
    """
    plan = plan_content(project, spec)
    if not plan.counted:
        return ""
    return f"n = {plan.event_count:,} {plan.scope_text}, {window_text(plan.window)}"


__all__ = [
    "auto_source_line",
    "chart_series",
    "count_line",
    "figure_layers",
    "fit_extent",
    "multiple_periods",
    "period_label",
    "period_window",
    "plan_content",
    "requested_extent",
]
