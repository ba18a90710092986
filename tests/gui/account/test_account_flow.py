"""The whole app outside demo mode: first-run sign-in, restart, session-only, sign-out, expired
tokens, and the proof that secrets reach no file. Real demo API on 127.0.0.1, real INI file, a
real keyring backend kept in memory, and the real log file at DEBUG."""

from __future__ import annotations

import io
import logging
import zipfile
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from keyring.backends import fail
from PySide6.QtCore import QSettings
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from desktop_app import app_version
from desktop_app.app import AppOptions, AppParts, build
from desktop_app.demo.server import REPORT_SCOPE, DemoServer
from desktop_app.logging_setup import LOG_FILE_NAME, LoggingHandle, configure_logging
from desktop_app.storage.credentials import SERVICE_NAME
from desktop_app.ui.account.controller import AccountController
from desktop_app.ui.account.sign_in_dialog import SignInDialog
from desktop_app.ui.exporting.diagnostics_dialog import DiagnosticsDialog
from desktop_app.ui.refresh.restored_report import recorded_when
from desktop_app.ui.shell.about_dialog import AboutDialog
from desktop_app.ui.tray.controller import NO_DATA
from tests.support import MemoryKeyring

CLIENT_SECRET = "cs-Zq9/+w=Very$ecret!"
ROWS = 25


class RecordingServer(DemoServer):
    """The demo API, remembering every access token it issues (to look for them in files)."""

    def __init__(self) -> None:
        super().__init__(rows=ROWS, evolve=False, client_secret=CLIENT_SECRET)
        self.issued: list[str] = []

    def issue_token(self, scopes: tuple[str, ...] = (REPORT_SCOPE,)) -> str:
        token = super().issue_token(scopes)
        self.issued.append(token)
        return token


@pytest.fixture
def server() -> Iterator[RecordingServer]:
    with RecordingServer() as demo:
        yield demo


@pytest.fixture
def log_handle(tmp_path: Path) -> Iterator[LoggingHandle]:
    handle = configure_logging(tmp_path / "logs", debug=True)
    yield handle
    handle.close()


AppFactory = Callable[..., AppParts]


@pytest.fixture
def start_app(qtbot: QtBot, tmp_path: Path, log_handle: LoggingHandle) -> Iterator[AppFactory]:
    built: list[AppParts] = []

    def start(backend: object) -> AppParts:
        options = AppOptions(
            demo=False,
            settings_path=tmp_path / "settings.ini",
            tray=False,
            keyring_backend=backend,  # type: ignore[arg-type]
            logging=log_handle,
        )
        parts = build(options)
        qtbot.addWidget(parts.window)
        built.append(parts)
        return parts

    yield start
    for parts in built:
        parts.close()


def account_of(parts: AppParts) -> AccountController:
    assert parts.account is not None
    return parts.account


def sign_in_dialog(parts: AppParts) -> SignInDialog:
    dialog = account_of(parts).dialog
    assert dialog is not None and dialog.isVisible()
    return dialog


def fill_custom(dialog: SignInDialog, server: DemoServer, *, token: str | None = None) -> None:
    dialog.region_combo.setCurrentIndex(dialog.region_combo.findData("custom"))
    dialog.api_url_edit.setText(server.base_url)
    dialog.username_edit.setText(server.username)
    if token is None:
        dialog.client_id_edit.setText(server.client_id)
        dialog.client_secret_edit.setText(server.client_secret)
    else:
        dialog.token_radio.setChecked(True)
        dialog.token_edit.setText(token)


def sign_in(qtbot: QtBot, parts: AppParts, server: DemoServer, token: str | None = None) -> None:
    dialog = sign_in_dialog(parts)
    fill_custom(dialog, server, token=token)
    with qtbot.waitSignal(parts.refresh.report_ready, timeout=10_000):
        dialog.sign_in_button.click()


def secret_forms(server: RecordingServer) -> set[str]:
    """The client secret and every token issued, as written and URL-encoded."""
    secrets = [CLIENT_SECRET, *server.issued]
    return {f for s in secrets for f in (s, quote_plus(s), quote(s, safe=""))}


