"""How responsive the GUI thread stays while the app fetches a report from the demo server.

Run: ``QT_QPA_PLATFORM=offscreen python tests/benchmarks/bench_gui_fetch.py [--sizes 2000 100000]``

For each size the real app is built (``app.build`` against the in-process demo server, with its
tray unless ``--no-tray``, its own settings and history files in a temporary folder). A 10 ms
``QTimer`` probe on the GUI thread records when it actually ran; the largest gap between ticks
is the longest the window could not react to input. Each phase runs until the report's
follow-up work is done too (history write, derived states, sidebar, tray), not just until the
table shows it. Printed per size: ``build()`` time, time from ``build()`` to a populated table,
then for the first fetch and for a refresh (F5) with a row selected: the max gap (and when it
began, seconds into the phase) and p99 gap; and how long the refresh took to show.

Targets: max gap < 100 ms at 100k rows; the default demo (2,000 rows) populated within 2 s.

Where the time went, and what keeps it short (measured on 2 cores; see ``runtime.pacing`` and
``runtime.gc_policy``): a worker thread busy in Python makes every call from Qt into Python on
the GUI thread wait for the GIL, up to the 5 ms switch interval each, and a repaint makes about
1,300 such calls; a C call that holds the GIL stalls the GUI outright: ``json.loads`` without a
hook (~0.5 s), a full garbage collection over 100k-row reports (0.1-0.25 s), ``set`` operations
and bulk ``executemany`` in the history write (tens of ms). So ``json.loads`` builds rows in its
``object_hook`` (the GIL can switch); fetch, prepare and history writes run with the cyclic GC
paused and freeze what they built when large; the demo server generates its data on its own
thread, keeps each row's serialized text between ticks and sends no gzip in-process; history
writes, the demo server and the tray's report comparison are paced by one shared ``Pacer`` (they
rest together, 1 ms in every 3), and the history write and tray comparison start 0.2 s after a
report arrives, when the GUI has drawn it.

Last measured (3 runs, 2 cores, offscreen): 100k rows: refresh max gap 54-81 ms (p99 ~40 ms,
shown after ~1.3 s; before this work: 0.7-2.1 s and 5.5 s); first fetch max gap 120-140 ms,
right after ``build()`` while the window first shows and the demo server generates 100k rows
on its thread (CPU contention on 2 cores more than the GIL); the rest of the first fetch stays
under ~60 ms. 2,000 rows: populated in ~0.17 s, max gaps 45-85 ms (the GUI thread's own
window set-up and repaint). The view's key index (``report.sort_keys``) is built 8,192 rows per
step and the XML form is parsed in ~1 MB slices (``report.parse_xml``), so neither holds the GIL
for more than ~10-15 ms at 100k rows any more (they were ~65 ms and ~0.3 s).
When sets go missing or come back (the demo drops 0.2% of its sets on its second refresh, which
is this benchmark's F5), a report of 20k rows or more is re-sorted with its missing rows on a
worker thread with the GC paused, and the GUI thread only swaps the result in (it was a 60-130 ms
re-sort on the GUI thread). Six runs after that change: F5 max gap 62-73 ms in four, 101 and
166 ms in two (one during the fetch itself, ~0.5 s in; one ~3.6 s in), p99 25-48 ms; first fetch
105-168 ms once, while the window first shows.

Since issue 14 the first load is probed from the window showing (the end of ``build()``, which is
printed apart), each size has its own folder, and a second start over the recorded history
(``restart``: the last report restored, then the fetched one) is measured too. On the shared
2 cores, 100k rows, before -> after issue 14's performance work (1 ms GIL switch interval,
``runtime.pacing.favour_gui_thread``): first load 60-111 -> 41-77 ms (one run of nine: 305 ms,
~3.5 s in), p99 32-37 -> 17-23 ms; F5 57-61 -> 34-69 ms; restart 197-953 -> 85-713 ms: still
over target. ``--why`` shows the restart's long gaps as the GUI thread waiting for the GIL (or
in Qt's own code) right when the fetched report replaces the restored one, while the history's
read-back, its write and the problem states run on workers, with no garbage collection in them.

The restart stall (branch restart-stall): ``--watchdog`` notes the GUI thread's stack and every
worker's whenever the heartbeat is 50 ms late, times each job's answer on the GUI thread
(``--profile``: their slowest calls) and shows which jobs ran and which collections happened in
each gap; the restart line prints when the restored rows, the fetched report and the settled
state came, and the p50/p99 gaps. It named: the view rebuild with missing rows (unpaced, 257 ms),
the tray's pass over 100k rows on the GUI thread (30-196 ms), the unpaced judging of problem
states and the warm-up's read of what was learned beside the fetch (80-140 ms), and the GUI's
first paint of the restored report while all of them ran (212-234 ms); no collection over 5 ms.
At low load the fetch ended right after the restored report arrived and its unpaced view
building stalled that first paint (276 ms). Those are paced or held back now
(``runtime.pacing.paced``, ``ViewPreparer.pause`` while a report is on screen,
``BACKGROUND_DELAY``). Interleaved with the base, 100k rows, final code, load 0.5-1.1: restart
max 113-410 ms (113, 172, 410; base 417-1248: 417, 861, 1248), p99 26-31 ms (base 24-29);
before the last change, at load 1-4.2, 11 runs: 101-480 ms (base 111-984). Restored rows,
fetched report and settled times within the base's spread. Not yet < 100 ms reliably; left: the
window's first paint at start (95-135 ms), the restored/fetched swaps colliding, CPU contention.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import os
import pstats
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer

if TYPE_CHECKING:
    from desktop_app.app import AppParts

PROBE_INTERVAL_MS = 10
TARGET_MAX_GAP_MS = 100.0
TARGET_POPULATED_S = 2.0
SETTLE_S = 0.5


class GapProbe:
    """Ticks every 10 ms on the GUI thread and remembers when; gaps show GUI-thread stalls."""

    def __init__(self, interval_ms: int = PROBE_INTERVAL_MS) -> None:
        self.ticks: list[float] = []
        self._timer = QTimer()
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(lambda: self.ticks.append(time.perf_counter()))

    def start(self) -> None:
        self.ticks = [time.perf_counter()]
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        self.ticks.append(time.perf_counter())

    def gaps_ms(self) -> list[float]:
        return [(b - a) * 1000 for a, b in zip(self.ticks, self.ticks[1:], strict=False)]

    def max_gap_ms(self) -> float:
        return max(self.gaps_ms(), default=0.0)

    def max_gap_at_s(self) -> float:
        """When the longest gap began, in seconds after ``start``."""
        gaps = self.gaps_ms()
        if not gaps:
            return 0.0
        return self.ticks[gaps.index(max(gaps))] - self.ticks[0]

    def p99_gap_ms(self) -> float:
        return self.quantile_ms(0.99)

    def quantile_ms(self, q: float) -> float:
        gaps = sorted(self.gaps_ms())
        return gaps[min(len(gaps) - 1, int(len(gaps) * q))] if gaps else 0.0


def wait_until(condition: object, timeout: float) -> bool:
    """Run the event loop until ``condition()`` holds (checked every few ms) or time runs out."""
    assert callable(condition)
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            return False
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)
    return True


class Sampler:
    """A daemon thread running ``_run`` (every ``interval_s``, until ``stop``) while garbage
    collections, which hold the GIL throughout, are noted in ``collections``. The base of
    ``StallSampler`` here and of ``stall_watch.StallWatch``."""

    def __init__(self, interval_s: float, name: str) -> None:
        self.collections = Collections()
        self._interval = interval_s
        self._main = threading.main_thread().ident
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self.collections.start()
        self._thread.start()

    def stop(self) -> None:
        self.collections.stop()
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        raise NotImplementedError


class StallSampler(Sampler):
    """With ``--why``: a thread that notes the GUI thread's Python stack every 2 ms, so the
    longest gaps can be told apart (which call of ours was running, or none: Qt's own C++ or a
    C call holding the GIL). It competes for the GIL itself, so figures taken with it run a
    little higher; it is off by default."""

    def __init__(self, interval_s: float = 0.002) -> None:
        super().__init__(interval_s, "stall-sampler")
        self.samples: list[tuple[float, str]] = []

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            frame = sys._current_frames().get(self._main or 0)
            self.samples.append((time.perf_counter(), _where(frame)))

    def explain(self, probe: GapProbe, count: int = 3, at_least_ms: float = 40.0) -> list[str]:
        """The ``count`` longest gaps of ``probe`` over ``at_least_ms``, each with the stacks
        the GUI thread was seen in meanwhile (most seen first)."""
        gaps = probe.gaps_ms()
        order = sorted(range(len(gaps)), key=gaps.__getitem__, reverse=True)[:count]
        lines: list[str] = []
        for i in (i for i in order if gaps[i] >= at_least_ms):
            began, ended = probe.ticks[i], probe.ticks[i + 1]
            seen = Counter(w for t, w in self.samples if began <= t <= ended)
            lines.append(f"  gap {gaps[i]:.0f} ms at {began - probe.ticks[0]:.2f} s:")
            for where, n in seen.most_common(4):
                lines.append(f"    {n:>3} x {where}")
            lines += self.collections.during(began, ended)
        return lines


class Collections:
    """Garbage collections hold the GIL throughout: each one, and on which thread
    (``gc.callbacks``), for ``--why`` and ``--watchdog``."""

    def __init__(self) -> None:
        self.seen: list[tuple[float, float, int, str]] = []  # began, ended, generation, thread
        self._collecting: dict[int, float] = {}

    def start(self) -> None:
        gc.callbacks.append(self._on_gc)

    def stop(self) -> None:
        gc.callbacks.remove(self._on_gc)

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        now, ident = time.perf_counter(), threading.get_ident()
        if phase == "start":
            self._collecting[ident] = now
        elif (began := self._collecting.pop(ident, None)) is not None:
            name = threading.current_thread().name
            self.seen.append((began, now, info["generation"], name))

    def during(self, began: float, ended: float, over_s: float = 0.005) -> list[str]:
        """A line for each collection over ``over_s`` seconds that overlapped the span."""
        return [
            f"    garbage collection, generation {generation}: {(b - a) * 1000:.0f} ms on {thread}"
            for a, b, generation, thread in self.seen
            if a <= ended and b >= began and b - a > over_s
        ]


class Watchdog:
    """With ``--watchdog``: a thread that notices the probe's heartbeat is late by more than
    ``late_ms`` and then notes the GUI thread's whole Python stack and what every other thread
    is doing (``sys._current_frames()``), every ``every_ms`` while it stays late (each note
    says how late it was taken: a note taken much later than asked means something held the
    GIL meanwhile); the time each answer of a background job took on the GUI thread
    (``Workers._deliver``, the slots it ran; ``progress`` for a job's progress), when each job
    ran on its worker, and every garbage collection over 5 ms. Printed per phase: the stalls
    with what was seen, the answers, jobs and collections during each, the longest answers."""

    def __init__(
        self, probe: GapProbe, late_ms: float = 50.0, every_ms: float = 25.0, profile: bool = False
    ) -> None:
        self.stalls: list[tuple[float, list[str]]] = []
        self.profiles: list[tuple[float, str]] = []  # answers over 20 ms: their slowest calls
        self._profile = profile
        self.answers: list[tuple[float, float, str]] = []  # began, ended, job name
        self.jobs: list[tuple[float, float, str]] = []
        self.collections = Collections()
        self._every = every_ms / 1000
        self._probe = probe
        self._late = (late_ms + PROBE_INTERVAL_MS) / 1000
        self._main = threading.main_thread().ident
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="watchdog", daemon=True)
        self._undo: list[tuple[type, str, object]] = []

    def start(self) -> None:
        from desktop_app.ui.workers import Job, Workers

        deliver, run, progress = Workers._deliver, Workers._run, Workers._on_progress
        answers, jobs = self.answers, self.jobs

        def timed_progress(workers: Workers, job: Job[Any], value: object) -> None:
            began = time.perf_counter()
            progress(workers, job, value)
            answers.append((began, time.perf_counter(), f"{job.name} (progress)"))

        profiles = self.profiles

        def timed_deliver(
            workers: Workers, job: Job[Any], result: object, error: BaseException | None
        ) -> None:
            profile = cProfile.Profile() if self._profile else None
            began = time.perf_counter()
            if profile is not None:
                profile.enable()
            deliver(workers, job, result, error)
            if profile is not None:
                profile.disable()
            ended = time.perf_counter()
            answers.append((began, ended, job.name))
            if profile is not None and ended - began > 0.02:
                profiles.append((began, _slowest(profile)))

        def timed_run(workers: Workers, job: Job[Any]) -> None:
            began = time.perf_counter()
            run(workers, job)
            jobs.append((began, time.perf_counter(), job.name))

        self._undo = [
            (Workers, "_deliver", deliver),
            (Workers, "_run", run),
            (Workers, "_on_progress", progress),
        ]
        setattr(Workers, "_deliver", timed_deliver)  # noqa: B010 (a method, replaced)
        setattr(Workers, "_run", timed_run)  # noqa: B010
        setattr(Workers, "_on_progress", timed_progress)  # noqa: B010
        self.collections.start()
        self._thread.start()

    def stop(self) -> None:
        for owner, name, original in self._undo:
            setattr(owner, name, original)
        self.collections.stop()
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        noted = 0.0  # when the last note was taken
        while not self._stop.wait(0.005):
            ticks = self._probe.ticks
            last = ticks[-1] if ticks else 0.0
            now = time.perf_counter()
            if not ticks or now - last < self._late or now - noted < self._every:
                continue
            noted = now
            frames = sys._current_frames()
            names = {t.ident: t.name for t in threading.enumerate()}
            gui = _where(frames.get(self._main or 0), depth=12, ours_only=False)
            seen = [f"{(now - last) * 1000:.0f} ms late, GUI: {gui}"]
            for ident, frame in frames.items():
                if ident != self._main and names.get(ident) not in ("watchdog", "stall-sampler"):
                    where = _where(frame, depth=4, ours_only=False)
                    seen.append(f"  {names.get(ident, ident)}: {where}")
            self.stalls.append((last, seen))

    def explain(self, probe: GapProbe, at_least_ms: float = 50.0) -> list[str]:
        """Each gap over ``at_least_ms``: what the watchdog saw, the answers delivered on the
        GUI thread during it, and the jobs running meanwhile; then the longest answers."""
        lines: list[str] = []
        begin, end = probe.ticks[0], probe.ticks[-1]
        for i, gap in enumerate(probe.gaps_ms()):
            if gap < at_least_ms:
                continue
            began, ended = probe.ticks[i], probe.ticks[i + 1]
            lines.append(f"  gap {gap:.0f} ms at {began - begin:.2f} s:")
            for at, seen in self.stalls:
                if at == began:
                    lines += [f"    {line}" for line in seen]
            for a, b, name in self.answers:
                if a < ended and b > began:
                    lines.append(f"    answer of {name}: {(b - a) * 1000:.0f} ms on the GUI thread")
                    lines += [f"      {text}" for at, text in self.profiles if at == a]
            lines += self.collections.during(began, ended)
            running = sorted({name for a, b, name in self.jobs if a < ended and b > began})
            lines.append(f"    jobs running: {', '.join(running) or 'none'}")
        longest = sorted(
            (x for x in self.answers if begin <= x[0] <= end), key=lambda x: x[0] - x[1]
        )[:6]
        lines.append(
            "  longest answers on the GUI thread: "
            + ", ".join(f"{n} {(b - a) * 1000:.0f} ms at {a - begin:.2f} s" for a, b, n in longest)
        )
        return lines


def _slowest(profile: cProfile.Profile, count: int = 6) -> str:
    """The project's calls that took longest in ``profile`` (cumulative; cProfile's own cost
    inflates calls made per row)."""
    stats = pstats.Stats(profile)
    found: list[tuple[float, str]] = []
    for (path, line, name), (_cc, _nc, _tt, cumulative, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        if "desktop_app" in path:
            found.append((cumulative, f"{path[path.find('desktop_app') :]}:{line} {name}"))
    found.sort(reverse=True)
    return "; ".join(f"{where} {took * 1000:.0f} ms" for took, where in found[:count])


def _where(frame: FrameType | None, depth: int = 4, ours_only: bool = True) -> str:
    """The innermost ``depth`` frames of the project, innermost first; none: the GUI thread
    was in Qt's own C++ (painting, layout, the event loop) or waiting for the GIL."""
    parts: list[str] = []
    while frame is not None and len(parts) < depth:
        name = frame.f_code.co_filename
        if "desktop_app" in name:
            parts.append(
                f"{name[name.find('desktop_app') :]}:{frame.f_lineno} {frame.f_code.co_name}"
            )
        elif not ours_only:
            parts.append(f"{Path(name).name}:{frame.f_lineno} {frame.f_code.co_name}")
        frame = frame.f_back
    return " < ".join(parts) or "(Qt's own work, or waiting for the GIL)"


