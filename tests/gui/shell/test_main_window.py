"""The main window as a user meets it: the real app (``app.build``) against the demo server.

Every test builds the whole object graph with its own settings file, talks real HTTP on
127.0.0.1 to the in-process demo server, and closes everything at teardown (no server thread,
socket or window may outlive a test).
"""

from __future__ import annotations

import gc
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop_app.app import AppOptions, AppParts, build
from desktop_app.demo.faults import Fault
from desktop_app.report.rows import BackupStatusRow, Report, RowKey
from desktop_app.report.status import ConditionStatus as S
from desktop_app.ui.table.columns import Column, column_title, copied_text
from desktop_app.ui.time_format import format_offset
from tests.gui.conftest import REPORT_DATE, make_row, running_app

ROWS = 300
TIMEOUT = 10_000  # ms; a 300-row demo report arrives in well under a second


# --- building the app -------------------------------------------------------------------------
def wait_until_shown(qtbot: QtBot, parts: AppParts) -> None:
    """Until a report is in the table and no fetch runs."""
    qtbot.waitUntil(
        lambda: parts.model.total_rows() > 0 and not parts.window.busy.isVisible(),
        timeout=TIMEOUT,
    )


@pytest.fixture
def parts(qtbot: QtBot, tmp_path: Path) -> Iterator[AppParts]:
    with running_app(qtbot, tmp_path, rows=ROWS, evolve=False) as built:
        yield built


# --- helpers --------------------------------------------------------------------------------
def report(parts: AppParts) -> Report:
    assert parts.refresh.last_report is not None
    return parts.refresh.last_report


def shown(parts: AppParts) -> list[BackupStatusRow]:
    return list(parts.model.visible_rows())


def refresh_and_wait(qtbot: QtBot, parts: AppParts) -> Report:
    with qtbot.waitSignal(parts.refresh.report_ready, timeout=TIMEOUT) as ready:
        parts.window.refresh_action.trigger()
    wait_until_shown(qtbot, parts)
    result = ready.args[0]
    assert isinstance(result, Report)
    return result


def click_header(qtbot: QtBot, parts: AppParts, column: Column) -> None:
    header = parts.window.table.horizontalHeader()
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    qtbot.mouseClick(
        header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2)
    )


def activate(qtbot: QtBot, parts: AppParts) -> None:
    """Shortcuts only reach the active window."""
    parts.window.activateWindow()
    qtbot.waitUntil(parts.window.isActiveWindow, timeout=2000)


def key_sets(rows: list[BackupStatusRow]) -> list[RowKey]:
    return [r.key for r in rows]


# --- first report, filters, search, sort ------------------------------------------------------
def test_first_report_fills_the_table_and_the_status_counts(parts: AppParts) -> None:
    rows = report(parts).rows
    window, model = parts.window, parts.model
    assert model.total_rows() == model.rows_shown() == len(rows) > 0
    assert set(key_sets(shown(parts))) == {r.key for r in rows}
    counts = Counter(r.condition_status for r in rows)
    assert all(counts[s] > 0 for s in S), "the demo report has every status"
    labels = {S.FAILURE: "Failure", S.WARNING: "Warning", S.RUNNING: "Running"}
    labels[S.COMPLETED] = "Completed"
    for status, label in labels.items():
        assert window.filter_bar.button(status).text() == f"{label} {counts[status]:,}"
    assert window.filter_bar.all_button().text() == f"All {len(rows):,}"
    assert window.shown_label.text() == f"Showing {len(rows):,} of {len(rows):,} backup sets"
    assert "fetched" in window.report_label.text()
    assert "Demo" in window.windowTitle()
    assert not window.banner.isVisible() and not window.is_stale()


