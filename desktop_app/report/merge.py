"""Merge several partners' reports into one report, keeping what each partner's part says.

The rule (also in the README):

* Rows: every partner's rows, partner after partner in the order of the parts (a tree's walk
  order), each in its report's order. Every row carries its partner (``BackupStatusRow.partner``).
* A backup set, ``(username, computer_id, backupset_name)``, reported by more than one partner
  (a parent's report may list its sub-partners' accounts too: that is undocumented) appears
  once, attributed to the most specific partner: the deepest in the tree. Between partners at
  the same depth the one whose username sorts first (code-point order) wins, so the result does
  not depend on which report arrived first. The row kept is that partner's own (its status,
  times and counts: reporting conditions are set per partner).
* Sign-ins to different API hosts (NA and EMEA) are separate namespaces: customer usernames
  are unique per host only, so a set is matched only with sets of partners in the same
  ``PartnerPart.group`` (the API host). The same key under two hosts is two backup sets; both
  rows stay (a history that keys sets without the host then keeps the worse status of the two).
* A row whose key could not be read cannot be matched with any other and is always kept; a
  set listed twice by the same partner stays as that report has it.
* Read problems follow their rows (renumbered to the merged rows, naming the partner); those
  of a row dropped for another partner's stay in that partner's part only. Problems of a
  report's envelope or document are kept, naming the partner.
* Completeness is per partner (``PartState``). A partner is in doubt when its report is not
  there (refused, failed, not yet arrived) or cannot tell which sets are missing (incomplete,
  unreadable keys): ``MergedReport.missing_detectable_for(partner)`` is then False, and a
  history must not call a set last attributed to that partner missing. The merged ``Report``
  names the partners in doubt in ``incomplete``, so a history that knows nothing of partners
  calls nothing missing while any is.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import repeat

from desktop_app.report.parse_fields import gc_paused
from desktop_app.report.rows import BackupStatusRow, ReadProblem, Report, RowKey, row_key
from desktop_app.runtime.pacing import paced, unpaced


class PartState(StrEnum):
    """Where one partner's part stands."""

    COMPLETE = "complete"  # the whole report: an absent set is missing
    INCOMPLETE = "incomplete"  # a report, but rows may be missing or keys unreadable
    REFUSED = "refused"  # the server refused it (401, 403 scope, 404)
    FAILED = "failed"  # no report this time (network, server, unreadable answer)
    PENDING = "pending"  # not arrived yet


@dataclass(frozen=True, slots=True)
class PartnerPart:
    """One partner's part: its ``depth`` in the tree (attribution), its ``report`` (rows
    carrying ``partner``), or why there is none: ``failure`` (a sentence), ``refused`` when the
    server refused it. No report and no failure: not arrived yet. ``group`` is the namespace
    its backup sets live in (the API host of its sign-in): sets match only within one."""

    partner: str
    depth: int = 0
    report: Report | None = None
    failure: str | None = None
    refused: bool = False
    group: str = ""
    http_status: int | None = None  # of the refusal or failure, when the server answered

    @property
    def state(self) -> PartState:
        if self.report is not None:
            return PartState.COMPLETE if self.report.missing_detectable else PartState.INCOMPLETE
        if self.failure is None:
            return PartState.PENDING
        return PartState.REFUSED if self.refused else PartState.FAILED

    @property
    def why(self) -> str:
        """A short phrase for the state, for lists of partners ("refused", "incomplete"...)."""
        if self.report is not None and self.report.incomplete is not None:
            return f"incomplete: {self.report.incomplete}"
        return {
            PartState.COMPLETE: "complete",
            PartState.INCOMPLETE: "some keys could not be read",
            PartState.REFUSED: "refused",
            PartState.FAILED: "could not be fetched",
            PartState.PENDING: "not fetched yet",
        }[self.state]


@dataclass(frozen=True, slots=True)
class MergedReport:
    """The merged ``report`` (one row per set, see the module docstring), every partner's
    ``part`` as given, and how many rows each partner was attributed (``attributed``)."""

    report: Report
    parts: tuple[PartnerPart, ...]
    attributed: Mapping[str, int] = field(default_factory=dict)

    def part(self, partner: str) -> PartnerPart | None:
        return next((p for p in self.parts if p.partner == partner), None)

    @property
    def in_doubt(self) -> tuple[str, ...]:
        """Partners whose missing sets cannot be told, in part order."""
        return tuple(p.partner for p in self.parts if p.state is not PartState.COMPLETE)

    def missing_detectable_for(self, partner: str | None) -> bool:
        """Whether a set last attributed to ``partner``, absent now, may be called missing:
        only when that partner's whole report is here. An unknown partner (not among the
        parts, or ``None``) is never sure."""
        part = None if partner is None else self.part(partner)
        return part is not None and part.state is PartState.COMPLETE


