"""Composition root: builds the objects in dependency order, wires their signals, runs the loop.

``build`` reads top to bottom as the app: the settings, the table with the history behind it,
the window, where reports come from, the path of one refresh, the problem views, exports,
quitting, the tray and the account, then the settings applied once and the first fetch.

One refresh (F5, Retry, the tray, or the auto-refresh timer): ``RefreshController.refresh`` asks
the ``ReportFetcher`` (``ui.refresh``), which fetches, parses and prepares the view on the
``Workers``; ``display_ready`` swaps the view into the window, ``report_ready`` has the history
record it and the tray compare it, ``report_shown`` has the history judge its problem states,
whose ``states_changed`` reaches the toggles and sidebar, the detail pane, the tray and the
missing rows. Collaborators are handed in through constructors, so tests build the same graph
with their own settings file, clock or server.
"""

from __future__ import annotations

import logging
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, SignalInstance
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

from desktop_app import APP_NAME
from desktop_app.api.client import build_client
from desktop_app.api.regions import custom_endpoint
from desktop_app.demo.partners import standard_tree
from desktop_app.demo.quirks import Quirk
from desktop_app.demo.regions import start_region
from desktop_app.demo.server import DemoServer
from desktop_app.demo.showcase import seed_history
from desktop_app.logging_setup import SecretRedactor, default_data_dir, default_log_dir
from desktop_app.report.diff import DEFAULT_STALE_THRESHOLD
from desktop_app.report.prepared import report_rows
from desktop_app.report.schedule import DEFAULT_INTERVAL, RefreshSchedule
from desktop_app.runtime.gc_policy import long_lived
from desktop_app.runtime.memory import return_large_blocks
from desktop_app.runtime.pacing import Pacer, favour_gui_thread
from desktop_app.storage.autostart import Autostart
from desktop_app.storage.history import DEMO_HISTORY_FILE_NAME, HISTORY_FILE_NAME, HistoryStore
from desktop_app.storage.settings import AppSettings, load_settings
from desktop_app.ui.account.controller import AccountController
from desktop_app.ui.account.wiring import attach_account
from desktop_app.ui.acknowledgements.manage_dialog import AcknowledgementActions
from desktop_app.ui.acknowledgements.manager import AcknowledgementManager
from desktop_app.ui.detail.pane import DetailPane
from desktop_app.ui.exporting.csv_export import ExportController
from desktop_app.ui.exporting.customer_summary import (
    CustomerSummaryExporter,
    attach_customer_summary_export,
)
from desktop_app.ui.exporting.diagnostics_dialog import DiagnosticsFactsSource, open_diagnostics
from desktop_app.ui.history.indicator import HistoryIndicator
from desktop_app.ui.history.missing_rows import MissingRowsLoader
from desktop_app.ui.history.recorder import RETRY_SECONDS as HISTORY_RETRY_SECONDS
from desktop_app.ui.history.service import HistoryService
from desktop_app.ui.icons import IconProvider
from desktop_app.ui.navigator import Navigator
from desktop_app.ui.problems.read_problems import ReadProblemsIndicator, log_problems
from desktop_app.ui.problems.row_actions import RowActions
from desktop_app.ui.problems.stale_thresholds import StaleThresholds
from desktop_app.ui.problems.views import ProblemViews, attach_problem_views
from desktop_app.ui.refresh.auto_refresh import AutoRefreshController
from desktop_app.ui.refresh.controller import RefreshController
from desktop_app.ui.refresh.fetcher import ReportFetcher, not_signed_in
from desktop_app.ui.refresh.partners_fetch import report_fetch
from desktop_app.ui.refresh.restored_report import RestoredNotice, RestoredReport
from desktop_app.ui.settings.controller import SettingsController
from desktop_app.ui.settings.store import QSettingsStore
from desktop_app.ui.shell.about_dialog import attach_help_menu
from desktop_app.ui.shell.main_window import MainWindow
from desktop_app.ui.shell.quitting import QuitAwareApplication, QuitGuard, Quitter
from desktop_app.ui.table.model import ReportTableModel
from desktop_app.ui.tray.controller import TrayController
from desktop_app.ui.tray.wiring import attach_tray
from desktop_app.ui.workers import Workers

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

    from desktop_app.logging_setup import LoggingHandle

log = logging.getLogger(__name__)

