"""Records each refreshed report into the history database on a worker thread.

Why one long-lived daemon thread with a one-slot mailbox: the store's in-memory cache belongs
to the recording thread, writes must stay in order, and a report that arrives while the
previous one is still being written makes that older one pointless, so only the newest pending
report is kept. Opening the database (integrity check, migrations, cache warm-up: about a second
at 100k sets) happens on the same thread, overlapping the first fetch. Daemon, like the fetcher:
a quit mid-write cannot hang, and SQLite's WAL keeps the file consistent anyway.

Each write and the warm-up run inside ``building_long_lived``: the history cache is built with
the cyclic collector paused, and frozen when large, so no collection walks it while holding the
GIL (see ``runtime.gc_policy``; hand the store a ``Pacer`` so its loops also leave the GIL to
the GUI thread). ``delay`` holds each write back a moment after its report was taken from the
mailbox: the report arrives when the GUI thread starts drawing it, and that burst of calls into
Python is quickest without a worker wanting the GIL.

Right after opening, before the warm-up, the last recorded report is read back and handed
to ``restore`` (on this thread: e.g. a view preparer), and ``restored`` brings the result to
the GUI thread, so a restart shows the last report at once instead of an empty window.

Why a health state instead of messages: whatever is wrong with the history (off, locked by
another program, the disk full, a damaged file replaced) must stay visible until it is fixed,
and it is often found before any listener is connected (the database opens during start-up).
``health`` always holds the current ``HistoryHealth``; ``health_changed`` announces changes, so
an indicator connected late reads the state instead of missing a message. A database that could
not be opened because it was locked, or whose folder was not there, is tried again every
``retry_seconds``; a failed write is reported with its reason and cleared by the next good one.

Signals (queued to the GUI thread):
    ready(object): the open ``HistoryStore`` (hook up the detail pane's provider); only ever
        for a store that works.
    restored(object): ``restore(last recorded report)``, when there is one.
    recorded(object): a ``RecordResult`` after each write.
    record_failed(str): a write failed (the reason in words); derived states can still follow.
    health_changed(object): the new ``HistoryHealth``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum

from PySide6.QtCore import QObject, Signal

from desktop_app.report.rows import Report
from desktop_app.runtime.gc_policy import building_long_lived
from desktop_app.storage.history import HistoryStore

__all__ = ["HistoryHealth", "HistoryRecorder", "HistoryState", "describe_database_error"]

log = logging.getLogger(__name__)

_STOP = object()
RETRY_SECONDS = 60.0


class HistoryState(Enum):
    STARTING = "starting"  # the database is being opened
    ON = "on"
    RETRYING = "retrying"  # could not be opened (locked, folder missing): tried again soon
    OFF = "off"  # cannot be used this session (newer app's database, a damaged file kept)
    NOT_SAVING = "not saving"  # open, but the last write failed (disk full, locked, I/O)


@dataclass(frozen=True, slots=True)
class HistoryHealth:
    """How the history is doing: ``reason`` says why it is not fine, ``notice`` is news the
    user should read once even though history works (a damaged file was replaced)."""

    state: HistoryState
    reason: str = ""
    notice: str = ""

    @property
    def working(self) -> bool:
        return self.state in (HistoryState.ON, HistoryState.STARTING)


_DATABASE_REASONS = (
    ("database or disk is full", "the disk is full"),
    ("disk quota", "the disk quota is exceeded"),
    ("database is locked", "another program is using the history database"),
    ("readonly database", "the history database is read-only"),
    ("disk i/o error", "the disk reported an error"),
    ("unable to open database file", "the history database cannot be opened"),
)


def describe_database_error(error: BaseException) -> str:
    """A failed history write in plain words (the exception's own text otherwise)."""
    text = str(error)
    lowered = text.lower()
    for marker, words in _DATABASE_REASONS:
        if marker in lowered:
            return words
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return text or type(error).__name__


class HistoryRecorder(QObject):
    """See module docstring. ``open_store`` builds the store (called on the worker thread)."""

    ready = Signal(object)
    restored = Signal(object)
    recorded = Signal(object)
    record_failed = Signal(str)
    health_changed = Signal(object)

    def __init__(
        self,
        open_store: Callable[[], HistoryStore],
        parent: QObject | None = None,
        *,
        delay: float = 0.0,
        restore: Callable[[Report], object] | None = None,
        retry_seconds: float = RETRY_SECONDS,
    ) -> None:
        super().__init__(parent)
        self._open_store = open_store
        self._delay = delay
        self._restore = restore
        self._retry_seconds = retry_seconds
        self._health = HistoryHealth(HistoryState.STARTING)
        self._health_lock = threading.Lock()
        self._store: HistoryStore | None = None
        self._retention: timedelta | None = None  # from Settings; None: the store's default
        self._pending: object = None
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None
        self._idle = threading.Event()
        self._idle.set()

    @property
    def store(self) -> HistoryStore | None:
        """The open store, once ``ready`` has been emitted."""
        return self._store

    @property
    def health(self) -> HistoryHealth:
        """The current state (see module docstring); safe to read from any thread."""
        with self._health_lock:
            return self._health

    def dismiss_notice(self) -> None:
        """The user read the notice: keep the state, drop the news."""
        health = self.health
        if health.notice:
            self._set_health(HistoryHealth(health.state, health.reason))

    def set_retention(self, retention: timedelta) -> None:
        """How long history is kept (Settings); applies from the store's next purge."""
        self._retention = retention
        if self._store is not None:
            self._store.retention = retention

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="history", daemon=True)
            self._thread.start()

    def record(self, report: object) -> None:
        """Queue ``report`` (replacing any report still waiting) for recording."""
        if not isinstance(report, Report):
            return
        with self._wake:
            if self._pending is _STOP:
                return
            self._pending = report
            self._idle.clear()
            self._wake.notify()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until nothing is pending or being written (tests, shutdown)."""
        return self._idle.wait(timeout)

    def close(self, timeout: float = 1.0) -> None:
        """Finish the write in progress (skip what waits), then close the database.

        Waits at most ``timeout`` seconds (quitting must be quick): a write still running then
        is abandoned with its daemon thread, and SQLite rolls it back.
        """
        with self._wake:
            self._pending = _STOP
            self._wake.notify()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("History recording did not finish within %.0f s", timeout)

    def _run(self) -> None:
        store = self._open()
        while True:
            with self._wake:
                if store is None and self.health.state is HistoryState.RETRYING:
                    # A report that arrives meanwhile waits: the newest one is recorded once the
                    # database opens.
                    self._idle.set()
                    self._wake.wait_for(lambda: self._pending is _STOP, self._retry_seconds)
                    if self._pending is not _STOP:
                        store = self._open()
                        continue
                while self._pending is None:
                    self._idle.set()
                    self._wake.wait()
                job, self._pending = self._pending, None
                if job is _STOP:
                    self._pending = _STOP
                    break
                if self._delay and store is not None:  # a report arriving meanwhile waits
                    self._wake.wait_for(lambda: self._pending is _STOP, self._delay)
            if store is not None and isinstance(job, Report):
                self._write(store, job)
        if store is not None:
            store.close()
        self._idle.set()

    def _write(self, store: HistoryStore, report: Report) -> None:
        try:
            with building_long_lived() as built:
                result = store.record(report)
                built.rows = result.rows
        except Exception as error:
            reason = describe_database_error(error)
            log.exception("Could not record the report in the history")
            self._set_health(
                HistoryHealth(
                    HistoryState.NOT_SAVING,
                    f"History is not being saved: {reason}. The next refresh tries again.",
                    self.health.notice,
                )
            )
            self.record_failed.emit(reason)
            return
        if self.health.state is not HistoryState.ON:
            self._set_health(HistoryHealth(HistoryState.ON, notice=self.health.notice))
        self.recorded.emit(result)

    def _open(self) -> HistoryStore | None:
        """Open the store; a store that is unavailable is closed again and ``None`` returned."""
        notice = ""
        retry_state = HistoryState.RETRYING if self._retry_seconds > 0 else HistoryState.OFF
        try:
            store = self._open_store()
            self._restore_last(store)
            with building_long_lived() as built:
                store.warm_up()
                built.rows = store.known_sets
        except Exception as error:
            log.exception("Could not open the history database")
            reason = describe_database_error(error)
            self._set_health(HistoryHealth(retry_state, f"History is off: {reason}."))
            return None
        if not store.available:
            retry = store.database.retryable and self._retry_seconds > 0
            message = store.message or "History is off: the database could not be opened."
            store.close()
            state = HistoryState.RETRYING if retry else HistoryState.OFF
            suffix = f" Trying again every {self._retry_seconds:g} s." if retry else ""
            self._set_health(HistoryHealth(state, message + suffix))
            return None
        if store.message:  # opened, but only after replacing a damaged file
            notice = store.message
        if self._retention is not None:
            store.retention = self._retention
        self._store = store
        self._set_health(HistoryHealth(HistoryState.ON, notice=notice))
        self.ready.emit(store)
        return store

    def _restore_last(self, store: HistoryStore) -> None:
        if self._restore is None:
            return
        try:
            with building_long_lived() as built:
                report = store.last_report()
                if report is None:
                    return
                built.rows = len(report.rows)
                shown = self._restore(report)
        except Exception:  # showing nothing at start is better than not recording
            log.exception("Could not read the last recorded report back")
            return
        self.restored.emit(shown)

    def _set_health(self, health: HistoryHealth) -> None:
        with self._health_lock:
            if health == self._health:
                return
            self._health = health
        if health.reason:
            log.warning("%s", health.reason)
        self.health_changed.emit(health)
