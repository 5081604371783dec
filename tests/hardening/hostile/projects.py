"""Hostile project files: bad values in the state JSON, views and triggers in
place of our tables, event caches that would unpack to gigabytes.

Each case starts from a small real project (20 events, 3 towns) saved by
``save_project``, then damages it. A bad optional value must open with a
one-line warning naming the key; a bad structural one must be refused with one
``ProjectFileError`` line naming the file. Cases that used to crash the
renderer also go through ``sahelgis --snapshot``; refused ones also through the
GUI start with the file remembered as the last project, which must forget it.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import sqlite3
import struct
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from random import Random
from typing import Any
from unittest import mock

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import shapely

from sahelgis.errors import ProjectFileError
from sahelgis.io import limits
from sahelgis.io.project_file import CACHE_TABLE, STATE_TABLE, load_project
from sahelgis.io.project_schema import ProjectState
from tests.hardening.hostile import HostileCase

NAME = "P.gpkg"
#: A view that never ends: counting up from 1 without a bound.
ENDLESS = (
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) "
    "SELECT i AS table_name, i AS rows, i AS arrow FROM n"
)


# -- building -----------------------------------------------------------------
def small_project(folder: Path, rng: Random) -> Path:
    """A real saved project: 20 events (with their Arrow cache) and 3 towns."""
    from sahelgis.io.project_file import save_project
    from sahelgis.model.events import EventTable, optimise_dtypes
    from sahelgis.model.layer_factory import event_layer
    from sahelgis.model.layers import VectorLayer
    from sahelgis.model.project import Project

    rows = []
    for k in range(20):
        rows.append(
            {
                "event_id_cnty": f"HOS{k:03d}",
                "event_date": f"20{18 + k % 6}-0{1 + k % 9}-1{k % 10}",
                "year": 2018 + k % 6,
                "time_precision": 1,
                "event_type": ["Battles", "Riots", "Protests"][k % 3],
                "sub_event_type": "Armed clash",
                "actor1": "Actor A",
                "actor2": "Actor B",
                "location": f"Town {k % 3}",
                "latitude": 13.0 + rng.random(),
                "longitude": -8.0 + rng.random(),
                "geo_precision": 1,
                "fatalities": rng.randrange(5),
                "notes": f"event {k}",
                "source": "hostile corpus",
            }
        )
    frame = pd.DataFrame(rows)
    frame["event_date"] = pd.to_datetime(frame["event_date"])
    events = event_layer(EventTable(optimise_dtypes(frame)), "events.csv")
    towns = VectorLayer(
        name="Towns",
        role="places",
        data=gpd.GeoDataFrame(
            {"name": ["Nara", "Banamba", "Kati"]},
            geometry=[
                shapely.Point(-7.29, 15.17),
                shapely.Point(-7.45, 13.55),
                shapely.Point(-8.07, 12.74),
            ],
            crs="EPSG:4326",
        ),
    )
    project = Project([events, towns])
    project.set_view_extent((-2e5, -2e5, 2e5, 2e5))
    return save_project(project, folder / NAME)


def read_raw_state(path: Path) -> Any:
    with contextlib.closing(sqlite3.connect(path)) as con:
        (text,) = con.execute(
            f"SELECT value FROM {STATE_TABLE} WHERE key='state'"
        ).fetchone()
    return json.loads(text)


def write_raw_state(path: Path, text: str | bytes) -> None:
    with contextlib.closing(sqlite3.connect(path)) as con:
        con.execute(f"UPDATE {STATE_TABLE} SET value=? WHERE key='state'", (text,))
        con.commit()


def edited(change: Callable[[dict[str, Any]], object]) -> Callable[..., Path]:
    """A builder: the small project with ``change`` applied to its state JSON."""

    def build(folder: Path, rng: Random) -> Path:
        path = small_project(folder, rng)
        state = read_raw_state(path)
        change(state)
        write_raw_state(path, json.dumps(state))  # NaN/Infinity as Python writes
        return path

    return build


def with_sql(*statements: str) -> Callable[..., Path]:
    """A builder: the small project with SQL run on it (views, triggers)."""

    def build(folder: Path, rng: Random) -> Path:
        path = small_project(folder, rng)
        state = read_raw_state(path)
        tables = {
            "EVENTS": state["layers"][0]["table"],
            "TOWNS": state["layers"][1]["table"],
        }
        with contextlib.closing(sqlite3.connect(path)) as con:
            for sql in statements:
                for key, table in tables.items():
                    sql = sql.replace(key, table)
                con.executescript(sql)
            con.commit()
        return path

    return build


def set_path(*keys: Any, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(state: dict[str, Any]) -> None:
        target = state
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value

    return change


def with_text(make: Callable[[Random], str]) -> Callable[..., Path]:
    """A builder: the small project whose state is replaced by raw JSON text."""

    def build(folder: Path, rng: Random) -> Path:
        path = small_project(folder, rng)
        write_raw_state(path, make(rng))
        return path

    return build


#: The cache rows holding packed text (the notes), beside each layer's row.
PACKED_ROWS = "%/packed/%"


def with_cache_blob(make: Callable[[], bytes]) -> Callable[..., Path]:
    """A builder: the events' Arrow cache replaced by ``make()``."""

    def build(folder: Path, rng: Random) -> Path:
        path = small_project(folder, rng)
        with contextlib.closing(sqlite3.connect(path)) as con:
            con.execute(
                f"UPDATE {CACHE_TABLE} SET arrow=? WHERE table_name NOT LIKE ?",
                (make(), PACKED_ROWS),
            )
            con.commit()
        return path

    return build


