"""What the window says about a report's odd data: read problems and incompleteness.

* Cells: each read problem marks the table cells that show its field (``ui.table.read_marks``):
  the unknown-status icon, a tooltip saying what was sent, and an empty cell when the value is
  unknown (a time read as UTC keeps its value, marked).
* The status bar: "3 values could not be read", a button that opens a dialog listing them
  (``ReadProblemsIndicator``, ``ReadProblemsDialog``). The log lists them once per report.
* An incomplete report (the server promised more rows than arrived) is said in the banner
  (``ui.shell.banner.incomplete_message``), without hiding the rows that did arrive.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_app.report.read_problems import count_text, problem_lines
from desktop_app.report.rows import ReadProblem, Report

__all__ = [
    "LOG_LINES",
    "ReadProblemsDialog",
    "ReadProblemsIndicator",
    "log_problems",
]

log = logging.getLogger(__name__)

LOG_LINES = 50  # read problems written to the log per report, then how many more


def log_problems(report: Report) -> None:
    """Once per report: how many values could not be read, and the first ``LOG_LINES``."""
    if report.problems:
        lines = problem_lines(report.problems, LOG_LINES)
        log.warning("%s:\n  %s", count_text(report.problems), "\n  ".join(lines))
    if report.incomplete is not None:
        log.warning("The report is incomplete: %s", report.incomplete)


class ReadProblemsDialog(QDialog):
    """Lists a report's read problems: row, field, what was sent, what is wrong, what is shown.

    Signals:
        row_chosen(int): a problem's row number (1-based) was double-clicked: show that row.
    """

    HEADERS = ("Row", "Field", "Value sent", "Problem", "Shown as")
    row_chosen = Signal(int)

    def __init__(self, problems: Sequence[ReadProblem], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("readProblemsDialog")
        self.setWindowTitle("Values that could not be read")
        self.problems = tuple(problems)
        layout = QVBoxLayout(self)
        intro = QLabel(
            f"{count_text(self.problems)}. Each one is shown blank (or, for a time without "
            "its UTC offset, read as UTC) and marked in the table; the rest of the report is "
            "as the server sent it. Row numbers count the report's rows as received.",
            self,
        )
        intro.setObjectName("readProblemsIntro")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.table = QTableWidget(len(self.problems), len(self.HEADERS), self)
        self.table.setObjectName("readProblemsTable")
        self.table.setHorizontalHeaderLabels(self.HEADERS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for i, problem in enumerate(self.problems):
            row = "—" if problem.row is None else f"{problem.row:,}"
            for j, text in enumerate(
                (row, problem.field, problem.raw, problem.reason, problem.outcome)
            ):
                self.table.setItem(i, j, QTableWidgetItem(text))
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setToolTip("Double-click a problem to show its row in the table")
        self.table.cellDoubleClicked.connect(self._choose)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        layout.addWidget(self.table, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        copy = buttons.addButton("Copy list", QDialogButtonBox.ButtonRole.ActionRole)
        copy.setObjectName("copyReadProblems")
        copy.clicked.connect(self.copy)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(760, 420)

    def _choose(self, table_row: int, _column: int) -> None:
        row = self.problems[table_row].row
        if row is not None:
            self.row_chosen.emit(row)

    def text(self) -> str:
        """The list as plain text, one problem per line (what "Copy list" copies)."""
        return "\n".join([count_text(self.problems), *problem_lines(self.problems, 10**9)]) + "\n"

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.text())


class ReadProblemsIndicator(QPushButton):
    """The status bar's "3 values could not be read"; hidden while every value was read.
    Clicking it opens the list; ``reveal(row)`` shows a row the list points at (1-based row
    number of the report on screen)."""

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        icon: QIcon | None = None,
        reveal: Callable[[int], object] = lambda _row: None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("readProblemsButton")
        self._reveal = reveal
        if icon is not None:
            self.setIcon(icon)
        self.setFlat(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Some values in the report could not be read: click to see which")
        self.problems: tuple[ReadProblem, ...] = ()
        self.dialog: ReadProblemsDialog | None = None
        self.clicked.connect(self.open_list)
        self.hide()

    def show_report(self, report: object) -> None:
        """Follow a newly shown report (anything but a ``Report`` is ignored)."""
        if not isinstance(report, Report):
            return
        self.problems = report.problems
        self.setText(count_text(self.problems))
        self.setAccessibleName(self.text())
        self.setVisible(bool(self.problems))

    def open_list(self) -> ReadProblemsDialog:
        if self.dialog is not None:
            self.dialog.close()
        self.dialog = ReadProblemsDialog(self.problems, self.window())
        self.dialog.row_chosen.connect(self._reveal)
        self.dialog.setModal(False)  # beside the table: a double-clicked problem shows its row
        self.dialog.show()
        return self.dialog
