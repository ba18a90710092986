"""Missing sets as extra rows of the view (RowIndex), from a real history database.

What a missing row must do: carry its set's last known data, stay out of the "All" view and of
every status filter and count, show (and sort, and match searches) whenever a key filter lists
it, and come and go without disturbing the report's rows.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from desktop_app.report.prepared import ViewPreparer
from desktop_app.report.row_index import RowIndex
from desktop_app.report.rows import BackupStatusRow, Report
from desktop_app.report.sort_keys import SortField, ViewSpec
from desktop_app.report.status import ConditionStatus as S
from desktop_app.storage.history import HistoryStore
from tests.unit.report.test_row_index import NOW, make_rows


def load(rows: list[BackupStatusRow], missing: list[BackupStatusRow], **spec: object) -> RowIndex:
    index = RowIndex(ViewSpec(**spec))  # type: ignore[arg-type]
    index.load(rows, NOW, missing)
    return index


def shown_rows(index: RowIndex) -> list[BackupStatusRow]:
    return [index.rows[s] for s in index.index]


def split(n: int, gone: int) -> tuple[list[BackupStatusRow], list[BackupStatusRow]]:
    """(current report, the last known rows of ``gone`` sets that left it)."""
    rows = make_rows(n)
    return rows[gone:], rows[:gone]


def test_missing_rows_are_hidden_from_all_and_shown_by_a_key_filter() -> None:
    report, gone = split(60, 5)
    index = load(report, gone)
    assert index.report_size == len(report) and index.missing_rows == tuple(gone)
    assert shown_rows(index) == report  # "All" is the current report
    assert index.missing_shown() == 0

    index.set_key_filter(r.key for r in gone)
    assert sorted(shown_rows(index)) == sorted(gone)
    assert index.missing_shown() == 5
    mixed = {gone[0].key, report[0].key}
    index.set_key_filter(mixed)
    assert {r.key for r in shown_rows(index)} == mixed
    assert index.missing_shown() == 1
    assert all(index.is_missing(s) == (index.rows[s] in gone) for s in index.index)


def test_missing_rows_never_count_and_no_status_filter_shows_them() -> None:
    report, gone = split(60, 6)
    plain = load(report, [])
    index = load(report, gone)
    index.set_key_filter(r.key for r in make_rows(60))  # every set, missing ones included
    assert len(index.index) == 60
    assert index.status_counts() == plain.status_counts()
    assert sum(index.status_counts().values()) == len(report)
    every_status = {r.condition_status for r in make_rows(60)}
    for status in every_status:
        index.set_status_filter({status})
        assert not any(index.is_missing(s) for s in index.index)
        assert all(r.condition_status == status for r in shown_rows(index))
    index.set_status_filter(every_status)  # all toggles on is still "these statuses"
    assert index.missing_shown() == 0 and len(index.index) == len(report)


@pytest.mark.parametrize("field", list(SortField))
@pytest.mark.parametrize("descending", [False, True])
def test_missing_rows_sort_among_the_others(field: SortField, descending: bool) -> None:
    """Sorting with missing rows equals sorting a report that held them, except that a
    missing row's status ranks before every real one."""
    report, gone = split(90, 9)
    index = load(report, gone, sort_field=field, descending=descending)
    index.set_key_filter(r.key for r in make_rows(90))
    reference = load(report + gone, [], sort_field=field, descending=descending)
    if field is SortField.STATUS:
        shown = shown_rows(index)
        missing_first = shown[:9] if not descending else shown[-9:]
        assert sorted(missing_first) == sorted(gone)
        rest = [r for r in shown if r not in gone]
        assert rest == [r for r in shown_rows(reference) if r not in gone]
    else:
        assert shown_rows(index) == shown_rows(reference)


def test_search_matches_missing_rows_too() -> None:
    report, gone = split(60, 5)
    index = load(report, gone)
    index.set_key_filter(r.key for r in gone)
    name = gone[2].backupset_name.lower()
    index.set_search_text(name)
    assert shown_rows(index) == [r for r in gone if r.backupset_name.lower() == name]


def test_set_missing_equals_a_fresh_load_and_keeps_report_rows_in_place() -> None:
    report, gone = split(80, 8)
    spec = {"sort_field": SortField.AGE, "descending": True}
    index = load(report, gone[:3], **spec)
    index.set_key_filter(r.key for r in make_rows(80))
    index.set_search_text("customer")
    before = {s: index.rows[s] for s in range(index.report_size)}
    for wanted in (gone, gone[5:], [], gone[1:4]):
        assert index.set_missing(wanted) is True
        assert index.set_missing(wanted) is False  # the same again: nothing to do
        fresh = load(report, wanted, **spec)
        fresh.set_key_filter(r.key for r in make_rows(80))
        fresh.set_search_text("customer")
        assert shown_rows(index) == shown_rows(fresh)
        assert {s: index.rows[s] for s in range(index.report_size)} == before
        assert index.status_counts() == fresh.status_counts()
        for row in wanted:
            assert index.view_row_of_key(row.key) == fresh.view_row_of_key(row.key)
    assert index.view_row_of_key(gone[0].key) is None  # no longer held


def test_a_set_back_in_the_report_is_not_also_a_missing_row() -> None:
    report, gone = split(40, 4)
    stale_copy = report[0]._replace(condition_status=S.FAILURE)  # its older last known row
    index = load(report, [*gone, stale_copy])
    assert index.missing_rows == tuple(gone)
    assert index.set_missing([stale_copy, *gone]) is False
    assert index.rows[index.source_of_key(report[0].key) or 0] == report[0]


def test_the_preparer_carries_the_missing_rows_to_the_next_report() -> None:
    report, gone = split(50, 5)
    preparer = ViewPreparer(lambda: NOW, ViewSpec(key_filter=frozenset(r.key for r in gone)))
    preparer.missing = tuple(gone)
    prepared = preparer(Report(tuple(report)))
    view = prepared.view  # type: ignore[attr-defined]
    assert sorted(shown_rows(view)) == sorted(gone)
    back = preparer(Report(tuple(report + gone[:2])))  # two sets came back
    assert back.view.missing_rows == tuple(gone[2:])  # type: ignore[attr-defined]


def test_missing_rows_from_a_real_history_database(tmp_path: Path) -> None:
    """Record two refreshes in SQLite: the sets that left carry their last known row."""
    t0 = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
    first = make_rows(40)
    second = [r._replace(errors=r.errors + 1) for r in first[4:]]  # 4 sets gone, rest changed
    store = HistoryStore(tmp_path / "history.sqlite3", clock=lambda: t0)
    try:
        store.record(first, t0)
        store.record(second, t0 + timedelta(minutes=15))
        missing = store.missing_sets()
    finally:
        store.close()
    assert {m.key for m in missing} == {r.key for r in first[:4]}
    assert all(m.missing_since == t0 + timedelta(minutes=15) for m in missing)
    index = RowIndex(ViewSpec(key_filter=frozenset(m.key for m in missing)))
    index.load(second, NOW, [m.last_row for m in missing])
    by_key = {r.key: r for r in first[:4]}
    assert len(index.index) == 4
    for source in index.index:
        row = index.rows[source]
        known = by_key[row.key]
        # Everything the table shows comes back as it was last reported.
        assert (row.condition_status, row.errors, row.warnings) == (
            known.condition_status,
            known.errors,
            known.warnings,
        )
        assert row.local_end == known.local_end and row.local_start == known.local_start
        assert row.computer_name == known.computer_name
