"""What changed between two reports, in the terms an admin cares about, and how to say it.

The tray tells the admin what *changed*, never what they already know. The rules, each decided
once, here (rows are matched by ``RowKey``; a set absent from the previous report counts as
"not known before"):

* New failure: FAILURE now, not FAILURE before.
* New warning: WARNING now, neither WARNING nor FAILURE before (FAILURE -> WARNING is a recovery).
* Recovered: a problem before (FAILURE, or stale), now COMPLETED or WARNING and not stale.
  A RUNNING set has not recovered yet: its outcome is still open.
* Newly stale: stale now, not stale before, and not failing (a failing set going quiet is
  already known as failing). Stale means the last activity (the run's end, or its start while
  it runs) is older than the threshold; each report is judged at its own clock reading. A set
  with a rhythm (``rhythms``: learned or set by the admin, see ``report.rhythm``) is stale when
  it is overdue by that rhythm instead, and worded by it ("no run for 5 h, usually every 1 h").
* Newly missing: in the previous report, absent from this one (the row as it was last seen).
  The history (``report.derived``) keeps the longer memory; this is what changed just now.
  Never from a report that cannot tell (``Report.missing_detectable``: incomplete, or a row
  whose key could not be read): a set absent from it may simply not have arrived.
* A set listed twice in one report counts with its worse status (``report.rows.worst_of``).

Each set lands in at most one bucket. Nothing here imports Qt, so all of it is unit-tested.
The row loops take a ``pause`` (see ``runtime.pacing.Pacer``), called every few dozen rows,
because the tray runs them on a worker thread while the GUI thread draws the new report.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from desktop_app.report.rhythm import Rhythm, overdue_words
from desktop_app.report.rows import BackupStatusRow, Report, RowKey, row_key
from desktop_app.report.status import ConditionStatus, status_severity
from desktop_app.runtime.pacing import unpaced

__all__ = [
    "DEFAULT_NOTIFY_KINDS",
    "DEFAULT_STALE_THRESHOLD",
    "ChangeKind",
    "ChangeNotification",
    "FetchOutageTracker",
    "ReportChanges",
    "build_notification",
    "carry_forward",
    "diff_reports",
    "is_stale",
    "quiet_summary_notification",
    "repeated_notification",
    "row_label",
]

DEFAULT_STALE_THRESHOLD = timedelta(hours=26)
"""A daily backup plus two hours of slack: one missed night is already worth a word."""

_FAILURE: str = ConditionStatus.FAILURE
_WARNING: str = ConditionStatus.WARNING
_COMPLETED: str = ConditionStatus.COMPLETED
_RECOVERED_STATUSES = frozenset({_COMPLETED, _WARNING})
_PAUSE_EVERY = 64  # rows between calls of ``pause``


class ChangeKind(StrEnum):
    """The kinds of change a notification can mention (the settings store these values)."""

    NEW_FAILURE = "new_failure"
    NEW_WARNING = "new_warning"
    RECOVERED = "recovered"
    NEWLY_STALE = "newly_stale"
    NEWLY_MISSING = "newly_missing"
    FETCH_FAILED = "fetch_failed"
    REPEATED_FAILURE = "repeated_failure"


DEFAULT_NOTIFY_KINDS: frozenset[ChangeKind] = frozenset(
    {
        ChangeKind.NEW_FAILURE,
        ChangeKind.RECOVERED,
        ChangeKind.NEWLY_STALE,
        ChangeKind.NEWLY_MISSING,
        ChangeKind.FETCH_FAILED,
        ChangeKind.REPEATED_FAILURE,
    }
)
"""Warnings are common and noisy, so their notification is opt-in."""


def _last_activity(row: BackupStatusRow) -> datetime | None:
    return row.local_end if row.local_end is not None else row.local_start


def is_stale(row: BackupStatusRow, now: datetime, threshold: timedelta) -> bool:
    """True when the set's last activity is more than ``threshold`` before ``now`` (aware)."""
    activity = _last_activity(row)
    return activity is not None and now - activity > threshold


