"""Tests for the ACLED importer: file forms, per-row rejects, dtypes, errors."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sahelgis.errors import Cancelled, InputError
from sahelgis.io import acled_read
from sahelgis.io.acled import REJECT_COLUMNS, ImportReport, read_acled
from sahelgis.model import acled_schema as acled
from sahelgis.model.events import EventTable
from sahelgis.model.packed_column import PackedTextDtype

BASE_ROW: dict[str, str] = {
    "event_id_cnty": "MLI1",
    "event_date": "2024-02-28",
    "year": "2024",
    "time_precision": "1",
    "disorder_type": "Political violence",
    "event_type": "Battles",
    "sub_event_type": "Armed clash",
    "actor1": "Military Forces of Mali (2021-)",
    "assoc_actor_1": "",
    "inter1": "State forces",
    "actor2": "JNIM: Group for Support of Islam and Muslims",
    "assoc_actor_2": "",
    "inter2": "Rebel group",
    "interaction": "State forces-Rebel group",
    "civilian_targeting": "",
    "iso": "466",
    "region": "Western Africa",
    "country": "Mali",
    "admin1": "Segou",
    "admin2": "Segou",
    "admin3": "Segou",
    "location": "Segou",
    "latitude": "13.4317",
    "longitude": "-6.2157",
    "geo_precision": "1",
    "source": "Local source",
    "source_scale": "Local partner-National",
    "notes": "On 28 February 2024, soldiers clashed with militants near Segou.",
    "fatalities": "2",
    "tags": "",
    "timestamp": "1709251200",
}


def make_rows(n: int, **overrides: str) -> list[dict[str, str]]:
    """``n`` valid rows with ids MLI1..MLIn; ``overrides`` apply to every row."""
    return [
        {**BASE_ROW, "event_id_cnty": f"MLI{i}", **overrides} for i in range(1, n + 1)
    ]


def write_csv(
    path: Path,
    rows: Iterable[dict[str, str]],
    columns: Sequence[str] = acled.CURRENT_COLUMNS,
    *,
    delimiter: str = ",",
    encoding: str = "utf-8",
) -> Path:
    """Write rows (missing keys empty) with the csv module, as an export would."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(c, "") for c in columns])
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


@pytest.fixture
def csv_path(tmp_path: Path) -> Path:
    return tmp_path / "acled.csv"


def reject_rows(report: ImportReport) -> list[int]:
    return sorted(set(report.rejects["row"].tolist()))


# --- a clean current export ---------------------------------------------------


def test_reads_current_export_with_compact_dtypes(csv_path: Path) -> None:
    rows = make_rows(3)
    rows[0]["event_date"] = "2024-03-05"
    rows[1]["event_date"] = "2023-12-31"
    rows[1]["year"] = "2023"
    rows[2]["event_date"] = "2024-01-15"
    table, report = read_acled(write_csv(csv_path, rows))

    frame = table.frame
    assert list(frame.columns) == list(acled.CURRENT_COLUMNS)
    assert report.summary() == "read 3 rows, rejected 0"
    assert report.rows_total == 3
    assert report.encoding == "utf-8"
    assert report.warnings == []
    assert isinstance(frame["event_type"].dtype, pd.CategoricalDtype)
    assert isinstance(frame["location"].dtype, pd.CategoricalDtype)
    assert frame["event_date"].dtype == "datetime64[s]"
    assert frame["latitude"].dtype == "float64"
    assert frame["year"].dtype == "int16"
    assert frame["time_precision"].dtype == "int8"
    assert frame["fatalities"].dtype == "int32"
    assert frame["timestamp"].dtype == "int64"
    assert isinstance(frame["notes"].dtype, PackedTextDtype)  # compressed text
    assert frame["event_id_cnty"].tolist() == ["MLI2", "MLI3", "MLI1"]
    assert frame["event_date"].is_monotonic_increasing
    assert frame["year"].tolist() == [2023, 2024, 2024]
    assert frame["latitude"].iloc[0] == pytest.approx(13.4317)
    assert frame["assoc_actor_1"].iloc[0] == ""
    assert not table.synthetic


