"""The Settings dialog's Network tab: proxy, certificate trust and timeouts.

Apart from ``ui.settings.dialog`` to keep that module short. The dialog still decides validity
and OK; this tab builds the network fields and reads/writes them from ``AppSettings``.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from PySide6.QtWidgets import (
    QButtonGroup,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.storage.settings import AppSettings
from desktop_app.ui.settings.form_rows import FormRows


class NetworkTab(QWidget):
    """How the app reaches the API: which proxy, which certificates to trust, how long to wait."""

    def __init__(self, rows: FormRows, parent: QWidget) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)

        proxy = QGroupBox("Proxy", self)
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
        proxy_layout.addWidget(rows.error_label("proxy_url", proxy))
        layout.addWidget(proxy)

        trust = QGroupBox("Certificates", self)
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
        trust_layout.addWidget(rows.error_label("ca_bundle", trust))
        layout.addWidget(trust)

        timeouts = QGroupBox("Timeouts", self)
        form = QFormLayout(timeouts)
        self.connect_timeout_spin = rows.spin("connect_timeout", " s", "connectTimeoutSpin", self)
        self.read_timeout_spin = rows.spin("read_timeout", " s", "readTimeoutSpin", self)
        rows.add_row(form, "&Connect:", self.connect_timeout_spin, "connect_timeout")
        rows.add_row(form, "Rea&d (no data for):", self.read_timeout_spin, "read_timeout")
        self.deadline_spin = rows.spin("fetch_deadline_minutes", " min", "deadlineSpin", self)
        self.deadline_spin.setToolTip(
            "The longest a whole fetch may take, however slowly the data comes (1 to 60 min)"
        )
        rows.add_row(form, "Whole &fetch at most:", self.deadline_spin, "fetch_deadline_minutes")
        layout.addWidget(timeouts)
        layout.addStretch(1)

        for widget in (self.proxy_manual_radio, self.trust_custom_radio):
            widget.toggled.connect(self._update_enabled)
        for edit in (self.proxy_url_edit, self.ca_bundle_edit):
            edit.textChanged.connect(rows.on_edit)
        for button in (*self._proxy_group.buttons(), *self._trust_group.buttons()):
            button.toggled.connect(rows.on_edit)

    def _update_enabled(self) -> None:
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

    def set_value(self, settings: AppSettings) -> None:
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
        self._update_enabled()

    def apply_to(self, settings: AppSettings) -> AppSettings:
        """``settings`` with this tab's fields as the form shows them."""
        if self.proxy_manual_radio.isChecked():
            proxy_mode = "manual"
        elif self.proxy_none_radio.isChecked():
            proxy_mode = "none"
        else:
            proxy_mode = "system"
        return dataclasses.replace(
            settings,
            proxy_mode=proxy_mode,
            proxy_url=self.proxy_url_edit.text().strip(),
            trust_mode="custom" if self.trust_custom_radio.isChecked() else "system",
            ca_bundle=self.ca_bundle_edit.text().strip(),
            connect_timeout=self.connect_timeout_spin.value(),
            read_timeout=self.read_timeout_spin.value(),
            fetch_deadline_minutes=self.deadline_spin.value(),
        )