@dataclass(frozen=True, slots=True)
class ReportChanges:
    """The rows (as they are *now*) in each bucket, in report order."""

    new_failures: tuple[BackupStatusRow, ...] = ()
    new_warnings: tuple[BackupStatusRow, ...] = ()
    recovered: tuple[BackupStatusRow, ...] = ()
    newly_stale: tuple[BackupStatusRow, ...] = ()
    newly_missing: tuple[BackupStatusRow, ...] = ()  # as last seen, in the previous report
    overdue: Mapping[RowKey, str] = field(default_factory=dict)  # newly stale by a rhythm: why

    def __bool__(self) -> bool:
        return bool(
            self.new_failures
            or self.new_warnings
            or self.recovered
            or self.newly_stale
            or self.newly_missing
        )

    def rows_of(self, kind: ChangeKind) -> tuple[BackupStatusRow, ...]:
        return {
            ChangeKind.NEW_FAILURE: self.new_failures,
            ChangeKind.NEW_WARNING: self.new_warnings,
            ChangeKind.RECOVERED: self.recovered,
            ChangeKind.NEWLY_STALE: self.newly_stale,
            ChangeKind.NEWLY_MISSING: self.newly_missing,
        }.get(kind, ())


def diff_reports(
    previous: Report | Iterable[BackupStatusRow],
    current: Report | Iterable[BackupStatusRow],
    now: datetime,
    *,
    previous_now: datetime | None = None,
    stale_after: timedelta = DEFAULT_STALE_THRESHOLD,
    per_customer: Mapping[str, timedelta] | None = None,
    rhythms: Mapping[RowKey, Rhythm] | None = None,
    pause: Callable[[], None] = unpaced,
) -> ReportChanges:
    """Compare two reports by backup-set key (see the module docstring for every rule).

    ``now`` is when ``current`` is judged for staleness; ``previous_now`` is when ``previous``
    was (default: its ``fetched_at``, else ``now``), so a set that simply aged past the
    threshold between two refreshes counts as newly stale. ``per_customer`` overrides the
    threshold for some customers (usernames), and ``rhythms`` judge some sets by their rhythm,
    as ``report.derived.StaleRule`` does.
    """
    if previous_now is None:
        fetched = previous.fetched_at if isinstance(previous, Report) else None
        previous_now = fetched if fetched is not None else now
    prev_rows = previous.rows if isinstance(previous, Report) else previous
    cur_rows = current.rows if isinstance(current, Report) else current
    # Hot loop (100k rows per refresh): one cutoff comparison instead of a subtraction per row.
    prev_cutoffs = _cutoffs(previous_now, per_customer)
    cutoffs = _cutoffs(now, per_customer)
    default_prev_cutoff = previous_now - stale_after
    default_cutoff = now - stale_after
    prev_ts, now_ts = previous_now.timestamp(), now.timestamp()
    failure, warning = _FAILURE, _WARNING
    before: dict[RowKey, tuple[str | None, bool, BackupStatusRow | None]] = {}
    every = _PAUSE_EVERY
    for i, row in enumerate(prev_rows):
        if not i % every:
            pause()
        activity = row.local_end if row.local_end is not None else row.local_start
        prev_cutoff = (
            prev_cutoffs.get(row.username, default_prev_cutoff)
            if prev_cutoffs
            else default_prev_cutoff
        )
        key = row_key(row)
        status = row.condition_status
        if key in before and _worse_or_same(before[key][0], status):
            continue  # listed twice: the worse status counts
        if rhythms and key in rhythms:
            was = _overdue(rhythms[key], row, prev_ts) is not None
        else:
            was = activity is not None and activity < prev_cutoff
        before[key] = (status, was, row)
    unknown: tuple[str | None, bool, BackupStatusRow | None] = ("", False, None)
    taken: dict[RowKey, tuple[str | None, bool, BackupStatusRow | None]] = {}
    failures: list[BackupStatusRow] = []
    warnings: list[BackupStatusRow] = []
    recovered: list[BackupStatusRow] = []
    stale: list[BackupStatusRow] = []
    overdue: dict[RowKey, str] = {}
    for i, row in enumerate(cur_rows):
        if not i % every:
            pause()
        status = row.condition_status
        cutoff = cutoffs.get(row.username, default_cutoff) if cutoffs else default_cutoff
        # pop: what is left in ``before`` at the end is no longer reported; ``taken`` answers
        # for a set listed twice in this report.
        key = row_key(row)
        old = before.pop(key, None)
        if old is None:
            old = taken.get(key, unknown)
        else:
            taken[key] = old
        old_status, was_stale, _ = old
        if status == failure:  # decided without the clock: failing outranks stale
            if old_status != failure:
                failures.append(row)
            continue
        if rhythms and key in rhythms:  # the rules below, judged by the rhythm
            why = _overdue(rhythms[key], row, now_ts)
            if (old_status == failure or was_stale) and status in _RECOVERED_STATUSES:
                if why is None:
                    recovered.append(row)
                elif old_status == failure:
                    stale.append(row)
                    overdue[key] = why
            elif status == warning and old_status not in (warning, failure):
                warnings.append(row)
            elif why is not None and not was_stale:
                stale.append(row)
                overdue[key] = why
            continue
        if status == old_status and not was_stale:
            # Unchanged and was fresh: only "newly stale" is possible.
            activity = row.local_end if row.local_end is not None else row.local_start
            if activity is not None and activity < cutoff:
                stale.append(row)
            continue
        activity = row.local_end if row.local_end is not None else row.local_start
        stale_now = activity is not None and activity < cutoff
        if (old_status == failure or was_stale) and status in _RECOVERED_STATUSES:
            if not stale_now:
                recovered.append(row)
            elif old_status == failure:
                stale.append(row)  # it stopped failing but has not run for too long
        elif status == warning and old_status not in (warning, failure):
            warnings.append(row)
        elif stale_now and not was_stale:
            stale.append(row)
    gone = tuple(row for _, _, row in before.values() if row is not None)
    if isinstance(current, Report):  # absent from a report that cannot tell is not "gone"
        sure = current.missing_detectable_for  # per partner, with several
        gone = tuple(row for row in gone if sure(row.partner))
    return ReportChanges(
        tuple(failures),
        tuple(warnings),
        tuple(recovered),
        tuple(stale),
        newly_missing=gone,
        overdue=overdue,
    )


