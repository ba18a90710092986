"""The diagnostics zip, Qt-free: what it holds, names replaced consistently (or kept when asked),
the response's shape read back from its head in JSON and XML, and no secret in any member."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from desktop_app.api.auth import StaticTokenProvider
from desktop_app.api.client import ReportClient
from desktop_app.api.regions import custom_endpoint
from desktop_app.demo.data import DemoData
from desktop_app.demo.quirks import Quirk
from desktop_app.demo.server import DemoServer
from desktop_app.export.diagnostics import (
    SAMPLE_ROWS,
    Anonymiser,
    DiagnosticsFacts,
    build_diagnostics,
    read_log_tail,
)
from desktop_app.logging_setup import SecretRedactor
from desktop_app.report.rows import Report

SECRET = "s3cr3t-CLIENT-secret-4f1c"


def fetch(fmt: str, *quirks: Quirk, rows: int = 120) -> Report:
    with DemoServer(DemoData(rows, seed=4), evolve=False, quirks=set(quirks)) as server:
        token = server.issue_token()
        client = ReportClient(
            custom_endpoint(server.base_url),
            server.username,
            StaticTokenProvider(token),
            response_format=fmt,
        )
        with client:
            return client.fetch_report()


def members(data: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name).decode("utf-8") for name in archive.namelist()}


def facts(report: Report | None, log: Path | None, *, anonymise: bool = True) -> DiagnosticsFacts:
    redactor = SecretRedactor()
    redactor.add(SECRET)
    return DiagnosticsFacts(
        versions={"Backup Status Monitor": "0.1.0", "Python": "3.11"},
        settings={
            "refresh_minutes": 15,
            "notify_kinds": frozenset({"b", "a"}),
            "proxy_url": f"http://pat:{SECRET}@proxy.example:3128",
        },
        log_path=log,
        report=report,
        redact=redactor.redact,
        anonymise=anonymise,
    )


def test_the_bundle_holds_each_part_and_replaces_names(tmp_path: Path) -> None:
    report = fetch("json", Quirk.VALUES)
    customer = next(r.username for r in report.rows if r.username)
    log = tmp_path / "app.log"
    log.write_text(f"12:00 INFO fetched for {customer}\n12:01 WARNING OAuth abc.def-TOKEN\n")
    files = members(build_diagnostics(facts(report, log)))
    assert list(files) == [
        "about.txt",
        "settings.json",
        "log.txt",
        "read_problems.txt",
        "response.json",
        "first_rows.json",
    ]
    assert "Backup Status Monitor: 0.1.0" in files["about.txt"]
    settings = json.loads(files["settings.json"])
    assert settings["proxy_url"] == "http://proxy.example:3128"  # no user name or password
    assert settings["notify_kinds"] == ["a", "b"]
    assert customer not in files["log.txt"] and "customer-1" in files["log.txt"]
    assert "abc.def-TOKEN" not in files["log.txt"]
    assert files["read_problems.txt"].count('errors: "n/a"') == sum(
        p.field == "errors" for p in report.problems
    )
    rows = json.loads(files["first_rows.json"])
    assert len(rows) == SAMPLE_ROWS
    names = {r["username"] for r in rows}
    assert all(n.startswith("customer-") for n in names)
    assert all(r["computer_name"].startswith("computer-") for r in rows if r["computer_name"])
    assert "condition_types " in rows[5]  # the padded key, as sent
    shape = json.loads(files["response.json"])
    assert shape["status"] == 200 and shape["format"] == "json" and shape["rows_read"] == 120
    fields = shape["row_fields_in_sample"]
    assert fields["'errors'"] == ["a number", "text"]  # "n/a" among the numbers
    assert fields["'local_end'"] == sorted(fields["'local_end'"])
    assert "'condition_types '" in fields
    assert "empty text" in fields["'local_end'"]


def test_names_stay_when_the_user_unticks_and_secrets_never(tmp_path: Path) -> None:
    report = fetch("json")
    customer = report.rows[0].username
    assert customer is not None
    log = tmp_path / "app.log"
    log.write_text(f"{customer}: secret {SECRET} and client_secret={SECRET}x\n")
    data = build_diagnostics(facts(report, log, anonymise=False))
    files = members(data)
    assert customer in files["first_rows.json"] and customer in files["log.txt"]
    assert "names replaced: no" in files["about.txt"]
    assert SECRET.encode() not in data
    assert all(SECRET not in text for text in files.values())


def test_xml_rows_are_read_back_from_the_head() -> None:
    report = fetch("xml", Quirk.VALUES, rows=80)
    rows = json.loads(members(build_diagnostics(facts(report, None)))["first_rows.json"])
    assert len(rows) == SAMPLE_ROWS
    assert rows[0]["computer_id"] and isinstance(rows[0]["condition_types"], list)


def test_without_a_report_or_a_log_it_says_so(tmp_path: Path) -> None:
    files = members(build_diagnostics(facts(None, None)))
    assert files["read_problems.txt"] == "No report has been read in this session.\n"
    assert json.loads(files["first_rows.json"]) == []
    assert files["log.txt"] == "(no log file in this session)\n"
    assert "could not be read" in read_log_tail(tmp_path / "missing.log")


def test_the_log_tail_starts_at_a_whole_line(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    # Bytes, not text mode: the same file on every platform (Windows would write CRLF).
    log.write_bytes("".join(f"line {i:05d}\n" for i in range(2000)).encode())
    tail = read_log_tail(log, limit=1000)
    assert tail.startswith("line ") and tail.endswith("line 01999\n")
    assert len(tail) <= 1000


def test_placeholders_are_consistent_and_only_whole_names_are_replaced() -> None:
    names = Anonymiser(None)
    assert names.placeholder("customer", "acme") == "customer-1"
    assert names.placeholder("computer", "acme-DC01") == "computer-1"
    assert names.placeholder("customer", "acme") == "customer-1"
    text = names.text("acme and acme-DC01, but not acmecorp")
    assert text == "customer-1 and computer-1, but not acmecorp"
