"""Toolbar toggles for the status filter, each with its live count.

The chosen statuses are remembered across restarts (``bind_settings``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from PySide6.QtCore import QSettings, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QHBoxLayout, QToolButton, QWidget

from desktop_app.report.status import ConditionStatus, status_severity, status_text
from desktop_app.ui.remembered_choices import read_choice, write_choice

SETTINGS_KEY = "filters/statuses"


class StatusFilterBar(QWidget):
    """One checkable button per status plus "All". None checked means everything is shown.

    Signals:
        filter_changed(frozenset): the statuses to show; empty for all.
    """

    filter_changed = Signal(frozenset)

    def __init__(
        self, icon_for_status: Callable[[str], QIcon] | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._icon_for_status = icon_for_status
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(2)
        self._all = QToolButton(self)
        self._all.setObjectName("filterAll")
        self._all.setCheckable(True)
        self._all.setChecked(True)
        self._all.setAccessibleName("Show all statuses")
        self._all.setToolTip("Show every status")
        self._all.clicked.connect(self.reset)
        self._layout.addWidget(self._all)
        self._buttons: dict[str, QToolButton] = {}
        self._counts: dict[str, int] = {}
        self._settings: QSettings | None = None
        for status in ConditionStatus:
            self._add_button(status)
        self._update_all_text()

    def _add_button(self, status: str) -> QToolButton:
        button = QToolButton(self)
        button.setObjectName(f"filter{status.title()}")
        button.setCheckable(True)
        button.setAccessibleName(f"Show {status_text(status).lower()} backup sets")
        if self._icon_for_status is not None:
            button.setIcon(self._icon_for_status(status))
        button.setToolButtonStyle(button.toolButtonStyle().ToolButtonTextBesideIcon)
        button.toggled.connect(self._on_toggled)
        self._buttons[status] = button
        ordered = sorted(self._buttons, key=lambda s: (status_severity(s), s))
        self._layout.insertWidget(1 + ordered.index(status), button)
        self._set_text(status)
        return button

    def _set_text(self, status: str) -> None:
        count = self._counts.get(status, 0)
        self._buttons[status].setText(f"{status_text(status)} {count:,}")

    def _update_all_text(self) -> None:
        self._all.setText(f"All {sum(self._counts.values()):,}")

    def bind_settings(self, settings: QSettings) -> None:
        """Apply the statuses remembered in ``settings`` and remember every change from now on.

        Only the documented statuses are restored: an unknown one may not be in the next report.
        """
        remembered = read_choice(settings, SETTINGS_KEY, ConditionStatus)
        self._settings = settings
        self.set_selected(remembered or None)

    def set_counts(self, counts: Mapping[str, int]) -> None:
        """Refresh the numbers; an unknown status that appears gets its own toggle."""
        self._counts = dict(counts)
        for status in counts:
            if status not in self._buttons:
                self._add_button(status)
        for status in self._buttons:
            self._set_text(status)
        self._update_all_text()

    def selected(self) -> frozenset[str] | None:
        chosen = frozenset(s for s, b in self._buttons.items() if b.isChecked())
        return chosen or None

    def set_selected(self, statuses: frozenset[str] | None) -> None:
        for status, button in self._buttons.items():
            button.blockSignals(True)
            button.setChecked(statuses is not None and status in statuses)
            button.blockSignals(False)
        self._all.setChecked(statuses is None)
        self._changed()

    def reset(self) -> None:
        self.set_selected(None)

    def button(self, status: str) -> QToolButton:
        return self._buttons[status]

    def all_button(self) -> QToolButton:
        return self._all

    def _on_toggled(self, _checked: bool) -> None:
        self._all.setChecked(self.selected() is None)
        self._changed()

    def _changed(self) -> None:
        selected = self.selected()
        if self._settings is not None:
            write_choice(self._settings, SETTINGS_KEY, selected or ())
        self.filter_changed.emit(selected or frozenset())