def _overdue(rhythm: Rhythm, row: BackupStatusRow, now: float) -> str | None:
    """Why ``row`` is overdue by ``rhythm`` at ``now`` (UTC seconds), ``None`` while it is not."""
    start = None if row.local_start is None else row.local_start.timestamp()
    return overdue_words(rhythm, start, now) if rhythm.is_overdue(now, start) else None


def carry_forward(previous: Report | None, current: Report) -> Report:
    """What the next report is to be compared with: ``current``, plus, when it cannot tell
    what is missing (``Report.missing_detectable_for`` their partner), the sets of
    ``previous`` it lacks. A set
    absent from an incomplete report and still absent from the next, complete one is then
    announced by that one."""
    if previous is None or (current.missing_detectable and not current.partners):
        return current
    present = set(map(row_key, current.rows))
    sure = current.missing_detectable_for  # several partners: those whose part is whole
    kept = tuple(r for r in previous.rows if row_key(r) not in present and not sure(r.partner))
    return replace(current, rows=current.rows + kept) if kept else current


def _worse_or_same(kept: str | None, other: str | None) -> bool:
    """Whether status ``kept`` is at least as bad as ``other`` (failure first)."""
    return status_severity(kept) <= status_severity(other)


def _cutoffs(
    now: datetime, per_customer: Mapping[str, timedelta] | None
) -> dict[str | None, datetime]:
    """Each overridden customer's stale cutoff at ``now`` (empty: one threshold for all)."""
    return {user: now - limit for user, limit in (per_customer or {}).items()}


