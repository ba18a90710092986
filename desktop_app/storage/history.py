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

Each run is also kept as one ``run`` row, and what a set's runs teach (its rhythm, its failure
streak) is relearned for the sets a record saw run (see ``storage.runs``).

Split in three: this module records; ``storage.history_reader`` asks (the queries, inherited);
``storage.history_codec`` is how both encode a row.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any, NamedTuple

from desktop_app.report.rows import BackupStatusRow, Report, RowKey, key_parts, row_key
from desktop_app.report.status import status_severity
from desktop_app.runtime.pacing import paced, unpaced
from desktop_app.storage.database import Database
from desktop_app.storage.history_codec import (
    Content,
    aware_ts,
    content_of,
    numeric_form,
    parse_status,
    parse_types,
    state_values,
    zone_of,
)
from desktop_app.storage.history_partners import SET_PARTNER, follow_partners, missing_now
from desktop_app.storage.history_reader import (
    HISTORY_SOURCE,
    PAUSE_EVERY,
    HistoryReader,
    MissingSet,
    SuccessRates,
)
from desktop_app.storage.runs import (
    UPSERT_RUN,
    Learned,
    learn_all,
    learn_sets,
    load_learned,
    purge_runs,
    run_values,
    save_learned,
)

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
DEMO_HISTORY_FILE_NAME = "demo-history.sqlite3"
DEFAULT_RETENTION = timedelta(days=90)
PURGE_INTERVAL = timedelta(hours=1)
WRITE_BATCH = 128  # rows per executemany: the GIL is held while binding, and pauses come between

Clock = Callable[[], datetime]


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


