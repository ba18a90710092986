"""ReportTableModel: Qt model contract, sorting, filtering, search, counts, lookups, texts."""

from __future__ import annotations

import functools
import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from PySide6.QtCore import QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QIcon, QPixmap

from desktop_app.report.derived import Acknowledgement
from desktop_app.report.rows import BackupStatusRow
from desktop_app.report.status import ConditionStatus, status_severity
from desktop_app.ui.table.columns import Column
from desktop_app.ui.table.model import KEY_ROLE, ROW_ROLE, SORT_ROLE, ReportTableModel
from desktop_app.ui.time_format import COMPUTER, format_age, format_duration
from tests.gui.conftest import REPORT_DATE, make_row, make_rows

pytestmark = pytest.mark.usefixtures("qapp")

NOW = REPORT_DATE + timedelta(minutes=30)
ASC, DESC = Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder
STATUSES = tuple(ConditionStatus)


def loaded(rows: list[BackupStatusRow], **kwargs: Any) -> ReportTableModel:
    model = ReportTableModel(now=lambda: NOW, **kwargs)
    model.set_rows(rows)
    return model


def shown(model: ReportTableModel) -> list[BackupStatusRow]:
    return list(model.visible_rows())


# --- an independent reference: comparator over the raw row values --------------------------
def _primary(row: BackupStatusRow, column: Column) -> Any:
    """The value a person would sort by; None when missing."""
    return {
        Column.STATUS: (status_severity(row.condition_status), row.condition_status),
        Column.CUSTOMER: row.username.casefold(),
        Column.COMPUTER: row.computer_name.casefold(),
        Column.BACKUP_SET: row.backupset_name.casefold(),
        Column.STARTED: row.local_start,
        Column.ENDED: row.local_end,
        Column.DURATION: None
        if row.local_end is None or row.local_start is None
        else row.local_end - row.local_start,
        Column.AGE: None if row.local_end is None else NOW - row.local_end,
        Column.ERRORS: row.errors,
        Column.WARNINGS: row.warnings,
        Column.CONDITION_TYPES: ", ".join(row.condition_types).casefold(),
        Column.ACKNOWLEDGED: None,  # nothing acknowledged here (see the acknowledgement tests)
        Column.PARTNER: None if row.partner is None else row.partner.casefold(),
    }[column]


def reference_sort(
    rows: list[BackupStatusRow], column: Column, descending: bool
) -> list[BackupStatusRow]:
    position = {id(r): i for i, r in enumerate(rows)}

    def secondary(r: BackupStatusRow) -> tuple[Any, ...]:
        names = (r.username, r.computer_name, r.backupset_name)
        return (*(s.casefold() for s in names), position[id(r)])

    def compare(a: BackupStatusRow, b: BackupStatusRow) -> int:
        ka, kb = _primary(a, column), _primary(b, column)
        if (ka is None) != (kb is None):
            return 1 if ka is None else -1  # missing last, both directions
        if ka is not None and ka != kb:
            result = -1 if ka < kb else 1
            return -result if descending else result
        sa, sb = secondary(a), secondary(b)
        return -1 if sa < sb else (1 if sa > sb else 0)

    return sorted(rows, key=functools.cmp_to_key(compare))


# --- the Qt model contract -------------------------------------------------------------------
def test_model_contract_holds_through_load_sort_and_filters(qtmodeltester) -> None:
    model = ReportTableModel(now=lambda: NOW)
    qtmodeltester.check(model)  # stays connected: re-checks on every signal below
    model.set_rows(make_rows(60, unknown_every=7))
    model.sort(Column.AGE, DESC)
    model.set_status_filter(frozenset({ConditionStatus.FAILURE, "PAUSED"}))
    model.set_search_text("bo")
    model.filter_by_keys({r.key for r in make_rows(60)[::2]})
    model.set_search_text("")
    model.set_status_filter(None)
    model.sort(-1, ASC)
    model.set_rows(make_rows(10))
    qtmodeltester.check(model)
    assert model.rowCount() == 5  # the key filter (even source rows) survived the reload


