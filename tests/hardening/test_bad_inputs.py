"""Bad files reach the user as one line naming the file, never as a traceback.

Parametrised over ``tests/data/bad/MANIFEST.csv`` (made by
``make_bad_corpus.py``, which documents its columns): each file goes through
its reader, then the CLI (``sahelgis import`` / ``sahelgis info``); a few go
through the main window. A hypothesis test fuzzes the ACLED CSV reader.

A reader that does not yet handle a case can be marked by a reason in the
manifest's ``xfail``/``cli_xfail`` columns: the test is then
``xfail(strict=True)`` and flips as soon as the reader is fixed.
"""

from __future__ import annotations

import csv
import inspect
import shutil
import tempfile
from dataclasses import dataclass, fields
from pathlib import Path

import geopandas as gpd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from sahelgis.__main__ import main
from sahelgis.errors import InputError, SahelGISError
from sahelgis.export.join import join_table, read_table
from sahelgis.io.acled import read_acled
from sahelgis.io.drawings_io import import_drawings
from sahelgis.io.project_file import load_project
from sahelgis.io.vector import list_vector_layers, read_road_layer, read_vector
from sahelgis.model import acled_schema as acled

# GDAL warns about the damaged files it is given: that is the point here
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning:pyogrio")

BAD = Path(__file__).resolve().parents[1] / "data" / "bad"
MANIFEST = BAD / "MANIFEST.csv"
READERS = ("acled", "vector", "roads", "drawings", "table", "project")
SIDE_CARS = (".shx", ".dbf", ".prj", ".cpg")
#: A message is one line a dialog can show whole.
MAX_MESSAGE = 1000
#: Biggest corpus file (the "huge field" ones are about 200 KB).
MAX_FILE_BYTES = 256 * 1024


@dataclass(frozen=True)
class Entry:
    """One row of the manifest."""

    file: str
    reader: str
    layer: str
    expect: str
    expected: str
    cli: str
    xfail: str
    cli_xfail: str
    description: str

    @property
    def path(self) -> Path:
        return BAD / self.file


def load_manifest() -> list[Entry]:
    with MANIFEST.open(newline="", encoding="utf-8") as handle:
        return [Entry(**row) for row in csv.DictReader(handle)]


ENTRIES = load_manifest()


def param(entry: Entry, reason: str, *extra: str) -> object:
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(entry, *extra, id="-".join([*extra, entry.file]), marks=marks)


# -- calling the readers ---------------------------------------------------------------

#: Polygons for the table join (names, ISO codes), as Natural Earth's admin 0.
COUNTRIES = gpd.GeoDataFrame(
    {
        "name": ["Mali", "Niger", "Côte d'Ivoire", "Burkina Faso"],
        "iso_a3": ["MLI", "NER", "CIV", "BFA"],
        "iso_a2": ["ML", "NE", "CI", "BF"],
    },
    geometry=[
        box(-12, 10, 4, 25),
        box(0, 11, 16, 24),
        box(-9, 4, -2, 11),
        box(-6, 9, 3, 15),
    ],
    crs="EPSG:4326",
)
REJECT_FIELDS = {
    *acled.CURRENT_COLUMNS,
    *acled.LEGACY_COLUMNS,
    "row",
    "latitude/longitude",
}


@dataclass
class Outcome:
    """What a reader read: rows (features, layers, matched places) and rejects."""

    read: int
    rejected: int = 0
    fields: frozenset[str] = frozenset()


def join_file(path: Path):
    """Read a country table and join it as the report's Figure 4 does."""
    table = read_table(path)
    # once join_table names the file (FIXES.md #4) its errors start with it
    source = (
        {"source": path} if "source" in inspect.signature(join_table).parameters else {}
    )
    return join_table(COUNTRIES, table, "country", **source)


def read_with(entry: Entry) -> Outcome:
    """Call the entry's reader as the GUI does; check what it returns."""
    path, layer = entry.path, entry.layer or None
    if entry.reader == "acled":
        table, report = read_acled(path)
        assert len(table) == report.rows_read
        assert report.rows_read + report.rows_rejected == report.rows_total
        rejects = report.rejects
        if len(rejects):
            # every reject names its record (1-based) and the field at fault
            assert rejects["row"].between(1, report.rows_total).all()
            assert set(rejects["field"]) <= REJECT_FIELDS
            assert (rejects["reason"].str.len() > 0).all()
        return Outcome(
            report.rows_read, report.rows_rejected, frozenset(rejects["field"])
        )
    if entry.reader == "vector":
        if layer is None:
            list_vector_layers(path)  # File > Import layer lists them first
        return Outcome(len(read_vector(path, layer)))
    if entry.reader == "roads":
        return Outcome(len(read_road_layer(path, layer).data))
    if entry.reader == "drawings":
        return Outcome(len(import_drawings(path).data))
    if entry.reader == "table":
        result = join_file(path)
        return Outcome(len(result.matched_by), len(result.unmatched))
    if entry.reader == "project":
        return Outcome(len(load_project(path).layers))
    raise AssertionError(f"unknown reader {entry.reader!r}")