def declared_bomb() -> bytes:
    """A 1 MB column of zeros, LZ4-packed, whose buffer declares 1.5 GB unpacked:
    Arrow would allocate what the buffer declares before unpacking it.
    """
    table = pa.table({"x": pa.array(np.zeros(1 << 20, dtype=np.uint8))})
    sink = pa.BufferOutputStream()
    options = pa.ipc.IpcWriteOptions(compression="lz4")
    with pa.ipc.new_stream(sink, table.schema, options=options) as writer:
        writer.write_table(table)
    blob = bytearray(sink.getvalue().to_pybytes())
    # the declared length is the 8 bytes before the LZ4 frame (magic 04 22 4D 18)
    at = blob.find(b"\x04\x22\x4d\x18", 8) - 8
    (declared,) = struct.unpack_from("<q", blob, at)
    assert declared == 1 << 20
    struct.pack_into("<q", blob, at, 1_500_000_000)
    return bytes(blob)


def null_rows_bomb() -> bytes:
    """A column of type null and 1.5 billion rows: no buffers at all, so a few
    hundred bytes on disk, but 12 GB of ``None`` once turned into pandas.
    """
    table = pa.table({"x": pa.nulls(1_500_000_000)})  # costs no memory here
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table, max_chunksize=1 << 31)
    return sink.getvalue().to_pybytes()


def _stream_bytes(table: pa.Table) -> bytes:
    """``table`` as one Arrow IPC stream (no compression)."""
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def with_display_xy(forge: Callable[[np.ndarray, np.ndarray], tuple]) -> Callable:
    """A builder: the events' cache rewritten with map coordinates ``forge``
    makes from the true ones (x, y in the display CRS)."""

    def build(folder: Path, rng: Random) -> Path:
        from sahelgis.io import events_gpkg
        from sahelgis.model import crs

        path = small_project(folder, rng)
        with contextlib.closing(sqlite3.connect(path)) as con:
            ((blob,),) = con.execute(
                f"SELECT arrow FROM {CACHE_TABLE} WHERE table_name NOT LIKE ?",
                (PACKED_ROWS,),
            ).fetchall()
            table = pa.ipc.open_stream(blob).read_all()
            lon = table.column("longitude").to_numpy()
            lat = table.column("latitude").to_numpy()
            x, y = crs.to_display().transform(lon, lat)
            fx, fy = forge(np.asarray(x), np.asarray(y))
            table = table.append_column(events_gpkg.DISPLAY_X, pa.array(fx))
            table = table.append_column(events_gpkg.DISPLAY_Y, pa.array(fy))
            metadata = dict(table.schema.metadata or {})
            metadata[events_gpkg.DISPLAY_CRS_KEY] = crs.DISPLAY_CRS_PROJ4.encode()
            table = table.replace_schema_metadata(metadata)
            con.execute(
                f"UPDATE {CACHE_TABLE} SET arrow=? WHERE table_name NOT LIKE ?",
                (_stream_bytes(table), PACKED_ROWS),
            )
            con.commit()
        return path

    return build


