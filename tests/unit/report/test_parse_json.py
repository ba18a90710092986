"""The JSON report parser: documented examples, sloppy inputs, read problems instead of
rejection, documents that are not reports, a big round trip."""

from __future__ import annotations

import copy
import json
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from desktop_app.report.errors import ParseError
from desktop_app.report.parse import parse_body, parse_json, parse_xml
from desktop_app.report.parse_fields import READ_AS_UTC, UNREADABLE_ROW
from desktop_app.report.parse_json import PAUSE_EVERY
from desktop_app.report.rows import LEFT_BLANK, BackupStatusRow, Link, ReadProblem
from desktop_app.report.status import ConditionStatus, ConditionType
from desktop_app.runtime.pacing import Pacer
from tests.support import UNIT_FIXTURES
from tests.unit.fixtures.generated import expected_values, sample_rows, to_json

FIXTURES = UNIT_FIXTURES
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
        computer_id="0001001",
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
    assert (globex.computer_id, globex.errors, globex.warnings) == ("0002002", 3, 1)
    assert report.problems == ()
    assert report.missing_detectable


def test_undocumented_status_and_condition_type_are_kept_verbatim() -> None:
    row = parse_one(condition_status="PAUSED", condition_types=["ERRORS", "QUOTA_EXCEEDED"])
    assert row.condition_status == "PAUSED"
    assert not isinstance(row.condition_status, ConditionStatus)
    assert row.condition_types == (ConditionType.ERRORS, "QUOTA_EXCEEDED")
    assert not isinstance(row.condition_types[1], ConditionType)


def test_missing_key_field_is_unknown_and_recorded_and_the_row_stays() -> None:
    third = good_row()
    del third["username"]
    report = parse_json(body_with_rows(good_row(), good_row(), third))
    assert len(report.rows) == 3
    assert report.rows[2].username is None
    assert report.rows[2].backupset_name == "SQL Server"
    assert report.problems == (ReadProblem(3, "username", "null", "missing", LEFT_BLANK),)
    assert not report.missing_detectable  # row 3 could be any of globex's sets


# (field, value sent, value read): each one costs its field, never the row or the report.
_UNREADABLE: list[tuple[str, Any, Any]] = [
    ("report_date", 20240502, None),
    ("report_date", "last tuesday", None),
    ("username", None, None),
    ("username", "   ", None),
    ("username", ["acme"], None),
    ("computer_id", 12.5, None),
    ("computer_id", True, None),
    ("computer_id", None, None),
    ("computer_id", " ", None),
    ("computer_name", ["GLOBEX"], None),
    ("backupset_name", "", None),
    ("local_start", 1714600000, None),
    ("local_start", "2024-05-02 at noon", None),
    ("condition_status", None, None),
    ("condition_status", 3, None),
    ("condition_status", "  ", None),
    ("condition_types", 7, None),
    ("condition_types", {"condition_type": "ERRORS"}, None),
    ("condition_types", [""], ()),
    ("condition_types", [None], ()),
    ("condition_types", ["ERRORS", None, "MISSED"], ("ERRORS", "MISSED")),
    ("errors", "abc", None),
    ("errors", 1.5, None),
    ("errors", True, None),
    ("errors", -1, None),
    ("warnings", "2.5", None),
    ("warnings", False, None),
    ("warnings", {"n": 1}, None),
]


@pytest.mark.parametrize(("field", "value", "read"), _UNREADABLE)
def test_unreadable_value_costs_its_field_and_is_recorded(
    field: str, value: Any, read: Any
) -> None:
    report = parse_json(body_with_rows(good_row(), good_row(**{field: value}), good_row()))
    first, odd, third = report.rows
    assert first == third == parse_one()  # the rows around it are untouched
    assert getattr(odd, field) == read
    assert odd._replace(**{field: getattr(first, field)}) == first  # only that field differs
    assert len(report.problems) == 1
    problem = report.problems[0]
    assert (problem.row, problem.field) == (2, field)
    assert problem.raw in {json.dumps(value), "null", '""'}  # the value, or the list's item
    assert problem.blank == (read is None)


