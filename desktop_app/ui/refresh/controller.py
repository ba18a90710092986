"""The refresh controller: asks the fetcher for reports and keeps the last good one.

It owns the "what is on screen and how fresh is it" state, so the window, the tray and the
history read one truth: the last good report, whether it is stale, and why.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from desktop_app.report.prepared import PreparedReport
from desktop_app.report.rows import Report
from desktop_app.ui.refresh.fetcher import Fetched, FetchFailure, ReportFetcher

__all__ = ["RefreshController"]


class RefreshController(QObject):
    """Turns fetch outcomes into report/stale state.

    Signals:
        display_ready(PreparedReport): what the window shows for a new good report (its view
            built on the worker thread), emitted just before ``report_ready``.
        report_ready(Report): a new good fetched report (recorded, compared by the tray).
        report_shown(Report): the report now on screen: a fetched one (just after
            ``report_ready``) or one restored from the history (``show_restored``).
        refresh_failed(FetchFailure): the last good report stays and is now stale.
        busy_changed(bool): a fetch started or everything finished.
        cleared(): the reports were forgotten (signed out): nothing is to be shown.
    """

    display_ready = Signal(PreparedReport)
    report_ready = Signal(Report)
    report_shown = Signal(Report)
    refresh_failed = Signal(FetchFailure)
    busy_changed = Signal(bool)
    cleared = Signal()

    def __init__(self, fetcher: ReportFetcher, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._fetcher = fetcher
        self.last_report: Report | None = None
        self.last_failure: FetchFailure | None = None
        self.restored: Report | None = None  # shown from the history until a fetch succeeds
        fetcher.started.connect(lambda: self.busy_changed.emit(True))
        fetcher.idle.connect(lambda: self.busy_changed.emit(False))
        fetcher.succeeded.connect(self._on_succeeded)
        fetcher.failed.connect(self._on_failed)

    @property
    def is_stale(self) -> bool:
        return self.last_report is not None and self.last_failure is not None

    @property
    def shown_report(self) -> Report | None:
        """The report on screen: the last fetched one, else the one restored from history."""
        return self.last_report if self.last_report is not None else self.restored

    def show_restored(self, shown: PreparedReport) -> bool:
        """Show the last recorded report until a fetch succeeds; refused (False) once one has.
        It is neither recorded nor announced again: only ``display_ready`` and
        ``report_shown`` are emitted."""
        if self.last_report is not None:
            return False
        self.restored = shown.report
        self.display_ready.emit(shown)
        self.report_shown.emit(shown.report)
        return True

    def clear(self) -> None:
        """Signed out: forget the reports and the failure (``cleared``: empty the table)."""
        self.last_report = self.last_failure = self.restored = None
        self.cleared.emit()

    def refresh(self) -> None:
        self._fetcher.request()

    def cancel(self) -> None:
        self._fetcher.cancel()

    def _on_succeeded(self, fetched: Fetched) -> None:
        report = fetched.prepared.report
        self.last_report = report
        self.last_failure = None
        self.restored = None
        self.display_ready.emit(fetched.prepared)
        self.report_ready.emit(report)
        self.report_shown.emit(report)

    def _on_failed(self, failure: FetchFailure) -> None:
        self.last_failure = failure
        self.refresh_failed.emit(failure)
