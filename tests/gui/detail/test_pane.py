"""DetailPane shows, wraps and copies every field; time_format renders the times it shows."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFormLayout, QLabel, QPushButton, QStackedWidget

from desktop_app.report.derived import STALE, DerivedStates, StaleRule
from desktop_app.report.problem_states import judge
from desktop_app.report.rows import BackupStatusRow
from desktop_app.report.status import ConditionStatus, ConditionType, explain_condition_type
from desktop_app.ui.detail.badge import ConditionBadge
from desktop_app.ui.detail.fields import badge_colors, details_text
from desktop_app.ui.detail.pane import EMPTY_TEXT, NARROW_WIDTH, DetailPane
from desktop_app.ui.icons import IconProvider
from desktop_app.ui.time_format import (
    COMPUTER,
    LOCAL,
    format_admin_time,
    format_admin_time_long,
    format_age,
    format_computer_time,
    format_copied_time,
    format_duration,
    format_offset,
    format_report_date,
    format_run_duration,
    format_table_time,
)
from tests.support import REPO_ICONS

EST = timezone(timedelta(hours=-5))
ADMIN_TZ = timezone(timedelta(hours=1))
NOW = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)

FAILED_ROW = BackupStatusRow(
    report_date=datetime(2026, 11, 26, 6, 0, tzinfo=UTC),
    username="acme-dental",
    computer_id="123456",
    computer_name="FRONTDESK-PC01",
    backupset_name="Patient records (nightly)",
    local_start=datetime(2026, 11, 25, 22, 14, tzinfo=EST),
    local_end=datetime(2026, 11, 25, 23, 41, 30, tzinfo=EST),
    condition_status=ConditionStatus.FAILURE,
    condition_types=(ConditionType.ERRORS, ConditionType.NO_FILE_DATA_BACKED_UP),
    errors=3,
    warnings=12,
)
RUNNING_ROW = FAILED_ROW._replace(
    backupset_name="Mail",
    local_start=datetime(2026, 11, 26, 3, 0, tzinfo=EST),  # 08:00 UTC
    local_end=None,
    condition_status=ConditionStatus.RUNNING,
    condition_types=(ConditionType.RUNNING,),
    errors=0,
    warnings=0,
)
ODD_ROW = FAILED_ROW._replace(condition_status="PAUSED", condition_types=("QUOTA_EXCEEDED",))


class Clock:
    """A settable stand-in for the wall clock."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def icons(qapp: object) -> IconProvider:
    return IconProvider(icon_dir=REPO_ICONS)


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def pane(qtbot: object, icons: IconProvider, clock: Clock) -> DetailPane:
    widget = DetailPane(icons, clock, ADMIN_TZ)
    qtbot.addWidget(widget)  # type: ignore[attr-defined]
    widget.resize(480, 600)
    return widget


def text(pane: DetailPane, name: str) -> str:
    label = pane.findChild(QLabel, name)
    assert label is not None, name
    return label.text()


def badges(pane: DetailPane) -> list[ConditionBadge]:
    return pane.findChildren(ConditionBadge, "conditionBadge")


# -- time_format ----------------------------------------------------------------------------


def test_offsets_use_a_true_minus_sign() -> None:
    assert format_offset(timedelta(hours=-5)) == "UTC−05:00"
    assert format_offset(timedelta(hours=5, minutes=30)) == "UTC+05:30"
    assert format_offset(timedelta(0)) == "UTC+00:00"
    assert format_offset(None) == "UTC"


def test_computer_and_admin_times() -> None:
    start = FAILED_ROW.local_start
    assert format_computer_time(start) == "2026-11-25 22:14 (UTC−05:00)"
    assert format_admin_time(start, ADMIN_TZ) == "2026-11-26 04:14 (UTC+01:00)"
    assert format_admin_time(start, UTC) == "2026-11-26 03:14 UTC"
    assert format_admin_time_long(start, UTC) == "2026-11-26 03:14 UTC"
    assert format_admin_time_long(start, ADMIN_TZ) == "2026-11-26 04:14 (UTC+01:00)"
    assert format_computer_time(None) == "—"


