"""One visible rule for times in the running app: sorting by Started reads in order, the table
and the detail pane give the same age for a set, the report date is labelled with its zone,
and the time-display setting switches the table (and its header) at once."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

import desktop_app.app as app_module
from desktop_app.app import AppParts
from desktop_app.storage.settings import AppSettings
from desktop_app.ui.table.columns import Column
from tests.gui.conftest import running_app

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def parts(qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppParts]:
    monkeypatch.setenv("TZ", "America/Chicago")  # the admin is not where the computers are
    time.tzset()
    monkeypatch.setattr(app_module, "utc_now", lambda: NOW)
    try:
        with running_app(qtbot, tmp_path, rows=300) as built:
            yield built
    finally:
        monkeypatch.undo()
        time.tzset()


def column_texts(parts: AppParts, column: Column) -> list[str]:
    model = parts.model
    return [model.index(r, column).data() for r in range(model.rowCount())]


def test_sorting_by_started_reads_in_order(parts: AppParts) -> None:
    """The computers sit in many zones; in the admin's zone the sorted column is in order."""
    parts.window.table.sortByColumn(Column.STARTED, Qt.SortOrder.AscendingOrder)
    started = [t for t in column_texts(parts, Column.STARTED) if t != "—"]
    assert len(started) > 200 and started == sorted(started)


def test_table_and_detail_pane_give_the_same_age(parts: AppParts, qtbot: QtBot) -> None:
    window, model = parts.window, parts.model
    for view_row in (0, 57, 211):
        if model.row_at(view_row).local_end is None:
            continue
        window.table.select_key(model.row_at(view_row).key)
        pane_age = window.detail_pane.findChild(QLabel, "ageValue")
        assert pane_age is not None
        assert pane_age.text() == f"{model.index(view_row, Column.AGE).data()} ago"
    window.refresh_ages()  # a minute later: both move on together
    row = window.table.currentIndex().row()
    assert pane_age.text() == f"{model.index(row, Column.AGE).data()} ago"


def test_report_date_is_labelled_and_the_setting_switches_the_clock(parts: AppParts) -> None:
    assert "Report date " in parts.window.report_label.text()
    assert " UTC" in parts.window.report_label.text()  # the demo's report dates are UTC
    header = parts.model.headerData(Column.ENDED, Qt.Orientation.Horizontal)
    assert header == "Ended (your time)"
    local = column_texts(parts, Column.ENDED)
    settings = parts.settings_controller
    assert settings is not None
    settings.apply(AppSettings(time_mode="computer"))
    assert parts.model.headerData(Column.ENDED, Qt.Orientation.Horizontal) == (
        "Ended (computer's time)"
    )
    computer = column_texts(parts, Column.ENDED)
    assert computer != local
    assert all(t == "—" or t[-6] in "+−" for t in computer)  # each with its own offset
