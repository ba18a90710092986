"""A desktop with a system tray for tests and for looking at the app by hand: Xvfb + openbox +
trayer, with xdotool to drive it and ImageMagick's ``import`` to take screenshots.

Why these three: Xvfb is a real X server without a screen; openbox is a window manager (window
decorations, Alt+F4, focus), and trayer is a system tray host, so
``QSystemTrayIcon.isSystemTrayAvailable()`` is true and the app behaves as on a user's desktop.

Tests use the ``tray_desktop`` fixture (``tests/gui/conftest.py``). When a tool is missing they
are skipped, unless ``BSM_TRAY_DESKTOP=1`` (set by ``.ci/run``): then a missing tool fails them.
Display numbers come from ``BSM_XVFB_DISPLAYS`` (e.g. ``130-139``), default ``100-199``; the
first free one is used.

By hand::

    python -m tests.tray_desktop --size 1366x768 -- python -m desktop_app --demo
    # prints DISPLAY=:1xx; screenshots: DISPLAY=:1xx import -window root shot.png
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

TOOLS = ("Xvfb", "openbox", "trayer", "xdotool", "xwininfo", "import")
REQUIRED_ENV = "BSM_TRAY_DESKTOP"
DISPLAYS_ENV = "BSM_XVFB_DISPLAYS"
TRAY_HEIGHT = 24


def missing_tools() -> list[str]:
    return [tool for tool in TOOLS if shutil.which(tool) is None]


def required() -> bool:
    """True when a missing tool must fail the tests instead of skipping them (CI)."""
    return os.environ.get(REQUIRED_ENV) == "1"


def skip_or_fail_without_tools() -> None:
    """In a test: skip it when a tool is missing, or fail it when they are ``required()``."""
    import pytest

    missing = missing_tools()
    if missing:
        message = f"a desktop with a tray needs {', '.join(missing)}"
        if required():
            pytest.fail(message)
        pytest.skip(message)


def _display_numbers() -> range:
    text = os.environ.get(DISPLAYS_ENV, "100-199")
    low, _, high = text.partition("-")
    return range(int(low), int(high or low) + 1)


def _free_display() -> int:
    for number in _display_numbers():
        if (
            not Path(f"/tmp/.X{number}-lock").exists()
            and not Path(f"/tmp/.X11-unix/X{number}").exists()
        ):
            return number
    raise RuntimeError(f"no free X display in {DISPLAYS_ENV}={os.environ.get(DISPLAYS_ENV)}")


def _wait(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")


@dataclass
class TrayDesktop:
    """A running Xvfb + openbox + trayer; ``env`` is what a program on it needs."""

    display: str
    width: int
    height: int
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(DISPLAY=self.display, QT_QPA_PLATFORM="xcb")
        env.pop("WAYLAND_DISPLAY", None)
        return env

    def run(self, *args: str, check: bool = True, timeout: float = 10) -> str:
        """Run a tool (xdotool, xwininfo, ...) on this display; its standard output."""
        done = subprocess.run(
            args, env=self.env, capture_output=True, text=True, timeout=timeout, check=False
        )
        if check and done.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout

    def xdotool(self, *args: str, check: bool = True) -> str:
        return self.run("xdotool", *args, check=check)

    def windows(self, name: str, *, visible: bool = True) -> list[str]:
        """Window ids whose title contains ``name`` (only mapped ones with ``visible``)."""
        flags = ["--onlyvisible"] if visible else []
        out = self.xdotool("search", *flags, "--name", name, check=False)
        return out.split()

    def wait_for_window(self, name: str, timeout: float = 30) -> str:
        found: list[str] = []

        def seen() -> bool:
            found[:] = self.windows(name)
            return bool(found)

        _wait(seen, timeout, f"a window named {name!r}")
        return found[0]

    def tray_icons(self, name: str) -> list[tuple[int, int, int, int]]:
        """(x, y, width, height) on screen of ``name``'s windows docked in trayer's panel."""
        tree = self.run("xwininfo", "-root", "-tree")
        icons = []
        inside_panel = False
        panel_indent = 0
        for line in tree.splitlines():
            indent = len(line) - len(line.lstrip())
            if '"panel": ("panel" "trayer")' in line:
                inside_panel, panel_indent = True, indent
                continue
            if inside_panel and indent <= panel_indent and line.strip():
                inside_panel = False
            if inside_panel and f'"{name}": (' in line:
                # ... 22x22+0+0  +1343+745: size and offset in the parent, then on screen
                size, position = line.split()[-2:]
                width, height = (int(v) for v in size.split("+")[0].split("x"))
                x, y = (int(v) for v in position.lstrip("+").split("+"))
                icons.append((x, y, width, height))
        return icons

    def wait_for_tray_icon(self, name: str, timeout: float = 30) -> tuple[int, int, int, int]:
        found: list[tuple[int, int, int, int]] = []

        def docked() -> bool:
            found[:] = self.tray_icons(name)
            return bool(found)

        _wait(docked, timeout, f"{name!r} docked in the system tray")
        return found[0]

    def click(self, x: int, y: int, button: int = 1) -> None:
        self.xdotool("mousemove", str(x), str(y), "sleep", "0.1", "click", str(button))

    def screenshot(self, path: Path) -> Path:
        self.run("import", "-window", "root", str(path))
        return path

    def close(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(5)
            if process.poll() is None:
                process.kill()
                process.wait(5)
        self.processes.clear()


def start(width: int = 1366, height: int = 768) -> TrayDesktop:
    """Start Xvfb, openbox and trayer on the first free display; raises when a tool is missing."""
    missing = missing_tools()
    if missing:
        raise FileNotFoundError(f"missing: {', '.join(missing)}")
    number = _free_display()
    desktop = TrayDesktop(f":{number}", width, height)

    def spawn(command: list[str]) -> None:
        desktop.processes.append(
            subprocess.Popen(
                command, env=desktop.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
        )

    def has_window(text: str) -> Callable[[], bool]:
        return lambda: text in desktop.run("xwininfo", "-root", "-tree", check=False)

    try:
        spawn(["Xvfb", f":{number}", "-screen", "0", f"{width}x{height}x24", "-nolisten", "tcp"])
        _wait(lambda: Path(f"/tmp/.X11-unix/X{number}").exists(), 30, "Xvfb")
        spawn(["openbox"])
        _wait(has_window('"Openbox"'), 30, "openbox")
        trayer = [
            "trayer", "--edge", "bottom", "--align", "right", "--widthtype", "pixel",
            "--width", "160", "--heighttype", "pixel", "--height", str(TRAY_HEIGHT),
            "--SetDockType", "true", "--SetPartialStrut", "true",
        ]  # fmt: skip
        spawn(trayer)
        _wait(has_window('"panel": ("panel" "trayer")'), 30, "trayer")
    except BaseException:
        desktop.close()
        raise
    return desktop


@contextlib.contextmanager
def tray_desktop(width: int = 1366, height: int = 768) -> Iterator[TrayDesktop]:
    desktop = start(width, height)
    try:
        yield desktop
    finally:
        desktop.close()


def app_environment(
    desktop: TrayDesktop, home: Path, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The desktop's environment with a private home: settings, history and logs land there."""
    env = desktop.env
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        XDG_STATE_HOME=str(home / ".local" / "state"),
        XDG_CACHE_HOME=str(home / ".cache"),
        XDG_RUNTIME_DIR=str(home / "runtime"),
    )
    (home / "runtime").mkdir(parents=True, exist_ok=True, mode=0o700)
    env.update(extra or {})
    return env


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--size", default="1366x768", help="screen size, e.g. 1024x700")
    parser.add_argument("command", nargs="*", help="a program to run on the desktop (after --)")
    args = parser.parse_args(argv)
    width, height = (int(v) for v in args.size.split("x"))
    with tray_desktop(width, height) as desktop:
        print(f"DISPLAY={desktop.display}", flush=True)
        try:
            if args.command:
                return subprocess.call(args.command, env=desktop.env)
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            return 0


if __name__ == "__main__":
    sys.exit(main())
