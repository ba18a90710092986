"""One summary of a report's problems for every place that counts them: the tray's icon, badge,
tooltip and Failures menu, the notifications' muting, and (through the same derived states) the
filter toggles. Counting in one place is what keeps "3 stale" in the tray from disagreeing with
"Stale 4" in the toolbar, or "Show all 167 failures" from opening 168.

The numbers mean what the toolbar's toggles mean: ``statuses`` as the report states them (an
unreadable one as ``status.UNREADABLE_STATUS``, as the status filter groups it), ``stale``/
``missing``/``needs_attention``/``acknowledged`` as ``DerivedStates.counts`` (so nothing is
missing because of an incomplete report: the history never marks a set missing from one). What
the tray alarms about (its icon and badge) is what needs attention: acknowledged problems are
muted while the acknowledgement holds.

Wording helpers live here too (``counted``), so every sentence with a number gets its plural
right.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from operator import attrgetter

from desktop_app.report.derived import MISSING, REPEATED, STALE, DerivedStates
from desktop_app.report.rows import BackupStatusRow, RowKey, row_key
from desktop_app.report.status import ConditionStatus, status_group, status_severity
from desktop_app.runtime.pacing import paced, unpaced

__all__ = ["ProblemSummary", "counted", "summarise_problems"]

_FAILURE: str = ConditionStatus.FAILURE
_WARNING: str = ConditionStatus.WARNING
_COMPLETED: str = ConditionStatus.COMPLETED


def counted(count: int, singular: str, plural: str | None = None) -> str:
    """``1 warning``, ``2 warnings``, ``1,204 sets`` (``plural`` defaults to ``singular + s``)."""
    word = singular if count == 1 else (plural if plural is not None else f"{singular}s")
    return f"{count:,} {word}"


@dataclass(frozen=True, slots=True)
class ProblemSummary:
    """The counts of one report with its derived states (see module docstring).

    ``worst`` is the state of the most serious problem that needs attention (FAILURE, MISSING,
    STALE), else WARNING when a warning (or an undocumented status) is reported, else COMPLETED.
    ``failing`` lists the failures that need attention, in menu order (customer, computer, set).
    ``muted`` maps each acknowledged set to the problem state acknowledged.
    """

    statuses: Mapping[str, int]
    stale: int
    missing: int
    acknowledged: int
    needs_attention: int
    failing: tuple[BackupStatusRow, ...]
    worst: str
    muted: Mapping[RowKey, str] = field(default_factory=dict)
    repeated: int = 0  # failing sets past the escalation rule (failures too)

    @property
    def failures(self) -> int:
        """Every failing set, acknowledged or not (the Failure toggle's count)."""
        return self.statuses.get(_FAILURE, 0)

    @property
    def acknowledged_failures(self) -> int:
        return self.failures - len(self.failing)

    @property
    def total(self) -> int:
        return sum(self.statuses.values())


def _menu_order(row: BackupStatusRow) -> tuple[str, str, str]:
    """Customer, computer, set; a name that could not be read sorts first, as empty."""
    return (
        (row.username or "").casefold(),
        (row.computer_name or "").casefold(),
        row.backupset_name or "",
    )


def summarise_problems(
    rows: Iterable[BackupStatusRow], derived: DerivedStates, pause: Callable[[], None] = unpaced
) -> ProblemSummary:
    """The summary of ``rows`` (the report ``derived`` was derived from); ``pause``: see
    ``report.derived.derive``."""
    rows = rows if isinstance(rows, list | tuple) else list(rows)
    statuses = Counter(map(status_group, map(attrgetter("condition_status"), rows)))
    attention = derived.needs_attention
    failing = [
        row
        for row in paced(rows, pause)
        if row.condition_status == _FAILURE and row_key(row) in attention
    ]
    failing.sort(key=_menu_order)
    waiting = Counter(derived.problems[key] for key in attention)
    if failing:
        worst = _FAILURE
    elif waiting[MISSING]:
        worst = MISSING
    elif waiting[STALE]:
        worst = STALE
    elif any(n and s != _FAILURE and status_severity(s) <= 1 for s, n in statuses.items()):
        worst = _WARNING
    else:
        worst = _COMPLETED
    counts = derived.counts()
    return ProblemSummary(
        statuses=dict(statuses),
        stale=counts[STALE],
        missing=counts[MISSING],
        acknowledged=counts["ACKNOWLEDGED"],
        needs_attention=counts["NEEDS_ATTENTION"],
        failing=tuple(failing),
        worst=worst,
        muted={key: ack.state for key, ack in derived.acknowledged.items()},
        repeated=counts[REPEATED],
    )
