"""The event store reads as a plain GeoParquet dataset (issue 18, part 2).

geopandas, pyarrow's Hive dataset and DuckDB read the whole store folder with
the right types and the same rows as SahelGIS's own reader; the manifest is
not read as data; every file keeps valid GeoParquet 1.1 metadata. A store of
the format before (keys repeated in the files, ``sahelgis_store.json``) still
opens unchanged and is upgraded, losing nothing, only when written to.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from sahelgis.demo.synthetic_west_africa import generate_west_africa
from sahelgis.model import acled_schema as acled
from sahelgis.model.events import EventTable
from sahelgis.scale import store as store_mod
from sahelgis.scale.store import LEGACY_MANIFEST, MANIFEST, EventStore
from tests.scale.legacy_store import write_format_1

duckdb = pytest.importorskip("duckdb")

#: Several countries, two with a space (and one with an apostrophe) in the
#: name, and a made-up one whose folder name needs "/", "," "%" and "=" escaped
#: (the generator's Sierra Leone, renamed).
ODD = "Côte d'Ivoire / Test, 100% = ok"
COUNTRIES = ("Mali", "Burkina Faso", "Cote d'Ivoire", "Niger", ODD)
YEARS = range(2021, 2025)
SEED = 20260418


def _synthetic_events(
    seed: int = SEED,
    n: int = 5000,
    countries: tuple[str, ...] = COUNTRIES,
    years: range = YEARS,
) -> EventTable:
    """Seeded SYNTHETIC West African events of ``countries`` and ``years``."""
    frame = generate_west_africa(n, seed=seed)
    names = frame[acled.COUNTRY].astype(str).replace({"Sierra Leone": ODD})
    keep = names.isin(countries) & frame[acled.EVENT_DATE].dt.year.isin(list(years))
    frame = frame.assign(**{acled.COUNTRY: names.astype("category")})
    return EventTable(frame[keep].reset_index(drop=True), synthetic=True)


@pytest.fixture(scope="module")
def events() -> EventTable:
    return _synthetic_events()


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, events: EventTable) -> EventStore:
    root = tmp_path_factory.mktemp("plain") / "store"
    made = EventStore.create(root, synthetic=True)
    made.append(events, source="synthetic_west_africa")
    return EventStore.open(root)


@pytest.fixture(scope="module")
def ours(store: EventStore) -> pd.DataFrame:
    """The whole store as SahelGIS reads it, sorted by event id."""
    return _by_id(store.read().frame)


def _by_id(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(acled.EVENT_ID, kind="stable").reset_index(drop=True)


def _assert_same_rows(theirs: pd.DataFrame, ours: pd.DataFrame) -> None:
    """Ids, keys, dates, places and fatalities equal row by row."""
    theirs = _by_id(theirs)
    assert len(theirs) == len(ours)
    for name in (acled.EVENT_ID, acled.COUNTRY, acled.ADMIN1):
        assert theirs[name].astype(str).tolist() == ours[name].astype(str).tolist()
    assert theirs[acled.YEAR].astype(int).tolist() == ours[acled.YEAR].tolist()
    np.testing.assert_array_equal(
        theirs[acled.EVENT_DATE].to_numpy().astype("datetime64[s]"),
        ours[acled.EVENT_DATE].to_numpy(),
    )
    for name in (acled.LONGITUDE, acled.LATITUDE):
        np.testing.assert_array_equal(theirs[name].to_numpy(), ours[name].to_numpy())
    np.testing.assert_array_equal(
        theirs[acled.FATALITIES].to_numpy(), ours[acled.FATALITIES].to_numpy()
    )


def test_the_store_spans_countries_and_years(store: EventStore) -> None:
    assert set(store.countries()) == set(COUNTRIES)
    assert store.years() == list(YEARS)
    assert (store.root / MANIFEST).is_file()
    assert not (store.root / LEGACY_MANIFEST).exists()
    folders = {p.name for p in store.root.iterdir() if p.is_dir()}
    assert "country=Burkina%20Faso" in folders
    assert (
        "country=C%C3%B4te%20d%27Ivoire%20%2F%20Test%2C%20100%25%20%3D%20ok" in folders
    )
    # no file repeats the partition keys as a column
    for f in store.manifest.files:
        names = pq.read_schema(store.root / f.path).names
        assert acled.COUNTRY not in names
        assert acled.YEAR not in names


def test_geopandas_reads_the_store_folder(
    store: EventStore, ours: pd.DataFrame
) -> None:
    gdf = gpd.read_parquet(store.root)
    assert isinstance(gdf, gpd.GeoDataFrame)
    assert gdf.crs is not None
    assert gdf.crs.to_epsg() == 4326
    assert gdf.geometry.geom_type.eq("Point").all()
    # pyarrow.parquet (under geopandas) reads Hive keys as dictionaries
    year = gdf[acled.YEAR].dtype
    if isinstance(year, pd.CategoricalDtype):
        year = year.categories.dtype
    assert pd.api.types.is_integer_dtype(year)
    assert pd.api.types.is_datetime64_any_dtype(gdf[acled.EVENT_DATE].dtype)
    assert set(gdf[acled.COUNTRY].astype(str)) == set(COUNTRIES)
    _assert_same_rows(pd.DataFrame(gdf), ours)
    np.testing.assert_allclose(
        _by_id(gdf).geometry.x.to_numpy(), ours[acled.LONGITUDE].to_numpy()
    )


def test_pyarrow_hive_dataset_reads_the_store(
    store: EventStore, ours: pd.DataFrame
) -> None:
    dataset = ds.dataset(store.root, partitioning="hive")  # as the issue reads it
    # the manifest, its lock and temporary files are not data
    assert all(p.endswith(".parquet") for p in dataset.files)
    assert len(dataset.files) == len(store.manifest.files)
    schema = dataset.schema
    assert schema.field(acled.COUNTRY).type == pa.string()
    assert schema.field(acled.YEAR).type == pa.int32()
    assert pa.types.is_timestamp(schema.field(acled.EVENT_DATE).type)
    assert schema.field("geometry").type in (pa.binary(), pa.large_binary()) or (
        schema.field("geometry").type.extension_name == "geoarrow.wkb"
    )
    table = dataset.to_table()
    assert table.num_rows == store.rows
    _assert_same_rows(table.drop_columns(["geometry", "bbox"]).to_pandas(), ours)
    # a partition filter on the folder names works as for any Hive dataset
    burkina = dataset.to_table(filter=ds.field(acled.COUNTRY) == "Burkina Faso")
    assert burkina.num_rows == int((ours[acled.COUNTRY] == "Burkina Faso").sum())


def test_duckdb_reads_the_store_with_hive_partitioning(
    store: EventStore, ours: pd.DataFrame
) -> None:
    glob = (store.root / "**" / "*.parquet").as_posix().replace("'", "''")
    con = duckdb.connect()
    try:
        rel = con.sql(f"SELECT * FROM read_parquet('{glob}', hive_partitioning=true)")
        types = dict(zip(rel.columns, (str(t) for t in rel.types), strict=True))
        assert types[acled.COUNTRY] == "VARCHAR"
        assert types[acled.YEAR] in ("BIGINT", "INTEGER")
        assert types[acled.EVENT_DATE].startswith(("TIMESTAMP", "DATE"))
        assert types["geometry"].startswith(("GEOMETRY", "BLOB"))
        frame = con.sql(
            f"SELECT * EXCLUDE (geometry, bbox) FROM read_parquet('{glob}', "
            "hive_partitioning=true)"
        ).df()
        per_partition = con.sql(
            f"SELECT country, year, count(*) FROM read_parquet('{glob}', "
            "hive_partitioning=true) GROUP BY ALL"
        ).fetchall()
    finally:
        con.close()
    _assert_same_rows(frame, ours)
    expected = {
        (c, y): sum(f.rows for f in files)
        for (c, y), files in store.partitions().items()
    }
    assert {(c, y): n for c, y, n in per_partition} == expected


def test_every_file_keeps_valid_geoparquet_1_1_metadata(store: EventStore) -> None:
    for f in store.manifest.files:
        schema = pq.read_schema(store.root / f.path)
        geo = json.loads(schema.metadata[b"geo"])
        assert geo["version"] == "1.1.0"
        assert geo["primary_column"] == "geometry"
        column = geo["columns"]["geometry"]
        assert column["encoding"] == "WKB"
        assert column["geometry_types"] == ["Point"]
        assert column["crs"]["id"] == {"authority": "EPSG", "code": 4326}
        bbox = column["covering"]["bbox"]
        assert bbox == {
            "xmin": ["bbox", "xmin"],
            "ymin": ["bbox", "ymin"],
            "xmax": ["bbox", "xmax"],
            "ymax": ["bbox", "ymax"],
        }
        box = schema.field("bbox").type
        assert [box.field(i).name for i in range(box.num_fields)] == [
            "xmin",
            "ymin",
            "xmax",
            "ymax",
        ]
        assert len(column["bbox"]) == 4


def test_our_reader_types_are_unchanged(store: EventStore, ours: pd.DataFrame) -> None:
    assert isinstance(ours[acled.COUNTRY].dtype, pd.CategoricalDtype)
    assert ours[acled.YEAR].dtype == "int16"
    assert ours[acled.EVENT_DATE].dtype == "datetime64[s]"
    assert (ours[acled.YEAR] == ours[acled.EVENT_DATE].dt.year).all()
    # the keys sit where the importer puts them, and a column read asks for them
    assert store.columns().index(acled.COUNTRY) < store.columns().index(acled.ADMIN1)
    few = store.read(columns=[acled.COUNTRY]).frame
    assert acled.YEAR not in few
    assert set(few[acled.COUNTRY].astype(str)) == set(COUNTRIES)
    mali = store.read(store.select(countries=["Mali"])).frame
    assert len(mali) == int((ours[acled.COUNTRY] == "Mali").sum())


# --------------------------------------------------------- format 1 stores ---
#: The format-1 store: few partitions (an upgrade rewrites each), one name
#: with a space.
OLD = {"n": 2500, "countries": ("Mali", "Burkina Faso"), "years": range(2023, 2025)}


def _tree(root: Path) -> dict[str, tuple[int, int]]:
    return {
        p.relative_to(root).as_posix(): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in root.rglob("*")
        if p.is_file()
    }


@pytest.fixture
def old_store(tmp_path: Path) -> Path:
    root = tmp_path / "old"
    write_format_1(root, _synthetic_events(**OLD))
    return root


def test_the_format_1_fixture_is_the_old_layout(old_store: Path) -> None:
    assert (old_store / LEGACY_MANIFEST).is_file()
    assert not (old_store / MANIFEST).exists()
    data = json.loads((old_store / LEGACY_MANIFEST).read_text(encoding="utf-8"))
    assert data["version"] == 1
    first = old_store / data["files"][0]["path"]
    schema = pq.read_schema(first)
    assert schema.field(acled.COUNTRY).type == pa.string()
    assert schema.field(acled.YEAR).type == pa.int16()
    with pytest.raises(pa.ArrowTypeError, match="incompatible types"):
        ds.dataset(old_store, format="parquet", partitioning="hive").to_table()


def test_a_format_1_store_opens_without_being_rewritten(old_store: Path) -> None:
    before = _tree(old_store)
    store = EventStore.open(old_store)
    assert store.manifest.keys_in_files
    frame = store.read().frame
    assert len(frame) == store.rows > 0
    assert isinstance(frame[acled.COUNTRY].dtype, pd.CategoricalDtype)
    assert frame[acled.YEAR].dtype == "int16"
    store.vacuum()  # housekeeping, not a write of events: no upgrade either
    assert _tree(old_store) == before


def test_appending_to_a_format_1_store_upgrades_it_losing_nothing(
    old_store: Path,
) -> None:
    store = EventStore.open(old_store)
    was = _by_id(store.read().frame)
    old_files = [old_store / f.path for f in store.manifest.files]
    more = _synthetic_events(seed=SEED + 1, **OLD).frame
    more = more.assign(**{acled.EVENT_ID: "NEW" + more[acled.EVENT_ID].astype(str)})
    report = store.append(EventTable(more, synthetic=True))
    assert report.added == len(more)
    assert report.upgraded == len(old_files)
    assert f"upgraded to format 2 first ({len(old_files)} files" in report.describe()

    assert (old_store / MANIFEST).is_file()
    assert not (old_store / LEGACY_MANIFEST).exists()
    assert not any(p.exists() for p in old_files)
    reopened = EventStore.open(old_store)
    assert not reopened.manifest.keys_in_files
    now = _by_id(reopened.read().frame)
    assert len(now) == len(was) + len(more)
    kept = _by_id(now[~now[acled.EVENT_ID].astype(str).str.startswith("NEW")])
    pd.testing.assert_frame_equal(kept[was.columns], was, check_categorical=False)
    assert kept[acled.COUNTRY].dtype == "category"
    assert kept[acled.YEAR].dtype == was[acled.YEAR].dtype
    # and the other readers now read it too
    assert len(gpd.read_parquet(old_store)) == len(now)
    table = ds.dataset(old_store, format="parquet", partitioning="hive").to_table()
    assert table.num_rows == len(now)


def test_explicit_upgrade_then_nothing_more(old_store: Path) -> None:
    store = EventStore.open(old_store)
    was = _by_id(store.read().frame)
    n_files = len(store.manifest.files)
    assert store.upgrade() == n_files
    assert store.upgrade() == 0
    upgraded = EventStore.open(old_store)
    assert upgraded.manifest.version == store_mod.FORMAT_VERSION
    now = _by_id(upgraded.read().frame)
    pd.testing.assert_frame_equal(now[was.columns], was, check_categorical=False)
    parquet = {
        p.relative_to(old_store).as_posix() for p in old_store.rglob("*.parquet")
    }
    assert parquet == {f.path for f in upgraded.manifest.files}


def test_the_new_manifest_wins_when_a_crash_left_both(
    old_store: Path, tmp_path: Path
) -> None:
    legacy = (old_store / LEGACY_MANIFEST).read_bytes()
    EventStore.open(old_store).upgrade()
    # a crash between publishing the new manifest and removing the old one
    (old_store / LEGACY_MANIFEST).write_bytes(legacy)
    store = EventStore.open(old_store)
    assert not store.manifest.keys_in_files
    assert len(store.read()) == store.rows
    store.compact()
    assert not (old_store / LEGACY_MANIFEST).exists()


def test_the_lock_is_the_same_file_in_both_formats(old_store: Path) -> None:
    # an older SahelGIS locks .sahelgis_store.json.lock: so does this one
    store = EventStore.open(old_store)
    with store._locked() as target:
        assert target.name == LEGACY_MANIFEST
        assert (old_store / f".{LEGACY_MANIFEST}.lock").exists()
    assert os.path.basename(store_mod.MANIFEST).startswith("_")


def test_the_command_line_tells_and_upgrades_an_old_store(
    old_store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from sahelgis.__main__ import main

    rows = EventStore.open(old_store).rows
    assert main(["info", str(old_store)]) == 0
    assert "sahelgis store upgrade" in capsys.readouterr().out
    assert main(["store", "upgrade", str(old_store)]) == 0
    out = capsys.readouterr().out
    assert f"upgraded to store format {store_mod.FORMAT_VERSION}" in out
    assert f"{rows:,} events kept" in out
    assert main(["store", "upgrade", str(old_store)]) == 0
    assert "nothing to do" in capsys.readouterr().out
    assert main(["info", str(old_store)]) == 0
    assert "upgrade" not in capsys.readouterr().out
    # not a store: one line naming the folder, no traceback
    (tmp_path / "empty").mkdir()
    assert main(["store", "upgrade", str(tmp_path / "empty")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "not a SahelGIS event store" in err[0]
    assert str(tmp_path / "empty") in err[0]


def test_a_cancelled_append_leaves_the_old_store_whole(old_store: Path) -> None:
    from sahelgis.errors import Cancelled

    store = EventStore.open(old_store)
    n_files = len(store.manifest.files)

    class CancelAfterUpgrade:
        """Cancels at the append's first check, after the upgrade's."""

        calls = 0

        def set(self, fraction: float, text: str = "") -> None:
            pass

        def cancelled(self) -> bool:
            return False

        def check(self) -> None:
            CancelAfterUpgrade.calls += 1
            if CancelAfterUpgrade.calls > n_files:
                raise Cancelled()

    was = _by_id(store.read().frame)
    legacy = (old_store / LEGACY_MANIFEST).read_bytes()
    new = _synthetic_events(seed=SEED + 2, **OLD).frame
    ids = "NEW" + new[acled.EVENT_ID].astype(str)
    more = EventTable(new.assign(**{acled.EVENT_ID: ids}), synthetic=True)
    with pytest.raises(Cancelled):
        store.append(more, progress=CancelAfterUpgrade())
    assert CancelAfterUpgrade.calls == n_files + 1
    # back on the published format-1 manifest: nothing lost, nothing half-done
    assert store.manifest.keys_in_files
    assert (old_store / LEGACY_MANIFEST).read_bytes() == legacy
    assert not (old_store / MANIFEST).exists()
    pd.testing.assert_frame_equal(_by_id(store.read().frame), was)
    assert store.vacuum() == n_files  # the files the unfinished upgrade wrote
    store.append(more)
    assert EventStore.open(old_store).rows == len(was) + len(more)


def test_files_a_crash_left_are_data_to_others_until_vacuum(
    store: EventStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from sahelgis.__main__ import main

    root = tmp_path / "copy"
    shutil.copytree(store.root, root)
    first = store.manifest.files[0]
    # an import that crashed after writing a file, before the manifest swap
    shutil.copy(root / first.path, root / first.path.replace("part-", "part-crash"))
    leftover = ds.dataset(root, partitioning="hive").count_rows()
    assert leftover == store.rows + first.rows
    assert len(EventStore.open(root).read()) == store.rows  # never ours
    assert main(["store", "vacuum", str(root)]) == 0
    assert "1 files no manifest names removed" in capsys.readouterr().out
    assert ds.dataset(root, partitioning="hive").count_rows() == store.rows
