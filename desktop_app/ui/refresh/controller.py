"""The refresh controller: asks the fetcher for reports and keeps the last good one.

It owns the "what is on screen and how fresh is it" state, so the window, the tray and the
history read one truth: the last good report, whether it is stale, and why.

A fetch of several partners shows what arrived so far while no whole report is on screen
(the first fetch: ``display_ready`` and ``report_shown`` only; a partial report is neither
recorded nor compared by the tray). Once a whole report is on screen it stays until the next
whole one: a refresh never swaps it for a part. A first fetch that ends without the whole
(cancelled, failed) leaves its part on screen, marked stale with the reason.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from desktop_app.report.prepared import PreparedReport
from desktop_app.report.rows import Report
from desktop_app.ui.refresh.fetcher import Fetched, FetchFailure, PartialFetch, ReportFetcher

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
        progress_changed(str): how far a fetch of several partners is ("3 of 30 partners").
        cleared(): the reports were forgotten (signed out): nothing is to be shown.
    """

    display_ready = Signal(PreparedReport)
    report_ready = Signal(Report)
    report_shown = Signal(Report)
    refresh_failed = Signal(FetchFailure)
    busy_changed = Signal(bool)
    progress_changed = Signal(str)
    cleared = Signal()

    def __init__(self, fetcher: ReportFetcher, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._fetcher = fetcher
        self.last_report: Report | None = None
        self.last_failure: FetchFailure | None = None
        self.restored: Report | None = None  # shown from the history until a fetch succeeds
        self.partial: Report | None = None  # what arrived so far of the first fetch
        fetcher.started.connect(lambda: self.busy_changed.emit(True))
        fetcher.idle.connect(lambda: self.busy_changed.emit(False))
        fetcher.succeeded.connect(self._on_succeeded)
        fetcher.failed.connect(self._on_failed)
        fetcher.cancelled.connect(self._on_cancelled)
        fetcher.progressed.connect(self._on_progressed)

    @property
    def is_stale(self) -> bool:
        shown = self.last_report if self.last_report is not None else self.partial
        return shown is not None and self.last_failure is not None

    @property
    def shown_report(self) -> Report | None:
        """The report on screen: a partial one while it arrives, else the last fetched one,
        else the one restored from history."""
        for report in (self.partial, self.last_report):
            if report is not None:
                return report
        return self.restored

    def show_restored(self, shown: PreparedReport) -> bool:
        """Show the last recorded report until a fetch succeeds; refused (False) once one has.
        It is neither recorded nor announced again: only ``display_ready`` and
        ``report_shown`` are emitted."""
        if self.last_report is not None or self.partial is not None:
            return False
        self.restored = shown.report
        self._fetcher.show_partials = False  # a whole report, if an older one: it stays
        self.display_ready.emit(shown)
        self.report_shown.emit(shown.report)
        return True

    def clear(self) -> None:
        """Signed out: forget the reports and the failure (``cleared``: empty the table)."""
        self.last_report = self.last_failure = self.restored = self.partial = None
        self._fetcher.show_partials = True
        self.cleared.emit()

    def refresh(self) -> None:
        self._fetcher.request()

    def cancel(self) -> None:
        self._fetcher.cancel()

    def _on_progressed(self, partial: PartialFetch) -> None:
        self.progress_changed.emit(partial.progress)
        if partial.prepared is None or self.last_report is not None:
            return
        self.partial = partial.prepared.report
        self.display_ready.emit(partial.prepared)
        self.report_shown.emit(partial.prepared.report)

    def _on_cancelled(self) -> None:
        """A cancel leaves the screen as it is; a part on screen is said to be one."""
        if self.partial is not None:
            self._on_failed(
                FetchFailure(
                    "Fetch cancelled",
                    "Only some partners' reports had arrived when the fetch was cancelled; "
                    "press Retry to fetch them all.",
                )
            )

    def _on_succeeded(self, fetched: Fetched) -> None:
        report = fetched.prepared.report
        self.partial = None
        self._fetcher.show_partials = False  # a whole report is on screen from now on
        self.last_report = report
        self.last_failure = None
        self.restored = None
        self.display_ready.emit(fetched.prepared)
        self.report_ready.emit(report)
        self.report_shown.emit(report)

    def _on_failed(self, failure: FetchFailure) -> None:
        self.last_failure = failure
        self.refresh_failed.emit(failure)
