"""Town isolation on a planted road through a made-up town."""

import geopandas as gpd
import numpy as np
import pytest
from analysis_helpers import make_events
from shapely.geometry import LineString

from sahelgis.analysis.isolation import compass, town_isolation
from sahelgis.errors import SahelGISError
from sahelgis.model.crs import GEOD

TOWN = (-7.0, 14.0)


def at(azimuth, distance, n=1):
    lon, lat, _ = GEOD.fwd(
        np.full(n, TOWN[0]), np.full(n, TOWN[1]), np.full(n, azimuth),
        np.full(n, distance),
    )  # fmt: skip
    return np.asarray(lon), np.asarray(lat)


@pytest.fixture
def roads():
    north = at(0.0, 150_000.0)
    south = at(180.0, 150_000.0)
    east = at(90.0, 40_000.0)
    far = at(45.0, 300_000.0)
    far2 = at(60.0, 320_000.0)
    return gpd.GeoDataFrame(
        {"ref": ["RN9", "RN8", "RN7"]},
        geometry=[
            LineString([(south[0][0], south[1][0]), TOWN, (north[0][0], north[1][0])]),
            LineString([TOWN, (east[0][0], east[1][0])]),
            LineString([(far[0][0], far[1][0]), (far2[0][0], far2[1][0])]),
        ],
        crs="EPSG:4326",
    )


def test_access_roads_counts_trend_and_last_event(roads):
    # north branch: 1, 2, 3 events in Jan, Feb, Mar 2023, 20 km out, 1 km off-road
    lon_n, lat_n = at(2.8, 20_000.0, 6)
    dates_n = ["2023-01-10", "2023-02-10", "2023-02-11", "2023-03-10",
               "2023-03-11", "2023-03-20"]  # fmt: skip
    # south branch: 2 events in January
    lon_s, lat_s = at(181.0, 30_000.0, 2)
    dates_s = ["2023-01-05", "2023-01-06"]
    # off every road (30 km east-north-east, > 5 km from RN8 and RN9)
    lon_x, lat_x = at(50.0, 30_000.0, 3)
    dates_x = ["2023-02-01"] * 3
    events = make_events(
        np.concatenate([lon_n, lon_s, lon_x]),
        np.concatenate([lat_n, lat_s, lat_x]),
        dates=dates_n + dates_s + dates_x,
    )
    result = town_isolation(
        events, *TOWN, roads, radius_m=100_000.0, within_m=5_000.0, name="Town",
        end="2023-03-31",
    )  # fmt: skip
    table = result.table().set_index("label")
    assert sorted(table.index) == ["RN8 E", "RN9 N", "RN9 S"]
    assert table.loc["RN9 N", "events"] == 6
    assert table.loc["RN9 S", "events"] == 2
    assert table.loc["RN8 E", "events"] == 0
    assert table.loc["RN9 N", "length_km"] == pytest.approx(100.0, rel=0.01)
    assert table.loc["RN8 E", "length_km"] == pytest.approx(40.0, rel=0.01)
    assert table.loc["RN9 N", "last_event"] == "2023-03-20"
    assert table.loc["RN9 N", "days_since_last"] == 11
    assert table.loc["RN9 S", "days_since_last"] == 31 + 28 + 31 - 6
    assert np.isnan(table.loc["RN8 E", "days_since_last"])
    assert table.loc["RN9 N", "trend_per_month"] == pytest.approx(1.0)
    assert table.loc["RN9 S", "trend_per_month"] == pytest.approx(-1.0)
    monthly = result.monthly[result.monthly["label"] == "RN9 N"]
    assert monthly["month"].tolist() == ["2023-01", "2023-02", "2023-03"]
    assert monthly["count"].tolist() == [1, 2, 3]
    assert result.total == 8
    assert result.roads.crs.to_epsg() == 4326
    assert (result.distance_m <= 5_000.0).all()


def test_town_exclusion_and_no_road(roads):
    lon, lat = at(0.0, 500.0, 2)
    events = make_events(lon, lat)
    kept = town_isolation(events, *TOWN, roads, 100_000.0, 5_000.0)
    assert kept.total == 2
    dropped = town_isolation(events, *TOWN, roads, 100_000.0, 5_000.0, town_m=1_000.0)
    assert dropped.total == 0
    with pytest.raises(SahelGISError, match="no road within"):
        town_isolation(events, 0.0, 0.0, roads, 10_000.0)


def test_compass():
    assert compass(0) == "N"
    assert compass(359) == "N"
    assert compass(202.5) == "SSW"
    assert compass(90) == "E"
