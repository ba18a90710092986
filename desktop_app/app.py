"""Composition root: builds the objects, wires their signals, runs the event loop. Nothing else.

Every collaborator is made here and handed in through constructors, so tests can build the same
graph with their own settings file, clock, or server.
"""

from __future__ import annotations

import dataclasses
import logging
import random
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEventLoop, QSettings, QTimer, SignalInstance
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

from desktop_app import APP_NAME
from desktop_app.api.client import ReportClient, build_client
from desktop_app.api.errors import NotSignedInError
from desktop_app.api.regions import custom_endpoint
from desktop_app.demo.quirks import Quirk
from desktop_app.demo.server import DemoServer
from desktop_app.export.diagnostics import DiagnosticsFacts
from desktop_app.logging_setup import SecretRedactor, default_data_dir, default_log_dir
from desktop_app.report.derived import StaleRule
from desktop_app.report.diff import DEFAULT_STALE_THRESHOLD
from desktop_app.report.prepared import report_rows
from desktop_app.report.rows import Report, RowKey
from desktop_app.report.schedule import DEFAULT_INTERVAL, RefreshSchedule
from desktop_app.report.status import ConditionStatus
from desktop_app.runtime.gc_policy import long_lived
from desktop_app.runtime.pacing import Pacer
from desktop_app.self_test import CheckResult
from desktop_app.storage.account import ACCOUNT_KEYS, Account, build_report_client
from desktop_app.storage.acknowledgements import AcknowledgementStore
from desktop_app.storage.autostart import Autostart
from desktop_app.storage.credentials import CredentialStore, StoredCredentials
from desktop_app.storage.history import DEMO_HISTORY_FILE_NAME, HISTORY_FILE_NAME, HistoryStore
from desktop_app.storage.history_queries import last_successes
from desktop_app.storage.keyring_backend import detect_keyring, probe_keyring
from desktop_app.storage.settings import AppSettings, build_session
from desktop_app.ui.account.controller import AccountController
from desktop_app.ui.acknowledgements.manage_dialog import (
    AcknowledgementManagement,
    attach_acknowledgement_management,
)
from desktop_app.ui.detail.pane import DetailPane
from desktop_app.ui.exporting.csv_export import ExportController
from desktop_app.ui.exporting.customer_summary import (
    CustomerSummaryExporter,
    attach_customer_summary_export,
)
from desktop_app.ui.exporting.diagnostics_dialog import DiagnosticsDialog
from desktop_app.ui.history.indicator import HistoryIndicator
from desktop_app.ui.history.recorder import RETRY_SECONDS as HISTORY_RETRY_SECONDS
from desktop_app.ui.history.recorder import HistoryRecorder
from desktop_app.ui.icons import IconProvider
from desktop_app.ui.problems.filter_bar import NEEDS_ATTENTION
from desktop_app.ui.problems.read_problems import ReadProblemsIndicator, log_problems
from desktop_app.ui.problems.row_actions import RowActions
from desktop_app.ui.problems.stale_thresholds import StaleThresholds
from desktop_app.ui.problems.views import ProblemViews, attach_problem_views
from desktop_app.ui.refresh.auto_refresh import AutoRefreshController
from desktop_app.ui.refresh.controller import RefreshController
from desktop_app.ui.refresh.fetcher import FetchFailure, ReportFetcher
from desktop_app.ui.refresh.restored_report import RestoredNotice, RestoredReport
from desktop_app.ui.settings.dialog import QSettingsStore, SettingsController
from desktop_app.ui.shell.about_dialog import AboutDialog, AboutFacts, about_versions, open_folder
from desktop_app.ui.shell.macos import DockReopen, notifications_can_post
from desktop_app.ui.shell.main_window import MainWindow
from desktop_app.ui.shell.quitting import QuitGuard, arm_exit_deadline
from desktop_app.ui.shell.single_instance import Claim, SingleInstance, instance_key
from desktop_app.ui.table.model import ReportTableModel
from desktop_app.ui.tray.controller import TrayController
from desktop_app.ui.workers import Workers

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

    from desktop_app.logging_setup import LoggingHandle

log = logging.getLogger(__name__)

