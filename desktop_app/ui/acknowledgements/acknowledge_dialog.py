"""Acknowledging problems: the dialog, and the Edit menu action that opens it for the selection.

Why a note is required: an acknowledgement silences a problem for everyone who opens this
history, so it has to say why. The optional snooze runs through the chosen day (local time);
after it, or once the problem changes, the set needs attention again.

The action works on every selected row with a problem (select 53 failures, press Ctrl+K, write
one note), and the dialog names what is acknowledged in words: the backup set, the computer's
name (not its ID), the customer and the problem ("is failing"), dates in the locale's format.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from PySide6.QtCore import QDate, QLocale, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from desktop_app.report.derived import MISSING, STALE
from desktop_app.report.rows import RowKey, key_parts, key_username
from desktop_app.report.status import ConditionStatus
from desktop_app.report.summary import counted
from desktop_app.storage.acknowledgements import UNRECOGNISABLE
from desktop_app.ui.history.service import HistoryService
from desktop_app.ui.shell.main_window import MainWindow

__all__ = [
    "AcknowledgeDialog",
    "Problem",
    "add_acknowledge_action",
    "describe_problems",
    "locale_date_format",
    "snooze_end",
]

_PROBLEM_WORDS = {
    str(ConditionStatus.FAILURE): "failing",
    STALE: "stale (no recent backup)",
    MISSING: "missing from the report",
}


@dataclass(frozen=True, slots=True)
class Problem:
    """One set to acknowledge: its key, its current problem state, and its computer's name
    (``None``: it could not be read)."""

    key: RowKey
    state: str
    computer: str | None


def snooze_end(day: date) -> datetime:
    """The aware moment the snooze ends: the start of the day after ``day``, local time."""
    return datetime.combine(day + timedelta(days=1), time.min).astimezone()


def locale_date_format(locale: QLocale | None = None) -> str:
    """The locale's short date format with a four-digit year ("dd/MM/yyyy", "M/d/yyyy"); ISO
    ("yyyy-MM-dd") for the C locale of an unconfigured system, whose "d M yyyy" reads as three
    loose numbers ("8 12 2026")."""
    locale = locale or QLocale()
    if locale.language() == QLocale.Language.C:
        return "yyyy-MM-dd"
    text = locale.dateFormat(QLocale.FormatType.ShortFormat)
    return text if "yyyy" in text else text.replace("yy", "yyyy")


def describe_problems(problems: Sequence[Problem]) -> str:
    """The dialog's first sentence, e.g. 'The backup set “Image” on MONROE-FS01 (customer
    monroe-law) is failing.' or '53 backup sets have problems: 41 failing, 12 stale.'"""
    if len(problems) == 1:
        (one,) = problems
        key = key_parts(one.key)
        word = _PROBLEM_WORDS.get(one.state, one.state.lower())
        computer = one.computer if one.computer is not None else f"computer ID {key.computer_id}"
        return (
            f"The backup set “{key.backupset_name}” on {computer} (customer {key.username}) "
            f"is {word}."
        )
    kinds = Counter(p.state for p in problems)
    parts = [
        f"{n:,} {_PROBLEM_WORDS.get(state, state.lower()).split(' (')[0]}"
        for state, n in kinds.most_common()
    ]
    customers = len({key_username(p.key) for p in problems})
    return (
        f"{counted(len(problems), 'backup set')} of {counted(customers, 'customer')} have "
        f"problems: {', '.join(parts)}. One note covers them all."
    )


class AcknowledgeDialog(QDialog):
    """Note (required) and optional snooze date; ``result_values()`` after ``exec``."""

    def __init__(self, problems: Sequence[Problem], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        many = len(problems) > 1
        self.setWindowTitle(
            f"Acknowledge {counted(len(problems), 'problem')}" if many else "Acknowledge problem"
        )
        self.setMinimumWidth(520)  # the title, the sentence and the note's hint fit
        intro = QLabel(describe_problems(problems))
        intro.setObjectName("ackIntro")
        intro.setWordWrap(True)
        self.intro = intro
        self.note = QLineEdit()
        self.note.setObjectName("ackNote")
        self.note.setAccessibleName("Note")
        self.note.setPlaceholderText("Why is this fine for now? (required)")
        self.note.setMinimumWidth(
            self.note.fontMetrics().horizontalAdvance(self.note.placeholderText()) + 24
        )
        self.snooze_box = QCheckBox("Snooze through")
        self.snooze_box.setObjectName("ackSnooze")
        self.snooze_date = QDateEdit(QDate.currentDate().addDays(7))
        self.snooze_date.setObjectName("ackSnoozeDate")
        self.snooze_date.setAccessibleName("Snooze through date")
        self.snooze_date.setDisplayFormat(locale_date_format())
        self.snooze_date.setCalendarPopup(True)
        self.snooze_date.setMinimumDate(QDate.currentDate())
        self.snooze_date.setEnabled(False)
        self.snooze_box.toggled.connect(self.snooze_date.setEnabled)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(
            f"Acknowledge {len(problems):,}" if many else "Acknowledge"
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


Ask = Callable[[Sequence[Problem], QWidget], tuple[str, datetime | None] | None]


def ask_with_dialog(
    problems: Sequence[Problem], parent: QWidget
) -> tuple[str, datetime | None] | None:
    dialog = AcknowledgeDialog(problems, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.result_values()


def add_acknowledge_action(
    window: MainWindow, history: HistoryService, ask: Ask = ask_with_dialog
) -> QAction:
    """ "Acknowledge…" (Ctrl+K) in the window's Edit menu, acting on every selected row that
    has a problem (rows without one are left alone and counted in the status bar)."""
    action = QAction("&Acknowledge…", window)
    action.setObjectName("acknowledgeAction")
    action.setShortcut(QKeySequence("Ctrl+K"))
    action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    action.setStatusTip(
        "Note that you know about these sets' problems; they stop needing attention"
    )

    def trigger() -> None:
        bar = window.statusBar()
        if not history.available:
            bar.showMessage(
                "Acknowledging needs the history, which is off (see the History indicator)", 8000
            )
            return
        rows = window.table.selected_rows()
        found = [
            Problem(row.key, state, row.computer_name)
            for row in rows
            if (state := history.problem_of(row.key)) is not None
        ]
        # A set whose key could not be read in full cannot be recognised in the next report,
        # so an acknowledgement of it could never hold (the store refuses it too).
        problems = [p for p in found if None not in p.key]
        unrecognisable = len(found) - len(problems)
        if not problems:
            what = "The selected backup set has" if len(rows) == 1 else "No selected backup set has"
            text = f"{what} no problem to acknowledge"
            if unrecognisable:
                text = f"Cannot acknowledge: {UNRECOGNISABLE}"
            bar.showMessage(text, 8000)
            return
        answer = ask(problems, window)
        if answer is None:
            return
        note, snooze = answer
        history.acknowledge_many([p.key for p in problems], note, snooze)
        skipped = len(rows) - len(found)
        left_out = []
        if skipped:
            left_out.append(f"{counted(skipped, 'selected set')} without a problem left alone")
        if unrecognisable:
            left_out.append(
                f"{counted(unrecognisable, 'set')} whose name could not be read left alone"
            )
        if left_out:
            bar.showMessage(
                f"Acknowledging {counted(len(problems), 'problem')}; {'; '.join(left_out)}", 8000
            )

    action.triggered.connect(trigger)
    window.edit_menu.addSeparator()
    window.edit_menu.addAction(action)
    return action
