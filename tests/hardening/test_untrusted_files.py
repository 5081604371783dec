"""Opening a project or data file never runs code from it, nor writes where it says.

- No reading path can execute what a file holds: no pickle, eval/exec, unsafe
  YAML, shelve or marshal anywhere in ``sahelgis/`` (source scan), and the
  project's Arrow event cache is not unpickled even when it asks to be.
- Paths and names inside a project (``source_path``, layer and figure names) are
  never used to choose where to write: ``sahelgis export`` writes only the
  ``-o`` file (or folder), and ``sahelgis.io.safety.safe_child`` turns any
  name into a file inside a chosen folder.
"""

from __future__ import annotations

import hashlib
import pickle
import re
import shutil
import sqlite3
import sys
import tokenize
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sahelgis.__main__ import main
from sahelgis.errors import SahelGISError
from sahelgis.io.project_file import load_project
from sahelgis.io.safety import MAX_NAME_LENGTH, safe_child, safe_name

PACKAGE = Path(__file__).resolve().parents[2] / "sahelgis"
BAD = Path(__file__).resolve().parents[1] / "data" / "bad"
UNSAFE_PROJECT = BAD / "project_unsafe_paths.gpkg"

#: Calls that can run code or build arbitrary objects from bytes or text.
CODE_LOADERS = {
    "pickle": re.compile(r"\b(c?[Pp]ickle|_pickle|dill|cloudpickle)\b"),
    "read_pickle": re.compile(r"\bread_pickle\b"),
    "eval(": re.compile(r"(?<![\w.])eval\s*\("),
    "exec(": re.compile(r"(?<![\w.])exec\s*\("),
    "compile(": re.compile(r"(?<![\w.])compile\s*\(.*['\"]exec['\"]"),
    "yaml.load(": re.compile(r"\byaml\.(load|unsafe_load|full_load|load_all)\s*\("),
    "shelve": re.compile(r"\bshelve\b"),
    "marshal": re.compile(r"\bmarshal\.loads?\b"),
    "allow_pickle=True": re.compile(r"allow_pickle\s*=\s*True"),
    "joblib.load": re.compile(r"\bjoblib\.load\b"),
    "torch.load": re.compile(r"\btorch\.load\b"),
    "PyExtensionType": re.compile(r"\bPyExtensionType\b|set_auto_load"),
    "__import__(": re.compile(r"(?<![\w.])__import__\s*\("),
}
#: Reviewed exceptions: "relative/path.py" -> patterns allowed there (none yet).
ALLOWED: dict[str, set[str]] = {}


def code_only(path: Path) -> str:
    """The file's source with comments and strings blanked (docstrings say pickle)."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    blank = {
        tokenize.COMMENT,
        tokenize.STRING,
        *(
            (tokenize.FSTRING_MIDDLE,)  # 3.12+: the text parts of f-strings
            if hasattr(tokenize, "FSTRING_MIDDLE")
            else ()
        ),
    }
    chars = [list(line) for line in lines]
    with path.open("rb") as handle:
        for token in tokenize.tokenize(handle.readline):
            if token.type not in blank:
                continue
            (row, col), (end_row, end_col) = token.start, token.end
            for r in range(row, end_row + 1):
                line = chars[r - 1]
                first = col if r == row else 0
                last = end_col if r == end_row else len(line)
                for c in range(first, min(last, len(line))):
                    if line[c] != "\n":
                        line[c] = " "
    return "".join("".join(line) for line in chars)


def test_no_code_loading_in_the_package():
    files = sorted(PACKAGE.rglob("*.py"))
    assert len(files) > 20
    found = {}
    for path in files:
        relative = path.relative_to(PACKAGE).as_posix()
        code = code_only(path)
        hits = {
            name
            for name, pattern in CODE_LOADERS.items()
            if pattern.search(code) and name not in ALLOWED.get(relative, set())
        }
        if hits:
            found[relative] = sorted(hits)
    assert found == {}, "code from a file could run: " + repr(found)


def test_the_scan_sees_what_it_looks_for(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        '"""pickle and eval( in a docstring are fine."""\n'
        "import pickle  # but not this\n"
        "value = eval(text)\n"
        "app.exec()\n"
        "data = yaml.load(stream)\n",
        encoding="utf-8",
    )
    code = code_only(sample)
    hits = {name for name, pattern in CODE_LOADERS.items() if pattern.search(code)}
    assert hits == {"pickle", "eval(", "yaml.load("}


class _CreatesFile:
    """Unpickling this creates a file: the sign that a pickle was loaded."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


def _events_project(tmp_path: Path) -> Path:
    """A copy of the corpus project that holds an event layer and its cache."""
    path = tmp_path / "project.gpkg"
    shutil.copy(UNSAFE_PROJECT, path)
    return path


def test_event_cache_asking_to_be_unpickled_is_not(tmp_path):
    path = _events_project(tmp_path)
    sentinel = tmp_path / "pickle-was-loaded"
    con = sqlite3.connect(path)
    name, blob = con.execute(
        "SELECT table_name, arrow FROM sahelgis_event_cache"
    ).fetchone()
    table = pa.ipc.open_stream(blob).read_all()
    evil = pa.field(
        "evil",
        pa.int64(),
        metadata={
            b"ARROW:extension:name": b"arrow.py_extension_type",
            b"ARROW:extension:metadata": pickle.dumps(_CreatesFile(sentinel)),
        },
    )
    table = table.append_column(evil, pa.array([0] * table.num_rows, pa.int64()))
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    con.execute(
        "UPDATE sahelgis_event_cache SET arrow=? WHERE table_name=?",
        (sink.getvalue().to_pybytes(), name),
    )
    con.commit()
    con.close()
    try:
        project = load_project(path)
    except SahelGISError:
        project = None  # refusing the file is fine too
    assert not sentinel.exists(), "loading the project unpickled its event cache"
    if project is not None:
        assert len(project.event_layers()) == 1


# -- paths inside a project ------------------------------------------------------------

_OPENED: list[str] = []
_RECORDING = [False]


def _audit(event: str, args: tuple) -> None:
    if _RECORDING[0] and event in ("open", "os.open", "sqlite3.connect") and args:
        _OPENED.append(str(args[0]))


sys.addaudithook(_audit)


def test_loading_a_project_does_not_open_its_source_paths(tmp_path, monkeypatch):
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "passwd").write_text("root:x:0:0\n")
    monkeypatch.chdir(work)  # "../../etc/passwd" is a real file from here
    _OPENED.clear()
    _RECORDING[0] = True
    try:
        project = load_project(UNSAFE_PROJECT)
    finally:
        _RECORDING[0] = False
    assert {layer.source_path for layer in project.layers} == {"../../etc/passwd"}
    assert not [p for p in _OPENED if "passwd" in p], _OPENED


