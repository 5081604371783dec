"""A small made-up OpenStreetMap XML extract for tests (never real data).

``write_extract`` writes nodes and ways near Nara and Banamba: an RN4 cut
into several ways (one of them shared with the RN3, tagged ``RN4;RN3``), a
road without a ref, a residential street, settlements with ``name:fr`` and
``population``, and a point that is not a settlement. Coordinates wobble by a
seeded random amount, so the geometry is not a straight line.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import quoteattr

import numpy as np
from pyproj import Geod


@dataclass
class Extract:
    """What the file holds, to check the reader against."""

    path: Path
    #: lon/lat vertices of each ref's route, in order
    routes: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    places: dict[str, dict[str, str]] = field(default_factory=dict)

    def length_km(self, ref: str) -> float:
        """Geodesic length of a route, in km."""
        lons, lats = zip(*self.routes[ref], strict=False)
        return float(Geod(ellps="WGS84").line_length(lons, lats)) / 1000


def write_extract(path: Path, seed: int = 17) -> Extract:
    rng = np.random.default_rng(seed)
    nodes: list[str] = []
    ways: list[str] = []
    next_id = [1]

    def node(lon: float, lat: float, tags: dict[str, str] | None = None) -> int:
        nid = next_id[0]
        next_id[0] += 1
        body = "".join(
            f"<tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in (tags or {}).items()
        )
        nodes.append(f'<node id="{nid}" lat="{lat:.7f}" lon="{lon:.7f}">{body}</node>')
        return nid

    def way(ids: list[int], tags: dict[str, str]) -> None:
        wid = 1000 + len(ways)
        nds = "".join(f'<nd ref="{i}"/>' for i in ids)
        body = "".join(
            f"<tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items()
        )
        ways.append(f'<way id="{wid}">{nds}{body}</way>')

    # RN4 from Banamba (south) to Nara (north), 13 vertices, 4 ways
    lats = np.linspace(13.55, 15.17, 13)
    lons = -7.45 + 0.16 * (lats - 13.55) / 1.62 + rng.normal(0, 0.02, 13)
    ids = [node(float(x), float(y)) for x, y in zip(lons, lats, strict=False)]
    coords = list(zip(lons.tolist(), lats.tolist(), strict=False))
    cuts = [0, 3, 6, 9, 12]
    for k, (a, b) in enumerate(itertools.pairwise(cuts)):
        ref = "RN4;RN3" if k == 0 else ("RN 4" if k == 2 else "RN4")
        tags = {"highway": "trunk" if k else "primary", "ref": ref}
        if k != 1:
            tags["name"] = "Route de Nara"
        way(ids[a : b + 1], tags)
    # RN3 goes on west from the shared piece's north end
    west = [ids[3]]
    rn3 = [coords[0], coords[1], coords[2], coords[3]]
    for j in range(1, 4):
        x, y = coords[3][0] - 0.15 * j, coords[3][1] + float(rng.normal(0, 0.01))
        west.append(node(x, y))
        rn3.append((x, y))
    way(west, {"highway": "secondary", "ref": "RN3", "name": "Route de Kolokani"})
    # no ref; residential street: not national roads
    a, b = node(-7.0, 14.0), node(-6.9, 14.05)
    way([a, b], {"highway": "primary", "name": "Unnumbered"})
    c, d = node(-7.3, 15.16), node(-7.29, 15.17)
    way([c, d], {"highway": "residential", "ref": "RN99"})

    places = {
        "Nara": {
            "place": "town",
            "name:fr": "Nara",
            "name:en": "Nara",
            "population": "24000",
        },
        "Banamba": {"place": "town", "name:fr": "Banamba", "population": "16 000"},
        "Sirakorola": {"place": "village", "name:fr": "Sirakorola"},
        "Dioumara Koura": {"place": "hamlet", "name:en": 'Dioumara "K"'},
    }
    for (name, tags), (lon, lat) in zip(
        places.items(),
        [(-7.2857, 15.1685), (-7.4489, 13.5494), (-7.6, 13.4), (-7.9, 14.9)],
        strict=False,
    ):
        node(lon, lat, {"name": name, **tags})
    node(-7.28, 15.16, {"amenity": "fuel", "name": "Station"})

    body = "\n ".join(nodes + ways)
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<osm version="0.6" generator="sahelgis-tests">\n {body}\n</osm>\n',
        encoding="utf-8",
    )
    return Extract(path, {"RN4": coords, "RN3": rn3}, places)
