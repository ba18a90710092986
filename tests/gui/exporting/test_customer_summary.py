"""File > "Export customer summary…": the CSV from a real history database, failures, wiring."""

from __future__ import annotations

import csv
import dataclasses
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel, QSettings
from PySide6.QtWidgets import QMainWindow
from pytestqt.qtbot import QtBot

from desktop_app.app import AppParts
from desktop_app.export.customer_summary import CUSTOMER_SUMMARY_HEADER
from desktop_app.report.derived import StaleRule, derive
from desktop_app.report.rows import BackupStatusRow
from desktop_app.report.status import ConditionStatus
from desktop_app.storage.history import HistoryStore
from desktop_app.storage.history_queries import history_days
from desktop_app.storage.settings import AppSettings
from desktop_app.ui.exporting.customer_summary import (
    CustomerSummaryExporter,
    SummarySource,
)
from desktop_app.ui.problems.customer_sidebar import SORT_BY_NAME, SORT_BY_PROBLEMS
from desktop_app.ui.workers import Workers
from tests.gui.conftest import running_app

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
S = ConditionStatus


def row(user: str, cid: int, status: str = S.COMPLETED, age_hours: float = 1) -> BackupStatusRow:
    end = NOW - timedelta(hours=age_hours)
    return BackupStatusRow(NOW, user, str(cid), "PC", "Files", end, end, status, (), 0, 0)


@pytest.fixture
def history(tmp_path: Path) -> Iterator[HistoryStore]:
    """acme 1: 3 of 4 daily runs completed; bravo 5: 1 of 2 (one 10 days ago)."""
    store = HistoryStore(tmp_path / "history.sqlite3", clock=lambda: NOW)
    for day, acme, bravo in (
        (10, None, S.COMPLETED),
        (3, S.COMPLETED, None),
        (2, S.FAILURE, S.FAILURE),
        (1, S.COMPLETED, None),
        (0, S.COMPLETED, None),
    ):
        rows = []
        if acme is not None:
            rows.append(row("acme", 1, acme, age_hours=1 + 24 * day))
        if bravo is not None:
            rows.append(row("bravo", 5, bravo, age_hours=1 + 24 * day))
        store.record(rows, NOW - timedelta(days=day))
    yield store
    store.close()


CURRENT = [
    row("acme", 1, S.COMPLETED),
    row("acme", 2, S.FAILURE),
    row("acme", 3, age_hours=100),  # stale
    row("bravo", 5, S.WARNING, age_hours=2),
]


class Harness:
    def __init__(
        self, qtbot: QtBot, workers: Workers, tmp_path: Path, history: HistoryStore, order: str
    ) -> None:
        self.window = QMainWindow()
        self.options = AppSettings()
        qtbot.addWidget(self.window)
        self.settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
        self.asked: list[str] = []
        self.answer: str | None = str(tmp_path / "out" / "summary")
        self.errors: list[tuple[str, str]] = []
        derived = derive(CURRENT, NOW, StaleRule())
        self.source = SummarySource(
            CURRENT,
            derived,
            history.success_rates,
            NOW,
            order,
            lambda at: history_days(history.database, at),
        )
        self.exporter = CustomerSummaryExporter(
            workers,
            self.window,  # type: ignore[arg-type]
            self.settings,
            lambda: self.options,
            lambda: self.source,
            ask_path=self.ask,
            show_message=lambda title, text: self.errors.append((title, text)),
        )

    def ask(self, proposed: str) -> str | None:
        self.asked.append(proposed)
        return self.answer


