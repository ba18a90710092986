"""States the report does not state itself: stale, missing, acknowledged, needs attention.

Rules (each decided once, here):

* Stale: the set's last activity is older than its threshold (per-customer override, else the
  default), the same rule as ``report.diff.is_stale``. Last activity is the run's end, or its
  start while it is still running (a run going on for longer than the threshold is as
  suspicious as no run). Exactly at the threshold is not stale. A row with neither time is
  never stale (there is nothing to age).
* Missing: the set was in an earlier report and is not in the current one.
* Problem state, one word per set, most serious first: MISSING, FAILURE, STALE; otherwise none.
  Warnings are not problems here: they are common and have their own status filter.
* An acknowledgement holds while the set's problem state is the one acknowledged and its snooze
  (if any) has not ended. Once it lapses it is void for good (``voided``: delete it), so a set
  that recovers and fails again alerts again.
* Needs attention: sets with a problem state and no holding acknowledgement.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from desktop_app.report.diff import DEFAULT_STALE_THRESHOLD, is_stale
from desktop_app.report.rows import BackupStatusRow, RowKey, row_key
from desktop_app.report.status import ConditionStatus

__all__ = [
    "DEFAULT_STALE_AFTER",
    "MISSING",
    "STALE",
    "Acknowledgement",
    "DerivedStates",
    "StaleRule",
    "derive",
    "last_activity",
    "missing_keys",
    "problem_state",
]

DEFAULT_STALE_AFTER: timedelta = DEFAULT_STALE_THRESHOLD
"""The same default as the change notifications (``report.diff``), so one set is never stale
in the table and fresh in the tray."""

MISSING = "MISSING"
STALE = "STALE"
FAILURE: str = ConditionStatus.FAILURE


def last_activity(row: BackupStatusRow) -> datetime | None:
    """The run's end, or its start while it is still running."""
    return row.local_end if row.local_end is not None else row.local_start


@dataclass(frozen=True, slots=True)
class StaleRule:
    """When a set counts as stale: ``threshold`` by default, ``per_customer[username]`` if set."""

    threshold: timedelta = DEFAULT_STALE_AFTER
    per_customer: Mapping[str, timedelta] = field(default_factory=dict)

    def threshold_for(self, username: str | None) -> timedelta:
        if username is None:
            return self.threshold
        return self.per_customer.get(username, self.threshold)

    def is_stale(self, row: BackupStatusRow, now: datetime) -> bool:
        return is_stale(row, now, self.threshold_for(row.username))

    def stale_keys(self, rows: Iterable[BackupStatusRow], now: datetime) -> set[RowKey]:
        """Keys of the stale rows; one datetime comparison per row (cutoffs computed once)."""
        default_cutoff = now - self.threshold
        cutoffs: dict[str | None, datetime] = {
            user: now - limit for user, limit in self.per_customer.items()
        }
        cutoff_of = cutoffs.get
        stale: set[RowKey] = set()
        add = stale.add
        for row in rows:
            activity = row.local_end if row.local_end is not None else row.local_start
            if activity is not None and activity < cutoff_of(row.username, default_cutoff):
                add(row_key(row))
        return stale


def missing_keys(previous: Iterable[RowKey], current: Iterable[RowKey]) -> set[RowKey]:
    """Keys in an earlier report that the current one lacks."""
    return set(previous).difference(current)


def problem_state(status: str | None, *, stale: bool, missing: bool) -> str | None:
    """MISSING, FAILURE or STALE (in that precedence) or ``None`` (see module docstring)."""
    if missing:
        return MISSING
    if status == FAILURE:
        return FAILURE
    if stale:
        return STALE
    return None


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    """An admin's "I know about this": who, when, why, and until when at the latest."""

    key: RowKey
    state: str
    note: str
    by: str
    at: datetime
    snooze_until: datetime | None = None

    def holds(self, current_state: str | None, now: datetime) -> bool:
        """True while the problem is the acknowledged one and the snooze has not ended."""
        if current_state != self.state:
            return False
        return self.snooze_until is None or now < self.snooze_until


@dataclass(frozen=True, slots=True)
class DerivedStates:
    """The derived states of one report (see module docstring for every rule)."""

    stale: frozenset[RowKey]
    missing: frozenset[RowKey]
    problems: Mapping[RowKey, str]
    acknowledged: Mapping[RowKey, Acknowledgement]
    voided: frozenset[RowKey]

    @property
    def needs_attention(self) -> frozenset[RowKey]:
        return frozenset(self.problems.keys() - self.acknowledged.keys())

    def counts(self) -> dict[str, int]:
        """Filter-toggle counts: stale, missing, acknowledged, needs attention."""
        return {
            STALE: len(self.stale),
            MISSING: len(self.missing),
            "ACKNOWLEDGED": len(self.acknowledged),
            "NEEDS_ATTENTION": len(self.problems) - len(self.acknowledged),
        }

    def flag(self, key: RowKey) -> str:
        """The export's extra column: "Missing", "Stale" or empty."""
        if key in self.missing:
            return "Missing"
        if key in self.stale:
            return "Stale"
        return ""


def derive(
    rows: Iterable[BackupStatusRow],
    now: datetime,
    rule: StaleRule,
    missing: Iterable[RowKey] = (),
    acknowledgements: Mapping[RowKey, Acknowledgement] | None = None,
) -> DerivedStates:
    """Every derived state for ``rows`` (the current report) and the ``missing`` keys."""
    rows = rows if isinstance(rows, list | tuple) else list(rows)
    stale = rule.stale_keys(rows, now)
    missing_set = frozenset(missing)
    problems: dict[RowKey, str] = dict.fromkeys(missing_set, MISSING)
    failure = FAILURE
    for row in rows:
        key = row_key(row)
        if key in missing_set:
            continue
        if row.condition_status == failure:
            problems[key] = failure  # a set listed twice counts with its worse state
        elif key in stale:
            problems.setdefault(key, STALE)
    held: dict[RowKey, Acknowledgement] = {}
    voided: set[RowKey] = set()
    for key, ack in (acknowledgements or {}).items():
        if ack.holds(problems.get(key), now):
            held[key] = ack
        else:
            voided.add(key)
    return DerivedStates(frozenset(stale), missing_set, problems, held, frozenset(voided))
