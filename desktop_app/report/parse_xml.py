"""Read the XML form of the Backup Status Report into an immutable ``Report``.

Every document goes through lxml with entities unresolved, no DTD loading and no network; a
document that declares entities is refused (billion laughs, XXE). A malformed one is read again
in libxml2's recovery mode: if that yields a ``<list>``, its rows are kept and the syntax error
becomes a read problem of the document; otherwise it is a ``ParseError`` carrying lxml's line
and message. Values that cannot be read are read problems, as in JSON (``parse_fields``).

Reading 1.2M child elements back through lxml proxies costs more than the parse itself, so a
plainly written document (UTF-8, no comments, CDATA, processing instructions or DOCTYPE, rows in
the documented layout) is checked by lxml without building a tree, and its row values are read
by one regular expression over the text. That shortcut is taken only when it provably sees the
elements lxml saw: every ``<backup_status`` in the text is matched, only whitespace lies between
rows, and the rest of the document (the envelope, parsed by lxml) holds them as root children.
Anything else is read from the lxml tree, more slowly, with the same field rules.

The shortcut works on slices of about ``_SLICE_BYTES``, each cut right after a ``</backup_status>``
(no row, tag or ``<!``/``<?`` can straddle such a cut, so every check reads the same per slice as
over the whole text): one regular-expression split over a 50 MB document is a single C call
holding the GIL for ~0.3 s, freezing the GUI thread while a worker parses; per slice it is ~6 ms,
and the optional ``pause`` (a ``background.Pacer``'s) is called between slices and row batches.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

from lxml import etree

from desktop_app.report.errors import ParseError
from desktop_app.report.parse_fields import RowBuilder, TextCounts, gc_paused
from desktop_app.report.rows import FIELD_NAMES, BackupStatusRow, Link, ReadProblem, Report

_ROW_ERRORS = (KeyError, TypeError, ValueError, AttributeError, IndexError)
_ROW_TAG = "backup_status"
_TYPES_TAG = "condition_types"
_TYPE_TAG = "condition_type"
# libxml2's default limits guard against hostile input; a genuine 1M-row report (~460 MB) can
# exceed them, so only bodies this large are parsed with huge_tree (entities stay unresolved).
_HUGE_BYTES = 100_000_000
_TEXT_ENCODINGS = frozenset({"UTF-8", "UTF8", "US-ASCII", "ASCII"})
_SLICE_BYTES = 1_000_000
_ROW_END = f"</{_ROW_TAG}>".encode()

_WS = "[ \t\r\n]*"


def _leaf(name: str) -> str:
    return f"{_WS}(?:<{name}>([^<]*)</{name}>|<{name}/>)"


_TYPE = f"{_WS}<{_TYPE_TAG}>[^<]*</{_TYPE_TAG}>"
# Groups: the 8 fields before condition types, wrapped types, direct types, errors, warnings.
_ROW_PATTERN = re.compile(
    f"<{_ROW_TAG}>"
    + "".join(_leaf(name) for name in FIELD_NAMES[:8])
    + f"{_WS}(?:<{_TYPES_TAG}>((?:{_TYPE})*){_WS}</{_TYPES_TAG}>|<{_TYPES_TAG}/>|((?:{_TYPE})*))"
    + _leaf("errors")
    + _leaf("warnings")
    + f"{_WS}</{_ROW_TAG}>"
)
_STRIDE = _ROW_PATTERN.groups + 1  # re.split yields the groups, then the text up to the next row
_DECLARATION = re.compile(r"\A\ufeff?<\?xml[ \t\r\n][^?]*\?>")
_ENCODING = re.compile(r"encoding[ \t\r\n]*=[ \t\r\n]*[\"']([^\"']*)[\"']")
_TYPE_TEXT = re.compile(f"<{_TYPE_TAG}>([^<]*)</{_TYPE_TAG}>")
_REFERENCE = re.compile(r"&(#[0-9]+|#x[0-9a-fA-F]+|amp|lt|gt|quot|apos);")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}

_Match = tuple[Any, ...]  # re.split groups: str, or None for a group that did not match


def safe_parser(huge: bool, target: object = None, *, recover: bool = False) -> etree.XMLParser:
    """An lxml parser that resolves no entity, loads no DTD and never touches the network;
    ``recover`` reads on past syntax errors (libxml2's recovery mode)."""
    return etree.XMLParser(
        target=target,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
        huge_tree=huge,
        recover=recover,
    )


def _no_pause() -> None:
    """The pause of a parse that runs at full speed."""


def parse_xml(
    body: bytes, *, pause: Callable[[], None] = _no_pause, partner: str | None = None
) -> Report:
    """Parse an XML report body; every row carries ``partner``. Raises ``ParseError`` (only)
    for a document that is not a report; odd values are the report's ``problems``.

    ``pause`` is called every millisecond or so of work (a paced worker's rest).
    """
    with gc_paused():
        return _parse(body, pause, partner)


def _parse(body: bytes, pause: Callable[[], None], partner: str | None) -> Report:
    builder = RowBuilder(partner)
    shortcut = _text_path(body, builder, pause)
    if shortcut is not None:
        root, rows = shortcut
    else:
        root = list_tree(body, builder)
        rows = _rows_from_tree(root, builder)
    attrib = {key.strip(): value for key, value in root.attrib.items()}
    return Report(
        rows=rows,
        page=builder.envelope_number(attrib.get("page"), "page", 1),
        page_size=builder.envelope_number(attrib.get("page_size"), "page_size", len(rows)),
        count=builder.envelope_number(attrib.get("count"), "count", len(rows)),
        links=envelope_links(root, builder),
        source="xml",
        problems=tuple(builder.problems),
    )


def _syntax_error(exc: etree.XMLSyntaxError) -> ParseError:
    line = f" at line {exc.lineno}" if exc.lineno else ""
    return ParseError(f"malformed XML{line}: {exc.msg}")


def list_tree(body: bytes, builder: RowBuilder | None = None) -> etree._Element:
    """The document's tree. With a ``builder``, a malformed document is read once more in
    libxml2's recovery mode (the documentation's own example closes ``<condition_type>`` with
    ``</condition_types>``); what it recovers is kept, with the syntax error as a read problem.
    """
    try:
        root = etree.fromstring(body, safe_parser(len(body) > _HUGE_BYTES))
    except etree.XMLSyntaxError as exc:
        recovered = _recovered(body) if builder is not None else None
        if builder is None or recovered is None:
            raise _syntax_error(exc) from None
        where = f"line {exc.lineno}" if exc.lineno else "somewhere"
        builder.problems.append(
            ReadProblem(None, "document", where, f"malformed XML: {exc.msg}", "read what it could")
        )
        root = recovered
    except (etree.LxmlError, ValueError, TypeError) as exc:
        raise ParseError(f"unreadable XML: {exc}") from None
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise ParseError("XML documents that declare entities are not accepted")
    if local_name(root.tag) != "list":
        raise ParseError(f"expected a <list> root element, got <{local_name(root.tag)}>")
    return root


def _recovered(body: bytes) -> etree._Element | None:
    """The tree libxml2 recovers from a malformed document, if it is a ``<list>`` holding every
    row the text opens (at least one): a recovery that lost rows, or found none, is no report,
    and the last good one must stay on screen rather than give way to it."""
    try:
        root = etree.fromstring(body, safe_parser(len(body) > _HUGE_BYTES, recover=True))
    except (etree.LxmlError, ValueError, TypeError):
        return None
    if root is None or local_name(root.tag) != "list":
        return None
    rows = sum(1 for child in root if local_name(child.tag) == _ROW_TAG)
    return root if 0 < rows == body.count(b"<" + _ROW_TAG.encode()) else None


def local_name(tag: object) -> str:
    """The tag without a namespace; '' for comments and other non-elements."""
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2] if tag.startswith("{") else tag