ORGANIZATION = "Backup Status Monitor"
BACKGROUND_DELAY = 0.2  # seconds the history write and tray comparison leave to the GUI's redraw
NOT_SIGNED_IN_TEXT = "Auto-refresh off: not signed in"
CHANGES = "Showing the changes"  # the filter notice for a notification's sets


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class AppOptions:
    """What the command line decided for the GUI."""

    demo: bool = True
    demo_rows: int = 2000
    demo_quirks: frozenset[Quirk] = frozenset()  # what a sloppy server sends (demo.quirks)
    demo_showcase: bool = False  # the rhythm showcase and its seeded history (demo.showcase)
    demo_partners: bool = False  # a partner tree (demo.partners), watched with its sub-partners
    minimized: bool = False
    settings_path: Path | None = None  # an INI file instead of the platform store (tests)
    icons_dir: Path | None = None
    tray: bool | None = None  # None: use the system tray when the desktop has one
    refresh_interval: float = DEFAULT_INTERVAL  # seconds; the default follows Settings
    stale_after: timedelta = DEFAULT_STALE_THRESHOLD  # the default follows Settings
    keyring_backend: KeyringBackend | None = None  # None: detect the OS keyring at start
    autostart: Autostart | None = None  # None: the "start at login" box is unavailable
    logging: LoggingHandle | None = None  # the log file (About, Help > Open log folder)
    data_dir: Path | None = None  # history database; None: next to settings_path, else platform
    history_retry_seconds: float = HISTORY_RETRY_SECONDS  # a locked database is tried again


@dataclass(frozen=True, eq=False)
class AppParts:
    """The built app: what ``run`` and the tests reach; ``closers`` run at ``close``."""

    app: QApplication
    settings: QSettings
    settings_controller: SettingsController
    workers: Workers
    window: MainWindow
    model: ReportTableModel
    history: HistoryService
    refresh: RefreshController
    auto_refresh: AutoRefreshController
    problems: ProblemViews
    stale_thresholds: StaleThresholds
    acknowledgements: AcknowledgementActions
    row_actions: RowActions
    exporter: ExportController
    summary_export: CustomerSummaryExporter
    restored: RestoredReport
    read_problems: ReadProblemsIndicator
    navigator: Navigator
    quitter: Quitter
    quit_guard: QuitGuard
    tray: TrayController | None
    account: AccountController | None  # None in demo mode
    demo_server: DemoServer | None
    closers: list[Callable[[], None]] = field(default_factory=list)

    def quit(self) -> None:
        """The one way to quit (see ``ui.shell.quitting``)."""
        self.quitter.quit()

    def close(self) -> None:
        """Stop every job, save the window, close what is open: quitting is always clean."""
        self.workers.close()  # answers stop now; running jobs get a quarter of a second
        self.window.save_state()
        for close in reversed(self.closers):
            try:
                close()
            except Exception:  # a failing closer must not stop the others
                log.exception("Error while shutting down")
        self.closers.clear()


