"""The demo Intronis API, exercised with ``requests`` over real HTTP on 127.0.0.1."""

from __future__ import annotations

import gzip
import json
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
import requests

from desktop_app.demo.data import DemoData
from desktop_app.demo.faults import Fault, FaultPlan, Target
from desktop_app.demo.row_texts import SERIALIZE_CHUNK, RowTexts
from desktop_app.demo.server import DemoServer
from desktop_app.report.errors import ParseError
from desktop_app.report.parse import parse_json, parse_xml
from desktop_app.report.rows import BackupStatusRow, Link
from desktop_app.report.serialize import rows_to_json_bytes, rows_to_xml_bytes

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
JSON = {"Accept": "application/json"}
XML = {"Accept": "application/xml"}


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def server(clock: FakeClock) -> Iterator[DemoServer]:
    data = DemoData(300, seed=11, now=lambda: NOW)
    with DemoServer(data, evolve=False, clock=clock, token_lifetime=600) as srv:
        yield srv


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


def _token_form(srv: DemoServer, **changes: str) -> dict[str, str]:
    form = {
        "client_id": srv.client_id,
        "client_secret": srv.client_secret,
        "grant_type": "none",
        "scope": "partners_read",
    }
    form.update(changes)
    return form


def _auth(token: str, accept: dict[str, str] = JSON) -> dict[str, str]:
    return {"Authorization": f"OAuth {token}", **accept}


def _get(http: requests.Session, srv: DemoServer, **kwargs: object) -> requests.Response:
    headers = kwargs.pop("headers", None) or _auth(srv.issue_token())
    return http.get(srv.report_url, headers=headers, timeout=10, **kwargs)  # type: ignore[arg-type]


def _error_of(response: requests.Response) -> dict[str, str]:
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error", "message"} and body["message"]
    return body  # type: ignore[no-any-return]


# -- tokens ----------------------------------------------------------------------------------


def test_token_endpoint_issues_a_working_token(server: DemoServer, http: requests.Session) -> None:
    reply = http.post(f"{server.auth_url}/oauth2/token", data=_token_form(server), timeout=10)
    assert reply.status_code == 200
    body = reply.json()
    assert set(body) == {"access_token", "expires_in"}
    assert body["expires_in"] == "600"  # a string, as the documentation shows
    report = _get(http, server, headers=_auth(body["access_token"]))
    assert report.status_code == 200


def test_scopes_joined_by_plus_are_understood(server: DemoServer, http: requests.Session) -> None:
    form = "&".join(f"{k}={v}" for k, v in _token_form(server).items())
    for scope in ("partners_read+accounts_read", "accounts_read%2Bpartners_read"):
        body = form.replace("scope=partners_read", f"scope={scope}")
        reply = http.post(
            f"{server.auth_url}/oauth2/token",
            data=body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            timeout=10,
        )
        assert reply.status_code == 200, reply.text
        assert _get(http, server, headers=_auth(reply.json()["access_token"])).status_code == 200


@pytest.mark.parametrize(
    ("changes", "status", "error"),
    [
        ({"client_secret": "wrong"}, 401, "invalid_client"),
        ({"client_id": "someone-else"}, 401, "invalid_client"),
        ({"grant_type": "client_credentials"}, 400, "unsupported_grant_type"),
        ({"scope": ""}, 400, "invalid_request"),
        ({"scope": "Partners Read!"}, 400, "invalid_scope"),
    ],
)
def test_token_requests_are_refused_with_an_error_object(
    server: DemoServer,
    http: requests.Session,
    changes: dict[str, str],
    status: int,
    error: str,
) -> None:
    reply = http.post(
        f"{server.auth_url}/oauth2/token", data=_token_form(server, **changes), timeout=10
    )
    assert reply.status_code == status
    assert _error_of(reply)["error"] == error
    assert server.client_secret not in reply.text


def test_token_without_partners_read_is_forbidden_on_the_report(
    server: DemoServer, http: requests.Session
) -> None:
    form = _token_form(server, scope="accounts_read")
    token = http.post(f"{server.auth_url}/oauth2/token", data=form, timeout=10).json()
    reply = _get(http, server, headers=_auth(token["access_token"]))
    assert reply.status_code == 403
    assert _error_of(reply)["error"] == "insufficient_scope"


