"""The XML report parser: documented examples, both reading paths, read problems, recovery of
malformed documents, hostile documents."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from desktop_app.report.errors import ParseError
from desktop_app.report.parse import parse_json, parse_xml
from desktop_app.report.parse_fields import READ_AS_UTC, RowBuilder
from desktop_app.report.parse_xml import _text_path
from desktop_app.report.rows import Link, ReadProblem, Report
from desktop_app.report.status import ConditionStatus, ConditionType
from tests.support import UNIT_FIXTURES
from tests.unit.fixtures.generated import expected_values, sample_rows, to_json, to_xml

FIXTURES = UNIT_FIXTURES
FIXED = (FIXTURES / "fixed_example.xml").read_bytes()
DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'


def with_comment(body: bytes) -> bytes:
    """The same document with a comment in it: the parser must then read it from the tree."""
    head, sep, rest = body.partition(b"<list")
    return head + b"<!-- forces the tree path -->" + sep + rest


def parse_both(body: bytes) -> Report:
    """Parse by the text shortcut and by the tree; both must agree exactly (problems too)."""
    quick, tree = parse_xml(body), parse_xml(with_comment(body))
    assert quick == tree
    return quick


def shortcut(body: bytes, **kwargs: object) -> object:
    return _text_path(body, RowBuilder(), **kwargs)  # type: ignore[arg-type]


def row_xml(**fields: str | None) -> str:
    values: dict[str, str | None] = {
        "report_date": "2024-05-02T00:00:00+01:00",
        "username": "globex",
        "computer_id": "2002",
        "computer_name": "GLOBEX-SQL",
        "backupset_name": "SQL Server",
        "local_start": "2024-05-02T01:30:00+01:00",
        "local_end": "2024-05-02T01:52:09+01:00",
        "condition_status": "FAILURE",
        "condition_types": "<condition_type>ERRORS</condition_type>",
        "errors": "3",
        "warnings": "1",
    }
    values.update(fields)
    parts = []
    for name, value in values.items():
        if value is None:
            continue  # absent element
        if name == "condition_types":
            parts.append(f"<condition_types>{value}</condition_types>")
        else:
            parts.append(f"<{name}>{value}</{name}>" if value else f"<{name}/>")
    return "<backup_status>" + "".join(parts) + "</backup_status>"


def document(*rows: str) -> bytes:
    return DECLARATION + f'<list page="1">{"".join(rows)}</list>'.encode()


def test_published_example_with_mismatched_tags_is_recovered_and_marked() -> None:
    report = parse_xml((FIXTURES / "published_example.xml").read_bytes())
    assert report.rows == parse_xml(FIXED).rows  # what the documentation meant
    (problem,) = report.problems
    assert (problem.row, problem.field, problem.raw) == (None, "document", "line 14")
    assert "condition_types" in problem.reason and "mismatch" in problem.reason
    assert problem.line().startswith("document: line 14 (malformed XML: ")
    assert not report.missing_detectable  # recovery may have lost rows


def test_fixed_example_equals_the_fixed_json_example() -> None:
    report = parse_both(FIXED)
    from_json = parse_json((FIXTURES / "fixed_example.json").read_bytes())

    assert report.rows == from_json.rows
    assert (report.page, report.page_size, report.count) == (1, 2, 2)
    assert report.links == from_json.links
    assert report.links[0] == Link(rel="self", href=from_json.links[0].href)
    assert report.source == "xml"
    acme = report.rows[0]
    assert acme.local_start is not None and acme.local_start.utcoffset() == timedelta(hours=-5)
    assert acme.condition_status is ConditionStatus.COMPLETED


def test_condition_types_directly_under_the_row_or_wrapped_are_the_same() -> None:
    types = "<condition_type>ERRORS</condition_type><condition_type>MISSED</condition_type>"
    wrapped = row_xml(condition_types=types)
    direct = wrapped.replace(f"<condition_types>{types}</condition_types>", types)
    assert direct != wrapped
    expected = (ConditionType.ERRORS, ConditionType.MISSED)
    assert parse_both(document(wrapped)).rows[0].condition_types == expected
    assert parse_both(document(direct)).rows[0].condition_types == expected
    assert parse_both(document(row_xml(condition_types=""))).rows[0].condition_types == ()


def test_undocumented_values_are_kept_verbatim() -> None:
    body = document(
        row_xml(condition_status="PAUSED", condition_types="<condition_type>NEW</condition_type>")
    )
    row = parse_both(body).rows[0]
    assert row.condition_status == "PAUSED" and not isinstance(
        row.condition_status, ConditionStatus
    )
    assert row.condition_types == ("NEW",)


def test_missing_field_is_unknown_and_recorded_on_both_paths() -> None:
    report = parse_both(document(row_xml(), row_xml(), row_xml(username=None)))
    assert len(report.rows) == 3 and report.rows[2].username is None
    assert report.problems == (ReadProblem(3, "username", "null", "missing"),)


@pytest.mark.parametrize(
    ("field", "text", "read"),
    [
        ("computer_id", "", None),
        ("errors", "abc", None),
        ("errors", "-2", None),
        ("warnings", "true", None),
        ("local_start", "yesterday", None),
        ("report_date", "2024-13-45", None),
        ("backupset_name", "", None),
        ("username", "  ", None),
        ("condition_status", "", None),
        ("local_end", "2024-05-02T01:52:09", datetime(2024, 5, 2, 1, 52, 9, tzinfo=UTC)),
    ],
)
def test_unreadable_values_cost_their_field_on_both_paths(
    field: str, text: str, read: object
) -> None:
    report = parse_both(document(row_xml(), row_xml(**{field: text}), row_xml()))
    first, odd, third = report.rows
    assert first == third
    assert getattr(odd, field) == read
    assert odd._replace(**{field: getattr(first, field)}) == first
    assert [(p.row, p.field) for p in report.problems] == [(2, field)]
    assert report.problems[0].outcome == (READ_AS_UTC if read is not None else "left blank")


def test_ids_are_text_as_sent_and_statuses_match_in_any_case() -> None:
    body = document(
        row_xml(computer_id="0000", condition_status="failure"),
        row_xml(computer_id="PC-17", condition_status="Paused"),
        row_xml(computer_id="12.5"),
    )
    rows = parse_both(body).rows
    assert [r.computer_id for r in rows] == ["0000", "PC-17", "12.5"]
    assert rows[0].condition_status is ConditionStatus.FAILURE
    assert rows[1].condition_status == "Paused"


def test_numbers_with_whitespace_and_empty_optional_elements() -> None:
    body = document(
        row_xml(computer_id=" 2002 ", errors="\n3\n", local_end="", computer_name=""),
        row_xml(errors="", warnings=""),
    )
    report = parse_both(body)
    first, second = report.rows
    assert (first.computer_id, first.errors, first.local_end, first.computer_name) == (
        " 2002 ",  # opaque: exactly as sent
        3,
        None,
        "",
    )
    assert (second.errors, second.warnings) == (None, None)  # unknown, not 0
    assert report.problems == ()


def test_escaped_text_line_ends_and_character_references_are_decoded() -> None:
    body = document(
        row_xml(
            username="smith &amp; sons",
            computer_name="caf&#233; &lt;1&gt; &#x263A;",
            backupset_name="a&#13;b\r\nc",
        )
    )
    row = parse_both(body).rows[0]
    assert row.username == "smith & sons"
    assert row.computer_name == "café <1> ☺"
    assert row.backupset_name == "a\rb\nc"


def test_other_encodings_namespaces_and_attributes_are_read_from_the_tree() -> None:
    latin = (
        b'<?xml version="1.0" encoding="ISO-8859-1"?><list>'
        + row_xml(computer_name="caf\xe9").encode("latin-1")
        + b"</list>"
    )
    assert parse_xml(latin).rows[0].computer_name == "café"
    namespaced = document(row_xml()).replace(b"<list ", b'<list xmlns="urn:x" ')
    assert parse_both(namespaced).rows == parse_xml(document(row_xml())).rows
    attributes = document(row_xml().replace("<backup_status>", '<backup_status id="1">'))
    assert parse_xml(attributes).rows == parse_xml(document(row_xml())).rows


def test_rows_must_be_children_of_the_root() -> None:
    nested = DECLARATION + f"<list><group>{row_xml()}</group></list>".encode()
    assert parse_xml(nested).rows == ()
    assert parse_xml(with_comment(nested)).rows == ()


def test_empty_list_and_envelope_defaults() -> None:
    empty = parse_xml(b'<list page="1" page_size="0" count="0"/>')
    assert (empty.rows, empty.page, empty.page_size, empty.count, empty.links) == ((), 1, 0, 0, ())
    report = parse_both(document(row_xml(), row_xml()))
    assert (report.page, report.page_size, report.count) == (1, 2, 2)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not xml",
        b"<report/>",
        b"<error><message>The access token is not valid</message></error>",
        b"<html><body>Sign in</body></html>",
        b"\xff\xfe<\x00l\x00",
    ],
)
def test_documents_that_are_not_reports_raise_parse_error(body: bytes) -> None:
    with pytest.raises(ParseError):
        parse_xml(body)


def test_odd_envelope_values_are_problems_of_the_envelope() -> None:
    report = parse_xml(b"<list page='first' count='-3'><link rel='self'/></list>")
    assert (report.page, report.count, report.links) == (1, 0, ())
    assert [(p.field, p.outcome) for p in report.problems] == [
        ("page", "read as 1"),
        ("count", "read as 0"),
        ("links", "left out"),
    ]


def test_truncated_documents_keep_the_rows_that_arrived_and_say_so() -> None:
    rows = sample_rows(50)
    body = to_xml(rows)
    report = parse_xml(body[: len(body) // 2])
    assert 20 <= len(report.rows) <= 26
    complete = [r for r in report.rows if r.warnings is not None]
    assert [tuple(r) for r in complete] == [expected_values(r) for r in rows[: len(complete)]]
    assert report.problems[0].field == "document"
    assert "malformed XML" in report.problems[0].reason
    assert not report.missing_detectable


def test_external_entities_are_never_expanded(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-MARKER")
    for target in (secret.as_uri(), "file:///etc/passwd"):
        body = (
            '<?xml version="1.0"?>\n'
            f'<!DOCTYPE list [<!ENTITY xxe SYSTEM "{target}">]>\n'
            f"<list>{row_xml(username='&xxe;')}</list>"
        ).encode()
        try:
            report = parse_xml(body)
        except ParseError as exc:
            assert "TOP-SECRET-MARKER" not in str(exc) and "root:" not in str(exc)
        else:
            values = repr(report)
            assert "TOP-SECRET-MARKER" not in values and "root:" not in values


def test_billion_laughs_is_not_expanded() -> None:
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    ]
    body = (
        f'<?xml version="1.0"?>\n<!DOCTYPE list [{"".join(entities)}]>\n'
        f"<list>{row_xml(username='&lol9;')}</list>"
    ).encode()
    started = time.perf_counter()
    try:
        report = parse_xml(body)
    except ParseError as exc:
        assert "lollol" not in str(exc)
    else:
        assert "lollol" not in repr(report)
    assert time.perf_counter() - started < 2


def test_ten_thousand_generated_rows_match_json_on_every_path() -> None:
    rows = sample_rows(10_000)
    expected = [expected_values(r) for r in rows]
    from_json = parse_json(to_json(rows)).rows
    assert [tuple(row) for row in from_json] == expected
    for body in (
        to_xml(rows),
        to_xml(rows, pretty=True),
        to_xml(rows, wrapper=False),
        with_comment(to_xml(rows)),
    ):
        assert parse_xml(body).rows == from_json
    assert len({id(row.condition_types) for row in parse_xml(to_xml(rows)).rows}) == 5


def test_plain_documents_take_the_text_shortcut() -> None:
    rows = sample_rows(30)
    for body in (FIXED, to_xml(rows), to_xml(rows, pretty=True), to_xml(rows, wrapper=False)):
        assert shortcut(body) is not None
    assert shortcut(with_comment(FIXED)) is None
    assert shortcut(FIXED.replace(b"<errors>3", b"<errors kind='n'>3")) is None
    assert shortcut(FIXED[:-30]) is None  # malformed: the tree path recovers it


def test_the_shortcut_reads_slice_by_slice_exactly_as_whole() -> None:
    """Slices are cut after a ``</backup_status>``; cut after every row, nothing changes."""
    accented = row_xml(computer_name="CAFÉ-Ø-服务器", username="a&amp;b")
    bodies = [
        FIXED,
        to_xml(sample_rows(40)),
        to_xml(sample_rows(40), pretty=True),
        to_xml(sample_rows(40), wrapper=False),
        document(accented, row_xml(), accented),
        b"\xef\xbb\xbf" + document(row_xml(), accented),
    ]
    for body in bodies:
        whole: Any = shortcut(body)
        assert whole is not None
        for slice_bytes in (1, 200, 5_000):
            sliced: Any = shortcut(body, slice_bytes=slice_bytes)
            assert sliced is not None
            assert sliced[1] == whole[1]
            assert dict(sliced[0].attrib) == dict(whole[0].attrib)
        assert parse_both(body).rows == whole[1]


def test_pause_is_called_between_slices() -> None:
    from desktop_app.report.parse_xml import _slices

    body = to_xml(sample_rows(25))
    slices = list(_slices(body, 1))
    assert len(slices) == 26  # one per row, then the closing tag
    assert b"".join(body[start:end] for start, end in slices) == body
    calls: list[int] = []
    found = _text_path(body, RowBuilder(), lambda: calls.append(1), slice_bytes=1)
    assert found is not None and len(found[1]) == 25
    # Decoding, splitting and building rows each rest once per slice (rows: per slice of rows).
    assert len(calls) == 26 + 26 + 25
    paused: list[int] = []
    assert parse_xml(body, pause=lambda: paused.append(1)) == parse_xml(body)
    assert paused


def test_anything_unusual_in_a_later_slice_leaves_the_shortcut() -> None:
    row = row_xml()
    odd = {
        "text between rows": document(row, row, "stray", row),
        "an element between rows": document(row, row, "<note/>", row),
        "a row the pattern does not read": document(
            row, row, row.replace("<errors>", "<errors a='1'>")
        ),
        "a comment": document(row, row, "<!-- later -->", row),
        "a processing instruction": document(row, row, "<?later now?>", row),
    }
    for what, body in odd.items():
        assert shortcut(body) is None, what
        assert shortcut(body, slice_bytes=1) is None, what
        assert parse_xml(body).rows == parse_xml(with_comment(body)).rows, what
    latin = document(row, row).replace(b"UTF-8", b"ISO-8859-1")
    assert shortcut(latin, slice_bytes=1) is None
    assert parse_xml(latin).rows == parse_xml(document(row, row)).rows


def test_a_bad_value_is_recorded_for_every_row_that_has_it() -> None:
    """The shortcut learns what a careful row's raw texts meant; a value that was a problem
    must not be learned, or only its first row would be marked."""
    odd = row_xml(errors="abc", condition_status="", report_date="2024-05-02T00:00:00")
    report = parse_both(document(odd, row_xml(), odd, odd))
    assert [(p.row, p.field) for p in report.problems] == [
        (row, field) for row in (1, 3, 4) for field in ("report_date", "condition_status", "errors")
    ]
