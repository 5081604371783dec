"""``sahelgis buffer|corridor|counts`` against brute force (issue 15, point 4).

Hypothesis writes the generated events as an ACLED-like CSV (EPSG:4326
lon/lat degrees), runs the command line and reads the last stdout line,
``total: N events``; the brute force counts the same events from the
generated coordinates (WGS84 geodesic metres, shapely contains in lon/lat).
The edge tolerances are those of the analysis tests.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from pathlib import Path

import numpy as np
import pytest
from bruteforce import (
    boundary_distance_deg,
    distance_to_polyline_m,
    geodesic_m,
    in_window,
    lonlat_near,
    point_near_road,
    points_in_polygons,
    write_acled_csv,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_bruteforce_areas import AREA_EDGE_TOL_DEG
from test_bruteforce_buffers import BUFFER_EDGE_TOL_M
from test_bruteforce_corridors import BUNDLED_ROAD_TOL_M, CORRIDOR_TOL_REL

from sahelgis.__main__ import main
from sahelgis.io.basedata import base_layers

TOTAL = re.compile(r"^total: (\d+) events")
SETTINGS = settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
_LAYERS = {layer.role: layer.data for layer in base_layers()}
DAYS = st.dates(dt.date(2021, 1, 1), dt.date(2024, 12, 31))


def _total(argv: list[str], capsys: pytest.CaptureFixture[str]) -> int:
    capsys.readouterr()
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 0, err
    last = out.rstrip("\n").split("\n")[-1]
    match = TOTAL.match(last)
    assert match, out
    return int(match.group(1))


def _csv(tmp: str, lon: list[float], lat: list[float], days: list) -> str:
    return str(write_acled_csv(Path(tmp) / "events.csv", lon, lat, days))


@SETTINGS
@given(
    centre=st.tuples(st.floats(-10.0, -6.0), st.floats(11.0, 15.0)),
    radius_km=st.integers(5, 150),
    data=st.data(),
)
def test_cli_buffer_total(
    centre: tuple[float, float],
    radius_km: int,
    data: st.DataObject,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``buffer --at LON,LAT --radius Rkm --by none [--from --to]``: the total
    is the number of events with geodesic distance ≤ R in the window."""
    radius = radius_km * 1000.0
    points = data.draw(
        st.lists(lonlat_near(*centre, radius * 1.3), min_size=1, max_size=40)
    )
    days = data.draw(st.lists(DAYS, min_size=len(points), max_size=len(points)))
    window = data.draw(st.none() | st.tuples(DAYS, DAYS).map(sorted))
    lon = [p[0] for p in points]
    lat = [p[1] for p in points]
    with tempfile.TemporaryDirectory() as tmp:
        argv = ["buffer", _csv(tmp, lon, lat, days), "--at",
                f"{centre[0]!r},{centre[1]!r}", "--radius", f"{radius_km}km",
                "--by", "none"]  # fmt: skip
        if window:
            argv += ["--from", str(window[0]), "--to", str(window[1])]
        total = _total(argv, capsys)
    start, end = window or (None, None)
    considered = in_window(np.array(days, dtype="datetime64[D]"), start, end)
    d = geodesic_m(*centre, np.array(lon), np.array(lat))
    inside = (d <= radius) & considered
    edge = (np.abs(d - radius) <= BUFFER_EDGE_TOL_M) & considered
    assert abs(total - int(inside.sum())) <= int(edge.sum())


@SETTINGS
@given(
    ref=st.sampled_from(["RN4", "RN6"]),
    within_km=st.sampled_from([1, 5, 10, 20]),
    data=st.data(),
)
def test_cli_corridor_total(
    ref: str, within_km: int, data: st.DataObject, capsys: pytest.CaptureFixture[str]
) -> None:
    """``corridor --road REF --within Wkm`` on the bundled roads: the total is
    the number of events within W of the geodesic road (edge band
    BUNDLED_ROAD_TOL_M + CORRIDOR_TOL_REL·W)."""
    roads = _LAYERS["roads"]
    line = roads[roads["ref"] == ref].geometry.iloc[0]
    within = within_km * 1000.0
    spots = data.draw(
        st.lists(
            st.tuples(
                st.integers(0, 2), st.floats(0, 1), st.floats(0, 360), st.floats(0, 1.5)
            ),
            min_size=1,
            max_size=40,
        )
    )
    points = [point_near_road(line, k, f, b, o * within) for k, f, b, o in spots]
    lon = [p[0] for p in points]
    lat = [p[1] for p in points]
    days = data.draw(st.lists(DAYS, min_size=len(points), max_size=len(points)))
    with tempfile.TemporaryDirectory() as tmp:
        argv = ["corridor", _csv(tmp, lon, lat, days), "--road", ref, "--within",
                f"{within_km}km"]  # fmt: skip
        total = _total(argv, capsys)
    d = distance_to_polyline_m(line, np.array(lon), np.array(lat))
    tolerance = BUNDLED_ROAD_TOL_M + CORRIDOR_TOL_REL * within
    edge = np.abs(d - within) <= tolerance
    assert abs(total - int((d <= within).sum())) <= int(edge.sum())


@SETTINGS
@given(kind=st.sampled_from(["cercle", "region"]), data=st.data())
def test_cli_counts_total(
    kind: str, data: st.DataObject, capsys: pytest.CaptureFixture[str]
) -> None:
    """``counts --by cercle|region``: the total is the number of (area, event)
    pairs where the lon/lat polygon contains the event."""
    n = data.draw(st.integers(1, 40))
    lon = data.draw(st.lists(st.floats(-12.0, -4.0), min_size=n, max_size=n))
    lat = data.draw(st.lists(st.floats(10.0, 16.5), min_size=n, max_size=n))
    days = data.draw(st.lists(DAYS, min_size=n, max_size=n))
    with tempfile.TemporaryDirectory() as tmp:
        total = _total(["counts", _csv(tmp, lon, lat, days), "--by", kind], capsys)
    areas = _LAYERS["cercles" if kind == "cercle" else "regions"]
    geoms = list(areas.geometry)
    inside = points_in_polygons(geoms, np.array(lon), np.array(lat))
    edge = boundary_distance_deg(geoms, np.array(lon), np.array(lat))
    assert abs(total - int(inside.sum())) <= int((edge <= AREA_EDGE_TOL_DEG).sum())
