"""Write the bad-input corpus ``tests/data/bad/`` and its ``MANIFEST.csv``.

Run from the repository root (the venv active)::

    python tests/hardening/make_bad_corpus.py

Every file is small (a few KB; the three "huge field" files about 200 KB) and
made here from scratch, so the corpus can be rebuilt and reviewed. The output is
deterministic apart from what GDAL and SQLite lay out themselves; the folder
belongs to this script (files it no longer makes are deleted).

``MANIFEST.csv`` columns (read by ``tests/hardening/test_bad_inputs.py``):

file
    Name in ``tests/data/bad/`` (a Shapefile's ``.shx``/``.dbf``/``.prj``
    sidecars are not listed: they travel with their ``.shp``).
reader
    ``acled`` (``read_acled``), ``vector`` (``read_vector``), ``roads``
    (``read_road_layer``), ``drawings`` (``import_drawings``), ``table``
    (``export.join.read_table`` + ``join_table``) or ``project``
    (``load_project``).
layer
    Layer name to ask for (vector/roads); empty: the first layer.
expect
    ``error``: the reader raises a ``SahelGISError`` whose message starts with
    the file name and contains ``expected``. ``rows``: it reads, and
    ``expected`` is ``read=N rejected=M fields=a|b``: rows (features, layers,
    matched table rows) read, distinct rows rejected (ACLED rejects; table rows
    matching no country) and the fields that must appear in the rejects.
cli
    The ``sahelgis`` sub-commands that must fail on this file with one line
    ``sahelgis: <file>: ...`` and a non-zero exit (``import``, ``info``).
xfail / cli_xfail
    Why the reader / the CLI does not do this yet (empty: it does); a reason
    marks the test ``xfail(strict=True)``.
description
    What the file is.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
import random
import re
import shutil
import sqlite3
import struct
import sys
import tempfile
import warnings
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BAD = ROOT / "tests" / "data" / "bad"
MANIFEST = BAD / "MANIFEST.csv"
SIDE_CARS = (".shx", ".dbf", ".prj", ".cpg")
ZIP_DATE = (2024, 1, 1, 0, 0, 0)

# -- manifest --------------------------------------------------------------------------


@dataclass
class Case:
    file: str
    reader: str
    expect: str
    expected: str
    description: str
    layer: str = ""
    cli: str = ""
    xfail: str = ""
    cli_xfail: str = ""


ORDER = [
    "file",
    "reader",
    "layer",
    "expect",
    "expected",
    "cli",
    "xfail",
    "cli_xfail",
    "description",
]
CASES: list[Case] = []
BUILDERS: dict[str, Callable[[Path], None]] = {}


def case(**kwargs: str) -> Callable[[Callable[[Path], None]], Callable[[Path], None]]:
    """Register a builder writing ``BAD / file``."""

    def register(fn: Callable[[Path], None]) -> Callable[[Path], None]:
        item = Case(**kwargs)
        CASES.append(item)
        BUILDERS[item.file] = fn
        return fn

    return register


def data_case(data: bytes, **kwargs: str) -> None:
    """Register a file whose content is known bytes."""
    case(**kwargs)(lambda path: path.write_bytes(data))


# -- ACLED text ------------------------------------------------------------------------

#: The 31 columns of a current ACLED export, in its order.
HEADER = [
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "tags",
    "timestamp",
]

PLACES = [
    ("Nara", "Koulikoro", "15.1685", "-7.2857"),
    ("Banamba", "Koulikoro", "13.5494", "-7.4489"),
    ("Kati", "Koulikoro", "12.7441", "-8.0718"),
    ("Ségou", "Ségou", "13.4317", "-6.2157"),
    ("Sirakoro Méguétana", "Bamako", "12.6145", "-7.9208"),
    ("Diéma", "Kayes", "14.5400", "-9.1900"),
]


def row(i: int, **overrides: str) -> dict[str, str]:
    """A valid ACLED row (id MLI<i>), with overrides."""
    location, admin1, lat, lon = PLACES[(i - 1) % len(PLACES)]
    base = {
        "event_id_cnty": f"MLI{i}",
        "event_date": f"2024-03-{i % 28 + 1:02d}",
        "year": "2024",
        "time_precision": "1",
        "disorder_type": "Political violence",
        "event_type": "Battles",
        "sub_event_type": "Armed clash",
        "actor1": "JNIM: Group for Support of Islam and Muslims",
        "assoc_actor_1": "",
        "inter1": "Rebel group",
        "actor2": "Military Forces of Mali (2021-)",
        "assoc_actor_2": "",
        "inter2": "State forces",
        "interaction": "State forces-Rebel group",
        "civilian_targeting": "",
        "iso": "466",
        "region": "Western Africa",
        "country": "Mali",
        "admin1": admin1,
        "admin2": admin1,
        "admin3": "",
        "location": location,
        "latitude": lat,
        "longitude": lon,
        "geo_precision": "1",
        "source": "Test fixture",
        "source_scale": "National",
        "notes": f"On {i} March 2024, JNIM militants clashed with soldiers "
        f'near {location}; "several" casualties, per local sources.',
        "fatalities": str(i % 4),
        "tags": "",
        "timestamp": str(1709251200 + i),
    }
    base.update(overrides)
    return base


def csv_text(
    rows: list[dict[str, str]],
    columns: list[str] | None = None,
    delimiter: str = ",",
    newline: str = "\r\n",
) -> str:
    """Rows as an ACLED export writes them (quoted as needed, CRLF)."""
    columns = columns or HEADER
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=newline)
    writer.writerow(columns)
    for item in rows:
        writer.writerow([item.get(c.split("#")[0], "") for c in columns])
    return buffer.getvalue()


def good_rows(n: int = 4) -> list[dict[str, str]]:
    return [row(i) for i in range(1, n + 1)]


def utf8(text: str) -> bytes:
    return text.encode("utf-8")


PNG_1x1 = (
    b"\x89PNG\r\n\x1a\n"
    + struct.pack(">I", 13)
    + b"IHDR"
    + struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    + struct.pack(
        ">I", zlib.crc32(b"IHDR" + struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
    )
    + struct.pack(">I", 12)
    + b"IDAT"
    + zlib.compress(b"\x00\xff\x00\x00")
    + b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


def junk(n: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(n)


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


def _acled_cases() -> None:
    good = csv_text(good_rows())
    lines = good.split("\r\n")
    full_4 = "\r\n".join(lines[:5])  # header + 4 rows, no final newline

    data_case(
        b"",
        file="acled_empty.csv",
        reader="acled",
        expect="error",
        expected="the file is empty",
        cli="import info",
        description="0 bytes",
    )
    data_case(
        b"\r\n\r\n   \n\t\n",
        file="acled_blank_lines.csv",
        reader="acled",
        expect="error",
        expected="the file is empty",
        cli="import info",
        description="only blank lines",
    )
    data_case(
        utf8(lines[0] + "\r\n"),
        file="acled_header_only.csv",
        reader="acled",
        expect="error",
        expected="has a header but no data rows",
        cli="import info",
        description="the ACLED header and no record",
    )
    cut = full_4.rindex(",2024-03-05,") + 8  # inside the date of record 4
    data_case(
        utf8(full_4[:cut]),
        file="acled_truncated_mid_row.csv",
        reader="acled",
        expect="rows",
        expected="read=3 rejected=1 fields=row",
        description="download cut in the middle of record 4 (unquoted part)",
    )
    cut = full_4.rindex('"several"') - 10  # inside the quoted notes of record 4
    data_case(
        utf8(full_4[:cut]),
        file="acled_truncated_in_quote.csv",
        reader="acled",
        expect="rows",
        expected="read=3 rejected=1 fields=row",
        description="download cut inside the quoted notes of the last record",
    )
    data_case(
        junk(2048, 1),
        file="acled_binary_junk.csv",
        reader="acled",
        expect="error",
        expected="binary content",
        cli="import info",
        description="2 KB of random bytes",
    )
    data_case(
        PNG_1x1,
        file="acled_png_renamed.csv",
        reader="acled",
        expect="error",
        expected="binary content",
        cli="import info",
        description="a PNG image renamed .csv",
    )
    data_case(
        zip_bytes({"acled_export.csv": utf8(good)}),
        file="acled_zipped_csv.csv",
        reader="acled",
        expect="rows",
        expected="read=4 rejected=0",
        description="a ZIP holding the CSV (as ACLED downloads come), named .csv",
    )
    data_case(
        zip_bytes({"readme.md": b"# not an export\n"}),
        file="acled_zip_without_csv.csv",
        reader="acled",
        expect="error",
        expected="without a CSV or .xlsx file inside",
        cli="import info",
        description="a ZIP holding no CSV or workbook, named .csv",
    )
    data_case(
        utf8(csv_text(good_rows(), delimiter="|")),
        file="acled_pipe_delimited.csv",
        reader="acled",
        expect="error",
        expected="not an ACLED export",
        cli="import info",
        description="wrong delimiter: '|'",
    )
    data_case(
        utf8(
            csv_text(
                [
                    row(i, latitude=row(i)["latitude"].replace(".", ","))
                    for i in range(1, 4)
                ],
                delimiter=";",
            )
        ),
        file="acled_semicolon_decimal_comma.csv",
        reader="acled",
        expect="rows",
        expected="read=3 rejected=0",
        description="French Excel: ';' delimiter and decimal commas",
    )
    data_case(
        codecs.BOM_UTF8 + utf8(good),
        file="acled_utf8_bom.csv",
        reader="acled",
        expect="rows",
        expected="read=4 rejected=0",
        description="UTF-8 with BOM",
    )
    data_case(
        good.encode("latin-1"),
        file="acled_latin1.csv",
        reader="acled",
        expect="rows",
        expected="read=4 rejected=0",
        description="Latin-1 text (Ségou, Méguétana)",
    )
    data_case(
        good.encode("utf-16"),
        file="acled_utf16_bom.csv",
        reader="acled",
        expect="rows",
        expected="read=4 rejected=0",
        description="UTF-16 LE with BOM (Excel 'Unicode text')",
    )
    data_case(
        good.encode("utf-16-le"),
        file="acled_utf16le_no_bom.csv",
        reader="acled",
        expect="rows",
        expected="read=4 rejected=0",
        description="UTF-16 LE without BOM",
    )
    data_case(
        codecs.BOM_UTF16_BE + good.encode("utf-16-be"),
        file="acled_utf16be_bom.csv",
        reader="acled",
        expect="rows",
        expected="read=4 rejected=0",
        description="UTF-16 BE with BOM",
    )
    data_case(
        good.encode("utf-16")[:1001],
        file="acled_utf16_truncated.csv",
        reader="acled",
        expect="error",
        expected="cannot be decoded as UTF-16",
        cli="import info",
        description="UTF-16 cut at an odd byte",
    )
    data_case(
        utf8(
            csv_text(
                good_rows(), [c for c in HEADER if c not in ("latitude", "longitude")]
            )
        ),
        file="acled_missing_coordinates.csv",
        reader="acled",
        expect="error",
        expected="missing required ACLED columns: latitude, longitude",
        cli="import info",
        description="no latitude/longitude columns",
    )
    data_case(
        utf8(
            "country,iso_a3,category\r\nMali,MLI,Junta-led\r\nNiger,NER,Junta-led\r\n"
        ),
        file="acled_country_table.csv",
        reader="acled",
        expect="error",
        expected="not an ACLED export",
        cli="import info",
        description="a country table given to the event importer",
    )
    dup_buffer = io.StringIO(newline="")
    dup_writer = csv.writer(dup_buffer, lineterminator="\r\n")
    dup_writer.writerow([*HEADER, "latitude", "notes"])
    for item in good_rows(3):
        dup_writer.writerow([*(item[c] for c in HEADER), "not a number", "second"])
    dup_lines = dup_buffer.getvalue().split("\r\n")
    data_case(
        utf8("\r\n".join(dup_lines)),
        file="acled_duplicated_columns.csv",
        reader="acled",
        expect="rows",
        expected="read=3 rejected=0",
        description="latitude and notes twice (the second latitude is junk)",
    )
    data_case(
        utf8(
            csv_text(
                [
                    row(1),
                    row(2),
                    row(3, latitude="-7.9208", longitude="12.6145"),
                    row(4, latitude="100.5", longitude="13.5"),
                ]
            )
        ),
        file="acled_swapped_coordinates.csv",
        reader="acled",
        expect="rows",
        expected="read=3 rejected=1 fields=latitude",
        description="lat/lon swapped: in range (undetectable, read) and out of "
        "range (rejected)",
    )
    bad_coords = [
        row(1),
        row(2, latitude="91"),
        row(3, longitude="-181"),
        row(4, latitude="12,6,1"),
        row(5, latitude=""),
        row(6, latitude="0", longitude="0"),
        row(7, latitude="NaN"),
        row(8, longitude="inf"),
        row(9, latitude="13.5 N"),
    ]
    data_case(
        utf8(csv_text(bad_coords)),
        file="acled_out_of_range_coordinates.csv",
        reader="acled",
        expect="rows",
        expected="read=1 rejected=8 fields=latitude|longitude|latitude/longitude",
        description="coordinates out of range, empty, 0/0, NaN, inf, text",
    )
    bad_dates = [
        row(1),
        row(2, event_date="2024-02-30"),
        row(3, event_date="2023-02-29"),
        row(4, event_date="yesterday"),
        row(5, event_date=""),
        row(6, event_date="2024-13-01"),
        row(7, event_date="32 January 2024"),
        row(8, event_date="#####"),
    ]
    data_case(
        utf8(csv_text(bad_dates)),
        file="acled_invalid_dates.csv",
        reader="acled",
        expect="rows",
        expected="read=1 rejected=7 fields=event_date",
        description="impossible, unparseable, missing and Excel '#####' dates",
    )
    ambiguous = [
        row(1, event_date="03/04/2024"),
        row(2, event_date="4 Mar 2024"),
        row(3, event_date="2024-3-4"),
        row(4, event_date="12/31/2024"),
        row(5, event_date="04/03/24"),
        row(6, event_date="2024/03/04"),
    ]
    data_case(
        utf8(csv_text(ambiguous)),
        file="acled_ambiguous_dates.csv",
        reader="acled",
        expect="rows",
        expected="read=3 rejected=3 fields=event_date",
        description="day/month order: DMY read, US MM/DD/YYYY and 2-digit years "
        "rejected",
    )
    huge = [
        row(1),
        row(2, notes="[HUGE] " + "Lorem ipsum dolor sit amet; " * 7200),
        row(3),
        row(4),
    ]
    huge_lines = csv_text(huge).split("\r\n")
    huge_lines[3] += ",an extra field"  # record 3 is ragged: the slow path runs
    data_case(
        utf8("\r\n".join(huge_lines)),
        file="acled_huge_notes.csv",
        reader="acled",
        expect="rows",
        expected="read=3 rejected=1 fields=row",
        description="a 200 KB notes cell (over the csv module's 128 KiB field "
        "limit) and a ragged record",
    )
    data_case(
        utf8(
            csv_text(
                [
                    row(1),
                    row(2),
                    row(3),
                    row(2),
                    row(1, event_id_cnty=" MLI1 "),
                    row(6, event_id_cnty=""),
                ]
            )
        ),
        file="acled_duplicate_ids.csv",
        reader="acled",
        expect="rows",
        expected="read=3 rejected=3 fields=event_id_cnty",
        description="repeated event ids (one with spaces) and a missing id",
    )
    ragged_buffer = io.StringIO(newline="")
    ragged_writer = csv.writer(ragged_buffer, lineterminator="\r\n")
    ragged_writer.writerow(HEADER)
    for i, item in enumerate(good_rows(4), start=1):
        values = [item[c] for c in HEADER]
        if i == 2:
            values += ["extra", "fields"]
        elif i == 3:
            values = values[:-5]
        ragged_writer.writerow(values)
    ragged_lines = [ragged_buffer.getvalue()]
    data_case(
        utf8("\r\n".join(ragged_lines)),
        file="acled_ragged_rows.csv",
        reader="acled",
        expect="rows",
        expected="read=2 rejected=2 fields=row",
        description="a record with two fields too many and one with five too few",
    )
    nul_text = csv_text([row(1), row(2, notes="a NUL \x00 inside notes"), row(3)])
    data_case(
        utf8(nul_text),
        file="acled_nul_in_field.csv",
        reader="acled",
        expect="rows",
        expected="read=3 rejected=0",
        description="a NUL byte inside a quoted notes cell",
    )
    plain = [row(i, notes=f"plain notes {i}") for i in range(1, 5)]
    quote_lines = csv_text(plain).split("\r\n")
    quote_lines[2] = quote_lines[2].replace(",Banamba,", ',"Banamba,', 1)
    data_case(
        utf8("\r\n".join(quote_lines)),
        file="acled_unterminated_quote.csv",
        reader="acled",
        expect="rows",
        expected="read=1 rejected=1 fields=row",
        description="a quote opened in record 2 and never closed: the rest of "
        "the file is one field of record 2",
    )
    data_case(
        utf8(
            csv_text(
                [
                    row(1, event_date="never"),
                    row(2, latitude="north"),
                    row(3, event_type=""),
                ]
            )
        ),
        file="acled_all_rows_rejected.csv",
        reader="acled",
        expect="rows",
        expected="read=0 rejected=3 fields=event_date|latitude|event_type",
        cli="import",
        description="every record fails a check (import: 'no row could be read')",
    )
    data_case(
        utf8(csv_text(good_rows(), newline="\r")),
        file="acled_cr_line_endings.csv",
        reader="acled",
        expect="rows",
        expected="read=4 rejected=0",
        description="classic Mac line endings (CR only)",
    )
    style = "".join(
        f".c{k}{{margin:{k}px}} .d{k}{{color:#{k:03d}}}" for k in range(100)
    )
    data_case(
        utf8(
            f"<!DOCTYPE html><html><head><style>{style}</style><title>403 "
            "Forbidden</title></head><body><h1>Access denied</h1><p>Your API "
            "key has expired.</p></body></html>\n"
        ),
        file="acled_html_error_page.csv",
        reader="acled",
        expect="error",
        expected="not an ACLED export",
        cli="import info",
        description="a minified HTML error page (one 3 KB line) saved as .csv",
    )
    data_case(
        utf8(
            json.dumps(
                {"status": 200, "success": True, "count": 3, "data": good_rows(3)},
                ensure_ascii=False,
            )
        ),
        file="acled_api_json.txt",
        reader="acled",
        expect="error",
        expected="not an ACLED export",
        cli="import info",
        description="the ACLED API's JSON answer saved as .txt",
    )
    data_case(
        utf8(
            csv_text(
                [
                    row(1),
                    row(2, fatalities="-1"),
                    row(3, fatalities="two"),
                    row(4, time_precision="4"),
                    row(5, geo_precision="x"),
                    row(6, fatalities="99999999999"),
                ]
            )
        ),
        file="acled_bad_numbers.csv",
        reader="acled",
        expect="rows",
        expected="read=1 rejected=5 fields=fatalities|time_precision|geo_precision",
        description="negative, text and overflowing fatalities; precisions out of 1-3",
    )
    data_case(
        "ï»¿".encode() + utf8(good),
        file="acled_bom_as_text.csv",
        reader="acled",
        expect="rows",
        expected="read=4 rejected=0",
        description="a UTF-8 BOM once decoded as cp1252 and saved again as UTF-8",
    )


def _xlsx(rows: list[list[object]], *, sheets: int = 1) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.properties.created = dt.datetime(2024, 1, 1)
    wb.properties.modified = dt.datetime(2024, 1, 1)
    ws = wb.active
    for values in rows:
        ws.append(values)
    for k in range(1, sheets):
        wb.create_sheet(f"Sheet{k + 1}")
    buffer = io.BytesIO()
    wb.save(buffer)
    return _fix_zip_dates(buffer.getvalue())


def _fix_zip_dates(data: bytes) -> bytes:
    """Rewrite a zip with fixed member dates (openpyxl stamps 'now')."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, ZIP_DATE)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":  # "modified" is always now
                data = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*",
                    rb"\g<1>2024-01-01T00:00:00Z",
                    data,
                )
            archive.writestr(fixed, data)
    return out.getvalue()


