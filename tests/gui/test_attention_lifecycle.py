"""The acknowledgement lifecycle in the attention controller: acknowledge, recover (the
acknowledgement lapses and is deleted), fail again (needs attention again), snooze end, removal.

Real SQLite history in ``tmp_path``; the controller derives on its worker thread.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop_app.report.derived import FAILURE, STALE, DerivedStates, StaleRule
from desktop_app.report.rows import BackupStatusRow, Report
from desktop_app.storage.acknowledgements import AcknowledgementStore
from desktop_app.storage.history import HistoryStore
from desktop_app.ui.attention import AttentionController

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
