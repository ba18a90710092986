"""The customer sidebar: every customer with its counts and worst status; selecting filters.

The counts come from ``report.customers.summarise_customers`` (Qt-free, one pass over the rows);
this module only shows them. A few thousand customers at most, so a plain list model is enough.

Signals:
    CustomerSidebar.customers_selected(object): the ``frozenset`` of selected usernames
        (empty: no customer filter).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QItemSelection,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListView,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.report.customers import CustomerCounts, by_problems

__all__ = ["CUSTOMER_ROLE", "CustomerListModel", "CustomerSidebar", "customer_text"]

CUSTOMER_ROLE = Qt.ItemDataRole.UserRole + 1
_AnyIndex = QModelIndex | QPersistentModelIndex
SORT_BY_PROBLEMS = "problems"
SORT_BY_NAME = "name"


def customer_text(c: CustomerCounts) -> str:
    """``acme-dental — 12 sets: 2 failing, 1 stale`` (problems named, never only coloured)."""
    sets = "1 set" if c.backup_sets == 1 else f"{c.backup_sets} sets"
    parts = [
        f"{n} {word}"
        for n, word in (
            (c.failures, "failing"),
            (c.stale, "stale"),
            (c.missing, "missing"),
            (c.warnings, "with warnings"),
        )
        if n
    ]
    return f"{c.username} — {sets}" + (": " + ", ".join(parts) if parts else ": all fine")


class CustomerListModel(QAbstractListModel):
    """Customers in a chosen order; ``CUSTOMER_ROLE`` returns the ``CustomerCounts``."""

    def __init__(
        self,
        icon_for_status: Callable[[str], QIcon] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._icon_for_status = icon_for_status
        self._customers: list[CustomerCounts] = []
        self._sort = SORT_BY_PROBLEMS

    def set_customers(self, customers: Sequence[CustomerCounts]) -> None:
        self.beginResetModel()
        self._customers = self._ordered(customers)
        self.endResetModel()

    def set_sort(self, mode: str) -> None:
        if mode == self._sort:
            return
        self._sort = mode
        self.layoutAboutToBeChanged.emit()
        old = list(self._customers)
        self._customers = self._ordered(old)
        position = {c.username: row for row, c in enumerate(self._customers)}
        for index in self.persistentIndexList():
            if index.isValid():
                moved = self.index(position[old[index.row()].username])
                self.changePersistentIndex(index, moved)
        self.layoutChanged.emit()

    def sort_mode(self) -> str:
        return self._sort

    def _ordered(self, customers: Sequence[CustomerCounts]) -> list[CustomerCounts]:
        if self._sort == SORT_BY_PROBLEMS:
            return by_problems(customers)
        return sorted(customers, key=lambda c: (c.username.casefold(), c.username))

    def customer_at(self, row: int) -> CustomerCounts:
        return self._customers[row]

    def row_of(self, username: str) -> int | None:
        for row, c in enumerate(self._customers):
            if c.username == username:
                return row
        return None

    def rowCount(self, parent: _AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._customers)

    def data(self, index: _AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._customers):
            return None
        c = self._customers[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return customer_text(c)
        if role == Qt.ItemDataRole.ToolTipRole:
            worst = c.worst_status or "no rows"
            return (
                f"{c.username}\nWorst status: {worst}\nBackup sets: {c.backup_sets}\n"
                f"Failing: {c.failures}, warnings: {c.warnings}, running: {c.running}\n"
                f"Stale: {c.stale}, missing: {c.missing}, needs attention: {c.needs_attention}"
            )
        if role == Qt.ItemDataRole.DecorationRole:
            if self._icon_for_status is None or c.worst_status is None:
                return None
            return self._icon_for_status(c.worst_status)
        if role == CUSTOMER_ROLE:
            return c
        return None


class CustomerSidebar(QWidget):
    """A sortable, multi-select customer list with a "Show all" button (see module docstring)."""

    customers_selected = Signal(object)

    def __init__(
        self,
        icon_for_status: Callable[[str], QIcon] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("customerSidebar")
        self.model = CustomerListModel(icon_for_status, self)
        self._selected: frozenset[str] = frozenset()
        self._updating = False

        title = QLabel("Customers")
        title.setObjectName("customerTitle")
        self.sort_box = QComboBox()
        self.sort_box.setObjectName("customerSort")
        self.sort_box.setAccessibleName("Sort customers")
        self.sort_box.addItem("Most problems first", SORT_BY_PROBLEMS)
        self.sort_box.addItem("By name", SORT_BY_NAME)
        self.sort_box.currentIndexChanged.connect(
            lambda _i: self.model.set_sort(str(self.sort_box.currentData()))
        )
        self.view = QListView()
        self.view.setObjectName("customerList")
        self.view.setAccessibleName("Customers")
        self.view.setModel(self.model)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setUniformItemSizes(True)
        self.view.selectionModel().selectionChanged.connect(self._on_selection)
        self.clear_button = QPushButton("Show all customers")
        self.clear_button.setObjectName("customerClear")
        self.clear_button.clicked.connect(self.clear_selection)
        self.clear_button.setEnabled(False)

        header = QHBoxLayout()
        header.addWidget(title, 1)
        header.addWidget(self.sort_box)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(header)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.clear_button)

    def set_customers(self, customers: Sequence[CustomerCounts]) -> None:
        """Replace the list, keeping the selection of customers that are still there."""
        keep = self._selected
        self._updating = True
        try:
            self.model.set_customers(customers)
            selection = QItemSelection()
            for username in keep:
                row = self.model.row_of(username)
                if row is not None:
                    index = self.model.index(row)
                    selection.select(index, index)
            self.view.selectionModel().select(
                selection, self.view.selectionModel().SelectionFlag.ClearAndSelect
            )
        finally:
            self._updating = False
        self._emit_if_changed()

    def selected_usernames(self) -> frozenset[str]:
        return self._selected

    def clear_selection(self) -> None:
        self.view.clearSelection()

    def _on_selection(self, *_args: object) -> None:
        if not self._updating:
            self._emit_if_changed()

    def _emit_if_changed(self) -> None:
        rows = self.view.selectionModel().selectedRows()
        selected = frozenset(self.model.customer_at(i.row()).username for i in rows)
        self.clear_button.setEnabled(bool(selected))
        if selected != self._selected:
            self._selected = selected
            self.customers_selected.emit(selected)
