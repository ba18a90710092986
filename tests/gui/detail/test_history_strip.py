"""The history strip widget and the detail pane's history rows over a real history database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QFormLayout, QLabel

from desktop_app.report.derived import Acknowledgement
from desktop_app.report.rows import BackupStatusRow, RowKey
from desktop_app.report.status import ConditionStatus
from desktop_app.report.timeline import DayStatus, SetHistory
from desktop_app.storage.acknowledgements import AcknowledgementStore
from desktop_app.storage.history import HistoryStore
from desktop_app.ui.detail.history_strip import (
    CELL_GAP,
    CELL_SIZE,
    HistoryStrip,
    cell_letter,
    day_tooltip,
    strip_summary,
)
from desktop_app.ui.detail.pane import DetailPane
from desktop_app.ui.icons import IconProvider
from tests.support import REPO_ICONS

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
S = ConditionStatus
DAYS = (
    DayStatus(date(2026, 3, 1), S.FAILURE, (S.COMPLETED, S.FAILURE)),
    DayStatus(date(2026, 3, 2), None),
    DayStatus(date(2026, 3, 3), "PAUSED", ("PAUSED",)),
    DayStatus(date(2026, 3, 4), S.COMPLETED, (S.COMPLETED,)),
)


def test_texts_never_rely_on_colour() -> None:
    assert [cell_letter(d.worst) for d in DAYS] == ["F", "", "?", "C"]
    assert day_tooltip(DAYS[0]) == "Sun 1 Mar 2026: 2 runs, worst Failure (Completed, Failure)"
    assert day_tooltip(DAYS[1]) == "Mon 2 Mar 2026: no backup run seen"
    assert day_tooltip(DAYS[3]) == "Wed 4 Mar 2026: 1 run, Completed"
    summary = strip_summary(DAYS)
    assert summary.startswith("Last 4 days") and "1 failure" in summary and "1 no run" in summary


def test_strip_paints_cells_and_answers_tooltips(qtbot: object) -> None:
    strip = HistoryStrip()
    qtbot.addWidget(strip)  # type: ignore[attr-defined]
    strip.set_days(DAYS)
    assert strip.sizeHint().width() == 4 * CELL_SIZE + 3 * CELL_GAP
    assert "1 failure" in strip.accessibleDescription()
    strip.resize(strip.sizeHint())
    image = QImage(strip.size(), QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    strip.render(image)
    corner = QPoint(3, CELL_SIZE - 3)  # inside the cell, away from the letter
    assert image.pixelColor(corner).name() == "#b3261e"
    background = image.pixelColor(QPoint(CELL_SIZE + 1, 7))  # the gap between cells
    assert image.pixelColor(corner + QPoint(CELL_SIZE + CELL_GAP, 0)) == background  # no fill
    assert strip.cell_at(QPoint(CELL_SIZE + 1, 5)) is None  # the gap between cells
    assert strip.cell_at(QPoint(3 * (CELL_SIZE + CELL_GAP) + 2, 5)) == 3
    assert strip.tooltip_at(QPoint(2, 2)) == day_tooltip(DAYS[0])
    assert strip.tooltip_at(QPoint(CELL_SIZE + 1, 2)) is None


def row(status: str, end: datetime, errors: int = 0) -> BackupStatusRow:
    return BackupStatusRow(
        NOW, "acme", "1", "PC", "Files", end - timedelta(hours=1), end, status, (), errors, 0
    )


@pytest.fixture
def store(tmp_path: Path) -> HistoryStore:
    history = HistoryStore(tmp_path / "history.sqlite3", clock=lambda: NOW)
    yield history
    history.close()


def visible(pane: DetailPane, name: str) -> bool:
    label = pane.findChild(QLabel, name)
    form = pane.findChild(QFormLayout)
    assert label is not None and form is not None
    return form.isRowVisible(label)


def text(pane: DetailPane, name: str) -> str:
    label = pane.findChild(QLabel, name)
    assert label is not None
    return label.text()


class StoreSource:
    """The pane's history source over a real store, as the history service is one."""

    def __init__(self, store: HistoryStore | None, acks: AcknowledgementStore | None) -> None:
        self.available = True
        self._store, self._acks = store, acks

    def set_history(self, key: RowKey) -> SetHistory | None:
        return None if self._store is None else self._store.set_history(key, tz=UTC)

    def acknowledgement(self, key: RowKey) -> Acknowledgement | None:
        return None if self._acks is None else self._acks.get(key)


def test_detail_pane_shows_history_and_acknowledgement(qtbot: object, store: HistoryStore) -> None:
    day = timedelta(days=1)
    store.record([row(S.COMPLETED, NOW - 3 * day)], NOW - 3 * day)
    store.record([row(S.FAILURE, NOW - day, 5)], NOW - day)
    acks = AcknowledgementStore(store.database, clock=lambda: NOW, user=lambda: "pat")
    source = StoreSource(store, acks)
    source.available = False  # not open yet
    pane = DetailPane(IconProvider(REPO_ICONS), now=lambda: NOW, local_tz=UTC, history=source)
    qtbot.addWidget(pane)  # type: ignore[attr-defined]
    current = row(S.FAILURE, NOW - day, 5)
    pane.set_row(current)
    assert not visible(pane, "failingSinceValue")  # no history: no history rows
    source.available = True
    pane.refresh()
    assert visible(pane, "failingSinceValue") and not visible(pane, "acknowledgedValue")
    days = pane.history_strip.days()
    assert len(days) == 30 and days[-1].day == NOW.date()
    assert days[-2].worst == S.FAILURE and days[-4].worst == S.COMPLETED
    assert text(pane, "failingSinceValue").startswith("2026-03-01 12:00")
    assert text(pane, "lastSuccessValue").startswith("2026-02-27 12:00")
    assert text(pane, "runsSeenValue").startswith("2 since 2026-02-27")
    acks.acknowledge(current.key, S.FAILURE, "Disk replaced Friday", NOW + 2 * day)
    pane.refresh()
    assert visible(pane, "acknowledgedValue")
    ack_text = text(pane, "acknowledgedValue")
    assert "pat" in ack_text and "Disk replaced Friday" in ack_text and "2026-03-04" in ack_text


def test_a_history_that_cannot_be_read_says_so(qtbot: object) -> None:
    pane = DetailPane(IconProvider(REPO_ICONS), now=lambda: NOW, history=StoreSource(None, None))
    qtbot.addWidget(pane)  # type: ignore[attr-defined]
    pane.set_row(row(S.FAILURE, NOW))
    assert text(pane, "failingSinceValue") == "History unavailable"
    assert pane.history_strip.days() == ()


def test_strip_shrinks_to_fit_a_narrow_pane(qtbot: object) -> None:
    strip = HistoryStrip()
    qtbot.addWidget(strip)  # type: ignore[attr-defined]
    month = [DayStatus(date(2026, 3, 1) + timedelta(days=i), S.COMPLETED) for i in range(30)]
    strip.set_days(month)
    assert strip.minimumSizeHint().width() < strip.sizeHint().width()
    strip.resize(380, strip.heightForWidth(380))
    last = strip.cell_rect(29)
    assert last.right() < 380 and last.width() == 11 and last.top() == 0  # one line, smaller
    assert strip.cell_at(last.center()) == 29
    strip.resize(200, strip.heightForWidth(200))  # two lines of 15
    assert strip.height() > last.height() * 2
    assert strip.cell_rect(15).top() > 0 and strip.cell_rect(15).left() == 0
    assert strip.cell_at(strip.cell_rect(16).center()) == 16
    assert strip.cell_rect(14).right() < 200
