"""``backup-status export`` for several partners, end to end against the demo's partner tree:
the partner column, attribution, a refused partner as one warning, --strict exit codes."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.__main__ import main
from desktop_app.cli.export_command import EXIT_AUTH, EXIT_NETWORK, EXIT_OK
from desktop_app.demo.faults import Fault, Target
from desktop_app.demo.partners import DemoPartner, standard_tree
from desktop_app.demo.server import DemoServer
from desktop_app.report.rows import FIELD_NAMES

SECRET = "Tr33-S3cret-Value-xyz"
ROWS = 40


@pytest.fixture(scope="module")
def tree() -> Iterator[DemoServer]:
    with DemoServer(partners=standard_tree(ROWS), evolve=False, client_secret=SECRET) as s:
        yield s


@pytest.fixture(autouse=True)
def credentials(tree: DemoServer, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("BACKUP_STATUS_USERNAME", "BACKUP_STATUS_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BACKUP_STATUS_CLIENT_ID", tree.client_id)
    monkeypatch.setenv("BACKUP_STATUS_CLIENT_SECRET", SECRET)


def export(server: DemoServer, target: Path | str, *extra: str) -> int:
    return main(["export", "--base-url", server.base_url, "--output", str(target), *extra])


def table(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def warnings(err: str) -> list[str]:
    return [line for line in err.splitlines() if ": warning: " in line or ": error: " in line]


def test_two_usernames_give_a_partner_column(
    tree: DemoServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "two.csv"
    code = export(tree, target, "--username", "demo-partner", "--username", "resell-south")
    assert code == EXIT_OK
    lines = table(target)
    assert lines[0] == ["partner", *FIELD_NAMES]
    partners = [line[0] for line in lines[1:]]
    assert partners == ["demo-partner"] * ROWS + ["resell-south"] * ROWS
    south = [line[2] for line in lines[1:] if line[0] == "resell-south"]
    assert south == [r.username for r in tree.report_rows("resell-south")]
    captured = capsys.readouterr()
    assert warnings(captured.err) == []
    assert SECRET not in captured.err + target.read_text("utf-8-sig")


def test_sub_partners_with_a_refused_one_as_a_single_warning(
    tree: DemoServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "all.csv"
    code = export(tree, target, "--username", "demo-partner", "--include-subpartners")
    assert code == EXIT_OK
    lines = table(target)[1:]
    counts = {name: sum(line[0] == name for line in lines) for name in {ln[0] for ln in lines}}
    assert counts == {
        "demo-partner": ROWS,
        "resell-north": ROWS,  # its report also lists the branch's sets: those go to the branch
        "resell-south": ROWS,
        "north-branch": ROWS // 2,
    }
    keys = [(line[2], line[3], line[5]) for line in lines]
    assert len(keys) == len(set(keys))
    said = warnings(capsys.readouterr().err)
    assert len(said) == 1  # its report and its sub-partner list were refused: one line
    assert said[0].startswith("backup-status: warning: partner resell-west: Permission denied: ")
    assert "report of partner 'resell-west' was denied (HTTP 403)" in said[0]
    assert said[0].endswith("(Its sub-partners could not be listed either.)")


def test_strict_fails_with_the_refusals_exit_code_and_writes_nothing(
    tree: DemoServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "strict.csv"
    args = ("--username", "demo-partner", "--include-subpartners", "--strict")
    assert export(tree, target, *args) == EXIT_AUTH
    assert not target.exists()
    err = capsys.readouterr().err
    assert "backup-status: error: partner resell-west: " in err
    assert err.rstrip().endswith("backup-status: error: --strict: nothing was written")


def test_a_partner_not_found_exits_4_under_strict(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    partners = (
        DemoPartner("msp", rows=5),
        DemoPartner("gone", "msp", rows=5, prefix="g-", refusal=404),
    )
    with DemoServer(partners=partners, evolve=False, client_secret=SECRET) as server:
        target = tmp_path / "s.csv"
        args = ("--username", "msp", "--include-subpartners")
        assert export(server, target, *args, "--strict") == EXIT_NETWORK
        assert not target.exists()
        assert export(server, target, *args) == EXIT_OK
        assert {line[0] for line in table(target)[1:]} == {"msp"}
    assert (len(table(target)) - 1) == 5


def test_json_records_lead_with_the_partner(tree: DemoServer, tmp_path: Path) -> None:
    target = tmp_path / "two.json"
    args = ("--username", "resell-south", "--username", "north-branch", "--format", "json")
    assert export(tree, target, *args, "--status", "FAILURE,WARNING,RUNNING,COMPLETED") == 0
    records = json.loads(target.read_bytes())["list"]
    assert [list(r)[:2] for r in records] == [["partner", "report_date"]] * len(records)
    assert {r["partner"] for r in records} == {"resell-south", "north-branch"}


def test_every_partner_refused_is_an_error(
    tree: DemoServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "none.csv"
    code = export(tree, target, "--username", "resell-west", "--username", "stranger")
    assert code == EXIT_AUTH and not target.exists()
    err = capsys.readouterr().err
    assert "partner resell-west: " in err and "partner stranger: " in err
    assert "backup-status: error: none of the 2 partners' reports could be fetched" in err


def test_the_partner_column_follows_the_command_line_not_the_tree(tmp_path: Path) -> None:
    """A partner without sub-partners: --include-subpartners still gives the partner column
    (scripts see one shape); one --username alone is the plain export."""
    with DemoServer(rows=30, evolve=False, client_secret=SECRET) as plain:
        walked, direct = tmp_path / "walked.csv", tmp_path / "direct.csv"
        assert export(plain, walked, "--username", plain.username, "--include-subpartners") == 0
        assert export(plain, direct, "--username", plain.username) == 0
        assert table(direct)[0] == list(FIELD_NAMES)
        assert [line[1:] for line in table(walked)] == table(direct)
        assert {line[0] for line in table(walked)} == {"partner", plain.username}


def test_partner_csv_to_stdout(
    tree: DemoServer, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    code = export(tree, "-", "--username", "north-branch", "--username", "resell-south")
    assert code == EXIT_OK
    out = capsysbinary.readouterr().out.decode("utf-8-sig")
    lines = out.split("\r\n")
    assert lines[0] == "partner," + ",".join(FIELD_NAMES)
    assert lines[1].startswith("north-branch,") and lines[-2].startswith("resell-south,")


def test_a_sub_partner_list_that_fails_is_a_warning_and_strict_exits_with_its_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with DemoServer(partners=standard_tree(5), evolve=False, client_secret=SECRET) as server:
        target = tmp_path / "w.csv"
        args = ("--username", "demo-partner", "--include-subpartners")
        server.faults.add(Fault.status(500), target=Target.SIGNUPS)
        assert export(server, target, *args) == EXIT_OK
        assert {line[0] for line in table(target)[1:]} == {"demo-partner"}
        said = warnings(capsys.readouterr().err)
        assert len(said) == 1
        assert said[0].startswith(
            "backup-status: warning: partner demo-partner: its sub-partners could not be listed: "
        )
        server.faults.add(Fault.status(500), target=Target.SIGNUPS)
        assert export(server, tmp_path / "s.csv", *args, "--strict") == EXIT_NETWORK
        assert not (tmp_path / "s.csv").exists()
