"""Figures for the history database at report scale.

Run: ``python tests/benchmarks/bench_history.py [--rows 100000] [--ticks 60]``

Prints: recording a report the first time; reopening (the cache warm-up the app does while the
first fetch runs); recording with nothing changed, with 1% changed, and a realistic demo tick;
how long the GUI thread is held while the worker records (the longest gap in a 1 ms loop on the
main thread, i.e. GIL contention: the write itself is off the GUI thread); the same paced as the
app paces it (``runtime.pacing.Pacer``: slower on the worker, shorter stalls); database
growth per refresh; and, after ``--ticks`` demo refreshes spread over 30 days, the detail-pane
query (``set_history``) and the customer success-rate query.

Targets at 100k rows: unchanged and 1%-changed refresh <= 1 s on the worker and <= 300 ms of
GUI-thread time; detail-pane query <= 20 ms.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from desktop_app.demo.data import DemoData
from desktop_app.report.rows import BackupStatusRow
from desktop_app.runtime.gc_policy import building_long_lived
from desktop_app.runtime.pacing import Pacer
from desktop_app.storage.history import HistoryStore

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def mib(size: int) -> str:
    return f"{size / 1024 / 1024:8.2f} MiB"


def on_worker(work: Callable[[], object]) -> tuple[float, float, float]:
    """Run ``work`` on a thread; return (worker seconds, main-thread seconds spent starting
    and joining it, longest main-thread gap in a 1 ms loop meanwhile)."""
    done = threading.Event()
    elapsed = [0.0]

    def run() -> None:
        start = time.perf_counter()
        work()
        elapsed[0] = time.perf_counter() - start
        done.set()

    t0 = time.perf_counter()
    thread = threading.Thread(target=run)
    thread.start()
    gui_call = time.perf_counter() - t0
    longest, last = 0.0, time.perf_counter()
    while not done.is_set():
        time.sleep(0.001)
        now = time.perf_counter()
        longest = max(longest, now - last - 0.001)
        last = now
    t1 = time.perf_counter()
    thread.join()
    gui_call += time.perf_counter() - t1
    return elapsed[0], gui_call, longest


def as_the_app_does(work: Callable[[], object], rows: int) -> Callable[[], object]:
    """``work`` inside ``building_long_lived``, as the app's history recorder runs it."""

    def run() -> object:
        with building_long_lived() as built:
            built.rows = rows
            return work()

    return run


def settled_size(path: Path) -> int:
    """The database size with the WAL checkpointed into it (what stays on disk)."""
    db = sqlite3.connect(path)
    try:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()
    return path.stat().st_size


def busy_row(row: BackupStatusRow, tick: int, at: datetime) -> BackupStatusRow:
    """A set that runs every tick: alternately running, then finished (a failure now and then)."""
    if tick % 2 == 0:
        return row._replace(
            local_start=at, local_end=None, condition_status="RUNNING", condition_types=()
        )
    status = "FAILURE" if tick % 7 == 1 else "COMPLETED"
    start = at - timedelta(hours=1)
    return row._replace(local_start=start, local_end=at, condition_status=status, errors=tick)


