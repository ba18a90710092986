"""Managing acknowledgements in the real app: listing, sorting, "Show in table", removing.

The app runs with its tray (offscreen: no tray host, which Qt says harmlessly), so removing an
acknowledgement is checked where it matters: the tray counts the failure again.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

import desktop_app.app as app_module
from desktop_app.app import AppParts
from desktop_app.report.derived import FAILURE, MISSING, STALE, Acknowledgement
from desktop_app.report.rows import RowKey
from desktop_app.storage.acknowledgements import AcknowledgementStore
from desktop_app.ui.acknowledgements.manage_dialog import AcknowledgementActions
from desktop_app.ui.acknowledgements.table import (
    AckColumn,
    AckEntry,
    AcknowledgementTableModel,
    describe_standing,
)
from desktop_app.ui.problems.filter_bar import NEEDS_ATTENTION
from tests.gui.conftest import running_app, states_of

NOW = datetime.now(UTC).replace(microsecond=0)
OFFSCREEN_NOISE = pytest.mark.qt_log_ignore(
    "systemTrayWindowChanged", "This plugin does not support raise"
)


@pytest.fixture
def parts(qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppParts]:
    monkeypatch.setattr(app_module, "utc_now", lambda: NOW)
    with running_app(qtbot, tmp_path, rows=300, tray=True) as built:
        yield built


def _actions(parts: AppParts) -> AcknowledgementActions:
    return parts.acknowledgements


def _acknowledge_two_failures(parts: AppParts, qtbot: QtBot) -> list[RowKey]:
    history = parts.history
    derived = states_of(parts).derived
    keys = [k for k in sorted(derived.needs_attention) if derived.problems[k] == FAILURE][:2]
    assert len(keys) == 2
    for key, note, snooze in (
        (keys[0], "Disk replaced, rerun tonight", None),
        (keys[1], "Customer on holiday", NOW + timedelta(days=3)),
    ):
        assert history.acknowledge_many([key], note, snooze)
        # The states judged next include it (a judging already under way may answer first).
        qtbot.waitUntil(lambda k=key: k in states_of(parts).derived.acknowledged, timeout=5000)
    return keys


@OFFSCREEN_NOISE
def test_dialog_lists_sorts_shows_and_removes_and_the_tray_alerts_again(
    parts: AppParts, qtbot: QtBot
) -> None:
    views, tray = parts.problems, parts.tray
    assert views is not None and tray is not None
    history = views.history
    failures_before = tray.failure_count()
    keys = _acknowledge_two_failures(parts, qtbot)
    assert tray.failure_count() == failures_before - 2  # muted
    attention_after_ack = views.bar.buttons[NEEDS_ATTENTION].text()

    actions = _actions(parts)
    assert actions.manage_action.shortcut().toString() == "Ctrl+Shift+K"
    actions.manage_action.trigger()
    dialog = actions.dialog
    assert dialog is not None and dialog.isVisible()
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 2, timeout=5000)

    rows = {r.key: r for r in parts.model.visible_rows()}
    model = dialog.model
    by_key = {model.entry_at(r).ack.key: r for r in range(2)}
    assert set(by_key) == set(keys)
    first = by_key[keys[0]]
    cell = lambda row, col: model.data(model.index(row, col))  # noqa: E731
    assert cell(first, AckColumn.CUSTOMER) == keys[0][0]
    assert cell(first, AckColumn.COMPUTER) == rows[keys[0]].computer_name
    assert cell(first, AckColumn.BACKUP_SET) == keys[0][2]
    assert cell(first, AckColumn.PROBLEM) == "Failing"
    assert cell(first, AckColumn.NOTE) == "Disk replaced, rerun tonight"
    assert cell(first, AckColumn.SNOOZE) == "—"
    assert cell(first, AckColumn.STANDING) == "Holds"
    assert cell(by_key[keys[1]], AckColumn.SNOOZE) != "—"
    assert cell(first, AckColumn.BY)  # the OS user

    # Newest first by default (the clock is frozen here: both have the same time).
    header = dialog.table.horizontalHeader()
    assert header.sortIndicatorSection() == AckColumn.AT
    assert header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
    dialog.table.sortByColumn(AckColumn.NOTE, Qt.SortOrder.AscendingOrder)
    assert [model.entry_at(r).ack.note for r in range(2)] == [
        "Customer on holiday",
        "Disk replaced, rerun tonight",
    ]

    # "Show in table" selects the set in the main window, lifting filters that hide it.
    parts.window.search.setText("no such customer anywhere")
    dialog.table.selectRow(1)
    assert dialog.show_button.isEnabled()
    dialog.show_button.click()
    assert parts.window.table.selected_keys() == [keys[0]]
    assert "main window" in dialog.message.text()

    # Remove both with the Delete key; the user is asked once, for both.
    asked: list[int] = []
    assert parts.acknowledgements is not None
    parts.acknowledgements.confirm = lambda _parent, n: asked.append(n) or True
    dialog.table.selectAll()
    assert dialog.remove_action.shortcuts()[0].toString() == "Del"
    dialog.activateWindow()
    dialog.table.setFocus()
    qtbot.waitUntil(dialog.table.hasFocus, timeout=2000)
    with qtbot.waitSignal(parts.window.statusBar().messageChanged, timeout=5000):
        qtbot.keyClick(dialog.table, Qt.Key.Key_Delete)
    assert asked == [2]
    assert model.rowCount() == 0  # gone from the list at once
    qtbot.waitUntil(
        lambda: history.states is not None and not history.states.derived.acknowledged,
        timeout=5000,
    )
    assert tray.failure_count() == failures_before  # alerted again
    assert views.bar.buttons[NEEDS_ATTENTION].text() != attention_after_ack
    history = parts.history
    assert history is not None and history.store is not None
    assert AcknowledgementStore(history.store.database).all() == {}
    qtbot.waitUntil(lambda: dialog.empty_label.isVisible(), timeout=5000)
    assert "Removed 2 acknowledgements" in dialog.message.text()


@OFFSCREEN_NOISE
def test_remove_acknowledgement_of_the_selected_rows(parts: AppParts, qtbot: QtBot) -> None:
    views, tray = parts.problems, parts.tray
    assert views is not None and tray is not None
    history = views.history
    keys = _acknowledge_two_failures(parts, qtbot)
    muted = tray.failure_count()
    actions = _actions(parts)
    assert parts.acknowledgements is not None
    parts.acknowledgements.confirm = lambda _parent, _n: True
    edit = next(a.menu() for a in parts.window.menuBar().actions() if a.text() == "&Edit")
    assert isinstance(edit, QMenu) and actions.unacknowledge_action in edit.actions()

    assert parts.window.table.select_key(keys[1])
    with qtbot.waitSignal(history.states_changed, timeout=5000):
        actions.unacknowledge_action.trigger()
    qtbot.waitUntil(
        lambda: history.states is not None and keys[1] not in history.states.derived.acknowledged,
        timeout=5000,
    )
    assert history.states is not None and keys[0] in history.states.derived.acknowledged
    assert tray.failure_count() == muted + 1

    # A set that is not acknowledged: nothing to remove, and the status bar says so.
    assert not actions.unacknowledge_selection()
    message = parts.window.statusBar().currentMessage()
    assert message == "None of the selected backup sets is acknowledged"


def _ack(key: RowKey, state: str, snooze: datetime | None = None) -> Acknowledgement:
    return Acknowledgement(key, state, "note", "pat", NOW - timedelta(hours=1), snooze)


def test_standing_says_why_an_acknowledgement_lapsed() -> None:
    key = ("acme", "1", "Files")
    failing = {key: FAILURE}
    assert describe_standing(_ack(key, FAILURE), failing, NOW) == (True, "Holds")
    assert describe_standing(_ack(key, FAILURE), None, NOW) == (None, "Not checked yet")
    assert describe_standing(_ack(key, FAILURE), {}, NOW) == (False, "Lapsed: the problem cleared")
    assert describe_standing(_ack(key, STALE), failing, NOW) == (False, "Lapsed: now failing")
    ended = _ack(key, FAILURE, snooze=NOW)
    assert describe_standing(ended, failing, NOW) == (False, "Lapsed: the snooze ended")
    running = _ack(key, FAILURE, snooze=NOW + timedelta(seconds=1))
    assert describe_standing(running, failing, NOW) == (True, "Holds")


def test_table_model_passes_qtmodeltester_and_sorts_snoozes_last(qtmodeltester: object) -> None:
    model = AcknowledgementTableModel()
    entries = [
        AckEntry(
            _ack(("b", "2", "Files"), FAILURE, NOW + timedelta(days=2)), "PC-2", True, "Holds"
        ),
        AckEntry(_ack(("a", "1", "SQL"), MISSING), "PC-1", True, "Holds"),
        AckEntry(_ack(("c", "3", "Files"), STALE, NOW + timedelta(days=1)), "PC-3", True, "Holds"),
    ]
    model.set_entries(entries)
    qtmodeltester.check(model)  # type: ignore[attr-defined]
    model.sort(AckColumn.SNOOZE, Qt.SortOrder.AscendingOrder)
    assert [model.entry_at(r).ack.key[0] for r in range(3)] == ["c", "b", "a"]
    model.sort(AckColumn.CUSTOMER, Qt.SortOrder.DescendingOrder)
    assert [model.entry_at(r).ack.key[0] for r in range(3)] == ["c", "b", "a"]
    model.remove_keys([("b", "2", "Files")])
    assert [model.entry_at(r).ack.key[0] for r in range(2)] == ["c", "a"]
    assert model.data(model.index(1, AckColumn.PROBLEM)) == "Missing"


def test_selection_follows_a_resort(qtbot: QtBot) -> None:
    from PySide6.QtWidgets import QTableView

    model = AcknowledgementTableModel()
    model.set_entries(
        AckEntry(_ack((name, str(i), "Files"), FAILURE), f"PC-{i}", True, "Holds")
        for i, name in enumerate(["x", "y", "z"])
    )
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    row = model.row_of(("y", "1", "Files"))
    assert row is not None
    view.selectionModel().select(
        model.index(row, 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )
    model.sort(AckColumn.CUSTOMER, Qt.SortOrder.DescendingOrder)
    [selected] = view.selectionModel().selectedRows()
    assert model.entry_at(selected.row()).ack.key == ("y", "1", "Files")
