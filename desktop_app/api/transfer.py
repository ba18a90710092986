"""One fetch on the wire (a report with its pages, or a page of a sub-partner list): whose it
is, what it reads, its deadline, its cancel, its byte budget, and its body.

The body is read decompressed, in pieces as they arrive, counting decompressed bytes against
the budget (``max_bytes`` over all pages); a timer shuts the socket down at the deadline, so a
server dripping one byte every few seconds cannot keep a fetch alive; a connection that breaks
mid-body is a ``NetworkError`` saying how much really arrived.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

import requests
import urllib3

from desktop_app.api.errors import (
    ApiError,
    FetchCancelled,
    InvalidResponseError,
    NetworkError,
)
from desktop_app.api.http import host_of
from desktop_app.api.network import exception_chain, network_error
from desktop_app.api.responses import format_size

__all__ = ["CHUNK_SIZE", "Limits", "Reader", "Transfer", "check_cancelled", "read_body"]

CHUNK_SIZE = 256 * 1024  # small enough that a cancel is noticed quickly

_T = TypeVar("_T")


def check_cancelled(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise FetchCancelled("The report fetch was cancelled.")


@dataclass(frozen=True, slots=True)
class Reader(Generic[_T]):
    """One kind of document: its name in messages (``noun``), what a body that is not one
    fails to be read as (``read_as``), and how a body is read (``ParseError`` when it is not
    one)."""

    noun: str
    read_as: str
    read: Callable[[bytes, requests.Response], _T]


@dataclass
class Transfer(Generic[_T]):
    """One fetch: whose it is (``partner``), what it reads (``reader``), its deadline
    (``until`` on ``clock``; ``seconds`` allowed), its cancel event, the bytes it may still read
    (``budget``) and those that arrived."""

    partner: str
    reader: Reader[_T]
    until: float
    seconds: float
    clock: Callable[[], float]
    cancel: threading.Event | None
    budget: int
    arrived: int = 0  # bytes of bodies received (for the deadline message)

    def time_left(self) -> float:
        """Seconds until the deadline; the deadline error once it has passed."""
        left = self.until - self.clock()
        if left <= 0:
            raise self.deadline_error()
        return left

    def deadline_error(self) -> NetworkError:
        arrived = f"; {format_size(self.arrived)} had arrived" if self.arrived else ""
        return NetworkError(
            f"The {self.reader.noun} did not arrive within {minutes_or_seconds(self.seconds)}, "
            f"the fetch deadline{arrived}. The server or the connection is too slow; try again "
            "later, or allow more time (Settings > Network, or export --timeout)."
        )


@dataclass(frozen=True)
class Limits:
    """What a body read needs to know of its client: its byte limit and timeouts (for the
    words of a failure) and the report's address (when a response lacks one)."""

    max_bytes: int
    connect_timeout: float
    read_timeout: float
    report_url: str


def too_large(max_bytes: int) -> InvalidResponseError:
    return InvalidResponseError(
        f"The server's response exceeded {format_size(max_bytes)}, the most this app "
        "will read; the report may be far larger than expected."
    )


def read_body(
    response: requests.Response, fetch: Transfer[_T], limits: Limits
) -> tuple[bytes, ApiError | None]:
    """The decompressed body, counting decompressed bytes against ``max_bytes``; a timer
    closes the connection at the deadline (see the module docstring)."""
    length = response.headers.get("Content-Length", "")
    if (
        length.isdigit()
        and int(length) > fetch.budget
        and not response.headers.get("Content-Encoding")
    ):
        return b"", too_large(limits.max_bytes)
    expired = threading.Event()
    timer = threading.Timer(fetch.time_left(), shut_down, (response, expired))
    timer.daemon = True
    timer.start()
    # Written into one growing buffer, whose bytes ``getvalue`` hands over without a copy: a
    # list of chunks joined at the end held the body twice (32.7 MB more at 100k rows).
    body = io.BytesIO()
    size = 0
    failure: ApiError | None = None
    try:
        for chunk in body_chunks(response):
            if fetch.cancel is not None and fetch.cancel.is_set():
                return b"", FetchCancelled("The report fetch was cancelled.")
            size += len(chunk)
            if size > fetch.budget:
                return b"", too_large(limits.max_bytes)
            body.write(chunk)
    except (requests.exceptions.ContentDecodingError, urllib3.exceptions.DecodeError):
        failure = InvalidResponseError(
            "The server's compressed response could not be decompressed."
        )
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
        failure = broken_body(
            response, exc, arrived(response, size), length, limits, fetch.reader.noun
        )
    finally:
        timer.cancel()
        fetch.arrived += arrived(response, size)
    if expired.is_set():
        return b"", fetch.deadline_error()
    return (b"", failure) if failure is not None else (body.getvalue(), None)


def broken_body(
    response: requests.Response,
    exc: BaseException,
    arrived: int,
    length: str,
    limits: Limits,
    noun: str,
) -> NetworkError:
    """A connection that reset or closed before the whole body arrived: a network error
    (the documented exit 4), saying how much really arrived."""
    if any(
        isinstance(c, requests.exceptions.Timeout | TimeoutError)
        or type(c).__name__ == "ReadTimeoutError"
        for c in exception_chain(exc)
    ):
        return network_error(
            requests.exceptions.ReadTimeout(exc),
            response.url,
            connect_timeout=limits.connect_timeout,
            read_timeout=limits.read_timeout,
        )
    of = f" of {format_size(int(length))}" if length.isdigit() else ""
    return NetworkError(
        f"The connection to {host_of(response.url or limits.report_url)} broke after "
        f"{format_size(arrived)}{of} of the {noun} had arrived. Try again."
    )


def shut_down(response: requests.Response, expired: threading.Event) -> None:
    """At the deadline (timer thread): stop the body's reads, which then fail or end."""
    expired.set()
    raw = response.raw
    try:
        raw.shutdown()  # urllib3 >= 2.3: shuts the socket down under the blocked read
    except (AttributeError, ValueError, OSError):
        response.close()  # older urllib3: closing is the best there is


def body_chunks(response: requests.Response) -> Iterator[bytes]:
    """The body, decompressed, in pieces as they arrive (``read1``): a connection that breaks
    mid-body then leaves nothing uncounted in a half-filled buffer. Older urllib3 has no
    ``read1``: then requests' fixed-size chunks."""
    raw = response.raw
    read1 = getattr(raw, "read1", None)
    if read1 is None:
        yield from response.iter_content(CHUNK_SIZE)
        return
    while chunk := read1(CHUNK_SIZE, decode_content=True):
        yield chunk


def arrived(response: requests.Response, decoded: int) -> int:
    """Bytes of the body that really arrived: urllib3 counts what it read from the socket,
    including a last chunk cut short; ``decoded`` is what was handed to us."""
    try:
        wire = int(response.raw.tell())
    except (AttributeError, TypeError, ValueError, OSError):
        wire = 0
    return max(wire, decoded)


def minutes_or_seconds(seconds: float) -> str:
    return f"{seconds / 60:g} min" if seconds >= 60 and seconds % 60 == 0 else f"{seconds:g} s"
