"""Field rules shared by the JSON and XML parsers: the careful path and the per-document caches.

Each parser has a fast loop that assumes a well-formed row and uses these caches as validators
(a value is only ever cached after it passed the checks here). When the fast loop meets anything
unusual it hands the row to :meth:`RowBuilder.checked_row`, which either builds the row anyway
(stray whitespace in keys, numeric strings, a running job without an end time) or raises a
``ParseError`` that names the row and the field.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime

from desktop_app.report.errors import ParseError
from desktop_app.report.rows import FIELD_NAMES, BackupStatusRow
from desktop_app.report.status import (
    ConditionStatus,
    canonical_condition_type,
    canonical_status,
)

_FIELD_SET = frozenset(FIELD_NAMES)
_new_row = tuple.__new__


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


class _Dates(dict[str, datetime]):
    """Report dates by their raw text: a miss parses the text, and fails for anything odd."""

    def __missing__(self, key: str) -> datetime:
        self[key] = parsed = datetime.fromisoformat(_plain_text(key).strip())
        return parsed


class _Texts(dict[str, str]):
    """Required non-blank texts (usernames, backup-set names), each kept once."""

    def __missing__(self, key: str) -> str:
        self[key] = text = _plain_text(key)
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


def _type_name(value: object) -> str:
    return "null" if value is None else type(value).__name__


class RowBuilder:
    """Per-document caches plus the slow, fully checked conversion of one row.

    The caches make 100k rows share one object per distinct value (report dates, usernames,
    names, computer ids, condition-type tuples), which is most of the memory saving.
    One builder serves one document; it is not shared between threads.
    """

    __slots__ = (
        "backupset_names",
        "computer_ids",
        "condition_types",
        "report_dates",
        "statuses",
        "strings",
        "usernames",
    )

    def __init__(self) -> None:
        # Validator caches: a hit means the raw value already passed the checks below.
        # A miss checks the raw value itself; only odd values reach ``checked_row``.
        self.report_dates: dict[str, datetime] = _Dates()
        self.usernames: dict[str, str] = _Texts()
        self.backupset_names: dict[str, str] = _Texts()
        self.statuses: dict[str, str] = _Statuses({m.value: m for m in ConditionStatus})
        self.condition_types = _TypeTuples()
        # Interning caches (values checked by the caller before use).
        self.strings: dict[str, str] = {}
        self.computer_ids: dict[int, int] = {}

    # -- the careful path ---------------------------------------------------------------------

    def checked_row(self, raw: object, row: int) -> BackupStatusRow:
        """Build one row from a mapping of field name to raw value, or raise ``ParseError``.

        Values may be JSON values or XML text (``str``/``None``); condition types may also be a
        list or tuple of strings.
        """
        if not isinstance(raw, Mapping):
            raise ParseError(f"a row must be an object, got {_type_name(raw)}", row=row)
        fields = _stripped_keys(raw)
        return _new_row(
            BackupStatusRow,
            (
                self.report_date(fields, row),
                self.required_str(fields, "username", row, self.usernames),
                self.computer_id(fields, row),
                self.computer_name(fields, row),
                self.required_str(fields, "backupset_name", row, self.backupset_names),
                self.local_time(fields, "local_start", row),
                self.local_time(fields, "local_end", row),
                self.status(fields, row),
                self.types(fields, row),
                self.count(fields, "errors", row),
                self.count(fields, "warnings", row),
            ),
        )

    def report_date(self, fields: Mapping[str, object], row: int) -> datetime:
        value = _required(fields, "report_date", row)
        if not isinstance(value, str):
            raise ParseError(
                f"expected an ISO 8601 date or datetime, got {_type_name(value)}",
                row=row,
                field="report_date",
            )
        cached = self.report_dates.get(value)
        if cached is not None:
            return cached
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ParseError(
                f"not an ISO 8601 date or datetime: {value!r}", row=row, field="report_date"
            ) from None
        self.report_dates[value] = parsed
        return parsed

    def required_str(
        self, fields: Mapping[str, object], name: str, row: int, cache: dict[str, str]
    ) -> str:
        value = _required(fields, name, row)
        if not isinstance(value, str):
            raise ParseError(f"expected text, got {_type_name(value)}", row=row, field=name)
        if not value.strip():
            raise ParseError(f"empty field {name!r}", row=row, field=name)
        return cache.setdefault(value, value)

    def computer_name(self, fields: Mapping[str, object], row: int) -> str:
        value = fields.get("computer_name")
        if value is None:
            return ""
        if not isinstance(value, str):
            raise ParseError(
                f"expected text, got {_type_name(value)}", row=row, field="computer_name"
            )
        return self.strings.setdefault(value, value)

    def computer_id(self, fields: Mapping[str, object], row: int) -> int:
        value = _integer(_required(fields, "computer_id", row), row, "computer_id")
        return self.computer_ids.setdefault(value, value)

    def count(self, fields: Mapping[str, object], name: str, row: int) -> int:
        value = fields.get(name)
        if value is None or value == "":
            return 0
        number = _integer(value, row, name)
        if number < 0:
            raise ParseError(f"a count cannot be negative: {number}", row=row, field=name)
        return number

    def local_time(self, fields: Mapping[str, object], name: str, row: int) -> datetime | None:
        value = fields.get(name)
        if value is None:
            return None
        if not isinstance(value, str):
            raise ParseError(
                f"expected an ISO 8601 datetime, got {_type_name(value)}", row=row, field=name
            )
        text = value.strip()
        if not text:
            return None
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise ParseError(f"not an ISO 8601 datetime: {value!r}", row=row, field=name) from None
        if parsed.tzinfo is None:
            # The computer's local time is meaningless without its offset; do not guess one.
            raise ParseError(f"datetime has no UTC offset: {value!r}", row=row, field=name)
        return parsed

    def status(self, fields: Mapping[str, object], row: int) -> str:
        value = _required(fields, "condition_status", row)
        if not isinstance(value, str):
            raise ParseError(
                f"expected text, got {_type_name(value)}", row=row, field="condition_status"
            )
        text = value.strip()
        if not text:
            raise ParseError("empty field 'condition_status'", row=row, field="condition_status")
        status = canonical_status(text)
        self.statuses[value] = status
        return status

    def types(self, fields: Mapping[str, object], row: int) -> tuple[str, ...]:
        value = fields.get("condition_types")
        if value is None:
            return ()
        if isinstance(value, str):
            items: list[object] = [value] if value.strip() else []
        elif isinstance(value, list | tuple):
            items = list(value)
        else:
            raise ParseError(
                f"expected a list of condition types, got {_type_name(value)}",
                row=row,
                field="condition_types",
            )
        names: list[str] = []
        for item in items:
            if isinstance(item, Mapping):
                item = _stripped_keys(item).get("condition_type")
            if not isinstance(item, str) or not item.strip():
                raise ParseError(
                    f"a condition type must be non-empty text, got {item!r}",
                    row=row,
                    field="condition_types",
                )
            names.append(item)
        return self.types_tuple(tuple(names))

    def types_tuple(self, raw: tuple[str, ...]) -> tuple[str, ...]:
        """The shared canonical tuple for already-checked raw names (cached)."""
        cached = self.condition_types.get(raw)
        if cached is None:
            names = tuple(canonical_condition_type(name.strip()) for name in raw)
            cached = self.condition_types[raw] = self.condition_types.shared(names)
        return cached


def _stripped_keys(raw: Mapping[object, object]) -> Mapping[str, object]:
    """The row with surrounding whitespace removed from its keys (the docs have "key ")."""
    if all(key in _FIELD_SET for key in raw):
        return raw  # type: ignore[return-value]
    fields: dict[str, object] = {key: value for key, value in raw.items() if key in _FIELD_SET}
    for key, value in raw.items():
        name = key.strip() if isinstance(key, str) else str(key)
        fields.setdefault(name, value)  # an exact key wins over a padded duplicate
    return fields


def _required(fields: Mapping[str, object], name: str, row: int) -> object:
    if name not in fields:
        raise ParseError(f"missing field {name!r}", row=row, field=name)
    value = fields[name]
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ParseError(f"missing field {name!r}", row=row, field=name)
    return value


def _integer(value: object, row: int, name: str) -> int:
    """An int from an int, an integral float, or a numeric string; never from a bool."""
    if isinstance(value, bool):
        raise ParseError(f"expected a whole number, got {value!r}", row=row, field=name)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise ParseError(f"expected a whole number, got {value!r}", row=row, field=name)


def envelope_number(value: object, name: str, default: int) -> int:
    """``page``/``page_size``/``count``: missing means the default; anything else must be >= 0."""
    if value is None or value == "":
        return default
    try:
        number = _integer(value, 0, name)
    except ParseError:
        raise ParseError(f"envelope field {name!r} is not a whole number: {value!r}") from None
    if number < 0:
        raise ParseError(f"envelope field {name!r} cannot be negative: {number}")
    return number
