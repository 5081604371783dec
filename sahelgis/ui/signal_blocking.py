"""Blocking Qt signals for the length of a ``with`` block, exception-safe.

For one object use ``with QSignalBlocker(obj):`` directly (PySide6's blocker is a
context manager); for several, ``with signals_blocked(a, b, c):``. Either way
each object gets back the blocked state it had before, even if the block raises.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QObject, QSignalBlocker


@contextmanager
def signals_blocked(*objects: QObject) -> Iterator[None]:
    """Block the signals of every object until the block ends."""
    blockers = [QSignalBlocker(obj) for obj in objects]
    try:
        yield
    finally:
        for blocker in reversed(blockers):
            blocker.unblock()


__all__ = ["QSignalBlocker", "signals_blocked"]