def build(options: AppOptions, argv: list[str] | None = None) -> AppParts:
    """Build and wire everything; starts the first fetch. Does not enter the event loop."""
    app = application(argv or [])
    stored = settings_for(options)
    store = QSettingsStore(stored)
    first = load_settings(store)  # read once; applied below, then on every change
    icons = IconProvider(options.icons_dir)
    app.setWindowIcon(icons.app_icon())
    closers: list[Callable[[], None]] = []
    workers = Workers()  # every job off the GUI thread (ui.workers)
    pacer = Pacer()  # background jobs rest together, leaving the GIL to the GUI thread
    favour_gui_thread()  # and hand it over within 1 ms when they do not (runtime.pacing)
    return_large_blocks()  # a replaced report's large blocks go back to the system

    # The table, the history behind it (judged at the table's clock reading), the window.
    model = ReportTableModel(
        icon_for_status=icons.status_icon, now=utc_now, workers=workers, pause=pacer.pause
    )
    history = HistoryService(
        workers,
        _history_store(options, pacer),
        now=model.now,
        clock=utc_now,
        restore=long_lived(model.preparer(), report_rows),  # the last report, shown at start
        delay=BACKGROUND_DELAY,
        retry_seconds=options.history_retry_seconds,
        pause=pacer.pause,  # judging the problem states is never urgent
    )
    closers.append(history.close)
    detail = DetailPane(icons, now=model.now, history=history, rhythms=history)
    window = MainWindow(model, icons, detail, stored, now=utc_now)
    settings = SettingsController(store, window, first, autostart=options.autostart, parent=window)
    window.settings_action.triggered.connect(settings.open_dialog)

    # Where reports come from: the built-in demo server, or (below) the signed-in account.
    # Parsing several partners and merging them: paced (runtime.pacing); the model paces the
    # views it prepares while a report is on screen.
    fetcher = ReportFetcher(workers, not_signed_in, model.preparer())
    fetcher.pause = pacer.pause
    demo_server = _demo(options, pacer, window, fetcher, settings.current, closers)
    refresh = RefreshController(fetcher)
    schedule = RefreshSchedule(options.refresh_interval, random=random.random)
    auto_refresh = AutoRefreshController(fetcher, refresh.refresh, schedule, parent=window)
    closers.append(auto_refresh.stop)

    # One refresh: the window shows it, the history records it and judges its problems.
    window.refresh_requested.connect(refresh.refresh)
    window.cancel_requested.connect(refresh.cancel)
    refresh.busy_changed.connect(window.set_busy)
    refresh.progress_changed.connect(window.show_fetch_progress)
    refresh.display_ready.connect(window.show_report)
    refresh.cleared.connect(window.clear_report)
    refresh.refresh_failed.connect(window.show_fetch_failure)
    refresh.report_ready.connect(history.record)
    refresh.report_ready.connect(log_problems)
    refresh.report_shown.connect(history.show_report)
    auto_refresh.status_changed.connect(window.set_auto_refresh_text)

    # Problems: stale thresholds, toggles and sidebar, the pane, missing rows, acting on rows.
    stale_after = first.stale_after if _follows(options.stale_after) else options.stale_after
    thresholds = StaleThresholds(stale_after, stored, parent=window)
    problems = attach_problem_views(window, model, history, icons)
    # The thresholds go to the history service, which adds the rhythms; its rule (the one the
    # problem states were judged by) is what the table's preparer and the tray judge with.
    history.set_rule(thresholds.rule)
    thresholds.rule_changed.connect(history.set_rule)
    model.set_stale_rule(thresholds.rule)
    history.rule_changed.connect(model.set_stale_rule)
    problems.sidebar.stale_threshold_requested.connect(lambda u: thresholds.ask_for(u, window))
    problems.bar.bind_settings(stored)
    problems.sidebar.bind_settings(stored)
    window.view_menu.addAction(problems.sidebar.toggle_action)
    refresh.report_shown.connect(problems.show_report)
    history.states_changed.connect(detail.show_states)
    missing_rows = MissingRowsLoader(workers, lambda: history.store, model, parent=window)
    history.states_changed.connect(missing_rows.show_states)
    navigator = Navigator(window, problems.bar, parent=window)
    navigator.window_opened.connect(auto_refresh.window_opened)
    manager = AcknowledgementManager(workers, history, utc_now, parent=window)
    acknowledgements = AcknowledgementActions(window, manager, window.reveal_key)
    row_actions = RowActions(window, problems, acknowledgements, settings.current)

    # Files: the CSV export of the view, the customer summary, diagnostics.
    exporter = ExportController(
        workers, window, model, stored, settings.current, last_successes=history.last_successes
    )
    window.export_requested.connect(exporter.export)
    summary_export = attach_customer_summary_export(
        workers, window, stored, settings.current, problems, utc_now
    )
    diagnostics = DiagnosticsFactsSource(
        settings.current,
        stored,
        lambda: refresh.shown_report,
        demo=options.demo,
        log_path=options.logging.log_file if options.logging is not None else None,
        redact=(options.logging.redactor if options.logging else SecretRedactor()).redact,
    )
    window.diagnostics_action.triggered.connect(
        lambda: open_diagnostics(workers, diagnostics, utc_now, window)
    )

    # Quitting: every way to quit ends in one call (ui.shell.quitting).
    quitter = Quitter(app, window.save_state)
    window.quit_action.triggered.connect(quitter.quit)
    quit_guard = QuitGuard(app, quitter.quit)  # Quit from the Dock, a session end, app.quit()
    closers.insert(0, quit_guard.close)
    app.commitDataRequest.connect(lambda _manager: window.save_state())  # a logout saves first

    # The tray, the account (outside demo mode) and the Help menu.
    use_tray = QSystemTrayIcon.isSystemTrayAvailable() if options.tray is None else options.tray
    tray = None
    if use_tray:
        tray = attach_tray(
            app,
            window,
            workers,
            icons,
            stored,
            now=utc_now,
            rule=thresholds.rule,
            pause=pacer.pause,
            delay=BACKGROUND_DELAY,
            open_window=navigator.open_window,
            closers=closers,
        )
        refresh.report_ready.connect(tray.show_report)
        refresh.refresh_failed.connect(tray.show_fetch_failure)
        history.rule_changed.connect(tray.set_stale_rule)
        history.states_changed.connect(tray.show_states)
        auto_refresh.paused_changed.connect(tray.set_paused)
        auto_refresh.status_changed.connect(tray.set_auto_refresh_text)
        tray.pause_toggled.connect(auto_refresh.set_paused)
        for chosen in (tray.export_requested, tray.settings_requested):
            chosen.connect(navigator.open_window)
        tray.export_requested.connect(lambda: exporter.export(False))
        tray.settings_requested.connect(settings.open_dialog)
        tray.quit_requested.connect(quitter.quit)
        tray.refresh_requested.connect(refresh.refresh)
        tray.row_chosen.connect(navigator.reveal)
        tray.all_failures_chosen.connect(navigator.show_failures)
        tray.notification_clicked.connect(lambda keys: navigator.show_keys(keys, CHANGES))
    account = None
    if not options.demo:
        logs = options.logging
        account = attach_account(
            workers,
            store,
            options.keyring_backend,
            settings.current,
            fetcher,
            refresh,
            window,
            register_secret=logs.add_secret if logs is not None else lambda *_s: None,
        )
        closers.append(account.close)
        account.account_activated.connect(auto_refresh.start)  # only while signed in
        account.signed_out.connect(lambda: auto_refresh.stop(NOT_SIGNED_IN_TEXT))
        if tray is not None:
            account.signed_out.connect(tray.show_signed_out)  # nothing about the old account
    else:
        window.account_menu.addAction("Demo account (built-in demo server)").setEnabled(False)
    log_dir = options.logging.log_dir if options.logging is not None else default_log_dir()
    attach_help_menu(window, log_dir, _data_dir(options), stored.fileName())

    # What the window says beyond the table: history trouble, unread values, a restored report
    # (the account's own: not while nobody is signed in to any account).
    window.statusBar().addPermanentWidget(HistoryIndicator(history, icons.status_icon, window))
    read_problems = ReadProblemsIndicator(
        window, icon=icons.status_icon("UNKNOWN"), reveal=lambda row: _reveal(refresh, row, window)
    )
    window.statusBar().addPermanentWidget(read_problems)
    refresh.report_shown.connect(read_problems.show_report)
    notice = RestoredNotice(window)
    window.add_notice(notice)
    restored = RestoredReport(
        refresh,
        notice,
        utc_now,
        window.show_fetch_failure,
        allowed=lambda: account is None or account.account is not None,
        parent=window,
    )
    history.restored.connect(restored.show)

    # Settings: applied once now, and again whenever they change.
    def apply(new: AppSettings, changed: bool) -> None:
        if changed or _follows(options.refresh_interval, DEFAULT_INTERVAL):
            auto_refresh.set_interval(new.refresh_seconds)
        model.set_time_mode(new.time_mode)
        history.set_retention(new.history_retention)
        history.set_escalation(new.escalation)
        if tray is not None:
            tray.set_notify_kinds(new.notify_change_kinds)
            tray.set_quiet_hours(new.quiet_hours)
        if changed:
            detail.refresh()
            if _follows(options.stale_after):
                thresholds.set_threshold(new.stale_after)
            if account is not None:
                account.reconnect()  # proxy, certificates and timeouts take effect now

    apply(first, changed=False)
    settings.changed.connect(lambda new: apply(new, changed=True))

    parts = AppParts(
        app, stored, settings, workers, window, model, history, refresh, auto_refresh,
        problems, thresholds, acknowledgements, row_actions, exporter, summary_export,
        restored, read_problems, navigator, quitter, quit_guard, tray, account, demo_server,
        closers,
    )  # fmt: skip
    app.aboutToQuit.connect(parts.close)
    # Runs last: an app object that outlives these parts (tests, main() with an existing
    # QApplication) must not call close() on them again when it finally quits.
    closers.insert(0, lambda: _disconnect(app.aboutToQuit, parts.close))

    # Start: the history opens (off the GUI thread) while the first report is fetched.
    history.start()
    if account is None:
        refresh.refresh()
        auto_refresh.start()
    elif account.start():  # fetches once signed in; else opens the sign-in dialog
        auto_refresh.start()
    else:
        auto_refresh.stop(NOT_SIGNED_IN_TEXT)
    if not options.minimized:
        window.show()
    elif tray is None:
        window.showMinimized()  # without a tray a hidden window could never be reopened
    return parts


