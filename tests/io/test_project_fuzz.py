"""Fuzzing the state JSON of a real saved project: opening it either gives a
project whose every value passes the schema, or one ``ProjectFileError`` line
naming the file; never another exception, a hang or a crash.
"""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sahelgis.errors import ProjectFileError
from sahelgis.io.project_file import load_project
from tests.hardening.hostile.projects import (
    assert_passes_schema,
    read_raw_state,
    small_project,
    write_raw_state,
)


def _deep(depth: int) -> Any:
    value: Any = []
    for _ in range(depth):
        value = [value]
    return value


HOSTILE_VALUES = st.one_of(
    st.sampled_from(
        [
            float("nan"),
            float("inf"),
            float("-inf"),
            1e308,
            -1e308,
            1e9,
            -1,
            0,
            10**30,
            10**18,
            True,
            False,
            None,
            "",
            "x",
            "<img src=/dev/zero>",
            "#GGGGGG",
            "9999-99-99",
            "POLYGON ((0 0",
            [],
            {},
            [1, 2, 3],
            {"wkt": "POINT (0 0)"},
            "N" * 100_000,
        ]
    ),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.recursive(
        st.none() | st.integers() | st.text(max_size=5),
        lambda inner: (
            st.lists(inner, max_size=3)
            | st.dictionaries(st.text(max_size=5), inner, max_size=3)
        ),
        max_leaves=10,
    ),
    st.integers(min_value=60, max_value=900).map(lambda n: _deep(n)),  # json.dumps
)


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every key path in the state (dict keys and list indexes)."""
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found.extend(_paths(item, (*prefix, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value[:3]):
            found.extend(_paths(item, (*prefix, index)))
    return found


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")
    path = small_project(folder, random.Random(9))
    state = read_raw_state(path)
    state["extra"]["figures"] = [{"name": "F", "dpi": 150, "extent": [-9, 12, -6, 16]}]
    state["selection"] = {"wkt": "POLYGON ((-8 13, -7 13, -7 14, -8 13))", "label": "S"}
    return path, state, _paths(state)


MUTATION = st.tuples(
    st.sampled_from(["replace", "drop", "add"]),
    st.integers(min_value=0, max_value=10_000),
    HOSTILE_VALUES,
)


def _mutate(state: dict, paths: list[tuple], mutations: list) -> dict:
    state = json.loads(json.dumps(state))
    for kind, pick, value in mutations:
        path = paths[pick % len(paths)]
        parent: Any = state
        try:
            for key in path[:-1]:
                parent = parent[key]
            last = path[-1]
            if kind == "replace":
                parent[last] = value
            elif kind == "drop":
                del parent[last]
            elif isinstance(parent, dict):
                parent[f"unknown_{pick}"] = value
            else:
                parent.append(value)
        except (KeyError, IndexError, TypeError, AttributeError):
            continue  # an earlier mutation removed this path
    return state


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(mutations=st.lists(MUTATION, min_size=1, max_size=4))
def test_mutated_state_opens_cleanly_or_is_refused_in_one_line(
    base, tmp_path_factory, mutations
):
    original, state, paths = base
    path = tmp_path_factory.mktemp("case") / "P.gpkg"
    path.write_bytes(original.read_bytes())
    write_raw_state(path, json.dumps(_mutate(state, paths, mutations)))
    try:
        project = load_project(path)
    except ProjectFileError as exc:
        message = str(exc)
        assert message.startswith("P.gpkg: "), message
        assert "\n" not in message
        return
    assert_passes_schema(project)
    for line in project.load_warnings:
        assert line.startswith("P.gpkg: "), line
        assert "\n" not in line
