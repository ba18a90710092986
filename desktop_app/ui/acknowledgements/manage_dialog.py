"""Edit > "Manage acknowledgements…": every stored acknowledgement, and un-acknowledging.

Why a manager object besides the dialog: listing and removing touch the history database, which
a refresh being recorded may hold for about a second at 100k rows, so both run on a worker
thread (like ``AttentionController``) and report back through queued signals. After a removal
the attention controller recomputes at once, so the "Needs attention" count, the tray icon and
its notifications stop muting the set without waiting for the next refresh.

Whether an acknowledgement still holds is the domain's rule (``Acknowledgement.holds``) applied
to the current problem states; one that lapsed is deleted by the next recomputation, so the
dialog shows it only until then.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop_app.report.derived import MISSING, STALE, Acknowledgement
from desktop_app.report.rows import BackupStatusRow, RowKey, key_parts, row_key
from desktop_app.report.status import ConditionStatus
from desktop_app.storage.acknowledgements import AcknowledgementStore
from desktop_app.storage.history import HistoryStore
from desktop_app.ui.history.attention import AttentionController
from desktop_app.ui.history.recorder import HistoryRecorder
from desktop_app.ui.problems.views import ProblemViews
from desktop_app.ui.time_format import format_admin_time

__all__ = [
    "ACK_ROLE",
    "AckColumn",
    "AckEntry",
    "AcknowledgementActions",
    "AcknowledgementManagement",
    "AcknowledgementManager",
    "AcknowledgementTableModel",
    "AcknowledgementsDialog",
    "add_acknowledgement_actions",
    "attach_acknowledgement_management",
    "describe_standing",
]

log = logging.getLogger(__name__)

ACK_ROLE = Qt.ItemDataRole.UserRole + 1
_SORT_ROLE = Qt.ItemDataRole.UserRole + 2
_AnyIndex = QModelIndex | QPersistentModelIndex
_PROBLEM_WORDS = {
    str(ConditionStatus.FAILURE): "Failing",
    STALE: "Stale",
    MISSING: "Missing",
}


def problem_word(state: str) -> str:
    return _PROBLEM_WORDS.get(state, state.title())


def describe_standing(
    ack: Acknowledgement, problems: Mapping[RowKey, str] | None, now: datetime
) -> tuple[bool | None, str]:
    """(holds, words): ``None`` while the current problem states are not known yet."""
    if problems is None:
        return None, "Not checked yet"
    current = problems.get(ack.key)
    if current != ack.state:
        if current is None:
            return False, "Lapsed: the problem cleared"
        return False, f"Lapsed: now {problem_word(current).lower()}"
    if ack.snooze_until is not None and now >= ack.snooze_until:
        return False, "Lapsed: the snooze ended"
    return True, "Holds"


@dataclass(frozen=True, slots=True)
class AckEntry:
    """One line of the dialog: the acknowledgement and what is known about its set now."""

    ack: Acknowledgement
    computer: str
    holds: bool | None
    standing: str


class AckColumn(IntEnum):
    CUSTOMER = 0
    COMPUTER = 1
    BACKUP_SET = 2
    PROBLEM = 3
    STANDING = 4
    SNOOZE = 5
    BY = 6
    AT = 7
    NOTE = 8  # last: it takes the room left over


_TITLES = {
    AckColumn.CUSTOMER: "Customer",
    AckColumn.COMPUTER: "Computer",
    AckColumn.BACKUP_SET: "Backup set",
    AckColumn.PROBLEM: "Problem",
    AckColumn.NOTE: "Note",
    AckColumn.BY: "By",
    AckColumn.AT: "When",
    AckColumn.SNOOZE: "Snoozed until",
    AckColumn.STANDING: "Still holds?",
}


_MAX_CHARS = {AckColumn.NOTE: 40, AckColumn.STANDING: 32}
_HEADER_TIPS = {
    AckColumn.PROBLEM: "The problem that was acknowledged (failing, stale or missing)",
    AckColumn.SNOOZE: "After this moment the set needs attention again",
    AckColumn.STANDING: "Whether the set is still muted: the problem is the one acknowledged "
    "and the snooze has not ended",
}


def _text(entry: AckEntry, column: AckColumn) -> str:
    ack = entry.ack
    if column == AckColumn.CUSTOMER:
        return key_parts(ack.key).username or ""
    if column == AckColumn.COMPUTER:
        return entry.computer
    if column == AckColumn.BACKUP_SET:
        return key_parts(ack.key).backupset_name or ""
    if column == AckColumn.PROBLEM:
        return problem_word(ack.state)
    if column == AckColumn.NOTE:
        return ack.note
    if column == AckColumn.BY:
        return ack.by
    if column == AckColumn.AT:
        return format_admin_time(ack.at)
    if column == AckColumn.SNOOZE:
        return "—" if ack.snooze_until is None else format_admin_time(ack.snooze_until)
    return entry.standing


def _sort_key(entry: AckEntry, column: AckColumn) -> tuple[Any, ...]:
    ack = entry.ack
    if column == AckColumn.AT:
        return (ack.at.timestamp(),)
    if column == AckColumn.SNOOZE:  # no snooze sorts after every date
        until = ack.snooze_until
        return (until is None, 0.0 if until is None else until.timestamp())
    if column == AckColumn.STANDING:
        return ({True: 1, False: 0, None: 2}[entry.holds], entry.standing)
    text = _text(entry, column)
    return (text.casefold(), text)


class AcknowledgementTableModel(QAbstractTableModel):
    """The entries, sortable by any column; ``ACK_ROLE`` returns the ``Acknowledgement``.

    Sorting is a Python sort over precomputed keys (a few hundred entries at most), ties kept
    by customer, computer and backup set.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._entries: list[AckEntry] = []
        self._sort_column = AckColumn.AT
        self._descending = True

    def set_entries(self, entries: Iterable[AckEntry]) -> None:
        self.beginResetModel()
        self._entries = self._sorted(entries)
        self.endResetModel()

    def remove_keys(self, keys: Iterable[RowKey]) -> None:
        """Drop these sets' lines at once (the database follows on the worker)."""
        gone = set(keys)
        for row in reversed(range(len(self._entries))):
            if self._entries[row].ack.key in gone:
                self.beginRemoveRows(QModelIndex(), row, row)
                del self._entries[row]
                self.endRemoveRows()

    def entry_at(self, row: int) -> AckEntry:
        return self._entries[row]

    def entries(self) -> list[AckEntry]:
        return list(self._entries)

    def row_of(self, key: RowKey) -> int | None:
        for row, entry in enumerate(self._entries):
            if entry.ack.key == key:
                return row
        return None

    def _sorted(self, entries: Iterable[AckEntry]) -> list[AckEntry]:
        column = self._sort_column
        by_key = sorted(entries, key=lambda e: e.ack.key)
        return sorted(by_key, key=lambda e: _sort_key(e, column), reverse=self._descending)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(AckColumn):
            return
        self.layoutAboutToBeChanged.emit()
        old = list(self._entries)
        self._sort_column = AckColumn(column)
        self._descending = order == Qt.SortOrder.DescendingOrder
        self._entries = self._sorted(old)
        position = {id(e): row for row, e in enumerate(self._entries)}
        persistent = self.persistentIndexList()
        moved = [
            self.index(position[id(old[p.row()])], p.column()) if p.isValid() else QModelIndex()
            for p in persistent
        ]
        self.changePersistentIndexList(persistent, moved)
        self.layoutChanged.emit()

    def rowCount(self, parent: _AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._entries)

    def columnCount(self, parent: _AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(AckColumn)

    def data(self, index: _AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._entries):
            return None
        entry = self._entries[index.row()]
        column = AckColumn(index.column())
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return _text(entry, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == AckColumn.NOTE:
                return entry.ack.note
            if column == AckColumn.STANDING and entry.holds is False:
                return "No longer muted; it is removed at the next check"
            return None
        if role == ACK_ROLE:
            return entry.ack
        if role == _SORT_ROLE:
            return repr(_sort_key(entry, column))
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(AckColumn)
        ):
            return _TITLES[AckColumn(section)]
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.ToolTipRole
            and 0 <= section < len(AckColumn)
        ):
            return _HEADER_TIPS.get(AckColumn(section))
        return super().headerData(section, orientation, role)