def parse_rows(expected: str) -> tuple[int, int | None, set[str]]:
    """``read=N rejected=M fields=a|b`` -> (N, M or None, {a, b})."""
    parts = dict(item.split("=", 1) for item in expected.split())
    rejected = int(parts["rejected"]) if "rejected" in parts else None
    wanted = set(parts["fields"].split("|")) if "fields" in parts else set()
    return int(parts["read"]), rejected, wanted


def check_message(message: str, path: Path, expected: str) -> None:
    """One line, starting with the file name, saying what was expected."""
    assert message.startswith(f"{path.name}: "), message
    assert expected in message, message
    assert "\n" not in message, message
    assert "\r" not in message, message
    assert "Traceback" not in message, message
    assert len(message) <= MAX_MESSAGE, f"{len(message)} characters: {message[:200]}…"


# -- the corpus itself -----------------------------------------------------------------


def test_manifest_lists_every_file_of_the_corpus():
    listed = {e.file for e in ENTRIES}
    assert len(listed) == len(ENTRIES), "a file is listed twice"
    sidecars = {
        Path(name).with_suffix(s).name
        for name in listed
        if name.endswith(".shp")
        for s in SIDE_CARS
    }
    on_disk = {p.name for p in BAD.iterdir()} - {MANIFEST.name, ".gitattributes"}
    assert on_disk - sidecars == listed
    assert len(ENTRIES) >= 50
    for entry in ENTRIES:
        assert entry.reader in READERS, entry
        assert entry.expect in ("error", "rows"), entry
        assert entry.expected, entry
        assert entry.description, entry
        assert set(entry.cli.split()) <= {"import", "info"}, entry
        assert entry.path.stat().st_size <= MAX_FILE_BYTES, entry
    kinds = {Path(e.file).suffix for e in ENTRIES}
    assert kinds >= {".csv", ".xlsx", ".gpkg", ".geojson", ".zip", ".shp", ".kml"}


# -- readers ---------------------------------------------------------------------------


@pytest.mark.parametrize("entry", [param(e, e.xfail) for e in ENTRIES])
def test_reader_explains_or_reads(entry: Entry):
    if entry.expect == "error":
        with pytest.raises(SahelGISError) as info:
            read_with(entry)
        check_message(str(info.value), entry.path, entry.expected)
        return
    outcome = read_with(entry)
    read, rejected, wanted = parse_rows(entry.expected)
    assert outcome.read == read
    if rejected is not None:
        assert outcome.rejected == rejected
    assert wanted <= outcome.fields, f"rejects name {sorted(outcome.fields)}"


# -- the command line ------------------------------------------------------------------

CLI_CASES = [
    param(e, e.cli_xfail or e.xfail, command)
    for e in ENTRIES
    for command in e.cli.split()
]


@pytest.mark.parametrize(("entry", "command"), CLI_CASES)
def test_cli_prints_one_line_and_fails(entry: Entry, command: str, tmp_path, capsys):
    out = tmp_path / "out.gpkg"
    argv = (
        ["import", str(entry.path), "-o", str(out)]
        if command == "import"
        else ["info", str(entry.path)]
    )
    code = main(argv)
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert code != 0, captured.out
    assert len(lines) == 1, lines
    assert lines[0].startswith("sahelgis: "), lines[0]
    message = lines[0].removeprefix("sahelgis: ")
    # import and info read ACLED files with read_acled; other files go through
    # info's own path (project state, then vector layers): only the name is sure
    same_reader = entry.reader == "acled" and entry.expect == "error"
    check_message(message, entry.path, entry.expected if same_reader else "")
    assert "Traceback" not in captured.out + captured.err
    assert not out.exists()


def test_info_prints_question_marks_for_incomplete_layer_entries(capsys):
    code = main(["info", str(BAD / "project_layer_entry_incomplete.gpkg")])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "Places: ?, ? features" in captured.out


@pytest.mark.parametrize(
    "name", ["project_newer_version.gpkg", "gpkg_wrong_layer.gpkg"]
)
def test_import_never_replaces_a_file_it_cannot_read(name, tmp_path, capsys):
    target = tmp_path / name
    shutil.copy(BAD / name, target)
    before = target.read_bytes()
    code = main(["import", str(BAD / "acled_utf8_bom.csv"), "-o", str(target)])
    captured = capsys.readouterr()
    assert target.read_bytes() == before
    left = sorted(p.name for p in tmp_path.iterdir() if p.suffix != ".lock")
    assert left == [name]  # the hidden .NAME.lock of the writer may stay
    assert code != 0
    lines = captured.err.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"sahelgis: {name}: "), lines[0]


