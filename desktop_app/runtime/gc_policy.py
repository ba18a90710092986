"""The garbage-collector policy for jobs that build objects living until the next report.

The cyclic garbage collector's full collections walk every container object in the process
while holding the GIL; with 100,000-row reports in memory that is a quarter of a second, and the
young-generation passes right after a report was built walk all its rows too. A job that builds
objects living until the next report (its rows, the view, the history cache) runs with the
collector paused (``building_long_lived``, ``long_lived``), and when it built
``FREEZE_FROM_ROWS`` rows or more, everything alive is then moved out of the collector's view
(``gc.freeze``). Reference counting still frees those objects when they are dropped (rows and
their containers form no cycles); the price is that reference cycles alive at that moment are
never collected: measured, about 25 objects per refresh. Small reports are not worth that
price: collecting them costs milliseconds. Pacing the same jobs is ``runtime.pacing``.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

__all__ = ["FREEZE_FROM_ROWS", "Built", "building_long_lived", "long_lived"]

_P = ParamSpec("_P")
_R = TypeVar("_R")

FREEZE_FROM_ROWS = 20_000


class Built:
    """What a ``building_long_lived`` block says it built: set ``rows``."""

    __slots__ = ("rows",)

    def __init__(self) -> None:
        self.rows = 0


class _Pause:
    """The blocks running now, in every thread: the collector runs again when the last ends.

    With a flag per block, a block that ended first re-enabled the collector under one still
    building (at a start over a large history the history's read-back and the first fetch
    overlap), whose young rows then met the collector's passes while they were built."""

    lock = threading.Lock()
    blocks = 0
    enable_after = False


@contextmanager
def building_long_lived(freeze_from: int = FREEZE_FROM_ROWS) -> Iterator[Built]:
    """Pause the cyclic collector while the block builds long-lived objects; freeze after it
    when the block set ``rows`` of the yielded ``Built`` to ``freeze_from`` or more.

    Nesting and use from several threads are safe: the collector runs again only when no block
    runs any more, and only if it was enabled when the first of them began. Nothing is frozen
    when the block raises.
    """
    built = Built()
    with _Pause.lock:
        if _Pause.blocks == 0:
            _Pause.enable_after = gc.isenabled()
            gc.disable()
        _Pause.blocks += 1
    try:
        yield built
        if built.rows >= freeze_from:
            gc.freeze()
    finally:
        with _Pause.lock:
            _Pause.blocks -= 1
            if _Pause.blocks == 0 and _Pause.enable_after:
                gc.enable()


def long_lived(job: Callable[_P, _R], rows: Callable[[_R], int]) -> Callable[_P, _R]:
    """``job`` run inside ``building_long_lived``; ``rows`` tells how many rows its result
    holds (e.g. ``report.prepared.report_rows``)."""

    def run(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with building_long_lived() as built:
            result = job(*args, **kwargs)
            built.rows = rows(result)
            return result

    return run
