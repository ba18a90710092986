"""A strip of day cells: each day's worst status over the last weeks, at a glance.

Never colour alone: every cell also carries a letter (F failure, W warning, R running,
C completed, ? an undocumented status) and an empty day is an outlined cell with no fill, so
the strip reads in greyscale and for colour-blind admins. Each cell has a tooltip with the date
and its runs; the widget's accessible description summarises the whole strip in words.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from PySide6.QtCore import QEvent, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QColor, QHelpEvent, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from desktop_app.report.timeline import DayStatus

__all__ = ["CELL_GAP", "CELL_SIZE", "HistoryStrip", "cell_letter", "day_tooltip", "strip_summary"]

CELL_SIZE = 14
CELL_GAP = 2
MIN_CELL_SIZE = 11
"""Cells shrink to this (1 px gaps) before the strip wraps onto two lines, so the letters stay
readable and a narrow pane never needs a horizontal scroll bar."""

_WORDS = {
    "FAILURE": "Failure",
    "WARNING": "Warning",
    "RUNNING": "Running",
    "COMPLETED": "Completed",
}
_LETTERS = {"FAILURE": "F", "WARNING": "W", "RUNNING": "R", "COMPLETED": "C"}
# (fill, letter colour): the same fixed, high-contrast pairs as the detail pane's badges.
_COLOURS = {
    "FAILURE": ("#B3261E", "#FFFFFF"),
    "WARNING": ("#F2B01E", "#1F1F1F"),
    "RUNNING": ("#1A62C7", "#FFFFFF"),
    "COMPLETED": ("#1E7B34", "#FFFFFF"),
}
_UNKNOWN_COLOURS = ("#5F6368", "#FFFFFF")


def _word(status: str) -> str:
    return _WORDS.get(status, status)


def cell_letter(worst: str | None) -> str:
    """The letter drawn in a cell; empty for a day without a run."""
    if worst is None:
        return ""
    return _LETTERS.get(worst, "?")


def day_tooltip(day: DayStatus) -> str:
    """E.g. "Mon 2 Mar 2026: 2 runs, worst Failure (Completed, Failure)"."""
    when = f"{day.day:%a} {day.day.day} {day.day:%b %Y}"
    if day.worst is None:
        return f"{when}: no backup run seen"
    count = len(day.statuses)
    runs = "1 run" if count == 1 else f"{count} runs"
    if count == 1:
        return f"{when}: {runs}, {_word(day.worst)}"
    listed = ", ".join(_word(s) for s in day.statuses)
    return f"{when}: {runs}, worst {_word(day.worst)} ({listed})"


def strip_summary(days: Sequence[DayStatus]) -> str:
    """The strip in words, for screen readers: e.g. "Last 30 days: 27 completed, 3 no run"."""
    if not days:
        return "No history yet"
    counts = Counter(_word(d.worst).lower() if d.worst else "no run" for d in days)
    parts = ", ".join(f"{n} {what}" for what, n in counts.most_common())
    return f"Last {len(days)} days, worst status per day: {parts}"


class HistoryStrip(QWidget):
    """Paints ``DayStatus`` cells oldest to newest, left to right."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._days: tuple[DayStatus, ...] = ()
        self.setObjectName("historyStrip")
        self.setAccessibleName("Daily history")
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.setMouseTracking(True)
        self.set_days(())

    def days(self) -> tuple[DayStatus, ...]:
        return self._days

    def set_days(self, days: Sequence[DayStatus]) -> None:
        self._days = tuple(days)
        summary = strip_summary(self._days)
        self.setAccessibleDescription(summary)
        self.setToolTip("" if self._days else summary)
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:
        n = max(len(self._days), 1)
        return QSize(n * CELL_SIZE + (n - 1) * CELL_GAP, CELL_SIZE)

    def minimumSizeHint(self) -> QSize:
        columns = (max(len(self._days), 1) + 1) // 2
        return QSize(columns * MIN_CELL_SIZE + columns - 1, MIN_CELL_SIZE)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        size, gap, columns = self._metrics(width)
        rows = -(-max(len(self._days), 1) // columns)
        return rows * size + (rows - 1) * gap

    def _metrics(self, width: int | None = None) -> tuple[int, int, int]:
        """(cell size, gap, cells per line) for ``width``: full size on one line when there is
        room, then smaller cells, then two lines."""
        width = self.width() if width is None else width
        n = max(len(self._days), 1)
        if width >= n * CELL_SIZE + (n - 1) * CELL_GAP:
            return CELL_SIZE, CELL_GAP, n
        for columns in (n, (n + 1) // 2):
            size = (width - (columns - 1)) // columns
            if size >= MIN_CELL_SIZE:
                return min(size, CELL_SIZE), 1, columns
        return MIN_CELL_SIZE, 1, (n + 1) // 2

    def cell_rect(self, index: int) -> QRect:
        size, gap, columns = self._metrics()
        row, column = divmod(index, columns)
        return QRect(column * (size + gap), row * (size + gap), size, size)

    def cell_at(self, pos: QPoint) -> int | None:
        size, gap, columns = self._metrics()
        column, row = pos.x() // (size + gap), pos.y() // (size + gap)
        index = row * columns + column
        inside = column < columns and 0 <= index < len(self._days)
        return int(index) if inside and self.cell_rect(index).contains(pos) else None

    def tooltip_at(self, pos: QPoint) -> str | None:
        """The tooltip of the cell under ``pos``; ``None`` between or beyond the cells."""
        index = self.cell_at(pos)
        return None if index is None else day_tooltip(self._days[index])

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            tip = self.tooltip_at(event.pos())
            if tip is None:
                QToolTip.hideText()
                event.ignore()
            else:
                QToolTip.showText(event.globalPos(), tip, self)
            return True
        return super().event(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        font = painter.font()
        font.setPixelSize(max(self._metrics()[0] - 4, 7))
        font.setBold(True)
        painter.setFont(font)
        outline = self.palette().color(QPalette.ColorRole.PlaceholderText)
        for index, day in enumerate(self._days):
            rect = self.cell_rect(index).adjusted(0, 0, -1, -1)
            if day.worst is None:
                painter.setPen(QPen(outline, 1, Qt.PenStyle.DotLine))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRoundedRect(rect, 2, 2)
                continue
            fill, text = _COLOURS.get(day.worst, _UNKNOWN_COLOURS)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(fill))
            painter.drawRoundedRect(rect, 2, 2)
            painter.setPen(QColor(text))
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, cell_letter(day.worst))
        painter.end()
