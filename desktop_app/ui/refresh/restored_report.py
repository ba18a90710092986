"""Never an empty window when the history has a report: the last one is shown at start.

The history recorder reads the last recorded report back while the first fetch runs
(``HistoryRecorder.restored``); ``RestoredReport`` puts it on screen through the refresh
controller (so the table, sidebar and filters take it like any report, while the history
and the tray leave it alone), and a notice above the table says how old it is:
"Showing the last recorded report, from yesterday 17:02 - refreshing…". A fetched report
replaces it and the notice goes; a failed fetch leaves it, the notice saying so next to the
banner's reason.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, tzinfo

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QWidget

from desktop_app.report.prepared import PreparedReport
from desktop_app.report.rows import Report
from desktop_app.ui.refresh.controller import RefreshController
from desktop_app.ui.refresh.fetcher import FetchFailure
from desktop_app.ui.time_format import format_span

__all__ = ["RestoredNotice", "RestoredReport", "recorded_when"]


def recorded_when(when: datetime, now: datetime, local_tz: tzinfo | None = None) -> str:
    """A moment in the admin's own words: "today 09:15", "yesterday 17:02", "Mon 24 Nov
    17:02" within the week, else "2026-11-20 17:02"."""
    local = when.astimezone(local_tz)
    today = now.astimezone(local_tz).date()
    days = (today - local.date()).days
    clock = f"{local:%H:%M}"
    if days == 0:
        return f"today {clock}"
    if days == 1:
        return f"yesterday {clock}"
    if 1 < days < 7:
        return f"{local:%a} {local.day} {local:%b} {clock}"
    return f"{local:%Y-%m-%d} {clock}"


class RestoredNotice(QFrame):
    """The strip above the table saying the report on screen is the last recorded one."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("restoredNotice")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.label = QLabel(self)
        self.label.setObjectName("restoredLabel")
        self.label.setWordWrap(True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 4, 6, 4)
        layout.addWidget(self.label, 1)
        self.hide()

    def text(self) -> str:
        return self.label.text()


class RestoredReport(QObject):
    """Shows the last recorded report until a fetched one arrives (see the module docstring).

    ``allowed()`` says whether restoring makes sense now (an account is set up, or the demo);
    ``show_failure`` puts a failure in the window's banner again: a fetch that failed before the
    history was read back must still be explained once the restored report is on screen.
    ``now`` returns an aware datetime; ``local_tz`` is the admin's zone (``None``: system's).
    """

    def __init__(
        self,
        refresh: RefreshController,
        notice: RestoredNotice,
        now: Callable[[], datetime],
        show_failure: Callable[[FetchFailure], None],
        allowed: Callable[[], bool] = lambda: True,
        local_tz: tzinfo | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._refresh = refresh
        self.notice = notice
        self._now = now
        self._show_failure = show_failure
        self._allowed = allowed
        self._local_tz = local_tz
        self._busy = False
        self._failed = False
        refresh.report_ready.connect(self._on_fetched)
        refresh.refresh_failed.connect(self._on_failed)
        refresh.busy_changed.connect(self._on_busy)

    @property
    def active(self) -> bool:
        """True while the report on screen is the restored one."""
        return self._refresh.restored is not None and self._refresh.last_report is None

    def show(self, shown: PreparedReport) -> bool:
        """Show what the recorder restored, unless a fetched report is already on screen."""
        if not self._allowed() or not self._refresh.show_restored(shown):
            return False
        failure = self._refresh.last_failure
        if failure is not None:  # the first fetch failed before the history was read back
            self._failed = True
            self._show_failure(failure)
        self._update()
        return True

    def _on_fetched(self, _report: Report) -> None:
        self._failed = False
        self.notice.hide()

    def _on_failed(self, _failure: FetchFailure) -> None:
        self._failed = True
        self._update()

    def _on_busy(self, busy: bool) -> None:
        self._busy = busy
        self._update()

    def _update(self) -> None:
        report = self._refresh.restored
        if not self.active or report is None:
            self.notice.hide()
            return
        self.notice.label.setText(self.describe(report))
        self.notice.show()

    def describe(self, report: Report) -> str:
        when = report.fetched_at
        age = (
            ""
            if when is None
            else f", from {recorded_when(when, self._now(), self._local_tz)}"
            f" ({format_span((self._now() - when).total_seconds(), precise=False)} ago)"
        )
        if self._failed:
            state = "the refresh failed (see above); it is retried as usual"
        elif self._busy:
            state = "refreshing…"
        else:
            state = "not refreshed yet"
        return f"Showing the last recorded report{age} — {state}"
