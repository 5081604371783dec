"""Batch recipes: reading, checking, scopes, and a project's analyses as one."""

from __future__ import annotations

from pathlib import Path

import pytest

from sahelgis.errors import InputError, SahelGISError
from sahelgis.model.layers import VectorLayer
from sahelgis.model.project import Project
from sahelgis.scale.recipe import load_recipe, recipe_from_project

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
    kinds = [t.kind for t in recipe.tasks]
    assert kinds == ["buffer", "corridor", "counts", "zones"]
    buffer = recipe.tasks[0].spec
    assert [c["name"] for c in buffer["centres"]] == ["Bamako", "Nara"]
    assert buffer["radii_m"] == [25_000.0, 50_000.0, 112_654.08]
    assert buffer["unit"] == "mi"  # a mile radius labels the rings in miles
    assert recipe.tasks[1].id == "rn4"
    zones = recipe.tasks[3].spec
    assert zones["rules"]["actors"] == ["JNIM"]
    assert zones["rules"]["eps_km"] == 30.0
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
    assert "not exported" not in text
    path = _write(tmp_path, text)
    recipe = load_recipe(path)
    kinds = ["buffer", "corridor", "counts", "counts", "zones"]
    assert [t.kind for t in recipe.tasks] == kinds
    assert recipe.tasks[3].spec["areas"] == "hexagon"
    assert recipe.tasks[3].spec["size_m"] == 25_000.0
    buffer = recipe.tasks[0].spec
    assert buffer["radii_m"] == pytest.approx([112_654.08])
    assert buffer["centres"][0]["name"] == "Nara"
    assert recipe.tasks[1].spec["within_m"] == 10_000.0


def test_a_project_without_analyses_says_so() -> None:
    with pytest.raises(SahelGISError, match="no saved analysis"):
        recipe_from_project(Project([]))


NARA = "[[analysis]]\nkind = 'buffer'\ntown = 'Nara'\n"
ZONES = "[[analysis]]\nkind = 'zones'\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (NARA + "radii = ['1e9 km']", "(buffer): radii = '1e9 km'"),
        (NARA + "radii = ['-5 km']", "(buffer): radii = '-5 km'"),
        (NARA + "radii = [nan]", "(buffer): radii = nan"),
        (NARA + "radii = [inf]", "(buffer): radii = inf"),
        (NARA + "radii = ['2001 km']", "2,000 km limit"),
        (NARA + "radii_m = [1e12]", "(buffer): radii_m = 1000000000000.0"),
        (NARA + "radii_m = [nan]", "(buffer): radii_m = nan: not a finite"),
        (
            "[[analysis]]\nkind = 'buffer'\nat = [nan, 14]\nradii = ['5 km']",
            "(buffer): at = nan",
        ),
        (
            "[[analysis]]\nkind = 'corridor'\nroads = ['RN4']\nwithin = '1e9 km'",
            "(corridor): within = '1e9 km'",
        ),
        (
            "[[analysis]]\nkind = 'corridor'\nroads = ['RN4']\nwithin = '5 km'\n"
            "segment = '-1 km'",
            "(corridor): segment = '-1 km'",
        ),
        (
            "[scope]\nbbox = [-1e308, -1e308, 1e308, 1e308]\n" + ZONES,
            "[scope]: bbox = [-1e+308",
        ),
        ("[scope]\nbbox = [-500, 10, 500, 20]\n" + ZONES, "longitudes must be in"),
        ("[scope]\nbbox = [nan, 10, 5, 20]\n" + ZONES, "expected a finite number"),
        ("[scope]\nfrom = '99999-01-01'\n" + ZONES, "[scope]: from = '99999-01-01'"),
        ("[scope]\nto = 1850-01-01\n" + ZONES, "the year must be 1900 to 2100"),
        (ZONES + "[analysis.rules]\nmin_events = -1", "rules.min_events = -1"),
        (ZONES + "[analysis.rules]\nmin_events = 1e9", "rules.min_events"),
        (ZONES + "[analysis.rules]\neps_km = nan", "(zones): rules.eps_km = nan"),
        (ZONES + "[analysis.rules]\nmargin_km = inf", "rules.margin_km = inf"),
        (ZONES + "[analysis.rules]\neps_km = 1e9", "2,000 km limit"),
    ],
)
def test_out_of_bounds_parameters_are_refused_on_one_line(
    tmp_path: Path, text: str, message: str
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(InputError) as info:
        load_recipe(path)
    text = str(info.value)
    assert message in text
    assert text.startswith("recipe.toml: ")
    assert "\n" not in text


def test_parameters_at_their_bounds_are_accepted(tmp_path: Path) -> None:
    text = (
        "[scope]\nfrom = 1900-01-01\nto = '2100-12-31'\n"
        "bbox = [-180, -90, 180, 90]\n"
        + NARA
        + "radii = ['2000 km', '1 m']\n"
        + ZONES
        + "[analysis.rules]\nmin_events = 1000000\nmargin_km = 0\neps_km = 2000"
    )
    recipe = load_recipe(_write(tmp_path, text))
    assert recipe.tasks[0].spec["radii_m"] == [1.0, 2_000_000.0]
    assert recipe.scope.bbox == (-180.0, -90.0, 180.0, 90.0)
