"""A condition type as a badge in the detail pane: plain words, the raw code as tooltip, the
colours of its severity. Its own widget so its sizing rules (one line when there is room,
wrapped when narrow) stay next to it."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QLabel, QWidget

from desktop_app.report.status import explain_condition_type
from desktop_app.ui.detail.fields import badge_colors

__all__ = ["ConditionBadge"]


class ConditionBadge(QLabel):
    """A condition type as a small rounded label: plain words shown, the raw code as tooltip.

    Its size hint is the single-line text width, so it looks like a badge in a wide pane and
    wraps onto more lines (height for width) in a narrow one.
    """

    def __init__(self, condition_type: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        explanation = explain_condition_type(condition_type)
        self.condition_type = condition_type
        self.setObjectName("conditionBadge")
        self.setText(explanation)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setAccessibleName(explanation)
        self.setAccessibleDescription(f"Report code {condition_type}")
        self.setToolTip(f"Report code: {condition_type}")
        self.setContentsMargins(8, 2, 8, 2)
        background, text = badge_colors(condition_type)
        self.setStyleSheet(
            f"QLabel {{ background-color: {background}; color: {text}; border-radius: 9px; }}"
        )

    def _width_for(self, text: str) -> int:
        margins = self.contentsMargins()
        return self.fontMetrics().horizontalAdvance(text) + margins.left() + margins.right() + 2

    def sizeHint(self) -> QSize:
        width = self._width_for(self.text())
        return QSize(width, self.heightForWidth(width))

    def minimumSizeHint(self) -> QSize:
        """Never narrower than the longest word, so a long code is scrolled to, not clipped."""
        width = max(self._width_for(word) for word in self.text().split() or [""])
        return QSize(width, self.heightForWidth(width))
