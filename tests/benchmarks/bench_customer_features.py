"""Figures for managing acknowledgements and the customer summary export at report scale.

Run: ``python tests/benchmarks/bench_customer_features.py [--rows 100000] [--days 30]``

Prints, over a history database holding ``--days`` daily refreshes of ``--rows`` demo rows:
listing the acknowledgements with the dialog's standing and computer names (worker), removing
two of them (worker; the database write), re-deriving the states that follow a removal (worker,
what updates the tray and the "Needs attention" count), and the customer summary export
(counts, success rates from history, atomic CSV write), with the longest stall of the main
thread while each runs on a worker (GIL contention: the GUI thread's cost).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from desktop_app.demo.data import DemoData
from desktop_app.report.derived import FAILURE, StaleRule, derive
from desktop_app.storage.acknowledgements import AcknowledgementStore
from desktop_app.storage.history import HistoryStore
from desktop_app.ui.acknowledgements.table import computer_names, describe_standing
from desktop_app.ui.exporting.customer_summary import SummarySource, build_summary

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def on_worker(work: Callable[[], object]) -> tuple[float, float]:
    """(worker seconds, longest main-thread gap in a 1 ms loop meanwhile)."""
    done = threading.Event()
    elapsed = [0.0]

    def run() -> None:
        start = time.perf_counter()
        work()
        elapsed[0] = time.perf_counter() - start
        done.set()

    thread = threading.Thread(target=run)
    thread.start()
    longest, last = 0.0, time.perf_counter()
    while not done.is_set():
        time.sleep(0.001)
        now = time.perf_counter()
        longest = max(longest, now - last - 0.001)
        last = now
    thread.join()
    return elapsed[0], longest


def report(label: str, figures: tuple[float, float]) -> None:
    worker, gui = figures
    print(f"{label:<44} {worker * 1000:8.1f} ms worker, {gui * 1000:6.1f} ms longest GUI stall")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=30)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        start = T0 - timedelta(days=args.days)
        demo = DemoData(args.rows, now=start)
        store = HistoryStore(Path(tmp) / "history.sqlite3", clock=lambda: T0)
        try:
            began = time.perf_counter()
            for day in range(args.days + 1):
                when = start + timedelta(days=day)
                demo.advance(when)
                store.record(demo.rows(), when)
            print(
                f"history: {args.days + 1} refreshes of {args.rows:,} rows "
                f"in {time.perf_counter() - began:.1f} s"
            )
            rows = demo.rows()
            rule = StaleRule()
            missing = [m.key for m in store.missing_sets()]
            derived = derive(rows, T0, rule, missing)
            failing = [k for k, s in derived.problems.items() if s == FAILURE][:2]
            acks = AcknowledgementStore(store.database, clock=lambda: T0, user=lambda: "bench")
            for key in failing:
                acks.acknowledge(key, FAILURE, "bench")
            derived = derive(rows, T0, rule, missing, acks.all())

            def listing() -> None:
                found = acks.all()
                names = computer_names(found.keys(), rows)
                for ack in found.values():
                    describe_standing(ack, derived.problems, T0)
                assert len(names) == len(found) == 2

            report("list acknowledgements (2) with names", on_worker(listing))
            listed = list(acks.all().values())
            report("remove 2 acknowledgements (database)", on_worker(lambda: acks.discard(listed)))

            def rederive() -> None:
                derive(rows, T0, rule, [m.key for m in store.missing_sets()], acks.all())

            report("re-derive after removal (tray, counts)", on_worker(rederive))

            source = SummarySource(rows, derived, store.success_rates, T0)
            target = Path(tmp) / "summary.csv"
            written = [0]

            def export() -> None:
                written[0] = build_summary(source, target, None, ",", True)

            report(f"customer summary export ({args.rows:,} rows)", on_worker(export))
            print(f"  {written[0]:,} customers, {target.stat().st_size / 1024:.0f} KiB")
            began = time.perf_counter()
            store.success_rates(T0)
            spent = (time.perf_counter() - began) * 1000
            print(f"  of which the success-rate query: {spent:.1f} ms")
        finally:
            store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
