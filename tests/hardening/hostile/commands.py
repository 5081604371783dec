"""Hostile command lines, stores and recipes: nothing is destroyed that was not
asked to be replaced.

Each case builds a small folder (a one-layer project of demo events, a tiny
store, a recipe) and runs the real command line (``sahelgis.cli.main``). A
refused command must exit with its code, print exactly one line, and leave
every file of the folder byte-identical (hashed before and after; only the
hidden ``.NAME.lock`` files that writers leave are ignored).
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import os
import random
from collections.abc import Callable
from pathlib import Path

from sahelgis.scale.store import MANIFEST
from tests.hardening.hostile import HostileCase

DEMO_CSV = Path(__file__).resolve().parents[3] / "data" / "demo_events_SYNTHETIC.csv"
RECIPE = """name = "hostile"
[[analysis]]
id = "rings"
kind = "buffer"
at = [-7.9, 12.6]
radii = ["10 km", "30 km"]
"""


# -- building ------------------------------------------------------------------
def _events_csv(
    folder: Path, rng: random.Random, name: str = "events.csv", rows: int = 30
) -> Path:
    """``rows`` demo events picked by ``rng`` (a few KB)."""
    with DEMO_CSV.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields = list(reader.fieldnames or [])
        every = list(reader)
    picked = sorted(rng.sample(range(len(every)), rows))
    path = folder / name
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(every[i] for i in picked)
    return path


def _project(folder: Path, rng: random.Random, name: str = "P.gpkg") -> Path:
    """A project with one layer of demo events and no base layers (~150 KB)."""
    from sahelgis.io.acled import read_acled
    from sahelgis.io.project_file import save_project
    from sahelgis.model.layer_factory import event_layer
    from sahelgis.model.project import Project

    export = _events_csv(folder, rng, f"{Path(name).stem}-events.csv")
    table, _ = read_acled(export)
    return save_project(Project([event_layer(table, export)]), folder / name)


def _store(folder: Path, rng: random.Random, name: str = "store") -> Path:
    """A store of 30 demo events in a few partitions."""
    from sahelgis.io.acled import read_acled
    from sahelgis.scale.store import EventStore

    export = _events_csv(folder, rng, f"{name}-events.csv")
    table, _ = read_acled(export)
    EventStore.create(folder / name).append(table, source=export.name)
    return folder / name


def _recipe(folder: Path, text: str = RECIPE, name: str = "recipe.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _edit_manifest(store: Path, edit: Callable[[dict], object]) -> None:
    path = store / MANIFEST
    data = json.loads(path.read_text(encoding="utf-8"))
    edit(data)
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")


# -- checking ------------------------------------------------------------------
def _snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (links not followed) and its SHA-256."""
    out: dict[str, str] = {}
    for root, dirs, names in os.walk(folder):
        for name in names + [d for d in dirs if (Path(root) / d).is_symlink()]:
            path = Path(root) / name
            rel = path.relative_to(folder).as_posix()
            if name.endswith(".lock"):
                continue
            if path.is_symlink():
                out[rel] = "link:" + os.readlink(path)
            else:
                out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def _run(argv: list[str]) -> tuple[int, str, str]:
    """``sahelgis ARGV`` in this process: exit code, stdout, stderr."""
    from sahelgis.__main__ import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in argv])
        except SystemExit as exc:  # argparse usage errors
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def _refused(
    argv: Callable[[Path, Path], list[object]],
    code: int,
    message: Callable[[Path, Path], str],
    *,
    cwd: Callable[[Path], Path] | None = None,
) -> Callable[[Path, Path], None]:
    """A check: the command exits with ``code``, prints exactly the one line
    ``message`` on stderr, and changes no file of the case or the scratch
    folder."""

    def check(path: Path, scratch: Path) -> None:
        folder = path if path.is_dir() else path.parent
        before = _snapshot(folder), _snapshot(scratch)
        here = Path.cwd()
        try:
            if cwd is not None:
                os.chdir(cwd(folder))
            got, _, err = _run(argv(folder, scratch))
        finally:
            os.chdir(here)
        assert got == code, (got, err)
        assert err == message(folder, scratch) + "\n", err
        assert (_snapshot(folder), _snapshot(scratch)) == before

    return check


