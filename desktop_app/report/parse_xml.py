"""Read the XML form of the Backup Status Report into an immutable ``Report``.

Safety first: the parser never resolves entities, never loads a DTD and never touches the network,
and a document that declares entities is refused outright (billion laughs, XXE). Speed second:
one pass over each ``<backup_status>``'s children with tag dispatch, no XPath per row.
"""

from __future__ import annotations

from datetime import datetime

from lxml import etree

from desktop_app.report.errors import ParseError
from desktop_app.report.parse_fields import RowBuilder, envelope_number
from desktop_app.report.rows import BackupStatusRow, Link, Report

_ROW_ERRORS = (KeyError, TypeError, ValueError, AttributeError)
_ROW_TAG = "backup_status"
_TYPES_TAG = "condition_types"
_TYPE_TAG = "condition_type"
# Above this size libxml2's default safety limits may reject a legitimate report.
_HUGE_BYTES = 200_000_000


def _parser(huge: bool) -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
        huge_tree=huge,
    )


def parse_xml(body: bytes) -> Report:
    """Parse an XML report body. Raises ``ParseError`` (only) for anything unreadable."""
    try:
        root = etree.fromstring(body, _parser(len(body) > _HUGE_BYTES))
    except etree.XMLSyntaxError as exc:
        line = f" at line {exc.lineno}" if exc.lineno else ""
        raise ParseError(f"malformed XML{line}: {exc.msg}") from None
    except (etree.LxmlError, ValueError) as exc:
        raise ParseError(f"unreadable XML: {exc}") from None
    _refuse_entities(root)
    if root.tag != "list":
        raise ParseError(f"expected a <list> root element, got <{root.tag}>")
    attrib = {key.strip(): value for key, value in root.attrib.items()}
    links, elements = [], []
    for child in root:
        tag = child.tag
        if tag == _ROW_TAG:
            elements.append(child)
        elif tag == "link":
            links.append(_link(child))
        elif tag == "links":
            links.extend(_link(item) for item in child if item.tag == "link")
    rows = _rows(elements)
    return Report(
        rows=rows,
        page=envelope_number(attrib.get("page"), "page", 1),
        page_size=envelope_number(attrib.get("page_size"), "page_size", len(rows)),
        count=envelope_number(attrib.get("count"), "count", len(rows)),
        links=tuple(links),
        source="xml",
    )


def _refuse_entities(root: etree._Element) -> None:
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise ParseError("XML documents that declare entities are not accepted")


def _link(element: etree._Element) -> Link:
    attrib = {key.strip(): value for key, value in element.attrib.items()}
    rel, href = attrib.get("rel"), attrib.get("href")
    if rel is None or href is None:
        raise ParseError(f"a <link> needs 'rel' and 'href' (line {element.sourceline})")
    return Link(rel=rel, href=href)


def _fields(element: etree._Element) -> dict[str, object]:
    """A row's children as {tag: text}; condition types as a list, direct or wrapped."""
    fields: dict[str, object] = {}
    types: list[str | None] = []
    for child in element:
        tag = child.tag
        if tag == _TYPE_TAG:
            types.append(child.text)
        elif tag == _TYPES_TAG:
            types.extend(item.text for item in child)
        else:
            fields[tag] = child.text
    fields["condition_types"] = types
    return fields


def _rows(elements: list[etree._Element]) -> tuple[BackupStatusRow, ...]:
    builder = RowBuilder()
    report_dates = builder.report_dates
    usernames = builder.usernames
    backupset_names = builder.backupset_names
    statuses = builder.statuses
    condition_types = builder.condition_types
    intern_string = builder.strings.setdefault
    intern_id = builder.computer_ids.setdefault
    counts = builder.xml_counts
    fromiso = datetime.fromisoformat
    new = tuple.__new__
    row_type = BackupStatusRow
    rows: list[BackupStatusRow] = []
    append = rows.append
    for element in elements:
        fields = _fields(element)
        try:
            start = fromiso(fields["local_start"])  # type: ignore[arg-type]
            end = fromiso(fields["local_end"])  # type: ignore[arg-type]
            if start.tzinfo is None or end.tzinfo is None:
                raise TypeError
            name = fields["computer_name"]
            computer_id = int(fields["computer_id"])  # type: ignore[arg-type]
            append(
                new(
                    row_type,
                    (
                        report_dates[fields["report_date"]],  # type: ignore[index]
                        usernames[fields["username"]],  # type: ignore[index]
                        intern_id(computer_id, computer_id),
                        "" if name is None else intern_string(name, name),  # type: ignore[arg-type]
                        backupset_names[fields["backupset_name"]],  # type: ignore[index]
                        start,
                        end,
                        statuses[fields["condition_status"]],  # type: ignore[index]
                        condition_types[tuple(fields["condition_types"])],  # type: ignore[arg-type]
                        counts[fields["errors"]],  # type: ignore[index]
                        counts[fields["warnings"]],  # type: ignore[index]
                    ),
                )
            )
        except _ROW_ERRORS:
            row = builder.checked_row(fields, len(rows) + 1)
            append(row)
            _remember_numbers(builder, fields, row)
    return tuple(rows)


def _remember_numbers(builder: RowBuilder, fields: dict[str, object], row: BackupStatusRow) -> None:
    """Cache the checked text of this row's numbers so later rows take the fast path."""
    for key, value, cache in (
        ("errors", row.errors, builder.xml_counts),
        ("warnings", row.warnings, builder.xml_counts),
    ):
        text = fields.get(key)
        if isinstance(text, str):
            cache[text] = value
