"""HistoryStore against real SQLite files: change-only recording, missing sets, queries,
retention, migrations from every earlier schema, and recovery from a damaged file."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from desktop_app.report.rows import BackupStatusRow, ReadProblem, Report
from desktop_app.report.status import ConditionStatus, ConditionType
from desktop_app.storage.acknowledgements import AcknowledgementStore
from desktop_app.storage.history import WRITE_BATCH, HistoryStore
from desktop_app.storage.migrations import SCHEMA_VERSION, migrate
from tests.support import UNIT_FIXTURES

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
EST = timezone(timedelta(hours=-5))
S = ConditionStatus


def row(
    user: str = "acme",
    cid: str = "1",
    name: str = "Files",
    *,
    status: str = S.COMPLETED,
    end: datetime | None = T0 - timedelta(hours=1),
    start: datetime | None = None,
    types: tuple[str, ...] | None = None,
    errors: int = 0,
    computer: str = "ACME-FS01",
) -> BackupStatusRow:
    if start is None:
        start = (end or T0) - timedelta(minutes=30)
    if types is None:
        types = {S.COMPLETED: (ConditionType.COMPLETED,), S.FAILURE: (ConditionType.ERRORS,)}.get(
            status, (status,)
        )
    return BackupStatusRow(
        datetime(2026, 3, 1, tzinfo=UTC),
        user,
        cid,
        computer,
        name,
        start.astimezone(EST),
        None if end is None else end.astimezone(EST),
        status,
        types,
        errors,
        0,
    )


class Clock:
    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path, clock: Clock) -> HistoryStore:
    s = HistoryStore(tmp_path / "history.sqlite3", clock=clock)
    yield s
    s.close()


def count(path: Path, table: str) -> int:
    with sqlite3.connect(path) as db:
        n = int(db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
    db.close()
    return n


def test_new_database_is_wal_and_at_current_schema(store: HistoryStore) -> None:
    assert store.available and store.message is None
    db = sqlite3.connect(store.path)
    try:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 5
    finally:
        db.close()


def test_records_only_changed_content(store: HistoryStore) -> None:
    rows = [row(cid="1"), row(cid="2", status=S.FAILURE, errors=3)]
    first = store.record(rows, T0)
    assert (first.new, first.changed, first.rows) == (2, 0, 2)
    again = store.record(list(rows), T0 + timedelta(minutes=5))
    assert (again.new, again.changed) == (0, 0)
    assert count(store.path, "state") == 2
    assert count(store.path, "refresh") == 2
    # Only the errors count differs: that is a change of content.
    later = T0 + timedelta(minutes=10)
    changed = store.record([rows[0], row(cid="2", status=S.FAILURE, errors=4)], later)
    assert (changed.new, changed.changed) == (0, 1)
    assert count(store.path, "state") == 3


def test_computer_rename_alone_is_not_a_change(store: HistoryStore) -> None:
    store.record([row()], T0)
    assert store.record([row(computer="RENAMED")], T0 + timedelta(minutes=1)).changed == 0


def test_states_round_trip_exactly(store: HistoryStore) -> None:
    original = row(status="PAUSED", types=("PAUSED", "QUOTA_NEAR_LIMIT"), errors=2)
    running = row(cid="2", status=S.RUNNING, end=None, types=(ConditionType.RUNNING,))
    store.record([original, running], T0)
    [state] = store.states(original.key)
    assert state.observed_at == T0
    rebuilt = state.row
    assert rebuilt == original
    assert rebuilt.local_start is not None and rebuilt.local_start.utcoffset() == timedelta(
        hours=-5
    )
    assert store.states(running.key)[0].row.local_end is None


def test_cache_reloaded_after_reopen_sees_no_change(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "h.sqlite3"
    rows = [row(cid=str(i), status=S.FAILURE if i % 3 else S.COMPLETED) for i in range(20)]
    first = HistoryStore(path, clock=clock)
    first.record(rows, T0)
    first.close()
    second = HistoryStore(path, clock=clock)
    try:
        result = second.record(rows, T0 + timedelta(minutes=5))
        assert (result.new, result.changed, result.gone) == (0, 0, 0)
        result = second.record([*rows[:19], row(cid="19", errors=9)], T0 + timedelta(minutes=9))
        assert result.changed == 1
    finally:
        second.close()
    assert count(path, "state") == 21


def test_missing_sets_and_their_return(store: HistoryStore) -> None:
    a, b = row(cid="1"), row(cid="2", status=S.FAILURE)
    store.record([a, b], T0)
    t1 = T0 + timedelta(minutes=15)
    result = store.record([a], t1)
    assert result.gone == 1
    [missing] = store.missing_sets()
    assert missing.key == b.key
    assert missing.last_row == b
    assert missing.missing_since == t1 and missing.last_seen == T0
    # Still missing in the next report; then it comes back unchanged.
    assert store.record([a], t1 + timedelta(minutes=15)).gone == 0
    assert [m.key for m in store.missing_sets()] == [b.key]
    back = store.record([a, b], t1 + timedelta(minutes=30))
    assert (back.returned, back.changed) == (1, 0)
    assert store.missing_sets() == []


def test_missing_state_survives_reopen(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "h.sqlite3"
    s = HistoryStore(path, clock=clock)
    s.record([row(cid="1"), row(cid="2")], T0)
    s.record([row(cid="1")], T0 + timedelta(minutes=5))
    s.close()
    s = HistoryStore(path, clock=clock)
    try:
        assert [m.key[1] for m in s.missing_sets()] == ["2"]
        assert s.record([row(cid="1"), row(cid="2")], T0 + timedelta(minutes=10)).returned == 1
    finally:
        s.close()


def test_set_history_day_strip_failing_since_last_success(store: HistoryStore) -> None:
    key = row().key
    day, hour = timedelta(days=1), timedelta(hours=1)
    # Completed 3 days ago, then failed 2 days ago and yesterday (with a running run between).
    plan = [
        (T0 - 3 * day, row(end=T0 - 3 * day)),
        (T0 - 2 * day, row(status=S.FAILURE, end=T0 - 2 * day, errors=1)),
        (T0 - day - 2 * hour, row(status=S.RUNNING, end=None, start=T0 - day - 3 * hour)),
        (T0 - day, row(status=S.FAILURE, end=T0 - day, start=T0 - day - 3 * hour)),
    ]
    for when, r in plan:
        store.record([r], when)
    history = store.set_history(key, days=30, tz=UTC, today=T0.date())
    assert len(history.days) == 30 and history.days[-1].day == T0.date()
    worst = {d.day: d.worst for d in history.days}
    assert worst[(T0 - 3 * day).date()] == S.COMPLETED
    assert worst[(T0 - 2 * day).date()] == S.FAILURE
    assert worst[(T0 - day).date()] == S.FAILURE
    assert worst[T0.date()] is None
    assert history.failing_since == T0 - 2 * day
    assert history.last_success == T0 - 3 * day
    # The running state and its outcome are one run.
    assert [r.row.condition_status for r in history.runs] == [S.FAILURE, S.FAILURE, S.COMPLETED]
    assert history.first_seen == T0 - 3 * day
    assert store.failing_since(key) == history.failing_since
    assert store.last_success(key) == history.last_success
    assert store.history_for(key, 3, UTC, T0.date())[0] == ((T0 - 2 * day).date(), S.FAILURE)


def test_unknown_key_has_empty_history(store: HistoryStore) -> None:
    history = store.set_history(("nobody", "0", "x"), days=7, today=date(2026, 3, 1))
    assert history.empty and [d.worst for d in history.days] == [None] * 7
    assert history.failing_since is None and history.last_success is None


def test_retention_purges_old_states_but_keeps_current(store: HistoryStore, clock: Clock) -> None:
    old = T0 - timedelta(days=100)
    store.record([row(cid="1", end=old), row(cid="2", end=old)], old)
    store.record(
        [row(cid="1", end=old + timedelta(days=1)), row(cid="2", end=old)], old + timedelta(1)
    )
    store.record([row(cid="1", end=T0), row(cid="2", end=old)], T0)  # cid 1 changes again today
    assert count(store.path, "state") == 4
    clock.now = T0
    deleted = store.purge()
    # cid 1: both 100/99-day-old states go, today's stays; cid 2: its only (current) state stays.
    assert deleted == 2
    assert [s.observed_at for s in store.states(row(cid="1").key)] == [T0]
    assert len(store.states(row(cid="2").key)) == 1
    assert count(store.path, "refresh") == 1


def test_retention_forgets_sets_missing_longer_than_retention(tmp_path: Path, clock: Clock) -> None:
    s = HistoryStore(tmp_path / "h.sqlite3", clock=clock, retention=timedelta(days=10))
    try:
        start = T0 - timedelta(days=20)
        s.record([row(cid="1"), row(cid="2")], start)
        s.record([row(cid="1")], start + timedelta(days=1))  # cid 2 missing since 19 days
        s.record([row(cid="1")], T0 - timedelta(days=9, hours=23))
        assert [m.key[1] for m in s.missing_sets()] == ["2"]
        s.purge(T0)
        assert s.missing_sets() == []
        assert s.states(row(cid="2").key) == []
        # It is a new set if it ever comes back.
        assert s.record([row(cid="1"), row(cid="2")], T0).new == 1
    finally:
        s.close()


def test_retention_boundary(store: HistoryStore) -> None:
    edge = T0 - timedelta(days=90)
    store.record([row(end=edge)], edge)
    store.record([row(end=edge + timedelta(hours=1))], edge + timedelta(hours=1))
    store.record([row(end=T0)], T0)
    assert store.purge(T0) == 0  # exactly 90 days old is kept
    assert store.purge(T0 + timedelta(seconds=1)) == 1


def test_success_rates_per_customer(store: HistoryStore) -> None:
    day = timedelta(days=1)
    for status, ago in [
        (S.FAILURE, 20),
        (S.COMPLETED, 10),
        (S.COMPLETED, 3),
        (S.FAILURE, 2),
        (S.COMPLETED, 1),
    ]:
        end = T0 - ago * day
        store.record([row(status=status, end=end), row("other", "9", end=T0 - 40 * day)], end)
    # A run seen twice (running, then completed) counts once.
    running = row("beta", "5", status=S.RUNNING, end=None, start=T0 - timedelta(hours=2))
    store.record([running], T0 - timedelta(hours=1, minutes=30))
    store.record([row("beta", "5", end=T0 - timedelta(hours=1), start=T0 - timedelta(hours=2))], T0)
    rates = store.success_rates(T0)
    assert rates["acme"].last_7_days == pytest.approx(2 / 3)
    assert rates["acme"].last_30_days == pytest.approx(3 / 5)
    assert rates["beta"].last_7_days == 1.0
    assert "other" not in rates  # its only run ended 40 days ago


# Version 1 exactly as released: a frozen copy, so an edit of migration 1 is caught here.
V1_DDL = """
CREATE TABLE backup_set (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL,
    computer_id INTEGER NOT NULL,
    backupset_name TEXT NOT NULL,
    first_seen INTEGER NOT NULL,
    missing_since INTEGER,
    current_state INTEGER,
    UNIQUE (username, computer_id, backupset_name)
);
CREATE TABLE state (
    set_id INTEGER NOT NULL,
    observed_at INTEGER NOT NULL,
    report_date NUMERIC NOT NULL,
    computer_name TEXT NOT NULL,
    start_ts NUMERIC,
    start_offset INTEGER,
    end_ts NUMERIC,
    end_offset INTEGER,
    condition_status TEXT NOT NULL,
    condition_types TEXT NOT NULL,
    errors INTEGER NOT NULL,
    warnings INTEGER NOT NULL,
    PRIMARY KEY (set_id, observed_at)
) WITHOUT ROWID;
CREATE TABLE refresh (
    id INTEGER PRIMARY KEY,
    fetched_at REAL NOT NULL,
    row_count INTEGER NOT NULL,
    changed INTEGER NOT NULL
);
PRAGMA user_version = 1;
"""


def schema_of(path: Path) -> list[tuple[str, str]]:
    db = sqlite3.connect(path)
    try:
        return db.execute("SELECT name, sql FROM sqlite_schema ORDER BY name").fetchall()
    finally:
        db.close()


def test_migration_1_matches_the_released_v1(tmp_path: Path) -> None:
    released, current = tmp_path / "released.sqlite3", tmp_path / "current.sqlite3"
    db = sqlite3.connect(released)
    db.executescript(V1_DDL)
    db.close()
    db = sqlite3.connect(current, isolation_level=None)
    migrate(db, target=1)
    db.close()
    assert schema_of(released) == schema_of(current)


def test_v1_database_migrates_with_data_preserved(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "v1.sqlite3"
    ts = int(T0.timestamp())
    db = sqlite3.connect(path)
    db.executescript(V1_DDL)
    db.execute("INSERT INTO backup_set VALUES (1, 'acme', 7, 'Files', ?, NULL, ?)", (ts, ts))
    db.execute(
        "INSERT INTO state VALUES (1, ?, ?, 'PC', ?, -300, ?, -300, 'FAILURE', 'ERRORS', 3, 0)",
        (ts, ts, ts - 60, ts),
    )
    db.execute("INSERT INTO refresh VALUES (1, ?, 1, 1)", (ts,))
    db.commit()
    db.close()
    store = HistoryStore(path, clock=clock)
    try:
        assert store.available and store.message is None
        [state] = store.states(("acme", "7", "Files"))
        assert state.row.condition_status == S.FAILURE and state.row.errors == 3
        assert state.row.local_end == T0
        assert state.row.local_end.utcoffset() == timedelta(hours=-5)
        # The set is recognised as unchanged, and the v2 table works.
        assert store.record([state.row], T0 + timedelta(minutes=5)).changed == 0
        assert store.last_refresh() == T0 + timedelta(minutes=5)
    finally:
        store.close()
    check = sqlite3.connect(path)
    try:
        assert check.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert check.execute("SELECT COUNT(*) FROM acknowledgement").fetchone()[0] == 0
        assert check.execute("SELECT COUNT(*) FROM state").fetchone()[0] == 1
    finally:
        check.close()


def test_every_earlier_version_migrates_to_current(tmp_path: Path, clock: Clock) -> None:
    for version in range(SCHEMA_VERSION):
        path = tmp_path / f"v{version}.sqlite3"
        db = sqlite3.connect(path, isolation_level=None)
        migrate(db, target=version)
        db.close()
        HistoryStore(path, clock=clock).close()
        assert schema_of(path) == schema_of(tmp_path / f"v{0}.sqlite3")


def test_failed_migration_rolls_back(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    db = sqlite3.connect(path, isolation_level=None)
    try:
        migrate(db, target=1)
        db.execute("CREATE TABLE acknowledgement (x)")  # makes migration 2 fail
        with pytest.raises(sqlite3.OperationalError):
            migrate(db)
        assert db.execute("PRAGMA user_version").fetchone()[0] == 1
    finally:
        db.close()


def test_garbage_file_is_moved_aside_and_history_restarts(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "history.sqlite3"
    garbage = b"this is not a database at all\x00" * 200
    path.write_bytes(garbage)
    store = HistoryStore(path, clock=clock)
    try:
        assert store.available
        assert store.message is not None and "damaged" in store.message
        moved = tmp_path / "history-corrupt-20260301-120000.sqlite3"
        assert store.database.moved_to == moved
        assert moved.read_bytes() == garbage
        assert moved.name in store.message
        assert store.record([row()], T0).new == 1
    finally:
        store.close()


def test_damaged_pages_fail_the_check_and_are_moved_aside(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "history.sqlite3"
    s = HistoryStore(path, clock=clock)
    s.record([row(cid=str(i), name="x" * 200) for i in range(400)], T0)
    s.close()
    data = bytearray(path.read_bytes())
    assert len(data) > 8 * 4096
    data[5 * 4096 : 7 * 4096] = b"\xff" * (2 * 4096)  # smash two pages, keep the header
    path.write_bytes(bytes(data))
    store = HistoryStore(path, clock=clock)
    try:
        assert store.available and store.message is not None
        assert store.database.moved_to is not None and store.database.moved_to.exists()
        assert store.states(row(cid="1", name="x" * 200).key) == []
    finally:
        store.close()


def test_two_corrupt_files_in_one_second_get_distinct_names(tmp_path: Path, clock: Clock) -> None:
    for _ in range(2):
        path = tmp_path / "history.sqlite3"
        path.write_bytes(b"garbage" * 100)
        HistoryStore(path, clock=clock).close()
    assert sorted(p.name for p in tmp_path.glob("history-corrupt-*.sqlite3")) == [
        "history-corrupt-20260301-120000-2.sqlite3",
        "history-corrupt-20260301-120000.sqlite3",
    ]


def test_newer_schema_is_left_alone_and_history_is_off(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "history.sqlite3"
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version = 99")
    db.close()
    store = HistoryStore(path, clock=clock)
    try:
        assert not store.available
        assert store.message is not None and "schema version 99" in store.message
        assert store.record([row()], T0).rows == 0
        assert store.set_history(row().key).empty and store.missing_sets() == []
    finally:
        store.close()
    assert list(tmp_path.glob("history-corrupt-*")) == []


def test_unwritable_folder_turns_history_off(tmp_path: Path, clock: Clock) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    store = HistoryStore(blocker / "sub" / "history.sqlite3", clock=clock)
    assert not store.available and store.message is not None
    store.close()


def test_record_from_worker_while_reading_on_another_thread(store: HistoryStore) -> None:
    store.record([row(cid=str(i)) for i in range(50)], T0)
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            for n in range(1, 20):
                store.record(
                    [row(cid=str(i), errors=n) for i in range(50)], T0 + timedelta(minutes=n)
                )
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    thread = threading.Thread(target=writer)
    thread.start()
    seen = 0
    while thread.is_alive():
        seen = max(seen, len(store.states(row(cid="3").key)))
    thread.join()
    assert errors == []
    assert len(store.states(row(cid="3").key)) == 20 >= seen


def test_report_object_uses_its_fetch_time(store: HistoryStore) -> None:
    store.record(Report(rows=(row(),), fetched_at=T0 + timedelta(hours=1)))
    assert store.last_refresh() == T0 + timedelta(hours=1)


def test_large_record_is_paced_and_written_in_batches(tmp_path: Path, clock: Clock) -> None:
    """More rows than one write batch: every row lands, ``pause`` runs between slices of work,
    and a reopened store (its own warm-up paced too) sees nothing new."""
    path = tmp_path / "h.sqlite3"
    n = 3 * WRITE_BATCH + 7
    rows = [
        row(cid=str(i), status=S.FAILURE if i % 5 else S.COMPLETED, errors=i % 4) for i in range(n)
    ]
    pauses: list[str] = []
    store = HistoryStore(path, clock=clock, pause=lambda: pauses.append("p"))
    try:
        result = store.record(rows, T0)
        assert (result.rows, result.new) == (n, n)
        assert len(pauses) >= 4 * (n // WRITE_BATCH)  # loops and write batches alike
        assert store.known_sets == n
        gone = store.record(rows[: n - WRITE_BATCH - 1], T0 + timedelta(minutes=5))
        assert gone.gone == WRITE_BATCH + 1
    finally:
        store.close()
    assert count(path, "state") == n
    pauses.clear()
    reopened = HistoryStore(path, clock=clock, pause=lambda: pauses.append("p"))
    try:
        assert reopened.known_sets == 0
        reopened.warm_up()
        assert reopened.known_sets == n and pauses
        back = reopened.record(rows, T0 + timedelta(minutes=10))
        assert (back.new, back.changed, back.returned) == (0, 0, WRITE_BATCH + 1)
        assert len(reopened.missing_sets()) == 0
    finally:
        reopened.close()


# -- schema 3: text computer ids, unknown values, duplicates, incomplete reports, restore -------

V2_FILE = UNIT_FIXTURES / "history_v2.sqlite3"
"""Recorded by the released schema-2 code (integer computer ids): two refreshes of five sets,
``gone/9/Files`` missing since the second, ``acme/42/SQL`` failing and acknowledged."""


def released(tmp_path: Path) -> Path:
    path = tmp_path / "history.sqlite3"
    path.write_bytes(V2_FILE.read_bytes())
    return path


def test_a_released_v2_file_migrates_keeping_its_history(tmp_path: Path, clock: Clock) -> None:
    path = released(tmp_path)
    store = HistoryStore(path, clock=clock)
    try:
        assert store.available and store.message is None
        states = store.states(("acme", "42", "SQL"))
        assert [s.row.errors for s in states] == [3, 5]
        assert all(s.row.computer_id == "42" for s in states)
        assert [m.key for m in store.missing_sets()] == [("gone", "9", "Files")]
        acks = AcknowledgementStore(store.database).all()
        assert set(acks) == {("acme", "42", "SQL")}
        assert acks[("acme", "42", "SQL")].note == "disk being replaced"
    finally:
        store.close()
    check = sqlite3.connect(path)
    try:
        assert check.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 5
        types = {t for (t,) in check.execute("SELECT DISTINCT typeof(computer_id) FROM backup_set")}
        assert types == {"text"}
    finally:
        check.close()


def test_zero_padded_ids_take_over_the_sets_stored_as_numbers(tmp_path: Path, clock: Clock) -> None:
    """The released app stored ``"0042"`` as 42: the first report naming it ``"0042"`` must
    continue that set's history (and acknowledgement), not start afresh and call 42 missing."""
    path = released(tmp_path)
    store = HistoryStore(path, clock=clock)
    try:
        current = [
            row("acme", "0042", "Files"),
            row("acme", "0042", "SQL", status=S.FAILURE, errors=5, end=T0 - timedelta(days=1)),
            row("acme", "7", "Files"),  # no leading zeros: the same text as before
            row("bravo", "1234567", "Files"),
        ]
        result = store.record(current, T0)
        assert (result.new, result.gone) == (0, 0)
        assert store.missing_sets()[0].key == ("gone", "9", "Files")  # still the only one
        renamed = store.states(("acme", "0042", "SQL"))
        assert [s.row.errors for s in renamed] == [3, 5]  # the old states, now under "0042"
        assert store.states(("acme", "42", "SQL")) == []
        acks = AcknowledgementStore(store.database).all()
        assert set(acks) == {("acme", "0042", "SQL")}
    finally:
        store.close()
    reopened = HistoryStore(path, clock=clock)
    try:  # committed: a reopened store sees the new names and nothing changed
        assert reopened.record(current, T0 + timedelta(minutes=5)).changed == 0
        assert reopened.set_history(("acme", "0042", "SQL")).first_seen == T0 - timedelta(days=2)
    finally:
        reopened.close()


