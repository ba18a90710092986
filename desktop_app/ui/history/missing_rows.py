"""Feeds the table the missing sets' last known rows, read from the history off the GUI thread.

Why a loader of its own: the problem states only carry the missing sets' keys; their last known
rows come from ``HistoryStore.missing_sets``, which waits for the database's reader lock while a
refresh is being recorded, so it runs on a latest-wins lane of ``Workers`` (an answer a newer
request overtook is dropped). A set's last known row never changes while it is missing, so when
the keys are the ones the table already shows, nothing is read at all (the usual refresh).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol

from PySide6.QtCore import QObject, Signal

from desktop_app.report.problem_states import ProblemStates
from desktop_app.report.rows import RowKey
from desktop_app.storage.history import HistoryStore, MissingSet
from desktop_app.ui.workers import Token, Workers

__all__ = ["MissingRows", "MissingRowsLoader"]

LANE = "missing-rows"


class MissingRows(Protocol):
    """Where the missing rows are shown (the table model)."""

    def missing_keys(self) -> frozenset[RowKey]: ...

    def set_missing(self, sets: Iterable[MissingSet]) -> None: ...


class MissingRowsLoader(QObject):
    """Keeps ``model``'s missing rows equal to the missing sets of the states (see module).

    Signals:
        loaded(tuple): the ``MissingSet`` tuple now shown.
    """

    loaded = Signal(tuple)

    def __init__(
        self,
        workers: Workers,
        store: Callable[[], HistoryStore | None],
        model: MissingRows,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._workers = workers
        self._store = store
        self._model = model

    def show_states(self, states: ProblemStates) -> None:
        self.show(states.derived.missing)

    def show(self, keys: Iterable[RowKey]) -> bool:
        """Show these sets as missing rows; False when the table already shows exactly them."""
        wanted = frozenset(keys)
        if wanted == self._model.missing_keys():
            self._workers.cancel(LANE)  # an older, different answer must not come back
            return False
        store = self._store()
        if not wanted or store is None:
            self._workers.cancel(LANE)
            self._model.set_missing(())
            return True

        def read(_token: Token) -> tuple[MissingSet, ...]:
            return tuple(m for m in store.missing_sets() if m.key in wanted)

        self._workers.submit(read, self._adopt, lane=LANE, name="missing-rows")
        return True

    def _adopt(self, found: tuple[MissingSet, ...]) -> None:
        self._model.set_missing(found)
        self.loaded.emit(found)
