"""Tests of the SYNTHETIC West Africa generator (the 10M-event scale input).

Scale work relies on it being reproducible chunk by chunk, typed like an ACLED
import, marked synthetic on every row, and shaped enough (time trend, countries,
control indicators) for the analyses to find something.
"""

from __future__ import annotations

import itertools
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sahelgis.analysis import zones
from sahelgis.demo import synthetic_west_africa as wa
from sahelgis.io.acled import read_acled
from sahelgis.model import acled_schema as acled
from sahelgis.model.events import EventTable
from sahelgis.model.packed_column import PackedTextDtype

N = 50_000
YEARS = range(1997, 2025)
BAMAKO = (-7.9752, 12.6092)


@pytest.fixture(scope="module")
def events() -> pd.DataFrame:
    return wa.generate_west_africa(N)


def _assert_same(a: pd.DataFrame, b: pd.DataFrame, **kw: bool) -> None:
    """Frames equal, values compared exactly (much faster on categoricals)."""
    pd.testing.assert_frame_equal(a, b, check_exact=True, **kw)


def _km(lon: np.ndarray, lat: np.ndarray, at: tuple[float, float]) -> np.ndarray:
    """Equirectangular distance in km (good enough within a few hundred km)."""
    dx = (lon - at[0]) * 111.32 * np.cos(np.radians(at[1]))
    return np.hypot(dx, (lat - at[1]) * 110.574)


def test_countries_table_is_consistent() -> None:
    countries = wa.WEST_AFRICA_COUNTRIES
    assert 15 <= len(countries) <= 17
    names = [c.name for c in countries]
    assert len(set(names)) == len(names)
    assert len({c.iso for c in countries}) == len(countries)
    assert {"Mali", "Burkina Faso", "Niger", "Nigeria", "Cote d'Ivoire"} <= set(names)
    for c in countries:
        west, south, east, north = c.bbox
        assert west < east
        assert south < north
        assert c.weight > 0
        assert len(c.towns) >= 4
        for _, lon, lat in c.towns:
            assert west <= lon <= east
            assert south <= lat <= north


def test_same_seed_same_data_other_seed_differs() -> None:
    a = wa.generate_west_africa(20_000, 5)
    _assert_same(a, wa.generate_west_africa(20_000, 5))
    b = wa.generate_west_africa(20_000, 6)
    assert not a["notes"].equals(b["notes"])
    assert not np.array_equal(a["latitude"], b["latitude"])


def test_chunks_are_exact_unique_and_independent() -> None:
    chunks = list(wa.iter_west_africa(25_000, 7, chunk_rows=10_000))
    assert [len(c) for c in chunks] == [10_000, 10_000, 5_000]
    again = list(wa.iter_west_africa(25_000, 7, chunk_rows=10_000))
    for a, b in zip(chunks, again, strict=True):
        _assert_same(a, b)
    # Chunk k depends on (seed, k, its rows) only: n does not change it.
    longer = list(wa.iter_west_africa(40_000, 7, chunk_rows=10_000))
    _assert_same(chunks[1], longer[1])

    ids = pd.concat([c["event_id_cnty"] for c in chunks])
    assert ids.is_unique
    assert ids.str.fullmatch(r"SYNWA\d{10}").all()
    assert sorted(ids) == [f"SYNWA{i:010d}" for i in range(1, 25_001)]
    for k, c in enumerate(chunks):
        assert c.index[0] == 10_000 * k
        assert c["event_date"].is_monotonic_increasing

    whole = wa.generate_west_africa(25_000, 7, chunk_rows=10_000)
    _assert_same(whole, pd.concat(chunks))
    assert isinstance(whole["actor1"].dtype, pd.CategoricalDtype)


