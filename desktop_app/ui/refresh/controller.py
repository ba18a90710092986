"""The refresh controller: asks the fetcher for reports and keeps the last good one.

It owns the "what is on screen and how fresh is it" state, so the window and (later) the tray
read one truth: the last good report, whether it is stale, and why.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from desktop_app.report.prepared import PreparedReport
from desktop_app.report.rows import Report
from desktop_app.ui.refresh.fetcher import FetchFailure, ReportFetcher


class RefreshController(QObject):
    """Turns fetch outcomes into report/stale state.

    Signals:
        display_ready(object): what the window shows for a new good report, emitted just before
            ``report_ready``: a ``PreparedReport`` (its view built on the worker thread) or, when
            the fetcher prepares nothing, the plain ``Report``.
        report_ready(object): a new good ``Report``.
        report_shown(object): the ``Report`` now on screen: a fetched one (just after
            ``report_ready``) or one restored from the history (``show_restored``).
        refresh_failed(object): a ``FetchFailure``; the last good report stays and is now stale.
        busy_changed(bool): a fetch started or everything finished.
    """

    display_ready = Signal(object)
    report_ready = Signal(object)
    report_shown = Signal(object)
    refresh_failed = Signal(object)
    busy_changed = Signal(bool)

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

    def show_restored(self, shown: object) -> bool:
        """Show the last recorded report (a ``Report`` or ``PreparedReport``) until a fetch
        succeeds; refused (False) once one has. It is neither recorded nor announced again:
        only ``display_ready`` and ``report_shown`` are emitted."""
        report = shown.report if isinstance(shown, PreparedReport) else shown
        if self.last_report is not None or not isinstance(report, Report):
            return False
        self.restored = report
        self.display_ready.emit(shown)
        self.report_shown.emit(report)
        return True

    def refresh(self) -> None:
        self._fetcher.request()

    def cancel(self) -> None:
        self._fetcher.cancel()

    def shutdown(self) -> None:
        self._fetcher.shutdown()

    def _on_succeeded(self, result: object, seconds: float) -> None:
        shown = result
        if isinstance(result, PreparedReport):
            result = result.report
        if not isinstance(result, Report):
            self._on_failed(
                FetchFailure("Unexpected problem", "The fetch returned no report. See the log.")
            )
            return
        self.last_report = result
        self.last_failure = None
        self.restored = None
        self.display_ready.emit(shown)
        self.report_ready.emit(result)
        self.report_shown.emit(result)

    def _on_failed(self, failure: FetchFailure) -> None:
        self.last_failure = failure
        self.refresh_failed.emit(failure)