def _build_project_and_events(folder: Path, rng: random.Random) -> Path:
    _project(folder, rng)
    _project(folder, rng, "Q.gpkg")
    return folder


def _build_batch(folder: Path, rng: random.Random) -> Path:
    _events_csv(folder, rng)
    _recipe(folder)
    return folder


INPUT = "sahelgis: P.gpkg: is the input project; choose another output file"
OTHER = (
    "sahelgis: Q.gpkg: is a SahelGIS project; choose another output file "
    "(a command never replaces a project)"
)


def _analysis(command: str, *extra: str, output: str = "P.gpkg"):
    return lambda f, s: [command, f / "P.gpkg", *extra, "-o", f / output]


def _onto(name: str, command: str, extra: tuple[str, ...], output: str) -> HostileCase:
    target = "the input project" if output == "P.gpkg" else "another project (Q.gpkg)"
    return HostileCase(
        name=name,
        kind="command",
        expect=(
            f"`sahelgis {command} P.gpkg ... -o {output}` onto {target}: refused, "
            "exit 2, one line; P.gpkg and Q.gpkg byte-identical"
        ),
        build=_build_project_and_events,
        check=_refused(
            _analysis(command, *extra, output=output),
            2,
            lambda f, s: INPUT if output == "P.gpkg" else OTHER,
        ),
    )


ANALYSES = {
    "counts": ("--by", "region"),
    "zones": ("--from", "2030-01-01"),
    "buffer": ("--town", "Kati", "--radius", "30km"),
    "corridor": ("--road", "RN3", "--within", "10km"),
}

COMMAND_CASES = [
    _onto(f"cmd_{command}_onto_input_project", command, extra, "P.gpkg")
    for command, extra in ANALYSES.items()
] + [
    _onto("cmd_counts_onto_other_project", "counts", ANALYSES["counts"], "Q.gpkg"),
    _onto("cmd_zones_onto_other_project", "zones", ANALYSES["zones"], "Q.gpkg"),
    HostileCase(
        name="cmd_recipe_onto_input_project",
        kind="command",
        expect="`sahelgis recipe P.gpkg -o P.gpkg`: refused, exit 2, one line; "
        "P.gpkg byte-identical (was overwritten with TOML)",
        build=_build_project_and_events,
        check=_refused(
            lambda f, s: ["recipe", f / "P.gpkg", "-o", f / "P.gpkg"],
            2,
            lambda f, s: INPUT,
        ),
    ),
    HostileCase(
        name="cmd_recipe_onto_other_project",
        kind="command",
        expect="`sahelgis recipe P.gpkg -o Q.gpkg`: refused, exit 2; both projects "
        "byte-identical",
        build=_build_project_and_events,
        check=_refused(
            lambda f, s: ["recipe", f / "P.gpkg", "-o", f / "Q.gpkg"],
            2,
            lambda f, s: OTHER,
        ),
    ),
    HostileCase(
        name="cmd_export_onto_input_project",
        kind="command",
        expect="`sahelgis export P.gpkg -o P.gpkg`: refused, exit 2, one line; "
        "P.gpkg byte-identical",
        build=_build_project_and_events,
        check=_refused(
            lambda f, s: ["export", f / "P.gpkg", "-o", f / "P.gpkg"],
            2,
            lambda f, s: "sahelgis export: " + INPUT.removeprefix("sahelgis: "),
        ),
    ),
    HostileCase(
        name="cmd_export_onto_other_project",
        kind="command",
        expect="`sahelgis export P.gpkg -o Q.gpkg`: refused, exit 2; both projects "
        "byte-identical",
        build=_build_project_and_events,
        check=_refused(
            lambda f, s: ["export", f / "P.gpkg", "-o", f / "Q.gpkg"],
            2,
            lambda f, s: "sahelgis export: " + OTHER.removeprefix("sahelgis: "),
        ),
    ),
    HostileCase(
        name="cmd_snapshot_onto_input_project",
        kind="command",
        expect="`sahelgis --snapshot P.gpkg P.gpkg`: refused before any window, "
        "exit 2, one line; P.gpkg byte-identical",
        build=_build_project_and_events,
        check=_refused(
            lambda f, s: ["--snapshot", f / "P.gpkg", f / "P.gpkg"],
            2,
            lambda f, s: (
                "sahelgis: P.gpkg: is the input project (given to "
                "--snapshot); choose another output file"
            ),
        ),
    ),
    HostileCase(
        name="cmd_import_report_onto_export",
        kind="command",
        expect="`sahelgis import E.csv -o N.gpkg --report E.csv`: refused before "
        "reading, exit 2; the export byte-identical, no project written",
        build=_build_batch,
        check=_refused(
            lambda f, s: [
                "import",
                f / "events.csv",
                "-o",
                s / "N.gpkg",
                "--report",
                f / "events.csv",
            ],
            2,
            lambda f, s: (
                "sahelgis: events.csv: is the input file (given to "
                "--report); choose another output file"
            ),
        ),
    ),
]


