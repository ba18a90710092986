"""``backup-status export`` end to end: real HTTP on 127.0.0.1, real files in tmp_path."""

from __future__ import annotations

import csv
import io
import json
import socket
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from desktop_app.__main__ import build_parser, main
from desktop_app.cli.export_command import (
    EXIT_AUTH,
    EXIT_CANNOT_WRITE,
    EXIT_INVALID_RESPONSE,
    EXIT_NETWORK,
    EXIT_OK,
    EXIT_USAGE,
    run_export,
)
from desktop_app.demo.faults import Fault
from desktop_app.demo.server import DemoServer
from desktop_app.report.rows import FIELD_NAMES, BackupStatusRow
from desktop_app.report.serialize import rows_to_json_bytes
from desktop_app.report.status import ConditionStatus
from desktop_app.storage.credentials import CredentialStore, StoredCredentials
from tests.support import MemoryKeyring

ENV_NAMES = (
    "BACKUP_STATUS_USERNAME",
    "BACKUP_STATUS_TOKEN",
    "BACKUP_STATUS_CLIENT_ID",
    "BACKUP_STATUS_CLIENT_SECRET",
)


@pytest.fixture
def server() -> Iterator[DemoServer]:
    # Unusual credentials so a leak is easy to spot in any output.
    with DemoServer(
        rows=240, seed=11, evolve=False, client_secret="Sup3r-S3cret-Value-xyz"
    ) as demo:
        yield demo


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def client_env(server: DemoServer, monkeypatch: pytest.MonkeyPatch) -> DemoServer:
    monkeypatch.setenv("BACKUP_STATUS_USERNAME", server.username)
    monkeypatch.setenv("BACKUP_STATUS_CLIENT_ID", server.client_id)
    monkeypatch.setenv("BACKUP_STATUS_CLIENT_SECRET", server.client_secret)
    return server


def read_csv(path: Path, delimiter: str = ",") -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        header = next(reader)
        assert tuple(header) == FIELD_NAMES
        return [dict(zip(header, record, strict=True)) for record in reader]


def assert_same_rows(records: list[dict[str, str]], rows: list[BackupStatusRow]) -> None:
    """Compare by meaning (parsed back), independent of the writer's own formatting code."""
    assert len(records) == len(rows)
    for record, row in zip(records, rows, strict=True):
        assert record["username"].lstrip("'") == row.username
        assert record["computer_id"] == row.computer_id  # text, leading zeros kept
        assert record["backupset_name"].lstrip("'") == row.backupset_name
        assert record["condition_status"] == row.condition_status
        assert tuple(record["condition_types"].split("; ")) == row.condition_types
        assert datetime.fromisoformat(record["report_date"]) == row.report_date
        end = record["local_end"]
        assert (datetime.fromisoformat(end) if end else None) == row.local_end
        if row.local_end is not None:
            assert datetime.fromisoformat(end).utcoffset() == row.local_end.utcoffset()
        assert int(record["errors"]) == row.errors
        assert int(record["warnings"]) == row.warnings


def export(server: DemoServer, target: Path | str, *extra: str) -> int:
    return main(["export", "--base-url", server.base_url, "--output", str(target), *extra])


def assert_no_secrets(server: DemoServer, *texts: str) -> None:
    for text in texts:
        assert server.client_secret not in text