def envelope_links(root: etree._Element, builder: RowBuilder) -> tuple[Link, ...]:
    """The envelope's links; one without rel and href is left out (and recorded)."""
    links = []
    for child in root.iterchildren("{*}link", "{*}links"):
        items = [child] if local_name(child.tag) == "link" else child.iterchildren("{*}link")
        for item in items:
            attrib = {key.strip(): value for key, value in item.attrib.items()}
            rel, href = attrib.get("rel"), attrib.get("href")
            if rel is None or href is None:
                raw = etree.tostring(item, encoding="unicode", with_tail=False)
                builder.problem(None, "links", raw, "a link needs rel and href", "left out")
                continue
            links.append(Link(rel=rel.strip(), href=href.strip()))
    return tuple(links)


# -- the text shortcut -------------------------------------------------------------------------


def _text_path(
    body: bytes,
    builder: RowBuilder,
    pause: Callable[[], None] = _no_pause,
    slice_bytes: int = _SLICE_BYTES,
) -> tuple[etree._Element, tuple[BackupStatusRow, ...]] | None:
    """The envelope's tree and the rows, or None when the shortcut cannot be proven equivalent
    (a malformed document included: the tree path handles it)."""
    texts = _shortcut_text(body, pause, slice_bytes)
    if texts is None:
        return None
    # Well-formedness without building a tree: a parser target that receives no events.
    try:
        etree.fromstring(body, safe_parser(len(body) > _HUGE_BYTES, target=_NoEvents()))
    except (etree.LxmlError, ValueError, TypeError):
        return None  # malformed: the tree path recovers what it can, or says what is wrong
    split = _split_rows(texts, pause)
    if split is None:
        return None
    head, batches, tail = split
    root = _envelope(head, tail)
    if root is None:
        return None
    return root, _rows_from_text(_drained(batches), builder, pause)


