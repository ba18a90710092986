"""Plain-text renderings of report times, durations and ages (no Qt: reusable by any view).

One visible rule for times. Report times are the backup *computer's* local times with their UTC
offset; the admin usually sits elsewhere, and three rows that ended "< 1 min" ago must not read
22:09, 01:08 and 01:08. So the table shows every time in one zone, the admin's own by default
(``LOCAL``), or each computer's own wall clock with its offset (``COMPUTER``, a setting); the
column header names the choice. Everything that is copied as text carries the offset, and the
detail pane shows both (computer's and admin's) with offsets.

One formatter for each amount of time: ``format_age`` (how long ago) and ``format_duration``
(how long a run took) are used by the table, its tooltips, the detail pane and copies alike.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import Final

from desktop_app.storage.settings_fields import TIME_MODES as TIME_MODES

MINUS = "\N{MINUS SIGN}"
NO_VALUE = "—"

LOCAL, COMPUTER = TIME_MODES
"""The admin's own zone (this computer's) / each backup computer's own clock, with its offset."""
TIME_MODE_TITLES: Final = {LOCAL: "your time", COMPUTER: "computer's time"}


def format_offset(offset: timedelta | None) -> str:
    """``UTC+01:00`` / ``UTC−05:00`` (true minus sign); ``UTC`` for a missing offset."""
    if offset is None:
        return "UTC"
    total = int(offset.total_seconds())
    sign = "+" if total >= 0 else MINUS
    hours, rest = divmod(abs(total), 3600)
    minutes = rest // 60
    return f"UTC{sign}{hours:02d}:{minutes:02d}"


def _short_offset(offset: timedelta | None) -> str:
    """``−05:00`` for the table's compact cells."""
    return format_offset(offset).removeprefix("UTC") or "+00:00"


def format_computer_time(value: datetime | None) -> str:
    """The wall-clock time as sent, with its offset: ``2026-11-25 22:14 (UTC−05:00)``."""
    if value is None:
        return NO_VALUE
    return f"{value:%Y-%m-%d %H:%M} ({format_offset(value.utcoffset())})"


def _zone_label(value: datetime) -> str:
    """A short zone abbreviation (``CET``) when the zone has one, else the numeric offset.

    Windows reports long names ("W. Europe Standard Time") and fixed-offset zones report
    "UTC+01:00"; neither reads well after a time, so both fall back to the offset form.
    """
    name = value.tzname() or ""
    if name.isalpha() and name.isupper() and 2 <= len(name) <= 5 and name != "UTC":
        return name
    if name == "UTC" and value.utcoffset() == timedelta(0):
        return "UTC"
    return f"({format_offset(value.utcoffset())})"


def to_admin_time(value: datetime, local_tz: tzinfo | None = None) -> datetime:
    """The same instant in the admin's zone; ``None`` means the system's local zone.

    ``astimezone()`` without an argument picks the local zone's offset *for that instant*, so
    daylight saving time is right for past dates too.
    """
    return value.astimezone(local_tz) if local_tz is not None else value.astimezone()


def format_admin_time(value: datetime | None, local_tz: tzinfo | None = None) -> str:
    """``2026-11-26 04:14 CET`` or ``2026-11-26 04:14 (UTC+01:00)``."""
    if value is None:
        return NO_VALUE
    local = to_admin_time(value, local_tz)
    return f"{local:%Y-%m-%d %H:%M} {_zone_label(local)}"


def format_admin_time_long(value: datetime | None, local_tz: tzinfo | None = None) -> str:
    """With the offset even when the zone has a name: ``2026-11-26 04:14 CET (UTC+01:00)``."""
    if value is None:
        return NO_VALUE
    local = to_admin_time(value, local_tz)
    label = _zone_label(local)
    offset = f"({format_offset(local.utcoffset())})"
    plain = label in (offset, "UTC")  # already an offset, or UTC itself
    return f"{local:%Y-%m-%d %H:%M} {label}" + ("" if plain else f" {offset}")


