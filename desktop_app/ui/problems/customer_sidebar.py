"""The customer sidebar: every customer with its counts and worst status; selecting filters.

While several partners are watched, a Partner level comes first: each partner (tree order,
indented by depth; a refused one says so) heads its customers (``report.partner_groups``), and
selecting a partner selects all of its customers.

The counts come from ``report.customers.summarise_customers`` (Qt-free, one pass over the rows);
this module only shows them. A few thousand customers at most, so a plain list model is enough.

Signals:
    CustomerSidebar.customers_selected(frozenset): the selected usernames (empty: no customer
        filter).
    CustomerSidebar.export_requested(frozenset): the context menu's "Export summary of the
        selected customers…": the usernames to export.
    CustomerSidebar.export_all_requested(): "Export summary of all customers…".
    CustomerSidebar.stale_threshold_requested(str): "Stale threshold for …", by username.

The sort order and whether the sidebar is shown are remembered (``bind_settings``); the
selection is not: whoever reopens the app expects to see every customer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QItemSelection,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QSettings,
    Qt,
    Signal,
)
from PySide6.QtGui import QAction, QFont, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListView,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.report.customers import CustomerCounts, by_problems
from desktop_app.report.partner_groups import PartnerGroup, group_by_partner
from desktop_app.report.rows import PartnerStatus
from desktop_app.ui.remembered_choices import read_bool

__all__ = [
    "CUSTOMER_ROLE",
    "SORT_BY_NAME",
    "SORT_BY_PROBLEMS",
    "CustomerListModel",
    "CustomerSidebar",
    "customer_text",
    "order_customers",
]

CUSTOMER_ROLE = Qt.ItemDataRole.UserRole + 1
_AnyIndex = QModelIndex | QPersistentModelIndex
SORT_BY_PROBLEMS = "problems"
SORT_BY_NAME = "name"
SORT_MODES = (SORT_BY_PROBLEMS, SORT_BY_NAME)
SORT_KEY = "customers/sort"
VISIBLE_KEY = "customers/visible"


def order_customers(customers: Sequence[CustomerCounts], mode: str) -> list[CustomerCounts]:
    """The sidebar's order: most problems first, or by name (case-insensitive)."""
    if mode == SORT_BY_PROBLEMS:
        return by_problems(customers)
    return sorted(customers, key=lambda c: (c.username.casefold(), c.username))


def customer_text(c: CustomerCounts) -> str:
    """``acme-dental`` over ``12 sets: 2 failing, 1 stale``: two lines, so a narrow sidebar
    never cuts off the counts (problems named, never only coloured)."""
    sets = "1 set" if c.backup_sets == 1 else f"{c.backup_sets} sets"
    parts = _problem_counts(c.failures, c.stale, c.missing, c.warnings)
    return f"{c.username}\n{sets}" + (": " + ", ".join(parts) if parts else ": all fine")


def _problem_counts(failures: int, stale: int, missing: int, warnings: int = 0) -> list[str]:
    """``2 failing``, ``1 stale``...: the counts that are not zero, worst first."""
    counted = (
        (failures, "failing"),
        (stale, "stale"),
        (missing, "missing"),
        (warnings, "warning" if warnings == 1 else "warnings"),
    )
    return [f"{n} {word}" for n, word in counted if n]


def partner_text(group: PartnerGroup) -> str:
    """``Partner resell-north`` over ``3 customers, 40 sets: 2 failing`` (or why it has none:
    ``refused``, ``could not be fetched``), indented by its depth in the tree."""
    status = group.status
    indent = "    " * (status.depth if status is not None else 0)
    name = f"Partner {status.partner}" if status is not None else "Other customers"
    n = len(group.customers)
    customers = "1 customer" if n == 1 else f"{n} customers"
    sets = "1 set" if group.backup_sets == 1 else f"{group.backup_sets} sets"
    problems = _problem_counts(group.failures, group.stale, group.missing)
    counts = f"{customers}, {sets}" + (": " + ", ".join(problems) if problems else "")
    if status is not None and status.state in ("refused", "failed", "pending"):
        counts = {"refused": "refused", "failed": "could not be fetched"}.get(
            status.state, "still being fetched"
        )
    return f"{indent}{name}\n{indent}{counts}"


