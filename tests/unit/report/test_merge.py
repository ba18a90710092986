"""Merging partners' reports: every row once, attribution to the most specific partner, read
problems following their rows, and completeness kept per partner."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from desktop_app.report.merge import MergedReport, PartnerPart, PartState, merge_reports
from desktop_app.report.rows import BackupStatusRow, ReadProblem, Report, RowKey
from desktop_app.report.status import ConditionStatus

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
S = ConditionStatus


def row(
    user: str, cid: str = "1", name: str = "Files", status: str = S.COMPLETED, **kw: object
) -> BackupStatusRow:
    made = BackupStatusRow(T0, user, cid, "PC", name, T0, T0, status, (), 0, 0)
    return made._replace(**kw)


def part(partner: str, depth: int, *rows: BackupStatusRow, **report: object) -> PartnerPart:
    tagged = tuple(r._replace(partner=partner) for r in rows)
    return PartnerPart(partner, depth, Report(tagged, **report))  # type: ignore[arg-type]


def where(merged: MergedReport) -> dict[RowKey, str | None]:
    return {r.key: r.partner for r in merged.report.rows}


def test_every_partners_rows_in_part_order_each_carrying_its_partner() -> None:
    merged = merge_reports(
        [part("msp", 0, row("a"), row("b")), part("resell1", 1, row("c"), row("d"))]
    )
    assert [(r.username, r.partner) for r in merged.report.rows] == [
        ("a", "msp"),
        ("b", "msp"),
        ("c", "resell1"),
        ("d", "resell1"),
    ]
    assert merged.attributed == {"msp": 2, "resell1": 2}
    assert merged.report.incomplete is None and merged.report.missing_detectable
    assert merged.in_doubt == ()


def test_a_set_reported_by_a_parent_and_its_child_goes_to_the_child() -> None:
    """The child's own row is kept (its conditions), wherever the parent stands in the list."""
    child_row = row("shared", status=S.FAILURE, errors=4)
    for parts in (
        [part("msp", 0, row("own"), row("shared")), part("branch", 2, child_row)],
        [part("branch", 2, child_row), part("msp", 0, row("shared"), row("own"))],
    ):
        merged = merge_reports(parts)
        assert where(merged) == {("own", "1", "Files"): "msp", ("shared", "1", "Files"): "branch"}
        kept = next(r for r in merged.report.rows if r.username == "shared")
        assert (kept.condition_status, kept.errors) == (S.FAILURE, 4)
        assert merged.attributed == {"msp": 1, "branch": 1}


def test_ties_at_the_same_depth_go_to_the_username_that_sorts_first() -> None:
    twice = row("twice")
    a_then_b = merge_reports([part("resell-b", 1, twice), part("resell-a", 1, twice)])
    b_then_a = merge_reports([part("resell-a", 1, twice), part("resell-b", 1, twice)])
    assert where(a_then_b) == where(b_then_a) == {("twice", "1", "Files"): "resell-a"}


def test_sets_match_only_within_one_api_host() -> None:
    """Customer usernames are unique per host only: the same key under NA and EMEA is two
    backup sets, both kept; within one host the deeper partner still wins."""
    na = PartnerPart("msp", 0, part("msp", 0, row("acme"), row("own")).report, group="na")
    na_branch = dataclasses.replace(part("branch", 1, row("own")), group="na")
    emea = dataclasses.replace(part("msp (EMEA)", 0, row("acme", status=S.FAILURE)), group="eu")
    merged = merge_reports([na, na_branch, emea])
    assert [(r.username, r.partner) for r in merged.report.rows] == [
        ("acme", "msp"),
        ("own", "branch"),
        ("acme", "msp (EMEA)"),
    ]
    assert merged.attributed == {"msp": 1, "branch": 1, "msp (EMEA)": 1}


def test_unreadable_keys_and_a_partners_own_repeats_are_all_kept() -> None:
    nameless = row("x", name=None)  # type: ignore[arg-type]
    merged = merge_reports(
        [part("msp", 0, nameless, row("dup"), row("dup")), part("resell", 1, nameless)]
    )
    assert [(r.key, r.partner) for r in merged.report.rows] == [
        (("x", "1", None), "msp"),
        (("dup", "1", "Files"), "msp"),
        (("dup", "1", "Files"), "msp"),
        (("x", "1", None), "resell"),
    ]


