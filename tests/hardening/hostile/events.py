"""Hostile event files and recipes: right data or a row-level report.

Event files: UTF-8 with stray bytes, cp1252, Latin-1 with a stray UTF-8
sequence, UTF-16 without BOM, mixed line endings; spreadsheet formulas in
notes, actors, locations and event types, which every CSV we write must escape;
workbooks that lie about their size or unpack to gigabytes. Recipes with
parameters out of any sane range, each refused with one line naming the recipe
file, the analysis and the parameter.
"""

from __future__ import annotations

import contextlib
import csv
import io
import random
import re
import resource
import time
import zipfile
from pathlib import Path

from sahelgis.__main__ import main
from sahelgis.io.acled import read_acled
from sahelgis.model import acled_schema as acled
from tests.hardening.hostile import HostileCase

# ---------------------------------------------------------------- helpers ---
SEGOU = (-6.2157, 13.4317)
BASE_ROW = {
    "event_id_cnty": "MLI1",
    "event_date": "2024-02-28",
    "year": "2024",
    "time_precision": "1",
    "disorder_type": "Political violence",
    "event_type": "Battles",
    "sub_event_type": "Armed clash",
    "actor1": "Military Forces of Mali (2021-)",
    "inter1": "State forces",
    "actor2": "JNIM: Group for Support of Islam and Muslims",
    "inter2": "Rebel group",
    "interaction": "State forces-Rebel group",
    "iso": "466",
    "region": "Western Africa",
    "country": "Mali",
    "admin1": "Ségou",
    "admin2": "Ségou",
    "admin3": "Ségou",
    "location": "Ségou",
    "latitude": str(SEGOU[1]),
    "longitude": str(SEGOU[0]),
    "geo_precision": "1",
    "source": "Local source",
    "source_scale": "Local partner-National",
    "notes": "On 28 February 2024, soldiers clashed with militants near Ségou.",
    "fatalities": "2",
    "tags": "",
    "timestamp": "1709251200",
}

INJECTIONS = ('=HYPERLINK("http://x","y")', "@SUM(A1)", "+1+1", "-2+3", "\t=1", "\r=1")


def _rows(n: int, rng: random.Random, **overrides: str) -> list[dict[str, str]]:
    """``n`` valid rows near Ségou (ids MLI1..), dates and deaths from ``rng``."""
    rows = []
    for i in range(1, n + 1):
        row = dict(BASE_ROW, event_id_cnty=f"MLI{i}")
        row["event_date"] = f"2024-0{rng.randint(1, 9)}-{rng.randint(10, 28)}"
        row["fatalities"] = str(rng.randint(0, 9))
        rows.append({**row, **overrides})
    return rows


def _csv_text(rows: list[dict[str, str]], newline: str = "\n") -> str:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator=newline)
    writer.writerow(acled.CURRENT_COLUMNS)
    for row in rows:
        writer.writerow([row.get(c, "") for c in acled.CURRENT_COLUMNS])
    return buffer.getvalue()


def _write_events(folder: Path, rows: list[dict[str, str]], encoding="utf-8") -> Path:
    path = folder / "events.csv"
    path.write_bytes(_csv_text(rows).encode(encoding))
    return path


def _insert(path: Path, after: bytes, stray: bytes, occurrence: int = 0) -> None:
    """Put ``stray`` right after the ``occurrence``-th ``after`` in the file."""
    data = path.read_bytes()
    at = -1
    for _ in range(occurrence + 1):
        at = data.index(after, at + 1)
    at += len(after)
    path.write_bytes(data[:at] + stray + data[at:])


