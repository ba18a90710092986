"""The report table as a widget: columns, selection, copying, and finding a set again.

Why a view of its own (not part of the main window): everything that deals with rows on screen
lives here, so the window only arranges panes and the features that act on rows (exports, row
actions, acknowledging, the navigator) ask the view, by key, never by row number that a sort
would change.

Signals:
    current_changed(): the current row changed (or was re-selected): read ``current_row``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from PySide6.QtCore import QByteArray, QItemSelectionModel, QModelIndex, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QMenu, QTableView, QWidget

from desktop_app.export.csv_writer import neutralise
from desktop_app.report.rows import BackupStatusRow, RowKey
from desktop_app.report.status import ConditionStatus, status_text
from desktop_app.ui.table.columns import (
    MISSING_TEXT,
    OVERDUE_TEXT,
    REPEATED_TEXT,
    STALE_TEXT,
    Column,
)
from desktop_app.ui.table.model import ReportTableModel

__all__ = ["FIRST_COLUMNS", "STATUS_CELL_TEXTS", "ReportView", "Selection", "clipboard_cell"]

log = logging.getLogger(__name__)

MAX_COLUMN_WIDTH = 4000
# Initial widths in average characters: sized from typical content, not by measuring 100k rows.
_INITIAL_WIDTH_CHARS = {
    Column.CUSTOMER: 20,
    Column.COMPUTER: 16,
    Column.BACKUP_SET: 19,
    Column.STARTED: 17,
    Column.ENDED: 17,
    Column.DURATION: 10,
    Column.AGE: 8,
    Column.ERRORS: 7,
    Column.WARNINGS: 9,
    Column.CONDITION_TYPES: 30,
    Column.ACKNOWLEDGED: 12,
    Column.PARTNER: 20,  # "emea-partner (EMEA)": another sign-in's partners name their region
}
STATUS_CELL_TEXTS = (
    *(status_text(status) for status in ConditionStatus),
    MISSING_TEXT,
    STALE_TEXT,
    OVERDUE_TEXT,
    REPEATED_TEXT,
)
"""Everything the Status column says: its first width is measured to fit the widest."""
FIRST_COLUMNS = (
    Column.STATUS,
    Column.CUSTOMER,
    Column.COMPUTER,
    Column.BACKUP_SET,
    Column.ENDED,
    Column.AGE,
)
"""What a first start shows without scrolling at 1366 px, in this order (the rest follow)."""


def clipboard_cell(text: str) -> str:
    """One cell of copied text: no tab or line break inside, no formula at the start."""
    return neutralise(" ".join(text.split()) if any(c in text for c in "\t\r\n") else text)


def _header_usable(header: QHeaderView) -> bool:
    """One section per column, at least one shown, none squeezed to nothing or absurdly wide."""
    if header.count() != len(Column):
        return False
    shown = [c for c in range(header.count()) if not header.isSectionHidden(c)]
    return bool(shown) and all(
        header.minimumSectionSize() <= header.sectionSize(c) <= MAX_COLUMN_WIDTH for c in shown
    )


@dataclass(frozen=True, slots=True)
class Selection:
    """The selection by key, so it survives a new report: the selected sets, the current one,
    and the one at the top of the view."""

    selected: list[RowKey]
    current: RowKey | None
    top: RowKey | None


class ReportView(QTableView):
    """The table of backup sets over a ``ReportTableModel`` (see module docstring)."""

    current_changed = Signal()

    def __init__(self, model: ReportTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model = model
        self.setObjectName("reportTable")
        self.setAccessibleName("Backup sets")
        self.setModel(model)
        self.setSortingEnabled(True)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.setTabKeyNavigation(False)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.horizontalHeader()
        header.setSectionsMovable(True)
        header.setHighlightSections(False)
        header.setStretchLastSection(True)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._show_header_menu)
        header.setSortIndicator(Column.STATUS, Qt.SortOrder.AscendingOrder)
        self.selectionModel().currentRowChanged.connect(lambda *_a: self.current_changed.emit())
        self.activated.connect(lambda _i: self.current_changed.emit())  # Enter / double-click
        self._several_partners: bool | None = None  # not yet known: no report shown
        self._apply_initial_widths()
        header.setSectionHidden(Column.PARTNER, True)  # one partner: nothing to tell apart

    @property
    def report_model(self) -> ReportTableModel:
        return self._model

    def _apply_initial_widths(self) -> None:
        """Widths from typical content, and ``FIRST_COLUMNS`` first (a saved order wins)."""
        metrics = self.fontMetrics()
        char = metrics.averageCharWidth()
        for column, chars in _INITIAL_WIDTH_CHARS.items():
            self.setColumnWidth(column, chars * char + 24)
        icon = self.iconSize().width() if self.iconSize().isValid() else 16
        widest = max(metrics.horizontalAdvance(text) for text in STATUS_CELL_TEXTS)
        self.setColumnWidth(Column.STATUS, widest + icon + 16)
        header = self.horizontalHeader()
        for position, column in enumerate(FIRST_COLUMNS):
            header.moveSection(header.visualIndex(column), position)

    # --- the header ---------------------------------------------------------------------------
    def restore_header(self, state: QByteArray | None) -> None:
        """Columns and sort as saved; an unusable state means the default columns (a damaged
        settings file must never leave the table unusable). Sorts the model accordingly."""
        header = self.horizontalHeader()
        default = header.saveState()
        if state is not None and not (header.restoreState(state) and _header_usable(header)):
            log.warning("The saved table columns are unusable; using the default columns")
            header.restoreState(default)
        sort_column = header.sortIndicatorSection()
        if not 0 <= sort_column < len(Column):
            sort_column = Column.STATUS
        self._model.sort(sort_column, header.sortIndicatorOrder())

    def show_partners(self, several: bool) -> None:
        """The Partner column shows while several partners are watched and hides with one;
        it first appears right after Status. Toggled only when that changes, so a user's own
        choice holds from report to report."""
        if several == self._several_partners:
            return
        self._several_partners = several
        header = self.horizontalHeader()
        if several and header.visualIndex(Column.PARTNER) == header.count() - 1:
            header.moveSection(header.visualIndex(Column.PARTNER), 1)
        header.setSectionHidden(Column.PARTNER, not several)

    def header_state(self) -> QByteArray:
        return self.horizontalHeader().saveState()

    def _show_header_menu(self, pos: QPoint) -> None:
        menu = self.header_menu()
        menu.exec(self.horizontalHeader().mapToGlobal(pos))
        menu.deleteLater()

    def header_menu(self) -> QMenu:
        """The header's context menu: one check per column (built fresh for each showing)."""
        header = self.horizontalHeader()
        menu = QMenu(self)
        menu.setObjectName("headerMenu")
        visible = len(self.visible_columns())
        for column in Column:
            action = menu.addAction(self._model.headerData(column, Qt.Orientation.Horizontal))
            action.setCheckable(True)
            action.setChecked(not header.isSectionHidden(column))
            # Never let the last visible column be hidden: the table would become unusable.
            action.setEnabled(header.isSectionHidden(column) or visible > 1)
            action.setData(int(column))
            action.toggled.connect(
                lambda checked, c=column: header.setSectionHidden(c, not checked)
            )
        return menu

    def visible_columns(self) -> list[Column]:
        """Visible columns in their on-screen order: what an export of the view must contain."""
        header = self.horizontalHeader()
        logical = [header.logicalIndex(v) for v in range(header.count())]
        return [Column(c) for c in logical if not header.isSectionHidden(c)]

    # --- selection ----------------------------------------------------------------------------
    def selected_view_rows(self) -> list[int]:
        return sorted(i.row() for i in self.selectionModel().selectedRows())

    def selected_keys(self) -> list[RowKey]:
        return [self._model.row_at(r).key for r in self.selected_view_rows()]

    def selected_rows(self) -> list[BackupStatusRow]:
        """The selected rows in view order; the current row when nothing is selected."""
        rows = self.selected_view_rows()
        if not rows and self.currentIndex().isValid():
            rows = [self.currentIndex().row()]
        return [self._model.row_at(r) for r in rows]

    def current_row(self) -> BackupStatusRow | None:
        current = self.currentIndex()
        return self._model.row_at(current.row()) if current.isValid() else None

    def select_key(self, key: RowKey) -> bool:
        """Make that set the current and only selected row, scrolled to; False when it is not
        shown (not in the report, or filtered out)."""
        row = self._model.view_row_of_key(key)
        if row is None:
            return False
        index = self._model.index(row, 0)
        self.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.scrollTo(index)
        return True

    def selection(self) -> Selection:
        current = self.current_row()
        top = self.rowAt(0)
        top_key = self._model.row_at(top).key if 0 <= top < self._model.rowCount() else None
        return Selection(self.selected_keys(), None if current is None else current.key, top_key)

    def restore_selection(self, kept: Selection) -> None:
        """Select the same sets again (those still shown), after the rows were replaced."""
        model, selection_model = self._model, self.selectionModel()
        selection_model.clearSelection()
        flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
        for key in kept.selected:
            row = model.view_row_of_key(key)
            if row is not None:
                selection_model.select(model.index(row, 0), flags)
        row = None if kept.current is None else model.view_row_of_key(kept.current)
        if row is not None:
            selection_model.setCurrentIndex(
                model.index(row, 0), QItemSelectionModel.SelectionFlag.NoUpdate
            )
            self.current_changed.emit()
        top = None if kept.top is None else model.view_row_of_key(kept.top)
        if top is not None:
            # After the reset the view needs a turn of the event loop to lay out rows.
            index = model.index(top, 0)
            QTimer.singleShot(
                0, lambda: self.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtTop)
            )

    # --- copying ------------------------------------------------------------------------------
    def copy_selection(self) -> int:
        """Selected rows as tab-separated text, visible columns in view order, with a header;
        returns how many rows were copied.

        Guarded like the CSV export: a name that starts like a formula (``=HYPERLINK(…)``) gets
        a leading ``'`` so a spreadsheet shows it as text, and tabs or line breaks in a name
        become spaces so they cannot split a cell or a row. Times carry their UTC offset.
        """
        rows = self.selected_view_rows()
        if not rows:
            return 0
        columns = self.visible_columns()
        header = (self._model.headerData(c, Qt.Orientation.Horizontal) for c in columns)
        lines = ["\t".join(map(clipboard_cell, header))]
        for r in rows:
            lines.append("\t".join(clipboard_cell(self._model.copy_text(r, c)) for c in columns))
        QGuiApplication.clipboard().setText("\n".join(lines) + "\n")
        return len(rows)

    def row_of(self, index: QModelIndex) -> BackupStatusRow | None:
        return self._model.row_at(index.row()) if index.isValid() else None
