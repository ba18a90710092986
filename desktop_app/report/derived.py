"""States the report does not state itself: stale, missing, acknowledged, needs attention.

Rules (each decided once, here):

* Stale: a set with a rhythm (learned from its runs, or set by the admin; ``report.rhythm``) is
  stale when it is *overdue* by that rhythm: no run has started for longer than the rhythm
  allows. Every other set is stale when its last activity is older than its threshold
  (per-customer override, else the default), the same rule as ``report.diff.is_stale``. Last
  activity is the run's end, or its start while it is still running (a run going on for longer
  than the threshold is as suspicious as no run). Exactly at the limit is not stale. A row with
  neither time is never stale (there is nothing to age). ``overdue`` names the stale sets judged
  by their rhythm, so they can be worded by it ("usually every 1 h").
* Repeated failure: a failing set whose failure streak (``report.escalation``) crosses the
  escalation rule. It stays a FAILURE problem (an acknowledgement of the failure mutes it).
* Missing: the set was in an earlier report and is not in the current one.
* Problem state, one word per set, most serious first: MISSING, FAILURE, STALE; otherwise none.
  Warnings are not problems here: they are common and have their own status filter.
* An acknowledgement holds while the set's problem state is the one acknowledged and its snooze
  (if any) has not ended. Once it lapses it is void for good (``voided``: delete it), so a set
  that recovers and fails again alerts again.
* Needs attention: sets with a problem state and no holding acknowledgement.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from desktop_app.report.diff import DEFAULT_STALE_THRESHOLD, is_stale
from desktop_app.report.escalation import EscalationRule, Streak
from desktop_app.report.rhythm import Rhythm
from desktop_app.report.rows import BackupStatusRow, RowKey, row_key
from desktop_app.report.status import ConditionStatus
from desktop_app.runtime.pacing import paced, unpaced

__all__ = [
    "DEFAULT_STALE_AFTER",
    "MISSING",
    "OVERDUE",
    "REPEATED",
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
OVERDUE = "OVERDUE"
"""A count key: the stale sets judged by their rhythm (they are stale too)."""
REPEATED = "REPEATED"
"""A count key: failing sets whose streak crossed the escalation rule (failures too)."""
FAILURE: str = ConditionStatus.FAILURE


def last_activity(row: BackupStatusRow) -> datetime | None:
    """The run's end, or its start while it is still running."""
    return row.local_end if row.local_end is not None else row.local_start


@dataclass(frozen=True, slots=True)
class StaleRule:
    """When a set counts as stale: by its rhythm when it has one (``rhythms[key]``), else after
    ``per_customer[username]`` if set, else after ``threshold`` (see module docstring)."""

    threshold: timedelta = DEFAULT_STALE_AFTER
    per_customer: Mapping[str, timedelta] = field(default_factory=dict)
    rhythms: Mapping[RowKey, Rhythm] = field(default_factory=dict)

    def threshold_for(self, username: str | None) -> timedelta:
        if username is None:
            return self.threshold
        return self.per_customer.get(username, self.threshold)

    def rhythm_for(self, key: RowKey) -> Rhythm | None:
        return self.rhythms.get(key)

    def is_stale(self, row: BackupStatusRow, now: datetime) -> bool:
        rhythm = self.rhythms.get(row.key) if self.rhythms else None
        if rhythm is not None:
            return rhythm.is_overdue(now.timestamp(), _start(row))
        return is_stale(row, now, self.threshold_for(row.username))

    def stale_keys(
        self, rows: Iterable[BackupStatusRow], now: datetime, pause: Callable[[], None] = unpaced
    ) -> set[RowKey]:
        """Keys of the stale rows (the overdue ones included)."""
        return self.judge(rows, now, pause)[0]

    def judge(
        self, rows: Iterable[BackupStatusRow], now: datetime, pause: Callable[[], None] = unpaced
    ) -> tuple[set[RowKey], set[RowKey]]:
        """(stale keys, the overdue among them); one comparison per row (cutoffs computed
        once), plus a dictionary lookup when rhythms are known. ``pause``: see ``derive``."""
        default_cutoff = now - self.threshold
        cutoffs: dict[str | None, datetime] = {
            user: now - limit for user, limit in self.per_customer.items()
        }
        cutoff_of = cutoffs.get
        rhythm_of = self.rhythms.get if self.rhythms else None
        now_ts = now.timestamp()
        stale: set[RowKey] = set()
        overdue: set[RowKey] = set()
        add = stale.add
        for row in paced(rows, pause):
            key = row_key(row)
            if rhythm_of is not None:
                rhythm = rhythm_of(key)
                if rhythm is not None:
                    if rhythm.is_overdue(now_ts, _start(row)):
                        add(key)
                        overdue.add(key)
                    continue
            activity = row.local_end if row.local_end is not None else row.local_start
            if activity is not None and activity < cutoff_of(row.username, default_cutoff):
                add(key)
        return stale, overdue


def _start(row: BackupStatusRow) -> float | None:
    start = row.local_start
    return None if start is None else start.timestamp()


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
    overdue: frozenset[RowKey] = frozenset()
    repeated: frozenset[RowKey] = frozenset()

    @property
    def needs_attention(self) -> frozenset[RowKey]:
        return frozenset(self.problems.keys() - self.acknowledged.keys())

    def counts(self) -> dict[str, int]:
        """Filter-toggle counts: stale (overdue included), overdue, repeated failures, missing,
        acknowledged, needs attention."""
        return {
            STALE: len(self.stale),
            OVERDUE: len(self.overdue),
            REPEATED: len(self.repeated),
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
    streaks: Mapping[RowKey, Streak] | None = None,
    escalation: EscalationRule | None = None,
    pause: Callable[[], None] = unpaced,
) -> DerivedStates:
    """Every derived state for ``rows`` (the current report) and the ``missing`` keys;
    ``streaks`` (from the history) and ``escalation`` decide the repeated failures.
    ``pause`` (``runtime.pacing``) is called between slices of the row loops: a paced worker
    judging 100,000 rows leaves the GIL to the GUI thread."""
    rows = rows if isinstance(rows, list | tuple) else list(rows)
    stale, overdue = rule.judge(rows, now, pause)
    missing_set = frozenset(missing)
    problems: dict[RowKey, str] = dict.fromkeys(missing_set, MISSING)
    failure = FAILURE
    for row in paced(rows, pause):
        key = row_key(row)
        if key in missing_set:
            continue
        if row.condition_status == failure:
            problems[key] = failure  # a set listed twice counts with its worse state
        elif key in stale:
            problems.setdefault(key, STALE)
    repeated: set[RowKey] = set()
    if streaks and escalation is not None and escalation.enabled:
        for key, state in problems.items():
            streak = streaks.get(key) if state == failure else None
            if streak is not None and escalation.is_repeated(streak, now):
                repeated.add(key)
    held: dict[RowKey, Acknowledgement] = {}
    voided: set[RowKey] = set()
    for key, ack in (acknowledgements or {}).items():
        if ack.holds(problems.get(key), now):
            held[key] = ack
        else:
            voided.add(key)
    return DerivedStates(
        frozenset(stale),
        missing_set,
        problems,
        held,
        frozenset(voided),
        frozenset(overdue),
        frozenset(repeated),
    )
