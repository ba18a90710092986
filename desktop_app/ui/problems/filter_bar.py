"""Toggles that show only stale (or overdue), missing, repeatedly failing or needs-attention
sets, with their counts.

Why the bar also holds a customer scope: the table has one key filter, and the customer
sidebar and these toggles both restrict by key, so the bar applies their intersection.
Checked toggles combine as a union ("stale / overdue or missing"). Overdue sets (stale by their
own rhythm, see ``report.derived``) are stale sets: one toggle counts and shows both. Missing
sets are not rows of the current report, so the "Missing" toggle alone shows an empty table;
their count still matters.
The checked toggles are remembered across restarts (``bind_settings``); remembered toggles are
checked once the first counts arrive, so the table is never emptied by a filter whose sets are
not known yet (or never will be, when history is unavailable).
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QHBoxLayout, QToolButton, QWidget

from desktop_app.report.derived import MISSING, REPEATED, STALE, DerivedStates
from desktop_app.report.rows import RowKey
from desktop_app.ui.remembered_choices import read_choice, write_choice
from desktop_app.ui.table.model import ReportTableModel

__all__ = ["NEEDS_ATTENTION", "SETTINGS_KEY", "ProblemFilterBar"]

NEEDS_ATTENTION = "NEEDS_ATTENTION"
SETTINGS_KEY = "filters/problems"
_LABELS = {
    STALE: "Stale / overdue",
    MISSING: "Missing",
    REPEATED: "Repeated failure",
    NEEDS_ATTENTION: "Needs attention",
}
_NAMES = {
    STALE: "Stale",
    MISSING: "Missing",
    REPEATED: "Repeated",
    NEEDS_ATTENTION: "NeedsAttention",
}
_TIPS = {
    STALE: "Show sets with no backup activity for longer than the stale threshold, or overdue"
    " by their own rhythm (learned from their runs, or set by you)",
    MISSING: "Sets that were in an earlier report and are not in this one",
    REPEATED: "Show sets that have failed again and again (the escalation setting)",
    NEEDS_ATTENTION: "Show failing, stale or missing sets nobody has acknowledged",
}


class ProblemFilterBar(QWidget):
    """Four checkable toggles over ``model``'s key filter (see module docstring)."""

    def __init__(self, model: ReportTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("problemFilterBar")
        self._model = model
        self._derived: DerivedStates | None = None
        self._scope: frozenset[RowKey] | None = None
        self._settings: QSettings | None = None
        self._pending: frozenset[str] | None = None  # remembered, waiting for the first counts
        self.buttons: dict[str, QToolButton] = {}
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        for state in _LABELS:
            button = QToolButton(self)
            button.setObjectName(f"problem{_NAMES[state]}")
            button.setCheckable(True)
            button.setToolTip(_TIPS[state])
            button.toggled.connect(self._on_toggled)
            self.buttons[state] = button
            layout.addWidget(button)
        self._update_texts()

    def bind_settings(self, settings: QSettings) -> None:
        """Check the toggles remembered in ``settings`` (with the first counts, see module
        docstring) and remember every change from now on."""
        remembered = read_choice(settings, SETTINGS_KEY, self.buttons)
        self._settings = settings
        if self._derived is not None:
            self._set_checked(remembered)
            self.apply()
        elif remembered:
            self._pending = remembered

    def _set_checked(self, states: frozenset[str]) -> None:
        for state, button in self.buttons.items():
            button.blockSignals(True)
            button.setChecked(state in states)
            button.blockSignals(False)

    def _on_toggled(self, _on: bool) -> None:
        self._pending = None  # the user chose: a remembered choice no longer applies
        self.apply()

    def set_derived(self, derived: DerivedStates) -> None:
        """New counts; re-applies the filter when a toggle is on (the sets changed)."""
        self._derived = derived
        self._update_texts()
        if self._pending is not None:
            self._set_checked(self._pending)
            self._pending = None
        self.apply()

    def set_customer_scope(self, keys: Iterable[RowKey] | None) -> None:
        """Restrict to these sets as well (the sidebar's customers); ``None``: every set."""
        self._scope = None if keys is None else frozenset(keys)
        self.apply()

    def description(self) -> str:
        """The checked toggles in words ("stale or missing"), "" when none is checked."""
        return " or ".join(_LABELS[s].lower() for s in _LABELS if s in self.checked())

    def checked(self) -> frozenset[str]:
        return frozenset(s for s, b in self.buttons.items() if b.isChecked())

    def selected_keys(self) -> frozenset[RowKey] | None:
        """The union of the checked categories' keys; ``None`` when no toggle is checked."""
        checked = self.checked()
        if not checked:
            return None
        derived = self._derived
        if derived is None:
            return frozenset()
        keys: set[RowKey] = set()
        if STALE in checked:
            keys |= derived.stale
        if MISSING in checked:
            keys |= derived.missing
        if REPEATED in checked:
            keys |= derived.repeated
        if NEEDS_ATTENTION in checked:
            keys |= derived.needs_attention
        return frozenset(keys)

    def reset(self) -> None:
        self.set_checked(frozenset())

    def set_checked(self, states: frozenset[str]) -> None:
        """Check exactly these toggles (e.g. the tray's "Show all failures that need attention"
        adds Needs attention to the Failure status)."""
        self._pending = None
        self._set_checked(states)
        self.apply()

    def apply(self) -> None:
        if self._settings is not None and self._pending is None:  # every change passes here
            write_choice(self._settings, SETTINGS_KEY, self.checked())
        keys = self.selected_keys()
        if self._scope is not None:
            keys = self._scope if keys is None else keys & self._scope
        self._model.filter_by_keys(keys)

    def _update_texts(self) -> None:
        counts = self._derived.counts() if self._derived is not None else {}
        for state, button in self.buttons.items():
            label = _LABELS[state]
            n = counts.get(state)
            button.setText(label if n is None else f"{label} {n:,}")
            button.setAccessibleName(
                f"Show only {label.lower()} sets"
                + ("" if n is None else f", {n} {'set' if n == 1 else 'sets'}")
            )
