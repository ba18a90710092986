"""Composition root: builds the objects, wires their signals, runs the event loop. Nothing else.

Every collaborator is made here and handed in through constructors, so tests can build the same
graph with their own settings file, clock, or server.
"""

from __future__ import annotations

import logging
import random
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

from desktop_app import APP_NAME
from desktop_app.api.client import ReportClient, build_client
from desktop_app.api.regions import custom_endpoint
from desktop_app.demo.server import DemoServer
from desktop_app.report.diff import DEFAULT_STALE_THRESHOLD
from desktop_app.report.rows import Report
from desktop_app.report.schedule import DEFAULT_INTERVAL, RefreshSchedule
from desktop_app.report.status import ConditionStatus
from desktop_app.ui.auto_refresh import AutoRefreshController
from desktop_app.ui.detail_pane import DetailPane
from desktop_app.ui.export_controller import ExportController
from desktop_app.ui.fetcher import ReportFetcher
from desktop_app.ui.icons import IconProvider
from desktop_app.ui.main_window import MainWindow
from desktop_app.ui.refresh import RefreshController
from desktop_app.ui.single_instance import Claim, SingleInstance, instance_key
from desktop_app.ui.table_model import ReportTableModel
from desktop_app.ui.tray import TrayController

log = logging.getLogger(__name__)

ORGANIZATION = "Backup Status Monitor"


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class AppOptions:
    """What the command line decided for the GUI."""

    demo: bool = True
    demo_rows: int = 2000
    minimized: bool = False
    settings_path: Path | None = None  # an INI file instead of the platform store (tests)
    icons_dir: Path | None = None
    tray: bool | None = None  # None: use the system tray when the desktop has one
    refresh_interval: float = DEFAULT_INTERVAL  # seconds
    stale_after: timedelta = DEFAULT_STALE_THRESHOLD


@dataclass
class AppParts:
    """The built object graph, so tests and ``run`` can reach every piece."""

    app: QApplication
    settings: QSettings
    window: MainWindow
    model: ReportTableModel
    refresh: RefreshController
    exporter: ExportController
    demo_server: DemoServer | None = None
    closers: list[Callable[[], None]] = field(default_factory=list)
    auto_refresh: AutoRefreshController | None = None
    tray: TrayController | None = None

    def open_window(self) -> None:
        """Show, raise and focus the window (tray, notification, second launch)."""
        if self.window.isMinimized():
            self.window.showNormal()
        else:
            self.window.show()
        self.window.raise_()
        self.window.activateWindow()
        if self.auto_refresh is not None:
            self.auto_refresh.window_opened()

    def close(self) -> None:
        """Stop fetching, save the window, stop the demo server: quitting is always clean."""
        self.refresh.shutdown()
        self.window.save_state()
        for close in reversed(self.closers):
            try:
                close()
            except Exception:  # a failing closer must not stop the others
                log.exception("Error while shutting down")
        self.closers.clear()


def _application(argv: list[str]) -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    app = QApplication([sys.argv[0] if sys.argv else "backup-status", *argv])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setDesktopFileName("backup-status-monitor")
    return app


def _settings(options: AppOptions) -> QSettings:
    if options.settings_path is not None:
        return QSettings(str(options.settings_path), QSettings.Format.IniFormat)
    return QSettings(ORGANIZATION, APP_NAME)