UNKNOWN_NAME = "?"
"""How a name that could not be read is written in a notification or menu."""


def row_label(row: BackupStatusRow) -> str:
    """How one set is named in a notification: customer / computer / backup set."""
    names = (row.username, row.computer_name, row.backupset_name)
    return " / ".join(UNKNOWN_NAME if n is None else n for n in names)


_PHRASES: dict[ChangeKind, tuple[str, str]] = {
    ChangeKind.NEW_FAILURE: ("new failure", "new failures"),
    ChangeKind.NEWLY_STALE: ("newly stale", "newly stale"),
    ChangeKind.NEWLY_MISSING: ("no longer reported", "no longer reported"),
    ChangeKind.NEW_WARNING: ("new warning", "new warnings"),
    ChangeKind.RECOVERED: ("recovered", "recovered"),
    ChangeKind.REPEATED_FAILURE: ("repeated failure", "repeated failures"),
    ChangeKind.FETCH_FAILED: ("failed fetch", "failed fetches"),
}
_ORDER = (
    ChangeKind.NEW_FAILURE,
    ChangeKind.NEWLY_STALE,
    ChangeKind.NEWLY_MISSING,
    ChangeKind.NEW_WARNING,
    ChangeKind.RECOVERED,
)


def _count_phrase(kind: ChangeKind, count: int) -> str:
    singular, plural = _PHRASES[kind]
    return f"{count:,} {singular if count == 1 else plural}"


def _line(
    kind: ChangeKind, rows: Sequence[BackupStatusRow], limit: int, why: Mapping[RowKey, str]
) -> str:
    """One kind's line; a set overdue by its rhythm says why (``acme / SQL01 / SQL Nightly:
    no run for 5 h, usually every 1 h``), so the sets are listed one per line then."""
    names = [_named(r, why) for r in rows[:limit]]
    if len(rows) > limit:
        names.append("…")
    joiner = "\n" if any(row_key(r) in why for r in rows[:limit]) else ", "
    return f"{_count_phrase(kind, len(rows))}{_at_partners(rows)}: {joiner.join(names)}"


def _named(row: BackupStatusRow, why: Mapping[RowKey, str]) -> str:
    reason = why.get(row_key(row))
    return row_label(row) if reason is None else f"{row_label(row)}: {reason}"


def _at_partners(rows: Sequence[BackupStatusRow]) -> str:
    """Where the sets are, when they come from a view of several partners: `` at resell1``,
    `` at resell1 and resell2``, `` at 3 partners``; nothing for one partner's report."""
    partners = list(dict.fromkeys(r.partner for r in rows if r.partner is not None))
    if not partners:
        return ""
    if len(partners) <= 2:
        return " at " + " and ".join(partners)
    return f" at {len(partners):,} partners"


@dataclass(frozen=True, slots=True)
class ChangeNotification:
    """One summarised notification: a title, one line per kind, and the sets it is about."""

    title: str
    message: str
    keys: tuple[RowKey, ...]
    kinds: tuple[ChangeKind, ...]
    is_problem: bool  # anything worse than a recovery: shown with a warning icon
    counts: Mapping[ChangeKind, int] = field(default_factory=dict)  # sets per kind


def build_notification(
    changes: ReportChanges,
    kinds: Collection[ChangeKind] = DEFAULT_NOTIFY_KINDS,
    *,
    limit: int = 3,
) -> ChangeNotification | None:
    """The summary of the wanted kinds of change, or ``None`` when there is nothing to say.

    Example message line: ``3 new failures: acme / MAIL01 / Exchange, bob / PC-1 / Files, …``.
    The title counts the most serious kind present, e.g. ``3 new failures`` or
    ``3 new failures, 1 recovered``. Sets of a view of several partners name their partner:
    ``2 new failures at resell1``.
    """
    present = [k for k in _ORDER if k in kinds and changes.rows_of(k)]
    if not present:
        return None
    lines = [_line(k, changes.rows_of(k), limit, changes.overdue) for k in present]
    title = ", ".join(
        _count_phrase(k, len(changes.rows_of(k))) + _at_partners(changes.rows_of(k))
        for k in present[:2]
    )
    if len(present) > 2:
        title += ", …"
    keys = tuple(r.key for k in present for r in changes.rows_of(k))
    problem = any(k is not ChangeKind.RECOVERED for k in present)
    counts = {k: len(changes.rows_of(k)) for k in present}
    return ChangeNotification(title, "\n".join(lines), keys, tuple(present), problem, counts)