@dataclass
class Phase:
    """One measured phase: the probe's gaps, and when it ended."""

    max_ms: float
    max_at_s: float
    p50_ms: float
    p99_ms: float
    why: list[str]

    @classmethod
    def of(
        cls, probe: GapProbe, sampler: StallSampler | None, watchdog: Watchdog | None = None
    ) -> Phase:
        why = sampler.explain(probe) if sampler is not None else []
        why += watchdog.explain(probe) if watchdog is not None else []
        gaps = (probe.max_gap_ms(), probe.max_gap_at_s(), probe.quantile_ms(0.5))
        return cls(*gaps, probe.p99_gap_ms(), why)


@dataclass
class Start:
    """One start of the app, in seconds from ``build()``'s start: the first rows in the table
    (at a restart: the restored report), the fetched report on screen, and the last of its
    follow-up jobs done (settled)."""

    rows: int
    built_s: float
    populated_s: float
    shown_s: float
    settled_s: float


@dataclass
class Figures:
    rows: int  # what the demo report held (the demo data evolves, so a few may differ)
    build_s: float  # app.build() on the GUI thread, before the window shows (not probed)
    populated_s: float  # from build()'s start to a populated table
    started: Start  # the first start's moments
    first: Phase  # from the window showing until the first report's follow-up work is done
    refresh: Phase  # F5 with a row selected, until its follow-up work is done
    refresh_s: float  # F5 until the refreshed report is shown
    restart: Phase | None  # a second start over the first's history: restored, then fetched
    restarted: Start | None  # that second start's moments


