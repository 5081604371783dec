"""The partitioned GeoParquet event store: layout, pruning, appends, safety."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from sahelgis.model import acled_schema as acled
from sahelgis.model.events import EventTable
from sahelgis.scale import store as store_mod
from sahelgis.scale.hilbert import hilbert_key
from sahelgis.scale.store import MANIFEST, EventStore, StoreError

BAMAKO_BOX = (-8.3, 12.4, -7.7, 12.9)


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.sort_values(acled.EVENT_ID).reset_index(drop=True)
    return frame.astype(str)


def test_round_trip_keeps_every_event_and_field(
    demo_store: EventStore, demo_events: EventTable
) -> None:
    back = demo_store.read()
    assert back.synthetic
    assert len(back) == len(demo_events) == 3000
    a = _sorted(demo_events.frame)
    b = _sorted(back.frame)[a.columns]
    pd.testing.assert_frame_equal(a, b)
    assert isinstance(back.frame[acled.EVENT_TYPE].dtype, pd.CategoricalDtype)
    assert back.frame[acled.EVENT_DATE].dtype == "datetime64[s]"


def test_layout_is_hive_partitioned_geoparquet(demo_store: EventStore) -> None:
    files = demo_store.manifest.files
    assert {f.year for f in files} == set(range(2018, 2025))
    first = demo_store.root / files[0].path
    assert first.parent.name.startswith("year=")
    assert first.parent.parent.name == "country=Mali"
    meta = pq.read_metadata(first).metadata
    geo = json.loads(meta[b"geo"])
    assert geo["primary_column"] == "geometry"
    assert geo["columns"]["geometry"]["encoding"] == "WKB"
    assert "covering" in geo["columns"]["geometry"]  # bbox column for readers


def test_rows_follow_the_hilbert_curve(demo_store: EventStore) -> None:
    f = demo_store.manifest.files[-1]
    table = pq.read_table(demo_store.root / f.path, columns=["longitude", "latitude"])
    key = hilbert_key(table["longitude"].to_numpy(), table["latitude"].to_numpy())
    assert np.all(np.diff(key.astype(np.float64)) >= 0)


def test_hilbert_keys_keep_neighbours_close() -> None:
    # the four cells of a 2×2 block are consecutive on the curve
    step = 360.0 / 2**16
    lon = np.array([0.0, step, 0.0, step]) + step / 2
    lat = np.array([0.0, 0.0, step / 2, step / 2]) + step / 4
    keys = np.sort(hilbert_key(lon, lat).astype(np.int64))
    assert keys[-1] - keys[0] == 3
    assert (
        hilbert_key(np.array([np.nan]), np.array([1.0]))[0] == np.iinfo(np.uint64).max
    )


def test_bbox_read_skips_partitions_and_returns_exact_rows(
    demo_store: EventStore, demo_events: EventTable
) -> None:
    sel = demo_store.select(bbox=BAMAKO_BOX, start="2023-01-01", end="2023-12-31")
    assert sel.files == 1  # only the 2023 partition
    assert sel.bytes < sel.total_bytes * 0.4  # 2023 holds a third of the events
    got = demo_store.read(sel)
    lon, lat, dates = demo_events.lon, demo_events.lat, demo_events.dates
    w, s, e, n = BAMAKO_BOX
    want = (
        (lon >= w)
        & (lon <= e)
        & (lat >= s)
        & (lat <= n)
        & (dates >= np.datetime64("2023-01-01"))
        & (dates <= np.datetime64("2023-12-31T23:59:59"))
    )
    assert len(got) == int(want.sum()) > 0
    assert set(got.frame[acled.EVENT_ID]) == set(
        demo_events.frame.loc[want, acled.EVENT_ID]
    )
    assert "reads 1 of 7 files" in sel.describe()


def test_row_groups_are_pruned_within_a_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, demo_events: EventTable
) -> None:
    monkeypatch.setattr(store_mod, "ROW_GROUP_ROWS", 64)
    store = EventStore.create(tmp_path / "s")
    store.append(demo_events)
    sel = store.select(bbox=BAMAKO_BOX)
    assert sel.total_row_groups >= 40
    # Hilbert-sorted row groups are compact: a town box touches few of them
    assert sel.row_groups <= sel.total_row_groups * 0.6
    full = store.read()
    mask = store_mod.exact_mask(full.frame, BAMAKO_BOX, None, None, None)
    assert len(store.read(sel)) == int(mask.sum())


def test_country_and_column_selection(demo_store: EventStore) -> None:
    assert demo_store.select(countries=["Niger"]).files == 0
    empty = demo_store.read(demo_store.select(countries=["Niger"]))
    assert len(empty) == 0
    few = demo_store.read(columns=[acled.EVENT_TYPE])
    assert set(few.frame.columns) == {*acled.REQUIRED_COLUMNS}
    assert len(few) == 3000


def test_append_replaces_newer_versions_and_reports(
    demo_store: EventStore, demo_events: EventTable
) -> None:
    update = demo_events.frame.iloc[:10].copy()
    update[acled.FATALITIES] = 99
    fresh = demo_events.frame.iloc[:3].copy()
    fresh[acled.EVENT_ID] = ["NEW1", "NEW2", "NEW2"]  # repeated in the input
    frame = pd.concat([update, fresh], ignore_index=True)
    report = demo_store.append(EventTable(frame, synthetic=True))
    assert report.replaced == 10
    assert report.duplicates_in_input == 1
    assert report.added == 12
    assert "10 stored events replaced" in report.describe()
    reopened = EventStore.open(demo_store.root)
    assert reopened.rows == 3002
    back = reopened.read().frame.set_index(acled.EVENT_ID)
    assert (back.loc[update[acled.EVENT_ID], acled.FATALITIES] == 99).all()
    # no file is left behind that the manifest does not name
    assert reopened.vacuum() == 0


def test_many_small_appends_are_compacted(
    tmp_path: Path, demo_events: EventTable
) -> None:
    store = EventStore.create(tmp_path / "s")
    frame = demo_events.frame
    year = frame[acled.EVENT_DATE].dt.year == 2023
    part = frame[year].reset_index(drop=True)
    for chunk in np.array_split(np.arange(len(part)), 10):
        store.append(EventTable(part.iloc[chunk].reset_index(drop=True), True))
    files = store.partitions()[("Mali", 2023)]
    assert len(files) <= store_mod.MAX_FILES_PER_PARTITION
    assert store.rows == len(part)
    assert store.compact() >= 0
    assert len(store.partitions()[("Mali", 2023)]) == 1
    assert len(store.read()) == len(part)


def test_crash_before_the_manifest_keeps_the_last_good_store(
    demo_store: EventStore, demo_events: EventTable, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(self: EventStore) -> None:
        raise OSError("disk full")

    update = demo_events.frame.iloc[:50].copy()
    update[acled.FATALITIES] = 7
    monkeypatch.setattr(EventStore, "_write_manifest", boom)
    with pytest.raises(OSError, match="disk full"):
        demo_store.append(EventTable(update, synthetic=True))
    monkeypatch.undo()
    again = EventStore.open(demo_store.root)
    assert again.rows == 3000
    back = again.read()
    assert (back.frame[acled.FATALITIES] == 7).sum() < 50  # old versions intact
    assert again.vacuum() > 0  # the unpublished files are removed
    assert len(EventStore.open(demo_store.root).read()) == 3000


def test_synthetic_and_real_events_do_not_mix(
    demo_store: EventStore, demo_events: EventTable
) -> None:
    real = EventTable(demo_events.frame.iloc[:5].copy(), synthetic=False)
    with pytest.raises(StoreError, match="SYNTHETIC"):
        demo_store.append(real)


def test_partition_names_survive_odd_country_names(
    tmp_path: Path, demo_events: EventTable
) -> None:
    frame = demo_events.frame.iloc[:20].copy()
    frame[acled.COUNTRY] = "Cote d'Ivoire / Test"
    store = EventStore.create(tmp_path / "s")
    store.append(EventTable(frame, synthetic=True))
    path = store.manifest.files[0].path
    assert path.startswith("country=Cote%20d%27Ivoire%20%2F%20Test/")
    assert store_mod.country_of(path) == "Cote d'Ivoire / Test"
    assert store.countries() == ["Cote d'Ivoire / Test"]


def test_clear_errors_for_things_that_are_not_stores(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="not a SahelGIS event store"):
        EventStore.open(tmp_path)
    (tmp_path / MANIFEST).write_text("{not json", encoding="utf-8")
    with pytest.raises(StoreError, match="unreadable store manifest"):
        EventStore.open(tmp_path)
    (tmp_path / MANIFEST).write_text(
        json.dumps({"format": "sahelgis-event-store", "version": 99}),
        encoding="utf-8",
    )
    with pytest.raises(StoreError, match="newer than this"):
        EventStore.open(tmp_path)
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(StoreError, match="not an empty folder"):
        EventStore.create(busy)


def test_summary_describes_the_store(demo_store: EventStore) -> None:
    info = demo_store.summary()
    assert info["events"] == 3000
    assert info["partitions"] == 7
    assert info["countries"] == ["Mali"]
    assert info["years"] == "2018–2024"
    assert info["synthetic"] is True
    w, s, e, n = demo_store.bounds()
    assert -13 < w < e < 5
    assert 10 < s < n < 25
