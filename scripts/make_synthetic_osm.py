"""Write a SYNTHETIC OpenStreetMap XML extract of southern Mali (not OSM data).

No real OpenStreetMap data is available offline, so this makes a stand-in to
try ``sahelgis import-osm`` on: the RN3 from Bamako by Kati, Nossombougou,
Kolokani, Kwala and Didiéni towards Diéma, and the RN4 from its junction with
the RN3 at Kwala by Mourdiah to Nara, each a meandering line with a vertex about
every 300 m, cut into ways of about 60 nodes; a few secondary and tertiary
roads and residential streets; and the towns on them as place nodes. Town
positions follow the bundled places layer (Kwala, Didiéni and Nossombougou are
placed by hand between their neighbours); the road courses are made up.

Every tagged way and node carries ``synthetic=SYNTHETIC …`` (GDAL's default
``osmconf.ini`` drops ``source`` and ``note`` tags, so neither would reach the
reader): ``read_osm`` then marks the layers synthetic (named so, "SYNTHETIC
DATA" on map and figures) instead of crediting OpenStreetMap. The file name
says SYNTHETIC too.

Usage::

    python scripts/make_synthetic_osm.py -o southern_mali_SYNTHETIC.osm [--seed 4]
"""

from __future__ import annotations

import argparse
import itertools
import sys
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import quoteattr

import numpy as np
from pyproj import Geod

SOURCE = "SYNTHETIC data made by SahelGIS scripts/make_synthetic_osm.py, not OSM"
_GEOD = Geod(ellps="WGS84")

#: lon, lat of the towns the synthetic roads pass (approximate)
TOWNS: dict[str, tuple[float, float, str, int]] = {
    "Bamako": (-7.975, 12.609, "city", 2_500_000),
    "Kati": (-8.073, 12.744, "town", 130_000),
    "Nossombougou": (-7.955, 13.120, "village", 9_000),
    "Kolokani": (-8.033, 13.574, "town", 48_000),
    "Kwala": (-8.050, 13.730, "village", 6_000),
    "Didiéni": (-8.080, 13.880, "village", 12_000),
    "Diéma": (-9.192, 14.540, "town", 30_000),
    "Mourdiah": (-7.469, 14.474, "village", 15_000),
    "Nara": (-7.290, 15.169, "town", 24_000),
    "Banamba": (-7.448, 13.548, "town", 30_000),
}

ROUTES: dict[str, tuple[str, str, list[str]]] = {
    # ref: (highway, name, towns in order)
    "RN3": (
        "trunk",
        "Route nationale 3",
        ["Bamako", "Kati", "Nossombougou", "Kolokani", "Kwala", "Didiéni", "Diéma"],
    ),
    "RN4": ("trunk", "Route nationale 4", ["Kwala", "Mourdiah", "Nara"]),
    "RR25": ("secondary", "Route de Banamba", ["Kolokani", "Banamba"]),
}


@dataclass
class SyntheticExtract:
    """What was written: the file and each ref's vertices (lon, lat)."""

    path: Path
    routes: dict[str, list[tuple[float, float]]] = field(default_factory=dict)

    def length_km(self, ref: str) -> float:
        """Geodesic length of a route, km."""
        lons, lats = zip(*self.routes[ref], strict=True)
        return float(_GEOD.line_length(lons, lats)) / 1000


def meander(
    a: tuple[float, float], b: tuple[float, float], rng: np.random.Generator
) -> np.ndarray:
    """A plausible road course from ``a`` to ``b``: a vertex every ~300 m.

    The offset from the straight line is a sum of a few smooth waves that vanish
    at both ends (so routes meet at their towns), up to ~4 % of the length,
    plus ~20 m of jitter. Returns an (n, 2) array of lon, lat.
    """
    _az, _baz, metres = _GEOD.inv(a[0], a[1], b[0], b[1])
    n = max(3, int(metres / 300))
    t = np.linspace(0.0, 1.0, n)
    offset = np.zeros(n)
    for k in range(1, 5):
        offset += rng.normal(0, 0.04 / k) * np.sin(np.pi * k * t + rng.uniform(0, 0.3))
    offset *= np.sin(np.pi * t)  # zero at both ends
    dx, dy = b[0] - a[0], b[1] - a[1]
    length = np.hypot(dx, dy)
    normal = np.array([-dy, dx]) / length
    base = np.column_stack([a[0] + dx * t, a[1] + dy * t])
    wobble = rng.normal(0, 0.0002, (n, 2))
    wobble[[0, -1]] = 0
    return base + np.outer(offset * length, normal) + wobble


