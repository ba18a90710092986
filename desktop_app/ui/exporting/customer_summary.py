"""File > "Export customer summary…": one CSV line per customer, written off the GUI thread.

Why a worker (``ui.workers``): the success rates are a query over up to 30 days of history (it
may also wait for a refresh being recorded), and the counts are a pass over every row. The GUI
thread only takes a snapshot (references to the immutable rows and derived states) and asks
where to save. The file is written atomically (``export.atomic`` via ``write_csv``): a failure
leaves nothing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMessageBox

from desktop_app.export.atomic import ExportError
from desktop_app.export.customer_summary import write_customer_summary
from desktop_app.report.customers import summarise_customers
from desktop_app.report.derived import DerivedStates
from desktop_app.report.rows import BackupStatusRow
from desktop_app.report.summary import counted
from desktop_app.storage.history import SuccessRates
from desktop_app.storage.history_queries import history_days
from desktop_app.storage.settings import AppSettings
from desktop_app.ui.exporting.paths import proposed_path, remember_folder, with_csv_suffix
from desktop_app.ui.problems.customer_sidebar import (
    SORT_BY_PROBLEMS,
    CustomerSidebar,
    order_customers,
)
from desktop_app.ui.problems.views import ProblemViews
from desktop_app.ui.shell.main_window import MainWindow
from desktop_app.ui.workers import Job, Workers

__all__ = [
    "CustomerSummaryExporter",
    "SummarySource",
    "add_customer_summary_action",
    "attach_customer_summary_export",
    "build_summary",
]

log = logging.getLogger(__name__)
TITLE = "Export customer summary"


@dataclass(frozen=True)
class SummarySource:
    """What a summary is computed from; ``rates(now)`` runs on the worker (it reads history)."""

    rows: Sequence[BackupStatusRow]
    derived: DerivedStates | None
    rates: Callable[[datetime], Mapping[str, SuccessRates]]
    now: datetime
    order: str = SORT_BY_PROBLEMS
    history_days: Callable[[datetime], Mapping[str, float] | None] = lambda _now: None


def build_summary(
    source: SummarySource, target: Path, usernames: frozenset[str] | None, delimiter: str, bom: bool
) -> int:
    """Count, rate and write (the worker's whole job); returns the number of customers."""
    customers = summarise_customers(source.rows, source.derived)
    if usernames is not None:
        customers = [c for c in customers if c.username in usernames]
    rates = source.rates(source.now)
    days = source.history_days(source.now)
    ordered = order_customers(customers, source.order)
    return write_customer_summary(
        target, ordered, rates, history_days=days, delimiter=delimiter, bom=bom
    )


class CustomerSummaryExporter(QObject):
    """Asks where to save, computes and writes the summary on a worker, reports the outcome.

    ``options()`` are the settings in effect (the delimiter and BOM).

    Signals:
        exported(str, int): the path and the number of customers written.
        failed(str): the sentence shown to the user (nothing was written).
    """

    exported = Signal(str, int)
    failed = Signal(str)

    def __init__(
        self,
        workers: Workers,
        window: MainWindow,
        settings: QSettings,
        options: Callable[[], AppSettings],
        source: Callable[[], SummarySource | None],
        ask_path: Callable[[str], str | None] | None = None,
        show_message: Callable[[str, str], None] | None = None,
    ) -> None:
        super().__init__(window)
        self._workers = workers
        self._window = window
        self._settings = settings
        self._options = options
        self._source = source
        self._ask_path = ask_path or self._ask_path_with_dialog
        self._show_message = show_message or self._show_message_box
        self._job: Job[int] | None = None

    def busy(self) -> bool:
        return self._job is not None

    def export(self, usernames: frozenset[str] | None = None) -> bool:
        """Export every customer (``None``) or only ``usernames``; False if nothing started."""
        if self._job is not None:
            message = "A customer summary is already being written"
            self._window.statusBar().showMessage(message, 5000)
            return False
        source = self._source()
        if source is None or not source.rows:
            self._show_message(TITLE, "There is no report to summarise yet.")
            return False
        path = self._ask_path(proposed_path(self._settings, "customer-summary"))
        if not path:
            return False
        target = with_csv_suffix(path)
        remember_folder(self._settings, target)
        options = self._options()
        delimiter, bom = options.csv_delimiter, options.csv_bom
        self._window.statusBar().showMessage("Writing the customer summary…", 0)
        self._job = self._workers.submit(
            lambda _token: build_summary(source, target, usernames, delimiter, bom),
            lambda written: self._done(target, written),
            self._failed,
            name="customer-summary",
        )
        return True

    def wait(self, timeout: float = 5.0) -> bool:
        """Until the summary is written and its answer taken (tests); True when done."""
        deadline = time.monotonic() + timeout
        while self._job is not None and time.monotonic() < deadline:
            self._workers.wait_idle(deadline - time.monotonic())
        return self._job is None

    def _done(self, target: Path, written: int) -> None:
        self._job = None
        self._window.statusBar().showMessage(
            f"Exported {counted(written, 'customer')} to {target}", 8000
        )
        self.exported.emit(str(target), written)

    def _failed(self, error: BaseException) -> None:
        self._job = None
        if isinstance(error, ExportError):
            message = error.message
        else:
            log.error("Unexpected error while writing the customer summary", exc_info=error)
            message = "The summary failed unexpectedly; details are in the log file."
        self._window.statusBar().showMessage("The customer summary was not written", 8000)
        self._show_message("Export failed", message)
        self.failed.emit(message)

    def _ask_path_with_dialog(self, proposed: str) -> str | None:
        path, _ = QFileDialog.getSaveFileName(
            self._window, TITLE, proposed, "CSV files (*.csv);;All files (*)"
        )
        return path or None

    def _show_message_box(self, title: str, message: str) -> None:
        QMessageBox.warning(self._window, title, message)


def add_customer_summary_action(
    window: MainWindow, exporter: CustomerSummaryExporter, sidebar: CustomerSidebar
) -> QAction:
    """File > "Export customer summary…" (Alt+F, U) after the report exports; the sidebar's
    context menu exports the selected customers."""
    action = QAction("Export c&ustomer summary…", window)
    action.setObjectName("exportCustomerSummary")
    action.setStatusTip("Per customer: sets, failures, warnings, stale, success rates (CSV)")
    action.triggered.connect(lambda: exporter.export(None))
    window.add_export_action(action)
    sidebar.export_requested.connect(exporter.export)
    sidebar.export_all_requested.connect(lambda: exporter.export(None))
    return action


def attach_customer_summary_export(
    workers: Workers,
    window: MainWindow,
    settings: QSettings,
    options: Callable[[], AppSettings],
    views: ProblemViews,
    now: Callable[[], datetime],
) -> CustomerSummaryExporter:
    """The exporter fed from the shown report, its problem states and the history database."""
    history = views.history

    def source() -> SummarySource | None:
        report = views.report
        if report is None:
            return None
        states = history.states
        derived = states.derived if states is not None else None
        order = views.sidebar.sort_mode()
        store = history.store
        if store is None:
            return SummarySource(report.rows, derived, _no_rates, now(), order)
        database = store.database
        return SummarySource(
            report.rows,
            derived,
            store.success_rates,
            now(),
            order,
            lambda at: history_days(database, at),
        )

    exporter = CustomerSummaryExporter(workers, window, settings, options, source)
    add_customer_summary_action(window, exporter, views.sidebar)
    return exporter


def _no_rates(_now: datetime) -> Mapping[str, SuccessRates]:
    return {}
