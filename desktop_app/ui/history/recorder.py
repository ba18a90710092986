"""Opens the history database and records each fetched report, on a serial lane of ``Workers``.

Why a serial lane (``ui.workers``): the store's in-memory cache belongs to whoever records,
writes must stay in order, and a report that arrives while the previous one is still being
written makes any older waiting one pointless, so only the newest waiting report is kept.
Opening the database (integrity check, migrations, cache warm-up: about a second at 100k sets)
is the lane's first job, overlapping the first fetch. A quit mid-write cannot hang: the daemon
thread is abandoned after ``close``'s timeout and SQLite's WAL rolls the write back.

Each write and the warm-up run inside ``building_long_lived``: the history cache is built with
the cyclic collector paused, and frozen when large, so no collection walks it while holding the
GIL (see ``runtime.gc_policy``; hand the store a ``Pacer`` so its loops also leave the GIL to
the GUI thread). ``delay`` holds each write back a moment: the report arrives when the GUI
thread starts drawing it, and that burst of calls into Python is quickest without a worker
wanting the GIL.

Right after opening, before the warm-up, the last recorded report is read back and handed to
``restore`` (on the worker: a view preparer), and ``restored`` brings the result to the GUI
thread, so a restart shows the last report at once instead of an empty window. The warm-up then
waits ``delay`` too: while the GUI thread draws the restored 100k rows it needs the GIL for
thousands of calls, and the warm-up beside the fetch and the judging stalled it ~200 ms
(bench_gui_fetch --watchdog, restart).

A database that could not be opened because it was locked, or whose folder was not there, is
tried again every ``retry_seconds`` (a report arriving meanwhile waits, the newest one is
recorded once the database opens); a failed write is reported with its reason (``health``,
see ``ui.history.health``) and cleared by the next good one.

Signals (on the GUI thread):
    opened(HistoryStore): the store works (after its warm-up); only ever for a usable store.
    restored(PreparedReport): ``restore(last recorded report)``, when there is one.
    recorded(RecordResult): after each write.
    record_failed(str): a write failed (the reason in words).
    health_changed(HistoryHealth): the new health.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from PySide6.QtCore import QObject, QTimer, Signal

from desktop_app.report.prepared import PreparedReport
from desktop_app.report.rows import Report
from desktop_app.runtime.gc_policy import building_long_lived
from desktop_app.storage.history import HistoryStore, RecordResult
from desktop_app.ui.history.health import HistoryHealth, HistoryState, describe_database_error
from desktop_app.ui.workers import Token, Workers

__all__ = ["LANE", "RETRY_SECONDS", "HistoryRecorder"]

log = logging.getLogger(__name__)

LANE = "history"
RETRY_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class _Opened:
    """What opening found: the usable store (or ``None``) and the health that follows."""

    store: HistoryStore | None
    health: HistoryHealth


class HistoryRecorder(QObject):
    """See module docstring. ``open_store`` builds the store (called on the worker thread)."""

    opened = Signal(HistoryStore)
    restored = Signal(PreparedReport)
    recorded = Signal(RecordResult)
    record_failed = Signal(str)
    health_changed = Signal(HistoryHealth)

    def __init__(
        self,
        workers: Workers,
        open_store: Callable[[], HistoryStore],
        parent: QObject | None = None,
        *,
        delay: float = 0.0,
        restore: Callable[[Report], PreparedReport] | None = None,
        retry_seconds: float = RETRY_SECONDS,
    ) -> None:
        super().__init__(parent)
        self._workers = workers
        self._open_store = open_store
        self._delay = delay
        self._restore = restore
        self._retry_seconds = retry_seconds
        self._health = HistoryHealth(HistoryState.STARTING)
        self._store: HistoryStore | None = None
        self._retention: timedelta | None = None  # from Settings; None: the store's default
        self._waiting: Report | None = None  # arrived before the store opened
        self._started = False
        self._closed = False
        self._retry = QTimer(self)
        self._retry.setSingleShot(True)
        self._retry.timeout.connect(self._submit_open)

    @property
    def store(self) -> HistoryStore | None:
        """The open store, once ``opened`` has been emitted."""
        return self._store

    @property
    def health(self) -> HistoryHealth:
        return self._health

    @property
    def idle(self) -> bool:
        """Nothing is being opened, written or waiting (tests, benchmarks)."""
        return not self._workers.is_busy(LANE) and self._waiting is None

    def dismiss_notice(self) -> None:
        """The user read the notice: keep the state, drop the news."""
        if self._health.notice:
            self._set_health(HistoryHealth(self._health.state, self._health.reason))

    def set_retention(self, retention: timedelta) -> None:
        """How long history is kept (Settings); applies from the store's next purge."""
        self._retention = retention
        if self._store is not None:
            self._store.retention = retention

    def start(self) -> None:
        if not self._started:
            self._started = True
            self._submit_open()

    def record(self, report: Report) -> None:
        """Record ``report`` (a newer one replaces it while it waits for its turn)."""
        if self._closed:
            return
        if self._store is None:
            if self._health.state is not HistoryState.OFF:
                self._waiting = report  # recorded once the database opens
            return
        store = self._store

        def write(_token: Token) -> RecordResult:
            with building_long_lived() as built:
                result = store.record(report)
                built.rows = result.rows
            return result

        self._workers.submit(
            write,
            self._on_recorded,
            self._on_record_failed,
            lane=LANE,
            serial=True,
            delay=self._delay,
            name="history",
        )

    def close(self, timeout: float = 1.0) -> None:
        """Finish the write in progress (skip what waits), then close the database.

        Waits at most ``timeout`` seconds (quitting must be quick): a write still running then
        is abandoned with its daemon thread, and SQLite rolls it back.
        """
        if self._closed:
            return
        self._closed = True
        self._retry.stop()
        self._waiting = None
        self._workers.cancel(LANE)
        if not self._workers.wait_for(LANE, timeout):
            log.warning("History recording did not finish within %.0f s", timeout)
            return
        if self._store is not None:
            self._store.close()

    # --- the lane's jobs ----------------------------------------------------------------------
    def _submit_open(self) -> None:
        if not self._closed:
            self._workers.submit(
                self._open,
                self._on_opened,
                self._on_open_failed,
                on_progress=self._show,
                lane=LANE,
                serial=True,
                name="history",
            )

    def _open(self, token: Token) -> _Opened:
        """Worker: open the store, read the last report back, warm the cache up."""
        try:
            store = self._open_store()
        except Exception as error:
            return self._unusable(error)
        if not store.available:
            retry = store.database.retryable and self._retry_seconds > 0
            message = store.message or "History is off: the database could not be opened."
            store.close()
            state = HistoryState.RETRYING if retry else HistoryState.OFF
            suffix = f" Trying again every {self._retry_seconds:g} s." if retry else ""
            return _Opened(None, HistoryHealth(state, message + suffix))
        try:
            if self._restore_last(store, token):
                token.wait(self._delay)  # the GUI thread draws it: leave it the GIL meanwhile
            with building_long_lived() as built:
                store.warm_up()
                built.rows = store.known_sets
        except Exception as error:
            return self._unusable(error)
        # Opened, but perhaps only after replacing a damaged file: news to read once.
        return _Opened(store, HistoryHealth(HistoryState.ON, notice=store.message or ""))

    def _unusable(self, error: BaseException) -> _Opened:
        log.error("Could not open the history database", exc_info=error)
        state = HistoryState.RETRYING if self._retry_seconds > 0 else HistoryState.OFF
        reason = describe_database_error(error)
        return _Opened(None, HistoryHealth(state, f"History is off: {reason}."))

    def _restore_last(self, store: HistoryStore, token: Token) -> bool:
        """Hand the last recorded report (its view prepared) to the GUI; True when one was."""
        if self._restore is None:
            return False
        try:
            with building_long_lived() as built:
                report = store.last_report()
                if report is None:
                    return False
                built.rows = len(report.rows)
                shown = self._restore(report)
        except Exception:  # showing nothing at start is better than not recording
            log.exception("Could not read the last recorded report back")
            return False
        token.progress(shown)
        return True

    # --- answers on the GUI thread ------------------------------------------------------------
    def _show(self, shown: PreparedReport) -> None:
        self.restored.emit(shown)

    def _on_opened(self, opened: _Opened) -> None:
        store = opened.store
        self._set_health(opened.health)
        if store is None:
            if opened.health.state is HistoryState.RETRYING:
                self._retry.start(round(self._retry_seconds * 1000))
            else:
                self._waiting = None
            return
        if self._retention is not None:
            store.retention = self._retention
        self._store = store
        self.opened.emit(store)
        waiting, self._waiting = self._waiting, None
        if waiting is not None:
            self.record(waiting)

    def _on_open_failed(self, error: BaseException) -> None:
        self._on_opened(self._unusable(error))

    def _on_recorded(self, result: RecordResult) -> None:
        if self._health.state is not HistoryState.ON:
            self._set_health(HistoryHealth(HistoryState.ON, notice=self._health.notice))
        self.recorded.emit(result)

    def _on_record_failed(self, error: BaseException) -> None:
        reason = describe_database_error(error)
        log.error("Could not record the report in the history", exc_info=error)
        self._set_health(
            HistoryHealth(
                HistoryState.NOT_SAVING,
                f"History is not being saved: {reason}. The next refresh tries again.",
                self._health.notice,
            )
        )
        self.record_failed.emit(reason)

    def _set_health(self, health: HistoryHealth) -> None:
        if health == self._health:
            return
        self._health = health
        if health.reason:
            log.warning("%s", health.reason)
        self.health_changed.emit(health)
