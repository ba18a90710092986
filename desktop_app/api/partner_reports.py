"""Fetch several partners' reports at once: a few at a time, each handed over as it arrives.

Each partner is fetched through its own ``ReportClient`` (``client_for(username)``, typically
``base.for_partner(username, session=...)``: its own session, the shared token provider), so
each has the client's own deadline, retries and limits, and its rows carry the partner. At most
``concurrency`` fetches run at once (default ``DEFAULT_CONCURRENCY``: polite to the API, and
enough to hide the latency of 30 partners). A partner that fails or is refused is a result like
any other (``PartnerFetch.error``): it never stops or empties the others.

Blocking and Qt-free: the caller runs it on a worker thread; ``on_result`` and ``on_progress``
run on that (calling) thread, in the order results arrive, so a GUI can forward each through a
signal and show rows per partner while slower partners are still being fetched. Setting
``cancel`` stops it within ``WAIT_SLICE``: fetches not yet begun never start, running ones stop
at their client's next check, and the call raises ``FetchCancelled`` without waiting for them.

The fetches run on daemon threads handing ``concurrent.futures.Future``s back, not on a
``ThreadPoolExecutor``: its threads are joined when the interpreter exits, so a fetch blocked
in a socket read that nothing can interrupt would hold up quitting for its whole read timeout
(the same reason ``ui.fetcher`` uses a daemon thread).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass
from typing import Final

from desktop_app.api.client import WAIT_SLICE, ReportClient
from desktop_app.api.errors import (
    ApiError,
    AuthenticationError,
    FetchCancelled,
    NotFoundError,
    PermissionDeniedError,
)
from desktop_app.report.merge import PartnerPart
from desktop_app.report.query import ReportQuery
from desktop_app.report.rows import Report

log = logging.getLogger(__name__)

DEFAULT_CONCURRENCY: Final = 4
REFUSALS: Final = (AuthenticationError, PermissionDeniedError, NotFoundError)
"""Errors that say this partner's report is not ours to read (401, 403 scope, 404), as opposed
to one that failed (network, server, unreadable) and may work next time."""


@dataclass(frozen=True, slots=True)
class PartnerFetch:
    """One partner's outcome: its report (rows tagged with ``partner``), or the error that
    prevented it; ``seconds`` the wall time of its fetch."""

    partner: str
    report: Report | None = None
    error: ApiError | None = None
    seconds: float = 0.0

    @property
    def refused(self) -> bool:
        """The server refused this partner's report (see ``REFUSALS``)."""
        return isinstance(self.error, REFUSALS)

    def part(self, depth: int = 0, group: str = "") -> PartnerPart:
        """This outcome as its partner's part of a merged report (``report.merge``)."""
        failure = None if self.error is None else self.error.message
        status = None if self.error is None else self.error.status
        return PartnerPart(self.partner, depth, self.report, failure, self.refused, group, status)


@dataclass(frozen=True, slots=True)
class Progress:
    """How far a fetch of ``total`` partners is: ``done`` arrived, ``failed`` of them without
    a report."""

    done: int
    total: int
    failed: int = 0

    def __str__(self) -> str:
        return f"{self.done:,} of {self.total:,} partner{'' if self.total == 1 else 's'}"


def fetch_partner_reports(
    partners: Sequence[str],
    client_for: Callable[[str], ReportClient],
    *,
    query: ReportQuery | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    cancel: threading.Event | None = None,
    on_result: Callable[[PartnerFetch], None] | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    on_wait: Callable[[Progress], None] | None = None,
) -> tuple[PartnerFetch, ...]:
    """Every partner's outcome, in the order of ``partners`` (see the module docstring).

    ``client_for`` makes a new client per partner; it is closed here after its fetch.
    ``on_progress`` is called once before anything arrives (``0 of N``) and after each result;
    ``on_wait`` every ``WAIT_SLICE`` in which nothing arrived (a caller's chance to act on
    time passing while a slow partner is still fetched).
    Raises ``FetchCancelled`` once ``cancel`` is set; otherwise only what a callback raises
    (the fetches stop then too, as after a cancel).
    """
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    asked = cancel if cancel is not None else threading.Event()
    stop = threading.Event()  # the workers': set on a cancel, or when this call ends early
    futures = {name: Future[PartnerFetch]() for name in dict.fromkeys(partners)}
    todo: queue.SimpleQueue[tuple[str, Future[PartnerFetch]]] = queue.SimpleQueue()
    for item in futures.items():
        todo.put(item)
    for n in range(min(concurrency, len(futures))):
        threading.Thread(
            target=_work,
            args=(todo, client_for, query, stop),
            name=f"partner-report-{n + 1}",
            daemon=True,
        ).start()
    try:
        _deliver(list(futures.values()), asked, on_result, on_progress, on_wait)
    finally:
        stop.set()  # nothing left to fetch, or nobody left to hand it to
    return tuple(future.result() for future in futures.values())


def _deliver(
    futures: list[Future[PartnerFetch]],
    asked: threading.Event,
    on_result: Callable[[PartnerFetch], None] | None,
    on_progress: Callable[[Progress], None] | None,
    on_wait: Callable[[Progress], None] | None = None,
) -> None:
    """Hand each result over as it arrives, on this thread; ``FetchCancelled`` once ``asked``."""
    total, done, failed = len(futures), 0, 0
    if on_progress is not None:
        on_progress(Progress(0, total))
    pending = set(futures)
    while pending:
        arrived, pending = wait(pending, timeout=WAIT_SLICE, return_when=FIRST_COMPLETED)
        if not arrived and on_wait is not None and not asked.is_set():
            on_wait(Progress(done, total, failed))
        for future in arrived:
            if asked.is_set():
                break
            result = future.result()
            done += 1
            failed += result.report is None
            if on_result is not None:
                on_result(result)
            if on_progress is not None:
                on_progress(Progress(done, total, failed))
        if asked.is_set():
            for future in pending:
                future.cancel()  # not started yet: it never will be
            raise FetchCancelled("The report fetch was cancelled.")


def _work(
    todo: queue.SimpleQueue[tuple[str, Future[PartnerFetch]]],
    client_for: Callable[[str], ReportClient],
    query: ReportQuery | None,
    stop: threading.Event,
) -> None:
    """One worker: takes partners until none are left (or the fetch is cancelled)."""
    while not stop.is_set():
        try:
            partner, future = todo.get_nowait()
        except queue.Empty:
            return
        if future.set_running_or_notify_cancel():
            future.set_result(_fetch_one(partner, client_for, query, stop))


def _fetch_one(
    partner: str,
    client_for: Callable[[str], ReportClient],
    query: ReportQuery | None,
    stop: threading.Event,
) -> PartnerFetch:
    started = time.monotonic()
    try:
        with client_for(partner) as client:
            report = client.fetch_report(query, cancel=stop)
    except ApiError as exc:
        if not exc.cancelled:
            log.info("The report of %s could not be fetched: %s", partner, exc.message)
        return PartnerFetch(partner, error=exc, seconds=time.monotonic() - started)
    except Exception:  # a defect must cost this partner only, and be seen
        log.exception("Fetching the report of %s failed unexpectedly", partner)
        error = ApiError(
            f"The report of partner '{partner}' could not be fetched because of an unexpected "
            "error; details are in the log file."
        )
        return PartnerFetch(partner, error=error, seconds=time.monotonic() - started)
    log.debug("%s: %d rows in %.2f s", partner, len(report), time.monotonic() - started)
    return PartnerFetch(partner, report=report, seconds=time.monotonic() - started)