def merge_reports(
    parts: Sequence[PartnerPart],
    *,
    fetch_seconds: float | None = None,
    pause: Callable[[], None] = unpaced,
) -> MergedReport:
    """One report from ``parts`` (see the module docstring). ``fetched_at`` is the earliest of
    the reports' (the data is at least that fresh); ``source`` theirs when they agree.
    ``pause`` (a paced worker's rest) is called between slices of rows (``runtime.pacing``)."""
    names = [p.partner for p in parts]
    if len(set(names)) != len(names):
        raise ValueError("each partner may have one part only")
    with gc_paused():  # 100k new keys would trigger full collections over every row alive
        return _merged(parts, fetch_seconds, pause)


def _merged(
    parts: Sequence[PartnerPart], fetch_seconds: float | None, pause: Callable[[], None]
) -> MergedReport:
    reports = [(p.partner, p.report) for p in parts if p.report is not None]
    # Attribution: lower rank wins; deeper first, then the username (module docstring).
    depth = {p.partner: p.depth for p in parts}
    order = sorted(reports, key=lambda item: (-depth[item[0]], item[0]))
    rank = {partner: i for i, (partner, _report) in enumerate(order)}
    group = {p.partner: p.group for p in parts}
    keys = {partner: list(map(row_key, report.rows)) for partner, report in reports}
    owners: dict[str, dict[RowKey, int]] = {g: {} for g in group.values()}
    for partner, _report in reversed(order):  # worst first: a better owner overwrites
        owners[group[partner]].update(zip(keys[partner], repeat(rank[partner])))
    rows: list[BackupStatusRow] = []
    problems: list[ReadProblem] = []
    attributed: dict[str, int] = {}
    for partner, report in reports:
        start = len(rows)
        owner = owners[group[partner]]
        positions = _keep_rows(
            report.rows, keys[partner], partner, rank[partner], owner, rows, pause
        )
        attributed[partner] = len(rows) - start
        problems.extend(_moved_problems(report.problems, positions, partner))
    merged = Report(
        rows=tuple(rows),
        page_size=len(rows),
        count=len(rows),
        fetched_at=min((r.fetched_at for _p, r in reports if r.fetched_at), default=None),
        source=_common({r.source for _p, r in reports}),
        fetch_seconds=fetch_seconds,
        problems=tuple(problems),
        incomplete=_in_doubt_text(parts),
    )
    return MergedReport(merged, tuple(parts), attributed)


def _keep_rows(
    source: Sequence[BackupStatusRow],
    keys: Sequence[RowKey],
    partner: str,
    mine: int,
    owner: Mapping[RowKey, int],
    rows: list[BackupStatusRow],
    pause: Callable[[], None],
) -> list[int | None]:
    """Append the rows of ``source`` this partner is attributed (tagged with ``partner``) to
    ``rows``; return where each one went (1-based), ``None`` for a row left to another."""
    positions: list[int | None] = []
    append, place = rows.append, positions.append
    for row, key in paced(zip(source, keys, strict=True), pause):
        if owner[key] != mine and None not in key:  # an unreadable key matches nothing
            place(None)
            continue
        if row.partner != partner:
            row = row._replace(partner=partner)
        append(row)
        place(len(rows))
    return positions


def _moved_problems(
    problems: Sequence[ReadProblem], positions: Sequence[int | None], partner: str
) -> list[ReadProblem]:
    """The problems that stay with the merged rows, renumbered, naming the partner."""
    moved = []
    for problem in problems:
        if problem.row is None:
            moved.append(dataclasses.replace(problem, partner=partner))
            continue
        where = positions[problem.row - 1] if 0 < problem.row <= len(positions) else None
        if where is not None:
            moved.append(dataclasses.replace(problem, row=where, partner=partner))
    return moved


def _common(sources: set[str]) -> str:
    return next(iter(sources)) if len(sources) == 1 else ""


def _in_doubt_text(parts: Sequence[PartnerPart]) -> str | None:
    doubtful = [p for p in parts if p.state is not PartState.COMPLETE]
    if not doubtful:
        return None
    which = "; ".join(f"{p.partner} ({p.why})" for p in doubtful)
    n, total = len(doubtful), len(parts)
    return f"{n:,} of {total:,} partners cannot say which backup sets are missing: {which}"
