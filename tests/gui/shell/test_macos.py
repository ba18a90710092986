"""macOS conventions (ui.shell.macos), tested through their platform seam on any OS."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication, QMainWindow, QSystemTrayIcon
from pytestqt.qtbot import QtBot

from desktop_app.report.status import ConditionStatus as S
from desktop_app.ui.icons import IconProvider
from desktop_app.ui.shell.macos import DockReopen, click_opens_window, notifications_can_post
from desktop_app.ui.tray.controller import TrayController
from tests.gui.conftest import REPORT_DATE
from tests.gui.tray.test_controller import BASE, report
from tests.support import REPO_ICONS

Reason = QSystemTrayIcon.ActivationReason


def test_a_click_opens_the_window_except_on_the_macos_menu_bar() -> None:
    for platform in ("win32", "linux"):
        assert click_opens_window(Reason.Trigger, platform)
        assert click_opens_window(Reason.DoubleClick, platform)
        assert not click_opens_window(Reason.Context, platform)
    assert not any(click_opens_window(r, "darwin") for r in (Reason.Trigger, Reason.DoubleClick))


@pytest.fixture
def tray(qapp: QApplication) -> Iterator[TrayController]:
    controller = TrayController(
        IconProvider(icon_dir=REPO_ICONS), now=lambda: REPORT_DATE, monochrome=False
    )
    yield controller
    controller.hide()


def test_the_menu_bar_icon_click_does_not_open_the_window(
    qtbot: QtBot, tray: TrayController
) -> None:
    tray.platform = "darwin"
    with qtbot.assertNotEmitted(tray.open_requested, wait=50):
        tray.tray.activated.emit(Reason.Trigger)
    tray.platform = "win32"
    with qtbot.waitSignal(tray.open_requested, timeout=1000):
        tray.tray.activated.emit(Reason.Trigger)


def _activate(app: QApplication) -> None:
    QApplication.sendEvent(app, QEvent(QEvent.Type.ApplicationActivate))


def test_a_dock_click_brings_back_a_window_closed_to_the_tray(
    qtbot: QtBot, qapp: QApplication
) -> None:
    window = QMainWindow()
    qtbot.addWidget(window)
    dock = DockReopen(qapp, window.isHidden, platform="darwin")
    try:
        dock.reopen_requested.connect(window.show)
        window.show()
        with qtbot.assertNotEmitted(dock.reopen_requested, wait=50):
            _activate(qapp)  # visible already: nothing to do
        window.hide()  # closed to the tray
        with qtbot.waitSignal(dock.reopen_requested, timeout=1000):
            _activate(qapp)
        assert window.isVisible()
    finally:
        dock.close()
    window.hide()
    with qtbot.assertNotEmitted(dock.reopen_requested, wait=50):
        _activate(qapp)  # closed: no longer listening


def test_other_platforms_do_not_watch_activation(qtbot: QtBot, qapp: QApplication) -> None:
    dock = DockReopen(qapp, lambda: True, platform="win32")
    with qtbot.assertNotEmitted(dock.reopen_requested, wait=50):
        _activate(qapp)
    dock.close()


def test_refused_notifications_go_to_the_tooltip(qtbot: QtBot, tray: TrayController) -> None:
    tray.can_post = False
    tray.show_report(report(*BASE))
    failing = (BASE[0]._replace(condition_status=S.FAILURE), *BASE[1:])
    with qtbot.waitSignal(tray.notified):
        tray.show_report(report(*failing, at=REPORT_DATE + timedelta(minutes=15)))
    assert tray.tooltip().splitlines()[-1] == "1 new failure: acme / MAIL01 / Exchange"


def test_only_a_developer_id_signed_mac_app_posts_notifications(qapp: QApplication) -> None:
    if not QSystemTrayIcon.supportsMessages():
        pytest.skip("this Qt platform shows no notifications at all")
    exe = "/Applications/Backup Status Monitor.app/Contents/MacOS/backup-status"
    seen: list[Path] = []

    def signed(text: str):  # type: ignore[no-untyped-def]
        return lambda bundle: (seen.append(bundle), text)[1]

    developer = signed("Authority=Developer ID Application: Example Ltd (TEAM123456)")
    assert notifications_can_post("darwin", exe, frozen=True, signature=developer)
    assert seen == [Path("/Applications/Backup Status Monitor.app")]
    assert not notifications_can_post("darwin", exe, True, signature=signed("Signature=adhoc"))
    assert notifications_can_post("win32", exe, frozen=True, signature=signed(""))


def test_no_notification_support_means_the_tooltip(qapp: QApplication) -> None:
    if QSystemTrayIcon.supportsMessages():
        pytest.skip("this Qt platform shows notifications")
    assert not notifications_can_post("win32", "x", frozen=True)
