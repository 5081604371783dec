"""Batch recipes: reading, checking, scopes, and a project's analyses as one."""

from __future__ import annotations

from pathlib import Path

import pytest

from sahelgis.errors import InputError, SahelGISError
from sahelgis.model.layers import VectorLayer
from sahelgis.model.project import Project
from sahelgis.scale.recipe import load_recipe, recipe_from_project
from sahelgis.scale.tasks import BufferTask, CorridorTask, CountsTask, ZonesTask

FULL = """
name = "Southern Mali nightly"
dataset = "store"

[scope]
from = "2018-01-01"
to = "2024-12-31"
countries = ["Mali"]

[[analysis]]
kind = "buffer"
towns = ["Bamako", "Nara"]
radii = ["25 km", "50 km", "70 mi"]

[[analysis]]
id = "rn4"
kind = "corridor"
roads = ["RN4"]
within = "10 km"
segment = "25 km"

[[analysis]]
kind = "counts"
areas = "cercle"

[[analysis]]
kind = "zones"
[analysis.rules]
actors = ["JNIM"]
eps_km = 30.0
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "recipe.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_full_recipe_reads_into_tasks(tmp_path: Path) -> None:
    recipe = load_recipe(_write(tmp_path, FULL))
    assert recipe.name == "Southern Mali nightly"
    assert recipe.dataset == tmp_path / "store"
    kinds = [type(t) for t in recipe.tasks]
    assert kinds == [BufferTask, CorridorTask, CountsTask, ZonesTask]
    buffer = recipe.tasks[0]
    assert isinstance(buffer, BufferTask)
    assert [c.name for c in buffer.centres] == ["Bamako", "Nara"]
    assert buffer.radii_m == (25_000.0, 50_000.0, 112_654.08)
    assert buffer.unit == "mi"  # a mile radius labels the rings in miles
    assert recipe.tasks[1].id == "rn4"
    zones = recipe.tasks[3]
    assert isinstance(zones, ZonesTask)
    assert zones.rules["actors"] == ["JNIM"]
    assert zones.rules["eps_km"] == 30.0
    assert recipe.scope.countries == ("Mali",)
    assert recipe.read_scope().bbox is None  # zones need every event


def test_scope_box_is_the_union_of_the_analyses_extents(tmp_path: Path) -> None:
    text = FULL.split('[[analysis]]\nkind = "zones"')[0]
    recipe = load_recipe(_write(tmp_path, text))
    w, s, e, n = recipe.read_scope().bbox
    # the cercles of Mali dominate: the whole country
    assert -12.5 < w < -11.0
    assert 10.0 < s < 10.5
    assert 4.0 < e < 4.5
    assert 24.5 < n < 25.5


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name = 'x'", "no [[analysis]] tables"),
        ("[[analysis]]\nkind = 'heatmap'", "analysis 1: kind = 'heatmap'"),
        (
            "[[analysis]]\nkind = 'buffer'\nradii = ['5 km']",
            "analysis 1 (buffer): give",
        ),
        (
            "[[analysis]]\nkind = 'buffer'\ntown = 'Atlantis'\nradii = ['5 km']",
            "Atlantis",
        ),
        (
            "[[analysis]]\nkind = 'buffer'\ntown = 'Nara'\nradii = ['five km']",
            "analysis 1 (buffer): radii = 'five km'",
        ),
        (
            "[[analysis]]\nkind='counts'\nareas='county'",
            "analysis 1 (counts): areas = 'county'",
        ),
        (
            "[[analysis]]\nkind='corridor'\nroads=['RN99']\nwithin='5 km'",
            "no road with ref 'RN99'",
        ),
        ("[[analysis]]\nkind='zones'\ncolour='red'", "unknown keys: colour"),
        ("[scope]\nfrom='2024-13-01'\n[[analysis]]\nkind='zones'", "[scope]: from"),
        ("[scope]\nbbox=[1, 2, 0, 3]\n[[analysis]]\nkind='zones'", "[scope]: bbox"),
        ("name = \n", "not a valid TOML recipe file"),
    ],
)
def test_bad_recipes_name_the_analysis_and_field(
    tmp_path: Path, text: str, message: str
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(InputError) as info:
        load_recipe(path)
    assert message in str(info.value)
    assert "recipe.toml" in str(info.value)


def _analysis_layer(name: str, spec: dict) -> VectorLayer:  # type: ignore[type-arg]
    import geopandas as gpd
    from shapely.geometry import Point

    data = gpd.GeoDataFrame({"label": [name]}, geometry=[Point(0, 0)], crs=4326)
    return VectorLayer(name=name, data=data, role="analysis", analysis=spec)


def test_a_projects_analyses_become_a_recipe_that_runs(tmp_path: Path) -> None:
    project = Project([])
    specs = [
        {"kind": "buffer", "name": "Nara", "lon": -7.28571, "lat": 15.16846,
         "capital": True, "radii_m": [112654.08], "unit": "mi",
         "by": ["year", "event_type"], "max_geo_precision": 3},
        {"kind": "corridor", "road": "RN4", "within_m": 10_000.0,
         "segment_m": 25_000.0, "unit": "km"},
        {"kind": "counts", "by": "region", "method": "quantiles", "size_m": 25_000},
        {"kind": "counts", "by": "hexagon", "method": "quantiles", "size_m": 25_000},
        {"kind": "zones", "rules": {"name": "JNIM", "actors": ["JNIM"]}},
    ]  # fmt: skip
    for i, spec in enumerate(specs):
        project.add_layer(_analysis_layer(f"Layer {i}", spec))
    text = recipe_from_project(project)
    assert "# not exported: Layer 3 (counts)" in text
    path = _write(tmp_path, text)
    recipe = load_recipe(path)
    assert [t.kind for t in recipe.tasks] == ["buffer", "corridor", "counts", "zones"]
    buffer = recipe.tasks[0]
    assert isinstance(buffer, BufferTask)
    assert buffer.radii_m == pytest.approx((112_654.08,))
    assert buffer.centres[0].name == "Nara"
    assert recipe.tasks[1].within_m == 10_000.0  # type: ignore[union-attr]


def test_a_project_without_analyses_says_so() -> None:
    with pytest.raises(SahelGISError, match="no saved analysis"):
        recipe_from_project(Project([]))