def test_times_without_offset_or_time_of_day_are_read_as_utc_and_marked() -> None:
    report = parse_json(
        body_with_rows(
            good_row(local_start="2024-05-02T01:30:00", local_end="2024-05-02"),
            good_row(report_date="2024-05-02T00:00:00"),
        )
    )
    row, second = report.rows
    assert row.local_start == datetime(2024, 5, 2, 1, 30, tzinfo=UTC)
    assert row.local_end == datetime(2024, 5, 2, tzinfo=UTC)
    assert second.report_date == datetime(2024, 5, 2, tzinfo=UTC)
    assert [(p.row, p.field, p.outcome, p.blank) for p in report.problems] == [
        (1, "local_start", READ_AS_UTC, False),
        (1, "local_end", READ_AS_UTC, False),
        (2, "report_date", READ_AS_UTC, False),
    ]
    assert "no UTC offset" in report.problems[0].reason
    assert "without a time of day" in report.problems[1].reason


def test_empty_string_is_none_for_every_date_and_null_counts_are_unknown_not_zero() -> None:
    report = parse_json(
        body_with_rows(
            good_row(report_date="", local_start="", local_end="", errors=None, warnings="")
        )
    )
    row = report.rows[0]
    assert (row.report_date, row.local_start, row.local_end) == (None, None, None)
    assert (row.errors, row.warnings) == (None, None)
    assert report.problems == ()  # not sent is not unreadable
    missing = good_row()
    del missing["errors"], missing["warnings"]
    assert parse_json(body_with_rows(missing)).rows[0][9:11] == (None, None)


def test_statuses_and_condition_types_match_in_any_case_and_unknown_ones_stay_verbatim() -> None:
    rows = parse_json(
        body_with_rows(
            good_row(condition_status="failure", condition_types=["errors", "Missed"]),
            good_row(condition_status=" Warning "),
            good_row(condition_status="paused", condition_types=["quota_low"]),
        )
    ).rows
    assert rows[0].condition_status is ConditionStatus.FAILURE
    assert rows[0].condition_types == (ConditionType.ERRORS, ConditionType.MISSED)
    assert rows[1].condition_status is ConditionStatus.WARNING
    assert (rows[2].condition_status, rows[2].condition_types) == ("paused", ("quota_low",))


def test_computer_ids_are_opaque_text_as_sent() -> None:
    ids = ["0000", "PC-17", "3f2504e0-4f89-11d3-9a0c-0305e82c3301", "007"]
    report = parse_json(body_with_rows(*(good_row(computer_id=i) for i in ids)))
    assert [r.computer_id for r in report.rows] == ids
    assert report.problems == ()
    # A number is still readable: its text (the old int form, and the docs' sloppy types).
    assert parse_one(computer_id=17).computer_id == "17"
    assert parse_one(computer_id=17.0).computer_id == "17"


def test_names_sent_as_numbers_are_read_as_their_text() -> None:
    row = parse_one(username=42, computer_name=7, backupset_name=3.5)
    assert (row.username, row.computer_name, row.backupset_name) == ("42", "7", "3.5")


def test_a_list_item_that_is_no_object_is_an_unreadable_row_kept_in_place() -> None:
    report = parse_json(body_with_rows(good_row(), 7, good_row()))  # type: ignore[arg-type]
    assert report.rows[1] == UNREADABLE_ROW
    assert report.rows[0] == report.rows[2] == parse_one()
    assert [(p.row, p.field, p.raw) for p in report.problems] == [(2, "row", "7")]
    assert not report.missing_detectable


def test_long_raw_values_are_shortened() -> None:
    report = parse_json(body_with_rows(good_row(errors="x" * 500)))
    assert len(report.problems[0].raw) == 60
    assert report.problems[0].raw.endswith("…")
    assert report.problems[0].line().startswith('row 1, errors: "xxx')


def test_numeric_strings_and_integral_floats_are_accepted() -> None:
    row = parse_one(computer_id="2002", errors="3", warnings=" 1 ")
    assert (row.computer_id, row.errors, row.warnings) == ("2002", 3, 1)
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


def test_date_only_report_date_is_utc_midnight_without_a_problem() -> None:
    report = parse_json(body_with_rows(good_row(report_date="2024-05-02")))
    assert report.rows[0].report_date == datetime(2024, 5, 2, tzinfo=UTC)
    assert report.problems == ()


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
        b'{"error": "invalid_token", "message": "The access token is not valid"}',
        b"",
        b"\xff\xfe{",
        b"[" * 100_000,
    ],
)
def test_documents_that_are_not_reports_raise_parse_error(body: bytes) -> None:
    with pytest.raises(ParseError):
        parse_json(body)


