"""Repeated failures from a real history: three failed runs in a row cross the default
escalation rule; the set is marked "Repeated failure" in the table, counted and shown by its
own toggle, and the escalation setting moves the line."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop_app.report.derived import REPEATED
from desktop_app.report.escalation import EscalationRule
from desktop_app.report.problem_states import ProblemStates
from desktop_app.report.rows import BackupStatusRow, Report
from desktop_app.ui.history.service import HistoryService
from desktop_app.ui.problems.filter_bar import ProblemFilterBar
from desktop_app.ui.table.columns import Column
from desktop_app.ui.table.model import ReportTableModel
from desktop_app.ui.workers import Workers
from tests.gui.conftest import open_history

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
WAIT = 10_000


def run(name: str, status: str, start: datetime) -> BackupStatusRow:
    end = start + timedelta(minutes=20)
    return BackupStatusRow(end, "acme", name, f"PC-{name}", "Files", start, end, status, (), 0, 0)


def nightly(day: int) -> Report:
    """Night ``day`` (1-3): set A fails every night, set B completes."""
    start = NOW - timedelta(days=4 - day, hours=10)
    rows = (run("A", "FAILURE", start), run("B", "COMPLETED", start))
    return Report(rows, fetched_at=start + timedelta(hours=1))


@pytest.fixture
def history(qtbot: QtBot, workers: Workers, tmp_path: Path) -> Iterator[HistoryService]:
    with open_history(qtbot, workers, tmp_path / "h.sqlite3", NOW) as service:
        yield service


def recorded(qtbot: QtBot, history: HistoryService, report: Report) -> ProblemStates:
    with qtbot.waitSignal(history.states_changed, timeout=WAIT) as changed:
        history.record(report)
        history.show_report(report)
    states = changed.args[0]
    assert isinstance(states, ProblemStates)
    return states


def test_three_failed_nights_make_a_repeated_failure_with_its_own_toggle(
    qtbot: QtBot, history: HistoryService
) -> None:
    assert not recorded(qtbot, history, nightly(1)).derived.repeated
    assert not recorded(qtbot, history, nightly(2)).derived.repeated
    states = recorded(qtbot, history, nightly(3))
    a, _completed = states.rows
    assert states.derived.repeated == {a.key} and states.summary.repeated == 1

    model = ReportTableModel(now=lambda: NOW)
    model.set_rows(states.rows)
    bar = ProblemFilterBar(model)
    qtbot.addWidget(bar)
    model.set_repeated_keys(states.derived.repeated)
    bar.set_derived(states.derived)
    toggle = bar.buttons[REPEATED]
    assert toggle.text() == "Repeated failure 1"
    status = list(Column).index(Column.STATUS)
    assert {model.cell_text(0, status), model.cell_text(1, status)} == {
        "Repeated failure",
        "Completed",
    }
    toggle.setChecked(True)
    assert model.rows_shown() == 1 and model.row_at(0).key == a.key
    assert bar.description() == "repeated failure"

    by_days = EscalationRule(runs=0, days=5)  # the setting moved: three nights is not enough
    with qtbot.waitSignal(history.states_changed, timeout=WAIT) as changed:
        history.set_escalation(by_days)
    assert not changed.args[0].derived.repeated and changed.args[0].escalation == by_days
