"""One set's recorded runs, newest first, under its 30-day strip: "Show history…" (Ctrl+H)."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_app.report.rows import BackupStatusRow
from desktop_app.report.status import status_text
from desktop_app.report.summary import counted
from desktop_app.report.timeline import SetHistory
from desktop_app.ui.detail.history_strip import HistoryStrip
from desktop_app.ui.time_format import format_admin_time, format_computer_time

__all__ = ["SetHistoryDialog"]


class SetHistoryDialog(QDialog):
    """One set's recorded runs, newest first, under its 30-day strip (non-modal)."""

    def __init__(
        self, row: BackupStatusRow, history: SetHistory | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("setHistoryDialog")
        self.setWindowTitle(f"History of {row.backupset_name} on {row.computer_name}")
        layout = QVBoxLayout(self)
        intro = QLabel(
            f"Customer {row.username}, computer {row.computer_name} (ID {row.computer_id})"
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.table = QTableWidget(self)
        self.table.setObjectName("setHistoryRuns")
        if history is None:
            layout.addWidget(QLabel("No history: the history database is off or has no runs."))
        else:
            strip = HistoryStrip()
            strip.set_days(history.days)
            layout.addWidget(strip)
            layout.addWidget(QLabel(_summary_line(history)))
            self._fill(history)
            layout.addWidget(self.table, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(760, 420)

    def _fill(self, history: SetHistory) -> None:
        headers = ("Status", "Started (computer)", "Ended (computer)", "Errors", "Warnings")
        table = self.table
        table.setColumnCount(len(headers))
        table.setHorizontalHeaderLabels(headers)
        table.setRowCount(len(history.runs))
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.verticalHeader().setVisible(False)
        for r, record in enumerate(history.runs):
            run = record.row
            cells = (
                status_text(run.condition_status),
                format_computer_time(run.local_start),
                format_computer_time(run.local_end),
                "—" if run.errors is None else str(run.errors),
                "—" if run.warnings is None else str(run.warnings),
            )
            for c, text in enumerate(cells):
                table.setItem(r, c, QTableWidgetItem(text))
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        table.horizontalHeader().setStretchLastSection(True)

    def run_texts(self) -> list[list[str]]:
        """The table's cells (for tests and accessibility checks)."""
        return [
            [self.table.item(r, c).text() for c in range(self.table.columnCount())]  # type: ignore[union-attr]
            for r in range(self.table.rowCount())
        ]


def _summary_line(history: SetHistory) -> str:
    def when(moment: datetime | None, none: str) -> str:
        return none if moment is None else format_admin_time(moment)

    return (
        f"Failing since: {when(history.failing_since, 'not failing')} · "
        f"Last successful backup: {when(history.last_success, 'none recorded')} · "
        f"{counted(len(history.runs), 'run')} recorded"
    )
