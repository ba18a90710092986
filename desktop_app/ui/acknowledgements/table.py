"""The acknowledgements as a table: one entry per acknowledgement, with its standing now.

Whether an acknowledgement still holds is the domain's rule (``Acknowledgement.holds``) applied
to the current problem states; one that lapsed is deleted by the next judgement of the states
(``ui.history.service``), so the manage dialog shows it only until then.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from desktop_app.report.derived import MISSING, STALE, Acknowledgement
from desktop_app.report.rows import BackupStatusRow, RowKey, key_parts, row_key
from desktop_app.report.status import ConditionStatus
from desktop_app.ui.time_format import format_admin_time

__all__ = [
    "ACK_ROLE",
    "MAX_CHARS",
    "AckColumn",
    "AckEntry",
    "AcknowledgementTableModel",
    "computer_names",
    "describe_standing",
    "problem_word",
]

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


MAX_CHARS = {AckColumn.NOTE: 40, AckColumn.STANDING: 32}
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
