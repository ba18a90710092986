"""Feeds the table the missing sets' last known rows, read from the history off the GUI thread.

Why a loader of its own: the derived states only carry the missing sets' keys; their last known
rows come from ``HistoryStore.missing_sets``, which waits for the database's reader lock while a
refresh is being recorded, so it runs on a daemon thread (like ``ui.attention``) and reports
back through a queued signal; a generation number drops answers a newer request overtook.
A set's last known row never changes while it is missing, so when the keys are the ones the
table already shows, nothing is read at all (the usual refresh).

Signals (on the GUI thread):
    loaded(object): a tuple of ``MissingSet`` (only those whose keys were asked for).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterable

from PySide6.QtCore import QObject, Signal

from desktop_app.report.rows import RowKey
from desktop_app.storage.history import HistoryStore, MissingSet
from desktop_app.ui.table.model import ReportTableModel

__all__ = ["MissingRowsLoader"]

log = logging.getLogger(__name__)


class MissingRowsLoader(QObject):
    """Keeps ``model``'s missing rows equal to the keys handed to :meth:`show` (see module)."""

    loaded = Signal(object)
    _done = Signal(int, object)  # generation, tuple of MissingSet

    def __init__(
        self, store: HistoryStore, model: ReportTableModel, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._model = model
        self._generation = 0
        self._closed = False
        self._done.connect(self._on_done)

    def show(self, keys: Iterable[RowKey]) -> bool:
        """Show these sets as missing rows; False when the table already shows exactly them."""
        wanted = frozenset(keys)
        self._generation += 1
        if wanted == self._model.missing_keys():
            return False
        if not wanted:
            self._model.set_missing(())
            return True
        job = (self._generation, wanted)
        threading.Thread(target=self._read, args=job, name="missing-rows", daemon=True).start()
        return True

    def close(self) -> None:
        """Ignore answers from here on (the database is about to close)."""
        self._closed = True

    def _read(self, generation: int, wanted: frozenset[RowKey]) -> None:
        try:
            found = tuple(m for m in self._store.missing_sets() if m.key in wanted)
        except Exception:
            if not self._closed:
                log.exception("Could not read the missing sets")
            return
        if self._closed:
            return
        with contextlib.suppress(RuntimeError):  # the QObject is gone: the app is quitting
            self._done.emit(generation, found)

    def _on_done(self, generation: int, found: tuple[MissingSet, ...]) -> None:
        if generation != self._generation or self._closed:
            return
        self._model.set_missing(found)
        self.loaded.emit(found)
