"""What a good response holds: the report (or a page of sub-partners), parsed from a body of
the expected kind.

A body that is not what was asked for (an HTML sign-in page from a proxy, the other format) is
named as such; a 200 holding an error object is the server's error in its own words.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

import requests

from desktop_app.api.errors import InvalidResponseError
from desktop_app.api.responses import content_kind, describe_kind, error_object_text, format_size
from desktop_app.api.secret import redact
from desktop_app.api.transfer import Limits, Reader, Transfer, check_cancelled, read_body
from desktop_app.report.errors import ParseError
from desktop_app.report.parse import parse_body
from desktop_app.report.rows import HEAD_BYTES, Report, ResponseSample
from desktop_app.report.signups import SignupsPage, parse_signups

__all__ = ["check_content_type", "read_document", "report_reader", "signups_reader"]

_T = TypeVar("_T")

log = logging.getLogger(__name__)


def read_document(
    response: requests.Response, token: str, fetch: Transfer[_T], fmt: str, limits: Limits
) -> _T:
    """The document in a good response, read as ``fetch.reader`` reads it: its content type
    checked, its body read (see ``read_body``) and parsed; a 200 that holds an error object is
    the server's error."""
    cancel = fetch.cancel
    check_content_type(response, fmt)
    read_started = time.perf_counter()
    body, failure = read_body(response, fetch, limits)
    if failure is not None:
        raise failure
    fetch.budget -= len(body)
    log.debug(
        "read %d bytes (%s) in %.3f s",
        len(body),
        format_size(len(body)),
        time.perf_counter() - read_started,
    )
    check_cancelled(cancel)
    reader = fetch.reader
    try:
        return reader.read(body, response)
    except ParseError as exc:
        said = error_object_text(body, fmt)
        if said:  # a 200 holding an error object: the server's own words explain it best
            raise InvalidResponseError(
                f"The server answered with an error instead of the {reader.noun}: "
                f"{redact(said, token)}",
                status=response.status_code,
            ) from None
        raise InvalidResponseError(
            f"The server's {fmt.upper()} could not be read as {reader.read_as}: "
            f"{redact(str(exc), token)}",
            status=response.status_code,
        ) from None


def report_reader(
    fmt: str, partner: str | None, pause: Callable[[], None] | None = None
) -> Reader[Report]:
    """Reads a report page in ``fmt``, its rows carrying ``partner``, stamped with when it
    arrived and what the answer was; ``pause``: the parse is paced (``report.parse``)."""

    def read(body: bytes, response: requests.Response) -> Report:
        fetched_at = datetime.now(UTC)
        parse_started = time.perf_counter()
        report = parse_body(body, fmt, partner, pause)
        log.debug("parsed %d rows in %.3f s", len(report), time.perf_counter() - parse_started)
        sample = ResponseSample(
            content_type=response.headers.get("Content-Type", ""),
            status=response.status_code,
            size=len(body),
            fmt=fmt,
            head=body[:HEAD_BYTES],
        )
        return dataclasses.replace(report, fetched_at=fetched_at, response=sample)

    return Reader("report", "a Backup Status Report", read)


def signups_reader(fmt: str) -> Reader[SignupsPage]:
    """Reads a page of a partner's sub-partner list in ``fmt``."""
    return Reader(
        "list of sub-partners",
        "a list of sub-partners",
        lambda body, _response: parse_signups(body, fmt),
    )


def check_content_type(response: requests.Response, fmt: str) -> None:
    content_type = response.headers.get("Content-Type")
    kind = content_kind(content_type)
    if kind in ("missing", fmt):
        return
    hint = (
        " Check the API address; a proxy, captive portal or sign-in page may be answering "
        "instead of the API."
        if kind in ("html", "other")
        else ""
    )
    raise InvalidResponseError(
        f"Expected {fmt.upper()} but the server sent "
        f"{describe_kind(kind, content_type)} (HTTP {response.status_code}).{hint}",
        status=response.status_code,
    )
