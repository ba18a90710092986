"""Scripted misbehaviour for the demo server: slow, refused, broken or odd responses.

Faults are queued from Python only (tests, the demo's own code), never by an HTTP request, so a
client cannot switch them on. Each queued fault applies to the next ``times`` matching requests,
in the order they were queued::

    server.faults.add(Fault.status(503, retry_after=1), times=2)
    server.faults.add(Fault.truncated(), target=Target.TOKEN)
"""

from __future__ import annotations

import threading
from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Fault", "FaultKind", "FaultPlan", "Target"]


class FaultKind(StrEnum):
    LATENCY = "latency"  # wait, then answer normally
    STATUS = "status"  # an error status with a JSON error object (and Retry-After if given)
    MALFORMED = "malformed"  # 200 with a body that is not valid JSON/XML
    TRUNCATED = "truncated"  # 200 whose body stops early
    OVERSIZED = "oversized"  # 200 with a body far larger than any real report
    HTML_ERROR = "html_error"  # an error page from a proxy: text/html
    WRONG_CONTENT_TYPE = "wrong_content_type"  # the right body labelled with the wrong type
    ERROR_OBJECT = "error_object"  # 200 holding an error object instead of the report


class Target(StrEnum):
    """Which requests a fault applies to."""

    REPORT = "report"
    TOKEN = "token"
    SIGNUPS = "signups"  # a partner's sub-partner list
    ANY = "any"


@dataclass(frozen=True, slots=True)
class Fault:
    """One kind of misbehaviour with its parameters. Build with the class methods."""

    kind: FaultKind
    status_code: int = 200
    retry_after: int | str | None = None
    seconds: float = 0.0
    content_type: str = ""
    size: int = 0
    # TRUNCATED: the fraction of the body sent; honest_length=False announces the full length
    # (the client sees the connection close early), True announces the cut length (the client
    # gets a complete response holding half a document).
    keep: float = 0.5
    honest_length: bool = False

    @classmethod
    def latency(cls, seconds: float) -> Fault:
        return cls(FaultKind.LATENCY, seconds=seconds)

    @classmethod
    def status(cls, code: int, *, retry_after: int | str | None = None) -> Fault:
        if not 400 <= code <= 599:
            raise ValueError("a status fault needs a 4xx or 5xx code")
        return cls(FaultKind.STATUS, status_code=code, retry_after=retry_after)

    @classmethod
    def server_error(cls) -> Fault:
        return cls.status(500)

    @classmethod
    def malformed(cls) -> Fault:
        return cls(FaultKind.MALFORMED)

    @classmethod
    def truncated(cls, *, keep: float = 0.5, honest_length: bool = False) -> Fault:
        if not 0.0 <= keep < 1.0:
            raise ValueError("keep must be in [0, 1)")
        return cls(FaultKind.TRUNCATED, keep=keep, honest_length=honest_length)

    @classmethod
    def oversized(cls, size: int = 256 * 1024 * 1024) -> Fault:
        """A well-formed JSON/XML body of ``size`` bytes, mostly padding."""
        return cls(FaultKind.OVERSIZED, size=size)

    @classmethod
    def html_error(cls, code: int = 502) -> Fault:
        return cls(FaultKind.HTML_ERROR, status_code=code)

    @classmethod
    def wrong_content_type(cls, content_type: str = "text/html; charset=utf-8") -> Fault:
        return cls(FaultKind.WRONG_CONTENT_TYPE, content_type=content_type)

    @classmethod
    def error_object(cls) -> Fault:
        """A 200 whose body is an error object (``{"error", "message"}``), not the report."""
        return cls(FaultKind.ERROR_OBJECT)


@dataclass(slots=True)
class _Entry:
    fault: Fault
    remaining: int
    target: Target


class FaultPlan:
    """A thread-safe queue of faults; the server takes one per matching request."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: list[_Entry] = []
        self._fired: list[tuple[Target, Fault]] = []

    def add(self, fault: Fault, *, times: int = 1, target: Target | str = Target.REPORT) -> None:
        """Apply ``fault`` to the next ``times`` requests of ``target`` (after earlier faults)."""
        if times < 1:
            raise ValueError("times must be at least 1")
        with self._lock:
            self._queue.append(_Entry(fault, times, Target(target)))

    def clear(self) -> None:
        with self._lock:
            self._queue.clear()

    def pending(self) -> int:
        """How many fault applications are still queued."""
        with self._lock:
            return sum(e.remaining for e in self._queue)

    @property
    def fired(self) -> list[tuple[Target, Fault]]:
        """Faults applied so far, with the kind of request each hit (for tests)."""
        with self._lock:
            return list(self._fired)

    def take(self, target: Target, kinds: Collection[FaultKind] | None = None) -> Fault | None:
        """The next fault queued for ``target``, consuming one use; ``None`` if there is none.

        With ``kinds``, the next fault is taken only if it is of one of those kinds (it stays
        queued otherwise): the server asks for early faults (latency, error status) before
        handling a request and for body faults only when it has a 200 response to spoil, so a
        body fault is not wasted on a request that failed anyway. Queue order is kept.
        """
        with self._lock:
            for index, entry in enumerate(self._queue):
                if entry.target is Target.ANY or entry.target is target:
                    if kinds is not None and entry.fault.kind not in kinds:
                        return None
                    entry.remaining -= 1
                    if entry.remaining == 0:
                        del self._queue[index]
                    self._fired.append((target, entry.fault))
                    return entry.fault
            return None