# -- the main window -------------------------------------------------------------------

GUI_CASES = [
    ("import_events", "acled_binary_junk.csv", ""),
    ("import_events", "acled_utf16_truncated.csv", ""),
    ("import_events", "acled_xlsx_truncated.xlsx", ""),
    ("import_layer", "geojson_truncated.geojson", ""),
    ("import_layer", "shp_corrupt_zip.zip", ""),
    ("import_layer", "shp_missing_shx.zip", ""),
    ("import_roads", "gpkg_roads_are_points.gpkg", ""),
    ("open_project", "project_newer_version.gpkg", ""),
    ("open_project", "project_truncated.gpkg", ""),
    ("open_project", "project_state_not_object.gpkg", ""),
]


@pytest.mark.parametrize(
    ("method", "name"),
    [
        pytest.param(
            method,
            name,
            id=f"{method}-{name}",
            marks=[pytest.mark.xfail(strict=True, reason=why)] if why else [],
        )
        for method, name, why in GUI_CASES
    ],
)
def test_main_window_shows_one_line(
    method, name, gui_settings, make_main_window, demo_like_project, qtbot, monkeypatch
):
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(
        "sahelgis.ui.main_window.QMessageBox.warning",
        lambda parent, title, text, *rest: shown.append((title, text)),
    )
    window = make_main_window(demo_like_project)
    layers = len(demo_like_project.layers)
    getattr(window, method)(BAD / name)
    runner = window.runner
    qtbot.waitUntil(
        lambda: (
            bool(shown)
            or not (runner.is_running("import") or runner.is_running("project"))
        ),
        timeout=10_000,
    )
    runner.wait(5000)
    assert len(shown) == 1, shown
    title, text = shown[0]
    assert title
    check_message(text, BAD / name, "")
    assert window.project is demo_like_project
    assert len(demo_like_project.layers) == layers


# -- fuzzing the ACLED CSV reader ------------------------------------------------------

SEED_CSV = (BAD / "acled_utf8_bom.csv").read_bytes()[3:]  # 4 valid records
TOKENS = [
    b",",
    b";",
    b"\t",
    b'"',
    b"\x00",
    b"\n",
    b"\r\n",
    b"\r",
    b"\xff",
    b"\xef\xbb\xbf",
    b"\xe9",
    b" ",
]
MUTATION = st.tuples(
    st.sampled_from(["delete", "insert", "delimiters", "truncate", "repeat"]),
    st.integers(0, len(SEED_CSV)),
    st.integers(1, 60),
    st.sampled_from(TOKENS),
)


def mutate(data: bytes, steps: list[tuple[str, int, int, bytes]]) -> bytes:
    """Apply edits an export, a spreadsheet or a bad download might make."""
    for op, position, size, token in steps:
        position %= len(data) + 1
        if op == "delete":
            data = data[:position] + data[position + size :]
        elif op == "insert":
            data = data[:position] + token * (1 + size % 3) + data[position:]
        elif op == "delimiters":  # swap the next commas for another delimiter
            head, tail = data[:position], data[position:]
            data = head + tail.replace(b",", token, size)
        elif op == "truncate":
            data = data[:position]
        else:  # repeat a slice (duplicated lines, ids, half records)
            data = (
                data[:position]
                + data[position : position + size * 20]
                + data[position:]
            )
    return data


FUZZ_INPUT = st.one_of(
    st.binary(max_size=2048),
    st.lists(MUTATION, min_size=1, max_size=8).map(
        lambda steps: mutate(SEED_CSV, steps)
    ),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=FUZZ_INPUT)
def test_fuzzed_acled_csv_reads_or_explains(data: bytes):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzzed_export.csv"
        path.write_bytes(data)
        try:
            table, report = read_acled(path)
        except InputError as exc:
            message = str(exc)
            assert message.startswith(f"{path.name}: "), message
            assert "\n" not in message, message
            return
        assert report.rows_read + report.rows_rejected == report.rows_total
        assert len(table) == report.rows_read


def test_fields_of_entry_match_the_manifest_header():
    with MANIFEST.open(newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    assert header == [f.name for f in fields(Entry)]


def test_committed_text_files_are_what_the_generator_makes(tmp_path):
    """Binary files (GeoPackage, xlsx, zip) depend on library versions; text doesn't."""
    from tests.hardening.make_bad_corpus import build

    build(tmp_path)
    text = {".csv", ".txt", ".geojson", ".kml"}
    made = {p.name for p in tmp_path.iterdir() if p.suffix in text}
    assert made == {p.name for p in BAD.iterdir() if p.suffix in text}
    changed = [
        n for n in sorted(made) if (tmp_path / n).read_bytes() != (BAD / n).read_bytes()
    ]
    assert changed == [], "run: python tests/hardening/make_bad_corpus.py"
