"""CSV export of the view and of the selection, through the controller's seams, read back."""

from __future__ import annotations

import csv
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from pytestqt.qtbot import QtBot

from desktop_app.app import AppParts
from desktop_app.report.rows import BackupStatusRow
from desktop_app.report.status import ConditionStatus as S
from desktop_app.ui.exporting.csv_export import ExportController
from desktop_app.ui.table.columns import EXTRA_EXPORT_TITLES, FLAG_TITLE, Column
from tests.gui.conftest import running_app

TIMEOUT = 10_000


@pytest.fixture
def parts(qtbot: QtBot, tmp_path: Path) -> Iterator[AppParts]:
    with running_app(qtbot, tmp_path, evolve=False) as built:
        yield built


class Seams:
    """Stands in for the file dialog and the message box, and records what they were asked."""

    def __init__(self, answer: Path | None) -> None:
        self.answer = answer
        self.proposed: list[str] = []
        self.messages: list[tuple[str, str]] = []
        self.threads: list[str] = []

    def ask_path(self, proposed: str) -> str | None:
        self.proposed.append(proposed)
        return None if self.answer is None else str(self.answer)

    def show_message(self, title: str, message: str) -> None:
        self.threads.append(threading.current_thread().name)
        self.messages.append((title, message))


def controller(parts: AppParts, seams: Seams) -> ExportController:
    return ExportController(
        parts.workers,
        parts.window,
        parts.model,
        parts.settings,
        parts.settings_controller.current,
        ask_path=seams.ask_path,
        show_message=seams.show_message,
    )


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def arrange_view(parts: AppParts) -> list[Column]:
    """Failures and warnings only, sorted by computer descending, Errors moved first on
    screen and Age hidden: what a user would set up before exporting."""
    window = parts.window
    window.filter_bar.set_selected(frozenset({S.FAILURE, S.WARNING}))
    window.table.sortByColumn(Column.COMPUTER, Qt.SortOrder.DescendingOrder)
    header = window.table.horizontalHeader()
    header.moveSection(header.visualIndex(Column.ERRORS), 0)
    header.setSectionHidden(Column.AGE, True)
    columns = window.table.visible_columns()
    assert columns[0] is Column.ERRORS and Column.AGE not in columns
    assert 0 < parts.model.rows_shown() < parts.model.total_rows()
    return columns


def name_cells(row: list[str], columns: list[Column]) -> tuple[str, str, str]:
    at = {c: i for i, c in enumerate(columns)}
    return row[at[Column.CUSTOMER]], row[at[Column.COMPUTER]], row[at[Column.BACKUP_SET]]


def names(row: BackupStatusRow) -> tuple[str, str, str]:
    return row.username, row.computer_name, row.backupset_name


def test_export_of_the_view_is_the_filtered_sorted_rows_in_visual_column_order(
    qtbot: QtBot, parts: AppParts, tmp_path: Path
) -> None:
    columns = arrange_view(parts)
    target = tmp_path / "out" / "view.csv"
    target.parent.mkdir()
    seams = Seams(target)
    exporter = controller(parts, seams)
    with qtbot.waitSignal(exporter.exported, timeout=TIMEOUT) as done:
        exporter.export(False)
    assert done.args == [str(target), parts.model.rows_shown()]
    assert seams.messages == []
    assert seams.proposed and seams.proposed[0].endswith(".csv")

    table = read_csv(target)
    assert table[0] == [*(c.title for c in columns), *EXTRA_EXPORT_TITLES, FLAG_TITLE]
    shown = list(parts.model.visible_rows())
    assert len(table) == len(shown) + 1
    assert [name_cells(r, columns) for r in table[1:]] == [names(r) for r in shown]
    status_at, errors_at = columns.index(Column.STATUS), columns.index(Column.ERRORS)
    for view_row, (line, row) in enumerate(zip(table[1:], shown, strict=True)):
        assert line[status_at] == parts.model.cell_text(view_row, Column.STATUS)  # as shown
        assert line[errors_at] == str(row.errors)
    assert f"Exported {len(shown):,} rows" in parts.window.statusBar().currentMessage()
    # The folder is remembered for the next export's proposal.
    assert Path(exporter.proposed_path()).parent == target.parent


def test_export_of_the_selection_only(qtbot: QtBot, parts: AppParts, tmp_path: Path) -> None:
    columns = arrange_view(parts)
    model, selection = parts.model, parts.window.table.selectionModel()
    picked = [0, 2, 3]
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    for row in picked:
        selection.select(model.index(row, 0), flags)
    target = tmp_path / "selected"  # no suffix: ".csv" is added
    exporter = controller(parts, Seams(target))
    with qtbot.waitSignal(exporter.exported, timeout=TIMEOUT) as done:
        exporter.export(True)
    written = target.with_suffix(".csv")
    assert done.args == [str(written), len(picked)]
    table = read_csv(written)
    assert table[0] == [*(c.title for c in columns), *EXTRA_EXPORT_TITLES, FLAG_TITLE]
    assert [name_cells(r, columns) for r in table[1:]] == [names(model.row_at(r)) for r in picked]


def test_a_failed_export_says_so_and_leaves_no_file(
    qtbot: QtBot, parts: AppParts, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    target = blocker / "export.csv"  # its "folder" is a regular file
    seams = Seams(target)
    exporter = controller(parts, seams)
    job = exporter.export(False)
    assert job is not None
    qtbot.waitUntil(lambda: bool(seams.messages), timeout=TIMEOUT)
    title, message = seams.messages[0]
    assert title == "Export failed"
    assert message and "Traceback" not in message
    assert seams.threads == [threading.current_thread().name]  # reported on the GUI thread
    assert not target.exists()
    leftovers = [p for p in tmp_path.rglob("*") if p.suffix in {".csv", ".tmp"}]
    assert leftovers == []
    assert blocker.read_text() == "not a folder"
    assert exporter.job is None  # ready for the next export


def test_nothing_to_export_and_a_cancelled_dialog(qtbot: QtBot, parts: AppParts) -> None:
    seams = Seams(None)
    exporter = controller(parts, seams)
    assert exporter.export(False) is None  # the user cancelled the file dialog
    assert seams.proposed and seams.messages == []

    parts.window.search.setText("no customer is called this")
    assert parts.model.rows_shown() == 0
    assert exporter.export(False) is None
    assert seams.messages == [("Export CSV", "There are no rows to export.")]
    assert exporter.export(True) is None  # nothing selected either
    assert len(seams.messages) == 2


@pytest.mark.skipif(sys.platform != "win32", reason="Windows file sharing (windows-latest runs it)")
def test_exporting_onto_a_csv_open_in_excel_says_so_and_keeps_it(
    qtbot: QtBot, parts: AppParts, tmp_path: Path
) -> None:
    from tests.unit.export.test_csv_writer import HOLD_OPEN_LIKE_EXCEL

    target = tmp_path / "report.csv"
    target.write_text("yesterday's export")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_OPEN_LIKE_EXCEL, str(target)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    try:
        assert holder.stdout.readline().strip() == "held"
        seams = Seams(target)
        assert controller(parts, seams).export(False) is not None
        qtbot.waitUntil(lambda: bool(seams.messages), timeout=TIMEOUT)
    finally:
        holder.communicate("\n", timeout=30)
    title, message = seams.messages[0]
    assert title == "Export failed"
    assert "close it in Excel and try again" in message
    assert target.read_text() == "yesterday's export"
