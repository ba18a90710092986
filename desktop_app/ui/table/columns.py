"""The report table's columns and how each cell reads as text.

Qt-free on purpose: the table model, CSV export of "what the view shows" and copy-to-clipboard
all format cells through :func:`cell_text`, so they can never disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import IntEnum

from desktop_app.report.derived import MISSING, OVERDUE, STALE, Acknowledgement
from desktop_app.report.rows import BackupStatusRow
from desktop_app.report.sort_keys import SortField
from desktop_app.report.status import explain_condition_type, status_text
from desktop_app.report.summary import counted
from desktop_app.ui.time_format import (
    LOCAL,
    TIME_MODE_TITLES,
    TIME_MODES,
    format_admin_time,
    format_admin_time_long,
    format_age,
    format_computer_time,
    format_copied_time,
    format_duration,
    format_table_time,
    seconds_between,
)

MISSING_TEXT = "Missing"
"""The Status cell of a missing set's row (its last known status is in the tooltip)."""
STALE_TEXT = "Stale"
"""The Status cell of a stale set that is not failing (the report's status is in the tooltip)."""
OVERDUE_TEXT = "Overdue"
"""A stale set judged by its rhythm (learned or set by the admin): overdue by it."""
REPEATED_TEXT = "Repeated failure"
"""A failing set past the escalation rule (its status is still Failure)."""
FLAG_TITLE = "Stale or missing"
"""The export's extra column: "Stale", "Missing" or empty (see :func:`flag_text`)."""
_FLAG_TEXTS = {MISSING: "Missing", STALE: STALE_TEXT, OVERDUE: OVERDUE_TEXT}


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
    ACKNOWLEDGED = 11  # added later: last, so tables saved before keep their columns
    PARTNER = 12  # shown while several partners are watched (see ``ReportView``)

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
    Column.ACKNOWLEDGED: "Acknowledged",
    Column.PARTNER: "Partner",
}

_DESCRIPTIONS: dict[Column, str] = {
    Column.STATUS: "Outcome of the backup set's last run",
    Column.CUSTOMER: "Customer account (username)",
    Column.COMPUTER: "Computer name",
    Column.BACKUP_SET: "Backup set name",
    Column.STARTED: "When the last run started",
    Column.ENDED: "When the last run ended",
    Column.DURATION: "How long the last run took",
    Column.AGE: "How long ago the last run ended",
    Column.ERRORS: "Errors reported by the last run",
    Column.WARNINGS: "Warnings reported by the last run",
    Column.CONDITION_TYPES: "Detail conditions of the last run",
    Column.ACKNOWLEDGED: "Who acknowledged the set's problem (when and why in the tooltip)",
    Column.PARTNER: "The partner (or sub-partner) whose report lists the backup set",
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
    Column.ACKNOWLEDGED: SortField.ACKNOWLEDGED,
    Column.PARTNER: SortField.PARTNER,
}

_NUMERIC = frozenset({Column.DURATION, Column.AGE, Column.ERRORS, Column.WARNINGS})


# --- value formatting ------------------------------------------------------------------------
def column_title(column: Column, mode: str = LOCAL) -> str:
    """The header: time columns say which clock they show, "Ended (your time)"."""
    if column in _TIME_COLUMNS:
        return f"{column.title} ({TIME_MODE_TITLES[mode]})"
    return column.title


def column_description(column: Column, mode: str = LOCAL) -> str:
    if column in _TIME_COLUMNS:
        clock = (
            "in your time zone (Settings can show each computer's own time)"
            if mode == LOCAL
            else "on the backup computer's own clock, with its UTC offset"
        )
        return f"{column.description}, {clock}"
    return column.description


def duration_seconds(row: BackupStatusRow) -> float | None:
    return seconds_between(row.local_start, row.local_end)


def age_seconds(row: BackupStatusRow, now: datetime) -> float | None:
    return seconds_between(row.local_end, now)


def age_seconds_since(moment: datetime, now: datetime) -> float:
    return (now - moment).total_seconds()


def format_condition_types(types: tuple[str, ...] | None) -> str:
    return "" if types is None else ", ".join(types)


def _count(value: int | None) -> str:
    """A count, or nothing when it is unknown (never a made-up 0)."""
    return "" if value is None else str(value)


