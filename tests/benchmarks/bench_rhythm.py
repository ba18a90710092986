"""Learning every set's rhythm and failure streak from 30 days of history, off the GUI thread.

Builds a history file of N backup sets (default 100,000) with 30 days of runs in a realistic
mix (daily, weekdays only, weekly, hourly in office hours, hourly around the clock), then times,
on a worker thread:

* the refresh: relearning the sets a refresh saw run (``--changed``, default 3,000: a 15-minute
  refresh of 100k sets) and judging all 100k sets overdue or not, which is all a refresh does;
* the one-off: learning every set at once (a history recorded before runs were kept).

Meanwhile the main thread stands in for the GUI thread: it wakes every millisecond and records
the longest time it could not run Python (the worker holding the GIL), which a user would feel
as a stall. Targets: a refresh's learning under 1 s, stall under 50 ms.

    python tests/benchmarks/bench_rhythm.py [--sets N] [--changed N] [--repeat K]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from desktop_app.runtime.gc_policy import building_long_lived
from desktop_app.runtime.pacing import Pacer
from desktop_app.storage.history import HistoryStore
from desktop_app.storage.runs import learn_all, learn_sets, load_learned, save_learned

T = TypeVar("T")

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
DAY = 86400
MIX = (  # share of sets, how their runs are placed
    (0.79, "daily"),
    (0.01, "stopped"),
    (0.08, "weekdays"),
    (0.05, "weekly"),
    (0.05, "office hours"),
    (0.02, "hourly"),
)


def _starts(kind: str, rng: random.Random, days: int) -> list[int]:
    now = int(NOW.timestamp())
    first = now - days * DAY
    hour = rng.randrange(24)
    starts: list[int] = []
    for d in range(days + 1):
        midnight = first - first % DAY + d * DAY
        weekday = (midnight // DAY + 3) % 7
        jitter = rng.randrange(-300, 300)
        if (
            kind == "daily"
            or (kind == "stopped" and d < days - 3)
            or (kind == "weekdays" and weekday < 5)
            or (kind == "weekly" and weekday == 6)
        ):
            starts.append(midnight + hour * 3600 + jitter)
        elif kind == "office hours" and weekday < 5:
            starts.extend(midnight + h * 3600 + jitter for h in range(8, 19))
        elif kind == "hourly":
            starts.extend(midnight + h * 3600 + jitter for h in range(24))
    return [s for s in starts if first <= s <= now]


def build(path: Path, sets: int, days: int = 30) -> int:
    """A history file with ``sets`` sets and their runs; returns the number of runs."""
    store = HistoryStore(path, clock=lambda: NOW)  # creates the schema
    store.close()
    rng = random.Random(7)
    kinds = [kind for share, kind in MIX for _ in range(round(share * sets))][:sets]
    db = sqlite3.connect(path)
    db.executemany(
        "INSERT INTO backup_set (id, username, computer_id, backupset_name, first_seen)"
        " VALUES (?, ?, ?, ?, ?)",
        [(i, f"cust{i // 40}", f"{i:07d}", "Files", 0) for i in range(1, len(kinds) + 1)],
    )
    total = 0
    batch: list[tuple[int, int, str]] = []
    for set_id, kind in enumerate(kinds, start=1):
        failing = rng.random() < 0.03
        for start in _starts(kind, rng, days):
            status = "FAILURE" if failing or rng.random() < 0.02 else "COMPLETED"
            batch.append((set_id, start, status))
        if len(batch) > 200_000:
            db.executemany("INSERT INTO run VALUES (?, ?, ?)", batch)
            total += len(batch)
            batch.clear()
    db.executemany("INSERT INTO run VALUES (?, ?, ?)", batch)
    total += len(batch)
    db.commit()
    db.close()
    return total


def refresh_work(store: HistoryStore, changed: list[int]) -> tuple[int, int]:
    """What a refresh does: relearn ``changed`` sets, judge every set (overdue, repeated)."""
    now = NOW.timestamp()
    pause = Pacer().pause
    with building_long_lived(), store.database.write() as db:
        save_learned(db, learn_sets(db, changed, now, pause))
        learned = load_learned(db) if not store.learned() else None
    every = store.learned() if learned is None else learned
    overdue = repeated = 0
    for i, item in enumerate(every.values()):
        if item.rhythm is not None and item.rhythm.is_overdue(now):
            overdue += 1
        if item.streak.runs >= 3:
            repeated += 1
        if not i % 256:
            pause()
    return overdue, repeated


def one_off(store: HistoryStore) -> tuple[int, int]:
    with building_long_lived(), store.database.write() as db:
        learned = learn_all(db, NOW.timestamp(), Pacer().pause)
    rhythms = sum(1 for item in learned.values() if item.rhythm is not None)
    return len(learned), rhythms


def measure(work: Callable[[], T]) -> tuple[float, float, T]:
    """(seconds, longest main-thread stall in seconds, what ``work`` returned)."""
    result: list[T] = []
    worker = threading.Thread(target=lambda: result.append(work()))
    began = time.perf_counter()
    worker.start()
    longest = 0.0
    while worker.is_alive():
        tick = time.perf_counter()
        time.sleep(0.001)
        longest = max(longest, time.perf_counter() - tick - 0.001)
    worker.join()
    return time.perf_counter() - began, longest, result[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sets", type=int, default=100_000)
    parser.add_argument("--changed", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "history.sqlite3"
        began = time.perf_counter()
        runs = build(path, args.sets)
        print(
            f"history: {args.sets:,} sets, {runs:,} runs in 30 days "
            f"(built in {time.perf_counter() - began:.1f} s)"
        )
        store = HistoryStore(path, clock=lambda: NOW)
        try:
            seconds, stall, _ = measure(store.warm_up)
            print(f"open and load what was learned: {seconds:.2f} s, stall {stall * 1000:.0f} ms")
            rng = random.Random(3)
            for _ in range(args.repeat):
                changed = rng.sample(range(1, args.sets + 1), args.changed)
                seconds, stall, (overdue, repeated) = measure(
                    lambda changed=changed: refresh_work(store, changed)
                )
                print(
                    f"refresh: relearn {args.changed:,} sets and judge {args.sets:,}: "
                    f"{seconds:.2f} s, longest stall {stall * 1000:.0f} ms "
                    f"({overdue:,} overdue, {repeated:,} failing 3+ runs in a row)"
                )
            for _ in range(args.repeat):
                seconds, stall, (sets, rhythms) = measure(lambda: one_off(store))
                print(
                    f"one-off, learn every set: {seconds:.2f} s, longest stall "
                    f"{stall * 1000:.0f} ms ({rhythms:,} of {sets:,} sets have a rhythm)"
                )
        finally:
            store.close()


if __name__ == "__main__":
    main()
