"""The fetch worker: results cross threads, one fetch at a time, coalescing, cancel, quit."""

from __future__ import annotations

import threading
import time

import pytest
from pytestqt.qtbot import QtBot

from desktop_app.api.errors import AuthenticationError, NetworkError
from desktop_app.ui.refresh.fetcher import FetchFailure, ReportFetcher


class GatedFetch:
    """A fetch function that blocks until released, recording which thread ran it."""

    def __init__(self) -> None:
        self.calls = 0
        self.threads: list[str] = []
        self.gates: list[threading.Event] = []
        self.started = threading.Semaphore(0)
        self.outcome: object = "result"

    def __call__(self, cancel: threading.Event) -> object:
        gate = threading.Event()
        self.gates.append(gate)
        self.calls += 1
        call = self.calls
        self.threads.append(threading.current_thread().name)
        self.started.release()
        gate.wait(10)
        if isinstance(self.outcome, BaseException):
            raise self.outcome
        return f"{self.outcome}-{call}"

    def release(self, index: int = -1) -> None:
        self.gates[index].set()

    def wait_started(self) -> None:
        assert self.started.acquire(timeout=5), "fetch did not start"


def test_success_is_delivered_on_the_gui_thread(qtbot: QtBot) -> None:
    fetch = GatedFetch()
    fetcher = ReportFetcher(fetch)
    received: list[tuple[object, str]] = []
    fetcher.succeeded.connect(lambda r, s: received.append((r, threading.current_thread().name)))
    with qtbot.waitSignal(fetcher.started):
        fetcher.request()
    fetch.wait_started()
    assert fetcher.is_busy()
    with qtbot.waitSignal(fetcher.idle, timeout=5000):
        fetch.release()
    assert received == [("result-1", threading.main_thread().name)]
    assert fetch.threads == ["report-fetch"]
    assert not fetcher.is_busy()


def test_api_failure_becomes_plain_words(qtbot: QtBot) -> None:
    fetch = GatedFetch()
    fetch.outcome = AuthenticationError("The access token has expired.", status=401)
    fetcher = ReportFetcher(fetch)
    fetcher.request()
    fetch.wait_started()
    with qtbot.waitSignal(fetcher.failed, timeout=5000) as blocker:
        fetch.release()
    failure = blocker.args[0]
    assert isinstance(failure, FetchFailure)
    assert failure.message == "The access token has expired."
    assert failure.status == 401
    assert failure.auth_problem


def test_unexpected_exception_is_logged_not_shown(
    qtbot: QtBot, caplog: pytest.LogCaptureFixture
) -> None:
    fetch = GatedFetch()
    fetch.outcome = ZeroDivisionError("internal detail")
    fetcher = ReportFetcher(fetch)
    fetcher.request()
    fetch.wait_started()
    with qtbot.waitSignal(fetcher.failed, timeout=5000) as blocker:
        fetch.release()
    failure = blocker.args[0]
    assert "internal detail" not in failure.message
    assert "log" in failure.message
    assert any(r.exc_info and r.exc_info[0] is ZeroDivisionError for r in caplog.records)


def test_requests_while_busy_are_coalesced_into_one_more_fetch(qtbot: QtBot) -> None:
    fetch = GatedFetch()
    fetcher = ReportFetcher(fetch)
    results: list[object] = []
    fetcher.succeeded.connect(lambda r, s: results.append(r))
    fetcher.request()
    fetch.wait_started()
    for _ in range(5):
        fetcher.request()
    assert fetch.calls == 1, "never two fetches at once"
    fetch.release(0)
    qtbot.waitUntil(lambda: len(fetch.gates) == 2, timeout=5000)  # one follow-up fetch starts
    qtbot.wait(50)
    assert fetch.calls == 2
    with qtbot.waitSignal(fetcher.idle, timeout=5000):
        fetch.release(1)
    assert results == ["result-1", "result-2"]
    assert fetch.calls == 2


def test_cancelled_fetch_result_is_ignored(qtbot: QtBot) -> None:
    fetch = GatedFetch()
    fetcher = ReportFetcher(fetch)
    results: list[object] = []
    fetcher.succeeded.connect(lambda r, s: results.append(r))
    fetcher.request()
    fetch.wait_started()
    with qtbot.waitSignal(fetcher.cancelled, timeout=1000):
        fetcher.cancel()
    assert not fetcher.is_busy()
    fetch.release(0)
    # A new fetch after the cancel delivers; the abandoned one never does.
    fetcher.request()
    qtbot.waitUntil(lambda: len(fetch.gates) == 2, timeout=5000)
    with qtbot.waitSignal(fetcher.succeeded, timeout=5000):
        fetch.release(1)
    qtbot.wait(50)
    assert results == ["result-2"]


def test_network_error_after_success_is_reported(qtbot: QtBot) -> None:
    fetch = GatedFetch()
    fetcher = ReportFetcher(fetch)
    fetcher.request()
    fetch.wait_started()
    with qtbot.waitSignal(fetcher.succeeded, timeout=5000):
        fetch.release()
    fetch.outcome = NetworkError("Could not connect to api.intronis.com.")
    fetcher.request()
    qtbot.waitUntil(lambda: len(fetch.gates) == 2, timeout=5000)
    with qtbot.waitSignal(fetcher.failed, timeout=5000) as blocker:
        fetch.release()
    assert blocker.args[0].title == NetworkError.title


def test_shutdown_while_fetching_returns_promptly(qtbot: QtBot) -> None:
    fetch = GatedFetch()
    fetcher = ReportFetcher(fetch)
    delivered: list[object] = []
    fetcher.succeeded.connect(lambda r, s: delivered.append(r))
    fetcher.request()
    fetch.wait_started()
    began = time.perf_counter()
    fetcher.shutdown(timeout=0.3)
    assert time.perf_counter() - began < 1.0
    fetch.release()
    qtbot.wait(50)
    fetcher.request()  # refused after shutdown
    assert fetch.calls == 1
    assert delivered == []
