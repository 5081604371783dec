import numpy as np
import pandas as pd
import pytest
import shapely

from sahelgis.model.event_query import query_for, shown_rows
from sahelgis.model.filters import EventFilter
from sahelgis.model.layers import EventLayer
from sahelgis.model.selection import Selection, selection_from_display_polygon
from sahelgis.model.time_window import TimeWindow


@pytest.fixture
def layer(tiny_table):
    frame = tiny_table.frame
    # make a few events imprecise and vary the other filtered fields
    frame.loc[frame.index[:3], "time_precision"] = np.int8(3)
    frame.loc[frame.index[3:5], "time_precision"] = np.int8(2)
    frame["civilian_targeting"] = np.where(
        frame["event_type"] == "Violence against civilians", "Civilian targeting", ""
    )
    frame["actor1"] = frame["actor1"].astype(str)  # also test non-categorical text
    frame.loc[frame.index[::4], "actor1"] = "Dozo Communal Militia (Mali)"
    frame["assoc_actor_1"] = pd.Categorical(
        np.where(frame.index % 5 == 0, "Wagner Group", "")
    )
    return EventLayer(name="t", events=tiny_table)


def test_filter_combinations_equal_plain_pandas(layer):
    frame = layer.events.frame
    flt = EventFilter(
        event_types=frozenset({"Battles", "Violence against civilians"}),
        actor="jnim",
        min_fatalities=2,
        geo_precision=frozenset({1}),
        time_precision=frozenset({1, 2}),
    )
    expected = (
        frame["event_type"].astype(str).isin(["Battles", "Violence against civilians"])
        & frame["actor1"].astype(str).str.lower().str.contains("jnim")
        & (frame["fatalities"] >= 2)
        & (frame["geo_precision"] == 1)
        & frame["time_precision"].isin([1, 2])
    )
    assert flt.mask(frame).tolist() == expected.tolist()
    assert 0 < expected.sum() < len(frame)


def test_actor_search_covers_associated_actors_and_civilian_flag(layer):
    frame = layer.events.frame
    wagner = EventFilter(actor="WAGNER").mask(frame)
    assert wagner.tolist() == (frame.index % 5 == 0).tolist()
    civ = EventFilter(civilian_targeting=True).mask(frame)
    assert (
        civ.tolist() == (frame["event_type"] == "Violence against civilians").tolist()
    )
    assert (EventFilter(civilian_targeting=False).mask(frame) == ~civ).all()


def test_filter_round_trip_and_description():
    flt = EventFilter(
        actor="JNIM", min_fatalities=5, sub_event_types=frozenset({"Suicide bomb"})
    )
    assert EventFilter.from_dict(flt.to_dict()) == flt
    assert flt.describe() == "actor “JNIM”; 1 sub-event types; fatalities ≥ 5"
    assert EventFilter().describe() == "all events"
    assert not EventFilter().is_active


def test_window_rows_match_pandas_and_expand_imprecise(layer):
    frame = layer.events.frame
    query = query_for(layer)
    start, end = np.datetime64("2018-02-01"), np.datetime64("2018-02-28")
    exact = query.window_rows(start, end, EventFilter(), expand_imprecise=False)
    days = frame["event_date"].dt.floor("D")
    expected = np.flatnonzero((days >= "2018-02-01") & (days <= "2018-02-28"))
    assert exact.tolist() == expected.tolist()
    # an event of month precision dated 2018-01-10 belongs to all of January:
    # a window of 20-31 January shows it only when imprecise dates expand
    jan = query.window_rows(
        np.datetime64("2018-01-20"),
        np.datetime64("2018-01-31"),
        EventFilter(),
        expand_imprecise=True,
    )
    assert frame.loc[jan, "event_id_cnty"].tolist() == ["TST000"]
    assert (
        query.window_rows(
            np.datetime64("2018-01-20"),
            np.datetime64("2018-01-31"),
            EventFilter(),
            expand_imprecise=False,
        ).size
        == 0
    )


def test_step_counts_equal_pandas_groupby(layer):
    frame = layer.events.frame
    flt = EventFilter(actor="JNIM")
    span = layer.events.date_range()
    counts = query_for(layer).step_counts("year", flt, None, span)
    kept = frame[flt.mask(frame)]
    expected = kept.groupby(
        [kept["event_date"].dt.year, kept["event_type"].astype(str)]
    ).size()
    for (year, event_type), n in expected.items():
        period = counts.period_of(np.datetime64(f"{year}-06-01"))
        assert counts.counts[period, counts.types.index(event_type)] == n
    assert counts.counts.sum() == len(kept)
    fat = kept.groupby(kept["event_date"].dt.year)["fatalities"].sum()
    assert counts.fatalities.tolist() == fat.tolist()
    assert len(counts.bins) == 8  # 2018..2024 plus the closing boundary


def test_selection_restricts_counts(layer):
    nara = Selection(shapely.box(-7.4, 15.0, -7.2, 15.3), "Box: Nara")
    span = layer.events.date_range()
    counts = query_for(layer).step_counts("year", EventFilter(), nara, span)
    assert counts.counts.sum() == 7


def test_shown_rows_follow_window_and_filter(layer):
    window = TimeWindow()
    window.set_span(*layer.events.date_range())
    assert len(shown_rows(layer, window, EventFilter())) == 21
    window.set_window("2020-01-01", "2020-12-31")
    window.set_option("expand_imprecise", False)
    assert len(shown_rows(layer, window, EventFilter())) == 3


def test_selection_from_display_rectangle_is_an_area_on_the_ground():
    from sahelgis.model import crs

    x, y = crs.to_display().transform(-7.28571, 15.16846)  # Nara
    sel = selection_from_display_polygon(
        np.array([x - 1e4, x + 1e4, x + 1e4, x - 1e4]),
        np.array([y - 1e4, y - 1e4, y + 1e4, y + 1e4]),
        "Rectangle",
    )
    assert sel.contains(
        np.array([-7.28571, -7.6]), np.array([15.16846, 15.2])
    ).tolist() == [True, False]
    assert Selection.from_dict(sel.to_dict()).geometry.equals(sel.geometry)
