"""The window on odd data, as users meet it: the demo API with its quirks switched on (values a
server gets wrong, a short report), and a restart while the API is down. Real demo server on
127.0.0.1, real history file, real log records."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon
from pytestqt.qtbot import QtBot

from desktop_app.api.errors import NetworkError
from desktop_app.app import AppOptions, AppParts, build
from desktop_app.demo.faults import Fault
from desktop_app.demo.quirks import Quirk
from desktop_app.report.prepared import ViewPreparer
from desktop_app.report.rows import ReadProblem, Report
from desktop_app.report.status import ConditionStatus
from desktop_app.ui.detail.pane import DetailPane
from desktop_app.ui.icons import IconProvider
from desktop_app.ui.problems.read_problems import ReadProblemsDialog
from desktop_app.ui.refresh.controller import RefreshController
from desktop_app.ui.refresh.fetcher import FetchFailure, ReportFetcher
from desktop_app.ui.refresh.restored_report import RestoredNotice, RestoredReport, recorded_when
from desktop_app.ui.shell.banner import INCOMPLETE_TITLE
from desktop_app.ui.table.columns import Column
from desktop_app.ui.table.model import ReportTableModel
from desktop_app.ui.time_format import COMPUTER, LOCAL
from desktop_app.ui.workers import Workers
from tests.gui.conftest import REPORT_DATE as NOW
from tests.gui.conftest import make_row

ROWS = 240


@pytest.fixture
def start_demo(qtbot: QtBot, tmp_path: Path) -> Iterator[object]:
    built: list[AppParts] = []

    def start(*quirks: Quirk) -> AppParts:
        options = AppOptions(
            demo=True,
            demo_rows=ROWS,
            demo_quirks=frozenset(quirks),
            settings_path=tmp_path / "s.ini",
            data_dir=tmp_path,
            tray=False,
        )
        parts = build(options)
        qtbot.addWidget(parts.window)
        built.append(parts)
        return parts

    yield start
    for parts in built:
        parts.close()


def first_report(qtbot: QtBot, parts: AppParts) -> Report:
    with qtbot.waitSignal(parts.refresh.report_ready, timeout=15_000) as ready:
        pass
    report = ready.args[0]
    assert isinstance(report, Report)
    return report


def test_unreadable_values_are_blank_marked_listed_and_logged(
    qtbot: QtBot, start_demo: object, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="desktop_app")
    parts = start_demo(Quirk.VALUES)  # type: ignore[operator]
    report = first_report(qtbot, parts)
    window, model = parts.window, parts.model
    assert len(report.rows) == ROWS  # odd values cost fields, never rows
    problems = report.problems
    assert problems and {p.field for p in problems} == {"errors", "local_start"}

    # The table: the unreadable count is blank, marked, and says what was sent.
    problem = next(p for p in problems if p.field == "errors")
    assert problem.row is not None
    view_row = model.view_row_of_key(report.rows[problem.row - 1].key)
    assert view_row is not None
    cell = model.index(view_row, Column.ERRORS)
    assert cell.data(Qt.ItemDataRole.DisplayRole) == ""
    assert cell.data(Qt.ItemDataRole.DecorationRole) is not None
    tip = cell.data(Qt.ItemDataRole.ToolTipRole)
    assert 'Could not be read: errors was "n/a" (not a whole number; left blank)' in tip
    readable = model.index(view_row, Column.WARNINGS)
    assert readable.data(Qt.ItemDataRole.DecorationRole) is None

    # Lower-case statuses count as the failures they are.
    failures = sum(r.condition_status == ConditionStatus.FAILURE for r in report.rows)
    assert window.filter_bar.button(ConditionStatus.FAILURE).text() == f"Failure {failures:,}"

    # The status bar says how many; clicking lists them.
    indicator = parts.read_problems
    assert indicator is not None and indicator.isVisible()
    assert indicator.text() == f"{len(problems)} values could not be read"
    qtbot.mouseClick(indicator, Qt.MouseButton.LeftButton)
    dialog = indicator.dialog
    assert isinstance(dialog, ReadProblemsDialog) and dialog.isVisible()
    assert dialog.table.rowCount() == len(problems)
    first = [dialog.table.item(0, c).text() for c in range(5)]
    assert first == [
        f"{problems[0].row:,}",
        problems[0].field,
        problems[0].raw,
        problems[0].reason,
        problems[0].outcome,
    ]
    dialog.table.cellDoubleClicked.emit(0, 1)  # show that row in the table
    current = window.table.currentIndex()
    assert current.isValid() and problems[0].row is not None
    assert model.row_at(current.row()).key == report.rows[problems[0].row - 1].key
    dialog.close()

    # The log lists them once per report.
    logged = [r for r in caplog.records if "values could not be read" in r.getMessage()]
    assert len(logged) == 1
    assert problems[0].line() in logged[0].getMessage()
    with qtbot.waitSignal(parts.refresh.report_ready, timeout=15_000):
        parts.refresh.refresh()
    logged = [r for r in caplog.records if "values could not be read" in r.getMessage()]
    assert len(logged) == 2


def test_an_incomplete_report_is_shown_with_a_warning_and_marks_nothing_missing(
    qtbot: QtBot, start_demo: object
) -> None:
    parts = start_demo(Quirk.SHORT, Quirk.PAGES)  # type: ignore[operator]
    report = first_report(qtbot, parts)
    assert len(report.rows) == ROWS - ROWS // 10
    banner = parts.window.banner
    assert banner.isVisible() and banner.title() == INCOMPLETE_TITLE
    assert banner.message().startswith(
        f"The server said it holds {ROWS} backup sets but sent {ROWS - ROWS // 10}."
    )
    assert "not called missing" in banner.message()
    assert parts.model.total_rows() == len(report.rows)
    assert parts.read_problems is not None and not parts.read_problems.isVisible()
    history = parts.history
    assert history is not None
    qtbot.waitUntil(lambda: history.store is not None and history.store.last_refresh() is not None)
    store = history.store
    assert store is not None
    assert store.missing_sets() == []


def test_a_fetched_report_replaces_the_restored_one(qtbot: QtBot, start_demo: object) -> None:
    first = start_demo()  # type: ignore[operator]
    first_report(qtbot, first)
    history = first.history
    assert history is not None
    qtbot.waitUntil(lambda: history.store is not None and history.store.last_refresh() is not None)
    first.close()

    parts = start_demo()  # type: ignore[operator]
    shown: list[object] = []
    parts.refresh.report_shown.connect(lambda r: shown.append(r.source))
    first_report(qtbot, parts)
    assert parts.restored is not None
    qtbot.waitUntil(lambda: "json" in shown)
    assert shown[-1] == "json"
    assert not parts.restored.active and not parts.restored.notice.isVisible()
    assert parts.restored.show(parts.refresh.last_report) is False  # too late: never shown again


def test_recorded_when_reads_like_a_person_would_say_it() -> None:
    now = datetime(2026, 11, 27, 10, 0).astimezone()
    assert recorded_when(now - timedelta(hours=1), now) == "today 09:00"
    assert recorded_when(now - timedelta(days=1), now).startswith("yesterday 10:00")
    assert recorded_when(now - timedelta(days=3), now) == "Tue 24 Nov 10:00"
    assert recorded_when(now - timedelta(days=30), now) == "2026-10-28 10:00"


def test_a_failure_before_the_history_is_read_back_is_still_explained(
    qtbot: QtBot, workers: Workers
) -> None:
    """The first fetch may fail before the history thread has read the last report back: once
    that report is on screen, the failure must be in the banner (showing a report hides it)."""

    def down(_cancel: object) -> Report:
        raise NetworkError("127.0.0.1:9 refused the connection.")

    refresh = RefreshController(ReportFetcher(workers, down, ViewPreparer(lambda: NOW)))
    notice = RestoredNotice()
    qtbot.addWidget(notice)
    shown_failures: list[FetchFailure] = []
    restored = RestoredReport(refresh, notice, lambda: NOW, shown_failures.append, local_tz=UTC)
    with qtbot.waitSignal(refresh.refresh_failed):
        refresh.refresh()
    recorded = Report((make_row(),), fetched_at=NOW - timedelta(hours=20), source="history")
    with qtbot.waitSignal(refresh.display_ready):
        assert restored.show(ViewPreparer(lambda: NOW)(recorded))
    assert [f.message for f in shown_failures] == ["127.0.0.1:9 refused the connection."]
    assert notice.text().startswith("Showing the last recorded report, from yesterday")
    assert notice.text().endswith("the refresh failed (see above); it is retried as usual")
    assert restored.active and refresh.shown_report is recorded


def test_cells_of_unknown_values_are_blank_and_marked_where_they_show(qtbot: QtBot) -> None:
    rows = [make_row(computer_id=str(i)) for i in range(3)]
    rows[1] = rows[1]._replace(errors=None, computer_id=None, local_end=None)
    problems = (
        ReadProblem(2, "errors", '"n/a"', "not a whole number"),
        ReadProblem(2, "computer_id", "true", "expected an id"),
        ReadProblem(2, "local_end", "7", "expected a date-time"),
        ReadProblem(3, "local_start", '"2026-11-25T09:00:00"', "no UTC offset", "read as UTC"),
    )
    model = ReportTableModel(icon_for_status=lambda s: QIcon(), now=lambda: NOW)
    model.set_read_problems(problems)
    model.set_rows(rows)
    model.sort(-1)

    def cell(row: int, column: Column, role: Qt.ItemDataRole) -> object:
        return model.index(row, column).data(role)

    display, icon, tip = (
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.DecorationRole,
        Qt.ItemDataRole.ToolTipRole,
    )
    assert cell(1, Column.ERRORS, display) == "" and cell(1, Column.ERRORS, icon) is not None
    assert cell(1, Column.ENDED, display) == ""  # unknown, not "—" (running)
    assert cell(1, Column.AGE, icon) is not None  # computed from it: marked
    assert cell(1, Column.COMPUTER, display) == rows[1].computer_name  # the id is elsewhere
    assert "computer_id was true" in str(cell(1, Column.COMPUTER, tip))
    assert cell(2, Column.STARTED, display) != "" and cell(2, Column.STARTED, icon) is not None
    assert "read as UTC" in str(cell(2, Column.STARTED, tip))
    assert cell(0, Column.ERRORS, icon) is None and cell(1, Column.WARNINGS, icon) is None
    model.set_read_problems(())
    model.set_rows(rows)
    assert cell(1, Column.ERRORS, icon) is None  # the next report's cells are its own


def test_a_set_listed_twice_stays_visible_twice(qtbot: QtBot) -> None:
    failed = make_row(status=ConditionStatus.FAILURE)
    twice = [failed, failed._replace(condition_status=ConditionStatus.COMPLETED)]
    model = ReportTableModel(now=lambda: NOW)
    model.set_rows(twice)
    assert model.rows_shown() == 2
    assert [cell_text(model, r) for r in range(2)] == ["Failure", "Completed"]


def cell_text(model: ReportTableModel, row: int) -> str:
    return model.cell_text(row, Column.STATUS)


def test_the_detail_pane_says_unknown_for_what_was_not_read(qtbot: QtBot) -> None:
    pane = DetailPane(IconProvider(), lambda: NOW, UTC)
    qtbot.addWidget(pane)
    unknown = make_row()._replace(
        username=None,
        computer_id=None,
        errors=None,
        condition_status=None,
        condition_types=None,
        report_date=None,
        local_end=None,
    )
    pane.set_row(unknown)
    text = pane.details_text()
    for line in ("Customer: Unknown", "Errors: Unknown", "Status: Unknown", "Conditions: Unknown"):
        assert line in text
    assert "(ID Unknown)" in text
    # An end that was not read is not a run still going (issue 13's Age reads it too).
    assert "Ended: Unknown" in text and "Age: Unknown" in text and "running" not in text


def test_an_error_object_in_place_of_the_report_keeps_the_last_one_and_says_why(
    qtbot: QtBot, start_demo: object
) -> None:
    parts = start_demo()  # type: ignore[operator]
    good = first_report(qtbot, parts)
    assert parts.demo_server is not None
    parts.demo_server.faults.add(Fault.error_object())
    with qtbot.waitSignal(parts.refresh.refresh_failed, timeout=15_000):
        parts.refresh.refresh()
    banner = parts.window.banner
    assert banner.isVisible() and banner.title() == "Unreadable response"
    assert "The report is being rebuilt; try again in a few minutes" in banner.message()
    assert parts.model.total_rows() == len(good.rows) and parts.window.is_stale()


def test_read_problem_markers_stay_on_times_shown_in_either_zone(qtbot: QtBot) -> None:
    """Issue 13 formats times in the admin's zone or the computer's; issue 12's marker of a
    time read as UTC stays on the cell in both, next to the value."""
    rows = [make_row(), make_row(start=NOW.replace(tzinfo=UTC) - timedelta(hours=5))]
    problem = ReadProblem(2, "local_start", '"2026-11-25T09:00:00"', "no UTC offset", "read as UTC")
    model = ReportTableModel(icon_for_status=lambda s: QIcon(), now=lambda: NOW)
    model.set_read_problems((problem,))
    model.set_rows(rows)
    model.sort(-1)
    shown = []
    for mode in (COMPUTER, LOCAL):
        model.set_time_mode(mode)
        cell = model.index(1, Column.STARTED)
        shown.append(cell.data(Qt.ItemDataRole.DisplayRole))
        assert cell.data(Qt.ItemDataRole.DecorationRole) is not None, mode
        assert "read as UTC" in str(cell.data(Qt.ItemDataRole.ToolTipRole)), mode
        assert model.index(0, Column.STARTED).data(Qt.ItemDataRole.DecorationRole) is None
    assert shown[0].endswith("+00:00") and shown[1] != shown[0]  # the value, in each clock


def test_a_stale_set_whose_status_could_not_be_read_reads_stale_and_says_why(
    qtbot: QtBot,
) -> None:
    quiet = make_row(end=NOW - timedelta(days=9))._replace(condition_status=None)
    model = ReportTableModel(icon_for_status=lambda s: QIcon(), now=lambda: NOW)
    model.set_read_problems((ReadProblem(1, "condition_status", "42", "expected text"),))
    model.set_rows([quiet])
    model.set_stale_keys([quiet.key])
    status = model.index(0, Column.STATUS)
    assert status.data(Qt.ItemDataRole.DisplayRole) == "Stale"
    tip = str(status.data(Qt.ItemDataRole.ToolTipRole))
    assert "condition_status was 42" in tip and tip.splitlines()[1].startswith("Stale")


def test_the_fetching_message_does_not_overlap_the_restored_reports_counts(
    qtbot: QtBot, start_demo: object
) -> None:
    """The first fetch starts before the window shows, so its "Fetching the report…" message
    was set while the window was hidden, and showing the window showed the row counts under
    it; with a restored report (issue 12) those counts are text, and the two were drawn over
    each other. The counts stay hidden while the message shows, and come back after it."""
    parts = start_demo()  # type: ignore[operator]
    window = parts.window
    bar = window.statusBar()
    assert window.isVisible() and bar.currentMessage() == "Fetching the report…"
    assert not window.shown_label.isVisible()
    first_report(qtbot, parts)
    qtbot.waitUntil(lambda: bar.currentMessage() == "")
    assert window.shown_label.isVisible() and window.shown_label.text().startswith("Showing")
