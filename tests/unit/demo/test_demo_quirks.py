"""The demo server's documented shapes by default, and its quirks switch, read by the real
client over real HTTP: what the app meets from a sloppy server, it meets in the demo too."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
import requests

from desktop_app.api.client import ReportClient, build_client
from desktop_app.api.errors import InvalidResponseError
from desktop_app.api.regions import custom_endpoint
from desktop_app.demo.__main__ import main as demo_main
from desktop_app.demo.data import DemoData
from desktop_app.demo.faults import Fault
from desktop_app.demo.quirks import PAGE_SIZE, Quirk, parse_quirks
from desktop_app.demo.server import DemoServer
from desktop_app.report.status import ConditionStatus

ROWS = 350


@pytest.fixture
def server() -> Iterator[DemoServer]:
    with DemoServer(DemoData(ROWS, seed=3), evolve=False) as demo:
        yield demo


def client(server: DemoServer, fmt: str = "json") -> ReportClient:
    return build_client(
        custom_endpoint(server.base_url),
        server.username,
        client_id=server.client_id,
        client_secret=server.client_secret,
        response_format=fmt,
    )


def raw_json(server: DemoServer, query: str = "") -> dict[str, object]:
    token = server.issue_token()
    response = requests.get(
        server.report_url + query,
        headers={"Authorization": f"OAuth {token}", "Accept": "application/json"},
        timeout=10,
    )
    document: dict[str, object] = response.json()
    return document


def test_by_default_the_documented_shapes(server: DemoServer) -> None:
    document = raw_json(server)
    rows = document["list"]
    assert isinstance(rows, list) and len(rows) == ROWS
    ids = {row["computer_id"] for row in rows}
    assert all(isinstance(i, str) and re.fullmatch(r"0\d{6}", i) for i in ids)  # "0012345"
    with client(server) as c:
        report = c.fetch_report()
    assert report.problems == () and report.incomplete is None
    assert {r.computer_id for r in report.rows} == ids


def test_odd_values_are_served_and_read_without_losing_a_row(server: DemoServer) -> None:
    server.quirks = frozenset({Quirk.VALUES})
    rows = raw_json(server)["list"]
    assert isinstance(rows, list)
    assert any(str(r["computer_id"]).startswith("PC-") for r in rows)
    assert any(r.get("local_end") == "" for r in rows)
    assert any("condition_types " in r for r in rows)
    assert any(r["condition_status"] == "failure" for r in rows)
    with client(server) as c:
        report = c.fetch_report()
    assert len(report.rows) == ROWS
    fields = {p.field for p in report.problems}
    assert fields == {"errors", "local_start"}  # "n/a" counts, times without an offset
    failures = [r for r in report.rows if r.condition_status is ConditionStatus.FAILURE]
    plain = [r for r in server.data.rows() if r.condition_status == ConditionStatus.FAILURE]
    assert len(failures) == len(plain)  # lower case is no longer an unknown status
    assert {r.computer_id for r in report.rows} >= {
        str(r["computer_id"]) for r in rows if str(r["computer_id"]).startswith("PC-")
    }
    assert report.missing_detectable  # odd values, but every key was read


def test_odd_values_in_xml_include_the_documentations_mismatched_tag(server: DemoServer) -> None:
    server.quirks = frozenset({Quirk.VALUES})
    with client(server, "xml") as c:
        report = c.fetch_report()
    assert len(report.rows) == ROWS
    assert "document" in {p.field for p in report.problems}


def test_pages_are_followed_to_the_whole_report(server: DemoServer) -> None:
    server.quirks = frozenset({Quirk.PAGES})
    first = raw_json(server)
    assert len(first["list"]) == PAGE_SIZE  # type: ignore[arg-type]
    assert any(link["rel"] == "next" for link in first["links"])  # type: ignore[attr-defined, union-attr]
    with client(server) as c:
        report = c.fetch_report()
    assert len(report.rows) == ROWS and report.incomplete is None
    assert report.response is not None and report.response.pages == 4


def test_a_short_report_is_incomplete(server: DemoServer) -> None:
    server.quirks = frozenset({Quirk.SHORT, Quirk.PAGES})
    with client(server) as c:
        report = c.fetch_report()
    assert len(report.rows) == ROWS - ROWS // 10
    assert report.incomplete == f"the server said it holds {ROWS} backup sets but sent 315"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_the_error_object_fault(server: DemoServer, fmt: str) -> None:
    server.faults.add(Fault.error_object())
    with client(server, fmt) as c, pytest.raises(InvalidResponseError, match="being rebuilt"):
        c.fetch_report()


def test_quirks_by_name_and_from_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert parse_quirks("values, PAGES") == {Quirk.VALUES, Quirk.PAGES}
    assert parse_quirks("all") == frozenset(Quirk)
    assert parse_quirks("") == frozenset()
    with pytest.raises(ValueError, match="unknown quirk bogus"):
        parse_quirks("values,bogus")
    assert demo_main(["--quirks", "bogus", "--rows", "1"]) == 2
    assert "unknown quirk" in capsys.readouterr().err


def test_a_quirky_json_report_stays_valid_json(server: DemoServer) -> None:
    server.quirks = frozenset(Quirk)
    token = server.issue_token()
    body = requests.get(
        server.report_url + "?page=2",
        headers={"Authorization": f"OAuth {token}"},
        timeout=10,
    ).content
    assert json.loads(body)["page"] == 2
