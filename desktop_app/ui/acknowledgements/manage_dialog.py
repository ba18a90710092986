"""Edit > "Manage acknowledgements…": every stored acknowledgement, and un-acknowledging.

The dialog lists what the ``AcknowledgementManager`` (``ui.acknowledgements.manager``) reads off
the GUI thread, removes with a confirmation, and finds a set in the main window ("Show in
table"). It stays open beside the window and follows every change of the problem states.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QItemSelectionModel, QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop_app.report.derived import MISSING, Acknowledgement
from desktop_app.report.problem_states import ProblemStates
from desktop_app.report.rows import RowKey, key_parts
from desktop_app.report.summary import counted
from desktop_app.ui.acknowledgements.manager import AcknowledgementManager
from desktop_app.ui.acknowledgements.table import (
    MAX_CHARS,
    AckColumn,
    AckEntry,
    AcknowledgementTableModel,
)
from desktop_app.ui.shell.main_window import MainWindow
from desktop_app.ui.widgets import confirm

__all__ = ["AcknowledgementActions", "AcknowledgementsDialog", "Confirm", "confirm_with_box"]

Confirm = Callable[[QWidget, int], bool]


def confirm_with_box(parent: QWidget, count: int) -> bool:
    what = "this acknowledgement" if count == 1 else f"these {count} acknowledgements"
    return confirm(
        parent,
        "Remove acknowledgements",
        f"Remove {what}? The sets need attention again and the notes are deleted.",
    )


class AcknowledgementsDialog(QDialog):
    """The list with "Remove" (Delete) and "Show in table" (Enter); stays open beside the
    window, so "Show in table" can be used for one set after another."""

    def __init__(
        self,
        manager: AcknowledgementManager,
        reveal: Callable[[RowKey], bool],
        confirm: Confirm = confirm_with_box,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("acknowledgementsDialog")
        self.setWindowTitle("Acknowledgements")
        self._manager = manager
        self._reveal = reveal
        self._confirm = confirm

        intro = QLabel(
            "Acknowledged problems are muted in the tray and notifications until the problem "
            "changes or the snooze ends. Remove an acknowledgement to be alerted again."
        )
        intro.setWordWrap(True)
        self.model = AcknowledgementTableModel(self)
        self.table = QTableView(self)
        self.table.setObjectName("acknowledgementsTable")
        self.table.setAccessibleName("Acknowledgements")
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(AckColumn.AT, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setHighlightSections(False)
        self.table.activated.connect(lambda _index: self.show_in_table())
        self.empty_label = QLabel("Nothing is acknowledged.")
        self.empty_label.setObjectName("acknowledgementsEmpty")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.hide()

        self.remove_button = QPushButton("&Remove")
        self.remove_button.setObjectName("removeAcknowledgement")
        self.remove_button.setAccessibleName("Remove the selected acknowledgements")
        self.remove_button.setToolTip("Un-acknowledge the selected sets (Delete)")
        self.remove_button.clicked.connect(self.remove_selected)
        self.show_button = QPushButton("&Show in table")
        self.show_button.setObjectName("showAcknowledgedInTable")
        self.show_button.setAccessibleName("Show the selected set in the main window's table")
        self.show_button.setToolTip("Select this set in the main window (Enter)")
        self.show_button.clicked.connect(self.show_in_table)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)
        self.buttons.addButton(self.remove_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.show_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.message = QLabel()
        self.message.setObjectName("acknowledgementsMessage")
        self.message.setAccessibleName("Acknowledgements status")

        self.remove_action = QAction("Remove", self.table)
        self.remove_action.setShortcuts(
            [QKeySequence(QKeySequence.StandardKey.Delete), QKeySequence(Qt.Key.Key_Backspace)]
        )
        self.remove_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.remove_action.triggered.connect(self.remove_selected)
        self.table.addAction(self.remove_action)

        bottom = QHBoxLayout()
        bottom.addWidget(self.message, 1)
        bottom.addWidget(self.buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty_label, 1)
        layout.addLayout(bottom)
        self.resize(1180, 400)

        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        manager.listed.connect(self._on_listed)
        manager.removed.connect(self._on_removed)
        manager.failed.connect(self._show_message)
        self._update_buttons()

    # --- actions ---------------------------------------------------------------------------
    def reload(self) -> None:
        self._manager.load()

    def selected_acknowledgements(self) -> list[Acknowledgement]:
        rows = sorted(i.row() for i in self.table.selectionModel().selectedRows())
        return [self.model.entry_at(r).ack for r in rows]

    def remove_selected(self) -> None:
        chosen = self.selected_acknowledgements()
        if not chosen or not self._confirm(self, len(chosen)):
            return
        if self._manager.remove(chosen):
            self.model.remove_keys(a.key for a in chosen)
            self._show_message("Removing…")
            self._update_buttons()

    def show_in_table(self) -> None:
        current = self.table.currentIndex()
        rows = self.table.selectionModel().selectedRows()
        if not current.isValid() and rows:
            current = rows[0]
        if not current.isValid():
            return
        entry = self.model.entry_at(current.row())
        key = entry.ack.key
        backup_set = key_parts(key).backupset_name
        if self._reveal(key):
            self._show_message(f"Selected {backup_set} on {entry.computer} in the main window")
        elif entry.ack.state == MISSING:
            self._show_message(
                f"{backup_set} on {entry.computer} is missing from the current report"
            )
        else:
            self._show_message(f"{backup_set} on {entry.computer} is not in the current report")

    # --- slots -----------------------------------------------------------------------------
    def _on_listed(self, entries: list[AckEntry]) -> None:
        chosen = {a.key for a in self.selected_acknowledgements()}
        current = self.table.currentIndex()
        current_key = self.model.entry_at(current.row()).ack.key if current.isValid() else None
        self.model.set_entries(entries)
        self._fit_columns()
        self._reselect(chosen, current_key)
        empty = self.model.rowCount() == 0
        self.table.setVisible(not empty)
        self.empty_label.setVisible(empty)
        self._update_buttons()

    def _fit_columns(self) -> None:
        """Fit the content (a few hundred lines at most), but never wider than ``MAX_CHARS``:
        a long note stays readable in its tooltip instead of pushing the rest off screen."""
        self.table.resizeColumnsToContents()
        char = self.table.fontMetrics().averageCharWidth()
        header = self.table.horizontalHeader()
        for column in AckColumn:
            limit = MAX_CHARS.get(column, 30) * char
            if header.sectionSize(column) > limit:
                header.resizeSection(column, limit)

    def _reselect(self, keys: set[RowKey], current: RowKey | None) -> None:
        selection = self.table.selectionModel()
        flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
        for key in keys:
            row = self.model.row_of(key)
            if row is not None:
                selection.select(self.model.index(row, 0), flags)
        row = None if current is None else self.model.row_of(current)
        if row is not None:
            selection.setCurrentIndex(
                self.model.index(row, 0), QItemSelectionModel.SelectionFlag.NoUpdate
            )

    def _on_removed(self, count: int) -> None:
        if count:
            what = "1 acknowledgement" if count == 1 else f"{count} acknowledgements"
            self._show_message(f"Removed {what}; those sets need attention again")
        else:
            self._show_message("Nothing was removed: they had already lapsed")
        self.reload()

    def _show_message(self, text: str) -> None:
        self.message.setText(text)

    def _update_buttons(self, *_args: object) -> None:
        rows = self.table.selectionModel().selectedRows()
        self.remove_button.setEnabled(bool(rows))
        self.remove_action.setEnabled(bool(rows))
        self.show_button.setEnabled(len(rows) == 1)


class AcknowledgementActions(QObject):
    """Edit > "Remove acknowledgement" and "Manage acknowledgements…" (Ctrl+Shift+K), and the
    single dialog they open (built on first use). Enabled while the history is open.

    ``confirm`` asks before removing (a message box; tests answer for the user).
    """

    def __init__(
        self,
        window: MainWindow,
        manager: AcknowledgementManager,
        reveal: Callable[[RowKey], bool],
        confirm: Confirm = confirm_with_box,
    ) -> None:
        super().__init__(window)
        self._window = window
        self._manager = manager
        self._reveal = reveal
        self.confirm = confirm
        self.dialog: AcknowledgementsDialog | None = None

        self.manage_action = QAction("Manage ac&knowledgements…", window)
        self.manage_action.setObjectName("manageAcknowledgements")
        self.manage_action.setShortcut(QKeySequence("Ctrl+Shift+K"))
        self.manage_action.setStatusTip("List, remove and find acknowledged problems")
        self.manage_action.triggered.connect(self.open_dialog)
        self.unacknowledge_action = QAction("&Remove acknowledgement", window)
        self.unacknowledge_action.setObjectName("removeAcknowledgementOfSelection")
        self.unacknowledge_action.setStatusTip(
            "The selected sets stop being acknowledged and need attention again"
        )
        self.unacknowledge_action.triggered.connect(self.unacknowledge_selection)
        window.edit_menu.addAction(self.unacknowledge_action)
        window.edit_menu.addAction(self.manage_action)

        bar = window.statusBar()
        manager.removed.connect(
            lambda n: bar.showMessage(f"Removed {counted(n, 'acknowledgement')}", 5000)
        )
        manager.failed.connect(lambda text: bar.showMessage(text, 10_000))
        # Acknowledging, a lapse or a refresh changes the list: keep an open dialog current.
        manager.history.states_changed.connect(self.follow_states)
        self._enable(manager.history.available)

    @property
    def manager(self) -> AcknowledgementManager:
        return self._manager

    def follow_states(self, states: ProblemStates) -> None:
        self._enable(states.with_history)
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.reload()

    def _enable(self, available: bool) -> None:
        self.manage_action.setEnabled(available)
        self.unacknowledge_action.setEnabled(available)

    def open_dialog(self) -> AcknowledgementsDialog:
        if self.dialog is None:
            self.dialog = AcknowledgementsDialog(
                self._manager, self._reveal, lambda parent, n: self.confirm(parent, n), self._window
            )
        self.dialog.reload()
        self.dialog.show()
        self.dialog.raise_()
        self.dialog.activateWindow()
        return self.dialog

    def unacknowledge_selection(self) -> bool:
        held = self._manager.held_for(self._window.table.selected_keys())
        bar = self._window.statusBar()
        if not held:
            bar.showMessage("None of the selected backup sets is acknowledged", 5000)
            return False
        if not self.confirm(self._window, len(held)) or not self._manager.remove(held):
            return False
        bar.showMessage(f"Removing {counted(len(held), 'acknowledgement')}…", 5000)
        return True
