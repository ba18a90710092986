"""The demo server's switch for what a real server may send beyond the documented shapes.

By default the demo serves the documented shapes. Switched on (``DemoServer.quirks``), it
serves what Barracuda's own examples and a sloppy server show, so the app is exercised on it:

* ``VALUES``: odd values in place. Ids that are not numbers (``PC-…``, GUIDs) next to the
  documented zero-padded ones; ``local_end: ""`` on running sets; bare report dates; some
  statuses and condition types in lower case; a padded key (``"condition_types "``); now and
  then a count that is not a number and a time without its UTC offset (read problems). In XML,
  one row closes ``<condition_type>`` with ``</condition_types>``, as the documentation does.
* ``PAGES``: the report in pages of ``PAGE_SIZE`` rows, each but the last with a ``next``
  link (the client must follow them).
* ``SHORT``: the envelope's ``count`` promises more rows than are sent (the last tenth is
  withheld): the client must call the report incomplete.

A 200 holding an error object instead of the report is a queued fault
(``Fault.error_object``), since it spoils one response rather than describing the data.

Which rows get which oddity depends only on their position and the computer, so a quirky
report is as stable from tick to tick as a plain one.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from enum import StrEnum
from xml.sax.saxutils import escape

from desktop_app.report.rows import BackupStatusRow, Link
from desktop_app.report.serialize import row_to_record

__all__ = ["PAGE_SIZE", "Quirk", "parse_quirks", "quirky_body"]

PAGE_SIZE = 100


class Quirk(StrEnum):
    VALUES = "values"
    PAGES = "pages"
    SHORT = "short"


def parse_quirks(text: str) -> frozenset[Quirk]:
    """``"values,pages"`` (or ``"all"``) -> the quirks; ValueError naming an unknown one."""
    names = {part.strip().lower() for part in text.split(",") if part.strip()}
    if "all" in names:
        return frozenset(Quirk)
    unknown = names - {q.value for q in Quirk}
    if unknown:
        known = ", ".join(q.value for q in Quirk)
        raise ValueError(f"unknown quirk {', '.join(sorted(unknown))} (use {known} or all)")
    return frozenset(Quirk(name) for name in names)


def _odd_id(computer_id: str) -> str:
    """Some computers get ids that are no numbers at all: the id is opaque text."""
    if computer_id.endswith("3"):
        return f"PC-{computer_id.lstrip('0')}"
    if computer_id.endswith("7"):
        return str(uuid.uuid5(uuid.NAMESPACE_OID, computer_id))
    return computer_id


def _odd_record(i: int, row: BackupStatusRow) -> dict[str, object]:
    record = row_to_record(row)
    record["computer_id"] = _odd_id(row.computer_id or "")
    if row.report_date is not None:
        record["report_date"] = row.report_date.date().isoformat()
    if record["local_end"] is None:
        record["local_end"] = ""  # as documented for a running set
    if i % 7 == 3:
        record["condition_status"] = str(record["condition_status"]).lower()
        record["condition_types"] = [str(t).lower() for t in row.condition_types or ()]
    if i % 11 == 5:
        record["condition_types "] = record.pop("condition_types")
    if i % 53 == 9:
        record["errors"] = "n/a"  # a read problem: the field is left blank
    if i % 97 == 13 and row.local_start is not None:
        record["local_start"] = row.local_start.replace(tzinfo=None).isoformat()
    return record


def _records(rows: Sequence[BackupStatusRow], offset: int, odd: bool) -> list[dict[str, object]]:
    if not odd:
        return [row_to_record(row) for row in rows]
    return [_odd_record(offset + i, row) for i, row in enumerate(rows)]


def quirky_body(
    rows: Sequence[BackupStatusRow],
    fmt: str,
    quirks: frozenset[Quirk],
    page: int,
    href: str,
) -> bytes:
    """Page ``page`` (1-based) of the report with ``quirks``, as JSON or XML bytes.

    ``href`` is the report's address (without a query): ``next`` links are built from it.
    """
    count = len(rows)
    sent = rows[: count - count // 10] if Quirk.SHORT in quirks else rows
    if Quirk.PAGES in quirks:
        start = (page - 1) * PAGE_SIZE
        chunk = sent[start : start + PAGE_SIZE]
        more = start + PAGE_SIZE < len(sent)
    else:
        start, chunk, more = 0, sent, False
    links = [Link("self", href if page == 1 else f"{href}?page={page}")]
    if more:
        links.append(Link("next", f"{href}?page={page + 1}"))
    records = _records(chunk, start, Quirk.VALUES in quirks)
    if fmt == "json":
        envelope = {
            "page": page,
            "page_size": PAGE_SIZE if Quirk.PAGES in quirks else len(chunk),
            "count": count,
            "links": [{"rel": link.rel, "href": link.href} for link in links],
            "list": records,
        }
        return json.dumps(envelope, ensure_ascii=False).encode()
    return _xml(records, page, count, links, sloppy=Quirk.VALUES in quirks)


def _xml(
    records: list[dict[str, object]], page: int, count: int, links: list[Link], *, sloppy: bool
) -> bytes:
    out = [
        f'<?xml version="1.0" encoding="UTF-8"?>\n<list page="{page}" page_size="{len(records)}"'
        f' count="{count}">'
    ]
    out.extend(f'<link rel="{link.rel}" href="{escape(link.href)}"/>' for link in links)
    for i, record in enumerate(records):
        out.append("<backup_status>")
        for name, value in record.items():
            name = name.strip()
            if name == "condition_types":
                closing = "condition_types" if sloppy and i == 1 else "condition_type"
                names = value if isinstance(value, list) else []
                items = "".join(f"<condition_type>{escape(str(t))}</{closing}>" for t in names)
                out.append(f"<condition_types>{items}</condition_types>")
            elif value is None or value == "":
                out.append(f"<{name}/>")
            else:
                out.append(f"<{name}>{escape(str(value))}</{name}>")
        out.append("</backup_status>")
    out.append("</list>\n")
    return "".join(out).encode()
