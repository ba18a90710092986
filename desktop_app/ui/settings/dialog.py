"""The Settings dialog.

The rules (defaults, ranges, what is valid) live in ``storage.settings``; this dialog only shows
them: each field's problem appears in a label right under it, and OK stays disabled until the
form is valid. The caller (``ui.settings.controller``) saves ``result_value`` and applies it.
The Notifications and Network tabs live in their own modules (``notifications_tab``,
``network_tab``); every tab builds its rows with the same ``FormRows``.
"""

from __future__ import annotations

import dataclasses

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_app.storage.settings import AppSettings
from desktop_app.storage.settings_fields import partner_names
from desktop_app.ui.settings.form_rows import FormRows
from desktop_app.ui.settings.network_tab import NetworkTab
from desktop_app.ui.settings.notifications_tab import NotificationsTab
from desktop_app.ui.widgets import hint_label

DELIMITER_LABELS = (
    (",", "Comma ( , )"),
    (";", "Semicolon ( ; ) — Excel in many European locales"),
    ("tab", "Tab"),
)


class SettingsDialog(QDialog):
    """Edit ``AppSettings``; after acceptance ``result_value`` holds the new, valid settings."""

    def __init__(
        self,
        settings: AppSettings,
        parent: QWidget | None = None,
        *,
        start_at_login_available: bool = True,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setWindowTitle("Settings")
        self.setMinimumWidth(520)
        self._initial = settings
        self.result_value: AppSettings | None = None
        self._rows = FormRows(self.validate)
        self.error_labels: dict[str, QLabel] = self._rows.error_labels

        tabs = QTabWidget(self)
        tabs.addTab(self._general_tab(), "&General")
        self.notifications = NotificationsTab(self._rows, self)
        tabs.addTab(self.notifications, "N&otifications")
        self.network = NetworkTab(self._rows, self)
        tabs.addTab(self.network, "&Network")
        tabs.addTab(self._partners_tab(), "&Partners")
        self.tabs = tabs
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok
            | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.RestoreDefaults,
            self,
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults).clicked.connect(
            lambda: self.set_value(AppSettings())
        )
        layout = QVBoxLayout(self)
        layout.addWidget(tabs)
        layout.addWidget(self.buttons)
        self.set_value(settings)
        if not start_at_login_available:
            self.start_at_login_check.setEnabled(False)
            self.start_at_login_check.setToolTip("Not available in this installation.")

    # --- tabs -----------------------------------------------------------------------------
    def _general_tab(self) -> QWidget:
        page = QWidget(self)
        layout = QVBoxLayout(page)
        refresh = QGroupBox("Report", page)
        form = QFormLayout(refresh)
        self.refresh_spin = self._rows.spin("refresh_minutes", " min", "refreshSpin", refresh)
        self._rows.add_row(form, "&Refresh every:", self.refresh_spin, "refresh_minutes")
        self.stale_spin = self._rows.spin("stale_hours", " h", "staleSpin", refresh)
        self.stale_spin.setToolTip(
            "A backup set whose last backup ended longer ago than this is shown as stale."
        )
        self._rows.add_row(form, "&Stale after:", self.stale_spin, "stale_hours")
        form.addRow("", hint_label("Counted from the end of a backup set's last backup.", refresh))
        self.history_spin = self._rows.spin("history_days", " days", "historySpin", refresh)
        self.history_spin.setToolTip(
            "How long the local history (the 30-day strip, failing since, success rates) is kept."
        )
        self._rows.add_row(form, "Keep &history for:", self.history_spin, "history_days")
        self.start_at_login_check = QCheckBox("Start at &login (in the tray)", refresh)
        self.start_at_login_check.setObjectName("startAtLoginCheck")
        form.addRow("", self.start_at_login_check)
        self.time_mode_combo = QComboBox(refresh)
        self.time_mode_combo.setObjectName("timeModeCombo")
        self.time_mode_combo.addItem("Your time zone (this computer's)", "local")
        self.time_mode_combo.addItem("Each backup computer's own clock", "computer")
        self._rows.add_row(form, "Show &times in:", self.time_mode_combo, "time_mode")
        form.addRow(
            "",
            hint_label(
                "The table's Started and Ended columns say which; details show both.", refresh
            ),
        )
        layout.addWidget(refresh)
        tickets = QGroupBox("Tickets", page)
        tickets_form = QFormLayout(tickets)
        self.ticket_address_edit = QLineEdit(tickets)
        self.ticket_address_edit.setObjectName("ticketAddressEdit")
        self.ticket_address_edit.setPlaceholderText("support@psa.example.com")
        self.ticket_address_edit.textChanged.connect(self.validate)
        self._rows.add_row(
            tickets_form, "Ticket &e-mail address:", self.ticket_address_edit, "ticket_address"
        )
        tickets_form.addRow(
            "",
            hint_label(
                'Your PSA\'s e-mail-to-ticket address, for "E-mail to ticket address".', tickets
            ),
        )
        layout.addWidget(tickets)
        layout.addWidget(self._export_box(page))
        layout.addStretch(1)
        return page

    def _export_box(self, page: QWidget) -> QGroupBox:
        box = QGroupBox("CSV export", page)
        form = QFormLayout(box)
        self.delimiter_combo = QComboBox(box)
        self.delimiter_combo.setObjectName("delimiterCombo")
        for value, text in DELIMITER_LABELS:
            self.delimiter_combo.addItem(text, value)
        self._rows.add_row(form, "&Delimiter:", self.delimiter_combo, "csv_delimiter")
        self.bom_check = QCheckBox("Start with a byte order mark (lets Excel detect UTF-8)", box)
        self.bom_check.setObjectName("bomCheck")
        form.addRow("", self.bom_check)
        return box

    def _partners_tab(self) -> QWidget:
        page = QWidget(self)
        layout = QVBoxLayout(page)
        box = QGroupBox("Partners to watch", page)
        form = QFormLayout(box)
        self.other_partners_edit = QLineEdit(box)
        self.other_partners_edit.setObjectName("otherPartnersEdit")
        self.other_partners_edit.setPlaceholderText("resell1, resell2")
        self.other_partners_edit.textChanged.connect(self.validate)
        self._rows.add_row(form, "&Other partners:", self.other_partners_edit, "other_partners")
        form.addRow(
            "",
            hint_label(
                "Partner usernames to show beside your own, with the same sign-in, separated "
                "by commas.",
                box,
            ),
        )
        self.subpartners_check = QCheckBox("Include &sub-partners (resellers, regions)", box)
        self.subpartners_check.setObjectName("subpartnersCheck")
        form.addRow("", self.subpartners_check)
        form.addRow(
            "",
            hint_label(
                "Every partner's sub-partners are listed at each refresh and shown too; a "
                "Partner column and a partner level in the sidebar appear. Accounts in other "
                "regions (EMEA): Account > Other sign-ins….",
                box,
            ),
        )
        layout.addWidget(box)
        layout.addStretch(1)
        return page

    # --- value in and out -----------------------------------------------------------------
    def set_value(self, settings: AppSettings) -> None:
        self.refresh_spin.setValue(settings.refresh_minutes)
        self.stale_spin.setValue(settings.stale_hours)
        self.history_spin.setValue(settings.history_days)
        self.start_at_login_check.setChecked(settings.start_at_login)
        self.time_mode_combo.setCurrentIndex(
            max(0, self.time_mode_combo.findData(settings.time_mode))
        )
        self.ticket_address_edit.setText(settings.ticket_address)
        self.delimiter_combo.setCurrentIndex(
            max(0, self.delimiter_combo.findData(settings.csv_delimiter))
        )
        self.bom_check.setChecked(settings.csv_bom)
        self.other_partners_edit.setText(", ".join(settings.other_partners))
        self.subpartners_check.setChecked(settings.include_subpartners)
        self.notifications.set_value(settings)
        self.network.set_value(settings)
        self.validate()

    def value(self) -> AppSettings:
        """The settings as the form shows them (possibly invalid: see ``errors``)."""
        settings = dataclasses.replace(
            self._initial,
            refresh_minutes=self.refresh_spin.value(),
            stale_hours=self.stale_spin.value(),
            history_days=self.history_spin.value(),
            start_at_login=self.start_at_login_check.isChecked(),
            csv_delimiter=str(self.delimiter_combo.currentData()),
            csv_bom=self.bom_check.isChecked(),
            time_mode=str(self.time_mode_combo.currentData()),
            ticket_address=self.ticket_address_edit.text().strip(),
            other_partners=partner_names(self.other_partners_edit.text()),
            include_subpartners=self.subpartners_check.isChecked(),
        )
        return self.network.apply_to(self.notifications.apply_to(settings))

    def validate(self) -> dict[str, str]:
        """Show each problem next to its field; OK is enabled only when there is none."""
        errors = self.value().errors()
        for name, label in self.error_labels.items():
            message = errors.get(name, "")
            label.setText(message)
            label.setVisible(bool(message))
        self.ok_button.setEnabled(not errors)
        return errors

    def accept(self) -> None:
        if self.validate():
            return
        self.result_value = self.value()
        super().accept()
