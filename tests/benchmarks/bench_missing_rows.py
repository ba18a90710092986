"""Figures for missing sets shown as extra rows of the report table.

Run: ``QT_QPA_PLATFORM=offscreen python tests/benchmarks/bench_missing_rows.py [--rows 100000]``

Prints, for a report of ``--rows`` rows and ``--missing`` missing sets: preparing the view on the
worker with and without the missing rows (what each refresh costs off the GUI thread), the GUI
thread's ``set_missing`` when sets go missing or come back (a layout change with the table sorted
by status and a selection), the Missing toggle (a key filter of the missing keys) on and off,
sorting with the missing rows included, and the no-op ``set_missing`` of an unchanged refresh.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QCoreApplication, QPersistentModelIndex, Qt

from desktop_app.demo.data import generate_rows
from desktop_app.report.prepared import prepare_view
from desktop_app.report.sort_keys import SortField, ViewSpec
from desktop_app.storage.history import MissingSet
from desktop_app.ui.table.columns import Column
from desktop_app.ui.table.model import ReportTableModel

NOW = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)


def ms(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--missing", type=int, default=1_000)
    args = parser.parse_args(argv)
    app = QCoreApplication.instance() or QCoreApplication(sys.argv[:1])
    everything = generate_rows(args.rows + args.missing, seed=7, now=NOW)
    report, gone = everything[args.missing :], everything[: args.missing]
    sets = [MissingSet(r.key, r, None, NOW) for r in gone]
    spec = ViewSpec(SortField.STATUS)
    figures: list[tuple[str, float]] = []

    figures.append(
        ("prepare_view, no missing rows (worker)", ms(lambda: prepare_view(report, NOW, spec)))
    )
    figures.append(
        (
            f"prepare_view, {len(gone):,} missing rows (worker)",
            ms(lambda: prepare_view(report, NOW, spec, gone)),
        )
    )
    model = ReportTableModel(now=lambda: NOW)
    model.sort(Column.STATUS, Qt.SortOrder.AscendingOrder)
    model.set_rows(report)
    model.view_row_of_key(report[0].key)  # the key lookup is warm in the app (prepared view)
    selected = [QPersistentModelIndex(model.index(r, 0)) for r in range(0, 5000, 50)]
    figures.append(
        (f"set_missing: {len(gone):,} sets go missing (GUI)", ms(lambda: model.set_missing(sets)))
    )
    figures.append(
        ("set_missing: unchanged (GUI, every refresh)", ms(lambda: model.set_missing(sets)))
    )
    figures.append(("set_missing: half come back (GUI)", ms(lambda: model.set_missing(sets[::2]))))
    model.set_missing(sets)
    keys = model.missing_keys()
    figures.append(("Missing toggle on (key filter)", ms(lambda: model.filter_by_keys(keys))))
    figures.append(("Missing toggle off", ms(lambda: model.filter_by_keys(None))))
    for column in (Column.CUSTOMER, Column.ENDED, Column.AGE):
        figures.append(
            (f"sort {column.title} with missing rows", ms(lambda c=column: model.sort(c)))
        )
    figures.append(("status counts (missing excluded)", ms(model.status_counts)))
    width = max(len(name) for name, _ in figures)
    print(f"{args.rows:,} report rows, {len(gone):,} missing sets, {len(selected)} selected")
    for name, value in figures:
        print(f"{name.ljust(width)}  {value:8.1f} ms")
    del app
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