def test_status_toggles_and_all(qtbot: QtBot, parts: AppParts) -> None:
    bar, model = parts.window.filter_bar, parts.model
    counts = Counter(r.condition_status for r in report(parts).rows)
    left = Qt.MouseButton.LeftButton

    qtbot.mouseClick(bar.button(S.FAILURE), left)
    assert {r.condition_status for r in shown(parts)} == {S.FAILURE}
    assert model.rows_shown() == counts[S.FAILURE]
    assert not bar.all_button().isChecked()
    total = model.total_rows()
    label = parts.window.shown_label.text()
    assert label == f"Showing {counts[S.FAILURE]:,} of {total:,} backup sets"
    assert parts.window.filter_label.text() == f"{label}, filtered by: Failure"
    assert not parts.window.filter_notice.isHidden()

    qtbot.mouseClick(bar.button(S.WARNING), left)
    assert {r.condition_status for r in shown(parts)} == {S.FAILURE, S.WARNING}
    assert model.rows_shown() == counts[S.FAILURE] + counts[S.WARNING]

    qtbot.mouseClick(bar.button(S.FAILURE), left)  # off again
    assert {r.condition_status for r in shown(parts)} == {S.WARNING}

    for status in (S.FAILURE, S.RUNNING, S.COMPLETED):  # every status on: the same as all
        qtbot.mouseClick(bar.button(status), left)
    assert model.rows_shown() == total

    qtbot.mouseClick(bar.all_button(), left)
    assert model.rows_shown() == total
    assert bar.all_button().isChecked()
    assert not any(bar.button(s).isChecked() for s in S)
    assert bar.selected() is None


@pytest.mark.parametrize("field", ["username", "computer_name", "backupset_name"])
def test_ctrl_f_focuses_the_search_which_matches_each_name(
    qtbot: QtBot, parts: AppParts, field: str
) -> None:
    window = parts.window
    activate(qtbot, parts)
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.search.hasFocus()

    target = report(parts).rows[len(report(parts).rows) // 2]
    value: str = getattr(target, field)
    query = value.swapcase()  # case does not matter
    qtbot.keyClicks(window.search, query)
    rows = shown(parts)
    assert target.key in key_sets(rows)
    wanted = value.casefold()
    assert all(
        wanted in r.username.casefold()
        or wanted in r.computer_name.casefold()
        or wanted in r.backupset_name.casefold()
        for r in rows
    )
    expected = [
        r
        for r in report(parts).rows
        if wanted in f"{r.username}\0{r.computer_name}\0{r.backupset_name}".casefold()
    ]
    assert len(rows) == len(expected) < parts.model.total_rows()
    # The status counts follow the search, so the toggles say what they would show.
    assert window.filter_bar.all_button().text() == f"All {len(rows):,}"

    window.search.clear()
    assert parts.model.rows_shown() == parts.model.total_rows()


def test_sorting_by_header_click_both_ways(qtbot: QtBot, parts: AppParts) -> None:
    header = parts.window.table.horizontalHeader()

    def customers() -> list[str]:
        return [r.username.casefold() for r in shown(parts)]

    click_header(qtbot, parts, Column.CUSTOMER)
    assert header.sortIndicatorSection() == Column.CUSTOMER
    first = header.sortIndicatorOrder()
    descending = first == Qt.SortOrder.DescendingOrder
    assert customers() == sorted(customers(), reverse=descending)

    click_header(qtbot, parts, Column.CUSTOMER)
    assert header.sortIndicatorOrder() != first
    assert customers() == sorted(customers(), reverse=not descending)
    assert customers()[0] != customers()[-1]

    click_header(qtbot, parts, Column.ERRORS)
    errors = [r.errors for r in shown(parts)]
    reverse = header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
    assert errors == sorted(errors, reverse=reverse) and errors[0] != errors[-1]


def test_detail_pane_follows_the_current_row(qtbot: QtBot, parts: AppParts) -> None:
    window, model, table = parts.window, parts.model, parts.window.table
    assert window.table.select_key(model.row_at(0).key)
    assert window.detail_pane.row() == model.row_at(0)
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_Down)
    assert table.currentIndex().row() == 1
    assert window.detail_pane.row() == model.row_at(1)
    qtbot.keyClick(table, Qt.Key.Key_Down)
    qtbot.keyClick(table, Qt.Key.Key_Up)
    assert window.detail_pane.row() == model.row_at(1)

    window.detail_pane.set_row(None)
    qtbot.keyClick(table, Qt.Key.Key_Return)  # Enter (re)opens the current row's details
    assert window.detail_pane.row() == model.row_at(1)

    window.table.clearSelection()
    window.table.setCurrentIndex(model.index(-1, -1))
    assert window.detail_pane.row() is None


