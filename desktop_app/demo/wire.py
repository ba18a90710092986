"""The demo server's HTTP plumbing: the response it builds, the threaded server that can end
kept-alive connections at stop, and the handler that reads a request and writes a response.

The handler knows nothing of the API: it hands each request to ``app.handle_request``
(``DemoServer``) and writes what comes back.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol, cast
from urllib.parse import urlsplit

__all__ = [
    "CONTENT_TYPES",
    "HTTPServer",
    "Handler",
    "RequestHandling",
    "Response",
    "error",
    "status_phrase",
]

logger = logging.getLogger("desktop_app.demo.server")

MAX_FORM_BYTES = 64 * 1024
CONTENT_TYPES = {
    "json": "application/json; charset=utf-8",
    "xml": "application/xml; charset=utf-8",
}


@dataclass(slots=True)
class Response:
    """One answer, as the handler writes it."""

    status: int
    body: bytes = b""
    content_type: str | None = "application/json; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)
    declared_length: int | None = None  # a Content-Length other than len(body): truncation
    stream: Callable[[], Iterator[bytes]] | None = None  # a large body written in chunks
    close: bool = False


class RequestHandling(Protocol):
    """What answers the requests (``DemoServer``)."""

    def handle_request(
        self, method: str, raw_path: str, headers: Mapping[str, str], body: bytes
    ) -> Response: ...


class HTTPServer(ThreadingHTTPServer):
    """Daemon handler threads, plus a way to end kept-alive connections at stop()."""

    daemon_threads = True

    def __init__(
        self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], app: RequestHandling
    ) -> None:
        self.app = app
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Wake handler threads blocked on idle keep-alive connections; they then close them."""
        with self._open_lock:
            sockets = list(self._open)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that went away mid-response is normal here (faults, stop()); stay quiet.
        logger.debug("Demo server connection error from %s", client_address, exc_info=True)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "IntronisDemo/1.0"
    sys_version = ""
    timeout = 30  # idle keep-alive connections end eventually
    # Headers and body go out in two writes: with Nagle's algorithm the body waits for the
    # client's delayed ACK of the headers, 40 ms a request on loopback (44 ms measured per
    # sub-partner page; 0.9 ms without).
    disable_nagle_algorithm = True

    def version_string(self) -> str:
        return self.server_version

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()

    def do_HEAD(self) -> None:
        self._dispatch()

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("demo %s " + format, self.address_string(), *args)

    def _dispatch(self) -> None:
        app = cast(HTTPServer, self.server).app
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0:
            self._write(error(400, "invalid_request", "Bad Content-Length"), close=True)
            return
        if length > MAX_FORM_BYTES:
            self._write(error(413, "payload_too_large", "Request body too large"), close=True)
            return
        body = self.rfile.read(length) if length > 0 else b""
        headers = dict(self.headers.items())
        try:
            response = app.handle_request(self.command, self.path, headers, body)
        except Exception:
            logger.exception("Demo server failed on %s %s", self.command, urlsplit(self.path).path)
            response = error(500, "server_error", "The demo server failed")
        self._write(response)

    def _write(self, response: Response, *, close: bool = False) -> None:
        self.send_response(response.status)
        if response.content_type is not None:
            self.send_header("Content-Type", response.content_type)
        for name, value in response.headers:
            self.send_header(name, value)
        length = response.declared_length
        if length is None:
            length = len(response.body)
        self.send_header("Content-Length", str(length))
        if close or response.close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command == "HEAD":
            return
        if response.stream is not None:
            for chunk in response.stream():
                self.wfile.write(chunk)
        else:
            self.wfile.write(response.body)
        self.wfile.flush()


def error(
    status: int, error: str, message: str, headers: list[tuple[str, str]] | None = None
) -> Response:
    body = json.dumps({"error": error, "message": message}).encode()
    return Response(status, body, headers=list(headers or ()))


def status_phrase(code: int) -> str:
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return "Error"
