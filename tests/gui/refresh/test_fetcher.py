"""The fetcher: the report is fetched and prepared off the GUI thread, one fetch at a time,
requests made meanwhile coalesce, failures become plain words. (Superseding and quitting are
the workers' own guarantees: tests/gui/test_workers.py.)"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from pytestqt.qtbot import QtBot

from desktop_app.api.errors import AuthenticationError, NetworkError
from desktop_app.report.prepared import PreparedReport, ViewPreparer
from desktop_app.report.rows import Report
from desktop_app.ui.refresh.fetcher import Fetched, FetchFailure, ReportFetcher
from desktop_app.ui.workers import Workers
from tests.gui.conftest import make_row

NOW = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)


class GatedFetch:
    """A fetch function that blocks until released, recording which thread ran it."""

    def __init__(self) -> None:
        self.calls = 0
        self.threads: list[str] = []
        self.gates: list[threading.Event] = []
        self.started = threading.Semaphore(0)
        self.outcome: BaseException | None = None

    def __call__(self, cancel: threading.Event) -> Report:
        gate = threading.Event()
        self.gates.append(gate)
        self.calls += 1
        call = self.calls
        self.threads.append(threading.current_thread().name)
        self.started.release()
        gate.wait(10)
        if self.outcome is not None:
            raise self.outcome
        return Report((make_row(backupset_name=f"set-{call}"),))

    def release(self, index: int = -1) -> None:
        self.gates[index].set()

    def wait_started(self) -> None:
        assert self.started.acquire(timeout=5), "fetch did not start"


def fetcher_for(workers: Workers, fetch: GatedFetch) -> ReportFetcher:
    return ReportFetcher(workers, fetch, ViewPreparer(lambda: NOW))


def names(fetched: list[Fetched]) -> list[str | None]:
    return [f.prepared.report.rows[0].backupset_name for f in fetched]


def test_the_prepared_report_is_delivered_on_the_gui_thread(qtbot: QtBot, workers: Workers) -> None:
    fetch = GatedFetch()
    fetcher = fetcher_for(workers, fetch)
    received: list[tuple[Fetched, str]] = []
    fetcher.succeeded.connect(lambda f: received.append((f, threading.current_thread().name)))
    with qtbot.waitSignal(fetcher.started):
        fetcher.request()
    fetch.wait_started()
    assert fetcher.is_busy()
    with qtbot.waitSignal(fetcher.idle, timeout=5000):
        fetch.release()
    ((fetched, thread),) = received
    assert isinstance(fetched.prepared, PreparedReport) and fetched.prepared.view.rows
    assert fetched.seconds > 0
    assert thread == threading.main_thread().name
    assert fetch.threads == ["report-fetch"]
    assert not fetcher.is_busy()


def test_api_failure_becomes_plain_words(qtbot: QtBot, workers: Workers) -> None:
    fetch = GatedFetch()
    fetch.outcome = AuthenticationError("The access token has expired.", status=401)
    fetcher = fetcher_for(workers, fetch)
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
    qtbot: QtBot, workers: Workers, caplog: pytest.LogCaptureFixture
) -> None:
    fetch = GatedFetch()
    fetch.outcome = ZeroDivisionError("internal detail")
    fetcher = fetcher_for(workers, fetch)
    fetcher.request()
    fetch.wait_started()
    with qtbot.waitSignal(fetcher.failed, timeout=5000) as blocker:
        fetch.release()
    failure = blocker.args[0]
    assert "internal detail" not in failure.message
    assert "log" in failure.message
    assert any(r.exc_info and r.exc_info[0] is ZeroDivisionError for r in caplog.records)


def test_requests_while_busy_are_coalesced_into_one_more_fetch(
    qtbot: QtBot, workers: Workers
) -> None:
    fetch = GatedFetch()
    fetcher = fetcher_for(workers, fetch)
    results: list[Fetched] = []
    fetcher.succeeded.connect(results.append)
    fetcher.request()
    fetch.wait_started()
    for _ in range(5):
        fetcher.request()
    assert fetch.calls == 1, "never two fetches at once"
    with qtbot.waitSignal(fetcher.succeeded, timeout=5000):
        fetch.release(0)
    fetch.wait_started()  # the one follow-up fetch
    with qtbot.waitSignal(fetcher.idle, timeout=5000):
        fetch.release(1)
    assert names(results) == ["set-1", "set-2"]
    assert fetch.calls == 2


def test_cancel_says_so_and_the_next_request_fetches_again(qtbot: QtBot, workers: Workers) -> None:
    fetch = GatedFetch()
    fetcher = fetcher_for(workers, fetch)
    results: list[Fetched] = []
    fetcher.succeeded.connect(results.append)
    fetcher.request()
    fetch.wait_started()
    with qtbot.waitSignals([fetcher.cancelled, fetcher.idle], timeout=1000):
        fetcher.cancel()
    assert not fetcher.is_busy()
    fetch.release(0)
    fetcher.request()
    fetch.wait_started()
    with qtbot.waitSignal(fetcher.idle, timeout=5000):
        fetch.release(1)
    assert names(results) == ["set-2"]


def test_a_delivered_report_is_prepared_and_announced_without_fetching(
    qtbot: QtBot, workers: Workers
) -> None:
    fetch = GatedFetch()
    fetcher = fetcher_for(workers, fetch)
    report = Report((make_row(backupset_name="handed over"),))
    with qtbot.waitSignal(fetcher.succeeded, timeout=5000) as blocker:
        fetcher.deliver(report)
    assert blocker.args[0].prepared.report is report
    assert fetch.calls == 0


def test_network_error_after_success_is_reported(qtbot: QtBot, workers: Workers) -> None:
    fetch = GatedFetch()
    fetcher = fetcher_for(workers, fetch)
    fetcher.request()
    fetch.wait_started()
    with qtbot.waitSignal(fetcher.succeeded, timeout=5000):
        fetch.release()
    fetch.outcome = NetworkError("Could not connect to api.intronis.com.")
    fetcher.request()
    fetch.wait_started()
    with qtbot.waitSignal(fetcher.failed, timeout=5000) as blocker:
        fetch.release()
    assert blocker.args[0].title == NetworkError.title
