"""History trouble stays visible and heals itself where it can: a database locked at start is
tried again, a full disk is reported with its reason (and cleared by the next good write), and
news found before the window existed (a damaged file replaced) still reaches the indicator.

Real SQLite files: another connection really holds the lock; SQLite's own page limit really
fills the database ("database or disk is full")."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtGui import QIcon
from pytestqt.qtbot import QtBot

import desktop_app.storage.database as database_module
from desktop_app.app import AppOptions, AppParts, build
from desktop_app.report.rows import BackupStatusRow, Report
from desktop_app.storage.history import DEMO_HISTORY_FILE_NAME, HistoryStore
from desktop_app.ui.history.health import HistoryHealth, HistoryState
from desktop_app.ui.history.indicator import HistoryIndicator
from desktop_app.ui.history.recorder import HistoryRecorder
from desktop_app.ui.history.service import HistoryService
from desktop_app.ui.workers import Workers

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def report(n: int, at: datetime = NOW, name: str = "PC") -> Report:
    rows = tuple(
        BackupStatusRow(NOW, f"c{i}", i, name * 50, f"Set {i}", NOW, NOW, "COMPLETED", (), n, 0)
        for i in range(200)
    )
    return Report(rows=rows, fetched_at=at)


@pytest.fixture
def quick_busy_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    """A lock is given up on after 0.2 s instead of 5 s, so the test does not wait."""
    monkeypatch.setattr(database_module, "BUSY_TIMEOUT_MS", 200)


@pytest.fixture
def locked(tmp_path: Path) -> Iterator[tuple[Path, sqlite3.Connection]]:
    """A history file that another program holds an exclusive lock on."""
    path = tmp_path / DEMO_HISTORY_FILE_NAME
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("CREATE TABLE other_program (x)")
    other.execute("BEGIN EXCLUSIVE")
    yield path, other
    other.close()


def start_app(qtbot: QtBot, tmp_path: Path, data_dir: Path, *, retry_seconds: float) -> AppParts:
    parts = build(
        AppOptions(
            demo=True,
            demo_rows=40,
            settings_path=tmp_path / "s.ini",
            data_dir=data_dir,
            tray=False,
            history_retry_seconds=retry_seconds,
        )
    )
    qtbot.addWidget(parts.window)
    return parts


def indicator_of(parts: AppParts) -> HistoryIndicator:
    found = parts.window.findChild(HistoryIndicator, "historyIndicator")
    assert isinstance(found, HistoryIndicator)
    return found


def test_a_database_locked_at_start_is_retried_and_history_comes_back(
    qtbot: QtBot, tmp_path: Path, locked: tuple[Path, sqlite3.Connection], quick_busy_timeout: None
) -> None:
    _path, other = locked
    parts = start_app(qtbot, tmp_path, tmp_path, retry_seconds=0.5)
    try:
        history = parts.history
        qtbot.waitUntil(lambda: history.health.state is HistoryState.RETRYING, timeout=10_000)
        indicator = indicator_of(parts)
        qtbot.waitUntil(lambda: not indicator.isHidden(), timeout=5_000)
        assert indicator.text() == "History off, retrying"
        assert "locked" in indicator.toolTip()
        views = parts.problems
        assert views is not None
        # Without history the problem views still work from the report alone.
        qtbot.waitUntil(lambda: history.states is not None, timeout=10_000)
        assert views.sidebar.model.rowCount() > 0

        other.execute("ROLLBACK")  # the other program lets go
        with qtbot.waitSignal(history.recorder.opened, timeout=10_000):
            pass
        qtbot.waitUntil(lambda: history.health.state is HistoryState.ON, timeout=5_000)
        assert indicator.isHidden()
        assert history.available
        store = history.store
        assert store is not None
        qtbot.waitUntil(lambda: store.last_refresh() is not None, timeout=10_000)  # caught up
    finally:
        parts.close()


def test_a_full_disk_is_shown_with_its_reason_until_a_write_succeeds(
    qtbot: QtBot, tmp_path: Path, workers: Workers
) -> None:
    path = tmp_path / "h.sqlite3"
    recorder = HistoryRecorder(workers, lambda: HistoryStore(path, clock=lambda: NOW))
    changes: list[HistoryHealth] = []
    recorder.health_changed.connect(changes.append)
    try:
        with qtbot.waitSignal(recorder.opened) as ready:
            recorder.start()
        store = ready.args[0]
        with qtbot.waitSignal(recorder.recorded):
            recorder.record(report(0))
        pages = store.database.path.stat().st_size // 4096
        with store.database.write() as db:  # SQLite's own limit: "database or disk is full"
            db.execute(f"PRAGMA max_page_count = {pages + 1}")
        with qtbot.waitSignal(recorder.record_failed) as failed:
            recorder.record(report(1, NOW + timedelta(minutes=1), name="grown "))
        assert failed.args == ["the disk is full"]
        assert recorder.health.state is HistoryState.NOT_SAVING
        assert "History is not being saved: the disk is full" in recorder.health.reason

        with store.database.write() as db:  # room again
            db.execute("PRAGMA max_page_count = 1073741823")
        with qtbot.waitSignal(recorder.recorded):
            recorder.record(report(2, NOW + timedelta(minutes=2)))
        assert recorder.health == HistoryHealth(HistoryState.ON)
        assert [h.state for h in changes] == [
            HistoryState.ON,
            HistoryState.NOT_SAVING,
            HistoryState.ON,
        ]
    finally:
        recorder.close()


def test_news_found_before_anyone_listened_still_reaches_the_indicator(
    qtbot: QtBot, tmp_path: Path, workers: Workers
) -> None:
    """A damaged database is replaced while the app starts, before any widget is connected: the
    indicator, built later, still says so, and neither a fetch's status message nor time makes
    it go away. Reading it dismisses the news."""
    path = tmp_path / "h.sqlite3"
    path.write_bytes(b"not sqlite" * 100)
    history = HistoryService(
        workers, lambda: HistoryStore(path, clock=lambda: NOW), now=lambda: NOW, clock=lambda: NOW
    )
    try:
        history.start()
        qtbot.waitUntil(lambda: history.health.state is HistoryState.ON, timeout=10_000)
        indicator = HistoryIndicator(history, lambda _state: QIcon())
        qtbot.addWidget(indicator)
        assert not indicator.isHidden()
        assert "The history database was damaged" in indicator.toolTip()
        with qtbot.assertNotEmitted(history.health_changed, wait=200):
            pass  # nothing clears the news until it is read
        assert not indicator.isHidden()
        box = indicator.explain()
        assert "moved to history-corrupt-" in box.text()
        box.close()
        qtbot.waitUntil(indicator.isHidden, timeout=2_000)
    finally:
        history.close()
    assert list(tmp_path.glob("history-corrupt-*.sqlite3"))


def test_the_indicator_survives_the_fetch_messages_of_the_status_bar(
    qtbot: QtBot, tmp_path: Path
) -> None:
    folder = tmp_path / "not-a-folder"
    folder.write_text("a file where the data folder should be")
    parts = start_app(qtbot, tmp_path, folder, retry_seconds=60)
    try:
        indicator = indicator_of(parts)
        qtbot.waitUntil(lambda: not indicator.isHidden(), timeout=10_000)
        assert "cannot be created" in indicator.toolTip()
        with qtbot.waitSignal(parts.refresh.report_ready, timeout=10_000):
            parts.window.refresh_action.trigger()  # "Fetching the report…" comes and goes
        assert not indicator.isHidden()
    finally:
        parts.close()
