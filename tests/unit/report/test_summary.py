"""The one problem summary: the same numbers as the toolbar's toggles, the failures that need
attention (what the tray's badge, menu and "Show all" count), the worst state, and plurals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from desktop_app.report.derived import FAILURE, MISSING, STALE, Acknowledgement, StaleRule, derive
from desktop_app.report.rows import BackupStatusRow
from desktop_app.report.status import UNREADABLE_STATUS
from desktop_app.report.status import ConditionStatus as S
from desktop_app.report.summary import counted, summarise_problems

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def row(
    user: str, status: str = S.COMPLETED, ended_ago: timedelta = timedelta(hours=2)
) -> BackupStatusRow:
    end = NOW - ended_ago
    return BackupStatusRow(
        NOW, user, "1", "PC", "Files", end - timedelta(hours=1), end, status, (), 0, 0
    )


def ack(r: BackupStatusRow, state: str) -> Acknowledgement:
    return Acknowledgement(r.key, state, "known", "me", NOW)


def test_counts_match_the_toggles_and_the_badge_counts_what_needs_attention() -> None:
    fine, warn = row("a"), row("b", S.WARNING)
    failing = [row(f"f{i}", S.FAILURE) for i in range(3)]
    old_failing = row("old", S.FAILURE, timedelta(days=3))  # failing and stale
    stale = row("quiet", ended_ago=timedelta(days=13))
    rows = [fine, warn, *failing, old_failing, stale]
    gone = ("lost", "9", "Files")
    acks = {failing[0].key: ack(failing[0], FAILURE), stale.key: ack(stale, STALE)}
    derived = derive(rows, NOW, StaleRule(), [gone], acks)
    summary = summarise_problems(rows, derived)

    counts = derived.counts()  # what the Stale / Missing / Needs attention toggles show
    assert summary.stale == counts[STALE] == 2  # the failing set counts as stale there too
    assert summary.missing == counts[MISSING] == 1
    assert summary.needs_attention == counts["NEEDS_ATTENTION"] == 4  # f1, f2, old, lost
    assert summary.acknowledged == 2
    assert summary.statuses == {S.COMPLETED: 2, S.WARNING: 1, S.FAILURE: 4}
    assert summary.failures == 4  # the Failure toggle
    assert [r.username for r in summary.failing] == ["f1", "f2", "old"]  # menu order
    assert summary.acknowledged_failures == 1
    assert summary.worst == FAILURE
    assert summary.muted == {failing[0].key: FAILURE, stale.key: STALE}


def test_worst_is_what_needs_attention_first() -> None:
    def worst(
        rows: list[BackupStatusRow], missing: list[tuple[str, str, str]] = (), **acks: str
    ) -> str:  # type: ignore[assignment]
        by_user = {r.username: r for r in rows}
        held = {by_user[u].key: ack(by_user[u], state) for u, state in acks.items()}
        return summarise_problems(rows, derive(rows, NOW, StaleRule(), missing, held)).worst

    quiet = row("quiet", ended_ago=timedelta(days=13))
    assert worst([row("a")]) == S.COMPLETED
    assert worst([]) == S.COMPLETED
    assert worst([row("a"), row("b", "PAUSED")]) == S.WARNING  # undocumented: like a warning
    assert worst([row("a", S.WARNING), quiet]) == STALE  # 13 days without a backup outranks
    assert worst([row("a"), quiet], quiet=STALE) == S.COMPLETED  # acknowledged: muted
    assert worst([quiet], [("lost", "1", "Files")]) == MISSING
    assert worst([row("f", S.FAILURE), quiet], [("lost", "1", "Files")]) == FAILURE
    assert worst([row("f", S.FAILURE)], f=FAILURE) == S.COMPLETED


def test_unreadable_statuses_and_names_are_counted_and_noticed() -> None:
    """Issue 12's unknowns: an unreadable status is counted in its own group (as the status
    filter groups it) and noticed like a warning; a failing set whose names could not be read
    is in the Failures menu, first."""
    unreadable = row("u")._replace(condition_status=None)
    nameless = row("z", S.FAILURE)._replace(username=None, computer_name=None)
    rows = [row("a"), unreadable, row("b", S.FAILURE), nameless]
    summary = summarise_problems(rows, derive(rows, NOW, StaleRule(), [], {}))
    assert summary.statuses == {S.COMPLETED: 1, UNREADABLE_STATUS: 1, S.FAILURE: 2}
    assert summary.failing == (nameless, rows[2])
    calm = [row("a"), unreadable]
    assert summarise_problems(calm, derive(calm, NOW, StaleRule(), [], {})).worst == S.WARNING


def test_counted_gets_the_plural_right() -> None:
    assert counted(1, "warning") == "1 warning"
    assert counted(0, "warning") == "0 warnings"
    assert counted(1204, "backup set") == "1,204 backup sets"
    assert counted(2, "is", "are") == "2 are"
