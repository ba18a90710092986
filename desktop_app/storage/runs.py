"""Each backup set's runs, what was learned from them, and the admin's rhythm overrides.

Why tables of their own: ``state`` holds a row per *change* (a run usually leaves two: running,
then its outcome), so learning 100,000 rhythms from it means grouping millions of rows on every
refresh. Instead:

* ``run`` holds one row per run, clustered by set and start (``WITHOUT ROWID``), written in the
  same transaction as the states (``HistoryStore.record`` upserts a run for every changed row
  that has a start), so a run ends with the status it was last seen with.
* ``learned`` holds each set's rhythm (``report.rhythm``) and failure streak
  (``report.escalation``), relearned only for the sets a refresh saw start or finish a run: a
  few thousand small, ordered range reads instead of everything. A set that stops running
  keeps what was learned, which is exactly what "overdue" needs. Everything is learned in one
  pass only once, for a history recorded before these tables existed (``learn_all``).

Overrides are keyed like acknowledgements (they outlive a set's history rows): an interval in
seconds replaces the learned one; ``None`` turns learning off for the set (the stale threshold
applies).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from desktop_app.report.escalation import Streak, failure_streak
from desktop_app.report.rhythm import WINDOW, Rhythm, fixed_rhythm, learn_rhythm, runs_counted
from desktop_app.report.rows import BackupStatusRow, RowKey
from desktop_app.runtime.pacing import paced, unpaced
from desktop_app.storage.database import Database

__all__ = [
    "UPSERT_RUN",
    "Learned",
    "RhythmOverrides",
    "effective_rhythms",
    "learn_all",
    "learn_sets",
    "load_learned",
    "purge_runs",
    "run_values",
    "runs_in_window",
    "streaks_of",
]

UPSERT_RUN = "INSERT OR REPLACE INTO run (set_id, start_ts, status) VALUES (?, ?, ?)"
_SEPARATOR = "\x1f"
_CHUNK = 500  # sets per grouped read (SQLite's limit on parameters is 999 on old versions)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def run_values(set_id: int, row: BackupStatusRow) -> tuple[int, int, str | None] | None:
    """The ``run`` row for a changed ``row`` of set ``set_id``; ``None`` without a start."""
    start = row.local_start
    if start is None:
        return None
    status = row.condition_status
    return (set_id, int(start.timestamp()), None if status is None else str(status))


@dataclass(frozen=True, slots=True)
class Learned:
    """What one set's runs tell: its rhythm (``None``: too few or irregular runs) and its
    failure streak."""

    rhythm: Rhythm | None
    streak: Streak


NOTHING_LEARNED = Learned(None, Streak())


def _as_datetime(seconds: float | None) -> datetime | None:
    """UTC seconds as an aware datetime; arithmetic, so it never fails on Windows."""
    return None if seconds is None else _EPOCH + timedelta(seconds=seconds)


def _learn(starts: str, statuses: str, now: float) -> Learned:
    """One set's ``Learned`` from its runs as grouped text (comma- and U+001F-joined)."""
    times = list(map(float, starts.split(",")))
    kinds = [s or None for s in statuses.split(_SEPARATOR)]
    ordered = sorted(times)
    if ordered != times:  # SQLite groups in key order; should it not, order them here
        pairs = sorted(zip(times, kinds, strict=True))
        times, kinds = ordered, [k for _, k in pairs]
    count, since = failure_streak(zip(reversed(kinds), reversed(times), strict=True))
    return Learned(learn_rhythm(times, now), Streak(count, _as_datetime(since)))


def _grouped(
    db: sqlite3.Connection, where: str, params: Sequence[object]
) -> Iterator[tuple[int, str, str]]:
    return db.execute(
        "SELECT set_id, group_concat(start_ts), group_concat(IFNULL(status, ''), char(31))"
        f" FROM run WHERE {where} GROUP BY set_id",
        params,
    )


def learn_sets(
    db: sqlite3.Connection, set_ids: Iterable[int], now: float, pause: Callable[[], None]
) -> dict[int, Learned]:
    """Relearn ``set_ids`` from their runs in the learning window (range reads by set)."""
    since = int(now - WINDOW.total_seconds())
    ids = sorted(set(set_ids))
    found: dict[int, Learned] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        marks = ",".join("?" * len(chunk))
        for set_id, starts, statuses in _grouped(
            db, f"set_id IN ({marks}) AND start_ts >= ?", [*chunk, since]
        ):
            found[set_id] = _learn(starts, statuses, now)
            pause()
    return {set_id: found.get(set_id, NOTHING_LEARNED) for set_id in ids}


def learn_all(db: sqlite3.Connection, now: float, pause: Callable[[], None]) -> dict[int, Learned]:
    """Learn every set at once (a history recorded before the ``run`` table learned nothing)."""
    since = int(now - WINDOW.total_seconds())
    found: dict[int, Learned] = {}
    for set_id, starts, statuses in _grouped(db, "start_ts >= ?", [since]):
        found[set_id] = _learn(starts, statuses, now)
        pause()
    return found


