"""OpenStreetMap extracts (``.osm`` XML or ``.osm.pbf``) → road and place layers.

Read through GDAL's OSM driver (pyogrio), never parsed here. Only the rows
needed come back: a ``where=`` filter on the ``lines`` layer keeps the national
road classes, one on ``points`` keeps the settlements, and ``columns=`` keeps
the fields used. Tags the driver's default ``osmconf.ini`` does not turn into
fields (``ref`` on lines, ``name:fr``, ``name:en``, ``population`` on points)
come from its ``other_tags`` field (PostgreSQL hstore syntax), parsed here.

GDAL's OSM driver keeps an index of node positions while it builds ways: in
memory up to ``MAX_TMPFILE_SIZE`` (100 MB), then in a
temporary file. That file goes to GDAL's temporary folder, which is the
*current directory* unless ``CPL_TMPDIR`` (or ``TMPDIR``/``TEMP``) is set, so
``read_osm`` points ``CPL_TMPDIR`` at Python's temporary folder when nothing
else did; a read-only or removable working folder then cannot break an import.
The driver's own node indexing (``USE_CUSTOM_INDEXING=YES``, 2.8 times faster
than its SQLite index on 2 million nodes) and GDAL's bundled ``osmconf.ini``
(so a user's ``OSM_CONFIG_FILE`` cannot change the fields read) are asked for
explicitly. Peak memory stays about 200 MB above the process at 2 million nodes
(``benchmarks/osm_bench.py``), for a 183 MB XML or 12 MB PBF file.

An extract whose ways or places are tagged ``synthetic=…SYNTHETIC…`` (made-up
data, e.g. by ``scripts/make_synthetic_osm.py``) gives layers marked
``synthetic``, named "SYNTHETIC …" and credited as such, not to OpenStreetMap.

Road pieces are merged per ``ref`` (a way tagged ``RN4;RN3`` belongs to both
routes) into one line per road, the layer playing ``ROLE_ROADS`` that replaces
the approximate bundled roads. Both layers carry the OpenStreetMap credit (or,
for a synthetic extract, the SYNTHETIC one), which flows into figure source
lines.
"""

from __future__ import annotations

import re
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely
from pyogrio.errors import DataLayerError, DataSourceError
from shapely import line_merge, unary_union

from sahelgis.errors import InputError
from sahelgis.model.layers import ROLE_PLACES, ROLE_ROADS, VectorLayer
from sahelgis.model.styles import Style
from sahelgis.progress import NULL_PROGRESS

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

    from sahelgis.model.project import Project
    from sahelgis.progress import Progress

OSM_ATTRIBUTION = "© OpenStreetMap contributors, ODbL"
#: Credit of an extract whose features are tagged ``synthetic=…SYNTHETIC…`` (a
#: stand-in made by ``scripts/make_synthetic_osm.py``): never OpenStreetMap's.
SYNTHETIC_ATTRIBUTION = (
    "SYNTHETIC roads and places in OSM format, not OpenStreetMap data"
)
_SYNTHETIC_TAG = re.compile(r'(?:^|,)"synthetic"=>"[^"]*SYNTHETIC')
OSM_SUFFIXES = (".osm", ".pbf")
ROAD_CLASSES = ("trunk", "primary", "secondary")
PLACE_CLASSES = ("city", "town", "village", "hamlet")
#: Rank of a road class: a route keeps the highest class among its pieces.
_CLASS_RANK = {"trunk": 0, "primary": 1, "secondary": 2, "tertiary": 3}
ROAD_STYLE = Style(color="#C1121F", line_width=2.5, label_field="ref", label_size=9)
PLACE_STYLE = Style(
    color="#333333",
    size=4,
    symbol="o",
    label_field="name",
    label_size=8,
    label_color="#333333",
)
_HSTORE = re.compile(r'"((?:[^"\\]|\\.)*)"\s*=>\s*(?:"((?:[^"\\]|\\.)*)"|NULL)')
_UNESCAPE = re.compile(r"\\(.)")
#: the ref of an other_tags value: a key starts the text or follows a comma
#: (inside a value a quote is always escaped, so this cannot match there)
_REF_TAG = re.compile(r'(?:^|,)"ref"=>"((?:[^"\\]|\\.)*)"')
_SPACED_REF = re.compile(r"^([A-Za-z]+)[\s-]+(\d)")


