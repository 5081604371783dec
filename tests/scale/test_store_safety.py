"""The store never touches files outside its folder and concurrent appends all land."""

from __future__ import annotations

import csv
import json
import multiprocessing
import os
import sys
from pathlib import Path

import pytest

from sahelgis.scale.store import MANIFEST, EventStore, StoreError

REPO = Path(__file__).resolve().parents[2]
DEMO_CSV = REPO / "data" / "demo_events_SYNTHETIC.csv"


def country_csv(path: Path, country: str, rows: int = 40) -> Path:
    """The first demo rows, moved to another country with their own event ids."""
    with DEMO_CSV.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields = reader.fieldnames
        picked = [row for _, row in zip(range(rows), reader, strict=False)]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        for i, row in enumerate(picked):
            row["country"] = country
            row["event_id_cnty"] = f"{country[:3].upper()}{i}"
            writer.writerow(row)
    return path


def manifest_with(store: EventStore, rel: str) -> None:
    data = json.loads((store.root / MANIFEST).read_text(encoding="utf-8"))
    data["files"][0]["path"] = rel
    (store.root / MANIFEST).write_text(json.dumps(data), encoding="utf-8")


@pytest.mark.parametrize(
    ("rel", "message"),
    [
        ("../x.parquet", "uses '..'"),
        ("/abs/x.parquet", "absolute path"),
        ("country=Mali/../../x.parquet", "uses '..'"),
        ("C:\\x.parquet", "not a relative path"),
        ("country=Mali/notes.txt", "not a .parquet file"),
    ],
)
def test_paths_leaving_the_store_are_refused(demo_store, rel, message):
    manifest_with(demo_store, rel)
    with pytest.raises(StoreError, match=r"files\[0\]\.path") as info:
        EventStore.open(demo_store.root)
    assert message in str(info.value)
    assert MANIFEST in str(info.value)
    assert "\n" not in str(info.value)


def test_append_never_deletes_a_file_outside_the_store(demo_store, demo_events):
    victim = demo_store.root.parent / "x.parquet"
    victim.write_bytes(b"precious")
    manifest_with(demo_store, "../x.parquet")
    with pytest.raises(StoreError, match=r"uses '\.\.'"):
        demo_store.append(demo_events)  # re-reads the manifest under the lock
    assert victim.read_bytes() == b"precious"


def test_a_symlink_out_of_the_store_is_refused(demo_store, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "x.parquet").write_bytes(b"precious")
    link = demo_store.root / "country=Elsewhere"
    link.symlink_to(outside, target_is_directory=True)
    manifest_with(demo_store, "country=Elsewhere/x.parquet")
    with pytest.raises(StoreError, match="leads outside the store"):
        EventStore.open(demo_store.root)
    (outside / "y.parquet").write_bytes(b"precious")
    manifest_with(demo_store, demo_store.manifest.files[0].path)  # repaired
    EventStore.open(demo_store.root).vacuum()
    assert (outside / "y.parquet").read_bytes() == b"precious"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[1, 2]", "not a SahelGIS event store manifest"),
        ('{"format": "sahelgis-event-store", "files": {"a": 1}}', "files"),
        ('{"format": "sahelgis-event-store", "files": ["x"]}', "files[0]"),
        ('{"format": "sahelgis-event-store", "synthetic": [], "files": []}', "synth"),
        ("[" * 100_000, "unreadable store manifest"),
    ],
)
def test_damaged_manifests_give_one_line(tmp_path, text, message):
    (tmp_path / MANIFEST).write_text(text, encoding="utf-8")
    with pytest.raises(StoreError) as info:
        EventStore.open(tmp_path)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_a_million_entries_are_refused_unvalidated(tmp_path):
    text = '{"format": "sahelgis-event-store", "files": [' + "0," * 999_999 + "0]}"
    (tmp_path / MANIFEST).write_text(text, encoding="utf-8")
    with pytest.raises(StoreError, match="lists 1,000,000 files; a store holds at"):
        EventStore.open(tmp_path)


def run_main(argv: list[str]) -> None:
    from sahelgis.__main__ import main

    sys.stdout = sys.stderr = open(os.devnull, "w")  # noqa: SIM115
    os._exit(main(argv))


def run_at_once(*argvs: list[str]) -> list[int]:
    """Exit codes of ``sahelgis ARGV`` run in forked processes at the same time."""
    context = multiprocessing.get_context("fork")  # inherits the imports: fast
    procs = [context.Process(target=run_main, args=(argv,)) for argv in argvs]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(60)
    return [proc.exitcode for proc in procs]


def test_two_processes_appending_at_once_both_land(tmp_path):
    store = tmp_path / "store"
    exports = [country_csv(tmp_path / f"{c}.csv", c) for c in ("Niger", "Chad")]
    codes = run_at_once(
        *(["import", str(path), "--store", str(store)] for path in exports)
    )
    assert codes == [0, 0]
    opened = EventStore.open(store)
    assert opened.countries() == ["Chad", "Niger"]
    assert opened.rows == 80