def test_opaque_ids_that_look_alike_stay_apart(store: HistoryStore) -> None:
    store.record([row(cid="007"), row(cid="7"), row(cid="PC-7")], T0)
    assert {s.key for s in store.missing_sets()} == set()
    assert store.record([row(cid="007")], T0 + timedelta(minutes=5)).gone == 2
    assert sorted(m.key[1] for m in store.missing_sets()) == ["7", "PC-7"]


def test_unknown_values_are_stored_as_unknown(store: HistoryStore) -> None:
    odd = row()._replace(report_date=None, computer_name=None, errors=None, warnings=None)
    odd = odd._replace(condition_status=None, condition_types=None)
    store.record([odd], T0)
    [state] = store.states(odd.key)
    assert state.row == odd
    assert store.record([odd], T0 + timedelta(minutes=5)).changed == 0


def test_a_set_listed_twice_keeps_its_worse_status(store: HistoryStore) -> None:
    failed, completed = row(status=S.FAILURE, errors=2), row()
    store.record([failed, completed], T0)
    assert [s.row.condition_status for s in store.states(failed.key)] == [S.FAILURE]
    store.record([completed, failed], T0 + timedelta(minutes=5))  # either order
    assert [s.row.condition_status for s in store.states(failed.key)] == [S.FAILURE]
    assert store.record([completed], T0 + timedelta(minutes=10)).changed == 1


