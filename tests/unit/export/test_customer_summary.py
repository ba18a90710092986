"""Customer counts and the customer summary CSV, with success rates from a real history."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path

from desktop_app.export.customer_summary import (
    CUSTOMER_SUMMARY_HEADER,
    summary_rows,
    write_customer_summary,
)
from desktop_app.report.customers import by_problems, summarise_customers
from desktop_app.report.derived import StaleRule, derive
from desktop_app.report.rows import BackupStatusRow
from desktop_app.report.status import ConditionStatus
from desktop_app.storage.history import HistoryStore, SuccessRates
from desktop_app.storage.history_queries import history_days

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
S = ConditionStatus


def row(user: str, cid: int, status: str = S.COMPLETED, age_hours: float = 1) -> BackupStatusRow:
    end = NOW - timedelta(hours=age_hours)
    return BackupStatusRow(NOW, user, str(cid), "PC", "Files", end, end, status, (), 0, 0)


ROWS = [
    row("acme", 1, S.FAILURE),
    row("acme", 2, S.WARNING),
    row("acme", 3, age_hours=100),  # stale
    row("=cmd", 4, S.RUNNING),
    row("bravo", 5, S.WARNING),
    row("bravo", 6, S.WARNING),
]


def test_counts_per_customer_with_derived_states() -> None:
    derived = derive(ROWS, NOW, StaleRule(), [("bravo", "7", "Files")])
    counts = {c.username: c for c in summarise_customers(ROWS, derived)}
    acme, bravo, cmd = counts["acme"], counts["bravo"], counts["=cmd"]
    assert (acme.backup_sets, acme.failures, acme.warnings, acme.stale) == (3, 1, 1, 1)
    assert acme.worst_status == S.FAILURE and acme.problems == 2 and acme.needs_attention == 2
    assert (bravo.backup_sets, bravo.warnings, bravo.missing, bravo.problems) == (3, 2, 1, 1)
    assert bravo.worst_status == "MISSING"  # a set gone quiet outranks its warnings
    assert (cmd.running, cmd.worst_status, cmd.problems) == (1, S.RUNNING, 0)
    assert [c.username for c in by_problems(counts.values())] == ["acme", "bravo", "=cmd"]


def test_a_customer_whose_only_set_went_quiet_looks_stale_not_healthy() -> None:
    quiet = [row("quiet", 9, age_hours=13 * 24)]  # completed, 13 days ago
    (before,) = summarise_customers(quiet)  # without derived states: the reported status
    assert before.worst_status == S.COMPLETED
    (after,) = summarise_customers(quiet, derive(quiet, NOW, StaleRule()))
    assert after.worst_status == "STALE" and after.stale == 1


def test_csv_with_success_rates_from_history(tmp_path: Path) -> None:
    history = HistoryStore(tmp_path / "h.sqlite3", clock=lambda: NOW)
    try:
        for day, status in ((3, S.COMPLETED), (2, S.FAILURE), (1, S.COMPLETED), (0, S.COMPLETED)):
            when = NOW - timedelta(days=day)
            history.record([row("acme", 1, status, age_hours=1 + 24 * day)], when)
        history.record([row("bravo", 5, S.COMPLETED)], NOW - timedelta(hours=5))
        rates = history.success_rates(NOW)
        days = history_days(history.database, NOW)
    finally:
        history.close()
    assert rates["acme"].last_7_days == 0.75
    assert days == {"acme": 3.0, "bravo": 5 / 24}
    customers = summarise_customers(ROWS, derive(ROWS, NOW, StaleRule()))
    target = tmp_path / "customers.csv"
    assert write_customer_summary(target, customers, rates, history_days=days) == 3
    text = target.read_text(encoding="utf-8-sig")
    lines = list(csv.reader(text.splitlines()))
    assert tuple(lines[0]) == CUSTOMER_SUMMARY_HEADER
    by_name = {line[0]: line for line in lines[1:]}
    # Both rates rest on the 3 days recorded so far, and say so.
    assert by_name["acme"] == ["acme", "3", "1", "1", "1", "0", "75.0", "3.0", "75.0", "3.0"]
    assert by_name["bravo"][6:] == ["", "", "", ""]  # 5 hours of history: too few for a rate
    assert "'=cmd" in by_name  # formula-injection guard applies
    assert target.read_bytes().startswith(b"\xef\xbb\xbf")


def test_summary_rows_round_percent_and_cap_the_days_at_the_window() -> None:
    [c] = summarise_customers([row("x", 1)])
    [cells] = summary_rows([c], {"x": SuccessRates(2 / 3, None)}, {"x": 45.25})
    assert list(cells[6:]) == [66.7, 7.0, "", 30.0]
    [unknown] = summary_rows([c], {"x": SuccessRates(2 / 3, None)})  # no coverage known
    assert unknown[6] == 66.7
