"""report.schedule: interval with jitter, exponential backoff, clock jumps, refresh on open."""

from __future__ import annotations

import pytest

from desktop_app.report.schedule import (
    DEFAULT_INTERVAL,
    MAX_BACKOFF,
    MIN_INTERVAL,
    ClockReading,
    RefreshSchedule,
    clock_jumped,
)


def schedule(interval: float = DEFAULT_INTERVAL, rnd: float = 0.5, **kw: float) -> RefreshSchedule:
    return RefreshSchedule(interval, random=lambda: rnd, **kw)


def test_success_waits_the_interval_with_jitter_both_ways() -> None:
    assert schedule(rnd=0.5).record_success(0.0) == pytest.approx(900.0)
    assert schedule(rnd=0.0).record_success(0.0) == pytest.approx(900.0 * 0.95)
    assert schedule(rnd=0.999999).record_success(0.0) == pytest.approx(900.0 * 1.05, rel=1e-5)


def test_jitter_comes_from_the_injected_random() -> None:
    values = iter([0.1, 0.9])
    s = RefreshSchedule(600, random=lambda: next(values))
    first, second = s.next_delay(), s.next_delay()
    assert first < 600 < second


def test_backoff_doubles_from_one_minute_and_stops_at_the_interval() -> None:
    s = schedule(interval=900)
    delays = [s.record_failure(float(i)) for i in range(7)]
    assert delays == [60, 120, 240, 480, 900, 900, 900]
    assert s.failures == 7
    assert s.record_success(10.0) == 900
    assert s.failures == 0


def test_backoff_is_capped_at_thirty_minutes_for_long_intervals() -> None:
    s = schedule(interval=4 * 3600)
    delays = [s.record_failure(0.0) for _ in range(8)]
    assert delays == [60, 120, 240, 480, 960, MAX_BACKOFF, MAX_BACKOFF, MAX_BACKOFF]
    # Huge failure counts do not overflow.
    assert s.backoff(10_000) == MAX_BACKOFF


def test_interval_has_a_floor_and_can_change() -> None:
    s = schedule(interval=5)
    assert s.interval == MIN_INTERVAL
    s.interval = 1800
    assert s.next_delay() == 1800


def test_window_open_refreshes_only_after_a_long_pause() -> None:
    s = schedule(open_refresh_after=300)
    assert s.due_on_open(10_000.0) is False  # no fetch has finished yet: one is under way
    s.record_success(1000.0)
    assert s.due_on_open(1000.0 + 299) is False
    assert s.due_on_open(1000.0 + 300) is True
    s.record_failure(2000.0)
    assert s.due_on_open(2001.0) is False


def test_clock_jump_when_wall_runs_ahead_of_monotonic() -> None:
    # Linux/macOS: the monotonic clock stops during sleep, the wall clock does not.
    before = ClockReading(wall=1_000_000.0, monotonic=500.0)
    slept = ClockReading(wall=1_000_000.0 + 3 * 3600 + 30, monotonic=530.0)
    assert clock_jumped(before, slept, expected_gap=30)
    awake = ClockReading(wall=1_000_000.0 + 31, monotonic=531.0)
    assert not clock_jumped(before, awake, expected_gap=30)


def test_clock_jump_when_the_periodic_check_arrives_very_late() -> None:
    # Windows: the monotonic clock counts sleep too, so both gaps are long.
    before = ClockReading(wall=1_000_000.0, monotonic=500.0)
    after = ClockReading(wall=1_000_000.0 + 7200, monotonic=500.0 + 7200)
    assert clock_jumped(before, after, expected_gap=30)


def test_wall_clock_set_back_counts_as_a_jump() -> None:
    before = ClockReading(wall=1_000_000.0, monotonic=500.0)
    after = ClockReading(wall=1_000_000.0 - 3600, monotonic=530.0)
    assert clock_jumped(before, after, expected_gap=30)
    small_ntp_step = ClockReading(wall=1_000_000.0 + 32, monotonic=530.0)
    assert not clock_jumped(before, small_ntp_step, expected_gap=30)
