"""Counts per area equal an independent spatial join; hexagons have equal area."""

import itertools

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from analysis_helpers import make_events
from pyproj import Transformer

from sahelgis import paths
from sahelgis.analysis.areas import (
    choropleth_layer,
    classify,
    counts_per_area,
    counts_per_hex,
    hex_crs,
    hex_grid,
    rows_within,
)
from sahelgis.model.crs import GEOD


@pytest.fixture(scope="module")
def cercles():
    return pyogrio.read_dataframe(paths.base_gpkg(), layer="admin2_cercles")


@pytest.fixture
def scattered(rng):
    n = 6000
    lon = rng.uniform(-12.5, -3.5, n)
    lat = rng.uniform(10.0, 17.0, n)
    # a few events exactly on cercle vertices (boundary: in neither polygon)
    years = rng.choice(["2021-05-01", "2022-05-01", "2023-05-01"], n)
    types = rng.choice(["Battles", "Riots"], n)
    return lon, lat, years, types


def test_counts_per_cercle_equal_sjoin(cercles, scattered):
    lon, lat, years, types = scattered
    vertex = shapely.get_coordinates(cercles.geometry.iloc[3])[:20]
    lon = np.concatenate([lon, vertex[:, 0]])
    lat = np.concatenate([lat, vertex[:, 1]])
    years = np.concatenate([years, np.full(20, "2023-05-01")])
    types = np.concatenate([types, np.full(20, "Battles")])
    events = make_events(lon, lat, dates=years, event_type=types)
    ours = counts_per_area(events, cercles, "name_fr", by=("year", "event_type"))

    points = gpd.GeoDataFrame(
        {"year": pd.to_datetime(years).year, "event_type": types},
        geometry=gpd.points_from_xy(lon, lat),
        crs="EPSG:4326",
    )
    joined = gpd.sjoin(points, cercles[["name_fr", "geometry"]], predicate="within")
    expected = joined.groupby(["name_fr", "year", "event_type"]).size()
    got = ours[ours["count"] > 0].set_index(["name_fr", "year", "event_type"])["count"]
    assert got.sort_index().to_dict() == expected.sort_index().to_dict()
    # zeros are listed for every cercle and year
    assert len(ours) == len(cercles) * 3 * 2


def test_rows_and_keep_zeros(cercles, scattered):
    lon, lat, years, _ = scattered
    events = make_events(lon, lat, dates=years)
    rows = np.flatnonzero(events.frame["year"].to_numpy() == 2022)  # table order
    ours = counts_per_area(events, cercles, "name_fr", rows=rows, by="year")
    assert set(ours["year"]) == {2022}
    assert len(ours) == len(cercles)
    inside_any = counts_per_area(events, cercles, "name_fr", by=None)
    assert inside_any["count"].sum() <= len(lon)


def test_rows_within_polygon():
    square = shapely.box(-8.0, 13.0, -7.0, 14.0)
    events = make_events([-7.5, -6.5, -7.9], [13.5, 13.5, 13.9])
    assert rows_within(events, square).tolist() == [0, 2]
    assert rows_within(events, square, rows=np.array([1, 2])).tolist() == [2]


def test_unknown_name_field(cercles):
    events = make_events([-7.5], [13.5])
    with pytest.raises(Exception, match="no 'nom' field"):
        counts_per_area(events, cercles, "nom")


