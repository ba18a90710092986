"""The Windows installer and the app agree: one start-at-login entry, one AppUserModelID.

Inno Setup runs only on the Windows runner; what must match the app is read from the script.
"""

from __future__ import annotations

import re

from desktop_app.os_integration import APP_USER_MODEL_ID
from desktop_app.storage.autostart import (
    AUTOSTART_NAME,
    RUN_KEY_PATH,
    launch_command,
    run_value,
)
from tests.packaging.conftest import ROOT

SCRIPT = (ROOT / "packaging" / "windows" / "installer.iss").read_text(encoding="utf-8")
APP_DIR = r"C:\Users\Ann Lee\AppData\Local\Programs\Backup Status Monitor"


def _define(name: str) -> str:
    match = re.search(rf'^#define {name} "(.*)"$', SCRIPT, re.MULTILINE)
    assert match, name
    return match.group(1)


def _expand(text: str) -> str:
    """Inno's preprocessor defines and the {app} constant, as the installer would."""
    text = re.sub(r"\{#(\w+)\}", lambda m: _define(m.group(1)), text)
    return text.replace("{app}", APP_DIR)


def _unquote(value: str) -> str:
    """An Inno string: outer quotes dropped, doubled quotes inside made single."""
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    return value.replace('""', '"')


def _entries(section: str) -> list[dict[str, str]]:
    body = SCRIPT.split(f"[{section}]\n", 1)[1].split("\n[", 1)[0].replace("\\\n", "")
    entries = []
    for line in body.splitlines():
        if not line.strip() or line.lstrip().startswith(";"):
            continue
        fields = re.findall(r'(\w+):\s*("(?:[^"]|"")*"|[^;]+)', line)
        entries.append({k: _unquote(v.strip()) for k, v in fields})
    return entries


def test_start_at_login_is_the_run_value_the_app_reads_and_writes() -> None:
    (entry,) = _entries("Registry")
    assert (entry["Root"], _expand(entry["Subkey"])) == ("HKCU", RUN_KEY_PATH)
    assert _expand(entry["ValueName"]) == AUTOSTART_NAME
    exe = APP_DIR + "\\" + _define("AppExe")
    assert _expand(entry["ValueData"]) == run_value(launch_command(exe, frozen=True))
    assert entry["Tasks"] == "startatlogin"


def test_uninstall_removes_the_run_value_whoever_made_it() -> None:
    code = SCRIPT.split("[Code]", 1)[1]
    assert re.search(
        r"if CurUninstallStep = usUninstall then\s+RegDeleteValue\(HKCU, '\{#RunKey\}', "
        r"'\{#AppName\}'\);",
        code,
    )
    assert not _entries("Icons")[1:]  # no Startup-folder shortcut the app could not see


def test_start_menu_shortcut_carries_the_apps_user_model_id() -> None:
    (shortcut,) = _entries("Icons")
    assert shortcut["Name"] == "{autoprograms}\\{#AppName}"
    assert _expand(shortcut["AppUserModelID"]) == APP_USER_MODEL_ID


def test_installer_and_uninstaller_are_signed_when_a_sign_command_is_given() -> None:
    block = SCRIPT.split("#ifdef SignCommand", 1)[1].split("#endif", 1)[0]
    assert "SignTool=bsmsign" in block and "SignedUninstaller=yes" in block