def with_packed_notes(forge: Callable[[pa.Table], pa.Table | None]) -> Callable:
    """A builder: the events' packed notes (one cache row, a table of zstd
    blocks) replaced by what ``forge`` makes of them; None deletes the row."""

    def build(folder: Path, rng: Random) -> Path:
        path = small_project(folder, rng)
        with contextlib.closing(sqlite3.connect(path)) as con:
            ((blob,),) = con.execute(
                f"SELECT arrow FROM {CACHE_TABLE} WHERE table_name LIKE ?",
                (PACKED_ROWS,),
            ).fetchall()
            table = forge(pa.ipc.open_stream(blob).read_all())
            if table is None:
                con.execute(
                    f"DELETE FROM {CACHE_TABLE} WHERE table_name LIKE ?",
                    (PACKED_ROWS,),
                )
            else:
                con.execute(
                    f"UPDATE {CACHE_TABLE} SET arrow=? WHERE table_name LIKE ?",
                    (_stream_bytes(table), PACKED_ROWS),
                )
            con.commit()
        return path

    return build


def not_utf8_block(table: pa.Table) -> pa.Table:
    """The first block rewritten to hold 2 bytes that are not UTF-8 per row,
    its sizes declared to match, so only the text check can refuse it."""
    n = table.column("rows")[0].as_py()
    offsets = np.arange(0, 2 * (n + 1), 2, dtype=np.int32)
    block = pa.Codec("zstd").compress(offsets.tobytes() + b"\xff\xfe" * n, asbytes=True)
    blocks = table.column("block").to_pylist()
    blocks[0] = block
    sizes = table.column("data_bytes").to_numpy().copy()
    sizes[0] = 2 * n
    table = table.set_column(1, "data_bytes", pa.array(sizes))
    return table.set_column(3, "block", pa.array(blocks, pa.binary()))


def notes_true(project: Any) -> None:
    """The events' notes are the text the project was saved with."""
    notes = project.layers[0].events.frame["notes"]
    assert sorted(notes.tolist()) == sorted(f"event {k}" for k in range(20))


def map_coordinates_true(project: Any) -> None:
    """The events' map coordinates are their lon/lat projected by pyproj."""
    from sahelgis.model import crs

    events = project.layers[0].events
    x, y = project.layers[0].display_xy()
    tx, ty = crs.to_display().transform(events.lon, events.lat)
    np.testing.assert_allclose(x, tx, atol=1e-3)
    np.testing.assert_allclose(y, ty, atol=1e-3)


# -- checking -----------------------------------------------------------------
def one_line(text: str) -> None:
    assert text, text
    assert "\n" not in text.strip(), text
    assert "Traceback" not in text, text


def opens(*keys: str, check: Callable[[Any], None] | None = None) -> Callable:
    """Check: the project opens, each key is named by a one-line warning, and
    every value of the result passes the schema.
    """

    def run(path: Path, scratch: Path) -> None:
        project = load_project(path)
        lines = project.load_warnings
        for line in lines:
            one_line(line)
            assert line.startswith(f"{path.name}: "), line
        for key in keys:
            assert any(key in line for line in lines), (key, lines)
        if not keys:
            assert lines == [], lines
        assert_passes_schema(project)
        if check is not None:
            check(project)

    return run


