"""Spreadsheet formulas in written CSV cells are escaped (OWASP CSV injection)."""

import csv
import io
import re
from pathlib import Path

import pandas as pd
import pytest

from sahelgis.io.csv_safe import escape_cell, escape_frame, write_csv

PACKAGE = Path(__file__).resolve().parents[2] / "sahelgis"

HOSTILE = [
    '=HYPERLINK("http://x","y")',
    "@SUM(A1)",
    "+1+1",
    "-2+3",
    "\t=1",
    "\r=1",
    "=1",
    "-",
    "--1",
    "-1-",
    "+",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_cells_get_an_apostrophe(text):
    assert escape_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["-3", "-12.5", "+4", "-1e-3", "-.5", "12", "0"])
def test_plain_numbers_stay_numbers(text):
    assert escape_cell(text) == text


@pytest.mark.parametrize(
    "value", ["Ségou", "a=b", " =1", "", None, -3, -12.5, 3.0, True]
)
def test_other_values_are_untouched(value):
    assert escape_cell(value) is value


def test_escape_frame_touches_text_names_and_categories_only():
    frame = pd.DataFrame(
        {
            "=cmd": ["=1", "ok"],
            "actor": pd.Categorical(["@SUM(A1)", "JNIM"]),
            "text": pd.array(["-2+3", "-3"], dtype="str"),
            "lon": [-3.5, -12.25],
        }
    )
    out = escape_frame(frame)
    assert list(out.columns) == ["'=cmd", "actor", "text", "lon"]
    assert out.iloc[:, 0].tolist() == ["'=1", "ok"]
    assert out["actor"].tolist() == ["'@SUM(A1)", "JNIM"]
    assert out["text"].tolist() == ["'-2+3", "-3"]
    assert out["lon"].tolist() == [-3.5, -12.25]
    assert frame.iloc[0, 0] == "=1"  # the input is not changed


def test_write_csv_to_a_path_and_a_stream(tmp_path):
    frame = pd.DataFrame({"notes": HOSTILE, "n": range(len(HOSTILE))})
    path = tmp_path / "out.csv"
    write_csv(frame, path)
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["notes"] for r in rows] == ["'" + t for t in HOSTILE]
    stream = io.StringIO()
    write_csv(frame, stream)
    assert stream.getvalue() == path.read_bytes().decode("utf-8")


def test_write_csv_keeps_a_string_index_safe(tmp_path):
    frame = pd.DataFrame({"n": [1]}, index=pd.Index(["=x"], name="@y"))
    path = tmp_path / "out.csv"
    write_csv(frame, path, index=True)
    assert path.read_text(encoding="utf-8").splitlines() == ["'@y,n", "'=x,1"]


_WRITER = re.compile(r"\.to_csv\(|csv\.writer\(|csv\.DictWriter\(")


def test_every_csv_writer_goes_through_the_helper():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "csv_safe.py":
            continue
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            if _WRITER.search(line):
                offenders.append(f"{path.relative_to(PACKAGE)}:{number}: {line}")
    assert offenders == [], "write CSV with sahelgis.io.csv_safe.write_csv"


def test_multiindex_levels_and_names_are_escaped():
    frame = pd.DataFrame(
        {"n": [1, 2]},
        index=pd.MultiIndex.from_tuples([("=a", 2024), ("b", 2025)], names=["@k", "y"]),
    )
    out = escape_frame(frame)
    assert out.index.names == ["'@k", "y"]
    assert out.index.tolist() == [("'=a", 2024), ("b", 2025)]
    columns = pd.MultiIndex.from_tuples([("=x", "a"), ("y", "+b")])
    wide = escape_frame(pd.DataFrame([[1, 2]], columns=columns))
    assert wide.columns.tolist() == [("'=x", "a"), ("y", "'+b")]
