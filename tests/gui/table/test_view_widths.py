"""The table's first widths: every Status text fits without eliding ("Comple...", "Repeat...")."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtGui import QIcon
from pytestqt.qtbot import QtBot

from desktop_app.ui.table.columns import Column
from desktop_app.ui.table.model import ReportTableModel
from desktop_app.ui.table.view import STATUS_CELL_TEXTS, ReportView


def test_every_status_text_fits_the_status_column(qtbot: QtBot) -> None:
    model = ReportTableModel(icon_for_status=lambda _s: QIcon(), now=lambda: datetime.now(UTC))
    view = ReportView(model)
    qtbot.addWidget(view)
    metrics = view.fontMetrics()
    assert {"Completed", "Repeated failure", "Overdue", "Missing"} <= set(STATUS_CELL_TEXTS)
    icon = view.iconSize().width() if view.iconSize().isValid() else 16
    widest = max(metrics.horizontalAdvance(text) for text in STATUS_CELL_TEXTS)
    assert view.columnWidth(Column.STATUS) >= widest + icon + 12