def settle(parts: AppParts, timeout: float, settle_s: float = SETTLE_S) -> float:
    """Run the event loop (the probe keeps ticking) until a report's follow-up work is done:
    no background job runs or waits (history write, problem states, missing rows, tray), then
    ``settle_s`` more for what their answers start, and once more until the workers are idle.
    Returns when the workers were last seen busy (``time.perf_counter``)."""
    workers = parts.workers
    busy_at = [time.perf_counter()]

    def idle() -> bool:
        if workers.is_busy():
            busy_at[0] = time.perf_counter()
            return False
        return True

    for _ in range(2):
        wait_until(idle, timeout)
        wait_until(lambda: not idle() and False, settle_s)
    return busy_at[0]


def measure(
    rows: int,
    folder: Path,
    tray: bool = True,
    timeout: float = 120.0,
    why: bool = False,
    restart: bool = True,
    watch: bool = False,
    profile: bool = False,
) -> Figures:
    """Build the app for ``rows`` demo rows, time the first fetch and one refresh; then, with
    ``restart``, start it again over the history it recorded and time that first load too."""
    sampler = StallSampler() if why else None
    probe = GapProbe()
    watchdog = Watchdog(probe, profile=profile) if watch else None
    for helper in (sampler, watchdog):
        if helper is not None:
            helper.start()
    try:
        started, parts = _start(rows, folder, tray, timeout, probe)
        try:
            first_phase = Phase.of(probe, sampler, watchdog)
            model = parts.model
            parts.window.table.select_key(model.row_at(min(10, rows - 1)).key)
            ready: list[object] = []
            parts.refresh.report_ready.connect(ready.append)
            probe.start()
            began = time.perf_counter()
            parts.window.refresh_action.trigger()
            if not wait_until(lambda: bool(ready), timeout):
                raise RuntimeError("the refresh did not finish")
            wait_until(lambda: not parts.window.busy.isVisible(), timeout)
            refreshed = time.perf_counter() - began
            settle(parts, timeout)
            probe.stop()
            refresh_phase = Phase.of(probe, sampler, watchdog)
        finally:
            close_app(parts)
        restart_phase = restarted = None
        if restart:
            gc.collect()
            restarted, parts = _start(rows, folder, tray, timeout, probe)
            close_app(parts)
            restart_phase = Phase.of(probe, sampler, watchdog)
        return Figures(
            started.rows,
            started.built_s,
            started.populated_s,
            started,
            first_phase,
            refresh_phase,
            refreshed,
            restart_phase,
            restarted,
        )
    finally:
        for helper in (sampler, watchdog):
            if helper is not None:
                helper.stop()


