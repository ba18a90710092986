"""Preparing a view off the GUI thread: ViewSpec, RowIndex.apply and warm, ViewPreparer."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone

from desktop_app.report.customers import summarise_customers
from desktop_app.report.prepared import PreparedReport, ViewPreparer, prepare_view
from desktop_app.report.row_index import RowIndex
from desktop_app.report.rows import BackupStatusRow, Report
from desktop_app.report.sort_keys import SortField, ViewSpec
from desktop_app.report.status import UNREADABLE_STATUS
from desktop_app.report.status import ConditionStatus as S

NOW = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
_STATUSES = (S.COMPLETED, S.FAILURE, S.WARNING, S.RUNNING, "PAUSED")


def make_rows(n: int) -> list[BackupStatusRow]:
    rows = []
    for i in range(n):
        status = _STATUSES[i % len(_STATUSES)]
        start = (NOW - timedelta(minutes=(i * 37) % 3000)).astimezone(
            timezone(timedelta(hours=(i % 5) - 2))
        )
        end = None if status == S.RUNNING else start + timedelta(minutes=(i * 11) % 200)
        rows.append(
            BackupStatusRow(
                NOW,
                f"customer-{i % 7}",
                str(i),
                f"PC-{i % 4}",
                ("Files", "SQL", "Exchange")[i % 3],
                start,
                end,
                status,
                (status,),
                (i * 7) % 5,
                (i * 3) % 4,
            )
        )
    return rows


def order(index: RowIndex) -> list[int]:
    return list(index.index)


def test_a_spec_round_trips_through_an_index() -> None:
    spec = ViewSpec(
        SortField.ERRORS,
        descending=True,
        status_filter=frozenset({S.FAILURE, S.WARNING}),
        query="Customer-3",
        key_filter=None,
    )
    index = RowIndex(spec)
    assert index.spec == ViewSpec(
        SortField.ERRORS, True, frozenset({S.FAILURE, S.WARNING}), "customer-3", None
    )
    assert RowIndex().spec == ViewSpec()


def test_prepare_view_equals_loading_then_sorting_and_filtering() -> None:
    rows = make_rows(120)
    keys = frozenset(r.key for r in rows[::3])
    spec = ViewSpec(SortField.DURATION, True, frozenset({S.COMPLETED, "PAUSED"}), "pc-1", keys)
    prepared = prepare_view(rows, NOW, spec)

    by_hand = RowIndex()
    by_hand.load(rows, NOW)
    by_hand.sort(SortField.DURATION, descending=True)
    by_hand.set_status_filter({S.COMPLETED, "PAUSED"})
    by_hand.set_search_text("pc-1")
    by_hand.set_key_filter(keys)

    assert order(prepared) == order(by_hand)
    assert 0 < len(prepared.index) < len(rows)
    assert prepared.status_counts() == by_hand.status_counts()
    assert prepared.now == NOW
    for source in order(prepared):
        assert prepared.view_row_of_key(rows[source].key) == order(prepared).index(source)
    hidden = next(i for i in range(len(rows)) if i not in set(order(prepared)))
    assert prepared.view_row_of_key(rows[hidden].key) is None


def test_warm_fills_the_lazy_lookups() -> None:
    index = prepare_view(make_rows(40), NOW, ViewSpec(SortField.USERNAME))
    assert index._key_to_source is not None
    assert index._counts is not None
    assert index._inverse is not None  # sorted: the view order is not the source order


def test_apply_takes_over_another_views_sort_and_filters() -> None:
    rows = make_rows(90)
    old = prepare_view(rows, NOW, ViewSpec(SortField.USERNAME))
    wanted = ViewSpec(SortField.WARNINGS, True, frozenset({S.FAILURE}), "exchange", None)
    assert old.apply(wanted) is True
    assert old.spec == wanted
    assert order(old) == order(prepare_view(rows, NOW, wanted))
    assert old.apply(wanted) is False  # nothing left to change
    assert old.apply(ViewSpec()) is True
    assert order(old) == list(range(len(rows)))


def test_the_preparer_uses_the_spec_current_when_it_runs() -> None:
    rows = tuple(make_rows(60))
    preparer = ViewPreparer(lambda: NOW)
    report = Report(rows=rows)
    first = preparer(report)
    assert isinstance(first, PreparedReport)
    assert first.report is report
    assert order(first.view) == list(range(len(rows)))

    preparer.spec = ViewSpec(SortField.ERRORS, descending=True)
    second = preparer(report)
    assert isinstance(second, PreparedReport)
    errors = [rows[i].errors for i in order(second.view)]
    assert errors == sorted(errors, reverse=True)
    assert second.view.now == NOW


def test_a_view_prepared_on_another_thread_is_complete() -> None:
    rows = tuple(make_rows(200))
    preparer = ViewPreparer(lambda: NOW, ViewSpec(SortField.AGE))
    results: list[object] = []
    worker = threading.Thread(target=lambda: results.append(preparer(Report(rows=rows))))
    worker.start()
    worker.join()
    (prepared,) = results
    assert isinstance(prepared, PreparedReport)
    ages = [
        NOW.timestamp() - rows[i].local_end.timestamp()
        for i in order(prepared.view)
        if rows[i].local_end is not None
    ]
    assert ages == sorted(ages)
    assert len(prepared.view.index) == len(rows)


def test_key_lookup_is_built_in_chunks_with_pauses() -> None:
    from desktop_app.report import sort_keys

    rows = make_rows(2 * sort_keys.KEY_CHUNK + 5)
    rows.append(rows[3])  # a repeated key: the later row wins, as in one dict over all rows
    index = RowIndex(ViewSpec())
    index.load(rows, NOW)
    calls: list[int] = []
    index.warm(lambda: calls.append(1))
    assert len(calls) == 3 + 1  # three chunks, and a rest before the view's inverse
    assert [index.source_of_key(row.key) for row in rows[:-1]] == [
        len(rows) - 1 if i == 3 else i for i in range(len(rows) - 1)
    ]
    assert index.source_of_key(("nobody", -1, "x")) is None


def test_unknown_values_sort_last_search_as_empty_and_count_as_unreadable() -> None:
    rows = make_rows(12)
    rows[3] = rows[3]._replace(username=None, condition_status=None, errors=None)
    rows[5] = rows[5]._replace(computer_name=None, condition_types=None, local_start=None)
    index = RowIndex()
    index.load(rows, NOW)
    for field in SortField:
        for descending in (False, True):
            index.sort(field, descending)
            keys = index.keys(field)
            shown = [keys[i] for i in index.index]
            known = [k for k in shown if k is not None]
            assert shown == known + [None] * (len(shown) - len(known)), field
    assert index.status_counts()[UNREADABLE_STATUS] == 1
    index.set_status_filter({UNREADABLE_STATUS})
    assert list(index.index) == [3]
    index.set_status_filter(None)
    index.set_search_text("none")  # an unknown name is not the text "None"
    assert list(index.index) == []
    index.set_search_text(rows[5].username or "")
    assert 5 in index.index


def test_customers_leave_out_rows_whose_customer_is_unknown() -> None:
    rows = make_rows(14)
    rows[0] = rows[0]._replace(username=None)
    customers = summarise_customers(rows)
    assert sum(c.backup_sets for c in customers) == 13
    assert None not in {c.username for c in customers}


def test_a_paced_prepare_view_rests_between_its_steps_and_builds_the_same_view() -> None:
    rows = make_rows(120)
    spec = ViewSpec(SortField.DURATION, True, None, "pc-1", None)
    rests: list[None] = []
    paced_view = prepare_view(rows, NOW, spec, rows[-3:], pause=lambda: rests.append(None))
    assert order(paced_view) == order(prepare_view(rows, NOW, spec, rows[-3:]))
    assert len(rests) >= 5