def _run(argv: list[str]) -> tuple[int, str, str]:
    """``sahelgis ARGV`` in this process: exit code, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def _formula_cells(text: str) -> list[str]:
    """Cells of CSV text a spreadsheet would run as formulas."""
    cells = [c for row in csv.reader(io.StringIO(text, newline="")) for c in row]
    return [
        c
        for c in cells
        if c[:1] in ("=", "+", "-", "@", "\t", "\r") and not _PLAIN_NUMBER.fullmatch(c)
    ]


def _assert_escaped(text: str, expected: tuple[str, ...]) -> None:
    assert _formula_cells(text) == []
    cells = {c for row in csv.reader(io.StringIO(text, newline="")) for c in row}
    for value in expected:
        assert "'" + value in cells, (value, sorted(cells)[:40])


# ------------------------------------------------------------- encodings ---
def _build_one_stray(folder: Path, rng: random.Random) -> Path:
    path = _write_events(folder, _rows(8, rng))
    _insert(path, b"soldiers", b"\xe9", occurrence=2)  # record 3's notes
    return path


def _check_one_stray(path: Path, scratch: Path) -> None:
    table, report = read_acled(path)
    assert report.encoding == "utf-8"
    assert set(table.frame["location"]) == {"Ségou"}
    assert report.rows_read == 7
    bad = report.rejects.to_dict("records")
    assert len(bad) == 1
    assert bad[0]["row"] == 3
    assert bad[0]["field"] == "notes"
    assert bad[0]["reason"] == "invalid UTF-8 byte"
    assert "soldiers\\xe9 clashed" in bad[0]["value"]


def _build_three_stray(folder: Path, rng: random.Random) -> Path:
    path = _write_events(folder, _rows(10, rng))
    _insert(path, b"MLI2,2024-0", b"\x80")  # record 2, event_date
    _insert(path, b"S\xc3\xa9gou", b"\xff\xfe", occurrence=5 * 5 + 3)  # 6, location
    _insert(path, b"near ", b"\xc3(", occurrence=8)  # record 9, notes
    return path


def _check_three_stray(path: Path, scratch: Path) -> None:
    table, report = read_acled(path)
    assert report.encoding == "utf-8"
    assert set(table.frame["admin1"]) == {"Ségou"}
    bad = report.rejects[report.rejects["reason"] == "invalid UTF-8 byte"]
    assert bad["row"].tolist() == [2, 6, 9]
    assert bad["field"].tolist() == ["event_date", "location", "notes"]
    assert "\\x80" in bad["value"].iloc[0]
    assert bad["value"].iloc[1] == "Ségou\\xff\\xfe"
    assert "near \\xc3(" in bad["value"].iloc[2]
    assert report.rows_read == 7
    code, out, _ = _run(["import", str(path), "-o", str(scratch / "p.gpkg"),
                         "--report", str(scratch / "rejects.csv")])  # fmt: skip
    assert code == 0
    assert "rejected 3: invalid UTF-8 byte" in out
    assert "Ségou\\xff\\xfe" in (scratch / "rejects.csv").read_text("utf-8")


def _build_cp1252(folder: Path, rng: random.Random) -> Path:
    notes = "Attaque près de Ségou – 2 morts, « JNIM »"
    return _write_events(folder, _rows(6, rng, notes=notes), encoding="cp1252")


def _check_cp1252(path: Path, scratch: Path) -> None:
    table, report = read_acled(path)
    assert report.encoding == "cp1252"
    assert report.rows_read == 6
    assert set(table.frame["location"]) == {"Ségou"}
    assert table.frame["notes"].iloc[0] == "Attaque près de Ségou – 2 morts, « JNIM »"
    assert any("decoded as cp1252" in w for w in report.warnings)


def _build_latin1_one_utf8(folder: Path, rng: random.Random) -> Path:
    path = _write_events(folder, _rows(12, rng), encoding="latin-1")
    _insert(path, b"near ", "Diré, ".encode(), occurrence=5)
    return path


def _check_latin1_one_utf8(path: Path, scratch: Path) -> None:
    table, report = read_acled(path)
    assert report.encoding in ("cp1252", "latin-1")
    assert report.rows_read == 12
    assert set(table.frame["location"]) == {"Ségou"}


def _build_utf16le(folder: Path, rng: random.Random) -> Path:
    return _write_events(folder, _rows(5, rng), encoding="utf-16-le")


def _check_utf16le(path: Path, scratch: Path) -> None:
    table, report = read_acled(path)
    assert report.encoding == "utf-16-le"
    assert report.rows_read == 5
    assert set(table.frame["location"]) == {"Ségou"}


def _build_mixed_newlines(folder: Path, rng: random.Random) -> Path:
    lines = _csv_text(_rows(9, rng)).splitlines()
    ends = ["\r\n", "\n", "\r"]
    text = "".join(line + ends[i % 3] for i, line in enumerate(lines))
    path = folder / "events.csv"
    path.write_bytes(text.encode("utf-8"))
    return path


def _check_mixed_newlines(path: Path, scratch: Path) -> None:
    table, report = read_acled(path)
    assert report.rows_read == 9
    assert report.rows_rejected == 0
    assert table.frame["event_id_cnty"].str.match(r"^MLI\d$").all()


# ------------------------------------------------------------- injection ---
def _build_injection_report(folder: Path, rng: random.Random) -> Path:
    rows = _rows(8, rng)
    bad = {  # each value makes its row fail, so it lands in the reject report
        "event_date": INJECTIONS[0],
        "latitude": INJECTIONS[1],
        "longitude": INJECTIONS[2],
        "fatalities": INJECTIONS[3],
        "time_precision": INJECTIONS[4],
        "geo_precision": INJECTIONS[5],
    }
    for i, (name, value) in enumerate(bad.items()):
        rows[i][name] = value
        rows[i]["notes"] = value
        rows[i]["actor1"] = value
    return _write_events(folder, rows)


def _check_injection_report(path: Path, scratch: Path) -> None:
    report_path = scratch / "rejects.csv"
    code, _, _ = _run(
        ["import", str(path), "-o", str(scratch / "p.gpkg"), "--report",
         str(report_path)]
    )  # fmt: skip
    assert code == 0
    _assert_escaped(report_path.read_bytes().decode("utf-8"), INJECTIONS[:4])


def _build_injection_types(folder: Path, rng: random.Random) -> Path:
    rows = _rows(12, rng)
    for i, row in enumerate(rows):
        value = INJECTIONS[i % len(INJECTIONS)]
        row.update(event_type=value, actor1=value, location=value, notes=value)
    return _write_events(folder, rows)


def _check_buffer_outputs(path: Path, scratch: Path) -> None:
    at = f"--at={SEGOU[0]},{SEGOU[1]}"
    out_csv = scratch / "buffer.csv"
    argv = ["buffer", str(path), at, "--radius", "50km", "--by", "event_type"]
    code, _, _ = _run([*argv, "-o", str(out_csv)])
    assert code == 0
    _assert_escaped(out_csv.read_bytes().decode("utf-8"), INJECTIONS[:4])
    code, out, _ = _run(argv)  # the table on stdout
    assert code == 0
    _assert_escaped(out.rsplit("total:", 1)[0], INJECTIONS[:4])


def _check_counts_outputs(path: Path, scratch: Path) -> None:
    out_csv = scratch / "counts.csv"
    argv = ["counts", str(path), "--by", "cercle", "--per", "event_type"]
    code, _, err = _run([*argv, "-o", str(out_csv)])
    assert code == 0, err
    _assert_escaped(out_csv.read_bytes().decode("utf-8"), INJECTIONS[:4])
    code, _, err = _run([*argv, "--wide", "-o", str(scratch / "wide.csv")])
    assert code == 0, err
    # event types become column names in the wide table: escaped too
    _assert_escaped((scratch / "wide.csv").read_bytes().decode(), INJECTIONS[:4])


def _build_injection_batch(folder: Path, rng: random.Random) -> Path:
    _build_injection_types(folder, rng)
    recipe = folder / "recipe.toml"
    recipe.write_text(
        "name = 'formulas'\ndataset = 'events.csv'\n"
        "[[analysis]]\nkind = 'buffer'\nat = [-6.2157, 13.4317]\n"
        "radii = ['50 km']\nby = ['event_type']\n",
        "utf-8",
    )
    return recipe


def _check_batch_outputs(path: Path, scratch: Path) -> None:
    out = scratch / "out"
    code, _, err = _run(["batch", str(path), "-o", str(out)])
    assert code == 0, err
    tables = sorted(out.glob("*.csv"))
    assert tables
    text = "".join(t.read_bytes().decode("utf-8") for t in tables)
    _assert_escaped(text, INJECTIONS[:4])


# ------------------------------------------------------------- workbooks ---
_XFD_ROW = (
    b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
)
_SHEET = "xl/worksheets/sheet1.xml"
_SST_TYPE = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
)


def _workbook(rows: list[dict[str, str]]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(acled.CURRENT_COLUMNS))
    for row in rows:
        sheet.append([row.get(c, "") for c in acled.CURRENT_COLUMNS])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _rezip(data: bytes, edits: dict, extra: dict | None = None) -> bytes:
    """The workbook with parts edited (name -> bytes -> bytes) or added."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target,
    ):
        for info in source.infolist():
            body = source.read(info.filename)
            if info.filename in edits:
                body = edits[info.filename](body)
            target.writestr(info.filename, body)
        for name, write in (extra or {}).items():
            with target.open(name, "w", force_zip64=True) as handle:
                write(handle)
    return out.getvalue()


