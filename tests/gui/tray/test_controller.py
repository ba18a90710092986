"""TrayController: icon per worst state, tooltip, menu, notifications of changes only; and the
tray as the app wires it (close hides, notification click filters the window)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QSize
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop_app.app import AppOptions, AppParts, build
from desktop_app.report.derived import Acknowledgement, StaleRule, derive
from desktop_app.report.diff import ChangeKind, ChangeNotification
from desktop_app.report.rows import BackupStatusRow, Report, RowKey
from desktop_app.report.status import ConditionStatus as S
from desktop_app.report.summary import ProblemSummary, summarise_problems
from desktop_app.ui.icons import IconProvider
from desktop_app.ui.refresh.fetcher import FetchFailure
from desktop_app.ui.tray.controller import (
    CLOSE_HINT_KEY,
    FAILURE_MENU_LIMIT,
    NO_DATA,
    TrayController,
)
from desktop_app.ui.workers import Workers
from tests.gui.conftest import REPORT_DATE, make_row
from tests.support import REPO_ICONS

NOW = REPORT_DATE


@pytest.fixture
def icons(qapp: QApplication) -> IconProvider:
    return IconProvider(icon_dir=REPO_ICONS)


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def tray(icons: IconProvider, settings: QSettings) -> Iterator[TrayController]:
    controller = TrayController(icons, now=lambda: NOW, settings=settings, monochrome=False)
    yield controller
    controller.hide()


def report(*rows: BackupStatusRow, at: datetime = NOW) -> Report:
    return Report(rows=tuple(rows), fetched_at=at)


def summary_of(
    shown: Report,
    missing: tuple[RowKey, ...] = (),
    acks: tuple[tuple[BackupStatusRow, str], ...] = (),
) -> ProblemSummary:
    """What the attention controller hands the tray for ``shown``."""
    held = {r.key: Acknowledgement(r.key, state, "known", "me", NOW) for r, state in acks}
    at = shown.fetched_at or NOW
    return summarise_problems(shown.rows, derive(shown.rows, at, StaleRule(), missing, held))


def feed(tray: TrayController, shown: Report, **facts: object) -> None:
    """A report as the app delivers it: the comparison, then the summary of the same report."""
    tray.show_report(shown)
    tray.set_summary(summary_of(shown, **facts))  # type: ignore[arg-type]


def image(icon: object, size: int = 32) -> QImage:
    assert hasattr(icon, "pixmap")
    return icon.pixmap(QSize(size, size)).toImage().convertToFormat(QImage.Format.Format_ARGB32)


BASE = (
    make_row("acme", "MAIL01", "Exchange", computer_id="1"),
    make_row("bob", "PC-1", "Files", computer_id="2"),
    make_row("carol", "SRV", "SQL", computer_id="3", status=S.WARNING),
)


def test_first_report_is_the_baseline_and_sets_icon_and_tooltip(
    qtbot: QtBot, tray: TrayController, icons: IconProvider
) -> None:
    assert "Not refreshed yet" in tray.tooltip()
    # Nothing seen yet: the neutral app icon, no claim that all is well.
    assert tray.worst_state() == NO_DATA
    assert image(tray.current_icon()) == image(icons.app_icon())
    failing = make_row("zed", "PC-9", "Files", computer_id="9", status=S.FAILURE)
    with qtbot.assertNotEmitted(tray.notified):
        feed(tray, report(*BASE, failing))
    assert tray.worst_state() == S.FAILURE
    assert tray.failure_count() == 1
    assert image(tray.current_icon()) == image(icons.tray_icon(S.FAILURE, 1))
    assert image(tray.current_icon()) != image(icons.tray_icon(S.FAILURE, 0))
    lines = tray.tooltip().splitlines()
    # The words and numbers of the window's toggles.
    assert lines[1] == "Failure 1 · Warning 1 · Running 0 · Completed 2"
    assert lines[2] == "Stale / overdue 0 · Missing 0 · Repeated failure 0 · Needs attention 1"
    assert lines[3] == f"Last refresh {NOW.astimezone():%H:%M}"


def test_changes_are_notified_once_summarised_and_clickable(
    qtbot: QtBot, tray: TrayController
) -> None:
    tray.show_report(report(*BASE))
    later = NOW + timedelta(minutes=15)
    changed = (
        BASE[0]._replace(condition_status=S.FAILURE),
        BASE[1]._replace(condition_status=S.FAILURE),
        BASE[2],
    )
    with qtbot.waitSignal(tray.notified) as shown:
        tray.show_report(report(*changed, at=later))
    note: ChangeNotification = shown.args[0]
    assert note.title == "2 new failures"
    assert note.message == "2 new failures: acme / MAIL01 / Exchange, bob / PC-1 / Files"
    with qtbot.waitSignal(tray.notification_clicked) as clicked:
        tray.tray.messageClicked.emit()
    assert set(clicked.args[0]) == {BASE[0].key, BASE[1].key}
    # The same state again: the admin already knows, so nothing is said.
    with qtbot.assertNotEmitted(tray.notified):
        tray.show_report(report(*changed, at=later + timedelta(minutes=15)))


def test_acknowledged_failures_are_muted_in_icon_menu_and_notifications(
    qtbot: QtBot, tray: TrayController
) -> None:
    feed(tray, report(*BASE))
    failing = (BASE[0]._replace(condition_status=S.FAILURE), *BASE[1:])
    feed(tray, report(*failing, at=NOW + timedelta(minutes=15)))
    assert tray.failure_count() == 1
    acked = ((failing[0], str(S.FAILURE)),)
    tray.set_summary(summary_of(report(*failing), acks=acked))
    assert tray.failure_count() == 0
    assert tray.worst_state() != S.FAILURE
    assert "Acknowledged 1" in tray.tooltip()
    # Another set failing is still announced; the acknowledged one is not repeated.
    both = (failing[0], BASE[1]._replace(condition_status=S.FAILURE), *BASE[2:])
    with qtbot.waitSignal(tray.notified) as shown:
        feed(tray, report(*both, at=NOW + timedelta(minutes=30)), acks=acked)
    assert shown.args[0].keys == (BASE[1].key,)
    assert tray.failure_count() == 1


def test_recovery_and_stale_and_warning_opt_in(qtbot: QtBot, tray: TrayController) -> None:
    failing = make_row("acme", status=S.FAILURE)
    old_end = NOW - timedelta(hours=25)
    quiet = make_row("bob", computer_id="2", start=old_end - timedelta(hours=1), end=old_end)
    feed(tray, report(failing, quiet, BASE[1]._replace(computer_id="5")))
    later = NOW + timedelta(hours=2)
    fixed = failing._replace(local_end=later, local_start=later - timedelta(hours=1))
    now_warning = BASE[1]._replace(computer_id="5", condition_status=S.WARNING)
    with qtbot.waitSignal(tray.notified) as shown:
        feed(
            tray,
            report(fixed._replace(condition_status=S.COMPLETED), quiet, now_warning, at=later),
        )
    note = shown.args[0]
    assert note.kinds == (ChangeKind.NEWLY_STALE, ChangeKind.RECOVERED)  # warning is opt-in
    assert note.title == "1 newly stale, 1 recovered"
    assert tray.worst_state() == "STALE"  # a set without a backup for too long outranks a warning


def test_large_reports_are_compared_off_the_gui_thread(
    qtbot: QtBot, icons: IconProvider, settings: QSettings, workers: Workers
) -> None:
    """Above ``inline_below`` rows the comparison runs on a worker (its ``pause`` runs there);
    icon, menu and notification follow on the GUI thread."""
    threads: set[str] = set()
    tray = TrayController(
        icons,
        now=lambda: NOW,
        workers=workers,
        settings=settings,
        monochrome=False,
        pause=lambda: threads.add(threading.current_thread().name),
        inline_below=0,
    )
    try:
        base = report(*BASE)
        with qtbot.waitSignal(tray.report_shown) as shown:
            tray.show_report(base)
            assert "Not refreshed yet" in tray.tooltip()  # taken in later, on the GUI thread
        assert shown.args[0] is base
        assert "Not refreshed yet" not in tray.tooltip()
        failing = (BASE[0]._replace(condition_status=S.FAILURE), *BASE[1:])
        with qtbot.waitSignal(tray.notified) as told:
            feed(tray, report(*failing, at=NOW + timedelta(minutes=15)))
        assert threads and threading.current_thread().name not in threads
        assert told.args[0].title == "1 new failure"
        assert tray.failure_count() == 1 and tray.worst_state() == S.FAILURE
        assert [a.data() for a in tray.failure_actions()] == [BASE[0].key]
    finally:
        tray.close()


def test_a_comparison_overtaken_by_a_newer_report_is_dropped(
    qtbot: QtBot, icons: IconProvider, settings: QSettings, workers: Workers
) -> None:
    """The older job finishes last, yet the tray keeps the newer report, and the newer one
    was compared with the last report taken in (so its failure is still announced)."""
    release_first = threading.Event()
    first_job = threading.Event()

    def pause() -> None:
        if threading.current_thread().name == "tray-diff" and not first_job.is_set():
            first_job.set()
            release_first.wait(timeout=10)  # hold the first comparison back

    tray = TrayController(
        icons,
        now=lambda: NOW,
        workers=workers,
        settings=settings,
        monochrome=False,
        pause=pause,
        inline_below=10,
    )
    try:
        tray.show_report(report(*BASE))  # small: taken in at once (unpaced), the baseline
        big = [make_row("zz", computer_id=str(100 + i)) for i in range(20)]
        older = report(*BASE, *big, at=NOW + timedelta(minutes=15))
        tray.show_report(older)
        qtbot.waitUntil(first_job.is_set, timeout=5000)
        failing = (BASE[0]._replace(condition_status=S.FAILURE), *BASE[1:], *big)
        newer = report(*failing, at=NOW + timedelta(minutes=30))
        with qtbot.waitSignal(tray.notified) as told:
            tray.show_report(newer)
        assert told.args[0].keys == (BASE[0].key,)
        shown: list[object] = []
        tray.report_shown.connect(shown.append)
        release_first.set()
        qtbot.waitUntil(
            lambda: not any(t.name == "tray-diff" for t in threading.enumerate()), timeout=5000
        )
        QApplication.processEvents()
        assert shown == []  # the older result arrived and was dropped
    finally:
        release_first.set()
        tray.close()


def test_cannot_fetch_is_told_once_per_outage(qtbot: QtBot, tray: TrayController) -> None:
    problem = FetchFailure("Network problem", "Cannot reach api.intronis.com")
    with qtbot.assertNotEmitted(tray.notified):
        tray.show_fetch_failure(problem)  # the first fetch of the session: icon only
    assert tray.worst_state() == "UNKNOWN"
    feed(tray, report(*BASE))
    assert tray.worst_state() == S.WARNING
    with qtbot.waitSignal(tray.notified) as shown:
        tray.show_fetch_failure(problem)
    assert shown.args[0].title == "Cannot fetch the backup report"
    assert "Cannot fetch: Network problem" in tray.tooltip()
    with qtbot.assertNotEmitted(tray.notified):
        tray.show_fetch_failure(problem)
        tray.show_fetch_failure(problem)
    with qtbot.waitSignal(tray.open_requested):
        tray.tray.messageClicked.emit()  # an outage message has no rows: it just opens


def test_failures_menu_lists_the_first_few_and_picks_a_row(
    qtbot: QtBot, tray: TrayController
) -> None:
    rows = [
        make_row(f"cust{i:02d}", "PC", "Files", computer_id=str(i), status=S.FAILURE)
        for i in range(12, 1, -1)
    ]
    rows.append(make_row("cust01", "PC", "Finance & HR", computer_id="1", status=S.FAILURE))
    feed(tray, report(*rows, *BASE))
    actions = tray.failure_actions()
    assert len(actions) == FAILURE_MENU_LIMIT
    assert [a.text() for a in actions[:2]] == ["cust01 / PC / Finance && HR", "cust02 / PC / Files"]
    assert tray.failures_menu.title() == "Failures (12)"
    with qtbot.waitSignal(tray.row_chosen) as chosen:
        actions[1].trigger()
    assert chosen.args == [("cust02", "2", "Files")]
    more = tray.failures_menu.actions()[-1]
    assert more.text() == "Show all 12 failures that need attention"
    with qtbot.waitSignal(tray.all_failures_chosen):
        more.trigger()
    feed(tray, report(*rows[:1], *BASE))
    assert tray.failures_menu.actions()[-1].text() == "Show the failure that needs attention"
    feed(tray, report(*BASE))
    assert tray.failure_actions() == []
    assert [a.text() for a in tray.failures_menu.actions()] == ["No failures need attention"]


def test_menu_entries_emit_their_intent(qtbot: QtBot, tray: TrayController) -> None:
    texts = [a.text() for a in tray.menu.actions() if not a.isSeparator()]
    assert texts == [
        "Open",
        "Refresh now",
        "Pause auto-refresh",
        "Failures",
        "Export CSV…",
        "Settings…",
        "Quit",
    ]
    for action, signal in (
        (tray.open_action, tray.open_requested),
        (tray.refresh_action, tray.refresh_requested),
        (tray.export_action, tray.export_requested),
        (tray.settings_action, tray.settings_requested),
        (tray.quit_action, tray.quit_requested),
    ):
        with qtbot.waitSignal(signal):
            action.trigger()
    with qtbot.waitSignal(tray.pause_toggled) as paused:
        tray.pause_action.trigger()
    assert paused.args == [True]
    assert tray.pause_action.text() == "Resume auto-refresh"
    with qtbot.waitSignal(tray.pause_toggled) as resumed:
        tray.pause_action.trigger()
    assert resumed.args == [False]
    tray.set_paused(True)
    with qtbot.assertNotEmitted(tray.pause_toggled):
        tray.set_paused(False)  # reflecting state from elsewhere does not echo back
    assert tray.pause_action.text() == "Pause auto-refresh"


def test_close_hint_is_shown_once(
    tray: TrayController, settings: QSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[str] = []
    monkeypatch.setattr(tray.tray, "showMessage", lambda title, text, *a: shown.append(text))
    assert tray.close_hides_window() is True
    assert tray.close_hides_window() is True
    assert len(shown) == 1 and "Still running in the system tray" in shown[0]
    assert settings.value(CLOSE_HINT_KEY, type=bool) is True


def test_monochrome_icon_is_a_black_mask_with_the_glyph_cut_out(icons: IconProvider) -> None:
    tray = TrayController(icons, now=lambda: NOW, monochrome=True)
    icon = tray.icon_for(S.FAILURE, 0)
    assert icon.isMask()
    img = image(icon, 32)
    colours = {img.pixelColor(x, y).rgb() & 0xFFFFFF for y in range(32) for x in range(32)}
    assert colours == {0}  # black only; shape lives in alpha
    assert img.pixelColor(16, 16).alpha() < 40  # the cross's centre is cut out
    assert img.pixelColor(16, 4).alpha() > 220  # the disc around it is solid
    badged = image(tray.icon_for(S.FAILURE, 7), 32)
    assert badged != img
    assert badged.pixelColor(31 - 4, 31 - 8).alpha() > 200  # the pill is solid black...
    tray.hide()


# --- as the app wires it ------------------------------------------------------------------------
# The offscreen platform has no tray host and cannot raise windows; it says so, harmlessly.
OFFSCREEN_NOISE = pytest.mark.qt_log_ignore(
    "systemTrayWindowChanged", "This plugin does not support raise"
)


@pytest.fixture
def parts(qtbot: QtBot, tmp_path: Path) -> Iterator[AppParts]:
    options = AppOptions(demo=True, demo_rows=60, settings_path=tmp_path / "s.ini", tray=True)
    built = build(options)
    qtbot.addWidget(built.window)
    try:
        yield built
    finally:
        built.close()
        built.app.setQuitOnLastWindowClosed(True)


@OFFSCREEN_NOISE
def test_app_with_tray_hides_on_close_and_filters_on_notification_click(
    qtbot: QtBot, parts: AppParts
) -> None:
    assert parts.tray is not None and parts.auto_refresh is not None
    assert not parts.app.quitOnLastWindowClosed()
    # The first report may have arrived while pytest-qt processed events after the fixture.
    qtbot.waitUntil(lambda: parts.refresh.last_report is not None, timeout=10_000)
    first = parts.refresh.last_report
    assert first is not None
    assert parts.window.auto_refresh_label.text().startswith("Auto-refresh every 15 min · next")
    assert "Auto-refresh every 15 min" in parts.tray.tooltip()

    parts.window.close()
    assert parts.window.isHidden()

    completed = [r for r in first.rows if r.condition_status == S.COMPLETED][:2]
    changed = tuple(
        r._replace(condition_status=S.FAILURE) if r in completed else r for r in first.rows
    )
    with qtbot.waitSignal(parts.tray.notified):
        parts.refresh.report_ready.emit(
            Report(rows=changed, fetched_at=datetime.now(UTC) + timedelta(minutes=1))
        )
    parts.tray.tray.messageClicked.emit()
    window = parts.window
    assert window.isVisible()
    assert parts.model.rows_shown() == 2
    assert {parts.model.row_at(i).key for i in range(2)} == {r.key for r in completed}
    assert not window.filter_notice.isHidden()
    assert "filtered by: showing the changes (2)" in window.filter_label.text()
    window.show_all_button.click()
    assert parts.model.rows_shown() == len(first.rows)
    assert window.filter_notice.isHidden()


@OFFSCREEN_NOISE
def test_failures_menu_opens_the_window_on_that_row(qtbot: QtBot, parts: AppParts) -> None:
    assert parts.tray is not None
    tray = parts.tray
    qtbot.waitUntil(lambda: bool(tray.failure_actions()), timeout=10_000)  # the demo has some
    actions = tray.failure_actions()
    parts.window.search.setText("no such customer")
    parts.window.hide()
    actions[0].trigger()
    assert parts.window.isVisible()
    assert parts.window.search.text() == ""
    assert parts.window.table.selected_keys() == [actions[0].data()]


def test_without_a_tray_the_window_quits_on_close(qtbot: QtBot, tmp_path: Path) -> None:
    options = AppOptions(demo=True, demo_rows=20, settings_path=tmp_path / "s.ini")
    built = build(options)  # offscreen: no system tray
    qtbot.addWidget(built.window)
    try:
        assert built.tray is None
        assert built.app.quitOnLastWindowClosed()
        built.window.close()
        assert not built.window.isVisible()
    finally:
        built.close()


def test_a_set_leaving_the_report_is_announced_and_missing_sets_count_in_icon_and_tooltip(
    qtbot: QtBot, tray: TrayController, icons: IconProvider
) -> None:
    ok = tuple(r._replace(condition_status=S.COMPLETED) for r in BASE)
    feed(tray, report(*ok))
    later = report(*ok[:2], at=NOW + timedelta(minutes=15))
    with qtbot.waitSignal(tray.notified) as shown:
        tray.show_report(later)
    note: ChangeNotification = shown.args[0]
    assert note.message == "1 no longer reported: carol / SRV / SQL"
    assert note.keys == (BASE[2].key,)
    assert tray.worst_state() == S.COMPLETED
    # The history says one set is missing (and not acknowledged): it is the worst problem.
    tray.set_summary(summary_of(later, missing=(BASE[2].key,)))
    assert tray.worst_state() == "MISSING"
    assert image(tray.current_icon()) == image(icons.tray_icon("MISSING", 0))
    assert "Missing 1" in tray.tooltip().splitlines()[2]
    tray.set_summary(summary_of(later, missing=(BASE[2].key,), acks=((ok[2], "MISSING"),)))
    assert tray.worst_state() == S.COMPLETED
    assert "Missing 1 · Repeated failure 0 · Needs attention 0 · Acknowledged 1" in tray.tooltip()


def test_the_tray_announces_nothing_missing_from_an_incomplete_report(
    qtbot: QtBot, tray: TrayController
) -> None:
    tray.show_report(report(*BASE))
    short = Report(rows=BASE[:1], count=3, incomplete="the server said 3, sent 1", fetched_at=NOW)
    with qtbot.assertNotEmitted(tray.notified, wait=100):
        tray.show_report(short)
    # The next complete report still lacks them: now they are no longer reported.
    with qtbot.waitSignal(tray.notified) as shown:
        tray.show_report(report(*BASE[:1], at=NOW + timedelta(minutes=30)))
    assert shown.args[0].title == "2 no longer reported"


def test_signing_out_makes_the_icon_neutral_and_ignores_late_counts(
    tray: TrayController, icons: IconProvider
) -> None:
    failing = report(BASE[0]._replace(condition_status=S.FAILURE))
    feed(tray, failing)
    assert tray.worst_state() == S.FAILURE
    tray.show_signed_out()
    assert tray.worst_state() == NO_DATA
    assert image(tray.current_icon()) == image(icons.app_icon())
    tray.set_summary(summary_of(failing))  # the old account's counts, arriving late
    assert tray.worst_state() == NO_DATA and tray.failure_count() == 0
    assert "Not signed in" in tray.tooltip() and "Failure" not in tray.tooltip()


def test_the_tooltip_counts_undocumented_and_unreadable_statuses_as_the_toggles_do(
    tray: TrayController,
) -> None:
    paused = BASE[0]._replace(condition_status="PAUSED")
    unreadable = BASE[1]._replace(condition_status=None)
    feed(tray, report(paused, unreadable))
    first_line = tray.tooltip().splitlines()[1]
    # The documented four, then the others in the status toggles' words (as sent).
    assert (
        first_line == "Failure 0 · Warning 0 · Running 0 · Completed 0 · (unreadable) 1 · PAUSED 1"
    )
    assert tray.worst_state() == S.WARNING  # noticed, not alarming


def test_with_several_partners_the_tray_names_them(qtbot: QtBot, tray: TrayController) -> None:
    """ "2 new failures at resell1": the notification and the Failures menu say whose sets."""
    base = tuple(r._replace(partner="resell1") for r in BASE)
    tray.show_report(report(*base))
    changed = (
        base[0]._replace(condition_status=S.FAILURE),
        base[1]._replace(condition_status=S.FAILURE),
        base[2],
    )
    with qtbot.waitSignal(tray.notified) as shown:
        feed(tray, report(*changed, at=NOW + timedelta(minutes=15)))
    note: ChangeNotification = shown.args[0]
    assert note.title == "2 new failures at resell1"
    assert [a.text() for a in tray.failure_actions()] == [
        "resell1: acme / MAIL01 / Exchange",
        "resell1: bob / PC-1 / Files",
    ]
