"""The acknowledgement lifecycle in the real app at 100,000 rows: acknowledge, recover (the
acknowledgement lapses and is deleted; the problem views keep working), fail again (needs
attention again), snooze end, removal, and a restart that finds every view populated.

The demo server serves 100k rows that change only when the test says so (``SteerableData``),
through the real fetch, parse, history and derivation; the app's clock is the test's.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

import desktop_app.app as app_module
from desktop_app.app import AppParts
from desktop_app.demo.data import DemoData
from desktop_app.demo.server import DemoServer
from desktop_app.report.derived import FAILURE, STALE, DerivedStates
from desktop_app.report.rows import BackupStatusRow, RowKey
from desktop_app.report.status import ConditionStatus
from desktop_app.storage.acknowledgements import AcknowledgementStore
from desktop_app.ui.problems.filter_bar import NEEDS_ATTENTION
from tests.gui.conftest import running_app, states_of

ROWS = 100_000
TIMEOUT = 60_000  # ms: a 100k-row refresh (fetch, parse, record, derive) on a busy 2-core box
pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


class SteerableData(DemoData):
    """Demo rows that stay as they are, except the ones a test replaces."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.overrides: dict[RowKey, BackupStatusRow] = {}
        self.version = 0
        super().__init__(*args, **kwargs)

    @property
    def tick(self) -> Any:  # the server caches a body per tick: a replaced row is a new one
        return (super().tick, self.version)

    def replace(self, row: BackupStatusRow) -> None:
        self.overrides[row.key] = row
        self.version += 1

    def rows(self) -> tuple[BackupStatusRow, ...]:
        base = super().rows()
        if not self.overrides:
            return base
        return tuple(self.overrides.get((r[1], r[2], r[4]), r) for r in base)


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(app_module, "utc_now", clock)
    return clock


@pytest.fixture
def data(monkeypatch: pytest.MonkeyPatch) -> Iterator[SteerableData]:
    made: list[SteerableData] = []

    def server(
        *,
        rows: int,
        pause: Callable[[], None],
        compress: bool,
        quirks: object,
        showcase: bool,
        partners: object = (),
    ) -> DemoServer:
        # Documented shapes, one partner, the steered sets only.
        assert not quirks and not showcase and not partners
        if not made:
            made.append(SteerableData(rows, pause=pause))
        return DemoServer(made[0], evolve=False, pause=pause, compress=compress)

    monkeypatch.setattr(app_module, "DemoServer", server)
    yield made  # type: ignore[misc]


def refresh(qtbot: QtBot, parts: AppParts) -> DerivedStates:
    """One refresh as the user triggers it, until its states (after recording) are judged."""
    history = parts.history
    with qtbot.waitSignal(parts.refresh.report_ready, timeout=TIMEOUT) as ready:
        parts.window.refresh_action.trigger()
    rows = ready.args[0].rows
    # The judgement that follows this report's recording (earlier ones may still be arriving).
    qtbot.waitUntil(
        lambda: history.states is not None and history.states.rows is rows, timeout=TIMEOUT
    )
    return states_of(parts).derived


def needs_attention_toggle(parts: AppParts) -> int:
    assert parts.problems is not None
    text = parts.problems.bar.buttons[NEEDS_ATTENTION].text()
    return int(text.rsplit(" ", 1)[1].replace(",", ""))


def test_acknowledgements_through_recovery_snooze_end_removal_and_restart_at_100k_rows(
    qtbot: QtBot,
    tmp_path: Path,
    clock: Clock,
    data: list[SteerableData],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.ERROR)
    with running_app(qtbot, tmp_path, rows=ROWS, evolve=False) as parts:
        history, store = parts.history, parts.history.store
        assert store is not None
        derived = states_of(parts).derived
        assert parts.model.total_rows() >= ROWS * 0.99
        failing = sorted(k for k, s in derived.problems.items() if s == FAILURE)
        stale = sorted(k for k, s in derived.problems.items() if s == STALE)
        recovering, removed, quiet = failing[0], failing[1], stale[0]
        before = needs_attention_toggle(parts)

        # Acknowledge two failures (one note) and a stale set until tomorrow.
        assert history.acknowledge_many([recovering, removed], "Known: disk swap tonight")
        assert history.acknowledge_many([quiet], "On holiday", clock.now + timedelta(days=1))
        qtbot.waitUntil(
            lambda: (
                history.states is not None
                and {recovering, removed, quiet} <= history.states.derived.acknowledged.keys()
            ),
            timeout=TIMEOUT,
        )
        derived = history.states.derived
        assert derived is not None
        assert {recovering, removed, quiet} <= derived.acknowledged.keys()
        assert needs_attention_toggle(parts) == before - 3

        # The acknowledged failure recovers: its acknowledgement lapses and is deleted, and the
        # problem views keep following refreshes (the crash froze them for good).
        row = next(r for r in parts.model.visible_rows() if r.key == recovering)
        ended = clock.now - timedelta(minutes=5)
        data[0].replace(
            row._replace(
                condition_status=ConditionStatus.COMPLETED,
                condition_types=("COMPLETED",),
                local_start=ended - timedelta(minutes=30),
                local_end=ended,
            )
        )
        derived = refresh(qtbot, parts)
        assert recovering not in derived.problems and recovering not in derived.acknowledged
        assert recovering not in AcknowledgementStore(store.database).all()
        assert needs_attention_toggle(parts) == derived.counts()["NEEDS_ATTENTION"]

        # It fails again: it needs attention again (no ghost of the old acknowledgement).
        data[0].replace(row)
        derived = refresh(qtbot, parts)
        assert recovering in derived.needs_attention

        # The snooze ends: the stale set needs attention again, its acknowledgement is gone.
        clock.now += timedelta(days=1, minutes=1)
        derived = refresh(qtbot, parts)
        assert quiet in derived.needs_attention and quiet in derived.voided
        assert quiet not in AcknowledgementStore(store.database).all()

        # Removal from the Acknowledgements dialog's manager: needs attention at once.
        manager = parts.acknowledgements.manager
        assert manager.remove(manager.held_for([removed]))
        qtbot.waitUntil(
            lambda: (
                history.states is not None and removed in history.states.derived.needs_attention
            ),
            timeout=TIMEOUT,
        )
        derived = history.states.derived
        assert derived is not None and removed in derived.needs_attention
        assert needs_attention_toggle(parts) == derived.counts()["NEEDS_ATTENTION"]

    # A restart finds the sidebar, the toggles and the stale sets populated.
    with running_app(qtbot, tmp_path, rows=ROWS, evolve=False) as again:
        views = again.problems
        assert views.sidebar.model.rowCount() > 100
        derived = states_of(again).derived
        assert derived.stale
        assert views.bar.buttons[STALE].text() == f"Stale / overdue {len(derived.stale):,}"
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], [r.getMessage() for r in errors]
