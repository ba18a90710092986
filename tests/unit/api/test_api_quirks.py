"""ReportClient against what a real server may do beyond the happy path: pages and short pages,
a refused list of statuses, a 200 holding an error object, slow drips past the deadline, and
connections that break mid-body. Real HTTP on 127.0.0.1 throughout: pytest-httpserver, and a
raw socket server where the misbehaviour is below HTTP."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from desktop_app.api.auth import StaticTokenProvider
from desktop_app.api.client import ReportClient
from desktop_app.api.errors import InvalidResponseError, NetworkError
from desktop_app.api.regions import custom_endpoint
from desktop_app.report.query import ReportQuery
from tests.unit.api.test_api_client import REPORT_PATH, TOKEN, USER, Sleeper, _row, base, serve
from tests.unit.raw_http import Behaviour, RawServer, drip, reset_after


def page(rows: list[dict[str, object]], *, count: int, next_href: str | None = None) -> Response:
    links = [{"rel": "self", "href": "x"}]
    if next_href is not None:
        links.append({"rel": "next", "href": next_href})
    body = {"page": 1, "page_size": len(rows), "count": count, "links": links, "list": rows}
    return Response(json.dumps(body), content_type="application/json")


@pytest.fixture
def server(httpserver_ipv4: HTTPServer) -> HTTPServer:
    return httpserver_ipv4


@pytest.fixture
def make_client(server: HTTPServer) -> Iterator[Callable[..., ReportClient]]:
    made: list[ReportClient] = []

    def make(url: str | None = None, **kwargs: object) -> ReportClient:
        kwargs.setdefault("sleep", Sleeper())
        client = ReportClient(
            custom_endpoint(url or base(server)),
            USER,
            StaticTokenProvider(TOKEN),
            **kwargs,  # type: ignore[arg-type]
        )
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


# -- pages ------------------------------------------------------------------------------------


def test_next_links_are_followed_and_problems_numbered_across_pages(
    server: HTTPServer, make_client: Callable[..., ReportClient]
) -> None:
    rows = [_row(i) for i in range(250)]
    rows[120]["errors"] = "many"  # on page 2: its row number counts page 1's rows
    pages = {
        None: page(rows[:100], count=250, next_href=f"{REPORT_PATH}?page=2"),
        "2": page(rows[100:200], count=250, next_href="?page=3"),  # relative to page 2
        "3": page(rows[200:], count=250),
    }
    server.expect_request(REPORT_PATH).respond_with_handler(
        lambda request: pages[request.args.get("page")]
    )
    report = make_client().fetch_report()
    assert [r.username for r in report.rows] == [f"customer{i}" for i in range(250)]
    assert [(p.row, p.field) for p in report.problems] == [(121, "errors")]
    assert report.incomplete is None and report.missing_detectable
    assert report.response is not None and report.response.pages == 3
    sent = [req for req, _ in server.log]
    assert all(req.headers["Authorization"] == f"OAuth {TOKEN}" for req in sent)


def test_a_short_page_without_a_next_link_is_an_incomplete_report(
    server: HTTPServer, make_client: Callable[..., ReportClient]
) -> None:
    serve(server, page([_row(i) for i in range(100)], count=250))
    report = make_client().fetch_report()
    assert len(report.rows) == 100
    assert report.incomplete == "the server said it holds 250 backup sets but sent 100"
    assert not report.missing_detectable


def test_a_next_link_to_another_server_is_not_followed(
    server: HTTPServer, make_client: Callable[..., ReportClient]
) -> None:
    serve(server, page([_row(0)], count=2, next_href="https://elsewhere.example/page2"))
    report = make_client().fetch_report()
    assert len(report.rows) == 1
    assert report.incomplete == "its next page is on another server (elsewhere.example)"
    assert len(server.log) == 1  # no credentials ever left for the other host


def test_pages_are_bounded_and_a_loop_is_not_followed(
    server: HTTPServer, make_client: Callable[..., ReportClient]
) -> None:
    server.expect_request(REPORT_PATH).respond_with_handler(
        lambda request: page(
            [_row(int(request.args.get("p", "0")))],
            count=1000,
            next_href=f"{REPORT_PATH}?p={int(request.args.get('p', '0')) + 1}",
        )
    )
    report = make_client(max_pages=4).fetch_report()
    assert len(report.rows) == 4 and len(server.log) == 4
    assert report.incomplete == "it has more than 4 pages"
    server.clear()
    serve(server, page([_row(0)], count=1, next_href=REPORT_PATH))  # points at itself
    report = make_client().fetch_report()
    assert len(server.log) == 1 and report.incomplete is None


# -- the status filter ------------------------------------------------------------------------


def test_a_refused_list_of_statuses_is_dropped_for_the_session(
    server: HTTPServer, make_client: Callable[..., ReportClient]
) -> None:
    def handler(request: Request) -> Response:
        if "," in request.args.get("condition_status", ""):
            error = {"error": "invalid_parameter", "message": "bad condition_status"}
            return Response(json.dumps(error), status=400, content_type="application/json")
        return page([_row(i) for i in range(4)], count=4)

    server.expect_request(REPORT_PATH).respond_with_handler(handler)
    client = make_client()
    query = ReportQuery.for_statuses(["FAILURE", "WARNING"])
    first = client.fetch_report(query)
    assert len(first.rows) == 4 and client.status_list_refused
    assert [r.condition_status for r in query.keep(first.rows)] == ["FAILURE", "FAILURE"]
    client.fetch_report(query)  # remembered: asked once more without asking for the list
    sent = [req.args.get("condition_status") for req, _ in server.log]
    assert sent == ["FAILURE,WARNING", None, None]
    single = client.fetch_report(ReportQuery.for_statuses(["FAILURE"]))  # one status: sent
    assert server.log[-1][0].args.get("condition_status") == "FAILURE" and single.rows


def test_a_400_to_a_single_status_is_reported(
    server: HTTPServer, make_client: Callable[..., ReportClient]
) -> None:
    error = {"error": "invalid_parameter", "message": "no such status"}
    serve(server, Response(json.dumps(error), status=400, content_type="application/json"))
    with pytest.raises(Exception, match="no such status"):
        make_client().fetch_report(ReportQuery.for_statuses(["FAILURE"]))
    assert len(server.log) == 1


# -- error objects ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type", "fmt"),
    [
        (
            b'{"error": "quota_exceeded", "message": "Report generation limit reached"}',
            "application/json",
            "json",
        ),
        (
            b"<?xml version='1.0'?><error><code>quota_exceeded</code>"
            b"<message>Report generation limit reached</message></error>",
            "application/xml",
            "xml",
        ),
    ],
)
def test_a_200_holding_an_error_object_shows_the_servers_words(
    server: HTTPServer,
    make_client: Callable[..., ReportClient],
    body: bytes,
    content_type: str,
    fmt: str,
) -> None:
    serve(server, Response(body, content_type=content_type))
    with pytest.raises(InvalidResponseError) as caught:
        make_client(response_format=fmt).fetch_report()
    assert "Report generation limit reached" in caught.value.message
    assert "'list' of rows" not in caught.value.message
    assert caught.value.exit_code == 5


def test_the_response_sample_keeps_the_head_and_facts(
    server: HTTPServer, make_client: Callable[..., ReportClient]
) -> None:
    serve(server, page([_row(i) for i in range(3)], count=3))
    sample = make_client().fetch_report().response
    assert sample is not None
    assert (sample.status, sample.fmt, sample.pages) == (200, "json", 1)
    assert sample.content_type == "application/json"
    assert json.loads(sample.head)["list"][0]["username"] == "customer0"


# -- deadline and broken connections (a raw socket server) -----------------------------------


def test_a_server_dripping_bytes_is_stopped_at_the_deadline(
    raw_server: Callable[[Behaviour], RawServer],
    make_client: Callable[..., ReportClient],
) -> None:
    """A byte every 50 ms never trips a 60 s read timeout; the 0.5 s deadline ends it."""
    server = raw_server(drip)
    client = make_client(server.url, deadline=0.5, read_timeout=60.0)
    started = time.monotonic()
    with pytest.raises(NetworkError, match=r"did not arrive within 0\.5 s") as caught:
        client.fetch_report()
    assert time.monotonic() - started < 5
    assert caught.value.exit_code == 4
    assert "bytes had arrived" in caught.value.message


def test_a_connection_reset_mid_body_is_a_network_error_with_the_bytes_that_arrived(
    raw_server: Callable[[Behaviour], RawServer],
    make_client: Callable[..., ReportClient],
) -> None:
    server = raw_server(reset_after(b"x" * 3000))
    with pytest.raises(NetworkError) as caught:
        make_client(server.url).fetch_report()
    assert caught.value.exit_code == 4
    assert "broke after 2.9 KB of 48.8 KB of the report had arrived" in caught.value.message


def test_deadline_covers_the_waits_between_retries(
    server: HTTPServer, make_client: Callable[..., ReportClient]
) -> None:
    """A Retry-After that would outlast the deadline ends the fetch at once, without sleeping."""
    busy = Response("busy", status=503, headers={"Retry-After": "20"})
    serve(server, busy)
    sleeper = Sleeper()
    with pytest.raises(NetworkError, match="did not arrive within 10 s"):
        make_client(deadline=10.0, max_total_wait=600.0, sleep=sleeper).fetch_report()
    assert sleeper.waits == []