def _xlsx_cases() -> None:
    table = [HEADER] + [[r[c] for c in HEADER] for r in good_rows()]
    valid = _xlsx(table)
    data_case(
        valid[: len(valid) // 2],
        file="acled_xlsx_truncated.xlsx",
        reader="acled",
        expect="error",
        expected="not a readable .xlsx workbook",
        cli="import info",
        description="a workbook cut in half",
    )
    data_case(
        _xlsx([]),
        file="acled_xlsx_empty.xlsx",
        reader="acled",
        expect="error",
        expected="first sheet is empty",
        cli="import info",
        description="a workbook with an empty sheet",
    )
    bad = [HEADER] + [
        [r[c] for c in HEADER]
        for r in (
            row(1),
            row(2, event_date="31/02/2024"),
            row(3, latitude="abc"),
            row(4),
        )
    ]
    data_case(
        _xlsx(bad),
        file="acled_xlsx_bad_rows.xlsx",
        reader="acled",
        expect="rows",
        expected="read=2 rejected=2 fields=event_date|latitude",
        description="a workbook with an impossible date and a text latitude",
    )
    data_case(
        _xlsx([[c for c in HEADER if c != "event_date"], ["x"] * 30]),
        file="acled_xlsx_missing_columns.xlsx",
        reader="acled",
        expect="error",
        expected="missing required ACLED columns: event_date",
        cli="import info",
        description="a workbook without event_date",
    )
    data_case(
        utf8(csv_text(good_rows())),
        file="acled_text_named.xlsx",
        reader="acled",
        expect="error",
        expected="named like an Excel workbook but is not one",
        cli="import info",
        description="CSV text renamed .xlsx",
    )
    data_case(
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + junk(1024, 2),
        file="acled_old_excel.xls",
        reader="acled",
        expect="error",
        expected="old Excel .xls workbooks are not supported",
        cli="import",
        description="an old binary Excel workbook (OLE header)",
    )
    data_case(
        zip_bytes(
            {
                "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns='
                b'"http://schemas.openxmlformats.org/package/2006/content-types">'
                b"</Types>",
                "word/document.xml": b"<w:document/>",
            }
        ),
        file="acled_docx_named.xlsx",
        reader="acled",
        expect="error",
        expected="not a readable .xlsx workbook",
        cli="import info",
        description="an Office zip that is not a workbook (a Word file renamed)",
    )


# -- vector files ----------------------------------------------------------------------


def _gdf(geoms: list[object], crs: str | None = "EPSG:4326", **columns: list[object]):
    import geopandas as gpd

    return gpd.GeoDataFrame(columns, geometry=geoms, crs=crs)


def _write_gpkg(path: Path, layers: dict[str, object], **options: object) -> None:
    import pyogrio

    for name, frame in layers.items():
        pyogrio.write_dataframe(
            frame,
            path,
            layer=name,
            driver="GPKG",
            append=path.exists(),
            layer_options={"SPATIAL_INDEX": "NO"},
            **options,
        )
    _compact(path)


def _compact(path: Path) -> None:
    """No spatial index, small pages, no free space: a few KB per table."""
    con = sqlite3.connect(path)
    try:
        triggers = con.execute(
            "SELECT name FROM sqlite_master "
            "WHERE type='trigger' AND name LIKE 'rtree_%'"
        ).fetchall()
        for (name,) in triggers:
            con.execute(f'DROP TRIGGER "{name}"')
        indexes = con.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name LIKE 'rtree_%' "
            "AND sql LIKE 'CREATE VIRTUAL TABLE%'"
        ).fetchall()
        for (name,) in indexes:
            con.execute(f'DROP TABLE "{name}"')
        if indexes:
            con.execute(
                "DELETE FROM gpkg_extensions WHERE extension_name='gpkg_rtree_index'"
            )
        has_contents = con.execute(
            "SELECT 1 FROM sqlite_master WHERE name='gpkg_contents'"
        ).fetchone()
        if has_contents:  # SQLite stamps rows it adds itself with "now"
            con.execute(
                "UPDATE gpkg_contents SET last_change='2024-01-01T00:00:00.000Z'"
            )
        con.commit()
        con.execute("PRAGMA page_size=1024")
        con.execute("VACUUM")
    finally:
        con.close()


