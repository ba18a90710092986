"""Read the JSON form of the Backup Status Report into an immutable ``Report``.

The row loop is written flat on purpose: at 100,000 rows every extra function call per row shows
up next to ``json.loads`` itself. Anything unusual drops to ``RowBuilder.checked_row``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime

from desktop_app.report.errors import ParseError
from desktop_app.report.parse_fields import RowBuilder, envelope_number, gc_paused
from desktop_app.report.rows import BackupStatusRow, Link, Report

_ROW_ERRORS = (KeyError, TypeError, ValueError, AttributeError)


def parse_json(body: bytes) -> Report:
    """Parse a JSON report body. Raises ``ParseError`` (only) for anything unreadable."""
    with gc_paused():
        return _parse(body)


def _parse(body: bytes) -> Report:
    try:
        document = json.loads(body)
    except json.JSONDecodeError as exc:
        raise ParseError(
            f"malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    except UnicodeDecodeError as exc:
        raise ParseError(f"report body is not UTF-8 text: {exc.reason}") from None
    except RecursionError:
        raise ParseError("malformed JSON: nested too deeply") from None
    if not isinstance(document, dict):
        raise ParseError(f"expected a JSON object at the top level, got {type(document).__name__}")
    envelope = _top_level(document)
    items = envelope.get("list")
    if not isinstance(items, list):
        what = "missing" if items is None else f"a {type(items).__name__}, not a list"
        raise ParseError(f"the report's 'list' of rows is {what}")
    rows = _rows(items)
    return Report(
        rows=rows,
        page=envelope_number(envelope.get("page"), "page", 1),
        page_size=envelope_number(envelope.get("page_size"), "page_size", len(rows)),
        count=envelope_number(envelope.get("count"), "count", len(rows)),
        links=_links(envelope.get("links")),
        source="json",
    )


def _top_level(document: dict[str, object]) -> Mapping[str, object]:
    if "list" in document:
        return document
    return {key.strip(): value for key, value in document.items()}


def _links(value: object) -> tuple[Link, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ParseError(f"envelope field 'links' must be a list, got {type(value).__name__}")
    links = []
    for item in value:
        fields = {k.strip(): v for k, v in item.items()} if isinstance(item, dict) else {}
        rel, href = fields.get("rel"), fields.get("href")
        if not isinstance(rel, str) or not isinstance(href, str):
            raise ParseError(f"a link needs text 'rel' and 'href', got {item!r}")
        links.append(Link(rel=rel, href=href))
    return tuple(links)


def _rows(items: list[object]) -> tuple[BackupStatusRow, ...]:
    builder = RowBuilder()
    # Locals: attribute and global lookups are measurable at this scale.
    report_dates = builder.report_dates
    usernames = builder.usernames
    backupset_names = builder.backupset_names
    statuses = builder.statuses
    condition_types = builder.condition_types
    intern_string = builder.strings.setdefault
    intern_id = builder.computer_ids.setdefault
    fromiso = datetime.fromisoformat
    new = tuple.__new__
    row_type = BackupStatusRow
    str_, int_, list_, tuple_ = str, int, list, tuple
    rows: list[BackupStatusRow] = []
    append = rows.append
    for d in items:
        try:
            computer_id = d["computer_id"]  # type: ignore[index]
            computer_name = d["computer_name"]  # type: ignore[index]
            start = fromiso(d["local_start"])  # type: ignore[index]
            end = d["local_end"]  # type: ignore[index]
            if end is not None:
                end = fromiso(end)
            types = d["condition_types"]  # type: ignore[index]
            errors = d["errors"]  # type: ignore[index]
            warnings = d["warnings"]  # type: ignore[index]
            if (
                type(computer_id) is not int_
                or type(computer_name) is not str_
                or type(types) is not list_
                or type(errors) is not int_
                or type(warnings) is not int_
                or errors < 0
                or warnings < 0
                or start.tzinfo is None
                or (end is not None and end.tzinfo is None)
            ):
                raise TypeError
            append(
                new(
                    row_type,
                    (
                        report_dates[d["report_date"]],  # type: ignore[index]
                        usernames[d["username"]],  # type: ignore[index]
                        intern_id(computer_id, computer_id),
                        intern_string(computer_name, computer_name),
                        backupset_names[d["backupset_name"]],  # type: ignore[index]
                        start,
                        end,
                        statuses[d["condition_status"]],  # type: ignore[index]
                        condition_types[tuple_(types)],
                        errors,
                        warnings,
                    ),
                )
            )
        except _ROW_ERRORS:
            append(builder.checked_row(d, len(rows) + 1))
    return tuple(rows)