ORGANIZATION = "Backup Status Monitor"
BACKGROUND_DELAY = 0.2  # seconds the history write and tray comparison leave to the GUI's redraw


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class AppOptions:
    """What the command line decided for the GUI."""

    demo: bool = True
    demo_rows: int = 2000
    demo_quirks: frozenset[Quirk] = frozenset()  # what a sloppy server sends (demo.quirks)
    minimized: bool = False
    settings_path: Path | None = None  # an INI file instead of the platform store (tests)
    icons_dir: Path | None = None
    tray: bool | None = None  # None: use the system tray when the desktop has one
    refresh_interval: float = DEFAULT_INTERVAL  # seconds
    stale_after: timedelta = DEFAULT_STALE_THRESHOLD
    keyring_backend: KeyringBackend | None = None  # None: detect the OS keyring at start
    autostart: Autostart | None = None  # None: the "start at login" box is unavailable
    logging: LoggingHandle | None = None  # the log file (About, Help > Open log folder)
    data_dir: Path | None = None  # history database; None: next to settings_path, else platform
    history_retry_seconds: float = HISTORY_RETRY_SECONDS  # a locked database is tried again


@dataclass
class AppParts:
    """The built object graph, so tests and ``run`` can reach every piece."""

    app: QApplication
    settings: QSettings
    window: MainWindow
    model: ReportTableModel
    refresh: RefreshController
    exporter: ExportController
    workers: Workers
    demo_server: DemoServer | None = None
    closers: list[Callable[[], None]] = field(default_factory=list)
    auto_refresh: AutoRefreshController | None = None
    stale_thresholds: StaleThresholds | None = None
    tray: TrayController | None = None
    account: AccountController | None = None  # None in demo mode
    settings_controller: SettingsController | None = None
    history: HistoryRecorder | None = None
    problems: ProblemViews | None = None
    restored: RestoredReport | None = None
    read_problems: ReadProblemsIndicator | None = None
    summary_export: CustomerSummaryExporter | None = None
    acknowledgements: AcknowledgementManagement | None = None
    row_actions: RowActions | None = None
    quit_guard: QuitGuard | None = None
    on_quit: Callable[[], None] | None = None  # run() arms the exit deadline here
    quitting: bool = False

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

    def quit(self) -> None:
        """The one way to quit (see ``ui.quitting``): save the window and settings, then leave the
        event loop; the rest of the cleanup (``close``) runs once it has returned."""
        if self.quitting:
            return
        self.quitting = True
        log.info("Quitting")
        if self.on_quit is not None:
            self.on_quit()
        self.window.save_state()
        self.app.exit(0)

    def close(self) -> None:
        """Save the window, stop every job and the demo server: quitting is always clean."""
        self.workers.close()  # answers stop now; running jobs get a quarter of a second
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
    detail = DetailPane(icons, now=model.now)  # ages from the table's clock reading
    window = MainWindow(model, icons, detail, settings, now=utc_now)

    closers: list[Callable[[], None]] = []
    workers = Workers()  # every job off the GUI thread (ui.workers); closed first at quit
    pacer = Pacer()  # background jobs rest together, leaving the GIL to the GUI thread
    demo_server: DemoServer | None = None
    client: ReportClient | None = None
    if options.demo:
        # In-process: paced, and uncompressed (gzip would only cost CPU at both ends here).
        demo_server = DemoServer(
            rows=options.demo_rows,
            pause=pacer.pause,
            compress=False,
            quirks=options.demo_quirks,
        )
        demo_server.start()
        closers.append(demo_server.stop)
        client = build_client(
            custom_endpoint(demo_server.base_url),
            demo_server.username,
            client_id=demo_server.client_id,
            client_secret=demo_server.client_secret,
        )
        closers.append(client.close)  # before the server stops (closers run in reverse)
        window.setWindowTitle("Demo data")  # the platform adds " — Backup Status Monitor"

    def fetch(cancel: threading.Event) -> Report:
        if client is None:
            raise NotSignedInError()
        return client.fetch_report(cancel=cancel)

    # Fetches, parses and sorts off the GUI thread.
    fetcher = ReportFetcher(workers, fetch, model.preparer())
    refresh = RefreshController(fetcher)

    window.refresh_requested.connect(refresh.refresh)
    window.cancel_requested.connect(refresh.cancel)
    refresh.busy_changed.connect(window.set_busy)
    refresh.display_ready.connect(window.show_report)
    refresh.cleared.connect(window.clear_report)
    refresh.refresh_failed.connect(window.show_fetch_failure)
    # The last recorded report is read back while the first fetch runs, its view prepared like
    # a fetched one (see ui.restored_report).
    restore = long_lived(model.preparer(), report_rows)
    history = _attach_history(options, refresh, detail, closers, pacer, restore)

    def export_last_successes() -> dict[RowKey, datetime]:
        store = history.store  # read on the export's worker thread
        return last_successes(store.database) if store is not None else {}

    exporter = ExportController(window, model, settings, last_successes=export_last_successes)
    window.export_requested.connect(exporter.export)
    # Read now and followed from now on: a problem found while the window was built shows too.
    window.statusBar().addPermanentWidget(HistoryIndicator(history, icons.status_icon, window))

    parts = AppParts(app, settings, window, model, refresh, exporter, workers, demo_server, closers)
    parts.history = history
    window.quit_action.triggered.connect(parts.quit)
    parts.quit_guard = QuitGuard(app, parts.quit)  # Quit from the Dock, a session end, app.quit()
    closers.insert(0, parts.quit_guard.close)
    # A logout (Windows, X11 session managers) asks to save before it ends the process.
    app.commitDataRequest.connect(lambda _manager: window.save_state())
    schedule = RefreshSchedule(options.refresh_interval, random=random.random)
    parts.auto_refresh = AutoRefreshController(fetcher, refresh.refresh, schedule, parent=window)
    parts.auto_refresh.status_changed.connect(window.set_auto_refresh_text)
    closers.append(parts.auto_refresh.stop)
    use_tray = QSystemTrayIcon.isSystemTrayAvailable() if options.tray is None else options.tray
    if use_tray:
        parts.tray = _attach_tray(parts, icons, options, pacer)
    _attach_settings_and_account(parts, options, fetcher)
    parts.problems = _attach_problems(parts, icons, options)
    _attach_odd_data(parts, options, history, icons)
    history.start()  # after everything that listens to it is connected
    app.aboutToQuit.connect(parts.close)

    # Runs last: an app object that outlives these parts (tests, main() with an existing
    # QApplication) must not call close() on them again when it finally quits.
    closers.insert(0, lambda: _disconnect(app.aboutToQuit, parts.close))
    if parts.account is None:
        refresh.refresh()
        parts.auto_refresh.start()
    else:
        parts.account.account_activated.connect(lambda _account: _follow_account(parts, True))
        parts.account.signed_out.connect(lambda: _follow_account(parts, False))
        if parts.account.start():  # fetches once signed in; else opens the sign-in dialog
            parts.auto_refresh.start()
        else:
            parts.auto_refresh.stop(NOT_SIGNED_IN_TEXT)
    if not options.minimized:
        window.show()
    elif parts.tray is None:
        window.showMinimized()  # without a tray a hidden window could never be reopened
    return parts