@pytest.mark.parametrize(
    "text",
    ["2024-02-28", "28 February 2024", "28 Feb 2024", "28-02-2024", "28/02/2024"],
)
def test_date_forms(csv_path: Path, text: str) -> None:
    table, report = read_acled(write_csv(csv_path, make_rows(1, event_date=text)))
    assert report.rows_read == 1
    assert table.dates[0] == np.datetime64("2024-02-28", "s")


def test_mixed_date_forms_in_one_file(csv_path: Path) -> None:
    forms = ["2024-02-01", "2 February 2024", "3 feb 2024", "04-02-2024", "05/02/2024"]
    rows = make_rows(len(forms))
    for row, form in zip(rows, forms, strict=True):
        row["event_date"] = form
    table, report = read_acled(write_csv(csv_path, rows))
    assert report.rows_read == 5
    expected = np.arange("2024-02-01", "2024-02-06", dtype="datetime64[D]")
    np.testing.assert_array_equal(table.dates, expected.astype("datetime64[s]"))


def test_bad_dates_are_rejected_with_reason(csv_path: Path) -> None:
    rows = make_rows(4)
    rows[0]["event_date"] = "31 February 2024"
    rows[1]["event_date"] = "yesterday"
    rows[2]["event_date"] = ""
    table, report = read_acled(write_csv(csv_path, rows))
    assert len(table) == 1
    rejects = report.rejects
    assert rejects["field"].tolist() == ["event_date"] * 3
    assert rejects["row"].tolist() == [1, 2, 3]
    assert rejects["value"].tolist() == ["31 February 2024", "yesterday", ""]
    assert rejects["reason"].tolist() == [
        "impossible date",
        "unparseable date",
        "missing value",
    ]


# --- file forms ---------------------------------------------------------------


def test_xlsx_with_datetime_cells(tmp_path: Path) -> None:
    path = tmp_path / "acled.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    columns = list(acled.CURRENT_COLUMNS)
    sheet.append(columns)
    for i, date in enumerate(
        [dt.datetime(2024, 2, 28), "27 February 2024", dt.datetime(2024, 3, 1)],
        start=1,
    ):
        row = {**BASE_ROW, "event_id_cnty": f"MLI{i}"}
        values: list[object] = [row[c] for c in columns]
        values[columns.index("event_date")] = date
        values[columns.index("latitude")] = 13.4317
        values[columns.index("fatalities")] = 3 if i != 3 else "x"
        values[columns.index("year")] = 2024
        sheet.append(values)
    workbook.save(path)

    table, report = read_acled(path)
    assert report.encoding == "xlsx"
    assert report.rows_total == 3
    assert report.summary() == "read 2 rows, rejected 1"
    assert report.rejects["row"].tolist() == [3]
    assert report.rejects["field"].tolist() == ["fatalities"]
    assert table.dates.tolist() == [
        np.datetime64("2024-02-27", "s"),
        np.datetime64("2024-02-28", "s"),
    ]
    assert table.frame["fatalities"].tolist() == [3, 3]
    assert table.frame["latitude"].tolist() == [13.4317, 13.4317]


def test_reordered_and_extra_columns(csv_path: Path) -> None:
    columns = [*reversed(acled.CURRENT_COLUMNS), "Analyst Comment"]
    rows = make_rows(2)
    rows[0]["Analyst Comment"] = "check with field team"
    table, report = read_acled(write_csv(csv_path, rows, columns))
    assert report.rows_read == 2
    assert list(table.frame.columns[:31]) == list(acled.CURRENT_COLUMNS)
    assert table.frame["analyst comment"].tolist() == ["check with field team", ""]
    assert any("analyst comment" in w for w in report.warnings)


def test_header_names_are_normalised(csv_path: Path) -> None:
    columns = [f"  {c.upper()} " for c in acled.CURRENT_COLUMNS]
    rows = [{f"  {k.upper()} ": v for k, v in row.items()} for row in make_rows(1)]
    table, report = read_acled(write_csv(csv_path, rows, columns))
    assert report.rows_read == 1
    assert list(table.frame.columns) == list(acled.CURRENT_COLUMNS)


def test_utf8_bom(csv_path: Path) -> None:
    rows = make_rows(2, location="Ségou")
    table, report = read_acled(write_csv(csv_path, rows, encoding="utf-8-sig"))
    assert report.rows_read == 2
    assert report.encoding == "utf-8-sig"
    assert "event_id_cnty" in table.frame.columns
    assert table.frame["location"].tolist() == ["Ségou", "Ségou"]


