"""Records each refreshed report into the history database on a worker thread.

Why one long-lived daemon thread with a one-slot mailbox: the store's in-memory cache belongs
to the recording thread, writes must stay in order, and a report that arrives while the
previous one is still being written makes that older one pointless, so only the newest pending
report is kept. Opening the database (integrity check, migrations, cache warm-up: about a second
at 100k sets) happens on the same thread, overlapping the first fetch. Daemon, like the fetcher:
a quit mid-write cannot hang, and SQLite's WAL keeps the file consistent anyway.

Each write and the warm-up run inside ``building_long_lived``: the history cache is built with
the cyclic collector paused, and frozen when large, so no collection walks it while holding the
GIL (see ``report.background``; hand the store a ``Pacer`` so its loops also leave the GIL to
the GUI thread). ``delay`` holds each write back a moment after its report was taken from the
mailbox: the report arrives when the GUI thread starts drawing it, and that burst of calls into
Python is quickest without a worker wanting the GIL.

Right after opening, before the warm-up, the last recorded report is read back and handed
to ``restore`` (on this thread: e.g. a view preparer), and ``restored`` brings the result to
the GUI thread, so a restart shows the last report at once instead of an empty window.

Signals (queued to the GUI thread):
    ready(object): the open ``HistoryStore`` (hook up the detail pane's provider).
    restored(object): ``restore(last recorded report)``, when there is one.
    recorded(object): a ``RecordResult`` after each write.
    message(str): a sentence for the user (a damaged database was replaced; history is off).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta

from PySide6.QtCore import QObject, Signal

from desktop_app.report.background import building_long_lived
from desktop_app.report.rows import Report
from desktop_app.storage.history import HistoryStore

__all__ = ["HistoryRecorder"]

log = logging.getLogger(__name__)

_STOP = object()


class HistoryRecorder(QObject):
    """See module docstring. ``open_store`` builds the store (called on the worker thread)."""

    ready = Signal(object)
    restored = Signal(object)
    recorded = Signal(object)
    message = Signal(str)

    def __init__(
        self,
        open_store: Callable[[], HistoryStore],
        parent: QObject | None = None,
        *,
        delay: float = 0.0,
        restore: Callable[[Report], object] | None = None,
    ) -> None:
        super().__init__(parent)
        self._open_store = open_store
        self._delay = delay
        self._restore = restore
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

    def close(self, timeout: float = 5.0) -> None:
        """Finish the write in progress (skip what waits), then close the database."""
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
                while self._pending is None:
                    self._idle.set()
                    self._wake.wait()
                job, self._pending = self._pending, None
                if job is _STOP:
                    self._pending = _STOP
                    break
                if self._delay:  # taken: a report arriving meanwhile is written after it
                    self._wake.wait_for(lambda: self._pending is _STOP, self._delay)
            if store is not None and isinstance(job, Report):
                try:
                    with building_long_lived() as built:
                        result = store.record(job)
                        built.rows = result.rows
                    self.recorded.emit(result)
                except Exception:
                    log.exception("Could not record the report in the history")
        if store is not None:
            store.close()
        self._idle.set()

    def _open(self) -> HistoryStore | None:
        try:
            store = self._open_store()
            self._restore_last(store)
            with building_long_lived() as built:
                store.warm_up()
                built.rows = store.known_sets
        except Exception:
            log.exception("Could not open the history database")
            self.message.emit("History is off: the database could not be opened. See the log.")
            return None
        if self._retention is not None:
            store.retention = self._retention
        self._store = store
        if store.message:
            self.message.emit(store.message)
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
