"""The JSON report parser: documented examples, sloppy inputs, strict errors, a big round trip."""

from __future__ import annotations

import copy
import json
import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from desktop_app.report.errors import ParseError
from desktop_app.report.parse import parse_body, parse_json, parse_xml
from desktop_app.report.rows import BackupStatusRow, Link
from desktop_app.report.status import ConditionStatus, ConditionType
from tests.unit.fixtures.generated import expected_values, sample_rows, to_json

FIXTURES = Path(__file__).parent / "fixtures"
SELF_HREF = "https://api.intronis.com/v1/partners/demo_partner/reports/backup_status"


def fixed_document() -> dict[str, Any]:
    document: dict[str, Any] = json.loads((FIXTURES / "fixed_example.json").read_bytes())
    return document


def body_with_rows(*rows: dict[str, Any]) -> bytes:
    document = fixed_document()
    document["list"] = list(rows)
    return json.dumps(document).encode()


def good_row(**changes: Any) -> dict[str, Any]:
    row: dict[str, Any] = copy.deepcopy(fixed_document()["list"][1])
    row.update(changes)
    return row


def parse_one(**changes: Any) -> BackupStatusRow:
    return parse_json(body_with_rows(good_row(**changes))).rows[0]


def test_published_example_with_unclosed_links_is_rejected_with_position() -> None:
    with pytest.raises(ParseError) as caught:
        parse_json((FIXTURES / "published_example.json").read_bytes())
    message = str(caught.value)
    assert "malformed JSON" in message
    assert "line 10" in message


def test_fixed_example_gives_exact_rows_and_envelope() -> None:
    report = parse_json((FIXTURES / "fixed_example.json").read_bytes())

    assert (report.page, report.page_size, report.count) == (1, 2, 2)
    assert report.links == (Link(rel="self", href=SELF_HREF),)
    assert report.source == "json"
    assert report.fetched_at is None
    acme, globex = report.rows
    assert acme == BackupStatusRow(
        report_date=datetime.fromisoformat("2024-05-02T00:00:00-05:00"),
        username="acme",
        computer_id=1001,
        computer_name="ACME-DC01",
        backupset_name="Files and Folders",
        local_start=datetime.fromisoformat("2024-05-01T22:00:00-05:00"),
        local_end=datetime.fromisoformat("2024-05-01T22:41:17-05:00"),
        condition_status="COMPLETED",
        condition_types=("COMPLETED",),
        errors=0,
        warnings=0,
    )
    assert acme.local_start is not None and acme.local_end is not None
    assert acme.local_start.utcoffset() == timedelta(hours=-5)
    assert acme.local_end.utcoffset() == timedelta(hours=-5)
    assert (acme.local_start.hour, acme.local_start.minute) == (22, 0)  # wall time kept
    assert globex.local_start is not None and globex.local_start.utcoffset() == timedelta(hours=1)
    assert globex.condition_status is ConditionStatus.FAILURE
    assert globex.condition_types == (
        ConditionType.ERRORS,
        ConditionType.NO_EXCHANGE_OR_SQL_DATA_BACKED_UP,
    )
    assert all(isinstance(t, ConditionType) for t in globex.condition_types)
    assert (globex.computer_id, globex.errors, globex.warnings) == (2002, 3, 1)


def test_undocumented_status_and_condition_type_are_kept_verbatim() -> None:
    row = parse_one(condition_status="PAUSED", condition_types=["ERRORS", "QUOTA_EXCEEDED"])
    assert row.condition_status == "PAUSED"
    assert not isinstance(row.condition_status, ConditionStatus)
    assert row.condition_types == (ConditionType.ERRORS, "QUOTA_EXCEEDED")
    assert not isinstance(row.condition_types[1], ConditionType)


