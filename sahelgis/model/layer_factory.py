"""Default names, styles and credits for new layers (shared by GUI and CLI)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sahelgis.model import acled_schema as acled
from sahelgis.model import ucdp_schema as ucdp
from sahelgis.model.layers import ROLE_EVENTS, EventLayer
from sahelgis.model.styles import Style

if TYPE_CHECKING:
    from sahelgis.model.events import EventTable

SYNTHETIC_ATTRIBUTION = "SYNTHETIC demo events made by SahelGIS (not ACLED data)"


def event_style() -> Style:
    """Default style of an event layer: coloured by ACLED event_type."""
    return Style(
        color="#444444",
        size=5,
        symbol="o",
        category_field=acled.EVENT_TYPE,
        categories=dict(acled.EVENT_TYPE_COLORS),
    )


def events_attribution(table: EventTable) -> str:
    """The credit imported events need: UCDP GED's, or ACLED's.

    Events read from a UCDP GED file (every ``source`` "UCDP GED") credit UCDP
    under its CC BY 4.0 licence; all others credit ACLED.
    """
    frame = table.frame
    if len(frame) and acled.SOURCE in frame.columns:
        sources = set(frame[acled.SOURCE].astype(str).unique())
        if sources == {ucdp.UCDP_SOURCE}:
            return ucdp.UCDP_ATTRIBUTION
    return acled.ACLED_ATTRIBUTION


def event_layer(table: EventTable, source: str | Path) -> EventLayer:
    """Wrap imported events in a layer named after their file.

    Synthetic tables say so in the layer name and credit line; real ones credit
    ACLED, or UCDP GED for GED events (:func:`events_attribution`), as their
    terms ask.
    """
    source = Path(source)
    if table.synthetic:
        name = f"Demo events — SYNTHETIC, not ACLED ({len(table):,})"
        attribution = SYNTHETIC_ATTRIBUTION
    else:
        name = f"{source.stem} ({len(table):,} events)"
        attribution = events_attribution(table)
    return EventLayer(
        name=name,
        events=table,
        role=ROLE_EVENTS,
        style=event_style(),
        synthetic=table.synthetic,
        source_path=str(source),
        attribution=attribution,
    )
