"""The row's partner: every parse path sets it, it is not content (history, serialisation), and
the CSV/JSON writers add it only when asked (several partners)."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from pathlib import Path

import pytest

from desktop_app.export.report_csv import (
    PARTNER_FIELD,
    report_rows_to_cells,
    report_rows_to_lines,
    write_report_csv,
)
from desktop_app.report.parse import parse_body
from desktop_app.report.parse_json import parse_json
from desktop_app.report.parse_xml import parse_xml
from desktop_app.report.rows import FIELD_NAMES, BackupStatusRow, Report
from desktop_app.report.serialize import rows_to_json_bytes, rows_to_xml_bytes
from desktop_app.storage.history import HistoryStore
from tests.unit.fixtures.generated import expected_values, sample_rows, to_json, to_xml

ODD_JSON = (
    b'{"page": 1, "page_size": 3, "count": 3, "links": [], "list": ['
    b'{"report_date": "2024-05-01", "username": "a", "computer_id": 7, "computer_name": "PC",'
    b' "backupset_name": "Files", "local_start": "2024-05-01T01:00:00", "local_end": "",'
    b' "condition_status": "failure", "condition_types ": ["ERRORS"], "errors": "3",'
    b' "warnings": 0}, 42]}'
)
ODD_XML = (
    b"<list><!-- a comment: the tree path --><backup_status><username>a</username>"
    b"<computer_id>7</computer_id><backupset_name>Files</backupset_name>"
    b"<condition_status>FAILURE</condition_status></backup_status></list>"
)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_every_row_of_a_plain_report_carries_the_partner(fmt: str) -> None:
    rows = sample_rows(300)
    body = to_json(rows) if fmt == "json" else to_xml(rows)
    report = parse_body(body, fmt, "resell1")
    assert [tuple(r) for r in report.rows] == [expected_values(r, "resell1") for r in rows]
    assert {r.partner for r in parse_body(body, fmt).rows} == {None}


def test_rows_read_the_careful_way_carry_the_partner_too() -> None:
    report = parse_json(ODD_JSON, "resell1")
    assert len(report.rows) == 2 and report.problems  # the odd row, and an item that is no row
    assert [r.partner for r in report.rows] == ["resell1", "resell1"]
    assert report.rows[0].errors == 3 and report.rows[1].username is None
    tree = parse_xml(ODD_XML, partner="resell1")
    assert [(r.username, r.partner) for r in tree.rows] == [("a", "resell1")]


def test_the_xml_text_path_row_that_falls_back_keeps_the_partner() -> None:
    body = to_xml(sample_rows(5)).replace(b"<errors>0</errors>", b"<errors>x</errors>", 1)
    report = parse_xml(body, partner="p")
    assert report.problems and {r.partner for r in report.rows} == {"p"}


def test_the_partner_is_not_history_content(tmp_path: Path) -> None:
    """A row re-fetched for a partner is the same set in the same state: nothing changed."""
    rows = parse_json(to_json(sample_rows(50))).rows
    store = HistoryStore(tmp_path / "h.sqlite3")
    try:
        assert store.record(Report(rows)).new == 50
        tagged = tuple(r._replace(partner="resell1") for r in rows)
        assert store.record(Report(tagged))[1:3] == (0, 0)  # new, changed
        again = store.record(Report((tagged[0]._replace(errors=99), *tagged[1:])))
        assert again.changed == 1
    finally:
        store.close()


def tagged_rows(partners: tuple[str | None, ...]) -> list[BackupStatusRow]:
    rows = parse_json(to_json(sample_rows(len(partners)))).rows
    return [r._replace(partner=p) for r, p in zip(rows, partners, strict=True)]


def test_serialisation_leaves_the_partner_out_unless_asked() -> None:
    rows = tagged_rows(("resell1", "=evil", None))
    plain = json.loads(rows_to_json_bytes(rows))["list"]
    assert [list(record) for record in plain] == [list(FIELD_NAMES)] * 3
    assert rows_to_json_bytes(rows) == rows_to_json_bytes([r._replace(partner=None) for r in rows])
    assert b"resell1" not in rows_to_xml_bytes(rows)
    records = json.loads(rows_to_json_bytes(rows, partner_field=True))["list"]
    assert [next(iter(record)) for record in records] == ["partner"] * 3
    assert [record["partner"] for record in records] == ["resell1", "=evil", None]
    assert [{k: v for k, v in r.items() if k != "partner"} for r in records] == plain


def test_csv_adds_a_first_partner_column_only_when_asked(tmp_path: Path) -> None:
    rows = tagged_rows(("resell1", "=evil", None))
    plain, both = tmp_path / "plain.csv", tmp_path / "both.csv"
    write_report_csv(plain, rows)
    write_report_csv(both, rows, partners=True, flags=["Stale", "", ""])
    untagged = tmp_path / "untagged.csv"
    write_report_csv(untagged, [r._replace(partner=None) for r in rows])
    assert plain.read_bytes() == untagged.read_bytes()
    table = list(csv.reader(io.StringIO(both.read_text("utf-8-sig"))))
    assert table[0] == [PARTNER_FIELD, *FIELD_NAMES, "stale_or_missing"]
    assert [line[0] for line in table[1:]] == ["resell1", "'=evil", ""]  # injection-guarded
    assert [line[1:-1] for line in table[1:]] == list(
        csv.reader(io.StringIO(plain.read_text("utf-8-sig")))
    )[1:]


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_fast_partner_lines_equal_the_csv_module(delimiter: str) -> None:
    rows = tagged_rows(("a;b", 'say "hi"', None, "x,y"))
    rows[1] = rows[1]._replace(local_end=rows[1].local_end + timedelta(hours=1))  # type: ignore[operator]
    reference = io.StringIO(newline="")
    csv.writer(reference, delimiter=delimiter, lineterminator="\r\n").writerows(
        report_rows_to_cells(rows, partners=True)
    )
    fast = "".join(report_rows_to_lines(rows, delimiter, partners=True))
    assert fast == reference.getvalue()