def _dimension(ref: bytes):
    return lambda body: re.sub(rb'<dimension ref="[^"]*"/>', ref, body)


def _save(folder: Path, data: bytes) -> Path:
    path = folder / "events.xlsx"
    path.write_bytes(data)
    return path


def _build_xlsx_xfd(folder: Path, rng: random.Random) -> Path:
    def add_far_cell(body: bytes) -> bytes:
        return body.replace(b"</sheetData>", _XFD_ROW + b"</sheetData>")

    return _save(folder, _rezip(_workbook(_rows(5, rng)), {_SHEET: add_far_cell}))


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _check_real_rows_quickly(path: Path, scratch: Path) -> None:
    # The high-water mark can only rise by what this read needed above it.
    before, start = _peak_rss_mib(), time.perf_counter()
    table, report = read_acled(path)
    assert time.perf_counter() - start < 2.0
    assert _peak_rss_mib() - before < 256, f"{_peak_rss_mib() - before:.0f} MiB"
    assert report.rows_read == 5
    assert report.encoding == "xlsx"
    assert set(table.frame["location"]) == {"Ségou"}


def _build_xlsx_dimension(folder: Path, rng: random.Random) -> Path:
    big = _dimension(b'<dimension ref="A1:XFD1048576"/>')
    return _save(folder, _rezip(_workbook(_rows(5, rng)), {_SHEET: big}))


