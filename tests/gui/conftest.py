"""Shared GUI-test fixtures: deterministic report rows built directly, no parsing involved,
and the real demo app with its problem states ready."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop_app.app import AppOptions, AppParts, build
from desktop_app.report.rows import BackupStatusRow
from desktop_app.report.status import ConditionStatus, ConditionType
from desktop_app.ui.workers import Workers
from tests import tray_desktop as desktop_harness
from tests.tray_desktop import TrayDesktop

REPORT_DATE = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
_OFFSETS = (
    timezone(timedelta(hours=1)),
    timezone(timedelta(hours=-5)),
    timezone(timedelta(hours=10)),
)
_USERS = ("alice", "Bob", "carol", "dave", "Eve")
_COMPUTERS = ("PC-3", "pc-1", "Laptop", "PC-2")
_SETS = ("Files", "sql", "Exchange")
_STATUSES = (
    ConditionStatus.COMPLETED,
    ConditionStatus.FAILURE,
    ConditionStatus.WARNING,
    ConditionStatus.RUNNING,
    ConditionStatus.COMPLETED,
)
_TYPES: dict[ConditionStatus, tuple[str, ...]] = {
    ConditionStatus.COMPLETED: (ConditionType.COMPLETED,),
    ConditionStatus.FAILURE: (ConditionType.ERRORS, ConditionType.MISSED),
    ConditionStatus.WARNING: (ConditionType.WARNINGS,),
    ConditionStatus.RUNNING: (ConditionType.RUNNING,),
}


def make_row(
    username: str = "alice",
    computer_name: str = "PC-1",
    backupset_name: str = "Files",
    *,
    computer_id: str = "1",
    status: str = ConditionStatus.COMPLETED,
    start: datetime | None = REPORT_DATE - timedelta(hours=2),
    end: datetime | None = REPORT_DATE - timedelta(hours=1),
    condition_types: tuple[str, ...] = (ConditionType.COMPLETED,),
    errors: int = 0,
    warnings: int = 0,
) -> BackupStatusRow:
    return BackupStatusRow(
        REPORT_DATE,
        username,
        computer_id,
        computer_name,
        backupset_name,
        start,
        end,
        status,
        condition_types,
        errors,
        warnings,
    )


def make_rows(n: int, unknown_every: int = 0) -> list[BackupStatusRow]:
    """``n`` varied rows with many ties; running rows have no end; every ``unknown_every``-th
    row has the undocumented status "PAUSED". Offsets differ so local clocks disagree with UTC."""
    rows = []
    for i in range(n):
        status: str = _STATUSES[i % len(_STATUSES)]
        types: tuple[str, ...] = _TYPES[ConditionStatus(status)]
        if unknown_every and i % unknown_every == unknown_every - 1:
            status, types = "PAUSED", ("PAUSED_BY_USER",)
        start = (REPORT_DATE - timedelta(minutes=(i * 37) % 5000)).astimezone(_OFFSETS[i % 3])
        end = (
            None if status == ConditionStatus.RUNNING else start + timedelta(minutes=(i * 13) % 300)
        )
        rows.append(
            make_row(
                _USERS[(i // 3) % len(_USERS)],
                _COMPUTERS[i % len(_COMPUTERS)],
                _SETS[i % len(_SETS)],
                computer_id=str(i),
                status=status,
                start=start,
                end=end,
                condition_types=types,
                errors=(i * 7) % 4,
                warnings=(i * 5) % 3,
            )
        )
    return rows


@pytest.fixture
def workers(qtbot: QtBot) -> Iterator[Workers]:
    """The background-job helper (``ui.workers``), closed after the test."""
    pool = Workers()
    yield pool
    pool.close(timeout=1.0)


@pytest.fixture
def row_factory() -> Callable[..., BackupStatusRow]:
    return make_row


@pytest.fixture
def rows_factory() -> Callable[..., list[BackupStatusRow]]:
    return make_rows


@contextmanager
def demo_app_with_problems(
    qtbot: QtBot, tmp_path: Path, *, rows: int, tray: bool = False
) -> Iterator[AppParts]:
    """The real demo app (settings and history under ``tmp_path``), yielded once its first
    report is recorded and its problem states are derived; closed afterwards.

    With ``tray`` the window is handed to qtbot, so it is closed and deleted with its tray
    wiring (a leftover window would refuse a later test's quit).
    """
    options = AppOptions(
        demo=True, demo_rows=rows, settings_path=tmp_path / "s.ini", data_dir=tmp_path, tray=tray
    )
    built = build(options)
    if tray:
        qtbot.addWidget(built.window)
    try:
        views = built.problems
        assert views is not None
        recorder = built.history
        assert recorder is not None
        qtbot.waitUntil(
            lambda: recorder.store is not None and recorder.store.last_refresh() is not None,
            timeout=15_000,
        )
        qtbot.waitUntil(
            lambda: views.controller.derived is not None and views.controller.derived_with_history,
            timeout=15_000,
        )
        yield built
    finally:
        built.close()
        if tray:
            built.app.setQuitOnLastWindowClosed(True)


@pytest.fixture(scope="module")
def tray_desktop() -> Iterator[TrayDesktop]:
    """Xvfb + openbox + trayer for this test module (see ``tests.tray_desktop``): skipped when a
    tool is missing, failed instead when ``BSM_TRAY_DESKTOP=1`` (CI)."""
    desktop_harness.skip_or_fail_without_tools()
    with desktop_harness.tray_desktop() as desktop:
        yield desktop
