import numpy as np

from sahelgis.model.identify import events_near
from sahelgis.model.layers import EventLayer


def test_events_near_lists_all_within_radius_nearest_first(tiny_table):
    layer = EventLayer(name="t", events=tiny_table)
    x, y = layer.display_xy()
    nara = [i for i, loc in enumerate(tiny_table.frame["location"]) if loc == "Nara"]
    # Nara's 7 events lie within ~1 km of each other (0.001° steps)
    hits = events_near(layer, x[nara[0]], y[nara[0]], radius=2_000)
    assert sorted(hits.tolist()) == sorted(nara)
    assert hits[0] == nara[0]
    assert events_near(layer, x[nara[0]], y[nara[0]], radius=10).tolist() == [nara[0]]


def test_events_near_respects_time_window(tiny_table):
    layer = EventLayer(name="t", events=tiny_table)
    x, y = layer.display_xy()
    frame = tiny_table.frame
    first = frame.index[frame["location"] == "Nara"][0]
    from sahelgis.model.event_query import query_for
    from sahelgis.model.filters import EventFilter

    shown = query_for(layer).window_rows(
        np.datetime64("2020-01-01"), np.datetime64("2021-12-31"), EventFilter()
    )
    hits = events_near(layer, x[first], y[first], 2_000, rows=shown)
    years = sorted(frame.loc[hits, "event_date"].dt.year)
    assert years == [2020, 2021]