def _check_zones_keep(path: Path, scratch: Path) -> None:
    old = path / "zones.gpkg"
    before = _snapshot(path)
    code, out, err = _run(["zones", path / "P.gpkg", "--from", "2030-01-01", "-o", old])
    assert code == 0, err
    assert "note: nothing found (0 support zones" in err
    assert "; nothing written" in err
    assert out.startswith("total: 0 events in 0 zones")
    assert _snapshot(path) == before


def _build_zones_keep(folder: Path, rng: random.Random) -> Path:
    _project(folder, rng)
    (folder / "zones.gpkg").write_bytes(b"yesterday's zones (any bytes)")
    return folder


COMMAND_CASES.append(
    HostileCase(
        name="cmd_zones_no_result_keeps_old_output",
        kind="command",
        expect="`zones --from 2030-01-01 -o zones.gpkg` finding no zone: exit 0, "
        "'nothing found (0 support zones …); nothing written', the existing "
        "zones.gpkg byte-identical",
        build=_build_zones_keep,
        check=_check_zones_keep,
    )
)


# -- batch output folders --------------------------------------------------------
def _batch(output: Callable[[Path, Path], object], dataset: str = "events.csv"):
    return lambda f, s: [
        "batch",
        f / "recipe.toml",
        "--dataset",
        f / dataset,
        "-o",
        output(f, s),
    ]


def _build_summary_folder(folder: Path, rng: random.Random) -> Path:
    _build_batch(folder, rng)
    out = folder / "results"
    out.mkdir()
    (out / "summary.json").write_text('{"recipe": "old"}', encoding="utf-8")
    (out / "thesis.docx").write_bytes(rng.randbytes(2048))
    return folder


def _build_store_batch(folder: Path, rng: random.Random) -> Path:
    _store(folder, rng)
    _recipe(folder)
    return folder


def _build_holder(folder: Path, rng: random.Random) -> Path:
    _build_batch(folder, rng)
    data = folder / "work"
    data.mkdir()
    _events_csv(data, rng, "events.csv")
    return folder


def _build_symlink(folder: Path, rng: random.Random) -> Path:
    _build_batch(folder, rng)
    (folder / "elsewhere").mkdir()
    (folder / "elsewhere" / "keep.txt").write_text("keep", encoding="utf-8")
    (folder / "out").symlink_to("elsewhere", target_is_directory=True)
    return folder


def _folder_message(text: str, name: Callable[[Path], str] = lambda f: f.name):
    return lambda f, s: f"sahelgis: {name(f)}: {text}"


