"""The app as a user runs it on a desktop with a system tray: a real process on Xvfb + openbox +
trayer, driven with xdotool. Quit always quits (and saves first); closing the window only hides
it to the tray; SIGTERM (a logout) saves and exits.

Each test starts ``python -m desktop_app --demo`` with a private home folder, so its settings
file is fresh; "saved" means the keys that only ``MainWindow.save_state`` writes are there.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from desktop_app import APP_NAME
from tests.tray_desktop import TrayDesktop, app_environment

QUIT_SECONDS = 2.0
SETTINGS = Path(".config") / APP_NAME / f"{APP_NAME}.conf"
LOG = Path(".local") / "state" / APP_NAME / "log" / "backup-status-monitor.log"


class RunningApp:
    def __init__(self, desktop: TrayDesktop, home: Path, *args: str) -> None:
        self.desktop = desktop
        self.home = home
        self.process = subprocess.Popen(
            [sys.executable, "-m", "desktop_app", "--demo", *args],
            env=app_environment(desktop, home),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def window(self) -> str:
        return self.desktop.wait_for_window("Demo data")

    def tray_icon(self) -> tuple[int, int]:
        x, y, width, height = self.desktop.wait_for_tray_icon(APP_NAME)
        return x + width // 2, y + height // 2

    def seconds_to_exit(self, started: float) -> float:
        """Seconds from ``started`` until the process ended (fails after a generous wait)."""
        try:
            self.process.wait(QUIT_SECONDS + 10)
        except subprocess.TimeoutExpired:
            pytest.fail("the app did not exit")
        seconds = time.monotonic() - started
        print(f"exited {seconds:.2f} s after the request")
        return seconds

    def settings(self) -> QSettings:
        return QSettings(str(self.home / SETTINGS), QSettings.Format.IniFormat)

    def log_text(self) -> str:
        path = self.home / LOG
        return path.read_text(encoding="utf-8") if path.exists() else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        if self.process.stderr is not None:
            self.process.stderr.close()


@pytest.fixture
def launch(tray_desktop: TrayDesktop, tmp_path: Path) -> Iterator[type[RunningApp]]:
    started: list[RunningApp] = []

    def start(*args: str) -> RunningApp:
        app = RunningApp(tray_desktop, tmp_path / f"home{len(started)}", *args)
        started.append(app)
        return app

    yield start  # type: ignore[misc]
    for app in started:
        app.stop()


def assert_saved_by_quitting(app: RunningApp) -> None:
    settings = app.settings()
    for key in ("window/geometry", "window/header", "window/splitter"):
        assert settings.value(key), f"{key} was not saved"
    # Quitting is not closing: the "still running in the tray" hint was never needed.
    assert settings.value("tray/close_hint_shown") is None
    assert "Shutdown took longer" not in app.log_text()  # ended by itself, not by the deadline


def test_ctrl_q_with_the_window_shown_saves_and_exits(launch: type[RunningApp]) -> None:
    app = launch()
    window = app.window()
    app.tray_icon()  # the desktop really has a tray: the app put its icon there
    app.desktop.xdotool("windowactivate", "--sync", window)
    started = time.monotonic()
    app.desktop.xdotool("key", "--clearmodifiers", "ctrl+q")
    assert app.seconds_to_exit(started) < QUIT_SECONDS
    assert app.process.returncode == 0
    assert_saved_by_quitting(app)


def test_quit_in_the_tray_menu_with_the_window_shown_exits(launch: type[RunningApp]) -> None:
    app = launch()
    app.window()
    x, y = app.tray_icon()
    before = len(app.desktop.windows(""))
    app.desktop.click(x, y, button=3)  # the tray's context menu
    deadline = time.monotonic() + 10
    while len(app.desktop.windows("")) <= before and time.monotonic() < deadline:
        time.sleep(0.05)  # polling another process's windows: no signal to wait for
    assert len(app.desktop.windows("")) > before, "the tray menu did not open"
    started = time.monotonic()
    app.desktop.xdotool("key", "Up", "Return")  # from nothing selected, Up is the last: Quit
    assert app.seconds_to_exit(started) < QUIT_SECONDS
    assert app.process.returncode == 0
    assert_saved_by_quitting(app)


def test_closing_the_window_hides_it_to_the_tray_and_the_tray_brings_it_back(
    launch: type[RunningApp],
) -> None:
    app = launch()
    window = app.window()
    x, y = app.tray_icon()
    app.desktop.xdotool("windowactivate", "--sync", window)
    app.desktop.xdotool("key", "--clearmodifiers", "alt+F4")  # openbox: close the window
    deadline = time.monotonic() + 10
    while app.desktop.windows("Demo data") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not app.desktop.windows("Demo data"), "closing did not hide the window"
    assert app.process.poll() is None, "closing the window ended the app"
    assert app.desktop.tray_icons(APP_NAME), "the tray icon went away with the window"
    # Remembered (Qt writes its settings file a moment later: on a loaded machine, later).
    deadline = time.monotonic() + 10
    while app.settings().value("tray/close_hint_shown") is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert app.settings().value("tray/close_hint_shown") in (True, "true")

    app.desktop.click(x, y)  # a left click on the tray icon opens the window again
    window = app.window()
    app.desktop.xdotool("windowactivate", "--sync", window)
    started = time.monotonic()
    app.desktop.xdotool("key", "--clearmodifiers", "ctrl+q")
    assert app.seconds_to_exit(started) < QUIT_SECONDS


def test_quit_during_a_fetch_exits_within_two_seconds(launch: type[RunningApp]) -> None:
    app = launch("--demo-rows", "400000")  # the first fetch takes several seconds
    window = app.window()
    app.desktop.xdotool("windowactivate", "--sync", window)
    started = time.monotonic()
    app.desktop.xdotool("key", "--clearmodifiers", "ctrl+q")
    assert app.seconds_to_exit(started) < QUIT_SECONDS
    assert "Quitting while report-fetch is still running" in app.log_text()
    assert_saved_by_quitting(app)


def test_sigterm_saves_the_layout_and_exits_cleanly(launch: type[RunningApp]) -> None:
    app = launch()
    app.window()
    app.tray_icon()
    started = time.monotonic()
    app.process.send_signal(signal.SIGTERM)
    assert app.seconds_to_exit(started) < QUIT_SECONDS
    assert app.process.returncode == 0
    assert_saved_by_quitting(app)
    assert "Quitting on signal SIGTERM" in app.log_text()
