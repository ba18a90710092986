"""The report table model: every backup set, sorted and filtered without a proxy model.

A ``QSortFilterProxyModel`` over a Python model calls ``data()`` once per comparison (19 s to
sort 100,000 rows, measured). This model sorts and filters its own row index over keys computed
once (``report.row_index.RowIndex``) and only formats the few cells a view actually paints.

Missing sets (from the history) are extra rows after the report's, each its last known row,
marked in the Status column by the word "Missing" and its own icon, and in italics; see
``report.row_index`` for when they are shown and how they sort and count.

Values the report could not read are marked where they show (``ui.problems.read_problems``): the
unknown-status icon, the reason in the tooltip, and an empty cell while the value is unknown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QFont, QIcon

from desktop_app.report.derived import MISSING, STALE, Acknowledgement
from desktop_app.report.prepared import ViewPreparer
from desktop_app.report.row_index import RowIndex
from desktop_app.report.rows import BackupStatusRow, ReadProblem, RowKey
from desktop_app.report.sort_keys import normalise_query
from desktop_app.report.status import status_group
from desktop_app.runtime.pacing import unpaced
from desktop_app.ui.table.columns import (
    MISSING_TEXT,
    OVERDUE_TEXT,
    REPEATED_TEXT,
    STALE_TEXT,
    TEXT_FORMATTERS_BY_MODE,
    TOOLTIP_FORMATTERS,
    Column,
    acknowledged_text,
    acknowledged_tooltip,
    column_description,
    column_title,
    copied_text,
    missing_tooltip,
    stale_tooltip,
)
from desktop_app.ui.table.marked_sets import MarkedSets
from desktop_app.ui.table.read_marks import CellProblems, problem_cells
from desktop_app.ui.time_format import LOCAL, TIME_MODES
from desktop_app.ui.workers import Workers

SORT_ROLE = int(Qt.ItemDataRole.UserRole) + 1
"""The value the model sorts a cell by: case-folded text, POSIX seconds, seconds of duration
or age, counts, or the status rank (worst first); ``None`` when missing."""
ROW_ROLE = int(Qt.ItemDataRole.UserRole) + 2
"""The whole ``BackupStatusRow`` of the cell's row."""
KEY_ROLE = int(Qt.ItemDataRole.UserRole) + 3
"""The row's ``RowKey`` (username, computer_id, backupset_name)."""
MISSING_ROLE = int(Qt.ItemDataRole.UserRole) + 4
"""The row's ``MissingSet`` when it is a missing set's last known row, else ``None``."""

