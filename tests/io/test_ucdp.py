"""UCDP GED CSVs read into the ACLED-shaped event table (made-up rows, never real)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from sahelgis.__main__ import main
from sahelgis.errors import InputError
from sahelgis.io.events_file import event_file_kind, read_events
from sahelgis.io.ucdp import (
    DATE_PREC_TO_TIME_PRECISION,
    GED_COLUMNS,
    WHERE_PREC_TO_GEO_PRECISION,
    read_ucdp,
)
from sahelgis.model import acled_schema
from sahelgis.model.figure_plan import auto_source_line
from sahelgis.model.figures import FigureSpec
from sahelgis.model.layer_factory import event_layer
from sahelgis.model.project import Project
from sahelgis.model.ucdp_schema import UCDP_ATTRIBUTION


def ged_rows(n: int, seed: int = 17) -> list[dict[str, str]]:
    """Made-up GED rows in the Sahel, every code cycled through."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        day = 1 + int(rng.integers(0, 27))
        best = int(rng.integers(0, 30))
        rows.append(
            {
                "id": str(1000 + i),
                "relid": f"MLI-2023-1-{i}",
                "year": "2023",
                "active_year": "1",
                "code_status": "Clear",
                "type_of_violence": str(1 + i % 3),
                "conflict_name": "Mali: Government",
                "dyad_name": "Government of Mali - JNIM",
                "side_a": f"Side A {i % 4}",
                "side_b": f"Side B {i % 5}",
                "source_headline": f"Made-up headline {i}",
                "where_prec": str(1 + i % 7),
                "where_coordinates": f"Place {i}",
                "adm_1": "Mopti region",
                "adm_2": "Douentza cercle",
                "latitude": f"{14.0 + rng.random():.4f}",
                "longitude": f"{-4.0 + rng.random():.4f}",
                "country": "Mali",
                "region": "Africa",
                "date_prec": str(1 + i % 5),
                "date_start": f"2023-03-{day:02d}",
                "date_end": f"2023-03-{day + 1:02d}",
                "best": str(best),
                "low": str(max(best - 2, 0)),
                "high": str(best + 3),
            }
        )
    return rows


def write_ged(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(GED_COLUMNS))
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in GED_COLUMNS})
    return path


@pytest.fixture
def ged_file(tmp_path):
    return write_ged(tmp_path / "ged_test.csv", ged_rows(35))


def by_id(table, ucdp_id: str):
    frame = table.frame
    return frame[frame["ucdp_id"] == ucdp_id].iloc[0]


def test_has_the_49_codebook_columns():
    assert len(GED_COLUMNS) == 49
    assert len(set(GED_COLUMNS)) == 49


def test_maps_types_actors_ids_and_fatalities(ged_file):
    table, report = read_ucdp(ged_file)
    assert len(table) == 35
    assert report.rows_rejected == 0
    frame = table.frame
    assert tuple(frame.columns[:31]) == acled_schema.CURRENT_COLUMNS
    state, nonstate, onesided = (by_id(table, i) for i in ("1000", "1001", "1002"))
    assert (state.type_of_violence, state.event_type, state.sub_event_type) == (
        1,
        "Battles",
        "Armed clash",
    )
    assert (nonstate.type_of_violence, nonstate.event_type) == (2, "Battles")
    assert (onesided.type_of_violence, onesided.event_type) == (
        3,
        "Violence against civilians",
    )
    assert onesided.sub_event_type == "Attack"
    assert onesided.civilian_targeting == "Civilian targeting"
    assert state.event_id_cnty == "UCDP-1000"
    assert (state.actor1, state.actor2) == ("Side A 0", "Side B 0")
    rows = {r["id"]: r for r in ged_rows(35)}
    for ucdp_id in ("1000", "1007", "1020"):
        row = by_id(table, ucdp_id)
        assert row.fatalities == int(rows[ucdp_id]["best"])
        assert row.fatalities_low == int(rows[ucdp_id]["low"])
        assert row.fatalities_high == int(rows[ucdp_id]["high"])
        assert str(row.event_date)[:10] == rows[ucdp_id]["date_start"]
        assert str(row.date_end)[:10] == rows[ucdp_id]["date_end"]
        assert row.admin1 == "Mopti region"
        assert row.location == f"Place {int(ucdp_id) - 1000}"
    assert set(frame["source"]) == {"UCDP GED"}
    assert bool(np.all(np.diff(table.dates.astype("int64")) >= 0))


def test_precisions_follow_the_stated_tables(ged_file):
    table, _ = read_ucdp(ged_file)
    frame = table.frame
    for where, geo in WHERE_PREC_TO_GEO_PRECISION.items():
        part = frame[frame["where_prec"] == where]
        assert len(part)
        assert set(part["geo_precision"]) == {geo}
    for date, time in DATE_PREC_TO_TIME_PRECISION.items():
        part = frame[frame["date_prec"] == date]
        assert len(part)
        assert set(part["time_precision"]) == {time}
    assert WHERE_PREC_TO_GEO_PRECISION == {1: 1, 2: 2, 3: 2, 4: 3, 5: 3, 6: 3, 7: 3}
    assert DATE_PREC_TO_TIME_PRECISION == {1: 1, 2: 2, 3: 2, 4: 3, 5: 3}


def test_old_style_timestamps_are_read_as_days(tmp_path):
    rows = ged_rows(2)
    rows[0]["date_start"] = "2019-05-04 00:00:00.000"
    rows[0]["date_end"] = "2019-05-06 00:00:00.000"
    table, report = read_ucdp(write_ged(tmp_path / "old.csv", rows))
    assert report.rows_rejected == 0
    assert str(by_id(table, "1000").event_date)[:10] == "2019-05-04"