def _report(rows: list[BackupStatusRow], **changes: object) -> Report:
    return Report(tuple(rows), count=len(rows), **changes)  # type: ignore[arg-type]


def test_an_incomplete_report_marks_no_set_missing(store: HistoryStore) -> None:
    everything = [row(cid=str(i)) for i in range(5)]
    store.record(_report(everything), T0)
    short = _report(everything[:2], incomplete="the server said 5 but sent 2")
    assert store.record(short, T0 + timedelta(minutes=5)).gone == 0
    assert store.missing_sets() == []
    # A later complete report judges against everything known present, the short one included.
    assert store.record(_report(everything[:3]), T0 + timedelta(minutes=10)).gone == 2
    assert sorted(m.key[1] for m in store.missing_sets()) == ["3", "4"]


def test_a_row_whose_key_could_not_be_read_is_skipped_and_marks_nothing_missing(
    store: HistoryStore,
) -> None:
    everything = [row(cid=str(i)) for i in range(3)]
    store.record(_report(everything), T0)
    unknown = everything[2]._replace(username=None)
    problem = ReadProblem(3, "username", "42.5", "expected text")
    report = _report([*everything[:2], unknown], problems=(problem,))
    result = store.record(report, T0 + timedelta(minutes=5))
    assert (result.rows, result.gone) == (2, 0)
    assert store.missing_sets() == []


def test_last_report_is_what_the_last_refresh_listed(store: HistoryStore) -> None:
    assert store.last_report() is None
    first = [row(cid=str(i), status=S.FAILURE if i == 1 else S.COMPLETED) for i in range(4)]
    store.record(first, T0 - timedelta(hours=1))
    later = [first[0], first[1]._replace(errors=7), first[2]]
    store.record(later, T0)
    restored = store.last_report()
    assert restored is not None
    assert restored.rows == tuple(later)  # in first-seen order, offsets and all
    assert (restored.fetched_at, restored.source, restored.count) == (T0, "history", 3)
    assert restored.incomplete is None and restored.problems == ()
