"""About: the version (from package metadata, so a frozen build tells the truth), the Qt and
Python versions, and where the log and data live (what support asks for first)."""

from __future__ import annotations

import importlib.metadata
import platform
import sys
from dataclasses import dataclass
from pathlib import Path

import lxml.etree
import PySide6
import requests
from PySide6.QtCore import QDir, Qt, QUrl, qVersion
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app import APP_NAME, app_version
from desktop_app.ui.shell.main_window import MainWindow


def about_versions() -> dict[str, str]:
    """The versions and platform support asks about first (About, and the diagnostics zip)."""
    return {
        APP_NAME: app_version(),
        "Qt": qVersion(),
        "PySide6": PySide6.__version__,
        "Python": f"{platform.python_version()} ({sys.platform})",
        "platform": platform.platform(),
        "machine": platform.machine(),
        "lxml": ".".join(map(str, lxml.etree.LXML_VERSION)),
        "requests": requests.__version__,
        "urllib3": importlib.metadata.version("urllib3"),
    }


@dataclass(frozen=True, slots=True)
class AboutFacts:
    version: str
    qt_version: str
    pyside_version: str
    python_version: str
    log_dir: Path
    data_dir: Path
    settings_file: str

    @classmethod
    def collect(cls, log_dir: Path, data_dir: Path, settings_file: str) -> AboutFacts:
        versions = about_versions()
        return cls(
            version=versions[APP_NAME],
            qt_version=versions["Qt"],
            pyside_version=versions["PySide6"],
            python_version=versions["Python"],
            log_dir=log_dir,
            data_dir=data_dir,
            settings_file=settings_file,
        )

    def as_text(self) -> str:
        """Plain text for "Copy": what a support request should contain."""
        return "\n".join(
            [
                f"{APP_NAME} {self.version}",
                f"Qt {self.qt_version}, PySide6 {self.pyside_version}",
                f"Python {self.python_version}",
                f"Log folder: {self.log_dir}",
                f"Data folder: {self.data_dir}",
                f"Settings: {self.settings_file}",
            ]
        )


def open_folder(path: Path) -> bool:
    """Open ``path`` in the file manager (created first, so there is something to open)."""
    path.mkdir(parents=True, exist_ok=True)
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


class AboutDialog(QDialog):
    """Shows ``AboutFacts``; the folders can be opened and everything copied."""

    def __init__(self, facts: AboutFacts, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("aboutDialog")
        self.setWindowTitle(f"About {APP_NAME}")
        self.facts = facts
        layout = QVBoxLayout(self)
        title = QLabel(f"<b>{APP_NAME}</b> {facts.version}", self)
        title.setObjectName("aboutTitle")
        title.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(title)
        layout.addWidget(
            QLabel("Backup Status Report monitor for Barracuda Intronis Backup partners.", self)
        )
        form = QFormLayout()
        rows = (
            ("Version:", facts.version, "versionValue"),
            ("Qt:", f"{facts.qt_version} (PySide6 {facts.pyside_version})", "qtValue"),
            ("Python:", facts.python_version, "pythonValue"),
            ("Log folder:", QDir.toNativeSeparators(str(facts.log_dir)), "logDirValue"),
            ("Data folder:", QDir.toNativeSeparators(str(facts.data_dir)), "dataDirValue"),
            ("Settings:", QDir.toNativeSeparators(facts.settings_file), "settingsValue"),
        )
        self.values: dict[str, QLabel] = {}
        for caption, text, name in rows:
            value = QLabel(text, self)
            value.setObjectName(name)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow(caption, value)
            self.values[name] = value
        layout.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.open_log_button = QPushButton("Open &log folder", self)
        self.open_log_button.clicked.connect(lambda: open_folder(facts.log_dir))
        self.copy_button = QPushButton("&Copy", self)
        self.copy_button.clicked.connect(self._copy)
        buttons.addButton(self.open_log_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _copy(self) -> None:
        from PySide6.QtGui import QGuiApplication

        QGuiApplication.clipboard().setText(self.facts.as_text())


def attach_help_menu(window: MainWindow, log_dir: Path, data_dir: Path, settings_file: str) -> None:
    """Help > Open log folder, and Help > About with the facts of this install."""
    window.open_log_action.triggered.connect(lambda: open_folder(log_dir))

    def about() -> None:
        AboutDialog(AboutFacts.collect(log_dir, data_dir, settings_file), window).open()

    window.about_action.triggered.connect(about)
