"""The strip above the table that names every active filter, with a way back to all rows.

Never hidden by a toolbar, never cut off (it wraps), so no filter goes unseen: each filter
(the search and status toggles, the problem toggles, the customers, a notification's sets) adds
a function that names what it filters right now, "" for nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

__all__ = ["FilterNotice"]


class FilterNotice(QFrame):
    """Shown while a filter hides rows; ``show_all_button`` clears them all."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("filterNotice")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.label = QLabel(self)
        self.label.setObjectName("filterLabel")
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.show_all_button = QPushButton("Show &all", self)
        self.show_all_button.setObjectName("showAllButton")
        self.show_all_button.setAccessibleName("Clear every filter and show all backup sets")
        self.show_all_button.setToolTip("Clear the search, the toggles and the customer choice")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 4, 6, 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.show_all_button)
        self._descriptions: list[Callable[[], str]] = []
        self.hide()

    def add_description(self, describe: Callable[[], str]) -> None:
        self._descriptions.append(describe)

    def active_filters(self) -> list[str]:
        """What hides rows right now, in words; empty when every backup set is shown."""
        return [text for describe in self._descriptions if (text := describe())]

    def show_counts(self, shown: str) -> None:
        """``shown`` ("Showing 12 of 1,800 backup sets") and the filters, while there are any."""
        filters = self.active_filters()
        self.label.setText(f"{shown}, filtered by: {' · '.join(filters)}")
        self.setVisible(bool(filters))
