"""The demo server's scripted misbehaviour as responses (``demo.faults``): an error status or
an HTML error page before the real answer, or a good answer spoiled (malformed, cut short,
oversized, of the wrong type, an error object in a 200)."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator

from desktop_app.demo.faults import Fault, FaultKind
from desktop_app.demo.wire import CONTENT_TYPES, Response, error, status_phrase

__all__ = ["BODY_FAULTS", "EARLY_FAULTS", "body_fault", "early_fault"]

BODY_FAULTS = frozenset(
    {
        FaultKind.MALFORMED,
        FaultKind.TRUNCATED,
        FaultKind.OVERSIZED,
        FaultKind.WRONG_CONTENT_TYPE,
        FaultKind.ERROR_OBJECT,
    }
)
EARLY_FAULTS = frozenset({FaultKind.LATENCY, FaultKind.STATUS, FaultKind.HTML_ERROR})
MALFORMED = {
    "json": b'{"page": 1, "page_size": 2, "count": 2, "links": [], "list": [{"username": }',
    "xml": b'<?xml version="1.0"?><list page="1" count="2"',  # beyond recovery: no row
}


def early_fault(fault: Fault) -> Response:
    if fault.kind is FaultKind.HTML_ERROR:
        phrase = status_phrase(fault.status_code)
        page = (
            f"<html><head><title>{fault.status_code} {phrase}</title></head><body>"
            f"<center><h1>{fault.status_code} {phrase}</h1></center><hr><center>nginx</center>"
            "</body></html>\n"
        )
        return Response(fault.status_code, page.encode(), "text/html; charset=utf-8")
    headers = [] if fault.retry_after is None else [("Retry-After", str(fault.retry_after))]
    phrase = status_phrase(fault.status_code)
    return error(fault.status_code, phrase.lower().replace(" ", "_"), phrase, headers)


def body_fault(fault: Fault, response: Response) -> Response:
    body = response.body
    if ("Content-Encoding", "gzip") in response.headers:
        body = gzip.decompress(body)
    plain_headers = [h for h in response.headers if h[0] != "Content-Encoding"]
    if fault.kind is FaultKind.WRONG_CONTENT_TYPE:
        return Response(200, body, fault.content_type, plain_headers)
    if fault.kind is FaultKind.ERROR_OBJECT:
        if response.content_type == CONTENT_TYPES["xml"]:
            error = (
                b'<?xml version="1.0"?><error><code>report_unavailable</code>'
                b"<message>The report is being rebuilt; try again in a few minutes</message>"
                b"</error>"
            )
            return Response(200, error, response.content_type, plain_headers)
        text = {
            "error": "report_unavailable",
            "message": "The report is being rebuilt; try again in a few minutes",
        }
        return Response(200, json.dumps(text).encode(), response.content_type, plain_headers)
    if fault.kind is FaultKind.MALFORMED:
        malformed = MALFORMED["xml" if response.content_type == CONTENT_TYPES["xml"] else "json"]
        return Response(200, malformed, response.content_type, plain_headers)
    if fault.kind is FaultKind.TRUNCATED:
        cut = body[: int(len(body) * fault.keep)]
        declared = None if fault.honest_length else len(body)
        return Response(200, cut, response.content_type, plain_headers, declared, close=True)
    is_xml = response.content_type == CONTENT_TYPES["xml"]
    size = fault.size
    head = (
        b'<?xml version="1.0"?><list page="1" page_size="0" count="0"><!--'
        if is_xml
        else (b'{"page": 1, "page_size": 0, "count": 0, "links": [], "list": [], "padding": "')
    )
    tail = b"--></list>" if is_xml else b'"}'
    pad = max(0, size - len(head) - len(tail))

    def chunks() -> Iterator[bytes]:
        yield head
        block = b"x" * (1 << 20)
        left = pad
        while left > 0:
            yield block[: min(left, len(block))]
            left -= len(block)
        yield tail

    return Response(
        200,
        b"",
        response.content_type,
        plain_headers,
        declared_length=len(head) + pad + len(tail),
        stream=chunks,
    )
