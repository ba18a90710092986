"""The settings dialog and controller with a real INI file and a real autostart folder."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QDialogButtonBox, QWidget
from pytestqt.qtbot import QtBot

from desktop_app.report.diff import ChangeKind
from desktop_app.storage.autostart import XdgAutostart
from desktop_app.storage.settings import AppSettings
from desktop_app.storage.settings_fields import BOUNDS
from desktop_app.ui.settings.controller import SettingsController
from desktop_app.ui.settings.dialog import SettingsDialog
from desktop_app.ui.settings.store import QSettingsStore


@pytest.fixture
def ini(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def parent(qtbot: QtBot) -> QWidget:
    widget = QWidget()
    qtbot.addWidget(widget)
    return widget


def test_the_form_shows_the_settings_and_reads_them_back(qtbot: QtBot) -> None:
    chosen = AppSettings(
        refresh_minutes=5,
        stale_hours=30,
        notify_kinds=frozenset({ChangeKind.NEW_WARNING.value}),
        csv_delimiter=";",
        csv_bom=False,
        proxy_mode="none",
        connect_timeout=3,
        read_timeout=90,
        fetch_deadline_minutes=20,
    )
    dialog = SettingsDialog(chosen)
    qtbot.addWidget(dialog)
    assert dialog.refresh_spin.value() == 5 and dialog.stale_spin.value() == 30
    assert dialog.notifications.notify_checks[ChangeKind.NEW_WARNING].isChecked()
    assert not dialog.notifications.notify_checks[ChangeKind.NEW_FAILURE].isChecked()
    network = dialog.network
    assert network.proxy_none_radio.isChecked() and not network.proxy_url_edit.isEnabled()
    assert dialog.value() == chosen


def test_ranges_match_the_schema(qtbot: QtBot) -> None:
    dialog = SettingsDialog(AppSettings())
    qtbot.addWidget(dialog)
    assert dialog.refresh_spin.minimum() == 1 == BOUNDS["refresh_minutes"].low
    dialog.refresh_spin.setValue(0)  # clamped: a minute is the least
    assert dialog.refresh_spin.value() == 1
    assert dialog.network.read_timeout_spin.maximum() == BOUNDS["read_timeout"].high
    assert dialog.network.deadline_spin.value() == 5  # minutes for a whole fetch
    assert dialog.network.deadline_spin.maximum() == BOUNDS["fetch_deadline_minutes"].high


def test_problems_are_shown_next_to_their_field(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = SettingsDialog(AppSettings())
    qtbot.addWidget(dialog)
    dialog.show()
    label = dialog.error_labels["proxy_url"]
    assert not label.isVisible() and dialog.ok_button.isEnabled()

    dialog.tabs.setCurrentIndex(2)
    dialog.network.proxy_manual_radio.setChecked(True)
    assert label.isVisible() and "Enter the proxy address" in label.text()
    assert not dialog.ok_button.isEnabled()
    dialog.network.proxy_url_edit.setText("http://bob:pw123@proxy:8080")
    assert "password" in label.text() and not dialog.ok_button.isEnabled()
    dialog.network.proxy_url_edit.setText("http://proxy.corp:8080")
    assert not label.isVisible() and dialog.ok_button.isEnabled()

    bundle_label = dialog.error_labels["ca_bundle"]
    dialog.network.trust_custom_radio.setChecked(True)
    dialog.network.ca_bundle_edit.setText(str(tmp_path / "nope.pem"))
    assert bundle_label.text() == "That file does not exist." and bundle_label.isVisible()
    dialog.accept()  # refused while invalid
    assert dialog.result_value is None and dialog.isVisible()
    pem = tmp_path / "corp.pem"
    pem.write_text("-----BEGIN CERTIFICATE-----\n")
    dialog.network.ca_bundle_edit.setText(str(pem))
    assert not bundle_label.isVisible()
    dialog.accept()
    assert dialog.result_value is not None
    assert dialog.result_value.ca_bundle == str(pem)
    assert dialog.result_value.proxy_url == "http://proxy.corp:8080"


def test_restore_defaults(qtbot: QtBot) -> None:
    dialog = SettingsDialog(AppSettings(refresh_minutes=99, csv_bom=False))
    qtbot.addWidget(dialog)
    dialog.buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults).click()
    assert dialog.value() == AppSettings()


def test_controller_saves_to_qsettings_and_announces(
    qtbot: QtBot, ini: QSettings, parent: QWidget
) -> None:
    controller = SettingsController(QSettingsStore(ini), parent)
    assert controller.settings == AppSettings()
    dialog = controller.open_dialog()
    assert not dialog.start_at_login_check.isEnabled()  # no autostart given
    dialog.refresh_spin.setValue(7)
    dialog.delimiter_combo.setCurrentIndex(dialog.delimiter_combo.findData("tab"))
    with qtbot.waitSignal(controller.changed) as changed:
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert changed.args[0].refresh_minutes == 7  # type: ignore[index]
    ini.sync()
    reread = QSettings(ini.fileName(), QSettings.Format.IniFormat)
    assert str(reread.value("refresh/interval_minutes")) == "7"
    assert reread.value("export/delimiter") == "tab"  # what the export controller reads
    assert SettingsController(QSettingsStore(reread), parent).settings.refresh_minutes == 7


def test_corrupt_stored_values_fall_back_and_the_dialog_still_opens(
    qtbot: QtBot, ini: QSettings, parent: QWidget, caplog: pytest.LogCaptureFixture
) -> None:
    ini.setValue("refresh/interval_minutes", "0")
    ini.setValue("network/read_timeout_seconds", "soon")
    ini.setValue("export/bom", "perhaps")
    with caplog.at_level(logging.WARNING):
        controller = SettingsController(QSettingsStore(ini), parent)
    assert controller.settings == AppSettings()
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 3
    dialog = controller.open_dialog()
    assert dialog.refresh_spin.value() == 15 and dialog.ok_button.isEnabled()
    dialog.reject()


def test_start_at_login_writes_the_real_autostart_entry(
    qtbot: QtBot, ini: QSettings, parent: QWidget, tmp_path: Path
) -> None:
    autostart = XdgAutostart(tmp_path / "config", ("/opt/bsm/backup-status", "--minimized"))
    controller = SettingsController(QSettingsStore(ini), parent, autostart=autostart)
    dialog = controller.open_dialog()
    assert dialog.start_at_login_check.isEnabled() and not dialog.start_at_login_check.isChecked()
    dialog.start_at_login_check.setChecked(True)
    dialog.accept()
    assert autostart.path.is_file()
    assert "--minimized" in autostart.path.read_text()

    autostart.disable()  # removed outside the app: the dialog shows the truth
    dialog = controller.open_dialog()
    assert not dialog.start_at_login_check.isChecked()
    dialog.reject()


def test_partners_to_watch_are_typed_validated_and_read_back(qtbot: QtBot) -> None:
    chosen = AppSettings(other_partners=("resell1", "resell2"), include_subpartners=True)
    dialog = SettingsDialog(chosen)
    qtbot.addWidget(dialog)
    assert dialog.other_partners_edit.text() == "resell1, resell2"
    assert dialog.subpartners_check.isChecked()
    assert dialog.value() == chosen
    dialog.other_partners_edit.setText("resell1; resell1")
    error = dialog.error_labels["other_partners"]
    assert not dialog.ok_button.isEnabled() and "once" in error.text()
    dialog.other_partners_edit.setText("resell1 resell3,")
    assert dialog.ok_button.isEnabled() and error.isHidden()
    dialog.accept()
    assert dialog.result_value is not None
    assert dialog.result_value.other_partners == ("resell1", "resell3")