def _start(
    rows: int, folder: Path, tray: bool, timeout: float, probe: GapProbe
) -> tuple[Start, AppParts]:
    """Build the app and probe from the moment the window shows (the end of ``build``) until
    the first fetched report and its follow-up work are done."""
    from desktop_app.app import AppOptions, build

    # One folder per size: its settings and history (a second start restores that history).
    (folder / str(rows)).mkdir(exist_ok=True)
    settings_path = folder / str(rows) / "settings.ini"
    options = AppOptions(demo=True, demo_rows=rows, settings_path=settings_path, tray=tray)
    began = time.perf_counter()
    parts = build(options)  # ends with window.show(): the probe starts there
    built = time.perf_counter() - began
    probe.start()
    try:
        model = parts.model
        fetched: list[object] = []
        parts.refresh.report_ready.connect(fetched.append)
        if not wait_until(lambda: model.total_rows() > 0, timeout):
            raise RuntimeError(f"the table was not populated within {timeout} s")
        populated = time.perf_counter() - began
        if not wait_until(lambda: bool(fetched), timeout):
            raise RuntimeError("the first fetch did not finish")
        wait_until(lambda: not parts.window.busy.isVisible(), timeout)
        shown = time.perf_counter() - began
        settled = settle(parts, timeout) - began
        probe.stop()
    except BaseException:
        close_app(parts)
        raise
    return Start(model.total_rows(), built, populated, shown, max(shown, settled)), parts


