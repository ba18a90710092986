"""Pacing long jobs on background threads of a GUI process, so the GUI thread keeps the GIL.

Python runs one thread at a time (the GIL). While a worker thread is busy in Python, every call
from Qt into Python on the GUI thread (each ``data()`` of a table repaint, each slot) first
waits for the worker to let go of the GIL, up to the switch interval (5 ms) per call: a
repaint that makes 1,000 such calls then takes a second instead of 30 ms. A job that is not
urgent therefore works in short slices and rests between them (``Pacer``), so the GUI thread
finds the GIL free and runs a whole burst of calls in each rest. The garbage collector's share
of the problem is ``runtime.gc_policy``. What is left of the wait per call is the switch
interval itself, which a GUI process shortens (``favour_gui_thread``).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import TypeVar

__all__ = [
    "GUI_SWITCH_INTERVAL",
    "PACED_CHUNK",
    "REST_SECONDS",
    "WORK_SECONDS",
    "Pacer",
    "favour_gui_thread",
    "paced",
    "unpaced",
]

_T = TypeVar("_T")

WORK_SECONDS = 0.002
REST_SECONDS = 0.001
GUI_SWITCH_INTERVAL = 0.001
PACED_CHUNK = 256  # items between pauses in ``paced``: a few tenths of a millisecond of work


def favour_gui_thread(interval: float = GUI_SWITCH_INTERVAL) -> None:
    """Have a busy thread hand the GIL over after ``interval`` seconds instead of Python's 5 ms.

    Every call from Qt into Python on the GUI thread waits for a busy worker up to the switch
    interval, and jobs that are not paced (preparing a view, judging problem states, reading
    the history back at start) keep it busy for seconds at 100,000 rows. Measured at 100k rows
    (``bench_gui_fetch``): the longest GUI-thread stall of a start over a recorded history went
    from 109-205 ms to 83-120 ms, the p99 gaps halved; the workers take a little longer. Never
    lengthens an interval already shorter.
    """
    if sys.getswitchinterval() > interval:
        sys.setswitchinterval(interval)


def unpaced() -> None:
    """The pause of a job that runs at full speed (tests, command line, benchmarks)."""


def paced(items: Iterable[_T], pause: Callable[[], None], chunk: int = PACED_CHUNK) -> Iterator[_T]:
    """``items``, with ``pause`` called before each ``chunk`` of them: a Python loop over a
    100,000-row report on a worker (judging problem states) rests with the other paced jobs.
    With ``unpaced`` the items come straight through, without a generator in between."""
    if pause is unpaced:
        return iter(items)
    return _in_slices(iter(items), pause, chunk)


def _in_slices(it: Iterator[_T], pause: Callable[[], None], chunk: int) -> Iterator[_T]:
    while part := list(islice(it, chunk)):
        pause()
        yield from part


class Pacer:
    """Time in periods of ``work + rest`` seconds; ``pause()`` sleeps through the rest part.

    One pacer is shared by every paced thread of the process: they all rest at the same
    moments, so the GUI thread finds the GIL free for ``rest`` out of every ``work + rest``
    seconds (threads resting at different moments would just hand the GIL to each other).
    Call ``pause`` often (every millisecond or so of work): it costs one clock read outside the
    rest. Thread-safe (it keeps no state). At the defaults a paced job takes about 1.5 times as
    long, and the GUI thread runs a burst of calls into Python at least every 3 ms.
    """

    __slots__ = ("_clock", "_period", "_sleep", "_work", "rests")

    def __init__(
        self,
        work: float = WORK_SECONDS,
        rest: float = REST_SECONDS,
        *,
        clock: Callable[[], float] = time.perf_counter,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if work <= 0 or rest <= 0:
            raise ValueError("work and rest must be positive")
        self._work = work
        self._period = work + rest
        self._clock = clock
        self._sleep = sleep
        self.rests = 0  # how often a thread rested (tests, benchmarks); not exact across threads

    def pause(self) -> None:
        phase = self._clock() % self._period
        if phase >= self._work:
            self.rests += 1
            self._sleep(self._period - phase)