def test_one_rule_for_table_times_and_offsets_whenever_copied() -> None:
    start = FAILED_ROW.local_start
    # The admin's zone (the header says "your time"); each computer's clock carries its offset.
    assert format_table_time(start, LOCAL, ADMIN_TZ) == "2026-11-26 04:14"
    assert format_table_time(start, COMPUTER) == "2026-11-25 22:14 −05:00"
    assert format_copied_time(start, LOCAL, ADMIN_TZ) == "2026-11-26 04:14 UTC+01:00"
    assert format_copied_time(start, COMPUTER) == "2026-11-25 22:14 UTC−05:00"
    assert format_table_time(None, LOCAL) == format_copied_time(None, COMPUTER) == "—"
    # Three rows that ended a minute ago in three zones read the same in the admin's zone.
    moments = [NOW.astimezone(timezone(timedelta(hours=h))) for h in (-8, 0, 5)]
    assert {format_table_time(m, LOCAL, ADMIN_TZ) for m in moments} == {"2026-11-26 10:30"}


def test_report_date_is_labelled_with_its_zone() -> None:
    assert format_report_date(FAILED_ROW.report_date) == "2026-11-26 06:00 UTC"
    assert format_report_date(FAILED_ROW.local_start) == "2026-11-25 22:14 (UTC−05:00)"
    assert format_report_date(None) == "—"


def test_admin_time_uses_zone_abbreviation_with_daylight_saving() -> None:
    try:
        berlin = ZoneInfo("Europe/Berlin")
    except ZoneInfoNotFoundError:
        pytest.skip("no time zone database on this machine")
    assert format_admin_time(FAILED_ROW.local_start, berlin) == "2026-11-26 04:14 CET"
    summer = datetime(2026, 7, 1, 6, 0, tzinfo=EST)
    assert format_admin_time(summer, berlin) == "2026-07-01 13:00 CEST"


def test_durations() -> None:
    assert format_duration(42) == "42 s"
    assert format_duration(12 * 60 + 59) == "12 min"
    assert format_duration(2 * 3600 + 5 * 60) == "2 h 05 min"
    assert format_duration(3 * 86400 + 4 * 3600 + 9 * 60) == "76 h 09 min"  # hours keep counting
    assert format_duration(-180) == "−3 min"  # an end before its start: shown, not hidden
    assert format_duration(None) == "—"


def test_run_duration_and_age() -> None:
    row = FAILED_ROW
    assert format_run_duration(row.local_start, row.local_end, NOW) == "1 h 27 min"
    assert format_run_duration(RUNNING_ROW.local_start, None, NOW) == "1 h 30 min so far"
    assert format_run_duration(None, None, NOW) == "—"
    assert format_age(4 * 3600 + 48 * 60) == "4 h"  # coarse: the table's and the pane's
    assert format_age(5) == "< 1 min"
    assert format_age(3 * 86400 + 4 * 3600) == "3 d 4 h"
    assert format_age(-7200) == "−2 h"  # an end in the future: clock skew, shown as such
    assert format_age(None) == "—"


# -- the pane -------------------------------------------------------------------------------


def test_empty_state_when_nothing_is_selected(pane: DetailPane) -> None:
    stack = pane.findChild(QStackedWidget)
    assert stack.currentWidget().objectName() == "emptyState"
    assert text(pane, "emptyState") == EMPTY_TEXT
    assert not pane.copy_action.isEnabled()
    assert pane.details_text() == ""

    pane.set_row(FAILED_ROW)
    assert stack.currentWidget().objectName() == "detailScroll"
    pane.set_row(None)
    assert stack.currentWidget().objectName() == "emptyState"
    assert pane.row() is None
    assert not pane.copy_action.isEnabled()