def test_token_endpoint_only_accepts_post(server: DemoServer, http: requests.Session) -> None:
    reply = http.get(f"{server.auth_url}/oauth2/token", timeout=10)
    assert reply.status_code == 405
    assert reply.headers["Allow"] == "POST"


# -- the report --------------------------------------------------------------------------------


def test_report_as_json_holds_every_row(server: DemoServer, http: requests.Session) -> None:
    reply = _get(http, server)
    assert reply.status_code == 200
    assert reply.headers["Content-Type"] == "application/json; charset=utf-8"
    report = parse_json(reply.content)
    assert report.rows == server.data.rows()
    assert report.count == report.page_size == len(report.rows) == 300
    assert [(ln.rel, ln.href) for ln in report.links] == [("self", server.report_url)]


def test_report_as_xml_when_accept_asks_for_it(server: DemoServer, http: requests.Session) -> None:
    reply = _get(http, server, headers=_auth(server.issue_token(), XML))
    assert reply.headers["Content-Type"] == "application/xml; charset=utf-8"
    assert parse_xml(reply.content).rows == server.data.rows()


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "json"),
        ("*/*", "json"),
        ("application/*", "json"),
        ("text/xml", "xml"),
        ("application/json;q=0.5, application/xml", "xml"),
        ("*/*;q=0.1, application/xml;q=0.2", "xml"),
        ("text/html", None),
        ("application/xml;q=0", None),
    ],
)
def test_content_negotiation(
    server: DemoServer, http: requests.Session, accept: str | None, expected: str | None
) -> None:
    headers = {"Authorization": f"OAuth {server.issue_token()}"}
    if accept is not None:
        headers["Accept"] = accept
    else:
        http.headers.pop("Accept", None)  # requests would otherwise send */*
    reply = _get(http, server, headers=headers)
    if expected is None:
        assert reply.status_code == 406
        _error_of(reply)
    else:
        assert reply.status_code == 200
        assert reply.headers["Content-Type"] == f"application/{expected}; charset=utf-8"


def test_gzip_only_when_the_client_accepts_it(server: DemoServer, http: requests.Session) -> None:
    token = server.issue_token()
    zipped = http.get(
        server.report_url,
        headers={**_auth(token), "Accept-Encoding": "gzip"},
        stream=True,
        timeout=10,
    )
    raw = zipped.raw.read(decode_content=False)
    zipped.close()
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert raw[:2] == b"\x1f\x8b"
    assert parse_json(gzip.decompress(raw)).rows == server.data.rows()

    plain = http.get(
        server.report_url, headers={**_auth(token), "Accept-Encoding": "identity"}, timeout=10
    )
    assert "Content-Encoding" not in plain.headers
    assert int(plain.headers["Content-Length"]) == len(plain.content) > len(raw)


def test_condition_status_filter(server: DemoServer, http: requests.Session) -> None:
    all_rows = server.data.rows()
    reply = _get(http, server, params={"condition_status": "FAILURE,warning"})
    rows = parse_json(reply.content).rows
    expected = [r for r in all_rows if r.condition_status in ("FAILURE", "WARNING")]
    assert list(rows) == expected
    assert 0 < len(rows) < len(all_rows)
    assert parse_json(reply.content).count == len(expected)

    reply = _get(http, server, params=[("condition_status", "RUNNING")] * 2)
    assert {r.condition_status for r in parse_json(reply.content).rows} == {"RUNNING"}


@pytest.mark.parametrize(
    "params",
    [
        {"condition_status": "FAILURE,BROKEN"},
        {"order_by": "COMPUTER"},
        {"order_by": "USERNAME", "order_dir": "SIDEWAYS"},
    ],
)
def test_invalid_query_parameters_get_400(
    server: DemoServer, http: requests.Session, params: dict[str, str]
) -> None:
    reply = _get(http, server, params=params)
    assert reply.status_code == 400
    assert _error_of(reply)["error"] == "invalid_parameter"