BATCH_CASES = [
    HostileCase(
        name="cmd_batch_into_folder_with_summary",
        kind="command",
        expect="`batch -o DIR` where DIR holds summary.json and a thesis, but no "
        ".sahelgis-batch marker: refused, exit 2; nothing in DIR deleted",
        build=_build_summary_folder,
        check=_refused(
            _batch(lambda f, s: f / "results"),
            2,
            lambda f, s: (
                "sahelgis: results: is not empty and was not written by "
                "sahelgis batch (no .sahelgis-batch); give a new or empty folder"
            ),
        ),
    ),
    HostileCase(
        name="cmd_batch_into_the_dataset",
        kind="command",
        expect="`batch --dataset STORE -o STORE`: refused, exit 2; the store "
        "byte-identical",
        build=_build_store_batch,
        check=_refused(
            _batch(lambda f, s: f / "store", dataset="store"),
            2,
            lambda f, s: (
                "sahelgis: store: is store, which the run reads; give a new folder"
            ),
        ),
    ),
    HostileCase(
        name="cmd_batch_into_folder_inside_dataset",
        kind="command",
        expect="`batch --dataset STORE -o STORE/results`: refused, exit 2; the "
        "store byte-identical",
        build=_build_store_batch,
        check=_refused(
            _batch(lambda f, s: f / "store" / "results", dataset="store"),
            2,
            lambda f, s: (
                "sahelgis: results: is inside the dataset store; give a "
                "folder outside it"
            ),
        ),
    ),
    HostileCase(
        name="cmd_batch_into_folder_holding_dataset",
        kind="command",
        expect="`batch --dataset work/events.csv -o work`: refused, exit 2; the "
        "export byte-identical",
        build=_build_holder,
        check=_refused(
            _batch(lambda f, s: f / "work", dataset="work/events.csv"),
            2,
            lambda f, s: (
                "sahelgis: work: holds events.csv, which the run reads; "
                "give a new folder"
            ),
        ),
    ),
    HostileCase(
        name="cmd_batch_into_symlink",
        kind="command",
        expect="`batch -o LINK` (a symlink to a folder): refused, exit 2; link and "
        "target unchanged",
        build=_build_symlink,
        check=_refused(
            _batch(lambda f, s: f / "out"),
            2,
            lambda f, s: (
                "sahelgis: out: is a symbolic link; give a real folder for the results"
            ),
        ),
    ),
    HostileCase(
        name="cmd_batch_into_current_folder",
        kind="command",
        expect="`batch -o .` run in the folder holding the recipe and export: "
        "refused, exit 2; nothing changed",
        build=_build_batch,
        check=_refused(
            lambda f, s: ["batch", "recipe.toml", "--dataset", "events.csv", "-o", "."],
            2,
            _folder_message(
                "is the current folder or holds it; give a new folder",
                lambda f: f.resolve().name,
            ),
            cwd=lambda f: f,
        ),
    ),
    HostileCase(
        name="cmd_batch_into_parent_folder",
        kind="command",
        expect="`batch -o ..` from a subfolder: refused, exit 2; nothing changed",
        build=lambda f, rng: (_build_batch(f, rng), (f / "sub").mkdir(), f)[-1],
        check=_refused(
            lambda f, s: [
                "batch",
                "../recipe.toml",
                "--dataset",
                "../events.csv",
                "-o",
                "..",
            ],
            2,
            _folder_message(
                "is the current folder or holds it; give a new folder",
                lambda f: f.resolve().name,
            ),
            cwd=lambda f: f / "sub",
        ),
    ),
]


# -- store manifests ----------------------------------------------------------
def _manifest_case(
    name: str,
    expect: str,
    edit: Callable[[Path, dict], object],
    message: str,
    extra: Callable[[Path, random.Random], object] | None = None,
) -> HostileCase:
    def build(folder: Path, rng: random.Random) -> Path:
        store = _store(folder, rng)
        _events_csv(folder, rng, "more.csv")
        if extra is not None:
            extra(folder, rng)
        _edit_manifest(store, lambda data: edit(folder, data))
        return folder

    return HostileCase(
        name=name,
        kind="store",
        expect=expect,
        build=build,
        check=_refused(
            lambda f, s: ["import", f / "more.csv", "--store", f / "store"],
            1,
            lambda f, s: f"sahelgis: {f / 'store' / MANIFEST}: {message}",
        ),
    )