def _build_xlsx_sheets(folder: Path, rng: random.Random) -> Path:
    relations = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

    def many_sheets(body: bytes) -> bytes:
        sheets = "".join(
            f'<sheet xmlns:r="{relations}" name="S{i}" sheetId="{i}" r:id="rId{i}"/>'
            for i in range(1, 10_001)
        )
        return re.sub(
            rb"<sheets>.*</sheets>", f"<sheets>{sheets}</sheets>".encode(), body
        )

    def many_rels(body: bytes) -> bytes:
        rels = "".join(
            f'<Relationship Type="{relations}/worksheet" '
            f'Target="/xl/worksheets/sheet1.xml" Id="rId{i}"/>'
            for i in range(4, 10_001)
        )
        return body.replace(b"</Relationships>", rels.encode() + b"</Relationships>")

    edits = {"xl/workbook.xml": many_sheets, "xl/_rels/workbook.xml.rels": many_rels}
    return _save(folder, _rezip(_workbook(_rows(5, rng)), edits))


def _check_refused_quickly(expected: str):
    def check(path: Path, scratch: Path) -> None:
        start = time.perf_counter()
        code, _, err = _run(["import", str(path), "-o", str(scratch / "p.gpkg")])
        assert time.perf_counter() - start < 2.0
        assert code == 1
        lines = err.strip().splitlines()
        assert len(lines) == 1, lines
        assert path.name in lines[0]
        assert expected in lines[0], lines[0]
        assert not (scratch / "p.gpkg").exists()

    return check


def _build_xlsx_shared_strings(folder: Path, rng: random.Random) -> Path:
    """96 MiB of shared strings (three million of them) in ~100 KB."""

    def strings(handle) -> None:
        count = 3_000_000
        handle.write(
            b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
            + f' count="{count}" uniqueCount="{count}">'.encode()
        )
        block = b"<si><t>Sgou0123456789abcdef</t></si>" * 10_000
        for _ in range(count // 10_000):
            handle.write(block)
        handle.write(b"</sst>")

    def declare(body: bytes) -> bytes:
        override = (
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_SST_TYPE}"/>'
        )
        return body.replace(b"</Types>", override.encode() + b"</Types>")

    data = _rezip(
        _workbook(_rows(5, rng)),
        {"[Content_Types].xml": declare},
        {"xl/sharedStrings.xml": strings},
    )
    return _save(folder, data)


def _build_xlsx_far_row(folder: Path, rng: random.Random) -> Path:
    def far_row(body: bytes) -> bytes:
        row = (
            b'<row r="2000000000"><c r="A2000000000" t="inlineStr">'
            b"<is><t>x</t></is></c></row>"
        )
        return body.replace(b"</sheetData>", row + b"</sheetData>")

    return _save(folder, _rezip(_workbook(_rows(5, rng)), {_SHEET: far_row}))


