"""The report table's columns and how each cell reads as text.

Qt-free on purpose: the table model, CSV export of "what the view shows" and copy-to-clipboard
all format cells through :func:`cell_text`, so they can never disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import IntEnum

from desktop_app.report.derived import MISSING, STALE
from desktop_app.report.rows import BackupStatusRow
from desktop_app.report.status import explain_condition_type, is_known_status
from desktop_app.report.view_keys import SortField
from desktop_app.ui.time_format import NO_VALUE, format_admin_time, format_offset, format_span

MISSING_TEXT = "Missing"
"""The Status cell of a missing set's row (its last known status is in the tooltip)."""
FLAG_TITLE = "Stale or missing"
"""The export's extra column: "Stale", "Missing" or empty (see :func:`flag_text`)."""
_FLAG_TEXTS = {MISSING: "Missing", STALE: "Stale"}


class Column(IntEnum):
    """Columns in display order. ``title``, ``description``, ``sort_field``, ``numeric``."""

    STATUS = 0
    CUSTOMER = 1
    COMPUTER = 2
    BACKUP_SET = 3
    STARTED = 4
    ENDED = 5
    DURATION = 6
    AGE = 7
    ERRORS = 8
    WARNINGS = 9
    CONDITION_TYPES = 10

    @property
    def title(self) -> str:
        return _TITLES[self]

    @property
    def description(self) -> str:
        return _DESCRIPTIONS[self]

    @property
    def sort_field(self) -> SortField:
        return _SORT_FIELDS[self]

    @property
    def numeric(self) -> bool:
        """Numbers and amounts of time read best right-aligned."""
        return self in _NUMERIC


_TITLES: dict[Column, str] = {
    Column.STATUS: "Status",
    Column.CUSTOMER: "Customer",
    Column.COMPUTER: "Computer",
    Column.BACKUP_SET: "Backup set",
    Column.STARTED: "Started",
    Column.ENDED: "Ended",
    Column.DURATION: "Duration",
    Column.AGE: "Age",
    Column.ERRORS: "Errors",
    Column.WARNINGS: "Warnings",
    Column.CONDITION_TYPES: "Condition types",
}

_DESCRIPTIONS: dict[Column, str] = {
    Column.STATUS: "Outcome of the backup set's last run",
    Column.CUSTOMER: "Customer account (username)",
    Column.COMPUTER: "Computer name",
    Column.BACKUP_SET: "Backup set name",
    Column.STARTED: "When the last run started, in the computer's own time",
    Column.ENDED: "When the last run ended, in the computer's own time",
    Column.DURATION: "How long the last run took",
    Column.AGE: "How long ago the last run ended",
    Column.ERRORS: "Errors reported by the last run",
    Column.WARNINGS: "Warnings reported by the last run",
    Column.CONDITION_TYPES: "Detail conditions of the last run",
}

_SORT_FIELDS: dict[Column, SortField] = {
    Column.STATUS: SortField.STATUS,
    Column.CUSTOMER: SortField.USERNAME,
    Column.COMPUTER: SortField.COMPUTER_NAME,
    Column.BACKUP_SET: SortField.BACKUPSET_NAME,
    Column.STARTED: SortField.LOCAL_START,
    Column.ENDED: SortField.LOCAL_END,
    Column.DURATION: SortField.DURATION,
    Column.AGE: SortField.AGE,
    Column.ERRORS: SortField.ERRORS,
    Column.WARNINGS: SortField.WARNINGS,
    Column.CONDITION_TYPES: SortField.CONDITION_TYPES,
}

_NUMERIC = frozenset({Column.DURATION, Column.AGE, Column.ERRORS, Column.WARNINGS})


# --- value formatting ------------------------------------------------------------------------
def status_text(status: str | None) -> str:
    """ "Failure" for a documented status; an undocumented one verbatim, so it is recognisable;
    an unreadable one empty."""
    if status is None:
        return ""
    return status.capitalize() if is_known_status(status) else status


def format_local_time(value: datetime | None) -> str:
    """Compact, in the computer's own time (the offset the report sent): "2026-11-25 22:14"."""
    return NO_VALUE if value is None else value.strftime("%Y-%m-%d %H:%M")


def format_local_time_long(value: datetime | None) -> str:
    """With seconds and UTC offset, for tooltips: "2026-11-25 22:14:03 UTC+01:00"."""
    if value is None:
        return NO_VALUE
    offset = value.utcoffset()
    offset_text = format_offset(offset) if offset is not None else "no UTC offset"
    return f"{value:%Y-%m-%d %H:%M:%S} {offset_text}"


def duration_seconds(row: BackupStatusRow) -> float | None:
    if row.local_start is None or row.local_end is None:
        return None
    return (row.local_end - row.local_start).total_seconds()


def age_seconds(row: BackupStatusRow, now: datetime) -> float | None:
    return None if row.local_end is None else (now - row.local_end).total_seconds()


def format_duration(seconds: float | None) -> str:
    """ "1 h 05 min", "12 min", "< 1 min" (hours keep counting, so long runs compare at a
    glance); "—" when unknown (still running) or negative (bad data)."""
    if seconds is None or seconds < 0:
        return NO_VALUE
    return format_span(seconds, precise=False, days=False)


def format_age(seconds: float | None) -> str:
    """Coarse on purpose: "12 min", "3 h", "2 d 4 h"; "—" when the run has not ended."""
    if seconds is None:
        return NO_VALUE
    return format_span(seconds, precise=False, hour_minutes=False)