def test_hex_cells_have_the_right_ground_area():
    size = 25_000.0
    grid = hex_grid((-12.0, 10.5, -4.0, 16.5), size)
    expected = np.sqrt(3) / 2 * size**2
    sample = grid.iloc[:: max(len(grid) // 60, 1)]
    for geom in sample.geometry:
        area, _ = GEOD.geometry_area_perimeter(geom)
        assert abs(abs(area) - expected) / expected < 0.01
    assert grid.crs.to_epsg() == 4326
    # cells tile the box: neighbours share edges, no overlaps
    a, b = grid.geometry.iloc[0], grid.geometry.iloc[1]
    assert a.intersection(b).area < 1e-9


def test_hex_counts_assign_each_event_to_its_nearest_centre(rng):
    n = 3000
    lon = rng.uniform(-9.0, -6.0, n)
    lat = rng.uniform(12.0, 15.0, n)
    events = make_events(lon, lat, dates=rng.choice(["2022-01-01", "2023-01-01"], n))
    size = 20_000.0
    cells, table = counts_per_hex(events, size, by="year")
    assert cells["count"].sum() == n
    assert table["count"].sum() == n
    # hexagon cells are the Voronoi cells of their centres: check by brute force
    centre = (-7.5, 13.5)  # the table's extent centre rounded to 0.5°
    fwd = Transformer.from_crs("EPSG:4326", hex_crs(*centre), always_xy=True)
    x, y = fwd.transform(lon, lat)
    side = size / np.sqrt(3)
    qs, rs = np.meshgrid(np.arange(-40, 41), np.arange(-40, 41))
    cx = side * np.sqrt(3) * (qs + rs / 2.0)
    cy = side * 1.5 * rs
    cx, cy, qs, rs = cx.ravel(), cy.ravel(), qs.ravel(), rs.ravel()
    nearest = np.argmin((x[:, None] - cx) ** 2 + (y[:, None] - cy) ** 2, axis=1)
    expected = pd.Series(
        [f"{q}_{r}" for q, r in zip(qs[nearest], rs[nearest], strict=True)]
    )
    assert cells.set_index("hex_id")["count"].sort_index().to_dict() == (
        expected.value_counts().sort_index().to_dict()
    )


def test_counts_per_area_on_a_hex_grid_equal_sjoin(rng):
    n = 2000
    lon = rng.uniform(-8.5, -6.5, n)
    lat = rng.uniform(12.5, 14.5, n)
    events = make_events(lon, lat)
    grid = hex_grid((-8.5, 12.5, -6.5, 14.5), 30_000.0)
    ours = counts_per_area(events, grid, "hex_id", by=None, keep_zeros=False)
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")
    joined = gpd.sjoin(points, grid[["hex_id", "geometry"]], predicate="within")
    assert ours.set_index("hex_id")["count"].to_dict() == (
        joined.groupby("hex_id").size().to_dict()
    )


def test_classify_quantiles_fixed_equal():
    values = np.arange(1, 101)
    bins, classes = classify(values, "quantiles", k=4)
    assert bins.tolist() == pytest.approx([25.75, 50.5, 75.25, 100.0])
    assert np.bincount(classes).tolist() == [25, 25, 25, 25]
    bins, classes = classify([0, 5, 10, 60, 200], "fixed", breaks=[10, 50, 100])
    assert bins.tolist() == [10, 50, 100, 200]
    assert classes.tolist() == [0, 0, 0, 2, 3]
    bins, _ = classify([0, 10], "equal_interval", k=5)
    assert bins.tolist() == [2, 4, 6, 8, 10]
    _, classes = classify([1.0, np.nan, 3.0], "quantiles", k=2)
    assert classes[1] == -1
    with pytest.raises(ValueError, match="unknown classification"):
        classify([1, 2], "jenks")


def test_natural_breaks_separate_clear_groups():
    values = [1, 2, 3, 10, 11, 12, 50, 51, 52, 52]
    bins, classes = classify(values, "natural_breaks", k=3)
    assert bins.tolist() == [3, 12, 52]
    assert classes.tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2, 2]


def _ssd(groups):
    return sum(((g - g.mean()) ** 2).sum() for g in groups)


def test_natural_breaks_are_optimal(rng):
    for _ in range(5):
        values = np.sort(rng.integers(0, 60, 12)).astype(float)
        k = 3
        bins, classes = classify(values, "natural_breaks", k=k)
        ours = _ssd([values[classes == c] for c in range(len(bins))])
        best = min(
            _ssd(np.split(values, list(cut)))
            for cut in itertools.combinations(range(1, len(values)), k - 1)
        )
        assert ours == pytest.approx(best)


def test_choropleth_layer(cercles, scattered):
    lon, lat, years, _ = scattered
    events = make_events(lon, lat, dates=years)
    table = counts_per_area(events, cercles, "name_fr", by="year")
    layer = choropleth_layer(cercles, table, "name_fr", method="natural_breaks", k=4)
    assert {"2021", "2022", "2023", "count", "class", "class_label"} <= set(
        layer.columns
    )
    assert layer["count"].sum() == table["count"].sum()
    assert layer["class"].between(0, 3).all()
    assert layer.crs.to_epsg() == 4326