def test_headers_and_roles() -> None:
    icons: list[str] = []

    def icon_for_status(status: str) -> QIcon:
        icons.append(status)
        pixmap = QPixmap(8, 8)
        pixmap.fill(QColor("red"))
        return QIcon(pixmap)

    row = make_row("Alice", "PC-9", "Docs", computer_id="9", errors=3, status="FAILURE")
    model = loaded([row], icon_for_status=icon_for_status)
    titles = [model.headerData(c, Qt.Orientation.Horizontal) for c in Column]
    assert titles == [
        "Status", "Customer", "Computer", "Backup set", "Started (your time)",
        "Ended (your time)", "Duration", "Age", "Errors", "Warnings", "Condition types",
        "Acknowledged", "Partner",
    ]  # fmt: skip
    status = model.index(0, Column.STATUS)
    assert status.data() == "Failure"
    assert isinstance(status.data(Qt.ItemDataRole.DecorationRole), QIcon)
    assert model.index(0, Column.CUSTOMER).data(Qt.ItemDataRole.DecorationRole) is None
    model.index(0, Column.STATUS).data(Qt.ItemDataRole.DecorationRole)
    assert icons == ["FAILURE"]  # asked once per status, then cached
    assert status.data(ROW_ROLE) == row
    assert model.index(0, Column.ERRORS).data(KEY_ROLE) == ("Alice", "9", "Docs")
    assert model.index(0, Column.ERRORS).data(SORT_ROLE) == 3
    assert model.index(0, Column.CUSTOMER).data(SORT_ROLE) == "alice"
    assert model.index(0, Column.STARTED).data(SORT_ROLE) == row.local_start.timestamp()
    right = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    assert int(model.index(0, Column.ERRORS).data(Qt.ItemDataRole.TextAlignmentRole)) == right
    assert model.index(0, Column.CUSTOMER).data(Qt.ItemDataRole.TextAlignmentRole) is None
    assert "computer ID 9" in model.index(0, Column.COMPUTER).data(Qt.ItemDataRole.ToolTipRole)


def test_status_text_is_shown_without_an_icon_provider() -> None:
    model = loaded([make_row(status="WARNING"), make_row(computer_id="2", status="PAUSED")])
    assert model.index(0, Column.STATUS).data() == "Warning"
    assert model.index(1, Column.STATUS).data() == "PAUSED"  # unknown: verbatim
    assert model.index(0, Column.STATUS).data(Qt.ItemDataRole.DecorationRole) is None


# --- display texts ---------------------------------------------------------------------------
@pytest.fixture
def admin_in_berlin(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The admin's computer is set to Europe/Berlin (the process's local zone)."""
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_times_follow_one_rule_and_the_header_says_which(admin_in_berlin: None) -> None:
    """Three sets that ended a minute ago in three zones read the same time in the admin's
    zone; the computer's-time setting shows each clock with its offset; tooltips show both."""
    ended = REPORT_DATE - timedelta(minutes=1)
    zones = [timezone(timedelta(hours=h)) for h in (-5, 1, 10)]
    rows = [
        make_row(f"c{i}", computer_id=i, start=ended - timedelta(hours=1), end=ended.astimezone(z))
        for i, z in enumerate(zones)
    ]
    model = loaded(rows)
    assert {model.index(r, Column.ENDED).data() for r in range(3)} == {"2026-11-25 12:59"}
    assert model.headerData(Column.ENDED, Qt.Orientation.Horizontal) == "Ended (your time)"
    tip = model.index(0, Column.ENDED).data(Qt.ItemDataRole.ToolTipRole)
    assert "2026-11-25 12:59 CET (UTC+01:00) your time" in tip
    assert "2026-11-25 06:59 (UTC−05:00) on the computer" in tip

    changed: list[object] = []
    model.headerDataChanged.connect(lambda *args: changed.append(args))
    model.set_time_mode(COMPUTER)
    assert changed  # the header repaints with its new title
    assert model.headerData(Column.ENDED, Qt.Orientation.Horizontal) == "Ended (computer's time)"
    assert [model.index(r, Column.ENDED).data() for r in range(3)] == [
        "2026-11-25 06:59 −05:00",
        "2026-11-25 12:59 +01:00",
        "2026-11-25 21:59 +10:00",
    ]
    assert model.index(0, Column.DURATION).data() == "1 h 00 min"


@pytest.mark.parametrize(
    ("minutes", "duration", "age"),
    [
        (0.5, "30 s", "< 1 min"),
        (12, "12 min", "12 min"),
        (65, "1 h 05 min", "1 h"),
        (3 * 60 + 59, "3 h 59 min", "3 h"),
        (2 * 24 * 60 + 4 * 60 + 10, "52 h 10 min", "2 d 4 h"),
        (3 * 24 * 60, "72 h 00 min", "3 d"),
    ],
)
def test_duration_and_age_texts_with_an_injected_clock(
    minutes: float, duration: str, age: str
) -> None:
    end = REPORT_DATE
    row = make_row(start=end - timedelta(minutes=minutes), end=end)
    model = ReportTableModel(now=lambda: end + timedelta(minutes=minutes))
    model.set_rows([row])
    assert model.index(0, Column.DURATION).data() == duration
    assert model.index(0, Column.AGE).data() == age


