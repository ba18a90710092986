"""Quiet hours and repeated failures through the real tray controller.

Quiet hours hold toasts (the icon and tooltip still follow) and one notification sums them up
when they end, found by the gate's timer slot at the wall-clock boundary: across midnight, and
on the night daylight saving time ends (a 25-hour night). Repeated failures are announced when
a set crosses the escalation rule between two problem states, never for an acknowledged one.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop_app.report.derived import FAILURE, Acknowledgement, StaleRule
from desktop_app.report.diff import ChangeNotification
from desktop_app.report.escalation import EscalationRule, Streak
from desktop_app.report.problem_states import ProblemStates, judge
from desktop_app.report.quiet_hours import QuietHours
from desktop_app.report.rows import BackupStatusRow, Report
from desktop_app.report.status import ConditionStatus as S
from desktop_app.ui.icons import IconProvider
from desktop_app.ui.tray.controller import TrayController
from desktop_app.ui.tray.quiet import CHECK_MS
from tests.gui.conftest import make_row
from tests.support import REPO_ICONS

BERLIN = ZoneInfo("Europe/Berlin")
NIGHTS = QuietHours(True, time(22, 0), time(7, 0))


@pytest.fixture
def clock() -> list[datetime]:
    return [datetime(2026, 11, 30, 20, 0, tzinfo=BERLIN)]


@pytest.fixture
def tray(qapp: QApplication, clock: list[datetime]) -> Iterator[TrayController]:
    controller = TrayController(
        IconProvider(icon_dir=REPO_ICONS),
        now=lambda: clock[0],
        monochrome=False,
        local_tz=BERLIN,
    )
    yield controller
    controller.hide()


def rows_at(at: datetime, *failing: str) -> Report:
    """Three sets that ran an hour before ``at``; those named in ``failing`` failed."""
    ran = at - timedelta(hours=1)
    rows = tuple(
        make_row(
            "acme",
            f"PC-{name}",
            name,
            computer_id=name,
            status=S.FAILURE if name in failing else S.COMPLETED,
            start=ran - timedelta(minutes=10),
            end=ran,
        )
        for name in ("A", "B", "C")
    )
    return Report(rows=rows, fetched_at=at)


def test_quiet_hours_across_midnight_hold_toasts_and_sum_them_up_when_they_end(
    qtbot: QtBot, tray: TrayController, clock: list[datetime]
) -> None:
    tray.set_quiet_hours(NIGHTS)
    assert tray.quiet_gate.timer.isActive() and tray.quiet_gate.timer.interval() == CHECK_MS
    clock[0] = datetime(2026, 11, 30, 23, 30, tzinfo=BERLIN)
    tray.show_report(rows_at(clock[0]))  # the baseline
    with qtbot.assertNotEmitted(tray.notified):
        tray.show_report(rows_at(clock[0], "A"))
        clock[0] = datetime(2026, 12, 1, 3, 0, tzinfo=BERLIN)  # past midnight: still quiet
        tray.show_report(rows_at(clock[0], "A", "B"))
        tray.quiet_gate.check()
    assert "Quiet hours: 2 notifications held" in tray.tooltip()
    assert f"Last refresh {clock[0].astimezone():%H:%M}" in tray.tooltip()  # still follows

    clock[0] = datetime(2026, 12, 1, 6, 59, tzinfo=BERLIN)
    with qtbot.assertNotEmitted(tray.notified):
        tray.quiet_gate.check()
    clock[0] = datetime(2026, 12, 1, 7, 0, tzinfo=BERLIN)
    with qtbot.waitSignal(tray.notified, timeout=1000) as told:
        tray.quiet_gate.check()
    note = told.args[0]
    assert isinstance(note, ChangeNotification)
    assert note.title == "While notifications were quiet"
    assert note.message == "2 new failures"
    assert {key[2] for key in note.keys} == {"A", "B"}
    assert "held" not in tray.tooltip()
    with qtbot.assertNotEmitted(tray.notified):
        tray.quiet_gate.check()  # said once


def test_the_end_of_quiet_hours_follows_the_wall_clock_on_the_night_dst_ends(
    qtbot: QtBot, tray: TrayController, clock: list[datetime]
) -> None:
    tray.set_quiet_hours(NIGHTS)
    clock[0] = datetime(2026, 10, 24, 23, 0, tzinfo=BERLIN)  # CEST, UTC+2
    tray.show_report(rows_at(clock[0]))
    with qtbot.assertNotEmitted(tray.notified):
        tray.show_report(rows_at(clock[0], "C"))
        # 05:00 UTC is 07:00 by the evening's offset, but 06:00 on the wall (CET since 03:00).
        clock[0] = datetime(2026, 10, 25, 5, 0, tzinfo=UTC)
        tray.quiet_gate.check()
    clock[0] = datetime(2026, 10, 25, 6, 0, tzinfo=UTC)  # 07:00 CET
    with qtbot.waitSignal(tray.notified, timeout=1000) as told:
        tray.quiet_gate.check()
    assert told.args[0].message == "1 new failure"


def test_outside_quiet_hours_and_with_them_off_toasts_pop_up_at_once(
    qtbot: QtBot, tray: TrayController, clock: list[datetime]
) -> None:
    tray.set_quiet_hours(NIGHTS)
    tray.show_report(rows_at(clock[0]))  # 20:00: not quiet
    with qtbot.waitSignal(tray.notified, timeout=1000):
        tray.show_report(rows_at(clock[0], "A"))
    clock[0] = datetime(2026, 11, 30, 23, 0, tzinfo=BERLIN)
    tray.set_quiet_hours(QuietHours())  # off by default
    with qtbot.waitSignal(tray.notified, timeout=1000):
        tray.show_report(rows_at(clock[0], "A", "B"))


def states_of(
    report: Report, runs: int, acks: dict[tuple[str | None, ...], Acknowledgement] | None = None
) -> ProblemStates:
    """The problem states with set A failing for ``runs`` runs in a row."""
    a = report.rows[0]
    at = report.fetched_at
    assert at is not None
    return judge(
        report.rows,
        at,
        StaleRule(),
        acknowledgements=acks or {},  # type: ignore[arg-type]
        streaks={a.key: Streak(runs, at - timedelta(hours=runs))},
        escalation=EscalationRule(runs=3),
    )


def test_a_set_crossing_the_escalation_rule_is_announced_once(
    qtbot: QtBot, tray: TrayController, clock: list[datetime]
) -> None:
    report = rows_at(clock[0], "A")
    with qtbot.assertNotEmitted(tray.notified):
        tray.show_states(states_of(report, 2))  # the baseline
        tray.show_states(states_of(report, 2))  # two failed runs: not repeated yet
    with qtbot.waitSignal(tray.notified, timeout=1000) as told:
        tray.show_states(states_of(report, 3))
    note = told.args[0]
    assert note.title == "1 repeated failure"
    assert note.message == "1 repeated failure: acme / PC-A / A"
    assert "Repeated failure 1" in tray.tooltip()
    with qtbot.assertNotEmitted(tray.notified):
        tray.show_states(states_of(report, 4))  # still repeated: said already


def test_an_acknowledged_failure_crossing_the_rule_stays_quiet(
    qtbot: QtBot, tray: TrayController, clock: list[datetime]
) -> None:
    report = rows_at(clock[0], "A")
    a: BackupStatusRow = report.rows[0]
    ack = {a.key: Acknowledgement(a.key, FAILURE, "vendor ticket open", "me", clock[0])}
    tray.show_states(states_of(report, 2, ack))
    with qtbot.assertNotEmitted(tray.notified):
        tray.show_states(states_of(report, 3, ack))


def test_repeated_failures_known_when_the_history_opens_are_the_baseline(
    qtbot: QtBot, tray: TrayController, clock: list[datetime]
) -> None:
    report = rows_at(clock[0], "A")
    at = report.fetched_at
    assert at is not None
    before_history = judge(report.rows, at, StaleRule())  # at start: the report alone
    assert not before_history.with_history and not before_history.derived.repeated
    with qtbot.assertNotEmitted(tray.notified):
        tray.show_states(before_history)
        tray.show_states(states_of(report, 5))  # the history opens: already repeated
