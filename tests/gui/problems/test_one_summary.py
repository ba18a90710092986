"""One summary in the real app: the tray's tooltip, badge and Failures menu say what the
window's toggles say, "Show all … failures" opens exactly the sets it counts, also once some
are acknowledged, and nothing reads "1 warnings"."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

import desktop_app.app as app_module
from desktop_app.app import AppParts
from desktop_app.report.derived import FAILURE, MISSING, STALE
from desktop_app.report.status import ConditionStatus as S
from desktop_app.ui.problems.filter_bar import NEEDS_ATTENTION
from tests.gui.conftest import running_app, states_of

NOW = datetime.now(UTC).replace(microsecond=0)
pytestmark = pytest.mark.qt_log_ignore("systemTrayWindowChanged", "does not support raise")


@pytest.fixture
def parts(qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppParts]:
    monkeypatch.setattr(app_module, "utc_now", lambda: NOW)
    with running_app(qtbot, tmp_path, rows=400, tray=True) as built:
        yield built


def tooltip_numbers(parts: AppParts) -> dict[str, int]:
    assert parts.tray is not None
    return {
        label: int(number.replace(",", ""))
        for label, number in re.findall(
            r"([A-Z][a-z]+(?:(?: /)? [a-z]+)?) ([\d,]+)", parts.tray.tooltip()
        )
    }


def toggle_numbers(parts: AppParts) -> dict[str, int]:
    views = parts.problems
    assert views is not None
    buttons = [
        *(
            parts.window.filter_bar.button(s)
            for s in (S.FAILURE, S.WARNING, S.RUNNING, S.COMPLETED)
        ),
        *(views.bar.buttons[s] for s in (STALE, MISSING, NEEDS_ATTENTION)),
    ]
    found = {}
    for button in buttons:
        label, _, number = button.text().rpartition(" ")
        found[label] = int(number.replace(",", ""))
    return found


def shown_keys(parts: AppParts) -> set[tuple[object, ...]]:
    return {parts.model.row_at(i).key for i in range(parts.model.rows_shown())}


def test_tray_toolbar_and_menu_count_the_same_sets(parts: AppParts, qtbot: QtBot) -> None:
    tray, views = parts.tray, parts.problems
    assert tray is not None and views is not None
    qtbot.waitUntil(lambda: tray.failure_count() > 0, timeout=10_000)
    tooltip = tooltip_numbers(parts)
    toggles = toggle_numbers(parts)
    assert toggles.items() <= tooltip.items(), (toggles, tooltip)

    # Acknowledge two failures: the badge and menu drop them, "Show all" opens exactly the rest.
    derived = views.history.states.derived
    assert derived is not None
    failing = sorted(k for k, state in derived.problems.items() if state == FAILURE)[:2]
    assert views.history.acknowledge_many(failing, "Known: disk replaced tonight")
    qtbot.waitUntil(lambda: states_of(parts).summary.acknowledged_failures == 2, timeout=10_000)
    summary = states_of(parts).summary
    qtbot.waitUntil(lambda: tray.failure_count() == summary.failures - 2, timeout=5_000)
    count = tray.failure_count()
    assert tray.failures_menu.title() == f"Failures ({count:,})"
    more = tray.failures_menu.actions()[-1]
    assert more.text() == f"Show all {count:,} failures that need attention"
    assert "Acknowledged 2" in tray.tooltip()
    assert toggle_numbers(parts).items() <= tooltip_numbers(parts).items()

    more.trigger()
    assert parts.model.rows_shown() == count
    assert shown_keys(parts) == {r.key for r in summary.failing}
    assert not set(failing) & shown_keys(parts)
    assert "Failure" in parts.window.filter_label.text()
    assert "needs attention" in parts.window.filter_label.text()


def test_no_sentence_counts_one_thing_in_the_plural(parts: AppParts, qtbot: QtBot) -> None:
    tray = parts.tray
    assert tray is not None
    qtbot.waitUntil(lambda: tray.failure_count() > 0, timeout=10_000)
    texts = [tray.tooltip(), *(a.text() for a in tray.failures_menu.actions())]
    texts.append(parts.window.shown_label.text())
    for text in texts:
        assert not re.search(r"(?<![\d,])1 [a-z]+s\b", text), text
