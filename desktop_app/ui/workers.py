"""The one way the app runs work off the GUI thread: ``Workers.submit``.

``submit(fn, on_result, on_error)`` runs ``fn(token)`` on a daemon thread and calls
``on_result(value)`` or ``on_error(exception)`` on the GUI thread (a queued signal of a
``QObject`` living there). The shape follows superqt's ``create_worker`` and Anki's ``QueryOp``:
the caller says what to run and what to do with the answer, and never touches a thread.

Why daemon ``threading.Thread`` and not ``QThread``: a job can sit in a blocking socket read
that nothing can interrupt, and a ``QThread`` still running when the application object is
destroyed aborts the process; a daemon thread dies with the process, so quitting is never held
up by a job. ``close`` stops every delivery at once and gives running jobs a short, bounded
moment to finish.

Lanes say how jobs relate:

* ``lane="..."`` (latest wins): a new job supersedes the lane's previous one; the old one's
  token is cancelled and its result, if it still arrives, is dropped. For anything that
  recomputes "the current state" (derived states, the missing rows, the tray's comparison).
* ``serial=True``: the lane's jobs run one after another, in order, never two at once; a job
  still waiting when a newer one arrives is replaced by it (only the newest waiting job
  matters), and every job that ran delivers its result. For writes (history recording).
* no lane: an independent job (an export, an acknowledgement).

Threads are kept between jobs (``_Threads``): an idle one takes the next job, and a new daemon
thread starts only when none is idle. ``Thread.start`` waits until the new thread has run, which
needs a CPU and the GIL: on a loaded machine the GUI thread stood still in ``submit`` for 0.86 s
(``bench_gui_partners --why``).

``delay`` holds a job back a moment before it starts (leaving the GIL to the GUI thread while
it draws a new report). Jobs that build long-lived objects wrap their function in
``long_lived`` (the garbage-collector policy) themselves.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, Signal

__all__ = ["Job", "Token", "Workers"]

log = logging.getLogger(__name__)

T = TypeVar("T")


class Token:
    """What a running job sees: whether it was cancelled, and a way to report progress."""

    __slots__ = ("_cancelled", "_progress")

    def __init__(self, progress: Callable[[object], None] | None = None) -> None:
        self._cancelled = threading.Event()
        self._progress = progress

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def cancel(self) -> None:
        self._cancelled.set()

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; True (early) when the job was cancelled meanwhile."""
        return self._cancelled.wait(seconds)

    @property
    def event(self) -> threading.Event:
        """The cancel flag as a ``threading.Event``, for Qt-free code that takes one (the API
        client notices it between reads and during back-off waits)."""
        return self._cancelled

    def progress(self, value: object) -> None:
        """Hand ``value`` to the job's ``on_progress`` on the GUI thread (dropped if none)."""
        if self._progress is not None and not self.cancelled:
            self._progress(value)


