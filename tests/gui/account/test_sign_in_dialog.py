"""The sign-in dialog against the real demo API: plain-words answers, masking, keyring saving."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
import requests
from keyring.backends import fail
from keyring.errors import KeyringError
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from desktop_app.demo.server import DemoServer
from desktop_app.storage.account import Account, AuthMethod, build_report_client
from desktop_app.storage.credentials import SERVICE_NAME, CredentialStore, StoredCredentials
from desktop_app.storage.keyring_backend import probe_keyring
from desktop_app.ui.account.sign_in_dialog import SignInDialog
from desktop_app.ui.workers import Workers
from tests.support import MemoryKeyring


class SaveFailsKeyring(MemoryKeyring):
    """Reads fine (the probe passes) but refuses to save, as a denied Keychain write does."""

    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringError("User interaction is not allowed: denied")


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    with DemoServer(rows=37, evolve=False) as demo:
        yield demo


def factory(account: Account, credentials: StoredCredentials) -> object:
    return build_report_client(
        account, credentials, requests.Session(), connect_timeout=2, read_timeout=5
    )


def make_dialog(
    qtbot: QtBot,
    workers: Workers,
    backend: MemoryKeyring | fail.Keyring | None = None,
    **kwargs: object,
) -> tuple[SignInDialog, MemoryKeyring | fail.Keyring]:
    backend = MemoryKeyring() if backend is None else backend
    dialog = SignInDialog(
        workers,
        factory,  # type: ignore[arg-type]
        CredentialStore(backend),
        probe_keyring(backend),
        **kwargs,  # type: ignore[arg-type]
    )
    qtbot.addWidget(dialog)
    return dialog, backend


def fill(
    dialog: SignInDialog,
    url: str,
    username: str,
    client_id: str = "",
    secret: str = "",
    token: str = "",
) -> None:
    dialog.region_combo.setCurrentIndex(dialog.region_combo.findData("custom"))
    dialog.api_url_edit.setText(url)
    dialog.username_edit.setText(username)
    if token:
        dialog.token_radio.setChecked(True)
        dialog.token_edit.setText(token)
    else:
        dialog.client_id_edit.setText(client_id)
        dialog.client_secret_edit.setText(secret)


def run_test(qtbot: QtBot, dialog: SignInDialog) -> tuple[bool, str]:
    with qtbot.waitSignal(dialog.tested, timeout=10_000) as blocker:
        dialog.test_button.click()
    ok, text = blocker.args  # type: ignore[misc]
    assert dialog.result_label.text() == text
    return ok, text


def test_secret_fields_are_masked(qtbot: QtBot, workers: Workers) -> None:
    dialog, _ = make_dialog(qtbot, workers)
    assert dialog.client_secret_edit.echoMode() is QLineEdit.EchoMode.Password
    assert dialog.token_edit.echoMode() is QLineEdit.EchoMode.Password
    assert dialog.client_id_edit.echoMode() is QLineEdit.EchoMode.Normal
    assert "superadmin" in dialog.username_edit.toolTip()
    assert dialog.client_radio.isChecked()  # client credentials are the default


def test_connected_answer_counts_backup_sets_and_saves_nothing_yet(
    qtbot: QtBot, server: DemoServer, workers: Workers
) -> None:
    dialog, backend = make_dialog(qtbot, workers)
    fill(dialog, server.base_url, server.username, server.client_id, server.client_secret)
    assert run_test(qtbot, dialog) == (True, "Connected: 37 backup sets")
    assert isinstance(backend, MemoryKeyring) and backend.values == {}

    with qtbot.waitSignal(dialog.accepted):
        dialog.sign_in_button.click()  # tested with these values already: saves at once
    result = dialog.result_value
    assert result is not None and result.saved and result.backup_sets == 37
    assert result.account.method is AuthMethod.CLIENT_CREDENTIALS
    stored = CredentialStore(backend).load(server.username, result.account.api_host)
    assert stored == StoredCredentials(server.client_id, server.client_secret)


def test_sign_in_tests_first_when_the_form_changed(
    qtbot: QtBot, server: DemoServer, workers: Workers
) -> None:
    dialog, backend = make_dialog(qtbot, workers)
    fill(dialog, server.base_url, server.username, server.client_id, "wrong-secret")
    ok, _ = run_test(qtbot, dialog)
    assert not ok
    dialog.client_secret_edit.setText(server.client_secret)
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        dialog.sign_in_button.click()
    assert dialog.result_value is not None and dialog.result_value.backup_sets == 37
    assert isinstance(backend, MemoryKeyring) and len(backend.values) == 1


def test_bad_secret_is_named_and_not_saved(
    qtbot: QtBot, server: DemoServer, workers: Workers
) -> None:
    dialog, backend = make_dialog(qtbot, workers)
    dialog.show()
    fill(dialog, server.base_url, server.username, server.client_id, "not-the-secret-42")
    with qtbot.waitSignal(dialog.tested, timeout=10_000):
        dialog.sign_in_button.click()  # sign in tests first, and stops on failure
    text = dialog.result_label.text()
    assert text.startswith("Bad client ID or secret:")
    assert "not-the-secret-42" not in text
    assert dialog.isVisible() and dialog.result_value is None
    assert isinstance(backend, MemoryKeyring) and backend.values == {}


def test_wrong_username_is_named(qtbot: QtBot, server: DemoServer, workers: Workers) -> None:
    dialog, _ = make_dialog(qtbot, workers)
    fill(dialog, server.base_url, "employee-login", server.client_id, server.client_secret)
    ok, text = run_test(qtbot, dialog)
    assert not ok and text.startswith("Wrong partner username")


def test_missing_scope_is_named(qtbot: QtBot, server: DemoServer, workers: Workers) -> None:
    dialog, _ = make_dialog(qtbot, workers)
    token = server.issue_token(scopes=("accounts_read",))
    fill(dialog, server.base_url, server.username, token=token)
    ok, text = run_test(qtbot, dialog)
    assert not ok and text.startswith("No partners_read scope:")
    assert token not in text


def test_expired_pasted_token_is_named(qtbot: QtBot, server: DemoServer, workers: Workers) -> None:
    dialog, _ = make_dialog(qtbot, workers)
    fill(dialog, server.base_url, server.username, token="expired-or-made-up-token")
    ok, text = run_test(qtbot, dialog)
    assert not ok and text.startswith("Access token refused (wrong or expired):")


def test_unreachable_host_is_named(qtbot: QtBot, workers: Workers) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again before the test connects: refused
    dialog, _ = make_dialog(qtbot, workers)
    fill(dialog, f"http://127.0.0.1:{port}", "p", "cid", "secret-value")
    ok, text = run_test(qtbot, dialog)
    assert not ok and text.startswith("Server unreachable:")


def test_tls_problem_is_named(qtbot: QtBot, server: DemoServer, workers: Workers) -> None:
    dialog, _ = make_dialog(qtbot, workers)
    https_url = server.base_url.replace("http://", "https://")  # TLS to a plain-HTTP server
    fill(dialog, https_url, server.username, server.client_id, server.client_secret)
    ok, text = run_test(qtbot, dialog)
    assert not ok and text.startswith("TLS problem:")


def test_incomplete_form_is_answered_without_a_request(
    qtbot: QtBot, server: DemoServer, workers: Workers
) -> None:
    dialog, _ = make_dialog(qtbot, workers)
    server.clear_request_log()
    dialog.test_button.click()
    assert dialog.result_label.text() == "Enter the partner username."
    fill(dialog, server.base_url, server.username, server.client_id, "")
    dialog.test_button.click()
    assert dialog.result_label.text() == "Enter both the client ID and the client secret."
    assert not dialog.is_testing() and server.request_log == []


def test_no_keyring_offers_session_only(qtbot: QtBot, server: DemoServer, workers: Workers) -> None:
    dialog, _ = make_dialog(qtbot, workers, fail.Keyring())
    dialog.show()
    assert dialog.keyring_notice.isVisible()
    assert "this session only" in dialog.keyring_notice.text()
    assert dialog.sign_in_button.text() == "Sign in for this session"
    fill(dialog, server.base_url, server.username, server.client_id, server.client_secret)
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        dialog.sign_in_button.click()
    assert dialog.result_value is not None and dialog.result_value.saved is False


def test_a_failed_save_offers_session_only(
    qtbot: QtBot, server: DemoServer, workers: Workers
) -> None:
    dialog, backend = make_dialog(qtbot, workers, SaveFailsKeyring())
    dialog.show()
    assert not dialog.keyring_notice.isVisible()  # the probe (a read) passed
    fill(dialog, server.base_url, server.username, server.client_id, server.client_secret)
    assert run_test(qtbot, dialog)[0]
    dialog.sign_in_button.click()
    assert dialog.result_value is None and dialog.isVisible()
    assert dialog.keyring_notice.isVisible()
    assert "denied access" in dialog.keyring_notice.text()
    assert dialog.session_only_check.isChecked()
    with qtbot.waitSignal(dialog.accepted):
        dialog.sign_in_button.click()
    assert dialog.result_value is not None and dialog.result_value.saved is False
    assert isinstance(backend, MemoryKeyring) and backend.values == {}


def test_token_only_mode_keeps_the_account_and_asks_for_a_token(
    qtbot: QtBot, server: DemoServer, workers: Workers
) -> None:
    account = Account(server.username, AuthMethod.ACCESS_TOKEN, None, server.base_url)
    dialog, backend = make_dialog(qtbot, workers, account=account, token_only=True)
    dialog.show()
    assert dialog.windowTitle() == "Access token expired"
    assert not dialog.username_edit.isEnabled() and dialog.token_edit.isVisible()
    assert dialog.username_edit.text() == server.username
    dialog.token_edit.setText(server.issue_token())
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        dialog.sign_in_button.click()
    assert dialog.result_value is not None
    assert dialog.result_value.account == account
    assert isinstance(backend, MemoryKeyring)
    assert (SERVICE_NAME, account.keyring_account) in backend.values
