"""ReportClient against real HTTP on 127.0.0.1 (pytest-httpserver): headers, formats, retries,
limits, redirects, cancellation, and that no secret reaches a log line or an error message."""

from __future__ import annotations

import gzip
import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
import requests
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from desktop_app.api.auth import ClientCredentialsProvider, StaticTokenProvider, TokenProvider
from desktop_app.api.client import ReportClient, build_client
from desktop_app.api.errors import (
    ApiError,
    AuthenticationError,
    BadRequestError,
    FetchCancelled,
    InvalidResponseError,
    NetworkError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
)
from desktop_app.api.network import network_error
from desktop_app.api.regions import custom_endpoint
from desktop_app.api.responses import (
    format_size,
    parse_retry_after,
    server_error_text,
    server_said,
)
from desktop_app.report.query import OrderBy, OrderDir, ReportQuery

USER = "acme.msp"
REPORT_PATH = f"/v1/partners/{USER}/reports/backup_status"
TOKEN = "tok-STATIC-0123456789"
CLIENT_ID = "client-7"
SECRET = "sEcReT-client-secret-value"


# -- documents --------------------------------------------------------------------------------


def _row(i: int) -> dict[str, object]:
    return {
        "report_date": "2024-05-01T06:00:00+00:00",
        "username": f"customer{i}",
        "computer_id": f"{100 + i:04d}",
        "computer_name": f"PC-{i}",
        "backupset_name": f"Set {i}",
        "local_start": "2024-05-01T01:00:00-04:00",
        "local_end": "2024-05-01T01:30:00-04:00",
        "condition_status": "FAILURE" if i % 2 else "COMPLETED",
        "condition_types": ["ERRORS"] if i % 2 else ["COMPLETED"],
        "errors": i % 2,
        "warnings": 0,
    }


def json_doc(n: int = 3) -> bytes:
    rows = [_row(i) for i in range(n)]
    envelope = {"page": 1, "page_size": n, "count": n, "links": [], "list": rows}
    return json.dumps(envelope).encode()


def xml_doc(n: int = 3) -> bytes:
    parts = [f'<list page="1" page_size="{n}" count="{n}"><link rel="self" href="/x"/>']
    for i in range(n):
        row = _row(i)
        types = "".join(f"<condition_type>{t}</condition_type>" for t in row["condition_types"])  # type: ignore[attr-defined]
        fields = "".join(
            f"<{k}>{v}</{k}>" for k, v in row.items() if k != "condition_types"
        ).replace(
            "<condition_status>", f"<condition_types>{types}</condition_types><condition_status>"
        )
        parts.append(f"<backup_status>{fields}</backup_status>")
    parts.append("</list>")
    return "".join(parts).encode()


# -- fixtures ---------------------------------------------------------------------------------


class Sleeper:
    """Stands in for time.sleep: records the waits instead of waiting."""

    def __init__(self, on_sleep: Callable[[], None] | None = None) -> None:
        self.waits: list[float] = []
        self.on_sleep = on_sleep

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        if self.on_sleep is not None:
            self.on_sleep()


@pytest.fixture
def server(httpserver_ipv4: HTTPServer) -> HTTPServer:
    return httpserver_ipv4


def base(server: HTTPServer) -> str:
    return server.url_for("/").rstrip("/")


def report_requests(server: HTTPServer, path: str = REPORT_PATH) -> list[Request]:
    return [req for req, _ in server.log if req.path == path]


class Recorder:
    """A handler that records each request and answers from a list (the last one repeats)."""

    def __init__(self, *responses: Response) -> None:
        self.responses = list(responses)
        self.requests: list[Request] = []
        self.headers: list[dict[str, str]] = []

    def __call__(self, request: Request) -> Response:
        self.requests.append(request)
        self.headers.append(dict(request.headers))
        if len(self.responses) > 1:
            return self.responses.pop(0)
        return self.responses[0]


def ok_json(body: bytes | None = None, **headers: str) -> Response:
    return Response(
        body if body is not None else json_doc(), content_type="application/json", headers=headers
    )


def status(
    code: int, body: str = "", content_type: str = "application/json", **headers: str
) -> Response:
    return Response(body, status=code, content_type=content_type, headers=headers)


