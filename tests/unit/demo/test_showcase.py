"""The demo's rhythm showcase: a new demo history seeded with 30 days of runs teaches the
rhythms the demo is meant to show, judged exactly as the app judges them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from desktop_app.demo.data import DemoData
from desktop_app.demo.showcase import SHOWCASE_USER, seed_history, showcase_rows
from desktop_app.report.derived import StaleRule, derive
from desktop_app.report.escalation import EscalationRule
from desktop_app.storage.history import HistoryStore
from desktop_app.storage.runs import effective_rhythms, streaks_of

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def test_a_seeded_demo_history_shows_overdue_on_time_weekly_and_repeated(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path / "demo-history.sqlite3", clock=lambda: NOW)
    try:
        assert seed_history(store, NOW) > 100
        assert seed_history(store, NOW) == 0  # only a new history is seeded
        rows = showcase_rows(NOW)
        store.record(rows, NOW)  # the first demo report lists the same runs: nothing new learned
        learned = store.learned()
        rhythms = effective_rhythms(learned, {})
        by_name = {row.backupset_name: row.key for row in rows}
        assert {name: rhythms[key].interval for name, key in by_name.items()} == {
            "SQL Hourly": 3600,
            "Files Nightly": 86400,
            "Weekly Archive": 7 * 86400,
            "Exchange": 86400,
        }
        derived = derive(
            rows,
            NOW,
            StaleRule(rhythms=rhythms),
            streaks=streaks_of(learned),
            escalation=EscalationRule(),
        )
        assert derived.overdue == {by_name["SQL Hourly"]}
        assert derived.stale == {by_name["SQL Hourly"]}  # the weekly set, 3 days quiet, is not
        assert derived.repeated == {by_name["Exchange"]}
        plain = derive(rows, NOW, StaleRule())  # without rhythms the threshold gets both wrong
        assert plain.stale == {by_name["Weekly Archive"]}
    finally:
        store.close()  # an unclosed database warns on Python 3.13 (Windows CI)


def test_the_demo_report_lists_the_showcase_only_when_asked() -> None:
    with_showcase = DemoData(20, now=NOW, showcase=True)
    names = {r.username for r in with_showcase.rows()}
    assert SHOWCASE_USER in names and len(with_showcase) == 24
    with_showcase.advance(NOW + timedelta(minutes=5))
    assert with_showcase.rows()[-4:] == showcase_rows(NOW)  # the simulation leaves them be
    assert SHOWCASE_USER not in {r.username for r in DemoData(20, now=NOW).rows()}
