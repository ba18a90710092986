"""Backup-set history in SQLite: what changed, since when, and which sets stopped appearing.

Why it is cheap to record a 100k-row report every few minutes: a ``state`` row is written only
when a set's content (status, condition types, start, end, errors, warnings) differs from the
last one stored for its key. The last content of every set is kept in memory (the row's own
tuple slice, so comparing is one C-level tuple comparison per row), loaded from the database on
the first ``record``. An unchanged refresh writes one ``refresh`` row and nothing else.

"Missing" needs no per-refresh write either: a set's ``missing_since`` is set by the first
refresh that lacks it and cleared when it comes back. A report that cannot tell
(``Report.missing_detectable``: incomplete, or a row whose key could not be read) marks no set
missing; a row whose key is unknown cannot be tracked and is not recorded. A set listed twice
in one report is recorded with its worse status, never the better one that came last.

Computer ids are text. Sets recorded by version 1-2 databases with numeric ids (``42``) are
renamed by the first report naming them with leading zeros (``"0042"``), history and
acknowledgement alike (see ``storage.migrations``), so they neither restart nor go "missing".

Call ``record`` on a worker thread (it writes through the database's writer connection); the
queries use the reader connection and are safe from the GUI thread meanwhile (see
``storage.database``). ``pause`` (see ``runtime.pacing.Pacer``) is called every few hundred
rows and between write batches, so a GUI process can let the recording leave it the GIL; no
single call holds the GIL for long (the writes go in batches of ``WRITE_BATCH`` rows).
Retention (default 90 days) purges old states, refreshes and sets missing for longer, at most
once an hour, as part of ``record``; each set's current state is always kept.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from operator import itemgetter
from pathlib import Path
from typing import Any, NamedTuple, cast

from desktop_app.report.rows import (
    FIELD_NAMES,
    BackupStatusRow,
    Report,
    RowKey,
    key_parts,
    row_key,
)
from desktop_app.report.status import (
    ConditionStatus,
    canonical_condition_type,
    canonical_status,
    status_severity,
)
from desktop_app.report.timeline import (
    SetHistory,
    StateRecord,
    day_strip,
    failing_since,
    last_success,
    runs,
)
from desktop_app.runtime.pacing import unpaced
from desktop_app.storage.database import Database

__all__ = [
    "DEFAULT_RETENTION",
    "DEMO_HISTORY_FILE_NAME",
    "HISTORY_FILE_NAME",
    "HISTORY_SOURCE",
    "HistoryStore",
    "MissingSet",
    "RecordResult",
    "SuccessRates",
]

log = logging.getLogger(__name__)

HISTORY_FILE_NAME = "history.sqlite3"
HISTORY_SOURCE = "history"
"""``Report.source`` of the last recorded report read back (``HistoryStore.last_report``)."""
DEMO_HISTORY_FILE_NAME = "demo-history.sqlite3"
DEFAULT_RETENTION = timedelta(days=90)
PURGE_INTERVAL = timedelta(hours=1)
WRITE_BATCH = 128  # rows per executemany: the GIL is held while binding, and pauses come between
_PAUSE_EVERY = 64  # rows between calls of ``pause`` (well under a millisecond of work)
_TYPES_SEPARATOR = "\x1f"

Clock = Callable[[], datetime]
_Content = tuple[Any, ...]  # local_start, local_end, status, types, errors, warnings
# A row's content, what a state holds: the report's fields from the start time on (the row's
# partner, after them, is not content).
_content = cast(
    Callable[[BackupStatusRow], _Content],
    itemgetter(slice(FIELD_NAMES.index("local_start"), len(FIELD_NAMES))),
)


def _utc_now() -> datetime:
    return datetime.now(UTC)


class RecordResult(NamedTuple):
    """What one ``record`` call did."""

    rows: int
    new: int
    changed: int
    gone: int
    returned: int
    seconds: float


@dataclass(frozen=True, slots=True)
class MissingSet:
    """A set that was in an earlier report and is not in the latest one, with its last row."""

    key: RowKey
    last_row: BackupStatusRow
    last_seen: datetime | None
    missing_since: datetime


@dataclass(frozen=True, slots=True)
class SuccessRates:
    """Completed runs / finished runs of one customer, as fractions; ``None``: no finished run."""

    last_7_days: float | None
    last_30_days: float | None


def _ts(value: datetime) -> float:
    if value.tzinfo is None:
        raise ValueError("history times must be timezone-aware")
    return value.timestamp()


def _from_ts(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


_ZONES: dict[int, tzinfo] = {0: UTC}


def _zone(minutes: int) -> tzinfo:
    """Shared ``timezone`` objects per offset: rebuilt rows share them like parsed ones do."""
    zone = _ZONES.get(minutes)
    if zone is None:
        zone = _ZONES[minutes] = timezone(timedelta(minutes=minutes))
    return zone


def _seconds(value: datetime) -> int | float:
    """POSIX seconds, as an ``int`` when whole (smaller in SQLite, exact either way)."""
    ts = value.timestamp()
    return int(ts) if ts.is_integer() else ts


def _offset_minutes(value: datetime) -> int:
    offset = value.utcoffset()
    return 0 if offset is None else int(offset.total_seconds() // 60)


def _local(ts: float | None, offset: int | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, _zone(offset or 0))


def _types(text: str | None) -> tuple[str, ...] | None:
    if text is None:
        return None
    return tuple(canonical_condition_type(t) for t in text.split(_TYPES_SEPARATOR)) if text else ()


def _status(text: str | None) -> str | None:
    return None if text is None else canonical_status(text)


def _numeric_form(key: RowKey) -> RowKey | None:
    """The key as a version 1-2 database stored it: the id as a plain number's text."""
    parts = key_parts(key)
    cid = parts.computer_id
    if cid is None or not (cid.isascii() and cid.isdigit()):
        return None
    return parts._replace(computer_id=str(int(cid)))