@dataclass(eq=False)
class Job(Generic[T]):
    """A submitted job: ``cancel()`` it, or ``wait()`` for its thread (tests, shutdown)."""

    fn: Callable[[Token], T]
    on_result: Callable[[T], None]
    on_error: Callable[[BaseException], None] | None
    on_progress: Callable[[Any], None] | None
    lane: str | None
    serial: bool
    delay: float
    name: str
    token: Token = field(default_factory=Token)
    thread: threading.Thread | None = None
    done: threading.Event = field(default_factory=threading.Event)

    def cancel(self) -> None:
        """Drop this job's result; a job that has not started never starts."""
        self.token.cancel()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job ran (or was dropped before running); True when it is over."""
        return self.done.wait(timeout)


@dataclass
class _Serial:
    """A serial lane: the job running now and the newest one waiting for it."""

    running: Job[Any] | None = None
    waiting: Job[Any] | None = None


class _Relay(QObject):
    """Lives on the GUI thread; worker threads emit, Qt queues the calls to it."""

    finished = Signal(object, object, object)  # Job, result, BaseException | None
    progressed = Signal(object, object)  # Job, value


IDLE_SECONDS = 30.0  # how long a thread waits for another job before it ends
IDLE_NAME = "worker (idle)"  # an idle thread's name (a running one has its job's)


class _Threads:
    """Daemon threads that run one job after another: ``run`` hands ``fn`` to an idle thread
    (named ``IDLE_NAME``), or starts one when none is idle. A thread idle for ``idle_seconds``
    ends."""

    def __init__(self, idle_seconds: float = IDLE_SECONDS) -> None:
        self._idle_seconds = idle_seconds
        self._lock = threading.Lock()
        self._idle: list[queue.SimpleQueue[Callable[[], None]]] = []  # one inbox per thread

    def run(self, fn: Callable[[], None]) -> None:
        with self._lock:
            inbox = self._idle.pop() if self._idle else None
        if inbox is not None:
            inbox.put(fn)
        else:
            threading.Thread(target=self._serve, args=(fn,), name="worker", daemon=True).start()

    def _serve(self, fn: Callable[[], None]) -> None:
        inbox: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        while True:
            fn()
            with self._lock:
                self._idle.append(inbox)
                threading.current_thread().name = IDLE_NAME
            try:
                fn = inbox.get(timeout=self._idle_seconds)
            except queue.Empty:
                with self._lock:
                    if inbox in self._idle:  # nobody handed it a job: end
                        self._idle.remove(inbox)
                        return
                fn = inbox.get()  # handed one just as the wait ended


class Workers(QObject):
    """Runs jobs off the GUI thread (see module docstring). One per application."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._relay = _Relay(self)
        self._relay.finished.connect(self._on_finished)
        self._relay.progressed.connect(self._on_progress)
        self._latest: dict[str, Job[Any]] = {}
        self._serial: dict[str, _Serial] = {}
        self._running: set[Job[Any]] = set()
        self._lock = threading.Lock()
        self._closed = False
        self._threads = _Threads()

    @property
    def closed(self) -> bool:
        return self._closed

    def submit(
        self,
        fn: Callable[[Token], T],
        on_result: Callable[[T], None],
        on_error: Callable[[BaseException], None] | None = None,
        *,
        on_progress: Callable[[Any], None] | None = None,
        lane: str | None = None,
        serial: bool = False,
        delay: float = 0.0,
        name: str = "worker",
    ) -> Job[T]:
        """Run ``fn(token)`` off the GUI thread; answers arrive on the GUI thread.

        ``on_error`` gets any exception ``fn`` raised (default: logged with its traceback).
        Returns the job; after ``close`` the job is returned cancelled and never runs.
        """
        if serial and lane is None:
            raise ValueError("a serial job needs a lane")
        job: Job[T] = Job(fn, on_result, on_error, on_progress, lane, serial, delay, name)
        if on_progress is not None:
            job.token = Token(lambda value: self._relay.progressed.emit(job, value))
        if self._closed:
            job.cancel()
            job.done.set()
            return job
        if serial:
            assert lane is not None
            self._enqueue(lane, job)
        else:
            if lane is not None:
                previous = self._latest.get(lane)
                if previous is not None:
                    previous.cancel()
                self._latest[lane] = job
            self._start(job)
        return job

    def is_busy(self, lane: str | None = None) -> bool:
        """Any job (or one of ``lane``) running or waiting."""
        if lane is None:
            return bool(self._running) or any(s.waiting for s in self._serial.values())
        serial = self._serial.get(lane)
        if serial is not None and (serial.running or serial.waiting):
            return True
        latest = self._latest.get(lane)
        return latest is not None and not latest.done.is_set()

    def wait_for(self, lane: str, timeout: float) -> bool:
        """Block up to ``timeout`` seconds, delivering nothing, until ``lane``'s running job is
        over (a writer's shutdown: close its file only once no write runs); True when it is."""
        serial = self._serial.get(lane)
        candidates = (serial.running if serial is not None else None, self._latest.get(lane))
        deadline = time.monotonic() + timeout
        for job in candidates:
            if job is not None and not job.done.wait(max(0.0, deadline - time.monotonic())):
                return False
        return True

    def cancel(self, lane: str) -> None:
        """Drop the results of ``lane``'s jobs (running or waiting)."""
        latest = self._latest.pop(lane, None)
        if latest is not None:
            latest.cancel()
        serial = self._serial.get(lane)
        if serial is not None and serial.waiting is not None:
            serial.waiting.cancel()
            serial.waiting.done.set()
            serial.waiting = None

    def close(self, timeout: float = 0.25) -> None:
        """Stop delivering results and give running jobs up to ``timeout`` seconds in all.

        Serial jobs that wait are dropped; the one writing may finish within the time given.
        """
        if self._closed:
            return
        self._closed = True
        with self._lock:
            running = list(self._running)
        for serial in self._serial.values():
            if serial.waiting is not None:
                serial.waiting.cancel()
                serial.waiting.done.set()
                serial.waiting = None
        for job in running:
            if not job.serial:
                job.cancel()
        deadline = time.monotonic() + timeout
        for job in running:
            left = deadline - time.monotonic()
            if left <= 0 or not job.done.wait(left):
                log.info("Quitting while %s is still running; it is abandoned", job.name)

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Process events until no job runs or waits (benchmarks, shutdown of tests); True
        when idle in time. Answers are delivered meanwhile, as in the event loop."""
        deadline = time.monotonic() + timeout
        while self.is_busy():
            if time.monotonic() > deadline:
                return False
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
            time.sleep(0.002)
        return True

    # --- internals ----------------------------------------------------------------------------
    def _enqueue(self, lane: str, job: Job[Any]) -> None:
        serial = self._serial.setdefault(lane, _Serial())
        if serial.running is None:
            serial.running = job
            self._start(job)
            return
        if serial.waiting is not None:  # only the newest waiting job matters
            serial.waiting.cancel()
            serial.waiting.done.set()
        serial.waiting = job

    def _start(self, job: Job[Any]) -> None:
        with self._lock:
            self._running.add(job)
        self._threads.run(lambda: self._run(job))

    def _run(self, job: Job[Any]) -> None:
        job.thread = threading.current_thread()
        job.thread.name = job.name
        result: object = None
        error: BaseException | None = None
        try:
            if job.delay and job.token.wait(job.delay):
                raise _Dropped
            if not job.token.cancelled:
                result = job.fn(job.token)
        except _Dropped:
            pass
        except BaseException as exc:  # handed to the GUI thread, never raised into Qt
            error = exc
        finally:
            job.done.set()
        if self._closed:
            with self._lock:
                self._running.discard(job)
            return
        try:
            self._relay.finished.emit(job, result, error)
        except RuntimeError:  # the relay is gone: the application is being torn down
            with self._lock:
                self._running.discard(job)

    def _on_finished(self, job: Job[Any], result: object, error: BaseException | None) -> None:
        with self._lock:
            self._running.discard(job)
        if job.lane is not None and not job.serial and self._latest.get(job.lane) is job:
            del self._latest[job.lane]
        if job.serial and job.lane is not None:
            self._next_serial(job.lane)
        if not self._closed and not job.token.cancelled:
            self._deliver(job, result, error)

    def _next_serial(self, lane: str) -> None:
        serial = self._serial[lane]
        serial.running, waiting = None, serial.waiting
        serial.waiting = None
        if waiting is not None and not self._closed:
            serial.running = waiting
            self._start(waiting)

    def _deliver(self, job: Job[Any], result: object, error: BaseException | None) -> None:
        try:
            if error is None:
                job.on_result(result)
            elif job.on_error is not None:
                job.on_error(error)
            else:
                log.error("Background job %s failed", job.name, exc_info=error)
        except Exception:  # a failing slot must not take the relay down with it
            log.exception("Handling the result of %s failed", job.name)

    def _on_progress(self, job: Job[Any], value: object) -> None:
        if not self._closed and not job.token.cancelled and job.on_progress is not None:
            job.on_progress(value)


class _Dropped(Exception):
    """A job cancelled during its delay: it never ran."""
