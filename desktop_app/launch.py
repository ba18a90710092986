"""Running the app: the single-instance claim, the event loop and the quit deadline; and the
``--self-test`` window check, which builds the same app and waits for its first report."""

from __future__ import annotations

import logging
import sys
import threading
import time
from pathlib import Path

from desktop_app import APP_NAME
from desktop_app.app import AppOptions, application, build, settings_for
from desktop_app.runtime.checks import CheckResult
from desktop_app.ui.refresh.fetcher import FetchFailure
from desktop_app.ui.shell.qt_self_check import wait_for_any
from desktop_app.ui.shell.quitting import arm_exit_deadline
from desktop_app.ui.shell.single_instance import Claim, SingleInstance, instance_key

__all__ = ["check_demo_window", "run"]

log = logging.getLogger(__name__)


def run(options: AppOptions, argv: list[str] | None = None) -> int:
    """Build the app and run its event loop; returns when the application quits.

    A second launch for the same user and settings hands its arguments to the running app
    (which comes to the front) and returns 0 before building anything.
    """
    app = application(argv or [])
    instance = SingleInstance(instance_key(settings_for(options).fileName()))
    claim = instance.claim(list(sys.argv[1:] if argv is None else argv))
    if claim is Claim.FORWARDED:
        log.info("Already running: asked the running app to come to the front")
        return 0
    if claim is Claim.UNREACHABLE:
        print(f"{APP_NAME} is already running but does not respond.", file=sys.stderr)
        return 1
    parts = build(options, argv)
    deadline: list[threading.Timer] = []
    # Whatever still runs once the user asked to quit must not keep the process alive.
    parts.quitter.on_quit(lambda: deadline.append(arm_exit_deadline()))
    parts.quit_guard.watch_signals()  # SIGTERM at logout saves and quits
    instance.message_received.connect(
        lambda args: None if "--minimized" in args else parts.navigator.open_window()
    )
    try:
        return int(app.exec())
    finally:
        parts.close()
        instance.close()
        for timer in deadline:
            timer.cancel()  # the shutdown finished in time


def check_demo_window(folder: Path, rows: int = 200, timeout_ms: int = 60_000) -> CheckResult:
    """``--self-test``'s window check: the real app in demo mode must show one fetched report.

    Builds everything ``run`` builds (the single-instance lock included) on the running,
    usually offscreen, application, waits for the first demo fetch to reach the table, and
    tears it all down. A module the bundle left out or a window that never fills fails here.
    Settings and history go to ``folder``.
    """
    name = "demo window"
    instance = SingleInstance(instance_key(str(folder)), lock_dir=str(folder))
    try:
        if instance.claim([]) is not Claim.PRIMARY:
            return CheckResult(name, False, "could not take the single-instance lock")
        started = time.monotonic()
        options = AppOptions(
            demo=True,
            demo_rows=rows,
            tray=False,
            settings_path=folder / "self-test.ini",
            data_dir=folder,
        )
        parts = build(options)
        failures: list[str] = []

        def failed(failure: FetchFailure) -> None:
            failures.append(failure.message)

        parts.refresh.refresh_failed.connect(failed)
        wait_for_any((parts.refresh.display_ready, parts.refresh.refresh_failed), timeout_ms)
        shown = parts.window.table.model().rowCount()
        visible = parts.window.isVisible()
        parts.close()
        parts.window.close()
        parts.window.deleteLater()
    finally:
        instance.close()
    seconds = time.monotonic() - started
    if failures:
        return CheckResult(name, False, f"the demo fetch failed: {failures[0]}")
    ok = visible and shown == rows
    detail = f"main window {'shown' if visible else 'NOT shown'}, {shown} of {rows} demo rows"
    return CheckResult(name, ok, f"{detail} on screen after {seconds:.1f} s")
