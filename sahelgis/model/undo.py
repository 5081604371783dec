"""Undo/redo for every change to a project, without Qt.

Each model operation is a ``Command`` that knows how to apply and revert
itself; the ``UndoStack`` keeps them in order. The Qt history panel only shows
this stack, so scripts and tests get the same undo as the GUI.

Single commands and grouped edits (``with stack.macro("text"):``) are recorded
by one method, ``UndoStack._record``: both drop the redo tail, move or
invalidate the saved-state mark, merge, obey the history limit and emit
``changed``. A command or group that raises while it is applied leaves the
state as it was and records nothing.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from psygnal import Signal

if TYPE_CHECKING:
    from collections.abc import Callable, Hashable, Iterator

#: ``Command.before``/``after`` default: "no value to compare".
UNSET: Final = object()

#: Default number of undo entries kept.
DEFAULT_LIMIT = 500


@dataclass
class Command:
    """One reversible change. ``redo``/``undo`` are callables without arguments.

    ``merge_key`` lets consecutive changes of the same thing (an opacity drag, a
    vertex drag) collapse into one entry: the later ``redo`` wins, the first
    ``undo`` is kept. A mergeable command may also carry the value it replaces
    (``before``) and the value it sets (``after``); when a merge makes them equal
    (a drag that ends where it started) the entry is dropped, as it changes
    nothing.
    """

    text: str
    redo: Callable[[], object]
    undo: Callable[[], object]
    merge_key: Hashable | None = None
    children: list[Command] = field(default_factory=list)
    before: object = UNSET
    after: object = UNSET

    @property
    def obsolete(self) -> bool:
        """True when ``before`` and ``after`` are known and equal (a no-op)."""
        if self.before is UNSET or self.after is UNSET:
            return False
        try:
            return bool(self.before == self.after)
        except (TypeError, ValueError):  # e.g. arrays: not comparable as one bool
            return False


def _group(text: str, parts: list[Command]) -> Command:
    """One command that applies ``parts`` in order and reverts them in reverse.

    If a part raises, the parts already applied (or reverted) are put back, so
    the group is all or nothing; the error propagates.
    """

    def redo() -> None:
        _apply_all([(part.redo, part.undo) for part in parts])

    def undo() -> None:
        _apply_all([(part.undo, part.redo) for part in reversed(parts)])

    return Command(text, redo, undo, children=list(parts))


def _apply_all(steps: list[tuple[Callable[[], object], Callable[[], object]]]) -> None:
    """Run each step's first callable; on error run the second of those done."""
    done: list[Callable[[], object]] = []
    try:
        for forward, backward in steps:
            forward()
            done.append(backward)
    except BaseException:
        for backward in reversed(done):
            backward()
        raise


@dataclass
class _Macro:
    text: str
    parts: list[Command] = field(default_factory=list)


