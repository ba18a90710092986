"""View choices survive a restart (same settings file); corrupt stored values mean defaults."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from desktop_app.app import AppParts
from desktop_app.report.derived import STALE
from desktop_app.report.status import ConditionStatus
from desktop_app.ui.problems.customer_sidebar import (
    SORT_BY_NAME,
    SORT_BY_PROBLEMS,
    CustomerSidebar,
)
from desktop_app.ui.problems.filter_bar import NEEDS_ATTENTION
from desktop_app.ui.remembered_choices import read_bool, read_choice, write_choice
from desktop_app.ui.table.status_filter_bar import StatusFilterBar
from tests.gui.conftest import running_app

S = ConditionStatus


def _shown_statuses(parts: AppParts) -> set[str]:
    return {parts.model.row_at(i).condition_status for i in range(parts.model.rows_shown())}


def test_toggles_sort_order_and_sidebar_visibility_survive_a_restart(
    qtbot: QtBot, tmp_path: Path
) -> None:
    with running_app(qtbot, tmp_path, rows=150) as first:
        views = first.problems
        assert views is not None
        first.window.filter_bar.button(S.FAILURE).click()
        first.window.filter_bar.button(S.WARNING).click()
        views.bar.buttons[NEEDS_ATTENTION].click()
        views.sidebar.sort_box.setCurrentIndex(views.sidebar.sort_box.findData(SORT_BY_NAME))
        assert views.sidebar.toggle_action.shortcut().toString() == "F9"
        assert views.sidebar.toggle_action in first.window.view_menu.actions()
        views.sidebar.toggle_action.trigger()  # hide it
        assert views.sidebar.isHidden()

    with running_app(qtbot, tmp_path, rows=150) as second:
        views = second.problems
        assert views is not None
        derived = views.history.states.derived
        assert derived is not None
        assert second.window.filter_bar.selected() == {S.FAILURE, S.WARNING}
        assert second.model.status_filter() == {S.FAILURE, S.WARNING}
        assert not second.window.filter_bar.all_button().isChecked()
        assert views.bar.checked() == {NEEDS_ATTENTION}
        assert views.report is not None
        shown = {second.model.row_at(i).key for i in range(second.model.rows_shown())}
        wanted = {
            r.key
            for r in views.report.rows
            if r.condition_status in (S.FAILURE, S.WARNING) and r.key in derived.needs_attention
        }
        assert wanted and shown == wanted
        assert views.sidebar.sort_mode() == SORT_BY_NAME
        names = [views.sidebar.model.customer_at(r).username for r in range(3)]
        assert names == sorted(names, key=str.casefold)
        assert views.sidebar.isHidden() and not views.sidebar.toggle_action.isChecked()
        # Back to defaults, which are remembered too.
        second.window.clear_filters()
        views.sidebar.toggle_action.trigger()

    with running_app(qtbot, tmp_path, rows=150) as third:
        views = third.problems
        assert views is not None
        assert third.window.filter_bar.selected() is None
        assert views.bar.checked() == frozenset()
        assert not views.sidebar.isHidden() and views.sidebar.toggle_action.isChecked()
        assert len(_shown_statuses(third)) > 1


def test_customer_selection_is_not_restored(qtbot: QtBot, tmp_path: Path) -> None:
    with running_app(qtbot, tmp_path, rows=150) as first:
        views = first.problems
        assert views is not None
        views.sidebar.view.selectAll()
        assert views.sidebar.selected_usernames()
    with running_app(qtbot, tmp_path, rows=150) as second:
        views = second.problems
        assert views is not None and views.report is not None
        assert views.sidebar.selected_usernames() == frozenset()
        assert second.model.rows_shown() == len(views.report.rows)


def _settings(tmp_path: Path, **values: object) -> QSettings:
    settings = QSettings(str(tmp_path / "corrupt.ini"), QSettings.Format.IniFormat)
    for key, value in values.items():
        settings.setValue(key.replace("__", "/"), value)
    return settings


@pytest.mark.parametrize(
    "statuses",
    [42, "", "BOGUS,,;", ["FAILURE", "WARNING"], b"\x00\xff"],
)
def test_corrupt_status_choice_means_show_all(
    qtbot: QtBot, tmp_path: Path, statuses: object
) -> None:
    bar = StatusFilterBar()
    qtbot.addWidget(bar)
    emitted: list[object] = []
    bar.filter_changed.connect(emitted.append)
    bar.bind_settings(_settings(tmp_path, filters__statuses=statuses))
    assert bar.selected() is None and bar.all_button().isChecked()
    assert emitted == [frozenset()]  # every status


def test_status_choice_keeps_known_statuses_only(qtbot: QtBot, tmp_path: Path) -> None:
    settings = _settings(tmp_path, filters__statuses="FAILURE,PAUSED,RUNNING")
    bar = StatusFilterBar()
    qtbot.addWidget(bar)
    bar.bind_settings(settings)
    assert bar.selected() == {S.FAILURE, S.RUNNING}
    bar.button(S.RUNNING).click()
    assert settings.value("filters/statuses") == "FAILURE"


def test_corrupt_sidebar_values_mean_defaults(qtbot: QtBot, tmp_path: Path) -> None:
    settings = _settings(tmp_path, customers__sort="upside-down", customers__visible="maybe")
    sidebar = CustomerSidebar()
    qtbot.addWidget(sidebar)
    sidebar.bind_settings(settings)
    assert sidebar.sort_mode() == SORT_BY_PROBLEMS
    assert sidebar.toggle_action.isChecked() and not sidebar.isHidden()
    sidebar.sort_box.setCurrentIndex(sidebar.sort_box.findData(SORT_BY_NAME))
    sidebar.toggle_action.setChecked(False)
    assert settings.value("customers/sort") == SORT_BY_NAME
    assert read_bool(settings, "customers/visible", True) is False


def test_choice_helpers_round_trip_through_an_ini_file(tmp_path: Path) -> None:
    path = str(tmp_path / "round.ini")
    settings = QSettings(path, QSettings.Format.IniFormat)
    write_choice(settings, "a/one", [NEEDS_ATTENTION])
    write_choice(settings, "a/two", [STALE, NEEDS_ATTENTION])
    write_choice(settings, "a/none", [])
    settings.setValue("a/flag", False)
    settings.sync()
    again = QSettings(path, QSettings.Format.IniFormat)
    allowed = {STALE, NEEDS_ATTENTION}
    assert read_choice(again, "a/one", allowed) == {NEEDS_ATTENTION}
    assert read_choice(again, "a/two", allowed) == {STALE, NEEDS_ATTENTION}
    assert read_choice(again, "a/none", allowed) == frozenset()
    assert read_choice(again, "a/absent", allowed) == frozenset()
    assert read_bool(again, "a/flag", True) is False
    assert read_bool(again, "a/absent", True) is True


def test_an_unchanged_choice_is_not_written_again(tmp_path: Path) -> None:
    """Each write makes Qt rewrite the file behind an fdatasync'ed lock on the GUI thread."""
    path = tmp_path / "same.ini"
    settings = QSettings(str(path), QSettings.Format.IniFormat)
    write_choice(settings, "a/one", [STALE, NEEDS_ATTENTION])
    settings.sync()
    path.unlink()
    write_choice(settings, "a/one", [NEEDS_ATTENTION, STALE])  # the same choice
    settings.sync()
    assert not path.exists()
    write_choice(settings, "a/one", [STALE])
    settings.sync()
    assert read_choice(QSettings(str(path), QSettings.Format.IniFormat), "a/one", {STALE}) == {
        STALE
    }


def test_a_refresh_with_the_same_choices_does_not_rewrite_the_settings(
    qtbot: QtBot, tmp_path: Path
) -> None:
    with running_app(qtbot, tmp_path, rows=150) as parts:
        parts.settings.sync()
        path = Path(parts.settings.fileName())
        before = path.stat()
        with (
            qtbot.waitSignal(parts.refresh.report_ready, timeout=15_000),
            qtbot.waitSignal(parts.history.states_changed, timeout=15_000),
        ):
            parts.window.refresh_action.trigger()
        parts.settings.sync()
        after = path.stat()
        assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
