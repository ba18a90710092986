"""Acknowledgements in a real history database: store, reload, lifecycle, clear."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from desktop_app.report.derived import STALE, StaleRule, derive
from desktop_app.report.rows import BackupStatusRow
from desktop_app.report.status import ConditionStatus
from desktop_app.storage.acknowledgements import AcknowledgementStore, current_user
from desktop_app.storage.history import HistoryStore

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
KEY = ("acme", "1", "Files")


@pytest.fixture
def history(tmp_path: Path) -> HistoryStore:
    store = HistoryStore(tmp_path / "history.sqlite3", clock=lambda: NOW)
    yield store
    store.close()


@pytest.fixture
def acks(history: HistoryStore) -> AcknowledgementStore:
    return AcknowledgementStore(history.database, clock=lambda: NOW, user=lambda: "pat")


def failing(end: datetime = NOW) -> BackupStatusRow:
    return BackupStatusRow(NOW, *KEY[:2], "PC", KEY[2], end, end, ConditionStatus.FAILURE, (), 1, 0)


def test_acknowledge_is_stored_and_read_back(acks: AcknowledgementStore, tmp_path: Path) -> None:
    snooze = NOW + timedelta(days=2)
    made = acks.acknowledge(KEY, ConditionStatus.FAILURE, "  Customer replacing the disk ", snooze)
    assert (made.by, made.at, made.note) == ("pat", NOW, "Customer replacing the disk")
    reopened = HistoryStore(tmp_path / "history.sqlite3", clock=lambda: NOW)
    try:
        [stored] = AcknowledgementStore(reopened.database).all().values()
    finally:
        reopened.close()
    assert stored == made
    assert stored.snooze_until == snooze


def test_lifecycle_through_derive(acks: AcknowledgementStore) -> None:
    acks.acknowledge(KEY, ConditionStatus.FAILURE, "known")
    rule = StaleRule()
    held = derive([failing()], NOW, rule, (), acks.all())
    assert set(held.acknowledged) == {KEY} and held.needs_attention == frozenset()
    assert set(acks.active({KEY: ConditionStatus.FAILURE})) == {KEY}
    # Three days later it still fails (and is stale too): failure outranks stale, so it holds.
    later = NOW + timedelta(days=3)
    still = derive([failing()], later, rule, (), acks.all())
    assert still.problems == {KEY: ConditionStatus.FAILURE} and KEY in still.stale
    assert set(still.acknowledged) == {KEY} and still.voided == frozenset()
    # It recovers: the acknowledgement is void and, once cleared, gone for good.
    recovered = failing()._replace(condition_status=ConditionStatus.COMPLETED, local_end=later)
    over = derive([recovered], later, rule, (), acks.all())
    assert over.voided == {KEY} and over.acknowledged == {}
    assert [a.key for a in acks.discard(acks.all().values())] == [KEY]
    again = derive([failing(later)], later, rule, (), acks.all())
    assert again.needs_attention == {KEY}
    # A set acknowledged as stale that starts failing is a new problem.
    acks.acknowledge(KEY, STALE, "slow link")
    assert derive([failing(later)], later, rule, (), acks.all()).voided == {KEY}


def test_snooze_end_voids_and_discard_deletes(acks: AcknowledgementStore) -> None:
    acks.acknowledge(KEY, ConditionStatus.FAILURE, snooze_until=NOW + timedelta(hours=4))
    during = derive([failing()], NOW + timedelta(hours=3), StaleRule(), (), acks.all())
    assert KEY in during.acknowledged
    after = derive([failing()], NOW + timedelta(hours=4), StaleRule(), (), acks.all())
    assert after.voided == {KEY} and after.needs_attention == {KEY}
    voided = [a for a in acks.all().values() if a.key in after.voided]
    assert acks.discard(voided) == voided
    assert acks.all() == {}
    assert acks.discard(voided) == []


def test_acknowledging_again_replaces(acks: AcknowledgementStore) -> None:
    acks.acknowledge(KEY, ConditionStatus.FAILURE, "first")
    acks.acknowledge(KEY, "MISSING", "second", by="sam")
    [only] = acks.all().values()
    assert (only.state, only.note, only.by) == ("MISSING", "second", "sam")
    assert acks.get(KEY) == only and acks.get(("x", "0", "y")) is None


def test_naive_snooze_is_rejected(acks: AcknowledgementStore) -> None:
    with pytest.raises(ValueError):
        acks.acknowledge(KEY, ConditionStatus.FAILURE, snooze_until=datetime(2026, 3, 2))


def test_purging_a_forgotten_set_removes_its_acknowledgement(
    history: HistoryStore, acks: AcknowledgementStore
) -> None:
    history.retention = timedelta(days=10)
    old = NOW - timedelta(days=30)
    history.record([failing(old)], old)
    history.record([], old + timedelta(days=1))
    acks.acknowledge(KEY, "MISSING", "decommissioned")
    history.purge(NOW)
    assert acks.all() == {}


def test_current_user_is_a_name() -> None:
    assert current_user().strip()
