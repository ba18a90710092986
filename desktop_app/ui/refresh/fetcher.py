"""Runs report fetches on the app's ``Workers``, one at a time, and reports back with signals.

A fetch runs in the ``fetch`` lane (see ``ui.workers``): a newer fetch (a sign-in's report
handed over, another account) supersedes the running one, whose answer is then dropped. The
job fetches, then prepares the view of the report (``report.prepared``) on the same worker
thread, with the garbage collector paused (``runtime.gc_policy``): the GUI thread only swaps
the prepared view in. Requests made while a fetch runs are coalesced into one more fetch.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from desktop_app.api.errors import ApiError, AuthenticationError, PermissionDeniedError
from desktop_app.report.prepared import PreparedReport
from desktop_app.report.rows import Report
from desktop_app.runtime.gc_policy import building_long_lived
from desktop_app.ui.workers import Job, Token, Workers

__all__ = [
    "FetchCancelledError",
    "FetchFailure",
    "FetchFunction",
    "Fetched",
    "ReportFetcher",
    "describe_failure",
]

log = logging.getLogger(__name__)

FetchFunction = Callable[[threading.Event], Report]
"""Fetches and parses the report on the worker thread; the event is set on cancel."""

LANE = "fetch"


class FetchCancelledError(Exception):
    """Raised by a fetch function that noticed its cancel event."""


@dataclass(frozen=True, slots=True)
class FetchFailure:
    """What went wrong, in words for the banner; ``detail`` is for the log only."""

    title: str
    message: str
    status: int | None = None
    auth_problem: bool = False


@dataclass(frozen=True, slots=True)
class Fetched:
    """A fetched report with its view prepared, and the seconds the whole job took."""

    prepared: PreparedReport
    seconds: float


class ReportFetcher(QObject):
    """Starts fetches on the worker lane; coalesces requests made while one runs.

    Signals:
        started(): a fetch began (show the busy indicator).
        succeeded(Fetched): the prepared report and the seconds it took.
        failed(FetchFailure): why the fetch failed, in words.
        cancelled(): the running fetch was cancelled by the user.
        idle(): nothing is running any more (hide the busy indicator).
    """

    started = Signal()
    succeeded = Signal(Fetched)
    failed = Signal(FetchFailure)
    cancelled = Signal()
    idle = Signal()

    def __init__(
        self,
        workers: Workers,
        fetch: FetchFunction,
        prepare: Callable[[Report], PreparedReport],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._workers = workers
        self._fetch = fetch
        self._prepare = prepare
        self._job: Job[Fetched] | None = None
        self._pending = False

    def set_fetch_function(self, fetch: FetchFunction) -> None:
        """Swap what is fetched (e.g. after signing in to another account); supersedes a run."""
        self._fetch = fetch
        if self.is_busy():
            self._start()  # the running fetch was for the old account: superseded

    def is_busy(self) -> bool:
        return self._job is not None

    def request(self) -> None:
        """Fetch now, or once more right after the running fetch (coalesced)."""
        if self._job is not None:
            self._pending = True
            return
        self._start()

    def deliver(self, report: Report) -> None:
        """Take a report fetched elsewhere (the sign-in dialog's test downloaded it) as if this
        fetcher had fetched it: prepared on the worker and announced by the usual signals,
        without downloading it a second time. Supersedes a running fetch."""
        self._pending = False
        self._start(lambda _cancel: report)

    def cancel(self) -> None:
        """Abandon the running fetch; its result, if it still arrives, is dropped."""
        self._pending = False
        if self._job is None:
            return
        self._workers.cancel(LANE)
        self._job = None
        self.cancelled.emit()
        self.idle.emit()

    def _start(self, fetch: FetchFunction | None = None) -> None:
        fetch = fetch or self._fetch
        prepare = self._prepare
        was_busy = self._job is not None

        def run(token: Token) -> Fetched:
            began = time.perf_counter()
            # The report and its view stay until the next one: keep them out of the GC.
            with building_long_lived() as built:
                report = fetch(token.event)
                built.rows = len(report.rows)
                if token.cancelled:
                    raise FetchCancelledError()
                prepared = prepare(report)
            return Fetched(prepared, time.perf_counter() - began)

        self._job = self._workers.submit(
            run, self._on_fetched, self._on_error, lane=LANE, name="report-fetch"
        )
        if not was_busy:
            self.started.emit()

    def _on_fetched(self, fetched: Fetched) -> None:
        self._job = None
        self.succeeded.emit(fetched)
        self._next()

    def _on_error(self, error: BaseException) -> None:
        self._job = None
        if isinstance(error, FetchCancelledError) or getattr(error, "cancelled", False):
            self.cancelled.emit()
        else:
            self.failed.emit(describe_failure(error))
        self._next()

    def _next(self) -> None:
        if self._pending and not self._workers.closed:
            self._pending = False
            self._start()
        else:
            self.idle.emit()


def describe_failure(error: BaseException) -> FetchFailure:
    """Plain words for the banner; unexpected exceptions are logged with their traceback."""
    if isinstance(error, ApiError):
        return FetchFailure(
            title=error.title,
            message=error.message,
            status=error.status,
            auth_problem=isinstance(error, AuthenticationError | PermissionDeniedError),
        )
    log.error("Unexpected error while fetching the report", exc_info=error)
    return FetchFailure(
        title="Unexpected problem",
        message="Something unexpected went wrong while fetching the report. "
        "Details are in the log file (Help > Open log folder).",
    )
