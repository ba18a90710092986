"""Keeps the derived states (stale, missing, needs attention) of the shown report current.

Why a worker thread per computation: ``derive`` and the customer summary are one pass each over
the rows (tens of milliseconds at 100k) and reading the missing sets and acknowledgements waits
for the database's reader lock, which a refresh being recorded may hold. Without the history
(not open yet, or off) the states are still derived from the report alone (stale, failing): no
missing sets and no acknowledgements, but never an empty sidebar or a Stale toggle that shows
nothing. Like the fetcher, a
daemon ``threading.Thread`` reports back through a queued signal; a generation number drops
results that a newer computation has overtaken.

Signals (on the GUI thread):
    changed(object): the new ``DerivedStates`` (``customers`` and ``summary`` already updated).
    summarised(object): the new ``ProblemSummary`` (right after ``changed``).
    acknowledged(object): the list of stored ``Acknowledgement`` (the states are recomputed
        next).
    failed(str): a sentence for the status bar.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Sequence
from datetime import datetime

from PySide6.QtCore import QObject, Signal

from desktop_app.report.customers import CustomerCounts, summarise_customers
from desktop_app.report.derived import DerivedStates, StaleRule, derive
from desktop_app.report.rows import BackupStatusRow, Report, RowKey
from desktop_app.report.summary import ProblemSummary, summarise_problems
from desktop_app.storage.acknowledgements import AcknowledgementStore
from desktop_app.storage.history import HistoryStore

__all__ = ["AttentionController"]

log = logging.getLogger(__name__)


class AttentionController(QObject):
    """See module docstring. ``now`` returns an aware UTC datetime."""

    changed = Signal(object)
    summarised = Signal(object)
    acknowledged = Signal(object)
    failed = Signal(str)
    # generation, DerivedStates, (customers, summary, whether the history was used, rows)
    _computed = Signal(int, object, object)
    _ack_done = Signal(object, str)  # Acknowledgement or None, error text

    def __init__(
        self,
        store: HistoryStore | None,
        acknowledgements: AcknowledgementStore | None,
        rule: StaleRule,
        now: Callable[[], datetime],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._acks = acknowledgements
        self._rule = rule
        self._now = now
        self._rows: tuple[BackupStatusRow, ...] | None = None  # None: no report yet
        self._generation = 0
        self._closed = False
        self.derived: DerivedStates | None = None
        self.derived_with_history = False  # whether ``derived`` knows missing sets and acks
        self.derived_rows: tuple[BackupStatusRow, ...] = ()  # the rows ``derived`` is of
        self.customers: list[CustomerCounts] = []
        self.summary: ProblemSummary | None = None
        self._computed.connect(self._on_computed)
        self._ack_done.connect(self._on_ack_done)

    def attach_history(self, store: HistoryStore, acknowledgements: AcknowledgementStore) -> None:
        """The history opened: missing sets and acknowledgements count from the next pass."""
        self._store, self._acks = store, acknowledgements

    @property
    def has_history(self) -> bool:
        return self._acks is not None

    @property
    def rows(self) -> tuple[BackupStatusRow, ...]:
        """The rows of the last report handed to ``set_report``."""
        return self._rows or ()

    @property
    def rule(self) -> StaleRule:
        return self._rule

    def set_report(self, report: object) -> None:
        """Remember the shown report; the states follow once it is recorded (``recompute``)."""
        if isinstance(report, Report):
            self._rows = report.rows

    def set_rule(self, rule: StaleRule) -> None:
        if rule != self._rule:
            self._rule = rule
            self.recompute()

    def recompute(self, *_args: object) -> None:
        """Derive the states of the current rows on a worker thread (connect to ``recorded``)."""
        if self._closed or self._rows is None:
            return  # nothing to derive before the first report
        self._generation += 1
        job = (self._generation, self._rows, self._rule, self._now())
        threading.Thread(target=self._derive, args=job, name="attention", daemon=True).start()

    def problem_of(self, key: RowKey) -> str | None:
        """The current problem state of ``key`` (MISSING, FAILURE, STALE) or ``None``."""
        return None if self.derived is None else self.derived.problems.get(key)

    def acknowledge(self, key: RowKey, note: str, snooze_until: datetime | None = None) -> bool:
        """Acknowledge ``key``'s current problem (see ``acknowledge_many``)."""
        return self.acknowledge_many([key], note, snooze_until)

    def acknowledge_many(
        self, keys: Sequence[RowKey], note: str, snooze_until: datetime | None = None
    ) -> bool:
        """Acknowledge the current problem of each of ``keys`` with one note, on a worker
        thread, then recompute once; False when there is nothing to acknowledge."""
        acks = self._acks
        states = {key: state for key in keys if (state := self.problem_of(key)) is not None}
        if not states or self._closed or not note.strip() or acks is None:
            return False

        def work() -> None:
            try:
                done = [
                    acks.acknowledge(k, state, note, snooze_until) for k, state in states.items()
                ]
            except Exception as error:  # database trouble: tell the user, keep running
                log.exception("Could not store the acknowledgement")
                self._emit(self._ack_done, None, f"Could not acknowledge: {error}")
                return
            self._emit(self._ack_done, done, "")

        threading.Thread(target=work, name="acknowledge", daemon=True).start()
        return True

    def close(self) -> None:
        """Ignore results from here on (the database is about to close)."""
        self._closed = True

    def _derive(
        self, generation: int, rows: tuple[BackupStatusRow, ...], rule: StaleRule, now: datetime
    ) -> None:
        store, store_acks = self._store, self._acks
        try:
            missing = [m.key for m in store.missing_sets()] if store is not None else []
            acks = store_acks.all() if store_acks is not None else {}
            derived = derive(rows, now, rule, missing, acks)
            customers = summarise_customers(rows, derived)
            summary = summarise_problems(rows, derived)
        except Exception as error:
            if not self._closed:
                log.exception("Could not derive the problem states")
                self._emit(self.failed, f"Could not work out the problem states: {error}")
            return
        if derived.voided and store_acks is not None:
            # Void for good (see report.derived); only the acknowledgements judged here, so one
            # made again while this ran survives. A database that refuses the delete must not
            # hold the states back: the next pass tries again.
            try:
                store_acks.discard(acks[key] for key in derived.voided)
            except Exception:
                if not self._closed:
                    log.exception("Could not delete the lapsed acknowledgements")
        extra = (customers, summary, store_acks is not None, rows)
        self._emit(self._computed, generation, derived, extra)

    def _emit(self, signal: object, *args: object) -> None:
        if self._closed:
            return
        with contextlib.suppress(RuntimeError):  # the QObject is gone: the app is quitting
            signal.emit(*args)  # type: ignore[attr-defined]

    def _on_computed(self, generation: int, derived: DerivedStates, extra: object) -> None:
        if generation != self._generation or self._closed:
            return
        assert isinstance(extra, tuple)
        customers: list[CustomerCounts] = extra[0]
        summary: ProblemSummary = extra[1]
        self.derived = derived
        self.derived_with_history = bool(extra[2])
        self.derived_rows = extra[3]
        self.customers = list(customers)
        self.summary = summary
        self.changed.emit(derived)
        self.summarised.emit(summary)

    def _on_ack_done(self, ack: object, error: str) -> None:
        if ack is None:
            self.failed.emit(error)
            return
        self.acknowledged.emit(ack)
        self.recompute()
