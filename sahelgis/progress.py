"""A Qt-free progress and cancel protocol for long jobs.

Long functions take ``progress=NULL_PROGRESS``, call ``progress.set(fraction, text)``
and call ``progress.check()`` at safe points, which raises ``Cancelled`` when the
user asked to stop. The UI passes an object that forwards to a progress dialog.
"""

from __future__ import annotations

import threading
from typing import Protocol

from sahelgis.errors import Cancelled


class Progress(Protocol):
    """What a long job may report to, and ask, its caller."""

    def set(self, fraction: float, text: str = "") -> None:
        """Report progress as a fraction in [0, 1] with an optional phase text."""

    def cancelled(self) -> bool:
        """Return True once the user has asked to stop."""

    def check(self) -> None:
        """Raise ``Cancelled`` if the user has asked to stop."""


class NullProgress:
    """Progress that reports nowhere and is never cancelled."""

    def set(self, fraction: float, text: str = "") -> None:
        """Ignore the report."""

    def cancelled(self) -> bool:
        """Never cancelled."""
        return False

    def check(self) -> None:
        """Never raises."""


NULL_PROGRESS = NullProgress()


class TaskProgress:
    """Thread-safe progress state shared between a worker and the GUI thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cancel = threading.Event()
        self.fraction = 0.0
        self.text = ""
        self.callbacks: list = []

    def set(self, fraction: float, text: str = "") -> None:
        """Record progress and notify listeners (called from the worker thread)."""
        with self._lock:
            self.fraction = min(max(float(fraction), 0.0), 1.0)
            if text:
                self.text = text
        for callback in self.callbacks:
            callback(self.fraction, self.text)

    def cancel(self) -> None:
        """Ask the job to stop at its next check."""
        self._cancel.set()

    def cancelled(self) -> bool:
        """Return True once ``cancel`` was called."""
        return self._cancel.is_set()

    def check(self) -> None:
        """Raise ``Cancelled`` if ``cancel`` was called."""
        if self._cancel.is_set():
            raise Cancelled()