def _disconnect(signal: SignalInstance, slot: Callable[[], None]) -> None:
    signal.disconnect(slot)


def _data_dir(options: AppOptions) -> Path:
    """Explicit, else beside an explicit settings file (tests, portable use), else platform."""
    if options.data_dir is not None:
        return options.data_dir
    if options.settings_path is not None:
        return options.settings_path.parent
    return default_data_dir()


def _attach_history(
    options: AppOptions,
    refresh: RefreshController,
    detail: DetailPane,
    closers: list[Callable[[], None]],
    pacer: Pacer,
    restore: Callable[[Report], object],
) -> HistoryRecorder:
    """Record every good report off the GUI thread; demo data goes to its own file. The
    recorder is started by the caller, once its ``restored`` signal is connected."""
    name = DEMO_HISTORY_FILE_NAME if options.demo else HISTORY_FILE_NAME
    path = _data_dir(options) / name
    # Paced and a moment late: recording is never urgent, so the GUI thread keeps the GIL while
    # it draws the report (see runtime.pacing).
    recorder = HistoryRecorder(
        lambda: HistoryStore(path, clock=utc_now, pause=pacer.pause),
        delay=BACKGROUND_DELAY,
        restore=restore,
        retry_seconds=options.history_retry_seconds,
    )

    def on_ready(store: HistoryStore) -> None:
        acks = AcknowledgementStore(store.database, clock=utc_now)
        detail.set_history_provider(store.set_history, acks.get)

    recorder.ready.connect(on_ready)
    # The pane rendered before this report was written; show the history that now includes it.
    recorder.recorded.connect(lambda _result: detail.refresh())
    refresh.report_ready.connect(recorder.record)
    closers.append(recorder.close)
    return recorder


