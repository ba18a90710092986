"""Read one page of a partner's sub-partner list (``GET /v1/partners/{u}/signups?type=PARTNER``).

The page is the documented list envelope (``page``, ``page_size``, ``count``, ``links``, ``list``;
XML ``<list page= page_size= count=>`` with ``<link/>`` and one element per signup), each signup
``username, name, company, type, usage, link``. Read with the report's tolerance: padded keys,
numbers sent as text and envelope values that cannot be read are read as meant or recorded as
``ReadProblem``s; a signup whose username cannot be read is left out (and recorded), since it
cannot be walked. Signups of another type (an account, if the server ignores ``type=PARTNER``)
are skipped but counted in ``items``, so paging still compares what arrived with ``count``.
Only a document that is no list at all raises ``ParseError``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from desktop_app.report.errors import ParseError
from desktop_app.report.parse_fields import RowBuilder, text_value, value_kind
from desktop_app.report.parse_json import envelope_links as json_links
from desktop_app.report.parse_xml import envelope_links as xml_links
from desktop_app.report.parse_xml import list_tree, local_name
from desktop_app.report.partner_tree import Partner
from desktop_app.report.rows import Link, ReadProblem

PARTNER_TYPE = "PARTNER"
_LEFT_OUT = "left out"


@dataclass(frozen=True, slots=True)
class SignupsPage:
    """One page: the sub-partners it named (``parent``/``depth`` unset), the envelope, the
    number of list items that arrived (``items``, every type) and what could not be read (row
    numbers count items within this page)."""

    partners: tuple[Partner, ...]
    items: int
    page: int
    page_size: int
    count: int
    links: tuple[Link, ...]
    problems: tuple[ReadProblem, ...]


def parse_signups(body: bytes, fmt: str) -> SignupsPage:
    """Parse a signups page as ``fmt`` ("json" or "xml"); ``ParseError`` when it is no list."""
    builder = RowBuilder()
    if fmt == "json":
        envelope, items, links = _json_page(body, builder)
    elif fmt == "xml":
        envelope, items, links = _xml_page(body, builder)
    else:
        raise ValueError(f"unknown format {fmt!r}")
    partners = [p for n, item in enumerate(items, 1) if (p := _signup(item, n, builder))]
    return SignupsPage(
        partners=tuple(partners),
        items=len(items),
        page=builder.envelope_number(envelope.get("page"), "page", 1),
        page_size=builder.envelope_number(envelope.get("page_size"), "page_size", len(items)),
        count=builder.envelope_number(envelope.get("count"), "count", len(items)),
        links=links,
        problems=tuple(builder.problems),
    )


def _json_page(
    body: bytes, builder: RowBuilder
) -> tuple[Mapping[str, object], list[object], tuple[Link, ...]]:
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise ParseError(f"malformed JSON: {exc}") from None
    if not isinstance(document, dict):
        raise ParseError(f"expected a JSON object at the top level, got {value_kind(document)}")
    envelope = {str(key).strip(): value for key, value in document.items()}
    items = envelope.get("list")
    if not isinstance(items, list):
        what = "missing" if items is None else f"{value_kind(items)}, not a list"
        raise ParseError(f"the list of sub-partners is {what}")
    return envelope, items, json_links(envelope.get("links"), builder)


def _xml_page(
    body: bytes, builder: RowBuilder
) -> tuple[Mapping[str, object], list[object], tuple[Link, ...]]:
    root = list_tree(body)
    items: list[object] = []
    for element in root:
        tag = local_name(element.tag)
        if tag and tag not in ("link", "links"):
            fields: dict[str, object] = {}
            for child in element:
                fields.setdefault(local_name(child.tag), child.text or "")
            items.append(fields)
    envelope = {key.strip(): value for key, value in root.attrib.items()}
    return envelope, items, xml_links(root, builder)


def _signup(item: object, number: int, builder: RowBuilder) -> Partner | None:
    """The sub-partner ``item`` names, or None (recorded) when it names none."""
    if not isinstance(item, Mapping):
        builder.problem(number, "row", item, f"a signup must be an object, not {value_kind(item)}")
        return None
    fields = {str(key).strip(): value for key, value in item.items()}
    kind = fields.get("type")
    if isinstance(kind, str) and kind.strip() and kind.strip().upper() != PARTNER_TYPE:
        return None  # an account: the server did not filter by type
    if kind is not None and not isinstance(kind, str):
        builder.problem(number, "type", kind, f"expected text, got {value_kind(kind)}", "ignored")
    raw = fields.get("username")
    username = text_value(raw)
    if username is None or not username.strip():
        if raw is None:
            reason = "missing"
        elif username is None:
            reason = f"expected a username, got {value_kind(raw)}"
        else:
            reason = "empty"
        builder.problem(number, "username", raw, reason, _LEFT_OUT)
        return None
    return Partner(
        username.strip(),
        name=_optionaltext_value(fields, "name", number, builder),
        company=_optionaltext_value(fields, "company", number, builder),
    )


def _optionaltext_value(
    fields: Mapping[str, object], name: str, number: int, builder: RowBuilder
) -> str | None:
    raw = fields.get(name)
    if raw is None:
        return None
    text = text_value(raw)
    if text is None:
        builder.problem(number, name, raw, f"expected text, got {value_kind(raw)}")
        return None
    return text.strip() or None
