"""The immutable report rows, the report envelope, and what could not be read.

A row is a ``NamedTuple``: immutable, compact (about 136 bytes plus its values) and five times
faster to build than a frozen dataclass, which matters at 1,000,000 rows.

Any field may be ``None``: a value the report did not give, or one that could not be read (the
report's ``problems`` then say which, where and what was sent). One odd value costs a field,
never the row or the report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter
from typing import NamedTuple, cast

# The documented field order: the CSV header, the JSON/XML element names.
FIELD_NAMES: tuple[str, ...] = (
    "report_date",
    "username",
    "computer_id",
    "computer_name",
    "backupset_name",
    "local_start",
    "local_end",
    "condition_status",
    "condition_types",
    "errors",
    "warnings",
)

RowKey = tuple[str | None, str | None, str | None]
"""(username, computer_id, backupset_name): identifies one backup set across reports.

``computer_id`` is opaque text, exactly as sent (``"0000"`` keeps its zeros). A key with an
unknown (``None``) part cannot identify a set across reports (see ``Report.missing_detectable``).
Built only by ``row_key`` and read by name through ``key_parts``: what identifies a set is
decided here, in one place (``KEY_FIELDS``, ``RowKey``, ``KeyParts``).
"""

KEY_FIELDS: tuple[str, ...] = ("username", "computer_id", "backupset_name")


class BackupStatusRow(NamedTuple):
    """One backup set's last run, exactly as the report states it.

    Datetimes keep the UTC offset the server sent: ``local_start``/``local_end`` are the backup
    *computer's* local times. ``local_end`` is ``None`` while a run has not ended.
    ``condition_status`` and each condition type are ``str``: the shared enum member when
    documented, the verbatim value otherwise (see ``report.status``). ``None`` anywhere means
    unknown: not sent, or unreadable (then the report has a ``ReadProblem`` for it).

    ``partner`` is not a report field: it is the Echo username of the partner whose report held
    the row, set by the client that fetched it (``None``: unknown, e.g. a row read back from
    history or a file). It comes last so positional code reading the documented fields keeps
    working; serialisation leaves it out of the documented shape (``FIELD_NAMES``).
    """

    report_date: datetime | None
    username: str | None
    computer_id: str | None
    computer_name: str | None
    backupset_name: str | None
    local_start: datetime | None
    local_end: datetime | None
    condition_status: str | None
    condition_types: tuple[str, ...] | None
    errors: int | None
    warnings: int | None
    partner: str | None = None

    @property
    def key(self) -> RowKey:
        return row_key(self)


row_key = cast(Callable[[BackupStatusRow], RowKey], itemgetter(*map(FIELD_NAMES.index, KEY_FIELDS)))
"""A row's ``RowKey``: the one definition of a set's identity. A C-level getter, as fast as
building the tuple by position, so hot loops over 100,000 rows use it too
(``map(row_key, rows)``, ``row_key(row)``)."""


class KeyParts(NamedTuple):
    """A ``RowKey`` read by name (``key_parts(key).backupset_name``), never by position."""

    username: str | None
    computer_id: str | None
    backupset_name: str | None


def key_parts(key: RowKey) -> KeyParts:
    return KeyParts._make(key)


key_username = cast(Callable[[RowKey], "str | None"], itemgetter(KEY_FIELDS.index("username")))
"""The customer (username) of a key: a C-level getter for loops over many keys."""


LEFT_BLANK = "left blank"
"""The outcome of a value that could not be read at all: the field is unknown (``None``)."""


@dataclass(frozen=True, slots=True)
class ReadProblem:
    """One value that could not be read as documented, and what the app made of it.

    ``row`` is the 1-based number of the row in the report as received (pages counted on), or
    ``None`` for the envelope and the document; ``field`` the documented field name ("row" when
    the whole row was not an object); ``raw`` the value as sent, shortened for display;
    ``reason`` what is wrong; ``outcome`` what is shown instead (``LEFT_BLANK`` when the field
    is unknown); ``partner`` whose report it was in, in a report of several partners.
    """

    row: int | None
    field: str
    raw: str
    reason: str
    outcome: str = LEFT_BLANK
    partner: str | None = None

    @property
    def blank(self) -> bool:
        """True when the field is unknown (``None``), not read under an assumption."""
        return self.outcome == LEFT_BLANK

    def line(self) -> str:
        """One line for stderr and the log: ``row 3, errors: "abc" (not a whole number; left
        blank)``, after ``resell1: `` when the report was one partner's among several."""
        if self.row is not None:
            where = f"row {self.row:,}, {self.field}"
        else:
            where = self.field if self.field == "document" else f"envelope, {self.field}"
        whose = "" if self.partner is None else f"{self.partner}: "
        return f"{whose}{where}: {self.raw} ({self.reason}; {self.outcome})"