@pytest.fixture
def make_client(server: HTTPServer) -> Iterator[Callable[..., ReportClient]]:
    made: list[ReportClient] = []

    def make(tokens: TokenProvider | None = None, **kwargs: object) -> ReportClient:
        kwargs.setdefault("sleep", Sleeper())
        client = ReportClient(
            custom_endpoint(base(server)),
            USER,
            tokens or StaticTokenProvider(TOKEN),
            **kwargs,  # type: ignore[arg-type]
        )
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


def serve(server: HTTPServer, *responses: Response, path: str = REPORT_PATH) -> Recorder:
    recorder = Recorder(*responses)
    server.expect_request(path, method="GET").respond_with_handler(recorder)
    return recorder


class TokenEndpoint:
    """A token endpoint on the same server handing out token-1, token-2, ..."""

    def __init__(self, server: HTTPServer) -> None:
        self.count = 0
        server.expect_request("/oauth2/token", method="POST").respond_with_handler(self._handle)

    def _handle(self, request: Request) -> Response:
        self.count += 1
        reply = {"access_token": f"token-{self.count}-XYZ", "expires_in": "3600"}
        return Response(json.dumps(reply), content_type="application/json")


@pytest.fixture
def cc_provider(server: HTTPServer) -> Iterator[ClientCredentialsProvider]:
    """Client credentials against the test server's /oauth2/token."""
    provider = ClientCredentialsProvider(base(server), CLIENT_ID, SECRET)
    yield provider
    provider.close()


# -- success ----------------------------------------------------------------------------------


def test_json_report_with_exact_headers(
    server: HTTPServer, make_client: Callable[..., ReportClient]
) -> None:
    rec = serve(server, ok_json(json_doc(3)))
    before = datetime.now(UTC)
    report = make_client().fetch_report()
    after = datetime.now(UTC)
    assert len(report) == 3 and report.rows[1].computer_name == "PC-1"
    assert report.source == "json"
    assert report.fetched_at is not None and report.fetched_at.tzinfo is not None
    assert before <= report.fetched_at <= after
    assert report.fetch_seconds is not None and 0 <= report.fetch_seconds < 5
    headers = rec.headers[0]
    assert headers["Authorization"] == f"OAuth {TOKEN}"
    assert headers["Accept"] == "application/json"
    assert "gzip" in headers["Accept-Encoding"]
    assert headers["User-Agent"].startswith("BackupStatusMonitor/")
    assert rec.requests[0].args == {}


def test_xml_report(server: HTTPServer, make_client: Callable[..., ReportClient]) -> None:
    rec = serve(server, Response(xml_doc(2), content_type="application/xml; charset=utf-8"))
    report = make_client(response_format="xml").fetch_report()
    assert [r.username for r in report.rows] == ["customer0", "customer1"]
    assert report.rows[1].condition_types == ("ERRORS",)
    assert report.source == "xml"
    assert rec.headers[0]["Accept"] == "application/xml"


def test_gzip_encoded_body(server: HTTPServer, make_client: Callable[..., ReportClient]) -> None:
    body = json_doc(200)
    packed = gzip.compress(body)
    assert len(packed) < len(body) / 5
    serve(server, ok_json(packed, **{"Content-Encoding": "gzip"}))
    report = make_client().fetch_report()
    assert len(report) == 200


def test_missing_content_type_is_still_parsed(
    server: HTTPServer, make_client: Callable[..., ReportClient]
) -> None:
    response = Response(json_doc(1))
    del response.headers["Content-Type"]
    serve(server, response)
    assert len(make_client().fetch_report()) == 1


def test_query_parameters(server: HTTPServer, make_client: Callable[..., ReportClient]) -> None:
    rec = serve(server, ok_json())
    query = ReportQuery.for_statuses(
        ["failure", "warning"], order_by=OrderBy.USERNAME, order_dir=OrderDir.DESC
    )
    make_client().fetch_report(query)
    assert rec.requests[0].args.to_dict() == {
        "condition_status": "FAILURE,WARNING",
        "order_by": "USERNAME",
        "order_dir": "DESC",
    }


def test_username_is_url_quoted(server: HTTPServer) -> None:
    rec = serve(server, ok_json(), path="/v1/partners/acme msp/1/reports/backup_status")
    with ReportClient(custom_endpoint(base(server)), "acme msp/1", StaticTokenProvider(TOKEN)) as c:
        assert c.report_url.endswith("/v1/partners/acme%20msp%2F1/reports/backup_status")
        c.fetch_report()
    assert "/v1/partners/acme%20msp%2F1/reports" in rec.requests[0].environ["RAW_URI"]


