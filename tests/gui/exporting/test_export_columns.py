"""The window's CSV export carries what a spreadsheet needs beyond what is on screen: computer
ID, the status as reported, the last successful backup (from the history), the duration in
seconds and the age in hours as numbers, and who acknowledged what."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtWidgets import QHeaderView
from pytestqt.qtbot import QtBot

import desktop_app.app as app_module
from desktop_app.app import AppParts
from desktop_app.report.derived import FAILURE
from desktop_app.storage.history_queries import last_successes
from desktop_app.ui.exporting.csv_export import ExportController
from desktop_app.ui.table.columns import EXTRA_EXPORT_TITLES, FLAG_TITLE, Column
from tests.gui.conftest import running_app

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def parts(qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppParts]:
    monkeypatch.setattr(app_module, "utc_now", lambda: NOW)
    with running_app(qtbot, tmp_path, rows=300) as built:
        yield built


def test_extra_columns_are_typed_facts_and_the_acknowledgement_is_exported(
    parts: AppParts, qtbot: QtBot, tmp_path: Path
) -> None:
    views, history = parts.problems, parts.history
    assert views is not None and history is not None and history.store is not None
    derived = views.history.states.derived
    assert derived is not None
    key = next(
        k for k, s in sorted(derived.problems.items()) if s == FAILURE and k not in derived.missing
    )
    assert views.history.acknowledge_many([key], "Known: replacing the NAS")
    qtbot.waitUntil(lambda: parts.model.acknowledgement_of(key) is not None, timeout=10_000)
    header: QHeaderView = parts.window.table.horizontalHeader()
    header.setSectionHidden(Column.ACKNOWLEDGED, True)  # hidden: exported as an extra column
    target = tmp_path / "all.csv"
    exporter = ExportController(
        parts.workers,
        parts.window,
        parts.model,
        parts.settings,
        parts.settings_controller.current,
        ask_path=lambda _p: str(target),
        last_successes=lambda: last_successes(history.store.database),  # type: ignore[union-attr]
    )
    with qtbot.waitSignal(exporter.exported, timeout=10_000):
        exporter.export(False)
    with target.open(encoding="utf-8-sig", newline="") as f:
        table = list(csv.reader(f))
    columns = parts.window.table.visible_columns()
    assert table[0] == [
        *(c.title for c in columns),
        *EXTRA_EXPORT_TITLES,
        "Acknowledged",
        FLAG_TITLE,
    ]
    at = {title: i for i, title in enumerate(table[0])}
    successes = last_successes(history.store.database)
    now = parts.model.now()
    rows = list(parts.model.visible_rows())
    assert len(table) == len(rows) + 1
    for line, row in zip(table[1:], rows, strict=True):
        assert line[at["Computer ID"]] == row.computer_id  # issue 12: opaque text, as sent
        assert line[at["Reported status"]] == row.condition_status.capitalize()
        success = successes.get(row.key)
        assert line[at["Last successful backup"]] == (
            "" if success is None else success.isoformat()
        )
        if row.local_start is not None and row.local_end is not None:
            assert int(line[at["Duration (s)"]]) == int(
                (row.local_end - row.local_start).total_seconds()
            )
        if row.local_end is None:
            assert line[at["Age (h)"]] == ""
        else:
            hours = (now - row.local_end).total_seconds() / 3600
            assert abs(float(line[at["Age (h)"]]) - hours) < 0.01
        acknowledged = line[at["Acknowledged"]]
        if row.key == key:
            assert acknowledged.endswith(": Known: replacing the NAS")
        else:
            assert acknowledged == ""
    assert any(line[at["Last successful backup"]] for line in table[1:])  # the history knows some
    assert any(line[at["Computer ID"]].startswith("00") for line in table[1:])  # zeros kept
