"""One view of several partners over the demo's partner tree (real HTTP on loopback): the
scope, the merged report naming every partner, partial views while partners are still
fetched, and what makes the view incomplete."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

import pytest

from desktop_app.api.client import ReportClient
from desktop_app.api.errors import FetchCancelled
from desktop_app.api.partner_reports import Progress
from desktop_app.api.partner_view import PartnerScope, fetch_partner_view, partner_problems
from desktop_app.demo.faults import Fault, FaultPlan, Target
from desktop_app.demo.partners import standard_tree
from desktop_app.demo.server import DemoServer
from desktop_app.report.rows import Report
from tests.unit.demo.test_demo_partners import ROWS, client, tree_server
from tests.unit.demo.test_demo_quirks import client as client_of

__all__ = ["client", "tree_server"]  # the demo tree's fixtures, shared


def test_the_scope_keeps_the_first_partner_first_without_repeats() -> None:
    scope = PartnerScope.of("a", ["b", "a", "c", "b"])
    assert scope.usernames == ("a", "b", "c") and scope.several
    assert not PartnerScope.of("a").several
    assert PartnerScope.of("a", include_subpartners=True).several


def test_the_whole_tree_is_one_report_naming_every_partner(
    tree_server: DemoServer, client: ReportClient
) -> None:
    report = fetch_partner_view(client, PartnerScope.of(tree_server.username, (), True))
    assert [(p.partner, p.parent, p.depth, p.state) for p in report.partners] == [
        ("demo-partner", None, 0, "complete"),
        ("resell-north", "demo-partner", 1, "complete"),
        ("resell-south", "demo-partner", 1, "complete"),
        ("resell-west", "demo-partner", 1, "refused"),
        ("north-branch", "resell-north", 2, "complete"),
    ]
    by_partner: dict[str | None, int] = {}
    for row in report.rows:
        by_partner[row.partner] = by_partner.get(row.partner, 0) + 1
    # The branch's sets, listed by its reseller too, are the branch's alone.
    assert by_partner == {
        "demo-partner": ROWS,
        "resell-north": ROWS,
        "resell-south": ROWS,
        "north-branch": ROWS // 2,
    }
    assert len({row.key for row in report.rows}) == len(report.rows)
    (west,) = partner_problems(report)
    assert west.partner == "resell-west"
    assert "denied (HTTP 403)" in (west.problem or "")
    assert (west.problem or "").endswith("Its sub-partners could not be listed either.")
    # Sets of a refused partner cannot be judged: nothing is called missing meanwhile.
    assert report.incomplete is not None and "resell-west" in report.incomplete
    assert not report.missing_detectable


def test_usernames_without_sub_partners_are_just_those(
    tree_server: DemoServer, client: ReportClient
) -> None:
    tree_server.clear_request_log()
    report = fetch_partner_view(client, PartnerScope.of("resell-south", ["demo-partner"]))
    assert [p.partner for p in report.partners] == ["resell-south", "demo-partner"]
    assert all(p.parent is None and p.depth == 0 for p in report.partners)
    assert report.incomplete is None and report.missing_detectable
    assert not any("signups" in r.path for r in tree_server.request_log)


def test_a_failed_sub_partner_list_makes_the_view_incomplete() -> None:
    faults = FaultPlan()
    with DemoServer(partners=standard_tree(10), evolve=False, faults=faults) as server:
        faults.add(Fault.status(404), target=Target.SIGNUPS)
        with client_of(server) as base:
            report = fetch_partner_view(base, PartnerScope.of(server.username, (), True))
    # Only the root is known; its own report arrived, but its sub-partners' sets may exist.
    assert [p.partner for p in report.partners] == ["demo-partner"]
    assert report.partners[0].state == "complete"
    assert "could not be listed" in (report.partners[0].problem or "")
    assert report.incomplete is not None and "sub-partners of demo-partner" in report.incomplete
    assert not report.missing_detectable


def test_partial_views_come_while_partners_are_still_fetched() -> None:
    """A partner held back by the server does not keep the others from the view."""
    partials: list[tuple[Report, Progress]] = []
    steps: list[Progress] = []
    release = threading.Event()
    faults = FaultPlan()
    with DemoServer(partners=standard_tree(10), evolve=False, faults=faults) as server:
        faults.add(Fault.latency(30.0))  # the first report asked for hangs

        def on_progress(progress: Progress, so_far: Callable[[], Report] | None) -> None:
            steps.append(progress)
            if so_far is not None:
                partials.append((so_far(), progress))
                release.set()

        def stop_the_slow_one() -> None:
            release.wait(10)
            server.stop()  # ends the hanging request, as a cancel would not

        threading.Thread(target=stop_the_slow_one, daemon=True).start()
        with client_of(server) as base:
            fetch_partner_view(
                base, PartnerScope.of(server.username, (), True), on_progress=on_progress
            )
    assert steps[0] == Progress(0, 5)  # said before anything arrived
    assert partials, "a partial view came before the slow partner"
    first, progress = partials[0]
    assert 0 < progress.done < progress.total == 5
    pending = [p.partner for p in first.partners if p.state == "pending"]
    assert pending and first.rows
    assert {row.partner for row in first.rows}.isdisjoint(pending)
    assert first.incomplete is not None and not first.missing_detectable


def test_cancel_stops_the_view(tree_server: DemoServer, client: ReportClient) -> None:
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(FetchCancelled):
        fetch_partner_view(client, PartnerScope.of(tree_server.username, (), True), cancel=cancel)


def test_a_paced_view_rests_in_every_parse_and_in_the_merge(
    tree_server: DemoServer, client: ReportClient
) -> None:
    """The partners' parses (on the fetch threads) and the merges (on the caller) call the
    pause; what comes out is the same view."""
    callers: Counter[str] = Counter()
    lock = threading.Lock()

    def pause() -> None:
        with lock:
            callers[threading.current_thread().name.rstrip("0123456789")] += 1

    scope = PartnerScope.of(tree_server.username, (), True)
    paced = fetch_partner_view(client, scope, pause=pause)
    plain = fetch_partner_view(client, scope)
    assert [(r.key, r.partner) for r in paced.rows] == [(r.key, r.partner) for r in plain.rows]
    assert callers["partner-report-"] >= 1  # the parses, on the fetch threads
    assert callers[threading.current_thread().name.rstrip("0123456789")] >= 1  # the merge
