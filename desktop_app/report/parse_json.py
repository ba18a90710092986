"""Read the JSON form of the Backup Status Report into an immutable ``Report``.

Rows are built inside ``json.loads`` by its ``object_hook``, for two reasons. Without a Python
hook, ``json.loads`` of a 100,000-row body is one C call that holds the GIL for about half a
second, freezing the GUI thread while a worker parses; a Python hook runs per object, so the
interpreter can switch threads every few milliseconds. And each row's dict is dropped as soon
as its row exists, instead of 100,000 dicts living until the end and being freed in one go.

The hook is written flat on purpose: at 100,000 rows every extra function call per row shows
up next to ``json.loads`` itself. A dict it cannot build (the envelope, links, anything unusual)
is returned unchanged; unusual rows then drop to ``RowBuilder.checked_row``, which reads what
it can and records a ``ReadProblem`` (row, field, value) for the rest. Only a document that is
not a report at all (not JSON, no list of rows) raises ``ParseError``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime, tzinfo
from typing import Any

from desktop_app.report.errors import ParseError
from desktop_app.report.parse_fields import RowBuilder, gc_paused
from desktop_app.report.rows import BackupStatusRow, Link, Report

_ROW_ERRORS = (KeyError, TypeError, ValueError, AttributeError)


PAUSE_EVERY = 64  # objects between two calls of a paced parse's ``pause`` (about 0.3 ms)


def parse_json(
    body: bytes, partner: str | None = None, *, pause: Callable[[], None] | None = None
) -> Report:
    """Parse a JSON report body; every row carries ``partner``. Raises ``ParseError`` (only)
    for a document that is not a report; odd values are the report's ``problems``.

    ``pause`` (a paced worker's rest, ``runtime.pacing.Pacer``) is called every
    ``PAUSE_EVERY`` objects: several reports parsed at once (several partners) otherwise keep
    the GIL from the GUI thread between them."""
    with gc_paused():
        return _parse(body, partner, pause)


def _parse(body: bytes, partner: str | None, pause: Callable[[], None] | None) -> Report:
    builder = RowBuilder(partner)
    hook = _row_hook(builder)
    try:
        document = json.loads(body, object_hook=hook if pause is None else _paced(hook, pause))
    except json.JSONDecodeError as exc:
        raise ParseError(
            f"malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    except UnicodeDecodeError as exc:
        raise ParseError(f"report body is not UTF-8 text: {exc.reason}") from None
    except RecursionError:
        raise ParseError("malformed JSON: nested too deeply") from None
    if type(document) is BackupStatusRow:  # a lone row object, without the envelope
        raise ParseError("the report's 'list' of rows is missing")
    if not isinstance(document, dict):
        raise ParseError(f"expected a JSON object at the top level, got {_kind(document)}")
    envelope = _top_level(document)
    items = envelope.get("list")
    if not isinstance(items, list):
        what = "missing" if items is None else f"a {_kind(items)}, not a list"
        raise ParseError(f"the report's 'list' of rows is {what}")
    rows = _rows(items, builder)
    return Report(
        rows=rows,
        page=builder.envelope_number(envelope.get("page"), "page", 1),
        page_size=builder.envelope_number(envelope.get("page_size"), "page_size", len(rows)),
        count=builder.envelope_number(envelope.get("count"), "count", len(rows)),
        links=envelope_links(envelope.get("links"), builder),
        source="json",
        problems=tuple(builder.problems),
    )


def _kind(value: object) -> str:
    """A JSON value's kind for messages (a row the hook built is still "an object")."""
    return "dict" if type(value) is BackupStatusRow else type(value).__name__


def _top_level(document: dict[str, object]) -> Mapping[str, object]:
    if "list" in document:
        return document
    return {key.strip(): value for key, value in document.items()}


def envelope_links(value: object, builder: RowBuilder) -> tuple[Link, ...]:
    """The envelope's links; one that cannot be read is left out (and recorded)."""
    if value is None:
        return ()
    if not isinstance(value, list):
        builder.problem(None, "links", value, "expected a list of links", "left out")
        return ()
    links = []
    for item in value:
        fields = {str(k).strip(): v for k, v in item.items()} if isinstance(item, dict) else {}
        rel, href = fields.get("rel"), fields.get("href")
        if not isinstance(rel, str) or not isinstance(href, str):
            builder.problem(None, "links", item, "a link needs text rel and href", "left out")
            continue
        links.append(Link(rel=rel.strip(), href=href.strip()))
    return tuple(links)


def _row_hook(builder: RowBuilder) -> Callable[[dict[str, Any]], object]:
    """The ``object_hook``: a well-formed row dict becomes its row, anything else stays a dict.

    Default arguments hold the caches: local lookups are measurable at 100,000 calls.
    """

    def hook(
        d: dict[str, Any],
        report_dates: dict[str, datetime] = builder.report_dates,
        usernames: dict[str, str] = builder.usernames,
        backupset_names: dict[str, str] = builder.backupset_names,
        statuses: dict[str, str] = builder.statuses,
        condition_types: dict[tuple[str, ...], tuple[str, ...]] = builder.condition_types,
        partner: str | None = builder.partner,
        intern_string: Callable[[str, str], str] = builder.strings.setdefault,
        computer_ids: dict[object, str] = builder.computer_ids,
        fromiso: Callable[[str], datetime] = datetime.fromisoformat,
        zones: Callable[[tzinfo | None, tzinfo | None], tzinfo | None] = builder.zones.setdefault,
        replace: Callable[..., datetime] = datetime.replace,
        new: Callable[..., BackupStatusRow] = tuple.__new__,
        row_type: type[BackupStatusRow] = BackupStatusRow,
        str_: type[str] = str,
        int_: type[int] = int,
        list_: type[list[Any]] = list,
        tuple_: type[tuple[Any, ...]] = tuple,
        row_errors: tuple[type[Exception], ...] = _ROW_ERRORS,
    ) -> object:
        try:
            computer_name = d["computer_name"]
            start = fromiso(d["local_start"])
            # One offset object per distinct offset (each parse makes its own: 72 bytes).
            if (zone := zones(start.tzinfo, start.tzinfo)) is not start.tzinfo:
                start = replace(start, tzinfo=zone)
            end = d["local_end"]
            # "" is how a running set's end is documented.
            end = None if end is None or end == "" else fromiso(end)
            if end is not None and (zone := zones(end.tzinfo, end.tzinfo)) is not end.tzinfo:
                end = replace(end, tzinfo=zone)
            types = d["condition_types"]
            errors = d["errors"]
            warnings = d["warnings"]
            if (
                type(computer_name) is not str_
                or type(types) is not list_
                or type(errors) is not int_
                or type(warnings) is not int_
                or errors < 0
                or warnings < 0
                or start.tzinfo is None
                or (end is not None and end.tzinfo is None)
            ):
                return d
            return new(
                row_type,
                (
                    report_dates[d["report_date"]],
                    usernames[d["username"]],
                    computer_ids[d["computer_id"]],
                    intern_string(computer_name, computer_name),
                    backupset_names[d["backupset_name"]],
                    start,
                    end,
                    statuses[d["condition_status"]],
                    condition_types[tuple_(types)],
                    errors,
                    warnings,
                    partner,
                ),
            )
        except row_errors:
            return d

    return hook


def _paced(
    hook: Callable[[dict[str, Any]], object], pause: Callable[[], None]
) -> Callable[[dict[str, Any]], object]:
    """``hook`` calling ``pause`` every ``PAUSE_EVERY`` objects (kept apart from the flat hook:
    a parse at full speed pays nothing for it)."""
    count = 0

    def paced(d: dict[str, Any]) -> object:
        nonlocal count
        count += 1
        if count >= PAUSE_EVERY:
            count = 0
            pause()
        return hook(d)

    return paced


def _rows(items: list[object], builder: RowBuilder) -> tuple[BackupStatusRow, ...]:
    """The rows in ``items``: those the hook built, plus the careful path for the rest."""
    row_type = BackupStatusRow
    rows: list[BackupStatusRow] = []
    append = rows.append
    for item in items:
        if type(item) is row_type:
            append(item)
        else:
            append(builder.checked_row(item, len(rows) + 1))
    return tuple(rows)