def _valid_points():
    from shapely.geometry import Point

    return _gdf(
        [Point(-7.2857, 15.1685), Point(-7.4489, 13.5494), Point(-8.0718, 12.7441)],
        name=["Nara", "Banamba", "Kati"],
    )


def _gpkg_cases() -> None:
    from shapely.geometry import LineString, Polygon
    from shapely.geometry.polygon import Polygon as EmptyPolygon

    def valid_gpkg(path: Path) -> None:
        _write_gpkg(path, {"towns": _valid_points()})

    data_case(
        b"",
        file="gpkg_empty.gpkg",
        reader="vector",
        expect="error",
        expected="gpkg_empty.gpkg: ",
        cli="info",
        description="0 bytes",
    )

    @case(
        file="gpkg_truncated.gpkg",
        reader="vector",
        expect="error",
        expected="gpkg_truncated.gpkg: ",
        cli="info",
        description="the first 6 KB of a GeoPackage",
    )
    def _(path: Path) -> None:
        valid_gpkg(path)
        data = path.read_bytes()
        path.write_bytes(data[:6144])

    data_case(
        b"SQLite format 3\x00" + junk(3000, 3),
        file="gpkg_binary_junk.gpkg",
        reader="vector",
        expect="error",
        expected="gpkg_binary_junk.gpkg: ",
        cli="info",
        description="an SQLite magic number followed by junk",
    )

    @case(
        file="gpkg_plain_sqlite.gpkg",
        reader="vector",
        expect="error",
        expected="gpkg_plain_sqlite.gpkg: ",
        cli="info",
        description="an SQLite database that is not a GeoPackage",
    )
    def _(path: Path) -> None:
        con = sqlite3.connect(path)
        con.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
        con.execute("INSERT INTO notes(text) VALUES ('hello')")
        con.commit()
        con.close()
        _compact(path)

    @case(
        file="gpkg_wrong_layer.gpkg",
        reader="vector",
        layer="roads",
        expect="error",
        expected="cannot read layer roads",
        description="asks for a layer 'roads' the file does not have",
    )
    def _(path: Path) -> None:
        valid_gpkg(path)

    @case(
        file="gpkg_no_features.gpkg",
        reader="vector",
        expect="error",
        expected="the layer has no features",
        description="a point layer with no feature",
    )
    def _(path: Path) -> None:
        _write_gpkg(path, {"towns": _valid_points().iloc[:0]})

    @case(
        file="gpkg_no_crs.gpkg",
        reader="vector",
        expect="error",
        expected="no coordinate reference system",
        description="a layer without a CRS",
    )
    def _(path: Path) -> None:
        _write_gpkg(path, {"towns": _valid_points().set_crs(None, allow_override=True)})

    @case(
        file="gpkg_attributes_only.gpkg",
        reader="vector",
        expect="error",
        expected="has no geometry",
        description="an attribute table without geometry",
    )
    def _(path: Path) -> None:
        import pandas as pd
        import pyogrio

        pyogrio.write_dataframe(
            pd.DataFrame({"country": ["Mali"], "category": ["x"]}),
            path,
            layer="countries",
            driver="GPKG",
        )
        _compact(path)

    @case(
        file="gpkg_null_geometries.gpkg",
        reader="vector",
        expect="error",
        expected="has no geometry",
        description="a point layer whose every geometry is NULL",
    )
    def _(path: Path) -> None:
        frame = _valid_points()
        frame.geometry = [None, None, None]
        frame = frame.set_crs("EPSG:4326", allow_override=True)
        _write_gpkg(path, {"towns": frame})

    @case(
        file="gpkg_invalid_geometries.gpkg",
        reader="vector",
        expect="rows",
        expected="read=4",
        description="a self-intersecting 'bow-tie', an empty polygon, a "
        "zero-area polygon and a valid one (all read; GIS tools accept them)",
    )
    def _(path: Path) -> None:
        frame = _gdf(
            [
                Polygon([(-8, 12), (-7, 13), (-7, 12), (-8, 13)]),
                EmptyPolygon(),
                Polygon([(-8, 12), (-7, 12), (-6, 12)]),
                Polygon([(-8, 12), (-7, 12), (-7, 13)]),
            ],
            name=["bowtie", "empty", "flat", "ok"],
        )
        _write_gpkg(path, {"zones": frame})

    @case(
        file="gpkg_out_of_range.gpkg",
        reader="vector",
        expect="error",
        expected="outside longitude/latitude range",
        description="UTM 29N metres written with an EPSG:4326 label",
    )
    def _(path: Path) -> None:
        frame = (
            _valid_points()
            .to_crs("EPSG:32629")
            .set_crs("EPSG:4326", allow_override=True)
        )
        _write_gpkg(path, {"towns": frame})

    @case(
        file="gpkg_roads_are_points.gpkg",
        reader="roads",
        expect="error",
        expected="roads must be lines",
        description="a point layer given as the road layer",
    )
    def _(path: Path) -> None:
        valid_gpkg(path)

    @case(
        file="gpkg_roads_no_ref.gpkg",
        reader="roads",
        expect="error",
        expected="no 'ref' field",
        description="road lines without a 'ref' field",
    )
    def _(path: Path) -> None:
        frame = _gdf([LineString([(-8, 12.7), (-7.3, 15.2)])], highway=["primary"])
        _write_gpkg(path, {"roads": frame})