@pytest.mark.parametrize("keys", ["F5", "Ctrl+R"])
def test_refresh_shortcuts_fetch_again(qtbot: QtBot, parts: AppParts, keys: str) -> None:
    server = parts.demo_server
    assert server is not None
    activate(qtbot, parts)
    before = len(server.request_log)
    key = Qt.Key.Key_F5 if keys == "F5" else Qt.Key.Key_R
    modifier = Qt.KeyboardModifier.ControlModifier if keys == "Ctrl+R" else None
    with qtbot.waitSignal(parts.refresh.report_ready, timeout=TIMEOUT):
        if modifier is None:
            qtbot.keyClick(parts.window.table, key)
        else:
            qtbot.keyClick(parts.window.table, key, modifier)
    reports = [r for r in server.request_log[before:] if "/reports/" in r.path]
    assert len(reports) == 1


# --- failures, retry, cancel, quit ------------------------------------------------------------
def test_failed_refresh_keeps_rows_shows_banner_and_retry_clears_stale(
    qtbot: QtBot, parts: AppParts
) -> None:
    window, server = parts.window, parts.demo_server
    assert server is not None
    before = key_sets(shown(parts))
    server.faults.add(Fault.server_error())
    with qtbot.waitSignal(parts.refresh.refresh_failed, timeout=TIMEOUT):
        window.refresh_action.trigger()
    wait_until_shown(qtbot, parts)

    assert key_sets(shown(parts)) == before  # the last good rows stay on screen
    assert window.banner.isVisible()
    assert window.banner.title() == "Server error"
    message = window.banner.message()
    assert "server problem (HTTP 500" in message and "Traceback" not in message
    assert window.banner.retry_button.isVisible()
    assert window.is_stale()
    assert window.stale_label.text() == "Stale: showing the last good report"
    assert "Server error" in window.stale_label.toolTip()
    assert parts.refresh.is_stale

    with qtbot.waitSignal(parts.refresh.report_ready, timeout=TIMEOUT):
        qtbot.mouseClick(window.banner.retry_button, Qt.MouseButton.LeftButton)
    wait_until_shown(qtbot, parts)
    assert not window.is_stale() and not parts.refresh.is_stale
    assert not window.banner.isVisible()
    assert key_sets(shown(parts)) == before


def test_cancel_during_a_slow_fetch_keeps_the_last_report(qtbot: QtBot, parts: AppParts) -> None:
    window, server = parts.window, parts.demo_server
    assert server is not None
    before = key_sets(shown(parts))
    server.faults.add(Fault.latency(5))
    window.refresh_action.trigger()
    assert window.busy.isVisible() and window.cancel_action.isEnabled()
    with qtbot.waitSignal(parts.refresh.busy_changed, timeout=TIMEOUT) as busy:
        window.cancel_action.trigger()
    assert busy.args == [False]
    assert not window.busy.isVisible() and not window.cancel_action.isEnabled()
    assert key_sets(shown(parts)) == before
    assert not window.banner.isVisible() and not window.is_stale()


def test_closing_while_a_fetch_is_in_flight_is_quick(qtbot: QtBot, tmp_path: Path) -> None:
    parts = build(AppOptions(demo=True, demo_rows=ROWS, settings_path=tmp_path / "s.ini"))
    qtbot.addWidget(parts.window)
    assert parts.demo_server is not None
    parts.demo_server.faults.add(Fault.latency(10), times=3)
    try:
        assert parts.window.busy.isVisible()
        qtbot.waitUntil(lambda: len(parts.demo_server.request_log) >= 1, timeout=TIMEOUT)
    finally:
        began = time.perf_counter()
        parts.close()
        took = time.perf_counter() - began
    assert took < 2.0
    assert parts.model.total_rows() == 0
    gc.collect()  # an unclosed socket would raise its ResourceWarning here, in this test
    qtbot.waitUntil(
        lambda: not any(t.name == "demo-server" for t in threading.enumerate()), timeout=2000
    )


