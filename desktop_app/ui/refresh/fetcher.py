"""Runs report fetches off the GUI thread, one at a time, and reports back with signals.

Why a daemon ``threading.Thread`` per fetch and not a ``QThread``: a fetch can sit in a blocking
socket read that nothing can interrupt, and a ``QThread`` still running when the application
object is destroyed aborts the process. A daemon thread simply dies with the process, so quitting
mid-fetch is always clean. Results cross back to the GUI thread through queued signals of a
``QObject`` that lives on the GUI thread (PySide6 queues a cross-thread emit automatically).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from desktop_app.api.errors import ApiError, AuthenticationError, PermissionDeniedError

log = logging.getLogger(__name__)

FetchFunction = Callable[[threading.Event], object]
"""Does the whole job on the worker thread (fetch, parse) and returns the result."""

PrepareFunction = Callable[[object], object]
"""Runs on the worker thread after a successful fetch: turns the result into what the GUI needs
(e.g. a report with its sorted, filtered view), so the GUI thread only swaps it in."""


class FetchCancelledError(Exception):
    """Raised by a fetch function that noticed its cancel event."""


@dataclass(frozen=True, slots=True)
class FetchFailure:
    """What went wrong, in words for the banner; ``detail`` is for the log only."""

    title: str
    message: str
    status: int | None = None
    auth_problem: bool = False


class ReportFetcher(QObject):
    """Starts fetches on a worker thread; coalesces requests made while one runs.

    Signals:
        started(): a fetch began (show the busy indicator).
        succeeded(object, float): the result and the seconds it took.
        failed(object): a ``FetchFailure``.
        cancelled(): the running fetch was cancelled by the user.
        idle(): nothing is running any more (hide the busy indicator).
    """

    started = Signal()
    succeeded = Signal(object, float)
    failed = Signal(object)
    cancelled = Signal()
    idle = Signal()
    _finished = Signal(int, object, object, float)  # generation, result, error, seconds

    def __init__(
        self,
        fetch: FetchFunction,
        parent: QObject | None = None,
        *,
        prepare: PrepareFunction | None = None,
    ) -> None:
        super().__init__(parent)
        self._fetch = fetch
        self._prepare = prepare
        self._generation = 0
        self._thread: threading.Thread | None = None
        self._cancel: threading.Event | None = None
        self._pending = False
        self._closed = False
        self._finished.connect(self._on_finished)

    def set_fetch_function(self, fetch: FetchFunction) -> None:
        """Swap what is fetched (e.g. after signing in to another account); supersedes a run."""
        self._fetch = fetch
        if self.is_busy():
            self._supersede()
            self._pending = True

    def is_busy(self) -> bool:
        return self._thread is not None

    def request(self) -> None:
        """Fetch now, or once more right after the running fetch (coalesced)."""
        if self._closed:
            return
        if self._thread is not None:
            self._pending = True
            return
        self._start()

    def deliver(self, result: object) -> None:
        """Take a result fetched elsewhere (the sign-in dialog's test downloaded the report) as
        if this fetcher had fetched it: prepared on the worker and announced by the usual
        signals, without downloading it a second time. Supersedes a running fetch."""
        if self._closed:
            return
        self._pending = False
        if self._thread is not None:
            self._supersede()
            self._thread = None
        self._start(lambda _cancel: result)

    def cancel(self) -> None:
        """Abandon the running fetch; its result, if it still arrives, is ignored."""
        self._pending = False
        if self._thread is None:
            return
        self._supersede()
        self._thread = None
        self.cancelled.emit()
        self.idle.emit()

    def shutdown(self, timeout: float = 0.25) -> None:
        """Stop accepting work and give a running fetch a moment to end; never blocks longer.

        Short on purpose: a fetch blocked in a socket read cannot notice the cancel, its result
        is discarded anyway, and the daemon thread cannot hold up the process. Waiting longer
        only made quitting feel stuck (1.5 s with a slow server).
        """
        self._closed = True
        self._pending = False
        thread = self._thread
        if thread is not None:
            self._supersede()
            thread.join(timeout)
            if thread.is_alive():
                log.info("Quitting while a fetch is still running; it is abandoned")
        self._thread = None

    def _supersede(self) -> None:
        self._generation += 1
        if self._cancel is not None:
            self._cancel.set()

    def _start(self, fetch: FetchFunction | None = None) -> None:
        self._generation += 1
        generation = self._generation
        cancel = threading.Event()
        self._cancel = cancel
        thread = threading.Thread(
            target=self._run,
            args=(fetch or self._fetch, self._prepare, generation, cancel),
            name="report-fetch",
            daemon=True,
        )
        self._thread = thread
        self.started.emit()
        thread.start()

    def _run(
        self,
        fetch: FetchFunction,
        prepare: PrepareFunction | None,
        generation: int,
        cancel: threading.Event,
    ) -> None:
        began = time.perf_counter()
        result: object = None
        error: BaseException | None = None
        try:
            result = fetch(cancel)
            if prepare is not None and not cancel.is_set():
                result = prepare(result)
        except BaseException as exc:  # reported to the GUI thread, never raised into Qt
            error = exc
        seconds = time.perf_counter() - began
        if not self._closed:
            self._finished.emit(generation, result, error, seconds)

    def _on_finished(self, generation: int, result: object, error: object, seconds: float) -> None:
        if generation != self._generation or self._closed:
            return  # a superseded or cancelled fetch: its result is stale by definition
        self._thread = None
        self._cancel = None
        if error is None:
            self.succeeded.emit(result, seconds)
        elif isinstance(error, FetchCancelledError) or getattr(error, "cancelled", False):
            self.cancelled.emit()
        else:
            self.failed.emit(describe_failure(error))
        if self._pending and not self._closed:
            self._pending = False
            self._start()
        else:
            self.idle.emit()


def describe_failure(error: object) -> FetchFailure:
    """Plain words for the banner; unexpected exceptions are logged with their traceback."""
    if isinstance(error, ApiError):
        return FetchFailure(
            title=error.title,
            message=error.message,
            status=error.status,
            auth_problem=isinstance(error, AuthenticationError | PermissionDeniedError),
        )
    if isinstance(error, BaseException):
        log.error("Unexpected error while fetching the report", exc_info=error)
    return FetchFailure(
        title="Unexpected problem",
        message="Something unexpected went wrong while fetching the report. "
        "Details are in the log file (Help > Open log folder).",
    )
