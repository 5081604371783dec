"""``scripts/make_synthetic_osm.py``: a SYNTHETIC southern Mali extract that imports."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import shapely

from sahelgis.io.osm import OSM_ATTRIBUTION, SYNTHETIC_ATTRIBUTION, read_osm

ROOT = Path(__file__).resolve().parents[1]


def _script():
    spec = importlib.util.spec_from_file_location(
        "make_synthetic_osm", ROOT / "scripts" / "make_synthetic_osm.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_synthetic_extract_imports_as_synthetic_winding_roads(tmp_path):
    script = _script()
    extract = script.write_synthetic_mali(tmp_path / "mali_SYNTHETIC.osm", seed=4)
    result = read_osm(extract.path)
    assert result.roads is not None
    assert result.places is not None
    roads = result.roads.data.set_index("ref")
    assert sorted(roads.index) == ["RN3", "RN4", "RR25"]
    rn4 = roads.loc["RN4"].geometry
    # one line from Kwala by Mourdiah to Nara, every vertex kept (several ways)
    assert rn4.geom_type == "LineString"
    assert rn4.equals_exact(shapely.LineString(extract.routes["RN4"]), 1e-6)
    assert len(rn4.coords) > 500
    straight = shapely.LineString([rn4.coords[0], rn4.coords[-1]]).length
    assert rn4.length > 1.02 * straight  # winds, not a straight line
    assert 150 < extract.length_km("RN4") < 260
    # the RN4 meets the RN3 at Kwala
    assert shapely.Point(rn4.coords[0]).distance(roads.loc["RN3"].geometry) < 1e-9
    # made up: said in layer names, flags and credits; never credited to OSM
    for layer in (result.roads, result.places):
        assert layer.synthetic
        assert layer.name.startswith("SYNTHETIC")
        assert layer.attribution == SYNTHETIC_ATTRIBUTION
        assert OSM_ATTRIBUTION not in " ".join(layer.data["source"])
    assert "Nara" in set(result.places.data["name"])


def test_script_command_line_writes_an_extract_named_synthetic(tmp_path, capsys):
    script = _script()
    osm = tmp_path / "south_SYNTHETIC.osm"
    assert script.main(["-o", str(osm)]) == 0
    out = capsys.readouterr().out
    assert "RN4:" in out
    assert f"wrote SYNTHETIC extract {osm}" in out
    head = osm.read_text(encoding="utf-8")[:300]
    assert "SYNTHETIC data, not OpenStreetMap" in head
