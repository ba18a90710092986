"""Why the GUI thread stalled: a watchdog for the benchmarks' ``--why``.

``bench_gui_fetch.StallSampler`` notes the GUI thread's stack every 2 ms all the time; this one
stays asleep until the GUI heartbeat (the ``GapProbe``'s last tick) is late by ``LATE_S``, and
only then samples, every ``interval_s`` while the gap lasts:

* the GUI thread's stack (every frame, not only the project's: a stall inside Qt shows as a
  frame of ours calling into PySide6, or as no frame at all when Qt's own C++ or a wait for the
  GIL holds it) and the innermost project frame of every other thread;
* each thread's CPU time and run-queue wait from ``/proc/self/task/<tid>/schedstat`` (Linux):
  which threads ran during the gap, and whether the GUI thread was waiting for a CPU at all
  (other processes) rather than for the GIL;
* the whole machine's busy time (``/proc/stat``) against this process's, so load from other
  processes on the shared cores shows as such;
* garbage collections (``gc.callbacks``), with their thread.

The watchdog competes for the GIL only while a gap lasts; figures taken with it still run a
little higher, so the benchmarks take their figures without it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

from bench_gui_fetch import Sampler

LATE_S = 0.05
PY_SPY = os.environ.get("STALL_WATCH_PY_SPY", "")  # a py-spy binary: dump native stacks too


def _native_dump() -> str:
    """Every thread's native and Python stack, and which one holds the GIL (py-spy pauses the
    process meanwhile: the gap grows by the dump's time, but shows what it was)."""
    done = subprocess.run(
        [PY_SPY, "dump", "--native", "--pid", str(os.getpid())],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout + done.stderr


TICK_S = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _schedstat() -> dict[int, tuple[int, int]]:
    """Per thread id of this process: (ns on a CPU, ns waiting on a run queue)."""
    out: dict[int, tuple[int, int]] = {}
    for task in Path("/proc/self/task").iterdir():
        try:
            on_cpu, waiting, _slices = (task / "schedstat").read_text().split()
        except (OSError, ValueError):
            continue
        out[int(task.name)] = (int(on_cpu), int(waiting))
    return out


def _machine_busy_ticks() -> int:
    """Clock ticks every CPU spent busy (user, nice, system, irq, softirq, steal) since boot."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, fields[:8])
    return user + nice + system + irq + softirq + steal


def _frame_text(frame: FrameType | None, depth: int) -> str:
    """The innermost ``depth`` frames, innermost first, project paths shortened."""
    parts: list[str] = []
    while frame is not None and len(parts) < depth:
        name = frame.f_code.co_filename
        if parts and "benchmarks" in name:
            break  # the benchmark's own loop around the event loop
        cut = name.find("desktop_app")
        short = name[cut:] if cut >= 0 else Path(name).name
        parts.append(f"{short}:{frame.f_lineno} {frame.f_code.co_name}")
        frame = frame.f_back
    return " < ".join(parts) or "(no Python frame: Qt's own C++, or waiting for the GIL)"


def _stack(frame: FrameType | None, depth: int = 3) -> str:
    """From the innermost frame of the project outwards, ``depth`` frames; with the frame
    outside the project it was in, if any (a library or C call made from there)."""
    inner = frame
    while frame is not None and "desktop_app" not in frame.f_code.co_filename:
        frame = frame.f_back
    if frame is None:
        return _frame_text(inner, 1)
    text = _frame_text(frame, depth)
    return text if inner is frame else f"[{_frame_text(inner, 1)}] < {text}"


@dataclass
class Sample:
    at: float
    gui: str
    others: dict[int, tuple[str, str]]  # native thread id: (name, innermost frames)
    sched: dict[int, tuple[int, int]]
    machine_ticks: int


@dataclass
class Gap:
    began: float  # the last tick before it
    samples: list[Sample] = field(default_factory=list)
    ended: float | None = None
    native: str = ""  # py-spy's dump of every thread's native stack, taken once in the gap
    end_sched: dict[int, tuple[int, int]] = field(default_factory=dict)
    end_machine_ticks: int = 0


class StallWatch(Sampler):
    """A daemon thread that samples while ``heartbeat()`` (the time of the GUI thread's last
    tick) is more than ``late_s`` old; ``report`` explains the longest gaps."""

    def __init__(
        self,
        heartbeat: object,
        late_s: float = LATE_S,
        interval_s: float = 0.005,
        depth: int = 8,
    ) -> None:
        assert callable(heartbeat)
        super().__init__(interval_s, "stall-watch")
        self._heartbeat = heartbeat
        self._late = late_s
        self._depth = depth
        self.gaps: list[Gap] = []
        self.own_tid = 0
        self.events: list[tuple[float, str]] = []  # (when, what) noted by ``mark``

    def mark(self, what: str) -> None:
        """Note an event of the app (a view shown, a progress step) to place gaps by."""
        self.events.append((time.perf_counter(), what))

    def _run(self) -> None:
        self.own_tid = threading.get_native_id()
        gap: Gap | None = None
        while not self._stop.wait(self._interval):
            last = self._heartbeat()
            now = time.perf_counter()
            if gap is not None and last > gap.began:  # the GUI thread ticked: the gap is over
                gap.ended = last
                gap.end_sched = _schedstat()
                gap.end_machine_ticks = _machine_busy_ticks()
                self.gaps.append(gap)
                gap = None
            if last and now - last > self._late:
                gap = gap or Gap(last)
                gap.samples.append(self._sample(now))
                if PY_SPY and not gap.native and now - last > 2 * self._late:
                    gap.native = _native_dump()

    def _sample(self, now: float) -> Sample:
        frames = sys._current_frames()
        threads = {t.ident: t for t in threading.enumerate()}
        gui = _frame_text(frames.get(self._main or 0), self._depth)
        others = {}
        for ident, frame in frames.items():
            thread = threads.get(ident)
            if ident in (self._main, threading.get_ident()) or thread is None:
                continue
            others[thread.native_id or 0] = (thread.name, _stack(frame))
        return Sample(now, gui, others, _schedstat(), _machine_busy_ticks())

    def report(self, since: float, count: int = 4, at_least_ms: float = 60.0) -> list[str]:
        """The ``count`` longest gaps (of at least ``at_least_ms``) after ``since``, each
        explained by what the watchdog saw during its sampled part."""
        tids = {t.native_id: t.name for t in threading.enumerate() if t.native_id}
        done = [g for g in self.gaps if g.ended is not None and g.began >= since and g.samples]
        done.sort(key=lambda g: (g.ended or 0) - g.began, reverse=True)
        lines: list[str] = []
        for gap in done[:count]:
            assert gap.ended is not None
            took = (gap.ended - gap.began) * 1000
            if took < at_least_ms:
                continue
            first = gap.samples[0]
            window = (gap.ended - first.at) * 1000
            lines.append(
                f"  gap {took:.0f} ms at {gap.began - since:.2f} s"
                f" ({len(gap.samples)} samples over its last {window:.0f} ms):"
            )
            near = [w for t, w in self.events if gap.began - 0.02 <= t <= gap.ended]
            if near:
                lines.append(f"    app events in it: {', '.join(near)}")
            for where, n in Counter(s.gui for s in gap.samples).most_common(3):
                lines.append(f"    GUI {n:>3} x {where}")
            ran = []
            for tid, (cpu, wait) in sorted(gap.end_sched.items()):
                cpu0, wait0 = first.sched.get(tid, (cpu, wait))
                cpu_ms, wait_ms = (cpu - cpu0) / 1e6, (wait - wait0) / 1e6
                if cpu_ms >= 2 or wait_ms >= 5:
                    name = "GUI" if tid == os.getpid() else tids.get(tid, "")
                    name = name or next(
                        (s.others[tid][0] for s in gap.samples if tid in s.others), str(tid)
                    )
                    if tid == self.own_tid:
                        name = "watchdog"
                    ran.append(f"{name} {cpu_ms:.0f}/{wait_ms:.0f}")
            both = gap.end_sched.keys() & first.sched.keys()  # threads that ended drop out
            ours = sum(gap.end_sched[t][0] - first.sched[t][0] for t in both) / 1e6
            machine = (gap.end_machine_ticks - first.machine_ticks) * 1000 / TICK_S
            gui_cpu, gui_wait = (
                (gap.end_sched[t][i] - first.sched[t][i]) / 1e6
                for i, t in ((0, os.getpid()), (1, os.getpid()))
            )
            cause = classify(window, gui_cpu, gui_wait, machine, ours)
            lines.append(f"    cause: {cause}")
            lines.append(
                "    threads, ms on CPU/ms waiting for a CPU: " + (", ".join(ran) or "none")
            )
            lines.append(
                f"    machine busy {machine:.0f} ms of {2 * window:.0f} (2 cores),"
                f" this process {ours:.0f} ms"
            )
            for tid, (cpu, _wait) in sorted(
                gap.end_sched.items(),
                key=lambda item: first.sched.get(item[0], item[1])[0] - item[1][0],
            ):
                cpu_ms = (cpu - first.sched.get(tid, (cpu, 0))[0]) / 1e6
                seen = Counter(s.others[tid] for s in gap.samples if tid in s.others)
                if cpu_ms < 10 or not seen:
                    continue
                (name, where), n = seen.most_common(1)[0]
                lines.append(f"    {name} ({cpu_ms:.0f} ms on CPU), {n} x {where}")
            if gap.native:
                lines.extend(_gui_and_holder(gap.native))
            for began, ended, generation, thread in self.collections.seen:
                if began <= gap.ended and ended >= gap.began and ended - began > 0.003:
                    lines.append(
                        f"    gc gen {generation}: {(ended - began) * 1000:.0f} ms on {thread}"
                    )
        return lines


def classify(window: float, gui_cpu: float, gui_wait: float, machine: float, ours: float) -> str:
    """What kept the GUI thread from ticking over the sampled ``window`` (ms): running its own
    work, waiting for a CPU (taken by other processes, or by this one's threads), or neither:
    blocked, which in this app is waiting for the GIL."""
    if gui_wait >= 0.4 * window:
        if ours < 0.5 * machine:
            return "CPU starved by other processes"
        return "CPU taken by this process's threads"
    if gui_cpu >= 0.4 * window:
        return "GUI thread's own work"
    return "waiting for the GIL (or blocked)"


def _gui_and_holder(dump: str) -> list[str]:
    """From a py-spy dump: the GUI thread's innermost native frames, and the thread holding the
    GIL (if any) with its innermost frames."""
    lines = []
    for block in dump.split("\nThread ")[1:]:
        head, *frames = block.strip().splitlines()
        is_gui = head.split()[0] == str(os.getpid())
        if is_gui or "gil" in head:
            inner = " < ".join(f.strip().split(" (")[0] for f in frames[:14])
            lines.append(f"    native {'GUI' if is_gui else 'GIL holder'} [{head}]: {inner}")
    return lines
