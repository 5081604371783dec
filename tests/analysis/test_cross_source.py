"""Likely ACLED × UCDP GED duplicates: listed with their rule, never merged."""

from __future__ import annotations

import pandas as pd
import pytest

from sahelgis.analysis.cross_source import actor_key, likely_duplicates
from sahelgis.io.ucdp import read_ucdp
from sahelgis.model.events import EventTable
from tests.io.test_ucdp import ged_rows, write_ged


def acled_table(rows: list[dict]) -> EventTable:
    frame = pd.DataFrame(rows)
    frame["event_date"] = pd.to_datetime(frame["event_date"]).astype("datetime64[s]")
    return EventTable(frame)


def acled_row(event_id, date, lat, lon, actor1, actor2="", fatalities=1):
    return {
        "event_id_cnty": event_id,
        "event_date": date,
        "event_type": "Battles",
        "actor1": actor1,
        "actor2": actor2,
        "latitude": lat,
        "longitude": lon,
        "fatalities": fatalities,
        "source": "made-up",
    }


def test_actor_keys():
    assert actor_key("Military Forces of Mali (2021-)") == actor_key(
        "Government of Mali"
    )
    assert actor_key("JNIM: Group for Support of Islam and Muslims") == {"jnim"}
    assert actor_key("") == frozenset()


@pytest.fixture
def ged(tmp_path):
    rows = ged_rows(3)
    rows[0] |= {
        "side_a": "Government of Mali",
        "side_b": "JNIM",
        "latitude": "14.5000",
        "longitude": "-3.5000",
        "date_start": "2023-03-10",
        "date_end": "2023-03-12",
        "best": "7",
    }
    rows[1] |= {
        "side_a": "IS Sahel",
        "side_b": "Civilians",
        "latitude": "15.0000",
        "longitude": "-1.0000",
        "date_start": "2023-03-20",
        "date_end": "2023-03-20",
    }
    rows[2] |= {"date_start": "2023-06-01", "date_end": "2023-06-01"}
    table, report = read_ucdp(write_ged(tmp_path / "ged.csv", rows))
    assert report.rows_rejected == 0
    return table


def test_pairs_need_time_place_and_actor(ged):
    acled = acled_table(
        [
            # same clash, 5 km away, a day after the GED span: a pair
            acled_row(
                "MLI1",
                "2023-03-13",
                14.545,
                -3.5,
                "Military Forces of Mali (2021-)",
                "JNIM: Group for Support of Islam and Muslims",
                5,
            ),
            # right place and time, unrelated actors: no pair
            acled_row(
                "MLI2", "2023-03-11", 14.5, -3.5, "Dozo Militia", "Civilians (Mali)"
            ),
            # same actors, 40 km away: no pair
            acled_row("MLI3", "2023-03-11", 14.86, -3.5, "JNIM: Group for Support"),
            # same actors and place, 10 days later: no pair
            acled_row("MLI4", "2023-03-22", 14.5, -3.5, "JNIM: Group for Support"),
        ]
    )
    before = acled.frame.copy()
    found = likely_duplicates(acled, ged, max_km=10, max_days=2)
    pairs = found.pairs
    assert list(pairs["acled_event_id"]) == ["MLI1"]
    row = pairs.iloc[0]
    assert row.ucdp_event_id == "UCDP-1000"
    assert row.days_apart == 1
    assert 4.5 < row.distance_km < 5.5
    assert row.shared_actor == "Government of Mali; JNIM"
    assert (row.acled_fatalities, row.ucdp_fatalities) == (5, 7)
    assert found.describe() == (
        "1 likely duplicate pairs (ACLED × UCDP GED): within 10 km and 2 days, "
        "same actor side; listed, not merged"
    )
    pd.testing.assert_frame_equal(acled.frame, before)  # never merged or changed
    assert len(ged) == 3
    loose = likely_duplicates(acled, ged, max_km=50, max_days=10, require_actor=False)
    assert set(loose.pairs["acled_event_id"]) == {"MLI1", "MLI2", "MLI3", "MLI4"}
    with pytest.raises(ValueError, match="negative"):
        likely_duplicates(acled, ged, max_km=-1)