def application(argv: list[str]) -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    app = QuitAwareApplication([sys.argv[0] if sys.argv else "backup-status", *argv])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setDesktopFileName("backup-status-monitor")
    return app


def settings_for(options: AppOptions) -> QSettings:
    if options.settings_path is not None:
        return QSettings(str(options.settings_path), QSettings.Format.IniFormat)
    return QSettings(ORGANIZATION, APP_NAME)


def _data_dir(options: AppOptions) -> Path:
    """Explicit, else beside an explicit settings file (tests, portable use), else platform."""
    if options.data_dir is not None:
        return options.data_dir
    if options.settings_path is not None:
        return options.settings_path.parent
    return default_data_dir()


def _follows(option: object, default: object = DEFAULT_STALE_THRESHOLD) -> bool:
    """An option left at its default follows the Settings; one given on the command line wins."""
    return option == default


def _disconnect(signal: SignalInstance, slot: Callable[[], None]) -> None:
    signal.disconnect(slot)


def _history_store(options: AppOptions, pacer: Pacer) -> Callable[[], HistoryStore]:
    """Opens the history on the recording thread; demo data goes to its own file. Paced: it is
    never urgent, so the GUI thread keeps the GIL while it draws (see runtime.pacing)."""
    name = DEMO_HISTORY_FILE_NAME if options.demo else HISTORY_FILE_NAME
    path = _data_dir(options) / name
    if not (options.demo and options.demo_showcase):
        return lambda: HistoryStore(path, clock=utc_now, pause=pacer.pause)

    def open_seeded() -> HistoryStore:
        """A new demo history starts with the showcase's past (see demo.showcase)."""
        store = HistoryStore(path, clock=utc_now, pause=pacer.pause)
        seed_history(store, utc_now())
        return store

    return open_seeded