def files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def test_first_run_signs_in_and_no_secret_reaches_any_file(
    qtbot: QtBot,
    tmp_path: Path,
    server: RecordingServer,
    start_app: AppFactory,
    log_handle: LoggingHandle,
) -> None:
    backend = MemoryKeyring()
    parts = start_app(backend)
    assert parts.model.total_rows() == 0
    sign_in(qtbot, parts, server)
    assert parts.model.total_rows() == ROWS
    account = account_of(parts)
    assert account.signed_in and not account.session_only
    assert account.status_action.text().startswith(f"Signed in: {server.username}")
    assert list(backend.values) == [(SERVICE_NAME, f"{server.username}@{server.base_url[7:]}")]
    parts.close()  # writes the window state and flushes the settings

    assert server.issued, "the app obtained at least one token"
    log_text = (tmp_path / "logs" / LOG_FILE_NAME).read_text(encoding="utf-8")
    assert "DEBUG" in log_text and "POST" in log_text  # the log really recorded the sign-in
    forms = secret_forms(server)
    checked = files_under(tmp_path)
    assert tmp_path / "settings.ini" in checked and log_handle.log_file in checked
    for path in checked:
        data = path.read_bytes()
        for form in forms:
            assert form.encode() not in data, f"a secret was written to {path.name}"
    ini = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    assert ini.value("account/username") == server.username


def test_restart_uses_the_saved_account_without_asking(
    qtbot: QtBot, server: DemoServer, start_app: AppFactory
) -> None:
    backend = MemoryKeyring()
    first = start_app(backend)
    sign_in(qtbot, first, server)
    first.close()

    second = start_app(backend)  # same settings file, same keyring
    assert account_of(second).dialog is None
    with qtbot.waitSignal(second.refresh.report_ready, timeout=10_000):
        pass
    assert second.model.total_rows() == ROWS


def test_saved_account_without_its_secret_asks_with_the_form_filled(
    qtbot: QtBot, server: DemoServer, start_app: AppFactory
) -> None:
    backend = MemoryKeyring()
    first = start_app(backend)
    sign_in(qtbot, first, server)
    first.close()
    backend.values.clear()  # the entry was removed outside the app

    second = start_app(backend)
    dialog = sign_in_dialog(second)
    assert dialog.username_edit.text() == server.username
    assert dialog.api_url_edit.text() == server.base_url
    assert dialog.client_secret_edit.text() == ""


def test_no_keyring_means_session_only_with_a_banner_and_asking_again(
    qtbot: QtBot, server: DemoServer, start_app: AppFactory
) -> None:
    parts = start_app(fail.Keyring())
    dialog = sign_in_dialog(parts)
    assert dialog.keyring_notice.isVisible()
    sign_in(qtbot, parts, server)
    account = account_of(parts)
    assert account.session_only and account.banner.isVisible()
    assert "asked for it again at the next start" in account.banner.label.text()
    assert "(session only)" in account.status_action.text()
    parts.close()

    again = start_app(fail.Keyring())
    dialog = sign_in_dialog(again)
    assert dialog.username_edit.text() == server.username  # the account (no secret) was kept
    assert dialog.client_secret_edit.text() == ""


