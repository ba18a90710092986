"""AutoRefreshController with a fake clock and a real ReportFetcher (fetches on a real thread)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime

import pytest
from pytestqt.qtbot import QtBot

from desktop_app.api.errors import NetworkError
from desktop_app.report.prepared import ViewPreparer
from desktop_app.report.rows import Report
from desktop_app.report.schedule import RefreshSchedule
from desktop_app.ui.refresh.auto_refresh import AutoRefreshController, describe_interval
from desktop_app.ui.refresh.fetcher import ReportFetcher
from desktop_app.ui.workers import Workers

WALL0 = 1_773_000_000.0  # some afternoon in March 2026


class FakeClock:
    def __init__(self) -> None:
        self.wall_s = WALL0
        self.mono_s = 1000.0

    def wall(self) -> float:
        return self.wall_s

    def monotonic(self) -> float:
        return self.mono_s

    def advance(self, seconds: float) -> None:
        self.wall_s += seconds
        self.mono_s += seconds

    def sleep_machine(self, seconds: float) -> None:
        """Suspend as Linux sees it: the wall clock moves, the monotonic clock does not."""
        self.wall_s += seconds


class Server:
    """The fetch function: counts calls, fails on demand, can hold a fetch open."""

    def __init__(self) -> None:
        self.calls = 0
        self.fail = False
        self.gate: threading.Event | None = None

    def __call__(self, cancel: threading.Event) -> Report:
        self.calls += 1
        if self.gate is not None:
            self.gate.wait(5)
        if self.fail:
            raise NetworkError("Cannot reach the server")
        return Report(rows=())


def at(wall: float) -> str:
    return datetime.fromtimestamp(wall).strftime("%H:%M")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def server() -> Server:
    return Server()


@pytest.fixture
def fetcher(qtbot: QtBot, workers: Workers, server: Server) -> ReportFetcher:
    return ReportFetcher(workers, server, ViewPreparer(datetime.now().astimezone))


@pytest.fixture
def auto(qtbot: QtBot, fetcher: ReportFetcher, clock: FakeClock) -> Iterator[AutoRefreshController]:
    schedule = RefreshSchedule(900, random=lambda: 0.5)
    controller = AutoRefreshController(fetcher, fetcher.request, schedule, clock=clock)
    controller.start()
    yield controller
    controller.stop()


def live(auto: AutoRefreshController, clock: FakeClock, seconds: float) -> None:
    """Let time pass with the machine awake: the heartbeat checks every 30 s."""
    while seconds > 0:
        step = min(30.0, seconds)
        clock.advance(step)
        seconds -= step
        auto.check()


def fetch_once(qtbot: QtBot, fetcher: ReportFetcher) -> None:
    with qtbot.waitSignal(fetcher.idle, timeout=5000):
        fetcher.request()


def test_next_fetch_is_due_one_interval_after_the_last(
    qtbot: QtBot,
    auto: AutoRefreshController,
    fetcher: ReportFetcher,
    clock: FakeClock,
    server: Server,
) -> None:
    fetch_once(qtbot, fetcher)
    assert auto.due_in() == pytest.approx(900)
    assert auto.status_text() == f"Auto-refresh every 15 min · next at {at(WALL0 + 900)}"
    live(auto, clock, 899)
    assert not fetcher.is_busy() and server.calls == 1
    with qtbot.waitSignal(fetcher.idle, timeout=5000):
        live(auto, clock, 1)
    assert server.calls == 2
    assert auto.due_in() == pytest.approx(900)


def test_failures_back_off_and_say_when_they_retry(
    qtbot: QtBot,
    auto: AutoRefreshController,
    fetcher: ReportFetcher,
    clock: FakeClock,
    server: Server,
) -> None:
    server.fail = True
    delays = []
    for _ in range(4):
        with qtbot.waitSignal(fetcher.idle, timeout=5000):
            fetcher.request()
        delays.append(auto.due_in())
        assert auto.status_text() == f"Retrying at {at(clock.wall_s + delays[-1])}"
        clock.advance(delays[-1])
    assert delays == [60, 120, 240, 480]
    server.fail = False
    fetch_once(qtbot, fetcher)
    assert auto.due_in() == pytest.approx(900)
    assert auto.status_text().startswith("Auto-refresh every 15 min")


def test_never_starts_a_second_fetch_while_one_runs(
    qtbot: QtBot,
    auto: AutoRefreshController,
    fetcher: ReportFetcher,
    clock: FakeClock,
    server: Server,
) -> None:
    fetch_once(qtbot, fetcher)
    server.gate = threading.Event()
    with qtbot.waitSignal(fetcher.started):
        fetcher.request()  # a manual refresh, still running...
    qtbot.waitUntil(lambda: server.calls == 2)  # (its job runs on a thread of its own)
    clock.advance(5000)  # ...when the interval passes and the machine even wakes up
    clock.sleep_machine(3600)
    for _ in range(3):
        auto.check()
    auto.window_opened()
    assert server.calls == 2
    with qtbot.waitSignal(fetcher.idle, timeout=5000):
        server.gate.set()
    assert server.calls == 2  # nothing queued behind it either
    assert auto.due_in() == pytest.approx(900)


def test_wake_from_sleep_refreshes_at_once(
    qtbot: QtBot,
    auto: AutoRefreshController,
    fetcher: ReportFetcher,
    clock: FakeClock,
    server: Server,
) -> None:
    fetch_once(qtbot, fetcher)
    live(auto, clock, 60)
    assert server.calls == 1
    clock.sleep_machine(2 * 3600)
    clock.advance(30)
    with qtbot.waitSignal(fetcher.idle, timeout=5000):
        auto.check()
    assert server.calls == 2


def test_late_heartbeat_counts_as_a_wake_up(
    qtbot: QtBot,
    auto: AutoRefreshController,
    fetcher: ReportFetcher,
    clock: FakeClock,
    server: Server,
) -> None:
    # Where the monotonic clock runs during sleep, the heartbeat simply arrives very late.
    fetch_once(qtbot, fetcher)
    auto.set_interval(4 * 3600)
    live(auto, clock, 60)
    assert server.calls == 1
    clock.advance(2 * 3600)
    with qtbot.waitSignal(fetcher.idle, timeout=5000):
        auto.check()
    assert server.calls == 2


def test_pause_stops_automatic_fetches_and_resume_catches_up(
    qtbot: QtBot,
    auto: AutoRefreshController,
    fetcher: ReportFetcher,
    clock: FakeClock,
    server: Server,
) -> None:
    fetch_once(qtbot, fetcher)
    with qtbot.waitSignal(auto.paused_changed) as paused:
        auto.set_paused(True)
    assert paused.args == [True]
    assert auto.status_text() == "Auto-refresh paused"
    live(auto, clock, 1000)
    clock.sleep_machine(3600)
    auto.check()
    auto.window_opened()
    assert server.calls == 1
    fetch_once(qtbot, fetcher)  # a manual refresh still works while paused
    assert server.calls == 2
    live(auto, clock, 1000)
    assert server.calls == 2
    with qtbot.waitSignal(fetcher.idle, timeout=5000):
        auto.set_paused(False)  # overdue: fetches at once
    assert server.calls == 3


def test_opening_the_window_after_a_long_pause_refreshes(
    qtbot: QtBot,
    auto: AutoRefreshController,
    fetcher: ReportFetcher,
    clock: FakeClock,
    server: Server,
) -> None:
    fetch_once(qtbot, fetcher)
    live(auto, clock, 120)
    auto.window_opened()
    assert server.calls == 1
    live(auto, clock, 200)  # 320 s since the last fetch: past the 5-minute rule
    with qtbot.waitSignal(fetcher.idle, timeout=5000):
        auto.window_opened()
    assert server.calls == 2


def test_interval_change_moves_the_next_fetch(
    qtbot: QtBot, auto: AutoRefreshController, fetcher: ReportFetcher, clock: FakeClock
) -> None:
    fetch_once(qtbot, fetcher)
    live(auto, clock, 100)
    with qtbot.waitSignal(auto.status_changed):
        auto.set_interval(3600)
    assert auto.due_in() == pytest.approx(3500)
    assert auto.status_text() == f"Auto-refresh every 1 h · next at {at(WALL0 + 3600)}"


def test_the_real_due_timer_fires(
    qtbot: QtBot, fetcher: ReportFetcher, clock: FakeClock, server: Server
) -> None:
    # A 50 ms first retry so the real QTimer path runs without waiting long.
    schedule = RefreshSchedule(900, random=lambda: 0.5, first_retry=0.05)
    auto = AutoRefreshController(fetcher, fetcher.request, schedule, clock=clock)
    auto.start()
    server.fail = True
    fetch_once(qtbot, fetcher)
    assert auto.due_in() == pytest.approx(0.05)
    clock.advance(1)
    server.fail = False
    with qtbot.waitSignal(fetcher.succeeded, timeout=3000):
        pass  # the due timer, not the test, starts this fetch
    assert server.calls == 2
    auto.stop()


def test_describe_interval() -> None:
    assert describe_interval(900) == "15 min"
    assert describe_interval(3600) == "1 h"
    assert describe_interval(5400) == "90 min"
    assert describe_interval(30) == "30 s"
