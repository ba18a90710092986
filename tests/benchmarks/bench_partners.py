"""Several partners against one big one: 30 partners x 3,000 rows against one 90,000-row partner.

Run: ``python tests/benchmarks/bench_partners.py [--partners 30] [--rows 3000] [--repeat 3]``

Each demo server runs in a process of its own (``python -c``: a real loopback server that does not
share this process's GIL), serving JSON with gzip as a real API would, its data evolving one tick
per report request. Measured in this process, from a warm start (token fetched, one untimed run):

* one partner of ``partners x rows`` rows: ``fetch_report`` (its first rows are all its rows);
* the tree: ``walk_partners`` from the root (the sub-partner list comes in pages of two), then
  ``fetch_partner_reports`` at 1, 4 (the default) and 8 at a time: when the first partner's rows
  are handed over and when all are, then ``merge_reports`` over them.

Printed: the best and worst of ``--repeat`` runs, and ratios against the one big partner. What to
expect: the first partner's rows arrive in a small fraction of the big report's time (the point
of delivering per partner), and the whole tree costs about what one report of the same total
size costs, less when fetches overlap (network latency hides behind the others; on loopback
the parse, on this process's one GIL, is most of it). The GUI-thread stall while rows arrive per
partner is the GUI's benchmark (phase B), not this one.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import requests

from desktop_app.api.client import ReportClient, build_client
from desktop_app.api.partner_reports import PartnerFetch, fetch_partner_reports
from desktop_app.api.partners import walk_partners
from desktop_app.api.regions import custom_endpoint
from desktop_app.report.merge import merge_reports

SERVER = """
import sys, time
from desktop_app.demo.partners import flat_tree
from desktop_app.demo.server import DemoServer
partners, rows = int(sys.argv[1]), int(sys.argv[2])
tree = flat_tree(partners, rows) if partners > 1 else ()
with DemoServer(rows=rows, partners=tree) as server:
    for name in [p.username for p in server.partners] or [server.username]:
        server.report_rows(name)  # generated before the clock starts
    print(server.base_url, flush=True)
    sys.stdin.read()  # until the benchmark closes the pipe
"""


@contextmanager
def demo_process(partners: int, rows: int) -> Iterator[str]:
    """A demo server in a process of its own; yields its base URL."""
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(partners), str(rows)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        yield proc.stdout.readline().strip()
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(timeout=30)


def client_for(base_url: str) -> ReportClient:
    return build_client(
        custom_endpoint(base_url),
        "demo-partner",
        client_id="demo-client",
        client_secret="demo-secret",
    )


@dataclass
class TreeRun:
    walk: float
    first: float
    all: float
    merge: float
    rows: int


def one_big(client: ReportClient) -> tuple[float, int]:
    started = time.perf_counter()
    report = client.fetch_report()
    return time.perf_counter() - started, len(report)


def tree_run(client: ReportClient, concurrency: int) -> TreeRun:
    started = time.perf_counter()
    walk = walk_partners(client, [client.username])
    walked = time.perf_counter()
    first: list[float] = []

    def arrived(result: PartnerFetch) -> None:
        if not first and result.report is not None:
            first.append(time.perf_counter() - walked)

    results = fetch_partner_reports(
        walk.tree.usernames,
        lambda name: client.for_partner(name, session=requests.Session()),
        concurrency=concurrency,
        on_result=arrived,
    )
    fetched = time.perf_counter()
    merged = merge_reports([r.part(walk.tree.get(r.partner).depth) for r in results])  # type: ignore[union-attr]
    done = time.perf_counter()
    return TreeRun(walked - started, first[0], fetched - walked, done - fetched, len(merged.report))


def spread(values: list[float]) -> str:
    return f"{min(values):6.3f}-{max(values):6.3f} s (median {statistics.median(values):.3f})"


def measure(repeat: int, run: Callable[[], object]) -> list[object]:
    run()  # warm: token, connections, the server's first serialisation
    return [run() for _ in range(repeat)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--partners", type=int, default=30)
    parser.add_argument("--rows", type=int, default=3000, help="rows per partner")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    total = args.partners * args.rows
    print(f"Python {sys.version.split()[0]}; {args.partners} partners x {args.rows:,} rows")

    with demo_process(1, total) as url, client_for(url) as client:
        big = [r for r in measure(args.repeat, lambda: one_big(client))]
        one = [float(t) for t, _n in big]  # type: ignore[misc]
    print(f"one partner, {total:,} rows:  first rows = all rows {spread(one)}")
    baseline = statistics.median(one)

    with demo_process(args.partners, args.rows) as url, client_for(url) as client:
        for concurrency in (1, 4, 8):
            runs: list[TreeRun] = measure(args.repeat, lambda c=concurrency: tree_run(client, c))  # type: ignore[assignment]
            first = [r.first for r in runs]
            whole = [r.walk + r.all + r.merge for r in runs]
            print(
                f"{args.partners} partners, {concurrency} at a time ({runs[0].rows:,} rows):\n"
                f"  walk      {spread([r.walk for r in runs])}\n"
                f"  first     {spread(first)}  ratio to one partner "
                f"{statistics.median(first) / baseline:.2f}\n"
                f"  all       {spread([r.all for r in runs])}\n"
                f"  merge     {spread([r.merge for r in runs])}\n"
                f"  in all    {spread(whole)}  ratio to one partner "
                f"{statistics.median(whole) / baseline:.2f}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