_Split = tuple[str, list[list[Any]], str]  # text before the rows, groups per slice, text after


def _split_rows(texts: list[str], pause: Callable[[], None]) -> _Split | None:
    """(text before the rows, each slice's ``re.split`` groups, text after), or None unless
    every ``<backup_status`` was matched and only whitespace lies between rows."""
    opening = f"<{_ROW_TAG}"
    head: str | None = None
    carry = ""  # the text since the last row
    batches: list[list[Any]] = []
    for i, text in enumerate(texts):
        texts[i] = ""  # each slice's text is freed once split
        pieces = _ROW_PATTERN.split(text)
        rows = (len(pieces) - 1) // _STRIDE
        if text.count(opening) != rows:
            return None
        if rows:
            gap = carry + pieces[0]
            if head is None:
                head = gap
            elif gap.strip(" \t\r\n"):
                return None
            if "".join(pieces[_STRIDE : _STRIDE * rows : _STRIDE]).strip(" \t\r\n"):
                return None
            carry = pieces[-1]
            del pieces[0]
            batches.append(pieces)  # groups of _STRIDE: a row's groups, then the text after it
        else:
            carry += text
        pause()
    return None if head is None else (head, batches, carry)


def _drained(batches: list[list[Any]]) -> Iterator[Iterator[_Match]]:
    """Each slice's matches, letting go of the slice once read: freeing a million strings
    at once would hold the GIL for tens of milliseconds."""
    batches.reverse()
    while batches:
        yield zip(*[iter(batches.pop())] * _STRIDE, strict=False)


class _NoEvents:
    """A parser target without event methods: libxml2 checks the document, Python sees nothing."""

    def close(self) -> None:
        return None


def _shortcut_text(body: bytes, pause: Callable[[], None], slice_bytes: int) -> list[str] | None:
    """The body as text slices when it is UTF-8 and has no comments, CDATA, DOCTYPE or PIs.

    Slices are cut after an ASCII ``>``: UTF-8 decodes the same per slice as whole.
    """
    texts: list[str] = []
    after_declaration = 0
    for start, end in _slices(body, slice_bytes):
        try:
            text = body[start:end].decode("utf-8")
        except UnicodeDecodeError:
            return None
        if not texts:
            declaration = _DECLARATION.match(text)
            if declaration is not None:
                encoding = _ENCODING.search(declaration.group())
                if encoding is not None and encoding.group(1).upper() not in _TEXT_ENCODINGS:
                    return None
                after_declaration = declaration.end()
        if "<!" in text or text.find("<?", after_declaration) != -1:
            return None
        after_declaration = 0
        texts.append(text)
        pause()
    return texts


def _slices(body: bytes, size: int) -> Iterator[tuple[int, int]]:
    """(start, end) of slices of about ``size`` bytes, each ending with ``</backup_status>``
    (the last one: with the body)."""
    start, total = 0, len(body)
    while start < total:
        end = body.find(_ROW_END, start + size)
        end = total if end < 0 else end + len(_ROW_END)
        yield start, end
        start = end


def _envelope(head: str, tail: str) -> etree._Element | None:
    """The document without its rows, with one marker row: proves rows are the root's children."""
    try:
        root = list_tree(f"{head}<{_ROW_TAG}/>{tail}".encode())
    except ParseError:
        return None
    direct = root.xpath(f"count(*[local-name()='{_ROW_TAG}'])")
    anywhere = root.xpath(f"count(//*[local-name()='{_ROW_TAG}'])")
    return root if direct == anywhere == 1 else None