def test_running_rows_show_dashes() -> None:
    model = loaded([make_row(status="RUNNING", end=None)])
    assert [model.index(0, c).data() for c in (Column.ENDED, Column.DURATION, Column.AGE)] == [
        "—",
        "—",
        "—",
    ]
    assert model.index(0, Column.AGE).data(SORT_ROLE) is None


def test_age_uses_the_clock_read_at_load_until_refreshed(qtbot) -> None:
    clock = [REPORT_DATE + timedelta(hours=3)]
    model = ReportTableModel(now=lambda: clock[0])
    model.set_rows([make_row(end=REPORT_DATE)])
    assert model.index(0, Column.AGE).data() == "3 h"
    clock[0] += timedelta(days=1)
    assert model.index(0, Column.AGE).data() == "3 h"  # not re-read per paint
    with qtbot.waitSignal(model.dataChanged) as changed:
        model.refresh_now()
    assert changed.args[0].column() == Column.AGE
    assert model.index(0, Column.AGE).data() == "1 d 3 h"
    assert model.index(0, Column.AGE).data(SORT_ROLE) == 27 * 3600
    model.set_rows([make_row(end=REPORT_DATE)], now=REPORT_DATE + timedelta(minutes=5))
    assert model.index(0, Column.AGE).data() == "5 min"


def test_format_helpers_edge_cases() -> None:
    assert format_duration(None) == "—"
    assert format_duration(-5) == "−5 s"  # an end before its start: bad data, shown as such
    assert format_age(-120) == "−2 min"  # an end in the future: clock skew, shown as such


# --- sorting ---------------------------------------------------------------------------------
@pytest.mark.parametrize("column", list(Column))
@pytest.mark.parametrize("order", [ASC, DESC])
def test_every_column_sorts_like_the_reference(column: Column, order: Qt.SortOrder) -> None:
    rows = make_rows(90, unknown_every=11)
    model = loaded(rows)
    model.sort(column, order)
    assert shown(model) == reference_sort(rows, column, order == DESC)
    assert model.sort_column() == column
    assert model.sort_order() == order


def test_ties_keep_customer_computer_backup_set_order_in_both_directions() -> None:
    rows = [
        make_row("zed", "B", "x", computer_id="1", status="FAILURE"),
        make_row("Amy", "b", "y", computer_id="2", status="COMPLETED"),
        make_row("amy", "A", "z", computer_id="3", status="FAILURE"),
        make_row("Amy", "A", "y", computer_id="4", status="FAILURE"),
    ]
    model = loaded(rows)
    model.sort(Column.STATUS, ASC)
    assert [r.computer_id for r in shown(model)] == ["4", "3", "1", "2"]
    model.sort(Column.STATUS, DESC)
    assert [r.computer_id for r in shown(model)] == ["2", "4", "3", "1"]


def test_missing_end_times_sort_last_both_ways() -> None:
    rows = [
        make_row(computer_id="1", end=None, status="RUNNING"),
        make_row(computer_id="2", end=REPORT_DATE - timedelta(hours=5)),
        make_row(computer_id="3", end=REPORT_DATE - timedelta(hours=1)),
        make_row(computer_id="4", end=None, status="RUNNING"),
    ]
    model = loaded(rows)
    for column in (Column.ENDED, Column.DURATION, Column.AGE):
        model.sort(column, ASC)
        assert [r.computer_id for r in shown(model)][2:] == ["1", "4"]
        model.sort(column, DESC)
        assert [r.computer_id for r in shown(model)][2:] == ["1", "4"]
    model.sort(Column.ENDED, ASC)
    assert [r.computer_id for r in shown(model)] == ["2", "3", "1", "4"]
    model.sort(Column.AGE, ASC)
    assert [r.computer_id for r in shown(model)] == ["3", "2", "1", "4"]


