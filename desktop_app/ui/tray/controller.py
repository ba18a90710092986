"""The system tray icon: worst state at a glance, a menu, and notifications of changes only.

The tray knows nothing about the window: it emits what the user asked for and the app wires
it. It owns the "what did the admin already hear" memory (the previous report and whether a
fetch outage was announced), because that memory exists only for the notifications.

What the icon, badge, tooltip and Failures menu say comes from the one ``ProblemSummary`` the
window's toggles count from (``show_states``: the history service's ``states_changed``), so the
tray never counts differently from the window. Until a summary arrives (no report yet, signed
out) the icon is the neutral app icon: it claims nothing about backups it has not seen.

Comparing two 100,000-row reports takes about 0.4 s, so for reports of ``INLINE_BELOW`` rows or
more it happens on a latest-wins lane of ``Workers`` (paced, see ``runtime.pacing``) while the
GUI thread draws the report; an answer overtaken by a newer report is dropped (the newer one is
compared with the last report the tray took in, so no change goes unannounced). Smaller reports
are handled at once: a job would cost more than the work. The job waits ``delay`` seconds before
it starts, leaving the GIL to the GUI thread while it draws the same report.

Repeated failures are announced from the problem states (``show_states``): the sets repeated now
and not in the previous states (the first states of a session are the baseline), unless their
failure is acknowledged. During quiet hours (``ui.tray.quiet``) no toast pops up; the icon and
tooltip still follow, and one notification sums up what was held when they end.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Collection
from datetime import datetime, tzinfo

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtGui import QAction, QIcon
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from desktop_app import APP_NAME
from desktop_app.report.derived import StaleRule
from desktop_app.report.diff import (
    DEFAULT_NOTIFY_KINDS,
    ChangeKind,
    ChangeNotification,
    FetchOutageTracker,
    build_notification,
    repeated_notification,
    row_label,
    without_muted,
)
from desktop_app.report.problem_states import ProblemStates
from desktop_app.report.quiet_hours import QuietHours
from desktop_app.report.rows import Report, RowKey, row_key
from desktop_app.report.summary import ProblemSummary
from desktop_app.runtime.pacing import unpaced
from desktop_app.ui.icons import IconProvider
from desktop_app.ui.refresh.fetcher import FetchFailure
from desktop_app.ui.shell.macos import click_opens_window
from desktop_app.ui.tray.comparison import Compared, Comparison
from desktop_app.ui.tray.icon_drawing import monochrome_tray_icon
from desktop_app.ui.tray.quiet import QuietGate
from desktop_app.ui.tray.texts import elide, show_all_failures_text, summary_lines
from desktop_app.ui.workers import Workers

log = logging.getLogger(__name__)

CANNOT_FETCH = "UNKNOWN"
"""The tray state while fetching fails: the status icon of "unknown"."""
NO_DATA = "NO_DATA"
"""The tray state without a report to judge (not signed in, nothing fetched yet): the app icon."""
FAILURE_MENU_LIMIT = 8
MESSAGE_MS = 15_000
CLOSE_HINT_KEY = "tray/close_hint_shown"
INLINE_BELOW = 2000  # rows: smaller reports are compared on the GUI thread (a few ms)
_LANE = "tray-diff"


class TrayController(QObject):
    """Owns the ``QSystemTrayIcon``: icon, tooltip, menu, and change notifications.

    Signals:
        open_requested(): show the window.
        refresh_requested(): fetch now.
        pause_toggled(bool): the user paused (True) or resumed auto-refresh.
        export_requested(): export the view to CSV.
        settings_requested(): open the settings.
        quit_requested(): quit the app.
        row_chosen(tuple): a ``RowKey`` picked from the Failures menu.
        all_failures_chosen(bool): "Show all failures" in the Failures menu; True when some
            failures are acknowledged, so "all that need attention" leaves them out.
        notification_clicked(tuple): the ``RowKey`` tuple the clicked notification was about.
        notified(ChangeNotification): a notification was shown (also for the log and tests).
        report_shown(Report): the ``Report`` now compared with the previous one.
    """

    open_requested = Signal()
    refresh_requested = Signal()
    pause_toggled = Signal(bool)
    export_requested = Signal()
    settings_requested = Signal()
    quit_requested = Signal()
    row_chosen = Signal(tuple)
    all_failures_chosen = Signal(bool)
    notification_clicked = Signal(tuple)
    notified = Signal(ChangeNotification)
    report_shown = Signal(Report)

    def __init__(
        self,
        icons: IconProvider,
        *,
        now: Callable[[], datetime],
        workers: Workers | None = None,
        settings: QSettings | None = None,
        rule: StaleRule | None = None,
        notify_kinds: Collection[ChangeKind] = DEFAULT_NOTIFY_KINDS,
        monochrome: bool | None = None,
        platform: str = sys.platform,
        can_post: bool = True,
        pause: Callable[[], None] = unpaced,
        inline_below: int = INLINE_BELOW,
        delay: float = 0.0,
        local_tz: tzinfo | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._workers = workers  # None: every comparison on the GUI thread
        self._pause = pause
        self._delay = delay
        self._inline_below = inline_below
        self._icons = icons
        self._now = now
        self._settings = settings
        self._rule = rule if rule is not None else StaleRule()
        self.notify_kinds = frozenset(notify_kinds)
        self.monochrome = sys.platform == "darwin" if monochrome is None else monochrome
        self.platform = platform  # how a click behaves (see ui.shell.macos)
        self.can_post = can_post  # False: notifications go to the tooltip (see ui.shell.macos)
        self._unposted: ChangeNotification | None = None
        self._previous: Report | None = None  # what the next report is compared with
        self._previous_at: datetime | None = None
        self._summary: ProblemSummary | None = None
        self._outage = FetchOutageTracker()
        self._failure: FetchFailure | None = None
        self._last_refresh: datetime | None = None
        self._auto_text = ""
        self._message_keys: tuple[RowKey, ...] = ()
        self._mono_cache: dict[tuple[str, int], QIcon] = {}
        self._paused = False
        self._signed_out = False
        self._repeated: frozenset[RowKey] | None = None  # None: no states seen yet (baseline)
        self.quiet_gate = QuietGate(now, local_tz, parent=self)  # the admin's zone (None: system)
        self.quiet_gate.summary_ready.connect(self._post_summary)

        self.tray = QSystemTrayIcon(self)
        self.menu = QMenu()
        self._build_menu()
        self.tray.setContextMenu(self.menu)
        self.tray.activated.connect(self._on_activated)
        self.tray.messageClicked.connect(self._on_message_clicked)
        self._update_icon()
        self._update_tooltip()

    # --- construction -------------------------------------------------------------------------
    def _build_menu(self) -> None:
        menu = self.menu
        self.open_action = menu.addAction("Open")
        self.open_action.triggered.connect(self.open_requested)
        font = self.open_action.font()
        font.setBold(True)
        self.open_action.setFont(font)
        self.refresh_action = menu.addAction("Refresh now")
        self.refresh_action.triggered.connect(self.refresh_requested)
        self.pause_action = menu.addAction("Pause auto-refresh")
        self.pause_action.triggered.connect(self._on_pause_triggered)
        menu.addSeparator()
        self.failures_menu = menu.addMenu("Failures")
        self.failures_menu.setObjectName("trayFailuresMenu")
        menu.addSeparator()
        self.export_action = menu.addAction("Export CSV…")
        self.export_action.triggered.connect(self.export_requested)
        self.settings_action = menu.addAction("Settings…")
        self.settings_action.triggered.connect(self.settings_requested)
        menu.addSeparator()
        self.quit_action = menu.addAction("Quit")
        self.quit_action.triggered.connect(self.quit_requested)
        self._fill_failures_menu()

    def show(self) -> None:
        self.tray.show()

    def hide(self) -> None:
        self.tray.hide()

    def close(self) -> None:
        """Hide, and drop a comparison still running (the app is quitting)."""
        self._cancel_comparison()
        self.hide()

    def _cancel_comparison(self) -> None:
        if self._workers is not None:
            self._workers.cancel(_LANE)

    @property
    def stale_rule(self) -> StaleRule:
        return self._rule

    def set_stale_rule(self, rule: StaleRule) -> None:
        """How staleness is judged in the notifications: the rule the problem states were
        judged by (thresholds and rhythms, ``HistoryService.rule_changed``)."""
        self._rule = rule

    def set_quiet_hours(self, quiet: QuietHours) -> None:
        """When toasts wait (Settings); see ``ui.tray.quiet``."""
        self.quiet_gate.set_quiet_hours(quiet)
        self._update_tooltip()

    def set_notify_kinds(self, kinds: Collection[ChangeKind]) -> None:
        """Which changes are announced (Settings)."""
        self.notify_kinds = frozenset(kinds)

    # --- inputs -------------------------------------------------------------------------------
    def show_report(self, report: Report) -> None:
        """A new good report: icon, tooltip, Failures menu; notify what changed since the last.

        The first report of a session is the baseline: nothing is announced for it. Large
        reports are compared on a worker thread (see module docstring); ``report_shown`` and
        ``notified`` follow once that is done.
        """
        now = report.fetched_at or self._now()
        self._last_refresh = now
        self._signed_out = False
        self._failure = None
        self._outage.record_success()
        rule = self._rule
        job = Comparison(
            report,
            now,
            self._previous,
            self._previous_at,
            rule.threshold,
            rule.per_customer,
            rule.rhythms,
        )
        if self._workers is None or len(report.rows) < self._inline_below:
            self._cancel_comparison()  # an older one must not come back after this
            self._adopt(job.run(unpaced))
            return
        # Overtaken answers are dropped: the newer report is compared with the last one taken
        # in, so no change goes unannounced.
        self._workers.submit(
            lambda _token: job.run(self._pause),
            self._adopt,
            self._comparison_failed,
            lane=_LANE,
            delay=self._delay,
            name="tray-diff",
        )

    def _comparison_failed(self, error: BaseException) -> None:
        log.error("Could not compare the new report with the previous one", exc_info=error)

    def _adopt(self, outcome: Compared) -> None:
        job = outcome.job
        self._previous, self._previous_at = outcome.baseline, job.now
        note = None
        if outcome.changes is not None:
            muted = self._summary.muted if self._summary is not None else {}
            note = build_notification(without_muted(outcome.changes, muted), self.notify_kinds)
        self._update_tooltip()
        self.report_shown.emit(job.report)
        if note is not None:
            self._notify(note)

    def show_states(self, states: ProblemStates) -> None:
        """The problem states of the report on screen (the history service's); announces the
        sets that newly crossed the escalation rule (see module docstring)."""
        self.set_summary(states.summary)
        if self._signed_out or not states.with_history:
            return  # streaks come from the history: the first states with it are the baseline
        repeated, before = states.derived.repeated, self._repeated
        self._repeated = repeated
        fresh = repeated - before - states.derived.acknowledged.keys() if before is not None else ()
        if not fresh or ChangeKind.REPEATED_FAILURE not in self.notify_kinds:
            return
        # A repeated failure needs attention (not acknowledged): its row is among the summary's
        # failing rows. This runs on the GUI thread, where a pass over 100,000 rows took
        # 30-190 ms at a start (bench_gui_fetch --watchdog).
        rows = {row_key(row): row for row in states.summary.failing if row_key(row) in fresh}
        note = repeated_notification([rows[key] for key in sorted(rows, key=str)])
        if note is not None:
            self._notify(note)

    def set_summary(self, summary: ProblemSummary) -> None:
        """The counts of the report on screen (see module docstring): icon, badge, tooltip and
        Failures menu follow; acknowledged problems stay out of the alarm and notifications."""
        if self._signed_out:
            return  # a late summary of the account just signed out of
        self._summary = summary
        self._fill_failures_menu()
        self._update_icon()
        self._update_tooltip()

    def show_signed_out(self) -> None:
        """Signed out: forget the old account's report, so the icon claims nothing about it and
        the next account's first report is a fresh baseline (nothing announced for it)."""
        self._cancel_comparison()
        self._previous = self._previous_at = None
        self._summary = None
        self._failure = None
        self._last_refresh = None
        self._outage = FetchOutageTracker()
        self._repeated = None
        self._signed_out = True
        self._fill_failures_menu()
        self._update_icon()
        self._update_tooltip()

    def show_fetch_failure(self, failure: FetchFailure) -> ChangeNotification | None:
        """A failed fetch: "cannot fetch" state; announced once per outage, never per retry."""
        self._failure = failure
        announce = self._outage.record_failure()
        self._update_icon()
        self._update_tooltip()
        if not announce or ChangeKind.FETCH_FAILED not in self.notify_kinds:
            return None
        note = ChangeNotification(
            title="Cannot fetch the backup report",
            message=f"{failure.title}: {failure.message}\nShowing the last good report; "
            "retrying automatically.",
            keys=(),
            kinds=(ChangeKind.FETCH_FAILED,),
            is_problem=True,
            counts={ChangeKind.FETCH_FAILED: 1},
        )
        self._notify(note)
        return note

    def set_paused(self, paused: bool) -> None:
        """Reflect the pause state (from the window or settings) without re-emitting it."""
        self._paused = paused
        self._update_pause_text()

    def set_auto_refresh_text(self, text: str) -> None:
        self._auto_text = text
        self._update_tooltip()

    def close_hides_window(self) -> bool:
        """The window's close handler: it hides to the tray; the first time, say so once."""
        if self._settings is None or not self._settings.value(CLOSE_HINT_KEY, False, type=bool):
            self.tray.showMessage(
                APP_NAME,
                "Still running in the system tray. Use Quit in the tray menu to exit.",
                self._app_icon(),
                MESSAGE_MS,
            )
            self._message_keys = ()
            if self._settings is not None:
                self._settings.setValue(CLOSE_HINT_KEY, True)
        return True

    # --- state --------------------------------------------------------------------------------
    def worst_state(self) -> str:
        """FAILURE, MISSING, STALE, WARNING, COMPLETED (see ``ProblemSummary.worst``); UNKNOWN
        while fetching fails; NO_DATA without a report (signed out, nothing fetched yet)."""
        if self._failure is not None:
            return CANNOT_FETCH
        if self._signed_out or self._summary is None:
            return CANNOT_FETCH if self._outage.in_outage else NO_DATA
        return self._summary.worst

    def failure_count(self) -> int:
        """The badge: failures that need attention (acknowledged ones are muted)."""
        return len(self._summary.failing) if self._summary is not None else 0

    def tooltip(self) -> str:
        return self.tray.toolTip()

    def current_icon(self) -> QIcon:
        return self.tray.icon()

    # --- output -------------------------------------------------------------------------------
    def _notify(self, note: ChangeNotification) -> None:
        if self.quiet_gate.hold(note):
            self._update_tooltip()
            return
        self._post(note)

    def _post_summary(self, note: ChangeNotification) -> None:
        """Quiet hours ended: what they held, in one notification (the tooltip stops saying it)."""
        self._post(note)
        self._update_tooltip()

    def _post(self, note: ChangeNotification) -> None:
        self._message_keys = note.keys
        if not self.can_post:
            self._unposted = note
            self._update_tooltip()
            self.notified.emit(note)
            return
        icon = (
            QSystemTrayIcon.MessageIcon.Warning
            if note.is_problem
            else QSystemTrayIcon.MessageIcon.Information
        )
        self.tray.showMessage(note.title, note.message, icon, MESSAGE_MS)
        self.notified.emit(note)

    def _app_icon(self) -> QIcon:
        return self._icons.app_icon()

    def icon_for(self, state: str, failures: int) -> QIcon:
        """The tray icon for a state and failure count (monochrome on macOS)."""
        if state == NO_DATA:
            return self._app_icon()  # neutral: no claim about backups it has not seen
        if not self.monochrome:
            return self._icons.tray_icon(state, failures)
        key = (state, min(max(failures, 0), 100))
        icon = self._mono_cache.get(key)
        if icon is None:
            icon = monochrome_tray_icon(self._icons.status_icon(state), failures)
            self._mono_cache[key] = icon
        return icon

    def _update_icon(self) -> None:
        self.tray.setIcon(self.icon_for(self.worst_state(), self.failure_count()))

    def _update_tooltip(self) -> None:
        lines = [APP_NAME]
        summary = self._summary
        if summary is not None:
            lines.extend(summary_lines(summary))
        if self._signed_out:
            lines.append("Not signed in")
        elif self._last_refresh is not None:
            lines.append(f"Last refresh {self._last_refresh.astimezone():%H:%M}")
        else:
            lines.append("Not refreshed yet")
        if self._failure is not None:
            lines.append(f"Cannot fetch: {self._failure.title}")
        if self._auto_text:
            lines.append(self._auto_text)
        held = self.quiet_gate.held_text()
        if held:
            lines.append(held)
        note = self._unposted
        if note is not None:  # notifications cannot be posted: the latest one is said here
            text = note.message
            if not text.startswith(note.title):
                text = f"{note.title}: {text}"
            lines.append(elide(text, 200))
        self.tray.setToolTip("\n".join(lines))

    def _fill_failures_menu(self) -> None:
        menu = self.failures_menu
        menu.clear()
        failing = self._summary.failing if self._summary is not None else ()
        menu.setTitle(f"Failures ({len(failing):,})" if failing else "Failures")
        if not failing:
            empty = menu.addAction("No failures need attention")
            empty.setEnabled(False)
            return
        for row in failing[:FAILURE_MENU_LIMIT]:
            # "&" would turn into a keyboard mnemonic in a menu: "&&" shows one "&".
            where = "" if row.partner is None else f"{row.partner}: "  # several partners
            action = menu.addAction(elide(where + row_label(row), 60).replace("&", "&&"))
            action.setData(row.key)
            action.triggered.connect(lambda _=False, key=row.key: self.row_chosen.emit(key))
        menu.addSeparator()
        more = menu.addAction(show_all_failures_text(len(failing)))
        acknowledged = self._summary is not None and self._summary.acknowledged_failures > 0
        more.triggered.connect(lambda: self.all_failures_chosen.emit(acknowledged))

    def failure_actions(self) -> list[QAction]:
        """The Failures submenu's row entries (for tests and accessibility checks)."""
        return [a for a in self.failures_menu.actions() if a.data() is not None]

    def _update_pause_text(self) -> None:
        self.pause_action.setText("Resume auto-refresh" if self._paused else "Pause auto-refresh")

    # --- slots --------------------------------------------------------------------------------
    def _on_pause_triggered(self) -> None:
        self.set_paused(not self._paused)
        self.pause_toggled.emit(self._paused)

    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        # A click opens the window (not on macOS: there it opens the menu only).
        if click_opens_window(reason, self.platform):
            self.open_requested.emit()

    def _on_message_clicked(self) -> None:
        if self._message_keys:
            self.notification_clicked.emit(self._message_keys)
        else:
            self.open_requested.emit()
