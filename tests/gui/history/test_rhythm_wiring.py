"""Rhythms through the history service: what the history learned judges the states, the
admin's override applies at once, and the tray's notification is worded by the rhythm.

A real SQLite history in ``tmp_path`` records an hourly set for ten hours; the set then stays
quiet for five hours, far inside the 26 h stale threshold but overdue by its rhythm.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QLabel, QScrollArea
from pytestqt.qtbot import QtBot

from desktop_app.report.derived import StaleRule
from desktop_app.report.diff import ChangeNotification
from desktop_app.report.problem_states import ProblemStates
from desktop_app.report.rows import BackupStatusRow, Report
from desktop_app.ui.detail.pane import DetailPane
from desktop_app.ui.detail.rhythm_row import RhythmRow
from desktop_app.ui.history.service import HistoryService
from desktop_app.ui.icons import IconProvider
from desktop_app.ui.tray.controller import TrayController
from desktop_app.ui.workers import Workers
from tests.gui.conftest import open_history
from tests.support import REPO_ICONS

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
LAST_RUN = NOW - timedelta(hours=5)
WAIT = 10_000


def run_at(start: datetime, *, name: str = "SQL Nightly") -> BackupStatusRow:
    end = start + timedelta(minutes=5)
    return BackupStatusRow(end, "acme", "0042", "SQL01", name, start, end, "COMPLETED", (), 0, 0)


KEY = run_at(NOW).key


@pytest.fixture
def history(qtbot: QtBot, workers: Workers, tmp_path: Path) -> Iterator[HistoryService]:
    with open_history(qtbot, workers, tmp_path / "h.sqlite3", NOW) as service:
        for hours_before in range(14, 4, -1):  # hourly, the last run five hours ago
            start = NOW - timedelta(hours=hours_before)
            with qtbot.waitSignal(service.recorder.recorded, timeout=WAIT):
                service.record(Report((run_at(start),), fetched_at=start + timedelta(minutes=10)))
        yield service


def judged(qtbot: QtBot, history: HistoryService) -> ProblemStates:
    with qtbot.waitSignal(history.states_changed, timeout=WAIT) as changed:
        history.show_report(Report((run_at(LAST_RUN),), fetched_at=NOW, source="history"))
    states = changed.args[0]
    assert isinstance(states, ProblemStates)
    return states


def after(qtbot: QtBot, history: HistoryService, change: bool) -> ProblemStates:
    assert change
    with qtbot.waitSignal(history.states_changed, timeout=WAIT) as changed:
        pass
    states = changed.args[0]
    assert isinstance(states, ProblemStates)
    return states


def test_a_learned_rhythm_makes_a_quiet_hourly_set_overdue_everywhere(
    qtbot: QtBot, history: HistoryService
) -> None:
    rules: list[StaleRule] = []
    history.rule_changed.connect(rules.append)
    states = judged(qtbot, history)
    rhythm = states.rule.rhythm_for(KEY)
    assert rhythm is not None and rhythm.interval == 3600 and not rhythm.manual
    assert states.derived.overdue == {KEY} and states.derived.stale == {KEY}
    assert states.derived.counts()["OVERDUE"] == 1 and states.summary.stale == 1
    assert states.stale_after(KEY) is None  # judged by its rhythm, not by the threshold
    assert rules == [states.rule] and history.rule is states.rule  # the table's, the tray's


def test_the_admins_rhythm_and_learning_off_apply_at_once_and_learning_comes_back(
    qtbot: QtBot, history: HistoryService
) -> None:
    assert judged(qtbot, history).derived.overdue == {KEY}

    off = after(qtbot, history, history.set_rhythm(KEY, None))
    assert off.rule.rhythm_for(KEY) is None and off.overrides == {KEY: None}
    assert not off.derived.stale  # five hours is well inside the 26 h threshold

    daily = after(qtbot, history, history.set_rhythm(KEY, 86400.0))
    fixed = daily.rule.rhythm_for(KEY)
    assert fixed is not None and fixed.manual and fixed.interval == 86400
    assert not daily.derived.stale

    learned = after(qtbot, history, history.learn_rhythm(KEY))
    assert learned.overrides == {} and learned.derived.overdue == {KEY}


def test_the_tray_says_how_long_an_overdue_set_has_been_quiet_and_its_usual_rhythm(
    qtbot: QtBot, history: HistoryService
) -> None:
    rule = judged(qtbot, history).rule
    tray = TrayController(
        IconProvider(icon_dir=REPO_ICONS), now=lambda: NOW, rule=rule, monochrome=False
    )
    try:
        earlier = LAST_RUN + timedelta(minutes=30)  # fresh then: the baseline
        tray.show_report(Report((run_at(LAST_RUN),), fetched_at=earlier))
        with qtbot.waitSignal(tray.notified, timeout=WAIT) as told:
            tray.show_report(Report((run_at(LAST_RUN),), fetched_at=NOW))
        note = told.args[0]
        assert isinstance(note, ChangeNotification)
        assert note.title == "1 newly stale"
        assert note.message == (
            "1 newly stale: acme / SQL01 / SQL Nightly: no run for 5 h, usually every 1 h"
        )
    finally:
        tray.hide()


def rhythm_of(pane: DetailPane) -> str:
    label = pane.findChild(QLabel, "rhythmValue")
    assert label is not None and label.isVisibleTo(pane)
    return label.text()


def test_the_detail_pane_says_the_rhythm_and_changes_it(
    qtbot: QtBot, history: HistoryService
) -> None:
    pane = DetailPane(
        IconProvider(icon_dir=REPO_ICONS), now=lambda: NOW, history=history, rhythms=history
    )
    qtbot.addWidget(pane)
    history.states_changed.connect(pane.show_states)
    judged(qtbot, history)
    pane.set_row(run_at(LAST_RUN))
    assert rhythm_of(pane) == (
        "Runs about every 1 h (learned from 10 runs); last run started 5 h ago - overdue"
    )
    status = pane.findChild(QLabel, "statusValue")
    assert status is not None and status.text() == "Overdue (last run: Completed)"
    copied = pane.details_text()  # Copy details says what the pane shows
    assert "Status: Overdue (last run: Completed)\nRhythm: Runs about every 1 h" in copied
    row = pane.findChild(RhythmRow)
    assert row is not None and not row.learn_action.isEnabled()

    with qtbot.waitSignal(history.states_changed, timeout=WAIT):
        row.turn_learning_off()
    assert rhythm_of(pane) == (
        "Learning is off for this set: judged by the stale threshold of 26 h"
    )
    assert status.text() == "Completed" and row.learn_action.isEnabled()

    with qtbot.waitSignal(history.states_changed, timeout=WAIT):
        row.set_interval(86400.0)
    assert rhythm_of(pane) == "Runs about every 24 h (set by you); last run started 5 h ago"

    with qtbot.waitSignal(history.states_changed, timeout=WAIT):
        row.learn_again()
    assert rhythm_of(pane).endswith("- overdue")


def test_a_set_with_too_few_runs_says_how_many_it_has(
    qtbot: QtBot, history: HistoryService
) -> None:
    files = [run_at(NOW - timedelta(hours=h), name="Files") for h in (3, 2, 1)]
    for run in files:
        report = Report((run_at(LAST_RUN), run), fetched_at=run.local_end)
        with qtbot.waitSignal(history.recorder.recorded, timeout=WAIT):
            history.record(report)
    pane = DetailPane(
        IconProvider(icon_dir=REPO_ICONS), now=lambda: NOW, history=history, rhythms=history
    )
    qtbot.addWidget(pane)
    with qtbot.waitSignal(history.states_changed, timeout=WAIT) as changed:
        history.show_report(Report((run_at(LAST_RUN), files[-1]), fetched_at=NOW, source="history"))
    pane.show_states(changed.args[0])
    pane.set_row(files[-1])
    assert rhythm_of(pane) == (
        "Not enough runs yet to learn (runs seen: 3 of 5): judged by the stale threshold of 26 h"
    )


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_the_details_never_need_a_horizontal_scroll_bar(
    qtbot: QtBot, history: HistoryService
) -> None:
    """With the history rows and the Rhythm row shown, each width either fits label and value
    side by side or stacks them: the values are never cut off behind a scroll bar."""
    pane = DetailPane(
        IconProvider(icon_dir=REPO_ICONS), now=lambda: NOW, history=history, rhythms=history
    )
    qtbot.addWidget(pane)
    history.states_changed.connect(pane.show_states)
    judged(qtbot, history)
    pane.set_row(run_at(LAST_RUN))
    pane.show()
    qtbot.waitExposed(pane)
    scroll = pane.findChild(QScrollArea)
    assert scroll is not None
    for width in range(260, 520, 10):
        pane.resize(width, 700)
        qtbot.waitUntil(lambda w=width: pane.width() == w)
        QApplication.processEvents()
        bar = scroll.horizontalScrollBar()
        assert not (bar.isVisible() and bar.maximum() > 0), f"cut off at {width} px"