def changed_copy(rows: Sequence[BackupStatusRow], share: float, seed: int) -> list[BackupStatusRow]:
    """``rows`` with ``share`` of them given one more error (a content change)."""
    rng = random.Random(seed)
    out = list(rows)
    for i in rng.sample(range(len(out)), int(len(out) * share)):
        out[i] = out[i]._replace(errors=out[i].errors + 1)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--ticks", type=int, default=60)
    args = parser.parse_args(argv)
    n = args.rows
    demo = DemoData(n, now=T0)
    rows = demo.rows()
    print(f"History benchmark: {n:,} rows, Python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "history.sqlite3"
        clock_now = [T0]
        store = HistoryStore(path, clock=lambda: clock_now[0])
        start = time.perf_counter()
        store.record(rows, T0)
        print(f"record, first time          {ms(time.perf_counter() - start)}")
        print(f"database after first record {mib(settled_size(path))}")
        store.close()

        start = time.perf_counter()
        store = HistoryStore(path, clock=lambda: clock_now[0])
        opened = time.perf_counter() - start
        start = time.perf_counter()
        store.warm_up()
        print(f"reopen (quick_check)        {ms(opened)}")
        print(f"warm-up (load last states)  {ms(time.perf_counter() - start)}")

        when = [T0]

        def record(batch: Sequence[BackupStatusRow]) -> Callable[[], object]:
            when[0] += timedelta(minutes=15)
            at = when[0]
            return lambda: store.record(batch, at)

        print("                              worker     GUI call   GUI stall    growth")
        for label, batch in (
            ("unchanged", rows),
            ("1% changed", changed_copy(rows, 0.01, 1)),
            ("unchanged again", rows),
        ):
            size = settled_size(path)
            worker, gui, stall = on_worker(record(batch))
            grown = settled_size(path) - size
            print(f"{label:<22}{ms(worker)}  {ms(gui)}  {ms(stall)}  {grown / 1024:8.1f} KiB")
        demo_changes = []
        for _ in range(3):
            clock_now[0] = when[0] + timedelta(minutes=15)
            summary = demo.advance(clock_now[0])
            demo_changes.append(summary.changed + summary.stopped)
            size = settled_size(path)
            worker, gui, stall = on_worker(record(demo.rows()))
            grown = settled_size(path) - size
            label = f"demo tick ({summary.changed + summary.stopped} chg)"
            print(f"{label:<22}{ms(worker)}  {ms(gui)}  {ms(stall)}  {grown / 1024:8.1f} KiB")

        # As the app records (ui.history): paced by one shared Pacer, and with the
        # cyclic GC paused, then frozen (runtime.gc_policy): the GUI thread keeps the GIL.
        store.close()
        pacer = Pacer()
        store = HistoryStore(path, clock=lambda: clock_now[0], pause=pacer.pause)
        worker, gui, stall = on_worker(as_the_app_does(store.warm_up, n))
        print(f"{'paced: warm-up':<22}{ms(worker)}  {ms(gui)}  {ms(stall)}")
        clock_now[0] = when[0] + timedelta(minutes=15)
        summary = demo.advance(clock_now[0])
        worker, gui, stall = on_worker(as_the_app_does(record(demo.rows()), n))
        label = f"paced: tick ({summary.changed + summary.stopped} chg)"
        print(f"{label:<22}{ms(worker)}  {ms(gui)}  {ms(stall)}")
        fresh = HistoryStore(Path(folder) / "paced.sqlite3", clock=lambda: T0, pause=pacer.pause)
        worker, gui, stall = on_worker(as_the_app_does(lambda: fresh.record(rows, T0), n))
        print(f"{'paced: first record':<22}{ms(worker)}  {ms(gui)}  {ms(stall)}")
        fresh.close()
        store.close()
        store = HistoryStore(path, clock=lambda: clock_now[0])
        store.warm_up()

        # A month of history: ticks spread over 30 days.
        step = timedelta(days=30) / max(args.ticks, 1)
        start = time.perf_counter()
        size = settled_size(path)
        busy_key = demo.rows()[len(demo.rows()) // 2].key
        for tick in range(args.ticks):
            when[0] += step
            clock_now[0] = when[0]
            demo.advance(when[0])
            batch = list(demo.rows())
            at = next(i for i, r in enumerate(batch) if r.key == busy_key)
            batch[at] = busy_row(batch[at], tick, when[0])
            store.record(batch, when[0])
        spent = time.perf_counter() - start
        grown = settled_size(path) - size
        states = sqlite3.connect(path)
        try:
            state_rows = states.execute("SELECT COUNT(*) FROM state").fetchone()[0]
        finally:
            states.close()
        print(
            f"{args.ticks} demo refreshes over 30 days: {spent:.1f} s, database "
            f"{mib(settled_size(path)).strip()} (+{grown / max(args.ticks, 1) / 1024:.0f} KiB"
            f" per refresh, {state_rows:,} state rows in all)"
        )
        rng = random.Random(3)
        keys = [r.key for r in rng.sample(list(demo.rows()), 200)]
        times, sizes = [], []
        for key in keys:
            start = time.perf_counter()
            history = store.set_history(key, days=30, tz=UTC, today=when[0].date())
            times.append(time.perf_counter() - start)
            sizes.append(len(history.runs))
        print(
            f"detail-pane query (set_history, 200 sets): median {ms(statistics.median(times))},"
            f" max {ms(max(times))}, runs per set up to {max(sizes)}"
        )
        start = time.perf_counter()
        busy = store.set_history(busy_key, days=30, tz=UTC, today=when[0].date())
        print(
            f"detail-pane query, set that ran every refresh ({len(store.states(busy_key))}"
            f" states, {len(busy.runs)} runs): {ms(time.perf_counter() - start)}"
        )
        start = time.perf_counter()
        rates = store.success_rates(when[0])
        print(f"success rates, {len(rates):,} customers:  {ms(time.perf_counter() - start)}")
        store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
