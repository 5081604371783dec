"""Consent per tile host: the rule for providers named by files (no Qt)."""

from __future__ import annotations

from dataclasses import replace

from sahelgis.io import tile_providers
from sahelgis.io.tile_consent import (
    QUESTION,
    MemoryConsent,
    headless_report,
    needs_question,
    network_allowed,
    not_fetched_note,
    tile_host,
)
from sahelgis.io.tile_providers import custom_provider


def from_file(provider):
    return replace(provider, from_file=True)


def test_tile_host_is_the_real_host_with_its_port():
    assert tile_host(tile_providers.provider("osm")) == "tile.openstreetmap.org"
    assert (
        tile_host(tile_providers.provider("carto_positron")) == "basemaps.cartocdn.com"
    )
    p = custom_provider("http://Tiles.Example.ORG:8080/{z}/{x}/{y}.png", "")
    assert tile_host(p) == "tiles.example.org:8080"


def test_file_named_providers_need_consent_for_their_host():
    consent = MemoryConsent()
    osm = tile_providers.provider("osm")
    assert network_allowed(osm, consent)  # picked in the app
    assert not network_allowed(from_file(osm), consent)  # named by a file
    assert needs_question(from_file(osm), consent)
    assert not needs_question(osm, consent)
    consent.remember("TILE.openstreetmap.org", True)
    assert network_allowed(from_file(osm), consent)
    assert not needs_question(from_file(osm), consent)
    consent.remember("tile.openstreetmap.org", False)
    assert not network_allowed(from_file(osm), consent)
    assert not needs_question(from_file(osm), consent)  # a refusal is remembered
    consent.forget("tile.openstreetmap.org")
    assert needs_question(from_file(osm), consent)
    assert consent.decisions() == {}


def test_consent_for_one_host_is_not_consent_for_another():
    consent = MemoryConsent(allowed={"127.0.0.1:8000"})
    same = custom_provider("http://127.0.0.1:8000/{z}/{x}/{y}", "", from_file=True)
    other_port = custom_provider(
        "http://127.0.0.1:8001/{z}/{x}/{y}", "", from_file=True
    )
    assert network_allowed(same, consent)
    assert not network_allowed(other_port, consent)


def test_nothing_is_allowed_without_a_provider():
    assert not network_allowed(None, MemoryConsent())
    assert not needs_question(None, MemoryConsent())
    assert not_fetched_note(None, MemoryConsent()) == ""


def test_headless_notes_name_the_host_and_why():
    p = from_file(tile_providers.provider("osm"))
    note = not_fetched_note(p, MemoryConsent())
    assert note.startswith("online tiles from tile.openstreetmap.org were not fetched")
    assert "View > Basemap" in note
    refused = MemoryConsent(refused={"tile.openstreetmap.org"})
    assert "you refused this host" in not_fetched_note(p, refused)
    allowed = MemoryConsent(allowed={"tile.openstreetmap.org"})
    assert not_fetched_note(p, allowed) == ""
    assert "cached tiles only" in not_fetched_note(p, allowed, fetches=False)


def test_headless_report_reads_the_state_from_the_file():
    problem, note = headless_report({"provider": "osm"}, "p.gpkg", MemoryConsent())
    assert problem == ""
    assert "tile.openstreetmap.org" in note
    state = {"provider": "custom-x", "url": "file:///dev/zero?{z}/{x}/{y}"}
    problem, note = headless_report(state, "p.gpkg", MemoryConsent())
    assert problem.startswith("p.gpkg: basemap.url:")
    assert note == ""


def test_the_question_names_the_host():
    assert QUESTION.format(host="evil.example") == (
        "This project shows map tiles from evil.example. Load them?"
    )
