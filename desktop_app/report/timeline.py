"""One backup set's recorded history turned into what the detail pane shows.

History stores a *state* each time a set's row content changed, so one run usually leaves
several states (RUNNING, then its outcome; sometimes corrected counts). A *run* is identified by
its start time and is represented by its last state. Rules, all over runs:

* Day strip: each run belongs to the admin's calendar day of its end (its start while it has not
  ended); a day's status is the worst status of its runs; a day with no run is ``None`` (that is
  the point: a gap is a backup that did not happen).
* Failing since: skipping RUNNING, if the newest finished run failed, the end of the oldest run in
  that unbroken streak of failures; otherwise ``None``.
* Last success: the end of the newest COMPLETED run.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from desktop_app.report.rows import BackupStatusRow
from desktop_app.report.status import ConditionStatus, status_group, status_severity

__all__ = [
    "DayStatus",
    "SetHistory",
    "StateRecord",
    "day_strip",
    "failing_since",
    "last_success",
    "runs",
    "worst_status",
]


@dataclass(frozen=True, slots=True)
class StateRecord:
    """A set's row as first observed at ``observed_at`` (aware UTC, the refresh's fetch time)."""

    observed_at: datetime
    row: BackupStatusRow

    @property
    def when(self) -> datetime:
        """When the run happened: its end, else its start, else when it was observed."""
        row = self.row
        return row.local_end or row.local_start or self.observed_at


@dataclass(frozen=True, slots=True)
class DayStatus:
    """One cell of the strip: the day, its worst status (``None``: no run) and each run's status."""

    day: date
    worst: str | None
    statuses: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SetHistory:
    """Everything the detail pane shows about one set's past, from one query."""

    days: tuple[DayStatus, ...]
    runs: tuple[StateRecord, ...]
    failing_since: datetime | None
    last_success: datetime | None
    first_seen: datetime | None = None
    missing_since: datetime | None = None

    @property
    def empty(self) -> bool:
        return not self.runs


def worst_status(statuses: Iterable[str]) -> str | None:
    """The most severe status (ties broken by name so the result is stable); ``None`` if none."""
    return min(statuses, key=lambda s: (status_severity(s), s), default=None)


def runs(states: Iterable[StateRecord]) -> list[StateRecord]:
    """One record per run (its last state), newest first. ``states`` may be in any order."""
    ordered = sorted(states, key=lambda s: s.observed_at)
    latest: dict[object, StateRecord] = {}
    for state in ordered:
        start = state.row.local_start
        latest[start if start is not None else ("observed", state.observed_at)] = state
    return sorted(latest.values(), key=lambda s: (s.when, s.observed_at), reverse=True)


def day_strip(
    states: Iterable[StateRecord], today: date, days: int = 30, tz: tzinfo | None = None
) -> list[DayStatus]:
    """``days`` cells ending with ``today`` (oldest first), days in ``tz`` (``None``: system's)."""
    first = today - timedelta(days=days - 1)
    per_day: dict[date, list[str]] = {}
    for run in reversed(runs(states)):  # oldest first, so each day lists runs in time order
        day = run.when.astimezone(tz).date()
        if first <= day <= today:
            per_day.setdefault(day, []).append(status_group(run.row.condition_status))
    cells = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        statuses = tuple(per_day.get(day, ()))
        cells.append(DayStatus(day, worst_status(statuses), statuses))
    return cells


def failing_since(run_list: Sequence[StateRecord]) -> datetime | None:
    """See the module docstring; ``run_list`` is ``runs(...)`` output (newest first)."""
    since: datetime | None = None
    for run in run_list:
        status = run.row.condition_status
        if status == ConditionStatus.RUNNING:
            continue
        if status != ConditionStatus.FAILURE:
            break
        since = run.when
    return since


def last_success(run_list: Sequence[StateRecord]) -> datetime | None:
    """See the module docstring; ``run_list`` is ``runs(...)`` output (newest first)."""
    for run in run_list:
        if run.row.condition_status == ConditionStatus.COMPLETED:
            return run.when
    return None
