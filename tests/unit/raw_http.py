"""A raw socket HTTP server on 127.0.0.1 for misbehaviour below HTTP: bodies that drip, and
connections reset mid-body (what pytest-httpserver cannot do)."""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from collections.abc import Callable

HEADERS = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
    b"Connection: close\r\n\r\n"
)

Behaviour = Callable[[socket.socket], None]


class RawServer:
    """Accepts connections and runs ``behave(connection)`` for each, after reading the request."""

    def __init__(self, behave: Behaviour) -> None:
        self._behave = behave
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        self._listener.settimeout(0.1)
        while not self._stop.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._one, args=(connection,), daemon=True).start()

    def _one(self, connection: socket.socket) -> None:
        with connection, contextlib.suppress(OSError):  # the client going away is the point
            _read_request(connection)
            self._behave(connection)

    def close(self) -> None:
        self._stop.set()
        self._listener.close()
        self._thread.join(2)


def _read_request(connection: socket.socket) -> None:
    data = b""
    while b"\r\n\r\n" not in data:
        part = connection.recv(4096)
        if not part:
            return
        data += part


def drip(connection: socket.socket) -> None:
    """Promise 100 kB, then send one byte every 50 ms: no read timeout ever trips."""
    connection.sendall(HEADERS % 100_000)
    for _ in range(2000):
        connection.sendall(b" ")
        time.sleep(0.05)


def reset_after(body: bytes, promised: int = 50_000) -> Behaviour:
    """Promise ``promised`` bytes, send ``body``, then reset the connection (RST, not FIN: a
    crashed proxy or server), once the client has had time to read what was sent."""

    def behave(connection: socket.socket) -> None:
        connection.sendall(HEADERS % promised + body)
        time.sleep(0.3)
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    return behave
