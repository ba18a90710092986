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
* Weekly pattern: Monday-to-Friday sets have a long gap after Friday every week. When the two
  most recent gaps that followed a run started on the same weekday (in the computer's own
  time) were both longer than the tolerance, a run on that weekday may be followed by the
  shorter of those two gaps plus one hour. A one-off long gap never counts.
* Tolerance: ``1.5 x interval + 1 h``, at most 14 d. A set is overdue when the time
  since its last run started exceeds the tolerance (or its weekday allowance). Measuring from
  the start means a run hanging for hours is overdue too: no new run has started.

Clock changes and time zones: gaps are differences of absolute (UTC) times, so a daylight
saving change moves one gap by an hour, which the median absorbs; only the weekday of a run is
read in the computer's local time (its UTC offset as reported).
"""

from __future__ import annotations

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
SLACK = 3600.0  # seconds: the "+ 1 h" of the tolerance and of a weekday allowance
MAX_TOLERANCE = 14 * 86400.0
_DAY = 86400

Start = tuple[float, int]
"""A run's start: (UTC POSIX seconds, the computer's UTC offset in minutes)."""


def tolerance_for(interval: float) -> float:
    """Seconds a set may go without starting a run: 1.5 x its interval + 1 h, at most 14 d."""
    return min(MAX_TOLERANCE, 1.5 * interval + SLACK)


@dataclass(frozen=True, slots=True)
class Rhythm:
    """A set's learned rhythm and its last run; all times in UTC POSIX seconds.

    ``weekday_allowance[d]`` is the gap allowed after a run that started on weekday ``d`` (0 is
    Monday, in the computer's time) when it exceeds the tolerance, else 0.
    """

    interval: float
    runs: int
    last_start: float
    last_offset: int = 0
    schedule_changed: bool = False
    weekday_allowance: tuple[float, ...] = (0.0,) * 7

    @property
    def tolerance(self) -> float:
        return tolerance_for(self.interval)

    @property
    def allowed_gap(self) -> float:
        """Seconds after ``last_start`` before the set is overdue."""
        weekday = _weekday(self.last_start, self.last_offset)
        return max(self.tolerance, self.weekday_allowance[weekday])

    @property
    def due_by(self) -> float:
        """When the set becomes overdue (UTC POSIX seconds)."""
        return self.last_start + self.allowed_gap

    def is_overdue(self, now: float) -> bool:
        """True once more than ``allowed_gap`` has passed since the last run started."""
        return now - self.last_start > self.allowed_gap

    def with_last_start(self, start: Start) -> Rhythm:
        """The same rhythm, measured from a newer run (a refresh saw a run start)."""
        if start[0] <= self.last_start:
            return self
        return Rhythm(
            self.interval,
            self.runs,
            start[0],
            start[1],
            self.schedule_changed,
            self.weekday_allowance,
        )


def run_starts(starts: Iterable[datetime]) -> list[Start]:
    """Aware start datetimes as sorted ``Start`` pairs (tests, callers holding datetimes)."""
    pairs = []
    for start in starts:
        offset = start.utcoffset()
        minutes = 0 if offset is None else int(offset.total_seconds() // 60)
        pairs.append((start.timestamp(), minutes))
    return sorted(pairs)


def learn_rhythm(starts: Sequence[Start], now: float) -> Rhythm | None:
    """The rhythm of one set from its run starts (sorted, oldest first), or ``None``.

    See the module docstring for every rule. Starts after ``now`` (a computer clock ahead) and
    before the learning window are ignored.
    """
    runs = _distinct(starts, now - WINDOW.total_seconds(), now)
    if len(runs) < MIN_RUNS:
        return None
    times = [t for t, _ in runs]
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
    allowance = () if changed else _weekday_allowance(runs, gaps, tolerance_for(interval))
    last_time, last_offset = runs[-1]
    return Rhythm(
        interval=interval,
        runs=len(runs),
        last_start=last_time,
        last_offset=last_offset,
        schedule_changed=changed,
        weekday_allowance=allowance or (0.0,) * 7,
    )


def _distinct(starts: Sequence[Start], since: float, until: float) -> list[Start]:
    """Starts inside [since, until], one per run (later starts within ``SAME_RUN`` merged)."""
    runs: list[Start] = []
    for start in starts:
        t = start[0]
        if t < since or t > until:
            continue
        if runs and t - runs[-1][0] < SAME_RUN:
            continue
        runs.append(start)
    return runs


def _weekday_allowance(
    runs: Sequence[Start], gaps: Sequence[float], tolerance: float
) -> tuple[float, ...]:
    """Per weekday: the shorter of the two latest gaps after runs on that day, when both
    exceed ``tolerance`` (plus the slack); 0 otherwise. ``gaps[i]`` follows ``runs[i]``."""
    latest: list[list[float]] = [[] for _ in range(7)]
    for (t, offset), gap in zip(runs, gaps, strict=False):
        latest[_weekday(t, offset)].append(gap)
    allowance = []
    for day_gaps in latest:
        two = day_gaps[-2:]
        if len(two) == 2 and min(two) > tolerance:
            allowance.append(min(two) + SLACK)
        else:
            allowance.append(0.0)
    return tuple(allowance)


def _weekday(t: float, offset_minutes: int) -> int:
    """The weekday (0 = Monday) of UTC seconds ``t`` in a zone ``offset_minutes`` east of UTC.

    Arithmetic, not ``datetime.fromtimestamp``: that raises on Windows for times near the epoch.
    """
    days = int((t + offset_minutes * 60) // _DAY)
    return (days + 3) % 7  # 1970-01-01 was a Thursday


def _within(value: float, reference: float, factor: float) -> bool:
    return reference / factor <= value <= reference * factor


def _median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2
