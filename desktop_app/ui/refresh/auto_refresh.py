"""Auto-refresh: carries out ``report.schedule`` with Qt timers and says what comes next.

Why a due time plus a heartbeat instead of one long timer: a long ``QTimer`` does not notice
that the machine slept (on Linux and macOS it even stops counting), and it cannot tell how
late it is. The heartbeat reads the wall and monotonic clocks every half minute, so a wake-up
(a clock jump) fetches at once, and the due timer is re-armed from the clock, never trusted.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from PySide6.QtCore import QObject, QTimer, Signal

from desktop_app.report.schedule import ClockReading, RefreshSchedule, clock_jumped
from desktop_app.ui.refresh.fetcher import Fetched, FetchFailure, ReportFetcher

log = logging.getLogger(__name__)

HEARTBEAT_MS = 30_000
_MAX_TIMER_MS = 2**31 - 1


class Clock(Protocol):
    """Wall clock (POSIX seconds) and monotonic clock (seconds); a fake one in tests."""

    def wall(self) -> float: ...

    def monotonic(self) -> float: ...


class SystemClock:
    def wall(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()


def describe_interval(seconds: float) -> str:
    """``15 min``, ``2 h``, ``90 min``: how the status bar names the interval."""
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    if whole % 3600 == 0:
        return f"{whole // 3600} h"
    return f"{round(whole / 60)} min"


def clock_time(wall: float) -> str:
    """A wall-clock reading as local HH:MM."""
    return datetime.fromtimestamp(wall).strftime("%H:%M")


class AutoRefreshController(QObject):
    """Asks for a fetch when one is due, after a wake-up, or on opening the window after a pause.

    It never starts a fetch while one runs (the fetcher's own coalescing is the second guard):
    a fetch started by anyone (F5, Retry, the tray) counts, and the next one is scheduled from
    when it ends.

    Signals:
        status_changed(str): text for the status bar, e.g. "Retrying at 14:05".
        paused_changed(bool): auto-refresh was paused (True) or resumed.
    """

    status_changed = Signal(str)
    paused_changed = Signal(bool)

    def __init__(
        self,
        fetcher: ReportFetcher,
        request: Callable[[], None],
        schedule: RefreshSchedule,
        *,
        clock: Clock | None = None,
        heartbeat_ms: int = HEARTBEAT_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._fetcher = fetcher
        self._request = request
        self.schedule = schedule
        self._clock: Clock = clock if clock is not None else SystemClock()
        self._heartbeat_s = heartbeat_ms / 1000.0
        self._paused = False
        self._running = False
        self._due: float | None = None  # monotonic seconds
        self._last_reading = self._read()
        self._status = ""
        self._stopped_text = ""  # said instead of the schedule while stopped (signed out)
        self._due_timer = QTimer(self)
        self._due_timer.setSingleShot(True)
        self._due_timer.timeout.connect(self.check)
        self._heartbeat = QTimer(self)
        self._heartbeat.setInterval(heartbeat_ms)
        self._heartbeat.timeout.connect(self.check)
        fetcher.started.connect(self._on_started)
        fetcher.succeeded.connect(self._on_succeeded)
        fetcher.failed.connect(self._on_failed)
        fetcher.cancelled.connect(self._on_cancelled)

    # --- control ------------------------------------------------------------------------------
    def start(self) -> None:
        """Begin watching the clock (the first fetch is requested by whoever builds the app).
        Starting again while running changes nothing."""
        if self._running:
            return
        self._running = True
        self._stopped_text = ""
        self._last_reading = self._read()
        self._heartbeat.start()
        self._arm()
        self._update_status()

    def stop(self, reason: str = "") -> None:
        """Stop automatic fetches (quit, or signed out: ``reason`` replaces the status text)."""
        self._running = False
        self._due = None
        self._heartbeat.stop()
        self._due_timer.stop()
        self._stopped_text = reason
        if reason:
            self._update_status()

    @property
    def running(self) -> bool:
        return self._running

    def set_paused(self, paused: bool) -> None:
        """Pause: no automatic fetches (manual ones still work). Resume: fetch if overdue."""
        if paused == self._paused:
            return
        self._paused = paused
        if paused:
            self._due_timer.stop()
        self.paused_changed.emit(paused)
        self._update_status()
        if not paused:
            self.check()

    def set_interval(self, seconds: float) -> None:
        """A new interval from the settings; the next fetch moves accordingly."""
        self.schedule.interval = seconds
        finished = self.schedule.last_finished
        if finished is not None and self._due is not None:
            self._due = finished + self.schedule.next_delay()
        self.check()
        self._update_status()

    def window_opened(self) -> None:
        """The user opened the window: fetch if the data is old (and nothing runs)."""
        if self._paused or self._fetcher.is_busy():
            return
        if self.schedule.due_on_open(self._clock.monotonic()):
            log.info("Window opened after a long pause: refreshing")
            self._fire()

    # --- state --------------------------------------------------------------------------------
    def due_in(self) -> float | None:
        """Seconds until the next automatic fetch, or ``None`` (running, or not scheduled)."""
        if self._due is None:
            return None
        return self._due - self._clock.monotonic()

    def next_wall_time(self) -> float | None:
        remaining = self.due_in()
        return None if remaining is None else self._clock.wall() + remaining

    def status_text(self) -> str:
        return self._status

    # --- the clock ----------------------------------------------------------------------------
    def check(self) -> None:
        """Heartbeat and due-timer slot (tests call it after moving a fake clock)."""
        reading = self._read()
        jumped = clock_jumped(self._last_reading, reading, self._heartbeat_s)
        self._last_reading = reading
        if not self._running or self._paused or self._fetcher.is_busy():
            return
        if jumped:
            log.info("Clock jump (sleep or clock change): refreshing now")
            self._fire()
        elif self._due is not None and reading.monotonic >= self._due:
            self._fire()
        else:
            self._arm()

    def _read(self) -> ClockReading:
        return ClockReading(self._clock.wall(), self._clock.monotonic())

    def _fire(self) -> None:
        self._due = None
        self._due_timer.stop()
        self._request()

    def _arm(self) -> None:
        self._due_timer.stop()
        if self._due is None or self._paused or not self._running:
            return
        remaining = self._due - self._clock.monotonic()
        self._due_timer.start(min(_MAX_TIMER_MS, max(0, int(remaining * 1000) + 1)))

    def _schedule_in(self, delay: float) -> None:
        self._due = self._clock.monotonic() + delay
        self._arm()
        self._update_status()

    # --- fetcher outcomes ---------------------------------------------------------------------
    def _on_started(self) -> None:
        self._due = None
        self._due_timer.stop()
        self._update_status()

    def _on_succeeded(self, _fetched: Fetched) -> None:
        self._schedule_in(self.schedule.record_success(self._clock.monotonic()))

    def _on_failed(self, _failure: FetchFailure) -> None:
        delay = self.schedule.record_failure(self._clock.monotonic())
        log.info(
            "Fetch failed %d time(s) in a row; retrying in %.0f s", self.schedule.failures, delay
        )
        self._schedule_in(delay)

    def _on_cancelled(self) -> None:
        # A cancel is the user's choice, not a failure: keep the current backoff level.
        self._schedule_in(self.schedule.next_delay())

    def _update_status(self) -> None:
        every = f"Auto-refresh every {describe_interval(self.schedule.interval)}"
        at = self.next_wall_time()
        if not self._running and self._stopped_text:
            text = self._stopped_text
        elif self._paused:
            text = "Auto-refresh paused"
        elif at is None:
            text = every
        elif self.schedule.failures:
            text = f"Retrying at {clock_time(at)}"
        else:
            text = f"{every} · next at {clock_time(at)}"
        if text != self._status:
            self._status = text
            self.status_changed.emit(text)
