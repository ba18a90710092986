"""Help > Save diagnostics…: a zip for support (see ``export.diagnostics`` for its contents).

The dialog says what goes in, offers to keep customer and computer names out (ticked by
default), asks where to save, and builds and writes the zip on a worker (``ui.workers``:
reading the log and the sample may take a moment).

Signals:
    saved(str): the path the bundle was written to.
    failed(str): why it could not be written, in words for the user.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QMainWindow,
    QVBoxLayout,
    QWidget,
)

from desktop_app.export.atomic import ExportError, write_atomically
from desktop_app.export.diagnostics import DiagnosticsFacts, build_diagnostics
from desktop_app.report.rows import Report
from desktop_app.storage.account import ACCOUNT_KEYS
from desktop_app.storage.settings import AppSettings
from desktop_app.storage.sign_ins import KEY_OTHERS
from desktop_app.ui.shell.about_dialog import about_versions
from desktop_app.ui.workers import Job, Token, Workers

__all__ = [
    "ChoosePath",
    "DiagnosticsDialog",
    "DiagnosticsFactsSource",
    "ask_for_path",
    "open_diagnostics",
]

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

    def __init__(
        self,
        workers: Workers,
        gather: Callable[[bool], DiagnosticsFacts],
        now: Callable[[], datetime],
        choose_path: ChoosePath = ask_for_path,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("diagnosticsDialog")
        self.setWindowTitle("Save diagnostics")
        self._workers = workers
        self._gather = gather
        self._now = now
        self.choose_path = choose_path  # replaceable: tests answer without a file dialog
        self._job: Job[None] | None = None
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

    def suggested_name(self) -> str:
        return f"backup-status-diagnostics-{self._now().astimezone():%Y%m%d-%H%M}.zip"

    def save(self) -> None:
        """Ask where, then build and write the zip on a worker."""
        if self._job is not None:
            return
        path = self.choose_path(self, self.suggested_name())
        if not path:
            return
        if not path.lower().endswith(".zip"):
            path += ".zip"
        facts = self._gather(self.anonymise.isChecked())
        self.save_button.setEnabled(False)
        self.status.setText("Saving…")

        def write(_token: Token) -> None:
            data = build_diagnostics(facts)
            write_atomically(path, lambda handle: handle.write(data))

        self._job = self._workers.submit(
            write, lambda _none: self._saved(path), self._failed, name="diagnostics"
        )

    def _saved(self, path: str) -> None:
        self._job = None
        self.save_button.setEnabled(True)
        self.status.setText(f"Saved to {path}")
        self.saved.emit(path)
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self._job = None
        self.save_button.setEnabled(True)
        if isinstance(error, ExportError):
            text = error.message
        else:  # never a traceback for the user; it goes to the log
            log.error("Could not build the diagnostics", exc_info=error)
            text = f"The diagnostics could not be built ({type(error).__name__})."
        self.status.setText(text)
        self.failed.emit(text)


class DiagnosticsFactsSource:
    """Collects what a bundle holds, at the moment the admin saves it: the settings in effect
    (``settings()``), the account's record (no secret is ever in ``stored``), the log and the
    report on screen. Secrets are masked by ``redact``: the log's redactor, which knows every
    secret the app was given."""

    def __init__(
        self,
        settings: Callable[[], AppSettings],
        stored: QSettings,
        report: Callable[[], Report | None],
        *,
        demo: bool,
        log_path: Path | None,
        redact: Callable[[str], str],
    ) -> None:
        self._settings = settings
        self._stored = stored
        self._report = report
        self._demo = demo
        self._log_path = log_path
        self._redact = redact

    def __call__(self, anonymise: bool) -> DiagnosticsFacts:
        settings: dict[str, object] = dict(dataclasses.asdict(self._settings()))
        for key in (*ACCOUNT_KEYS, KEY_OTHERS):  # the other sign-ins too: never a secret
            value = self._stored.value(key)
            if value is not None:
                settings[key] = str(value)
        settings["demo"] = self._demo
        return DiagnosticsFacts(
            versions=about_versions(),
            settings=settings,
            log_path=self._log_path,
            report=self._report(),
            redact=self._redact,
            anonymise=anonymise,
        )


def open_diagnostics(
    workers: Workers,
    facts: Callable[[bool], DiagnosticsFacts],
    now: Callable[[], datetime],
    window: QMainWindow,
) -> DiagnosticsDialog:
    """Help > Save diagnostics…: the dialog, and a word in the status bar once it is saved."""
    dialog = DiagnosticsDialog(workers, facts, now, parent=window)
    dialog.saved.connect(
        lambda path: window.statusBar().showMessage(f"Diagnostics saved to {path}", 15_000)
    )
    dialog.open()
    return dialog
