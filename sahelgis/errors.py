"""Errors the user sees: each says what was got, what was expected and what to do.

No Qt here: the CLI prints them on one line, the GUI shows them in a dialog.
"""

from __future__ import annotations

from pathlib import Path


class SahelGISError(Exception):
    """Base of every error we expect and explain to the user."""


class InputError(SahelGISError):
    """A file cannot be read at all (wrong format, wrong columns, empty, bad encoding).

    The message is a single line that names the file and what is wrong with it.
    """

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path.name}: {reason}")


class ProjectFileError(InputError):
    """A project file is not a SahelGIS project or is damaged."""


class Cancelled(SahelGISError):
    """The user cancelled a long job; nothing was changed."""

    def __init__(self, message: str = "Cancelled by the user") -> None:
        super().__init__(message)