# --------------------------------------------------------------- recipes ---
BUFFER = "[[analysis]]\nkind = 'buffer'\nat = [-6.2157, 13.4317]\n"
ZONES = "[[analysis]]\nkind = 'zones'\n"
CORRIDOR = "[[analysis]]\nkind = 'corridor'\nline = 'LINESTRING (-7 13, -6 14)'\n"


def _recipe(text: str):
    def build(folder: Path, rng: random.Random) -> Path:
        path = folder / "recipe.toml"
        path.write_text(f"name = 'hostile {rng.randint(0, 999)}'\n{text}\n", "utf-8")
        return path

    return build


def _refused_recipe(*expected: str):
    def check(path: Path, scratch: Path) -> None:
        events = _write_events(scratch, _rows(3, random.Random(0)))
        out = scratch / "out"
        code, _, err = _run(
            ["batch", str(path), "--dataset", str(events), "-o", str(out)]
        )
        assert code == 1
        lines = err.strip().splitlines()
        assert len(lines) == 1, lines
        assert lines[0].startswith("sahelgis: recipe.toml: "), lines[0]
        for text in expected:
            assert text in lines[0], lines[0]
        assert not out.exists()

    return check


def _recipe_case(name: str, text: str, expect: str, *expected: str) -> HostileCase:
    return HostileCase(
        name, "recipe", expect, _recipe(text), _refused_recipe(*expected)
    )


