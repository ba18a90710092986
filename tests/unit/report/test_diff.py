"""report.diff: what changed between two reports, the summary text, and the outage tracker."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from desktop_app.report.diff import (
    DEFAULT_NOTIFY_KINDS,
    DEFAULT_STALE_THRESHOLD,
    ChangeKind,
    FetchOutageTracker,
    build_notification,
    carry_forward,
    diff_reports,
    is_stale,
    row_label,
    without_muted,
)
from desktop_app.report.rows import BackupStatusRow, PartnerStatus, ReadProblem, Report
from desktop_app.report.status import ConditionStatus as S

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def row(
    user: str = "acme",
    computer: str = "MAIL01",
    backup_set: str = "Exchange",
    status: str = S.COMPLETED,
    *,
    computer_id: str = "1",
    ended_ago: timedelta | None = timedelta(hours=2),
    started_ago: timedelta = timedelta(hours=3),
) -> BackupStatusRow:
    return BackupStatusRow(
        NOW,
        user,
        computer_id,
        computer,
        backup_set,
        NOW - started_ago,
        None if ended_ago is None else NOW - ended_ago,
        status,
        (),
        0,
        0,
    )


def keys(rows: tuple[BackupStatusRow, ...]) -> list[tuple[str | None, str | None, str | None]]:
    return [r.key for r in rows]


def test_identical_reports_have_no_changes() -> None:
    rows = [row(status=S.FAILURE), row("bob", status=S.WARNING), row("carol")]
    changes = diff_reports(rows, rows, NOW)
    assert not changes
    assert build_notification(changes) is None


def test_new_failure_warning_and_recovery_by_key() -> None:
    before = [
        row("a", status=S.COMPLETED),
        row("b", status=S.COMPLETED),
        row("c", status=S.FAILURE),
        row("d", status=S.FAILURE),
        row("e", status=S.RUNNING, ended_ago=None),
    ]
    after = [
        row("a", status=S.FAILURE),
        row("b", status=S.WARNING),
        row("c", status=S.COMPLETED),
        row("d", status=S.WARNING),  # failure -> warning is a recovery, not a new warning
        row("e", status=S.FAILURE),
    ]
    changes = diff_reports(before, after, NOW)
    assert [k[0] for k in keys(changes.new_failures)] == ["a", "e"]
    assert [k[0] for k in keys(changes.new_warnings)] == ["b"]
    assert [k[0] for k in keys(changes.recovered)] == ["c", "d"]
    assert changes.newly_stale == ()


def test_same_user_different_computer_id_is_a_different_set() -> None:
    before = [row(computer_id="1", status=S.FAILURE), row(computer_id="2")]
    after = [row(computer_id="1", status=S.FAILURE), row(computer_id="2", status=S.FAILURE)]
    changes = diff_reports(before, after, NOW)
    assert keys(changes.new_failures) == [("acme", "2", "Exchange")]


def test_still_failing_or_running_after_failure_says_nothing() -> None:
    before = [row("a", status=S.FAILURE), row("b", status=S.FAILURE)]
    after = [row("a", status=S.FAILURE), row("b", status=S.RUNNING, ended_ago=None)]
    assert not diff_reports(before, after, NOW)


def test_a_set_new_to_the_report_counts_when_it_is_a_problem() -> None:
    after = [row("new", status=S.FAILURE), row("fine")]
    changes = diff_reports([], after, NOW)
    assert [k[0] for k in keys(changes.new_failures)] == ["new"]
    assert not changes.recovered


def test_newly_stale_uses_each_reports_own_clock() -> None:
    # Ended 25 h before NOW: not stale at NOW, stale two hours later with the same row.
    old = row(ended_ago=timedelta(hours=25))
    previous = Report(rows=(old,), fetched_at=NOW)
    later = NOW + timedelta(hours=2)
    changes = diff_reports(previous, Report(rows=(old,)), later)
    assert keys(changes.newly_stale) == [old.key]
    # Judged at the same clock both times, nothing would have changed: the rule matters.
    assert not diff_reports([old], [old], later)


def test_stale_set_that_ran_again_has_recovered() -> None:
    stale = row(ended_ago=timedelta(hours=30), started_ago=timedelta(hours=31))
    fresh = row(ended_ago=timedelta(minutes=5))
    changes = diff_reports([stale], [fresh], NOW)
    assert keys(changes.recovered) == [fresh.key]


def test_failing_set_going_quiet_is_not_newly_stale() -> None:
    before = [row(status=S.FAILURE, ended_ago=timedelta(hours=20))]
    after = [row(status=S.FAILURE, ended_ago=timedelta(hours=30))]
    assert not diff_reports(before, after, NOW)


def test_running_set_uses_its_start_for_staleness() -> None:
    running = row(status=S.RUNNING, ended_ago=None, started_ago=timedelta(hours=27))
    assert is_stale(running, NOW, DEFAULT_STALE_THRESHOLD)
    assert not is_stale(row(ended_ago=timedelta(hours=26)), NOW, DEFAULT_STALE_THRESHOLD)
    no_times = row(ended_ago=None)._replace(local_start=None)
    assert not is_stale(no_times, NOW, timedelta(0))


def test_custom_threshold() -> None:
    r = row(ended_ago=timedelta(hours=5))
    changes = diff_reports(
        [r], [r], NOW, previous_now=NOW - timedelta(hours=2), stale_after=timedelta(hours=4)
    )
    assert keys(changes.newly_stale) == [r.key]


def test_summary_text_lists_the_first_sets_and_an_ellipsis() -> None:
    before = [row(f"c{i}", "PC", "Files") for i in range(5)] + [row("z", status=S.FAILURE)]
    after = [row("acme", "MAIL01", "Exchange", S.FAILURE)] + [
        row(f"c{i}", "PC", "Files", S.FAILURE) for i in range(1, 5)
    ]
    after += [row("z"), row("c0", "PC", "Files")]  # c0 stays fine; none goes missing
    note = build_notification(diff_reports(before, after, NOW))
    assert note is not None
    assert note.title == "5 new failures, 1 recovered"
    lines = note.message.splitlines()
    assert (
        lines[0] == "5 new failures: acme / MAIL01 / Exchange, c1 / PC / Files, c2 / PC / Files, …"
    )
    assert lines[1] == "1 recovered: z / MAIL01 / Exchange"
    assert len(note.keys) == 6 and note.keys[-1] == ("z", "1", "Exchange")
    assert note.is_problem
    assert note.kinds == (ChangeKind.NEW_FAILURE, ChangeKind.RECOVERED)


def test_summary_singular_and_kinds_filter() -> None:
    changes = diff_reports(
        [row("a"), row("b", status=S.FAILURE)],
        [row("a", status=S.WARNING), row("b")],
        NOW,
    )
    # Warnings are opt-in: with the defaults only the recovery is told, and it is good news.
    note = build_notification(changes, DEFAULT_NOTIFY_KINDS)
    assert note is not None
    assert note.title == "1 recovered"
    assert not note.is_problem
    note = build_notification(changes, {ChangeKind.NEW_WARNING})
    assert note is not None
    assert note.message == "1 new warning: a / MAIL01 / Exchange"
    assert build_notification(changes, set()) is None


def test_outage_announced_once_and_only_after_a_success() -> None:
    tracker = FetchOutageTracker()
    assert tracker.record_failure() is False  # the very first fetch failing: not announced
    assert tracker.record_failure() is False
    assert tracker.record_success() is True  # an outage ended
    assert tracker.record_success() is False
    assert tracker.record_failure() is True  # "cannot fetch any more": once
    assert [tracker.record_failure() for _ in range(5)] == [False] * 5
    assert tracker.failures == 6 and tracker.in_outage
    tracker.record_success()
    assert tracker.record_failure() is True  # a new outage is told again


@pytest.mark.parametrize("n", [1000, 100_000])
def test_diff_is_fast_enough_for_large_reports(n: int) -> None:
    import time

    before = [row(f"u{i}", computer_id=i) for i in range(n)]
    after = [
        r._replace(condition_status=S.FAILURE) if i % 10 == 0 else r for i, r in enumerate(before)
    ]
    began = time.perf_counter()
    changes = diff_reports(before, after, NOW)
    elapsed = time.perf_counter() - began
    assert len(changes.new_failures) == n // 10
    assert elapsed < 2.0


def test_without_muted_drops_only_acknowledged_failures_and_stale_sets() -> None:
    failing = row("acme", status=S.FAILURE)
    other = row("carol", status=S.FAILURE)
    stale = row("bob", ended_ago=timedelta(hours=40))
    warning = row("dave", status=S.WARNING)
    changes = diff_reports(
        [
            failing._replace(condition_status=S.COMPLETED),
            other._replace(condition_status=S.COMPLETED),
            stale._replace(local_end=NOW - timedelta(hours=1)),
            warning._replace(condition_status=S.COMPLETED),
        ],
        [failing, other, stale, warning],
        NOW,
    )
    assert keys(changes.new_failures) == [failing.key, other.key]
    assert keys(changes.newly_stale) == [stale.key]
    muted = without_muted(
        changes, {failing.key: str(S.FAILURE), stale.key: "STALE", warning.key: "STALE"}
    )
    assert keys(muted.new_failures) == [other.key]
    assert muted.newly_stale == ()
    assert keys(muted.new_warnings) == [warning.key]


def test_a_set_that_leaves_the_report_is_newly_missing_as_last_seen() -> None:
    kept = row("acme")
    gone_failing = row("bob", status=S.FAILURE)
    gone_ok = row("carol", computer_id="7")
    changes = diff_reports([kept, gone_failing, gone_ok], [kept], NOW)
    assert keys(changes.newly_missing) == [gone_failing.key, gone_ok.key]
    assert changes.newly_missing[0] is gone_failing  # the row as it was last seen
    assert changes.rows_of(ChangeKind.NEWLY_MISSING) == changes.newly_missing
    assert changes and not changes.new_failures
    # Only once: the next comparison starts from a report without them.
    assert not diff_reports([kept], [kept], NOW)


def test_newly_missing_is_announced_by_default_and_can_be_turned_off() -> None:
    gone = row("bob", "FS01", "Files")
    changes = diff_reports([row(), gone], [row()], NOW)
    note = build_notification(changes)
    assert note is not None
    assert ChangeKind.NEWLY_MISSING in DEFAULT_NOTIFY_KINDS
    assert note.title == "1 no longer reported"
    assert note.message == "1 no longer reported: bob / FS01 / Files"
    assert note.keys == (gone.key,) and note.is_problem
    kinds = DEFAULT_NOTIFY_KINDS - {ChangeKind.NEWLY_MISSING}
    assert build_notification(changes, kinds) is None


def test_only_an_acknowledgement_of_being_missing_mutes_a_missing_set() -> None:
    failing, quiet = row("acme", status=S.FAILURE), row("bob")
    changes = diff_reports([failing, quiet], [], NOW)
    muted = without_muted(changes, {failing.key: str(S.FAILURE), quiet.key: "MISSING"})
    assert keys(muted.newly_missing) == [failing.key]  # a failure ack does not cover going missing


def test_per_customer_thresholds_in_the_diff() -> None:
    weekly = row("weekly", ended_ago=timedelta(days=3))  # backs up once a week: fine
    daily = row("daily", ended_ago=timedelta(days=3))  # the default 26 h: stale
    hourly = row("hourly", ended_ago=timedelta(hours=3))  # expected every hour: stale
    own = {"weekly": timedelta(days=8), "hourly": timedelta(hours=2)}
    fresh = [r._replace(local_end=NOW - timedelta(minutes=30)) for r in (weekly, daily, hourly)]
    changes = diff_reports(fresh, [weekly, daily, hourly], NOW, previous_now=NOW, per_customer=own)
    assert keys(changes.newly_stale) == [daily.key, hourly.key]


def test_nothing_is_announced_missing_from_a_report_that_cannot_tell() -> None:
    before = [row("acme"), row("bob"), row("carol")]
    short = Report(tuple(before[:1]), count=3, incomplete="the server said 3 but sent 1")
    assert diff_reports(before, short, NOW).newly_missing == ()
    unknown_key = before[1]._replace(username=None)
    problem = ReadProblem(2, "username", "null", "missing")
    in_doubt = Report((before[0], unknown_key), problems=(problem,))
    assert diff_reports(before, in_doubt, NOW).newly_missing == ()
    complete = Report(tuple(before[:1]))
    assert keys(diff_reports(before, complete, NOW).newly_missing) == [
        before[1].key,
        before[2].key,
    ]


def test_a_set_listed_twice_counts_with_its_worse_status() -> None:
    failed, fine = row(status=S.FAILURE), row()
    # Failing before (listed twice, the failure first): one COMPLETED now is a recovery.
    assert keys(diff_reports([failed, fine], [fine], NOW).recovered) == [fine.key]
    # Failing now in one of its two rows: a new failure, announced once, not a recovery.
    changes = diff_reports([fine], [failed, fine], NOW)
    assert keys(changes.new_failures) == [failed.key] and changes.recovered == ()
    assert diff_reports([failed, fine], [fine, failed], NOW).new_failures == ()


def test_unknown_names_read_plainly_in_notifications() -> None:
    odd = row(status=S.FAILURE)._replace(computer_name=None, username=None)
    assert row_label(odd) == "? / ? / Exchange"


def test_notifications_name_the_partner_of_a_view_of_several() -> None:
    def at(partner: str, user: str, status: str = S.COMPLETED) -> BackupStatusRow:
        return row(user, status=status)._replace(partner=partner)

    before = [at("resell1", "a"), at("resell1", "b"), at("resell2", "c", S.FAILURE)]
    after = [at("resell1", "a", S.FAILURE), at("resell1", "b", S.FAILURE), at("resell2", "c")]
    note = build_notification(diff_reports(before, after, NOW))
    assert note is not None
    assert note.title == "2 new failures at resell1, 1 recovered at resell2"
    lines = note.message.splitlines()
    assert lines[0].startswith("2 new failures at resell1: a / MAIL01 / Exchange")
    spread = [at(p, u, S.FAILURE) for p, u in (("p1", "a"), ("p2", "b"), ("p3", "c"))]
    earlier = [at(p, u) for p, u in (("x", "a"), ("y", "b"), ("z", "c"))]
    note = build_notification(diff_reports(earlier, spread, NOW))
    assert note is not None and note.title == "3 new failures at 3 partners"
    # One partner's own report (rows without a partner) reads as before.
    plain = build_notification(diff_reports([row("a")], [row("a", status=S.FAILURE)], NOW))
    assert plain is not None and plain.title == "1 new failure"


def test_with_several_partners_missing_is_judged_per_partner() -> None:
    """A refused reseller must not silence "no longer reported" for everyone else, nor have its
    own sets announced; they are announced once its report is whole again and lacks them."""

    def at(partner: str, user: str) -> BackupStatusRow:
        return row(user)._replace(partner=partner)

    def view(*rows: BackupStatusRow, west: str) -> Report:
        partners = (PartnerStatus("msp", state="complete"), PartnerStatus("west", "msp", 1, west))
        return Report(rows, incomplete="west in doubt" if west != "complete" else None,
                      partners=partners, fetched_at=NOW)  # fmt: skip

    before = view(at("msp", "a"), at("msp", "b"), at("west", "w"), west="complete")
    refused = view(at("msp", "a"), west="refused")
    changes = diff_reports(before, refused, NOW)
    assert keys(changes.newly_missing) == [("b", "1", "Exchange")]
    baseline = carry_forward(before, refused)
    assert {r.username for r in baseline.rows} == {"a", "w"}  # west's set waits
    back = view(at("msp", "a"), west="complete")
    assert keys(diff_reports(baseline, back, NOW).newly_missing) == [("w", "1", "Exchange")]
