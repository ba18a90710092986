"""The Windows identity of the process (toasts, taskbar) and macOS App Translocation."""

from __future__ import annotations

import subprocess
import sys

import pytest

from desktop_app.os_integration import (
    APP_USER_MODEL_ID,
    current_app_user_model_id,
    set_app_user_model_id,
    translocated,
)


@pytest.mark.skipif(sys.platform != "win32", reason="a Windows shell call")
def test_windows_takes_the_app_user_model_id() -> None:
    # In a child process: the ID belongs to the process for good.
    code = (
        "from desktop_app.os_integration import *\n"
        "print(current_app_user_model_id(), set_app_user_model_id(), current_app_user_model_id())"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    ).stdout.split()
    assert out[1] == "True"  # Windows took it
    if not _under_wine():  # Wine stores it but its Get... is a stub: windows-latest checks it
        assert out == ["None", "True", APP_USER_MODEL_ID]


def _under_wine() -> bool:
    import ctypes

    return hasattr(ctypes.WinDLL("ntdll"), "wine_get_version")


@pytest.mark.skipif(sys.platform == "win32", reason="the off-Windows answer")
def test_elsewhere_there_is_no_app_user_model_id() -> None:
    assert set_app_user_model_id() is False
    assert current_app_user_model_id() is None


def test_translocation_is_recognised_by_its_mount_path() -> None:
    assert translocated("/private/var/folders/ab/T/AppTranslocation/9F/d/X.app/Contents/MacOS/x")
    assert not translocated("/Applications/Backup Status Monitor.app/Contents/MacOS/backup-status")
