"""A report with its view built off the GUI thread, so the GUI thread only swaps it in.

The fetch worker (and the history's read-back of the last report) hand each ``Report`` to a
``ViewPreparer``: all the per-row work of showing it (loading, sorting, filtering and warming a
``RowIndex``) happens there, with the sort and filters the user has chosen meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from desktop_app.report.row_index import RowIndex
from desktop_app.report.rows import BackupStatusRow, Report, RowKey
from desktop_app.report.sort_keys import ViewSpec
from desktop_app.runtime.pacing import unpaced

if TYPE_CHECKING:  # derived imports this module's neighbours: only the type is needed here
    from desktop_app.report.derived import StaleRule

__all__ = ["PreparedReport", "ViewPreparer", "prepare_view", "report_rows"]


def prepare_view(
    rows: Iterable[BackupStatusRow],
    now: datetime,
    spec: ViewSpec,
    missing: Iterable[BackupStatusRow] = (),
    stale: Iterable[RowKey] = (),
    acknowledged: Mapping[RowKey, float] | None = None,
    pause: Callable[[], None] = unpaced,
) -> RowIndex:
    """A loaded, sorted, filtered and warmed index: all the per-row work of showing a report.

    ``stale`` and ``acknowledged`` (see ``RowIndex.set_stale``/``set_acknowledged``) are taken
    in before the rows, so sorting by Status or Acknowledged happens here, off the GUI thread.
    ``pause``: a paced worker's rest (``runtime.pacing``), called while loading and warming
    the index.
    """
    index = RowIndex(spec)
    index.set_stale(stale)
    index.set_acknowledged(acknowledged or {})
    index.load(rows, now, missing, pause)
    index.warm(pause)
    return index


@dataclass(frozen=True, slots=True)
class PreparedReport:
    """A report with its view already built, so the GUI thread only swaps it in."""

    report: Report
    view: RowIndex


class ViewPreparer:
    """Turns a fetched ``Report`` into a ``PreparedReport`` on the fetch worker thread.

    ``spec`` is set by the GUI thread whenever the user sorts or filters; the worker reads it
    once per report. If the user changes the view while a fetch runs, the GUI re-applies its
    newer spec when it adopts the result (rare, and no worse than preparing on the GUI thread).
    ``missing`` (the last known rows of the missing sets, also set by the GUI thread) is
    appended the same way, so a refresh that changes no missing set costs the GUI nothing; the
    ``stale`` and ``acknowledged`` sets are taken in the same way, for the sort. ``pause`` too
    (``runtime.pacing.Pacer.pause``): it paces the per-row loops, because views are prepared
    while the partners of a view of several are still parsed and while a report is on screen
    (at a start the restored one), and they must leave the GIL to the GUI.
    """

    def __init__(self, clock: Callable[[], datetime], spec: ViewSpec | None = None) -> None:
        self._clock = clock
        self.spec = spec if spec is not None else ViewSpec()
        self.missing: tuple[BackupStatusRow, ...] = ()
        self.stale: frozenset[RowKey] = frozenset()
        self.acknowledged: Mapping[RowKey, float] = {}
        self.rule: StaleRule | None = None
        self.pause: Callable[[], None] = unpaced

    def __call__(self, result: Report) -> PreparedReport:
        """With a ``rule`` the new rows' stale sets are judged here, at the view's own clock
        reading: the same judgement the derived states make from that reading (``derive``),
        so the report arrives already sorted as it will be shown.
        """
        now, pause = self._clock(), self.pause
        rule = self.rule
        stale = rule.stale_keys(result.rows, now, pause) if rule is not None else self.stale
        view = prepare_view(
            result.rows, now, self.spec, self.missing, stale, self.acknowledged, pause
        )
        return PreparedReport(result, view)


def report_rows(result: Report | PreparedReport) -> int:
    """How many rows a report (or a prepared one) holds: what a job built, for the GC policy
    (``runtime.gc_policy.long_lived``)."""
    return len(result.report.rows if isinstance(result, PreparedReport) else result.rows)