@dataclass
class OsmImport:
    """What an extract gave: the road and place layers and how many were read.

    Attributes
    ----------
    roads
        One line per road ``ref``, role ``roads``; ``None`` when the extract
        holds no trunk/primary/secondary way with a ``ref``.
    places
        Settlements (city, town, village, hamlet), role ``places``; ``None``
        when there are none.
    ways
        Road ways read (of the classes asked for).
    ways_without_ref
        Of those, ways left out because they carry no ``ref``.
    """

    roads: VectorLayer | None
    places: VectorLayer | None
    ways: int = 0
    ways_without_ref: int = 0

    def summary(self) -> str:
        """One line: how many roads, ways and places came in."""
        roads = 0 if self.roads is None else len(self.roads.data)
        places = 0 if self.places is None else len(self.places.data)
        text = f"{roads} roads from {self.ways} ways, {places} places"
        if self.ways_without_ref:
            text += f" ({self.ways_without_ref} ways without a ref left out)"
        return text


def parse_hstore(text: object) -> dict[str, str]:
    r"""Parse an OSM driver ``other_tags`` value into a dict.

    Parameters
    ----------
    text
        ``"key"=>"value","key2"=>"value2"`` (backslash escapes ``\\"`` and
        ``\\\\``); anything that is not a string gives an empty dict.

    Returns
    -------
    dict of str to str
        Tags by key; ``NULL`` values are left out.
    """
    if not isinstance(text, str) or not text:
        return {}
    tags: dict[str, str] = {}
    for match in _HSTORE.finditer(text):
        key, value = match.group(1), match.group(2)
        if value is not None:
            tags[_UNESCAPE.sub(r"\1", key)] = _UNESCAPE.sub(r"\1", value)
    return tags


def split_refs(ref: object) -> list[str]:
    """The road numbers in a ``ref`` tag.

    Parameters
    ----------
    ref
        A tag value such as ``"RN4;RN3"`` or ``"RN 4"``; not a string gives none.

    Returns
    -------
    list of str
        Each number once, in order, spaces between letters and digits removed
        (``"RN 4"`` → ``"RN4"``).
    """
    if not isinstance(ref, str):
        return []
    refs: list[str] = []
    for part in ref.replace(",", ";").split(";"):
        value = _SPACED_REF.sub(r"\1\2", part.strip())
        if value and value not in refs:
            refs.append(value)
    return refs