def format_report_date(value: datetime | None) -> str:
    """A report date in the zone it was sent in, always labelled: ``2026-11-30 00:00 UTC``."""
    if value is None:
        return NO_VALUE
    return f"{value:%Y-%m-%d %H:%M} {_zone_label(value)}"


def format_table_time(value: datetime | None, mode: str, local_tz: tzinfo | None = None) -> str:
    """A table cell: ``2026-11-26 04:14`` in the admin's zone (the header says so), or the
    computer's ``2026-11-25 22:14 −05:00`` (each row its own offset, so it is in the cell)."""
    if value is None:
        return NO_VALUE
    if mode == COMPUTER:
        return f"{value:%Y-%m-%d %H:%M} {_short_offset(value.utcoffset())}"
    return f"{to_admin_time(value, local_tz):%Y-%m-%d %H:%M}"


def format_copied_time(value: datetime | None, mode: str, local_tz: tzinfo | None = None) -> str:
    """What a copy (Ctrl+C) holds: the table's time with its UTC offset, whatever the mode."""
    if value is None:
        return NO_VALUE
    shown = value if mode == COMPUTER else to_admin_time(value, local_tz)
    return f"{shown:%Y-%m-%d %H:%M} {format_offset(shown.utcoffset())}"


def format_span(
    seconds: float, *, precise: bool = True, days: bool = True, hour_minutes: bool = True
) -> str:
    """The rendering of a non-negative amount of time behind ``format_age`` and
    ``format_duration``.

    ``precise``: under a minute reads ``42 s`` (else ``< 1 min``). ``hour_minutes``: hours keep
    their minutes, ``2 h 05 min`` (else ``2 h``, and whole days drop ``0 h``: ``3 d``).
    ``days``: from 24 h on, ``3 d 4 h`` (else hours keep counting: ``52 h 10 min``).
    """
    whole = max(0, int(seconds))
    minutes = whole // 60
    if minutes < 1:
        return f"{whole} s" if precise else "< 1 min"
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24 or not days:
        return f"{hours} h {minutes:02d} min" if hour_minutes else f"{hours} h"
    day_count, hours = divmod(hours, 24)
    if hours == 0 and not hour_minutes:
        return f"{day_count} d"
    return f"{day_count} d {hours} h"


def _signed(seconds: float, render: str) -> str:
    return f"{MINUS}{render}" if seconds < 0 else render


def format_age(seconds: float | None) -> str:
    """How long ago, coarse so a column reads at a glance: ``< 1 min``, ``12 min``, ``3 h``,
    ``2 d 4 h``; ``—`` when unknown. A negative age (an end in the future: clock skew) keeps
    its minus sign rather than hiding the bad data."""
    if seconds is None:
        return NO_VALUE
    return _signed(seconds, format_span(abs(seconds), precise=False, hour_minutes=False))


def format_duration(seconds: float | None) -> str:
    """How long a run took: ``42 s``, ``12 min``, ``1 h 05 min``; hours keep counting
    (``52 h 10 min``) so long runs compare at a glance; ``—`` when unknown; negative (an end
    before its start) shown with its minus sign."""
    if seconds is None:
        return NO_VALUE
    return _signed(seconds, format_span(abs(seconds), days=False))


def seconds_between(start: datetime | None, end: datetime | None) -> float | None:
    """``end - start`` in seconds; ``None`` when either is unknown."""
    if start is None or end is None:
        return None
    return (end - start).total_seconds()


def format_run_duration(start: datetime | None, end: datetime | None, now: datetime) -> str:
    """``1 h 05 min``; a run still going reads ``1 h 05 min so far``."""
    if start is None:
        return NO_VALUE
    text = format_duration(seconds_between(start, end if end is not None else now))
    return text if end is not None else f"{text} so far"