# -- tokens -----------------------------------------------------------------------------------


def test_one_token_request_for_two_fetches(
    server: HTTPServer,
    make_client: Callable[..., ReportClient],
    cc_provider: ClientCredentialsProvider,
) -> None:
    tokens = TokenEndpoint(server)
    rec = serve(server, ok_json())
    client = make_client(cc_provider)
    client.fetch_report()
    client.fetch_report()
    assert tokens.count == 1
    assert [h["Authorization"] for h in rec.headers] == ["OAuth token-1-XYZ"] * 2


def test_401_renews_the_token_once_then_succeeds(
    server: HTTPServer,
    make_client: Callable[..., ReportClient],
    cc_provider: ClientCredentialsProvider,
) -> None:
    tokens = TokenEndpoint(server)
    rec = serve(server, status(401, '{"error": "expired"}'), ok_json())
    report = make_client(cc_provider).fetch_report()
    assert len(report) == 3
    assert tokens.count == 2
    assert [h["Authorization"] for h in rec.headers] == [
        "OAuth token-1-XYZ",
        "OAuth token-2-XYZ",
    ]


def test_401_twice_is_an_authentication_error(
    server: HTTPServer,
    make_client: Callable[..., ReportClient],
    cc_provider: ClientCredentialsProvider,
) -> None:
    tokens = TokenEndpoint(server)
    rec = serve(server, status(401, '{"error": "invalid_token"}'))
    with pytest.raises(AuthenticationError, match="The access token is invalid or has expired"):
        make_client(cc_provider).fetch_report()
    assert tokens.count == 2 and len(rec.requests) == 2


def test_401_with_a_static_token_is_not_retried(
    server: HTTPServer, make_client: Callable[..., ReportClient]
) -> None:
    rec = serve(server, status(401))
    with pytest.raises(AuthenticationError) as info:
        make_client().fetch_report()
    assert info.value.status == 401 and info.value.exit_code == 3
    assert len(rec.requests) == 1


def test_token_endpoint_failure_surfaces_unchanged(
    server: HTTPServer,
    make_client: Callable[..., ReportClient],
    cc_provider: ClientCredentialsProvider,
) -> None:
    server.expect_request("/oauth2/token", method="POST").respond_with_json(
        {"error": "invalid_client"}, status=401
    )
    rec = serve(server, ok_json())
    with pytest.raises(AuthenticationError, match="client ID or secret was rejected"):
        make_client(cc_provider).fetch_report()
    assert rec.requests == []


# -- error statuses ---------------------------------------------------------------------------


def test_403_mentions_scope_and_partner(
    server: HTTPServer, make_client: Callable[..., ReportClient]
) -> None:
    serve(server, status(403, '{"error": "forbidden"}'))
    with pytest.raises(PermissionDeniedError) as info:
        make_client().fetch_report()
    assert "partners_read" in str(info.value) and "another partner" in str(info.value)
    assert info.value.status == 403


def test_404_names_the_username(
    server: HTTPServer, make_client: Callable[..., ReportClient]
) -> None:
    serve(server, status(404, "Not Found", "text/plain"))
    with pytest.raises(NotFoundError, match=f"No partner named '{USER}'.*partner username"):
        make_client().fetch_report()


def test_400_shows_the_servers_error_object(
    server: HTTPServer, make_client: Callable[..., ReportClient]
) -> None:
    body = json.dumps({"error": "invalid_parameter", "message": "condition_status: bad  value"})
    serve(server, status(400, body))
    with pytest.raises(BadRequestError) as info:
        make_client().fetch_report()
    assert "invalid_parameter: condition_status: bad value" in str(info.value)


def test_400_long_text_is_trimmed(
    server: HTTPServer, make_client: Callable[..., ReportClient]
) -> None:
    serve(server, status(400, "x" * 10_000, "text/plain"))
    with pytest.raises(BadRequestError) as info:
        make_client().fetch_report()
    assert 300 < len(str(info.value)) < 400


def test_other_4xx_is_an_api_error_with_its_status(
    server: HTTPServer, make_client: Callable[..., ReportClient]
) -> None:
    serve(server, status(405, "", "text/plain"))
    with pytest.raises(ApiError) as info:
        make_client().fetch_report()
    assert type(info.value) is ApiError
    assert info.value.status == 405 and "HTTP 405" in str(info.value)


