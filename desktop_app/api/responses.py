"""Reading what a server answered: content types, error bodies, sizes, Retry-After.

Kept apart from the client so the wording and the tolerant parsing are easy to test and reuse
(the token endpoint needs the same error-body handling as the report endpoint).
"""

from __future__ import annotations

import html
import json
import math
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

MEDIA_TYPES = {"json": "application/json", "xml": "application/xml"}
ERROR_BODY_LIMIT = 64 * 1024  # read at most this much of an error page
ERROR_TEXT_LIMIT = 300  # characters of server text shown to the user

_ERROR_KEYS = ("error", "error_description", "message", "detail", "details", "description")
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def media_type(content_type: str | None) -> str:
    """``application/json; charset=utf-8`` -> ``application/json``; '' when absent."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def content_kind(content_type: str | None) -> str:
    """'json', 'xml', 'html', 'missing' or 'other': what the Content-Type says the body is."""
    mt = media_type(content_type)
    if not mt:
        return "missing"
    if mt in ("application/json", "text/json") or mt.endswith("+json"):
        return "json"
    if mt in ("text/html", "application/xhtml+xml"):
        return "html"
    if mt in ("application/xml", "text/xml") or mt.endswith("+xml"):
        return "xml"
    return "other"


def describe_kind(kind: str, content_type: str | None) -> str:
    """Words for what arrived, for 'expected JSON but the server sent ...'."""
    return {
        "json": "JSON",
        "xml": "XML",
        "html": "an HTML page",
    }.get(kind, f"'{media_type(content_type)}' content")


def _clean(text: str) -> str:
    text = _SPACE.sub(" ", text).strip()
    if len(text) > ERROR_TEXT_LIMIT:
        text = text[: ERROR_TEXT_LIMIT - 1].rstrip() + "…"
    return text


def _from_json(value: object) -> str | None:
    if isinstance(value, dict):
        parts: list[str] = []
        for key in _ERROR_KEYS:
            item = value.get(key)
            if isinstance(item, (str, int, float)) and str(item).strip():
                if str(item) not in parts:
                    parts.append(str(item))
            elif isinstance(item, (dict, list)):
                nested = _from_json(item)
                if nested:
                    parts.append(nested)
        if parts:
            return ": ".join(parts)
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        items = [t for t in (_from_json(v) for v in value[:5]) if t]
        return "; ".join(items) if items else None
    if isinstance(value, str):
        return value
    return None


def server_error_text(body: bytes, content_type: str | None) -> str:
    """The human part of an error body, on one line and trimmed; '' when there is none.

    JSON error objects give their error/message fields; HTML pages give their title; anything
    else gives its text with tags removed.
    """
    text = body[:ERROR_BODY_LIMIT].decode("utf-8", errors="replace").strip()
    if not text:
        return ""
    if text[:1] in "{[":
        try:
            found = _from_json(json.loads(text))
        except ValueError:
            found = None
        if found:
            return _clean(found)
    looks_html = text.lower().startswith(("<!doctype", "<html"))
    if content_kind(content_type) == "html" or looks_html:
        title = _TITLE.search(text)
        if title:
            return _clean(html.unescape(_TAG.sub(" ", title.group(1))))
    return _clean(html.unescape(_TAG.sub(" ", text)))


_SENTENCE_END = (".", "!", "?", "…")


def server_said(detail: str) -> str:
    """``detail`` (from ``server_error_text``) as a sentence to append to a message: a leading
    space, and a full stop unless it already ends a sentence; '' when there is no detail.

    Server text rarely ends with a full stop ("Internal Server Error"), and messages may go on
    after it ("Try again later."), so the stop is added here rather than trusted to the server.
    """
    if not detail:
        return ""
    return f" The server said: {detail}{'' if detail.endswith(_SENTENCE_END) else '.'}"


def error_object_text(body: bytes, fmt: str) -> str:
    """The server's words when a body that should be a report is an error object instead
    (``{"error": ..., "message": ...}`` or ``<error><message>...``); '' when it is not one."""
    text = body[:ERROR_BODY_LIMIT].decode("utf-8", errors="replace").strip()
    if fmt == "json":
        try:
            document = json.loads(text)
        except ValueError:
            return ""
        if not isinstance(document, dict) or "list" in document:
            return ""
        if not any(key.strip().lower() in _ERROR_KEYS for key in document):
            return ""
        found = _from_json(document)
        return _clean(found) if found else ""
    root = re.match(r"\A(?:<\?xml[^>]*\?>\s*)?<\s*([\w:.-]+)", text)
    if root is None or root.group(1).rpartition(":")[2].lower() not in ("error", "errors"):
        return ""
    return _clean(html.unescape(_TAG.sub(" ", text[root.start(1) - 1 :])))


def format_size(num_bytes: int) -> str:
    """A byte count in words: '768 MB', '1.5 KB', '12 bytes' (binary units, as memory is)."""
    if num_bytes < 1024:
        return f"{num_bytes} bytes"
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if num_bytes >= scale:
            value = num_bytes / scale
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    raise AssertionError("unreachable")


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait per a Retry-After header (seconds or an HTTP date); None if unusable."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)