class HistoryStore:
    """Records refreshed reports and answers the detail pane's and the summary's questions.

    ``clock`` returns an aware UTC datetime (retention, default fetch times). ``message`` is a
    sentence for the user when the database had to be recovered or history is off. ``pause`` is
    called now and then while recording and warming up (on the recording thread).
    """

    def __init__(
        self,
        path: Path,
        clock: Clock = _utc_now,
        retention: timedelta = DEFAULT_RETENTION,
        *,
        database: Database | None = None,
        pause: Callable[[], None] = unpaced,
    ) -> None:
        self._clock = clock
        self.retention = retention
        self.database = database if database is not None else Database(path, clock)
        self._pause = pause
        self._content: dict[RowKey, tuple[int, _Content]] | None = None
        self._present: Collection[RowKey] = set()
        self._missing: set[RowKey] = set()
        self._numeric: set[RowKey] = set()  # keys of sets stored with a version 1-2 numeric id
        self._next_set_id = 1
        self._last_purge: datetime | None = None

    @property
    def path(self) -> Path:
        return self.database.path

    @property
    def available(self) -> bool:
        return self.database.available

    @property
    def message(self) -> str | None:
        return self.database.message

    def close(self) -> None:
        self.database.close()

    # -- recording ------------------------------------------------------------------------------

    def record(
        self, report: Report | Iterable[BackupStatusRow], fetched_at: datetime | None = None
    ) -> RecordResult:
        """Store what changed since the last recorded report (see module docstring).

        ``fetched_at`` defaults to the report's own, then to the clock. Raises ``sqlite3.Error``
        only for an unexpected database failure; nothing is cached from a failed write.
        """
        started = time.perf_counter()
        if isinstance(report, Report):
            fetched_at = fetched_at or report.fetched_at
            rows: Iterable[BackupStatusRow] = report.rows
        else:
            rows = report
        when = int(_ts(fetched_at or self._clock()))
        if not self.database.available:
            return RecordResult(0, 0, 0, 0, 0, 0.0)
        detectable = report.missing_detectable if isinstance(report, Report) else True
        pause = self._pause
        content = self._load_content()
        get = content.get
        current: dict[RowKey, BackupStatusRow] = {}
        keep = current.setdefault
        for i, row in enumerate(rows):
            key = row_key(row)
            held = keep(key, row)
            if held is not row and status_severity(row.condition_status) < status_severity(
                held.condition_status
            ):
                current[key] = row  # listed twice: keep the worse
            if not i % _PAUSE_EVERY:
                pause()
        for key in [key for key in current if None in key]:
            del current[key]  # an unknown key cannot be followed from report to report
        renamed = self._renamed(current, content)
        changed: list[tuple[int, BackupStatusRow]] = []
        for i, (key, row) in enumerate(current.items()):
            known = get(key)
            if known is None and key in renamed:
                known = content[renamed[key]]
            if known is None or known[1] != _content(row):
                changed.append((known[0] if known is not None else 0, row))
            if not i % _PAUSE_EVERY:
                pause()
        # Comprehensions rather than set operations: one C call over 100k keys holds the GIL.
        old_keys = set(renamed.values())
        gone = (
            [key for key in self._present if key not in current and key not in old_keys]
            if detectable
            else []
        )
        pause()
        returned = [key for key in self._missing if key in current]

        new_sets: list[tuple[int, str | None, str | None, str | None, int, int]] = []
        states: list[tuple[Any, ...]] = []
        pointers: list[tuple[int, int]] = []
        set_id = self._next_set_id
        offsets: dict[Any, int] = {}
        assigned: list[tuple[RowKey, int, _Content]] = []
        for i, (known_id, row) in enumerate(changed):
            if known_id == 0:
                known_id = set_id
                set_id += 1
                new_sets.append((known_id, *row_key(row), when, when))
            else:
                pointers.append((when, known_id))
            states.append((known_id, when, *_state_values(row, offsets)))
            assigned.append((row_key(row), known_id, _content(row)))
            if not i % _PAUSE_EVERY:
                pause()

        with self.database.write() as db:
            db.execute(
                "INSERT INTO refresh (fetched_at, row_count, changed) VALUES (?, ?, ?)",
                (when, len(current), len(changed)),
            )
            for new_key, old_key in renamed.items():
                new_id = key_parts(new_key).computer_id
                db.execute(
                    "UPDATE backup_set SET computer_id = ?, numeric_id = 0, missing_since = NULL"
                    " WHERE id = ?",
                    (new_id, content[old_key][0]),
                )
                db.execute(
                    "UPDATE acknowledgement SET computer_id = ? WHERE username = ?"
                    " AND computer_id = ? AND backupset_name = ?",
                    (new_id, *old_key),
                )
            self._write(
                db,
                "INSERT INTO backup_set (id, username, computer_id, backupset_name, first_seen,"
                " current_state) VALUES (?, ?, ?, ?, ?, ?)",
                new_sets,
            )
            # OR REPLACE: two refreshes within one second keep the later content.
            self._write(
                db,
                "INSERT OR REPLACE INTO state (set_id, observed_at, report_date, computer_name,"
                " start_ts, start_offset, end_ts, end_offset, condition_status, condition_types,"
                " errors, warnings) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                states,
            )
            self._write(db, "UPDATE backup_set SET current_state = ? WHERE id = ?", pointers)
            self._write(
                db,
                "UPDATE backup_set SET missing_since = ? WHERE id = ?",
                [(when, content[key][0]) for key in gone],
            )
            self._write(
                db,
                "UPDATE backup_set SET missing_since = NULL WHERE id = ?",
                [(content[key][0],) for key in returned],
            )
        # Only now, after the commit, does memory follow the database.
        for new_key, old_key in renamed.items():
            content[new_key] = content.pop(old_key)
            self._numeric.discard(old_key)
            self._missing.discard(old_key)
        if renamed:
            log.info("History: %d sets now named by their text computer id", len(renamed))
        self._next_set_id = set_id
        for i, (key, known_id, values) in enumerate(assigned):
            content[key] = (known_id, values)
            if not i % _PAUSE_EVERY:
                pause()
        self._missing.difference_update(returned)
        self._missing.update(gone)
        # A report that cannot tell what is missing adds to what is known to be present.
        self._present = current if detectable else {*self._present, *current}
        self._maybe_purge()
        return RecordResult(
            len(current),
            len(new_sets),
            len(changed) - len(new_sets),
            len(gone),
            len(returned),
            time.perf_counter() - started,
        )

    def _renamed(
        self, current: dict[RowKey, BackupStatusRow], content: dict[RowKey, tuple[int, _Content]]
    ) -> dict[RowKey, RowKey]:
        """New key -> stored key, for the sets stored with a numeric id that this report names
        with leading zeros (see the module docstring)."""
        if not self._numeric:
            return {}
        found: dict[RowKey, RowKey] = {}
        for key in current:
            if key in content:
                continue
            old = _numeric_form(key)
            if old is not None and old in self._numeric and old in content and old not in current:
                found[key] = old
        return found

    def _write(self, db: sqlite3.Connection, sql: str, rows: Sequence[tuple[Any, ...]]) -> None:
        """``executemany`` in batches, pausing between them."""
        for start in range(0, len(rows), WRITE_BATCH):
            db.executemany(sql, rows[start : start + WRITE_BATCH])
            self._pause()

    @property
    def known_sets(self) -> int:
        """How many sets the in-memory cache holds (0 before the first record or warm-up)."""
        return len(self._content) if self._content is not None else 0

    def warm_up(self) -> None:
        """Load the last content of every set now (about 0.6 s at 100k sets), so the first
        ``record`` after start is as cheap as any other. Call it on the recording thread while
        the first report is being fetched."""
        if self.database.available:
            self._load_content()

    def _load_content(self) -> dict[RowKey, tuple[int, _Content]]:
        """The last content of every known set, read once (on the recording thread)."""
        if self._content is not None:
            return self._content
        content: dict[RowKey, tuple[int, _Content]] = {}
        present: set[RowKey] = set()
        missing: set[RowKey] = set()
        with self.database.write() as db:
            cursor = db.execute(
                "SELECT b.id, b.username, b.computer_id, b.backupset_name, b.missing_since,"
                " s.start_ts, s.start_offset, s.end_ts, s.end_offset, s.condition_status,"
                " s.condition_types, s.errors, s.warnings, b.numeric_id FROM backup_set b"
                " JOIN state s ON s.set_id = b.id AND s.observed_at = b.current_state"
            )
            # A few distinct statuses, type lists and offsets: parse each once.
            statuses: dict[str | None, str | None] = {}
            type_lists: dict[str | None, tuple[str, ...] | None] = {}
            numeric: set[RowKey] = set()
            zones: dict[int | None, tzinfo] = {}
            stamp = datetime.fromtimestamp
            pause = self._pause
            for i, (
                set_id,
                user,
                cid,
                name,
                gone,
                st,
                so,
                et,
                eo,
                status,
                types,
                e,
                w,
                numeric_id,
            ) in enumerate(cursor):
                if not i % _PAUSE_EVERY:
                    pause()
                key = (user, cid, name)
                if numeric_id:
                    numeric.add(key)
                if st is not None:
                    zone = zones.get(so) or zones.setdefault(so, _zone(so or 0))
                    start: datetime | None = stamp(st, zone)
                else:
                    start = None
                if et is not None:
                    zone = zones.get(eo) or zones.setdefault(eo, _zone(eo or 0))
                    end: datetime | None = stamp(et, zone)
                else:
                    end = None
                if status in statuses:
                    canon = statuses[status]
                else:
                    canon = statuses[status] = _status(status)
                if types in type_lists:
                    kinds = type_lists[types]
                else:
                    kinds = type_lists[types] = _types(types)
                content[key] = (set_id, (start, end, canon, kinds, e, w))
                (missing if gone is not None else present).add(key)
            self._next_set_id = int(
                db.execute("SELECT IFNULL(MAX(id), 0) + 1 FROM backup_set").fetchone()[0]
            )
        self._content, self._present, self._missing = content, present, missing
        self._numeric = numeric
        return content

    # -- retention --------------------------------------------------------------------------------

    def _maybe_purge(self) -> None:
        now = self._clock()
        if self._last_purge is not None and now - self._last_purge < PURGE_INTERVAL:
            return
        self.purge(now)

    def purge(self, now: datetime | None = None) -> int:
        """Delete what is older than the retention; returns the number of state rows deleted.

        Keeps every set's current state (so its "last known" survives), and forgets sets that
        have been missing for longer than the retention (with their acknowledgements).
        """
        now = now or self._clock()
        self._last_purge = now
        if not self.database.available:
            return 0
        cutoff = int(_ts(now - self.retention))
        with self.database.write() as db:
            forgotten = db.execute(
                "SELECT id, username, computer_id, backupset_name FROM backup_set"
                " WHERE missing_since IS NOT NULL AND missing_since < ?",
                (cutoff,),
            ).fetchall()
            db.executemany("DELETE FROM state WHERE set_id = ?", [(f[0],) for f in forgotten])
            db.executemany("DELETE FROM backup_set WHERE id = ?", [(f[0],) for f in forgotten])
            db.executemany(
                "DELETE FROM acknowledgement WHERE username = ? AND computer_id = ?"
                " AND backupset_name = ?",
                [f[1:] for f in forgotten],
            )
            deleted = db.execute(
                "DELETE FROM state WHERE observed_at < :cutoff AND observed_at != (SELECT"
                " current_state FROM backup_set WHERE backup_set.id = state.set_id)",
                {"cutoff": cutoff},
            ).rowcount
            db.execute("DELETE FROM refresh WHERE fetched_at < ?", (cutoff,))
        if self._content is not None:
            for f in forgotten:
                key = (f[1], f[2], f[3])
                self._content.pop(key, None)
                self._missing.discard(key)
                self._numeric.discard(key)
        return int(deleted)

    # -- queries (reader connection; safe from the GUI thread) -----------------------------------

    def states(self, key: RowKey) -> list[StateRecord]:
        """Every stored state of ``key``, oldest first."""
        if not self.database.available:
            return []
        with self.database.read() as db:
            return self._states(db, key)

    def _states(self, db: sqlite3.Connection, key: RowKey) -> list[StateRecord]:
        cursor = db.execute(
            f"SELECT s.observed_at, {_STATE_COLUMNS} FROM state s JOIN backup_set b"
            " ON b.id = s.set_id"
            " WHERE b.username = ? AND b.computer_id = ? AND b.backupset_name = ?"
            " ORDER BY s.observed_at",
            key,
        )
        return [
            StateRecord(datetime.fromtimestamp(observed, UTC), _row(key, values))
            for observed, *values in cursor
        ]

    def set_history(
        self,
        key: RowKey,
        days: int = 30,
        tz: tzinfo | None = None,
        today: date | None = None,
        run_limit: int = 50,
    ) -> SetHistory:
        """The detail pane's view of ``key``: day strip, runs, failing since, last success."""
        if not self.database.available:
            return SetHistory((), (), None, None)
        with self.database.read() as db:
            states = self._states(db, key)
            info = db.execute(
                "SELECT first_seen, missing_since FROM backup_set WHERE username = ?"
                " AND computer_id = ? AND backupset_name = ?",
                key,
            ).fetchone()
        run_list = runs(states)
        today = today or self._clock().astimezone(tz).date()
        return SetHistory(
            days=tuple(day_strip(states, today, days, tz)),
            runs=tuple(run_list[:run_limit]),
            failing_since=failing_since(run_list),
            last_success=last_success(run_list),
            first_seen=_from_ts(info[0]) if info else None,
            missing_since=_from_ts(info[1]) if info else None,
        )

    def history_for(
        self, key: RowKey, days: int = 30, tz: tzinfo | None = None, today: date | None = None
    ) -> list[tuple[date, str | None]]:
        """(day, worst status or ``None``) for the last ``days`` days, oldest first."""
        return [(d.day, d.worst) for d in self.set_history(key, days, tz, today).days]

    def failing_since(self, key: RowKey) -> datetime | None:
        return failing_since(runs(self.states(key)))

    def last_success(self, key: RowKey) -> datetime | None:
        return last_success(runs(self.states(key)))

    def runs(self, key: RowKey, limit: int = 50) -> list[StateRecord]:
        """The runs seen for ``key``, newest first (each run's last observed state)."""
        return runs(self.states(key))[:limit]

    def missing_sets(self) -> list[MissingSet]:
        """Sets absent from the latest recorded report, with their last known row."""
        if not self.database.available:
            return []
        with self.database.read() as db:
            found = db.execute(
                "SELECT b.username, b.computer_id, b.backupset_name, b.missing_since,"
                " (SELECT MAX(fetched_at) FROM refresh WHERE fetched_at < b.missing_since),"
                f" {_STATE_COLUMNS} FROM backup_set b"
                " JOIN state s ON s.set_id = b.id AND s.observed_at = b.current_state"
                " WHERE b.missing_since IS NOT NULL ORDER BY b.username, b.computer_id,"
                " b.backupset_name"
            ).fetchall()
        result = []
        for user, cid, name, since, last_seen, *values in found:
            key = (user, cid, name)
            missing_since = datetime.fromtimestamp(since, UTC)
            result.append(MissingSet(key, _row(key, values), _from_ts(last_seen), missing_since))
        return result

    def last_refresh(self) -> datetime | None:
        if not self.database.available:
            return None
        with self.database.read() as db:
            return _from_ts(db.execute("SELECT MAX(fetched_at) FROM refresh").fetchone()[0])

    def last_report(self) -> Report | None:
        """The last recorded report as the history holds it: each set it listed, with its last
        recorded state, ``fetched_at`` the refresh that recorded it (``source`` "history").
        ``None`` before the first refresh. Shown at start, before the first fetch returns."""
        if not self.database.available:
            return None
        with self.database.read() as db:
            last = db.execute("SELECT MAX(fetched_at) FROM refresh").fetchone()[0]
            if last is None:
                return None
            found = db.execute(
                f"SELECT b.username, b.computer_id, b.backupset_name, {_STATE_COLUMNS}"
                " FROM backup_set b JOIN state s ON s.set_id = b.id"
                " AND s.observed_at = b.current_state WHERE b.missing_since IS NULL"
                " ORDER BY b.id"
            ).fetchall()
        rows = []
        for i, (user, cid, name, *values) in enumerate(found):
            if not i % _PAUSE_EVERY:
                self._pause()
            rows.append(_row((user, cid, name), values))
        return Report(
            tuple(rows),
            page_size=len(rows),
            count=len(rows),
            fetched_at=_from_ts(last),
            source=HISTORY_SOURCE,
        )

    def success_rates(self, now: datetime | None = None) -> dict[str, SuccessRates]:
        """Per customer: completed / finished runs that ended in the last 7 and 30 days.

        A run counts once, with its last observed status; RUNNING and unended states are not
        finished runs. Customers without a finished run in 30 days are absent.
        """
        if not self.database.available:
            return {}
        now_ts = _ts(now or self._clock())
        t7, t30 = now_ts - 7 * 86400, now_ts - 30 * 86400
        completed = ConditionStatus.COMPLETED.value
        with self.database.read() as db:
            found = db.execute(
                # SQLite: with MAX(), bare columns come from the row holding the maximum, i.e.
                # each run's last observed state.
                "SELECT username, SUM(end_ts >= :t7), SUM(end_ts >= :t7 AND status = :ok),"
                " COUNT(*), SUM(status = :ok) FROM ("
                "  SELECT b.username AS username, s.condition_status AS status, s.end_ts AS end_ts,"
                "   MAX(s.observed_at) FROM state s JOIN backup_set b ON b.id = s.set_id"
                "  WHERE s.end_ts >= :t30 AND s.end_ts <= :now AND s.condition_status != :run"
                "  GROUP BY s.set_id, s.start_ts"
                ") GROUP BY username",
                {"t7": t7, "t30": t30, "now": now_ts, "ok": completed, "run": "RUNNING"},
            ).fetchall()
        return {
            user: SuccessRates(ok7 / n7 if n7 else None, ok30 / n30 if n30 else None)
            for user, n7, ok7, n30, ok30 in found
        }

    def size_bytes(self) -> int:
        """The database file plus its WAL, for the benchmark and the settings page."""
        total = 0
        for suffix in ("", "-wal"):
            side = self.path.with_name(self.path.name + suffix)
            if side.exists():
                total += side.stat().st_size
        return total


