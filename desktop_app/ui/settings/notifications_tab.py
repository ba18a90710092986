"""The Settings dialog's Notifications tab: which changes notify, quiet hours, repeated failures.

Apart from ``ui.settings.dialog`` to keep that module short: what notifies and when it may,
gathered in one place. The dialog validates; this tab only shows and returns its fields.
"""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import QTime
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from desktop_app.report.diff import ChangeKind
from desktop_app.storage.settings import AppSettings
from desktop_app.storage.settings_fields import WEEKDAYS
from desktop_app.ui.settings.form_rows import FormRows
from desktop_app.ui.widgets import hint_label

NOTIFY_LABELS: dict[ChangeKind, str] = {
    ChangeKind.NEW_FAILURE: "A backup set starts failing",
    ChangeKind.NEW_WARNING: "A backup set gets warnings",
    ChangeKind.RECOVERED: "A failing backup set recovers",
    ChangeKind.NEWLY_STALE: "A backup set goes stale or overdue (no recent backup)",
    ChangeKind.NEWLY_MISSING: "A backup set is no longer in the report",
    ChangeKind.FETCH_FAILED: "The report cannot be fetched",
    ChangeKind.REPEATED_FAILURE: "A backup set fails again and again (see Repeated failures)",
}


class NotificationsTab(QWidget):
    """The notification kinds, quiet hours and when a failing set counts as repeated."""

    def __init__(self, rows: FormRows, parent: QWidget) -> None:
        super().__init__(parent)
        self._rows = rows
        layout = QVBoxLayout(self)
        notify = QGroupBox("Notify me when", self)
        notify_layout = QVBoxLayout(notify)
        self.notify_checks: dict[ChangeKind, QCheckBox] = {}
        for kind, text in NOTIFY_LABELS.items():
            check = QCheckBox(text, notify)
            check.setObjectName(f"notify_{kind.value}")
            notify_layout.addWidget(check)
            self.notify_checks[kind] = check
        layout.addWidget(notify)
        layout.addWidget(self._quiet_box())
        layout.addWidget(self._escalation_box())
        layout.addStretch(1)

    def _quiet_box(self) -> QGroupBox:
        box = QGroupBox("Quiet hours", self)
        form = QFormLayout(box)
        self.quiet_check = QCheckBox("&No notification pop-ups during quiet hours", box)
        self.quiet_check.setObjectName("quietCheck")
        form.addRow("", self.quiet_check)
        times = QHBoxLayout()
        self.quiet_start_edit = QTimeEdit(box)
        self.quiet_start_edit.setObjectName("quietStartEdit")
        self.quiet_end_edit = QTimeEdit(box)
        self.quiet_end_edit.setObjectName("quietEndEdit")
        for edit in (self.quiet_start_edit, self.quiet_end_edit):
            edit.setDisplayFormat("HH:mm")
        times.addWidget(self.quiet_start_edit)
        times.addWidget(QLabel("to", box))
        times.addWidget(self.quiet_end_edit)
        times.addStretch(1)
        form.addRow("From:", times)
        days = QHBoxLayout()
        self.quiet_day_checks: dict[str, QCheckBox] = {}
        for day, name in zip(
            WEEKDAYS, ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"), strict=True
        ):
            check = QCheckBox(name, box)
            check.setObjectName(f"quietDay{day}")
            check.toggled.connect(self._rows.on_edit)
            days.addWidget(check)
            self.quiet_day_checks[day] = check
        column = QVBoxLayout()
        column.addLayout(days)
        column.addWidget(self._rows.error_label("quiet_days", box))
        form.addRow("Starting on:", column)
        form.addRow(
            "",
            hint_label(
                "The tray icon still shows the state. What changed meanwhile is summed up in"
                " one notification when quiet hours end.",
                box,
            ),
        )
        self.quiet_check.toggled.connect(self._update_enabled)
        return box

    def _escalation_box(self) -> QGroupBox:
        box = QGroupBox("Repeated failures", self)
        form = QFormLayout(box)
        self.escalation_runs_spin = self._rows.spin(
            "escalation_runs", " runs", "escalationRunsSpin", box
        )
        self._rows.add_row(
            form, "After &failed runs in a row:", self.escalation_runs_spin, "escalation_runs"
        )
        self.escalation_days_spin = self._rows.spin(
            "escalation_days", " days", "escalationDaysSpin", box
        )
        self._rows.add_row(form, "Or failing for:", self.escalation_days_spin, "escalation_days")
        form.addRow(
            "",
            hint_label(
                'Marked "Repeated failure", with its own filter and a notification. 0: not'
                " counted that way.",
                box,
            ),
        )
        return box

    def _update_enabled(self) -> None:
        quiet = self.quiet_check.isChecked()
        for widget in (self.quiet_start_edit, self.quiet_end_edit, *self.quiet_day_checks.values()):
            widget.setEnabled(quiet)

    def set_value(self, settings: AppSettings) -> None:
        for kind, check in self.notify_checks.items():
            check.setChecked(kind.value in settings.notify_kinds)
        self.escalation_runs_spin.setValue(settings.escalation_runs)
        self.escalation_days_spin.setValue(settings.escalation_days)
        self.quiet_check.setChecked(settings.quiet_enabled)
        self.quiet_start_edit.setTime(QTime.fromString(settings.quiet_start, "HH:mm"))
        self.quiet_end_edit.setTime(QTime.fromString(settings.quiet_end, "HH:mm"))
        for day, check in self.quiet_day_checks.items():
            check.setChecked(day in settings.quiet_days)
        self._update_enabled()

    def apply_to(self, settings: AppSettings) -> AppSettings:
        """``settings`` with this tab's fields as the form shows them."""
        return dataclasses.replace(
            settings,
            notify_kinds=frozenset(k.value for k, c in self.notify_checks.items() if c.isChecked()),
            escalation_runs=self.escalation_runs_spin.value(),
            escalation_days=self.escalation_days_spin.value(),
            quiet_enabled=self.quiet_check.isChecked(),
            quiet_start=self.quiet_start_edit.time().toString("HH:mm"),
            quiet_end=self.quiet_end_edit.time().toString("HH:mm"),
            quiet_days=frozenset(d for d, c in self.quiet_day_checks.items() if c.isChecked()),
        )