def test_set_row_shows_every_field(pane: DetailPane) -> None:
    pane.set_row(FAILED_ROW)
    assert text(pane, "titleLabel") == "Patient records (nightly)"
    assert text(pane, "customerValue") == "acme-dental"
    assert text(pane, "computerValue") == "FRONTDESK-PC01 (ID 123456)"
    assert text(pane, "backupSetValue") == "Patient records (nightly)"
    assert text(pane, "statusValue") == "Failure"
    assert text(pane, "startedValue") == "2026-11-25 22:14 (UTC−05:00)"
    assert text(pane, "startedAdminValue") == "Your time: 2026-11-26 04:14 (UTC+01:00)"
    assert text(pane, "endedValue") == "2026-11-25 23:41 (UTC−05:00)"
    assert text(pane, "endedAdminValue") == "Your time: 2026-11-26 05:41 (UTC+01:00)"
    assert text(pane, "durationValue") == "1 h 27 min"
    assert text(pane, "ageValue") == "4 h ago"
    assert text(pane, "errorsValue") == "3"
    assert text(pane, "warningsValue") == "12"
    assert text(pane, "reportDateValue") == "2026-11-26 06:00 UTC"
    assert pane.findChild(QLabel, "staleValue").isHidden()


def test_a_stale_set_says_so_with_its_icon_and_a_line(
    pane: DetailPane, icons: IconProvider
) -> None:
    quiet = FAILED_ROW._replace(condition_status=ConditionStatus.COMPLETED, condition_types=())
    judged = judge([quiet], NOW, StaleRule(timedelta(hours=26)))
    stale = DerivedStates(frozenset({quiet.key}), frozenset(), {quiet.key: STALE}, {}, frozenset())
    pane.show_states(dataclasses.replace(judged, derived=stale))  # as if judged a day later
    pane.set_row(quiet)
    assert text(pane, "statusValue") == "Stale (last run: Completed)"
    assert text(pane, "staleValue") == ("No backup activity for 4 h; the stale threshold is 26 h")
    assert not pane.findChild(QLabel, "staleValue").isHidden()
    icon = pane.findChild(QLabel, "statusIcon").pixmap().toImage()
    assert (
        icon == icons.status_icon("STALE").pixmap(QSize(20, 20), pane.devicePixelRatioF()).toImage()
    )
    assert "Stale: No backup activity for 4 h" in pane.details_text()
    pane.show_states(judged)  # not stale any more
    assert text(pane, "statusValue") == "Completed"


def test_condition_badges_explain_and_keep_the_code(pane: DetailPane) -> None:
    pane.set_row(FAILED_ROW)
    shown = badges(pane)
    assert [b.text() for b in shown] == [
        "The backup finished with errors",
        "No file data was backed up",
    ]
    assert [b.toolTip() for b in shown] == [
        "Report code: ERRORS",
        "Report code: NO_FILE_DATA_BACKED_UP",
    ]
    assert all(b.accessibleName() == b.text() for b in shown)
    # Red for errors, amber for the no-data condition: different badges, readable text.
    assert badge_colors("ERRORS") != badge_colors("NO_FILE_DATA_BACKED_UP")


def test_badges_are_replaced_not_added(pane: DetailPane) -> None:
    pane.set_row(FAILED_ROW)
    pane.set_row(RUNNING_ROW)
    assert [b.toolTip() for b in badges(pane)] == ["Report code: RUNNING"]
    pane.set_row(FAILED_ROW._replace(condition_types=()))
    assert badges(pane) == []
    assert text(pane, "conditionNone") == "None reported"


def test_status_icon_matches_the_status(pane: DetailPane, icons: IconProvider) -> None:
    def shown_icon() -> object:
        label = pane.findChild(QLabel, "statusIcon")
        return label.pixmap().toImage()

    def expected(status: str) -> object:
        return icons.status_icon(status).pixmap(QSize(20, 20), pane.devicePixelRatioF()).toImage()

    pane.set_row(FAILED_ROW)
    assert shown_icon() == expected("FAILURE")
    pane.set_row(RUNNING_ROW)
    assert shown_icon() == expected("RUNNING")
    assert shown_icon() != expected("FAILURE")


def test_running_row(pane: DetailPane) -> None:
    pane.set_row(RUNNING_ROW)
    assert text(pane, "statusValue") == "Running"
    assert text(pane, "ageValue") == "Not ended yet (still running)"
    assert text(pane, "endedValue") == "Not yet (still running)"
    assert pane.findChild(QLabel, "endedAdminValue").isHidden()
    assert not pane.findChild(QLabel, "startedAdminValue").isHidden()
    assert text(pane, "durationValue") == "1 h 30 min so far"


