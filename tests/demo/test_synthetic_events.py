"""Tests of the SYNTHETIC demo event generator.

The demo data stands in for ACLED data we may not ship, so it must say it is
synthetic on every row, keep ACLED's format, and show the report's patterns that
the analyses and the walkthrough rely on.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from pyproj import Geod, Transformer

from sahelgis.demo import synthetic_events as se
from sahelgis.model import acled_schema as acled
from sahelgis.model.crs import local_aeqd

SEEDS = (se.DEFAULT_SEED, 1, 7)
ATTACKS = ("Battles", "Explosions/Remote violence")
GEOD = Geod(ellps="WGS84")
BAMAKO = (-7.97522, 12.60915)


@pytest.fixture(scope="module")
def events() -> pd.DataFrame:
    return se.generate_events(500)


@pytest.fixture(scope="module", params=SEEDS)
def seeded(request: pytest.FixtureRequest) -> pd.DataFrame:
    return se.generate_events(500, request.param)


@pytest.fixture(scope="module")
def places() -> pd.DataFrame:
    return pyogrio.read_dataframe(se.DEFAULT_BASE_GPKG, layer="places")


def _lonlat(df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    lon = df["longitude"].astype(float).to_numpy()
    return lon, df["latitude"].astype(float).to_numpy()


def _m_from_bamako(df: pd.DataFrame) -> np.ndarray:
    lon, lat = _lonlat(df)
    bamako = np.full(len(lon), BAMAKO[0]), np.full(len(lon), BAMAKO[1])
    return GEOD.inv(*bamako, lon, lat)[2]


def test_same_seed_gives_same_frame() -> None:
    pd.testing.assert_frame_equal(
        se.generate_events(300, 5), se.generate_events(300, 5)
    )
    assert not se.generate_events(300, 6).equals(se.generate_events(300, 5))


def test_all_31_columns_in_acled_order_as_strings(events: pd.DataFrame) -> None:
    assert list(events.columns) == list(acled.CURRENT_COLUMNS)
    assert len(events) == 500
    assert all(pd.api.types.is_string_dtype(t) for t in events.dtypes)
    assert not events.isna().any().any()
    assert events["event_date"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    assert events["latitude"].str.fullmatch(r"-?\d+\.\d{4}").all()


def test_every_row_is_marked_synthetic(events: pd.DataFrame) -> None:
    assert (events["source"] == se.SOURCE_TEXT).all()
    assert events["notes"].str.startswith("[SYNTHETIC] ").all()
    assert events["event_id_cnty"].str.fullmatch(r"SYN\d{7}").all()
    assert events["event_id_cnty"].is_unique
    assert "SYNTHETIC" in (se.__doc__ or "")


def test_dates_in_range_and_fields_consistent(events: pd.DataFrame) -> None:
    dates = pd.to_datetime(events["event_date"], format="%Y-%m-%d")
    assert dates.min() >= pd.Timestamp("2018-01-01")
    assert dates.max() <= pd.Timestamp("2024-06-30")
    assert (dates.dt.year.astype(str) == events["year"]).all()
    day_start = dates.astype("datetime64[s]").astype("int64")
    assert (events["timestamp"].astype("int64") > day_start).all()
    assert set(events["iso"]) == {"466"}
    assert set(events["country"]) == {"Mali"}
    assert set(events["region"]) == {"Western Africa"}


def test_taxonomy_actors_and_precision_codes(events: pd.DataFrame) -> None:
    for et, sub in zip(events["event_type"], events["sub_event_type"], strict=True):
        assert sub in acled.TAXONOMY[et]
    violent = events["event_type"].isin([*ATTACKS, "Violence against civilians"])
    assert (events.loc[violent, "disorder_type"] == "Political violence").all()
    sd = events["event_type"] == "Strategic developments"
    assert (events.loc[sd, "disorder_type"] == "Strategic developments").all()
    vac = events["event_type"] == "Violence against civilians"
    assert (events.loc[vac, "civilian_targeting"] == "Civilian targeting").all()
    assert (events.loc[vac, "actor2"] == "Civilians (Mali)").all()
    labels = set(acled.INTER_CODES.values())
    assert set(events["inter1"]) <= labels
    assert set(events["inter2"]) <= labels
    assert set(events["geo_precision"]) == {"1", "2", "3"}
    assert set(events["time_precision"]) <= {"1", "2", "3"}
    fat = events["fatalities"].astype(int)
    assert (fat == 0).mean() > 0.3
    assert fat.max() >= 20


def test_yearly_counts_rise(seeded: pd.DataFrame) -> None:
    per_year = seeded["year"].value_counts()
    assert per_year["2023"] > per_year["2021"] > per_year["2018"]
    full_years = per_year.drop("2024")
    assert full_years.idxmax() == "2023"


def test_2024_koulikoro_attacks_follow_the_rn4(seeded: pd.DataFrame) -> None:
    rn4 = shapely.get_coordinates(se.approximate_rn4())
    to_m = Transformer.from_crs("EPSG:4326", local_aeqd(-7.47, 14.47), always_xy=True)
    line = shapely.LineString(np.column_stack(to_m.transform(rn4[:, 0], rn4[:, 1])))
    sel = seeded[
        seeded["event_type"].isin(ATTACKS)
        & (seeded["year"] == "2024")
        & (seeded["admin1"] == "Koulikoro")
    ]
    assert len(sel) >= 20
    x, y = to_m.transform(*_lonlat(sel))
    near = shapely.distance(shapely.points(x, y), line) <= 15_000
    assert near.mean() > 0.8


def test_suicide_bombs(events: pd.DataFrame) -> None:
    bombs = events[events["sub_event_type"] == "Suicide bomb"]
    assert 3 <= len(bombs) <= 5
    assert "2024-02-28" in set(bombs["event_date"])
    assert any(d.startswith("2022-07") for d in bombs["event_date"])
    assert any(d.startswith("2023-12") for d in bombs["event_date"])
    assert (bombs["fatalities"].astype(int) >= 10).all()
    kwala = bombs[bombs["event_date"] == "2024-02-28"]
    dist = _m_from_bamako(kwala)
    assert np.all(np.abs(dist / 1609.344 - 100) < 10)  # ~100 miles north of Bamako


def test_2023_offensive_within_70_miles_of_bamako(seeded: pd.DataFrame) -> None:
    sel = seeded[
        seeded["event_type"].isin(ATTACKS)
        & (seeded["event_date"] >= "2023-01-01")
        & (seeded["event_date"] <= "2023-07-31")
    ]
    assert (_m_from_bamako(sel) <= 113_000).sum() >= 17


def test_points_inside_mali_and_their_cercle(events: pd.DataFrame) -> None:
    regions = pyogrio.read_dataframe(se.DEFAULT_BASE_GPKG, layer="admin1_regions")
    cercles = pyogrio.read_dataframe(se.DEFAULT_BASE_GPKG, layer="admin2_cercles")
    mali = shapely.union_all(regions.geometry.values)
    assert shapely.contains_xy(mali, *_lonlat(events)).all()
    polygons = dict(zip(cercles["name_fr"], cercles.geometry, strict=True))
    regions_of = dict(zip(cercles["name_fr"], cercles["adm1_name"], strict=True))
    for name, rows in events.groupby("admin2").groups.items():
        sub = events.loc[rows]
        assert shapely.contains_xy(polygons[name], *_lonlat(sub)).all()
        assert (sub["admin1"] == regions_of[name]).all()
    assert events["admin1"].value_counts().idxmax() == "Koulikoro"


def test_geo_precision_3_sits_on_a_cercle_capital(
    events: pd.DataFrame, places: pd.DataFrame
) -> None:
    capitals = places[places["is_cercle_capital"] | (places["name"] == "Bamako")]
    by_name = capitals.set_index("name")
    geo3 = events[events["geo_precision"] == "3"]
    assert len(geo3) > 0
    assert set(geo3["location"]) <= set(by_name.index)
    lon, lat = _lonlat(geo3)
    assert np.allclose(lon, by_name.loc[geo3["location"], "longitude"], atol=1e-4)
    assert np.allclose(lat, by_name.loc[geo3["location"], "latitude"], atol=1e-4)
    assert set(events["location"]) <= set(places["name"])


def test_jnim_is_the_main_actor(events: pd.DataFrame) -> None:
    assert events["actor1"].value_counts().idxmax() == se.JNIM
    assert (events["assoc_actor_1"] == "Wagner Group").any() or (
        events["assoc_actor_2"] == "Wagner Group"
    ).any()
    wagner = (events["assoc_actor_1"] == "Wagner Group") | (
        events["assoc_actor_2"] == "Wagner Group"
    )
    assert (events.loc[wagner, "event_date"] >= "2021-12-01").all()


def test_control_indicators_in_notes_around_nara_and_banamba() -> None:
    df = se.generate_events(2000)
    sd = df[(df["event_type"] == "Strategic developments") & (df["year"] >= "2023")]
    sd = sd[sd["admin2"].isin(["Nara", "Banamba"])]
    text = " ".join(sd["notes"]).lower()
    for word in ("school", "zakat", "sharia", "election"):
        assert word in text
    vac = df[(df["event_type"] == "Violence against civilians")]
    nara = vac[vac["admin2"].isin(["Nara", "Banamba"])]["year"].value_counts()
    assert nara.get("2023", 0) > 3 * nara.get("2021", 0)


@pytest.mark.parametrize("n", [0, 3, 7])
def test_tiny_sizes(n: int) -> None:
    df = se.generate_events(n)
    assert len(df) == n
    assert list(df.columns) == list(acled.CURRENT_COLUMNS)


def test_cli_writes_the_csv(tmp_path: Path) -> None:
    out = tmp_path / "demo.csv"
    assert se.main(["-o", str(out), "--n", "200", "--seed", "3"]) == 0
    read = pd.read_csv(out, dtype=str, keep_default_na=False)
    expected = se.generate_events(200, 3)
    assert list(read.columns) == list(acled.CURRENT_COLUMNS)
    assert (read.to_numpy() == expected.to_numpy()).all()


@pytest.mark.slow
def test_one_million_rows_in_a_few_seconds() -> None:
    se.generate_events(10)  # load the base layers first
    start = time.perf_counter()
    df = se.generate_events(1_000_000)
    assert len(df) == 1_000_000
    assert time.perf_counter() - start < 10.0
    assert re.fullmatch(r"SYN\d{7}", df["event_id_cnty"].iloc[-1])


def test_scenarios_are_data_files_shipped_with_the_package() -> None:
    from importlib import resources

    from sahelgis.demo import engine

    folder = resources.files("sahelgis.demo").joinpath("scenarios")
    for name in ("southern_mali", "west_africa"):
        assert folder.joinpath(f"{name}.toml").is_file()
        assert engine.load_scenario(name)  # parses
    mali = engine.load_scenario("southern_mali")
    assert mali["actors"]["JNIM"] == se.JNIM
    assert len(mali["patterns"]) == len(se.PATTERNS)
    assert len(mali["anchors"]) == len(se.ANCHORS)


def test_events_csv_writer_refuses_rows_not_labelled_synthetic(
    tmp_path: Path,
) -> None:
    from sahelgis.demo.engine import write_events_csv

    frame = se.generate_events(20, 2)
    written = write_events_csv(frame, tmp_path / "sub" / "ok.csv")
    assert written.is_file()
    frame.loc[3, "source"] = "ACLED"
    with pytest.raises(ValueError, match="SYNTHETIC"):
        write_events_csv(frame, tmp_path / "bad.csv")
    assert not (tmp_path / "bad.csv").exists()
