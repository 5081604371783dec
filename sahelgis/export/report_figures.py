"""The analyst report's four figures, rebuilt as saved figures of a project.

``add_report_figures(project)`` adds (or replaces) four ``FigureSpec`` entries
reproducing, on the project's data, the figures of
``reference/analyst_report.txt``:

1. "JNIM Targets Nara and the RN4 in the Koulikoro Region, Southern Mali":
   JNIM attacks around Nara and along the RN4, with roads and towns.
2. "JNIM Increases Grip on Civilians in the Koulikoro Region": JNIM violence
   against civilians and strategic developments (control indicators), map
   plus a bar chart per year.
3. "JNIM Strengthens in Southern Mali: In the Koulikoro Region, 2020–2023":
   support zones (``sahelgis.analysis.zones.support_zones``) as small
   multiples, one panel per year.
4. "Russia-Backed Engagement in Northwest Africa": countries coloured by what
   the report says about them, joined from ``data/report_fig4_countries.csv``
   (each row cites its sentence of the report).

Figures 2 and 3 name the Koulikoro region in their titles, so their scope is
that region (``sahelgis.model.figure_scope``): n, the chart and the panels
count, and the map draws, only events inside the region's polygon. Figure 1
counts the events in its frame (around Nara and along the RN4).

With the bundled demo project the events are SYNTHETIC; every figure that
shows them carries the "SYNTHETIC DATA — not ACLED" mark and a synthetic
source line (``sahelgis.model.figures``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pyogrio

from sahelgis import paths
from sahelgis.export.join import JoinResult, join_table, read_table
from sahelgis.model import acled_schema as acled
from sahelgis.model.event_query import query_for
from sahelgis.model.figure_scope import area_scope
from sahelgis.model.figures import FigureSpec, save_figure
from sahelgis.model.filters import EventFilter
from sahelgis.model.layers import (
    ROLE_CERCLES,
    ROLE_COUNTRIES,
    ROLE_PLACES,
    ROLE_REGIONS,
    ROLE_RIVERS,
    ROLE_ROADS,
    EventLayer,
    Layer,
    VectorLayer,
)
from sahelgis.model.styles import Style

if TYPE_CHECKING:
    from sahelgis.model.project import Project

ROLE_FIG4 = "report_fig4_countries"
ROLE_ZONES = "support_zones"
FIG4_CSV = "report_fig4_countries.csv"
NOT_DISCUSSED = "Not discussed in the report"

#: Category colours of Figure 4 (categories are the CSV's ``category`` values).
FIG4_COLORS: dict[str, str] = {
    "Junta-led; downgraded ties with the West, closer to Russia": "#B2182B",
    "Buys Russian arms and plans to buy more": "#F4A582",
    "Key US partner; ties strained by human rights abuses": "#4393C3",
    "Named on the report's Figure 4 only": "#C2A5CF",
    NOT_DISCUSSED: "#F2EFE8",
}

#: Lon/lat boxes (west, south, east, north).
NARA_RN4_BOX = (-8.7, 13.35, -6.0, 15.75)
AFRICA_BOX = (-19.0, -6.0, 46.0, 30.0)
#: The map reaches Ethiopia, so the title says Africa; the subtitle quotes the
#: report's own caption ("... in Northwest Africa").
FIG4_TITLE = "Russia-Backed Engagement in Africa"
KOULIKORO_FALLBACK_BOX = (-9.6, 11.6, -5.6, 15.7)

JNIM = "JNIM"
ATTACK_TYPES = frozenset(
    {"Battles", "Explosions/Remote violence", "Violence against civilians"}
)
COERCION_TYPES = frozenset({"Violence against civilians", "Strategic developments"})
CREDIT = "Map: SahelGIS"


def add_report_figures(project: Project) -> list[str]:
    """Add the report's four figures to ``project`` as saved figures.

    Adds two hidden helper layers when needed (support zones 2020–2023 computed
    from the event layer, and the Figure 4 countries joined from
    ``data/report_fig4_countries.csv``); calling it again replaces the figures
    and reuses the layers. Figures 1–3 need an event layer and are skipped
    without one. Returns the names of the figures saved.
    """
    names: list[str] = []
    events = _event_layer(project)
    if events is not None:
        for spec in (
            _figure1(project, events),
            _figure2(project, events),
            _figure3(project, events),
        ):
            save_figure(project, spec)
            names.append(spec.name)
    spec = _figure4(project)
    save_figure(project, spec)
    names.append(spec.name)
    return names


def _event_layer(project: Project) -> EventLayer | None:
    layers = project.event_layers()
    return layers[0] if layers else None


def _ids(project: Project, *roles: str) -> list[str]:
    return [layer.id for layer in project.layers if layer.role in roles]


def _events_label(layer: EventLayer, what: str) -> str:
    return f"{what} — SYNTHETIC, not ACLED" if layer.synthetic else what


def _region_box(project: Project, name: str) -> tuple[float, float, float, float]:
    for layer in project.layers_with_role(ROLE_REGIONS):
        if not isinstance(layer, VectorLayer):
            continue
        for column in ("adm1_name", "adm1_name_en", "name"):
            if column in layer.data:
                hit = layer.data[layer.data[column].astype(str) == name]
                if len(hit):
                    w, s, e, n = hit.total_bounds
                    return (
                        float(w) - 0.1,
                        float(s) - 0.1,
                        float(e) + 0.1,
                        float(n) + 0.1,
                    )
    return KOULIKORO_FALLBACK_BOX


def _region_scope(project: Project, name: str) -> dict[str, Any] | None:
    """Scope "events in the region called ``name``".

    None when there is no such region: the figure then counts the events in
    its frame.
    """
    for layer in project.layers_with_role(ROLE_REGIONS):
        if not isinstance(layer, VectorLayer):
            continue
        for column in ("adm1_name", "adm1_name_en", "name"):
            if column in layer.data and (layer.data[column].astype(str) == name).any():
                return area_scope(layer, column, name, f"{name} region").to_dict()
    return None


def _synthetic_note(layer: EventLayer) -> str:
    if not layer.synthetic:
        return ""
    return (
        " The events are SYNTHETIC demo data made by SahelGIS in ACLED's format; "
        "they are not ACLED data and show no real incident."
    )


def _figure1(project: Project, events: EventLayer) -> FigureSpec:
    roads = _ids(project, ROLE_ROADS)
    return FigureSpec(
        name="Report Figure 1 — Nara and the RN4",
        title="JNIM Targets Nara and the RN4 in the Koulikoro Region, Southern Mali",
        subtitle="JNIM attacks around Nara and along the RN4, Jan 2022 – Jun 2024",
        extent=NARA_RN4_BOX,
        layer_ids=[
            events.id,
            *_ids(project, ROLE_PLACES, "towns", ROLE_ROADS, ROLE_RIVERS),
            *_ids(project, ROLE_CERCLES, ROLE_REGIONS, ROLE_COUNTRIES),
        ],
        time_window=("2022-01-01", "2024-06-30"),
        event_filter=EventFilter(actor=JNIM, event_types=ATTACK_TYPES).to_dict(),
        legend_labels={events.id: _events_label(events, "JNIM attacks")},
        legend_collapsed=_ids(project, ROLE_PLACES),
        scale_units="both",
        credit=CREDIT,
        notes=(
            "Reproduces the analyst report's Figure 1 (caption: 'JNIM Targets Nara "
            "and the RN4 in the Koulikoro Region, Southern Mali'). Attacks = "
            "Battles, Explosions/Remote violence and Violence against civilians "
            "with JNIM as an actor."
            + (
                " The RN4 is drawn only from Mourdiah to Nara, as straight "
                "segments (Kwala has no cited coordinate)."
                if roads
                else ""
            )
            + _synthetic_note(events)
        ),
    )


def _figure2(project: Project, events: EventLayer) -> FigureSpec:
    return FigureSpec(
        name="Report Figure 2 — coercion of civilians",
        title="JNIM Increases Grip on Civilians in the Koulikoro Region",
        subtitle=(
            "JNIM violence against civilians and strategic developments "
            "(control indicators), 2020–2023"
        ),
        extent=_region_box(project, "Koulikoro"),
        layer_ids=[
            events.id,
            *_ids(project, ROLE_PLACES, ROLE_ROADS, ROLE_RIVERS),
            *_ids(project, ROLE_CERCLES, ROLE_REGIONS, ROLE_COUNTRIES),
        ],
        time_window=("2020-01-01", "2023-12-31"),
        event_filter=EventFilter(actor=JNIM, event_types=COERCION_TYPES).to_dict(),
        legend_labels={events.id: _events_label(events, "JNIM events")},
        legend_collapsed=_ids(project, ROLE_PLACES),
        chart={"by": "year", "field": acled.EVENT_TYPE},
        scope=_region_scope(project, "Koulikoro"),
        credit=CREDIT,
        notes=(
            "Reproduces the analyst report's Figure 2 (caption: 'JNIM Increases "
            "Grip on Civilians in the Koulikoro Region'): the report says JNIM "
            "'significantly increased the rate of coercive attacks on civilians in "
            "2022' and that control indicators grew in 2023. Map extent: the "
            "Koulikoro region (pre-2016 boundaries); n and the chart count the "
            "events inside the Koulikoro region only (events of Ségou, Mopti "
            "and neighbouring countries are neither counted nor drawn)."
            + _synthetic_note(events)
        ),
    )


def _zones_layer(project: Project, events: EventLayer) -> VectorLayer | None:
    existing = [
        layer
        for layer in project.layers_with_role(ROLE_ZONES)
        if isinstance(layer, VectorLayer)
    ]
    if existing:
        return existing[0]
    try:
        from sahelgis.analysis.zones import DEFAULT_RULES, support_zones
    except ImportError:  # analysis package without zones: Figure 3 shows events
        return None
    rows = query_for(events).window_rows(
        np.datetime64("2020-01-01"),
        np.datetime64("2023-12-31"),
        EventFilter(),
        expand_imprecise=False,
    )
    zones = support_zones(events.events, DEFAULT_RULES, rows=rows, by="year")
    zones.attrs = {}
    layer = VectorLayer(
        name=(
            "JNIM support zones 2020–2023"
            + (" (from SYNTHETIC events)" if events.synthetic else "")
        ),
        data=zones,
        role=ROLE_ZONES,
        visible=False,
        synthetic=events.synthetic,
        attribution=events.attribution,
        caveat=(
            "Support zones: clusters of control indicators (DBSCAN "
            f"{DEFAULT_RULES.eps_km:g} km, ≥ {DEFAULT_RULES.min_events} events, "
            f"{DEFAULT_RULES.margin_km:g} km margin), rules "
            f"'{DEFAULT_RULES.name}'."
        ),
        style=Style(color="#7B2D26", fill="#C1121F55", line_width=1.2),
    )
    # above the base polygons (or their fills would hide it), below lines/points
    base = [
        i
        for i, other in enumerate(project.layers)
        if other.role in ("lakes", ROLE_CERCLES, ROLE_REGIONS, ROLE_COUNTRIES)
    ]
    project.add_layer(layer, base[0] if base else len(project.layers))
    return layer


def _figure3(project: Project, events: EventLayer) -> FigureSpec:
    zones = _zones_layer(project, events)
    layer_ids = [
        events.id,
        *_ids(project, ROLE_PLACES, ROLE_ROADS, ROLE_RIVERS),
        *_ids(project, ROLE_REGIONS, ROLE_COUNTRIES),
    ]
    labels = {events.id: _events_label(events, "JNIM events")}
    if zones is not None:
        layer_ids.append(zones.id)
        labels[zones.id] = "JNIM support zone (control indicators)"
        method = zones.caveat
    else:
        method = "Support zones were not available; the panels show JNIM events."
    return FigureSpec(
        name="Report Figure 3 — support zones 2020–2023",
        title="JNIM Strengthens in Southern Mali: In the Koulikoro Region, 2020–2023",
        subtitle="Support zones and JNIM events, one panel per year",
        extent=_region_box(project, "Koulikoro"),
        layer_ids=layer_ids,
        time_window=("2020-01-01", "2023-12-31"),
        event_filter=EventFilter(actor=JNIM).to_dict(),
        legend_labels=labels,
        legend_collapsed=_ids(project, ROLE_PLACES),
        small_multiples={
            "by": "year",
            "periods": ["2020", "2021", "2022", "2023"],
            "cols": 4,
            "period_field": "period",
            "empty_note": "no support zone found",
        },
        inset=True,
        scope=_region_scope(project, "Koulikoro"),
        credit=CREDIT,
        notes=(
            "Reproduces the analyst report's Figure 3 (caption: 'JNIM Strengthens "
            "in Southern Mali: In the Koulikoro Region, 2020–2023'). "
            + method
            + " Panel counts are of events inside the Koulikoro region."
            + _synthetic_note(events)
        ),
    )


def fig4_countries(project: Project | None = None) -> tuple[VectorLayer, JoinResult]:
    """The Figure 4 layer: Africa's countries with the report's category joined.

    Countries the table does not name get the category "Not discussed in the
    report"; table rows without a polygon (Russia) are listed in the result's
    ``unmatched`` and in the layer's caveat.
    """
    polygons = pyogrio.read_dataframe(paths.base_gpkg(), layer="admin0_africa")
    source = paths.data_dir() / FIG4_CSV
    table = read_table(source)
    result = join_table(polygons, table, "country", iso_column="iso_a3", source=source)
    frame = result.frame
    matched = frame["category"].notna() & (frame["category"].astype(str) != "")
    frame["category"] = frame["category"].where(matched, NOT_DISCUSSED)
    frame["label"] = frame["name"].where(matched, "")
    categories = {
        c: FIG4_COLORS.get(c, "#9E9E9E")
        for c in dict.fromkeys([*table["category"], NOT_DISCUSSED])
    }
    missing = ", ".join(result.unmatched)
    layer = VectorLayer(
        name="Report Figure 4: countries by the report's statements",
        data=frame,
        role=ROLE_FIG4,
        visible=False,
        attribution=(
            "Analyst report statements coded by SahelGIS "
            f"(data/{FIG4_CSV}); Natural Earth (public domain)"
        ),
        caveat=(
            f"Categories paraphrase sentences of the analyst report (cited in "
            f"data/{FIG4_CSV})."
            + (f" Not on the map (no polygon): {missing}." if missing else "")
        ),
        style=Style(
            color="#7A756A",
            line_width=0.6,
            category_field="category",
            categories=categories,
            label_field="label",
            label_size=9,
            label_color="#202020",
        ),
    )
    return layer, result


def _figure4(project: Project) -> FigureSpec:
    existing: list[Layer] = project.layers_with_role(ROLE_FIG4)
    if existing:
        layer = existing[0]
        unmatched = layer.caveat
    else:
        layer, result = fig4_countries(project)
        project.add_layer(layer, len(project.layers))
        unmatched = result.report()
    return FigureSpec(
        name="Report Figure 4 — Russia-backed engagement",
        title=FIG4_TITLE,
        subtitle=(
            "Countries as the report's Figure 4 ('... in Northwest Africa') codes "
            "them; Russia, the partner, is off the map"
        ),
        extent=AFRICA_BOX,
        layer_ids=[layer.id],
        legend_labels={layer.id: "What the report says"},
        scale_units="km",
        inset=False,
        credit=CREDIT,
        notes=(
            "Reproduces the analyst report's Figure 4 (caption: 'Russia-Backed "
            "Engagement in Northwest Africa'). Each category paraphrases a "
            f"sentence of the report, cited in data/{FIG4_CSV} (column "
            f"source_sentence). Join: {unmatched}. The scale bar is true at its "
            "own position only: on a continental map the scale varies."
        ),
    )


__all__ = ["FIG4_COLORS", "add_report_figures", "fig4_countries"]
