"""Field rules shared by the JSON and XML parsers: the careful path and the per-document caches.

Each parser has a fast loop that assumes a well-formed row and uses these caches as validators
(a value is only ever cached after it passed the checks here). When the fast loop meets anything
unusual it hands the row to :meth:`RowBuilder.checked_row`, which either builds the row anyway
(stray whitespace in keys, numeric strings, a running job without an end time) or raises a
``ParseError`` that names the row and the field.
"""

from __future__ import annotations

from collections.abc import Mapping
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


def _type_name(value: object) -> str:
    return "null" if value is None else type(value).__name__


class RowBuilder:
    """Per-document caches plus the slow, fully checked conversion of one row.

    The caches make 100k rows share one object per distinct value (report dates, usernames,
    backup-set names, condition-type tuples, time zones), which is most of the memory saving.
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
        "xml_counts",
    )

    def __init__(self) -> None:
        # Validator caches: a hit means the raw value already passed the checks below.
        self.report_dates: dict[str, datetime] = {}
        self.usernames: dict[str, str] = {}
        self.backupset_names: dict[str, str] = {}
        self.statuses: dict[str, str] = {m.value: m for m in ConditionStatus}
        self.condition_types: dict[tuple[str, ...], tuple[str, ...]] = {}
        # Interning caches (values checked by the caller before use).
        self.strings: dict[str, str] = {}
        self.computer_ids: dict[int, int] = {}
        # XML carries numbers as text: raw text -> checked int.
        self.xml_counts: dict[str, int] = {}

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
            cached = tuple(canonical_condition_type(name.strip()) for name in raw)
            # Identical canonical tuples are one object whatever their raw spelling.
            for existing in self.condition_types.values():
                if existing == cached:
                    cached = existing
                    break
            self.condition_types[raw] = cached
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
