"""Takes the admin to what was asked for elsewhere: the window, one set, a few sets, a filter.

The tray (its menu and notifications), a second launch, the acknowledgement list and the list of
values that could not be read all ask the same few things; they ask the navigator, never the
window's widgets, so "show these sets" reads the same wherever it comes from.

Signals:
    window_opened(): the window was brought to the front (auto-refresh fetches if the data is old).
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QObject, Signal

from desktop_app.report.rows import RowKey
from desktop_app.report.status import ConditionStatus
from desktop_app.ui.problems.filter_bar import NEEDS_ATTENTION, ProblemFilterBar
from desktop_app.ui.shell.main_window import MainWindow

__all__ = ["Navigator"]


class Navigator(QObject):
    """See module docstring."""

    window_opened = Signal()

    def __init__(
        self, window: MainWindow, problems: ProblemFilterBar, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._window = window
        self._problems = problems

    def open_window(self) -> None:
        """Show, raise and focus the window."""
        window = self._window
        if window.isMinimized():
            window.showNormal()
        else:
            window.show()
        window.raise_()
        window.activateWindow()
        self.window_opened.emit()

    def reveal(self, key: RowKey) -> bool:
        """Open the window on one set, lifting filters that hide it; False when it is not in
        the report."""
        self.open_window()
        return self._window.reveal_key(key)

    def show_keys(self, keys: Iterable[RowKey], description: str) -> None:
        """Only these sets (a notification's), with a visible "Show all" way back."""
        self.open_window()
        self._window.show_key_filter(keys, description)

    def show_failures(self, needing_attention: bool) -> None:
        """Every failing set; only those that need attention when ``needing_attention`` (some
        are acknowledged): exactly what the tray's Failures menu counted."""
        self.open_window()
        self._window.clear_filters()
        self._window.filter_bar.set_selected(frozenset({ConditionStatus.FAILURE}))
        if needing_attention:
            self._problems.set_checked(frozenset({NEEDS_ATTENTION}))
