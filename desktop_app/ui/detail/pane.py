"""The detail pane: every field of the selected backup set, readable, selectable and copyable.

``detail_fields`` is the single source of the pane's wording: the widget shows it and
``details_text`` (the "Copy details" text) joins it, so what is copied is what is shown.

A missing set (in an earlier report, not in the latest; the history says since when) shows its
last known row, its status reading "Missing (last known: …)" with the missing icon, and a
"Missing since" line.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, tzinfo
from typing import Protocol

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QFont,
    QGuiApplication,
    QKeySequence,
    QPalette,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from desktop_app.report.derived import Acknowledgement
from desktop_app.report.problem_states import ProblemStates
from desktop_app.report.rows import BackupStatusRow, RowKey
from desktop_app.report.status import (
    status_text,
)
from desktop_app.report.timeline import SetHistory
from desktop_app.ui.detail.badge import ConditionBadge
from desktop_app.ui.detail.fields import (
    UNKNOWN,
    detail_fields,
    details_text,
    history_texts,
    shown,
    stale_status_text,
)
from desktop_app.ui.detail.history_strip import HistoryStrip
from desktop_app.ui.detail.rhythm_row import RhythmRow, RhythmSource
from desktop_app.ui.icons import IconProvider

EMPTY_TEXT = "Select a backup set to see its details"


class HistorySource(Protocol):
    """Where the pane's history rows come from (the history service)."""

    @property
    def available(self) -> bool: ...  # the history is open: show the history rows

    def set_history(self, key: RowKey) -> SetHistory | None: ...  # None: it cannot be read

    def acknowledgement(self, key: RowKey) -> Acknowledgement | None: ...


NARROW_WIDTH = 320
"""Below this width the pane puts each label above its value instead of beside it."""
_SIDE_MARGIN = 12  # the details' left and right margins


def _value_label(name: str, accessible: str) -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    label.setAccessibleName(accessible)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(
        Qt.TextInteractionFlag.TextSelectableByMouse
        | Qt.TextInteractionFlag.TextSelectableByKeyboard
    )
    label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    return label


