"""Derived states at their boundaries: stale, missing, problem precedence, acknowledgements."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from desktop_app.report.derived import (
    DEFAULT_STALE_AFTER,
    MISSING,
    OVERDUE,
    REPEATED,
    STALE,
    Acknowledgement,
    StaleRule,
    derive,
    missing_keys,
    problem_state,
)
from desktop_app.report.escalation import EscalationRule, Streak
from desktop_app.report.problem_states import judge
from desktop_app.report.rhythm import Rhythm
from desktop_app.report.rows import BackupStatusRow
from desktop_app.report.status import ConditionStatus

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
TOKYO = timezone(timedelta(hours=9))
S = ConditionStatus


def row(
    user: str = "acme",
    cid: int = 1,
    *,
    status: str = S.COMPLETED,
    start: datetime | None = None,
    end: datetime | None = None,
) -> BackupStatusRow:
    return BackupStatusRow(NOW, user, cid, "PC", "Files", start, end, status, (), 0, 0)


def test_stale_boundary_exactly_at_threshold_is_not_stale() -> None:
    rule = StaleRule(timedelta(hours=48))
    at = row(cid=1, end=(NOW - timedelta(hours=48)).astimezone(TOKYO))
    past = row(cid=2, end=NOW - timedelta(hours=48, seconds=1))
    assert not rule.is_stale(at, NOW)
    assert rule.is_stale(past, NOW)
    assert rule.stale_keys([at, past], NOW) == {past.key}


def test_completed_status_does_not_prevent_stale() -> None:
    old = row(status=S.COMPLETED, end=NOW - DEFAULT_STALE_AFTER - timedelta(minutes=1))
    assert StaleRule().is_stale(old, NOW)


def test_running_rows_age_from_their_start() -> None:
    rule = StaleRule(timedelta(hours=10))
    hung = row(status=S.RUNNING, start=NOW - timedelta(hours=11))
    fresh = row(cid=2, status=S.RUNNING, start=NOW - timedelta(hours=1))
    assert rule.stale_keys([hung, fresh], NOW) == {hung.key}
    assert rule.is_stale(hung, NOW) and not rule.is_stale(fresh, NOW)


def test_row_without_times_is_never_stale() -> None:
    assert StaleRule(timedelta(0)).stale_keys([row()], NOW) == set()


def test_per_customer_override() -> None:
    rule = StaleRule(timedelta(hours=24), {"weekly": timedelta(days=8)})
    three_days = NOW - timedelta(days=3)
    daily, weekly = row("daily", end=three_days), row("weekly", end=three_days)
    assert rule.stale_keys([daily, weekly], NOW) == {daily.key}
    assert rule.threshold_for("weekly") == timedelta(days=8)
    assert rule.is_stale(row("weekly", end=NOW - timedelta(days=8, seconds=1)), NOW)


def test_missing_keys() -> None:
    a, b, c = ("u", 1, "s"), ("u", 2, "s"), ("v", 1, "s")
    assert missing_keys([a, b, c], [a, c]) == {b}
    assert missing_keys([], [a]) == set()


def test_problem_precedence() -> None:
    assert problem_state(S.FAILURE, stale=True, missing=True) == MISSING
    assert problem_state(S.FAILURE, stale=True, missing=False) == S.FAILURE
    assert problem_state(S.COMPLETED, stale=True, missing=False) == STALE
    assert problem_state(S.WARNING, stale=False, missing=False) is None
    assert problem_state(None, stale=False, missing=False) is None


def ack(key: tuple[str, int, str], state: str, snooze: datetime | None = None) -> Acknowledgement:
    return Acknowledgement(key, state, "on it", "admin", NOW - timedelta(hours=1), snooze)


def test_acknowledgement_holds_until_state_changes_or_snooze_ends() -> None:
    key = ("acme", 1, "Files")
    plain = ack(key, S.FAILURE)
    assert plain.holds(S.FAILURE, NOW)
    assert not plain.holds(STALE, NOW)
    assert not plain.holds(None, NOW)
    snoozed = ack(key, S.FAILURE, NOW + timedelta(days=1))
    assert snoozed.holds(S.FAILURE, NOW + timedelta(hours=23))
    assert not snoozed.holds(S.FAILURE, NOW + timedelta(days=1))  # the snooze end is exclusive


def test_derive_collects_everything() -> None:
    failing = row("a", 1, status=S.FAILURE, end=NOW - timedelta(hours=1))
    stale = row("a", 2, end=NOW - timedelta(days=5))
    warning = row("b", 3, status=S.WARNING, end=NOW - timedelta(hours=1))
    gone = ("b", 4, "Files")
    acks = {
        failing.key: ack(failing.key, S.FAILURE),
        stale.key: ack(stale.key, S.FAILURE),  # acknowledged as failing: now stale, so void
        warning.key: ack(warning.key, STALE),  # no problem any more: void
    }
    derived = derive([failing, stale, warning], NOW, StaleRule(), [gone], acks)
    assert derived.stale == {stale.key}
    assert derived.missing == {gone}
    assert derived.problems == {failing.key: S.FAILURE, stale.key: STALE, gone: MISSING}
    assert set(derived.acknowledged) == {failing.key}
    assert derived.voided == {stale.key, warning.key}
    assert derived.needs_attention == {stale.key, gone}
    assert derived.counts() == {
        STALE: 1,
        OVERDUE: 0,
        REPEATED: 0,
        MISSING: 1,
        "ACKNOWLEDGED": 1,
        "NEEDS_ATTENTION": 2,
    }
    assert derived.flag(gone) == "Missing"
    assert derived.flag(stale.key) == "Stale"
    assert derived.flag(failing.key) == ""


def test_recovered_then_failing_again_alerts_again() -> None:
    """Once void an acknowledgement is deleted (the caller clears ``voided``), so it cannot
    silently come back when the same problem returns."""
    r = row(status=S.FAILURE, end=NOW)
    acks = {r.key: ack(r.key, S.FAILURE)}
    recovered = derive([row(end=NOW)], NOW, StaleRule(), (), acks)
    assert recovered.voided == {r.key}
    remaining = {k: a for k, a in acks.items() if k not in recovered.voided}
    again = derive([r], NOW, StaleRule(), (), remaining)
    assert again.needs_attention == {r.key}


def hourly(last_start: datetime) -> Rhythm:
    """A set learned to run every hour, its last learned run at ``last_start``."""
    return Rhythm(3600.0, 30, last_start.timestamp(), 2.5 * 3600)


def test_a_set_with_a_rhythm_is_judged_by_it_not_by_the_threshold() -> None:
    sql = row(
        "acme",
        1,
        start=NOW - timedelta(hours=5),
        end=NOW - timedelta(hours=5) + timedelta(minutes=5),
    )
    weekly = row("acme", 2, start=NOW - timedelta(days=5), end=NOW - timedelta(days=5))
    plain = row("acme", 3, start=NOW - timedelta(days=5), end=NOW - timedelta(days=5))
    rhythms = {
        sql.key: hourly(NOW - timedelta(hours=5)),
        weekly.key: Rhythm(7 * 86400.0, 6, weekly_start(weekly), 10.5 * 86400 + 3600),
    }
    rule = StaleRule(timedelta(hours=26), {}, rhythms)
    stale, overdue = rule.judge([sql, weekly, plain], NOW)
    # The hourly set is overdue long before 26 h; the weekly one is not stale at 5 days.
    assert stale == {sql.key, plain.key} and overdue == {sql.key}
    assert rule.is_stale(sql, NOW) and not rule.is_stale(weekly, NOW)
    derived = derive([sql, weekly, plain], NOW, rule)
    assert derived.overdue == {sql.key} and derived.stale == {sql.key, plain.key}
    assert derived.problems[sql.key] == STALE
    assert derived.counts()[OVERDUE] == 1


def weekly_start(r: BackupStatusRow) -> float:
    assert r.local_start is not None
    return r.local_start.timestamp()


def test_a_report_newer_than_the_learned_runs_is_not_overdue() -> None:
    just_ran = row("acme", 1, status=S.RUNNING, start=NOW - timedelta(minutes=10))
    rule = StaleRule(rhythms={just_ran.key: hourly(NOW - timedelta(hours=5))})
    assert rule.judge([just_ran], NOW) == (set(), set())


def test_repeated_failures_follow_the_escalation_rule() -> None:
    twice = row("acme", 1, status=S.FAILURE, end=NOW - timedelta(hours=1))
    thrice = row("acme", 2, status=S.FAILURE, end=NOW - timedelta(hours=1))
    recovered = row("acme", 3, status=S.COMPLETED, end=NOW - timedelta(hours=1))
    streaks = {
        twice.key: Streak(2, NOW - timedelta(days=1)),
        thrice.key: Streak(3, NOW - timedelta(days=2)),
        recovered.key: Streak(5, NOW - timedelta(days=5)),  # history lags: the report decides
    }
    rows = [twice, thrice, recovered]
    by_runs = derive(rows, NOW, StaleRule(), streaks=streaks, escalation=EscalationRule(3, 0))
    assert by_runs.repeated == {thrice.key}
    assert by_runs.counts()[REPEATED] == 1
    by_days = derive(rows, NOW, StaleRule(), streaks=streaks, escalation=EscalationRule(0, 1))
    assert by_days.repeated == {twice.key, thrice.key}
    off = derive(rows, NOW, StaleRule(), streaks=streaks, escalation=EscalationRule(0, 0))
    assert off.repeated == frozenset()
    # An acknowledged repeated failure is still muted: it is a FAILURE problem.
    acks = {thrice.key: ack(thrice.key, S.FAILURE)}
    muted = derive(rows, NOW, StaleRule(), (), acks, streaks, EscalationRule(3, 0))
    assert thrice.key in muted.repeated and thrice.key not in muted.needs_attention


def test_judging_with_a_pause_rests_in_every_row_loop_and_judges_the_same() -> None:
    """A paced worker's ``pause`` is called through the stale rule, the derivation and both
    summaries (each a loop over all rows); what is judged does not change."""
    rows = [
        row(
            f"customer-{i % 37}",
            i,
            status=(S.FAILURE, S.COMPLETED)[i % 2],
            end=NOW - timedelta(days=i % 5),
        )
        for i in range(1000)
    ]
    rests: list[None] = []
    paced_states = judge(rows, NOW, StaleRule(), [], {}, pause=lambda: rests.append(None))
    assert paced_states == judge(rows, NOW, StaleRule(), [], {})
    assert len(rests) == 4 * 4  # four loops, each in 256-row slices
    assert paced_states.derived.stale and paced_states.derived.needs_attention
