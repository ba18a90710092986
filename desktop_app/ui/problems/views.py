"""Puts the history features in the window: problem toggles, customer sidebar, acknowledging.

Why a module of its own: the composition root stays a list of calls, and the wiring between
the attention controller, the toggles and the sidebar (they share the table's key filter) is
in one place. The controller exists from the start and derives from the report alone until the
history database is open (``HistoryRecorder.ready``), and for good when history is off; then it
also knows the missing sets and acknowledgements. With history, a report's states follow its
recording (``recorded``, or ``record_failed``: the states must not wait for a disk with room).

Missing sets become rows of the table (their last known rows, via ``MissingRowsLoader``) so the
Missing and Needs attention toggles, and a customer's scope, show them; the stale keys go to the
model for the export's "Stale or missing" column.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QSplitter

from desktop_app.report.derived import STALE, StaleRule
from desktop_app.report.rows import Report, RowKey, key_username
from desktop_app.storage.acknowledgements import AcknowledgementStore
from desktop_app.storage.history import HistoryStore
from desktop_app.ui.acknowledgements.acknowledge_dialog import (
    Ask,
    add_acknowledge_action,
    ask_with_dialog,
)
from desktop_app.ui.history.attention import AttentionController
from desktop_app.ui.history.missing_rows import MissingRowsLoader
from desktop_app.ui.history.recorder import HistoryRecorder
from desktop_app.ui.icons import IconProvider
from desktop_app.ui.problems.customer_sidebar import CustomerSidebar
from desktop_app.ui.problems.filter_bar import ProblemFilterBar
from desktop_app.ui.refresh.controller import RefreshController
from desktop_app.ui.shell.main_window import MainWindow
from desktop_app.ui.table.model import ReportTableModel

__all__ = ["ProblemViews", "attach_problem_views"]


@dataclass
class ProblemViews:
    """The pieces, for tests and for later wiring; ``controller`` is set once history opens."""

    bar: ProblemFilterBar
    sidebar: CustomerSidebar
    rule: StaleRule
    controller: AttentionController
    acknowledge_action: QAction
    model: ReportTableModel
    ask: Ask = ask_with_dialog
    missing_loader: MissingRowsLoader | None = None
    report: Report | None = field(default=None, repr=False)

    def set_rule(self, rule: StaleRule) -> None:
        self.rule = rule
        self.model.set_stale_rule(rule)
        self.controller.set_rule(rule)

    def close(self) -> None:
        self.controller.close()
        if self.missing_loader is not None:
            self.missing_loader.close()


def attach_problem_views(
    window: MainWindow,
    splitter: QSplitter,
    model: ReportTableModel,
    recorder: HistoryRecorder,
    refresh: RefreshController,
    icons: IconProvider,
    rule: StaleRule,
    now: Callable[[], datetime],
    on_acknowledged: Callable[[], None],
) -> ProblemViews:
    """Build the toggles and sidebar and connect them (see module docstring)."""
    bar = ProblemFilterBar(model, window)
    window.add_filter_widget(bar, bar.description)
    sidebar = CustomerSidebar(icons.status_icon)
    splitter.insertWidget(0, sidebar)
    splitter.setStretchFactor(0, 0)
    window.add_filter_description(sidebar.description)
    # States are judged at the table's clock reading (the one its Age column counts from), the
    # reading the fetch worker judged the new rows' stale sets at: one judgement, no re-sort.
    controller = AttentionController(None, None, rule, model.now, parent=window)
    model.set_stale_rule(rule)
    action = add_acknowledge_action(
        window, controller, window.selected_rows, lambda *a: views.ask(*a)
    )
    views = ProblemViews(bar, sidebar, rule, controller, action, model)

    def customer_scope(usernames: frozenset[str]) -> None:
        report = views.report
        if not usernames or report is None:
            bar.set_customer_scope(None)
            return
        keys = [row.key for row in report.rows if row.username in usernames]
        derived = controller.derived
        if derived is not None:  # a customer's missing sets are its sets too (as in the sidebar)
            keys.extend(k for k in derived.missing if key_username(k) in usernames)
        bar.set_customer_scope(keys)

    def on_report(report: object) -> None:
        if not isinstance(report, Report):
            return
        views.report = report
        controller.set_report(report)
        # With history, a fetched report's states follow its recording (module docstring); a
        # restored one is never recorded again, so its states are derived now.
        if not controller.has_history or report is refresh.restored:
            controller.recompute()
        customer_scope(sidebar.selected_usernames())

    def on_changed(derived: object) -> None:
        states = controller.derived
        assert states is not None
        rule = views.rule
        model.set_stale_keys(states.stale)
        model.set_acknowledgements(states.acknowledged)

        def stale_after(key: RowKey) -> timedelta | None:
            if states.problems.get(key) != STALE:
                return None
            return rule.threshold_for(key_username(key))

        window.detail_pane.set_stale_provider(stale_after)
        if views.missing_loader is not None:
            views.missing_loader.show(states.missing)
        sidebar.set_customers(controller.customers)
        bar.set_derived(states)
        if sidebar.selected_usernames():
            customer_scope(sidebar.selected_usernames())

    def on_ready(store: HistoryStore) -> None:
        if controller.has_history:
            return
        controller.attach_history(store, AcknowledgementStore(store.database, clock=now))
        views.missing_loader = MissingRowsLoader(store, model, parent=window)
        recorder.recorded.connect(controller.recompute)
        recorder.record_failed.connect(controller.recompute)
        controller.recompute()

    def on_filter_lifted() -> None:
        # The window's "Show all" / clear_filters lift the key filter: follow it, so no toggle
        # or customer stays highlighted while every row is shown.
        if model.key_filter() is None and (bar.checked() or sidebar.selected_usernames()):
            bar.reset()
            sidebar.clear_selection()

    controller.changed.connect(on_changed)
    controller.acknowledged.connect(lambda _ack: on_acknowledged())
    controller.failed.connect(lambda text: window.statusBar().showMessage(text, 10_000))
    refresh.report_shown.connect(on_report)  # fetched, or restored from the history
    model.counts_changed.connect(on_filter_lifted)
    sidebar.customers_selected.connect(customer_scope)
    recorder.ready.connect(on_ready)
    if recorder.store is not None:  # opened before we connected: its queued ``ready`` missed us
        on_ready(recorder.store)
    return views
