"""One way out: every request to quit (menu, Ctrl+Q, tray, Dock, session end, SIGTERM) ends in
the same call, which saves state and leaves the event loop, and the process is gone soon after.

Why an application event filter: ``QApplication.quit()`` (and macOS's "Quit" from the Dock or
the application menu, and a session manager's end) first asks every window to close. The main
window only hides when a tray icon exists, so Qt took that as "the user cancelled" and did not
quit; worse, the tray icon's own X11 window had already been closed by then, leaving a process
with neither window nor icon. Filtering the ``Quit`` event sends every such request straight to
the app's own quit instead.

Why the app's own ``event`` rather than an event filter where it can: a filter installed on the
application sees every event of every object, and each one is a call into Python that first
waits for the GIL. While workers parse, that wait multiplied over the events of one repaint
froze the window for tenths of a second (``bench_gui_partners --why``: the GUI thread waiting in
``Shiboken::GilState`` under ``sendThroughApplicationEventFilters``). ``QuitAwareApplication``,
the application ``app.application`` creates, sees only the events sent to itself; the filter
remains for an application made elsewhere (a host that embeds the window).

Why a wake-up socket for signals: Python runs a signal handler only when the interpreter gets
control, which may be never while Qt waits in C++ for events. ``signal.set_wakeup_fd`` makes the
C-level handler write to a socket that a ``QSocketNotifier`` watches, so SIGTERM (a logout, a
service manager) wakes the event loop and quits cleanly instead of killing the process without
saving the window layout.

Why a deadline: once the state is saved, nothing left is worth keeping a user waiting for. A
worker stuck in a socket read or a database write must not keep the process alive, so after
``deadline`` seconds the process ends without further cleanup.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import threading
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QSocketNotifier
from PySide6.QtWidgets import QApplication

__all__ = ["QUIT_DEADLINE", "QuitAwareApplication", "QuitGuard", "Quitter", "arm_exit_deadline"]

log = logging.getLogger(__name__)

QUIT_DEADLINE = 1.5
"""Seconds from the quit request to a forced exit (the promise to users is 2 s)."""

_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGINT", "SIGHUP") if hasattr(signal, name)
)


class Quitter:
    """The one way to quit: ``quit()`` saves (``save``), runs what was armed (``on_quit``: the
    exit deadline), then leaves the event loop; asking again changes nothing. The rest of the
    cleanup runs once the event loop has returned."""

    def __init__(self, app: QCoreApplication, save: Callable[[], None]) -> None:
        self._app = app
        self._save = save
        self._on_quit: list[Callable[[], None]] = []
        self.quitting = False

    def on_quit(self, run: Callable[[], None]) -> None:
        self._on_quit.append(run)

    def quit(self) -> None:
        if self.quitting:
            return
        self.quitting = True
        log.info("Quitting")
        for run in self._on_quit:
            run()
        self._save()
        self._app.exit(0)


class QuitAwareApplication(QApplication):
    """The application, handing its ``Quit`` events to ``on_quit`` (set by ``QuitGuard``)
    instead of asking every window to close (see the module docstring)."""

    on_quit: Callable[[], None] | None = None

    def event(self, event: QEvent) -> bool:
        if self.on_quit is not None and event.type() == QEvent.Type.Quit:
            self.on_quit()
            return True
        return super().event(event)


class QuitGuard(QObject):
    """Turns application quit requests and termination signals into calls of ``quit``.

    ``watch_signals()`` adds SIGTERM, SIGINT and SIGHUP (the running app; tests leave pytest's
    handlers alone). ``close()`` restores the handlers and removes the filter (tests build many
    apps in one process).
    """

    def __init__(self, app: QCoreApplication, quit: Callable[[], None]) -> None:
        super().__init__()
        self._app = app
        self._quit = quit
        self._previous: dict[int, object] = {}
        self._previous_fd: int | None = None
        self._sockets: tuple[socket.socket, socket.socket] | None = None
        self._notifier: QSocketNotifier | None = None
        if isinstance(app, QuitAwareApplication):
            app.on_quit = quit
        else:
            app.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._app and event.type() == QEvent.Type.Quit:
            self._quit()
            return True
        return False

    def close(self) -> None:
        if isinstance(self._app, QuitAwareApplication):
            self._app.on_quit = None
        else:
            self._app.removeEventFilter(self)
        if self._sockets is None:
            return
        for number, handler in self._previous.items():
            with contextlib.suppress(ValueError, OSError, TypeError):
                signal.signal(number, handler)  # type: ignore[arg-type]
        with contextlib.suppress(ValueError):
            signal.set_wakeup_fd(self._previous_fd if self._previous_fd is not None else -1)
        if self._notifier is not None:
            self._notifier.setEnabled(False)
        for sock in self._sockets:
            sock.close()
        self._sockets = None

    def watch_signals(self) -> None:
        """Quit on termination signals (main thread only: Python's rule for handlers)."""
        if self._sockets is not None or threading.current_thread() is not threading.main_thread():
            return
        reader, writer = socket.socketpair()
        reader.setblocking(False)
        writer.setblocking(False)
        try:
            self._previous_fd = signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
        except (ValueError, OSError) as error:
            log.info("Termination signals are not watched: %s", error)
            reader.close()
            writer.close()
            return
        self._sockets = (reader, writer)
        for number in _SIGNALS:
            with contextlib.suppress(ValueError, OSError):
                # The Python-level handler does nothing: the wake-up byte is what counts.
                self._previous[number] = signal.signal(number, _noop)
        self._notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._on_wakeup)

    def _on_wakeup(self) -> None:
        if self._sockets is None:
            return
        try:
            received = self._sockets[0].recv(64)
        except OSError:
            return
        numbers = [n for n in received if n in _SIGNALS]
        if numbers:
            log.info("Quitting on signal %s", ", ".join(signal.Signals(n).name for n in numbers))
            self._quit()


def _noop(_number: int, _frame: object) -> None:
    """A Python-level handler that only replaces the default (which would end the process)."""


def arm_exit_deadline(seconds: float = QUIT_DEADLINE) -> threading.Timer:
    """End the process after ``seconds`` unless the returned timer is cancelled first, i.e.
    unless the shutdown finished by itself (see module docstring)."""

    def force() -> None:
        log.warning("Shutdown took longer than %.1f s; exiting now", seconds)
        for handler in logging.getLogger().handlers:
            with contextlib.suppress(Exception):
                handler.flush()
        os._exit(0)

    timer = threading.Timer(seconds, force)
    timer.daemon = True
    timer.start()
    return timer