def format_condition_types(types: tuple[str, ...] | None) -> str:
    return "" if types is None else ", ".join(types)


def _count(value: int | None) -> str:
    """A count, or nothing when it is unknown (never a made-up 0)."""
    return "" if value is None else str(value)


def _known(value: str | None) -> str:
    return "unknown" if value is None else value


# --- cells -----------------------------------------------------------------------------------
_CellFormatter = Callable[[BackupStatusRow, datetime], str]

_TEXT: dict[Column, _CellFormatter] = {
    Column.STATUS: lambda r, _now: status_text(r.condition_status),
    Column.CUSTOMER: lambda r, _now: r.username or "",
    Column.COMPUTER: lambda r, _now: r.computer_name or "",
    Column.BACKUP_SET: lambda r, _now: r.backupset_name or "",
    Column.STARTED: lambda r, _now: format_local_time(r.local_start),
    Column.ENDED: lambda r, _now: format_local_time(r.local_end),
    Column.DURATION: lambda r, _now: format_duration(duration_seconds(r)),
    Column.AGE: lambda r, now: format_age(age_seconds(r, now)),
    Column.ERRORS: lambda r, _now: _count(r.errors),
    Column.WARNINGS: lambda r, _now: _count(r.warnings),
    Column.CONDITION_TYPES: lambda r, _now: format_condition_types(r.condition_types),
}

TEXT_FORMATTERS: tuple[_CellFormatter, ...] = tuple(_TEXT[c] for c in Column)
"""Indexed by column number: the fast path for the model's ``data()``."""


def cell_text(row: BackupStatusRow, column: Column, now: datetime) -> str:
    """What the table shows in a cell; ``now`` is what ages are measured from."""
    return _TEXT[column](row, now)


def _explain_types(row: BackupStatusRow) -> str:
    if row.condition_types is None:
        return "Condition types unknown"
    if not row.condition_types:
        return "No condition types reported"
    return "\n".join(f"{t}: {explain_condition_type(t)}" for t in row.condition_types)


def _started_tip(row: BackupStatusRow, _now: datetime) -> str:
    return f"Started {format_local_time_long(row.local_start)} (the computer's own time)"


def _ended_tip(row: BackupStatusRow, _now: datetime) -> str:
    if row.local_end is None:
        return "Not ended yet"
    return f"Ended {format_local_time_long(row.local_end)} (the computer's own time)"


def _duration_tip(row: BackupStatusRow, _now: datetime) -> str:
    seconds = duration_seconds(row)
    if seconds is None:
        return "Not ended yet" if row.local_end is None else "Start time unknown"
    return f"{format_duration(seconds)} ({int(seconds)} s)"


def _age_tip(row: BackupStatusRow, now: datetime) -> str:
    if row.local_end is None:
        return "Not ended yet"
    return (
        f"Ended {format_age(age_seconds(row, now))} ago, at {format_local_time_long(row.local_end)}"
    )


_TOOLTIP: dict[Column, _CellFormatter] = {
    Column.STATUS: lambda r, _now: f"{status_text(r.condition_status)}\n{_explain_types(r)}",
    Column.CUSTOMER: lambda r, _now: f"Customer {_known(r.username)}",
    Column.COMPUTER: lambda r, _now: (
        f"{_known(r.computer_name)} (computer ID {_known(r.computer_id)})"
    ),
    Column.BACKUP_SET: lambda r, _now: f"Backup set {_known(r.backupset_name)}",
    Column.STARTED: _started_tip,
    Column.ENDED: _ended_tip,
    Column.DURATION: _duration_tip,
    Column.AGE: _age_tip,
    Column.ERRORS: lambda r, _now: f"{_count(r.errors) or 'Unknown number of'} error(s)",
    Column.WARNINGS: lambda r, _now: f"{_count(r.warnings) or 'Unknown number of'} warning(s)",
    Column.CONDITION_TYPES: lambda r, _now: _explain_types(r),
}

TOOLTIP_FORMATTERS: tuple[_CellFormatter, ...] = tuple(_TOOLTIP[c] for c in Column)


def cell_tooltip(row: BackupStatusRow, column: Column, now: datetime) -> str:
    return _TOOLTIP[column](row, now)


def missing_tooltip(row: BackupStatusRow, missing_since: datetime | None) -> str:
    """The Status tooltip of a missing set's row: since when, and what was last known."""
    since = "" if missing_since is None else f" since {format_admin_time(missing_since)}"
    return (
        f"Missing{since}: in an earlier report, not in the latest one.\n"
        f"Last known status: {status_text(row.condition_status)}\n{_explain_types(row)}"
    )


def flag_text(flag: str) -> str:
    """A problem flag ("MISSING", "STALE", "") as the export writes it."""
    return _FLAG_TEXTS.get(flag, "")


def export_value(
    row: BackupStatusRow, column: Column, now: datetime, *, missing: bool = False
) -> object:
    """A cell for CSV: raw times (ISO 8601 with offset), numbers and lists stay typed so the
    writer formats them losslessly; everything else is exactly the text the table shows
    (``missing``: the row is a missing set's last known row, its Status reads "Missing")."""
    if missing and column is Column.STATUS:
        return MISSING_TEXT
    if column is Column.STARTED:
        return row.local_start
    if column is Column.ENDED:
        return row.local_end
    if column is Column.ERRORS:
        return row.errors
    if column is Column.WARNINGS:
        return row.warnings
    if column is Column.CONDITION_TYPES:
        return row.condition_types
    return _TEXT[column](row, now)