def test_times_sort_by_the_instant_not_the_local_clock() -> None:
    early = datetime.fromisoformat("2026-11-25T20:00:00+10:00")  # 10:00 UTC
    late = datetime.fromisoformat("2026-11-25T08:00:00-05:00")  # 13:00 UTC
    model = loaded([make_row(computer_id="1", start=late), make_row(computer_id="2", start=early)])
    model.sort(Column.STARTED, ASC)
    assert [r.computer_id for r in shown(model)] == ["2", "1"]


def test_sort_minus_one_restores_report_order() -> None:
    rows = make_rows(20)
    model = loaded(rows)
    model.sort(Column.CUSTOMER, DESC)
    assert shown(model) != rows
    model.sort(-1, ASC)
    assert shown(model) == rows
    assert model.sort_column() == -1


def test_persistent_indexes_follow_their_rows_through_sort_and_filter() -> None:
    rows = make_rows(40)
    model = loaded(rows)
    followed = [QPersistentModelIndex(model.index(r, Column.COMPUTER)) for r in (0, 7, 21)]
    before = [p.data(ROW_ROLE) for p in followed]
    model.sort(Column.AGE, DESC)
    assert [p.data(ROW_ROLE) for p in followed] == before
    assert [p.column() for p in followed] == [Column.COMPUTER] * 3
    assert [p.row() for p in followed] == [model.view_row_of_key(r.key) for r in before]
    keep = before[1].condition_status
    model.set_status_filter(frozenset({keep}))
    for p, row in zip(followed, before, strict=True):
        assert p.isValid() == (row.condition_status == keep)
        if p.isValid():
            assert p.data(ROW_ROLE) == row


def test_many_persistent_indexes_survive_sorting(qtmodeltester) -> None:
    model = loaded(make_rows(150))
    followed = [QPersistentModelIndex(model.index(r, 0)) for r in range(0, 150, 3)]
    before = [p.data(KEY_ROLE) for p in followed]
    model.sort(Column.DURATION, ASC)
    model.sort(Column.CUSTOMER, DESC)
    assert [p.data(KEY_ROLE) for p in followed] == before


# --- filtering -------------------------------------------------------------------------------
@pytest.mark.parametrize("status", [*STATUSES, "PAUSED"])
def test_status_filter_shows_exactly_that_status(status: str) -> None:
    rows = make_rows(70, unknown_every=9)
    model = loaded(rows)
    model.sort(Column.CUSTOMER, ASC)
    model.set_status_filter(frozenset({status}))
    expected = [
        r for r in reference_sort(rows, Column.CUSTOMER, False) if r.condition_status == status
    ]
    assert expected
    assert shown(model) == expected
    assert model.rows_shown() == len(expected)
    assert model.total_rows() == 70


def test_status_filter_with_several_statuses_and_clearing() -> None:
    rows = make_rows(30, unknown_every=4)
    model = loaded(rows)
    model.set_status_filter(frozenset({ConditionStatus.FAILURE, "PAUSED"}))
    assert shown(model) == [r for r in rows if r.condition_status in {"FAILURE", "PAUSED"}]
    model.set_status_filter(frozenset())
    assert shown(model) == rows
    assert model.status_filter() is None


def test_unknown_status_is_visible_counted_and_filterable() -> None:
    rows = [make_row(computer_id="1", status="PAUSED"), make_row(computer_id="2")]
    model = loaded(rows)
    assert model.rows_shown() == 2
    assert model.status_counts()["PAUSED"] == 1
    model.set_status_filter(frozenset({"COMPLETED"}))
    assert shown(model) == [rows[1]]
    model.set_status_filter(frozenset({"PAUSED"}))
    assert shown(model) == [rows[0]]


@pytest.mark.parametrize("query", ["BOB", "pc-1", "SQL", "laptop", "  eve ", "ali"])
def test_search_matches_each_name_field_case_insensitively(query: str) -> None:
    rows = make_rows(45)
    model = loaded(rows)
    model.set_search_text(query)
    needle = query.strip().casefold()
    expected = [
        r
        for r in rows
        if any(needle in s.casefold() for s in (r.username, r.computer_name, r.backupset_name))
    ]
    assert expected
    assert len(expected) < len(rows)
    assert shown(model) == expected


def test_search_does_not_match_across_fields_or_other_columns() -> None:
    model = loaded([make_row("alice", "PC-1", "Files", status="FAILURE")])
    for query in ("alicepc", "failure", "completed"):
        model.set_search_text(query)
        assert model.rows_shown() == 0