@dataclass(frozen=True, slots=True)
class PartnerStatus:
    """One watched partner of a report of several: where it sits in the partner tree
    (``parent``, ``depth``), how its part stands (``state``: a ``report.merge.PartState``
    value) and, when not all of it is there, why in a sentence (``problem``) and the HTTP
    status of a refusal (``http_status``: 401 asks for a new token)."""

    partner: str
    parent: str | None = None
    depth: int = 0
    state: str = "complete"
    problem: str | None = None
    http_status: int | None = None


@dataclass(frozen=True, slots=True)
class Link:
    rel: str
    href: str


@dataclass(frozen=True, slots=True)
class Report:
    """A whole Backup Status Report: the rows plus the envelope and how it was obtained.

    ``fetched_at`` is an aware UTC datetime set by whoever fetched it; ``source`` says how
    (e.g. "json", "xml", "history"); ``fetch_seconds`` is the wall time of the fetch, when known.
    ``problems`` lists every value that could not be read (row numbers follow ``rows``: row
    ``n`` is ``rows[n - 1]``). ``incomplete`` says, in a sentence for the user, why the report
    lacks rows the server has (``count`` promised more, a page could not be fetched); ``None``
    when nothing is known to be missing. ``response`` describes the server's answer for a
    support bundle. ``partners``: in a report of several partners (``report.merge``), each
    watched partner in tree order; empty for one partner's own report.
    """

    rows: tuple[BackupStatusRow, ...]
    page: int = 1
    page_size: int = 0
    count: int = 0
    links: tuple[Link, ...] = ()
    fetched_at: datetime | None = None
    source: str = ""
    fetch_seconds: float | None = None
    extra: dict[str, str] = field(default_factory=dict)
    problems: tuple[ReadProblem, ...] = ()
    incomplete: str | None = None
    response: ResponseSample | None = None
    partners: tuple[PartnerStatus, ...] = ()

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def missing_detectable(self) -> bool:
        """Whether a set absent from this report may be called missing: only when the report
        is complete, the document was well formed, and every row's key could be read (an
        unreadable key could be any set)."""
        if self.incomplete is not None:
            return False
        return not any(p.field in _IN_DOUBT for p in self.problems)

    def missing_detectable_for(self, partner: str | None) -> bool:
        """Whether a set last listed by ``partner`` (``None``: the account's own, the first
        watched) and absent now may be called missing. In a report of several partners only
        when that partner's part is complete; otherwise as ``missing_detectable``."""
        if not self.partners:
            return self.missing_detectable
        name = self.partners[0].partner if partner is None else partner
        return any(p.partner == name and p.state == "complete" for p in self.partners)


_IN_DOUBT = frozenset((*KEY_FIELDS, "row", "document"))


@dataclass(frozen=True, slots=True)
class ResponseSample:
    """What a support bundle needs of the server's answer: how it was labelled and sized, and
    its beginning (``head``, at most ``HEAD_BYTES``, decompressed) to show the shapes sent."""

    content_type: str
    status: int
    size: int
    fmt: str
    head: bytes
    pages: int = 1


HEAD_BYTES = 512 * 1024
