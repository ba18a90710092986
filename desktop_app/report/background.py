"""Manners for long jobs on background threads of a GUI process.

Python runs one thread at a time (the GIL). While a worker thread is busy in Python, every call
from Qt into Python on the GUI thread (each ``data()`` of a table repaint, each slot) first
waits for the worker to let go of the GIL, up to the switch interval (5 ms) per call: a
repaint that makes 1,000 such calls then takes a second instead of 30 ms. Two habits keep the
GUI responsive while a worker records history or serializes a report:

* ``Pacer``: a job that is not urgent works in short slices and rests between them, so the GUI
  thread finds the GIL free and runs a whole burst of calls in each rest.
* ``long_lived``: the cyclic garbage collector's full collections walk every container object in
  the process while holding the GIL; with 100,000-row reports in memory that is a quarter of a
  second, and the young-generation passes right after a report was built walk all its rows
  too. A job that builds objects living until the next report (its rows, the view, the history
  cache) runs with the collector paused, and when it built ``FREEZE_FROM_ROWS`` rows or more,
  everything alive is then moved out of the collector's view (``gc.freeze``). Reference
  counting still frees those objects when they are dropped (rows and their containers form no
  cycles); the price is that reference cycles alive at that moment are never collected:
  measured, about 25 objects per refresh. Small reports are not worth that price: collecting
  them costs milliseconds.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

from desktop_app.report.rows import Report
from desktop_app.report.view_keys import PreparedReport

__all__ = [
    "FREEZE_FROM_ROWS",
    "Built",
    "Pacer",
    "building_long_lived",
    "long_lived",
    "report_rows",
    "unpaced",
]

_P = ParamSpec("_P")
_R = TypeVar("_R")

WORK_SECONDS = 0.002
REST_SECONDS = 0.001
FREEZE_FROM_ROWS = 20_000


def unpaced() -> None:
    """The pause of a job that runs at full speed (tests, command line, benchmarks)."""


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


class Built:
    """What a ``building_long_lived`` block says it built: set ``rows``."""

    __slots__ = ("rows",)

    def __init__(self) -> None:
        self.rows = 0


@contextmanager
def building_long_lived(freeze_from: int = FREEZE_FROM_ROWS) -> Iterator[Built]:
    """Pause the cyclic collector while the block builds long-lived objects; freeze after it
    when the block set ``rows`` of the yielded ``Built`` to ``freeze_from`` or more.

    Nesting and use from several threads are safe: the collector is enabled again only by the
    outermost block that found it enabled. Nothing is frozen when the block raises.
    """
    built = Built()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield built
        if built.rows >= freeze_from:
            gc.freeze()
    finally:
        if was_enabled:
            gc.enable()


def report_rows(result: object) -> int:
    """The rows in a ``Report`` or ``PreparedReport``; 0 for anything else."""
    if isinstance(result, PreparedReport):
        result = result.report
    return len(result.rows) if isinstance(result, Report) else 0


def long_lived(job: Callable[_P, _R], rows: Callable[[_R], int] = report_rows) -> Callable[_P, _R]:
    """``job`` run inside ``building_long_lived``; ``rows`` tells how many rows its result
    holds (default: a report's)."""

    def run(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with building_long_lived() as built:
            result = job(*args, **kwargs)
            built.rows = rows(result)
            return result

    return run