def _geojson(features: list[dict[str, object]], **extra: object) -> bytes:
    return utf8(
        json.dumps({"type": "FeatureCollection", **extra, "features": features})
    )


def _feature(geometry: dict[str, object] | None, **properties: object):
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def _point(lon: float, lat: float) -> dict[str, object]:
    return {"type": "Point", "coordinates": [lon, lat]}


TOWN_FEATURES = [
    _feature(_point(-7.2857, 15.1685), name="Nara"),
    _feature(_point(-7.4489, 13.5494), name="Banamba"),
    _feature(_point(-8.0718, 12.7441), name="Kati"),
]


def _geojson_cases() -> None:
    valid = _geojson(TOWN_FEATURES)
    data_case(
        b"",
        file="geojson_empty.geojson",
        reader="vector",
        expect="error",
        expected="geojson_empty.geojson: ",
        cli="info",
        description="0 bytes",
    )
    data_case(
        valid[: len(valid) * 2 // 3],
        file="geojson_truncated.geojson",
        reader="vector",
        expect="error",
        expected="geojson_truncated.geojson: ",
        cli="info",
        description="two thirds of a FeatureCollection",
    )
    data_case(
        junk(1500, 4),
        file="geojson_binary_junk.geojson",
        reader="vector",
        expect="error",
        expected="geojson_binary_junk.geojson: ",
        cli="info",
        description="random bytes",
    )
    data_case(
        utf8(json.dumps({"towns": ["Nara", "Kati"], "version": 3})),
        file="geojson_not_geojson.geojson",
        reader="vector",
        expect="error",
        expected="geojson_not_geojson.geojson: ",
        cli="info",
        description="JSON that is not GeoJSON",
    )
    data_case(
        _geojson([]),
        file="geojson_empty_collection.geojson",
        reader="vector",
        expect="error",
        expected="the layer has no features",
        description="a FeatureCollection with no feature",
    )
    data_case(
        _geojson(
            [
                _feature(_point(-7.28, 15.17), name="Nara"),
                _feature(_point(700123.0, 1676543.0), name="UTM metres"),
            ]
        ),
        file="geojson_out_of_range.geojson",
        reader="vector",
        expect="error",
        expected="outside longitude/latitude range",
        description="one feature in UTM metres inside a lon/lat GeoJSON",
    )
    data_case(
        _geojson(
            [
                _feature(_point(15.1685, -7.2857), name="Nara (lat, lon)"),
                _feature(_point(13.5494, -7.4489), name="Banamba (lat, lon)"),
            ]
        ),
        file="geojson_swapped_coordinates.geojson",
        reader="vector",
        expect="rows",
        expected="read=2",
        description="lat/lon swapped but in range: undetectable, read",
    )
    data_case(
        _geojson(
            [
                TOWN_FEATURES[0],
                _feature(
                    {"type": "Polygon", "coordinates": [[[-8, 12], [-7, 13]]]},
                    name="two-point ring",
                ),
                _feature(
                    {"type": "LineString", "coordinates": [[-8, 12]]},
                    name="one-point line",
                ),
            ]
        ),
        file="geojson_invalid_geometry.geojson",
        reader="vector",
        expect="rows",
        expected="read=3",
        description="a polygon ring of two positions and a one-point line",
    )
    data_case(
        _geojson(
            [
                TOWN_FEATURES[0],
                _feature(None, name="no geometry"),
                _feature({"type": "Point", "coordinates": []}, name="empty point"),
            ]
        ),
        file="geojson_null_geometries.geojson",
        reader="vector",
        expect="rows",
        expected="read=3",
        description="a null and an empty geometry beside a valid point",
    )
    data_case(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    _feature(_point(-6.2157, 13.4317), name="Ségou"),
                    _feature(_point(-9.19, 14.54), name="Diéma"),
                ],
            },
            ensure_ascii=False,
        ).encode("latin-1"),
        file="geojson_latin1.geojson",
        reader="vector",
        expect="error",
        expected="'utf-8' codec can't decode",
        description="Latin-1 bytes in names (GeoJSON must be UTF-8)",
    )
    data_case(
        codecs.BOM_UTF8 + valid,
        file="geojson_utf8_bom.geojson",
        reader="vector",
        expect="rows",
        expected="read=3",
        description="UTF-8 with BOM",
    )
    data_case(
        valid.decode("utf-8").encode("utf-16"),
        file="geojson_utf16.geojson",
        reader="vector",
        expect="error",
        expected="geojson_utf16.geojson: ",
        cli="info",
        description="UTF-16 text",
    )
    data_case(
        _geojson(
            [
                {**TOWN_FEATURES[0], "id": 7},
                {**TOWN_FEATURES[1], "id": 7},
                {**TOWN_FEATURES[2], "id": 7},
            ]
        ),
        file="geojson_duplicate_ids.geojson",
        reader="vector",
        expect="rows",
        expected="read=3",
        description="three features with the same id",
    )
    data_case(
        _geojson(
            [
                _feature(
                    _point(-7.2857, 15.1685),
                    name="Nara",
                    notes="[HUGE] " + "Lorem ipsum dolor sit amet; " * 7200,
                ),
                TOWN_FEATURES[1],
            ]
        ),
        file="geojson_huge_property.geojson",
        reader="vector",
        expect="rows",
        expected="read=2",
        description="a 200 KB text property",
    )
    data_case(
        valid,
        file="geojson_wrong_layer.geojson",
        reader="vector",
        layer="roads",
        expect="error",
        expected="cannot read layer roads",
        description="asks for a layer 'roads'",
    )
    data_case(
        _geojson(
            TOWN_FEATURES,
            crs={"type": "name", "properties": {"name": "EPSG:999999"}},
        ),
        file="geojson_unknown_crs.geojson",
        reader="vector",
        expect="rows",
        expected="read=3",
        description="an old-style crs member naming an EPSG code that does not "
        "exist (GDAL falls back to WGS 84)",
    )


