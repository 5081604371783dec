"""Undo/redo for every change to a project, without Qt.

Each model operation is a ``Command`` that knows how to apply and revert
itself; the ``UndoStack`` keeps them in order. The Qt history panel only shows
this stack, so scripts and tests get the same undo as the GUI.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from psygnal import Signal


@dataclass
class Command:
    """One reversible change. ``redo``/``undo`` are callables without arguments.

    ``merge_key`` lets consecutive changes of the same thing (an opacity drag, a
    vertex drag) collapse into one entry: the later ``redo`` wins, the first
    ``undo`` is kept.
    """

    text: str
    redo: Callable[[], object]
    undo: Callable[[], object]
    merge_key: tuple | None = None
    children: list[Command] = field(default_factory=list)


class UndoStack:
    """Ordered commands with a current index and a clean (saved) mark."""

    changed = Signal()
    clean_changed = Signal(bool)

    def __init__(self, limit: int = 500) -> None:
        self._commands: list[Command] = []
        self._index = 0
        self._clean_index: int | None = 0
        self._limit = limit
        self._macro: list[Command] | None = None
        self._macro_text = ""
        self.applying = False  # True while a command's redo/undo runs

    # -- recording ----------------------------------------------------------------
    def push(self, command: Command) -> None:
        """Apply a command and record it (merging with the last one if it may)."""
        self._run(command.redo)
        if self._macro is not None:
            self._macro.append(command)
            return
        was_clean = self.is_clean
        del self._commands[self._index :]
        if self._clean_index is not None and self._clean_index > self._index:
            self._clean_index = None
        last = self._commands[-1] if self._commands else None
        if (
            command.merge_key is not None
            and last is not None
            and last.merge_key == command.merge_key
            and self._clean_index != self._index
        ):
            last.redo = command.redo
        else:
            self._commands.append(command)
            self._index += 1
            if len(self._commands) > self._limit:
                drop = len(self._commands) - self._limit
                del self._commands[:drop]
                self._index -= drop
                if self._clean_index is not None:
                    self._clean_index -= drop
                    if self._clean_index < 0:
                        self._clean_index = None
        self._emit(was_clean)

    def begin_macro(self, text: str) -> None:
        """Group the following pushes into one undo entry (e.g. buffer + counts)."""
        if self._macro is not None:
            raise RuntimeError("macros do not nest")
        self._macro = []
        self._macro_text = text

    def end_macro(self) -> None:
        """Close the group opened by ``begin_macro``."""
        parts, self._macro = self._macro, None
        if not parts:
            return

        def redo() -> None:
            for part in parts:
                part.redo()

        def undo() -> None:
            for part in reversed(parts):
                part.undo()

        was_clean = self.is_clean
        del self._commands[self._index :]
        self._commands.append(Command(self._macro_text, redo, undo, children=parts))
        self._index += 1
        self._emit(was_clean)

    # -- moving -----------------------------------------------------------------
    def undo(self) -> bool:
        """Revert the last applied command; False if there is none."""
        if not self.can_undo:
            return False
        was_clean = self.is_clean
        self._index -= 1
        self._run(self._commands[self._index].undo)
        self._emit(was_clean)
        return True

    def redo(self) -> bool:
        """Re-apply the next command; False if there is none."""
        if not self.can_redo:
            return False
        was_clean = self.is_clean
        self._run(self._commands[self._index].redo)
        self._index += 1
        self._emit(was_clean)
        return True

    def set_index(self, index: int) -> None:
        """Undo or redo until ``index`` commands are applied (history panel clicks)."""
        index = max(0, min(index, len(self._commands)))
        while self._index > index:
            self.undo()
        while self._index < index:
            self.redo()

    def clear(self) -> None:
        """Forget all history (after opening another project)."""
        was_clean = self.is_clean
        self._commands.clear()
        self._index = 0
        self._clean_index = 0
        self._emit(was_clean)

    def set_clean(self) -> None:
        """Mark the current state as saved."""
        was_clean = self.is_clean
        self._clean_index = self._index
        self._emit(was_clean)

    def _run(self, fn: Callable[[], object]) -> None:
        previous, self.applying = self.applying, True
        try:
            fn()
        finally:
            self.applying = previous

    def _emit(self, was_clean: bool) -> None:
        self.changed.emit()
        if self.is_clean != was_clean:
            self.clean_changed.emit(self.is_clean)

    # -- state --------------------------------------------------------------------
    @property
    def can_undo(self) -> bool:
        """True when there is something to undo."""
        return self._index > 0

    @property
    def can_redo(self) -> bool:
        """True when there is something to redo."""
        return self._index < len(self._commands)

    @property
    def index(self) -> int:
        """How many commands are applied."""
        return self._index

    @property
    def is_clean(self) -> bool:
        """True when the state equals the last saved one."""
        return self._clean_index == self._index

    def texts(self) -> list[str]:
        """Names of all recorded commands, oldest first (for the history panel)."""
        return [command.text for command in self._commands]

    def undo_text(self) -> str:
        """Name of the command Undo would revert."""
        return self._commands[self._index - 1].text if self.can_undo else ""

    def redo_text(self) -> str:
        """Name of the command Redo would apply."""
        return self._commands[self._index].text if self.can_redo else ""