def test_500_is_a_server_error_without_retries(
    server: HTTPServer, make_client: Callable[..., ReportClient]
) -> None:
    rec = serve(server, status(500, "<html><title>Internal Oops</title></html>", "text/html"))
    sleeper = Sleeper()
    with pytest.raises(ServerError, match=r"HTTP 500.*Internal Oops"):
        make_client(sleep=sleeper).fetch_report()
    assert len(rec.requests) == 1 and sleeper.waits == []


def test_server_text_ends_its_sentence_before_the_advice(
    server: HTTPServer, make_client: Callable[..., ReportClient]
) -> None:
    serve(server, status(500, "Internal Server Error", "text/plain"))
    with pytest.raises(ServerError) as info:
        make_client(sleep=Sleeper()).fetch_report()
    message = str(info.value)
    said = "The server said: Internal Server Error. Try again later."
    assert message.endswith(f"(HTTP 500 INTERNAL SERVER ERROR). {said}"), message


def test_server_said_adds_a_full_stop_only_when_missing() -> None:
    assert server_said("") == ""
    assert server_said("Down for maintenance") == " The server said: Down for maintenance."
    assert server_said("Back at 5 p.m.") == " The server said: Back at 5 p.m."
    assert server_said("Really?") == " The server said: Really?"
    assert server_said("Cut short…") == " The server said: Cut short…"


# -- retries ----------------------------------------------------------------------------------


def test_429_retry_after_is_honoured(
    server: HTTPServer, make_client: Callable[..., ReportClient]
) -> None:
    rec = serve(server, status(429, **{"Retry-After": "2"}), ok_json())
    sleeper = Sleeper()
    report = make_client(sleep=sleeper).fetch_report()
    assert len(report) == 3 and len(rec.requests) == 2
    assert sleeper.waits == [2.0]


def test_retry_after_beyond_the_budget_gives_up_at_once(
    server: HTTPServer, make_client: Callable[..., ReportClient]
) -> None:
    rec = serve(server, status(429, **{"Retry-After": "3600"}), ok_json())
    sleeper = Sleeper()
    with pytest.raises(RateLimitedError) as info:
        make_client(sleep=sleeper, max_total_wait=30).fetch_report()
    assert sleeper.waits == [] and len(rec.requests) == 1
    assert info.value.retry_after == 3600 and info.value.status == 429
    assert "3600 s" in str(info.value)


def test_retry_after_as_http_date() -> None:
    now = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
    header = format_datetime(now + timedelta(seconds=7), usegmt=True)
    assert parse_retry_after(header, now=now) == 7
    assert parse_retry_after(format_datetime(now - timedelta(hours=1), usegmt=True), now=now) == 0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None
    assert parse_retry_after(" 5 ") == 5 and parse_retry_after("nan") is None


def test_5xx_exhaustion_uses_exponential_backoff(
    server: HTTPServer, make_client: Callable[..., ReportClient]
) -> None:
    rec = serve(server, status(503, "maintenance", "text/plain"))
    sleeper = Sleeper()
    with pytest.raises(ServerError) as info:
        make_client(sleep=sleeper, max_retries=3).fetch_report()
    assert sleeper.waits == [1.0, 2.0, 4.0]
    assert len(rec.requests) == 4
    assert info.value.status == 503 and "after 4 attempts" in str(info.value)


@pytest.mark.parametrize("retry_after", [None, "2"])
def test_total_wait_is_bounded(
    server: HTTPServer, make_client: Callable[..., ReportClient], retry_after: str | None
) -> None:
    headers = {"Retry-After": retry_after} if retry_after else {}
    rec = serve(server, status(502, **headers))
    sleeper = Sleeper()
    with pytest.raises(ServerError):
        make_client(sleep=sleeper, max_retries=10, max_total_wait=5).fetch_report()
    assert sum(sleeper.waits) <= 5
    assert sleeper.waits == ([1.0, 2.0] if retry_after is None else [2.0, 2.0])
    assert len(rec.requests) == len(sleeper.waits) + 1


# -- network ----------------------------------------------------------------------------------


def test_read_timeout_is_a_network_error(
    server: HTTPServer, make_client: Callable[..., ReportClient]
) -> None:
    release = threading.Event()

    def stall(request: Request) -> Response:
        release.wait(5)
        return ok_json()

    server.expect_request(REPORT_PATH).respond_with_handler(stall)
    started = time.monotonic()
    try:
        with pytest.raises(NetworkError, match="stopped responding"):
            make_client(read_timeout=0.2).fetch_report()
    finally:
        release.set()
    assert time.monotonic() - started < 3


