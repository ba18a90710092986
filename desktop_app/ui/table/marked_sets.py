"""The sets the report table marks beyond the report's own rows: missing sets (extra rows, their
last known row), stale sets ("Stale" in the Status column) and acknowledged sets (the
Acknowledged column). Part of ``ReportTableModel`` (see ``ui.table.model``).

A change of the missing sets, or of the stale or acknowledged sets while the view is sorted by
them, re-sorts the view: in place for a small report (a few ms), on a latest-wins lane of the
``Workers`` from ``missing_in_background_from`` report rows (60-130 ms at 100k rows), the GUI
thread then only swapping the result in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from desktop_app.report.derived import MISSING, OVERDUE, STALE, Acknowledgement, StaleRule
from desktop_app.report.prepared import ViewPreparer, prepare_view
from desktop_app.report.row_index import RowIndex
from desktop_app.report.rows import RowKey
from desktop_app.report.sort_keys import SortField
from desktop_app.runtime.gc_policy import building_long_lived
from desktop_app.runtime.pacing import unpaced
from desktop_app.storage.history import MissingSet
from desktop_app.ui.workers import Token, Workers

__all__ = ["MarkedSets"]

_REBUILD_LANE = "view-rebuild"


def _ack_times(acks: Mapping[RowKey, Acknowledgement]) -> dict[RowKey, float]:
    return {key: ack.at.timestamp() for key, ack in acks.items()}


class MarkedSets:
    """The missing, stale and acknowledged sets of the report table (see module docstring)."""

    _view: RowIndex
    _preparer: ViewPreparer

    def _init_marked_sets(
        self,
        workers: Workers | None,
        in_background_from: int,
        pause: Callable[[], None] = unpaced,
    ) -> None:
        self._workers = workers
        self._pause = pause
        self._missing_in_background_from = in_background_from
        self._missing: dict[RowKey, MissingSet] = {}
        self._stale: frozenset[RowKey] = frozenset()
        self._overdue: frozenset[RowKey] = frozenset()  # the stale sets judged by a rhythm
        self._repeated: frozenset[RowKey] = frozenset()  # failing past the escalation rule
        self._acks: Mapping[RowKey, Acknowledgement] = {}

    def _relayout(self, change: Callable[[], object], *, by_key: bool = False) -> None:
        raise NotImplementedError  # the model's: a layout change that moves persistent indexes

    def set_missing(self, sets: Iterable[MissingSet]) -> None:
        """Show these missing sets as rows (their last known row); replaces the previous ones.

        Also handed to the preparer, so the next fetched report is prepared with them. Selection
        and current row follow their sets (by key) through the change.
        """
        info = {s.key: s for s in sets}
        self._missing = info
        rows = tuple(s.last_row for s in info.values())
        self._preparer.missing = rows
        if self._view.absent_from_report(rows) == self._view.missing_rows:
            return
        view = self._view
        if not self._in_background(view):
            self._cancel_rebuild()
            self._relayout(lambda: view.set_missing(rows), by_key=True)
            return
        self._rebuild_in_background()

    def _in_background(self, view: RowIndex) -> bool:
        return self._workers is not None and view.report_size >= self._missing_in_background_from

    def _cancel_rebuild(self) -> None:
        """A rebuild still running would bring back the old sets: its answer is dropped."""
        if self._workers is not None:
            self._workers.cancel(_REBUILD_LANE)

    def _rebuild_in_background(self) -> None:
        """The same report with the current missing, stale and acknowledged sets, sorted and
        warmed on a worker (a re-sort of 100k rows would stall the GUI 60-130 ms), paced: the
        table already shows the report, and unpaced the rebuild held the GIL against the GUI
        thread at a start (bench_gui_fetch --watchdog: 250 ms stalls)."""
        assert self._workers is not None
        base, preparer, pause = self._view, self._preparer, self._pause
        report_rows = base.rows[: base.report_size]
        missing, stale, acknowledged = preparer.missing, preparer.stale, preparer.acknowledged

        def rebuild(_token: Token) -> RowIndex:
            with building_long_lived() as built:  # like a fetched report's view
                view = prepare_view(
                    report_rows, base.now, base.spec, missing, stale, acknowledged, pause
                )
                built.rows = len(report_rows)
            return view

        def adopt(view: RowIndex) -> None:
            if base is not self._view:
                return  # overtaken by a newer report (prepared with these sets)
            view.apply(self._view.spec)  # the user may have sorted or filtered meanwhile
            self._relayout(lambda: setattr(self, "_view", view), by_key=True)

        self._workers.submit(rebuild, adopt, lane=_REBUILD_LANE, name="rebuild-view")

    def missing_keys(self) -> frozenset[RowKey]:
        """The keys of the missing sets handed to :meth:`set_missing`."""
        return frozenset(self._missing)

    def missing_rows_shown(self) -> int:
        return self._view.missing_shown()

    def missing_set_at(self, view_row: int) -> MissingSet | None:
        """The ``MissingSet`` shown at ``view_row``, or ``None`` for a row of the report."""
        source = self._view.index[view_row]
        if not self._view.is_missing(source):
            return None
        return self._missing.get(self._view.rows[source].key)

    def set_stale_keys(self, keys: Iterable[RowKey], overdue: Iterable[RowKey] = ()) -> None:
        """The stale sets (from the derived states): their Status reads "Stale" with its icon
        ("Overdue" for those judged by their rhythm, ``overdue``), they sort after failures,
        and the export flags them."""
        stale = frozenset(keys)
        overdue = frozenset(overdue)
        if overdue != self._overdue:
            self._overdue = overdue
            if stale == self._stale:
                self._relayout(lambda: None)  # the same sets, some worded differently
        if stale == self._stale:
            return
        self._stale = self._preparer.stale = stale
        self._follow_states(SortField.STATUS)

    def set_stale_rule(self, rule: StaleRule) -> None:
        """The rule the fetch worker judges a new report's stale sets with (see
        ``ViewPreparer``); the sets themselves still come through :meth:`set_stale_keys`."""
        self._preparer.rule = rule

    def set_acknowledgements(self, acks: Mapping[RowKey, Acknowledgement]) -> None:
        """The acknowledgements that hold now: the Acknowledged column shows who (when and why
        in its tooltip), sorts by when, and the export writes them."""
        if acks == self._acks:
            return
        self._acks = dict(acks)
        self._preparer.acknowledged = _ack_times(self._acks)
        self._follow_states(SortField.ACKNOWLEDGED)

    def _follow_states(self, field: SortField) -> None:
        """The stale or acknowledged sets changed: repaint, and re-sort when the view is sorted
        by ``field`` (on a worker for a large report, see ``_rebuild_in_background``)."""
        view, preparer = self._view, self._preparer
        if view.sort_field is field and self._in_background(view):
            self._rebuild_in_background()
            return
        self._cancel_rebuild()

        def change() -> None:
            view.set_stale(preparer.stale)
            view.set_acknowledged(preparer.acknowledged)

        self._relayout(change)

    def acknowledgement_of(self, key: RowKey) -> Acknowledgement | None:
        return self._acks.get(key)

    def flag_at(self, view_row: int) -> str:
        """ "MISSING", "OVERDUE", "STALE" or "" for the row shown at ``view_row`` (missing
        first)."""
        source = self._view.index[view_row]
        if self._view.is_missing(source):
            return MISSING
        key = self._view.rows[source].key
        if key in self._stale:
            return OVERDUE if key in self._overdue else STALE
        return ""

    def set_repeated_keys(self, keys: Iterable[RowKey]) -> None:
        """The repeated failures (from the derived states): their Status reads "Repeated
        failure" (they stay failures: filters and sorting are unchanged)."""
        repeated = frozenset(keys)
        if repeated != self._repeated:
            self._repeated = repeated
            self._relayout(lambda: None)

    def is_overdue(self, key: RowKey) -> bool:
        """Stale by its rhythm (the Status reads "Overdue")."""
        return key in self._overdue