def test_search_narrows_and_widens_while_typing_and_deleting() -> None:
    rows = make_rows(120)
    model = loaded(rows)
    model.sort(Column.STARTED, DESC)
    ordered = reference_sort(rows, Column.STARTED, True)
    typed = ["p", "pc", "pc-", "pc-3", "pc-", "pc", "c", "ca", "car", "ca", "", "zz", ""]
    sizes = []
    for text in typed:
        model.set_search_text(text)
        expected = [
            r
            for r in ordered
            if any(text in s.casefold() for s in (r.username, r.computer_name, r.backupset_name))
        ]
        assert shown(model) == expected, text
        sizes.append(len(expected))
    assert sizes[3] < sizes[2] <= sizes[1] <= sizes[0]  # narrowing happened
    assert sizes[-2] == 0 and sizes[-1] == 120


def test_filter_by_keys_combines_with_other_filters() -> None:
    rows = make_rows(50)
    model = loaded(rows)
    wanted = {r.key for r in rows[:20]} | {("nobody", "1", "x")}
    model.filter_by_keys(wanted)
    assert shown(model) == rows[:20]
    model.set_status_filter(frozenset({ConditionStatus.FAILURE}))
    assert shown(model) == [r for r in rows[:20] if r.condition_status == "FAILURE"]
    model.filter_by_keys(set())
    assert model.rows_shown() == 0
    model.filter_by_keys(None)
    assert shown(model) == [r for r in rows if r.condition_status == "FAILURE"]


def test_counts_follow_search_and_keys_but_not_status_filter(qtbot) -> None:
    rows = make_rows(80, unknown_every=13)
    model = loaded(rows)
    counts = model.status_counts()
    assert counts == {**dict.fromkeys(STATUSES, 0), **Counter(r.condition_status for r in rows)}
    assert list(counts)[:2] == ["FAILURE", "PAUSED"] or list(counts)[:2] == ["FAILURE", "WARNING"]
    model.set_status_filter(frozenset({ConditionStatus.RUNNING}))
    assert model.status_counts() == counts
    with qtbot.waitSignal(model.counts_changed):
        model.set_search_text("Laptop")
    laptops = [r for r in rows if r.computer_name == "Laptop"]
    assert model.status_counts() == {
        **dict.fromkeys([*STATUSES, "PAUSED"], 0),
        **Counter(r.condition_status for r in laptops),
    }
    assert shown(model) == [r for r in laptops if r.condition_status == "RUNNING"]
    with qtbot.waitSignal(model.counts_changed):
        model.filter_by_keys({laptops[0].key})
    assert sum(model.status_counts().values()) == 1


def test_documented_statuses_are_counted_even_when_absent() -> None:
    model = loaded([make_row(status="FAILURE")])
    assert model.status_counts() == {"FAILURE": 1, "WARNING": 0, "RUNNING": 0, "COMPLETED": 0}


def test_set_rows_keeps_sort_and_filters(qtbot) -> None:
    model = loaded(make_rows(30))
    model.sort(Column.BACKUP_SET, DESC)
    model.set_status_filter(frozenset({ConditionStatus.COMPLETED}))
    model.set_search_text("pc")
    fresh = make_rows(90, unknown_every=5)
    with qtbot.waitSignals([model.modelReset, model.counts_changed, model.view_changed]):
        model.set_rows(fresh)
    expected = [
        r
        for r in reference_sort(fresh, Column.BACKUP_SET, True)
        if r.condition_status == "COMPLETED" and "pc" in r.computer_name.casefold()
    ]
    assert expected
    assert shown(model) == expected
    assert model.search_text() == "pc"


def test_view_changed_on_sort_and_filter(qtbot) -> None:
    model = loaded(make_rows(10))
    with qtbot.waitSignal(model.view_changed):
        model.sort(Column.ERRORS, ASC)
    with qtbot.waitSignal(model.view_changed):
        model.set_status_filter(frozenset({ConditionStatus.WARNING}))
    with qtbot.assertNotEmitted(model.view_changed):
        model.set_status_filter(frozenset({ConditionStatus.WARNING}))  # no change, no signal


# --- lookups and export helpers ----------------------------------------------------------------
def test_view_row_of_key_after_sort_and_filter() -> None:
    rows = make_rows(60)
    model = loaded(rows)
    model.sort(Column.WARNINGS, DESC)
    model.set_search_text("eve")
    for view_row in range(model.rows_shown()):
        row = model.row_at(view_row)
        assert model.view_row_of_key(row.key) == view_row
    hidden = next(r for r in rows if "eve" not in r.username.casefold())
    assert model.view_row_of_key(hidden.key) is None
    assert model.view_row_of_key(("nobody", "0", "none")) is None
    with pytest.raises(IndexError):
        model.row_at(model.rows_shown())


