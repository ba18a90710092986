"""Signing in as a user does it: Enter after "Test connection" signs in (never cancels), what
was typed survives a cancelled dialog, and signing in downloads the report once (the test's
download is the report shown). Real demo API on 127.0.0.1, real in-memory keyring."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from desktop_app.app import AppOptions, AppParts, build
from desktop_app.demo.server import DemoServer
from desktop_app.ui.account.sign_in_dialog import SignInDialog
from tests.support import MemoryKeyring

from .test_account_flow import fill_custom

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support raise")


@pytest.fixture
def server() -> Iterator[DemoServer]:
    with DemoServer(rows=40, evolve=False) as demo:
        yield demo


@pytest.fixture
def parts(qtbot: QtBot, tmp_path: Path) -> Iterator[AppParts]:
    options = AppOptions(
        demo=False, settings_path=tmp_path / "s.ini", tray=False, keyring_backend=MemoryKeyring()
    )
    built = build(options)
    qtbot.addWidget(built.window)
    yield built
    built.close()


def dialog_of(parts: AppParts) -> SignInDialog:
    assert parts.account is not None
    dialog = parts.account.dialog
    assert dialog is not None and dialog.isVisible()
    return dialog


def report_requests(server: DemoServer) -> int:
    return sum(1 for r in server.request_log if "backup_status" in r.path)


def default_button(dialog: SignInDialog) -> QPushButton | None:
    for button in dialog.findChildren(QPushButton):
        if button.isDefault():
            return button
    return None


def test_enter_after_test_connection_signs_in_and_downloads_the_report_once(
    qtbot: QtBot, parts: AppParts, server: DemoServer
) -> None:
    dialog = dialog_of(parts)
    fill_custom(dialog, server)
    dialog.client_secret_edit.setFocus()
    with qtbot.waitSignal(dialog.tested, timeout=10_000) as tested:
        qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    assert tested.args[0] is True
    assert default_button(dialog) is dialog.sign_in_button
    assert dialog.cancel_button is not None and not dialog.cancel_button.autoDefault()
    focused = dialog.focusWidget()  # the dialog's own focus (offscreen windows are not active)
    assert focused is not None and focused is not dialog.cancel_button
    assert report_requests(server) == 1  # the test fetched the report

    with qtbot.waitSignal(parts.refresh.report_ready, timeout=10_000):
        qtbot.keyClick(focused, Qt.Key.Key_Return)
    assert parts.account is not None and parts.account.signed_in
    assert parts.model.total_rows() == 40
    with qtbot.assertNotEmitted(parts.refresh.report_ready, wait=500):
        pass
    assert report_requests(server) == 1  # the tested report is the one shown


def test_what_was_typed_survives_a_cancelled_dialog(
    qtbot: QtBot, parts: AppParts, server: DemoServer
) -> None:
    dialog = dialog_of(parts)
    fill_custom(dialog, server)
    dialog.reject()
    assert parts.account is not None
    qtbot.waitUntil(lambda: parts.account is not None and parts.account.dialog is None)
    parts.account.edit_action.trigger()
    again = dialog_of(parts)
    assert again is not dialog
    assert again.region_combo.currentData() == "custom"
    assert again.api_url_edit.text() == server.base_url
    assert again.username_edit.text() == server.username
    assert again.client_id_edit.text() == server.client_id
    assert again.client_secret_edit.text() == server.client_secret  # memory only, never disk