def _rows_from_text(
    batches: Iterable[Iterable[_Match]],
    builder: RowBuilder,
    pause: Callable[[], None] = _no_pause,
) -> tuple[BackupStatusRow, ...]:
    report_dates = builder.report_dates
    usernames = builder.usernames
    backupset_names = builder.backupset_names
    statuses = builder.statuses
    types = _TypeTexts(builder)
    counts = TextCounts()
    intern_string = builder.strings.setdefault
    computer_ids = builder.computer_ids
    problems = builder.problems
    partner = builder.partner
    fromiso = datetime.fromisoformat
    new = tuple.__new__
    row_type = BackupStatusRow
    rows: list[BackupStatusRow] = []
    append = rows.append
    for matches in batches:
        for m in matches:
            try:
                start = fromiso(m[5])
                end = fromiso(m[6]) if m[6] else None
                name = m[3] or ""
                if (
                    start.tzinfo is None
                    or (end is not None and end.tzinfo is None)
                    or "&" in name
                    or "\r" in name
                ):
                    raise ValueError
                append(
                    new(
                        row_type,
                        (
                            report_dates[m[0]],
                            usernames[m[1]],
                            computer_ids[m[2]],
                            intern_string(name, name),
                            backupset_names[m[4]],
                            start,
                            end,
                            statuses[m[7]],
                            types[m[8] or m[9] or ""],
                            counts[m[10]],
                            counts[m[11]],
                            partner,
                        ),
                    )
                )
            except _ROW_ERRORS:
                known = len(problems)
                row = builder.checked_row(_match_fields(m), len(rows) + 1)
                append(row)
                if len(problems) == known:
                    _learn(builder, types, counts, m, row)
        pause()
    return tuple(rows)


class _TypeTexts(dict[str, tuple[str, ...]]):
    """The raw inside of a row's condition types (``<condition_type>X</condition_type>...``)
    -> the shared tuple; text needing decoding goes the careful way."""

    def __init__(self, builder: RowBuilder) -> None:
        super().__init__()
        self._builder = builder

    def __missing__(self, key: str) -> tuple[str, ...]:
        if "&" in key or "\r" in key:
            raise ValueError(key)
        self[key] = types = self._builder.condition_types[tuple(_TYPE_TEXT.findall(key))]
        return types


def _match_fields(m: _Match) -> dict[str, object]:
    fields: dict[str, object] = {name: _decode_text(m[i]) for i, name in enumerate(FIELD_NAMES[:8])}
    fields["condition_types"] = [_decode_text(t) for t in _TYPE_TEXT.findall(m[8] or m[9] or "")]
    fields["errors"] = _decode_text(m[10])
    fields["warnings"] = _decode_text(m[11])
    return fields


def _learn(
    builder: RowBuilder,
    types: dict[str, tuple[str, ...]],
    counts: dict[str, int],
    m: _Match,
    row: BackupStatusRow,
) -> None:
    """Remember what this row's raw texts turned out to mean, so later rows stay fast.

    Only for a row read without problems, and only known values: a value that was recorded as
    a problem must be recorded again for every row that has it.
    """
    pairs: tuple[tuple[dict[Any, Any], Any, Any], ...] = (
        (builder.report_dates, m[0], row.report_date),
        (builder.usernames, m[1], row.username),
        (builder.computer_ids, m[2], row.computer_id),
        (builder.backupset_names, m[4], row.backupset_name),
        (builder.statuses, m[7], row.condition_status),
        (types, m[8] or m[9] or "", row.condition_types),
        (counts, m[10], row.errors),
        (counts, m[11], row.warnings),
    )
    for cache, raw, value in pairs:
        if raw is not None and value is not None:
            cache[raw] = value


def _decode_text(raw: str | None) -> str:
    """Element text as an XML parser reports it: line ends normalised, references replaced."""
    if not raw:
        return ""  # an empty element, or a group that did not take part in the match
    if "\r" in raw:
        raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    if "&" in raw:
        raw = _REFERENCE.sub(_replace_reference, raw)
    return raw


def _replace_reference(match: re.Match[str]) -> str:
    name = match.group(1)
    if name.startswith("#x"):
        return chr(int(name[2:], 16))
    if name.startswith("#"):
        return chr(int(name[1:]))
    return _NAMED[name]


# -- the tree path -----------------------------------------------------------------------------


def _rows_from_tree(root: etree._Element, builder: RowBuilder) -> tuple[BackupStatusRow, ...]:
    checked_row: Callable[[object, int], BackupStatusRow] = builder.checked_row
    rows: list[BackupStatusRow] = []
    for element in root:
        if local_name(element.tag) == _ROW_TAG:
            rows.append(checked_row(_element_fields(element), len(rows) + 1))
    return tuple(rows)


def _element_fields(element: etree._Element) -> dict[str, object]:
    """A row's children as {tag: text}; condition types as a list, direct or wrapped. An empty
    element is empty text (as the text shortcut reads it); an absent one is absent."""
    fields: dict[str, object] = {}
    types: list[str] = []
    for child in element:
        tag = local_name(child.tag)
        if tag == _TYPE_TAG:
            types.append(child.text or "")
        elif tag == _TYPES_TAG:
            types.extend(item.text or "" for item in child if local_name(item.tag) == _TYPE_TAG)
        elif tag:
            fields.setdefault(tag, child.text or "")
    fields["condition_types"] = types
    return fields