def test_odd_envelope_values_are_problems_of_the_envelope() -> None:
    report = parse_json(
        b'{"page": "first", "count": -1, "links": [{"rel": "self"}, {"rel": "next", "href": 3},'
        b' {"rel": " next ", "href": "https://x/2"}], "list": []}'
    )
    assert (report.page, report.count, report.links) == (1, 0, (Link("next", "https://x/2"),))
    assert [(p.row, p.field) for p in report.problems] == [
        (None, "page"),
        (None, "count"),
        (None, "links"),
        (None, "links"),
    ]
    assert (
        report.problems[0].line() == 'envelope, page: "first" (not a whole number >= 0; read as 1)'
    )
    assert report.missing_detectable  # no row is in doubt
    not_a_list = parse_json(b'{"links": {"rel": "self"}, "list": []}')
    assert not_a_list.links == () and not_a_list.problems[0].field == "links"


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
        parse_json(body_with_rows(good_row(errors="x"))[:-20])
    assert gc.isenabled()


def test_row_shaped_objects_outside_the_list_are_not_taken_for_rows() -> None:
    """Rows are built while json.loads runs (its object_hook), so a row-shaped object anywhere
    else must still be judged where it stands: a lone row is no report, and a row in the
    links is no link."""
    with pytest.raises(ParseError, match="'list' of rows is missing"):
        parse_json(json.dumps(good_row()).encode())
    document = json.loads(body_with_rows(good_row()))
    document["links"] = [good_row()]
    report = parse_json(json.dumps(document).encode())
    assert report.links == ()
    assert [(p.field, p.reason) for p in report.problems] == [
        ("links", "a link needs text rel and href")
    ]
    document = json.loads(body_with_rows(good_row()))
    document["list"] = good_row()
    with pytest.raises(ParseError, match="'list' of rows is a dict, not a list"):
        parse_json(json.dumps(document).encode())


def test_rows_mixing_fast_and_careful_paths_keep_their_order_and_numbers() -> None:
    odd = good_row(errors="3")  # a numeric string: built by the careful path
    rows = [good_row(computer_id=str(i)) for i in range(1, 4)]
    report = parse_json(body_with_rows(rows[0], odd, rows[1], rows[2]))
    assert [r.computer_id for r in report.rows] == ["1", odd["computer_id"], "2", "3"]
    assert report.rows[1].errors == 3
    bad = parse_json(body_with_rows(rows[0], good_row(errors=-1), rows[1], good_row(errors=-1)))
    assert [(p.row, p.field) for p in bad.problems] == [(2, "errors"), (4, "errors")]


def test_a_bad_value_is_recorded_for_every_row_that_has_it() -> None:
    """The fast path caches what it has read; a value recorded as a problem must never be
    cached, or only its first row would be marked."""
    rows = [good_row(condition_status="", report_date="2024-05-02T00:00:00")] * 3
    report = parse_json(body_with_rows(*rows))
    assert [(p.row, p.field) for p in report.problems] == [
        (row, field) for row in (1, 2, 3) for field in ("report_date", "condition_status")
    ]


def test_a_padded_key_from_the_documentation_is_read() -> None:
    row = good_row()
    row["condition_types "] = row.pop("condition_types")
    assert parse_json(body_with_rows(row)).rows[0] == parse_one()


def test_times_with_the_same_offset_share_one_offset_object() -> None:
    """Memory: 100k rows hold one tzinfo per distinct offset, not two per row (72 bytes each)."""
    rows = sample_rows(40)
    offsets = {row["local_start"][-6:] for row in rows}
    assert len(offsets) < len(rows)  # the sample repeats offsets
    report = parse_json(to_json(rows))
    times = [t for row in report.rows for t in (row.local_start, row.local_end) if t is not None]
    zones = {id(t.tzinfo) for t in times}
    assert len(zones) == len({t.utcoffset() for t in times})
    assert [row.local_start for row in report.rows] == [
        datetime.fromisoformat(row["local_start"]) for row in rows
    ]


def test_a_paced_parse_rests_and_reads_the_same_rows() -> None:
    """Several partners' reports parse at once beside the GUI thread: each parse must rest
    (sleep, leaving the GIL) while ``json.loads`` runs, not only before or after it."""
    body = to_json(sample_rows(3_000))
    pacer = Pacer(work=0.0002, rest=0.0001)
    calls = 0

    def pause() -> None:
        nonlocal calls
        calls += 1
        pacer.pause()

    paced = parse_json(body, "p", pause=pause)
    assert paced == parse_json(body, "p")
    assert calls >= 3_000 // PAUSE_EVERY
    assert pacer.rests > 0
    assert parse_body(body, "json", "p", pause) == paced
