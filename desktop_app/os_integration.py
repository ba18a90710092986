"""Qt-free facts and calls about how the OS sees the app: Windows identity, macOS locations.

Windows groups taskbar buttons and names toast notifications by the AppUserModelID; without
one, toasts come from "python" or the exe's file name. The process sets it before any window
exists and the installer puts the same ID on the Start Menu shortcut
(packaging/windows/installer.iss, checked by a test).

macOS runs an app opened straight from a download or a disk image from a random read-only
"App Translocation" path. A login item pointing there breaks at the next login, so start at
login refuses such a copy and says to move the app to Applications first.
"""

from __future__ import annotations

import sys

APP_USER_MODEL_ID = "BackupStatusMonitor.BackupStatusMonitor"
"""CompanyName.ProductName, as Windows recommends; never change it (pinned icons use it)."""

TRANSLOCATION_MARKER = "/AppTranslocation/"
MOVE_TO_APPLICATIONS = (
    "macOS is running this copy of Backup Status Monitor from a temporary location, so it "
    "cannot start at login. Move the app to your Applications folder, open it from there, "
    "and turn this on again."
)


def set_app_user_model_id(app_id: str = APP_USER_MODEL_ID) -> bool:
    """Give this process its Windows identity; False elsewhere or when Windows refuses."""
    if sys.platform != "win32":
        return False
    import ctypes

    shell32 = ctypes.WinDLL("shell32")
    return bool(shell32.SetCurrentProcessExplicitAppUserModelID(ctypes.c_wchar_p(app_id)) == 0)


def current_app_user_model_id() -> str | None:
    """The ID Windows has for this process (None when unset or not on Windows)."""
    if sys.platform != "win32":
        return None
    import ctypes
    from ctypes import wintypes

    shell32 = ctypes.WinDLL("shell32")
    ole32 = ctypes.WinDLL("ole32")
    value = wintypes.LPWSTR()
    if shell32.GetCurrentProcessExplicitAppUserModelID(ctypes.byref(value)) != 0:
        return None
    try:
        return value.value
    finally:
        ole32.CoTaskMemFree(value)


def translocated(executable: str) -> bool:
    """True when macOS runs this app from an App Translocation mount."""
    return TRANSLOCATION_MARKER in executable