def _shapefile_parts(frame, stem: str = "towns", **options: object) -> dict[str, bytes]:
    import pyogrio

    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / f"{stem}.shp"
        pyogrio.write_dataframe(frame, target, driver="ESRI Shapefile", **options)
        return {
            p.name: p.read_bytes() for p in sorted(Path(tmp).iterdir()) if p.is_file()
        }


def _shapefile_cases() -> None:
    parts = _shapefile_parts(_valid_points())

    def without(*suffixes: str) -> dict[str, bytes]:
        return {k: v for k, v in parts.items() if Path(k).suffix not in suffixes}

    data_case(
        zip_bytes(without(".prj")),
        file="shp_no_prj.zip",
        reader="vector",
        expect="error",
        expected="no coordinate reference system",
        description="a zipped Shapefile without its .prj",
    )
    data_case(
        zip_bytes(without(".shx")),
        file="shp_missing_shx.zip",
        reader="vector",
        expect="error",
        expected="holds no vector layer",
        cli="info",
        description="a zipped Shapefile without its .shx index",
    )
    data_case(
        zip_bytes(without(".dbf")),
        file="shp_missing_dbf.zip",
        reader="vector",
        expect="rows",
        expected="read=3",
        description="a zipped Shapefile without its .dbf (geometry only)",
    )
    truncated = dict(parts)
    truncated["towns.shp"] = parts["towns.shp"][:130]
    data_case(
        zip_bytes(truncated),
        file="shp_truncated_shp.zip",
        reader="vector",
        expect="rows",
        expected="read=3",
        description="the .shp cut after its first record (GDAL reads the 3 "
        ".dbf rows, 2 of them without geometry)",
    )
    whole = zip_bytes(parts)
    data_case(
        whole[: len(whole) // 2],
        file="shp_corrupt_zip.zip",
        reader="vector",
        expect="error",
        expected="shp_corrupt_zip.zip: ",
        cli="info",
        description="a zip archive cut in half",
    )
    data_case(
        zip_bytes({}),
        file="shp_empty_zip.zip",
        reader="vector",
        expect="error",
        expected="shp_empty_zip.zip: ",
        cli="info",
        description="an empty zip archive",
    )
    data_case(
        zip_bytes({"README.txt": b"Shapefiles are on the shared drive.\n"}),
        file="shp_no_shapefile.zip",
        reader="vector",
        expect="error",
        expected="shp_no_shapefile.zip: ",
        cli="info",
        description="a zip without any Shapefile",
    )
    data_case(
        whole,
        file="shp_wrong_layer.zip",
        reader="vector",
        layer="roads",
        expect="error",
        expected="cannot read layer roads",
        description="asks for a layer 'roads' in a zip holding 'towns'",
    )
    latin = _valid_points()
    latin["name"] = ["Ségou", "Diéma", "Kati"]
    data_case(
        zip_bytes(
            {
                k: v
                for k, v in _shapefile_parts(latin, encoding="ISO-8859-1").items()
                if not k.endswith(".cpg")
            }
        ),
        file="shp_latin1_no_cpg.zip",
        reader="vector",
        expect="rows",
        expected="read=3",
        description="Latin-1 names in the .dbf and no .cpg",
    )
    data_case(
        whole,
        file="shp_points_as_roads.zip",
        reader="roads",
        expect="error",
        expected="roads must be lines",
        description="a point Shapefile given as the road layer",
    )

    @case(
        file="shp_plain_no_prj.shp",
        reader="vector",
        expect="error",
        expected="no coordinate reference system",
        description="an unzipped Shapefile (.shp .shx .dbf) without .prj",
    )
    def _(path: Path) -> None:
        for name, data in without(".prj").items():
            path.with_suffix(Path(name).suffix).write_bytes(data)


KML_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>t</name>\n'
)
KML_TAIL = "</Document></kml>\n"