def refused(*words: str) -> Callable:
    """Check: ``load_project`` refuses with one line naming the file and words."""

    def run(path: Path, scratch: Path) -> None:
        started = time.monotonic()
        try:
            load_project(path)
        except ProjectFileError as exc:
            message = str(exc)
        else:
            raise AssertionError(f"{path.name} was opened")
        one_line(message)
        assert message.startswith(f"{path.name}: "), message
        for word in words:
            assert word in message, (word, message)
        assert time.monotonic() - started < 2.0

    return run


def assert_passes_schema(project: Any) -> None:
    """The opened project, written back as state, passes the schema unchanged."""
    state = {
        "format": "sahelgis-project",
        "version": 1,
        "layers": [
            layer.metadata() | {"table": f"t{i}"}
            for i, layer in enumerate(project.layers)
        ],
        "view_extent": list(project.view_extent) if project.view_extent else None,
        "time_window": project.time_window.to_dict(),
        "event_filter": project.event_filter.to_dict(),
        "selection": project.selection.to_dict() if project.selection else None,
        "extra": project.extra_state,
    }
    ProjectState.model_validate(json.loads(json.dumps(state)))


@contextlib.contextmanager
def isolated_gui(scratch: Path) -> Iterator[None]:
    """QSettings, recovery files and tile cache in ``scratch``; no event loop."""
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(scratch / "settings"))
    with (
        mock.patch("sahelgis.ui.autosave.recovery_base", return_value=scratch / "data"),
        mock.patch.dict("os.environ", {"SAHELGIS_TILE_CACHE": str(scratch / "t")}),
        mock.patch.object(QApplication, "exec", return_value=0),
    ):
        try:
            yield
        finally:
            from sahelgis.ui.main_window import MainWindow

            for widget in QApplication.topLevelWidgets():
                if isinstance(widget, MainWindow):
                    widget.project.mark_saved()
                    widget.close()
                    widget.deleteLater()


def snapshot(expect: int, *words: str) -> Callable:
    """Check: ``sahelgis --snapshot`` in-process exits ``expect``, no crash; on
    failure one stderr line naming the file.
    """

    def run(path: Path, scratch: Path) -> None:
        from sahelgis.__main__ import main

        out = scratch / "snap.png"
        err = io.StringIO()
        with (
            isolated_gui(scratch),
            contextlib.redirect_stderr(err),
            contextlib.redirect_stdout(io.StringIO()),
        ):
            code = main(["--snapshot", str(out), "--size", "400x300", str(path)])
        assert code == expect, (code, err.getvalue())
        lines = err.getvalue().strip().splitlines()
        if expect == 0:
            assert out.exists()
            assert all(line.startswith("sahelgis: warning: ") for line in lines)
        else:
            assert len(lines) == 1, lines
            assert lines[0].startswith(f"sahelgis: {path.name}: "), lines
            for word in words:
                assert word in lines[0], (word, lines)

    return run


def last_project_forgotten(path: Path, scratch: Path) -> None:
    """Check: started with ``path`` remembered as the last project, the GUI
    opens a new project instead and the setting no longer names ``path``.
    """
    from sahelgis.__main__ import main
    from sahelgis.ui import settings as app_settings

    err = io.StringIO()
    with isolated_gui(scratch), contextlib.redirect_stderr(err):
        app_settings.remember_project(path)
        assert app_settings.last_project() == path
        code = main([])
        assert code == 0
        assert app_settings.last_project() is None
    lines = err.getvalue().strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"sahelgis: {path.name}: "), lines


def both(*checks: Callable[[Path, Path], None]) -> Callable[[Path, Path], None]:
    def run(path: Path, scratch: Path) -> None:
        for check in checks:
            sub = scratch / f"check{checks.index(check)}"
            sub.mkdir()
            check(path, sub)

    return run


