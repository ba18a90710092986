"""Each backup set's own rhythm, learned from when it ran, and when it is overdue by it.

One stale threshold (26 h) misses an hourly SQL backup that stopped five hours ago and flags a
weekly archive every week. History knows when each set started its runs, so the expected
interval is learned per set. The rules, each decided here and nowhere else:

* A run is identified by its start (UTC seconds). Starts closer than ``SAME_RUN`` (2 min) are
  one run (clock jitter, a re-sent row). Runs of any outcome count: the rhythm is about when
  the schedule fires, not whether it succeeded.
* Learning uses the runs that started in the last ``WINDOW`` (45 days, so that a weekly set has
  the runs it needs) and needs at least ``MIN_RUNS`` (5); with fewer, the set has no rhythm and
  the stale threshold applies.
* Interval: the median of the gaps between the last ``RECENT_RUNS`` (10) runs. A median ignores
  a one-off long gap (a night the computer was off) and a one-off extra run.
* Schedule change: when the last ``CHANGE_GAPS`` (3) gaps agree with one another (each within
  1.5x of their median) and their median is more than 2x away from the interval above, the
  set changed schedule and the interval is their median.
* Irregular sets (manual or erratic runs): when fewer than 60 % of the gaps used lie within
  1.5x of the interval, the set has no rhythm (stale threshold).
* Weekly pattern: a Monday-to-Friday set rests every weekend, an hourly set kept to office hours
  rests every night. So the last run may be followed by as long a gap as followed the runs at
  the same time one and two weeks earlier (the run nearest that moment, within 90 minutes),
  when both of those gaps exceeded the tolerance: the shorter of the two, plus one hour. A
  one-off long gap never counts; it must have happened two weeks running.
* Tolerance: ``1.5 x interval + 1 h``, at most 14 d. A set is overdue when the time
  since its last run started exceeds the tolerance (or its weekday allowance). Measuring from
  the start means a run hanging for hours is overdue too: no new run has started.

Clock changes and time zones: every rule works on absolute (UTC) times, so the computer's zone
never matters; a daylight saving change moves one gap (and "a week earlier") by an hour, which
the median and the 90-minute window absorb.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise

__all__ = [
    "CHANGE_GAPS",
    "MIN_RUNS",
    "RECENT_RUNS",
    "SAME_RUN",
    "WINDOW",
    "Rhythm",
    "fixed_rhythm",
    "learn_rhythm",
    "run_starts",
    "tolerance_for",
]

WINDOW = timedelta(days=45)
MIN_RUNS = 5
RECENT_RUNS = 10
CHANGE_GAPS = 3
SAME_RUN = 120  # seconds
REGULAR_SHARE = 0.6
AGREE_FACTOR = 1.5
CHANGE_FACTOR = 2.0
SLACK = 3600.0  # seconds: the "+ 1 h" of the tolerance and of the weekly pattern
MAX_TOLERANCE = 14 * 86400.0
_WEEK = 7 * 86400.0
_NEAR = 90 * 60.0  # how far from "a week earlier" a run may have started


def tolerance_for(interval: float) -> float:
    """Seconds a set may go without starting a run: 1.5 x its interval + 1 h, at most 14 d."""
    return min(MAX_TOLERANCE, 1.5 * interval + SLACK)


@dataclass(frozen=True, slots=True)
class Rhythm:
    """A set's learned rhythm and its last run; times in UTC POSIX seconds.

    ``allowed_gap`` is how long after ``last_start`` the set may stay quiet: the tolerance, or
    longer when the weekly pattern allows it (see the module docstring).
    """

    interval: float
    runs: int
    last_start: float
    allowed_gap: float
    schedule_changed: bool = False
    manual: bool = False  # set by the admin, not learned (``runs`` is what history held)

    @property
    def tolerance(self) -> float:
        return tolerance_for(self.interval)

    def deadline(self, latest_start: float | None = None) -> float:
        """When the set becomes overdue. ``latest_start`` is the start the current report shows:
        a run newer than the learned ones (not recorded yet) counts from its own start, with
        the plain tolerance (the weekly pattern is known only for the learned last run)."""
        if latest_start is not None and latest_start - self.last_start >= SAME_RUN:
            return latest_start + self.tolerance
        return self.last_start + self.allowed_gap

    def is_overdue(self, now: float, latest_start: float | None = None) -> bool:
        """True once ``now`` is past the ``deadline`` (UTC seconds)."""
        return now > self.deadline(latest_start)


def fixed_rhythm(interval: float, learned: Rhythm | None) -> Rhythm:
    """The admin's rhythm for a set: ``interval`` seconds, counted from the learned last run."""
    last = learned.last_start if learned is not None else 0.0
    runs = learned.runs if learned is not None else 0
    return Rhythm(interval, runs, last, tolerance_for(interval), manual=True)


