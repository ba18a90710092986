"""File > "Export customer summary…": one CSV line per customer, written off the GUI thread.

Why a worker: the success rates are a query over up to 30 days of history (it may also wait for
a refresh being recorded), and the counts are a pass over every row. The GUI thread only takes
a snapshot (references to the immutable rows and derived states) and asks where to save. The
file is written atomically (``export.atomic`` via ``write_csv``): a failure leaves nothing.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMenu, QMessageBox

from desktop_app.export.atomic import ExportError
from desktop_app.export.customer_summary import write_customer_summary
from desktop_app.report.customers import summarise_customers
from desktop_app.report.derived import DerivedStates
from desktop_app.report.rows import BackupStatusRow
from desktop_app.storage.history import SuccessRates
from desktop_app.storage.history_queries import history_days
from desktop_app.ui.exporting.paths import (
    csv_options,
    proposed_path,
    remember_folder,
    with_csv_suffix,
)
from desktop_app.ui.history.recorder import HistoryRecorder
from desktop_app.ui.problems.customer_sidebar import (
    SORT_BY_PROBLEMS,
    CustomerSidebar,
    order_customers,
)
from desktop_app.ui.problems.views import ProblemViews

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

    Signals:
        exported(str, int): the path and the number of customers written.
        failed(str): the sentence shown to the user (nothing was written).
    """

    exported = Signal(str, int)
    failed = Signal(str)
    _done = Signal(object, int, str)  # path, customers written, error ("" on success)

    def __init__(
        self,
        window: QMainWindow,
        settings: QSettings,
        source: Callable[[], SummarySource | None],
        ask_path: Callable[[str], str | None] | None = None,
        show_message: Callable[[str, str], None] | None = None,
    ) -> None:
        super().__init__(window)
        self._window = window
        self._settings = settings
        self._source = source
        self._ask_path = ask_path or self._ask_path_with_dialog
        self._show_message = show_message or self._show_message_box
        self._thread: threading.Thread | None = None
        self._closed = False
        self._done.connect(self._on_done)

    def busy(self) -> bool:
        return self._thread is not None

    def export(self, usernames: frozenset[str] | None = None) -> bool:
        """Export every customer (``None``) or only ``usernames``; False if nothing started."""
        if self._thread is not None:
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
        delimiter, bom = csv_options(self._settings)
        job = (source, target, usernames, delimiter, bom)
        self._thread = threading.Thread(
            target=self._run, args=job, name="customer-summary", daemon=True
        )
        self._window.statusBar().showMessage("Writing the customer summary…", 0)
        self._thread.start()
        return True

    def wait(self, timeout: float | None = None) -> bool:
        """Join the worker (tests, shutdown); True when none is running."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True

    def close(self) -> None:
        self._closed = True

    def _run(
        self,
        source: SummarySource,
        target: Path,
        usernames: frozenset[str] | None,
        delimiter: str,
        bom: bool,
    ) -> None:
        try:
            written = build_summary(source, target, usernames, delimiter, bom)
        except ExportError as exc:
            self._emit(target, 0, exc.message)
        except Exception:
            log.exception("Unexpected error while writing the customer summary")
            self._emit(target, 0, "The summary failed unexpectedly; details are in the log file.")
        else:
            self._emit(target, written, "")

    def _emit(self, target: Path, written: int, error: str) -> None:
        if self._closed:
            return
        with contextlib.suppress(RuntimeError):  # the window is gone: the app is quitting
            self._done.emit(target, written, error)

    def _on_done(self, target: Path, written: int, error: str) -> None:
        self._thread = None
        if error:
            self._window.statusBar().showMessage("The customer summary was not written", 8000)
            self._show_message("Export failed", error)
            self.failed.emit(error)
            return
        customers = "1 customer" if written == 1 else f"{written:,} customers"
        self._window.statusBar().showMessage(f"Exported {customers} to {target}", 8000)
        self.exported.emit(str(target), written)

    def _ask_path_with_dialog(self, proposed: str) -> str | None:
        path, _ = QFileDialog.getSaveFileName(
            self._window, TITLE, proposed, "CSV files (*.csv);;All files (*)"
        )
        return path or None

    def _show_message_box(self, title: str, message: str) -> None:
        QMessageBox.warning(self._window, title, message)


def add_customer_summary_action(
    window: QMainWindow,
    exporter: CustomerSummaryExporter,
    sidebar: CustomerSidebar | None = None,
) -> QAction:
    """File > "Export customer summary…" (Alt+F, U) after the report exports; the sidebar's
    context menu exports the selected customers."""
    action = QAction("Export c&ustomer summary…", window)
    action.setObjectName("exportCustomerSummary")
    action.setStatusTip("Per customer: sets, failures, warnings, stale, success rates (CSV)")
    action.triggered.connect(lambda: exporter.export(None))
    menu = getattr(window, "file_menu", None)  # a MainWindow has one; tests may pass others
    if menu is not None:
        _insert_after_exports(menu, action)
    else:
        window.addAction(action)
    if sidebar is not None:
        sidebar.export_requested.connect(exporter.export)
    return action


def _insert_after_exports(menu: QMenu, action: QAction) -> None:
    """Right after the last "Export…" entry, so the exports stay together."""
    actions = menu.actions()
    exports = [i for i, a in enumerate(actions) if "export" in a.text().replace("&", "").lower()]
    if not exports or exports[-1] + 1 >= len(actions):
        menu.addAction(action)
        return
    menu.insertAction(actions[exports[-1] + 1], action)


def attach_customer_summary_export(
    window: QMainWindow,
    settings: QSettings,
    views: ProblemViews,
    recorder: HistoryRecorder,
    now: Callable[[], datetime],
) -> CustomerSummaryExporter:
    """The exporter fed from the shown report, its derived states and the history database."""

    def source() -> SummarySource | None:
        report = views.report
        if report is None:
            return None
        controller = views.controller
        derived = controller.derived if controller is not None else None
        store = recorder.store
        if store is None:
            return SummarySource(report.rows, derived, _no_rates, now(), views.sidebar.sort_mode())
        database = store.database
        return SummarySource(
            report.rows,
            derived,
            store.success_rates,
            now(),
            views.sidebar.sort_mode(),
            lambda at: history_days(database, at),
        )

    exporter = CustomerSummaryExporter(window, settings, source)
    add_customer_summary_action(window, exporter, views.sidebar)
    return exporter


def _no_rates(_now: datetime) -> Mapping[str, SuccessRates]:
    return {}