def test_bad_rows_are_rejected_with_row_and_field(tmp_path):
    rows = ged_rows(8)
    rows[1]["type_of_violence"] = "4"
    rows[2]["latitude"] = "95"
    rows[3]["date_start"] = "2023-02-30"
    rows[4]["where_prec"] = "9"
    rows[5]["best"] = ""
    rows[6]["id"] = rows[0]["id"]
    rows[7]["date_end"] = "2023-01-01"
    table, report = read_ucdp(write_ged(tmp_path / "bad.csv", rows))
    assert len(table) == 1
    rejects = report.rejects
    got = {(int(r.row), r.field) for r in rejects.itertuples()}
    assert got == {
        (2, "type_of_violence"),
        (3, "latitude"),
        (4, "date_start"),
        (5, "where_prec"),
        (6, "best"),
        (7, "id"),
        (8, "date_end"),
    }
    assert list(rejects.columns) == ["row", "event_id_cnty", "field", "value", "reason"]
    assert rejects.loc[rejects["row"] == 2, "event_id_cnty"].item() == "UCDP-1001"
    assert rejects.loc[rejects["row"] == 7, "reason"].item() == "repeated id"
    assert report.summary() == "read 1 rows, rejected 7"


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "empty"),
        (b"event_id_cnty,event_date\nX,2020-01-01\n", "not a UCDP GED CSV"),
        (b"id,relid,type_of_violence,side_a\n1,x,1,A\n", "lacks columns"),
        (",".join(GED_COLUMNS).encode() + b"\n", "no data rows"),
    ],
)
def test_wrong_files_get_one_line_errors(tmp_path, content, words):
    path = tmp_path / "f.csv"
    path.write_bytes(content)
    with pytest.raises(InputError) as info:
        read_ucdp(path)
    assert words in str(info.value)
    assert "\n" not in str(info.value)


def test_read_events_dispatches_on_the_header(ged_file, tmp_path):
    assert event_file_kind(ged_file) == "ucdp"
    acled = tmp_path / "acled.csv"
    acled.write_text("event_id_cnty,event_date,event_type,latitude,longitude\n")
    assert event_file_kind(acled) == "acled"
    table, _ = read_events(ged_file)
    assert table.frame["event_id_cnty"].iloc[0].startswith("UCDP-")


def test_attribution_reaches_the_figure_source_line(ged_file):
    table, _ = read_ucdp(ged_file)
    layer = event_layer(table, ged_file)
    assert layer.attribution == UCDP_ATTRIBUTION == "UCDP GED, CC BY 4.0"
    project = Project([layer])
    line = auto_source_line(project, FigureSpec(extent=(-5.0, 13.0, -2.0, 16.0)))
    assert line.startswith("Source: UCDP GED, CC BY 4.0")
    assert "ACLED" not in line


def test_cli_imports_a_ged_file_into_a_project(ged_file, tmp_path, capsys):
    from sahelgis.io.project_file import load_project

    out = tmp_path / "p.gpkg"
    assert main(["import", str(ged_file), "-o", str(out)]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "read 35 rows, rejected 0"
    project = load_project(out)
    (layer,) = project.event_layers()
    assert layer.attribution == UCDP_ATTRIBUTION
    frame = layer.events.frame
    assert len(frame) == 35
    assert frame["event_id_cnty"].str.startswith("UCDP-").all()
    assert "type_of_violence" in frame.columns
    assert main(["info", str(ged_file)]) == 0
    assert "UCDP GED events" in capsys.readouterr().out


def test_analysis_commands_read_a_ged_csv_directly(tmp_path, capsys):
    """``sahelgis counts GED.csv`` reads the GED file like an ACLED export."""
    from sahelgis.__main__ import main

    path = tmp_path / "ged.csv"
    write_ged(path, ged_rows(12, seed=4))
    assert main(["counts", str(path), "--areas", "country", "--per", "none"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-1].startswith("total: ")


def test_year_precision_keeps_its_span_beyond_the_month(tmp_path):
    """GED date_prec 5 means only the year is known (codebook); ACLED's
    coarsest time precision is the month, so the year's span stays in date_end
    and a cross-source pairing sees the whole year (made-up rows)."""
    import pandas as pd

    from sahelgis.analysis.cross_source import likely_duplicates
    from sahelgis.model.events import EventTable

    rows = ged_rows(1)
    rows[0] |= {
        "date_prec": "5",
        "date_start": "2023-01-01",
        "date_end": "2023-12-31",
        "side_a": "Government of Mali",
        "latitude": "14.5000",
        "longitude": "-3.5000",
    }
    table, _ = read_ucdp(write_ged(tmp_path / "ged_year.csv", rows))
    row = table.frame.iloc[0]
    assert row["time_precision"] == 3
    assert row["date_prec"] == 5
    assert str(row["date_end"])[:10] == "2023-12-31"
    acled = EventTable(
        pd.DataFrame(
            {
                "event_id_cnty": ["MLI9"],
                "event_date": [np.datetime64("2023-06-15", "s")],
                "event_type": ["Battles"],
                "actor1": ["Military Forces of Mali (2021-)"],
                "actor2": [""],
                "latitude": [14.5],
                "longitude": [-3.5],
                "fatalities": [1],
                "source": ["made-up"],
            }
        )
    )
    pairs = likely_duplicates(acled, table, max_km=1, max_days=0).pairs
    assert list(pairs["days_apart"]) == [0]  # June lies inside the year's span
