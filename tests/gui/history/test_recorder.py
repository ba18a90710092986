"""HistoryRecorder on its serial lane of the workers, and the app recording its reports into a
tmp folder."""

from __future__ import annotations

import gc
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pytestqt.qtbot import QtBot

from desktop_app.app import AppOptions, build
from desktop_app.demo.data import generate_rows
from desktop_app.report.prepared import PreparedReport, prepare_view
from desktop_app.report.rows import BackupStatusRow, Report
from desktop_app.report.sort_keys import ViewSpec
from desktop_app.runtime.gc_policy import FREEZE_FROM_ROWS
from desktop_app.storage.history import DEMO_HISTORY_FILE_NAME, HistoryStore, RecordResult
from desktop_app.ui.history.health import HistoryState
from desktop_app.ui.history.recorder import HistoryRecorder
from desktop_app.ui.workers import Workers

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def report(errors: int, at: datetime) -> Report:
    row = BackupStatusRow(NOW, "acme", "1", "PC", "Files", NOW, NOW, "FAILURE", (), errors, 0)
    return Report(rows=(row,), fetched_at=at)


def test_records_on_the_worker_and_reports_back(
    qtbot: QtBot, tmp_path: Path, workers: Workers
) -> None:
    path = tmp_path / "h.sqlite3"
    recorder = HistoryRecorder(workers, lambda: HistoryStore(path, clock=lambda: NOW))
    try:
        with qtbot.waitSignal(recorder.opened) as ready:
            recorder.start()
        assert isinstance(ready.args[0], HistoryStore)
        with qtbot.waitSignal(recorder.recorded) as done:
            recorder.record(report(1, NOW))
        result = done.args[0]
        assert isinstance(result, RecordResult) and result.new == 1
        recorder.record(report(2, NOW + timedelta(minutes=1)))
        qtbot.waitUntil(lambda: recorder.idle, timeout=5000)
        store = recorder.store
        assert store is not None
        assert [s.row.errors for s in store.states(("acme", "1", "Files"))] == [1, 2]
    finally:
        recorder.close()
    assert not recorder.store.available if recorder.store else True


def test_a_large_report_is_recorded_outside_the_collectors_view(
    qtbot: QtBot, tmp_path: Path, workers: Workers
) -> None:
    """Large recordings run with the cyclic collector paused and freeze what they built (see
    runtime.gc_policy); small ones leave the collector's generations alone."""
    rows = tuple(generate_rows(FREEZE_FROM_ROWS, now=NOW))
    recorder = HistoryRecorder(
        workers, lambda: HistoryStore(tmp_path / "h.sqlite3", clock=lambda: NOW)
    )
    try:
        with qtbot.waitSignal(recorder.opened):
            recorder.start()
        gc.unfreeze()
        with qtbot.waitSignal(recorder.recorded):
            recorder.record(report(1, NOW))
        assert gc.get_freeze_count() == 0
        with qtbot.waitSignal(recorder.recorded, timeout=20_000) as done:
            recorder.record(Report(rows=rows, fetched_at=NOW + timedelta(minutes=1)))
        assert done.args[0].rows == len(rows)
        assert gc.get_freeze_count() > len(rows)  # the rows and the history cache, at least
        assert gc.isenabled()
    finally:
        recorder.close()
        gc.unfreeze()


def test_delayed_writes_keep_every_report_taken_in_order(
    qtbot: QtBot, tmp_path: Path, workers: Workers
) -> None:
    """With ``delay`` a write waits a moment (the GUI draws the report meanwhile); a report
    arriving during that moment waits its turn instead of replacing the one taken."""
    recorder = HistoryRecorder(
        workers, lambda: HistoryStore(tmp_path / "h.sqlite3", clock=lambda: NOW), delay=0.3
    )
    try:
        with qtbot.waitSignal(recorder.opened):
            recorder.start()
        results: list[object] = []
        recorder.recorded.connect(results.append)
        with qtbot.waitSignal(recorder.recorded):
            recorder.record(report(1, NOW))
            recorder.record(report(2, NOW + timedelta(minutes=1)))  # during the first's delay
        qtbot.waitUntil(lambda: len(results) == 2, timeout=5000)
        store = recorder.store
        assert store is not None
        assert [s.row.errors for s in store.states(("acme", "1", "Files"))] == [1, 2]
    finally:
        recorder.close()