def small_memory(check: Callable, megabytes: int) -> Callable:
    """Check: as ``check``, allocating less than ``megabytes`` MB (Python heap)."""

    def run(path: Path, scratch: Path) -> None:
        tracemalloc.start()
        try:
            check(path, scratch)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert peak < megabytes * 1e6, f"{peak / 1e6:.0f} MB"

    return run


def file_unchanged(check: Callable) -> Callable:
    """Check: as ``check``, and the file's bytes are the same afterwards."""

    def run(path: Path, scratch: Path) -> None:
        before = path.read_bytes()
        check(path, scratch)
        assert path.read_bytes() == before

    return run


def _deep(rng: Random) -> str:
    depth = 10_000
    state = json.loads(json.dumps({"format": "sahelgis-project", "version": 1}))
    head = json.dumps(state)[:-1]
    return head + ', "extra": {"x": ' + "[" * depth + "]" * depth + "}}"


def _many_layers(rng: Random) -> str:
    return json.dumps(
        {"format": "sahelgis-project", "version": 1, "layers": [{}] * 100_000},
        separators=(",", ":"),
    )


def _huge_int(rng: Random) -> str:
    digits = "".join(str(rng.randrange(10)) for _ in range(5_000))
    return '{"format": "sahelgis-project", "version": 1, "layers": [], ' + (
        f'"view_extent": [{digits}, 0, 1, 1]}}'
    )


def _is_nan_free(project: Any) -> None:
    for layer in project.layers:
        assert math.isfinite(layer.opacity)
        assert 0 <= layer.opacity <= 1
        assert math.isfinite(layer.style.size)


# -- the cases ----------------------------------------------------------------
def _case(name: str, expect: str, build: Callable, check: Callable) -> HostileCase:
    return HostileCase(f"project_{name}", "project", expect, build, check)


NAN, INF = float("nan"), float("inf")
TOP_LEVEL_WRONG_TYPES = {
    # key: (value, refused?)
    "format": (3, True),
    "version": ([], True),
    "layers": ({"a": 1}, True),
    "app_version": (5, False),
    "display_crs": ([], False),
    "view_extent": ("everything", False),
    "time_window": (7, False),
    "event_filter": ([1, 2], False),
    "selection": (True, False),
    "extra": ("x", False),
}

