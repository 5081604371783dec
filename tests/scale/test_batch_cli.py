"""The command line of the store and of batch runs."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from sahelgis.__main__ import main
from sahelgis.scale.store import MANIFEST, EventStore

DEMO_CSV = Path(__file__).resolve().parents[2] / "data" / "demo_events_SYNTHETIC.csv"

RECIPE = """
name = "cli"
[[analysis]]
id = "rings"
kind = "buffer"
towns = ["Nara", "Kati"]
radii = ["25 km", "50 km"]
[[analysis]]
id = "cercles"
kind = "counts"
areas = "cercle"
"""


@pytest.fixture
def recipe(tmp_path: Path) -> Path:
    """A two-analysis recipe file."""
    path = tmp_path / "r.toml"
    path.write_text(RECIPE, encoding="utf-8")
    return path


def test_import_into_a_store_then_info(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "events"
    assert main(["import", str(DEMO_CSV), "--store", str(store)]) == 0
    out = capsys.readouterr().out
    assert "3,000 events added to 7 partitions" in out
    # importing the same export again replaces, not duplicates
    assert main(["import", str(DEMO_CSV), "--store", str(store)]) == 0
    assert "3,000 stored events replaced" in capsys.readouterr().out
    assert EventStore.open(store).rows == 3000
    assert main(["info", str(store)]) == 0
    out = capsys.readouterr().out
    assert "SahelGIS event store [SYNTHETIC], 3,000 events, 7 partitions" in out
    assert "2018-01-08 to 2024-06-30" in out


def test_batch_writes_tables_layers_and_summary(
    tmp_path: Path,
    recipe: Path,
    demo_store: EventStore,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "out"
    code = main(
        ["batch", str(recipe), "--dataset", str(demo_store.root), "-o", str(out)]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "engine local" in printed
    assert "SYNTHETIC" in printed
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        ".sahelgis-batch",
        "cercles.counts.csv",
        "cercles.gpkg",
        "rings.counts.csv",
        "rings.gpkg",
        "rings.precision.csv",
        "summary.json",
        "summary.txt",
    ]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["run"]["engine"] == "local"
    assert summary["run"]["read"]["total_rows"] == 3000
    counts = pd.read_csv(out / "cercles.counts.csv")
    assert counts["count"].sum() == 3000
    assert set(counts.columns) == {"name_fr", "year", "count"}
    import pyogrio

    rings = pyogrio.read_dataframe(out / "rings.gpkg", layer="rings")
    assert (rings["data"] == "SYNTHETIC").all()
    assert len(rings) == 4


def test_a_failed_run_leaves_the_previous_results(
    tmp_path: Path,
    recipe: Path,
    demo_store: EventStore,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "out"
    args = ["batch", str(recipe), "--dataset", str(demo_store.root), "-o", str(out)]
    assert main(args) == 0
    before = (out / "rings.counts.csv").read_bytes()
    recipe.write_text(RECIPE.replace('"Kati"', '"Atlantis"'), encoding="utf-8")
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "r.toml" in err
    assert "Atlantis" in err
    assert (out / "rings.counts.csv").read_bytes() == before


def test_batch_refuses_what_it_cannot_do(
    tmp_path: Path, recipe: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    dataset = ["--dataset", str(DEMO_CSV)]
    code = main(["batch", str(recipe), *dataset, "-o", str(out), "--engine", "dask"])
    assert code == 1
    assert "the dask engine reads a partitioned event store" in capsys.readouterr().err
    assert main(["batch", str(recipe), "-o", str(out)]) == 1
    assert "no dataset" in capsys.readouterr().err
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.docx").write_text("x", encoding="utf-8")
    args = ["batch", str(recipe), "--dataset", str(DEMO_CSV), "-o", str(mine)]
    assert main(args) == 2
    assert "was not written by sahelgis batch" in capsys.readouterr().err
    assert (mine / "thesis.docx").exists()


def run_batch(recipe: Path, dataset: Path | str, out: Path | str) -> int:
    return main(["batch", str(recipe), "--dataset", str(dataset), "-o", str(out)])


def test_batch_replaces_only_its_own_folder(
    tmp_path: Path, recipe: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert run_batch(recipe, DEMO_CSV, out) == 0
    assert (out / ".sahelgis-batch").is_file()
    assert run_batch(recipe, DEMO_CSV, out) == 0  # its own output: replaced
    capsys.readouterr()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    assert run_batch(recipe, DEMO_CSV, out) == 2
    err = capsys.readouterr().err
    assert "holds 'notes.txt', which sahelgis batch did not write" in err
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"
    # an older output (summary.json, no marker) with other files is left alone
    old = tmp_path / "old"
    old.mkdir()
    (old / "summary.json").write_text("{}", encoding="utf-8")
    (old / "thesis.docx").write_text("x", encoding="utf-8")
    assert run_batch(recipe, DEMO_CSV, old) == 2
    assert sorted(p.name for p in old.iterdir()) == ["summary.json", "thesis.docx"]


def test_batch_never_writes_over_its_dataset(
    tmp_path: Path,
    recipe: Path,
    demo_store: EventStore,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = demo_store.root
    manifest = (root / MANIFEST).read_bytes()
    assert run_batch(recipe, root, root) == 2
    assert "is store, which the run reads" in capsys.readouterr().err
    assert run_batch(recipe, root, root / "results") == 2
    assert "is inside the dataset store" in capsys.readouterr().err
    assert run_batch(recipe, root, root.parent) == 2
    assert "holds store, which the run reads" in capsys.readouterr().err
    assert (root / MANIFEST).read_bytes() == manifest
    assert EventStore.open(root).rows == 3000


def test_batch_refuses_links_and_the_current_folder(
    tmp_path: Path,
    recipe: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "link"
    link.symlink_to(real)
    assert run_batch(recipe, DEMO_CSV, link) == 2
    assert "link: is a symbolic link" in capsys.readouterr().err
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    assert run_batch(recipe, DEMO_CSV, ".") == 2
    assert "is the current folder or holds it" in capsys.readouterr().err
    assert run_batch(recipe, DEMO_CSV, "..") == 2
    assert list(work.iterdir()) == []
    assert link.is_symlink()
    assert list(real.iterdir()) == []


def test_batch_on_an_export_matches_batch_on_its_store(
    tmp_path: Path, recipe: Path, demo_store: EventStore
) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    assert main(["batch", str(recipe), "--dataset", str(DEMO_CSV), "-o", str(a)]) == 0
    store = str(demo_store.root)
    assert main(["batch", str(recipe), "--dataset", store, "-o", str(b)]) == 0
    for name in ("rings.counts.csv", "rings.precision.csv", "cercles.counts.csv"):
        assert (a / name).read_bytes() == (b / name).read_bytes()


def test_analysis_commands_read_only_what_they_need_from_a_store(
    tmp_path: Path, demo_store: EventStore, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--town", "Kati", "--radius", "30km", "--from", "2023-01-01"]
    assert main(["buffer", str(DEMO_CSV), *args]) == 0
    from_csv = capsys.readouterr().out
    assert main(["buffer", str(demo_store.root), *args]) == 0
    captured = capsys.readouterr()
    assert captured.out == from_csv
    assert "reads 2 of 7 files" in captured.err  # 2023 and 2024 only
