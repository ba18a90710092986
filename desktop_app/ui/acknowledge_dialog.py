"""Acknowledging a set's problem: the dialog, and the Edit menu action that opens it.

Why a note is required: an acknowledgement silences a problem for everyone who opens this
history, so it has to say why. The optional snooze runs through the chosen day (local time);
after it, or once the problem changes, the set needs attention again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QVBoxLayout,
    QWidget,
)

from desktop_app.report.rows import RowKey
from desktop_app.ui.attention import AttentionController

__all__ = ["AcknowledgeDialog", "add_acknowledge_action", "snooze_end"]


def snooze_end(day: date) -> datetime:
    """The aware moment the snooze ends: the start of the day after ``day``, local time."""
    return datetime.combine(day + timedelta(days=1), time.min).astimezone()


class AcknowledgeDialog(QDialog):
    """Note (required) and optional snooze date; ``result_values()`` after ``exec``."""

    def __init__(self, key: RowKey, state: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Acknowledge problem")
        user, computer, backupset = key
        intro = QLabel(f"{backupset} on computer {computer} ({user}) is {state.lower()}.")
        intro.setWordWrap(True)
        self.note = QLineEdit()
        self.note.setObjectName("ackNote")
        self.note.setAccessibleName("Note")
        self.note.setPlaceholderText("Why is this fine for now? (required)")
        self.snooze_box = QCheckBox("Snooze through")
        self.snooze_box.setObjectName("ackSnooze")
        self.snooze_date = QDateEdit(QDate.currentDate().addDays(7))
        self.snooze_date.setObjectName("ackSnoozeDate")
        self.snooze_date.setAccessibleName("Snooze through date")
        self.snooze_date.setCalendarPopup(True)
        self.snooze_date.setMinimumDate(QDate.currentDate())
        self.snooze_date.setEnabled(False)
        self.snooze_box.toggled.connect(self.snooze_date.setEnabled)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.note.textChanged.connect(self._update_ok)
        form = QFormLayout()
        form.addRow("&Note:", self.note)
        form.addRow(self.snooze_box, self.snooze_date)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self._update_ok()

    def _update_ok(self) -> None:
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(bool(self.note.text().strip()))

    def result_values(self) -> tuple[str, datetime | None]:
        """(note, snooze end or ``None``)."""
        snooze = None
        if self.snooze_box.isChecked():
            chosen = self.snooze_date.date()
            snooze = snooze_end(date(chosen.year(), chosen.month(), chosen.day()))
        return self.note.text().strip(), snooze


Ask = Callable[[RowKey, str, QWidget], tuple[str, datetime | None] | None]


def ask_with_dialog(key: RowKey, state: str, parent: QWidget) -> tuple[str, datetime | None] | None:
    dialog = AcknowledgeDialog(key, state, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.result_values()


def add_acknowledge_action(
    window: QMainWindow,
    controller: AttentionController,
    current_key: Callable[[], RowKey | None],
    ask: Ask = ask_with_dialog,
) -> QAction:
    """ "Acknowledge…" (Ctrl+K) in the window's Edit menu, acting on ``current_key()``."""
    action = QAction("&Acknowledge problem…", window)
    action.setShortcut(QKeySequence("Ctrl+K"))
    action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    action.setStatusTip("Note that you know about this set's problem; it stops needing attention")

    def trigger() -> None:
        if not controller.has_history:
            window.statusBar().showMessage(
                "Acknowledging needs the history, which is off (see the History indicator)", 8000
            )
            return
        key = current_key()
        state = None if key is None else controller.problem_of(key)
        if key is None or state is None:
            message = "The selected backup set has no problem to acknowledge"
            window.statusBar().showMessage(message, 5000)
            return
        answer = ask(key, state, window)
        if answer is not None:
            controller.acknowledge(key, *answer)

    action.triggered.connect(trigger)
    menu = _edit_menu(window)
    if menu is not None:
        menu.addSeparator()
        menu.addAction(action)
    else:
        window.addAction(action)
    return action


def _edit_menu(window: QMainWindow) -> QMenu | None:
    for action in window.menuBar().actions():
        if action.text().replace("&", "") == "Edit":
            menu = action.menu()
            return menu if isinstance(menu, QMenu) else None
    return None
