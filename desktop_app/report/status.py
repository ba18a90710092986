"""Status and condition-type vocabularies that tolerate values the documentation does not list.

Rows hold plain ``str`` values: a documented value is the enum member itself (a ``StrEnum`` is a
``str``, and members are shared, so 100k rows cost nothing extra); an undocumented value is kept
verbatim so it can be shown and filtered, never dropped and never a crash. Documented values
match whatever their case ("failure" is FAILURE): the documentation's own examples are sloppy.
A status that could not be read at all is ``None``; views that group by status use
``UNREADABLE_STATUS`` for it.
"""

from __future__ import annotations

from enum import StrEnum


class ConditionStatus(StrEnum):
    """The documented overall outcome of a backup set's last run."""

    FAILURE = "FAILURE"
    WARNING = "WARNING"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"


class ConditionType(StrEnum):
    """The documented detail conditions of a run."""

    COMPLETED = "COMPLETED"
    RUNNING = "RUNNING"
    WARNINGS = "WARNINGS"
    CANCELED = "CANCELED"
    ERRORS = "ERRORS"
    MISSED = "MISSED"
    EXCEPTION = "EXCEPTION"
    NO_DATA_RESTORED = "NO_DATA_RESTORED"
    NO_DATA_DELETED = "NO_DATA_DELETED"
    NO_FILE_DATA_BACKED_UP = "NO_FILE_DATA_BACKED_UP"
    NO_EXCHANGE_OR_SQL_DATA_BACKED_UP = "NO_EXCHANGE_OR_SQL_DATA_BACKED_UP"


_STATUS_BY_VALUE: dict[str, str] = {m.value: m for m in ConditionStatus}
_TYPE_BY_VALUE: dict[str, str] = {m.value: m for m in ConditionType}

UNREADABLE_STATUS = "(unreadable)"
"""Where a view groups rows by status (filters, counts), the group of an unreadable one."""

# Worst first: the order used for "worst state" summaries and for sorting by severity.
STATUS_SEVERITY: dict[str, int] = {
    ConditionStatus.FAILURE: 0,
    ConditionStatus.WARNING: 1,
    ConditionStatus.RUNNING: 2,
    ConditionStatus.COMPLETED: 3,
}
UNKNOWN_STATUS_SEVERITY = 1  # an unknown status is treated like a warning: visible, not alarming

CONDITION_TYPE_EXPLANATIONS: dict[str, str] = {
    ConditionType.COMPLETED: "The backup completed",
    ConditionType.RUNNING: "The backup is still running",
    ConditionType.WARNINGS: "The backup finished with warnings",
    ConditionType.CANCELED: "The backup was canceled",
    ConditionType.ERRORS: "The backup finished with errors",
    ConditionType.MISSED: "The scheduled backup did not run",
    ConditionType.EXCEPTION: "The backup stopped because of an unexpected exception",
    ConditionType.NO_DATA_RESTORED: "No data was restored",
    ConditionType.NO_DATA_DELETED: "No data was deleted",
    ConditionType.NO_FILE_DATA_BACKED_UP: "No file data was backed up",
    ConditionType.NO_EXCHANGE_OR_SQL_DATA_BACKED_UP: "No Exchange or SQL data was backed up",
}


def canonical_status(value: str) -> str:
    """The shared enum member for a documented status in any case, else the value itself."""
    found = _STATUS_BY_VALUE.get(value)
    return found if found is not None else _STATUS_BY_VALUE.get(value.upper(), value)


def canonical_condition_type(value: str) -> str:
    """The shared enum member for a documented condition type in any case, else the value."""
    found = _TYPE_BY_VALUE.get(value)
    return found if found is not None else _TYPE_BY_VALUE.get(value.upper(), value)


def is_known_status(value: str | None) -> bool:
    return value in _STATUS_BY_VALUE


def status_group(value: str | None) -> str:
    """The status a view groups and filters by: ``UNREADABLE_STATUS`` for ``None``."""
    return UNREADABLE_STATUS if value is None else value


def status_severity(value: str | None) -> int:
    """0 is worst. Unknown and unreadable statuses rank with warnings so they are noticed."""
    return STATUS_SEVERITY.get(value, UNKNOWN_STATUS_SEVERITY)  # type: ignore[arg-type]


def status_text(status: str | None, unreadable: str = "") -> str:
    """A status in words, the same everywhere it is shown: "Failure" for a documented one, an
    undocumented one verbatim (so it is recognisable), ``unreadable`` for one that could not be
    read (a blank cell, "Unknown" in a sentence)."""
    if status is None:
        return unreadable
    return status.capitalize() if is_known_status(status) else status


def explain_condition_type(value: str) -> str:
    """Plain-language explanation; an unknown type explains itself honestly."""
    return CONDITION_TYPE_EXPLANATIONS.get(value, f"Condition not documented by Intronis: {value}")
