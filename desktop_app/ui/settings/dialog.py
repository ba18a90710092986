"""The Settings dialog.

The rules (defaults, ranges, what is valid) live in ``storage.settings``; this dialog only shows
them: each field's problem appears in a label right under it, and OK stays disabled until the
form is valid. The caller (``ui.settings.controller``) saves ``result_value`` and applies it.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

from PySide6.QtCore import QTime
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QSpinBox,
    QTabWidget,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from desktop_app.report.diff import ChangeKind
from desktop_app.storage.settings import AppSettings
from desktop_app.storage.settings_fields import BOUNDS, WEEKDAYS, partner_names
from desktop_app.ui.widgets import hint_label

log = logging.getLogger(__name__)

NOTIFY_LABELS: dict[ChangeKind, str] = {
    ChangeKind.NEW_FAILURE: "A backup set starts failing",
    ChangeKind.NEW_WARNING: "A backup set gets warnings",
    ChangeKind.RECOVERED: "A failing backup set recovers",
    ChangeKind.NEWLY_STALE: "A backup set goes stale or overdue (no recent backup)",
    ChangeKind.NEWLY_MISSING: "A backup set is no longer in the report",
    ChangeKind.FETCH_FAILED: "The report cannot be fetched",
    ChangeKind.REPEATED_FAILURE: "A backup set fails again and again (see Repeated failures)",
}
DELIMITER_LABELS = (
    (",", "Comma ( , )"),
    (";", "Semicolon ( ; ) — Excel in many European locales"),
    ("tab", "Tab"),
)
_ERROR_STYLE = "color: #c62828;"


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
        self.error_labels: dict[str, QLabel] = {}

        tabs = QTabWidget(self)
        tabs.addTab(self._general_tab(), "&General")
        tabs.addTab(self._notify_tab(), "N&otifications")
        tabs.addTab(self._network_tab(), "&Network")
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
        self.refresh_spin = self._spin("refresh_minutes", " min", "refreshSpin", refresh)
        self._add_row(form, "&Refresh every:", self.refresh_spin, "refresh_minutes")
        self.stale_spin = self._spin("stale_hours", " h", "staleSpin", refresh)
        self.stale_spin.setToolTip(
            "A backup set whose last backup ended longer ago than this is shown as stale."
        )
        self._add_row(form, "&Stale after:", self.stale_spin, "stale_hours")
        form.addRow("", hint_label("Counted from the end of a backup set's last backup.", refresh))
        self.history_spin = self._spin("history_days", " days", "historySpin", refresh)
        self.history_spin.setToolTip(
            "How long the local history (the 30-day strip, failing since, success rates) is kept."
        )
        self._add_row(form, "Keep &history for:", self.history_spin, "history_days")
        self.start_at_login_check = QCheckBox("Start at &login (in the tray)", refresh)
        self.start_at_login_check.setObjectName("startAtLoginCheck")
        form.addRow("", self.start_at_login_check)
        self.time_mode_combo = QComboBox(refresh)
        self.time_mode_combo.setObjectName("timeModeCombo")
        self.time_mode_combo.addItem("Your time zone (this computer's)", "local")
        self.time_mode_combo.addItem("Each backup computer's own clock", "computer")
        self._add_row(form, "Show &times in:", self.time_mode_combo, "time_mode")
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
        self._add_row(
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

    def _notify_tab(self) -> QWidget:
        page = QWidget(self)
        layout = QVBoxLayout(page)
        notify = QGroupBox("Notify me when", page)
        notify_layout = QVBoxLayout(notify)
        self.notify_checks: dict[ChangeKind, QCheckBox] = {}
        for kind, text in NOTIFY_LABELS.items():
            check = QCheckBox(text, notify)
            check.setObjectName(f"notify_{kind.value}")
            notify_layout.addWidget(check)
            self.notify_checks[kind] = check
        layout.addWidget(notify)
        layout.addWidget(self._quiet_box(page))
        layout.addWidget(self._escalation_box(page))
        layout.addStretch(1)
        return page

    def _quiet_box(self, page: QWidget) -> QGroupBox:
        box = QGroupBox("Quiet hours", page)
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
            check.toggled.connect(self.validate)
            days.addWidget(check)
            self.quiet_day_checks[day] = check
        column = QVBoxLayout()
        column.addLayout(days)
        column.addWidget(self._error_label("quiet_days", box))
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

    def _escalation_box(self, page: QWidget) -> QGroupBox:
        box = QGroupBox("Repeated failures", page)
        form = QFormLayout(box)
        self.escalation_runs_spin = self._spin(
            "escalation_runs", " runs", "escalationRunsSpin", box
        )
        self._add_row(
            form, "After &failed runs in a row:", self.escalation_runs_spin, "escalation_runs"
        )
        self.escalation_days_spin = self._spin(
            "escalation_days", " days", "escalationDaysSpin", box
        )
        self._add_row(form, "Or failing for:", self.escalation_days_spin, "escalation_days")
        form.addRow(
            "",
            hint_label(
                'Marked "Repeated failure", with its own filter and a notification. 0: not'
                " counted that way.",
                box,
            ),
        )
        return box

    def _export_box(self, page: QWidget) -> QGroupBox:
        box = QGroupBox("CSV export", page)
        form = QFormLayout(box)
        self.delimiter_combo = QComboBox(box)
        self.delimiter_combo.setObjectName("delimiterCombo")
        for value, text in DELIMITER_LABELS:
            self.delimiter_combo.addItem(text, value)
        self._add_row(form, "&Delimiter:", self.delimiter_combo, "csv_delimiter")
        self.bom_check = QCheckBox("Start with a byte order mark (lets Excel detect UTF-8)", box)
        self.bom_check.setObjectName("bomCheck")
        form.addRow("", self.bom_check)
        return box

    def _network_tab(self) -> QWidget:
        page = QWidget(self)
        layout = QVBoxLayout(page)

        proxy = QGroupBox("Proxy", page)
        proxy_layout = QVBoxLayout(proxy)
        self.proxy_system_radio = QRadioButton("Use the &system proxy settings", proxy)
        self.proxy_none_radio = QRadioButton("&No proxy (connect directly)", proxy)
        self.proxy_manual_radio = QRadioButton("&Manual proxy:", proxy)
        self.proxy_system_radio.setObjectName("proxySystemRadio")
        self.proxy_none_radio.setObjectName("proxyNoneRadio")
        self.proxy_manual_radio.setObjectName("proxyManualRadio")
        self._proxy_group = QButtonGroup(self)
        for radio in (self.proxy_system_radio, self.proxy_none_radio, self.proxy_manual_radio):
            self._proxy_group.addButton(radio)
        self.proxy_url_edit = QLineEdit(proxy)
        self.proxy_url_edit.setObjectName("proxyUrlEdit")
        self.proxy_url_edit.setAccessibleName("Proxy address")
        self.proxy_url_edit.setPlaceholderText("http://proxy.example.com:8080")
        proxy_layout.addWidget(self.proxy_system_radio)
        proxy_layout.addWidget(self.proxy_none_radio)
        manual_row = QHBoxLayout()
        manual_row.addWidget(self.proxy_manual_radio)
        manual_row.addWidget(self.proxy_url_edit, 1)
        proxy_layout.addLayout(manual_row)
        proxy_layout.addWidget(self._error_label("proxy_url", proxy))
        layout.addWidget(proxy)

        trust = QGroupBox("Certificates", page)
        trust_layout = QVBoxLayout(trust)
        self.trust_system_radio = QRadioButton("Trust the &operating system's certificates", trust)
        self.trust_custom_radio = QRadioButton("Trust only this CA &bundle:", trust)
        self.trust_system_radio.setObjectName("trustSystemRadio")
        self.trust_custom_radio.setObjectName("trustCustomRadio")
        self._trust_group = QButtonGroup(self)
        self._trust_group.addButton(self.trust_system_radio)
        self._trust_group.addButton(self.trust_custom_radio)
        self.ca_bundle_edit = QLineEdit(trust)
        self.ca_bundle_edit.setObjectName("caBundleEdit")
        self.ca_bundle_edit.setAccessibleName("CA bundle file")
        self.ca_bundle_edit.setPlaceholderText("PEM file")
        self.browse_button = QPushButton("Bro&wse…", trust)
        self.browse_button.clicked.connect(self._browse_ca_bundle)
        trust_layout.addWidget(self.trust_system_radio)
        custom_row = QHBoxLayout()
        custom_row.addWidget(self.trust_custom_radio)
        custom_row.addWidget(self.ca_bundle_edit, 1)
        custom_row.addWidget(self.browse_button)
        trust_layout.addLayout(custom_row)
        trust_layout.addWidget(self._error_label("ca_bundle", trust))
        layout.addWidget(trust)

        timeouts = QGroupBox("Timeouts", page)
        form = QFormLayout(timeouts)
        self.connect_timeout_spin = self._spin("connect_timeout", " s", "connectTimeoutSpin", page)
        self.read_timeout_spin = self._spin("read_timeout", " s", "readTimeoutSpin", page)
        self._add_row(form, "&Connect:", self.connect_timeout_spin, "connect_timeout")
        self._add_row(form, "Rea&d (no data for):", self.read_timeout_spin, "read_timeout")
        self.deadline_spin = self._spin("fetch_deadline_minutes", " min", "deadlineSpin", page)
        self.deadline_spin.setToolTip(
            "The longest a whole fetch may take, however slowly the data comes (1 to 60 min)"
        )
        self._add_row(form, "Whole &fetch at most:", self.deadline_spin, "fetch_deadline_minutes")
        layout.addWidget(timeouts)
        layout.addStretch(1)

        for widget in (self.proxy_manual_radio, self.trust_custom_radio):
            widget.toggled.connect(self._update_enabled)
        for edit in (self.proxy_url_edit, self.ca_bundle_edit):
            edit.textChanged.connect(self.validate)
        for button in (*self._proxy_group.buttons(), *self._trust_group.buttons()):
            button.toggled.connect(self.validate)
        return page

    def _partners_tab(self) -> QWidget:
        page = QWidget(self)
        layout = QVBoxLayout(page)
        box = QGroupBox("Partners to watch", page)
        form = QFormLayout(box)
        self.other_partners_edit = QLineEdit(box)
        self.other_partners_edit.setObjectName("otherPartnersEdit")
        self.other_partners_edit.setPlaceholderText("resell1, resell2")
        self.other_partners_edit.textChanged.connect(self.validate)
        self._add_row(form, "&Other partners:", self.other_partners_edit, "other_partners")
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
                "Partner column and a partner level in the sidebar appear.",
                box,
            ),
        )
        layout.addWidget(box)
        layout.addStretch(1)
        return page

    # --- helpers --------------------------------------------------------------------------
    def _spin(self, name: str, suffix: str, object_name: str, parent: QWidget) -> QSpinBox:
        bounds = BOUNDS[name]
        spin = QSpinBox(parent)
        spin.setObjectName(object_name)
        spin.setRange(bounds.low, bounds.high)
        spin.setSuffix(suffix)
        spin.setAccelerated(True)
        spin.setMinimumWidth(110)
        spin.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        if not spin.toolTip():
            spin.setToolTip(f"{bounds.low} to {bounds.high}{suffix}")
        spin.valueChanged.connect(self.validate)
        return spin

    def _error_label(self, name: str, parent: QWidget) -> QLabel:
        label = QLabel(parent)
        label.setObjectName(f"{name}Error")
        label.setStyleSheet(_ERROR_STYLE)
        label.setWordWrap(True)
        label.hide()
        self.error_labels[name] = label
        return label

    def _add_row(self, form: QFormLayout, text: str, field: QWidget, name: str) -> None:
        parent = field.parentWidget() or self
        label = QLabel(text, parent)
        label.setBuddy(field)  # the mnemonic (&) focuses the field
        column = QVBoxLayout()
        column.setSpacing(2)
        column.addWidget(field)
        column.addWidget(self._error_label(name, parent))
        form.addRow(label, column)

    def _update_enabled(self) -> None:
        quiet = self.quiet_check.isChecked()
        for widget in (self.quiet_start_edit, self.quiet_end_edit, *self.quiet_day_checks.values()):
            widget.setEnabled(quiet)
        self.proxy_url_edit.setEnabled(self.proxy_manual_radio.isChecked())
        custom = self.trust_custom_radio.isChecked()
        self.ca_bundle_edit.setEnabled(custom)
        self.browse_button.setEnabled(custom)

    def _browse_ca_bundle(self) -> None:
        start = self.ca_bundle_edit.text().strip() or str(Path.home())
        path, _filter = QFileDialog.getOpenFileName(
            self, "Choose a CA bundle", start, "Certificates (*.pem *.crt *.cer);;All files (*)"
        )
        if path:
            self.ca_bundle_edit.setText(path)

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
        for kind, check in self.notify_checks.items():
            check.setChecked(kind.value in settings.notify_kinds)
        self.delimiter_combo.setCurrentIndex(
            max(0, self.delimiter_combo.findData(settings.csv_delimiter))
        )
        self.bom_check.setChecked(settings.csv_bom)
        {
            "system": self.proxy_system_radio,
            "none": self.proxy_none_radio,
            "manual": self.proxy_manual_radio,
        }.get(settings.proxy_mode, self.proxy_system_radio).setChecked(True)
        self.proxy_url_edit.setText(settings.proxy_url)
        (
            self.trust_custom_radio if settings.trust_mode == "custom" else self.trust_system_radio
        ).setChecked(True)
        self.ca_bundle_edit.setText(settings.ca_bundle)
        self.connect_timeout_spin.setValue(settings.connect_timeout)
        self.read_timeout_spin.setValue(settings.read_timeout)
        self.deadline_spin.setValue(settings.fetch_deadline_minutes)
        self.escalation_runs_spin.setValue(settings.escalation_runs)
        self.escalation_days_spin.setValue(settings.escalation_days)
        self.quiet_check.setChecked(settings.quiet_enabled)
        self.quiet_start_edit.setTime(QTime.fromString(settings.quiet_start, "HH:mm"))
        self.quiet_end_edit.setTime(QTime.fromString(settings.quiet_end, "HH:mm"))
        for day, check in self.quiet_day_checks.items():
            check.setChecked(day in settings.quiet_days)
        self.other_partners_edit.setText(", ".join(settings.other_partners))
        self.subpartners_check.setChecked(settings.include_subpartners)
        self._update_enabled()
        self.validate()

    def value(self) -> AppSettings:
        """The settings as the form shows them (possibly invalid: see ``errors``)."""
        if self.proxy_manual_radio.isChecked():
            proxy_mode = "manual"
        elif self.proxy_none_radio.isChecked():
            proxy_mode = "none"
        else:
            proxy_mode = "system"
        return dataclasses.replace(
            self._initial,
            refresh_minutes=self.refresh_spin.value(),
            stale_hours=self.stale_spin.value(),
            history_days=self.history_spin.value(),
            start_at_login=self.start_at_login_check.isChecked(),
            notify_kinds=frozenset(k.value for k, c in self.notify_checks.items() if c.isChecked()),
            csv_delimiter=str(self.delimiter_combo.currentData()),
            csv_bom=self.bom_check.isChecked(),
            proxy_mode=proxy_mode,
            proxy_url=self.proxy_url_edit.text().strip(),
            trust_mode="custom" if self.trust_custom_radio.isChecked() else "system",
            ca_bundle=self.ca_bundle_edit.text().strip(),
            connect_timeout=self.connect_timeout_spin.value(),
            read_timeout=self.read_timeout_spin.value(),
            fetch_deadline_minutes=self.deadline_spin.value(),
            time_mode=str(self.time_mode_combo.currentData()),
            ticket_address=self.ticket_address_edit.text().strip(),
            escalation_runs=self.escalation_runs_spin.value(),
            escalation_days=self.escalation_days_spin.value(),
            quiet_enabled=self.quiet_check.isChecked(),
            quiet_start=self.quiet_start_edit.time().toString("HH:mm"),
            quiet_end=self.quiet_end_edit.time().toString("HH:mm"),
            quiet_days=frozenset(d for d, c in self.quiet_day_checks.items() if c.isChecked()),
            other_partners=partner_names(self.other_partners_edit.text()),
            include_subpartners=self.subpartners_check.isChecked(),
        )

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
