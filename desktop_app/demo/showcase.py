"""The demo's rhythm showcase: four backup sets of one customer with 30 days of history, so
learned rhythms, an overdue set and a repeated failure show within a minute of ``--demo``.

* ``SQL01 / SQL Hourly`` ran every hour and stopped five hours before the demo started: overdue
  by its rhythm while the 26 h stale threshold would stay silent for another day.
* ``FS01 / Files Nightly`` runs every night: on time.
* ``ARCHIVE / Weekly Archive`` runs once a week, last three days ago: past the 26 h threshold,
  yet not stale, because once a week is its rhythm.
* ``EXCH01 / Exchange`` has failed the last four nights: a repeated failure (3 runs in a row).

``showcase_rows`` are the sets as the demo report lists them (fixed at the start: the demo's
simulation never touches them); ``seed_history`` records their past into a new demo history.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING

from desktop_app.report.rows import BackupStatusRow, Report
from desktop_app.report.status import ConditionStatus, ConditionType

if TYPE_CHECKING:
    from desktop_app.storage.history import HistoryStore

__all__ = ["SHOWCASE_USER", "seed_history", "showcase_rows"]

SHOWCASE_USER = "northwind-traders"
_ZONE = timezone(timedelta(hours=-5))
_HOUR, _DAY = 3600, 86400
_S, _T = ConditionStatus, ConditionType

# (computer id, computer, backup set, interval, runs, quiet before the start, failing last runs)
_SETS = (
    ("0090001", "SQL01", "SQL Hourly", _HOUR, 72, 5 * _HOUR, 0),
    ("0090002", "FS01", "Files Nightly", _DAY, 30, 7 * _HOUR, 0),
    ("0090003", "ARCHIVE", "Weekly Archive", 7 * _DAY, 6, 3 * _DAY, 0),
    ("0090004", "EXCH01", "Exchange", _DAY, 30, 6 * _HOUR, 4),
)


def _run(index: int, start: float, failed: bool) -> BackupStatusRow:
    cid, computer, name = _SETS[index][:3]
    began = datetime.fromtimestamp(start, _ZONE)
    ended = began + timedelta(minutes=12)
    status, types = (_S.FAILURE, (_T.ERRORS,)) if failed else (_S.COMPLETED, (_T.COMPLETED,))
    day = ended.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return BackupStatusRow(
        day, SHOWCASE_USER, cid, computer, name, began, ended, status, types, 3 * failed, 0
    )


def _runs(index: int, now: float) -> Iterator[BackupStatusRow]:
    """Set ``index``'s runs, oldest first, the newest ``quiet`` seconds before ``now`` (to the
    minute, so the demo server's rows and the seeded history agree on the same runs)."""
    _cid, _computer, _name, interval, count, quiet, failing = _SETS[index]
    last = now // 60 * 60 - quiet
    for n in range(count - 1, -1, -1):
        yield _run(index, last - n * interval, failed=n < failing)


def showcase_rows(now: datetime) -> tuple[BackupStatusRow, ...]:
    """The four sets' latest runs as of ``now`` (what the demo report lists)."""
    ts = now.timestamp()
    return tuple(list(_runs(i, ts))[-1] for i in range(len(_SETS)))


def seed_history(store: HistoryStore, now: datetime) -> int:
    """Record the sets' past runs into ``store`` when it has never recorded a refresh (a new
    demo history); returns the number of reports recorded (0: it had a history already).

    Each past moment is recorded as the report the demo would have shown then: every set's
    latest run so far, so no set goes "missing" between them."""
    if not store.available or store.last_refresh() is not None:
        return 0
    ts = now.timestamp()
    events = sorted(
        (run.local_end, i, run)
        for i in range(len(_SETS))
        for run in _runs(i, ts)
        if run.local_end is not None
    )
    latest: dict[int, BackupStatusRow] = {}
    recorded = 0
    for ended, i, run in events:
        latest[i] = run
        store.record(Report(tuple(latest.values()), fetched_at=ended + timedelta(minutes=5)))
        recorded += 1
    return recorded
