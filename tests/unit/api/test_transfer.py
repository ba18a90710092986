"""api.transfer.read_body over real HTTP on 127.0.0.1: the memory a large body costs."""

from __future__ import annotations

import time
import tracemalloc

import requests
from pytest_httpserver import HTTPServer

from desktop_app.api.transfer import Limits, Reader, Transfer, read_body

BODY_BYTES = 16 * 1024 * 1024


def test_a_large_body_is_held_once_while_it_is_read(httpserver_ipv4: HTTPServer) -> None:
    """100k rows are ~33 MB of JSON: the body must not be in memory twice (chunks + joined)."""
    body = bytes(range(256)) * (BODY_BYTES // 256)
    httpserver_ipv4.expect_request("/report").respond_with_data(body)
    limits = Limits(BODY_BYTES * 2, 5.0, 5.0, httpserver_ipv4.url_for("/report"))
    raw = Reader("body", "a body", lambda body, _response: body)
    fetch = Transfer("p", raw, time.monotonic() + 30, 30, time.monotonic, None, BODY_BYTES * 2)
    with requests.get(limits.report_url, stream=True, timeout=5) as response:
        tracemalloc.start()
        try:
            read, failure = read_body(response, fetch, limits)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert failure is None and read == body
    assert peak < 2 * BODY_BYTES  # measured: 1.6 times one buffer, 2.6 joining chunks
