"""The main window: toolbar with filters and search, the report table, the detail pane.

The window only displays and forwards intent: fetching belongs to the ``RefreshController`` and
exporting to the ``ExportController``; widgets never call HTTP.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime

from PySide6.QtCore import (
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QPoint,
    QSettings,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from desktop_app import APP_NAME
from desktop_app.export.csv_writer import neutralise
from desktop_app.report.prepared import PreparedReport
from desktop_app.report.rows import BackupStatusRow, Report, RowKey
from desktop_app.report.summary import counted
from desktop_app.ui.detail.pane import DetailPane
from desktop_app.ui.icons import IconProvider
from desktop_app.ui.problems.read_problems import INCOMPLETE_TITLE, incomplete_message
from desktop_app.ui.refresh.fetcher import FetchFailure
from desktop_app.ui.remembered_choices import read_bytes
from desktop_app.ui.shell.banner import Banner, problem_color
from desktop_app.ui.shell.flow_layout import FlowLayout
from desktop_app.ui.table.columns import Column
from desktop_app.ui.table.model import ReportTableModel
from desktop_app.ui.table.status_filter_bar import StatusFilterBar
from desktop_app.ui.time_format import format_report_date

GEOMETRY_KEY = "window/geometry"
HEADER_KEY = "window/header"
SPLITTER_KEY = "window/splitter"
MIN_WIDTH, MIN_HEIGHT = 400, 300
MAX_COLUMN_WIDTH = 4000
MIN_TABLE_WIDTH = 120
AGE_REFRESH_MS = 60_000

log = logging.getLogger(__name__)

# Initial widths in average characters: sized from typical content, not by measuring 100k rows.
_INITIAL_WIDTH_CHARS = {
    Column.STATUS: 11,
    Column.CUSTOMER: 20,
    Column.COMPUTER: 16,
    Column.BACKUP_SET: 19,
    Column.STARTED: 17,
    Column.ENDED: 17,
    Column.DURATION: 10,
    Column.AGE: 8,
    Column.ERRORS: 7,
    Column.WARNINGS: 9,
    Column.CONDITION_TYPES: 30,
    Column.ACKNOWLEDGED: 12,
}
FIRST_COLUMNS = (
    Column.STATUS,
    Column.CUSTOMER,
    Column.COMPUTER,
    Column.BACKUP_SET,
    Column.ENDED,
    Column.AGE,
)
"""What a first start shows without scrolling at 1366 px, in this order (the rest follow)."""
DETAIL_WIDTH = (260, 420)  # the detail pane's default width, at least and at most
SIDEBAR_WIDTH = 255
DEFAULT_SIZE = QSize(1400, 860)
FRAME_ALLOWANCE = 40  # px a window frame may add to the size


def clipboard_cell(text: str) -> str:
    """One cell of copied text: no tab or line break inside, no formula at the start."""
    return neutralise(" ".join(text.split()) if any(c in text for c in "\t\r\n") else text)


def _header_usable(header: QHeaderView) -> bool:
    """One section per column, at least one shown, none squeezed to nothing or absurdly wide."""
    if header.count() != len(Column):
        return False
    shown = [c for c in range(header.count()) if not header.isSectionHidden(c)]
    return bool(shown) and all(
        header.minimumSectionSize() <= header.sectionSize(c) <= MAX_COLUMN_WIDTH for c in shown
    )


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

        self.table = QTableView(self)
        self.table.setObjectName("reportTable")
        self.table.setAccessibleName("Backup sets")
        self.table.setModel(model)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 8)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.table.horizontalHeader()
        header.setSectionsMovable(True)
        header.setHighlightSections(False)
        header.setStretchLastSection(True)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._show_header_menu)
        header.setSortIndicator(Column.STATUS, Qt.SortOrder.AscendingOrder)

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
        self._filter_descriptions: list[Callable[[], str]] = []
        self._build_filter_notice()
        layout.addWidget(self.filter_notice)
        layout.addWidget(self.splitter, 1)
        self.setCentralWidget(central)

        self._build_actions()
        self._build_toolbar()
        layout.insertWidget(layout.indexOf(self.filter_notice), self.filter_row)
        self._build_status_bar()

        self.table.selectionModel().currentRowChanged.connect(self._on_current_changed)
        self.table.activated.connect(self._on_current_changed)  # Enter / double-click
        model.counts_changed.connect(self._update_counts)
        model.view_changed.connect(self._update_shown)
        model.modelReset.connect(self._update_shown)

        self._apply_initial_widths()
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
        file_menu.addSeparator()
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
        self._filter_descriptions.append(self._search_and_status_text)

    def add_filter_widget(self, widget: QWidget, describe: Callable[[], str]) -> None:
        """More filter toggles (the problem filters) in the filter row; ``describe()`` names
        what they filter right now ("" for nothing), for the active-filter notice."""
        self._filter_layout.addWidget(widget)
        self.add_filter_description(describe)

    def add_filter_description(self, describe: Callable[[], str]) -> None:
        """Another filter to name in the status bar (e.g. the selected customers)."""
        self._filter_descriptions.append(describe)
        self._update_shown()

    def active_filters(self) -> list[str]:
        """What hides rows right now, in words; empty when every backup set is shown."""
        return [text for describe in self._filter_descriptions if (text := describe())]

    def _search_and_status_text(self) -> str:
        parts = []
        query = self.search.text().strip()
        if query:
            parts.append(f"search “{query}”")
        statuses = self.filter_bar.selected()
        if statuses:
            parts.append(", ".join(self.filter_bar.label(s) for s in sorted(statuses)))
        if self._key_filter_text:
            parts.append(self._key_filter_text)
        return " · ".join(parts)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.shown_label = QLabel(self)
        self.shown_label.setObjectName("shownLabel")
        self.report_label = QLabel(self)
        self.report_label.setObjectName("reportLabel")
        self.stale_label = QLabel(self)
        self.stale_label.setObjectName("staleLabel")
        self._color_stale_label()
        self.stale_label.hide()
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

    def _color_stale_label(self) -> None:
        sheet = f"color: {problem_color(self.palette()).name()}; font-weight: bold;"
        if sheet != self.stale_label.styleSheet():
            self.stale_label.setStyleSheet(sheet)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._color_stale_label()  # a readable red in light and dark mode
        super().changeEvent(event)

    def _apply_initial_widths(self) -> None:
        """Widths from typical content, and ``FIRST_COLUMNS`` first (a saved order wins)."""
        char = self.table.fontMetrics().averageCharWidth()
        for column, chars in _INITIAL_WIDTH_CHARS.items():
            self.table.setColumnWidth(column, chars * char + 24)
        header = self.table.horizontalHeader()
        for position, column in enumerate(FIRST_COLUMNS):
            header.moveSection(header.visualIndex(column), position)

    # --- state in and out ---------------------------------------------------------------------
    def show_report(self, report: Report | PreparedReport) -> None:
        """Load a fresh report; selection, current row and scroll position follow their keys.

        A ``PreparedReport`` (view built on the fetch worker) is swapped in; a plain ``Report``
        is loaded here, on the GUI thread.
        """
        selected = self.selected_keys()
        current = self._current_key()
        top_key = self._key_at_view_row(self.table.rowAt(0))
        if isinstance(report, PreparedReport):
            self._report = report.report
            self._model.set_read_problems(report.report.problems)
            self._model.adopt(report.view)
        else:
            self._report = report
            self._model.set_read_problems(report.problems)
            self._model.set_rows(report.rows, now=self._now())
        self._restore_selection(selected, current, top_key)
        self._update_report_label()
        self.set_stale(None)
        self.banner.hide()
        incomplete = incomplete_message(self._report)
        if incomplete is not None:  # the rows that arrived are shown; the banner says the rest
            self.banner.show_problem(INCOMPLETE_TITLE, incomplete)

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
        if reason is None:
            self.stale_label.hide()
            self.stale_label.setToolTip("")
        else:
            self.stale_label.setText("Stale: showing the last good report")
            self.stale_label.setToolTip(reason)
            self.stale_label.show()

    def is_stale(self) -> bool:
        return not self.stale_label.isHidden()

    def set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        self.cancel_action.setEnabled(busy)
        self.statusBar().showMessage("Fetching the report…" if busy else "", 0)

    def selected_keys(self) -> list[RowKey]:
        rows = sorted(i.row() for i in self.table.selectionModel().selectedRows())
        return [self._model.row_at(r).key for r in rows]

    @property
    def model(self) -> ReportTableModel:
        return self._model

    def selected_rows(self) -> list[BackupStatusRow]:
        """The selected rows in view order; the current row when nothing is selected."""
        rows = self.selected_view_rows()
        if not rows and self.table.currentIndex().isValid():
            rows = [self.table.currentIndex().row()]
        return [self._model.row_at(r) for r in rows]

    def selected_view_rows(self) -> list[int]:
        return sorted(i.row() for i in self.table.selectionModel().selectedRows())

    def visible_columns(self) -> list[Column]:
        """Visible columns in their on-screen order: what an export of the view must contain."""
        header = self.table.horizontalHeader()
        logical = [header.logicalIndex(v) for v in range(header.count())]
        return [Column(c) for c in logical if not header.isSectionHidden(c)]

    def refresh_ages(self) -> None:
        """Age and running durations from now (table and detail pane read the same clock)."""
        self._model.refresh_now()
        self.detail_pane.refresh()

    def set_auto_refresh_text(self, text: str) -> None:
        self.auto_refresh_label.setText(text)

    def _build_filter_notice(self) -> None:
        """The strip above the table that names every active filter, with a way back to all
        rows. Never hidden by a toolbar, never cut off (it wraps), so no filter goes unseen."""
        self.filter_notice = QFrame(self)
        self.filter_notice.setObjectName("filterNotice")
        self.filter_notice.setFrameShape(QFrame.Shape.StyledPanel)
        self.filter_label = QLabel(self.filter_notice)
        self.filter_label.setObjectName("filterLabel")
        self.filter_label.setWordWrap(True)
        self.filter_label.setTextFormat(Qt.TextFormat.PlainText)
        self.show_all_button = QPushButton("Show &all", self.filter_notice)
        self.show_all_button.setObjectName("showAllButton")
        self.show_all_button.setAccessibleName("Clear every filter and show all backup sets")
        self.show_all_button.setToolTip("Clear the search, the toggles and the customer choice")
        self.show_all_button.clicked.connect(self.clear_filters)
        notice_layout = QHBoxLayout(self.filter_notice)
        notice_layout.setContentsMargins(10, 4, 6, 4)
        notice_layout.addWidget(self.filter_label, 1)
        notice_layout.addWidget(self.show_all_button)
        self.filter_notice.hide()

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
            self.select_key(self._model.row_at(0).key)

    def clear_key_filter(self) -> None:
        self._key_filter_text = ""
        self._model.filter_by_keys(None)
        self._update_shown()

    def reveal_key(self, key: RowKey) -> bool:
        """Select one set, lifting filters that hide it."""
        if self._model.view_row_of_key(key) is None:
            self.clear_filters()
        return self.select_key(key)

    def select_key(self, key: RowKey) -> bool:
        row = self._model.view_row_of_key(key)
        if row is None:
            return False
        index = self._model.index(row, 0)
        self.table.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.table.scrollTo(index)
        return True

    def copy_selection(self) -> None:
        """Selected rows as tab-separated text, visible columns in view order, with a header.

        Guarded like the CSV export: a name that starts like a formula (``=HYPERLINK(…)``) gets
        a leading ``'`` so a spreadsheet shows it as text, and tabs or line breaks in a name
        become spaces so they cannot split a cell or a row. Times carry their UTC offset.
        """
        rows = self.selected_view_rows()
        if not rows:
            return
        columns = self.visible_columns()
        header = (self._model.headerData(c, Qt.Orientation.Horizontal) for c in columns)
        lines = ["\t".join(map(clipboard_cell, header))]
        for r in rows:
            lines.append("\t".join(clipboard_cell(self._model.copy_text(r, c)) for c in columns))
        QGuiApplication.clipboard().setText("\n".join(lines) + "\n")
        self.statusBar().showMessage(f"Copied {counted(len(rows), 'row')}", 3000)

    # --- persistence --------------------------------------------------------------------------
    def _restore_state(self) -> None:
        """Geometry, columns and sort as saved; anything unusable means the default (a damaged
        settings file must never stop the app or leave it unusable)."""
        geometry = read_bytes(self._settings, GEOMETRY_KEY)
        if geometry is None or not self.restoreGeometry(geometry) or not self._geometry_usable():
            self._default_geometry()
        header = self.table.horizontalHeader()
        default_header = header.saveState()
        header_state = read_bytes(self._settings, HEADER_KEY)
        if header_state is not None and not (
            header.restoreState(header_state) and _header_usable(header)
        ):
            log.warning("The saved table columns are unusable; using the default columns")
            header.restoreState(default_header)
        # Other parts add panes to the splitter after this constructor (the customer sidebar):
        # its saved state only fits once they are in, so it is applied when first shown.
        self._splitter_state = read_bytes(self._settings, SPLITTER_KEY)
        sort_column = header.sortIndicatorSection()
        if not 0 <= sort_column < len(Column):
            sort_column = Column.STATUS
        self._model.sort(sort_column, header.sortIndicatorOrder())
        self.filter_bar.bind_settings(self._settings)  # the status toggles, kept as they change

    def _geometry_usable(self) -> bool:
        """At least a usable size, and some part of the window on an existing screen."""
        frame = self.frameGeometry()
        if frame.width() < MIN_WIDTH or frame.height() < MIN_HEIGHT:
            return False
        screens = QGuiApplication.screens()
        return any(s.availableGeometry().intersects(frame) for s in screens)

    def _default_geometry(self) -> None:
        """``DEFAULT_SIZE`` centred, or maximized on a screen too small for it (1366x768 and
        smaller laptops), where a window that fills the screen is what users expect."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            self.resize(DEFAULT_SIZE)
            return
        area = screen.availableGeometry()
        size = DEFAULT_SIZE.boundedTo(area.size())
        self.resize(size)
        self.move(area.center() - QPoint(size.width() // 2, size.height() // 2))
        # The frame (title bar, borders) is not known before the window is shown: leave room.
        if size.width() + FRAME_ALLOWANCE > area.width() or (
            size.height() + FRAME_ALLOWANCE > area.height()
        ):
            self.setWindowState(Qt.WindowState.WindowMaximized)

    def save_state(self) -> None:
        self._settings.setValue(GEOMETRY_KEY, self.saveGeometry())
        self._settings.setValue(HEADER_KEY, self.table.horizontalHeader().saveState())
        if self._splitter_restored:  # never shown: keep what was saved before
            self._settings.setValue(SPLITTER_KEY, self.splitter.saveState())
        self._settings.sync()

    def _restore_splitter(self) -> None:
        state, self._splitter_state = self._splitter_state, None
        if state is not None and self.splitter.restoreState(state) and self._splitter_usable():
            return
        if state is not None:
            log.warning("The saved pane sizes are unusable; using the default sizes")
        self.splitter.setSizes(self._default_pane_sizes())

    def _default_pane_sizes(self) -> list[int]:
        """First run: the table wide enough for ``FIRST_COLUMNS`` where the window allows, the
        detail pane what is left (within ``DETAIL_WIDTH``), side panes a fifth of the window,
        at most ``SIDEBAR_WIDTH``."""
        header = self.table.horizontalHeader()
        frame = self.table.frameWidth() * 2
        scroll = self.table.verticalScrollBar().sizeHint().width()
        needed = sum(header.sectionSize(c) for c in FIRST_COLUMNS) + frame + scroll + 2
        handles = self.splitter.handleWidth() * (self.splitter.count() - 1)
        side_width = min(SIDEBAR_WIDTH, max(180, self.width() // 5))
        margins = self.centralWidget().layout().contentsMargins()  # type: ignore[union-attr]
        total = self.width() - margins.left() - margins.right() - handles
        table_index = self.splitter.indexOf(self.table)
        detail_index = self.splitter.indexOf(self.detail_pane)
        sizes = [side_width] * self.splitter.count()
        side = side_width * (self.splitter.count() - 2)
        low, high = DETAIL_WIDTH
        sizes[detail_index] = min(high, max(low, total - side - needed))
        sizes[table_index] = max(MIN_TABLE_WIDTH, total - side - sizes[detail_index])
        return sizes

    def _splitter_usable(self) -> bool:
        """Every pane that is shown has room, the table at least ``MIN_TABLE_WIDTH``."""
        sizes = self.splitter.sizes()
        if len(sizes) != self.splitter.count() or sum(sizes) <= 0:
            return False
        widgets = [self.splitter.widget(i) for i in range(self.splitter.count())]
        shown = [size for w, size in zip(widgets, sizes, strict=True) if w and not w.isHidden()]
        table = sizes[self.splitter.indexOf(self.table)]
        return all(size > 0 for size in shown) and table >= MIN_TABLE_WIDTH

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
    def _show_header_menu(self, pos: QPoint) -> None:
        menu = self.header_menu()
        menu.exec(self.table.horizontalHeader().mapToGlobal(pos))
        menu.deleteLater()

    def header_menu(self) -> QMenu:
        """The header's context menu: one check per column (built fresh for each showing)."""
        header = self.table.horizontalHeader()
        menu = QMenu(self)
        menu.setObjectName("headerMenu")
        visible = len(self.visible_columns())
        for column in Column:
            action = menu.addAction(self._model.headerData(column, Qt.Orientation.Horizontal))
            action.setCheckable(True)
            action.setChecked(not header.isSectionHidden(column))
            # Never let the last visible column be hidden: the table would become unusable.
            action.setEnabled(header.isSectionHidden(column) or visible > 1)
            action.setData(int(column))
            action.toggled.connect(
                lambda checked, c=column: header.setSectionHidden(c, not checked)
            )
        return menu

    def _on_current_changed(self, current: QModelIndex, _previous: object = None) -> None:
        row = self._model.row_at(current.row()) if current.isValid() else None
        self.detail_pane.set_row(row)

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
        filters = self.active_filters()
        self.filter_label.setText(f"{text}, filtered by: {' · '.join(filters)}")
        self.filter_notice.setVisible(bool(filters))
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

    def _current_key(self) -> RowKey | None:
        current = self.table.currentIndex()
        return self._model.row_at(current.row()).key if current.isValid() else None

    def _key_at_view_row(self, row: int) -> RowKey | None:
        if row < 0 or row >= self._model.rowCount():
            return None
        return self._model.row_at(row).key

    def _restore_selection(
        self, selected: list[RowKey], current: RowKey | None, top_key: RowKey | None
    ) -> None:
        selection_model = self.table.selectionModel()
        selection_model.clearSelection()
        flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
        for key in selected:
            row = self._model.view_row_of_key(key)
            if row is not None:
                selection_model.select(self._model.index(row, 0), flags)
        if current is not None:
            row = self._model.view_row_of_key(current)
            if row is not None:
                selection_model.setCurrentIndex(
                    self._model.index(row, 0), QItemSelectionModel.SelectionFlag.NoUpdate
                )
                self._on_current_changed(self._model.index(row, 0))
        if top_key is not None:
            row = self._model.view_row_of_key(top_key)
            if row is not None:
                # After the reset the view needs a turn of the event loop to lay out rows.
                index = self._model.index(row, 0)
                QTimer.singleShot(
                    0,
                    lambda: self.table.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtTop),
                )
