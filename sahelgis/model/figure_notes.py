"""The words around a figure, from its plan.

The source line built from provenance (credits, window, ``n`` and scope,
filter), the scope in words, the window as text and the slide notes (source,
filter, window, extent, layers, counts behind the panels and the chart).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sahelgis.model import crs
from sahelgis.model.figure_legend import category_label, layer_label
from sahelgis.model.figure_scope import area_name
from sahelgis.model.figures import SYNTHETIC_MARK
from sahelgis.model.layers import EventLayer, Layer, VectorLayer
from sahelgis.model.time_window import day_label

if TYPE_CHECKING:
    import numpy as np

    from sahelgis.model.figure_parts import FigurePlan
    from sahelgis.model.filters import EventFilter
    from sahelgis.model.project import Project


def window_text(window: tuple[np.datetime64, np.datetime64] | None) -> str:
    """The window in days, as source lines need: "1 Jan 2023 – 31 Jul 2023".

    "all dates" for None.
    """
    if window is None:
        return "all dates"
    a, b = day_label(window[0]), day_label(window[1])
    return a if a == b else f"{a} – {b}"


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


def auto_source(plan: FigurePlan) -> str:
    """The source line of a figure, from its layers' provenance.

    The credits of the drawn layers (event layers first) and of the basemap,
    then, when events are drawn, their window, ``n`` with the scope and the
    filter in words.

    Parameters
    ----------
    plan
        The figure's plan.

    Returns
    -------
    str
        The source line ("" when there is nothing to credit or count).
    """
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


#: ACLED's page stating the surge and threat tracker rules the alerts follow.
ACLED_TRACKER_PAGE = (
    "https://acleddata.com/early-warning-research-hub/subnational-threat-surge-tracker/"
)


def _areas_text(spec: dict) -> str:
    areas = str(spec.get("areas", "cercle"))
    if areas == "hexagon":
        size = spec.get("size")
        return f"hexagons ({size} m across)" if size else "hexagons"
    return {"ring": "buffer rings", "segment": "corridor road segments"}.get(
        areas, f"{areas}s"
    )


def _int(value: object) -> int:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return 0


def analysis_notes(layer: Layer) -> list[str]:
    """The method and numbers of a compare, alerts or hot-spot result layer.

    Built from what the layer holds (its saved parameters, its features'
    counts and its style's classes), so a slide states the method and the
    counts the analysis table gave. Other layers give no line.

    Parameters
    ----------
    layer
        A layer of the figure.

    Returns
    -------
    list of str
        Lines (none for other layers).
    """
    spec = dict(layer.analysis or {})
    kind = spec.get("kind")
    if kind == "hotspots" and isinstance(layer, VectorLayer):
        return _hotspot_notes(layer, spec)
    if kind not in ("compare", "alerts") or not isinstance(layer, VectorLayer):
        return []
    data = layer.data
    fields = [c for c in data.columns if c != data.geometry.name]
    name_field = fields[0] if fields else None
    lines = [f"Analysis “{layer_label(layer)}” ({kind}) per {_areas_text(spec)}:"]
    if kind == "compare":
        periods = spec.get("periods") or [
            spec.get(k) for k in ("a_from", "a_to", "b_from", "b_to")
        ]
        if periods and all(periods):
            a0, a1, b0, b1 = periods
            lines.append(
                f"  Periods: A {a0} to {a1}, B {b0} to {b1} (both ends included)"
            )
        else:
            lines.append(
                "  Periods: B the last 12 months to the data's last day, A the 12 "
                "months before"
            )
        lines.append(
            "  Method: events per area in A and B (lon/lat point in polygon, as "
            "sahelgis counts); change = B − A; change % = 100·(B − A)/A (none "
            "when A = 0)"
        )
        if layer.style is not None and layer.style.categories:
            lines.append("  Classes: " + "; ".join(layer.style.categories))
        if name_field and {"count_a", "count_b"} <= set(data.columns):
            shown = data[(data["count_a"] > 0) | (data["count_b"] > 0)]
            for values in shown.drop(columns=data.geometry.name).to_dict("records"):
                a, b = _int(values["count_a"]), _int(values["count_b"])
                pct = f" ({100.0 * (b - a) / a:+.1f}%)" if a else " (new)" if b else ""
                lines.append(f"  {values[name_field]}: A {a}, B {b}{pct}")
    else:
        preset = spec.get("preset", "acled_surge")
        lines.append(
            f"  Rule ({preset}): window a {spec.get('window', 'week')}, baseline "
            f"the {spec.get('baseline', 4)} windows before; alert when the "
            f"window has at least {spec.get('min_count', 3)} events, the "
            f"baseline average is at least {spec.get('min_baseline', 1.0)} and "
            f"the count is at least {spec.get('increase', 100.0)}% above it"
        )
        lines.append(
            f"  Rule source: ACLED Subnational Threat & Surge Trackers, "
            f"{ACLED_TRACKER_PAGE}"
        )
        if name_field and "alerts" in data.columns:
            flagged = data[data["alerts"].fillna(0) > 0]
            for values in flagged.drop(columns=data.geometry.name).to_dict("records"):
                now = " (alert in the latest window)" if values.get("alert_now") else ""
                lines.append(
                    f"  {values[name_field]}: {_int(values['alerts'])} alerts{now}"
                )
    return lines


def _hotspot_notes(layer: VectorLayer, spec: dict) -> list[str]:
    """The emerging-hot-spot method and the tally of categories on the map."""
    size_km = float(spec.get("size", 10_000)) / 1000.0
    lines = [
        f"Analysis “{layer_label(layer)}” (emerging hot spots) on {size_km:g} km "
        f"hexagons, {spec.get('step', 'month')}ly steps:",
        "  Method: events per hexagon and step; local Getis-Ord Gi* per bin over "
        f"the hexagon and its {int(spec.get('rings', 1))} ring(s) of neighbours, "
        f"the same step and {int(spec.get('lag', 1))} step(s) before (weights 1); "
        "Benjamini–Hochberg false discovery rate at "
        f"{100.0 * float(spec.get('alpha', 0.05)):g}%; Mann–Kendall trend of each "
        "hexagon's z series; categories as ArcGIS's Emerging Hot Spot Analysis",
    ]
    if "category" in layer.data.columns:
        tally = layer.data["category"].astype(str).value_counts()
        lines.append(
            "  Categories on the map: "
            + "; ".join(f"{name} {int(n)}" for name, n in tally.items())
        )
    return lines


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
    for layer in plan.layers:
        lines.extend(analysis_notes(layer))
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
    "ACLED_TRACKER_PAGE",
    "analysis_notes",
    "auto_source",
    "basemap_credit",
    "figure_notes",
    "scope_notes",
    "window_text",
]