def _victim(folder: Path, rng: random.Random) -> None:
    (folder / "x.parquet").write_bytes(rng.randbytes(1024))


def _set_path(value: str) -> Callable[[Path, dict], None]:
    def edit(folder: Path, data: dict) -> None:
        data["files"][0]["path"] = value

    return edit


def _link_out(folder: Path, rng: random.Random) -> None:
    (folder / "outside").mkdir()
    (folder / "outside" / "x.parquet").write_bytes(rng.randbytes(1024))
    (folder / "store" / "country=Elsewhere").symlink_to(
        "../outside", target_is_directory=True
    )


def _build_million(folder: Path, rng: random.Random) -> Path:
    store = _store(folder, rng)
    _events_csv(folder, rng, "more.csv")
    # 1,000,000 entries in 2 MB: refused on their count, before validation
    text = '{"format": "sahelgis-event-store", "version": 1, "files": ['
    (store / MANIFEST).write_text(
        text + "0," * 999_999 + "0]}", encoding="utf-8"
    )
    return folder


def _build_not_json(folder: Path, rng: random.Random) -> Path:
    store = _store(folder, rng)
    _events_csv(folder, rng, "more.csv")
    (store / MANIFEST).write_bytes(b'{"format": "sahelgis-event-store", [')
    return folder


def _store_check(message: str) -> Callable[[Path, Path], None]:
    return _refused(
        lambda f, s: ["import", f / "more.csv", "--store", f / "store"],
        1,
        lambda f, s: f"sahelgis: {f / 'store' / MANIFEST}: {message}",
    )


STORE_CASES = [
    _manifest_case(
        "cmd_store_manifest_parent_path",
        "a manifest listing ../x.parquet: the append is refused (exit 1, one line "
        "naming the manifest and files[0].path); x.parquet beside the store intact",
        _set_path("../x.parquet"),
        "damaged manifest, files[0].path: uses '..' or '.'; store paths stay "
        "inside the store (got '../x.parquet')",
        _victim,
    ),
    _manifest_case(
        "cmd_store_manifest_absolute_path",
        "a manifest listing an absolute path: the append is refused (exit 1, one "
        "line naming files[0].path); nothing outside the store touched",
        _set_path("/srv/shared/acled/x.parquet"),
        "damaged manifest, files[0].path: is an absolute path; store paths are "
        "relative (got '/srv/shared/acled/x.parquet')",
    ),
    _manifest_case(
        "cmd_store_manifest_symlink_escape",
        "a manifest entry under a symlink leading out of the store: refused (exit "
        "1, one line naming files[0].path); the file outside intact",
        _set_path("country=Elsewhere/x.parquet"),
        "files[0].path 'country=Elsewhere/x.parquet' leads outside the store (a "
        "symlink); refused",
        _link_out,
    ),
    _manifest_case(
        "cmd_store_manifest_wrong_types",
        "a manifest whose rows is a string: refused (exit 1, one line naming "
        "files[0].rows); the store intact",
        lambda f, data: data["files"][0].update(rows="many"),
        "damaged manifest, files[0].rows: Input should be a valid integer, unable "
        "to parse string as an integer (got 'many')",
    ),
    _manifest_case(
        "cmd_store_manifest_files_not_a_list",
        "a manifest whose files is an object: refused (exit 1, one line naming "
        "'files'); the store intact",
        lambda f, data: data.update(files={"a": 1}),
        "damaged manifest, files: Input should be a valid list (got {'a': 1})",
    ),
    _manifest_case(
        "cmd_store_manifest_nan_box",
        "a row-group box of NaN: refused (exit 1, one line naming "
        "files[0].row_groups[0][2]); the store intact",
        lambda f, data: data["files"][0]["row_groups"][0].__setitem__(2, float("nan")),
        "damaged manifest, files[0].row_groups[0][2]: Input should be a finite "
        "number (got nan)",
    ),
    HostileCase(
        name="cmd_store_manifest_not_json",
        kind="store",
        expect="a manifest cut in the middle: the append is refused (exit 1, one "
        "line 'unreadable store manifest'); the store intact",
        build=_build_not_json,
        check=_store_check(
            "unreadable store manifest (Expecting property name enclosed in "
            "double quotes: line 1 column 36 (char 35))"
        ),
    ),
    HostileCase(
        name="cmd_store_manifest_million_entries",
        kind="store",
        expect="a manifest listing 1,000,000 files (2 MB): refused on the count "
        "(exit 1, one line) in well under a second",
        build=_build_million,
        check=_store_check(
            "files: lists 1,000,000 files; a store holds at most 100,000"
        ),
    ),
]