class HistoryStore(HistoryReader):
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
        self._content: dict[RowKey, tuple[int, Content]] | None = None
        self._present: Collection[RowKey] = set()
        self._missing: set[RowKey] = set()
        self._numeric: set[RowKey] = set()  # keys of sets stored with a version 1-2 numeric id
        self._partner: dict[RowKey, str] = {}  # a set's partner when not the account's own
        self._next_set_id = 1
        self._last_purge: datetime | None = None
        self._learned: Mapping[RowKey, Learned] = {}  # replaced whole, never changed in place

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
        when = int(aware_ts(fetched_at or self._clock()))
        if not self.database.available:
            return RecordResult(0, 0, 0, 0, 0, 0.0)
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
            if not i % PAUSE_EVERY:
                pause()
        for key in [key for key in current if None in key]:
            del current[key]  # an unknown key cannot be followed from report to report
        renamed = self._renamed(current, content)
        changed: list[tuple[int, BackupStatusRow]] = []
        owner = self._partner
        moved: list[tuple[RowKey, str | None]] = []  # known sets now another partner's
        for i, (key, row) in enumerate(current.items()):
            known = get(key)
            if known is None and key in renamed:
                known = content[renamed[key]]
            if known is None or known[1] != content_of(row):
                changed.append((known[0] if known is not None else 0, row))
            if known is not None and row.partner != owner.get(renamed.get(key, key)):
                moved.append((key, row.partner))
            if not i % PAUSE_EVERY:
                pause()
        # Comprehensions rather than set operations: one C call over 100k keys holds the GIL.
        old_keys = set(renamed.values())
        absent = [key for key in self._present if key not in current and key not in old_keys]
        gone, present_after = missing_now(absent, report, owner, current, self._present)
        pause()
        returned = [key for key in self._missing if key in current]

        new_sets: list[tuple[int, str | None, str | None, str | None, int, int, str | None]] = []
        states: list[tuple[Any, ...]] = []
        pointers: list[tuple[int, int]] = []
        set_id = self._next_set_id
        offsets: dict[Any, int] = {}
        assigned: list[tuple[RowKey, int, Content]] = []
        runs: list[tuple[int, int, str | None]] = []
        for i, (known_id, row) in enumerate(changed):
            if known_id == 0:
                known_id = set_id
                set_id += 1
                new_sets.append((known_id, *row_key(row), when, when, row.partner))
            else:
                pointers.append((when, known_id))
            states.append((known_id, when, *state_values(row, offsets)))
            run = run_values(known_id, row)
            if run is not None:
                runs.append(run)
            assigned.append((row_key(row), known_id, content_of(row)))
            if not i % PAUSE_EVERY:
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
                " current_state, partner) VALUES (?, ?, ?, ?, ?, ?, ?)",
                new_sets,
            )
            moves = [(partner, content[renamed.get(key, key)][0]) for key, partner in moved]
            self._write(db, SET_PARTNER, moves)
            # OR REPLACE: two refreshes within one second keep the later content.
            self._write(
                db,
                "INSERT OR REPLACE INTO state (set_id, observed_at, report_date, computer_name,"
                " start_ts, start_offset, end_ts, end_offset, condition_status, condition_types,"
                " errors, warnings) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                states,
            )
            self._write(db, UPSERT_RUN, runs)
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
            if not i % PAUSE_EVERY:
                pause()
        new_partners = [((u, c, n), p) for _i, u, c, n, _f, _s, p in new_sets]
        follow_partners(owner, renamed, new_partners, moved)
        if runs:
            self._relearn({run[0] for run in runs}, assigned, when)
        self._missing.difference_update(returned)
        self._missing.update(gone)
        self._present = present_after
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
        self, current: dict[RowKey, BackupStatusRow], content: dict[RowKey, tuple[int, Content]]
    ) -> dict[RowKey, RowKey]:
        """New key -> stored key, for the sets stored with a numeric id that this report names
        with leading zeros (see the module docstring)."""
        if not self._numeric:
            return {}
        found: dict[RowKey, RowKey] = {}
        for key in current:
            if key in content:
                continue
            old = numeric_form(key)
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

    def _load_content(self) -> dict[RowKey, tuple[int, Content]]:
        """The last content of every known set, read once (on the recording thread)."""
        if self._content is not None:
            return self._content
        content: dict[RowKey, tuple[int, Content]] = {}
        present: set[RowKey] = set()
        missing: set[RowKey] = set()
        with self.database.write() as db:
            cursor = db.execute(
                "SELECT b.id, b.username, b.computer_id, b.backupset_name, b.missing_since,"
                " s.start_ts, s.start_offset, s.end_ts, s.end_offset, s.condition_status,"
                " s.condition_types, s.errors, s.warnings, b.numeric_id, b.partner"
                " FROM backup_set b"
                " JOIN state s ON s.set_id = b.id AND s.observed_at = b.current_state"
            )
            # A few distinct statuses, type lists and offsets: parse each once.
            statuses: dict[str | None, str | None] = {}
            type_lists: dict[str | None, tuple[str, ...] | None] = {}
            numeric: set[RowKey] = set()
            owner: dict[RowKey, str] = {}
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
                partner,
            ) in enumerate(cursor):
                if not i % PAUSE_EVERY:
                    pause()
                key = (user, cid, name)
                if numeric_id:
                    numeric.add(key)
                if partner is not None:
                    owner[key] = partner
                if st is not None:
                    zone = zones.get(so) or zones.setdefault(so, zone_of(so or 0))
                    start: datetime | None = stamp(st, zone)
                else:
                    start = None
                if et is not None:
                    zone = zones.get(eo) or zones.setdefault(eo, zone_of(eo or 0))
                    end: datetime | None = stamp(et, zone)
                else:
                    end = None
                if status in statuses:
                    canon = statuses[status]
                else:
                    canon = statuses[status] = parse_status(status)
                if types in type_lists:
                    kinds = type_lists[types]
                else:
                    kinds = type_lists[types] = parse_types(types)
                content[key] = (set_id, (start, end, canon, kinds, e, w))
                (missing if gone is not None else present).add(key)
            self._next_set_id = int(
                db.execute("SELECT IFNULL(MAX(id), 0) + 1 FROM backup_set").fetchone()[0]
            )
        self._content, self._present, self._missing = content, present, missing
        self._numeric, self._partner = numeric, owner
        self._load_learned(content)
        return content

    def _load_learned(self, content: dict[RowKey, tuple[int, Content]]) -> None:
        """What was learned so far; everything learned once for a history that has runs but
        nothing learned yet (recorded before version 4)."""
        pause = self._pause
        key_of = {set_id: key for key, (set_id, _) in paced(content.items(), pause)}
        now = aware_ts(self._clock())
        with self.database.write() as db:
            learned = load_learned(db, pause)
            if not learned and db.execute("SELECT 1 FROM run LIMIT 1").fetchone():
                learned = learn_all(db, now, pause)
                save_learned(db, learned)
        known = paced(learned.items(), pause)
        self._learned = {key_of[i]: item for i, item in known if i in key_of}

    def _relearn(
        self, set_ids: set[int], assigned: list[tuple[RowKey, int, Content]], when: int
    ) -> None:
        """Learn again the sets whose runs this record changed (see ``storage.runs``)."""
        with self.database.write() as db:
            learned = learn_sets(db, set_ids, float(when), self._pause)
            save_learned(db, learned)
        key_of = {set_id: key for key, set_id, _ in assigned if set_id in learned}
        updated = {key_of[set_id]: item for set_id, item in learned.items()}
        self._learned = {**self._learned, **updated}

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
        cutoff = int(aware_ts(now - self.retention))
        with self.database.write() as db:
            forgotten = db.execute(
                "SELECT id, username, computer_id, backupset_name FROM backup_set"
                " WHERE missing_since IS NOT NULL AND missing_since < ?",
                (cutoff,),
            ).fetchall()
            db.executemany("DELETE FROM state WHERE set_id = ?", [(f[0],) for f in forgotten])
            db.executemany("DELETE FROM run WHERE set_id = ?", [(f[0],) for f in forgotten])
            db.executemany("DELETE FROM learned WHERE set_id = ?", [(f[0],) for f in forgotten])
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
            purge_runs(db, cutoff)
        if forgotten:
            gone = {(f[1], f[2], f[3]) for f in forgotten}
            self._learned = {k: v for k, v in self._learned.items() if k not in gone}
        if self._content is not None:
            for f in forgotten:
                key = (f[1], f[2], f[3])
                self._content.pop(key, None)
                self._missing.discard(key)
                self._numeric.discard(key)
        return int(deleted)

    # -- queries (reader connection; safe from the GUI thread) -----------------------------------

    def learned(self) -> Mapping[RowKey, Learned]:
        """Each set's learned rhythm and failure streak (safe to read from any thread: the
        mapping is replaced whole after each record, never changed in place)."""
        return self._learned
