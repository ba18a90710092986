"""Plain-text renderings of report times, durations and ages (no Qt: reusable by any view).

Report times are the backup *computer's* local times with their UTC offset; the admin usually
sits in another zone, so the UI shows both: the computer's wall clock (with its offset) and the
same instant in the admin's zone.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

MINUS = "\N{MINUS SIGN}"
NO_VALUE = "—"


def format_offset(offset: timedelta | None) -> str:
    """``UTC+01:00`` / ``UTC−05:00`` (true minus sign); ``UTC`` for a missing offset."""
    if offset is None:
        return "UTC"
    total = int(offset.total_seconds())
    sign = "+" if total >= 0 else MINUS
    hours, rest = divmod(abs(total), 3600)
    minutes = rest // 60
    return f"UTC{sign}{hours:02d}:{minutes:02d}"


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


def format_span(
    seconds: float, *, precise: bool = True, days: bool = True, hour_minutes: bool = True
) -> str:
    """The one rendering of a non-negative amount of time, in the styles the app needs.

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


def format_duration(span: timedelta | None) -> str:
    """Compact and readable: ``42 s``, ``12 min``, ``2 h 05 min``, ``3 d 4 h``.

    A negative span (an end before its start, i.e. bad data or clock skew) is shown as such
    rather than hidden.
    """
    if span is None:
        return NO_VALUE
    seconds = span.total_seconds()
    if seconds < 0:
        return f"{MINUS}{format_span(-seconds)}"
    return format_span(seconds)


def run_duration(start: datetime | None, end: datetime | None, now: datetime) -> timedelta | None:
    """How long the run took, or has taken so far when it has not ended; None without a start."""
    if start is None:
        return None
    return (end if end is not None else now) - start


def format_run_duration(start: datetime | None, end: datetime | None, now: datetime) -> str:
    """``1 h 05 min``; a run still going reads ``1 h 05 min so far``."""
    span = run_duration(start, end, now)
    if span is None:
        return NO_VALUE
    text = format_duration(span)
    return text if end is not None else f"{text} so far"


def format_age(ended: datetime | None, now: datetime) -> str:
    """Time since the run ended: ``3 h 20 min ago``; ``still running`` with no end yet."""
    if ended is None:
        return "still running"
    span = now - ended
    if span < timedelta(0):
        return f"{format_duration(-span)} in the future (clock skew?)"
    if span < timedelta(minutes=1):
        return "just now"
    return f"{format_duration(span)} ago"
