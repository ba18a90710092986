"""Missing sets as rows: the model over a real history database, and the real app end to end.

A set that leaves the report becomes a marked row (Status "Missing", its own icon, italics)
built from its last known row; the Missing and Needs attention toggles show it, "All" and the
status counts do not count it; selection, copy, the detail pane, Ctrl+K and the CSV export
(its "Stale or missing" column) all handle it.
"""

from __future__ import annotations

import csv
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QPersistentModelIndex, Qt
from PySide6.QtGui import QFont, QGuiApplication, QIcon
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

import desktop_app.app as app_module
from desktop_app.app import AppParts
from desktop_app.report.derived import MISSING, OVERDUE, STALE
from desktop_app.report.prepared import prepare_view
from desktop_app.report.rows import BackupStatusRow, Report, RowKey
from desktop_app.report.sort_keys import SortField, ViewSpec
from desktop_app.storage.history import HistoryStore, MissingSet
from desktop_app.ui.acknowledgements.acknowledge_dialog import Problem
from desktop_app.ui.exporting.csv_export import ExportController, flagged_export_cells
from desktop_app.ui.problems.filter_bar import NEEDS_ATTENTION
from desktop_app.ui.table.columns import (
    EXTRA_EXPORT_TITLES,
    FLAG_TITLE,
    MISSING_TEXT,
    OVERDUE_TEXT,
    Column,
)
from desktop_app.ui.table.model import MISSING_ROLE, ReportTableModel
from desktop_app.ui.workers import Workers
from tests.gui.conftest import running_app
from tests.unit.report.test_row_index import NOW, make_rows

TIMEOUT = 15_000


# --- the model over a real history database ------------------------------------------------
def history_missing(tmp_path: Path, first: list[BackupStatusRow], gone: int) -> list[MissingSet]:
    store = HistoryStore(tmp_path / "history.sqlite3", clock=lambda: NOW)
    try:
        store.record(first, NOW - timedelta(minutes=30))
        store.record(first[gone:], NOW - timedelta(minutes=15))
        return store.missing_sets()
    finally:
        store.close()


def marker_icon(status: str) -> QIcon:
    """A distinct icon per status, so the test can tell which one a cell got."""
    icon = QIcon()
    icon.setThemeName(status)  # no pixmap needed: identity is what is compared
    return icon


@pytest.fixture
def loaded(qapp: object, tmp_path: Path) -> tuple[ReportTableModel, list[MissingSet]]:
    rows = make_rows(60)
    missing = history_missing(tmp_path, rows, 4)
    icons: dict[str, QIcon] = {}
    model = ReportTableModel(
        icon_for_status=lambda s: icons.setdefault(s, marker_icon(s)), now=lambda: NOW
    )
    model.set_rows(rows[4:])
    model.set_missing(missing)
    return model, missing


def test_missing_rows_pass_the_model_tester_and_read_missing(qtmodeltester, loaded) -> None:
    model, missing = loaded
    assert {m.key for m in missing} == model.missing_keys() and len(missing) == 4
    qtmodeltester.check(model)
    counts = model.status_counts()
    assert model.rows_shown() == model.total_rows() == 56  # "All": the report only
    model.filter_by_keys(model.missing_keys())
    qtmodeltester.check(model)
    assert model.rows_shown() == model.missing_rows_shown() == 4
    assert model.status_counts() == {s: 0 for s in counts}  # never counted by status
    for r in range(4):
        info = model.missing_set_at(r)
        assert info is not None and info.last_row == model.row_at(r)
        status = model.index(r, Column.STATUS)
        assert status.data() == MISSING_TEXT == model.cell_text(r, Column.STATUS)
        assert status.data(Qt.ItemDataRole.DecorationRole).themeName() == MISSING
        assert status.data(MISSING_ROLE) == info
        tip = status.data(Qt.ItemDataRole.ToolTipRole)
        assert "Missing since" in tip and "Last known status" in tip
        font = model.index(r, Column.CUSTOMER).data(Qt.ItemDataRole.FontRole)
        assert isinstance(font, QFont) and font.italic()
        assert model.index(r, Column.ERRORS).data() == str(info.last_row.errors)
        assert model.flag_at(r) == MISSING


def test_report_rows_are_not_marked(loaded) -> None:
    model, _missing = loaded
    assert model.missing_rows_shown() == 0
    status = model.index(0, Column.STATUS)
    assert status.data() != MISSING_TEXT and status.data(MISSING_ROLE) is None
    assert model.index(0, Column.STATUS).data(Qt.ItemDataRole.FontRole) is None
    model.set_stale_keys({model.row_at(0).key})
    assert model.flag_at(0) == STALE and model.flag_at(1) == ""