class UndoStack:
    """Ordered commands with a current index and a clean (saved) mark.

    Parameters
    ----------
    limit
        Most undo entries kept (at least 1); the oldest are forgotten first. A
        saved state that is forgotten can no longer be reached, so the stack
        stays "not clean" until the next save.
    """

    changed = Signal()
    clean_changed = Signal(bool)

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        if limit < 1:
            raise ValueError(f"undo limit must be at least 1, got {limit}")
        self._commands: list[Command] = []
        self._index = 0
        self._clean_index: int | None = 0
        self._limit = limit
        self._macros: list[_Macro] = []  # open groups, outermost first
        self.applying = False  # True while a command's redo/undo runs

    # -- recording ----------------------------------------------------------------
    def push(self, command: Command) -> None:
        """Apply a command and record it (merging with the last one if it may).

        Inside an open group the command becomes part of the group. If its
        ``redo`` raises, nothing is recorded and the error propagates.
        """
        self._run(command.redo)
        if self._macros:
            self._macros[-1].parts.append(command)
            return
        self._record(command)

    @contextmanager
    def macro(self, text: str) -> Iterator[None]:
        """Group the edits made in the ``with`` block into one undo entry.

        On leaving the block normally the group is recorded like a single
        command; if the block raises, the edits already applied are undone in
        reverse order, nothing is recorded and the error propagates. Groups may
        nest: an inner group becomes one part of the outer one.

        Examples
        --------
        >>> with project.undo_stack.macro("Replace roads"):  # doctest: +SKIP
        ...     project.remove_layer(old.id)
        ...     project.add_layer(new)
        """
        self.begin_macro(text)
        try:
            yield
        except BaseException:
            self.abort_macro()
            raise
        self.end_macro()

    def begin_macro(self, text: str) -> None:
        """Open a group; prefer ``with stack.macro(text):``, which always closes it."""
        self._macros.append(_Macro(text))

    def end_macro(self) -> None:
        """Close the innermost group and record it (nothing if it is empty)."""
        if not self._macros:
            raise RuntimeError("end_macro without begin_macro")
        macro = self._macros.pop()
        if not macro.parts:
            return
        command = _group(macro.text, macro.parts)
        if self._macros:
            self._macros[-1].parts.append(command)
        else:
            self._record(command)

    def abort_macro(self) -> None:
        """Close the innermost group, undoing its parts in reverse; record nothing.

        If undoing a part raises, the parts are put back and the group is
        recorded after all, so the history and the unsaved mark still match
        the state; that error propagates.
        """
        if not self._macros:
            raise RuntimeError("abort_macro without begin_macro")
        macro = self._macros[-1]
        try:
            self._run(
                lambda: _apply_all([(p.undo, p.redo) for p in reversed(macro.parts)])
            )
        except BaseException:
            self.end_macro()
            raise
        self._macros.pop()

    @property
    def in_macro(self) -> bool:
        """True while a group is open (its edits are applied but not recorded)."""
        return bool(self._macros)

    def _record(self, command: Command) -> None:
        """Record an applied command: the one path for single commands and groups.

        Drops the redo tail (and the clean mark if it was there), merges with
        the last entry when allowed, drops a merge that became a no-op, applies
        the history limit and emits ``changed`` (and ``clean_changed``).
        """
        was_clean = self.is_clean
        del self._commands[self._index :]
        if self._clean_index is not None and self._clean_index > self._index:
            self._clean_index = None  # the saved state was in the dropped redo tail
        last = self._commands[-1] if self._commands else None
        if (
            command.merge_key is not None
            and last is not None
            and last.merge_key == command.merge_key
            and self._clean_index != self._index  # never alter a saved entry
        ):
            last.redo = command.redo
            last.after = command.after
            if last.obsolete:
                self._commands.pop()
                self._index -= 1
        else:
            self._commands.append(command)
            self._index += 1
            self._apply_limit()
        self._emit(was_clean)

    def _apply_limit(self) -> None:
        drop = len(self._commands) - self._limit
        if drop <= 0:
            return
        del self._commands[:drop]
        self._index -= drop
        if self._clean_index is not None:
            self._clean_index -= drop
            if self._clean_index < 0:
                self._clean_index = None  # the saved state can no longer be reached

    # -- moving -----------------------------------------------------------------
    def undo(self) -> bool:
        """Revert the last applied command; False if there is none.

        If the command raises, the index does not move and the error propagates.
        """
        self._refuse_in_macro("undo")
        if not self.can_undo:
            return False
        was_clean = self.is_clean
        self._run(self._commands[self._index - 1].undo)
        self._index -= 1
        self._emit(was_clean)
        return True

    def redo(self) -> bool:
        """Re-apply the next command; False if there is none.

        If the command raises, the index does not move and the error propagates.
        """
        self._refuse_in_macro("redo")
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
        self._refuse_in_macro("clear")
        was_clean = self.is_clean
        self._commands.clear()
        self._index = 0
        self._clean_index = 0
        self._emit(was_clean)

    def set_clean(self) -> None:
        """Mark the current state as saved."""
        self._refuse_in_macro("mark as saved")
        was_clean = self.is_clean
        self._clean_index = self._index
        self._emit(was_clean)

    def _refuse_in_macro(self, what: str) -> None:
        if self._macros:
            raise RuntimeError(
                f"cannot {what} while the grouped edit “{self._macros[-1].text}” "
                "is open"
            )

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
    def limit(self) -> int:
        """Most undo entries kept."""
        return self._limit

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
        """True when the state equals the last saved one.

        False while a group is open and has applied edits, as those are not
        saved either.
        """
        if any(macro.parts for macro in self._macros):
            return False
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
