"""The history's questions, asked through the reader connection (safe from the GUI thread).

Split from ``storage.history``: ``HistoryStore`` records (on its worker thread) and inherits
these queries, which only read what the recording committed: the detail pane's one-set
questions, the missing sets, the last recorded report shown at start, the success rates.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path

from desktop_app.report.rows import BackupStatusRow, Report, RowKey
from desktop_app.report.status import ConditionStatus
from desktop_app.report.timeline import (
    SetHistory,
    StateRecord,
    day_strip,
    failing_since,
    last_success,
    runs,
)
from desktop_app.storage.database import Database
from desktop_app.storage.history_codec import STATE_COLUMNS, aware_ts, from_ts, row_from_state

__all__ = ["HISTORY_SOURCE", "HistoryReader", "MissingSet", "SuccessRates"]

HISTORY_SOURCE = "history"
"""``Report.source`` of the last recorded report read back (``HistoryReader.last_report``)."""
PAUSE_EVERY = 64  # rows between calls of ``pause`` (well under a millisecond of work)


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


class HistoryReader:
    """The queries of ``HistoryStore``; the store sets ``database``, ``_clock`` and ``_pause``."""

    database: Database
    _clock: Callable[[], datetime]
    _pause: Callable[[], None]

    @property
    def path(self) -> Path:
        return self.database.path

    def states(self, key: RowKey) -> list[StateRecord]:
        """Every stored state of ``key``, oldest first."""
        if not self.database.available:
            return []
        with self.database.read() as db:
            return self._states(db, key)

    def _states(self, db: sqlite3.Connection, key: RowKey) -> list[StateRecord]:
        cursor = db.execute(
            f"SELECT s.observed_at, {STATE_COLUMNS} FROM state s JOIN backup_set b"
            " ON b.id = s.set_id"
            " WHERE b.username = ? AND b.computer_id = ? AND b.backupset_name = ?"
            " ORDER BY s.observed_at",
            key,
        )
        return [
            StateRecord(datetime.fromtimestamp(observed, UTC), row_from_state(key, values))
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
            first_seen=from_ts(info[0]) if info else None,
            missing_since=from_ts(info[1]) if info else None,
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
                f" b.partner, {STATE_COLUMNS} FROM backup_set b"
                " JOIN state s ON s.set_id = b.id AND s.observed_at = b.current_state"
                " WHERE b.missing_since IS NOT NULL ORDER BY b.username, b.computer_id,"
                " b.backupset_name"
            ).fetchall()
        result = []
        for user, cid, name, since, last_seen, partner, *values in found:
            key = (user, cid, name)
            row = row_from_state(key, values)._replace(partner=partner)  # last attributed
            missing_since = datetime.fromtimestamp(since, UTC)
            result.append(MissingSet(key, row, from_ts(last_seen), missing_since))
        return result

    def last_refresh(self) -> datetime | None:
        if not self.database.available:
            return None
        with self.database.read() as db:
            return from_ts(db.execute("SELECT MAX(fetched_at) FROM refresh").fetchone()[0])

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
                f"SELECT b.username, b.computer_id, b.backupset_name, {STATE_COLUMNS}"
                " FROM backup_set b JOIN state s ON s.set_id = b.id"
                " AND s.observed_at = b.current_state WHERE b.missing_since IS NULL"
                " ORDER BY b.id"
            ).fetchall()
        rows = []
        for i, (user, cid, name, *values) in enumerate(found):
            if not i % PAUSE_EVERY:
                self._pause()
            rows.append(row_from_state((user, cid, name), values))
        return Report(
            tuple(rows),
            page_size=len(rows),
            count=len(rows),
            fetched_at=from_ts(last),
            source=HISTORY_SOURCE,
        )

    def success_rates(self, now: datetime | None = None) -> dict[str, SuccessRates]:
        """Per customer: completed / finished runs that ended in the last 7 and 30 days.

        A run counts once, with its last observed status; RUNNING and unended states are not
        finished runs. Customers without a finished run in 30 days are absent.
        """
        if not self.database.available:
            return {}
        now_ts = aware_ts(now or self._clock())
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