def test_order_by_username(server: DemoServer, http: requests.Session) -> None:
    ascending = parse_json(_get(http, server, params={"order_by": "USERNAME"}).content).rows
    descending = parse_json(
        _get(http, server, params={"order_by": "USERNAME", "order_dir": "DESC"}).content
    ).rows
    names = [r.username for r in server.data.rows()]
    assert names != sorted(names)  # the default order is not already sorted
    assert [r.username for r in ascending] == sorted(names)
    assert [r.username for r in descending] == sorted(names, reverse=True)
    assert sorted(ascending) == sorted(server.data.rows())


# -- authentication and routing ------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer {token}", "OAuth", "OAuth not-a-token", "{token}"],
)
def test_report_without_a_valid_oauth_token_is_401(
    server: DemoServer, http: requests.Session, authorization: str | None
) -> None:
    headers = dict(JSON)
    if authorization is not None:
        headers["Authorization"] = authorization.format(token=server.issue_token())
    reply = _get(http, server, headers=headers)
    assert reply.status_code == 401
    assert _error_of(reply)["error"] in ("unauthorized", "invalid_token")
    assert reply.headers["WWW-Authenticate"].startswith("OAuth")


def test_tokens_expire_after_their_lifetime(
    server: DemoServer, http: requests.Session, clock: FakeClock
) -> None:
    token = server.issue_token()
    clock.now += 599
    assert _get(http, server, headers=_auth(token)).status_code == 200
    clock.now += 1
    reply = _get(http, server, headers=_auth(token))
    assert reply.status_code == 401
    assert "expired" in _error_of(reply)["message"]
    assert _get(http, server).status_code == 200  # a fresh token works


def test_revoked_tokens_are_refused(server: DemoServer, http: requests.Session) -> None:
    token = server.issue_token()
    server.revoke_tokens()
    assert _get(http, server, headers=_auth(token)).status_code == 401


def test_other_partners_report_is_forbidden(server: DemoServer, http: requests.Session) -> None:
    url = server.report_url.replace(server.username, "someone-else")
    reply = http.get(url, headers=_auth(server.issue_token()), timeout=10)
    assert reply.status_code == 403
    assert _error_of(reply)["error"] == "forbidden"


def test_unknown_path_is_404_and_wrong_method_405(
    server: DemoServer, http: requests.Session
) -> None:
    headers = _auth(server.issue_token())
    reply = http.get(f"{server.base_url}/v1/partners/x/reports/other", headers=headers, timeout=10)
    assert reply.status_code == 404
    _error_of(reply)
    reply = http.post(server.report_url, headers=headers, timeout=10)
    assert reply.status_code == 405
    assert reply.headers["Allow"] == "GET"
    reply = http.delete(server.report_url, headers=headers, timeout=10)
    assert reply.status_code == 405


def test_request_log_keeps_the_scheme_but_never_the_token(
    server: DemoServer, http: requests.Session
) -> None:
    token = server.issue_token()
    _get(http, server, headers=_auth(token))
    http.post(f"{server.auth_url}/oauth2/token", data=_token_form(server), timeout=10)
    log = server.request_log
    assert [(e.method, e.path.split("?")[0]) for e in log] == [
        ("GET", "/v1/partners/demo-partner/reports/backup_status"),
        ("POST", "/oauth2/token"),
    ]
    assert log[0].auth_scheme == "OAuth"
    assert log[0].headers["Authorization"] == "OAuth [redacted]"
    assert log[1].auth_scheme is None
    assert token not in repr(log)
    assert server.client_secret not in repr(log)
    server.clear_request_log()
    assert server.request_log == []


def test_requests_leave_stderr_quiet(
    server: DemoServer, http: requests.Session, capfd: pytest.CaptureFixture[str]
) -> None:
    _get(http, server)
    http.get(f"{server.base_url}/nowhere", timeout=10)
    assert capfd.readouterr().err == ""


# -- evolution and caching ---------------------------------------------------------------------


