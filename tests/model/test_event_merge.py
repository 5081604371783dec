"""Upsert by event_id_cnty against a brute force (seeded SYNTHETIC events)."""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pytest

from sahelgis.model.event_merge import MergeSummary, upsert_events
from sahelgis.model.events import EventTable, optimise_dtypes


def synthetic_frame(ids: list[str], rng: random.Random, version: int) -> pd.DataFrame:
    return optimise_dtypes(
        pd.DataFrame(
            {
                "event_id_cnty": ids,
                "event_date": pd.to_datetime(
                    [
                        f"2024-{1 + rng.randrange(12):02d}-{1 + rng.randrange(28):02d}"
                        for _ in ids
                    ]
                ),
                "event_type": [rng.choice(["Battles", "Riots"]) for _ in ids],
                "latitude": [14.0 + rng.random() for _ in ids],
                "longitude": [-7.0 + rng.random() for _ in ids],
                "fatalities": [rng.randrange(3) for _ in ids],
                "notes": [f"[SYNTHETIC] v{version}" for _ in ids],
                "source": ["SYNTHETIC" for _ in ids],
            }
        )
    )


def as_records(table: EventTable) -> dict[str, tuple]:
    frame = table.frame
    return {
        str(row["event_id_cnty"]): tuple(str(row[c]) for c in sorted(frame.columns))
        for _, row in frame.iterrows()
    }


@pytest.mark.parametrize("seed", range(6))
def test_upsert_matches_brute_force(seed):
    rng = random.Random(seed)
    old_ids = [f"SYN{i}" for i in range(rng.randrange(0, 40))]
    old = EventTable(synthetic_frame(old_ids, rng, 0), synthetic=True)
    changed = [i for i in old_ids if rng.random() < 0.3]
    resent = [i for i in old_ids if i not in changed and rng.random() < 0.2]
    added = [f"NEW{i}" for i in range(rng.randrange(0, 10))]
    sent_frame = synthetic_frame(changed + added, rng, 1)
    same = old.frame[old.frame["event_id_cnty"].isin(resent)]
    sent = EventTable(
        pd.concat([sent_frame.astype(object), same.astype(object)], ignore_index=True)
        .pipe(optimise_dtypes)
        .astype({"latitude": float, "longitude": float, "fatalities": "int32"}),
        synthetic=True,
    )
    deleted = [i for i in old_ids if i not in changed and rng.random() < 0.2]
    deleted += ["ELSEWHERE1"]  # not in the layer: ignored

    result, summary = upsert_events(old, sent, deleted)

    # brute force: a dict keyed by id
    expected = as_records(old)
    for key in deleted:
        expected.pop(key, None)
    sent_records = as_records(sent)
    expected.update(sent_records)
    got = as_records(result)
    assert got.keys() == expected.keys()
    for key in got:  # same values (text), whatever the dtypes became
        assert got[key] == expected[key], key
    # an id deleted but sent again is kept (ACLED serves it)
    gone = [d for d in deleted if d in old_ids and d not in resent]
    assert summary == MergeSummary(
        added=len(added),
        changed=len(changed),
        deleted=len(gone),
        unchanged=len(old_ids) - len(changed) - len(gone),
    )
    dates = result.dates
    assert bool(np.all(dates[1:] >= dates[:-1]))
    assert result.synthetic


def test_nothing_sent_nothing_deleted_returns_the_same_table(tiny_table):
    result, summary = upsert_events(tiny_table, None, ["NOT-THERE"])
    assert result is tiny_table
    assert summary == MergeSummary(unchanged=len(tiny_table))
    assert not summary.any_change


def test_an_id_deleted_and_sent_again_is_kept_as_sent(tiny_table):
    first = tiny_table.frame.iloc[[0]].copy()
    first["notes"] = "[TEST] revised"
    result, summary = upsert_events(
        tiny_table, EventTable(first), [str(first["event_id_cnty"].iloc[0])]
    )
    assert summary.changed == 1
    assert summary.deleted == 0
    row = result.frame[result.frame["event_id_cnty"] == first["event_id_cnty"].iloc[0]]
    assert row["notes"].tolist() == ["[TEST] revised"]


def test_timestamp_as_numbers_and_as_text_are_stored_as_text(tiny_table):
    old = EventTable(tiny_table.frame.assign(timestamp=np.int64(1_700_000_000)))
    new = old.frame.iloc[[0]].assign(timestamp="1700000999", notes="changed")
    result, summary = upsert_events(old, EventTable(new), [])
    assert summary.changed == 1
    assert result.frame["timestamp"].map(type).eq(str).all()
    assert "1700000999" in set(result.frame["timestamp"])


def test_describe_is_one_line():
    assert MergeSummary(1, 2, 3, 4000).describe() == (
        "1 added, 2 changed, 3 deleted, 4,000 unchanged"
    )