CASES: list[HostileCase] = [
    _case(
        "opacity_nan",
        "opens; layers[0].opacity NaN reset to 1.0 with a warning; --snapshot exits 0",
        edited(set_path("layers", 0, "opacity", value=NAN)),
        both(opens("layers[0].opacity", check=_is_nan_free), snapshot(0)),
    ),
    _case(
        "opacity_1e9",
        "opens; layers[0].opacity 1e9 reset to 1.0 with a warning",
        edited(set_path("layers", 0, "opacity", value=1e9)),
        opens("layers[0].opacity", check=_is_nan_free),
    ),
    _case(
        "size_nan",
        "opens; layers[0].style.size NaN reset to 4.0; --snapshot exits 0 "
        "(used to segfault)",
        edited(set_path("layers", 0, "style", "size", value=NAN)),
        both(opens("layers[0].style.size", check=_is_nan_free), snapshot(0)),
    ),
    _case(
        "size_1e9",
        "opens; layers[0].style.size 1e9 reset to 4.0; --snapshot exits 0",
        edited(set_path("layers", 0, "style", "size", value=1e9)),
        both(opens("layers[0].style.size", check=_is_nan_free), snapshot(0)),
    ),
    _case(
        "size_infinity",
        "opens; layers[1].style.size Infinity and label_size -Infinity reset",
        edited(lambda s: s["layers"][1]["style"].update(size=INF, label_size=-INF)),
        opens("layers[1].style.size", "layers[1].style.label_size"),
    ),
    _case(
        "view_extent_nan",
        "opens; view_extent with NaN dropped (whole map shown) with a warning",
        edited(set_path("view_extent", value=[NAN, 0.0, 1.0, 1.0])),
        opens("view_extent", check=lambda p: _expect(p.view_extent is None)),
    ),
    _case(
        "view_extent_huge",
        "opens; view_extent of ±1e300 m dropped with a warning",
        edited(set_path("view_extent", value=[-1e300, -1e300, 1e300, 1e300])),
        opens("view_extent", check=lambda p: _expect(p.view_extent is None)),
    ),
    _case(
        "view_extent_short",
        "opens; view_extent of 3 numbers dropped with a warning",
        edited(set_path("view_extent", value=[0.0, 1.0, 2.0])),
        opens("view_extent", check=lambda p: _expect(p.view_extent is None)),
    ),
    _case(
        "view_extent_inverted",
        "opens; view_extent with xmin > xmax dropped with a warning",
        edited(set_path("view_extent", value=[5.0, 0.0, 1.0, 1.0])),
        opens("view_extent"),
    ),
    _case(
        "min_fatalities_inf",
        "opens; event_filter.min_fatalities Infinity reset to 0",
        edited(set_path("event_filter", "min_fatalities", value=INF)),
        opens(
            "event_filter.min_fatalities",
            check=lambda p: _expect(p.event_filter.min_fatalities == 0),
        ),
    ),
    _case(
        "min_fatalities_negative",
        "opens; event_filter.min_fatalities -1 reset to 0",
        edited(set_path("event_filter", "min_fatalities", value=-1)),
        opens("event_filter.min_fatalities"),
    ),
    _case(
        "min_fatalities_text",
        "opens; event_filter.min_fatalities 'x' reset to 0",
        edited(set_path("event_filter", "min_fatalities", value="x")),
        opens("event_filter.min_fatalities"),
    ),
    _case(
        "version_text",
        "refused: 'version: 'x' is not a whole number'",
        edited(set_path("version", value="x")),
        both(refused("version"), snapshot(1, "version")),
    ),
    _case(
        "version_1e300",
        "refused: version 1e300 is not a whole number",
        edited(set_path("version", value=1e300)),
        refused("version"),
    ),
    _case(
        "version_newer",
        "refused: made by a newer SahelGIS (format 99)",
        edited(set_path("version", value=99)),
        refused("newer"),
    ),
    _case(
        "window_length_nan",
        "opens; time_window.length NaN reset to 12",
        edited(set_path("time_window", "length", value=NAN)),
        opens(
            "time_window.length",
            check=lambda p: _expect(p.time_window.length == 12),
        ),
    ),
    _case(
        "window_length_1e18",
        "opens; time_window.length 1e18 reset to 12",
        edited(set_path("time_window", "length", value=10**18)),
        opens("time_window.length"),
    ),
    _case(
        "window_dates_bad",
        "opens; time_window.start 'yesterday' and end 99999-01-01 reset",
        edited(lambda s: s["time_window"].update(start="yesterday", end="99999-01-01")),
        opens("time_window.start", "time_window.end"),
    ),
    _case(
        "deep_json",
        "refused quickly: state nested 10,000 levels deep",
        with_text(_deep),
        refused("deeper"),
    ),
    _case(
        "huge_integer",
        "refused: a 5,000-digit integer in the state",
        with_text(_huge_int),
        refused("damaged"),
    ),
    _case(
        "state_array",
        "refused: the state is a JSON list, not an object",
        with_text(lambda rng: "[1, 2, 3]"),
        refused("list"),
    ),
    _case(
        "state_not_utf8",
        "refused: the state is bytes that are not UTF-8",
        with_text(lambda rng: b"\xff\xfe{\x00}"),  # type: ignore[arg-type,return-value]
        refused("UTF-8"),
    ),
    _case(
        "layers_100k",
        f"refused in well under 2 s with little memory: 100,000 layer entries "
        f"(limit {limits.MAX_LAYERS:,})",
        with_text(_many_layers),
        small_memory(refused("layers", "100,000"), 64),
    ),
    _case(
        "long_name",
        "opens; a 1,000,000-character layer name cut to 1,000 with a warning",
        edited(set_path("layers", 1, "name", value="N" * 1_000_000)),
        opens(
            "layers[1].name",
            check=lambda p: _expect(len(p.layers[1].name) == limits.MAX_NAME_CHARS),
        ),
    ),
    _case(
        "unknown_keys",
        "opens without warnings; unknown keys ignored, unknown extra keys kept",
        edited(
            lambda s: (
                s.update(zzz=[1, 2], layers_v2={"a": 1})
                or s["layers"][0].update(future_flag=True)
                or s["extra"].update(plugin_state={"k": "v"})
            )
        ),
        opens(check=lambda p: _expect(p.extra_state.get("plugin_state") == {"k": "v"})),
    ),
    _case(
        "duplicate_layer_ids",
        "refused: two layers with the same id",
        edited(lambda s: s["layers"][1].update(id=s["layers"][0]["id"])),
        refused("used twice"),
    ),
    _case(
        "layer_id_markup",
        "refused: a layer id that is markup, not letters and digits",
        edited(set_path("layers", 0, "id", value="<img src=/dev/zero>")),
        refused("layers[0].id"),
    ),
    _case(
        "colour_markup",
        "opens; layers[0].style.color '<img src=/dev/zero>' reset to #444444",
        edited(set_path("layers", 0, "style", "color", value="<img src=/dev/zero>")),
        opens("layers[0].style.color"),
    ),
    _case(
        "selection_bad_wkt",
        "opens; a selection whose WKT is not a polygon dropped with a warning",
        edited(set_path("selection", value={"wkt": "POINT (1 nan)", "label": "x"})),
        opens("selection", check=lambda p: _expect(p.selection is None)),
    ),
    _case(
        "figure_dpi_1e9",
        "opens; extra.figures[0].dpi 1e9 reset to 200; the other figure is kept",
        edited(
            set_path(
                "extra",
                "figures",
                value=[{"name": "A", "dpi": 10**9}, {"name": "B", "width_in": NAN}],
            )
        ),
        opens("extra.figures[0].dpi", "extra.figures[1].width_in"),
    ),
    _case(
        "basemap_wrong_shape",
        "opens; extra.basemap whose max_zoom is 1e9 and provider a list dropped",
        edited(
            set_path("extra", "basemap", value={"provider": ["x"], "max_zoom": 10**9})
        ),
        opens("extra.basemap"),
    ),
    _case(
        "cache_recursive_view",
        "opens in well under 2 s; the event cache, an endless recursive view, is "
        "ignored with a warning and events read from their table",
        with_sql(
            f"DROP TABLE {CACHE_TABLE}", f"CREATE VIEW {CACHE_TABLE} AS {ENDLESS}"
        ),
        both(
            opens(
                CACHE_TABLE, check=lambda p: _expect(p.layers[0].feature_count == 20)
            ),
            snapshot(0),
        ),
    ),
    _case(
        "layer_recursive_view",
        "refused in well under 2 s: a layer table replaced by an endless recursive "
        "view (GDAL never sees it); --snapshot exits 1; not reopened at next start",
        with_sql(
            "DROP TABLE TOWNS",
            "CREATE VIEW TOWNS AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL "
            "SELECT i + 1 FROM n) SELECT i AS fid, NULL AS geom, i AS name FROM n",
        ),
        both(
            refused("layers[1].table", "view"),
            snapshot(1, "view"),
            last_project_forgotten,
        ),
    ),
    _case(
        "gpkg_contents_view",
        "refused: gpkg_contents replaced by an endless recursive view",
        with_sql(
            "ALTER TABLE gpkg_contents RENAME TO old_contents",
            "CREATE VIEW gpkg_contents AS WITH RECURSIVE n(i) AS (SELECT 1 UNION "
            "ALL SELECT i + 1 FROM n) SELECT * FROM old_contents, n",
        ),
        both(refused("gpkg_contents", "view"), last_project_forgotten),
    ),
    _case(
        "trigger",
        "opens; triggers that would wipe the state never run and the file is "
        "unchanged after open and --snapshot",
        with_sql(
            f"CREATE TRIGGER wipe AFTER UPDATE ON {STATE_TABLE} BEGIN "
            f"DELETE FROM {STATE_TABLE}; END",
            f"CREATE TRIGGER wipe2 AFTER INSERT ON {CACHE_TABLE} BEGIN "
            "DELETE FROM gpkg_contents; END",
            "CREATE TRIGGER wipe3 BEFORE DELETE ON TOWNS BEGIN "
            "DELETE FROM gpkg_contents; END",
        ),
        file_unchanged(both(opens(), snapshot(0))),
    ),
    _case(
        "lz4_bomb",
        "opens with little memory; an event cache declaring 1.5 GB unpacked is "
        "not unpacked (warning), events read from their table",
        with_cache_blob(declared_bomb),
        small_memory(opens("would unpack"), 200),
    ),
    _case(
        "null_rows_bomb",
        "opens with little memory; an event cache of 1.5 billion null rows (a few "
        "hundred bytes) is not unpacked (warning), events read from their table",
        with_cache_blob(null_rows_bomb),
        small_memory(opens("would unpack"), 200),
    ),
    _case(
        "cache_garbage",
        "opens; an event cache of random bytes is ignored with a warning",
        with_cache_blob(lambda: bytes(range(256)) * 4),
        opens("damaged"),
    ),
    _case(
        "cache_map_xy_moved",
        "opens; map coordinates in the event cache moved 50 km east of the events "
        "are refused with a warning and computed again from lon/lat",
        with_display_xy(lambda x, y: (x + 50_000.0, y)),
        opens("do not match", check=map_coordinates_true),
    ),
    _case(
        "cache_map_xy_nan",
        "opens; map coordinates in the event cache that are all NaN are refused "
        "with a warning and computed again",
        with_display_xy(lambda x, y: (x * np.nan, y * np.nan)),
        opens("do not match", check=map_coordinates_true),
    ),
    _case(
        "cache_map_xy_text",
        "opens; map coordinate columns of text in the event cache are dropped and "
        "the coordinates computed from lon/lat",
        with_display_xy(lambda x, y: (x.astype(str), y.astype(str))),
        opens(check=map_coordinates_true),
    ),
    _case(
        "cache_notes_not_utf8",
        "opens; packed notes in the event cache whose block holds bytes that are "
        "not UTF-8 (sizes forged to match) are refused with a warning and the "
        "events read from their table",
        with_packed_notes(not_utf8_block),
        opens("packed text is damaged", check=notes_true),
    ),
    _case(
        "cache_notes_missing",
        "opens; an event cache whose packed notes row was deleted is refused with "
        "a warning and the events read from their table",
        with_packed_notes(lambda table: None),
        opens("packed 'notes' text is missing", check=notes_true),
    ),
    _case(
        "layer_table_missing",
        "refused: layers[1].table names a table that does not exist",
        with_sql("DROP TABLE TOWNS"),
        both(refused("layers[1].table", "missing"), last_project_forgotten),
    ),
    _case(
        "layer_table_reserved",
        "refused: a layer whose table is the GeoPackage's own gpkg_contents",
        edited(set_path("layers", 1, "table", value="gpkg_contents")),
        refused("layers[1].table"),
    ),
    _case(
        "layer_kind_unknown",
        "refused: a layer of kind 'script'",
        edited(set_path("layers", 0, "kind", value="script")),
        refused("layers[0].kind"),
    ),
    *[
        _case(
            f"wrong_type_{key}",
            (
                f"refused: top-level '{key}' of the wrong type"
                if refuse
                else f"opens; top-level '{key}' of the wrong type reset with a warning"
            ),
            edited(set_path(key, value=value)),
            refused(key) if refuse else opens(key),
        )
        for key, (value, refuse) in TOP_LEVEL_WRONG_TYPES.items()
    ],
]


def _expect(condition: bool) -> None:
    assert condition