def test_evolving_server_changes_statuses_between_requests(http: requests.Session) -> None:
    data = DemoData(400, seed=5, now=lambda: NOW)
    with DemoServer(data, evolve=True) as srv:
        token = srv.issue_token()
        reports = [parse_json(_get(http, srv, headers=_auth(token)).content) for _ in range(4)]
        assert data.tick == 4
    first, last = reports[0].rows, reports[-1].rows
    assert first != last
    first_status = {r.key: r.condition_status for r in first}
    last_status = {r.key: r.condition_status for r in last}
    assert len(first_status.keys() & last_status.keys()) >= 0.95 * len(first_status)
    assert any(first_status[k] != last_status[k] for k in first_status.keys() & last_status.keys())


def test_fixed_server_serves_identical_bytes(server: DemoServer, http: requests.Session) -> None:
    token = server.issue_token()
    bodies = [_get(http, server, headers=_auth(token)).content for _ in range(3)]
    assert bodies[0] == bodies[1] == bodies[2]
    assert server.data.tick == 0


# -- faults ----------------------------------------------------------------------------------


def test_status_fault_with_retry_after_applies_the_given_number_of_times(
    server: DemoServer, http: requests.Session
) -> None:
    server.faults.add(Fault.status(503, retry_after=1), times=2)
    replies = [_get(http, server) for _ in range(3)]
    assert [r.status_code for r in replies] == [503, 503, 200]
    assert replies[0].headers["Retry-After"] == "1"
    assert _error_of(replies[1])["error"] == "service_unavailable"
    assert server.faults.pending() == 0


def test_rate_limit_and_server_error_faults(server: DemoServer, http: requests.Session) -> None:
    server.faults.add(Fault.status(429, retry_after=7))
    server.faults.add(Fault.server_error())
    first, second = _get(http, server), _get(http, server)
    assert (first.status_code, first.headers["Retry-After"]) == (429, "7")
    assert second.status_code == 500 and "Retry-After" not in second.headers
    assert [f.status_code for _, f in server.faults.fired] == [429, 500]


def test_latency_fault_delays_the_answer(server: DemoServer, http: requests.Session) -> None:
    server.faults.add(Fault.latency(0.3))
    started = time.monotonic()
    reply = _get(http, server)
    assert time.monotonic() - started >= 0.3
    assert reply.status_code == 200


def test_malformed_fault_breaks_both_formats(server: DemoServer, http: requests.Session) -> None:
    server.faults.add(Fault.malformed(), times=2)
    reply = _get(http, server)
    assert reply.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(reply.content)
    with pytest.raises(ParseError):
        parse_json(reply.content)
    reply = _get(http, server, headers=_auth(server.issue_token(), XML))
    with pytest.raises(ParseError):
        parse_xml(reply.content)


def test_truncated_fault_closes_the_connection_early(
    server: DemoServer, http: requests.Session
) -> None:
    server.faults.add(Fault.truncated())
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        _get(http, server)
    assert _get(http, server).status_code == 200  # the session recovers on a new connection