def test_visible_rows_and_cell_text_match_what_the_view_shows() -> None:
    rows = make_rows(25)
    model = loaded(rows)
    model.sort(Column.COMPUTER, ASC)
    model.set_status_filter(frozenset({ConditionStatus.COMPLETED, ConditionStatus.WARNING}))
    view = list(model.visible_rows())
    assert view == [model.index(r, 0).data(ROW_ROLE) for r in range(model.rowCount())]
    for r in range(model.rowCount()):
        for c in Column:
            assert model.cell_text(r, c) == model.index(r, c).data()


def test_stale_sets_read_stale_with_their_icon_and_sort_after_failures() -> None:
    """A 13-day-old completed backup must not show a green Completed check: its Status reads
    "Stale" with the stale icon (the report's status in the tooltip), and sorting by Status puts
    it after the failures and before the warnings. A failing set stays a failure."""
    asked: list[str] = []

    def icon_for_status(status: str) -> QIcon:
        asked.append(status)
        return QIcon()

    quiet = make_row("quiet", computer_id="1", end=REPORT_DATE - timedelta(days=13))
    failing = make_row("failing", computer_id="2", status="FAILURE")
    old_failing = make_row("old", computer_id="3", status="FAILURE", end=quiet.local_end)
    warning = make_row("warn", computer_id="4", status="WARNING")
    fine = make_row("fine", computer_id="5")
    model = loaded([fine, warning, quiet, old_failing, failing], icon_for_status=icon_for_status)
    model.sort(Column.STATUS, ASC)
    assert [r.username for r in shown(model)] == ["failing", "old", "warn", "fine", "quiet"]

    model.set_stale_keys({quiet.key, old_failing.key})
    assert [r.username for r in shown(model)] == ["failing", "old", "quiet", "warn", "fine"]
    status = model.index(2, Column.STATUS)
    assert status.data() == "Stale"
    status.data(Qt.ItemDataRole.DecorationRole)
    assert asked[-1] == "STALE"
    tip = status.data(Qt.ItemDataRole.ToolTipRole)
    assert (
        tip.startswith("Stale: no backup activity for 13 d") and "Reported status: Completed" in tip
    )
    assert model.index(1, Column.STATUS).data() == "Failure"  # failing outranks stale
    assert model.cell_text(2, Column.STATUS) == "Stale"  # copies say what the view says
    model.sort(Column.STATUS, DESC)
    assert [r.username for r in shown(model)][-3:] == ["quiet", "failing", "old"]
    model.set_stale_keys(set())
    assert model.index(model.view_row_of_key(quiet.key), Column.STATUS).data() == "Completed"


def test_acknowledged_sets_show_who_with_an_icon_and_sort_by_when() -> None:
    first, second, plain = (make_row(u, computer_id=i) for i, u in enumerate(("a", "b", "c")))
    model = loaded([plain, second, first])
    at = REPORT_DATE - timedelta(hours=3)
    model.set_acknowledgements(
        {
            first.key: Acknowledgement(first.key, "STALE", "on holiday", "alice", at),
            second.key: Acknowledgement(
                second.key,
                "FAILURE",
                "disk",
                "bob",
                at + timedelta(hours=1),
                at + timedelta(days=2),
            ),
        }
    )
    model.sort(Column.ACKNOWLEDGED, ASC)
    assert [r.username for r in shown(model)] == ["a", "b", "c"]  # by when; none last
    cell = model.index(1, Column.ACKNOWLEDGED)
    assert cell.data() == "bob"
    assert (
        isinstance(cell.data(Qt.ItemDataRole.DecorationRole), QIcon)
        or cell.data(Qt.ItemDataRole.DecorationRole) is None
    )  # no icon provider here
    tip = cell.data(Qt.ItemDataRole.ToolTipRole)
    assert (
        tip.startswith("Acknowledged by bob, ") and "Snoozed until" in tip and "Note: disk" in tip
    )
    assert model.index(2, Column.ACKNOWLEDGED).data() == ""
    assert model.index(2, Column.ACKNOWLEDGED).data(Qt.ItemDataRole.ToolTipRole) is None
    model.sort(Column.ACKNOWLEDGED, DESC)
    assert [r.username for r in shown(model)] == ["b", "a", "c"]