def test_read_problems_follow_their_rows_and_name_the_partner() -> None:
    msp = part(
        "msp",
        0,
        row("a"),
        row("shared", errors=None),
        row("b", errors=None),
        problems=(
            ReadProblem(2, "errors", '"x"', "not a whole number"),
            ReadProblem(3, "errors", '"y"', "not a whole number"),
            ReadProblem(None, "count", '"z"', "not a whole number", "read as 3"),
        ),
    )
    child = part(
        "resell",
        1,
        row("shared"),
        row("c", errors=None),
        problems=(ReadProblem(2, "errors", '"w"', "not a whole number"),),
    )
    merged = merge_reports([msp, child])
    assert [r.username for r in merged.report.rows] == ["a", "b", "shared", "c"]
    assert [(p.partner, p.row, p.raw) for p in merged.report.problems] == [
        ("msp", 2, '"y"'),  # "b" moved up one: "shared" went to the child
        ("msp", None, '"z"'),
        ("resell", 4, '"w"'),
    ]
    assert merged.report.problems[0].line() == (
        'msp: row 2, errors: "y" (not a whole number; left blank)'
    )
    part_problems = merged.part("msp").report.problems  # type: ignore[union-attr]
    assert [p.row for p in part_problems] == [2, 3, None]  # the part keeps its own numbering


def test_completeness_is_kept_per_partner() -> None:
    complete = part("msp", 0, row("a"))
    short = part("resell1", 1, row("b"), incomplete="the server said it holds 9 but sent 1")
    odd_key = part("resell2", 1, row("c"), problems=(ReadProblem(1, "username", "7", "not text"),))
    refused = PartnerPart("noscope", 1, failure="Access was denied (HTTP 403).", refused=True)
    failed = PartnerPart("down", 1, failure="The connection was refused.")
    pending = PartnerPart("slow", 1)
    merged = merge_reports([complete, short, odd_key, refused, failed, pending])
    states = {p.partner: p.state for p in merged.parts}
    assert states == {
        "msp": PartState.COMPLETE,
        "resell1": PartState.INCOMPLETE,
        "resell2": PartState.INCOMPLETE,
        "noscope": PartState.REFUSED,
        "down": PartState.FAILED,
        "slow": PartState.PENDING,
    }
    assert [merged.missing_detectable_for(p) for p in states] == [True] + [False] * 5
    assert not merged.missing_detectable_for("never-heard-of") and not (
        merged.missing_detectable_for(None)
    )
    assert merged.in_doubt == ("resell1", "resell2", "noscope", "down", "slow")
    assert not merged.report.missing_detectable  # a partner-blind history calls nothing missing
    assert merged.report.incomplete == (
        "5 of 6 partners cannot say which backup sets are missing: "
        "resell1 (incomplete: the server said it holds 9 but sent 1); "
        "resell2 (some keys could not be read); noscope (refused); "
        "down (could not be fetched); slow (not fetched yet)"
    )
    assert [r.username for r in merged.report.rows] == ["a", "b", "c"]


def test_the_merged_envelope_and_untagged_rows() -> None:
    later = T0 + timedelta(minutes=3)
    msp = PartnerPart("msp", 0, Report((row("a"),), fetched_at=later, source="json"))
    child = PartnerPart("resell", 1, Report((row("b"),), fetched_at=T0, source="json"))
    merged = merge_reports([msp, child], fetch_seconds=4.5)
    report = merged.report
    assert (report.page, report.page_size, report.count) == (1, 2, 2)
    assert (report.fetched_at, report.source, report.fetch_seconds) == (T0, "json", 4.5)
    assert [r.partner for r in report.rows] == ["msp", "resell"]  # rows read without one
    mixed = merge_reports([msp, PartnerPart("x", 1, Report((), source="xml"))])
    assert mixed.report.source == ""
    with pytest.raises(ValueError, match="one part"):
        merge_reports([msp, msp])
