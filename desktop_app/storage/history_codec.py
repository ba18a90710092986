"""How the history database stores a row, and how a stored state becomes a row again.

Split from ``storage.history`` so the store (recording) and its reader (queries) share one
encoding: times as POSIX seconds plus the UTC offset in minutes they were reported with,
condition types joined by a unit separator, statuses canonical when read back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from operator import itemgetter
from typing import Any, cast

from desktop_app.report.rows import FIELD_NAMES, BackupStatusRow, RowKey, key_parts
from desktop_app.report.status import canonical_condition_type, canonical_status

__all__ = [
    "STATE_COLUMNS",
    "Content",
    "aware_ts",
    "content_of",
    "from_ts",
    "numeric_form",
    "parse_status",
    "parse_types",
    "row_from_state",
    "state_values",
    "zone_of",
]

_TYPES_SEPARATOR = "\x1f"

Content = tuple[Any, ...]  # local_start, local_end, status, types, errors, warnings
# A row's content, what a state holds: the report's fields from the start time on (the row's
# partner, after them, is not content).
content_of = cast(
    Callable[[BackupStatusRow], Content],
    itemgetter(slice(FIELD_NAMES.index("local_start"), len(FIELD_NAMES))),
)


def aware_ts(value: datetime) -> float:
    if value.tzinfo is None:
        raise ValueError("history times must be timezone-aware")
    return value.timestamp()


def from_ts(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


_ZONES: dict[int, tzinfo] = {0: UTC}


def zone_of(minutes: int) -> tzinfo:
    """Shared ``timezone`` objects per offset: rebuilt rows share them like parsed ones do."""
    zone = _ZONES.get(minutes)
    if zone is None:
        zone = _ZONES[minutes] = timezone(timedelta(minutes=minutes))
    return zone


def _seconds(value: datetime) -> int | float:
    """POSIX seconds, as an ``int`` when whole (smaller in SQLite, exact either way)."""
    ts = value.timestamp()
    return int(ts) if ts.is_integer() else ts


def _offset_minutes(value: datetime) -> int:
    offset = value.utcoffset()
    return 0 if offset is None else int(offset.total_seconds() // 60)


def _local(ts: float | None, offset: int | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, zone_of(offset or 0))


def parse_types(text: str | None) -> tuple[str, ...] | None:
    if text is None:
        return None
    return tuple(canonical_condition_type(t) for t in text.split(_TYPES_SEPARATOR)) if text else ()


def parse_status(text: str | None) -> str | None:
    return None if text is None else canonical_status(text)


def numeric_form(key: RowKey) -> RowKey | None:
    """The key as a version 1-2 database stored it: the id as a plain number's text."""
    parts = key_parts(key)
    cid = parts.computer_id
    if cid is None or not (cid.isascii() and cid.isdigit()):
        return None
    return parts._replace(computer_id=str(int(cid)))


STATE_COLUMNS = (
    "s.report_date, s.computer_name, s.start_ts, s.start_offset, s.end_ts, s.end_offset,"
    " s.condition_status, s.condition_types, s.errors, s.warnings"
)


def _memo_offset(value: datetime, offsets: dict[Any, int]) -> int:
    """The offset in minutes; memoised for fixed-offset zones only (a DST zone's varies)."""
    zone = value.tzinfo
    offset = offsets.get(zone)
    if offset is None:
        offset = _offset_minutes(value)
        if type(zone) is timezone:
            offsets[zone] = offset
    return offset


def state_values(row: BackupStatusRow, offsets: dict[Any, int]) -> tuple[Any, ...]:
    """The ``state`` columns after (set_id, observed_at) for ``row``; ``offsets`` is a memo of
    minutes per ``tzinfo`` (rows share their zone objects, so it stays tiny)."""
    start, end = row.local_start, row.local_end
    if start is not None:
        start_values: tuple[Any, Any] = (_seconds(start), _memo_offset(start, offsets))
    else:
        start_values = (None, None)
    if end is not None:
        end_values: tuple[Any, Any] = (_seconds(end), _memo_offset(end, offsets))
    else:
        end_values = (None, None)
    status, types = row.condition_status, row.condition_types
    return (
        None if row.report_date is None else _seconds(row.report_date),
        row.computer_name,
        *start_values,
        *end_values,
        None if status is None else str(status),
        None if types is None else _TYPES_SEPARATOR.join(types),
        row.errors,
        row.warnings,
    )


def row_from_state(key: RowKey, values: Iterable[Any]) -> BackupStatusRow:
    """Rebuild a row from ``key`` and the ``STATE_COLUMNS``; ``report_date`` comes back in UTC."""
    report_date, computer_name, st, so, et, eo, status, types, errors, warnings = values
    parts = key_parts(key)
    return BackupStatusRow(
        from_ts(report_date),
        parts.username,
        parts.computer_id,
        computer_name,
        parts.backupset_name,
        _local(st, so),
        _local(et, eo),
        parse_status(status),
        parse_types(types),
        errors,
        warnings,
    )
