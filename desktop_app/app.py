"""Composition root: builds the objects, wires their signals, runs the event loop. Nothing else.

Every collaborator is made here and handed in through constructors, so tests can build the same
graph with their own settings file, clock, or server.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from desktop_app import APP_NAME
from desktop_app.api.client import ReportClient, build_client
from desktop_app.api.regions import custom_endpoint
from desktop_app.demo.server import DemoServer
from desktop_app.report.rows import Report
from desktop_app.ui.detail_pane import DetailPane
from desktop_app.ui.export_controller import ExportController
from desktop_app.ui.fetcher import ReportFetcher
from desktop_app.ui.icons import IconProvider
from desktop_app.ui.main_window import MainWindow
from desktop_app.ui.refresh import RefreshController
from desktop_app.ui.table_model import ReportTableModel

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
    app.aboutToQuit.connect(parts.close)
    refresh.refresh()
    if not options.minimized:
        window.show()
    return parts


class _NotSignedInError(Exception):
    """No account is configured yet (sign-in arrives with the settings work)."""

    title = "Not signed in"
    message = "No Intronis account is set up. Start with --demo to try the app with demo data."


def run(options: AppOptions, argv: list[str] | None = None) -> int:
    """Build the app and run its event loop; returns when the application quits."""
    parts = build(options, argv)
    try:
        return int(parts.app.exec())
    finally:
        parts.close()
