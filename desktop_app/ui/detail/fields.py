"""The detail pane's words: every field of a backup set, and its history lines, as text.

``detail_fields`` is the single source of the pane's wording: the pane shows it and
``details_text`` (the "Copy details" text) joins it, so what is copied is what is shown.
Qt-free, like the rest of the pane's rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from desktop_app.report.derived import Acknowledgement
from desktop_app.report.rows import BackupStatusRow
from desktop_app.report.status import (
    ConditionStatus,
    ConditionType,
    explain_condition_type,
    status_text,
)
from desktop_app.report.timeline import SetHistory
from desktop_app.ui.time_format import (
    format_admin_time,
    format_admin_time_long,
    format_age,
    format_computer_time,
    format_report_date,
    format_run_duration,
    format_span,
    seconds_between,
)

__all__ = [
    "BADGE_COLORS",
    "UNKNOWN",
    "DetailField",
    "ago",
    "badge_colors",
    "detail_fields",
    "details_text",
    "history_texts",
    "shown",
]

# Badge colours are fixed (not palette roles) and chosen to keep at least 4.5:1 contrast with
# their own text, so they read the same on light and dark window backgrounds.
_RED = ("#B3261E", "#FFFFFF")
_AMBER = ("#F2B01E", "#1F1F1F")
_BLUE = ("#1A62C7", "#FFFFFF")
_GREEN = ("#1E7B34", "#FFFFFF")
_GREY = ("#5F6368", "#FFFFFF")
BADGE_COLORS: dict[str, tuple[str, str]] = {
    ConditionType.ERRORS: _RED,
    ConditionType.EXCEPTION: _RED,
    ConditionType.MISSED: _RED,
    ConditionType.WARNINGS: _AMBER,
    ConditionType.CANCELED: _AMBER,
    ConditionType.NO_DATA_RESTORED: _AMBER,
    ConditionType.NO_DATA_DELETED: _AMBER,
    ConditionType.NO_FILE_DATA_BACKED_UP: _AMBER,
    ConditionType.NO_EXCHANGE_OR_SQL_DATA_BACKED_UP: _AMBER,
    ConditionType.RUNNING: _BLUE,
    ConditionType.COMPLETED: _GREEN,
}


UNKNOWN = "Unknown"
"""A value the report did not give or that could not be read."""


def shown(value: object) -> str:
    return UNKNOWN if value is None else str(value)


def badge_colors(condition_type: str) -> tuple[str, str]:
    """(background, text) colours of a condition badge; grey for undocumented types."""
    return BADGE_COLORS.get(condition_type, _GREY)


@dataclass(frozen=True, slots=True)
class DetailField:
    """One line of the pane: ``key`` names its widget, ``admin`` is the time in the admin's zone."""

    key: str
    label: str
    value: str
    admin: str | None = None


def missing_status_text(row: BackupStatusRow) -> str:
    return f"Missing (last known: {status_text(row.condition_status, UNKNOWN)})"


def stale_status_text(row: BackupStatusRow, word: str = "Stale") -> str:
    """``Stale (last run: Completed)``; ``word`` "Overdue" for a set stale by its rhythm."""
    return f"{word} (last run: {status_text(row.condition_status, UNKNOWN)})"


def ago(moment: datetime, now: datetime) -> str:
    """``3 d 4 h ago``: the one Age formatter, in a sentence."""
    return f"{format_age(seconds_between(moment, now))} ago"


def missing_since_text(missing_since: datetime, now: datetime, local_tz: tzinfo | None) -> str:
    when = format_admin_time(missing_since, local_tz)
    return f"{when} ({ago(missing_since, now)}); not in the latest report"


def stale_text(row: BackupStatusRow, now: datetime, threshold: timedelta) -> str:
    """``No backup activity for 13 d 4 h (the threshold is 26 h)``."""
    activity = row.local_end if row.local_end is not None else row.local_start
    quiet = "" if activity is None else f" for {format_age(seconds_between(activity, now))}"
    limit = format_span(threshold.total_seconds(), days=False, hour_minutes=False)
    return f"No backup activity{quiet}; the stale threshold is {limit}"