def test_connection_refused_is_a_network_error_after_one_retry() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    sleeper = Sleeper()
    client = ReportClient(
        custom_endpoint(f"http://127.0.0.1:{port}"), USER, StaticTokenProvider(TOKEN), sleep=sleeper
    )
    with client, pytest.raises(NetworkError, match="refused the connection") as info:
        client.fetch_report()
    assert sleeper.waits == [1.0]
    assert type(info.value) is NetworkError
    assert info.value.__context__ is None  # the request (with its header) is not chained on


def test_tls_failure_is_explained(server: HTTPServer) -> None:
    # Speaking TLS to a plain-http server fails the handshake: a real SSLError.
    sleeper = Sleeper()
    endpoint = custom_endpoint(f"https://127.0.0.1:{server.port}")
    client = ReportClient(endpoint, USER, StaticTokenProvider(TOKEN), sleep=sleeper)
    with client, pytest.raises(NetworkError, match="TLS/certificate problem") as info:
        client.fetch_report()
    assert sleeper.waits == []  # not retried: it would fail the same way
    assert f"127.0.0.1:{server.port}" in str(info.value)


@pytest.mark.parametrize(
    ("exc", "words"),
    [
        (
            requests.exceptions.ConnectionError(socket.gaierror(-2, "Name or service not known")),
            "DNS lookup failed",
        ),
        (
            requests.exceptions.ConnectTimeout(),
            "Timed out connecting to api.example.net after 10 s",
        ),
        (requests.exceptions.ReadTimeout(), "stopped responding (no data for 60 s)"),
        (requests.exceptions.ProxyError(), "proxy"),
        (requests.exceptions.ConnectionError(ConnectionResetError()), "failed or was interrupted"),
    ],
)
def test_network_error_wording(exc: requests.RequestException, words: str) -> None:
    error = network_error(
        exc, "https://api.example.net/v1/x?y=1", connect_timeout=10, read_timeout=60
    )
    assert words in str(error)
    assert "/v1/x" not in str(error)


# -- unreadable responses ---------------------------------------------------------------------


def test_html_page_with_200_is_invalid(
    server: HTTPServer, make_client: Callable[..., ReportClient]
) -> None:
    serve(server, Response("<html><body>Please sign in</body></html>", content_type="text/html"))
    with pytest.raises(InvalidResponseError) as info:
        make_client().fetch_report()
    assert "Expected JSON but the server sent an HTML page" in str(info.value)
    assert info.value.exit_code == 5


def test_xml_when_json_was_asked_is_invalid(
    server: HTTPServer, make_client: Callable[..., ReportClient]
) -> None:
    serve(server, Response(xml_doc(), content_type="application/xml"))
    with pytest.raises(InvalidResponseError, match="Expected JSON but the server sent XML"):
        make_client().fetch_report()