def test_cp1252_resaved_by_spreadsheet(csv_path: Path) -> None:
    rows = make_rows(2, location="Ségou", notes="Attaque près de Ségou – 2 morts")
    table, report = read_acled(write_csv(csv_path, rows, encoding="cp1252"))
    assert report.encoding == "cp1252"
    assert report.rows_read == 2
    assert table.frame["location"].tolist() == ["Ségou", "Ségou"]
    assert table.frame["notes"].iloc[0] == "Attaque près de Ségou – 2 morts"
    assert any("cp1252" in w for w in report.warnings)


def test_latin1_bytes_undefined_in_cp1252(csv_path: Path) -> None:
    rows = make_rows(1, notes="odd \x81 byte", location="Ségou")
    table, report = read_acled(write_csv(csv_path, rows, encoding="latin-1"))
    assert report.encoding == "latin-1"
    assert table.frame["notes"].iloc[0] == "odd \x81 byte"


def test_cp1252_after_a_long_ascii_start(csv_path: Path) -> None:
    """The first 64 KiB look like UTF-8; the decoder must still switch."""
    rows = make_rows(80, notes="x" * 1000)
    rows[-1]["location"] = "Ségou"
    table, report = read_acled(write_csv(csv_path, rows, encoding="cp1252"))
    assert report.encoding == "cp1252"
    assert report.rows_read == 80
    assert "Ségou" in table.frame["location"].tolist()


def test_utf16_with_bom(csv_path: Path) -> None:
    table, report = read_acled(
        write_csv(csv_path, make_rows(2, location="Ségou"), encoding="utf-16")
    )
    assert report.encoding == "utf-16"
    assert report.rows_read == 2
    assert table.frame["location"].iloc[0] == "Ségou"


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_semicolon_and_tab_delimiters(csv_path: Path, delimiter: str) -> None:
    rows = make_rows(2, notes="a, b; c")
    table, report = read_acled(write_csv(csv_path, rows, delimiter=delimiter))
    assert report.rows_read == 2
    assert table.frame["notes"].iloc[0] == "a, b; c"


def test_semicolon_file_with_decimal_commas(csv_path: Path) -> None:
    rows = make_rows(1, latitude="13,4317", longitude="-6,2157")
    table, report = read_acled(write_csv(csv_path, rows, delimiter=";"))
    assert report.rows_read == 1
    assert table.lat[0] == pytest.approx(13.4317)
    assert table.lon[0] == pytest.approx(-6.2157)
    assert any("decimal commas" in w for w in report.warnings)


def test_numeric_inter_codes_become_labels(csv_path: Path) -> None:
    rows = make_rows(2, inter1="1", inter2="2", interaction="12")
    rows[1]["inter2"] = "0"
    table, report = read_acled(write_csv(csv_path, rows))
    assert table.frame["inter1"].tolist() == ["State forces", "State forces"]
    assert table.frame["inter2"].tolist() == ["Rebel group", ""]
    assert sum("inter1/inter2" in w for w in report.warnings) == 1


def test_text_inter_labels_kept_without_warning(csv_path: Path) -> None:
    table, report = read_acled(write_csv(csv_path, make_rows(1)))
    assert table.frame["inter2"].tolist() == ["Rebel group"]
    assert not any("inter" in w for w in report.warnings)


def test_legacy_columns_accepted(csv_path: Path) -> None:
    dropped = {"disorder_type", "civilian_targeting", "tags"}
    columns = [
        "data_id",
        "iso",
        "event_id_cnty",
        "event_id_no_cnty",
        *[c for c in acled.CURRENT_COLUMNS[1:] if c not in dropped | {"iso"}],
        "iso3",
    ]
    rows = make_rows(2, data_id="9001", event_id_no_cnty="17", iso3="MLI")
    table, report = read_acled(write_csv(csv_path, rows, columns))
    frame = table.frame
    assert report.rows_read == 2
    assert frame["iso3"].tolist() == ["MLI", "MLI"]
    assert isinstance(frame["iso3"].dtype, pd.CategoricalDtype)
    assert frame["data_id"].tolist() == ["9001", "9001"]
    assert frame["event_id_no_cnty"].tolist() == ["17", "17"]
    # Missing optional columns exist, empty, and are named in one warning.
    assert frame["disorder_type"].tolist() == ["", ""]
    assert frame["tags"].tolist() == ["", ""]
    missing_warning = next(w for w in report.warnings if "missing" in w)
    assert all(name in missing_warning for name in dropped)
    assert not any("extra" in w for w in report.warnings)


