"""Several partners' reports fetched at once, against a real threaded HTTP server on 127.0.0.1:
delivered as they arrive, a bounded number at a time, one failure costing only its partner,
progress, and a cancel that does not wait for a server that never answers."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator

import pytest
import requests
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from desktop_app.api.auth import StaticTokenProvider
from desktop_app.api.client import ReportClient
from desktop_app.api.errors import (
    FetchCancelled,
    InvalidResponseError,
    NetworkError,
    NotFoundError,
    PermissionDeniedError,
    ServerError,
)
from desktop_app.api.partner_reports import PartnerFetch, Progress, fetch_partner_reports
from desktop_app.api.regions import custom_endpoint
from tests.unit.fixtures.generated import sample_rows, to_json

TOKEN = "tok-many-0123456789"
REPORT = re.compile(r"^/v1/partners/([^/]+)/reports/backup_status$")
WAIT = 30.0  # a handler waits at most this long for the test to let it answer


@pytest.fixture
def server() -> Iterator[HTTPServer]:
    """pytest-httpserver answering each request on its own thread (several fetches at once)."""
    server = HTTPServer(host="127.0.0.1", threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.fixture
def client_for(server: HTTPServer) -> Iterator[Callable[[str], ReportClient]]:
    endpoint = custom_endpoint(server.url_for("/").rstrip("/"))
    base = ReportClient(
        endpoint, "root", StaticTokenProvider(TOKEN), sleep=lambda _s: None, max_retries=1
    )
    yield lambda name: base.for_partner(name, session=requests.Session())
    base.close()


def report_body(partner: str, rows: int = 3) -> bytes:
    generated = sample_rows(rows, seed=len(partner))
    for i, row in enumerate(generated):
        row["username"] = f"{partner}-customer{i}"
    return to_json(generated)


def partner_of(request: Request) -> str:
    match = REPORT.match(request.path)
    assert match is not None
    return match.group(1)


def test_reports_arrive_one_by_one_while_a_slow_partner_is_still_fetched(
    server: HTTPServer, client_for: Callable[[str], ReportClient]
) -> None:
    release = threading.Event()

    def handler(request: Request) -> Response:
        partner = partner_of(request)
        if partner == "slow":
            release.wait(WAIT)  # answers once the others have been handed over
        return Response(report_body(partner), content_type="application/json")

    server.expect_request(REPORT).respond_with_handler(handler)
    arrived: list[str] = []
    progress: list[str] = []

    def on_result(result: PartnerFetch) -> None:
        arrived.append(result.partner)
        if len(arrived) == 3:
            release.set()

    results = fetch_partner_reports(
        ["slow", "a", "b", "c"],
        client_for,
        concurrency=2,
        on_result=on_result,
        on_progress=lambda p: progress.append(str(p)),
    )
    assert arrived == ["a", "b", "c", "slow"]
    assert progress == [f"{n} of 4 partners" for n in range(5)]
    assert [r.partner for r in results] == ["slow", "a", "b", "c"]  # the order asked for
    for result in results:
        assert result.report is not None and result.error is None
        assert {row.partner for row in result.report.rows} == {result.partner}
        assert {row.username.split("-")[0] for row in result.report.rows} == {result.partner}


def test_at_most_the_bound_run_at_once(
    server: HTTPServer, client_for: Callable[[str], ReportClient]
) -> None:
    """Three fetches must meet at a barrier for three at a time; a fourth never joins them."""
    barrier = threading.Barrier(3, timeout=WAIT)
    lock = threading.Lock()
    in_flight = [0, 0]  # now, most

    def handler(request: Request) -> Response:
        with lock:
            in_flight[0] += 1
            in_flight[1] = max(in_flight[1], in_flight[0])
        try:
            barrier.wait()
        finally:
            with lock:
                in_flight[0] -= 1
        return Response(report_body(partner_of(request)), content_type="application/json")

    server.expect_request(REPORT).respond_with_handler(handler)
    workers: list[int] = []
    before = set(threading.enumerate())

    def count_workers(progress: Progress) -> None:
        if not progress.done:  # the workers have started; none has finished
            new = set(threading.enumerate()) - before
            workers.append(sum(t.name.startswith("partner-report-") for t in new))

    results = fetch_partner_reports(
        [f"p{i}" for i in range(6)], client_for, concurrency=3, on_progress=count_workers
    )
    assert all(r.report is not None for r in results)
    assert in_flight[1] == 3 and workers == [3]


def test_one_failure_costs_only_its_partner(
    server: HTTPServer, client_for: Callable[[str], ReportClient]
) -> None:
    answers = {
        "noscope": Response(
            json.dumps({"error": "insufficient_scope"}), 403, content_type="application/json"
        ),
        "gone": Response("{}", 404, content_type="application/json"),
        "broken": Response("{}", 503, content_type="application/json"),
        "garbled": Response("{not json", content_type="application/json"),
    }

    def handler(request: Request) -> Response:
        partner = partner_of(request)
        return answers.get(partner) or Response(
            report_body(partner), content_type="application/json"
        )

    server.expect_request(REPORT).respond_with_handler(handler)
    names = ["ok1", "noscope", "gone", "broken", "garbled", "ok2"]
    progress: list[Progress] = []
    results = {
        r.partner: r for r in fetch_partner_reports(names, client_for, on_progress=progress.append)
    }
    assert results["ok1"].report is not None and results["ok2"].report is not None
    assert isinstance(results["noscope"].error, PermissionDeniedError)
    assert "report of partner 'noscope'" in results["noscope"].error.message
    assert isinstance(results["gone"].error, NotFoundError)
    assert isinstance(results["broken"].error, ServerError)
    assert isinstance(results["garbled"].error, InvalidResponseError)
    assert [r.partner for r in results.values() if r.refused] == ["noscope", "gone"]
    assert progress[-1] == Progress(6, 6, failed=4)


def test_cancel_returns_without_waiting_for_a_server_that_never_answers(
    server: HTTPServer, client_for: Callable[[str], ReportClient]
) -> None:
    hung, done, answered = threading.Event(), threading.Event(), threading.Event()

    def handler(request: Request) -> Response:
        partner = partner_of(request)
        if partner == "hang":
            hung.set()
            done.wait(WAIT)  # answers only when the test ends
            answered.set()
        return Response(report_body(partner), content_type="application/json")

    server.expect_request(REPORT).respond_with_handler(handler)
    cancel = threading.Event()
    arrived: list[str] = []

    def on_result(result: PartnerFetch) -> None:
        arrived.append(result.partner)
        assert hung.wait(WAIT)
        cancel.set()

    try:
        with pytest.raises(FetchCancelled):
            fetch_partner_reports(
                ["hang", "fast", "later1", "later2", "later3"],
                client_for,
                concurrency=2,
                cancel=cancel,
                on_result=on_result,
            )
        assert arrived == ["fast"]  # nothing more is handed over once cancelled
        assert not answered.is_set()  # the hung fetch was not waited for
    finally:
        done.set()


def test_duplicate_partners_are_fetched_once_and_nothing_runs_for_none(
    server: HTTPServer, client_for: Callable[[str], ReportClient]
) -> None:
    server.expect_request(REPORT).respond_with_handler(
        lambda request: Response(report_body(partner_of(request)), content_type="application/json")
    )
    results = fetch_partner_reports(["a", "b", "a"], client_for)
    assert [r.partner for r in results] == ["a", "b"]
    assert len(server.log) == 2
    assert fetch_partner_reports([], client_for) == ()
    with pytest.raises(ValueError, match="concurrency"):
        fetch_partner_reports(["a"], client_for, concurrency=0)


def test_each_partner_has_its_own_deadline(server: HTTPServer) -> None:
    """A partner whose server never answers fails at its deadline; the others arrive first."""
    done = threading.Event()

    def handler(request: Request) -> Response:
        partner = partner_of(request)
        if partner == "stuck":
            done.wait(WAIT)
        return Response(report_body(partner), content_type="application/json")

    server.expect_request(REPORT).respond_with_handler(handler)
    endpoint = custom_endpoint(server.url_for("/").rstrip("/"))
    base = ReportClient(endpoint, "root", StaticTokenProvider(TOKEN), deadline=0.5)
    arrived: list[str] = []
    try:
        results = fetch_partner_reports(
            ["stuck", "a", "b"],
            lambda name: base.for_partner(name, session=requests.Session()),
            on_result=lambda r: arrived.append(r.partner),
        )
    finally:
        done.set()
        base.close()
    assert sorted(arrived[:2]) == ["a", "b"] and arrived[2] == "stuck"
    stuck = results[0]
    assert isinstance(stuck.error, NetworkError) and "0.5 s, the fetch deadline" in str(stuck.error)
    assert not stuck.refused and stuck.part(1).state.value == "failed"


def test_a_callback_that_fails_stops_the_fetches_too(
    server: HTTPServer, client_for: Callable[[str], ReportClient]
) -> None:
    """The error reaches the caller, and no partner is fetched for nobody after it."""
    later = threading.Event()

    def handler(request: Request) -> Response:
        partner = partner_of(request)
        if partner == "b":
            later.wait(WAIT)  # still running when the callback fails
        return Response(report_body(partner), content_type="application/json")

    def on_result(result: PartnerFetch) -> None:
        raise RuntimeError(f"the view could not take {result.partner}")

    server.expect_request(REPORT).respond_with_handler(handler)
    before = set(threading.enumerate())
    try:
        with pytest.raises(RuntimeError, match="could not take a"):
            fetch_partner_reports(["a", "b", "c"], client_for, concurrency=1, on_result=on_result)
    finally:
        later.set()
    (worker,) = [t for t in set(threading.enumerate()) - before if t.name == "partner-report-1"]
    worker.join(WAIT)  # it finishes "b", then must not go on to "c"
    assert not worker.is_alive()
    assert [partner_of(request) for request, _ in server.log] == ["a", "b"]
