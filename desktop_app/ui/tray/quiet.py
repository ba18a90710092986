"""Quiet hours for the tray: notifications wait, and what changed meanwhile is said once.

``QuietGate.hold`` is asked before each toast: during quiet hours (``report.quiet_hours``) it
keeps the notification's counts in a ``QuietSummary`` instead, and the tray shows nothing but
its icon and tooltip (which keep following the state). A timer checks the boundary every
``CHECK_MS``: the first check outside quiet hours with something held emits ``summary_ready``
with one notification summing it up. Quiet hours are read on the wall clock at each check, so a
daylight-saving change moves no boundary (22:00 stays 22:00).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, tzinfo

from PySide6.QtCore import QObject, QTimer, Signal

from desktop_app.report.diff import ChangeNotification, quiet_summary_notification
from desktop_app.report.quiet_hours import QuietHours, QuietSummary
from desktop_app.report.rows import RowKey

__all__ = ["CHECK_MS", "QuietGate"]

CHECK_MS = 60_000
"""How often the end of quiet hours is looked for: the summary comes at most a minute late."""


class QuietGate(QObject):
    """Holds toasts during quiet hours (see module docstring).

    Signals:
        summary_ready(ChangeNotification): quiet hours ended with changes held.
    """

    summary_ready = Signal(ChangeNotification)

    def __init__(
        self,
        now: Callable[[], datetime],
        tz: tzinfo | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._now = now
        self._tz = tz  # None: the system's zone
        self.quiet = QuietHours()
        self.summary = QuietSummary()
        self._keys: list[RowKey] = []
        self.timer = QTimer(self)
        self.timer.setInterval(CHECK_MS)
        self.timer.timeout.connect(self.check)

    def set_quiet_hours(self, quiet: QuietHours) -> None:
        """The setting; turning quiet hours off says what was held at once."""
        self.quiet = quiet
        if quiet.enabled:
            self.timer.start()
        self.check()

    def is_quiet(self) -> bool:
        return self.quiet.is_quiet(self._now(), self._tz)

    def hold(self, note: ChangeNotification) -> bool:
        """True when ``note`` must not pop up now (it is counted for the summary instead)."""
        if not self.is_quiet():
            return False
        self.summary.add({kind.value: count for kind, count in note.counts.items()})
        self._keys.extend(note.keys)
        return True

    def held_text(self) -> str:
        """For the tooltip while quiet: ``Quiet hours: 3 notifications held``; "" otherwise."""
        if not self.summary.held:
            return ""
        held = self.summary.held
        return f"Quiet hours: {held} notification{'s' if held != 1 else ''} held"

    def check(self) -> None:
        """The timer's slot: outside quiet hours, say what was held (once)."""
        if self.is_quiet():
            return
        if not self.quiet.enabled:
            self.timer.stop()
        if not self.summary.held:
            return
        keys, self._keys = self._keys, []
        note = quiet_summary_notification(self.summary.take(), keys)
        if note is not None:
            self.summary_ready.emit(note)
