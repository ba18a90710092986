"""How the history is doing, in one value the indicator can always read.

Why a health state instead of messages: whatever is wrong with the history (off, locked by
another program, the disk full, a damaged file replaced) must stay visible until it is fixed,
and it is often found before any listener is connected (the database opens during start-up).
``HistoryService.health`` always holds the current ``HistoryHealth``; ``health_changed``
announces changes, so an indicator built late reads the state instead of missing a message.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

__all__ = ["HistoryHealth", "HistoryState", "describe_database_error"]


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
