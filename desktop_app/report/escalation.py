"""Escalation: a set that keeps failing is a different problem from one failed night.

Rules: a set's failure streak is the number of its newest finished runs that failed in a row
(running runs are skipped, any other outcome ends the streak); it has failed for the time since
the oldest run of that streak. It is a *repeated failure* once the streak reaches ``runs`` runs
or has lasted ``days`` days, whichever the setting enables first (both may be on). A streak of
one run is never repeated, whatever ``days`` says: one failure is a failure, not a pattern.
Acknowledging still mutes it (``report.derived``), until its state changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from desktop_app.report.status import ConditionStatus

__all__ = ["EscalationRule", "Streak", "failure_streak"]

W = TypeVar("W")

_FAILURE: str = ConditionStatus.FAILURE
_RUNNING: str = ConditionStatus.RUNNING


@dataclass(frozen=True, slots=True)
class Streak:
    """``runs`` failed runs in a row, the oldest of them ended (or started) at ``since``."""

    runs: int = 0
    since: datetime | None = None


def failure_streak(runs_newest_first: Iterable[tuple[str | None, W]]) -> tuple[int, W | None]:
    """(failed runs in a row, the ``when`` of the oldest of them) from (status, when) per run,
    newest first (see the module docstring). ``when`` is whatever the caller keeps (a datetime,
    UTC seconds), so a long history needs no conversion per run."""
    count = 0
    since: W | None = None
    for status, when in runs_newest_first:
        if status == _RUNNING:
            continue
        if status != _FAILURE:
            break
        count += 1
        since = when
    return count, since


@dataclass(frozen=True, slots=True)
class EscalationRule:
    """The setting: ``runs`` failed runs in a row, or failing for ``days`` days (0: off)."""

    runs: int = 3
    days: int = 0

    @property
    def enabled(self) -> bool:
        return self.runs > 0 or self.days > 0

    def is_repeated(self, streak: Streak, now: datetime) -> bool:
        if streak.runs < 2:
            return False
        if self.runs > 0 and streak.runs >= self.runs:
            return True
        return (
            self.days > 0
            and streak.since is not None
            and now - streak.since >= timedelta(days=self.days)
        )

    def describe(self) -> str:
        parts = []
        if self.runs > 0:
            parts.append(f"{self.runs} failed runs in a row")
        if self.days > 0:
            parts.append(f"failing for {self.days} day{'s' if self.days != 1 else ''}")
        return " or ".join(parts) if parts else "off"
