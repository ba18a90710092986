"""When to fetch the report next: interval with jitter, backoff after failures, wake-up rules.

Qt-free policy (the Qt timer in ``ui.auto_refresh`` only carries it out), driven by clock
readings handed in, so every rule is unit-tested without waiting:

* After a good fetch: the interval, give or take a little jitter (so many installations do not
  hit the API on the same second).
* After ``n`` failures in a row: ``first_retry * 2**(n-1)`` (1, 2, 4, 8 … min), capped by the
  smaller of ``max_backoff`` (30 min) and the interval: a retry never waits longer than a normal
  refresh would, and a failing app with a long interval still retries every half hour.
* A clock jump (the machine slept, or the wall clock was changed) means "fetch now".
* Opening the window when the last fetch is older than ``open_refresh_after`` means "fetch now".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

__all__ = [
    "DEFAULT_INTERVAL",
    "MAX_BACKOFF",
    "MIN_INTERVAL",
    "ClockReading",
    "RefreshSchedule",
    "clock_jumped",
]

DEFAULT_INTERVAL = 15 * 60.0
MIN_INTERVAL = 60.0
"""The API is a whole-partner report: more often than once a minute only loads the server."""
MAX_BACKOFF = 30 * 60.0
FIRST_RETRY = 60.0
DEFAULT_JITTER = 0.05
OPEN_REFRESH_AFTER = 5 * 60.0
JUMP_TOLERANCE = 90.0


@dataclass(frozen=True, slots=True)
class ClockReading:
    """The wall clock (POSIX seconds) and a monotonic clock (seconds), read together."""

    wall: float
    monotonic: float


def clock_jumped(
    before: ClockReading,
    after: ClockReading,
    expected_gap: float,
    tolerance: float = JUMP_TOLERANCE,
) -> bool:
    """True when time passed that the app did not live through: sleep, or a wall-clock change.

    Two signs, because platforms differ: where the monotonic clock stops during sleep (Linux,
    macOS) the wall clock runs ahead of it; where it keeps counting (Windows) a periodic check
    that was due after ``expected_gap`` arrives far later than that.
    """
    wall_gap = after.wall - before.wall
    mono_gap = after.monotonic - before.monotonic
    return abs(wall_gap - mono_gap) > tolerance or mono_gap > expected_gap + tolerance


class RefreshSchedule:
    """The refresh timing state: consecutive failures, when the last fetch ended, what is next.

    ``random`` returns a float in [0, 1) (``random.random`` in the app, a fixed value in tests).
    All times are monotonic seconds.
    """

    def __init__(
        self,
        interval: float = DEFAULT_INTERVAL,
        *,
        random: Callable[[], float],
        jitter: float = DEFAULT_JITTER,
        first_retry: float = FIRST_RETRY,
        max_backoff: float = MAX_BACKOFF,
        open_refresh_after: float = OPEN_REFRESH_AFTER,
    ) -> None:
        self._random = random
        self.jitter = jitter
        self.first_retry = first_retry
        self.max_backoff = max_backoff
        self.open_refresh_after = open_refresh_after
        self.interval = interval
        self.failures = 0
        self.last_finished: float | None = None

    @property
    def interval(self) -> float:
        return self._interval

    @interval.setter
    def interval(self, seconds: float) -> None:
        self._interval = max(MIN_INTERVAL, float(seconds))

    def _jittered(self, seconds: float) -> float:
        return seconds * (1.0 + self.jitter * (2.0 * self._random() - 1.0))

    def backoff(self, failures: int) -> float:
        """The retry delay after ``failures`` failures in a row (no jitter)."""
        if failures <= 0:
            return self._interval
        # min() before the power would overflow for huge counts; 2**20 s is past any cap.
        delay = self.first_retry * 2.0 ** min(failures - 1, 20)
        return min(delay, self.max_backoff, max(self._interval, self.first_retry))

    def next_delay(self) -> float:
        """Seconds from the end of the last fetch to the next one."""
        return self._jittered(self.backoff(self.failures))

    def record_success(self, monotonic: float) -> float:
        """A fetch succeeded at ``monotonic``; returns the delay until the next one."""
        self.failures = 0
        self.last_finished = monotonic
        return self.next_delay()

    def record_failure(self, monotonic: float) -> float:
        """A fetch failed at ``monotonic``; returns the (backed-off) delay until the retry."""
        self.failures += 1
        self.last_finished = monotonic
        return self.next_delay()

    def due_on_open(self, monotonic: float) -> bool:
        """Opening the window now should fetch: nothing fetched yet, or too long ago."""
        if self.last_finished is None:
            return False  # the first fetch is under way or about to be
        return monotonic - self.last_finished >= self.open_refresh_after
