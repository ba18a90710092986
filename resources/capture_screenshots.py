"""Capture the README screenshots of the demo window: at 1024x700 and 1366x768, light and dark.

Each screenshot is the whole screen of a real X server of that size with a window manager and a
system tray (``tests/tray_desktop.py``: Xvfb + openbox + trayer), taken with ImageMagick's
``import``, so it shows exactly what a user of such a laptop sees on a first start: the window
as the app sizes it (maximized there), the default column widths and panes, the tray icon.

    python resources/capture_screenshots.py            # all four
    python resources/capture_screenshots.py --sizes 1366x768 --light

Writes ``screenshots/main-window-<W>x<H>.png`` and ``screenshots/main-window-<W>x<H>-dark.png``.
The app is built exactly as ``backup-status --demo`` builds it, with its settings and history in
a temporary folder (never the user's own). Dark mode asks Qt for the dark colour scheme, as the
OS would; where the platform theme cannot switch (plain X11 without a desktop), Fusion's palette
is set to dark colours instead, which is what Windows and macOS hand to the app in dark mode.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QItemSelectionModel, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from desktop_app import APP_NAME
from desktop_app.app import AppOptions, AppParts, build
from desktop_app.report.problem_states import ProblemStates
from desktop_app.report.status import ConditionStatus

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
SIZES = ("1024x700", "1366x768")


def dark_palette() -> QPalette:
    """A dark palette for Fusion, close to the system dark themes."""
    palette = QPalette()
    role = QPalette.ColorRole
    for r, colour in (
        (role.Window, "#2b2b2b"),
        (role.WindowText, "#e6e6e6"),
        (role.Base, "#1f1f1f"),
        (role.AlternateBase, "#292929"),
        (role.Text, "#e6e6e6"),
        (role.Button, "#353535"),
        (role.ButtonText, "#e6e6e6"),
        (role.Highlight, "#2f65ca"),
        (role.HighlightedText, "#ffffff"),
        (role.ToolTipBase, "#353535"),
        (role.ToolTipText, "#e6e6e6"),
        (role.PlaceholderText, "#8c8c8c"),
        (role.Link, "#6ea8fe"),
        (role.Mid, "#444444"),
        (role.Midlight, "#3a3a3a"),
        (role.Dark, "#1a1a1a"),
        (role.Light, "#505050"),
    ):
        palette.setColor(r, QColor(colour))
    for r in (role.WindowText, role.Text, role.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, r, QColor("#7a7a7a"))
    return palette


def wait_for(condition: Callable[[], bool], timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        QCoreApplication.processEvents()
        if condition():
            return True
        time.sleep(0.01)
    return False


def select_first_failure(parts: AppParts) -> None:
    """Select the first failing set, so the detail pane has something to say."""
    table, model = parts.window.table, parts.model
    for row in range(model.rowCount()):
        if model.row_at(row).condition_status == ConditionStatus.FAILURE:
            index = model.index(row, 0)
            table.selectionModel().setCurrentIndex(
                index,
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )
            table.scrollTo(index)
            return


def capture_here(dark: bool, out: Path, rows: int) -> None:
    """On the current display: start the demo app as a first start, then shoot the screen."""
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setApplicationDisplayName(APP_NAME)  # as the app does: "Demo data — Backup Status …"
    app.setStyle("Fusion")
    if dark:
        QGuiApplication.styleHints().setColorScheme(Qt.ColorScheme.Dark)
        if app.palette().color(QPalette.ColorRole.Window).lightness() > 128:
            app.setPalette(dark_palette())
    with tempfile.TemporaryDirectory() as tmp:
        options = AppOptions(
            demo=True, demo_rows=rows, settings_path=Path(tmp) / "settings.ini", data_dir=Path(tmp)
        )
        parts = build(options)
        try:
            judged: list[ProblemStates] = []
            parts.history.states_changed.connect(judged.append)
            ready = wait_for(lambda: any(states.with_history for states in judged))
            if not ready:
                raise SystemExit("the demo report did not arrive within 30 s")
            select_first_failure(parts)
            wait_for(lambda: False, timeout=1.5)  # the detail pane's history, the tray icon
            subprocess.run(["import", "-window", "root", str(out)], check=True)
            print(f"wrote {out}", flush=True)
        finally:
            parts.close()


def capture(size: str, dark: bool, rows: int) -> None:
    """Start a desktop of ``size`` and run this script's ``--here`` mode on it."""
    name = f"main-window-{size}{'-dark' if dark else ''}.png"
    command = [
        sys.executable,
        "-m",
        "tests.tray_desktop",
        "--size",
        size,
        "--",
        sys.executable,
        str(Path(__file__).resolve()),
        "--here",
        str(SCREENSHOTS / name),
        "--rows",
        str(rows),
        *(["--dark"] if dark else []),
    ]
    with tempfile.TemporaryDirectory() as home:
        env = {
            **os.environ,
            "HOME": home,
            "XDG_CONFIG_HOME": f"{home}/.config",
            "XDG_DATA_HOME": f"{home}/.local/share",
            "XDG_STATE_HOME": f"{home}/.local/state",
            "XDG_RUNTIME_DIR": home,
            "TZ": os.environ.get("TZ", "America/New_York"),  # an admin with a named zone
            "PYTHONPATH": os.pathsep.join(filter(None, (str(ROOT), os.environ.get("PYTHONPATH")))),
        }
        subprocess.run(command, check=True, cwd=ROOT, env=env)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--sizes", nargs="+", default=list(SIZES), metavar="WxH")
    parser.add_argument("--dark", action="store_true", help="only the dark screenshots")
    parser.add_argument("--light", action="store_true", help="only the light screenshots")
    parser.add_argument("--here", metavar="OUT", help=argparse.SUPPRESS)  # one, on this display
    args = parser.parse_args()
    if args.here:
        capture_here(args.dark, Path(args.here), args.rows)
        return 0
    SCREENSHOTS.mkdir(exist_ok=True)
    for size in args.sizes:
        if not args.dark:
            capture(size, False, args.rows)
        if not args.light:
            capture(size, True, args.rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