def test_unknown_status_and_type_are_shown_verbatim(pane: DetailPane, icons: IconProvider) -> None:
    pane.set_row(ODD_ROW)
    assert text(pane, "statusValue") == "PAUSED"
    (badge,) = badges(pane)
    assert badge.text() == explain_condition_type("QUOTA_EXCEEDED")
    assert "QUOTA_EXCEEDED" in badge.text()
    assert badge.toolTip() == "Report code: QUOTA_EXCEEDED"
    icon = pane.findChild(QLabel, "statusIcon").pixmap().toImage()
    unknown = icons.status_icon("UNKNOWN").pixmap(QSize(20, 20), pane.devicePixelRatioF())
    assert icon == unknown.toImage()


def test_refresh_moves_the_age_on(pane: DetailPane, clock: Clock) -> None:
    pane.set_row(FAILED_ROW)
    clock.now = NOW + timedelta(hours=2)
    assert text(pane, "ageValue") == "4 h ago"  # not until asked
    pane.refresh()
    assert text(pane, "ageValue") == "6 h ago"


def test_copy_details_puts_every_field_on_the_clipboard(pane: DetailPane, qtbot: object) -> None:
    pane.set_row(FAILED_ROW)
    button = pane.findChild(QPushButton, "copyDetailsButton")
    assert button.isVisibleTo(pane)
    with qtbot.waitSignal(pane.detailsCopied, timeout=1000) as blocker:  # type: ignore[attr-defined]
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
    copied = QGuiApplication.clipboard().text()
    assert copied == blocker.args[0]
    assert copied == details_text(FAILED_ROW, NOW, ADMIN_TZ)
    for name in (
        "customerValue",
        "computerValue",
        "backupSetValue",
        "statusValue",
        "startedValue",
        "endedValue",
        "durationValue",
        "ageValue",
        "reportDateValue",
    ):
        assert text(pane, name) in copied, name
    assert "2026-11-26 04:14 (UTC+01:00)" in copied
    assert "2026-11-26 05:41 (UTC+01:00)" in copied
    assert "Errors: 3" in copied
    assert "Warnings: 12" in copied
    for badge in badges(pane):
        assert badge.text() in copied
    assert "(ERRORS)" in copied
    assert "(NO_FILE_DATA_BACKED_UP)" in copied


def test_copy_does_nothing_without_a_row(pane: DetailPane) -> None:
    QGuiApplication.clipboard().setText("before")
    pane.copy_details()
    assert QGuiApplication.clipboard().text() == "before"


def test_copy_action_has_a_shortcut(pane: DetailPane) -> None:
    assert pane.copy_action in pane.actions()
    assert not pane.copy_action.shortcut().isEmpty()


def test_values_are_selectable_and_named(pane: DetailPane) -> None:
    pane.set_row(FAILED_ROW)
    values = [
        label
        for label in pane.findChildren(QLabel)
        if label.objectName().endswith("Value") or label.objectName() == "conditionBadge"
    ]
    assert len(values) >= 15
    for label in values:
        assert label.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByMouse
        assert label.accessibleName(), label.objectName()


# The offscreen platform warns that it cannot propagate size hints when a window is shown.
@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_narrow_pane_stacks_labels_above_values(pane: DetailPane, qtbot: object) -> None:
    pane.set_row(FAILED_ROW)
    pane.show()
    qtbot.waitExposed(pane)  # type: ignore[attr-defined]
    form = pane.findChild(QFormLayout)
    pane.resize(NARROW_WIDTH + 200, 600)
    qtbot.waitUntil(  # type: ignore[attr-defined]
        lambda: form.rowWrapPolicy() == QFormLayout.RowWrapPolicy.DontWrapRows
    )
    pane.resize(NARROW_WIDTH - 60, 600)
    qtbot.waitUntil(  # type: ignore[attr-defined]
        lambda: form.rowWrapPolicy() == QFormLayout.RowWrapPolicy.WrapAllRows
    )
    # Each badge stays inside the visible width (wrapped, not cut off).
    for badge in badges(pane):
        assert badge.width() <= pane.width()
        assert badge.height() >= badge.heightForWidth(badge.width())