def test_missing_optional_numeric_columns_get_defaults(csv_path: Path) -> None:
    columns = [*acled.REQUIRED_COLUMNS]
    table, report = read_acled(write_csv(csv_path, make_rows(1), columns))
    frame = table.frame
    assert report.rows_read == 1
    assert frame["fatalities"].tolist() == [0]
    assert frame["time_precision"].tolist() == [3]
    assert frame["geo_precision"].tolist() == [3]
    assert frame["year"].tolist() == [2024]
    assert frame["notes"].tolist() == [""]
    assert list(frame.columns) == list(acled.CURRENT_COLUMNS)


# --- per-row rejects ------------------------------------------------------------


def test_reject_row_numbers_count_records_not_lines(csv_path: Path) -> None:
    rows = make_rows(5)
    rows[0]["notes"] = 'Line one,\nline two with "quotes"\nand a third line.'
    rows[1]["latitude"] = "95"
    rows[3]["latitude"] = "0"
    rows[3]["longitude"] = "0"
    table, report = read_acled(write_csv(csv_path, rows))

    assert report.summary() == "read 3 rows, rejected 2"
    assert list(report.rejects.columns) == list(REJECT_COLUMNS)
    assert report.rejects.to_dict("records") == [
        {
            "row": 2,
            "event_id_cnty": "MLI2",
            "field": "latitude",
            "value": "95",
            "reason": "latitude out of range [-90, 90]",
        },
        {
            "row": 4,
            "event_id_cnty": "MLI4",
            "field": "latitude/longitude",
            "value": "0/0",
            "reason": "0/0 coordinates",
        },
    ]
    notes = table.frame.set_index("event_id_cnty")["notes"]
    assert notes["MLI1"] == 'Line one,\nline two with "quotes"\nand a third line.'


def test_duplicate_ids_keep_first(csv_path: Path) -> None:
    rows = make_rows(4)
    rows[2]["event_id_cnty"] = "MLI1"
    rows[3]["event_id_cnty"] = "MLI2"
    rows[2]["notes"] = "second copy"
    table, report = read_acled(write_csv(csv_path, rows))
    assert sorted(table.frame["event_id_cnty"]) == ["MLI1", "MLI2"]
    assert "second copy" not in table.frame["notes"].tolist()
    assert report.rejects["reason"].tolist() == [
        "duplicate event_id_cnty (first seen in row 1)",
        "duplicate event_id_cnty (first seen in row 2)",
    ]
    assert report.rejects["row"].tolist() == [3, 4]


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("time_precision", "4", "time_precision must be 1, 2 or 3"),
        ("geo_precision", "0", "geo_precision must be 1, 2 or 3"),
        ("fatalities", "x", "fatalities must be a non-negative integer"),
        ("fatalities", "-1", "fatalities must be a non-negative integer"),
        ("latitude", "95", "latitude out of range [-90, 90]"),
        ("longitude", "-181", "longitude out of range [-180, 180]"),
        ("latitude", "abc", "not a number"),
        ("longitude", "nan", "not a number"),
        ("latitude", "", "missing value"),
        ("event_type", "", "missing value"),
        ("event_id_cnty", "", "missing value"),
    ],
)
def test_single_field_rejects(
    csv_path: Path, column: str, value: str, reason: str
) -> None:
    rows = make_rows(3)
    rows[1][column] = value
    table, report = read_acled(write_csv(csv_path, rows))
    assert len(table) == 2
    assert report.rejects[["row", "field", "value", "reason"]].values.tolist() == [
        [2, column, value, reason]
    ]


def test_several_problems_in_one_row_count_once(csv_path: Path) -> None:
    rows = make_rows(2)
    rows[0].update(time_precision="4", fatalities="x", latitude="95")
    _, report = read_acled(write_csv(csv_path, rows))
    assert len(report.rejects) == 3
    assert report.rejects["field"].tolist() == [
        "time_precision",
        "latitude",
        "fatalities",
    ]
    assert report.summary() == "read 1 rows, rejected 1"
    assert report.reasons().to_dict() == {
        "fatalities must be a non-negative integer": 1,
        "latitude out of range [-90, 90]": 1,
        "time_precision must be 1, 2 or 3": 1,
    }


