"""Acknowledgements ("I know, I'm on it") in the history database.

Stored by row key, in the same file as the history so one backup keeps both. Whether an
acknowledgement still holds is the domain's rule (``report.derived.Acknowledgement.holds``);
this store keeps them and deletes the ones the domain has declared void. Writes go through the
writer connection: they are tiny, but may wait for a refresh being recorded (at most about a
second at 100k rows), so the UI may call them on a worker thread.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from desktop_app.report.derived import Acknowledgement
from desktop_app.report.rows import RowKey
from desktop_app.storage.database import Database

__all__ = ["AcknowledgementStore", "current_user"]


def current_user() -> str:
    """The OS user name; a placeholder where the platform cannot tell."""
    try:
        return getpass.getuser()
    except (OSError, KeyError, ImportError):
        return "unknown user"


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _from_ts(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


UNRECOGNISABLE = (
    "part of this backup set's name could not be read, so it cannot be recognised in the next "
    "report"
)
"""Why a set whose key has an unknown part cannot be acknowledged."""


class AcknowledgementStore:
    """Adds, lists, clears and discards acknowledgements; ``user`` names who acknowledged."""

    def __init__(
        self,
        database: Database,
        clock: Callable[[], datetime] = _utc_now,
        user: Callable[[], str] = current_user,
    ) -> None:
        self._db = database
        self._clock = clock
        self._user = user

    def acknowledge(
        self,
        key: RowKey,
        state: str,
        note: str = "",
        snooze_until: datetime | None = None,
        by: str | None = None,
    ) -> Acknowledgement:
        """Acknowledge ``key`` in problem ``state`` (replacing an earlier acknowledgement)."""
        if snooze_until is not None and snooze_until.tzinfo is None:
            raise ValueError("snooze_until must be timezone-aware")
        if None in key:
            raise ValueError(UNRECOGNISABLE)
        ack = Acknowledgement(
            key=key,
            state=state,
            note=note.strip(),
            by=by if by is not None else self._user(),
            at=self._clock(),
            snooze_until=snooze_until,
        )
        if self._db.available:
            with self._db.write() as db:
                db.execute(
                    "INSERT OR REPLACE INTO acknowledgement (username, computer_id,"
                    " backupset_name, state, note, acknowledged_by, acknowledged_at,"
                    " snooze_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        *key,
                        ack.state,
                        ack.note,
                        ack.by,
                        ack.at.timestamp(),
                        None if snooze_until is None else snooze_until.timestamp(),
                    ),
                )
        return ack

    def all(self) -> dict[RowKey, Acknowledgement]:
        """Every stored acknowledgement, holding or not (``derive`` decides which hold)."""
        if not self._db.available:
            return {}
        with self._db.read() as db:
            found = db.execute(
                "SELECT username, computer_id, backupset_name, state, note, acknowledged_by,"
                " acknowledged_at, snooze_until FROM acknowledgement"
            ).fetchall()
        result = {}
        for user, cid, name, state, note, by, at, snooze in found:
            key = (user, cid, name)
            result[key] = Acknowledgement(
                key, state, note, by, datetime.fromtimestamp(at, UTC), _from_ts(snooze)
            )
        return result

    def active(
        self, states: dict[RowKey, str], now: datetime | None = None
    ) -> dict[RowKey, Acknowledgement]:
        """The acknowledgements that hold for the current problem ``states``."""
        now = now or self._clock()
        return {k: a for k, a in self.all().items() if a.holds(states.get(k), now)}

    def get(self, key: RowKey) -> Acknowledgement | None:
        return self.all().get(key)

    def discard(self, acks: Iterable[Acknowledgement]) -> list[Acknowledgement]:
        """Delete exactly these acknowledgements; returns the ones that were still stored.

        It matches the moment of acknowledging too, so an acknowledgement made again since
        the caller read ``acks`` (a newer one for the same set) survives.
        """
        acks = list(acks)
        if not acks or not self._db.available:
            return []
        removed: list[Acknowledgement] = []
        with self._db.write() as db:
            for ack in acks:
                cursor = db.execute(
                    "DELETE FROM acknowledgement WHERE username = ? AND computer_id = ?"
                    " AND backupset_name = ? AND acknowledged_at = ?",
                    (*ack.key, ack.at.timestamp()),
                )
                if cursor.rowcount:
                    removed.append(ack)
        return removed