def run_starts(starts: Iterable[datetime]) -> list[float]:
    """Aware start datetimes as sorted UTC POSIX seconds (callers holding datetimes)."""
    return sorted(start.timestamp() for start in starts)


def learn_rhythm(starts: Sequence[float], now: float) -> Rhythm | None:
    """The rhythm of one set from its run starts (UTC seconds, oldest first), or ``None``.

    See the module docstring for every rule. Starts after ``now`` (a computer clock ahead) and
    before the learning window are ignored.
    """
    times = _distinct(_relevant(starts, now), now - WINDOW.total_seconds(), now)
    if len(times) < MIN_RUNS:
        return None
    gaps = [b - a for a, b in pairwise(times)]
    recent = gaps[-(RECENT_RUNS - 1) :]
    interval = _median(recent)
    changed = False
    last = gaps[-CHANGE_GAPS:]
    if len(last) == CHANGE_GAPS:
        last_median = _median(last)
        agree = all(_within(g, last_median, AGREE_FACTOR) for g in last)
        if agree and not _within(last_median, interval, CHANGE_FACTOR):
            interval, recent, changed = last_median, last, True
    if interval <= 0:
        return None
    regular = sum(1 for g in recent if _within(g, interval, AGREE_FACTOR))
    if regular < REGULAR_SHARE * len(recent):
        return None
    tolerance = tolerance_for(interval)
    allowed = tolerance if changed else max(tolerance, _weekly_allowance(times, tolerance))
    return Rhythm(
        interval=interval,
        runs=len(times),
        last_start=times[-1],
        allowed_gap=allowed,
        schedule_changed=changed,
    )


def _relevant(starts: Sequence[float], now: float) -> Sequence[float]:
    """The starts the rules can use: up to ``now``, and no older than the weekly pattern reaches
    back, but never fewer than ``RECENT_RUNS`` (an hourly set has 1,000 runs in the window)."""
    end = bisect_right(starts, now)
    if end == 0:
        return ()
    reach = bisect_left(starts, starts[end - 1] - 2 * _WEEK - 2 * _NEAR, 0, end)
    return starts[min(reach, max(0, end - RECENT_RUNS)) : end]


def _distinct(starts: Sequence[float], since: float, until: float) -> list[float]:
    """Starts inside [since, until], one per run (later starts within ``SAME_RUN`` merged)."""
    runs: list[float] = []
    for t in starts:
        if t < since or t > until:
            continue
        if runs and t - runs[-1] < SAME_RUN:
            continue
        runs.append(t)
    return runs


def _weekly_allowance(times: Sequence[float], tolerance: float) -> float:
    """The gap allowed after the last run by the weekly pattern, or 0 (see module docstring)."""
    last = times[-1]
    gaps = []
    for weeks in (1, 2):
        moment = last - weeks * _WEEK
        i = bisect_left(times, moment - _NEAR)
        j = bisect_right(times, moment + _NEAR)
        # The run nearest that moment, and it must have a next run (its gap).
        nearest = min(range(i, j), key=lambda k: abs(times[k] - moment), default=None)
        if nearest is None or nearest + 1 >= len(times):
            return 0.0
        gaps.append(times[nearest + 1] - times[nearest])
    if min(gaps) <= tolerance:
        return 0.0
    return min(gaps) + SLACK


def _within(value: float, reference: float, factor: float) -> bool:
    return reference / factor <= value <= reference * factor


def _median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2