# -- saving over links, private and read-only files ---------------------------
def _build_link(folder: Path, rng: random.Random) -> Path:
    (folder / "real").mkdir()
    _project(folder / "real", rng)
    (folder / "link.gpkg").symlink_to("real/P.gpkg")
    _events_csv(folder, rng, "more.csv")
    return folder


def _check_link(folder: Path, scratch: Path) -> None:
    from sahelgis.io.project_file import load_project

    code, _, err = _run(["import", folder / "more.csv", "-o", folder / "link.gpkg"])
    assert code == 0, err
    assert (folder / "link.gpkg").is_symlink()
    assert os.readlink(folder / "link.gpkg") == "real/P.gpkg"
    assert len(load_project(folder / "real" / "P.gpkg").event_layers()) == 2
    assert (folder / "real" / "P.bak.gpkg").is_file()


def _build_private(folder: Path, rng: random.Random) -> Path:
    _project(folder, rng).chmod(0o600)
    _events_csv(folder, rng, "more.csv")
    return folder


def _check_private(folder: Path, scratch: Path) -> None:
    code, _, err = _run(["import", folder / "more.csv", "-o", folder / "P.gpkg"])
    assert code == 0, err
    assert (folder / "P.gpkg").stat().st_mode & 0o777 == 0o600


def _build_read_only(folder: Path, rng: random.Random) -> Path:
    _project(folder, rng).chmod(0o444)
    _events_csv(folder, rng, "more.csv")
    return folder


SAVE_CASES = [
    HostileCase(
        name="cmd_save_through_symlink",
        kind="command",
        expect="`import -o link.gpkg` (a symlink): the real project gains the layer, "
        "its .bak beside it, the link stays a link",
        build=_build_link,
        check=_check_link,
    ),
    HostileCase(
        name="cmd_save_keeps_private_mode",
        kind="command",
        expect="`import -o P.gpkg` on a 0600 project: saved, still 0600",
        build=_build_private,
        check=_check_private,
    ),
    HostileCase(
        name="cmd_save_refuses_read_only",
        kind="command",
        expect="`import -o P.gpkg` on a read-only project: refused before reading "
        "(exit 1, one line); P.gpkg byte-identical",
        build=_build_read_only,
        check=_refused(
            lambda f, s: ["import", f / "more.csv", "-o", f / "P.gpkg"],
            1,
            lambda f, s: (
                "sahelgis: P.gpkg: is read-only; make it writable or save "
                "under another name"
            ),
        ),
    ),
]


# -- hostile recipes ------------------------------------------------------------
def _build_recipe(text: str) -> Callable[[Path, random.Random], Path]:
    def build(folder: Path, rng: random.Random) -> Path:
        _events_csv(folder, rng)
        _recipe(folder, text)
        return folder

    return build


def _many_analyses(count: int) -> str:
    one = '[[analysis]]\nkind = "buffer"\nat = [-7.9, 12.6]\nradii = ["10 km"]\n'
    return 'name = "many"\n' + one * count


