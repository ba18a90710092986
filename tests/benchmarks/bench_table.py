"""Figures for the report table model against a plain QSortFilterProxyModel baseline.

Run: ``QT_QPA_PLATFORM=offscreen python tests/benchmarks/bench_table.py [--sizes 100000 1000000]``
(add ``--baseline-columns all`` to time the baseline sort of every column; it is slow).

Prints, per size: loading rows (``set_rows``), sorting by every column both ways (the first
sort of a column includes computing its keys), toggling each status filter, search keystrokes
(one character, then extending, then deleting), a key lookup and painting one screenful. Then
the same operations through a ``QSortFilterProxyModel`` over a simple Python table model (the
baseline: one Python ``data()`` call per comparison), with the ratio. The baseline runs at
100k rows at most, and each baseline operation gives up after ``--baseline-limit`` seconds
(its ``data()`` stops answering, so the operation ends early and is shown as "> limit").

Targets at 100k rows on a 2-core machine: load <= 300 ms, sort <= 150 ms, status filter
toggle <= 50 ms, search keystroke <= 100 ms.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)

from desktop_app.report.rows import BackupStatusRow
from desktop_app.report.status import ConditionStatus, ConditionType
from desktop_app.ui.table.columns import TEXT_FORMATTERS, Column
from desktop_app.ui.table.model import ReportTableModel

TARGETS_MS = {"load": 300.0, "sort": 150.0, "filter": 50.0, "search": 100.0}
TARGET_SIZE = 100_000
BASELINE_MAX_ROWS = 100_000
BASELINE_SORT_COLUMNS = (Column.CUSTOMER, Column.ENDED, Column.STATUS)
NOW = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)


# -- rows ---------------------------------------------------------------------------------------
def make_rows(n: int, seed: int) -> tuple[list[BackupStatusRow], str]:
    """The demo generator when present (realistic names), else a simple local one."""
    try:
        from desktop_app.demo.data import generate_rows
    except ImportError:
        return _fallback_rows(n, seed), "local generator"
    return generate_rows(n, seed=seed, now=NOW, unknown_statuses=True), "demo.data.generate_rows"


def _fallback_rows(n: int, seed: int) -> list[BackupStatusRow]:
    rnd = random.Random(seed)
    zones = [timezone(timedelta(hours=h)) for h in (-8, -5, 0, 1, 10)]
    statuses = [ConditionStatus.COMPLETED] * 80 + [ConditionStatus.WARNING] * 8
    statuses += [ConditionStatus.FAILURE] * 7 + [ConditionStatus.RUNNING] * 4 + ["PAUSED"]
    rows = []
    for i in range(n):
        status = rnd.choice(statuses)
        start = (NOW - timedelta(seconds=rnd.randrange(9 * 86400))).astimezone(rnd.choice(zones))
        running = status == ConditionStatus.RUNNING
        end = None if running else start + timedelta(seconds=rnd.randrange(60, 5 * 3600))
        customer = f"customer-{rnd.randrange(max(1, n // 14)):05d}"
        rows.append(
            BackupStatusRow(
                NOW,
                customer,
                i,
                f"{customer.upper()}-PC-{rnd.randrange(20):02d}",
                rnd.choice(("Files", "SQL Server", "Exchange", "System State", "Image")),
                start,
                end,
                status,
                (ConditionType.COMPLETED,),
                rnd.randrange(3),
                rnd.randrange(5),
            )
        )
    return rows


# -- timing -------------------------------------------------------------------------------------
def timed(action: Callable[[], object]) -> float:
    """Milliseconds one call takes (after a collection, so earlier garbage is not billed)."""
    gc.collect()
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1000


def best_of(repeat: int, action: Callable[[], object], setup: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        setup()
        times.append(timed(action))
    return min(times)


def verdict(ms: float, kind: str | None, n: int) -> str:
    if kind is None or n != TARGET_SIZE:
        return ""
    target = TARGETS_MS[kind]
    return f"<= {target:.0f} {'ok' if ms <= target else 'MISSED'}"


class Table:
    def __init__(self, title: str, headers: Sequence[str]) -> None:
        self.title = title
        self.headers = list(headers)
        self.rows: list[list[str]] = []

    def add(self, *cells: object) -> None:
        self.rows.append([c if isinstance(c, str) else f"{c:,.1f}" for c in cells])

    def print(self) -> None:
        widths = [
            max(len(r[i]) for r in [self.headers, *self.rows]) for i in range(len(self.headers))
        ]
        print(f"\n{self.title}")
        print("  ".join(h.ljust(w) for h, w in zip(self.headers, widths, strict=True)))
        print("  ".join("-" * w for w in widths))
        for row in self.rows:
            cells = [
                c.ljust(w) if i == 0 else c.rjust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            ]
            print("  ".join(cells))
        sys.stdout.flush()


# -- the fast model -----------------------------------------------------------------------------
def search_steps(rows: Sequence[BackupStatusRow]) -> list[str]:
    """Typing the start of a real customer name, then deleting back to one character."""
    name = rows[len(rows) // 2].username.casefold()
    typed = [name[:k] for k in range(1, min(len(name), 6) + 1)]
    return [*typed, *reversed(typed[:-1])]


def bench_fast(rows: list[BackupStatusRow], repeat: int) -> dict[str, float]:
    n = len(rows)
    figures: dict[str, float] = {}
    table = Table(f"ReportTableModel, {n:,} rows (ms)", ["operation", "ms", "target"])

    def fresh() -> ReportTableModel:
        return ReportTableModel(now=lambda: NOW)

    holder: dict[str, ReportTableModel] = {}
    ms = best_of(repeat, lambda: holder["m"].set_rows(rows), lambda: holder.update(m=fresh()))
    figures["load"] = ms
    table.add("load (set_rows, unsorted)", ms, verdict(ms, "load", n))

    def sorted_searching() -> None:
        model = fresh()
        model.sort(Column.STATUS, Qt.SortOrder.DescendingOrder)
        model.set_rows(rows[:10])
        model.set_search_text("a")
        holder["m"] = model

    ms = best_of(repeat, lambda: holder["m"].set_rows(rows), sorted_searching)
    figures["load_sorted"] = ms
    table.add("load (set_rows, sorted by status + search on)", ms, verdict(ms, "load", n))

    model = fresh()
    model.set_rows(rows)
    sorts = Table(
        f"Sorting, {n:,} rows (ms; first sort of a column computes its keys)",
        ["column", "asc (cold)", "desc", "asc (warm)", "target (worst)"],
    )
    asc, desc = Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder
    worst = 0.0
    for column in Column:
        cold = timed(lambda c=column: model.sort(c, asc))
        down = min(timed(lambda c=column: model.sort(c, desc)) for _ in range(repeat))
        warm = min(timed(lambda c=column: model.sort(c, asc)) for _ in range(repeat))
        figures[f"sort {column.name} asc"] = cold
        figures[f"sort {column.name} desc"] = down
        col_worst = max(cold, down, warm)
        worst = max(worst, col_worst)
        sorts.add(column.title, cold, down, warm, verdict(col_worst, "sort", n))
    figures["sort worst"] = worst

    model.sort(Column.STATUS, asc)
    statuses = list(model.status_counts())
    for status in statuses:
        ms = timed(lambda s=status: model.set_status_filter(frozenset({s})))
        back = timed(lambda: model.set_status_filter(None))
        figures[f"filter {status}"] = ms
        table.add(
            f"status filter {status} on / off",
            f"{ms:,.1f} / {back:,.1f}",
            verdict(max(ms, back), "filter", n),
        )

    for text in search_steps(rows):
        # A keystroke also refreshes the status toggles' counts, so time both.
        ms = timed(lambda t=text: (model.set_search_text(t), model.status_counts()))
        figures.setdefault(f"search {text!r}", ms)  # typed, not the cached way back
        table.add(
            f"search keystroke + counts -> {text!r} ({model.rows_shown():,} shown)",
            ms,
            verdict(ms, "search", n),
        )
    model.set_search_text("")

    key = rows[n // 3].key
    table.add(
        "view_row_of_key, first (builds lookups)", timed(lambda: model.view_row_of_key(key)), ""
    )
    table.add("view_row_of_key, again", timed(lambda: model.view_row_of_key(rows[n // 4].key)), "")

    def paint() -> None:
        for r in range(50):
            for c in Column:
                model.index(r, c).data()
                model.index(r, c).data(Qt.ItemDataRole.DecorationRole)

    table.add("data() for one screenful (50 rows x 11 columns x 2 roles)", timed(paint), "")

    selected = [QPersistentModelIndex(model.index(r, 0)) for r in range(0, min(n, 5000), 50)]
    table.add(
        f"sort with {len(selected)} persistent indexes (Age desc)",
        timed(lambda: model.sort(Column.AGE, desc)),
        "",
    )
    table.print()
    sorts.print()
    return figures


# -- the baseline -------------------------------------------------------------------------------
class PlainTableModel(QAbstractTableModel):
    """The straightforward model: Python ``data()`` per cell, sorting left to the proxy.

    Past ``deadline`` it answers ``None`` for everything, which ends a runaway proxy sort or
    filter quickly (with a meaningless order), so one slow operation cannot stall the script.
    """

    def __init__(self, rows: Sequence[BackupStatusRow]) -> None:
        super().__init__()
        self._rows = rows
        self.deadline = float("inf")
        self.expired = False

    def rowCount(self, parent: Any = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Any = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def data(self, index: Any, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if time.perf_counter() > self.deadline:
            self.expired = True
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return TEXT_FORMATTERS[column](row, NOW)
        if role == Qt.ItemDataRole.UserRole:
            return _raw_value(row, column)
        return None


def _raw_value(row: BackupStatusRow, column: int) -> Any:
    if column == Column.STARTED:
        return row.local_start.timestamp() if row.local_start else None
    if column == Column.ENDED:
        return row.local_end.timestamp() if row.local_end else None
    if column == Column.ERRORS:
        return row.errors
    if column == Column.WARNINGS:
        return row.warnings
    return TEXT_FORMATTERS[column](row, NOW)


def bench_baseline(
    rows: list[BackupStatusRow],
    fast: dict[str, float],
    limit_s: float,
    sort_columns: Sequence[Column],
) -> None:
    n = len(rows)
    table = Table(
        f"Baseline: QSortFilterProxyModel over a Python model, {n:,} rows (ms)",
        ["operation", "baseline", "fast", "ratio"],
    )
    source = PlainTableModel(rows)
    proxy = QSortFilterProxyModel()
    proxy.setSortRole(Qt.ItemDataRole.UserRole)
    proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)

    def run(label: str, action: Callable[[], object], fast_ms: float | None) -> None:
        source.deadline = time.perf_counter() + limit_s
        source.expired = False
        # The proxy maps lazily: ask for the row count so the work happens inside the timing.
        ms = timed(lambda: (action(), proxy.rowCount()))
        source.deadline = float("inf")
        if source.expired:
            table.add(
                label,
                f"> {limit_s * 1000:,.0f} (gave up)",
                "" if fast_ms is None else f"{fast_ms:,.1f}",
                "",
            )
        elif fast_ms is None:
            table.add(label, ms, "", "")
        else:
            table.add(label, ms, fast_ms, f"{ms / max(fast_ms, 0.001):,.0f}x")

    run("load (setSourceModel)", lambda: proxy.setSourceModel(source), fast.get("load"))
    proxy.setFilterKeyColumn(Column.STATUS)
    for status in (ConditionStatus.FAILURE, ConditionStatus.WARNING):
        run(
            f"status filter {status}",
            lambda s=status: proxy.setFilterFixedString(s.value.capitalize()),
            fast.get(f"filter {status}"),
        )
        run("  status filter off", lambda: proxy.setFilterFixedString(""), None)
    proxy.setFilterKeyColumn(-1)  # search all columns: the plain proxy's way to search
    text = search_steps(rows)[0]
    run(
        f"search keystroke {text!r} (all columns)",
        lambda: proxy.setFilterFixedString(text),
        fast.get(f"search {text!r}"),
    )
    run("  search cleared", lambda: proxy.setFilterFixedString(""), None)
    for column in sort_columns:
        for order, word in (
            (Qt.SortOrder.AscendingOrder, "asc"),
            (Qt.SortOrder.DescendingOrder, "desc"),
        ):
            run(
                f"sort {column.title} {word}",
                lambda c=column, o=order: proxy.sort(c, o),
                fast.get(f"sort {column.name} {word}"),
            )
    table.print()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3, help="repetitions at <= 100k (1 above)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--baseline-limit", type=float, default=30.0, help="seconds per operation")
    parser.add_argument("--baseline-columns", choices=["some", "all", "none"], default="some")
    args = parser.parse_args(argv)

    app = QCoreApplication.instance() or QCoreApplication(sys.argv[:1])
    platform = os.environ["QT_QPA_PLATFORM"]
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, Qt platform {platform}")
    for n in args.sizes:
        start = time.perf_counter()
        rows, origin = make_rows(n, args.seed)
        print(f"\n=== {n:,} rows ({origin}, {time.perf_counter() - start:.1f} s to generate) ===")
        fast = bench_fast(rows, args.repeat if n <= TARGET_SIZE else 1)
        if args.baseline_columns == "none":
            continue
        if n > BASELINE_MAX_ROWS:
            print(f"\n(baseline skipped at {n:,} rows: it takes minutes per sort at this size)")
            continue
        columns = list(Column) if args.baseline_columns == "all" else BASELINE_SORT_COLUMNS
        bench_baseline(rows, fast, args.baseline_limit, columns)
    del app
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