def test_missing_required_field_names_row_and_field() -> None:
    third = good_row()
    del third["username"]
    with pytest.raises(ParseError) as caught:
        parse_json(body_with_rows(good_row(), good_row(), third))
    assert caught.value.row == 3
    assert caught.value.field == "username"
    assert str(caught.value) == "missing field 'username' (row 3, field 'username')"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("report_date", 20240502),
        ("report_date", "last tuesday"),
        ("username", 42),
        ("username", None),
        ("username", "   "),
        ("computer_id", "abc"),
        ("computer_id", 12.5),
        ("computer_id", True),
        ("computer_id", None),
        ("computer_name", ["GLOBEX"]),
        ("backupset_name", ""),
        ("local_start", 1714600000),
        ("local_start", "2024-05-02 at noon"),
        ("local_start", "2024-05-02T01:30:00"),  # no UTC offset: refuse to guess one
        ("local_end", "2024-05-02T01:52:09"),
        ("condition_status", None),
        ("condition_status", 3),
        ("condition_types", 7),
        ("condition_types", [""]),
        ("condition_types", [None]),
        ("errors", "abc"),
        ("errors", 1.5),
        ("errors", True),
        ("errors", -1),
        ("warnings", "2.5"),
        ("warnings", False),
        ("warnings", {"n": 1}),
    ],
)
def test_wrong_values_name_the_row_and_field(field: str, value: Any) -> None:
    with pytest.raises(ParseError) as caught:
        parse_json(body_with_rows(good_row(), good_row(**{field: value})))
    assert (caught.value.row, caught.value.field) == (2, field)
    assert f"row 2, field '{field}'" in str(caught.value)


def test_numeric_strings_and_integral_floats_are_accepted() -> None:
    row = parse_one(computer_id="2002", errors="3", warnings=" 1 ")
    assert (row.computer_id, row.errors, row.warnings) == (2002, 3, 1)
    assert parse_one(errors=4.0).errors == 4
    assert type(parse_one(errors=4.0).errors) is int


def test_running_job_end_time_may_be_null_empty_or_absent() -> None:
    absent = good_row(condition_status="RUNNING")
    del absent["local_end"]
    rows = parse_json(body_with_rows(good_row(local_end=None), good_row(local_end=""), absent)).rows
    assert [row.local_end for row in rows] == [None, None, None]
    assert parse_one(local_start=None).local_start is None


def test_condition_types_accept_single_string_objects_and_null() -> None:
    assert parse_one(condition_types="ERRORS").condition_types == (ConditionType.ERRORS,)
    objects = [{"condition_type": "ERRORS"}, {"condition_type ": "MISSED"}]
    assert parse_one(condition_types=objects).condition_types == ("ERRORS", "MISSED")
    assert parse_one(condition_types=None).condition_types == ()
    assert parse_one(condition_types=[]).condition_types == ()


def test_keys_with_stray_whitespace_are_accepted() -> None:
    row = good_row()
    row["username "] = row.pop("username")
    row[" errors"] = row.pop("errors")
    document = fixed_document()
    document["list"] = [good_row(), row]
    document["count "] = document.pop("count")
    report = parse_json(json.dumps(document).encode())
    assert report.rows[1].username == "globex"
    assert report.rows[1].errors == 3
    assert report.rows[0] == report.rows[1]
    assert report.count == 2


def test_date_only_report_date_is_a_midnight_datetime() -> None:
    assert parse_one(report_date="2024-05-02").report_date == datetime(2024, 5, 2)


def test_empty_list_and_missing_envelope_numbers_default_sensibly() -> None:
    empty = parse_json(b'{"list": []}')
    assert empty.rows == ()
    assert (empty.page, empty.page_size, empty.count, empty.links) == (1, 0, 0, ())
    two = parse_json(json.dumps({"list": [good_row(), good_row()]}).encode())
    assert (two.page, two.page_size, two.count) == (1, 2, 2)
    assert parse_json(b'{"page": "3", "count": "2", "list": []}').page == 3