def test_columns_and_dtypes_match_the_importer(events: pd.DataFrame) -> None:
    assert list(events.columns) == list(acled.CURRENT_COLUMNS)
    assert len(events) == N
    assert events["event_date"].dtype == "datetime64[s]"
    for name, dtype in acled.INTEGER_COLUMNS.items():
        assert events[name].dtype == dtype, name
    for name in acled.CATEGORICAL_COLUMNS:
        if name in events:
            assert isinstance(events[name].dtype, pd.CategoricalDtype), name
    assert events[acled.EVENT_ID].dtype == "str"
    assert isinstance(events[acled.NOTES].dtype, PackedTextDtype)  # compressed
    assert events["timestamp"].dtype == "int64"
    for name in (acled.LATITUDE, acled.LONGITUDE):
        values = events[name].to_numpy()
        assert values.dtype == np.float64
        np.testing.assert_array_equal(values, np.round(values, 4))
    assert not events.isna().any().any()
    years = events["event_date"].dt.year.to_numpy()
    np.testing.assert_array_equal(events["year"].to_numpy(), years)
    assert events["event_date"].is_monotonic_increasing
    assert set(events["geo_precision"].unique()) == {1, 2, 3}
    assert set(events["time_precision"].unique()) == {1, 2, 3}
    assert (events["fatalities"] >= 0).all()
    # The event table takes it as is: no conversion, no re-sorting.
    table = EventTable(events, synthetic=True)
    assert table.synthetic
    _assert_same(table.frame, events.reset_index(drop=True))


def test_csv_round_trip_through_the_acled_reader(tmp_path: Path) -> None:
    frame = wa.generate_west_africa(2_000, 3, chunk_rows=700)
    path = tmp_path / "west_africa_SYNTHETIC.csv"
    frame.to_csv(path, index=False)
    table, report = read_acled(path)
    assert report.rows_rejected == 0
    assert not report.warnings
    assert table.synthetic  # detected from ``source``
    expected = EventTable(frame, synthetic=True).frame
    got = table.frame
    assert list(got.columns) == list(expected.columns)
    # The reader keeps only the categories in use; dtypes kinds and values agree.
    cats = [c for c in expected if isinstance(expected[c].dtype, pd.CategoricalDtype)]
    assert all(isinstance(got[c].dtype, pd.CategoricalDtype) for c in cats)
    assert (got.drop(columns=cats).dtypes == expected.drop(columns=cats).dtypes).all()
    as_text = dict.fromkeys(cats, "str")
    _assert_same(got.astype(as_text), expected.astype(as_text))


def test_every_row_is_marked_synthetic(events: pd.DataFrame) -> None:
    assert "SYNTHETIC" in wa.SOURCE_TEXT
    assert (events["source"] == wa.SOURCE_TEXT).all()
    assert events["notes"].str.startswith("[SYNTHETIC] ").all()
    assert events["event_id_cnty"].str.startswith("SYN").all()
    assert "SYNTHETIC" in (wa.__doc__ or "")


def test_places_are_inside_their_country_box(events: pd.DataFrame) -> None:
    by_name = {c.name: c for c in wa.WEST_AFRICA_COUNTRIES}
    country = events["country"].astype(str).to_numpy()
    assert set(country) <= set(by_name)
    assert len(set(country)) == len(by_name)
    box = np.array([by_name[c].bbox for c in country])
    lon, lat = events["longitude"].to_numpy(), events["latitude"].to_numpy()
    assert ((lon >= box[:, 0]) & (lon <= box[:, 2])).all()
    assert ((lat >= box[:, 1]) & (lat <= box[:, 3])).all()
    iso = np.array([str(by_name[c].iso) for c in country])
    np.testing.assert_array_equal(events["iso"].astype(str).to_numpy(), iso)
    middle = np.isin(country, ["Chad", "Cameroon"])
    region = events["region"].astype(str).to_numpy()
    assert (region[middle] == "Middle Africa").all()
    assert (region[~middle] == "Western Africa").all()


def test_geo_precision_3_sits_on_its_town(events: pd.DataFrame) -> None:
    share = events["geo_precision"].value_counts(normalize=True)
    assert share[1] > 0.6
    assert 0.1 < share[2] < 0.3
    assert 0.03 < share[3] < 0.15
    towns = {
        name: (lon, lat) for c in wa.WEST_AFRICA_COUNTRIES for name, lon, lat in c.towns
    }
    exact = events[events["geo_precision"] == 3]
    location = exact["location"].astype(str)
    assert location.isin(list(towns)).all()
    coords = np.array([towns[t] for t in location])
    np.testing.assert_allclose(exact["longitude"], coords[:, 0], atol=1e-9)
    np.testing.assert_allclose(exact["latitude"], coords[:, 1], atol=1e-9)


def test_yearly_counts_rise_like_acled(events: pd.DataFrame) -> None:
    counts = events["year"].value_counts().sort_index()
    assert set(counts.index) == set(YEARS)
    early = counts.loc[1997:2001].sum()
    late = counts.loc[2020:2024].sum()
    assert late > 8 * early
    assert counts.loc[2019:2024].min() > counts.loc[1997:2011].max()