def _entry_key(entry: CustomerCounts | PartnerGroup) -> str:
    """What an entry is, across re-orderings: its customer, or its partner."""
    if isinstance(entry, CustomerCounts):
        return f"c:{entry.username}"
    return f"p:{entry.status.partner if entry.status is not None else ''}"


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
        self._entries: list[CustomerCounts | PartnerGroup] = []
        self._partners: tuple[PartnerStatus, ...] = ()
        self._partner_of: dict[str, str] = {}
        self._sort = SORT_BY_PROBLEMS

    def set_customers(self, customers: Sequence[CustomerCounts]) -> None:
        self.beginResetModel()
        self._customers = list(customers)
        self._entries = self._arranged()
        self.endResetModel()

    def set_partners(self, partners: Sequence[PartnerStatus], partner_of: dict[str, str]) -> None:
        """The watched partners (empty: one partner, no Partner level) and each customer's."""
        if tuple(partners) == self._partners and partner_of == self._partner_of:
            return
        self._partners, self._partner_of = tuple(partners), partner_of
        self.set_customers(self._customers)

    def set_sort(self, mode: str) -> None:
        if mode == self._sort:
            return
        self._sort = mode
        self.layoutAboutToBeChanged.emit()
        old = self._entries
        self._entries = self._arranged()
        position = {_entry_key(e): row for row, e in enumerate(self._entries)}
        for index in self.persistentIndexList():
            if index.isValid():
                moved = self.index(position[_entry_key(old[index.row()])])
                self.changePersistentIndex(index, moved)
        self.layoutChanged.emit()

    def sort_mode(self) -> str:
        return self._sort

    def _arranged(self) -> list[CustomerCounts | PartnerGroup]:
        """The customers in the chosen order, under their partners when several are watched."""
        ordered = order_customers(self._customers, self._sort)
        if not self._partners:
            return list(ordered)
        entries: list[CustomerCounts | PartnerGroup] = []
        for group in group_by_partner(self._partners, ordered, self._partner_of):
            entries.append(group)
            entries.extend(group.customers)
        return entries

    def entry_at(self, row: int) -> CustomerCounts | PartnerGroup:
        return self._entries[row]

    def usernames_at(self, row: int) -> frozenset[str]:
        """The customers a row stands for: its own, or all of a partner's."""
        entry = self._entries[row]
        if isinstance(entry, CustomerCounts):
            return frozenset((entry.username,))
        return entry.usernames

    def customer_at(self, row: int) -> CustomerCounts | None:
        entry = self._entries[row]
        return entry if isinstance(entry, CustomerCounts) else None

    def row_of(self, username: str) -> int | None:
        for row, c in enumerate(self._entries):
            if isinstance(c, CustomerCounts) and c.username == username:
                return row
        return None

    def row_of_partner(self, partner: str) -> int | None:
        """The row heading ``partner``'s customers (several partners watched)."""
        return next(
            (r for r, e in enumerate(self._entries) if _entry_key(e) == f"p:{partner}"), None
        )

    def rowCount(self, parent: _AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._entries)

    def data(self, index: _AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._entries):
            return None
        c = self._entries[index.row()]
        if isinstance(c, PartnerGroup):
            return self._partner_data(c, role)
        if role == Qt.ItemDataRole.DisplayRole:
            return customer_text(c)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return customer_text(c).replace("\n", ", ")
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

    def _partner_data(self, group: PartnerGroup, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return partner_text(group)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return " ".join(partner_text(group).split())
        if role == Qt.ItemDataRole.ToolTipRole:
            status = group.status
            if status is None:
                return "Customers known only from the history (every set missing)"
            parent = f"\nSub-partner of {status.parent}" if status.parent else ""
            problem = f"\n{status.problem}" if status.problem else ""
            return f"Partner {status.partner}{parent}{problem}\nSelect to show its customers"
        if role == Qt.ItemDataRole.FontRole:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.DecorationRole:
            status = group.status
            if self._icon_for_status is None:
                return None
            if status is not None and status.state in ("refused", "failed"):
                return self._icon_for_status("UNKNOWN")
            return None if group.worst_status is None else self._icon_for_status(group.worst_status)
        return None


class CustomerSidebar(QWidget):
    """A sortable, multi-select customer list with a "Show all" button (see module docstring)."""

    customers_selected = Signal(frozenset)
    export_requested = Signal(frozenset)
    export_all_requested = Signal()
    stale_threshold_requested = Signal(str)

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
        self._settings: QSettings | None = None  # set by bind_settings

        title = QLabel("Customers")
        title.setObjectName("customerTitle")
        self.sort_box = QComboBox()
        self.sort_box.setObjectName("customerSort")
        self.sort_box.setAccessibleName("Sort customers")
        self.sort_box.addItem("Most problems first", SORT_BY_PROBLEMS)
        self.sort_box.addItem("By name", SORT_BY_NAME)
        self.sort_box.currentIndexChanged.connect(lambda _i: self._on_sort_chosen())
        self.view = QListView()
        self.view.setObjectName("customerList")
        self.view.setAccessibleName("Customers")
        self.view.setModel(self.model)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setUniformItemSizes(True)
        # Lay out a few hundred rows per event-loop pass: thousands of customers laid out at once
        # cost ~14,000 calls into the model and a 50–90 ms stall on every refresh.
        self.view.setLayoutMode(QListView.LayoutMode.Batched)
        self.view.setBatchSize(256)
        self.view.selectionModel().selectionChanged.connect(self._on_selection)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._show_context_menu)
        self.clear_button = QPushButton("Show &all customers")
        self.clear_button.setObjectName("customerClear")
        self.clear_button.setAccessibleName("Show all customers")
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

        # Like QDockWidget.toggleViewAction: the View menu's way to hide and show the sidebar.
        self.toggle_action = QAction("&Customer sidebar", self)
        self.toggle_action.setObjectName("toggleCustomerSidebar")
        self.toggle_action.setCheckable(True)
        self.toggle_action.setChecked(True)
        self.toggle_action.setShortcut(QKeySequence("F9"))
        self.toggle_action.setStatusTip("Show or hide the customer list (F9)")
        self.toggle_action.toggled.connect(self._set_shown)

    def description(self) -> str:
        """The selected customers in words ("customer acme-dental"), "" for all of them."""
        chosen = sorted(self._selected, key=str.casefold)
        if not chosen:
            return ""
        if len(chosen) > 3:
            return f"{len(chosen)} customers"
        return ("customer " if len(chosen) == 1 else "customers ") + ", ".join(chosen)

    # --- remembered choices -------------------------------------------------------------------
    def bind_settings(self, settings: QSettings) -> None:
        """Restore the sort order and visibility from ``settings`` and keep them there.

        A value that is not one this version writes (corrupt, or from a future one) means the
        default: most problems first, shown.
        """
        mode = settings.value(SORT_KEY)
        if isinstance(mode, str) and mode in SORT_MODES:
            self.set_sort_mode(mode)
        shown = read_bool(settings, VISIBLE_KEY, True)
        self.toggle_action.setChecked(shown)
        self._set_shown(shown)
        self._settings = settings

    def set_sort_mode(self, mode: str) -> None:
        row = self.sort_box.findData(mode)
        if row >= 0:
            self.sort_box.setCurrentIndex(row)

    def sort_mode(self) -> str:
        return self.model.sort_mode()

    def _on_sort_chosen(self) -> None:
        mode = str(self.sort_box.currentData())
        self.model.set_sort(mode)
        if self._settings is not None:
            self._settings.setValue(SORT_KEY, mode)

    def _set_shown(self, shown: bool) -> None:
        if not shown and self._selected:
            self.clear_selection()  # a hidden filter would silently hide rows
        self.setVisible(shown)
        if self._settings is not None:
            self._settings.setValue(VISIBLE_KEY, shown)

    # --- context menu -------------------------------------------------------------------------
    def context_menu(self, under_cursor: str | None = None) -> QMenu:
        """Export summaries, the stale threshold of the customer under the cursor (or the one
        selected) and "show all" (built fresh for each showing)."""
        menu = QMenu(self)
        menu.setObjectName("customerMenu")
        selected = self._selected
        customer = under_cursor or (next(iter(selected)) if len(selected) == 1 else None)
        if customer is not None:
            menu.addAction(
                f"&Stale threshold for {customer}…",
                lambda: self.stale_threshold_requested.emit(customer),
            )
            menu.addSeparator()
        if selected:
            n = len(selected)
            text = f"Export summary of the {n} selected customer{'s' if n > 1 else ''}…"
            menu.addAction(text, lambda: self.export_requested.emit(selected))
        every = menu.addAction("&Export summary of all customers…")
        every.triggered.connect(self.export_all_requested)
        menu.addSeparator()
        show_all = menu.addAction("Show &all customers", self.clear_selection)
        show_all.setEnabled(bool(selected))
        return menu

    def _show_context_menu(self, pos: QPoint) -> None:
        index = self.view.indexAt(pos)
        customer = self.model.customer_at(index.row()) if index.isValid() else None
        under = customer.username if customer is not None else None
        menu = self.context_menu(under)
        menu.exec(self.view.viewport().mapToGlobal(pos))
        menu.deleteLater()

    def set_partners(self, partners: Sequence[PartnerStatus], partner_of: dict[str, str]) -> None:
        """The Partner level (see the module docstring); no partners: none."""
        self._replace(lambda: self.model.set_partners(partners, partner_of))

    def set_customers(self, customers: Sequence[CustomerCounts]) -> None:
        """Replace the list, keeping the selection of customers that are still there."""
        self._replace(lambda: self.model.set_customers(customers))

    def _replace(self, change: Callable[[], None]) -> None:
        keep = self._selected
        self._updating = True
        try:
            change()
            self._select(keep)
        finally:
            self._updating = False
        self._emit_if_changed()

    def _select(self, usernames: frozenset[str]) -> QItemSelection:
        """Select exactly these customers (those in the list); returns the selection."""
        selection = QItemSelection()
        for username in usernames:
            row = self.model.row_of(username)
            if row is not None:
                index = self.model.index(row)
                selection.select(index, index)
        self.view.selectionModel().select(
            selection, self.view.selectionModel().SelectionFlag.ClearAndSelect
        )
        return selection

    def selected_usernames(self) -> frozenset[str]:
        return self._selected

    def clear_selection(self) -> None:
        self.view.clearSelection()

    def select_customers(self, usernames: frozenset[str]) -> None:
        """Select exactly these customers (the table's "Filter to this customer"); the sidebar
        is shown if it was hidden, so the filter is visible where it can be undone."""
        if not self.toggle_action.isChecked():
            self.toggle_action.setChecked(True)
        rows = self._select(usernames).indexes()
        if rows:
            self.view.scrollTo(rows[0])

    def _on_selection(self, *_args: object) -> None:
        if not self._updating:
            self._emit_if_changed()

    def _emit_if_changed(self) -> None:
        rows = self.view.selectionModel().selectedRows()
        selected = frozenset().union(*(self.model.usernames_at(i.row()) for i in rows))
        self.clear_button.setEnabled(bool(selected))
        if selected != self._selected:
            self._selected = selected
            self.customers_selected.emit(selected)
