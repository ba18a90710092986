"""Several sign-ins in one view (an NA and an EMEA account, real demo servers on loopback):
names qualified per host, one fetch pool, a sign-in refused or without a secret costs only
its own partners."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from desktop_app.api.client import ReportClient, build_client
from desktop_app.api.partner_view import (
    PartnerScope,
    SignInScope,
    fetch_partner_view,
    partner_problems,
)
from desktop_app.api.regions import custom_endpoint
from desktop_app.demo.regions import DemoRegion, start_region
from desktop_app.demo.server import DemoServer
from desktop_app.report.merge import PartState

ROWS = 40


@pytest.fixture(scope="module")
def na_server() -> Iterator[DemoServer]:
    with DemoServer(rows=ROWS, evolve=False) as server:
        yield server


@pytest.fixture(scope="module")
def emea() -> Iterator[DemoRegion]:
    region = start_region(ROWS)
    yield region
    region.close()


@pytest.fixture
def na_client(na_server: DemoServer) -> Iterator[ReportClient]:
    with build_client(
        custom_endpoint(na_server.base_url),
        na_server.username,
        client_id=na_server.client_id,
        client_secret=na_server.client_secret,
    ) as client:
        yield client


def test_two_regions_are_one_view_with_partners_named_by_region(
    na_client: ReportClient, emea: DemoRegion
) -> None:
    report = fetch_partner_view(na_client, PartnerScope.of("demo-partner"), others=emea.scopes())
    assert [(p.partner, p.parent, p.depth, p.state) for p in report.partners] == [
        ("demo-partner", None, 0, "complete"),
        ("emea-partner (EMEA)", None, 0, "complete"),
        ("emea-resell (EMEA)", "emea-partner (EMEA)", 1, "complete"),
    ]
    counts: dict[str | None, int] = {}
    for row in report.rows:
        counts[row.partner] = counts.get(row.partner, 0) + 1
    assert counts == {"demo-partner": ROWS, "emea-partner (EMEA)": ROWS, "emea-resell (EMEA)": 20}
    assert all(r.username.startswith("eu") for r in report.rows if "EMEA" in (r.partner or ""))
    assert report.missing_detectable and partner_problems(report) == []
    assert any("emea-resell" in r.path for r in emea.server.request_log)


def test_the_same_host_shares_names_and_namespace(
    na_server: DemoServer, na_client: ReportClient
) -> None:
    """A second sign-in on the main host needs no qualified names, and the same partner
    watched by both is fetched once."""
    other = build_client(
        custom_endpoint(na_server.base_url),
        na_server.username,
        client_id=na_server.client_id,
        client_secret=na_server.client_secret,
    )
    host = other.endpoint.api_host
    with other:
        scope = SignInScope(PartnerScope.of("demo-partner"), host, "Other", other)
        report = fetch_partner_view(na_client, PartnerScope.of("demo-partner"), others=[scope])
    assert [p.partner for p in report.partners] == ["demo-partner"]
    assert len(report.rows) == ROWS


def test_a_refused_sign_in_and_one_without_a_secret_cost_only_their_partners(
    na_client: ReportClient, emea: DemoRegion
) -> None:
    wrong = build_client(
        custom_endpoint(emea.server.base_url),
        "emea-partner",
        client_id="demo-emea-client",
        client_secret="not-the-secret",
    )
    host = wrong.endpoint.api_host
    with wrong:
        others = [
            SignInScope(
                PartnerScope.of("emea-partner", include_subpartners=True), host, "EMEA", wrong
            ),
            SignInScope(
                PartnerScope.of("apac-partner"),
                "api.apac.example",
                "APAC",
                failure="No secret is saved for the sign-in apac-partner@api.apac.example.",
            ),
        ]
        report = fetch_partner_view(na_client, PartnerScope.of("demo-partner"), others=others)
    assert {r.partner for r in report.rows} == {"demo-partner"}
    assert len(report.rows) == ROWS
    states = {p.partner: (p.state, p.problem or "") for p in report.partners}
    assert states["emea-partner (EMEA)"][0] == PartState.REFUSED.value
    assert "rejected" in states["emea-partner (EMEA)"][1]
    assert "(HTTP 401)" in states["emea-partner (EMEA)"][1]
    assert "Account > Other sign-ins… > Sign in again…" in states["emea-partner (EMEA)"][1]
    assert states["apac-partner (APAC)"] == (
        PartState.FAILED.value,
        "No secret is saved for the sign-in apac-partner@api.apac.example.",
    )
    # Their sets cannot be judged: nothing of theirs is called missing.
    assert not report.missing_detectable
    assert "not-the-secret" not in repr(report)


def test_a_customer_under_both_hosts_is_kept_twice_and_named_in_the_log(
    na_client: ReportClient, caplog: pytest.LogCaptureFixture
) -> None:
    """The same customer username on both hosts: both rows stay (the merge keeps hosts
    apart), and the log says that the sidebar, acknowledgements and history cannot."""
    with DemoServer(rows=ROWS, evolve=False) as copy:  # another host, the same customers
        other = build_client(
            custom_endpoint(copy.base_url),
            copy.username,
            client_id=copy.client_id,
            client_secret=copy.client_secret,
        )
        with other, caplog.at_level(logging.WARNING):
            scope = SignInScope(
                PartnerScope.of(copy.username), other.endpoint.api_host, "EU", other
            )
            report = fetch_partner_view(na_client, PartnerScope.of("demo-partner"), others=[scope])
    assert len(report.rows) == 2 * ROWS
    assert {r.partner for r in report.rows} == {"demo-partner", "demo-partner (EU)"}
    assert "listed under more than one API host" in caplog.text
