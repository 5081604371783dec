"""The time window the analyst scrubs through: dates, step, mode, play settings.

Dates are ``numpy.datetime64`` days; windows are inclusive on both ends. Stepping
keeps windows aligned to calendar periods (month ends, leap years) so a window
"Mar 2023 – Feb 2024" moves to "Apr 2023 – Mar 2024".
"""

from __future__ import annotations

from typing import Any, TypeGuard

import numpy as np
from psygnal import Signal

STEPS: tuple[str, ...] = ("day", "week", "month", "quarter", "year")
MODES: tuple[str, ...] = ("cumulative", "rolling")
DAY = np.timedelta64(1, "D")
_MONTHS_PER_STEP = {"month": 1, "quarter": 3, "year": 12}


def as_datetime64(value: object, unit: str) -> np.datetime64:
    """Any date-like value as a ``datetime64`` in ``unit`` (``"D"``, ``"s"``...)."""
    # numpy's stubs reject a datetime64 (or Timestamp) value with a unit, which
    # numpy itself accepts and converts.
    return np.datetime64(value, unit)  # type: ignore[call-overload]


def as_day(value: object) -> np.datetime64:
    """Any date-like value as a ``datetime64[D]``."""
    return as_datetime64(value, "D")


def floor_to_step(day: np.datetime64, step: str) -> np.datetime64:
    """The first day of the calendar period of ``step`` that contains ``day``."""
    day = as_day(day)
    if step == "day":
        return day
    if step == "week":  # ISO weeks start on Monday; 1970-01-01 was a Thursday
        return day - ((day.astype("int64") + 3) % 7) * DAY
    month = day.astype("datetime64[M]")
    if step == "month":
        return month.astype("datetime64[D]")
    if step == "quarter":
        index = month.astype("int64")
        return np.datetime64(int(index - index % 3), "M").astype("datetime64[D]")
    if step == "year":
        return day.astype("datetime64[Y]").astype("datetime64[D]")
    raise ValueError(f"unknown step {step!r}; use one of {STEPS}")


def add_steps(day: np.datetime64, step: str, count: int) -> np.datetime64:
    """``day`` moved by ``count`` steps.

    Month-like steps keep the day of month where it exists and clamp to the
    month's last day otherwise (Jan 31 → Feb 29).
    """
    day = as_day(day)
    if step == "day":
        return day + count * DAY
    if step == "week":
        return day + 7 * count * DAY
    if step not in _MONTHS_PER_STEP:
        raise ValueError(f"unknown step {step!r}; use one of {STEPS}")
    month = day.astype("datetime64[M]")
    offset = (day - month.astype("datetime64[D]")).astype("int64")
    target = month + np.timedelta64(count * _MONTHS_PER_STEP[step], "M")
    length = (
        (target + np.timedelta64(1, "M")).astype("datetime64[D]")
        - target.astype("datetime64[D]")
    ).astype("int64")
    return target.astype("datetime64[D]") + int(min(offset, length - 1)) * DAY