def test_empty_fatalities_and_precision_default(csv_path: Path) -> None:
    rows = make_rows(3)
    rows[0]["fatalities"] = ""
    rows[1]["time_precision"] = ""
    rows[2]["geo_precision"] = " 2 "
    table, report = read_acled(write_csv(csv_path, rows))
    frame = table.frame.set_index("event_id_cnty")
    assert report.rows_read == 3
    assert frame.loc["MLI1", "fatalities"] == 0
    assert frame.loc["MLI2", "time_precision"] == 3
    assert frame.loc["MLI3", "geo_precision"] == 2
    assert "time_precision empty in 1 rows; treated as 3 (least precise)" in (
        report.warnings
    )


def test_year_taken_from_event_date(csv_path: Path) -> None:
    rows = make_rows(2)
    rows[0]["year"] = "1999"
    rows[1]["year"] = ""
    table, report = read_acled(write_csv(csv_path, rows))
    assert table.frame["year"].tolist() == [2024, 2024]
    assert any("year" in w and "2 rows" in w for w in report.warnings)


def test_non_integer_timestamp_kept_as_text(csv_path: Path) -> None:
    rows = make_rows(2)
    rows[1]["timestamp"] = "2024-02-28T10:00:00"
    table, report = read_acled(write_csv(csv_path, rows))
    assert pd.api.types.is_string_dtype(table.frame["timestamp"].dtype)
    assert any("timestamp" in w for w in report.warnings)


def write_ragged(csv_path: Path) -> Path:
    """Five records: 1 spans two lines, 2 has a surplus field, 4 is cut short,
    5 has latitude 95."""
    rows = make_rows(5)
    rows[0]["notes"] = "two\nlines"
    rows[4]["latitude"] = "95"
    write_csv(csv_path, rows)
    lines = csv_path.read_bytes().decode().split("\r\n")
    lines[2] += ",surplus"  # record 2 (record 1 spans lines 1 and 2)
    lines[4] = "MLI4,2024-02-28,2024"
    csv_path.write_bytes("\r\n".join(lines).encode())
    return csv_path


def check_ragged(table: EventTable, report: ImportReport) -> None:
    assert report.rows_total == 5
    rejects = report.rejects[["row", "event_id_cnty", "field", "reason"]]
    assert rejects.values.tolist() == [
        [2, "MLI2", "row", "expected 31 fields, found 32"],
        [4, "MLI4", "row", "expected 31 fields, found 3"],
        [5, "MLI5", "latitude", "latitude out of range [-90, 90]"],
    ]
    assert report.summary() == "read 2 rows, rejected 3"
    assert sorted(table.frame["event_id_cnty"]) == ["MLI1", "MLI3"]
    assert table.frame.set_index("event_id_cnty").loc["MLI1", "notes"] == "two\nlines"


def test_rows_with_wrong_number_of_fields(csv_path: Path) -> None:
    check_ragged(*read_acled(write_ragged(csv_path)))


