"""The rows every Settings tab builds: spin boxes bounded by the schema, a problem label under each.

Shared by the dialog and its tab modules so each tab shows problems the same way: every edit
re-validates the whole form (``on_edit``) and the dialog fills the labels kept in ``error_labels``.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QFormLayout, QLabel, QSizePolicy, QSpinBox, QVBoxLayout, QWidget

from desktop_app.storage.settings_fields import BOUNDS

_ERROR_STYLE = "color: #c62828;"


class FormRows:
    """Builds the Settings form's rows; ``error_labels`` maps a field name to its problem label."""

    def __init__(self, on_edit: Callable[[], object]) -> None:
        self.on_edit = on_edit
        self.error_labels: dict[str, QLabel] = {}

    def spin(self, name: str, suffix: str, object_name: str, parent: QWidget) -> QSpinBox:
        bounds = BOUNDS[name]
        spin = QSpinBox(parent)
        spin.setObjectName(object_name)
        spin.setRange(bounds.low, bounds.high)
        spin.setSuffix(suffix)
        spin.setAccelerated(True)
        spin.setMinimumWidth(110)
        spin.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        if not spin.toolTip():
            spin.setToolTip(f"{bounds.low} to {bounds.high}{suffix}")
        spin.valueChanged.connect(self.on_edit)
        return spin

    def error_label(self, name: str, parent: QWidget | None) -> QLabel:
        label = QLabel(parent)
        label.setObjectName(f"{name}Error")
        label.setStyleSheet(_ERROR_STYLE)
        label.setWordWrap(True)
        label.hide()
        self.error_labels[name] = label
        return label

    def add_row(self, form: QFormLayout, text: str, field: QWidget, name: str) -> None:
        parent = field.parentWidget()
        label = QLabel(text, parent)
        label.setBuddy(field)  # the mnemonic (&) focuses the field
        column = QVBoxLayout()
        column.setSpacing(2)
        column.addWidget(field)
        column.addWidget(self.error_label(name, parent))
        form.addRow(label, column)
