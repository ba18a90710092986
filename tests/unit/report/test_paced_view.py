"""Preparing a view paced: the stale judgement and the index's warm-up rest between rows (a
view is prepared while several partners are still parsed, beside the GUI thread), and the view
comes out the same."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from desktop_app.report.derived import StaleRule
from desktop_app.report.parse import parse_json
from desktop_app.report.prepared import ViewPreparer
from desktop_app.runtime.pacing import PACED_CHUNK
from tests.unit.fixtures.generated import sample_rows, to_json

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_the_stale_judgement_rests_every_few_hundred_rows() -> None:
    rows = parse_json(to_json(sample_rows(3_000))).rows
    calls: list[None] = []
    rule = StaleRule(timedelta(hours=24))
    assert rule.stale_keys(rows, NOW, lambda: calls.append(None)) == rule.stale_keys(rows, NOW)
    assert len(calls) == -(-len(rows) // PACED_CHUNK)  # before each chunk


def test_a_paced_preparer_rests_and_prepares_the_same_view() -> None:
    report = parse_json(to_json(sample_rows(3_000)))
    plain = ViewPreparer(lambda: NOW)
    plain.rule = StaleRule(timedelta(hours=24))
    paced = ViewPreparer(lambda: NOW)
    paced.rule = plain.rule
    calls: list[None] = []
    paced.pause = lambda: calls.append(None)
    view, expected = paced(report).view, plain(report).view
    assert list(view.index) == list(expected.index)
    assert view.rows == expected.rows
    assert view.stale_keys == expected.stale_keys
    assert len(calls) > len(report.rows) // PACED_CHUNK  # the judgement and the warm-up