def _attach_odd_data(
    parts: AppParts, options: AppOptions, history: HistoryRecorder, icons: IconProvider
) -> None:
    """What the window says about odd data and what it does without a fresh report: read
    problems in the status bar and the log, the last recorded report at start, and
    Help > Save diagnostics…"""
    window, refresh = parts.window, parts.refresh

    def reveal(row: int) -> None:
        report = refresh.shown_report
        if report is not None and 0 < row <= len(report.rows):
            window.reveal_key(report.rows[row - 1].key)

    indicator = ReadProblemsIndicator(window, icon=icons.status_icon("UNKNOWN"), reveal=reveal)
    window.statusBar().addPermanentWidget(indicator)
    refresh.report_shown.connect(indicator.show_report)
    refresh.report_ready.connect(log_problems)
    notice = RestoredNotice(window)
    window.add_notice(notice)
    account = parts.account
    parts.restored = RestoredReport(
        refresh,
        notice,
        utc_now,
        lambda failure: window.show_failure(failure.title, failure.message),
        # Only the account's own history: not while nobody is signed in to any account.
        allowed=lambda: account is None or account.account is not None,
        parent=window,
    )
    history.restored.connect(parts.restored.show)
    parts.read_problems = indicator
    window.diagnostics_action.triggered.connect(lambda: _open_diagnostics(parts, options))


def _open_diagnostics(parts: AppParts, options: AppOptions) -> DiagnosticsDialog:
    """Help > Save diagnostics… (see ``export.diagnostics``); secrets are masked by the log's
    redactor, which knows every secret the app was given."""
    handle = options.logging
    redactor = handle.redactor if handle is not None else SecretRedactor()
    controller = parts.settings_controller

    def gather(anonymise: bool) -> DiagnosticsFacts:
        settings: dict[str, object] = {}
        if controller is not None:
            settings.update(dataclasses.asdict(controller.settings))
        for key in ACCOUNT_KEYS:
            value = parts.settings.value(key)
            if value is not None:
                settings[key] = str(value)
        settings["demo"] = options.demo
        return DiagnosticsFacts(
            versions=about_versions(),
            settings=settings,
            log_path=handle.log_file if handle is not None else None,
            report=parts.refresh.shown_report,
            redact=redactor.redact,
            anonymise=anonymise,
        )

    dialog = DiagnosticsDialog(gather, utc_now, parent=parts.window)
    dialog.saved.connect(
        lambda path: parts.window.statusBar().showMessage(f"Diagnostics saved to {path}", 15_000)
    )
    dialog.open()
    return dialog


def _attach_problems(parts: AppParts, icons: IconProvider, options: AppOptions) -> ProblemViews:
    """Problem toggles, customer sidebar and "Acknowledge…" (see ``ui.problem_views``)."""
    window, model, settings = parts.window, parts.model, parts.settings_controller
    stale_after = options.stale_after
    follow_settings = stale_after == DEFAULT_STALE_THRESHOLD and settings is not None
    if follow_settings and settings is not None:
        stale_after = settings.settings.stale_after
    thresholds = StaleThresholds(stale_after, parts.settings, parent=window)

    assert parts.history is not None
    views = attach_problem_views(
        window,
        window.splitter,
        model,
        parts.history,
        parts.refresh,
        icons,
        thresholds.rule,
        utc_now,
        window.detail_pane.refresh,
    )
    if follow_settings and settings is not None:
        settings.changed.connect(lambda new: thresholds.set_threshold(new.stale_after))
    thresholds.rule_changed.connect(views.set_rule)
    views.sidebar.stale_threshold_requested.connect(lambda user: thresholds.ask_for(user, window))
    parts.stale_thresholds = thresholds
    tray = parts.tray
    if tray is not None:

        def tray_rule(rule: StaleRule) -> None:
            tray.stale_after, tray.stale_per_customer = rule.threshold, rule.per_customer

        tray_rule(thresholds.rule)
        thresholds.rule_changed.connect(tray_rule)
        views.controller.summarised.connect(tray.set_summary)
    parts.closers.append(views.close)
    _attach_customer_features(parts, views)
    return views