def _check_ids_stay_inside(folder: Path, scratch: Path) -> None:
    before = _snapshot(folder)
    code, _, err = _run(_batch(lambda f, s: s / "out")(folder, scratch))
    assert code == 0, err
    assert _snapshot(folder) == before
    assert sorted(p.name for p in scratch.iterdir()) == [".out.lock", "out"]
    names = sorted(p.name for p in (scratch / "out").iterdir())
    assert names == [
        ".sahelgis-batch",
        "etc_cron_d_x.counts.csv",
        "etc_cron_d_x.gpkg",
        "etc_cron_d_x.precision.csv",
        "summary.json",
        "summary.txt",
        "x.counts.csv",
        "x.gpkg",
        "x.precision.csv",
    ]


def _check_absurd(folder: Path, scratch: Path) -> None:
    before = _snapshot(folder)
    code, _, err = _run(_batch(lambda f, s: s / "out")(folder, scratch))
    assert "Traceback" not in err
    if code:  # a bound on distances and boxes: one line, nothing written
        assert err.strip().splitlines()[-1].startswith("sahelgis: recipe.toml: ")
        assert list(scratch.iterdir()) == []
    else:  # every file inside the output folder
        assert {p.name for p in scratch.iterdir()} <= {"out", ".out.lock"}
    assert _snapshot(folder) == before


RECIPE_CASES = [
    HostileCase(
        name="cmd_recipe_output_key_escapes",
        kind="recipe",
        expect='a recipe with output = "../../x": refused (exit 1, one line, '
        "unknown key); nothing written anywhere",
        build=_build_recipe(RECIPE.replace('name = "hostile"', 'output = "../../x"')),
        check=_refused(
            _batch(lambda f, s: s / "out"),
            1,
            lambda f, s: "sahelgis: recipe.toml: unknown top-level keys: output",
        ),
    ),
    HostileCase(
        name="cmd_recipe_ids_escape",
        kind="recipe",
        expect='analysis ids "../../x" and "/etc/cron.d/x": run, every file '
        "written inside the output folder (x.*, etc_cron_d_x.*)",
        build=_build_recipe(
            RECIPE.replace('id = "rings"', 'id = "../../x"')
            + RECIPE.split("\n", 1)[1].replace('id = "rings"', 'id = "/etc/cron.d/x"')
        ),
        check=_check_ids_stay_inside,
    ),
    HostileCase(
        name="cmd_recipe_dataset_is_output",
        kind="recipe",
        expect='a recipe with dataset = "store" run with -o store: refused (exit 2) '
        "before the run; the store byte-identical",
        build=lambda f, rng: (
            _store(f, rng),
            _recipe(f, 'dataset = "store"\n' + RECIPE),
            f,
        )[-1],
        check=_refused(
            lambda f, s: ["batch", f / "recipe.toml", "-o", f / "store"],
            2,
            lambda f, s: (
                "sahelgis: store: is store, which the run reads; give a new folder"
            ),
        ),
    ),
    HostileCase(
        name="cmd_recipe_absurd_numbers",
        kind="recipe",
        expect="radii of 1e300 km and a ±1e308 box: no traceback; either a one-line "
        "refusal or results written only inside the output folder",
        build=_build_recipe(
            RECIPE.replace('["10 km", "30 km"]', '["1e300 km"]')
            + "[scope]\nbbox = [-1e308, -1e308, 1e308, 1e308]\n"
        ),
        check=_check_absurd,
    ),
    HostileCase(
        name="cmd_recipe_ten_thousand_analyses",
        kind="recipe",
        expect="a recipe of 10,000 analyses (650 KB): refused before resolving "
        "them (exit 1, one line); nothing written",
        build=_build_recipe(_many_analyses(10_000)),
        check=_refused(
            _batch(lambda f, s: s / "out"),
            1,
            lambda f, s: "sahelgis: recipe.toml: 10,000 analyses; at most 1,000",
        ),
    ),
]

CASES: list[HostileCase] = [
    *COMMAND_CASES,
    *BATCH_CASES,
    *STORE_CASES,
    *SAVE_CASES,
    *RECIPE_CASES,
]
