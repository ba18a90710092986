"""``backup-status export`` on the data and servers a real API may produce: read problems on
stderr (and ``--strict``), incomplete reports, a refused status list, an error object, a drip
past ``--timeout``, a reset mid-body. Real HTTP on 127.0.0.1, real files."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from desktop_app.__main__ import main
from desktop_app.cli.export_command import (
    EXIT_INVALID_RESPONSE,
    EXIT_NETWORK,
    EXIT_OK,
    PROBLEM_LINES,
)
from tests.unit.api.test_api_client import _row
from tests.unit.cli.test_export_command import read_csv
from tests.unit.raw_http import Behaviour, RawServer, drip, reset_after

PATH = "/v1/partners/p1/reports/backup_status"


@pytest.fixture(autouse=True)
def token(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("BACKUP_STATUS_CLIENT_ID", "BACKUP_STATUS_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BACKUP_STATUS_TOKEN", "any-token-value")
    monkeypatch.setenv("BACKUP_STATUS_USERNAME", "p1")


def envelope(rows: list[dict[str, object]], count: int | None = None) -> bytes:
    n = len(rows) if count is None else count
    return json.dumps({"page": 1, "page_size": len(rows), "count": n, "links": [], "list": rows})


def export(url: str, target: Path | str, *args: str) -> int:
    return main(["export", "--base-url", url, "-o", str(target), *args])


def test_read_problems_are_listed_and_the_rest_exported(
    httpserver: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [_row(i) for i in range(20)]
    for i in range(12):
        rows[i]["errors"] = f"n/a-{i}"  # twelve problems: ten lines, then a count
    rows[15]["condition_status"] = "failure"  # lower case: still a failure
    rows[16]["computer_id"] = "0000"
    rows[17]["local_end"] = ""  # running: no end, not a problem
    httpserver.expect_request(PATH).respond_with_data(
        envelope(rows), content_type="application/json"
    )
    target = tmp_path / "r.csv"
    assert export(httpserver.url_for("/"), target) == EXIT_OK
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "backup-status: warning: 12 values could not be read:"
    assert err[1] == '  row 1, errors: "n/a-0" (not a whole number; left blank)'
    assert len(err[1 : 1 + PROBLEM_LINES]) == 10
    assert err[1 + PROBLEM_LINES] == "  … and 2 more"
    assert err[-1].startswith("backup-status: 20 rows written to")
    records = read_csv(target)
    assert [r["errors"] for r in records[:12]] == [""] * 12  # unknown: blank, never 0
    assert records[15]["condition_status"] == "FAILURE"
    assert records[16]["computer_id"] == "0000"
    assert records[17]["local_end"] == ""


def test_strict_refuses_a_report_with_read_problems_and_writes_nothing(
    httpserver: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [_row(i) for i in range(3)]
    rows[1]["warnings"] = -4
    httpserver.expect_request(PATH).respond_with_data(
        envelope(rows), content_type="application/json"
    )
    target = tmp_path / "r.csv"
    target.write_text("yesterday's export")
    assert export(httpserver.url_for("/"), target, "--strict") == EXIT_INVALID_RESPONSE
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "backup-status: error: 1 value could not be read:",
        "  row 2, warnings: -4 (a count cannot be negative; left blank)",
        "backup-status: error: --strict: nothing was written",
    ]
    assert target.read_text() == "yesterday's export"


def test_an_incomplete_report_is_a_warning_or_with_strict_a_failure(
    httpserver: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [_row(i) for i in range(100)]
    httpserver.expect_request(PATH).respond_with_data(
        envelope(rows, count=250), content_type="application/json"
    )
    target = tmp_path / "r.csv"
    assert export(httpserver.url_for("/"), target) == EXIT_OK
    err = capsys.readouterr().err.splitlines()
    assert err[0] == (
        "backup-status: warning: the report is incomplete: the server said it holds 250 "
        "backup sets but sent 100"
    )
    assert len(read_csv(target)) == 100
    strict = tmp_path / "strict.csv"
    assert export(httpserver.url_for("/"), strict, "--strict") == EXIT_INVALID_RESPONSE
    assert not strict.exists()


def test_a_refused_status_list_is_filtered_locally(
    httpserver: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [_row(i) for i in range(10)]
    rows[2]["condition_status"] = "Warning"

    def handler(request: Request) -> Response:
        if "," in request.args.get("condition_status", ""):
            return Response('{"error": "bad filter"}', 400, content_type="application/json")
        return Response(envelope(rows), content_type="application/json")

    httpserver.expect_request(PATH).respond_with_handler(handler)
    target = tmp_path / "r.csv"
    assert export(httpserver.url_for("/"), target, "--status", "failure,warning") == EXIT_OK
    statuses = [r["condition_status"] for r in read_csv(target)]
    assert statuses == ["FAILURE", "WARNING", "FAILURE", "FAILURE", "FAILURE", "FAILURE"]
    assert [req.args.get("condition_status") for req, _ in httpserver.log] == [
        "FAILURE,WARNING",
        None,
    ]


def test_an_error_object_in_a_200_shows_the_servers_text(
    httpserver: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    httpserver.expect_request(PATH).respond_with_data(
        '{"error": "report_unavailable", "message": "The report is being rebuilt"}',
        content_type="application/json",
    )
    assert export(httpserver.url_for("/"), tmp_path / "r.csv") == EXIT_INVALID_RESPONSE
    err = capsys.readouterr().err
    assert "The report is being rebuilt" in err and "'list'" not in err


def test_timeout_ends_a_dripping_fetch_with_the_network_exit_code(
    raw_server: Callable[[Behaviour], RawServer],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = raw_server(drip)
    started = time.monotonic()
    code = export(server.url, tmp_path / "r.csv", "--timeout", "0.5", "--username", "p1")
    assert code == EXIT_NETWORK
    assert time.monotonic() - started < 5
    assert "did not arrive within 0.5 s" in capsys.readouterr().err
    assert not (tmp_path / "r.csv").exists()


def test_a_reset_mid_body_is_a_network_failure(
    raw_server: Callable[[Behaviour], RawServer],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = raw_server(reset_after(b'{"page": 1, "list": [' + b" " * 4000))
    assert export(server.url, tmp_path / "r.csv") == EXIT_NETWORK
    err = capsys.readouterr().err
    assert "broke after 3.9 KB of 48.8 KB" in err


@pytest.mark.parametrize("value", ["0", "-1", "soon"])
def test_timeout_must_be_a_positive_number(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    try:
        code = main(["export", "--base-url", "http://127.0.0.1:9", "-o", "-", "--timeout", value])
    except SystemExit as exit:  # argparse's own refusal of a non-number
        code = int(exit.code or 0)
    assert code == 2
    assert "--timeout" in capsys.readouterr().err


def test_a_set_listed_twice_is_exported_twice(httpserver: HTTPServer, tmp_path: Path) -> None:
    failed = _row(1)
    rows = [failed, {**failed, "condition_status": "COMPLETED"}, _row(2)]
    httpserver.expect_request(PATH).respond_with_data(
        envelope(rows), content_type="application/json"
    )
    target = tmp_path / "r.csv"
    assert export(httpserver.url_for("/"), target) == EXIT_OK
    records = read_csv(target)
    assert [r["condition_status"] for r in records[:2]] == ["FAILURE", "COMPLETED"]
    assert records[0]["backupset_name"] == records[1]["backupset_name"]
