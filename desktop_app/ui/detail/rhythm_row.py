"""The detail pane's Rhythm row: how often the set runs, whose rhythm that is, and a menu to
set it, turn learning off, or learn it again.

The words come from the states the pane shows (``ProblemStates``: the rule the set was judged
by and the admin's overrides), so the row says "overdue" exactly when the table and toggles
do. Changing the rhythm goes through the history service (stored in ``RhythmOverrides``, then
judged again: every view follows at once).
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMenu,
    QSizePolicy,
    QToolButton,
    QWidget,
)

from desktop_app.report.problem_states import ProblemStates
from desktop_app.report.rhythm import MIN_RUNS, span_words
from desktop_app.report.rows import BackupStatusRow, RowKey, key_username

__all__ = ["RhythmRow", "RhythmSource", "rhythm_text"]


class RhythmSource(Protocol):
    """Where rhythms are counted and changed (the history service)."""

    def runs_learned_from(self, key: RowKey) -> int: ...

    def set_rhythm(self, key: RowKey, interval: float | None) -> bool: ...

    def learn_rhythm(self, key: RowKey) -> bool: ...


def rhythm_text(states: ProblemStates, row: BackupStatusRow, now: datetime, runs: int) -> str:
    """``Runs about every 1 h (learned from 42 runs); last run started 5 h ago - overdue``, or
    why the set is judged by the stale threshold instead. ``runs``: runs in the learning
    window (only read when no rhythm is known)."""
    key = row.key
    rhythm = states.rule.rhythm_for(key)
    if rhythm is not None:
        whose = "set by you" if rhythm.manual else f"learned from {rhythm.runs} runs"
        start = row.local_start.timestamp() if row.local_start is not None else 0.0
        last = max(rhythm.last_start, start)
        text = f"Runs about every {span_words(rhythm.interval)} ({whose})"
        if last > 0:
            text += f"; last run started {span_words(now.timestamp() - last)} ago"
        return text + (" - overdue" if key in states.derived.overdue else "")
    threshold = span_words(states.rule.threshold_for(key_username(key)).total_seconds())
    judged = f"judged by the stale threshold of {threshold}"
    if key in states.overrides:
        return f"Learning is off for this set: {judged}"
    if runs < MIN_RUNS:
        return f"Not enough runs yet to learn (runs seen: {runs} of {MIN_RUNS}): {judged}"
    return f"Irregular: {judged}"


class RhythmRow(QWidget):
    """The Rhythm row's text and its "Change" menu (see module docstring)."""

    def __init__(self, source: RhythmSource, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._source = source
        self._key: RowKey | None = None
        self.label = QLabel()
        self.label.setObjectName("rhythmValue")
        self.label.setAccessibleName("Rhythm")
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.menu = QMenu(self)
        self.set_action = self.menu.addAction("Set the rhythm…", self.ask_interval)
        self.off_action = self.menu.addAction("Turn learning off", self.turn_learning_off)
        self.learn_action = self.menu.addAction("Learn it again", self.learn_again)
        self.button = QToolButton()
        self.button.setObjectName("rhythmButton")
        self.button.setText("Change")
        self.button.setAccessibleName("Change the rhythm")
        self.button.setToolTip("Set how often this set runs, or turn learning off for it")
        self.button.setMenu(self.menu)
        self.button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignTop)

    def show_set(self, states: ProblemStates, row: BackupStatusRow, now: datetime) -> str:
        """Show ``row``'s rhythm; returns the text (for "Copy details")."""
        key = self._key = row.key
        rhythm = states.rule.rhythm_for(key)
        runs = 0 if rhythm is not None else self._source.runs_learned_from(key)
        text = rhythm_text(states, row, now, runs)
        self.label.setText(text)
        overridden = key in states.overrides
        self.off_action.setEnabled(not (overridden and states.overrides[key] is None))
        self.learn_action.setEnabled(overridden)
        self.button.setEnabled(None not in key)
        return text

    def ask_interval(self) -> None:
        """Ask for the interval in hours (a fraction for minutes), then apply it."""
        hours, ok = QInputDialog.getDouble(
            self, "Rhythm", "This set runs about every (hours):", 24.0, 0.1, 24 * 14, 1
        )
        if ok:
            self.set_interval(hours * 3600)

    def set_interval(self, seconds: float) -> None:
        if self._key is not None:
            self._source.set_rhythm(self._key, seconds)

    def turn_learning_off(self) -> None:
        if self._key is not None:
            self._source.set_rhythm(self._key, None)

    def learn_again(self) -> None:
        if self._key is not None:
            self._source.learn_rhythm(self._key)
