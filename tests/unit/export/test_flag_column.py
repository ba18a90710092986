"""The "stale or missing" export column: fast CSV path, and the headless ``--stale-after``."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from desktop_app.__main__ import main
from desktop_app.cli.export_command import EXIT_OK, EXIT_USAGE
from desktop_app.demo.data import DemoData
from desktop_app.demo.server import DemoServer
from desktop_app.export.csv_writer import format_cell
from desktop_app.export.report_csv import (
    FLAG_FIELD,
    report_rows_to_cells,
    report_rows_to_lines,
    write_report_csv,
)
from desktop_app.report.rows import FIELD_NAMES
from tests.unit.export.test_csv_writer import AWKWARD, make_row


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_flag_lines_equal_csv_module_output(tmp_path: Path, delimiter: str) -> None:
    rows = [make_row(i, computer_name=text) for i, text in enumerate(AWKWARD)]
    flags = [("Stale", "Missing", "", "=cmd", "a;b,c")[i % 5] for i in range(len(rows))]
    target = tmp_path / "flags.csv"
    assert write_report_csv(target, rows, delimiter=delimiter, flags=flags) == len(rows)
    reference = io.StringIO(newline="")
    writer = csv.writer(reference, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow((*FIELD_NAMES, FLAG_FIELD))
    writer.writerows(report_rows_to_cells(rows, flags))
    assert target.read_bytes() == b"\xef\xbb\xbf" + reference.getvalue().encode("utf-8")
    back = list(csv.reader(io.StringIO(target.read_text("utf-8-sig")), delimiter=delimiter))
    assert [line[-1] for line in back[1:]] == [format_cell(f) for f in flags]
    assert "'=cmd" in {line[-1] for line in back}  # the injection guard applies to it too


def test_without_flags_the_lines_are_unchanged() -> None:
    rows = [make_row(i) for i in range(5)]
    assert list(report_rows_to_lines(rows, ",", None)) == list(report_rows_to_lines(rows))
    no_bom = io.StringIO(newline="")
    write_report_csv(no_bom, rows, bom=False, flags=[""] * 5)
    text = no_bom.getvalue()
    assert not text.startswith("\ufeff") and text.splitlines()[0].endswith(f",{FLAG_FIELD}")
    assert all(line.endswith(",") for line in text.splitlines()[1:])


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> DemoServer:
    # Wall-clock demo data: recent runs within a day, about 1% idle for days (stale at 26 h).
    demo = DemoServer(DemoData(400, seed=5), evolve=False)
    monkeypatch.setenv("BACKUP_STATUS_USERNAME", demo.username)
    monkeypatch.setenv("BACKUP_STATUS_CLIENT_ID", demo.client_id)
    monkeypatch.setenv("BACKUP_STATUS_CLIENT_SECRET", demo.client_secret)
    monkeypatch.delenv("BACKUP_STATUS_TOKEN", raising=False)
    return demo


def _records(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_headless_stale_after_marks_exactly_the_idle_sets(
    server: DemoServer, tmp_path: Path
) -> None:
    target = tmp_path / "flags.csv"
    with server:
        code = main(
            ["export", "--base-url", server.base_url, "-o", str(target), "--stale-after", "26"]
        )
    assert code == EXIT_OK
    records = _records(target)
    assert list(records[0]) == [*FIELD_NAMES, FLAG_FIELD]
    assert {r[FLAG_FIELD] for r in records} == {"Stale", ""}
    now = datetime.now(UTC)  # the command measures from the wall clock
    for record in records:
        last = record["local_end"] or record["local_start"]
        idle = now - datetime.fromisoformat(last)
        if abs(idle - timedelta(hours=26)) < timedelta(minutes=1):
            continue  # too close to the threshold to judge against a moving clock
        assert (record[FLAG_FIELD] == "Stale") == (idle > timedelta(hours=26)), record


def test_headless_default_has_no_flag_column_and_json_refuses_it(
    server: DemoServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plain = tmp_path / "plain.csv"
    with server:
        assert main(["export", "--base-url", server.base_url, "-o", str(plain)]) == EXIT_OK
        json_args = ["-o", str(tmp_path / "j"), "--format", "json", "--stale-after", "26"]
        code = main(["export", "--base-url", server.base_url, *json_args])
    assert list(_records(plain)[0]) == list(FIELD_NAMES)
    assert code == EXIT_USAGE
    assert "--stale-after" in capsys.readouterr().err