def _demo(
    options: AppOptions,
    pacer: Pacer,
    window: MainWindow,
    fetcher: ReportFetcher,
    settings: Callable[[], AppSettings],
    closers: list[Callable[[], None]],
) -> DemoServer | None:
    """The built-in demo server, and the fetcher pointed at it (demo mode); otherwise the
    fetcher says "not signed in" until the account controller points it at an account."""
    if not options.demo:
        return None
    # In-process: paced, and uncompressed (gzip would only cost CPU at both ends here).
    server = DemoServer(
        rows=options.demo_rows,
        pause=pacer.pause,
        compress=False,
        quirks=options.demo_quirks,
        showcase=options.demo_showcase,
        partners=standard_tree(options.demo_rows) if options.demo_partners else (),
    )
    server.start()
    closers.append(server.stop)
    client = build_client(
        custom_endpoint(server.base_url),
        server.username,
        client_id=server.client_id,
        client_secret=server.client_secret,
    )
    closers.append(client.close)  # before the server stops (closers run in reverse)
    window.setWindowTitle("Demo data")  # the platform adds " — Backup Status Monitor"
    fetch = report_fetch(client, settings, pause=pacer.pause)
    if options.demo_partners:  # the tree, and a second sign-in in another region
        region = start_region(options.demo_rows, pause=pacer.pause)
        closers.append(region.close)
        others = region.scopes
        fetch = report_fetch(client, settings, subpartners=True, others=others, pause=pacer.pause)
    fetcher.set_staged_fetch(fetch)
    return server


def _reveal(refresh: RefreshController, row: int, window: MainWindow) -> None:
    """Row ``row`` (1-based) of the report on screen, as the read-problems list numbers it."""
    report = refresh.shown_report
    if report is not None and 0 < row <= len(report.rows):
        window.reveal_key(report.rows[row - 1].key)
