import numpy as np
import pandas as pd
import pytest

from sahelgis.model import crs
from sahelgis.model.events import EventTable


def test_table_is_sorted_by_date_and_keeps_rows(tiny_frame):
    shuffled = tiny_frame.sample(frac=1.0, random_state=3)
    table = EventTable(shuffled)
    dates = table.dates
    assert len(table) == len(tiny_frame)
    assert np.all(dates[1:] >= dates[:-1])
    assert dates.dtype == np.dtype("datetime64[s]")


def test_index_range_is_inclusive_on_both_days(tiny_table):
    i0, i1 = tiny_table.index_range(
        np.datetime64("2019-01-11"), np.datetime64("2019-03-11")
    )
    got = tiny_table.frame.iloc[i0:i1]["event_date"].dt.strftime("%Y-%m-%d")
    assert list(got) == ["2019-01-11", "2019-02-11", "2019-03-11"]


def test_index_range_open_ends(tiny_table):
    assert tiny_table.index_range(None, None) == (0, len(tiny_table))
    assert tiny_table.index_range(np.datetime64("2030-01-01"), None) == (
        len(tiny_table),
        len(tiny_table),
    )


def test_missing_required_column_is_refused(tiny_frame):
    with pytest.raises(ValueError, match="latitude"):
        EventTable(tiny_frame.drop(columns="latitude"))


def test_projected_xy_is_cached_and_metric(tiny_table):
    x, y = tiny_table.projected_xy(crs.DISPLAY_CRS_PROJ4, crs.to_display())
    again = tiny_table.projected_xy(crs.DISPLAY_CRS_PROJ4, crs.to_display())
    assert x is again[0]
    # Nara and Kati are ~300 km apart on the ground; the display CRS agrees.
    frame = tiny_table.frame
    nara = frame.index[frame["location"] == "Nara"][0]
    kati = frame.index[frame["location"] == "Kati"][0]
    planar = float(np.hypot(x[nara] - x[kati], y[nara] - y[kati]))
    ground = crs.geodesic_distance_m(
        frame.at[nara, "longitude"],
        frame.at[nara, "latitude"],
        frame.at[kati, "longitude"],
        frame.at[kati, "latitude"],
    )
    assert planar == pytest.approx(ground, rel=0.002)


def test_geodataframe_round_trip(tiny_table):
    gdf = tiny_table.to_geodataframe()
    assert gdf.crs.to_epsg() == 4326
    assert len(gdf) == len(tiny_table)
    assert gdf.geometry.x.to_numpy() == pytest.approx(tiny_table.lon)


def test_memory_is_reported(tiny_table):
    assert tiny_table.memory_bytes() > 0
    assert isinstance(tiny_table.frame["event_type"].dtype, pd.CategoricalDtype)
