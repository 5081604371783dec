"""Consent for tile hosts: the network is used only for hosts the user allowed.

A project file can name a basemap (a built-in provider or a custom XYZ URL).
Fetching its tiles at once would tell whoever wrote the file the analyst's IP
address and working hours, so a provider that came from a file
(``TileProvider.from_file``) is used online only after the user said yes for
its host. The rule, the same for built-in and custom providers:

- choosing a provider in View > Basemap… is consent for its host;
- a provider named by a file needs consent for its host, unless that host was
  already allowed (e.g. the user once chose OpenStreetMap from the menu);
- an answer, yes or no, is remembered per host (so a refusal is not asked
  again) and can be changed or forgotten in View > Basemap…;
- headless runs (``--snapshot``, ``sahelgis export``, ``batch``) never ask: they
  fetch only from allowed hosts (``export`` and ``batch`` never fetch at all)
  and otherwise use the tile cache, saying so in their one-line output.

This module holds the rule and a memory store (no Qt); the GUI keeps the
answers in QSettings (``sahelgis.ui.settings.SettingsTileConsent``), which has
the same methods.
"""

from __future__ import annotations

import urllib.parse
from typing import Protocol

from sahelgis.io.tile_providers import (
    TileProvider,
    read_basemap_state,
)

#: The question the GUI asks (plain text: the host comes from a file).
QUESTION = "This project shows map tiles from {host}. Load them?"
DETAIL = (
    "Loading them sends requests to {host}, which then learns this computer's "
    "IP address and when you work. Your answer is remembered for {host} "
    "(View > Basemap… changes it). Until then, only tiles already in the cache "
    "are shown."
)


class HostConsent(Protocol):
    """Where the user's answers per host are kept (memory, QSettings)."""

    def decision(self, host: str) -> bool | None:
        """True if allowed, False if refused, None if never asked."""
        ...

    def remember(self, host: str, allowed: bool) -> None:
        """Store the user's answer for a host."""
        ...

    def forget(self, host: str) -> None:
        """Drop the answer for a host (the next project naming it asks again)."""
        ...

    def decisions(self) -> dict[str, bool]:
        """Every remembered host and its answer."""
        ...


class MemoryConsent:
    """Answers kept in memory only (headless runs and tests).

    Nothing is allowed unless given in ``allowed``.
    """

    def __init__(
        self, allowed: set[str] | None = None, refused: set[str] | None = None
    ) -> None:
        self._answers: dict[str, bool] = {}
        for host in refused or ():
            self._answers[normalise_host(host)] = False
        for host in allowed or ():
            self._answers[normalise_host(host)] = True

    def decision(self, host: str) -> bool | None:
        """True if allowed, False if refused, None if never asked."""
        return self._answers.get(normalise_host(host))

    def remember(self, host: str, allowed: bool) -> None:
        """Store the answer for a host."""
        self._answers[normalise_host(host)] = bool(allowed)

    def forget(self, host: str) -> None:
        """Drop the answer for a host."""
        self._answers.pop(normalise_host(host), None)

    def decisions(self) -> dict[str, bool]:
        """Every remembered host and its answer."""
        return dict(self._answers)


def normalise_host(host: str) -> str:
    """A host key as remembered: lower case, no surrounding space."""
    return host.strip().lower()


def tile_host(tile_provider: TileProvider) -> str:
    """The host a provider's tiles come from, as asked about and remembered.

    ``host`` or ``host:port`` in lower case (never the user name or password
    of a URL, which could disguise the real host); a leading ``{s}.``
    subdomain placeholder of a built-in provider is dropped
    (``basemaps.cartocdn.com``). ``""`` for ``file:`` providers (no network).
    """
    parts = urllib.parse.urlsplit(tile_provider.url)
    if parts.scheme.lower() not in ("http", "https"):
        return ""
    host = (parts.hostname or "").lower()
    if host.startswith("{s}."):
        host = host[len("{s}.") :]
    try:
        port = parts.port
    except ValueError:
        port = None
    return normalise_host(f"{host}:{port}" if port is not None else host)


def network_allowed(tile_provider: TileProvider | None, consent: HostConsent) -> bool:
    """True when tiles of this provider may be requested from the network.

    Providers the user chose in this app are allowed; providers named by a
    file only when the user allowed their host; ``file:`` providers never use
    the network.
    """
    if tile_provider is None or not tile_provider.uses_network:
        return False
    if not tile_provider.from_file:
        return True
    return consent.decision(tile_host(tile_provider)) is True


def needs_question(tile_provider: TileProvider | None, consent: HostConsent) -> bool:
    """True when the user was never asked about this file-named provider's host."""
    return (
        tile_provider is not None
        and tile_provider.from_file
        and tile_provider.uses_network
        and consent.decision(tile_host(tile_provider)) is None
    )


def not_fetched_note(
    tile_provider: TileProvider | None,
    consent: HostConsent,
    *,
    fetches: bool = True,
) -> str:
    """Which online tiles were not fetched and why, for a headless run's output.

    One line; ``""`` when none were held back.

    ``fetches=False`` is for runs that never use the network (``export``):
    the note is then given for every online provider.
    """
    if tile_provider is None or not tile_provider.uses_network:
        return ""
    host = tile_host(tile_provider)
    if not fetches:
        why = "exports use cached tiles only"
    elif network_allowed(tile_provider, consent):
        return ""
    elif consent.decision(host) is False:
        why = "you refused this host"
    else:
        why = "this host is not allowed yet; allow it in View > Basemap…"
    return f"online tiles from {host} were not fetched ({why})"


def headless_report(
    state: object, source: str, consent: HostConsent, *, fetches: bool = True
) -> tuple[str, str]:
    """``(problem, note)`` for a headless run on a project's basemap state.

    ``problem`` is the one-line message for a refused state (naming ``source``
    and the key), ``note`` says which online tiles were not fetched; each is
    ``""`` when there is nothing to say.
    """
    basemap = read_basemap_state(state, source)
    note = not_fetched_note(basemap.provider, consent, fetches=fetches)
    return basemap.problem, note


__all__ = [
    "DETAIL",
    "QUESTION",
    "HostConsent",
    "MemoryConsent",
    "headless_report",
    "needs_question",
    "network_allowed",
    "normalise_host",
    "not_fetched_note",
    "tile_host",
]
