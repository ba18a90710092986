"""Loads the settings at start, opens the dialog, saves and announces accepted changes."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import MutableMapping

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from desktop_app.storage.autostart import Autostart, StartAtLoginRefused
from desktop_app.storage.settings import AppSettings, load_settings, save_settings
from desktop_app.ui.settings.dialog import SettingsDialog

__all__ = ["SettingsController"]

log = logging.getLogger(__name__)


class SettingsController(QObject):
    """Loads the settings at start, opens the dialog, saves and announces accepted changes.

    Start at login is applied here (through the injected ``Autostart``) because the OS entry,
    not the stored flag, is the truth: the dialog shows whether the entry exists.

    Signals:
        changed(AppSettings): the new ``AppSettings`` after the dialog was accepted.
    """

    changed = Signal(AppSettings)

    def __init__(
        self,
        store: MutableMapping[str, object],
        window: QWidget,
        settings: AppSettings | None = None,
        *,
        autostart: Autostart | None = None,
        parent: QObject | None = None,
    ) -> None:
        """``settings`` as already read from ``store`` (else they are read here)."""
        super().__init__(parent)
        self._store = store
        self._window = window
        self._autostart = autostart
        self.settings = settings if settings is not None else load_settings(store)
        self.dialog: SettingsDialog | None = None

    def current(self) -> AppSettings:
        """The settings in effect (what each export, ticket and diagnostics bundle reads)."""
        return self.settings

    def open_dialog(self) -> SettingsDialog:
        if self.dialog is not None:
            self.dialog.raise_()
            return self.dialog
        current = self.settings
        if self._autostart is not None:
            try:
                current = dataclasses.replace(current, start_at_login=self._autostart.is_enabled())
            except OSError as exc:
                log.warning("Could not read the start-at-login entry: %s", exc)
        dialog = SettingsDialog(
            current, self._window, start_at_login_available=self._autostart is not None
        )
        dialog.accepted.connect(lambda: self.apply(dialog.result_value))
        dialog.finished.connect(self._forget_dialog)
        self.dialog = dialog
        dialog.open()
        return dialog

    def apply(self, settings: AppSettings | None) -> None:
        """Save ``settings``, set start at login, and emit ``changed``."""
        if settings is None:
            return
        save_settings(settings, self._store)
        if self._autostart is not None:
            try:
                if settings.start_at_login:
                    self._autostart.enable()
                else:
                    self._autostart.disable()
            except OSError as exc:
                log.warning("Could not change start at login: %s", exc)
                self._show_autostart_problem(exc)
        self.settings = settings
        self.changed.emit(settings)

    def _show_autostart_problem(self, exc: OSError) -> None:
        """Said, not only logged: the user asked for it and it did not happen (non-modal)."""
        text = (
            str(exc)
            if isinstance(exc, StartAtLoginRefused)
            else (f"Could not change start at login: {exc.strerror or exc}.")
        )
        box = QMessageBox(QMessageBox.Icon.Warning, "Start at login", text, parent=self._window)
        box.setObjectName("startAtLoginProblem")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def _forget_dialog(self, _result: int) -> None:
        dialog, self.dialog = self.dialog, None
        if dialog is not None:
            dialog.deleteLater()
