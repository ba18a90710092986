"""The demo data generator and its evolution: realistic, consistent, deterministic, scalable."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from desktop_app.demo.data import DemoData, generate_rows
from desktop_app.report.rows import BackupStatusRow
from desktop_app.report.status import ConditionStatus, ConditionType, is_known_status

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
S, T = ConditionStatus, ConditionType
FAILURE_TYPES = {
    T.ERRORS,
    T.EXCEPTION,
    T.MISSED,
    T.NO_FILE_DATA_BACKED_UP,
    T.NO_EXCHANGE_OR_SQL_DATA_BACKED_UP,
}
WARNING_TYPES = {T.WARNINGS, T.CANCELED, T.NO_DATA_DELETED, T.NO_DATA_RESTORED}


def _fixed(now: datetime = NOW) -> DemoData:
    return DemoData(2000, seed=3, now=lambda: now)


def _assert_consistent(row: BackupStatusRow) -> None:
    status, types = row.condition_status, set(row.condition_types)
    assert row.local_start is not None and row.local_start.utcoffset() is not None
    if status == S.RUNNING:
        assert row.local_end is None and row.condition_types == (T.RUNNING,)
        assert row.errors == row.warnings == 0
        return
    assert row.local_end is not None and row.local_start <= row.local_end
    assert row.local_end.utcoffset() == row.local_start.utcoffset()
    if status == S.COMPLETED:
        assert row.condition_types == (T.COMPLETED,) and row.errors == row.warnings == 0
    elif status == S.WARNING:
        assert types and types <= WARNING_TYPES and row.errors == 0
        assert (row.warnings > 0) == (T.WARNINGS in types)
    elif status == S.FAILURE:
        assert types and types <= FAILURE_TYPES
        assert (row.errors > 0) == (T.ERRORS in types)


def test_same_seed_same_rows_and_other_seed_other_rows() -> None:
    a = generate_rows(1000, seed=42, now=NOW)
    b = generate_rows(1000, seed=42, now=NOW)
    c = generate_rows(1000, seed=43, now=NOW)
    assert a == b
    assert a != c
    assert len(a) == 1000


def test_thousand_rows_are_realistic_and_consistent() -> None:
    rows = generate_rows(1000, seed=1, now=NOW)
    assert len({r.key for r in rows}) == len(rows)
    for row in rows:
        _assert_consistent(row)
        assert re.fullmatch(r"[a-z]+(-[a-z]+)+(-\d+)?", row.username)
        assert re.fullmatch(r"([A-Z]+-)?[A-Z]+-?\d{2,3}", row.computer_name)
    # One computer id is one computer: same name and customer everywhere.
    owners = {(r.computer_id, r.username, r.computer_name) for r in rows}
    assert len(owners) == len({r.computer_id for r in rows})
    customers = Counter(r.username for r in rows)
    assert 1000 / 25 <= len(customers) <= 1000 / 8  # about one customer per 15 sets
    assert any(name.startswith("Files and Folders") for name in {r.backupset_name for r in rows})
    assert {"System State", "Exchange", "SQL Server", "Image"} <= {r.backupset_name for r in rows}
    assert len({r.local_start.utcoffset() for r in rows if r.local_start}) >= 5
    assert any(r.backupset_name == "Finance & HR Shares" for r in rows)  # exercises escaping


def test_status_mix_and_times_follow_the_documented_distribution() -> None:
    rows = generate_rows(20_000, seed=9, now=NOW)
    share = {s: n / len(rows) for s, n in Counter(r.condition_status for r in rows).items()}
    assert 0.77 <= share[S.COMPLETED] <= 0.85
    assert 0.06 <= share[S.WARNING] <= 0.10
    assert 0.05 <= share[S.FAILURE] <= 0.09
    assert 0.025 <= share[S.RUNNING] <= 0.055
    assert all(is_known_status(s) for s in share)

    last = [r.local_end or r.local_start for r in rows]
    assert all(t is not None and t <= NOW for t in last)
    stale = sum(1 for t in last if t is not None and NOW - t > timedelta(days=3))
    recent = sum(1 for t in last if t is not None and NOW - t <= timedelta(days=2))
    assert 0.003 <= stale / len(rows) <= 0.03  # a few sets stopped reporting days ago
    assert recent / len(rows) >= 0.97
    for row in rows:
        _assert_consistent(row)


def test_unknown_statuses_only_when_asked() -> None:
    rows = generate_rows(5000, seed=4, now=NOW, unknown_statuses=True)
    unknown = [r for r in rows if not is_known_status(r.condition_status)]
    assert 0 < len(unknown) < 0.03 * len(rows)
    assert {"PAUSED", "SUSPENDED", "QUEUED"} & {r.condition_status for r in unknown}
    assert all(is_known_status(r.condition_status) for r in generate_rows(5000, seed=4, now=NOW))


def test_generate_rows_accepts_a_clock_and_rejects_naive_times() -> None:
    assert generate_rows(50, seed=2, now=lambda: NOW) == generate_rows(50, seed=2, now=NOW)
    assert generate_rows(0, now=NOW) == []
    with pytest.raises(ValueError, match="aware"):
        generate_rows(5, now=datetime(2025, 1, 1))


def test_advance_changes_statuses_but_keys_persist() -> None:
    data = _fixed()
    first = data.rows()
    statuses = {r.key: r.condition_status for r in first}
    transitions: Counter[tuple[str, str]] = Counter()
    for tick in range(1, 11):
        summary = data.advance(NOW + timedelta(minutes=5 * tick))
        assert summary.tick == data.tick == tick
        for row in data.rows():
            before = statuses.get(row.key)
            if before is not None and before != row.condition_status:
                transitions[(before, row.condition_status)] += 1
            statuses[row.key] = row.condition_status
            _assert_consistent(row)
    now_keys = {r.key for r in data.rows()}
    assert len(now_keys & {r.key for r in first}) >= 0.97 * len(first)
    assert now_keys <= {r.key for r in first}  # no new sets appear from nowhere
    assert transitions[(S.FAILURE, S.COMPLETED)] > 0  # failures recover
    assert transitions[(S.COMPLETED, S.FAILURE)] + transitions[(S.COMPLETED, S.WARNING)] > 0
    assert transitions[(S.RUNNING, S.COMPLETED)] > 0  # running jobs finish
    assert transitions[(S.COMPLETED, S.RUNNING)] > 0  # new runs start


def test_a_tick_touches_few_rows_and_leaves_the_rest_identical() -> None:
    data = _fixed()
    before = {r.key: r for r in data.rows()}
    summary = data.advance(NOW + timedelta(minutes=1))
    after = data.rows()
    untouched = sum(1 for r in after if before.get(r.key) is r)
    assert summary.changed > 0
    assert len(after) - untouched <= summary.changed + summary.stopped
    assert untouched >= 0.9 * len(before)
    # New runs happened "now": their times sit near the tick's time.
    moved = [r for r in after if before.get(r.key) is not r and r.local_end is not None]
    latest = max(r.local_end for r in moved if r.local_end is not None)
    assert NOW < latest <= NOW + timedelta(minutes=1)


def test_evolution_is_deterministic_for_seed_and_tick_count() -> None:
    a, b = _fixed(), _fixed()
    for tick in range(5):
        a.advance(NOW + timedelta(minutes=tick))
        b.advance(NOW + timedelta(minutes=tick))
    assert a.rows() == b.rows()
    assert a.rows() != _fixed().rows()


def test_sets_stop_reporting_over_time() -> None:
    data = DemoData(500, seed=8, now=lambda: NOW)
    keys = {r.key for r in data.rows()}
    stopped = 0
    for tick in range(60):
        stopped += data.advance(NOW + timedelta(minutes=tick)).stopped
    rows = data.rows()
    assert stopped > 0
    vanished = keys - {r.key for r in rows}
    went_stale = [
        r for r in rows if r.local_end is not None and data.now - r.local_end > timedelta(days=3)
    ]
    assert vanished or went_stale
    assert len(vanished) + len(went_stale) >= stopped


def test_clock_moving_backwards_does_not_move_times_backwards() -> None:
    data = _fixed()
    data.advance(NOW + timedelta(hours=1))
    data.advance(NOW)  # an earlier time is treated as "no time passed"
    assert data.now == NOW + timedelta(hours=1)
