"""Lists and removes acknowledgements off the GUI thread, for the manage dialog and Edit menu.

Why on a worker (``ui.workers``): listing and removing touch the history database, which a
refresh being recorded may hold for about a second at 100k rows. The acknowledgements are the
history service's one store (``HistoryService.acknowledgements``); after a removal the service
judges the states again at once, so the "Needs attention" count, the tray icon and its
notifications stop muting the set without waiting for the next refresh.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from PySide6.QtCore import QObject, Signal

from desktop_app.report.derived import Acknowledgement
from desktop_app.report.rows import RowKey, key_parts
from desktop_app.ui.acknowledgements.table import AckEntry, computer_names, describe_standing
from desktop_app.ui.history.service import HistoryService
from desktop_app.ui.workers import Token, Workers

__all__ = ["AcknowledgementManager"]

log = logging.getLogger(__name__)

LIST_LANE = "acknowledgement-list"


class AcknowledgementManager(QObject):
    """See module docstring.

    Signals:
        listed(list): the ``AckEntry`` list.
        removed(int): how many were removed (the states are judged again next).
        failed(str): a sentence for the user.
    """

    listed = Signal(list)
    removed = Signal(int)
    failed = Signal(str)

    def __init__(
        self,
        workers: Workers,
        history: HistoryService,
        now: Callable[[], datetime],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._workers = workers
        self._history = history
        self._now = now

    @property
    def history(self) -> HistoryService:
        return self._history

    def load(self) -> None:
        """List every acknowledgement with its standing; answers with ``listed``."""
        history = self._history
        acks, store, states = history.acknowledgements, history.store, history.states
        if acks is None:
            return
        rows = states.rows if states is not None else ()
        problems = states.derived.problems if states is not None else None
        now = self._now()

        def entries(_token: Token) -> list[AckEntry]:
            stored = acks.all()
            names = computer_names(stored.keys(), rows)
            if len(names) < len(stored) and store is not None:
                missing = [m.last_row for m in store.missing_sets()]
                names = {**computer_names(stored.keys(), missing), **names}
            listed = []
            for key, ack in stored.items():
                holds, words = describe_standing(ack, problems, now)
                name = names.get(key, f"#{key_parts(key).computer_id}")
                listed.append(AckEntry(ack, name, holds, words))
            return listed

        def failed(error: BaseException) -> None:
            log.error("Could not list the acknowledgements", exc_info=error)
            self.failed.emit(f"Could not read the acknowledgements: {error}")

        self._workers.submit(entries, self.listed.emit, failed, lane=LIST_LANE, name="acks-list")

    def remove(self, chosen: Sequence[Acknowledgement]) -> bool:
        """Un-acknowledge these on a worker; False when there is nothing to do."""
        acks = self._history.acknowledgements
        if acks is None or not chosen:
            return False
        wanted = list(chosen)

        def done(count: int) -> None:
            self._history.recompute()  # muting and counts follow now, not at the next refresh
            self.removed.emit(count)

        def failed(error: BaseException) -> None:
            log.error("Could not remove acknowledgements", exc_info=error)
            self.failed.emit(f"Could not remove the acknowledgements: {error}")
            self.load()  # show what the database really holds

        self._workers.submit(
            lambda _token: len(acks.discard(wanted)), done, failed, name="acks-remove"
        )
        return True

    def held_for(self, keys: Iterable[RowKey]) -> list[Acknowledgement]:
        """The acknowledgements that currently mute these sets."""
        states = self._history.states
        if states is None:
            return []
        held = states.derived.acknowledged
        return [held[k] for k in keys if k in held]
