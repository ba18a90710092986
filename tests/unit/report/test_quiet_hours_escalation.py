"""Quiet hours across midnight and daylight saving; escalation streak counts."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, timezone

import pytest

from desktop_app.report.escalation import EscalationRule, Streak, failure_streak
from desktop_app.report.quiet_hours import QuietHours, QuietSummary
from desktop_app.report.status import ConditionStatus as S

try:
    from zoneinfo import ZoneInfo

    BERLIN = ZoneInfo("Europe/Berlin")
except Exception:  # no tz database (Windows without tzdata): fixed offsets only
    BERLIN = None

CET = timezone(timedelta(hours=1))


def at(day: int, hour: int, minute: int = 0, tz: timezone = CET) -> datetime:
    """November 2026: the 23rd is a Monday."""
    return datetime(2026, 11, day, hour, minute, tzinfo=tz)


def test_off_is_never_quiet() -> None:
    assert not QuietHours(enabled=False).is_quiet(at(24, 23), CET)
    assert not QuietHours(enabled=True, days=frozenset()).is_quiet(at(24, 23), CET)


def test_same_day_period() -> None:
    quiet = QuietHours(True, time(12, 0), time(13, 30))
    assert not quiet.is_quiet(at(24, 11, 59), CET)
    assert quiet.is_quiet(at(24, 12, 0), CET)
    assert quiet.is_quiet(at(24, 13, 29), CET)
    assert not quiet.is_quiet(at(24, 13, 30), CET)


def test_period_across_midnight_belongs_to_the_day_it_starts() -> None:
    friday_night = QuietHours(True, time(22, 0), time(7, 0), frozenset({4}))
    assert friday_night.is_quiet(at(27, 22, 0), CET)  # Friday 22:00
    assert friday_night.is_quiet(at(28, 6, 59), CET)  # Saturday morning
    assert not friday_night.is_quiet(at(28, 7, 0), CET)
    assert not friday_night.is_quiet(at(28, 23, 0), CET)  # Saturday night: not chosen
    assert not friday_night.is_quiet(at(27, 6, 0), CET)  # Friday morning: Thursday's period


def test_instant_is_read_in_the_admins_zone() -> None:
    quiet = QuietHours(True, time(22, 0), time(7, 0))
    utc_evening = datetime(2026, 11, 24, 21, 30, tzinfo=UTC)  # 22:30 in CET
    assert quiet.is_quiet(utc_evening, CET)
    assert not quiet.is_quiet(utc_evening, UTC)


def test_whole_day_when_start_equals_end() -> None:
    sundays = QuietHours(True, time(0, 0), time(0, 0), frozenset({6}))
    assert sundays.is_quiet(at(29, 15), CET)
    assert not sundays.is_quiet(at(30, 0, 1), CET)
    assert sundays.describe() == "all day, Sun"


@pytest.mark.skipif(BERLIN is None, reason="needs the IANA time zone database")
def test_daylight_saving_changes_do_not_move_the_period() -> None:
    assert BERLIN is not None
    quiet = QuietHours(True, time(22, 0), time(7, 0))
    # The night of 2026-03-28/29: clocks go from 02:00 to 03:00. 06:30 local is 04:30 UTC.
    assert quiet.is_quiet(datetime(2026, 3, 29, 4, 30, tzinfo=UTC), BERLIN)
    assert not quiet.is_quiet(datetime(2026, 3, 29, 5, 0, tzinfo=UTC), BERLIN)  # 07:00 CEST
    # The autumn change (2026-10-25 03:00 -> 02:00): 06:59 CET is 05:59 UTC.
    assert quiet.is_quiet(datetime(2026, 10, 25, 5, 59, tzinfo=UTC), BERLIN)
    assert not quiet.is_quiet(datetime(2026, 10, 25, 6, 0, tzinfo=UTC), BERLIN)
    # 22:00 local on the summer side is 20:00 UTC.
    assert quiet.is_quiet(datetime(2026, 7, 1, 20, 0, tzinfo=UTC), BERLIN)
    assert not quiet.is_quiet(datetime(2026, 7, 1, 19, 59, tzinfo=UTC), BERLIN)


def test_describe() -> None:
    assert QuietHours(True, time(22, 0), time(7, 0)).describe() == "22:00-07:00, every day"
    weekdays = QuietHours(True, time(22, 0), time(7, 0), frozenset({0, 1}))
    assert weekdays.describe() == "22:00-07:00, Mon, Tue"
    assert QuietHours().describe() == "off"


def test_summary_adds_counts_and_starts_over() -> None:
    summary = QuietSummary()
    assert not summary
    summary.add({"new_failure": 2, "recovered": 0})
    summary.add({"new_failure": 1, "newly_stale": 4})
    assert summary and summary.held == 2
    assert summary.take() == {"new_failure": 3, "newly_stale": 4}
    assert not summary and summary.take() == {}


# --- escalation -----------------------------------------------------------------------------
T0 = datetime(2026, 11, 1, tzinfo=UTC)


def runs(*statuses: str) -> list[tuple[str, datetime]]:
    """Newest first, one day apart, the newest on T0 + 10 days."""
    return [(s, T0 + timedelta(days=10 - i)) for i, s in enumerate(statuses)]


def test_streak_counts_failures_in_a_row_skipping_running() -> None:
    streak = failure_streak(runs(S.RUNNING, S.FAILURE, S.FAILURE, S.COMPLETED, S.FAILURE))
    assert streak == (2, T0 + timedelta(days=8))
    assert failure_streak(runs(S.COMPLETED, S.FAILURE)) == (0, None)
    assert failure_streak(runs(S.WARNING, S.FAILURE))[0] == 0
    assert failure_streak([(S.FAILURE, 12.5), (None, 1.0)]) == (1, 12.5)
    assert failure_streak([]) == (0, None)


def test_repeated_by_runs() -> None:
    rule = EscalationRule(runs=3)
    now = T0 + timedelta(days=10)
    assert not rule.is_repeated(
        Streak(*failure_streak(runs(S.FAILURE, S.FAILURE, S.COMPLETED))), now
    )
    assert rule.is_repeated(Streak(*failure_streak(runs(S.FAILURE, S.FAILURE, S.FAILURE))), now)


def test_repeated_by_days_needs_two_failed_runs() -> None:
    rule = EscalationRule(runs=0, days=2)
    one = Streak(1, T0)
    assert not rule.is_repeated(one, T0 + timedelta(days=30))
    two = Streak(2, T0)
    assert not rule.is_repeated(two, T0 + timedelta(days=2) - timedelta(seconds=1))
    assert rule.is_repeated(two, T0 + timedelta(days=2))


def test_rule_description_and_off() -> None:
    assert EscalationRule(3, 0).describe() == "3 failed runs in a row"
    assert EscalationRule(0, 1).describe() == "failing for 1 day"
    assert EscalationRule(3, 2).describe() == "3 failed runs in a row or failing for 2 days"
    off = EscalationRule(0, 0)
    assert not off.enabled and off.describe() == "off"
    assert not off.is_repeated(Streak(10, T0), T0 + timedelta(days=10))
