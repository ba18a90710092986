"""Everything the window, the tray and the exports know about a report's problems, judged once.

``judge`` runs the derivation (``report.derived``), the per-customer counts
(``report.customers``) and the problem summary (``report.summary``) over the same rows, rule
and clock reading, so the sidebar, the filter toggles, the detail pane, the tray and the
customer summary can never disagree: they all read one ``ProblemStates``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from desktop_app.report.customers import CustomerCounts, summarise_customers
from desktop_app.report.derived import STALE, Acknowledgement, DerivedStates, StaleRule, derive
from desktop_app.report.escalation import EscalationRule, Streak
from desktop_app.report.partner_groups import customer_partners
from desktop_app.report.rows import BackupStatusRow, RowKey, key_username
from desktop_app.report.summary import ProblemSummary, summarise_problems
from desktop_app.runtime.pacing import unpaced

__all__ = ["ProblemStates", "judge"]


@dataclass(frozen=True, slots=True)
class ProblemStates:
    """The derived states of ``rows`` (the report on screen) with their summaries.

    ``with_history``: the missing sets and acknowledgements were known (the history is open);
    without it the states come from the report alone (stale, failing). ``rule`` carries the
    rhythms the sets were judged by; ``overrides`` the admin's (interval seconds, ``None``:
    learning off), so the detail pane can say which rhythm is whose. ``partner_of``: each
    customer's partner, when the rows carry one (several partners watched).
    """

    rows: tuple[BackupStatusRow, ...]
    derived: DerivedStates
    customers: tuple[CustomerCounts, ...]
    summary: ProblemSummary
    rule: StaleRule
    with_history: bool
    escalation: EscalationRule = field(default_factory=EscalationRule)
    overrides: Mapping[RowKey, float | None] = field(default_factory=dict)
    partner_of: Mapping[str, str] = field(default_factory=dict)

    def problem_of(self, key: RowKey) -> str | None:
        """MISSING, FAILURE or STALE, or ``None`` for a set without a problem."""
        return self.derived.problems.get(key)

    def stale_after(self, key: RowKey) -> timedelta | None:
        """The threshold a stale set is past, ``None`` when the set is not stale now or is
        overdue by its rhythm instead."""
        if self.derived.problems.get(key) != STALE or key in self.derived.overdue:
            return None
        return self.rule.threshold_for(key_username(key))


def judge(
    rows: Iterable[BackupStatusRow],
    now: datetime,
    rule: StaleRule,
    missing: Iterable[RowKey] = (),
    acknowledgements: Mapping[RowKey, Acknowledgement] | None = None,
    *,
    streaks: Mapping[RowKey, Streak] | None = None,
    escalation: EscalationRule | None = None,
    overrides: Mapping[RowKey, float | None] | None = None,
    pause: Callable[[], None] = unpaced,
) -> ProblemStates:
    """One pass of each over ``rows`` (a few hundred milliseconds at 100k rows: run it off the
    GUI thread, paced by ``pause``). ``acknowledgements`` ``None``: no history (nothing missing
    or acknowledged); ``streaks`` (the history's) and ``escalation`` mark the repeated
    failures."""
    rows = tuple(rows)
    escalation = escalation if escalation is not None else EscalationRule()
    derived = derive(rows, now, rule, missing, acknowledgements, streaks, escalation, pause)
    return ProblemStates(
        rows,
        derived,
        tuple(summarise_customers(rows, derived, pause)),
        summarise_problems(rows, derived, pause),
        rule,
        acknowledgements is not None,
        escalation,
        overrides or {},
        customer_partners(rows) if rows and rows[0].partner is not None else {},
    )
