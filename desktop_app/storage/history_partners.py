"""Which partner a recorded set belongs to, and which absent sets are missing, when several
partners are watched (schema 5: ``backup_set.partner``; see ``storage.migrations``).

A set's identity is its ``RowKey``; its partner is an attribute that follows attribution.
``NULL`` (no entry in the owner map) means the account's own partner: the first of the report's
``partners``. An absent set is missing only when its partner's part of the report is whole
(``Report.missing_detectable_for``); a set of a refused, failed or no longer watched partner
stays known as present, so it is not announced missing.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence

from desktop_app.report.rows import BackupStatusRow, Report, RowKey

__all__ = ["SET_PARTNER", "follow_partners", "missing_now"]

SET_PARTNER = "UPDATE backup_set SET partner = ? WHERE id = ?"


def missing_now(
    absent: Sequence[RowKey],
    report: Report | Iterable[BackupStatusRow],
    owner: Mapping[RowKey, str],
    current: Collection[RowKey],
    present: Collection[RowKey],
) -> tuple[list[RowKey], Collection[RowKey]]:
    """The ``absent`` sets (present before, not in ``current``) to call missing now, and the
    sets known to be present after this report (rows alone: a whole report). For one
    partner's own report ``missing_detectable`` decides for all: a report that cannot tell adds
    to what was known to be present."""
    if not isinstance(report, Report) or not report.partners:
        if not isinstance(report, Report) or report.missing_detectable:
            return list(absent), current
        return [], {*present, *current}
    sure = report.missing_detectable_for
    gone: list[RowKey] = []
    kept: list[RowKey] = []
    for key in absent:
        (gone if sure(owner.get(key)) else kept).append(key)
    return gone, {*current, *kept}


def follow_partners(
    owner: dict[RowKey, str],
    renamed: Mapping[RowKey, RowKey],
    new: Iterable[tuple[RowKey, str | None]],
    moved: Iterable[tuple[RowKey, str | None]],
) -> None:
    """Keep the in-memory owner map as the database has it after a record: renamed sets
    (new key -> old key) keep their partner, new and moved sets take theirs."""
    for new_key, old_key in renamed.items():
        if old_key in owner:
            owner[new_key] = owner.pop(old_key)
    for key, partner in (*new, *moved):
        if partner is None:
            owner.pop(key, None)
        else:
            owner[key] = partner