def test_selection_follows_missing_rows_through_sort_change_and_a_new_report(loaded) -> None:
    model, missing = loaded
    model.filter_by_keys({*model.missing_keys(), *(r.key for r in make_rows(60)[10:20])})
    keys = [model.row_at(r).key for r in range(model.rows_shown())]
    tracked = {k: QPersistentModelIndex(model.index(keys.index(k), 0)) for k in keys[::3]}
    model.sort(Column.AGE, Qt.SortOrder.DescendingOrder)
    model.set_missing(missing[1:])  # one set came back or was forgotten: its row goes
    gone = missing[0].key
    for key, index in tracked.items():
        if key == gone:
            assert not index.isValid()
        else:
            assert index.isValid() and model.row_at(index.row()).key == key
    # The next report, prepared off the GUI thread, already carries the missing rows.
    preparer = model.preparer()
    assert preparer.missing == tuple(m.last_row for m in missing[1:])
    prepared = preparer(Report(tuple(make_rows(60)[4:])))
    model.adopt(prepared.view)  # type: ignore[attr-defined]
    assert model.missing_rows_shown() == 3
    assert model.view_row_of_key(missing[1].key) is not None


def test_sorting_by_status_puts_missing_rows_first(loaded) -> None:
    model, _missing = loaded
    model.filter_by_keys(r.key for r in make_rows(60))
    model.sort(Column.STATUS, Qt.SortOrder.AscendingOrder)
    texts = [model.cell_text(r, Column.STATUS) for r in range(model.rows_shown())]
    assert texts[:4] == [MISSING_TEXT] * 4 and MISSING_TEXT not in texts[4:]
    view = prepare_view(
        make_rows(60)[4:], NOW, ViewSpec(SortField.ERRORS, key_filter=model.key_filter())
    )
    model.sort(Column.ERRORS, Qt.SortOrder.AscendingOrder)
    errors = [model.row_at(r).errors for r in range(model.rows_shown())]
    assert errors == sorted(errors) and len(errors) == len(view.index) + 4


# --- the real app ------------------------------------------------------------------------------
CLOCK = datetime.now(UTC).replace(microsecond=0)


FIRST_ROWS: dict[RowKey, BackupStatusRow] = {}
"""The first report's rows of the ``app`` fixture's app, by key."""


@pytest.fixture
def app(qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppParts]:
    """The demo app after the refresh in which 0.2% of its sets (here one) stop appearing."""
    monkeypatch.setattr(app_module, "utc_now", lambda: CLOCK)
    with running_app(qtbot, tmp_path, rows=600) as parts:
        first = parts.refresh.last_report
        assert first is not None
        FIRST_ROWS.clear()
        FIRST_ROWS.update({r.key: r for r in first.rows})
        with qtbot.waitSignal(parts.history.recorder.recorded, timeout=TIMEOUT):
            parts.refresh.refresh()
        qtbot.waitUntil(lambda: len(parts.model.missing_keys()) > 0, timeout=TIMEOUT)
        yield parts


def shown_keys(parts: AppParts) -> list[RowKey]:
    return [parts.model.row_at(r).key for r in range(parts.model.rows_shown())]


def test_a_set_that_left_the_report_shows_under_missing_with_its_last_data(
    app: AppParts, qtbot: QtBot
) -> None:
    views, model, window = app.problems, app.model, app.window
    assert views is not None
    derived = views.history.states.derived
    assert derived is not None
    missing = model.missing_keys()
    assert missing == derived.missing and len(missing) == 1
    report = app.refresh.last_report
    assert report is not None and not missing & {r.key for r in report.rows}
    assert not missing & set(shown_keys(app))  # not under "All"
    assert window.filter_bar.all_button().text() == f"All {len(report.rows):,}"

    views.bar.buttons[MISSING].click()
    assert shown_keys(app) == list(missing)
    row = model.row_at(0)
    assert row == FIRST_ROWS[row.key]
    assert model.cell_text(0, Column.STATUS) == MISSING_TEXT
    assert "1 missing" in window.shown_label.text()
    views.bar.buttons[MISSING].click()
    views.bar.buttons[NEEDS_ATTENTION].click()
    assert set(missing) <= set(shown_keys(app))
    # The status toggles count the report's rows shown, never the missing ones.
    reported = model.rows_shown() - model.missing_rows_shown()
    assert sum(model.status_counts().values()) == reported > 0


