"""The run table behind learned rhythms and failure streaks, against real SQLite files."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from desktop_app.report.rows import BackupStatusRow
from desktop_app.report.status import ConditionStatus
from desktop_app.storage.database import Database
from desktop_app.storage.history import HistoryStore
from desktop_app.storage.runs import (
    RhythmOverrides,
    effective_rhythms,
    load_learned,
    streaks_of,
)
from tests.support import UNIT_FIXTURES

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
EST = timezone(timedelta(hours=-5))
S = ConditionStatus


def row(
    start: datetime,
    status: str = S.COMPLETED,
    *,
    cid: str = "0001",
    end: datetime | None = None,
) -> BackupStatusRow:
    finished = None if status == S.RUNNING else (end or start + timedelta(minutes=20))
    return BackupStatusRow(
        T0, "acme", cid, "PC", "Files", start.astimezone(EST), finished, status, (), 0, 0
    )


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def store(tmp_path: Path) -> HistoryStore:
    s = HistoryStore(tmp_path / "history.sqlite3", clock=Clock())
    yield s
    s.close()


KEY = ("acme", "0001", "Files")


def runs_table(path: Path) -> list[tuple[int, int, str]]:
    with sqlite3.connect(path) as db:
        found = sorted(db.execute("SELECT set_id, start_ts, status FROM run").fetchall())
    db.close()
    return found


def test_a_run_is_one_row_that_ends_with_its_last_status(
    store: HistoryStore, tmp_path: Path
) -> None:
    start = T0 - timedelta(hours=3)
    store.record([row(start, S.RUNNING)], T0 - timedelta(hours=2, minutes=50))
    store.record([row(start, S.FAILURE)], T0 - timedelta(hours=2))
    store.record([row(T0 - timedelta(hours=1), S.COMPLETED)], T0)
    assert runs_table(tmp_path / "history.sqlite3") == [
        (1, int(start.timestamp()), S.FAILURE),
        (1, int((T0 - timedelta(hours=1)).timestamp()), S.COMPLETED),
    ]


def record_hourly(store: HistoryStore, statuses: list[str]) -> None:
    """One run an hour, each recorded as it ends (the last one ends at T0)."""
    for i, status in enumerate(statuses):
        start = T0 - timedelta(hours=len(statuses) - i, minutes=-30)
        store.record([row(start, status)], start + timedelta(minutes=25))


def test_rhythm_and_streak_are_learned_as_runs_are_recorded(store: HistoryStore) -> None:
    record_hourly(store, [S.COMPLETED] * 4)
    assert store.learned()[KEY].rhythm is None  # four runs: too few
    record_hourly(store, [S.COMPLETED] * 4 + [S.FAILURE, S.FAILURE])
    learned = store.learned()[KEY]
    assert learned.rhythm is not None and learned.rhythm.interval == 3600
    assert learned.rhythm.runs == 6
    assert learned.streak.runs == 2
    assert learned.streak.since == T0 - timedelta(hours=1, minutes=30)


def test_what_was_learned_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    first = HistoryStore(path, clock=Clock())
    record_hourly(first, [S.COMPLETED] * 6)
    before = first.learned()[KEY]
    first.close()
    again = HistoryStore(path, clock=Clock())
    try:
        again.warm_up()
        assert again.learned() == {KEY: before}
    finally:
        again.close()


def test_a_paced_warm_up_rests_while_it_reads_what_was_learned(tmp_path: Path) -> None:
    """At a start the warm-up builds each set's rhythm and streak (100k sets: hundreds of
    milliseconds of Python); it rests with the other paced jobs while it does, and the
    rhythms and streaks the judging derives from them are paced too."""
    path = tmp_path / "history.sqlite3"
    first = HistoryStore(path, clock=Clock())
    for i in range(600):
        first.record([row(T0 - timedelta(hours=2), S.FAILURE, cid=f"{i:04}")], T0)
    first.close()
    rests: list[None] = []
    again = HistoryStore(path, clock=Clock(), pause=lambda: rests.append(None))
    try:
        again.warm_up()
        during_warm_up = len(rests)
        learned = again.learned()
        assert len(learned) == 600
        with again.database.read() as db:
            before = len(rests)
            assert len(load_learned(db, lambda: rests.append(None))) == 600
            assert len(rests) - before == 3  # 600 rows read, 256 at a time
        streaks = streaks_of(learned, lambda: rests.append(None))
        rhythms = effective_rhythms(learned, {}, lambda: rests.append(None))
    finally:
        again.close()
    assert during_warm_up >= 3 * (600 // 256)  # the rows read, and two look-ups by key
    assert len(rests) - during_warm_up == 3 * 3  # three passes over 600 sets, 256 at a time
    assert len(streaks) == 600 and rhythms == effective_rhythms(learned, {})


def test_rows_without_a_start_leave_no_run(store: HistoryStore, tmp_path: Path) -> None:
    unknown = row(T0)._replace(local_start=None)
    store.record([unknown], T0)
    assert runs_table(tmp_path / "history.sqlite3") == []
    assert KEY not in store.learned()


def test_purge_keeps_each_sets_newest_run(store: HistoryStore, tmp_path: Path) -> None:
    old = T0 - timedelta(days=100)
    store.record([row(old), row(old, cid="0002")], old + timedelta(hours=1))
    store.record([row(old), row(T0 - timedelta(hours=1), cid="0002")], T0)
    store.purge(T0)
    with sqlite3.connect(tmp_path / "history.sqlite3") as db:
        left = sorted(db.execute("SELECT set_id, start_ts FROM run").fetchall())
    db.close()
    # Set 1 ran only long ago: its newest run stays. Set 2's old run goes.
    assert left == [(1, int(old.timestamp())), (2, int((T0 - timedelta(hours=1)).timestamp()))]


def test_migration_fills_runs_from_recorded_states(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    shutil.copy(UNIT_FIXTURES / "history_v2.sqlite3", path)
    with sqlite3.connect(path) as db:
        expected = db.execute(
            "SELECT COUNT(*) FROM (SELECT DISTINCT set_id, start_ts FROM state"
            " WHERE start_ts IS NOT NULL)"
        ).fetchone()[0]
        last_status = dict(
            db.execute(
                "SELECT set_id || ':' || CAST(start_ts AS INTEGER), condition_status FROM state s"
                " WHERE observed_at = (SELECT MAX(observed_at) FROM state t"
                " WHERE t.set_id = s.set_id AND t.start_ts = s.start_ts)"
            ).fetchall()
        )
    db.close()
    assert expected > 0
    store = HistoryStore(path, clock=Clock())
    try:
        store.warm_up()
        learned = store.learned()
        with store.database.read() as db:
            runs = db.execute("SELECT set_id, start_ts, status FROM run").fetchall()
            saved = db.execute("SELECT COUNT(*) FROM learned").fetchone()[0]
    finally:
        store.close()
    assert saved == len(learned) > 0
    assert len(runs) == expected
    assert {f"{s}:{t}": status for s, t, status in runs} == last_status


def test_overrides_round_trip_and_refuse_unknown_keys(tmp_path: Path) -> None:
    database = Database(tmp_path / "history.sqlite3", clock=Clock())
    overrides = RhythmOverrides(database)
    key = ("acme", "0001", "Files")
    overrides.set(key, 3600.0)
    overrides.set(("acme", "0002", "SQL"), None)
    assert overrides.all() == {key: 3600.0, ("acme", "0002", "SQL"): None}
    overrides.clear(key)
    assert overrides.all() == {("acme", "0002", "SQL"): None}
    with pytest.raises(ValueError, match="could not be read"):
        overrides.set(("acme", None, "Files"), 60.0)
    with pytest.raises(ValueError, match="positive"):
        overrides.set(key, 0)
    database.close()
