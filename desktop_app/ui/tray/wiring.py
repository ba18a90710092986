"""The tray put on the desktop: the icon shown, closing the window then only hiding it, and on
macOS a Dock click bringing the window back."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from desktop_app.report.derived import StaleRule
from desktop_app.ui.icons import IconProvider
from desktop_app.ui.shell.macos import DockReopen, notifications_can_post
from desktop_app.ui.shell.main_window import MainWindow
from desktop_app.ui.tray.controller import TrayController
from desktop_app.ui.workers import Workers

__all__ = ["attach_tray"]


def attach_tray(
    app: QApplication,
    window: MainWindow,
    workers: Workers,
    icons: IconProvider,
    settings: QSettings,
    *,
    now: Callable[[], datetime],
    rule: StaleRule,
    pause: Callable[[], None],
    delay: float,
    open_window: Callable[[], None],
    closers: list[Callable[[], None]],
) -> TrayController:
    """``pause`` and ``delay``: large reports are compared on a worker, paced, a moment late."""
    tray = TrayController(
        icons,
        now=now,
        workers=workers,
        settings=settings,
        rule=rule,
        can_post=notifications_can_post(),
        pause=pause,
        delay=delay,
    )
    closers.append(tray.close)
    tray.open_requested.connect(open_window)
    window.set_close_handler(tray.close_hides_window)
    app.setQuitOnLastWindowClosed(False)
    dock = DockReopen(app, window.isHidden, parent=window)
    dock.reopen_requested.connect(open_window)
    closers.append(dock.close)
    tray.show()
    return tray