def _attach_customer_features(parts: AppParts, views: ProblemViews) -> None:
    """Remembered view choices, the customer summary export, managing acknowledgements."""
    window, history = parts.window, parts.history
    assert history is not None
    views.bar.bind_settings(parts.settings)
    views.sidebar.bind_settings(parts.settings)
    window.view_menu.addAction(views.sidebar.toggle_action)
    parts.summary_export = attach_customer_summary_export(
        window, parts.settings, views, history, utc_now
    )
    parts.closers.append(parts.summary_export.close)
    parts.acknowledgements = attach_acknowledgement_management(
        window,
        views,
        history,
        utc_now,
        window.selected_keys,
        window.reveal_key,
        window.detail_pane.refresh,
    )
    parts.closers.append(parts.acknowledgements.close)
    settings = parts.settings_controller
    parts.row_actions = RowActions(
        window,
        views,
        parts.acknowledgements,
        history,
        lambda: settings.settings.ticket_address if settings is not None else "",
    )


def _attach_tray(
    parts: AppParts, icons: IconProvider, options: AppOptions, pacer: Pacer
) -> TrayController:
    """The tray icon and its wiring; closing the window then only hides it."""
    window, refresh, auto = parts.window, parts.refresh, parts.auto_refresh
    assert auto is not None
    tray = TrayController(
        icons,
        now=utc_now,
        settings=parts.settings,
        stale_after=options.stale_after,
        pause=pacer.pause,  # large reports are compared on a worker thread, a moment late
        delay=BACKGROUND_DELAY,
    )
    tray.open_requested.connect(parts.open_window)
    tray.refresh_requested.connect(refresh.refresh)
    tray.pause_toggled.connect(auto.set_paused)
    auto.paused_changed.connect(tray.set_paused)
    auto.status_changed.connect(tray.set_auto_refresh_text)

    def export() -> None:
        parts.open_window()
        parts.exporter.export(False)

    def open_settings() -> None:
        parts.open_window()
        if parts.settings_controller is not None:
            parts.settings_controller.open_dialog()

    def reveal(key: RowKey) -> None:
        parts.open_window()
        window.reveal_key(key)

    def show_failures() -> None:
        """Exactly the failures the menu counts: acknowledged ones are left out."""
        parts.open_window()
        window.clear_filters()
        window.filter_bar.set_selected(frozenset({ConditionStatus.FAILURE}))
        summary = parts.problems.controller.summary if parts.problems is not None else None
        if summary is not None and summary.acknowledged_failures:
            parts.problems.bar.set_checked(frozenset({NEEDS_ATTENTION}))  # type: ignore[union-attr]

    def show_changes(keys: tuple[RowKey, ...]) -> None:
        parts.open_window()
        window.show_key_filter(keys, "Showing the changes")

    tray.export_requested.connect(export)
    tray.settings_requested.connect(open_settings)
    tray.quit_requested.connect(parts.quit)
    tray.row_chosen.connect(reveal)
    tray.all_failures_chosen.connect(show_failures)
    tray.notification_clicked.connect(show_changes)
    refresh.report_ready.connect(tray.show_report)
    refresh.refresh_failed.connect(tray.show_fetch_failure)
    window.set_close_handler(tray.close_hides_window)
    parts.app.setQuitOnLastWindowClosed(False)
    parts.closers.append(tray.close)
    tray.can_post = notifications_can_post()
    dock = DockReopen(parts.app, window.isHidden, parent=window)  # macOS: a Dock click
    dock.reopen_requested.connect(parts.open_window)
    parts.closers.append(dock.close)
    tray.show()
    return tray


