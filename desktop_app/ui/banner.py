"""An inline message strip above the table: refresh failures without a modal dialog."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget


class Banner(QFrame):
    """Says what went wrong in plain words, with a Retry button; hidden when all is well.

    Signals:
        retry_requested(): the user pressed Retry.
    """

    retry_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.setAccessibleName("Problem banner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self._title = QLabel(self)
        self._title.setObjectName("bannerTitle")
        font = self._title.font()
        font.setBold(True)
        self._title.setFont(font)
        self._message = QLabel(self)
        self._message.setObjectName("bannerMessage")
        self._message.setWordWrap(True)
        self._message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._retry = QPushButton("Retry", self)
        self._retry.setObjectName("bannerRetry")
        self._retry.setAccessibleName("Retry fetching the report")
        self._retry.clicked.connect(self.retry_requested)
        self._close = QToolButton(self)
        self._close.setText("✕")
        self._close.setAccessibleName("Dismiss message")
        self._close.setAutoRaise(True)
        self._close.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        layout.addWidget(self._title)
        layout.addWidget(self._message, 1)
        layout.addWidget(self._retry)
        layout.addWidget(self._close)
        self.setStyleSheet(
            "#banner { background: palette(base); border: 1px solid #c62828; border-radius: 4px;"
            " border-left: 5px solid #c62828; }"
        )
        self.hide()

    def show_problem(self, title: str, message: str, *, can_retry: bool = True) -> None:
        self._title.setText(title + ":")
        self._message.setText(message)
        self._retry.setVisible(can_retry)
        self.show()

    def title(self) -> str:
        return self._title.text().rstrip(":")

    def message(self) -> str:
        return self._message.text()
