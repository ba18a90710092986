"""Other sign-ins as a user adds them: Account > Other sign-ins… > Add… signs in to another
region's account (a second demo API on 127.0.0.1, its own credentials), whose partners then
show beside the main account's, named with the region; it survives a restart with its secret
in the keyring only; a lost secret is named in the banner and "Sign in again…" restores it;
Remove deletes the secret."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from desktop_app.api.client import ReportClient
from desktop_app.api.regions import Region
from desktop_app.app import AppOptions, AppParts, build
from desktop_app.demo.regions import DemoRegion, start_region
from desktop_app.demo.server import DemoServer
from desktop_app.logging_setup import LoggingHandle, configure_logging
from desktop_app.storage.account import Account, build_report_client
from desktop_app.storage.credentials import SERVICE_NAME, CredentialStore, StoredCredentials
from desktop_app.storage.keyring_backend import probe_keyring
from desktop_app.storage.settings import AppSettings
from desktop_app.storage.sign_ins import KEY_OTHERS, OtherSignIns
from desktop_app.ui.account.other_sign_ins import OtherSignInsController, OtherSignInsDialog
from desktop_app.ui.exporting.diagnostics_dialog import DiagnosticsFactsSource
from desktop_app.ui.table.columns import Column
from desktop_app.ui.workers import Workers
from tests.support import MemoryKeyring

from .test_account_flow import fill_custom, log_handle, sign_in

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support raise")
__all__ = ["log_handle"]  # the debug log fixture, shared

ROWS = 30


@pytest.fixture
def na() -> Iterator[DemoServer]:
    with DemoServer(rows=ROWS, evolve=False) as demo:
        yield demo


@pytest.fixture
def emea() -> Iterator[DemoRegion]:
    region = start_region(ROWS)
    yield region
    region.close()


def start(
    qtbot: QtBot, tmp_path: Path, keyring: MemoryKeyring, logs: LoggingHandle | None = None
) -> AppParts:
    options = AppOptions(
        demo=False,
        settings_path=tmp_path / "s.ini",
        tray=False,
        keyring_backend=keyring,
        logging=logs,
    )
    parts = build(options)
    qtbot.addWidget(parts.window)
    return parts


def partners_shown(parts: AppParts) -> set[str | None]:
    return {row.partner for row in parts.model.visible_rows()}


def add_other(qtbot: QtBot, parts: AppParts, region: DemoRegion) -> OtherSignInsDialog:
    assert parts.account is not None
    parts.account.others_action.trigger()
    dialog = parts.account.other_sign_ins.dialog
    assert dialog is not None and dialog.list.count() == 0
    dialog.add_button.click()
    adding = parts.account.other_sign_ins.sign_in_dialog
    assert adding is not None and adding.windowTitle() == "Add a sign-in"
    fill_custom(adding, region.server)
    with qtbot.waitSignal(parts.refresh.report_ready, timeout=15_000):
        adding.sign_in_button.click()
    return dialog


def test_another_regions_account_joins_the_view_and_survives_a_restart(
    qtbot: QtBot, tmp_path: Path, na: DemoServer, emea: DemoRegion, log_handle: LoggingHandle
) -> None:
    keyring = MemoryKeyring()
    issued: list[str] = []
    issue = emea.server.issue_token

    def watched(*args: Any, **kwargs: Any) -> str:
        issued.append(issue(*args, **kwargs))
        return issued[-1]

    emea.server.issue_token = watched  # type: ignore[method-assign]
    parts = start(qtbot, tmp_path, keyring, log_handle)
    sign_in(qtbot, parts, na)
    assert partners_shown(parts) == {None}  # one partner: the plain view
    dialog = add_other(qtbot, parts, emea)
    host = emea.client.endpoint.api_host
    # Its own partner only: "Include sub-partners" is off, for it as for the main account.
    qtbot.waitUntil(lambda: len(partners_shown(parts)) == 2)
    assert partners_shown(parts) == {"demo-partner", f"emea-partner ({host})"}
    assert not parts.window.table.horizontalHeader().isSectionHidden(Column.PARTNER)
    assert dialog.list.count() == 1
    assert dialog.list.item(0).text().endswith(f"partners shown as 'emea-partner ({host})'")
    # More partners of that sign-in: a typo is refused with the reason, a username joins.
    dialog.partners_edit.setText("emea-resell/x")
    dialog.partners_edit.editingFinished.emit()
    assert "Not a partner username" in dialog.partners_error.text()
    dialog.partners_edit.setText("emea-resell")
    with qtbot.waitSignal(parts.refresh.report_ready, timeout=15_000):
        dialog.partners_edit.editingFinished.emit()
    assert not dialog.partners_error.isVisible() and dialog.list.currentRow() == 0
    assert f"emea-resell ({host})" in partners_shown(parts)
    assert (SERVICE_NAME, f"emea-partner@{host}") in keyring.values
    # Diagnostics name the other sign-in (to help support), never its secret.
    facts = DiagnosticsFactsSource(
        AppSettings, QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat),
        lambda: None, demo=False, log_path=None, redact=str,
    )(anonymise=False)  # fmt: skip
    assert "emea-partner" in str(facts.settings[KEY_OTHERS])
    assert emea.server.client_secret not in repr(facts.settings)
    parts.close()

    settings_text = (tmp_path / "s.ini").read_text(encoding="utf-8")
    assert "emea-resell" in settings_text and emea.server.client_secret not in settings_text

    # A new process's log knows no secret yet: the one read from the keyring is registered.
    fresh_log = configure_logging(tmp_path / "logs-after-restart", debug=True)
    again = start(qtbot, tmp_path, keyring, fresh_log)
    try:
        qtbot.waitUntil(lambda: len(partners_shown(again)) == 3, timeout=15_000)
    finally:
        again.close()
        fresh_log.close()
    # Its secret and tokens reached no file: settings, history, the debug log.
    assert issued
    for path in (p for p in tmp_path.rglob("*") if p.is_file()):
        data = path.read_bytes()
        for secret in (emea.server.client_secret, *issued):
            assert secret.encode() not in data, path


def test_a_lost_secret_is_named_signed_in_again_and_remove_deletes_it(
    qtbot: QtBot, tmp_path: Path, na: DemoServer, emea: DemoRegion, monkeypatch: pytest.MonkeyPatch
) -> None:
    keyring = MemoryKeyring()
    parts = start(qtbot, tmp_path, keyring)
    try:
        sign_in(qtbot, parts, na)
        dialog = add_other(qtbot, parts, emea)
        host = emea.client.endpoint.api_host
        del keyring.values[(SERVICE_NAME, f"emea-partner@{host}")]  # e.g. removed by hand
        assert parts.account is not None
        parts.account.reconnect()  # new clients: the secret is read again
        banner = parts.window.banner
        qtbot.waitUntil(lambda: banner.isVisible() and "not shown" in banner.title())
        assert f"emea-partner ({host})" in banner.message()
        assert "No secret is saved" in banner.message()
        assert partners_shown(parts) == {"demo-partner"}

        # Sign in again: the form comes filled in but for the secret; the sign-in keeps its place.
        dialog.list.setCurrentRow(0)
        dialog.again_button.click()
        again = parts.account.other_sign_ins.sign_in_dialog
        assert again is not None and again.windowTitle() == "Sign in again"
        assert again.username_edit.text() == "emea-partner"
        assert again.api_url_edit.text() == emea.server.base_url
        again.client_id_edit.setText(emea.server.client_id)
        again.client_secret_edit.setText(emea.server.client_secret)
        with qtbot.waitSignal(parts.refresh.report_ready, timeout=15_000):
            again.sign_in_button.click()
        qtbot.waitUntil(lambda: f"emea-partner ({host})" in partners_shown(parts))
        assert dialog.list.count() == 1 and (SERVICE_NAME, f"emea-partner@{host}") in keyring.values

        keyring.values[(SERVICE_NAME, f"emea-partner@{host}")] = "{}"  # unreadable
        monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
        with qtbot.waitSignal(parts.refresh.report_ready, timeout=15_000):
            qtbot.keyClick(dialog.list, Qt.Key.Key_Delete)  # as in a file list
        assert dialog.list.count() == 0
        assert (SERVICE_NAME, f"emea-partner@{host}") not in keyring.values
        assert partners_shown(parts) == {None}
    finally:
        parts.close()


def test_the_main_account_cannot_be_added_again_and_its_secret_stays(
    qtbot: QtBot, tmp_path: Path, na: DemoServer
) -> None:
    keyring = MemoryKeyring()
    parts = start(qtbot, tmp_path, keyring)
    try:
        sign_in(qtbot, parts, na)
        main_entry = (SERVICE_NAME, f"{na.username}@{na.base_url.split('//')[1]}")
        saved = keyring.values[main_entry]
        assert parts.account is not None
        parts.account.others_action.trigger()
        dialog = parts.account.other_sign_ins.dialog
        assert dialog is not None
        dialog.add_button.click()
        adding = parts.account.other_sign_ins.sign_in_dialog
        assert adding is not None
        fill_custom(adding, na, token=na.issue_token())  # the same account, with a token
        adding.sign_in_button.click()
        assert "is the account you are signed in with" in adding.result_label.text()
        assert adding.isVisible() and dialog.list.count() == 0
        assert keyring.values[main_entry] == saved  # never overwritten
    finally:
        parts.close()


def test_sign_out_removes_the_other_sign_ins_and_their_secrets(
    qtbot: QtBot, tmp_path: Path, na: DemoServer, emea: DemoRegion, monkeypatch: pytest.MonkeyPatch
) -> None:
    keyring = MemoryKeyring()
    parts = start(qtbot, tmp_path, keyring)
    try:
        sign_in(qtbot, parts, na)
        add_other(qtbot, parts, emea)
        assert parts.account is not None and parts.account.others.sign_ins
        asked: list[str] = []

        def yes(_parent: object, _title: str, text: str, *_a: object) -> object:
            asked.append(text)
            return QMessageBox.StandardButton.Yes

        monkeypatch.setattr(QMessageBox, "question", yes)
        with qtbot.waitSignal(parts.account.signed_out):
            parts.account.sign_out_action.trigger()
        assert "The 1 other sign-in (Account > Other sign-ins…) are removed too" in asked[0]
        assert keyring.values == {}  # the main secret and the other one
        assert parts.account.others.sign_ins == ()
        assert not parts.account.others_action.isEnabled()
        parts.settings.sync()
        assert "emea-partner" not in (tmp_path / "s.ini").read_text(encoding="utf-8")
    finally:
        parts.close()


def test_an_expired_main_token_asks_for_a_new_one_with_other_sign_ins_too(
    qtbot: QtBot, tmp_path: Path, na: DemoServer, emea: DemoRegion
) -> None:
    """With another sign-in the view is one of several partners: a refused token is a
    refused part, not a failed refresh; it must still ask for a new token."""
    parts = start(qtbot, tmp_path, MemoryKeyring())
    try:
        sign_in(qtbot, parts, na, token=na.issue_token())
        add_other(qtbot, parts, emea)
        assert parts.account is not None and parts.account.dialog is None
        na.revoke_tokens()  # the hour is over
        with qtbot.waitSignal(parts.refresh.report_ready, timeout=15_000):
            parts.refresh.refresh()
        dialog = parts.account.dialog
        assert dialog is not None and dialog.windowTitle() == "Access token expired"
        assert "emea-partner" in str(partners_shown(parts))  # the other sign-in still shows
    finally:
        parts.close()


def test_adding_offers_the_other_region_first(qtbot: QtBot, workers: Workers) -> None:
    """Signed in to North America, the second sign-in is usually EMEA (and the reverse)."""
    backend = MemoryKeyring()
    window = QWidget()
    qtbot.addWidget(window)
    for main, offered in ((Region.NORTH_AMERICA, Region.EMEA), (Region.EMEA, Region.NORTH_AMERICA)):
        controller = OtherSignInsController(
            OtherSignIns(CredentialStore(backend), build_report_client_for_test),
            {},
            workers,
            build_report_client_for_test,
            CredentialStore(backend),
            probe_keyring(backend),
            lambda main=main: Account("msp", region=main),  # type: ignore[misc]
            parent=window,
        )
        dialog = controller.add()
        assert dialog.region_combo.currentData() == offered.value
        dialog.reject()


def build_report_client_for_test(account: Account, credentials: StoredCredentials) -> ReportClient:
    return build_report_client(account, credentials, requests.Session())
