"""Quiet hours: when change notifications wait instead of popping up.

Rules: a quiet period starts at ``start`` (the admin's wall clock) on each chosen weekday and
ends at ``end``; when ``end`` is not after ``start`` the period runs past midnight and ends on
the next day ("22:00 to 07:00" chosen for Friday is quiet from Friday 22:00 to Saturday 07:00).
``start == end`` means the whole day. Wall-clock times are read in the admin's zone at each
instant, so a daylight-saving change never moves a quiet period: 22:00 stays 22:00. The tray
icon keeps showing state during quiet hours; only toasts wait, and what changed meanwhile is
summed up once they end (see ``QuietSummary``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, tzinfo

__all__ = ["ALL_DAYS", "QuietHours", "QuietSummary"]

ALL_DAYS: frozenset[int] = frozenset(range(7))


@dataclass(frozen=True, slots=True)
class QuietHours:
    """The setting; ``days`` are the weekdays (0 = Monday) on which a quiet period starts."""

    enabled: bool = False
    start: time = time(22, 0)
    end: time = time(7, 0)
    days: frozenset[int] = ALL_DAYS

    def is_quiet(self, now: datetime, tz: tzinfo | None = None) -> bool:
        """Whether aware ``now`` falls in a quiet period, read in ``tz`` (None: the system's)."""
        if not self.enabled or not self.days:
            return False
        local = now.astimezone(tz)
        wall = local.time().replace(tzinfo=None)
        today = local.weekday()
        yesterday = (today - 1) % 7
        if self.start == self.end:
            return today in self.days
        if self.start < self.end:
            return today in self.days and self.start <= wall < self.end
        # Past midnight: the evening part belongs to today, the morning part to yesterday.
        return (today in self.days and wall >= self.start) or (
            yesterday in self.days and wall < self.end
        )

    def describe(self) -> str:
        """ "22:00-07:00, every day" / "22:00-07:00, Mon, Tue" / "off"."""
        if not self.enabled or not self.days:
            return "off"
        names = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
        when = (
            "every day" if self.days == ALL_DAYS else ", ".join(names[d] for d in sorted(self.days))
        )
        if self.start == self.end:
            return f"all day, {when}"
        return f"{self.start:%H:%M}-{self.end:%H:%M}, {when}"


@dataclass
class QuietSummary:
    """What changed during quiet hours, counted per kind, for one notification at their end.

    ``add`` takes the counts of one suppressed notification; ``take`` returns the totals and
    starts over. Counts add up (two refreshes each with a new failure are two new failures);
    a set that failed and recovered meanwhile is counted in both, which is what happened.
    """

    counts: dict[str, int] = field(default_factory=dict)
    held: int = 0

    def add(self, counts: dict[str, int]) -> None:
        for kind, count in counts.items():
            if count:
                self.counts[kind] = self.counts.get(kind, 0) + count
        self.held += 1

    def take(self) -> dict[str, int]:
        totals, self.counts, self.held = self.counts, {}, 0
        return totals

    def __bool__(self) -> bool:
        return bool(self.counts)
