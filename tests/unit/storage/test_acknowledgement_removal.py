"""Removing acknowledgements by hand (the Acknowledgements dialog) in a real history database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from desktop_app.storage.acknowledgements import AcknowledgementStore
from desktop_app.storage.history import HistoryStore

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
A = ("acme", "1", "Files")
B = ("acme", "2", "SQL")
C = ("bravo", "3", "Files")


@pytest.fixture
def history(tmp_path: Path) -> Iterator[HistoryStore]:
    store = HistoryStore(tmp_path / "history.sqlite3", clock=lambda: NOW)
    yield store
    store.close()


def test_discard_removes_only_the_given_acknowledgements(
    history: HistoryStore, tmp_path: Path
) -> None:
    acks = AcknowledgementStore(history.database, clock=lambda: NOW, user=lambda: "pat")
    made = {key: acks.acknowledge(key, "FAILURE", f"note {key[1]}") for key in (A, B, C)}
    removed = acks.discard([made[A], made[C]])
    assert removed == [made[A], made[C]]
    assert set(acks.all()) == {B}
    reopened = HistoryStore(tmp_path / "history.sqlite3", clock=lambda: NOW)
    try:  # the deletion is committed, not only visible to this connection
        assert set(AcknowledgementStore(reopened.database).all()) == {B}
    finally:
        reopened.close()
    assert acks.discard([made[A]]) == []  # already gone: nothing to report
    assert acks.discard([]) == []


def test_discard_keeps_a_newer_acknowledgement_of_the_same_set(history: HistoryStore) -> None:
    clock = [NOW]
    acks = AcknowledgementStore(history.database, clock=lambda: clock[0], user=lambda: "pat")
    old = acks.acknowledge(A, "FAILURE", "first look")
    clock[0] = NOW + timedelta(minutes=5)
    newer = acks.acknowledge(A, "FAILURE", "ticket opened")  # someone acknowledged it again
    assert acks.discard([old]) == []
    assert acks.get(A) == newer
    assert acks.discard([newer]) == [newer]
    assert acks.get(A) is None


def test_discard_survives_a_read_back_round_trip(history: HistoryStore) -> None:
    # The dialog removes what it listed, i.e. acknowledgements read back from the file.
    acks = AcknowledgementStore(
        history.database, clock=lambda: NOW + timedelta(microseconds=123_457), user=lambda: "p"
    )
    acks.acknowledge(A, "STALE", "slow link", snooze_until=NOW + timedelta(days=1))
    listed = list(acks.all().values())
    assert acks.discard(listed) == listed
    assert acks.all() == {}
