"""Every hostile case is built from its seed and gets the behaviour it states.

The cases live in ``tests/hardening/hostile/`` (one module per area); the files
in ``tests/data/hostile/`` are the same cases written out by
``make_hostile_corpus.py`` for people to open, and their manifest must list
exactly the cases defined here.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.hardening.hostile import all_cases, seed_of

CASES = all_cases()
MANIFEST = Path(__file__).resolve().parents[1] / "data" / "hostile" / "MANIFEST.csv"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_case(case, tmp_path):
    folder = tmp_path / "case"
    folder.mkdir()
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    path = case.build(folder, seed_of(case.name))
    case.check(path, scratch)


def test_manifest_lists_every_case():
    with MANIFEST.open(encoding="utf-8", newline="") as handle:
        rows = {r["name"]: r for r in csv.DictReader(handle)}
    assert sorted(rows) == sorted(c.name for c in CASES), (
        "run: python tests/hardening/make_hostile_corpus.py"
    )
    for c in CASES:
        assert rows[c.name]["kind"] == c.kind
        assert rows[c.name]["expect"] == c.expect


def test_corpus_is_large_enough():
    # issue 14 asks for at least 60 new cases across projects, stores, recipes
    # and event files
    assert len(CASES) >= 60
    assert {c.kind for c in CASES} >= {"project", "store", "recipe", "events"}