class _Writer:
    def __init__(self) -> None:
        self.nodes: list[str] = []
        self.ways: list[str] = []
        self.next_node = 1
        self.next_way = 1

    def node(self, lon: float, lat: float, tags: dict[str, str] | None = None) -> int:
        nid = self.next_node
        self.next_node += 1
        body = _tags({**(tags or {}), "synthetic": SOURCE}) if tags else ""
        where = f'lat="{lat:.7f}" lon="{lon:.7f}"'
        self.nodes.append(f' <node id="{nid}" version="1" {where}>{body}</node>')
        return nid

    def way(self, ids: list[int], tags: dict[str, str]) -> None:
        nds = "".join(f'<nd ref="{i}"/>' for i in ids)
        self.ways.append(
            f' <way id="{self.next_way}" version="1">{nds}'
            f"{_tags({**tags, 'synthetic': SOURCE})}</way>"
        )
        self.next_way += 1


def _tags(tags: dict[str, str]) -> str:
    return "".join(f"<tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items())


def write_synthetic_mali(path: Path, seed: int = 4) -> SyntheticExtract:
    """Write the SYNTHETIC southern Mali extract (OSM XML).

    Parameters
    ----------
    path
        The ``.osm`` file to write (its name should say SYNTHETIC).
    seed
        Random seed of the road courses.

    Returns
    -------
    SyntheticExtract
        The file and the lon/lat vertices (EPSG:4326) of each route.
    """
    rng = np.random.default_rng(seed)
    out = _Writer()
    town_node: dict[str, int] = {}
    for name, (lon, lat, _place, _pop) in TOWNS.items():
        town_node[name] = out.node(lon, lat)  # road junction node in the town
    extract = SyntheticExtract(Path(path))
    for ref, (highway, name, towns) in ROUTES.items():
        ids: list[int] = []
        coords: list[tuple[float, float]] = []
        for a, b in itertools.pairwise(towns):
            line = meander(TOWNS[a][:2], TOWNS[b][:2], rng)
            inner = [out.node(float(x), float(y)) for x, y in line[1:-1]]
            if not ids:
                ids.append(town_node[a])
                coords.append(TOWNS[a][:2])
            ids += [*inner, town_node[b]]
            coords += [(float(x), float(y)) for x, y in line[1:-1]] + [TOWNS[b][:2]]
        extract.routes[ref] = coords
        for k, start in enumerate(range(0, len(ids) - 1, 60)):
            piece = ids[start : start + 61]
            spelled = f"{ref[:2]} {ref[2:]}" if k % 7 == 3 else ref  # some "RN 4"
            tags = {"highway": highway, "ref": spelled}
            if k % 5 != 2:
                tags["name"] = name
            out.way(piece, tags)
    # roads that are not national: no ref, and residential streets in towns
    for name in ("Kolokani", "Mourdiah", "Nara"):
        lon, lat = TOWNS[name][:2]
        for j in range(3):
            a = out.node(lon + 0.004 * j, lat - 0.006)
            b = out.node(lon + 0.004 * j, lat + 0.006)
            out.way([a, b], {"highway": "residential"})
        track = meander((lon, lat), (lon + 0.15, lat + 0.08), rng)
        out.way(
            [out.node(float(x), float(y)) for x, y in track],
            {"highway": "tertiary", "name": f"Piste de {name}"},
        )
    for name, (lon, lat, place, population) in TOWNS.items():
        out.node(
            lon + 0.002,
            lat + 0.002,
            {
                "name": name,
                "name:fr": name,
                "place": place,
                "population": str(population),
            },
        )
    path = Path(path)
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<osm version="0.6" generator="SahelGIS make_synthetic_osm.py: SYNTHETIC '
        'data, not OpenStreetMap">\n' + "\n".join(out.nodes + out.ways) + "\n</osm>\n",
        encoding="utf-8",
    )
    return extract


def main(argv: list[str] | None = None) -> int:
    """CLI: write the extract and say what it holds."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "-o", "--output", type=Path, default=Path("southern_mali_SYNTHETIC.osm")
    )
    parser.add_argument("--seed", type=int, default=4)
    args = parser.parse_args(argv)
    extract = write_synthetic_mali(args.output, args.seed)
    for ref, coords in extract.routes.items():
        sys.stdout.write(
            f"{ref}: {len(coords)} vertices, {extract.length_km(ref):.0f} km\n"
        )
    sys.stdout.write(f"wrote SYNTHETIC extract {extract.path}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
