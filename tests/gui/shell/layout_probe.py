"""Runs the demo app on the current display (a real X server: ``tests.tray_desktop``) and prints,
as JSON, what a user could reach and see there. ``test_layout.py`` judges the answers.

It starts like a first run (fresh settings), so the default window size, column widths and pane
sizes are the ones a new user gets on this screen.

    python -m tests.gui.shell.layout_probe SETTINGS_DIR
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QPoint, QRect, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from desktop_app.app import AppOptions, AppParts, build
from desktop_app.ui.table.view import FIRST_COLUMNS


def wait_for(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        QCoreApplication.processEvents()
        if condition():
            return
        time.sleep(0.01)
    raise SystemExit("timed out")


def settle(seconds: float = 0.3) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        QCoreApplication.processEvents()
        time.sleep(0.01)


def reachable(window: QWidget, widget: QWidget) -> bool:
    """Shown, and its whole rectangle inside the window and on the screen (not cut off, not in
    a toolbar's overflow menu, not past the edge of a screen the window is bigger than)."""
    if not widget.isVisible() or widget.visibleRegion().isEmpty():
        return False
    rect = QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())
    on_screen = QRect(widget.mapToGlobal(QPoint(0, 0)), widget.size())
    screen = QApplication.primaryScreen().availableGeometry()
    return window.rect().contains(rect) and screen.contains(on_screen)


def probe(parts: AppParts) -> dict[str, Any]:
    window = parts.window
    views = parts.problems
    assert views is not None
    toggles: list[QWidget] = [
        window.filter_bar.all_button(),
        *(window.filter_bar.button(s) for s in ("FAILURE", "WARNING", "RUNNING", "COMPLETED")),
        *views.bar.buttons.values(),
    ]
    facts: dict[str, Any] = {
        "screen": QApplication.primaryScreen().availableGeometry().getRect(),
        "window": window.frameGeometry().getRect(),
        "search reachable": reachable(window, window.search),
        "unreachable toggles": [t.text() for t in toggles if not reachable(window, t)],
    }
    header = window.table.horizontalHeader()
    viewport = window.table.viewport().width()
    facts["columns cut off"] = [
        window.table.model().headerData(c, Qt.Orientation.Horizontal)
        for c in FIRST_COLUMNS
        if header.isSectionHidden(c)
        or header.sectionViewportPosition(c) < 0
        or header.sectionViewportPosition(c) + header.sectionSize(c) > viewport
    ]
    window.activateWindow()
    wait_for(window.isActiveWindow, 5)
    window.table.setFocus()
    QTest.keyClick(window.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    settle()
    facts["ctrl+f focuses search"] = window.search.hasFocus()

    # Every kind of filter on at once: each must stay visible somewhere.
    QTest.keyClicks(window.search, "a")
    window.filter_bar.button("FAILURE").click()
    views.bar.buttons["NEEDS_ATTENTION"].click()
    views.sidebar.view.setCurrentIndex(views.sidebar.model.index(0))
    settle()
    facts["filters named"] = window.filter_label.text()
    facts["filter notice reachable"] = reachable(window, window.filter_label)
    facts["show all reachable"] = reachable(window, window.show_all_button)
    window.toolbar.toggleViewAction().trigger()  # the user hides the toolbar (and search field)
    settle()
    facts["filters named without toolbar"] = window.filter_label.text()
    facts["filter notice reachable without toolbar"] = reachable(window, window.filter_label)
    facts["view menu"] = [a.text() for a in window.view_menu.actions() if a.text()]
    return facts


def main(folder: str) -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    options = AppOptions(
        demo=True, demo_rows=300, settings_path=Path(folder) / "s.ini", data_dir=Path(folder)
    )
    parts = build(options)
    try:
        views = parts.problems
        assert views is not None
        wait_for(lambda: views.history.states is not None)
        settle(0.5)
        print(json.dumps(probe(parts)), flush=True)
    finally:
        parts.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