_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_DECORATION = int(Qt.ItemDataRole.DecorationRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_FONT = int(Qt.ItemDataRole.FontRole)
_STATUS = int(Column.STATUS)
_ACKNOWLEDGED = int(Column.ACKNOWLEDGED)
_SHOWN_ROLES = frozenset({_DISPLAY, _DECORATION, _TOOLTIP})
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_ALIGNMENTS = tuple(_RIGHT if c.numeric else None for c in Column)
_COLUMNS = tuple(Column)
_NCOLS = len(_COLUMNS)
_SORT_FIELDS = tuple(c.sort_field for c in Column)

_AnyIndex = QModelIndex | QPersistentModelIndex
UNREADABLE_ICON = "UNKNOWN"
"""The icon marking a cell whose value could not be read (the unknown-status icon)."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class ExportSnapshot:
    """What an export of the view needs: the rows, which are missing sets' last known rows
    (one byte each), the stale and acknowledged sets, and the clock reading ages count from."""

    rows: list[BackupStatusRow]
    missing: bytes
    stale: frozenset[RowKey]
    acknowledged: Mapping[RowKey, Acknowledgement]
    now: datetime
    overdue: frozenset[RowKey] = frozenset()  # the stale sets judged by their rhythm


class ReportTableModel(MarkedSets, QAbstractTableModel):
    """All rows of the current report, shown sorted and filtered.

    Rows are replaced as a whole by :meth:`set_rows` (one model reset; sort and filters stay).
    Sorting and filtering rearrange rows with a layout change that moves persistent indexes, so
    selections and the current row survive both. Ages are measured from the clock reading taken
    at load time (or :meth:`refresh_now`), never per paint, so a column never reorders itself.

    Signals:
        counts_changed(): :meth:`status_counts` may differ (after a load, search or key filter).
        view_changed(): the shown rows or their order changed (load, sort, any filter).
    """

    counts_changed = Signal()
    view_changed = Signal()

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        icon_for_status: Callable[[str], QIcon | None] | None = None,
        now: Callable[[], datetime] = _utc_now,
        workers: Workers | None = None,
        missing_in_background_from: int = 20_000,
        pause: Callable[[], None] = unpaced,
    ) -> None:
        super().__init__(parent)
        self._icon_for_status = icon_for_status
        self._icons: dict[str, QIcon | None] = {}
        self._clock = now
        self._view = RowIndex()
        self._preparer = ViewPreparer(now, self._view.spec)
        self._sort_column = -1
        self._sort_order = Qt.SortOrder.AscendingOrder
        self._init_marked_sets(workers, missing_in_background_from, pause)
        self._missing_font = QFont()
        self._missing_font.setItalic(True)
        self._unreadable: CellProblems = {}
        self._time_mode = LOCAL
        self._formatters = TEXT_FORMATTERS_BY_MODE[LOCAL]

    # --- loading ---------------------------------------------------------------------------
    def set_rows(self, rows: Iterable[BackupStatusRow], now: datetime | None = None) -> None:
        """Replace all rows in one reset; ``now`` (aware) is what ages count from."""
        self.beginResetModel()
        self._view.load(rows, now if now is not None else self._clock(), self._preparer.missing)
        self.endResetModel()
        self._pace_next_views()
        self.counts_changed.emit()
        self.view_changed.emit()

    def set_read_problems(self, problems: Sequence[ReadProblem]) -> None:
        """Mark the cells of the values the next rows could not read (set with the rows)."""
        self._unreadable = problem_cells(problems)

    def adopt(self, view: RowIndex) -> None:
        """Show an index prepared off the GUI thread (see :meth:`preparer`): a swap in one reset.

        If the user sorted or filtered while it was prepared, the current choice is re-applied.
        """
        view.apply(self._view.spec)
        # As known now: usually what it was prepared with (then nothing is re-sorted here).
        view.set_missing(self._preparer.missing)
        # The worker judged the new rows' stale sets (with the rule); the derived states, which
        # judge from the same clock reading, confirm them without a re-sort.
        self._stale = self._preparer.stale = view.stale_keys
        view.set_acknowledged(self._preparer.acknowledged)
        self.beginResetModel()
        self._view = view
        self.endResetModel()
        self._pace_next_views()
        self.counts_changed.emit()
        self.view_changed.emit()

    def _pace_next_views(self) -> None:
        """With rows on screen the next report's view is prepared paced (at a start over a 100k
        history the fetched report's unpaced preparation stalled the restored one's first paint
        270 ms, bench_gui_fetch --watchdog); an empty table's next view is urgent."""
        self._preparer.pause = self._pause if self._view.report_size else unpaced

    def preparer(self) -> ViewPreparer:
        """A callable for the fetch worker: ``Report`` -> ``PreparedReport`` with this model's
        current sort and filters (kept up to date as they change)."""
        return self._preparer

    def refresh_now(self, now: datetime | None = None) -> None:
        """Re-read the clock for the Age column (e.g. once a minute); the order is unchanged."""
        self._view.refresh_now(now if now is not None else self._clock())
        if self.rowCount():
            age = int(Column.AGE)
            self.dataChanged.emit(
                self.index(0, age), self.index(self.rowCount() - 1, age), [_DISPLAY, _TOOLTIP]
            )

    def now(self) -> datetime:
        """The clock reading ages are measured from."""
        return self._view.now

    def latest_report_date(self) -> datetime | None:
        """The report's date: its rows' newest (worked out when the report was prepared)."""
        return self._view.latest_report_date()

    def export_snapshot(self, view_rows: Sequence[int] | None = None) -> ExportSnapshot:
        """The shown rows, or ``view_rows``, with what the view knows about them: immutable
        values a worker thread can turn into the export's cells (C-level work only here)."""
        view = self._view
        sources = (
            list(view.index) if view_rows is None else list(map(view.index.__getitem__, view_rows))
        )
        rows = list(map(view.rows.__getitem__, sources))
        missing = bytes(map(view.report_size.__le__, sources))
        return ExportSnapshot(rows, missing, self._stale, self._acks, self._view.now, self._overdue)

    # --- Qt model interface ----------------------------------------------------------------
    def rowCount(self, parent: _AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._view.index)

    def columnCount(self, parent: _AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(_COLUMNS)

    def index(self, row: int, column: int, parent: _AnyIndex = QModelIndex()) -> QModelIndex:  # noqa: B008
        # One Python call instead of Qt's default, which calls rowCount and columnCount.
        if parent.isValid() or not (0 <= row < len(self._view.index) and 0 <= column < _NCOLS):
            return QModelIndex()
        return self.createIndex(row, column)

    def data(self, index: _AnyIndex, role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        view = self._view
        source = view.index[index.row()]
        row = view.rows[source]
        column = index.column()
        if column == _ACKNOWLEDGED and role in _SHOWN_ROLES:  # not in the row: the model knows
            return self._acknowledged_data(row.key, role)
        if source >= view.report_size:  # a missing set's last known row
            return self._missing_data(row, column, role, source)
        unreadable = self._unreadable.get((source, column)) if self._unreadable else None
        if column == _STATUS and role in _SHOWN_ROLES and view.is_stale(source):
            shown = self._stale_data(row, role)
            if role == _TOOLTIP and unreadable is not None:  # "Stale" says more than the status
                return f"{unreadable[1]}\n{shown}"
            return shown
        if role == _DISPLAY:
            if unreadable is not None and unreadable[0]:
                return ""
            if column == _STATUS and self._repeated and row.key in self._repeated:
                return REPEATED_TEXT
            return self._formatters[column](row, view.now)
        if role == _DECORATION:
            if unreadable is not None:
                return self._icon(UNREADABLE_ICON)
            return self._icon(status_group(row.condition_status)) if column == _STATUS else None
        if role == _ALIGNMENT:
            return _ALIGNMENTS[column]
        if role == _TOOLTIP:
            tip = TOOLTIP_FORMATTERS[column](row, view.now)
            return tip if unreadable is None else f"{unreadable[1]}\n{tip}"
        if role == SORT_ROLE:
            return view.keys(_SORT_FIELDS[column])[source]
        if role == ROW_ROLE:
            return row
        if role == KEY_ROLE:
            return row.key
        return None

    def _acknowledged_data(self, key: RowKey, role: int) -> Any:
        ack = self._acks.get(key)
        if ack is None:
            return "" if role == _DISPLAY else None
        if role == _DISPLAY:
            return acknowledged_text(ack)
        if role == _DECORATION:
            return self._icon("ACKNOWLEDGED")
        return acknowledged_tooltip(ack)

    def _stale_data(self, row: BackupStatusRow, role: int) -> Any:
        """The Status cell of a stale set: "Stale" with its icon; the report's word in the tip."""
        if role == _DISPLAY:
            return OVERDUE_TEXT if row.key in self._overdue else STALE_TEXT
        if role == _DECORATION:
            return self._icon(STALE)
        return stale_tooltip(row, self._view.now)

    def _missing_data(self, row: BackupStatusRow, column: int, role: int, source: int) -> Any:
        """Like ``data`` for a missing row: "Missing" with its icon, italics, explained."""
        if role == _DISPLAY:
            return MISSING_TEXT if column == _STATUS else self._formatters[column](row, self.now())
        if role == _DECORATION:
            return self._icon(MISSING) if column == _STATUS else None
        if role == _FONT:
            return self._missing_font
        if role == _TOOLTIP:
            info = self._missing.get(row.key)
            since = info.missing_since if info is not None else None
            if column == _STATUS:
                return missing_tooltip(row, since)
            return TOOLTIP_FORMATTERS[column](row, self.now()) + "\n(last known; missing now)"
        if role == MISSING_ROLE:
            return self._missing.get(row.key)
        if role == _ALIGNMENT:
            return _ALIGNMENTS[column]
        if role == SORT_ROLE:
            return self._view.keys(_SORT_FIELDS[column])[source]
        if role == ROW_ROLE:
            return row
        if role == KEY_ROLE:
            return row.key
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(_COLUMNS):
            if role == _DISPLAY:
                return column_title(_COLUMNS[section], self._time_mode)
            if role == _TOOLTIP:
                return column_description(_COLUMNS[section], self._time_mode)
            return None
        return super().headerData(section, orientation, role)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by a column (-1: the report's own order); ties stay by customer, computer,
        backup set; rows without a value (still running) go last either way."""
        field = _SORT_FIELDS[column] if 0 <= column < len(_COLUMNS) else None
        descending = order == Qt.SortOrder.DescendingOrder
        self._sort_column = column if field is not None else -1
        self._sort_order = order
        self._relayout(lambda: self._view.sort(field, descending))

    def sort_column(self) -> int:
        return self._sort_column

    def sort_order(self) -> Qt.SortOrder:
        return self._sort_order

    # --- filters ---------------------------------------------------------------------------
    def set_status_filter(self, statuses: frozenset[str] | None) -> None:
        """Show only these statuses (``None`` or empty: all, including unknown ones)."""
        wanted = frozenset(statuses) if statuses else None
        if wanted != self._view.status_filter:
            self._relayout(lambda: self._view.set_status_filter(wanted))

    def status_filter(self) -> frozenset[str] | None:
        return self._view.status_filter

    def set_search_text(self, text: str) -> None:
        """Case-insensitive substring of customer, computer or backup set name."""
        if normalise_query(text) != self._view.search_text:
            self._relayout(lambda: self._view.set_search_text(text))
            self.counts_changed.emit()

    def search_text(self) -> str:
        return self._view.search_text

    def filter_by_keys(self, keys: Iterable[RowKey] | None) -> None:
        """Show only these backup sets (``None``: lift this filter)."""
        wanted = None if keys is None else frozenset(keys)
        if wanted != self._view.key_filter:
            self._relayout(lambda: self._view.set_key_filter(wanted))
            self.counts_changed.emit()

    def key_filter(self) -> frozenset[RowKey] | None:
        return self._view.key_filter

    def _relayout(self, change: Callable[[], object], *, by_key: bool = False) -> None:
        """Apply a sort/filter change as a layout change, moving persistent indexes.

        Rows filtered out get invalid persistent indexes (as ``QSortFilterProxyModel`` does);
        the rest follow their row, so selections survive. ``by_key``: the change renumbers
        source rows (missing rows replaced), so indexes follow their set's key instead.
        """
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        old_index = self._view.index
        sources = [old_index[p.row()] for p in persistent]
        keys = [self._view.rows[s].key for s in sources] if by_key else []
        change()
        if by_key:
            new_rows = [self._view.view_row_of_key(k) for k in keys]
        else:
            new_rows = self._view.view_rows_of_sources(sources)
        self.changePersistentIndexList(
            persistent,
            [
                QModelIndex() if r is None else self.createIndex(r, p.column())
                for p, r in zip(persistent, new_rows, strict=True)
            ],
        )
        self._preparer.spec = self._view.spec
        self.layoutChanged.emit()
        self.view_changed.emit()

    # --- queries ---------------------------------------------------------------------------
    def rows_shown(self) -> int:
        return len(self._view.index)

    def total_rows(self) -> int:
        """Rows of the current report (missing sets not included)."""
        return self._view.report_size

    def row_at(self, view_row: int) -> BackupStatusRow:
        """The row shown at ``view_row``; ``IndexError`` outside ``0..rows_shown()-1``."""
        if not 0 <= view_row < len(self._view.index):
            raise IndexError(view_row)
        return self._view.rows[self._view.index[view_row]]

    def view_row_of_key(self, key: RowKey) -> int | None:
        """Where that backup set is shown, or ``None`` (not in this report, or filtered out)."""
        return self._view.view_row_of_key(key)

    def visible_rows(self) -> Iterator[BackupStatusRow]:
        """The shown rows in view order (a snapshot: later changes do not affect it)."""
        return map(self._view.rows.__getitem__, self._view.index)

    def cell_text(self, view_row: int, column: int) -> str:
        """What the view shows in that cell, for export and copy."""
        row = self.row_at(view_row)
        source = self._view.index[view_row]
        if column == _STATUS and self._view.is_missing(source):
            return MISSING_TEXT
        if column == _STATUS and self._view.is_stale(source):
            return OVERDUE_TEXT if row.key in self._overdue else STALE_TEXT
        if column == _STATUS and row.key in self._repeated:
            return REPEATED_TEXT
        if column == _ACKNOWLEDGED:
            ack = self._acks.get(row.key)
            return "" if ack is None else acknowledged_text(ack)
        return self._formatters[column](row, self._view.now)

    def copy_text(self, view_row: int, column: int) -> str:
        """A cell as Ctrl+C copies it: the shown text, with times carrying their offset."""
        if column in (Column.STARTED, Column.ENDED):
            return copied_text(
                self.row_at(view_row), Column(column), self._view.now, self._time_mode
            )
        return self.cell_text(view_row, column)

    # --- times ---------------------------------------------------------------------------
    def time_mode(self) -> str:
        return self._time_mode

    def set_time_mode(self, mode: str) -> None:
        """Show times in the admin's zone (``LOCAL``) or each computer's (``COMPUTER``); the
        headers of the time columns say which."""
        if mode not in TIME_MODES or mode == self._time_mode:
            return
        self._time_mode = mode
        self._formatters = TEXT_FORMATTERS_BY_MODE[mode]
        first, last = int(Column.STARTED), int(Column.ENDED)
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, first, last)
        if self.rowCount():
            self.dataChanged.emit(
                self.index(0, first), self.index(self.rowCount() - 1, last), [_DISPLAY]
            )

    def status_counts(self) -> dict[str, int]:
        """Rows per status among those matching the search and key filter (status filter
        ignored), worst first; documented statuses always listed, unknown ones verbatim."""
        return self._view.status_counts()

    def _icon(self, status: str) -> QIcon | None:
        if self._icon_for_status is None:
            return None
        if status not in self._icons:
            self._icons[status] = self._icon_for_status(status)
        return self._icons[status]
