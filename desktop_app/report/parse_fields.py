"""Field rules shared by the JSON and XML parsers: the careful path and the per-document caches.

Each parser has a fast loop that assumes a well-formed row and uses these caches as validators
(a value is only ever cached after it passed the checks here). When the fast loop meets anything
unusual it hands the row to :meth:`RowBuilder.checked_row`, which always builds the row: stray
whitespace in keys, numbers sent as text (or text as numbers) and any case of a documented
status are read as meant; a value that cannot be read leaves its field unknown (``None``) and is
recorded as a ``ReadProblem`` naming the row, the field and what was sent.

The documented rule for times (also in the README): times are ISO 8601 with a UTC offset, the
backup computer's local time. An empty string is "none" (a running set's ``local_end: ""``). A
time without an offset cannot say which zone it is in, so it is read as UTC and recorded as a
read problem (outcome "read as UTC"): the error is at most the computer's offset, the reading is
the same on every admin's machine and in every export, and the marker says it is approximate.
A date without a time is 00:00 UTC of that day; for ``report_date`` (a report's day) that is
normal and not recorded, for run times it is recorded like a missing offset.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, tzinfo

from desktop_app.report.rows import FIELD_NAMES, LEFT_BLANK, BackupStatusRow, ReadProblem
from desktop_app.report.status import (
    ConditionStatus,
    canonical_condition_type,
    canonical_status,
)

_FIELD_SET = frozenset(FIELD_NAMES)
_new_row = tuple.__new__
RAW_LIMIT = 60  # characters of a raw value kept in a read problem
_DATE_ONLY_LENGTH = len("2024-05-01")
READ_AS_UTC = "read as UTC"
LEFT_OUT = "left out"
UNREADABLE_ROW: BackupStatusRow = _new_row(BackupStatusRow, (None,) * (len(FIELD_NAMES) + 1))
"""The row kept for a list item that is not an object: every field unknown (the partner too;
``RowBuilder.checked_row`` gives its own partner's)."""


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a parser allocates ~1M container objects.

    Nothing built here forms reference cycles, yet each generation-2 pass walks every object
    created so far; pausing saved about a third of the parse time at 100k rows. Reference
    counting still frees everything; the previous state is restored even on error.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _plain_text(key: object) -> str:
    """``key`` when it is non-blank text needing no decoding; else ValueError (careful path)."""
    if type(key) is not str or not key.strip() or "&" in key or "\r" in key:
        raise ValueError(key)
    return key


def report_date_text(text: str) -> datetime:
    """A report date: with its offset, or a bare date as 00:00 UTC; ValueError otherwise."""
    parsed = datetime.fromisoformat(text.strip())
    if parsed.tzinfo is None:
        if len(text.strip()) != _DATE_ONLY_LENGTH:
            raise ValueError(text)  # a time without an offset: the careful path records it
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


class _Dates(dict[str, datetime]):
    """Report dates by their raw text: a miss parses the text, and fails for anything odd."""

    def __missing__(self, key: str) -> datetime:
        self[key] = parsed = report_date_text(_plain_text(key))
        return parsed


class _Texts(dict[str, str]):
    """Required non-blank texts (usernames, backup-set names), each kept once."""

    def __missing__(self, key: str) -> str:
        self[key] = text = _plain_text(key)
        return text


class _Ids(dict[object, str]):
    """Computer ids: text as sent (opaque: "0000" keeps its zeros), a whole number as its text."""

    def __missing__(self, key: object) -> str:
        text = str(key) if type(key) is int else _plain_text(key)
        self[key] = text
        return text


class _Statuses(dict[str, str]):
    """Raw status text -> the shared enum member, or the verbatim text when undocumented."""

    def __missing__(self, key: str) -> str:
        self[key] = status = canonical_status(_plain_text(key).strip())
        return status


class _TypeTuples(dict[tuple[str, ...], tuple[str, ...]]):
    """Raw condition-type names -> one shared tuple of canonical values."""

    def __init__(self) -> None:
        super().__init__()
        self._shared: dict[tuple[str, ...], tuple[str, ...]] = {}

    def __missing__(self, key: tuple[str, ...]) -> tuple[str, ...]:
        names = tuple(canonical_condition_type(_plain_text(name).strip()) for name in key)
        self[key] = shared = self.shared(names)
        return shared

    def shared(self, names: tuple[str, ...]) -> tuple[str, ...]:
        """An equal tuple already handed out, so identical tuples are one object."""
        return self._shared.setdefault(names, names)


class TextCounts(dict[str, int]):
    """XML count text -> int (``errors``/``warnings``)."""

    def __missing__(self, key: str) -> int:
        self[key] = number = int(_plain_text(key))
        if number < 0:
            del self[key]
            raise ValueError(key)
        return number


def value_kind(value: object) -> str:
    """A raw value's kind in words: "null", "a number", "a list"..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list | tuple):
        return "a list"
    return type(value).__name__


def shorten(value: object, limit: int = RAW_LIMIT) -> str:
    """A raw value for display: text quoted, anything else as JSON; at most ``limit`` chars."""
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
    else:
        try:
            text = json.dumps(value, ensure_ascii=False, default=str)
        except ValueError:  # a circular structure cannot come from a parser; be safe anyway
            text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class RowBuilder:
    """Per-document caches, the careful conversion of one row, and the problems found.

    The caches make 100k rows share one object per distinct value (report dates, usernames,
    names, computer ids, condition-type tuples), which is most of the memory saving.
    One builder serves one document; it is not shared between threads. ``partner`` is what
    every row it builds carries as ``BackupStatusRow.partner``.
    """

    __slots__ = (
        "backupset_names",
        "computer_ids",
        "condition_types",
        "partner",
        "problems",
        "report_dates",
        "statuses",
        "strings",
        "usernames",
        "zones",
    )

    def __init__(self, partner: str | None = None) -> None:
        self.partner = partner
        # Validator caches: a hit means the raw value already passed the checks below.
        # A miss checks the raw value itself; only odd values reach ``checked_row``.
        self.report_dates: dict[str, datetime] = _Dates()
        self.usernames: dict[str, str] = _Texts()
        self.backupset_names: dict[str, str] = _Texts()
        self.computer_ids: dict[object, str] = _Ids()
        self.statuses: dict[str, str] = _Statuses({m.value: m for m in ConditionStatus})
        self.condition_types = _TypeTuples()
        # Interning cache (values checked by the caller before use).
        self.strings: dict[str, str] = {}
        # One tzinfo per distinct UTC offset (a parsed date-time brings its own: 72 bytes).
        self.zones: dict[tzinfo | None, tzinfo | None] = {}
        self.problems: list[ReadProblem] = []

    def problem(
        self, row: int | None, field: str, raw: object, reason: str, outcome: str = LEFT_BLANK
    ) -> None:
        self.problems.append(ReadProblem(row, field, shorten(raw), reason, outcome))

    # -- the careful path ---------------------------------------------------------------------

    def checked_row(self, raw: object, row: int) -> BackupStatusRow:
        """Build one row from a mapping of field name to raw value; never raises.

        Values may be JSON values or XML text (``str``/``None``); condition types may also be a
        list or tuple of strings (or of ``{"condition_type": name}`` objects). What cannot be
        read is ``None`` and recorded in ``problems``; a ``raw`` that is not a mapping gives
        ``UNREADABLE_ROW``.
        """
        if not isinstance(raw, Mapping):
            self.problem(row, "row", raw, f"a row must be an object, not {value_kind(raw)}")
            return UNREADABLE_ROW._replace(partner=self.partner)
        fields = _stripped_keys(raw)
        return _new_row(
            BackupStatusRow,
            (
                self.report_date(fields.get("report_date"), row),
                self.required_text(fields, "username", row, self.usernames),
                self.computer_id(fields, row),
                self.computer_name(fields.get("computer_name"), row),
                self.required_text(fields, "backupset_name", row, self.backupset_names),
                self.local_time(fields.get("local_start"), "local_start", row),
                self.local_time(fields.get("local_end"), "local_end", row),
                self.status(fields, row),
                self.types(fields.get("condition_types"), row),
                self.count(fields.get("errors"), "errors", row),
                self.count(fields.get("warnings"), "warnings", row),
                self.partner,
            ),
        )

    def report_date(self, value: object, row: int) -> datetime | None:
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            self.problem(row, "report_date", value, f"expected a date, got {value_kind(value)}")
            return None
        cached = self.report_dates.get(value)
        if cached is not None:
            return cached
        try:
            parsed = report_date_text(value)
        except ValueError:
            return self._time_text(value, "report_date", row)
        self.report_dates[value] = parsed
        return parsed

    def local_time(self, value: object, name: str, row: int) -> datetime | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None  # "none": a running set's end is documented as ""
        if not isinstance(value, str):
            self.problem(row, name, value, f"expected a date-time, got {value_kind(value)}")
            return None
        return self._time_text(value, name, row)

    def _time_text(self, value: str, name: str, row: int) -> datetime | None:
        """The module docstring's rule for a time that is not plainly ISO 8601 with offset."""
        text = value.strip()
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            self.problem(row, name, value, "not an ISO 8601 date-time")
            return None
        if parsed.tzinfo is not None:
            zone = self.zones.setdefault(parsed.tzinfo, parsed.tzinfo)
            return parsed if zone is parsed.tzinfo else parsed.replace(tzinfo=zone)
        if len(text) == _DATE_ONLY_LENGTH:
            if name != "report_date":
                self.problem(row, name, value, "a date without a time of day", READ_AS_UTC)
        else:
            self.problem(row, name, value, "no UTC offset", READ_AS_UTC)
        return parsed.replace(tzinfo=UTC)

    def required_text(
        self, fields: Mapping[str, object], name: str, row: int, cache: dict[str, str]
    ) -> str | None:
        """A key's text part: missing, blank or not text is a read problem."""
        if name not in fields or fields[name] is None:
            self.problem(row, name, fields.get(name), "missing")
            return None
        value = text_value(fields[name])
        if value is None:
            self.problem(row, name, fields[name], f"expected text, got {value_kind(fields[name])}")
            return None
        if not value.strip():
            self.problem(row, name, value, "empty")
            return None
        return cache.setdefault(value, value)

    def computer_name(self, value: object, row: int) -> str | None:
        if value is None:
            return None
        text = text_value(value)
        if text is None:
            self.problem(row, "computer_name", value, f"expected text, got {value_kind(value)}")
            return None
        return self.strings.setdefault(text, text)

    def computer_id(self, fields: Mapping[str, object], row: int) -> str | None:
        """Opaque text as sent; a number is accepted as its text (``17`` -> ``"17"``)."""
        value = fields.get("computer_id")
        if value is None:
            self.problem(row, "computer_id", value, "missing")
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = text_value(value)
        if text is None or isinstance(value, float):
            self.problem(row, "computer_id", value, f"expected an id, got {value_kind(value)}")
            return None
        if not text.strip():
            self.problem(row, "computer_id", value, "empty")
            return None
        return self.computer_ids.setdefault(text, text)

    def count(self, value: object, name: str, row: int) -> int | None:
        """A whole number >= 0; missing, null or "" is unknown (not 0), without a problem."""
        if value is None or value == "":
            return None
        number = _integer(value)
        if number is None:
            self.problem(row, name, value, "not a whole number")
            return None
        if number < 0:
            self.problem(row, name, value, "a count cannot be negative")
            return None
        return number

    def status(self, fields: Mapping[str, object], row: int) -> str | None:
        value = fields.get("condition_status")
        if value is None:
            self.problem(row, "condition_status", value, "missing")
            return None
        if not isinstance(value, str):
            self.problem(row, "condition_status", value, f"expected text, got {value_kind(value)}")
            return None
        text = value.strip()
        if not text:
            self.problem(row, "condition_status", value, "empty")
            return None
        status = canonical_status(text)
        self.statuses[value] = status
        return status

    def types(self, value: object, row: int) -> tuple[str, ...] | None:
        """The condition types; an unreadable item is left out (and recorded), an unreadable
        field is unknown."""
        if value is None:
            return ()
        if isinstance(value, str):
            items: list[object] = [value] if value.strip() else []
        elif isinstance(value, list | tuple):
            items = list(value)
        else:
            self.problem(
                row, "condition_types", value, f"expected a list of names, got {value_kind(value)}"
            )
            return None
        names: list[str] = []
        for item in items:
            name = _stripped_keys(item).get("condition_type") if isinstance(item, Mapping) else item
            if not isinstance(name, str) or not name.strip():
                self.problem(
                    row,
                    "condition_types",
                    item,
                    f"a condition type must be a name, not {value_kind(name)}",
                    LEFT_OUT,
                )
                continue
            names.append(name)
        return self.types_tuple(tuple(names))

    def types_tuple(self, raw: tuple[str, ...]) -> tuple[str, ...]:
        """The shared canonical tuple for already-checked raw names (cached)."""
        cached = self.condition_types.get(raw)
        if cached is None:
            names = tuple(canonical_condition_type(name.strip()) for name in raw)
            cached = self.condition_types[raw] = self.condition_types.shared(names)
        return cached

    # -- the envelope -----------------------------------------------------------------------

    def envelope_number(self, value: object, name: str, default: int) -> int:
        """``page``/``page_size``/``count``: missing means the default, and so does a value
        that cannot be read (recorded as a problem of the envelope)."""
        if value is None or value == "":
            return default
        number = _integer(value)
        if number is None or number < 0:
            self.problem(None, name, value, "not a whole number >= 0", f"read as {default}")
            return default
        return number


def text_value(value: object) -> str | None:
    """Text as is, a number as its text (a name sent as a number is still readable)."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _stripped_keys(raw: Mapping[object, object]) -> Mapping[str, object]:
    """The row with surrounding whitespace removed from its keys (the docs have "key ")."""
    if all(key in _FIELD_SET for key in raw):
        return raw  # type: ignore[return-value]
    fields: dict[str, object] = {key: value for key, value in raw.items() if key in _FIELD_SET}
    for key, value in raw.items():
        name = key.strip() if isinstance(key, str) else str(key)
        fields.setdefault(name, value)  # an exact key wins over a padded duplicate
    return fields


def _integer(value: object) -> int | None:
    """An int from an int, an integral float, or a numeric string; never from a bool."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None