def close_app(parts: AppParts) -> None:
    """Close the built app and let Qt delete its window."""
    parts.close()
    parts.window.deleteLater()
    QCoreApplication.processEvents()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 100_000])
    parser.add_argument("--no-tray", action="store_true", help="build the app without its tray")
    parser.add_argument("--no-restart", action="store_true", help="skip the second start")
    parser.add_argument(
        "--why", action="store_true", help="sample the GUI thread: what ran in the longest gaps"
    )
    parser.add_argument(
        "--watchdog",
        action="store_true",
        help="note the GUI thread's stack when the heartbeat is 50 ms late; time job answers",
    )
    parser.add_argument(
        "--profile", action="store_true", help="--watchdog, and profile answers over 20 ms"
    )
    args = parser.parse_args(argv)
    from desktop_app.app import application

    app = application([])  # the application class users get (its quit path: no event filter)
    print(f"Probe every {PROBE_INTERVAL_MS} ms on the GUI thread; Python {sys.version.split()[0]}")
    print(
        "Gaps from the window showing (the end of build()) until the report's follow-up work"
        " is done; 'restart': a second start over that history (restored report, then fetched)"
    )
    header = (
        f"{'rows':>8} {'build':>6} {'populated':>10} {'1st max':>8} {'(at)':>7} {'1st p99':>8}"
        f" {'F5 max':>7} {'(at)':>7} {'F5 p99':>7} {'F5 shown':>9} {'restart max':>12}"
        f" {'(at)':>7}"
    )
    print(header)
    with tempfile.TemporaryDirectory() as tmp:
        for rows in args.sizes:
            gc.collect()
            f = measure(
                rows,
                Path(tmp),
                tray=not args.no_tray,
                why=args.why,
                restart=not args.no_restart,
                watch=args.watchdog or args.profile,
                profile=args.profile,
            )
            again = f" {f.restart.max_ms:>10.0f}ms {f.restart.max_at_s:>6.2f}s" if f.restart else ""
            print(
                f"{f.rows:>8,} {f.build_s:>5.2f}s {f.populated_s:>9.2f}s {f.first.max_ms:>6.0f}ms"
                f" {f.first.max_at_s:>6.2f}s {f.first.p99_ms:>6.0f}ms {f.refresh.max_ms:>5.0f}ms"
                f" {f.refresh.max_at_s:>6.2f}s {f.refresh.p99_ms:>5.0f}ms {f.refresh_s:>8.2f}s"
                f"{again}",
                flush=True,
            )
            if f.restart is not None and f.restarted is not None:
                r, s = f.restart, f.restarted
                print(
                    f"{'':>8} restart: restored rows shown {s.populated_s:.2f}s, fetched shown"
                    f" {s.shown_s:.2f}s, settled {s.settled_s:.2f}s (from build());"
                    f" gaps max {r.max_ms:.0f}ms at {r.max_at_s:.2f}s, p50 {r.p50_ms:.0f}ms,"
                    f" p99 {r.p99_ms:.0f}ms",
                    flush=True,
                )
            phases = [("first load", f.first), ("F5", f.refresh)]
            phases += [("restart", f.restart)] if f.restart else []
            for name, phase in phases:
                if phase.why:
                    print(f"  {name}:", *phase.why, sep="\n")
    print(
        f"Targets: max gap < {TARGET_MAX_GAP_MS:.0f} ms (100k rows);"
        f" 2,000 rows populated within {TARGET_POPULATED_S:.0f} s"
    )
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
