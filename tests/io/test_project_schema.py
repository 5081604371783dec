"""The project state is checked against a typed schema on open.

Bad optional values are reset, cut or left out with one warning line naming the
file and the key; bad structural ones refuse the file with one line.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import shapely

from sahelgis.errors import ProjectFileError
from sahelgis.io import limits, project_file
from sahelgis.io.project_file import load_project, read_state
from sahelgis.io.project_schema import (
    FORMAT_NAME,
    FORMAT_VERSION,
    ProjectState,
    check_state,
)
from sahelgis.model.figures import FigureSpec, saved_figures
from sahelgis.model.selection import Selection
from sahelgis.model.styles import MAX_SYMBOL_SIZE, Style
from sahelgis.model.time_window import TimeWindow
from tests.hardening.hostile.projects import (
    read_raw_state,
    small_project,
    write_raw_state,
)

NAN, INF = float("nan"), float("inf")


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    import random

    folder = tmp_path_factory.mktemp("schema")
    return small_project(folder, random.Random(1))


@pytest.fixture(scope="module")
def state(saved):
    return read_raw_state(saved)


def checked(state, change=None, name="P.gpkg"):
    data = json.loads(json.dumps(state))
    if change is not None:
        change(data)
    return check_state(name, data)


def test_format_constants_agree_with_the_writer():
    assert project_file.FORMAT_NAME == FORMAT_NAME
    assert project_file.FORMAT_VERSION == FORMAT_VERSION


def test_a_saved_project_passes_unchanged(state):
    result = checked(state)
    assert result.warnings == []
    assert result.present["layers"] == state["layers"]
    assert result.present["view_extent"] == state["view_extent"]
    assert result.present["time_window"] == state["time_window"]


def test_the_limits_module_states_every_limit():
    names = set(limits.__all__)
    assert {"MAX_LAYERS", "MAX_JSON_DEPTH", "MAX_CACHE_UNPACKED_BYTES"} <= names
    assert {"SQLITE_QUERY_SECONDS", "MAX_SYMBOL_SIZE", "MAX_DPI"} <= names
    assert limits.MAX_SYMBOL_SIZE == MAX_SYMBOL_SIZE


def _set(*keys, value):
    def change(data):
        target = data
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value

    return change


RESETS = [
    # (keys, bad value, key named in the warning, value after the reset)
    (("layers", 0, "opacity"), NAN, "layers[0].opacity", 1.0),
    (("layers", 0, "opacity"), 1e9, "layers[0].opacity", 1.0),
    (("layers", 0, "opacity"), "half", "layers[0].opacity", 1.0),
    (("layers", 1, "visible"), "yes", "layers[1].visible", True),
    (("layers", 0, "style", "size"), NAN, "layers[0].style.size", 4.0),
    (("layers", 0, "style", "size"), 1e9, "layers[0].style.size", 4.0),
    (("layers", 0, "style", "line_width"), -INF, "layers[0].style.line_width", 1.0),
    (("layers", 0, "style", "symbol"), "<b>", "layers[0].style.symbol", "o"),
    (("layers", 0, "style", "color"), "red", "layers[0].style.color", "#444444"),
    (("layers", 0, "synthetic"), 1, "layers[0].synthetic", False),
    (("view_extent",), [NAN, 0, 1, 1], "view_extent", None),
    (("view_extent",), [0, 0, 1e300, 1], "view_extent", None),
    (("view_extent",), [0, 0, 1], "view_extent", None),
    (("event_filter", "min_fatalities"), INF, "event_filter.min_fatalities", 0),
    (("event_filter", "min_fatalities"), -1, "event_filter.min_fatalities", 0),
    (("event_filter", "min_fatalities"), "x", "event_filter.min_fatalities", 0),
    (("event_filter", "min_fatalities"), 2.5, "event_filter.min_fatalities", 0),
    (("event_filter", "geo_precision"), [1, 7], "event_filter.geo_precision", [1]),
    (("time_window", "length"), NAN, "time_window.length", 12),
    (("time_window", "length"), 10**18, "time_window.length", 12),
    (("time_window", "speed"), INF, "time_window.speed", 2.0),
    (("time_window", "step"), "century", "time_window.step", "month"),
    (("time_window", "start"), "-99999-01-01", "time_window.start", None),
    (("selection",), {"wkt": "LINESTRING (0 0, 1 1)"}, "selection", None),
    (
        ("extra",),
        [],
        "extra",
        {
            "figures": [],
            "basemap": None,
            "sahelgis_recovery": None,
            "acled_update": None,
        },
    ),
]


@pytest.mark.parametrize(
    ("keys", "bad", "named", "after"),
    RESETS,
    ids=[f"{'.'.join(map(str, r[0]))}={r[1]!r}"[:60] for r in RESETS],
)
def test_bad_optional_values_are_reset_with_one_line(state, keys, bad, named, after):
    result = checked(state, _set(*keys, value=bad))
    assert len(result.warnings) == 1, result.warnings
    (line,) = result.warnings
    assert line.startswith(f"P.gpkg: {named}"), line
    assert "\n" not in line
    assert "reset to" in line or "left out" in line
    value = result.state
    for key in keys:
        value = value[key]
    assert value == after
    ProjectState.model_validate(result.state)


def test_message_says_what_was_found_and_expected(state):
    result = checked(state, _set("layers", 1, "opacity", value=NAN))
    assert result.warnings == [
        "P.gpkg: layers[1].opacity: nan is not a finite number in 0–1; reset to 1.0"
    ]


def test_over_long_text_is_cut_not_dropped(state):
    name = "é" * 1_000_000
    result = checked(state, _set("layers", 1, "name", value=name))
    assert result.state["layers"][1]["name"] == "é" * limits.MAX_NAME_CHARS
    assert "1,000,000 characters" in result.warnings[0]
    assert "cut to 1,000" in result.warnings[0]


def test_bad_list_items_are_left_out(state):
    def change(data):
        data["event_filter"]["event_types"] = ["Battles", 3, "Riots"]
        data["extra"]["figures"] = [{"name": "A"}, 5, {"name": "C", "dpi": NAN}]

    result = checked(state, change)
    assert result.state["event_filter"]["event_types"] == ["Battles", "Riots"]
    figures = result.state["extra"]["figures"]
    assert [f["name"] for f in figures] == ["A", "C"]
    assert figures[1]["dpi"] == 200
    assert len(result.warnings) == 3
    assert any(
        "extra.figures[1]: 5 is not an object; left out" in w for w in result.warnings
    )


STRUCTURAL = [
    (("format",), 3, "format"),
    (("version",), "x", "version"),
    (("version",), 1e300, "version"),
    (("version",), True, "version"),
    (("layers",), {}, "layers"),
    (("layers", 0), "a layer", "layers[0]"),
    (("layers", 0, "id"), None, "layers[0].id"),
    (("layers", 0, "id"), "../../x", "layers[0].id"),
    (("layers", 0, "kind"), "raster", "layers[0].kind"),
    (("layers", 0, "table"), "", "layers[0].table"),
]


@pytest.mark.parametrize(("keys", "bad", "named"), STRUCTURAL)
def test_bad_structural_values_refuse_the_file(state, keys, bad, named):
    with pytest.raises(ProjectFileError) as info:
        checked(state, _set(*keys, value=bad))
    message = str(info.value)
    assert message.startswith("P.gpkg: ")
    assert named in message
    assert "\n" not in message


def test_a_newer_format_is_refused_before_the_schema(state):
    with pytest.raises(ProjectFileError, match="newer SahelGIS"):
        checked(state, lambda d: d.update(version=2, layers="whatever"))


def test_a_state_that_is_not_an_object_is_refused():
    with pytest.raises(ProjectFileError, match=r"damaged \(a JSON list"):
        check_state("P.gpkg", [1, 2])


def test_deep_and_large_states_are_refused_without_recursion(state):
    deep: list = []
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(ProjectFileError, match="deeper than 64"):
        checked(state, lambda d: d["extra"].update(x=deep))
    many = {"format": FORMAT_NAME, "layers": [{}] * (limits.MAX_LAYERS + 1)}
    with pytest.raises(ProjectFileError, match=r"layers: 2,001 layers"):
        check_state("P.gpkg", many)


def test_too_many_values_are_refused(state, monkeypatch):
    monkeypatch.setattr(limits, "MAX_JSON_NODES", 500)
    with pytest.raises(ProjectFileError, match="more than 500 values"):
        checked(state, lambda d: d["extra"].update(x=list(range(600))))


def test_unknown_keys_are_ignored_and_extra_keys_kept(state):
    def change(data):
        data["future"] = 1
        data["layers"][0]["future"] = 2
        data["extra"]["plugin"] = {"a": [1]}

    result = checked(state, change)
    assert result.warnings == []
    assert "future" not in result.state
    assert "future" not in result.state["layers"][0]
    assert result.state["extra"]["plugin"] == {"a": [1]}


def test_duplicate_layer_ids_refuse(state):
    def change(data):
        data["layers"][1]["id"] = data["layers"][0]["id"]

    with pytest.raises(ProjectFileError, match="used twice"):
        checked(state, change)


def test_load_project_keeps_and_logs_the_warnings(saved, tmp_path, caplog):
    path = tmp_path / "P.gpkg"
    path.write_bytes(saved.read_bytes())
    data = read_raw_state(path)
    data["layers"][0]["style"]["size"] = NAN
    data["view_extent"] = "all"
    write_raw_state(path, json.dumps(data))
    project = load_project(path)
    assert len(project.load_warnings) == 2
    assert project.layers[0].style.size == 4.0
    assert project.view_extent is None
    assert [r.getMessage() for r in caplog.records] == project.load_warnings
    assert not project.modified


def test_read_state_keeps_missing_keys_missing(saved, tmp_path):
    path = tmp_path / "P.gpkg"
    path.write_bytes(saved.read_bytes())
    data = read_raw_state(path)
    del data["layers"][1]["kind"], data["layers"][1]["feature_count"]
    write_raw_state(path, json.dumps(data))
    entry = read_state(path)["layers"][1]
    assert "kind" not in entry
    assert "feature_count" not in entry
    assert load_project(path).layers[1].kind == "vector"


# -- the model keeps itself safe too ---------------------------------------------
def test_style_sizes_stay_finite_and_bounded():
    assert Style(size=NAN).size == 4.0
    assert Style(size=1e9).size == MAX_SYMBOL_SIZE
    assert Style(label_size=-INF).label_size == 9.0
    assert Style(line_width=-3).line_width == 0.0
    assert Style().with_(size=INF).size == 4.0
    with pytest.raises(ValueError, match="not a number"):
        Style(size="big")


def test_time_window_ignores_bad_saved_values():
    window = TimeWindow()
    window.update_from_dict(
        {
            "length": NAN,
            "trail": 10**18,
            "speed": "fast",
            "loop": "yes",
            "start": "not a date",
            "end": "2024-01-01",
        }
    )
    assert (window.length, window.trail, window.speed, window.loop) == (
        12,
        0,
        2.0,
        False,
    )
    assert window.window() is None
    window.update_from_dict({"length": 24, "speed": 4.0, "loop": True})
    assert (window.length, window.speed, window.loop) == (24, 4.0, True)


def test_selection_from_bad_wkt_is_a_value_error():
    with pytest.raises(ValueError, match="selection WKT"):
        Selection.from_dict({"wkt": "POLYGON ((0 0"})
    with pytest.raises(ValueError, match="empty"):
        Selection.from_dict({"wkt": "POLYGON EMPTY"})
    box = Selection.from_dict({"wkt": shapely.box(0, 0, 1, 1).wkt})
    assert box.contains(np.array([0.5]), np.array([0.5]))[0]


def test_figures_refuse_absurd_sizes(state):
    with pytest.raises(ValueError, match="dpi"):
        FigureSpec(dpi=10**9)
    with pytest.raises(ValueError, match="width_in"):
        FigureSpec(size="custom", width_in=NAN)
    from sahelgis.model.project import Project

    project = Project()
    project.extra_state["figures"] = [{"name": "ok"}, {"name": "bad", "dpi": 0}]
    assert [f.name for f in saved_figures(project)] == ["ok"]
    assert math.isfinite(FigureSpec().page_size[0])


def test_recovery_files_are_checked_like_projects(tmp_path):
    import random

    from sahelgis.io import recovery

    project = load_project(small_project(tmp_path, random.Random(3)))
    written = recovery.write_recovery(project, tmp_path / "base")
    data = read_raw_state(written)
    data["layers"][0]["opacity"] = NAN
    data["extra"][recovery.INFO_KEY]["pid"] = "not a pid"
    write_raw_state(written, json.dumps(data))
    (found,) = recovery.find_recoveries(tmp_path / "base", include_live=True)
    assert found.pid is None
    recovered = recovery.load_recovery(found)
    assert recovered.layers[0].opacity == 1.0
    assert any("layers[0].opacity" in w for w in recovered.load_warnings)
    data["layers"] = "gone"
    write_raw_state(written, json.dumps(data))
    assert recovery.find_recoveries(tmp_path / "base", include_live=True) == []


def test_a_bad_basemap_is_dropped_whole_never_repaired():
    # a URL cut to its length limit, or a kept URL with its zoom reset, would be
    # a tile source nobody wrote: the whole basemap goes, with one line
    from sahelgis.io.project_schema import check_state

    for basemap, key in (
        (
            {"provider": "custom", "url": "https://h/{z}/{x}/{y}?" + "A" * 5000},
            "extra.basemap.url",
        ),
        (
            {"provider": "custom", "url": "https://h/{z}/{x}/{y}", "max_zoom": "9"},
            "extra.basemap.max_zoom",
        ),
    ):
        raw = {
            "format": "sahelgis-project",
            "version": 1,
            "layers": [],
            "extra": {"basemap": basemap},
        }
        checked = check_state("P.gpkg", raw)
        assert checked.state["extra"]["basemap"] is None
        assert any(w.startswith(f"P.gpkg: {key}: ") for w in checked.warnings)
