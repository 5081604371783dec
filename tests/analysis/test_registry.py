"""The analysis registry: declarations, one-line checks, units, save/restore."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sahelgis import paths
from sahelgis.__main__ import main
from sahelgis.analysis.areas import count_classes
from sahelgis.analysis.registry import ANALYSES, Context, ParamError, get
from sahelgis.io.acled import read_acled

CONTEXT = Context()
EVENTS, _ = read_acled(paths.demo_events_csv())
CSV = str(paths.demo_events_csv())


def test_every_analysis_declares_what_the_front_ends_need():
    assert list(ANALYSES) == [
        "buffer",
        "corridor",
        "counts",
        "compare",
        "alerts",
        "hotspots",
        "trend",
        "zones",
        "isolation",
        "duplicates",
    ]
    for kind, analysis in ANALYSES.items():
        assert analysis.id == kind
        assert analysis.label
        assert analysis.summary.endswith(".")
        for param in analysis.params:
            assert param.label
            assert param.help or param.kind == "flag", (kind, param.name)
    with pytest.raises(ParamError, match="kind = 'heatmap'; use one of buffer"):
        get("heatmap")


@pytest.mark.parametrize(
    ("kind", "raw", "message"),
    [
        (
            "buffer",
            {"town": "Nara", "radii": "70"},
            "radii = '70': distance '70' has no unit",
        ),
        ("buffer", {"town": "Nara", "radii": ["5 km", "5km"]}, "given twice"),
        ("buffer", {"town": "Nara"}, "give radii or radii_m"),
        (
            "buffer",
            {"town": "Nara", "at": "-7,15", "radii": "5km"},
            "give town or at, not both",
        ),
        (
            "buffer",
            {"town": "Nara", "radii": "5 km", "colour": 1},
            "unknown keys: colour",
        ),
        ("corridor", {"road": "RN4", "within": 10}, "within = 10: "),
        ("corridor", {"road": "RN99"}, "no road with ref 'RN99'"),
        ("counts", {"areas": "province"}, "areas = 'province'; use one of cercle"),
        ("counts", {"method": "fixed"}, "method fixed needs breaks"),
        ("zones", {"eps_km": "nan"}, "eps_km = nan"),
        ("isolation", {"town": "Narra"}, "unknown town 'Narra'"),
    ],
)
def test_bad_values_are_refused_on_one_line_naming_the_parameter(kind, raw, message):
    with pytest.raises(ParamError) as info:
        get(kind).spec_from(raw, CONTEXT)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_the_same_words_work_everywhere(capsys):
    # synonyms of areas, aliases of keys, on the command line as in recipes
    for words in (["--areas", "country"], ["--areas", "admin0"], ["--by", "country"]):
        assert main(["counts", CSV, *words, "--per", "none"]) == 0
        out = capsys.readouterr().out
        assert out.splitlines()[0] == "name,count"
        assert "Mali," in out
    spec = get("counts").spec_from({"areas": "countries", "per": "year"}, CONTEXT)
    assert (spec["areas"], spec["by"]) == ("country", ["year"])
    # a distance without its unit is refused, never silently km
    assert main(["buffer", CSV, "--town", "Nara", "--radius", "70"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("sahelgis: --radius = '70': distance '70' has no unit")


SPECS = [
    ("buffer", {"town": ["Nara", "Kolokani"], "radii": "25, 70 mi", "by": "year"}),
    ("buffer", {"at": "-7.5,14.5", "radii": "50km", "max_geo_precision": 2}),
    ("corridor", {"road": "RN4", "within": "10 km", "segment": "25 km"}),
    ("counts", {"areas": "region", "by": "year"}),
    ("counts", {"areas": "hexagon", "size": "40 km"}),
    ("isolation", {"town": "Nara", "radius": "100 km", "within": "5 km"}),
    ("duplicates", {"km": 7.5, "days": 1, "any_actor": True}),
]


@pytest.mark.parametrize(("kind", "raw"), SPECS)
def test_a_spec_saves_as_json_and_restores_to_the_same_answer(kind, raw):
    analysis = get(kind)
    spec = analysis.spec_from(raw, CONTEXT)
    saved = json.loads(json.dumps(spec))  # as in the project file
    restored = analysis.restore(saved)
    first = analysis.run(EVENTS, None, spec, CONTEXT)
    again = analysis.run(EVENTS, None, restored, CONTEXT)
    assert first.total == again.total
    assert first.table.equals(again.table)
    assert first.headline == again.headline


@pytest.mark.parametrize(
    ("saved", "kind"),
    [
        ({"kind": "buffer", "name": "Nara", "lon": -7.28985, "lat": 15.16931,
          "capital": True, "radii_m": [50_000.0], "unit": "km",
          "by": ["year", "event_type"], "max_geo_precision": 3}, "buffer"),
        ({"kind": "corridor", "road": "RN4", "within_m": 10_000.0,
          "segment_m": 25_000.0, "unit": "km"}, "corridor"),
        ({"kind": "counts", "by": "cercle", "method": "quantiles",
          "size_m": 25_000.0}, "counts"),
    ],
)  # fmt: skip
def test_specs_saved_before_the_registry_still_run(saved, kind):
    analysis = get(kind)
    result = analysis.run(EVENTS, None, analysis.restore(saved), CONTEXT)
    assert result.total > 0
    assert int(result.table["count"].sum()) == result.total


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(
    counts=st.lists(st.integers(0, 5_000), min_size=1, max_size=200),
    method=st.sampled_from(["quantiles", "natural_breaks", "equal_interval"]),
    k=st.integers(1, 9),
)
def test_count_classes_are_whole_non_overlapping_and_hold_their_counts(
    counts, method, k
):
    values = np.array(counts)
    classes, labels = count_classes(values, method, k)
    assert len(labels) <= max(k, 1)
    bounds = []
    for label in labels:
        lo, _, hi = label.replace(",", "").partition("–")
        bounds.append((int(lo), int(hi or lo)))
    for (_, hi), (lo, _) in itertools.pairwise(bounds):
        assert lo == hi + 1  # consecutive whole-number classes
    for value, cls in zip(values, classes, strict=True):
        lo, hi = bounds[cls]
        assert lo <= value <= hi


def test_towns_are_found_in_every_places_layer_of_a_project():
    """An imported places layer (OpenStreetMap) is searched beside the bundled
    GeoNames towns."""
    import geopandas as gpd
    from shapely.geometry import Point

    from sahelgis.model.layers import VectorLayer
    from sahelgis.model.project import Project

    geonames = gpd.GeoDataFrame(
        {"name": ["Nara"]}, geometry=[Point(-7.28985, 15.16931)], crs=4326
    )
    osm = gpd.GeoDataFrame(
        {"name": ["Kwala"], "place": ["village"]},
        geometry=[Point(-7.95, 14.5)],
        crs=4326,
    )
    project = Project(
        [
            VectorLayer(name="GeoNames", data=geonames, role="places"),
            VectorLayer(name="OSM places", data=osm, role="places"),
        ]
    )
    context = Context.from_project(project)
    assert set(context.places()["name"]) == {"Nara", "Kwala"}
    spec = get("buffer").spec_from({"town": "kwala", "radii": "10 km"}, context)
    assert spec["centres"][0]["name"] == "Kwala"