def detail_fields(
    row: BackupStatusRow,
    now: datetime,
    local_tz: tzinfo | None = None,
    missing_since: datetime | None = None,
    stale_after: timedelta | None = None,
    *,
    judged: str | None = None,
    rhythm: str | None = None,
) -> list[DetailField]:
    """Every field of ``row`` as display text, in display order (``missing_since``: the set
    is missing and ``row`` is its last known row; ``stale_after``: the set is stale, past this
    threshold; ``judged``: the Status as the problem states word it otherwise, e.g. "Overdue
    (last run: Completed)"; ``rhythm``: the Rhythm line). Times show the computer's clock and
    the admin's, each with its offset."""
    types = row.condition_types
    conditions = (
        UNKNOWN if types is None else "; ".join(f"{explain_condition_type(t)} ({t})" for t in types)
    )

    def admin(value: datetime | None) -> str | None:
        return None if value is None else format_admin_time_long(value, local_tz)

    # No end: still running, or (issue 12) an end that could not be read.
    running = row.condition_status == ConditionStatus.RUNNING
    ended, age = ("Not yet (still running)", "Not ended yet (still running)")
    if row.local_end is not None:
        ended, age = format_computer_time(row.local_end), ago(row.local_end, now)
    elif not running:
        ended = age = UNKNOWN
    if missing_since is None and stale_after is not None:
        status = [
            DetailField("status", "Status", stale_status_text(row)),
            DetailField("stale", "Stale", stale_text(row, now, stale_after)),
        ]
    elif missing_since is None:
        word = judged if judged is not None else status_text(row.condition_status, UNKNOWN)
        status = [DetailField("status", "Status", word)]
    else:
        status = [
            DetailField("status", "Status", missing_status_text(row)),
            DetailField(
                "missingSince", "Missing since", missing_since_text(missing_since, now, local_tz)
            ),
        ]
    return [
        DetailField("customer", "Customer", shown(row.username)),
        DetailField(
            "computer", "Computer", f"{shown(row.computer_name)} (ID {shown(row.computer_id)})"
        ),
        DetailField("backupSet", "Backup set", shown(row.backupset_name)),
        *status,
        *([] if rhythm is None else [DetailField("rhythm", "Rhythm", rhythm)]),
        DetailField("conditions", "Conditions", conditions or "None reported"),
        DetailField(
            "started", "Started", format_computer_time(row.local_start), admin(row.local_start)
        ),
        DetailField("ended", "Ended", ended, admin(row.local_end)),
        DetailField(
            "duration", "Duration", format_run_duration(row.local_start, row.local_end, now)
        ),
        DetailField("age", "Age", age),
        DetailField("errors", "Errors", shown(row.errors)),
        DetailField("warnings", "Warnings", shown(row.warnings)),
        DetailField("reportDate", "Report date", format_report_date(row.report_date)),
    ]


def history_texts(
    history: SetHistory | None,
    ack: Acknowledgement | None,
    now: datetime,
    local_tz: tzinfo | None = None,
) -> dict[str, str]:
    """The history rows' texts (failing since, last success, runs seen, acknowledged)."""
    texts: dict[str, str] = {}
    if history is None:
        texts.update(failingSince="History unavailable", lastSuccess="—", runsSeen="—")
    else:
        since = history.failing_since
        texts["failingSince"] = (
            "Not failing"
            if since is None
            else f"{format_admin_time(since, local_tz)} ({ago(since, now)})"
        )
        last = history.last_success
        texts["lastSuccess"] = (
            "None recorded"
            if last is None
            else f"{format_admin_time(last, local_tz)} ({ago(last, now)})"
        )
        seen = str(len(history.runs))
        if history.first_seen is not None:
            seen += f" since {format_admin_time(history.first_seen, local_tz)}"
        texts["runsSeen"] = seen
    if ack is None:
        texts["acknowledged"] = ""
    else:
        text = f"By {ack.by}, {format_admin_time(ack.at, local_tz)}"
        if ack.snooze_until is not None:
            text += f"; snoozed until {format_admin_time(ack.snooze_until, local_tz)}"
        if ack.note:
            text += f": {ack.note}"
        texts["acknowledged"] = text
    return texts


def details_text(
    row: BackupStatusRow,
    now: datetime,
    local_tz: tzinfo | None = None,
    missing_since: datetime | None = None,
    stale_after: timedelta | None = None,
    *,
    judged: str | None = None,
    rhythm: str | None = None,
) -> str:
    """A plain-text summary of every field, one per line (what "Copy details" copies)."""
    lines = []
    for field in detail_fields(
        row, now, local_tz, missing_since, stale_after, judged=judged, rhythm=rhythm
    ):
        line = f"{field.label}: {field.value}"
        if field.admin is not None:
            line += f" (your time: {field.admin})"
        lines.append(line)
    return "\n".join(lines) + "\n"
