"""What a good response holds: the report, parsed from a body of the expected kind.

A body that is not what was asked for (an HTML sign-in page from a proxy, the other format) is
named as such; a 200 holding an error object is the server's error in its own words.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from datetime import UTC, datetime

import requests

from desktop_app.api.errors import InvalidResponseError
from desktop_app.api.responses import content_kind, describe_kind, error_object_text, format_size
from desktop_app.api.secret import redact
from desktop_app.api.transfer import Limits, Transfer, check_cancelled, read_body
from desktop_app.report.errors import ParseError
from desktop_app.report.parse import parse_body
from desktop_app.report.rows import HEAD_BYTES, Report, ResponseSample

__all__ = ["check_content_type", "read_report"]

log = logging.getLogger(__name__)


def read_report(
    response: requests.Response, token: str, fetch: Transfer, fmt: str, limits: Limits
) -> Report:
    """The report in a good response: its content type checked, its body read (see
    ``read_body``) and parsed; a 200 that holds an error object is the server's error."""
    cancel = fetch.cancel
    check_content_type(response, fmt)
    read_started = time.perf_counter()
    body, failure = read_body(response, fetch, limits)
    if failure is not None:
        raise failure
    fetch.budget -= len(body)
    fetched_at = datetime.now(UTC)
    log.debug(
        "read %d bytes (%s) in %.3f s",
        len(body),
        format_size(len(body)),
        time.perf_counter() - read_started,
    )
    check_cancelled(cancel)
    parse_started = time.perf_counter()
    try:
        report = parse_body(body, fmt)
    except ParseError as exc:
        said = error_object_text(body, fmt)
        if said:  # a 200 holding an error object: the server's own words explain it best
            raise InvalidResponseError(
                f"The server answered with an error instead of the report: {redact(said, token)}",
                status=response.status_code,
            ) from None
        raise InvalidResponseError(
            f"The server's {fmt.upper()} could not be read as a Backup Status "
            f"Report: {redact(str(exc), token)}",
            status=response.status_code,
        ) from None
    log.debug("parsed %d rows in %.3f s", len(report), time.perf_counter() - parse_started)
    sample = ResponseSample(
        content_type=response.headers.get("Content-Type", ""),
        status=response.status_code,
        size=len(body),
        fmt=fmt,
        head=body[:HEAD_BYTES],
    )
    return dataclasses.replace(report, fetched_at=fetched_at, response=sample)


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
