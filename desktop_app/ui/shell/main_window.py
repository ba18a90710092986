"""The main window: menus, the toolbar with the search, the filter row, the panes, the status bar.

The window only arranges and forwards intent: the table and its selection are the report view
(``ui.table.view``), fetching belongs to the ``RefreshController``, exporting to the exporters,
moving around on request (tray, notifications) to the ``Navigator``; widgets never call HTTP.
Other features add to it through its menus (``file_menu``, ``edit_menu``, ``view_menu``,
``account_menu``, ``help_menu``, ``add_export_action``), its filter row (``add_filter_widget``),
the notices above the table (``add_notice``) and the splitter.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QMainWindow,
    QProgressBar,
    QSizePolicy,
    QSplitter,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from desktop_app import APP_NAME
from desktop_app.report.prepared import PreparedReport
from desktop_app.report.rows import Report, RowKey
from desktop_app.report.status import status_text
from desktop_app.report.summary import counted
from desktop_app.ui.detail.pane import DetailPane
from desktop_app.ui.icons import IconProvider
from desktop_app.ui.refresh.fetcher import FetchFailure
from desktop_app.ui.remembered_choices import read_bytes
from desktop_app.ui.shell.banner import Banner, StaleLabel, report_notice
from desktop_app.ui.shell.filter_notice import FilterNotice
from desktop_app.ui.shell.flow_layout import FlowLayout
from desktop_app.ui.shell.window_layout import (
    default_geometry,
    default_pane_sizes,
    geometry_usable,
    splitter_usable,
)
from desktop_app.ui.table.model import ReportTableModel
from desktop_app.ui.table.status_filter_bar import StatusFilterBar
from desktop_app.ui.table.view import ReportView
from desktop_app.ui.time_format import format_report_date

__all__ = ["MainWindow"]

GEOMETRY_KEY = "window/geometry"
HEADER_KEY = "window/header"
SPLITTER_KEY = "window/splitter"
AGE_REFRESH_MS = 60_000

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    """The report window.

    Signals:
        refresh_requested(): F5 / Ctrl+R / the Refresh button / Retry.
        cancel_requested(): the Cancel button while fetching.
        export_requested(bool): Ctrl+E; True exports only the selected rows.
    """

    refresh_requested = Signal()
    cancel_requested = Signal()
    export_requested = Signal(bool)

    def __init__(
        self,
        model: ReportTableModel,
        icons: IconProvider,
        detail_pane: DetailPane,
        settings: QSettings,
        now: Callable[[], datetime],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(APP_NAME)
        self.setWindowIcon(icons.app_icon())
        self._model = model
        self._icons = icons
        self._settings = settings
        self._now = now
        self._report: Report | None = None
        self._close_handler: Callable[[], bool] | None = None
        self._splitter_restored = False

        self.table = ReportView(model, self)
        self.detail_pane = detail_pane
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(detail_pane)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)

        self.banner = Banner(self)
        self.banner.retry_requested.connect(self.refresh_requested)

        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.setSpacing(6)
        layout.addWidget(self.banner)
        self._key_filter_text = ""
        self.filter_notice = FilterNotice(self)
        self.filter_label = self.filter_notice.label
        self.show_all_button = self.filter_notice.show_all_button
        self.show_all_button.clicked.connect(self.clear_filters)
        layout.addWidget(self.filter_notice)
        layout.addWidget(self.splitter, 1)
        self.setCentralWidget(central)

        self._build_actions()
        self._build_toolbar()
        layout.insertWidget(layout.indexOf(self.filter_notice), self.filter_row)
        self._build_status_bar()

        self.table.current_changed.connect(self._show_current)
        model.counts_changed.connect(self._update_counts)
        model.view_changed.connect(self._update_shown)
        model.modelReset.connect(self._update_shown)

        self._restore_state()
        # Ages move on: the table and the detail pane are measured from the same clock reading,
        # renewed every minute, so they never disagree ("11 min" here, "12 min" there).
        self._age_timer = QTimer(self)
        self._age_timer.setInterval(AGE_REFRESH_MS)
        self._age_timer.timeout.connect(self.refresh_ages)
        self._age_timer.start()
        self._update_counts()
        self._update_shown()

    # --- construction -------------------------------------------------------------------------
    def _build_actions(self) -> None:
        self.refresh_action = QAction(self._icons.action_icon("refresh"), "&Refresh", self)
        self.refresh_action.setShortcuts(
            [QKeySequence(QKeySequence.StandardKey.Refresh), QKeySequence("Ctrl+R")]
        )
        self.refresh_action.setToolTip("Fetch the report again (F5)")
        self.refresh_action.triggered.connect(self.refresh_requested)

        self.cancel_action = QAction(self._icons.action_icon("cancel"), "Cancel", self)
        self.cancel_action.setToolTip("Stop the running fetch")
        self.cancel_action.setEnabled(False)
        self.cancel_action.triggered.connect(self.cancel_requested)

        self.export_action = QAction(self._icons.action_icon("export"), "&Export CSV…", self)
        self.export_action.setShortcut(QKeySequence("Ctrl+E"))
        self.export_action.setToolTip("Export the rows shown to CSV (Ctrl+E)")
        self.export_action.triggered.connect(lambda: self.export_requested.emit(False))

        self.export_selection_action = QAction("Export &selected rows…", self)
        self.export_selection_action.setShortcut(QKeySequence("Ctrl+Shift+E"))
        self.export_selection_action.triggered.connect(lambda: self.export_requested.emit(True))

        self.copy_action = QAction("&Copy rows", self)
        self.copy_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Copy))
        self.copy_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.copy_action.triggered.connect(self.copy_selection)
        self.table.addAction(self.copy_action)

        self.find_action = QAction("&Find", self)
        self.find_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Find))
        self.find_action.triggered.connect(self._focus_search)

        self.quit_action = QAction("&Quit", self)
        self.quit_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Quit))
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)

        self.file_menu = file_menu = self.menuBar().addMenu("&File")
        file_menu.addAction(self.refresh_action)
        file_menu.addAction(self.cancel_action)
        file_menu.addSeparator()
        file_menu.addAction(self.export_action)
        file_menu.addAction(self.export_selection_action)
        self._after_exports = file_menu.addSeparator()
        self.settings_action = QAction("Se&ttings…", self)
        self.settings_action.setShortcut(QKeySequence("Ctrl+,"))
        self.settings_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        file_menu.addAction(self.settings_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        self.edit_menu = edit_menu = self.menuBar().addMenu("&Edit")
        edit_menu.addAction(self.copy_action)
        edit_menu.addAction(self.find_action)
        self.view_menu = self.menuBar().addMenu("&View")
        self.account_menu = self.menuBar().addMenu("&Account")  # filled by the AccountController
        self.help_menu = self.menuBar().addMenu("&Help")
        self.open_log_action = self.help_menu.addAction("Open &log folder")
        self.diagnostics_action = self.help_menu.addAction("Save &diagnostics…")
        self.about_action = self.help_menu.addAction("&About")
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)

    def _build_toolbar(self) -> None:
        """Actions and the search field in the toolbar; the filter toggles in a row below that
        wraps instead of hiding anything (see ``ui.shell.flow_layout``)."""
        toolbar = QToolBar("Toolbar", self)
        toolbar.setObjectName("mainToolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        toolbar.addAction(self.refresh_action)
        toolbar.addAction(self.cancel_action)
        toolbar.addAction(self.export_action)
        toolbar.addSeparator()
        self.search = QLineEdit(toolbar)
        self.search.setObjectName("search")
        self.search.setAccessibleName("Search customers, computers and backup sets")
        self.search.setPlaceholderText("Search customer, computer, backup set…  (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(220)
        self.search.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.search.addAction(
            self._icons.action_icon("search"), QLineEdit.ActionPosition.LeadingPosition
        )
        self.search.textChanged.connect(self._model.set_search_text)
        self.search.textChanged.connect(lambda _text: self._update_shown())
        self.search.returnPressed.connect(self.table.setFocus)
        toolbar.addWidget(self.search)
        self.addToolBar(toolbar)
        self.toolbar = toolbar
        # No toolbar context menu: its unnamed "Toolbar" check would hide the search field.
        toolbar.toggleViewAction().setVisible(False)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        toolbar_action = toolbar.toggleViewAction()
        toolbar_action.setText("&Toolbar (refresh, export and search)")
        toolbar_action.setVisible(True)
        self.view_menu.addAction(toolbar_action)

        self.filter_row = QWidget(self)
        self.filter_row.setObjectName("filterRow")
        self._filter_layout = FlowLayout(self.filter_row, spacing=10)
        self.filter_bar = StatusFilterBar(self._icons.status_icon, self.filter_row)
        self.filter_bar.filter_changed.connect(self._model.set_status_filter)
        self._filter_layout.addWidget(self.filter_bar)
        self.filter_notice.add_description(self._search_and_status_text)

    def add_filter_widget(self, widget: QWidget, describe: Callable[[], str]) -> None:
        """More filter toggles (the problem filters) in the filter row; ``describe()`` names
        what they filter right now ("" for nothing), for the active-filter notice."""
        self._filter_layout.addWidget(widget)
        self.add_filter_description(describe)

    def add_filter_description(self, describe: Callable[[], str]) -> None:
        """Another filter to name in the filter notice (e.g. the selected customers)."""
        self.filter_notice.add_description(describe)
        self._update_shown()

    def _search_and_status_text(self) -> str:
        parts = []
        query = self.search.text().strip()
        if query:
            parts.append(f"search “{query}”")
        statuses = self.filter_bar.selected()
        if statuses:
            parts.append(", ".join(status_text(s) for s in sorted(statuses)))
        if self._key_filter_text:
            parts.append(self._key_filter_text)
        return " · ".join(parts)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.shown_label = QLabel(self)
        self.shown_label.setObjectName("shownLabel")
        self.report_label = QLabel(self)
        self.report_label.setObjectName("reportLabel")
        self.stale_label = StaleLabel(self)
        self.busy = QProgressBar(self)
        self.busy.setObjectName("busyIndicator")
        self.busy.setAccessibleName("Fetching the report")
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(120)
        self.busy.setMaximumHeight(14)
        self.busy.setTextVisible(False)
        self.busy.hide()
        bar.addWidget(self.shown_label)
        bar.addWidget(self.stale_label)
        bar.addPermanentWidget(self.busy)
        bar.addPermanentWidget(self.report_label)
        self.auto_refresh_label = QLabel(self)
        self.auto_refresh_label.setObjectName("autoRefreshLabel")
        bar.addPermanentWidget(self.auto_refresh_label)

    # --- state in and out ---------------------------------------------------------------------
    def show_report(self, report: Report | PreparedReport) -> None:
        """Load a fresh report; selection, current row and scroll position follow their keys.

        A ``PreparedReport`` (view built on the fetch worker) is swapped in; a plain ``Report``
        is loaded here, on the GUI thread.
        """
        kept = self.table.selection()
        if isinstance(report, PreparedReport):
            self._report = report.report
            self._model.set_read_problems(report.report.problems)
            self._model.adopt(report.view)
        else:
            self._report = report
            self._model.set_read_problems(report.problems)
            self._model.set_rows(report.rows, now=self._now())
        self.table.show_partners(bool(self._report.partners))
        self.table.restore_selection(kept)
        self._update_report_label()
        self.set_stale(None)
        self.banner.hide()
        notice = report_notice(self._report)
        if notice is not None:  # the rows that arrived are shown; the banner says the rest
            self.banner.show_problem(*notice)

    def clear_report(self) -> None:
        """Nothing to show any more (signed out): an empty table."""
        self.show_report(Report(rows=()))

    def show_fetch_failure(self, failure: FetchFailure) -> None:
        self.show_failure(failure.title, failure.message)

    def show_failure(self, title: str, message: str) -> None:
        """A failed refresh: the last good report stays, marked stale, with the reason."""
        self.banner.show_problem(title, message)
        if self._report is not None:
            self.set_stale(f"{title}: {message}")

    def set_stale(self, reason: str | None) -> None:
        self.stale_label.show_reason(reason)

    def is_stale(self) -> bool:
        return not self.stale_label.isHidden()

    def set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        self.cancel_action.setEnabled(busy)
        self.statusBar().showMessage("Fetching the report…" if busy else "", 0)

    def show_fetch_progress(self, progress: str) -> None:
        """How far a fetch of several partners is ("3 of 30 partners"), while it runs."""
        if not self.busy.isHidden():
            self.statusBar().showMessage(f"Fetching the reports… {progress}", 0)

    def refresh_ages(self) -> None:
        """Age and running durations from now (table and detail pane read the same clock)."""
        self._model.refresh_now()
        self.detail_pane.refresh()

    def set_auto_refresh_text(self, text: str) -> None:
        self.auto_refresh_label.setText(text)

    def clear_filters(self) -> None:
        """Search, status toggles and key filter all off: every row is shown."""
        self.search.clear()
        self.filter_bar.reset()
        self.clear_key_filter()

    def show_key_filter(self, keys: Iterable[RowKey], description: str) -> None:
        """Show only these sets (e.g. a notification's), with a visible "Show all" way back."""
        self.clear_filters()
        wanted = list(keys)
        self._key_filter_text = f"{description[:1].lower()}{description[1:]} ({len(wanted):,})"
        self._model.filter_by_keys(wanted)
        self._update_shown()
        if self._model.rows_shown():
            self.table.select_key(self._model.row_at(0).key)

    def clear_key_filter(self) -> None:
        self._key_filter_text = ""
        self._model.filter_by_keys(None)
        self._update_shown()

    def reveal_key(self, key: RowKey) -> bool:
        """Select one set, lifting filters that hide it."""
        if self._model.view_row_of_key(key) is None:
            self.clear_filters()
        return self.table.select_key(key)

    def add_export_action(self, action: QAction) -> None:
        """Another export in the File menu, right after the report exports."""
        self.file_menu.insertAction(self._after_exports, action)

    def copy_selection(self) -> None:
        """The selected rows to the clipboard (see ``ReportView.copy_selection``)."""
        copied = self.table.copy_selection()
        if copied:
            self.statusBar().showMessage(f"Copied {counted(copied, 'row')}", 3000)

    # --- persistence --------------------------------------------------------------------------
    def _restore_state(self) -> None:
        """Geometry, columns and sort as saved; anything unusable means the default (a damaged
        settings file must never stop the app or leave it unusable)."""
        geometry = read_bytes(self._settings, GEOMETRY_KEY)
        if geometry is None or not self.restoreGeometry(geometry) or not geometry_usable(self):
            default_geometry(self)
        self.table.restore_header(read_bytes(self._settings, HEADER_KEY))
        # Other parts add panes to the splitter after this constructor (the customer sidebar):
        # its saved state only fits once they are in, so it is applied when first shown.
        self._splitter_state = read_bytes(self._settings, SPLITTER_KEY)
        self.filter_bar.bind_settings(self._settings)  # the status toggles, kept as they change

    def save_state(self) -> None:
        self._settings.setValue(GEOMETRY_KEY, self.saveGeometry())
        self._settings.setValue(HEADER_KEY, self.table.header_state())
        if self._splitter_restored:  # never shown: keep what was saved before
            self._settings.setValue(SPLITTER_KEY, self.splitter.saveState())
        self._settings.sync()

    def _restore_splitter(self) -> None:
        state, self._splitter_state = self._splitter_state, None
        if state is not None and self.splitter.restoreState(state) and splitter_usable(self):
            return
        if state is not None:
            log.warning("The saved pane sizes are unusable; using the default sizes")
        self.splitter.setSizes(default_pane_sizes(self))

    def showEvent(self, event: QShowEvent) -> None:
        if not self._splitter_restored:
            self._splitter_restored = True
            self._restore_splitter()
        super().showEvent(event)
        if self.statusBar().currentMessage() and self.shown_label.isVisible():
            # A message set while the window was hidden (the first fetch starts before it
            # shows): showing the window showed the counts under it. Hidden as QStatusBar
            # hides them, so they come back once the message is gone.
            self.shown_label.hide()
            self.shown_label.setAttribute(Qt.WidgetAttribute.WA_WState_ExplicitShowHide, False)

    def add_notice(self, widget: QWidget) -> None:
        """A strip shown above the table (e.g. the session-only sign-in notice)."""
        central = self.centralWidget()
        layout = central.layout() if central is not None else None
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(0, widget)

    def set_close_handler(self, handler: Callable[[], bool] | None) -> None:
        """``handler()`` returning True means "closing only hides the window" (the tray)."""
        self._close_handler = handler

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_state()
        if self._close_handler is not None and self._close_handler():
            event.ignore()
            self.hide()
            return
        super().closeEvent(event)

    # --- slots --------------------------------------------------------------------------------
    def _show_current(self) -> None:
        self.detail_pane.set_row(self.table.current_row())

    def _focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def _update_counts(self) -> None:
        self.filter_bar.set_counts(self._model.status_counts())

    def _update_shown(self) -> None:
        shown, total = self._model.rows_shown(), self._model.total_rows()
        missing = self._model.missing_rows_shown()  # rows of sets no longer in the report
        text = f"Showing {shown - missing:,} of {total:,} backup sets"
        if missing:
            text = f"Showing {missing:,} missing and {shown - missing:,} of {total:,} reported sets"
        self.shown_label.setText(text)
        self.filter_notice.show_counts(text)
        current = self.table.currentIndex()
        if not current.isValid():
            self.detail_pane.set_row(None)

    def _update_report_label(self) -> None:
        report = self._report
        if report is None:
            self.report_label.setText("")
            return
        parts = []
        latest = self._model.latest_report_date()  # rows carry their own; the newest
        if latest is not None:
            parts.append(f"Report date {format_report_date(latest)}")
        if report.fetched_at is not None:
            local = report.fetched_at.astimezone()
            parts.append(f"fetched {local:%H:%M:%S} your time")
        if report.fetch_seconds is not None:
            parts.append(f"in {report.fetch_seconds:.1f} s")
        self.report_label.setText(", ".join(parts))
