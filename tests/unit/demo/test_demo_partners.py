"""The demo's partner tree over real HTTP: the walk, every partner's report, the refused one,
the parent that lists its branch's sets too, and the merged view end to end."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator

import pytest
import requests

from desktop_app.api.client import ReportClient
from desktop_app.api.errors import PermissionDeniedError
from desktop_app.api.partner_reports import fetch_partner_reports
from desktop_app.api.partners import walk_partners
from desktop_app.demo.faults import Fault, Target
from desktop_app.demo.partners import SIGNUPS_PAGE_SIZE, flat_tree, standard_tree
from desktop_app.demo.server import DemoServer
from desktop_app.report.merge import PartState, merge_reports
from tests.unit.demo.test_demo_quirks import client as client_of
from tests.unit.demo.test_demo_server import demo_banner

ROWS = 60


@pytest.fixture(scope="module")
def tree_server() -> Iterator[DemoServer]:
    with DemoServer(partners=standard_tree(ROWS), evolve=False) as server:
        yield server


@pytest.fixture
def client(tree_server: DemoServer) -> Iterator[ReportClient]:
    with client_of(tree_server) as made:
        yield made


def sibling(base: ReportClient) -> Callable[[str], ReportClient]:
    return lambda name: base.for_partner(name, session=requests.Session())


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_the_walk_finds_the_tree_in_pages(tree_server: DemoServer, fmt: str) -> None:
    tree_server.clear_request_log()
    with client_of(tree_server, fmt) as xml_or_json:
        walk = walk_partners(xml_or_json, [tree_server.username])
    assert [(p.username, p.parent, p.depth) for p in walk.tree] == [
        ("demo-partner", None, 0),
        ("resell-north", "demo-partner", 1),
        ("resell-south", "demo-partner", 1),
        ("resell-west", "demo-partner", 1),
        ("north-branch", "resell-north", 2),
    ]
    assert walk.tree.get("resell-south").company == "Southern Cloud LLC"  # type: ignore[union-attr]
    root_pages = [r.path for r in tree_server.request_log if "/demo-partner/signups" in r.path]
    assert len(root_pages) == 2 and "page=2" in root_pages[1]  # three resellers, two a page
    assert SIGNUPS_PAGE_SIZE == 2
    west = walk.problem_of("resell-west")
    assert west is not None and isinstance(west.error, PermissionDeniedError)
    assert [p.partner for p in walk.problems] == ["resell-west"]


def test_each_partner_has_its_own_customers_and_the_west_is_refused(
    tree_server: DemoServer, client: ReportClient
) -> None:
    names = [p.username for p in tree_server.partners]
    results = {r.partner: r for r in fetch_partner_reports(names, sibling(client))}
    west = results["resell-west"]
    assert west.refused and isinstance(west.error, PermissionDeniedError)
    assert "scope" in west.error.message
    customers = {
        name: {row.username for row in r.report.rows}
        for name, r in results.items()
        if r.report is not None
    }
    assert all(u.startswith("s-") for u in customers["resell-south"])
    assert all(not u.startswith(("n-", "s-", "w-")) for u in customers["demo-partner"])
    # The reseller's report lists its branch's sets as well as its own.
    assert customers["north-branch"] < customers["resell-north"]
    assert {u[:2] for u in customers["resell-north"]} == {"n-", "nb"}
    for name, result in results.items():
        if result.report is not None:
            assert result.report.rows == tuple(
                row._replace(partner=name) for row in tree_server.report_rows(name)
            )


def test_the_merged_view_attributes_the_branch_sets_to_the_branch(
    tree_server: DemoServer, client: ReportClient
) -> None:
    walk = walk_partners(client, [tree_server.username])
    results = fetch_partner_reports(walk.tree.usernames, sibling(client))
    merged = merge_reports([r.part(walk.tree.get(r.partner).depth) for r in results])  # type: ignore[union-attr]
    branch = {row.key for row in tree_server.report_rows("north-branch")}
    rows = merged.report.rows
    assert {r.partner for r in rows if r.key in branch} == {"north-branch"}
    assert len(rows) == len({r.key for r in rows}) == 3 * ROWS + ROWS // 2
    assert merged.attributed == {
        "demo-partner": ROWS,
        "resell-north": ROWS,
        "resell-south": ROWS,
        "north-branch": ROWS // 2,
    }
    assert merged.part("resell-west").state is PartState.REFUSED  # type: ignore[union-attr]
    assert merged.in_doubt == ("resell-west",)
    assert not merged.missing_detectable_for("resell-west")
    assert merged.missing_detectable_for("resell-north")


def test_without_a_tree_the_demo_is_one_partner_as_before() -> None:
    with DemoServer(rows=30, evolve=False) as plain, client_of(plain) as client:
        assert plain.partners == ()
        walk = walk_partners(client, [plain.username])
        assert walk.tree.usernames == ("demo-partner",) and walk.complete
        report = client.fetch_report()
        assert {r.partner for r in report.rows} == {None}  # one partner: nothing to tell apart
        with DemoServer(partners=standard_tree(30), evolve=False) as tree:
            # The root's own report: the same sets in the same states (its times follow the
            # moment each server generated its data, so they may differ by a second).
            def sets(server: DemoServer) -> list[tuple[object, ...]]:
                return [(r.key, r.condition_status) for r in server.report_rows()]

            assert sets(tree) == sets(plain)


def test_signups_faults_and_a_flat_tree() -> None:
    with DemoServer(partners=flat_tree(7, 5), evolve=False) as server, client_of(server) as c:
        server.faults.add(Fault.status(500), target=Target.SIGNUPS)
        walk = walk_partners(c, [server.username])
        assert [p.username for p in walk.tree] == ["demo-partner"]  # its list failed
        problem = walk.problem_of("demo-partner")
        assert problem is not None and problem.error is not None
        assert problem.error.status == 500
        again = walk_partners(c, [server.username])
        assert len(again.tree) == 7 and again.complete


def test_module_cli_lists_the_tree() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "desktop_app.demo", "--port", "0", "--rows", "5", "--partners"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines = demo_banner(proc)
        partners = [line.split(":", 1)[1].strip() for line in lines if line.startswith("partner")]
        assert partners == [
            "demo-partner (the root)",
            "resell-north (below demo-partner)",
            "resell-south (below demo-partner)",
            "resell-west (below demo-partner, refused (HTTP 403))",
            "north-branch (below resell-north)",
        ]
    finally:
        proc.kill()
        proc.communicate()