def test_detail_pane_copy_and_selection_of_a_missing_row(app: AppParts, qtbot: QtBot) -> None:
    views, model, window = app.problems, app.model, app.window
    assert views is not None
    views.bar.buttons[MISSING].click()
    (key,) = model.missing_keys()
    assert window.table.select_key(key)
    pane = window.detail_pane
    status = pane.findChild(QLabel, "statusValue")
    since = pane.findChild(QLabel, "missingSinceValue")
    assert status is not None and since is not None
    last = FIRST_ROWS[key]
    assert status.text().startswith("Missing (last known: ")
    assert last.condition_status.capitalize() in status.text()
    assert "not in the latest report" in since.text() and not since.isHidden()
    assert "Missing since:" in pane.details_text()

    window.table.setFocus()
    window.copy_selection()
    copied = QGuiApplication.clipboard().text().splitlines()
    assert copied[1].split("\t")[0] == MISSING_TEXT and last.backupset_name in copied[1]

    # The next refresh keeps the selection on the missing set.
    with qtbot.waitSignal(app.refresh.report_ready, timeout=TIMEOUT):
        app.refresh.refresh()
    qtbot.waitUntil(lambda: not window.busy.isVisible(), timeout=TIMEOUT)
    assert window.table.selected_keys() == [key]


def test_ctrl_k_acknowledges_a_missing_set(app: AppParts, qtbot: QtBot) -> None:
    views, model, window = app.problems, app.model, app.window
    assert views is not None
    history = views.history
    (key,) = model.missing_keys()
    views.bar.buttons[NEEDS_ATTENTION].click()
    assert window.table.select_key(key)
    asked: list[tuple[RowKey, str]] = []

    def ask(problems: list[Problem], _parent: object) -> tuple[str, None]:
        asked.extend((p.key, p.state) for p in problems)
        return "Computer retired", None

    views.ask = ask
    assert views.acknowledge_action is not None
    views.acknowledge_action.trigger()
    assert asked == [(key, MISSING)]
    qtbot.waitUntil(
        lambda: history.states is not None and key in history.states.derived.acknowledged,
        timeout=TIMEOUT,
    )
    assert key not in shown_keys(app)  # handled: no longer needs attention
    views.bar.buttons[NEEDS_ATTENTION].click()
    views.bar.buttons[MISSING].click()
    assert shown_keys(app) == [key]  # still missing, still listed


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def export_view(app: AppParts, qtbot: QtBot, target: Path) -> list[list[str]]:
    exporter = ExportController(
        app.workers,
        app.window,
        app.model,
        app.settings,
        app.settings_controller.current,
        ask_path=lambda _p: str(target),
    )
    with qtbot.waitSignal(exporter.exported, timeout=TIMEOUT):
        exporter.export(False)
    return read_csv(target)


def test_export_flags_missing_stale_and_normal_rows(
    app: AppParts, qtbot: QtBot, tmp_path: Path
) -> None:
    views, model = app.problems, app.model
    assert views is not None
    derived = views.history.states.derived
    assert derived is not None and derived.stale
    views.bar.buttons[MISSING].click()
    views.bar.buttons[STALE].click()  # checked toggles combine: stale or missing
    table = export_view(app, qtbot, tmp_path / "flags.csv")
    columns = app.window.table.visible_columns()
    assert table[0] == [*(c.title for c in columns), *EXTRA_EXPORT_TITLES, FLAG_TITLE]
    at = {c: i for i, c in enumerate(columns)}
    flags = {}
    for line in table[1:]:
        key = next(
            k
            for k in shown_keys(app)
            if k[2] == line[at[Column.BACKUP_SET]] and k[0] == line[at[Column.CUSTOMER]]
        )
        flags[key] = line[-1]
        if line[-1] == "Missing":
            assert line[at[Column.STATUS]] == MISSING_TEXT
        elif line[-1] == "Stale" and line[at[Column.STATUS]] != "Failure":
            assert line[at[Column.STATUS]] == "Stale"  # as on screen; the report's word beside
            assert line[len(columns) + 1] in ("Completed", "Warning", "Running")
    assert {k for k, f in flags.items() if f == "Missing"} == model.missing_keys()
    assert {k for k, f in flags.items() if f == "Stale"} == set(derived.stale)

    views.bar.buttons[MISSING].click()
    views.bar.buttons[STALE].click()  # back to "All": nothing flagged but the stale sets
    everything = export_view(app, qtbot, tmp_path / "all.csv")
    assert len(everything) == model.rows_shown() + 1
    assert {line[-1] for line in everything[1:]} == {"", "Stale"}
    assert sum(line[-1] == "Stale" for line in everything[1:]) == len(derived.stale)


