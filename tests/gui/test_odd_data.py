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
from pytestqt.qtbot import QtBot

from desktop_app.api.errors import NetworkError
from desktop_app.app import AppOptions, AppParts, build
from desktop_app.demo.quirks import Quirk
from desktop_app.report.rows import Report
from desktop_app.report.status import ConditionStatus
from desktop_app.ui.columns import Column
from desktop_app.ui.fetcher import FetchFailure, ReportFetcher
from desktop_app.ui.read_problems import INCOMPLETE_TITLE, ReadProblemsDialog
from desktop_app.ui.refresh import RefreshController
from desktop_app.ui.restored_report import RestoredNotice, RestoredReport, recorded_when
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


def test_a_failure_before_the_history_is_read_back_is_still_explained(qtbot: QtBot) -> None:
    """The first fetch may fail before the history thread has read the last report back: once
    that report is on screen, the failure must be in the banner (showing a report hides it)."""

    def down(_cancel: object) -> Report:
        raise NetworkError("127.0.0.1:9 refused the connection.")

    refresh = RefreshController(ReportFetcher(down))
    notice = RestoredNotice()
    qtbot.addWidget(notice)
    shown_failures: list[FetchFailure] = []
    restored = RestoredReport(refresh, notice, lambda: NOW, shown_failures.append, local_tz=UTC)
    with qtbot.waitSignal(refresh.refresh_failed):
        refresh.refresh()
    recorded = Report((make_row(),), fetched_at=NOW - timedelta(hours=20), source="history")
    with qtbot.waitSignal(refresh.display_ready):
        assert restored.show(recorded)
    assert [f.message for f in shown_failures] == ["127.0.0.1:9 refused the connection."]
    assert notice.text().startswith("Showing the last recorded report, from yesterday")
    assert notice.text().endswith("the refresh failed (see above); it is retried as usual")
    assert restored.active and refresh.shown_report is recorded