def _known(value: str | None) -> str:
    return "unknown" if value is None else value


# --- cells -----------------------------------------------------------------------------------
_CellFormatter = Callable[[BackupStatusRow, datetime], str]
_TIME_COLUMNS = frozenset({Column.STARTED, Column.ENDED})


def _text_formatters(mode: str) -> tuple[_CellFormatter, ...]:
    text: dict[Column, _CellFormatter] = {
        Column.STATUS: lambda r, _now: status_text(r.condition_status),
        Column.CUSTOMER: lambda r, _now: r.username or "",
        Column.COMPUTER: lambda r, _now: r.computer_name or "",
        Column.BACKUP_SET: lambda r, _now: r.backupset_name or "",
        Column.STARTED: lambda r, _now: format_table_time(r.local_start, mode),
        Column.ENDED: lambda r, _now: format_table_time(r.local_end, mode),
        Column.DURATION: lambda r, _now: format_duration(duration_seconds(r)),
        Column.AGE: lambda r, now: format_age(age_seconds(r, now)),
        Column.ERRORS: lambda r, _now: _count(r.errors),
        Column.WARNINGS: lambda r, _now: _count(r.warnings),
        Column.CONDITION_TYPES: lambda r, _now: format_condition_types(r.condition_types),
        Column.ACKNOWLEDGED: lambda _r, _now: "",  # not in the row: the model knows (see there)
        Column.PARTNER: lambda r, _now: r.partner or "",
    }
    return tuple(text[c] for c in Column)


TEXT_FORMATTERS_BY_MODE: dict[str, tuple[_CellFormatter, ...]] = {
    mode: _text_formatters(mode) for mode in TIME_MODES
}
"""Per time mode, indexed by column number: the fast path for the model's ``data()``."""
TEXT_FORMATTERS = TEXT_FORMATTERS_BY_MODE[LOCAL]


def cell_text(row: BackupStatusRow, column: Column, now: datetime, mode: str = LOCAL) -> str:
    """What the table shows in a cell; ``now`` is what ages are measured from."""
    return TEXT_FORMATTERS_BY_MODE[mode][column](row, now)


def copied_text(row: BackupStatusRow, column: Column, now: datetime, mode: str = LOCAL) -> str:
    """A cell as Ctrl+C copies it: as shown, except that times carry their UTC offset."""
    if column is Column.STARTED:
        return format_copied_time(row.local_start, mode)
    if column is Column.ENDED:
        return format_copied_time(row.local_end, mode)
    return cell_text(row, column, now, mode)


def _explain_types(row: BackupStatusRow) -> str:
    if row.condition_types is None:
        return "Condition types unknown"
    if not row.condition_types:
        return "No condition types reported"
    return "\n".join(f"{t}: {explain_condition_type(t)}" for t in row.condition_types)


def _both_times(value: datetime) -> str:
    """Both clocks, with offsets: the admin's and the computer's."""
    return (
        f"{format_admin_time_long(value)} your time\n{format_computer_time(value)} on the computer"
    )


def _started_tip(row: BackupStatusRow, _now: datetime) -> str:
    if row.local_start is None:
        return "Start time unknown"
    return f"Started\n{_both_times(row.local_start)}"


def _ended_tip(row: BackupStatusRow, _now: datetime) -> str:
    if row.local_end is None:
        return "Not ended yet"
    return f"Ended\n{_both_times(row.local_end)}"


def _duration_tip(row: BackupStatusRow, _now: datetime) -> str:
    seconds = duration_seconds(row)
    if seconds is None:
        return "Not ended yet" if row.local_end is None else "Start time unknown"
    return f"{format_duration(seconds)} ({int(seconds)} s)"


def _age_tip(row: BackupStatusRow, now: datetime) -> str:
    if row.local_end is None:
        return "Not ended yet"
    return f"Ended {format_age(age_seconds(row, now))} ago\n{_both_times(row.local_end)}"


