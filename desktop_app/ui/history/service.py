"""The app's one history: recording, the acknowledgement store, and the derived problem states.

One object, built at start and living until quit, so nothing waits for a "ready" signal or
keeps its own copy: it owns the recorder (``ui.history.recorder``: opening the database and
writing each fetched report on a serial lane of ``Workers``), the one ``AcknowledgementStore``
(once the database is open), the history's health, and the problem states of the report on
screen (``report.problem_states``), judged on a latest-wins lane. Whoever shows problems (the
sidebar, the filter toggles, the detail pane, the tray, the missing rows) subscribes to
``states_changed``; whoever asks about one set calls a query method.

When the states are judged: a report on screen that is being recorded is judged once its
recording is done (``recorded``/``record_failed``: a disk without room must not hold the states
back), so the missing sets and acknowledgements are those that follow it; a report shown from
the history at start (never recorded again) or shown while the history is not open is judged
at once, from the report alone until the history opens. A change of the stale rule or the
escalation rule, an acknowledgement made or removed, a rhythm set or released, and the history
opening judge again.

Rhythms: each judging reads what the history learned (``HistoryStore.learned``, refreshed by
every recording) and the admin's overrides (``RhythmOverrides``), and judges with the stale
rule plus those rhythms (``storage.runs.effective_rhythms``). That one rule goes out with the
states and as ``rule_changed``, so the table, the view preparer and the tray's notifications
judge every set exactly as the toggles, sidebar and detail pane do.

Signals (on the GUI thread):
    states_changed(ProblemStates): the new states of the report on screen.
    rule_changed(StaleRule): the rule (rhythms included) the states were judged by.
    health_changed(HistoryHealth): see ``ui.history.health``.
    restored(PreparedReport): the last recorded report, read back at start.
    acknowledged(int): how many acknowledgements were just stored (the states follow).
    failed(str): a sentence for the status bar (acknowledging or judging failed).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from PySide6.QtCore import QObject, Signal

from desktop_app.report.derived import Acknowledgement, StaleRule
from desktop_app.report.escalation import EscalationRule
from desktop_app.report.prepared import PreparedReport
from desktop_app.report.problem_states import ProblemStates, judge
from desktop_app.report.rows import BackupStatusRow, Report, RowKey
from desktop_app.report.timeline import SetHistory
from desktop_app.runtime.pacing import unpaced
from desktop_app.storage.acknowledgements import AcknowledgementStore
from desktop_app.storage.history import HISTORY_SOURCE, HistoryStore, RecordResult
from desktop_app.storage.history_queries import last_successes
from desktop_app.storage.runs import (
    RhythmOverrides,
    effective_rhythms,
    runs_in_window,
    streaks_of,
)
from desktop_app.ui.history.health import HistoryHealth
from desktop_app.ui.history.recorder import RETRY_SECONDS, HistoryRecorder
from desktop_app.ui.workers import Token, Workers

__all__ = ["HistoryService"]

log = logging.getLogger(__name__)

DERIVE_LANE = "problem-states"


class HistoryService(QObject):
    """See module docstring. ``now`` is the clock reading the states are judged at (the
    table's, so the Age column and "stale" agree); ``clock`` stamps acknowledgements.
    ``pause`` paces the judging (``runtime.pacing.Pacer.pause``): it is never urgent, and at
    100,000 rows it is a few hundred milliseconds of Python that would otherwise hold the GIL
    against the GUI thread while a start's fetched report replaces the restored one. ``delay``
    holds back writes (the recorder's) and the judging of a report just put on screen, so the
    GUI thread draws it first."""

    states_changed = Signal(ProblemStates)
    rule_changed = Signal(StaleRule)
    health_changed = Signal(HistoryHealth)
    restored = Signal(PreparedReport)
    acknowledged = Signal(int)
    failed = Signal(str)

    def __init__(
        self,
        workers: Workers,
        open_store: Callable[[], HistoryStore],
        *,
        now: Callable[[], datetime],
        clock: Callable[[], datetime],
        rule: StaleRule | None = None,
        restore: Callable[[Report], PreparedReport] | None = None,
        delay: float = 0.0,
        retry_seconds: float = RETRY_SECONDS,
        pause: Callable[[], None] = unpaced,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._workers = workers
        self._pause = pause
        self._delay = delay
        self._now = now
        self._clock = clock
        self._rule = rule if rule is not None else StaleRule()
        self._escalation = EscalationRule()
        self._overrides: RhythmOverrides | None = None
        self._rows: tuple[BackupStatusRow, ...] | None = None
        self._acks: AcknowledgementStore | None = None
        self.states: ProblemStates | None = None
        self.recorder = HistoryRecorder(
            workers, open_store, self, delay=delay, restore=restore, retry_seconds=retry_seconds
        )
        self.recorder.opened.connect(self._on_opened)
        self.recorder.recorded.connect(self._on_recorded)
        self.recorder.record_failed.connect(lambda _reason: self.recompute())
        self.recorder.health_changed.connect(self.health_changed)
        self.recorder.restored.connect(self.restored)

    # --- the history ----------------------------------------------------------------------------
    @property
    def store(self) -> HistoryStore | None:
        """The open store, for read queries (safe on the GUI thread and any worker)."""
        return self.recorder.store

    @property
    def available(self) -> bool:
        """The database is open: missing sets, acknowledgements and set histories are known."""
        return self._acks is not None

    @property
    def acknowledgements(self) -> AcknowledgementStore | None:
        return self._acks

    @property
    def health(self) -> HistoryHealth:
        return self.recorder.health

    def dismiss_notice(self) -> None:
        self.recorder.dismiss_notice()

    def start(self) -> None:
        """Open the database (off the GUI thread); connect to the signals first."""
        self.recorder.start()

    def set_retention(self, retention: timedelta) -> None:
        self.recorder.set_retention(retention)

    def record(self, report: Report) -> None:
        """A fetched report: record it (its states are judged once that is done)."""
        self.recorder.record(report)

    def close(self) -> None:
        self._workers.cancel(DERIVE_LANE)
        self.recorder.close()

    # --- questions about one set ----------------------------------------------------------------
    def set_history(self, key: RowKey) -> SetHistory | None:
        """The set's recorded runs (the detail pane, a ticket); ``None`` without a history or
        when the database fails (logged: a broken database costs the history lines only)."""
        store = self.store
        if store is None:
            return None
        try:
            return store.set_history(key)
        except Exception:
            log.exception("Could not read the history of %s", key)
            return None

    def last_successes(self) -> dict[RowKey, datetime]:
        """When each set's newest successful run ended (one query over the history: call it on
        a worker, as the CSV export does); empty without a history."""
        store = self.store
        return last_successes(store.database) if store is not None else {}

    def acknowledgement(self, key: RowKey) -> Acknowledgement | None:
        """The stored acknowledgement of ``key``, if any."""
        return self._acks.get(key) if self._acks is not None else None

    def problem_of(self, key: RowKey) -> str | None:
        """MISSING, FAILURE or STALE as judged last, or ``None``."""
        return None if self.states is None else self.states.problem_of(key)

    # --- the states of the report on screen -----------------------------------------------------
    def show_report(self, report: Report) -> None:
        """The report now on screen (fetched, or restored from the history at start)."""
        self._rows = report.rows
        if self._acks is None or report.source == HISTORY_SOURCE:
            # Not recorded (again): nothing to wait for but the GUI drawing it (``delay``).
            self.recompute(delay=self._delay)

    def set_rule(self, rule: StaleRule) -> None:
        """The stale thresholds (without rhythms: those come from the history)."""
        if rule != self._rule:
            self._rule = rule
            self.recompute()

    def set_escalation(self, escalation: EscalationRule) -> None:
        if escalation != self._escalation:
            self._escalation = escalation
            self.recompute()

    @property
    def rule(self) -> StaleRule:
        """The rule the states on screen were judged by (rhythms included)."""
        return self.states.rule if self.states is not None else self._rule

    def set_rhythm(self, key: RowKey, interval: float | None) -> bool:
        """Judge ``key`` by ``interval`` seconds (``None``: learning off, the stale threshold
        applies), stored off the GUI thread, then judged again; False without a history."""
        overrides = self._overrides
        return overrides is not None and self._change_rhythm(lambda: overrides.set(key, interval))

    def learn_rhythm(self, key: RowKey) -> bool:
        """Drop the admin's rhythm for ``key``: it is learned from its runs again."""
        overrides = self._overrides
        return overrides is not None and self._change_rhythm(lambda: overrides.clear(key))

    def _change_rhythm(self, change: Callable[[], None]) -> bool:
        """Store an override off the GUI thread, then judge again."""
        self._workers.submit(
            lambda _token: change(),
            lambda _done: self.recompute(),
            self._rhythm_failed,
            name="rhythm",
        )
        return True

    def runs_learned_from(self, key: RowKey) -> int:
        """Runs of ``key`` in the learning window (the pane's "3 of 5"); 0 without a history."""
        store = self.store
        if store is None:
            return 0
        try:
            return runs_in_window(store.database, key, self._clock().timestamp())
        except Exception:
            log.exception("Could not count the runs of %s", key)
            return 0

    def recompute(self, delay: float = 0.0) -> None:
        """Judge the states of the report on screen again, off the GUI thread (after ``delay``
        seconds: a report just put on screen is being drawn)."""
        rows = self._rows
        if rows is None:
            return  # nothing to judge before the first report
        store, acks, rule, now = self.store, self._acks, self._rule, self._now()
        escalation, overrides, pause = self._escalation, self._overrides, self._pause

        def judge_states(_token: Token) -> ProblemStates:
            missing = [m.key for m in store.missing_sets()] if store is not None else []
            stored = acks.all() if acks is not None else None
            learned = store.learned() if store is not None else {}
            fixed = overrides.all() if overrides is not None else {}
            judged_by = replace(rule, rhythms=effective_rhythms(learned, fixed, pause))
            states = judge(
                rows,
                now,
                judged_by,
                missing,
                stored,
                streaks=streaks_of(learned, pause),
                escalation=escalation,
                overrides=fixed,
                pause=pause,
            )
            voided = states.derived.voided
            if voided and acks is not None and stored is not None:
                # Void for good (see report.derived); only the acknowledgements judged here,
                # so one made again meanwhile survives. A database that refuses the delete
                # must not hold the states back: the next pass tries again.
                try:
                    acks.discard(stored[key] for key in voided)
                except Exception:
                    log.exception("Could not delete the lapsed acknowledgements")
            return states

        self._workers.submit(
            judge_states,
            self._adopt,
            self._judging_failed,
            lane=DERIVE_LANE,
            delay=delay,
            name="attention",
        )

    def acknowledge_many(
        self, keys: Sequence[RowKey], note: str, snooze_until: datetime | None = None
    ) -> bool:
        """Acknowledge the current problem of each of ``keys`` with one note, off the GUI
        thread, then judge again; False when there is nothing to acknowledge."""
        acks = self._acks
        states = {key: state for key in keys if (state := self.problem_of(key)) is not None}
        if not states or not note.strip() or acks is None:
            return False

        def store(_token: Token) -> int:
            for key, state in states.items():
                acks.acknowledge(key, state, note, snooze_until)
            return len(states)

        self._workers.submit(
            store, self._on_acknowledged, self._acknowledge_failed, name="acknowledge"
        )
        return True

    # --- answers --------------------------------------------------------------------------------
    def _on_opened(self, store: HistoryStore) -> None:
        self._acks = AcknowledgementStore(store.database, clock=self._clock)
        self._overrides = RhythmOverrides(store.database)
        self.recompute()

    def _on_recorded(self, _result: RecordResult) -> None:
        self.recompute()

    def _adopt(self, states: ProblemStates) -> None:
        self.states = states
        self.rule_changed.emit(states.rule)
        self.states_changed.emit(states)

    def _judging_failed(self, error: BaseException) -> None:
        log.error("Could not derive the problem states", exc_info=error)
        self.failed.emit(f"Could not work out the problem states: {error}")

    def _on_acknowledged(self, count: int) -> None:
        self.acknowledged.emit(count)
        self.recompute()

    def _rhythm_failed(self, error: BaseException) -> None:
        log.error("Could not store the rhythm", exc_info=error)
        self.failed.emit(f"Could not change the rhythm: {error}")

    def _acknowledge_failed(self, error: BaseException) -> None:
        log.error("Could not store the acknowledgement", exc_info=error)
        self.failed.emit(f"Could not acknowledge: {error}")
