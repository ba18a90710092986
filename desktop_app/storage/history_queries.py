"""Whole-history questions for the exports, each one SQL query over the history database.

Kept beside ``storage.history`` rather than in it: these serve exports (every set at once), not
the recording or the detail pane's one-set questions. Both read through the reader connection,
so they are safe on an export's worker thread while a refresh is being recorded.
"""

from __future__ import annotations

from datetime import UTC, datetime

from desktop_app.report.rows import RowKey
from desktop_app.report.status import ConditionStatus
from desktop_app.storage.database import Database

__all__ = ["history_days", "last_successes"]


def last_successes(database: Database) -> dict[RowKey, datetime]:
    """When each set's newest COMPLETED run ended (aware UTC); sets without one are absent.

    One query for all sets (the CSV export's "Last successful backup" column, where asking per
    set would take seconds at 100k rows). A state counts with its own status; the detail pane's
    ``timeline.last_success`` judges each run by its last state, which differs only for a run
    recorded as completed and later corrected.
    """
    if not database.available:
        return {}
    with database.read() as db:
        found = db.execute(
            "SELECT b.username, b.computer_id, b.backupset_name, MAX(s.end_ts) FROM state s"
            " JOIN backup_set b ON b.id = s.set_id"
            " WHERE s.condition_status = ? AND s.end_ts IS NOT NULL GROUP BY s.set_id",
            (ConditionStatus.COMPLETED.value,),
        ).fetchall()
    return {(user, cid, name): datetime.fromtimestamp(ts, UTC) for user, cid, name, ts in found}


def history_days(database: Database, now: datetime) -> dict[str, float]:
    """Per customer, how many days back its recorded history reaches (since the first of its
    sets was first recorded): what a success rate over a window can really be based on."""
    if not database.available:
        return {}
    with database.read() as db:
        found = db.execute(
            "SELECT username, MIN(first_seen) FROM backup_set GROUP BY username"
        ).fetchall()
    now_ts = now.timestamp()
    return {user: max(0.0, (now_ts - first) / 86400) for user, first in found if first is not None}
