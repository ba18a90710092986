"""The learned-rhythm rule at its edges (see ``report.rhythm``'s docstring for the rules)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from desktop_app.report.rhythm import (
    MAX_TOLERANCE,
    MIN_RUNS,
    Rhythm,
    fixed_rhythm,
    learn_rhythm,
    run_starts,
    tolerance_for,
)

HOUR = 3600.0
DAY = 86400.0
# A Wednesday noon, so weekday arithmetic below is easy to follow.
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
NOW_TS = NOW.timestamp()


def every(interval: timedelta, count: int, *, last_ago: timedelta = timedelta(0)) -> list[datetime]:
    """``count`` starts ``interval`` apart, the last one ``last_ago`` before NOW."""
    last = NOW - last_ago
    return [last - interval * i for i in reversed(range(count))]


def learn(starts: list[datetime], now: datetime = NOW) -> Rhythm | None:
    return learn_rhythm(run_starts(starts), now.timestamp())


def test_tolerance_is_one_and_a_half_intervals_plus_an_hour_at_most_two_weeks() -> None:
    assert tolerance_for(HOUR) == 2.5 * HOUR
    assert tolerance_for(DAY) == 37 * HOUR
    assert tolerance_for(60.0) == HOUR + 90  # every minute: never less than an hour
    assert tolerance_for(30 * DAY) == MAX_TOLERANCE


def test_hourly_set_is_overdue_after_two_and_a_half_hours() -> None:
    rhythm = learn(every(timedelta(hours=1), 30, last_ago=timedelta(hours=2)))
    assert rhythm is not None
    assert rhythm.interval == HOUR and rhythm.runs == 30
    assert rhythm.deadline() == rhythm.last_start + 2.5 * HOUR
    assert not rhythm.is_overdue(NOW_TS)  # 2 h since the last start
    assert not rhythm.is_overdue(rhythm.last_start + 2.5 * HOUR)  # exactly at the tolerance
    assert rhythm.is_overdue(rhythm.last_start + 2.5 * HOUR + 1)
    assert rhythm.is_overdue((NOW + timedelta(hours=3)).timestamp())


def test_fewer_than_five_runs_learn_nothing() -> None:
    assert learn(every(timedelta(hours=1), MIN_RUNS - 1)) is None
    assert learn(every(timedelta(hours=1), MIN_RUNS)) is not None


def test_runs_outside_the_window_or_in_the_future_do_not_count() -> None:
    old = every(timedelta(days=1), 10, last_ago=timedelta(days=50))
    assert learn(old) is None
    future = [NOW + timedelta(hours=h) for h in range(1, 10)]
    assert learn(future) is None


def test_starts_within_two_minutes_are_one_run() -> None:
    starts = every(timedelta(hours=1), 6)
    doubled = sorted(starts + [s + timedelta(seconds=30) for s in starts])
    rhythm = learn(doubled)
    assert rhythm is not None and rhythm.runs == 6 and rhythm.interval == HOUR


def test_one_off_gap_does_not_change_the_interval() -> None:
    starts = every(timedelta(days=1), 20)
    del starts[10:13]  # the computer was off for three nights
    rhythm = learn(starts)
    assert rhythm is not None and rhythm.interval == DAY


def test_irregular_runs_have_no_rhythm() -> None:
    gaps_hours = [1, 30, 2, 70, 5, 11, 48, 3, 20]
    starts = [NOW]
    for gap in gaps_hours:
        starts.insert(0, starts[0] - timedelta(hours=gap))
    assert learn(starts) is None


def test_schedule_change_to_hourly_is_learned_after_three_gaps() -> None:
    daily = every(timedelta(days=1), 12, last_ago=timedelta(hours=4))
    hourly = [daily[-1] + timedelta(hours=h) for h in (1, 2, 3)]
    rhythm = learn(daily + hourly)
    assert rhythm is not None
    assert rhythm.schedule_changed and rhythm.interval == HOUR
    two_only = learn(daily + hourly[:2])
    assert two_only is not None and two_only.interval == DAY and not two_only.schedule_changed


def test_schedule_change_to_weekly_is_learned() -> None:
    daily = every(timedelta(days=1), 10, last_ago=timedelta(days=22))
    weekly = [daily[-1] + timedelta(days=7 * w) for w in (1, 2, 3)]
    rhythm = learn(daily + weekly)
    assert rhythm is not None and rhythm.interval == 7 * DAY and rhythm.schedule_changed


def test_weekly_set_learns_within_the_window() -> None:
    rhythm = learn(every(timedelta(days=7), 6, last_ago=timedelta(days=1)))
    assert rhythm is not None and rhythm.interval == 7 * DAY
    assert not rhythm.is_overdue((NOW + timedelta(days=8)).timestamp())
    assert rhythm.is_overdue((NOW + timedelta(days=10)).timestamp())


def test_daylight_saving_change_moves_one_gap_only() -> None:
    # 02:00 local every night across the European spring change (UTC+1 -> UTC+2).
    cet, cest = timezone(timedelta(hours=1)), timezone(timedelta(hours=2))
    starts = [datetime(2026, 3, d, 2, 0, tzinfo=cet if d < 29 else cest) for d in range(20, 32)]
    rhythm = learn(starts, datetime(2026, 4, 1, 12, 0, tzinfo=UTC))
    assert rhythm is not None and rhythm.interval == DAY


def weekdays_at_eight_pm(until: datetime) -> list[datetime]:
    """Mon-Fri at 20:00 in UTC-05:00 from Monday 2026-10-26 up to ``until``."""
    eastern = timezone(timedelta(hours=-5))
    starts = []
    day = datetime(2026, 10, 26, 20, 0, tzinfo=eastern)
    while day <= until:
        if day.weekday() < 5:
            starts.append(day)
        day += timedelta(days=1)
    return starts


def test_weekdays_only_set_may_rest_over_the_weekend() -> None:
    starts = weekdays_at_eight_pm(datetime(2026, 11, 21, 12, tzinfo=UTC))  # last: Friday 20th
    friday_night = starts[-1]
    assert friday_night.weekday() == 4
    rhythm = learn(starts, friday_night + timedelta(hours=1))
    assert rhythm is not None and rhythm.interval == DAY
    assert rhythm.allowed_gap == 73 * HOUR  # the two weekends before: 72 h each, plus 1 h
    sunday_evening = friday_night + timedelta(hours=46)  # the 37 h tolerance has passed
    assert not rhythm.is_overdue(sunday_evening.timestamp())
    assert rhythm.is_overdue((friday_night + timedelta(hours=74)).timestamp())


def test_midweek_gap_is_not_allowed_by_the_weekend_pattern() -> None:
    starts = weekdays_at_eight_pm(datetime(2026, 11, 25, tzinfo=UTC))  # ends on a Tuesday
    rhythm = learn(starts, starts[-1] + timedelta(hours=1))
    assert rhythm is not None and rhythm.allowed_gap == rhythm.tolerance
    assert rhythm.is_overdue((starts[-1] + timedelta(hours=38)).timestamp())


def test_hourly_set_kept_to_office_hours_may_rest_at_night() -> None:
    # Every hour 08:00-18:00 UTC, weekdays, for three weeks; the last run Wednesday 18:00.
    starts = []
    day = datetime(2026, 11, 2, tzinfo=UTC)  # a Monday
    while day < datetime(2026, 11, 19, tzinfo=UTC):
        if day.weekday() < 5:
            starts.extend(day + timedelta(hours=h) for h in range(8, 19))
        day += timedelta(days=1)
    last = starts[-1]
    assert last == datetime(2026, 11, 18, 18, tzinfo=UTC)
    rhythm = learn(starts, last + timedelta(minutes=5))
    assert rhythm is not None and rhythm.interval == HOUR
    assert rhythm.allowed_gap == 15 * HOUR  # the nights one and two weeks before: 14 h
    assert not rhythm.is_overdue((last + timedelta(hours=14)).timestamp())
    assert rhythm.is_overdue((last + timedelta(hours=16)).timestamp())
    # In the middle of the day the hour rule holds: 2.5 h without a run is overdue.
    midday = learn(starts[:-6], starts[-7] + timedelta(minutes=5))
    assert midday is not None and midday.allowed_gap == 2.5 * HOUR


def test_one_long_gap_a_week_ago_is_not_a_pattern() -> None:
    starts = every(timedelta(days=1), 30, last_ago=timedelta(days=1))
    gap_at = len(starts) - 8  # the run a week before the last: its next run came 3 days later
    starts = starts[: gap_at + 1] + [s + timedelta(days=2) for s in starts[gap_at + 1 :]]
    starts = [s for s in starts if s <= NOW]
    rhythm = learn(starts)
    assert rhythm is not None and rhythm.allowed_gap == rhythm.tolerance


@pytest.mark.parametrize("offset_hours", [-12, -5, 0, 5.5, 14])
def test_time_zone_of_the_computer_does_not_change_the_interval(offset_hours: float) -> None:
    zone = timezone(timedelta(hours=offset_hours))
    starts = [s.astimezone(zone) for s in every(timedelta(hours=6), 12)]
    rhythm = learn(starts)
    assert rhythm is not None and rhythm.interval == 6 * HOUR


def test_rule_works_near_the_epoch() -> None:
    # datetime.fromtimestamp(0).astimezone() raises on Windows; the rule must not need it.
    starts = [float(t) for t in range(0, 10 * 86400, 86400)]
    rhythm = learn_rhythm(starts, 10 * 86400)
    assert rhythm is not None and rhythm.interval == DAY


def test_a_run_newer_than_the_learned_ones_counts_from_its_own_start() -> None:
    rhythm = learn(every(timedelta(hours=1), 10, last_ago=timedelta(hours=2)))
    assert rhythm is not None
    newer = NOW_TS - 600  # the report shows a run that started 10 min ago
    assert rhythm.deadline(newer) == newer + 2.5 * HOUR
    assert not rhythm.is_overdue(NOW_TS + 2 * HOUR, newer)
    assert rhythm.is_overdue(NOW_TS + 2 * HOUR)  # without it: 4 h since the learned last run
    # The same run as the learned last one (a few seconds apart) changes nothing.
    assert rhythm.deadline(rhythm.last_start + 5) == rhythm.deadline()


def test_a_fixed_rhythm_counts_from_the_learned_last_run() -> None:
    learned = learn(every(timedelta(days=1), 10, last_ago=timedelta(hours=3)))
    fixed = fixed_rhythm(HOUR, learned)
    assert fixed.manual and fixed.interval == HOUR and fixed.allowed_gap == 2.5 * HOUR
    assert learned is not None and fixed.last_start == learned.last_start
    assert fixed.is_overdue(NOW_TS)  # 3 h since the last run, every hour expected
    unknown = fixed_rhythm(HOUR, None)
    assert unknown.runs == 0 and not unknown.is_overdue(NOW_TS, NOW_TS - 60)
