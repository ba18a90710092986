"""The report serializers: the documented JSON/XML envelopes, escaping, and a parser round trip."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from lxml import etree

from desktop_app.demo.data import generate_rows
from desktop_app.report.parse import parse_json, parse_xml
from desktop_app.report.rows import FIELD_NAMES, BackupStatusRow, Link, Report
from desktop_app.report.serialize import row_to_record, rows_to_json_bytes, rows_to_xml_bytes
from desktop_app.report.status import ConditionStatus, ConditionType

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
EST = timezone(timedelta(hours=-5))
IST = timezone(timedelta(hours=5, minutes=30))


def _row(**changes: Any) -> BackupStatusRow:
    row = BackupStatusRow(
        report_date=datetime(2025, 3, 1, tzinfo=UTC),
        username="acme-dental",
        computer_id="0001234",
        computer_name="ACME-DC01",
        backupset_name="System State",
        local_start=datetime(2025, 3, 1, 1, 2, 3, tzinfo=EST),
        local_end=datetime(2025, 3, 1, 2, 3, 4, tzinfo=EST),
        condition_status=ConditionStatus.FAILURE,
        condition_types=(ConditionType.ERRORS, ConditionType.EXCEPTION),
        errors=12,
        warnings=3,
    )
    return row._replace(**changes)


def test_json_envelope_and_row_fields_in_documented_order() -> None:
    rows = [_row(), _row(computer_id="0099", local_end=None, condition_types=())]
    doc = json.loads(rows_to_json_bytes(rows, links=[Link("self", "http://x/r?a=1&b=2")]))

    assert list(doc) == ["page", "page_size", "count", "links", "list"]
    assert (doc["page"], doc["page_size"], doc["count"]) == (1, 2, 2)
    assert doc["links"] == [{"rel": "self", "href": "http://x/r?a=1&b=2"}]
    first, second = doc["list"]
    assert tuple(first) == FIELD_NAMES
    assert first == {
        "report_date": "2025-03-01T00:00:00+00:00",
        "username": "acme-dental",
        "computer_id": "0001234",
        "computer_name": "ACME-DC01",
        "backupset_name": "System State",
        "local_start": "2025-03-01T01:02:03-05:00",
        "local_end": "2025-03-01T02:03:04-05:00",
        "condition_status": "FAILURE",
        "condition_types": ["ERRORS", "EXCEPTION"],
        "errors": 12,
        "warnings": 3,
    }
    assert second["local_end"] is None
    assert second["condition_types"] == []
    assert first == row_to_record(rows[0])


def test_unknown_values_are_written_as_null_and_read_back_as_unknown() -> None:
    unknown = _row(
        report_date=None,
        username=None,
        computer_name=None,
        condition_status=None,
        condition_types=None,
        errors=None,
        warnings=None,
    )
    record = json.loads(rows_to_json_bytes([unknown]))["list"][0]
    assert record == {**row_to_record(unknown), "computer_id": "0001234"}
    assert [record[k] for k in ("username", "errors", "warnings", "condition_types")] == [None] * 4
    back = parse_json(rows_to_json_bytes([unknown]))
    assert back.rows[0][9:11] == (None, None)  # unknown counts stay unknown, not 0
    xml_back = parse_xml(rows_to_xml_bytes([unknown._replace(username="u")]))
    assert xml_back.rows[0].errors is None and xml_back.rows[0].report_date is None


def test_json_escapes_awkward_text() -> None:
    name = 'smith & "jones" <cpa>\\ \u00e9\u4e2d\n'
    doc = json.loads(rows_to_json_bytes([_row(username=name, backupset_name="Q&A <x>")]))
    assert doc["list"][0]["username"] == name
    assert doc["list"][0]["backupset_name"] == "Q&A <x>"


def test_equal_instants_keep_their_own_offsets() -> None:
    # 00:00 UTC and 19:00 the day before at -05:00 are equal datetimes; each prints its own offset.
    utc_midnight = datetime(2025, 3, 1, tzinfo=UTC)
    same_instant_est = utc_midnight.astimezone(EST)
    rows = [_row(report_date=utc_midnight), _row(report_date=same_instant_est)]
    dates = [r["report_date"] for r in json.loads(rows_to_json_bytes(rows))["list"]]
    assert dates == ["2025-03-01T00:00:00+00:00", "2025-02-28T19:00:00-05:00"]
    xml = etree.fromstring(rows_to_xml_bytes(rows))
    assert xml.xpath("backup_status/report_date/text()") == dates


def test_report_envelope_values_are_used_and_can_be_overridden() -> None:
    report = Report(rows=(_row(),), page=2, page_size=50, count=120, links=(Link("next", "n"),))
    doc = json.loads(rows_to_json_bytes(report))
    assert (doc["page"], doc["page_size"], doc["count"]) == (2, 50, 120)
    assert doc["links"] == [{"rel": "next", "href": "n"}]
    doc = json.loads(rows_to_json_bytes(report, page=1, count=1, links=()))
    assert (doc["page"], doc["count"], doc["links"]) == (1, 1, [])
    # An unset page_size/count (0) on a Report means "the rows on this page".
    doc = json.loads(rows_to_json_bytes(Report(rows=(_row(), _row()))))
    assert (doc["page_size"], doc["count"]) == (2, 2)


def test_xml_structure_matches_the_documented_form() -> None:
    rows = [_row(), _row(local_end=None, condition_types=(ConditionType.RUNNING,))]
    body = rows_to_xml_bytes(rows, links=[Link("self", 'http://x/r?a=1&b="2"')])
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    root = etree.fromstring(body)

    assert root.tag == "list"
    assert dict(root.attrib) == {"page": "1", "page_size": "2", "count": "2"}
    (link,) = root.findall("link")
    assert dict(link.attrib) == {"rel": "self", "href": 'http://x/r?a=1&b="2"'}
    first, second = root.findall("backup_status")
    assert tuple(child.tag for child in first) == FIELD_NAMES
    assert first.findtext("local_start") == "2025-03-01T01:02:03-05:00"
    assert first.xpath("condition_types/condition_type/text()") == ["ERRORS", "EXCEPTION"]
    assert (first.findtext("errors"), first.findtext("warnings")) == ("12", "3")
    local_end = second.find("local_end")
    assert local_end is not None and local_end.text is None and len(local_end) == 0


def test_xml_escapes_markup_and_drops_characters_xml_cannot_hold() -> None:
    rows = [_row(username="a&b <c> d>e", computer_name="PC\x01-07", backupset_name="\u00e9\u4e2d")]
    first = etree.fromstring(rows_to_xml_bytes(rows)).find("backup_status")
    assert first is not None
    assert first.findtext("username") == "a&b <c> d>e"
    assert first.findtext("computer_name") == "PC\ufffd-07"
    assert first.findtext("backupset_name") == "\u00e9\u4e2d"


def test_empty_report_is_a_valid_document_in_both_forms() -> None:
    assert json.loads(rows_to_json_bytes([])) == {
        "page": 1,
        "page_size": 0,
        "count": 0,
        "links": [],
        "list": [],
    }
    root = etree.fromstring(rows_to_xml_bytes([]))
    assert root.tag == "list" and len(root) == 0 and root.get("count") == "0"


def test_generated_rows_round_trip_through_the_parsers() -> None:
    rows = generate_rows(400, seed=5, now=NOW, unknown_statuses=True)
    rows.append(_row(username="x & <y>", local_start=None, local_end=None))
    rows.append(_row(local_start=datetime(2025, 1, 2, 3, 4, 5, 678000, tzinfo=IST)))

    from_json = parse_json(rows_to_json_bytes(rows))
    from_xml = parse_xml(rows_to_xml_bytes(rows))

    assert from_json.rows == tuple(rows)
    assert from_xml.rows == tuple(rows)
    assert from_json.count == from_xml.count == len(rows)
    # The offsets survive, not just the instants.
    assert [r.local_start.utcoffset() for r in from_xml.rows if r.local_start] == [
        r.local_start.utcoffset() for r in rows if r.local_start
    ]
