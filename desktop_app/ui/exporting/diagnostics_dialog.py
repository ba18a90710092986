"""Help > Save diagnostics…: a zip for support (see ``export.diagnostics`` for its contents).

The dialog says what goes in, offers to keep customer and computer names out (ticked by
default), asks where to save, and builds and writes the zip on a worker thread (reading the log
and the sample may take a moment), reporting back through a queued signal.

Signals:
    saved(str): the path the bundle was written to.
    failed(str): why it could not be written, in words for the user.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from desktop_app.export.atomic import ExportError, write_atomically
from desktop_app.export.diagnostics import DiagnosticsFacts, build_diagnostics

__all__ = ["ChoosePath", "DiagnosticsDialog", "ask_for_path"]

log = logging.getLogger(__name__)

ChoosePath = Callable[[QWidget, str], str | None]
"""(parent, suggested file name) -> the chosen path, or None when the user cancelled."""

CONTENTS = (
    "The zip holds what support needs to understand a problem: the app and system versions, "
    "the settings, the end of the log, the values of the last report that could not be read, "
    "and the shape of the server's last answer with its first 50 rows. It never holds your "
    "client secret or access token."
)


def ask_for_path(parent: QWidget, suggested: str) -> str | None:
    path, _ = QFileDialog.getSaveFileName(
        parent, "Save diagnostics", str(Path.home() / suggested), "Zip archives (*.zip)"
    )
    return path or None


class DiagnosticsDialog(QDialog):
    """See the module docstring. ``gather(anonymise)`` collects the facts on the GUI thread."""

    saved = Signal(str)
    failed = Signal(str)
    _done = Signal(str, str)  # path, error ("" when written)

    def __init__(
        self,
        gather: Callable[[bool], DiagnosticsFacts],
        now: Callable[[], datetime],
        choose_path: ChoosePath = ask_for_path,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("diagnosticsDialog")
        self.setWindowTitle("Save diagnostics")
        self._gather = gather
        self._now = now
        self.choose_path = choose_path  # replaceable: tests answer without a file dialog
        self._thread: threading.Thread | None = None
        layout = QVBoxLayout(self)
        contents = QLabel(CONTENTS, self)
        contents.setObjectName("diagnosticsContents")
        contents.setWordWrap(True)
        layout.addWidget(contents)
        self.anonymise = QCheckBox("Replace customer and computer names with placeholders", self)
        self.anonymise.setObjectName("anonymiseCheck")
        self.anonymise.setChecked(True)
        self.anonymise.setToolTip(
            "Names become customer-1, computer-1, … in the rows, the read problems and the "
            "log. Untick only if support needs the real names."
        )
        layout.addWidget(self.anonymise)
        self.status = QLabel(self)
        self.status.setObjectName("diagnosticsStatus")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.save_button = self.buttons.addButton("Save…", QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setObjectName("saveDiagnostics")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._done.connect(self._on_done)

    def suggested_name(self) -> str:
        return f"backup-status-diagnostics-{self._now().astimezone():%Y%m%d-%H%M}.zip"

    def save(self) -> None:
        """Ask where, then build and write the zip on a worker thread."""
        if self._thread is not None:
            return
        path = self.choose_path(self, self.suggested_name())
        if not path:
            return
        if not path.lower().endswith(".zip"):
            path += ".zip"
        facts = self._gather(self.anonymise.isChecked())
        self.save_button.setEnabled(False)
        self.status.setText("Saving…")
        self._thread = threading.Thread(
            target=self._write, args=(path, facts), name="diagnostics", daemon=True
        )
        self._thread.start()

    def _write(self, path: str, facts: DiagnosticsFacts) -> None:
        try:
            data = build_diagnostics(facts)
            write_atomically(path, lambda handle: handle.write(data))
        except ExportError as exc:
            self._done.emit(path, exc.message)
            return
        except Exception as exc:  # never a traceback for the user; it goes to the log
            log.exception("Could not build the diagnostics")
            self._done.emit(path, f"The diagnostics could not be built ({type(exc).__name__}).")
            return
        self._done.emit(path, "")

    def _on_done(self, path: str, error: str) -> None:
        self._thread = None
        self.save_button.setEnabled(True)
        if error:
            self.status.setText(error)
            self.failed.emit(error)
            return
        self.status.setText(f"Saved to {path}")
        self.saved.emit(path)
        self.accept()