def _placemark(name: str, coordinates: str) -> str:
    return (
        f"<Placemark><name>{name}</name>"
        f"<Point><coordinates>{coordinates}</coordinates></Point></Placemark>\n"
    )


def _kml_cases() -> None:
    valid = (
        KML_HEAD
        + _placemark("Nara", "-7.2857,15.1685")
        + _placemark("Kati", "-8.0718,12.7441")
        + KML_TAIL
    )
    data_case(
        b"",
        file="kml_empty.kml",
        reader="drawings",
        expect="error",
        expected="kml_empty.kml: ",
        cli="info",
        description="0 bytes",
    )
    data_case(
        utf8(valid[: len(valid) // 2]),
        file="kml_truncated.kml",
        reader="drawings",
        expect="error",
        expected="kml_truncated.kml: ",
        cli="info",
        description="a KML cut in the middle of a placemark",
    )
    data_case(
        junk(1200, 5),
        file="kml_binary_junk.kml",
        reader="drawings",
        expect="error",
        expected="kml_binary_junk.kml: ",
        cli="info",
        description="random bytes",
    )
    data_case(
        utf8(KML_HEAD + "<Folder><name>empty</name></Folder>\n" + KML_TAIL),
        file="kml_no_placemarks.kml",
        reader="drawings",
        expect="error",
        expected="no points, lines or polygons",
        description="a valid document without placemarks",
    )
    data_case(
        utf8(
            KML_HEAD
            + _placemark("Nara", "-7.2857,15.1685")
            + _placemark("words", "west,north")
            + _placemark("half", "-7.5")
            + KML_TAIL
        ),
        file="kml_bad_coordinates.kml",
        reader="drawings",
        expect="rows",
        expected="read=3",
        description="placemarks with text and one-number coordinates beside a "
        "valid one (GDAL's KML driver reads them as POINT (0 0))",
    )
    data_case(
        utf8(
            KML_HEAD
            + _placemark("Nara", "-7.2857,15.1685")
            + _placemark("UTM", "700123,1676543")
            + KML_TAIL
        ),
        file="kml_out_of_range.kml",
        reader="drawings",
        expect="error",
        expected="outside longitude/latitude range",
        description="a placemark in UTM metres",
    )
    data_case(
        (KML_HEAD + _placemark("Ségou", "-6.2157,13.4317") + KML_TAIL).encode(
            "latin-1"
        ),
        file="kml_latin1_declared_utf8.kml",
        reader="drawings",
        expect="error",
        expected="kml_latin1_declared_utf8.kml: ",
        description="Latin-1 bytes in a file declared UTF-8",
    )
    lol = "".join(
        f'<!ENTITY l{k} "{("&l" + str(k - 1) + ";") * 10}">\n' for k in range(1, 10)
    )
    data_case(
        utf8(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<!DOCTYPE kml [\n<!ENTITY l0 "lol">\n{lol}]>\n'
            '<kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
            "<Placemark><name>&l9;</name><Point><coordinates>-7.28,15.16"
            "</coordinates></Point></Placemark></Document></kml>\n"
        ),
        file="kml_entity_expansion.kml",
        reader="drawings",
        expect="error",
        expected="kml_entity_expansion.kml: ",
        cli="info",
        description="'billion laughs' entities (10^9 expansions): refused, "
        "not expanded",
    )
    data_case(
        utf8("<html><body><p>Google Earth export failed</p></body></html>\n"),
        file="kml_html_page.kml",
        reader="drawings",
        expect="error",
        expected="kml_html_page.kml: ",
        cli="info",
        description="an HTML page named .kml",
    )


# -- country/area tables for the join --------------------------------------------------


def _table_cases() -> None:
    good = (
        "country,iso_a3,category\r\nMali,MLI,Junta-led\r\n"
        "Côte d'Ivoire,CIV,Coastal\r\nNiger,NER,Junta-led\r\n"
    )
    data_case(
        b"",
        file="table_empty.csv",
        reader="table",
        expect="error",
        expected="table_empty.csv: ",
        description="0 bytes",
    )
    data_case(
        utf8("country,iso_a3,category\r\n"),
        file="table_header_only.csv",
        reader="table",
        expect="rows",
        expected="read=0 rejected=0",
        description="a header and no row",
    )
    data_case(
        good.encode("latin-1"),
        file="table_latin1.csv",
        reader="table",
        expect="error",
        expected="not a readable UTF-8 CSV table",
        description="Latin-1 text (Côte d'Ivoire)",
    )
    data_case(
        good.encode("utf-16"),
        file="table_utf16.csv",
        reader="table",
        expect="error",
        expected="not a readable UTF-8 CSV table",
        description="UTF-16 text",
    )
    data_case(
        codecs.BOM_UTF8 + utf8(good),
        file="table_utf8_bom.csv",
        reader="table",
        expect="rows",
        expected="read=3 rejected=0",
        description="UTF-8 with BOM",
    )
    data_case(
        utf8(good.replace(",", ";")),
        file="table_semicolon.csv",
        reader="table",
        expect="error",
        expected="has no column 'country'",
        description="wrong delimiter: ';'",
    )
    data_case(
        utf8("pays,code,categorie\r\nMali,MLI,Junta-led\r\n"),
        file="table_missing_key_column.csv",
        reader="table",
        expect="error",
        expected="has no column 'country'",
        description="no 'country' column",
    )
    data_case(
        utf8("country,iso_a3,category\r\nMali,MLI,a\r\nNiger,NER,b\r\nMALI,MLI,c\r\n"),
        file="table_duplicate_country.csv",
        reader="table",
        expect="error",
        expected="both name the same polygon",
        description="Mali twice (different case)",
    )
    data_case(
        utf8("country,iso_a3,category,category\r\nMali,MLI,a,b\r\nNiger,NER,c,d\r\n"),
        file="table_duplicated_columns.csv",
        reader="table",
        expect="rows",
        expected="read=2 rejected=0",
        description="the 'category' column twice",
    )
    data_case(
        utf8("country,iso_a3,category\r\nMali,MLI,a,extra,fields\r\nNiger,NER,b\r\n"),
        file="table_ragged.csv",
        reader="table",
        expect="error",
        expected="more fields than the header",
        description="the first row has two fields too many",
    )
    data_case(
        utf8("country,iso_a3,category\r\nMali,MLI,a\r\nNiger,NER,b,extra\r\n"),
        file="table_ragged_late.csv",
        reader="table",
        expect="error",
        expected="Expected 3 fields in line 3, saw 4",
        description="the second row has one field too many",
    )
    data_case(
        junk(1500, 6),
        file="table_binary_junk.csv",
        reader="table",
        expect="error",
        expected="table_binary_junk.csv: ",
        description="random bytes",
    )
    data_case(
        utf8(
            "country,iso_a3,category\r\nMali,MLI,a\r\nAtlantis,ATL,b\r\n"
            "Niger,NER,c\r\nTimbuktu,,d\r\n"
        ),
        file="table_unmatched_names.csv",
        reader="table",
        expect="rows",
        expected="read=2 rejected=2",
        description="two places that match no country polygon",
    )
    data_case(
        utf8('country,iso_a3,category\r\nMali,MLI,"Junta-led\r\nNiger,NER,x\r\n'),
        file="table_unterminated_quote.csv",
        reader="table",
        expect="error",
        expected="not a readable UTF-8 CSV table",
        description="a quote never closed",
    )
    data_case(
        utf8(
            "country,iso_a3,category,notes\r\nMali,MLI,a,"
            + "Lorem ipsum dolor sit amet; " * 7200
            + "\r\nNiger,NER,b,short\r\n"
        ),
        file="table_huge_field.csv",
        reader="table",
        expect="rows",
        expected="read=2 rejected=0",
        description="a 200 KB notes cell",
    )


# -- project files ---------------------------------------------------------------------


def _base_project(path: Path, *, events: bool = False) -> None:
    """A small valid project: 3 towns (and 4 events), one saved figure."""
    from sahelgis.io.acled import read_acled
    from sahelgis.io.project_file import save_project
    from sahelgis.model.figures import FIGURES_KEY, FigureSpec
    from sahelgis.model.layer_factory import event_layer
    from sahelgis.model.layers import VectorLayer
    from sahelgis.model.project import Project

    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "events.csv"
        source.write_text(csv_text(good_rows()), encoding="utf-8")
        table, _ = read_acled(source)
    layers = [
        VectorLayer(
            name="Towns", data=_valid_points(), source_path="towns.gpkg", id="towns1"
        ),
        VectorLayer(
            name="Places", data=_valid_points(), source_path="places.gpkg", id="place1"
        ),
    ]
    if events:
        layers[0] = event_layer(table, "events.csv")
        layers[0].id = "event1"  # fixed ids: the same bytes on every run
    project = Project(layers)
    project.extra_state[FIGURES_KEY] = [FigureSpec(name="Overview").to_dict()]
    saved = save_project(project, path)
    for leftover in path.parent.glob(f"{path.stem}.bak*"):
        leftover.unlink()
    assert saved == path
    _compact(path)


def _edit_state(
    path: Path, edit: Callable[[dict], object], *, events: bool = False
) -> None:
    _base_project(path, events=events)
    con = sqlite3.connect(path)
    (text,) = con.execute(
        "SELECT value FROM sahelgis_project WHERE key='state'"
    ).fetchone()
    state = json.loads(text)
    result = edit(state)
    new = (
        result
        if isinstance(result, str)
        else json.dumps(state if result is None else result, indent=1)
    )
    con.execute("UPDATE sahelgis_project SET value=? WHERE key='state'", (new,))
    con.commit()
    con.close()
    _compact(path)


def _sql(path: Path, *statements: str, events: bool = False) -> None:
    _base_project(path, events=events)
    con = sqlite3.connect(path)
    for statement in statements:
        con.execute(statement)
    con.commit()
    con.close()
    _compact(path)


def _project_cases() -> None:
    data_case(
        b"",
        file="project_empty.gpkg",
        reader="project",
        expect="error",
        expected="not a SahelGIS project",
        cli="info",
        description="0 bytes",
    )

    @case(
        file="project_truncated.gpkg",
        reader="project",
        expect="error",
        expected="project_truncated.gpkg: ",
        cli="info",
        description="the first half of a project file (copy interrupted)",
    )
    def _(path: Path) -> None:
        _base_project(path, events=True)
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])

    data_case(
        junk(4096, 7),
        file="project_binary_junk.gpkg",
        reader="project",
        expect="error",
        expected="not a GeoPackage project file",
        cli="info",
        description="random bytes named .gpkg",
    )

    def newer(state: dict) -> None:
        state["version"] = 99
        state["layers"][0]["kind"] = "raster-from-the-future"

    case(
        file="project_newer_version.gpkg",
        reader="project",
        expect="error",
        expected="made by a newer SahelGIS (project format 99)",
        cli="info",
        description="a project saved by a future SahelGIS (format 99)",
    )(lambda path: _edit_state(path, newer))
    case(
        file="project_damaged_state.gpkg",
        reader="project",
        expect="error",
        expected="the project state is damaged",
        cli="info",
        description="the state JSON cut in the middle",
    )(lambda path: _edit_state(path, lambda s: json.dumps(s)[:200]))
    case(
        file="project_state_not_object.gpkg",
        reader="project",
        expect="error",
        expected="the project state is damaged",
        cli="info",
        description="the state is a JSON list, not an object",
    )(lambda path: _edit_state(path, lambda s: [s]))

    def text_version(state: dict) -> None:
        state["version"] = "two"

    case(
        file="project_version_not_number.gpkg",
        reader="project",
        expect="error",
        expected="the project state is damaged",
        cli="info",
        description='"version": "two"',
    )(lambda path: _edit_state(path, text_version))

    def other_format(state: dict) -> None:
        state["format"] = "qgis-project"

    case(
        file="project_wrong_format.gpkg",
        reader="project",
        expect="error",
        expected="not a SahelGIS project state",
        cli="info",
        description='"format" is not "sahelgis-project"',
    )(lambda path: _edit_state(path, other_format))
    case(
        file="project_state_row_missing.gpkg",
        reader="project",
        expect="error",
        expected="the project state is missing",
        cli="info",
        description="the state table is there, its row is not",
    )(lambda path: _sql(path, "DELETE FROM sahelgis_project"))

    @case(
        file="project_plain_geopackage.gpkg",
        reader="project",
        expect="error",
        expected="not a SahelGIS project",
        description="an ordinary GeoPackage opened as a project",
    )
    def _(path: Path) -> None:
        _write_gpkg(path, {"towns": _valid_points()})

    def missing_table(state: dict) -> None:
        state["layers"][1]["table"] = "no_such_table"

    case(
        file="project_missing_layer_table.gpkg",
        reader="project",
        expect="error",
        expected="layer table 'no_such_table' is missing or damaged",
        description="a layer entry naming a table that is not in the file",
    )(lambda path: _edit_state(path, missing_table))

    def no_id(state: dict) -> None:
        del state["layers"][1]["id"]

    case(
        file="project_layer_without_id.gpkg",
        reader="project",
        expect="error",
        expected="the project state is damaged",
        description="a layer entry without its 'id'",
    )(lambda path: _edit_state(path, no_id))

    def incomplete(state: dict) -> None:
        for key in ("kind", "feature_count", "date_range"):
            state["layers"][1].pop(key, None)

    case(
        file="project_layer_entry_incomplete.gpkg",
        reader="project",
        expect="rows",
        expected="read=2",
        description="a hand-edited layer entry without 'kind' and "
        "'feature_count' (loads; sahelgis info must print '?')",
    )(lambda path: _edit_state(path, incomplete))

    def bad_style(state: dict) -> None:
        state["layers"][0]["style"] = "red"
        state["layers"][1]["opacity"] = "half"

    case(
        file="project_bad_layer_values.gpkg",
        reader="project",
        expect="rows",  # loads: bad optional values are reset with warnings
        expected="read=2",
        description='a style that is a string and "opacity": "half"',
    )(lambda path: _edit_state(path, bad_style))

    def bad_extras(state: dict) -> None:
        state["view_extent"] = "everywhere"
        state["event_filter"] = {"event_types": 5, "unknown_key": True}
        state["time_window"] = ["not", "a", "dict"]

    case(
        file="project_bad_view_state.gpkg",
        reader="project",
        expect="rows",  # loads: bad optional values are reset with warnings
        expected="read=2",
        description="view extent, filter and time window of the wrong types",
    )(lambda path: _edit_state(path, bad_extras))
    case(
        file="project_corrupt_event_cache.gpkg",
        reader="project",
        expect="rows",
        expected="read=2",
        description="the Arrow event cache blob replaced by junk bytes (the "
        "events' feature table is intact)",
    )(
        lambda path: _sql(
            path,
            "UPDATE sahelgis_event_cache SET arrow = X'DEADBEEF00112233'",
            events=True,
        )
    )

    def unsafe(state: dict) -> None:
        for entry in state["layers"]:
            entry["source_path"] = "../../etc/passwd"
            entry["name"] = "../../x"
        state["extra"]["figures"][0]["name"] = "../../x"
        state["extra"]["figures"].append(
            {**state["extra"]["figures"][0], "name": "/tmp/sahelgis-abs"}
        )
        state["extra"]["figures"].append(
            {**state["extra"]["figures"][0], "name": "..\\..\\y"}
        )

    case(
        file="project_unsafe_paths.gpkg",
        reader="project",
        expect="rows",
        expected="read=2",
        description="source_path '../../etc/passwd'; layers and figures named "
        "'../../x', '/tmp/...', '..\\..\\y' (loads; exports stay in the "
        "output folder)",
    )(lambda path: _edit_state(path, unsafe, events=True))


