"""Puts the problem views in the window: problem toggles, customer sidebar, acknowledging.

Why a module of its own: the composition root stays a list of calls, and the wiring between
the toggles and the sidebar (they share the table's key filter) is in one place. Both follow
the history service's ``states_changed`` (``ui.history.service``): the toggles' counts, the
sidebar's customers, the stale and acknowledged sets the table marks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtGui import QAction

from desktop_app.report.problem_states import ProblemStates
from desktop_app.report.rows import Report, RowKey, key_username
from desktop_app.ui.acknowledgements.acknowledge_dialog import (
    Ask,
    add_acknowledge_action,
    ask_with_dialog,
)
from desktop_app.ui.history.service import HistoryService
from desktop_app.ui.icons import IconProvider
from desktop_app.ui.problems.customer_sidebar import CustomerSidebar
from desktop_app.ui.problems.filter_bar import ProblemFilterBar
from desktop_app.ui.shell.main_window import MainWindow
from desktop_app.ui.table.model import ReportTableModel

__all__ = ["ProblemViews", "attach_problem_views"]


@dataclass(eq=False)
class ProblemViews:
    """The pieces (for tests and the navigator) and the slots that keep them current.

    ``ask`` asks for the acknowledgement's note (a dialog; tests answer for the user).
    """

    bar: ProblemFilterBar
    sidebar: CustomerSidebar
    acknowledge_action: QAction
    model: ReportTableModel
    history: HistoryService
    ask: Ask = ask_with_dialog
    report: Report | None = field(default=None, repr=False)

    def show_report(self, report: Report) -> None:
        """The report now on screen (fetched or restored): the customer scope follows it."""
        self.report = report
        self.apply_customer_scope(self.sidebar.selected_usernames())

    def show_states(self, states: ProblemStates) -> None:
        derived = states.derived
        self.model.set_stale_keys(derived.stale, derived.overdue)
        self.model.set_repeated_keys(derived.repeated)
        self.model.set_acknowledgements(derived.acknowledged)
        partners = self.report.partners if self.report is not None else ()
        self.sidebar.set_partners(partners, dict(states.partner_of))
        self.sidebar.set_customers(states.customers)
        self.bar.set_derived(derived)
        if self.sidebar.selected_usernames():
            self.apply_customer_scope(self.sidebar.selected_usernames())

    def apply_customer_scope(self, usernames: frozenset[str]) -> None:
        """Only these customers' sets, missing ones included (as the sidebar counts them)."""
        report = self.report
        if not usernames or report is None:
            self.bar.set_customer_scope(None)
            return
        keys: list[RowKey] = [row.key for row in report.rows if row.username in usernames]
        states = self.history.states
        if states is not None:
            keys.extend(k for k in states.derived.missing if key_username(k) in usernames)
        self.bar.set_customer_scope(keys)

    def follow_lifted_filter(self) -> None:
        """The window's "Show all" / clear_filters lift the key filter: follow it, so no toggle
        or customer stays highlighted while every row is shown."""
        if self.model.key_filter() is None and (
            self.bar.checked() or self.sidebar.selected_usernames()
        ):
            self.bar.reset()
            self.sidebar.clear_selection()


def attach_problem_views(
    window: MainWindow, model: ReportTableModel, history: HistoryService, icons: IconProvider
) -> ProblemViews:
    """Build the toggles, sidebar and "Acknowledge…" (Ctrl+K) and connect them."""
    bar = ProblemFilterBar(model, window)
    window.add_filter_widget(bar, bar.description)
    sidebar = CustomerSidebar(icons.status_icon)
    window.splitter.insertWidget(0, sidebar)
    window.splitter.setStretchFactor(0, 0)
    window.add_filter_description(sidebar.description)
    action = add_acknowledge_action(window, history, lambda *a: views.ask(*a))
    views = ProblemViews(bar, sidebar, action, model, history)
    history.states_changed.connect(views.show_states)
    history.failed.connect(lambda text: window.statusBar().showMessage(text, 10_000))
    model.counts_changed.connect(views.follow_lifted_filter)
    sidebar.customers_selected.connect(views.apply_customer_scope)
    return views