def _count_tip(value: int | None, singular: str) -> str:
    return f"{singular.capitalize()}s: unknown" if value is None else counted(value, singular)


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
    Column.ERRORS: lambda r, _now: _count_tip(r.errors, "error"),
    Column.WARNINGS: lambda r, _now: _count_tip(r.warnings, "warning"),
    Column.CONDITION_TYPES: lambda r, _now: _explain_types(r),
    Column.ACKNOWLEDGED: lambda _r, _now: "Not acknowledged",
    Column.PARTNER: lambda r, _now: f"Partner {_known(r.partner)}",
}

TOOLTIP_FORMATTERS: tuple[_CellFormatter, ...] = tuple(_TOOLTIP[c] for c in Column)


def missing_tooltip(row: BackupStatusRow, missing_since: datetime | None) -> str:
    """The Status tooltip of a missing set's row: since when, and what was last known."""
    since = "" if missing_since is None else f" since {format_admin_time(missing_since)}"
    return (
        f"Missing{since}: in an earlier report, not in the latest one.\n"
        f"Last known status: {status_text(row.condition_status)}\n{_explain_types(row)}"
    )


def stale_tooltip(row: BackupStatusRow, now: datetime) -> str:
    """The Status tooltip of a stale set: how long it has been quiet, and what was reported."""
    activity = row.local_end if row.local_end is not None else row.local_start
    quiet = "" if activity is None else f" for {format_age(age_seconds_since(activity, now))}"
    return (
        f"Stale: no backup activity{quiet}, longer than the stale threshold.\n"
        f"Reported status: {status_text(row.condition_status)}\n{_explain_types(row)}"
    )


def acknowledged_text(ack: Acknowledgement) -> str:
    """The Acknowledged cell: who (the rest is in the tooltip)."""
    return ack.by


def acknowledged_tooltip(ack: Acknowledgement) -> str:
    """Who, when, why, and until when."""
    lines = [f"Acknowledged by {ack.by}, {format_admin_time(ack.at)}"]
    if ack.snooze_until is not None:
        lines.append(f"Snoozed until {format_admin_time(ack.snooze_until)}")
    if ack.note:
        lines.append(f"Note: {ack.note}")
    return "\n".join(lines)


def flag_text(flag: str) -> str:
    """A problem flag ("MISSING", "STALE", "OVERDUE", "") as the export writes it."""
    return _FLAG_TEXTS.get(flag, "")


def acknowledged_export(ack: Acknowledgement | None) -> str:
    """The export's Acknowledged cell: one line, who, when, until when, why ("" for none)."""
    if ack is None:
        return ""
    text = f"{ack.by}, {format_admin_time_long(ack.at)}"
    if ack.snooze_until is not None:
        text += f"; snoozed until {format_admin_time_long(ack.snooze_until)}"
    return f"{text}: {ack.note}" if ack.note else text


def export_value(
    row: BackupStatusRow,
    column: Column,
    now: datetime,
    *,
    missing: bool = False,
    stale: bool = False,
    overdue: bool = False,
    ack: Acknowledgement | None = None,
) -> object:
    """A cell for CSV: raw times (ISO 8601 with offset), numbers and lists stay typed so the
    writer formats them losslessly; everything else is exactly the text the table shows
    (``missing``/``stale``/``overdue``: the Status reads "Missing"/"Stale"/"Overdue", as on
    screen)."""
    if missing and column is Column.STATUS:
        return MISSING_TEXT
    if stale and column is Column.STATUS:
        return OVERDUE_TEXT if overdue else STALE_TEXT
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
    if column is Column.ACKNOWLEDGED:
        return acknowledged_export(ack)
    return TEXT_FORMATTERS[column](row, now)


EXTRA_EXPORT_TITLES: tuple[str, ...] = (
    "Computer ID",
    "Reported status",
    "Last successful backup",
    "Duration (s)",
    "Age (h)",
)
"""Columns every window export adds after the visible ones (numbers a spreadsheet can use)."""


def extra_export_values(
    row: BackupStatusRow, now: datetime, last_success: datetime | None
) -> tuple[object, ...]:
    """The ``EXTRA_EXPORT_TITLES`` cells: typed, so a spreadsheet can sort and sum them."""
    duration = duration_seconds(row)
    age = age_seconds(row, now)
    return (
        row.computer_id,
        status_text(row.condition_status),
        last_success,
        None if duration is None else int(duration),
        None if age is None else round(age / 3600, 2),
    )
