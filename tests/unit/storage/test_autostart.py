"""storage.autostart: real files on Linux (XDG), generated content for macOS and Windows."""

from __future__ import annotations

import configparser
import plistlib
import shlex
import sys
import uuid
from pathlib import Path

import pytest

from desktop_app.storage.autostart import (
    AUTOSTART_NAME,
    DESKTOP_FILE_NAME,
    RUN_KEY_PATH,
    LaunchAgentAutostart,
    RunKeyAutostart,
    StartAtLoginRefused,
    WinregRunKey,
    XdgAutostart,
    autostart_for_platform,
    desktop_entry,
    desktop_exec_line,
    launch_agent_plist,
    launch_command,
    run_value,
)

SPACED = ("/opt/My Apps/python3", "-m", "desktop_app", "--minimized")


def test_launch_command_always_starts_minimized() -> None:
    assert launch_command("/usr/bin/python3", frozen=False) == (
        "/usr/bin/python3",
        "-m",
        "desktop_app",
        "--minimized",
    )
    assert launch_command(r"C:\Apps\BSM\bsm.exe", frozen=True) == (
        r"C:\Apps\BSM\bsm.exe",
        "--minimized",
    )


def read_desktop(path: Path) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(path, encoding="utf-8")
    return parser["Desktop Entry"]


def unescape_exec(value: str) -> list[str]:
    # Undo the key file's string escaping, then the Exec quoting (a POSIX-shell-like subset).
    return [a.replace("%%", "%") for a in shlex.split(value.replace("\\\\", "\\"))]


def test_xdg_enable_writes_a_real_desktop_file_and_disable_removes_it(tmp_path: Path) -> None:
    config_home = tmp_path / "config"
    entry = autostart_for_platform(
        "linux",
        home=tmp_path / "home",
        environ={"XDG_CONFIG_HOME": str(config_home)},
        command=SPACED,
    )
    assert isinstance(entry, XdgAutostart)
    assert not entry.is_enabled()
    entry.enable()
    path = config_home / "autostart" / DESKTOP_FILE_NAME
    assert path.is_file() and entry.is_enabled()
    section = read_desktop(path)
    assert section["Type"] == "Application"
    assert section["Name"] == AUTOSTART_NAME
    assert section["Terminal"] == "false"
    assert unescape_exec(section["Exec"]) == list(SPACED)
    entry.enable()  # idempotent
    entry.disable()
    assert not path.exists() and not entry.is_enabled()
    entry.disable()  # nothing to remove is fine
    assert [p.name for p in (config_home / "autostart").iterdir()] == []


@pytest.mark.parametrize("value", ["", "relative/config"])
def test_xdg_falls_back_to_dot_config_when_unset_or_relative(tmp_path: Path, value: str) -> None:
    entry = autostart_for_platform(
        "linux", home=tmp_path, environ={"XDG_CONFIG_HOME": value}, command=SPACED
    )
    assert isinstance(entry, XdgAutostart)
    entry.enable()
    assert (tmp_path / ".config" / "autostart" / DESKTOP_FILE_NAME).is_file()


def test_exec_line_quotes_reserved_characters() -> None:
    assert desktop_exec_line(["/usr/bin/bsm", "--minimized"]) == "/usr/bin/bsm --minimized"
    line = desktop_exec_line(['/home/o"brien/100% $HOME/bsm', "--minimized"])
    assert line == '"/home/o\\\\"brien/100%% \\\\$HOME/bsm" --minimized'
    assert "Exec=/usr/bin/bsm --minimized\n" in desktop_entry(["/usr/bin/bsm", "--minimized"])


def test_launch_agent_plist_content_and_files(tmp_path: Path) -> None:
    data = plistlib.loads(launch_agent_plist(SPACED))
    assert data["ProgramArguments"] == list(SPACED)
    assert data["RunAtLoad"] is True
    assert data["KeepAlive"] is False
    assert data["Label"] == "com.backupstatusmonitor.app"
    entry = autostart_for_platform("darwin", home=tmp_path, command=SPACED)
    assert isinstance(entry, LaunchAgentAutostart)
    entry.enable()
    path = tmp_path / "Library" / "LaunchAgents" / "com.backupstatusmonitor.app.plist"
    assert plistlib.loads(path.read_bytes())["ProgramArguments"] == list(SPACED)
    assert entry.is_enabled()
    entry.disable()
    assert not path.exists()


