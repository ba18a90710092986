"""runtime.pacing and runtime.gc_policy: the shared pacer's rest windows, and building
long-lived objects with the cyclic collector paused and then frozen."""

from __future__ import annotations

import gc
import sys
import threading
import time as time_module
from collections.abc import Iterator

import pytest

from desktop_app.demo.data import generate_rows
from desktop_app.report.prepared import PreparedReport, report_rows
from desktop_app.report.row_index import RowIndex
from desktop_app.report.rows import Report
from desktop_app.runtime.gc_policy import FREEZE_FROM_ROWS, building_long_lived, long_lived
from desktop_app.runtime.pacing import (
    GUI_SWITCH_INTERVAL,
    Pacer,
    favour_gui_thread,
    paced,
    unpaced,
)


class FakeTime:
    """A clock that only moves when the pacer sleeps (or the test says so)."""

    def __init__(self, now: float = 100.0) -> None:
        self.now = now
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture(autouse=True)
def _thaw() -> Iterator[None]:
    """Leave the collector as found: enabled, nothing frozen by these tests."""
    yield
    gc.unfreeze()
    gc.enable()


def test_pause_costs_nothing_in_the_work_part_and_sleeps_through_the_rest() -> None:
    time = FakeTime(now=0.0)  # the start of a period: its work part
    pacer = Pacer(work=0.002, rest=0.001, clock=time.clock, sleep=time.sleep)
    pacer.pause()
    time.now = 0.0015
    pacer.pause()
    assert time.slept == [] and pacer.rests == 0
    time.now = 0.0022  # resting time
    pacer.pause()
    assert time.slept == [pytest.approx(0.0008)] and pacer.rests == 1
    assert time.now == pytest.approx(0.003)  # woke at the start of the next period
    time.now = 0.0031
    pacer.pause()  # working time again
    assert pacer.rests == 1


def test_threads_sharing_a_pacer_rest_at_the_same_moments() -> None:
    time = FakeTime(now=0.0)
    pacer = Pacer(work=0.002, rest=0.001, clock=time.clock, sleep=time.sleep)
    wakes: list[float] = []
    for start in (0.0025, 0.0021, 0.0029):  # three threads arriving at different points
        time.now = start
        pacer.pause()
        wakes.append(time.now)
    assert wakes == [pytest.approx(0.003)] * 3  # all resume together, at the next work part


def test_paced_rests_before_each_chunk_and_keeps_every_item_in_order() -> None:
    seen: list[object] = []
    items = [f"row {i}" for i in range(1000)]
    for item in paced(items, lambda: seen.append("rest"), chunk=256):
        seen.append(item)
    assert [s for s in seen if s != "rest"] == items
    assert [i for i, s in enumerate(seen) if s == "rest"] == [0, 257, 514, 771]


def test_paced_with_a_real_pacer_rests_a_long_loop_and_unpaced_never_does() -> None:
    times = FakeTime()
    pacer = Pacer(clock=times.clock, sleep=times.sleep)

    def work() -> Iterator[int]:
        for n in range(4 * 256):
            times.now += 0.002 / 256  # each chunk is one work period long
            yield n

    assert list(paced(work(), pacer.pause)) == list(range(4 * 256))
    assert pacer.rests >= 3 and times.slept
    assert list(paced(iter(range(5)), unpaced)) == [0, 1, 2, 3, 4]


def test_pacer_rejects_an_empty_work_or_rest() -> None:
    with pytest.raises(ValueError):
        Pacer(work=0.0, rest=0.001)
    with pytest.raises(ValueError):
        Pacer(work=0.002, rest=0.0)


def test_real_pacer_really_rests() -> None:
    pacer = Pacer(work=0.0005, rest=0.0005)
    deadline = time_module.perf_counter() + 5
    while pacer.rests == 0 and time_module.perf_counter() < deadline:
        pacer.pause()
    assert pacer.rests == 1


def test_building_long_lived_pauses_the_collector_and_freezes_only_large_results() -> None:
    gc.enable()
    before = gc.get_freeze_count()
    with building_long_lived(freeze_from=1000) as built:
        assert not gc.isenabled()
        small = [[i] for i in range(10)]
        built.rows = len(small)
    assert gc.isenabled() and gc.get_freeze_count() == before
    with building_long_lived(freeze_from=1000) as built:
        kept = [[i] for i in range(1000)]  # container objects the collector tracks
        built.rows = len(kept)
    assert gc.isenabled()
    assert gc.get_freeze_count() >= before + len(kept)


def test_building_long_lived_nests_and_keeps_a_disabled_collector_disabled() -> None:
    gc.disable()
    with building_long_lived():
        with building_long_lived():
            pass
        assert not gc.isenabled()
    assert not gc.isenabled()
    gc.enable()
    frozen = gc.get_freeze_count()
    with pytest.raises(RuntimeError), building_long_lived(freeze_from=0):
        raise RuntimeError("boom")
    assert gc.isenabled() and gc.get_freeze_count() == frozen  # nothing frozen on error


def test_long_lived_counts_report_rows_and_passes_arguments_and_result() -> None:
    rows = tuple(generate_rows(FREEZE_FROM_ROWS))
    report = Report(rows=rows)
    seen: list[bool] = []

    def job(a: int, *, b: int) -> Report:
        seen.append(gc.isenabled())
        assert a + b == 5
        return report

    gc.enable()
    before = gc.get_freeze_count()
    assert long_lived(job, report_rows)(2, b=3) is report
    assert seen == [False] and gc.isenabled()
    assert gc.get_freeze_count() > before  # a large report: frozen
    assert report_rows(report) == FREEZE_FROM_ROWS
    assert report_rows(PreparedReport(report, RowIndex())) == FREEZE_FROM_ROWS


def test_building_long_lived_from_two_threads_leaves_the_collector_enabled() -> None:
    gc.enable()
    inside = threading.Barrier(2)

    def work() -> None:
        with building_long_lived():
            inside.wait(timeout=5)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=5)
    assert gc.isenabled()


@pytest.fixture
def switch_interval() -> Iterator[None]:
    before = sys.getswitchinterval()
    yield
    sys.setswitchinterval(before)


@pytest.mark.usefixtures("switch_interval")
def test_favouring_the_gui_thread_shortens_the_switch_interval_but_never_lengthens_it() -> None:
    sys.setswitchinterval(0.005)
    favour_gui_thread()
    assert GUI_SWITCH_INTERVAL < 0.005
    assert sys.getswitchinterval() == pytest.approx(GUI_SWITCH_INTERVAL)
    sys.setswitchinterval(0.0002)
    favour_gui_thread()
    assert sys.getswitchinterval() == pytest.approx(0.0002)


def test_the_collector_stays_paused_until_the_last_of_overlapping_blocks_ends() -> None:
    """A start over a large history: the read-back ends while the first fetch still builds."""
    gc.enable()
    entered, first_done, checked = threading.Event(), threading.Event(), threading.Event()
    seen: list[bool] = []

    def long_fetch() -> None:
        with building_long_lived():
            entered.set()
            first_done.wait(timeout=5)
            seen.append(gc.isenabled())  # the other block has ended meanwhile
            checked.set()

    thread = threading.Thread(target=long_fetch)
    with building_long_lived():
        thread.start()
        assert entered.wait(timeout=5)
    first_done.set()
    assert checked.wait(timeout=5)
    thread.join(timeout=5)
    assert seen == [False]
    assert gc.isenabled()
