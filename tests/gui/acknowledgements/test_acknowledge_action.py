"""Ctrl+K on the selection: sets whose key could not be read are left out of an acknowledgement.

Issue 13's bulk acknowledge with issue 12's unknown keys: the store refuses a set it could not
recognise again, so the action leaves it out (and says so) instead of failing the whole batch
after storing part of it. The real window and history service, a real SQLite file.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel, QSettings
from pytestqt.qtbot import QtBot

from desktop_app.report.derived import StaleRule
from desktop_app.report.rows import BackupStatusRow, Report
from desktop_app.storage.acknowledgements import UNRECOGNISABLE
from desktop_app.storage.history import HistoryStore
from desktop_app.ui.acknowledgements.acknowledge_dialog import Problem, add_acknowledge_action
from desktop_app.ui.detail.pane import DetailPane
from desktop_app.ui.history.service import HistoryService
from desktop_app.ui.icons import IconProvider
from desktop_app.ui.shell.main_window import MainWindow
from desktop_app.ui.table.model import ReportTableModel
from desktop_app.ui.workers import Workers
from tests.support import REPO_ICONS

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
FAILING = BackupStatusRow(
    NOW, "acme", "42", "PC-1", "Files", NOW - timedelta(hours=2), NOW, "FAILURE", (), 1, 0
)
NAMELESS = FAILING._replace(username=None)


@pytest.fixture
def history(qtbot: QtBot, workers: Workers, tmp_path: Path) -> Iterator[HistoryService]:
    service = HistoryService(
        workers,
        lambda: HistoryStore(tmp_path / "h.sqlite3", clock=lambda: NOW),
        now=lambda: NOW,
        clock=lambda: NOW,
        rule=StaleRule(),
    )
    with qtbot.waitSignal(service.recorder.opened, timeout=10_000):
        service.start()
    yield service
    service.close()


def test_sets_whose_key_could_not_be_read_are_left_out_of_an_acknowledgement(
    qtbot: QtBot, history: HistoryService, tmp_path: Path
) -> None:
    icons = IconProvider(REPO_ICONS)
    model = ReportTableModel(now=lambda: NOW)
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    window = MainWindow(model, icons, DetailPane(icons, lambda: NOW), settings, lambda: NOW)
    qtbot.addWidget(window)
    report = Report(rows=(NAMELESS, FAILING))
    window.show_report(report)
    with qtbot.waitSignal(history.states_changed, timeout=10_000) as judged:
        history.record(report)
        history.show_report(report)
    assert NAMELESS.key in judged.args[0].derived.needs_attention  # a problem like any other
    asked: list[list[Problem]] = []

    def ask(problems: Sequence[Problem], _parent: object) -> tuple[str, None]:
        asked.append(list(problems))
        return "known", None

    action = add_acknowledge_action(window, history, ask)
    window.table.selectAll()
    with qtbot.waitSignal(history.states_changed, timeout=10_000) as changed:
        action.trigger()
    assert [p.key for p in asked[0]] == [FAILING.key]
    assert changed.args[0].derived.acknowledged.keys() == {FAILING.key}
    assert "1 set whose name could not be read left alone" in window.statusBar().currentMessage()

    nameless_row = model.view_row_of_key(NAMELESS.key)
    assert nameless_row is not None
    window.table.selectionModel().select(
        model.index(nameless_row, 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )
    action.trigger()
    assert len(asked) == 1  # not asked: nothing it could acknowledge
    assert window.statusBar().currentMessage() == f"Cannot acknowledge: {UNRECOGNISABLE}"
