"""Per-customer stale thresholds: the one place the app's ``StaleRule`` is built.

Some customers back up weekly, so 26 hours without a backup says nothing about them; others run
every hour. The default comes from the settings dialog; a customer's own threshold is set from
the customer sidebar's context menu ("Stale threshold for acme…") and kept in QSettings as one
JSON object (usernames may hold characters QSettings keys cannot). A corrupt stored value is
ignored with a warning in the log: the app always starts. Every change emits ``rule_changed``
so the problem views and the tray judge staleness the same way.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import timedelta

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import QInputDialog, QWidget

from desktop_app.report.derived import StaleRule
from desktop_app.storage.settings_fields import BOUNDS

log = logging.getLogger(__name__)

OVERRIDES_KEY = "stale/perCustomerHours"

# (parent, username, current hours or 0 for the default, default hours) -> hours, or None.
AskHours = Callable[[QWidget | None, str, int, int], int | None]


def ask_hours_with_dialog(
    parent: QWidget | None, username: str, current: int, default: int
) -> int | None:
    """A spin box in hours; 0 means "use the default" (the box shows that in words)."""
    dialog = QInputDialog(parent)
    dialog.setWindowTitle("Stale threshold")
    dialog.setLabelText(
        f"Hours without a backup before {username}'s backup sets count as stale.\n"
        f"0 uses the default ({default} h, from Settings)."
    )
    dialog.setInputMode(QInputDialog.InputMode.IntInput)
    bounds = BOUNDS["stale_hours"]
    dialog.setIntRange(0, bounds.high)
    dialog.setIntValue(current)
    dialog.setAccessibleName(f"Stale threshold for {username}")
    return dialog.intValue() if dialog.exec() == QInputDialog.DialogCode.Accepted else None


def _parse(raw: object) -> dict[str, int]:
    """Stored JSON -> {username: hours}; anything malformed is dropped (logged, not echoed)."""
    if raw in (None, ""):
        return {}
    try:
        data = json.loads(str(raw))
        if not isinstance(data, dict):
            raise ValueError("not an object")
    except ValueError:
        log.warning("Ignoring the stored per-customer stale thresholds: not valid JSON")
        return {}
    bounds = BOUNDS["stale_hours"]
    good: dict[str, int] = {}
    for user, hours in data.items():
        whole = isinstance(hours, int) and not isinstance(hours, bool)
        if whole and bounds.low <= hours <= bounds.high:
            good[str(user)] = hours
            continue
        log.warning("Ignoring an out-of-range stored stale threshold for one customer")
    return good


class StaleThresholds(QObject):
    """The default threshold plus per-customer hours; ``rule`` is the current ``StaleRule``."""

    rule_changed = Signal(StaleRule)

    def __init__(
        self,
        threshold: timedelta,
        settings: QSettings | None = None,
        ask: AskHours = ask_hours_with_dialog,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._threshold = threshold
        self._settings = settings
        self._ask = ask
        self._hours = _parse(settings.value(OVERRIDES_KEY)) if settings is not None else {}

    @property
    def rule(self) -> StaleRule:
        per_customer = {user: timedelta(hours=h) for user, h in self._hours.items()}
        return StaleRule(self._threshold, per_customer)

    def hours_for(self, username: str) -> int | None:
        """The customer's own threshold in hours, or None when the default applies."""
        return self._hours.get(username)

    def set_threshold(self, threshold: timedelta) -> None:
        """The default changed in Settings."""
        if threshold != self._threshold:
            self._threshold = threshold
            self.rule_changed.emit(self.rule)

    def set_hours(self, username: str, hours: int | None) -> None:
        """Give ``username`` its own threshold (hours), or back to the default (None or 0)."""
        if hours:
            bounds = BOUNDS["stale_hours"]
            if not bounds.low <= hours <= bounds.high:
                raise ValueError(f"Must be between {bounds.low} and {bounds.high} hours.")
        if (hours or None) == self._hours.get(username):
            return
        if hours:
            self._hours[username] = hours
        else:
            self._hours.pop(username, None)
        if self._settings is not None:
            self._settings.setValue(OVERRIDES_KEY, json.dumps(self._hours, sort_keys=True))
        self.rule_changed.emit(self.rule)

    def ask_for(self, username: str, parent: QWidget | None = None) -> None:
        """The context menu's "Stale threshold for …": ask, then apply."""
        default_hours = round(self._threshold.total_seconds() / 3600)
        hours = self._ask(parent, username, self._hours.get(username, 0), default_hours)
        if hours is not None:
            self.set_hours(username, hours)
