"""What the tray compares when a report arrives: the previous report against the new one.

Captured on the GUI thread (``Comparison``), run there for a small report and on a worker for
a large one, answered as a ``Compared``: the changes to announce and the baseline the next
report is compared with (``report.diff.carry_forward``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from desktop_app.report.diff import ReportChanges, carry_forward, diff_reports
from desktop_app.report.rhythm import Rhythm
from desktop_app.report.rows import Report, RowKey

__all__ = ["Compared", "Comparison"]


@dataclass(frozen=True, slots=True)
class Comparison:
    """What a comparison needs, captured on the GUI thread when the report arrives."""

    report: Report
    now: datetime
    previous: Report | None
    previous_at: datetime | None
    stale_after: timedelta
    per_customer: Mapping[str, timedelta]
    rhythms: Mapping[RowKey, Rhythm]

    def run(self, pause: Callable[[], None]) -> Compared:
        changes = None
        if self.previous is not None:
            changes = diff_reports(
                self.previous,
                self.report,
                self.now,
                previous_now=self.previous_at,
                stale_after=self.stale_after,
                per_customer=self.per_customer,
                rhythms=self.rhythms,
                pause=pause,
            )
        baseline = carry_forward(self.previous, self.report)
        return Compared(self, changes, baseline)


@dataclass(frozen=True, slots=True)
class Compared:
    job: Comparison
    changes: ReportChanges | None
    baseline: Report  # what the next report is compared with (``diff.carry_forward``)
