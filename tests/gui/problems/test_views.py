"""The history features in the real app: problem toggles, customer sidebar, acknowledging."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel
from PySide6.QtWidgets import QDialogButtonBox, QLabel
from pytestqt.qtbot import QtBot

import desktop_app.app as app_module
from desktop_app.app import AppParts
from desktop_app.report.derived import FAILURE, MISSING, STALE, StaleRule, derive
from desktop_app.report.rows import RowKey
from desktop_app.storage.acknowledgements import AcknowledgementStore
from desktop_app.ui.acknowledgements.acknowledge_dialog import (
    AcknowledgeDialog,
    Problem,
    snooze_end,
)
from desktop_app.ui.problems.filter_bar import NEEDS_ATTENTION
from tests.gui.conftest import running_app

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def parts(qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppParts]:
    monkeypatch.setattr(app_module, "utc_now", lambda: NOW)  # one "now" for app and test
    with running_app(qtbot, tmp_path, rows=300) as built:
        yield built


def _shown(parts: AppParts) -> set[RowKey]:
    model = parts.model
    return {model.row_at(i).key for i in range(model.rows_shown())}


def test_problem_bar_counts_match_derive_and_stale_toggle_filters(
    parts: AppParts, qtbot: QtBot
) -> None:
    views = parts.problems
    assert views is not None and views.report is not None and parts.history is not None
    store = parts.history.store
    assert store is not None
    expected = derive(
        views.report.rows,
        NOW,
        StaleRule(),
        [m.key for m in store.missing_sets()],
        AcknowledgementStore(store.database).all(),
    )
    counts = expected.counts()
    assert counts[STALE] > 0 and counts[NEEDS_ATTENTION] > 0  # the demo has both
    bar = views.bar
    assert bar.buttons[STALE].text() == f"Stale / overdue {counts[STALE]:,}"
    assert bar.buttons[MISSING].text() == f"Missing {counts[MISSING]:,}"
    assert bar.buttons[NEEDS_ATTENTION].text() == f"Needs attention {counts[NEEDS_ATTENTION]:,}"
    assert str(counts[STALE]) in bar.buttons[STALE].accessibleName()

    all_keys = _shown(parts)
    bar.buttons[STALE].click()
    assert _shown(parts) == set(expected.stale)
    bar.buttons[STALE].click()
    assert _shown(parts) == all_keys

    bar.buttons[STALE].click()
    parts.window.clear_filters()  # the window's way back to every row releases the toggle
    assert not bar.buttons[STALE].isChecked()
    assert _shown(parts) == all_keys


def test_selecting_a_customer_filters_the_table(parts: AppParts) -> None:
    views = parts.problems
    assert views is not None and views.report is not None
    sidebar = views.sidebar
    assert sidebar.model.rowCount() > 1
    customer = sidebar.model.customer_at(1)
    sidebar.view.selectionModel().select(
        sidebar.model.index(1), QItemSelectionModel.SelectionFlag.ClearAndSelect
    )
    wanted = {r.key for r in views.report.rows if r.username == customer.username}
    assert wanted and _shown(parts) == wanted
    assert customer.backup_sets >= len(wanted)

    views.bar.buttons[NEEDS_ATTENTION].click()  # toggles and customer combine
    assert views.history.states is not None
    assert _shown(parts) == wanted & views.history.states.derived.needs_attention
    views.bar.buttons[NEEDS_ATTENTION].click()
    sidebar.clear_selection()
    assert len(_shown(parts)) == len(views.report.rows)


def test_acknowledging_a_failing_row_clears_needs_attention(parts: AppParts, qtbot: QtBot) -> None:
    views = parts.problems
    assert views is not None
    history = views.history
    derived = history.states.derived
    assert derived is not None
    key = next(k for k in sorted(derived.needs_attention) if derived.problems[k] == FAILURE)
    before = derived.counts()[NEEDS_ATTENTION]
    assert parts.window.table.select_key(key)
    asked: list[tuple[RowKey, str]] = []

    def ask(problems: list[Problem], _parent: object) -> tuple[str, None]:
        asked.extend((p.key, p.state) for p in problems)
        return "Disk replaced, rerun tonight", None

    views.ask = ask
    assert views.acknowledge_action is not None
    assert views.acknowledge_action.shortcut().toString() == "Ctrl+K"
    views.acknowledge_action.trigger()
    assert asked == [(key, FAILURE)]
    qtbot.waitUntil(
        lambda: history.states is not None and key not in history.states.derived.needs_attention,
        timeout=10_000,
    )
    after = history.states.derived
    assert after is not None and after.counts()[NEEDS_ATTENTION] == before - 1
    assert key in after.acknowledged
    assert views.bar.buttons[NEEDS_ATTENTION].text() == f"Needs attention {before - 1:,}"
    label = parts.window.detail_pane.findChild(QLabel, "acknowledgedValue")
    assert label is not None
    qtbot.waitUntil(lambda: "Disk replaced, rerun tonight" in label.text(), timeout=5_000)


def test_acknowledge_dialog_requires_a_note_and_returns_the_snooze(qtbot: QtBot) -> None:
    dialog = AcknowledgeDialog([Problem(("acme", "7", "Files"), FAILURE, "ACME-FS01")])
    qtbot.addWidget(dialog)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled()
    dialog.note.setText("  known outage ")
    assert ok.isEnabled()
    assert dialog.result_values() == ("known outage", None)
    dialog.snooze_box.setChecked(True)
    chosen = dialog.snooze_date.date()
    note, until = dialog.result_values()
    assert note == "known outage"
    assert until == snooze_end(date(chosen.year(), chosen.month(), chosen.day()))
    assert until is not None and until.tzinfo is not None


def test_a_lapsed_acknowledgement_is_deleted_at_the_next_report(
    parts: AppParts, qtbot: QtBot
) -> None:
    views = parts.problems
    assert views is not None and parts.history is not None
    history, store = views.history, parts.history.store
    assert history.states is not None and store is not None
    key = next(k for k in sorted(history.states.derived.needs_attention))
    state = history.states.derived.problems[key]
    acks = AcknowledgementStore(store.database)
    acks.acknowledge(key, state, "snooze ended a year ago", NOW.replace(year=NOW.year - 1))
    assert key in acks.all()
    with qtbot.waitSignal(history.states_changed, timeout=30_000):
        parts.refresh.refresh()
    qtbot.waitUntil(lambda: key not in AcknowledgementStore(store.database).all(), timeout=10_000)
    assert history.states is not None and key in history.states.derived.needs_attention