def test_damaged_database_is_replaced_and_the_news_kept_for_the_gui(
    qtbot: QtBot, tmp_path: Path, workers: Workers
) -> None:
    path = tmp_path / "history.sqlite3"
    path.write_bytes(b"not sqlite" * 100)
    recorder = HistoryRecorder(workers, lambda: HistoryStore(path, clock=lambda: NOW))
    try:
        with qtbot.waitSignal(recorder.opened):
            recorder.start()
        health = recorder.health
        assert health.state is HistoryState.ON
        assert health.notice.startswith("The history database was damaged")
    finally:
        recorder.close()
    assert list(tmp_path.glob("history-corrupt-*.sqlite3"))


def test_app_records_demo_reports_into_its_data_dir(qtbot: QtBot, tmp_path: Path) -> None:
    data = tmp_path / "data"
    options = AppOptions(
        demo=True, demo_rows=30, settings_path=tmp_path / "s.ini", data_dir=data, tray=False
    )
    built = build(options)
    qtbot.addWidget(built.window)
    try:
        recorder = built.history
        qtbot.waitUntil(lambda: recorder.store is not None, timeout=10_000)
        assert recorder.store is not None
        qtbot.waitUntil(lambda: recorder.store.last_refresh() is not None, timeout=10_000)
        assert built.window.detail_pane.has_history()
        qtbot.waitUntil(lambda: built.model.total_rows() > 0, timeout=10_000)
        key = built.model.row_at(0).key
    finally:
        built.close()
    store = HistoryStore(data / DEMO_HISTORY_FILE_NAME)
    try:
        assert store.last_refresh() is not None
        assert len(store.states(key)) == 1
    finally:
        store.close()
    assert not (data / "history.sqlite3").exists()  # demo data never mixes with real history


def test_retention_from_settings_reaches_the_store_before_and_after_it_opens(
    qtbot: QtBot, tmp_path: Path, workers: Workers
) -> None:
    recorder = HistoryRecorder(
        workers, lambda: HistoryStore(tmp_path / "h.sqlite3", clock=lambda: NOW)
    )
    try:
        recorder.set_retention(timedelta(days=30))  # Settings are read before the store opens
        with qtbot.waitSignal(recorder.opened) as ready:
            recorder.start()
        store = ready.args[0]
        assert store.retention == timedelta(days=30)
        recorder.set_retention(timedelta(days=365))  # changed in the Settings dialog
        assert store.retention == timedelta(days=365)
    finally:
        recorder.close()


def test_the_warm_up_waits_while_the_restored_report_is_drawn(
    qtbot: QtBot, tmp_path: Path, workers: Workers
) -> None:
    """At a start the last report is handed to the GUI first; the cache warm-up (seconds of
    Python at 100k sets) only begins ``delay`` later, so the GUI thread draws it undisturbed."""
    path = tmp_path / "h.sqlite3"
    first = HistoryStore(path, clock=lambda: NOW)
    first.record(report(1, NOW))
    first.close()
    warmed: list[float] = []

    class Store(HistoryStore):
        def warm_up(self) -> None:
            warmed.append(time.monotonic())
            super().warm_up()

    recorder = HistoryRecorder(
        workers,
        lambda: Store(path, clock=lambda: NOW),
        delay=0.3,
        restore=lambda last: prepared(last),
    )
    restored: list[float] = []
    recorder.restored.connect(lambda _shown: restored.append(time.monotonic()))
    try:
        with qtbot.waitSignal(recorder.opened, timeout=5000):
            recorder.start()
        assert restored and warmed
        assert warmed[0] - restored[0] >= 0.25  # less than delay: the restored signal queues
    finally:
        recorder.close()


def prepared(last: Report) -> PreparedReport:
    return PreparedReport(last, prepare_view(last.rows, NOW, ViewSpec()))
