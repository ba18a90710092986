"""Per-customer stale thresholds: kept in QSettings, one rule for the problem views and the tray,
set from the customer sidebar's context menu."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from desktop_app.report.derived import STALE
from desktop_app.ui.problems.stale_thresholds import OVERRIDES_KEY, StaleThresholds
from tests.gui.conftest import running_app

DAY = timedelta(hours=26)


def ini(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)


def test_hours_persist_and_build_the_rule(qtbot: QtBot, tmp_path: Path) -> None:
    thresholds = StaleThresholds(DAY, ini(tmp_path))
    with qtbot.waitSignal(thresholds.rule_changed) as changed:
        thresholds.set_hours("weekly-co", 24 * 8)
    assert changed.args[0].threshold_for("weekly-co") == timedelta(days=8)
    assert changed.args[0].threshold_for("someone-else") == DAY
    with qtbot.assertNotEmitted(thresholds.rule_changed):
        thresholds.set_hours("weekly-co", 24 * 8)  # no change, nothing said
    with pytest.raises(ValueError, match="between 1 and 720"):
        thresholds.set_hours("x", 10_000)

    again = StaleThresholds(timedelta(hours=30), ini(tmp_path))  # a restart
    assert again.hours_for("weekly-co") == 24 * 8
    assert again.rule.threshold == timedelta(hours=30)
    again.set_hours("weekly-co", 0)  # back to the default
    assert StaleThresholds(DAY, ini(tmp_path)).rule.per_customer == {}


@pytest.mark.parametrize(
    "stored",
    ["{not json", "[1, 2]", json.dumps({"a": "48", "b": 0, "c": True, "ok": 48})],
)
def test_corrupt_stored_values_fall_back_to_the_default(
    tmp_path: Path, stored: str, caplog: pytest.LogCaptureFixture
) -> None:
    settings = ini(tmp_path)
    settings.setValue(OVERRIDES_KEY, stored)
    thresholds = StaleThresholds(DAY, settings)
    kept = {"ok": timedelta(hours=48)} if "ok" in stored else {}
    assert thresholds.rule.per_customer == kept
    assert "Ignoring" in caplog.text


def test_asking_applies_the_answer_and_cancel_changes_nothing(tmp_path: Path) -> None:
    answers: list[int | None] = [72, None]
    asked: list[tuple[str, int, int]] = []

    def ask(_parent: QWidget | None, user: str, current: int, default: int) -> int | None:
        asked.append((user, current, default))
        return answers.pop(0)

    thresholds = StaleThresholds(DAY, ini(tmp_path), ask=ask)
    thresholds.ask_for("acme")
    thresholds.ask_for("acme")  # cancelled
    assert asked == [("acme", 0, 26), ("acme", 72, 26)]
    assert thresholds.hours_for("acme") == 72


# The offscreen platform has no tray window to follow; it says so, harmlessly.
@pytest.mark.qt_log_ignore("systemTrayWindowChanged")
def test_a_customer_threshold_changes_the_stale_toggle_and_the_tray(
    qtbot: QtBot, tmp_path: Path
) -> None:
    with running_app(qtbot, tmp_path, rows=150, tray=True) as parts:
        views, tray, thresholds = parts.problems, parts.tray, parts.stale_thresholds
        assert views is not None and tray is not None and thresholds is not None
        assert views.report is not None
        before = views.history.states.derived
        assert before is not None
        # The customer with the most sets quiet for 2 h but not stale yet, now expected hourly.
        quiet_for_2h = datetime.now(UTC) - timedelta(hours=2)
        quiet = [
            r
            for r in views.report.rows
            if r.key not in before.stale and (r.local_end or r.local_start) < quiet_for_2h
        ]
        user = max({r.username for r in quiet}, key=lambda u: sum(r.username == u for r in quiet))
        fresh = {r.key for r in quiet if r.username == user}
        assert fresh
        menu = views.sidebar.context_menu(user)
        action = next(a for a in menu.actions() if "Stale threshold" in a.text())
        assert action.text() == f"&Stale threshold for {user}…"
        thresholds.set_hours(user, 1)  # what the menu's dialog does with "1"

        def now_stale() -> bool:
            derived = views.history.states.derived if views.history else None
            return derived is not None and fresh <= derived.stale

        qtbot.waitUntil(now_stale, timeout=10_000)
        # The tray judges with the rule the states were judged by (rhythms included).
        assert tray.stale_rule is views.history.rule
        assert tray.stale_rule.per_customer == {user: timedelta(hours=1)}
        after = views.history.states.derived
        assert after is not None
        assert len(after.stale) > len(before.stale)
        assert views.bar.buttons[STALE].text() == f"Stale / overdue {len(after.stale):,}"