def build(options: AppOptions, argv: list[str] | None = None) -> AppParts:
    """Build and wire everything; starts the first fetch. Does not enter the event loop."""
    app = _application(argv or [])
    settings = _settings(options)
    icons = IconProvider(options.icons_dir)
    app.setWindowIcon(icons.app_icon())

    model = ReportTableModel(icon_for_status=icons.status_icon, now=utc_now)
    detail = DetailPane(icons, now=utc_now)
    window = MainWindow(model, icons, detail, settings, now=utc_now)

    closers: list[Callable[[], None]] = []
    demo_server: DemoServer | None = None
    client: ReportClient | None = None
    if options.demo:
        demo_server = DemoServer(rows=options.demo_rows)
        demo_server.start()
        closers.append(demo_server.stop)
        client = build_client(
            custom_endpoint(demo_server.base_url),
            demo_server.username,
            client_id=demo_server.client_id,
            client_secret=demo_server.client_secret,
        )
        window.setWindowTitle(f"{APP_NAME} — demo data")

    def fetch(cancel: threading.Event) -> Report:
        if client is None:
            raise _NotSignedInError()
        return client.fetch_report(cancel=cancel)

    fetcher = ReportFetcher(fetch)
    refresh = RefreshController(fetcher)
    exporter = ExportController(window, model, settings)

    window.refresh_requested.connect(refresh.refresh)
    window.cancel_requested.connect(refresh.cancel)
    window.export_requested.connect(exporter.export)
    window.quit_action.triggered.connect(app.quit)
    refresh.busy_changed.connect(window.set_busy)
    refresh.report_ready.connect(window.show_report)
    refresh.refresh_failed.connect(lambda f: window.show_failure(f.title, f.message))

    parts = AppParts(app, settings, window, model, refresh, exporter, demo_server, closers)
    schedule = RefreshSchedule(options.refresh_interval, random=random.random)
    parts.auto_refresh = AutoRefreshController(fetcher, refresh.refresh, schedule, parent=window)
    parts.auto_refresh.status_changed.connect(window.set_auto_refresh_text)
    closers.append(parts.auto_refresh.stop)
    use_tray = QSystemTrayIcon.isSystemTrayAvailable() if options.tray is None else options.tray
    if use_tray:
        parts.tray = _attach_tray(parts, icons, options)
    app.aboutToQuit.connect(parts.close)
    refresh.refresh()
    parts.auto_refresh.start()
    if not options.minimized:
        window.show()
    elif parts.tray is None:
        window.showMinimized()  # without a tray a hidden window could never be reopened
    return parts


def _attach_tray(parts: AppParts, icons: IconProvider, options: AppOptions) -> TrayController:
    """The tray icon and its wiring; closing the window then only hides it."""
    window, refresh, auto = parts.window, parts.refresh, parts.auto_refresh
    assert auto is not None
    tray = TrayController(
        icons, now=utc_now, settings=parts.settings, stale_after=options.stale_after
    )
    tray.open_requested.connect(parts.open_window)
    tray.refresh_requested.connect(refresh.refresh)
    tray.pause_toggled.connect(auto.set_paused)
    auto.paused_changed.connect(tray.set_paused)
    auto.status_changed.connect(tray.set_auto_refresh_text)
    tray.export_requested.connect(lambda: (parts.open_window(), parts.exporter.export(False)))
    tray.settings_action.setVisible(False)  # shown once a settings dialog is wired
    tray.quit_requested.connect(parts.app.quit)
    tray.row_chosen.connect(lambda key: (parts.open_window(), window.reveal_key(key)))
    tray.all_failures_chosen.connect(
        lambda: (
            parts.open_window(),
            window.clear_filters(),
            window.filter_bar.set_selected(frozenset({ConditionStatus.FAILURE})),
        )
    )
    tray.notification_clicked.connect(
        lambda keys: (parts.open_window(), window.show_key_filter(keys, "Showing the changes"))
    )
    refresh.report_ready.connect(tray.show_report)
    refresh.refresh_failed.connect(tray.show_fetch_failure)
    window.set_close_handler(tray.close_hides_window)
    parts.app.setQuitOnLastWindowClosed(False)
    parts.closers.append(tray.hide)
    tray.show()
    return tray


class _NotSignedInError(Exception):
    """No account is configured yet (sign-in arrives with the settings work)."""

    title = "Not signed in"
    message = "No Intronis account is set up. Start with --demo to try the app with demo data."


def run(options: AppOptions, argv: list[str] | None = None) -> int:
    """Build the app and run its event loop; returns when the application quits.

    A second launch for the same user and settings hands its arguments to the running app
    (which comes to the front) and returns 0 before building anything.
    """
    app = _application(argv or [])
    instance = SingleInstance(instance_key(_settings(options).fileName()))
    claim = instance.claim(list(sys.argv[1:] if argv is None else argv))
    if claim is Claim.FORWARDED:
        log.info("Already running: asked the running app to come to the front")
        return 0
    if claim is Claim.UNREACHABLE:
        print(f"{APP_NAME} is already running but does not respond.", file=sys.stderr)
        return 1
    parts = build(options, argv)
    instance.message_received.connect(
        lambda args: None if "--minimized" in args else parts.open_window()
    )
    try:
        return int(app.exec())
    finally:
        parts.close()
        instance.close()