def read(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def test_summary_from_a_real_history_is_written_off_the_gui_thread(
    qtbot: QtBot, tmp_path: Path, history: HistoryStore, workers: Workers
) -> None:
    (tmp_path / "out").mkdir()
    h = Harness(qtbot, workers, tmp_path, history, SORT_BY_NAME)
    with qtbot.waitSignal(h.exporter.exported, timeout=5000) as done:
        assert h.exporter.export()
        assert h.exporter.busy()  # the work is on the worker; the GUI thread returned
    target = tmp_path / "out" / "summary.csv"  # the suffix is added
    assert done.args == [str(target), 2]
    assert read(target) == [
        list(CUSTOMER_SUMMARY_HEADER),
        # acme: 3 sets, 1 failing, 1 stale; runs in history: 3 of 4 completed in 7 and 30 days,
        # but its history reaches back 3 days only, and the summary says so
        ["acme", "3", "1", "0", "1", "0", "75.0", "3.0", "75.0", "3.0"],
        # bravo: the run 10 days ago counts for 30 days only (1 failure in 7 days)
        ["bravo", "1", "0", "1", "0", "0", "0.0", "7.0", "50.0", "10.0"],
    ]
    message = h.window.statusBar().currentMessage()
    assert message == f"Exported 2 customers to {target}"
    assert h.errors == []
    assert Path(h.asked[0]).name == f"customer-summary-{date.today():%Y-%m-%d}.csv"

    # The folder is remembered; selected customers only; the sidebar's order is kept.
    h.answer = str(tmp_path / "out" / "only-bravo.csv")
    with qtbot.waitSignal(h.exporter.exported, timeout=5000):
        h.exporter.export(frozenset({"bravo"}))
    assert Path(h.asked[1]).parent == tmp_path / "out"
    assert [r[0] for r in read(tmp_path / "out" / "only-bravo.csv")] == ["Customer", "bravo"]


def test_problem_order_and_the_settings_delimiter(
    qtbot: QtBot, tmp_path: Path, history: HistoryStore, workers: Workers
) -> None:
    (tmp_path / "out").mkdir()
    h = Harness(qtbot, workers, tmp_path, history, SORT_BY_PROBLEMS)
    h.options = dataclasses.replace(h.options, csv_delimiter=";")
    h.source = SummarySource(
        [
            *CURRENT,
            row("zulu", 9, S.FAILURE),
            row("zulu", 10, S.FAILURE),
            row("zulu", 11, S.FAILURE),
        ],
        derive(CURRENT, NOW, StaleRule()),
        history.success_rates,
        NOW,
        SORT_BY_PROBLEMS,
    )
    with qtbot.waitSignal(h.exporter.exported, timeout=5000):
        h.exporter.export()
    text = (tmp_path / "out" / "summary.csv").read_text(encoding="utf-8-sig")
    assert [line.split(";")[0] for line in text.splitlines()] == [
        "Customer",
        "zulu",  # 3 failures
        "acme",  # 2 problems
        "bravo",
    ]


def test_a_failed_write_leaves_no_file_and_shows_an_error(
    qtbot: QtBot, tmp_path: Path, history: HistoryStore, workers: Workers
) -> None:
    folder = tmp_path / "out"
    (folder / "taken.csv").mkdir(parents=True)  # a folder where the file should go
    h = Harness(qtbot, workers, tmp_path, history, SORT_BY_NAME)
    h.answer = str(folder / "taken.csv")
    with qtbot.waitSignal(h.exporter.failed, timeout=5000) as failed:
        h.exporter.export()
    assert [p.name for p in folder.iterdir()] == ["taken.csv"]  # no temporary file left
    assert (folder / "taken.csv").is_dir()
    [(title, text)] = h.errors
    assert title == "Export failed" and text == failed.args[0]
    assert "taken.csv" in text
    assert h.window.statusBar().currentMessage() == "The customer summary was not written"
    assert not h.exporter.busy()


def test_nothing_to_summarise_says_so_and_asks_nothing(
    qtbot: QtBot, tmp_path: Path, history: HistoryStore, workers: Workers
) -> None:
    h = Harness(qtbot, workers, tmp_path, history, SORT_BY_NAME)
    h.source = SummarySource((), None, history.success_rates, NOW)
    assert not h.exporter.export()
    assert h.asked == [] and h.errors == [
        ("Export customer summary", "There is no report to summarise yet.")
    ]


@pytest.fixture
def parts(qtbot: QtBot, tmp_path: Path) -> Iterator[AppParts]:
    with running_app(qtbot, tmp_path, rows=200) as built:
        yield built


def test_the_action_sits_with_the_exports_in_the_file_menu(parts: AppParts) -> None:
    texts = [a.text() for a in parts.window.file_menu.actions()]
    exports = texts.index("&Export CSV…")
    assert texts[exports : exports + 3] == [
        "&Export CSV…",
        "Export &selected rows…",
        "Export c&ustomer summary…",  # Alt+F, U
    ]


def test_the_app_exports_the_sidebar_customers_from_its_context_menu(
    qtbot: QtBot, parts: AppParts, tmp_path: Path
) -> None:
    views, exporter = parts.problems, parts.summary_export
    assert views is not None and exporter is not None
    target = tmp_path / "chosen.csv"
    exporter._ask_path = lambda _proposed: str(target)  # the user's answer to the file dialog
    sidebar = views.sidebar
    names = [sidebar.model.customer_at(r).username for r in range(2)]
    for r in range(2):
        sidebar.view.selectionModel().select(
            sidebar.model.index(r), QItemSelectionModel.SelectionFlag.Select
        )
    menu = sidebar.context_menu()
    first = menu.actions()[0]
    assert first.text() == "Export summary of the 2 selected customers…"
    with qtbot.waitSignal(exporter.exported, timeout=10_000) as done:
        first.trigger()
    assert done.args == [str(target), 2]
    assert [r[0] for r in read(target)[1:]] == names  # the sidebar's order
    file_menu = next(a.menu() for a in parts.window.menuBar().actions() if a.text() == "&File")
    assert any(a.objectName() == "exportCustomerSummary" for a in file_menu.actions())
