"""A seal on the event caches this installation wrote, so reopening skips rechecks.

A project's packed notes (:mod:`sahelgis.model.packed_text`) are checked block
by block when a project is opened (decompressed, offsets and UTF-8 checked),
because a file from elsewhere may be damaged or forged: at 10M events that
is 0.62 s of a 1.9 s reopen. A cache written *here* carries an HMAC-SHA256 of
its bytes under a key only this user account holds (32 random bytes in
``cache_dir()/cache.key``, mode 0600, made on first use). A matching seal
means the bytes are the ones this installation wrote and checked, so the
check is skipped (the HMAC over 94 MB takes 0.05 s). Any other file (a
colleague's, a forged or damaged one, or no key) gets the full check.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from typing import TYPE_CHECKING

from sahelgis.paths import cache_dir

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

_KEY_BYTES = 32


def _key_path() -> Path:
    return cache_dir() / "cache.key"


def _key(create: bool) -> bytes | None:
    """The installation's key; made when ``create`` and absent. None on failure."""
    path = _key_path()
    try:
        with path.open("rb") as handle:
            key = handle.read(_KEY_BYTES + 1)
        return key if len(key) == _KEY_BYTES else None
    except FileNotFoundError:
        if not create:
            return None
    except OSError:
        return None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it meanwhile
        return _key(create=False)
    except OSError:
        return None
    key = secrets.token_bytes(_KEY_BYTES)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
    return key


def _mac(key: bytes, parts: Iterable[bytes | memoryview]) -> bytes:
    mac = hmac.new(key, digestmod=hashlib.sha256)
    for part in parts:
        mac.update(part)
    return mac.digest()


def seal(parts: Iterable[bytes | memoryview]) -> bytes | None:
    """The seal of ``parts`` (their bytes in order), or None without a key."""
    key = _key(create=True)
    return None if key is None else _mac(key, parts)


def is_sealed(parts: Iterable[bytes | memoryview], found: bytes | None) -> bool:
    """True when ``found`` (hex text, as a file holds it) seals ``parts`` here."""
    try:
        mark = bytes.fromhex(found.decode("ascii")) if found else b""
    except (UnicodeDecodeError, ValueError):
        return False
    key = _key(create=False) if mark else None
    return key is not None and hmac.compare_digest(_mac(key, parts), mark)


__all__ = ["is_sealed", "seal"]