def test_client_credentials_from_env_write_every_row(
    client_env: DemoServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "report.csv"
    assert export(client_env, target) == EXIT_OK
    assert target.read_bytes().startswith(b"\xef\xbb\xbf")
    assert_same_rows(read_csv(target), list(client_env.data.rows()))
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"240 rows written to {target}" in captured.err
    assert_no_secrets(client_env, captured.err, target.read_text(encoding="utf-8-sig"))


def test_access_token_from_env(
    server: DemoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BACKUP_STATUS_TOKEN", server.issue_token())
    target = tmp_path / "r.csv"
    assert export(server, target, "--username", server.username, "--no-bom") == EXIT_OK
    assert not target.read_bytes().startswith(b"\xef\xbb\xbf")
    assert_same_rows(read_csv(target), list(server.data.rows()))
    assert not [r for r in server.request_log if r.path.startswith("/oauth2/token")]


def test_xml_response_format_gives_the_same_rows(client_env: DemoServer, tmp_path: Path) -> None:
    target = tmp_path / "x.csv"
    assert export(client_env, target, "--response-format", "xml", "--delimiter", "tab") == 0
    assert_same_rows(read_csv(target, "\t"), list(client_env.data.rows()))
    accepts = [r.headers.get("Accept") for r in client_env.request_log if "reports" in r.path]
    assert accepts == ["application/xml"]


def test_status_filter_keeps_only_failures(client_env: DemoServer, tmp_path: Path) -> None:
    target = tmp_path / "f.csv"
    assert export(client_env, target, "--status", "failure", "--delimiter", ";") == EXIT_OK
    expected = [r for r in client_env.data.rows() if r.condition_status == "FAILURE"]
    assert expected, "the demo data should contain failures"
    records = read_csv(target, ";")
    assert {r["condition_status"] for r in records} == {"FAILURE"}
    assert_same_rows(records, expected)
    report_requests = [r.path for r in client_env.request_log if "reports" in r.path]
    assert report_requests and "condition_status=FAILURE" in report_requests[0]


def test_order_by_local_end_desc(client_env: DemoServer, tmp_path: Path) -> None:
    target = tmp_path / "o.csv"
    assert export(client_env, target, "--order-by", "local_end", "--order-dir", "desc") == 0
    ends = [r["local_end"] for r in read_csv(target)]
    ended = [datetime.fromisoformat(e) for e in ends if e]
    assert ended == sorted(ended, reverse=True)
    running = [e for e in ends if not e]
    assert running, "the demo data should contain running backups"
    assert ends[len(ended) :] == running  # rows without an end time come last


def test_json_format_parses(client_env: DemoServer, tmp_path: Path) -> None:
    target = tmp_path / "r.json"
    assert export(client_env, target, "--format", "json", "--status", "WARNING,FAILURE") == 0
    document = json.loads(target.read_bytes())
    wanted = {"WARNING", "FAILURE"}
    expected = [r for r in client_env.data.rows() if r.condition_status in wanted]
    assert document["count"] == len(expected) == len(document["list"])
    assert [(r["username"], r["computer_id"]) for r in document["list"]] == [
        (r.username, r.computer_id) for r in expected
    ]
    assert list(document["list"][0]) == list(FIELD_NAMES)


def test_stdout_output(client_env: DemoServer, capsys: pytest.CaptureFixture[str]) -> None:
    assert export(client_env, "-", "--status", "RUNNING") == EXIT_OK
    captured = capsys.readouterr()
    assert captured.err == ""  # no summary when the data itself goes to stdout
    assert captured.out.startswith("\ufeff")  # not a terminal, so the BOM is kept
    assert "\r\n" in captured.out and "\r\r\n" not in captured.out
    records = list(csv.DictReader(io.StringIO(captured.out.lstrip("\ufeff"), newline="")))
    expected = [r for r in client_env.data.rows() if r.condition_status == "RUNNING"]
    assert [r["computer_id"] for r in records] == [r.computer_id for r in expected]
    assert_no_secrets(client_env, captured.out)


def test_json_to_stdout(client_env: DemoServer, capsys: pytest.CaptureFixture[str]) -> None:
    assert export(client_env, "-", "--format", "json", "--order-by", "computer_name") == EXIT_OK
    captured = capsys.readouterr()
    assert captured.err == ""
    names = [r["computer_name"] for r in json.loads(captured.out)["list"]]
    assert len(names) == len(client_env.data.rows())
    assert names == sorted(names, key=str.casefold)


def test_local_filter_and_order_apply_when_the_server_ignores_them(
    httpserver: HTTPServer,
    server: DemoServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rows = list(server.data.rows())
    httpserver.expect_request("/v1/partners/p1/reports/backup_status").respond_with_data(
        rows_to_json_bytes(rows), content_type="application/json"
    )
    monkeypatch.setenv("BACKUP_STATUS_TOKEN", "any-token-value")
    target = tmp_path / "o.csv"
    code = main(
        [
            "export",
            "--base-url",
            httpserver.url_for("/"),
            "--username",
            "p1",
            "-o",
            str(target),
            "--status",
            "FAILURE,WARNING",
            "--order-by",
            "username",
            "--order-dir",
            "desc",
        ]
    )
    assert code == EXIT_OK
    wanted = {ConditionStatus.FAILURE, ConditionStatus.WARNING}
    kept = [r for r in rows if r.condition_status in wanted]
    expected = sorted(kept, key=lambda r: r.username.casefold(), reverse=True)
    assert_same_rows(read_csv(target), expected)
    assert len(expected) < len(rows)
    (request, _response), *_ = httpserver.log
    assert request.args["condition_status"] == "FAILURE,WARNING"
    assert request.args["order_by"] == "USERNAME"
    assert request.args["order_dir"] == "DESC"
    assert request.headers["Authorization"] == "OAuth any-token-value"


def test_unknown_status_is_a_usage_error(
    client_env: DemoServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "r.csv"
    assert export(client_env, target, "--status", "FAILURE,BROKEN") == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith("backup-status: error: unknown status 'BROKEN'")
    assert err.count("\n") == 1
    assert not target.exists()
    assert client_env.request_log == []  # nothing was fetched


def test_wrong_secret_is_an_authentication_error_without_traceback(
    server: DemoServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    wrong = "Wr0ng-Secret-Value-abc"
    monkeypatch.setenv("BACKUP_STATUS_USERNAME", server.username)
    monkeypatch.setenv("BACKUP_STATUS_CLIENT_ID", server.client_id)
    monkeypatch.setenv("BACKUP_STATUS_CLIENT_SECRET", wrong)
    target = tmp_path / "r.csv"
    target.write_text("previous export")
    assert export(server, target) == EXIT_AUTH
    captured = capsys.readouterr()
    assert captured.err.startswith("backup-status: error: ")
    assert captured.err.count("\n") == 1
    assert "Traceback" not in captured.err
    assert wrong not in captured.err + captured.out
    assert target.read_text() == "previous export"


def test_debug_logs_the_traceback_but_never_the_secret(
    server: DemoServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    wrong = "Wr0ng-Secret-Value-abc"
    monkeypatch.setenv("BACKUP_STATUS_CLIENT_ID", server.client_id)
    monkeypatch.setenv("BACKUP_STATUS_CLIENT_SECRET", wrong)
    code = export(server, tmp_path / "r.csv", "--username", server.username, "--debug")
    assert code == EXIT_AUTH
    err = capsys.readouterr().err
    assert "Traceback" in err
    assert err.rstrip().splitlines()[-1].startswith("backup-status: error: ")
    assert wrong not in err


def test_connection_refused_is_a_network_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("BACKUP_STATUS_TOKEN", "tok-Value-123456")
    code = main(["export", "--base-url", f"http://127.0.0.1:{port}", "--username", "p", "-o", "-"])
    assert code == EXIT_NETWORK
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("backup-status: error: ")
    assert "Traceback" not in captured.err
    assert "tok-Value-123456" not in captured.err


def test_malformed_body_is_an_invalid_response(
    client_env: DemoServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    client_env.faults.add(Fault.malformed())
    target = tmp_path / "r.csv"
    assert export(client_env, target) == EXIT_INVALID_RESPONSE
    err = capsys.readouterr().err
    assert err.startswith("backup-status: error: ")
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_unwritable_target_is_its_own_exit_code(
    client_env: DemoServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert export(client_env, blocker / "r.csv") == EXIT_CANNOT_WRITE
    err = capsys.readouterr().err
    reason = "a part of the path is not a folder"
    assert err == f"backup-status: error: Could not write {blocker / 'r.csv'}: {reason}.\n"


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        ([], {}, "no partner username"),
        (["--username", "p"], {"BACKUP_STATUS_CLIENT_ID": "cid"}, "BACKUP_STATUS_CLIENT_SECRET"),
        (["--username", "p", "--order-dir", "desc"], {}, "--order-dir needs --order-by"),
        (["--username", "p", "--base-url", "http://example.com"], {}, "plain http"),
    ],
)
def test_usage_errors(
    args: list[str],
    env: dict[str, str],
    message: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["export", "-o", "-", *args]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith("backup-status: error: ") and message in err


def run_with_keyring(
    server: DemoServer, store: CredentialStore, target: Path
) -> tuple[int, str, str]:
    args = build_parser().parse_args(
        ["export", "--base-url", server.base_url, "--username", server.username, "-o", str(target)]
    )
    out, err = io.StringIO(), io.StringIO()
    code = run_export(args, credential_store=store, environ={}, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_credentials_from_the_keyring(server: DemoServer, tmp_path: Path) -> None:
    backend = MemoryKeyring()
    store = CredentialStore(backend)
    host = server.base_url.removeprefix("http://")
    store.save(server.username, host, StoredCredentials(server.client_id, server.client_secret))
    target = tmp_path / "k.csv"
    code, out, err = run_with_keyring(server, store, target)
    assert code == EXIT_OK, err
    assert_same_rows(read_csv(target), list(server.data.rows()))
    assert_no_secrets(server, out, err, target.read_text(encoding="utf-8-sig"))


def test_token_from_the_keyring(server: DemoServer, tmp_path: Path) -> None:
    store = CredentialStore(MemoryKeyring())
    host = server.base_url.removeprefix("http://")
    store.save(server.username, host, StoredCredentials(access_token=server.issue_token()))
    code, _out, err = run_with_keyring(server, store, tmp_path / "k.csv")
    assert code == EXIT_OK, err


def test_no_stored_credentials(server: DemoServer, tmp_path: Path) -> None:
    code, _out, err = run_with_keyring(server, CredentialStore(MemoryKeyring()), tmp_path / "k.csv")
    assert code == EXIT_AUTH
    host = server.base_url.removeprefix("http://")
    assert f"no credentials for {server.username}@{host}" in err
    assert server.request_log == []