# --- refresh keeps what the user set up -------------------------------------------------------
def test_selection_current_row_sort_and_filter_survive_a_refresh(
    qtbot: QtBot, parts: AppParts
) -> None:
    window, model = parts.window, parts.model
    header = window.table.horizontalHeader()
    window.table.sortByColumn(Column.COMPUTER, Qt.SortOrder.DescendingOrder)
    window.filter_bar.set_selected(frozenset({S.FAILURE, S.WARNING, S.COMPLETED}))
    assert 3 < model.rows_shown() < model.total_rows()
    wanted = [model.row_at(r).key for r in (1, 2, 3)]
    for key in wanted:
        row = model.view_row_of_key(key)
        assert row is not None
        window.table.selectionModel().select(
            model.index(row, 0),
            window.table.selectionModel().SelectionFlag.Select
            | window.table.selectionModel().SelectionFlag.Rows,
        )
    window.table.selectionModel().setCurrentIndex(
        model.index(model.view_row_of_key(wanted[1]) or 0, 0),
        window.table.selectionModel().SelectionFlag.NoUpdate,
    )
    order_before = key_sets(shown(parts))

    refresh_and_wait(qtbot, parts)

    assert header.sortIndicatorSection() == Column.COMPUTER
    assert header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
    assert window.filter_bar.selected() == frozenset({S.FAILURE, S.WARNING, S.COMPLETED})
    assert {r.condition_status for r in shown(parts)} <= {S.FAILURE, S.WARNING, S.COMPLETED}
    assert key_sets(shown(parts)) == order_before  # same data: the same order
    assert sorted(window.table.selected_keys()) == sorted(wanted)
    current = window.table.currentIndex()
    assert current.isValid() and model.row_at(current.row()).key == wanted[1]
    assert window.detail_pane.row() is not None and window.detail_pane.row().key == wanted[1]


def test_a_sort_changed_while_fetching_applies_to_the_new_report(
    qtbot: QtBot, parts: AppParts
) -> None:
    server = parts.demo_server
    assert server is not None
    server.faults.add(Fault.latency(0.3))  # the worker prepares the view after this
    with qtbot.waitSignal(parts.refresh.report_ready, timeout=TIMEOUT):
        parts.window.refresh_action.trigger()
        parts.window.table.sortByColumn(Column.ERRORS, Qt.SortOrder.DescendingOrder)
    errors = [r.errors for r in shown(parts)]
    assert errors == sorted(errors, reverse=True)
    # And a view prepared with an older sort is re-sorted when it is adopted.
    from desktop_app.report.prepared import prepare_view
    from desktop_app.report.sort_keys import SortField, ViewSpec

    rows = report(parts).rows
    old = prepare_view(rows, parts.model.now(), ViewSpec(SortField.USERNAME))
    parts.model.adopt(old)
    errors = [r.errors for r in shown(parts)]
    assert errors == sorted(errors, reverse=True)


# --- copy, header menu, persistence -----------------------------------------------------------
def test_ctrl_c_copies_selected_rows_as_tsv_in_visible_column_order(
    qtbot: QtBot, parts: AppParts
) -> None:
    window, model = parts.window, parts.model
    header = window.table.horizontalHeader()
    header.moveSection(header.visualIndex(Column.ERRORS), 0)  # Errors first on screen
    header.setSectionHidden(Column.CONDITION_TYPES, True)
    window.table.selectRow(2)
    flags = window.table.selectionModel().SelectionFlag
    window.table.selectionModel().select(model.index(4, 0), flags.Select | flags.Rows)
    activate(qtbot, parts)
    window.table.setFocus()
    QGuiApplication.clipboard().clear()
    qtbot.keyClick(window.table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)

    lines = QGuiApplication.clipboard().text().splitlines()
    columns = [Column(c) for c in window.table.visible_columns()]
    assert columns[0] is Column.ERRORS and Column.CONDITION_TYPES not in columns
    assert lines[0].split("\t") == [column_title(c) for c in columns]
    assert "Ended (your time)" in lines[0]
    now = model.now()
    for line, view_row in zip(lines[1:], (2, 4), strict=True):
        row = model.row_at(view_row)
        assert line.split("\t") == [
            model.cell_text(view_row, c) if c not in (Column.STARTED, Column.ENDED)
            else copied_text(row, c, now)
            for c in columns
        ]  # fmt: skip
        ended = line.split("\t")[columns.index(Column.ENDED)]
        assert ended.endswith(format_offset(row.local_end.astimezone().utcoffset()))
    assert len(lines) == 3