class AcknowledgementManager(QObject):
    """Lists and removes acknowledgements on worker threads (see module docstring).

    Signals:
        listed(object): a ``list[AckEntry]``.
        removed(int): how many were removed (the states are recomputed next).
        failed(str): a sentence for the user.
    """

    listed = Signal(object)
    removed = Signal(int)
    failed = Signal(str)
    _listed = Signal(object, str)  # entries or None, error
    _removed = Signal(object, str)  # removed acknowledgements or None, error

    def __init__(
        self,
        store: AcknowledgementStore,
        controller: AttentionController,
        now: Callable[[], datetime],
        missing_rows: Callable[[], Iterable[BackupStatusRow]] = tuple,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._controller = controller
        self._now = now
        self._missing_rows = missing_rows
        self._closed = False
        self._listed.connect(self._on_listed)
        self._removed.connect(self._on_removed)

    @property
    def controller(self) -> AttentionController:
        return self._controller

    def load(self) -> None:
        """List every acknowledgement with its standing; answers with ``listed``."""
        if self._closed:
            return
        derived = self._controller.derived
        problems = None if derived is None else derived.problems
        job = (self._controller.rows, problems, self._now())
        threading.Thread(target=self._list, args=job, name="acks-list", daemon=True).start()

    def remove(self, acks: Sequence[Acknowledgement]) -> bool:
        """Un-acknowledge on a worker; False when there is nothing to do."""
        if self._closed or not acks:
            return False
        chosen = list(acks)
        threading.Thread(
            target=self._discard, args=(chosen,), name="acks-remove", daemon=True
        ).start()
        return True

    def held_for(self, keys: Iterable[RowKey]) -> list[Acknowledgement]:
        """The acknowledgements that currently mute these sets."""
        derived = self._controller.derived
        if derived is None:
            return []
        held = derived.acknowledged
        return [held[k] for k in keys if k in held]

    def close(self) -> None:
        self._closed = True

    # --- workers ---------------------------------------------------------------------------
    def _list(
        self,
        rows: Sequence[BackupStatusRow],
        problems: Mapping[RowKey, str] | None,
        now: datetime,
    ) -> None:
        try:
            acks = self._store.all()
            names = computer_names(acks.keys(), rows)
            if len(names) < len(acks):
                names = {**computer_names(acks.keys(), self._missing_rows()), **names}
            entries = []
            for key, ack in acks.items():
                holds, words = describe_standing(ack, problems, now)
                name = names.get(key, f"#{key_parts(key).computer_id}")
                entries.append(AckEntry(ack, name, holds, words))
        except Exception as error:
            log.exception("Could not list the acknowledgements")
            self._emit(self._listed, None, f"Could not read the acknowledgements: {error}")
            return
        self._emit(self._listed, entries, "")

    def _discard(self, acks: list[Acknowledgement]) -> None:
        try:
            gone = self._store.discard(acks)
        except Exception as error:
            log.exception("Could not remove acknowledgements")
            self._emit(self._removed, None, f"Could not remove the acknowledgements: {error}")
            return
        self._emit(self._removed, gone, "")

    def _emit(self, signal: object, *args: object) -> None:
        if self._closed:
            return
        with contextlib.suppress(RuntimeError):  # the QObject is gone: the app is quitting
            signal.emit(*args)  # type: ignore[attr-defined]

    def _on_listed(self, entries: object, error: str) -> None:
        if error:
            self.failed.emit(error)
        else:
            self.listed.emit(entries)

    def _on_removed(self, gone: object, error: str) -> None:
        if error:
            self.failed.emit(error)
            self.load()  # show what the database really holds
            return
        self._controller.recompute()  # muting and counts follow now, not at the next refresh
        self.removed.emit(len(gone))  # type: ignore[arg-type]


def computer_names(keys: Iterable[RowKey], rows: Iterable[BackupStatusRow]) -> dict[RowKey, str]:
    wanted = set(keys)
    names: dict[RowKey, str] = {}
    if not wanted:
        return names
    for row in rows:
        key = row_key(row)
        if key in wanted:
            names[key] = row.computer_name or ""
    return names


Confirm = Callable[[QWidget, int], bool]


def confirm_with_box(parent: QWidget, count: int) -> bool:
    what = "this acknowledgement" if count == 1 else f"these {count} acknowledgements"
    answer = QMessageBox.question(
        parent,
        "Remove acknowledgements",
        f"Remove {what}? The sets need attention again and the notes are deleted.",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel,
    )
    return answer == QMessageBox.StandardButton.Yes


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
    def _on_listed(self, entries: object) -> None:
        chosen = {a.key for a in self.selected_acknowledgements()}
        current = self.table.currentIndex()
        current_key = self.model.entry_at(current.row()).ack.key if current.isValid() else None
        self.model.set_entries(entries)  # type: ignore[arg-type]
        self._fit_columns()
        self._reselect(chosen, current_key)
        empty = self.model.rowCount() == 0
        self.table.setVisible(not empty)
        self.empty_label.setVisible(empty)
        self._update_buttons()

    def _fit_columns(self) -> None:
        """Fit the content (a few hundred lines at most), but never wider than ``_MAX_CHARS``:
        a long note stays readable in its tooltip instead of pushing the rest off screen."""
        self.table.resizeColumnsToContents()
        char = self.table.fontMetrics().averageCharWidth()
        header = self.table.horizontalHeader()
        for column in AckColumn:
            limit = _MAX_CHARS.get(column, 30) * char
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
    """The menu entries and the single dialog they open (built on first use)."""

    def __init__(
        self,
        window: QMainWindow,
        manager: AcknowledgementManager,
        selected_keys: Callable[[], list[RowKey]],
        reveal: Callable[[RowKey], bool],
        on_removed: Callable[[], None] = lambda: None,
        confirm: Confirm = confirm_with_box,
    ) -> None:
        super().__init__(window)
        self._window = window
        self._manager = manager
        self._selected_keys = selected_keys
        self._reveal = reveal
        self._confirm = confirm
        self.dialog: AcknowledgementsDialog | None = None
        manager.removed.connect(lambda _n: on_removed())
        # Acknowledging, a lapse or a refresh changes the list: keep an open dialog current.
        manager.controller.changed.connect(self._reload_if_open)

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

    @property
    def manager(self) -> AcknowledgementManager:
        return self._manager

    def open_dialog(self) -> AcknowledgementsDialog:
        if self.dialog is None:
            self.dialog = AcknowledgementsDialog(
                self._manager, self._reveal, self._confirm, self._window
            )
        self.dialog.reload()
        self.dialog.show()
        self.dialog.raise_()
        self.dialog.activateWindow()
        return self.dialog

    def unacknowledge_selection(self) -> bool:
        held = self._manager.held_for(self._selected_keys())
        bar = self._window.statusBar()
        if not held:
            bar.showMessage("None of the selected backup sets is acknowledged", 5000)
            return False
        if not self._confirm(self._window, len(held)) or not self._manager.remove(held):
            return False
        what = "1 acknowledgement" if len(held) == 1 else f"{len(held)} acknowledgements"
        bar.showMessage(f"Removing {what}…", 5000)
        return True

    def _reload_if_open(self, *_args: object) -> None:
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.reload()


def add_acknowledgement_actions(
    window: QMainWindow,
    manager: AcknowledgementManager,
    selected_keys: Callable[[], list[RowKey]],
    reveal: Callable[[RowKey], bool],
    on_removed: Callable[[], None] = lambda: None,
    confirm: Confirm = confirm_with_box,
) -> AcknowledgementActions:
    """Edit > "Remove acknowledgement" and "Manage acknowledgements…" (Ctrl+Shift+K)."""
    actions = AcknowledgementActions(window, manager, selected_keys, reveal, on_removed, confirm)
    manager.removed.connect(
        lambda n: window.statusBar().showMessage(
            f"Removed {n} acknowledgement{'s' if n != 1 else ''}", 5000
        )
    )
    manager.failed.connect(lambda text: window.statusBar().showMessage(text, 10_000))
    menu = getattr(window, "edit_menu", None)  # a MainWindow has one; tests may pass others
    if menu is not None:
        menu.addAction(actions.unacknowledge_action)
        menu.addAction(actions.manage_action)
    else:
        window.addAction(actions.unacknowledge_action)
        window.addAction(actions.manage_action)
    return actions


@dataclass
class AcknowledgementManagement:
    """What ``attach_acknowledgement_management`` built; ``actions`` once history is open.

    ``confirm`` is looked up at each removal, so tests can answer for the user.
    """

    confirm: Confirm = confirm_with_box
    actions: AcknowledgementActions | None = None

    def close(self) -> None:
        if self.actions is not None:
            self.actions.manager.close()


def attach_acknowledgement_management(
    window: QMainWindow,
    views: ProblemViews,
    recorder: HistoryRecorder,
    now: Callable[[], datetime],
    selected_keys: Callable[[], list[RowKey]],
    reveal: Callable[[RowKey], bool],
    on_removed: Callable[[], None] = lambda: None,
) -> AcknowledgementManagement:
    """Add the menu entries once the history database (and the attention controller) is open.

    Connect after ``attach_problem_views``: its ``ready`` handler creates the controller first.
    """
    holder = AcknowledgementManagement()

    def on_ready(store: HistoryStore) -> None:
        controller = views.controller
        if holder.actions is not None or controller is None:
            return
        manager = AcknowledgementManager(
            AcknowledgementStore(store.database, clock=now),
            controller,
            now,
            missing_rows=lambda: [m.last_row for m in store.missing_sets()],
            parent=window,
        )
        holder.actions = add_acknowledgement_actions(
            window,
            manager,
            selected_keys,
            reveal,
            on_removed,
            lambda parent, count: holder.confirm(parent, count),
        )

    recorder.ready.connect(on_ready)
    if recorder.store is not None:  # opened before we connected: its queued ``ready`` missed us
        on_ready(recorder.store)
    return holder
