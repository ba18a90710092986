"""Opens the history database safely: WAL, migrations, and recovery from a damaged file.

The app must always start, so nothing here raises for a bad database: a file that is not a
database, or fails ``PRAGMA quick_check``, is moved aside as ``history-corrupt-<time>.sqlite3``
and a fresh one is started; a database from a newer app version, or a folder that cannot be
written, leaves history switched off for the session. Either way ``message`` holds one sentence
the UI can show.

Threads: Python's ``sqlite3`` connections must not be used by two threads at once, so there are
two, each behind its own lock and opened with ``check_same_thread=False``: ``write()`` for the
worker thread that records reports (and for the rare acknowledgement), ``read()`` for queries
from the GUI thread. WAL lets a reader see the last committed state while a write is running,
so a detail-pane query never waits for a 100k-row refresh to be recorded.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

from desktop_app.storage.migrations import NewerSchemaError, migrate

__all__ = ["Database", "corrupt_name"]

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
JOURNAL_SIZE_LIMIT = 4 * 1024 * 1024
_SIDE_FILES = ("-wal", "-shm", "-journal")


def corrupt_name(directory: Path, when: datetime) -> Path:
    """A free ``history-corrupt-YYYYmmdd-HHMMSS.sqlite3`` path in ``directory``."""
    stem = f"history-corrupt-{when:%Y%m%d-%H%M%S}"
    candidate = directory / f"{stem}.sqlite3"
    number = 1
    while candidate.exists():
        number += 1
        candidate = directory / f"{stem}-{number}.sqlite3"
    return candidate


class Database:
    """One SQLite file with a writer and a reader connection (see module docstring).

    ``available`` is False when history is switched off for this session; ``message`` then (or
    after a recovery) explains why in words for the user, and ``retryable`` says whether opening
    it again later may work (locked by another program, a folder that could not be made).
    ``moved_to`` is where a damaged file was put.
    """

    def __init__(self, path: Path, clock: Callable[[], datetime]) -> None:
        self.path = path
        self._clock = clock
        self.message: str | None = None
        self.retryable = False
        self.moved_to: Path | None = None
        self._writer: sqlite3.Connection | None = None
        self._reader: sqlite3.Connection | None = None
        self._write_lock = threading.Lock()
        self._read_lock = threading.Lock()
        self._open()

    @property
    def available(self) -> bool:
        return self._writer is not None

    # -- opening --------------------------------------------------------------------------------

    def _open(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self.retryable = True
            self._disable(
                f"History is off: the folder {self.path.parent} cannot be created ({exc})."
            )
            return
        try:
            self._connect_and_migrate()
            return
        except NewerSchemaError as exc:
            self._close_connections()
            self._disable(f"History is off: {exc} Update the app to use it.")
            return
        except sqlite3.OperationalError as exc:  # locked by another instance, I/O, permissions
            self._close_connections()
            self.retryable = True
            self._disable(f"History is off: the database {self.path} cannot be opened ({exc}).")
            return
        except sqlite3.DatabaseError as exc:  # "file is not a database", malformed image, ...
            self._close_connections()
            reason = str(exc)
        try:
            self._move_aside()
        except OSError as exc:
            self._disable(f"History is off: the damaged database could not be moved ({exc}).")
            return
        try:
            self._connect_and_migrate()
        except (sqlite3.Error, NewerSchemaError) as exc:
            self._close_connections()
            self._disable(f"History is off: a new database could not be started ({exc}).")
            return
        assert self.moved_to is not None
        self.message = (
            f"The history database was damaged ({reason}); it was moved to "
            f"{self.moved_to.name} and a new history was started."
        )
        log.warning("%s", self.message)

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000
        )
        connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        connection.execute("PRAGMA foreign_keys = ON")
        return connection

    def _connect_and_migrate(self) -> None:
        writer = self._writer = self._connect()
        mode = writer.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            log.info("History database journal mode is %s, not WAL", mode)
        writer.execute("PRAGMA synchronous = NORMAL")  # WAL + NORMAL: durable except power loss
        # A big first import grows the WAL; truncate it back after checkpoints.
        writer.execute(f"PRAGMA journal_size_limit = {JOURNAL_SIZE_LIMIT}")
        check = writer.execute("PRAGMA quick_check").fetchall()
        if check != [("ok",)]:
            raise sqlite3.DatabaseError(f"integrity check failed: {check[0][0]}")
        migrate(writer)
        self._reader = self._connect()

    def _move_aside(self) -> None:
        target = corrupt_name(self.path.parent, self._clock())
        if self.path.exists():
            self.path.replace(target)
        for suffix in _SIDE_FILES:
            side = self.path.with_name(self.path.name + suffix)
            if side.exists():
                side.replace(target.with_name(target.name + suffix))
        self.moved_to = target

    def _disable(self, message: str) -> None:
        self.message = message
        log.warning("%s", message)

    def _close_connections(self) -> None:
        for connection in (self._reader, self._writer):
            if connection is not None:
                with contextlib.suppress(sqlite3.Error):
                    connection.close()
        self._reader = self._writer = None

    # -- use --------------------------------------------------------------------------------------

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """The writer connection inside one ``BEGIN IMMEDIATE`` transaction (commit or rollback)."""
        with self._write_lock:
            connection = self._writer
            if connection is None:
                raise sqlite3.OperationalError("history database is not available")
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
            except BaseException:
                # SQLite has already rolled back after some errors (SQLITE_FULL, I/O): a second
                # ROLLBACK would fail and hide the real reason.
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")

    @contextlib.contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """The reader connection inside one read transaction (a consistent snapshot)."""
        with self._read_lock:
            connection = self._reader
            if connection is None:
                raise sqlite3.OperationalError("history database is not available")
            connection.execute("BEGIN")
            try:
                yield connection
            finally:
                connection.execute("COMMIT")

    def close(self) -> None:
        """Checkpoint the WAL and close both connections; further use is refused."""
        with self._write_lock, self._read_lock:
            if self._writer is not None:
                with contextlib.suppress(sqlite3.Error):
                    self._writer.execute("PRAGMA optimize")
            self._close_connections()
