"""Capture the README screenshots of the demo window, light and dark.

Run under a real X server so fonts and styles are those a person sees:

    xvfb-run -a -s "-screen 0 1400x900x24" python resources/capture_screenshots.py

Writes ``screenshots/main-window.png`` and ``screenshots/main-window-dark.png``. The app is built
exactly as ``backup-status --demo`` builds it, with its settings and history in a temporary
folder (never the user's own). Dark mode asks Qt for the dark colour scheme, as the OS would;
where the platform theme cannot switch (plain X11 without a desktop), Fusion's palette is set to
dark colours instead, which is what Windows and macOS hand to the app in dark mode.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from desktop_app.app import AppOptions, AppParts, build
from desktop_app.report.status import ConditionStatus

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
SIZE = (1360, 820)


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


def wait_for(condition: object, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        QCoreApplication.processEvents()
        if callable(condition) and condition():
            return True
        time.sleep(0.01)
    return False


def select_first_failure(parts: AppParts) -> None:
    """Sort failures first and select one, so the detail pane has something to say."""
    table = parts.window.table
    model = table.model()
    for row in range(model.rowCount()):
        index = model.index(row, 0)
        if ConditionStatus.FAILURE.value.lower() in str(index.data()).lower():
            table.selectRow(row)
            table.scrollTo(index)
            return


def capture(dark: bool, out: Path, rows: int) -> None:
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setStyle("Fusion")
    if dark:
        QGuiApplication.styleHints().setColorScheme(Qt.ColorScheme.Dark)
        if app.palette().color(QPalette.ColorRole.Window).lightness() > 128:
            app.setPalette(dark_palette())
    with tempfile.TemporaryDirectory() as tmp:
        options = AppOptions(
            demo=True,
            demo_rows=rows,
            settings_path=Path(tmp) / "settings.ini",
            data_dir=Path(tmp),
            tray=False,
        )
        parts = build(options)
        try:
            parts.window.resize(*SIZE)
            parts.window.show()
            if not wait_for(lambda: parts.window.table.model().rowCount() > 0):
                raise SystemExit("the demo report did not arrive within 20 s")
            select_first_failure(parts)
            wait_for(lambda: False, timeout=1.5)  # history and derived states settle
            parts.window.grab().save(str(out))
            print(f"wrote {out}")
        finally:
            for close in reversed(parts.closers):
                close()
            parts.window.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--dark", action="store_true", help="only the dark screenshot")
    parser.add_argument("--light", action="store_true", help="only the light screenshot")
    args = parser.parse_args()
    SCREENSHOTS.mkdir(exist_ok=True)
    if not args.dark:
        capture(False, SCREENSHOTS / "main-window.png", args.rows)
    if not args.light:
        capture(True, SCREENSHOTS / "main-window-dark.png", args.rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
