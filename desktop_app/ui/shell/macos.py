"""macOS conventions the tray app follows, each behind a ``platform`` argument so the logic is
tested on any OS (the real Dock, menu bar and Notification Center exist only on a Mac).

* A Dock click activates the app: if its window was closed to the menu bar, it comes back.
* A click on a menu-bar icon opens its menu and nothing else (the window opens from the menu).
* Notification Center accepts notifications only from a properly signed app, after the user
  allowed them; Qt asks for that permission the first time the app posts. Where posting cannot
  work (no notification support, or an unsigned or ad-hoc signed build), the latest change is
  shown in the menu-bar icon's tooltip instead.
"""

from __future__ import annotations

import functools
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Signal
from PySide6.QtWidgets import QSystemTrayIcon

_OPENING_CLICKS = (
    QSystemTrayIcon.ActivationReason.Trigger,
    QSystemTrayIcon.ActivationReason.DoubleClick,
)


def click_opens_window(
    reason: QSystemTrayIcon.ActivationReason, platform: str = sys.platform
) -> bool:
    """Windows and Linux: a click or double click on the tray icon opens the window."""
    return platform != "darwin" and reason in _OPENING_CLICKS


class DockReopen(QObject):
    """Asks for the window when the app is activated (a Dock click) while it is hidden.

    Signals:
        reopen_requested(): the window should come back.
    """

    reopen_requested = Signal()

    def __init__(
        self,
        app: QCoreApplication,
        window_hidden: Callable[[], bool],
        platform: str = sys.platform,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._window_hidden = window_hidden
        self._app = app if platform == "darwin" else None
        if self._app is not None:
            self._app.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ApplicationActivate and self._window_hidden():
            self.reopen_requested.emit()
        return False

    def close(self) -> None:
        if self._app is not None:
            self._app.removeEventFilter(self)
            self._app = None


def notifications_can_post(
    platform: str = sys.platform,
    executable: str = sys.executable,
    frozen: bool | None = None,
    signature: Callable[[Path], str] | None = None,
) -> bool:
    """Whether posting a notification can reach the user (else: the tooltip carries it)."""
    if not QSystemTrayIcon.supportsMessages():
        return False
    frozen = bool(getattr(sys, "frozen", False)) if frozen is None else frozen
    if platform != "darwin" or not frozen:
        return True
    bundle = next((p for p in Path(executable).parents if p.suffix == ".app"), None)
    if bundle is None:
        return True
    details = (signature or _codesign_details)(bundle)
    return "Authority=Developer ID Application" in details


@functools.cache
def _codesign_details(bundle: Path) -> str:
    """``codesign -dv`` output: names the signing authority, or says "adhoc"."""
    try:
        proc = subprocess.run(
            ["codesign", "-dv", "--verbose=2", str(bundle)],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return proc.stderr + proc.stdout
