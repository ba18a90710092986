"""The history service: the acknowledgement lifecycle as it judges the states (acknowledge,
recover: the acknowledgement lapses and is deleted; fail again: needs attention again; snooze
end), when a report's states are judged, and what it records.

Real SQLite history in ``tmp_path``; the service opens it, records and judges on its workers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop_app.report.derived import FAILURE, STALE, StaleRule
from desktop_app.report.problem_states import ProblemStates
from desktop_app.report.rows import BackupStatusRow, Report
from desktop_app.storage.acknowledgements import AcknowledgementStore
from desktop_app.storage.history import HISTORY_SOURCE, HistoryStore
from desktop_app.ui.history.service import HistoryService
from desktop_app.ui.workers import Workers

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
WAIT = 10_000


def row(status: str, *, end: datetime = NOW - timedelta(hours=1)) -> BackupStatusRow:
    return BackupStatusRow(
        NOW, "acme", "42", "PC-1", "Files", end - timedelta(minutes=5), end, status, (), 0, 0
    )


KEY = row("FAILURE").key


@pytest.fixture
def clock() -> list[datetime]:
    return [NOW]


@pytest.fixture
def history(
    qtbot: QtBot, workers: Workers, tmp_path: Path, clock: list[datetime]
) -> Iterator[HistoryService]:
    service = HistoryService(
        workers,
        lambda: HistoryStore(tmp_path / "h.sqlite3", clock=lambda: NOW),
        now=lambda: clock[0],
        clock=lambda: NOW,
        rule=StaleRule(),
    )
    with qtbot.waitSignal(service.recorder.opened, timeout=WAIT):
        service.start()
    yield service
    service.close()


def acks_of(history: HistoryService) -> AcknowledgementStore:
    store = history.acknowledgements
    assert store is not None
    return store


def shown(qtbot: QtBot, history: HistoryService, rows: list[BackupStatusRow]) -> ProblemStates:
    """A report on screen and recorded, as the app does it: its states follow the recording."""
    report = Report(rows=tuple(rows), fetched_at=NOW)
    with qtbot.waitSignal(history.states_changed, timeout=WAIT) as changed:
        history.record(report)
        history.show_report(report)
    states = changed.args[0]
    assert isinstance(states, ProblemStates) and states.rows == report.rows
    return states


def test_a_recovered_acknowledged_set_voids_its_acknowledgement_and_keeps_deriving(
    qtbot: QtBot, history: HistoryService
) -> None:
    assert shown(qtbot, history, [row("FAILURE")]).derived.needs_attention == {KEY}
    acks_of(history).acknowledge(KEY, FAILURE, "replacing the disk")
    assert shown(qtbot, history, [row("FAILURE")]).derived.acknowledged.keys() == {KEY}

    recovered = shown(qtbot, history, [row("COMPLETED")]).derived
    assert recovered.voided == {KEY} and not recovered.needs_attention
    assert acks_of(history).all() == {}  # lapsed for good: deleted

    again = shown(qtbot, history, [row("FAILURE")]).derived
    assert again.needs_attention == {KEY} and not again.acknowledged  # alerts again


def test_a_snooze_that_ended_voids_the_acknowledgement(
    qtbot: QtBot, history: HistoryService, clock: list[datetime]
) -> None:
    old = row("COMPLETED", end=NOW - timedelta(days=3))
    acks_of(history).acknowledge(
        KEY, STALE, "customer on holiday", snooze_until=NOW + timedelta(days=1)
    )
    assert shown(qtbot, history, [old]).derived.acknowledged.keys() == {KEY}
    clock[0] = NOW + timedelta(days=1, seconds=1)
    lapsed = shown(qtbot, history, [old]).derived
    assert lapsed.needs_attention == {KEY} and lapsed.voided == {KEY}
    assert acks_of(history).all() == {}


def test_acknowledging_stores_one_note_for_each_problem_and_judges_again(
    qtbot: QtBot, history: HistoryService
) -> None:
    other = row("FAILURE")._replace(backupset_name="SQL")
    shown(qtbot, history, [row("FAILURE"), other, row("COMPLETED")._replace(computer_id="7")])
    stored: list[int] = []
    history.acknowledged.connect(stored.append)
    with qtbot.waitSignals([history.acknowledged, history.states_changed], timeout=WAIT):
        assert history.acknowledge_many([KEY, other.key], "known outage")
    assert stored == [2]
    states = history.states
    assert states is not None and states.derived.acknowledged.keys() == {KEY, other.key}
    assert {a.note for a in acks_of(history).all().values()} == {"known outage"}
    assert not history.acknowledge_many([("acme", "7", "Files")], "no problem: nothing to do")
    assert not history.acknowledge_many([KEY], "   ")  # a note is required


def test_a_report_from_the_history_is_judged_at_once_and_a_fetched_one_after_recording(
    qtbot: QtBot, history: HistoryService
) -> None:
    judged: list[ProblemStates] = []
    history.states_changed.connect(judged.append)
    restored = Report(rows=(row("FAILURE"),), source=HISTORY_SOURCE)
    with qtbot.waitSignal(history.states_changed, timeout=WAIT):
        history.show_report(restored)  # never recorded again: nothing to wait for
    fetched = Report(rows=(row("COMPLETED"),), fetched_at=NOW)
    history.show_report(fetched)  # recorded first: its states follow the recording
    with qtbot.assertNotEmitted(history.states_changed, wait=300):
        pass
    with qtbot.waitSignal(history.states_changed, timeout=WAIT):
        history.record(fetched)
    assert [s.rows for s in judged] == [restored.rows, fetched.rows]
    store = history.store
    assert store is not None and store.last_refresh() == NOW


def test_without_a_history_the_states_come_from_the_report_alone(
    qtbot: QtBot, workers: Workers, tmp_path: Path
) -> None:
    folder = tmp_path / "not-a-folder"
    folder.write_text("a file where the data folder should be")
    history = HistoryService(
        workers,
        lambda: HistoryStore(folder / "h.sqlite3", clock=lambda: NOW),
        now=lambda: NOW,
        clock=lambda: NOW,
        retry_seconds=0,  # off for the session
    )
    opened: Callable[[], bool] = lambda: history.health.state.value == "off"  # noqa: E731
    history.start()
    qtbot.waitUntil(opened, timeout=WAIT)
    with qtbot.waitSignal(history.states_changed, timeout=WAIT) as changed:
        history.show_report(Report(rows=(row("FAILURE"),), fetched_at=NOW))
    states = changed.args[0]
    assert not history.available and not states.with_history
    assert states.derived.needs_attention == {KEY}
    assert not history.acknowledge_many([KEY], "needs the history")
    history.close()


def test_a_history_query_that_fails_costs_the_history_lines_only(
    qtbot: QtBot, history: HistoryService, caplog: pytest.LogCaptureFixture
) -> None:
    store = history.store
    assert store is not None and history.set_history(KEY) is not None

    def broken(*_args: object, **_kwargs: object) -> None:
        raise OSError("disk gone")

    store.set_history = broken  # type: ignore[method-assign]
    assert history.set_history(KEY) is None
    assert "Could not read the history" in caplog.text


def test_the_problem_states_are_judged_paced_on_a_worker(
    qtbot: QtBot, workers: Workers, tmp_path: Path
) -> None:
    """Judging a report's states rests with the other paced jobs (``pause``), off the GUI
    thread, so a start over a large history does not hold the GIL against the window."""
    rested: list[threading.Thread] = []
    history = HistoryService(
        workers,
        lambda: HistoryStore(tmp_path / "h.sqlite3", clock=lambda: NOW),
        now=lambda: NOW,
        clock=lambda: NOW,
        pause=lambda: rested.append(threading.current_thread()),
    )
    rows = tuple(row("FAILURE")._replace(computer_id=str(i)) for i in range(1000))
    with qtbot.waitSignal(history.states_changed, timeout=WAIT) as changed:
        history.show_report(Report(rows=rows, fetched_at=NOW))  # before the history opens
    assert len(changed.args[0].derived.needs_attention) == 1000
    assert len(rested) >= 4 * (1000 // 256) and threading.main_thread() not in rested
    history.close()


def test_a_report_just_put_on_screen_is_judged_after_the_delay(
    qtbot: QtBot, workers: Workers, tmp_path: Path
) -> None:
    """A report the history will not record (restored at start, or no history yet) is judged
    ``delay`` after it is shown: the GUI thread draws it first, with the GIL to itself."""
    history = HistoryService(
        workers,
        lambda: HistoryStore(tmp_path / "h.sqlite3", clock=lambda: NOW),
        now=lambda: NOW,
        clock=lambda: NOW,
        delay=0.4,
    )
    history.show_report(Report(rows=(row("FAILURE"),), fetched_at=NOW))
    with qtbot.assertNotEmitted(history.states_changed, wait=200):
        pass
    with qtbot.waitSignal(history.states_changed, timeout=WAIT) as changed:
        pass
    assert changed.args[0].derived.needs_attention == {KEY}
    history.close()
