"""The GUI thread while many partners arrive: 30 partners x 3,000 rows against one 90,000-row
partner, in the real app.

Run: ``QT_QPA_PLATFORM=offscreen python tests/benchmarks/bench_gui_partners.py
[--partners 30] [--rows 3000] [--repeat 2]``

Each case builds the real app (``app.build``, demo mode, its in-process demo server as
``backup-status --demo`` runs it, tray off, settings and history in a temporary folder):

* ``one partner``: the plain demo with ``partners x rows`` rows;
* ``partners``: ``--demo --partners`` with a flat tree (``demo.partners.flat_tree``: a parent and
  ``partners - 1`` resellers of ``rows`` sets each), walked, fetched 4 at a time, shown as
  partial views while partners arrive (``api.partner_view``), merged at the end.

A 10 ms ``QTimer`` probe on the GUI thread (``bench_gui_fetch.GapProbe``) records its stalls,
from the end of ``build()`` (which runs on the GUI thread itself). Printed per case and run:
the time from ``build()`` to the first rows on screen and to the whole report on screen, the
longest GUI-thread stall and the p99 gap until the follow-up work (history write, states,
sidebar) settled; then the same for a refresh (F5, the whole report staying on screen until the
next whole one). Ratios against the one-partner case. Target: longest stall < 100 ms.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from bench_gui_fetch import SETTLE_S, GapProbe, wait_until
from PySide6.QtCore import QCoreApplication
from stall_watch import StallWatch

TARGET_MAX_GAP_MS = 100.0


@dataclass
class Figures:
    rows: int
    first_rows_s: float  # build() to the first rows on screen
    all_s: float  # build() to the whole report on screen
    first_max_ms: float
    first_p50_ms: float
    first_p99_ms: float
    refresh_s: float
    refresh_max_ms: float
    refresh_p50_ms: float
    refresh_p99_ms: float
    why: list[str]


def settle(workers: object, timeout: float) -> None:
    """Run the event loop (the probe ticking) until the follow-up jobs (history write, states,
    sidebar) are done, then ``SETTLE_S`` more."""
    busy = workers.is_busy
    wait_until(lambda: not busy(), timeout)
    wait_until(lambda: False, SETTLE_S)


_marks: list[Callable[[str], None]] = []  # where the timed slots note their time


def _time_slots(mark: Callable[[str], None]) -> None:
    """With ``--why``: note how long the GUI thread spends showing each partial view and the
    whole report (every slot connected to the refresh's signals), as app events."""
    from desktop_app.ui.refresh.controller import RefreshController

    if not _marks:
        for name in ("_on_progressed", "_on_succeeded"):
            slot = getattr(RefreshController, name)

            def timed(self: object, value: object, slot: Callable[..., None] = slot) -> None:
                began = time.perf_counter()
                slot(self, value)
                took = (time.perf_counter() - began) * 1000
                _marks[-1](f"{slot.__name__} {took:.0f} ms")

            setattr(RefreshController, name, timed)
    _marks.append(mark)


def long_gap_causes(why: list[str], at_least_ms: float = TARGET_MAX_GAP_MS) -> list[str]:
    """The causes ``StallWatch.report`` gave the gaps of ``at_least_ms`` or more."""
    causes, took = [], 0.0
    for line in why:
        if line.startswith("  gap "):
            took = float(line.split()[1])
        elif "cause: " in line and took >= at_least_ms:
            causes.append(line.split("cause: ", 1)[1])
    return causes


def stall_stats(probe: GapProbe) -> tuple[float, float, float]:
    """The longest gap, the median and the p99 of the probe's gaps (ms)."""
    gaps = sorted(probe.gaps_ms())
    p50 = gaps[len(gaps) // 2] if gaps else 0.0
    return probe.max_gap_ms(), p50, probe.p99_gap_ms()


class _NoRegion:
    """``--demo --partners`` adds an EMEA sign-in; the benchmark's case is one tree only."""

    def scopes(self, _settings: object = None) -> list[object]:
        return []

    def close(self) -> None:
        return None


def _no_second_region(rows: int, *, pause: object = None) -> _NoRegion:
    return _NoRegion()


def measure(
    partners: int, rows: int, folder: Path, timeout: float = 180.0, why: bool = False
) -> Figures:
    import desktop_app.app as app_module
    from desktop_app.app import AppOptions, build
    from desktop_app.demo.partners import flat_tree

    several = partners > 1
    fresh = folder / f"run-{time.monotonic_ns()}"  # its own history: nothing restored at start
    fresh.mkdir()
    if several:  # --partners serves this tree instead of the standard one, in one region
        app_module.standard_tree = lambda _rows: flat_tree(partners, rows)  # type: ignore[assignment]
        app_module.start_region = _no_second_region  # type: ignore[assignment]
    options = AppOptions(
        demo=True,
        demo_rows=rows if several else rows * abs(partners),
        demo_partners=several,
        settings_path=fresh / "settings.ini",
        tray=False,
    )
    probe = GapProbe()
    probing = False
    watch = StallWatch(lambda: probe.ticks[-1] if probing and probe.ticks else 0.0)
    if why:
        _time_slots(watch.mark)
        watch.start()
    began = time.perf_counter()
    parts = build(options)  # on the GUI thread: the probe could not tick (bench_gui_fetch)
    if why:
        parts.refresh.display_ready.connect(lambda p: watch.mark(f"view of {p.view.report_size:,}"))
        parts.refresh.progress_changed.connect(watch.mark)
        parts.history.states_changed.connect(lambda _s: watch.mark("states"))
    probe.start()
    probing = True
    explained: list[str] = []
    try:
        model, refresh = parts.model, parts.refresh
        if not wait_until(lambda: model.total_rows() > 0, timeout):
            raise RuntimeError("no rows on screen")
        first_rows = time.perf_counter() - began
        if not wait_until(lambda: refresh.last_report is not None, timeout):
            raise RuntimeError("the whole report never came")
        whole = time.perf_counter() - began
        settle(parts.workers, timeout)
        probing = False
        probe.stop()
        first = stall_stats(probe)
        if why:
            explained += ["  first fetch:", *watch.report(probe.ticks[0])]
        total = model.total_rows()

        ready: list[object] = []
        refresh.report_ready.connect(ready.append)
        probe.start()
        probing = True
        began = time.perf_counter()
        parts.window.refresh_action.trigger()
        if not wait_until(lambda: bool(ready), timeout):
            raise RuntimeError("the refresh did not finish")
        refreshed = time.perf_counter() - began
        settle(parts.workers, timeout)
        probing = False
        probe.stop()
        if why:
            explained += ["  F5:", *watch.report(probe.ticks[0])]
        return Figures(total, first_rows, whole, *first, refreshed, *stall_stats(probe), explained)
    finally:
        if why:
            watch.stop()
        parts.close()
        parts.window.deleteLater()
        QCoreApplication.processEvents()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--partners", type=int, default=30)
    parser.add_argument("--rows", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument(
        "--why", action="store_true", help="explain the longest gaps (stall_watch.StallWatch)"
    )
    args = parser.parse_args(argv)
    from desktop_app.app import application

    app = application([])  # the application class users get (its quit path: no event filter)
    n, rows = args.partners, args.rows
    print(f"{n} partners x {rows:,} rows against one partner of {n * rows:,}; probe every 10 ms")
    print(
        f"{'case':>12} {'rows':>7} {'1st rows':>9} {'all':>7} {'1st max':>8} {'p50':>5}"
        f" {'p99':>5} {'F5':>7} {'F5 max':>7} {'p50':>5} {'p99':>5}"
    )
    baseline: Figures | None = None
    causes: Counter[str] = Counter()
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.repeat):
            for case, partners in (("one partner", -n), ("partners", n)):
                gc.collect()
                f = measure(partners, rows, Path(tmp), why=args.why)
                if partners < 0:
                    baseline = f
                ratio = (
                    f"  (1st rows x{f.first_rows_s / baseline.first_rows_s:.2f},"
                    f" all x{f.all_s / baseline.all_s:.2f})"
                    if baseline is not None and partners > 0
                    else ""
                )
                print(
                    f"{case:>12} {f.rows:>7,} {f.first_rows_s:>8.2f}s {f.all_s:>6.2f}s"
                    f" {f.first_max_ms:>6.0f}ms {f.first_p50_ms:>3.0f}ms {f.first_p99_ms:>3.0f}ms"
                    f" {f.refresh_s:>6.2f}s {f.refresh_max_ms:>5.0f}ms {f.refresh_p50_ms:>3.0f}ms"
                    f" {f.refresh_p99_ms:>3.0f}ms{ratio}  run {run + 1}",
                    flush=True,
                )
                if f.why:
                    print(*f.why, sep="\n", flush=True)
                    causes.update(long_gap_causes(f.why))
    if causes:
        print(
            f"Causes of the gaps of {TARGET_MAX_GAP_MS:.0f} ms or more:",
            ", ".join(f"{c}: {n}" for c, n in causes.items()),
        )
    print(f"Target: longest GUI-thread stall < {TARGET_MAX_GAP_MS:.0f} ms")
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
