"""Packed notes are checked on open unless this installation sealed them."""

from __future__ import annotations

import os
import stat

import pytest

from sahelgis.io import cache_seal
from sahelgis.io.project_file import load_project, save_project
from sahelgis.model.layer_factory import event_layer
from sahelgis.model.packed_text import PackedText
from sahelgis.model.project import Project


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("SAHELGIS_CACHE", str(folder))
    return folder


@pytest.fixture
def checks(monkeypatch):
    """Counts full checks of packed text."""
    calls = []
    real = PackedText.check_all

    def counted(self):
        calls.append(len(self))
        return real(self)

    monkeypatch.setattr(PackedText, "check_all", counted)
    return calls


def _notes(project):
    return project.layers[0].events.frame["notes"].tolist()


def test_a_project_saved_here_reopens_without_the_check(
    tiny_table, tmp_path, cache, checks
):
    path = save_project(Project([event_layer(tiny_table, "t.csv")]), tmp_path / "p")
    key = cache / "cache.key"
    assert key.stat().st_size == 32
    if os.name == "posix":
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
    again = load_project(path)
    assert checks == []  # sealed here: trusted
    assert _notes(again) == tiny_table.frame["notes"].tolist()


def test_another_key_means_the_full_check(tiny_table, tmp_path, cache, checks):
    path = save_project(Project([event_layer(tiny_table, "t.csv")]), tmp_path / "p")
    (cache / "cache.key").write_bytes(b"k" * 32)  # another installation
    again = load_project(path)
    assert checks == [len(tiny_table)]
    assert _notes(again) == tiny_table.frame["notes"].tolist()


def test_no_key_and_an_unwritable_cache_still_save_and_check(
    tiny_table, tmp_path, monkeypatch, checks
):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("SAHELGIS_CACHE", str(blocker / "cache"))
    assert cache_seal.seal([b"x"]) is None
    path = save_project(Project([event_layer(tiny_table, "t.csv")]), tmp_path / "p")
    again = load_project(path)
    assert checks == [len(tiny_table)]
    assert _notes(again) == tiny_table.frame["notes"].tolist()


def test_seals_differ_with_the_bytes(cache):
    mark = cache_seal.seal([b"abc", b"def"])
    assert mark is not None
    assert cache_seal.is_sealed([b"abc", b"def"], mark.hex().encode())
    assert not cache_seal.is_sealed([b"abc", b"deg"], mark.hex().encode())
    assert not cache_seal.is_sealed([b"abc", b"def"], b"not hex")
    assert not cache_seal.is_sealed([b"abc", b"def"], None)
