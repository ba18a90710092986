"""The one background-job helper: answers on the GUI thread, superseding, serial lanes, quitting.

Every feature that runs work off the GUI thread relies on these guarantees, so they are tested
here once, with real threads held at barriers (``threading.Event``), never with sleeps.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from pytestqt.qtbot import QtBot

from desktop_app.ui.workers import IDLE_NAME, Job, Token, Workers

WAIT = 5.0  # seconds: an upper bound for a barrier, never a sleep


@pytest.fixture
def workers(qtbot: QtBot) -> Iterator[Workers]:
    pool = Workers()
    yield pool
    pool.close(timeout=1.0)


def held(gate: threading.Event, value: object) -> Callable[[Token], object]:
    """A job that returns ``value`` once ``gate`` opens."""

    def run(token: Token) -> object:
        assert gate.wait(WAIT), "test barrier never opened"
        return value

    return run


def settle(qtbot: QtBot, workers: Workers) -> None:
    qtbot.waitUntil(lambda: not workers.is_busy(), timeout=int(WAIT * 1000))


def test_result_arrives_on_the_gui_thread(qtbot: QtBot, workers: Workers) -> None:
    ran_on: list[str] = []
    answered_on: list[str] = []

    def work(_token: Token) -> int:
        ran_on.append(threading.current_thread().name)
        return 42

    results: list[int] = []

    def on_result(value: int) -> None:
        answered_on.append(threading.current_thread().name)
        results.append(value)

    workers.submit(work, on_result, name="answer")
    settle(qtbot, workers)
    assert results == [42]
    assert ran_on == ["answer"]
    assert answered_on == [threading.main_thread().name]


def test_errors_go_to_on_error_or_the_log(
    qtbot: QtBot, workers: Workers, caplog: pytest.LogCaptureFixture
) -> None:
    def boom(_token: Token) -> None:
        raise ValueError("broken")

    errors: list[BaseException] = []
    workers.submit(boom, lambda _v: None, errors.append)
    settle(qtbot, workers)
    assert [str(e) for e in errors] == ["broken"]

    with caplog.at_level(logging.ERROR, logger="desktop_app.ui.workers"):
        workers.submit(boom, lambda _v: None, name="unhandled")
        settle(qtbot, workers)
    assert "Background job unhandled failed" in caplog.text
    assert "ValueError: broken" in caplog.text


def test_a_failing_slot_does_not_stop_later_answers(
    qtbot: QtBot, workers: Workers, caplog: pytest.LogCaptureFixture
) -> None:
    def bad_slot(_value: object) -> None:
        raise RuntimeError("slot bug")

    results: list[object] = []
    with caplog.at_level(logging.ERROR, logger="desktop_app.ui.workers"):
        workers.submit(lambda _t: 1, bad_slot, name="first")
        settle(qtbot, workers)
        workers.submit(lambda _t: 2, results.append)
        settle(qtbot, workers)
    assert results == [2]
    assert "Handling the result of first failed" in caplog.text


def test_latest_wins_lane_drops_the_superseded_answer(qtbot: QtBot, workers: Workers) -> None:
    first_gate, second_gate = threading.Event(), threading.Event()
    results: list[object] = []
    first = workers.submit(held(first_gate, "old"), results.append, lane="derive")
    second = workers.submit(held(second_gate, "new"), results.append, lane="derive")
    assert first.token.cancelled and not second.token.cancelled
    first_gate.set()
    assert first.wait(WAIT)
    assert workers.is_busy("derive")  # the newer job still runs
    second_gate.set()
    settle(qtbot, workers)
    assert results == ["new"]


def test_lanes_are_independent(qtbot: QtBot, workers: Workers) -> None:
    results: list[object] = []
    gate = threading.Event()
    workers.submit(held(gate, "a"), results.append, lane="a")
    workers.submit(held(gate, "b"), results.append, lane="b")
    gate.set()
    settle(qtbot, workers)
    assert sorted(map(str, results)) == ["a", "b"]


def test_serial_lane_runs_in_order_and_keeps_only_the_newest_waiting(
    qtbot: QtBot, workers: Workers
) -> None:
    gate = threading.Event()
    running: list[str] = []
    concurrent: list[int] = []
    active = [0]
    lock = threading.Lock()

    def step(name: str, wait_for: threading.Event | None = None) -> Callable[[Token], str]:
        def run(_token: Token) -> str:
            with lock:
                active[0] += 1
                concurrent.append(active[0])
            running.append(name)
            if wait_for is not None:
                assert wait_for.wait(WAIT)
            with lock:
                active[0] -= 1
            return name

        return run

    results: list[str] = []
    workers.submit(step("A", gate), results.append, lane="history", serial=True)
    skipped = workers.submit(step("B"), results.append, lane="history", serial=True)
    workers.submit(step("C"), results.append, lane="history", serial=True)
    assert skipped.token.cancelled and skipped.done.is_set()
    gate.set()
    settle(qtbot, workers)
    assert results == ["A", "C"]
    assert running == ["A", "C"]
    assert max(concurrent) == 1


def test_serial_job_needs_a_lane(workers: Workers) -> None:
    with pytest.raises(ValueError, match="lane"):
        workers.submit(lambda _t: None, lambda _v: None, serial=True)


def test_cancelled_during_its_delay_a_job_never_runs(qtbot: QtBot, workers: Workers) -> None:
    ran: list[bool] = []
    results: list[object] = []

    def work(_token: Token) -> bool:
        ran.append(True)
        return True

    job = workers.submit(work, results.append, lane="tray", delay=WAIT)
    job.cancel()
    assert job.wait(WAIT)
    settle(qtbot, workers)
    assert ran == [] and results == []


def test_delay_holds_the_job_back(qtbot: QtBot, workers: Workers) -> None:
    began = time.monotonic()
    started: list[float] = []

    def work(_token: Token) -> None:
        started.append(time.monotonic() - began)

    workers.submit(work, lambda _v: None, delay=0.05)
    settle(qtbot, workers)
    assert started and started[0] >= 0.05


def test_cancel_lane_drops_its_answer(qtbot: QtBot, workers: Workers) -> None:
    gate = threading.Event()
    results: list[object] = []
    job = workers.submit(held(gate, "late"), results.append, lane="fetch")
    workers.cancel("fetch")
    assert job.token.cancelled
    gate.set()
    settle(qtbot, workers)
    assert results == []


def test_progress_arrives_on_the_gui_thread(qtbot: QtBot, workers: Workers) -> None:
    seen: list[tuple[object, str]] = []

    def work(token: Token) -> str:
        for step in (1, 2, 3):
            token.progress(step)
        return "done"

    results: list[str] = []
    workers.submit(
        work,
        results.append,
        on_progress=lambda v: seen.append((v, threading.current_thread().name)),
    )
    settle(qtbot, workers)
    assert results == ["done"]
    assert [v for v, _ in seen] == [1, 2, 3]
    assert {name for _, name in seen} == {threading.main_thread().name}


def test_close_returns_promptly_and_answers_nothing_more(qtbot: QtBot) -> None:
    workers = Workers()
    never = threading.Event()  # a job stuck in a blocking read: it is abandoned
    stuck_results: list[object] = []
    stuck = workers.submit(held(never, "stuck"), stuck_results.append, name="stuck")
    gate = threading.Event()
    late: list[object] = []
    slow = workers.submit(held(gate, "late"), late.append)
    began = time.monotonic()
    workers.close(timeout=0.2)
    assert time.monotonic() - began < 1.0
    assert stuck.token.cancelled and slow.token.cancelled
    gate.set()
    assert slow.wait(WAIT)
    with qtbot.assertNotEmitted(workers._relay.finished, wait=100):
        pass
    assert late == [] and stuck_results == []
    after: list[Job[object]] = []
    job = workers.submit(lambda _t: "never", after.append)
    assert job.token.cancelled and job.done.is_set() and after == []
    never.set()


def test_close_lets_the_running_serial_job_finish_and_drops_the_waiting(qtbot: QtBot) -> None:
    workers = Workers()
    gate = threading.Event()
    wrote: list[str] = []

    def write(name: str) -> Callable[[Token], None]:
        def run(_token: Token) -> None:
            if name == "first":
                assert gate.wait(WAIT)
            wrote.append(name)

        return run

    first = workers.submit(write("first"), lambda _v: None, lane="history", serial=True)
    waiting = workers.submit(write("second"), lambda _v: None, lane="history", serial=True)
    threading.Timer(0.05, gate.set).start()
    workers.close(timeout=WAIT)
    assert first.done.is_set() and not first.token.cancelled
    assert waiting.token.cancelled
    assert wrote == ["first"]


def test_wait_idle_delivers_answers_meanwhile(qtbot: QtBot, workers: Workers) -> None:
    results: list[object] = []
    gate = threading.Event()
    workers.submit(held(gate, 1), results.append, lane="x", serial=True)
    workers.submit(held(gate, 2), results.append, lane="x", serial=True)
    gate.set()
    assert workers.wait_idle(WAIT)
    assert results == [1, 2]


def test_a_job_runs_on_an_idle_thread_without_starting_one(
    qtbot: QtBot, workers: Workers, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``Thread.start`` waits until the new thread has run: on a loaded machine that froze the
    GUI thread in ``submit`` (0.86 s), so a thread left idle by a job takes the next one."""
    ran_on: list[int] = []

    def ignore(_value: object) -> None:
        pass

    first = workers.submit(lambda _t: ran_on.append(threading.get_ident()), ignore, name="first")
    qtbot.waitUntil(lambda: first.thread is not None and first.thread.name == IDLE_NAME)
    started: list[str] = []
    start = threading.Thread.start

    def counted(thread: threading.Thread) -> None:
        started.append(thread.name)
        start(thread)

    monkeypatch.setattr(threading.Thread, "start", counted)
    second = workers.submit(lambda _t: ran_on.append(threading.get_ident()), ignore, name="second")
    settle(qtbot, workers)
    assert started == []
    assert ran_on == [ran_on[0], ran_on[0]] and second.thread is first.thread