def test_header_menu_hides_and_shows_columns_but_never_the_last(parts: AppParts) -> None:
    window = parts.window
    header = window.table.horizontalHeader()

    def actions() -> dict[Column, object]:
        menu = window.table.header_menu()
        found = {Column(a.data()): a for a in menu.actions()}
        assert [a.text() for a in menu.actions()] == [column_title(c) for c in Column]
        return found

    menu_actions = actions()
    menu_actions[Column.AGE].setChecked(False)  # type: ignore[attr-defined]
    assert header.isSectionHidden(Column.AGE)
    menu_actions = actions()
    assert not menu_actions[Column.AGE].isChecked()  # type: ignore[attr-defined]
    menu_actions[Column.AGE].setChecked(True)  # type: ignore[attr-defined]
    assert not header.isSectionHidden(Column.AGE)

    for column in list(Column)[1:]:
        actions()[column].setChecked(False)  # type: ignore[attr-defined]
    assert window.table.visible_columns() == [Column.STATUS]
    last = actions()[Column.STATUS]
    assert last.isChecked() and not last.isEnabled()  # type: ignore[attr-defined]
    assert actions()[Column.CUSTOMER].isEnabled()  # type: ignore[attr-defined]


def test_columns_and_splitter_persist_across_a_rebuild(qtbot: QtBot, tmp_path: Path) -> None:
    with running_app(qtbot, tmp_path, rows=ROWS, evolve=False) as first:
        header = first.window.table.horizontalHeader()
        header.moveSection(header.visualIndex(Column.BACKUP_SET), 0)
        header.setSectionHidden(Column.WARNINGS, True)
        header.resizeSection(Column.COMPUTER, 211)
        header.setSortIndicator(Column.AGE, Qt.SortOrder.DescendingOrder)
        first.window.resize(760, 560)  # inside the offscreen screen (800x600): kept as is
        qtbot.waitUntil(lambda: first.window.width() == 760)
        splitter = first.window.splitter
        sizes = splitter.sizes()
        sizes[-2:] = [sizes[-2] + sizes[-1] - 250, 250]  # a wider detail pane
        splitter.setSizes(sizes)
        saved_sizes = splitter.sizes()
        visual = [header.logicalIndex(v) for v in range(header.count())]
    with running_app(qtbot, tmp_path, rows=ROWS, evolve=False) as second:
        header = second.window.table.horizontalHeader()
        assert [header.logicalIndex(v) for v in range(header.count())] == visual
        assert visual[0] == Column.BACKUP_SET
        assert header.isSectionHidden(Column.WARNINGS)
        assert header.sectionSize(Column.COMPUTER) == 211
        assert header.sortIndicatorSection() == Column.AGE
        assert second.model.sort_column() == Column.AGE
        assert second.window.size() == first.window.size()
        assert second.window.splitter.sizes() == saved_sizes
        assert second.window.table.visible_columns()[0] == Column.BACKUP_SET


def test_main_window_exists_only_while_parts_live(qtbot: QtBot, parts: AppParts) -> None:
    """The window is a top-level widget of the one QApplication; nothing else is left open."""
    assert parts.window in QApplication.topLevelWidgets()
    assert parts.app is QApplication.instance()


def test_ctrl_c_is_guarded_like_the_csv_export(qtbot: QtBot, parts: AppParts) -> None:
    """A customer named like a formula stays text in a spreadsheet, and a tab or line break in
    a name cannot split a cell or a row."""
    evil = make_row(
        '=HYPERLINK("http://evil.example","click")',
        "PC\n-2+3",
        "Files\tand\r\nFolders",
        computer_id="77",
    )
    parts.window.show_report(Report(rows=(evil,), fetched_at=REPORT_DATE))
    parts.window.clear_filters()
    parts.window.table.selectRow(0)
    parts.window.copy_selection()
    lines = QGuiApplication.clipboard().text().split("\n")
    assert lines[-1] == "" and len(lines) == 3  # header, one row, the final newline
    cells = dict(zip(lines[0].split("\t"), lines[1].split("\t"), strict=True))
    assert cells["Customer"] == '\'=HYPERLINK("http://evil.example","click")'
    assert cells["Computer"] == "PC -2+3"
    assert cells["Backup set"] == "Files and Folders"