def repeated_notification(
    rows: Sequence[BackupStatusRow], *, limit: int = 3
) -> ChangeNotification | None:
    """The sets that just crossed the escalation rule (``report.escalation``), or ``None``."""
    if not rows:
        return None
    kind = ChangeKind.REPEATED_FAILURE
    return ChangeNotification(
        _count_phrase(kind, len(rows)),
        _line(kind, rows, limit, {}),
        tuple(map(row_key, rows)),
        (kind,),
        True,
        {kind: len(rows)},
    )


def quiet_summary_notification(
    counts: Mapping[str, int], keys: Sequence[RowKey]
) -> ChangeNotification | None:
    """What changed during quiet hours, in one notification when they end (``None``: nothing).
    ``counts`` are per ``ChangeKind`` value, as ``report.quiet_hours.QuietSummary`` adds them."""
    kinds = [
        k for k in (*_ORDER, ChangeKind.REPEATED_FAILURE, ChangeKind.FETCH_FAILED) if counts.get(k)
    ]
    if not kinds:
        return None
    parts = [_count_phrase(k, counts[k]) for k in kinds]
    return ChangeNotification(
        "While notifications were quiet",
        ", ".join(parts),
        tuple(dict.fromkeys(keys)),
        tuple(kinds),
        any(k is not ChangeKind.RECOVERED for k in kinds),
        {k: counts[k] for k in kinds},
    )


class FetchOutageTracker:
    """Says "cannot fetch any more" once per outage, not on every retry.

    An outage is announced only after a fetch succeeded earlier in this session: a failing
    very first fetch (say, at login before the network is up) is shown by the tray icon, not
    announced.
    """

    def __init__(self) -> None:
        self._ever_succeeded = False
        self._in_outage = False
        self.failures = 0

    @property
    def in_outage(self) -> bool:
        return self._in_outage

    def record_failure(self) -> bool:
        """Count a failed fetch; True exactly when this failure should be announced."""
        self.failures += 1
        if self._in_outage:
            return False
        self._in_outage = True
        return self._ever_succeeded

    def record_success(self) -> bool:
        """Count a good fetch; True when it ends an outage."""
        ended = self._in_outage
        self._in_outage = False
        self._ever_succeeded = True
        self.failures = 0
        return ended


def _muted_for(row: BackupStatusRow, muted: Mapping[RowKey, str]) -> bool:
    """An acknowledgement mutes a set while its problem is the acknowledged one: a FAILURE ack
    while the set still fails, a STALE (or MISSING) ack while it is not failing."""
    state = muted.get(row.key)
    if state is None:
        return False
    failing = row.condition_status == ConditionStatus.FAILURE
    return failing if state == ConditionStatus.FAILURE else not failing


def without_muted(changes: ReportChanges, muted: Mapping[RowKey, str]) -> ReportChanges:
    """Drop announcements about acknowledged problems; recoveries and warnings always pass."""
    if not muted:
        return changes
    return ReportChanges(
        new_failures=tuple(r for r in changes.new_failures if not _muted_for(r, muted)),
        new_warnings=changes.new_warnings,
        recovered=changes.recovered,
        newly_stale=tuple(r for r in changes.newly_stale if not _muted_for(r, muted)),
        # Going missing is a new problem: only an acknowledgement of it being missing mutes it.
        newly_missing=tuple(r for r in changes.newly_missing if muted.get(r.key) != "MISSING"),
        overdue=changes.overdue,
    )
