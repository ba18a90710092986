"""The status bar's word about the history while it is not fine: off, retrying, not saving, or
news to read once (a damaged file was replaced). Hidden while all is well.

Why persistent: a status-bar message vanished after a few seconds, or was replaced 0.1 s later
by "Fetching the report…"; a problem that disables a feature must stay in sight until it is
fixed. The indicator reads the history's current ``health`` when it is built, so a problem
found before the window existed is shown too. Clicking it explains, and dismisses news.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QMessageBox, QToolButton, QWidget

from desktop_app.ui.history.health import HistoryHealth, HistoryState
from desktop_app.ui.history.service import HistoryService

__all__ = ["HistoryIndicator"]

_TEXTS = {
    HistoryState.RETRYING: "History off, retrying",
    HistoryState.OFF: "History off",
    HistoryState.NOT_SAVING: "History not saved",
}


class HistoryIndicator(QToolButton):
    """Shows ``history.health`` (see module docstring); ``icon_for`` gives a status icon."""

    def __init__(
        self,
        history: HistoryService,
        icon_for: Callable[[str], QIcon],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("historyIndicator")
        self.setAutoRaise(True)
        self.setToolButtonStyle(self.toolButtonStyle().ToolButtonTextBesideIcon)
        self._history = history
        self._icon_for = icon_for
        self._box: QMessageBox | None = None
        self.clicked.connect(self.explain)
        history.health_changed.connect(self.show_health)
        self.show_health(history.health)

    def show_health(self, health: HistoryHealth) -> None:
        text = _TEXTS.get(health.state, "")
        if not text and health.notice:
            text = "History was reset"
        self.setText(text)
        self.setIcon(self._icon_for("FAILURE" if not health.working else "WARNING"))
        detail = health.reason or health.notice
        self.setToolTip(f"{detail}\nClick for details." if detail else "")
        self.setAccessibleName(f"{text}: {detail}" if text else "History")
        self.setVisible(bool(text))

    def explain(self) -> QMessageBox:
        """The whole story in a box (non-blocking); reading news dismisses it."""
        health = self._history.health
        lines = [line for line in (health.reason, health.notice) if line]
        if health.state is HistoryState.RETRYING:
            lines.append(
                "The history (missing sets, failing since, acknowledgements) comes back by "
                "itself once the database can be opened."
            )
        box = QMessageBox(
            QMessageBox.Icon.Warning if not health.working else QMessageBox.Icon.Information,
            "History",
            "\n\n".join(lines) or "The history works.",
            QMessageBox.StandardButton.Ok,
            self.window(),
        )
        box.setObjectName("historyDetails")
        box.open()
        self._box = box
        if health.notice:
            self._history.dismiss_notice()
        return box
