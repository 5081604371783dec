"""Fixtures for figure export tests: the real base layers plus 21 tiny events."""

from __future__ import annotations

import dataclasses

import pytest

#: Southern Mali around the three test towns (lon/lat W, S, E, N).
TEST_BOX = (-9.5, 11.8, -5.8, 15.8)


@pytest.fixture(scope="session")
def base_layer_list():
    from sahelgis.io.basedata import base_layers

    layers = base_layers()
    for layer in layers:
        layer.display_geometry()  # project once for the whole session
    return layers


@pytest.fixture
def fig_project(base_layer_list, tiny_frame):
    """Base layers (fresh copies sharing data) + 21 SYNTHETIC tiny events."""
    from sahelgis.model.events import EventTable, optimise_dtypes
    from sahelgis.model.layer_factory import event_layer
    from sahelgis.model.project import Project

    layers = [dataclasses.replace(layer) for layer in base_layer_list]
    project = Project(layers)
    table = EventTable(optimise_dtypes(tiny_frame.copy()), synthetic=True)
    project.add_layer(event_layer(table, "tiny.csv"))
    project.mark_saved()
    return project


@pytest.fixture
def small_spec():
    """A 16:9 figure at a low DPI with a fixed extent and window."""
    from sahelgis.model.figures import FigureSpec

    return FigureSpec(
        name="test figure",
        title="Test Title Koulikoro",
        subtitle="Tiny events",
        extent=TEST_BOX,
        time_window=("2018-01-01", "2024-12-31"),
        dpi=40,
        credit="Map: tests",
    )