def test_truncated_fault_with_honest_length_cuts_the_document(
    server: DemoServer, http: requests.Session
) -> None:
    full = _get(http, server).content
    server.faults.add(Fault.truncated(keep=0.25, honest_length=True))
    reply = _get(http, server)
    assert reply.status_code == 200
    assert reply.content == full[: len(full) // 4]
    with pytest.raises(ParseError):
        parse_json(reply.content)


def test_oversized_fault_sends_a_huge_well_formed_body(
    server: DemoServer, http: requests.Session
) -> None:
    server.faults.add(Fault.oversized(size=3_000_000))
    reply = _get(http, server)
    assert int(reply.headers["Content-Length"]) == len(reply.content) == 3_000_000
    assert json.loads(reply.content)["list"] == []


def test_html_error_page_fault(server: DemoServer, http: requests.Session) -> None:
    server.faults.add(Fault.html_error(502))
    reply = _get(http, server)
    assert reply.status_code == 502
    assert reply.headers["Content-Type"].startswith("text/html")
    assert reply.text.lstrip().startswith("<html>")


def test_wrong_content_type_fault(server: DemoServer, http: requests.Session) -> None:
    server.faults.add(Fault.wrong_content_type())
    reply = _get(http, server)
    assert reply.status_code == 200
    assert reply.headers["Content-Type"].startswith("text/html")
    assert parse_json(reply.content).rows == server.data.rows()  # right body, wrong label


def test_faults_target_token_or_report_requests(server: DemoServer, http: requests.Session) -> None:
    server.faults.add(Fault.status(503), target=Target.TOKEN)
    assert _get(http, server).status_code == 200  # report requests are not affected
    url = f"{server.auth_url}/oauth2/token"
    assert http.post(url, data=_token_form(server), timeout=10).status_code == 503
    assert http.post(url, data=_token_form(server), timeout=10).status_code == 200

    server.faults.add(Fault.truncated(keep=0.5, honest_length=True), target=Target.TOKEN)
    cut = http.post(url, data=_token_form(server), timeout=10)
    with pytest.raises(json.JSONDecodeError):
        cut.json()

    server.faults.add(Fault.server_error(), target="any", times=2)
    assert http.post(url, data=_token_form(server), timeout=10).status_code == 500
    assert _get(http, server).status_code == 500


def test_body_faults_wait_for_a_successful_response(
    server: DemoServer, http: requests.Session
) -> None:
    server.faults.add(Fault.malformed())
    assert _get(http, server, headers=_auth("bad-token")).status_code == 401
    assert server.faults.pending() == 1  # not wasted on the refused request
    with pytest.raises(ParseError):
        parse_json(_get(http, server).content)


def test_fault_plan_validates_and_clears() -> None:
    plan = FaultPlan()
    with pytest.raises(ValueError):
        plan.add(Fault.latency(1), times=0)
    with pytest.raises(ValueError):
        Fault.status(200)
    plan.add(Fault.latency(1), times=3)
    assert plan.pending() == 3
    plan.clear()
    assert plan.pending() == 0 and plan.take(Target.REPORT) is None


# -- lifecycle -------------------------------------------------------------------------------


def test_stop_closes_the_port_even_with_a_kept_alive_connection() -> None:
    srv = DemoServer(rows=20, evolve=False).start()
    url = srv.base_url
    with requests.Session() as session:
        assert _get(session, srv).status_code == 200  # leaves a keep-alive connection open
        srv.stop()
        srv.stop()  # idempotent
        with pytest.raises(requests.exceptions.ConnectionError):
            session.get(f"{url}/oauth2/token", timeout=5)
    with pytest.raises(RuntimeError):
        _ = srv.base_url
    assert "stopped" in repr(srv) and srv.client_secret not in repr(srv)


# Ctrl+C as Windows delivers it: a KeyboardInterrupt in the main thread (CPython's own
# SIGINT path), raised when the parent writes a line: a child cannot be sent a console event
# without a shared console (and Wine has none to share).
INTERRUPT_ON_STDIN = """
import _thread, sys, threading
stop = lambda: (sys.stdin.readline(), _thread.interrupt_main())
threading.Thread(target=stop, daemon=True).start()
from desktop_app.demo.__main__ import main
sys.exit(main(sys.argv[1:]))
"""
DEMO_ARGS = ("--port", "0", "--rows", "40", "--no-evolve")


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals (Windows: the test below)")
def test_module_cli_serves_until_interrupted() -> None:
    _serve_then_interrupt(
        [sys.executable, "-m", "desktop_app.demo", *DEMO_ARGS],
        lambda proc: proc.send_signal(signal.SIGINT),
    )


def test_module_cli_stops_cleanly_on_keyboard_interrupt() -> None:
    """How Ctrl+C reaches it in a Windows console; the same path runs on every OS."""

    def interrupt(proc: subprocess.Popen[str]) -> None:
        assert proc.stdin is not None
        proc.stdin.write("stop\n")
        proc.stdin.flush()

    _serve_then_interrupt([sys.executable, "-c", INTERRUPT_ON_STDIN, *DEMO_ARGS], interrupt)


def demo_banner(proc: subprocess.Popen[str]) -> list[str]:
    """The lines ``python -m desktop_app.demo`` prints before it serves ("Press Ctrl+C")."""
    assert proc.stdout is not None
    lines: list[str] = []
    while not lines or not lines[-1].startswith("Press Ctrl+C"):
        line = proc.stdout.readline()
        assert line, f"demo exited early: {lines} {proc.stderr.read() if proc.stderr else ''}"
        lines.append(line.strip())
    return lines


def _serve_then_interrupt(
    command: list[str], interrupt: Callable[[subprocess.Popen[str]], None]
) -> None:
    proc = subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines = demo_banner(proc)
        facts = dict(line.split(":", 1) for line in lines[1:-1])
        base_url = facts["base URL"].strip()
        secret = facts["client secret"].split()[0]
        assert base_url.startswith("http://127.0.0.1:")
        with requests.Session() as http:
            form = {
                "client_id": facts["client id"].strip(),
                "client_secret": secret,
                "grant_type": "none",
                "scope": "partners_read",
            }
            token = http.post(f"{base_url}/oauth2/token", data=form, timeout=10).json()
            url = f"{base_url}/v1/partners/{facts['username'].strip()}/reports/backup_status"
            reply = http.get(url, headers=_auth(token["access_token"]), timeout=10)
            assert len(parse_json(reply.content).rows) == 40
        interrupt(proc)
        out, err = proc.communicate(timeout=20)
        assert proc.returncode == 0, err
        assert "Demo server stopped." in out
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


# -- the server inside the GUI's process --------------------------------------------------------


def test_default_data_is_generated_off_the_starting_thread(http: requests.Session) -> None:
    """start() returns at once with the port bound; the rows are generated on another thread
    (``pause`` runs there), and a report request waits for them."""
    pausing: set[str] = set()
    server = DemoServer(
        rows=400, seed=3, pause=lambda: pausing.add(threading.current_thread().name)
    )
    with server:
        response = _get(http, server)
        assert response.status_code == 200
        assert len(parse_json(response.content).rows) == len(server.data.rows()) > 0
        assert "tick=" in repr(server)
    assert pausing and threading.current_thread().name not in pausing


def test_unstarted_server_generates_its_data_when_asked() -> None:
    server = DemoServer(rows=50, seed=3)
    assert "tick=generating" in repr(server)
    assert len(server.data.rows()) == 50
    assert server.data is server.data


def test_without_compression_gzip_is_never_sent(http: requests.Session) -> None:
    data = DemoData(40, seed=2, now=lambda: NOW)
    with DemoServer(data, evolve=False, compress=False) as server:
        headers = {**_auth(server.issue_token()), "Accept-Encoding": "gzip"}
        response = http.get(server.report_url, headers=headers, stream=True, timeout=10)
        raw = response.raw.read(decode_content=False)
        response.close()
    assert "Content-Encoding" not in response.headers
    assert len(parse_json(raw).rows) == 40  # plain JSON, readable as is


ODD_ROW = BackupStatusRow(
    None,
    'a},{"report_date":x</backup_status>&<>"',
    "05",
    "",
    'set "q" \u00e9\u4e2d',
    datetime(2024, 1, 1, tzinfo=timezone(timedelta(hours=5))),
    None,
    "PAUSED",
    (),
    0,
    0,
)


@pytest.mark.parametrize(
    ("fmt", "write"), [("json", rows_to_json_bytes), ("xml", rows_to_xml_bytes)]
)
def test_bodies_from_kept_row_texts_equal_the_serializer(
    fmt: str, write: Callable[..., bytes]
) -> None:
    """Reusing each unchanged row's text gives byte for byte what serializing afresh gives,
    tick after tick, with odd text (the very sequences the rows are split at), empty and
    single-row reports, and sizes around the batch size."""
    texts = RowTexts(fmt)
    data = DemoData(2 * SERIALIZE_CHUNK + 5, seed=5, now=lambda: NOW, unknown_statuses=True)
    links = [Link("self", "http://127.0.0.1/x?a=1&b=<2>")]
    paused: list[None] = []
    for tick in range(12):
        rows = list(data.rows())
        if tick % 3 == 0:
            rows.insert(7, ODD_ROW)
        if tick == 4:
            rows = rows[:1]
        if tick == 5:
            rows = []
        if tick == 6:
            rows = rows[:SERIALIZE_CHUNK]
        body = texts.body(rows, links, lambda: paused.append(None))
        assert body == write(rows, page=1, page_size=len(rows), count=len(rows), links=links)
        data.advance(NOW + timedelta(minutes=tick + 1))
    assert paused