def save_learned(db: sqlite3.Connection, learned: dict[int, Learned]) -> None:
    db.executemany(
        "INSERT OR REPLACE INTO learned (set_id, interval, runs, last_start, allowed_gap,"
        " changed, streak, streak_since) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [_values(set_id, item) for set_id, item in learned.items()],
    )


def _values(set_id: int, item: Learned) -> tuple[object, ...]:
    r, streak = item.rhythm, item.streak
    since = None if streak.since is None else streak.since.timestamp()
    if r is None:
        return (set_id, None, None, None, None, 0, streak.runs, since)
    return (
        set_id,
        r.interval,
        r.runs,
        r.last_start,
        r.allowed_gap,
        int(r.schedule_changed),
        streak.runs,
        since,
    )


def load_learned(db: sqlite3.Connection, pause: Callable[[], None] = unpaced) -> dict[int, Learned]:
    """Everything learned so far, by set id; ``pause`` between slices of rows (the warm-up at
    a start builds three objects per set: hundreds of milliseconds at 100k sets)."""
    found: dict[int, Learned] = {}
    learned = db.execute(
        "SELECT set_id, interval, runs, last_start, allowed_gap, changed, streak, streak_since"
        " FROM learned"
    )
    for set_id, interval, runs, last, allowed, changed, streak, since in paced(learned, pause):
        rhythm = None if interval is None else Rhythm(interval, runs, last, allowed, bool(changed))
        found[set_id] = Learned(rhythm, Streak(streak, _as_datetime(since)))
    return found


def purge_runs(db: sqlite3.Connection, cutoff: int) -> int:
    """Forget runs that started before ``cutoff``, but never a set's newest run."""
    return int(
        db.execute(
            "DELETE FROM run WHERE start_ts < :cutoff AND start_ts != (SELECT MAX(start_ts)"
            " FROM run newest WHERE newest.set_id = run.set_id)",
            {"cutoff": cutoff},
        ).rowcount
    )


class RhythmOverrides:
    """The admin's rhythm per set: an interval in seconds, or ``None`` for "learning off"."""

    def __init__(self, database: Database) -> None:
        self._db = database

    def all(self) -> dict[RowKey, float | None]:
        if not self._db.available:
            return {}
        with self._db.read() as db:
            found = db.execute(
                "SELECT username, computer_id, backupset_name, interval FROM rhythm_override"
            ).fetchall()
        return {(user, cid, name): interval for user, cid, name, interval in found}

    def set(self, key: RowKey, interval: float | None) -> None:
        """Fix ``key``'s rhythm at ``interval`` seconds (``None``: do not learn one)."""
        if None in key:
            raise ValueError("part of this backup set's name could not be read")
        if interval is not None and interval <= 0:
            raise ValueError("an interval must be positive")
        with self._db.write() as db:
            db.execute(
                "INSERT OR REPLACE INTO rhythm_override (username, computer_id, backupset_name,"
                " interval) VALUES (?, ?, ?, ?)",
                (*key, interval),
            )

    def clear(self, key: RowKey) -> None:
        """Learn ``key``'s rhythm again."""
        with self._db.write() as db:
            db.execute(
                "DELETE FROM rhythm_override WHERE username = ? AND computer_id = ?"
                " AND backupset_name = ?",
                key,
            )


def effective_rhythms(
    learned: Mapping[RowKey, Learned],
    overrides: Mapping[RowKey, float | None],
    pause: Callable[[], None] = unpaced,
) -> dict[RowKey, Rhythm]:
    """The rhythm each set is judged by: the learned one, an admin's interval instead
    (``fixed_rhythm``, counted from the learned last run), none where learning is off.
    ``pause``: a paced worker's rest, between slices of the learned sets."""
    rhythms = {
        key: item.rhythm for key, item in paced(learned.items(), pause) if item.rhythm is not None
    }
    for key, interval in overrides.items():
        if interval is None:
            rhythms.pop(key, None)
        else:
            item = learned.get(key)
            rhythms[key] = fixed_rhythm(interval, item.rhythm if item is not None else None)
    return rhythms


def streaks_of(
    learned: Mapping[RowKey, Learned], pause: Callable[[], None] = unpaced
) -> dict[RowKey, Streak]:
    """The sets failing now (at least one failed run in a row), for the escalation rule."""
    return {key: item.streak for key, item in paced(learned.items(), pause) if item.streak.runs}


def runs_in_window(database: Database, key: RowKey, now: float) -> int:
    """How many distinct runs of ``key`` the learning window holds ("3 of 5" runs to learn)."""
    if not database.available:
        return 0
    with database.read() as db:
        found = db.execute(
            "SELECT start_ts FROM run JOIN backup_set b ON b.id = run.set_id WHERE b.username = ?"
            " AND b.computer_id = ? AND b.backupset_name = ? AND start_ts >= ? ORDER BY start_ts",
            (*key, int(now - WINDOW.total_seconds())),
        ).fetchall()
    return runs_counted([float(start) for (start,) in found], now)
