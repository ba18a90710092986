"""Shared GUI-test fixtures: deterministic report rows built directly, no parsing involved,
the background-job helper, and the real demo app (``running_app``) with its problem states
ready."""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop_app.app import AppOptions, AppParts, build
from desktop_app.report.derived import StaleRule
from desktop_app.report.problem_states import ProblemStates
from desktop_app.report.rows import BackupStatusRow
from desktop_app.report.status import ConditionStatus, ConditionType
from desktop_app.storage.history import HistoryStore
from desktop_app.ui.history.service import HistoryService
from desktop_app.ui.shell.quitting import QuitAwareApplication
from desktop_app.ui.workers import Workers
from tests import tray_desktop as desktop_harness
from tests.tray_desktop import TrayDesktop


@pytest.fixture(scope="session")
def qapp_cls() -> type[QuitAwareApplication]:
    """The application class the app itself creates (``app.application``), so the tests run
    the quit path users get (pytest-qt creates the one application of the session)."""
    return QuitAwareApplication


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
    partner: str | None = None,
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
        partner,
    )


def make_rows(
    n: int, unknown_every: int = 0, partners: tuple[str | None, ...] = (None,)
) -> list[BackupStatusRow]:
    """``n`` varied rows with many ties; running rows have no end; every ``unknown_every``-th
    row has the undocumented status "PAUSED". Offsets differ so local clocks disagree with UTC.
    Rows take their partner from ``partners`` in turn."""
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
                partner=partners[i % len(partners)],
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
def open_history(
    qtbot: QtBot, workers: Workers, path: Path, now: datetime
) -> Iterator[HistoryService]:
    """A history service over a real SQLite file at ``path``, its clocks fixed at ``now``;
    yielded once the database is open, closed afterwards."""
    service = HistoryService(
        workers,
        lambda: HistoryStore(path, clock=lambda: now),
        now=lambda: now,
        clock=lambda: now,
        rule=StaleRule(),
    )
    with qtbot.waitSignal(service.recorder.opened, timeout=10_000):
        service.start()
    try:
        yield service
    finally:
        service.close()


@contextmanager
def running_app(
    qtbot: QtBot,
    tmp_path: Path,
    *,
    rows: int = 300,
    tray: bool = False,
    problems: bool = True,
    evolve: bool = True,
    **options: object,
) -> Iterator[AppParts]:
    """The real demo app on its in-process server, settings and history under ``tmp_path``:
    the one way the GUI tests build the whole app.

    Yielded once its first report is on screen and, with ``problems``, recorded with its
    problem states judged with the history; closed afterwards, and no demo-server thread may
    outlive it. ``evolve`` False: the demo sends the same rows every time, so keys stay
    comparable. ``options`` are further ``AppOptions``.
    """
    settings = options.pop("settings_path", tmp_path / "s.ini")
    built = build(
        AppOptions(
            demo=True,
            demo_rows=rows,
            settings_path=settings,  # type: ignore[arg-type]
            data_dir=tmp_path,
            tray=tray,
            **options,  # type: ignore[arg-type]
        )
    )
    # Closed and deleted with its tray wiring: a leftover window would refuse a later quit.
    qtbot.addWidget(built.window)
    try:
        assert built.demo_server is not None
        built.demo_server.evolve = evolve
        qtbot.waitUntil(
            lambda: built.model.total_rows() > 0 and not built.window.busy.isVisible(),
            timeout=15_000,
        )
        history = built.history
        if problems:
            qtbot.waitUntil(
                lambda: history.store is not None and history.store.last_refresh() is not None,
                timeout=15_000,
            )
            # The states of the report on screen (not of a part that arrived before it): the
            # judging is paced and waits for the recording, so earlier states may show first.
            shown = built.refresh.shown_report
            qtbot.waitUntil(
                lambda: (
                    (states := history.states) is not None
                    and states.with_history
                    and shown is not None
                    and states.rows is shown.rows
                ),
                timeout=15_000,
            )
        yield built
    finally:
        built.close()
        if tray:
            built.app.setQuitOnLastWindowClosed(True)
    gc.collect()  # an unclosed socket would raise its ResourceWarning here, in this test
    qtbot.waitUntil(
        lambda: not any(t.name == "demo-server" for t in threading.enumerate()), timeout=2000
    )


def states_of(parts: AppParts) -> ProblemStates:
    """The problem states the app judged last (there are some once ``running_app`` yields)."""
    states = parts.history.states
    assert states is not None
    return states


@pytest.fixture(scope="module")
def tray_desktop() -> Iterator[TrayDesktop]:
    """Xvfb + openbox + trayer for this test module (see ``tests.tray_desktop``): skipped when a
    tool is missing, failed instead when ``BSM_TRAY_DESKTOP=1`` (CI)."""
    desktop_harness.skip_or_fail_without_tools()
    with desktop_harness.tray_desktop() as desktop:
        yield desktop
