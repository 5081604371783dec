"""Only our own tables are read from a project, each within the limits of
``sahelgis.io.limits``: views, triggers and foreign tables never run or are
refused, every query has a time budget, caches are sized before unpacking.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import sqlite3
import stat
import struct
import time
import tracemalloc

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from sahelgis.errors import ProjectFileError
from sahelgis.io import limits, project_file
from sahelgis.io.project_file import (
    CACHE_TABLE,
    STATE_TABLE,
    ipc_stream_size,
    load_project,
)
from tests.hardening.hostile.projects import (
    ENDLESS,
    declared_bomb,
    null_rows_bomb,
    read_raw_state,
    small_project,
    write_raw_state,
)


@pytest.fixture(scope="module")
def original(tmp_path_factory):
    return small_project(tmp_path_factory.mktemp("limits"), random.Random(2))


@pytest.fixture
def saved(original, tmp_path):
    path = tmp_path / "P.gpkg"
    path.write_bytes(original.read_bytes())
    return path


def run_sql(path, *statements):
    tables = [entry["table"] for entry in read_raw_state(path)["layers"]]
    with contextlib.closing(sqlite3.connect(path)) as con:
        for sql in statements:
            con.executescript(
                sql.replace("EVENTS", tables[0]).replace("TOWNS", tables[1])
            )
        con.commit()


def set_cache(path, blob):
    with contextlib.closing(sqlite3.connect(path)) as con:
        con.execute(f"UPDATE {CACHE_TABLE} SET arrow=?", (blob,))
        con.commit()


def ipc(table, compression=None):
    sink = pa.BufferOutputStream()
    options = pa.ipc.IpcWriteOptions(compression=compression)
    with pa.ipc.new_stream(sink, table.schema, options=options) as writer:
        writer.write_table(table, max_chunksize=1_000)
    return sink.getvalue().to_pybytes()


# -- sizing Arrow streams without unpacking them ----------------------------------
@pytest.mark.parametrize("compression", [None, "lz4", "zstd"])
def test_ipc_size_matches_what_reading_takes(compression):
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {
            "n": rng.integers(0, 100, 5_000),
            "x": rng.random(5_000),
            "kind": pd.Categorical(rng.choice(["Battles", "Riots"], 5_000)),
            "text": [f"note {i}" for i in range(5_000)],
        }
    )
    table = pa.Table.from_pandas(frame, preserve_index=False)
    size = ipc_stream_size(ipc(table, compression))
    assert size.rows == 5_000
    assert size.columns == 4
    # every buffer once (plus padding and the dictionary per batch)
    assert table.nbytes <= size.unpacked_bytes <= table.nbytes * 1.5 + 10_000


def test_ipc_size_reads_the_declared_length_not_the_data():
    size = ipc_stream_size(declared_bomb())
    assert size.unpacked_bytes >= 1_500_000_000
    assert ipc_stream_size(null_rows_bomb()).rows == 1_500_000_000


def test_ipc_size_of_garbage_is_a_known_error_not_a_crash():
    good = ipc(pa.table({"x": list(range(100))}), "lz4")
    rng = random.Random(5)
    blobs = [b"", b"\xff\xff\xff\xff\x10\x00\x00\x00" + bytes(16), os.urandom(300)]
    for _ in range(200):  # flip bytes of a good stream
        blob = bytearray(good)
        for _ in range(rng.randrange(1, 4)):
            blob[rng.randrange(len(blob))] = rng.randrange(256)
        blobs.append(bytes(blob))
    for blob in blobs:
        with contextlib.suppress(pa.ArrowException, OSError, ValueError, struct.error):
            size = ipc_stream_size(blob)
            assert size.rows >= 0


def test_a_declared_bomb_is_never_unpacked(saved, monkeypatch):
    set_cache(saved, declared_bomb())
    opened = []
    real = pa.ipc.open_stream
    monkeypatch.setattr(
        pa.ipc, "open_stream", lambda *a, **k: opened.append(1) or real(*a, **k)
    )
    tracemalloc.start()
    project = load_project(saved)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert opened == []
    assert peak < 100e6
    assert project.layers[0].feature_count == 20  # from the layer table
    (line,) = project.load_warnings
    assert "would unpack to 1,048,576 rows and 1,5" in line


def test_a_real_cache_over_the_limit_is_ignored(saved, monkeypatch):
    monkeypatch.setattr(limits, "MAX_CACHE_UNPACKED_BYTES", 1_000)
    project = load_project(saved)
    assert project.layers[0].feature_count == 20
    assert "more than the limits" in project.load_warnings[0]
    monkeypatch.setattr(limits, "MAX_CACHE_UNPACKED_BYTES", 10**9)
    monkeypatch.setattr(limits, "MAX_EVENT_ROWS", 19)
    assert "would unpack to 20 rows" in load_project(saved).load_warnings[0]


def test_a_cache_within_the_limits_is_used(saved, monkeypatch):
    calls = []
    real = project_file.pyogrio.read_dataframe
    monkeypatch.setattr(
        project_file.pyogrio,
        "read_dataframe",
        lambda path, layer, **k: calls.append(layer) or real(path, layer=layer, **k),
    )
    project = load_project(saved)
    assert project.load_warnings == []
    assert calls == [read_raw_state(saved)["layers"][1]["table"]]  # towns only


# -- only tables, and only ours ---------------------------------------------------
def test_a_cache_that_is_a_view_is_ignored_quickly(saved):
    run_sql(
        saved, f"DROP TABLE {CACHE_TABLE}", f"CREATE VIEW {CACHE_TABLE} AS {ENDLESS}"
    )
    started = time.monotonic()
    project = load_project(saved)
    assert time.monotonic() - started < 2
    assert project.layers[0].feature_count == 20
    assert project.load_warnings == [
        f"P.gpkg: '{CACHE_TABLE}' is a view, not a table; ignored, events read "
        "from their layer tables"
    ]


def test_a_layer_table_that_is_a_view_is_refused_before_gdal(saved, monkeypatch):
    run_sql(
        saved,
        "CREATE TABLE towns_data AS SELECT * FROM TOWNS",
        "DROP TABLE TOWNS",
        "CREATE VIEW TOWNS AS SELECT * FROM towns_data",
    )
    monkeypatch.setattr(
        project_file.pyogrio, "read_dataframe", pytest.fail
    )  # GDAL never sees it
    with pytest.raises(ProjectFileError, match=r"layers\[1\]\.table '.*' is a view"):
        load_project(saved)


@pytest.mark.parametrize(
    "name", ["gpkg_contents", "gpkg_geometry_columns", "gpkg_spatial_ref_sys"]
)
def test_gdal_tables_that_are_views_refuse_the_file(saved, name):
    run_sql(
        saved,
        f"ALTER TABLE {name} RENAME TO old_{name}",
        f"CREATE VIEW {name} AS SELECT * FROM old_{name}",
    )
    with pytest.raises(ProjectFileError, match=f"'{name}' is a view, not a table"):
        load_project(saved)


def test_a_layer_table_not_in_gpkg_contents_is_refused(saved):
    run_sql(saved, "DELETE FROM gpkg_contents WHERE table_name = 'TOWNS'")
    with pytest.raises(ProjectFileError, match=r"layer table .* is missing"):
        load_project(saved)


def test_our_own_and_gdal_tables_are_never_layers(saved):
    data = read_raw_state(saved)
    data["layers"][1]["table"] = STATE_TABLE
    write_raw_state(saved, json.dumps(data))
    run_sql(
        saved,
        "INSERT INTO gpkg_contents(table_name, data_type, identifier) "
        f"VALUES ('{STATE_TABLE}x', 'features', 'x')",
    )
    with pytest.raises(ProjectFileError, match=r"layers\[1\]\.table"):
        load_project(saved)


def test_triggers_never_run_and_the_file_is_not_written(saved):
    run_sql(
        saved,
        f"CREATE TRIGGER wipe AFTER UPDATE ON {STATE_TABLE} BEGIN "
        f"DELETE FROM {STATE_TABLE}; END",
    )
    before = saved.read_bytes()
    saved.chmod(stat.S_IRUSR)  # read-only: opening must not need to write
    try:
        project = load_project(saved)
    finally:
        saved.chmod(stat.S_IRUSR | stat.S_IWUSR)
    assert len(project.layers) == 2
    assert saved.read_bytes() == before


# -- time and size budgets ----------------------------------------------------------
def test_any_query_stops_at_the_time_budget(saved, monkeypatch):
    run_sql(saved, f"CREATE VIEW endless AS {ENDLESS}")
    monkeypatch.setattr(limits, "SQLITE_QUERY_SECONDS", 0.2)
    started = time.monotonic()
    with (
        project_file._Reader(saved) as reader,
        pytest.raises(ProjectFileError, match=r"took longer than 0\.2 s"),
    ):
        reader.query("the endless view", "SELECT count(*) FROM endless")
    assert time.monotonic() - started < 2
    with project_file._Reader(saved) as reader:  # the next query has its budget
        assert reader.query("x", "SELECT 1") == [(1,)]


def test_layer_row_limit(saved, monkeypatch):
    monkeypatch.setattr(limits, "MAX_LAYER_ROWS", 2)
    with pytest.raises(ProjectFileError, match=r"layers\[1\]\.table .*3 rows"):
        load_project(saved)


def test_state_size_limit(saved, monkeypatch):
    monkeypatch.setattr(limits, "MAX_STATE_CHARS", 100)
    with pytest.raises(ProjectFileError, match=r"more than the limit of 100"):
        load_project(saved)


def test_a_deep_state_is_refused_by_the_parser(saved):
    write_raw_state(saved, '{"format": "sahelgis-project", "x": ' + "[" * 100_000)
    with pytest.raises(ProjectFileError) as info:
        load_project(saved)
    assert str(info.value).startswith("P.gpkg: ")


def test_a_state_that_is_not_text_is_refused(saved):
    write_raw_state(saved, b"\xff\xfe")
    with pytest.raises(ProjectFileError, match="not UTF-8"):
        load_project(saved)
    with contextlib.closing(sqlite3.connect(saved)) as con:
        con.execute(f"UPDATE {STATE_TABLE} SET value = NULL")
        con.commit()
    with pytest.raises(ProjectFileError, match="an SQL null"):
        load_project(saved)