CASES: list[HostileCase] = [
    HostileCase(
        "ev_utf8_one_stray_byte",
        "events",
        "read as UTF-8 (Ségou intact); record 3 rejected: notes, '\\xe9', "
        "'invalid UTF-8 byte'",
        _build_one_stray,
        _check_one_stray,
    ),
    HostileCase(
        "ev_utf8_stray_bytes_three_rows",
        "events",
        "read as UTF-8; records 2, 6 and 9 rejected with their field and bytes "
        "as \\xNN, also in import --report",
        _build_three_stray,
        _check_three_stray,
    ),
    HostileCase(
        "ev_cp1252_file",
        "events",
        "decoded as cp1252 with a warning; Ségou, – and « » intact",
        _build_cp1252,
        _check_cp1252,
    ),
    HostileCase(
        "ev_latin1_one_utf8_sequence",
        "events",
        "decoded as a single-byte encoding (one UTF-8 é does not make it UTF-8); "
        "every row read, Ségou intact",
        _build_latin1_one_utf8,
        _check_latin1_one_utf8,
    ),
    HostileCase(
        "ev_utf16le_no_bom",
        "events",
        "decoded as UTF-16-LE; every row read, Ségou intact",
        _build_utf16le,
        _check_utf16le,
    ),
    HostileCase(
        "ev_mixed_line_endings",
        "events",
        "CRLF, LF and CR in one file: every record read, none rejected",
        _build_mixed_newlines,
        _check_mixed_newlines,
    ),
    HostileCase(
        "ev_injection_reject_report",
        "events",
        "formulas (=HYPERLINK, @SUM, +1+1, -2+3, tab, CR) in failing fields are "
        "written with a leading ' in the import --report CSV",
        _build_injection_report,
        _check_injection_report,
    ),
    HostileCase(
        "ev_injection_buffer_csv",
        "events",
        "formula event types are written with a leading ' by buffer -o out.csv "
        "and on stdout",
        _build_injection_types,
        _check_buffer_outputs,
    ),
    HostileCase(
        "ev_injection_counts_csv",
        "events",
        "formula event types are written with a leading ' by counts -o out.csv, "
        "as cells and as --wide column names",
        _build_injection_types,
        _check_counts_outputs,
    ),
    HostileCase(
        "ev_injection_batch_csv",
        "events",
        "formula event types are written with a leading ' in the tables of "
        "sahelgis batch -o DIR",
        _build_injection_batch,
        _check_batch_outputs,
    ),
    HostileCase(
        "ev_xlsx_cell_at_xfd1048576",
        "events",
        "a workbook with one extra cell at XFD1048576 reads its 5 rows in under "
        "2 s and 256 MiB",
        _build_xlsx_xfd,
        _check_real_rows_quickly,
    ),
    HostileCase(
        "ev_xlsx_declared_dimension_huge",
        "events",
        "a workbook declaring A1:XFD1048576 with 5 rows reads them in under 2 s "
        "and 64 MiB",
        _build_xlsx_dimension,
        _check_real_rows_quickly,
    ),
    HostileCase(
        "ev_xlsx_10000_sheets",
        "events",
        "refused in under 2 s with one line: 10,000 sheets",
        _build_xlsx_sheets,
        _check_refused_quickly("10,000 sheets"),
    ),
    HostileCase(
        "ev_xlsx_shared_strings_bomb",
        "events",
        "96 MiB of shared strings in ~100 KB: refused in under 2 s with one line "
        "(decompression bomb)",
        _build_xlsx_shared_strings,
        _check_refused_quickly("decompression bomb"),
    ),
    HostileCase(
        "ev_xlsx_row_two_billion",
        "events",
        "a cell in row 2,000,000,000: refused in under 2 s with one line (more "
        "than 1,048,576 rows)",
        _build_xlsx_far_row,
        _check_refused_quickly("more than 1,048,576 rows"),
    ),
    _recipe_case(
        "ev_recipe_radius_1e9_km",
        BUFFER + "radii = ['1e9 km']",
        "refused: recipe.toml, analysis 1 (buffer), radii, 2,000 km limit",
        "analysis 1 (buffer)",
        "radii = '1e9 km'",
        "2,000 km limit",
    ),
    _recipe_case(
        "ev_recipe_radius_negative",
        BUFFER + "radii = ['-5 km']",
        "refused: recipe.toml, analysis 1 (buffer), radii '-5 km'",
        "analysis 1 (buffer)",
        "radii = '-5 km'",
        "greater than zero",
    ),
    _recipe_case(
        "ev_recipe_radius_nan",
        BUFFER + "radii = [nan]",
        "refused: recipe.toml, analysis 1 (buffer), radii nan",
        "analysis 1 (buffer)",
        "radii = nan",
        "not a finite number",
    ),
    _recipe_case(
        "ev_recipe_bbox_1e308",
        "[scope]\nbbox = [-1e308, -1e308, 1e308, 1e308]\n" + ZONES,
        "refused: recipe.toml, [scope] bbox outside -180..180 / -90..90",
        "[scope]: bbox",
        "longitudes must be in -180..180",
    ),
    _recipe_case(
        "ev_recipe_bbox_lon_500",
        "[scope]\nbbox = [-500, 10, 500, 20]\n" + ZONES,
        "refused: recipe.toml, [scope] bbox longitude 500",
        "[scope]: bbox = [-500, 10, 500, 20]",
        "longitudes must be in -180..180",
    ),
    _recipe_case(
        "ev_recipe_bbox_nan",
        "[scope]\nbbox = [nan, 10, 5, 20]\n" + ZONES,
        "refused: recipe.toml, [scope] bbox NaN",
        "[scope]: bbox",
        "finite number",
    ),
    _recipe_case(
        "ev_recipe_date_year_99999",
        "[scope]\nfrom = '99999-01-01'\n" + ZONES,
        "refused: recipe.toml, [scope] from 99999-01-01",
        "[scope]: from = '99999-01-01'",
        "YYYY-MM-DD",
    ),
    _recipe_case(
        "ev_recipe_date_year_1066",
        "[scope]\nto = 1066-10-14\n" + ZONES,
        "refused: recipe.toml, [scope] to 1066 (years 1900 to 2100)",
        "[scope]: to = datetime.date(1066, 10, 14)",
        "the year must be 1900 to 2100",
    ),
    _recipe_case(
        "ev_recipe_min_events_negative",
        ZONES + "[analysis.rules]\nmin_events = -1",
        "refused: recipe.toml, analysis 1 (zones), rules.min_events -1",
        "analysis 1 (zones)",
        "rules.min_events = -1",
        "expected 1 to 1,000,000",
    ),
    _recipe_case(
        "ev_recipe_min_fatalities_negative",
        "[scope]\nmin_fatalities = -1\n" + ZONES,
        "refused: recipe.toml, [scope] min_fatalities (a scope has no such key)",
        "[scope]",
        "unknown keys: min_fatalities",
    ),
    _recipe_case(
        "ev_recipe_zones_eps_nan",
        ZONES + "[analysis.rules]\neps_km = nan",
        "refused: recipe.toml, analysis 1 (zones), rules.eps_km nan",
        "analysis 1 (zones)",
        "rules.eps_km = nan",
    ),
    _recipe_case(
        "ev_recipe_corridor_within_inf",
        CORRIDOR + "within = inf",
        "refused: recipe.toml, analysis 1 (corridor), within inf",
        "analysis 1 (corridor)",
        "within = inf",
    ),
    _recipe_case(
        "ev_recipe_radii_m_huge",
        BUFFER + "radii_m = [1e15]",
        "refused: recipe.toml, analysis 1 (buffer), radii_m 1e15 m",
        "analysis 1 (buffer)",
        "radii_m = 1000000000000000.0",
        "2,000 km limit",
    ),
]


