"""CSV export of exactly what the view shows, written off the GUI thread with progress.

The writing runs on the app's ``Workers`` (``ui.workers``) and reports its progress through
them; a cancel from the progress dialog stops the writer between rows.

The rows and columns are snapshotted on the GUI thread (cheap: references to immutable rows),
then the shared Qt-free writer streams them to a temporary file that replaces the target only
when complete, so a failed or cancelled export never leaves a half-written file.

After the visible columns come the numbers and facts a spreadsheet wants (``EXTRA_EXPORT_TITLES``:
computer ID, the status as reported, the last successful backup from the history, the duration
in seconds and the age in hours), the acknowledgement when its column is hidden, and last
"Stale or missing": "Stale", "Missing" or empty per row (those rows' Status cells read the same
word, as on screen).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Qt, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QProgressDialog

from desktop_app.export.csv_writer import ExportCancelled, ExportError, write_csv
from desktop_app.report.derived import MISSING, OVERDUE, STALE
from desktop_app.report.rows import RowKey, row_key
from desktop_app.report.status import ConditionStatus
from desktop_app.storage.settings import AppSettings
from desktop_app.ui.exporting.paths import proposed_path, remember_folder, with_csv_suffix
from desktop_app.ui.shell.main_window import MainWindow
from desktop_app.ui.table.columns import (
    EXTRA_EXPORT_TITLES,
    FLAG_TITLE,
    Column,
    acknowledged_export,
    export_value,
    extra_export_values,
    flag_text,
)
from desktop_app.ui.table.model import ExportSnapshot, ReportTableModel
from desktop_app.ui.workers import Job, Token, Workers

log = logging.getLogger(__name__)

# Below this many rows the export is instant and a progress dialog would only flicker.
_PROGRESS_THRESHOLD = 20_000


def flagged_export_cells(
    snapshot: ExportSnapshot,
    columns: Sequence[Column],
    last_successes: Callable[[], Mapping[RowKey, datetime]],
    *,
    with_acknowledged: bool,
) -> Iterator[list[object]]:
    """Each row's cells (as :func:`columns.export_value`), the extra columns, and its flag:
    "Missing" for a missing set's row, else "Overdue" when its key is stale by its rhythm,
    "Stale" when stale by the threshold, else empty.

    ``last_successes`` runs here, on the export's worker thread (it reads the history)."""
    missing_text, stale_text = flag_text(MISSING), flag_text(STALE)
    overdue_text, overdue = flag_text(OVERDUE), snapshot.overdue
    successes = last_successes()
    now, stale, acks = snapshot.now, snapshot.stale, snapshot.acknowledged
    failure = ConditionStatus.FAILURE
    for row, is_missing in zip(snapshot.rows, snapshot.missing, strict=True):
        key = row_key(row)
        is_stale = key in stale and not is_missing
        ack = acks.get(key)
        shown_stale = is_stale and row.condition_status != failure
        is_overdue = is_stale and key in overdue
        cells = [
            export_value(
                row,
                c,
                now,
                missing=bool(is_missing),
                stale=shown_stale,
                overdue=is_overdue,
                ack=ack,
            )
            for c in columns
        ]
        cells.extend(extra_export_values(row, now, successes.get(key)))
        if with_acknowledged:
            cells.append(acknowledged_export(ack))
        if is_missing:
            cells.append(missing_text)
        else:
            cells.append(overdue_text if is_overdue else stale_text if is_stale else "")
        yield cells