@pytest.mark.parametrize(
    "body",
    [
        b"[]",
        b'"list"',
        b"3",
        b"null",
        b"{}",
        b'{"list": null}',
        b'{"list": {"0": {}}}',
        b'{"list": [], "page": "first"}',
        b'{"list": [], "count": -1}',
        b'{"list": [], "links": {"rel": "self"}}',
        b'{"list": [], "links": [{"rel": "self"}]}',
        b'{"list": [7]}',
        b"",
        b"\xff\xfe{",
        b"[" * 100_000,
    ],
)
def test_unusable_documents_raise_parse_error(body: bytes) -> None:
    with pytest.raises(ParseError):
        parse_json(body)


def test_truncated_bodies_raise_parse_error() -> None:
    body = (FIXTURES / "fixed_example.json").read_bytes()
    for cut in (len(body) // 2, len(body) - 3, 1):
        with pytest.raises(ParseError, match="malformed JSON"):
            parse_json(body[:cut])


def test_random_damage_raises_only_parse_error() -> None:
    body = (FIXTURES / "fixed_example.json").read_bytes()
    rng = random.Random(11)
    outcomes = set()
    for _ in range(300):
        damaged = bytearray(body)
        for _ in range(rng.randint(1, 4)):
            damaged[rng.randrange(len(damaged))] = rng.choice(b'{}[]":,0a- \x00')
        try:
            parse_json(bytes(damaged))
            outcomes.add("parsed")
        except ParseError:
            outcomes.add("rejected")
    assert "rejected" in outcomes


def test_parse_body_dispatches_on_format() -> None:
    json_body = (FIXTURES / "fixed_example.json").read_bytes()
    xml_body = (FIXTURES / "fixed_example.xml").read_bytes()
    assert parse_body(json_body, "json") == parse_json(json_body)
    assert parse_body(xml_body, "xml").rows == parse_xml(xml_body).rows
    assert parse_body(xml_body, "xml").source == "xml"
    with pytest.raises(ValueError, match="csv"):
        parse_body(json_body, "csv")


def test_ten_thousand_generated_rows_round_trip_and_share_values() -> None:
    rows = sample_rows(10_000)
    report = parse_json(to_json(rows))

    assert len(report) == 10_000
    assert [tuple(parsed) for parsed in report.rows] == [expected_values(r) for r in rows]
    assert sum(row.local_end is None for row in report.rows) > 0
    # Identical values are one object: 10k rows hold only a handful of type tuples.
    assert len({id(row.condition_types) for row in report.rows}) == 5
    assert len({id(row.report_date) for row in report.rows}) == 28
    assert len({id(row.username) for row in report.rows}) == len({r["username"] for r in rows})


def test_gc_state_is_restored_even_after_an_error() -> None:
    import gc

    assert gc.isenabled()
    with pytest.raises(ParseError):
        parse_json(body_with_rows(good_row(errors="x")))
    assert gc.isenabled()


def test_row_shaped_objects_outside_the_list_are_not_taken_for_rows() -> None:
    """Rows are built while json.loads runs (its object_hook), so a row-shaped object anywhere
    else must still be judged where it stands: a lone row is no report, and a row in the
    links is no link."""
    with pytest.raises(ParseError, match="'list' of rows is missing"):
        parse_json(json.dumps(good_row()).encode())
    document = json.loads(body_with_rows(good_row()))
    document["links"] = [good_row()]
    with pytest.raises(ParseError, match="a link needs text 'rel' and 'href'"):
        parse_json(json.dumps(document).encode())
    document = json.loads(body_with_rows(good_row()))
    document["list"] = good_row()
    with pytest.raises(ParseError, match="'list' of rows is a dict, not a list"):
        parse_json(json.dumps(document).encode())


def test_rows_mixing_fast_and_careful_paths_keep_their_order_and_numbers() -> None:
    odd = good_row(errors="3")  # a numeric string: built by the careful path
    rows = [good_row(computer_id=i) for i in range(1, 4)]
    report = parse_json(body_with_rows(rows[0], odd, rows[1], rows[2]))
    assert [r.computer_id for r in report.rows] == [1, odd["computer_id"], 2, 3]
    assert report.rows[1].errors == 3
    with pytest.raises(ParseError) as info:
        parse_json(body_with_rows(rows[0], good_row(errors=-1), rows[1]))
    assert info.value.row == 2