def test_windows_run_value_quoting() -> None:
    command = (r"C:\Program Files\Backup Status Monitor\bsm.exe", "--minimized")
    assert run_value(command) == r'"C:\Program Files\Backup Status Monitor\bsm.exe" --minimized'
    assert run_value((r"C:\bsm\bsm.exe", "--minimized")) == r"C:\bsm\bsm.exe --minimized"


class DictRegistry:
    """An in-memory Run key: the registry itself is only reachable on Windows."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def get(self, name: str) -> str | None:
        return self.values.get(name)

    def set(self, name: str, value: str) -> None:
        self.values[name] = value

    def delete(self, name: str) -> None:
        self.values.pop(name, None)


def test_windows_run_key_enable_disable() -> None:
    registry = DictRegistry()
    registry.values["Other App"] = "other.exe"
    command = (r"C:\Program Files\BSM\bsm.exe", "--minimized")
    entry = autostart_for_platform("win32", command=command, registry=registry)
    assert isinstance(entry, RunKeyAutostart)
    assert not entry.is_enabled()
    entry.enable()
    assert registry.values[AUTOSTART_NAME] == r'"C:\Program Files\BSM\bsm.exe" --minimized'
    assert entry.is_enabled()
    entry.disable()
    assert registry.values == {"Other App": "other.exe"}


@pytest.mark.skipif(sys.platform != "win32", reason="the real Windows registry")
def test_the_real_run_key_sees_and_removes_an_entry_the_installer_made() -> None:
    """What installer.iss writes (its [Registry] line: same key, name and data) the checkbox
    sees as on and can turn off. A test name keeps a developer's own entry untouched."""
    import winreg

    name = f"{AUTOSTART_NAME} test {uuid.uuid4().hex[:8]}"
    exe = r"C:\Users\Ann Lee\AppData\Local\Programs\Backup Status Monitor\backup-status.exe"
    with winreg.CreateKey(winreg.HKEY_CURRENT_USER, RUN_KEY_PATH) as key:
        winreg.SetValueEx(key, name, 0, winreg.REG_SZ, f'"{exe}" --minimized')
    entry = RunKeyAutostart(WinregRunKey(), launch_command(exe, frozen=True), name=name)
    try:
        assert entry.is_enabled()
        entry.disable()
        assert not entry.is_enabled()
        entry.enable()
        assert WinregRunKey().get(name) == f'"{exe}" --minimized'
    finally:
        entry.disable()
    assert WinregRunKey().get(name) is None


@pytest.mark.skipif(sys.platform == "win32", reason="no registry to refuse")
def test_the_registry_class_refuses_off_windows() -> None:
    with pytest.raises(OSError, match="only on Windows"):
        WinregRunKey().get(AUTOSTART_NAME)


def test_a_pip_install_on_windows_starts_at_login_without_a_console(tmp_path: Path) -> None:
    scripts = tmp_path / "venv" / "Scripts"
    scripts.mkdir(parents=True)
    python = scripts / "python.exe"
    python.write_bytes(b"")
    assert launch_command(str(python), frozen=False, platform="win32")[0] == str(python)
    (scripts / "pythonw.exe").write_bytes(b"")  # the windowed interpreter beside it
    assert launch_command(str(python), frozen=False, platform="win32") == (
        str(scripts / "pythonw.exe"),
        "-m",
        "desktop_app",
        "--minimized",
    )
    assert launch_command(str(python), frozen=False, platform="darwin")[0] == str(python)


def test_a_translocated_mac_app_refuses_to_start_at_login(tmp_path: Path) -> None:
    app = "/private/var/folders/x/AppTranslocation/1A2B/d/Backup Status Monitor.app"
    entry = autostart_for_platform(
        "darwin", home=tmp_path, command=(f"{app}/Contents/MacOS/backup-status", "--minimized")
    )
    with pytest.raises(StartAtLoginRefused, match="Move the app to your Applications folder"):
        entry.enable()
    assert not entry.is_enabled() and not (tmp_path / "Library").exists()
    moved = "/Applications/Backup Status Monitor.app/Contents/MacOS/backup-status"
    entry = autostart_for_platform("darwin", home=tmp_path, command=(moved, "--minimized"))
    entry.enable()
    assert entry.is_enabled()