class ExportController(QObject):
    """Asks where to save, snapshots the view, writes the file on a worker, reports the outcome.

    ``options()`` are the settings in effect (the delimiter and BOM).

    Signals:
        exported(str, int): the path and the number of rows written.
    """

    exported = Signal(str, int)

    def __init__(
        self,
        workers: Workers,
        window: MainWindow,
        model: ReportTableModel,
        settings: QSettings,
        options: Callable[[], AppSettings],
        ask_path: Callable[[str], str | None] | None = None,
        show_message: Callable[[str, str], None] | None = None,
        last_successes: Callable[[], Mapping[RowKey, datetime]] = dict,
    ) -> None:
        super().__init__(window)
        self._workers = workers
        self._window = window
        self._model = model
        self._settings = settings
        self._options = options
        self._ask_path = ask_path or self._ask_path_with_dialog
        self._show_message = show_message or self._show_message_box
        self._last_successes = last_successes
        self.job: Job[int] | None = None

    def proposed_path(self) -> str:
        return proposed_path(self._settings, "backup-status")

    def _ask_path_with_dialog(self, proposed: str) -> str | None:
        path, _ = QFileDialog.getSaveFileName(
            self._window, "Export CSV", proposed, "CSV files (*.csv);;All files (*)"
        )
        return path or None

    def _show_message_box(self, title: str, message: str) -> None:
        QMessageBox.warning(self._window, title, message)

    def export(self, selection_only: bool = False) -> Job[int] | None:
        """Export the rows shown (or only the selected ones), visible columns in view order."""
        if self.job is not None:
            return None  # one export at a time
        snapshot = self._model.export_snapshot(
            self._window.table.selected_view_rows() if selection_only else None
        )
        rows = snapshot.rows
        if not rows:
            self._show_message("Export CSV", "There are no rows to export.")
            return None
        path = self._ask_path(self.proposed_path())
        if not path:
            return None
        target = with_csv_suffix(path)
        remember_folder(self._settings, target)
        columns = self._window.table.visible_columns()
        # Plain titles: exported times are ISO 8601 with their offset, whatever the table shows.
        header = [c.title for c in columns]
        header.extend(EXTRA_EXPORT_TITLES)
        with_acknowledged = Column.ACKNOWLEDGED not in columns
        if with_acknowledged:
            header.append(Column.ACKNOWLEDGED.title)
        header.append(FLAG_TITLE)
        options = self._options()
        cells = flagged_export_cells(
            snapshot, columns, self._last_successes, with_acknowledged=with_acknowledged
        )
        # Not the job's own cancel: a cancelled job's answer is dropped, and this one must say
        # "cancelled" (or that it finished first).
        stop = threading.Event()
        dialog: QProgressDialog | None = None
        if len(rows) >= _PROGRESS_THRESHOLD:
            dialog = QProgressDialog(
                f"Exporting {len(rows):,} rows…", "Cancel", 0, len(rows), self._window
            )
            dialog.setWindowTitle("Export CSV")
            dialog.setWindowModality(Qt.WindowModality.WindowModal)
            dialog.setMinimumDuration(300)
            dialog.canceled.connect(stop.set)

        def write(token: Token) -> int:
            return write_csv(
                target,
                header,
                cells,
                delimiter=options.csv_delimiter,
                bom=options.csv_bom,
                progress=token.progress,
                cancelled=stop.is_set,
            )

        self.job = self._workers.submit(
            write,
            lambda written: self._done(target, written, dialog),
            lambda error: self._failed(error, dialog),
            on_progress=dialog.setValue if dialog is not None else None,
            name="csv-export",
        )
        return self.job

    def _finish(self, dialog: QProgressDialog | None) -> None:
        self.job = None
        if dialog is not None:
            dialog.reset()
            dialog.deleteLater()

    def _done(self, target: Path, written: int, dialog: QProgressDialog | None) -> None:
        self._finish(dialog)
        self._window.statusBar().showMessage(f"Exported {written:,} rows to {target}", 8000)
        self.exported.emit(str(target), written)

    def _failed(self, error: BaseException, dialog: QProgressDialog | None) -> None:
        self._finish(dialog)
        if isinstance(error, ExportCancelled):
            self._window.statusBar().showMessage("Export cancelled; no file was written", 5000)
        elif isinstance(error, ExportError):
            self._show_message("Export failed", error.message)
        else:
            log.error("Unexpected error during CSV export", exc_info=error)
            self._show_message(
                "Export failed", "The export failed unexpectedly; details are in the log file."
            )
