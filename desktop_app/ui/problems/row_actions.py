"""Acting on rows: the table's context menu and the actions it offers for the selection.

Acknowledge…, Remove acknowledgement, Copy, Copy as ticket text, E-mail to ticket address,
Show history…, Filter to this customer. Each works on every selected row (the current row
when nothing is selected), so an admin can act on 53 failures as easily as on one. The ticket
text is the one of ``ui.problems.ticket_text``; the ticket address is a setting, and the e-mail
action says where to set it while it is empty.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QPoint, Qt, QUrl
from PySide6.QtGui import QAction, QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QMenu

from desktop_app.report.summary import counted
from desktop_app.storage.settings import AppSettings
from desktop_app.ui.acknowledgements.manage_dialog import AcknowledgementActions
from desktop_app.ui.detail.set_history_dialog import SetHistoryDialog
from desktop_app.ui.problems.ticket_text import TicketSet, mailto_url, ticket_subject, ticket_text
from desktop_app.ui.problems.views import ProblemViews
from desktop_app.ui.shell.main_window import MainWindow
from desktop_app.ui.table.columns import Column

__all__ = ["RowActions"]


class RowActions(QObject):
    """The context menu of ``window.table`` and its actions (see module docstring).

    ``settings()`` are the settings in effect (the ticket address is read each time);
    ``open_url`` opens the ``mailto:`` link (the system's mail program; tests pass their own).
    """

    def __init__(
        self,
        window: MainWindow,
        views: ProblemViews,
        acknowledgements: AcknowledgementActions,
        settings: Callable[[], AppSettings],
        open_url: Callable[[QUrl], bool] = QDesktopServices.openUrl,
    ) -> None:
        super().__init__(window)
        self._window = window
        self._views = views
        self._history = views.history
        self._acknowledgements = acknowledgements
        self._settings = settings
        self._open_url = open_url
        self.history_dialogs: list[SetHistoryDialog] = []

        self.copy_ticket_action = QAction("Copy as &ticket text", window)
        self.copy_ticket_action.setObjectName("copyTicketText")
        self.copy_ticket_action.setShortcut("Ctrl+Alt+C")
        self.copy_ticket_action.setStatusTip(
            "Customer, computer, backup set, status, conditions, failing since, last success"
        )
        self.copy_ticket_action.triggered.connect(self.copy_ticket_text)
        self.email_action = QAction("&E-mail to ticket address…", window)
        self.email_action.setObjectName("emailTicket")
        self.email_action.triggered.connect(self.email_ticket)
        self.history_action = QAction("Show &history…", window)
        self.history_action.setObjectName("showSetHistory")
        self.history_action.setShortcut("Ctrl+H")
        self.history_action.triggered.connect(self.show_history)
        self.filter_customer_action = QAction("&Filter to this customer", window)
        self.filter_customer_action.setObjectName("filterToCustomer")
        self.filter_customer_action.triggered.connect(self.filter_to_customer)
        for action in (self.copy_ticket_action, self.history_action):
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            window.addAction(action)
        window.edit_menu.addAction(self.copy_ticket_action)
        window.edit_menu.addAction(self.history_action)

        table = window.table
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        table.customContextMenuRequested.connect(self._show_menu)

    # --- the menu -------------------------------------------------------------------------------
    def menu(self) -> QMenu:
        """The context menu for the current selection (built fresh each time)."""
        rows = self._window.table.selected_rows()
        menu = QMenu(self._window)
        menu.setObjectName("rowMenu")
        history = self._history
        acknowledge = self._views.acknowledge_action
        problems = sum(history.problem_of(r.key) is not None for r in rows)
        acknowledge.setEnabled(bool(problems) and history.available)
        acknowledge.setText(
            "&Acknowledge the problem…" if problems <= 1 else f"&Acknowledge {problems} problems…"
        )
        menu.addAction(acknowledge)
        actions = self._acknowledgements
        if history.available:
            held = actions.manager.held_for([r.key for r in rows])
            actions.unacknowledge_action.setEnabled(bool(held))
            menu.addAction(actions.unacknowledge_action)
        menu.addSeparator()
        menu.addAction(self._window.copy_action)
        menu.addAction(self.copy_ticket_action)
        address = self._settings().ticket_address.strip()
        self.email_action.setEnabled(bool(rows) and bool(address))
        self.email_action.setText(
            f"&E-mail to {address}" if address else "&E-mail to ticket address (set it in Settings)"
        )
        menu.addAction(self.email_action)
        menu.addSeparator()
        self.history_action.setEnabled(len(rows) == 1)
        menu.addAction(self.history_action)
        customers = sorted({r.username for r in rows if r.username is not None}, key=str.casefold)
        self.filter_customer_action.setText(
            f"&Filter to customer {customers[0]}"
            if len(customers) == 1
            else f"&Filter to these {len(customers)} customers"
        )
        self.filter_customer_action.setEnabled(bool(customers))
        menu.addAction(self.filter_customer_action)
        for action in (self.copy_ticket_action, self._window.copy_action):
            action.setEnabled(bool(rows))
        return menu

    def _show_menu(self, pos: QPoint) -> None:
        menu = self.menu()
        menu.exec(self._window.table.viewport().mapToGlobal(pos))
        menu.deleteLater()
        # Shortcuts work on the whole selection again whatever the menu disabled or renamed.
        self._views.acknowledge_action.setEnabled(True)
        self._views.acknowledge_action.setText("&Acknowledge…")
        self.history_action.setEnabled(True)

    # --- actions --------------------------------------------------------------------------------
    def ticket_sets(self) -> list[TicketSet]:
        """The selected sets with the status the table shows and their history."""
        window = self._window
        model = window.table.report_model
        rows = window.table.selected_view_rows()
        if not rows and window.table.currentIndex().isValid():
            rows = [window.table.currentIndex().row()]
        sets = []
        for view_row in rows:
            row = model.row_at(view_row)
            status = model.cell_text(view_row, Column.STATUS)
            sets.append(TicketSet(row, status, self._history.set_history(row.key)))
        return sets

    def copy_ticket_text(self) -> None:
        items = self.ticket_sets()
        if not items:
            return
        QGuiApplication.clipboard().setText(ticket_text(items))
        self._window.statusBar().showMessage(
            f"Copied {counted(len(items), 'backup set')} as ticket text", 4000
        )

    def email_ticket(self) -> bool:
        """Open the mail program on a message to the ticket address; False when it cannot."""
        address = self._settings().ticket_address.strip()
        items = self.ticket_sets()
        bar = self._window.statusBar()
        if not address:
            bar.showMessage("Set the ticket e-mail address in Settings first", 8000)
            return False
        if not items:
            return False
        if not self._open_url(QUrl(mailto_url(address, items), QUrl.ParsingMode.StrictMode)):
            bar.showMessage("No mail program could be opened; the ticket text was copied", 8000)
            QGuiApplication.clipboard().setText(ticket_text(items))
            return False
        bar.showMessage(f"Opened a message to {address}: {ticket_subject(items)}", 6000)
        return True

    def show_history(self) -> SetHistoryDialog | None:
        rows = self._window.table.selected_rows()
        if len(rows) != 1:
            self._window.statusBar().showMessage("Select one backup set to see its history", 5000)
            return None
        dialog = SetHistoryDialog(rows[0], self._history.set_history(rows[0].key), self._window)
        dialog.finished.connect(lambda _r, d=dialog: self._forget(d))
        self.history_dialogs.append(dialog)
        dialog.show()
        return dialog

    def filter_to_customer(self) -> None:
        rows = self._window.table.selected_rows()
        customers = frozenset(r.username for r in rows if r.username is not None)
        if customers:
            self._views.sidebar.select_customers(customers)

    def _forget(self, dialog: SetHistoryDialog) -> None:
        if dialog in self.history_dialogs:
            self.history_dialogs.remove(dialog)
        dialog.deleteLater()