class DetailPane(QWidget):
    """Shows one ``BackupStatusRow`` (or an empty state) and copies it as plain text.

    ``now`` returns an aware UTC datetime (for the age and a running duration); ``local_tz`` is
    the admin's zone, ``None`` for the system's. Call ``refresh()`` to bring ages up to date.

    Signals:
        detailsCopied(str): the text just put on the clipboard.
    """

    detailsCopied = Signal(str)

    def __init__(
        self,
        icons: IconProvider,
        now: Callable[[], datetime],
        local_tz: tzinfo | None = None,
        parent: QWidget | None = None,
        *,
        history: HistorySource | None = None,
        rhythms: RhythmSource | None = None,
    ) -> None:
        super().__init__(parent)
        self._icons = icons
        self._now = now
        self._local_tz = local_tz
        self._history = history
        self._rhythm_row = RhythmRow(rhythms) if rhythms is not None else None
        self._row: BackupStatusRow | None = None
        self._missing_since: datetime | None = None
        self._states: ProblemStates | None = None
        self._stale_after: timedelta | None = None
        self._judged: str | None = None  # the Status as the problem states word it
        self._rhythm_text: str | None = None
        self._values: dict[str, QLabel] = {}
        self._admin: dict[str, QLabel] = {}
        self._field_labels: list[QLabel] = []
        self.setObjectName("detailPane")
        self.setAccessibleName("Backup set details")

        self.copy_action = QAction("Copy details", self)
        self.copy_action.setObjectName("copyDetailsAction")
        self.copy_action.setShortcut(QKeySequence("Ctrl+Shift+C"))
        self.copy_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.copy_action.setToolTip("Copy every field of this backup set as plain text")
        self.copy_action.triggered.connect(self.copy_details)
        self.addAction(self.copy_action)

        self._stack = QStackedWidget()
        self._empty = QLabel(EMPTY_TEXT)
        self._empty.setObjectName("emptyState")
        self._empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._empty.setWordWrap(True)
        self._empty.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self._stack.addWidget(self._empty)
        self._stack.addWidget(self._build_details())

        self._copy_button = QPushButton("Copy details")
        self._copy_button.setObjectName("copyDetailsButton")
        self._copy_button.setAccessibleName("Copy details")
        self._copy_button.setToolTip(self.copy_action.toolTip())
        self._copy_button.clicked.connect(self.copy_action.trigger)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(12, 4, 12, 10)
        buttons.addStretch(1)
        buttons.addWidget(self._copy_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._stack, 1)
        layout.addLayout(buttons)
        self.set_row(None)

    def _build_details(self) -> QScrollArea:
        content = QWidget()
        content.setObjectName("detailContent")
        outer = QVBoxLayout(content)
        outer.setContentsMargins(_SIDE_MARGIN, 10, _SIDE_MARGIN, 10)
        outer.setSpacing(10)

        self._title = _value_label("titleLabel", "Backup set name")
        font = QFont(self._title.font())
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.25)
        self._title.setFont(font)
        outer.addWidget(self._title)

        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        form.setHorizontalSpacing(14)
        form.setVerticalSpacing(8)
        self._form = form
        outer.addLayout(form)
        outer.addStretch(1)

        self._add_row("customer", "Customer")
        self._add_row("computer", "Computer")
        self._add_row("backupSet", "Backup set")

        self._status_icon = QLabel()
        self._status_icon.setObjectName("statusIcon")
        status_row = QHBoxLayout()
        status_row.setContentsMargins(0, 0, 0, 0)
        status_row.setSpacing(6)
        status_row.addWidget(self._status_icon, 0, Qt.AlignmentFlag.AlignVCenter)
        self._values["status"] = _value_label("statusValue", "Status")
        status_row.addWidget(self._values["status"], 1)
        form.addRow(self._field_label("Status"), status_row)
        self._add_row("missingSince", "Missing since")
        self._form.setRowVisible(self._values["missingSince"], False)
        self._add_row("stale", "Stale")
        self._form.setRowVisible(self._values["stale"], False)
        if self._rhythm_row is not None:
            form.addRow(self._field_label("Rhythm"), self._rhythm_row)
            self._form.setRowVisible(self._rhythm_row, False)

        self._badges = QWidget()
        self._badges.setObjectName("conditionBadges")
        self._badges.setAccessibleName("Conditions")
        self._badge_layout = QVBoxLayout(self._badges)
        self._badge_layout.setContentsMargins(0, 0, 0, 0)
        self._badge_layout.setSpacing(4)
        form.addRow(self._field_label("Conditions"), self._badges)

        self._add_row("started", "Started", with_admin=True)
        self._add_row("ended", "Ended", with_admin=True)
        for key, label in (
            ("duration", "Duration"),
            ("age", "Age"),
            ("errors", "Errors"),
            ("warnings", "Warnings"),
            ("reportDate", "Report date"),
        ):
            self._add_row(key, label)
        self._build_history_rows()

        # Word-wrapping labels report their minimum height at their narrowest width, which would
        # make the scroll area keep a needless scroll bar; the content's height-for-width at the
        # actual width is what counts, so the minimum height is pinned low (the width minimum
        # still comes from the layout).
        content.setMinimumHeight(1)
        scroll = QScrollArea()
        scroll.setObjectName("detailScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        scroll.setWidget(content)
        return scroll

    def _build_history_rows(self) -> None:
        """History and acknowledgement rows, shown only when a provider is set."""
        self.history_strip = HistoryStrip()
        strip_label = self._field_label("Last 30 days")
        self._form.addRow(strip_label, self.history_strip)
        self._history_rows: list[QWidget] = [self.history_strip]
        for key, label in (
            ("failingSince", "Failing since"),
            ("lastSuccess", "Last successful backup"),
            ("runsSeen", "Runs seen"),
            ("acknowledged", "Acknowledged"),
        ):
            self._add_row(key, label)
            self._history_rows.append(self._values[key])

    def _set_history_visible(self, visible: bool) -> None:
        for widget in self._history_rows:
            self._form.setRowVisible(widget, visible)

    def _field_label(self, text: str) -> QLabel:
        label = QLabel(text + ":")
        label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self._field_labels.append(label)
        return label

    def _add_row(self, key: str, label: str, *, with_admin: bool = False) -> None:
        value = _value_label(f"{key}Value", label)
        self._values[key] = value
        field_label = self._field_label(label)
        field_label.setBuddy(value)
        if not with_admin:
            self._form.addRow(field_label, value)
            return
        admin = _value_label(f"{key}AdminValue", f"{label}, your time")
        admin.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self._admin[key] = admin
        box = QVBoxLayout()
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(1)
        box.addWidget(value)
        box.addWidget(admin)
        self._form.addRow(field_label, box)

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._choose_row_wrap(event.size().width())
        super().resizeEvent(event)

    def _choose_row_wrap(self, width: int) -> None:
        """Labels beside values when every shown pair fits, else above them (never a horizontal
        scroll bar hiding values). Decided here rather than by WrapLongRows, which ignores
        word-wrapping fields' minimums."""
        narrow = width < max(NARROW_WIDTH, self._side_by_side_width())
        policy = (
            QFormLayout.RowWrapPolicy.WrapAllRows
            if narrow
            else QFormLayout.RowWrapPolicy.DontWrapRows
        )
        if self._form.rowWrapPolicy() != policy:
            narrow = policy == QFormLayout.RowWrapPolicy.WrapAllRows
            # Stacked pairs: tight below each label, a gap above it, so pairs stay visible.
            self._form.setVerticalSpacing(2 if narrow else 8)
            for label in self._field_labels:
                label.setContentsMargins(0, 8 if narrow else 0, 0, 0)
            self._form.setRowWrapPolicy(policy)

    def _side_by_side_width(self) -> int:
        """The pane width that fits every shown label beside its value at the value's minimum."""
        form = self._form
        labels = fields = 0
        for row in range(form.rowCount()):
            label = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
            field = form.itemAt(row, QFormLayout.ItemRole.FieldRole)
            if label is None or field is None or not form.isRowVisible(row):
                continue
            labels = max(labels, label.sizeHint().width())
            fields = max(fields, field.minimumSize().width())
        sides = 2 * _SIDE_MARGIN
        scroll_bar = self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        return labels + form.horizontalSpacing() + fields + sides + scroll_bar + 4

    # -- public API ---------------------------------------------------------------------------

    def row(self) -> BackupStatusRow | None:
        return self._row

    def has_history(self) -> bool:
        """True while the history is open (the history rows are shown)."""
        return self._history is not None and self._history.available

    def show_states(self, states: ProblemStates) -> None:
        """New problem states (which sets are stale, and past which threshold), and perhaps a
        new recording or acknowledgement: re-renders the shown set. The pane says "stale"
        exactly when the table and the toggles do."""
        self._states = states
        self.refresh()

    def missing_since(self) -> datetime | None:
        """Since when the shown set is missing (from the history), else ``None``."""
        return self._missing_since

    def set_row(self, row: BackupStatusRow | None) -> None:
        """Show ``row``; ``None`` shows the empty state."""
        self._row = row
        self.copy_action.setEnabled(row is not None)
        self._copy_button.setVisible(row is not None)
        if row is None:
            self._stack.setCurrentIndex(0)
            return
        self._render(row)
        self._stack.setCurrentIndex(1)

    def refresh(self) -> None:
        """Re-render with the current time (ages and running durations move on)."""
        if self._row is not None:
            self._render(self._row)

    def details_text(self) -> str:
        """The shown row as plain text; empty when nothing is shown."""
        if self._row is None:
            return ""
        return details_text(
            self._row,
            self._now(),
            self._local_tz,
            self._missing_since,
            self._stale_after,
            judged=self._judged,
            rhythm=self._rhythm_text,
        )

    def copy_details(self) -> None:
        text = self.details_text()
        if not text:
            return
        QGuiApplication.clipboard().setText(text)
        self.detailsCopied.emit(text)

    # -- rendering ------------------------------------------------------------------------------

    def _render(self, row: BackupStatusRow) -> None:
        self._title.setText(shown(row.backupset_name))
        source = self._history
        history = source.set_history(row.key) if source is not None and source.available else None
        missing_since = history.missing_since if history is not None else None
        self._missing_since = missing_since
        states = self._states
        stale_after = states.stale_after(row.key) if states is not None else None
        self._stale_after = stale_after
        judged: str | None = None
        if missing_since is None and stale_after is None and states is not None:
            if row.key in states.derived.overdue:
                judged = stale_status_text(row, "Overdue")
            elif row.key in states.derived.repeated:
                judged = f"Repeated failure ({states.escalation.describe()})"
        self._judged = judged
        self._rhythm_text = self._render_rhythm(row, missing_since is None)
        fields = detail_fields(
            row,
            self._now(),
            self._local_tz,
            missing_since,
            stale_after,
            judged=judged,
            rhythm=self._rhythm_text,
        )
        for field in fields:
            if field.key in self._values and field.key != "conditions":
                self._values[field.key].setText(field.value)
            if field.key in self._admin:
                admin = self._admin[field.key]
                admin.setText(f"Your time: {field.admin}" if field.admin else "")
                admin.setVisible(field.admin is not None)
        self._form.setRowVisible(self._values["missingSince"], missing_since is not None)
        stale = missing_since is None and stale_after is not None
        self._form.setRowVisible(self._values["stale"], stale)
        if missing_since is not None:
            shown_status, label = "MISSING", "Missing"
        elif stale:
            shown_status, label = "STALE", "Stale"
        elif judged is not None and states is not None and row.key in states.derived.overdue:
            shown_status, label = "STALE", "Overdue"
        elif judged is not None:
            shown_status, label = "FAILURE", "Repeated failure"
        else:
            shown_status, label = (
                shown(row.condition_status),
                status_text(row.condition_status, UNKNOWN),
            )
        icon = self._icons.status_icon(shown_status)
        self._status_icon.setPixmap(icon.pixmap(QSize(20, 20), self.devicePixelRatioF()))
        self._status_icon.setAccessibleName(f"Status icon: {label}")
        self._set_badges(row.condition_types)
        self._render_history(row, history)
        self._choose_row_wrap(self.width())  # the rows now shown decide what fits side by side

    def _render_rhythm(self, row: BackupStatusRow, reported: bool) -> str | None:
        """The Rhythm row, once the states are judged with the history open; its text."""
        shown_row = self._rhythm_row
        if shown_row is None:
            return None
        states = self._states
        visible = reported and states is not None and states.with_history
        self._form.setRowVisible(shown_row, visible)
        if visible and states is not None:
            return shown_row.show_set(states, row, self._now())
        return None

    def _render_history(self, row: BackupStatusRow, history: SetHistory | None) -> None:
        if self._history is None or not self._history.available:
            self._set_history_visible(False)
            return
        self._set_history_visible(True)
        ack = self._history.acknowledgement(row.key)
        self.history_strip.set_days(history.days if history is not None else ())
        for key, text in history_texts(history, ack, self._now(), self._local_tz).items():
            self._values[key].setText(text)
        self._form.setRowVisible(self._values["acknowledged"], ack is not None)

    def _set_badges(self, condition_types: tuple[str, ...] | None) -> None:
        while (item := self._badge_layout.takeAt(0)) is not None:
            widget = item.widget()
            if widget is not None:
                widget.setParent(None)  # gone from findChildren now, not at the next loop turn
                widget.deleteLater()
        if not condition_types:
            none = _value_label("conditionNone", "No conditions")
            none.setText("None reported" if condition_types is not None else UNKNOWN)
            self._badge_layout.addWidget(none)
            return
        for condition_type in condition_types:
            self._badge_layout.addWidget(self._badge(condition_type))

    def _badge(self, condition_type: str) -> QWidget:
        """A rounded badge on its own line; the stretch keeps it as wide as its text."""
        badge = ConditionBadge(condition_type)
        holder = QWidget()
        line = QHBoxLayout(holder)
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(badge)
        line.addStretch(1)
        return holder