def _files(root: Path) -> dict[Path, str]:
    return {
        p: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in root.rglob("*")
        if p.is_file()
    }


EXPORTS = [
    ["--all", "-o", "{out}/deck.pdf"],
    ["--all", "-o", "{out}/deck.pptx", "--dpi", "20"],
    ["--figure", "../../x", "-o", "{out}/figure.png", "--dpi", "20"],
    ["--figure", "..\\..\\y", "--frames", "-o", "{out}/frames", "--dpi", "20"],
    ["--figure", "/tmp/sahelgis-abs", "-o", "{out}/animation.gif", "--dpi", "20"],
]


def test_export_writes_only_inside_the_output_folder(tmp_path, monkeypatch, capsys):
    """Figures named ../../x, ..\\..\\y and /tmp/...: files land in -o only."""
    project = tmp_path / "in" / "project.gpkg"
    project.parent.mkdir()
    shutil.copy(UNSAFE_PROJECT, project)
    work = tmp_path / "in" / "deep" / "er"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)  # "../../x" from here is still inside tmp_path
    out = tmp_path / "out"
    absolute = sorted(Path("/tmp").glob("sahelgis-abs*"))
    before = _files(tmp_path)
    for argv in EXPORTS:
        args = [a.format(out=out) for a in argv]
        assert main(["export", str(project), *args]) == 0, capsys.readouterr().err
    after = _files(tmp_path)
    new = {p for p in after if p not in before}
    changed = {p for p in before if before[p] != after.get(p)}
    assert changed == set(), "export changed existing files"
    assert new, "nothing was written"
    assert {p for p in new if out not in p.parents} == set()
    assert {p.name for p in new} >= {
        "deck.pdf",
        "deck.pptx",
        "figure.png",
        "animation.gif",
    }
    assert sorted(Path("/tmp").glob("sahelgis-abs*")) == absolute


# -- safe_child ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../x", "x"),
        ("..\\..\\y.png", "y.png"),
        ("/tmp/sahelgis-abs", "tmp_sahelgis-abs"),
        ("C:\\Windows\\evil.dll", "C_Windows_evil.dll"),
        (".bashrc", "bashrc"),
        ("", "untitled"),
        ("..", "untitled"),
        ("   ", "untitled"),
        ("CON", "_CON"),
        ("nul.txt", "_nul.txt"),
        ("report.", "report"),
        ("a\x00b\nc", "a_b_c"),
        ("Ségou — RN4.gpkg", "Ségou — RN4.gpkg"),
        ("Report Figure 4 — Russia-backed engagement.png", None),
    ],
)
def test_safe_child_keeps_names_inside_the_folder(tmp_path, name, expected):
    child = safe_child(tmp_path, name)
    assert child.parent == tmp_path
    assert child.name == (expected or name)


def test_safe_name_keeps_the_extension_of_long_names():
    name = safe_name("x" * 500 + ".png")
    assert len(name) == MAX_NAME_LENGTH
    assert name.endswith("x.png")


@settings(max_examples=200, deadline=None)
@given(name=st.text(max_size=300))
def test_any_name_stays_inside_the_folder(name):
    folder = Path("/srv/exports")
    child = safe_child(folder, name)
    assert child.parent == folder
    assert child.name not in ("", ".", "..")
    assert not child.name.startswith((".", " "))
    assert "/" not in child.name
    assert "\\" not in child.name
    assert len(child.name) <= MAX_NAME_LENGTH
    assert safe_name(child.name) == child.name  # stable


def test_io_safety_has_no_dependency_beyond_the_standard_library():
    source = (PACKAGE / "io" / "safety.py").read_text(encoding="utf-8")
    imports = set(re.findall(r"^(?:from|import) (\w+)", source, flags=re.M))
    assert imports <= {"__future__", "re", "unicodedata", "pathlib"}