@pytest.mark.parametrize(
    "body", [b"{not json at all", json_doc(5)[: len(json_doc(5)) // 2], b'{"page": 1}']
)
def test_malformed_or_truncated_json_is_invalid(
    server: HTTPServer, make_client: Callable[..., ReportClient], body: bytes
) -> None:
    serve(server, ok_json(body))
    with pytest.raises(InvalidResponseError, match="could not be read as a Backup Status Report"):
        make_client().fetch_report()


def test_malformed_xml_is_invalid_unless_every_row_can_be_recovered(
    server: HTTPServer, make_client: Callable[..., ReportClient]
) -> None:
    serve(server, Response(xml_doc()[:60], content_type="application/xml"))
    with pytest.raises(InvalidResponseError, match="XML could not be read"):
        make_client(response_format="xml").fetch_report()
    server.clear()
    sloppy = xml_doc().replace(b"</condition_type>", b"</condition_types>", 1)
    serve(server, Response(sloppy, content_type="application/xml"))
    report = make_client(response_format="xml").fetch_report()
    assert len(report.rows) == 3 and report.problems[0].field == "document"


def test_connection_closed_mid_body_is_a_network_error_saying_what_arrived(
    server: HTTPServer, make_client: Callable[..., ReportClient]
) -> None:
    response = Response(iter([json_doc()[:50]]), content_type="application/json")
    response.headers["Content-Length"] = "5000"
    serve(server, response)
    with pytest.raises(NetworkError, match=r"broke after 50 bytes of 4\.9 KB") as caught:
        make_client().fetch_report()
    assert caught.value.exit_code == 4


@pytest.mark.parametrize("chunked", [False, True])
def test_oversized_body_is_refused(
    server: HTTPServer, make_client: Callable[..., ReportClient], chunked: bool
) -> None:
    body = json_doc(50)
    assert len(body) > 4096
    serve(server, ok_json(iter([body[:2000], body[2000:]]) if chunked else body))  # type: ignore[arg-type]
    with pytest.raises(InvalidResponseError, match=r"exceeded 4 KB"):
        make_client(max_bytes=4096).fetch_report()


def test_gzip_bomb_is_refused_by_decompressed_size(
    server: HTTPServer, make_client: Callable[..., ReportClient]
) -> None:
    bomb = gzip.compress(b"[" + b" " * (16 * 1024 * 1024) + b"]")
    assert len(bomb) < 64 * 1024
    serve(server, ok_json(bomb, **{"Content-Encoding": "gzip"}))
    with pytest.raises(InvalidResponseError, match="exceeded 1 MB"):
        make_client(max_bytes=1024 * 1024).fetch_report()


def test_broken_gzip_is_invalid(
    server: HTTPServer, make_client: Callable[..., ReportClient]
) -> None:
    serve(server, ok_json(b"definitely not gzip data", **{"Content-Encoding": "gzip"}))
    with pytest.raises(InvalidResponseError, match="decompressed"):
        make_client().fetch_report()


# -- redirects --------------------------------------------------------------------------------


@pytest.fixture
def other_server() -> Iterator[HTTPServer]:
    other = HTTPServer(host="127.0.0.1", port=0)
    other.start()
    try:
        yield other
    finally:
        other.clear()
        other.stop()


def test_redirect_to_another_host_drops_authorization(
    server: HTTPServer, other_server: HTTPServer, make_client: Callable[..., ReportClient]
) -> None:
    target = f"http://localhost:{other_server.port}/mirror/report?condition_status=FAILURE"
    serve(server, status(302, Location=target))
    mirror = serve(other_server, ok_json(json_doc(2)), path="/mirror/report")
    report = make_client().fetch_report(ReportQuery.for_statuses(["FAILURE"]))
    assert len(report) == 2
    assert len(mirror.requests) == 1
    assert "Authorization" not in mirror.headers[0]
    assert mirror.requests[0].args.to_dict() == {"condition_status": "FAILURE"}
    assert mirror.headers[0]["Accept"] == "application/json"


def test_redirect_on_the_same_origin_keeps_authorization(
    server: HTTPServer, make_client: Callable[..., ReportClient]
) -> None:
    serve(server, status(301, Location="/v2/report"))
    moved = serve(server, ok_json(), path="/v2/report")
    make_client().fetch_report()
    assert moved.headers[0]["Authorization"] == f"OAuth {TOKEN}"


def test_redirect_loop_gives_up(
    server: HTTPServer, make_client: Callable[..., ReportClient]
) -> None:
    rec = serve(server, status(307, Location=REPORT_PATH))
    with pytest.raises(InvalidResponseError, match="redirected more than 2 times"):
        make_client(max_redirects=2).fetch_report()
    assert len(rec.requests) == 3


# -- cancellation -----------------------------------------------------------------------------


def test_cancel_before_start_sends_nothing(
    server: HTTPServer, make_client: Callable[..., ReportClient]
) -> None:
    rec = serve(server, ok_json())
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(FetchCancelled) as info:
        make_client().fetch_report(cancel=cancel)
    assert rec.requests == []
    assert isinstance(info.value, ApiError) and info.value.cancelled


def test_cancel_during_backoff(
    server: HTTPServer, make_client: Callable[..., ReportClient]
) -> None:
    rec = serve(server, status(503, **{"Retry-After": "10"}))
    cancel = threading.Event()
    sleeper = Sleeper(on_sleep=cancel.set)
    with pytest.raises(FetchCancelled):
        make_client(sleep=sleeper, max_total_wait=30).fetch_report(cancel=cancel)
    assert len(rec.requests) == 1
    assert sleeper.waits == [0.25]  # sliced so a cancel is seen quickly


def test_cancel_between_body_chunks(
    server: HTTPServer, make_client: Callable[..., ReportClient]
) -> None:
    cancel = threading.Event()

    def body() -> Iterator[bytes]:
        yield b" " * 100_000
        cancel.set()  # the client's first 256 KB chunk cannot complete before this
        yield b" " * 1_000_000

    serve(server, Response(body(), content_type="application/json"))
    with pytest.raises(FetchCancelled):
        make_client().fetch_report(cancel=cancel)


# -- secrets ----------------------------------------------------------------------------------


def test_secrets_stay_out_of_logs_errors_and_reprs(
    server: HTTPServer,
    make_client: Callable[..., ReportClient],
    caplog: pytest.LogCaptureFixture,
    cc_provider: ClientCredentialsProvider,
) -> None:
    caplog.set_level(logging.DEBUG)
    TokenEndpoint(server)
    # The server echoes the credentials it received in every error: they must be masked.
    replies: list[tuple[int, dict[str, str]]] = [(401, {}), (200, {}), (400, {}), (403, {})]
    replies += [(429, {"Retry-After": "999"}), (503, {"Retry-After": "999"}), (404, {})]

    def echo(request: Request) -> Response:
        code, headers = replies.pop(0) if len(replies) > 1 else replies[0]
        if code == 200:
            return ok_json()
        said = {"error": "nope", "message": f"you sent {request.headers['Authorization']}"}
        return status(code, json.dumps(said), **headers)

    server.expect_request(REPORT_PATH).respond_with_handler(echo)
    provider = cc_provider
    client = make_client(provider)
    errors: list[ApiError] = []
    client.fetch_report()
    for _ in range(5):
        with pytest.raises(ApiError) as info:
            client.fetch_report()
        errors.append(info.value)
    static_client = make_client(StaticTokenProvider(TOKEN))
    with pytest.raises(ApiError) as info:
        static_client.fetch_report()
    errors.append(info.value)
    assert [type(e) for e in errors] == [
        BadRequestError,
        PermissionDeniedError,
        RateLimitedError,
        ServerError,
        NotFoundError,
        NotFoundError,
    ]
    secrets = [SECRET, "token-1-XYZ", "token-2-XYZ", TOKEN]
    texts = [caplog.text, repr(provider), str(provider), repr(client), repr(static_client)]
    texts += [str(e) for e in errors] + [repr(e) for e in errors]
    for text in texts:
        for secret in secrets:
            assert secret not in text
    assert "***" in str(errors[0])
    assert REPORT_PATH in caplog.text and "HTTP 401" in caplog.text  # logging does happen


# -- factory and helpers ----------------------------------------------------------------------


def test_build_client_with_client_credentials_fetches(server: HTTPServer) -> None:
    tokens = TokenEndpoint(server)
    rec = serve(server, Response(xml_doc(1), content_type="application/xml"))
    with build_client(
        custom_endpoint(base(server)),
        USER,
        client_id=CLIENT_ID,
        client_secret=SECRET,
        response_format="xml",
    ) as client:
        assert len(client.fetch_report()) == 1
    assert tokens.count == 1 and rec.headers[0]["Authorization"] == "OAuth token-1-XYZ"


def test_build_client_chooses_the_provider() -> None:
    ep = custom_endpoint("https://api.example.net")
    with build_client(ep, USER, access_token=TOKEN) as static:
        assert "StaticTokenProvider" in repr(static)
    with build_client(ep, USER, access_token=TOKEN, client_id="a", client_secret="b") as cc:
        assert "ClientCredentialsProvider" in repr(cc)
    with pytest.raises(ValueError, match="access token, or a client ID"):
        build_client(ep, USER)
    with pytest.raises(ValueError, match="client secret"):
        build_client(ep, USER, client_id="only-id")
    with pytest.raises(ValueError, match="username"):
        build_client(ep, " ", access_token=TOKEN)
    with pytest.raises(ValueError, match="response_format"):
        build_client(ep, USER, access_token=TOKEN, response_format="csv")


def test_helpers_words() -> None:
    assert format_size(768 * 1024 * 1024) == "768 MB"
    assert format_size(1536) == "1.5 KB" and format_size(12) == "12 bytes"
    assert server_error_text(b'[{"message": "a"}, {"error": "b"}]', "application/json") == "a; b"
    assert server_error_text(b"<p>Hello &amp; <b>bye</b></p>", "text/plain") == "Hello & bye"
    assert server_error_text(b"", None) == ""
