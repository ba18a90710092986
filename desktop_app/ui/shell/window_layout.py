"""Where the main window goes and how its panes share it: first start, and saved sizes checked.

A saved geometry or pane layout is used only when it restores into something usable (on a
screen, not squeezed to nothing): a damaged settings file must never leave the window unusable.
On a first start the window is ``DEFAULT_SIZE`` centred, or maximized on a screen too small for
it, and the table is given the room its ``FIRST_COLUMNS`` need.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, QSize, Qt
from PySide6.QtGui import QGuiApplication

from desktop_app.ui.table.view import FIRST_COLUMNS

if TYPE_CHECKING:
    from desktop_app.ui.shell.main_window import MainWindow

__all__ = ["default_geometry", "default_pane_sizes", "geometry_usable", "splitter_usable"]

MIN_WIDTH, MIN_HEIGHT = 400, 300
MIN_TABLE_WIDTH = 120
DETAIL_WIDTH = (260, 420)  # the detail pane's default width, at least and at most
SIDEBAR_WIDTH = 255
DEFAULT_SIZE = QSize(1400, 860)
FRAME_ALLOWANCE = 40  # px a window frame may add to the size


def geometry_usable(window: MainWindow) -> bool:
    """At least a usable size, and some part of the window on an existing screen."""
    frame = window.frameGeometry()
    if frame.width() < MIN_WIDTH or frame.height() < MIN_HEIGHT:
        return False
    screens = QGuiApplication.screens()
    return any(s.availableGeometry().intersects(frame) for s in screens)


def default_geometry(window: MainWindow) -> None:
    """``DEFAULT_SIZE`` centred, or maximized on a screen too small for it (1366x768 and
    smaller laptops), where a window that fills the screen is what users expect."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is None:
        window.resize(DEFAULT_SIZE)
        return
    area = screen.availableGeometry()
    size = DEFAULT_SIZE.boundedTo(area.size())
    window.resize(size)
    window.move(area.center() - QPoint(size.width() // 2, size.height() // 2))
    # The frame (title bar, borders) is not known before the window is shown: leave room.
    if size.width() + FRAME_ALLOWANCE > area.width() or (
        size.height() + FRAME_ALLOWANCE > area.height()
    ):
        window.setWindowState(Qt.WindowState.WindowMaximized)


def default_pane_sizes(window: MainWindow) -> list[int]:
    """First run: the table wide enough for ``FIRST_COLUMNS`` where the window allows, the
    detail pane what is left (within ``DETAIL_WIDTH``), side panes a fifth of the window,
    at most ``SIDEBAR_WIDTH``."""
    header = window.table.horizontalHeader()
    frame = window.table.frameWidth() * 2
    scroll = window.table.verticalScrollBar().sizeHint().width()
    needed = sum(header.sectionSize(c) for c in FIRST_COLUMNS) + frame + scroll + 2
    handles = window.splitter.handleWidth() * (window.splitter.count() - 1)
    side_width = min(SIDEBAR_WIDTH, max(180, window.width() // 5))
    margins = window.centralWidget().layout().contentsMargins()  # type: ignore[union-attr]
    total = window.width() - margins.left() - margins.right() - handles
    table_index = window.splitter.indexOf(window.table)
    detail_index = window.splitter.indexOf(window.detail_pane)
    sizes = [side_width] * window.splitter.count()
    side = side_width * (window.splitter.count() - 2)
    low, high = DETAIL_WIDTH
    sizes[detail_index] = min(high, max(low, total - side - needed))
    sizes[table_index] = max(MIN_TABLE_WIDTH, total - side - sizes[detail_index])
    return sizes


def splitter_usable(window: MainWindow) -> bool:
    """Every pane that is shown has room, the table at least ``MIN_TABLE_WIDTH``."""
    sizes = window.splitter.sizes()
    if len(sizes) != window.splitter.count() or sum(sizes) <= 0:
        return False
    widgets = [window.splitter.widget(i) for i in range(window.splitter.count())]
    shown = [size for w, size in zip(widgets, sizes, strict=True) if w and not w.isHidden()]
    table = sizes[window.splitter.indexOf(window.table)]
    return all(size > 0 for size in shown) and table >= MIN_TABLE_WIDTH