# ------------------------------------------- archives, UCDP GED, OSM (issue 17) ---
def _build_zip_many_members(folder: Path, rng: random.Random) -> Path:
    """A ZIP of 1,001 tiny members: refused before any is unpacked."""
    path = folder / "events.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for i in range(1_001):
            archive.writestr(f"part{i:04d}.csv", "x\n")
    return path


def _build_zip_traversal(folder: Path, rng: random.Random) -> Path:
    """A ZIP whose one CSV is named ``../../escaped.csv``."""
    path = folder / "events.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("../../escaped.csv", _csv_text(_rows(6, rng)))
    return path


def _check_zip_traversal(path: Path, scratch: Path) -> None:
    before = set(path.parents[1].rglob("*"))
    code, out, err = _run(["import", str(path), "-o", str(scratch / "p.gpkg")])
    assert code == 0, err
    assert "read 6 rows" in out
    after = set(path.parents[1].rglob("*"))
    # nothing written beside or above the archive: the member is unpacked
    # under its own safe name in a temporary folder
    assert {p for p in after - before if not p.is_relative_to(scratch)} == set()
    assert not (path.parents[2] / "escaped.csv").exists()


def _build_ged_injection(folder: Path, rng: random.Random) -> Path:
    """A UCDP GED CSV whose actor names are formulas, markup and a URL."""
    from tests.io.test_ucdp import ged_rows, write_ged

    rows = ged_rows(6, seed=rng.randrange(1_000))
    rows[0]["side_a"] = '=HYPERLINK("http://127.0.0.1:9/x","y")'
    rows[1]["side_a"] = "<b>JNIM</b><img src='http://127.0.0.1:9/p.png'>"
    for row in rows:
        row["type_of_violence"] = "3"
    return write_ged(folder / "ged.csv", rows)


def _check_ged_injection(path: Path, scratch: Path) -> None:
    project = scratch / "p.gpkg"
    code, _, err = _run(["import", str(path), "-o", str(project)])
    assert code == 0, err
    code, out, err = _run(
        ["counts", str(project), "--areas", "country", "--by", "actor1"]
    )
    assert code == 0, err
    # the formula is written as text; the markup stays literal characters
    _assert_escaped(out, ('=HYPERLINK("http://127.0.0.1:9/x","y")',))
    assert "<b>JNIM</b><img src='http://127.0.0.1:9/p.png'>" in out


def _build_osm_garbage(folder: Path, rng: random.Random) -> Path:
    path = folder / "extract.osm.pbf"
    path.write_bytes(bytes(rng.randrange(256) for _ in range(4_096)))
    return path


def _check_osm_refused(path: Path, scratch: Path) -> None:
    start = time.perf_counter()
    code, _, err = _run(["import-osm", str(path), "-o", str(scratch / "p.gpkg")])
    assert time.perf_counter() - start < 2.0
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1, lines
    assert path.name in lines[0]
    assert not (scratch / "p.gpkg").exists()


CASES += [
    HostileCase(
        "ev_zip_1001_members",
        "events",
        "a ZIP of 1,001 members: refused in under 2 s with one line (at most 1,000)",
        _build_zip_many_members,
        _check_refused_quickly("1,001 members"),
    ),
    HostileCase(
        "ev_zip_member_path_traversal",
        "events",
        "a ZIP whose CSV is named ../../escaped.csv: imported, nothing written "
        "outside the output",
        _build_zip_traversal,
        _check_zip_traversal,
    ),
    HostileCase(
        "ev_ged_formula_markup_url",
        "events",
        "UCDP GED actors that are a formula, markup and URLs: imported; CSV "
        "output escapes the formula, markup stays literal, nothing fetched",
        _build_ged_injection,
        _check_ged_injection,
    ),
    HostileCase(
        "ev_osm_random_bytes",
        "events",
        "an .osm.pbf of random bytes: import-osm refused in under 2 s with one "
        "line naming it; no project written",
        _build_osm_garbage,
        _check_osm_refused,
    ),
]