def test_sign_out_deletes_the_secret_and_clears_the_table(
    qtbot: QtBot,
    server: DemoServer,
    start_app: AppFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    backend = MemoryKeyring()
    parts = start_app(backend)
    sign_in(qtbot, parts, server)
    account = account_of(parts)
    assert account.sign_out_action.isEnabled()
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    with qtbot.waitSignal(account.signed_out):
        account.sign_out_action.trigger()
    assert backend.values == {}
    assert parts.model.total_rows() == 0 and parts.refresh.last_report is None
    assert account.status_action.text() == "Not signed in"
    assert not account.sign_out_action.isEnabled()
    assert account.edit_action.text() == "&Sign in…"
    parts.settings.sync()
    ini = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    assert ini.value("account/username") is None


def test_expired_pasted_token_asks_for_a_new_one_and_keeps_the_report(
    qtbot: QtBot, server: DemoServer, start_app: AppFactory
) -> None:
    parts = start_app(MemoryKeyring())
    sign_in(qtbot, parts, server, token=server.issue_token())
    assert parts.model.total_rows() == ROWS
    server.revoke_tokens()  # the hour is over
    with qtbot.waitSignal(parts.refresh.refresh_failed, timeout=10_000) as failed:
        parts.refresh.refresh()
    assert failed.args[0].status == 401  # type: ignore[index]
    dialog = sign_in_dialog(parts)
    assert dialog.windowTitle() == "Access token expired"
    assert parts.model.total_rows() == ROWS and parts.window.is_stale()

    dialog.token_edit.setText(server.issue_token())
    with qtbot.waitSignal(parts.refresh.report_ready, timeout=10_000):
        dialog.sign_in_button.click()
    assert not parts.window.is_stale()
    assert account_of(parts).dialog is None


def test_client_credentials_renew_silently(
    qtbot: QtBot, server: RecordingServer, start_app: AppFactory
) -> None:
    parts = start_app(MemoryKeyring())
    sign_in(qtbot, parts, server)
    issued = len(server.issued)
    server.revoke_tokens()
    with qtbot.waitSignal(parts.refresh.report_ready, timeout=10_000):
        parts.refresh.refresh()
    assert len(server.issued) == issued + 1 and account_of(parts).dialog is None


def test_menus_settings_shortcut_and_about(
    qtbot: QtBot, start_app: AppFactory, log_handle: LoggingHandle
) -> None:
    parts = start_app(MemoryKeyring())
    window = parts.window
    account_of(parts).dialog.reject()  # type: ignore[union-attr]
    assert window.settings_action.shortcut() == QKeySequence("Ctrl+,")
    texts = [a.text() for a in window.account_menu.actions() if not a.isSeparator()]
    assert texts == ["Not signed in", "&Sign in…", "Other si&gn-ins…", "Sign &out"]
    help_texts = [a.text() for a in window.help_menu.actions()]
    assert "Open &log folder" in help_texts and "&About" in help_texts

    window.settings_action.trigger()
    assert parts.settings_controller is not None
    settings_dialog = parts.settings_controller.dialog
    assert settings_dialog is not None and settings_dialog.isVisible()
    settings_dialog.refresh_spin.setValue(3)
    settings_dialog.accept()
    assert parts.auto_refresh is not None and parts.auto_refresh.schedule.interval == 180

    window.about_action.trigger()
    about = window.findChild(AboutDialog)
    assert about is not None and about.isVisible()
    assert about.values["versionValue"].text() == app_version()
    assert about.values["logDirValue"].text() == str(log_handle.log_dir)
    about.reject()


def test_debug_log_records_the_flow(
    qtbot: QtBot, server: DemoServer, start_app: AppFactory, log_handle: LoggingHandle
) -> None:
    parts = start_app(MemoryKeyring())
    sign_in(qtbot, parts, server)
    for handler in log_handle.handlers:
        handler.flush()
    text = log_handle.log_file.read_text(encoding="utf-8")
    assert "Keyring:" in text and "GET http://127.0.0.1" in text
    assert logging.getLogger().level == logging.DEBUG


# The offscreen platform has no tray window to follow; it says so, harmlessly.
@pytest.mark.qt_log_ignore("systemTrayWindowChanged")
def test_auto_refresh_and_tray_follow_the_account(
    qtbot: QtBot,
    server: DemoServer,
    tmp_path: Path,
    log_handle: LoggingHandle,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    options = AppOptions(
        demo=False,
        settings_path=tmp_path / "settings.ini",
        tray=True,
        keyring_backend=MemoryKeyring(),
        logging=log_handle,
    )
    parts = build(options)
    qtbot.addWidget(parts.window)
    try:
        auto, tray = parts.auto_refresh, parts.tray
        assert auto is not None and tray is not None
        # First run: nothing to refresh until signed in, and the status bar says why.
        assert not auto.running
        assert auto.status_text() == "Auto-refresh off: not signed in"
        assert tray.worst_state() == NO_DATA  # neutral, never a green "all OK" unsigned
        sign_in(qtbot, parts, server)
        assert auto.running
        qtbot.waitUntil(lambda: "next at" in auto.status_text())
        qtbot.waitUntil(lambda: tray.worst_state() not in ("UNKNOWN", NO_DATA))
        assert "Last refresh" in tray.tooltip()

        monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
        account_of(parts).sign_out_action.trigger()
        assert not auto.running and auto.due_in() is None
        assert auto.status_text() == "Auto-refresh off: not signed in"
        assert tray.worst_state() == NO_DATA and tray.failure_count() == 0
        assert "Not signed in" in tray.tooltip() and "Last refresh" not in tray.tooltip()
        # A late "cancelled" from the fetch stopped by signing out does not re-arm the timer.
        qtbot.wait(50)
        assert auto.status_text() == "Auto-refresh off: not signed in"
    finally:
        parts.close()


def test_after_a_restart_with_the_api_down_the_last_report_is_shown_with_its_age(
    qtbot: QtBot, server: RecordingServer, start_app: AppFactory
) -> None:
    """Never an empty window: the last recorded report is on screen at once, marked with its
    age, and stays (with the banner's reason) when the fetch fails."""
    backend = MemoryKeyring()
    first = start_app(backend)
    sign_in(qtbot, first, server)
    seen = first.refresh.last_report
    history = first.history
    assert seen is not None and history is not None
    qtbot.waitUntil(lambda: history.store is not None and history.store.last_refresh() is not None)
    first.close()
    server.stop()  # the API is down

    parts = start_app(backend)
    failed: list[object] = []
    parts.refresh.refresh_failed.connect(failed.append)
    restored = parts.restored
    assert restored is not None
    qtbot.waitUntil(lambda: parts.model.total_rows() == ROWS, timeout=10_000)
    assert restored.notice.isVisible()
    when = recorded_when(seen.fetched_at or local_now(), local_now())
    assert restored.notice.text().startswith(f"Showing the last recorded report, from {when}")
    views = parts.problems
    assert views is not None  # the restored report's states (stale, missing) are derived too
    qtbot.waitUntil(lambda: views.history.states is not None)
    qtbot.waitUntil(lambda: bool(failed), timeout=15_000)
    assert parts.model.total_rows() == ROWS  # it stays
    assert parts.window.banner.isVisible() and "refused" in parts.window.banner.message()
    assert "the refresh failed" in restored.notice.text()
    assert parts.window.is_stale()


def local_now() -> datetime:
    return datetime.now().astimezone()


def test_saved_diagnostics_hold_no_secret_or_token(
    qtbot: QtBot,
    tmp_path: Path,
    server: RecordingServer,
    start_app: AppFactory,
    log_handle: LoggingHandle,
) -> None:
    """Help > Save diagnostics with real secrets in play: the client secret and every issued
    token planted in the log file (past the log's own masking) and in a computer name the
    server sends; with names kept (the box unticked), none of them reaches the zip."""
    rows = server.data.rows
    server.data.rows = (
        lambda: (  # type: ignore[method-assign]
            rows()[0]._replace(computer_name=f"PC {CLIENT_SECRET}"),
            *rows()[1:],
        )
    )
    parts = start_app(MemoryKeyring())
    sign_in(qtbot, parts, server)
    with log_handle.log_file.open("a", encoding="utf-8") as log:
        log.write(f"planted: {CLIENT_SECRET} Authorization: OAuth {server.issued[-1]}\n")
    parts.window.diagnostics_action.trigger()
    dialog = parts.window.findChild(DiagnosticsDialog)
    assert dialog is not None and dialog.isVisible()
    assert dialog.anonymise.isChecked()  # names are replaced unless the user unticks
    dialog.anonymise.setChecked(False)
    target = tmp_path / "support.zip"
    dialog.choose_path = lambda _parent, _name: str(target)
    with qtbot.waitSignal(dialog.saved, timeout=15_000):
        dialog.save_button.click()
    data = target.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        texts = {name: archive.read(name) for name in archive.namelist()}
    for form in secret_forms(server):
        assert form.encode() not in data
        for name, text in texts.items():
            assert form.encode() not in text, f"a secret is in {name}"
    assert b"planted: ***" in texts["log.txt"]
    assert b"PC ***" in texts["first_rows.json"]  # the real names are kept, the secret is not
    assert server.username.encode() in texts["settings.json"]