def test_large_reports_rebuild_the_view_with_missing_rows_off_the_gui_thread(
    qtbot: QtBot, tmp_path: Path, workers: Workers
) -> None:
    """From ``missing_in_background_from`` report rows the re-sort runs on a worker: the GUI
    thread only swaps the result in, and a selection follows its set through the swap."""
    rows = make_rows(60)
    missing = history_missing(tmp_path, rows, 4)
    model = ReportTableModel(now=lambda: NOW, workers=workers, missing_in_background_from=10)
    model.set_rows(rows[4:])
    model.sort(Column.CUSTOMER, Qt.SortOrder.DescendingOrder)
    model.filter_by_keys({*(m.key for m in missing), *(r.key for r in rows[10:20])})
    kept = QPersistentModelIndex(model.index(3, 0))
    kept_key = model.row_at(kept.row()).key
    with qtbot.waitSignal(model.view_changed, timeout=TIMEOUT):
        model.set_missing(missing)
        assert model.missing_rows_shown() == 0  # not yet: it is being built elsewhere
    assert model.missing_rows_shown() == 4 and model.rows_shown() == 14
    assert kept.isValid() and model.row_at(kept.row()).key == kept_key
    customers = [model.row_at(r).username for r in range(model.rows_shown())]
    assert customers == sorted(customers, reverse=True)  # the sort the user chose was kept
    # A change overtaken by a newer one is dropped: only the last one is shown.
    with qtbot.waitSignal(model.view_changed, timeout=TIMEOUT):
        model.set_missing(missing[:1])
        model.set_missing(missing[:2])
    with qtbot.assertNotEmitted(model.view_changed, wait=100):  # the overtaken one never comes
        pass
    assert model.missing_keys() == {m.key for m in missing[:2]}
    assert model.missing_rows_shown() == 2


def test_an_overdue_set_reads_overdue_in_the_table_the_copy_and_the_export(loaded) -> None:
    model, _missing = loaded
    shown = [r for r in range(model.rows_shown()) if model.row_at(r).condition_status != "FAILURE"][
        :2
    ]
    quiet, overdue = (model.row_at(r).key for r in shown)
    model.set_stale_keys({quiet, overdue}, {overdue})
    assert [model.flag_at(r) for r in shown] == [STALE, OVERDUE]
    status = list(Column).index(Column.STATUS)
    assert [model.cell_text(r, status) for r in shown] == ["Stale", OVERDUE_TEXT]
    snapshot = model.export_snapshot(shown)
    cells = list(flagged_export_cells(snapshot, [Column.STATUS], dict, with_acknowledged=False))
    assert [(line[0], line[-1]) for line in cells] == [("Stale", "Stale"), ("Overdue", "Overdue")]


def test_a_rebuild_in_the_background_is_paced_on_its_worker(
    qtbot: QtBot, tmp_path: Path, workers: Workers
) -> None:
    """The re-sort with missing rows is never urgent (the report is on screen already): it
    rests with the other paced jobs, on its worker thread, and the result is the same."""
    rows = make_rows(600)
    missing = history_missing(tmp_path, rows, 4)
    rested: list[threading.Thread] = []
    model = ReportTableModel(
        now=lambda: NOW,
        workers=workers,
        missing_in_background_from=10,
        pause=lambda: rested.append(threading.current_thread()),
    )
    model.set_rows(rows[4:])
    model.filter_by_keys({m.key for m in missing})
    with qtbot.waitSignal(model.view_changed, timeout=TIMEOUT):
        model.set_missing(missing)
    assert model.missing_rows_shown() == 4
    assert rested and threading.main_thread() not in rested


def test_the_next_view_is_prepared_paced_only_while_a_report_is_on_screen(qapp: object) -> None:
    """Nobody waits for rows while a report is on screen (at a start: the restored one), so the
    fetched report's view is prepared paced then; into an empty table it comes at full speed."""
    rests: list[None] = []
    model = ReportTableModel(now=lambda: NOW, pause=lambda: rests.append(None))
    prepare = model.preparer()
    first = prepare(Report(rows=tuple(make_rows(600))))
    assert not rests
    model.adopt(first.view)
    prepare(Report(rows=tuple(make_rows(600))))
    assert len(rests) >= 5
    model.set_rows(())  # signed out: the table is empty again
    rests.clear()
    prepare(Report(rows=tuple(make_rows(600))))
    assert not rests
