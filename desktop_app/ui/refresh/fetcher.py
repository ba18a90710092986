"""Runs report fetches on the app's ``Workers``, one at a time, and reports back with signals.

A fetch runs in the ``fetch`` lane (see ``ui.workers``): a newer fetch (a sign-in's report
handed over, another account) supersedes the running one, whose answer is then dropped. The
job fetches, then prepares the view of the report (``report.prepared``) on the same worker
thread, with the garbage collector paused (``runtime.gc_policy``): the GUI thread only swaps
the prepared view in. Requests made while a fetch runs are coalesced into one more fetch.

A fetch in stages (several partners: ``set_staged_fetch``) also hands over its progress and,
while ``show_partials`` is on (nothing whole on screen yet), what arrived so far: each partial
report with rows has its view prepared on the same worker and is announced by ``progressed``,
so rows appear while slower partners are still being fetched.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from desktop_app.api.errors import (
    ApiError,
    AuthenticationError,
    NotSignedInError,
    PermissionDeniedError,
)
from desktop_app.report.prepared import PreparedReport
from desktop_app.report.rows import Report
from desktop_app.runtime.gc_policy import building_long_lived
from desktop_app.runtime.pacing import unpaced
from desktop_app.ui.workers import Job, Token, Workers

__all__ = [
    "FetchCancelledError",
    "FetchFailure",
    "FetchFunction",
    "Fetched",
    "PartialFetch",
    "ReportFetcher",
    "StagedFetchFunction",
    "describe_failure",
    "not_signed_in",
]

log = logging.getLogger(__name__)

FetchFunction = Callable[[threading.Event], Report]
"""Fetches and parses the report on the worker thread; the event is set on cancel."""

Partial = Callable[[str, Callable[[], Report] | None], None]
"""Progress in words ("3 of 30 partners") and, when one is due, how to build the report so
far (called only when partial reports are wanted)."""

StagedFetchFunction = Callable[[threading.Event, Partial], Report]
"""A fetch that reports its progress (and partial reports) through its second argument."""

LANE = "fetch"


def not_signed_in(_cancel: threading.Event) -> Report:
    """The fetch while no account is signed in: it says so."""
    raise NotSignedInError()


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
class PartialFetch:
    """How far a fetch in stages is (``progress``, in words) and, when a partial report came
    with it, that report's view (prepared on the worker)."""

    progress: str
    prepared: PreparedReport | None = None


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
        progressed(PartialFetch): a fetch in stages got further (several partners).
    """

    started = Signal()
    succeeded = Signal(Fetched)
    progressed = Signal(PartialFetch)
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
        self._fetch = _unstaged(fetch)
        self._prepare = prepare
        self._job: Job[Fetched] | None = None
        self._pending = False
        self.show_partials = True  # read by the worker: prepare partial reports for the screen
        # The rest of paced work (runtime.pacing) for the fetch functions set here: a fetch of
        # several partners parses them at once (partners_fetch.report_fetch).
        self.pause: Callable[[], None] = unpaced

    def set_fetch_function(self, fetch: FetchFunction) -> None:
        """Swap what is fetched (e.g. after signing in to another account); supersedes a run."""
        self.set_staged_fetch(_unstaged(fetch))

    def set_staged_fetch(self, fetch: StagedFetchFunction) -> None:
        """Swap in a fetch in stages (see the module docstring); supersedes a run."""
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
        self._start(lambda _cancel, _partial: report)

    def cancel(self) -> None:
        """Abandon the running fetch; its result, if it still arrives, is dropped."""
        self._pending = False
        if self._job is None:
            return
        self._workers.cancel(LANE)
        self._job = None
        self.cancelled.emit()
        self.idle.emit()

    def _start(self, fetch: StagedFetchFunction | None = None) -> None:
        fetch = fetch or self._fetch
        prepare = self._prepare
        was_busy = self._job is not None

        def run(token: Token) -> Fetched:
            began = time.perf_counter()

            def partial(progress: str, so_far: Callable[[], Report] | None) -> None:
                if token.cancelled:
                    return
                report = so_far() if so_far is not None and self.show_partials else None
                prepared = prepare(report) if report is not None and report.rows else None
                token.progress(PartialFetch(progress, prepared))

            # The report and its view stay until the next one: keep them out of the GC (one
            # pause around every partner's fetch, parse and merge).
            with building_long_lived() as built:
                report = fetch(token.event, partial)
                built.rows = len(report.rows)
                if token.cancelled:
                    raise FetchCancelledError()
                prepared = prepare(report)
            return Fetched(prepared, time.perf_counter() - began)

        self._job = self._workers.submit(
            run,
            self._on_fetched,
            self._on_error,
            lane=LANE,
            name="report-fetch",
            on_progress=self.progressed.emit,
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


def _unstaged(fetch: FetchFunction) -> StagedFetchFunction:
    return lambda cancel, _partial: fetch(cancel)


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
