"""The bundled base layers for Mali, with their credits, caveats and default styles.

Provenance of every layer is in data/SOURCES.md; the short credits here go into
figure source lines and Help > About.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyogrio

from sahelgis import paths
from sahelgis.errors import InputError
from sahelgis.model import layers as roles
from sahelgis.model.layers import VectorLayer
from sahelgis.model.styles import Style

if TYPE_CHECKING:
    from pathlib import Path

    import geopandas as gpd

NATURAL_EARTH = "Natural Earth (public domain)"
GEONAMES = "GeoNames (CC BY 4.0)"
GEOBOUNDARIES = "geoBoundaries MLI ADM2 (CC BY 4.0; DNCT/DNP, OCHA)"
ROADS_APPROX = "Roads approximated by SahelGIS (not surveyed)"

ROADS_CAVEAT = (
    "APPROXIMATE: straight segments between the towns each road passes through, "
    "not surveyed; real roads can lie tens of km away. Import real roads "
    "(File > Import road layer) for corridor or distance work."
)

CAPITAL_LEVELS = ("national_capital", "region_capital", "cercle_capital")
PLACE_COLORS = {
    "national_capital": "#000000",
    "region_capital": "#1A1A1A",
    "cercle_capital": "#333333",
}


def base_layers(path: Path | None = None) -> list[VectorLayer]:
    """The base layers, top first, styled for a map of southern Mali."""
    path = path or paths.base_gpkg()
    if not path.exists():
        raise InputError(path, "bundled base data is missing; reinstall SahelGIS")

    def read(layer: str) -> gpd.GeoDataFrame:
        return pyogrio.read_dataframe(path, layer=layer)

    places = read("places")
    is_capital = places["admin_level"].isin(CAPITAL_LEVELS)
    capitals = places[is_capital].reset_index(drop=True)
    towns = places[~is_capital & (places["country_iso2"] == "ML")].reset_index(
        drop=True
    )
    return [
        VectorLayer(
            name="District capitals (GeoNames)",
            data=capitals,
            role=roles.ROLE_PLACES,
            attribution=GEONAMES,
            style=Style(
                color="#111111",
                size=7,
                symbol="s",
                label_field="name",
                label_size=10,
                category_field="admin_level",
                categories=PLACE_COLORS,
            ),
        ),
        VectorLayer(
            name="Towns (GeoNames)",
            data=towns,
            role="towns",
            attribution=GEONAMES,
            style=Style(
                color="#333333",
                size=4,
                symbol="o",
                label_field="name",
                label_size=8,
                label_color="#333333",
            ),
        ),
        VectorLayer(
            name="National roads — APPROXIMATE (straight segments)",
            data=read("roads_national"),
            role=roles.ROLE_ROADS,
            attribution=ROADS_APPROX,
            caveat=ROADS_CAVEAT,
            style=Style(
                color="#C1121F",
                line_width=2.5,
                line_style="dash",
                label_field="ref",
                label_size=9,
            ),
        ),
        VectorLayer(
            name="Rivers (Natural Earth)",
            data=read("rivers"),
            role=roles.ROLE_RIVERS,
            attribution=NATURAL_EARTH,
            style=Style(color="#4A90C2", line_width=1.0),
        ),
        VectorLayer(
            name="Lakes (Natural Earth)",
            data=read("lakes"),
            role=roles.ROLE_LAKES,
            attribution=NATURAL_EARTH,
            style=Style(color="#4A90C2", fill="#A6CEE3", line_width=0.5),
        ),
        VectorLayer(
            name="Cercles (geoBoundaries 2017)",
            data=read("admin2_cercles"),
            role=roles.ROLE_CERCLES,
            attribution=GEOBOUNDARIES,
            style=Style(
                color="#8C8C8C",
                line_width=0.7,
                label_field="name_fr",
                label_size=7,
                label_color="#7A7A7A",
            ),
        ),
        VectorLayer(
            name="Regions of Mali (Natural Earth, pre-2016)",
            data=read("admin1_regions"),
            role=roles.ROLE_REGIONS,
            attribution=NATURAL_EARTH,
            style=Style(color="#6A4C93", fill="#FBF8F1", line_width=1.8),
        ),
        VectorLayer(
            name="Countries (Natural Earth)",
            data=read("admin0_countries"),
            role=roles.ROLE_COUNTRIES,
            attribution=NATURAL_EARTH,
            style=Style(
                color="#A09C92",
                fill="#ECE8DF",
                line_width=1.0,
                label_field="name",
                label_size=10,
                label_color="#8A857A",
            ),
        ),
    ]


#: The opening view of a new project: southern Mali, lon -12.5..-4, lat 10..16.5.
HOME_BOUNDS_LONLAT = (-12.5, 10.0, -4.0, 16.5)


def credits_text() -> str:
    """Human-readable credits of the bundled data (for Help > About)."""
    return (
        "Base data: Natural Earth (public domain); GeoNames (CC BY 4.0); "
        "geoBoundaries Mali ADM2 (CC BY 4.0; DNCT/DNP, OCHA). National roads are "
        "approximated by SahelGIS (straight segments between towns, not surveyed). "
        "Demo events are SYNTHETIC, generated by SahelGIS in ACLED's format; they "
        "are not ACLED data. Full provenance: data/SOURCES.md."
    )