NOT_SIGNED_IN_TEXT = "Auto-refresh off: not signed in"


def _follow_account(parts: AppParts, signed_in: bool) -> None:
    """Auto-refresh runs only while signed in; signing out also clears the tray's state."""
    auto = parts.auto_refresh
    assert auto is not None
    if signed_in:
        auto.start()
        return
    auto.stop(NOT_SIGNED_IN_TEXT)
    if parts.tray is not None:
        parts.tray.show_signed_out()


def _attach_settings_and_account(
    parts: AppParts, options: AppOptions, fetcher: ReportFetcher
) -> None:
    """Settings dialog, Help menu, and (outside demo mode) the account with its keyring."""
    window = parts.window
    store = QSettingsStore(parts.settings)
    settings = SettingsController(store, window, autostart=options.autostart, parent=window)
    parts.settings_controller = settings
    window.settings_action.triggered.connect(settings.open_dialog)
    log_dir = options.logging.log_dir if options.logging is not None else default_log_dir()
    window.open_log_action.triggered.connect(lambda: open_folder(log_dir))
    window.about_action.triggered.connect(
        lambda: AboutDialog(
            AboutFacts.collect(log_dir, _data_dir(options), parts.settings.fileName()), window
        ).open()
    )

    def client_factory(account: Account, credentials: StoredCredentials) -> ReportClient:
        current = settings.settings
        return build_report_client(
            account,
            credentials,
            build_session(current),
            connect_timeout=current.connect_timeout,
            read_timeout=current.read_timeout,
            deadline=current.fetch_deadline,
        )

    if not options.demo:
        backend: KeyringBackend | None = options.keyring_backend
        if backend is not None:
            status = probe_keyring(backend)
        else:
            backend, status = detect_keyring()
        parts.account = AccountController(
            parts.workers,
            store,
            CredentialStore(backend) if backend is not None else None,
            status,
            client_factory,
            fetcher,
            parts.refresh,
            window,
            register_secret=(
                options.logging.add_secret if options.logging is not None else lambda *s: None
            ),
            parent=window,
        )
        parts.account.fill_menu(window.account_menu)
        parts.closers.append(parts.account.close)
    else:
        window.account_menu.addAction("Demo account (built-in demo server)").setEnabled(False)

    def apply(new: AppSettings) -> None:
        assert parts.auto_refresh is not None
        parts.auto_refresh.set_interval(new.refresh_seconds)
        parts.model.set_time_mode(new.time_mode)
        window.detail_pane.refresh()
        if parts.tray is not None:
            parts.tray.notify_kinds = new.notify_change_kinds
        if parts.history is not None:
            parts.history.set_retention(new.history_retention)
        if parts.account is not None:
            parts.account.reconnect()  # proxy, certificates and timeouts take effect now

    settings.changed.connect(apply)
    first = settings.settings
    parts.model.set_time_mode(first.time_mode)
    if options.refresh_interval == DEFAULT_INTERVAL and parts.auto_refresh is not None:
        parts.auto_refresh.set_interval(first.refresh_seconds)
    if parts.tray is not None:
        parts.tray.notify_kinds = first.notify_change_kinds
    if parts.history is not None:
        parts.history.set_retention(first.history_retention)


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
    deadline: list[threading.Timer] = []
    # Whatever still runs once the user asked to quit must not keep the process alive.
    parts.on_quit = lambda: deadline.append(arm_exit_deadline())
    if parts.quit_guard is not None:
        parts.quit_guard.watch_signals()  # SIGTERM at logout saves and quits
    instance.message_received.connect(
        lambda args: None if "--minimized" in args else parts.open_window()
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
        loop = QEventLoop()

        def failed(failure: FetchFailure) -> None:
            failures.append(failure.message)
            loop.quit()

        parts.refresh.display_ready.connect(loop.quit)
        parts.refresh.refresh_failed.connect(failed)
        QTimer.singleShot(timeout_ms, loop.quit)
        loop.exec()
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