def test_rows_with_wrong_number_of_fields_slow_path(
    csv_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When pyarrow cannot skip the bad rows, the csv module reads everything."""
    real_read = acled_read._arrow_read

    def failing_skip(
        *args: object, skip_invalid: bool = False, **kwargs: object
    ) -> object:
        if skip_invalid:
            raise pa.ArrowInvalid("CSV parse error: simulated")
        return real_read(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(acled_read, "_arrow_read", failing_skip)
    check_ragged(*read_acled(write_ragged(csv_path)))


def test_blank_lines_and_trailing_delimiters(csv_path: Path) -> None:
    write_csv(csv_path, make_rows(2))
    text = csv_path.read_bytes().decode().replace("\r\n", ",\r\n")
    csv_path.write_bytes((text + "\r\n   \r\n\r\n").encode())
    table, report = read_acled(csv_path)
    assert report.summary() == "read 2 rows, rejected 0"
    assert report.rows_total == 2
    assert list(table.frame.columns) == list(acled.CURRENT_COLUMNS)


def test_unknown_event_type_is_read_with_warning(csv_path: Path) -> None:
    rows = make_rows(2)
    rows[1]["event_type"] = "Taxation"
    table, report = read_acled(write_csv(csv_path, rows))
    assert len(table) == 2
    assert any("Taxation" in w for w in report.warnings)


def test_zero_surviving_rows_returns_empty_table(csv_path: Path) -> None:
    table, report = read_acled(write_csv(csv_path, make_rows(2, latitude="95")))
    assert len(table) == 0
    assert report.summary() == "read 0 rows, rejected 2"
    assert table.frame["event_date"].dtype == "datetime64[s]"


def test_report_helpers(csv_path: Path, tmp_path: Path) -> None:
    rows = make_rows(4)
    rows[0]["latitude"] = "95"
    rows[1]["latitude"] = "96"
    rows[2]["fatalities"] = "x"
    _, report = read_acled(write_csv(csv_path, rows))
    assert report.summary() == "read 1 rows, rejected 3"
    reasons = report.reasons()
    assert reasons.to_dict() == {
        "latitude out of range [-90, 90]": 2,
        "fatalities must be a non-negative integer": 1,
    }
    out = tmp_path / "rejects.csv"
    report.save_rejects(out)
    saved = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(saved.columns) == list(REJECT_COLUMNS)
    assert saved["row"].tolist() == ["1", "2", "3"]
    assert out.read_bytes().decode("utf-8")


def test_report_without_rejects() -> None:
    report = ImportReport(path=Path("x.csv"), rows_total=2, rows_read=2)
    assert report.summary() == "read 2 rows, rejected 0"
    assert report.reasons().empty
    assert list(report.rejects.columns) == list(REJECT_COLUMNS)


# --- synthetic flag -------------------------------------------------------------


def test_synthetic_detected_from_source(csv_path: Path) -> None:
    rows = make_rows(2, source="SahelGIS synthetic demo")
    rows[1]["source"] = ""
    table, _ = read_acled(write_csv(csv_path, rows))
    assert table.synthetic


def test_synthetic_not_detected_for_mixed_sources(csv_path: Path) -> None:
    rows = make_rows(2, source="SYNTHETIC")
    rows[1]["source"] = "Radio Mali"
    table, _ = read_acled(write_csv(csv_path, rows))
    assert not table.synthetic
    table, _ = read_acled(csv_path, synthetic=True)
    assert table.synthetic


# --- files that cannot be read --------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nothere\.csv: file not found"):
        read_acled(tmp_path / "nothere.csv")


def test_empty_file(csv_path: Path) -> None:
    csv_path.write_bytes(b"")
    with pytest.raises(InputError, match=r"acled\.csv: .*empty"):
        read_acled(csv_path)


def test_binary_junk(tmp_path: Path) -> None:
    path = tmp_path / "junk.csv"
    path.write_bytes(np.random.default_rng(1).bytes(4096))
    with pytest.raises(InputError, match=r"junk\.csv: .*binary"):
        read_acled(path)


def test_text_named_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "fake.xlsx"
    path.write_text("event_id_cnty,event_date\n")
    with pytest.raises(InputError, match=r"fake\.xlsx"):
        read_acled(path)


def test_undecodable_utf16(csv_path: Path) -> None:
    header = "event_id_cnty,event_date,event_type,latitude,longitude\n"
    csv_path.write_bytes(b"\xff\xfe" + header.encode("utf-16-le") + b"\x00\xd8")
    with pytest.raises(InputError, match=r"acled\.csv: cannot be decoded as UTF-16"):
        read_acled(csv_path)


def test_old_xls_workbook(tmp_path: Path) -> None:
    path = tmp_path / "acled.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    with pytest.raises(InputError, match=r"acled\.xls: .*save as \.xlsx or CSV"):
        read_acled(path)


def test_unrelated_columns(csv_path: Path) -> None:
    csv_path.write_text("name,population\nBamako,2000000\n")
    with pytest.raises(InputError) as info:
        read_acled(csv_path)
    message = str(info.value)
    assert message.startswith("acled.csv: ")
    assert "none of the required columns" in message
    assert "name, population" in message
    assert "\n" not in message


def test_missing_some_required_columns(csv_path: Path) -> None:
    columns = [c for c in acled.CURRENT_COLUMNS if c not in ("latitude", "longitude")]
    write_csv(csv_path, make_rows(1), columns)
    with pytest.raises(InputError, match="missing required ACLED columns: latitude, "):
        read_acled(csv_path)


def test_header_only(csv_path: Path) -> None:
    write_csv(csv_path, [])
    with pytest.raises(InputError, match=r"acled\.csv: .*no data rows"):
        read_acled(csv_path)


# --- progress and cancel ----------------------------------------------------------


class RecordingProgress:
    """A progress stub that records reports and cancels after ``limit`` checks."""

    def __init__(self, limit: int | None = None) -> None:
        self.limit = limit
        self.checks = 0
        self.reports: list[tuple[float, str]] = []

    def set(self, fraction: float, text: str = "") -> None:
        self.reports.append((fraction, text))

    def cancelled(self) -> bool:
        return self.limit is not None and self.checks >= self.limit

    def check(self) -> None:
        if self.cancelled():
            raise Cancelled()
        self.checks += 1


def test_progress_reports_phases(csv_path: Path) -> None:
    progress = RecordingProgress()
    read_acled(write_csv(csv_path, make_rows(2)), progress)
    fractions = [f for f, _ in progress.reports]
    assert fractions == sorted(fractions)
    assert fractions[-1] == 1.0
    assert progress.checks >= 5


@pytest.mark.parametrize("limit", [0, 2, 4])
def test_cancel_raises(csv_path: Path, limit: int) -> None:
    write_csv(csv_path, make_rows(2))
    with pytest.raises(Cancelled):
        read_acled(csv_path, RecordingProgress(limit))


# --- robustness -----------------------------------------------------------------------

_FREE_TEXT = st.text(
    alphabet=st.characters(exclude_categories=("Cs",), exclude_characters="\x00"),
    max_size=40,
) | st.sampled_from(['"', ",", ";", "\n", "\r\n", '""', " ", "\ufeff", "é"])


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    cells=st.lists(
        st.tuples(_FREE_TEXT, _FREE_TEXT, _FREE_TEXT), min_size=1, max_size=6
    )
)
def test_random_text_never_crashes(
    tmp_path: Path, cells: list[tuple[str, str, str]]
) -> None:
    rows = make_rows(len(cells))
    for row, (notes, location, actor) in zip(rows, cells, strict=True):
        row.update(notes=notes, location=location, actor1=actor)
    path = write_csv(tmp_path / "random.csv", rows)
    table, report = read_acled(path)
    assert report.rows_total == len(rows)
    assert report.rows_read + report.rows_rejected == report.rows_total
    assert len(table) == report.rows_read
    by_id = table.frame.set_index("event_id_cnty")
    for row in rows:
        if row["event_id_cnty"] in by_id.index:
            assert by_id.loc[row["event_id_cnty"], "notes"] == row["notes"]


# --- mostly UTF-8: stray bytes are reported per record ---------------------------


def _insert_bytes(path: Path, after: bytes, stray: bytes, occurrence: int = 0) -> None:
    """Put ``stray`` right after the ``occurrence``-th ``after`` in the file."""
    data = path.read_bytes()
    at = -1
    for _ in range(occurrence + 1):
        at = data.index(after, at + 1)
    at += len(after)
    path.write_bytes(data[:at] + stray + data[at:])


def test_one_stray_byte_keeps_the_file_utf8_and_rejects_its_record(
    csv_path: Path,
) -> None:
    write_csv(csv_path, make_rows(5, location="Ségou"))
    _insert_bytes(csv_path, b"soldiers", b"\xe9", occurrence=2)  # record 3
    table, report = read_acled(csv_path)
    assert report.encoding == "utf-8"
    assert table.frame["location"].tolist() == ["Ségou"] * 4
    assert report.summary() == "read 4 rows, rejected 1"
    reject = report.rejects.iloc[0].to_dict()
    assert reject["row"] == 3
    assert reject["event_id_cnty"] == "MLI3"
    assert reject["field"] == "notes"
    assert reject["reason"] == "invalid UTF-8 byte"
    assert "soldiers\\xe9 clashed" in reject["value"]
    assert any("not UTF-8" in w and "not imported" in w for w in report.warnings)
    assert not any("decoded as" in w for w in report.warnings)


def test_stray_bytes_in_three_records_are_each_reported(csv_path: Path) -> None:
    rows = make_rows(6, location="Ségou")
    write_csv(csv_path, rows)
    _insert_bytes(csv_path, b"MLI2,2024-02-2", b"\x80")  # event_date of record 2
    _insert_bytes(csv_path, b"S\xc3\xa9gou", b"\xff\xfe", occurrence=4)  # 5
    _insert_bytes(csv_path, b"MLI6", b"\xc3")  # the id of record 6
    table, report = read_acled(csv_path)
    assert report.encoding == "utf-8"
    assert table.frame["event_id_cnty"].tolist() == ["MLI1", "MLI3", "MLI4"]
    bad = report.rejects[report.rejects["reason"] == "invalid UTF-8 byte"]
    assert bad["row"].tolist() == [2, 5, 6]
    assert bad["field"].tolist() == ["event_date", "location", "event_id_cnty"]
    assert bad["value"].tolist() == ["2024-02-2\\x808", "Ségou\\xff\\xfe", "MLI6\\xc3"]
    assert report.rejects["event_id_cnty"].tolist()[-1] == "MLI6\\xc3"


def test_stray_bytes_beside_a_ragged_record_keep_their_own_row(csv_path: Path) -> None:
    write_csv(csv_path, make_rows(4, location="Ségou"))
    data = csv_path.read_bytes().replace(b"MLI2,", b"MLI2,extra,", 1)
    csv_path.write_bytes(data)
    _insert_bytes(csv_path, b"S\xc3\xa9gou", b"\x92", occurrence=3)  # record 4
    _table, report = read_acled(csv_path)
    assert report.rows_read == 2
    rows = report.rejects[["row", "reason"]].values.tolist()
    assert rows[0][0] == 2
    assert "fields" in rows[0][1]
    assert rows[1] == [4, "invalid UTF-8 byte"]
    assert "\\x92" in report.rejects["value"].iloc[1]


def test_reject_report_shows_the_bytes_as_text(csv_path: Path, tmp_path: Path) -> None:
    write_csv(csv_path, make_rows(3, location="Ségou"))
    _insert_bytes(csv_path, b"soldiers", b"\xe9")
    _, report = read_acled(csv_path)
    out = tmp_path / "rejects.csv"
    report.save_rejects(out)
    text = out.read_text(encoding="utf-8")
    assert "soldiers\\xe9" in text
    assert "invalid UTF-8 byte" in text


def test_latin1_with_one_utf8_sequence_is_latin1(csv_path: Path) -> None:
    write_csv(csv_path, make_rows(6, location="Ségou"), encoding="latin-1")
    _insert_bytes(csv_path, b"near ", "Diré ".encode())
    table, report = read_acled(csv_path)
    assert report.encoding in ("cp1252", "latin-1")
    assert report.rows_read == 6
    assert table.frame["location"].tolist() == ["Ségou"] * 6


def test_one_stray_byte_in_ascii_text_is_single_byte_text(csv_path: Path) -> None:
    """No valid UTF-8 character at all: the byte is more likely cp1252 "é"."""
    write_csv(csv_path, make_rows(3))
    _insert_bytes(csv_path, b"near Seg", b"\xe9")
    table, report = read_acled(csv_path)
    assert report.encoding == "cp1252"
    assert report.rows_read == 3
    assert "near Segéou" in table.frame["notes"].iloc[0]


def test_stray_byte_in_the_header_is_named_in_a_warning(csv_path: Path) -> None:
    write_csv(csv_path, make_rows(4, location="Ségou"))
    _insert_bytes(csv_path, b"no", b"\xe9")  # the header's "notes"
    table, report = read_acled(csv_path)
    assert report.encoding == "utf-8"
    assert report.rows_read == 4
    assert "no\\xe9tes" in table.frame.columns
    assert any("header" in w and "no\\xe9tes" in w for w in report.warnings)


def test_stray_byte_in_a_required_header_name_is_shown_in_the_error(
    csv_path: Path,
) -> None:
    write_csv(csv_path, make_rows(4, location="Ségou"))
    _insert_bytes(csv_path, b"event_id", b"\xe9")
    with pytest.raises(InputError) as info:
        read_acled(csv_path)
    message = str(info.value)
    assert "missing required ACLED columns: event_id_cnty" in message
    assert "columns found: event_id\\xe9_cnty, event_date" in message
    assert "\ue000" not in message
