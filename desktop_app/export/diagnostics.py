"""The support bundle behind Help > Save diagnostics…: one zip a partner admin can send.

What it holds: ``about.txt`` (versions, platform), ``settings.json`` (the app's settings and
the account's non-secret facts), ``log.txt`` (the end of the log), ``read_problems.txt`` (what
the last report could not read, and whether it was incomplete), ``response.json`` (the last
response's shape: how it was labelled and sized, its envelope, each row field with the value
types sent) and ``first_rows.json`` (its first ``SAMPLE_ROWS`` rows as sent).

What it never holds: a secret. Secrets live in the keyring and are never passed in; every text
member also goes through ``redact`` (the log's redactor: registered secrets, tokens, secret
fields) and addresses lose any user name or password. With ``anonymise`` (the default),
customer and computer names become placeholders ("customer-1", "computer-1") in the rows, the
read problems and the log, consistently, so support still sees which rows belong together.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from lxml import etree

from desktop_app.report.parse_fields import value_kind
from desktop_app.report.parse_xml import safe_parser
from desktop_app.report.read_problems import count_text
from desktop_app.report.rows import Report, ResponseSample

__all__ = ["SAMPLE_ROWS", "Anonymiser", "DiagnosticsFacts", "build_diagnostics", "read_log_tail"]

SAMPLE_ROWS = 50
LOG_TAIL_BYTES = 512 * 1024
_MIN_NAME = 3  # shorter names would replace parts of ordinary words in the log
_NAME_FIELDS = {"username": "customer", "computer_name": "computer"}


@dataclass(frozen=True, slots=True)
class DiagnosticsFacts:
    """Everything the bundle is made from, gathered by the caller (the GUI)."""

    versions: Mapping[str, str]
    settings: Mapping[str, object]
    log_path: Path | None  # the current log file; its end is read when the bundle is built
    report: Report | None
    redact: Callable[[str], str]
    anonymise: bool = True
    extra: Mapping[str, str] = field(default_factory=dict)


class Anonymiser:
    """Customer and computer names -> placeholders, the same placeholder for the same name."""

    def __init__(self, report: Report | None) -> None:
        self._names: dict[tuple[str, str], str] = {}
        self._counts: dict[str, int] = {}
        for row in report.rows if report is not None else ():
            for kind, value in (("customer", row.username), ("computer", row.computer_name)):
                if value:
                    self.placeholder(kind, value)
        self._pattern: re.Pattern[str] | None = None

    def placeholder(self, kind: str, name: str) -> str:
        key = (kind, name)
        found = self._names.get(key)
        if found is None:
            self._counts[kind] = number = self._counts.get(kind, 0) + 1
            found = self._names[key] = f"{kind}-{number}"
            self._pattern = None
        return found

    def text(self, text: str) -> str:
        """``text`` with every known name (at least ``_MIN_NAME`` characters) replaced."""
        by_name = {name: p for (_, name), p in self._names.items() if len(name) >= _MIN_NAME}
        if not by_name:
            return text
        if self._pattern is None:
            names = sorted(by_name, key=len, reverse=True)
            alternatives = "|".join(re.escape(n) for n in names)
            self._pattern = re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])")
        return self._pattern.sub(lambda m: by_name.get(m.group(0), m.group(0)), text)


def build_diagnostics(facts: DiagnosticsFacts) -> bytes:
    """The zip's bytes (see the module docstring). Reads the log: call it off the GUI thread."""
    names = Anonymiser(facts.report) if facts.anonymise else None
    members = {
        "about.txt": _about(facts),
        "settings.json": _json(_safe_settings(facts.settings)),
        "log.txt": _log(facts.log_path, names),
        "read_problems.txt": _problems(facts.report, names),
        "response.json": _json(_shape(facts.report)),
        "first_rows.json": _json(_first_rows(facts.report, names)),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in members.items():
            archive.writestr(name, facts.redact(text))
    return buffer.getvalue()


def _log(path: Path | None, names: Anonymiser | None) -> str:
    text = read_log_tail(path)
    return names.text(text) if names is not None else text


def read_log_tail(path: Path | None, limit: int = LOG_TAIL_BYTES) -> str:
    """The last ``limit`` bytes of the log (from the first whole line), or why there are none."""
    if path is None:
        return "(no log file in this session)\n"
    try:
        with open(path, "rb") as handle:
            handle.seek(0, 2)
            size = handle.tell()
            handle.seek(max(0, size - limit))
            data = handle.read()
    except OSError as exc:
        return f"(the log could not be read: {exc.strerror or exc})\n"
    if size > limit:
        data = data.partition(b"\n")[2]
    return data.decode("utf-8", errors="replace")


# -- members ------------------------------------------------------------------------------------


def _json(value: object) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, default=str) + "\n"


def _about(facts: DiagnosticsFacts) -> str:
    lines = [f"{name}: {value}" for name, value in {**facts.versions, **facts.extra}.items()]
    lines.append(f"customer and computer names replaced: {'yes' if facts.anonymise else 'no'}")
    return "\n".join(lines) + "\n"


