"""The acknowledgement lifecycle in the attention controller: acknowledge, recover (the
acknowledgement lapses and is deleted), fail again (needs attention again), snooze end, removal.

Real SQLite history in ``tmp_path``; the controller derives on its worker thread.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMainWindow
from pytestqt.qtbot import QtBot

from desktop_app.report.derived import FAILURE, STALE, DerivedStates, StaleRule
from desktop_app.report.rows import BackupStatusRow, Report
from desktop_app.storage.acknowledgements import UNRECOGNISABLE, AcknowledgementStore
from desktop_app.storage.history import HistoryStore
from desktop_app.ui.acknowledgements.acknowledge_dialog import Problem, add_acknowledge_action
from desktop_app.ui.history.attention import AttentionController

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def row(status: str, *, end: datetime = NOW - timedelta(hours=1)) -> BackupStatusRow:
    return BackupStatusRow(
        NOW, "acme", "42", "PC-1", "Files", end - timedelta(minutes=5), end, status, (), 0, 0
    )


KEY = row("FAILURE").key


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[tuple[HistoryStore, AcknowledgementStore]]:
    store = HistoryStore(tmp_path / "h.sqlite3", clock=lambda: NOW)
    yield store, AcknowledgementStore(store.database, clock=lambda: NOW)
    store.close()


def derive_once(
    qtbot: QtBot, controller: AttentionController, rows: list[BackupStatusRow]
) -> DerivedStates:
    controller.set_report(Report(rows=tuple(rows), fetched_at=NOW))
    with qtbot.waitSignal(controller.changed, timeout=10_000) as changed:
        controller.recompute()
    derived = changed.args[0]
    assert isinstance(derived, DerivedStates)
    return derived


def test_a_recovered_acknowledged_set_voids_its_acknowledgement_and_keeps_deriving(
    qtbot: QtBot, setup: tuple[HistoryStore, AcknowledgementStore]
) -> None:
    store, acks = setup
    controller = AttentionController(store, acks, StaleRule(), lambda: NOW)
    try:
        assert derive_once(qtbot, controller, [row("FAILURE")]).needs_attention == {KEY}
        acks.acknowledge(KEY, FAILURE, "replacing the disk")
        assert derive_once(qtbot, controller, [row("FAILURE")]).acknowledged.keys() == {KEY}

        recovered = derive_once(qtbot, controller, [row("COMPLETED")])
        assert recovered.voided == {KEY} and not recovered.needs_attention
        assert acks.all() == {}  # lapsed for good: deleted

        again = derive_once(qtbot, controller, [row("FAILURE")])
        assert again.needs_attention == {KEY} and not again.acknowledged  # alerts again
    finally:
        controller.close()


def test_a_snooze_that_ended_voids_the_acknowledgement(
    qtbot: QtBot, setup: tuple[HistoryStore, AcknowledgementStore]
) -> None:
    store, acks = setup
    clock = [NOW]
    controller = AttentionController(store, acks, StaleRule(), lambda: clock[0])
    old = row("COMPLETED", end=NOW - timedelta(days=3))
    try:
        acks.acknowledge(KEY, STALE, "customer on holiday", snooze_until=NOW + timedelta(days=1))
        assert derive_once(qtbot, controller, [old]).acknowledged.keys() == {KEY}
        clock[0] = NOW + timedelta(days=1, seconds=1)
        lapsed = derive_once(qtbot, controller, [old])
        assert lapsed.needs_attention == {KEY} and lapsed.voided == {KEY}
        assert acks.all() == {}
    finally:
        controller.close()


def test_sets_whose_key_could_not_be_read_are_left_out_of_an_acknowledgement(
    qtbot: QtBot, setup: tuple[HistoryStore, AcknowledgementStore]
) -> None:
    """Issue 13's bulk acknowledge with issue 12's unknown keys: the store refuses a set it
    could not recognise again, so the action leaves it out (and says so) instead of failing
    the whole batch after storing part of it."""
    store, acks = setup
    window = QMainWindow()
    qtbot.addWidget(window)
    controller = AttentionController(store, acks, StaleRule(), lambda: NOW)
    nameless = row("FAILURE")._replace(username=None)
    selected = [nameless, row("FAILURE")]
    derived = derive_once(qtbot, controller, selected)
    assert nameless.key in derived.needs_attention  # a problem like any other
    asked: list[list[Problem]] = []

    def ask(problems: Sequence[Problem], _parent: object) -> tuple[str, None]:
        asked.append(list(problems))
        return "known", None

    action = add_acknowledge_action(window, controller, lambda: selected, ask)
    with qtbot.waitSignal(controller.changed, timeout=10_000) as changed:
        action.trigger()
    assert [p.key for p in asked[0]] == [KEY]
    assert changed.args[0].acknowledged.keys() == {KEY}
    assert "1 set whose name could not be read left alone" in window.statusBar().currentMessage()

    selected[:] = [nameless]
    action.trigger()
    assert len(asked) == 1  # not asked: nothing it could acknowledge
    assert window.statusBar().currentMessage() == f"Cannot acknowledge: {UNRECOGNISABLE}"
    controller.close()
