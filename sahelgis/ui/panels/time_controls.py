"""Time controls: the date window, step, mode, play, trail; they drive the model's
``TimeWindow`` and redraw from it.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QDate, QSignalBlocker, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QStyle,
    QToolButton,
    QWidget,
)

from sahelgis.model.project import Project
from sahelgis.model.time_window import (
    DAY,
    MODES,
    STEPS,
    TimeWindow,
    as_day,
    format_window,
)
from sahelgis.ui.plain_text import plain_label
from sahelgis.ui.signal_blocking import signals_blocked

EPOCH = np.datetime64("1970-01-01", "D")


def to_qdate(day: np.datetime64) -> QDate:
    """A numpy day as a QDate."""
    text = str(as_day(day))
    return QDate(int(text[:4]), int(text[5:7]), int(text[8:10]))


def from_qdate(date: QDate) -> np.datetime64:
    """A QDate as a numpy day."""
    return np.datetime64(date.toString("yyyy-MM-dd"), "D")


class TimeControls(QWidget):
    """Dock content under the map; every control writes to ``project.time_window``."""

    sig_playing_changed = Signal(bool)

    def __init__(self, project: Project, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self.timer = QTimer(self)
        self.timer.timeout.connect(self._on_timer_timeout)
        self.start_edit = QDateEdit()
        self.end_edit = QDateEdit()
        for edit in (self.start_edit, self.end_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("d MMM yyyy")
            edit.editingFinished.connect(self._on_dates_edited)
        from sahelgis.ui.panels.range_slider import RangeSlider

        self.slider = RangeSlider()
        self.slider.sig_range_released.connect(self._on_slider_released)
        self.slider.sig_range_changed.connect(self._on_slider_dragged)
        self.step_combo = QComboBox()
        self.step_combo.addItems(list(STEPS))
        self.step_combo.currentTextChanged.connect(self._on_step_changed)
        self.mode_combo = QComboBox()
        self.mode_combo.addItems(list(MODES))
        self.mode_combo.currentTextChanged.connect(self._on_mode_changed)
        self.length_spin = QSpinBox(minimum=1, maximum=520)
        self.length_spin.setToolTip("Rolling window length, in steps")
        self.length_spin.valueChanged.connect(self._on_length_changed)
        self.back_button = self._button(
            QStyle.StandardPixmap.SP_MediaSeekBackward,
            "Step back (Left)",
            self.step_back,
        )
        self.play_button = self._button(
            QStyle.StandardPixmap.SP_MediaPlay, "Play / pause (Space)", self.toggle_play
        )
        self.forward_button = self._button(
            QStyle.StandardPixmap.SP_MediaSeekForward,
            "Step forward (Right)",
            self.step_forward,
        )
        self.loop_check = QCheckBox("Loop")
        self.loop_check.toggled.connect(
            lambda on: self.time_window.set_option("loop", bool(on))
        )
        self.speed_spin = QDoubleSpinBox(minimum=0.25, maximum=30.0, singleStep=0.5)
        self.speed_spin.setSuffix(" steps/s")
        self.speed_spin.valueChanged.connect(self._on_speed_changed)
        self.trail_spin = QSpinBox(minimum=0, maximum=24)
        self.trail_spin.setToolTip("Show this many previous steps faded (0: off)")
        self.trail_spin.valueChanged.connect(
            lambda v: self.time_window.set_option("trail", int(v))
        )
        self.imprecise_check = QCheckBox(
            "Week/month-precision events span their week/month"
        )
        self.imprecise_check.setToolTip(
            "ACLED time_precision 2 or 3: show the event in every window that "
            "overlaps its week or month, so it is not lost between daily windows"
        )
        self.imprecise_check.toggled.connect(
            lambda on: self.time_window.set_option("expand_imprecise", bool(on))
        )
        self.label = plain_label("")
        self.label.setStyleSheet("font-weight: bold;")

        grid = QGridLayout(self)
        grid.setContentsMargins(6, 4, 6, 4)
        row0 = QHBoxLayout()
        for widget in (
            self.back_button,
            self.play_button,
            self.forward_button,
            self.start_edit,
            QLabel("to"),
            self.end_edit,
        ):
            row0.addWidget(widget)
        row0.addWidget(self.slider, 1)
        row0.addWidget(self.label)
        grid.addLayout(row0, 0, 0)
        row1 = QHBoxLayout()
        for text, control in (
            ("Step", self.step_combo),
            ("Mode", self.mode_combo),
            ("Length", self.length_spin),
            ("Speed", self.speed_spin),
            ("Trail", self.trail_spin),
        ):
            row1.addWidget(QLabel(text))
            row1.addWidget(control)
        row1.addWidget(self.loop_check)
        row1.addWidget(self.imprecise_check)
        row1.addStretch(1)
        grid.addLayout(row1, 1, 0)
        self._connect(project)
        self.refresh()

    def _button(
        self, icon: QStyle.StandardPixmap, tip: str, slot: object
    ) -> QToolButton:
        button = QToolButton()
        button.setIcon(self.style().standardIcon(icon))
        button.setToolTip(tip)
        button.clicked.connect(slot)
        return button

    @property
    def time_window(self) -> TimeWindow:
        """The model being shown."""
        return self.project.time_window

    def _connect(self, project: Project) -> None:
        project.time_window.changed.connect(self._on_window_changed)
        project.time_window.settings_changed.connect(self.refresh)

    def set_project(self, project: Project) -> None:
        """Follow another project."""
        self.stop()
        self.project.time_window.changed.disconnect(self._on_window_changed)
        self.project.time_window.settings_changed.disconnect(self.refresh)
        self.project = project
        self._connect(project)
        self.refresh()

    # -- model -> widgets -------------------------------------------------------
    def refresh(self) -> None:
        """Show the model's state in every control without echoing back."""
        window = self.time_window
        widgets = (
            self.step_combo,
            self.mode_combo,
            self.length_spin,
            self.loop_check,
            self.speed_spin,
            self.trail_spin,
            self.imprecise_check,
            self.start_edit,
            self.end_edit,
        )
        with signals_blocked(*widgets):
            self.step_combo.setCurrentText(window.step)
            self.mode_combo.setCurrentText(window.mode)
            self.length_spin.setValue(window.length)
            self.length_spin.setEnabled(window.mode == "rolling")
            self.loop_check.setChecked(window.loop)
            self.speed_spin.setValue(window.speed)
            self.trail_spin.setValue(window.trail)
            self.imprecise_check.setChecked(window.expand_imprecise)
        self.setEnabled(window.span is not None)
        bounds = window.slider_span()
        if bounds is not None:
            first, last = bounds
            self.slider.set_bounds(0, int((last - first) / DAY))
        self._on_window_changed(window.start, window.end)
        if self.timer.isActive():
            self.timer.setInterval(int(1000 / max(window.speed, 0.01)))

    def _on_window_changed(
        self, start: np.datetime64 | None, end: np.datetime64 | None
    ) -> None:
        window = self.time_window
        if start is None or end is None or window.span is None:
            self.label.setText("no events")
            return
        bounds = window.slider_span()
        if bounds is None:
            return
        first, last = bounds
        self.slider.set_bounds(0, int((last - first) / DAY))
        for edit, day in ((self.start_edit, start), (self.end_edit, end)):
            with QSignalBlocker(edit):
                edit.setDate(to_qdate(day))
        self.slider.set_range(
            int((start - first) / DAY),
            int((end - first) / DAY),
        )
        self.label.setText(window.label())

    # -- widgets -> model -------------------------------------------------------
    def _on_dates_edited(self) -> None:
        self.time_window.set_window(
            from_qdate(self.start_edit.date()), from_qdate(self.end_edit.date())
        )

    def _slider_days(self, low: int, high: int) -> tuple[np.datetime64, np.datetime64]:
        """The window the handles ask for: only the dragged handle's end
        moves, snapped to the step (``TimeWindow.dragged``)."""
        bounds = self.time_window.slider_span()
        first = bounds[0]  # type: ignore[index]
        return self.time_window.dragged(
            self.slider.dragging or "band", first + low * DAY, first + high * DAY
        )

    def _on_slider_dragged(self, low: int, high: int) -> None:
        start, end = self._slider_days(low, high)
        self.label.setText(format_window(start, end))

    def _on_slider_released(self, low: int, high: int) -> None:
        self.time_window.set_window(*self._slider_days(low, high))

    def _on_step_changed(self, step: str) -> None:
        self.time_window.set_step(step)

    def _on_mode_changed(self, mode: str) -> None:
        self.time_window.set_mode(mode)

    def _on_length_changed(self, value: int) -> None:
        self.time_window.set_option("length", int(value))

    def _on_speed_changed(self, value: float) -> None:
        self.time_window.set_option("speed", float(value))

    # -- playing ----------------------------------------------------------------
    def step_forward(self) -> bool:
        """One step later."""
        return self.time_window.step_forward()

    def step_back(self) -> bool:
        """One step earlier."""
        return self.time_window.step_back()

    def toggle_play(self) -> None:
        """Play or pause."""
        if self.timer.isActive():
            self.stop()
        else:
            self.play()

    def play(self) -> None:
        """Advance the window at the model's speed until the end (or loop).

        At the end (the demo opens on the whole span) play starts again from
        the first step, as a media player does.
        """
        if self.time_window.span is None:
            return
        if self.time_window.at_end():
            self.time_window.rewind()
        self.timer.start(int(1000 / max(self.time_window.speed, 0.01)))
        self.play_button.setIcon(
            self.style().standardIcon(QStyle.StandardPixmap.SP_MediaPause)
        )
        self.sig_playing_changed.emit(True)

    def stop(self) -> None:
        """Pause."""
        if self.timer.isActive():
            self.timer.stop()
            self.sig_playing_changed.emit(False)
        self.play_button.setIcon(
            self.style().standardIcon(QStyle.StandardPixmap.SP_MediaPlay)
        )

    @property
    def playing(self) -> bool:
        """True while playing."""
        return self.timer.isActive()

    def _on_timer_timeout(self) -> None:
        if not self.time_window.step_forward():
            self.stop()


__all__ = ["EPOCH", "TimeControls", "from_qdate", "to_qdate"]