def read_osm(
    path: str | Path,
    *,
    tertiary: bool = False,
    progress: Progress = NULL_PROGRESS,
) -> OsmImport:
    """Read the national roads and the settlements of an OpenStreetMap extract.

    Parameters
    ----------
    path
        An ``.osm`` (XML) or ``.osm.pbf`` file.
    tertiary
        Also read ``highway=tertiary`` ways.
    progress
        Told per layer; checked for cancel between steps.

    Returns
    -------
    OsmImport
        The road layer (EPSG:4326, columns ref, name, highway, source) and the
        place layer (EPSG:4326, columns name, name_fr, name_en, place,
        population, osm_id, source).

    Raises
    ------
    InputError
        One line naming the file: missing, not an OSM extract, unreadable, or
        holding neither roads nor places.
    Cancelled
        When the progress was cancelled.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(path, "file not found")
    if path.suffix.lower() not in OSM_SUFFIXES:
        raise InputError(
            path, "not an OpenStreetMap extract (the name must end in .osm or .pbf)"
        )
    classes = ROAD_CLASSES + (("tertiary",) if tertiary else ())
    progress.set(0.0, f"Reading roads from {path.name}")
    lines = _read(
        path,
        "lines",
        where="highway IN ({})".format(", ".join(f"'{c}'" for c in classes)),
        columns=["name", "highway", "other_tags"],
    )
    progress.check()
    progress.set(0.4, "Merging road pieces per ref")
    synthetic = _synthetic(lines)
    roads, without_ref = _merge_roads(lines, path.name, synthetic)
    progress.check()
    progress.set(0.5, f"Reading places from {path.name}")
    points = _read(
        path,
        "points",
        where="place IN ({})".format(", ".join(f"'{c}'" for c in PLACE_CLASSES)),
        columns=["osm_id", "name", "place", "other_tags"],
    )
    progress.check()
    synthetic = synthetic or _synthetic(points)
    places = _places(points, path.name, synthetic)
    roads["source"] = _source(path.name, synthetic)
    progress.set(1.0, "")
    if roads.empty and places.empty:
        raise InputError(
            path,
            "holds no trunk, primary or secondary road with a ref and no city, "
            "town, village or hamlet",
        )
    return OsmImport(
        roads=None if roads.empty else road_layer(roads, path, synthetic=synthetic),
        places=None if places.empty else place_layer(places, path, synthetic=synthetic),
        ways=len(lines),
        ways_without_ref=without_ref,
    )


def add_to_project(project: Project, result: OsmImport) -> list[str]:
    """Put an extract's layers into a project.

    The roads replace the layers playing ``roads`` (the approximate bundled
    ones, or roads imported before); the places are added below the project's
    other place layers, so analyses keep looking towns up where they did.

    Parameters
    ----------
    project
        The project to change (one undo entry).
    result
        What ``read_osm`` returned.

    Returns
    -------
    list of str
        One line per change, for a status bar or the terminal.
    """
    lines: list[str] = []
    with project.undo_stack.macro("Import OpenStreetMap extract"):
        if result.roads is not None:
            replaced = project.replace_role(ROLE_ROADS, result.roads)
            names = ", ".join(f"“{old.name}”" for old in replaced) or "nothing"
            lines.append(f"roads: {result.roads.name} replace {names}")
        if result.places is not None:
            index = 0
            for i, layer in enumerate(project.layers):
                if layer.role in (ROLE_PLACES, "towns"):
                    index = i + 1
            project.add_layer(result.places, index)
            lines.append(f"places: added {result.places.name}")
    return lines


def road_layer(
    frame: gpd.GeoDataFrame, path: Path, *, synthetic: bool = False
) -> VectorLayer:
    """The merged roads as the layer that replaces the approximate ones.

    ``synthetic``: made-up data, named and credited so (never OpenStreetMap).
    """
    return VectorLayer(
        name=_name("National roads", path, synthetic),
        data=frame,
        role=ROLE_ROADS,
        style=ROAD_STYLE,
        source_path=str(path),
        attribution=SYNTHETIC_ATTRIBUTION if synthetic else OSM_ATTRIBUTION,
        synthetic=synthetic,
    )


def place_layer(
    frame: gpd.GeoDataFrame, path: Path, *, synthetic: bool = False
) -> VectorLayer:
    """The settlements as a place layer (``synthetic`` as for roads)."""
    return VectorLayer(
        name=_name("Places", path, synthetic),
        data=frame,
        role=ROLE_PLACES,
        style=PLACE_STYLE,
        source_path=str(path),
        attribution=SYNTHETIC_ATTRIBUTION if synthetic else OSM_ATTRIBUTION,
        synthetic=synthetic,
    )


def _name(what: str, path: Path, synthetic: bool) -> str:
    if synthetic:
        return f"SYNTHETIC {what.lower()} (not OpenStreetMap, {path.name})"
    return f"{what} (OpenStreetMap, {path.name})"


def _source(file: str, synthetic: bool) -> str:
    if synthetic:
        return f"{file}; {SYNTHETIC_ATTRIBUTION}"
    return f"OpenStreetMap ({file}); {OSM_ATTRIBUTION}"


def _synthetic(frame: gpd.GeoDataFrame) -> bool:
    """Some feature is tagged ``synthetic=…SYNTHETIC…``.

    Not ``source``: GDAL's default ``osmconf.ini`` drops that tag.
    """
    if "other_tags" not in frame:
        return False
    return any(
        isinstance(t, str) and _SYNTHETIC_TAG.search(t) is not None
        for t in frame["other_tags"].tolist()
    )


#: In-memory node index before GDAL's OSM driver spills to a temporary file, MB.
MAX_TMPFILE_MB = 100


def driver_options() -> dict[str, str]:
    """Open options for GDAL's OSM driver (and its temporary folder, set once).

    Returns
    -------
    dict of str to str
        ``USE_CUSTOM_INDEXING``, ``COMPRESS_NODES``, ``MAX_TMPFILE_SIZE`` (MB)
        and, when GDAL's data folder has it, ``CONFIG_FILE`` (the default
        ``osmconf.ini``). ``CPL_TMPDIR`` is set to Python's temporary folder
        unless it, ``TMPDIR`` or ``TEMP`` is already set for GDAL.
    """
    names = ("CPL_TMPDIR", "TMPDIR", "TEMP")
    if not any(pyogrio.get_gdal_config_option(name) for name in names):
        pyogrio.set_gdal_config_options({"CPL_TMPDIR": tempfile.gettempdir()})
    options = {
        "USE_CUSTOM_INDEXING": "YES",
        "COMPRESS_NODES": "NO",
        "MAX_TMPFILE_SIZE": str(MAX_TMPFILE_MB),
    }
    data = pyogrio.get_gdal_data_path()
    if data and (Path(data) / "osmconf.ini").is_file():
        options["CONFIG_FILE"] = str(Path(data) / "osmconf.ini")
    return options


def _read(
    path: Path, layer: str, *, where: str, columns: list[str]
) -> gpd.GeoDataFrame:
    try:
        frame = pyogrio.read_dataframe(
            path,
            layer=layer,
            where=where,
            columns=columns,
            on_invalid="ignore",
            **driver_options(),
        )
    except (DataSourceError, DataLayerError, OSError, ValueError) as exc:
        text = str(exc).strip().splitlines()
        reason = text[0] if text else type(exc).__name__
        if "not recognized" in reason:
            reason = "not a readable OpenStreetMap extract (.osm XML or .osm.pbf)"
        else:
            reason = f"not a readable OpenStreetMap extract ({reason})"
        raise InputError(path, reason) from exc
    if not isinstance(frame, gpd.GeoDataFrame):
        raise InputError(path, f"the {layer} layer has no geometry")
    if frame.crs is None:
        frame = frame.set_crs("EPSG:4326")
    return frame.to_crs("EPSG:4326")


def _merge_roads(
    lines: gpd.GeoDataFrame, source: str, synthetic: bool = False
) -> tuple[gpd.GeoDataFrame, int]:
    """One row per ref: the ways' lines merged; and how many ways had no ref.

    The columns are taken out as plain lists first: reading them row by row
    through pandas (``.iloc``) cost most of an import at 200,000 ways; and each
    distinct ``other_tags`` text is parsed once.
    """
    pieces: dict[str, list[BaseGeometry]] = {}
    names: dict[str, Counter[str]] = {}
    classes: dict[str, str] = {}
    without_ref = 0
    n = len(lines)
    geoms = lines.geometry.to_numpy()
    usable = (~(shapely.is_missing(geoms) | shapely.is_empty(geoms))).tolist()
    tags = lines["other_tags"].tolist() if "other_tags" in lines else [None] * n
    all_names = lines["name"].tolist() if "name" in lines else [None] * n
    highways = lines["highway"].astype(str).tolist()
    refs_of: dict[object, list[str]] = {}  # ways repeat the same tags: parse once
    for geom, ok, tag, name, highway in zip(
        geoms, usable, tags, all_names, highways, strict=True
    ):
        if not ok:
            continue
        refs = refs_of.get(tag)
        if refs is None:
            refs = refs_of[tag] = split_refs(_ref_tag(tag))
        if not refs:
            without_ref += 1
            continue
        for ref in refs:
            pieces.setdefault(ref, []).append(geom)
            if isinstance(name, str) and name:
                counts = names.get(ref)
                if counts is None:
                    counts = names[ref] = Counter()
                counts[name] += 1
            old = classes.get(ref)
            if old is None or _CLASS_RANK.get(highway, 9) < _CLASS_RANK.get(old, 9):
                classes[ref] = highway
    rows = []
    for ref in sorted(pieces):
        named = names.get(ref)
        rows.append(
            {
                "ref": ref,
                "name": named.most_common(1)[0][0] if named else "",
                "highway": classes[ref],
                "source": _source(source, synthetic),
                "geometry": line_merge(unary_union(pieces[ref])),
            }
        )
    columns = ["ref", "name", "highway", "source", "geometry"]
    frame = gpd.GeoDataFrame(
        pd.DataFrame(rows, columns=columns), geometry="geometry", crs="EPSG:4326"
    )
    return frame, without_ref


def _ref_tag(text: object) -> str | None:
    """The ``ref`` of an ``other_tags`` value; most ways have none, found cheaply."""
    if not isinstance(text, str):
        return None
    match = _REF_TAG.search(text)
    if match is None:
        return None
    return _UNESCAPE.sub(r"\1", match.group(1))


def _places(
    points: gpd.GeoDataFrame, source: str, synthetic: bool = False
) -> gpd.GeoDataFrame:
    tags = [parse_hstore(t) for t in points.get("other_tags", [None] * len(points))]
    population = pd.to_numeric(
        pd.Series(
            [t.get("population", "").replace(",", "").replace(" ", "") for t in tags],
            dtype=object,
        ),
        errors="coerce",
    )
    frame = gpd.GeoDataFrame(
        {
            "name": points["name"].to_numpy() if "name" in points else None,
            "name_fr": [t.get("name:fr") for t in tags],
            "name_en": [t.get("name:en") for t in tags],
            "place": points["place"].to_numpy(),
            "population": population.to_numpy(dtype=float),
            "osm_id": points["osm_id"].to_numpy() if "osm_id" in points else None,
            "source": _source(source, synthetic),
        },
        geometry=points.geometry.to_numpy(),
        crs="EPSG:4326",
    )
    named = frame["name"].notna() & (frame["name"].astype(str) != "")
    return frame[named & frame.geometry.notna()].reset_index(drop=True)
