"""Reading the demo server's requests: the format an ``Accept`` header asks for, whether gzip
is welcome, the report's query (statuses, order) and page, and the rows that query selects."""

from __future__ import annotations

from collections.abc import Sequence
from operator import attrgetter

from desktop_app.demo.wire import Response, error
from desktop_app.report.rows import BackupStatusRow
from desktop_app.report.status import ConditionStatus

__all__ = ["accepts_gzip", "negotiate", "page_number", "report_params", "selected"]

ACCEPTED: dict[str, tuple[str, int]] = {  # media type -> (format, specificity)
    "application/json": ("json", 1),
    "application/xml": ("xml", 1),
    "text/xml": ("xml", 1),
    "application/*": ("json", 0),
    "*/*": ("json", 0),
}


def negotiate(accept: str | None) -> str | None:
    """Pick "json" or "xml" from an Accept header; None when neither is acceptable (406)."""
    if accept is None or not accept.strip():
        return "json"
    best: tuple[float, int] = (0.0, -1)
    chosen: str | None = None
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        hit = ACCEPTED.get(media.lower())
        if hit is None or q <= 0:
            continue
        if (q, hit[1]) > best:
            best, chosen = (q, hit[1]), hit[0]
    return chosen


def accepts_gzip(accept_encoding: str) -> bool:
    for part in accept_encoding.split(","):
        coding, _, params = part.partition(";")
        if coding.strip().lower() in ("gzip", "x-gzip"):
            q = params.strip().lower()
            return not (q.startswith("q=") and _float(q[2:]) <= 0)
    return False


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return 0.0


def report_params(query: dict[str, list[str]]) -> tuple[tuple[str, ...], str | None] | Response:
    """Validated (statuses, order direction or None); an error response when invalid."""
    statuses: list[str] = []
    for value in query.get("condition_status", []):
        for raw in value.split(","):
            name = raw.strip().upper()
            if not name:
                continue
            if name not in ConditionStatus.__members__:
                allowed = ", ".join(s.value for s in ConditionStatus)
                return error(
                    400, "invalid_parameter", f"Unknown condition_status '{raw}' (use {allowed})"
                )
            if name not in statuses:
                statuses.append(name)
    order_by = query.get("order_by", [""])[-1].strip().upper()
    order_dir = query.get("order_dir", [""])[-1].strip().upper()
    if order_by not in ("", "USERNAME"):
        return error(400, "invalid_parameter", "order_by supports only USERNAME")
    if order_dir not in ("", "ASC", "DESC"):
        return error(400, "invalid_parameter", "order_dir must be ASC or DESC")
    direction = None if not (order_by or order_dir) else (order_dir or "ASC")
    return tuple(sorted(statuses)), direction


def selected(
    rows: Sequence[BackupStatusRow], statuses: tuple[str, ...], order_dir: str | None
) -> Sequence[BackupStatusRow]:
    """The rows the query asks for: only ``statuses`` (if any), by username if ordered."""
    if statuses:
        wanted = frozenset(statuses)
        rows = [r for r in rows if r.condition_status in wanted]
    if order_dir is not None:
        rows = sorted(rows, key=attrgetter("username"), reverse=order_dir == "DESC")
    return rows


def page_number(query: dict[str, list[str]]) -> int:
    try:
        return max(1, int(query.get("page", ["1"])[-1]))
    except ValueError:
        return 1
