"""Rows back into the documented report envelope, as JSON or XML bytes.

Used by the demo server and by the headless JSON export, so it must keep up with 100,000 rows:
each row is written straight to a string with one f-string (no per-row dicts, no DOM; the fields
are spelled out in ``rows.FIELD_NAMES`` order, which the tests check), and text that repeats
across rows (usernames, computer and set names, statuses, report dates) is escaped once.

A row's ``partner`` is not part of the documented shape and is left out, except in the JSON
export of several partners (``partner_field``), where it leads each record.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from desktop_app.report.rows import BackupStatusRow, Link, Report

__all__ = ["row_to_record", "rows_to_json_bytes", "rows_to_xml_bytes"]

# The C escaper behind json.dumps for str values: quotes and escapes in one call.
_json_string: Callable[[str], str] = json.encoder.encode_basestring


def _json_text(value: str | None) -> str:
    """A JSON string, or ``null`` for an unknown value."""
    return "null" if value is None else _json_string(value)


# Characters XML 1.0 cannot carry at all, even escaped; they become U+FFFD rather than
# producing a document no parser accepts.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")

_Q = '"'


def row_to_record(row: BackupStatusRow) -> dict[str, object]:
    """One row as a plain dict with the API's field names (in ``FIELD_NAMES`` order), JSON-ready."""
    types = row.condition_types
    return {
        "report_date": _iso(row.report_date),
        "username": _plain(row.username),
        "computer_id": _plain(row.computer_id),
        "computer_name": _plain(row.computer_name),
        "backupset_name": _plain(row.backupset_name),
        "local_start": _iso(row.local_start),
        "local_end": _iso(row.local_end),
        "condition_status": _plain(row.condition_status),
        "condition_types": None if types is None else [str(t) for t in types],
        "errors": row.errors,
        "warnings": row.warnings,
    }


def _plain(value: str | None) -> str | None:
    """A ``StrEnum`` member as its plain value; ``None`` stays ``None``."""
    return None if value is None else str(value)


def rows_to_json_bytes(
    report_or_rows: Report | Sequence[BackupStatusRow],
    *,
    page: int | None = None,
    page_size: int | None = None,
    count: int | None = None,
    links: Iterable[Link] | None = None,
    partner_field: bool = False,
) -> bytes:
    """The JSON envelope ``{"page", "page_size", "count", "links", "list"}`` as UTF-8 bytes.

    Envelope values default to the ``Report``'s own (a zero page_size/count means "unset" and
    becomes the row count), or to one page holding all the rows. ``None`` becomes ``null``.
    ``partner_field``: each record starts with ``"partner"`` (the row's partner).
    """
    rows, page, page_size, count, links_t = _envelope(report_or_rows, page, page_size, count, links)
    s = _Memo(_json_text)
    dates = _ByIdentity(_json_datetime)  # report dates are usually shared objects
    types_memo: dict[tuple[str, ...] | None, str] = {}
    head = (
        f'{{"page":{page},"page_size":{page_size},"count":{count},"links":['
        + ",".join(f'{{"rel":{s[ln.rel]},"href":{s[ln.href]}}}' for ln in links_t)
        + '],"list":['
    )
    starts = _Memo(lambda p: f'{{"partner":{_json_text(p)},') if partner_field else None
    out: list[str] = []
    append = out.append
    for rd, user, cid, cname, sname, ls, le, status, ct, errors, warnings, partner in rows:
        types = types_memo.get(ct)
        if types is None:
            types = types_memo[ct] = (
                "null" if ct is None else "[" + ",".join(s[t] for t in ct) + "]"
            )
        append(
            f"{'{' if starts is None else starts[partner]}"
            f'"report_date":{dates.get(rd)},"username":{s[user]},"computer_id":{s[cid]},'
            f'"computer_name":{s[cname]},"backupset_name":{s[sname]},'
            f'"local_start":{"null" if ls is None else f"{_Q}{ls.isoformat()}{_Q}"},'
            f'"local_end":{"null" if le is None else f"{_Q}{le.isoformat()}{_Q}"},'
            f'"condition_status":{s[status]},"condition_types":{types},'
            f'"errors":{"null" if errors is None else errors},'
            f'"warnings":{"null" if warnings is None else warnings}}}'
        )
    return "".join((head, ",".join(out), "]}")).encode("utf-8")