def _safe_settings(settings: Mapping[str, object]) -> dict[str, object]:
    """Settings as JSON values; an address keeps only scheme, host and port."""
    safe: dict[str, object] = {}
    for key, value in settings.items():
        if isinstance(value, frozenset | set | tuple | list):
            value = sorted(str(v) for v in value)
        elif isinstance(value, str) and "://" in value:
            value = _without_userinfo(value)
        elif not isinstance(value, str | int | float | bool) and value is not None:
            value = str(value)
        safe[key] = value
    return safe


def _without_userinfo(url: str) -> str:
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def _problems(report: Report | None, names: Anonymiser | None) -> str:
    if report is None:
        return "No report has been read in this session.\n"
    lines = [f"Report from {report.source or 'unknown source'}, {len(report.rows):,} rows."]
    if report.incomplete is not None:
        lines.append(f"Incomplete: {report.incomplete}.")
    if report.problems:
        lines.append(f"{count_text(report.problems)}:")
        for problem in report.problems:
            raw = problem.raw
            kind = _NAME_FIELDS.get(problem.field)
            if names is not None and kind is not None:
                raw = f"({kind} name, replaced)"
            lines.append("  " + replace(problem, raw=raw).line())
    else:
        lines.append("Every value was read.")
    text = "\n".join(lines) + "\n"
    return names.text(text) if names is not None else text


def _shape(report: Report | None) -> dict[str, object]:
    """How the last response looked: labels, sizes, envelope, and each row field's types."""
    if report is None or report.response is None:
        return {"response": "none in this session"}
    sample = report.response
    rows = _raw_rows(sample)
    fields: dict[str, set[str]] = {}
    for raw in rows:
        for key, value in raw.items():
            fields.setdefault(key, set()).add(_json_type(value))
    return {
        "status": sample.status,
        "content_type": sample.content_type,
        "format": sample.fmt,
        "bytes_of_first_page": sample.size,
        "pages": sample.pages,
        "envelope": {
            "page": report.page,
            "page_size": report.page_size,
            "count": report.count,
            "links": [{"rel": link.rel, "href": link.href} for link in report.links],
        },
        "rows_read": len(report.rows),
        "incomplete": report.incomplete,
        "row_fields_in_sample": {repr(k): sorted(v) for k, v in sorted(fields.items())},
        "rows_in_sample": len(rows),
    }


def _first_rows(report: Report | None, names: Anonymiser | None) -> list[dict[str, object]]:
    if report is None or report.response is None:
        return []
    rows = _raw_rows(report.response)
    if names is None:
        return rows
    out = []
    for raw in rows:
        row = dict(raw)
        for key, value in raw.items():
            kind = _NAME_FIELDS.get(key.strip())
            if kind is not None and isinstance(value, str) and value:
                row[key] = names.placeholder(kind, value)
        out.append(row)
    return out


def _json_type(value: object) -> str:
    """The kind of a raw value as sent ("text", "a number", "null"...), empty text apart."""
    return "empty text" if value == "" else value_kind(value)


# -- reading the sample back ---------------------------------------------------------------------


def _raw_rows(sample: ResponseSample) -> list[dict[str, object]]:
    """The first ``SAMPLE_ROWS`` rows of the response's head, as sent (XML: tag -> text)."""
    if sample.fmt == "xml":
        return _xml_rows(sample.head)
    return _json_rows(sample.head.decode("utf-8", errors="replace"))


_LIST_START = re.compile(r'"list\s*"\s*:\s*\[')


def _json_rows(text: str) -> list[dict[str, object]]:
    found = _LIST_START.search(text)
    if found is None:
        return []
    decoder = json.JSONDecoder()
    rows: list[dict[str, object]] = []
    position = found.end()
    while len(rows) < SAMPLE_ROWS:
        while position < len(text) and text[position] in " \t\r\n,":
            position += 1
        if position >= len(text) or text[position] == "]":
            break
        try:
            value, position = decoder.raw_decode(text, position)
        except ValueError:
            break  # the head ends inside this row
        rows.append(value if isinstance(value, dict) else {"(not an object)": value})
    return rows


def _xml_rows(head: bytes) -> list[dict[str, object]]:
    try:
        root = etree.fromstring(head, safe_parser(False, recover=True))
    except (etree.LxmlError, ValueError):
        return []
    if root is None:
        return []
    rows: list[dict[str, object]] = []
    for element in _children(root, "backup_status"):
        if len(rows) >= SAMPLE_ROWS:
            break
        row: dict[str, object] = {}
        for child in element:
            tag = _local(child.tag)
            if tag in ("condition_types", "condition_type"):
                items = child if tag == "condition_types" else [child]
                names = row.setdefault("condition_types", [])
                assert isinstance(names, list)
                names.extend(item.text or "" for item in items)
            elif tag:
                row[tag] = child.text or ""
        rows.append(row)
    return rows


def _children(root: etree._Element, tag: str) -> Iterable[etree._Element]:
    return (child for child in root if _local(child.tag) == tag)


def _local(tag: object) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]
