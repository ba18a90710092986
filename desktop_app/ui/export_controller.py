"""CSV export of exactly what the view shows, written off the GUI thread with progress.

The rows and columns are snapshotted on the GUI thread (cheap: references to immutable rows),
then the shared Qt-free writer streams them to a temporary file that replaces the target only
when complete, so a failed or cancelled export never leaves a half-written file.

After the visible columns comes one more, "Stale or missing": "Stale", "Missing" or empty per
row (a missing set's row also reads "Missing" in its Status cell, as on screen).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Qt, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QProgressDialog

from desktop_app.export.csv_writer import ExportCancelled, ExportError, write_csv
from desktop_app.report.derived import MISSING, STALE
from desktop_app.report.rows import BackupStatusRow, RowKey
from desktop_app.ui.columns import FLAG_TITLE, Column, export_value, flag_text
from desktop_app.ui.export_paths import csv_options, proposed_path, remember_folder, with_csv_suffix
from desktop_app.ui.main_window import MainWindow
from desktop_app.ui.table_model import ReportTableModel

log = logging.getLogger(__name__)

# Below this many rows the export is instant and a progress dialog would only flicker.
_PROGRESS_THRESHOLD = 20_000


class ExportJob(QObject):
    """One export on a worker thread.

    Signals:
        progress(int): rows written so far.
        finished(int): rows written; the file is in place.
        failed(str): a sentence for the user (nothing was written).
        cancelled(): stopped by the user; nothing was written.
    """

    progress = Signal(int)
    finished = Signal(int)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(
        self,
        path: Path,
        header: Sequence[str],
        cells: Iterator[Sequence[object]],
        *,
        delimiter: str,
        bom: bool,
    ) -> None:
        super().__init__()
        self._path = path
        self._header = header
        self._cells = cells
        self._delimiter = delimiter
        self._bom = bom
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="csv-export", daemon=True)
        self._thread.start()

    def cancel(self) -> None:
        self._cancel.set()

    def wait(self, timeout: float | None = None) -> bool:
        if self._thread is not None:
            self._thread.join(timeout)
            return not self._thread.is_alive()
        return True

    def _run(self) -> None:
        try:
            written = write_csv(
                self._path,
                self._header,
                self._cells,
                delimiter=self._delimiter,
                bom=self._bom,
                progress=self.progress.emit,
                cancelled=self._cancel.is_set,
            )
        except ExportCancelled:
            self.cancelled.emit()
        except ExportError as exc:
            self.failed.emit(exc.message)
        except Exception:
            log.exception("Unexpected error during CSV export")
            self.failed.emit("The export failed unexpectedly; details are in the log file.")
        else:
            self.finished.emit(written)


def export_cells(
    rows: Sequence[BackupStatusRow],
    columns: Sequence[Column],
    value: Callable[[BackupStatusRow, Column], object],
) -> Iterator[list[object]]:
    for row in rows:
        yield [value(row, c) for c in columns]


def flagged_export_cells(
    rows: Sequence[BackupStatusRow],
    missing: bytes,
    stale: frozenset[RowKey],
    columns: Sequence[Column],
    now: datetime,
) -> Iterator[list[object]]:
    """Each row's cells (as :func:`columns.export_value`) plus its flag: "Missing" where
    ``missing`` has a 1 for it, else "Stale" when its key is in ``stale``, else empty."""
    missing_text, stale_text = flag_text(MISSING), flag_text(STALE)
    for row, is_missing in zip(rows, missing, strict=True):
        cells = [export_value(row, c, now, missing=bool(is_missing)) for c in columns]
        if is_missing:
            cells.append(missing_text)
        else:
            cells.append(stale_text if (row[1], row[2], row[4]) in stale else "")
        yield cells


class ExportController(QObject):
    """Asks where to save, snapshots the view, runs the export job and reports the outcome.

    Signals:
        exported(str, int): the path and the number of rows written.
    """

    exported = Signal(str, int)

    def __init__(
        self,
        window: MainWindow,
        model: ReportTableModel,
        settings: QSettings,
        ask_path: Callable[[str], str | None] | None = None,
        show_message: Callable[[str, str], None] | None = None,
    ) -> None:
        super().__init__(window)
        self._window = window
        self._model = model
        self._settings = settings
        self._ask_path = ask_path or self._ask_path_with_dialog
        self._show_message = show_message or self._show_message_box
        self.job: ExportJob | None = None

    def proposed_path(self) -> str:
        return proposed_path(self._settings, "backup-status")

    def _ask_path_with_dialog(self, proposed: str) -> str | None:
        path, _ = QFileDialog.getSaveFileName(
            self._window, "Export CSV", proposed, "CSV files (*.csv);;All files (*)"
        )
        return path or None

    def _show_message_box(self, title: str, message: str) -> None:
        QMessageBox.warning(self._window, title, message)

    def export(self, selection_only: bool = False) -> ExportJob | None:
        """Export the rows shown (or only the selected ones), visible columns in view order."""
        if self.job is not None:
            return None  # one export at a time
        rows, missing, stale = self._model.export_snapshot(
            self._window.selected_view_rows() if selection_only else None
        )
        if not rows:
            self._show_message("Export CSV", "There are no rows to export.")
            return None
        path = self._ask_path(self.proposed_path())
        if not path:
            return None
        target = with_csv_suffix(path)
        remember_folder(self._settings, target)
        columns = self._window.visible_columns()
        # Plain titles: exported times are ISO 8601 with their offset, whatever the table shows.
        header = [c.title for c in columns]
        header.append(FLAG_TITLE)
        delimiter, bom = csv_options(self._settings)
        now = self._model.now()
        job = ExportJob(
            target,
            header,
            flagged_export_cells(rows, missing, stale, columns, now),
            delimiter=delimiter,
            bom=bom,
        )
        self.job = job
        dialog: QProgressDialog | None = None
        if len(rows) >= _PROGRESS_THRESHOLD:
            dialog = QProgressDialog(
                f"Exporting {len(rows):,} rows…", "Cancel", 0, len(rows), self._window
            )
            dialog.setWindowTitle("Export CSV")
            dialog.setWindowModality(Qt.WindowModality.WindowModal)
            dialog.setMinimumDuration(300)
            dialog.canceled.connect(job.cancel)
            job.progress.connect(dialog.setValue)
        job.finished.connect(lambda n: self._done(target, n, dialog))
        job.failed.connect(lambda message: self._failed(message, dialog))
        job.cancelled.connect(lambda: self._cancelled(dialog))
        job.start()
        return job

    def _finish(self, dialog: QProgressDialog | None) -> None:
        self.job = None
        if dialog is not None:
            dialog.reset()
            dialog.deleteLater()

    def _done(self, target: Path, written: int, dialog: QProgressDialog | None) -> None:
        self._finish(dialog)
        self._window.statusBar().showMessage(f"Exported {written:,} rows to {target}", 8000)
        self.exported.emit(str(target), written)

    def _failed(self, message: str, dialog: QProgressDialog | None) -> None:
        self._finish(dialog)
        self._show_message("Export failed", message)

    def _cancelled(self, dialog: QProgressDialog | None) -> None:
        self._finish(dialog)
        self._window.statusBar().showMessage("Export cancelled; no file was written", 5000)
