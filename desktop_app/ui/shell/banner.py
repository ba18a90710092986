"""An inline message strip above the table: refresh failures without a modal dialog, a
report that arrived incomplete, and partners of a view of several that are not in it."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

from desktop_app.api.partner_view import partner_problems
from desktop_app.report.rows import Report

_RED_ON_LIGHT = QColor("#c62828")
_RED_ON_DARK = QColor("#ef5350")


def is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def problem_color(palette: QPalette) -> QColor:
    """The red that stays readable on this palette's background (light or dark)."""
    return _RED_ON_DARK if is_dark(palette) else _RED_ON_LIGHT


def _blend(a: QColor, b: QColor, amount: float) -> QColor:
    return QColor(
        round(a.red() + (b.red() - a.red()) * amount),
        round(a.green() + (b.green() - a.green()) * amount),
        round(a.blue() + (b.blue() - a.blue()) * amount),
    )


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
        self.setFrameShape(QFrame.Shape.NoFrame)
        self._title = QLabel(self)
        self._title.setObjectName("bannerTitle")
        font = self._title.font()
        font.setBold(True)
        self._title.setFont(font)
        self._message = QLabel(self)
        self._message.setObjectName("bannerMessage")
        self._message.setWordWrap(True)
        self._message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.retry_button = QPushButton("Retry", self)
        self.retry_button.setObjectName("bannerRetry")
        self.retry_button.setAccessibleName("Retry fetching the report")
        self.retry_button.clicked.connect(self.retry_requested)
        self._close = QToolButton(self)
        self._close.setText("✕")
        self._close.setAccessibleName("Dismiss message")
        self._close.setAutoRaise(True)
        self._close.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(14, 6, 6, 6)  # clear of the 5 px red edge
        layout.addWidget(self._title)
        layout.addWidget(self._message, 1)
        layout.addWidget(self.retry_button)
        layout.addWidget(self._close)
        self.hide()

    def paintEvent(self, event: QPaintEvent) -> None:
        """A faint red tint of the current background with a red edge, drawn from the palette
        in effect at paint time, so it reads in light and dark mode alike (and follows a
        switch between them; a style sheet would keep the colours it was set under)."""
        palette = self.palette()
        red = problem_color(palette)
        base = palette.color(QPalette.ColorRole.Base)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        painter.setPen(QPen(red, 1))
        painter.setBrush(_blend(base, red, 0.12))
        painter.drawRoundedRect(rect, 4, 4)
        painter.fillRect(QRectF(rect.left(), rect.top(), 5, rect.height()), red)
        painter.end()

    def show_problem(self, title: str, message: str, *, can_retry: bool = True) -> None:
        self._title.setText(title + ":")
        self._message.setText(message)
        self.retry_button.setVisible(can_retry)
        self.show()

    def title(self) -> str:
        return self._title.text().rstrip(":")

    def message(self) -> str:
        return self._message.text()


INCOMPLETE_TITLE = "Incomplete report"


def incomplete_message(report: Report) -> str | None:
    """The banner's words for an incomplete report; ``None`` for a complete one."""
    reason = report.incomplete
    if reason is None:
        return None
    return (
        f"{reason[:1].upper()}{reason[1:]}. Showing what arrived; sets that did not arrive "
        "are not called missing, and nothing is announced about them."
    )


def report_notice(report: Report) -> tuple[str, str] | None:
    """The banner's title and words for a report that is not whole; ``None`` when it is.

    A view of several partners names the partners that are not (all) in it; while partners
    are still being fetched it says nothing (the status bar counts them)."""
    if any(p.state == "pending" for p in report.partners):
        return None
    troubled = partner_problems(report)
    if troubled:
        missing = [p for p in troubled if p.state in ("refused", "failed")]
        n, total = len(missing), len(report.partners)
        title = f"{n} of {total} partners not shown" if missing else "Partners not all known"
        named = " ".join(f"{p.partner}: {_first_sentence(p.problem or '')}" for p in troubled)
        return title, (
            f"{named} Showing the others; sets of these partners are not called missing, "
            "and nothing is announced about them."
        )
    incomplete = incomplete_message(report)
    return None if incomplete is None else (INCOMPLETE_TITLE, incomplete)


def _first_sentence(text: str) -> str:
    """The gist of a long explanation (the whole is in the sidebar's tooltip and the log)."""
    head, dot, _rest = text.partition(". ")
    return head + "." if dot else text


class StaleLabel(QLabel):
    """The status bar's "Stale: showing the last good report" (the reason in its tooltip), in a
    red that reads on light and dark palettes alike; hidden while the report is fresh."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("staleLabel")
        self._color()
        self.hide()

    def show_reason(self, reason: str | None) -> None:
        if reason is None:
            self.hide()
            self.setToolTip("")
        else:
            self.setText("Stale: showing the last good report")
            self.setToolTip(reason)
            self.show()

    def _color(self) -> None:
        sheet = f"color: {problem_color(self.palette()).name()}; font-weight: bold;"
        if sheet != self.styleSheet():
            self.setStyleSheet(sheet)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._color()
        super().changeEvent(event)