_STATE_COLUMNS = (
    "s.report_date, s.computer_name, s.start_ts, s.start_offset, s.end_ts, s.end_offset,"
    " s.condition_status, s.condition_types, s.errors, s.warnings"
)


def _memo_offset(value: datetime, offsets: dict[Any, int]) -> int:
    """The offset in minutes; memoised for fixed-offset zones only (a DST zone's varies)."""
    zone = value.tzinfo
    offset = offsets.get(zone)
    if offset is None:
        offset = _offset_minutes(value)
        if type(zone) is timezone:
            offsets[zone] = offset
    return offset


def _state_values(row: BackupStatusRow, offsets: dict[Any, int]) -> tuple[Any, ...]:
    """The ``state`` columns after (set_id, observed_at) for ``row``; ``offsets`` is a memo of
    minutes per ``tzinfo`` (rows share their zone objects, so it stays tiny)."""
    start, end = row.local_start, row.local_end
    if start is not None:
        start_values: tuple[Any, Any] = (_seconds(start), _memo_offset(start, offsets))
    else:
        start_values = (None, None)
    if end is not None:
        end_values: tuple[Any, Any] = (_seconds(end), _memo_offset(end, offsets))
    else:
        end_values = (None, None)
    status, types = row.condition_status, row.condition_types
    return (
        None if row.report_date is None else _seconds(row.report_date),
        row.computer_name,
        *start_values,
        *end_values,
        None if status is None else str(status),
        None if types is None else _TYPES_SEPARATOR.join(types),
        row.errors,
        row.warnings,
    )


def _row(key: RowKey, values: Iterable[Any]) -> BackupStatusRow:
    """Rebuild a row from ``key`` and the ``_STATE_COLUMNS``; ``report_date`` comes back in UTC."""
    report_date, computer_name, st, so, et, eo, status, types, errors, warnings = values
    parts = key_parts(key)
    return BackupStatusRow(
        _from_ts(report_date),
        parts.username,
        parts.computer_id,
        computer_name,
        parts.backupset_name,
        _local(st, so),
        _local(et, eo),
        _status(status),
        _types(types),
        errors,
        warnings,
    )