# -- main ------------------------------------------------------------------------------


def build(folder: Path = BAD) -> list[Case]:
    """Write every file and the manifest; return the cases."""
    import pyogrio

    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": "2024-01-01T00:00:00Z"})
    if not CASES:
        _acled_cases()
        _xlsx_cases()
        _gpkg_cases()
        _geojson_cases()
        _shapefile_cases()
        _kml_cases()
        _table_cases()
        _project_cases()
    names = [c.file for c in CASES]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise SystemExit(f"duplicate corpus names: {sorted(duplicates)}")
    folder.mkdir(parents=True, exist_ok=True)
    keep = {"MANIFEST.csv", ".gitattributes", *names}
    keep |= {
        Path(n).with_suffix(s).name
        for n in names
        if n.endswith(".shp")
        for s in SIDE_CARS
    }
    for stale in folder.iterdir():
        if stale.is_file() and stale.name not in keep:
            stale.unlink()
        elif stale.is_dir():
            shutil.rmtree(stale)
    for item in CASES:
        target = folder / item.file
        for old in [target, *(target.with_suffix(s) for s in SIDE_CARS)]:
            if item.file.endswith(".shp") or old == target:
                old.unlink(missing_ok=True)
        with warnings.catch_warnings():  # the no-CRS cases are meant
            warnings.filterwarnings("ignore", "'crs' was not provided", UserWarning)
            BUILDERS[item.file](target)
    # byte-exact files: no end-of-line conversion on checkout (CRLF, CR, NUL...)
    (folder / ".gitattributes").write_text("* -text\n", encoding="utf-8")
    with (folder / "MANIFEST.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=ORDER, lineterminator="\n")
        writer.writeheader()
        for item in CASES:
            writer.writerow({k: getattr(item, k) for k in ORDER})
    return CASES


def main() -> int:
    cases = build()
    by_reader: dict[str, int] = {}
    for item in cases:
        by_reader[item.reader] = by_reader.get(item.reader, 0) + 1
    total = sum(p.stat().st_size for p in BAD.iterdir())
    print(  # noqa: T201
        f"wrote {len(cases)} files to {BAD.relative_to(ROOT)} ({total / 1024:.0f} KB): "
        + ", ".join(f"{k} {v}" for k, v in sorted(by_reader.items()))
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