def test_years_can_be_restricted_and_bad_arguments_raise() -> None:
    frame = wa.generate_west_africa(3_000, first_year=2018, last_year=2020)
    assert set(frame["year"].unique()) == {2018, 2019, 2020}
    empty = wa.generate_west_africa(0)
    assert list(empty.columns) == list(acled.CURRENT_COLUMNS)
    assert empty.empty
    with pytest.raises(ValueError, match="first_year"):
        list(wa.iter_west_africa(10, first_year=1990))
    with pytest.raises(ValueError, match="n must be"):
        list(wa.iter_west_africa(-1))
    with pytest.raises(ValueError, match="chunk_rows"):
        list(wa.iter_west_africa(10, chunk_rows=0))


def test_taxonomy_and_actors_are_acled_like(events: pd.DataFrame) -> None:
    pairs = events[["event_type", "sub_event_type"]].astype(str).drop_duplicates()
    for event_type, sub in pairs.itertuples(index=False):
        assert sub in acled.TAXONOMY[event_type]
    assert set(events["disorder_type"].astype(str)) <= {
        "Political violence",
        "Demonstrations",
        "Strategic developments",
        "Political violence; Demonstrations",
    }
    vac = events["event_type"] == "Violence against civilians"
    targeted = events["civilian_targeting"] == "Civilian targeting"
    assert targeted[vac].all()
    assert not targeted[events["event_type"].isin(["Protests", "Battles"])].any()
    civ = events["actor2"].astype(str).str.startswith("Civilians (")
    expected = "Civilians (" + events["country"].astype(str) + ")"
    assert (events["actor2"].astype(str)[civ] == expected[civ]).all()
    actors = set(events["actor1"].astype(str)) | set(events["actor2"].astype(str))
    for name in (
        wa.JNIM,
        wa.ISWAP,
        wa.BOKO_HARAM,
        "Military Forces of Mali (2021-)",
        "Protesters (Nigeria)",
        "Civilians (Burkina Faso)",
    ):
        assert name in actors
    assert (events["actor1"] != "").all()
    only = events["actor2"] == ""
    assert (events["inter2"][only] == "").all()
    assert (events["inter2"][~only] != "").all()
    inter1 = events["inter1"].astype(str)
    assert (events["interaction"].astype(str)[only] == inter1[only] + " only").all()
    mali = events["country"] == "Mali"
    wagner = events["assoc_actor_1"] == "Wagner Group"
    assert wagner.any()
    assert (events["year"][wagner] >= 2022).all()
    assert not events["actor1"][mali & (events["year"] < 2017)].eq(wa.JNIM).any()


def test_control_indicators_cluster_into_mali_zones(events: pd.DataFrame) -> None:
    mask = zones.indicator_mask(events, zones.DEFAULT_RULES)
    country = events["country"].astype(str).to_numpy()
    sahel = np.isin(country, ["Mali", "Burkina Faso"])
    recent = events["year"].to_numpy() >= 2018
    for name in ("Mali", "Burkina Faso"):
        share = mask[(country == name) & recent].mean()
        assert 0.008 < share < 0.03, (name, share)
    assert mask[sahel & ~recent].mean() < 0.005
    assert mask[~sahel].mean() < 0.005
    mali = EventTable(events[country == "Mali"], synthetic=True)
    found = zones.support_zones(mali, zones.DEFAULT_RULES)
    assert len(found) >= 1
    assert (found["period"].astype(int) >= 2018).all()


def test_mali_has_extra_density_near_bamako_and_the_nara_axis(
    events: pd.DataFrame,
) -> None:
    mali = events[events["country"] == "Mali"]
    lon, lat = mali["longitude"].to_numpy(), mali["latitude"].to_numpy()
    assert (_km(lon, lat, BAMAKO) < 40).mean() > 0.12
    axis = np.array(wa.MALI_RN4_AXIS)
    # Points near the axis: sample the polyline densely and take the nearest.
    t = np.linspace(0, 1, 200)[:, None]
    dense = np.vstack([a + t * (b - a) for a, b in itertools.pairwise(axis)])
    near = np.min([_km(lon, lat, (float(x), float(y))) for x, y in dense[::4]], axis=0)
    assert (near < 10).mean() > 0.2


@pytest.mark.slow
def test_one_million_rows_in_a_few_seconds() -> None:
    started = time.perf_counter()
    chunk = next(wa.iter_west_africa(1_000_000))
    assert len(chunk) == 1_000_000
    assert time.perf_counter() - started < 10