def rows_to_xml_bytes(
    report_or_rows: Report | Sequence[BackupStatusRow],
    *,
    page: int | None = None,
    page_size: int | None = None,
    count: int | None = None,
    links: Iterable[Link] | None = None,
) -> bytes:
    """The XML form: ``<list page= page_size= count=>``, ``<link/>``s, ``<backup_status>``s.

    Text is escaped (``&``, ``<``, ``>``); ``None`` becomes an empty element; condition types
    sit inside a ``<condition_types>`` wrapper.
    """
    rows, page, page_size, count, links_t = _envelope(report_or_rows, page, page_size, count, links)
    s = _Memo(_xml_text)
    dates = _ByIdentity(_xml_report_date)
    types_memo: dict[tuple[str, ...] | None, str] = {}
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<list page="{page}" page_size="{page_size}" count="{count}">'
        + "".join(
            f'<link rel="{_xml_attr(ln.rel)}" href="{_xml_attr(ln.href)}"/>' for ln in links_t
        )
    ]
    append = out.append
    for rd, user, cid, cname, sname, ls, le, status, ct, errors, warnings, _partner in rows:
        types = types_memo.get(ct)
        if types is None:
            types = types_memo[ct] = _xml_types(ct, s)
        append(
            f"<backup_status>{dates.get(rd)}<username>{s[user]}</username>"
            f"<computer_id>{s[cid]}</computer_id><computer_name>{s[cname]}</computer_name>"
            f"<backupset_name>{s[sname]}</backupset_name>"
            f"{'<local_start/>' if ls is None else f'<local_start>{ls.isoformat()}</local_start>'}"
            f"{'<local_end/>' if le is None else f'<local_end>{le.isoformat()}</local_end>'}"
            f"<condition_status>{s[status]}</condition_status>{types}"
            f"<errors>{'' if errors is None else errors}</errors>"
            f"<warnings>{'' if warnings is None else warnings}</warnings></backup_status>"
        )
    append("</list>\n")
    return "".join(out).encode("utf-8")


class _Memo(dict[Any, str]):
    """Memoises a formatting function: names and dates repeat across thousands of rows.

    A ``dict`` subclass with ``__missing__`` keeps the hit path a plain subscript, in C.
    """

    __slots__ = ("_fn",)

    def __init__(self, fn: Callable[[Any], str]) -> None:
        super().__init__()
        self._fn = fn

    def __missing__(self, key: Any) -> str:
        value = self[key] = self._fn(key)
        return value


class _ByIdentity:
    """Memoises formatting per *object*: equal datetimes with different offsets print differently.

    Holding each key object keeps its ``id`` from being reused while the memo lives.
    """

    __slots__ = ("_fn", "_memo")

    def __init__(self, fn: Callable[[Any], str]) -> None:
        self._fn = fn
        self._memo: dict[int, tuple[object, str]] = {}

    def get(self, obj: object) -> str:
        hit = self._memo.get(id(obj))
        if hit is None or hit[0] is not obj:
            hit = self._memo[id(obj)] = (obj, self._fn(obj))
        return hit[1]


def _envelope(
    report_or_rows: Report | Sequence[BackupStatusRow],
    page: int | None,
    page_size: int | None,
    count: int | None,
    links: Iterable[Link] | None,
) -> tuple[Sequence[BackupStatusRow], int, int, int, tuple[Link, ...]]:
    if isinstance(report_or_rows, Report):
        rows: Sequence[BackupStatusRow] = report_or_rows.rows
        page = report_or_rows.page if page is None else page
        page_size = (report_or_rows.page_size or len(rows)) if page_size is None else page_size
        count = (report_or_rows.count or len(rows)) if count is None else count
        links = report_or_rows.links if links is None else links
    else:
        rows = report_or_rows
    return (
        rows,
        1 if page is None else int(page),
        len(rows) if page_size is None else int(page_size),
        len(rows) if count is None else int(count),
        tuple(links or ()),
    )


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _json_datetime(value: datetime | None) -> str:
    return "null" if value is None else f'"{value.isoformat()}"'


def _xml_report_date(value: datetime | None) -> str:
    return "<report_date/>" if value is None else f"<report_date>{value.isoformat()}</report_date>"


def _xml_types(types: tuple[str, ...] | None, text: _Memo) -> str:
    if not types:  # XML cannot say "unknown": an unknown list is written empty
        return "<condition_types/>"
    items = "".join(f"<condition_type>{text[t]}</condition_type>" for t in types)
    return f"<condition_types>{items}</condition_types>"


def _xml_text(value: str | None) -> str:
    if value is None:
        return ""  # an empty element: the XML form of an unknown value
    value = str(value)  # a StrEnum member as its plain value
    if not (value.isascii() and value.isprintable()):
        value = _XML_INVALID.sub("\ufffd", value)
    if "&" in value:
        value = value.replace("&", "&amp;")
    if "<" in value:
        value = value.replace("<", "&lt;")
    if ">" in value:
        value = value.replace(">", "&gt;")
    return value


def _xml_attr(value: str) -> str:
    return _xml_text(value).replace('"', "&quot;")