def step_bins(first: np.datetime64, last: np.datetime64, step: str) -> np.ndarray:
    """Start days of every step period from ``first`` to ``last`` (inclusive).

    Plus one closing boundary: ``len(result) - 1`` periods.
    """
    start = floor_to_step(first, step)
    stop = as_day(last)
    if step == "day":
        return np.arange(start, stop + 2 * DAY, DAY)
    if step == "week":
        return np.arange(start, stop + 8 * DAY, 7 * DAY)
    months = _MONTHS_PER_STEP[step]
    m0 = start.astype("datetime64[M]")
    m1 = stop.astype("datetime64[M]")
    count = int((m1 - m0).astype("int64") // months) + 2
    return (m0 + np.arange(count) * np.timedelta64(months, "M")).astype("datetime64[D]")


def period_bounds(
    dates: np.ndarray, time_precision: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """First and last day each event may have happened on, from ACLED's precision.

    time_precision 1: the day itself; 2: the ISO week around it; 3: its month.
    """
    days = dates.astype("datetime64[D]")
    lo = days.copy()
    hi = days.copy()
    week = time_precision == 2
    if week.any():
        start = days[week] - ((days[week].astype("int64") + 3) % 7) * DAY
        lo[week] = start
        hi[week] = start + 6 * DAY
    month = time_precision == 3
    if month.any():
        m = days[month].astype("datetime64[M]")
        lo[month] = m.astype("datetime64[D]")
        hi[month] = (m + np.timedelta64(1, "M")).astype("datetime64[D]") - DAY
    return lo, hi


def format_window(start: np.datetime64, end: np.datetime64) -> str:
    """Human label for a window.

    "Mar 2023 – Feb 2024" for whole months, "2020 – 2023" for whole years,
    "28 Feb 2024 – 5 Mar 2024" otherwise.
    """
    start, end = as_day(start), as_day(end)
    month_aligned = start == floor_to_step(start, "month") and (
        end + DAY == floor_to_step(end + DAY, "month")
    )
    if month_aligned:
        if start == floor_to_step(start, "year") and (
            end + DAY == floor_to_step(end + DAY, "year")
        ):
            y0, y1 = str(start)[:4], str(end)[:4]
            return y0 if y0 == y1 else f"{y0} – {y1}"
        a, b = month_label(start), month_label(end)
        return a if a == b else f"{a} – {b}"
    a, b = day_label(start), day_label(end)
    return a if a == b else f"{a} – {b}"


_MONTH_NAMES = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)


def month_label(day: np.datetime64) -> str:
    """The day's month as text, e.g. "Mar 2023"."""
    text = str(as_day(day))
    return f"{_MONTH_NAMES[int(text[5:7]) - 1]} {text[:4]}"


def day_label(day: np.datetime64) -> str:
    """The day as text, e.g. "1 Jan 2023"."""
    text = str(as_day(day))
    return f"{int(text[8:10])} {_MONTH_NAMES[int(text[5:7]) - 1]} {text[:4]}"


class TimeWindow:
    """The current date window plus how it steps and plays.

    ``span`` is the data's first and last day. In ``cumulative`` mode the window
    runs from the span's first step to ``end``; in ``rolling`` mode a window of
    ``length`` steps moves. ``trail`` previous windows can be shown faded.
    ``expand_imprecise`` treats week- or month-precision events as belonging to
    their whole week or month.
    """

    changed = Signal(object, object)  # start, end (datetime64[D], inclusive)
    settings_changed = Signal()

    def __init__(self) -> None:
        self.span: tuple[np.datetime64, np.datetime64] | None = None
        self.start: np.datetime64 | None = None
        self.end: np.datetime64 | None = None
        self.step = "month"
        self.mode = "cumulative"
        self.length = 12
        self.trail = 0
        self.expand_imprecise = True
        self.loop = False
        self.speed = 2.0

    # -- state ----------------------------------------------------------------
    @property
    def is_set(self) -> bool:
        """True once a window exists (there is data)."""
        return self.start is not None and self.end is not None

    def window(self) -> tuple[np.datetime64, np.datetime64] | None:
        """``(start, end)`` inclusive, or None with no data."""
        if self.start is None or self.end is None:
            return None
        return self.start, self.end

    def set_span(self, first: object, last: object) -> None:
        """Set the data's span; a window outside it (or none) becomes the whole span."""
        first, last = as_day(first), as_day(last)
        self.span = (first, last)
        if not self.is_set or self.end < first or self.start > last:  # type: ignore[operator]
            self.set_window(floor_to_step(first, self.step), last)

    def clear(self) -> None:
        """No data: no window."""
        self.span = None
        self.start = self.end = None
        self.changed.emit(None, None)

    def set_window(self, start: object, end: object) -> None:
        """Set an inclusive window; ends are swapped if given the wrong way round."""
        start, end = as_day(start), as_day(end)
        if end < start:
            start, end = end, start
        if (start, end) == (self.start, self.end):
            return
        self.start, self.end = start, end
        self.changed.emit(start, end)

    def set_step(self, step: str) -> None:
        """Change the step (day … year)."""
        if step not in STEPS:
            raise ValueError(f"unknown step {step!r}; use one of {STEPS}")
        if step != self.step:
            self.step = step
            self.settings_changed.emit()

    def set_mode(self, mode: str) -> None:
        """Switch between cumulative and rolling; cumulative starts at the span."""
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; use one of {MODES}")
        if mode == self.mode:
            return
        self.mode = mode
        self.settings_changed.emit()
        if self.is_set and self.span is not None:
            if mode == "cumulative":
                self.set_window(floor_to_step(self.span[0], self.step), self.end)
            else:
                end_excl = add_steps(
                    floor_to_step(self.end + DAY, self.step),  # type: ignore[operator]
                    self.step,
                    0,
                )
                self.set_window(
                    add_steps(end_excl, self.step, -self.length), end_excl - DAY
                )

    def set_option(self, name: str, value: Any) -> None:
        """Set one of length, trail, expand_imprecise, loop, speed."""
        if name not in ("length", "trail", "expand_imprecise", "loop", "speed"):
            raise ValueError(f"unknown time-window option {name!r}")
        if getattr(self, name) != value:
            setattr(self, name, value)
            self.settings_changed.emit()
            if name == "expand_imprecise" and self.is_set:
                self.changed.emit(self.start, self.end)

    # -- stepping -------------------------------------------------------------
    def step_forward(self) -> bool:
        """Move one step later; False (and no move) at the end unless looping."""
        return self._move(+1)

    def step_back(self) -> bool:
        """Move one step earlier; False (and no move) at the start."""
        return self._move(-1)

    def _move(self, direction: int) -> bool:
        if not self.is_set or self.span is None:
            return False
        first, last = self.span
        end_excl = self.end + DAY  # type: ignore[operator]
        new_end = add_steps(end_excl, self.step, direction) - DAY
        if self.mode == "cumulative":
            new_start = self.start
            first_end = add_steps(floor_to_step(first, self.step), self.step, 1) - DAY
            if direction > 0 and self.end >= last:  # type: ignore[operator]
                if not self.loop:
                    return False
                new_end = first_end
            elif direction < 0 and new_end < first_end:
                return False
        else:
            new_start = add_steps(self.start, self.step, direction)  # type: ignore[arg-type]
            if direction > 0 and new_start > last:
                if not self.loop:
                    return False
                new_start = floor_to_step(first, self.step)
                new_end = add_steps(new_start, self.step, self.length) - DAY
            elif direction < 0 and new_end < first:
                return False
        self.set_window(new_start, new_end)
        return True

    def slider_span(self) -> tuple[np.datetime64, np.datetime64] | None:
        """The days a date slider runs over, in whole steps.

        From the start of the data's first step to the end of its last one, so
        every window the model can take fits on it; None with no data.
        """
        if self.span is None:
            return None
        first = floor_to_step(self.span[0], self.step)
        last = add_steps(floor_to_step(self.span[1], self.step), self.step, 1) - DAY
        lo = min(first, self.start) if self.start is not None else first
        hi = max(last, self.end) if self.end is not None else last
        return lo, hi

    def dragged(
        self, handle: str, start: object, end: object
    ) -> tuple[np.datetime64, np.datetime64]:
        """The window a slider drag asks for, snapped to the step.

        Parameters
        ----------
        handle : {"low", "high", "band"}
            What was dragged. Only that end moves: dragging ``"high"`` keeps
            the start exactly as it was, ``"low"`` keeps the end.
        start, end : date-like
            The days under the two handles when released.

        Returns
        -------
        (start, end) : datetime64[D]
            Inclusive; a start snaps to the first day of its step, an end to
            the last day of its step.
        """
        start_day, end_day = as_day(start), as_day(end)
        snapped_start = floor_to_step(start_day, self.step)
        snapped_end = add_steps(floor_to_step(end_day, self.step), self.step, 1) - DAY
        if handle == "high" and self.start is not None:
            return self.start, max(snapped_end, self.start)
        if handle == "low" and self.end is not None:
            return min(snapped_start, self.end), self.end
        return snapped_start, max(snapped_end, snapped_start)

    def at_end(self) -> bool:
        """True when the window already reaches the data's last day."""
        if not self.is_set or self.span is None:
            return False
        return bool(self.end >= self.span[1])  # type: ignore[operator]

    def rewind(self) -> bool:
        """Go back to the first window, as a player does when play starts at the end.

        The first step in cumulative mode, the first ``length`` steps when
        rolling; False when there is no data.
        """
        if self.span is None:
            return False
        start = floor_to_step(self.span[0], self.step)
        steps = 1 if self.mode == "cumulative" else self.length
        self.set_window(start, add_steps(start, self.step, steps) - DAY)
        return True

    def trail_window(self) -> tuple[np.datetime64, np.datetime64] | None:
        """The ``trail`` steps just before the window (shown faded), or None."""
        if not self.trail or not self.is_set:
            return None
        start = add_steps(self.start, self.step, -self.trail)  # type: ignore[arg-type]
        if self.mode == "cumulative":
            start = add_steps(self.end + DAY, self.step, -self.trail)  # type: ignore[operator]
            end = add_steps(self.end + DAY, self.step, -1) - DAY  # type: ignore[operator]
            return (start, end) if end >= start else None
        return start, self.start - DAY  # type: ignore[operator]

    def label(self) -> str:
        """The window as written on the map."""
        if not self.is_set:
            return ""
        return format_window(self.start, self.end)  # type: ignore[arg-type]

    # -- persistence ----------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON-ready state for the project file."""
        return {
            "start": None if self.start is None else str(self.start),
            "end": None if self.end is None else str(self.end),
            "step": self.step,
            "mode": self.mode,
            "length": self.length,
            "trail": self.trail,
            "expand_imprecise": self.expand_imprecise,
            "loop": self.loop,
            "speed": self.speed,
        }

    def update_from_dict(self, data: dict[str, Any]) -> None:
        """Restore state saved by ``to_dict``.

        Unknown keys are ignored, and so are values of the wrong type or out of
        range (a length of NaN or 1e18 steps): the current value stays. Project
        files are checked by ``sahelgis.io.project_schema`` before this.
        """
        self.step = (
            data.get("step", self.step) if data.get("step") in STEPS else (self.step)
        )
        self.mode = (
            data.get("mode", self.mode) if data.get("mode") in MODES else (self.mode)
        )
        for key, (low, high) in _OPTION_BOUNDS.items():
            value = data.get(key)
            if _is_number(value) and low <= value <= high:
                setattr(self, key, type(getattr(self, key))(value))
        for key in ("expand_imprecise", "loop"):
            if isinstance(data.get(key), bool):
                setattr(self, key, data[key])
        self.settings_changed.emit()
        if data.get("start") and data.get("end"):
            try:
                start, end = as_day(data["start"]), as_day(data["end"])
            except (TypeError, ValueError):
                return
            if not (np.isnat(start) or np.isnat(end)):
                self.set_window(start, end)


#: Accepted ranges of the numeric options (steps; steps per second).
_OPTION_BOUNDS: dict[str, tuple[float, float]] = {
    "length": (1, 10_000),
    "trail": (0, 1_000),
    "speed": (0.01, 1_000.0),
}


def _is_number(value: object) -> TypeGuard[float]:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and bool(np.isfinite(value))
    )
